// Whole networks: delays, determinism across thread counts and runs, the COBA activity band.
#include <gtest/gtest.h>

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "host/simulator.hpp"
#include "models/lif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_network {

using namespace volley;
using namespace volley::units::literals;

namespace {

models::lif_params driven_lif() {
  auto p = models::LIFRef::defaults();
  p.R = 100.0_Mohm;
  p.tau = 20.0_ms;
  p.V_rest = p.V_reset = -60.0_mV;
  p.V_th = -50.0_mV;
  p.spk_reset = reset_mode::hard;
  return p;
}

std::string example(const char* name) { return std::string(VOLLEY_SOURCE_DIR) + "/examples/" + name; }

}  // namespace

// A spike with delay d arrives exactly d steps later: the target's conductance jumps in step s + d.
class DelayTest : public ::testing::TestWithParam<int> {};

TEST_P(DelayTest, SpikeArrivesExactlyDStepsLater) {
  const int d = GetParam();
  network net({.dt = 0.1_ms, .seed = 3});
  net.add_population<models::LIFRef>("A", 1, driven_lif());
  net.add_population<models::LIFRef>("B", 37, driven_lif());
  net.add_receptor("B", "exc", {5.0_ms}, models::cuba_params{});
  net.add_constant_current("A", 400.0_pA);
  connection_rule all;
  net.connect("A", "B", all, {"exc", 2.0_pA, units::time_q(0.1 * d)});
  simulator sim(net);
  sim.record_spikes("A");
  sim.record_trace({"B", "exc.g", {0, 36}, 0.0_ms});
  sim.run(30.0_ms);
  const auto& spikes = sim.record().spikes[0];
  ASSERT_GE(spikes.size(), 1u);
  const auto s = spikes.step[0];
  const auto& tr = sim.record().traces[0];
  ASSERT_GT(tr.samples(), s + d + 1);
  EXPECT_EQ(tr.values[(s + d - 1) * 2], 0.0);
  EXPECT_EQ(tr.values[(s + d) * 2], 2.0);
  EXPECT_EQ(tr.values[(s + d) * 2 + 1], 2.0);
}

INSTANTIATE_TEST_SUITE_P(Steps, DelayTest, ::testing::Values(1, 2, 3, 17, 150));

TEST(Delays, HeterogeneousDelaysPerSynapse) {
  network net({.dt = 0.1_ms, .seed = 3});
  net.add_population<models::LIFRef>("A", 1, driven_lif());
  net.add_population<models::LIFRef>("B", 3, driven_lif());
  net.add_receptor("B", "exc", {5.0_ms}, models::cuba_params{});
  net.add_constant_current("A", 400.0_pA);
  connection_rule list;
  list.kind = rule_kind::explicit_list;
  list.sources = {0, 0, 0};
  list.targets = {2, 0, 1};
  synapse_spec syn{"exc", 1.0_pA, {}};
  syn.delay.dim = units::dims::time;
  syn.delay.per_item = {0.3, 0.5, 4.0};  // ms, for connections to targets 2, 0, 1
  net.connect("A", "B", list, syn);
  simulator sim(net);
  sim.record_spikes("A");
  sim.record_trace({"B", "exc.g", {}, 0.0_ms});
  sim.run(20.0_ms);
  const auto s = sim.record().spikes[0].step.at(0);
  const auto& tr = sim.record().traces[0];
  auto g = [&](std::uint32_t step, int neuron) { return tr.values[step * 3 + neuron]; };
  EXPECT_EQ(g(s + 2, 2), 0.0);
  EXPECT_EQ(g(s + 3, 2), 1.0);
  EXPECT_EQ(g(s + 4, 0), 0.0);
  EXPECT_EQ(g(s + 5, 0), 1.0);
  EXPECT_EQ(g(s + 39, 1), 0.0);
  EXPECT_EQ(g(s + 40, 1), 1.0);
}

