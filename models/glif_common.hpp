#pragma once
// What NEST's two GLIF models (models/glif_psc.hpp, models/glif_cond.hpp) share: the mechanism switches, the
// threshold components, the after-spike currents (ASC), the reset rules and the refractory hold of Teeter et al.
// (2018), as NEST 3.10 updates them. The membrane and synapses differ (exact alpha currents vs. alpha conductances
// through GSL's RKF45) and live in the two model headers.
//
// Five mechanism combinations, the only ones NEST accepts (validate()):
//   GLIF1 lif          spike_dependent_threshold false, after_spike_currents false, adapting_threshold false
//   GLIF2 lif_r        true,  false, false
//   GLIF3 lif_asc      false, true,  false
//   GLIF4 lif_r_asc    true,  true,  false
//   GLIF5 lif_r_asc_a  true,  true,  true
//
// Quantities (V relative to E_L, as NEST keeps them; U = V_m - E_L):
//   theta_s (threshold_spike, mV)   d theta_s/dt = -b_s theta_s                    b_s = th_spike_decay (1/ms)
//   I_j (ASCurrents_j, pA)          dI_j/dt = -k_j I_j                             k_j = asc_decay_j (1/ms)
//   theta_v (threshold_voltage, mV) d theta_v/dt = a_v U - b_v theta_v             a_v = th_voltage_index,
//                                                                                  b_v = th_voltage_decay (1/ms)
//   threshold = theta_inf + theta_s + theta_v (recorded absolute: + E_L),           theta_inf = V_th - E_L
//
// One step of a neuron that is not refractory (count 0), in NEST's order (the membrane step's place differs, see
// the model headers):
//   1. GLIF2/4/5: theta_s *= exp(-b_s dt).
//   2. GLIF3/4/5: ASCurrents_sum = sum_j I_j (1 - exp(-k_j dt)) / (k_j dt) (the exact mean of I_j over the step),
//      then I_j *= exp(-k_j dt); GLIF1/2: ASCurrents_sum = 0.
//   3. GLIF5: theta_v advances exactly as if U followed the leaky membrane C dU/dt = -g U + I + ASCurrents_sum
//      from U_old (the start of the step) with the current held: with beta = (I + ASCurrents_sum)/g,
//      phi = a_v / (b_v - g/C),
//        theta_v = phi (U_old - beta) e^{-g dt/C} + e^{-b_v dt} (theta_v - phi (U_old - beta) - a_v/b_v beta)
//                  + a_v/b_v beta
//      (synaptic currents and conductances are not in it, as in NEST).
//   4. threshold = theta_s + theta_v + theta_inf; U > threshold (strictly) is a spike:
//      count = NEST's steps of t_ref (t_ref rounded to the 1 us tic, then up to whole steps: 3.75 ms is 38 steps
//      at 0.1 ms); GLIF3/4/5: I_j = asc_amps_j + I_j r_j exp(-k_j t_ref) (r_j = asc_r_j; the decay over the whole
//      refractory period at once, with t_ref itself, not the rounded steps);
//      GLIF1/3: U = V_reset - E_L; GLIF2/4/5: U = voltage_reset_fraction U_old + voltage_reset_add (U_old: the
//      start of the step, not the crossing value) and theta_s = theta_s exp(-b_s t_ref) + th_spike_add.
// A refractory neuron (count > 0): count -= 1, U is held at its value (the reset value, for the whole period), no
// threshold component and no ASC moves (their decay over t_ref was applied at the spike).
//
// NEST keeps a list of ASCs (any length); volley has exactly two (NEST's default length), asc_*_1 and asc_*_2: one
// ASC is asc_amps_2 = asc_init_2 = 0, which then never moves.
// NEST's asc_init: in NEST 3.10 it never reaches the state (ASCurrents start at 0 in every node, whatever asc_init
// is set to at Create or by SetDefaults; checked with NEST); volley starts ASCurrents_j at asc_init_j (0 by
// default, so the defaults agree).
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps: NEST's Time(ms(t)).get_steps()
#include "models/model_kit.hpp"

