// Devices created and connected between Simulate calls, and recorder windows changed between them, against NEST
// 3.10 (tests/reference/nest_late_devices.json, made by tools/nest_reference/make_late_device_references.py, which
// stores the protocol replayed here): dc, ac, step_current (an amplitude time in the past), spike (times before, at
// and after the current time) and Poisson generators created after the first run and connected to neurons that
// exist; a spike_recorder and a multimeter created then, a voltmeter after the second run (which ends inside a
// min_delay slice), new sources for the late spike_recorder; windows of a spike_recorder and a multimeter changed
// twice; a weight_recorder cleared; a step_current_generator changed to times before and after the change. And
// neurons created after a run (tests/reference/nest_late_neurons.json, same script): connected with the existing
// ones both ways through static and (copied) stdp synapses, recorded by existing recorders.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "tests/support/error_text.hpp"
#include "host/nest_layer.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_late_devices {

using namespace volley;
using nest::json;

namespace {

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_late_devices");
  return ref;
}

const json& neurons_reference() {
  static const json ref = nest_ref::load_reference("nest_late_neurons");
  return ref;
}

constexpr std::size_t kPoissonParrots = 2;  // node group driven by the Poisson generator (its node 1)

struct replayed {
  std::vector<nest::node_collection> nodes;
  std::vector<std::vector<std::size_t>> n_events;  // after each simulate, per recorder of the reference
  std::vector<json> connections_at;                // get_connections() at the protocol's get_connections steps
};

// The reference's steps through the NEST layer.
replayed replay(nest::kernel& k, const json& r = reference()) {
  replayed out;
  auto part = [&](const json& range) {
    return out.nodes[range[0].get<std::size_t>()].slice(range[1].get<std::uint64_t>(), range[2].get<std::uint64_t>());
  };
  for (const auto& s : r.at("steps")) {
    if (s.contains("create")) {
      out.nodes.push_back(k.create(s.at("create"), s.at("n"), s.at("params")));
    } else if (s.contains("copy_model")) {
      json p = s.at("params");
      if (p.contains("weight_recorder")) p["weight_recorder"] = out.nodes[p.at("weight_recorder").get<std::size_t>()].first_id;
      k.copy_model(s.at("copy_model"), s.at("name"), p);
    } else if (s.contains("connect")) {
      k.connect(part(s.at("connect")), part(s.at("to")), s.at("conn"), s.at("syn"));
    } else if (s.contains("set")) {
      k.set_status(part(s.at("set")), s.at("params"));
    } else if (s.contains("get_connections")) {
      out.connections_at.push_back(k.get_connections());
    } else if (s.contains("set_connections")) {
      const json& sel = s.at("set_connections");
      k.set_connections(part(sel.at("source")), part(sel.at("target")), s.at("params"), sel.at("synapse_model"));
    } else {
      k.simulate(s.at("simulate").get<double>());
      out.n_events.emplace_back();
      for (const auto& rec : r.at("recorders")) {
        const auto i = rec.get<std::size_t>();
        out.n_events.back().push_back(
            i < out.nodes.size() ? k.get_status(out.nodes[i]).at("n_events").get<std::size_t>() : 0);
      }
    }
  }
  return out;
}

std::size_t group_of(double id) {
  const json& first = reference().at("first_ids");
  std::size_t g = 0;
  while (g + 1 < first.size() && first[g + 1].get<double>() <= id) ++g;
  return g;
}

bool poisson_driven(double id) {
  return group_of(id) == kPoissonParrots && id == reference().at("first_ids")[kPoissonParrots].get<double>() + 1;
}

// A spike recorder's events split into the deterministic ones and the Poisson-driven parrot's times.
struct split_events {
  json fixed = {{"senders", json::array()}, {"times", json::array()}};
  std::vector<double> poisson;
};
split_events split(const json& ev) {
  split_events out;
  for (std::size_t i = 0; i < ev.at("times").size(); ++i) {
    if (poisson_driven(ev.at("senders")[i].get<double>())) {
      out.poisson.push_back(ev.at("times")[i].get<double>());
      continue;
    }
    out.fixed["senders"].push_back(ev.at("senders")[i]);
    out.fixed["times"].push_back(ev.at("times")[i]);
  }
  return out;
}

