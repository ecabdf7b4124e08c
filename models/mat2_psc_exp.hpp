#pragma once
// NEST's mat2_psc_exp and amat2_psc_exp: non-resetting leaky integrate-and-fire with exponential PSCs and a
// multi-timescale adaptive threshold (Kobayashi, Tsubo & Shinomoto 2009, MAT); amat2 adds the voltage-dependent
// threshold component of Yamauchi, Kim & Shinomoto (2011). Exact integration, one template for both.
//
//   C_m dV/dt = -(V - E_L) C_m/tau_m + I_syn_ex + I_syn_in + I_e + I
//   dI_syn_x/dt = -I_syn_x / tau_syn_x,   a spike of weight w (pA) makes I_syn_x jump by w
//   (positive weights to port "ex", negative to "in")
//   threshold  V_th = omega + V_th_alpha_1 + V_th_alpha_2 [+ V_th_v]   (mV; omega absolute, as NEST's status)
//   dV_th_alpha_k/dt = -V_th_alpha_k / tau_k;  each spike adds alpha_k (mV)
//   amat2 only (beta 1/ms, tau_v ms):
//     dV_th_dv/dt = -V_th_dv / tau_v + beta dV/dt     (mV/ms)
//     dV_th_v/dt  = -V_th_v / tau_v + V_th_dv         (mV): V_th_v = beta * (t exp(-t/tau_v)) convolved with dV/dt
//
// V is never reset. A spike (V >= V_th) starts a total refractory period of t_ref during which no spike is
// emitted; V, the currents and the threshold evolve on meanwhile (NEST's update: the threshold is not even
// compared while refractory).
//
// Update order of one step (NEST 3): amat2 first advances V_th_v and V_th_dv from the state at the start of the
// step (exact propagators of the linear system I_e + I, I_syn_ex, I_syn_in, V, V_th_dv, V_th_v). V advances with
// the exact propagators (mat2: v + expm1(-h/tau_m) v + ..., as NEST writes it; amat2: exp(-h/tau_m) v + ...), plus
// delta inputs (mV, a volley extension: NEST's models have none; in amat2 a jump dV of V also makes V_th_dv jump
// by beta dV, as the ODE says). The adaptive components decay, the currents decay and this step's arriving weights
// are added. Then if the refractory counter is 0, V >= V_th is a spike: counter = t_ref in steps, V_th_alpha_k +=
// alpha_k; else the counter decrements. V_th is written after the spike's jump (NEST records it so).
// Refractory steps: NEST's rule (nest_refractory_steps: rounded up to whole steps), at least one (an error here,
// as in NEST).
//
// NEST's checks are kept: tau_m must differ from tau_syn_ex and tau_syn_in (amat2 also tau_v from tau_m, tau_syn_ex
// and tau_syn_in). The propagators here stay exact where the membrane and synaptic constants coincide
// (propagator_exp_to_membrane), and those of V_th_v where tau_v meets another constant, but NEST refuses these.
//
// Recordables (NEST): mat2 V_m, V_th; amat2 V_m, V_th, V_th_v, I_syn_ex, I_syn_in. volley also records the other
// states (V_th_alpha_1, V_th_alpha_2 as NEST's status names them, the currents, amat2's V_th_dv). V_th is derived:
// setting it as an initial value is overwritten at the first step (set V_th_alpha_1/2 instead, as in NEST).
#include <array>
#include <cmath>
#include <type_traits>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct mat2_psc_exp_params {
  units::voltage_q E_L{-70.0};
  units::current_q I_e{0.0};
  units::capacitance_q C_m{100.0};
  units::time_q tau_m{5.0};
  units::time_q tau_syn_ex{1.0};
  units::time_q tau_syn_in{3.0};
  units::time_q t_ref{2.0};
  units::time_q tau_1{10.0};
  units::time_q tau_2{200.0};
  units::voltage_q alpha_1{37.0};
  units::voltage_q alpha_2{2.0};
  units::voltage_q omega{-51.0};  // resting threshold, absolute (NEST's status value; 19 mV above E_L)
};

