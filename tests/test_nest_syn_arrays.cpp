// NEST's per-connection syn_spec arrays for all_to_all ([post][pre]), fixed_indegree ([post][indegree]),
// fixed_outdegree ([pre][outdegree]) and fixed_total_number ([N]) (host/nest_syn_arrays.cpp), against NEST 3.10
// (tests/reference/nest_syn_arrays.json, made by tools/nest_reference/make_syn_array_references.py, which stores
// the protocol replayed here). all_to_all is deterministic: GetConnections' rows (NEST's order, weights of both
// signs into iaf_psc_exp, an autapse-free coupling whose diagonal values NEST skips, a collection over two Create()
// calls), V_m at every step and every spike equal NEST's. The drawn rules differ from NEST's draw, so what the
// arrays fix is compared: each target's (indegree) or source's (outdegree) set of (weight, delay) pairs, the whole
// set (total number). Refusals follow PyNEST's checks.
// Planted bugs, caught (then removed): all_to_all's values read [pre][post]; the skipped autapse not skipping its
// value; fixed_indegree's values taken in the source's row order (each target's set wrong); the drawn rules' values
// handed out in id order (a row's low ids all +1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "tests/support/error_text.hpp"
#include "tests/support/nest_collections.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_syn_arrays {

using namespace volley;
using nest::json;
using nest::node_collection;
using nest_ref::collection;

namespace {

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_syn_arrays");
  return ref;
}

json rows_of(const json& conns) {
  json rows = json::array();
  for (std::size_t i = 0; i < conns.at("source").size(); ++i)
    rows.push_back({conns.at("source")[i], conns.at("target")[i], conns.at("weight")[i], conns.at("delay")[i]});
  return rows;
}

// The multiset of (weight, delay) pairs of each node (column 0: by source, 1: by target), and of all rows (-1).
std::map<std::uint64_t, std::multiset<std::pair<double, double>>> grouped(const json& rows, int by) {
  std::map<std::uint64_t, std::multiset<std::pair<double, double>>> out;
  for (const auto& r : rows) {
    const std::uint64_t key = by < 0 ? 0 : r[static_cast<std::size_t>(by)].get<std::uint64_t>();
    out[key].insert({r[2].get<double>(), r[3].get<double>()});
  }
  return out;
}

TEST(NestSynArrays, AllToAllGivesNestsConnectionsVoltagesAndSpikes) {
  const json& r = reference();
  nest_ref::protocol_replay run(r);
  for (std::size_t i = 0; i < run.nodes.size(); ++i)
    ASSERT_EQ(run.nodes[i].first_id, r.at("first_ids")[i].get<std::uint64_t>());
  std::size_t compared = 0;
  for (const auto& q : r.at("queries")) {
    if (q.at("drawn").get<bool>()) continue;
    const json got =
        rows_of(run.k.get_connections(collection(run.nodes, q.at("source")), collection(run.nodes, q.at("target"))));
    // NEST lists by source; within a source its (unstable) sort of the connections by source decides, so rows
    // are compared as sorted lists: every connection with its weight and delay
    auto sorted = [](json rows) {
      std::sort(rows.begin(), rows.end());
      return rows;
    };
    EXPECT_EQ(sorted(got), sorted(q.at("rows")))
        << "GetConnections(" << q.at("source") << ", " << q.at("target") << ")";
    json sources = json::array();
    for (const auto& row : got) sources.push_back(row[0]);
    EXPECT_TRUE(std::is_sorted(sources.begin(), sources.end())) << "GetConnections lists by source";
    ++compared;
  }
  EXPECT_EQ(compared, 3u);

  // V_m of the iaf_psc_exp at every step NEST delivered (keyed by sender and time; NEST's multimeter hands the
  // samples of a run's last min_delay slice over in the next run, volley has them at once)
  const json& want = r.at("multimeter");
  const json got = run.k.get_events(run.nodes.back());
  std::map<std::pair<std::uint64_t, long long>, double> vm;
  for (std::size_t i = 0; i < got.at("senders").size(); ++i)
    vm[{got.at("senders")[i].get<std::uint64_t>(), std::llround(got.at("times")[i].get<double>() * 10)}] =
        got.at("V_m")[i].get<double>();
  ASSERT_GE(vm.size(), want.at("senders").size());
  double worst = 0;
  for (std::size_t i = 0; i < want.at("senders").size(); ++i) {
    const auto key = std::make_pair(want.at("senders")[i].get<std::uint64_t>(),
                                    std::llround(want.at("times")[i].get<double>() * 10));
    ASSERT_TRUE(vm.count(key)) << "no sample of node " << key.first << " at " << key.second / 10.0 << " ms";
    worst = std::max(worst, std::abs(vm[key] - want.at("V_m")[i].get<double>()));
  }
  EXPECT_LT(worst, 1e-6) << "largest V_m difference to NEST (mV)";
  double spread = 0;  // the inputs move V_m: a trace that ignored them would fail above
  for (const auto& v : want.at("V_m")) spread = std::max(spread, std::abs(v.get<double>() + 70.0));
  EXPECT_GT(spread, 1.0);

  const json ev = run.k.get_events(run.nodes[8]);
  const json& spikes = r.at("spikes");
  ASSERT_GE(spikes.at("senders").size(), 5u);
  ASSERT_EQ(ev.at("senders").size(), spikes.at("senders").size());
  for (std::size_t i = 0; i < spikes.at("senders").size(); ++i) {
    EXPECT_EQ(ev.at("senders")[i].get<std::uint64_t>(), spikes.at("senders")[i].get<std::uint64_t>()) << i;
    EXPECT_NEAR(ev.at("times")[i].get<double>(), spikes.at("times")[i].get<double>(), 1e-9) << i;
  }
}

