#pragma once
// NEST's pp_cond_exp_mc_urbanczik: the two-compartment point-process neuron of Urbanczik & Senn (2014), a soma with
// exponential conductances and a dendrite with exponential currents, passively coupled; the soma spikes at random
// with rate phi(V_s) and is never reset. Integrated as NEST integrates it (GSL's adaptive RKF45, models/rkf45.hpp).
//
//   C_m.s dV_s/dt = -g_L.s (V_s - E_L.s) - g_ex.s (V_s - E_ex.s) - g_in.s (V_s - E_in.s) + g_sp (V_p - V_s)
//                   + I_stim.s + I_e.s
//   C_m.p dV_p/dt = -g_L.p (V_p - E_L.p) + I_ex.p + I_in.p + g_ps (V_s - V_p)
//   dg_x.s/dt = -g_x.s / tau_syn_x.s (nS),   dI_x.p/dt = -I_x.p / tau_syn_x.p (pA)
//   (mV, pF, nS, pA, ms). NEST calls the dendrite "dendritic" in its parameters and ".p" in its recordables.
//   NEST's dendritic equation has no current terms: its dendritic current receptor (dendritic_curr) and the
//   dendritic I_e are accepted and do nothing (the references drive both: V_m.p does not see them). So here.
// Ports (NEST's receptor_type k is volley's port k - 1, the NEST layer maps them):
//   1 soma_exc, 2 soma_inh (weights nS: g_ex.s / g_in.s jump by w), 3 dendritic_exc (pA: I_ex.p += w),
//   4 dendritic_inh (pA: I_in.p -= w: an inhibitory weight is given positive), 5 soma_curr (pA, current steps as
//   iaf_cond_alpha_mc's current ports, state I_stim.s; the NEST layer sends generators through the model's current
//   input instead), 6 dendritic_curr (pA, no effect, see above).
//
// One step (NEST 3.10 update()): RKF45 over dt (error control y_new(1e-3, 0), the last step size carried in state
// h_ode). Then this step's spike weights are added (and delta inputs, mV, a volley extension, to V_s). Then, out of
// the dead time (refractory_steps = 0): rate = phi(V_s) = phi_max / (1 + rate_slope exp(beta (theta - V_s))) (1/ms)
// and, if rate > 0, a spike with probability p = 1 - exp(-rate dt) (NEST: drand() <= p); a spike sets
// refractory_steps = t_ref in NEST's steps (the dead time). In the dead time the counter decrements instead. V is
// never reset. Then soma_curr's weights are added to I_stim.s (they act from the next step).
// The archive for urbanczik_synapse is written after the step (models/urbanczik.hpp, engine/urbanczik_archive.hpp).
//
// Differences from NEST, and why:
//   - t_ref = 0: NEST draws a Poisson number n of spikes per step and sends one event of multiplicity n (and n
//     enters the prediction error). volley's spikes are one bit per step: the step spikes when n >= 1 (probability
//     p, the same test), the multiplicity n >= 2 is lost (probability about (rate dt)^2 / 2 per step).
//   - Random numbers: volley's uniform stream, not NEST's; trains agree in distribution, not spike by spike, except
//     where p is 0 or 1 (tests/test_nest_urbanczik.cpp compares those step by step).
//   - NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"
#include "models/urbanczik.hpp"

