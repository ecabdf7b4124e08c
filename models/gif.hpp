#pragma once
// brainpy.state's generalized integrate-and-fire neurons (Mihalas & Niebur 2009): Gif and GifRef (names,
// parameters, defaults and update order as brainpy.state), one template gif_family<Refractory>:
//
//   dI1/dt   = -k1 I1
//   dI2/dt   = -k2 I2
//   tau dV/dt = -(V - V_rest) + R (I1 + I2 + I)
//   dV_th/dt = a (V - V_rest) - b (V_th - V_th_inf)
//
// Units: V, V_th mV; I1, I2, I, A1, A2 pA; R GOhm (so R I is in mV); k1, k2, a, b 1/ms; R1, R2 dimensionless.
// One step (exponential Euler, brainstate.nn.exp_euler_step, each variable with the others held at their values at
// the start of the step, as brainpy.state's update):
//   I1 += h(-k1) (-k1 I1),  I2 += h(-k2) (-k2 I2),
//   V_th += h(-b) (a (V_old - V_rest) - b (V_th - V_th_inf)),
//   V += h(-1/tau) (-(V - V_rest) + R (I1_old + I2_old + I)) / tau,  then V += delta input (mV),
// h(J) = dt phi(dt J) (exp_euler_step_size). Every equation is linear in its own variable, so each of these is the
// exact solution with the others frozen; the coupling through the frozen values makes the scheme first order.
// Spike when V >= V_th, both the new values (brainpy.state: heaviside((V - V_th) / (V_th - V_reset))). Reset in the
// same step (see lif.hpp for this convention; brainpy.state applies it at the start of the next step: same spike
// trains and trajectory, only the values recorded at the spike step differ):
//   I1 = R1 I1 + A1,  I2 = R2 I2 + A2,  V_th = max(V_th_reset, V_th),
//   V = V_reset (hard) or V -= V_th - V_reset (soft, brainpy.state's default; V_th the pre-reset threshold).
// GifRef holds V, I1, I2 and V_th (ignoring input) for round(tau_ref / dt) steps after a spike, as LIFRef and
// AdQuaIFRef count. As in brainpy.state (and AdQuaIFRef), a held V still >= V_th spikes and resets again.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/exp_euler.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct gif_params {
  units::resistance_q R{2e-8};          // 20 ohm
  units::time_q tau{20.0};              // ms
  units::time_q tau_ref{0.0};           // ms; GifRef only (default 1.7 ms there)
  units::voltage_q V_rest{-70.0};       // mV
  units::voltage_q V_reset{-70.0};      // mV
  units::voltage_q V_th_inf{-50.0};     // mV
  units::voltage_q V_th_reset{-60.0};   // mV
  units::rate_q a{0.0};                 // 1/ms
  units::rate_q b{0.01};                // 1/ms
  units::rate_q k1{0.2};                // 1/ms
  units::rate_q k2{0.02};               // 1/ms
  units::dimensionless_q R1{0.0};
  units::dimensionless_q R2{1.0};
  units::current_q A1{0.0};             // pA (brainpy.state: 0 mA)
  units::current_q A2{0.0};             // pA
  reset_mode spk_reset = reset_mode::soft;
};

struct gif_constants {
  real_t dt, inv_tau;                       // ms, 1/ms
  real_t R;                                 // GOhm
  real_t V_rest, V_reset, V_th_inf, V_th_reset;  // mV
  real_t a, b, k1, k2;                      // 1/ms
  real_t h_V, h_th, h_I1, h_I2;             // exponential-Euler step sizes (ms)
  real_t R1, R2, A1, A2;                    // -, -, pA, pA
  real_t ref_steps;                         // refractory steps (0 for Gif)
  int soft_reset;
};

