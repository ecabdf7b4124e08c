// MorrisLecar against an independent reference: its equations written out again here and integrated with classic
// RK4 in double with small fixed substeps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/morris_lecar.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_morris_lecar {

using namespace volley;
using namespace volley::units::literals;

namespace {

// brainpy.state's defaults in its own units: mV, mS, uF, uA, 1/ms
struct ml_ref {
  double V_Ca = 130, g_Ca = 4.4, V_K = -84, g_K = 8, V_leak = -60, g_leak = 2, C = 20;
  double V1 = -1.2, V2 = 18, V3 = 2, V4 = 30, phi = 0.04, V_th = 10;

  void deriv(const double* y, double I, double* dy) const {
    const double V = y[0], W = y[1];
    const double M_inf = (1 + std::tanh((V - V1) / V2)) / 2;
    const double W_inf = (1 + std::tanh((V - V3) / V4)) / 2;
    const double tau_W = 1 / (phi * std::cosh((V - V3) / (2 * V4)));
    dy[0] = (I - g_Ca * M_inf * (V - V_Ca) - g_K * W * (V - V_K) - g_leak * (V - V_leak)) / C;
    dy[1] = (W_inf - W) / tau_W;
  }
};

struct ref_run {
  std::vector<double> V;       // at t = (k + 1) * sample_dt
  std::vector<double> spikes;  // upward crossings of V_th, ms
};

ref_run integrate_ref(const ml_ref& model, double I_uA, double T, double sample_dt, int sub) {
  ref_run out;
  double y[2] = {-65, 0.02}, k1[2], k2[2], k3[2], k4[2], tmp[2];
  const double h = sample_dt / sub;
  const auto samples = static_cast<long>(std::llround(T / sample_dt));
  for (long k = 0; k < samples; ++k) {
    for (int s = 0; s < sub; ++s) {
      const double v_old = y[0], t_old = (double(k) * sub + s) * h;
      model.deriv(y, I_uA, k1);
      for (int q = 0; q < 2; ++q) tmp[q] = y[q] + 0.5 * h * k1[q];
      model.deriv(tmp, I_uA, k2);
      for (int q = 0; q < 2; ++q) tmp[q] = y[q] + 0.5 * h * k2[q];
      model.deriv(tmp, I_uA, k3);
      for (int q = 0; q < 2; ++q) tmp[q] = y[q] + h * k3[q];
      model.deriv(tmp, I_uA, k4);
      for (int q = 0; q < 2; ++q) y[q] += h / 6 * (k1[q] + 2 * k2[q] + 2 * k3[q] + k4[q]);
      if (v_old < model.V_th && y[0] >= model.V_th)
        out.spikes.push_back(t_old + h * (model.V_th - v_old) / (y[0] - v_old));
    }
    out.V.push_back(y[0]);
  }
  return out;
}

struct volley_run {
  std::vector<std::vector<double>> V;         // per neuron, after each step
  std::vector<std::vector<double>> crossing;  // per neuron: upward crossings of V_th interpolated in the trace, ms
  std::vector<std::vector<double>> spikes;    // per neuron: spike times (step + 1) * dt, ms
};

// One neuron per current (uA).
volley_run run_volley(const std::vector<double>& I_uA, double dt, double T) {
  network net({.dt = units::time_q(dt), .seed = 1});
  const auto n = static_cast<index_t>(I_uA.size());
  net.add_population<models::MorrisLecar>("N", n);
  for (index_t i = 0; i < n; ++i)
    net.add_constant_current("N[" + std::to_string(i) + ":" + std::to_string(i + 1) + "]",
                             units::current_q(I_uA[i] * 1e6));
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {}, 0.0_ms});
  sim.run(units::time_q(T));
  volley_run out;
  out.V.resize(n);
  out.crossing.resize(n);
  out.spikes.resize(n);
  const auto& tr = sim.record().traces[0];
  const double V_th = models::MorrisLecar::defaults().V_th.value;
  for (std::size_t k = 0; k < tr.samples(); ++k)
    for (index_t i = 0; i < n; ++i) out.V[i].push_back(tr.values[k * n + i]);
  for (index_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k + 1 < out.V[i].size(); ++k)
      if (out.V[i][k] < V_th && out.V[i][k + 1] >= V_th)
        out.crossing[i].push_back((k + 1) * dt + dt * (V_th - out.V[i][k]) / (out.V[i][k + 1] - out.V[i][k]));
  const auto& sp = sim.record().spikes[0];
  for (std::size_t k = 0; k < sp.size(); ++k) out.spikes[sp.neuron[k]].push_back((sp.step[k] + 1) * dt);
  return out;
}

