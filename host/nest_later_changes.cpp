// SetStatus after a simulate() (host/nest_layer_detail.hpp): neurons' parameters and states, generators' parameters,
// clearing a recorder's events, and the weights of connections, as NEST applies them between two Simulate calls.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_device_values.hpp"
#include "host/nest_layer_detail.hpp"
#include "host/nest_noise_schedule.hpp"

namespace volley::nest::detail {

namespace {

// `params` restricted to emissions in (from, to] (ms, absolute): origin 0, start and stop the window's ends, or
// null where nothing of the window is left.
json clipped(json params, double from, double to) {
  const double o = params.at("origin").get<double>(), s = params.at("start").get<double>();
  const double e = params.at("stop").get<double>();
  const double lo = std::max(o + s, from);
  const double hi = e >= nest_forever ? to : std::min(o + e, to);
  if (!(hi > lo)) return nullptr;
  params["origin"] = 0.0;
  params["start"] = std::max(lo, 0.0);
  params["stop"] = std::isfinite(hi) ? hi : nest_forever;
  return params;
}

// The keys of a generator's schedule of values: step_current_generator's amplitudes, inhomogeneous_poisson_generator's
// rates; nullptr for the others.
std::pair<const char*, const char*> schedule_keys(device_kind k) {
  if (k == device_kind::step_current_generator) return {"amplitude_times", "amplitude_values"};
  if (k == device_kind::inhomogeneous_poisson_generator) return {"rate_times", "rate_values"};
  return {nullptr, nullptr};
}

// A scheduled generator's value at time t (ms): the value of its last time up to t, else 0.
double scheduled_value_at(device_kind k, const json& params, double t, double dt) {
  const auto [times_key, values_key] = schedule_keys(k);
  if (!times_key || !params.contains(times_key)) return 0.0;
  const json& times = params.at(times_key);
  double value = 0.0;
  for (std::size_t i = 0; i < times.size(); ++i)
    if (std::llround(times[i].get<double>() / dt) <= std::llround(t / dt))
      value = params.at(values_key)[i].get<double>();
  return value;
}

}  // namespace

bool changeable_generator(device_kind k) {
  switch (k) {
    case device_kind::dc_generator:
    case device_kind::ac_generator:
    case device_kind::step_current_generator:
    case device_kind::noise_generator:
    case device_kind::poisson_generator:
    case device_kind::mip_generator:
    case device_kind::spike_generator:
    case device_kind::sinusoidal_poisson_generator:
    case device_kind::inhomogeneous_poisson_generator:
      return true;
    default:
      return false;
  }
}

json plan::segment_params(const node_group& g, const json& params, double from_ms, double held) const {
  const auto [times_key, values_key] = schedule_keys(g.kind);
  if (!times_key) return params;
  const double dt = options.resolution_ms;
  const long long now = std::llround(from_ms / dt);
  json times = json::array(), values = json::array();
  const json &t = params.at(times_key), &v = params.at(values_key);
  for (std::size_t i = 0; i < t.size(); ++i)
    if (std::llround(t[i].get<double>() / dt) > now) {
      times.push_back(t[i]);
      values.push_back(v[i]);
    }
  // NEST sets a value one step ahead: the value of time now + dt is the first the generator still reaches
  if (held != 0.0 && (times.empty() || std::llround(times[0].get<double>() / dt) > now + 1)) {
    times.insert(times.begin(), double(now + 1) * dt);
    values.insert(values.begin(), held);
  }
  json out = params;
  out[times_key] = std::move(times);
  out[values_key] = std::move(values);
  return out;
}

void plan::set_status_after_simulate(const node_collection& nodes, const json& params, bool commit) {
  node_group& g = group_of(nodes, "SetStatus");
  const std::string where = "SetStatus(" + g.model + ") after Simulate()";
  if (!params.is_object()) throw parameter_error(where, "params", params.dump(), "an object {name: value}");
  if (g.kind == device_kind::correlation_detector && params.size() == 1 && params.contains("n_events")) {
    if (params.at("n_events") != json::array({0, 0}))
      throw parameter_error("SetStatus(" + g.model + ")", "n_events", params.at("n_events").dump(),
                            "[0, 0] (NEST: n_events can only be set to [0, 0], which clears the histograms)");
    if (commit) resets[index_of(g)].push_back(sim->current_step());
    return;
  }
  if (g.kind == device_kind::none) return change_neurons(g, nodes, params, commit);
  if (changeable_generator(g.kind)) {
    if (g.kind == device_kind::inhomogeneous_poisson_generator && params.contains("rate_times") &&
        params.at("rate_times").is_array())
      for (const auto& t : params.at("rate_times"))
        if (t.is_number() &&
            !(std::llround(t.get<double>() / options.resolution_ms) > static_cast<long long>(sim->current_step())))
          throw parameter_error(where, "rate_times", t.dump() + " ms",
                                "times after the current time " +
                                    std::to_string(double(sim->current_step()) * options.resolution_ms) +
                                    " ms (NEST: Time points must lie strictly in the future)");
    if (nodes.count != g.count)
      throw parameter_error(where, "nodes", std::to_string(nodes.count) + " of " + std::to_string(g.count),
                            "all devices of one Create() call (volley keeps one parameter set per call)");
    return change_generator(g, params, commit);
  }
  if (is_recorder(g.kind)) return change_recorder(g, params, commit);
  throw user_error(where + ": volley changes neurons, the generators dc_generator, ac_generator, "
                   "step_current_generator, noise_generator, poisson_generator, sinusoidal_poisson_generator, "
                   "inhomogeneous_poisson_generator, mip_generator and spike_generator, and the recorders' windows (origin, start, stop) or events (n_events: 0) after the first "
                   "Simulate(); set " + g.model + "'s parameters before it");
}

// A recorder between runs: n_events 0 clears its events, origin / start / stop change its window from now on; one
// not connected yet takes any of its parameters.
void plan::change_recorder(node_group& g, const json& params, bool commit) {
  const std::string where = "SetStatus(" + g.model + ") after Simulate()";
  const std::size_t index = index_of(g);
  const bool unconnected = g.kind != device_kind::weight_recorder && recorded[index].empty();
  json window = json::object();
  for (const auto& [key, value] : params.items()) {
    if (key == "n_events") {
      if (value != json(0))
        throw parameter_error(where, key, value.dump(), "0 (NEST: n_events can only be set to 0, which clears the "
                                                        "recorded events)");
    } else if (key == "origin" || key == "start" || key == "stop" || unconnected) {
      window[key] = value;
    } else {
      throw parameter_error(where, key, value.dump(), "origin, start, stop or n_events: 0; a connected recorder's "
                                                      "other parameters are set before the first Simulate() in volley");
    }
  }
  node_group next = g;
  set_device_params(next, window, where, options.resolution_ms);  // checks the window as NEST does
  if (!commit) return;
  const std::uint64_t now = sim->current_step();
  if (params.contains("n_events")) cleared_at[index] = now;
  if (window.empty()) return;
  if (unconnected) {  // nothing recorded yet: simply its parameters
    g.params = next.params;
    return;
  }
  auto& history = window_history[index];
  if (history.empty()) history.push_back({0, g.params});
  if (history.back().from_step == now) {
    history.back().params = next.params;
  } else {
    history.push_back({now, next.params});
  }
  g.params = next.params;
}

void plan::change_neurons(node_group& g, const node_collection& nodes, const json& params, bool commit) {
  const std::string where = "SetStatus(" + g.model + ") after Simulate()";
  population& pop = net->find(g.population);
  // parameters the layer lowered into other parts of the network at build time stay as built
  const bool lowered_elsewhere = is_injector(g) || is_rate_model(g) || is_cm(g) || is_astrocyte(g) || is_siegert(g) ||
                                 g.model == "gif_pop_psc_exp" || pop.model().clopath.u >= 0 ||
                                 pop.model().urbanczik_dendrite >= 0;
  const std::uint64_t offset = nodes.first_id - g.first_id;
  const bool whole = offset == 0 && nodes.count == g.count;
  for (const auto& [key, value] : params.items())
    if (is_archive_key(key))
      throw parameter_error(where, key, value.dump(),
                            "set before the first Simulate() (the STDP archive is built then)");
  const json expanded = lowered_elsewhere ? params : expand_vector_params(g, params, where);
  json updated = g.params;
  std::vector<std::string> changed;                       // parameters
  std::vector<std::pair<int, std::vector<real_t>>> states;  // state variable -> values of the nodes
  for (const auto& item : expanded.items()) {  // named, not bound: lambdas below capture them (clang 14)
    const std::string& key = item.key();
    const auto& value = item.value();
    const std::string unit = unit_of_key(g, key, where);  // rejects unknown names, naming the known ones
    if (value.is_object())
      throw parameter_error(where, key, value.dump(), "a number or a list with one value per node (a distribution "
                                                      "only before the first Simulate())");
    if (value.is_array() && value.size() != nodes.count)
      throw parameter_error(where, key, std::to_string(value.size()) + " values",
                            std::to_string(nodes.count) + " values, one per node");
    auto at = [&](std::uint64_t i) -> const json& { return value.is_array() ? value.at(i) : value; };
    if (is_state_key(g, key)) {
      std::vector<real_t> values;
      for (std::uint64_t i = 0; i < nodes.count; ++i)
        values.push_back(static_cast<real_t>(quantity_in(at(i), unit, where, key).dist.a));
      states.emplace_back(pop.find_state(key), std::move(values));
      continue;
    }
    if (lowered_elsewhere)
      throw parameter_error(where, key, value.dump(), "set before the first Simulate(): volley lowers " + g.model +
                                                          "'s parameters into the network when it is built (its "
                                                          "state variables can be set)");
    json& slot = updated[key];
    if (whole) {
      slot = value;
    } else {
      if (slot.is_object())
        throw parameter_error(where, key, value.dump(), "a value for all nodes of the Create() call: it holds a "
                                                        "distribution, which volley does not split per node");
      if (!slot.is_array()) slot = json::array_t(g.count, slot);
      for (std::uint64_t i = 0; i < nodes.count; ++i) slot[offset + i] = at(i);
    }
    changed.push_back(key);
  }
  if (!changed.empty()) {  // checked as NEST checks (ranges, consistency), then committed
    node_group next = g;
    next.params = updated;
    check_neuron_params(next);
    if (!commit) return;
    const auto fresh = create_population(next, pop.id());
    pop.take_parameters(*fresh, changed, static_cast<index_t>(offset), static_cast<index_t>(offset + nodes.count),
                        options.resolution_ms);
    g.params = std::move(updated);
    sim->invalidate_device();
  }
  if (!commit) return;
  for (const auto& [var, values] : states)
    for (std::uint64_t i = 0; i < nodes.count; ++i) pop.set_state(var, static_cast<index_t>(offset + i), values[i]);
}

void plan::change_generator(node_group& g, const json& params, bool commit) {
  const std::string where = "SetStatus(" + g.model + ") after Simulate()";
  node_group next = g;
  set_device_params(next, params, where, options.resolution_ms);
  if (!commit) return;
  const double dt = options.resolution_ms;
  const double now = double(sim->current_step()) * dt;
  auto& history = generator_history[index_of(g)];
  const std::vector<generator_segment> history_before = history;  // a change that cannot be lowered is undone
  const json params_before = g.params;
  if (history.empty()) history.push_back({-std::numeric_limits<double>::infinity(), g.params});
  const bool replace = history.back().from_ms == now;  // a second change at the same time, or a device created now
  const generator_segment* before = !replace ? &history.back() : history.size() > 1 ? &history[history.size() - 2]
                                                                                    : nullptr;
  const json stored =
      segment_params(g, next.params, now, before ? scheduled_value_at(g.kind, before->params, now, dt) : 0.0);
  if (replace) {
    history.back().params = stored;
  } else {
    history.push_back({now, stored});
  }
  // a segment that ended longer ago than any of its effects can reach no target any more (a noise generator's
  // draws depend on its whole history: its lowering leaves out the pieces that ended that long ago)
  const double reach = max_delay_ms + min_delay_ms + 2 * dt;
  while (g.kind != device_kind::noise_generator && history.size() > 1 && history[1].from_ms + reach < now)
    history.erase(history.begin());
  g.params = next.params;
  auto lower_all = [&] {
    for (const auto& [index, lowered] : lowered_generators)
      if (&group_of(connections[index].pre, "SetStatus") == &g) lower_generator_connection(index, g);
  };
  sim->invalidate_device();
  try {
    lower_all();
  } catch (...) {  // e.g. one input too many for a target: the generator's inputs as they were (they fitted)
    history = history_before;
    g.params = params_before;
    lower_all();
    throw;
  }
}

void plan::lower_generator_connection(std::size_t index, const node_group& g) {
  lowered_generator& l = lowered_generators.at(index);
  const connection& c = connections[index];
  const node_group& post = group_of(c.post, "Connect");
  const auto owner = static_cast<std::uint32_t>(index + 1);
  const auto removed = net->remove_inputs(owner);
  if (!l.tags_known && sim && !removed.empty()) {
    l.tags = removed;
    l.tags_known = true;
  }
  std::vector<generator_segment> history = generator_history[index_of(g)];
  if (history.empty() && (std::isfinite(l.from_ms) || !l.weight_epochs.empty()))  // one segment, cut below
    history.push_back({-std::numeric_limits<double>::infinity(), g.params});
  // Weights set on the connection after a run (SetStatus(connections)): NEST weighs a generator's current or spike
  // when it emits it, so each epoch covers the emissions from its time on, as a parameter change's segment does.
  std::vector<weight_epoch> epochs = l.weight_epochs;
  if (epochs.empty()) epochs.push_back({-std::numeric_limits<double>::infinity(), {}});
  // A dc_generator's or step_current_generator's pieces (history segments x weight epochs) are step currents that
  // add up: one input per target holds their sum (a population takes at most 8 time-varying inputs).
  std::vector<pending_step_input> steps;
  const bool fold_steps = g.kind == device_kind::dc_generator || g.kind == device_kind::step_current_generator;
  // inputs added by `add` belong to the connection (owner) and take its first lowering's rng tags
  auto as_owner = [&](auto&& add) {
    net->begin_inputs(owner, l.tags);
    try {
      add();
    } catch (...) {
      net->end_inputs();
      throw;
    }
    net->end_inputs();
  };
  auto add_folded_steps = [&] {
    const double now = sim ? double(sim->current_step()) * options.resolution_ms : 0.0;
    for (const auto& [target, where, s] : sum_step_inputs(steps, now)) net->add_current_input(target, s, where);
  };
  // each of the connection's generators alone (its own streams, and names: ctx.copy, its index in its Create(), so
  // that a generator's shared train is one train over all its Connect calls), with its weight in `epoch`
  auto lower_copies = [&](const node_group& as, const weight_epoch& epoch) {
    generator_context ctx = l.ctx;
    if (fold_steps) ctx.step_sink = &steps;
    for (std::size_t k = 0; k < l.targets.size(); ++k) {
      ctx.copy = static_cast<std::uint32_t>(l.first_generator + k);
      json syn = l.syn_spec;
      if (!epoch.weights.empty()) syn["weight"] = epoch.weights[k];
      lower_generator(*net, as, l.targets[k], post, syn, ctx);
    }
  };
  // the generator with `params` over one segment of its history
  auto lower_segment = [&](const json& params, const weight_epoch& epoch) {
    node_group segment = g;
    segment.params = params;
    as_owner([&] { lower_copies(segment, epoch); });
  };
  const double h = options.resolution_ms;
  auto epoch_end = [&](std::size_t j) {
    return j + 1 < epochs.size() ? epochs[j + 1].from_ms : std::numeric_limits<double>::infinity();
  };
  if (g.kind == device_kind::noise_generator) {  // pieces of one set of draws each (host/nest_noise_schedule.hpp)
    if (history.empty()) history.push_back({-std::numeric_limits<double>::infinity(), g.params});
    const double now = sim ? double(sim->current_step()) * h : 0.0;
    const double reach = max_delay_ms + min_delay_ms + 2 * h;
    const long long from = std::isfinite(l.from_ms) ? std::llround(l.from_ms / h) : 0;
    const std::vector<noise_piece> pieces = noise_schedule(history, from, run_starts(), h);
    l.noise_lags.clear();
    for (const noise_piece& piece : pieces) l.noise_lags.push_back(piece.lag);
    for (const noise_piece& piece : pieces) {
      if (piece.end != noise_open_end && double(piece.end) * h + reach < now) continue;  // reaches no target now
      for (std::size_t j = 0; j < epochs.size(); ++j) {  // generator steps [T / h, next T / h) of each epoch
        noise_piece part = piece;
        if (std::isfinite(epochs[j].from_ms)) part.first = std::max(part.first, std::llround(epochs[j].from_ms / h));
        if (std::isfinite(epoch_end(j))) {
          const long long stop = std::llround(epoch_end(j) / h);
          part.end = part.end == noise_open_end ? stop : std::min(part.end, stop);
        }
        if (part.end != noise_open_end && part.end <= part.first) continue;
        lower_segment(noise_piece_params(part, h), epochs[j]);
      }
    }
    return;
  }
  if (history.empty()) {  // as created (a lowering taken back: with its first tags)
    as_owner([&] {
      lower_copies(g, epochs.front());
      add_folded_steps();
    });
    return;
  }
  // The window start that makes a generator first emit in the step starting at the change's time T, as NEST's
  // changed generator does (measured against NEST 3.10): current generators T + h (their window start s first acts
  // in the step starting at s - h), poisson_generator and mip_generator T - h (first in the step starting at s + h);
  // spike_generator sends the times after T (half a step keeps a time at T before the change, whatever rounding);
  // sinusoidal_poisson_generator T + h (its window start s first emits in the step starting at s - h);
  // inhomogeneous_poisson_generator T (its pieces are clipped to the steps emitted in [start, stop)).
  const double shift = g.kind == device_kind::spike_generator                                        ? 0.5 * h
                       : g.kind == device_kind::poisson_generator || g.kind == device_kind::mip_generator ? -h
                       : g.kind == device_kind::inhomogeneous_poisson_generator                         ? 0.0
                                                                                                            : h;
  for (std::size_t k = 0; k < history.size(); ++k)
    for (std::size_t j = 0; j < epochs.size(); ++j) {
      const double from = std::max({history[k].from_ms, epochs[j].from_ms, l.from_ms}) + shift;
      const double next = k + 1 < history.size() ? history[k + 1].from_ms : std::numeric_limits<double>::infinity();
      const double to = std::min(next, epoch_end(j)) + shift;
      if (!(to > from)) continue;
      const json p = clipped(history[k].params, from, to);
      if (p.is_null()) continue;
      lower_segment(p, epochs[j]);
    }
  if (!steps.empty()) as_owner(add_folded_steps);
}

// Step currents summed per target (first-seen order): at each change time of any of them, the sum of their values
// (each is 0 before its first time and holds the amplitude of its last time <= t). Of the times at or before
// now_ms only the last is kept (the steps still to run see no earlier one), and a time that leaves the sum as it
// was is dropped: a step current holds at most 16 steps (models::max_current_pieces).
std::vector<pending_step_input> plan::sum_step_inputs(const std::vector<pending_step_input>& pieces,
                                                      double now_ms) {
  std::vector<pending_step_input> out;
  for (const auto& piece : pieces) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.target == piece.target; });
    if (it != out.end()) continue;
    std::vector<double> times;
    for (const auto& q : pieces)
      if (q.target == piece.target)
        for (const auto& t : q.s.step_times) times.push_back(t.value);
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    std::size_t first = 0;  // the last time at or before now (or the first time)
    for (std::size_t k = 0; k < times.size(); ++k)
      if (times[k] <= now_ms) first = k;
    pending_step_input sum{piece.target, piece.where, {}};
    for (std::size_t k = first; k < times.size(); ++k) {
      double value = 0;
      for (const auto& q : pieces) {
        if (q.target != piece.target) continue;
        double v = 0;
        for (std::size_t m = 0; m < q.s.step_times.size(); ++m)
          if (q.s.step_times[m].value <= times[k]) v = q.s.amplitudes[m].value;
        value += v;
      }
      if (!sum.s.amplitudes.empty() && sum.s.amplitudes.back().value == value) continue;
      sum.s.amplitudes.push_back(units::current_q(value));
      sum.s.step_times.push_back(units::time_q(times[k]));
    }
    out.push_back(std::move(sum));
  }
  return out;
}

