#pragma once
// brainpy.state's exponential integrate-and-fire family: ExpIF, ExpIFRef, AdExIF, AdExIFRef (names, parameters
// and defaults as brainpy.state). One template, expif_family<Adaptive, Refractory>:
//
//   tau   dV/dt = -(V - V_rest) + delta_T exp((V - V_T) / delta_T) - R w + R I      (w = 0 unless Adaptive)
//   tau_w dw/dt = a (V - V_rest) - w                                               (Adaptive only)
//
// I: total input current (pA); R in GOhm, so R*I and R*w are in mV; a in nS, so a*(V - V_rest) is in pA.
//
// Integration: exponential Euler as brainstate.nn.exp_euler_step, one variable at a time with the others held:
//   V <- V + dt phi(dt J) F(V, w_old),   F = dV/dt,  J = dF/dV = (exp((V - V_T)/delta_T) - 1) / tau,
//   phi(z) = (e^z - 1)/z (expm1; a short series near z = 0, where J vanishes at V = V_T), then V += delta input;
//   w <- w_inf + (w - w_inf) exp(-dt/tau_w),  w_inf = a (V_new - V_rest)   (the exponential-Euler step of a
//   linear equation is its exact solution; brainpy.state also uses the new, not yet reset, V here).
// The input current is held over the step (the engine evaluates synaptic outputs at the present V), so for
// conductance inputs J lacks the -R g / tau that brainpy.state's autodiff Jacobian would contain.
// Accuracy: for ExpIF (one variable, exact J) this is the exponential Rosenbrock-Euler method, second order.
// With adaptation, holding w in the V step and V_new in the w step makes the pair first order; the leading error
// is mostly a lead of half a step in w (w_n ~ w(t_n + dt/2)), so V is first order only through dw/dt at the start.
// tests/test_model_adex.cpp derives these error terms and checks the engine against them.
//
// Spike when V >= V_th (brainpy.state: heaviside((V - V_th) / (V_th - V_reset)), heaviside(0) = 1). Reset in the
// same step (see lif.hpp for this convention): hard: V = V_reset; soft: V -= V_th - V_reset; w += b.
// Soft reset (brainpy.state's default) keeps the overshoot of the spike step, which for ExpIF (V_th = -30 mV) is
// huge at dt = 0.1 ms: the next spike then overflows exp() and V becomes inf/NaN, exactly as in brainpy.state; the
// engine stops such a run with a message (host/state_check.hpp) instead of writing NaN.
// Use spk_reset = "hard" for ExpIF/ExpIFRef under sustained drive.
// *Ref variants: after a spike V (and w) are held for round(tau_ref/dt) steps, ignoring input, as LIFRef does.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/exp_euler.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

// All four variants share one parameter struct; Model::defaults() sets each variant's brainpy.state defaults
// (the member initialisers below are ExpIF's). Fields a variant does not have are ignored by it.
struct expif_params {
  units::resistance_q R{1e-9};      // 1 ohm
  units::time_q tau{10.0};          // ms
  units::time_q tau_w{30.0};        // ms, AdEx only
  units::time_q tau_ref{0.0};       // ms, *Ref only (1.7 ms there)
  units::voltage_q V_th{-30.0};     // mV (AdEx: -55 mV)
  units::voltage_q V_reset{-68.0};  // mV
  units::voltage_q V_rest{-65.0};   // mV
  units::voltage_q V_T{-59.9};      // mV
  units::voltage_q delta_T{3.48};   // mV
  units::conductance_q a{0.0};      // nS, AdEx only (1 siemens = 1e9 nS there)
  units::current_q b{0.0};          // pA, AdEx only (1 mA = 1e9 pA there)
  reset_mode spk_reset = reset_mode::soft;
};

struct expif_constants {
  real_t dt;                          // ms
  real_t inv_tau;                     // 1/ms
  real_t R;                           // GOhm
  real_t V_rest, V_T, V_th, V_reset;  // mV
  real_t delta_T, inv_delta_T;        // mV, 1/mV
  real_t decay_w;                     // exp(-dt/tau_w)
  real_t a, b;                        // nS, pA
  real_t ref_steps;                   // refractory steps (0 without refractoriness)
  int soft_reset;
};

