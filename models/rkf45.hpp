#pragma once
// Adaptive Runge-Kutta-Fehlberg 4(5), as NEST integrates its aeif_*, iaf_cond_*, gif_cond_*, hh_* models: GSL's
// gsl_odeiv_step_rkf45 with gsl_odeiv_control_standard (y_new / yp_new) and gsl_odeiv_evolve_apply, rewritten as
// host-device code (fixed-size arrays, no allocation, no recursion) so that the trajectories match NEST's own to the
// rounding, not just to the tolerance.
//
// What GSL does, and this code too:
//   step     six stages (Fehlberg's nodes 1/4, 3/8, 12/13, 1, 1/2); the state advances with the 5th-order weights
//            (local extrapolation), yerr = h * sum (b5_i - b4_i) k_i, and dydt_out = f(t + h, y_new).
//   control  D_i = eps_abs + eps_rel (a_y |y_i| + a_dydt h |y'_i|) (y' = dydt_out), r = max_i |yerr_i| / D_i;
//            r > 1.1: reject, h *= max(0.2, 0.9 r^(-1/5)) (order 5); r < 0.5: accept, h *= clamp(0.9 r^(-1/6), 1, 5);
//            else accept, h unchanged. y_new(eps_abs, eps_rel) is a_y = 1, a_dydt = 0; yp_new is a_y = 0, a_dydt = 1.
//   evolve   one call advances from t towards t1 by one accepted step of at most h, truncated to t1 - t (then t lands
//            exactly on t1); k1 = f(t, y) is evaluated afresh in every call; a rejected step is redone from the saved
//            y with the smaller h unless the decrease would not move t by one ulp (then the step is kept, h too).
//            The h the control suggests is returned for the next call, after a truncated final step too.
//   NEST     while (t < dt) evolve_apply(..., &t, dt, &IntegrationStep_, y): IntegrationStep_ carries across
//            simulation steps (the models keep it in their state as h_ode); `integrate` is that loop, with a hook
//            after every accepted step (aeif: spike and reset there).
// Which evolve: NEST 3.10's references (tests/test_nest_cond.cpp) match to their 1e-9 rounding only with the
// evolve above, GSL 1.x's. GSL 2's gsl_odeiv_evolve_apply differs in two ways that each move V_m by 1e-3 to 0.02 mV
// here: it keeps h after a truncated final step, and from its second call on it takes k1 from the previous call's
// dydt_out, which NEST has made stale by adding the arriving conductance, resetting V or changing the current.
//
// The arithmetic is in double whatever real_t is: tolerances of 1e-6 mV are below float resolution at -70 mV.
// A bound on the step attempts per simulation step keeps a GPU thread from spinning on a diverging neuron; NEST has
// none (it takes the steps).
#include <cmath>

#include "engine/config.hpp"

