#pragma once
// BrainPy-style kinetic synapses (Destexhe, Mainen & Sejnowski 1994) kept per target neuron (align-post), with
// brainpy.state's names, parameters and defaults. A spike releases transmitter [T] = T for T_dur, and
//   AMPA, GABAa  ds/dt = alpha [T] (1 - s) - beta s                                  (open fraction s)
//   BioNMDA      dx/dt = alpha2 [T] (1 - x) - beta2 x,   ds/dt = alpha1 x (1 - s) - beta1 s
//
// What brainpy.state does: these synapses are not AlignPost there. They keep s per presynaptic neuron j
// (align_pre_projection), restart j's pulse when j spikes during it ([T] is on in the steps whose start t has
// t - t_spike < T_dur, i.e. ceil(T_dur/dt) steps), hold [T] and x over each step in exponential Euler, and the
// target sees sum_j w_j s_j: linear in the weights and across sources, nonlinear only within one source (s_j <= 1,
// pulse restart).
// What volley does: the state is per target neuron, so sources cannot be told apart; we keep the linear part.
// The summed weight w arriving in a step is a *release* onto fresh terminals of conductance w (those of the
// sources that spiked); they see [T] = T for T_dur and then follow the equations above in weight units. One
// release gives g(t) = w s(t), s brainpy.state's open fraction after one spike from rest; releases whose pulses do
// not overlap superpose exactly. A source that fires again while its synapse is open adds fresh terminals (no
// per-source saturation, unlike align-pre). Weights are maximal conductances (nS) and should not be negative.
// An arrival while transmitter is present joins that release (P += w), and the pulse end moves to the
// weight-averaged end, rho <- (|P| rho + |w| T_dur) / (|P| + |w|): each unit of weight still sees transmitter for
// T_dur in total. This merge of overlapping releases is the one approximation of AMPA/GABAa.
//
// The pulse starts when the release is added (end of its arrival step, as every receptor input) and lasts T_dur
// exactly, also when T_dur is not a multiple of dt.
//
// State per neuron (weight units unless said; 0 is the g the output sees; older releases' part is g - g_r):
//   AMPA, GABAa  0 g (all terminals), 1 g_r (latest release), 2 P (its weight), 3 rho (ms of transmitter left)
//   BioNMDA      0 g, 1 g_r, 2 P, 3 rho, 4 X_r = P x of the latest release, and for the older releases
//                5 X_o = sum w x, 6 Z_o = sum w x^2, 7 Y_o = sum w x s
// A release stays "latest" until the next arrival after its pulse; then it joins the older ones. AMPA/GABAa
// older terminals just decay with beta. BioNMDA's older terminals still open while their x decays; they are
// summed exactly by X_o and Z_o (pure decays) and Y_o, whose equation needs sum w x^2 s, closed as
// Z_o Y_o / X_o (exact while the older terminals come from one release):
//   dY_o/dt = -(beta1 + beta2) Y_o + alpha1 Z_o (1 - Y_o/X_o),   dG_o/dt = alpha1 (X_o - Y_o) - beta1 G_o.
// Integration: AMPA/GABAa and all x stages exactly ([T] piecewise constant; a pulse ending inside a step splits
// the step there). BioNMDA's s stages by exponential Euler with the exact means over the step of x, and of the
// rates depending on it: second order (brainpy.state holds x at its end-of-step value: first order).
// Measured in tests/test_receptors.cpp at dt = 0.1 ms against RK4: one release, AMPA/GABAa to rounding, BioNMDA
// 5e-6 of the open fraction (1.3e-6 at dt/2); against independent terminals (sum of one-release responses), a
// train of arrivals every 0.3 ms gives a mean g 2 % (AMPA), 4 % (GABAa) low and 3.5 % (BioNMDA) high.
#include <cmath>
#include <cstddef>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"

namespace volley::models {

using binding_rate_q = units::quantity<units::dims::rate - units::dims::concentration>;  // 1/(ms mM)

struct ampa_params {
  static constexpr const char* name = "AMPA";
  binding_rate_q alpha{0.98};
  units::rate_q beta{0.18};
  units::concentration_q T{0.5};
  units::time_q T_dur{0.5};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("alpha", p.alpha, range_check::positive);
    f("beta", p.beta, range_check::positive);
    f("T", p.T, range_check::positive);
    f("T_dur", p.T_dur, range_check::positive);
  }
};
struct gabaa_params {
  static constexpr const char* name = "GABAa";
  binding_rate_q alpha{0.53};
  units::rate_q beta{0.18};
  units::concentration_q T{1.0};
  units::time_q T_dur{1.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    ampa_params::each_param(p, f);
  }
};
struct bionmda_params {
  static constexpr const char* name = "BioNMDA";
  units::rate_q alpha1{2.0};
  units::rate_q beta1{0.01};
  binding_rate_q alpha2{1.0};
  units::rate_q beta2{0.5};
  units::concentration_q T{1.0};
  units::time_q T_dur{0.5};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("alpha1", p.alpha1, range_check::positive);
    f("beta1", p.beta1, range_check::positive);
    f("alpha2", p.alpha2, range_check::positive);
    f("beta2", p.beta2, range_check::positive);
    f("T", p.T, range_check::positive);
    f("T_dur", p.T_dur, range_check::positive);
  }
};

