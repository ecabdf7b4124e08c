#pragma once
// Hodgkin-Huxley-type neurons of brainpy.state: HH (classic squid axon) and WangBuzsakiHH (hippocampal
// interneuron, Wang & Buzsaki 1996). Names, parameter names and defaults as brainpy.state; the gating helpers
// in `gating` are shared with models/morris_lecar.hpp.
//
// HH:             C dV/dt = -gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL) + I
//                 dx/dt   = alpha_x(V) (1 - x) - beta_x(V) x,  x in {m, h, n}
// WangBuzsakiHH:  C dV/dt = -gNa m_inf(V)^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL) + I
//                 dx/dt   = phi (alpha_x(V) (1 - x) - beta_x(V) x),  x in {h, n};  m_inf = alpha_m / (alpha_m + beta_m)
// Rate functions (V in mV, rates in 1/ms):
//   HH   alpha_m = 0.1 (V+40) / (1 - exp(-(V+40)/10))    beta_m = 4 exp(-(V+65)/18)
//        alpha_h = 0.07 exp(-(V+65)/20)                  beta_h = 1 / (1 + exp(-(V+35)/10))
//        alpha_n = 0.01 (V+55) / (1 - exp(-(V+55)/10))   beta_n = 0.125 exp(-(V+65)/80)
//   WB   alpha_m = 0.1 (V+35) / (1 - exp(-0.1 (V+35)))   beta_m = 4 exp(-(V+60)/18)
//        alpha_h = 0.07 exp(-(V+58)/20)                  beta_h = 1 / (1 + exp(-0.1 (V+28)))
//        alpha_n = 0.01 (V+34) / (1 - exp(-0.1 (V+34)))  beta_n = 0.125 exp(-(V+44)/80)
// The 0/0 points (V = -40, -55 for HH; -35, -34 for WB) take their limits (see gating::linoid).
// WB alpha_n: as the paper and brainpy.state's own docstring. brainpy.state's code computes 10x this rate
// (1 / exprel(-0.1 (V+34)) without the 0.01 / 0.1 factor), which leaves the model unable to spike at any current.
//
// Units: brainpy.state writes conductances in mS, C in uF and currents in uA (all per "cm^2" of its
// dimensionless membrane). Internally they are nS, pF, pA, lowered exactly (1 mS = 1e6 nS, 1 uF = 1e6 pF,
// 1 uA = 1e6 pA), so g/C and I/C (1/ms, mV/ms) are the same numbers as in brainpy.state: 10 uA here is its 10 uA.
//
// One step (brainstate.nn.exp_euler_step, every variable with the others held at the start-of-step values):
//   x <- x + dt phi(dt J) f(x),  phi(z) = (e^z - 1)/z,  J = df/dx.
// Gates: exact for the step with V frozen (x relaxes to alpha/(alpha+beta) at rate alpha+beta).
// V: J = -(gNa m^3 h + gK n^4 + gL)/C, i.e. V relaxes exactly towards the conductance-weighted reversal potential
// with the conductances (and m_inf) frozen at the start-of-step V. brainpy.state passes exp_euler_step a closure
// that holds the ionic currents fixed, so its J is 0 and V takes a forward-Euler step; that diverges for
// dt >= ~0.08 ms on HH, hence the linear part is kept here. Both are first order and converge to the same solution.
// Then delta inputs are added to V. A spike is the upward crossing of V_th (V >= V_th after the step, V < V_th
// before it, so the state needs nothing extra); there is no reset. (brainpy.state's get_spike is
// heaviside((V - V_th) / V_th): 1 in every step with V >= V_th while V_th > 0; its spk_reset argument is unused.)
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/exp_euler.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