template <bool Adaptive, bool Refractory>
constexpr std::array<state_field, 1 + int(Adaptive) + int(Refractory)> expif_state_fields() {
  std::array<state_field, 1 + int(Adaptive) + int(Refractory)> f{};
  int k = 0;
  f[k++] = {"V", units::dims::voltage};
  if (Adaptive) f[k++] = {"w", units::dims::current};
  if (Refractory) f[k++] = {"refractory_steps", units::dims::none};
  return f;
}

template <bool Adaptive, bool Refractory>
struct expif_family {
  static constexpr const char* name =
      Adaptive ? (Refractory ? "AdExIFRef" : "AdExIF") : (Refractory ? "ExpIFRef" : "ExpIF");
  static constexpr const char* description =
      Adaptive
          ? (Refractory ? "adaptive exponential integrate-and-fire with refractory period (brainpy.state AdExIFRef)"
                        : "adaptive exponential integrate-and-fire (brainpy.state AdExIF)")
          : (Refractory ? "exponential integrate-and-fire with refractory period (brainpy.state ExpIFRef)"
                        : "exponential integrate-and-fire (brainpy.state ExpIF)");
  // w exists only when Adaptive, refractory only when Refractory (otherwise their indices are never used).
  enum : int { V = 0, w = 1, refractory = Adaptive ? 2 : 1, n_state = 1 + int(Adaptive) + int(Refractory) };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields = expif_state_fields<Adaptive, Refractory>();
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = expif_params;
  using constants = expif_constants;

