// GetConnections of connections without a spike projection against NEST 3.10 (tests/reference/
// nest_connection_listing.json, made by tools/nest_reference/make_connection_listing_references.py): gap junctions
// (one_to_one with make_symmetric and a weight per pair, all_to_all without autapses, junctions with a second
// Create() call's neurons), rate_connection_instantaneous and _delayed (one with SetDefaults' delay) and
// diffusion_connection (with its drift_factor and diffusion_factor columns). Rows in NEST's order, with NEST's
// weights and delays (its default 1 ms for connections without a delay), before the first Simulate and after it;
// gap weights set before the first Simulate act from the start, and those set between runs from the next delivery
// of the partners' potentials (V_m of every neuron at every step of both runs within 1e-6 mV of NEST's).
// Planted bugs caught: a symmetric pair's reverse junction listed right after its forward one (NEST makes all
// forward ones first), and the gap presets not reaching the built junctions (a spike moves: V_m off by 98 mV).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_connection_listing {

using namespace volley;
using nest::json;

namespace {

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_connection_listing");
  return ref;
}

// volley's GetConnections equals NEST's listing row by row (weights compared where NEST's means something).
void expect_listing(const json& got, const json& want, const std::string& what) {
  for (const char* key : {"source", "target", "synapse_model"}) EXPECT_EQ(got.at(key), want.at(key)) << what << ": " << key;
  ASSERT_EQ(got.at("weight").size(), want.at("weight").size()) << what;
  for (std::size_t i = 0; i < want.at("weight").size(); ++i) {
    EXPECT_NEAR(got.at("delay")[i].get<double>(), want.at("delay")[i].get<double>(), 1e-12) << what << ": row " << i;
    if (want.at("synapse_model")[i] == "diffusion_connection") continue;  // NEST: uninitialised memory
    EXPECT_NEAR(got.at("weight")[i].get<double>(), want.at("weight")[i].get<double>(), 1e-12) << what << ": row " << i;
  }
}

TEST(NestConnectionListing, GapJunctionsAreListedAndTheirWeightsSetBeforeTheFirstRunAsNest) {
  const json& r = reference().at("gap");
  nest::kernel k({.resolution_ms = reference().at("dt").get<double>(), .local_num_threads = 1});
  const auto a = k.create("hh_psc_alpha_gap", 4, {{"I_e", 200.0}});
  const auto b = k.create("hh_psc_alpha_gap", 2, {{"I_e", 50.0}});
  k.set_status(a[0], {{"I_e", 650.0}});
  k.set_status(b[1], {{"I_e", 700.0}});
  k.connect(a.slice(0, 2), a.slice(2, 4), {{"rule", "one_to_one"}, {"make_symmetric", true}},
            {{"synapse_model", "gap_junction"}, {"weight", {0.5, 0.7}}});
  k.connect(a, a, {{"rule", "all_to_all"}, {"allow_autapses", false}}, {{"synapse_model", "gap_junction"}, {"weight", 0.2}});
  k.connect(b, a.slice(0, 2), {{"rule", "one_to_one"}, {"make_symmetric", true}},
            {{"synapse_model", "gap_junction"}, {"weight", 0.3}});
  k.connect(a[0], b[0], "one_to_one", {{"weight", 40.0}, {"delay", 1.5}});
  const auto mm = k.create("multimeter", 1, {{"record_from", {"V_m"}}, {"interval", 0.1}});
  k.connect(mm, a + b);
  ASSERT_EQ(a.first_id, r.at("first_ids")[0].get<std::uint64_t>());
  ASSERT_EQ(mm.first_id, r.at("first_ids")[2].get<std::uint64_t>());

  expect_listing(k.get_connections(), r.at("queries")[0], "before the first run");
  k.set_connections(a.slice(0, 2), {}, {{"weight", r.at("set_weights")}}, "gap_junction");
  expect_listing(k.get_connections(), r.at("queries")[1], "after setting gap weights");
  k.simulate(r.at("simulate")[0].get<double>());
  expect_listing(k.get_connections(), r.at("queries")[2], "after the run");
  // between runs: b's junctions one way a list, the other way one number (NEST weighs the partners' potentials
  // when it delivers them)
  k.set_connections(b, {}, {{"weight", r.at("later_weights")}}, "gap_junction");
  k.set_connections({}, b, {{"weight", r.at("later_target_weight")}}, "gap_junction");
  EXPECT_THROW(k.set_connections({}, b, {{"weight", std::numeric_limits<double>::infinity()}}, "gap_junction"),
               parameter_error);
  k.simulate(r.at("simulate")[1].get<double>());
  expect_listing(k.get_connections(), r.at("queries")[3], "after the second run");

  const json& want = r.at("multimeter");
  const json got = k.get_events(mm);
  ASSERT_LE(want.at("times").size(), got.at("times").size());
  ASSERT_GT(want.at("times").size(), 2900u);  // 6 neurons, 50 ms
  double worst = 0;
  for (std::size_t i = 0; i < want.at("times").size(); ++i) {
    ASSERT_EQ(got.at("senders")[i], want.at("senders")[i]) << "sample " << i;
    worst = std::max(worst, std::abs(got.at("V_m")[i].get<double>() - want.at("V_m")[i].get<double>()));
  }
  EXPECT_LT(worst, 1e-6) << "mV";  // measured 5.7e-9 (spikes included; RKF45's criterion is 1e-3)
}

TEST(NestConnectionListing, RateAndDiffusionConnectionsAreListedAsNest) {
  const json& r = reference().at("rate");
  nest::kernel k({.resolution_ms = reference().at("dt").get<double>(), .local_num_threads = 1});
  const auto rate = k.create("lin_rate_ipn", 2, {{"mu", 1.0}, {"sigma", 0.0}});
  const auto rate2 = k.create("lin_rate_ipn", 2, {{"sigma", 0.0}});
  k.connect(rate, rate2, "all_to_all", {{"synapse_model", "rate_connection_instantaneous"}, {"weight", 0.3}});
  k.connect(rate, rate2, "one_to_one",
            {{"synapse_model", "rate_connection_delayed"}, {"weight", -0.2}, {"delay", 1.3}});
  k.set_defaults("rate_connection_delayed", {{"delay", 1.7}});
  k.connect(rate2, rate, "one_to_one", {{"synapse_model", "rate_connection_delayed"}, {"weight", 0.5}});
  const auto s = k.create("siegert_neuron", 2, {{"mean", 10.0}});
  k.connect(s, s, "all_to_all",
            {{"synapse_model", "diffusion_connection"}, {"drift_factor", 2.0}, {"diffusion_factor", 3.0}});
  ASSERT_EQ(s.first_id, r.at("first_ids")[2].get<std::uint64_t>());

  expect_listing(k.get_connections(), r.at("queries")[0], "before the first run");
  const json d = k.get_connections({}, {}, "diffusion_connection");
  for (const char* key : {"source", "target", "drift_factor", "diffusion_factor"})
    EXPECT_EQ(d.at(key), r.at("diffusion").at(key)) << key;
  EXPECT_THROW(k.set_connections(s, s, {{"weight", 1.0}}, "diffusion_connection"), parameter_error);
  k.simulate(5.0);
  expect_listing(k.get_connections(), r.at("queries")[1], "after the run");
}

}  // namespace

}  // namespace test_nest_connection_listing