namespace gating {

using models::exprel;

// "Linoid" rate A x / (e^x - 1), x = -(V + V_half)/slope: k (V + V_half) / (1 - exp(-(V + V_half)/slope)) with
// A = k slope, the rate at the singular point V = -V_half. 1/ms.
VOLLEY_HD VOLLEY_INLINE real_t linoid(real_t v, real_t A, real_t V_half, real_t slope) {
  return A / exprel(-(v + V_half) / slope);
}
// a exp(-(V + V_half)/slope), 1/ms.
VOLLEY_HD VOLLEY_INLINE real_t exp_rate(real_t v, real_t a, real_t V_half, real_t slope) {
  return a * portable_exp(-(v + V_half) / slope);
}
// a / (1 + exp(-(V + V_half)/slope)), 1/ms.
VOLLEY_HD VOLLEY_INLINE real_t sigmoid_rate(real_t v, real_t a, real_t V_half, real_t slope) {
  return a / (real_t(1) + portable_exp(-(v + V_half) / slope));
}

// Exact step of dx/dt = rate (x_inf - x) over dt (ms): the exponential-Euler step of a linear equation.
VOLLEY_HD VOLLEY_INLINE real_t relax_step(real_t x, real_t x_inf, real_t rate, real_t dt) {
  return x + (x_inf - x) * -portable_expm1(-rate * dt);
}
// Exact step of dx/dt = alpha (1 - x) - beta x with the rates (1/ms) frozen.
VOLLEY_HD VOLLEY_INLINE real_t gate_step(real_t x, real_t alpha, real_t beta, real_t dt) {
  const real_t s = alpha + beta;
  return relax_step(x, alpha / s, s, dt);
}
// Exponential-Euler step of dV/dt = f, f linear in V with slope -g_total (1/ms): V + dt phi(-dt g_total) f.
VOLLEY_HD VOLLEY_INLINE real_t membrane_step(real_t v, real_t f, real_t g_total, real_t dt) {
  return v + dt * exprel(-dt * g_total) * f;
}

VOLLEY_HD VOLLEY_INLINE bool crossed_up(real_t v_before, real_t v_after, real_t threshold) {
  return (v_after >= threshold) & (v_before < threshold);
}

// One step of a membrane with g_Na = gNa m^3 h and g_K = gK n^4 (conductances per C, 1/ms; input current in pA
// through inv_C, 1/pF). State s = {V, m, h, n}; the gates' rates are Kinetics::alpha_x(u), beta_x(u) at u, the
// start-of-step V (HH) or V - V_T (Traub-Miles). Delta input (mV) is added to V after the step.
template <class Kinetics>
VOLLEY_HD VOLLEY_INLINE void m3h_n4_step(real_t* s, real_t u, real_t gNa, real_t gK, real_t gL, real_t ENa, real_t EK,
                                          real_t EL, real_t inv_C, real_t dt, real_t current, real_t delta_v) {
  const real_t v = s[0], m0 = s[1], h0 = s[2], n0 = s[3];
  const real_t g_na = gNa * m0 * m0 * m0 * h0;
  const real_t g_k = gK * (n0 * n0) * (n0 * n0);
  const real_t f = g_na * (ENa - v) + g_k * (EK - v) + gL * (EL - v) + current * inv_C;
  const real_t v_new = membrane_step(v, f, g_na + g_k + gL, dt) + delta_v;
  s[1] = gate_step(m0, Kinetics::alpha_m(u), Kinetics::beta_m(u), dt);
  s[2] = gate_step(h0, Kinetics::alpha_h(u), Kinetics::beta_h(u), dt);
  s[3] = gate_step(n0, Kinetics::alpha_n(u), Kinetics::beta_n(u), dt);
  s[0] = v_new;
}

}  // namespace gating

