#pragma once
// NEST's aeif_psc_delta_clopath (Clopath et al. 2010): the AdEx neuron of aeif_psc_delta (input spikes make V jump,
// weights in mV) with a spike afterpotential current z, an adaptive threshold V_th, a clamp of V after each spike
// and the low-pass filtered potentials clopath_synapse reads (models/clopath.hpp), integrated as NEST integrates it
// (GSL's RKF45 in NEST's loop, models/rkf45.hpp, as the other aeif models).
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) - w + z + I_e + I      (mV, pF, nS, pA)
//   tau_w dw/dt = a (V - E_L) - w                 (0 while clamped)
//   tau_z dz/dt = -z                              (pA)
//   tau_V_th dV_th/dt = -(V_th - V_th_rest)       (mV: the threshold of the exponential is this state)
//   tau_u_bar_plus  du_bar_plus/dt  = V - u_bar_plus
//   tau_u_bar_minus du_bar_minus/dt = V - u_bar_minus
//   tau_u_bar_bar   du_bar_bar/dt   = u_bar_minus - u_bar_bar
// Inside the right-hand side V reads V_clamp while clamped, V_reset while refractory (dV/dt = 0 in both), else V
// bounded above by V_peak; the filtered potentials follow that V.
//
// One step (NEST 3 update()): RKF45 over dt with the error control yp_new(gsl_error_tol, gsl_error_tol), the step
// size carried across steps (state h_ode) from min(0.01 ms, dt). After every accepted RKF45 step, in NEST's order:
//   1. this step's delta input (summed weights, mV) is added to V at the first accepted RKF45 step if the neuron is
//      neither refractory nor clamped then, else dropped;
//   2. V >= V_peak (the state V_th when Delta_T = 0) and not clamped: a spike: V = V_clamp, w += b, z = I_sp,
//      V_th = V_th_max, clamped for round(t_clamp/dt) steps after this one (t_clamp = 0: not at all; V then stays
//      at V_clamp and spikes again at the next RKF45 step if V_clamp >= V_peak, as in NEST);
//      otherwise, at the last clamped step (count 1): V = V_reset, the clamp ends and the neuron is refractory for
//      round(t_ref/dt) steps after this one;
//   3. refractory: V = V_reset.
// After the step the clamp and refractory counts go down. update() reports one spike per step.
// Initial state: V_m = E_L, V_th = V_th_rest, u_bar_plus = u_bar_minus = u_bar_bar = E_L, w = z = 0. NEST builds
// the state from the model's default parameters and does not let V_th be set, so its V_th starts at -50.4 mV whatever
// V_th_rest is; volley starts at V_th_rest and V_th may be set like any state variable.
// Not reproduced: NEST's NumericalInstability exception (V < -1000 mV or |w| > 1e6 pA after an RKF45 step).
#include <array>
#include <cmath>
#include <limits>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/clopath.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct aeif_psc_delta_clopath_params {
  units::voltage_q V_peak{33.0};
  units::voltage_q V_reset{-60.0};
  units::time_q t_ref{0.0};
  units::conductance_q g_L{30.0};
  units::capacitance_q C_m{281.0};
  units::voltage_q E_L{-70.6};
  units::voltage_q Delta_T{2.0};
  units::time_q tau_w{144.0};
  units::time_q tau_z{40.0};
  units::time_q tau_V_th{50.0};
  units::voltage_q V_th_max{30.4};
  units::voltage_q V_th_rest{-50.4};
  units::time_q tau_u_bar_plus{7.0};
  units::time_q tau_u_bar_minus{10.0};
  units::time_q tau_u_bar_bar{500.0};
  units::conductance_q a{4.0};
  units::current_q b{80.5};
  units::current_q I_sp{400.0};
  units::current_q I_e{0.0};
  units::dimensionless_q gsl_error_tol{1e-6};  // of every component in its unit
  units::time_q t_clamp{2.0};
  units::voltage_q V_clamp{33.0};
  clopath_rule_params clopath;  // read by clopath_synapse (NEST's ClopathArchivingNode parameters)
};

struct aeif_psc_delta_clopath_constants {
  double V_peak, V_reset, E_L, Delta_T, V_th_max, V_th_rest, V_clamp;             // mV
  double g_L, a;                                                                  // nS
  double C_m;                                                                     // pF
  double b, I_sp, I_e;                                                            // pA
  double tau_w, tau_z, tau_V_th, tau_u_bar_plus, tau_u_bar_minus, tau_u_bar_bar;  // ms
  double tol;                                                                     // gsl_error_tol
  double ref_steps, clamp_steps;  // round(t_ref / dt), round(t_clamp / dt)
  double dt, h_start;             // ms
};

