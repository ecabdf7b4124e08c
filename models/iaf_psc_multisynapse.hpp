#pragma once
// NEST's iaf_psc_exp_multisynapse and iaf_psc_alpha_multisynapse: leaky integrate-and-fire neurons whose synaptic
// current is the sum of one exponential (or alpha) current per receptor port, each port with its own time constant,
// integrated exactly.
//
//   C_m dV/dt = -(V - E_L) C_m / tau_m + sum_i I_syn_i + I_e + I                       (mV, pF, ms, pA)
//   exp:   dI_syn_i/dt = -I_syn_i / tau_syn_i;  a spike of weight w (pA) on port i makes I_syn_i jump by w
//   alpha: dI_syn_i/dt = dI_syn_i - I_syn_i / tau_syn_i,  d(dI_syn_i)/dt = -dI_syn_i / tau_syn_i;  a spike of
//          weight w (pA) on port i makes dI_syn_i jump by w e / tau_syn_i (pA/ms): a PSC of peak w pA at
//          t = tau_syn_i after the spike.
// Weights of either sign go to any port: the port, not the sign, selects the synapse (no routing by sign).
//
// Receptor ports: NEST's models have one port per entry of their tau_syn list (receptor_type 1..n; by default one
// port, tau_syn [2.0]; NEST rejects receptor_type 0). volley's port list is fixed at compile time: exactly four
// ports "1".."4" (NEST's receptor_type 1..4) with time constants tau_syn_1..tau_syn_4; this is NEST's model with
// tau_syn = [tau_syn_1, .., tau_syn_4]. A NEST model with fewer ports is the same with nothing connected to the
// others: an unused port's current stays 0 and adds nothing to V or I_syn, whatever its tau_syn_i (all default to
// 2 ms, so the defaults are NEST's default neuron). More than four ports are not available.
//
// One step (NEST 3.10 update()), U = V_m - E_L at the start of the step, I = the current input held over the step:
//   not refractory: exp:   U = U e^{-dt/tau_m} + (I_e + I) (1 - e^{-dt/tau_m}) tau_m / C_m + sum_i P21_i I_syn_i
//                   alpha: U = (I + I_e) (1 - e^{-dt/tau_m}) tau_m / C_m + e^{-dt/tau_m} U
//                              + sum_i (P31_i dI_syn_i + P32_i I_syn_i),  then U = max(U, V_min - E_L)
//     with the exact propagators from the synaptic state at the start of the step (P21 / P32:
//     propagator_exp_to_membrane in models/iaf_psc_exp.hpp, P31: propagator_alpha_to_membrane in
//     models/iaf_psc_alpha.hpp); delta inputs (mV, a volley extension: NEST's models have none) are added to U
//     (alpha: before the V_min bound).
//   refractory: the counter decrements, U is held.
//   Then, in both cases, the synaptic currents advance over the step (exp: I_syn_i *= e^{-dt/tau_syn_i}; alpha:
//   I_syn_i = dt e^{-dt/tau} dI_syn_i + e^{-dt/tau} I_syn_i, dI_syn_i *= e^{-dt/tau}) and this step's weights are
//   added (exp: to I_syn_i; alpha: e/tau_syn_i times them to dI_syn_i); inputs are not dropped while refractory.
//   Then U >= V_th - E_L spikes: U = V_reset - E_L, refractory for round(t_ref / dt) steps.
// The current input acting over a step is the one NEST's step_current_generator set in the previous step (see
// tests/support/nest_reference.hpp for the timing).
//
// Recording: V_m (absolute), I_syn_1..I_syn_4 and their sum I_syn, all after the step, as NEST 3.10 records them
// (its recordable I_syn sums the port currents when it is read; NEST's older update() kept a sum from the start of
// the step, not updated while refractory, which 3.10 no longer records); alpha also keeps dI_syn_1..dI_syn_4
// (pA/ms; NEST does not record them).
// Differs from NEST: four fixed ports (above); iaf_psc_exp_multisynapse accepts tau_syn_i == tau_m (NEST 3.10 rejects
// it, "Membrane and synapse time constant(s) must differ"): the propagator used here is exact and finite in that
// limit, as volley's iaf_psc_exp and NEST's iaf_psc_alpha_multisynapse have it; V_min's default is -DBL_MAX for
// NEST's -inf (a spec and JSON carry finite numbers only).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/iaf_psc_alpha.hpp"  // propagator_alpha_to_membrane
#include "models/iaf_psc_exp.hpp"    // propagator_exp_to_membrane
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

