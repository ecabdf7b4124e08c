// QuaIF, AdQuaIF, AdQuaIFRef (models/quaif.hpp): QuaIF against its closed-form solution and analytic rheobase,
// the adaptive variants against an independent RK4 integration of the same ODE, resets and the refractory hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/quaif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_quaif {

using namespace volley;
using namespace volley::units::literals;
using models::AdQuaIF;
using models::AdQuaIFRef;
using models::QuaIF;

namespace {

// brainpy.state defaults, in mV, ms and 1/mV; with R = 1 ohm a current of 1 mA gives R I = 1 mV.
constexpr double tau = 10.0, V_th = -30.0, V_reset = -68.0, V_rest = -65.0, V_c = -50.0, c = 0.07;

// What one simulated neuron did: V (and w) after every step, spike times (end of the spike step, ms).
struct neuron_run {
  std::vector<double> V, w;
  std::vector<double> spikes;
};

template <class Model>
neuron_run simulate(const models::quaif_params& p, double dt, units::current_q I, double T, double V0 = -65.0) {
  network net({.dt = units::time_q(dt)});
  auto& pop = net.add_population<Model>("N", 1, p);
  pop.set_state(Model::V, 0, V0);
  net.add_constant_current("N", I);
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  if constexpr (Model::n_state > 1) sim.record_trace({"N", "w", {0}, 0.0_ms});
  sim.run(units::time_q(T));
  neuron_run out;
  const auto& rec = sim.record();
  out.V.assign(rec.traces[0].values.begin(), rec.traces[0].values.end());
  if constexpr (Model::n_state > 1) out.w.assign(rec.traces[1].values.begin(), rec.traces[1].values.end());
  for (auto s : rec.spikes[0].step) out.spikes.push_back((s + 1) * dt);
  return out;
}

// Closed form of tau dV/dt = c (V - V_rest)(V - V_c) + R I below the rheobase, where the right-hand side is
// c (V - V1)(V - V2) with real roots V1 < V2: q = (V - V2)/(V - V1) grows as q0 exp(c (V2 - V1) t / tau).
struct quadratic_roots {
  double V1, V2;
};
quadratic_roots roots(double RI) {
  const double disc = (V_c - V_rest) * (V_c - V_rest) - 4.0 * RI / c;
  return {(V_rest + V_c - std::sqrt(disc)) / 2, (V_rest + V_c + std::sqrt(disc)) / 2};
}
double closed_form_V(double RI, double V0, double t) {
  const auto [V1, V2] = roots(RI);
  const double q = (V0 - V2) / (V0 - V1) * std::exp(c * (V2 - V1) * t / tau);
  return (V2 - q * V1) / (1 - q);
}

// Above the rheobase R I_rh = c (V_c - V_rest)^2 / 4, with x = V - (V_rest + V_c)/2 and eps = R I - R I_rh:
// tau dx/dt = c x^2 + eps, x(t) = sqrt(eps/c) tan(sqrt(c eps) t / tau + atan(x0 sqrt(c/eps))).
double rheobase_RI() { return c * (V_c - V_rest) * (V_c - V_rest) / 4; }
double crossing_time_above_rheobase(double RI, double V0, double V) {
  const double eps = RI - rheobase_RI(), mid = (V_rest + V_c) / 2, k = std::sqrt(c / eps);
  return tau / std::sqrt(c * eps) * (std::atan((V - mid) * k) - std::atan((V0 - mid) * k));
}

// Independent reference for AdQuaIF: classic RK4 on (V, w) with h = 0.5 us; a crossing of V_th is located by linear
// interpolation inside the substep and reset there (soft: V_th - (V_th - V_reset) = V_reset; w += b). V sampled
// every 0.025 ms (sample m is V(m * 0.025 ms)). Units as the model: R GOhm, I, w, b pA, a nS.
struct reference_run {
  static constexpr double h = 0.0005, sample_dt = 0.025;
  std::vector<double> V, spikes;
};
reference_run adquaif_reference(const models::quaif_params& p, double I, double T) {
  const double R = p.R.value, a = p.a.value, b = p.b.value, tw = p.tau_w.value;
  const auto f = [&](double v, double w, double& dv, double& dw) {
    dv = (c * (v - V_rest) * (v - V_c) - R * w + R * I) / tau;
    dw = (a * (v - V_rest) - w) / tw;
  };
  reference_run r;
  const double h = reference_run::h;
  const long steps = std::lround(T / h), every = std::lround(reference_run::sample_dt / h);
  double v = -65.0, w = 0.0;
  r.V.push_back(v);
  for (long n = 0; n < steps; ++n) {
    double k1v, k1w, k2v, k2w, k3v, k3w, k4v, k4w;
    f(v, w, k1v, k1w);
    f(v + h / 2 * k1v, w + h / 2 * k1w, k2v, k2w);
    f(v + h / 2 * k2v, w + h / 2 * k2w, k3v, k3w);
    f(v + h * k3v, w + h * k3w, k4v, k4w);
    const double vn = v + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v), wn = w + h / 6 * (k1w + 2 * k2w + 2 * k3w + k4w);
    if (vn >= V_th) {
      const double frac = (V_th - v) / (vn - v);
      r.spikes.push_back((n + frac) * h);
      v = V_reset;
      w = w + frac * (wn - w) + b;
    } else {
      v = vn;
      w = wn;
    }
    if ((n + 1) % every == 0) r.V.push_back(v);
  }
  return r;
}

