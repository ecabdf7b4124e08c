#pragma once
// NEST's ht_neuron (Hill & Tononi 2005): an integrate-and-fire neuron with a dynamic threshold, a repolarising
// potassium current after each spike instead of a hard reset, four beta-function synapses (AMPA, NMDA with a
// voltage-dependent Mg2+ block, GABA_A, GABA_B) and four intrinsic currents (I_NaP, I_KNa, I_T, I_h), integrated as
// NEST 3.10 integrates it (GSL's adaptive RKF45, models/rkf45.hpp, eps_abs 1e-3 on every component).
//
// Units as NEST has them: conductances are dimensionless and currents are in mV (dV/dt = sum of currents / tau_m).
// A current input (NEST's dc / step_current_generator, volley's current sources) enters the sum with its number:
// 100 "pA" adds 100 mV / tau_m to dV/dt.
//
//   dV/dt = (I_Na + I_K + I_syn + I_NaP + I_KNa + I_T + I_h + I_stim) / tau_m + I_spike
//     I_Na = -g_NaL (V - E_Na),  I_K = -g_KL (V - E_K),  I_spike = -(V - E_K) / tau_spike while refractory, else 0
//     I_syn = -g_AMPA (V - E_rev_AMPA) - g_NMDA m_NMDA (V - E_rev_NMDA) - g_GABA_A (V - ...) - g_GABA_B (V - ...)
//     I_NaP = -g_peak_NaP m_inf^N_NaP (V - E_rev_NaP),          m_inf = 1 / (1 + exp(-(V + 55.7) / 7.7))
//     I_KNa = -g_peak_KNa / (1 + (0.25 / D)^3.5) (V - E_rev_KNa), dD/dt = (D_eq(V) - D) / tau_D_KNa,
//             D_eq = tau_D_KNa 0.025 / (1 + exp(-(V + 10) / 5)) + 0.001
//     I_T   = -g_peak_T m_T^N_T h_T (V - E_rev_T),   I_h = -g_peak_h m_h (V - E_rev_h)
//     (m_T, h_T, m_h relax to their voltage-dependent equilibria with voltage-dependent time constants: rhs below)
//   dtheta/dt = -(theta - theta_eq) / tau_theta
//   beta synapses X:  d(dg_X)/dt = -dg_X / tau_rise_X,  dg_X_timecourse/dt = dg_X - g_X / tau_decay_X;
//     a spike of weight w on port X (receptor_type 1 AMPA, 2 NMDA, 3 GABA_A, 4 GABA_B) adds w g_peak_X c_X to dg_X,
//     c_X NEST's beta_normalization_factor (the conductance then peaks at w g_peak_X)
//   NMDA block: m_eq = 1 / (1 + exp(-S_act_NMDA (V - V_act_NMDA))); instant_unblock_NMDA: m_NMDA = m_eq; else
//     m_NMDA = A1 m_fast + (1 - A1) m_slow with A1 = 0.51 - 0.0028 V, dm_x/dt = (m_eq - m_x) / tau_Mg_x_NMDA, where
//     the right-hand side uses min(m_eq, m_x) (unblocking is gradual, blocking instantaneous) and NEST writes
//     m_x = min(m_eq, m_x) back after every accepted RKF45 step.
//
// One step (NEST 3.10 update()): RKF45 over dt, the step size carried to the next step (state h_ode). After every
// accepted RKF45 step: voltage_clamp sets V = V_clamp; the NMDA block is written back; a neuron that is not
// refractory with V >= theta spikes: V = theta = E_Na, and the repolarising current I_spike acts for the rest of this
// step and the next Time(t_ref).get_steps() steps (nest_refractory_steps; the spike test is off as long). The later
// RKF45 steps of the same simulation step go on from the reset state. Then the counter counts down, the arriving
// weights are added to the dg_X (delta inputs, mV, a volley extension, to V), and g_NMDA = g_NMDA_timecourse m_NMDA
// is recorded. I_NaP, I_KNa, I_T, I_h are NEST's recordables: the values of the last evaluation of the right-hand
// side, GSL's derivative at the end of the last accepted RKF45 step, before clamp and spike reset.
//
// Initial state (NEST's prototype): V_m = (g_NaL E_Na + g_KL E_K) / (g_NaL + g_KL) and every gating variable at its
// equilibrium there, computed with NEST's DEFAULT parameters whatever the population's parameters are: NEST builds
// a node from the prototype's state and then sets its parameters, and moves the gates only when `equilibrate` is
// given. theta = theta_eq of the defaults likewise.
//
// voltage_clamp: NEST clamps V to the V_m the neuron has when Simulate starts (each Simulate call); volley clamps to
// the V_m of the first step simulated (state V_clamp, NaN until then; settable). The two differ only when V_m is set
// between Simulate calls.
//
// Not reproduced: `equilibrate` (NEST's SetStatus flag that moves the gates to their equilibria at the given V_m;
// volley's NEST layer has no such key: set the gating states by name); GSLSolverFailure (device code cannot throw).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/iaf_cond_beta.hpp"     // beta_normalization: NEST's beta_normalization_factor
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps: NEST's Time(ms(t_ref)).get_steps()
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