void expect_same_spikes(const json& got_events, const json& want_events, const std::string& what) {
  const split_events got = split(got_events), want = split(want_events);
  ASSERT_EQ(got.fixed.at("times").size(), want.fixed.at("times").size())
      << what << "\nvolley " << got.fixed.dump() << "\nNEST " << want.fixed.dump();
  for (std::size_t i = 0; i < want.fixed.at("times").size(); ++i) {
    EXPECT_EQ(got.fixed.at("senders")[i], want.fixed.at("senders")[i]) << what << " spike " << i;
    EXPECT_NEAR(got.fixed.at("times")[i].get<double>(), want.fixed.at("times")[i].get<double>(), 1e-9)
        << what << " spike " << i;
  }
  // the Poisson generator created after the first run: first and last arrival steps, count within sampling error
  ASSERT_EQ(got.poisson.empty(), want.poisson.empty()) << what;
  if (want.poisson.empty()) return;
  EXPECT_NEAR(*std::min_element(got.poisson.begin(), got.poisson.end()),
              *std::min_element(want.poisson.begin(), want.poisson.end()), 1e-9) << what;
  EXPECT_NEAR(*std::max_element(got.poisson.begin(), got.poisson.end()),
              *std::max_element(want.poisson.begin(), want.poisson.end()), 1e-9) << what;
  const double n = double(got.poisson.size()), m = double(want.poisson.size());
  EXPECT_NEAR(n, m, 5 * std::sqrt(n + m)) << what;
}

// NEST's samples (one min_delay slice behind at the end of a run) are a prefix of volley's: same senders and
// times, V_m within `tol` mV; `exact_count`: the recorder's window ended before the run did, so nothing lags.
void expect_same_samples(const json& got, const json& want, const std::string& what, bool exact_count) {
  ASSERT_LE(want.at("times").size(), got.at("times").size()) << what;
  if (exact_count) {
    ASSERT_EQ(want.at("times").size(), got.at("times").size()) << what;
  }
  ASSERT_GT(want.at("times").size(), 0u) << what;
  double worst = 0;
  for (std::size_t i = 0; i < want.at("times").size(); ++i) {
    ASSERT_EQ(got.at("senders")[i], want.at("senders")[i]) << what << " sample " << i;
    ASSERT_NEAR(got.at("times")[i].get<double>(), want.at("times")[i].get<double>(), 1e-9) << what << " sample " << i;
    worst = std::max(worst, std::abs(got.at("V_m")[i].get<double>() - want.at("V_m")[i].get<double>()));
  }
  EXPECT_LT(worst, 1e-6) << what << ": mV (exact-integration models)";
}

}  // namespace

TEST(NestLateDevices, DevicesCreatedAndConnectedBetweenRunsGiveNestsEvents) {
  const json& r = reference();
  nest::kernel k({.resolution_ms = r.at("dt").get<double>(), .local_num_threads = 1});
  const replayed run = replay(k);
  ASSERT_EQ(run.nodes.size(), r.at("first_ids").size());
  for (std::size_t g = 0; g < run.nodes.size(); ++g)
    ASSERT_EQ(run.nodes[g].first_id, r.at("first_ids")[g].get<std::uint64_t>()) << "node " << g;
  const auto events = [&](std::size_t i) { return k.get_events(run.nodes[r.at("recorders")[i].get<std::size_t>()]); };
  const json& want = r.at("events");

  // every neuron's spikes (the late generators' effects on them included), and the same from the late recorder
  expect_same_spikes(events(0), want[0], "spike_recorder connected before the first run");
  expect_same_spikes(events(5), want[5], "spike_recorder created after the first run, sources added after the second");
  EXPECT_GE(want[0].at("times").size(), 30u);

  // V_m of every neuron at every step; the late multimeter and voltmeter from their creation on
  expect_same_samples(events(1), want[1], "multimeter (every step)", false);
  expect_same_samples(events(6), want[6], "multimeter created after the first run", false);
  expect_same_samples(events(7), want[7], "voltmeter created after the second run", false);

  // windows changed between runs: each event kept or dropped by the window in force when NEST delivered it
  expect_same_spikes(events(2), want[2], "spike_recorder whose window changed");
  expect_same_samples(events(3), want[3], "multimeter whose window changed", true);

  // the weight_recorder cleared after the second run
  const json wg = events(4);
  for (const char* key : {"senders", "targets", "times", "weights"}) {
    ASSERT_EQ(wg.at(key).size(), want[4].at(key).size()) << key << ": " << wg.dump();
    for (std::size_t i = 0; i < want[4].at(key).size(); ++i)
      EXPECT_NEAR(wg.at(key)[i].get<double>(), want[4].at(key)[i].get<double>(), 1e-9) << key << " " << i;
  }

  // n_events after each run where no Poisson spike or lagging sample enters: the window-changed spike_recorder and
  // the weight_recorder
  const json& nw = r.at("n_events_after_each_simulate");
  ASSERT_EQ(run.n_events.size(), nw.size());
  for (std::size_t s = 0; s < nw.size(); ++s)
    for (std::size_t i : {2u, 4u}) EXPECT_EQ(run.n_events[s][i], nw[s][i].get<std::size_t>()) << "run " << s << " rec " << i;
}

