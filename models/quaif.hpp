#pragma once
// BrainPy-style quadratic integrate-and-fire neurons: QuaIF, AdQuaIF, AdQuaIFRef (brainpy.state names, defaults and
// update order), one template for the three.
//
//   tau   dV/dt = c (V - V_rest)(V - V_c) - R w + R I        (no w in QuaIF)
//   tau_w dw/dt = a (V - V_rest) - w                           (AdQuaIF, AdQuaIFRef)
//
// Units: V mV, c 1/mV, R GOhm, I and w pA (so R w, R I in mV), a nS, b pA, times ms.
// One step (exponential Euler, brainstate.nn.exp_euler_step, each variable with the others held):
//   V += h(J_V) f_V(V, w_old),  J_V = c (2 V - V_rest - V_c) / tau;  then V += delta input (mV);
//   w += (1 - exp(-dt/tau_w)) (a (V_new - V_rest) - w)   (J_w = -1/tau_w: exact for the frozen V_new),
// with h(J) = dt phi(dt J) = expm1(dt J) / J (exp_euler_step_size below). QuaIF under constant input is a 1-D
// system whose Jacobian is exact, which makes the scheme second order there; the frozen w coupling of AdQuaIF makes
// it first order.
// Spike when V >= V_th (brainpy's heaviside(x >= 0) of (V - V_th) / (V_th - V_reset)). Reset in the same step:
// hard V = V_reset, soft (the default) V -= V_th - V_reset; w += b. (brainpy.state applies the reset at the start
// of the next step: same spike trains and trajectory, only the value recorded at the spike step differs.)
// AdQuaIFRef holds V and w (ignoring input) for round(tau_ref / dt) steps after a spike, as LIFRef counts
// (brainpy.state's test t - t_spike < tau_ref holds ceil(tau_ref / dt) - 1 steps in exact arithmetic: 16 rather than
// 17 for the default 1.7 ms at dt = 0.1 ms, depending on the rounding of t). As in brainpy.state, a held V still
// >= V_th (a soft reset after a large overshoot) spikes again, resets again and restarts the period; with a hard
// reset that cannot happen.
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/exp_euler.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct quaif_params {
  units::resistance_q R{1e-9};  // 1 ohm
  units::time_q tau{10.0};      // ms
  units::time_q tau_w{10.0};    // ms; AdQuaIF, AdQuaIFRef
  units::time_q tau_ref{0.0};   // ms; AdQuaIFRef only (default 1.7 ms there)
  units::voltage_q V_th{-30.0};
  units::voltage_q V_reset{-68.0};
  units::voltage_q V_rest{-65.0};
  units::voltage_q V_c{-50.0};
  // 1/mV
  units::quantity<units::dims::none - units::dims::voltage> c{0.07};
  units::conductance_q a{1e9};  // 1 S
  units::current_q b{1e8};      // 0.1 mA
  reset_mode spk_reset = reset_mode::soft;
};

struct quaif_constants {
  real_t dt, inv_tau;                 // ms, 1/ms
  real_t c;                           // 1/mV
  real_t R;                           // GOhm
  real_t V_rest, V_c, V_th, V_reset;  // mV
  real_t a, b;                        // nS, pA
  real_t w_gain;                      // 1 - exp(-dt/tau_w)
  real_t ref_steps;
  int soft_reset;
};

template <bool Adaptive, bool Refractory>
struct quaif_family {
  static_assert(Adaptive || !Refractory, "brainpy.state has no QuaIFRef");
  static constexpr const char* name = Refractory ? "AdQuaIFRef" : (Adaptive ? "AdQuaIF" : "QuaIF");
  static constexpr const char* description =
      Refractory ? "adaptive quadratic integrate-and-fire with refractory period (brainpy.state AdQuaIFRef)"
                 : (Adaptive ? "adaptive quadratic integrate-and-fire (brainpy.state AdQuaIF)"
                             : "quadratic integrate-and-fire (brainpy.state QuaIF)");
  // state indices: QuaIF {V}, AdQuaIF {V, w}, AdQuaIFRef {V, w, refractory_steps}
  static constexpr int V = 0;
  static constexpr int w = 1;           // only when Adaptive
  static constexpr int refractory = 2;  // only when Refractory
  static constexpr int n_state = 1 + (Adaptive ? 1 : 0) + (Refractory ? 1 : 0);
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields = [] {
    std::array<state_field, n_state> f{};
    f[V] = {"V", units::dims::voltage};
    if constexpr (Adaptive) f[w] = {"w", units::dims::current};
    if constexpr (Refractory) f[refractory] = {"refractory_steps", units::dims::none};
    return f;
  }();
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = quaif_params;
  using constants = quaif_constants;

