// SetStatus between Simulate calls against NEST 3.10 (tests/reference/nest_later_changes.json, made by
// tools/nest_reference/make_later_change_references.py, which also stores the protocol replayed here): neurons'
// parameters (a whole Create call, one node, a slice; exact-integration iaf models and RKF45 aeif) and states,
// generators' parameters (dc_generator through two delays, step_current_generator, ac_generator, spike_generator
// with times before and after the change, poisson_generator's rate, a new start) and recorders cleared with
// n_events: 0, over three runs, one ending inside a min_delay slice.
// Planted bug, caught (then removed): the new parameters' window starting at the change's time itself for every
// generator (dc_generator's new amplitude one step early: iaf_psc_exp spikes 0.1 ms early; the Poisson parrots'
// first and last spikes one step late).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_later_changes {

using namespace volley;
using nest::json;

namespace {

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_later_changes");
  return ref;
}

// The reference's protocol through the NEST layer: its nodes, connections, and simulate / set steps.
std::vector<nest::node_collection> replay(nest::kernel& k, std::vector<std::vector<std::size_t>>* n_events = nullptr) {
  const json& r = reference();
  std::vector<nest::node_collection> nodes;
  for (const auto& n : r.at("nodes")) nodes.push_back(k.create(n.at("model"), n.at("n"), n.at("params")));
  auto part = [&](const json& range) {
    return nodes[range[0].get<std::size_t>()].slice(range[1].get<std::uint64_t>(), range[2].get<std::uint64_t>());
  };
  for (const auto& c : r.at("connections")) k.connect(part(c.at("pre")), part(c.at("post")), c.at("conn"), c.at("syn"));
  for (const auto& s : r.at("steps")) {
    if (s.contains("simulate")) {
      k.simulate(s.at("simulate").get<double>());
      if (n_events == nullptr) continue;
      n_events->emplace_back();
      for (const auto& rec : r.at("recorders"))
        n_events->back().push_back(k.get_status(nodes[rec.get<std::size_t>()]).at("n_events").get<std::size_t>());
    } else {
      k.set_status(part(s.at("set")), s.at("params"));
    }
  }
  return nodes;
}

// The node group (index into the protocol's nodes) a global id belongs to.
std::size_t group_of(double id) {
  const json& first = reference().at("first_ids");
  std::size_t g = 0;
  while (g + 1 < first.size() && first[g + 1].get<double>() <= id) ++g;
  return g;
}

bool from_poisson_parrots(double id) { return group_of(id) == 12; }

// Events of one recorder without the Poisson-driven parrots' spikes (NEST's draws are not volley's).
json deterministic(const json& ev) {
  json out = {{"senders", json::array()}, {"times", json::array()}};
  for (std::size_t i = 0; i < ev.at("times").size(); ++i)
    if (!from_poisson_parrots(ev.at("senders")[i].get<double>())) {
      out["senders"].push_back(ev.at("senders")[i]);
      out["times"].push_back(ev.at("times")[i]);
    }
  return out;
}

std::vector<double> parrot_times(const json& ev) {
  std::vector<double> t;
  for (std::size_t i = 0; i < ev.at("times").size(); ++i)
    if (from_poisson_parrots(ev.at("senders")[i].get<double>())) t.push_back(ev.at("times")[i].get<double>());
  return t;
}

