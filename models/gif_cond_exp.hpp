#pragma once
// NEST's gif_cond_exp: generalized integrate-and-fire neuron with escape noise, spike-triggered current and threshold
// adaptation (Mensi et al. 2012, Pozzorini et al. 2015) and exponential synaptic conductances, integrated as NEST
// integrates it (GSL's adaptive RKF45, models/rkf45.hpp). The adaptation, the escape noise and the refractory clamp
// are shared with gif_psc_exp: models/gif_nest_common.hpp.
//
//   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) - I_stc + I_e + I
//   dg_x/dt = -g_x / tau_syn_x;  a spike of weight w (nS) makes g_ex jump by w (w > 0, port "ex") or g_in by -w
//   (w < 0, port "in": NEST's negative weights; g_in grows by their magnitude)
//   spike with probability 1 - exp(-lambda dt), lambda = lambda_0 exp((V - E_sfa) / Delta_V)
//
// One step in NEST 3.10's order:
//   1. I_stc and E_sfa from the components as they stand, then the components decay (gif_nest_common.hpp).
//   2. RKF45 over dt (V, g_ex, g_in) with the error control y_new(gsl_error_tol, 0) (a parameter here, as in NEST),
//      the last step size carried to the next step (state h_ode, NEST's IntegrationStep_, which starts at dt); the
//      right-hand side holds I_stc of step 1 and the current I over the step, sees V clamped to V_reset while
//      refractory and dV/dt = 0 there (no upper bound on V, unlike iaf_cond_exp).
//   3. The arriving weights are added to g_ex, g_in; delta inputs (a volley extension, mV) to V.
//   4. Not refractory: the escape-noise draw with the new V and this step's E_sfa; a spike adds q_stc_j, q_sfa_j to
//      the components and starts the refractory count. V is not reset at the spike. Refractory: the count
//      decrements and V = V_reset.
// Recorded as NEST records them: V_m, E_sfa, I_stc (the sums of step 1), g_ex, g_in; volley also records the
// components sfa_1..3, stc_1..3.
//
// Differs from NEST: NEST's lists become three fixed components (gif_nest_common.hpp); lambda_0 is a rate in 1/ms
// here (NEST's status value 1.0 is in 1/s); NEST starts V_m at -70 mV whatever E_L, volley at E_L (the same with
// NEST's defaults). Not reproduced: NEST throws GSLSolverFailure when GSL reports an error (device code cannot
// throw). Spike trains are not NEST's (different random numbers): see gif_psc_exp.hpp.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/gif_nest_common.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct gif_cond_exp_params : gif_common_params {
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-85.0};
  units::dimensionless_q gsl_error_tol{1e-3};  // GSL's absolute error bound (mV for V, nS for g)
};

struct gif_cond_exp_constants {
  gif_adaptation_constants a;
  double E_L, E_ex, E_in, V_reset;  // mV
  double g_L;                       // nS
  double C_m;                       // pF
  double tau_syn_ex, tau_syn_in;    // ms
  double I_e;                       // pA
  double eps_abs;                   // gsl_error_tol
  double dt;                        // ms
};

// The right-hand side as NEST's gif_cond_exp_dynamics writes it (same operations in the same order).
struct gif_cond_exp_system {
  const gif_cond_exp_constants& c;
  double I_stim;  // pA, held over the step
  double stc;     // pA, I_stc of this step
  bool refractory;
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double V = refractory ? c.V_reset : y[0];
    const double I_syn_exc = y[1] * (V - c.E_ex);
    const double I_syn_inh = y[2] * (V - c.E_in);
    const double I_L = c.g_L * (V - c.E_L);
    f[0] = refractory ? 0.0 : (-I_L + I_stim + c.I_e - I_syn_exc - I_syn_inh - stc) / c.C_m;
    f[1] = -y[1] / c.tau_syn_ex;
    f[2] = -y[2] / c.tau_syn_in;
  }
};

struct gif_cond_exp {
  static constexpr const char* name = "gif_cond_exp";
  static constexpr const char* description =
      "NEST gif_cond_exp: generalized IF with escape noise, spike-triggered current, threshold adaptation and "
      "exponential conductances, adaptive RKF45 as NEST (GSL) integrates it";
  enum : int {
    V_m, g_ex, g_in, E_sfa, I_stc,
    sfa_1, sfa_2, sfa_3, stc_1, stc_2, stc_3,
    refractory, h_ode, n_state
  };
  static constexpr int n_ode = 3;  // V_m, g_ex, g_in
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"g_in", units::dims::conductance},
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
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;
  static constexpr bool needs_uniform = true;

  using params = gif_cond_exp_params;
  using constants = gif_cond_exp_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    gif_each_common_param(p, f);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("gsl_error_tol", p.gsl_error_tol, range_check::positive);
  }
  static const char* validate(const params& p) { return gif_validate_common(p); }
  static constants derive(const params& p, double h) {
    constants c;
    c.a = gif_derive_adaptation(p, h);
    c.E_L = p.E_L.value;
    c.E_ex = p.E_ex.value;
    c.E_in = p.E_in.value;
    c.V_reset = p.V_reset.value;
    c.g_L = p.g_L.value;
    c.C_m = p.C_m.value;
    c.tau_syn_ex = p.tau_syn_ex.value;
    c.tau_syn_in = p.tau_syn_in.value;
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
    const gif_cond_exp_system body{c, static_cast<double>(in.current), static_cast<double>(s[I_stc]),
                                   s[refractory] > 0};
    double y[n_ode] = {s[V_m], s[g_ex], s[g_in]};
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(body, rkf45::y_control(c.eps_abs, 0.0), c.dt, y, h);
    s[g_ex] = static_cast<real_t>(y[1] + in.port[0]);
    s[g_in] = static_cast<real_t>(y[2] - in.port[1]);  // NEST: the summed -w of its negative weights
    real_t v = static_cast<real_t>(y[0] + in.delta_v);
    const bool spike = gif_spike_or_refractory(c.a, s, refractory, sfa_1, stc_1, s[E_sfa], v, in.uniform);
    s[V_m] = v;
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::gif_cond_exp)
