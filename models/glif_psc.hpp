#pragma once
// NEST's glif_psc: the generalized leaky integrate-and-fire models GLIF1-5 of Teeter et al. (2018, Nat. Commun.
// 9:709) with alpha-shaped synaptic currents, exact integration, as NEST 3.10 updates them.
//
//   C_m dV/dt = -g (V - E_L) + I_syn_1 + I_syn_2 + ASCurrents_sum + I            (pA; g in nS, C_m in pF)
//   dI_syn_i/dt = dI_syn_i - I_syn_i / tau_syn_i,   d(dI_syn_i)/dt = -dI_syn_i / tau_syn_i
//   a spike of weight w (pA) into port "i" makes dI_syn_i jump by w e / tau_syn_i (pA/ms): a PSC of peak w pA at
//   t = tau_syn_i (negative weights give negative currents; the port, not the sign, selects the synapse).
// The threshold components, the after-spike currents, the reset rules and the mechanism switches (GLIF1 lif ...
// GLIF5 lif_r_asc_a) are in models/glif_common.hpp.
//
// Receptor ports: NEST's glif_psc has one port per entry of its tau_syn list (receptor_type 1..n; one port,
// tau_syn [2.0], by default). volley's port list is fixed at compile time: exactly two ports, "1" and "2" (NEST's
// receptor_type 1 and 2), with tau_syn_1 and tau_syn_2; this is NEST's glif_psc with tau_syn = [tau_syn_1,
// tau_syn_2]. A model with NEST's default single port is the same with nothing connected to "2" (an unused port
// stays at 0 and adds nothing). Connections must name the port (no routing by sign; NEST rejects receptor_type 0).
//
// One step (NEST 3.10 glif_psc::update), U = V_m - E_L at the start of the step (U_old), I = the current input:
//   not refractory: theta_s and the ASCs decay, ASCurrents_sum = their mean over the step (glif_common.hpp);
//     U = U_old e^{-dt/tau_m} + (I + ASCurrents_sum) (1 - e^{-dt/tau_m}) tau_m / C_m + sum_i (P31_i dI_syn_i +
//     P32_i I_syn_i), tau_m = C_m / g, with the exact propagators from the alpha currents at the start of the step
//     (P31: models/iaf_psc_alpha.hpp, P32: models/iaf_psc_exp.hpp, both exact and finite at tau_syn == tau_m);
//     I_syn = sum_i I_syn_i (the recordable; at the start of the step); delta inputs (mV, a volley extension:
//     NEST's glif_psc has none) are added to U; theta_v advances; U > threshold spikes, with the resets.
//   refractory: the counter decrements, U is held (I_syn is not recomputed: it keeps its last value, as in NEST).
//   Then, in both cases, the alpha currents advance (I_syn_i = dt e^{-dt/tau} dI_syn_i + e^{-dt/tau} I_syn_i,
//   dI_syn_i *= e^{-dt/tau}) and this step's weights are added to dI_syn_i (the synapses run on while refractory).
// The current input acting over a step is the one NEST's step_current_generator set in the previous step (NEST's
// S_.I_ is updated at the end of a step): see tests/support/nest_reference.hpp for the timing. NEST's recordable I
// is that input, not a state; volley does not keep it. glif_psc has no I_e (NEST has none).
//
// Recording: NEST's V_m and threshold are absolute (U + E_L, threshold + E_L), threshold_spike, threshold_voltage
// relative; the same here. NEST's ASCurrents (a list) are ASCurrents_1, ASCurrents_2.
// Differs from NEST: two ports and two ASCs (see above and glif_common.hpp); asc_init starts the ASCs (NEST 3.10
// ignores it); V_m starts at E_L (NEST keeps the absolute V_m of -78.85 mV when E_L is changed at Create).
#include <array>
#include <cmath>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/glif_common.hpp"
#include "models/iaf_psc_alpha.hpp"  // propagator_alpha_to_membrane
#include "models/iaf_psc_exp.hpp"    // propagator_exp_to_membrane
#include "models/model_kit.hpp"