inline constexpr int multisynapse_ports = 4;

// Parameters both models share (NEST's names, defaults and units).
struct iaf_psc_multisynapse_params {
  units::voltage_q E_L{-70.0};
  units::capacitance_q C_m{250.0};
  units::time_q tau_m{10.0};
  units::time_q t_ref{2.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-70.0};
  units::current_q I_e{0.0};
  units::time_q tau_syn_1{2.0};  // NEST's tau_syn [2.0]
  units::time_q tau_syn_2{2.0};  // ports 2..4: NEST has none by default (unused ports add nothing)
  units::time_q tau_syn_3{2.0};
  units::time_q tau_syn_4{2.0};
};

namespace multisynapse_detail {
template <class P, class F>
void each_common_param(P& p, F&& f) {
  f("E_L", p.E_L, range_check::any);
  f("C_m", p.C_m, range_check::positive);
  f("tau_m", p.tau_m, range_check::positive);
  f("t_ref", p.t_ref, range_check::non_negative);
  f("V_th", p.V_th, range_check::any);
  f("V_reset", p.V_reset, range_check::any);
  f("I_e", p.I_e, range_check::any);
  f("tau_syn_1", p.tau_syn_1, range_check::positive);
  f("tau_syn_2", p.tau_syn_2, range_check::positive);
  f("tau_syn_3", p.tau_syn_3, range_check::positive);
  f("tau_syn_4", p.tau_syn_4, range_check::positive);
}
inline std::array<double, multisynapse_ports> tau_syn(const iaf_psc_multisynapse_params& p) {
  return {p.tau_syn_1.value, p.tau_syn_2.value, p.tau_syn_3.value, p.tau_syn_4.value};
}
inline constexpr std::array<port_desc, multisynapse_ports> ports{{{"1", units::dims::current},
                                                                  {"2", units::dims::current},
                                                                  {"3", units::dims::current},
                                                                  {"4", units::dims::current}}};
}  // namespace multisynapse_detail

// ------------------------------------------------ iaf_psc_exp_multisynapse ------------------------------------------

struct iaf_psc_exp_multisynapse_constants {
  real_t E_L, theta, V_reset;           // mV: E_L absolute; threshold and reset relative to E_L
  real_t P22, P20;                      // e^{-dt/tau_m}; mV/pA
  real_t P11[multisynapse_ports];       // e^{-dt/tau_syn_i}
  real_t P21[multisynapse_ports];       // mV/pA: I_syn_i -> V
  real_t I_e;                           // pA
  real_t ref_steps;
};

struct iaf_psc_exp_multisynapse {
  static constexpr const char* name = "iaf_psc_exp_multisynapse";
  static constexpr const char* description =
      "NEST iaf_psc_exp_multisynapse: LIF with exponential PSCs on ports \"1\"..\"4\", each with its own tau_syn, "
      "exact integration";
  enum : int { V_m, I_syn, I_syn_1, I_syn_2, I_syn_3, I_syn_4, refractory, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn", units::dims::current},
                                                                  {"I_syn_1", units::dims::current},
                                                                  {"I_syn_2", units::dims::current},
                                                                  {"I_syn_3", units::dims::current},
                                                                  {"I_syn_4", units::dims::current},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = multisynapse_ports;
  static constexpr std::array<port_desc, multisynapse_ports> ports = multisynapse_detail::ports;

