#pragma once
// NEST's aeif_cond_alpha_astro: aeif_cond_alpha (models/aeif_cond_alpha.hpp, same parameters and defaults) with a
// third input, the slow inward current (SIC, pA) an astrocyte sends through sic_connection
// (models/astrocyte_lr_1994.hpp):
//
//   C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) - g_ex (V - E_ex) - g_in (V - E_in) - w
//               + I_e + I + I_SIC
//
// The SIC arriving in step n (port "SIC": the summed weight x SIC of the step, NEST's sic_currents_ ring) becomes
// state I_SIC after the step's integration and is held over step n + 1, exactly as NEST's B_.I_sic_ (recordable
// I_SIC). Two differences from aeif_cond_alpha in NEST's code, kept here: the solver's first trial step is dt (not
// min(0.01 ms, dt)), and the right-hand side adds I_SIC last.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/aeif_common.hpp"
#include "models/aeif_cond_alpha.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

// aeif_cond_alpha's right-hand side with I_SIC added last (NEST's aeif_cond_alpha_astro_dynamics).
struct aeif_cond_alpha_astro_system {
  enum : int { V, dg_ex, g_ex, dg_in, g_in, w, n };  // NEST's State_ order
  const aeif_cond_alpha_constants& c;
  aeif::step_state st;  // I_stim, refractory counter, spiked
  double I_sic;         // pA, held over the step

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const bool refractory = st.r > 0;
    const double v = aeif::bounded_v(c, st.r, y[V]);
    const double I_syn_exc = y[g_ex] * (v - c.E_ex);
    const double I_syn_inh = y[g_in] * (v - c.E_in);
    const double I_spike = aeif::spike_current(c, v);
    f[V] = refractory
               ? 0.0
               : (-c.g_L * (v - c.E_L) + I_spike - I_syn_exc - I_syn_inh - y[w] + c.I_e + st.I_stim + I_sic) / c.C_m;
    f[dg_ex] = -y[dg_ex] / c.tau_syn_ex;
    f[g_ex] = y[dg_ex] - y[g_ex] / c.tau_syn_ex;
    f[dg_in] = -y[dg_in] / c.tau_syn_in;
    f[g_in] = y[dg_in] - y[g_in] / c.tau_syn_in;
    f[w] = aeif::dw_dt(c, v, y[w]);
  }

  VOLLEY_HD VOLLEY_INLINE void after_step(double* y) { st.after_step(c, y[V], y[w]); }
};

struct aeif_cond_alpha_astro {
  static constexpr const char* name = "aeif_cond_alpha_astro";
  static constexpr const char* description =
      "NEST aeif_cond_alpha_astro: aeif_cond_alpha with the slow inward current (SIC) of astrocytes "
      "(sic_connection), adaptive RKF45 as NEST (GSL) integrates it";
  using sys = aeif_cond_alpha_astro_system;
  static constexpr int n_ode = sys::n;
  enum : int { V_m, dg_ex, g_ex, dg_in, g_in, w, I_SIC, refractory, h_ode, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"dg_ex", aeif_cond_alpha::g_rate},
                                                                  {"g_ex", units::dims::conductance},
                                                                  {"dg_in", aeif_cond_alpha::g_rate},
                                                                  {"g_in", units::dims::conductance},
                                                                  {"w", units::dims::current},
                                                                  {"I_SIC", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 3;
  // "SIC": weight (dimensionless) x the astrocyte's SIC (pA), sic_connection only
  static constexpr std::array<port_desc, 3> ports{
      {{"ex", units::dims::conductance}, {"in", units::dims::conductance}, {"SIC", units::dims::none}}};
  static constexpr bool routes_by_sign = true;

  using params = aeif_cond_alpha_params;
  using constants = aeif_cond_alpha_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    aeif_cond_alpha::each_param(p, f);
  }
  static const char* validate(const params& p) { return aeif_cond_alpha::validate(p); }
  static constants derive(const params& p, double h) {
    constants c = aeif_cond_alpha::derive(p, h);
    c.h_start = h;  // NEST's init_buffers_: IntegrationStep_ = dt
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = dg_ex; q < n_state; ++q) s[q] = 0;  // h_ode = 0: the solver has not run yet
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    sys body{c, {static_cast<double>(in.current), static_cast<double>(s[refractory])}, static_cast<double>(s[I_SIC])};
    double y[n_ode];
    for (int i = 0; i < n_ode; ++i) y[i] = s[V_m + i];
    double h = s[h_ode];
    aeif::integrate_step<n_ode>(body, c, y, h);
    y[sys::dg_ex] += in.port[0] * c.g0_ex;
    y[sys::dg_in] += -in.port[1] * c.g0_in;  // NEST: the summed -w of its negative weights
    y[sys::V] += in.delta_v;
    for (int i = 0; i < n_ode; ++i) s[V_m + i] = static_cast<real_t>(y[i]);
    s[I_SIC] = in.port[2];  // NEST's B_.I_sic_ for the next step
    s[refractory] = static_cast<real_t>(body.st.r);
    s[h_ode] = static_cast<real_t>(h);
    return body.st.spiked;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::aeif_cond_alpha_astro)
