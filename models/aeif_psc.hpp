#pragma once
// NEST's current-based adaptive exponential integrate-and-fire models (Brette & Gerstner 2005): aeif_psc_exp,
// aeif_psc_alpha and aeif_psc_delta, integrated as NEST integrates them (GSL's adaptive RKF45; the AdEx membrane,
// the solver loop and the spike handling are those of models/aeif_common.hpp, shared with aeif_cond_*).
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) + I_syn_ex - I_syn_in - w + I_e + I
//                                                                                       (mV, pF, nS, pA)
//   tau_w dw/dt = a (V - E_L) - w
//   Delta_T = 0: no exponential term, and the spike threshold is V_th instead of V_peak.
//
// Synapses (currents in pA; I_syn_in is kept positive and subtracted, as in NEST):
//   aeif_psc_exp     dI_syn_x/dt = -I_syn_x / tau_syn_x; a spike of weight w (pA) makes I_syn_ex jump by w
//                    (w > 0, port "ex") or I_syn_in by -w (w < 0, port "in": NEST's negative weights).
//   aeif_psc_alpha   dI_syn_x/dt = dI_syn_x - I_syn_x / tau_syn_x, d(dI_syn_x)/dt = -dI_syn_x / tau_syn_x; a spike
//                    of weight w makes dI_syn_ex jump by w e / tau_syn_ex (or dI_syn_in by -w e / tau_syn_in): one
//                    spike gives |w| (t / tau) exp(1 - t / tau), peaking at |w| pA at t = tau.
//   aeif_psc_delta   no synaptic state: a spike of weight w (mV, no port: volley's delta channel) makes V jump by w.
//
// One step (NEST 3 update()): RKF45 over dt with the error control yp_new(gsl_error_tol, gsl_error_tol)
// (D_i = tol + tol h |y'_i|), the step size carried across steps (state h_ode, NEST's IntegrationStep_), starting
// from min(0.01 ms, dt) (psc_exp, psc_alpha) or from dt (psc_delta: NEST initialises it so). The right-hand side sees
// V = V_reset while refractory (dV/dt = 0, w keeps evolving), else V bounded above by V_peak. After every accepted
// RKF45 step: refractory -> V = V_reset; else V >= V_peak (V_th when Delta_T = 0) is a spike: V = V_reset, w += b,
// refractory for round(t_ref/dt) steps after this one (t_ref = 0, NEST's default: never, so it may spike again
// within the step; update() reports one spike per step, every reset and jump of w happens). After the step the
// refractory count goes down; then
//   psc_exp, psc_alpha: the weights arriving this step are added to the synaptic state, delta inputs (a volley
//                       extension, mV) to V; the next step's spike test sees them.
//   psc_delta:          nothing: its input enters inside the step. After the first accepted RKF45 step of the step
//                       in which the weights arrive (before that step's spike test), a neuron that is not refractory
//                       gets V += the summed weights (so an input can trigger a spike in the step it arrives in,
//                       at the V the RKF45 step reached); a refractory neuron drops them (refractory_input = false,
//                       NEST's default) or, with refractory_input = true, keeps w exp(-r dt / tau_m) (r: the
//                       refractory count then, tau_m = C_m / g_L) in refr_spikes_buffer, which is added to V after
//                       the first RKF45 step once the neuron is no longer refractory.
// The current I acting over a step is the one NEST's step_current_generator set in the previous step (see
// tests/support/nest_reference.hpp).
// Not reproduced: NEST's NumericalInstability exception (V < -1000 mV or |w| > 1e6 pA after an RKF45 step); and
// NEST 3.10's aeif_psc_delta with refractory_input = true and t_ref > 0: NEST negates the refractory count, an
// unsigned integer, in the discount, which wraps around and makes the factor exp(+huge) = inf; every RKF45 step of
// a refractory period adds (input) * inf to the buffer, 0 * inf = NaN when no input arrives, so V_m is NaN from the
// end of the first refractory period on, input or not (checked with NEST 3.10.0). volley applies the discount
// NEST documents, exp(-r dt / tau_m), instead. With t_ref = 0 the switch has no effect, in NEST and here.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/aeif_common.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

