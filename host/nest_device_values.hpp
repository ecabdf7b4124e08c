#pragma once
// What the NEST layer's device files share (host/nest_device_params.cpp, host/nest_generators.cpp,
// host/nest_detector_results.cpp).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

inline constexpr double nest_forever = 1.7976931348623157e308;  // NEST's default stop (DBL_MAX)

// A device parameter that set_device_params has checked to be a number.
inline double number(const json& params, const char* key) { return params.at(key).get<double>(); }

// The delay of a connection from a device, in ms on the grid of dt (NEST rounds delays to steps); at least dt.
double connection_delay(const json& syn, const std::string& where, double dt);

// NEST's recording window of a recorder (origin, start, stop in ms): it records an event of time t (a spike's
// stamp, a weight event's spike stamp, a sample's time) when origin + start < t <= origin + stop.
struct recording_window {
  std::int64_t after = 0;                                       // steps
  std::int64_t through = std::numeric_limits<std::int64_t>::max();  // steps
  bool contains(std::int64_t stamp_steps) const { return stamp_steps > after && stamp_steps <= through; }
};
recording_window recording_window_of(const json& params, double dt);

// A recorder's windows over the run (plan::window_history): the window that applied to an event, by the event's
// key: a spike's step (spike and weight recorders: NEST delivers a step's spikes within the run, so a change at step
// C applies to the spikes of steps >= C) or a sample's time in steps (multimeters: NEST delivers a min_delay slice's
// samples in the next slice, so a change at step C applies to the samples after the last whole slice before C).
struct window_schedule {
  std::vector<std::uint64_t> from;  // keys from which windows[i] applies (from[0] = 0)
  std::vector<recording_window> windows;
  const recording_window& at(std::uint64_t key) const;
};
window_schedule recorder_windows(const plan& p, const node_group& recorder);

// Generators whose lowering honours origin / start / stop (host/nest_generators.cpp): a change between runs is the
// old parameters up to it and the new ones after, each in its own window (host/nest_later_changes.cpp); they can
// also be created and connected after a run (host/nest_late_additions.cpp).
bool changeable_generator(device_kind k);

// The stateful generators that become hidden source populations (models/nest_generator_sources.hpp).
bool is_train_generator(device_kind k);

}  // namespace volley::nest::detail
