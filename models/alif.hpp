#pragma once
// brainpy.state's ALIF: leaky integrate-and-fire with an adaptive threshold (names and defaults as brainpy.state).
//
//   tau   dV/dt = -(V - V_rest) + R * I       I: total input current (pA), R in GOhm, R*I in mV
//   tau_a da/dt = -a                          a: dimensionless adaptation variable
//
// Both equations are linear, so exponential Euler (brainstate.nn.exp_euler_step, J = -1/tau and -1/tau_a) is
// exact for input held over the step: V <- V_rest + R I + (V - V_rest - R I) exp(-dt/tau), then V += delta input;
// a <- a exp(-dt/tau_a).
// Spike when V >= V_th + beta * a, with the V and a of the end of the step (brainpy.state:
// heaviside((V - V_th - beta a) / (V_th - V_reset)), heaviside(0) = 1). Reset in the same step (see lif.hpp for
// this convention): a += 1, and hard: V = V_reset; soft: V -= V_th - V_reset (the base threshold, not the adapted
// one, as brainpy.state subtracts).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct alif_params {
  units::resistance_q R{1e-9};    // 1 ohm (brainpy.state default)
  units::time_q tau{5.0};         // ms
  units::time_q tau_a{100.0};     // ms
  units::voltage_q V_th{1.0};     // mV, threshold without adaptation
  units::voltage_q V_reset{0.0};  // mV
  units::voltage_q V_rest{0.0};   // mV
  units::voltage_q beta{0.1};     // mV of threshold per unit of a
  reset_mode spk_reset = reset_mode::soft;
};

struct alif_constants {
  real_t decay, decay_a;         // exp(-dt/tau), exp(-dt/tau_a)
  real_t R;                      // GOhm
  real_t V_rest, V_th, V_reset;  // mV
  real_t beta;                   // mV
  int soft_reset;
};

struct ALIF {
  static constexpr const char* name = "ALIF";
  static constexpr const char* description =
      "leaky integrate-and-fire with adaptive threshold V_th + beta a (brainpy.state ALIF)";
  enum : int { V, a, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V", units::dims::voltage}, {"a", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = alif_params;
  using constants = alif_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("R", p.R, range_check::positive);
    f("tau", p.tau, range_check::positive);
    f("tau_a", p.tau_a, range_check::positive);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_rest", p.V_rest, range_check::any);
    f("beta", p.beta, range_check::any);
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {static_cast<real_t>(std::exp(-dt / p.tau.value)),
            static_cast<real_t>(std::exp(-dt / p.tau_a.value)),
            static_cast<real_t>(p.R.value),
            static_cast<real_t>(p.V_rest.value),
            static_cast<real_t>(p.V_th.value),
            static_cast<real_t>(p.V_reset.value),
            static_cast<real_t>(p.beta.value),
            p.spk_reset == reset_mode::soft ? 1 : 0};
  }
  // brainpy.state starts V at Constant(0 mV), which is its default V_rest; we start at V_rest as LIF does.
  static void initial_state(const params& p, real_t* s) {
    s[V] = static_cast<real_t>(p.V_rest.value);
    s[a] = 0;
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - (V_th + beta a)) / (V_th - V_reset) (brainpy.state's (V - V_th - beta a) / (V_th -
  // V_reset), grouped so that x >= 0 is exactly update()'s test). A reset writes V and a.
  static constexpr int n_diff_state = 2;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 2> reset_targets{V, a};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t*, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - (c.V_th - c.V_reset) : c.V_reset;
    r[a] = f[a] + real_t(1);
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = c.soft_reset ? real_t(1) : real_t(0);
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v_inf = c.V_rest + c.R * in.current;
    s[V] = v_inf + (s[V] - v_inf) * c.decay + in.delta_v;
    s[a] = s[a] * c.decay_a;
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t*, const neuron_input&,
                                                           real_t* J, real_t* dI) {
    J[V * n_state + V] = c.decay;
    J[V * n_state + a] = 0;
    J[a * n_state + V] = 0;
    J[a * n_state + a] = c.decay_a;
    dI[V] = c.R * (real_t(1) - c.decay);  // mV/pA
    dI[a] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - (c.V_th + c.beta * s[a])) / (c.V_th - c.V_reset);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    const real_t inv = real_t(1) / (c.V_th - c.V_reset);
    g[V] = inv;            // 1/mV
    g[a] = -c.beta * inv;  // per unit of a
  }

  // One step of one neuron; true on a spike. Branch-free (selects) so the CPU tile loop vectorises.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    real_t f[n_state] = {s[V], s[a]};
    free_update(c, f, in);
    const real_t v = f[V];
    const real_t adapt = f[a];
    const bool spike = v >= c.V_th + c.beta * adapt;
    real_t r[n_state];
    reset_state(c, s, f, r);
    s[V] = spike ? r[V] : v;
    s[a] = spike ? r[a] : adapt;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::ALIF)
