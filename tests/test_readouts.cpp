// brainpy.state's readouts: LeakyRateReadout against the closed form of the leaky integrator for a known input
// train, LeakySpikeReadout's spike steps and trajectory, their registration and the inputs they refuse.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/current_inputs.hpp"
#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "host/simulator.hpp"
#include "models/readout.hpp"
#include "models/registry.hpp"
#include "models/spike_sources.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_readouts {

using namespace volley;
using namespace volley::units::literals;

namespace {
constexpr double dt = 0.1;  // ms
}

TEST(ReadoutRate, LeakyIntegratorMatchesTheClosedFormForAKnownTrain) {
  // neuron 0 spikes at 0.5, 1.0, 1.2 ms (weight 0.5, delay 0.1 ms); neuron 1 at 1.0, 3.0 ms (weight -0.25, 0.3 ms)
  const std::string text = R"({"dt": "0.1 ms", "duration": "8 ms", "seed": 2,
    "populations": [{"name": "S", "model": "SpikeTime", "size": 2},
                    {"name": "R", "model": "LeakyRateReadout", "size": 1, "params": {"tau": "2 ms"}}],
    "projections": [{"source": "S[0:1]", "target": "R", "receptor": "in", "rule": {"kind": "all_to_all"},
                     "weight": 0.5, "delay": "0.1 ms"},
                    {"source": "S[1:2]", "target": "R", "receptor": "in", "rule": {"kind": "all_to_all"},
                     "weight": -0.25, "delay": "0.3 ms"}],
    "inputs": [{"kind": "spike_schedule", "target": "S", "indices": [0, 0, 0, 1, 1],
                "times": ["0.5 ms", "1 ms", "1.2 ms", "1 ms", "3 ms"]}],
    "record": {"traces": [{"population": "R", "variables": ["r"]}]}})";
  auto spec = load_spec_text(text);
  simulator sim(*spec.net);
  for (const auto& t : spec.record_traces) sim.record_trace(t);
  sim.run(8.0_ms);
  const auto& r = sim.record().traces[0].values;
  ASSERT_EQ(r.size(), 80u);
  // a spike stamped t is emitted in step t/dt - 1 and is added in step t/dt - 1 + delay/dt
  const std::vector<std::pair<int, double>> arrivals{{5, 0.5}, {10, 0.5}, {12, 0.5}, {12, -0.25}, {32, -0.25}};
  for (int n = 0; n < 80; ++n) {
    double expect = 0;
    for (auto [a, w] : arrivals)
      if (a <= n) expect += w * std::exp(-(n - a) * dt / 2.0);
    ASSERT_NEAR(r[n], expect, 1e-12) << "step " << n;
  }
  EXPECT_GT(r[12], 0.9);  // the arrivals in step 12 are both there
}

namespace {

struct spike_readout_run {
  std::vector<step_t> spikes;
  std::vector<real_t> v;
};

// One LeakySpikeReadout; `drive_steps` spikes of a source arrive through port "in" with weight x (mV), one per step
// from step 1 on; `jumps` arrive through the delta channel (mV) at the given steps.
spike_readout_run run_spike_readout(double x, int drive_steps, reset_mode reset,
                                    const std::vector<std::pair<int, double>>& jumps, int steps) {
  network net({.dt = units::time_q(dt), .seed = 1});
  models::spike_readout_params p;
  p.spk_reset = reset;
  net.add_population<models::LeakySpikeReadout>("R", 1, p);
  net.add_population<models::SpikeTime>("D", 1);
  std::vector<index_t> idx(drive_steps, 0);
  std::vector<units::time_q> times;
  for (int k = 1; k <= drive_steps; ++k) times.emplace_back(k * dt);  // emitted in step k - 1, arrive in step k
  net.set_spike_schedule("D", idx, times);
  net.connect("D", "R", connection_rule{}, {"in", units::voltage_q(x), 0.1_ms});
  for (std::size_t j = 0; j < jumps.size(); ++j) {
    const std::string name = "J" + std::to_string(j);
    net.add_population<models::SpikeTime>(name, 1);
    net.set_spike_schedule(name, {0}, {units::time_q(jumps[j].first * dt)});
    net.connect(name, "R", connection_rule{}, {"", units::voltage_q(jumps[j].second), 0.1_ms});
  }
  simulator sim(net);
  sim.record_spikes("R");
  sim.record_trace({"R", "V", {0}, 0.0_ms});
  sim.run(units::time_q(steps * dt));
  return {sim.record().spikes[0].step, sim.record().traces[0].values};
}

}  // namespace

