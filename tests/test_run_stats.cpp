// run_stats::populations counts the spikes of that run only (as synaptic_events), also when Simulate() continues.
#include <gtest/gtest.h>

#include "host/nest_layer.hpp"
#include "host/simulator.hpp"

namespace volley::test_run_stats {  // its own namespace: the tests compile in unity batches

TEST(RunStats, SpikesAreThoseOfTheRun) {
  nest::kernel k({.resolution_ms = 0.1, .rng_seed = 1, .local_num_threads = 1});
  const auto pop = k.create("iaf_psc_exp", 10, {{"I_e", 600.0}});
  const auto sr = k.create("spike_recorder");
  k.connect(pop, sr);
  const run_stats first = k.simulate(100.0);
  const run_stats second = k.simulate(50.0);
  std::uint64_t before = 0, after = 0;
  const nest::json events = k.get_events(sr);
  for (const auto& t : events.at("times")) (t.get<double>() <= 100.0 + 1e-9 ? before : after) += 1;
  ASSERT_GT(before, 0u);
  ASSERT_GT(after, 0u);
  EXPECT_EQ(first.populations.at(0).spikes, before);
  EXPECT_EQ(second.populations.at(0).spikes, after);  // fails while populations hold running totals
}

}  // namespace volley::test_run_stats