// Rate functions of the two models (V in mV, 1/ms).
struct hh_kinetics {
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_m(real_t v) { return gating::linoid(v, 1, 40, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_m(real_t v) { return gating::exp_rate(v, 4, 65, 18); }
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_h(real_t v) { return gating::exp_rate(v, real_t(0.07), 65, 20); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_h(real_t v) { return gating::sigmoid_rate(v, 1, 35, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_n(real_t v) { return gating::linoid(v, real_t(0.1), 55, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_n(real_t v) { return gating::exp_rate(v, real_t(0.125), 65, 80); }
  // d/dV (1/(ms mV))
  VOLLEY_HD VOLLEY_INLINE static real_t d_alpha_m(real_t v) { return diff::linoid_grad(v, 1, 40, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_beta_m(real_t v) { return diff::exp_rate_grad(v, 4, 65, 18); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_alpha_h(real_t v) { return diff::exp_rate_grad(v, real_t(0.07), 65, 20); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_beta_h(real_t v) { return diff::sigmoid_rate_grad(v, 1, 35, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_alpha_n(real_t v) { return diff::linoid_grad(v, real_t(0.1), 55, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_beta_n(real_t v) { return diff::exp_rate_grad(v, real_t(0.125), 65, 80); }
};

struct wang_buzsaki_kinetics {
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_m(real_t v) { return gating::linoid(v, 1, 35, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_m(real_t v) { return gating::exp_rate(v, 4, 60, 18); }
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_h(real_t v) { return gating::exp_rate(v, real_t(0.07), 58, 20); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_h(real_t v) { return gating::sigmoid_rate(v, 1, 28, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t alpha_n(real_t v) { return gating::linoid(v, real_t(0.1), 34, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t beta_n(real_t v) { return gating::exp_rate(v, real_t(0.125), 44, 80); }
  VOLLEY_HD VOLLEY_INLINE static real_t m_inf(real_t v) {
    const real_t a = alpha_m(v);
    return a / (a + beta_m(v));
  }
  // d/dV (1/(ms mV); d_m_inf 1/mV)
  VOLLEY_HD VOLLEY_INLINE static real_t d_alpha_h(real_t v) { return diff::exp_rate_grad(v, real_t(0.07), 58, 20); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_beta_h(real_t v) { return diff::sigmoid_rate_grad(v, 1, 28, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_alpha_n(real_t v) { return diff::linoid_grad(v, real_t(0.1), 34, 10); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_beta_n(real_t v) { return diff::exp_rate_grad(v, real_t(0.125), 44, 80); }
  VOLLEY_HD VOLLEY_INLINE static real_t d_m_inf(real_t v) {
    const real_t a = alpha_m(v), b = beta_m(v);
    const real_t da = diff::linoid_grad(v, 1, 35, 10), db = diff::exp_rate_grad(v, 4, 60, 18);
    return (da * b - a * db) / ((a + b) * (a + b));
  }
};

// brainpy.state HH defaults; WangBuzsakiHH::defaults() sets its own values and phi.
struct hh_params {
  units::voltage_q ENa{50.0};
  units::conductance_q gNa{120e6};  // 120 mS
  units::voltage_q EK{-77.0};
  units::conductance_q gK{36e6};  // 36 mS
  units::voltage_q EL{-54.387};
  units::conductance_q gL{0.03e6};  // 0.03 mS
  units::voltage_q V_th{20.0};
  units::capacitance_q C{1e6};      // 1 uF
  units::dimensionless_q phi{1.0};  // WangBuzsakiHH only (temperature factor of h and n)
};

struct hh_constants {
  real_t gNa, gK, gL;  // 1/ms: maximal conductances / C
  real_t ENa, EK, EL;  // mV
  real_t inv_C;        // 1/pF: input current (pA) -> dV/dt (mV/ms)
  real_t V_th;         // mV
  real_t phi;          // 1 for HH
  real_t dt;           // ms
};

namespace hh_detail {
template <class P, class F>
void each_hh_param(P& p, F&& f) {
  f("ENa", p.ENa, range_check::any);
  f("gNa", p.gNa, range_check::non_negative);
  f("EK", p.EK, range_check::any);
  f("gK", p.gK, range_check::non_negative);
  f("EL", p.EL, range_check::any);
  f("gL", p.gL, range_check::non_negative);
  f("V_th", p.V_th, range_check::any);
}
inline hh_constants derive_hh(const hh_params& p, double dt) {
  const double C = p.C.value;
  return {static_cast<real_t>(p.gNa.value / C), static_cast<real_t>(p.gK.value / C),
          static_cast<real_t>(p.gL.value / C),  static_cast<real_t>(p.ENa.value),
          static_cast<real_t>(p.EK.value),      static_cast<real_t>(p.EL.value),
          static_cast<real_t>(1.0 / C),         static_cast<real_t>(p.V_th.value),
          static_cast<real_t>(p.phi.value),     static_cast<real_t>(dt)};
}
}  // namespace hh_detail

struct HH {
  static constexpr const char* name = "HH";
  static constexpr const char* description = "Hodgkin-Huxley neuron, classic squid-axon kinetics (brainpy.state HH)";
  enum : int { V, m, h, n, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V", units::dims::voltage}, {"m", units::dims::none}, {"h", units::dims::none}, {"n", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = hh_params;
  using constants = hh_constants;
  using kinetics = hh_kinetics;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    hh_detail::each_hh_param(p, f);
    f("C", p.C, range_check::positive);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double dt) { return hh_detail::derive_hh(p, dt); }
  // V = -65 mV (the middle of brainpy.state's Uniform(-70, -60) mV), gates at their steady state there.
  // Gates are not recomputed when a spec overrides V; give m, h, n too in that case.
  static void initial_state(const params&, real_t* s) {
    const real_t v = -65;
    s[V] = v;
    s[m] = kinetics::alpha_m(v) / (kinetics::alpha_m(v) + kinetics::beta_m(v));
    s[h] = kinetics::alpha_h(v) / (kinetics::alpha_h(v) + kinetics::beta_h(v));
    s[n] = kinetics::alpha_n(v) / (kinetics::alpha_n(v) + kinetics::beta_n(v));
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / |V_th| (brainpy.state: (V - V_th) / V_th; see diff::threshold_scale), spike on
  // the rising edge H(x(s_new)) (1 - H(x(s_old))). No reset.
  static constexpr int n_diff_state = 4;
  static constexpr bool spike_on_rising_edge = true;
  static constexpr std::array<int, 0> reset_targets{};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    static_assert(V == 0 && m == 1 && h == 2 && n == 3, "gating::m3h_n4_step's state layout");
    gating::m3h_n4_step<kinetics>(s, s[V], c.gNa, c.gK, c.gL, c.ENa, c.EK, c.EL, c.inv_C, c.dt, in.current,
                                  in.delta_v);
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* J, real_t* dI) {
    const real_t v = s[V], m0 = s[m], h0 = s[h], n0 = s[n];
    const real_t g_na = c.gNa * m0 * m0 * m0 * h0;
    const real_t g_k = c.gK * (n0 * n0) * (n0 * n0);
    const real_t G = g_na + g_k + c.gL;  // 1/ms
    const real_t f = g_na * (c.ENa - v) + g_k * (c.EK - v) + c.gL * (c.EL - v) + in.current * c.inv_C;
    real_t d_f, d_g;  // membrane_step's partials (ms, ms mV)
    diff::membrane_step_grad(f, G, c.dt, d_f, d_g);
    const real_t dna_dm = real_t(3) * c.gNa * m0 * m0 * h0, dna_dh = c.gNa * m0 * m0 * m0;
    const real_t dk_dn = real_t(4) * c.gK * n0 * n0 * n0;
    J[V * n_state + V] = real_t(1) - d_f * G;
    J[V * n_state + m] = dna_dm * (d_f * (c.ENa - v) + d_g);
    J[V * n_state + h] = dna_dh * (d_f * (c.ENa - v) + d_g);
    J[V * n_state + n] = dk_dn * (d_f * (c.EK - v) + d_g);
    const real_t x0[3] = {m0, h0, n0};
    const real_t a[3] = {kinetics::alpha_m(v), kinetics::alpha_h(v), kinetics::alpha_n(v)};
    const real_t b[3] = {kinetics::beta_m(v), kinetics::beta_h(v), kinetics::beta_n(v)};
    const real_t da[3] = {kinetics::d_alpha_m(v), kinetics::d_alpha_h(v), kinetics::d_alpha_n(v)};
    const real_t db[3] = {kinetics::d_beta_m(v), kinetics::d_beta_h(v), kinetics::d_beta_n(v)};
    for (int k = 0; k < 3; ++k) {
      const int q = m + k;
      for (int r = 0; r < n_state; ++r) J[q * n_state + r] = 0;
      J[q * n_state + q] = diff::gate_step_grad(x0[k], a[k], b[k], da[k], db[k], c.dt, J[q * n_state + V]);
      dI[q] = 0;
    }
    dI[V] = d_f * c.inv_C;  // mV/pA
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / diff::threshold_scale(c.V_th);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    for (int q = 0; q < n_state; ++q) g[q] = 0;
    g[V] = real_t(1) / diff::threshold_scale(c.V_th);  // 1/mV
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v = s[V];
    free_update(c, s, in);
    return gating::crossed_up(v, s[V], c.V_th);
  }
};

struct WangBuzsakiHH {
  static constexpr const char* name = "WangBuzsakiHH";
  static constexpr const char* description =
      "Wang-Buzsaki interneuron: HH-type with instantaneous Na activation (brainpy.state WangBuzsakiHH)";
  enum : int { V, h, n, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V", units::dims::voltage}, {"h", units::dims::none}, {"n", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = hh_params;
  using constants = hh_constants;
  using kinetics = wang_buzsaki_kinetics;

  static params defaults() {
    params p;
    p.ENa = units::voltage_q(55.0);
    p.gNa = units::conductance_q(35e6);  // 35 mS
    p.EK = units::voltage_q(-90.0);
    p.gK = units::conductance_q(9e6);  // 9 mS
    p.EL = units::voltage_q(-65.0);
    p.gL = units::conductance_q(0.1e6);  // 0.1 mS
    p.V_th = units::voltage_q(20.0);
    p.phi = units::dimensionless_q(5.0);
    p.C = units::capacitance_q(1e6);  // 1 uF
    return p;
  }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    hh_detail::each_hh_param(p, f);
    f("phi", p.phi, range_check::positive);
    f("C", p.C, range_check::positive);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double dt) { return hh_detail::derive_hh(p, dt); }
  // brainpy.state's constant initializers
  static void initial_state(const params&, real_t* s) {
    s[V] = -65;
    s[h] = real_t(0.6);
    s[n] = real_t(0.32);
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / |V_th| (brainpy.state: (V - V_th) / V_th; see diff::threshold_scale), spike on
  // the rising edge H(x(s_new)) (1 - H(x(s_old))). No reset.
  static constexpr int n_diff_state = 3;
  static constexpr bool spike_on_rising_edge = true;
  static constexpr std::array<int, 0> reset_targets{};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v = s[V], h0 = s[h], n0 = s[n];
    const real_t m_inf = kinetics::m_inf(v);
    const real_t g_na = c.gNa * m_inf * m_inf * m_inf * h0;
    const real_t g_k = c.gK * (n0 * n0) * (n0 * n0);
    const real_t f = g_na * (c.ENa - v) + g_k * (c.EK - v) + c.gL * (c.EL - v) + in.current * c.inv_C;
    const real_t v_new = gating::membrane_step(v, f, g_na + g_k + c.gL, c.dt) + in.delta_v;
    s[h] = gating::gate_step(h0, c.phi * kinetics::alpha_h(v), c.phi * kinetics::beta_h(v), c.dt);
    s[n] = gating::gate_step(n0, c.phi * kinetics::alpha_n(v), c.phi * kinetics::beta_n(v), c.dt);
    s[V] = v_new;
  }
  // As HH, plus the V dependence of the instantaneous m_inf in g_Na.
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* J, real_t* dI) {
    const real_t v = s[V], h0 = s[h], n0 = s[n];
    const real_t mi = kinetics::m_inf(v);
    const real_t g_na = c.gNa * mi * mi * mi * h0;
    const real_t g_k = c.gK * (n0 * n0) * (n0 * n0);
    const real_t G = g_na + g_k + c.gL;
    const real_t f = g_na * (c.ENa - v) + g_k * (c.EK - v) + c.gL * (c.EL - v) + in.current * c.inv_C;
    real_t d_f, d_g;
    diff::membrane_step_grad(f, G, c.dt, d_f, d_g);
    const real_t dna_dv = real_t(3) * c.gNa * mi * mi * kinetics::d_m_inf(v) * h0;  // 1/(ms mV)
    const real_t dna_dh = c.gNa * mi * mi * mi, dk_dn = real_t(4) * c.gK * n0 * n0 * n0;
    J[V * n_state + V] = real_t(1) + d_f * (dna_dv * (c.ENa - v) - G) + d_g * dna_dv;
    J[V * n_state + h] = dna_dh * (d_f * (c.ENa - v) + d_g);
    J[V * n_state + n] = dk_dn * (d_f * (c.EK - v) + d_g);
    J[h * n_state + n] = 0;
    J[n * n_state + h] = 0;
    J[h * n_state + h] =
        diff::gate_step_grad(h0, c.phi * kinetics::alpha_h(v), c.phi * kinetics::beta_h(v),
                             c.phi * kinetics::d_alpha_h(v), c.phi * kinetics::d_beta_h(v), c.dt, J[h * n_state + V]);
    J[n * n_state + n] =
        diff::gate_step_grad(n0, c.phi * kinetics::alpha_n(v), c.phi * kinetics::beta_n(v),
                             c.phi * kinetics::d_alpha_n(v), c.phi * kinetics::d_beta_n(v), c.dt, J[n * n_state + V]);
    dI[V] = d_f * c.inv_C;  // mV/pA
    dI[h] = 0;
    dI[n] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / diff::threshold_scale(c.V_th);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    for (int q = 0; q < n_state; ++q) g[q] = 0;
    g[V] = real_t(1) / diff::threshold_scale(c.V_th);  // 1/mV
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v = s[V];
    free_update(c, s, in);
    return gating::crossed_up(v, s[V], c.V_th);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::HH)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::WangBuzsakiHH)
