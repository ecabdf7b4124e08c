// The NEST layer's queries of a built network: GetStatus, the recorders' events, GetConnections and the
// weight_recorder's events (host/nest_layer_detail.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>

#include "engine/error.hpp"
#include "host/nest_device_values.hpp"

namespace volley::nest::detail {

json plan::status(const node_collection& nodes) const {
  const node_group& g = group_of(nodes, "GetStatus");
  json out = {{"model", g.model}, {"global_id", json::array()}};
  for (std::uint64_t i = 0; i < nodes.count; ++i) out["global_id"].push_back(nodes.first_id + i);
  if (g.kind != device_kind::none) {
    for (const auto& [k, v] : g.params.items()) out[k] = v;
    if (is_recorder(g.kind)) out["n_events"] = sim ? events(nodes).at("times").size() : 0;
    if (is_detector(g.kind)) out.update(detector_results(g));
    return out;
  }
  if (is_injector(g)) out.update(injector_status(g, nodes));
  const auto b = nodes.first_id - g.first_id;
  // parameters, one value per node: the value set (NEST's units) or the model's default (converted to them)
  for (const auto& param : g.description.at("parameters")) {
    const std::string key = param.at("name").get<std::string>();
    const json* set = g.params.contains(key) ? &g.params.at(key) : nullptr;
    json fallback = nullptr;
    if (param.contains("default") && param.at("default").is_number()) {
      const std::string unit = unit_of_key(g, key, "GetStatus");
      const double one = unit == "1" ? 1.0 : quantity_in(json(1.0), unit, "GetStatus", key).dist.a;
      fallback = param.at("default").get<double>() / one;
    }
    json values = json::array();
    for (std::uint64_t i = 0; i < nodes.count; ++i) {
      const json& v = set == nullptr ? fallback : set->is_array() ? set->at(b + i) : *set;
      values.push_back(v.is_null() ? fallback : v);
    }
    out[key] = std::move(values);
  }
  // state variables: the population's, or before it is built the initial values it will start from
  std::unique_ptr<population> preview;
  if (!net || g.population.empty()) {
    std::uint32_t id = net ? static_cast<std::uint32_t>(net->populations().size()) : 0;
    for (const auto& other : groups) {
      if (&other == &g) break;
      if (other.kind == device_kind::none && other.population.empty()) ++id;  // built before g (same streams)
    }
    node_group named = g;
    named.population = "preview";
    try {
      preview = create_population(named, id);
      apply_state_overrides(*preview, g);
    } catch (const user_error&) {
      return out;  // not buildable yet (a cm_default without compartments): its parameters only
    }
  }
  const population& p = preview ? *preview : net->find(g.population);
  for (std::size_t var = 0; var < p.model().state.size(); ++var) {
    // a name that is both (iaf_chxk_2008's g_ahp): NEST's GetStatus gives the parameter
    if (out.contains(p.model().state[var].name) && !is_state_key(g, p.model().state[var].name)) continue;
    json values = json::array();
    const real_t* s = p.state(static_cast<int>(var));
    const double scale = astro_unit_scale(g, p.model().state[var].name);
    for (std::uint64_t i = 0; i < nodes.count; ++i) values.push_back(double(s[b + i]) * scale);
    out[p.model().state[var].name] = values;
  }
  return out;
}

json plan::events(const node_collection& recorder) const {
  json out = recorded_events(recorder);
  const node_group& g = group_of(recorder, "GetEvents");
  const std::uint64_t cleared = index_of(g) < cleared_at.size() ? cleared_at[index_of(g)] : 0;
  if (cleared == 0 || !is_recorder(g.kind)) return out;
  // SetStatus(n_events: 0) after `cleared` steps removes the events NEST had delivered by then: every spike, the
  // samples up to the start of the last min_delay slice run (NEST delivers a slice's samples in the next slice)
  const json& times = out.at("times");
  const bool spikes = g.kind == device_kind::spike_recorder || g.kind == device_kind::weight_recorder;
  const std::uint64_t delivered = spikes ? cleared : last_slice_start(cleared);
  const double limit = (double(delivered) + 1e-9) * options.resolution_ms;
  json kept = json::object();
  for (const auto& [key, values] : out.items()) {
    if (!values.is_array() || values.size() != times.size()) {
      kept[key] = values;
      continue;
    }
    json& k = kept[key] = json::array();
    for (std::size_t i = 0; i < values.size(); ++i)
      if (times[i].get<double>() > limit) k.push_back(values[i]);
  }
  return kept;
}

json plan::recorded_events(const node_collection& recorder) const {
  const node_group& g = group_of(recorder, "GetEvents");
  if (g.kind == device_kind::spin_detector) return spin_events(g);
  if (!is_recorder(g.kind))
    throw parameter_error("GetEvents", "nodes", g.model,
                          is_detector(g.kind) ? "a recorder (" + g.model +
                                                    "'s results "
                                                    "are in GetStatus)"
                                              : "a recorder");
  json out = {{"senders", json::array()}, {"times", json::array()}};
  if (!sim) return out;
  const auto& rec = sim->record();
  const double dt = options.resolution_ms;
  if (g.kind == device_kind::weight_recorder) return weight_events(g);
  const window_schedule windows = recorder_windows(*this, g);
  // NEST's order of delivery (one thread): the events of a min_delay slice together, sender by sender (a node emits
  // its spikes, or answers a multimeter with its samples, for a whole slice before the next node), then by time
  const std::uint64_t slice = slice_steps();
  if (g.kind == device_kind::spike_recorder) {
    std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, double>> ev;  // (slice, id, step, offset)
    each_recorded_spike(g, [&](const recorder_source& src, const auto& sr, std::size_t k) {
      if (!windows.at(sr.step[k]).contains(static_cast<std::int64_t>(sr.step[k]) + 1)) return;  // the stamp in steps
      const std::size_t nn = src.end - src.begin;
      double offset = 0;  // precise-spike models: the spike_offset trace at the spike's step (sampled from from_step)
      if (!src.as.empty())
        offset = rec.traces[src.first_trace].values[(sr.step[k] - src.from_step) * nn + (sr.neuron[k] - src.begin)];
      // a spike of multiplicity m is m events (NEST's spike_recorder writes each)
      for (std::uint32_t c = sr.spikes_at(k); c > 0; --c)
        ev.emplace_back(sr.step[k] / slice, groups[src.group].first_id + sr.neuron[k], sr.step[k], offset);
    });
    std::sort(ev.begin(), ev.end());
    for (const auto& [slice_index, id, step, offset] : ev) {
      out["senders"].push_back(id);
      out["times"].push_back(double(step + 1) * dt - offset);
    }
    return out;
  }
  // multimeter / voltmeter: a sample at time t is the state after the step ending at t
  const auto& vars = g.params.at("record_from");
  for (const auto& v : vars) out[v.get<std::string>()] = json::array();
  struct sample {
    std::uint64_t slice, id, time_steps;
    std::size_t source, s, i;  // recorded[index_of(g)][source], sample s, node i of the source
  };
  std::vector<sample> samples;
  const auto& sources = recorded[index_of(g)];
  for (std::size_t n = 0; n < sources.size() && !vars.empty(); ++n) {
    const auto& src = sources[n];
    const auto& t = rec.traces[src.first_trace];
    for (std::size_t s = 0; s < t.samples(); ++s) {
      const std::int64_t at = std::llround(t.times_ms[s] / dt);
      if (at < 1 || !windows.at(std::uint64_t(at)).contains(at)) continue;
      for (std::size_t i = 0; i < src.end - src.begin; ++i)
        samples.push_back(
            {std::uint64_t(at - 1) / slice, groups[src.group].first_id + src.begin + i, std::uint64_t(at), n, s, i});
    }
  }
  std::sort(samples.begin(), samples.end(), [](const sample& a, const sample& b) {
    return std::tie(a.slice, a.id, a.time_steps) < std::tie(b.slice, b.id, b.time_steps);
  });
  for (const auto& e : samples) {
    const auto& src = sources[e.source];
    const std::size_t nn = src.end - src.begin;
    out["senders"].push_back(e.id);
    out["times"].push_back(rec.traces[src.first_trace].times_ms[e.s]);
    for (std::size_t v = 0; v < vars.size(); ++v)
      out[vars[v].get<std::string>()].push_back(
          double(rec.traces[src.first_trace + v].values[e.s * nn + e.i]) * src.as[v].scale + src.as[v].offset);
  }
  return out;
}

std::uint64_t plan::slice_steps() const {
  return static_cast<std::uint64_t>(std::max(1LL, std::llround(min_delay_ms / options.resolution_ms)));
}

}  // namespace volley::nest::detail