namespace {

spike_record run_coba_small(int threads, std::uint64_t seed, std::uint32_t batch = 1) {
  spec_overrides ov;
  ov.seed = seed;
  ov.duration_ms = 300.0;
  loaded_spec spec = load_spec_file(example("coba.json"), ov);
  (void)batch;
  run_options o;
  o.threads = threads;
  simulator sim(*spec.net, o);
  sim.record_spikes("P");
  sim.run(units::time_q(*ov.duration_ms));
  return sim.record().spikes[0];
}

}  // namespace

TEST(Determinism, SameSeedSameSpikesForOneAndTwoThreadsAndAcrossRuns) {
  const auto a = run_coba_small(1, 7);
  const auto b = run_coba_small(2, 7);
  const auto c = run_coba_small(2, 7);
  ASSERT_GT(a.size(), 1000u);
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.neuron, b.neuron);
  EXPECT_EQ(b.step, c.step);
  EXPECT_EQ(b.neuron, c.neuron);
  const auto d = run_coba_small(2, 8);
  EXPECT_NE(a.neuron, d.neuron);  // a different seed gives a different network and initial state
}

TEST(Determinism, PoissonDriveIsIndependentOfThreads) {
  auto run = [](int threads) {
    network net({.dt = 0.1_ms, .seed = 11, .batch = 2});
    net.add_population<models::LIFRef>("N", 1001, driven_lif());
    net.add_receptor("N", "exc", {5.0_ms}, models::coba_params{0.0_mV});
    net.add_poisson_input("N", 2000.0_Hz, 3.0_nS, "exc");
    run_options o;
    o.threads = threads;
    simulator sim(net, o);
    sim.record_spikes("N");
    sim.run(200.0_ms);
    return sim.record().spikes[0];
  };
  const auto a = run(1), b = run(2);
  ASSERT_GT(a.size(), 100u);
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.neuron, b.neuron);
  EXPECT_EQ(a.batch, b.batch);
  // the two batch instances see different Poisson streams
  std::size_t in0 = 0, in1 = 0;
  for (auto x : a.batch) (x == 0 ? in0 : in1)++;
  EXPECT_GT(in0, 0u);
  EXPECT_GT(in1, 0u);
  EXPECT_NE(in0, in1);
}

TEST(Coba, RateInTheBenchmarkBand) {
  loaded_spec spec = load_spec_file(example("coba.json"));
  simulator sim(*spec.net);
  const auto stats = sim.run(units::time_q(spec.duration_ms));
  ASSERT_EQ(stats.populations.size(), 1u);
  const double rate = double(stats.populations[0].spikes) / (4000.0 * stats.simulated_ms / 1000.0);
  EXPECT_GE(rate, 15.0);
  EXPECT_LE(rate, 30.0);
  EXPECT_EQ(spec.net->synapse_count(), 4000u * 80u);
  EXPECT_GT(stats.synaptic_events, 0u);
}

// A receptor added between two runs gets its ring buffer (the network is sized again when a simulator starts).
TEST(Network, ReceptorAddedBetweenRunsIsUsable) {
  network net({.dt = 0.1_ms, .seed = 3});
  net.add_population<models::LIFRef>("A", 1, driven_lif());
  net.add_population<models::LIFRef>("B", 5, driven_lif());
  net.add_constant_current("A", 400.0_pA);
  {
    simulator first(net);
    first.run(1.0_ms);
  }
  net.add_receptor("B", "exc", {5.0_ms}, models::cuba_params{});
  connection_rule all;
  net.connect("A", "B", all, {"exc", 2.0_pA, 0.1_ms});
  simulator second(net);
  second.record_trace({"B", "exc.g", {0}, 0.0_ms});
  second.record_spikes("A");
  second.run(20.0_ms);
  ASSERT_GE(second.record().spikes[0].size(), 1u);
  double peak = 0;
  for (double g : second.record().traces[0].values) peak = std::max(peak, g);
  EXPECT_GE(peak, 2.0);
}

