#pragma once
// NEST's aeif_cond_exp: adaptive exponential integrate-and-fire (Brette & Gerstner 2005) with exponentially decaying
// synaptic conductances, integrated as NEST integrates it (GSL's adaptive RKF45; the AdEx membrane, the solver loop
// and the spike handling are those of models/aeif_common.hpp, shared with aeif_cond_alpha and aeif_psc_*).
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) - g_ex (V - E_ex) - g_in (V - E_in) - w
//               + I_e + I                                                             (mV, pF, nS, pA)
//   tau_w dw/dt = a (V - E_L) - w
//   dg_x/dt = -g_x / tau_syn_x;  a spike of weight w (nS) makes g_ex jump by w (w > 0, port "ex") or g_in by -w
//   (w < 0, port "in": NEST's negative weights, g_in grows by their magnitude).
//   Delta_T = 0: no exponential term, and the spike threshold is V_th instead of V_peak.
//
// One step (NEST 3 update()): RKF45 over dt with the error control yp_new(gsl_error_tol, gsl_error_tol)
// (D_i = tol + tol h |y'_i|), first trial step min(0.01 ms, dt), then the last step size carried across steps
// (state h_ode, NEST's IntegrationStep_). The right-hand side sees V = V_reset while refractory (dV/dt = 0, w keeps
// evolving), else V bounded above by V_peak. After every accepted RKF45 step: refractory -> V = V_reset; else
// V >= V_peak (V_th when Delta_T = 0) is a spike: V = V_reset, w += b, refractory for round(t_ref/dt) steps after
// this one (t_ref = 0, NEST's default: never, so it may spike again within the step; update() reports one spike
// per step, every reset and jump of w happens). After the step the refractory count goes down, then the arriving
// weights are added to g_ex, g_in and delta inputs (a volley extension, mV) to V; the next step's spike test sees
// them. The current I acting over a step is the one NEST's step_current_generator set in the previous step (see
// tests/support/nest_reference.hpp).
// Not reproduced: NEST's NumericalInstability exception (V < -1000 mV or |w| > 1e6 pA after an RKF45 step).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/aeif_common.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct aeif_cond_exp_params {
  units::voltage_q V_peak{0.0};
  units::voltage_q V_reset{-60.0};
  units::time_q t_ref{0.0};
  units::conductance_q g_L{30.0};
  units::capacitance_q C_m{281.0};
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-85.0};
  units::voltage_q E_L{-70.6};
  units::voltage_q Delta_T{2.0};
  units::time_q tau_w{144.0};
  units::conductance_q a{4.0};
  units::current_q b{80.5};
  units::voltage_q V_th{-50.4};
  units::time_q tau_syn_ex{0.2};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
  units::dimensionless_q gsl_error_tol{1e-6};  // of every component in its unit (mV, nS, pA)
};

struct aeif_cond_exp_constants : aeif::membrane_constants {
  double E_ex, E_in;              // mV
  double tau_syn_ex, tau_syn_in;  // ms
  double jump_ex, jump_in;        // 1: g jumps by the weight itself
};

// The right-hand side as NEST's aeif_cond_exp_dynamics writes it; after_step: models/aeif_common.hpp.
struct aeif_cond_exp_system {
  enum : int { V, g_ex, g_in, w, n };  // NEST's State_ order
  static constexpr int ex_target = g_ex, in_target = g_in;
  const aeif_cond_exp_constants& c;
  aeif::step_state st;

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const bool refractory = st.r > 0;
    const double v = aeif::bounded_v(c, st.r, y[V]);
    const double I_syn_exc = y[g_ex] * (v - c.E_ex);
    const double I_syn_inh = y[g_in] * (v - c.E_in);
    const double I_spike = aeif::spike_current(c, v);
    f[V] =
        refractory ? 0.0 : (-c.g_L * (v - c.E_L) + I_spike - I_syn_exc - I_syn_inh - y[w] + c.I_e + st.I_stim) / c.C_m;
    f[g_ex] = -y[g_ex] / c.tau_syn_ex;
    f[g_in] = -y[g_in] / c.tau_syn_in;
    f[w] = aeif::dw_dt(c, v, y[w]);
  }

  VOLLEY_HD VOLLEY_INLINE void after_step(double* y) { st.after_step(c, y[V], y[w]); }
};

struct aeif_cond_exp {
  static constexpr const char* name = "aeif_cond_exp";
  static constexpr const char* description =
      "NEST aeif_cond_exp: AdEx with exponential conductances, adaptive RKF45 as NEST (GSL) integrates it";
  using sys = aeif_cond_exp_system;
  static constexpr int n_ode = sys::n;
  // V_m .. w in NEST's order, then the refractory count and the solver's step size (0 before the first step)
  enum : int { V_m, g_ex, g_in, w, refractory, h_ode, n_state };
  static_assert(refractory == n_ode && h_ode == n_ode + 1, "layout of aeif::update_two_ports");
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"w", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;

  using params = aeif_cond_exp_params;
  using constants = aeif_cond_exp_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_peak", p.V_peak, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_L", p.g_L, range_check::any);  // NEST does not check g_L
    f("C_m", p.C_m, range_check::positive);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("Delta_T", p.Delta_T, range_check::non_negative);
    f("tau_w", p.tau_w, range_check::positive);
    f("a", p.a, range_check::any);
    f("b", p.b, range_check::any);
    f("V_th", p.V_th, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
    f("gsl_error_tol", p.gsl_error_tol, range_check::positive);
  }
  static const char* validate(const params& p) {
    return aeif::validate_membrane(p.V_peak.value, p.V_reset.value, p.V_th.value, p.Delta_T.value);
  }
  static constants derive(const params& p, double h);
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = g_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return aeif::update_two_ports<sys>(c, s, in);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_cond_exp)