std::vector<long long> plan::run_starts() const {
  std::vector<long long> starts{0};
  for (const std::uint64_t end : run_ends) starts.push_back(static_cast<long long>(end));
  return starts;
}

// NEST sets a noise_generator's oscillator to the run's start at each Simulate: a generator that woke up in the
// last run (its draws lagging by the steps it slept) reads the run's time from this run on. Lowered again where
// the lags change, its pieces take the lag of the run each draw falls in (host/nest_noise_schedule.hpp).
void plan::realign_noise_phases() {
  const double h = options.resolution_ms;
  const std::vector<long long> starts = run_starts();
  for (auto& [index, lowered] : lowered_generators) {
    const node_group& g = group_of(connections[index].pre, "Simulate");
    if (g.kind != device_kind::noise_generator) continue;
    std::vector<generator_segment> history = generator_history[index_of(g)];
    if (history.empty()) history.push_back({-std::numeric_limits<double>::infinity(), g.params});
    if (std::none_of(history.begin(), history.end(),
                     [](const generator_segment& s) { return s.params.at("std_mod").get<double>() != 0.0; }))
      continue;  // the lag moves only the modulation
    const long long from = std::isfinite(lowered.from_ms) ? std::llround(lowered.from_ms / h) : 0;
    std::vector<long long> lags;
    for (const noise_piece& piece : noise_schedule(history, from, starts, h)) lags.push_back(piece.lag);
    if (lags == lowered.noise_lags) continue;
    lower_generator_connection(index, g);
    sim->invalidate_device();
  }
}

