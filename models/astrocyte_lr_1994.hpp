#pragma once
// NEST's astrocyte_lr_1994: the Li & Rinzel (1994) astrocyte (after De Young & Keizer 1992), with the input and
// output of Nadkarni & Jung (2003) as NEST 3.10 implements them. Concentrations in µM, times in ms.
//
//   d[IP3]/dt  = (IP3_0 - [IP3]) / tau_IP3                          (+ delta_IP3 x the summed weights of spikes)
//   d[Ca]/dt   = J_channel - J_pump + J_leak + J_noise
//   dh_IP3R/dt = alpha_h (1 - h_IP3R) - beta_h h_IP3R
// with c = [Ca] bounded to [0, Ca_tot] inside the right-hand side, and
//   alpha_h   = k_IP3R Kd_inh ([IP3] + Kd_IP3_1) / ([IP3] + Kd_IP3_2),   beta_h = k_IP3R c
//   J_pump    = rate_SERCA c^2 / (Km_SERCA^2 + c^2)
//   m_inf     = [IP3] / ([IP3] + Kd_IP3_1),   n_inf = c / (c + Kd_act)
//   c_ER      = (Ca_tot - c) / ratio_ER_cyt
//   J_leak    = ratio_ER_cyt rate_L (c_ER - c)
//   J_channel = ratio_ER_cyt rate_IP3R m_inf^3 n_inf^3 h_IP3R^3 (c_ER - c)
// J_noise (µM/ms) is the current input (NEST's CurrentEvent: a current generator's pA read as µM/ms), held over
// the step.
//
// One step (NEST's update()): GSL's RKF45 over dt (models/rkf45.hpp) with the error control y_new(1e-3, 0) (an
// absolute 1e-3 µM, fixed in NEST), the first trial step dt, then the last step size carried across steps (state
// h_ode); then [Ca] is bounded to [0, Ca_tot], the spikes of the step raise [IP3] by delta_IP3 x their summed
// weights (port "spikes"; NEST refuses negative weights), and the slow inward current is
//   SIC = SIC_scale ln(y)  if y = ([Ca] - SIC_th) / 1 nM > 1,  else 0                      (pA for the target)
// It is sent in every step (model_info::emits_rate, payload SIC): a sic_connection of weight w and delay d steps
// gives its target w x SIC of step n in step n + d, as NEST delivers the SICEvent (the target holds it over the
// following step: aeif_cond_alpha_astro).
//
// Units in volley: concentrations are quantities (volley's base unit is mM); the state holds them in mM, the
// update converts to µM and back so that the solver sees NEST's numbers (the stored state rounds by at most one
// ulp per step). Not reproduced: NEST's check of the initial state (IP3, Ca_astro >= 0, h_IP3R in [0, 1]) when it
// is set, and the error NEST raises at the first spike of negative weight (the NEST layer refuses it when
// connecting).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/rkf45.hpp"