  static params defaults() {
    params p;
    if (Refractory) p.tau_ref = units::time_q(1.7);
    return p;
  }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("R", p.R, range_check::positive);
    f("tau", p.tau, range_check::positive);
    if (Adaptive) f("tau_w", p.tau_w, range_check::positive);
    if (Refractory) f("tau_ref", p.tau_ref, range_check::non_negative);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_rest", p.V_rest, range_check::any);
    f("V_c", p.V_c, range_check::any);
    f("c", p.c, range_check::positive);  // brainpy.state: "Larger than 0"
    if (Adaptive) {
      f("a", p.a, range_check::any);
      f("b", p.b, range_check::any);
    }
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    if (p.V_c.value <= p.V_rest.value) return "V_c must be above V_rest";  // brainpy.state: "larger than V_rest"
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    constants k{};
    k.dt = static_cast<real_t>(dt);
    k.inv_tau = static_cast<real_t>(1.0 / p.tau.value);
    k.c = static_cast<real_t>(p.c.value);
    k.R = static_cast<real_t>(p.R.value);
    k.V_rest = static_cast<real_t>(p.V_rest.value);
    k.V_c = static_cast<real_t>(p.V_c.value);
    k.V_th = static_cast<real_t>(p.V_th.value);
    k.V_reset = static_cast<real_t>(p.V_reset.value);
    k.a = static_cast<real_t>(Adaptive ? p.a.value : 0.0);
    k.b = static_cast<real_t>(Adaptive ? p.b.value : 0.0);
    k.w_gain = static_cast<real_t>(Adaptive ? -std::expm1(-dt / p.tau_w.value) : 0.0);
    k.ref_steps = static_cast<real_t>(Refractory ? std::round(p.tau_ref.value / dt) : 0.0);
    k.soft_reset = p.spk_reset == reset_mode::soft ? 1 : 0;
    return k;
  }
  static void initial_state(const params&, real_t* s) {
    s[V] = real_t(-65.0);  // brainpy.state's V_initializer: Constant(-65 mV), whatever V_rest is
    if constexpr (Adaptive) s[w] = 0;
    if constexpr (Refractory) s[refractory] = 0;
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / (V_th - V_reset) (brainpy.state; V_reset < V_th is validated). A reset writes
  // V, and w when Adaptive.
  static constexpr int n_diff_state = Adaptive ? 2 : 1;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, Adaptive ? 2 : 1> reset_targets = [] {
    std::array<int, Adaptive ? 2 : 1> t{};
    t[0] = V;
    if constexpr (Adaptive) t[1] = w;
    return t;
  }();
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  // In a spike step w sees V cut at V_th (the quadratic runaway can overshoot far past it; see expif.hpp): the
  // reset recomputes w's free step from s with V_th for V, then adds b.
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t* s, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - (c.V_th - c.V_reset) : c.V_reset;
    if constexpr (Adaptive) r[w] = s[w] + c.w_gain * (c.a * (c.V_th - c.V_rest) - s[w]) + c.b;
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = c.soft_reset ? real_t(1) : real_t(0);
    if constexpr (Adaptive) {
      Rf[w * n_state + w] = 0;
      Rs[w * n_state + w] = real_t(1) - c.w_gain;
    }
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v0 = s[V];
    const real_t w0 = Adaptive ? s[Adaptive ? w : 0] : real_t(0);
    const real_t dv = (c.c * (v0 - c.V_rest) * (v0 - c.V_c) + c.R * (in.current - w0)) * c.inv_tau;
    const real_t J = c.c * (real_t(2) * v0 - c.V_rest - c.V_c) * c.inv_tau;
    const real_t v = v0 + exp_euler_step_size(J, c.dt) * dv + in.delta_v;
    s[V] = v;
    if constexpr (Adaptive) s[w] = w0 + c.w_gain * (c.a * (v - c.V_rest) - w0);
  }
  // V_new = V + h(J) F: dV_new/dV = 1 + h'(J) (dJ/dV) F + h J (dF/dV = J), dJ/dV = 2 c / tau.
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* Jm, real_t* dI) {
    diff::identity_jacobian(n_state, Jm, dI);
    const real_t v0 = s[V];
    const real_t w0 = Adaptive ? s[Adaptive ? w : 0] : real_t(0);
    const real_t dv = (c.c * (v0 - c.V_rest) * (v0 - c.V_c) + c.R * (in.current - w0)) * c.inv_tau;
    const real_t J = c.c * (real_t(2) * v0 - c.V_rest - c.V_c) * c.inv_tau;
    const real_t h = exp_euler_step_size(J, c.dt);
    const real_t dv_dv = real_t(1) + diff::step_size_grad(J, c.dt) * real_t(2) * c.c * c.inv_tau * dv + h * J;
    const real_t dv_dI = h * c.R * c.inv_tau;  // mV/pA
    Jm[V * n_state + V] = dv_dv;
    dI[V] = dv_dI;
    if constexpr (Adaptive) {
      const real_t k = c.w_gain * c.a;  // d w_new / d V_new, nS
      Jm[V * n_state + w] = -dv_dI;
      Jm[w * n_state + V] = k * dv_dv;
      Jm[w * n_state + w] = real_t(1) - c.w_gain - k * dv_dI;
      dI[w] = k * dv_dI;
    }
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / (c.V_th - c.V_reset);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    for (int q = 0; q < n_state; ++q) g[q] = 0;
    g[V] = real_t(1) / (c.V_th - c.V_reset);  // 1/mV
  }

  // One step of one neuron; true on a spike. Branch-free: selects, no jumps.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool held = Refractory && s[Refractory ? refractory : 0] > 0;
    real_t f[n_state];
    for (int q = 0; q < n_state; ++q) f[q] = s[q];
    free_update(c, f, in);
    for (int q = 0; q < n_diff_state; ++q) f[q] = held ? s[q] : f[q];  // a held neuron keeps its state
    const real_t v = f[V];
    const bool spike = v >= c.V_th;  // a soft reset can leave a held neuron above V_th: it fires again
    real_t r[n_state];
    reset_state(c, s, f, r);
    s[V] = spike ? r[V] : v;
    // w of a held neuron took no free step, so its reset is w + b (reset_state's cut step is for free steps)
    if constexpr (Adaptive) s[w] = spike ? (held ? f[w] + c.b : r[w]) : f[w];
    if constexpr (Refractory) s[refractory] = spike ? c.ref_steps : (held ? s[refractory] - 1 : real_t(0));
    return spike;
  }
};

using QuaIF = quaif_family<false, false>;
using AdQuaIF = quaif_family<true, false>;
using AdQuaIFRef = quaif_family<true, true>;

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::QuaIF)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::AdQuaIF)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::AdQuaIFRef)