// NEST's GetConnections(...).set({"weight": w}): one number for all, or one per connection in GetConnections' order.
void plan::set_connections(const node_collection& source, const node_collection& target,
                           const std::string& synapse_model, const json& params) {
  const char* call = "SetStatus(connections)";
  const std::vector<connection_row> rows = connection_rows(source, target, synapse_model, call);
  if (!params.is_object()) throw parameter_error(call, "params", params.dump(), "an object {name: value}");
  for (const auto& [key, value] : params.items()) {
    if (key == "delay")
      throw parameter_error(call, "delay", value.dump(),
                            "unchanged (volley keeps the delay a connection was made with: give it at Connect)");
    if (key != "weight")
      throw parameter_error(call, key, value.dump(), "weight (the one connection parameter volley changes yet)");
  }
  if (!params.contains("weight")) return;
  const json& weight = params.at("weight");
  if (weight.is_array() && weight.size() != rows.size())
    throw parameter_error(call, "weight", std::to_string(weight.size()) + " values",
                          std::to_string(rows.size()) + " (one per connection, in GetConnections' order) or one number");
  if (!weight.is_number() && !weight.is_array())
    throw parameter_error(call, "weight", weight.dump(), "a number or a list of numbers");
  // Per projection: its synapses and their new weights in volley's units (the conversion is one factor per Connect)
  std::map<std::size_t, std::pair<std::vector<std::uint64_t>, std::vector<double>>> changes;
  std::map<std::size_t, double> unit_factor;
  // by (connection, synapse): the weights of device connections that do not use them, and (before the first
  // simulate()) those to apply at build
  std::vector<std::pair<std::pair<std::size_t, std::uint64_t>, double>> device_changes, presets, gap_changes;
  std::map<std::size_t, std::vector<std::pair<connection_row, double>>> generator_rows;  // by connection
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const connection_row& r = rows[i];
    const json& v = weight.is_array() ? weight[i] : weight;
    if (!v.is_number())
      throw parameter_error(call, "weight[" + std::to_string(i) + "]", v.dump(), "a number (NEST's weight unit)");
    const connection& c = connections[r.connection];
    const node_group& post = group_of(c.post, call);
    // a parrot repeats the spikes on its port 0 whatever the weight (NEST ignores it too)
    const bool parrot_repeats =
        post.model == "parrot_neuron" && c.syn_spec.value("receptor_type", json(0)) == json(0);
    const node_group& pre_group = group_of(c.pre, call);
    if (r.projection == no_projection && pre_group.kind == device_kind::none && post.kind == device_kind::none) {
      // a gap junction: its conductance (nS, NEST's unit too); before the first run made with it, after a run
      // changed from the next delivery of the partners' potentials on
      if (!std::isfinite(v.get<double>()))
        throw parameter_error(call, "weight", v.dump(), "a finite conductance (nS) for the gap junction " +
                                                            std::to_string(r.source) + " -> " + std::to_string(r.target));
      presets.push_back({{r.connection, r.synapse}, v.get<double>()});
      if (sim) gap_changes.push_back({{r.connection, r.synapse}, v.get<double>()});
      continue;
    }
    if (is_diffusion(r))
      throw parameter_error(call, "weight", v.dump(),
                            "no weight for diffusion_connection " + std::to_string(r.source) + " -> " +
                                std::to_string(r.target) + " (NEST: its weights are drift_factor and diffusion_factor, "
                                "given at Connect)");
    if (r.projection == no_projection) {  // a device's connection
      // recorders, detectors and a parrot's port 0 do not use the weight (NEST's neither): kept for GetConnections;
      // a generator's weight is lowered into its inputs, again from now on (one weight per generator)
      const node_group& pre = group_of(c.pre, call);
      const bool generator = pre.kind != device_kind::none && !is_recorder(pre.kind);
      const bool unused = !generator || post.kind != device_kind::none || parrot_repeats;
      if (unused)
        device_changes.push_back({{r.connection, r.synapse}, v.get<double>()});
      else
        generator_rows[r.connection].push_back({r, v.get<double>()});
      continue;
    }
    if (synapse_model_of(synapse_models, c.syn_spec, call).origin == "static_synapse_hom_w")  // or a copy of it
      throw parameter_error(call, "weight", v.dump(), "unchanged per connection for " + *r.model + " (as NEST: its "
                                                      "weight is the model's, set by CopyModel or SetDefaults)");
    if (parrot_repeats) continue;
    auto f = unit_factor.find(r.connection);
    if (f == unit_factor.end())
      f = unit_factor.emplace(r.connection, quantity_in(json(1.0), weight_unit_of(post, c.syn_spec), call, "weight").dist.a)
              .first;
    auto& [synapses, weights] = changes[r.projection];
    synapses.push_back(r.synapse);
    weights.push_back(v.get<double>() * f->second);
    if (!sim) presets.push_back({{r.connection, r.synapse}, weights.back()});
  }
  // every projection checked before any changes (a refused call changes nothing)
  for (const auto& [index, change] : changes) net->check_weights(index, change.first, change.second, call);
  const auto generator_weights = generator_weight_changes(generator_rows, call);
  // generator connections first: lowering them can still fail (a population's limit of inputs), and then the call
  // changes nothing
  set_generator_weights(generator_weights);
  for (const auto& [key, w] : device_changes) device_weights[key] = w;
  for (const auto& [key, w] : presets) preset_weights[key] = w;  // the real build applies them (gap: lists them)
  for (const auto& [key, w] : gap_changes) net->nest_gap().set_conductance(gap_junction_of.at(key), w, call);
  const std::uint64_t now = sim ? sim->current_step() : 0;
  for (const auto& [index, change] : changes) {
    projection& p = net->projections()[index];
    std::vector<double> before;  // the weights the spikes still in transit were delivered with
    for (std::uint64_t k : change.first) before.push_back(p.weights.empty() ? double(p.weight) : double(p.weights[k]));
    net->set_weights(index, change.first, change.second, call);
    if (now > 0) redeliver_in_transit(p, change.first, before, last_slice_start(now));
  }
  if (!changes.empty() && sim) sim->invalidate_device();
}

