// NEST's spike_train_injector in the NEST layer: its parameters (one dictionary per node, kept in node_group::
// injector; NEST units), their checks at SetStatus as NEST's spike_train_injector::Parameters_::set makes them,
// and the schedule of the built population (models/spike_train_injector.hpp).
//
// A spike time t (ms) becomes a stamp in steps of the resolution h: t itself when t lies on the grid (NEST's Time
// with 1000 tics per ms), else an error, unless allow_offgrid_times or precise_times, which stamp it at the end of
// the step holding t (Time::ms_stamp). shift_now_spikes moves a stamp that falls on the current time (0 before
// the first Simulate) one step later. The spike is emitted when origin + start < origin + stamp <= origin + stop
// (steps), in the step ending at origin + stamp, with its multiplicity (spike_multiplicities, default 1).
//
// Differs from NEST:
//   - precise_times: the offset inside the step is dropped (volley's spikes are on the grid); grid-based targets
//     ignore it in NEST too, precise ones (iaf_psc_*_ps) would not.
//   - Spike times of one node with the same stamp become one spike whose multiplicity is their sum; NEST sends
//     separate events, which a plastic synapse counts as separate spikes (a static synapse delivers the same).
//   - Parameters are set before the first Simulate only (as every parameter in volley's NEST layer).
#include <cmath>
#include <limits>

#include "engine/error.hpp"
#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

namespace {

constexpr double tics_per_ms = 1000;  // NEST's default Time resolution

json injector_defaults() {
  return {{"origin", 0.0},
          {"start", 0.0},
          {"stop", std::numeric_limits<double>::max()},
          {"spike_times", json::array()},
          {"spike_multiplicities", json::array()},
          {"precise_times", false},
          {"allow_offgrid_times", false},
          {"shift_now_spikes", false}};
}

long long tics_of(double ms) { return std::llround(ms * tics_per_ms); }
long long tics_per_step(double dt) { return std::llround(dt * tics_per_ms); }

bool on_grid(double ms, double dt) { return tics_of(ms) % tics_per_step(dt) == 0; }

// NEST's Time::ms_stamp: the end of the step holding t (t itself on the grid), in steps.
long long stamp_steps(double t, double dt) {
  long long n = static_cast<long long>(t * tics_per_ms);
  n -= n % tics_per_step(dt);
  long long s = n / tics_per_step(dt);
  if (static_cast<double>(s) * dt < t) ++s;
  return s;
}

// The stamp of spike time t (steps, before origin) under the node's options; `origin_steps` for shift_now_spikes.
long long spike_stamp(double t, const json& p, double dt, long long origin_steps) {
  if (p.at("precise_times").get<bool>()) return stamp_steps(t, dt);
  long long s = on_grid(t, dt) ? tics_of(t) / tics_per_step(dt) : stamp_steps(t, dt);
  if (origin_steps + s == 0 && p.at("shift_now_spikes").get<bool>()) ++s;
  return s;
}

void check_time(const json& v, const char* key, double dt, const std::string& where) {
  if (!v.is_number()) throw parameter_error(where, key, v.dump(), "a time in ms");
  const double t = v.get<double>();
  if (std::isinf(t) || t >= std::numeric_limits<double>::max()) return;  // NEST: infinite values are accepted
  if (!std::isfinite(t) || !on_grid(t, dt))
    throw parameter_error(where, key, v.dump() + " ms",
                          "a multiple of the resolution " + json(dt).dump() +
                              " ms (NEST: must be a multiple of the simulation "
                              "resolution)");
}

// NEST's Parameters_::set on one node's dictionary `p`, `d` the SetStatus dictionary.
void set_one(json& p, const json& d, double dt, const std::string& where) {
  for (const char* key : {"origin", "start", "stop"})
    if (d.contains(key)) {
      check_time(d.at(key), key, dt, where);
      p[key] = d.at(key);
    }
  if (p.at("stop").get<double>() < p.at("start").get<double>())
    throw parameter_error(where, "stop", p.at("stop").dump() + " ms",
                          "at least start = " + p.at("start").dump() + " ms (NEST: stop >= start required)");
  bool flags_changed = false;
  for (const char* key : {"precise_times", "shift_now_spikes", "allow_offgrid_times"})
    if (d.contains(key)) {
      if (!d.at(key).is_boolean()) throw parameter_error(where, key, d.at(key).dump(), "true or false");
      flags_changed = flags_changed || d.at(key) != p.at(key);
      p[key] = d.at(key);
    }
  if (p.at("precise_times").get<bool>() &&
      (p.at("allow_offgrid_times").get<bool>() || p.at("shift_now_spikes").get<bool>()))
    throw parameter_error(where, "precise_times", "true",
                          "false while allow_offgrid_times or shift_now_spikes is true (NEST refuses both)");
  if (flags_changed && !d.contains("spike_times") && !p.at("spike_times").empty())
    throw parameter_error(where, "precise_times/allow_offgrid_times/shift_now_spikes", "changed",
                          "set together with spike_times, or before any spike times are set (NEST)");
  if (d.contains("spike_times")) {
    const json& v = d.at("spike_times");
    if (!v.is_array()) throw parameter_error(where, "spike_times", v.dump(), "a list of times in ms");
    const bool offgrid = p.at("allow_offgrid_times").get<bool>() || p.at("precise_times").get<bool>();
    for (std::size_t k = 0; k < v.size(); ++k) {
      const std::string name = "spike_times[" + std::to_string(k) + "]";
      if (!v[k].is_number() || !std::isfinite(v[k].get<double>()))
        throw parameter_error(where, name, v[k].dump(), "a finite time in ms");
      const double t = v[k].get<double>();
      if (k > 0 && t < v[k - 1].get<double>())
        throw parameter_error(where, name, v[k].dump() + " ms",
                              "at least the time before it, " + v[k - 1].dump() +
                                  " ms (NEST: spike times must be "
                                  "sorted in non-descending order)");
      if (t == 0 && !p.at("shift_now_spikes").get<bool>())
        throw parameter_error(where, name, "0 ms",
                              "a time other than 0 (NEST: spike time cannot be set to 0; "
                              "shift_now_spikes = true moves it to the first step)");
      if (!offgrid && !on_grid(t, dt))
        throw parameter_error(where, name, v[k].dump() + " ms",
                              "a multiple of the resolution " + json(dt).dump() +
                                  " ms (NEST: not representable in current resolution; allow_offgrid_times = true "
                                  "rounds it up to the grid)");
    }
    p["spike_times"] = v;
  }
  if (d.contains("spike_multiplicities")) {
    const json& v = d.at("spike_multiplicities");
    if (!v.is_array()) throw parameter_error(where, "spike_multiplicities", v.dump(), "a list of whole numbers");
    for (std::size_t k = 0; k < v.size(); ++k)
      if (!v[k].is_number_integer() || v[k].get<long long>() < 0)
        throw parameter_error(where, "spike_multiplicities[" + std::to_string(k) + "]", v[k].dump(),
                              "a whole number >= 0");
    if (!v.empty() && v.size() != p.at("spike_times").size())
      throw parameter_error(where, "spike_multiplicities", std::to_string(v.size()) + " values",
                            std::to_string(p.at("spike_times").size()) +
                                " values, one per spike time, or [] (NEST: same number of elements as spike_times)");
    p["spike_multiplicities"] = v;
  } else if (d.contains("spike_times") && !p.at("spike_multiplicities").empty() &&
             p.at("spike_multiplicities").size() != p.at("spike_times").size()) {
    // NEST keeps the old multiplicities; its update then asserts: refuse it here
    throw parameter_error(where, "spike_multiplicities",
                          std::to_string(p.at("spike_multiplicities").size()) + " values",
                          std::to_string(p.at("spike_times").size()) + " values, one per new spike time (set both)");
  }
}

}  // namespace

