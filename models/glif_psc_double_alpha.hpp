#pragma once
// NEST's glif_psc_double_alpha: the generalized leaky integrate-and-fire models GLIF1-5 of Teeter et al. (2018) as
// NEST's glif_psc (models/glif_psc.hpp), with a synaptic current per port that is the sum of two alpha functions, a
// fast and a slow one, exact integration, as NEST 3.10 updates it.
//
//   C_m dV/dt = -g (V - E_L) + sum_i (I_fast_i + I_slow_i) + ASCurrents_sum + I     (pA; g in nS, C_m in pF)
//   dI_x_i/dt = dI_x_i - I_x_i / tau_x_i,   d(dI_x_i)/dt = -dI_x_i / tau_x_i,   x in {fast, slow}
//   a spike of weight w (pA) into port "i" makes dI_fast_i jump by w e / tau_syn_fast_i and dI_slow_i by
//   w amp_slow_i e / tau_syn_slow_i (pA/ms): a fast PSC of peak w at t = tau_syn_fast_i plus a slow one of peak
//   amp_slow_i w at t = tau_syn_slow_i (negative weights give negative currents; the port, not the sign, selects the
//   synapse).
// The threshold components, the after-spike currents, the reset rules and the mechanism switches (GLIF1 lif ...
// GLIF5 lif_r_asc_a) are glif_psc's: models/glif_common.hpp.
//
// Receptor ports: NEST's model has one port per entry of tau_syn_fast (with tau_syn_slow, amp_slow of the same
// length; receptor_type 1..n; one port, tau_syn_fast [2.0], tau_syn_slow [6.0], amp_slow [0.3], by default).
// volley's port list is fixed at compile time, as glif_psc's: exactly two ports "1" and "2" (NEST's receptor_type 1
// and 2) with tau_syn_fast_i, tau_syn_slow_i, amp_slow_i; port 2 defaults to port 1's values. A model with NEST's
// default single port is the same with nothing connected to "2" (its currents stay 0 and add nothing).
//
// One step (NEST 3.10 glif_psc_double_alpha::update), U = V_m - E_L at the start of the step (U_old):
//   not refractory: theta_s and the ASCs decay, ASCurrents_sum = their mean over the step (glif_common.hpp);
//     U = U_old e^{-dt/tau_m} + (I + ASCurrents_sum) (1 - e^{-dt/tau_m}) tau_m / C_m
//         + sum_i (P31f_i dI_fast_i + P32f_i I_fast_i) + sum_i (P31s_i dI_slow_i + P32s_i I_slow_i)
//     (all fast terms first, then the slow ones, as NEST adds them), tau_m = C_m / g, with the exact propagators from
//     the currents at the start of the step (P31: propagator_alpha_to_membrane, P32: propagator_exp_to_membrane);
//     I_syn = sum_i I_fast_i + sum_i I_slow_i (the recordable; at the start of the step); delta inputs (mV, a volley
//     extension) are added to U; theta_v advances; U > threshold spikes, with the resets.
//   refractory: the counter decrements, U is held (I_syn keeps its last value, as in NEST).
//   Then, in both cases, the four alpha states of each port advance (I = dt e^{-dt/tau} dI + e^{-dt/tau} I,
//   dI *= e^{-dt/tau}) and this step's weights are added to dI_fast_i and dI_slow_i.
//
// Recording: V_m, threshold (absolute), threshold_spike, threshold_voltage (relative), ASCurrents_sum, I_syn as NEST
// records them; NEST's ASCurrents list is ASCurrents_1, ASCurrents_2. NEST's recordable I is the current input, not a
// state (volley does not keep it).
// Differs from NEST: two ports and two ASCs (above, glif_common.hpp); asc_init starts the ASCs (as volley's
// glif_psc); V_m starts at E_L (NEST keeps the absolute V_m of -78.85 mV when E_L is changed at Create, as in
// glif_psc).
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