TEST(NestLateDevices, NeuronsCreatedAndConnectedBetweenRunsGiveNestsSpikesTracesAndWeights) {
  const json& r = neurons_reference();
  nest::kernel k({.resolution_ms = r.at("dt").get<double>(), .local_num_threads = 1});
  const replayed run = replay(k, r);
  for (std::size_t g = 0; g < run.nodes.size(); ++g)
    ASSERT_EQ(run.nodes[g].first_id, r.at("first_ids")[g].get<std::uint64_t>()) << "node " << g;
  const auto node = [&](std::size_t i) { return run.nodes[r.at("recorders")[i].get<std::size_t>()]; };
  // every spike, old and new neurons, at NEST's time
  const json sg = k.get_events(node(0)), &sw = r.at("events")[0];
  EXPECT_EQ(sg.at("senders"), sw.at("senders")) << sg.dump();
  ASSERT_EQ(sg.at("times").size(), sw.at("times").size());
  for (std::size_t i = 0; i < sw.at("times").size(); ++i)
    EXPECT_NEAR(sg.at("times")[i].get<double>(), sw.at("times")[i].get<double>(), 1e-9) << "spike " << i;
  EXPECT_GE(sw.at("times").size(), 10u);
  // V_m of every neuron at every step (the new ones from their creation): exact models 1e-6 mV, aeif 1e-3 mV
  const json vg = k.get_events(node(1)), &vw = r.at("events")[1];
  ASSERT_LE(vw.at("times").size(), vg.at("times").size());
  const double aeif = r.at("first_ids")[5].get<double>();
  double worst_exact = 0, worst_rkf = 0;
  for (std::size_t i = 0; i < vw.at("times").size(); ++i) {
    ASSERT_EQ(vg.at("senders")[i], vw.at("senders")[i]) << "sample " << i;
    ASSERT_NEAR(vg.at("times")[i].get<double>(), vw.at("times")[i].get<double>(), 1e-9) << "sample " << i;
    const double d = std::abs(vg.at("V_m")[i].get<double>() - vw.at("V_m")[i].get<double>());
    double& worst = vw.at("senders")[i].get<double>() == aeif ? worst_rkf : worst_exact;
    worst = std::max(worst, d);
  }
  EXPECT_LT(worst_exact, 1e-6) << "mV";
  EXPECT_LT(worst_rkf, 1e-3) << "mV (aeif_cond_alpha, RKF45)";
  // every connection (the devices' too) in NEST's order: right after the Connect calls made after the first run
  // (NEST lists them at once), after their weights were set before the next run, and at the end (the STDP weights
  // after their updates, from the weight set)
  auto same_connections = [&](const json& cg, const json& cw, const std::string& when) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < cw.at("source").size(); ++i) {
      if (n >= cg.at("source").size()) break;
      EXPECT_EQ(cg.at("source")[n], cw.at("source")[i]) << when << ", connection " << n;
      EXPECT_EQ(cg.at("target")[n], cw.at("target")[i]) << when << ", connection " << n;
      EXPECT_NEAR(cg.at("weight")[n].get<double>(), cw.at("weight")[i].get<double>(),
                  1e-9 * std::abs(cw.at("weight")[i].get<double>())) << when << ", connection " << n;
      EXPECT_NEAR(cg.at("delay")[n].get<double>(), cw.at("delay")[i].get<double>(), 1e-9) << when << ", connection " << n;
      ++n;
    }
    EXPECT_EQ(n, cg.at("source").size()) << when;
    EXPECT_EQ(n, cw.at("source").size()) << when << ": NEST lists more";
    return n;
  };
  const json& snapshots = r.at("connections_at");
  ASSERT_EQ(snapshots.size(), run.connections_at.size());
  for (std::size_t s = 0; s < snapshots.size(); ++s)
    EXPECT_EQ(same_connections(run.connections_at[s], snapshots[s], "before the second run, query " + std::to_string(s)),
              28u);  // 12 between neurons, 16 of devices
  EXPECT_EQ(same_connections(k.get_connections(), r.at("connections"), "at the end"), 28u);
}