inline constexpr units::dimension ht_per_voltage = units::dims::none - units::dims::voltage;  // 1/mV

struct ht_neuron_params {
  // leaks, membrane
  units::voltage_q E_Na{30.0};
  units::voltage_q E_K{-90.0};
  units::dimensionless_q g_NaL{0.2};
  units::dimensionless_q g_KL{1.0};
  units::time_q tau_m{16.0};
  // dynamic threshold
  units::voltage_q theta_eq{-51.0};
  units::time_q tau_theta{2.0};
  // post-spike repolarising potassium current
  units::time_q tau_spike{1.75};
  units::time_q t_ref{2.0};
  // synapses
  units::dimensionless_q g_peak_AMPA{0.1};
  units::time_q tau_rise_AMPA{0.5};
  units::time_q tau_decay_AMPA{2.4};
  units::voltage_q E_rev_AMPA{0.0};
  units::dimensionless_q g_peak_NMDA{0.075};
  units::time_q tau_rise_NMDA{4.0};
  units::time_q tau_decay_NMDA{40.0};
  units::voltage_q E_rev_NMDA{0.0};
  units::voltage_q V_act_NMDA{-25.57};
  units::quantity<ht_per_voltage> S_act_NMDA{0.081};  // NEST's documentation says mV; it multiplies a voltage
  units::time_q tau_Mg_slow_NMDA{22.7};
  units::time_q tau_Mg_fast_NMDA{0.68};
  bool instant_unblock_NMDA = false;
  units::dimensionless_q g_peak_GABA_A{0.33};
  units::time_q tau_rise_GABA_A{1.0};
  units::time_q tau_decay_GABA_A{7.0};
  units::voltage_q E_rev_GABA_A{-70.0};
  units::dimensionless_q g_peak_GABA_B{0.0132};
  units::time_q tau_rise_GABA_B{60.0};
  units::time_q tau_decay_GABA_B{200.0};
  units::voltage_q E_rev_GABA_B{-90.0};
  // intrinsic currents
  units::dimensionless_q g_peak_NaP{1.0};
  units::voltage_q E_rev_NaP{30.0};
  units::dimensionless_q N_NaP{3.0};
  units::dimensionless_q g_peak_KNa{1.0};
  units::voltage_q E_rev_KNa{-90.0};
  units::time_q tau_D_KNa{1250.0};
  units::dimensionless_q g_peak_T{1.0};
  units::voltage_q E_rev_T{0.0};
  units::dimensionless_q N_T{2.0};
  units::dimensionless_q g_peak_h{1.0};
  units::voltage_q E_rev_h{-40.0};
  bool voltage_clamp = false;
};