struct glif_psc_double_alpha_params : glif_mechanism_params {
  units::voltage_q V_th{-51.68};
  units::conductance_q g{9.43};
  units::voltage_q E_L{-78.85};
  units::capacitance_q C_m{58.72};
  units::time_q t_ref{3.75};
  units::voltage_q V_reset{-78.85};       // GLIF1/3 only (GLIF2/4/5 reset by voltage_reset_fraction/add)
  units::time_q tau_syn_fast_1{2.0};      // NEST's tau_syn_fast [2.0]
  units::time_q tau_syn_fast_2{2.0};      // NEST has no second port by default
  units::time_q tau_syn_slow_1{6.0};      // NEST's tau_syn_slow [6.0]
  units::time_q tau_syn_slow_2{6.0};
  units::dimensionless_q amp_slow_1{0.3};  // NEST's amp_slow [0.3]: the slow peak relative to the fast one
  units::dimensionless_q amp_slow_2{0.3};
};

struct glif_psc_double_alpha_constants {
  glif_mechanism_constants m;
  double P33, P30;  // e^{-dt/tau_m}; mV/pA
  // per component (0 fast, 1 slow) and port
  double P11[2][2];   // e^{-dt/tau} (also P22)
  double P21[2][2];   // ms: dI -> I
  double P31[2][2];   // mV per pA/ms: dI -> V
  double P32[2][2];   // mV/pA: I -> V
  double psc0[2][2];  // 1/ms: the jump of dI per pA of weight (fast e / tau; slow amp_slow e / tau)
};

