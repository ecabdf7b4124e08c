#pragma once
// NEST's iaf_bw_2001_exact: iaf_bw_2001 (models/iaf_bw_2001.hpp: same parameters, names, defaults and units) with
// the NMDA gating of Brunel & Wang (2001) integrated exactly: one rise variable x_j and one gating variable s_j per
// NMDA connection j, held by the receiver and integrated with V_m in one adaptive RKF45 system, as NEST does.
//
//   C_m dV/dt = -g_L (V - E_L) - I_AMPA - I_GABA - I_NMDA + I                          (mV, pF, nS, pA)
//   I_AMPA = (V - E_ex) s_AMPA,  I_GABA = (V - E_in) s_GABA,  ds_AMPA/dt = -s_AMPA / tau_AMPA (GABA alike)
//   I_NMDA = (V - E_ex) / (1 + [Mg2+] exp(-0.062 V) / 3.57) sum_j w_j s_j               (w_j in nS)
//   dx_j/dt = -x_j / tau_rise_NMDA,   ds_j/dt = -s_j / tau_decay_NMDA + alpha x_j (1 - s_j)   (x_j, s_j: 1)
// A spike on connection j adds 1 to x_j; w_j is that connection's (constant) weight. AMPA / GABA spikes of weight
// w add w to s_AMPA / s_GABA (ports "AMPA", "GABA": NEST's receptor_type 1, 2).
//
// NMDA connections: NEST gives every connection made with receptor_type 3 its own receptor port and state pair.
// volley's ports are fixed at compile time: nmda_slots ports "NMDA_1" .. "NMDA_8", one per NMDA connection of a
// neuron (the NEST layer gives each NMDA connection into a neuron its own slot; a network built directly must do
// the same: at most one connection per slot and target neuron). A slot's weight is kept in the state w_NMDA_j: the
// first weight arriving on the slot sets it; every arrival then adds (arriving weight) / w_NMDA_j spikes to x_j
// (NEST requires the weights of a connection to stay constant and throws otherwise; the engine cannot throw, so a
// changing weight is read as a fractional number of spikes). An unused slot (x_j = s_j = 0) adds exactly nothing to
// the right-hand side, the sum or the solver's error estimate: with fewer connections the integration is NEST's,
// step for step.
//
// One step (NEST 3.10 update()): RKF45 over dt with error control y_new(eps_abs = gsl_error_tol, eps_rel = 0), the
// last step size carried to the next step (h_ode). The recorded I_AMPA, I_GABA, I_NMDA and s_NMDA (NEST's
// recordable: sum_j w_j s_j, nS) are those of the right-hand side's last evaluation (at the end of the step, before
// the inputs and the reset). Then the arriving weights are added (and delta inputs, mV, a volley extension, to V);
// then a refractory neuron counts down and V = V_reset, else V >= V_th spikes: V = V_reset, refractory for t_ref in
// NEST's steps (nest_refractory_steps). The current I acting over a step is the one NEST's generators set in the
// previous step. The spike carries no payload (NEST's exact model sends plain spikes).
//
// Differences from NEST: at most nmda_slots NMDA connections per neuron (NEST: any number); tau_rise_NMDA need not
// be below tau_decay_NMDA here (no k0), as in NEST; g_L non-negative (as iaf_bw_2001 here). NEST throws
// GSLSolverFailure when GSL reports an error (device code cannot throw).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/iaf_bw_2001.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

inline constexpr int nmda_slots = 8;

struct iaf_bw_2001_exact_constants {
  double E_L, E_ex, E_in, V_th, V_reset;                     // mV
  double C_m;                                                // pF
  double g_L;                                                // nS
  double tau_AMPA, tau_GABA, tau_rise_NMDA, tau_decay_NMDA;  // ms
  double alpha;                                              // 1/ms
  double conc_Mg2;                                           // mM
  double eps_abs;                                            // gsl_error_tol
  double ref_steps;
  double dt;  // ms
};

