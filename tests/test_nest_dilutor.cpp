// NEST's spike_dilutor in the NEST layer (host/nest_build.cpp connect_dilutors): against NEST 3.10's traces
// (tests/reference/nest_dilutor.json, tools/nest_reference/make_dilutor_references.py) for the timing,
// weights and multiplicities, and against its definition (each target keeps each spike with probability p_copy, on its
// own) for the statistics.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_dilutor {

using namespace volley;
using nest::json;

namespace {

json integrator() {
  return {{"tau_m", 1e9}, {"V_th", 1e9}, {"E_L", 0.0}, {"V_m", 0.0}, {"V_reset", 0.0}, {"C_m", 1.0}};
}

}  // namespace

TEST(NestDilutor, TimingWeightsAndMultiplicityAsNest) {
  std::ifstream in(std::string(VOLLEY_SOURCE_DIR) + "/tests/reference/nest_dilutor.json");
  ASSERT_TRUE(in) << "tests/reference/nest_dilutor.json";
  const json ref = json::parse(in);

  nest::kernel k({.resolution_ms = 0.1, .rng_seed = 4, .local_num_threads = 1});
  auto sg = k.create("spike_generator", 1, {{"spike_times", {1.0, 2.0, 2.0, 3.3}}});
  auto parrots = k.create("parrot_neuron", 2);
  auto dil = k.create("spike_dilutor", 2, {{"p_copy", 1.0}});
  auto targets = k.create("iaf_psc_delta", 4, integrator());
  k.connect(sg, parrots, "all_to_all", {{"delay", 1.0}});
  k.connect(parrots[0], dil[0], "all_to_all", {{"delay", 0.7}, {"weight", 3.0}});
  // NEST's one_to_one parrots -> dilutors, written as two all-to-all connections (the layer's rule for devices)
  k.connect(parrots[1], dil[1], "all_to_all", {{"delay", 0.7}, {"weight", 3.0}});
  k.connect(dil[0], targets.slice(0, 2), "all_to_all", {{"delay", 0.4}, {"weight", 2.0}});
  k.connect(dil[1], targets.slice(2, 4), "all_to_all", {{"delay", 0.4}, {"weight", 2.0}});
  auto mm = k.create("multimeter", 1, {{"record_from", {"V_m"}}, {"interval", 0.1}});
  k.connect(mm, targets);
  k.simulate(8.0);
  const json ev = k.get_events(mm);
  std::map<std::uint64_t, std::vector<double>> v;
  for (std::size_t i = 0; i < ev.at("senders").size(); ++i)
    v[ev.at("senders")[i].get<std::uint64_t>()].push_back(ev.at("V_m")[i].get<double>());
  ASSERT_EQ(v.size(), 4u);
  double worst = 0;
  for (std::uint64_t t = 0; t < 4; ++t) {
    const auto& want = ref.at("V_m")[t];
    const auto& got = v[targets.first_id + t];
    // NEST's multimeter hands over its last min_delay (0.4 ms) of data only at the next Simulate: 76 of 80 steps
    ASSERT_EQ(got.size(), 80u) << "target " << t;
    ASSERT_EQ(want.size(), 76u) << "target " << t;
    for (std::size_t s = 0; s < want.size(); ++s) worst = std::max(worst, std::abs(got[s] - want[s].get<double>()));
  }
  std::printf("  worst |V_m - NEST| %.3g mV over 4 targets x %zu steps\n", worst, v.begin()->second.size());
  // the parrots' spikes (2.0 ms, two at 3.0 ms: multiplicity 2, 4.3 ms) reach the targets 1.1 ms later with the
  // outgoing weight 2 mV, the double one twice
  EXPECT_LT(worst, 1e-6);
}

// p_copy = 0.3: each of 60 targets keeps each of 3000 source spikes with probability 0.3, independently of the
// other targets (NEST: binomial draws per target and event), the same on 1 and 2 threads.
TEST(NestDilutor, EachTargetKeepsEachSpikeWithProbabilityPCopy) {
  const int n_spikes = 3000, n_targets = 60;
  const double p = 0.3;
  std::vector<double> times;
  for (int i = 0; i < n_spikes; ++i) times.push_back(1.0 + 0.5 * i);
  std::vector<json> counts;
  std::uint64_t first = 0;  // the targets' first global id
  for (int threads : {1, 2}) {
    nest::kernel k({.resolution_ms = 0.1, .rng_seed = 9, .local_num_threads = threads});
    auto sg = k.create("spike_generator", 1, {{"spike_times", times}});
    auto src = k.create("parrot_neuron", 1);
    auto dil = k.create("spike_dilutor", 1, {{"p_copy", p}});
    auto tgt = k.create("parrot_neuron", n_targets);
    first = tgt.first_id;
    auto sr = k.create("spike_recorder");
    k.connect(sg, src);
    k.connect(src, dil, "all_to_all", {{"delay", 0.5}});
    k.connect(dil, tgt, "all_to_all", {{"delay", 0.5}});
    k.connect(tgt, sr);
    k.simulate(0.5 * n_spikes + 10);
    counts.push_back(k.get_events(sr));
  }
  EXPECT_EQ(counts[0], counts[1]) << "the same trains on 1 and 2 threads";
  // per target: kept spikes; pairs: spikes both kept (independent: p^2 per spike)
  std::vector<std::vector<int>> kept(n_targets, std::vector<int>(n_spikes, 0));
  const auto& senders = counts[0].at("senders");
  const auto& t = counts[0].at("times");
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const auto tg = senders[i].get<std::uint64_t>() - first;
    // source spike i at 1 + 0.5 i ms reaches the first parrot 1 ms later, the targets 1 ms after that
    const int spike = static_cast<int>(std::lround((t[i].get<double>() - 3.0) / 0.5));
    ASSERT_LT(tg, std::uint64_t(n_targets));
    ASSERT_TRUE(spike >= 0 && spike < n_spikes) << t[i];
    kept[tg][spike] += 1;
  }
  double total = 0, pairs = 0;
  for (int a = 0; a < n_targets; ++a)
    for (int s = 0; s < n_spikes; ++s) {
      total += kept[a][s];
      if (a + 1 < n_targets) pairs += kept[a][s] * kept[a + 1][s];
    }
  const double n = double(n_targets) * n_spikes, mean = total / n;
  const double se = std::sqrt(p * (1 - p) / n);
  const double n_pairs = double(n_targets - 1) * n_spikes, pair_rate = pairs / n_pairs;
  const double pair_se = std::sqrt(p * p * (1 - p * p) / n_pairs);
  std::printf("  kept fraction %.4f (p_copy %.2f, SE %.4f); both of two targets %.4f (p^2 %.4f, SE %.4f)\n", mean, p,
              se, pair_rate, p * p, pair_se);
  EXPECT_LT(std::abs(mean - p), 4 * se);
  EXPECT_LT(std::abs(pair_rate - p * p), 4 * pair_se);
}

