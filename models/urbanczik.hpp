#pragma once
// Dendritic prediction learning after Urbanczik & Senn (2014), as NEST 3.10 computes it: the neuron side (NEST's
// UrbanczikArchivingNode, with pp_cond_exp_mc_urbanczik's parameters) and the synapse side (urbanczik_synapse).
// Host-device math, no allocation; the per-neuron history lives in engine/urbanczik_archive.hpp.
//
// Neuron side, after every simulation step (time t = step + 1, in steps), from the state after the step: the
// dendritic potential V_W (mV) and the number n of spikes the soma emitted in the step (0 or 1 here):
//   V_W* = (E_L.s g_L.s + V_W g_sp) / (g_sp + g_L.s)              the dendritic prediction of the somatic potential
//   dPI  = (n - phi(V_W*) dt) h(V_W*)                             one history entry (t, dPI) per step
//   phi(u) = phi_max / (1 + rate_slope exp(beta (theta - u)))     1/ms, the somatic rate function
//   h(u)   = 15 beta / (1 + exp(-beta (theta - u)) / rate_slope)  1/mV (NEST's 15 is hard-wired)
// written only for neurons that an urbanczik_synapse targets (NEST: n_incoming_ > 0).
//
// Synapse side (urbanczik_synapse), at a presynaptic spike at t_spike (ms) through a synapse of delay d (ms), its
// previous spike at t_last (ms; NEST starts from -1 ms, which makes no difference: every trace is 0 then), with
// tau_L = C_m.d / g_L.d and tau_s = tau_syn_ex.d (tau_syn_in.d when the present weight is not > 0):
//   for every entry (t_j, dPI_j) with t_last - d < t_j <= t_spike - d, oldest first, t_up = t_j + d:
//     PI_j = (trace_L exp((t_last - t_up) / tau_L) - trace_s exp((t_last - t_up) / tau_s)) dPI_j
//     PI_integral += PI_j;  dPI_exp += exp((t_up - t_spike) / tau_Delta) PI_j
//   PI_exp_integral = exp((t_last - t_spike) / tau_Delta) PI_exp_integral + dPI_exp
//   w = init_weight + (PI_integral - PI_exp_integral) 15 C_m.d tau_s eta / (g_L.d (tau_L - tau_s)), clipped to
//       [Wmin, Wmax]                                               (init_weight: the weight set at Connect)
//   the spike is delivered with w; then trace_x <- trace_x exp((t_last - t_spike) / tau_x) + 1 (x = L, s),
//   t_last <- t_spike.
// The traces are per synapse (tau_s follows the sign of the synapse's weight), as in NEST.
#include <cmath>

#include "engine/config.hpp"

namespace volley::models {

// The rule lowered for one neuron (or one homogeneous population): plain doubles, mV, ms, nS, pF.
struct urbanczik_rule {
  double phi_max, rate_slope, beta, theta;  // 1/ms, 1, 1/mV, mV
  double g_D, g_L_soma, E_L_soma;           // nS (g_sp), nS, mV: the prediction V_W*
  double C_m_dend, g_L_dend;                // pF, nS: tau_L = C_m / g_L of the dendrite
  double tau_syn_ex_dend, tau_syn_in_dend;  // ms
  double dt;                                // ms
};

VOLLEY_HD inline double urbanczik_phi(const urbanczik_rule& r, double u) {
  return r.phi_max / (1.0 + r.rate_slope * std::exp(r.beta * (r.theta - u)));
}

VOLLEY_HD inline double urbanczik_h(const urbanczik_rule& r, double u) {
  return 15.0 * r.beta / (1.0 + (1.0 / r.rate_slope) * std::exp(-r.beta * (r.theta - u)));
}

// The history entry of one step: dendritic potential V_W (mV) after the step, n spikes in it.
VOLLEY_HD inline double urbanczik_prediction_error(const urbanczik_rule& r, double V_W, double n) {
  const double V_star = (r.E_L_soma * r.g_L_soma + V_W * r.g_D) / (r.g_D + r.g_L_soma);
  return (n - urbanczik_phi(r, V_star) * r.dt) * urbanczik_h(r, V_star);
}

// urbanczik_synapse's parameters (ms, the weight's unit), lowered.
struct urbanczik_synapse_constants {
  double tau_Delta = 100.0;  // ms
  double eta = 0.07;
  double Wmin = 0.0, Wmax = 100.0;
};

// One synapse's state (NEST's members of the same names).
struct urbanczik_synapse_state {
  double init_weight = 1.0;  // the weight at Connect
  double PI_integral = 0.0;
  double PI_exp_integral = 0.0;
  double tau_L_trace = 0.0;
  double tau_s_trace = 0.0;
};

// A presynaptic spike's pass over the window: the caller feeds every entry of (t_last - d, t_spike - d] in order
// to add(); weight() then gives the new weight and after_spike() advances the traces.
struct urbanczik_update {
  const urbanczik_rule& r;
  const urbanczik_synapse_constants& c;
  urbanczik_synapse_state& s;
  double t_last, t_spike;  // ms
  double tau_L, tau_s;     // ms
  double dPI_exp = 0.0;

  VOLLEY_HD urbanczik_update(const urbanczik_rule& rule, const urbanczik_synapse_constants& cc,
                             urbanczik_synapse_state& st, double w, double t_last_ms, double t_spike_ms)
      : r(rule),
        c(cc),
        s(st),
        t_last(t_last_ms),
        t_spike(t_spike_ms),
        tau_L(rule.C_m_dend / rule.g_L_dend),
        tau_s(w > 0.0 ? rule.tau_syn_ex_dend : rule.tau_syn_in_dend) {}

  // One history entry (t_j ms, dPI_j); d: the synapse's delay, ms.
  VOLLEY_HD void add(double t_j, double dPI, double d) {
    const double t_up = t_j + d;
    const double minus_delta_t_up = t_last - t_up;
    const double PI =
        (s.tau_L_trace * std::exp(minus_delta_t_up / tau_L) - s.tau_s_trace * std::exp(minus_delta_t_up / tau_s)) * dPI;
    s.PI_integral += PI;
    dPI_exp += std::exp((t_up - t_spike) / c.tau_Delta) * PI;
  }

  VOLLEY_HD double weight() {
    s.PI_exp_integral = std::exp((t_last - t_spike) / c.tau_Delta) * s.PI_exp_integral + dPI_exp;
    const double change = s.PI_integral - s.PI_exp_integral;
    double w = s.init_weight + change * 15.0 * r.C_m_dend * tau_s * c.eta / (r.g_L_dend * (tau_L - tau_s));
    w = w > c.Wmax ? c.Wmax : (w < c.Wmin ? c.Wmin : w);
    return w;
  }

  VOLLEY_HD void after_spike() {
    s.tau_L_trace = s.tau_L_trace * std::exp((t_last - t_spike) / tau_L) + 1.0;
    s.tau_s_trace = s.tau_s_trace * std::exp((t_last - t_spike) / tau_s) + 1.0;
  }
};

}  // namespace volley::models
