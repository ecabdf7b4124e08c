#pragma once
// The currents of NEST's cm_default compartments (NEST 3.10 models/cm_compartmentcurrents.cpp): the Na and K
// channels of Branco et al. (2010) (ModelDB 140828, na.mod / kv.mod, q10 factor 1 / 3.21) and the AMPA, GABA,
// NMDA and AMPA+NMDA receptors (double-exponential conductances normalised to a peak of 1 per unit weight).
//
// Each current is linearised around the compartment voltage v of the start of the step and returns (g, i) for the
// Crank-Nicolson row of its compartment: the row gets gg += g, ff += i. For a current I(v) with dI/dv:
//     g = -dI/dv / 2,   i = I(v) + g v          (channels: g = G / 2, i = G (E - v / 2), G the open conductance)
// Gates and receptor conductances advance over the step first (exponential Euler with the rates at v, spike
// weights added in the step they arrive), exactly in NEST's order of operations.
//
// Units: NEST's (mV, ms, uS, nF, nA): models/cm_default.hpp converts volley's pF, nS, pA once, so that the
// arithmetic is NEST's to the last bit. NEST skips a channel with gbar <= 1e-9 uS.
#include <cmath>

#include "engine/config.hpp"

namespace volley::models::cm {

inline constexpr double q10 = 1.0 / 3.21;
inline constexpr double gbar_min = 1e-9;  // uS

// Na activation m: (m_inf, tau_m) at v
VOLLEY_HD VOLLEY_INLINE void na_m(double v, double& inf, double& tau) {
  const double x = v + 35.013;
  double alpha, inv_sum;
  if (std::abs(x) > 1e-5) {
    const double e = std::exp(0.111111111111111 * x);
    const double r = 1. / (e - 1.);
    alpha = 0.182 * x * e * r;
    const double beta = 0.124 * x * r;
    inv_sum = 1. / (alpha + beta);
  } else {
    alpha = 1.638;
    inv_sum = 1. / (alpha + 1.116);
  }
  tau = q10 * inv_sum;
  inf = alpha * inv_sum;
}

// Na inactivation h: (h_inf, tau_h) at v
VOLLEY_HD VOLLEY_INLINE void na_h(double v, double& inf, double& tau) {
  const double x50 = v + 50.013, x75 = v + 75.013;
  const double alpha = std::abs(x50) > 1e-5 ? 0.024 * x50 / (1.0 - std::exp(-0.2 * x50)) : 0.12;
  const double beta = std::abs(x75) > 1e-9 ? -0.0091 * x75 / (1.0 - std::exp(0.2 * x75)) : 0.0455;
  tau = q10 / (alpha + beta);
  inf = 1. / (1. + std::exp((v + 65.) / 6.2));
}

// K activation n: (n_inf, tau_n) at v
VOLLEY_HD VOLLEY_INLINE void k_n(double v, double& inf, double& tau) {
  const double x = v - 25.;
  double alpha, inv_sum;
  if (std::abs(x) > 1e-5) {
    const double e = std::exp(0.111111111111111 * x);
    const double r = 1. / (e - 1.);
    alpha = 0.02 * x * e * r;
    const double beta = 0.002 * x * r;
    inv_sum = 1. / (alpha + beta);
  } else {
    alpha = 0.18;
    inv_sum = 1. / (alpha + 0.018);
  }
  tau = q10 * inv_sum;
  inf = alpha * inv_sum;
}

// One gate over dt towards inf with time constant tau (NEST: x *= p; x += (1 - p) inf)
VOLLEY_HD VOLLEY_INLINE double relax(double x, double inf, double tau, double dt) {
  const double p = std::exp(-dt / tau);
  x *= p;
  x += (1. - p) * inf;
  return x;
}

// Na channel: advances m, h; adds (g, i). gbar in uS, e in mV.
VOLLEY_HD VOLLEY_INLINE void na_step(double v, double gbar, double e, double dt, double& m, double& h, double& g_val,
                                     double& i_val) {
  double g = 0., i = 0.;
  if (gbar > gbar_min) {
    double m_inf, tau_m, h_inf, tau_h;
    na_m(v, m_inf, tau_m);
    na_h(v, h_inf, tau_h);
    m = relax(m, m_inf, tau_m, dt);
    h = relax(h, h_inf, tau_h, dt);
    const double G = gbar * std::pow(m, 3) * h;
    g += G / 2.;
    i += G * (e - v / 2.);
  }
  g_val += g;
  i_val += i;
}

// K channel: advances n; adds (g, i).
VOLLEY_HD VOLLEY_INLINE void k_step(double v, double gbar, double e, double dt, double& n, double& g_val,
                                    double& i_val) {
  double g = 0., i = 0.;
  if (gbar > gbar_min) {
    double n_inf, tau_n;
    k_n(v, n_inf, tau_n);
    n = relax(n, n_inf, tau_n, dt);
    const double G = gbar * n;
    g += G / 2.;
    i += G * (e - v / 2.);
  }
  g_val += g;
  i_val += i;
}

// Receptor kinds, in the order NEST sums them within a compartment
enum receptor_kind : int { AMPA = 1, GABA = 2, NMDA = 3, AMPA_NMDA = 4 };

// NEST's Mg block of NMDA and its derivative: s(v) = 1 / (1 + 0.3 exp(-0.1 v))
VOLLEY_HD VOLLEY_INLINE void nmda_block(double v, double& s, double& ds) {
  const double e = std::exp(-.1 * v);
  const double d = 1. + 0.3 * e;
  s = 1. / d;
  ds = 0.03 * e / std::pow(d, 2);
}

// Peak normaliser of exp(-t/tau_d) - exp(-t/tau_r) (NEST's g_norm)
inline double double_exp_norm(double tau_r, double tau_d) {
  const double tp = (tau_r * tau_d) / (tau_d - tau_r) * std::log(tau_d / tau_r);
  return 1. / (-std::exp(-tp / tau_r) + std::exp(-tp / tau_d));
}

// Linearisation of a receptor current I (nA) with derivative dI (uS) into (g, i), added
VOLLEY_HD VOLLEY_INLINE void add_linearised(double I, double dI, double v, double& g_val, double& i_val) {
  const double g = -dI / 2.;
  g_val += g;
  i_val += I + g * v;
}

}  // namespace volley::models::cm