namespace volley::models {

// The mechanism and adaptation parameters both GLIF models have, NEST's names, defaults and units (NEST's defaults:
// GLIF5 fit of Allen cell 490626718). The models' params structs derive from it (glif_psc_params,
// glif_cond_params); glif_each_mechanism_param visits these fields.
struct glif_mechanism_params {
  units::voltage_q th_spike_add{0.37};                      // mV: delta theta_s added at a spike
  units::rate_q th_spike_decay{0.009};                      // 1/ms: b_s
  units::dimensionless_q voltage_reset_fraction{0.20};      // f_v
  units::voltage_q voltage_reset_add{18.51};                // mV: -delta V
  units::rate_q th_voltage_index{0.005};                    // 1/ms: a_v
  units::rate_q th_voltage_decay{0.09};                     // 1/ms: b_v
  units::current_q asc_init_1{0.0}, asc_init_2{0.0};        // pA
  units::rate_q asc_decay_1{0.003}, asc_decay_2{0.1};       // 1/ms: k_j
  units::current_q asc_amps_1{-9.18}, asc_amps_2{-198.94};  // pA: delta I_j
  units::dimensionless_q asc_r_1{1.0}, asc_r_2{1.0};        // f_j
  bool spike_dependent_threshold = false;  // "R": theta_s and the reset rule f_v U_old + voltage_reset_add
  bool after_spike_currents = false;       // "ASC"
  bool adapting_threshold = false;         // "A": theta_v
};

// The range checks NEST makes whatever the switches are belong to each_param (C_m, g, t_ref, tau_syn positive); the
// ones NEST makes only for an active mechanism are here (a th_spike_decay of 0 is accepted while
// spike_dependent_threshold is false, as in NEST).
template <class P, class F>
void glif_each_mechanism_param(P& p, F&& f) {
  f("th_spike_add", p.th_spike_add, range_check::any);
  f("th_spike_decay", p.th_spike_decay, range_check::any);
  f("voltage_reset_fraction", p.voltage_reset_fraction, range_check::any);
  f("voltage_reset_add", p.voltage_reset_add, range_check::any);
  f("th_voltage_index", p.th_voltage_index, range_check::any);
  f("th_voltage_decay", p.th_voltage_decay, range_check::any);
  f("asc_init_1", p.asc_init_1, range_check::any);
  f("asc_init_2", p.asc_init_2, range_check::any);
  f("asc_decay_1", p.asc_decay_1, range_check::any);
  f("asc_decay_2", p.asc_decay_2, range_check::any);
  f("asc_amps_1", p.asc_amps_1, range_check::any);
  f("asc_amps_2", p.asc_amps_2, range_check::any);
  f("asc_r_1", p.asc_r_1, range_check::any);
  f("asc_r_2", p.asc_r_2, range_check::any);
  f("spike_dependent_threshold", p.spike_dependent_threshold, range_check::any);
  f("after_spike_currents", p.after_spike_currents, range_check::any);
  f("adapting_threshold", p.adapting_threshold, range_check::any);
}

// NEST's checks of Parameters_::set that depend on the switches, in NEST's order (glif_psc; glif_cond makes the
// same checks), each naming the parameter; NEST's own message in parentheses. V_reset < V_th too (relative to E_L
// in NEST, the same comparison). nullptr when all pass.
template <class P>
const char* glif_validate(const P& p) {
  const bool s = p.spike_dependent_threshold, a = p.after_spike_currents, v = p.adapting_threshold;
  if (v && !(s && a))
    return "spike_dependent_threshold, after_spike_currents, adapting_threshold to be one of NEST's five GLIF "
           "combinations (false/false/false lif, true/false/false lif_r, false/true/false lif_asc, true/true/false "
           "lif_r_asc, true/true/true lif_r_asc_a): adapting_threshold needs the other two (NEST: Incorrect model "
           "mechanism combination setting)";
  if (a) {
    if (!(p.asc_decay_1.value > 0.0))
      return "asc_decay_1 > 0 when after_spike_currents is true (NEST: After-spike current time constant must be "
             "strictly positive)";
    if (!(p.asc_r_1.value >= 0.0 && p.asc_r_1.value <= 1.0))
      return "asc_r_1 in [0, 1] when after_spike_currents is true (NEST: After spike current fraction following "
             "spike coefficients r must be within [0.0, 1.0])";
    if (!(p.asc_decay_2.value > 0.0))
      return "asc_decay_2 > 0 when after_spike_currents is true (NEST: After-spike current time constant must be "
             "strictly positive)";
    if (!(p.asc_r_2.value >= 0.0 && p.asc_r_2.value <= 1.0))
      return "asc_r_2 in [0, 1] when after_spike_currents is true (NEST: After spike current fraction following "
             "spike coefficients r must be within [0.0, 1.0])";
  }
  if (!(p.V_reset.value < p.V_th.value))
    return "V_reset below V_th (NEST: Reset potential must be smaller than threshold)";
  if (v && !(p.th_voltage_decay.value > 0.0))
    return "th_voltage_decay > 0 when adapting_threshold is true (NEST: Voltage-induced threshold time constant "
           "must be strictly positive)";
  if (s) {
    if (!(p.th_spike_decay.value > 0.0))
      return "th_spike_decay > 0 when spike_dependent_threshold is true (NEST: Spike induced threshold time "
             "constant must be strictly positive)";
    if (!(p.voltage_reset_fraction.value >= 0.0 && p.voltage_reset_fraction.value <= 1.0))
      return "voltage_reset_fraction in [0, 1] when spike_dependent_threshold is true (NEST: Voltage fraction "
             "coefficient following spike must be within [0.0, 1.0])";
  }
  return nullptr;
}

// What the threshold, ASC and reset steps need, NEST's pre_run_hook quantities. Doubles whatever real_t is.
struct glif_mechanism_constants {
  double E_L;                                      // mV, absolute
  double th_inf;                                   // mV, V_th - E_L
  double V_reset;                                  // mV, V_reset - E_L (GLIF1/3)
  double G;                                        // nS
  double reset_fraction, reset_add, th_spike_add;  // f_v, mV, mV
  double th_spike_decay_rate;                      // exp(-b_s dt)
  double th_spike_refractory_decay_rate;           // exp(-b_s t_ref)
  double asc_decay_rate[2];                        // exp(-k_j dt)
  double asc_stable_coeff[2];                      // (1/k_j)/dt (1 - exp(-k_j dt))
  double asc_refractory_decay_rate[2];             // r_j exp(-k_j t_ref)
  double asc_amps[2];                              // pA
  double potential_decay_rate;                     // exp(-g dt / C)
  double th_voltage_decay_rate_inverse;            // 1 / exp(b_v dt)
  double phi;                                      // a_v / (b_v - g/C)
  double abpara_ratio_voltage;                     // a_v / b_v
  bool has_theta_spike, has_asc, has_theta_voltage;
  real_t ref_steps;  // NEST's steps of t_ref
};

// G (nS), C (pF), t_ref (ms) from the model's parameters (glif_psc's g, glif_cond's g_m).
template <class P>
glif_mechanism_constants glif_derive_mechanisms(const P& p, double G, double C, double t_ref, double h) {
  glif_mechanism_constants c{};
  c.E_L = p.E_L.value;
  c.th_inf = p.V_th.value - p.E_L.value;
  c.V_reset = p.V_reset.value - p.E_L.value;
  c.G = G;
  c.reset_fraction = p.voltage_reset_fraction.value;
  c.reset_add = p.voltage_reset_add.value;
  c.th_spike_add = p.th_spike_add.value;
  c.has_theta_spike = p.spike_dependent_threshold;
  c.has_asc = p.after_spike_currents;
  c.has_theta_voltage = p.adapting_threshold;
  // NEST computes these only for the active mechanisms; the others stay unused (and may be inf/NaN here for
  // parameters NEST accepts when a mechanism is off, e.g. th_voltage_decay = 0).
  c.th_spike_decay_rate = std::exp(-p.th_spike_decay.value * h);
  c.th_spike_refractory_decay_rate = std::exp(-p.th_spike_decay.value * t_ref);
  const double k[2] = {p.asc_decay_1.value, p.asc_decay_2.value};
  const double r[2] = {p.asc_r_1.value, p.asc_r_2.value};
  c.asc_amps[0] = p.asc_amps_1.value;
  c.asc_amps[1] = p.asc_amps_2.value;
  for (int j = 0; j < 2; ++j) {
    c.asc_decay_rate[j] = std::exp(-k[j] * h);
    c.asc_stable_coeff[j] = ((1.0 / k[j]) / h) * (1.0 - c.asc_decay_rate[j]);
    c.asc_refractory_decay_rate[j] = r[j] * std::exp(-k[j] * t_ref);
  }
  const double a_v = p.th_voltage_index.value, b_v = p.th_voltage_decay.value;
  c.potential_decay_rate = std::exp(-G * h / C);
  c.th_voltage_decay_rate_inverse = 1.0 / std::exp(b_v * h);
  c.phi = a_v / (b_v - G / C);
  c.abpara_ratio_voltage = a_v / b_v;
  c.ref_steps = static_cast<real_t>(nest_refractory_steps(t_ref, h));
  return c;
}

// The adaptation state of one neuron during a step, in doubles (the models copy it from and to real_t state).
struct glif_adaptation {
  double th_spike, th_voltage;  // mV
  double asc[2];                // pA
  double asc_sum;               // pA
};

// Steps 1 and 2 (not refractory): theta_s decays, ASCurrents_sum becomes this step's mean ASC, the ASCs decay.
VOLLEY_HD VOLLEY_INLINE void glif_decay_spike_threshold_and_asc(const glif_mechanism_constants& c, glif_adaptation& a) {
  if (c.has_theta_spike) a.th_spike = a.th_spike * c.th_spike_decay_rate;
  a.asc_sum = 0.0;
  if (c.has_asc)
    for (int j = 0; j < 2; ++j) {
      a.asc_sum += c.asc_stable_coeff[j] * a.asc[j];
      a.asc[j] = a.asc[j] * c.asc_decay_rate[j];
    }
}

// Step 3 (not refractory; GLIF5): theta_v from U_old (mV, relative), the input current I (pA) and this step's
// ASCurrents_sum.
VOLLEY_HD VOLLEY_INLINE void glif_advance_voltage_threshold(const glif_mechanism_constants& c, glif_adaptation& a,
                                                            double u_old, double I) {
  if (!c.has_theta_voltage) return;
  const double beta = (I + a.asc_sum) / c.G;
  a.th_voltage =
      c.phi * (u_old - beta) * c.potential_decay_rate +
      c.th_voltage_decay_rate_inverse * (a.th_voltage - c.phi * (u_old - beta) - c.abpara_ratio_voltage * beta) +
      c.abpara_ratio_voltage * beta;
}

// Step 4 (not refractory): the spike test of U (relative, after the membrane step) and the resets; count is the
// refractory counter. True on a spike.
VOLLEY_HD VOLLEY_INLINE bool glif_spike_and_reset(const glif_mechanism_constants& c, glif_adaptation& a, double& u,
                                                  double u_old, real_t& count) {
  const double threshold = a.th_spike + a.th_voltage + c.th_inf;
  if (!(u > threshold)) return false;
  count = c.ref_steps;
  if (c.has_asc)
    for (int j = 0; j < 2; ++j) a.asc[j] = c.asc_amps[j] + a.asc[j] * c.asc_refractory_decay_rate[j];
  if (!c.has_theta_spike) {
    u = c.V_reset;
  } else {
    u = c.reset_fraction * u_old + c.reset_add;
    a.th_spike = a.th_spike * c.th_spike_refractory_decay_rate + c.th_spike_add;
  }
  return true;
}

// NEST's recorded threshold (absolute, mV): (theta_s + theta_v + theta_inf) + E_L, in NEST's order.
VOLLEY_HD VOLLEY_INLINE double glif_threshold(const glif_mechanism_constants& c, const glif_adaptation& a) {
  return (a.th_spike + a.th_voltage + c.th_inf) + c.E_L;
}

}  // namespace volley::models
