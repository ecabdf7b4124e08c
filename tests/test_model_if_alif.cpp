// brainpy.state's IF and ALIF against an independent reference: the same ODEs integrated here with classical RK4
// (double, step dt/100), thresholds crossed by linear interpolation inside the fine step.
//
// Error budget. Both models are linear in their state (tau dV/dt = -(V - V_rest) + R I, tau_a da/dt = -a), and
// the exponential-Euler step of a linear ODE with input held over the step is its exact solution. So for constant
// current the engine's trajectory equals the true one up to rounding (~1e-13 mV); the reference's own error is
// RK4's, about T h^4 / (120 tau^5) |V - V_inf| < 1e-14 mV for h = 0.001 ms, tau = 5 ms. The tolerance is therefore
// 1e-9 mV at every dt, and the convergence study shows no dt dependence at all (zeroth-order error = exact scheme),
// which is the strongest form of first-order consistency. Spike times: the engine sees a crossing at the end of the
// step in which it happens, so its spike step is ceil(t*/dt) - 1 for a reference crossing at t*; we allow one step.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <vector>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/alif.hpp"
#include "models/brainpy_if.hpp"
#include "models/lif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_if_alif {

using namespace volley;
using namespace volley::units::literals;

namespace {

struct engine_run {
  std::vector<double> v, x;           // V (mV) and a second state variable, after each step
  std::vector<std::uint32_t> spikes;  // spike steps
};

// One neuron of Model under a constant current; `init` sets state variables before the run.
template <class Model>
engine_run run_engine(const typename Model::params& p, double dt, double current_pA, double t_ms,
                      const char* second = nullptr, std::vector<std::pair<int, double>> init = {}) {
  network net({.dt = units::time_q(dt), .seed = 1});
  auto& pop = net.add_population<Model>("N", 1, p);
  for (auto [var, value] : init) pop.set_state(var, 0, static_cast<real_t>(value));
  net.add_constant_current("N", units::current_q(current_pA));
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  if (second) sim.record_trace({"N", second, {0}, 0.0_ms});
  sim.run(units::time_q(t_ms));
  engine_run r;
  const auto& rec = sim.record();
  r.v.assign(rec.traces[0].values.begin(), rec.traces[0].values.end());
  if (second) r.x.assign(rec.traces[1].values.begin(), rec.traces[1].values.end());
  r.spikes.assign(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
  return r;
}

// Reference: RK4 with 100 substeps per dt on a 2-variable state x = (V, a); samples at the ends of the engine's
// steps. gap(x) >= 0 is the spike condition, reset(x) the reset. Two ways to look for spikes:
//  - continuous: after every fine step, the crossing time interpolated linearly inside it (the true spike time,
//    used for the first spike);
//  - on the grid: only at the ends of the engine's steps, as the engine's (and brainpy.state's) time-stepped model
//    defines it. After a reset the discrete model has lost the time between the crossing and the end of the step,
//    so its later spikes drift from the continuous ones by up to a step per spike; spike trains are compared with
//    the grid reference, which shares that definition but integrates independently.
struct reference_run {
  std::vector<double> v, x;
  std::vector<double> spike_times;  // ms
};
enum class detect { continuous, on_grid };
using state2 = std::array<double, 2>;

reference_run rk4_reference(state2 x, double dt, double t_ms, const std::function<state2(const state2&)>& f,
                            const std::function<double(const state2&)>& gap, const std::function<void(state2&)>& reset,
                            detect mode) {
  const int sub = 100;
  const double h = dt / sub;
  const long steps = std::lround(t_ms / dt);
  reference_run r;
  auto axpy = [](const state2& a, double s, const state2& b) { return state2{a[0] + s * b[0], a[1] + s * b[1]}; };
  for (long k = 0; k < steps; ++k) {
    for (int j = 0; j < sub; ++j) {
      const double t = (k * sub + j) * h;
      const state2 k1 = f(x), k2 = f(axpy(x, h / 2, k1)), k3 = f(axpy(x, h / 2, k2)), k4 = f(axpy(x, h, k3));
      state2 y;
      for (int q = 0; q < 2; ++q) y[q] = x[q] + h / 6 * (k1[q] + 2 * k2[q] + 2 * k3[q] + k4[q]);
      const double g0 = gap(x), g1 = gap(y);
      if (mode == detect::continuous && g1 >= 0) {
        r.spike_times.push_back(t + h * (g0 < 0 ? g0 / (g0 - g1) : 0.0));
        reset(y);
      }
      x = y;
    }
    if (mode == detect::on_grid && gap(x) >= 0) {
      r.spike_times.push_back((k + 1) * dt);
      reset(x);
    }
    r.v.push_back(x[0]);
    r.x.push_back(x[1]);
  }
  return r;
}

// The engine's spike step for a reference crossing at t: the first step whose end is at or after t.
long expected_step(double t, double dt) { return std::lround(std::ceil(t / dt - 1e-9)) - 1; }

// `slack`: steps by which a spike may differ (0 where the engine's scheme is exact).
void expect_spike_trains_match(const std::vector<std::uint32_t>& engine, const std::vector<double>& ref, double dt,
                               long slack) {
  ASSERT_EQ(engine.size(), ref.size());
  for (std::size_t k = 0; k < engine.size(); ++k)
    EXPECT_LE(std::labs(long(engine[k]) - expected_step(ref[k], dt)), slack)
        << "spike " << k << ": engine step " << engine[k] << ", reference t = " << ref[k] << " ms";
}

// ---- IF ---------------------------------------------------------------------------------------------------------

// The IF reference, written from brainpy.state's equation tau dV/dt = -V + R I; the second variable is unused.
reference_run if_reference(const models::if_params& p, double v0, double current_pA, double dt, double t_ms,
                           detect mode = detect::continuous) {
  const double tau = p.tau.value, RI = p.R.value * current_pA, th = p.V_th.value;
  const bool soft = p.spk_reset == reset_mode::soft;
  return rk4_reference(
      {v0, 0.0}, dt, t_ms,
      [&](const state2& x) {
        return state2{(-x[0] + RI) / tau, 0.0};
      },
      [&](const state2& x) { return x[0] - th; }, [&](state2& x) { x[0] = soft ? x[0] - th : 0.0; }, mode);
}

TEST(BrainpyIF, DefaultsAreBrainpyStates) {
  const auto p = models::IF::defaults();
  EXPECT_DOUBLE_EQ(p.R.value, (1.0_ohm).value);  // 1 ohm = 1e-9 GOhm
  EXPECT_DOUBLE_EQ(p.R.value, 1e-9);
  EXPECT_DOUBLE_EQ(p.tau.value, 5.0);
  EXPECT_DOUBLE_EQ(p.V_th.value, 1.0);
  EXPECT_EQ(p.spk_reset, reset_mode::soft);
  real_t s[models::IF::n_state];
  models::IF::initial_state(p, s);
  EXPECT_EQ(s[models::IF::V], 0.0);
}

TEST(BrainpyIF, SubthresholdTrajectoryMatchesReferenceAtEveryDt) {
  auto p = models::IF::defaults();
  const double I = 0.8e9;  // 0.8 mA: R I = 0.8 mV < V_th
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto e = run_engine<models::IF>(p, dt, I, 30.0);
    const auto r = if_reference(p, 0.0, I, dt, 30.0);
    ASSERT_EQ(e.v.size(), r.v.size());
    double err = 0;
    for (std::size_t k = 0; k < e.v.size(); ++k) err = std::max(err, std::fabs(e.v[k] - r.v[k]));
    EXPECT_LT(err, 1e-9) << "dt = " << dt;  // exponential Euler is exact for this linear ODE
    EXPECT_TRUE(e.spikes.empty());
    EXPECT_GT(e.v.back(), 0.79);  // it did move towards R I
  }
}

TEST(BrainpyIF, LeaksTowardsZeroWithoutInput) {
  // brainpy.state integrates -V: without input V decays to 0 mV with time constant tau
  auto p = models::IF::defaults();
  const auto e = run_engine<models::IF>(p, 0.1, 0.0, 10.0, nullptr, {{models::IF::V, 0.5}});
  for (std::size_t k = 0; k < e.v.size(); ++k)
    ASSERT_NEAR(e.v[k], 0.5 * std::exp(-double(k + 1) * 0.1 / 5.0), 1e-12) << k;
}

TEST(BrainpyIF, SpikeTrainMatchesReferenceWithHardReset) {
  auto p = models::IF::defaults();
  p.spk_reset = reset_mode::hard;
  const double I = 3e9, dt = 0.1;  // R I = 3 mV: first crossing at 5 ln(3/2) = 2.03 ms
  const auto e = run_engine<models::IF>(p, dt, I, 100.0);
  const auto first = if_reference(p, 0.0, I, dt, 10.0);
  ASSERT_FALSE(first.spike_times.empty());
  EXPECT_NEAR(first.spike_times[0], 5.0 * std::log(1.5), 1e-4);  // the reference itself is right
  ASSERT_FALSE(e.spikes.empty());
  EXPECT_EQ(long(e.spikes[0]), expected_step(first.spike_times[0], dt));
  const auto r = if_reference(p, 0.0, I, dt, 100.0, detect::on_grid);
  ASSERT_GE(r.spike_times.size(), 40u);
  expect_spike_trains_match(e.spikes, r.spike_times, dt, 0);
  for (auto s : e.spikes) EXPECT_EQ(e.v[s], 0.0);  // hard reset to 0 mV in the spike step
}

TEST(BrainpyIF, SoftResetSubtractsVth) {
  auto p = models::IF::defaults();
  const double I = 3e9, dt = 0.1;
  const auto e = run_engine<models::IF>(p, dt, I, 20.0);
  ASSERT_GE(e.spikes.size(), 3u);
  for (auto s : e.spikes) {
    const double before = 3.0 + (e.v[s - 1] - 3.0) * std::exp(-dt / 5.0);
    EXPECT_GE(before, 1.0);
    EXPECT_NEAR(e.v[s], before - 1.0, 1e-12);
  }
}

TEST(BrainpyIF, RejectsNonPositiveThreshold) {
  auto p = models::IF::defaults();
  p.V_th = units::voltage_q(-1.0);
  network net({.dt = 0.1_ms, .seed = 1});
  EXPECT_THROW(net.add_population<models::IF>("N", 1, p), parameter_error);
}

// ---- ALIF -------------------------------------------------------------------------------------------------------

reference_run alif_reference(const models::alif_params& p, double a0, double current_pA, double dt, double t_ms,
                             detect mode = detect::continuous) {
  const double tau = p.tau.value, tau_a = p.tau_a.value, v_inf = p.V_rest.value + p.R.value * current_pA;
  const double th = p.V_th.value, vr = p.V_reset.value, beta = p.beta.value;
  const bool soft = p.spk_reset == reset_mode::soft;
  return rk4_reference(
      {p.V_rest.value, a0}, dt, t_ms,
      [&](const state2& x) {
        return state2{(v_inf - x[0]) / tau, -x[1] / tau_a};
      },
      [&](const state2& x) { return x[0] - th - beta * x[1]; },
      [&](state2& x) {
        x[0] = soft ? x[0] - (th - vr) : vr;
        x[1] += 1.0;
      },
      mode);
}

TEST(BrainpyALIF, DefaultsAreBrainpyStates) {
  const auto p = models::ALIF::defaults();
  EXPECT_DOUBLE_EQ(p.R.value, 1e-9);
  EXPECT_DOUBLE_EQ(p.tau.value, 5.0);
  EXPECT_DOUBLE_EQ(p.tau_a.value, 100.0);
  EXPECT_DOUBLE_EQ(p.V_th.value, 1.0);
  EXPECT_DOUBLE_EQ(p.V_reset.value, 0.0);
  EXPECT_DOUBLE_EQ(p.V_rest.value, 0.0);
  EXPECT_DOUBLE_EQ(p.beta.value, 0.1);
  EXPECT_EQ(p.spk_reset, reset_mode::soft);
}

TEST(BrainpyALIF, SubthresholdVoltageAndAdaptationMatchReference) {
  auto p = models::ALIF::defaults();
  p.V_rest = units::voltage_q(-0.5);
  const double I = 1.3e9;  // V_inf = 0.8 mV < V_th
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto e = run_engine<models::ALIF>(p, dt, I, 50.0, "a", {{models::ALIF::a, 2.0}});
    const auto r = alif_reference(p, 2.0, I, dt, 50.0);
    double ev = 0, ea = 0;
    for (std::size_t k = 0; k < e.v.size(); ++k) {
      ev = std::max(ev, std::fabs(e.v[k] - r.v[k]));
      ea = std::max(ea, std::fabs(e.x[k] - r.x[k]));
    }
    EXPECT_LT(ev, 1e-9) << "dt = " << dt;
    EXPECT_LT(ea, 1e-12) << "dt = " << dt;
    EXPECT_TRUE(e.spikes.empty());
    EXPECT_NEAR(e.x.back(), 2.0 * std::exp(-0.5), 1e-12);
  }
}

