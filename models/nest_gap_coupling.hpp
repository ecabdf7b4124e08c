#pragma once
// NEST's gap-junction current inside one simulation step, as its gap models (hh_psc_alpha_gap,
// hh_cond_beta_gap_traub) put it into the membrane equation (Hahne et al. 2015):
//
//   I_gap(t) = -G V(t) + c0 + c1 u + c2 u^2 + c3 u^3,   u = t / dt in [0, 1] within the step      (pA)
//
// with G = sum_j g_ij (nS, the summed conductances of the junctions that delivered this step's coefficients) and
// c_k = sum_j g_ij a_jk, a_jk the coefficients of partner j's membrane potential over this step: with waveform
// relaxation the polynomial of interpolation order 0 (a0 = V_j at the start of the step), 1 (a linear ramp to the
// end) or 3 (cubic Hermite through V_j and dt dV_j/dt at both ends), from the partner's previous iteration; without,
// the partner's V at the end of the previous step, constant. So I_gap = sum_j g_ij (V_j_interp(t) - V(t)).
// engine/nest_gap_wfr.hpp computes G and c_k and writes them into the neuron's state (fields gap_g_sum, gap_c0 ..
// gap_c3) before each step; zeros (the initial state) give no current. Unused higher coefficients are 0, which
// adds exact zeros: the sum is NEST's for every order, to the rounding.
#include "engine/config.hpp"
#include "engine/param.hpp"

namespace volley::models {

struct nest_gap_input {
  double g_sum;           // nS: sum_j g_ij
  double c0, c1, c2, c3;  // pA: sum_j g_ij a_jk
};

// u = t / dt: the position within the step (NEST: time / B_.step_). Same operations in the same order as NEST.
VOLLEY_HD VOLLEY_INLINE double nest_gap_current(const nest_gap_input& g, double V, double u) {
  return -g.g_sum * V + g.c0 + g.c1 * u + g.c2 * u * u + g.c3 * u * u * u;
}

// The coupling of one step from the model's five state fields gap_g_sum (nS), gap_c0 .. gap_c3 (pA), the first at
// index `first`.
VOLLEY_HD VOLLEY_INLINE nest_gap_input nest_gap_from_state(const real_t* s, int first) {
  return {double(s[first]), double(s[first + 1]), double(s[first + 2]), double(s[first + 3]), double(s[first + 4])};
}

}  // namespace volley::models
