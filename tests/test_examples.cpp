// The example networks of examples/ run and show the behaviour they are there to show.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "engine/spec.hpp"
#include "host/simulator.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_examples {

using namespace volley;

namespace {

struct example_run {
  recording rec;
  run_stats stats;
  double seconds = 0;
};

example_run run_example(const std::string& file, double duration_ms) {
  auto spec = load_spec_file(std::string(VOLLEY_SOURCE_DIR) + "/examples/" + file, {.seed = {}, .duration_ms = duration_ms});
  simulator sim(*spec.net);
  for (const auto& p : spec.record_spikes) sim.record_spikes(p);
  example_run r;
  r.stats = sim.run(units::time_q(spec.duration_ms));
  r.rec = sim.record();
  r.seconds = spec.duration_ms / 1000.0;
  return r;
}

double rate_hz(const example_run& r, std::size_t pop) {
  return double(r.stats.populations[pop].spikes) / (double(r.stats.populations[pop].size) * r.seconds);
}

// Inter-spike intervals (ms) of every neuron of recorded population k.
std::vector<double> isis(const example_run& r, std::size_t k, double dt) {
  std::map<index_t, std::vector<double>> times;
  const auto& s = r.rec.spikes[k];
  for (std::size_t e = 0; e < s.size(); ++e) times[s.neuron[e]].push_back(double(s.step[e]) * dt);
  std::vector<double> out;
  for (const auto& [n, t] : times)
    for (std::size_t e = 1; e < t.size(); ++e) out.push_back(t[e] - t[e - 1]);
  return out;
}

}  // namespace

// COBAHH (benchmark 3): self-sustained asynchronous activity of Traub-Miles cells without external drive.
TEST(Examples, CobahhSustainsActivity) {
  const auto r = run_example("cobahh.json", 300);
  const double rate = rate_hz(r, 0);
  EXPECT_GT(rate, 5.0);
  EXPECT_LT(rate, 80.0);
  // still active in the last 100 ms: self-sustained, not a transient
  const auto& s = r.rec.spikes[0];
  EXPECT_GT(std::count_if(s.step.begin(), s.step.end(), [](step_t k) { return k >= 2000; }), 1000);
}

// Izhikevich (2003): both populations fire at a few Hz, inhibitory cells (FS/LTS) at least as fast on average.
TEST(Examples, IzhikevichNetworkFiresAtAFewHertz) {
  const auto r = run_example("izhikevich_network.json", 1000);
  EXPECT_GT(rate_hz(r, 0), 2.0);
  EXPECT_LT(rate_hz(r, 0), 20.0);
  EXPECT_GT(rate_hz(r, 1), 2.0);
  EXPECT_LT(rate_hz(r, 1), 40.0);
}

// AdEx regular bursting: spikes come in bursts, so the ISI distribution has a short (intra-burst, < 15 ms) and a
// long (inter-burst, > 50 ms) part.
TEST(Examples, AdexNetworkBursts) {
  const auto r = run_example("adex_bursting.json", 2000);
  EXPECT_GT(rate_hz(r, 0), 3.0);
  const auto d = isis(r, 0, 0.1);
  ASSERT_GT(d.size(), 500u);
  const double short_fraction = double(std::count_if(d.begin(), d.end(), [](double x) { return x < 15; })) / d.size();
  const double long_fraction = double(std::count_if(d.begin(), d.end(), [](double x) { return x > 50; })) / d.size();
  EXPECT_GT(short_fraction, 0.3);
  EXPECT_GT(long_fraction, 0.1);
}

}  // namespace test_examples
