#pragma once
// NEST's pp_psc_delta: a point-process (stochastically spiking) neuron with delta synapses and spike-frequency
// adaptation (escape-noise neuron in the style of Cardanobile & Rotter 2010; adaptation as in Jolivet et al. 2006).
//
//   tau_m dV/dt = -V + tau_m (I_e + I) / C_m        (V in mV relative to rest: rest is 0 mV, there is no E_L)
//   a spike of weight w (mV) makes V jump by w (connections with weights in mV: the delta channel, no port)
//   E_sfa = sum_k E_sfa_k,  dE_sfa_k/dt = -E_sfa_k / tau_sfa_k,  each emitted spike adds q_sfa_k (mV)
//   V_eff = V - E_sfa
//   rate  = c_1 V_eff + c_2 exp(c_3 V_eff)           (NEST: c_1 Hz/mV, c_2 Hz, c_3 1/mV; here c_1 1/ms/mV, c_2 1/ms)
//   in a step that is not in dead time, with rate > 0: a spike with probability p = 1 - exp(-rate dt)
//
// Update order of one step (NEST 3): V = P30 (I_e + I) + P33 V + this step's delta input (P33 = exp(-dt/tau_m),
// P30 = (1 - P33) tau_m / C_m; V integrates also during the dead time and is never clamped); each E_sfa_k decays
// by exp(-dt/tau_sfa_k) and E_sfa is their sum (the value recorded: a spike's jump of this step shows from the
// next step on). Then, if the dead-time counter is 0, rate and p are computed from V_eff and the step spikes when
// the uniform number u of this neuron-step satisfies u <= p (NEST: drand() <= p); on a spike the counter is set to
// the dead time in steps, every E_sfa_k jumps by q_sfa_k and, with_reset true, V = 0. If the counter is not 0 it
// decrements. So after a spike in step k the next one can come in step k + dead_steps + 1 at the earliest.
//
// Dead time: dead_steps = NEST's Time(Time::ms(dead_time)).get_steps() (nest_refractory_steps: rounded to the 1 us
// tic, then up to whole steps); a dead_time in (0, dt) counts as dt (NEST raises the parameter to dt in its
// pre-run hook), dead_time = 0 is 0 steps. t_ref_remaining (ms) is the dead time left at the start: the counter
// starts at -1, which the first update replaces by t_ref_remaining in steps (dt is not known to initial_state).
//
// Adaptation: NEST takes lists tau_sfa, q_sfa of any (equal) length, empty by default. Here there are three fixed
// components, tau_sfa_k / q_sfa_k, k = 1..3; q_sfa_k = 0 (the default) switches a component off (it stays 0), so
// NEST's lists of up to three entries map onto them in order (the NEST layer does that; longer lists are refused).
//
// Differences from NEST, and why:
//   - dead_time = 0: NEST draws a Poisson NUMBER n of spikes per step (mean rate dt) and sends one event of
//     multiplicity n, adding n q_sfa_k to the adaptation. volley's spikes are one bit per step: the step spikes
//     when n >= 1, whose probability 1 - exp(-rate dt) is exactly the p above (so the same u <= p test), and the
//     adaptation jumps by q_sfa_k once. What is lost is the multiplicity n >= 2 (probability about (rate dt)^2 / 2
//     per step: at 50 Hz and dt = 0.1 ms, 1.25e-5) and its extra adaptation.
//   - dead_time_random = true (gamma-distributed dead times of shape dead_time_shape and mean dead_time) needs
//     gamma deviates beyond the one uniform number per neuron-step that volley's models get: refused (validate).
//     dead_time_shape is still checked (an integer >= 1) as NEST does.
//   - Random numbers: volley's uniform stream, not NEST's; trains agree in distribution, not spike by spike, except
//     where p is 0 or 1 (tests/test_nest_pp_parrot.cpp compares those cases step by step).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "engine/config.hpp"
#include "engine/error.hpp"
#include "engine/param.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps: NEST's rounding of a duration to steps
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