namespace volley::models {

struct glif_psc_params : glif_mechanism_params {
  units::voltage_q V_th{-51.68};
  units::conductance_q g{9.43};
  units::voltage_q E_L{-78.85};
  units::capacitance_q C_m{58.72};
  units::time_q t_ref{3.75};
  units::voltage_q V_reset{-78.85};  // GLIF1/3 only (GLIF2/4/5 reset by voltage_reset_fraction/add)
  units::time_q tau_syn_1{2.0};      // NEST's tau_syn [2.0]
  units::time_q tau_syn_2{2.0};      // NEST has no second port by default
};

struct glif_psc_constants {
  glif_mechanism_constants m;
  double P33, P30;  // e^{-dt/tau_m}; mV/pA
  double P11[2];    // e^{-dt/tau_syn_i} (also P22)
  double P21[2];    // ms: dI -> I
  double P31[2];    // mV per pA/ms: dI -> V
  double P32[2];    // mV/pA: I -> V
  double psc0[2];   // 1/ms: e / tau_syn_i, the jump of dI_syn_i per pA of weight
};

struct glif_psc {
  static constexpr const char* name = "glif_psc";
  static constexpr const char* description =
      "NEST glif_psc: generalized LIF (Teeter et al. 2018, GLIF1-5 by spike_dependent_threshold, "
      "after_spike_currents, adapting_threshold) with alpha-shaped PSCs on ports \"1\" and \"2\", exact integration";
  enum : int {
    V_m,
    threshold,
    threshold_spike,
    threshold_voltage,
    ASCurrents_1,
    ASCurrents_2,
    ASCurrents_sum,
    I_syn,
    dI_syn_1,
    I_syn_1,
    dI_syn_2,
    I_syn_2,
    refractory,
    n_state
  };
  static constexpr int membrane = V_m;
  static constexpr units::dimension current_rate = units::dims::current - units::dims::time;  // pA/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"threshold", units::dims::voltage},
                                                                  {"threshold_spike", units::dims::voltage},
                                                                  {"threshold_voltage", units::dims::voltage},
                                                                  {"ASCurrents_1", units::dims::current},
                                                                  {"ASCurrents_2", units::dims::current},
                                                                  {"ASCurrents_sum", units::dims::current},
                                                                  {"I_syn", units::dims::current},
                                                                  {"dI_syn_1", current_rate},
                                                                  {"I_syn_1", units::dims::current},
                                                                  {"dI_syn_2", current_rate},
                                                                  {"I_syn_2", units::dims::current},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"1", units::dims::current}, {"2", units::dims::current}}};

  using params = glif_psc_params;
  using constants = glif_psc_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_th", p.V_th, range_check::any);
    f("g", p.g, range_check::positive);
    f("E_L", p.E_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("t_ref", p.t_ref, range_check::positive);
    f("V_reset", p.V_reset, range_check::any);
    glif_each_mechanism_param(p, f);
    f("tau_syn_1", p.tau_syn_1, range_check::positive);
    f("tau_syn_2", p.tau_syn_2, range_check::positive);
  }
  static const char* validate(const params& p) { return glif_validate(p); }

  static constants derive(const params& p, double h) {
    constants c;
    const double G = p.g.value, C = p.C_m.value;
    c.m = glif_derive_mechanisms(p, G, C, p.t_ref.value, h);
    const double tau = C / G;  // ms
    c.P33 = std::exp(-h / tau);
    c.P30 = 1.0 / C * (1.0 - c.P33) * tau;
    const double tau_syn[2] = {p.tau_syn_1.value, p.tau_syn_2.value};
    for (int i = 0; i < 2; ++i) {
      c.P11[i] = std::exp(-h / tau_syn[i]);
      c.P21[i] = h * c.P11[i];
      c.P31[i] = propagator_alpha_to_membrane(tau_syn[i], tau, C, h);
      c.P32[i] = propagator_exp_to_membrane(tau_syn[i], tau, C, h);
      c.psc0[i] = std::numbers::e / tau_syn[i];
    }
    return c;
  }

  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[threshold] = static_cast<real_t>(p.V_th.value);  // NEST: threshold_ = th_inf, recorded + E_L
    s[threshold_spike] = s[threshold_voltage] = 0;
    s[ASCurrents_1] = static_cast<real_t>(p.asc_init_1.value);
    s[ASCurrents_2] = static_cast<real_t>(p.asc_init_2.value);
    s[ASCurrents_sum] =
        p.after_spike_currents ? static_cast<real_t>(p.asc_init_1.value + p.asc_init_2.value) : real_t(0);
    s[I_syn] = s[dI_syn_1] = s[I_syn_1] = s[dI_syn_2] = s[I_syn_2] = s[refractory] = 0;
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const glif_mechanism_constants& m = c.m;
    const double u_old = double(s[V_m]) - m.E_L;
    const double I = in.current;
    glif_adaptation a{s[threshold_spike], s[threshold_voltage], {s[ASCurrents_1], s[ASCurrents_2]}, s[ASCurrents_sum]};
    double y1[2] = {s[dI_syn_1], s[dI_syn_2]};
    double y2[2] = {s[I_syn_1], s[I_syn_2]};
    real_t count = s[refractory];
    double u = u_old;
    bool spike = false;
    if (count == 0) {
      glif_decay_spike_threshold_and_asc(m, a);
      u = u_old * c.P33 + (I + a.asc_sum) * c.P30;
      double i_syn = 0.0;
      for (int i = 0; i < 2; ++i) {
        u += c.P31[i] * y1[i] + c.P32[i] * y2[i];
        i_syn += y2[i];
      }
      s[I_syn] = static_cast<real_t>(i_syn);
      u += in.delta_v;
      glif_advance_voltage_threshold(m, a, u_old, I);
      spike = glif_spike_and_reset(m, a, u, u_old, count);
    } else {
      count = count - 1;  // U held at its value
    }
    for (int i = 0; i < 2; ++i) {
      y2[i] = c.P21[i] * y1[i] + c.P11[i] * y2[i];
      y1[i] *= c.P11[i];
      y1[i] += c.psc0[i] * in.port[i];
    }
    s[V_m] = static_cast<real_t>(u + m.E_L);
    s[threshold] = static_cast<real_t>(glif_threshold(m, a));
    s[threshold_spike] = static_cast<real_t>(a.th_spike);
    s[threshold_voltage] = static_cast<real_t>(a.th_voltage);
    s[ASCurrents_1] = static_cast<real_t>(a.asc[0]);
    s[ASCurrents_2] = static_cast<real_t>(a.asc[1]);
    s[ASCurrents_sum] = static_cast<real_t>(a.asc_sum);
    s[dI_syn_1] = static_cast<real_t>(y1[0]);
    s[I_syn_1] = static_cast<real_t>(y2[0]);
    s[dI_syn_2] = static_cast<real_t>(y1[1]);
    s[I_syn_2] = static_cast<real_t>(y2[1]);
    s[refractory] = count;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::glif_psc)
