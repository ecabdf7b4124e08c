#pragma once
// NEST's iaf_psc_exp_htum: iaf_psc_exp with the two refractory periods of Hill & Tononi (2005), exact integration.
//
//   C_m dV/dt = -(V - E_L) C_m/tau_m + I_syn_ex + I_syn_in + I_e + I
//   dI_syn_x/dt = -I_syn_x / tau_syn_x,   a spike of weight w (pA) makes I_syn_x jump by w
//   (positive weights to port "ex", negative to "in", as iaf_psc_exp routes them)
//
// After a spike V is clamped at V_reset for the absolute refractory period t_ref_abs and may not spike during the
// total refractory period t_ref_tot >= t_ref_abs: between the two, V integrates (and may pass V_th) but no spike is
// emitted; the first step after t_ref_tot with V >= V_th spikes.
//
// Update order of one step (NEST 3): if the absolute counter is 0, V advances with the exact propagators of
// iaf_psc_exp (the same constants: iaf_psc_exp::derive), plus delta inputs (mV, a volley extension: NEST's model
// has none), else the absolute counter decrements. Then the currents decay and this step's arriving weights are
// added. Then, if the total counter is 0, V >= V_th spikes: V = V_reset, both counters restart (abs, tot steps);
// else the total counter decrements.
// Refractory steps: NEST's Time(ms(t)).get_steps(): t rounded to the 1 us tic grid, then rounded UP to whole steps
// (nest_refractory_steps); NEST requires at least one step for each period (an error here, as in NEST).
//
// Recording: NEST's multimeter records this model's V_m relative to E_L (its get_V_m_ returns the internal
// relative value), while its status dictionary reports V_m absolute. volley's V_m is always absolute; the test
// compares volley's V_m - E_L with NEST's recorded trace.
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

// Whole steps NEST makes of a duration t (ms) at resolution h (ms): Time(Time::ms(t)).get_steps() with NEST's
// default 1000 tics per ms: t rounds to the nearest tic, and the tics round up to whole steps (0.04 ms at h = 0.1
// is 1 step, 0.1004 ms 1 step, 0.1006 ms 2 steps).
double nest_refractory_steps(double t_ms, double h);

struct iaf_psc_exp_htum_params {
  units::voltage_q E_L{-70.0};
  units::capacitance_q C_m{250.0};
  units::time_q tau_m{10.0};
  units::time_q t_ref_abs{2.0};
  units::time_q t_ref_tot{2.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-70.0};
  units::time_q tau_syn_ex{2.0};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

struct iaf_psc_exp_htum_constants {
  iaf_psc_exp_constants exp;  // propagators, E_L, V_th, V_reset (absolute) and I_e; exp.ref_steps unused
  real_t abs_steps, tot_steps;
};

struct iaf_psc_exp_htum {
  static constexpr const char* name = "iaf_psc_exp_htum";
  static constexpr const char* description =
      "NEST iaf_psc_exp_htum: LIF with exponential PSCs, absolute and total refractory periods, exact integration";
  enum : int { V_m, I_syn_ex, I_syn_in, refractory_abs, refractory_tot, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"refractory_abs_steps", units::dims::none},
                                                                  {"refractory_tot_steps", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = iaf_psc_exp_htum_params;
  using constants = iaf_psc_exp_htum_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E_L", p.E_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("tau_m", p.tau_m, range_check::positive);
    f("t_ref_abs", p.t_ref_abs, range_check::positive);
    f("t_ref_tot", p.t_ref_tot, range_check::positive);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    if (p.t_ref_abs.value > p.t_ref_tot.value) return "t_ref_abs must not exceed t_ref_tot";
    return nullptr;
  }
  // Throws parameter_error when t_ref_abs or t_ref_tot is shorter than one step (NEST's check at Simulate).
  static constants derive(const params& p, double h);
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[I_syn_ex] = s[I_syn_in] = s[refractory_abs] = s[refractory_tot] = 0;
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& k, real_t* s, const neuron_input& in) {
    const iaf_psc_exp_constants& c = k.exp;
    const bool clamped = s[refractory_abs] > 0;
    const real_t v_old = s[V_m] - c.E_L;  // relative to E_L, as NEST integrates it
    const real_t v_new = v_old * c.P22 + s[I_syn_ex] * c.P21ex + s[I_syn_in] * c.P21in +
                         (c.I_e + in.current) * c.P20 + in.delta_v;
    real_t v = clamped ? v_old : v_new;
    real_t r_abs = clamped ? s[refractory_abs] - 1 : s[refractory_abs];
    s[I_syn_ex] = s[I_syn_ex] * c.P11ex + in.port[0];
    s[I_syn_in] = s[I_syn_in] * c.P11in + in.port[1];
    const bool blocked = s[refractory_tot] > 0;
    const bool spike = !blocked && v >= c.theta - c.E_L;
    s[refractory_abs] = spike ? k.abs_steps : r_abs;
    s[refractory_tot] = spike ? k.tot_steps : (blocked ? s[refractory_tot] - 1 : s[refractory_tot]);
    v = spike ? c.V_reset - c.E_L : v;
    s[V_m] = v + c.E_L;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_exp_htum)
