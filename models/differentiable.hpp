#pragma once
// Helpers for the differentiable part of the BrainPy-style neurons (the contract is in models/model_kit.hpp):
// derivatives of the building blocks the models' update steps share (exponential-Euler step size, gating rates),
// the spike-argument scale of models whose brainpy.state spike function divides by V_th, and concepts the BPTT
// trainer and tests/test_model_derivatives.cpp use to find the models that have the functions.
// Everything here is host-device code, branch-free where the models' loops are.
#include <cmath>
#include <concepts>
#include <cstddef>

#include "engine/config.hpp"
#include "models/exp_euler.hpp"
#include "models/model_kit.hpp"
#include "models/surrogate.hpp"

namespace volley::models {

namespace diff {

// d exprel(z) / dz for exprel as models/exp_euler.hpp computes it: the derivative of its series below
// |z| = 1e-4, (e^z - exprel(z)) / z above (cancellation costs about eps / |z| relative, < 1e-11 there).
VOLLEY_HD VOLLEY_INLINE real_t exprel_grad(real_t z) {
  const bool small = std::fabs(z) < real_t(1e-4);
  const real_t zs = small ? real_t(1) : z;
  const real_t series = real_t(0.5) + z * (real_t(1) / 3 + z * real_t(0.125));
  return small ? series : (std::exp(zs) - std::expm1(zs) / zs) / zs;
}

// d/dJ of exp_euler_step_size(J, dt) = dt exprel(J dt): dt^2 exprel'(J dt) (ms^2).
VOLLEY_HD VOLLEY_INLINE real_t step_size_grad(real_t J, real_t dt) { return dt * dt * exprel_grad(J * dt); }

// Scale of the spike argument x = (V - V_th) / scale for models whose brainpy.state spike function is
// heaviside((V - V_th) / V_th) (IF, Izhikevich, HH family, FitzHugh-Nagumo, Hindmarsh-Rose, Morris-Lecar,
// LeakySpikeReadout): |V_th|, which is brainpy.state's V_th for its (positive) defaults; for V_th < 0 brainpy.state's
// x would change sign and no longer mean V >= V_th, so the modulus keeps H(x) the spike; V_th = 0 gives scale 1
// (in V_th's unit).
VOLLEY_HD VOLLEY_INLINE real_t threshold_scale(real_t V_th) {
  const real_t a = std::fabs(V_th);
  return a > real_t(0) ? a : real_t(1);
}

// J (n x n, row-major) = identity, dI = 0: the starting point of every free_update_jacobian (refractory counters
// keep their identity row; every other row is overwritten or filled in by the model).
VOLLEY_HD VOLLEY_INLINE void identity_jacobian(int n, real_t* J, real_t* dI) {
  for (int q = 0; q < n; ++q) {
    for (int r = 0; r < n; ++r) J[q * n + r] = q == r ? real_t(1) : real_t(0);
    dI[q] = 0;
  }
}

// Rf = identity, Rs = 0 (n x n): the starting point of every reset_jacobian (variables the reset does not write
// pass f through).
VOLLEY_HD VOLLEY_INLINE void reset_jacobian_identity(int n, real_t* Rf, real_t* Rs) {
  for (int q = 0; q < n * n; ++q) {
    Rf[q] = (q % (n + 1)) == 0 ? real_t(1) : real_t(0);
    Rs[q] = 0;
  }
}

// Gating building blocks of models/hh.hpp (also used by models/morris_lecar.hpp): d/dV of gating::linoid,
// exp_rate and sigmoid_rate (1/(ms mV)).
VOLLEY_HD VOLLEY_INLINE real_t linoid_grad(real_t v, real_t A, real_t V_half, real_t slope) {
  const real_t z = -(v + V_half) / slope;
  const real_t e = exprel(z);
  return A * exprel_grad(z) / (slope * e * e);
}
VOLLEY_HD VOLLEY_INLINE real_t exp_rate_grad(real_t v, real_t a, real_t V_half, real_t slope) {
  return -a * std::exp(-(v + V_half) / slope) / slope;
}
VOLLEY_HD VOLLEY_INLINE real_t sigmoid_rate_grad(real_t v, real_t a, real_t V_half, real_t slope) {
  const real_t e = std::exp(-(v + V_half) / slope);
  return a * e / (slope * (real_t(1) + e) * (real_t(1) + e));
}
// Derivatives of relax_step(x, x_inf, rate, dt) with respect to x (returned) and, through x_inf(V) and rate(V)
// with slopes d_x_inf, d_rate, to V (d_v, 1/mV).
VOLLEY_HD VOLLEY_INLINE real_t relax_step_grad(real_t x, real_t x_inf, real_t rate, real_t d_x_inf, real_t d_rate,
                                               real_t dt, real_t& d_v) {
  const real_t gain = -std::expm1(-rate * dt);
  d_v = d_x_inf * gain + (x_inf - x) * dt * std::exp(-rate * dt) * d_rate;
  return real_t(1) - gain;
}
// The same for gate_step(x, alpha, beta, dt) with rate slopes d_alpha, d_beta (1/(ms mV)).
VOLLEY_HD VOLLEY_INLINE real_t gate_step_grad(real_t x, real_t alpha, real_t beta, real_t d_alpha, real_t d_beta,
                                              real_t dt, real_t& d_v) {
  const real_t s = alpha + beta;
  const real_t d_x_inf = (d_alpha * beta - alpha * d_beta) / (s * s);
  return relax_step_grad(x, alpha / s, s, d_x_inf, d_alpha + d_beta, dt, d_v);
}
// Partial derivatives of membrane_step(v, f, g_total, dt) with respect to f (ms) and g_total (ms mV); with
// respect to v it is 1 (f and g_total carry the rest).
VOLLEY_HD VOLLEY_INLINE void membrane_step_grad(real_t f, real_t g_total, real_t dt, real_t& d_f, real_t& d_g) {
  d_f = dt * exprel(-dt * g_total);
  d_g = -dt * dt * exprel_grad(-dt * g_total) * f;
}

}  // namespace diff

// A model with the smooth step and its Jacobian (every BrainPy-style neuron and both readouts).
template <class M>
concept differentiable_model = requires(const typename M::constants& c, real_t* s, const neuron_input& in) {
  { M::n_diff_state } -> std::convertible_to<int>;
  M::free_update(c, s, in);
  M::free_update_jacobian(c, static_cast<const real_t*>(s), in, s, s);
};

// ... that also spikes: spike argument, its gradient, reset targets and default surrogate.
template <class M>
concept differentiable_spiking_model = differentiable_model<M> &&
    requires(const typename M::constants& c, const real_t* s, real_t* g) {
  { M::spike_argument(c, s) } -> std::convertible_to<real_t>;
  M::spike_argument_grad(c, s, g);
  { M::spike_on_rising_edge } -> std::convertible_to<bool>;
  { M::reset_targets.size() } -> std::convertible_to<std::size_t>;
  { M::default_surrogate() } -> std::same_as<surrogate>;
};

// ... whose spike resets state (reset_targets not empty): reset_state and reset_jacobian.
template <class M>
concept resetting_model = differentiable_spiking_model<M> && (M::reset_targets.size() > 0) &&
    requires(const typename M::constants& c, const real_t* s, real_t* r) {
  M::reset_state(c, s, s, r);
  M::reset_jacobian(c, s, s, r, r);
};

// The reset for every spiking model: r = reset_state(s, f) for resetting models, r = f otherwise (HH-type models,
// which spike on the rising edge and keep their state), with Rf = d r / d f and Rs = d r / d s (n_state^2 each).
template <class M>
VOLLEY_HD VOLLEY_INLINE void reset_of(const typename M::constants& c, const real_t* s, const real_t* f, real_t* r) {
  for (int q = 0; q < M::n_state; ++q) r[q] = f[q];
  if constexpr (resetting_model<M>) M::reset_state(c, s, f, r);
}
template <class M>
VOLLEY_HD VOLLEY_INLINE void reset_jacobian_of(const typename M::constants& c, const real_t* s, const real_t* f,
                                               real_t* Rf, real_t* Rs) {
  if constexpr (resetting_model<M>) {
    M::reset_jacobian(c, s, f, Rf, Rs);
  } else {
    diff::reset_jacobian_identity(M::n_state, Rf, Rs);
  }
}

}  // namespace volley::models