namespace pp_units {
inline constexpr units::dimension rate_per_voltage = units::dims::rate - units::dims::voltage;  // 1/ms/mV
inline constexpr units::dimension per_voltage = units::dims::none - units::dims::voltage;       // 1/mV
}  // namespace pp_units

struct pp_psc_delta_params {
  units::time_q tau_m{10.0};
  units::capacitance_q C_m{250.0};
  units::time_q dead_time{1.0};
  bool dead_time_random = false;               // true is refused (see the header comment)
  units::dimensionless_q dead_time_shape{1.0};  // NEST: an integer >= 1; used only with dead_time_random
  bool with_reset = true;
  units::quantity<pp_units::rate_per_voltage> c_1{0.0};  // NEST 0 Hz/mV
  units::rate_q c_2{1.238e-3};                           // NEST 1.238 Hz
  units::quantity<pp_units::per_voltage> c_3{0.25};      // 1/mV
  units::current_q I_e{0.0};
  units::time_q t_ref_remaining{0.0};
  units::time_q tau_sfa_1{34.0}, tau_sfa_2{34.0}, tau_sfa_3{34.0};  // unused while q_sfa_k = 0
  units::voltage_q q_sfa_1{0.0}, q_sfa_2{0.0}, q_sfa_3{0.0};
};

struct pp_psc_delta_constants {
  real_t P33, P30;                 // membrane decay; mV/pA
  real_t I_e;                      // pA
  real_t c_1, c_2, c_3;            // 1/ms/mV, 1/ms, 1/mV
  real_t h;                        // ms
  real_t Q1, Q2, Q3;               // adaptation decays exp(-dt/tau_sfa_k)
  real_t q1, q2, q3;               // mV: adaptation jumps
  real_t dead_steps;               // steps of dead time after a spike
  real_t initial_dead_steps;       // t_ref_remaining in steps
  real_t with_reset;               // 1 or 0
};