TEST(NestLaterChanges, NeuronsGeneratorsAndRecordersChangedBetweenRunsGiveNestsEvents) {
  const json& r = reference();
  nest::kernel k({.resolution_ms = r.at("dt").get<double>(), .local_num_threads = 1});
  std::vector<std::vector<std::size_t>> n_events;
  const auto nodes = replay(k, &n_events);
  for (std::size_t g = 0; g < nodes.size(); ++g)
    ASSERT_EQ(nodes[g].first_id, r.at("first_ids")[g].get<std::uint64_t>());
  const auto recorder = [&](std::size_t i) { return nodes[r.at("recorders")[i].get<std::size_t>()]; };

  // spikes of every deterministic neuron, at NEST's times, in NEST's order
  const json want = deterministic(r.at("events")[1]);
  const json got = deterministic(k.get_events(recorder(1)));
  ASSERT_EQ(got.at("times").size(), want.at("times").size()) << "volley " << got.dump() << "\nNEST " << want.dump();
  for (std::size_t i = 0; i < want.at("times").size(); ++i) {
    EXPECT_EQ(got.at("senders")[i], want.at("senders")[i]) << "spike " << i;
    EXPECT_NEAR(got.at("times")[i].get<double>(), want.at("times")[i].get<double>(), 1e-9) << "spike " << i;
  }
  EXPECT_GE(want.at("times").size(), 15u);

  // the Poisson generator's rate change: no spike before its first or after its last arrival step, as many spikes
  // as NEST's within sampling error
  const auto pw = parrot_times(r.at("events")[1]), pg = parrot_times(k.get_events(recorder(1)));
  ASSERT_GT(pw.size(), 1000u);
  ASSERT_FALSE(pg.empty());
  EXPECT_NEAR(*std::min_element(pg.begin(), pg.end()), *std::min_element(pw.begin(), pw.end()), 1e-9);
  EXPECT_NEAR(*std::max_element(pg.begin(), pg.end()), *std::max_element(pw.begin(), pw.end()), 1e-9);
  EXPECT_NEAR(double(pg.size()), double(pw.size()), 5 * std::sqrt(double(pg.size() + pw.size())));

  // V_m of every neuron at every step: NEST's record (one min_delay slice behind) is a prefix of volley's
  const json& vw = r.at("events")[0];
  const json vg = k.get_events(recorder(0));
  ASSERT_LE(vw.at("times").size(), vg.at("times").size());
  double worst_exact = 0, worst_rkf = 0;
  for (std::size_t i = 0; i < vw.at("times").size(); ++i) {
    ASSERT_EQ(vg.at("senders")[i], vw.at("senders")[i]) << "sample " << i;
    ASSERT_NEAR(vg.at("times")[i].get<double>(), vw.at("times")[i].get<double>(), 1e-9) << "sample " << i;
    const bool rkf = r.at("nodes")[group_of(vw.at("senders")[i].get<double>())].at("model") == "aeif_cond_alpha";
    const double d = std::abs(vg.at("V_m")[i].get<double>() - vw.at("V_m")[i].get<double>());
    (rkf ? worst_rkf : worst_exact) = std::max(rkf ? worst_rkf : worst_exact, d);
  }
  EXPECT_LT(worst_exact, 1e-6) << "mV, exact-integration models";
  EXPECT_LT(worst_rkf, 1e-3) << "mV, aeif_cond_alpha (RKF45)";

  // recorders cleared between runs keep what NEST keeps
  for (std::size_t i : {2u, 3u}) {
    const json& cw = r.at("events")[i];
    const json cg = k.get_events(recorder(i));
    const std::string what = "cleared recorder " + std::to_string(i);
    ASSERT_LE(cw.at("times").size(), cg.at("times").size()) << what;
    if (i == 2) {
      ASSERT_EQ(cw.at("times").size(), cg.at("times").size()) << what;
    }
    for (std::size_t e = 0; e < cw.at("times").size(); ++e)
      EXPECT_NEAR(cg.at("times")[e].get<double>(), cw.at("times")[e].get<double>(), 1e-9) << what << " event " << e;
  }
  ASSERT_EQ(n_events.size(), r.at("n_events_after_each_simulate").size());
  for (std::size_t s = 0; s < n_events.size(); ++s)  // the cleared spike_recorder's count after each run
    EXPECT_EQ(n_events[s][2], r.at("n_events_after_each_simulate")[s][2].get<std::size_t>()) << "run " << s;
}

TEST(NestLaterChanges, AnUnchangedSetStatusLeavesEverySpikeAsItWas) {
  // the generator lowered again draws the same numbers (its rng tags are kept), the neurons take the same values
  auto run = [](bool touch) {
    nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
    const auto pop = k.create("iaf_psc_exp", 37, {{"I_e", 200.0}});
    const auto pg = k.create("poisson_generator", 1, {{"rate", 12000.0}});
    const auto noise = k.create("noise_generator", 1, {{"mean", 100.0}, {"std", 80.0}});
    const auto sr = k.create("spike_recorder");
    k.connect(pg, pop, "all_to_all", {{"weight", 40.0}, {"delay", 1.5}});
    k.connect(noise, pop, "all_to_all", {{"delay", 1.0}});
    k.connect(pop, sr);
    k.simulate(30.0);
    if (touch) {
      k.set_status(pg, {{"rate", 12000.0}});
      k.set_status(noise, {{"mean", 100.0}});
      k.set_status(pop, {{"I_e", 200.0}});
    }
    k.simulate(40.0);
    return k.get_events(sr);
  };
  const json a = run(false), b = run(true);
  EXPECT_GT(a.at("times").size(), 50u);
  EXPECT_EQ(a, b);
}

TEST(NestLaterChanges, ManyChangesKeepTheNumberOfInputsBounded) {
  // an f-I curve protocol: 40 amplitudes, one run each; each change ends inputs that no longer reach the target
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto n = k.create("iaf_psc_alpha", 3);
  const auto dc = k.create("dc_generator");
  const auto pg = k.create("poisson_generator");
  const auto sr = k.create("spike_recorder");
  k.connect(dc, n);
  k.connect(pg, n, "all_to_all", {{"weight", 10.0}});
  k.connect(n, sr);
  std::size_t before = 0;
  std::vector<std::size_t> spikes;
  for (int a = 0; a < 40; ++a) {
    k.set_status(dc, {{"amplitude", 300.0 + 10.0 * a}});
    k.set_status(pg, {{"rate", 100.0 * a}});
    k.simulate(50.0);
    const std::size_t now = k.get_events(sr).at("times").size();
    spikes.push_back(now - before);
    before = now;
  }
  EXPECT_EQ(spikes.front(), 0u);    // 300 pA is below the rheobase
  EXPECT_GT(spikes.back(), 10u);    // 690 pA and 3.9 kHz of input: several spikes per neuron
  EXPECT_GE(spikes.back(), spikes[20]);
}

