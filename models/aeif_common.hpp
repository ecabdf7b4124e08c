#pragma once
// What NEST's aeif_* models (aeif_cond_alpha, aeif_cond_exp, aeif_psc_exp, aeif_psc_alpha, aeif_psc_delta) share:
// the AdEx membrane of Brette & Gerstner (2005) and the way NEST 3 drives GSL's RKF45 over it. The synapses, and the
// exact arithmetic of each right-hand side (NEST writes it slightly differently per model, and the step-size
// decisions follow the rounding), stay with the models.
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) + I_syn - w + I_e + I     (mV, pF, nS, pA)
//   tau_w dw/dt = a (V - E_L) - w                                                                (pA, nS, ms)
//
// Inside the right-hand side V is bounded above by V_peak (the exponential stays finite while a spike builds up),
// and while refractory V is read as V_reset and dV/dt = 0 (w keeps evolving). Delta_T = 0 drops the exponential term
// and makes V_th the spike threshold (V_peak still bounds the right-hand side).
//
// One simulation step: NEST's loop `while (t < dt) gsl_odeiv_evolve_apply(...)` (models/rkf45.hpp) with the error
// control yp_new(gsl_error_tol, gsl_error_tol), the step size carried across steps (state h_ode); after every accepted
// RKF45 step: a refractory neuron gets V = V_reset, otherwise V >= threshold is a spike: V = V_reset, w += b, and the
// refractory counter becomes round(t_ref/dt) + 1 (the + 1 is spent by the count-down after the loop; t_ref = 0 sets
// nothing, so the neuron may spike again within the step). update() reports one spike per step; every reset and jump
// of w happens. After the loop the counter goes down by one.
// Not reproduced: NEST throws NumericalInstability when V < -1000 mV or |w| > 1e6 pA after an RKF45 step (device
// code cannot throw).
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/config.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models::aeif {

// The membrane part of an aeif model's constants (the models' constants derive from it).
struct membrane_constants {
  double V_peak, V_reset, E_L, Delta_T, V_th;  // mV
  double spike_threshold;                      // mV: V_peak, or V_th when Delta_T == 0
  double g_L, a;                               // nS
  double C_m;                                  // pF
  double b, I_e;                               // pA
  double tau_w;                                // ms
  double tol;                                  // gsl_error_tol
  double ref_steps;                            // round(t_ref / dt)
  double dt, h_start;                          // ms: interval of one update(), first trial step of the solver
};

// From a params struct with NEST's AdEx members (V_peak, V_reset, t_ref, g_L, C_m, E_L, Delta_T, tau_w, a, b, V_th,
// I_e, gsl_error_tol). h_start: NEST's initial IntegrationStep_ (min(0.01 ms, dt) in most aeif models, dt in
// aeif_psc_delta).
template <class P>
membrane_constants derive_membrane(const P& p, double dt, double h_start) {
  membrane_constants c;
  c.V_peak = p.V_peak.value;
  c.V_reset = p.V_reset.value;
  c.E_L = p.E_L.value;
  c.Delta_T = p.Delta_T.value;
  c.V_th = p.V_th.value;
  c.spike_threshold = p.Delta_T.value > 0 ? p.V_peak.value : p.V_th.value;
  c.g_L = p.g_L.value;
  c.a = p.a.value;
  c.C_m = p.C_m.value;
  c.b = p.b.value;
  c.I_e = p.I_e.value;
  c.tau_w = p.tau_w.value;
  c.tol = p.gsl_error_tol.value;
  c.ref_steps = std::round(p.t_ref.value / dt);
  c.dt = dt;
  c.h_start = h_start;
  return c;
}

// NEST's cross-parameter checks of every aeif model (the single-parameter ones are each_param's range checks).
inline const char* validate_membrane(double V_peak, double V_reset, double V_th, double Delta_T) {
  if (V_reset >= V_peak) return "V_reset must be below V_peak";
  if (V_peak < V_th) return "V_peak must be at least V_th";
  // NEST's bound: exp((V_peak - V_th) / Delta_T) with a margin of 1e20 below the largest double, since the
  // right-hand side evaluates the exponential at V_peak while a spike builds up
  const double max_exp_arg = std::log(std::numeric_limits<double>::max() / 1e20);
  if (Delta_T > 0 && (V_peak - V_th) / Delta_T >= max_exp_arg)
    return "(V_peak - V_th) / Delta_T must be below ln(DBL_MAX / 1e20) = 663 (the exponential overflows at V_peak)";
  return nullptr;
}

// The V the right-hand side sees: V_reset while refractory (r > 0), else V bounded above by V_peak.
VOLLEY_HD VOLLEY_INLINE double bounded_v(const membrane_constants& c, double r, double V) {
  return r > 0 ? c.V_reset : (c.V_peak < V ? c.V_peak : V);
}

// g_L Delta_T exp((v - V_th) / Delta_T) (pA), 0 when Delta_T == 0
VOLLEY_HD VOLLEY_INLINE double spike_current(const membrane_constants& c, double v) {
  return c.Delta_T == 0.0 ? 0.0 : c.g_L * c.Delta_T * std::exp((v - c.V_th) / c.Delta_T);
}

// dw/dt (pA/ms)
VOLLEY_HD VOLLEY_INLINE double dw_dt(const membrane_constants& c, double v, double w) {
  return (c.a * (v - c.E_L) - w) / c.tau_w;
}

// The per-step mutable part of an aeif model's RKF45 system: the current held over the step, NEST's refractory
// counter S_.r_ (it switches the clamp on inside the step) and whether the step spiked.
struct step_state {
  double I_stim;  // pA
  double r;
  bool spiked = false;

  // NEST's handling after every accepted RKF45 step (see the top of this file).
  VOLLEY_HD VOLLEY_INLINE void after_step(const membrane_constants& c, double& V, double& w) {
    const bool spike = !(r > 0) && V >= c.spike_threshold;
    V = (r > 0 || spike) ? c.V_reset : V;
    w = spike ? w + c.b : w;
    r = spike ? (c.ref_steps > 0 ? c.ref_steps + 1 : 0.0) : r;  // + 1: the count-down after the loop
    spiked = spiked || spike;
  }
};

// One simulation step of an aeif model on its ODE state y (NEST's order): the RKF45 loop over dt with the spike
// handling after every accepted step (System::after_step), then the refractory count-down. h_ode: the solver's
// step size carried across steps (0 before the first step: c.h_start).
template <int N, class System>
VOLLEY_HD VOLLEY_INLINE void integrate_step(System& sys, const membrane_constants& c, double* y, double& h_ode) {
  double h = h_ode > 0 ? h_ode : c.h_start;
  rkf45::integrate<N>(sys, rkf45::yp_control(c.tol, c.tol), c.dt, y, h);
  sys.st.r = sys.st.r > 0 ? sys.st.r - 1 : sys.st.r;
  h_ode = h;
}

// update() of the aeif models with an excitatory and an inhibitory synapse (ports "ex" and "in", routed by sign)
// and the state layout s = [the ODE state in NEST's order, V first (Sys::n values), refractory count, h_ode].
// After the step (NEST's order): the weights arriving this step, port 0 as w * c.jump_ex onto y[Sys::ex_target],
// port 1 (NEST's negative weights, summed) as -w * c.jump_in onto y[Sys::in_target], then delta inputs (mV, a volley
// extension) onto V; the next step's spike test sees them.
template <class Sys, class Constants>
VOLLEY_HD VOLLEY_INLINE bool update_two_ports(const Constants& c, real_t* s, const neuron_input& in) {
  constexpr int n = Sys::n;
  Sys body{c, {static_cast<double>(in.current), static_cast<double>(s[n])}};
  double y[n];
  for (int i = 0; i < n; ++i) y[i] = s[i];
  double h = s[n + 1];
  integrate_step<n>(body, c, y, h);
  y[Sys::ex_target] += in.port[0] * c.jump_ex;
  y[Sys::in_target] += -in.port[1] * c.jump_in;
  y[0] += in.delta_v;
  for (int i = 0; i < n; ++i) s[i] = static_cast<real_t>(y[i]);
  s[n] = static_cast<real_t>(body.st.r);
  s[n + 1] = static_cast<real_t>(h);
  return body.st.spiked;
}

}  // namespace volley::models::aeif