TEST(NestSynArrays, DrawnRulesGiveEachNodeItsRowOfValues) {
  const json& r = reference();
  nest_ref::protocol_replay run(r);
  std::vector<int> by = {1, 0, -1};  // fixed_indegree: per target; fixed_outdegree: per source; total: all
  std::size_t q_at = 0;
  for (const auto& q : r.at("queries")) {
    if (!q.at("drawn").get<bool>()) continue;
    ASSERT_LT(q_at, by.size());
    const json got =
        rows_of(run.k.get_connections(collection(run.nodes, q.at("source")), collection(run.nodes, q.at("target"))));
    ASSERT_EQ(got.size(), q.at("rows").size()) << q.at("source");
    EXPECT_EQ(grouped(got, by[q_at]), grouped(q.at("rows"), by[q_at])) << "query " << q_at;
    ++q_at;
  }
  EXPECT_EQ(q_at, 3u);
}

// NEST hands a row's values out in its random draw order. A row of +1 values then -1 values: the partners of low id
// in each row take either sign about equally often (handing the values out in id order would give them +1 only).
TEST(NestSynArrays, ValuesFollowTheDrawNotTheIds) {
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto a = k.create("iaf_psc_alpha", 300), b = k.create("iaf_psc_alpha", 200);
  auto signs = [](std::size_t rows, std::size_t columns) {
    json w = json::array();
    for (std::size_t i = 0; i < rows; ++i) {
      w.push_back(json::array());
      for (std::size_t j = 0; j < columns; ++j) w.back().push_back(j < columns / 2 ? 1.0 : -1.0);
    }
    return w;
  };
  k.connect(a, b, {{"rule", "fixed_indegree"}, {"indegree", 20}}, {{"weight", signs(200, 20)}});
  k.connect(b, a, {{"rule", "fixed_outdegree"}, {"outdegree", 20}}, {{"weight", signs(200, 20)}});
  k.connect(a, a, {{"rule", "fixed_total_number"}, {"N", 4000}}, {{"weight", signs(1, 4000)[0]}});
  k.simulate(0.1);
  // the fraction of +1 among the first half of each row's partners (by id); rows as GetConnections lists them
  auto low_half_positive = [&](const node_collection& pre, const node_collection& post, int by) {
    const json c = k.get_connections(pre, post);
    std::map<std::uint64_t, std::vector<double>> rows;  // row -> weights by ascending partner id
    std::vector<std::tuple<std::uint64_t, std::uint64_t, double>> all;
    for (std::size_t i = 0; i < c.at("source").size(); ++i) {
      const std::uint64_t s = c.at("source")[i], t = c.at("target")[i];
      all.emplace_back(by == 0 ? s : by == 1 ? t : 0, by == 0 ? t : s, c.at("weight")[i].get<double>());
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
      return std::tie(std::get<0>(x), std::get<1>(x)) < std::tie(std::get<0>(y), std::get<1>(y));
    });
    for (const auto& [row, partner, w] : all) rows[row].push_back(w);
    double positive = 0, counted = 0;
    for (const auto& [row, w] : rows)
      for (std::size_t j = 0; j < w.size() / 2; ++j) positive += w[j] > 0, ++counted;
    return positive / counted;
  };
  EXPECT_NEAR(low_half_positive(a, b, 1), 0.5, 0.06) << "fixed_indegree (2000 draws)";
  EXPECT_NEAR(low_half_positive(b, a, 0), 0.5, 0.06) << "fixed_outdegree (2000 draws)";
  EXPECT_NEAR(low_half_positive(a, a, -1), 0.5, 0.06) << "fixed_total_number (2000 draws)";
}