TEST(BrainpyALIF, AdaptedThresholdDelaysTheFirstSpike) {
  // V relaxes to 1.2 mV within ~25 ms; with a(0) = 5 the threshold 1 + 0.5 exp(-t/100) mV only falls below
  // 1.2 mV at t = 100 ln 2.5 = 91.6 ms. Without adaptation (beta = 0) the spike comes at 5 ln 6 = 8.96 ms.
  auto p = models::ALIF::defaults();
  p.spk_reset = reset_mode::hard;
  const double I = 1.2e9, dt = 0.1;
  const auto e = run_engine<models::ALIF>(p, dt, I, 120.0, "a", {{models::ALIF::a, 5.0}});
  const auto r = alif_reference(p, 5.0, I, dt, 120.0);
  ASSERT_FALSE(r.spike_times.empty());
  EXPECT_NEAR(r.spike_times[0], 100.0 * std::log(2.5), 0.05);
  ASSERT_FALSE(e.spikes.empty());
  EXPECT_LE(std::labs(long(e.spikes[0]) - expected_step(r.spike_times[0], dt)), 1L);

  p.beta = units::voltage_q(0.0);
  const auto plain = run_engine<models::ALIF>(p, dt, I, 120.0, "a", {{models::ALIF::a, 5.0}});
  ASSERT_FALSE(plain.spikes.empty());
  EXPECT_EQ(long(plain.spikes[0]), expected_step(5.0 * std::log(6.0), dt));
}

