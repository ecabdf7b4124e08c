#pragma once
// Exponential Euler, as brainstate.nn.exp_euler_step: for dx/dt = f(x) with diagonal derivative J = df/dx,
//   x <- x + dt * phi(dt * J) * f(x),   phi(z) = (e^z - 1) / z,  phi(0) = 1.
// Exact for linear f; first order in general (second order for one variable whose J is exact). The input current
// is held constant over the step, so J leaves out the V dependence of conductance-based input (brainstate
// differentiates through it: with COBA input its J also has -R g / tau).
#include <cmath>

#include "engine/config.hpp"
#include "models/portable_exp.hpp"

namespace volley::models {

// phi(z) = (e^z - 1) / z. Below |z| = 1e-4 a series replaces expm1(z)/z (its truncation error z^4/120 < 1e-18);
// branch-free: the discarded arm never divides 0 by 0. portable_expm1: the same bits on every backend, and the
// CPU loops vectorise through it.
VOLLEY_HD VOLLEY_INLINE real_t exprel(real_t z) {
  const bool small = std::fabs(z) < real_t(1e-4);
  const real_t zs = small ? real_t(1) : z;
  const real_t series = real_t(1) + z * (real_t(0.5) + z * (real_t(1) / 6 + z * (real_t(1) / 24)));
  return small ? series : portable_expm1(zs) / zs;
}

// The step factor dt * phi(dt * J) (ms), J in 1/ms: x <- x + exp_euler_step_size(J, dt) * f(x).
VOLLEY_HD VOLLEY_INLINE real_t exp_euler_step_size(real_t J, real_t dt) { return dt * exprel(J * dt); }

}  // namespace volley::models
