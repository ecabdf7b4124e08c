#pragma once
// NEST's hh_cond_beta_gap_traub: the Traub-Miles Hodgkin-Huxley-type point neuron of hh_cond_exp_traub
// (models/hh_cond_exp_traub.hpp: same currents, gating kinetics and spike detection) with beta-function synaptic
// conductances, integrated as NEST integrates it (GSL's adaptive RKF45, models/rkf45.hpp). With NEST's gap junctions
// (below).
//
//   C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in)
//               + I_e + I                                                                   (mV, pF, nS, pA, ms)
//   dx/dt = alpha_x(u) - (alpha_x(u) + beta_x(u)) x,  x in {m (Act_m), h (Inact_h), n (Act_n)}, u = V - V_T, with
//   Traub's rates (hh_cond_exp_traub_rates, as NEST writes them).
//   d(dg_x)/dt = -dg_x / tau_decay_x,   dg_x/dt = dg_x - g_x / tau_rise_x        (dg in nS/ms, g in nS; NEST's
//   assignment of the two time constants, as in its iaf_cond_beta, kept: g(t) is symmetric in them, dg is not and
//   enters the solver's error estimate; swapping them moved no recorded value of the reference by 1e-9)
//   a spike of weight w (nS) makes dg_ex jump by w c_ex (w > 0, port "ex") or dg_in by -w c_in (w <= 0, port "in",
//   NEST's negative weights), c = NEST's beta_normalization_factor (beta_normalization, models/iaf_cond_beta.hpp):
//   g(t) = |w| c (exp(-t/tau_decay) - exp(-t/tau_rise)) / (1/tau_rise - 1/tau_decay) peaks at |w| nS (NEST's
//   documentation puts the peak at t = tau_rise; it is at t* = tau_d tau_r ln(tau_d/tau_r) / (tau_d - tau_r)).
//
// Initial state as NEST's: V_m = E_L, dg = g = 0, and each gating variable at alpha_x / (alpha_x + beta_x) with the
// rates evaluated at u = E_L itself, without the V_T shift (NEST's State_ constructor omits it, as in
// hh_cond_exp_traub): with the defaults (V_T = -50 mV) m = 9.9e-9, not the equilibrium, and the neuron starts with a
// transient, in NEST as here. NEST builds this state from its default parameters: an E_L set at Create leaves V_m at
// -60 mV and the gates at their values (checked with NEST 3.10); volley starts from the E_L given (the same with
// NEST's default E_L).
//
// One step (NEST 3.10 update_ without waveform relaxation), V_old = V_m at the start of the step: RKF45 over dt with
// y_new(eps_abs = 1e-3, eps_rel = 0) (hard-wired in NEST) and the step size carried across steps (state h_ode,
// NEST's IntegrationStep_, starting at dt); no clamp, no reset. Then the arriving weights are added to dg_ex, dg_in
// and delta inputs (a volley extension, mV) to V. Then spike detection (threshold and local maximum, as
// hh_cond_exp_traub; hh_psc_alpha tests the same local maximum against a fixed 0 mV instead): a neuron with
// refractory steps left counts down (V is not held); otherwise V >= V_T + 30 mV with V_old > V (V has fallen during
// the step, past the peak) is a spike, and the next Time(t_ref).get_steps() steps (nest_refractory_steps) detect
// none (t_ref only suppresses detection on the falling flank).
//
// Gap junctions: NEST's gap_junction coupling (waveform relaxation, engine/nest_gap_wfr.hpp) enters as I_gap in the
// membrane equation, + I_gap before I_e as NEST adds it (models/nest_gap_coupling.hpp), from the state fields
// gap_g_sum and gap_c0 .. gap_c3 written before each step; they are 0 without gap junctions, which adds an exact 0
// (the trajectory is the one without the term, bit for bit). volley's own gap junctions (engine/gap_junction.hpp:
// explicit, brainpy.state semantics) reach this model as a current like any other; they are not NEST's coupling.
// Not reproduced: NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw); NEST's check that
// the gating variables set as state are >= 0.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/hh_cond_exp_traub.hpp"  // hh_cond_exp_traub_rates
#include "models/iaf_cond_beta.hpp"      // beta_normalization
#include "models/iaf_psc_exp_htum.hpp"   // nest_refractory_steps
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/nest_gap_coupling.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct hh_cond_beta_gap_traub_params {
  units::conductance_q g_Na{20000.0};
  units::conductance_q g_K{6000.0};
  units::conductance_q g_L{10.0};
  units::capacitance_q C_m{200.0};
  units::voltage_q E_Na{50.0};
  units::voltage_q E_K{-90.0};
  units::voltage_q E_L{-60.0};
  units::voltage_q V_T{-50.0};
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-80.0};
  units::time_q tau_rise_ex{0.5};
  units::time_q tau_decay_ex{5.0};
  units::time_q tau_rise_in{0.5};
  units::time_q tau_decay_in{10.0};
  units::time_q t_ref{2.0};
  units::current_q I_e{0.0};
};

struct hh_cond_beta_gap_traub_constants {
  double g_Na, g_K, g_L;              // nS
  double E_Na, E_K, E_L, E_ex, E_in;  // mV
  double V_T;                         // mV
  double spike_threshold;             // mV: V_T + 30
  double C_m;                         // pF
  double tau_rise_ex, tau_decay_ex;   // ms
  double tau_rise_in, tau_decay_in;   // ms
  double g0_ex, g0_in;                // 1/ms: jump of dg per nS of weight
  double I_e;                         // pA
  double ref_steps;                   // NEST's steps of t_ref
  double dt;                          // ms: the interval one update() integrates, and the first trial step
};

