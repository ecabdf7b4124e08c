#pragma once
// NEST's iaf_bw_2001: the leaky integrate-and-fire neuron of Brunel & Wang (2001) with conductance-based AMPA, GABA
// and NMDA synapses, the NMDA one in NEST's approximation (each presynaptic spike adds a jump that depends on the
// sender's own NMDA state), integrated as NEST integrates it (GSL's adaptive RKF45, models/rkf45.hpp).
//
//   C_m dV/dt = -g_L (V - E_L) - I_AMPA - I_GABA - I_NMDA + I                        (mV, pF, nS, pA)
//   I_AMPA = (V - E_ex) s_AMPA,   I_GABA = (V - E_in) s_GABA,
//   I_NMDA = (V - E_ex) s_NMDA / (1 + [Mg2+] exp(-0.062 V) / 3.57)                   (V in mV, [Mg2+] in mM)
//   ds_x/dt = -s_x / tau_x   for AMPA, GABA, and NMDA with tau_decay_NMDA
// The s_x carry NEST's synaptic weights (the g_AMPA, g_GABA, g_NMDA of the paper are absorbed into them): they are
// conductances in nS here. An arriving AMPA (GABA) spike of weight w (nS, port "AMPA" / "GABA", NEST's receptor_type
// 1 / 2) adds w to s_AMPA (s_GABA), whatever the sender. An NMDA spike (port "NMDA", receptor_type 3, senders of
// this model only) adds w * delta, where delta is what the sender computed at its spike from its own presynaptic
// NMDA state s_pre (dimensionless):
//   s_pre <- s_pre exp(-(t_spike - t_last_spike) / tau_decay_NMDA),   delta = k0 + k1 s_pre,   s_pre <- s_pre + delta
//   k0 = (alpha tau_rise_NMDA)^(tau_rise_NMDA / tau_decay_NMDA) gamma(1 - tau_rise_NMDA / tau_decay_NMDA,
//        alpha tau_rise_NMDA),   k1 = exp(-alpha tau_rise_NMDA) - 1   (gamma: the lower incomplete gamma function)
// NEST sends delta in the spike's offset field; here delta is the spike payload (model_kit.hpp: the state
// nmda_jump, set on spike steps; every weight the spike delivers is multiplied by it). Only connections into the
// NMDA port of an iaf_bw_2001 may use it: the NEST layer sets synapse_spec::use_payload for receptor_type 3 between
// iaf_bw_2001 neurons only (NEST refuses other senders there; its other targets see the plain weight). A network
// built directly must set use_payload = false on iaf_bw_2001 -> AMPA / GABA (or other model) projections.
//
// One step (NEST 3.10 update()): RKF45 over dt with the error control y_new(eps_abs = gsl_error_tol, eps_rel = 0),
// the last step size carried to the next step (state h_ode, NEST's IntegrationStep_); V is not clamped in the
// right-hand side (also not while refractory). I_AMPA, I_GABA, I_NMDA are the currents of the right-hand side's last
// evaluation (GSL's derivative at the end of the step, before the jumps and the reset), as NEST records them. Then
// this step's weights are added to s_AMPA, s_GABA, s_NMDA (and delta inputs, mV, a volley extension, to V). Then a
// refractory neuron counts down and V = V_reset; else V >= V_th is a spike: V = V_reset, refractory for t_ref in
// NEST's steps (nest_refractory_steps: rounded up), and s_pre and delta as above. The current I acting over a step
// is the one NEST's generators set in the previous step (tests/support/nest_reference.hpp).
//
// State: V_m, s_AMPA, s_GABA, s_NMDA (nS), I_AMPA, I_GABA, I_NMDA (pA), refractory_steps, s_NMDA_pre (after the
// last spike, as NEST keeps it), steps_since_spike (steps from the last spike, or from t = 0, to the end of the
// current step: the elapsed time of the next spike is (steps_since_spike) dt; exact in single precision up to 2^24
// steps, after which s_pre has long decayed to nothing), nmda_jump (delta of the last spike: the payload), h_ode.
//
// Differences from NEST, and why:
//   - tau_rise_NMDA must be below tau_decay_NMDA (the first argument of gamma must be positive): an error when the
//     parameters are set; NEST accepts the values and fails in Simulate (boost's incomplete gamma throws).
//   - g_L must be non-negative (NEST accepts a negative leak conductance).
//   - NEST's spike_recorder reports an iaf_bw_2001 spike at stamp - delta (ms): it reads the NMDA jump as a precise
//     spike-time offset (NEST's documentation says to record these neurons with time_in_steps). NEST's precise-time
//     targets (*_ps) likewise take delta as the arrival offset within the step; the NEST layer refuses
//     iaf_bw_2001 -> *_ps. volley's spikes are in their step (the stamp).
//   - NEST accepts STDP synapses on NMDA connections (the plastic weight times delta); volley refuses STDP on
//     payload connections (the engine's rule). AMPA / GABA connections may be plastic.
//   - NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw).
// iaf_bw_2001_exact (NEST's exact NMDA variant, not here) would need per-synapse state in the receiver: one
// s_NMDA and one rise variable x per NMDA connection (ds/dt = -s/tau_decay + alpha x (1 - s), dx/dt = -x/tau_rise,
// x += 1 per spike), summed with the weights in I_NMDA: a per-connection ODE the engine's projections do not hold.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps: NEST's rounding of t_ref to steps
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

