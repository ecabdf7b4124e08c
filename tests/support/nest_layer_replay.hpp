#pragma once
// Replays a NEST layer script recorded from NEST (tools/nest_reference/make_astro_references.py's case format:
// copy_models, nodes, connections, multimeters at an interval, spike_recorders) through volley's NEST layer and
// compares every trace sample (relative to max(1, |NEST|)) and every spike (sender and time within 1e-9 ms).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "host/nest_layer.hpp"
#include "tests/support/nest_reference.hpp"

namespace volley::nest_ref {

struct replay_result {
  double worst = 0;
  std::string where;
  std::size_t samples = 0;
  std::size_t spikes = 0;
};

inline replay_result replay(const json& c) {
  const double h = c.at("resolution").get<double>();
  nest::kernel k({.resolution_ms = h, .rng_seed = 1, .local_num_threads = 1});
  for (const auto& m : c.value("copy_models", json::array())) k.copy_model(m[0], m[1], m[2]);
  std::vector<nest::node_collection> made;
  for (const auto& n : c.at("nodes")) made.push_back(k.create(n.at("model"), n.at("n"), n.at("params")));
  for (const auto& e : c.at("connections"))
    k.connect(made[e.at("pre").get<std::size_t>()], made[e.at("post").get<std::size_t>()],
              e.value("conn_spec", json("all_to_all")), e.at("syn_spec"));
  std::vector<std::pair<std::string, nest::node_collection>> meters, recorders;
  for (const auto& [node, vars] : c.at("record").items()) {
    const auto mm = k.create("multimeter", 1, {{"interval", c.at("interval")}, {"record_from", vars}});
    k.connect(mm, made[std::stoul(node)]);
    meters.emplace_back(node, mm);
  }
  for (const auto& [node, spikes] : c.at("spikes").items()) {
    const auto sr = k.create("spike_recorder");
    k.connect(made[std::stoul(node)], sr);
    recorders.emplace_back(node, sr);
  }
  k.simulate(c.at("t_sim").get<double>());
  replay_result r;
  for (const auto& [node, mm] : meters) {
    const json ev = k.get_events(mm);
    const std::size_t n = made[std::stoul(node)].count;
    const auto times = nest_ref::sample_major(ev, "times");
    const auto& want_times = c.at("times");
    EXPECT_EQ(times.size(), want_times.size() * n) << c.at("name") << " " << node;
    for (std::size_t s = 0; s < want_times.size() && s * n < times.size(); ++s)
      EXPECT_NEAR(times[s * n], want_times[s].get<double>(), 1e-9) << c.at("name") << " sample " << s;
    for (const auto& v : c.at("record").at(node)) {
      const std::string name = v.get<std::string>();
      const auto ours = nest_ref::sample_major(ev, name);         // samples x nodes
      const auto& theirs = c.at("traces").at(node + "." + name);  // node-major
      const std::size_t samples = theirs.size() / n;
      EXPECT_EQ(ours.size(), theirs.size()) << c.at("name") << " " << node << "." << name;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t s = 0; s < samples && s * n + i < ours.size(); ++s) {
          const double x = ours[s * n + i], y = theirs[i * samples + s].get<double>();
          const double d = std::abs(x - y) / std::max(1.0, std::abs(y));
          ++r.samples;
          if (!(d <= r.worst)) {
            r.worst = std::isnan(d) ? INFINITY : d;
            char buf[200];
            std::snprintf(buf, sizeof buf, "node %s[%zu].%s sample %zu: volley %.15g NEST %.15g", node.c_str(), i,
                          name.c_str(), s, x, y);
            r.where = buf;
          }
        }
    }
  }
  for (const auto& [node, sr] : recorders) {
    const json ev = k.get_events(sr);
    const auto senders = ev.at("senders").get<std::vector<std::uint64_t>>();
    const auto times = ev.at("times").get<std::vector<double>>();
    const auto& want = c.at("spikes").at(node);
    EXPECT_EQ(times.size(), want.size()) << c.at("name") << " spikes of node " << node;
    for (std::size_t i = 0; i < want.size() && i < times.size(); ++i) {
      EXPECT_EQ(senders[i] - made[std::stoul(node)].first_id, want[i][0].get<std::uint64_t>()) << node << " " << i;
      EXPECT_NEAR(times[i], want[i][1].get<double>(), 1e-9) << c.at("name") << " node " << node << " spike " << i;
    }
    r.spikes += want.size();
  }
  return r;
}

inline void replay_file(const char* file, std::size_t min_spikes, double tolerance) {
  const json ref = load_reference(file);
  for (const auto& c : ref.at("cases")) {
    const replay_result r = replay(c);
    EXPECT_GT(r.samples, 0u) << c.at("name");
    EXPECT_GE(r.spikes, min_spikes) << c.at("name");
    EXPECT_LE(r.worst, tolerance) << c.at("name") << ": " << r.where;
    std::printf("%s/%s: %zu samples, %zu spikes, worst relative difference %.3g (%s)\n", file,
                c.at("name").get<std::string>().c_str(), r.samples, r.spikes, r.worst, r.where.c_str());
  }
}

}  // namespace volley::nest_ref
