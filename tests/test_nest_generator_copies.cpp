// Several generators made by one Create() call (host/nest_build.cpp, host/nest_later_changes.cpp), against NEST 3.10
// (tests/reference/nest_generator_copies.json, made by tools/nest_reference/make_generator_copy_references.py, which
// stores the protocol replayed here). Connect(generators, targets, "all_to_all") gives every target the output of
// every generator, "one_to_one" gives target i the output of generator i. Deterministic generators (dc, ac,
// step_current, spike_generator): V_m at every sample and every parrot spike equal NEST's. Random ones (poisson,
// pulsepacket): each generator its own stream, so counts match NEST's in distribution and no two trains coincide.
// GetConnections lists the connections from the generators and the multimeter and into the spike_recorder as NEST
// does: weight, delay (steps x resolution: 1.23 ms gives 1.2000000000000002), synapse model and NEST's order.
// Planted bugs, caught (then removed): each target given one generator's output only (3 dc_generators: V_m -66.60
// mV where NEST has -59.81 mV); every copy of a poisson_generator drawing the same stream; the devices' connections
// listed by source when targets are named; delays as tics / 1000 (1.7 instead of 1.7000000000000002); a shared
// sinusoidal_gamma train named by the generator's place in its Connect (two generators connected one by one shared
// one train).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "tests/support/nest_collections.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_generator_copies {

using namespace volley;
using nest::json;
using nest::node_collection;
using nest_ref::collection;

namespace {

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_generator_copies");
  return ref;
}

// The spike_recorder's events (the protocol's last node).
json spikes_of(nest_ref::protocol_replay& run) { return run.k.get_events(run.nodes.back()); }

// Spike times (ms) per sender.
std::map<std::uint64_t, std::vector<double>> trains(const json& ev) {
  std::map<std::uint64_t, std::vector<double>> out;
  for (std::size_t i = 0; i < ev.at("senders").size(); ++i)
    out[ev.at("senders")[i].get<std::uint64_t>()].push_back(ev.at("times")[i].get<double>());
  return out;
}

std::uint64_t node_id(const json& r, std::size_t group, std::uint64_t offset) {
  return r.at("first_ids")[group].get<std::uint64_t>() + offset;
}

TEST(NestGeneratorCopies, CurrentGeneratorsAddUpAsInNest) {
  const json& r = reference();
  nest_ref::protocol_replay run(r);
  for (std::size_t i = 0; i < run.nodes.size(); ++i)
    ASSERT_EQ(run.nodes[i].first_id, r.at("first_ids")[i].get<std::uint64_t>());
  const json got = run.k.get_events(run.nodes[13]);
  std::map<std::pair<std::uint64_t, long long>, double> vm;  // (sender, time in 0.1 ms) -> V_m (mV)
  for (std::size_t i = 0; i < got.at("senders").size(); ++i)
    vm[{got.at("senders")[i].get<std::uint64_t>(), std::llround(got.at("times")[i].get<double>() * 10)}] =
        got.at("V_m")[i].get<double>();
  const json& want = r.at("multimeter");
  // NEST hands the samples of a run's last min_delay slice over only in the next run; volley has them at once
  ASSERT_GE(vm.size(), want.at("senders").size());
  ASSERT_GT(want.at("senders").size(), 1500u);
  std::map<std::uint64_t, double> worst, spread;  // per target: largest difference to NEST, largest |V_m - E_L|
  for (std::size_t i = 0; i < want.at("senders").size(); ++i) {
    const auto key = std::make_pair(want.at("senders")[i].get<std::uint64_t>(),
                                    std::llround(want.at("times")[i].get<double>() * 10));
    ASSERT_TRUE(vm.count(key)) << "no sample of node " << key.first << " at " << key.second / 10.0 << " ms";
    const double nest_vm = want.at("V_m")[i].get<double>();
    worst[key.first] = std::max(worst[key.first], std::abs(vm[key] - nest_vm));
    spread[key.first] = std::max(spread[key.first], std::abs(nest_vm + 70.0));
  }
  // targets: 3 dc_generators, 2 ac_generators, 2 step_current_generators one_to_one (two targets), 2 spike_generators
  const char* what[] = {"3 dc_generators", "2 ac_generators", "step_current_generator 0", "step_current_generator 1",
                        "2 spike_generators"};
  ASSERT_EQ(worst.size(), 5u);
  for (std::uint64_t t = 0; t < 5; ++t) {
    const std::uint64_t id = node_id(r, 5, t);
    EXPECT_LT(worst[id], 1e-6) << what[t] << ": largest V_m difference to NEST (mV)";
    EXPECT_GT(spread[id], 1.0) << what[t] << ": the input moves V_m";
  }
}

