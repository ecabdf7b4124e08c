#pragma once
// Voltage-based STDP after Clopath et al. (2010), as NEST 3.10 computes it: the neuron side (NEST's
// ClopathArchivingNode, parameters of aeif_psc_delta_clopath and hh_psc_alpha_clopath) and the synapse side
// (clopath_synapse). Host-device math, no allocation; the per-neuron history lives in engine/clopath_archive.hpp.
//
// Neuron side, after every simulation step (time t = step + 1, in steps), from the state after the step: the
// membrane potential u and the filtered potentials u_bar_plus, u_bar_minus, u_bar_bar (mV). u_bar_plus and
// u_bar_minus enter delayed by D = round(delay_u_bars / dt) steps (NEST's ring buffer; in the first D steps the
// delayed values are 0 mV, NEST's buffer starting with zeros, reproduced), call them u+ and u-:
//   LTP entry (t, A_LTP (u - theta_plus) (u+ - theta_minus) dt)          if u > theta_plus and u+ > theta_minus
//   LTD value at t: A_LTD (u- - theta_minus)                             if u- > theta_minus (else 0)
//                   (A_LTD_const false: A_LTD u_bar_bar^2 (u- - theta_minus) / u_ref_squared)
// Units: A_LTP 1/mV^2 times mV^2 times ms gives ms (x_bar is 1/ms), A_LTD 1/mV times mV: the weight's unit.
//
// Synapse side (clopath_synapse), at a presynaptic spike at t (steps) through a synapse of delay d (steps), its
// previous spike at t_last (0 before the first, NEST's initial t_lastspike_), trace x_bar (1/ms) after that spike:
//   1. for every LTP entry (t_j, dw_j) with t_last - d < t_j <= t - d, oldest first:
//        w <- min(Wmax, w + dw_j x_bar exp((t_last - (t_j + d)) dt / tau_x))
//   2. w <- max(Wmin, w - LTD value at t - d (0 if none was written, or t - d <= 0))
//   3. the spike is delivered with w; x_bar <- x_bar exp(-(t - t_last) dt / tau_x) + 1 / tau_x, t_last <- t.
// x_bar and t_last are kept per presynaptic neuron and projection (NEST: per synapse; equal, since they depend only
// on the presynaptic spikes and the projection's tau_x).
//
// Differs from NEST 3.10 (checked with it): NEST keeps the LTD values in a ring of max_delay + 1 entries (one per step
// in which u- > theta_minus) and looks the value up when the spike is delivered, after the min_delay slice in which
// the presynaptic neuron fired; by then up to min_delay - 1 + d newer entries may have been written, so with
// min_delay > 1 step NEST finds no LTD for a spike outside the last step of its slice (with min_delay = max_delay =
// 1 ms, only spikes in the slice's last step are depressed). volley applies the LTD the rule defines to every spike.
// With delays of one step (min_delay = dt, the references' setting) the two agree. The neuron side's history is
// kept from the first run on that has a clopath_synapse into the population (NEST: from the start).
#include <cmath>
#include <cstdint>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"