// The generator connections of one SetStatus(connections), one by one. If one cannot be lowered, every connection
// of the call goes back to what it was: its weight epochs, listed weights and presets, its inputs lowered again
// with their first rng tags. The inputs lowered again come last in their population's list, so a current's terms
// may add up in another order (the last bit of a sum).
void plan::set_generator_weights(const std::map<std::size_t, std::vector<double>>& changes) {
  if (changes.empty()) return;
  const auto saved_listed = device_weights;
  const auto saved_presets = preset_generator_weights;
  std::vector<std::pair<std::size_t, lowered_generator>> saved;
  if (sim)
    for (const auto& [index, weights] : changes) saved.emplace_back(index, lowered_generators.at(index));
  try {
    for (const auto& [index, weights] : changes) set_generator_weights(index, weights);
  } catch (...) {
    device_weights = saved_listed;
    preset_generator_weights = saved_presets;
    if (sim) {
      for (auto& [index, before] : saved) {
        lowered_generator& now = lowered_generators.at(index);
        before.tags = now.tags;  // the first lowering's tags, which a later lowering learns
        before.tags_known = now.tags_known;
        now = before;
      }
      for (const auto& [index, before] : saved) {
        try {
          lower_generator_connection(index, group_of(connections[index].pre, "SetStatus(connections)"));
        } catch (...) {  // what was lowered before lowers again; keep the first error
        }
      }
      sim->invalidate_device();
    }
    throw;
  }
}