struct ht_neuron_constants {
  double E_Na, E_K, g_NaL, g_KL, tau_m;                               // mV, mV, -, -, ms
  double theta_eq, tau_theta, tau_spike;                              // mV, ms, ms
  double tau_rise[4], tau_decay[4], E_rev[4];                         // AMPA, NMDA, GABA_A, GABA_B: ms, ms, mV
  double cond_step[4];                                                // 1/ms per unit weight: g_peak_X c_X
  double V_act_NMDA, S_act_NMDA, tau_Mg_slow_NMDA, tau_Mg_fast_NMDA;  // mV, 1/mV, ms, ms
  double g_peak_NaP, E_rev_NaP, N_NaP;
  double g_peak_KNa, E_rev_KNa, tau_D_KNa;
  double g_peak_T, E_rev_T, N_T;
  double g_peak_h, E_rev_h;
  double ref_counts;  // Time(t_ref).get_steps()
  double dt;          // ms
  bool instant_unblock_NMDA, voltage_clamp;
};

// The voltage-dependent pieces, one definition for the right-hand side, the initial state and the recording.
struct ht_gates {
  VOLLEY_HD VOLLEY_INLINE static double m_eq_NMDA(const ht_neuron_constants& c, double V) {
    return 1.0 / (1.0 + std::exp(-c.S_act_NMDA * (V - c.V_act_NMDA)));
  }
  VOLLEY_HD VOLLEY_INLINE static double m_NMDA(const ht_neuron_constants& c, double V, double m_eq, double m_fast,
                                               double m_slow) {
    const double A1 = 0.51 - 0.0028 * V;
    const double A2 = 1 - A1;
    return c.instant_unblock_NMDA ? m_eq : A1 * m_fast + A2 * m_slow;
  }
  VOLLEY_HD VOLLEY_INLINE static double m_eq_h(double V) { return 1.0 / (1.0 + std::exp((V - -75.0) / 5.5)); }
  VOLLEY_HD VOLLEY_INLINE static double h_eq_T(double V) { return 1.0 / (1.0 + std::exp((V + 83.0) / 4)); }
  VOLLEY_HD VOLLEY_INLINE static double m_eq_T(double V) { return 1.0 / (1.0 + std::exp(-(V + 59.0) / 6.2)); }
  VOLLEY_HD VOLLEY_INLINE static double D_eq_KNa(const ht_neuron_constants& c, double V) {
    const double D_influx = 0.025 / (1.0 + std::exp(-(V - -10.0) / 5.0));  // peak 0.025, threshold -10 mV
    return c.tau_D_KNa * D_influx + 0.001;
  }
};

