// Nodes and connections added between simulate() calls, and recorders' windows over the run
// (host/nest_layer_detail.hpp). NEST 3.10 allows Create and Connect after Simulate; volley builds its network at the
// first simulate() and extends it at the next one (plan::extend): new populations start at the current step in
// their initial state, new projections carry the spikes emitted from then on, generators created at time T act as
// ones whose parameters changed at T from emitting nothing (host/nest_later_changes.cpp), a recorder connected at T
// sees the events after T, and a delay outside the network's [min_delay, max_delay] is refused, as NEST refuses it
// once Simulate has run. Measured against NEST 3.10 (tests/test_nest_late_devices.cpp,
// tools/nest_reference/make_late_device_references.py).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_device_values.hpp"

namespace volley::nest::detail {

namespace {

bool late_recorder(device_kind k) {
  return k == device_kind::spike_recorder || k == device_kind::multimeter || k == device_kind::voltmeter;
}

const char* late_devices =
    "neurons, the generators dc_generator, ac_generator, step_current_generator, noise_generator, "
    "poisson_generator, sinusoidal_poisson_generator, inhomogeneous_poisson_generator, mip_generator, "
    "spike_generator and the recorders spike_recorder, multimeter, voltmeter";

// Neuron models whose parameters the layer lowers into other parts of the network when it builds it.
bool built_specially(const node_group& g) {
  return is_injector(g) || is_rate_model(g) || is_cm(g) || is_astrocyte(g) || is_siegert(g) ||
         g.model == "gif_pop_psc_exp";
}

}  // namespace

bool plan::pending(const node_group& g) const { return sim && g.kind == device_kind::none && g.population.empty(); }

void plan::add_late_group(node_group g, const json& device_params) {
  const std::string where = "Create('" + g.model + "') after Simulate()";
  const bool neuron = g.kind == device_kind::none;
  if ((neuron && built_specially(g)) || (!neuron && !changeable_generator(g.kind) && !late_recorder(g.kind)))
    throw user_error(where + ": volley builds the network at the first Simulate(); after it, it creates " +
                     late_devices + " (create " + g.model + " before the first Simulate())");
  if (!neuron) set_device_params(g, device_params, where, options.resolution_ms);  // checked, then committed
  groups.push_back(std::move(g));
  recorded.emplace_back();
  resets.emplace_back();
  cleared_at.push_back(0);
  volume_transmitters.emplace_back();
  window_history.emplace_back();
  generator_history.emplace_back();
  if (changeable_generator(groups.back().kind))  // emitting nothing before now: a change from off at this time
    generator_history.back().push_back({double(sim->current_step()) * options.resolution_ms,
                                        segment_params(groups.back(), groups.back().params,
                                                       double(sim->current_step()) * options.resolution_ms, 0.0)});
}

void plan::drop_last_group() {
  const std::size_t n = groups.size();  // the per-group lists exist once the network is built
  next_id -= groups.back().count;
  groups.pop_back();
  if (recorded.size() == n) recorded.pop_back();
  if (resets.size() == n) resets.pop_back();
  if (cleared_at.size() == n) cleared_at.pop_back();
  if (volume_transmitters.size() == n) volume_transmitters.pop_back();
  if (window_history.size() == n) window_history.pop_back();
  if (generator_history.size() == n) generator_history.pop_back();
}

void plan::check_late_connection(const connection& c) const {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& post = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ") after Simulate()";
  const bool neurons_in = pre.kind == device_kind::none, neurons_out = post.kind == device_kind::none;
  const bool generator = changeable_generator(pre.kind) && neurons_out;
  const bool recorder = (neurons_in && post.kind == device_kind::spike_recorder) ||
                        ((pre.kind == device_kind::multimeter || pre.kind == device_kind::voltmeter) && neurons_out);
  if (!generator && !recorder && !(neurons_in && neurons_out))
    throw user_error(where + ": volley builds the network at the first Simulate(); after it, it connects " +
                     late_devices + " (connect " + pre.model + " and " + post.model + " before the first Simulate())");
  const synapse_model& m = synapse_model_of(synapse_models, c.syn_spec, where);
  if (neurons_in && neurons_out &&
      (is_gap_synapse(m) || is_rate_synapse(m) || is_sic_synapse(m) || built_specially(pre) || built_specially(post)))
    throw user_error(where + ": volley builds " + m.name + " connections (and those of " + pre.model + " and " +
                     post.model + ") when it builds the network; make them before the first Simulate()");
  check_connection(c);
  if (recorder) return;
  const json spec = merged_syn_spec(m, c.syn_spec, where);
  const json d = spec.value("delay", json(1.0));
  const double h = options.resolution_ms;
  const auto steps = [&](double ms) { return std::llround(ms / h); };
  bool inside = d.is_number();
  if (inside) inside = steps(d.get<double>()) >= steps(min_delay_ms) && steps(d.get<double>()) <= steps(max_delay_ms);
  if (!inside)
    throw parameter_error(where, "delay", d.dump() + " ms",
                          "one number within the network's min_delay " + number_text(min_delay_ms) +
                              " ms and max_delay " + number_text(max_delay_ms) +
                              " ms (NEST: they cannot change after Simulate)");
}

void plan::build_additions() {
  if (!sim) return;
  if (built_connections < connections.size() ||
      std::any_of(groups.begin(), groups.end(), [&](const auto& g) { return pending(g); }))
    extend();
}

void plan::extend() {
  for (auto& g : groups) {
    if (!pending(g)) continue;
    build_population(g);
  }
  sim->adopt_new_populations();
  const std::size_t first_projection = net->projections().size();
  for (std::size_t ci = built_connections; ci < connections.size(); ++ci) {
    const connection& c = connections[ci];
    const node_group& pre = group_of(c.pre, "Connect");
    const node_group& post = group_of(c.post, "Connect");
    if (pre.kind == device_kind::none && post.kind == device_kind::none) {
      connect_neurons(c);
      continue;
    }
    // recorders: the sources added read the events from now on, and their traces follow the run's ones
    const bool reads_spikes = pre.kind == device_kind::none, samples = is_recorder(pre.kind);
    auto& sources = recorded[index_of(reads_spikes ? post : pre)];
    const std::size_t first_new = sources.size();
    std::vector<trace_request> traces;
    std::vector<std::string> spikes;
    connect_device(c, traces, spikes);
    const std::size_t traces_before = sim->record().traces.size();
    for (std::size_t i = first_new; i < sources.size() && (reads_spikes || samples); ++i) {
      sources[i].first_trace += traces_before;
      if (reads_spikes) sources[i].from_step = sim->current_step();
    }
    for (const auto& s : spikes) sim->record_spikes(s);
    for (const auto& t : traces) sim->record_trace(t);
  }
  built_connections = connections.size();
  net->fit_ring_buffers(sim->current_step());  // longer delays into populations that had rings: keep their input
  net->finalize();                             // new synapses drawn, rings of new populations, STDP archives
  // NEST delivers the spikes of the min_delay slice still in its spike exchange through the new connections too
  if (sim->current_step() > 0) sim->deliver_recent_spikes(first_projection, last_slice_start(sim->current_step()));
  sim->invalidate_device();
}

const recording_window& window_schedule::at(std::uint64_t key) const {
  const auto it = std::upper_bound(from.begin(), from.end(), key);
  return windows[static_cast<std::size_t>(it - from.begin()) - 1];
}

window_schedule recorder_windows(const plan& p, const node_group& recorder) {
  const double dt = p.options.resolution_ms;
  const std::size_t index = p.index_of(recorder);
  window_schedule out;
  if (index >= p.window_history.size() || p.window_history[index].empty()) {
    out.from.push_back(0);
    out.windows.push_back(recording_window_of(recorder.params, dt));
    return out;
  }
  const bool sampled = recorder.kind == device_kind::multimeter || recorder.kind == device_kind::voltmeter;
  for (const auto& s : p.window_history[index]) {
    // samples up to the last whole slice before the change were delivered under the window before it
    const std::uint64_t key = s.from_step == 0 ? 0 : sampled ? p.last_slice_start(s.from_step) + 1 : s.from_step;
    if (!out.from.empty() && out.from.back() >= key) {  // no event falls between the two changes
      out.windows.back() = recording_window_of(s.params, dt);
      continue;
    }
    out.from.push_back(key);
    out.windows.push_back(recording_window_of(s.params, dt));
  }
  return out;
}

}  // namespace volley::nest::detail