  using params = iaf_psc_multisynapse_params;
  using constants = iaf_psc_exp_multisynapse_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    multisynapse_detail::each_common_param(p, f);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    const double tm = p.tau_m.value, C = p.C_m.value, E_L = p.E_L.value;
    auto r = [](double v) { return static_cast<real_t>(v); };
    constants c;
    c.E_L = r(E_L);
    c.theta = r(p.V_th.value - E_L);
    c.V_reset = r(p.V_reset.value - E_L);
    c.P22 = r(std::exp(-h / tm));
    c.P20 = r(tm / C * (1.0 - std::exp(-h / tm)));
    const auto tau = multisynapse_detail::tau_syn(p);
    for (int i = 0; i < multisynapse_ports; ++i) {
      c.P11[i] = r(std::exp(-h / tau[i]));
      c.P21[i] = r(propagator_exp_to_membrane(tau[i], tm, C, h));
    }
    c.I_e = r(p.I_e.value);
    c.ref_steps = r(std::round(p.t_ref.value / h));
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = I_syn; q < n_state; ++q) s[q] = 0;
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool refractory_now = s[refractory] > 0;
    const real_t u_old = s[V_m] - c.E_L;  // relative to E_L, as NEST integrates it
    real_t u_new = u_old * c.P22 + (c.I_e + in.current) * c.P20;
    for (int i = 0; i < multisynapse_ports; ++i) u_new += c.P21[i] * s[I_syn_1 + i];
    u_new += in.delta_v;
    real_t u = refractory_now ? u_old : u_new;
    real_t current = 0;
    for (int i = 0; i < multisynapse_ports; ++i) {
      s[I_syn_1 + i] = s[I_syn_1 + i] * c.P11[i] + in.port[i];
      current += s[I_syn_1 + i];
    }
    s[I_syn] = current;
    const bool spike = u >= c.theta;
    s[refractory] = spike ? c.ref_steps : (refractory_now ? s[refractory] - 1 : s[refractory]);
    u = spike ? c.V_reset : u;
    s[V_m] = u + c.E_L;
    return spike;
  }
};

// ----------------------------------------------- iaf_psc_alpha_multisynapse -----------------------------------------

struct iaf_psc_alpha_multisynapse_params : iaf_psc_multisynapse_params {
  // NEST's default is -inf, which a spec (finite numbers only) and JSON cannot carry; -DBL_MAX bounds nothing either
  units::voltage_q V_min{-1.7976931348623157e308};
};

struct iaf_psc_alpha_multisynapse_constants {
  real_t E_L, theta, V_reset, V_min;  // mV: E_L absolute; threshold, reset, lower bound relative to E_L
  real_t P33, P30;                    // e^{-dt/tau_m}; mV/pA
  real_t P11[multisynapse_ports];     // e^{-dt/tau_syn_i} (decay of dI_syn_i and I_syn_i)
  real_t P21[multisynapse_ports];     // ms: dI_syn_i -> I_syn_i
  real_t P31[multisynapse_ports];     // mV per pA/ms: dI_syn_i -> V
  real_t P32[multisynapse_ports];     // mV/pA: I_syn_i -> V
  real_t psc0[multisynapse_ports];    // 1/ms: e / tau_syn_i, the jump of dI_syn_i per pA of weight
  real_t I_e;                         // pA
  real_t ref_steps;
};