TEST(BrainpyALIF, SpikeTrainMatchesReferenceAndAdapts) {
  auto p = models::ALIF::defaults();
  p.spk_reset = reset_mode::hard;
  p.beta = units::voltage_q(0.3);
  const double I = 2e9, dt = 0.1;  // V_inf = 2 mV
  const auto e = run_engine<models::ALIF>(p, dt, I, 300.0, "a");
  const auto first = alif_reference(p, 0.0, I, dt, 20.0);
  ASSERT_FALSE(first.spike_times.empty());
  ASSERT_FALSE(e.spikes.empty());
  EXPECT_EQ(long(e.spikes[0]), expected_step(first.spike_times[0], dt));
  const auto r = alif_reference(p, 0.0, I, dt, 300.0, detect::on_grid);
  ASSERT_GE(r.spike_times.size(), 10u);
  expect_spike_trains_match(e.spikes, r.spike_times, dt, 0);
  // spike-frequency adaptation: the intervals lengthen
  const auto& s = e.spikes;
  EXPECT_GT(s[s.size() - 1] - s[s.size() - 2], 2 * (s[1] - s[0]));
  for (std::size_t k = 2; k < s.size(); ++k) EXPECT_GE(s[k] - s[k - 1], s[k - 1] - s[k - 2]) << k;
  // a decays by exp(-dt/tau_a) every step and jumps by exactly 1 in a spike step; V is reset there
  const double decay_a = std::exp(-dt / 100.0);
  std::size_t next = 0;
  for (std::size_t k = 1; k < e.x.size(); ++k) {
    const bool spiked = next < s.size() && s[next] == k;
    next += spiked;
    ASSERT_NEAR(e.x[k], e.x[k - 1] * decay_a + (spiked ? 1.0 : 0.0), 1e-12) << k;
    if (spiked) {
      ASSERT_EQ(e.v[k], 0.0) << k;
    }
  }
}

