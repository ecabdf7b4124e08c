#pragma once
// A receptor = one BrainPy-style synapse (models/synapses.hpp: Expon, DualExpon, Alpha, AMPA, GABAa, BioNMDA) +
// one output (models/outputs.hpp: CUBA, COBA, MgBlock), any with any, kept per target neuron (align-post) and
// shared by every projection naming it. The fused neuron kernel (kernels/neuron_update.hpp), for every receptor of
// the population, first asks for its current at the neuron's present V (output of the old g), then advances the
// synapse state and adds this step's arriving weights (so input arriving in step n acts on V from step n+1 on, as
// in NEST and Brian2).
#include <cstddef>
#include <variant>

#include "engine/config.hpp"
#include "engine/units.hpp"
#include "models/outputs.hpp"
#include "models/synapses.hpp"

namespace volley::models {

inline constexpr int max_receptor_vars = 8;  // state variables per receptor (BioNMDA uses all; Expon 1)

// The parameters of a synapse kind / an output kind (C++ API; spec files name the kind and give the values).
using synapse_params =
    std::variant<expon_params, dual_expon_params, alpha_params, ampa_params, gabaa_params, bionmda_params,
                 instant_params>;
using output_params = std::variant<cuba_params, coba_params, mgblock_params>;

struct receptor_constants {
  synapse_constants syn;
  output_constants out;
};

// Current (pA) delivered by the receptor at membrane potential v (mV). g: the receptor's state columns, k: cell.
VOLLEY_HD VOLLEY_INLINE real_t receptor_current(const receptor_constants& c, real_t* const* g, std::size_t k,
                                                real_t v) {
  return output_current(c.out, g[0][k], v);
}

// Advances the synapse state of cell k by one step and adds the weights arriving in this step.
VOLLEY_HD VOLLEY_INLINE void receptor_advance(const receptor_constants& c, real_t* const* g, std::size_t k,
                                              real_t arriving) {
  synapse_advance(c.syn, g, k, arriving);
}

inline int receptor_state_count(synapse_kind s) { return synapse_state_count(s); }

// Dimension of the weights a projection onto this receptor carries.
inline units::dimension receptor_weight_dim(output_kind o) { return output_weight_dim(o); }

}  // namespace volley::models