TEST(NestSynArrays, SameDrawOnAnyThreadCount) {
  auto rows_on = [](int threads) {
    nest::kernel k({.resolution_ms = 0.1, .local_num_threads = threads});
    const auto q = k.create("iaf_psc_alpha", 40), z = k.create("iaf_psc_alpha", 33);
    json w = json::array();
    for (int i = 0; i < 33; ++i) {
      w.push_back(json::array());
      for (int j = 0; j < 7; ++j) w.back().push_back(i * 10.0 + j - 100.0);
    }
    k.connect(q, z, {{"rule", "fixed_indegree"}, {"indegree", 7}}, {{"weight", w}});
    k.simulate(1.0);
    return rows_of(k.get_connections(q, z));
  };
  EXPECT_EQ(rows_on(1), rows_on(2));
}

TEST(NestSynArrays, RefusedShapesNameTheKeyAndTheShape) {
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto a = k.create("iaf_psc_alpha", 3), b = k.create("iaf_psc_alpha", 2);
  auto connect = [&](const json& conn, const json& syn) {
    return test::error_text([&] { k.connect(a, b, conn, syn); });
  };
  const json w23 = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  EXPECT_NE(connect("all_to_all", {{"weight", {{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}}})
                .find("dimension 2x3 (n_target x n_sources)"),
            std::string::npos);
  EXPECT_NE(connect("all_to_all", {{"weight", {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}}})
                .find("one-dimensional arrays only with rule one_to_one or fixed_total_number"),
            std::string::npos);
  EXPECT_NE(connect({{"rule", "pairwise_bernoulli"}, {"p", 0.5}}, {{"weight", w23}}).find("syn_spec.weight"),
            std::string::npos);
  EXPECT_NE(connect({{"rule", "fixed_total_number"}, {"N", 6}}, {{"weight", w23}}).find("two-dimensional arrays only"),
            std::string::npos);
  EXPECT_NE(connect({{"rule", "fixed_indegree"}, {"indegree", 2}}, {{"delay", w23}})
                .find("dimension 2x2 (n_target x indegree)"),
            std::string::npos);
  EXPECT_NE(connect({{"rule", "fixed_outdegree"}, {"outdegree", 1}}, {{"weight", w23}})
                .find("dimension 3x1 (n_sources x outdegree)"),
            std::string::npos);
  EXPECT_NE(connect("all_to_all", {{"weight", {{1.0, "x", 3.0}, {4.0, 5.0, 6.0}}}}).find("of numbers"),
            std::string::npos);
  EXPECT_EQ(connect("all_to_all", {{"weight", w23}}), "no error");  // the shape NEST takes
}

}  // namespace

}  // namespace test_nest_syn_arrays
