#pragma once
// NEST's iaf_psc_delta: leaky integrate-and-fire whose input spikes make V jump (delta-shaped PSCs), exact
// integration.
//
//   C_m dV/dt = -(V - E_L) C_m/tau_m + I_e + I,   a spike of weight w (mV) makes V jump by w
//
// Update order of one step (NEST 3): if not refractory, V advances with the exact propagators plus this step's
// arriving weights (in.delta_v: connections with weights in mV land there, no port), plus the input buffered
// during the refractory period (refractory_input = true only), then V is bounded below by V_min; if refractory,
// this step's weights are dropped (refractory_input = false, NEST's default) or buffered, and the counter
// decrements. Then V >= V_th emits a spike, V = V_reset and the neuron is refractory for round(t_ref/dt) steps.
//
// refractory_input = true: NEST discounts a weight w arriving with the counter at r by exp(-r dt/tau_m) (the decay
// it would have seen until the end of the refractory period). Here the buffer is (buffer + w) * P33 at every
// refractory step, which is the same product without an exp per step in the update (equal to rounding).
#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct iaf_psc_delta_params {
  units::time_q tau_m{10.0};
  units::capacitance_q C_m{250.0};
  units::time_q t_ref{2.0};
  units::voltage_q E_L{-70.0};
  units::current_q I_e{0.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_min{-1.7976931348623157e308};  // NEST's default -DBL_MAX: no lower bound
  units::voltage_q V_reset{-70.0};
  bool refractory_input = false;  // true: input arriving while refractory is kept (decayed) for afterwards
};

struct iaf_psc_delta_constants {
  real_t E_L, theta, V_reset, V_min;  // mV: E_L absolute; threshold, reset, lower bound relative to E_L
  real_t P33;                         // decay factor exp(-dt/tau_m)
  real_t P30;                         // mV/pA
  real_t I_e;                         // pA
  real_t ref_steps;
  real_t keep_refractory_input;  // 1 or 0
};

struct iaf_psc_delta {
  static constexpr const char* name = "iaf_psc_delta";
  static constexpr const char* description =
      "NEST iaf_psc_delta: LIF whose input spikes make V jump (weights in mV), exact integration";
  enum : int { V_m, refr_spikes_buffer, refractory, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"refr_spikes_buffer", units::dims::voltage},
                                                                  {"refractory_steps", units::dims::none}}};
  // No ports: a connection without receptor whose weights are voltages goes to the delta channel (in.delta_v).
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = iaf_psc_delta_params;
  using constants = iaf_psc_delta_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E_L", p.E_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("tau_m", p.tau_m, range_check::positive);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_min", p.V_min, range_check::any);
    f("I_e", p.I_e, range_check::any);
    f("refractory_input", p.refractory_input, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h);  // h: dt in ms
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[refr_spikes_buffer] = s[refractory] = 0;
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool refractory_now = s[refractory] > 0;
    const real_t v_old = s[V_m] - c.E_L;  // relative to E_L, as NEST integrates it
    real_t v_new = c.P30 * (in.current + c.I_e) + c.P33 * v_old + in.delta_v + s[refr_spikes_buffer];
    v_new = v_new < c.V_min ? c.V_min : v_new;
    real_t v = refractory_now ? v_old : v_new;
    // buffer stays 0 unless refractory_input; it is spent (added above) at the first step out of refractoriness
    s[refr_spikes_buffer] =
        refractory_now ? (s[refr_spikes_buffer] + in.delta_v * c.keep_refractory_input) * c.P33 : real_t(0);
    const bool spike = v >= c.theta;
    s[refractory] = spike ? c.ref_steps : (refractory_now ? s[refractory] - 1 : s[refractory]);
    v = spike ? c.V_reset : v;
    s[V_m] = v + c.E_L;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_delta)