// A generator connection's weights per generator (NEST's units) after `rows` change: every target of a generator
// takes one weight (volley lowers one input per generator), so a change names all of them, with one value.
std::map<std::size_t, std::vector<double>> plan::generator_weight_changes(
    const std::map<std::size_t, std::vector<std::pair<connection_row, double>>>& rows, const char* call) const {
  std::map<std::size_t, std::vector<double>> out;
  for (const auto& [index, changed] : rows) {
    const connection& c = connections[index];
    const node_group& pre = group_of(c.pre, call);
    const bool one_to_one = nest_rule(c.conn_spec, call).kind == rule_kind::one_to_one;
    const std::uint64_t per_generator = one_to_one ? 1 : c.post.count;
    std::vector<double> weights = generator_weights_now(index);
    std::vector<std::uint64_t> named(weights.size(), 0);
    std::vector<bool> differs(weights.size(), false);
    std::vector<double> asked(weights.size(), 0.0);
    for (const auto& [row, value] : changed) {
      const std::uint64_t k = row.synapse / per_generator;
      if (!std::isfinite(value))
        throw parameter_error(call, "weight", number_text(value), "a finite weight for the connection " +
                                                                      std::to_string(row.source) + " -> " +
                                                                      std::to_string(row.target));
      if (named[k] > 0 && value != asked[k])
        throw parameter_error(call, "weight", number_text(value),
                              number_text(asked[k]) + " as for its other targets: the " + pre.model + " " +
                                  std::to_string(row.source) + " has one weight for all its targets in volley");
      asked[k] = value;
      ++named[k];
      differs[k] = differs[k] || value != row.weight;
    }
    bool any = false;
    for (std::size_t k = 0; k < weights.size(); ++k) {
      if (!differs[k]) continue;
      // a train generator's spikes come from a hidden population whose projection is made once, at the build
      if (is_train_generator(pre.kind) || pre.kind == device_kind::pulsepacket_generator)
        throw parameter_error(call, "weight", number_text(asked[k]),
                              "unchanged (" + number_text(weights[k]) + ") for the connections of a " + pre.model +
                                  " (volley lowers its train once, with the weight given at Connect)");
      if (named[k] != per_generator)
        throw parameter_error(call, "weight", number_text(asked[k]),
                              "the weight of all " + std::to_string(per_generator) + " targets of the " + pre.model +
                                  " " + std::to_string(c.pre.first_id + k) + " at once (" + std::to_string(named[k]) +
                                  " named): volley lowers one weight per generator");
      weights[k] = asked[k];
      any = true;
    }
    if (any) out[index] = std::move(weights);
  }
  return out;
}