struct amat2_psc_exp_params {
  units::voltage_q E_L{-70.0};
  units::current_q I_e{0.0};
  units::capacitance_q C_m{200.0};
  units::time_q tau_m{10.0};
  units::time_q tau_syn_ex{1.0};
  units::time_q tau_syn_in{3.0};
  units::time_q t_ref{2.0};
  units::time_q tau_1{10.0};
  units::time_q tau_2{200.0};
  units::voltage_q alpha_1{10.0};
  units::voltage_q alpha_2{0.0};
  units::rate_q beta{0.0};  // 1/ms
  units::time_q tau_v{5.0};
  units::voltage_q omega{-65.0};  // absolute (5 mV above E_L)
};

struct mat2_constants {
  real_t E_L, omega;                  // mV: E_L absolute, omega relative to E_L
  real_t alpha_1, alpha_2;            // mV
  real_t P11ex, P11in;                // current decay factors
  real_t P11th, P22th;                // threshold decay factors exp(-h/tau_1), exp(-h/tau_2)
  real_t expm1_m, P33;                // expm1(-h/tau_m) (mat2's form), exp(-h/tau_m) (amat2's)
  real_t P20, P21ex, P21in;           // mV/pA: I_e + I, I_syn_ex, I_syn_in -> V
  real_t I_e;                         // pA
  real_t ref_steps;
  // amat2: the voltage-dependent component (V_th_dv index 6, V_th_v index 7 in NEST's numbering)
  real_t beta;                        // 1/ms
  real_t P60, P61, P62, P63, P66;     // (I_e + I, I_syn_ex, I_syn_in, V, V_th_dv) -> V_th_dv
  real_t P70, P71, P72, P73, P76, P77;  // (I_e + I, I_syn_ex, I_syn_in, V, V_th_dv, V_th_v) -> V_th_v
};

mat2_constants mat2_derive(const mat2_psc_exp_params& p, double h);
mat2_constants mat2_derive(const amat2_psc_exp_params& p, double h);

