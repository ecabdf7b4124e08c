#pragma once
// NEST's hh_psc_alpha: Hodgkin-Huxley neuron (squid axon kinetics) with alpha-shaped postsynaptic currents,
// integrated as NEST integrates it (GSL's adaptive RKF45, models/rkf45.hpp).
//
//   C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I_syn_ex + I_syn_in + I_e + I
//   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x,  x in {m (Act_m), h (Inact_h), n (Act_n)}, rates in 1/ms, V in mV:
//     alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40)/10))    beta_m = 4 exp(-(V + 65)/18)
//     alpha_h = 0.07 exp(-(V + 65)/20)                    beta_h = 1 / (1 + exp(-(V + 35)/10))
//     alpha_n = 0.01 (V + 55) / (1 - exp(-(V + 55)/10))   beta_n = 0.125 exp(-(V + 65)/80)
//   d(dI_x)/dt = -dI_x / tau_syn_x,  dI_x/dt = dI_x - I_x / tau_syn_x  (dI in pA/ms, I in pA); a spike of weight
//   w (pA) makes dI_syn_ex jump by w e / tau_syn_ex (w > 0, port "ex") or dI_syn_in by w e / tau_syn_in (w < 0,
//   port "in": the current stays negative): one spike gives a PSC w (t / tau) exp(1 - t / tau), peak w pA at tau.
//   The rates are evaluated as NEST writes them, 0/0 at V = -40 and -55 mV included (NaN there, as in NEST).
//
// Initial state as NEST's: V_m = -65 mV (not E_L; the resting potential of the default parameters), each gating
// variable at its equilibrium alpha_x / (alpha_x + beta_x) at that V_m, currents 0.
//
// One step (NEST 3 update()): with V_old the V_m at the start of the step, RKF45 over dt with the error control
// y_new(eps_abs = 1e-3, eps_rel = 0) (hard-wired in NEST) and the step size carried across steps (state h_ode,
// NEST's IntegrationStep_); no clamp, no reset. Then the arriving weights are added to dI_syn_ex, dI_syn_in and
// delta inputs (a volley extension, mV) to V. Then spike detection: a neuron with refractory steps left counts
// down (V is not held); otherwise V >= 0 mV with V_old > V (the step after the peak of an action potential above
// 0 mV) is a spike, and the next round(t_ref/dt) steps detect none (t_ref only suppresses detection on the falling
// flank; NEST's documentation warns t_ref must be long enough for that).
// Not reproduced: NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <cmath>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct hh_psc_alpha_params {
  units::time_q t_ref{2.0};
  units::conductance_q g_Na{12000.0};
  units::conductance_q g_K{3600.0};
  units::conductance_q g_L{30.0};
  units::capacitance_q C_m{100.0};
  units::voltage_q E_Na{50.0};
  units::voltage_q E_K{-77.0};
  units::voltage_q E_L{-54.402};
  units::time_q tau_syn_ex{0.2};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

struct hh_psc_alpha_constants {
  double g_Na, g_K, g_L;          // nS
  double E_Na, E_K, E_L;          // mV
  double C_m;                     // pF
  double tau_syn_ex, tau_syn_in;  // ms
  double I_e;                     // pA
  double psc_ex, psc_in;          // 1/ms: e / tau_syn, the jump of dI per pA of weight
  double ref_steps;               // round(t_ref / dt)
  double dt;                      // ms: the interval one update() integrates, and the first trial step
};

// The squid-axon rate functions (1/ms) at V (mV), written as NEST writes them.
struct hh_psc_alpha_rates {
  double alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n;
  VOLLEY_HD VOLLEY_INLINE explicit hh_psc_alpha_rates(double V)
      : alpha_m((0.1 * (V + 40.)) / (1. - std::exp(-(V + 40.) / 10.))),
        beta_m(4. * std::exp(-(V + 65.) / 18.)),
        alpha_h(0.07 * std::exp(-(V + 65.) / 20.)),
        beta_h(1. / (1. + std::exp(-(V + 35.) / 10.))),
        alpha_n((0.01 * (V + 55.)) / (1. - std::exp(-(V + 55.) / 10.))),
        beta_n(0.125 * std::exp(-(V + 65.) / 80.)) {}
};