// The right-hand side as NEST's hh_cond_beta_gap_traub_dynamics writes it (same operations in the same order).
struct hh_cond_beta_gap_traub_system {
  enum : int { V, m, h, n, dg_ex, g_ex, dg_in, g_in, n_y };  // NEST's State_ order
  const hh_cond_beta_gap_traub_constants& c;
  double I_stim;       // pA, held over the step
  nest_gap_input gap;  // this step's gap coupling (zeros: none)
  VOLLEY_HD VOLLEY_INLINE void rhs(double t, const double* y, double* f) const {
    const double I_Na = c.g_Na * y[m] * y[m] * y[m] * y[h] * (y[V] - c.E_Na);
    const double I_K = c.g_K * y[n] * y[n] * y[n] * y[n] * (y[V] - c.E_K);
    const double I_L = c.g_L * (y[V] - c.E_L);
    const double I_syn_exc = y[g_ex] * (y[V] - c.E_ex);
    const double I_syn_inh = y[g_in] * (y[V] - c.E_in);
    const double I_gap = nest_gap_current(gap, y[V], t / c.dt);
    f[V] = (-I_Na - I_K - I_L - I_syn_exc - I_syn_inh + I_stim + I_gap + c.I_e) / c.C_m;
    const hh_cond_exp_traub_rates r(y[V] - c.V_T);
    f[m] = r.alpha_m - (r.alpha_m + r.beta_m) * y[m];
    f[h] = r.alpha_h - (r.alpha_h + r.beta_h) * y[h];
    f[n] = r.alpha_n - (r.alpha_n + r.beta_n) * y[n];
    f[dg_ex] = -y[dg_ex] / c.tau_decay_ex;
    f[g_ex] = y[dg_ex] - y[g_ex] / c.tau_rise_ex;
    f[dg_in] = -y[dg_in] / c.tau_decay_in;
    f[g_in] = y[dg_in] - y[g_in] / c.tau_rise_in;
  }
};

struct hh_cond_beta_gap_traub {
  static constexpr const char* name = "hh_cond_beta_gap_traub";
  static constexpr const char* description =
      "NEST hh_cond_beta_gap_traub: Traub-Miles Hodgkin-Huxley with beta-function conductances (peak = weight), "
      "NEST's gap junctions (waveform relaxation), adaptive RKF45 as NEST (GSL) integrates it";
  using sys = hh_cond_beta_gap_traub_system;
  static constexpr int n_ode = sys::n_y;
  // V_m .. g_in in NEST's order, the refractory count, the solver's step size (0 before the first step), then the
  // gap coupling of the coming step (engine/nest_gap_wfr.hpp writes it)
  enum : int {
    V_m,
    Act_m,
    Inact_h,
    Act_n,
    dg_ex,
    g_ex,
    dg_in,
    g_in,
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
  static constexpr units::dimension g_rate = units::dims::conductance + units::dims::rate;  // nS/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"Act_m", units::dims::none},
                                                                  {"Inact_h", units::dims::none},
                                                                  {"Act_n", units::dims::none},
                                                                  {"dg_ex", g_rate},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"dg_in", g_rate},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time},
                                                                  {"gap_g_sum", units::dims::conductance},
                                                                  {"gap_c0", units::dims::current},
                                                                  {"gap_c1", units::dims::current},
                                                                  {"gap_c2", units::dims::current},
                                                                  {"gap_c3", units::dims::current}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;
  static constexpr double eps_abs = 1e-3;  // NEST's fixed absolute tolerance (mV, 1, nS/ms, nS), eps_rel = 0

  using params = hh_cond_beta_gap_traub_params;
  using constants = hh_cond_beta_gap_traub_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("g_Na", p.g_Na, range_check::non_negative);  // NEST: all conductances must be non-negative
    f("g_K", p.g_K, range_check::non_negative);
    f("g_L", p.g_L, range_check::non_negative);
    f("C_m", p.C_m, range_check::positive);
    f("E_Na", p.E_Na, range_check::any);
    f("E_K", p.E_K, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("V_T", p.V_T, range_check::any);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("tau_rise_ex", p.tau_rise_ex, range_check::positive);
    f("tau_decay_ex", p.tau_decay_ex, range_check::positive);
    f("tau_rise_in", p.tau_rise_in, range_check::positive);
    f("tau_decay_in", p.tau_decay_in, range_check::positive);
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
    c.tau_rise_ex = p.tau_rise_ex.value;
    c.tau_decay_ex = p.tau_decay_ex.value;
    c.tau_rise_in = p.tau_rise_in.value;
    c.tau_decay_in = p.tau_decay_in.value;
    c.g0_ex = beta_normalization(p.tau_rise_ex.value, p.tau_decay_ex.value);
    c.g0_in = beta_normalization(p.tau_rise_in.value, p.tau_decay_in.value);
    c.I_e = p.I_e.value;
    c.ref_steps = nest_refractory_steps(p.t_ref.value, h);
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
  // The arrivals of the step after the integration (NEST: spike_exc_ / spike_inh_ into dg).
  VOLLEY_HD VOLLEY_INLINE static void add_arrivals(const constants& c, double* y, const real_t* port, real_t delta_v) {
    y[sys::dg_ex] += port[0] * c.g0_ex;
    y[sys::dg_in] += -port[1] * c.g0_in;  // NEST: the summed -w of its non-positive weights
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
    const bool spike = !refractory_now && y[sys::V] >= c.spike_threshold && V_old > y[sys::V];
    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[refractory] = spike ? static_cast<real_t>(c.ref_steps) : (refractory_now ? s[refractory] - 1 : s[refractory]);
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::hh_cond_beta_gap_traub)
