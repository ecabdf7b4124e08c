#pragma once
// NEST's iaf_cond_exp_sfa_rr: iaf_cond_exp with a spike-frequency-adaptation and a relative-refractory conductance
// (Dayan & Abbott 2001, p. 166), integrated as NEST integrates it (GSL's adaptive RKF45, models/rkf45.hpp).
//
//   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) - g_sfa (V - E_sfa) - g_rr (V - E_rr) + I_e + I
//   dg_x/dt = -g_x / tau_x for x in ex (tau_syn_ex), in (tau_syn_in), sfa (tau_sfa), rr (tau_rr)
//   a spike of weight w (nS) makes g_ex jump by w (w > 0, port "ex") or g_in by -w (w < 0, port "in", NEST's
//   negative weights); every spike of the neuron itself makes g_sfa jump by q_sfa and g_rr by q_rr (nS).
//
// One step (NEST 3 update()): RKF45 over dt with the error control y_new(eps_abs = 1e-3, eps_rel = 0) (hard-wired in
// NEST), the last step size carried to the next step (state h_ode, NEST's IntegrationStep_); the right-hand side
// sees V clamped to V_reset while refractory (and dV/dt = 0 there; g_sfa, g_rr keep decaying), else V bounded above
// by V_th. Then the arriving weights are added to g_ex, g_in and delta inputs (a volley extension, mV) to V. Then a
// refractory neuron counts down and V = V_reset; else V >= V_th is a spike: V = V_reset, g_sfa += q_sfa,
// g_rr += q_rr, refractory for round(t_ref/dt) steps. The current I acting over a step is the one NEST's
// step_current_generator set in the previous step: see tests/support/nest_reference.hpp for the timing.
// Not reproduced: NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/iaf_cond_beta.hpp"
#include "models/iaf_cond_exp.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct iaf_cond_exp_sfa_rr_params {
  units::voltage_q V_th{-57.0};
  units::voltage_q V_reset{-70.0};
  units::time_q t_ref{0.5};
  units::conductance_q g_L{28.95};
  units::capacitance_q C_m{289.5};
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-75.0};
  units::voltage_q E_L{-70.0};
  units::time_q tau_syn_ex{1.5};
  units::time_q tau_syn_in{10.0};
  units::current_q I_e{0.0};
  units::time_q tau_sfa{110.0};
  units::time_q tau_rr{1.97};
  units::voltage_q E_sfa{-70.0};
  units::voltage_q E_rr{-70.0};
  units::conductance_q q_sfa{14.48};
  units::conductance_q q_rr{3214.0};
};

struct iaf_cond_exp_sfa_rr_constants {
  iaf_cond_exp_constants m;  // membrane and synapses, as iaf_cond_exp
  double tau_sfa, tau_rr;    // ms
  double E_sfa, E_rr;        // mV
  double q_sfa, q_rr;        // nS
};

// The right-hand side as NEST's iaf_cond_exp_sfa_rr_dynamics writes it (same operations in the same order).
struct iaf_cond_exp_sfa_rr_system {
  enum : int { V, g_ex, g_in, g_sfa, g_rr, n };  // NEST's State_ order
  const iaf_cond_exp_sfa_rr_constants& c;
  double I_stim;  // pA, held over the step
  bool refractory;
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const iaf_cond_exp_constants& m = c.m;
    const double v = refractory ? m.V_reset : (m.V_th < y[V] ? m.V_th : y[V]);
    const double I_syn_exc = y[g_ex] * (v - m.E_ex);
    const double I_syn_inh = y[g_in] * (v - m.E_in);
    const double I_L = m.g_L * (v - m.E_L);
    const double I_sfa = y[g_sfa] * (v - c.E_sfa);
    const double I_rr = y[g_rr] * (v - c.E_rr);
    f[V] = refractory ? 0.0 : (-I_L + I_stim + m.I_e - I_syn_exc - I_syn_inh - I_sfa - I_rr) / m.C_m;
    f[g_ex] = -y[g_ex] / m.tau_syn_ex;
    f[g_in] = -y[g_in] / m.tau_syn_in;
    f[g_sfa] = -y[g_sfa] / c.tau_sfa;
    f[g_rr] = -y[g_rr] / c.tau_rr;
  }
};

struct iaf_cond_exp_sfa_rr {
  static constexpr const char* name = "iaf_cond_exp_sfa_rr";
  static constexpr const char* description =
      "NEST iaf_cond_exp_sfa_rr: LIF with exponential conductances, spike-frequency adaptation and relative "
      "refractoriness, adaptive RKF45 as NEST (GSL) integrates it";
  using sys = iaf_cond_exp_sfa_rr_system;
  static constexpr int n_ode = sys::n;
  // V_m .. g_rr in NEST's order, then the refractory count and the solver's step size (0 before the first step)
  enum : int { V_m, g_ex, g_in, g_sfa, g_rr, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"g_sfa", units::dims::conductance},
                                                                  {"g_rr", units::dims::conductance},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;
  static constexpr double eps_abs = iaf_cond_exp::eps_abs;  // NEST: y_new(1e-3, 0) as for iaf_cond_exp

  using params = iaf_cond_exp_sfa_rr_params;
  using constants = iaf_cond_exp_sfa_rr_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_L", p.g_L, range_check::any);  // NEST checks no sign of g_L, q_sfa, q_rr
    f("C_m", p.C_m, range_check::positive);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
    f("tau_sfa", p.tau_sfa, range_check::positive);
    f("tau_rr", p.tau_rr, range_check::positive);
    f("E_sfa", p.E_sfa, range_check::any);
    f("E_rr", p.E_rr, range_check::any);
    f("q_sfa", p.q_sfa, range_check::any);
    f("q_rr", p.q_rr, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c;
    c.m = iaf_cond_membrane_constants(p, p.tau_syn_ex, p.tau_syn_in, h);
    c.tau_sfa = p.tau_sfa.value;
    c.tau_rr = p.tau_rr.value;
    c.E_sfa = p.E_sfa.value;
    c.E_rr = p.E_rr.value;
    c.q_sfa = p.q_sfa.value;
    c.q_rr = p.q_rr.value;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = g_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const sys body{c, static_cast<double>(in.current), s[refractory] > 0};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.m.dt;
    rkf45::integrate<n_ode>(body, rkf45::y_control(eps_abs, 0.0), c.m.dt, y, h);
    y[sys::g_ex] += in.port[0];
    y[sys::g_in] -= in.port[1];  // NEST: g_in += -w for its negative weights
    double v = y[sys::V] + in.delta_v;
    real_t count = s[refractory];
    const bool spike = iaf_cond_refractory_or_spike(c.m, v, count);
    y[sys::V] = v;
    y[sys::g_sfa] += spike ? c.q_sfa : 0.0;
    y[sys::g_rr] += spike ? c.q_rr : 0.0;
    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[refractory] = count;
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_cond_exp_sfa_rr)