// Every change of a generator within the inputs' reach (delay + min_delay) is one more input of the target
// population, which takes a bounded number: the change past that is refused, and the run goes on with the generator
// as it was, its inputs lowered again with the random streams they had, exactly as if the change had not been asked
// for. A deterministic current (ac_generator) and a stochastic drive (poisson_generator, beside a constant current).
void expect_refused_change_changes_nothing(const std::string& model, json params, const std::string& key,
                                           double first, double step, const std::string& limit) {
  params[key] = first;
  auto run = [&](bool ask_too_many, std::size_t stop_at) {
    nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
    const auto n = k.create("iaf_psc_alpha", 3, {{"I_e", 350.0}});
    const auto gen = k.create(model, 1, params);
    k.connect(gen, n, "all_to_all", {{"weight", 2.0}, {"delay", 1.0}});
    k.simulate(1.0);
    std::size_t accepted = 0;
    for (std::size_t c = 0; c < 40; ++c) {
      if (!ask_too_many && c == stop_at) break;  // the other run stops where the first refusal came
      try {
        k.set_status(gen, {{key, first + step * double(c + 1)}});
        ++accepted;
      } catch (const user_error& e) {
        EXPECT_NE(std::string(e.what()).find(limit), std::string::npos) << e.what();
        break;
      }
      k.simulate(0.1);
    }
    k.simulate(30.0);
    return std::make_pair(accepted, k.get_status(n).at("V_m"));
  };
  const auto [accepted, v_refused] = run(true, 0);
  ASSERT_LT(accepted, 40u) << model << ": no change was refused";
  const auto [accepted_alone, v_alone] = run(false, accepted);
  EXPECT_EQ(accepted_alone, accepted) << model;
  EXPECT_EQ(v_refused, v_alone) << model;
  EXPECT_GT(std::abs(v_alone[0].get<double>() + 70.0), 1e-3) << model;  // the neurons moved
}

TEST(NestLaterChanges, AGeneratorChangeThatCannotBeLoweredChangesNothing) {
  expect_refused_change_changes_nothing("ac_generator", {{"frequency", 40.0}}, "amplitude", 50.0, 10.0, "time-varying");
  expect_refused_change_changes_nothing("poisson_generator", json::object(), "rate", 8000.0, 500.0, "Poisson inputs");
}

TEST(NestLaterChanges, RefusalsNameWhatCanBeChanged) {
  nest::kernel k({.resolution_ms = 0.1});
  const auto n = k.create("iaf_psc_alpha", 5);
  const auto gamma = k.create("gamma_sup_generator");
  const auto sr = k.create("spike_recorder");
  k.connect(gamma, n);
  k.connect(n, sr);
  k.simulate(5.0);
  EXPECT_THROW(k.set_status(gamma, {{"rate", 10.0}}), user_error);
  EXPECT_THROW(k.set_status(n, {{"I_e", json{{"distribution", "uniform"}, {"low", 0.0}, {"high", 1.0}}}}),
               parameter_error);
  EXPECT_THROW(k.set_status(n, {{"no_such_parameter", 1.0}}), parameter_error);
  EXPECT_THROW(k.set_status(n, {{"I_e", json::array({1.0, 2.0})}}), parameter_error);  // 2 values for 5 nodes
  EXPECT_THROW(k.set_status(sr, {{"n_events", 3}}), parameter_error);
  EXPECT_THROW(k.set_status(sr, {{"time_in_steps", true}}), parameter_error);  // a window can change, not this
  EXPECT_THROW(k.set_status(n, {{"tau_minus", 30.0}}), parameter_error);
  EXPECT_THROW(k.create("gif_pop_psc_exp"), user_error);  // built specially: only before the first Simulate
  // an inconsistent value changes nothing: V_reset above V_th is refused, the run goes on as before
  const json before = k.get_status(n);
  EXPECT_THROW(k.set_status(n[2], {{"V_reset", -40.0}}), parameter_error);
  k.set_status(n[1], {{"V_m", -60.0}});
  const json after = k.get_status(n);
  EXPECT_EQ(after.at("V_m")[2], before.at("V_m")[2]);
  EXPECT_DOUBLE_EQ(after.at("V_m")[1].get<double>(), -60.0);
  EXPECT_NO_THROW(k.simulate(5.0));
}

}  // namespace

}  // namespace test_nest_later_changes