std::size_t count_in(const std::vector<double>& t, double from, double to) {
  return static_cast<std::size_t>(std::count_if(t.begin(), t.end(), [&](double x) { return x >= from && x < to; }));
}

// First index of the scan from which on every current oscillates (>= 3 spikes in [500, 1000) ms), -1 if none.
int onset_index(const std::vector<std::vector<double>>& spikes) {
  int onset = -1;
  for (std::size_t k = 0; k < spikes.size(); ++k) {
    const bool oscillates = count_in(spikes[k], 500, 1000) >= 3;
    if (oscillates && onset < 0) onset = static_cast<int>(k);
    if (!oscillates) onset = -1;
  }
  return onset;
}

}  // namespace

TEST(MorrisLecar, DefaultsAreBrainpyStateValuesInInternalUnits) {
  const auto p = models::MorrisLecar::defaults();
  EXPECT_EQ(p.V_Ca, 130.0_mV);
  EXPECT_EQ(p.g_Ca, 4.4_mS);
  EXPECT_EQ(p.V_K, -84.0_mV);
  EXPECT_EQ(p.g_K, 8.0_mS);
  EXPECT_EQ(p.V_leak, -60.0_mV);
  EXPECT_EQ(p.g_leak, 2.0_mS);
  EXPECT_EQ(p.C, 20.0_uF);
  EXPECT_EQ(p.V1, -1.2_mV);
  EXPECT_EQ(p.V2, 18.0_mV);
  EXPECT_EQ(p.V3, 2.0_mV);
  EXPECT_EQ(p.V4, 30.0_mV);
  EXPECT_DOUBLE_EQ(p.phi.value, 0.04);  // 1/ms
  EXPECT_EQ(p.V_th, 10.0_mV);
}

// Below the onset (60 uA): V settles on the fixed point of the equations, which the exponential-Euler step keeps
// exactly (f = 0 there, W = W_inf). The approach converges at first order.
TEST(MorrisLecar, RestsBelowOnsetAndConvergesToTheReferenceAtFirstOrder) {
  const double I = 60, T = 500;
  const ref_run r = integrate_ref(ml_ref{}, I, T, 0.01, 10);
  ASSERT_TRUE(r.spikes.empty());
  double err[2];
  const double dts[2] = {0.1, 0.01};
  for (int k = 0; k < 2; ++k) {
    const volley_run v = run_volley({I}, dts[k], T);
    const std::size_t stride = k == 0 ? 10 : 1;
    ASSERT_EQ(v.V[0].size() * stride, r.V.size());
    err[k] = 0;
    for (std::size_t s = 0; s < v.V[0].size(); ++s)
      err[k] = std::max(err[k], std::abs(v.V[0][s] - r.V[(s + 1) * stride - 1]));
    EXPECT_TRUE(v.spikes[0].empty());
    // at rest: the last 100 ms are flat and on the reference's fixed point
    const auto last = v.V[0].end() - static_cast<long>(100 / dts[k]);
    EXPECT_LT(*std::max_element(last, v.V[0].end()) - *std::min_element(last, v.V[0].end()), 1e-4);
    EXPECT_NEAR(v.V[0].back(), r.V.back(), 1e-6);
  }
  // the response rises by ~28 mV; global error ~ K dt with K ~ 0.43 mV/ms (0.043 mV at dt = 0.1, 0.0043 at 0.01),
  // bounds 1.5 K dt; the ratio pins the order
  EXPECT_GT(r.V.back() - -65.0, 20.0);
  EXPECT_LT(err[0], 0.065) << err[0];
  EXPECT_LT(err[1], 0.0065) << err[1];
  EXPECT_GT(err[0] / err[1], 5.0) << err[0] << " " << err[1];
  EXPECT_LT(err[0] / err[1], 20.0) << err[0] << " " << err[1];
}

