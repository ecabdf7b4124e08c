// NEST's generators lowered onto volley's inputs with NEST's timing (the NEST layer).
// generator onto volley's inputs with NEST's timing.
//
// Timing (measured against NEST 3.10 with a connection delay d, tests/test_nest_layer.cpp): a current generator
// with origin o, start s, stop e acts on the target's V over the steps starting in [max(o + s, dt) + d, o + e + d)
// (the current acting over a step is the one NEST delivered the step before); a step_current_generator value set at
// amplitude_time T counts from max(T, dt) + d; an ac_generator's value over the step starting at t is
// offset + amplitude sin(2 pi f (t - d) + phase); a noise_generator draws a new value every `dt` (its parameter) on
// the grid of multiples of dt from time 0 of its own clock, which runs d + resolution behind the target's steps.
// A spike_generator's spike at t (origin + start < t <= origin + stop) reaches the target at t + d.
// The Poisson-type generators (poisson, sinusoidal_poisson, mip, inhomogeneous_poisson) become Poisson inputs drawn
// inside the fused update (engine/network.hpp poisson_shape) with the windows and phases measured against NEST 3.10
// driving parrot neurons (tests/test_nest_generators.cpp); pulsepacket_generator's train is drawn here, on the host.
// The stateful generators gamma_sup_generator, ppd_sup_generator, poisson_generator_ps and sinusoidal_gamma_generator
// become hidden source populations (models/nest_generator_sources.hpp; lower_train_generator below), one neuron per
// independent train (tests/test_nest_generator_sources.cpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "engine/error.hpp"
#include "engine/random.hpp"
#include "host/nest_device_values.hpp"
#include "host/nest_noise_schedule.hpp"
#include "models/nest_generator_sources.hpp"

