// Node collections spanning several Create() calls (NEST's NodeCollection addition, host/nest_composite.cpp).
// Against NEST 3.10 (tests/reference/nest_composite.json, made by tools/nest_reference/make_composite_references.py,
// which also stores the protocol replayed here): per-node lists set over such collections, a generator, all_to_all,
// one_to_one with a weight list across the calls' boundaries and one spike_recorder; the collections' ids, the
// connections between two of them (NEST's order), V_m after each run and every spike.
// The random rules drawn over the whole collections are checked against their definitions (exact counts, the share
// of each part, no autapses or multapses where refused) and for determinism over thread counts.
// Planted bugs, caught (then removed): one_to_one pairing each run with the other side's first nodes (the segments'
// offsets dropped); fixed_indegree over two pre calls drawn per pair of calls (each target gets K from each).
#include <gtest/gtest.h>

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
namespace test_nest_composite {

using namespace volley;
using nest::json;
using nest::node_collection;
using nest_ref::collection;

namespace {

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_composite");
  return ref;
}

std::vector<double> as_doubles(const json& values) {
  std::vector<double> out;
  for (const auto& v : values) out.push_back(v.get<double>());
  return out;
}

TEST(NestComposite, ReplayGivesNestsIdsConnectionsVoltagesAndSpikes) {
  const json& r = reference();
  nest::kernel k({.resolution_ms = r.at("dt").get<double>(), .local_num_threads = 1});
  std::vector<node_collection> nodes;
  for (const auto& n : r.at("nodes")) nodes.push_back(k.create(n.at("model"), n.at("n"), n.at("params")));
  for (std::size_t i = 0; i < nodes.size(); ++i)
    ASSERT_EQ(nodes[i].first_id, r.at("first_ids")[i].get<std::uint64_t>());
  for (std::size_t i = 0; i < r.at("collections").size(); ++i) {
    const auto ids = collection(nodes, r.at("collections")[i]).ids();
    EXPECT_EQ(json(ids), r.at("collection_ids")[i]) << "collection " << i;
  }
  std::vector<std::vector<double>> vm_after;
  for (const auto& s : r.at("steps")) {
    if (s.contains("set")) {
      k.set_status(collection(nodes, s.at("set")), s.at("params"));
    } else if (s.contains("connect")) {
      k.connect(collection(nodes, s.at("connect")[0]), collection(nodes, s.at("connect")[1]), s.at("conn"),
                s.at("syn"));
    } else {
      k.simulate(s.at("simulate").get<double>());
      vm_after.push_back(as_doubles(k.get_status(collection(nodes, r.at("vm_of"))).at("V_m")));
    }
  }
  const node_collection x = collection(nodes, r.at("collections")[0]), y = collection(nodes, r.at("collections")[1]);
  const json conns = k.get_connections(x, y);
  json rows = json::array();
  for (std::size_t i = 0; i < conns.at("source").size(); ++i)
    rows.push_back({conns.at("source")[i], conns.at("target")[i], conns.at("weight")[i]});
  EXPECT_EQ(rows, r.at("connections_x_to_y"));
  ASSERT_EQ(vm_after.size(), r.at("vm_after_each_simulate").size());
  for (std::size_t run = 0; run < vm_after.size(); ++run) {
    const auto want = as_doubles(r.at("vm_after_each_simulate")[run]);
    ASSERT_EQ(vm_after[run].size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(vm_after[run][i], want[i], 1e-6) << "run " << run << " node " << i;
  }
  const json ev = k.get_events(nodes[4]);
  const json& want = r.at("spikes");
  ASSERT_EQ(ev.at("senders").size(), want.at("senders").size());
  ASSERT_GT(want.at("senders").size(), 40u);
  for (std::size_t i = 0; i < want.at("senders").size(); ++i) {
    EXPECT_EQ(ev.at("senders")[i].get<double>(), want.at("senders")[i].get<double>()) << "spike " << i;
    EXPECT_NEAR(ev.at("times")[i].get<double>(), want.at("times")[i].get<double>(), 1e-9) << "spike " << i;
  }
}

// NEST's stepped slices nodes[a:b:step]: every step-th node, a composite of single nodes, usable wherever a
// collection is (here: a Connect from it, a recorder reading it, SetStatus on it), with the same network as the
// nodes joined one by one with +.
TEST(NestComposite, SteppedSlicesSelectEveryStepthNode) {
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto pop = k.create("iaf_psc_alpha", 10, {{"I_e", 376.0}});
  const auto post = k.create("iaf_psc_delta", 2, {{"V_th", 1e9}, {"tau_m", 1e9}});
  const auto sr = k.create("spike_recorder");
  EXPECT_EQ(pop.slice(0, 10, 3).ids(), (std::vector<std::uint64_t>{1, 4, 7, 10}));
  EXPECT_EQ(pop.slice(1, 6, 2).ids(), (std::vector<std::uint64_t>{2, 4, 6}));
  EXPECT_EQ(pop.slice(2, 5, 1), pop.slice(2, 5));
  EXPECT_EQ((pop.slice(0, 2) + post).slice(0, 4, 2).ids(), (std::vector<std::uint64_t>{1, 11}));
  EXPECT_THROW(pop.slice(0, 10, 0), parameter_error);
  const auto odd = pop.slice(1, 10, 2);  // ids 2, 4, 6, 8, 10
  k.set_status(odd, {{"I_e", 500.0}});
  k.connect(odd, post[0], "all_to_all", {{"weight", 2.0}});
  k.connect(pop[1] + pop[3] + pop[5] + pop[7] + pop[9], post[1], "all_to_all", {{"weight", 2.0}});
  k.connect(odd, sr);
  k.simulate(50.0);
  const json st = k.get_status(pop);
  for (std::uint64_t i = 0; i < 10; ++i) EXPECT_EQ(st.at("I_e")[i].get<double>(), i % 2 ? 500.0 : 376.0) << i;
  const json ev = k.get_events(sr);
  ASSERT_FALSE(ev.at("senders").empty());
  for (const auto& s : ev.at("senders")) EXPECT_EQ(s.get<std::uint64_t>() % 2, 0u) << "sender " << s;
  const json v = k.get_status(post).at("V_m");
  EXPECT_GT(v[0].get<double>(), -70.0);
  EXPECT_EQ(v[0], v[1]);  // the stepped slice connects as the nodes joined one by one
  EXPECT_EQ(k.get_connections(odd, post[0]).at("source"), json::array({2, 4, 6, 8, 10}));
}

TEST(NestComposite, AdditionSortsMergesAndRefusesOverlaps) {
  nest::kernel k;
  const auto a = k.create("iaf_psc_alpha", 3), b = k.create("iaf_psc_exp", 2), c = k.create("parrot_neuron", 4);
  const node_collection x = c.slice(1, 3) + a + b[1];
  EXPECT_EQ(x.ids(), (std::vector<std::uint64_t>{1, 2, 3, 5, 7, 8}));
  EXPECT_TRUE(x.composite());
  EXPECT_EQ(x.size(), 6u);
  EXPECT_EQ(x[3].ids(), std::vector<std::uint64_t>{5});
  EXPECT_EQ(x.slice(2, 5).ids(), (std::vector<std::uint64_t>{3, 5, 7}));
  EXPECT_TRUE(x.contains(7));
  EXPECT_FALSE(x.contains(4));
  EXPECT_FALSE(x.contains(9));
  // adjacent ranges merge into one (as NEST's a[0:2] + a[2]); the order of the operands does not matter
  const node_collection whole = a.slice(0, 2) + a[2];
  EXPECT_FALSE(whole.composite());
  EXPECT_TRUE(whole == a);
  EXPECT_TRUE(b + a == a + b);
  EXPECT_FALSE((a + b).composite());  // ids 1..5: one range over two Create() calls
  EXPECT_THROW(x + a[1], parameter_error);
  try {
    (void)(a + a.slice(2, 3));
    FAIL() << "overlap accepted";
  } catch (const parameter_error& e) {
    EXPECT_NE(std::string(e.what()).find("overlapping"), std::string::npos) << e.what();
  }
  EXPECT_THROW(x.slice(4, 7), parameter_error);
  EXPECT_THROW(x[6], parameter_error);
}

TEST(NestComposite, GetStatusHasOneValuePerNodeAndNullWhereANodeLacksTheKey) {
  nest::kernel k;
  const auto a = k.create("iaf_psc_alpha", 2, {{"V_m", -61.0}}), p = k.create("parrot_neuron", 1);
  const auto b = k.create("iaf_psc_exp", 2, {{"V_m", -64.0}});
  k.simulate(0.0);
  const json s = k.get_status(b + p + a);
  EXPECT_EQ(s.at("model"), json({"iaf_psc_alpha", "iaf_psc_alpha", "parrot_neuron", "iaf_psc_exp", "iaf_psc_exp"}));
  EXPECT_EQ(s.at("global_id"), json({1, 2, 3, 4, 5}));
  EXPECT_EQ(s.at("V_m"), json({-61.0, -61.0, nullptr, -64.0, -64.0}));
  EXPECT_EQ(s.at("multiplicity"), json({nullptr, nullptr, 0.0, nullptr, nullptr}));
  EXPECT_THROW(k.get_events(a + b), parameter_error);
}

// Counts of a Connect's connections: per target, per source, per (source, target) pair.
struct tally {
  std::map<std::uint64_t, int> in, out;
  std::map<std::pair<std::uint64_t, std::uint64_t>, int> pairs;
  std::size_t total = 0;
};

tally count(const json& conns) {
  tally t;
  for (std::size_t i = 0; i < conns.at("source").size(); ++i) {
    const auto s = conns.at("source")[i].get<std::uint64_t>(), d = conns.at("target")[i].get<std::uint64_t>();
    ++t.in[d];
    ++t.out[s];
    ++t.pairs[{s, d}];
    ++t.total;
  }
  return t;
}

struct populations {
  nest::kernel k;
  node_collection p1, p2, p3;
  explicit populations(int threads, std::uint64_t seed = 7)
      : k({.rng_seed = seed, .local_num_threads = threads}),
        p1(k.create("iaf_psc_alpha", 37)),
        p2(k.create("iaf_psc_exp", 64)),
        p3(k.create("iaf_psc_alpha", 45)) {}
};

TEST(NestComposite, FixedIndegreeOverSeveralPreCallsDrawsFromTheWholeCollection) {
  populations n(1);
  const node_collection pre = n.p1 + n.p2;
  n.k.connect(pre, n.p3, {{"rule", "fixed_indegree"}, {"indegree", 20}, {"allow_multapses", false}}, {{"weight", 5.0}});
  n.k.connect(pre, pre,
              {{"rule", "fixed_indegree"}, {"indegree", 30}, {"allow_autapses", false}, {"allow_multapses", false}},
              {{"weight", 1.0}, {"synapse_model", "static_synapse"}});
  n.k.simulate(0.0);
  const tally into3 = count(n.k.get_connections(pre, n.p3));
  ASSERT_EQ(into3.in.size(), n.p3.size());
  for (const auto& [target, k] : into3.in) EXPECT_EQ(k, 20) << "target " << target;
  for (const auto& [pair, k] : into3.pairs) EXPECT_EQ(k, 1) << "multapse " << pair.first << " -> " << pair.second;
  // the share of the first call's sources: 37 / 101 of 900 draws (sd 14.4); per pair of calls it would be 1/2
  std::size_t from_first = 0;
  for (const auto& [source, k] : into3.out) from_first += n.p1.contains(source) ? k : 0;
  EXPECT_NEAR(double(from_first), 900.0 * 37 / 101, 65.0);
  const tally recurrent = count(n.k.get_connections(pre, pre));
  ASSERT_EQ(recurrent.in.size(), pre.size());
  for (const auto& [target, k] : recurrent.in) EXPECT_EQ(k, 30) << "target " << target;
  for (const auto& [pair, k] : recurrent.pairs) {
    EXPECT_NE(pair.first, pair.second) << "autapse";
    EXPECT_EQ(k, 1) << "multapse " << pair.first << " -> " << pair.second;
  }
}

TEST(NestComposite, FixedOutdegreeAndTotalNumberOverSeveralCalls) {
  populations n(1);
  n.k.connect(n.p2, n.p1 + n.p3, {{"rule", "fixed_outdegree"}, {"outdegree", 12}}, {{"weight", 2.0}});
  n.k.connect(n.p1 + n.p2, n.p3 + n.p1, {{"rule", "fixed_total_number"}, {"N", 700}}, {{"weight", 3.0}});
  n.k.simulate(0.0);
  const json c = n.k.get_connections(n.p2, n.p1 + n.p3);
  std::size_t fixed_out = 0, to_first = 0;
  std::map<std::uint64_t, int> per_source;
  for (std::size_t i = 0; i < c.at("source").size(); ++i)
    if (c.at("weight")[i].get<double>() == 2.0) {
      ++fixed_out;
      ++per_source[c.at("source")[i].get<std::uint64_t>()];
      to_first += n.p1.contains(c.at("target")[i].get<std::uint64_t>());
    }
  EXPECT_EQ(fixed_out, 64u * 12);
  ASSERT_EQ(per_source.size(), 64u);
  for (const auto& [source, k] : per_source) EXPECT_EQ(k, 12) << "source " << source;
  EXPECT_NEAR(double(to_first), 768.0 * 37 / 82, 70.0);  // sd 13.8
  const json all = n.k.get_connections();
  std::size_t total = 0;
  for (const auto& w : all.at("weight")) total += w.get<double>() == 3.0;
  EXPECT_EQ(total, 700u);
}

TEST(NestComposite, DrawnRulesAreTheSameOnAnyThreadCountAndFollowTheSeed) {
  auto draw = [](int threads, std::uint64_t seed) {
    populations n(threads, seed);
    n.k.connect(n.p1 + n.p3, n.p2, {{"rule", "fixed_indegree"}, {"indegree", 9}}, {{"weight", 1.0}});
    n.k.connect(n.p1 + n.p2, n.p3 + n.p1, {{"rule", "fixed_total_number"}, {"N", 300}}, {{"weight", 2.0}});
    n.k.simulate(1.0);
    return n.k.get_connections();
  };
  const json one = draw(1, 11);
  EXPECT_EQ(one, draw(2, 11));
  EXPECT_NE(one, draw(1, 12));
}

TEST(NestComposite, OneToOneTakesAListWithOneValuePerConnection) {
  nest::kernel k;
  const auto a = k.create("parrot_neuron", 4), b = k.create("iaf_psc_exp", 4);
  // weights of both signs: each reaches its target's ex or in port (volley splits the Connect by sign)
  k.connect(a, b, "one_to_one", {{"weight", {10.0, -20.0, 30.0, 40.0}}, {"delay", {1.0, 1.5, 2.0, 2.5}}});
  const auto sg = k.create("spike_generator", 1, {{"spike_times", {1.0}}});
  k.connect(sg, a, "all_to_all", {{"weight", 1.0}, {"delay", 1.0}});
  try {
    k.connect(a, b, "all_to_all", {{"weight", std::vector<double>(16, 1.0)}});
    FAIL() << "accepted";
  } catch (const parameter_error& e) {
    EXPECT_NE(std::string(e.what()).find("syn_spec.weight"), std::string::npos) << e.what();
  }
  EXPECT_THROW(k.connect(a, b, "one_to_one", {{"weight", {1.0, 2.0}}}), parameter_error);
  k.simulate(8.0);
  const json v = k.get_status(b).at("V_m");
  EXPECT_GT(v[0].get<double>(), -70.0 + 1e-3);
  EXPECT_LT(v[1].get<double>(), -70.0 - 1e-3);
  EXPECT_GT(v[3].get<double>(), v[2].get<double>());
  const json c = k.get_connections(a, b);
  EXPECT_EQ(c.at("source"), json({1, 2, 3, 4}));
  EXPECT_EQ(c.at("target"), json({5, 6, 7, 8}));
  EXPECT_EQ(c.at("weight"), json({10.0, -20.0, 30.0, 40.0}));
  EXPECT_EQ(c.at("delay"), json({1.0, 1.5, 2.0, 2.5}));
}

TEST(NestComposite, RefusesWhatItCannotSplitAndChangesNothingThen) {
  populations n(1);
  const node_collection pre = n.p1 + n.p2;
  // autapses refused between overlapping collections that are not the same
  try {
    n.k.connect(pre, n.p2 + n.p3, {{"rule", "fixed_indegree"}, {"indegree", 3}, {"allow_autapses", false}});
    FAIL() << "accepted";
  } catch (const parameter_error& e) {
    EXPECT_NE(std::string(e.what()).find("allow_autapses"), std::string::npos) << e.what();
  }
  // per-connection lists over several calls, other than one_to_one
  std::vector<double> weights(101 * 45, 1.0);
  EXPECT_THROW(n.k.connect(pre, n.p3, "all_to_all", {{"weight", weights}}), parameter_error);
  // one_to_one between collections of different sizes
  EXPECT_THROW(n.k.connect(pre, n.p3 + n.p1, "one_to_one"), parameter_error);
  // a refused piece (a device with a rule devices do not take) refuses the whole Connect
  const auto sr = n.k.create("spike_recorder");
  EXPECT_THROW(n.k.connect(pre, sr + n.p3, {{"rule", "fixed_indegree"}, {"indegree", 2}}), parameter_error);
  // SetStatus: a part that refuses the call leaves the parts before it unchanged (before and after Simulate)
  const auto parrots = n.k.create("parrot_neuron", 2);
  EXPECT_THROW(n.k.set_status(n.p3 + parrots, {{"V_m", -60.0}}), parameter_error);
  n.k.simulate(0.0);
  EXPECT_EQ(n.k.get_status(n.p3).at("V_m")[0].get<double>(), -70.0);
  EXPECT_THROW(n.k.set_status(n.p3 + parrots, {{"V_m", -58.0}}), parameter_error);
  EXPECT_EQ(n.k.get_status(n.p3).at("V_m")[0].get<double>(), -70.0);
  n.k.set_status(n.p1 + n.p3, {{"V_m", -57.0}});
  EXPECT_EQ(n.k.get_status(n.p3).at("V_m")[44].get<double>(), -57.0);
  EXPECT_EQ(n.k.get_status(n.p1).at("V_m")[0].get<double>(), -57.0);
  EXPECT_EQ(n.k.get_status(n.p2).at("V_m")[0].get<double>(), -70.0);
  EXPECT_EQ(n.k.get_connections().at("source").size(), 0u);
}

}  // namespace

}  // namespace test_nest_composite
