#pragma once
// BrainPy-style synapses (per target neuron, "align-post") and their outputs, as one host-device body each.
// A receptor = one synapse kind + one output kind + constants. The fused neuron kernel, for every receptor of the
// population, first asks for its current at the neuron's present V (output), then advances the synapse state
// and adds this step's arriving weights (so input arriving in step n acts on V from step n+1 on, as in NEST and
// Brian2).
//
// Synapses:  Expon   dg/dt = -g/tau;  a spike of weight w: g += w        (brainpy.state default tau 8 ms)
// Outputs:   CUBA    I = scale * g              (weights are currents, pA)
//            COBA    I = g * (E - V)            (weights are conductances, nS; I in pA)
#include <cstddef>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"

namespace volley::models {

enum class synapse_kind : int { expon = 0 };
enum class output_kind : int { cuba = 0, coba = 1 };

inline constexpr int max_receptor_vars = 2;  // state variables per receptor (Expon uses 1)

struct receptor_constants {
  synapse_kind synapse = synapse_kind::expon;
  output_kind output = output_kind::cuba;
  real_t decay = 0;   // exp(-dt/tau)
  real_t E = 0;       // mV, COBA reversal potential
  real_t scale = 1;   // CUBA scale (dimensionless)
};

struct expon_params {
  units::time_q tau{8.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) { f("tau", p.tau, range_check::positive); }
};
struct cuba_params {
  units::dimensionless_q scale{1.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) { f("scale", p.scale, range_check::any); }
};
struct coba_params {
  units::voltage_q E{0.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) { f("E", p.E, range_check::any); }
};

// Current (pA) delivered by the receptor at membrane potential v (mV). g: the receptor's state columns, k: cell.
VOLLEY_HD VOLLEY_INLINE real_t receptor_current(const receptor_constants& c, real_t* const* g, std::size_t k,
                                                real_t v) {
  switch (c.output) {
    case output_kind::coba: return g[0][k] * (c.E - v);
    case output_kind::cuba:
    default: return c.scale * g[0][k];
  }
}

// Advances the synapse state of cell k by one step and adds the weights arriving in this step.
VOLLEY_HD VOLLEY_INLINE void receptor_advance(const receptor_constants& c, real_t* const* g, std::size_t k,
                                              real_t arriving) {
  switch (c.synapse) {
    case synapse_kind::expon:
    default: g[0][k] = g[0][k] * c.decay + arriving;
  }
}

inline int receptor_state_count(synapse_kind) { return 1; }

// Dimension of the weights a projection onto this receptor carries.
inline units::dimension receptor_weight_dim(output_kind o) {
  return o == output_kind::coba ? units::dims::conductance : units::dims::current;
}

}  // namespace volley::models