namespace volley::nest::detail {

namespace {

// A delay of `steps` steps in ms as NEST 3.10 reports it: steps times the resolution (19 x 0.1 ms:
// 1.9000000000000001, 15 x 0.1 ms: 1.5; measured).
double ms_of_steps(std::uint64_t steps, double resolution_ms) { return double(steps) * resolution_ms; }

// Whether `nodes` (empty: all) holds an id of first .. first + count - 1.
bool overlaps(const node_collection& nodes, std::uint64_t first, std::uint64_t count) {
  if (nodes.empty()) return true;
  for (const auto& r : nodes.ranges())
    if (r.first_id < first + count && first < r.first_id + r.count) return true;
  return false;
}

}  // namespace

std::vector<plan::connection_row> plan::connection_rows(const node_collection& source, const node_collection& target,
                                                        const std::string& synapse_model, const char* call) const {
  if (!net) throw user_error(std::string(call) + ": the network is built at the first Simulate(); there is none yet");
  auto inside = [](const node_collection& nodes, std::uint64_t id) { return nodes.empty() || nodes.contains(id); };
  std::vector<connection_row> rows;
  for (std::size_t ci = 0; ci < connections.size(); ++ci) {
    if (projection_of[ci] < 0) continue;
    const connection& c = connections[ci];
    const node_group& pre = group_of(c.pre, call);
    const node_group& post = group_of(c.post, call);
    const auto pi = static_cast<std::size_t>(projection_of[ci]);
    const projection& held = net->projections()[pi];
    const detail::synapse_model& sm = synapse_model_of(synapse_models, c.syn_spec, call);
    if (!synapse_model.empty() && sm.name != synapse_model) continue;
    if (!overlaps(source, pre.first_id + held.source_range.begin, held.source_range.size()) ||
        !overlaps(target, post.first_id + held.target_range.begin, held.target_range.size()))
      continue;
    // synapses a GPU drew and holds (their host arrays empty): drawn again on the host, from the same streams, so
    // the same synapses; their weights cannot have changed (static on the device, set_weights refuses them)
    std::optional<projection> redrawn;
    if (held.on_device && held.pending) {
      redrawn.emplace(held);
      net->draw_pending_synapses(*redrawn);
    }
    const projection& p = redrawn ? *redrawn : held;
    const cont_delay cd = cont_delay_of(sm, c.syn_spec, options.resolution_ms);  // NEST reports steps h - offset
    const std::size_t synapse_id = nest_synapse_id(synapse_models, sm.name);
    const bool diffusion = sm.base == "diffusion_connection";
    const bool no_delay = diffusion || sm.base == "rate_connection_instantaneous";  // NEST: has_delay false
    for (std::uint64_t r = 0; r + 1 < p.row_ptr.size(); ++r) {
      const std::uint64_t src = pre.first_id + p.source_range.begin + r;
      if (!inside(source, src)) continue;
      for (std::uint64_t k = p.row_ptr[r]; k < p.row_ptr[r + 1]; ++k) {
        const std::uint64_t t = p.narrow() ? p.targets16[k] : p.targets32[k];
        const std::uint64_t tgt = post.first_id + p.target_range.begin + t;
        if (!inside(target, tgt)) continue;
        // diffusion_connection has no weight (NEST lists uninitialised memory there; its factors are columns of
        // their own, connections_between)
        const double w = diffusion ? 1.0 : p.weights.empty() ? double(p.weight) : double(p.weights[k]);
        const double d = no_delay      ? listed_delay_without_delay
                         : cd.continuous ? double(cd.steps) * options.resolution_ms - cd.offset_ms
                                         : ms_of_steps(p.delays.empty() ? p.delay : p.delays[k], options.resolution_ms);
        rows.push_back({src, tgt, w, d, &sm.name, ci, pi, k, synapse_id, 0, tgt});
      }
    }
  }
  device_rows(source, target, synapse_model, call, rows);
  gap_rows(source, target, synapse_model, call, rows);
  // NEST 3.10's order (measured): synapse model by model id; per model the connections between neurons, then those
  // of neurons into devices, then those from devices. Between neurons: by source, a source's connections in the
  // order they were made: Connect by Connect, targets ascending within one (as all_to_all makes them; one Connect
  // may be several connections: over several Create() calls, or split by sign). Those of devices likewise, but by
  // target, then source, when GetConnections names targets.
  const bool by_target = !target.empty();
  std::stable_sort(rows.begin(), rows.end(), [&](const connection_row& a, const connection_row& b) {
    if (a.synapse_id != b.synapse_id) return a.synapse_id < b.synapse_id;
    if (a.block != b.block) return a.block < b.block;
    if (a.block > 0 && by_target && a.target != b.target) return a.target < b.target;
    if (a.source != b.source) return a.source < b.source;
    const std::uint64_t call_a = connections[a.connection].call, call_b = connections[b.connection].call;
    return call_a != call_b ? call_a < call_b : a.made < b.made;
  });
  return rows;
}

// The connections from and to devices (generators into neurons, neurons into recorders and detectors, a multimeter
// into neurons), which volley lowers without a projection: NEST lists them with the weight and delay they were made
// with (the synapse model's defaults where not given). Gap, rate and other connections without a projection are not
// listed yet.
void plan::device_rows(const node_collection& source, const node_collection& target, const std::string& synapse_model,
                       const char* call, std::vector<connection_row>& rows) const {
  auto inside = [](const node_collection& nodes, std::uint64_t id) { return nodes.empty() || nodes.contains(id); };
  for (std::size_t ci = 0; ci < connections.size(); ++ci) {
    if (projection_of[ci] >= 0) continue;
    const connection& c = connections[ci];
    if (group_of(c.pre, call).kind == device_kind::none && group_of(c.post, call).kind == device_kind::none) continue;
    const detail::synapse_model& sm = synapse_model_of(synapse_models, c.syn_spec, call);
    if (!synapse_model.empty() && sm.name != synapse_model) continue;
    // one value, a list with one per connection (one_to_one), or the model's default
    auto value = [&](const char* key, std::uint64_t i) {
      const json& v = c.syn_spec.contains(key) ? c.syn_spec.at(key) : sm.params.value(key, json(1.0));
      const json& one = v.is_array() && i < v.size() ? v[i] : v;
      return one.is_number() ? one.get<double>() : std::numeric_limits<double>::quiet_NaN();
    };
    const bool one_to_one = nest_rule(c.conn_spec, call).kind == rule_kind::one_to_one;
    const std::uint64_t n = one_to_one ? std::min(c.pre.count, c.post.count) : c.pre.count * c.post.count;
    const std::size_t synapse_id = nest_synapse_id(synapse_models, sm.name);
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t src = c.pre.first_id + (one_to_one ? i : i / c.post.count);
      const std::uint64_t tgt = c.post.first_id + (one_to_one ? i : i % c.post.count);
      if (!inside(source, src) || !inside(target, tgt)) continue;
      const double d = value("delay", i), steps = std::round(d / options.resolution_ms);  // NEST rounds to steps
      const double reported =
          std::isfinite(d) && steps >= 0 ? ms_of_steps(static_cast<std::uint64_t>(steps), options.resolution_ms) : d;
      const auto set = device_weights.find({ci, i});
      const double w = set == device_weights.end() ? value("weight", i) : set->second;
      rows.push_back({src, tgt, w, reported, &sm.name, ci, no_projection, i, synapse_id,
                      group_of(c.pre, call).kind != device_kind::none ? 2 : 1, tgt});
    }
  }
}

