// Devices created and connected between simulate() calls, and recorders' windows over the run
// (host/nest_layer_detail.hpp). NEST 3.10 allows Create and Connect after Simulate; volley builds its network at the
// first simulate(), so after it only what leaves the network as built can be added: generators that become inputs
// of neurons that exist, and recorders that read the run's spikes and states. Measured against NEST 3.10
// (tests/test_nest_late_devices.cpp, tools/nest_reference/make_late_device_references.py): a device created at
// time T acts as one whose parameters changed at T from emitting nothing (host/nest_later_changes.cpp), a recorder
// connected at T sees the events after T, and a delay outside the network's [min_delay, max_delay] is refused, as
// NEST refuses it once Simulate has run.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_device_values.hpp"

namespace volley::nest::detail {

namespace {

bool late_generator(device_kind k) {
  switch (k) {
    case device_kind::dc_generator:
    case device_kind::ac_generator:
    case device_kind::step_current_generator:
    case device_kind::noise_generator:
    case device_kind::poisson_generator:
    case device_kind::mip_generator:
    case device_kind::spike_generator:
      return true;
    default:
      return false;
  }
}

bool late_recorder(device_kind k) {
  return k == device_kind::spike_recorder || k == device_kind::multimeter || k == device_kind::voltmeter;
}

const char* late_devices =
    "the generators dc_generator, ac_generator, step_current_generator, noise_generator, poisson_generator, "
    "mip_generator, spike_generator and the recorders spike_recorder, multimeter, voltmeter";

}  // namespace

void plan::create_late(node_group g, const json& params) {
  const std::string where = "Create('" + g.model + "') after Simulate()";
  if (!late_generator(g.kind) && !late_recorder(g.kind))
    throw user_error(where + ": volley builds the network at the first Simulate(); after it, it creates only " +
                     late_devices + " (create " + g.model + " before the first Simulate())");
  set_device_params(g, params, where, options.resolution_ms);  // checked, then committed
  groups.push_back(std::move(g));
  recorded.emplace_back();
  resets.emplace_back();
  cleared_at.push_back(0);
  volume_transmitters.emplace_back();
  window_history.emplace_back();
  generator_history.emplace_back();
  if (late_generator(groups.back().kind))  // emitting nothing before now: a change from off at this time
    generator_history.back().push_back({double(sim->current_step()) * options.resolution_ms,
                                        segment_params(groups.back(), groups.back().params, double(sim->current_step()) * options.resolution_ms, 0.0)});
}

void plan::check_late_connection(const connection& c) const {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& post = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ") after Simulate()";
  const bool neurons_in = pre.kind == device_kind::none, neurons_out = post.kind == device_kind::none;
  const bool generator = late_generator(pre.kind) && neurons_out;
  if (!generator && !(neurons_in && post.kind == device_kind::spike_recorder) &&
      !((pre.kind == device_kind::multimeter || pre.kind == device_kind::voltmeter) && neurons_out))
    throw user_error(where + ": volley builds the network at the first Simulate(); after it, it connects only " +
                     late_devices + " to neurons that exist (connect " + pre.model + " and " + post.model +
                     " before the first Simulate())");
  check_connection(c);
  if (!generator) return;
  const json spec = merged_syn_spec(synapse_model_of(synapse_models, c.syn_spec, where), c.syn_spec, where);
  const json d = spec.value("delay", json(1.0));
  const double h = options.resolution_ms;
  const double lo = std::round(min_delay_ms / h), hi = std::round(max_delay_ms / h);
  if (!d.is_number() || std::round(d.get<double>() / h) < lo || std::round(d.get<double>() / h) > hi)
    throw parameter_error(where, "delay", d.dump() + " ms",
                          "within the network's min_delay " + number_text(min_delay_ms) + " ms and max_delay " +
                              number_text(max_delay_ms) + " ms (NEST: they cannot change after Simulate)");
}

void plan::connect_late(const connection& c) {
  connections.push_back(c);
  projection_of.push_back(-1);
  weight_recorder_of.push_back(-1);
  const connection& added = connections.back();
  const node_group& pre = group_of(added.pre, "Connect");
  const node_group& post = group_of(added.post, "Connect");
  // recorders: the sources added below read the events from now on; their traces follow the run's ones
  auto& sources = recorded[index_of(pre.kind == device_kind::none ? post : pre)];
  const std::size_t first_new = sources.size();
  std::vector<trace_request> traces;
  std::vector<std::string> spikes;
  connect_device(added, traces, spikes);
  const std::size_t traces_before = sim->record().traces.size();
  for (std::size_t i = first_new; i < sources.size() && pre.kind != device_kind::none && !late_generator(pre.kind); ++i)
    sources[i].first_trace += traces_before;
  for (std::size_t i = first_new; i < sources.size() && pre.kind == device_kind::none; ++i) {
    sources[i].first_trace += traces_before;
    sources[i].from_step = sim->current_step();
  }
  for (const auto& s : spikes) sim->record_spikes(s);
  for (const auto& t : traces) sim->record_trace(t);
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
  const std::uint64_t slice = p.slice_steps();
  for (const auto& s : p.window_history[index]) {
    // samples up to the last whole slice before the change were delivered under the window before it
    const std::uint64_t key = s.from_step == 0 ? 0 : sampled ? (s.from_step - 1) / slice * slice + 1 : s.from_step;
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
