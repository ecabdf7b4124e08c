#pragma once
// NEST's iaf_cond_alpha_mc: a leaky integrate-and-fire neuron of three compartments (soma, proximal and distal
// dendrite, in a chain) coupled by passive conductances, each compartment with its own leak, capacitance, constant
// current and alpha-shaped excitatory and inhibitory conductances; integrated as NEST integrates it (GSL's adaptive
// RKF45, models/rkf45.hpp). For each compartment n in {s, p, d}:
//
//   C_m.n dV_n/dt = -g_L.n (V_n - E_L.n) - g_ex.n (V_n - E_ex.n) - g_in.n (V_n - E_in.n) - I_conn.n + I_stim.n + I_e.n
//   I_conn.s = g_sp (V_s - V_p),  I_conn.p = g_sp (V_p - V_s) + g_pd (V_p - V_d),  I_conn.d = g_pd (V_d - V_p)
//   d(dg_x.n)/dt = -dg_x.n / tau_syn_x.n,   dg_x.n/dt = dg_x.n - g_x.n / tau_syn_x.n     (dg in nS/ms, g in nS)
//   (mV, pF, nS, pA, ms). A spike of weight w (nS) on port "<comp>_exc" / "<comp>_inh" makes dg_ex / dg_in of
//   that compartment jump by w e / tau_syn: a conductance of peak w nS at tau_syn after the spike. The port, not the
//   sign, selects the synapse: NEST's documentation asks for positive weights, and NEST takes a negative one as is.
// As NEST's right-hand side has it: the soma's own terms (leak, synapses, I_conn.s) see V_s clamped to V_reset while
// refractory and bounded above by V_th otherwise, while the proximal coupling term sees the unclamped V_s; and while
// the soma is refractory dV/dt = 0 in EVERY compartment (NEST's refractory flag, set in the soma's pass of its
// loop, also freezes the dendrites; its documentation says the dendrites are left alone).
//
// Ports (NEST's receptor_type k is volley's port k - 1, the NEST layer maps them; host/nest_generators.cpp):
//   1 soma_exc, 2 soma_inh, 3 proximal_exc, 4 proximal_inh, 5 distal_exc, 6 distal_inh   spike weights, nS
//   7 soma_curr, 8 proximal_curr, 9 distal_curr                                          current steps, pA
// NEST's current receptors 7..9 take CurrentEvents (generators); volley's model input has one current (in.current,
// held over the step), which goes to the soma. The three current ports hold a current each (states I_stim.s/.p/.d):
// a weight w arriving on one steps that compartment's current by w pA from the next step on, as a CurrentEvent
// changing by w would (NEST adds the step's CurrentEvents at the end of the step; they act from the next one). The
// NEST layer lowers dc_generator and step_current_generator on receptor 8 / 9 into such steps and sends everything
// on receptor 7 through in.current; it refuses the generators whose current changes every step (ac, noise) on 8 / 9.
//
// One step (NEST 3.10 update()): RKF45 over dt with error control y_new(eps_abs = 1e-3, eps_rel = 0) (hard-wired
// in NEST), the last step size carried to the next step (state h_ode, NEST's IntegrationStep_). Then this step's
// spike weights are added to the dg's (and delta inputs, mV, a volley extension, to V_s). Then a refractory neuron
// counts down and V_s = V_reset; else V_s >= V_th is a spike: V_s = V_reset, refractory for t_ref in NEST's steps
// (nest_refractory_steps). The dendrites are not reset. Then the current ports' weights are added to I_stim.
//
// Parameters: NEST keeps the per-compartment ones in sub-dictionaries "soma", "proximal", "distal"; volley names
// them "<compartment>.<name>" (soma.g_L, proximal.C_m, distal.tau_syn_in, ...) and the NEST layer flattens the
// sub-dictionaries into these names (host/nest_translate.cpp expand_vector_params). V_th, V_reset, t_ref, g_sp, g_pd
// are global, as in NEST. State: NEST's recordables V_m.s, g_ex.s, g_in.s, V_m.p, ..., g_in.d by their names, plus
// dg_ex.n, dg_in.n (nS/ms), I_stim.n (pA), refractory_steps (t_ref_remaining = refractory_steps * dt), h_ode (ms).
// A compartment's V_m in a NEST sub-dictionary ({"soma": {"V_m": -60}}) is the state V_m.s.
//
// Differences from NEST, and why: C_m and the tau_syn must be positive (as NEST), g_L and g_sp, g_pd any (NEST checks
// none). NEST throws GSLSolverFailure when GSL reports an error (device code cannot throw). The current ports take
// steps (above), so an ac or noise generator can drive only the soma.
#include <array>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