// The weight of each generator of connection `index` now (NEST's units).
std::vector<double> plan::generator_weights_now(std::size_t index) const {
  const connection& c = connections[index];
  const bool one_to_one = nest_rule(c.conn_spec, "SetStatus(connections)").kind == rule_kind::one_to_one;
  const std::uint64_t n = one_to_one ? std::min(c.pre.count, c.post.count) : c.pre.count;
  const auto preset = preset_generator_weights.find(index);
  if (!sim && preset != preset_generator_weights.end()) return preset->second;  // (a preview's epochs are stale)
  const auto l = lowered_generators.find(index);
  if (l != lowered_generators.end() && !l->second.weight_epochs.empty()) return l->second.weight_epochs.back().weights;
  if (preset != preset_generator_weights.end()) return preset->second;
  const synapse_model& sm = synapse_model_of(synapse_models, c.syn_spec, "SetStatus(connections)");
  const json w = c.syn_spec.contains("weight") ? c.syn_spec.at("weight") : sm.params.value("weight", json(1.0));
  return std::vector<double>(n, w.is_number() ? w.get<double>() : 1.0);
}

// One generator connection's new weights. NEST weighs a generator's current or spike when the generator emits it:
// they act from the next emission on (before the first simulate(): from the start). The caller,
// set_generator_weights(changes), takes a failure back.
void plan::set_generator_weights(std::size_t index, const std::vector<double>& weights) {
  const connection& c = connections[index];
  const bool one_to_one = nest_rule(c.conn_spec, "SetStatus(connections)").kind == rule_kind::one_to_one;
  const std::uint64_t per_generator = one_to_one ? 1 : c.post.count;
  if (sim) {
    lowered_generator& l = lowered_generators.at(index);
    const double h = options.resolution_ms, now = double(sim->current_step()) * h;
    if (l.weight_epochs.empty())
      l.weight_epochs.push_back({-std::numeric_limits<double>::infinity(), generator_weights_now(index)});
    if (l.weight_epochs.back().from_ms == now) {
      l.weight_epochs.back().weights = weights;
    } else {
      l.weight_epochs.push_back({now, weights});
    }
    // an epoch that ended longer ago than any of its emissions can reach a target is left out, as old segments are
    const double reach = max_delay_ms + min_delay_ms + 2 * h;
    while (l.weight_epochs.size() > 1 && l.weight_epochs[1].from_ms + reach < now)
      l.weight_epochs.erase(l.weight_epochs.begin());
    lower_generator_connection(index, group_of(c.pre, "SetStatus(connections)"));
    sim->invalidate_device();
  } else {
    preset_generator_weights[index] = weights;
  }
  for (std::uint64_t i = 0; i < weights.size() * per_generator; ++i)  // what GetConnections reports
    device_weights[{index, i}] = weights[i / per_generator];
}

