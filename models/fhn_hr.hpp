#pragma once
// BrainPy-style reduced oscillator neurons with dimensionless state: FitzHughNagumo and HindmarshRose
// (brainpy.state names, defaults and update order).
//
// FitzHughNagumo (FitzHugh 1961):
//   tau   dV/dt = V - V^3/3 - w + I
//   tau_w dw/dt = V + a - b w
// HindmarshRose (Hindmarsh & Rose 1984; V is the classic x):
//   tau dV/dt = y - a V^3 + b V^2 - z + I
//   tau dy/dt = c - d V^2 - y
//   tau dz/dt = r (s (V - V_r) - z)
//
// V, w, y, z and every coefficient are dimensionless; tau, tau_w (ms) set the time scale. Input: the engine's
// current (pA) enters as the dimensionless I with 1 pA = 1 (I = 0.5 is 0.5 pA of drive), and delta input (mV)
// jumps V with 1 mV = 1. Every variable advances by one exponential-Euler step (brainstate.nn.exp_euler_step) from
// the state at the start of the step, the others held there (so all read the old V, as brainpy.state does):
//   FHN: J_V = (1 - V^2)/tau,  J_w = -b/tau_w;  HR: J_V = (2 b V - 3 a V^2)/tau, J_y = -1/tau, J_z = -r/tau.
// First order in dt (frozen couplings). No reset: a spike is the step in which V crosses V_th upwards
// (V_old < V_th <= V_new), brainpy.state's rising-edge test.
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/differentiable.hpp"
#include "models/exp_euler.hpp"

namespace volley::models {

// Gain g of an exact linear relaxation step x += g (x_inf - x) with rate k (1/ms): dt k phi(-k dt) = 1 - e^{-k dt}.
namespace fhn_hr_detail {
inline double relaxation_gain(double k, double dt) { return -std::expm1(-k * dt); }
}  // namespace fhn_hr_detail

struct fitzhugh_nagumo_params {
  units::dimensionless_q a{0.7};
  units::dimensionless_q b{0.8};
  units::time_q tau{1.0};     // ms
  units::time_q tau_w{12.5};  // ms
  units::dimensionless_q V_th{1.0};
};

struct fitzhugh_nagumo_constants {
  real_t dt, inv_tau;  // ms, 1/ms
  real_t a, b;
  real_t w_step;  // dt phi(-b dt/tau_w) / tau_w: w += w_step (V + a - b w)
  real_t V_th;
};

struct FitzHughNagumo {
  static constexpr const char* name = "FitzHughNagumo";
  static constexpr const char* description =
      "FitzHugh-Nagumo oscillator, dimensionless, spikes on upward threshold crossings (brainpy.state)";
  enum : int { V, w, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{{{"V", units::dims::none}, {"w", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = fitzhugh_nagumo_params;
  using constants = fitzhugh_nagumo_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("a", p.a, range_check::any);
    f("b", p.b, range_check::any);
    f("tau", p.tau, range_check::positive);
    f("tau_w", p.tau_w, range_check::positive);
    f("V_th", p.V_th, range_check::any);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double dt) {
    const double b = p.b.value, tw = p.tau_w.value;
    const double w_step = b == 0.0 ? dt / tw : fhn_hr_detail::relaxation_gain(b / tw, dt) / b;
    return {static_cast<real_t>(dt),        static_cast<real_t>(1.0 / p.tau.value),
            static_cast<real_t>(p.a.value), static_cast<real_t>(b),
            static_cast<real_t>(w_step),    static_cast<real_t>(p.V_th.value)};
  }
  static void initial_state(const params&, real_t* s) {
    s[V] = real_t(-1.2);  // brainpy.state initializers
    s[w] = real_t(-0.62);
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / |V_th| (brainpy.state: (V - V_th) / V_th; see diff::threshold_scale), spike on
  // the rising edge H(x(s_new)) (1 - H(x(s_old))). No reset.
  static constexpr int n_diff_state = 2;
  static constexpr bool spike_on_rising_edge = true;
  static constexpr std::array<int, 0> reset_targets{};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v0 = s[V], w0 = s[w];
    const real_t v2 = v0 * v0;
    const real_t dv = (v0 - v0 * v2 * real_t(1.0 / 3.0) - w0 + in.current) * c.inv_tau;
    const real_t J = (real_t(1) - v2) * c.inv_tau;
    s[V] = v0 + exp_euler_step_size(J, c.dt) * dv + in.delta_v;
    s[w] = w0 + c.w_step * (v0 + c.a - c.b * w0);
  }
  // V_new = V + h(J) F: dV_new/dV = 1 + h'(J) (-2 V / tau) F + h J (dF/dV = J).
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* Jm, real_t* dI) {
    const real_t v0 = s[V], w0 = s[w];
    const real_t v2 = v0 * v0;
    const real_t dv = (v0 - v0 * v2 * real_t(1.0 / 3.0) - w0 + in.current) * c.inv_tau;
    const real_t J = (real_t(1) - v2) * c.inv_tau;
    const real_t h = exp_euler_step_size(J, c.dt);
    Jm[V * n_state + V] = real_t(1) + diff::step_size_grad(J, c.dt) * (real_t(-2) * v0 * c.inv_tau) * dv + h * J;
    Jm[V * n_state + w] = -h * c.inv_tau;
    Jm[w * n_state + V] = c.w_step;
    Jm[w * n_state + w] = real_t(1) - c.w_step * c.b;
    dI[V] = h * c.inv_tau;  // per pA (1 pA = 1 unit of I)
    dI[w] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / diff::threshold_scale(c.V_th);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    g[V] = real_t(1) / diff::threshold_scale(c.V_th);
    g[w] = 0;
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v0 = s[V];
    free_update(c, s, in);
    const real_t v = s[V];
    return v >= c.V_th && v0 < c.V_th;
  }
};

struct hindmarsh_rose_params {
  units::dimensionless_q a{1.0};
  units::dimensionless_q b{3.0};
  units::dimensionless_q c{1.0};
  units::dimensionless_q d{5.0};
  units::dimensionless_q r{0.006};
  units::dimensionless_q s{4.0};
  units::dimensionless_q V_r{-1.6};
  units::time_q tau{1.0};  // ms
  units::dimensionless_q V_th{1.0};
};

struct hindmarsh_rose_constants {
  real_t dt, inv_tau;  // ms, 1/ms
  real_t a, b, c, d, s, V_r;
  real_t y_gain;  // 1 - exp(-dt/tau)
  real_t z_gain;  // 1 - exp(-r dt/tau)
  real_t V_th;
};

struct HindmarshRose {
  static constexpr const char* name = "HindmarshRose";
  static constexpr const char* description =
      "Hindmarsh-Rose bursting neuron, dimensionless, spikes on upward threshold crossings (brainpy.state)";
  enum : int { V, y, z, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V", units::dims::none}, {"y", units::dims::none}, {"z", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = hindmarsh_rose_params;
  using constants = hindmarsh_rose_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("a", p.a, range_check::any);
    f("b", p.b, range_check::any);
    f("c", p.c, range_check::any);
    f("d", p.d, range_check::any);
    f("r", p.r, range_check::any);
    f("s", p.s, range_check::any);
    f("V_r", p.V_r, range_check::any);
    f("tau", p.tau, range_check::positive);
    f("V_th", p.V_th, range_check::any);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double dt) {
    const double tau = p.tau.value;
    return {static_cast<real_t>(dt),
            static_cast<real_t>(1.0 / tau),
            static_cast<real_t>(p.a.value),
            static_cast<real_t>(p.b.value),
            static_cast<real_t>(p.c.value),
            static_cast<real_t>(p.d.value),
            static_cast<real_t>(p.s.value),
            static_cast<real_t>(p.V_r.value),
            static_cast<real_t>(fhn_hr_detail::relaxation_gain(1.0 / tau, dt)),
            static_cast<real_t>(fhn_hr_detail::relaxation_gain(p.r.value / tau, dt)),
            static_cast<real_t>(p.V_th.value)};
  }
  static void initial_state(const params&, real_t* s) {
    s[V] = real_t(-1.6);  // brainpy.state initializers
    s[y] = real_t(-10.0);
    s[z] = 0;
  }