struct iaf_psc_alpha_multisynapse {
  static constexpr const char* name = "iaf_psc_alpha_multisynapse";
  static constexpr const char* description =
      "NEST iaf_psc_alpha_multisynapse: LIF with alpha-shaped PSCs (peak = weight) on ports \"1\"..\"4\", each with "
      "its own tau_syn, exact integration";
  enum : int {
    V_m,
    I_syn,
    I_syn_1,
    dI_syn_1,
    I_syn_2,
    dI_syn_2,
    I_syn_3,
    dI_syn_3,
    I_syn_4,
    dI_syn_4,
    refractory,
    n_state
  };
  static constexpr int membrane = V_m;
  static constexpr units::dimension current_rate = units::dims::current - units::dims::time;  // pA/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn", units::dims::current},
                                                                  {"I_syn_1", units::dims::current},
                                                                  {"dI_syn_1", current_rate},
                                                                  {"I_syn_2", units::dims::current},
                                                                  {"dI_syn_2", current_rate},
                                                                  {"I_syn_3", units::dims::current},
                                                                  {"dI_syn_3", current_rate},
                                                                  {"I_syn_4", units::dims::current},
                                                                  {"dI_syn_4", current_rate},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = multisynapse_ports;
  static constexpr std::array<port_desc, multisynapse_ports> ports = multisynapse_detail::ports;

  using params = iaf_psc_alpha_multisynapse_params;
  using constants = iaf_psc_alpha_multisynapse_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    multisynapse_detail::each_common_param(p, f);
    f("V_min", p.V_min, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    const double tm = p.tau_m.value, C = p.C_m.value, E_L = p.E_L.value;
    // V_min's default (-DBL_MAX) must stay a real_t (no overflow to -inf when real_t is float)
    const double V_min = std::max(p.V_min.value - E_L, static_cast<double>(std::numeric_limits<real_t>::lowest()));
    auto r = [](double v) { return static_cast<real_t>(v); };
    constants c;
    c.E_L = r(E_L);
    c.theta = r(p.V_th.value - E_L);
    c.V_reset = r(p.V_reset.value - E_L);
    c.V_min = r(V_min);
    c.P33 = r(std::exp(-h / tm));
    c.P30 = r(1.0 / C * (1.0 - std::exp(-h / tm)) * tm);
    const auto tau = multisynapse_detail::tau_syn(p);
    for (int i = 0; i < multisynapse_ports; ++i) {
      c.P11[i] = r(std::exp(-h / tau[i]));
      c.P21[i] = r(h * std::exp(-h / tau[i]));
      c.P31[i] = r(propagator_alpha_to_membrane(tau[i], tm, C, h));
      c.P32[i] = r(propagator_exp_to_membrane(tau[i], tm, C, h));
      c.psc0[i] = r(std::numbers::e / tau[i]);
    }
    c.I_e = r(p.I_e.value);
    c.ref_steps = r(std::round(p.t_ref.value / h));
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = I_syn; q < n_state; ++q) s[q] = 0;
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool refractory_now = s[refractory] > 0;
    const real_t u_old = s[V_m] - c.E_L;  // relative to E_L, as NEST integrates it
    real_t u_new = c.P30 * (in.current + c.I_e) + c.P33 * u_old;
    for (int i = 0; i < multisynapse_ports; ++i) u_new += c.P31[i] * s[dI_syn_1 + 2 * i] + c.P32[i] * s[I_syn_1 + 2 * i];
    u_new += in.delta_v;
    u_new = u_new < c.V_min ? c.V_min : u_new;
    real_t u = refractory_now ? u_old : u_new;
    real_t current = 0;
    for (int i = 0; i < multisynapse_ports; ++i) {
      const int y2 = I_syn_1 + 2 * i, y1 = dI_syn_1 + 2 * i;
      s[y2] = c.P21[i] * s[y1] + c.P11[i] * s[y2];
      s[y1] = s[y1] * c.P11[i] + c.psc0[i] * in.port[i];
      current += s[y2];
    }
    s[I_syn] = current;
    const bool spike = u >= c.theta;
    s[refractory] = spike ? c.ref_steps : (refractory_now ? s[refractory] - 1 : s[refractory]);
    u = spike ? c.V_reset : u;
    s[V_m] = u + c.E_L;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_exp_multisynapse)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_alpha_multisynapse)
