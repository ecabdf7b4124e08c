#pragma once
// NEST's iaf_chxk_2008 (Casti, Hayot, Xiao & Kaplan 2008, retina-LGN model): conductance-based integrate-and-fire
// with alpha-shaped synaptic conductances, no reset and no refractory period; a spike instead starts an alpha-shaped
// afterhyperpolarising (AHP) conductance at the threshold crossing time, found by linear interpolation within the
// step. Integrated as NEST integrates it (GSL's adaptive RKF45, models/rkf45.hpp).
//
//   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) - g_ahp (V - E_ahp) + I_e + I
//   d(dg_x)/dt = -dg_x / tau_x,   dg_x/dt = dg_x - g_x / tau_x       (x = ex, in, ahp; dg in nS/ms, g in nS)
//   tau_ex = tau_syn_ex, tau_in = tau_syn_in, tau_ahp (ms). A spike of weight w (nS) makes dg_ex jump by w e / tau_ex
//   (w > 0, port "ex") or dg_in by -w e / tau_in (w < 0, port "in", NEST's negative weights): one spike gives
//   g(t) = |w| (t / tau) exp(1 - t / tau), peaking at |w| nS at t = tau (as iaf_cond_alpha).
//
// One step (NEST 3 update()):
//   1. V_prev = V; RKF45 over dt with NEST's hard-wired error control y_new(eps_abs = 1e-3, eps_rel = 0), the last
//      step size carried to the next step (state h_ode, NEST's IntegrationStep_). No clamp of V anywhere.
//   2. Spike on an upward crossing only: V_prev < V_th and V >= V_th. The crossing is placed by linear interpolation,
//      offset = dt (V - V_th) / (V - V_prev) ms before the end of the step (NEST's SpikeEvent offset; state
//      spike_offset holds it on the spike's step, 0 on other steps), and the AHP alpha function started there is
//      evaluated at the end of the step: dg_kick = g_ahp e / tau_ahp exp(-offset / tau_ahp), g_kick = dg_kick offset.
//      They are added to dg_ahp, g_ahp; with ahp_bug = true (the original Fortran code) they replace them instead,
//      discarding the AHP of earlier spikes. V is not reset: V must fall below V_th before the next spike.
//   3. The arriving weights are added to dg_ex, dg_in; delta inputs (a volley extension, mV) are added to V (after
//      the spike test: a jump over V_th is not a crossing, the next step starts above threshold).
//   4. I_syn_ex = g_ex (V - E_ex), I_syn_in = g_in (V - E_in), I_ahp = g_ahp (V - E_ahp) (pA) are written from the
//      final state: NEST's recordables of those names (derived, not integrated; initial values are overwritten).
// The current I acting over a step is the one NEST's step_current_generator set in the previous step (see
// tests/support/nest_reference.hpp for the timing).
//
// Names: NEST uses g_ahp both for the parameter (the AHP amplitude, nS) and for the recordable AHP conductance; so
// does volley (params.g_ahp and state g_ahp). NEST's state r (a refractory count) is never set by its update and is
// not kept here.
// Differences from NEST: volley's spikes sit on the step grid; the interpolated offset is kept in spike_offset (NEST
// sends it with the spike, and NEST's spike_recorder reports stamp - offset). NEST throws GSLSolverFailure when GSL
// reports an error (device code cannot throw). NEST's iaf_chxk_2008 ignores the offsets of incoming spikes; volley has
// none.
#include <array>
#include <cmath>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct iaf_chxk_2008_params {
  units::voltage_q V_th{-45.0};
  units::conductance_q g_L{100.0};
  units::capacitance_q C_m{1000.0};
  units::voltage_q E_ex{20.0};
  units::voltage_q E_in{-90.0};
  units::voltage_q E_L{-60.0};
  units::time_q tau_syn_ex{1.0};
  units::time_q tau_syn_in{1.0};
  units::current_q I_e{0.0};
  units::time_q tau_ahp{0.5};
  units::voltage_q E_ahp{-95.0};
  units::conductance_q g_ahp{443.8};
  bool ahp_bug = false;
};

struct iaf_chxk_2008_constants {
  double V_th, E_ex, E_in, E_L, E_ahp;  // mV
  double g_L;                           // nS
  double C_m;                           // pF
  double tau_ex, tau_in, tau_ahp;       // ms
  double I_e;                           // pA
  double g0_ex, g0_in;                  // 1/ms: jump of dg per nS of weight, e / tau
  double g0_ahp;                        // nS/ms: g_ahp e / tau_ahp, the AHP's dg jump at the crossing
  bool ahp_bug;
  double dt;  // ms
};

// The right-hand side as NEST's iaf_chxk_2008_dynamics writes it (same operations, same order), state in NEST's order.
struct iaf_chxk_2008_system {
  enum : int { V, dg_ex, g_ex, dg_in, g_in, dg_ahp, g_ahp, n };
  const iaf_chxk_2008_constants& c;
  double I_stim;  // pA, held over the step
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double I_syn_exc = y[g_ex] * (y[V] - c.E_ex);
    const double I_syn_inh = y[g_in] * (y[V] - c.E_in);
    const double I_ahp = y[g_ahp] * (y[V] - c.E_ahp);
    const double I_leak = c.g_L * (y[V] - c.E_L);
    f[V] = (-I_leak - I_syn_exc - I_syn_inh - I_ahp + I_stim + c.I_e) / c.C_m;
    f[dg_ex] = -y[dg_ex] / c.tau_ex;
    f[g_ex] = y[dg_ex] - y[g_ex] / c.tau_ex;
    f[dg_in] = -y[dg_in] / c.tau_in;
    f[g_in] = y[dg_in] - y[g_in] / c.tau_in;
    f[dg_ahp] = -y[dg_ahp] / c.tau_ahp;
    f[g_ahp] = y[dg_ahp] - y[g_ahp] / c.tau_ahp;
  }
};