// aeif_psc_exp and aeif_psc_alpha have the same parameters (NEST's names, units and defaults).
struct aeif_psc_current_params {
  units::voltage_q V_peak{0.0};
  units::voltage_q V_reset{-60.0};
  units::time_q t_ref{0.0};
  units::conductance_q g_L{30.0};
  units::capacitance_q C_m{281.0};
  units::voltage_q E_L{-70.6};
  units::voltage_q Delta_T{2.0};
  units::time_q tau_w{144.0};
  units::conductance_q a{4.0};
  units::current_q b{80.5};
  units::voltage_q V_th{-50.4};
  units::time_q tau_syn_ex{0.2};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
  units::dimensionless_q gsl_error_tol{1e-6};  // of every component in its unit (mV, pA, pA/ms)
};
using aeif_psc_exp_params = aeif_psc_current_params;
using aeif_psc_alpha_params = aeif_psc_current_params;

struct aeif_psc_delta_params {
  units::voltage_q V_peak{0.0};
  units::voltage_q V_reset{-60.0};
  units::time_q t_ref{0.0};
  units::conductance_q g_L{30.0};
  units::capacitance_q C_m{281.0};
  units::voltage_q E_L{-70.6};
  units::voltage_q Delta_T{2.0};
  units::time_q tau_w{144.0};
  units::conductance_q a{4.0};
  units::current_q b{80.5};
  units::voltage_q V_th{-50.4};
  units::current_q I_e{0.0};
  units::dimensionless_q gsl_error_tol{1e-6};  // of every component in its unit (mV, pA)
  // true: input arriving while refractory is kept (decayed) for afterwards
  bool refractory_input = false;
};

namespace aeif {

// The parameters of the current-based aeif models with NEST's set_status checks (NEST does not check g_L). The
// synaptic time constants come between V_th and I_e when the model has them.
template <class P, class F>
void each_psc_param(P& p, F&& f) {
  f("V_peak", p.V_peak, range_check::any);
  f("V_reset", p.V_reset, range_check::any);
  f("t_ref", p.t_ref, range_check::non_negative);
  f("g_L", p.g_L, range_check::any);
  f("C_m", p.C_m, range_check::positive);
  f("E_L", p.E_L, range_check::any);
  f("Delta_T", p.Delta_T, range_check::non_negative);
  f("tau_w", p.tau_w, range_check::positive);
  f("a", p.a, range_check::any);
  f("b", p.b, range_check::any);
  f("V_th", p.V_th, range_check::any);
  if constexpr (requires { p.tau_syn_ex; }) {
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
  }
  f("I_e", p.I_e, range_check::any);
  f("gsl_error_tol", p.gsl_error_tol, range_check::positive);
}

}  // namespace aeif

// ---------------------------------------------------------------------------------------------------- aeif_psc_exp

struct aeif_psc_exp_constants : aeif::membrane_constants {
  double tau_syn_ex, tau_syn_in;  // ms
  double jump_ex, jump_in;        // 1: I_syn jumps by the weight itself
};

// The right-hand side as NEST's aeif_psc_exp_dynamics writes it; after_step: models/aeif_common.hpp.
struct aeif_psc_exp_system {
  enum : int { V, I_syn_ex, I_syn_in, w, n };  // NEST's State_ order
  static constexpr int ex_target = I_syn_ex, in_target = I_syn_in;
  const aeif_psc_exp_constants& c;
  aeif::step_state st;

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const bool refractory = st.r > 0;
    const double v = aeif::bounded_v(c, st.r, y[V]);
    const double I_spike = aeif::spike_current(c, v);
    f[V] = refractory ? 0.0
                      : (-c.g_L * (v - c.E_L) + I_spike + y[I_syn_ex] - y[I_syn_in] - y[w] + c.I_e + st.I_stim) / c.C_m;
    f[I_syn_ex] = -y[I_syn_ex] / c.tau_syn_ex;
    f[I_syn_in] = -y[I_syn_in] / c.tau_syn_in;
    f[w] = aeif::dw_dt(c, v, y[w]);
  }

  VOLLEY_HD VOLLEY_INLINE void after_step(double* y) { st.after_step(c, y[V], y[w]); }
};