// Above the onset (100 uA, brainpy.state's example): a periodic spike train whose spike times converge to the
// reference's at first order.
TEST(MorrisLecar, OscillatesAboveOnsetAndSpikeTimesConvergeAtFirstOrder) {
  const double I = 100, T = 400;
  const ref_run r = integrate_ref(ml_ref{}, I, T, 0.01, 10);
  ASSERT_GE(r.spikes.size(), 4u);  // period ~85 ms
  double err[2];
  const double dts[2] = {0.1, 0.01};
  for (int k = 0; k < 2; ++k) {
    const volley_run v = run_volley({I}, dts[k], T);
    ASSERT_EQ(v.crossing[0].size(), r.spikes.size()) << dts[k];
    ASSERT_EQ(v.spikes[0].size(), r.spikes.size()) << dts[k];
    err[k] = 0;
    for (std::size_t s = 0; s < r.spikes.size(); ++s) {
      err[k] = std::max(err[k], std::abs(v.crossing[0][s] - r.spikes[s]));
      EXPECT_GE(v.spikes[0][s], v.crossing[0][s] - 1e-9);
      EXPECT_LT(v.spikes[0][s], v.crossing[0][s] + dts[k] + 1e-9);
    }
    // periodic: the last two inter-spike intervals agree
    const auto& t = v.spikes[0];
    EXPECT_NEAR(t[t.size() - 1] - t[t.size() - 2], t[t.size() - 2] - t[t.size() - 3], 2 * dts[k]);
  }
  // K ~ 21 ms/ms at the 5th spike (2.07 ms at dt = 0.1, 0.21 at 0.01); bounds 1.5 K dt
  EXPECT_LT(err[0], 3.1) << err[0];
  EXPECT_LT(err[1], 0.31) << err[1];
  EXPECT_GT(err[0] / err[1], 5.0) << err[0] << " " << err[1];
  EXPECT_LT(err[0] / err[1], 20.0) << err[0] << " " << err[1];
}

// Onset of oscillation for a step current from the initial state (V = -65 mV, W = 0.02), on a 1 uA grid: ~83 uA
// in the reference; volley at the default dt = 0.1 ms within one grid step. Below it no spike after the transient.
TEST(MorrisLecar, OscillationOnsetMatchesTheReference) {
  std::vector<double> I;
  for (int k = 0; k <= 10; ++k) I.push_back(78.0 + k);
  std::vector<std::vector<double>> ref_spikes;
  for (double x : I) ref_spikes.push_back(integrate_ref(ml_ref{}, x, 1000, 0.1, 2).spikes);
  const int onset_ref = onset_index(ref_spikes);
  ASSERT_GT(onset_ref, 0);
  EXPECT_GE(I[onset_ref], 82.0);
  EXPECT_LE(I[onset_ref], 85.0);
  const volley_run v = run_volley(I, 0.1, 1000);
  const int onset = onset_index(v.spikes);
  ASSERT_GE(onset, 0);
  EXPECT_LE(std::abs(onset - onset_ref), 1) << "reference " << I[onset_ref] << " uA, volley " << I[onset] << " uA";
  for (int k = 0; k < onset; ++k) EXPECT_EQ(count_in(v.spikes[k], 200, 1000), 0u) << I[k] << " uA";
}

}  // namespace test_model_morris_lecar