// The right-hand side as NEST's hh_psc_alpha_dynamics writes it (same operations in the same order).
struct hh_psc_alpha_system {
  enum : int { V, m, h, n, dI_ex, I_ex, dI_in, I_in, n_y };  // NEST's State_ order
  const hh_psc_alpha_constants& c;
  double I_stim;  // pA, held over the step
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const hh_psc_alpha_rates r(y[V]);
    const double I_Na = c.g_Na * y[m] * y[m] * y[m] * y[h] * (y[V] - c.E_Na);
    const double I_K = c.g_K * y[n] * y[n] * y[n] * y[n] * (y[V] - c.E_K);
    const double I_L = c.g_L * (y[V] - c.E_L);
    f[V] = (-(I_Na + I_K + I_L) + I_stim + c.I_e + y[I_ex] + y[I_in]) / c.C_m;
    f[m] = r.alpha_m * (1 - y[m]) - r.beta_m * y[m];
    f[h] = r.alpha_h * (1 - y[h]) - r.beta_h * y[h];
    f[n] = r.alpha_n * (1 - y[n]) - r.beta_n * y[n];
    f[dI_ex] = -y[dI_ex] / c.tau_syn_ex;
    f[I_ex] = y[dI_ex] - y[I_ex] / c.tau_syn_ex;
    f[dI_in] = -y[dI_in] / c.tau_syn_in;
    f[I_in] = y[dI_in] - y[I_in] / c.tau_syn_in;
  }
};

struct hh_psc_alpha {
  static constexpr const char* name = "hh_psc_alpha";
  static constexpr const char* description =
      "NEST hh_psc_alpha: Hodgkin-Huxley with alpha-shaped PSCs (peak = weight), adaptive RKF45 as NEST (GSL) "
      "integrates it";
  using sys = hh_psc_alpha_system;
  static constexpr int n_ode = sys::n_y;
  // V_m .. I_syn_in in NEST's order, then the refractory count and the solver's step size (0 before the first step)
  enum : int { V_m, Act_m, Inact_h, Act_n, dI_syn_ex, I_syn_ex, dI_syn_in, I_syn_in, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr units::dimension current_rate = units::dims::current - units::dims::time;  // pA/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"Act_m", units::dims::none},
                                                                  {"Inact_h", units::dims::none},
                                                                  {"Act_n", units::dims::none},
                                                                  {"dI_syn_ex", current_rate},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"dI_syn_in", current_rate},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;
  static constexpr double eps_abs = 1e-3;         // NEST's fixed absolute tolerance (mV, pA, pA/ms, 1), eps_rel = 0
  static constexpr double V_initial = -65.0;      // mV: NEST's initial V_m
  static constexpr double spike_threshold = 0.0;  // mV: NEST's fixed detection threshold

  using params = hh_psc_alpha_params;
  using constants = hh_psc_alpha_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_Na", p.g_Na, range_check::non_negative);
    f("g_K", p.g_K, range_check::non_negative);
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
    c.g_K = p.g_K.value;
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
    c.ref_steps = std::round(p.t_ref.value / h);
    c.dt = h;
    return c;
  }
  static void initial_state(const params&, real_t* s) {
    const hh_psc_alpha_rates r(V_initial);
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
    s[V_m] = static_cast<real_t>(V_initial);
    s[Act_m] = static_cast<real_t>(r.alpha_m / (r.alpha_m + r.beta_m));
    s[Inact_h] = static_cast<real_t>(r.alpha_h / (r.alpha_h + r.beta_h));
    s[Act_n] = static_cast<real_t>(r.alpha_n / (r.alpha_n + r.beta_n));
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return update_with<sys, n_ode>(sys{c, static_cast<double>(in.current)}, c, s, in);
  }

  // One step of an hh_psc_alpha-like model whose ODE state y = s[0 .. N) begins with hh_psc_alpha's eight
  // variables (the system Sys may integrate more after them), then the refractory count s[N] and h_ode s[N + 1]
  // (also hh_psc_alpha_clopath's update).
  template <class Sys, int N>
  VOLLEY_HD VOLLEY_INLINE static bool update_with(const Sys& body, const constants& c, real_t* s,
                                                  const neuron_input& in) {
    const double V_old = s[V_m];
    double y[N];
    for (int i = 0; i < N; ++i) y[i] = s[V_m + i];
    double h = s[N + 1] > 0 ? double(s[N + 1]) : c.dt;
    rkf45::integrate<N>(body, rkf45::y_control(eps_abs, 0.0), c.dt, y, h);
    y[sys::dI_ex] += in.port[0] * c.psc_ex;
    y[sys::dI_in] += in.port[1] * c.psc_in;  // NEST keeps the negative weights: I_syn_in < 0
    y[sys::V] += in.delta_v;
    const bool refractory_now = s[N] > 0;
    const bool spike = !refractory_now && y[sys::V] >= spike_threshold && V_old > y[sys::V];
    for (int i = 0; i < N; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[N] = spike ? static_cast<real_t>(c.ref_steps) : (refractory_now ? s[N] - 1 : s[N]);
    s[N + 1] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::hh_psc_alpha)