template <bool Refractory>
struct gif_family {
  static constexpr const char* name = Refractory ? "GifRef" : "Gif";
  static constexpr const char* description =
      Refractory ? "generalized integrate-and-fire with refractory period (brainpy.state GifRef, Mihalas-Niebur)"
                 : "generalized integrate-and-fire (brainpy.state Gif, Mihalas-Niebur)";
  enum : int { V = 0, I1 = 1, I2 = 2, V_th = 3, refractory = 4, n_state = 4 + int(Refractory) };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields = [] {
    std::array<state_field, n_state> f{};
    f[V] = {"V", units::dims::voltage};
    f[I1] = {"I1", units::dims::current};
    f[I2] = {"I2", units::dims::current};
    f[V_th] = {"V_th", units::dims::voltage};
    if constexpr (Refractory) f[refractory] = {"refractory_steps", units::dims::none};
    return f;
  }();
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = gif_params;
  using constants = gif_constants;

  static params defaults() {
    params p;
    if (Refractory) p.tau_ref = units::time_q(1.7);
    return p;
  }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("R", p.R, range_check::positive);
    f("tau", p.tau, range_check::positive);
    if (Refractory) f("tau_ref", p.tau_ref, range_check::non_negative);
    f("V_rest", p.V_rest, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_th_inf", p.V_th_inf, range_check::any);
    f("V_th_reset", p.V_th_reset, range_check::any);
    f("a", p.a, range_check::any);
    f("b", p.b, range_check::non_negative);
    f("k1", p.k1, range_check::non_negative);
    f("k2", p.k2, range_check::non_negative);
    f("R1", p.R1, range_check::any);
    f("R2", p.R2, range_check::any);
    f("A1", p.A1, range_check::any);
    f("A2", p.A2, range_check::any);
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    // brainpy.state: V_th_reset "should be larger than V_reset" (else a reset neuron sits at its threshold)
    if (p.V_th_reset.value <= p.V_reset.value) return "V_th_reset must be above V_reset";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    constants c{};
    c.dt = static_cast<real_t>(dt);
    c.inv_tau = static_cast<real_t>(1.0 / p.tau.value);
    c.R = static_cast<real_t>(p.R.value);
    c.V_rest = static_cast<real_t>(p.V_rest.value);
    c.V_reset = static_cast<real_t>(p.V_reset.value);
    c.V_th_inf = static_cast<real_t>(p.V_th_inf.value);
    c.V_th_reset = static_cast<real_t>(p.V_th_reset.value);
    c.a = static_cast<real_t>(p.a.value);
    c.b = static_cast<real_t>(p.b.value);
    c.k1 = static_cast<real_t>(p.k1.value);
    c.k2 = static_cast<real_t>(p.k2.value);
    // the Jacobians are constants here, so the step sizes are too (exprel's series covers b = 0, k = 0)
    c.h_V = exp_euler_step_size(-c.inv_tau, c.dt);
    c.h_th = exp_euler_step_size(-c.b, c.dt);
    c.h_I1 = exp_euler_step_size(-c.k1, c.dt);
    c.h_I2 = exp_euler_step_size(-c.k2, c.dt);
    c.R1 = static_cast<real_t>(p.R1.value);
    c.R2 = static_cast<real_t>(p.R2.value);
    c.A1 = static_cast<real_t>(p.A1.value);
    c.A2 = static_cast<real_t>(p.A2.value);
    c.ref_steps = static_cast<real_t>(Refractory ? std::round(p.tau_ref.value / dt) : 0.0);
    c.soft_reset = p.spk_reset == reset_mode::soft ? 1 : 0;
    return c;
  }
  // brainpy.state's initialisers: V Constant(-70 mV), V_th Constant(-50 mV), I1 = I2 = 0, whatever the parameters.
  static void initial_state(const params&, real_t* s) {
    s[V] = real_t(-70.0);
    s[I1] = 0;
    s[I2] = 0;
    s[V_th] = real_t(-50.0);
    if constexpr (Refractory) s[refractory] = 0;
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / |V_th - V_reset|, V_th the state variable (brainpy.state: (V - V_th) / (V_th -
  // V_reset); the modulus keeps H(x) the spike should V_th fall below V_reset; singular at V_th = V_reset).
  // A reset writes V, I1, I2 and V_th.
  static constexpr int n_diff_state = 4;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 4> reset_targets{V, I1, I2, V_th};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  // V_th in the soft reset is the pre-reset threshold f[V_th].
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t*, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - (f[V_th] - c.V_reset) : c.V_reset;
    r[I1] = c.R1 * f[I1] + c.A1;
    r[I2] = c.R2 * f[I2] + c.A2;
    r[V_th] = f[V_th] > c.V_th_reset ? f[V_th] : c.V_th_reset;
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t* f, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    const real_t soft = c.soft_reset ? real_t(1) : real_t(0);
    Rf[V * n_state + V] = soft;
    Rf[V * n_state + V_th] = -soft;
    Rf[I1 * n_state + I1] = c.R1;
    Rf[I2 * n_state + I2] = c.R2;
    Rf[V_th * n_state + V_th] = f[V_th] > c.V_th_reset ? real_t(1) : real_t(0);
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v0 = s[V], i10 = s[I1], i20 = s[I2], th0 = s[V_th];
    s[I1] = i10 - c.h_I1 * c.k1 * i10;
    s[I2] = i20 - c.h_I2 * c.k2 * i20;
    s[V_th] = th0 + c.h_th * (c.a * (v0 - c.V_rest) - c.b * (th0 - c.V_th_inf));
    s[V] = v0 + c.h_V * (c.R * (i10 + i20 + in.current) - (v0 - c.V_rest)) * c.inv_tau + in.delta_v;
  }
  // Every step size is a constant, so the Jacobian is too.
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t*, const neuron_input&,
                                                           real_t* J, real_t* dI) {
    diff::identity_jacobian(n_state, J, dI);
    const real_t dv_dI = c.h_V * c.R * c.inv_tau;  // mV/pA
    J[V * n_state + V] = real_t(1) - c.h_V * c.inv_tau;
    J[V * n_state + I1] = dv_dI;
    J[V * n_state + I2] = dv_dI;
    J[I1 * n_state + I1] = real_t(1) - c.h_I1 * c.k1;
    J[I2 * n_state + I2] = real_t(1) - c.h_I2 * c.k2;
    J[V_th * n_state + V] = c.h_th * c.a;
    J[V_th * n_state + V_th] = real_t(1) - c.h_th * c.b;
    dI[V] = dv_dI;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - s[V_th]) / std::fabs(s[V_th] - c.V_reset);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t* s, real_t* g) {
    const real_t d = s[V_th] - c.V_reset;
    const real_t inv = real_t(1) / std::fabs(d);
    const real_t x = (s[V] - s[V_th]) * inv;
    for (int q = 0; q < n_state; ++q) g[q] = 0;
    g[V] = inv;                                                           // 1/mV
    g[V_th] = -inv - x * inv * (d < real_t(0) ? real_t(-1) : real_t(1));  // 1/mV
  }

  // One step of one neuron; true on a spike. Branch-free: selects, no jumps.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool held = Refractory && s[Refractory ? refractory : 0] > 0;
    real_t f[n_state];
    for (int q = 0; q < n_state; ++q) f[q] = s[q];
    free_update(c, f, in);
    for (int q = 0; q < n_diff_state; ++q) f[q] = held ? s[q] : f[q];  // a held neuron keeps its state
    const real_t v = f[V];
    const real_t i1 = f[I1];
    const real_t i2 = f[I2];
    const real_t th = f[V_th];
    const bool spike = v >= th;
    real_t r[n_state];
    reset_state(c, s, f, r);
    s[V] = spike ? r[V] : v;
    s[I1] = spike ? r[I1] : i1;
    s[I2] = spike ? r[I2] : i2;
    s[V_th] = spike ? r[V_th] : th;
    if constexpr (Refractory) s[refractory] = spike ? c.ref_steps : (held ? s[refractory] - 1 : real_t(0));
    return spike;
  }
};

using Gif = gif_family<false>;
using GifRef = gif_family<true>;

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::Gif)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::GifRef)