template <bool VoltageDependent>
struct mat2_family {
  static constexpr const char* name = VoltageDependent ? "amat2_psc_exp" : "mat2_psc_exp";
  static constexpr const char* description =
      VoltageDependent ? "NEST amat2_psc_exp: non-resetting LIF, exponential PSCs, multi-timescale adaptive and "
                         "voltage-dependent threshold, exact integration"
                       : "NEST mat2_psc_exp: non-resetting LIF, exponential PSCs, multi-timescale adaptive "
                         "threshold (MAT), exact integration";
  static constexpr int V_m = 0, V_th = 1, I_syn_ex = 2, I_syn_in = 3, V_th_alpha_1 = 4, V_th_alpha_2 = 5;
  static constexpr int V_th_v = 6, V_th_dv = 7;  // amat2 only
  static constexpr int refractory = VoltageDependent ? 8 : 6;
  static constexpr int n_state = refractory + 1;
  static constexpr int membrane = V_m;
  static constexpr units::dimension mV_per_ms = units::dims::voltage - units::dims::time;
  static constexpr std::array<state_field, n_state> state_fields = [] {
    std::array<state_field, n_state> f{};
    f[V_m] = {"V_m", units::dims::voltage};
    f[V_th] = {"V_th", units::dims::voltage};
    f[I_syn_ex] = {"I_syn_ex", units::dims::current};
    f[I_syn_in] = {"I_syn_in", units::dims::current};
    f[V_th_alpha_1] = {"V_th_alpha_1", units::dims::voltage};
    f[V_th_alpha_2] = {"V_th_alpha_2", units::dims::voltage};
    if constexpr (VoltageDependent) {
      f[V_th_v] = {"V_th_v", units::dims::voltage};
      f[V_th_dv] = {"V_th_dv", mV_per_ms};
    }
    f[refractory] = {"refractory_steps", units::dims::none};
    return f;
  }();
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = std::conditional_t<VoltageDependent, amat2_psc_exp_params, mat2_psc_exp_params>;
  using constants = mat2_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E_L", p.E_L, range_check::any);
    f("I_e", p.I_e, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("tau_m", p.tau_m, range_check::positive);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("t_ref", p.t_ref, range_check::positive);
    f("tau_1", p.tau_1, range_check::positive);
    f("tau_2", p.tau_2, range_check::positive);
    f("alpha_1", p.alpha_1, range_check::any);
    f("alpha_2", p.alpha_2, range_check::any);
    if constexpr (VoltageDependent) {
      f("beta", p.beta, range_check::any);
      f("tau_v", p.tau_v, range_check::positive);
    }
    f("omega", p.omega, range_check::any);
  }
  static const char* validate(const params& p) {
    const double tm = p.tau_m.value, te = p.tau_syn_ex.value, ti = p.tau_syn_in.value;
    if constexpr (VoltageDependent) {
      const double tv = p.tau_v.value;
      if (tm == te || tm == ti || tm == tv) return "tau_m must differ from tau_syn_ex, tau_syn_in and tau_v";
      if (tv == te || tv == ti) return "tau_v must differ from tau_syn_ex, tau_syn_in and tau_m";
    } else {
      if (tm == te || tm == ti) return "tau_m must differ from tau_syn_ex and tau_syn_in";
    }
    return nullptr;
  }
  // Throws parameter_error when t_ref is shorter than one step (NEST's check at Simulate).
  static constants derive(const params& p, double h) { return mat2_derive(p, h); }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[V_th] = static_cast<real_t>(p.omega.value);
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t v_old = s[V_m] - c.E_L;  // relative to E_L, as NEST integrates it
    const real_t I = c.I_e + in.current;
    real_t v;
    if constexpr (VoltageDependent) {
      const real_t dv = s[V_th_dv];
      s[V_th_v] = I * c.P70 + s[I_syn_ex] * c.P71 + s[I_syn_in] * c.P72 + v_old * c.P73 + dv * c.P76 +
                  s[V_th_v] * c.P77;
      s[V_th_dv] = I * c.P60 + s[I_syn_ex] * c.P61 + s[I_syn_in] * c.P62 + v_old * c.P63 + dv * c.P66 +
                   c.beta * in.delta_v;
      v = I * c.P20 + s[I_syn_ex] * c.P21ex + s[I_syn_in] * c.P21in + v_old * c.P33 + in.delta_v;
    } else {
      v = v_old * c.expm1_m + v_old + s[I_syn_ex] * c.P21ex + s[I_syn_in] * c.P21in + I * c.P20 + in.delta_v;
    }
    real_t th1 = s[V_th_alpha_1] * c.P11th;
    real_t th2 = s[V_th_alpha_2] * c.P22th;
    s[I_syn_ex] = s[I_syn_ex] * c.P11ex + in.port[0];
    s[I_syn_in] = s[I_syn_in] * c.P11in + in.port[1];
    real_t theta = c.omega + th2 + th1;
    if constexpr (VoltageDependent) theta = theta + s[V_th_v];
    const bool refractory_now = s[refractory] > 0;
    const bool spike = !refractory_now && v >= theta;
    s[refractory] = spike ? c.ref_steps : (refractory_now ? s[refractory] - 1 : s[refractory]);
    th1 = spike ? th1 + c.alpha_1 : th1;
    th2 = spike ? th2 + c.alpha_2 : th2;
    s[V_th_alpha_1] = th1;
    s[V_th_alpha_2] = th2;
    real_t V_th_abs = c.E_L + c.omega + th1 + th2;  // NEST's get_V_th_
    if constexpr (VoltageDependent) V_th_abs = V_th_abs + s[V_th_v];
    s[V_th] = V_th_abs;
    s[V_m] = v + c.E_L;
    return spike;
  }
};

using mat2_psc_exp = mat2_family<false>;
using amat2_psc_exp = mat2_family<true>;

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::mat2_psc_exp)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::amat2_psc_exp)
