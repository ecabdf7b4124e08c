#pragma once
// brainpy.state's MorrisLecar neuron (Morris & Lecar 1981; names, parameters and defaults as brainpy.state).
//
//   C dV/dt = -g_Ca M_inf(V) (V - V_Ca) - g_K W (V - V_K) - g_leak (V - V_leak) + I
//   dW/dt   = (W_inf(V) - W) / tau_W(V)
//   M_inf = (1 + tanh((V - V1)/V2)) / 2,  W_inf = (1 + tanh((V - V3)/V4)) / 2,  tau_W = 1 / (phi cosh((V - V3)/(2 V4)))
//
// Units as for HH (models/hh.hpp): brainpy.state's mS, uF, uA are lowered exactly into nS, pF, pA.
// One step, exponential Euler as in models/hh.hpp: W relaxes exactly to W_inf with V frozen; V relaxes exactly with
// its conductances (M_inf, W) frozen at the start-of-step V (brainpy.state's closure gives J = 0 there, i.e. forward
// Euler; see hh.hpp). Delta inputs are added to V afterwards. A spike is the upward crossing of V_th; no reset.
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/hh.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct morris_lecar_params {
  units::voltage_q V_Ca{130.0};
  units::conductance_q g_Ca{4.4e6};  // 4.4 mS
  units::voltage_q V_K{-84.0};
  units::conductance_q g_K{8e6};  // 8 mS
  units::voltage_q V_leak{-60.0};
  units::conductance_q g_leak{2e6};  // 2 mS
  units::capacitance_q C{20e6};      // 20 uF
  units::voltage_q V1{-1.2};
  units::voltage_q V2{18.0};
  units::voltage_q V3{2.0};
  units::voltage_q V4{30.0};
  units::rate_q phi{0.04};  // 1/ms
  units::voltage_q V_th{10.0};
};

struct morris_lecar_constants {
  real_t g_Ca, g_K, g_leak;       // 1/ms: conductances / C
  real_t V_Ca, V_K, V_leak;       // mV
  real_t inv_C;                   // 1/pF
  real_t V1, inv_V2, V3, inv_V4;  // mV, 1/mV
  real_t phi;                     // 1/ms
  real_t V_th;                    // mV
  real_t dt;                      // ms
};