  static params defaults() {
    params p;
    if (Adaptive) {
      p.V_th = units::voltage_q(-55.0);
      p.tau_w = units::time_q(30.0);
      p.a = units::conductance_q(1e9);  // 1 S
      p.b = units::current_q(1e9);      // 1 mA
    }
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
    f("V_T", p.V_T, range_check::any);
    f("delta_T", p.delta_T, range_check::positive);
    if (Adaptive) {
      f("a", p.a, range_check::any);
      f("b", p.b, range_check::any);
    }
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    constants c{};
    c.dt = static_cast<real_t>(dt);
    c.inv_tau = static_cast<real_t>(1.0 / p.tau.value);
    c.R = static_cast<real_t>(p.R.value);
    c.V_rest = static_cast<real_t>(p.V_rest.value);
    c.V_T = static_cast<real_t>(p.V_T.value);
    c.V_th = static_cast<real_t>(p.V_th.value);
    c.V_reset = static_cast<real_t>(p.V_reset.value);
    c.delta_T = static_cast<real_t>(p.delta_T.value);
    c.inv_delta_T = static_cast<real_t>(1.0 / p.delta_T.value);
    c.decay_w = static_cast<real_t>(Adaptive ? std::exp(-dt / p.tau_w.value) : 1.0);
    c.a = static_cast<real_t>(Adaptive ? p.a.value : 0.0);
    c.b = static_cast<real_t>(Adaptive ? p.b.value : 0.0);
    c.ref_steps = static_cast<real_t>(Refractory ? std::round(p.tau_ref.value / dt) : 0.0);
    c.soft_reset = p.spk_reset == reset_mode::soft ? 1 : 0;
    return c;
  }
  // brainpy.state starts V at Constant(-65 mV), its default V_rest; we start at V_rest as LIF does. w starts at 0.
  static void initial_state(const params& p, real_t* s) {
    s[V] = static_cast<real_t>(p.V_rest.value);
    if constexpr (Adaptive) s[w] = 0;
    if constexpr (Refractory) s[refractory] = 0;
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / (V_th - V_reset) (brainpy.state; V_reset < V_th is validated). A reset writes
  // V, and w when Adaptive.
  static constexpr int n_diff_state = 1 + int(Adaptive);
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 1 + int(Adaptive)> reset_targets = [] {
    std::array<int, 1 + int(Adaptive)> t{};
    t[0] = V;
    if constexpr (Adaptive) t[1] = w;
    return t;
  }();
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  // In a spike step w sees V cut at V_th: the exponential-Euler step of the runaway term can overshoot by many
  // orders of magnitude (1e13 mV seen at 250 pA), and w_inf = a (V - V_rest) would carry that into w for good.
  // (brainpy.state uses the overshoot.) So the reset recomputes w's free step from s with V_th for V, then adds b.
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t* s, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - (c.V_th - c.V_reset) : c.V_reset;
    if constexpr (Adaptive) {
      const real_t w_inf_cut = c.a * (c.V_th - c.V_rest);  // pA, no cancellation
      r[w] = w_inf_cut + (s[w] - w_inf_cut) * c.decay_w + c.b;
    }
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = c.soft_reset ? real_t(1) : real_t(0);
    if constexpr (Adaptive) {
      Rf[w * n_state + w] = 0;
      Rs[w * n_state + w] = c.decay_w;
    }
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v0 = s[V];
    real_t w0 = 0;
    if constexpr (Adaptive) w0 = s[w];
    const real_t ex = portable_exp((v0 - c.V_T) * c.inv_delta_T);
    const real_t dvdt = (c.V_rest - v0 + c.delta_T * ex - c.R * w0 + c.R * in.current) * c.inv_tau;  // mV/ms
    const real_t jac = (ex - real_t(1)) * c.inv_tau;                                                 // 1/ms
    const real_t v = v0 + c.dt * exprel(c.dt * jac) * dvdt + in.delta_v;
    s[V] = v;
    if constexpr (Adaptive) {
      const real_t w_inf = c.a * (v - c.V_rest);  // pA
      s[w] = w_inf + (w0 - w_inf) * c.decay_w;
    }
  }
  // V_new = V + h(J) F: dV_new/dV = 1 + h'(J) (dJ/dV) F + h J (dF/dV = J), dJ/dV = exp(.)/(delta_T tau).
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* J, real_t* dI) {
    diff::identity_jacobian(n_state, J, dI);
    const real_t v0 = s[V];
    real_t w0 = 0;
    if constexpr (Adaptive) w0 = s[w];
    const real_t ex = portable_exp((v0 - c.V_T) * c.inv_delta_T);
    const real_t dvdt = (c.V_rest - v0 + c.delta_T * ex - c.R * w0 + c.R * in.current) * c.inv_tau;
    const real_t jac = (ex - real_t(1)) * c.inv_tau;
    const real_t h = c.dt * exprel(c.dt * jac);  // ms
    const real_t dv_dv = real_t(1) + diff::step_size_grad(jac, c.dt) * ex * c.inv_delta_T * c.inv_tau * dvdt + h * jac;
    const real_t dv_dI = h * c.R * c.inv_tau;  // mV/pA
    J[V * n_state + V] = dv_dv;
    dI[V] = dv_dI;
    if constexpr (Adaptive) {
      const real_t k = c.a * (real_t(1) - c.decay_w);  // d w_new / d V_new, nS
      J[V * n_state + w] = -dv_dI;                     // w enters as -R w, like -I
      J[w * n_state + V] = k * dv_dv;
      J[w * n_state + w] = c.decay_w - k * dv_dI;
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

  // One step of one neuron; true on a spike. Branch-free (selects) so the CPU tile loop vectorises and GPU warps
  // do not diverge; values computed for a refractory neuron are discarded by the selects.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    real_t f[n_state];
    for (int q = 0; q < n_state; ++q) f[q] = s[q];
    free_update(c, f, in);
    const real_t v0 = s[V];
    const real_t v = f[V];

    bool refractory_now = false;
    if constexpr (Refractory) refractory_now = s[refractory] > 0;
    const bool spike = !refractory_now && v >= c.V_th;
    real_t r[n_state];
    reset_state(c, s, f, r);
    s[V] = refractory_now ? v0 : (spike ? r[V] : v);
    if constexpr (Adaptive) s[w] = refractory_now ? s[w] : (spike ? r[w] : f[w]);
    if constexpr (Refractory) s[refractory] = refractory_now ? s[refractory] - 1 : (spike ? c.ref_steps : real_t(0));
    return spike;
  }
};

using ExpIF = expif_family<false, false>;
using ExpIFRef = expif_family<false, true>;
using AdExIF = expif_family<true, false>;
using AdExIFRef = expif_family<true, true>;

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::ExpIF)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::ExpIFRef)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::AdExIF)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::AdExIFRef)
