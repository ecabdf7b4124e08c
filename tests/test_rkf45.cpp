// models/rkf45.hpp, GSL's adaptive RKF45 as NEST drives it: the tableau (exact on polynomials of the orders it
// claims), closed-form solutions (exponential decay, a damped oscillator), the error control (every accepted step's
// own error estimate within 1.1 of the tolerance, rejections shrink h by at most 5, growth by at most 5) and the
// evolve loop (the last step lands on dt, the truncated final step still sets the next h, the attempt bound).
#include <gtest/gtest.h>

#include <cmath>

#include "models/rkf45.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_rkf45 {

using namespace volley::models;

namespace {

// dy/dt = -y / tau: y(t) = y0 exp(-t / tau)
struct decay {
  double tau;
  void rhs(double, const double* y, double* f) const { f[0] = -y[0] / tau; }
};

// x'' + 2 zeta w x' + w^2 x = 0 as (x, v): x(t) = exp(-zeta w t) (x0 cos(wd t) + (v0 + zeta w x0) / wd sin(wd t))
struct oscillator {
  double w, zeta;
  void rhs(double, const double* y, double* f) const {
    f[0] = y[1];
    f[1] = -2 * zeta * w * y[1] - w * w * y[0];
  }
  double x(double t, double x0, double v0) const {
    const double wd = w * std::sqrt(1 - zeta * zeta);
    return std::exp(-zeta * w * t) * (x0 * std::cos(wd * t) + (v0 + zeta * w * x0) / wd * std::sin(wd * t));
  }
};

// dy/dt = (p + 1) t^p: y(t) = t^(p+1)
struct power {
  int p;
  void rhs(double t, const double*, double* f) const { f[0] = (p + 1) * std::pow(t, p); }
};

// Largest |yerr_i| / D_i, as the control measures a step.
template <int N>
double error_ratio(const rkf45::tolerance& tol, const double* y, const double* yerr, const double* yp, double h) {
  double r = 0;
  for (int i = 0; i < N; ++i)
    r = std::max(r, std::abs(yerr[i]) /
                        (tol.eps_abs + tol.eps_rel * (tol.a_y * std::abs(y[i]) + tol.a_dydt * std::abs(h * yp[i]))));
  return r;
}

}  // namespace

TEST(Rkf45, TableauIsFifthOrderWithFourthOrderErrorEstimate) {
  // y' = f(t) makes a step a quadrature: the 5th-order weights are exact up to t^4, the embedded 4th-order ones
  // up to t^3, so yerr vanishes there and not for t^4
  for (int p = 0; p <= 4; ++p) {
    const power sys{p};
    double y[1] = {0}, yerr[1], k1[1], out[1];
    const double h = 0.7;
    sys.rhs(0, y, k1);
    rkf45::step<1>(sys, 0.0, h, y, k1, yerr, out);
    EXPECT_NEAR(y[0], std::pow(h, p + 1), 1e-15) << "t^" << p;
    if (p <= 3) {
      EXPECT_NEAR(yerr[0], 0.0, 1e-15) << "t^" << p;
    } else {
      EXPECT_GT(std::abs(yerr[0]), 1e-5) << "t^4: the 4th-order solution is not exact";
    }
    EXPECT_DOUBLE_EQ(out[0], (p + 1) * std::pow(h, p)) << "dydt_out = f(t + h, y)";
  }
}

TEST(Rkf45, ExponentialDecayOverManySimulationSteps) {
  // 100 ms of tau = 5 ms in steps of 0.1 ms, as NEST calls it, with y_new(1e-6, 0)
  const decay sys{5.0};
  const auto tol = rkf45::y_control(1e-6, 0.0);
  double y[1] = {70.0}, h = 0.1;
  double worst = 0;
  for (int k = 1; k <= 1000; ++k) {
    const auto n = rkf45::integrate<1>(sys, tol, 0.1, y, h);
    EXPECT_GE(n.accepted, 1);
    worst = std::max(worst, std::abs(y[0] - 70.0 * std::exp(-0.1 * k / 5.0)));
  }
  EXPECT_LT(worst, 1e-6);  // each step's local error is far below eps_abs; the global error stays below it too
  EXPECT_GT(h, 0.1) << "a smooth solution lets the step grow past dt";
}