bool is_injector(const node_group& g) { return g.model == "spike_train_injector"; }

void set_injector_params(node_group& g, const node_collection& nodes, const json& params, double dt,
                         const std::string& where) {
  if (g.injector.empty()) g.injector = json::array_t(g.count, injector_defaults());
  json updated = g.injector;  // as NEST: all nodes checked before any is changed
  for (const auto& [key, value] : params.items())
    if (!injector_defaults().contains(key))
      throw parameter_error(where, key, value.dump(),
                            "a parameter of spike_train_injector (origin, start, stop, "
                            "spike_times, spike_multiplicities, precise_times, "
                            "allow_offgrid_times, shift_now_spikes)");
  for (std::uint64_t i = 0; i < nodes.count; ++i) set_one(updated[nodes.first_id - g.first_id + i], params, dt, where);
  g.injector = std::move(updated);
}

json injector_status(const node_group& g, const node_collection& nodes) {
  json out = json::object();
  const json defaults = injector_defaults();
  for (const auto& [key, value] : defaults.items()) {
    json values = json::array();
    for (std::uint64_t i = 0; i < nodes.count; ++i)
      values.push_back(g.injector.empty() ? value : g.injector[nodes.first_id - g.first_id + i].at(key));
    out[key] = values;
  }
  return out;
}

void schedule_injector(network& net, const node_group& g, double dt) {
  std::vector<index_t> who;
  std::vector<std::uint64_t> steps;
  std::vector<real_t> counts;
  for (std::uint64_t i = 0; i < g.injector.size(); ++i) {
    const json& p = g.injector[i];
    const auto steps_of = [&](const char* key) {
      const double v = p.at(key).get<double>();
      return v >= std::numeric_limits<double>::max() || std::isinf(v) ? std::numeric_limits<long long>::max() / 4
                                                                      : tics_of(v) / tics_per_step(dt);
    };
    const long long origin = steps_of("origin"), t_min = origin + steps_of("start");
    const long long t_max = steps_of("stop") >= std::numeric_limits<long long>::max() / 4
                                ? std::numeric_limits<long long>::max()
                                : origin + steps_of("stop");
    const json& times = p.at("spike_times");
    const json& mult = p.at("spike_multiplicities");
    for (std::size_t k = 0; k < times.size(); ++k) {
      const long long s = origin + spike_stamp(times[k].get<double>(), p, dt, origin);
      if (s < 1 || s <= t_min || s > t_max) continue;  // NEST skips stamps <= the start of its first step
      who.push_back(static_cast<index_t>(i));
      steps.push_back(static_cast<std::uint64_t>(s - 1));  // emitted in the step ending at the stamp
      counts.push_back(mult.empty() ? real_t(1) : static_cast<real_t>(mult[k].get<long long>()));
    }
  }
  net.set_spike_counts(g.population, who, steps, counts, "Create('spike_train_injector')");
}

}  // namespace volley::nest::detail