struct aeif_psc_exp {
  static constexpr const char* name = "aeif_psc_exp";
  static constexpr const char* description =
      "NEST aeif_psc_exp: AdEx with exponential currents, adaptive RKF45 as NEST (GSL) integrates it";
  using sys = aeif_psc_exp_system;
  static constexpr int n_ode = sys::n;
  // V_m .. w in NEST's order, then the refractory count and the solver's step size (0 before the first step)
  enum : int { V_m, I_syn_ex, I_syn_in, w, refractory, h_ode, n_state };
  static_assert(refractory == n_ode && h_ode == n_ode + 1, "layout of aeif::update_two_ports");
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"w", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = aeif_psc_exp_params;
  using constants = aeif_psc_exp_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    aeif::each_psc_param(p, f);
  }
  static const char* validate(const params& p) {
    return aeif::validate_membrane(p.V_peak.value, p.V_reset.value, p.V_th.value, p.Delta_T.value);
  }
  static constants derive(const params& p, double h);
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = I_syn_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return aeif::update_two_ports<sys>(c, s, in);
  }
};

// -------------------------------------------------------------------------------------------------- aeif_psc_alpha

struct aeif_psc_alpha_constants : aeif::membrane_constants {
  double tau_syn_ex, tau_syn_in;  // ms
  double jump_ex, jump_in;        // 1/ms: e / tau_syn, the jump of dI_syn per pA of weight
};

// The right-hand side as NEST's aeif_psc_alpha_dynamics writes it; after_step: models/aeif_common.hpp.
struct aeif_psc_alpha_system {
  enum : int { V, dI_syn_ex, I_syn_ex, dI_syn_in, I_syn_in, w, n };  // NEST's State_ order
  static constexpr int ex_target = dI_syn_ex, in_target = dI_syn_in;
  const aeif_psc_alpha_constants& c;
  aeif::step_state st;

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const bool refractory = st.r > 0;
    const double v = aeif::bounded_v(c, st.r, y[V]);
    const double I_spike = aeif::spike_current(c, v);
    f[V] = refractory ? 0.0
                      : (-c.g_L * (v - c.E_L) + I_spike + y[I_syn_ex] - y[I_syn_in] - y[w] + c.I_e + st.I_stim) / c.C_m;
    f[dI_syn_ex] = -y[dI_syn_ex] / c.tau_syn_ex;
    f[I_syn_ex] = y[dI_syn_ex] - y[I_syn_ex] / c.tau_syn_ex;
    f[dI_syn_in] = -y[dI_syn_in] / c.tau_syn_in;
    f[I_syn_in] = y[dI_syn_in] - y[I_syn_in] / c.tau_syn_in;
    f[w] = aeif::dw_dt(c, v, y[w]);
  }

  VOLLEY_HD VOLLEY_INLINE void after_step(double* y) { st.after_step(c, y[V], y[w]); }
};

struct aeif_psc_alpha {
  static constexpr const char* name = "aeif_psc_alpha";
  static constexpr const char* description =
      "NEST aeif_psc_alpha: AdEx with alpha-shaped currents, adaptive RKF45 as NEST (GSL) integrates it";
  using sys = aeif_psc_alpha_system;
  static constexpr int n_ode = sys::n;
  // V_m .. w in NEST's order, then the refractory count and the solver's step size (0 before the first step)
  enum : int { V_m, dI_syn_ex, I_syn_ex, dI_syn_in, I_syn_in, w, refractory, h_ode, n_state };
  static_assert(refractory == n_ode && h_ode == n_ode + 1, "layout of aeif::update_two_ports");
  static constexpr int membrane = V_m;
  static constexpr units::dimension i_rate = units::dims::current + units::dims::rate;  // pA/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"dI_syn_ex", i_rate},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"dI_syn_in", i_rate},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"w", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = aeif_psc_alpha_params;
  using constants = aeif_psc_alpha_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    aeif::each_psc_param(p, f);
  }
  static const char* validate(const params& p) {
    return aeif::validate_membrane(p.V_peak.value, p.V_reset.value, p.V_th.value, p.Delta_T.value);
  }
  static constants derive(const params& p, double h);
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = dI_syn_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return aeif::update_two_ports<sys>(c, s, in);
  }
};

