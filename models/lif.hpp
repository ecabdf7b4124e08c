#pragma once
// BrainPy-style leaky integrate-and-fire neurons: LIF and LIFRef (brainpy.state names and defaults).
//
//   tau dV/dt = -(V - V_rest) + R * I            I: total input current (pA), R in GOhm, so R*I is in mV
//
// Exponential Euler with I held constant over a step (exact for piecewise-constant input):
//   V <- V_rest + R I + (V - V_rest - R I) exp(-dt/tau), then V += delta input (mV).
// Spike when V >= V_th. Reset in the same step: hard: V = V_reset; soft: V -= V_th - V_reset.
// (brainpy.state applies the reset at the start of the next step; spike trains and the trajectory from the next
// step on are identical, only the value recorded at the spike step differs.)
// LIFRef additionally holds V at its reset value for round(tau_ref / dt) steps, ignoring input (as NEST counts).
#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct lif_params {
  units::resistance_q R{1e-9};    // 1 ohm (brainpy.state default)
  units::time_q tau{5.0};         // ms
  units::voltage_q V_th{1.0};     // mV
  units::voltage_q V_reset{0.0};  // mV
  units::voltage_q V_rest{0.0};   // mV
  units::time_q tau_ref{0.0};     // ms; LIFRef only (default 5 ms there)
  reset_mode spk_reset = reset_mode::soft;
};

struct lif_constants {
  real_t decay;       // exp(-dt/tau)
  real_t R;           // GOhm
  real_t V_rest, V_th, V_reset;  // mV
  real_t ref_steps;   // refractory steps (0 for LIF)
  int soft_reset;
};

template <bool Refractory>
struct lif_family {
  static constexpr const char* name = Refractory ? "LIFRef" : "LIF";
  static constexpr const char* description =
      Refractory ? "leaky integrate-and-fire with absolute refractory period (brainpy.state LIFRef)"
                 : "leaky integrate-and-fire (brainpy.state LIF)";
  enum : int { V, refractory, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V", units::dims::voltage}, {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = lif_params;
  using constants = lif_constants;

  static params defaults() {
    params p;
    if (Refractory) p.tau_ref = units::time_q(5.0);
    return p;
  }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("R", p.R, range_check::positive);
    f("tau", p.tau, range_check::positive);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_rest", p.V_rest, range_check::any);
    if (Refractory) f("tau_ref", p.tau_ref, range_check::non_negative);
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {static_cast<real_t>(std::exp(-dt / p.tau.value)), static_cast<real_t>(p.R.value),
            static_cast<real_t>(p.V_rest.value), static_cast<real_t>(p.V_th.value),
            static_cast<real_t>(p.V_reset.value), static_cast<real_t>(Refractory ? std::round(p.tau_ref.value / dt) : 0.0),
            p.spk_reset == reset_mode::soft ? 1 : 0};
  }
  static void initial_state(const params& p, real_t* s) {
    s[V] = static_cast<real_t>(p.V_rest.value);
    s[refractory] = 0;
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / (V_th - V_reset) (brainpy.state; V_reset < V_th is validated). A reset writes V.
  static constexpr int n_diff_state = 1;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 1> reset_targets{V};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t*, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - (c.V_th - c.V_reset) : c.V_reset;
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = c.soft_reset ? real_t(1) : real_t(0);
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v_inf = c.V_rest + c.R * in.current;
    s[V] = v_inf + (s[V] - v_inf) * c.decay + in.delta_v;
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t*, const neuron_input&,
                                                           real_t* J, real_t* dI) {
    diff::identity_jacobian(n_state, J, dI);
    J[V * n_state + V] = c.decay;
    dI[V] = c.R * (real_t(1) - c.decay);  // mV/pA
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / (c.V_th - c.V_reset);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    g[V] = real_t(1) / (c.V_th - c.V_reset);  // 1/mV
    g[refractory] = 0;
  }

  // One step of one neuron. s: state (see enum), in: this step's input. Returns true on a spike.
  // Branch-free (selects instead of jumps) so the CPU tile loop vectorises and GPU warps do not diverge.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool refractory_now = Refractory && s[refractory] > 0;
    real_t f[n_state] = {s[V], s[refractory]};
    free_update(c, f, in);
    const real_t v = f[V];
    const bool spike = !refractory_now && v >= c.V_th;
    real_t r[n_state];
    reset_state(c, s, f, r);
    s[V] = refractory_now ? s[V] : (spike ? r[V] : v);
    if (Refractory) s[refractory] = refractory_now ? s[refractory] - 1 : (spike ? c.ref_steps : real_t(0));
    return spike;
  }
};

using LIF = lif_family<false>;
using LIFRef = lif_family<true>;

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::LIF)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::LIFRef)