namespace volley::models {

namespace astro_units {
inline constexpr units::dimension per_conc_time = units::dims::rate - units::dims::concentration;  // 1/(µM ms)
inline constexpr units::dimension conc_per_time = units::dims::concentration + units::dims::rate;  // µM/ms
inline constexpr double uM_per_mM = 1000.0;
}  // namespace astro_units

struct astrocyte_lr_1994_params {
  units::concentration_q Ca_tot{2.0e-3};       // 2 µM: total free Ca in terms of cytosolic volume
  units::concentration_q IP3_0{0.16e-3};       // 0.16 µM: baseline IP3
  units::concentration_q Kd_IP3_1{0.13e-3};    // 0.13 µM: first IP3R dissociation constant of IP3
  units::concentration_q Kd_IP3_2{0.9434e-3};  // 0.9434 µM: second IP3R dissociation constant of IP3
  units::concentration_q Kd_act{0.08234e-3};   // 0.08234 µM: IP3R dissociation constant of Ca (activation)
  units::concentration_q Kd_inh{1.049e-3};     // 1.049 µM: IP3R dissociation constant of Ca (inhibition)
  units::concentration_q Km_SERCA{0.1e-3};     // 0.1 µM: half-activation of the SERCA pump
  units::dimensionless_q SIC_scale{1.0};
  units::concentration_q SIC_th{0.19669e-3};                          // 0.19669 µM: Ca threshold of the SIC
  units::concentration_q delta_IP3{0.0002e-3};                        // 0.0002 µM per unit weight of a spike
  units::quantity<astro_units::per_conc_time> k_IP3R{0.0002 * 1e3};   // 0.0002 /(µM ms)
  units::rate_q rate_IP3R{0.006};                                     // 1/ms
  units::rate_q rate_L{0.00011};                                      // 1/ms
  units::quantity<astro_units::conc_per_time> rate_SERCA{0.0009e-3};  // 0.0009 µM/ms
  units::dimensionless_q ratio_ER_cyt{0.185};
  units::time_q tau_IP3{7142.0};
};

// Everything in NEST's units: µM, ms.
struct astrocyte_lr_1994_constants {
  double Ca_tot, IP3_0, Kd_IP3_1, Kd_IP3_2, Kd_act, Kd_inh, Km_SERCA, SIC_th, delta_IP3;  // µM
  double SIC_scale, ratio_ER_cyt;
  double k_IP3R;             // 1/(µM ms)
  double rate_IP3R, rate_L;  // 1/ms
  double rate_SERCA;         // µM/ms
  double tau_IP3;            // ms
  double dt;                 // ms
};

// The right-hand side as NEST's astrocyte_lr_1994_dynamics writes it (µM, ms).
struct astrocyte_lr_1994_system {
  enum : int { IP3, Ca, h, n };  // NEST's State_ order
  const astrocyte_lr_1994_constants& c;
  double J_noise;  // µM/ms

  VOLLEY_HD VOLLEY_INLINE void rhs(double, const double* y, double* f) const {
    const double ip3 = y[IP3];
    const double h_ip3r = y[h];
    const double calc = fmax(0.0, fmin(y[Ca], c.Ca_tot));
    const double alpha_h = c.k_IP3R * c.Kd_inh * (ip3 + c.Kd_IP3_1) / (ip3 + c.Kd_IP3_2);
    const double beta_h = c.k_IP3R * calc;
    const double J_pump = c.rate_SERCA * std::pow(calc, 2) / (std::pow(c.Km_SERCA, 2) + std::pow(calc, 2));
    const double m_inf = ip3 / (ip3 + c.Kd_IP3_1);
    const double n_inf = calc / (calc + c.Kd_act);
    const double calc_ER = (c.Ca_tot - calc) / c.ratio_ER_cyt;
    const double J_leak = c.ratio_ER_cyt * c.rate_L * (calc_ER - calc);
    const double J_channel =
        c.ratio_ER_cyt * c.rate_IP3R * std::pow(m_inf, 3) * std::pow(n_inf, 3) * std::pow(h_ip3r, 3) * (calc_ER - calc);
    f[IP3] = (c.IP3_0 - ip3) / c.tau_IP3;
    f[Ca] = J_channel - J_pump + J_leak + J_noise;
    f[h] = alpha_h * (1.0 - h_ip3r) - beta_h * h_ip3r;
  }
};

struct astrocyte_lr_1994 {
  static constexpr const char* name = "astrocyte_lr_1994";
  static constexpr const char* description =
      "NEST astrocyte_lr_1994: Li-Rinzel astrocyte (IP3, Ca, h_IP3R), spikes raise IP3, sends a slow inward "
      "current (SIC) every step; adaptive RKF45 as NEST (GSL) integrates it";
  using sys = astrocyte_lr_1994_system;
  static constexpr int n_ode = sys::n;
  enum : int { IP3, Ca_astro, h_IP3R, SIC, h_ode, n_state };
  static constexpr int membrane = IP3;  // no membrane; the index only satisfies the model kit
  static constexpr std::array<state_field, n_state> state_fields{{{"IP3", units::dims::concentration},
                                                                  {"Ca_astro", units::dims::concentration},
                                                                  {"h_IP3R", units::dims::none},
                                                                  {"SIC", units::dims::current},
                                                                  {"h_ode", units::dims::time}}};
  static constexpr int n_ports = 1;
  // NEST's weights onto an astrocyte are dimensionless: delta_IP3 x the summed weights of the step
  static constexpr std::array<port_desc, 1> ports{{{"spikes", units::dims::none}}};
  static constexpr int spike_payload = SIC;
  static constexpr bool emits_rate = true;  // the SIC goes out every step (not counted or recorded as spikes)

