// Izhikevich and IzhikevichRef (models/izhikevich.hpp) against an independent RK4 integration of the same ODE, and
// the firing classes of Izhikevich (2003, 2004): regular spiking, intrinsically bursting, chattering, fast spiking.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/izhikevich.hpp"
#include "tests/support/spike_train.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_izhikevich {

using namespace volley;
using namespace volley::units::literals;
using models::Izhikevich;
using models::IzhikevichRef;

using volley::test::burst_sizes;
using volley::test::isis;

namespace {

struct izh_class {
  double a, b, c, d;  // 1/ms, 1/ms, mV, mV/ms
};
constexpr izh_class regular_spiking{0.02, 0.2, -65.0, 8.0};
constexpr izh_class intrinsically_bursting{0.02, 0.2, -55.0, 4.0};
constexpr izh_class chattering{0.02, 0.2, -50.0, 2.0};
constexpr izh_class fast_spiking{0.1, 0.2, -65.0, 2.0};

models::izhikevich_params params_of(const izh_class& k) {
  models::izhikevich_params p;
  p.a = units::rate_q(k.a);
  p.b = units::rate_q(k.b);
  p.c = units::voltage_q(k.c);
  p.d = decltype(p.d)(k.d);
  return p;
}

// What one simulated neuron did: V and u after every step, and its spike times (end of the spike step, ms).
struct neuron_run {
  std::vector<double> V, u;
  std::vector<double> spikes;
};

// One neuron, constant drive I (pA = mV/ms here), started at (V0, u0), run for T ms with step dt.
template <class Model>
neuron_run simulate(const models::izhikevich_params& p, double dt, double I, double V0, double u0, double T) {
  network net({.dt = units::time_q(dt)});
  auto& pop = net.add_population<Model>("N", 1, p);
  pop.set_state(Model::V, 0, V0);
  pop.set_state(Model::u, 0, u0);
  net.add_constant_current("N", units::current_q(I));
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.record_trace({"N", "u", {0}, 0.0_ms});
  sim.run(units::time_q(T));
  neuron_run out;
  const auto& rec = sim.record();
  out.V.assign(rec.traces[0].values.begin(), rec.traces[0].values.end());
  out.u.assign(rec.traces[1].values.begin(), rec.traces[1].values.end());
  for (auto s : rec.spikes[0].step) out.spikes.push_back((s + 1) * dt);
  return out;
}

// Independent reference: classic RK4 on dV/dt = 0.04 V^2 + 5 V + 140 - u + I, du/dt = a (b V - u) with step
// h = 0.5 us; a threshold crossing is located by linear interpolation inside the substep, where V and u are reset
// (V = c, u += d). V is sampled every 0.025 ms (every 50 substeps): sample m is V(m * 0.025 ms).
struct reference_run {
  static constexpr double h = 0.0005, sample_dt = 0.025;
  std::vector<double> V;  // V[m] = V(m * sample_dt)
  std::vector<double> spikes;
};

reference_run reference(const izh_class& k, double I, double V0, double u0, double T, double V_th = 30.0) {
  const auto f = [&](double v, double u, double& dv, double& du) {
    dv = 0.04 * v * v + 5.0 * v + 140.0 - u + I;
    du = k.a * (k.b * v - u);
  };
  reference_run r;
  const long steps = std::lround(T / reference_run::h),
             every = std::lround(reference_run::sample_dt / reference_run::h);
  double v = V0, u = u0;
  r.V.push_back(v);
  for (long n = 0; n < steps; ++n) {
    const double h = reference_run::h;
    double k1v, k1u, k2v, k2u, k3v, k3u, k4v, k4u;
    f(v, u, k1v, k1u);
    f(v + h / 2 * k1v, u + h / 2 * k1u, k2v, k2u);
    f(v + h / 2 * k2v, u + h / 2 * k2u, k3v, k3u);
    f(v + h * k3v, u + h * k3u, k4v, k4u);
    const double vn = v + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v), un = u + h / 6 * (k1u + 2 * k2u + 2 * k3u + k4u);
    if (vn >= V_th) {
      const double frac = (V_th - v) / (vn - v);
      r.spikes.push_back((n + frac) * h);
      v = k.c;
      u = u + frac * (un - u) + k.d;
    } else {
      v = vn;
      u = un;
    }
    if ((n + 1) % every == 0) r.V.push_back(v);
  }
  return r;
}