TEST(NestGeneratorCopies, SpikeGeneratorsOneToOneGiveNestsParrotSpikes) {
  const json& r = reference();
  nest_ref::protocol_replay run(r);
  auto got = trains(spikes_of(run)), want = trains(r.at("spikes"));
  for (std::uint64_t p = 0; p < 3; ++p) {
    const std::uint64_t id = node_id(r, 6, p);
    ASSERT_EQ(want[id].size(), 3u);
    ASSERT_EQ(got[id].size(), want[id].size()) << "parrot " << id;
    for (std::size_t i = 0; i < want[id].size(); ++i) EXPECT_NEAR(got[id][i], want[id][i], 1e-9) << id;
  }
}

TEST(NestGeneratorCopies, GetConnectionsListsTheDevicesConnectionsInNestsOrder) {
  const json& r = reference();
  nest_ref::protocol_replay run(r);
  std::size_t compared = 0;
  for (const auto& q : r.at("queries")) {
    const json c = run.k.get_connections(collection(run.nodes, q.at("source")), collection(run.nodes, q.at("target")));
    json rows = json::array();
    for (std::size_t i = 0; i < c.at("source").size(); ++i)
      rows.push_back(
          {c.at("source")[i], c.at("target")[i], c.at("weight")[i], c.at("delay")[i], c.at("synapse_model")[i]});
    EXPECT_EQ(rows, q.at("rows")) << "GetConnections(source " << q.at("source") << ", target " << q.at("target") << ")";
    ++compared;
  }
  EXPECT_EQ(compared, 9u);
  EXPECT_EQ(r.at("queries")[0].at("rows").size(), 43u);
}

TEST(NestGeneratorCopies, DeviceConnectionsTakeNewWeights) {
  const json& r = reference();
  nest_ref::protocol_replay run(r);
  const node_collection dc = run.nodes[0], none;
  run.k.set_connections(dc, none, {{"weight", 1.0}});  // unchanged: accepted
  // a new weight acts from the generator's next emission (tests/test_nest_generator_weights.cpp)
  run.k.set_connections(dc, none, {{"weight", 2.0}});
  EXPECT_EQ(run.k.get_connections(dc, none).at("weight"), json({2.0, 2.0, 2.0}));
  // weights a connection does not use (into a recorder, into a parrot's port 0) change, as in NEST
  const node_collection sr = run.nodes[14], poisson_parrots = run.nodes[8];
  run.k.set_connections(none, sr, {{"weight", 2.5}});
  run.k.set_connections(run.nodes[7], poisson_parrots, {{"weight", 9.0}});
  EXPECT_EQ(run.k.get_connections(none, sr).at("weight"), json(std::vector<double>(9, 2.5)));
  EXPECT_EQ(run.k.get_connections(run.nodes[7], none).at("weight"), json(std::vector<double>(4, 9.0)));
}

