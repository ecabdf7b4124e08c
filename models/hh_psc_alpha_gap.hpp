#pragma once
// NEST's hh_psc_alpha_gap: a Hodgkin-Huxley neuron with an extra Kv3 potassium channel (Mancilla et al. 2007's
// interneuron parameters), alpha-shaped postsynaptic currents and NEST's gap junctions, integrated as NEST
// integrates it (GSL's adaptive RKF45, models/rkf45.hpp).
//
//   C_m dV/dt = -g_Na m^3 h (V - E_Na) - (g_Kv1 n^4 + g_Kv3 p^2) (V - E_K) - g_L (V - E_L) + I_syn_ex + I_syn_in
//               + I_e + I + I_gap                                                           (mV, pF, nS, pA, ms)
//   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x,  x in {m (Act_m), h (Inact_h), n (Act_n), p (Inact_p)}, in 1/ms:
//     alpha_m = 40 (V - 75.5) / (1 - exp(-(V - 75.5)/13.5))     beta_m = 1.2262 / exp(V/42.248)
//     alpha_h = 0.0035 / exp(V/24.186)                          beta_h = 0.017 (51.25 + V) / (1 - exp(-(51.25 +
//     V)/5.2)) alpha_p = (V - 95) / (1 - exp(-(V - 95)/11.8))            beta_p = 0.025 / exp(V/22.222) alpha_n = 0.014
//     (V + 44) / (1 - exp(-(V + 44)/2.3))       beta_n = 0.0043 / exp((V + 44)/34)
//   d(dI_x)/dt = -dI_x / tau_syn_x, dI_x/dt = dI_x - I_x / tau_syn_x (pA/ms, pA); a spike of weight w (pA) makes
//   dI_syn_ex jump by w e / tau_syn_ex (w > 0, port "ex") or dI_syn_in by w e / tau_syn_in (w <= 0, port "in").
//   I_gap: NEST's gap current within the step (models/nest_gap_coupling.hpp), from the state fields gap_g_sum and
//   gap_c0 .. gap_c3 that engine/nest_gap_wfr.hpp writes before each step (0: no gap junctions).
//
// Initial state as NEST's: V_m = -69.60401191631222 mV whatever E_L (NEST's hard-wired resting potential of the
// default parameters), each gating variable at alpha_x / (alpha_x + beta_x) there, currents 0.
//
// One step (NEST 3.10 update_ outside waveform relaxation), V_old = V_m at the start: RKF45 over dt with
// y_new(eps_abs = 1e-6, eps_rel = 0) (hard-wired in NEST; hh_psc_alpha has 1e-3) and the step size carried across
// steps (h_ode, NEST's IntegrationStep_); then the arriving weights into dI_syn_ex / dI_syn_in and delta inputs
// (a volley extension, mV) into V; then spike detection: refractory steps left count down (V is not held);
// otherwise V >= 0 mV with V_old > V (just past a peak above 0 mV) is a spike, and the next Time(t_ref).get_steps()
// steps detect none.
// Not reproduced: NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <array>
#include <cmath>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/nest_gap_coupling.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct hh_psc_alpha_gap_params {
  units::time_q t_ref{2.0};
  units::conductance_q g_Na{4500.0};
  units::conductance_q g_Kv1{9.0};
  units::conductance_q g_Kv3{9000.0};
  units::conductance_q g_L{10.0};
  units::capacitance_q C_m{40.0};
  units::voltage_q E_Na{74.0};
  units::voltage_q E_K{-90.0};
  units::voltage_q E_L{-70.0};
  units::time_q tau_syn_ex{0.2};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

struct hh_psc_alpha_gap_constants {
  double g_Na, g_Kv1, g_Kv3, g_L;  // nS
  double E_Na, E_K, E_L;           // mV
  double C_m;                      // pF
  double tau_syn_ex, tau_syn_in;   // ms
  double I_e;                      // pA
  double psc_ex, psc_in;           // 1/ms: e / tau_syn, the jump of dI per pA of weight
  double ref_steps;                // Time(t_ref).get_steps()
  double dt;                       // ms
};