struct glif_psc_double_alpha {
  static constexpr const char* name = "glif_psc_double_alpha";
  static constexpr const char* description =
      "NEST glif_psc_double_alpha: generalized LIF (Teeter et al. 2018, GLIF1-5 by spike_dependent_threshold, "
      "after_spike_currents, adapting_threshold) with PSCs of a fast and a slow alpha function on ports \"1\" and "
      "\"2\", exact integration";
  enum : int {
    V_m,
    threshold,
    threshold_spike,
    threshold_voltage,
    ASCurrents_1,
    ASCurrents_2,
    ASCurrents_sum,
    I_syn,
    dI_syn_fast_1,
    I_syn_fast_1,
    dI_syn_fast_2,
    I_syn_fast_2,
    dI_syn_slow_1,
    I_syn_slow_1,
    dI_syn_slow_2,
    I_syn_slow_2,
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
                                                                  {"dI_syn_fast_1", current_rate},
                                                                  {"I_syn_fast_1", units::dims::current},
                                                                  {"dI_syn_fast_2", current_rate},
                                                                  {"I_syn_fast_2", units::dims::current},
                                                                  {"dI_syn_slow_1", current_rate},
                                                                  {"I_syn_slow_1", units::dims::current},
                                                                  {"dI_syn_slow_2", current_rate},
                                                                  {"I_syn_slow_2", units::dims::current},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"1", units::dims::current}, {"2", units::dims::current}}};

  using params = glif_psc_double_alpha_params;
  using constants = glif_psc_double_alpha_constants;

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
    f("tau_syn_fast_1", p.tau_syn_fast_1, range_check::positive);
    f("tau_syn_fast_2", p.tau_syn_fast_2, range_check::positive);
    f("tau_syn_slow_1", p.tau_syn_slow_1, range_check::positive);
    f("tau_syn_slow_2", p.tau_syn_slow_2, range_check::positive);
    f("amp_slow_1", p.amp_slow_1, range_check::positive);  // NEST: strictly positive
    f("amp_slow_2", p.amp_slow_2, range_check::positive);
  }
  static const char* validate(const params& p) { return glif_validate(p); }

  static constants derive(const params& p, double h) {
    constants c;
    const double G = p.g.value, C = p.C_m.value;
    c.m = glif_derive_mechanisms(p, G, C, p.t_ref.value, h);
    const double tau_m = C / G;  // ms
    c.P33 = std::exp(-h / tau_m);
    c.P30 = 1.0 / C * (1.0 - c.P33) * tau_m;
    const double tau[2][2] = {{p.tau_syn_fast_1.value, p.tau_syn_fast_2.value},
                              {p.tau_syn_slow_1.value, p.tau_syn_slow_2.value}};
    const double amp[2][2] = {{1.0, 1.0}, {p.amp_slow_1.value, p.amp_slow_2.value}};
    for (int x = 0; x < 2; ++x)
      for (int i = 0; i < 2; ++i) {
        c.P11[x][i] = std::exp(-h / tau[x][i]);
        c.P21[x][i] = h * c.P11[x][i];
        c.P31[x][i] = propagator_alpha_to_membrane(tau[x][i], tau_m, C, h);
        c.P32[x][i] = propagator_exp_to_membrane(tau[x][i], tau_m, C, h);
        c.psc0[x][i] = 1.0 * std::numbers::e / tau[x][i] * amp[x][i];
      }
    return c;
  }

  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[threshold] = static_cast<real_t>(p.V_th.value);  // NEST: threshold_ = th_inf, recorded + E_L
    s[ASCurrents_1] = static_cast<real_t>(p.asc_init_1.value);
    s[ASCurrents_2] = static_cast<real_t>(p.asc_init_2.value);
    s[ASCurrents_sum] =
        p.after_spike_currents ? static_cast<real_t>(p.asc_init_1.value + p.asc_init_2.value) : real_t(0);
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const glif_mechanism_constants& m = c.m;
    const double u_old = double(s[V_m]) - m.E_L;
    const double I = in.current;
    glif_adaptation a{s[threshold_spike], s[threshold_voltage], {s[ASCurrents_1], s[ASCurrents_2]}, s[ASCurrents_sum]};
    // y1: dI, y2: I, per component x (0 fast, 1 slow) and port i; state index dI_syn_fast_1 + 4 x + 2 i (+ 1)
    double y1[2][2], y2[2][2];
    for (int x = 0; x < 2; ++x)
      for (int i = 0; i < 2; ++i) {
        y1[x][i] = s[dI_syn_fast_1 + 4 * x + 2 * i];
        y2[x][i] = s[dI_syn_fast_1 + 4 * x + 2 * i + 1];
      }
    real_t count = s[refractory];
    double u = u_old;
    bool spike = false;
    if (count == 0) {
      glif_decay_spike_threshold_and_asc(m, a);
      u = u_old * c.P33 + (I + a.asc_sum) * c.P30;
      double i_syn[2] = {0.0, 0.0};
      for (int x = 0; x < 2; ++x)
        for (int i = 0; i < 2; ++i) {
          u += c.P31[x][i] * y1[x][i] + c.P32[x][i] * y2[x][i];
          i_syn[x] += y2[x][i];
        }
      s[I_syn] = static_cast<real_t>(i_syn[0] + i_syn[1]);
      u += in.delta_v;
      glif_advance_voltage_threshold(m, a, u_old, I);
      spike = glif_spike_and_reset(m, a, u, u_old, count);
    } else {
      count = count - 1;  // U held at its value
    }
    for (int x = 0; x < 2; ++x)
      for (int i = 0; i < 2; ++i) {
        y2[x][i] = c.P21[x][i] * y1[x][i] + c.P11[x][i] * y2[x][i];
        y1[x][i] *= c.P11[x][i];
        y1[x][i] += c.psc0[x][i] * in.port[i];
        s[dI_syn_fast_1 + 4 * x + 2 * i] = static_cast<real_t>(y1[x][i]);
        s[dI_syn_fast_1 + 4 * x + 2 * i + 1] = static_cast<real_t>(y2[x][i]);
      }
    s[V_m] = static_cast<real_t>(u + m.E_L);
    s[threshold] = static_cast<real_t>(glif_threshold(m, a));
    s[threshold_spike] = static_cast<real_t>(a.th_spike);
    s[threshold_voltage] = static_cast<real_t>(a.th_voltage);
    s[ASCurrents_1] = static_cast<real_t>(a.asc[0]);
    s[ASCurrents_2] = static_cast<real_t>(a.asc[1]);
    s[ASCurrents_sum] = static_cast<real_t>(a.asc_sum);
    s[refractory] = count;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::glif_psc_double_alpha)
