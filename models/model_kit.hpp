#pragma once
// What every neuron model sees and declares. A neuron model (family) is a struct with:
//   name, description                       model name as users write it
//   enum { <state vars>..., n_state }       indices into the per-neuron state array s[]
//   membrane                                index of the membrane potential (used by conductance outputs)
//   state_fields                            names and dimensions of the state variables
//   n_ports, ports                          built-in input ports (NEST style, e.g. "ex"/"in"); 0 for BrainPy style
//   routes_by_sign                          (optional) true when a connection without receptor picks port 0 for
//                                           positive and port 1 for negative weights, as NEST's iaf_psc_* do
//   params, defaults(), each_param(p, f)    parameters as typed quantities, visited with name and range check
//   validate(p)                             cross-parameter check: nullptr or the problem as text
//   constants, derive(p, dt)                what the update needs, computed once per (params, dt)
//   initial_state(p, s)                     default initial state
//   update(c, s, in) -> bool                one step of one neuron, host-device code, true on a spike
//   needs_uniform                           (optional) true when update reads in.uniform: one uniform number in
//                                           (0, 1) per neuron-step from the stream (seed, tag of the population,
//                                           cell, step); models without it pay nothing
//   takes_current                           (optional) false when the model has no current input (spike sources,
//                                           readouts): current inputs to it are rejected when the network is built
//   spike_schedule                          (optional) true for SpikeTime-like sources: the population's spike table
//                                           gives the spikes and update() is not called (engine/model_population.hpp)
#include <cmath>

#include "engine/config.hpp"
#include "engine/units.hpp"

namespace volley::models {

// Everything that reaches one neuron in one step.
struct neuron_input {
  real_t current;        // pA: constant drive + current sources + outputs of attached synapses, held over the step
  real_t delta_v;        // mV: instantaneous jumps of V delivered this step (delta projections)
  const real_t* port;    // per built-in port: summed weights arriving this step (model-specific unit)
  real_t uniform;        // uniform in (0, 1), fresh each neuron-step, for models with needs_uniform; 0 otherwise
};

// True when Model declares `static constexpr bool needs_uniform = true`.
template <class Model>
inline constexpr bool needs_uniform_v = requires { requires Model::needs_uniform; };

struct port_desc {
  const char* name;
  units::dimension weight_dim;  // dimension of the weights a connection to this port carries
};

}  // namespace volley::models
