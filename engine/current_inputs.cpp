// The network's brainpy.state inputs: time-varying current sources (models/current_sources.hpp) lowered from typed
// quantities into their descriptors, and the schedules of SpikeTime populations.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/current_inputs.hpp"
#include "engine/error.hpp"
#include "engine/network.hpp"
#include "engine/random.hpp"
#include "models/spike_sources.hpp"
#include "models/spike_train_injector.hpp"

namespace volley {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// First step n whose start time n dt is at or after t (ms): where a generator boundary at t takes effect.
// Tolerates rounding in t / dt (a boundary within 1e-9 steps of the grid is on it); +inf gives models::forever.
std::uint32_t first_step_at(double t, double dt) {
  if (!(t < forever_ms)) return models::forever;
  const double n = std::ceil(t / dt - 1e-9);
  if (n <= 0) return 0;
  return n >= double(models::forever) ? models::forever : static_cast<std::uint32_t>(n);
}

struct current_checks {
  std::string where;
  void finite(const std::string& name, units::current_q q) const {
    if (!std::isfinite(q.value)) throw parameter_error(where, name, number(q.value) + " pA", "a finite current");
  }
  void non_negative(const std::string& name, units::current_q q) const {
    if (!(q.value >= 0) || !std::isfinite(q.value))
      throw parameter_error(where, name, number(q.value) + " pA", "a finite, non-negative current");
  }
  // positive time; +inf allowed for a duration ("whole run")
  void positive(const std::string& name, units::time_q t, bool allow_inf) const {
    if (!(t.value > 0) || (!allow_inf && !std::isfinite(t.value)) || std::isnan(t.value))
      throw parameter_error(where, name, number(t.value) + " ms",
                            allow_inf ? "a positive time (e.g. '100 ms')" : "a positive, finite time (e.g. '100 ms')");
  }
  void non_negative_time(const std::string& name, units::time_q t) const {
    if (!(t.value >= 0) || !std::isfinite(t.value))
      throw parameter_error(where, name, number(t.value) + " ms", "a finite, non-negative time");
  }
};

// Piecewise table: (first step, value) pairs, the start steps ascending.
void set_pieces(models::current_source& s, const std::vector<std::pair<std::uint32_t, double>>& pieces) {
  s.kind = models::current_kind::piecewise;
  s.n_pieces = static_cast<int>(pieces.size());
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    s.piece_start[k] = pieces[k].first;
    s.piece_value[k] = static_cast<real_t>(pieces[k].second);
  }
}

}  // namespace

void network::check_takes_current(const population& p, const std::string& where) const {
  if (!p.model().takes_current)
    throw parameter_error(where, "target", "'" + p.name() + "' (model " + p.model().name + ")",
                          "a population whose model takes a current input (" + p.model().name +
                              " has no membrane current: spike sources and readouts take weighted spikes)");
}