// A sinusoidal_gamma_generator with individual_spike_trains false sends one train per generator node to all its
// targets, over all its Connect calls; two generators of one Create() send two trains.
TEST(NestGeneratorCopies, SharedTrainsBelongToTheirGenerator) {
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto g = k.create("sinusoidal_gamma_generator", 2,
                          {{"rate", 200.0}, {"amplitude", 0.0}, {"order", 2.0}, {"individual_spike_trains", false}});
  const auto p = k.create("parrot_neuron", 3);
  const auto sr = k.create("spike_recorder");
  k.connect(g.slice(0, 1), p.slice(0, 1), "all_to_all", json::object());
  k.connect(g.slice(1, 2), p.slice(1, 2), "all_to_all", json::object());
  k.connect(g.slice(0, 1), p.slice(2, 3), "all_to_all", json::object());
  k.connect(p, sr, "all_to_all", json::object());
  k.simulate(300.0);
  auto t = trains(k.get_events(sr));
  ASSERT_GT(t[p.first_id].size(), 20u);
  EXPECT_EQ(t[p.first_id], t[p.first_id + 2]) << "generator 0's train, over two Connect calls";
  EXPECT_NE(t[p.first_id], t[p.first_id + 1]) << "generators 0 and 1 send trains of their own";
}

TEST(NestGeneratorCopies, OneToOneCountsAreCheckedAtConnect) {
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto dc = k.create("dc_generator", 2, {{"amplitude", 10.0}});
  const auto n = k.create("iaf_psc_alpha", 3);
  try {
    k.connect(dc, n, "one_to_one", json::object());
    ADD_FAILURE() << "2 generators one_to_one onto 3 neurons were taken";
  } catch (const parameter_error& e) {
    EXPECT_EQ(e.parameter_name, "conn_spec");
    EXPECT_NE(std::string(e.what()).find("as many pre (2) as post (3)"), std::string::npos) << e.what();
  }
  k.simulate(1.0);  // nothing was kept: the network builds
  EXPECT_EQ(k.get_connections().at("source").size(), 0u);
}

TEST(NestGeneratorCopies, RandomGeneratorsDrawOneStreamEach) {
  const json& r = reference();
  nest_ref::protocol_replay run(r);
  auto got = trains(spikes_of(run)), want = trains(r.at("spikes"));
  auto total = [&](std::map<std::uint64_t, std::vector<double>>& t, std::size_t group, std::uint64_t n) {
    std::size_t sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) sum += t[node_id(r, group, i)].size();
    return sum;
  };
  // 4 poisson_generators at 150 Hz one_to_one: each parrot 30 expected in 200 ms, sd sqrt(30)
  const double mean4 = 4 * 150.0 * 0.2, mean5 = 5 * 80.0 * 0.2;
  for (auto* t : {&got, &want}) {
    EXPECT_NEAR(double(total(*t, 8, 4)), mean4, 4.5 * std::sqrt(mean4)) << (t == &got ? "volley" : "NEST");
    EXPECT_NEAR(double(total(*t, 10, 1)), mean5, 4.5 * std::sqrt(mean5)) << (t == &got ? "volley" : "NEST");
  }
  for (std::uint64_t a = 0; a < 4; ++a) {
    EXPECT_GT(got[node_id(r, 8, a)].size(), 10u);
    for (std::uint64_t b = a + 1; b < 4; ++b)
      EXPECT_NE(got[node_id(r, 8, a)], got[node_id(r, 8, b)])
          << "parrots " << a << " and " << b << " repeat one stream";
  }
  // 5 poisson_generators all_to_all into one parrot: 5 streams, so nearly every spike at its own time (one shared
  // stream would give ~16 distinct times, each 5 times)
  const auto& merged = got[node_id(r, 10, 0)];
  EXPECT_GT(std::set<double>(merged.begin(), merged.end()).size(), 50u);
  // 2 pulsepacket_generators (3 pulses of 6 spikes each) into one parrot: 36 spikes in NEST and volley
  const auto& packets = got[node_id(r, 12, 0)];
  EXPECT_EQ(want[node_id(r, 12, 0)].size(), 36u);
  EXPECT_EQ(packets.size(), 36u);
  EXPECT_GT(std::set<double>(packets.begin(), packets.end()).size(), 25u);
}

}  // namespace

}  // namespace test_nest_generator_copies