// NEST's iaf_bw_2001_exact_dynamics. y: V_m, s_AMPA, s_GABA, then (x_j, s_j) per slot.
struct iaf_bw_2001_exact_system {
  const iaf_bw_2001_exact_constants& c;
  double I_stim;    // pA, held over the step
  const double* w;  // nS, per slot
  // sum_j w_j s_j (nS) in slot order, as NEST sums it
  VOLLEY_HD VOLLEY_INLINE static double nmda_sum(const double* y, const double* w) {
    double sum = 0;
    for (int j = 0; j < nmda_slots; ++j) sum += y[4 + 2 * j] * w[j];
    return sum;
  }
  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double I_AMPA = (y[0] - c.E_ex) * y[1];
    const double I_GABA = (y[0] - c.E_in) * y[2];
    const double I_NMDA = (y[0] - c.E_ex) / (1 + c.conc_Mg2 * std::exp(-0.062 * y[0]) / 3.57) * nmda_sum(y, w);
    const double I_syn = I_AMPA + I_GABA + I_NMDA;
    f[0] = (-c.g_L * (y[0] - c.E_L) - I_syn + I_stim) / c.C_m;
    f[1] = -y[1] / c.tau_AMPA;
    f[2] = -y[2] / c.tau_GABA;
    for (int j = 0; j < nmda_slots; ++j) {
      const int i = 3 + 2 * j;
      f[i + 1] = -y[i + 1] / c.tau_decay_NMDA + c.alpha * y[i] * (1 - y[i + 1]);
      f[i] = -y[i] / c.tau_rise_NMDA;
    }
  }
};