void network::add_current_input(const std::string& target, const current_input& source, const std::string& label) {
  static const char* kinds[] = {"section", "constant", "step", "ramp", "sinusoidal", "OU", "Wiener", "noise"};
  const current_checks c{label.empty() ? std::string(kinds[source.index()]) + " input to '" + target + "'" : label};
  const std::string& where = c.where;
  const neuron_range r = range(target);
  population& p = *populations_[r.population];
  check_takes_current(p, where);
  constexpr std::size_t max_pieces = models::max_current_pieces;
  models::current_source s;
  s.begin = r.begin;
  s.end = r.end;
  s.dt = dt_;
  s.tag = next_input_tag();
  real_t initial = 0;  // OU / integrated Wiener state at t = 0

  if (const auto* in = std::get_if<section_input>(&source)) {
    if (in->values.empty()) throw parameter_error(where, "values", "[]", "at least one section");
    if (in->durations.size() != in->values.size())
      throw parameter_error(where, "durations", std::to_string(in->durations.size()) + " values",
                            std::to_string(in->values.size()) + " durations, one per value");
    if (in->values.size() + 1 > max_pieces)
      throw parameter_error(where, "values", std::to_string(in->values.size()) + " sections",
                            "at most " + std::to_string(max_pieces - 1) + " sections");
    std::vector<std::pair<std::uint32_t, double>> pieces;
    double t = 0;
    for (std::size_t k = 0; k < in->values.size(); ++k) {
      const std::string dk = "durations[" + std::to_string(k) + "]";
      c.finite("values[" + std::to_string(k) + "]", in->values[k]);
      c.positive(dk, in->durations[k], false);
      const std::uint32_t first = first_step_at(t, dt_);
      t += in->durations[k].value;
      if (first_step_at(t, dt_) == first)
        throw parameter_error(where, dk, number(in->durations[k].value) + " ms",
                              "a duration that covers at least one step start (dt = " + number(dt_) +
                                  " ms); this section would be skipped");
      pieces.emplace_back(first, in->values[k].value);
    }
    pieces.emplace_back(first_step_at(t, dt_), 0.0);
    set_pieces(s, pieces);
  } else if (const auto* in = std::get_if<constant_input>(&source)) {
    c.finite("amplitude", in->amplitude);
    c.positive("duration", in->duration, true);
    if (!std::isfinite(in->duration.value)) {  // no end: the population's constant drive
      p.add_bias(r.begin, r.end, static_cast<real_t>(in->amplitude.value));
      return;
    }
    set_pieces(s, {{0, in->amplitude.value}, {first_step_at(in->duration.value, dt_), 0.0}});
  } else if (const auto* in = std::get_if<step_input>(&source)) {
    if (in->amplitudes.empty()) throw parameter_error(where, "amplitudes", "[]", "at least one step");
    if (in->step_times.size() != in->amplitudes.size())
      throw parameter_error(where, "step_times", std::to_string(in->step_times.size()) + " values",
                            std::to_string(in->amplitudes.size()) + " times, one per amplitude");
    if (in->amplitudes.size() > max_pieces)
      throw parameter_error(where, "amplitudes", std::to_string(in->amplitudes.size()) + " steps",
                            "at most " + std::to_string(max_pieces) + " steps");
    std::vector<std::pair<std::uint32_t, double>> pieces;
    for (std::size_t k = 0; k < in->amplitudes.size(); ++k) {
      c.finite("amplitudes[" + std::to_string(k) + "]", in->amplitudes[k]);
      c.non_negative_time("step_times[" + std::to_string(k) + "]", in->step_times[k]);
      pieces.emplace_back(first_step_at(in->step_times[k].value, dt_), in->amplitudes[k].value);
    }
    // by time; of equal times the later entry wins, as brainpy.state's searchsorted picks the last
    std::stable_sort(pieces.begin(), pieces.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    set_pieces(s, pieces);
  } else if (const auto* in = std::get_if<ramp_input>(&source)) {
    c.finite("c_start", in->c_start);
    c.finite("c_end", in->c_end);
    c.positive("duration", in->duration, false);
    c.non_negative_time("t_start", in->t_start);
    s.kind = models::current_kind::ramp;
    s.step_begin = first_step_at(in->t_start.value, dt_);
    s.step_end = first_step_at(in->t_start.value + in->duration.value, dt_);
    if (s.step_end == s.step_begin)
      throw parameter_error(where, "duration", number(in->duration.value) + " ms",
                            "a ramp that covers at least one step start (dt = " + number(dt_) + " ms)");
    s.amplitude = static_cast<real_t>(in->c_start.value);
    s.slope = static_cast<real_t>((in->c_end.value - in->c_start.value) / in->duration.value);
    s.t_start = in->t_start.value;
  } else if (const auto* in = std::get_if<sinusoidal_input>(&source)) {
    c.finite("amplitude", in->amplitude);
    c.finite("bias", in->bias);
    if (!(in->frequency.value >= 0) || !std::isfinite(in->frequency.value))
      throw parameter_error(where, "frequency", number(in->frequency.value * 1e3) + " Hz",
                            "a finite, non-negative frequency (e.g. '10 Hz')");
    c.positive("duration", in->duration, true);
    c.non_negative_time("t_start", in->t_start);
    if (!std::isfinite(in->phase.value)) throw parameter_error(where, "phase", number(in->phase.value), "a finite angle (rad)");
    s.kind = models::current_kind::sinusoidal;
    s.step_begin = first_step_at(in->t_start.value, dt_);
    s.step_end = first_step_at(in->t_start.value + in->duration.value, dt_);
    s.amplitude = static_cast<real_t>(in->amplitude.value);
    s.offset = static_cast<real_t>(in->bias.value);
    s.omega = 2.0 * std::numbers::pi * in->frequency.value;
    s.phase = in->phase.value;
  } else if (const auto* in = std::get_if<ou_input>(&source)) {
    c.finite("mean", in->mean);
    c.non_negative("sigma", in->sigma);
    c.positive("tau", in->tau, false);
    c.positive("duration", in->duration, true);
    if (in->x0) c.finite("x0", *in->x0);
    s.kind = models::current_kind::ou;
    s.step_end = first_step_at(in->duration.value, dt_);
    s.amplitude = static_cast<real_t>(in->mean.value);
    s.decay = static_cast<real_t>(std::exp(-dt_ / in->tau.value));
    // stationary sd sigma sqrt(tau/2) times sqrt(1 - e^{-2 dt/tau}): the exact one-step noise
    const double one_step_var = -0.5 * in->tau.value * std::expm1(-2.0 * dt_ / in->tau.value);
    s.offset = static_cast<real_t>(in->sigma.value * std::sqrt(one_step_var));
    initial = static_cast<real_t>(in->x0 ? in->x0->value : in->mean.value);
  } else if (const auto* in = std::get_if<wiener_input>(&source)) {
    c.non_negative("sigma", in->sigma);
    c.positive("duration", in->duration, true);
    s.kind = models::current_kind::wiener;
    s.step_end = first_step_at(in->duration.value, dt_);
    s.amplitude = static_cast<real_t>(in->sigma.value * std::sqrt(dt_));
    s.integrated = in->integrated ? 1 : 0;
  } else if (const auto* in = std::get_if<noise_input>(&source)) {
    c.finite("mean", in->mean);
    c.non_negative("std", in->std);
    c.non_negative("std_mod", in->std_mod);
    if (in->std_mod.value > in->std.value)
      throw parameter_error(where, "std_mod", number(in->std_mod.value) + " pA",
                            "at most std = " + number(in->std.value) + " pA (the variance would turn negative)");
    c.positive("hold", in->hold, false);
    c.non_negative_time("t_start", in->t_start);
    c.non_negative_time("block_origin", in->block_origin);
    c.positive("duration", in->duration, true);
    if (!(in->frequency.value >= 0) || !std::isfinite(in->frequency.value))
      throw parameter_error(where, "frequency", number(in->frequency.value * 1e3) + " Hz",
                            "a finite, non-negative frequency (e.g. '10 Hz')");
    if (!std::isfinite(in->phase.value)) throw parameter_error(where, "phase", number(in->phase.value), "a finite angle (rad)");
    if (!std::isfinite(in->phase_origin.value))
      throw parameter_error(where, "phase_origin", number(in->phase_origin.value) + " ms", "a finite time");
    const double hold_steps = std::round(in->hold.value / dt_);
    if (hold_steps < 1 || std::abs(hold_steps * dt_ - in->hold.value) > 1e-9 * hold_steps * dt_)
      throw parameter_error(where, "hold", number(in->hold.value) + " ms",
                            "a multiple of dt = " + number(dt_) + " ms (NEST's noise_generator dt)");
    const double origin_steps = std::round(in->block_origin.value / dt_);
    if (std::abs(origin_steps * dt_ - in->block_origin.value) > 1e-9 * std::max(1.0, origin_steps) * dt_ ||
        in->block_origin.value > in->t_start.value + 1e-9 * dt_)
      throw parameter_error(where, "block_origin", number(in->block_origin.value) + " ms",
                            "a time on the dt grid, at most t_start = " + number(in->t_start.value) + " ms");
    s.kind = models::current_kind::noise;
    s.step_begin = first_step_at(in->t_start.value, dt_);
    s.step_end = first_step_at(in->t_start.value + in->duration.value, dt_);
    s.amplitude = static_cast<real_t>(in->mean.value);
    s.noise_std = static_cast<real_t>(in->std.value);
    s.noise_std_mod = static_cast<real_t>(in->std_mod.value);
    s.omega = 2.0 * std::numbers::pi * in->frequency.value;
    s.phase = in->phase.value;
    s.hold_steps = static_cast<std::uint32_t>(hold_steps);
    s.block_anchor = static_cast<std::uint32_t>(origin_steps);
    s.phase_t0 = in->phase_origin.value;
  }
  p.add_current_source(s, initial, input_owner_);
}

void network::set_spike_schedule(const std::string& population_name, const std::vector<index_t>& indices,
                                 const std::vector<units::time_q>& times, const std::string& label) {
  const std::string where = label.empty() ? "spike schedule of '" + population_name + "'" : label;
  population& p = find(population_name);
  auto* source = dynamic_cast<model_population<models::SpikeTime>*>(&p);
  if (source == nullptr)
    throw parameter_error(where, "target", "'" + p.name() + "' (model " + p.model().name + ")",
                          "a population of model SpikeTime");
  if (indices.size() != times.size())
    throw parameter_error(where, "times", std::to_string(times.size()) + " values",
                          std::to_string(indices.size()) + " times, one per index");
  std::vector<std::pair<std::uint32_t, index_t>> events;
  events.reserve(times.size());
  for (std::size_t k = 0; k < times.size(); ++k) {
    if (indices[k] >= p.size())
      throw parameter_error(where, "indices[" + std::to_string(k) + "]", std::to_string(indices[k]),
                            "an index below the population size " + std::to_string(p.size()));
    const double t = times[k].value, steps = std::round(t / dt_);
    if (!std::isfinite(t) || steps < 1 || std::abs(steps * dt_ - t) > 1e-6 * dt_ || steps > double(models::forever))
      throw parameter_error(where, "times[" + std::to_string(k) + "]", number(t) + " ms",
                            "a time >= dt on the simulation grid (a multiple of dt = " + number(dt_) + " ms)");
    events.emplace_back(static_cast<std::uint32_t>(steps) - 1, indices[k]);  // emitted in the step ending at t
  }
  source->set_spike_schedule(std::move(events));
}

void network::set_spike_counts(const std::string& population_name, const std::vector<index_t>& indices,
                               const std::vector<std::uint64_t>& steps, const std::vector<real_t>& counts,
                               const std::string& label) {
  const std::string where = label.empty() ? "spike schedule of '" + population_name + "'" : label;
  population& p = find(population_name);
  auto* source = dynamic_cast<model_population<models::spike_train_injector>*>(&p);
  if (source == nullptr)
    throw parameter_error(where, "target", "'" + p.name() + "' (model " + p.model().name + ")",
                          "a population of model spike_train_injector");
  if (indices.size() != steps.size() || indices.size() != counts.size())
    throw parameter_error(where, "steps",
                          std::to_string(steps.size()) + " steps and " + std::to_string(counts.size()) + " counts",
                          std::to_string(indices.size()) + " of each, one per index");
  std::vector<std::tuple<std::uint32_t, index_t, real_t>> events;
  events.reserve(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= p.size())
      throw parameter_error(where, "indices[" + std::to_string(k) + "]", std::to_string(indices[k]),
                            "an index below the population size " + std::to_string(p.size()));
    if (steps[k] >= std::uint64_t(models::forever))
      throw parameter_error(where, "steps[" + std::to_string(k) + "]", std::to_string(steps[k]),
                            "a step below " + std::to_string(models::forever));
    if (!(counts[k] >= 0) || !std::isfinite(double(counts[k])))
      throw parameter_error(where, "counts[" + std::to_string(k) + "]", number(counts[k]), "a count >= 0");
    events.emplace_back(static_cast<std::uint32_t>(steps[k]), indices[k], counts[k]);
  }
  source->set_spike_counts(std::move(events));
}