// Largest |V_engine - V_reference| over the samples at t >= t_min of a run with step dt (sample k is the state at
// (k+1) dt).
double max_v_error(const neuron_run& run, const reference_run& ref, double dt, double t_min = 0.0) {
  const long stride = std::lround(dt / reference_run::sample_dt);
  double err = 0;
  for (std::size_t k = 0; k < run.V.size(); ++k)
    if ((k + 1) * dt >= t_min - 1e-9) err = std::max(err, std::abs(run.V[k] - ref.V[(k + 1) * stride]));
  return err;
}

}  // namespace

TEST(Izhikevich, DefaultsAndInitialStateAreBrainpyStates) {
  const auto p = Izhikevich::defaults();
  EXPECT_EQ(p.a.value, 0.02);   // 0.02 / ms
  EXPECT_EQ(p.b.value, 0.2);    // 0.2 / ms
  EXPECT_EQ(p.c.value, -65.0);  // mV
  EXPECT_EQ(p.d.value, 8.0);    // mV / ms
  EXPECT_EQ(p.V_th.value, 30.0);
  EXPECT_EQ(IzhikevichRef::defaults().tau_ref.value, 0.0);
  real_t s[IzhikevichRef::n_state];
  IzhikevichRef::initial_state(p, s);
  EXPECT_EQ(s[IzhikevichRef::V], -65.0);
  EXPECT_EQ(s[IzhikevichRef::u], 0.0);
  EXPECT_EQ(s[IzhikevichRef::refractory], 0.0);
  EXPECT_NE(Izhikevich::validate(params_of({0.02, 0.2, 30.0, 8.0})), nullptr);  // c >= V_th fires forever
}

// Subthreshold: from brainpy.state's initial state (V -65 mV, u 0) with I = 2 mV/ms, V sags (dV/dt = -14 mV/ms at
// first), u relaxes towards b V and V settles near -67 mV; no spike. The split exponential-Euler step freezes u over
// a V step and V over a u step; each freeze leaves a local error dt^2/2 * (coupling x rate of the frozen variable),
// so the global error is first order. Its size: with |du/dt| <= a |b V - u| ~ 0.3 mV/ms^2 and the V dynamics
// contracting at |J_V| = |0.08 V + 5| >= 0.2/ms, the V error stays below ~ dt/2 * 0.3 / 0.2 = 0.075 mV at
// dt = 0.1 ms. The order is read after the first 10 ms, where the O(dt^2) error of the fast initial sag no longer
// hides the first-order term: the error ratios between dt = 0.1, 0.05 and 0.025 ms must be 2.
TEST(Izhikevich, SubthresholdTrajectoryConvergesAtFirstOrderToRk4) {
  const izh_class k = regular_spiking;
  const double I = 2.0, T = 200.0;
  const auto ref = reference(k, I, -65.0, 0.0, T);
  ASSERT_TRUE(ref.spikes.empty());
  double late[3];
  const double dts[3] = {0.1, 0.05, 0.025};
  for (int i = 0; i < 3; ++i) {
    const auto run = simulate<Izhikevich>(params_of(k), dts[i], I, -65.0, 0.0, T);
    ASSERT_TRUE(run.spikes.empty());
    if (i == 0) {
      EXPECT_LT(max_v_error(run, ref, dts[i]), 0.075);
    }
    late[i] = max_v_error(run, ref, dts[i], 10.0);
  }
  EXPECT_GT(late[0], 1e-3);  // the scheme is not exact: a far smaller error would mean the test compares nothing
  EXPECT_NEAR(late[0] / late[1], 2.0, 0.1) << late[0] << " " << late[1];
  EXPECT_NEAR(late[1] / late[2], 2.0, 0.1) << late[1] << " " << late[2];
}