// AdQuaIF with a visible spike-triggered adaptation: b = 4 mA (R b = 4 mV), tau_w = 30 ms.
models::quaif_params adapting() {
  auto p = AdQuaIF::defaults();
  p.b = 4.0_mA;
  p.tau_w = 30.0_ms;
  return p;
}

}  // namespace

TEST(QuaIF, DefaultsAndInitialStateAreBrainpyStates) {
  const auto p = AdQuaIFRef::defaults();
  EXPECT_DOUBLE_EQ(p.R.value, (1.0_ohm).value);
  EXPECT_DOUBLE_EQ(p.R.value, 1e-9);  // GOhm
  EXPECT_EQ(p.tau.value, tau);
  EXPECT_EQ(p.tau_w.value, 10.0);
  EXPECT_EQ(p.tau_ref.value, 1.7);
  EXPECT_EQ(QuaIF::defaults().tau_ref.value, 0.0);
  EXPECT_EQ(p.V_th.value, V_th);
  EXPECT_EQ(p.V_reset.value, V_reset);
  EXPECT_EQ(p.V_rest.value, V_rest);
  EXPECT_EQ(p.V_c.value, V_c);
  EXPECT_EQ(p.c.value, c);
  EXPECT_DOUBLE_EQ(p.a.value, (1.0_S).value);   // 1 S = 1e9 nS
  EXPECT_DOUBLE_EQ(p.b.value, (0.1_mA).value);  // 0.1 mA = 1e8 pA
  EXPECT_EQ(p.spk_reset, reset_mode::soft);
  static_assert(QuaIF::n_state == 1 && AdQuaIF::n_state == 2 && AdQuaIFRef::n_state == 3);
  real_t s[AdQuaIFRef::n_state];
  AdQuaIFRef::initial_state(p, s);
  EXPECT_EQ(s[AdQuaIFRef::V], -65.0);
  EXPECT_EQ(s[AdQuaIFRef::w], 0.0);
  EXPECT_EQ(s[AdQuaIFRef::refractory], 0.0);
  auto bad = p;
  bad.V_c = -70.0_mV;  // below V_rest
  EXPECT_NE(QuaIF::validate(bad), nullptr);
  bad = p;
  bad.V_reset = -20.0_mV;  // above V_th
  EXPECT_NE(QuaIF::validate(bad), nullptr);
  EXPECT_EQ(QuaIF::validate(p), nullptr);
}

