// FitzHughNagumo and HindmarshRose (models/fhn_hr.hpp) against an independent RK4 integration of the same ODEs,
// the FitzHugh-Nagumo Hopf bifurcation (rest below, limit cycle above) and Hindmarsh-Rose bursting.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/fhn_hr.hpp"
#include "tests/support/spike_train.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_fhn_hr {

using namespace volley;
using namespace volley::units::literals;
using models::FitzHughNagumo;
using models::HindmarshRose;

using volley::test::burst_sizes;
using volley::test::isis;

namespace {

// What one simulated neuron did: every state variable after every step, spike times (end of the spike step, ms).
struct neuron_run {
  std::vector<std::vector<double>> x;  // [variable][step]
  std::vector<double> spikes;
};

// One neuron with constant drive I (dimensionless: 1 pA = 1), run for T ms with step dt.
template <class Model>
neuron_run simulate(const typename Model::params& p, double dt, double I, double T) {
  network net({.dt = units::time_q(dt)});
  net.add_population<Model>("N", 1, p);
  net.add_constant_current("N", units::current_q(I));
  simulator sim(net);
  sim.record_spikes("N");
  for (const auto& f : Model::state_fields) sim.record_trace({"N", f.name, {0}, 0.0_ms});
  sim.run(units::time_q(T));
  neuron_run out;
  for (const auto& tr : sim.record().traces) out.x.emplace_back(tr.values.begin(), tr.values.end());
  for (auto s : sim.record().spikes[0].step) out.spikes.push_back((s + 1) * dt);
  return out;
}

// Independent reference: classic RK4 with step h = 1 us, x sampled every 0.025 ms (sample m is x(m * 0.025 ms));
// spikes are upward crossings of V_th by x[0], located by linear interpolation inside the substep.
template <std::size_t N>
struct reference_run {
  static constexpr double h = 0.001, sample_dt = 0.025;
  std::vector<std::array<double, N>> x;
  std::vector<double> spikes;
};

template <std::size_t N, class F>
reference_run<N> rk4(F f, std::array<double, N> x, double T, double V_th) {
  using R = reference_run<N>;
  R r;
  const double h = R::h;
  const long steps = std::lround(T / h), every = std::lround(R::sample_dt / h);
  r.x.push_back(x);
  std::array<double, N> k1, k2, k3, k4, y;
  for (long n = 0; n < steps; ++n) {
    f(x, k1);
    for (std::size_t i = 0; i < N; ++i) y[i] = x[i] + h / 2 * k1[i];
    f(y, k2);
    for (std::size_t i = 0; i < N; ++i) y[i] = x[i] + h / 2 * k2[i];
    f(y, k3);
    for (std::size_t i = 0; i < N; ++i) y[i] = x[i] + h * k3[i];
    f(y, k4);
    const double v_old = x[0];
    for (std::size_t i = 0; i < N; ++i) x[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    if (v_old < V_th && x[0] >= V_th) r.spikes.push_back((n + (V_th - v_old) / (x[0] - v_old)) * h);
    if ((n + 1) % every == 0) r.x.push_back(x);
  }
  return r;
}

reference_run<2> fhn_reference(double I, double T) {
  const double a = 0.7, b = 0.8, tau = 1.0, tau_w = 12.5;
  return rk4<2>(
      [&](const std::array<double, 2>& x, std::array<double, 2>& d) {
        d[0] = (x[0] - x[0] * x[0] * x[0] / 3 - x[1] + I) / tau;
        d[1] = (x[0] + a - b * x[1]) / tau_w;
      },
      {-1.2, -0.62}, T, 1.0);
}

reference_run<3> hr_reference(double I, double T) {
  const double a = 1, b = 3, c = 1, d = 5, r = 0.006, s = 4, V_r = -1.6, tau = 1.0;
  return rk4<3>(
      [&](const std::array<double, 3>& x, std::array<double, 3>& dx) {
        dx[0] = (x[1] - a * x[0] * x[0] * x[0] + b * x[0] * x[0] - x[2] + I) / tau;
        dx[1] = (c - d * x[0] * x[0] - x[1]) / tau;
        dx[2] = r * (s * (x[0] - V_r) - x[2]) / tau;
      },
      {-1.6, -10.0, 0.0}, T, 1.0);
}

// Largest |x_engine - x_reference| of variable `var` over samples at times in [t0, t1] of a run with step dt.
template <std::size_t N>
double max_error(const neuron_run& run, const reference_run<N>& ref, int var, double dt, double t0, double t1) {
  const long stride = std::lround(dt / ref.sample_dt);
  double err = 0;
  for (std::size_t k = 0; k < run.x[var].size(); ++k) {
    const double t = (k + 1) * dt;
    if (t >= t0 - 1e-9 && t <= t1 + 1e-9) err = std::max(err, std::abs(run.x[var][k] - ref.x[(k + 1) * stride][var]));
  }
  return err;
}

// FitzHugh-Nagumo equilibrium for drive I: w = (V + a)/b and V - V^3/3 - w + I = 0 (one real root for b < 1).
double fhn_rest_V(double I) {
  const double a = 0.7, b = 0.8;
  double V = -1.0;
  for (int i = 0; i < 100; ++i) {
    const double g = V - V * V * V / 3 - (V + a) / b + I, dg = 1 - V * V - 1 / b;
    V -= g / dg;
  }
  return V;
}

// Hopf point: the trace of the Jacobian, (1 - V^2)/tau - b/tau_w, vanishes at V_H = -sqrt(1 - b tau/tau_w); the
// current that puts the equilibrium there is I_H = (V_H + a)/b - V_H + V_H^3/3 = 0.3313.
double fhn_hopf_current() {
  const double a = 0.7, b = 0.8, V = -std::sqrt(1 - b * 1.0 / 12.5);
  return (V + a) / b - V + V * V * V / 3;
}

}  // namespace

TEST(FitzHughNagumo, DefaultsAndInitialStateAreBrainpyStates) {
  const auto p = FitzHughNagumo::defaults();
  EXPECT_EQ(p.a.value, 0.7);
  EXPECT_EQ(p.b.value, 0.8);
  EXPECT_EQ(p.tau.value, 1.0);
  EXPECT_EQ(p.tau_w.value, 12.5);
  EXPECT_EQ(p.V_th.value, 1.0);
  real_t s[FitzHughNagumo::n_state];
  FitzHughNagumo::initial_state(p, s);
  EXPECT_EQ(s[FitzHughNagumo::V], real_t(-1.2));
  EXPECT_EQ(s[FitzHughNagumo::w], real_t(-0.62));
  const auto q = HindmarshRose::defaults();
  EXPECT_EQ(q.a.value, 1.0);
  EXPECT_EQ(q.b.value, 3.0);
  EXPECT_EQ(q.c.value, 1.0);
  EXPECT_EQ(q.d.value, 5.0);
  EXPECT_EQ(q.r.value, 0.006);
  EXPECT_EQ(q.s.value, 4.0);
  EXPECT_EQ(q.V_r.value, -1.6);
  EXPECT_EQ(q.tau.value, 1.0);
  EXPECT_EQ(q.V_th.value, 1.0);
  real_t h[HindmarshRose::n_state];
  HindmarshRose::initial_state(q, h);
  EXPECT_EQ(h[HindmarshRose::V], real_t(-1.6));
  EXPECT_EQ(h[HindmarshRose::y], real_t(-10.0));
  EXPECT_EQ(h[HindmarshRose::z], real_t(0.0));
}

// One step is brainpy.state's update: every variable by exponential Euler from the state at the start of the step
// (w reads the old V, unlike Izhikevich's u).
TEST(FitzHughNagumo, OneStepFollowsBrainpyUpdate) {
  const double dt = 0.1, I = 0.5, V0 = -1.2, w0 = -0.62, a = 0.7, b = 0.8, tau_w = 12.5;
  const auto run = simulate<FitzHughNagumo>(FitzHughNagumo::defaults(), dt, I, dt);
  const double J = 1 - V0 * V0;
  EXPECT_NEAR(run.x[0][0], V0 + std::expm1(J * dt) / J * (V0 - V0 * V0 * V0 / 3 - w0 + I), 1e-12);
  EXPECT_NEAR(run.x[1][0], w0 - std::expm1(-b * dt / tau_w) / b * (V0 + a - b * w0), 1e-12);
}

TEST(HindmarshRose, OneStepFollowsBrainpyUpdate) {
  const double dt = 0.1, I = 3.0, V0 = -1.6, y0 = -10.0, z0 = 0.0;
  const auto run = simulate<HindmarshRose>(HindmarshRose::defaults(), dt, I, dt);
  const double J = 2 * 3 * V0 - 3 * V0 * V0;
  EXPECT_NEAR(run.x[0][0], V0 + std::expm1(J * dt) / J * (y0 - V0 * V0 * V0 + 3 * V0 * V0 - z0 + I), 1e-12);
  EXPECT_NEAR(run.x[1][0], y0 - std::expm1(-dt) * (1 - 5 * V0 * V0 - y0), 1e-12);
  EXPECT_NEAR(run.x[2][0], z0 - std::expm1(-0.006 * dt) * (4 * (V0 + 1.6) - z0), 1e-15);
}

// FitzHugh-Nagumo on its limit cycle (I = 0.5) over the first 30 ms (upstroke, plateau, down stroke), against RK4.
// Every variable is advanced with the other held at its start-of-step value: local error dt^2/2 * (coupling x rate
// of the held variable), first order globally. The slow w (|dw/dt| <= 0.2/ms) held in the V step gives a V error of
// ~ dt/2 * 0.2 / |J_V|, the V dynamics contracting at |J_V| = |1 - V^2| >~ 0.4/ms on the outer branches: ~0.025 at
// dt = 0.1 ms (measured 0.032); bound 0.1. Halving dt must halve the errors of V and w.
TEST(FitzHughNagumo, TrajectoryConvergesAtFirstOrderToRk4) {
  const double I = 0.5, T = 30.0;
  const auto ref = fhn_reference(I, T);
  double err[3], err_w[3];
  const double dts[3] = {0.1, 0.05, 0.025};
  for (int i = 0; i < 3; ++i) {
    const auto run = simulate<FitzHughNagumo>(FitzHughNagumo::defaults(), dts[i], I, T);
    err[i] = max_error(run, ref, 0, dts[i], 0.0, T);
    err_w[i] = max_error(run, ref, 1, dts[i], 0.0, T);
  }
  EXPECT_LT(err[0], 0.1);
  EXPECT_GT(err[0], 1e-3);
  EXPECT_NEAR(err[0] / err[1], 2.0, 0.3);
  EXPECT_NEAR(err[1] / err[2], 2.0, 0.3);
  EXPECT_NEAR(err_w[0] / err_w[1], 2.0, 0.3);
  EXPECT_NEAR(err_w[1] / err_w[2], 2.0, 0.3);
}

// Below the Hopf current (I = 0.75 I_H) the equilibrium is stable: after at most one spike excited by switching the
// drive on, V settles at the equilibrium (the scheme's fixed points are the ODE's) and never fires again.
TEST(FitzHughNagumo, RestsBelowHopfCurrent) {
  const double I_H = fhn_hopf_current();
  ASSERT_NEAR(I_H, 0.3313, 1e-4);
  const double I = 0.75 * I_H;
  const auto run = simulate<FitzHughNagumo>(FitzHughNagumo::defaults(), 0.1, I, 1000.0);
  EXPECT_LE(run.spikes.size(), 1u);
  for (double t : run.spikes) EXPECT_LT(t, 50.0);
  const double V_star = fhn_rest_V(I);
  EXPECT_NEAR(run.x[0].back(), V_star, 1e-6);
  EXPECT_NEAR(run.x[1].back(), (V_star + 0.7) / 0.8, 1e-6);
  EXPECT_TRUE(fhn_reference(I, 1000.0).spikes.size() <= 1u);
}

// Above the Hopf current (I = 1.5 I_H) V runs on a relaxation limit cycle: regular spikes, one per upward crossing
// of V_th although V stays above it for several ms, with the RK4 period (39.5 ms). The period carries the first-order
// error of the scheme: measured 0.2 % at dt = 0.1 ms; bound 1 %.
TEST(FitzHughNagumo, LimitCycleAboveHopfCurrent) {
  const double I = 1.5 * fhn_hopf_current(), T = 1000.0, dt = 0.1;
  const auto run = simulate<FitzHughNagumo>(FitzHughNagumo::defaults(), dt, I, T);
  const auto ref = fhn_reference(I, T);
  ASSERT_GE(ref.spikes.size(), 20u);
  ASSERT_GE(run.spikes.size(), 20u);
  const auto period = [](const std::vector<double>& s) { return (s.back() - s[5]) / double(s.size() - 6); };
  EXPECT_NEAR(period(run.spikes), period(ref.spikes), 0.01 * period(ref.spikes));
  for (std::size_t i = 6; i < run.spikes.size(); ++i)
    EXPECT_NEAR(run.spikes[i] - run.spikes[i - 1], period(run.spikes), 2 * dt);
  // rising edges only: every spike is an upward crossing of the trace, and V stays above V_th for > 10 steps
  const auto& V = run.x[0];
  std::size_t crossings = 0, steps_above = 0;
  for (std::size_t k = 1; k < V.size(); ++k) {
    crossings += V[k - 1] < 1.0 && V[k] >= 1.0;
    steps_above += V[k] >= 1.0;
  }
  EXPECT_EQ(crossings + (V[0] >= 1.0 ? 1 : 0), run.spikes.size());
  EXPECT_GT(steps_above, 10 * run.spikes.size());
  const auto [lo, hi] = std::minmax_element(V.begin() + V.size() / 2, V.end());
  EXPECT_GT(*hi, 1.8);  // relaxation oscillation between the outer branches of the cubic nullcline
  EXPECT_LT(*lo, -1.8);
}

// Hindmarsh-Rose from the brainpy.state initial state with I = 3, against RK4, over the rise to the first spike
// (0-3 ms: y recovers from -10 to -2 while V climbs from -1.6 to -0.2). V is advanced with y and z held: local error
// dt^2/2 * dy/dt (the coupling dV/dt per y is 1/tau), and nothing contracts it on the rise, so the V error is about
// dt/2 * |y(3 ms) - y(0)| = 0.4 at dt = 0.1 ms: first order. (Past the first spike the phase error, 1-2 ms per
// ISI at dt = 0.1 ms, is comparable with the spike width, so trajectories are compared only up to it.)
// The first spike times converge at first order too.
TEST(HindmarshRose, TrajectoryConvergesAtFirstOrderToRk4) {
  const double I = 3.0, T = 3.0;
  const auto ref = hr_reference(I, 10.0);
  ASSERT_GE(ref.spikes.size(), 1u);
  double err[3], spike_err[3];
  const double dts[3] = {0.1, 0.05, 0.025};
  for (int i = 0; i < 3; ++i) {
    const auto run = simulate<HindmarshRose>(HindmarshRose::defaults(), dts[i], I, 10.0);
    err[i] = max_error(run, ref, 0, dts[i], 0.0, T);
    ASSERT_GE(run.spikes.size(), 1u);
    spike_err[i] = run.spikes[0] - ref.spikes[0];
  }
  EXPECT_LT(err[0], 0.4);
  EXPECT_GT(err[0], 0.04);
  EXPECT_NEAR(err[0] / err[1], 2.0, 0.3);
  EXPECT_NEAR(err[1] / err[2], 2.0, 0.3);
  EXPECT_NEAR(spike_err[0] / spike_err[1], 2.0, 0.5);
  EXPECT_NEAR(spike_err[1] / spike_err[2], 2.0, 0.5);
}

// Bursting at the standard parameters (brainpy.state defaults, I = 2): bursts of 2 spikes ~15 ms apart every
// ~128 ms (RK4). At dt = 0.1 ms the first-order error of exponential Euler (with tau = 1 ms) is large enough to
// turn the bursts into single spikes (a property of the scheme, shared by brainpy.state); dt = 0.01 ms keeps them,
// with a burst period 2 % short of RK4's (first-order error; bound 5 %).
TEST(HindmarshRose, BurstsAtStandardParameters) {
  const double I = 2.0, T = 1500.0, dt = 0.01;
  const auto ref = hr_reference(I, T);
  const auto run = simulate<HindmarshRose>(HindmarshRose::defaults(), dt, I, T);
  const auto after = [](const std::vector<double>& s, double t0) {
    std::vector<double> out;
    for (double t : s)
      if (t >= t0) out.push_back(t);
    return out;
  };
  const auto settled = after(run.spikes, 500.0), settled_ref = after(ref.spikes, 500.0);
  const auto sizes = burst_sizes(settled, 50.0), sizes_ref = burst_sizes(settled_ref, 50.0);
  ASSERT_GE(sizes.size(), 6u);
  for (std::size_t i = 1; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], 2) << "burst " << i;  // first may be cut
  for (std::size_t i = 1; i + 1 < sizes_ref.size(); ++i) EXPECT_EQ(sizes_ref[i], 2) << "reference burst " << i;
  double intra = 0, inter = 1e9;
  for (std::size_t i = 1; i < settled.size(); ++i) {
    const double d = settled[i] - settled[i - 1];
    if (d < 50.0)
      intra = std::max(intra, d);
    else
      inter = std::min(inter, d);
  }
  // groups of short ISIs separated by much longer gaps
  EXPECT_GT(inter, 4 * intra);
  // burst period from the first spike of each burst
  const auto burst_period = [](const std::vector<double>& s) {
    std::vector<double> starts;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (i == 0 || s[i] - s[i - 1] >= 50.0) starts.push_back(s[i]);
    return (starts.back() - starts[1]) / double(starts.size() - 2);
  };
  EXPECT_NEAR(burst_period(settled), burst_period(settled_ref), 0.05 * burst_period(settled_ref));
}

}  // namespace test_model_fhn_hr
