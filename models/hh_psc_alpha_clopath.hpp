#pragma once
// NEST's hh_psc_alpha_clopath: hh_psc_alpha (models/hh_psc_alpha.hpp: the same membrane, synapses, solver, spike
// detection and pseudo-refractoriness) with the low-pass filtered potentials clopath_synapse reads
// (models/clopath.hpp), integrated in the same RKF45 system:
//   tau_u_bar_plus  du_bar_plus/dt  = V - u_bar_plus          (mV, ms)
//   tau_u_bar_minus du_bar_minus/dt = V - u_bar_minus
//   tau_u_bar_bar   du_bar_bar/dt   = u_bar_minus - u_bar_bar
// Initial state: hh_psc_alpha's, and u_bar_plus = u_bar_minus = u_bar_bar = 0 mV (NEST's; not V_m or E_L).
#include <array>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/clopath.hpp"
#include "models/compiled_in_library.hpp"
#include "models/hh_psc_alpha.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct hh_psc_alpha_clopath_params : hh_psc_alpha_params {
  units::time_q tau_u_bar_plus{114.0};
  units::time_q tau_u_bar_minus{10.0};
  units::time_q tau_u_bar_bar{500.0};
  clopath_rule_params clopath;  // read by clopath_synapse (NEST's ClopathArchivingNode parameters)
};

struct hh_psc_alpha_clopath_constants : hh_psc_alpha_constants {
  double tau_u_bar_plus, tau_u_bar_minus, tau_u_bar_bar;  // ms
};

// hh_psc_alpha's right-hand side for the first eight variables, then the filtered potentials.
struct hh_psc_alpha_clopath_system {
  enum : int { u_bar_plus = hh_psc_alpha_system::n_y, u_bar_minus, u_bar_bar, n_y };
  const hh_psc_alpha_clopath_constants& c;
  double I_stim;  // pA, held over the step
  VOLLEY_HD VOLLEY_INLINE void rhs(double t, const double* y, double* f) const {
    hh_psc_alpha_system{c, I_stim}.rhs(t, y, f);
    const double V = y[hh_psc_alpha_system::V];
    f[u_bar_plus] = (-y[u_bar_plus] + V) / c.tau_u_bar_plus;
    f[u_bar_minus] = (-y[u_bar_minus] + V) / c.tau_u_bar_minus;
    f[u_bar_bar] = (-y[u_bar_bar] + y[u_bar_minus]) / c.tau_u_bar_bar;
  }
};

struct hh_psc_alpha_clopath {
  static constexpr const char* name = "hh_psc_alpha_clopath";
  static constexpr const char* description =
      "NEST hh_psc_alpha_clopath: hh_psc_alpha with the filtered potentials of clopath_synapse, adaptive RKF45 as "
      "NEST (GSL) integrates it";
  using sys = hh_psc_alpha_clopath_system;
  static constexpr int n_ode = sys::n_y;
  enum : int {
    V_m,
    Act_m,
    Inact_h,
    Act_n,
    dI_syn_ex,
    I_syn_ex,
    dI_syn_in,
    I_syn_in,  // hh_psc_alpha's, NEST's order
    u_bar_plus,
    u_bar_minus,
    u_bar_bar,
    refractory,
    h_ode,
    n_state
  };
  static_assert(refractory == n_ode && h_ode == n_ode + 1, "layout of hh_psc_alpha::update_with");
  static constexpr int membrane = V_m;
  static constexpr clopath_voltages clopath{V_m, u_bar_plus, u_bar_minus, u_bar_bar};
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"Act_m", units::dims::none},
                                                                  {"Inact_h", units::dims::none},
                                                                  {"Act_n", units::dims::none},
                                                                  {"dI_syn_ex", hh_psc_alpha::current_rate},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"dI_syn_in", hh_psc_alpha::current_rate},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"u_bar_plus", units::dims::voltage},
                                                                  {"u_bar_minus", units::dims::voltage},
                                                                  {"u_bar_bar", units::dims::voltage},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports = hh_psc_alpha::ports;
  static constexpr bool routes_by_sign = true;

  using params = hh_psc_alpha_clopath_params;
  using constants = hh_psc_alpha_clopath_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    hh_psc_alpha::each_param(
        static_cast<std::conditional_t<std::is_const_v<P>, const hh_psc_alpha_params, hh_psc_alpha_params>&>(p), f);
    f("tau_u_bar_plus", p.tau_u_bar_plus, range_check::positive);
    f("tau_u_bar_minus", p.tau_u_bar_minus, range_check::positive);
    f("tau_u_bar_bar", p.tau_u_bar_bar, range_check::positive);
    each_clopath_param(p.clopath, f);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double h) {
    constants c;
    static_cast<hh_psc_alpha_constants&>(c) = hh_psc_alpha::derive(p, h);
    c.tau_u_bar_plus = p.tau_u_bar_plus.value;
    c.tau_u_bar_minus = p.tau_u_bar_minus.value;
    c.tau_u_bar_bar = p.tau_u_bar_bar.value;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    hh_psc_alpha::initial_state(p, s);  // its n_state values: V_m .. I_syn_in, then two counters we overwrite
    for (int q = u_bar_plus; q < n_state; ++q) s[q] = 0;
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return hh_psc_alpha::update_with<sys, n_ode>(sys{c, static_cast<double>(in.current)}, c, s, in);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::hh_psc_alpha_clopath)
