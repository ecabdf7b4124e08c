#pragma once
// NEST's glif_cond: the generalized leaky integrate-and-fire models GLIF1-5 of Teeter et al. (2018, Nat. Commun.
// 9:709) with alpha-shaped synaptic conductances, integrated as NEST 3.10 integrates it (GSL's adaptive RKF45,
// models/rkf45.hpp).
//
//   C_m dU/dt = -g_m U - sum_i g_i (U + E_L - E_rev_i) + I + ASCurrents_sum        (U = V_m - E_L, mV; g in nS)
//   d(dg_i)/dt = -dg_i / tau_syn_i,   dg_i/dt = dg_i - g_i / tau_syn_i               (dg in nS/ms)
//   a spike of weight w (nS) into port "i" makes dg_i jump by w e / tau_syn_i: a conductance of peak w nS at
//   t = tau_syn_i. Weights are conductances, positive: inhibition is a port whose E_rev is low (port "2", E_rev_2
//   -85 mV by default); NEST checks no sign, neither does volley.
// The threshold components, the after-spike currents, the reset rules and the mechanism switches (GLIF1 lif ...
// GLIF5 lif_r_asc_a) are in models/glif_common.hpp.
//
// Receptor ports: NEST's glif_cond has one port per entry of its tau_syn and E_rev lists (receptor_type 1..n; two
// by default: tau_syn [0.2, 2.0] ms, E_rev [0.0, -85.0] mV). volley's port list is fixed at compile time: exactly
// two ports, "1" and "2" (NEST's receptor_type 1 and 2), with tau_syn_1, tau_syn_2, E_rev_1, E_rev_2 and NEST's
// defaults: NEST's glif_cond with tau_syn = [tau_syn_1, tau_syn_2], E_rev = [E_rev_1, E_rev_2]. A single-port NEST
// model is the same with nothing connected to "2". Connections must name the port (NEST rejects receptor_type 0).
//
// One step (NEST 3.10 glif_cond::update), U_old = U at the start of the step, I = the current input:
//   1. RKF45 over dt (state y = U, dg_1, g_1, dg_2, g_2; error control y_new(eps_abs = 1e-3, eps_rel = 0), NEST's
//      hard-wired values; the last step size carried to the next step in h_ode, NEST's IntegrationStep_). The
//      right-hand side uses I and the ASCurrents_sum of the PREVIOUS step (NEST integrates before it updates the
//      ASCs); while refractory it sees U = V_reset - E_L in the synaptic currents and dU/dt = 0.
//   2. not refractory: theta_s and the ASCs decay and ASCurrents_sum becomes this step's mean ASC; delta inputs
//      (mV, a volley extension: NEST's glif_cond has none) are added to U; theta_v advances from U_old, I and the
//      new ASCurrents_sum; U > threshold spikes, with the resets (glif_common.hpp).
//      refractory: the counter decrements and U = U_old (held).
//   3. this step's weights are added to dg_i.
// The current input acting over a step is the one NEST's step_current_generator set in the previous step (NEST's
// B_.I_ is updated at the end of a step): see tests/support/nest_reference.hpp. NEST's recordable I is that input,
// not a state; volley does not keep it. glif_cond has no I_e (NEST has none).
//
// Recording: NEST's V_m and threshold are absolute, threshold_spike and threshold_voltage relative, g_1, g_2 the
// conductances; the same here. NEST's status lists dg, g and ASCurrents are dg_i, g_i and ASCurrents_i.
// Differs from NEST: two ports and two ASCs (see above and glif_common.hpp); asc_init starts the ASCs (and their
// sum used by the first step, when after_spike_currents is on; NEST 3.10 ignores asc_init); V_m starts at E_L
// (NEST keeps the absolute V_m of -78.85 mV when E_L is changed at Create). Not reproduced: NEST throws
// GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <array>
#include <cmath>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/glif_common.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