TEST(Rkf45, DampedOscillatorMatchesClosedForm) {
  const oscillator sys{2.0, 0.1};  // w = 2 rad/ms
  for (double eps : {1e-3, 1e-6, 1e-9}) {
    const auto tol = rkf45::y_control(eps, 0.0);
    double y[2] = {1.0, 0.0}, h = 0.1;
    double worst = 0;
    for (int k = 1; k <= 200; ++k) {
      rkf45::integrate<2>(sys, tol, 0.1, y, h);
      worst = std::max(worst, std::abs(y[0] - sys.x(0.1 * k, 1.0, 0.0)));
    }
    // local errors below eps: the global error over 20 ms stays below 20 eps (steps are at most dt = 0.1 ms, so
    // the coarse tolerances do better than that)
    EXPECT_LT(worst, 20 * eps) << "eps_abs " << eps;
    std::printf("oscillator, eps_abs %g: max |x - exact| over 20 ms %.3g\n", eps, worst);
  }
}

TEST(Rkf45, AcceptedStepsHaveTheirErrorEstimateWithinTolerance) {
  // Every accepted step, redone alone with its length, has error ratio <= 1.1 (GSL accepts up to 1.1) and
  // reproduces the accepted state (to the rounding of t0 + h - t0); yp control, as aeif_cond_alpha uses it
  const oscillator sys{20.0, 0.05};
  const auto tol = rkf45::yp_control(1e-6, 1e-6);
  double y[2] = {1.0, 0.0}, t = 0.0, h = 0.5;  // too large a first trial: rejections first
  rkf45::step_counts n;
  int attempts = 1000000;
  while (t < 1.0) {
    const double t0 = t, y0[2] = {y[0], y[1]}, h_trial = h;
    const int rejected_before = n.rejected;
    rkf45::evolve_apply<2>(sys, tol, t, 1.0, y, h, n, attempts);
    double z[2] = {y0[0], y0[1]}, k1[2], zerr[2], zp[2];
    sys.rhs(t0, z, k1);
    rkf45::step<2>(sys, t0, t - t0, z, k1, zerr, zp);
    EXPECT_NEAR(z[0], y[0], 1e-12);
    EXPECT_NEAR(z[1], y[1], 1e-10);
    EXPECT_LE(error_ratio<2>(tol, z, zerr, zp, t - t0), 1.1) << "step from t = " << t0;
    if (n.rejected > rejected_before && t < 1.0) {  // (a final step is also truncated to what is left)
      // each rejection shrinks h by a factor in [1/5, 0.9/1.1^(1/5)]: k rejections at least 0.2^k of the trial
      EXPECT_GE(t - t0, h_trial * std::pow(0.2, n.rejected - rejected_before) * (1 - 1e-12));
    }
  }
  EXPECT_EQ(t, 1.0) << "the last step lands exactly on t1";
  EXPECT_GT(n.rejected, 0);
  std::printf("stiff-ish oscillator over 1 ms: %d accepted, %d rejected steps\n", n.accepted, n.rejected);
}

TEST(Rkf45, StepGrowsAtMostFiveFoldAndTruncatedFinalStepStillSetsTheNextOne) {
  const decay sys{5.0};
  const auto tol = rkf45::y_control(1e-3, 0.0);
  {
    double y[1] = {1.0}, h = 1e-6, t = 0.0;  // error ratio ~ 0: the control asks for more than x5
    rkf45::step_counts n;
    int attempts = 10;
    rkf45::evolve_apply<1>(sys, tol, t, 0.1, y, h, n, attempts);
    EXPECT_EQ(t, 1e-6);
    EXPECT_DOUBLE_EQ(h, 5e-6);
  }
  {
    // a trial step of 1 ms over an interval of 0.1 ms is truncated to 0.1 ms, and the next h is 5 x 0.1 ms
    // (GSL 1.x's evolve, which NEST 3.10's traces follow; GSL 2's would keep 1 ms)
    double y[1] = {1.0}, h = 1.0;
    const auto n = rkf45::integrate<1>(sys, tol, 0.1, y, h);
    EXPECT_EQ(n.accepted, 1);
    EXPECT_DOUBLE_EQ(h, 0.5);
  }
}

TEST(Rkf45, AttemptBoundEndsTheStepOnADivergingSystem) {
  // a stiff decay (tau = 1e-9 ms) with a tiny tolerance: GSL would shrink h towards 1e-9 ms and take ~1e8 steps
  const decay sys{1e-9};
  double y[1] = {1.0}, h = 0.1;
  const auto n = rkf45::integrate<1>(sys, rkf45::y_control(1e-12, 0.0), 0.1, y, h, 50);
  EXPECT_LE(n.accepted + n.rejected, 50);
  EXPECT_TRUE(std::isfinite(y[0]));
}

}  // namespace test_rkf45
