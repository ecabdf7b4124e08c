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
//   needs_stream                            (optional) true when update draws from in.stream: that same stream of the
//                                           neuron-step (engine/random.hpp random_stream), for models needing more
//                                           than one number per step (binomial counts of NEST's generators)
//   takes_current                           (optional) false when the model has no current input (spike sources,
//                                           readouts): current inputs to it are rejected when the network is built
//   spike_payload                           (optional) index of a state variable whose value at a spike scales each
//                                           weight the spike delivers (NEST's binary neurons: +1 / -1 transitions;
//                                           iaf_tum_2000: released fraction); update() sets it on spike steps
//   spike_payload_counts                    (optional) true when the payload is a number of spikes (parrot_neuron's
//                                           multiplicity): unreliable synapses then draw per spike
//   emits_rate                              (optional) true for NEST's rate models (models/nest_rate.hpp): update()
//                                           returns true in every step so that the payload (the rate sent) reaches
//                                           the targets; these are not spikes: the simulator neither counts nor
//                                           records them, and the NEST layer keeps rate and spiking nodes apart
//   cpu_only                                (optional) true when the model has no GPU kernel (its state does not
//                                           fit a GPU thread: gif_pop_psc_exp's history); update() may then be
//                                           host code, the GPU families skip it and the simulator takes the CPU
//   spike_schedule                          (optional) true for SpikeTime-like sources: the population's spike table
//                                           gives the spikes and update() is not called (engine/model_population.hpp)
//
// Differentiable models (every BrainPy-style neuron and the readouts; for the BPTT trainer; helpers and the
// concepts differentiable_model / differentiable_spiking_model in models/differentiable.hpp). All VOLLEY_HD
// VOLLEY_INLINE static, branch-free, no allocation:
//   n_diff_state                            state variables 0 .. n_diff_state-1 are smooth; the rest (the
//                                           refractory step counter of *Ref models, always last) are bookkeeping
//   free_update(c, s, in)                   the smooth part of update(), in place: the subthreshold step of every
//                                           variable (delta input included) without spike test, reset or
//                                           refractory hold; counters pass through unchanged. For a neuron that is
//                                           not refractory, update() == free_update, then the spike test on the
//                                           result, then the reset (bitwise; update() calls free_update).
//   free_update_jacobian(c, s, in, J, dI)   derivatives of free_update at (s, in), exact for the discrete scheme
//                                           (not the ODE), with the input held over the step:
//                                           J[q * n_state + r] = d s_new[q] / d s_old[r] (identity rows and columns
//                                           for counters); dI[q] = d s_new[q] / d in.current, per pA (readouts,
//                                           which take no current: per unit of their port input in.port[0])
// Models that spike also have:
//   spike_argument(c, s) -> real_t          dimensionless x with spike = H(x) = [x >= 0], from s = the state
//                                           free_update produced (before any reset), normalised as brainpy.state
//                                           does (each model's comment says how)
//   spike_argument_grad(c, s, g)            g[q] = d x / d s[q] (0 for counters)
//   spike_on_rising_edge                    false: spike = H(x(s_new)); true (models without reset: HH-type,
//                                           FitzHugh-Nagumo, Hindmarsh-Rose): spike = H(x(s_new)) (1 - H(x(s_old))),
//                                           brainpy.state's rising-edge product, s_old the state before the step
//   reset_targets                           std::array of the smooth state indices a spike's reset writes (the
//                                           trainer zeroes or passes through their derivative; how is its choice).
//                                           *Ref models also set the counter, never listed.
//   default_surrogate()                     the model's surrogate for dH/dx (models/surrogate.hpp): brainpy.state's
//                                           neuron default ReluGrad(alpha = 0.3, width = 1)
// Models whose spike resets state (reset_targets not empty) also have:
//   reset_state(c, s, f, r)                 r[q] for q in reset_targets = what a spike's reset writes, from s (the
//                                           state before the step) and f (free_update's result); update() takes
//                                           its reset from here. Other entries of r are not written; counters are
//                                           update()'s business.
//   reset_jacobian(c, s, f, Rf, Rs)         Rf[q * n_state + r] = d r[q] / d f[r], Rs[...] = d r[q] / d s[r], with
//                                           identity rows of Rf (zero rows of Rs) for the variables not reset
#include <cmath>

#include "engine/config.hpp"
#include "engine/random.hpp"
#include "engine/units.hpp"

namespace volley::models {

// Everything that reaches one neuron in one step.
struct neuron_input {
  real_t current;        // pA: constant drive + current sources + outputs of attached synapses, held over the step
  real_t delta_v;        // mV: instantaneous jumps of V delivered this step (delta projections)
  const real_t* port;    // per built-in port: summed weights arriving this step (model-specific unit)
  real_t uniform;        // uniform in (0, 1), fresh each neuron-step, for models with needs_uniform; 0 otherwise
  rng::random_stream* stream = nullptr;  // the neuron-step's stream, for models with needs_stream; nullptr otherwise
};

// True when Model declares `static constexpr bool needs_uniform = true`.
template <class Model>
inline constexpr bool needs_uniform_v = requires { requires Model::needs_uniform; };
// True when Model declares `static constexpr bool needs_stream = true`.
template <class Model>
inline constexpr bool needs_stream_v = requires { requires Model::needs_stream; };

struct port_desc {
  const char* name;
  units::dimension weight_dim;  // dimension of the weights a connection to this port carries
};

}  // namespace volley::models
