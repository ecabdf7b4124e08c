#pragma once
// NEST's iaf_psc_exp: leaky integrate-and-fire with exponential post-synaptic currents, exact integration.
//
//   C_m dV/dt = -(V - E_L) C_m/tau_m + I_syn_ex + I_syn_in + I_e + I
//   dI_syn_x/dt = -I_syn_x / tau_syn_x,   a spike of weight w (pA) makes I_syn_x jump by w
//
// Update order of one step (NEST 3): if not refractory, V advances with the exact propagators, else the
// refractory counter decrements; then the currents decay and this step's arriving weights are added
// (positive weights to port "ex", negative to "in"); then V >= V_th emits a spike, V = V_reset and the
// neuron is refractory for round(t_ref/dt) steps. The propagator from I_syn to V stays exact and stable when
// tau_syn == tau_m (see propagator_exp_to_membrane).
#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

// Propagator from an exponentially decaying current (tau_s, ms) to the membrane (tau_m ms, C pF) over h ms:
//   P = 1/C * integral_0^h exp(-(h-t)/tau_m) exp(-t/tau_s) dt = exp(-h/tau_m) (1 - exp(-a h)) / (a C),
// with a = 1/tau_s - 1/tau_m. expm1 keeps full precision when a -> 0; a == 0 gives the limit h/C exp(-h/tau_m).
double propagator_exp_to_membrane(double tau_s, double tau_m, double C, double h);

struct iaf_psc_exp_params {
  units::voltage_q E_L{-70.0};
  units::capacitance_q C_m{250.0};
  units::time_q tau_m{10.0};
  units::time_q t_ref{2.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-70.0};
  units::time_q tau_syn_ex{2.0};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

struct iaf_psc_exp_constants {
  real_t E_L, theta, V_reset;       // mV (absolute)
  real_t P11ex, P11in, P22;         // decay factors
  real_t P21ex, P21in;              // mV/pA
  real_t P20;                       // mV/pA
  real_t I_e;                       // pA
  real_t ref_steps;
};

struct iaf_psc_exp {
  static constexpr const char* name = "iaf_psc_exp";
  static constexpr const char* description =
      "NEST iaf_psc_exp: LIF with exponential PSCs, exact integration";
  enum : int { V_m, I_syn_ex, I_syn_in, refractory, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{
      {{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = iaf_psc_exp_params;
  using constants = iaf_psc_exp_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E_L", p.E_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("tau_m", p.tau_m, range_check::positive);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    const double tm = p.tau_m.value, C = p.C_m.value;
    return {static_cast<real_t>(p.E_L.value), static_cast<real_t>(p.V_th.value),
            static_cast<real_t>(p.V_reset.value),
            static_cast<real_t>(std::exp(-h / p.tau_syn_ex.value)),
            static_cast<real_t>(std::exp(-h / p.tau_syn_in.value)), static_cast<real_t>(std::exp(-h / tm)),
            static_cast<real_t>(propagator_exp_to_membrane(p.tau_syn_ex.value, tm, C, h)),
            static_cast<real_t>(propagator_exp_to_membrane(p.tau_syn_in.value, tm, C, h)),
            static_cast<real_t>(-tm / C * std::expm1(-h / tm)), static_cast<real_t>(p.I_e.value),
            static_cast<real_t>(std::round(p.t_ref.value / h))};
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[I_syn_ex] = s[I_syn_in] = s[refractory] = 0;
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool refractory_now = s[refractory] > 0;
    const real_t v_old = s[V_m] - c.E_L;  // relative to E_L, as NEST integrates it
    const real_t v_new = v_old * c.P22 + s[I_syn_ex] * c.P21ex + s[I_syn_in] * c.P21in +
                         (c.I_e + in.current) * c.P20 + in.delta_v;
    real_t v = refractory_now ? v_old : v_new;
    s[I_syn_ex] = s[I_syn_ex] * c.P11ex + in.port[0];
    s[I_syn_in] = s[I_syn_in] * c.P11in + in.port[1];
    const bool spike = v >= c.theta - c.E_L;
    s[refractory] = spike ? c.ref_steps : (refractory_now ? s[refractory] - 1 : s[refractory]);
    v = spike ? c.V_reset - c.E_L : v;
    s[V_m] = v + c.E_L;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_exp)