// A first-order stage over one step dt: rate lambda toward s_inf while transmitter is left, rate beta toward 0.
struct kinetic_stage_constants {
  real_t s_inf = 0;   // alpha T / (alpha T + beta)
  real_t lambda = 0;  // alpha T + beta (1/ms)
  real_t beta = 0;    // 1/ms
  real_t e_on = 0;    // exp(-lambda dt)
  real_t e_off = 0;   // exp(-beta dt)
  real_t i_on = 0;    // (1 - e_on)/lambda (ms): integral of exp(-lambda t) over the step
  real_t i_off = 0;   // (1 - e_off)/beta (ms)
};

struct kinetic_constants {
  real_t dt = 0;                  // ms
  real_t t_dur = 0;               // ms
  kinetic_stage_constants stage;  // AMPA, GABAa: s; BioNMDA: x
  real_t alpha1 = 0;              // BioNMDA (1/ms)
  real_t beta1 = 0;               // BioNMDA (1/ms)
  real_t s_decay = 0;             // BioNMDA: exp(-beta1 dt)
  real_t s_int = 0;               // BioNMDA: (1 - s_decay)/beta1 (ms)
  real_t x2_decay = 0;            // BioNMDA: exp(-2 beta2 dt), the decay of sum w x^2
  real_t x2_int = 0;              // BioNMDA: (1 - x2_decay)/(2 beta2) (ms)
};

inline kinetic_constants kinetic_constants_for(double on_rate, double beta, double t_dur, double dt) {
  const double lambda = on_rate + beta;
  kinetic_constants c;
  c.dt = static_cast<real_t>(dt);
  c.t_dur = static_cast<real_t>(t_dur);
  c.stage = {static_cast<real_t>(on_rate / lambda),
             static_cast<real_t>(lambda),
             static_cast<real_t>(beta),
             static_cast<real_t>(std::exp(-lambda * dt)),
             static_cast<real_t>(std::exp(-beta * dt)),
             static_cast<real_t>(-std::expm1(-lambda * dt) / lambda),
             static_cast<real_t>(-std::expm1(-beta * dt) / beta)};
  return c;
}
inline kinetic_constants kinetic_constants_for(const ampa_params& p, double dt) {
  return kinetic_constants_for(p.alpha.value * p.T.value, p.beta.value, p.T_dur.value, dt);
}
inline kinetic_constants kinetic_constants_for(const gabaa_params& p, double dt) {
  return kinetic_constants_for(p.alpha.value * p.T.value, p.beta.value, p.T_dur.value, dt);
}
inline kinetic_constants kinetic_constants_for(const bionmda_params& p, double dt) {
  kinetic_constants c = kinetic_constants_for(p.alpha2.value * p.T.value, p.beta2.value, p.T_dur.value, dt);
  const double b1 = p.beta1.value, b2 = p.beta2.value;
  c.alpha1 = static_cast<real_t>(p.alpha1.value);
  c.beta1 = static_cast<real_t>(b1);
  c.s_decay = static_cast<real_t>(std::exp(-b1 * dt));
  c.s_int = static_cast<real_t>(-std::expm1(-b1 * dt) / b1);
  c.x2_decay = static_cast<real_t>(std::exp(-2 * b2 * dt));
  c.x2_int = static_cast<real_t>(-std::expm1(-2 * b2 * dt) / (2 * b2));
  return c;
}

// Advances a first-order stage of one cell over one step: `total` (sum over terminals) and `latest` (the latest
// release's part, toward s_inf P while rho ms of transmitter are left). Returns the integral of `total` over the
// step (weight unit x ms).
VOLLEY_HD VOLLEY_INLINE real_t kinetic_stage_step(const kinetic_stage_constants& k, real_t dt, real_t& total,
                                                  real_t& latest, real_t P, real_t rho) {
  const real_t older = total - latest;
  const real_t target = k.s_inf * P;
  real_t end, area;
  if (rho >= dt * real_t(1 - 1e-6)) {  // transmitter all step (the tolerance absorbs rounding in rho)
    end = target + (latest - target) * k.e_on;
    area = target * dt + (latest - target) * k.i_on;
  } else if (rho > 0) {  // the pulse ends inside the step: split it there
    const real_t tail = dt - rho, em_on = std::expm1(-k.lambda * rho), em_off = std::expm1(-k.beta * tail);
    const real_t mid = target + (latest - target) * (1 + em_on);
    end = mid * (1 + em_off);
    area = target * rho - (latest - target) * em_on / k.lambda - mid * em_off / k.beta;
  } else {
    end = latest * k.e_off;
    area = latest * k.i_off;
  }
  total = older * k.e_off + end;
  latest = end;
  return older * k.i_off + area;
}

