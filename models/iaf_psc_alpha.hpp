#pragma once
// NEST's iaf_psc_alpha: leaky integrate-and-fire with alpha-shaped post-synaptic currents, exact integration.
//
//   C_m dV/dt = -(V - E_L) C_m/tau_m + I_syn_ex + I_syn_in + I_e + I
//   dI_syn_x/dt = dI_syn_x - I_syn_x / tau_syn_x,   d(dI_syn_x)/dt = -dI_syn_x / tau_syn_x
//   a spike of weight w (pA) makes dI_syn_x jump by w e / tau_syn_x (pA/ms), so that one spike gives
//   I_syn_x(t) = w (t / tau_syn_x) exp(1 - t / tau_syn_x): a PSC peaking at w pA at t = tau_syn_x.
//
// Update order of one step (NEST 3): if not refractory, V advances with the exact propagators from the currents
// at the start of the step, then is bounded below by V_min; else the refractory counter decrements. Then both
// alpha currents advance and this step's arriving weights are added to dI (positive weights to port "ex",
// negative to "in", as iaf_psc_exp routes them). Then V >= V_th emits a spike, V = V_reset and the neuron is
// refractory for round(t_ref/dt) steps. The propagators from I and dI to V stay exact and stable when
// tau_syn == tau_m (propagator_exp_to_membrane, propagator_alpha_to_membrane).
#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

// Propagator from dI of an alpha current (tau_s, ms) to the membrane (tau_m ms, C pF) over h ms, in mV per pA/ms:
// the current dI0 t exp(-t/tau_s) that dI0 starts gives V(h) = P dI0,
//   P = 1/C * integral_0^h exp(-(h-t)/tau_m) t exp(-t/tau_s) dt = exp(-h/tau_m) h^2 g(a h) / C,
//   g(x) = (1 - exp(-x) (1 + x)) / x^2,   a = 1/tau_s - 1/tau_m.
// g by its power series near x = 0 (g(0) = 1/2: the limit tau_s == tau_m, where the closed form cancels).
double propagator_alpha_to_membrane(double tau_s, double tau_m, double C, double h);

struct iaf_psc_alpha_params {
  units::time_q tau_m{10.0};
  units::capacitance_q C_m{250.0};
  units::time_q t_ref{2.0};
  units::voltage_q E_L{-70.0};
  units::current_q I_e{0.0};
  units::voltage_q V_reset{-70.0};
  units::voltage_q V_th{-55.0};
  // NEST's default is -inf, which a spec (finite numbers only) and JSON cannot carry; -DBL_MAX bounds nothing either
  units::voltage_q V_min{-1.7976931348623157e308};
  units::time_q tau_syn_ex{2.0};
  units::time_q tau_syn_in{2.0};
};

struct iaf_psc_alpha_constants {
  real_t E_L, theta, V_reset, V_min;  // mV: E_L absolute; threshold, reset, lower bound relative to E_L
  real_t expm1_m;                     // exp(-dt/tau_m) - 1 (V decays as v + expm1_m v, as NEST writes it)
  real_t P30;                         // mV/pA
  real_t P11ex, P11in;                // decay factors exp(-dt/tau_syn) of dI and I (P22 == P11)
  real_t P21ex, P21in;                // ms: dI -> I
  real_t P31ex, P31in;                // mV per pA/ms: dI -> V
  real_t P32ex, P32in;                // mV/pA: I -> V
  real_t psc_ex, psc_in;              // 1/ms: e / tau_syn, the jump of dI per pA of weight
  real_t I_e;                         // pA
  real_t ref_steps;
};

struct iaf_psc_alpha {
  static constexpr const char* name = "iaf_psc_alpha";
  static constexpr const char* description =
      "NEST iaf_psc_alpha: LIF with alpha-shaped PSCs (peak = weight), exact integration";
  enum : int { V_m, I_syn_ex, dI_syn_ex, I_syn_in, dI_syn_in, refractory, n_state };
  static constexpr int membrane = V_m;
  static constexpr units::dimension current_rate = units::dims::current - units::dims::time;  // pA/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"dI_syn_ex", current_rate},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"dI_syn_in", current_rate},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = iaf_psc_alpha_params;
  using constants = iaf_psc_alpha_constants;

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
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double h);  // h: dt in ms
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[I_syn_ex] = s[dI_syn_ex] = s[I_syn_in] = s[dI_syn_in] = s[refractory] = 0;
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool refractory_now = s[refractory] > 0;
    const real_t v_old = s[V_m] - c.E_L;  // relative to E_L, as NEST integrates it
    real_t v_new = c.P30 * (in.current + c.I_e) + c.P31ex * s[dI_syn_ex] + c.P32ex * s[I_syn_ex] +
                   c.P31in * s[dI_syn_in] + c.P32in * s[I_syn_in] + c.expm1_m * v_old + v_old + in.delta_v;
    v_new = v_new < c.V_min ? c.V_min : v_new;
    real_t v = refractory_now ? v_old : v_new;
    s[I_syn_ex] = c.P21ex * s[dI_syn_ex] + c.P11ex * s[I_syn_ex];
    s[dI_syn_ex] = s[dI_syn_ex] * c.P11ex + c.psc_ex * in.port[0];
    s[I_syn_in] = c.P21in * s[dI_syn_in] + c.P11in * s[I_syn_in];
    s[dI_syn_in] = s[dI_syn_in] * c.P11in + c.psc_in * in.port[1];
    const bool spike = v >= c.theta;
    s[refractory] = spike ? c.ref_steps : (refractory_now ? s[refractory] - 1 : s[refractory]);
    v = spike ? c.V_reset : v;
    s[V_m] = v + c.E_L;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_alpha)