TEST(ReadoutSpike, HeldDriveFiresWhereTheClosedFormCrossesThreshold) {
  // tau dV/dt = -V + x from V = 0: V(t) = x (1 - e^{-t/tau}) reaches V_th = 1 mV at t* = tau ln(x / (x - 1))
  const double x = 2.0, tau = 5.0;
  const int period = static_cast<int>(std::ceil(tau * std::log(x / (x - 1)) / dt));  // 35 steps of drive
  const auto hard = run_spike_readout(x, 200, reset_mode::hard, {}, 260);
  std::vector<step_t> expect;
  for (int s = period; s <= 200; s += period) expect.push_back(s);  // drive from step 1: the m-th step is step m
  EXPECT_EQ(hard.spikes, expect);
  for (int n = 1; n < period; ++n)
    ASSERT_NEAR(hard.v[n], x * (1 - std::exp(-n * dt / tau)), 1e-12) << "step " << n;
  EXPECT_EQ(hard.v[period], 0.0);  // hard reset: V = 0 in the spike step
  EXPECT_NEAR(hard.v[259], hard.v[200] * std::exp(-59 * dt / tau), 1e-12);  // no drive after step 200: decay

  // soft reset: V -= V_th; spike steps from the closed form between resets
  const auto soft = run_spike_readout(x, 200, reset_mode::soft, {}, 200);
  std::vector<step_t> expect_soft;
  double v0 = 0;
  int s0 = 0;
  for (int n = 1; n < 200; ++n) {
    const double v = x + (v0 - x) * std::exp(-(n - s0) * dt / tau);
    if (v >= 1.0) {
      expect_soft.push_back(n);
      v0 = v - 1.0;
      s0 = n;
    }
  }
  EXPECT_EQ(soft.spikes, expect_soft);
  EXPECT_GT(expect_soft.size(), 4u);
}

TEST(ReadoutSpike, DeltaInputJumpsVAndSoftResetSubtractsTheThreshold) {
  const auto r = run_spike_readout(0.0, 0, reset_mode::soft, {{10, 0.6}, {15, 0.6}}, 30);
  // arrivals in steps 10 and 15: 0.6 e^{-5 dt / tau} + 0.6 = 1.143 >= 1 in step 15
  EXPECT_EQ(r.spikes, std::vector<step_t>{15});
  EXPECT_NEAR(r.v[10], 0.6, 1e-12);
  EXPECT_NEAR(r.v[15], 0.6 * std::exp(-5 * dt / 5.0) + 0.6 - 1.0, 1e-12);
}

TEST(ReadoutModels, AreRegisteredListedAndRefuseCurrentInput) {
  for (const char* name : {"LeakyRateReadout", "LeakySpikeReadout", "PoissonSpike", "PoissonEncoder", "SpikeTime"}) {
    const auto* e = models::find_neuron_model(name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_STREQ(e->family, "brainpy");
  }
  nlohmann::json catalog;
  describe_inputs(catalog);
  std::set<std::string> inputs;
  for (const auto& e : catalog["inputs"]) inputs.insert(e["name"].get<std::string>());
  for (const char* name : {"SpikeTime", "PoissonSpike", "PoissonEncoder", "PoissonInput", "SectionInput",
                           "ConstantInput", "StepInput", "RampInput", "SinusoidalInput", "OUProcessInput",
                           "WienerProcessInput"})
    EXPECT_EQ(inputs.count(name), 1u) << name;

  network net({.dt = 0.1_ms});
  net.add_population<models::LeakyRateReadout>("R", 2);
  net.add_population<models::LeakySpikeReadout>("Q", 2);
  for (const char* target : {"R", "Q"}) {
    try {
      net.add_constant_current(target, 10.0_pA);
      ADD_FAILURE() << target;
    } catch (const parameter_error& e) {
      EXPECT_EQ(e.parameter_name, "target");
      EXPECT_NE(std::string(e.what()).find("takes a current"), std::string::npos) << e.what();
    }
  }
  // the rate readout's port takes dimensionless weights: a current weight is refused, naming the expected unit
  net.add_population<models::SpikeTime>("S", 1);
  EXPECT_THROW(net.connect("S", "R", connection_rule{}, {"in", 1.0_pA, 0.1_ms}), parameter_error);
  EXPECT_NO_THROW(net.connect("S", "R", connection_rule{}, {"in", units::dimensionless_q(0.5), 0.1_ms}));
  EXPECT_NO_THROW(net.connect("S", "Q", connection_rule{}, {"in", 0.5_mV, 0.1_ms}));
}

}  // namespace test_readouts
