#pragma once
// NEST's gif_psc_exp_multisynapse and gif_cond_exp_multisynapse: the generalized integrate-and-fire neurons with
// escape noise, spike-triggered current (stc) and threshold adaptation (sfa) of gif_psc_exp / gif_cond_exp
// (Mensi et al. 2012, Pozzorini et al. 2015), with one exponential synapse per receptor port, each port with its own
// time constant (and, for the conductance model, its own reversal potential). The adaptation, the escape noise and
// the refractory clamp are gif_psc_exp's (models/gif_nest_common.hpp, the same code).
//
//   psc:  C_m dV/dt = -g_L (V - E_L) - I_stc + sum_i I_syn_i + I_e + I                       (mV, pF, nS, pA, ms)
//         dI_syn_i/dt = -I_syn_i / tau_syn_i;  a spike of weight w (pA, either sign) on port i makes I_syn_i jump by w
//   cond: C_m dV/dt = -g_L (V - E_L) - sum_i g_i (V - E_rev_i) - I_stc + I_e + I
//         dg_i/dt = -g_i / tau_syn_i;  a spike of weight w (nS) on port i makes g_i jump by w
//   spike with probability 1 - exp(-lambda dt), lambda = lambda_0 exp((V - E_sfa) / Delta_V)
// The port, not the sign, selects the synapse (no routing by sign); excitation or inhibition of the conductance
// model is E_rev_i's business.
//
// Receptor ports: NEST's models have one port per entry of tau_syn (and E_rev: equal lengths; receptor_type 1..n; by
// default one port, tau_syn [2.0], E_rev [0.0]; NEST rejects receptor_type 0). volley's port list is fixed at compile
// time: four ports "1".."4" (NEST's receptor_type 1..4) with tau_syn_1..tau_syn_4 (and E_rev_1..E_rev_4); this is
// NEST's model with four-entry lists. A NEST model with fewer ports is the same with nothing connected to the others:
// an unused port's current / conductance stays exactly 0 and adds nothing to V (nor, cond, to the solver's error
// estimate: the trajectory and the RKF45 step sizes are NEST's). Ports 2..4 default to port 1's values.
//
// One step, psc (NEST 3.10's gif_psc_exp_multisynapse::update):
//   1. I_stc, E_sfa from the components as they stand, then the components decay (gif_adaptation_begin).
//   2. Per port: the membrane term P21_i I_syn_i with the current at the START of the step (NEST's exact scheme,
//      unlike gif_psc_exp, which uses the current after this step's decay and input), then I_syn_i decays by
//      exp(-dt/tau_syn_i) and this step's weights are added (also while refractory).
//   3. Not refractory: V = P30 (I + I_e - I_stc) + P33 V + P31 E_L + sum_i P21_i I_syn_i (+ delta inputs, mV, a
//      volley extension), P33 = exp(-dt/tau_m), P31 = 1 - P33, P30 = tau_m (1 - P33) / C_m, tau_m = C_m / g_L,
//      P21_i the exact propagator (propagator_exp_to_membrane); then the escape-noise draw; a spike adds q_stc_j,
//      q_sfa_j to the components and starts NEST's Time(t_ref).get_steps() refractory steps; V is not reset at the
//      spike. Refractory: the count decrements and V = V_reset.
// One step, cond (NEST 3.10's gif_cond_exp_multisynapse::update):
//   1. As psc.
//   2. RKF45 over dt (V, g_1..g_4) with y_new(gsl_error_tol, 0), the step size carried across steps (h_ode, NEST's
//      IntegrationStep_, starting at dt); the right-hand side holds I_stc of step 1 and the current I over the step,
//      sees V_reset for V in the synaptic currents while refractory and dV/dt = 0 there.
//   3. The arriving weights are added to g_i; delta inputs (mV, a volley extension) to V.
//   4. As psc step 3 after the membrane update: escape-noise draw or refractory clamp.
//
// Recorded by NEST: V_m, E_sfa, I_stc (E_sfa and I_stc are the sums of step 1: a spike's jumps show from the next
// step). volley also records I_syn_1..I_syn_4 (psc) / g_1..g_4 (cond, NEST's status entry g) and the components
// sfa_1..3, stc_1..3.
//
// Differs from NEST: four fixed ports (above); NEST's tau_sfa / q_sfa / tau_stc / q_stc lists become three fixed
// components (gif_nest_common.hpp, gif_set_lists); lambda_0 is a rate in 1/ms here (NEST's status value 1.0 is in
// 1/s: 0.001/ms); NEST starts V_m at -70 mV whatever E_L is set to at Create (both models; checked with NEST 3.10),
// volley at E_L (the same with NEST's defaults). gif_cond_exp_multisynapse: NEST rejects a negative weight when it arrives (device code cannot throw:
// here it would give a negative conductance; connect non-negative weights) and throws GSLSolverFailure when GSL
// reports an error. Spike trains are not NEST's (different random numbers); the spike draw is gif_psc_exp's code
// (gif_escape), validated statistically in tests/test_nest_gif.cpp; tests/test_nest_gif_multisynapse.cpp checks
// the dynamics step by step with the escape noise forced to 0 or 1.
#include <array>
#include <cmath>
#include <string_view>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/gif_nest_common.hpp"
#include "models/iaf_psc_exp.hpp"  // propagator_exp_to_membrane
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

