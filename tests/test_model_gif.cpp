// brainpy.state's Gif and GifRef (Mihalas & Niebur 2009) against independent references written here:
//  - the ODEs integrated with classical RK4 (double, step dt/100), for trajectories and spike times;
//  - the leading term of the exponential-Euler error, integrated along the RK4 solution, for the tolerance;
//  - one step of the scheme written out again, for the exact reset / refractory semantics.
//
// Error budget (x_exact - x_engine). Each variable is advanced exactly with the others frozen at the start of the
// step, so the local errors are those of freezing:
//   I1, I2: none (their equations are uncoupled and linear: exact);
//   V:   h^2/2 (R/tau) (dI1/dt + dI2/dt)      (V's step holds I1, I2 at their old values)
//   V_th: h^2/2 a dV/dt                       (V_th's step holds V at its old value)
// so the scheme is first order and the global error obeys
//   E_V' = -E_V/tau + h/2 (R/tau)(dI1/dt + dI2/dt),   E_th' = a E_V - b E_th + h/2 a dV/dt.
// The neglected terms are smaller by O(h k1) = 2e-2 at dt = 0.1 ms (the fastest rate is k1 = 0.2/ms); the test
// requires the engine's actual error to match the prediction to within 3% of its maximum (observed: 0.4% at
// dt = 0.1 ms, 0.1% at 0.025 ms), and halving dt to halve the error.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/gif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_gif {

using namespace volley;
using namespace volley::units::literals;

