#pragma once
// NEST's iaf_cond_alpha: leaky integrate-and-fire with alpha-shaped synaptic conductances, integrated as NEST
// integrates it (GSL's adaptive RKF45, models/rkf45.hpp).
//
//   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I
//   d(dg_x)/dt = -dg_x / tau_syn_x,   dg_x/dt = dg_x - g_x / tau_syn_x             (dg in nS/ms, g in nS)
//   a spike of weight w (nS) makes dg_ex jump by w e / tau_syn_ex (w > 0, port "ex") or dg_in by -w e / tau_syn_in
//   (w < 0, port "in", NEST's negative weights): one spike gives g(t) = |w| (t / tau_syn) exp(1 - t / tau_syn),
//   peaking at |w| nS at t = tau_syn.
//
// This is iaf_cond_beta (models/iaf_cond_beta.hpp) with tau_rise = tau_decay = tau_syn: NEST's two right-hand sides
// and its jumps (e / tau_syn here, the beta normalisation's alpha fallback e / tau_decay there) are then the same
// operations, so the model runs on iaf_cond_beta's core, bit for bit NEST's iaf_cond_alpha. Its parameters are
// iaf_cond_exp's (same names, defaults and units in NEST).
//
// One step (NEST 3 update()): RKF45 over dt with the error control y_new(eps_abs = 1e-3, eps_rel = 0) (hard-wired in
// NEST), the last step size carried to the next step (state h_ode, NEST's IntegrationStep_); the right-hand side
// sees V clamped to V_reset while refractory (and dV/dt = 0 there), else V bounded above by V_th. Then the arriving
// weights are added to dg_ex, dg_in and delta inputs (a volley extension, mV) to V. Then a refractory neuron counts
// down and V = V_reset; else V >= V_th is a spike: V = V_reset, refractory for round(t_ref/dt) steps.
// NEST's recordable t_ref_remaining is refractory_steps * dt.
// Not reproduced: NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/iaf_cond_beta.hpp"
#include "models/iaf_cond_exp.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

using iaf_cond_alpha_params = iaf_cond_exp_params;  // NEST's iaf_cond_alpha has exactly iaf_cond_exp's parameters

struct iaf_cond_alpha : iaf_cond_beta_core {
  static constexpr const char* name = "iaf_cond_alpha";
  static constexpr const char* description =
      "NEST iaf_cond_alpha: LIF with alpha-function conductances (peak = weight), adaptive RKF45 as NEST (GSL) "
      "integrates it";

  using params = iaf_cond_alpha_params;
  using constants = iaf_cond_beta_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_L", p.g_L, range_check::any);  // NEST checks no sign of g_L
    f("C_m", p.C_m, range_check::positive);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params& p) { return iaf_cond_exp::validate(p); }  // V_reset < V_th
  static constants derive(const params& p, double h) {
    constants c;
    c.m = iaf_cond_exp::derive(p, h);
    c.tau_rise_ex = p.tau_syn_ex.value;
    c.tau_rise_in = p.tau_syn_in.value;
    c.g0_ex = 1.0 * std::numbers::e / p.tau_syn_ex.value;
    c.g0_in = 1.0 * std::numbers::e / p.tau_syn_in.value;
    return c;
  }
  static void initial_state(const params& p, real_t* s) { zero_initial_state(p.E_L.value, s); }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return step(c, s, in);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_cond_alpha)