// The right-hand side as NEST's aeif_psc_delta_clopath_dynamics writes it, and NEST's handling after every accepted
// RKF45 step (see the top of this file).
struct aeif_psc_delta_clopath_system {
  enum : int { V, w, z, V_th, u_bar_plus, u_bar_minus, u_bar_bar, n };  // NEST's State_ order
  const aeif_psc_delta_clopath_constants& c;
  double I_stim;   // pA, held over the step
  double r;        // refractory count
  double clamp_r;  // clamp count
  double pending;  // mV: the weights arriving this step, not yet applied
  bool spiked = false;

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const bool refractory = r > 0, clamped = clamp_r > 0;
    const double v = (refractory || clamped) ? (clamped ? c.V_clamp : c.V_reset) : (c.V_peak < y[V] ? c.V_peak : y[V]);
    const double I_spike = c.Delta_T == 0.0 ? 0.0 : c.g_L * c.Delta_T * std::exp((v - y[V_th]) / c.Delta_T);
    f[V] = (refractory || clamped) ? 0.0 : (-c.g_L * (v - c.E_L) + I_spike - y[w] + y[z] + c.I_e + I_stim) / c.C_m;
    f[w] = clamped ? 0.0 : (c.a * (v - c.E_L) - y[w]) / c.tau_w;
    f[z] = -y[z] / c.tau_z;
    f[V_th] = -(y[V_th] - c.V_th_rest) / c.tau_V_th;
    f[u_bar_plus] = (-y[u_bar_plus] + v) / c.tau_u_bar_plus;
    f[u_bar_minus] = (-y[u_bar_minus] + v) / c.tau_u_bar_minus;
    f[u_bar_bar] = (-y[u_bar_bar] + y[u_bar_minus]) / c.tau_u_bar_bar;
  }

  VOLLEY_HD VOLLEY_INLINE void after_step(double* y) {
    if (r == 0 && clamp_r == 0) y[V] += pending;
    pending = 0.0;  // NEST reads (and clears) its input buffer at the first RKF45 step of the simulation step
    const double threshold = c.Delta_T == 0.0 ? y[V_th] : c.V_peak;
    if (y[V] >= threshold && clamp_r == 0) {
      y[V] = c.V_clamp;
      y[w] += c.b;
      y[z] = c.I_sp;
      y[V_th] = c.V_th_max;
      clamp_r = c.clamp_steps > 0 ? c.clamp_steps + 1 : 0.0;  // + 1: the count-down after the loop
      spiked = true;
    } else if (clamp_r == 1) {
      y[V] = c.V_reset;
      clamp_r = 0;
      r = c.ref_steps > 0 ? c.ref_steps + 1 : 0.0;
    }
    if (r > 0) y[V] = c.V_reset;
  }
};

struct aeif_psc_delta_clopath {
  static constexpr const char* name = "aeif_psc_delta_clopath";
  static constexpr const char* description =
      "NEST aeif_psc_delta_clopath: AdEx with delta input (mV), spike afterpotential, adaptive threshold, clamp "
      "after spikes and the filtered potentials of clopath_synapse; adaptive RKF45 as NEST (GSL) integrates it";
  using sys = aeif_psc_delta_clopath_system;
  static constexpr int n_ode = sys::n;
  // the ODE state in NEST's order, then the clamp and refractory counts and the solver's step size
  enum : int { V_m, w, z, V_th, u_bar_plus, u_bar_minus, u_bar_bar, clamp_steps, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr clopath_voltages clopath{V_m, u_bar_plus, u_bar_minus, u_bar_bar};
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"w", units::dims::current},
                                                                  {"z", units::dims::current},
                                                                  {"V_th", units::dims::voltage},
                                                                  {"u_bar_plus", units::dims::voltage},
                                                                  {"u_bar_minus", units::dims::voltage},
                                                                  {"u_bar_bar", units::dims::voltage},
                                                                  {"clamp_steps", units::dims::none},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  // No ports: a connection without receptor whose weights are voltages goes to the delta channel (in.delta_v).
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = aeif_psc_delta_clopath_params;
  using constants = aeif_psc_delta_clopath_constants;