namespace volley::models {

namespace clopath_units {
inline constexpr units::dimension per_voltage = units::dims::none - units::dims::voltage;    // 1/mV
inline constexpr units::dimension per_voltage_sq = per_voltage - units::dims::voltage;       // 1/mV^2
inline constexpr units::dimension voltage_sq = units::dims::voltage + units::dims::voltage;  // mV^2
}  // namespace clopath_units

// The parameters NEST's Clopath neurons carry for the synapse (ClopathArchivingNode), names and defaults of NEST.
struct clopath_rule_params {
  units::quantity<clopath_units::per_voltage> A_LTD{14.0e-5};
  units::quantity<clopath_units::per_voltage_sq> A_LTP{8.0e-5};
  units::quantity<clopath_units::voltage_sq> u_ref_squared{60.0};
  units::voltage_q theta_plus{-45.3};
  units::voltage_q theta_minus{-70.6};
  bool A_LTD_const = true;
  units::time_q delay_u_bars{5.0};
};

template <class P, class F>
void each_clopath_param(P& p, F&& f) {
  f("A_LTD", p.A_LTD, range_check::any);
  f("A_LTP", p.A_LTP, range_check::any);
  f("u_ref_squared", p.u_ref_squared, range_check::positive);  // NEST: u_ref_squared > 0
  f("theta_plus", p.theta_plus, range_check::any);
  f("theta_minus", p.theta_minus, range_check::any);
  f("A_LTD_const", p.A_LTD_const, range_check::any);
  f("delay_u_bars", p.delay_u_bars, range_check::non_negative);
}

// The rule lowered for one neuron (or one homogeneous population): plain doubles, mV and ms.
struct clopath_rule {
  double A_LTD, A_LTP, u_ref_squared, theta_plus, theta_minus;
  bool A_LTD_const;
  std::uint32_t delay_steps;  // round(delay_u_bars / dt)
  double dt;                  // ms
};

inline clopath_rule lower_clopath_rule(const clopath_rule_params& p, double dt) {
  return {p.A_LTD.value,
          p.A_LTP.value,
          p.u_ref_squared.value,
          p.theta_plus.value,
          p.theta_minus.value,
          p.A_LTD_const,
          static_cast<std::uint32_t>(std::llround(p.delay_u_bars.value / dt)),
          dt};
}

// Where a Clopath neuron model keeps the four voltages the rule reads (state indices); the model declares
// `static constexpr clopath_voltages clopath{...}` and has a `clopath_rule_params clopath_rule` in its params.
struct clopath_voltages {
  int u, u_bar_plus, u_bar_minus, u_bar_bar;
};

// The LTP entry dw of a step (0 when the condition does not hold, which writes no entry).
VOLLEY_HD inline bool clopath_ltp(const clopath_rule& r, double u, double delayed_u_bar_plus, double& dw) {
  if (!(u > r.theta_plus && delayed_u_bar_plus > r.theta_minus)) return false;
  dw = r.A_LTP * (u - r.theta_plus) * (delayed_u_bar_plus - r.theta_minus) * r.dt;
  return true;
}

// The LTD value of a step (0 when u- <= theta_minus: NEST writes no entry then, and a lookup finds none).
VOLLEY_HD inline double clopath_ltd(const clopath_rule& r, double delayed_u_bar_minus, double u_bar_bar) {
  if (!(delayed_u_bar_minus > r.theta_minus)) return 0.0;
  return r.A_LTD_const ? r.A_LTD * (delayed_u_bar_minus - r.theta_minus)
                       : r.A_LTD * u_bar_bar * u_bar_bar * (delayed_u_bar_minus - r.theta_minus) / r.u_ref_squared;
}

// clopath_synapse's parameters (ms, the weight's unit), lowered.
struct clopath_synapse_constants {
  double tau_x = 15.0;  // ms
  double Wmin = 0.0, Wmax = 100.0;
};

// Step 1 for one LTP entry; minus_dt_ms = (t_last - (t_j + d)) dt (< 0).
VOLLEY_HD inline double clopath_facilitate(const clopath_synapse_constants& c, double w, double dw, double x_bar,
                                           double minus_dt_ms) {
  const double n = w + dw * (x_bar * std::exp(minus_dt_ms / c.tau_x));
  return n < c.Wmax ? n : c.Wmax;
}

// Step 2.
VOLLEY_HD inline double clopath_depress(const clopath_synapse_constants& c, double w, double ltd) {
  const double n = w - ltd;
  return n > c.Wmin ? n : c.Wmin;
}

// Step 3: the trace after a spike at t (steps) from the one after the spike at t_last.
VOLLEY_HD inline double clopath_x_bar_after(const clopath_synapse_constants& c, double x_bar, std::uint64_t t_last,
                                            std::uint64_t t, double dt) {
  return x_bar * std::exp(-static_cast<double>(t - t_last) * dt / c.tau_x) + 1.0 / c.tau_x;
}

}  // namespace volley::models
