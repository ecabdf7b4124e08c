#pragma once
// NEST's gif_psc_exp: generalized integrate-and-fire neuron with escape noise, spike-triggered current and threshold
// adaptation (Mensi et al. 2012, Pozzorini et al. 2015) and exponential postsynaptic currents, exact propagators.
// The adaptation, the escape noise and the refractory clamp are shared with gif_cond_exp: models/gif_nest_common.hpp.
//
//   C_m dV/dt = -g_L (V - E_L) - I_stc + I_syn_ex + I_syn_in + I_e + I          (tau_m = C_m / g_L)
//   dI_syn_x/dt = -I_syn_x / tau_syn_x;  a spike of weight w (pA) makes I_syn_x jump by w
//   (positive weights to port "ex", negative to "in", as NEST routes them)
//   spike with probability 1 - exp(-lambda dt), lambda = lambda_0 exp((V - E_sfa) / Delta_V)
//
// One step in NEST 3.10's order:
//   1. I_stc = sum of the stc components, E_sfa = V_T_star + sum of the sfa components (as they stand), then the
//      components decay by exp(-dt/tau).
//   2. The currents decay and this step's arriving weights are added: I_syn_x = I_syn_x exp(-dt/tau_syn_x) + w.
//   3. Not refractory: V = P30 (I + I_e - I_stc) + P33 V + P31 E_L + P21ex I_syn_ex + P21in I_syn_in (+ delta
//      inputs, mV, a volley extension), with P33 = exp(-dt/tau_m), P31 = 1 - P33, P30 = tau_m (1 - P33) / C_m and
//      P21x NEST's exact PSC propagator (propagator_exp_to_membrane). NEST uses the currents AFTER step 2 (already
//      decayed, with the new weights) over the whole step: not the exact solution of the ODE above, but NEST's
//      scheme, reproduced. Then the escape-noise draw; a spike adds q_stc_j, q_sfa_j to the components and starts
//      the refractory count. V is not reset at the spike.
//      Refractory: the count decrements and V = V_reset.
// Recorded as NEST records them: V_m, E_sfa, I_stc (the sums of step 1, so a spike's jumps show from the next
// step), I_syn_ex, I_syn_in; volley also records the components sfa_1..3, stc_1..3 (after decay and jumps).
//
// Differs from NEST: NEST's lists become three fixed components (gif_nest_common.hpp); lambda_0 is a rate in 1/ms
// here (NEST's status value 1.0 is in 1/s: 0.001/ms); NEST starts V_m at -70 mV whatever E_L (its state is built
// before the parameters), volley at E_L (the same with NEST's defaults); NEST's status E_sfa and I_stc read 0 before
// the first step and so do volley's. Spike trains are not NEST's (different random numbers): the spike draw is
// validated statistically, the subthreshold and post-spike dynamics step by step (tests/test_nest_gif.cpp).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/gif_nest_common.hpp"
#include "models/iaf_psc_exp.hpp"  // propagator_exp_to_membrane
#include "models/model_kit.hpp"

namespace volley::models {

struct gif_psc_exp_params : gif_common_params {};

struct gif_psc_exp_constants {
  gif_adaptation_constants a;
  real_t P11ex, P11in;  // exp(-dt/tau_syn_x)
  real_t P21ex, P21in;  // mV/pA
  real_t P30;           // mV/pA
  real_t P31, P33;      // E_L and V weights
  real_t E_L, I_e;
};

struct gif_psc_exp {
  static constexpr const char* name = "gif_psc_exp";
  static constexpr const char* description =
      "NEST gif_psc_exp: generalized IF with escape noise, spike-triggered current, threshold adaptation and "
      "exponential PSCs (Pozzorini et al. 2015)";
  enum : int {
    V_m, E_sfa, I_stc, I_syn_ex, I_syn_in,
    sfa_1, sfa_2, sfa_3, stc_1, stc_2, stc_3,
    refractory, n_state
  };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"E_sfa", units::dims::voltage},
                                                                  {"I_stc", units::dims::current},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"sfa_1", units::dims::voltage},
                                                                  {"sfa_2", units::dims::voltage},
                                                                  {"sfa_3", units::dims::voltage},
                                                                  {"stc_1", units::dims::current},
                                                                  {"stc_2", units::dims::current},
                                                                  {"stc_3", units::dims::current},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;
  static constexpr bool needs_uniform = true;

  using params = gif_psc_exp_params;
  using constants = gif_psc_exp_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    gif_each_common_param(p, f);
  }
  static const char* validate(const params& p) { return gif_validate_common(p); }
  static constants derive(const params& p, double h) {
    constants c;
    c.a = gif_derive_adaptation(p, h);
    const double tau_m = p.C_m.value / p.g_L.value;
    c.P11ex = static_cast<real_t>(std::exp(-h / p.tau_syn_ex.value));
    c.P11in = static_cast<real_t>(std::exp(-h / p.tau_syn_in.value));
    c.P21ex = static_cast<real_t>(propagator_exp_to_membrane(p.tau_syn_ex.value, tau_m, p.C_m.value, h));
    c.P21in = static_cast<real_t>(propagator_exp_to_membrane(p.tau_syn_in.value, tau_m, p.C_m.value, h));
    c.P33 = static_cast<real_t>(std::exp(-h / tau_m));
    c.P30 = static_cast<real_t>(-1.0 / p.C_m.value * std::expm1(-h / tau_m) * tau_m);
    c.P31 = static_cast<real_t>(-std::expm1(-h / tau_m));
    c.E_L = static_cast<real_t>(p.E_L.value);
    c.I_e = static_cast<real_t>(p.I_e.value);
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
    s[V_m] = static_cast<real_t>(p.E_L.value);
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    gif_adaptation_begin(c.a, s, I_stc, E_sfa, sfa_1, stc_1);
    s[I_syn_ex] = s[I_syn_ex] * c.P11ex + in.port[0];
    s[I_syn_in] = s[I_syn_in] * c.P11in + in.port[1];
    real_t v = c.P30 * (in.current + c.I_e - s[I_stc]) + c.P33 * s[V_m] + c.P31 * c.E_L + s[I_syn_ex] * c.P21ex +
               s[I_syn_in] * c.P21in + in.delta_v;
    const bool spike = gif_spike_or_refractory(c.a, s, refractory, sfa_1, stc_1, s[E_sfa], v, in.uniform);
    s[V_m] = v;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::gif_psc_exp)
