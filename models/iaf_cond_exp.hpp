#pragma once
// NEST's iaf_cond_exp: leaky integrate-and-fire with exponentially decaying synaptic conductances, integrated as
// NEST integrates it (GSL's adaptive RKF45, models/rkf45.hpp), so that V_m follows NEST's to its rounding.
//
//   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I
//   dg_x/dt = -g_x / tau_syn_x;  a spike of weight w (nS) makes g_ex jump by w (w > 0, port "ex") or g_in by -w
//   (w < 0, port "in": that port carries NEST's negative weights, and g_in grows by their magnitude)
//
// One step (NEST 3 update()): RKF45 over dt with the error control y_new(eps_abs = 1e-3, eps_rel = 0) (hard-wired in
// NEST), the last step size carried to the next step (state h_ode, NEST's IntegrationStep_); the right-hand side
// sees V clamped to V_reset while refractory (and dV/dt = 0 there), else V bounded above by V_th. Then the arriving
// weights are added to g_ex, g_in and delta inputs (a volley extension, mV) to V. Then a refractory neuron counts
// down and V = V_reset; else V >= V_th is a spike: V = V_reset, refractory for round(t_ref/dt) steps.
// The current I acting over a step is the one NEST's step_current_generator set in the previous step: see
// tests/support/nest_reference.hpp for the timing.
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct iaf_cond_exp_params {
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-60.0};
  units::time_q t_ref{2.0};
  units::conductance_q g_L{16.6667};
  units::capacitance_q C_m{250.0};
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-85.0};
  units::voltage_q E_L{-70.0};
  units::time_q tau_syn_ex{0.2};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

struct iaf_cond_exp_constants {
  double V_th, V_reset, E_L, E_ex, E_in;  // mV
  double g_L;                             // nS
  double C_m;                             // pF
  double tau_syn_ex, tau_syn_in;          // ms
  double I_e;                             // pA
  double ref_steps;                       // round(t_ref / dt)
  double dt;                              // ms: the interval one update() integrates, and the first trial step
};

// The right-hand side as NEST's iaf_cond_exp_dynamics writes it (same operations in the same order).
struct iaf_cond_exp_system {
  const iaf_cond_exp_constants& c;
  double I_stim;  // pA, held over the step
  bool refractory;
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double V = refractory ? c.V_reset : (c.V_th < y[0] ? c.V_th : y[0]);
    const double I_syn_exc = y[1] * (V - c.E_ex);
    const double I_syn_inh = y[2] * (V - c.E_in);
    const double I_L = c.g_L * (V - c.E_L);
    f[0] = refractory ? 0.0 : (-I_L + I_stim + c.I_e - I_syn_exc - I_syn_inh) / c.C_m;
    f[1] = -y[1] / c.tau_syn_ex;
    f[2] = -y[2] / c.tau_syn_in;
  }
};

struct iaf_cond_exp {
  static constexpr const char* name = "iaf_cond_exp";
  static constexpr const char* description =
      "NEST iaf_cond_exp: LIF with exponential conductances, adaptive RKF45 as NEST (GSL) integrates it";
  // h_ode: the solver's step size, carried from one step to the next (0 before the first step: start with dt)
  enum : int { V_m, g_ex, g_in, refractory, h_ode, n_state };
  static constexpr int n_ode = 3;  // V_m, g_ex, g_in
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;
  static constexpr double eps_abs = 1e-3;  // NEST's fixed absolute tolerance (mV for V, nS for g), eps_rel = 0

  using params = iaf_cond_exp_params;
  using constants = iaf_cond_exp_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_L", p.g_L, range_check::non_negative);
    f("C_m", p.C_m, range_check::positive);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c;
    c.V_th = p.V_th.value;
    c.V_reset = p.V_reset.value;
    c.E_L = p.E_L.value;
    c.E_ex = p.E_ex.value;
    c.E_in = p.E_in.value;
    c.g_L = p.g_L.value;
    c.C_m = p.C_m.value;
    c.tau_syn_ex = p.tau_syn_ex.value;
    c.tau_syn_in = p.tau_syn_in.value;
    c.I_e = p.I_e.value;
    c.ref_steps = std::round(p.t_ref.value / h);
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = g_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool refractory_now = s[refractory] > 0;
    const iaf_cond_exp_system sys{c, static_cast<double>(in.current), refractory_now};
    double y[n_ode] = {s[V_m], s[g_ex], s[g_in]};
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(sys, rkf45::y_control(eps_abs, 0.0), c.dt, y, h);
    y[1] += in.port[0];
    y[2] -= in.port[1];  // NEST: g_in += -w for its negative weights
    const double v = y[0] + in.delta_v;
    const bool spike = !refractory_now && v >= c.V_th;
    s[V_m] = static_cast<real_t>(refractory_now || spike ? c.V_reset : v);
    s[g_ex] = static_cast<real_t>(y[1]);
    s[g_in] = static_cast<real_t>(y[2]);
    s[refractory] = spike ? static_cast<real_t>(c.ref_steps) : (refractory_now ? s[refractory] - 1 : s[refractory]);
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_cond_exp)