inline constexpr int gif_multisynapse_ports = 4;

// The gif parameters (gif_common_params' tau_syn_ex / tau_syn_in are not parameters of these models: each_param
// does not list them and the models do not read them) and the per-port time constants.
struct gif_psc_exp_multisynapse_params : gif_common_params {
  units::time_q tau_syn_1{2.0};  // NEST's tau_syn [2.0]
  units::time_q tau_syn_2{2.0};  // ports 2..4: NEST has none by default (unused ports add nothing)
  units::time_q tau_syn_3{2.0};
  units::time_q tau_syn_4{2.0};
};

struct gif_cond_exp_multisynapse_params : gif_psc_exp_multisynapse_params {
  units::voltage_q E_rev_1{0.0};  // NEST's E_rev [0.0]
  units::voltage_q E_rev_2{0.0};
  units::voltage_q E_rev_3{0.0};
  units::voltage_q E_rev_4{0.0};
  units::dimensionless_q gsl_error_tol{1e-3};  // GSL's absolute error bound (mV for V, nS for g)
};

namespace gif_multisynapse_detail {

// gif_each_common_param without the two-port time constants.
template <class P, class F>
void each_gif_param(P& p, F&& f) {
  gif_each_common_param(p, [&](const char* name, auto& q, range_check r) {
    const std::string_view n(name);
    if (n != "tau_syn_ex" && n != "tau_syn_in") f(name, q, r);
  });
  f("tau_syn_1", p.tau_syn_1, range_check::positive);
  f("tau_syn_2", p.tau_syn_2, range_check::positive);
  f("tau_syn_3", p.tau_syn_3, range_check::positive);
  f("tau_syn_4", p.tau_syn_4, range_check::positive);
}

inline std::array<double, gif_multisynapse_ports> tau_syn(const gif_psc_exp_multisynapse_params& p) {
  return {p.tau_syn_1.value, p.tau_syn_2.value, p.tau_syn_3.value, p.tau_syn_4.value};
}

inline constexpr std::array<port_desc, gif_multisynapse_ports> current_ports{{{"1", units::dims::current},
                                                                              {"2", units::dims::current},
                                                                              {"3", units::dims::current},
                                                                              {"4", units::dims::current}}};
inline constexpr std::array<port_desc, gif_multisynapse_ports> conductance_ports{{{"1", units::dims::conductance},
                                                                                  {"2", units::dims::conductance},
                                                                                  {"3", units::dims::conductance},
                                                                                  {"4", units::dims::conductance}}};

}  // namespace gif_multisynapse_detail

// ------------------------------------------------ gif_psc_exp_multisynapse ------------------------------------------

struct gif_psc_exp_multisynapse_constants {
  gif_adaptation_constants a;
  real_t P11[gif_multisynapse_ports];  // exp(-dt/tau_syn_i)
  real_t P21[gif_multisynapse_ports];  // mV/pA: I_syn_i at the start of the step -> V
  real_t P30;                          // mV/pA
  real_t P31, P33;                     // E_L and V weights
  real_t E_L, I_e;
};