// NEST delivers the spikes of the min_delay slice still in its spike exchange after a SetStatus between runs, so
// they carry the new weight; volley delivered them when they were emitted: the difference is added to the target
// rings where they wait. Static synapses (payloads, Bernoulli transmission and short-term efficacies of a single
// spike per row included); an STDP synapse's in-transit spike keeps the weight it was delivered with.
void plan::redeliver_in_transit(projection& p, const std::vector<std::uint64_t>& synapses,
                                const std::vector<double>& before, std::uint64_t from_step) {
  if (p.weight_plastic() || p.quantal() || p.align_pre) return;
  const auto spikes = sim->recent_spikes(p.source->id(), from_step);
  if (spikes.empty()) return;
  std::vector<std::uint64_t> row_of(synapses.size());
  for (std::size_t i = 0; i < synapses.size(); ++i)
    row_of[i] = static_cast<std::uint64_t>(std::upper_bound(p.row_ptr.begin(), p.row_ptr.end(), synapses[i]) -
                                           p.row_ptr.begin()) - 1;
  const int channel = p.channel;
  for (const auto& s : spikes) {
    if (s.neuron < p.source_range.begin || s.neuron >= p.source_range.end) continue;
    const std::uint64_t row = s.neuron - p.source_range.begin;
    // short-term plasticity: the efficacy of the row's last spike (exact when it spiked once in the slice)
    const double efficacy = p.plastic() ? double(p.efficacy[std::size_t(s.batch) * p.source_range.size() + row]) : 1.0;
    const double payload = p.payload_var >= 0 || p.unroll_var >= 0 ? double(s.payload) : 1.0;
    for (std::size_t i = 0; i < synapses.size(); ++i) {
      if (row_of[i] != row) continue;
      const std::uint64_t k = synapses[i];
      if (p.unreliable() && !p.transmits(net->seed(), k, s.step)) continue;
      const std::uint64_t d = p.delays.empty() ? p.delay : p.delays[k];
      const std::uint64_t t = p.narrow() ? p.targets16[k] : p.targets32[k];
      real_t* slot = p.target->ring_slot(channel, s.step + d) + std::size_t(s.batch) * p.target->size();
      const double after = p.weights.empty() ? double(p.weight) : double(p.weights[k]);
      slot[p.target_range.begin + t] += static_cast<real_t>((after - before[i]) * efficacy * payload);
    }
  }
}

}  // namespace volley::nest::detail