namespace volley::models::rkf45 {

// GSL's standard step-size control (gsl_odeiv_control_standard_new(eps_abs, eps_rel, a_y, a_dydt)).
struct tolerance {
  double eps_abs;  // in the unit of each component (mV, nS, pA, ...)
  double eps_rel;
  double a_y;
  double a_dydt;
};
// gsl_odeiv_control_y_new: D_i = eps_abs + eps_rel |y_i|
VOLLEY_HD constexpr tolerance y_control(double eps_abs, double eps_rel) { return {eps_abs, eps_rel, 1.0, 0.0}; }
// gsl_odeiv_control_yp_new: D_i = eps_abs + eps_rel h |y'_i|
VOLLEY_HD constexpr tolerance yp_control(double eps_abs, double eps_rel) { return {eps_abs, eps_rel, 0.0, 1.0}; }

enum : int { step_decreased = -1, step_kept = 0, step_increased = 1 };

struct step_counts {
  int accepted = 0;  // accepted steps (evolve_apply calls)
  int rejected = 0;  // steps redone with a smaller h
};

// One RKF45 step of size h from (t, y) with k1 = f(t, y) given: y <- 5th-order solution, yerr, and
// dydt_out = f(t + h, y) when want_dydt_out (only the yp control reads it; GSL always evaluates it).
// System: void rhs(double t, const double* y, double* f) const.
template <int N, class System>
VOLLEY_HD VOLLEY_INLINE void step(const System& sys, double t, double h, double* y, const double* k1, double* yerr,
                                  double* dydt_out, bool want_dydt_out = true) {
  // Fehlberg's tableau as GSL writes it (rkf45.c): b_ij, the 5th-order weights c_i and ec_i = c_i - (4th order)_i
  constexpr double b21 = 1.0 / 4.0;
  constexpr double b31 = 3.0 / 32.0, b32 = 9.0 / 32.0;
  constexpr double b41 = 1932.0 / 2197.0, b42 = -7200.0 / 2197.0, b43 = 7296.0 / 2197.0;
  constexpr double b51 = 8341.0 / 4104.0, b52 = -32832.0 / 4104.0, b53 = 29440.0 / 4104.0, b54 = -845.0 / 4104.0;
  constexpr double b61 = -6080.0 / 20520.0, b62 = 41040.0 / 20520.0, b63 = -28352.0 / 20520.0, b64 = 9295.0 / 20520.0,
                   b65 = -5643.0 / 20520.0;
  constexpr double c1 = 902880.0 / 7618050.0, c3 = 3953664.0 / 7618050.0, c4 = 3855735.0 / 7618050.0,
                   c5 = -1371249.0 / 7618050.0, c6 = 277020.0 / 7618050.0;
  constexpr double ec1 = 1.0 / 360.0, ec3 = -128.0 / 4275.0, ec4 = -2197.0 / 75240.0, ec5 = 1.0 / 50.0,
                   ec6 = 2.0 / 55.0;
  double k2[N], k3[N], k4[N], k5[N], k6[N], tmp[N];
  for (int i = 0; i < N; ++i) tmp[i] = y[i] + b21 * h * k1[i];
  sys.rhs(t + 0.25 * h, tmp, k2);
  for (int i = 0; i < N; ++i) tmp[i] = y[i] + h * (b31 * k1[i] + b32 * k2[i]);
  sys.rhs(t + 0.375 * h, tmp, k3);
  for (int i = 0; i < N; ++i) tmp[i] = y[i] + h * (b41 * k1[i] + b42 * k2[i] + b43 * k3[i]);
  sys.rhs(t + 12.0 / 13.0 * h, tmp, k4);
  for (int i = 0; i < N; ++i) tmp[i] = y[i] + h * (b51 * k1[i] + b52 * k2[i] + b53 * k3[i] + b54 * k4[i]);
  sys.rhs(t + h, tmp, k5);
  for (int i = 0; i < N; ++i) tmp[i] = y[i] + h * (b61 * k1[i] + b62 * k2[i] + b63 * k3[i] + b64 * k4[i] + b65 * k5[i]);
  sys.rhs(t + 0.5 * h, tmp, k6);
  for (int i = 0; i < N; ++i) y[i] += h * (c1 * k1[i] + c3 * k3[i] + c4 * k4[i] + c5 * k5[i] + c6 * k6[i]);
  if (want_dydt_out) sys.rhs(t + h, y, dydt_out);
  for (int i = 0; i < N; ++i) yerr[i] = h * (ec1 * k1[i] + ec3 * k3[i] + ec4 * k4[i] + ec5 * k5[i] + ec6 * k6[i]);
}

// GSL's std_control_hadjust for a 5th-order stepper: the new h (ms) in h, and whether it decreased / kept / increased.
// |yerr_i| / D_i is the error ratio of component i; the step is rejected when the largest exceeds 1.1.
template <int N>
VOLLEY_HD VOLLEY_INLINE int adjust_step(const tolerance& tol, const double* y, const double* yerr, const double* yp,
                                        double& h) {
  const double h_old = h;
  double rmax = 2.2250738585072014e-308;  // DBL_MIN, as GSL starts
  for (int i = 0; i < N; ++i) {
    const double D = tol.eps_rel * (tol.a_y * std::fabs(y[i]) + tol.a_dydt * std::fabs(h_old * yp[i])) + tol.eps_abs;
    const double r = std::fabs(yerr[i]) / std::fabs(D);
    rmax = r > rmax ? r : rmax;  // GSL_MAX_DBL: a NaN ratio is skipped unless it comes first
  }
  if (rmax > 1.1) {
    const double r = 0.9 / std::pow(rmax, 1.0 / 5.0);  // a fraction 0.9 more than the scaling suggests, at most /5
    h = (r < 0.2 ? 0.2 : r) * h_old;
    return step_decreased;
  }
  if (rmax < 0.5) {
    const double r = 0.9 / std::pow(rmax, 1.0 / 6.0);  // at most x5, and never a decrease caused by the 0.9
    h = (r > 5.0 ? 5.0 : (r < 1.0 ? 1.0 : r)) * h_old;
    return step_increased;
  }
  return step_kept;
}

// gsl_odeiv_evolve_apply with the standard control: one accepted step from t towards t1 (> t); h (ms) is the trial
// step on entry and the suggested next one on return.
template <int N, class System>
VOLLEY_HD VOLLEY_INLINE void evolve_apply(const System& sys, const tolerance& tol, double& t, double t1, double* y,
                                          double& h, step_counts& n, int& attempts_left) {
  const double t0 = t;
  const double dt = t1 - t0;
  double y0[N], k1[N], yerr[N], dydt_out[N] = {};  // dydt_out stays 0 unless the control reads it
  for (int i = 0; i < N; ++i) y0[i] = y[i];
  sys.rhs(t0, y, k1);
  double h0 = h;
  for (;;) {
    const bool final_step = h0 > dt;
    h0 = final_step ? dt : h0;
    step<N>(sys, t0, h0, y, k1, yerr, dydt_out, tol.a_dydt != 0.0);
    --attempts_left;
    t = final_step ? t1 : t0 + h0;
    const double h_old = h0;
    const int adjusted = adjust_step<N>(tol, y, yerr, dydt_out, h0);
    if (adjusted == step_decreased) {
      if (std::fabs(h0) < std::fabs(h_old) && t + h0 != t && attempts_left > 0) {
        for (int i = 0; i < N; ++i) y[i] = y0[i];  // redo from the saved state with the smaller h
        ++n.rejected;
        continue;
      }
      h0 = h_old;  // no smaller step moves t (or out of attempts): keep this one and its size
    }
    ++n.accepted;
    h = h0;
    return;
  }
}

// NEST's loop over one simulation step of dt ms: evolve_apply until t reaches dt, then `after_step(y)` after every
// accepted step when System has it (aeif: the spike test and reset inside the loop; it may change the system, as the
// refractory clamp does). At most max_attempts step attempts (accepted or not); the rest of the interval is then
// skipped. h (ms): NEST's IntegrationStep_, carried from one call to the next.
template <int N, class System>
VOLLEY_HD VOLLEY_INLINE step_counts integrate(System& sys, const tolerance& tol, double dt, double* y, double& h,
                                              int max_attempts = 100000) {
  step_counts n;
  int attempts_left = max_attempts;
  double t = 0.0;
  while (t < dt && attempts_left > 0) {
    evolve_apply<N>(sys, tol, t, dt, y, h, n, attempts_left);
    if constexpr (requires { sys.after_step(y); }) sys.after_step(y);
  }
  return n;
}

}  // namespace volley::models::rkf45