struct gif_psc_exp_multisynapse {
  static constexpr const char* name = "gif_psc_exp_multisynapse";
  static constexpr const char* description =
      "NEST gif_psc_exp_multisynapse: generalized IF with escape noise, spike-triggered current, threshold "
      "adaptation and exponential PSCs on ports \"1\"..\"4\", each with its own tau_syn (Pozzorini et al. 2015)";
  enum : int {
    V_m, E_sfa, I_stc,
    I_syn_1, I_syn_2, I_syn_3, I_syn_4,
    sfa_1, sfa_2, sfa_3, stc_1, stc_2, stc_3,
    refractory, n_state
  };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"E_sfa", units::dims::voltage},
                                                                  {"I_stc", units::dims::current},
                                                                  {"I_syn_1", units::dims::current},
                                                                  {"I_syn_2", units::dims::current},
                                                                  {"I_syn_3", units::dims::current},
                                                                  {"I_syn_4", units::dims::current},
                                                                  {"sfa_1", units::dims::voltage},
                                                                  {"sfa_2", units::dims::voltage},
                                                                  {"sfa_3", units::dims::voltage},
                                                                  {"stc_1", units::dims::current},
                                                                  {"stc_2", units::dims::current},
                                                                  {"stc_3", units::dims::current},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = gif_multisynapse_ports;
  static constexpr std::array<port_desc, gif_multisynapse_ports> ports = gif_multisynapse_detail::current_ports;
  static constexpr bool needs_uniform = true;

  using params = gif_psc_exp_multisynapse_params;
  using constants = gif_psc_exp_multisynapse_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    gif_multisynapse_detail::each_gif_param(p, f);
  }
  static const char* validate(const params& p) { return gif_validate_common(p); }
  static constants derive(const params& p, double h) {
    constants c;
    c.a = gif_derive_adaptation(p, h);
    const double tau_m = p.C_m.value / p.g_L.value;
    const auto tau = gif_multisynapse_detail::tau_syn(p);
    for (int i = 0; i < gif_multisynapse_ports; ++i) {
      c.P11[i] = static_cast<real_t>(std::exp(-h / tau[i]));
      c.P21[i] = static_cast<real_t>(propagator_exp_to_membrane(tau[i], tau_m, p.C_m.value, h));
    }
    c.P33 = static_cast<real_t>(std::exp(-h / tau_m));
    c.P30 = static_cast<real_t>(-1.0 / p.C_m.value * std::expm1(-h / tau_m) * tau_m);
    c.P31 = static_cast<real_t>(-std::expm1(-h / tau_m));
    c.E_L = static_cast<real_t>(p.E_L.value);
    c.I_e = static_cast<real_t>(p.I_e.value);
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
    s[V_m] = static_cast<real_t>(p.E_L.value);
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    gif_adaptation_begin(c.a, s, I_stc, E_sfa, sfa_1, stc_1);
    real_t syn_pot = 0;
    for (int i = 0; i < gif_multisynapse_ports; ++i) {
      syn_pot += c.P21[i] * s[I_syn_1 + i];
      s[I_syn_1 + i] = c.P11[i] * s[I_syn_1 + i] + in.port[i];
    }
    real_t v = c.P30 * (in.current + c.I_e - s[I_stc]) + c.P33 * s[V_m] + c.P31 * c.E_L + syn_pot + in.delta_v;
    const bool spike = gif_spike_or_refractory(c.a, s, refractory, sfa_1, stc_1, s[E_sfa], v, in.uniform);
    s[V_m] = v;
    return spike;
  }
};

// ------------------------------------------------ gif_cond_exp_multisynapse -----------------------------------------

struct gif_cond_exp_multisynapse_constants {
  gif_adaptation_constants a;
  double E_L, V_reset;                     // mV
  double E_rev[gif_multisynapse_ports];    // mV
  double tau_syn[gif_multisynapse_ports];  // ms
  double g_L;                              // nS
  double C_m;                              // pF
  double I_e;                              // pA
  double eps_abs;                          // gsl_error_tol
  double dt;                               // ms
};

// The right-hand side as NEST's gif_cond_exp_multisynapse_dynamics writes it (same operations in the same order):
// the leak sees the unclamped V (irrelevant: dV/dt is 0 while refractory), the synaptic currents V_reset while
// refractory. State: V, then g_i per port.
struct gif_cond_exp_multisynapse_system {
  static constexpr int n = 1 + gif_multisynapse_ports;
  const gif_cond_exp_multisynapse_constants& c;
  double I_stim;  // pA, held over the step
  double stc;     // pA, I_stc of this step
  bool refractory;
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double I_L = -c.g_L * (y[0] - c.E_L);
    const double V = refractory ? c.V_reset : y[0];
    double I_syn = 0.0;
    for (int i = 0; i < gif_multisynapse_ports; ++i) I_syn += -y[1 + i] * (V - c.E_rev[i]);
    f[0] = refractory ? 0.0 : (I_L + I_stim + c.I_e + I_syn - stc) / c.C_m;
    for (int i = 0; i < gif_multisynapse_ports; ++i) f[1 + i] = -y[1 + i] / c.tau_syn[i];
  }
};