namespace volley::models {

namespace urbanczik_units {
inline constexpr units::dimension per_voltage = units::dims::none - units::dims::voltage;  // 1/mV
}

struct pp_cond_exp_mc_urbanczik_compartment {
  units::conductance_q g_L{30.0};
  units::capacitance_q C_m{300.0};
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in;
  units::voltage_q E_L{-70.0};
  units::time_q tau_syn_ex{3.0};
  units::time_q tau_syn_in{3.0};
  units::current_q I_e{0.0};
};

struct pp_cond_exp_mc_urbanczik_params {
  units::time_q t_ref{3.0};
  units::rate_q phi_max{0.15};  // 1/ms (NEST: 0.15, rate 150 Hz)
  units::dimensionless_q rate_slope{0.5};
  units::quantity<urbanczik_units::per_voltage> beta{1.0 / 3.0};
  units::voltage_q theta{-55.0};
  units::conductance_q g_sp{600.0};  // soma <- dendrite
  units::conductance_q g_ps{0.0};    // dendrite <- soma
  std::array<pp_cond_exp_mc_urbanczik_compartment, 2> comp{{
      {.E_in = units::voltage_q(-75.0)},  // soma
      {.E_in = units::voltage_q(0.0)},    // dendrite (E_ex, E_in unused there, kept as NEST keeps them)
  }};
};

struct pp_cond_exp_mc_urbanczik_constants {
  double g_sp, g_ps;              // nS
  double g_L[2], C_m[2], E_L[2];  // nS, pF, mV
  double E_ex_s, E_in_s;          // mV
  double tau_ex[2], tau_in[2];    // ms
  double I_e_s;                   // pA
  urbanczik_rule rule;            // phi and the archive's prediction error
  double ref_steps;
  double dt;  // ms
};

// NEST's pp_cond_exp_mc_urbanczik_dynamics. y: V_s, g_ex.s, g_in.s, V_p, I_ex.p, I_in.p.
struct pp_cond_exp_mc_urbanczik_system {
  const pp_cond_exp_mc_urbanczik_constants& c;
  double I_stim_s;  // pA, held over the step
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double V = y[0], V_d = y[3];
    const double I_L = c.g_L[0] * (V - c.E_L[0]);
    const double I_syn_exc = y[1] * (V - c.E_ex_s);
    const double I_syn_inh = y[2] * (V - c.E_in_s);
    const double I_conn_d_s = c.g_sp * (V_d - V);
    const double I_conn_s_d = c.g_ps * (V - V_d);
    f[3] = (-c.g_L[1] * (V_d - c.E_L[1]) + y[4] + y[5] + I_conn_s_d) / c.C_m[1];
    f[4] = -y[4] / c.tau_ex[1];
    f[5] = -y[5] / c.tau_in[1];
    f[0] = (-I_L - I_syn_exc - I_syn_inh + I_conn_d_s + I_stim_s + c.I_e_s) / c.C_m[0];
    f[1] = -y[1] / c.tau_ex[0];
    f[2] = -y[2] / c.tau_in[0];
  }
};

