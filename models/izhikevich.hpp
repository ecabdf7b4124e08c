#pragma once
// BrainPy-style Izhikevich (2003) neurons: Izhikevich and IzhikevichRef (brainpy.state names, defaults and update
// order), one template for the two.
//
//   dV/dt = 0.04 V^2 + 5 V + 140 - u + I        (V mV, t ms; the constants 0.04/(ms mV), 5/ms, 140 mV/ms are fixed)
//   du/dt = a (b V - u)                          (a, b 1/ms; u mV/ms)
//
// Input current: I enters in mV/ms. The engine delivers pA; as in Izhikevich (2003), where I is "the current" with
// the capacitance scaled to 1, it is divided by an implicit 1 pF: 1 pA of drive = 1 mV/ms (I = 10 pA is the
// classic "I = 10"). Delta input (mV) jumps V.
// One step (exponential Euler, brainstate.nn.exp_euler_step, V first, then u with the new V, as brainpy.state):
//   V += h(J_V) f_V(V, u_old),  J_V = 0.08 V + 5 (1/ms, zero at V = -62.5 mV: see exp_euler_step_size);
//   V += delta input;  u += (1 - exp(-a dt)) (b V_new - u)   (J_u = -a: exact for the frozen V_new).
// The frozen u in the V step (and V in the u step) makes the scheme first order in dt.
// Spike when V >= V_th: V = c, u += d, in the same step (brainpy.state resets at the start of the next step: same
// spike trains and trajectory, only the value recorded at the spike step differs). The reset is always hard, as in
// brainpy.state, whose spk_reset argument Izhikevich ignores (so it is not a parameter here).
// IzhikevichRef holds V and u (ignoring input) for round(tau_ref / dt) steps after a spike, as LIFRef counts
// (brainpy.state's test t - t_spike < tau_ref holds ceil(tau_ref / dt) - 1 steps in exact arithmetic).
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/differentiable.hpp"
#include "models/exp_euler.hpp"