// The rate functions (1/ms) at V (mV), written as NEST writes them.
struct hh_psc_alpha_gap_rates {
  double alpha_m, beta_m, alpha_h, beta_h, alpha_p, beta_p, alpha_n, beta_n;
  VOLLEY_HD VOLLEY_INLINE explicit hh_psc_alpha_gap_rates(double V)
      : alpha_m(40. * (V - 75.5) / (1. - std::exp(-(V - 75.5) / 13.5))),
        beta_m(1.2262 / std::exp(V / 42.248)),
        alpha_h(0.0035 / std::exp(V / 24.186)),
        beta_h(0.017 * (51.25 + V) / (1. - std::exp(-(51.25 + V) / 5.2))),
        alpha_p((V - 95.) / (1. - std::exp(-(V - 95.) / 11.8))),
        beta_p(0.025 / std::exp(V / 22.222)),
        alpha_n(0.014 * (V + 44.) / (1. - std::exp(-(V + 44.) / 2.3))),
        beta_n(0.0043 / std::exp((V + 44.) / 34.)) {}
};

// The right-hand side as NEST's hh_psc_alpha_gap_dynamics writes it (same operations in the same order).
struct hh_psc_alpha_gap_system {
  enum : int { V, m, h, n, p, dI_ex, I_ex, dI_in, I_in, n_y };  // NEST's State_ order
  const hh_psc_alpha_gap_constants& c;
  double I_stim;       // pA, held over the step
  nest_gap_input gap;  // this step's coupling
  VOLLEY_HD VOLLEY_INLINE void rhs(double t, const double* y, double* f) const {
    const hh_psc_alpha_gap_rates r(y[V]);
    const double I_Na = c.g_Na * y[m] * y[m] * y[m] * y[h] * (y[V] - c.E_Na);
    const double I_K = (c.g_Kv1 * y[n] * y[n] * y[n] * y[n] + c.g_Kv3 * y[p] * y[p]) * (y[V] - c.E_K);
    const double I_L = c.g_L * (y[V] - c.E_L);
    const double I_gap = nest_gap_current(gap, y[V], t / c.dt);
    f[V] = (-(I_Na + I_K + I_L) + I_stim + c.I_e + y[I_ex] + y[I_in] + I_gap) / c.C_m;
    f[m] = r.alpha_m * (1 - y[m]) - r.beta_m * y[m];
    f[h] = r.alpha_h * (1 - y[h]) - r.beta_h * y[h];
    f[p] = r.alpha_p * (1 - y[p]) - r.beta_p * y[p];
    f[n] = r.alpha_n * (1 - y[n]) - r.beta_n * y[n];
    f[dI_ex] = -y[dI_ex] / c.tau_syn_ex;
    f[I_ex] = y[dI_ex] - y[I_ex] / c.tau_syn_ex;
    f[dI_in] = -y[dI_in] / c.tau_syn_in;
    f[I_in] = y[dI_in] - y[I_in] / c.tau_syn_in;
  }
};