// Spike times of a regular-spiking cell (I = 10) against the RK4 reference. Each interspike interval carries an
// O(dt) error (~0.5 % of the 45 ms ISI at dt = 0.1 ms), and the engine stamps a spike at the end of the step in
// which V crosses V_th (up to dt late): the n-th spike is late by at most ~ dt + n * 0.3 ms at dt = 0.1 ms.
// Halving dt must about halve the mean error (first order).
TEST(Izhikevich, RegularSpikingSpikeTimesConvergeToRk4) {
  const izh_class k = regular_spiking;
  const double I = 10.0, T = 300.0, u0 = k.b * -65.0;
  const auto ref = reference(k, I, -65.0, u0, T);
  ASSERT_EQ(ref.spikes.size(), 8u);
  double mean_err[3];
  const double dts[3] = {0.1, 0.05, 0.025};
  for (int i = 0; i < 3; ++i) {
    const auto run = simulate<Izhikevich>(params_of(k), dts[i], I, -65.0, u0, T);
    ASSERT_EQ(run.spikes.size(), ref.spikes.size()) << "dt " << dts[i];
    double sum = 0;
    for (std::size_t n = 0; n < ref.spikes.size(); ++n) {
      const double e = run.spikes[n] - ref.spikes[n];
      EXPECT_LE(std::abs(e), dts[i] + (n + 1) * 3.0 * dts[i]) << "spike " << n << ", dt " << dts[i];
      sum += std::abs(e);
    }
    mean_err[i] = sum / ref.spikes.size();
  }
  EXPECT_NEAR(mean_err[0] / mean_err[1], 2.0, 0.5) << mean_err[0] << " " << mean_err[1];
  EXPECT_NEAR(mean_err[1] / mean_err[2], 2.0, 0.5) << mean_err[1] << " " << mean_err[2];
}

// One step from a chosen state is brainpy.state's update, written out: V by exponential Euler with u held, then
// u by exponential Euler with the new V: u + (1 - e^{-a dt}) (b V_new - u).
TEST(Izhikevich, OneStepFollowsBrainpyUpdateOrder) {
  const izh_class k = regular_spiking;
  const double dt = 0.1, V0 = -62.5 + 1e-7, u0 = -9.0, I = 7.0;  // J_V = 0.08 V + 5 ~ 1e-8/ms: phi(0) limit
  const auto run = simulate<Izhikevich>(params_of(k), dt, I, V0, u0, dt);
  const double f = 0.04 * V0 * V0 + 5 * V0 + 140 - u0 + I;
  const double V1 = V0 + dt * f;  // phi(dt J) = 1 + O(1e-9)
  const double u1 = u0 + (1 - std::exp(-k.a * dt)) * (k.b * V1 - u0);
  EXPECT_NEAR(run.V[0], V1, 1e-10);
  EXPECT_NEAR(run.u[0], u1, 1e-12);
  const double V0b = -40.0, Jb = 0.08 * V0b + 5;
  const auto run_b = simulate<Izhikevich>(params_of(k), dt, I, V0b, u0, dt);
  const double V1b = V0b + std::expm1(Jb * dt) / Jb * (0.04 * V0b * V0b + 5 * V0b + 140 - u0 + I);
  EXPECT_NEAR(run_b.V[0], V1b, 1e-12);
  EXPECT_NEAR(run_b.u[0], u0 + (1 - std::exp(-k.a * dt)) * (k.b * V1b - u0), 1e-12);
}

// The reset, in the spike step: V = c and u = (u after this step's u update, which used the pre-reset V) + d.
TEST(Izhikevich, ResetSetsVToCAndIncrementsUByD) {
  const izh_class k = regular_spiking;
  const double dt = 0.1, I = 10.0;
  const auto run = simulate<Izhikevich>(params_of(k), dt, I, -65.0, k.b * -65.0, 60.0);
  ASSERT_GE(run.spikes.size(), 2u);
  for (double t : run.spikes) {
    const auto s = static_cast<std::size_t>(std::lround(t / dt)) - 1;
    const double v = run.V[s - 1], u = run.u[s - 1], J = 0.08 * v + 5;
    const double v_pre = v + std::expm1(J * dt) / J * (0.04 * v * v + 5 * v + 140 - u + I);
    ASSERT_GE(v_pre, 30.0);
    EXPECT_EQ(run.V[s], k.c);
    EXPECT_NEAR(run.u[s], u - std::expm1(-k.a * dt) * (k.b * v_pre - u) + k.d, 1e-9);
  }
}