struct gif_cond_exp_multisynapse {
  static constexpr const char* name = "gif_cond_exp_multisynapse";
  static constexpr const char* description =
      "NEST gif_cond_exp_multisynapse: generalized IF with escape noise, spike-triggered current, threshold "
      "adaptation and exponential conductances on ports \"1\"..\"4\" (E_rev_i, tau_syn_i), adaptive RKF45 as NEST "
      "(GSL) integrates it";
  using sys = gif_cond_exp_multisynapse_system;
  static constexpr int n_ode = sys::n;  // V_m, g_1..g_4
  enum : int {
    V_m, g_1, g_2, g_3, g_4,
    E_sfa, I_stc,
    sfa_1, sfa_2, sfa_3, stc_1, stc_2, stc_3,
    refractory, h_ode, n_state
  };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"g_1", units::dims::conductance},
                                                                  {"g_2", units::dims::conductance},
                                                                  {"g_3", units::dims::conductance},
                                                                  {"g_4", units::dims::conductance},
                                                                  {"E_sfa", units::dims::voltage},
                                                                  {"I_stc", units::dims::current},
                                                                  {"sfa_1", units::dims::voltage},
                                                                  {"sfa_2", units::dims::voltage},
                                                                  {"sfa_3", units::dims::voltage},
                                                                  {"stc_1", units::dims::current},
                                                                  {"stc_2", units::dims::current},
                                                                  {"stc_3", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = gif_multisynapse_ports;
  static constexpr std::array<port_desc, gif_multisynapse_ports> ports =
      gif_multisynapse_detail::conductance_ports;
  static constexpr bool needs_uniform = true;

  using params = gif_cond_exp_multisynapse_params;
  using constants = gif_cond_exp_multisynapse_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    gif_multisynapse_detail::each_gif_param(p, f);
    f("E_rev_1", p.E_rev_1, range_check::any);
    f("E_rev_2", p.E_rev_2, range_check::any);
    f("E_rev_3", p.E_rev_3, range_check::any);
    f("E_rev_4", p.E_rev_4, range_check::any);
    f("gsl_error_tol", p.gsl_error_tol, range_check::positive);
  }
  static const char* validate(const params& p) { return gif_validate_common(p); }
  static constants derive(const params& p, double h) {
    constants c;
    c.a = gif_derive_adaptation(p, h);
    c.E_L = p.E_L.value;
    c.V_reset = p.V_reset.value;
    const double E[gif_multisynapse_ports] = {p.E_rev_1.value, p.E_rev_2.value, p.E_rev_3.value, p.E_rev_4.value};
    const auto tau = gif_multisynapse_detail::tau_syn(p);
    for (int i = 0; i < gif_multisynapse_ports; ++i) {
      c.E_rev[i] = E[i];
      c.tau_syn[i] = tau[i];
    }
    c.g_L = p.g_L.value;
    c.C_m = p.C_m.value;
    c.I_e = p.I_e.value;
    c.eps_abs = p.gsl_error_tol.value;
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver starts with dt
    s[V_m] = static_cast<real_t>(p.E_L.value);
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    gif_adaptation_begin(c.a, s, I_stc, E_sfa, sfa_1, stc_1);
    const sys body{c, static_cast<double>(in.current), static_cast<double>(s[I_stc]), s[refractory] > 0};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(body, rkf45::y_control(c.eps_abs, 0.0), c.dt, y, h);
    for (int i = 0; i < gif_multisynapse_ports; ++i) s[g_1 + i] = static_cast<real_t>(y[1 + i] + in.port[i]);
    real_t v = static_cast<real_t>(y[0] + in.delta_v);
    const bool spike = gif_spike_or_refractory(c.a, s, refractory, sfa_1, stc_1, s[E_sfa], v, in.uniform);
    s[V_m] = v;
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::gif_psc_exp_multisynapse)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::gif_cond_exp_multisynapse)
