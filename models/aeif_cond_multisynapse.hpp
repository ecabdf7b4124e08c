#pragma once
// NEST's aeif_cond_alpha_multisynapse and aeif_cond_beta_multisynapse: the adaptive exponential integrate-and-fire
// neuron (Brette & Gerstner 2005; membrane and solver shared with the other aeif models, models/aeif_common.hpp) with
// one conductance per receptor port, each with its own reversal potential and time constant(s), integrated as NEST
// integrates it (GSL's adaptive RKF45, models/rkf45.hpp).
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) + sum_i g_i (E_rev_i - V) - w + I_e + I
//   tau_w dw/dt = a (V - E_L) - w                                                         (mV, pF, nS, pA, ms)
//   alpha: dg_i/dt = dg_i - g_i / tau_syn_i,    d(dg_i)/dt = -dg_i / tau_syn_i
//   beta:  dg_i/dt = dg_i - g_i / tau_decay_i,  d(dg_i)/dt = -dg_i / tau_rise_i
//   a spike of weight w (nS, w >= 0) on port i makes dg_i jump by w g0_i: alpha g0_i = e / tau_syn_i, beta g0_i =
//   NEST's beta_normalization_factor (models/iaf_cond_beta.hpp: the conductance peaks at w; tau_rise_i ==
//   tau_decay_i gives the alpha function of time constant tau_decay_i). Excitatory or inhibitory is E_rev_i's
//   business: the port, not the sign, selects the synapse.
//
// Receptor ports: NEST's models have one port per entry of their E_rev / tau_syn (tau_rise, tau_decay) lists
// (receptor_type 1..n; by default one port: E_rev [0], tau_syn [2] (alpha); tau_rise [2], tau_decay [20] (beta)).
// volley's port list is fixed at compile time: exactly four ports "1".."4" (NEST's receptor_type 1..4) with
// E_rev_i, tau_syn_i (alpha) or tau_rise_i, tau_decay_i (beta); this is NEST's model with those four-entry lists.
// A NEST model with fewer ports is the same with nothing connected to the others: an unused port's conductance stays
// 0, adds nothing to dV/dt and nothing to the solver's error estimate (its components stay exactly 0), so the
// trajectory and the step sizes are NEST's. Ports 2..4 default to port 1's values. More than four are not available.
//
// One step (NEST 3.10 update()): the RKF45 loop over dt with the error control yp_new(gsl_error_tol, gsl_error_tol),
// the step size carried across steps (state h_ode); the right-hand side sees V_reset while refractory (dV/dt = 0, w
// evolves) and V bounded above by V_peak otherwise; after every accepted RKF45 step a refractory neuron gets
// V = V_reset, else V >= V_peak (V_th when Delta_T = 0) spikes: V = V_reset, w += b, refractory for round(t_ref/dt)
// steps (t_ref = 0: not at all; models/aeif_common.hpp). After the loop the refractory count goes down, then the
// arriving weights are added to dg_i (g0_i per nS; inputs are not dropped while refractory) and delta inputs (a
// volley extension, mV) to V. The current input acting over a step is the one NEST's step_current_generator set in
// the previous step.
//
// State, in NEST's order: V_m, w, dg_1, g_1, .., dg_4, g_4 (NEST records V_m, w, g_1..g_n), then the refractory count
// and the solver's step size h_ode.
// Differs from NEST: four fixed ports (above); NEST rejects a negative weight when it arrives (device code cannot
// throw: here it would give a negative conductance; connect non-negative weights); NEST throws NumericalInstability
// when V < -1000 mV or |w| > 1e6 pA; g_L is checked >= 0 as in volley's other aeif models (NEST's multisynapse
// models accept any g_L).
#include <array>
#include <cmath>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/aeif_common.hpp"
#include "models/iaf_cond_beta.hpp"  // beta_normalization
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

inline constexpr int aeif_multisynapse_ports = 4;

// The AdEx parameters both models share (NEST's names, defaults and units) and the reversal potentials.
struct aeif_cond_multisynapse_membrane_params {
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
  units::dimensionless_q gsl_error_tol{1e-6};  // of every component in its unit (mV, pA, nS/ms, nS)
  units::voltage_q E_rev_1{0.0};               // NEST's E_rev [0.0]
  units::voltage_q E_rev_2{0.0};               // ports 2..4: NEST has none by default
  units::voltage_q E_rev_3{0.0};
  units::voltage_q E_rev_4{0.0};
};

struct aeif_cond_alpha_multisynapse_params : aeif_cond_multisynapse_membrane_params {
  units::time_q tau_syn_1{2.0};  // NEST's tau_syn [2.0]
  units::time_q tau_syn_2{2.0};
  units::time_q tau_syn_3{2.0};
  units::time_q tau_syn_4{2.0};
};

struct aeif_cond_beta_multisynapse_params : aeif_cond_multisynapse_membrane_params {
  units::time_q tau_rise_1{2.0};  // NEST's tau_rise [2.0]
  units::time_q tau_rise_2{2.0};
  units::time_q tau_rise_3{2.0};
  units::time_q tau_rise_4{2.0};
  units::time_q tau_decay_1{20.0};  // NEST's tau_decay [20.0]
  units::time_q tau_decay_2{20.0};
  units::time_q tau_decay_3{20.0};
  units::time_q tau_decay_4{20.0};
};