void describe_inputs(nlohmann::json& out) {
  using nlohmann::json;
  auto param = [](const char* name, const char* unit) { return json{{"name", name}, {"unit", unit}}; };
  auto entry = [](const char* name, const char* how, const char* what, json params) {
    return json{{"name", name}, {how, what}, {"parameters", std::move(params)}};
  };
  const char* sqrt_ms = "pA/sqrt(ms)";
  out["inputs"] = json::array({
      entry("SpikeTime", "model", "SpikeTime", {param("indices", "1"), param("times", "ms")}),
      entry("PoissonSpike", "model", "PoissonSpike", {param("freqs", "1/ms")}),
      entry("PoissonEncoder", "model", "PoissonEncoder", {param("rate", "1/ms")}),
      entry("PoissonInput", "spec_kind", "poisson", {param("rate", "1/ms"), param("weight", "channel unit")}),
      entry("SectionInput", "spec_kind", "section", {param("values", "pA"), param("durations", "ms")}),
      entry("ConstantInput", "spec_kind", "constant_current", {param("amplitude", "pA"), param("duration", "ms")}),
      entry("StepInput", "spec_kind", "step", {param("amplitudes", "pA"), param("step_times", "ms")}),
      entry("RampInput", "spec_kind", "ramp",
            {param("c_start", "pA"), param("c_end", "pA"), param("t_start", "ms"), param("duration", "ms"),
             param("t_end", "ms")}),
      entry("SinusoidalInput", "spec_kind", "sinusoidal",
            {param("amplitude", "pA"), param("frequency", "1/ms"), param("duration", "ms"), param("bias", "pA")}),
      entry("OUProcessInput", "spec_kind", "ou",
            {param("mean", "pA"), param("sigma", sqrt_ms), param("tau", "ms"), param("duration", "ms"),
             param("x0", "pA")}),
      entry("WienerProcessInput", "spec_kind", "wiener",
            {param("sigma", sqrt_ms), param("duration", "ms"), param("integrated", "true/false")}),
  });
}

}  // namespace volley