struct glif_cond_params : glif_mechanism_params {
  units::voltage_q V_th{-51.68};
  units::conductance_q g_m{9.43};
  units::voltage_q E_L{-78.85};
  units::capacitance_q C_m{58.72};
  units::time_q t_ref{3.75};
  units::voltage_q V_reset{-78.85};  // GLIF1/3 only (GLIF2/4/5 reset by voltage_reset_fraction/add)
  units::time_q tau_syn_1{0.2};      // NEST's tau_syn [0.2, 2.0]
  units::time_q tau_syn_2{2.0};
  units::voltage_q E_rev_1{0.0};  // NEST's E_rev [0.0, -85.0]
  units::voltage_q E_rev_2{-85.0};
};

struct glif_cond_constants {
  glif_mechanism_constants m;
  double C;           // pF
  double tau_syn[2];  // ms
  double E_rev[2];    // mV
  double g0[2];       // 1/ms: e / tau_syn_i, the jump of dg_i per nS of weight
  double dt;          // ms
};

// NEST's glif_cond_dynamics: the same operations in the same order. State in NEST's order (U relative to E_L).
struct glif_cond_system {
  enum : int { U, dg_1, g_1, dg_2, g_2, n };
  const glif_cond_constants& c;
  double I;        // pA, held over the step
  double asc_sum;  // pA, the previous step's ASCurrents_sum
  bool refractory;
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const glif_mechanism_constants& m = c.m;
    const double V = refractory ? m.V_reset : y[U];
    double I_syn = 0.0;
    I_syn += y[g_1] * (V + m.E_L - c.E_rev[0]);
    I_syn += y[g_2] * (V + m.E_L - c.E_rev[1]);
    const double I_leak = m.G * V;
    f[U] = refractory ? 0.0 : (-I_leak - I_syn + I + asc_sum) / c.C;
    f[dg_1] = -y[dg_1] / c.tau_syn[0];
    f[g_1] = y[dg_1] - (y[g_1] / c.tau_syn[0]);
    f[dg_2] = -y[dg_2] / c.tau_syn[1];
    f[g_2] = y[dg_2] - (y[g_2] / c.tau_syn[1]);
  }
};

