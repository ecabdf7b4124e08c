#pragma once
// brainpy.state's IF neuron (name, parameters and defaults as brainpy.state).
//
//   tau dV/dt = -V + R * I            I: total input current (pA), R in GOhm, so R*I is in mV
//
// Despite the name the equation has a leak towards 0 mV (brainpy.state's docstring calls it a perfect integrator,
// its code integrates -V; we follow the code). There is no V_rest and no V_reset parameter.
// Exponential Euler (brainstate.nn.exp_euler_step): the right-hand side is linear in V with J = -1/tau, so the
// step is exact for input held over the step: V <- R I + (V - R I) exp(-dt/tau), then V += delta input (mV).
// Spike when V >= V_th (brainpy.state: heaviside((V - V_th) / V_th) with heaviside(0) = 1; V_th must be positive
// for that to mean V >= V_th, hence the range check). Reset in the same step (see lif.hpp for this convention):
// soft: V -= V_th; hard: V = 0 mV (brainpy.state subtracts the whole of V).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct if_params {
  units::resistance_q R{1e-9};  // 1 ohm (brainpy.state default)
  units::time_q tau{5.0};       // ms
  units::voltage_q V_th{1.0};   // mV, positive
  reset_mode spk_reset = reset_mode::soft;
};

struct if_constants {
  real_t decay;  // exp(-dt/tau)
  real_t R;      // GOhm
  real_t V_th;   // mV
  int soft_reset;
};

struct IF {
  static constexpr const char* name = "IF";
  static constexpr const char* description = "integrate-and-fire, tau dV/dt = -V + R I (brainpy.state IF)";
  enum : int { V, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{{{"V", units::dims::voltage}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = if_params;
  using constants = if_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("R", p.R, range_check::positive);
    f("tau", p.tau, range_check::positive);
    f("V_th", p.V_th, range_check::positive);
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    if (!(p.V_th.value > 0.0)) return "V_th must be positive (the reset value is 0 mV)";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {static_cast<real_t>(std::exp(-dt / p.tau.value)), static_cast<real_t>(p.R.value),
            static_cast<real_t>(p.V_th.value), p.spk_reset == reset_mode::soft ? 1 : 0};
  }
  static void initial_state(const params&, real_t* s) { s[V] = 0; }  // brainpy.state: Constant(0 mV)

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / V_th (brainpy.state; V_th > 0 is validated). A reset writes V.
  static constexpr int n_diff_state = 1;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 1> reset_targets{V};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t*, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - c.V_th : real_t(0);
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = c.soft_reset ? real_t(1) : real_t(0);
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v_inf = c.R * in.current;
    s[V] = v_inf + (s[V] - v_inf) * c.decay + in.delta_v;
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t*, const neuron_input&,
                                                           real_t* J, real_t* dI) {
    J[0] = c.decay;
    dI[0] = c.R * (real_t(1) - c.decay);  // mV/pA
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / c.V_th;
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    g[V] = real_t(1) / c.V_th;  // 1/mV
  }

  // One step of one neuron; true on a spike. Branch-free (selects) so the CPU tile loop vectorises.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    real_t f[n_state] = {s[V]};
    free_update(c, f, in);
    const real_t v = f[V];
    const bool spike = v >= c.V_th;
    real_t r[n_state];
    reset_state(c, s, f, r);
    s[V] = spike ? r[V] : v;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::IF)