namespace volley::nest::detail {

namespace {

// [first, end) in ms of the steps over which a current generator acts on its target.
struct window {
  double begin, end;
};
window current_window(const json& p, double delay, double dt) {
  const double o = number(p, "origin"), s = number(p, "start"), e = number(p, "stop");
  return {std::max(o + s, dt) + delay, e >= nest_forever ? forever_ms : o + e + delay};
}

double connection_weight(const json& syn, const std::string& where) {
  const json w = syn.value("weight", json(1.0));
  if (!w.is_number()) throw parameter_error(where, "weight", w.dump(), "one number for a generator");
  return w.get<double>();
}

std::vector<double> number_list(const json& p, const char* key, const std::string& where) {
  const json& v = p.at(key);
  if (!v.is_array()) throw parameter_error(where, key, v.dump(), "a list of numbers");
  std::vector<double> out;
  for (const auto& x : v) {
    if (!x.is_number() || !std::isfinite(x.get<double>())) throw parameter_error(where, key, v.dump(), "finite numbers");
    out.push_back(x.get<double>());
  }
  return out;
}

void check_on_grid(double t, double dt, const std::string& where, const std::string& name) {
  const double steps = std::round(t / dt);
  if (steps < 1 || std::abs(steps * dt - t) > 1e-9 * std::max(1.0, steps) * dt)
    throw parameter_error(where, name, std::to_string(t) + " ms",
                          "a positive time on the resolution's grid (NEST's allow_offgrid_times = false)");
}

// The steps over which a spike generator with NEST's poisson_generator window acts, `shift` ms after its
// window (o + start, o + stop].
poisson_shape spike_window(const json& p, double shift) {
  poisson_shape shape;
  const double o = number(p, "origin"), s = number(p, "start"), e = number(p, "stop");
  shape.start = units::time_q(std::max(o + s, 0.0) + shift);
  shape.stop = units::time_q(e >= nest_forever ? forever_ms : std::max(o + e + shift, shape.start.value));
  return shape;
}

quantity_value spike_weight(const json& syn, const node_group& target_group, const std::string& where) {
  return quantity_in(nest_weight(syn, target_group), weight_unit_of(target_group, syn), where, "weight");
}

}  // namespace

namespace {
// The stateful generators (models/nest_generator_sources.hpp) as a hidden source population: one neuron per target
// (NEST keeps one train per target), or one for all targets (sinusoidal_gamma_generator with individual_spike_trains
// false, one per generator node as NEST sends one train to all its targets, also across Connect calls), connected
// one-to-one (all-to-all) with the connection's weight and delay. Timing measured against NEST 3.10
// (tools/nest_reference/make_generator_source_references.py): the train updates at step k when origin + start < k <=
// origin + stop (steps; poisson_generator_ps: spikes stamped in (origin + start, origin + stop]), its spikes carry
// NEST's stamp (k + 1) h and reach the target after the connection's delay d, exactly as a neuron's spike does.
// Hidden populations are named "<model>_<first id>.train<connection>" (".shared" for a shared train): users'
// populations are "<model>_<first id>", without a dot.
template <class Model>
void add_train_source(network& net, const std::string& name, index_t n, const typename Model::params& params,
                      const std::string& where) {
  for (const auto& q : net.populations())
    if (q->name() == name) return;  // a shared train made by an earlier connection
  try {
    net.add_population<Model>(name, n, params);
  } catch (const parameter_error& e) {
    throw parameter_error(where, e.parameter_name, "set", std::string(e.what()));
  }
}

void lower_train_generator(network& net, const node_group& g, const std::string& target,
                           const node_group& target_group, const json& syn, const generator_context& ctx, double d,
                           const std::string& where) {
  const json& p = g.params;
  const double o = number(p, "origin"), st = number(p, "start"), e = number(p, "stop");
  const units::time_q origin(o), start(st), stop(e >= nest_forever ? models::nest_generators::forever : e);
  const units::rate_q rate(number(p, "rate") * 1e-3);
  const bool shared =
      g.kind == device_kind::sinusoidal_gamma_generator && !p.at("individual_spike_trains").get<bool>();
  const auto targets = net.range(target).size();
  const std::string name = g.model + "_" + std::to_string(g.first_id) +
                           (shared ? std::string(".shared") : ".train" + std::to_string(ctx.connection)) +
                           (ctx.copy > 0 ? "_" + std::to_string(ctx.copy) : std::string());
  const index_t n = shared ? 1 : targets;
  switch (g.kind) {
    case device_kind::gamma_sup_generator: {
      models::gamma_sup_generator::params q;
      q.rate = rate;
      q.gamma_shape = units::dimensionless_q(number(p, "gamma_shape"));
      q.n_proc = units::dimensionless_q(number(p, "n_proc"));
      q.origin = origin, q.start = start, q.stop = stop;
      add_train_source<models::gamma_sup_generator>(net, name, n, q, where);
      break;
    }
    case device_kind::ppd_sup_generator: {
      models::ppd_sup_generator::params q;
      q.rate = rate;
      q.dead_time = units::time_q(number(p, "dead_time"));
      q.n_proc = units::dimensionless_q(number(p, "n_proc"));
      q.frequency = units::rate_q(number(p, "frequency") * 1e-3);
      q.relative_amplitude = units::dimensionless_q(number(p, "relative_amplitude"));
      q.origin = origin, q.start = start, q.stop = stop;
      add_train_source<models::ppd_sup_generator>(net, name, n, q, where);
      break;
    }
    case device_kind::poisson_generator_ps: {
      models::poisson_generator_ps::params q;
      q.rate = rate;
      q.dead_time = units::time_q(number(p, "dead_time"));
      q.origin = origin, q.start = start, q.stop = stop;
      add_train_source<models::poisson_generator_ps>(net, name, n, q, where);
      break;
    }
    case device_kind::sinusoidal_gamma_generator: {
      models::sinusoidal_gamma_generator::params q;
      q.rate = rate;
      q.amplitude = units::rate_q(number(p, "amplitude") * 1e-3);
      q.frequency = units::rate_q(number(p, "frequency") * 1e-3);
      q.phase = units::dimensionless_q(number(p, "phase"));
      q.order = units::dimensionless_q(number(p, "order"));
      q.origin = origin, q.start = start, q.stop = stop;
      add_train_source<models::sinusoidal_gamma_generator>(net, name, n, q, where);
      break;
    }
    default: throw internal_error("lower_train_generator: " + g.model);
  }
  synapse_spec s;
  s.receptor = receptor_of(syn, target_group, where);
  s.weight = spike_weight(syn, target_group, where);
  s.delay = units::time_q(d);
  connection_rule rule;
  rule.kind = shared ? rule_kind::all_to_all : rule_kind::one_to_one;
  net.connect(name, target, rule, s, name + "->" + target);
}
}  // namespace

void lower_generator(network& net, const node_group& g, const std::string& target, const node_group& target_group,
                     const json& syn, const generator_context& ctx) {
  const double dt = ctx.dt;
  const std::string where = g.model + " -> " + target_group.model;
  const json& p = g.params;
  // NEST accepts only noise_generator (and spike_generator, whose single spikes it decodes as down transitions:
  // refused here) into binary neurons, and applies a current in the step it arrives (one step before an iaf's)
  const bool binary = is_binary_neuron(target_group.model);
  if (binary && g.kind != device_kind::noise_generator)
    throw parameter_error(where, "connection", g.model + " -> " + target_group.model,
                          "a noise_generator (NEST refuses other generators into binary neurons)");
  // NEST's cm_default, too, adds a current in the step it arrives; its currents are in nA (host/nest_cm.cpp)
  const bool current_generator = g.kind == device_kind::dc_generator || g.kind == device_kind::step_current_generator ||
                                 g.kind == device_kind::ac_generator || g.kind == device_kind::noise_generator;
  const bool cm = is_cm(target_group) && current_generator;
  const double d = connection_delay(syn, where, dt) - (binary || cm ? dt : 0.0);
  const double w = connection_weight(syn, where) * (cm ? 1000.0 : 1.0);
  if (is_train_generator(g.kind)) {
    lower_train_generator(net, g, target, target_group, syn, ctx, d, where);
    return;
  }
  // iaf_cond_alpha_mc: currents only on receptors 7 (soma: the model's current input), 8, 9 (proximal, distal: the
  // current ports, which take steps: models/iaf_cond_alpha_mc.hpp)
  std::string current_port;
  if (cm)
    current_port = cm_current_port(syn, target_group,
                                   g.kind == device_kind::dc_generator || g.kind == device_kind::step_current_generator,
                                   g.model, where);
  if (target_group.model == "iaf_cond_alpha_mc" && current_generator) {
    const json r = syn.value("receptor_type", json(0));
    if (!r.is_number_integer() || r.get<long long>() < 7 || r.get<long long>() > 9)
      throw parameter_error(where, "receptor_type", r.dump(),
                            "7, 8 or 9 (soma_curr, proximal_curr, distal_curr: iaf_cond_alpha_mc's current "
                            "receptors; NEST refuses others)");
    if (r.get<long long>() > 7) {
      if (g.kind != device_kind::dc_generator && g.kind != device_kind::step_current_generator)
        throw parameter_error(where, "receptor_type", r.dump(),
                              "7 (soma_curr) for a " + g.model + ": volley's dendritic current ports take "
                              "dc_generator and step_current_generator only");
      current_port = r.get<long long>() == 8 ? "proximal_curr" : "distal_curr";
    }
  }
  // pp_cond_exp_mc_urbanczik: currents only on receptors 5 (soma: the model's current input) and 6 (dendritic_curr,
  // which NEST accepts and whose current its dendrite never sees: nothing to lower)
  if (target_group.model == "pp_cond_exp_mc_urbanczik" && current_generator) {
    const json r = syn.value("receptor_type", json(0));
    if (!r.is_number_integer() || r.get<long long>() < 5 || r.get<long long>() > 6)
      throw parameter_error(where, "receptor_type", r.dump(),
                            "5 or 6 (soma_curr, dendritic_curr: pp_cond_exp_mc_urbanczik's current receptors; NEST "
                            "refuses others)");
    if (r.get<long long>() == 6) return;
  }
  // A step current into a current port: each change of the amplitude, arriving at step_times[k], is a weight on the
  // port that reaches the neuron in the step ending there (a spike at step_times[k] - dt with delay dt).
  auto add_steps = [&](const step_input& s) {
    if (current_port.empty()) {
      if (ctx.step_sink != nullptr)
        ctx.step_sink->push_back({target, where, s});
      else
        net.add_current_input(target, s, where);
      return;
    }
    double before = 0;
    for (std::size_t k = 0; k < s.amplitudes.size(); ++k) {
      const double change = s.amplitudes[k].value - before;
      before = s.amplitudes[k].value;
      if (change != 0)
        net.add_spike_times(target, {s.step_times[k].value - dt}, units::current_q(change), current_port,
                            units::time_q(dt));
    }
  };
  const window win = current_window(p, d, dt);
  const bool open_end = !std::isfinite(win.end);
  const units::time_q duration(open_end ? forever_ms : win.end - win.begin);
  if (!open_end && win.end <= win.begin) return;  // never active
  switch (g.kind) {
    case device_kind::dc_generator: {
      step_input s;
      s.amplitudes.push_back(units::current_q(number(p, "amplitude") * w));
      s.step_times.push_back(units::time_q(win.begin));
      if (!open_end) {
        s.amplitudes.push_back(units::current_q(0.0));
        s.step_times.push_back(units::time_q(win.end));
      }
      add_steps(s);
      return;
    }
    case device_kind::step_current_generator: {
      const auto times = number_list(p, "amplitude_times", where);
      const auto values = number_list(p, "amplitude_values", where);
      if (times.size() != values.size())
        throw parameter_error(where, "amplitude_values", std::to_string(values.size()) + " values",
                              std::to_string(times.size()) + " values, one per amplitude_time");
      step_input s;
      double current = 0;
      for (std::size_t k = 0; k < times.size(); ++k) {
        check_on_grid(times[k], dt, where, "amplitude_times[" + std::to_string(k) + "]");
        if (k > 0 && !(times[k] > times[k - 1]))
          throw parameter_error(where, "amplitude_times", std::to_string(times[k]) + " ms", "strictly increasing times");
        const double at = std::max(times[k], dt) + d;
        if (at <= win.begin) {
          current = values[k];
        } else if (at < win.end) {
          if (s.amplitudes.empty()) {
            s.amplitudes.push_back(units::current_q(current * w));
            s.step_times.push_back(units::time_q(win.begin));
          }
          s.amplitudes.push_back(units::current_q(values[k] * w));
          s.step_times.push_back(units::time_q(at));
        }
      }
      if (s.amplitudes.empty()) {
        s.amplitudes.push_back(units::current_q(current * w));
        s.step_times.push_back(units::time_q(win.begin));
      }
      if (!open_end) {
        s.amplitudes.push_back(units::current_q(0.0));
        s.step_times.push_back(units::time_q(win.end));
      }
      add_steps(s);
      return;
    }
    case device_kind::ac_generator: {
      const double f_per_ms = number(p, "frequency") * 1e-3;
      const double phase = number(p, "phase") * std::numbers::pi / 180.0 - 2.0 * std::numbers::pi * f_per_ms * d;
      sinusoidal_input s{units::current_q(number(p, "amplitude") * w), units::rate_q(f_per_ms), duration,
                         units::current_q(number(p, "offset") * w), units::dimensionless_q(phase),
                         units::time_q(win.begin)};
      net.add_current_input(target, s, where);
      return;
    }
    case device_kind::noise_generator: {
      noise_input s;
      s.mean = units::current_q(number(p, "mean") * w);
      s.std = units::current_q(number(p, "std") * std::abs(w));
      s.std_mod = units::current_q(number(p, "std_mod") * std::abs(w));
      s.hold = units::time_q(number(p, "dt"));
      s.frequency = units::rate_q(number(p, "frequency") * 1e-3);
      s.phase = units::dimensionless_q(number(p, "phase") * std::numbers::pi / 180.0);
      s.t_start = units::time_q(win.begin);
      s.duration = duration;
      // NEST draws at the first active step and every dt after it; its modulation's clock reads (step + 1) dt at
      // a draw in generator step `step`, minus the steps it was inactive in the run it woke up in (the layer's
      // schedule, host/nest_noise_schedule.cpp, names both; a generator lowered alone draws at its window's start)
      const double first_draw = p.contains(noise_first_draw_key) ? number(p, noise_first_draw_key) * dt + d + dt
                                                                 : win.begin;
      s.block_origin = units::time_q(first_draw);
      s.phase_origin = units::time_q(d + (p.contains(noise_phase_lag_key) ? number(p, noise_phase_lag_key) : 0.0) * dt);
      net.add_current_input(target, s, where);
      return;
    }
    case device_kind::poisson_generator:
    case device_kind::mip_generator: {
      // Measured against NEST 3.10 (tools/nest_reference/make_generator_references.py): a poisson_generator's spikes
      // reach the target in the steps starting in [o + s + d + dt, o + e + d + dt); a mip_generator's
      // min_delay - dt later. mip: one parent train, each target keeps each parent spike with probability p_copy.
      const bool mip = g.kind == device_kind::mip_generator;
      poisson_shape shape = spike_window(p, d + dt + (mip ? ctx.min_delay - dt : 0.0));
      if (mip) {
        shape.shared = true;
        shape.copy_probability = number(p, "p_copy");
      }
      net.add_poisson_input(target, units::rate_q(number(p, "rate") * 1e-3), spike_weight(syn, target_group, where),
                            receptor_of(syn, target_group, where), shape);
      return;
    }
    case device_kind::sinusoidal_poisson_generator: {
      // NEST 3.10 (measured): spikes reach the target in the steps starting in [max(o + s, dt) + d - dt,
      // o + e + d - dt), the rate over the step starting at t being rate + amplitude sin(2 pi f (t + dt - d) + phase),
      // clipped at 0; individual_spike_trains false: one train for all targets.
      poisson_shape shape;
      const double o = number(p, "origin"), st = number(p, "start"), e = number(p, "stop");
      shape.start = units::time_q(std::max(o + st, dt) + d - dt);
      shape.stop = units::time_q(e >= nest_forever ? forever_ms : o + e + d - dt);
      if (!(shape.stop.value > shape.start.value)) return;
      const double omega = 2.0 * std::numbers::pi * number(p, "frequency") * 1e-3;  // rad/ms
      shape.amplitude = units::rate_q(number(p, "amplitude") * 1e-3);
      shape.omega_per_ms = omega;
      shape.phase = number(p, "phase") * std::numbers::pi / 180.0 + omega * (dt - d);
      shape.shared = !p.at("individual_spike_trains").get<bool>();
      net.add_poisson_input(target, units::rate_q(number(p, "rate") * 1e-3), spike_weight(syn, target_group, where),
                            receptor_of(syn, target_group, where), shape);
      return;
    }
    case device_kind::inhomogeneous_poisson_generator: {
      // NEST 3.10 (measured): rate_values[k] drives the spikes that reach the target in the steps starting in
      // [rate_times[k] + d - dt, rate_times[k + 1] + d - dt); one Poisson input per piece. start / stop (set by
      // the segments of a generator changed between runs only: set_device_params refuses them from users) keep
      // the spikes emitted in the steps starting in [start, stop), which reach the target d later.
      const double clip_lo = number(p, "start") + d;
      const double clip_hi = number(p, "stop") >= nest_forever ? forever_ms : number(p, "stop") + d;
      const auto times = number_list(p, "rate_times", where);
      const auto values = number_list(p, "rate_values", where);
      if (times.size() != values.size())
        throw parameter_error(where, "rate_values", std::to_string(values.size()) + " values",
                              std::to_string(times.size()) + " values, one per rate_time");
      for (std::size_t k = 0; k < times.size(); ++k) {
        check_on_grid(times[k], dt, where, "rate_times[" + std::to_string(k) + "]");
        if (k > 0 && !(times[k] > times[k - 1]))
          throw parameter_error(where, "rate_times", std::to_string(times[k]) + " ms", "strictly increasing times");
        if (!(values[k] >= 0))
          throw parameter_error(where, "rate_values[" + std::to_string(k) + "]", std::to_string(values[k]) + " Hz",
                                "a non-negative rate");
      }
      for (std::size_t k = 0; k < times.size(); ++k) {
        if (values[k] == 0) continue;
        poisson_shape shape;
        shape.start = units::time_q(std::max(times[k] + d - dt, clip_lo));
        shape.stop = units::time_q(std::min(k + 1 < times.size() ? times[k + 1] + d - dt : forever_ms, clip_hi));
        if (!(shape.stop.value > shape.start.value)) continue;
        net.add_poisson_input(target, units::rate_q(values[k] * 1e-3), spike_weight(syn, target_group, where),
                              receptor_of(syn, target_group, where), shape);
      }
      return;
    }
    case device_kind::pulsepacket_generator: {
      // One train for all targets (as NEST sends it): `activity` spikes per pulse at pulse_time + N(0, sdev^2),
      // each emitted at ceil(x / dt) dt + dt (NEST 3.10, measured), reaching the target d later; spikes emitted
      // before dt are dropped. Drawn on the host from the stream (seed, input tag of the connection, pulse, copy:
      // the generator's index in its Create()).
      if (number(p, "start") != 0 || number(p, "origin") != 0 || number(p, "stop") < nest_forever)
        throw parameter_error(where, "start/stop/origin", "set", "the defaults (not yet supported for this generator)");
      const auto pulses = number_list(p, "pulse_times", where);
      const auto activity = static_cast<std::uint32_t>(number(p, "activity"));
      const double sdev = number(p, "sdev");
      std::vector<double> times;
      for (std::size_t k = 0; k < pulses.size(); ++k) {
        rng::random_stream rs(ctx.seed, rng::make_tag(rng::purpose::input, rng::max_object_id - ctx.connection),
                              static_cast<std::uint32_t>(k), ctx.copy);
        for (std::uint32_t a = 0; a < activity; ++a) {
          const double x = pulses[k] + (sdev > 0 ? sdev * rs.normal() : 0.0);
          const double emitted = (std::ceil(x / dt - 1e-9) + 1) * dt;
          if (emitted >= dt * (1 - 1e-9)) times.push_back(emitted);
        }
      }
      std::sort(times.begin(), times.end());
      if (times.empty()) return;
      net.add_spike_times(target, times, spike_weight(syn, target_group, where), receptor_of(syn, target_group, where),
                          units::time_q(d));
      return;
    }
    case device_kind::spike_generator: {
      const auto times = number_list(p, "spike_times", where);
      const double lo = number(p, "origin") + number(p, "start"), hi = number(p, "origin") + number(p, "stop");
      std::vector<double> kept;
      for (std::size_t k = 0; k < times.size(); ++k) {
        check_on_grid(times[k], dt, where, "spike_times[" + std::to_string(k) + "]");
        if (k > 0 && times[k] < times[k - 1])
          throw parameter_error(where, "spike_times", std::to_string(times[k]) + " ms", "times in ascending order");
        if (times[k] > lo && times[k] <= hi) kept.push_back(times[k]);
      }
      if (kept.empty()) return;
      net.add_spike_times(target, kept, spike_weight(syn, target_group, where), receptor_of(syn, target_group, where),
                          units::time_q(d));
      return;
    }
    default:
      throw internal_error("lower_generator: " + g.model + " is not a generator");
  }
}

}  // namespace volley::nest::detail