TEST(BrainpyALIF, SoftResetSubtractsTheBaseThresholdDistance) {
  auto p = models::ALIF::defaults();  // soft
  p.V_reset = units::voltage_q(-0.5);
  const double I = 3e9, dt = 0.1;
  const auto e = run_engine<models::ALIF>(p, dt, I, 30.0, "a");
  ASSERT_GE(e.spikes.size(), 3u);
  for (auto s : e.spikes) {
    const double before = 3.0 + (e.v[s - 1] - 3.0) * std::exp(-dt / 5.0);
    EXPECT_GE(before, 1.0 + 0.1 * e.x[s - 1] * std::exp(-dt / 100.0));  // crossed the adapted threshold
    EXPECT_NEAR(e.v[s], before - 1.5, 1e-12);                           // V -= V_th - V_reset
  }
}

TEST(BrainpyALIF, WithoutAdaptationFiresLikeLIF) {
  auto p = models::ALIF::defaults();
  p.beta = units::voltage_q(0.0);
  p.V_rest = units::voltage_q(-0.2);
  p.V_reset = units::voltage_q(-0.1);
  auto q = models::LIF::defaults();
  q.R = p.R;
  q.tau = p.tau;
  q.V_th = p.V_th;
  q.V_reset = p.V_reset;
  q.V_rest = p.V_rest;
  const double I = 2.5e9;
  const auto a = run_engine<models::ALIF>(p, 0.1, I, 100.0);
  const auto l = run_engine<models::LIF>(q, 0.1, I, 100.0);
  ASSERT_GE(a.spikes.size(), 10u);
  EXPECT_EQ(a.spikes, l.spikes);
  for (std::size_t k = 0; k < a.v.size(); ++k) ASSERT_NEAR(a.v[k], l.v[k], 1e-12) << k;
}

}  // namespace

}  // namespace test_model_if_alif