struct aeif_cond_multisynapse_constants : aeif::membrane_constants {
  double E_rev[aeif_multisynapse_ports];      // mV
  double tau_rise[aeif_multisynapse_ports];   // ms: decay of dg_i (alpha: tau_syn_i)
  double tau_decay[aeif_multisynapse_ports];  // ms: decay of g_i (alpha: tau_syn_i)
  double g0[aeif_multisynapse_ports];         // 1/ms: the jump of dg_i per nS of weight
};

// The right-hand side as NEST's *_multisynapse_dynamics write it, and the spike handling after every accepted RKF45
// step (models/aeif_common.hpp). Alpha is beta with tau_rise_i = tau_decay_i = tau_syn_i (same arithmetic).
struct aeif_cond_multisynapse_system {
  enum : int { V, W, DG, G };  // NEST's State_ order: V_m, w, then (dg_i, g_i) per port
  static constexpr int n = 2 + 2 * aeif_multisynapse_ports;
  const aeif_cond_multisynapse_constants& c;
  aeif::step_state st;  // current held over the step, refractory counter, spiked

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const bool refractory = st.r > 0;
    const double v = aeif::bounded_v(c, st.r, y[V]);
    double I_syn = 0.0;
    for (int i = 0; i < aeif_multisynapse_ports; ++i) I_syn += y[G + 2 * i] * (c.E_rev[i] - v);
    const double I_spike = aeif::spike_current(c, v);
    f[V] = refractory ? 0.0 : (-c.g_L * (v - c.E_L) + I_spike + I_syn - y[W] + c.I_e + st.I_stim) / c.C_m;
    f[W] = aeif::dw_dt(c, v, y[W]);
    for (int i = 0; i < aeif_multisynapse_ports; ++i) {
      f[DG + 2 * i] = -y[DG + 2 * i] / c.tau_rise[i];
      f[G + 2 * i] = y[DG + 2 * i] - y[G + 2 * i] / c.tau_decay[i];
    }
  }

  VOLLEY_HD VOLLEY_INLINE void after_step(double* y) { st.after_step(c, y[V], y[W]); }
};

namespace aeif_multisynapse_detail {
template <class P, class F>
void each_membrane_param(P& p, F&& f) {
  f("V_peak", p.V_peak, range_check::any);
  f("V_reset", p.V_reset, range_check::any);
  f("t_ref", p.t_ref, range_check::non_negative);
  f("g_L", p.g_L, range_check::non_negative);
  f("C_m", p.C_m, range_check::positive);
  f("E_L", p.E_L, range_check::any);
  f("Delta_T", p.Delta_T, range_check::non_negative);
  f("tau_w", p.tau_w, range_check::positive);
  f("a", p.a, range_check::any);
  f("b", p.b, range_check::any);
  f("V_th", p.V_th, range_check::any);
  f("I_e", p.I_e, range_check::any);
  f("gsl_error_tol", p.gsl_error_tol, range_check::positive);
  f("E_rev_1", p.E_rev_1, range_check::any);
  f("E_rev_2", p.E_rev_2, range_check::any);
  f("E_rev_3", p.E_rev_3, range_check::any);
  f("E_rev_4", p.E_rev_4, range_check::any);
}

inline aeif_cond_multisynapse_constants derive_membrane(const aeif_cond_multisynapse_membrane_params& p, double h) {
  aeif_cond_multisynapse_constants c;
  // NEST starts the solver at min(0.01 ms, dt)
  static_cast<aeif::membrane_constants&>(c) = aeif::derive_membrane(p, h, std::min(0.01, h));
  const double E[aeif_multisynapse_ports] = {p.E_rev_1.value, p.E_rev_2.value, p.E_rev_3.value, p.E_rev_4.value};
  for (int i = 0; i < aeif_multisynapse_ports; ++i) c.E_rev[i] = E[i];
  return c;
}

inline constexpr std::array<port_desc, aeif_multisynapse_ports> ports{{{"1", units::dims::conductance},
                                                                       {"2", units::dims::conductance},
                                                                       {"3", units::dims::conductance},
                                                                       {"4", units::dims::conductance}}};

// The state, the ports and the update both models share; Derived supplies name, params, each_param, validate, derive.
struct common {
  using sys = aeif_cond_multisynapse_system;
  static constexpr int n_ode = sys::n;
  enum : int { V_m, w, dg_1, g_1, dg_2, g_2, dg_3, g_3, dg_4, g_4, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr units::dimension g_rate = units::dims::conductance + units::dims::rate;  // nS/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"w", units::dims::current},
                                                                  {"dg_1", g_rate},
                                                                  {"g_1", units::dims::conductance},
                                                                  {"dg_2", g_rate},
                                                                  {"g_2", units::dims::conductance},
                                                                  {"dg_3", g_rate},
                                                                  {"g_3", units::dims::conductance},
                                                                  {"dg_4", g_rate},
                                                                  {"g_4", units::dims::conductance},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = aeif_multisynapse_ports;
  static constexpr std::array<port_desc, aeif_multisynapse_ports> ports = aeif_multisynapse_detail::ports;
  using constants = aeif_cond_multisynapse_constants;