struct ht_neuron {
  static constexpr const char* name = "ht_neuron";
  static constexpr const char* description =
      "NEST ht_neuron (Hill & Tononi 2005): dynamic threshold, repolarising K current, AMPA/NMDA/GABA_A/GABA_B "
      "beta synapses with Mg block, I_NaP, I_KNa, I_T, I_h; adaptive RKF45 as NEST (GSL) integrates it; "
      "conductances dimensionless, currents in mV";
  // 0 .. n_ode-1: the ODE state in NEST's order (y_); then the recorded and the bookkeeping values
  enum : int {
    V_m,
    theta,
    dg_AMPA,
    g_AMPA,
    dg_NMDA,
    g_NMDA_timecourse,
    dg_GABA_A,
    g_GABA_A,
    dg_GABA_B,
    g_GABA_B,
    m_fast_NMDA,
    m_slow_NMDA,
    m_Ih,
    D_IKNa,
    m_IT,
    h_IT,
    g_NMDA,  // g_NMDA_timecourse m_NMDA at the end of the step (NEST's recordable)
    I_NaP,
    I_KNa,
    I_T,
    I_h,
    refractory,  // NEST's ref_steps_: steps of I_spike left
    V_clamp,     // mV; NaN until the first step of a voltage-clamped neuron
    h_ode,
    n_state
  };
  static constexpr int n_ode = 16;
  static constexpr int membrane = V_m;
  static constexpr units::dimension g_rate = units::dims::rate;  // dg: 1/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"theta", units::dims::voltage},
                                                                  {"dg_AMPA", g_rate},
                                                                  {"g_AMPA", units::dims::none},
                                                                  {"dg_NMDA", g_rate},
                                                                  {"g_NMDA_timecourse", units::dims::none},
                                                                  {"dg_GABA_A", g_rate},
                                                                  {"g_GABA_A", units::dims::none},
                                                                  {"dg_GABA_B", g_rate},
                                                                  {"g_GABA_B", units::dims::none},
                                                                  {"m_fast_NMDA", units::dims::none},
                                                                  {"m_slow_NMDA", units::dims::none},
                                                                  {"m_Ih", units::dims::none},
                                                                  {"D_IKNa", units::dims::none},
                                                                  {"m_IT", units::dims::none},
                                                                  {"h_IT", units::dims::none},
                                                                  {"g_NMDA", units::dims::none},
                                                                  {"I_NaP", units::dims::voltage},
                                                                  {"I_KNa", units::dims::voltage},
                                                                  {"I_T", units::dims::voltage},
                                                                  {"I_h", units::dims::voltage},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"V_clamp", units::dims::voltage, true},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 4;  // NEST's receptor_types 1 .. 4; weights multiply g_peak_X
  static constexpr std::array<port_desc, 4> ports{{{"AMPA", units::dims::none},
                                                   {"NMDA", units::dims::none},
                                                   {"GABA_A", units::dims::none},
                                                   {"GABA_B", units::dims::none}}};

  using params = ht_neuron_params;
  using constants = ht_neuron_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E_Na", p.E_Na, range_check::any);
    f("E_K", p.E_K, range_check::any);
    f("g_NaL", p.g_NaL, range_check::non_negative);
    f("g_KL", p.g_KL, range_check::non_negative);
    f("tau_m", p.tau_m, range_check::positive);
    f("theta_eq", p.theta_eq, range_check::any);
    f("tau_theta", p.tau_theta, range_check::positive);
    f("tau_spike", p.tau_spike, range_check::positive);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("g_peak_AMPA", p.g_peak_AMPA, range_check::non_negative);
    f("tau_rise_AMPA", p.tau_rise_AMPA, range_check::positive);
    f("tau_decay_AMPA", p.tau_decay_AMPA, range_check::positive);
    f("E_rev_AMPA", p.E_rev_AMPA, range_check::any);
    f("g_peak_NMDA", p.g_peak_NMDA, range_check::non_negative);
    f("tau_rise_NMDA", p.tau_rise_NMDA, range_check::positive);
    f("tau_decay_NMDA", p.tau_decay_NMDA, range_check::positive);
    f("E_rev_NMDA", p.E_rev_NMDA, range_check::any);
    f("V_act_NMDA", p.V_act_NMDA, range_check::any);
    f("S_act_NMDA", p.S_act_NMDA, range_check::non_negative);
    f("tau_Mg_slow_NMDA", p.tau_Mg_slow_NMDA, range_check::positive);
    f("tau_Mg_fast_NMDA", p.tau_Mg_fast_NMDA, range_check::positive);
    f("instant_unblock_NMDA", p.instant_unblock_NMDA, range_check::any);
    f("g_peak_GABA_A", p.g_peak_GABA_A, range_check::non_negative);
    f("tau_rise_GABA_A", p.tau_rise_GABA_A, range_check::positive);
    f("tau_decay_GABA_A", p.tau_decay_GABA_A, range_check::positive);
    f("E_rev_GABA_A", p.E_rev_GABA_A, range_check::any);
    f("g_peak_GABA_B", p.g_peak_GABA_B, range_check::non_negative);
    f("tau_rise_GABA_B", p.tau_rise_GABA_B, range_check::positive);
    f("tau_decay_GABA_B", p.tau_decay_GABA_B, range_check::positive);
    f("E_rev_GABA_B", p.E_rev_GABA_B, range_check::any);
    f("g_peak_NaP", p.g_peak_NaP, range_check::non_negative);
    f("E_rev_NaP", p.E_rev_NaP, range_check::any);
    f("N_NaP", p.N_NaP, range_check::any);
    f("g_peak_KNa", p.g_peak_KNa, range_check::non_negative);
    f("E_rev_KNa", p.E_rev_KNa, range_check::any);
    f("tau_D_KNa", p.tau_D_KNa, range_check::positive);
    f("g_peak_T", p.g_peak_T, range_check::non_negative);
    f("E_rev_T", p.E_rev_T, range_check::any);
    f("N_T", p.N_T, range_check::any);
    f("g_peak_h", p.g_peak_h, range_check::non_negative);
    f("E_rev_h", p.E_rev_h, range_check::any);
    f("voltage_clamp", p.voltage_clamp, range_check::any);
  }
  // NEST's cross-parameter checks (ht_neuron::Parameters_::set), with the reason each is needed.
  static const char* validate(const params& p) {
    if (!(p.tau_rise_AMPA.value < p.tau_decay_AMPA.value))
      return "tau_rise_AMPA must be below tau_decay_AMPA (as NEST requires; the peak normalisation needs rise < decay)";
    if (!(p.tau_rise_NMDA.value < p.tau_decay_NMDA.value))
      return "tau_rise_NMDA must be below tau_decay_NMDA (as NEST requires; the peak normalisation needs rise < decay)";
    if (!(p.tau_rise_GABA_A.value < p.tau_decay_GABA_A.value))
      return "tau_rise_GABA_A must be below tau_decay_GABA_A (as NEST requires; the peak normalisation needs rise < "
             "decay)";
    if (!(p.tau_rise_GABA_B.value < p.tau_decay_GABA_B.value))
      return "tau_rise_GABA_B must be below tau_decay_GABA_B (as NEST requires; the peak normalisation needs rise < "
             "decay)";
    if (!(p.tau_Mg_fast_NMDA.value < p.tau_Mg_slow_NMDA.value))
      return "tau_Mg_fast_NMDA must be below tau_Mg_slow_NMDA (as NEST requires: the fast unblock component)";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c{};
    c.E_Na = p.E_Na.value;
    c.E_K = p.E_K.value;
    c.g_NaL = p.g_NaL.value;
    c.g_KL = p.g_KL.value;
    c.tau_m = p.tau_m.value;
    c.theta_eq = p.theta_eq.value;
    c.tau_theta = p.tau_theta.value;
    c.tau_spike = p.tau_spike.value;
    const double rise[4] = {p.tau_rise_AMPA.value, p.tau_rise_NMDA.value, p.tau_rise_GABA_A.value,
                            p.tau_rise_GABA_B.value};
    const double decay[4] = {p.tau_decay_AMPA.value, p.tau_decay_NMDA.value, p.tau_decay_GABA_A.value,
                             p.tau_decay_GABA_B.value};
    const double E[4] = {p.E_rev_AMPA.value, p.E_rev_NMDA.value, p.E_rev_GABA_A.value, p.E_rev_GABA_B.value};
    const double g_peak[4] = {p.g_peak_AMPA.value, p.g_peak_NMDA.value, p.g_peak_GABA_A.value, p.g_peak_GABA_B.value};
    for (int i = 0; i < 4; ++i) {
      c.tau_rise[i] = rise[i];
      c.tau_decay[i] = decay[i];
      c.E_rev[i] = E[i];
      c.cond_step[i] = g_peak[i] * beta_normalization(rise[i], decay[i]);
    }
    c.V_act_NMDA = p.V_act_NMDA.value;
    c.S_act_NMDA = p.S_act_NMDA.value;
    c.tau_Mg_slow_NMDA = p.tau_Mg_slow_NMDA.value;
    c.tau_Mg_fast_NMDA = p.tau_Mg_fast_NMDA.value;
    c.g_peak_NaP = p.g_peak_NaP.value;
    c.E_rev_NaP = p.E_rev_NaP.value;
    c.N_NaP = p.N_NaP.value;
    c.g_peak_KNa = p.g_peak_KNa.value;
    c.E_rev_KNa = p.E_rev_KNa.value;
    c.tau_D_KNa = p.tau_D_KNa.value;
    c.g_peak_T = p.g_peak_T.value;
    c.E_rev_T = p.E_rev_T.value;
    c.N_T = p.N_T.value;
    c.g_peak_h = p.g_peak_h.value;
    c.E_rev_h = p.E_rev_h.value;
    c.ref_counts = nest_refractory_steps(p.t_ref.value, h);
    c.dt = h;
    c.instant_unblock_NMDA = p.instant_unblock_NMDA;
    c.voltage_clamp = p.voltage_clamp;
    return c;
  }
  // NEST's prototype state: from the default parameters, whatever p is (see the header comment).
  static void initial_state(const params&, real_t* s) {
    const params d = defaults();
    const constants c = derive(d, 0.1);  // the gates do not depend on the step
    const double V = (c.g_NaL * c.E_Na + c.g_KL * c.E_K) / (c.g_NaL + c.g_KL);
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
    s[V_m] = static_cast<real_t>(V);
    s[theta] = static_cast<real_t>(c.theta_eq);
    s[m_fast_NMDA] = s[m_slow_NMDA] = static_cast<real_t>(ht_gates::m_eq_NMDA(c, V));
    s[m_Ih] = static_cast<real_t>(ht_gates::m_eq_h(V));
    s[D_IKNa] = static_cast<real_t>(ht_gates::D_eq_KNa(c, V));
    s[m_IT] = static_cast<real_t>(ht_gates::m_eq_T(V));
    s[h_IT] = static_cast<real_t>(ht_gates::h_eq_T(V));
    s[V_clamp] = static_cast<real_t>(std::nan(""));
  }

  // The right-hand side (NEST's ht_neuron_dynamics, its terms in its order) and what NEST does after every accepted
  // RKF45 step (after_step: currents recorded, clamp, NMDA block, spike test and reset).
  struct system {
    const constants& c;
    double I_stim;      // mV (NEST's current, in mV), held over the step
    double V_clamp_mV;  // the clamp value when c.voltage_clamp
    double ref_steps;   // NEST's ref_steps_: I_spike acts while > 0
    bool spiked = false;
    double currents[4] = {0, 0, 0, 0};  // I_NaP, I_KNa, I_T, I_h of the last accepted step's end

    VOLLEY_HD VOLLEY_INLINE double voltage(const double* y) const { return c.voltage_clamp ? V_clamp_mV : y[V_m]; }
    // I_NaP, I_KNa, I_T, I_h (mV) at state y and voltage V
    VOLLEY_HD VOLLEY_INLINE void intrinsic(const double* y, double V, double* I) const {
      const double m_inf_NaP = 1.0 / (1.0 + std::exp(-(V - -55.7) / 7.7));  // Compte et al. 2003
      I[0] = -c.g_peak_NaP * std::pow(m_inf_NaP, c.N_NaP) * (V - c.E_rev_NaP);
      const double m_inf_KNa = 1.0 / (1.0 + std::pow(0.25 / y[D_IKNa], 3.5));  // half activation at D = 0.25
      I[1] = -c.g_peak_KNa * m_inf_KNa * (V - c.E_rev_KNa);
      I[2] = -c.g_peak_T * std::pow(y[m_IT], c.N_T) * y[h_IT] * (V - c.E_rev_T);
      I[3] = -c.g_peak_h * y[m_Ih] * (V - c.E_rev_h);
    }
    VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
      const double V = voltage(y);
      const double m_eq = ht_gates::m_eq_NMDA(c, V);
      const double m_fast = y[m_fast_NMDA] < m_eq ? y[m_fast_NMDA] : m_eq;  // std::min(m_eq, m_fast)
      const double m_slow = y[m_slow_NMDA] < m_eq ? y[m_slow_NMDA] : m_eq;
      const double m = ht_gates::m_NMDA(c, V, m_eq, m_fast, m_slow);
      const double I_syn = -y[g_AMPA] * (V - c.E_rev[0]) - y[g_NMDA_timecourse] * m * (V - c.E_rev[1]) -
                           y[g_GABA_A] * (V - c.E_rev[2]) - y[g_GABA_B] * (V - c.E_rev[3]);
      const double I_spike = ref_steps > 0 ? -(V - c.E_K) / c.tau_spike : 0.0;
      const double I_Na = -c.g_NaL * (V - c.E_Na);
      const double I_K = -c.g_KL * (V - c.E_K);
      double I[4];
      intrinsic(y, V, I);
      f[V_m] = (I_Na + I_K + I_syn + I[0] + I[1] + I[2] + I[3] + I_stim) / c.tau_m + I_spike;
      f[theta] = -(y[theta] - c.theta_eq) / c.tau_theta;
      for (int i = 0; i < 4; ++i) {  // dg_X at 2 + 2i, g_X at 3 + 2i
        f[2 + 2 * i] = -y[2 + 2 * i] / c.tau_rise[i];
        f[3 + 2 * i] = y[2 + 2 * i] - y[3 + 2 * i] / c.tau_decay[i];
      }
      f[m_fast_NMDA] = (m_eq - m_fast) / c.tau_Mg_fast_NMDA;
      f[m_slow_NMDA] = (m_eq - m_slow) / c.tau_Mg_slow_NMDA;
      f[D_IKNa] = (ht_gates::D_eq_KNa(c, V) - y[D_IKNa]) / c.tau_D_KNa;
      const double tau_m_T = 0.22 / (std::exp(-(V + 132.0) / 16.7) + std::exp((V + 16.8) / 18.2)) + 0.13;
      const double tau_h_T = 8.2 + (56.6 + 0.27 * std::exp((V + 115.2) / 5.0)) / (1.0 + std::exp((V + 86.0) / 3.2));
      f[m_IT] = (ht_gates::m_eq_T(V) - y[m_IT]) / tau_m_T;
      f[h_IT] = (ht_gates::h_eq_T(V) - y[h_IT]) / tau_h_T;
      const double tau_m_h = 1.0 / (std::exp(-14.59 - 0.086 * V) + std::exp(-1.87 + 0.0701 * V));
      f[m_Ih] = (ht_gates::m_eq_h(V) - y[m_Ih]) / tau_m_h;
    }
    VOLLEY_HD VOLLEY_INLINE void after_step(double* y) {
      intrinsic(y, voltage(y), currents);  // GSL's last evaluation: the end of this accepted step
      if (c.voltage_clamp) y[V_m] = V_clamp_mV;
      const double m_eq = ht_gates::m_eq_NMDA(c, y[V_m]);
      y[m_fast_NMDA] = y[m_fast_NMDA] < m_eq ? y[m_fast_NMDA] : m_eq;
      y[m_slow_NMDA] = y[m_slow_NMDA] < m_eq ? y[m_slow_NMDA] : m_eq;
      if (ref_steps == 0 && y[V_m] >= y[theta]) {
        y[V_m] = c.E_Na;
        y[theta] = c.E_Na;
        ref_steps = c.ref_counts + 1;  // one more: the count-down below runs in this step already
        spiked = true;
      }
    }
  };

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    if (c.voltage_clamp && s[V_clamp] != s[V_clamp]) s[V_clamp] = s[V_m];  // NaN: clamp to the first V_m
    system sys{c, static_cast<double>(in.current), static_cast<double>(s[V_clamp]), static_cast<double>(s[refractory])};
    sys.currents[0] = s[I_NaP];
    sys.currents[1] = s[I_KNa];
    sys.currents[2] = s[I_T];
    sys.currents[3] = s[I_h];
    double y[n_ode];
    for (int q = 0; q < n_ode; ++q) y[q] = s[q];
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(sys, rkf45::y_control(1e-3, 0.0), c.dt, y, h);
    const double ref = sys.ref_steps > 0 ? sys.ref_steps - 1 : sys.ref_steps;
    for (int i = 0; i < 4; ++i) y[2 + 2 * i] += c.cond_step[i] * in.port[i];
    y[V_m] += in.delta_v;
    for (int q = 0; q < n_ode; ++q) s[q] = static_cast<real_t>(y[q]);
    const double m_eq = ht_gates::m_eq_NMDA(c, y[V_m]);
    s[g_NMDA] =
        static_cast<real_t>(y[g_NMDA_timecourse] * ht_gates::m_NMDA(c, y[V_m], m_eq, y[m_fast_NMDA], y[m_slow_NMDA]));
    s[I_NaP] = static_cast<real_t>(sys.currents[0]);
    s[I_KNa] = static_cast<real_t>(sys.currents[1]);
    s[I_T] = static_cast<real_t>(sys.currents[2]);
    s[I_h] = static_cast<real_t>(sys.currents[3]);
    s[refractory] = static_cast<real_t>(ref);
    s[h_ode] = static_cast<real_t>(h);
    return sys.spiked;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::ht_neuron)