// Synapses of fixed_outdegree / fixed_total_number rules are drawn at finalize() (so a GPU simulator can draw them
// on the device instead); on the host they are exactly what build_connectivity and sample_per_synapse give when
// called at connect() time, and only the row lengths exist before.
TEST(PendingSynapses, DrawnAtFinalizeAsAtConnect) {
  network net({.dt = 0.1_ms, .seed = 21});
  net.add_population<models::LIFRef>("A", 301, driven_lif());
  net.add_population<models::LIFRef>("B", 157, driven_lif());
  net.add_receptor("B", "exc", {5.0_ms}, models::cuba_params{});
  auto weight = quantity_value::normal(2.0_pA, 0.5_pA);
  weight.dist.low = 0;
  auto delay = quantity_value::normal(1.5_ms, 0.75_ms);
  delay.dist.low = 0.1;
  connection_rule total;
  total.kind = rule_kind::fixed_total_number;
  total.count = 5000;
  total.allow_multapses = false;
  connection_rule out;
  out.kind = rule_kind::fixed_outdegree;
  out.count = 40;
  out.allow_autapses = false;
  net.connect("A", "B", total, {"exc", weight, delay});
  net.connect("A", "A", out, {"", quantity_value(0.2_mV), delay});
  for (const auto& p : net.projections()) {
    ASSERT_TRUE(p.pending.has_value()) << p.name;
    EXPECT_TRUE(p.targets16.empty() && p.weights.empty() && p.delays.empty()) << p.name;
  }
  EXPECT_EQ(net.synapse_count(), 5000u + 301u * 40u);  // row lengths are known before
  net.finalize();

  const connection_rule rules[] = {total, out};
  const neuron_range a = net.range("A"), b = net.range("B");
  const neuron_range targets[] = {b, a};
  for (std::uint32_t k = 0; k < 2; ++k) {
    const projection& p = net.projections()[k];
    SCOPED_TRACE(p.name);
    EXPECT_FALSE(p.pending.has_value());
    const csr_connectivity csr = build_connectivity(rules[k], a, targets[k], 21, k, "check");
    EXPECT_EQ(p.row_ptr, csr.row_ptr);
    EXPECT_EQ(std::vector<index_t>(p.targets16.begin(), p.targets16.end()), csr.targets);
    const auto d = sample_per_synapse(delay.dist, csr, 21, rng::purpose::delay, k);
    ASSERT_EQ(p.delays.size(), d.size());
    for (std::size_t e = 0; e < d.size(); ++e)
      ASSERT_EQ(p.delays[e], std::max(1.0, std::round(d[e] / 0.1))) << "synapse " << e;
    if (k == 0) {
      const auto w = sample_per_synapse(weight.dist, csr, 21, rng::purpose::weight, k);
      EXPECT_EQ(std::vector<real_t>(w.begin(), w.end()), p.weights);
    }
  }
}

// A drawn value out of range is reported when the synapses are drawn (the simulator finalizes the network),
// naming the projection, the parameter and the value.
TEST(PendingSynapses, DelayOutOfRangeReportedAtFinalize) {
  network net({.dt = 0.1_ms, .seed = 2});
  net.add_population<models::LIFRef>("A", 20, driven_lif());
  connection_rule out;
  out.kind = rule_kind::fixed_outdegree;
  out.count = 3;
  net.connect("A", "A", out, {"", quantity_value(0.2_mV), quantity_value::uniform(7000.0_ms, 8000.0_ms)}, "far");
  try {
    simulator sim(net);
    FAIL() << "expected a parameter_error";
  } catch (const parameter_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("projection 'far'"), std::string::npos) << what;
    EXPECT_NE(what.find("delay"), std::string::npos) << what;
    EXPECT_NE(what.find("65535 steps"), std::string::npos) << what;
  }
}

}  // namespace test_network