  // ---- differentiable part (contract: models/model_kit.hpp) ----
  // Spike argument x = (V - V_th) / |V_th| (brainpy.state: (V - V_th) / V_th; see diff::threshold_scale), spike on
  // the rising edge H(x(s_new)) (1 - H(x(s_old))). No reset.
  static constexpr int n_diff_state = 3;
  static constexpr bool spike_on_rising_edge = true;
  static constexpr std::array<int, 0> reset_targets{};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v0 = s[V], y0 = s[y], z0 = s[z];
    const real_t v2 = v0 * v0;
    const real_t dv = (y0 - c.a * v2 * v0 + c.b * v2 - z0 + in.current) * c.inv_tau;
    const real_t J = (real_t(2) * c.b * v0 - real_t(3) * c.a * v2) * c.inv_tau;
    const real_t v = v0 + exp_euler_step_size(J, c.dt) * dv + in.delta_v;
    s[y] = y0 + c.y_gain * (c.c - c.d * v2 - y0);
    // r s (V - V_r) - r z relaxes z towards s (V - V_r) at rate r / tau
    s[z] = z0 + c.z_gain * (c.s * (v0 - c.V_r) - z0);
    s[V] = v;
  }
  // V_new = V + h(J) F: dV_new/dV = 1 + h'(J) (2 b - 6 a V) / tau F + h J (dF/dV = J).
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* Jm, real_t* dI) {
    const real_t v0 = s[V], y0 = s[y], z0 = s[z];
    const real_t v2 = v0 * v0;
    const real_t dv = (y0 - c.a * v2 * v0 + c.b * v2 - z0 + in.current) * c.inv_tau;
    const real_t J = (real_t(2) * c.b * v0 - real_t(3) * c.a * v2) * c.inv_tau;
    const real_t h = exp_euler_step_size(J, c.dt);
    const real_t dJ = (real_t(2) * c.b - real_t(6) * c.a * v0) * c.inv_tau;
    Jm[V * n_state + V] = real_t(1) + diff::step_size_grad(J, c.dt) * dJ * dv + h * J;
    Jm[V * n_state + y] = h * c.inv_tau;
    Jm[V * n_state + z] = -h * c.inv_tau;
    Jm[y * n_state + V] = real_t(-2) * c.y_gain * c.d * v0;
    Jm[y * n_state + y] = real_t(1) - c.y_gain;
    Jm[y * n_state + z] = 0;
    Jm[z * n_state + V] = c.z_gain * c.s;
    Jm[z * n_state + y] = 0;
    Jm[z * n_state + z] = real_t(1) - c.z_gain;
    dI[V] = h * c.inv_tau;  // per pA (1 pA = 1 unit of I)
    dI[y] = 0;
    dI[z] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / diff::threshold_scale(c.V_th);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    g[V] = real_t(1) / diff::threshold_scale(c.V_th);
    g[y] = 0;
    g[z] = 0;
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v0 = s[V];
    free_update(c, s, in);
    const real_t v = s[V];
    return v >= c.V_th && v0 < c.V_th;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::FitzHughNagumo)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::HindmarshRose)