  static params defaults() { return {}; }
  // NEST's names and checks (set_status); g_L, a, b, I_sp unchecked as in NEST
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_peak", p.V_peak, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_L", p.g_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("E_L", p.E_L, range_check::any);
    f("Delta_T", p.Delta_T, range_check::non_negative);
    f("tau_w", p.tau_w, range_check::positive);
    f("tau_z", p.tau_z, range_check::positive);
    f("tau_V_th", p.tau_V_th, range_check::positive);
    f("V_th_max", p.V_th_max, range_check::any);
    f("V_th_rest", p.V_th_rest, range_check::any);
    f("tau_u_bar_plus", p.tau_u_bar_plus, range_check::positive);
    f("tau_u_bar_minus", p.tau_u_bar_minus, range_check::positive);
    f("tau_u_bar_bar", p.tau_u_bar_bar, range_check::positive);
    f("a", p.a, range_check::any);
    f("b", p.b, range_check::any);
    f("I_sp", p.I_sp, range_check::any);
    f("I_e", p.I_e, range_check::any);
    f("gsl_error_tol", p.gsl_error_tol, range_check::positive);
    f("t_clamp", p.t_clamp, range_check::non_negative);
    f("V_clamp", p.V_clamp, range_check::any);
    each_clopath_param(p.clopath, f);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_peak.value) return "V_reset must be below V_peak";
    if (p.V_th_max.value < p.V_th_rest.value) return "V_th_max must be at least V_th_rest";
    if (p.V_peak.value < p.V_th_rest.value) return "V_peak must be at least V_th_rest";
    const double max_exp_arg = std::log(std::numeric_limits<double>::max() / 1e20);  // NEST's overflow margin
    if (p.Delta_T.value > 0 && (p.V_peak.value - p.V_th_rest.value) / p.Delta_T.value >= max_exp_arg)
      return "(V_peak - V_th_rest) / Delta_T must be below ln(DBL_MAX / 1e20) = 663 (the exponential overflows)";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c;
    c.V_peak = p.V_peak.value;
    c.V_reset = p.V_reset.value;
    c.E_L = p.E_L.value;
    c.Delta_T = p.Delta_T.value;
    c.V_th_max = p.V_th_max.value;
    c.V_th_rest = p.V_th_rest.value;
    c.V_clamp = p.V_clamp.value;
    c.g_L = p.g_L.value;
    c.a = p.a.value;
    c.C_m = p.C_m.value;
    c.b = p.b.value;
    c.I_sp = p.I_sp.value;
    c.I_e = p.I_e.value;
    c.tau_w = p.tau_w.value;
    c.tau_z = p.tau_z.value;
    c.tau_V_th = p.tau_V_th.value;
    c.tau_u_bar_plus = p.tau_u_bar_plus.value;
    c.tau_u_bar_minus = p.tau_u_bar_minus.value;
    c.tau_u_bar_bar = p.tau_u_bar_bar.value;
    c.tol = p.gsl_error_tol.value;
    c.ref_steps = std::round(p.t_ref.value / h);
    c.clamp_steps = std::round(p.t_clamp.value / h);
    c.dt = h;
    c.h_start = h < 0.01 ? h : 0.01;  // NEST: min(0.01 ms, dt)
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[V_th] = static_cast<real_t>(p.V_th_rest.value);
    s[u_bar_plus] = s[u_bar_minus] = s[u_bar_bar] = static_cast<real_t>(p.E_L.value);
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    sys body{c, static_cast<double>(in.current), static_cast<double>(s[refractory]),
             static_cast<double>(s[clamp_steps]), static_cast<double>(in.delta_v)};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[i];
    double h = s[h_ode] > 0 ? static_cast<double>(s[h_ode]) : c.h_start;
    rkf45::integrate<n_ode>(body, rkf45::yp_control(c.tol, c.tol), c.dt, y, h);
    for (int i = 0; i < n_ode; ++i) s[i] = static_cast<real_t>(y[i]);
    s[clamp_steps] = static_cast<real_t>(body.clamp_r > 0 ? body.clamp_r - 1 : body.clamp_r);
    s[refractory] = static_cast<real_t>(body.r > 0 ? body.r - 1 : body.r);
    s[h_ode] = static_cast<real_t>(h);
    return body.spiked;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_psc_delta_clopath)