// Transmitter time left after a step (0 once used up; rounding below 1e-6 dt counts as used up).
VOLLEY_HD VOLLEY_INLINE real_t pulse_left(real_t rho, real_t dt) {
  const real_t r = rho - dt;
  return r > dt * real_t(1e-6) ? r : real_t(0);
}

// Adds the summed weight w arriving in a step: joins the running pulse, or starts a new release (returns true; the
// caller then moves the latest release to the older ones).
VOLLEY_HD VOLLEY_INLINE bool kinetic_arrival(real_t t_dur, real_t& P, real_t& rho, real_t w) {
  if (rho > 0) {
    const real_t a = std::fabs(P), b = std::fabs(w);
    rho = (a * rho + b * t_dur) / (a + b);
    P += w;
    return false;
  }
  P = w;
  rho = t_dur;
  return true;
}

// y after one step of dy/dt = drive - rate y, drive and rate held (exponential Euler).
VOLLEY_HD VOLLEY_INLINE real_t exp_euler(real_t y, real_t drive, real_t rate, real_t dt) {
  const real_t em1 = std::expm1(-rate * dt);  // e^{-rate dt} - 1
  const real_t phi = std::fabs(rate * dt) > real_t(1e-12) ? -em1 / rate : dt;
  return y * (1 + em1) + drive * phi;
}

// AMPA, GABAa: one step of cell k, then the weight arriving in it. s: the receptor's state columns.
VOLLEY_HD VOLLEY_INLINE void first_order_kinetic_advance(const kinetic_constants& c, real_t* const* s, std::size_t k,
                                                         real_t arriving) {
  real_t g = s[0][k], latest = s[1][k], P = s[2][k], rho = s[3][k];
  kinetic_stage_step(c.stage, c.dt, g, latest, P, rho);
  rho = pulse_left(rho, c.dt);
  if (arriving != 0 && kinetic_arrival(c.t_dur, P, rho, arriving)) latest = 0;  // older ones: g - latest
  s[0][k] = g;
  s[1][k] = latest;
  s[2][k] = P;
  s[3][k] = rho;
}

// BioNMDA: one step of cell k, then the weight arriving in it.
VOLLEY_HD VOLLEY_INLINE void bionmda_advance(const kinetic_constants& c, real_t* const* s, std::size_t k,
                                             real_t arriving) {
  const real_t dt = c.dt;
  real_t g = s[0][k], g_r = s[1][k], P = s[2][k], rho = s[3][k];
  real_t X_r = s[4][k], X_o = s[5][k], Z_o = s[6][k], Y_o = s[7][k];
  // latest release: x exactly, then s with x at its mean over the step
  real_t X_r_all = X_r;
  const real_t xr_mean = kinetic_stage_step(c.stage, dt, X_r_all, X_r, P, rho) / dt;
  const real_t drive_r = c.alpha1 * xr_mean;
  const real_t g_r_new = exp_euler(g_r, drive_r, drive_r * (P != 0 ? 1 / P : real_t(0)) + c.beta1, dt);
  // older releases: X_o, Z_o decay exactly (beta2, 2 beta2); Y_o's rate has the mean of alpha1 Z_o/X_o, which
  // decays with beta2; G_o takes the step mean of X_o - Y_o (Y_o by the trapezoid rule)
  const real_t G_o = g - g_r;
  const real_t x_mean_o = X_o != 0 ? Z_o / X_o * c.stage.i_off / dt : real_t(0);
  const real_t Y_new = exp_euler(Y_o, c.alpha1 * Z_o * c.x2_int / dt, c.stage.beta + c.beta1 + c.alpha1 * x_mean_o, dt);
  const real_t G_o_new = G_o * c.s_decay + c.alpha1 * (X_o * c.stage.i_off / dt - (Y_o + Y_new) / 2) * c.s_int;
  X_o *= c.stage.e_off;
  Z_o *= c.x2_decay;
  Y_o = Y_new;
  g = G_o_new + g_r_new;
  g_r = g_r_new;
  rho = pulse_left(rho, dt);
  if (arriving != 0) {
    if (rho <= 0 && P != 0) {  // the latest release joins the older ones (its terminals share x = X_r/P, s = g_r/P)
      X_o += X_r;
      Z_o += X_r * X_r / P;
      Y_o += X_r * g_r / P;
    }
    if (kinetic_arrival(c.t_dur, P, rho, arriving)) g_r = X_r = 0;
  }
  s[0][k] = g;
  s[1][k] = g_r;
  s[2][k] = P;
  s[3][k] = rho;
  s[4][k] = X_r;
  s[5][k] = X_o;
  s[6][k] = Z_o;
  s[7][k] = Y_o;
}

}  // namespace volley::models