bool plan::is_diffusion(const connection_row& r) const {
  return r.projection != no_projection &&
         synapse_model_of(synapse_models, connections[r.connection].syn_spec, "GetConnections").base ==
             "diffusion_connection";
}

json plan::connections_between(const node_collection& source, const node_collection& target,
                               const std::string& synapse_model) const {
  const std::vector<connection_row> rows = connection_rows(source, target, synapse_model, "GetConnections");
  json out = {{"source", json::array()},
              {"target", json::array()},
              {"weight", json::array()},
              {"delay", json::array()},
              {"synapse_model", json::array()}};
  std::vector<synapse_ref> refs;
  bool diffusion = false;
  for (const auto& r : rows) {
    out["source"].push_back(r.source);
    out["target"].push_back(r.target);
    out["weight"].push_back(r.weight);
    out["delay"].push_back(r.delay);
    out["synapse_model"].push_back(*r.model);
    refs.push_back({r.projection == no_projection ? nullptr : &net->projections()[r.projection], r.synapse});
    diffusion = diffusion || is_diffusion(r);
  }
  add_synapse_state(out, refs);
  if (diffusion) {  // NEST's drift_factor and diffusion_factor: the weights of the drift and diffusion projections
    for (const char* key : {"drift_factor", "diffusion_factor"}) out[key] = json::array();
    for (const auto& r : rows) {
      if (!is_diffusion(r)) {
        for (const char* key : {"drift_factor", "diffusion_factor"}) out[key].push_back(nullptr);
        continue;
      }
      for (std::size_t port = 0; port < 2; ++port) {  // connect_diffusion: drift, then diffusion
        const projection& p = net->projections()[r.projection + port];
        out[port == 0 ? "drift_factor" : "diffusion_factor"].push_back(
            p.weights.empty() ? double(p.weight) : double(p.weights[r.synapse]));
      }
    }
  }
  return out;
}

}  // namespace volley::nest::detail