  using params = astrocyte_lr_1994_params;
  using constants = astrocyte_lr_1994_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("Ca_tot", p.Ca_tot, range_check::positive);
    f("IP3_0", p.IP3_0, range_check::non_negative);
    f("Kd_IP3_1", p.Kd_IP3_1, range_check::positive);
    f("Kd_IP3_2", p.Kd_IP3_2, range_check::positive);
    f("Kd_act", p.Kd_act, range_check::positive);
    f("Kd_inh", p.Kd_inh, range_check::non_negative);
    f("Km_SERCA", p.Km_SERCA, range_check::positive);
    f("SIC_scale", p.SIC_scale, range_check::positive);
    f("SIC_th", p.SIC_th, range_check::non_negative);
    f("delta_IP3", p.delta_IP3, range_check::non_negative);
    f("k_IP3R", p.k_IP3R, range_check::non_negative);
    f("rate_IP3R", p.rate_IP3R, range_check::non_negative);
    f("rate_L", p.rate_L, range_check::non_negative);
    f("rate_SERCA", p.rate_SERCA, range_check::non_negative);
    f("ratio_ER_cyt", p.ratio_ER_cyt, range_check::positive);
    f("tau_IP3", p.tau_IP3, range_check::positive);
  }
  static const char* validate(const params&) { return nullptr; }  // NEST checks each parameter alone
  static constants derive(const params& p, double h) {
    constexpr double k = astro_units::uM_per_mM;
    constants c{};
    c.Ca_tot = p.Ca_tot.value * k;
    c.IP3_0 = p.IP3_0.value * k;
    c.Kd_IP3_1 = p.Kd_IP3_1.value * k;
    c.Kd_IP3_2 = p.Kd_IP3_2.value * k;
    c.Kd_act = p.Kd_act.value * k;
    c.Kd_inh = p.Kd_inh.value * k;
    c.Km_SERCA = p.Km_SERCA.value * k;
    c.SIC_th = p.SIC_th.value * k;
    c.delta_IP3 = p.delta_IP3.value * k;
    c.SIC_scale = p.SIC_scale.value;
    c.ratio_ER_cyt = p.ratio_ER_cyt.value;
    c.k_IP3R = p.k_IP3R.value / k;
    c.rate_IP3R = p.rate_IP3R.value;
    c.rate_L = p.rate_L.value;
    c.rate_SERCA = p.rate_SERCA.value * k;
    c.tau_IP3 = p.tau_IP3.value;
    c.dt = h;
    return c;
  }
  static void initial_state(const params& p, real_t* s) {  // NEST: IP3_0, 0.073 µM, 0.793
    s[IP3] = static_cast<real_t>(p.IP3_0.value);
    s[Ca_astro] = static_cast<real_t>(0.073e-3);
    s[h_IP3R] = static_cast<real_t>(0.793);
    s[SIC] = 0;
    s[h_ode] = 0;  // the solver has not run yet
  }

  // The SIC (pA) of a cytosolic [Ca] (µM), NEST's expression.
  VOLLEY_HD VOLLEY_INLINE static double sic_of(const constants& c, double ca_uM) {
    const double calc_thr = (ca_uM - c.SIC_th) * 1000.0;  // in nM, as Nadkarni & Jung write it
    return calc_thr > 1.0 ? std::log(calc_thr) * c.SIC_scale : 0.0;
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    constexpr double k = astro_units::uM_per_mM;
    const sys body{c, static_cast<double>(in.current)};
    double y[n_ode] = {double(s[IP3]) * k, double(s[Ca_astro]) * k, double(s[h_IP3R])};
    double h = s[h_ode] > 0 ? double(s[h_ode]) : c.dt;
    rkf45::integrate<n_ode>(body, rkf45::y_control(1e-3, 0.0), c.dt, y, h);
    y[sys::Ca] = fmax(0.0, fmin(y[sys::Ca], c.Ca_tot));
    y[sys::IP3] += c.delta_IP3 * in.port[0];
    s[IP3] = static_cast<real_t>(y[sys::IP3] / k);
    s[Ca_astro] = static_cast<real_t>(y[sys::Ca] / k);
    s[h_IP3R] = static_cast<real_t>(y[sys::h]);
    s[SIC] = static_cast<real_t>(sic_of(c, y[sys::Ca]));
    s[h_ode] = static_cast<real_t>(h);
    return true;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::astrocyte_lr_1994)