// Izhikevich (2004, Fig. 2) firing classes at I = 10, from V = -65 mV, u = b V, dt = 0.1 ms.
TEST(Izhikevich, FiringClassesRegularBurstingChatteringFast) {
  const double dt = 0.1, I = 10.0, T = 500.0;
  const auto spikes = [&](const izh_class& k) {
    return simulate<Izhikevich>(params_of(k), dt, I, -65.0, k.b * -65.0, T).spikes;
  };

  // RS: tonic spikes, no bursts, adapting: the first ISI is much shorter than the settled ones, which then stay
  // within 1 % of each other (~45 ms, 22 Hz).
  const auto rs = isis(spikes(regular_spiking));
  ASSERT_GE(rs.size(), 8u);
  EXPECT_GT(*std::min_element(rs.begin(), rs.end()), 15.0);
  EXPECT_LT(rs[0], 0.7 * rs.back());
  for (std::size_t i = 1; i < rs.size(); ++i) EXPECT_GE(rs[i], rs[i - 1] - 0.15) << "RS ISIs must not shorten";
  EXPECT_NEAR(rs.back(), rs[rs.size() - 3], 0.01 * rs.back());

  // IB: one initial burst (2-5 spikes with ISIs < 10 ms), then single spikes with ISIs > 25 ms.
  const auto ib_t = spikes(intrinsically_bursting);
  const auto ib = burst_sizes(ib_t, 15.0);
  ASSERT_GE(ib.size(), 5u);
  EXPECT_GE(ib[0], 2);
  EXPECT_LE(ib[0], 5);
  for (std::size_t i = 1; i < ib.size(); ++i) EXPECT_EQ(ib[i], 1) << "IB: tonic after the first burst";
  const auto ib_isi = isis(ib_t);
  for (int i = 0; i < ib[0] - 1; ++i) EXPECT_LT(ib_isi[i], 10.0);
  for (std::size_t i = ib[0]; i < ib_isi.size(); ++i) EXPECT_GT(ib_isi[i], 25.0);

  // CH: repeated bursts of >= 3 spikes; every intra-burst ISI is < 10 ms and every gap > 40 ms.
  const auto ch_t = spikes(chattering);
  const auto ch = burst_sizes(ch_t, 20.0);
  ASSERT_GE(ch.size(), 5u);
  for (int n : ch) EXPECT_GE(n, 3) << "CH bursts";
  for (double d : isis(ch_t)) EXPECT_TRUE(d < 10.0 || d > 40.0) << "CH ISI " << d;

  // FS: high-frequency tonic spiking (> 100 Hz settled) with almost no adaptation.
  const auto fs = isis(spikes(fast_spiking));
  ASSERT_GE(fs.size(), 40u);
  const auto settled = std::vector<double>(fs.begin() + 3, fs.end());
  const auto [lo, hi] = std::minmax_element(settled.begin(), settled.end());
  EXPECT_LT(*hi, 10.0);
  EXPECT_LT(*hi / *lo, 1.1);
  EXPECT_GT(fs[0], 0.5 * fs.back());
  for (double d : fs) EXPECT_GT(d, 3.0);  // no bursts
}

// IzhikevichRef: for round(tau_ref/dt) steps after a spike V stays at c and u at its reset value; tau_ref = 0
// (the default) is Izhikevich exactly.
TEST(IzhikevichRef, HoldsStateDuringRefractoryPeriod) {
  const izh_class k = chattering;  // fires within a few ms of the reset: the hold is visible
  auto p = params_of(k);
  p.tau_ref = 2.0_ms;
  const auto run = simulate<IzhikevichRef>(p, 0.1, 10.0, -65.0, k.b * -65.0, 100.0);
  ASSERT_GE(run.spikes.size(), 3u);
  for (std::size_t n = 0; n + 1 < run.spikes.size(); ++n) {
    const auto s = static_cast<std::size_t>(std::lround(run.spikes[n] / 0.1)) - 1;
    for (std::size_t j = 1; j <= 20; ++j) {
      ASSERT_EQ(run.V[s + j], k.c) << "spike " << n << " +" << j;
      ASSERT_EQ(run.u[s + j], run.u[s]);
    }
    EXPECT_NE(run.V[s + 21], k.c);
    EXPECT_GE(run.spikes[n + 1] - run.spikes[n], 2.0 + 0.1 - 1e-9);
  }
  const auto plain = simulate<Izhikevich>(params_of(k), 0.1, 10.0, -65.0, k.b * -65.0, 100.0);
  // the hold freezes the whole state: the trajectory is Izhikevich's with 20 steps inserted after every spike
  for (std::size_t n = 0; n < run.spikes.size(); ++n)
    EXPECT_EQ(std::lround(run.spikes[n] / 0.1), std::lround(plain.spikes[n] / 0.1) + 20 * long(n)) << n;
  const auto zero_ref = simulate<IzhikevichRef>(params_of(k), 0.1, 10.0, -65.0, k.b * -65.0, 100.0);
  EXPECT_EQ(plain.V, zero_ref.V);
  EXPECT_EQ(plain.spikes, zero_ref.spikes);
  EXPECT_NE(plain.spikes, run.spikes);
}

}  // namespace test_model_izhikevich
