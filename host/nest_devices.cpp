// NEST's generators and recorders in the NEST layer: names, defaults, parameter checks, and the lowering of each
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
#include "host/nest_layer_detail.hpp"
#include "models/nest_generator_sources.hpp"

namespace volley::nest::detail {

namespace {

constexpr double nest_forever = 1.7976931348623157e308;  // NEST's default stop (DBL_MAX)

struct device_name {
  const char* name;
  device_kind kind;
};
constexpr device_name device_table[] = {
    {"dc_generator", device_kind::dc_generator},
    {"ac_generator", device_kind::ac_generator},
    {"step_current_generator", device_kind::step_current_generator},
    {"noise_generator", device_kind::noise_generator},
    {"poisson_generator", device_kind::poisson_generator},
    {"sinusoidal_poisson_generator", device_kind::sinusoidal_poisson_generator},
    {"mip_generator", device_kind::mip_generator},
    {"inhomogeneous_poisson_generator", device_kind::inhomogeneous_poisson_generator},
    {"pulsepacket_generator", device_kind::pulsepacket_generator},
    {"spike_generator", device_kind::spike_generator},
    {"gamma_sup_generator", device_kind::gamma_sup_generator},
    {"ppd_sup_generator", device_kind::ppd_sup_generator},
    {"poisson_generator_ps", device_kind::poisson_generator_ps},
    {"sinusoidal_gamma_generator", device_kind::sinusoidal_gamma_generator},
    {"spike_dilutor", device_kind::spike_dilutor},
    {"spike_recorder", device_kind::spike_recorder},
    {"multimeter", device_kind::multimeter},
    {"voltmeter", device_kind::voltmeter},
    {"weight_recorder", device_kind::weight_recorder},
    {"correlation_detector", device_kind::correlation_detector},
    {"correlomatrix_detector", device_kind::correlomatrix_detector},
    {"spin_detector", device_kind::spin_detector},
    {"correlospinmatrix_detector", device_kind::correlospinmatrix_detector},
    {"volume_transmitter", device_kind::volume_transmitter},
    {"step_rate_generator", device_kind::step_rate_generator},
};

double number(const json& params, const char* key) { return params.at(key).get<double>(); }

// [first, end) in ms of the steps over which a current generator acts on its target.
struct window {
  double begin, end;
};
window current_window(const json& p, double delay, double dt) {
  const double o = number(p, "origin"), s = number(p, "start"), e = number(p, "stop");
  return {std::max(o + s, dt) + delay, e >= nest_forever ? forever_ms : o + e + delay};
}

double connection_delay(const json& syn, const std::string& where, double dt) {
  const json d = syn.value("delay", json(1.0));
  if (!d.is_number()) throw parameter_error(where, "delay", d.dump(), "one delay in ms for a generator");
  const double delay = d.get<double>();
  if (!(delay >= dt * (1 - 1e-9)) || !std::isfinite(delay))
    throw parameter_error(where, "delay", d.dump() + " ms", "at least the resolution (as NEST requires)");
  return std::round(delay / dt) * dt;  // NEST rounds delays to steps
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

device_kind device_kind_of(const std::string& model) {
  for (const auto& d : device_table)
    if (model == d.name) return d.kind;
  return device_kind::none;
}

std::string device_names() {
  std::string out;
  for (const auto& d : device_table) out += (out.empty() ? "" : ", ") + std::string(d.name);
  return out;
}

bool is_recorder(device_kind k) {
  return k == device_kind::spike_recorder || k == device_kind::multimeter || k == device_kind::voltmeter ||
         k == device_kind::weight_recorder;
}

bool is_detector(device_kind k) {
  return k == device_kind::correlation_detector || k == device_kind::correlomatrix_detector ||
         k == device_kind::spin_detector || k == device_kind::correlospinmatrix_detector;
}

std::uint64_t detector_ports(const node_group& g) {
  switch (g.kind) {
    case device_kind::correlation_detector: return 2;
    case device_kind::spin_detector: return 1;
    case device_kind::correlomatrix_detector:
    case device_kind::correlospinmatrix_detector: return g.params.at("N_channels").get<std::uint64_t>();
    default: return 0;
  }
}

namespace {
// Whether t (ms) is a whole number >= 1 of steps dt; NEST compares times in tics (1 us), volley to 1e-9 relative.
bool whole_steps(double t, double dt) {
  const double steps = std::round(t / dt);
  return steps >= 1 && std::abs(steps * dt - t) <= 1e-9 * std::max(1.0, steps) * dt;
}
}  // namespace

json device_defaults(device_kind k, double dt) {
  const json timing = {{"origin", 0.0}, {"start", 0.0}, {"stop", nest_forever}};
  json p;
  switch (k) {
    case device_kind::correlation_detector:
    case device_kind::correlomatrix_detector:
      // NEST 3.10: the model's delta_tau is 5 steps of the default resolution 0.1 ms, kept where it lies on the grid
      // of the resolution set, else 5 steps; tau_max stays 5 ms (measured)
      p = {{"delta_tau", whole_steps(0.5, dt) ? 0.5 : 5 * dt}, {"tau_max", 5.0}, {"Tstart", 0.0}, {"Tstop", nest_forever}};
      if (k == device_kind::correlation_detector) p["n_events"] = json::array({0, 0});
      if (k == device_kind::correlomatrix_detector) p["N_channels"] = 1;
      break;
    case device_kind::correlospinmatrix_detector:  // delta_tau one step of 0.1 ms (or dt), tau_max 1 ms
      p = {{"delta_tau", whole_steps(0.1, dt) ? 0.1 : dt}, {"tau_max", 1.0}, {"Tstart", 0.0}, {"Tstop", nest_forever},
           {"N_channels", 1}};
      break;
    case device_kind::spin_detector: p = json::object(); break;
    case device_kind::dc_generator: p = {{"amplitude", 0.0}}; break;
    case device_kind::ac_generator:
      p = {{"amplitude", 0.0}, {"offset", 0.0}, {"frequency", 0.0}, {"phase", 0.0}};
      break;
    case device_kind::step_current_generator:
    case device_kind::step_rate_generator:
      p = {{"amplitude_times", json::array()}, {"amplitude_values", json::array()}, {"allow_offgrid_times", false}};
      break;
    case device_kind::noise_generator:
      p = {{"mean", 0.0}, {"std", 0.0}, {"dt", 1.0}, {"std_mod", 0.0}, {"frequency", 0.0}, {"phase", 0.0}};
      break;
    case device_kind::poisson_generator: p = {{"rate", 0.0}}; break;
    case device_kind::sinusoidal_poisson_generator:
      p = {{"rate", 0.0}, {"amplitude", 0.0}, {"frequency", 0.0}, {"phase", 0.0}, {"individual_spike_trains", true}};
      break;
    case device_kind::mip_generator: p = {{"rate", 0.0}, {"p_copy", 1.0}}; break;
    case device_kind::inhomogeneous_poisson_generator:
      p = {{"rate_times", json::array()}, {"rate_values", json::array()}, {"allow_offgrid_times", false}};
      break;
    case device_kind::pulsepacket_generator:
      p = {{"pulse_times", json::array()}, {"activity", 0}, {"sdev", 0.0}};
      break;
    case device_kind::spike_generator:
      p = {{"spike_times", json::array()}, {"allow_offgrid_times", false}, {"precise_times", false}};
      break;
    case device_kind::gamma_sup_generator: p = {{"rate", 0.0}, {"gamma_shape", 1}, {"n_proc", 1}}; break;
    case device_kind::ppd_sup_generator:
      p = {{"rate", 0.0}, {"dead_time", 0.0}, {"n_proc", 1}, {"frequency", 0.0}, {"relative_amplitude", 0.0}};
      break;
    case device_kind::poisson_generator_ps: p = {{"rate", 0.0}, {"dead_time", 0.0}}; break;
    case device_kind::sinusoidal_gamma_generator:
      p = {{"rate", 0.0}, {"amplitude", 0.0}, {"frequency", 0.0}, {"phase", 0.0}, {"order", 1.0},
           {"individual_spike_trains", true}};
      break;
    case device_kind::spike_dilutor: p = {{"p_copy", 1.0}}; break;
    case device_kind::spike_recorder: return json::object();
    case device_kind::weight_recorder: return json::object();
    case device_kind::volume_transmitter: return {{"deliver_interval", 1}};  // min_delay slices
    case device_kind::multimeter: return {{"record_from", json::array()}, {"interval", 1.0}};
    case device_kind::voltmeter: return {{"record_from", json::array({"V_m"})}, {"interval", 0.1}};
    case device_kind::none: return json::object();
  }
  p.update(timing);
  return p;
}

namespace {
// NEST 3.10's checks of the correlation devices' parameters (after a SetStatus, on all values together).
void check_detector_params(const node_group& g, const json& p, const std::string& where, double dt) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", dt);
  const std::string res = " of the resolution " + std::string(buf) + " ms";
  if (p.contains("N_channels")) {
    const json& n = p.at("N_channels");
    if (!n.is_number_integer() || n.get<long long>() < 1)
      throw parameter_error(where, "N_channels", n.dump(), "a whole number >= 1 (NEST: N_channels can only be larger "
                                                           "than zero)");
  }
  if (p.contains("n_events") && p.at("n_events") != json::array({0, 0}))
    throw parameter_error(where, "n_events", p.at("n_events").dump(), "[0, 0] (NEST: n_events can only be set to [0 0], "
                                                                       "which clears the histograms)");
  const double D = p.at("delta_tau").get<double>(), tau_max = p.at("tau_max").get<double>();
  const bool spin = g.kind == device_kind::correlospinmatrix_detector;
  if (spin)
    for (const char* key : {"delta_tau", "tau_max", "Tstart", "Tstop"})
      if (p.at(key).get<double>() < 0) throw parameter_error(where, key, p.at(key).dump(), "a time >= 0 ms (NEST)");
  if (!whole_steps(D, dt))
    throw parameter_error(where, "delta_tau", p.at("delta_tau").dump() + " ms", "a positive multiple" + res);
  const auto D_steps = static_cast<long long>(std::round(D / dt));
  if (g.kind == device_kind::correlomatrix_detector && D_steps % 2 != 1)
    throw parameter_error(where, "delta_tau", p.at("delta_tau").dump() + " ms", "an odd multiple" + res +
                                                                                  " (NEST: lags symmetric around 0)");
  const bool on_grid = tau_max == 0 || whole_steps(tau_max, dt);
  if (!(tau_max >= 0) || !on_grid || static_cast<long long>(std::round(tau_max / dt)) % D_steps != 0)
    throw parameter_error(where, "tau_max", p.at("tau_max").dump() + " ms",
                          "a multiple (>= 0) of delta_tau = " + p.at("delta_tau").dump() + " ms");
}
}  // namespace

namespace {
bool is_train_generator(device_kind k) {
  return k == device_kind::gamma_sup_generator || k == device_kind::ppd_sup_generator ||
         k == device_kind::poisson_generator_ps || k == device_kind::sinusoidal_gamma_generator;
}

// NEST 3.10's checks of the stateful generators (NEST's messages), and volley's caps on their per-train state
// (models/nest_generator_sources.hpp).
void check_train_generator(const node_group& g, const json& p, const std::string& where, double dt) {
  auto v = [&](const char* key) { return p.at(key).get<double>(); };
  auto fail = [&](const char* key, const std::string& expected) {
    throw parameter_error(where, key, p.at(key).dump(), expected);
  };
  auto count = [&](const char* key, const char* nest_text) {
    const double n = v(key);
    if (n != std::floor(n)) fail(key, "a whole number (NEST reads an integer)");
    if (n < 1) fail(key, std::string("a whole number >= 1 (NEST: ") + nest_text + ")");
    if (n > models::nest_generators::max_n_proc)  // n_proc: the occupation counts must stay exact in real_t
      fail(key, "at most " + std::to_string(std::llround(models::nest_generators::max_n_proc)) +
                    " (the largest count volley's real numbers hold exactly)");
  };
  char cap[160];
  switch (g.kind) {
    case device_kind::gamma_sup_generator:
      count("gamma_shape", "The shape must be larger or equal 1");
      if (v("gamma_shape") > models::nest_generators::gamma_max_shape) {
        std::snprintf(cap, sizeof cap, "at most %d (volley keeps gamma_shape internal states per train)",
                      models::nest_generators::gamma_max_shape);
        fail("gamma_shape", cap);
      }
      if (!(v("rate") >= 0)) fail("rate", "a rate >= 0 Hz (NEST: The rate must be larger than 0.)");
      count("n_proc", "The number of component processes cannot be smaller than one");
      break;
    case device_kind::ppd_sup_generator: {
      if (!(v("dead_time") >= 0)) fail("dead_time", "a time >= 0 ms (NEST: The dead time cannot be negative.)");
      if (!(1000.0 / v("rate") > v("dead_time")))
        fail("rate", "a rate whose inverse exceeds dead_time = " + p.at("dead_time").dump() +
                         " ms (NEST: The inverse rate has to be larger than the dead time.)");
      count("n_proc", "The number of component processes cannot be smaller than one");
      if (!(v("relative_amplitude") >= 0 && v("relative_amplitude") <= 1))
        fail("relative_amplitude", "a value in [0, 1] (NEST: The relative amplitude of the rate modulation must be "
                                   "in [0,1].)");
      if (const char* why = models::ppd_sup_generator::bins_problem(v("dead_time"), dt)) fail("dead_time", why);
      break;
    }
    case device_kind::poisson_generator_ps:
      if (!(v("dead_time") >= 0)) fail("dead_time", "a time >= 0 ms (NEST: The dead time cannot be negative.)");
      if (!(v("rate") >= 0)) fail("rate", "a rate >= 0 Hz (NEST: The rate cannot be negative.)");
      if (1000.0 / v("rate") < v("dead_time"))
        fail("rate", "a rate whose inverse is at least dead_time = " + p.at("dead_time").dump() +
                         " ms (NEST: The inverse rate cannot be smaller than the dead time.)");
      break;
    case device_kind::sinusoidal_gamma_generator:
      if (!(v("order") >= 1)) fail("order", "a value >= 1 (NEST: The gamma order must be at least 1.)");
      if (!(v("amplitude") >= 0 && v("amplitude") <= v("rate")))
        fail("amplitude", "0 <= amplitude <= rate = " + p.at("rate").dump() +
                              " Hz (NEST: Rate parameters must fulfill 0 <= amplitude <= rate.)");
      break;
    default: break;
  }
}
}  // namespace

void set_device_params(node_group& g, const json& params, const std::string& where, double dt) {
  json p = g.params;  // checked as a whole, then committed
  for (const auto& [key, value] : params.items()) {
    if (!p.contains(key)) {
      std::string known;
      for (const auto& [k, v] : p.items()) known += (known.empty() ? "" : ", ") + k;
      throw parameter_error(where, key, value.dump(), "a parameter of " + g.model + ": " + known);
    }
    const json& old = p.at(key);
    const bool ok = (old.is_number() && value.is_number() && std::isfinite(value.get<double>())) ||
                    (old.is_boolean() && value.is_boolean()) || (old.is_array() && value.is_array());
    if (!ok) throw parameter_error(where, key, value.dump(), "a value like the default " + old.dump());
    if ((key == "allow_offgrid_times" || key == "precise_times") && value.get<bool>())
      throw parameter_error(where, key, "true", "false (volley's NEST layer keeps spike and step times on the grid)");
    p[key] = value;
  }
  auto non_negative = [&](const char* key) {
    if (p.contains(key) && !(p.at(key).get<double>() >= 0))
      throw parameter_error(where, key, p.at(key).dump(), "a non-negative value");
  };
  if (is_train_generator(g.kind)) check_train_generator(g, p, where, dt);
  for (const char* key : {"start", "rate", "std", "std_mod", "frequency", "sdev", "activity"})
    if (!(is_train_generator(g.kind) && std::string(key) == "frequency")) non_negative(key);  // NEST: any sign
  if (p.contains("p_copy") && !(p.at("p_copy").get<double>() >= 0 && p.at("p_copy").get<double>() <= 1))
    throw parameter_error(where, "p_copy", p.at("p_copy").dump(), "a probability in [0, 1]");
  if (p.contains("activity") && p.at("activity").get<double>() != std::floor(p.at("activity").get<double>()))
    throw parameter_error(where, "activity", p.at("activity").dump(), "a whole number of spikes per pulse");
  if (p.contains("stop") && p.contains("start") && p.at("stop").get<double>() < p.at("start").get<double>())
    throw parameter_error(where, "stop", p.at("stop").dump(), "at least start = " + p.at("start").dump());
  if (g.kind == device_kind::noise_generator && p.at("std_mod").get<double>() > p.at("std").get<double>())
    throw parameter_error(where, "std_mod", p.at("std_mod").dump(), "at most std (NEST: the variance must stay >= 0)");
  if (p.contains("interval") && !(p.at("interval").get<double>() > 0))
    throw parameter_error(where, "interval", p.at("interval").dump(), "a positive time in ms");
  if (is_detector(g.kind) && g.kind != device_kind::spin_detector) check_detector_params(g, p, where, dt);
  if (g.kind == device_kind::volume_transmitter) {
    const double di = p.at("deliver_interval").get<double>();
    if (!(di >= 1 && di == std::floor(di) && di < 4e9))
      throw parameter_error(where, "deliver_interval", p.at("deliver_interval").dump(),
                            "a whole number of min_delay slices >= 1");
  }
  g.params = std::move(p);
}

double planned_min_delay(const std::vector<json>& delays, double dt) {
  double lowest = forever_ms;
  auto consider = [&](const json& d) {
    if (d.is_number()) lowest = std::min(lowest, d.get<double>());
    if (d.is_array())
      for (const auto& x : d)
        if (x.is_number()) lowest = std::min(lowest, x.get<double>());
    if (d.is_object()) lowest = std::min(lowest, d.contains("low") && d.at("low").is_number() ? d.at("low").get<double>() : dt);
  };
  for (const auto& d : delays) consider(d);
  return std::isfinite(lowest) ? std::max(std::round(lowest / dt) * dt, dt) : dt;
}

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
                           (shared ? std::string(".shared") : ".train" + std::to_string(ctx.connection));
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
      s.block_origin = units::time_q(d + dt);
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
      // [rate_times[k] + d - dt, rate_times[k + 1] + d - dt); one Poisson input per piece.
      if (number(p, "start") != 0 || number(p, "origin") != 0 || number(p, "stop") < nest_forever)
        throw parameter_error(where, "start/stop/origin", "set", "the defaults (not yet supported for this generator)");
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
        shape.start = units::time_q(times[k] + d - dt);
        shape.stop = units::time_q(k + 1 < times.size() ? times[k + 1] + d - dt : forever_ms);
        net.add_poisson_input(target, units::rate_q(values[k] * 1e-3), spike_weight(syn, target_group, where),
                              receptor_of(syn, target_group, where), shape);
      }
      return;
    }
    case device_kind::pulsepacket_generator: {
      // One train for all targets (as NEST sends it): `activity` spikes per pulse at pulse_time + N(0, sdev^2),
      // each emitted at ceil(x / dt) dt + dt (NEST 3.10, measured), reaching the target d later; spikes emitted
      // before dt are dropped. Drawn on the host from the stream (seed, input tag of the connection, pulse, 0).
      if (number(p, "start") != 0 || number(p, "origin") != 0 || number(p, "stop") < nest_forever)
        throw parameter_error(where, "start/stop/origin", "set", "the defaults (not yet supported for this generator)");
      const auto pulses = number_list(p, "pulse_times", where);
      const auto activity = static_cast<std::uint32_t>(number(p, "activity"));
      const double sdev = number(p, "sdev");
      std::vector<double> times;
      for (std::size_t k = 0; k < pulses.size(); ++k) {
        rng::random_stream rs(ctx.seed, rng::make_tag(rng::purpose::input, rng::max_object_id - ctx.connection),
                              static_cast<std::uint32_t>(k), 0);
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

// The correlation devices' results (host/nest_correlation.hpp), computed from the recorded spikes of the connected
// neurons each time they are asked for: a later Simulate accumulates, as in NEST.
namespace volley::nest::detail {

bool is_binary_neuron(const std::string& model) {
  return model == "mcculloch_pitts_neuron" || model == "ginzburg_neuron" || model == "erfc_neuron";
}

namespace {
std::int64_t steps_of(double ms, double dt) { return static_cast<std::int64_t>(std::llround(ms / dt)); }

detector_timing timing_of(const json& p, double dt) {
  detector_timing t;
  const double o = number(p, "origin"), start = number(p, "start"), stop = number(p, "stop");
  t.active_after = steps_of(o + start, dt);
  t.active_until = stop >= nest_forever || (o + stop) / dt > 9e18 ? forever_steps : steps_of(o + stop, dt);
  if (p.contains("Tstart")) {
    const double from = number(p, "Tstart") / dt, until = number(p, "Tstop") / dt;
    t.count_from = from < -9e18 ? -forever_steps : static_cast<std::int64_t>(std::ceil(from - 1e-9));
    t.count_until = until > 9e18 ? forever_steps : static_cast<std::int64_t>(std::floor(until + 1e-9));
  }
  return t;
}

template <class T>
json nested(const std::vector<std::vector<std::vector<T>>>& m) {
  json out = json::array();
  for (const auto& row : m) {
    json r = json::array();
    for (const auto& v : row) r.push_back(v);
    out.push_back(std::move(r));
  }
  return out;
}
}  // namespace

void plan::connect_detector(const connection& c, std::vector<trace_request>& traces, std::vector<std::string>& spikes) {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& det = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + det.model + ")";
  const double dt = options.resolution_ms;
  json spec = merged_syn_spec(synapse_model_of(synapse_models, c.syn_spec, where), c.syn_spec, where);
  const json r = spec.value("receptor_type", json(0));
  if (!r.is_number_integer() || r.get<long long>() < 0 || r.get<std::uint64_t>() >= detector_ports(det))
    throw parameter_error(where, "receptor_type", r.dump(), "0 .. " + std::to_string(detector_ports(det) - 1) +
                                                                 " (the receptor_types of " + det.model + ")");
  const json w = spec.value("weight", json(1.0));
  if (!w.is_number() || !std::isfinite(w.get<double>()))
    throw parameter_error(where, "weight", w.dump(), "one finite number (the weight of every pair's product)");
  connection_delay(spec, where, dt);  // ignored by the detectors, but checked as NEST does
  const auto b = c.pre.first_id - pre.first_id;
  recorder_source s{index_of(pre), b, b + c.pre.count, 0, {}};
  s.port = static_cast<std::uint32_t>(r.get<std::uint64_t>());
  s.weight = w.get<double>();
  s.connection = static_cast<std::size_t>(&c - connections.data());
  const population& p = net->find(pre.population);
  if (is_binary_neuron(pre.model) && p.model().spike_payload >= 0) {
    s.binary = true;  // the payload (+1 up, -1 down) at every step, read at the spike steps
    s.first_trace = traces.size();
    trace_request t;
    t.population = pre.population;
    t.variable = p.model().state[static_cast<std::size_t>(p.model().spike_payload)].name;
    for (auto i = b; i < b + c.pre.count; ++i) t.neurons.push_back(static_cast<index_t>(i));
    traces.push_back(std::move(t));
  }
  recorded[index_of(det)].push_back(std::move(s));
  if (std::find(spikes.begin(), spikes.end(), pre.population) == spikes.end()) spikes.push_back(pre.population);
}

std::vector<detector_input> plan::detector_spikes(const node_group& d, bool exchanged, bool unroll) const {
  std::vector<detector_input> in;
  if (!sim) return in;
  each_recorded_spike(d, [&](const recorder_source& src, const auto& sr, std::size_t k) {
    detector_input e;
    e.step = sr.step[k];
    e.sender = groups[src.group].first_id + sr.neuron[k];
    e.connection = static_cast<std::uint32_t>(src.connection);
    e.port = src.port;
    e.weight = src.weight;
    if (src.binary) {  // the transition trace at the spike's step: +1 up, -1 down
      const auto& transition = sim->record().traces[src.first_trace].values;
      e.up = transition[std::size_t(sr.step[k]) * (src.end - src.begin) + (sr.neuron[k] - src.begin)] > 0;
    }
    // NEST's spike exchange sends a spike of multiplicity m as m spikes: a binary neuron's up transition (2) and
    // a count model's spikes (parrot_neuron, spike_train_injector, gif_pop_psc_exp)
    const std::uint32_t copies = unroll ? (src.binary ? (e.up ? 2u : 1u) : sr.spikes_at(k)) : 1u;
    for (std::uint32_t c = 0; c < copies; ++c) {
      e.copy = c;
      in.push_back(e);
    }
  });
  const auto m = static_cast<std::uint64_t>(std::max<std::int64_t>(steps_of(min_delay_ms, options.resolution_ms), 1));
  nest_delivery_order(in, m, run_ends, exchanged);
  return in;
}

json plan::detector_results(const node_group& g) const {
  const json& p = g.params;
  const double dt = options.resolution_ms;
  json out = json::object();
  const bool built = sim != nullptr;
  const std::int64_t D = steps_of(number(p, "delta_tau"), dt), tau_max = steps_of(number(p, "tau_max"), dt);
  const std::int64_t m = std::max<std::int64_t>(steps_of(min_delay_ms, dt), 1);
  const detector_timing timing = timing_of(p, dt);
  const auto N = static_cast<std::uint32_t>(detector_ports(g));
  switch (g.kind) {
    case device_kind::correlation_detector: {
      if (!built) return {{"histogram", json::array()}, {"histogram_correction", json::array()},
                          {"count_histogram", json::array()}, {"n_events", json::array({0, 0})}};
      correlation_counts counts(D, tau_max, timing);
      const auto& reset_at = resets[index_of(g)];
      std::size_t next_reset = 0;
      for (const auto& e : detector_spikes(g, true, true)) {
        // SetStatus(n_events: [0, 0]) after a Simulate cleared what had been delivered by then
        bool clear = false;
        while (next_reset < reset_at.size() && (e.step / std::uint64_t(m) + 1) * std::uint64_t(m) >= reset_at[next_reset]) {
          clear = true;
          ++next_reset;
        }
        if (clear) counts.reset();
        counts.handle(static_cast<std::int64_t>(e.step) + 1, e.port, e.weight);
      }
      if (next_reset < reset_at.size()) counts.reset();
      out["histogram"] = counts.histogram;
      out["histogram_correction"] = counts.histogram_correction;
      out["count_histogram"] = counts.count_histogram;
      out["n_events"] = json::array({counts.n_events[0], counts.n_events[1]});
      return out;
    }
    case device_kind::correlomatrix_detector: {
      correlomatrix_counts counts(N, D, tau_max, m, timing);
      if (built)
        for (const auto& e : detector_spikes(g, true, true))
          counts.handle(static_cast<std::int64_t>(e.step) + 1, e.port, e.weight);
      out["covariance"] = nested(counts.covariance);
      out["count_covariance"] = nested(counts.count_covariance);
      out["n_events"] = counts.n_events;
      if (!built) {  // NEST sizes the matrices at the first Simulate
        out["covariance"] = json::array({json::array({json::array()})});
        out["count_covariance"] = json::array({json::array({json::array()})});
      }
      return out;
    }
    case device_kind::correlospinmatrix_detector: {
      correlospin_counts counts(N, D, tau_max, m, timing);
      if (built)
        for (const auto& e : detector_spikes(g, true, true)) counts.handle(static_cast<std::int64_t>(e.step) + 1, e.port);
      out["count_covariance"] = built ? nested(counts.count_covariance) : json::array({json::array({json::array()})});
      return out;
    }
    case device_kind::spin_detector: out["n_events"] = spin_events(g).at("times").size(); return out;
    default: throw internal_error("detector_results: " + g.model + " is not a correlation device");
  }
}

json plan::spin_events(const node_group& g) const {
  json out = {{"senders", json::array()}, {"state", json::array()}, {"times", json::array()}};
  const detector_timing timing = timing_of(g.params, options.resolution_ms);
  // NEST's local delivery: every spike, as emitted
  for (const auto& e : nest_spin_events(detector_spikes(g, false, false), timing)) {
    out["senders"].push_back(e.sender);
    out["state"].push_back(e.state);
    out["times"].push_back(double(e.stamp) * options.resolution_ms);
  }
  return out;
}

}  // namespace volley::nest::detail