  static void initial_state(const aeif_cond_multisynapse_membrane_params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = w; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    sys body{c, {static_cast<double>(in.current), static_cast<double>(s[refractory])}};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    double h = s[h_ode];
    aeif::integrate_step<n_ode>(body, c, y, h);
    for (int i = 0; i < aeif_multisynapse_ports; ++i) y[sys::DG + 2 * i] += in.port[i] * c.g0[i];
    y[sys::V] += in.delta_v;
    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[refractory] = static_cast<real_t>(body.st.r);
    s[h_ode] = static_cast<real_t>(h);
    return body.st.spiked;
  }
};
}  // namespace aeif_multisynapse_detail

struct aeif_cond_alpha_multisynapse : aeif_multisynapse_detail::common {
  static constexpr const char* name = "aeif_cond_alpha_multisynapse";
  static constexpr const char* description =
      "NEST aeif_cond_alpha_multisynapse: AdEx with alpha conductances on ports \"1\"..\"4\" (E_rev_i, tau_syn_i), "
      "adaptive RKF45 as NEST (GSL) integrates it";
  using params = aeif_cond_alpha_multisynapse_params;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    aeif_multisynapse_detail::each_membrane_param(p, f);
    f("tau_syn_1", p.tau_syn_1, range_check::positive);
    f("tau_syn_2", p.tau_syn_2, range_check::positive);
    f("tau_syn_3", p.tau_syn_3, range_check::positive);
    f("tau_syn_4", p.tau_syn_4, range_check::positive);
  }
  static const char* validate(const params& p) {
    return aeif::validate_membrane(p.V_peak.value, p.V_reset.value, p.V_th.value, p.Delta_T.value);
  }
  static constants derive(const params& p, double h) {
    constants c = aeif_multisynapse_detail::derive_membrane(p, h);
    const double tau[aeif_multisynapse_ports] = {p.tau_syn_1.value, p.tau_syn_2.value, p.tau_syn_3.value,
                                                 p.tau_syn_4.value};
    for (int i = 0; i < aeif_multisynapse_ports; ++i) {
      c.tau_rise[i] = c.tau_decay[i] = tau[i];
      c.g0[i] = 1.0 * std::numbers::e / tau[i];
    }
    return c;
  }
};

struct aeif_cond_beta_multisynapse : aeif_multisynapse_detail::common {
  static constexpr const char* name = "aeif_cond_beta_multisynapse";
  static constexpr const char* description =
      "NEST aeif_cond_beta_multisynapse: AdEx with beta conductances on ports \"1\"..\"4\" (E_rev_i, tau_rise_i, "
      "tau_decay_i), adaptive RKF45 as NEST (GSL) integrates it";
  using params = aeif_cond_beta_multisynapse_params;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    aeif_multisynapse_detail::each_membrane_param(p, f);
    f("tau_rise_1", p.tau_rise_1, range_check::positive);
    f("tau_rise_2", p.tau_rise_2, range_check::positive);
    f("tau_rise_3", p.tau_rise_3, range_check::positive);
    f("tau_rise_4", p.tau_rise_4, range_check::positive);
    f("tau_decay_1", p.tau_decay_1, range_check::positive);
    f("tau_decay_2", p.tau_decay_2, range_check::positive);
    f("tau_decay_3", p.tau_decay_3, range_check::positive);
    f("tau_decay_4", p.tau_decay_4, range_check::positive);
  }
  static const char* validate(const params& p) {
    if (const char* m = aeif::validate_membrane(p.V_peak.value, p.V_reset.value, p.V_th.value, p.Delta_T.value))
      return m;
    if (p.tau_rise_1.value > p.tau_decay_1.value || p.tau_rise_2.value > p.tau_decay_2.value ||
        p.tau_rise_3.value > p.tau_decay_3.value || p.tau_rise_4.value > p.tau_decay_4.value)
      return "tau_rise_i must not exceed tau_decay_i (NEST: rise time smaller than or equal to decay time)";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c = aeif_multisynapse_detail::derive_membrane(p, h);
    const double rise[aeif_multisynapse_ports] = {p.tau_rise_1.value, p.tau_rise_2.value, p.tau_rise_3.value,
                                                  p.tau_rise_4.value};
    const double decay[aeif_multisynapse_ports] = {p.tau_decay_1.value, p.tau_decay_2.value, p.tau_decay_3.value,
                                                   p.tau_decay_4.value};
    for (int i = 0; i < aeif_multisynapse_ports; ++i) {
      c.tau_rise[i] = rise[i];
      c.tau_decay[i] = decay[i];
      c.g0[i] = beta_normalization(rise[i], decay[i]);
    }
    return c;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_cond_alpha_multisynapse)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_cond_beta_multisynapse)