// Below the rheobase (R I = 3.5 mV < 3.9375 mV) V rises from -65 mV to the stable root V1 = -60 mV. QuaIF under
// constant input is one-dimensional and exponential Euler uses its exact derivative: the step matches the Taylor
// series to dt^2 and leaves a local error dt^3/6 f'' f^2, so the global error is second order: halving dt must
// quarter it. Size: f'' = 2c/tau = 0.014 /(mV ms^2), |f| <= 0.1 mV/ms here and the dynamics contract at
// |J| >= c (V2 - V1)/tau = 0.035/ms, so the error is below ~ dt^2/6 * 0.014 * 0.01 / 0.035 < 1e-5 mV at dt = 0.1 ms.
TEST(QuaIF, SubthresholdMatchesClosedFormAtSecondOrder) {
  const double RI = 3.5, T = 300.0;
  ASSERT_NEAR(roots(RI).V1, -60.0, 1e-12);
  double err[3];
  const double dts[3] = {0.1, 0.05, 0.025};
  for (int i = 0; i < 3; ++i) {
    const auto run = simulate<QuaIF>(QuaIF::defaults(), dts[i], 3.5_mA, T);
    ASSERT_TRUE(run.spikes.empty());
    err[i] = 0;
    for (std::size_t k = 0; k < run.V.size(); ++k)
      err[i] = std::max(err[i], std::abs(run.V[k] - closed_form_V(RI, -65.0, (k + 1) * dts[i])));
  }
  EXPECT_LT(err[0], 1e-5);
  EXPECT_GT(err[0], 1e-9);
  EXPECT_NEAR(err[0] / err[1], 4.0, 0.2) << err[0] << " " << err[1];
  EXPECT_NEAR(err[1] / err[2], 4.0, 0.2) << err[1] << " " << err[2];
}

// Spike onset at the analytic rheobase R I_rh = c (V_c - V_rest)^2 / 4 = 3.9375 mV (I_rh = 3.9375 mA with R = 1 ohm).
// The scheme has the ODE's fixed points, so its rheobase is the analytic one: 2 % below, V settles at the stable
// root and never fires; 2 % above, the first spike comes at the closed-form passage time through the bottleneck
// (~420 ms), stamped at the end of its step (up to dt late) with an O(dt^2) integration error.
TEST(QuaIF, SpikeOnsetAtAnalyticRheobase) {
  const double I_rh = rheobase_RI();  // mA, as R = 1 ohm
  ASSERT_DOUBLE_EQ(I_rh, 3.9375);
  const auto below = simulate<QuaIF>(QuaIF::defaults(), 0.1, units::current_q(0.98 * I_rh * 1e9), 2000.0);
  EXPECT_TRUE(below.spikes.empty());
  EXPECT_NEAR(below.V.back(), roots(0.98 * I_rh).V1, 1e-6);
  const auto above = simulate<QuaIF>(QuaIF::defaults(), 0.1, units::current_q(1.02 * I_rh * 1e9), 1000.0);
  ASSERT_GE(above.spikes.size(), 1u);
  const double t_star = crossing_time_above_rheobase(1.02 * I_rh, -65.0, V_th);
  EXPECT_GT(t_star, 300.0);
  EXPECT_GE(above.spikes[0], t_star - 0.01);
  EXPECT_LE(above.spikes[0], t_star + 0.1 + 0.01);
  // from V0 above the unstable root, below the rheobase: explosive crossing at the closed-form time
  const double RI = 3.5, V0 = -54.0;  // V2 = -55 mV
  const auto [V1, V2] = roots(RI);
  const double t_cross = tau / (c * (V2 - V1)) * std::log(((V_th - V2) / (V_th - V1)) / ((V0 - V2) / (V0 - V1)));
  const auto burst = simulate<QuaIF>(QuaIF::defaults(), 0.1, 3.5_mA, 200.0, V0);
  ASSERT_GE(burst.spikes.size(), 1u);
  EXPECT_GE(burst.spikes[0], t_cross - 0.01);
  EXPECT_LE(burst.spikes[0], t_cross + 0.1 + 0.01);
}

