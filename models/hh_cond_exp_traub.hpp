#pragma once
// NEST's hh_cond_exp_traub: the Hodgkin-Huxley-type point neuron of Brette et al. (2007)'s simulator review (after
// Traub & Miles 1991) with exponentially decaying synaptic conductances, integrated as NEST integrates it (GSL's
// adaptive RKF45, models/rkf45.hpp).
//
//   C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in)
//               + I_e + I
//   dx/dt = alpha_x(u) - (alpha_x(u) + beta_x(u)) x,  x in {m (Act_m), h (Inact_h), n (Act_n)}, with u = V - V_T
//   (mV; V_T shifts the kinetics, and with it the threshold: about -50 mV for V_T = -63 mV), rates in 1/ms:
//     alpha_m = 0.32 (13 - u) / (exp((13 - u)/4) - 1)     beta_m = 0.28 (u - 40) / (exp((u - 40)/5) - 1)
//     alpha_h = 0.128 exp((17 - u)/18)                     beta_h = 4 / (1 + exp((40 - u)/5))
//     alpha_n = 0.032 (15 - u) / (exp((15 - u)/5) - 1)     beta_n = 0.5 exp((10 - u)/40)
//   dg_x/dt = -g_x / tau_syn_x; a spike of weight w (nS) makes g_ex jump by w (w > 0, port "ex") or g_in by -w
//   (w < 0, port "in", NEST's negative weights). The rates are evaluated as NEST writes them (0/0, hence NaN, at
//   u = 13, 15 and 40 mV exactly, as in NEST).
//
// Initial state as NEST's: V_m = E_L, g = 0, and each gating variable at alpha_x / (alpha_x + beta_x) with the rates
// evaluated at u = E_L itself, without the V_T shift (NEST's State_ constructor omits it): for the defaults these are
// not the equilibria of the dynamics (m = 9.9e-9 instead of 0.027 ...), so the neuron starts with a transient, in
// NEST as here (the reference protocol shows a spike near 8 ms).
//
// One step (NEST 3 update()): with V_old the V_m at the start of the step, RKF45 over dt with the error control
// y_new(eps_abs = 1e-3, eps_rel = 0) (hard-wired in NEST) and the step size carried across steps (state h_ode,
// NEST's IntegrationStep_); no clamp, no reset. Then the arriving weights are added to g_ex, g_in and delta inputs
// (a volley extension, mV) to V. Then spike detection: a neuron with refractory steps left counts down (V is not
// held); otherwise V >= V_T + 30 mV with V_old > V (V has fallen during the step, past the peak) is a spike, and
// the next round(t_ref/dt) steps detect none (t_ref only suppresses detection on the falling flank).
// Not reproduced: NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct hh_cond_exp_traub_params {
  units::conductance_q g_Na{20000.0};
  units::conductance_q g_K{6000.0};
  units::conductance_q g_L{10.0};
  units::capacitance_q C_m{200.0};
  units::voltage_q E_Na{50.0};
  units::voltage_q E_K{-90.0};
  units::voltage_q E_L{-60.0};
  units::voltage_q V_T{-63.0};
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-80.0};
  units::time_q tau_syn_ex{5.0};
  units::time_q tau_syn_in{10.0};
  units::time_q t_ref{2.0};
  units::current_q I_e{0.0};
};

struct hh_cond_exp_traub_constants {
  double g_Na, g_K, g_L;              // nS
  double E_Na, E_K, E_L, E_ex, E_in;  // mV
  double V_T;                         // mV
  double spike_threshold;             // mV: V_T + 30
  double C_m;                         // pF
  double tau_syn_ex, tau_syn_in;      // ms
  double I_e;                         // pA
  double ref_steps;                   // round(t_ref / dt)
  double dt;                          // ms: the interval one update() integrates, and the first trial step
};

// Traub's rate functions (1/ms) at u = V - V_T (mV), written as NEST writes them.
struct hh_cond_exp_traub_rates {
  double alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n;
  VOLLEY_HD VOLLEY_INLINE explicit hh_cond_exp_traub_rates(double u)
      : alpha_m(0.32 * (13. - u) / (std::exp((13. - u) / 4.) - 1.)),
        beta_m(0.28 * (u - 40.) / (std::exp((u - 40.) / 5.) - 1.)),
        alpha_h(0.128 * std::exp((17. - u) / 18.)),
        beta_h(4. / (1. + std::exp((40. - u) / 5.))),
        alpha_n(0.032 * (15. - u) / (std::exp((15. - u) / 5.) - 1.)),
        beta_n(0.5 * std::exp((10. - u) / 40.)) {}
};