// Lower incomplete gamma function gamma(a, x) = int_0^x t^(a-1) e^-t dt for a > 0, x >= 0 (not regularised):
// the power series x^a e^-x sum_n x^n / (a (a+1) ... (a+n)) below x = a + 1, else Gamma(a) - Gamma(a, x) with
// Gamma(a, x) from its continued fraction (modified Lentz). Host code, run once per parameter set.
inline double lower_incomplete_gamma(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return std::nan("");
  if (x == 0) return 0.0;
  const double log_prefactor = a * std::log(x) - x;
  if (x < a + 1) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * 1e-17) break;
    }
    return sum * std::exp(log_prefactor);
  }
  constexpr double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, f = d;
  for (int n = 1; n < 10000; ++n) {
    const double an = -n * (n - a);
    b += 2;
    d = an * d + b;
    d = std::fabs(d) < tiny ? tiny : d;
    c = b + an / c;
    c = std::fabs(c) < tiny ? tiny : c;
    d = 1 / d;
    const double delta = d * c;
    f *= delta;
    if (std::fabs(delta - 1) < 1e-17) break;
  }
  return std::tgamma(a) - std::exp(log_prefactor) * f;
}

struct iaf_bw_2001_params {
  units::voltage_q E_L{-70.0};
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-70.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-60.0};
  units::capacitance_q C_m{500.0};  // NEST 3.10's default (its documentation table says 250 pF)
  units::conductance_q g_L{25.0};
  units::time_q t_ref{2.0};
  units::time_q tau_AMPA{2.0};
  units::time_q tau_GABA{5.0};
  units::time_q tau_rise_NMDA{2.0};
  units::time_q tau_decay_NMDA{100.0};
  units::rate_q alpha{0.5};               // 1/ms
  units::concentration_q conc_Mg2{1.0};   // mM
  units::dimensionless_q gsl_error_tol{1e-3};
};

struct iaf_bw_2001_constants {
  double E_L, E_ex, E_in, V_th, V_reset;  // mV
  double C_m;                             // pF
  double g_L;                             // nS
  double tau_AMPA, tau_GABA, tau_decay_NMDA;  // ms
  double conc_Mg2;                        // mM
  double eps_abs;                         // gsl_error_tol
  double k0, k1;                          // the NMDA jump delta = k0 + k1 s_pre
  double ref_steps;                       // t_ref in NEST's steps
  double dt;                              // ms
};

// The right-hand side with NEST's iaf_bw_2001_dynamics terms (its sums may round in another order: agreement 5e-10).
struct iaf_bw_2001_system {
  const iaf_bw_2001_constants& c;
  double I_stim;  // pA, held over the step
  VOLLEY_HD VOLLEY_INLINE static double nmda_current(const iaf_bw_2001_constants& c, double V, double s) {
    return (V - c.E_ex) / (1 + c.conc_Mg2 * std::exp(-0.062 * V) / 3.57) * s;
  }
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double I_AMPA = (y[0] - c.E_ex) * y[1];
    const double I_GABA = (y[0] - c.E_in) * y[2];
    const double I_NMDA = nmda_current(c, y[0], y[3]);
    const double I_syn = I_AMPA + I_GABA + I_NMDA;
    f[0] = (-c.g_L * (y[0] - c.E_L) - I_syn + I_stim) / c.C_m;
    f[1] = -y[1] / c.tau_AMPA;
    f[2] = -y[2] / c.tau_GABA;
    f[3] = -y[3] / c.tau_decay_NMDA;
  }
};