// Soft reset (the default) subtracts V_th - V_reset = 38 mV from the V of the spike step; hard reset sets V_reset.
TEST(QuaIF, SoftAndHardReset) {
  const double dt = 0.1, RI = 6.0;
  const auto next_v = [&](double v) {  // one exponential-Euler step, as brainstate.nn.exp_euler_step
    const double f = (c * (v - V_rest) * (v - V_c) + RI) / tau, J = c * (2 * v - V_rest - V_c) / tau;
    return v + std::expm1(J * dt) / J * f;
  };
  const auto soft = simulate<QuaIF>(QuaIF::defaults(), dt, 6.0_mA, 200.0);
  ASSERT_GE(soft.spikes.size(), 2u);
  for (double t : soft.spikes) {
    const auto s = static_cast<std::size_t>(std::lround(t / dt)) - 1;
    const double pre = next_v(soft.V[s - 1]);
    ASSERT_GE(pre, V_th);
    EXPECT_NEAR(soft.V[s], pre - (V_th - V_reset), 1e-9);
  }
  auto p = QuaIF::defaults();
  p.spk_reset = reset_mode::hard;
  const auto hard = simulate<QuaIF>(p, dt, 6.0_mA, 200.0);
  ASSERT_GE(hard.spikes.size(), 2u);
  for (double t : hard.spikes) EXPECT_EQ(hard.V[static_cast<std::size_t>(std::lround(t / dt)) - 1], V_reset);
  EXPECT_NE(hard.spikes, soft.spikes);
}

// One AdQuaIF step is brainpy.state's update: V by exponential Euler with w held at its old value, then w with the
// new V: w + (1 - e^{-dt/tau_w}) (a (V_new - V_rest) - w).
TEST(AdQuaIF, OneStepFollowsBrainpyUpdateOrder) {
  const double dt = 0.1, I = 20e9, V0 = -65.0;  // 20 mA
  const auto p = adapting();
  const auto run = simulate<AdQuaIF>(p, dt, units::current_q(I), dt, V0);
  const double R = p.R.value, a = p.a.value, tw = p.tau_w.value;
  const double f = (c * (V0 - V_rest) * (V0 - V_c) + R * I) / tau, J = c * (2 * V0 - V_rest - V_c) / tau;
  const double V1 = V0 + std::expm1(J * dt) / J * f;
  EXPECT_NEAR(run.V[0], V1, 1e-12);
  EXPECT_NEAR(run.w[0], -std::expm1(-dt / tw) * a * (V1 - V_rest), 1e-12 * a);
}

// AdQuaIF against RK4: spike times with adaptation (b = 4 mA, R I = 20 mV; the reference ISIs grow from 28 to
// 41 ms). The frozen w in each V step (local error dt^2/2 * R/tau * |dw/dt|) and the soft reset, which starts the
// next ISI from an overshoot of up to dV/dt(V_th) dt ~ 0.6 mV at dt = 0.1 ms, make the scheme first order: every
// ISI is off by O(dt), measured 2.5-4 dt here, plus up to dt for stamping a spike at the end of its step. Bound:
// spike n (from 0) within dt (1 + 5 (n + 1)); halving dt about halves the mean error.
TEST(AdQuaIF, SpikeTimesConvergeAtFirstOrderToRk4) {
  const auto p = adapting();
  const double I = 20e9, T = 300.0;
  const auto ref = adquaif_reference(p, I, T);

  ASSERT_GE(ref.spikes.size(), 5u);
  const std::vector<double> isi_ref{ref.spikes[1] - ref.spikes[0],
                                    ref.spikes.back() - ref.spikes[ref.spikes.size() - 2]};
  EXPECT_GT(isi_ref[1], 1.3 * isi_ref[0]);  // adaptation is visible in the reference
  double mean_err[3];
  const double dts[3] = {0.1, 0.05, 0.025};
  for (int i = 0; i < 3; ++i) {
    const auto run = simulate<AdQuaIF>(p, dts[i], units::current_q(I), T);
    ASSERT_EQ(run.spikes.size(), ref.spikes.size()) << "dt " << dts[i];
    double sum = 0;
    for (std::size_t n = 0; n < ref.spikes.size(); ++n) {
      const double e = run.spikes[n] - ref.spikes[n];
      EXPECT_LE(std::abs(e), dts[i] * (1 + 5 * (n + 1))) << "spike " << n << ", dt " << dts[i];
      sum += std::abs(e);
    }
    mean_err[i] = sum / ref.spikes.size();
  }
  EXPECT_NEAR(mean_err[0] / mean_err[1], 2.0, 0.5) << mean_err[0] << " " << mean_err[1];
  EXPECT_NEAR(mean_err[1] / mean_err[2], 2.0, 0.5) << mean_err[1] << " " << mean_err[2];
}