namespace {

using vec4 = std::array<double, 4>;  // V, I1, I2, V_th

struct engine_run {
  std::vector<vec4> x;                // after each step
  std::vector<std::uint32_t> spikes;  // spike steps
};

template <class Model>
engine_run run_engine(const models::gif_params& p, double dt, double current_pA, double t_ms, vec4 x0) {
  network net({.dt = units::time_q(dt), .seed = 1});
  auto& pop = net.add_population<Model>("N", 1, p);
  for (int q = 0; q < 4; ++q) pop.set_state(q, 0, static_cast<real_t>(x0[q]));
  net.add_constant_current("N", units::current_q(current_pA));
  simulator sim(net);
  sim.record_spikes("N");
  for (const char* n : {"V", "I1", "I2", "V_th"}) sim.record_trace({"N", n, {0}, 0.0_ms});
  sim.run(units::time_q(t_ms));
  engine_run r;
  const auto& rec = sim.record();
  r.x.resize(rec.traces[0].values.size());
  for (std::size_t k = 0; k < r.x.size(); ++k)
    for (int q = 0; q < 4; ++q) r.x[k][q] = rec.traces[q].values[k];
  r.spikes.assign(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
  return r;
}

const vec4 initial{-70.0, 0.0, 0.0, -50.0};  // brainpy.state's initialisers

// The model's equations, written from brainpy.state's source (V mV, I pA, R GOhm, rates 1/ms, t ms).
struct gif_ode {
  double R, tau, El, th_inf, a, b, k1, k2, I;
  gif_ode(const models::gif_params& p, double current_pA)
      : R(p.R.value), tau(p.tau.value), El(p.V_rest.value), th_inf(p.V_th_inf.value), a(p.a.value),
        b(p.b.value), k1(p.k1.value), k2(p.k2.value), I(current_pA) {}
  vec4 f(const vec4& x) const {
    return {(-(x[0] - El) + R * (x[1] + x[2] + I)) / tau, -k1 * x[1], -k2 * x[2],
            a * (x[0] - El) - b * (x[3] - th_inf)};
  }
};

using state6 = std::array<double, 6>;  // V, I1, I2, V_th, E_V, E_th

state6 with_error_equation(const gif_ode& m, const state6& y, double h) {
  const vec4 f = m.f({y[0], y[1], y[2], y[3]});
  return {f[0], f[1], f[2], f[3], -y[4] / m.tau + h / 2 * m.R / m.tau * (f[1] + f[2]),
          m.a * y[4] - m.b * y[5] + h / 2 * m.a * f[0]};
}

enum class detect { none, continuous, on_grid };
struct reference_run {
  std::vector<state6> at_steps;
  std::vector<double> spike_times;
};

// RK4, 100 substeps per engine step. Spikes (V >= V_th; hard reset V = V_reset, I_j = R_j I_j + A_j,
// V_th = max(V_th_reset, V_th)): continuous: at the interpolated crossing; on_grid: the state is held from the
// crossing to the end of the engine step, where the reset is applied (as the time-stepped model defines a spike).
reference_run rk4_reference(const gif_ode& m, const models::gif_params& p, double dt, double t_ms, detect mode,
                            vec4 x0, double h_error = 0) {
  const int sub = 100;
  const double h = dt / sub;
  const long steps = std::lround(t_ms / dt);
  reference_run r;
  state6 x{x0[0], x0[1], x0[2], x0[3], 0, 0};
  auto f = [&](const state6& y) { return with_error_equation(m, y, h_error); };
  auto axpy = [](const state6& y, double s, const state6& k) {
    state6 z;
    for (int q = 0; q < 6; ++q) z[q] = y[q] + s * k[q];
    return z;
  };
  auto reset = [&](state6& y) {
    y[0] = p.V_reset.value;
    y[1] = p.R1.value * y[1] + p.A1.value;
    y[2] = p.R2.value * y[2] + p.A2.value;
    y[3] = std::max(p.V_th_reset.value, y[3]);
  };
  for (long k = 0; k < steps; ++k) {
    bool crossed = false;
    for (int j = 0; j < sub && !crossed; ++j) {
      const state6 k1 = f(x), k2 = f(axpy(x, h / 2, k1)), k3 = f(axpy(x, h / 2, k2)), k4 = f(axpy(x, h, k3));
      state6 y;
      for (int q = 0; q < 6; ++q) y[q] = x[q] + h / 6 * (k1[q] + 2 * k2[q] + 2 * k3[q] + k4[q]);
      if (mode != detect::none && y[0] >= y[3]) {
        if (mode == detect::continuous) {
          const double g0 = x[0] - x[3], g1 = y[0] - y[3];
          r.spike_times.push_back((k * sub + j) * h + h * (-g0) / (g1 - g0));
          reset(y);
        } else {
          crossed = true;
          y = x;
        }
      }
      x = y;
    }
    if (crossed) {
      r.spike_times.push_back((k + 1) * dt);
      reset(x);
    }
    r.at_steps.push_back(x);
  }
  return r;
}

long expected_step(double t, double dt) { return std::lround(std::ceil(t / dt - 1e-9)) - 1; }

// One step of the scheme, written out again (no reset): each variable's exact solution with the others frozen.
vec4 scheme_step(const models::gif_params& p, double I, double dt, const vec4& x) {
  const double R = p.R.value, tau = p.tau.value, El = p.V_rest.value, a = p.a.value, b = p.b.value;
  const double V_inf = El + R * (x[1] + x[2] + I);
  const double Vn = V_inf + (x[0] - V_inf) * std::exp(-dt / tau);
  const double I1n = x[1] * std::exp(-p.k1.value * dt), I2n = x[2] * std::exp(-p.k2.value * dt);
  const double drive = a * (x[0] - El);  // b (V_th_inf - V_th) + drive
  const double thn = b > 0 ? p.V_th_inf.value + drive / b + (x[3] - p.V_th_inf.value - drive / b) * std::exp(-b * dt)
                           : x[3] + dt * drive;
  return {Vn, I1n, I2n, thn};
}

models::gif_params hard(models::gif_params p) {
  p.spk_reset = reset_mode::hard;
  return p;
}

// ---- defaults and layout ----------------------------------------------------------------------------------------

TEST(BrainpyGif, DefaultsAreBrainpyStatesInInternalUnits) {
  const auto p = models::Gif::defaults();
  EXPECT_DOUBLE_EQ(p.R.value, (20.0_ohm).value);
  EXPECT_DOUBLE_EQ(p.R.value, 2e-8);
  EXPECT_DOUBLE_EQ(p.tau.value, 20.0);
  EXPECT_DOUBLE_EQ(p.V_rest.value, -70.0);
  EXPECT_DOUBLE_EQ(p.V_reset.value, -70.0);
  EXPECT_DOUBLE_EQ(p.V_th_inf.value, -50.0);
  EXPECT_DOUBLE_EQ(p.V_th_reset.value, -60.0);
  EXPECT_DOUBLE_EQ(p.a.value, 0.0);
  EXPECT_DOUBLE_EQ(p.b.value, 0.01);
  EXPECT_DOUBLE_EQ(p.k1.value, 0.2);
  EXPECT_DOUBLE_EQ(p.k2.value, 0.02);
  EXPECT_DOUBLE_EQ(p.R1.value, 0.0);
  EXPECT_DOUBLE_EQ(p.R2.value, 1.0);
  EXPECT_DOUBLE_EQ(p.A1.value, 0.0);
  EXPECT_DOUBLE_EQ(p.A2.value, 0.0);
  EXPECT_EQ(p.spk_reset, reset_mode::soft);
  EXPECT_DOUBLE_EQ(p.tau_ref.value, 0.0);
  EXPECT_DOUBLE_EQ(models::GifRef::defaults().tau_ref.value, 1.7);
  // 1.5 mA (brainpy.state's example drive) through 20 ohm is 30 mV
  EXPECT_DOUBLE_EQ(p.R.value * (1.5_mA).value, 30.0);
  real_t s[5];
  models::GifRef::initial_state(p, s);
  EXPECT_EQ(s[0], -70.0);
  EXPECT_EQ(s[1], 0.0);
  EXPECT_EQ(s[2], 0.0);
  EXPECT_EQ(s[3], -50.0);
  EXPECT_EQ(s[4], 0.0);
}

TEST(BrainpyGif, StateLayoutAndParameterNames) {
  EXPECT_EQ(models::Gif::n_state, 4);
  EXPECT_EQ(models::GifRef::n_state, 5);
  const char* names[] = {"V", "I1", "I2", "V_th", "refractory_steps"};
  for (int q = 0; q < 5; ++q) EXPECT_STREQ(models::GifRef::state_fields[q].name, names[q]);
  EXPECT_EQ(models::Gif::state_fields[models::Gif::I1].dim, units::dims::current);
  EXPECT_EQ(models::Gif::state_fields[models::Gif::V_th].dim, units::dims::voltage);
  std::string s;
  auto p = models::GifRef::defaults();
  models::GifRef::each_param(p, [&](const char* n, auto&, range_check) { s += std::string(n) + " "; });
  EXPECT_EQ(s, "R tau tau_ref V_rest V_reset V_th_inf V_th_reset a b k1 k2 R1 R2 A1 A2 spk_reset ");
  EXPECT_EQ(models::Gif::validate(p), nullptr);
  p.V_th_reset = units::voltage_q(-75.0);
  EXPECT_NE(models::Gif::validate(p), nullptr);
}

// ---- subthreshold trajectory and threshold dynamics against RK4 and the predicted error -----------------------

TEST(BrainpyGif, SubthresholdErrorIsThePredictedFirstOrderTerm) {
  // a = 0.005/ms couples V_th to V; I1(0) = 6 mV / R (fast decay), I2(0) = 4 mV / R (slow), R I = 8 mV: V rises to
  // at most -52 mV, while V_th rises above -50 mV: no spike. The V error is driven by dI/dt, the V_th error by dV/dt.
  auto p = hard(models::Gif::defaults());
  p.a = units::rate_q(0.005);
  const double R = p.R.value, I = 8.0 / R;
  const vec4 x0{-70.0, 6.0 / R, 4.0 / R, -50.0};
  const gif_ode m(p, I);
  std::vector<double> errs_v, errs_th;
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto e = run_engine<models::Gif>(p, dt, I, 150.0, x0);
    const auto r = rk4_reference(m, p, dt, 150.0, detect::none, x0, dt);
    EXPECT_TRUE(e.spikes.empty());
    double err[2] = {0, 0}, pred[2] = {0, 0}, mismatch[2] = {0, 0}, err_I = 0;
    const long stride = std::lround(0.1 / dt);
    for (std::size_t k = stride - 1; k < e.x.size(); k += stride) {
      const double ev = r.at_steps[k][0] - e.x[k][0], eth = r.at_steps[k][3] - e.x[k][3];
      err[0] = std::max(err[0], std::fabs(ev));
      err[1] = std::max(err[1], std::fabs(eth));
      pred[0] = std::max(pred[0], std::fabs(r.at_steps[k][4]));
      pred[1] = std::max(pred[1], std::fabs(r.at_steps[k][5]));
      mismatch[0] = std::max(mismatch[0], std::fabs(ev - r.at_steps[k][4]));
      mismatch[1] = std::max(mismatch[1], std::fabs(eth - r.at_steps[k][5]));
      err_I = std::max({err_I, std::fabs(r.at_steps[k][1] - e.x[k][1]) / x0[1],
                        std::fabs(r.at_steps[k][2] - e.x[k][2]) / x0[2]});
    }
    // I1, I2 are exact up to rounding (RK4's own error at h = dt/100 is ~1e-14)
    EXPECT_LT(err_I, 1e-11) << "dt " << dt;
    // something to measure: at dt = 0.1 ms the V error is ~1.1e-2 mV, the V_th error ~9.5e-4 mV
    EXPECT_GT(pred[0], 5e-3 * dt / 0.1) << "dt " << dt;
    EXPECT_GT(pred[1], 1e-4 * dt / 0.1) << "dt " << dt;
    for (int q = 0; q < 2; ++q)
      EXPECT_LT(mismatch[q], 0.03 * pred[q]) << "dt " << dt << " var " << q << ": error " << err[q] << " predicted "
                                             << pred[q];
    errs_v.push_back(err[0]);
    errs_th.push_back(err[1]);
  }
  for (int k = 0; k < 2; ++k) {
    EXPECT_GT(errs_v[k] / errs_v[k + 1], 1.8) << k;  // first order: 2
    EXPECT_LT(errs_v[k] / errs_v[k + 1], 2.2) << k;
    EXPECT_GT(errs_th[k] / errs_th[k + 1], 1.8) << k;
    EXPECT_LT(errs_th[k] / errs_th[k + 1], 2.2) << k;
  }
}

// ---- spikes ---------------------------------------------------------------------------------------------------

// Spike-frequency adaptation parameters (threshold coupling a = 0.005/ms, 2 mA), with R1 = 0.5, A1 = -0.2 mA,
// A2 = 0.05 mA so that all reset rules act.
models::gif_params sfa_params() {
  auto p = hard(models::Gif::defaults());
  p.a = units::rate_q(0.005);
  p.R1 = units::dimensionless_q(0.5);
  p.A1 = units::current_q(-0.2e9);
  p.A2 = units::current_q(0.05e9);
  return p;
}

TEST(BrainpyGif, SpikeTimesMatchReference) {
  const auto p = sfa_params();
  const double I = 2e9, dt = 0.1, t = 400.0;
  const gif_ode m(p, I);
  const auto e = run_engine<models::Gif>(p, dt, I, t, initial);
  const auto first = rk4_reference(m, p, dt, t, detect::continuous, initial);
  const auto grid = rk4_reference(m, p, dt, t, detect::on_grid, initial);
  ASSERT_GE(grid.spike_times.size(), 5u);
  ASSERT_FALSE(e.spikes.empty());
  EXPECT_LE(std::labs(long(e.spikes[0]) - expected_step(first.spike_times[0], dt)), 1L)
      << "engine step " << e.spikes[0] << ", reference t = " << first.spike_times[0];
  const auto& g = grid.spike_times;
  EXPECT_LE(std::labs(long(e.spikes.size()) - long(g.size())), 1L);
  for (std::size_t k = 1; k < std::min(e.spikes.size(), g.size()); ++k) {
    const long isi_engine = long(e.spikes[k]) - long(e.spikes[k - 1]);
    const long isi_ref = std::lround((g[k] - g[k - 1]) / dt);
    EXPECT_LE(std::labs(isi_engine - isi_ref), 1L) << "interval " << k;
  }
}

// ---- exact step semantics ---------------------------------------------------------------------------------------

void expect_exact_steps(const models::gif_params& p, double I, double t_ms, std::size_t min_spikes) {
  const double dt = 0.1;
  const auto e = run_engine<models::Gif>(p, dt, I, t_ms, initial);
  ASSERT_GE(e.spikes.size(), min_spikes);
  std::size_t next = 0;
  for (std::size_t k = 1; k < e.x.size(); ++k) {
    const vec4 y = scheme_step(p, I, dt, e.x[k - 1]);
    const bool spiked = next < e.spikes.size() && e.spikes[next] == k;
    next += spiked;
    ASSERT_EQ(spiked, y[0] >= y[3]) << k;
    vec4 want = y;
    if (spiked) {
      want[0] = p.spk_reset == reset_mode::hard ? p.V_reset.value : y[0] - (y[3] - p.V_reset.value);
      want[1] = p.R1.value * y[1] + p.A1.value;
      want[2] = p.R2.value * y[2] + p.A2.value;
      want[3] = std::max(p.V_th_reset.value, y[3]);
    }
    ASSERT_NEAR(e.x[k][0], want[0], 1e-9) << k;
    ASSERT_NEAR(e.x[k][1], want[1], 1e-6) << k;  // pA, values ~1e8
    ASSERT_NEAR(e.x[k][2], want[2], 1e-6) << k;
    ASSERT_NEAR(e.x[k][3], want[3], 1e-9) << k;
    if (spiked && p.spk_reset == reset_mode::hard) {
      ASSERT_EQ(e.x[k][0], p.V_reset.value) << k;
    }
  }
}

TEST(BrainpyGif, HardResetRulesExactlyAtEachSpike) { expect_exact_steps(sfa_params(), 2e9, 300.0, 5); }

TEST(BrainpyGif, SoftResetRulesExactlyAtEachSpike) {
  auto p = sfa_params();
  p.spk_reset = reset_mode::soft;
  expect_exact_steps(p, 2e9, 300.0, 5);
}

TEST(BrainpyGif, ThresholdResetTakesTheMaximum) {
  // V_th_reset above the running threshold: the reset raises V_th to it; below: V_th is kept.
  auto p = hard(models::Gif::defaults());  // a = 0: V_th stays at -50 until the first spike
  p.V_th_reset = units::voltage_q(-45.0);
  const auto e = run_engine<models::Gif>(p, 0.1, 1.5e9, 50.0, initial);
  ASSERT_FALSE(e.spikes.empty());
  EXPECT_EQ(e.x[e.spikes[0]][3], real_t(-45.0));
  p.V_th_reset = units::voltage_q(-60.0);
  const auto f = run_engine<models::Gif>(p, 0.1, 1.5e9, 50.0, initial);
  ASSERT_FALSE(f.spikes.empty());
  EXPECT_EQ(f.x[f.spikes[0]][3], real_t(-50.0));
}

// ---- Mihalas-Niebur behaviours ----------------------------------------------------------------------------------

TEST(BrainpyGif, TonicSpikingVersusSpikeFrequencyAdaptation) {
  // Tonic spiking (a = 0, A1 = A2 = 0, 1.5 mA): V_th stays at V_th_inf, every interval is the same, and since V's
  // step is then exact it is the LIF period tau ln((V_inf - V_reset) / (V_inf - V_th)) = 21.97 ms rounded up to
  // the grid (V_inf = V_rest + R I = -40 mV): 220 steps.
  const auto tonic = run_engine<models::Gif>(hard(models::Gif::defaults()), 0.1, 1.5e9, 300.0, initial);
  ASSERT_GE(tonic.spikes.size(), 10u);
  const double period = 20.0 * std::log((-40.0 - -70.0) / (-40.0 - -50.0));
  for (std::size_t k = 1; k < tonic.spikes.size(); ++k)
    EXPECT_EQ(long(tonic.spikes[k] - tonic.spikes[k - 1]), std::lround(std::ceil(period / 0.1))) << k;
  for (const auto& x : tonic.x) ASSERT_EQ(x[3], -50.0);
  // Spike-frequency adaptation (a = 0.005/ms, 2 mA): the threshold climbs with every interval, which lengthens.
  auto p = hard(models::Gif::defaults());
  p.a = units::rate_q(0.005);
  const auto sfa = run_engine<models::Gif>(p, 0.1, 2e9, 300.0, initial);
  const auto& s = sfa.spikes;
  ASSERT_GE(s.size(), 5u);
  for (std::size_t k = 2; k < s.size(); ++k) {
    EXPECT_GE(s[k] - s[k - 1] + 1, s[k - 1] - s[k - 2]) << k;
    EXPECT_GT(sfa.x[s[k] - 1][3], sfa.x[s[k - 1] - 1][3] - 1e-9) << k;  // threshold at the spike
  }
  EXPECT_GT(double(s.back() - s[s.size() - 2]), 1.3 * double(s[1] - s[0]));  // observed: 235 vs 156 steps
}

// ---- GifRef -------------------------------------------------------------------------------------------------------

TEST(BrainpyGifRef, HoldsAllStateForTauRefThenIntegrates) {
  auto p = sfa_params();
  p.tau_ref = units::time_q(1.7);  // 17 steps
  const double I = 2e9, dt = 0.1;
  const auto e = run_engine<models::GifRef>(p, dt, I, 300.0, initial);
  ASSERT_GE(e.spikes.size(), 3u);
  const std::uint32_t ref_steps = 17;
  for (auto s : e.spikes) {
    if (s + ref_steps + 1 >= e.x.size()) break;
    const vec4 y = scheme_step(p, I, dt, e.x[s - 1]);
    EXPECT_EQ(e.x[s][0], -70.0);
    EXPECT_NEAR(e.x[s][1], 0.5 * y[1] - 0.2e9, 1e-6);
    EXPECT_NEAR(e.x[s][2], y[2] + 0.05e9, 1e-6);
    EXPECT_NEAR(e.x[s][3], std::max(-60.0, y[3]), 1e-9);
    for (std::uint32_t k = 1; k <= ref_steps; ++k)
      for (int q = 0; q < 4; ++q) ASSERT_EQ(e.x[s + k][q], e.x[s][q]) << s << " + " << k << " var " << q;
    const vec4 next = scheme_step(p, I, dt, e.x[s]);
    for (int q = 0; q < 4; ++q)
      EXPECT_NEAR(e.x[s + ref_steps + 1][q], next[q], q == 1 || q == 2 ? 1e-6 : 1e-9) << s << " var " << q;
  }
}

TEST(BrainpyGifRef, TonicIntervalsLengthenByTheRefractorySteps) {
  // tonic parameters: from the same reset state the climb is the same, so every interval is Gif's plus 17 steps
  auto p = hard(models::GifRef::defaults());
  const auto r = run_engine<models::GifRef>(p, 0.1, 1.5e9, 300.0, initial);
  const auto g = run_engine<models::Gif>(p, 0.1, 1.5e9, 300.0, initial);
  ASSERT_GE(g.spikes.size(), 2u);
  ASSERT_GE(r.spikes.size(), 3u);
  EXPECT_EQ(r.spikes[0], g.spikes[0]);
  for (std::size_t k = 1; k < r.spikes.size(); ++k)
    EXPECT_EQ(r.spikes[k] - r.spikes[k - 1], g.spikes[1] - g.spikes[0] + 17) << k;
}

TEST(BrainpyGifRef, ZeroRefractoryPeriodIsGif) {
  auto p = sfa_params();
  p.spk_reset = reset_mode::soft;
  const auto r = run_engine<models::GifRef>(p, 0.1, 2e9, 200.0, initial);
  const auto g = run_engine<models::Gif>(p, 0.1, 2e9, 200.0, initial);
  ASSERT_GE(g.spikes.size(), 3u);
  EXPECT_EQ(r.spikes, g.spikes);
  for (std::size_t k = 0; k < g.x.size(); ++k) ASSERT_EQ(r.x[k], g.x[k]) << k;
}

}  // namespace

}  // namespace test_model_gif
