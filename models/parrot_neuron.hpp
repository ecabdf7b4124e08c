#pragma once
// NEST's parrot_neuron: repeats the spikes it receives. In the step in which input spikes arrive on its port 0 (after
// the connection's delay) it emits a spike (NEST stamps it at the end of that step, so a spike_generator spike at t
// through a connection of delay d comes out of the parrot at t + d); weights are ignored, and spikes arriving on
// NEST's receptor 1 are ignored (NEST uses that port to connect a parrot as the target of plastic synapses without
// repeating). There is no state, no parameter, no current input in NEST.
//
// volley: port "spikes" (port 0) carries the number of spikes arriving this step (dimensionless: each connection's
// weight is the count it contributes, 1 per spike; the NEST layer sends weight 1 per connection whatever NEST's
// weight, as NEST ignores it); the neuron spikes when that sum is > 0. Port "ignored" (port 1: NEST's receptor 1)
// accepts connections and is never read. takes_current = false: current inputs are refused when the network is
// built (NEST refuses CurrentEvent connections to a parrot); delta inputs (weights in mV) are not read.
// State "multiplicity" records the number of spikes that arrived in the step (port 0's sum) and is the spike's
// payload: every weight the spike delivers is multiplied by it, so targets count n spikes arriving in one step n
// times, as NEST's one event of multiplicity n does.
//
// Differs from NEST: a spike_recorder or detector records the step's spike once, where NEST records n events;
// connections with STDP see one spike (the engine's STDP takes no payload; the NEST layer sends plain weights there).
// A weight <= 0 on port 0 (not what the NEST layer sends) does not make a spike.
#include <array>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct parrot_neuron_params {};
struct parrot_neuron_constants {
  real_t unused;
};

struct parrot_neuron {
  static constexpr const char* name = "parrot_neuron";
  static constexpr const char* description =
      "NEST parrot_neuron: emits a spike in every step in which spikes arrive on port 'spikes' (weights count "
      "spikes; port 'ignored' is NEST's receptor 1)";
  enum : int { multiplicity, n_state };
  static constexpr int membrane = multiplicity;  // no membrane; the index only satisfies the model kit
  static constexpr std::array<state_field, n_state> state_fields{{{"multiplicity", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"spikes", units::dims::none}, {"ignored", units::dims::none}}};
  static constexpr bool takes_current = false;
  static constexpr int spike_payload = multiplicity;
  static constexpr bool spike_payload_counts = true;

  using params = parrot_neuron_params;
  using constants = parrot_neuron_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P&, F&&) {}
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params&, double) { return {0}; }
  static void initial_state(const params&, real_t* s) { s[multiplicity] = 0; }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants&, real_t* s, const neuron_input& in) {
    s[multiplicity] = in.port[0];
    return in.port[0] > 0;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::parrot_neuron)
