// sinusoidal_poisson_generator and inhomogeneous_poisson_generator changed, and created, between Simulate calls,
// against NEST 3.10 (tests/reference/nest_generator_changes.json, tools/nest_reference/
// make_generator_change_references.py). Edges: at 1e6 Hz a parrot spikes in every step the rate is on, so the spike
// times say to the step when each change takes effect: they must equal NEST's. Profiles: 2000 parrots' PSTH in 5 ms
// bins after a change of a sinusoid (NEST's phase runs on in absolute time) or of a rate schedule (the rate in force
// is held until the first new time) against NEST's PSTH: mean two-sample chi2 per bin below 5 standard deviations of
// its spread, totals within 2 %.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "tests/support/nest_reference.hpp"

namespace volley::test_nest_generator_changes {  // its own namespace: the tests compile in unity batches
namespace {

using json = nlohmann::json;

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_generator_changes");
  return ref;
}

// The case's protocol through the NEST layer; returns the spike recorder's events.
json replay(const json& c, std::size_t parrots, std::uint64_t seed = 5) {
  nest::kernel k({.resolution_ms = 0.1, .rng_seed = seed, .local_num_threads = 1});
  const auto par = k.create("parrot_neuron", parrots);
  const auto sr = k.create("spike_recorder", 1);
  k.connect(par, sr, "all_to_all", json::object());
  const json syn = {{"delay", c.at("delay")}};
  const bool late = c.contains("late");
  nest::node_collection g;
  if (!late) {
    g = k.create(c.at("model"), 1, c.at("params"));
    k.connect(g, par, "all_to_all", syn);
  }
  const json& runs = c.at("runs");
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (late && r == 1) {
      g = k.create(c.at("model"), 1, c.at("params"));
      k.connect(g, par, "all_to_all", syn);
    }
    if (!runs[r][1].is_null()) k.set_status(g, runs[r][1]);
    k.simulate(runs[r][0].get<double>());
  }
  return k.get_events(sr);
}

TEST(NestGeneratorChanges, EveryChangeActsInNestsStep) {
  for (const auto& c : reference().at("edges")) {
    const json ev = replay(c, 1);
    std::set<long long> got, want;
    for (const auto& t : ev.at("times")) got.insert(std::llround(t.get<double>() * 10));
    for (const auto& t : c.at("spike_times")) want.insert(std::llround(t.get<double>() * 10));
    EXPECT_EQ(got, want) << c.at("name") << ": volley " << got.size() << " spike steps, NEST " << want.size();
  }
}

TEST(NestGeneratorChanges, ProfilesAfterAChangeFollowNests) {
  const double bin = reference().at("bin_ms").get<double>(), dt = 0.1;
  for (const auto& c : reference().at("profiles")) {
    const json ev = replay(c, c.at("n").get<std::size_t>());
    const json& nest_hist = c.at("histogram");
    std::vector<double> mine(nest_hist.size(), 0.0);
    for (const auto& t : ev.at("times")) {
      const auto b = static_cast<std::size_t>(std::floor((t.get<double>() - dt / 2) / bin));
      if (b < mine.size()) mine[b] += 1;
    }
    double chi2 = 0, total_mine = 0, total_nest = 0;
    std::size_t bins = 0;
    for (std::size_t b = 0; b < mine.size(); ++b) {
      const double n = nest_hist[b].get<double>();
      total_mine += mine[b];
      total_nest += n;
      if (mine[b] + n == 0) continue;
      chi2 += (mine[b] - n) * (mine[b] - n) / (mine[b] + n);
      ++bins;
    }
    const double per_bin = chi2 / double(bins), spread = std::sqrt(2.0 / double(bins));
    std::printf("[ %s ] two-sample chi2 per bin %.3f over %zu bins (spread %.3f), spikes %.0f vs NEST %.0f\n",
                c.at("name").get<std::string>().c_str(), per_bin, bins, spread, total_mine, total_nest);
    EXPECT_LT(per_bin, 1 + 5 * spread) << c.at("name");
    EXPECT_NEAR(total_mine, total_nest, 0.02 * total_nest) << c.at("name");
  }
}

// NEST refuses rate times that are not in the future; so does volley, changing nothing.
TEST(NestGeneratorChanges, InhomogeneousRateTimesMustLieInTheFuture) {
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto g = k.create("inhomogeneous_poisson_generator", 1, {{"rate_times", {5.0}}, {"rate_values", {100.0}}});
  const auto p = k.create("parrot_neuron", 1);
  k.connect(g, p, "all_to_all", json::object());
  k.simulate(20.0);
  try {
    k.set_status(g, {{"rate_times", {15.0, 30.0}}, {"rate_values", {1.0, 2.0}}});
    ADD_FAILURE() << "a rate time in the past was accepted";
  } catch (const parameter_error& e) {
    EXPECT_NE(std::string(e.what()).find("strictly in the future"), std::string::npos) << e.what();
  }
  EXPECT_THROW(k.set_status(g, {{"start", 30.0}}), parameter_error);  // its window is not supported yet
  EXPECT_EQ(k.get_status(g).at("rate_times"), json::array({5.0}));
}

}  // namespace
}  // namespace volley::test_nest_generator_changes