struct iaf_bw_2001 {
  static constexpr const char* name = "iaf_bw_2001";
  static constexpr const char* description =
      "NEST iaf_bw_2001: LIF with AMPA, GABA and approximate NMDA conductances (Brunel & Wang 2001); NMDA spikes "
      "carry the sender's jump k0 + k1 s_pre; adaptive RKF45 as NEST (GSL) integrates it";
  enum : int {
    V_m,
    s_AMPA,
    s_GABA,
    s_NMDA,
    I_AMPA,
    I_GABA,
    I_NMDA,
    refractory,
    s_NMDA_pre,
    steps_since_spike,
    nmda_jump,
    h_ode,
    n_state
  };
  static constexpr int n_ode = 4;  // V_m, s_AMPA, s_GABA, s_NMDA
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"s_AMPA", units::dims::conductance},
                                                                  {"s_GABA", units::dims::conductance},
                                                                  {"s_NMDA", units::dims::conductance},
                                                                  {"I_AMPA", units::dims::current},
                                                                  {"I_GABA", units::dims::current},
                                                                  {"I_NMDA", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"s_NMDA_pre", units::dims::none},
                                                                  {"steps_since_spike", units::dims::none},
                                                                  {"nmda_jump", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 3;
  static constexpr std::array<port_desc, 3> ports{{{"AMPA", units::dims::conductance},
                                                   {"GABA", units::dims::conductance},
                                                   {"NMDA", units::dims::conductance}}};
  static constexpr int spike_payload = nmda_jump;

  using params = iaf_bw_2001_params;
  using constants = iaf_bw_2001_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E_L", p.E_L, range_check::any);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("g_L", p.g_L, range_check::non_negative);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("tau_AMPA", p.tau_AMPA, range_check::positive);
    f("tau_GABA", p.tau_GABA, range_check::positive);
    f("tau_rise_NMDA", p.tau_rise_NMDA, range_check::positive);
    f("tau_decay_NMDA", p.tau_decay_NMDA, range_check::positive);
    f("alpha", p.alpha, range_check::positive);
    f("conc_Mg2", p.conc_Mg2, range_check::positive);
    f("gsl_error_tol", p.gsl_error_tol, range_check::positive);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    if (!(p.tau_rise_NMDA.value < p.tau_decay_NMDA.value))
      return "tau_rise_NMDA must be below tau_decay_NMDA (k0's incomplete gamma function needs "
             "1 - tau_rise_NMDA / tau_decay_NMDA > 0)";
    return nullptr;
  }
  // k0 and k1 of the NMDA jump, as NEST's pre_run_hook computes them.
  static double nmda_k0(const params& p) {
    const double x = p.alpha.value * p.tau_rise_NMDA.value;
    const double r = p.tau_rise_NMDA.value / p.tau_decay_NMDA.value;
    return std::pow(x, r) * lower_incomplete_gamma(1 - r, x);
  }
  static double nmda_k1(const params& p) { return std::expm1(-p.alpha.value * p.tau_rise_NMDA.value); }
  static constants derive(const params& p, double h) {
    constants c{};
    c.E_L = p.E_L.value;
    c.E_ex = p.E_ex.value;
    c.E_in = p.E_in.value;
    c.V_th = p.V_th.value;
    c.V_reset = p.V_reset.value;
    c.C_m = p.C_m.value;
    c.g_L = p.g_L.value;
    c.tau_AMPA = p.tau_AMPA.value;
    c.tau_GABA = p.tau_GABA.value;
    c.tau_decay_NMDA = p.tau_decay_NMDA.value;
    c.conc_Mg2 = p.conc_Mg2.value;
    c.eps_abs = p.gsl_error_tol.value;
    c.k0 = nmda_k0(p);
    c.k1 = nmda_k1(p);
    c.ref_steps = nest_refractory_steps(p.t_ref.value, h);
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = s_AMPA; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const iaf_bw_2001_system sys{c, static_cast<double>(in.current)};
    double y[n_ode] = {s[V_m], s[s_AMPA], s[s_GABA], s[s_NMDA]};
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(sys, rkf45::y_control(c.eps_abs, 0.0), c.dt, y, h);
    // the currents of GSL's last evaluation of the right-hand side: at the end of the step
    s[I_AMPA] = static_cast<real_t>((y[0] - c.E_ex) * y[1]);
    s[I_GABA] = static_cast<real_t>((y[0] - c.E_in) * y[2]);
    s[I_NMDA] = static_cast<real_t>(iaf_bw_2001_system::nmda_current(c, y[0], y[3]));
    s[s_AMPA] = static_cast<real_t>(y[1] + in.port[0]);
    s[s_GABA] = static_cast<real_t>(y[2] + in.port[1]);
    s[s_NMDA] = static_cast<real_t>(y[3] + in.port[2]);
    const double v = y[0] + in.delta_v;
    const bool refractory_now = s[refractory] > 0;
    const bool spike = !refractory_now && v >= c.V_th;
    s[V_m] = static_cast<real_t>(refractory_now || spike ? c.V_reset : v);
    s[refractory] = spike ? static_cast<real_t>(c.ref_steps) : (refractory_now ? s[refractory] - 1 : s[refractory]);
    s[h_ode] = static_cast<real_t>(h);
    const real_t since = s[steps_since_spike] + 1;  // this step's end is `since` steps after the last spike
    s[steps_since_spike] = spike ? real_t(0) : since;
    if (spike) {  // rare: a branch, not a select
      const double pre = double(s[s_NMDA_pre]) * std::exp(-(double(since) * c.dt) / c.tau_decay_NMDA);
      const double delta = c.k0 + c.k1 * pre;
      s[s_NMDA_pre] = static_cast<real_t>(pre + delta);
      s[nmda_jump] = static_cast<real_t>(delta);
    }
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_bw_2001)
