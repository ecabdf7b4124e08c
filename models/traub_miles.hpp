#pragma once
// Traub-Miles Hodgkin-Huxley neuron of the COBAHH benchmark (Brette et al. 2007, benchmark 3; the cell of
// Brian2's and BrainPy's COBAHH examples). Not a brainpy.state class: it is the neuron those benchmarks define.
//
//   C dV/dt = gL (EL - V) - gNa m^3 h (V - ENa) - gK n^4 (V - EK) + I
//   dx/dt   = alpha_x(V) (1 - x) - beta_x(V) x,   x in {m, h, n};  u = V - V_T (mV), rates in 1/ms:
//   alpha_m = 0.32 (13 - u) / (exp((13 - u)/4) - 1)    beta_m = 0.28 (u - 40) / (exp((u - 40)/5) - 1)
//   alpha_h = 0.128 exp((17 - u)/18)                   beta_h = 4 / (1 + exp((40 - u)/5))
//   alpha_n = 0.032 (15 - u) / (exp((15 - u)/5) - 1)   beta_n = 0.5 exp((10 - u)/40)
// Defaults (area 20000 um^2): C 200 pF, gL 10 nS, EL -60 mV, gNa 20 uS, ENa 50 mV, gK 6 uS, EK -90 mV,
// V_T -63 mV; a spike is the upward crossing of V_th = -20 mV. The 0/0 points take their limits (gating::linoid).
// Integration: the exponential-Euler scheme of models/hh.hpp (gates exact with V frozen, V relaxing exactly
// towards the conductance-weighted reversal potential with the conductances frozen over the step).
#include "models/compiled_in_library.hpp"
#include "models/hh.hpp"

namespace volley::models {

struct traub_miles_params {
  units::capacitance_q C{200.0};  // pF
  units::conductance_q gL{10.0};  // nS
  units::voltage_q EL{-60.0};
  units::conductance_q gNa{20000.0};  // 20 uS
  units::voltage_q ENa{50.0};
  units::conductance_q gK{6000.0};  // 6 uS
  units::voltage_q EK{-90.0};
  units::voltage_q V_T{-63.0};   // shifts every rate function
  units::voltage_q V_th{-20.0};  // spike: upward crossing
};

struct traub_miles_constants {
  real_t gNa, gK, gL;             // 1/ms: conductances / C
  real_t ENa, EK, EL, V_T, V_th;  // mV
  real_t inv_C;                   // 1/pF
  real_t dt;                      // ms
};

struct TraubMilesHH {
  static constexpr const char* name = "TraubMilesHH";
  static constexpr const char* description =
      "Hodgkin-Huxley neuron with Traub-Miles kinetics (the COBAHH benchmark cell, Brette et al. 2007)";
  enum : int { V, m, h, n, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V", units::dims::voltage}, {"m", units::dims::none}, {"h", units::dims::none}, {"n", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = traub_miles_params;
  using constants = traub_miles_constants;

  // Rates at u = V - V_T (mV), 1/ms, written with the shared gating helpers.
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_m(real_t u) { return gating::linoid(u, real_t(1.28), -13, 4); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_m(real_t u) { return gating::linoid(u, real_t(1.4), -40, -5); }
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_h(real_t u) { return gating::exp_rate(u, real_t(0.128), -17, 18); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_h(real_t u) { return gating::sigmoid_rate(u, 4, -40, 5); }
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_n(real_t u) { return gating::linoid(u, real_t(0.16), -15, 5); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_n(real_t u) { return gating::exp_rate(u, real_t(0.5), -10, 40); }

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("C", p.C, range_check::positive);
    f("gL", p.gL, range_check::non_negative);
    f("EL", p.EL, range_check::any);
    f("gNa", p.gNa, range_check::non_negative);
    f("ENa", p.ENa, range_check::any);
    f("gK", p.gK, range_check::non_negative);
    f("EK", p.EK, range_check::any);
    f("V_T", p.V_T, range_check::any);
    f("V_th", p.V_th, range_check::any);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double dt) {
    const double C = p.C.value;
    return {static_cast<real_t>(p.gNa.value / C), static_cast<real_t>(p.gK.value / C),
            static_cast<real_t>(p.gL.value / C),  static_cast<real_t>(p.ENa.value),
            static_cast<real_t>(p.EK.value),      static_cast<real_t>(p.EL.value),
            static_cast<real_t>(p.V_T.value),     static_cast<real_t>(p.V_th.value),
            static_cast<real_t>(1.0 / C),         static_cast<real_t>(dt)};
  }
  // V = EL, gates at their steady state there. Gates are not recomputed when a spec overrides V (the benchmark's
  // EL + (5 randn - 5) mV); give m, h, n too for an exact steady start.
  static void initial_state(const params& p, real_t* s) {
    const real_t v = static_cast<real_t>(p.EL.value), u = v - static_cast<real_t>(p.V_T.value);
    s[V] = v;
    s[m] = alpha_m(u) / (alpha_m(u) + beta_m(u));
    s[h] = alpha_h(u) / (alpha_h(u) + beta_h(u));
    s[n] = alpha_n(u) / (alpha_n(u) + beta_n(u));
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    static_assert(V == 0 && m == 1 && h == 2 && n == 3, "gating::m3h_n4_step's state layout");
    const real_t v = s[V];
    gating::m3h_n4_step<TraubMilesHH>(s, v - c.V_T, c.gNa, c.gK, c.gL, c.ENa, c.EK, c.EL, c.inv_C, c.dt, in.current,
                                      in.delta_v);
    return gating::crossed_up(v, s[V], c.V_th);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::TraubMilesHH)