struct iaf_bw_2001_exact {
  static constexpr const char* name = "iaf_bw_2001_exact";
  static constexpr const char* description =
      "NEST iaf_bw_2001_exact: LIF with AMPA, GABA and NMDA conductances (Brunel & Wang 2001), the NMDA gating of "
      "each connection (ports NMDA_1..NMDA_8) integrated with V in one adaptive RKF45 system as in NEST";
  enum : int {
    V_m,
    s_AMPA,
    s_GABA,
    x_NMDA_1,
    s_NMDA_1,
    x_NMDA_2,
    s_NMDA_2,
    x_NMDA_3,
    s_NMDA_3,
    x_NMDA_4,
    s_NMDA_4,
    x_NMDA_5,
    s_NMDA_5,
    x_NMDA_6,
    s_NMDA_6,
    x_NMDA_7,
    s_NMDA_7,
    x_NMDA_8,
    s_NMDA_8,
    w_NMDA_1,
    w_NMDA_2,
    w_NMDA_3,
    w_NMDA_4,
    w_NMDA_5,
    w_NMDA_6,
    w_NMDA_7,
    w_NMDA_8,
    s_NMDA,
    I_AMPA,
    I_GABA,
    I_NMDA,
    refractory,
    h_ode,
    n_state
  };
  static constexpr int n_ode = 3 + 2 * nmda_slots;
  static constexpr int membrane = V_m;
  static constexpr auto none = units::dims::none;
  static constexpr auto nS = units::dims::conductance;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"s_AMPA", nS},
                                                                  {"s_GABA", nS},
                                                                  {"x_NMDA_1", none},
                                                                  {"s_NMDA_1", none},
                                                                  {"x_NMDA_2", none},
                                                                  {"s_NMDA_2", none},
                                                                  {"x_NMDA_3", none},
                                                                  {"s_NMDA_3", none},
                                                                  {"x_NMDA_4", none},
                                                                  {"s_NMDA_4", none},
                                                                  {"x_NMDA_5", none},
                                                                  {"s_NMDA_5", none},
                                                                  {"x_NMDA_6", none},
                                                                  {"s_NMDA_6", none},
                                                                  {"x_NMDA_7", none},
                                                                  {"s_NMDA_7", none},
                                                                  {"x_NMDA_8", none},
                                                                  {"s_NMDA_8", none},
                                                                  {"w_NMDA_1", nS},
                                                                  {"w_NMDA_2", nS},
                                                                  {"w_NMDA_3", nS},
                                                                  {"w_NMDA_4", nS},
                                                                  {"w_NMDA_5", nS},
                                                                  {"w_NMDA_6", nS},
                                                                  {"w_NMDA_7", nS},
                                                                  {"w_NMDA_8", nS},
                                                                  {"s_NMDA", nS},
                                                                  {"I_AMPA", units::dims::current},
                                                                  {"I_GABA", units::dims::current},
                                                                  {"I_NMDA", units::dims::current},
                                                                  {"refractory_steps", none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2 + nmda_slots;
  static constexpr std::array<port_desc, n_ports> ports{{{"AMPA", nS},
                                                         {"GABA", nS},
                                                         {"NMDA_1", nS},
                                                         {"NMDA_2", nS},
                                                         {"NMDA_3", nS},
                                                         {"NMDA_4", nS},
                                                         {"NMDA_5", nS},
                                                         {"NMDA_6", nS},
                                                         {"NMDA_7", nS},
                                                         {"NMDA_8", nS}}};

  using params = iaf_bw_2001_params;
  using constants = iaf_bw_2001_exact_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    iaf_bw_2001::each_param(p, f);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
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
    c.tau_rise_NMDA = p.tau_rise_NMDA.value;
    c.tau_decay_NMDA = p.tau_decay_NMDA.value;
    c.alpha = p.alpha.value;
    c.conc_Mg2 = p.conc_Mg2.value;
    c.eps_abs = p.gsl_error_tol.value;
    c.ref_steps = nest_refractory_steps(p.t_ref.value, h);
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
    s[V_m] = static_cast<real_t>(p.E_L.value);
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    double w[nmda_slots];
    for (int j = 0; j < nmda_slots; ++j) w[j] = s[w_NMDA_1 + j];
    const iaf_bw_2001_exact_system sys{c, static_cast<double>(in.current), w};
    double y[n_ode];
    for (int q = 0; q < n_ode; ++q) y[q] = s[q];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(sys, rkf45::y_control(c.eps_abs, 0.0), c.dt, y, h);
    // the recordables of GSL's last evaluation of the right-hand side: at the end of the step
    const double sum = iaf_bw_2001_exact_system::nmda_sum(y, w);
    s[s_NMDA] = static_cast<real_t>(sum);
    s[I_AMPA] = static_cast<real_t>((y[0] - c.E_ex) * y[1]);
    s[I_GABA] = static_cast<real_t>((y[0] - c.E_in) * y[2]);
    s[I_NMDA] = static_cast<real_t>((y[0] - c.E_ex) / (1 + c.conc_Mg2 * std::exp(-0.062 * y[0]) / 3.57) * sum);
    y[1] += in.port[0];
    y[2] += in.port[1];
    for (int j = 0; j < nmda_slots; ++j) {
      const double arriving = in.port[2 + j];
      if (arriving == 0) continue;
      if (s[w_NMDA_1 + j] == 0) s[w_NMDA_1 + j] = static_cast<real_t>(arriving);
      y[3 + 2 * j] += arriving / double(s[w_NMDA_1 + j]);
    }
    y[0] += in.delta_v;
    const bool refractory_now = s[refractory] > 0;
    const bool spike = !refractory_now && y[0] >= c.V_th;
    if (refractory_now || spike) y[0] = c.V_reset;
    for (int q = 0; q < n_ode; ++q) s[q] = static_cast<real_t>(y[q]);
    s[refractory] = spike ? static_cast<real_t>(c.ref_steps) : (refractory_now ? s[refractory] - 1 : s[refractory]);
    s[h_ode] = static_cast<real_t>(h);
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_bw_2001_exact)
