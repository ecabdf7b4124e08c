// Unreliable synapses (synapse_spec::transmit_probability, NEST's bernoulli_synapse): each synapse passes each
// spike with probability p, independently; what passes is what the target receives and what the weight log shows;
// the draws do not depend on the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/iaf_psc_delta.hpp"
#include "models/spike_sources.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_unreliable_synapses {

using namespace volley;
using namespace volley::units::literals;

namespace {

run_options threads_option(int threads) {
  run_options o;
  o.threads = threads;
  return o;
}

struct unreliable_run {
  std::vector<double> v;                    // [step][target] V_m - E_L (mV)
  std::vector<projection::weight_event> log;
  std::uint64_t source_spikes = 0;
};

// 40 Poisson sources (100 Hz) -> 37 non-spiking iaf_psc_delta targets (tau_m 1e9 ms: V sums its inputs), all to
// all, weight 0.5 mV, delay 1 ms, pass probability p; 200 ms.
unreliable_run run_unreliable(double p, int threads, bool record = true) {
  network net({.dt = 0.1_ms, .seed = 7});
  models::poisson_spike_params sp;
  sp.freqs = units::rate_q(0.1);  // 1/ms
  net.add_population<models::PoissonSpike>("src", 40, sp);
  models::iaf_psc_delta_params vp;
  vp.V_th = units::voltage_q(1e9);
  vp.tau_m = units::time_q(1e9);
  net.add_population<models::iaf_psc_delta>("V", 37, vp);
  synapse_spec syn{"", units::voltage_q(0.5), units::time_q(1.0)};
  syn.transmit_probability = p;
  syn.record_weights = record;
  net.connect("src", "V", connection_rule{}, syn);
  simulator sim(net, threads_option(threads));
  sim.record_spikes("src");
  sim.record_trace({"V", "V_m", {}, units::time_q(0.0)});
  sim.run(units::time_q(200.0));
  unreliable_run r;
  for (double x : sim.record().traces[0].values) r.v.push_back(x + 70.0);
  r.log = net.projections()[0].weight_log;
  r.source_spikes = sim.record().spikes[0].size();
  return r;
}

}  // namespace

// The passed fraction is p (binomial z < 5), and every target's V equals the sum of the weights the log says it
// was sent (the delivery and the log make the same draws).
TEST(UnreliableSynapses, PassedFractionIsPAndTargetsGetWhatWasLogged) {
  for (double p : {0.1, 0.5, 0.9}) {
    const unreliable_run r = run_unreliable(p, 2);
    const double trials = double(r.source_spikes) * 37.0;
    ASSERT_GT(trials, 1e4);
    const double passed = double(r.log.size());
    EXPECT_NEAR(passed / trials, p, 5.0 * std::sqrt(p * (1 - p) / trials)) << "p " << p;
    std::vector<double> sent(37, 0.0);
    const std::size_t steps = r.v.size() / 37;
    for (const auto& e : r.log)
      if (e.step + 10 < steps) sent[e.target] += e.weight;  // arrived (delay 10 steps) within the run
    for (int t = 0; t < 37; ++t)  // within 1e-3 mV: the leak (tau_m 1e9 ms) takes ~1e-4; one spike is 0.5
      EXPECT_NEAR(r.v[(steps - 1) * 37 + t], sent[t], 1e-3) << "p " << p << " target " << t;
  }
}

TEST(UnreliableSynapses, SameDrawsOnOneAndTwoThreads) {
  const unreliable_run a = run_unreliable(0.3, 1), b = run_unreliable(0.3, 2);
  EXPECT_EQ(a.v, b.v);
  ASSERT_EQ(a.log.size(), b.log.size());
  for (std::size_t k = 0; k < a.log.size(); ++k) {
    EXPECT_EQ(a.log[k].step, b.log[k].step);
    EXPECT_EQ(a.log[k].target, b.log[k].target);
  }
}

TEST(UnreliableSynapses, ProbabilityOneIsAStaticSynapseAndZeroPassesNothing) {
  const unreliable_run one = run_unreliable(1.0, 2, false);
  EXPECT_EQ(one.log.size(), 0u);  // not recorded
  const std::size_t steps = one.v.size() / 37;
  // every target got every source spike that arrived: all targets equal, a multiple of 0.5 mV
  for (int t = 1; t < 37; ++t) EXPECT_EQ(one.v[(steps - 1) * 37 + t], one.v[(steps - 1) * 37]);
  EXPECT_GT(one.v[(steps - 1) * 37], 100.0);
  const unreliable_run zero = run_unreliable(0.0, 2);
  EXPECT_EQ(zero.log.size(), 0u);
  for (double x : zero.v) EXPECT_EQ(x, 0.0);
}

TEST(UnreliableSynapses, BadProbabilitiesAndCombinationsAreRejected) {
  auto connect_with = [](double p, std::uint32_t batch, bool stdp) {
    network net({.dt = 0.1_ms, .seed = 7, .batch = batch});
    net.add_population<models::PoissonSpike>("src", 4, models::poisson_spike_params{});
    net.add_population<models::iaf_psc_delta>("V", 4, models::iaf_psc_delta_params{});
    synapse_spec syn{"", units::voltage_q(0.5), units::time_q(1.0)};
    syn.transmit_probability = p;
    if (stdp) {
      syn.stdp.rule = models::stdp_rule::guetig;
      syn.stdp.Wmax = 100;
    }
    net.connect("src", "V", connection_rule{}, syn);
  };
  for (double p : {-0.1, 1.5, std::nan("")}) {
    try {
      connect_with(p, 1, false);
      ADD_FAILURE() << "p_transmit " << p << " accepted";
    } catch (const parameter_error& e) {
      EXPECT_NE(std::string(e.what()).find("p_transmit"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("[0, 1]"), std::string::npos) << e.what();
    }
  }
  auto message = [&](std::uint32_t batch, bool stdp) -> std::string {
    try {
      connect_with(0.5, batch, stdp);
    } catch (const parameter_error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message(2, false).find("batch 2"), std::string::npos) << message(2, false);
  EXPECT_NE(message(1, true).find("STDP"), std::string::npos) << message(1, true);
  EXPECT_EQ(message(1, false), "");
}

}  // namespace test_unreliable_synapses