// -------------------------------------------------------------------------------------------------- aeif_psc_delta

struct aeif_psc_delta_constants : aeif::membrane_constants {
  double Delta_T_inv, C_m_inv, tau_w_inv;  // 1/mV, 1/pF, 1/ms: NEST's aeif_psc_delta multiplies by these
  double tau_m;                            // ms: C_m / g_L, the decay of input kept during refractoriness
  double keep_refractory_input;            // 1 or 0
};

// The right-hand side as NEST's aeif_psc_delta_dynamics writes it (with the inverses), and NEST's handling after
// every accepted RKF45 step: this step's delta input first (once, at the first accepted step), then the spike test.
struct aeif_psc_delta_system {
  enum : int { V, w, n };  // NEST's State_ order
  const aeif_psc_delta_constants& c;
  aeif::step_state st;
  double pending;  // mV: the weights arriving this step, not yet applied
  double buffer;   // mV: refr_spikes_buffer

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const bool refractory = st.r > 0;
    const double v = aeif::bounded_v(c, st.r, y[V]);
    const double I_spike = c.Delta_T == 0.0 ? 0.0 : c.g_L * c.Delta_T * std::exp((v - c.V_th) * c.Delta_T_inv);
    f[V] = refractory ? 0.0 : (-c.g_L * (v - c.E_L) + I_spike - y[w] + c.I_e + st.I_stim) * c.C_m_inv;
    f[w] = (c.a * (v - c.E_L) - y[w]) * c.tau_w_inv;
  }

  VOLLEY_HD VOLLEY_INLINE void after_step(double* y) {
    if (st.r > 0) {
      // dropped, or kept with the decay until the end of the refractory period (refractory_input)
      buffer += c.keep_refractory_input != 0.0 ? pending * std::exp(-st.r * c.dt / c.tau_m) : 0.0;
    } else {
      y[V] += pending;
      y[V] += buffer;  // 0 unless refractory_input
      buffer = 0.0;
    }
    pending = 0.0;  // NEST reads (and clears) its input buffer at the first RKF45 step of the simulation step
    st.after_step(c, y[V], y[w]);
  }
};

struct aeif_psc_delta {
  static constexpr const char* name = "aeif_psc_delta";
  static constexpr const char* description =
      "NEST aeif_psc_delta: AdEx whose input spikes make V jump (weights in mV), adaptive RKF45 as NEST (GSL) "
      "integrates it";
  using sys = aeif_psc_delta_system;
  static constexpr int n_ode = sys::n;
  // V_m, w (NEST's order), the input kept during refractoriness, the refractory count and the solver's step size
  enum : int { V_m, w, refr_spikes_buffer, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"w", units::dims::current},
                                                                  {"refr_spikes_buffer", units::dims::voltage},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  // No ports: a connection without receptor whose weights are voltages goes to the delta channel (in.delta_v).
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = aeif_psc_delta_params;
  using constants = aeif_psc_delta_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    aeif::each_psc_param(p, f);
    f("refractory_input", p.refractory_input, range_check::any);
  }
  static const char* validate(const params& p) {
    return aeif::validate_membrane(p.V_peak.value, p.V_reset.value, p.V_th.value, p.Delta_T.value);
  }
  static constants derive(const params& p, double h);
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = w; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    sys body{c,
             {static_cast<double>(in.current), static_cast<double>(s[refractory])},
             static_cast<double>(in.delta_v),
             static_cast<double>(s[refr_spikes_buffer])};
    double y[n_ode] = {s[V_m], s[w]};
    double h = s[h_ode];
    aeif::integrate_step<n_ode>(body, c, y, h);
    s[V_m] = static_cast<real_t>(y[sys::V]);
    s[w] = static_cast<real_t>(y[sys::w]);
    s[refr_spikes_buffer] = static_cast<real_t>(body.buffer);
    s[refractory] = static_cast<real_t>(body.st.r);
    s[h_ode] = static_cast<real_t>(h);
    return body.st.spiked;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_psc_exp)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_psc_alpha)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_psc_delta)
