#pragma once
// NEST's iaf_cond_beta: leaky integrate-and-fire with beta-shaped synaptic conductances, integrated as NEST
// integrates it (GSL's adaptive RKF45, models/rkf45.hpp). Also the core NEST's iaf_cond_alpha shares with it
// (models/iaf_cond_alpha.hpp: the same model with tau_rise = tau_decay = tau_syn, bit for bit).
//
//   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I
//   d(dg_x)/dt = -dg_x / tau_decay_x,   dg_x/dt = dg_x - g_x / tau_rise_x          (dg in nS/ms, g in nS)
//   a spike of weight w (nS) makes dg_ex jump by w c_ex (w > 0, port "ex") or dg_in by -w c_in (w < 0, port "in",
//   NEST's negative weights): one spike gives g(t) = |w| c (exp(-t/tau_decay) - exp(-t/tau_rise)) / (1/tau_rise -
//   1/tau_decay), and c normalises its peak to |w| nS: with t* = tau_d tau_r ln(tau_d/tau_r) / (tau_d - tau_r) the
//   peak time, c = (1/tau_r - 1/tau_d) / (exp(-t*/tau_d) - exp(-t*/tau_r)) (in 1/ms). NEST's fallback, reproduced:
//   when |tau_d - tau_r| <= DBL_EPSILON (ms), or the difference of exponentials is below DBL_EPSILON in magnitude,
//   the kernel is the alpha function and c = e / tau_decay (peak |w| nS at t = tau_decay). (NEST's documentation
//   says the peak is at t = tau_rise; the kernel is symmetric in the two time constants and peaks at t*.)
//
// One step (NEST 3 update()): RKF45 over dt with the error control y_new(eps_abs = 1e-3, eps_rel = 0) (hard-wired in
// NEST, as for iaf_cond_exp), the last step size carried to the next step (state h_ode, NEST's IntegrationStep_);
// the right-hand side sees V clamped to V_reset while refractory (and dV/dt = 0 there), else V bounded above by V_th.
// Then the arriving weights are added to dg_ex, dg_in and delta inputs (a volley extension, mV) to V. Then a
// refractory neuron counts down and V = V_reset; else V >= V_th is a spike: V = V_reset, refractory for
// round(t_ref/dt) steps. (NEST adds the weights after the spike test; only V is tested and only dg receives them, so
// the order is the same for NEST's inputs.) The current I acting over a step is the one NEST's
// step_current_generator set in the previous step: see tests/support/nest_reference.hpp for the timing.
// NEST's recordable t_ref_remaining is refractory_steps * dt.
// Not reproduced: NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <cmath>
#include <limits>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/iaf_cond_exp.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

// ---- What the iaf_cond_* models share with iaf_cond_exp ---------------------------------------------------------

// iaf_cond_exp's constants (V_th, V_reset, E_L, E_ex, E_in, g_L, C_m, I_e, ref_steps, dt) from any iaf_cond_* params
// struct with NEST's common parameter names; tau_ex, tau_in (ms) land in tau_syn_ex, tau_syn_in.
template <class P>
iaf_cond_exp_constants iaf_cond_membrane_constants(const P& p, units::time_q tau_ex, units::time_q tau_in, double h) {
  iaf_cond_exp_params q;
  q.V_th = p.V_th;
  q.V_reset = p.V_reset;
  q.t_ref = p.t_ref;
  q.g_L = p.g_L;
  q.C_m = p.C_m;
  q.E_ex = p.E_ex;
  q.E_in = p.E_in;
  q.E_L = p.E_L;
  q.tau_syn_ex = tau_ex;
  q.tau_syn_in = tau_in;
  q.I_e = p.I_e;
  return iaf_cond_exp::derive(q, h);
}

// The end of a step of NEST's iaf_cond_* models, as iaf_cond_exp does it: a refractory neuron (count > 0) counts
// down and is held at V_reset; otherwise V >= V_th is a spike, V = V_reset and round(t_ref/dt) refractory steps
// follow. v (mV) and count are updated in place; true on a spike.
VOLLEY_HD VOLLEY_INLINE bool iaf_cond_refractory_or_spike(const iaf_cond_exp_constants& m, double& v, real_t& count) {
  const bool refractory_now = count > 0;
  const bool spike = !refractory_now && v >= m.V_th;
  v = refractory_now || spike ? m.V_reset : v;
  count = spike ? static_cast<real_t>(m.ref_steps) : (refractory_now ? count - 1 : count);
  return spike;
}

// ---- The two-state (alpha / beta) conductance synapse -------------------------------------------------------------

// NEST's beta_normalization_factor: the jump of dg (1/ms) per nS of weight that makes the conductance peak at the
// weight, with the alpha fallback for (numerically) coinciding time constants.
inline double beta_normalization(double tau_rise, double tau_decay) {
  constexpr double eps = std::numeric_limits<double>::epsilon();
  const double tau_difference = tau_decay - tau_rise;
  double peak_value = 0;
  if (std::abs(tau_difference) > eps) {
    const double t_peak = tau_decay * tau_rise * std::log(tau_decay / tau_rise) / tau_difference;
    peak_value = std::exp(-t_peak / tau_decay) - std::exp(-t_peak / tau_rise);
  }
  if (std::abs(peak_value) < eps) return std::numbers::e / tau_decay;  // alpha function
  return (1.0 / tau_rise - 1.0 / tau_decay) / peak_value;
}