namespace volley::models {

struct izhikevich_params {
  static constexpr units::dimension mV_per_ms = units::dims::voltage - units::dims::time;
  units::rate_q a{0.02};              // 1/ms
  units::rate_q b{0.2};               // 1/ms
  units::voltage_q c{-65.0};          // mV
  units::quantity<mV_per_ms> d{8.0};  // mV/ms
  units::voltage_q V_th{30.0};        // mV
  units::time_q tau_ref{0.0};         // ms; IzhikevichRef only (default 0 ms there too)
};

struct izhikevich_constants {
  real_t dt;       // ms
  real_t b, c, d;  // 1/ms, mV, mV/ms
  real_t V_th;     // mV
  real_t u_gain;   // 1 - exp(-a dt)
  real_t ref_steps;
};

template <bool Refractory>
struct izhikevich_family {
  static constexpr const char* name = Refractory ? "IzhikevichRef" : "Izhikevich";
  static constexpr const char* description =
      Refractory ? "Izhikevich (2003) neuron with refractory period (brainpy.state IzhikevichRef)"
                 : "Izhikevich (2003) neuron (brainpy.state Izhikevich)";
  static constexpr int V = 0, u = 1;
  static constexpr int refractory = 2;  // only when Refractory
  static constexpr int n_state = Refractory ? 3 : 2;
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields = [] {
    std::array<state_field, n_state> f{};
    f[V] = {"V", units::dims::voltage};
    f[u] = {"u", izhikevich_params::mV_per_ms};
    if constexpr (Refractory) f[refractory] = {"refractory_steps", units::dims::none};
    return f;
  }();
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = izhikevich_params;
  using constants = izhikevich_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("a", p.a, range_check::any);  // negative a and b appear in Izhikevich (2004)'s parameter table
    f("b", p.b, range_check::any);
    f("c", p.c, range_check::any);
    f("d", p.d, range_check::any);
    f("V_th", p.V_th, range_check::any);
    if (Refractory) f("tau_ref", p.tau_ref, range_check::non_negative);
  }
  static const char* validate(const params& p) {
    if (p.c.value >= p.V_th.value) return "c (the reset potential) must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {static_cast<real_t>(dt),
            static_cast<real_t>(p.b.value),
            static_cast<real_t>(p.c.value),
            static_cast<real_t>(p.d.value),
            static_cast<real_t>(p.V_th.value),
            static_cast<real_t>(-std::expm1(-p.a.value * dt)),
            static_cast<real_t>(Refractory ? std::round(p.tau_ref.value / dt) : 0.0)};
  }
  static void initial_state(const params&, real_t* s) {
    s[V] = real_t(-65.0);  // brainpy.state initializers: V -65 mV, u 0 mV/ms (not b V)
    s[u] = 0;
    if constexpr (Refractory) s[refractory] = 0;
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / |V_th| (brainpy.state: (V - V_th) / V_th; see diff::threshold_scale). A reset
  // writes V and u.
  static constexpr int n_diff_state = 2;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 2> reset_targets{V, u};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t*, const real_t* f, real_t* r) {
    r[V] = c.c;
    r[u] = f[u] + c.d;
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants&, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = 0;
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v0 = s[V], u0 = s[u];
    const real_t dv = (real_t(0.04) * v0 + real_t(5)) * v0 + real_t(140) - u0 + in.current;
    const real_t J = real_t(0.08) * v0 + real_t(5);
    const real_t v1 = v0 + exp_euler_step_size(J, c.dt) * dv + in.delta_v;
    s[V] = v1;
    s[u] = u0 + c.u_gain * (c.b * v1 - u0);
  }
  // V_new = V + h(J) F: dV_new/dV = 1 + h'(J) 0.08 F + h J (dF/dV = J); u_new = u + g (b V_new - u).
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* Jm, real_t* dI) {
    diff::identity_jacobian(n_state, Jm, dI);
    const real_t v0 = s[V], u0 = s[u];
    const real_t dv = (real_t(0.04) * v0 + real_t(5)) * v0 + real_t(140) - u0 + in.current;
    const real_t J = real_t(0.08) * v0 + real_t(5);
    const real_t h = exp_euler_step_size(J, c.dt);
    const real_t dv_dv = real_t(1) + diff::step_size_grad(J, c.dt) * real_t(0.08) * dv + h * J;
    const real_t k = c.u_gain * c.b;  // d u_new / d V_new, 1/ms
    Jm[V * n_state + V] = dv_dv;
    Jm[V * n_state + u] = -h;  // ms
    Jm[u * n_state + V] = k * dv_dv;
    Jm[u * n_state + u] = real_t(1) - c.u_gain - k * h;
    dI[V] = h;  // mV/pA (1 pA = 1 mV/ms)
    dI[u] = k * h;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / diff::threshold_scale(c.V_th);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    for (int q = 0; q < n_state; ++q) g[q] = 0;
    g[V] = real_t(1) / diff::threshold_scale(c.V_th);  // 1/mV
  }

  // One step of one neuron; true on a spike. Branch-free: selects, no jumps.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool held = Refractory && s[Refractory ? refractory : 0] > 0;
    real_t f[n_state];
    for (int q = 0; q < n_state; ++q) f[q] = s[q];
    free_update(c, f, in);
    for (int q = 0; q < n_diff_state; ++q) f[q] = held ? s[q] : f[q];  // a held neuron keeps its state
    const real_t v = f[V];
    const real_t un = f[u];
    const bool spike = v >= c.V_th;
    real_t r[n_state];
    reset_state(c, s, f, r);
    s[V] = spike ? r[V] : v;
    s[u] = spike ? r[u] : un;
    if constexpr (Refractory) s[refractory] = spike ? c.ref_steps : (held ? s[refractory] - 1 : real_t(0));
    return spike;
  }
};

using Izhikevich = izhikevich_family<false>;
using IzhikevichRef = izhikevich_family<true>;

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::Izhikevich)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::IzhikevichRef)