inline constexpr int mc_compartments = 3;  // soma, proximal, distal

struct iaf_cond_alpha_mc_compartment {
  units::conductance_q g_L;
  units::capacitance_q C_m;
  units::voltage_q E_ex{0.0};
  units::voltage_q E_in{-85.0};
  units::voltage_q E_L{-70.0};
  units::time_q tau_syn_ex{0.5};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

struct iaf_cond_alpha_mc_params {
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-60.0};
  units::time_q t_ref{2.0};
  units::conductance_q g_sp{2.5};  // soma - proximal
  units::conductance_q g_pd{1.0};  // proximal - distal
  std::array<iaf_cond_alpha_mc_compartment, mc_compartments> comp{{
      {units::conductance_q(10.0), units::capacitance_q(150.0)},  // soma
      {units::conductance_q(5.0), units::capacitance_q(75.0)},    // proximal
      {units::conductance_q(10.0), units::capacitance_q(150.0)},  // distal
  }};
};

struct iaf_cond_alpha_mc_constants {
  double V_th, V_reset;                                                       // mV
  double g_sp, g_pd;                                                          // nS
  double g_L[mc_compartments];                                                // nS
  double C_m[mc_compartments];                                                // pF
  double E_ex[mc_compartments], E_in[mc_compartments], E_L[mc_compartments];  // mV
  double tau_ex[mc_compartments], tau_in[mc_compartments];                    // ms
  double I_e[mc_compartments];                                                // pA
  double psc0_ex[mc_compartments], psc0_in[mc_compartments];  // 1/ms: e / tau_syn, the dg jump per nS of weight
  double ref_steps;
  double dt;  // ms
};

// NEST's iaf_cond_alpha_mc_dynamics. y: V_m, dg_ex, g_ex, dg_in, g_in per compartment (soma, proximal, distal).
struct iaf_cond_alpha_mc_system {
  const iaf_cond_alpha_mc_constants& c;
  double I_stim[mc_compartments];  // pA, held over the step
  bool refractory;
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    constexpr int S = 0, P = 5, D = 10;  // offsets of the compartments in y
    for (int n = 0; n < mc_compartments; ++n) {
      const int o = 5 * n;
      double V, I_conn;
      if (n == 0) {
        V = refractory ? c.V_reset : (y[S] < c.V_th ? y[S] : c.V_th);
        I_conn = c.g_sp * (V - y[P]);
      } else if (n == 1) {
        V = y[P];
        I_conn = c.g_sp * (V - y[S]) + c.g_pd * (V - y[D]);
      } else {
        V = y[D];
        I_conn = c.g_pd * (V - y[P]);
      }
      const double I_syn_exc = y[o + 2] * (V - c.E_ex[n]);
      const double I_syn_inh = y[o + 4] * (V - c.E_in[n]);
      const double I_L = c.g_L[n] * (V - c.E_L[n]);
      f[o] = refractory ? 0.0 : (-I_L - I_syn_exc - I_syn_inh - I_conn + I_stim[n] + c.I_e[n]) / c.C_m[n];
      f[o + 1] = -y[o + 1] / c.tau_ex[n];
      f[o + 2] = y[o + 1] - y[o + 2] / c.tau_ex[n];
      f[o + 3] = -y[o + 3] / c.tau_in[n];
      f[o + 4] = y[o + 3] - y[o + 4] / c.tau_in[n];
    }
  }
};