namespace volley::nest::detail {

// NEST's weight_recorder events: senders, targets, times (the presynaptic spike's), weights (as transmitted), in
// time order, then by sender, then by connection and synapse.
json plan::weight_events(const node_group& recorder) const {
  struct event {
    std::uint64_t slice, sender, step, synapse_id, copy, connection, order, target;
    double weight;
  };
  const std::uint64_t slice = slice_steps();
  const window_schedule windows = recorder_windows(*this, recorder);
  std::vector<event> ev;
  for (std::size_t ci = 0; ci < connections.size(); ++ci) {
    if (weight_recorder_of.empty() || weight_recorder_of[ci] != static_cast<long long>(index_of(recorder))) continue;
    const projection& p = net->projections()[static_cast<std::size_t>(projection_of[ci])];
    const node_group& pre = group_of(connections[ci].pre, "GetEvents");
    const node_group& post = group_of(connections[ci].post, "GetEvents");
    const std::size_t synapse_id =
        nest_synapse_id(synapse_models, synapse_model_of(synapse_models, connections[ci].syn_spec, "GetEvents").name);
    for (std::size_t k = 0; k < p.weight_log.size(); ++k) {
      const auto& e = p.weight_log[k];
      if (!windows.at(e.step).contains(static_cast<std::int64_t>(e.step) + 1)) continue;  // the spike's stamp
      ev.push_back({e.step / slice, pre.first_id + p.source_range.begin + e.source_row, e.step, synapse_id, e.copy, ci,
                    k, post.first_id + p.target_range.begin + e.target, double(e.weight)});
    }
  }
  std::sort(ev.begin(), ev.end(), [](const event& a, const event& b) {
    // NEST's order of delivery (one thread): the spikes of a min_delay slice together, sender by sender (a node
    // emits all its spikes of a slice before the next node updates), then by time; a sender's spike connector by
    // connector (synapse model id), and a count of m spikes within a connector one spike after the other, each to
    // all of the sender's synapses there
    return std::tie(a.slice, a.sender, a.step, a.synapse_id, a.copy, a.connection, a.order) <
           std::tie(b.slice, b.sender, b.step, b.synapse_id, b.copy, b.connection, b.order);
  });
  json out = {
      {"senders", json::array()}, {"targets", json::array()}, {"times", json::array()}, {"weights", json::array()}};
  for (const auto& e : ev) {
    out["senders"].push_back(e.sender);
    out["targets"].push_back(e.target);
    out["times"].push_back(double(e.step + 1) * options.resolution_ms);
    out["weights"].push_back(e.weight);
  }
  return out;
}

}  // namespace volley::nest::detail