struct iaf_cond_beta_constants {
  iaf_cond_exp_constants m;         // membrane; m.tau_syn_ex, m.tau_syn_in hold the decay time constants (ms)
  double tau_rise_ex, tau_rise_in;  // ms
  double g0_ex, g0_in;              // 1/ms: jump of dg per nS of weight
};

// The right-hand side as NEST's iaf_cond_beta_dynamics (and iaf_cond_alpha_dynamics) writes it: same operations in
// the same order. State in NEST's order.
struct iaf_cond_beta_system {
  enum : int { V, dg_ex, g_ex, dg_in, g_in, n };
  const iaf_cond_beta_constants& c;
  double I_stim;  // pA, held over the step
  bool refractory;
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const iaf_cond_exp_constants& m = c.m;
    const double v = refractory ? m.V_reset : (m.V_th < y[V] ? m.V_th : y[V]);
    const double I_syn_exc = y[g_ex] * (v - m.E_ex);
    const double I_syn_inh = y[g_in] * (v - m.E_in);
    const double I_leak = m.g_L * (v - m.E_L);
    f[V] = refractory ? 0.0 : (-I_leak - I_syn_exc - I_syn_inh + I_stim + m.I_e) / m.C_m;
    f[dg_ex] = -y[dg_ex] / m.tau_syn_ex;
    f[g_ex] = y[dg_ex] - y[g_ex] / c.tau_rise_ex;
    f[dg_in] = -y[dg_in] / m.tau_syn_in;
    f[g_in] = y[dg_in] - y[g_in] / c.tau_rise_in;
  }
};

// State layout and one update() step shared by iaf_cond_beta and iaf_cond_alpha.
struct iaf_cond_beta_core {
  using sys = iaf_cond_beta_system;
  static constexpr int n_ode = sys::n;
  // V_m .. g_in in NEST's order, then the refractory count and the solver's step size (0 before the first step)
  enum : int { V_m, dg_ex, g_ex, dg_in, g_in, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr units::dimension g_rate = units::dims::conductance + units::dims::rate;  // nS/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"dg_ex", g_rate},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"dg_in", g_rate},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;
  static constexpr double eps_abs = iaf_cond_exp::eps_abs;  // NEST: y_new(1e-3, 0) as for iaf_cond_exp

  static void zero_initial_state(double E_L, real_t* s) {
    s[V_m] = static_cast<real_t>(E_L);
    for (int q = dg_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool step(const iaf_cond_beta_constants& c, real_t* s, const neuron_input& in) {
    const sys body{c, static_cast<double>(in.current), s[refractory] > 0};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.m.dt;
    rkf45::integrate<n_ode>(body, rkf45::y_control(eps_abs, 0.0), c.m.dt, y, h);
    y[sys::dg_ex] += in.port[0] * c.g0_ex;
    y[sys::dg_in] += -in.port[1] * c.g0_in;  // NEST: the summed -w of its negative weights
    double v = y[sys::V] + in.delta_v;
    real_t count = s[refractory];
    const bool spike = iaf_cond_refractory_or_spike(c.m, v, count);
    y[sys::V] = v;
    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[refractory] = count;
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

// ---- iaf_cond_beta ------------------------------------------------------------------------------------------------

struct iaf_cond_beta_params {
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-60.0};
  units::time_q t_ref{2.0};
  units::conductance_q g_L{16.6667};
  units::capacitance_q C_m{250.0};
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-85.0};
  units::voltage_q E_L{-70.0};
  units::time_q tau_rise_ex{0.2};
  units::time_q tau_decay_ex{0.2};
  units::time_q tau_rise_in{2.0};
  units::time_q tau_decay_in{2.0};
  units::current_q I_e{0.0};
};

struct iaf_cond_beta : iaf_cond_beta_core {
  static constexpr const char* name = "iaf_cond_beta";
  static constexpr const char* description =
      "NEST iaf_cond_beta: LIF with beta-function conductances (peak = weight), adaptive RKF45 as NEST (GSL) "
      "integrates it";

  using params = iaf_cond_beta_params;
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
    f("tau_rise_ex", p.tau_rise_ex, range_check::positive);
    f("tau_decay_ex", p.tau_decay_ex, range_check::positive);
    f("tau_rise_in", p.tau_rise_in, range_check::positive);
    f("tau_decay_in", p.tau_decay_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c;
    c.m = iaf_cond_membrane_constants(p, p.tau_decay_ex, p.tau_decay_in, h);
    c.tau_rise_ex = p.tau_rise_ex.value;
    c.tau_rise_in = p.tau_rise_in.value;
    c.g0_ex = beta_normalization(p.tau_rise_ex.value, p.tau_decay_ex.value);
    c.g0_in = beta_normalization(p.tau_rise_in.value, p.tau_decay_in.value);
    return c;
  }
  static void initial_state(const params& p, real_t* s) { zero_initial_state(p.E_L.value, s); }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return step(c, s, in);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_cond_beta)