TEST(NestLateDevices, WhatCannotBeAddedAfterSimulateIsRefusedByName) {
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  EXPECT_THROW(k.create("iaf_psc_alpha", 2, {{"tau_m", -1.0}}), parameter_error);  // before the first Simulate too
  EXPECT_THROW(k.create("spike_recorder", 1, {{"start", 10.0}, {"stop", 5.0}}), parameter_error);
  const auto n = k.create("iaf_psc_alpha", 3, {{"I_e", 400.0}});
  EXPECT_EQ(n.first_id, 1u) << "a refused Create takes no ids";
  const auto sr = k.create("spike_recorder", 1);
  const auto cd = k.create("correlation_detector", 1);
  k.connect(n.slice(0, 1), n.slice(1, 2), "all_to_all", {{"weight", 10.0}, {"delay", 1.0}});
  k.connect(n.slice(0, 1), n.slice(2, 3), "all_to_all", {{"weight", 10.0}, {"delay", 2.0}});
  k.connect(n, sr, "all_to_all", json::object());
  k.simulate(30.0);
  const std::uint64_t next = cd.first_id + 1;
  const auto message = [](auto&& f) { return test::error_text(f); };
  EXPECT_NE(message([&] { k.create("gif_pop_psc_exp", 1); }).find("Create('gif_pop_psc_exp') after Simulate()"),
            std::string::npos);
  EXPECT_NE(message([&] { k.create("correlation_detector", 1); }).find("it creates neurons, the generators"),
            std::string::npos);
  EXPECT_NE(message([&] { k.create("iaf_psc_alpha", 2, {{"tau_m", -1.0}}); }).find("tau_m"), std::string::npos);
  EXPECT_NE(message([&] { k.connect(n.slice(1, 2), cd, "all_to_all", json::object()); })
                .find("Connect(iaf_psc_alpha -> correlation_detector) after Simulate()"),
            std::string::npos);
  EXPECT_NE(message([&] { k.connect(n.slice(1, 2), n.slice(0, 1), "all_to_all", {{"delay", 2.5}}); })
                .find("min_delay 1 ms and max_delay 2 ms"),
            std::string::npos);
  EXPECT_NE(message([&] { k.set_defaults("static_synapse", {{"weight", 2.0}}); }).find("has connections"),
            std::string::npos);
  const auto dc = k.create("dc_generator", 1, {{"amplitude", 100.0}});
  EXPECT_EQ(dc.first_id, next) << "a refused Create takes no ids";
  k.copy_model("static_synapse", "static_later", {{"weight", 3.0}});  // a new model, for connections to come
  for (double d : {0.5, 2.5}) {
    const std::string m = message([&] { k.connect(dc, n.slice(0, 1), "all_to_all", {{"delay", d}}); });
    EXPECT_NE(m.find("delay"), std::string::npos) << m;
    EXPECT_NE(m.find("min_delay 1 ms and max_delay 2 ms"), std::string::npos) << m;
  }
  EXPECT_NE(message([&] { k.set_status(sr, {{"record_to", "ascii"}}); }).find("record_to"), std::string::npos);
  EXPECT_NE(message([&] { k.set_status(sr, {{"start", 0.05}}); }).find("multiple of the resolution"), std::string::npos);
  // the refused calls changed nothing: the run goes on with the same spikes as a kernel that never saw them
  k.simulate(20.0);
  nest::kernel plain({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto pn = plain.create("iaf_psc_alpha", 3, {{"I_e", 400.0}});
  const auto psr = plain.create("spike_recorder", 1);
  plain.create("correlation_detector", 1);
  plain.connect(pn.slice(0, 1), pn.slice(1, 2), "all_to_all", {{"weight", 10.0}, {"delay", 1.0}});
  plain.connect(pn.slice(0, 1), pn.slice(2, 3), "all_to_all", {{"weight", 10.0}, {"delay", 2.0}});
  plain.connect(pn, psr, "all_to_all", json::object());
  plain.simulate(30.0);
  plain.simulate(20.0);
  EXPECT_EQ(k.get_events(sr), plain.get_events(psr));
  EXPECT_GE(k.get_events(sr).at("times").size(), 3u);
}

}  // namespace test_nest_late_devices
