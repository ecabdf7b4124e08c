#pragma once
// NEST's izhikevich (model name "izhikevich"; the C++ struct is izhikevich_nest, apart from the BrainPy-style
// Izhikevich of models/izhikevich.hpp): the Izhikevich (2003) neuron with NEST's forward-Euler schemes.
//
//   dV/dt = 0.04 V^2 + 5 V + 140 - U + I + I_e     (V mV, t ms; the constants 0.04/(ms mV), 5/ms, 140 mV/ms fixed)
//   dU/dt = a (b V - U)
// NEST gives a, b, d and U no units; I and I_e are in pA and enter dV/dt as mV/ms (1 pA = 1 mV/ms, an implicit
// 1 pF). Spike weights w (mV) arrive through the delta channel (in.delta_v; no ports).
//
// One step of h = dt (NEST 3 update()), I the current set in the previous step (see tests/support/nest_reference.hpp):
//   consistent_integration = true (default), forward Euler from the start of the step, weights added to V:
//     V' = V + (h f(V, U) + w),  U' = U + h a (b V - U),   f(V, U) = 0.04 V^2 + 5 V + 140 - U + I + I_e
//   consistent_integration = false (Izhikevich 2003's published scheme): two half steps of V with the old U, the
//   weight taken as a current (so it moves V by about h w, not w), then U from the new V:
//     V1 = V + h/2 (f(V, U) + w),  V' = V1 + h/2 (f(V1, U) + w),  U' = U + h a (b V' - U)
// then V' is bounded below by V_min, and V' >= V_th is a spike: V = c, U += d, in the same step. No refractoriness.
// Initial state: V_m = -65 mV and U_m = -13 whatever the parameters (NEST 3.10's fixed initial values; b V_m only
// at the default b).
// The arithmetic follows NEST's expressions term by term (the scheme amplifies rounding differences near a spike).
#include <array>
#include <cmath>
#include <limits>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct izhikevich_nest_params {
  units::dimensionless_q a{0.02};
  units::dimensionless_q b{0.2};
  units::voltage_q c{-65.0};
  units::dimensionless_q d{8.0};
  units::current_q I_e{0.0};
  units::voltage_q V_th{30.0};
  // NEST's default -DBL_MAX (no lower bound)
  units::voltage_q V_min{-1.7976931348623157e308};
  bool consistent_integration = true;
};

struct izhikevich_nest_constants {
  real_t h, half_h, h_a;  // dt, dt/2, dt a
  real_t b, c, d;
  real_t I_e;
  real_t V_th, V_min;
  real_t consistent;  // 1 or 0
};

struct izhikevich_nest {
  static constexpr const char* name = "izhikevich";
  static constexpr const char* description =
      "NEST izhikevich: Izhikevich (2003) neuron, NEST's forward Euler (consistent_integration) or the published "
      "half-step scheme; weights in mV";
  enum : int { V_m, U_m, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V_m", units::dims::voltage}, {"U_m", units::dims::none}}};
  // No ports: a connection without receptor whose weights are voltages goes to the delta channel (in.delta_v).
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = izhikevich_nest_params;
  using constants = izhikevich_nest_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {  // NEST checks none of them
    f("a", p.a, range_check::any);
    f("b", p.b, range_check::any);
    f("c", p.c, range_check::any);
    f("d", p.d, range_check::any);
    f("I_e", p.I_e, range_check::any);
    f("V_th", p.V_th, range_check::any);
    f("V_min", p.V_min, range_check::any);
    f("consistent_integration", p.consistent_integration, range_check::any);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double h) {
    auto r = [](double v) { return static_cast<real_t>(v); };
    // V_min's default (-DBL_MAX) must stay a real_t (no overflow to -inf when real_t is float)
    const double lowest = static_cast<double>(std::numeric_limits<real_t>::lowest());
    return {r(h),
            r(h * 0.5),
            r(h * p.a.value),
            r(p.b.value),
            r(p.c.value),
            r(p.d.value),
            r(p.I_e.value),
            r(p.V_th.value),
            r(p.V_min.value < lowest ? lowest : p.V_min.value),
            p.consistent_integration ? real_t(1) : real_t(0)};
  }
  static void initial_state(const params&, real_t* s) {
    s[V_m] = real_t(-65.0);
    s[U_m] = real_t(-13.0);
  }

  // Both schemes are evaluated and one is selected (branch-free; a handful of flops).
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v = s[V_m], u = s[U_m];
    const real_t I = in.current, w = in.delta_v;
    // consistent_integration: forward Euler from (v, u)
    const real_t v_euler = v + (c.h * (real_t(0.04) * v * v + real_t(5.0) * v + real_t(140.0) - u + I + c.I_e) + w);
    const real_t u_euler = u + c.h_a * (c.b * v - u);
    // published scheme: two half steps of V with u held, the weight as a current, then u from the new V
    const real_t v_half = v + c.half_h * (real_t(0.04) * v * v + real_t(5.0) * v + real_t(140.0) - u + I + c.I_e + w);
    const real_t v_pub =
        v_half + c.half_h * (real_t(0.04) * v_half * v_half + real_t(5.0) * v_half + real_t(140.0) - u + I + c.I_e + w);
    const real_t u_pub = u + c.h_a * (c.b * v_pub - u);
    const bool consistent = c.consistent != 0;
    real_t v_new = consistent ? v_euler : v_pub;
    real_t u_new = consistent ? u_euler : u_pub;
    v_new = v_new < c.V_min ? c.V_min : v_new;
    const bool spike = v_new >= c.V_th;
    s[V_m] = spike ? c.c : v_new;
    s[U_m] = spike ? u_new + c.d : u_new;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::izhikevich_nest)