// A parrot spike of multiplicity 3 through p_copy 0.5: each target keeps each of the three spikes on its own
// (NEST: Binomial(3, p_copy) per target), so the kept count per event has mean 1.5 and variance 0.75 (one draw
// for all three would give 0 or 3: variance 2.25).
TEST(NestDilutor, EachSpikeOfAMultipleSpikeIsKeptOnItsOwn) {
  const int n_events = 400, n_targets = 50;
  std::vector<double> times;
  for (int i = 0; i < n_events; ++i)
    for (int m = 0; m < 3; ++m) times.push_back(1.0 + 0.5 * i);
  nest::kernel k({.resolution_ms = 0.1, .rng_seed = 17, .local_num_threads = 1});
  auto sg = k.create("spike_generator", 1, {{"spike_times", times}});
  auto src = k.create("parrot_neuron", 1);
  auto dil = k.create("spike_dilutor", 1, {{"p_copy", 0.5}});
  auto tgt = k.create("iaf_psc_delta", n_targets, integrator());
  auto mm = k.create("multimeter", 1, {{"record_from", {"V_m"}}, {"interval", 0.1}});
  k.connect(sg, src);
  k.connect(src, dil, "all_to_all", {{"delay", 0.5}});
  k.connect(dil, tgt, "all_to_all", {{"delay", 0.5}, {"weight", 1.0}});
  k.connect(mm, tgt);
  k.simulate(0.5 * n_events + 5);
  const json ev = k.get_events(mm);
  std::map<std::uint64_t, std::vector<double>> v;
  for (std::size_t i = 0; i < ev.at("senders").size(); ++i)
    v[ev.at("senders")[i].get<std::uint64_t>()].push_back(ev.at("V_m")[i].get<double>());
  double sum = 0, sum2 = 0, n = 0;
  for (const auto& [id, trace] : v)
    for (int i = 0; i < n_events; ++i) {
      const std::size_t step = static_cast<std::size_t>(std::lround((1.0 + 0.5 * i + 2.0) / 0.1)) - 1;  // arrival
      const double kept = std::round(trace[step] - (step > 0 ? trace[step - 1] : 0.0));  // mV jump = spikes kept
      sum += kept;
      sum2 += kept * kept;
      n += 1;
    }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  std::printf("  kept per event: mean %.3f (1.5), variance %.3f (0.75) over %.0f events\n", mean, var, n);
  EXPECT_NEAR(mean, 1.5, 4 * std::sqrt(0.75 / n));
  EXPECT_NEAR(var, 0.75, 0.1);
}

TEST(NestDilutor, RefusesWhatNestOrTheLayerCannotDo) {
  auto expect_error = [](auto&& f, const std::string& needle) {
    try {
      f();
      ADD_FAILURE() << "no error, expected one naming " << needle;
    } catch (const user_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([] { nest::kernel k; k.create("spike_dilutor", 1, {{"p_copy", 1.5}}); }, "p_copy");
  expect_error(
      [] {
        nest::kernel k;
        auto pg = k.create("poisson_generator", 1, {{"rate", 10.0}});
        auto d = k.create("spike_dilutor");
        k.connect(pg, d);
      },
      "parrot_neuron");
  expect_error(
      [] {
        nest::kernel k;
        auto n = k.create("parrot_neuron", 2);
        auto d = k.create("spike_dilutor", 2);
        k.connect(n, d, "one_to_one");
      },
      "all_to_all");
  expect_error(
      [] {
        nest::kernel k;
        auto n = k.create("parrot_neuron", 1);
        auto d = k.create("spike_dilutor");
        auto b = k.create("ginzburg_neuron", 2);
        k.connect(n, d);
        k.connect(d, b);
      },
      "plain spikes");
}

}  // namespace test_nest_dilutor
