#pragma once
// NEST's aeif_cond_alpha: adaptive exponential integrate-and-fire (Brette & Gerstner 2005) with alpha-shaped
// synaptic conductances, integrated as NEST integrates it (GSL's adaptive RKF45, models/rkf45.hpp). The membrane
// constants, the solver loop and the spike handling are shared with the other aeif models (models/aeif_common.hpp).
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) - g_ex (V - E_ex) - g_in (V - E_in) - w
//               + I_e + I
//   tau_w dw/dt = a (V - E_L) - w
//   dg_x/dt = dg_x - g_x / tau_syn_x,  d(dg_x)/dt = -dg_x / tau_syn_x;  a spike of weight w (nS) makes dg_ex jump
//   by w e / tau_syn_ex (w > 0, port "ex") or dg_in by -w e / tau_syn_in (w < 0, port "in", NEST's negative
//   weights): one spike gives g(t) = |w| (t / tau) exp(1 - t / tau), peaking at |w| nS at t = tau.
//   Delta_T = 0: no exponential term, and the spike threshold is V_th instead of V_peak.
//
// One step (NEST 3 update()): RKF45 over dt with the error control yp_new(gsl_error_tol, gsl_error_tol)
// (D_i = tol + tol h |y'_i|), starting from the step size min(0.01 ms, dt) and then carrying the last one across
// steps (state h_ode, NEST's IntegrationStep_). The right-hand side sees V clamped to V_reset while refractory
// (dV/dt = 0 there, w keeps evolving) and V bounded above by V_peak otherwise. After every accepted RKF45 step
// (inside the step, as NEST does it): a refractory neuron gets V = V_reset; else V >= V_peak (V_th when
// Delta_T = 0) is a spike: V = V_reset, w += b, and the neuron is refractory for round(t_ref/dt) steps after this
// one (t_ref = 0: not at all, so it may spike again within the step; update() reports one spike per step, every
// reset and jump of w happens). After the step the refractory count goes down, then the arriving weights are added
// to dg_ex, dg_in and delta inputs (a volley extension, mV) to V, which the next step's spike test sees.
// Not reproduced: NEST throws NumericalInstability when V < -1000 mV or |w| > 1e6 pA after an RKF45 step (device
// code cannot throw); the clamp of V at V_peak in the right-hand side keeps the exponential finite meanwhile.
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/aeif_common.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct aeif_cond_alpha_params {
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
  units::dimensionless_q gsl_error_tol{1e-6};  // of every component in its unit (mV, nS, nS/ms, pA)
};

// The AdEx membrane (models/aeif_common.hpp) and the alpha conductances.
struct aeif_cond_alpha_constants : aeif::membrane_constants {
  double E_ex, E_in;              // mV
  double tau_syn_ex, tau_syn_in;  // ms
  double g0_ex, g0_in;            // 1/ms: e / tau_syn, the jump of dg per nS of weight
};

// The right-hand side as NEST's aeif_cond_alpha_dynamics writes it, and the spike handling NEST does after every
// accepted RKF45 step (shared by the aeif models, models/aeif_common.hpp). st.r is NEST's refractory counter S_.r_.
struct aeif_cond_alpha_system {
  enum : int { V, dg_ex, g_ex, dg_in, g_in, w, n };  // NEST's State_ order
  const aeif_cond_alpha_constants& c;
  aeif::step_state st;  // current held over the step, refractory counter, spiked

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const bool refractory = st.r > 0;
    const double v = aeif::bounded_v(c, st.r, y[V]);
    const double I_syn_exc = y[g_ex] * (v - c.E_ex);
    const double I_syn_inh = y[g_in] * (v - c.E_in);
    const double I_spike = aeif::spike_current(c, v);
    f[V] =
        refractory ? 0.0 : (-c.g_L * (v - c.E_L) + I_spike - I_syn_exc - I_syn_inh - y[w] + c.I_e + st.I_stim) / c.C_m;
    f[dg_ex] = -y[dg_ex] / c.tau_syn_ex;
    f[g_ex] = y[dg_ex] - y[g_ex] / c.tau_syn_ex;
    f[dg_in] = -y[dg_in] / c.tau_syn_in;
    f[g_in] = y[dg_in] - y[g_in] / c.tau_syn_in;
    f[w] = aeif::dw_dt(c, v, y[w]);
  }

  VOLLEY_HD VOLLEY_INLINE void after_step(double* y) { st.after_step(c, y[V], y[w]); }
};

struct aeif_cond_alpha {
  static constexpr const char* name = "aeif_cond_alpha";
  static constexpr const char* description =
      "NEST aeif_cond_alpha: AdEx with alpha conductances, adaptive RKF45 as NEST (GSL) integrates it";
  using sys = aeif_cond_alpha_system;
  static constexpr int n_ode = sys::n;
  // V_m .. w in NEST's order, then the refractory count and the solver's step size (0 before the first step)
  enum : int { V_m, dg_ex, g_ex, dg_in, g_in, w, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr units::dimension g_rate = units::dims::conductance + units::dims::rate;  // nS/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"dg_ex", g_rate},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"dg_in", g_rate},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"w", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;

  using params = aeif_cond_alpha_params;
  using constants = aeif_cond_alpha_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_peak", p.V_peak, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_L", p.g_L, range_check::non_negative);
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
  static const char* validate(const params& p);
  static constants derive(const params& p, double h);
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = dg_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    sys body{c, {static_cast<double>(in.current), static_cast<double>(s[refractory])}};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    double h = s[h_ode];
    aeif::integrate_step<n_ode>(body, c, y, h);
    y[sys::dg_ex] += in.port[0] * c.g0_ex;
    y[sys::dg_in] += -in.port[1] * c.g0_in;  // NEST: the summed -w of its negative weights
    y[sys::V] += in.delta_v;
    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[refractory] = static_cast<real_t>(body.st.r);
    s[h_ode] = static_cast<real_t>(h);
    return body.st.spiked;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_cond_alpha)