struct hh_psc_alpha_gap {
  static constexpr const char* name = "hh_psc_alpha_gap";
  static constexpr const char* description =
      "NEST hh_psc_alpha_gap: Hodgkin-Huxley with Kv1 and Kv3 potassium channels, alpha-shaped PSCs and NEST's gap "
      "junctions (waveform relaxation), adaptive RKF45 as NEST (GSL) integrates it";
  using sys = hh_psc_alpha_gap_system;
  static constexpr int n_ode = sys::n_y;
  // V_m .. I_syn_in in NEST's order, the refractory count, the solver's step size (0 before the first step), then
  // the gap coupling of the coming step (engine/nest_gap_wfr.hpp writes it)
  enum : int {
    V_m,
    Act_m,
    Inact_h,
    Act_n,
    Inact_p,
    dI_syn_ex,
    I_syn_ex,
    dI_syn_in,
    I_syn_in,
    refractory,
    h_ode,
    gap_g_sum,
    gap_c0,
    gap_c1,
    gap_c2,
    gap_c3,
    n_state
  };
  static constexpr int membrane = V_m;
  static constexpr units::dimension current_rate = units::dims::current - units::dims::time;  // pA/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"Act_m", units::dims::none},
                                                                  {"Inact_h", units::dims::none},
                                                                  {"Act_n", units::dims::none},
                                                                  {"Inact_p", units::dims::none},
                                                                  {"dI_syn_ex", current_rate},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"dI_syn_in", current_rate},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time},
                                                                  {"gap_g_sum", units::dims::conductance},
                                                                  {"gap_c0", units::dims::current},
                                                                  {"gap_c1", units::dims::current},
                                                                  {"gap_c2", units::dims::current},
                                                                  {"gap_c3", units::dims::current}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;
  static constexpr double eps_abs = 1e-6;                  // NEST's fixed absolute tolerance, eps_rel = 0
  static constexpr double V_initial = -69.60401191631222;  // mV: NEST's initial V_m
  static constexpr double spike_threshold = 0.0;           // mV: NEST's fixed detection threshold

  using params = hh_psc_alpha_gap_params;
  using constants = hh_psc_alpha_gap_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_Na", p.g_Na, range_check::non_negative);  // NEST: all conductances must be non-negative
    f("g_Kv1", p.g_Kv1, range_check::non_negative);
    f("g_Kv3", p.g_Kv3, range_check::non_negative);
    f("g_L", p.g_L, range_check::non_negative);
    f("C_m", p.C_m, range_check::positive);
    f("E_Na", p.E_Na, range_check::any);
    f("E_K", p.E_K, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double h) {
    constants c;
    c.g_Na = p.g_Na.value;
    c.g_Kv1 = p.g_Kv1.value;
    c.g_Kv3 = p.g_Kv3.value;
    c.g_L = p.g_L.value;
    c.E_Na = p.E_Na.value;
    c.E_K = p.E_K.value;
    c.E_L = p.E_L.value;
    c.C_m = p.C_m.value;
    c.tau_syn_ex = p.tau_syn_ex.value;
    c.tau_syn_in = p.tau_syn_in.value;
    c.I_e = p.I_e.value;
    c.psc_ex = 1.0 * std::numbers::e / p.tau_syn_ex.value;
    c.psc_in = 1.0 * std::numbers::e / p.tau_syn_in.value;
    c.ref_steps = nest_refractory_steps(p.t_ref.value, h);
    c.dt = h;
    return c;
  }
  static void initial_state(const params&, real_t* s) {
    const hh_psc_alpha_gap_rates r(V_initial);
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet; no coupling
    s[V_m] = static_cast<real_t>(V_initial);
    s[Act_m] = static_cast<real_t>(r.alpha_m / (r.alpha_m + r.beta_m));
    s[Inact_h] = static_cast<real_t>(r.alpha_h / (r.alpha_h + r.beta_h));
    s[Act_n] = static_cast<real_t>(r.alpha_n / (r.alpha_n + r.beta_n));
    s[Inact_p] = static_cast<real_t>(r.alpha_p / (r.alpha_p + r.beta_p));
  }

  // --- the pieces engine/nest_gap_wfr.hpp composes for its waveform-relaxation iterations ---
  static constexpr int first_gap_field = gap_g_sum;
  // RKF45 over one step (y: the n_ode ODE variables; h: the carried step size, ms).
  VOLLEY_HD VOLLEY_INLINE static void integrate(const constants& c, double* y, double& h, double I_stim,
                                                const nest_gap_input& gap) {
    const sys body{c, I_stim, gap};
    rkf45::integrate<n_ode>(body, rkf45::y_control(eps_abs, 0.0), c.dt, y, h);
  }
  // dV/dt (mV/ms) at time t (ms) into the step.
  VOLLEY_HD VOLLEY_INLINE static double dV_dt(const constants& c, const double* y, double I_stim,
                                              const nest_gap_input& gap, double t) {
    const sys body{c, I_stim, gap};
    double f[n_ode];
    body.rhs(t, y, f);
    return f[sys::V];
  }
  // The arrivals of the step after the integration (NEST: spike_exc_ / spike_inh_ into dI).
  VOLLEY_HD VOLLEY_INLINE static void add_arrivals(const constants& c, double* y, const real_t* port, real_t delta_v) {
    y[sys::dI_ex] += port[0] * c.psc_ex;
    y[sys::dI_in] += port[1] * c.psc_in;  // NEST keeps the negative weights: I_syn_in < 0
    y[sys::V] += delta_v;
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const double V_old = s[V_m];
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    integrate(c, y, h, static_cast<double>(in.current), nest_gap_from_state(s, first_gap_field));
    add_arrivals(c, y, in.port, in.delta_v);
    const bool refractory_now = s[refractory] > 0;
    const bool spike = !refractory_now && y[sys::V] >= spike_threshold && V_old > y[sys::V];
    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[refractory] = spike ? static_cast<real_t>(c.ref_steps) : (refractory_now ? s[refractory] - 1 : s[refractory]);
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::hh_psc_alpha_gap)