// AdQuaIFRef holds V and w for round(tau_ref/dt) = 17 steps after a spike (input ignored), then integrates again.
TEST(AdQuaIFRef, HoldsVAndWDuringRefractoryPeriod) {
  const double dt = 0.1;
  auto p = AdQuaIFRef::defaults();
  p.b = 4.0_mA;
  const auto run = simulate<AdQuaIFRef>(p, dt, 20.0_mA, 100.0);
  ASSERT_GE(run.spikes.size(), 3u);
  for (std::size_t n = 0; n + 1 < run.spikes.size(); ++n) {
    const auto s = static_cast<std::size_t>(std::lround(run.spikes[n] / dt)) - 1;
    for (std::size_t j = 1; j <= 17; ++j) {
      ASSERT_EQ(run.V[s + j], run.V[s]) << "spike " << n << " +" << j;
      ASSERT_EQ(run.w[s + j], run.w[s]);
    }
    EXPECT_NE(run.V[s + 18], run.V[s]);
    EXPECT_GT(run.spikes[n + 1] - run.spikes[n], 1.7);
  }
  // the hold freezes the whole state, so the cell's trajectory is the free AdQuaIF one with 17 steps inserted
  // after every spike: spike n comes exactly 17 n steps later
  auto q = AdQuaIF::defaults();
  q.b = 4.0_mA;
  const auto free = simulate<AdQuaIF>(q, dt, 20.0_mA, 100.0);
  ASSERT_GE(free.spikes.size(), run.spikes.size());
  for (std::size_t n = 0; n < run.spikes.size(); ++n)
    EXPECT_EQ(std::lround(run.spikes[n] / dt), std::lround(free.spikes[n] / dt) + 17 * long(n)) << n;
}

// As in brainpy.state, a held V that a soft reset left at or above V_th (after a large jump) fires again in the
// next step, is reset again and restarts the refractory period; delta input is ignored while held.
TEST(AdQuaIFRef, SoftResetAboveThresholdFiresAgainWhileHeld) {
  network net({.dt = 0.1_ms});
  net.add_population<AdQuaIFRef>("N", 1);
  net.add_spike_times("N", {1.0, 1.3}, 120.0_mV);  // delta jumps of V: -65 -> +55 mV in the step of t = 1 ms
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.run(5.0_ms);
  const auto& sp = sim.record().spikes[0];
  const auto& V = sim.record().traces[0].values;
  ASSERT_EQ(sp.size(), 3u);  // 55 -> 17 -> -21 -> -59 mV: three spikes in consecutive steps
  EXPECT_EQ(sp.step[1], sp.step[0] + 1);
  EXPECT_EQ(sp.step[2], sp.step[0] + 2);
  const double v_jump = V[sp.step[0] - 1] + 120.0;  // the jump lands on the V of that step (drift ~1e-3 mV)
  EXPECT_NEAR(V[sp.step[0]], v_jump - 38.0, 0.01);
  EXPECT_NEAR(V[sp.step[2]], v_jump - 3 * 38.0, 0.01);
  for (std::uint32_t j = 1; j <= 17; ++j) EXPECT_EQ(V[sp.step[2] + j], V[sp.step[2]]) << j;  // second jump ignored
  EXPECT_NE(V[sp.step[2] + 18], V[sp.step[2]]);
}

}  // namespace test_model_quaif