struct pp_psc_delta {
  static constexpr const char* name = "pp_psc_delta";
  static constexpr const char* description =
      "NEST pp_psc_delta: point-process neuron (escape noise rate c_1 V + c_2 exp(c_3 V)), delta synapses in mV, "
      "dead time and up to three adaptation components";
  enum : int { V_m, E_sfa, E_sfa_1, E_sfa_2, E_sfa_3, refractory, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"E_sfa", units::dims::voltage},
                                                                  {"E_sfa_1", units::dims::voltage},
                                                                  {"E_sfa_2", units::dims::voltage},
                                                                  {"E_sfa_3", units::dims::voltage},
                                                                  {"refractory_steps", units::dims::none}}};
  // No ports: a connection without receptor whose weights are voltages goes to the delta channel (in.delta_v).
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};
  static constexpr bool needs_uniform = true;

  using params = pp_psc_delta_params;
  using constants = pp_psc_delta_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau_m", p.tau_m, range_check::positive);
    f("C_m", p.C_m, range_check::positive);
    f("dead_time", p.dead_time, range_check::non_negative);
    f("dead_time_random", p.dead_time_random, range_check::any);
    f("dead_time_shape", p.dead_time_shape, range_check::positive);
    f("with_reset", p.with_reset, range_check::any);
    f("c_1", p.c_1, range_check::any);
    f("c_2", p.c_2, range_check::any);
    f("c_3", p.c_3, range_check::non_negative);
    f("I_e", p.I_e, range_check::any);
    f("t_ref_remaining", p.t_ref_remaining, range_check::non_negative);
    f("tau_sfa_1", p.tau_sfa_1, range_check::positive);
    f("tau_sfa_2", p.tau_sfa_2, range_check::positive);
    f("tau_sfa_3", p.tau_sfa_3, range_check::positive);
    f("q_sfa_1", p.q_sfa_1, range_check::any);
    f("q_sfa_2", p.q_sfa_2, range_check::any);
    f("q_sfa_3", p.q_sfa_3, range_check::any);
  }
  // NEST's checks (BadProperty) where it has them, plus what volley cannot do.
  static const char* validate(const params& p) {
    if (!(p.C_m.value > 0)) return "Capacitance must be strictly positive.";
    if (!(p.dead_time.value >= 0)) return "Absolute refractory time must not be negative.";
    if (!(p.dead_time_shape.value >= 1) || p.dead_time_shape.value != std::floor(p.dead_time_shape.value))
      return "dead_time_shape (shape of the dead time gamma distribution) must be an integer >= 1.";
    if (!(p.tau_m.value > 0) || !(p.tau_sfa_1.value > 0) || !(p.tau_sfa_2.value > 0) || !(p.tau_sfa_3.value > 0))
      return "All time constants must be strictly positive.";
    if (!(p.t_ref_remaining.value >= 0)) return "Remaining refractory time can not be negative.";
    if (!(p.c_3.value >= 0)) return "c_3 must be positive.";
    if (p.dead_time_random)
      return "dead_time_random = true is not supported: gamma-distributed dead times need more random numbers than "
             "the one uniform per neuron-step volley's models get; use a fixed dead_time";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    auto r = [](double v) { return static_cast<real_t>(v); };
    const double P33 = std::exp(-h / p.tau_m.value);
    // NEST: a dead time in (0, dt) is raised to dt; otherwise its steps as Time::get_steps makes them
    const double dead = p.dead_time.value == 0 ? 0.0 : std::max(1.0, nest_refractory_steps(p.dead_time.value, h));
    const double initial = p.t_ref_remaining.value == 0 ? 0.0 : nest_refractory_steps(p.t_ref_remaining.value, h);
    if (!(dead <= 16777216.0) || !(initial <= 16777216.0))
      throw parameter_error(std::string(name) + " (dt = " + std::to_string(h) + " ms)", "dead_time",
                            std::to_string(p.dead_time.value) + " ms",
                            "dead_time and t_ref_remaining of at most 2^24 steps (exact in a float build)");
    return {r(P33),
            r(1.0 / p.C_m.value * (1.0 - P33) * p.tau_m.value),
            r(p.I_e.value),
            r(p.c_1.value),
            r(p.c_2.value),
            r(p.c_3.value),
            r(h),
            r(std::exp(-h / p.tau_sfa_1.value)),
            r(std::exp(-h / p.tau_sfa_2.value)),
            r(std::exp(-h / p.tau_sfa_3.value)),
            r(p.q_sfa_1.value),
            r(p.q_sfa_2.value),
            r(p.q_sfa_3.value),
            r(dead),
            r(initial),
            p.with_reset ? real_t(1) : real_t(0)};
  }
  static void initial_state(const params&, real_t* s) {
    s[V_m] = s[E_sfa] = s[E_sfa_1] = s[E_sfa_2] = s[E_sfa_3] = 0;
    s[refractory] = -1;  // -1: t_ref_remaining in steps, at the first update
  }

  // Branch-free (selects, not jumps).
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t r = s[refractory] < 0 ? c.initial_dead_steps : s[refractory];
    real_t v = c.P30 * (c.I_e + in.current) + c.P33 * s[V_m] + in.delta_v;
    const real_t e1 = c.Q1 * s[E_sfa_1], e2 = c.Q2 * s[E_sfa_2], e3 = c.Q3 * s[E_sfa_3];
    const real_t e = e1 + e2 + e3;
    const real_t v_eff = v - e;
    const real_t rate = c.c_1 * v_eff + c.c_2 * std::exp(c.c_3 * v_eff);  // 1/ms
    const real_t p = rate > 0 ? -std::expm1(-rate * c.h) : real_t(0);
    const bool spike = r == 0 && rate > 0 && in.uniform <= p;
    s[refractory] = spike ? c.dead_steps : (r > 0 ? r - 1 : r);
    s[E_sfa_1] = spike ? e1 + c.q1 : e1;
    s[E_sfa_2] = spike ? e2 + c.q2 : e2;
    s[E_sfa_3] = spike ? e3 + c.q3 : e3;
    s[E_sfa] = e;  // before this step's jump, as NEST records it
    v = spike && c.with_reset != 0 ? real_t(0) : v;
    s[V_m] = v;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::pp_psc_delta)