struct glif_cond {
  static constexpr const char* name = "glif_cond";
  static constexpr const char* description =
      "NEST glif_cond: generalized LIF (Teeter et al. 2018, GLIF1-5 by spike_dependent_threshold, "
      "after_spike_currents, adapting_threshold) with alpha-function conductances on ports \"1\" and \"2\", "
      "adaptive RKF45 as NEST (GSL) integrates it";
  enum : int {
    V_m,
    dg_1,
    g_1,
    dg_2,
    g_2,
    threshold,
    threshold_spike,
    threshold_voltage,
    ASCurrents_1,
    ASCurrents_2,
    ASCurrents_sum,
    refractory,
    h_ode,
    n_state
  };
  static constexpr int membrane = V_m;
  static constexpr units::dimension g_rate = units::dims::conductance + units::dims::rate;  // nS/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"dg_1", g_rate},
                                                                  {"g_1", units::dims::conductance},
                                                                  {"dg_2", g_rate},
                                                                  {"g_2", units::dims::conductance},
                                                                  {"threshold", units::dims::voltage},
                                                                  {"threshold_spike", units::dims::voltage},
                                                                  {"threshold_voltage", units::dims::voltage},
                                                                  {"ASCurrents_1", units::dims::current},
                                                                  {"ASCurrents_2", units::dims::current},
                                                                  {"ASCurrents_sum", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"1", units::dims::conductance}, {"2", units::dims::conductance}}};
  static constexpr double eps_abs = 1e-3;  // NEST: gsl_odeiv_control_y_new(1e-3, 0.0)

  using params = glif_cond_params;
  using constants = glif_cond_constants;
  using sys = glif_cond_system;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_th", p.V_th, range_check::any);
    f("g_m", p.g_m, range_check::positive);
    f("E_L", p.E_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("t_ref", p.t_ref, range_check::positive);
    f("V_reset", p.V_reset, range_check::any);
    glif_each_mechanism_param(p, f);
    f("tau_syn_1", p.tau_syn_1, range_check::positive);
    f("tau_syn_2", p.tau_syn_2, range_check::positive);
    f("E_rev_1", p.E_rev_1, range_check::any);
    f("E_rev_2", p.E_rev_2, range_check::any);
  }
  static const char* validate(const params& p) { return glif_validate(p); }

  static constants derive(const params& p, double h) {
    constants c;
    c.m = glif_derive_mechanisms(p, p.g_m.value, p.C_m.value, p.t_ref.value, h);
    c.C = p.C_m.value;
    c.tau_syn[0] = p.tau_syn_1.value;
    c.tau_syn[1] = p.tau_syn_2.value;
    c.E_rev[0] = p.E_rev_1.value;
    c.E_rev[1] = p.E_rev_2.value;
    for (int i = 0; i < 2; ++i) c.g0[i] = 1.0 * std::numbers::e / c.tau_syn[i];
    c.dt = h;
    return c;
  }

  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[dg_1] = s[g_1] = s[dg_2] = s[g_2] = 0;
    s[threshold] = static_cast<real_t>(p.V_th.value);
    s[threshold_spike] = s[threshold_voltage] = 0;
    s[ASCurrents_1] = static_cast<real_t>(p.asc_init_1.value);
    s[ASCurrents_2] = static_cast<real_t>(p.asc_init_2.value);
    s[ASCurrents_sum] =
        p.after_spike_currents ? static_cast<real_t>(p.asc_init_1.value + p.asc_init_2.value) : real_t(0);
    s[refractory] = 0;
    s[h_ode] = 0;  // the solver has not run yet: the first step starts with h = dt, as NEST's init_buffers_
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const glif_mechanism_constants& m = c.m;
    const double u_old = double(s[V_m]) - m.E_L;
    const double I = in.current;
    real_t count = s[refractory];
    glif_adaptation a{s[threshold_spike], s[threshold_voltage], {s[ASCurrents_1], s[ASCurrents_2]}, s[ASCurrents_sum]};
    double y[sys::n] = {u_old, s[dg_1], s[g_1], s[dg_2], s[g_2]};
    const sys body{c, I, a.asc_sum, count > 0};
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<sys::n>(body, rkf45::y_control(eps_abs, 0.0), c.dt, y, h);
    double u = y[sys::U];
    bool spike = false;
    if (count == 0) {
      glif_decay_spike_threshold_and_asc(m, a);
      u += in.delta_v;
      glif_advance_voltage_threshold(m, a, u_old, I);
      spike = glif_spike_and_reset(m, a, u, u_old, count);
    } else {
      count = count - 1;
      u = u_old;
    }
    y[sys::dg_1] += in.port[0] * c.g0[0];
    y[sys::dg_2] += in.port[1] * c.g0[1];
    s[V_m] = static_cast<real_t>(u + m.E_L);
    s[dg_1] = static_cast<real_t>(y[sys::dg_1]);
    s[g_1] = static_cast<real_t>(y[sys::g_1]);
    s[dg_2] = static_cast<real_t>(y[sys::dg_2]);
    s[g_2] = static_cast<real_t>(y[sys::g_2]);
    s[threshold] = static_cast<real_t>(glif_threshold(m, a));
    s[threshold_spike] = static_cast<real_t>(a.th_spike);
    s[threshold_voltage] = static_cast<real_t>(a.th_voltage);
    s[ASCurrents_1] = static_cast<real_t>(a.asc[0]);
    s[ASCurrents_2] = static_cast<real_t>(a.asc[1]);
    s[ASCurrents_sum] = static_cast<real_t>(a.asc_sum);
    s[refractory] = count;
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::glif_cond)