struct iaf_chxk_2008 {
  static constexpr const char* name = "iaf_chxk_2008";
  static constexpr const char* description =
      "NEST iaf_chxk_2008: conductance-based IF (alpha conductances) without reset, AHP conductance started at the "
      "interpolated threshold crossing (Casti et al. 2008), adaptive RKF45 as NEST (GSL) integrates it";

  using sys = iaf_chxk_2008_system;
  static constexpr int n_ode = sys::n;
  // V_m .. g_ahp in NEST's order, then the derived currents, the last spike's offset and the solver's step size
  enum : int { V_m, dg_ex, g_ex, dg_in, g_in, dg_ahp, g_ahp, I_syn_ex, I_syn_in, I_ahp, spike_offset, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr units::dimension g_rate = units::dims::conductance + units::dims::rate;  // nS/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"dg_ex", g_rate},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"dg_in", g_rate},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"dg_ahp", g_rate},
                                                                  {"g_ahp", units::dims::conductance},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"I_ahp", units::dims::current},
                                                                  {"spike_offset", units::dims::time},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;
  static constexpr double eps_abs = 1e-3;  // NEST: gsl_odeiv_control_y_new(1e-3, 0.0)

  using params = iaf_chxk_2008_params;
  using constants = iaf_chxk_2008_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_th", p.V_th, range_check::any);
    f("g_L", p.g_L, range_check::any);  // NEST checks no sign of g_L or g_ahp
    f("C_m", p.C_m, range_check::positive);
    f("E_ex", p.E_ex, range_check::any);
    f("E_in", p.E_in, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
    f("tau_ahp", p.tau_ahp, range_check::positive);
    f("E_ahp", p.E_ahp, range_check::any);
    f("g_ahp", p.g_ahp, range_check::any);
    f("ahp_bug", p.ahp_bug, range_check::any);
  }
  // NEST's checks (BadProperty): the range checks above name the parameter; these repeat them with NEST's words for
  // the C++ API, where params are not range-checked one by one.
  static const char* validate(const params& p) {
    if (!(p.C_m.value > 0)) return "Capacitance must be strictly positive.";
    if (!(p.tau_syn_ex.value > 0) || !(p.tau_syn_in.value > 0) || !(p.tau_ahp.value > 0))
      return "All time constants must be strictly positive.";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c;
    c.V_th = p.V_th.value;
    c.E_ex = p.E_ex.value;
    c.E_in = p.E_in.value;
    c.E_L = p.E_L.value;
    c.E_ahp = p.E_ahp.value;
    c.g_L = p.g_L.value;
    c.C_m = p.C_m.value;
    c.tau_ex = p.tau_syn_ex.value;
    c.tau_in = p.tau_syn_in.value;
    c.tau_ahp = p.tau_ahp.value;
    c.I_e = p.I_e.value;
    c.g0_ex = 1.0 * std::numbers::e / c.tau_ex;  // NEST's PSConInit_E, _I, _AHP
    c.g0_in = 1.0 * std::numbers::e / c.tau_in;
    c.g0_ahp = p.g_ahp.value * std::numbers::e / c.tau_ahp;
    c.ahp_bug = p.ahp_bug;
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = dg_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const sys body{c, static_cast<double>(in.current)};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    const double v_prev = y[sys::V];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(body, rkf45::y_control(eps_abs, 0.0), c.dt, y, h);

    const double v = y[sys::V];
    const bool spike = v_prev < c.V_th && v >= c.V_th;
    double offset = 0;
    if (spike) {
      offset = c.dt * (v - c.V_th) / (v - v_prev);  // ms from the crossing to the end of the step
      const double kick_dg = c.g0_ahp * std::exp(-offset / c.tau_ahp);
      const double kick_g = kick_dg * offset;
      y[sys::g_ahp] = c.ahp_bug ? kick_g : y[sys::g_ahp] + kick_g;
      y[sys::dg_ahp] = c.ahp_bug ? kick_dg : y[sys::dg_ahp] + kick_dg;
    }
    y[sys::dg_ex] += in.port[0] * c.g0_ex;
    y[sys::dg_in] += -in.port[1] * c.g0_in;  // NEST: the summed -w of its negative weights
    y[sys::V] += in.delta_v;

    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[I_syn_ex] = static_cast<real_t>(y[sys::g_ex] * (y[sys::V] - c.E_ex));
    s[I_syn_in] = static_cast<real_t>(y[sys::g_in] * (y[sys::V] - c.E_in));
    s[I_ahp] = static_cast<real_t>(y[sys::g_ahp] * (y[sys::V] - c.E_ahp));
    s[spike_offset] = static_cast<real_t>(offset);
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_chxk_2008)