struct MorrisLecar {
  static constexpr const char* name = "MorrisLecar";
  static constexpr const char* description = "Morris-Lecar neuron, Ca + K (brainpy.state MorrisLecar)";
  enum : int { V, W, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V", units::dims::voltage}, {"W", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = morris_lecar_params;
  using constants = morris_lecar_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_Ca", p.V_Ca, range_check::any);
    f("g_Ca", p.g_Ca, range_check::non_negative);
    f("V_K", p.V_K, range_check::any);
    f("g_K", p.g_K, range_check::non_negative);
    f("V_leak", p.V_leak, range_check::any);
    f("g_leak", p.g_leak, range_check::non_negative);
    f("C", p.C, range_check::positive);
    f("V1", p.V1, range_check::any);
    f("V2", p.V2, range_check::positive);
    f("V3", p.V3, range_check::any);
    f("V4", p.V4, range_check::positive);
    f("phi", p.phi, range_check::positive);
    f("V_th", p.V_th, range_check::any);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double dt) {
    const double C = p.C.value;
    return {static_cast<real_t>(p.g_Ca.value / C),
            static_cast<real_t>(p.g_K.value / C),
            static_cast<real_t>(p.g_leak.value / C),
            static_cast<real_t>(p.V_Ca.value),
            static_cast<real_t>(p.V_K.value),
            static_cast<real_t>(p.V_leak.value),
            static_cast<real_t>(1.0 / C),
            static_cast<real_t>(p.V1.value),
            static_cast<real_t>(1.0 / p.V2.value),
            static_cast<real_t>(p.V3.value),
            static_cast<real_t>(1.0 / p.V4.value),
            static_cast<real_t>(p.phi.value),
            static_cast<real_t>(p.V_th.value),
            static_cast<real_t>(dt)};
  }
  // V = -65 mV (the middle of brainpy.state's Uniform(-70, -60) mV), W = 0.02 (its constant initializer).
  static void initial_state(const params&, real_t* s) {
    s[V] = -65;
    s[W] = real_t(0.02);
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / |V_th| (as HH: brainpy.state's (V - V_th) / V_th; see diff::threshold_scale),
  // spike on the rising edge H(x(s_new)) (1 - H(x(s_old))). No reset.
  static constexpr int n_diff_state = 2;
  static constexpr bool spike_on_rising_edge = true;
  static constexpr std::array<int, 0> reset_targets{};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v = s[V], w = s[W];
    const real_t M_inf = real_t(0.5) * (real_t(1) + std::tanh((v - c.V1) * c.inv_V2));
    const real_t W_inf = real_t(0.5) * (real_t(1) + std::tanh((v - c.V3) * c.inv_V4));
    const real_t rate_W = c.phi * std::cosh((v - c.V3) * (real_t(0.5) * c.inv_V4));  // 1 / tau_W
    const real_t g_ca = c.g_Ca * M_inf, g_k = c.g_K * w;
    const real_t f = g_ca * (c.V_Ca - v) + g_k * (c.V_K - v) + c.g_leak * (c.V_leak - v) + in.current * c.inv_C;
    const real_t v_new = gating::membrane_step(v, f, g_ca + g_k + c.g_leak, c.dt) + in.delta_v;
    s[W] = gating::relax_step(w, W_inf, rate_W, c.dt);
    s[V] = v_new;
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* J, real_t* dI) {
    const real_t v = s[V], w = s[W];
    const real_t tm = std::tanh((v - c.V1) * c.inv_V2), tw = std::tanh((v - c.V3) * c.inv_V4);
    const real_t M_inf = real_t(0.5) * (real_t(1) + tm);
    const real_t W_inf = real_t(0.5) * (real_t(1) + tw);
    const real_t u = (v - c.V3) * (real_t(0.5) * c.inv_V4);
    const real_t rate_W = c.phi * std::cosh(u);
    const real_t g_ca = c.g_Ca * M_inf, g_k = c.g_K * w;
    const real_t G = g_ca + g_k + c.g_leak;  // 1/ms
    const real_t f = g_ca * (c.V_Ca - v) + g_k * (c.V_K - v) + c.g_leak * (c.V_leak - v) + in.current * c.inv_C;
    real_t d_f, d_g;  // membrane_step's partials (ms, ms mV)
    diff::membrane_step_grad(f, G, c.dt, d_f, d_g);
    const real_t dca_dv = c.g_Ca * real_t(0.5) * (real_t(1) - tm * tm) * c.inv_V2;  // 1/(ms mV)
    J[V * n_state + V] = real_t(1) + d_f * (dca_dv * (c.V_Ca - v) - G) + d_g * dca_dv;
    J[V * n_state + W] = c.g_K * (d_f * (c.V_K - v) + d_g);
    const real_t dW_inf = real_t(0.5) * (real_t(1) - tw * tw) * c.inv_V4;  // 1/mV
    const real_t drate = c.phi * std::sinh(u) * (real_t(0.5) * c.inv_V4);  // 1/(ms mV)
    J[W * n_state + W] = diff::relax_step_grad(w, W_inf, rate_W, dW_inf, drate, c.dt, J[W * n_state + V]);
    dI[V] = d_f * c.inv_C;  // mV/pA
    dI[W] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / diff::threshold_scale(c.V_th);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    g[V] = real_t(1) / diff::threshold_scale(c.V_th);  // 1/mV
    g[W] = 0;
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v = s[V];
    free_update(c, s, in);
    return gating::crossed_up(v, s[V], c.V_th);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::MorrisLecar)
