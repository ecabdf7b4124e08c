#pragma once
// NEST's spike_train_injector (NEST 3.7+): a neuron-like node that emits a given list of spikes. Unlike
// spike_generator (a device, which NEST connects only through static synapses) it is the presynaptic side of any
// synapse model, plastic ones included (stdp_synapse, ...), and the spikes it emits count as its own.
//
// Here it is a spike-schedule source (like SpikeTime, models/spike_sources.hpp): the population holds a table
// step -> (neuron, multiplicity), set by network::set_spike_counts (the NEST layer builds it from the nodes'
// spike_times, host/nest_injector.cpp); update() is not called. In the step of a spike the state `multiplicity`
// holds the number of spikes (NEST's spike_multiplicities, default 1) and is 0 otherwise; it is the spike payload,
// so every weight the spike delivers is multiplied by it, through static and plastic synapses alike (a plastic
// synapse updates its weight once per spike event, as NEST's does for one event of multiplicity m).
//
// Timing (NEST's spike_train_injector::update): a spike time t (ms) gets the stamp T = t on the grid (an error
// otherwise), or the end of the step holding t with allow_offgrid_times or precise_times, plus origin; it is
// emitted when (origin + start) < T <= (origin + stop) (in steps), in the step ending at T, so it reaches a
// target at T + delay (the same as spike_generator's spikes).
#include <array>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/spike_sources.hpp"

namespace volley::models {

struct spike_train_injector_params {};
struct spike_train_injector_constants {
  real_t unused;
};

struct spike_train_injector : spike_source_base {
  static constexpr const char* name = "spike_train_injector";
  static constexpr const char* description =
      "NEST spike_train_injector: emits given spike times (with multiplicities) as a neuron, so any synapse model, "
      "plastic ones included, can start at it; the spikes come from a schedule (NEST layer: spike_times, "
      "spike_multiplicities, origin/start/stop)";
  enum : int { multiplicity, n_state };
  static constexpr std::array<state_field, n_state> state_fields{{{"multiplicity", units::dims::none}}};
  static constexpr bool spike_schedule = true;  // model_population emits the schedule's row instead of updating
  static constexpr int spike_payload = multiplicity;
  static constexpr bool spike_payload_counts = true;
  using params = spike_train_injector_params;
  using constants = spike_train_injector_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P&, F&&) {}
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params&, double) { return {0}; }
  static void initial_state(const params&, real_t* s) { s[multiplicity] = 0; }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants&, real_t*, const neuron_input&) { return false; }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::spike_train_injector)