struct pp_cond_exp_mc_urbanczik {
  static constexpr const char* name = "pp_cond_exp_mc_urbanczik";
  static constexpr const char* description =
      "NEST pp_cond_exp_mc_urbanczik: two-compartment point-process neuron (Urbanczik & Senn 2014), soma with "
      "exponential conductances, dendrite with exponential currents, rate phi(V_s) with dead time; adaptive RKF45";
  enum : int { V_m_s, g_ex_s, g_in_s, V_m_p, I_ex_p, I_in_p, I_stim_s, refractory, h_ode, n_state };
  static constexpr int n_ode = 6;
  static constexpr int membrane = V_m_s;
  static constexpr int urbanczik_dendrite = V_m_p;  // the potential urbanczik_synapse's archive reads
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m.s", units::dims::voltage},
                                                                  {"g_ex.s", units::dims::conductance},
                                                                  {"g_in.s", units::dims::conductance},
                                                                  {"V_m.p", units::dims::voltage},
                                                                  {"I_ex.p", units::dims::current},
                                                                  {"I_in.p", units::dims::current},
                                                                  {"I_stim.s", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 6;
  static constexpr std::array<port_desc, n_ports> ports{{{"soma_exc", units::dims::conductance},
                                                         {"soma_inh", units::dims::conductance},
                                                         {"dendritic_exc", units::dims::current},
                                                         {"dendritic_inh", units::dims::current},
                                                         {"soma_curr", units::dims::current},
                                                         {"dendritic_curr", units::dims::current}}};
  static constexpr bool needs_uniform = true;

  using params = pp_cond_exp_mc_urbanczik_params;
  using constants = pp_cond_exp_mc_urbanczik_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("t_ref", p.t_ref, range_check::non_negative);
    f("phi_max", p.phi_max, range_check::non_negative);
    f("rate_slope", p.rate_slope, range_check::non_negative);
    f("beta", p.beta, range_check::any);
    f("theta", p.theta, range_check::any);
    f("g_sp", p.g_sp, range_check::any);
    f("g_ps", p.g_ps, range_check::any);
    // NEST's sub-dictionary names, "<compartment>.<parameter>"
    static constexpr const char* names[2][8] = {
        {"soma.g_L", "soma.C_m", "soma.E_ex", "soma.E_in", "soma.E_L", "soma.tau_syn_ex", "soma.tau_syn_in",
         "soma.I_e"},
        {"dendritic.g_L", "dendritic.C_m", "dendritic.E_ex", "dendritic.E_in", "dendritic.E_L", "dendritic.tau_syn_ex",
         "dendritic.tau_syn_in", "dendritic.I_e"}};
    for (int n = 0; n < 2; ++n) {
      auto& q = p.comp[n];
      f(names[n][0], q.g_L, range_check::any);
      f(names[n][1], q.C_m, range_check::positive);
      f(names[n][2], q.E_ex, range_check::any);
      f(names[n][3], q.E_in, range_check::any);
      f(names[n][4], q.E_L, range_check::any);
      f(names[n][5], q.tau_syn_ex, range_check::positive);
      f(names[n][6], q.tau_syn_in, range_check::positive);
      f(names[n][7], q.I_e, range_check::any);
    }
  }
  static const char* validate(const params&) { return nullptr; }  // NEST's checks are the ranges above
  static urbanczik_rule lower_urbanczik_rule(const params& p, double h) {
    return {p.phi_max.value,
            p.rate_slope.value,
            p.beta.value,
            p.theta.value,
            p.g_sp.value,
            p.comp[0].g_L.value,
            p.comp[0].E_L.value,
            p.comp[1].C_m.value,
            p.comp[1].g_L.value,
            p.comp[1].tau_syn_ex.value,
            p.comp[1].tau_syn_in.value,
            h};
  }
  static constants derive(const params& p, double h) {
    constants c{};
    c.g_sp = p.g_sp.value;
    c.g_ps = p.g_ps.value;
    for (int n = 0; n < 2; ++n) {
      c.g_L[n] = p.comp[n].g_L.value;
      c.C_m[n] = p.comp[n].C_m.value;
      c.E_L[n] = p.comp[n].E_L.value;
      c.tau_ex[n] = p.comp[n].tau_syn_ex.value;
      c.tau_in[n] = p.comp[n].tau_syn_in.value;
    }
    c.E_ex_s = p.comp[0].E_ex.value;
    c.E_in_s = p.comp[0].E_in.value;
    c.I_e_s = p.comp[0].I_e.value;
    c.rule = lower_urbanczik_rule(p, h);
    c.ref_steps = nest_refractory_steps(p.t_ref.value, h);
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
    s[V_m_s] = static_cast<real_t>(p.comp[0].E_L.value);
    s[V_m_p] = static_cast<real_t>(p.comp[1].E_L.value);
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const pp_cond_exp_mc_urbanczik_system sys{c, double(in.current) + double(s[I_stim_s])};
    double y[n_ode];
    for (int q = 0; q < n_ode; ++q) y[q] = s[q];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(sys, rkf45::y_control(1e-3, 0.0), c.dt, y, h);
    y[g_ex_s] += double(in.port[0]);
    y[g_in_s] += double(in.port[1]);
    y[I_ex_p] += double(in.port[2]);
    y[I_in_p] -= double(in.port[3]);
    y[V_m_s] += in.delta_v;
    const bool free = s[refractory] == 0;
    const double rate = free ? urbanczik_phi(c.rule, y[V_m_s]) : 0.0;  // 1/ms
    const bool spike = free && rate > 0.0 && double(in.uniform) <= -std::expm1(-rate * c.dt);
    for (int q = 0; q < n_ode; ++q) s[q] = static_cast<real_t>(y[q]);
    s[refractory] = spike ? static_cast<real_t>(c.ref_steps) : (free ? s[refractory] : s[refractory] - 1);
    s[I_stim_s] += in.port[4];
    // port 5 (dendritic_curr): accepted and without effect, as in NEST
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::pp_cond_exp_mc_urbanczik)