// The right-hand side as NEST's hh_cond_exp_traub_dynamics writes it (same operations in the same order).
struct hh_cond_exp_traub_system {
  enum : int { V, m, h, n, g_ex, g_in, n_y };  // NEST's State_ order
  const hh_cond_exp_traub_constants& c;
  double I_stim;  // pA, held over the step
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double I_Na = c.g_Na * y[m] * y[m] * y[m] * y[h] * (y[V] - c.E_Na);
    const double I_K = c.g_K * y[n] * y[n] * y[n] * y[n] * (y[V] - c.E_K);
    const double I_L = c.g_L * (y[V] - c.E_L);
    const double I_syn_exc = y[g_ex] * (y[V] - c.E_ex);
    const double I_syn_inh = y[g_in] * (y[V] - c.E_in);
    f[V] = (-I_Na - I_K - I_L - I_syn_exc - I_syn_inh + I_stim + c.I_e) / c.C_m;
    const hh_cond_exp_traub_rates r(y[V] - c.V_T);
    f[m] = r.alpha_m - (r.alpha_m + r.beta_m) * y[m];
    f[h] = r.alpha_h - (r.alpha_h + r.beta_h) * y[h];
    f[n] = r.alpha_n - (r.alpha_n + r.beta_n) * y[n];
    f[g_ex] = -y[g_ex] / c.tau_syn_ex;
    f[g_in] = -y[g_in] / c.tau_syn_in;
  }
};

struct hh_cond_exp_traub {
  static constexpr const char* name = "hh_cond_exp_traub";
  static constexpr const char* description =
      "NEST hh_cond_exp_traub: Traub-Miles Hodgkin-Huxley with exponential conductances (Brette et al. 2007), "
      "adaptive RKF45 as NEST (GSL) integrates it";
  using sys = hh_cond_exp_traub_system;
  static constexpr int n_ode = sys::n_y;
  // V_m .. g_in in NEST's order, then the refractory count and the solver's step size (0 before the first step)
  enum : int { V_m, Act_m, Inact_h, Act_n, g_ex, g_in, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"Act_m", units::dims::none},
                                                                  {"Inact_h", units::dims::none},
                                                                  {"Act_n", units::dims::none},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;
  static constexpr double eps_abs = 1e-3;  // NEST's fixed absolute tolerance (mV, nS, 1), eps_rel = 0

  using params = hh_cond_exp_traub_params;
  using constants = hh_cond_exp_traub_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("g_Na", p.g_Na, range_check::any);  // NEST checks no sign of the conductances here
    f("g_K", p.g_K, range_check::any);
    f("g_L", p.g_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("E_Na", p.E_Na, range_check::any);
    f("E_K", p.E_K, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("V_T", p.V_T, range_check::any);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double h) {
    constants c;
    c.g_Na = p.g_Na.value;
    c.g_K = p.g_K.value;
    c.g_L = p.g_L.value;
    c.E_Na = p.E_Na.value;
    c.E_K = p.E_K.value;
    c.E_L = p.E_L.value;
    c.E_ex = p.E_ex.value;
    c.E_in = p.E_in.value;
    c.V_T = p.V_T.value;
    c.spike_threshold = p.V_T.value + 30.;
    c.C_m = p.C_m.value;
    c.tau_syn_ex = p.tau_syn_ex.value;
    c.tau_syn_in = p.tau_syn_in.value;
    c.I_e = p.I_e.value;
    c.ref_steps = std::round(p.t_ref.value / h);
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    const hh_cond_exp_traub_rates r(p.E_L.value);  // NEST: no V_T shift here
    for (int q = 0; q < n_state; ++q) s[q] = 0;    // h_ode = 0: the solver has not run yet
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[Act_m] = static_cast<real_t>(r.alpha_m / (r.alpha_m + r.beta_m));
    s[Inact_h] = static_cast<real_t>(r.alpha_h / (r.alpha_h + r.beta_h));
    s[Act_n] = static_cast<real_t>(r.alpha_n / (r.alpha_n + r.beta_n));
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const double V_old = s[V_m];
    const sys body{c, static_cast<double>(in.current)};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(body, rkf45::y_control(eps_abs, 0.0), c.dt, y, h);
    y[sys::g_ex] += in.port[0];
    y[sys::g_in] -= in.port[1];  // NEST: g_in += -w for its negative weights
    y[sys::V] += in.delta_v;
    const bool refractory_now = s[refractory] > 0;
    const bool spike = !refractory_now && y[sys::V] >= c.spike_threshold && V_old > y[sys::V];
    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[refractory] = spike ? static_cast<real_t>(c.ref_steps) : (refractory_now ? s[refractory] - 1 : s[refractory]);
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::hh_cond_exp_traub)