struct iaf_cond_alpha_mc {
  static constexpr const char* name = "iaf_cond_alpha_mc";
  static constexpr const char* description =
      "NEST iaf_cond_alpha_mc: three-compartment LIF (soma, proximal, distal) with passive coupling and alpha "
      "conductances per compartment; spikes at the soma; adaptive RKF45 as NEST (GSL) integrates it";
  enum : int {
    V_m_s,
    dg_ex_s,
    g_ex_s,
    dg_in_s,
    g_in_s,
    V_m_p,
    dg_ex_p,
    g_ex_p,
    dg_in_p,
    g_in_p,
    V_m_d,
    dg_ex_d,
    g_ex_d,
    dg_in_d,
    g_in_d,
    I_stim_s,
    I_stim_p,
    I_stim_d,
    refractory,
    h_ode,
    n_state
  };
  static constexpr int n_ode = 15;
  static constexpr int membrane = V_m_s;
  static constexpr units::dimension g_rate = units::dims::conductance - units::dims::time;  // nS/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m.s", units::dims::voltage},
                                                                  {"dg_ex.s", g_rate},
                                                                  {"g_ex.s", units::dims::conductance},
                                                                  {"dg_in.s", g_rate},
                                                                  {"g_in.s", units::dims::conductance},
                                                                  {"V_m.p", units::dims::voltage},
                                                                  {"dg_ex.p", g_rate},
                                                                  {"g_ex.p", units::dims::conductance},
                                                                  {"dg_in.p", g_rate},
                                                                  {"g_in.p", units::dims::conductance},
                                                                  {"V_m.d", units::dims::voltage},
                                                                  {"dg_ex.d", g_rate},
                                                                  {"g_ex.d", units::dims::conductance},
                                                                  {"dg_in.d", g_rate},
                                                                  {"g_in.d", units::dims::conductance},
                                                                  {"I_stim.s", units::dims::current},
                                                                  {"I_stim.p", units::dims::current},
                                                                  {"I_stim.d", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 9;
  static constexpr std::array<port_desc, n_ports> ports{{{"soma_exc", units::dims::conductance},
                                                         {"soma_inh", units::dims::conductance},
                                                         {"proximal_exc", units::dims::conductance},
                                                         {"proximal_inh", units::dims::conductance},
                                                         {"distal_exc", units::dims::conductance},
                                                         {"distal_inh", units::dims::conductance},
                                                         {"soma_curr", units::dims::current},
                                                         {"proximal_curr", units::dims::current},
                                                         {"distal_curr", units::dims::current}}};

  using params = iaf_cond_alpha_mc_params;
  using constants = iaf_cond_alpha_mc_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_sp", p.g_sp, range_check::any);
    f("g_pd", p.g_pd, range_check::any);
    // NEST's sub-dictionary names, "<compartment>.<parameter>"
    static constexpr const char* names[mc_compartments][8] = {
        {"soma.g_L", "soma.C_m", "soma.E_ex", "soma.E_in", "soma.E_L", "soma.tau_syn_ex", "soma.tau_syn_in",
         "soma.I_e"},
        {"proximal.g_L", "proximal.C_m", "proximal.E_ex", "proximal.E_in", "proximal.E_L", "proximal.tau_syn_ex",
         "proximal.tau_syn_in", "proximal.I_e"},
        {"distal.g_L", "distal.C_m", "distal.E_ex", "distal.E_in", "distal.E_L", "distal.tau_syn_ex",
         "distal.tau_syn_in", "distal.I_e"}};
    for (int n = 0; n < mc_compartments; ++n) {
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
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c{};
    c.V_th = p.V_th.value;
    c.V_reset = p.V_reset.value;
    c.g_sp = p.g_sp.value;
    c.g_pd = p.g_pd.value;
    for (int n = 0; n < mc_compartments; ++n) {
      const auto& q = p.comp[n];
      c.g_L[n] = q.g_L.value;
      c.C_m[n] = q.C_m.value;
      c.E_ex[n] = q.E_ex.value;
      c.E_in[n] = q.E_in.value;
      c.E_L[n] = q.E_L.value;
      c.tau_ex[n] = q.tau_syn_ex.value;
      c.tau_in[n] = q.tau_syn_in.value;
      c.I_e[n] = q.I_e.value;
      c.psc0_ex[n] = 1.0 * std::numbers::e / q.tau_syn_ex.value;
      c.psc0_in[n] = 1.0 * std::numbers::e / q.tau_syn_in.value;
    }
    c.ref_steps = nest_refractory_steps(p.t_ref.value, h);
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
    for (int n = 0; n < mc_compartments; ++n) s[5 * n] = static_cast<real_t>(p.comp[n].E_L.value);
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool refractory_now = s[refractory] > 0;
    const iaf_cond_alpha_mc_system sys{
        c, {double(in.current) + double(s[I_stim_s]), double(s[I_stim_p]), double(s[I_stim_d])}, refractory_now};
    double y[n_ode];
    for (int q = 0; q < n_ode; ++q) y[q] = s[q];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(sys, rkf45::y_control(1e-3, 0.0), c.dt, y, h);
    for (int n = 0; n < mc_compartments; ++n) {
      y[5 * n + 1] += double(in.port[2 * n]) * c.psc0_ex[n];
      y[5 * n + 3] += double(in.port[2 * n + 1]) * c.psc0_in[n];
    }
    y[V_m_s] += in.delta_v;
    const bool spike = !refractory_now && y[V_m_s] >= c.V_th;
    if (refractory_now || spike) y[V_m_s] = c.V_reset;
    for (int q = 0; q < n_ode; ++q) s[q] = static_cast<real_t>(y[q]);
    s[refractory] = spike ? static_cast<real_t>(c.ref_steps) : (refractory_now ? s[refractory] - 1 : s[refractory]);
    for (int n = 0; n < mc_compartments; ++n) s[I_stim_s + n] += in.port[6 + n];
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_cond_alpha_mc)
