#pragma once
// NEST reference cases of the form spike_generator -> parrot_neuron -> correlation device, rebuilt through the NEST
// layer and compared with NEST's GetStatus after every Simulate call (tests/reference/nest_detectors.json's
// parrot_cases, nest_multiplicity.json's detector_cases).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "host/nest_layer.hpp"

namespace volley::nest_parrot {

using json = nest::json;

// Largest |a - b| over two equally shaped nested lists of numbers; -1 when the shapes differ.
inline double worst_difference(const json& a, const json& b) {
  if (a.is_array() != b.is_array()) return -1;
  if (!a.is_array()) return std::abs(a.get<double>() - b.get<double>());
  if (a.size() != b.size()) return -1;
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = worst_difference(a[i], b[i]);
    if (d < 0) return -1;
    worst = std::max(worst, d);
  }
  return worst;
}

struct parrot_network {
  std::vector<nest::node_collection> generators;
  nest::node_collection parrots, detector;
};

// The case's network, created in NEST's order (same global ids): generators, parrots, detector.
inline parrot_network build_parrot_case(nest::kernel& k, const json& c) {
  parrot_network n;
  for (const auto& g : c.at("generators"))
    n.generators.push_back(k.create("spike_generator", 1, {{"spike_times", g.at("spike_times")}}));
  n.parrots = k.create("parrot_neuron", c.at("generators").size());
  for (std::size_t i = 0; i < n.generators.size(); ++i)
    k.connect(n.generators[i], n.parrots[i], "all_to_all", {{"delay", c.at("generators")[i].at("delay")}});
  n.detector = k.create(c.at("detector").get<std::string>(), 1, c.at("params"));
  for (const auto& cn : c.at("connections"))
    k.connect(n.parrots[cn.at("parrot").get<std::uint64_t>()], n.detector, "all_to_all",
              {{"receptor_type", cn.at("receptor_type")}, {"weight", cn.at("weight")}, {"delay", cn.at("delay")}});
  return n;
}


// Rebuilds case c and expects NEST's detector status after every Simulate: counts and Kahan's correction exactly
// (the same additions in the same order give the same bits), weighted sums within 1e-12.
inline void expect_parrot_case_equals_nest(const json& c) {
  const std::string name = c.at("name").get<std::string>();
  nest::kernel k({.resolution_ms = c.at("dt").get<double>(), .local_num_threads = 1});
  const parrot_network n = build_parrot_case(k, c);
  const auto resets = c.value("reset_after", json::array());
  double worst = 0;
  long long pairs = 0;
  for (std::size_t s = 0; s < c.at("sims").size(); ++s) {
    k.simulate(c.at("sims")[s].get<double>());
    const json got = k.get_status(n.detector);
    const json& want = c.at("results")[s];
    for (const auto& [key, value] : want.items()) {
      ASSERT_TRUE(got.contains(key)) << name << ": GetStatus lacks " << key;
      const double d = worst_difference(got.at(key), value);
      ASSERT_GE(d, 0) << name << " after Simulate " << s << ": " << key << " has another shape than NEST's: "
                      << got.at(key).dump().substr(0, 200) << " vs " << value.dump().substr(0, 200);
      if (key == "n_events" || key.rfind("count_", 0) == 0 || key == "histogram_correction") {
        EXPECT_EQ(got.at(key), value) << name << " after Simulate " << s << ": " << key;
      } else {
        EXPECT_LE(d, 1e-12) << name << " after Simulate " << s << ": " << key;
        worst = std::max(worst, d);
      }
    }
    const json& counts = want.contains("count_histogram") ? want.at("count_histogram") : want.at("count_covariance");
    pairs = static_cast<long long>(counts.flatten().size());
    if (std::find(resets.begin(), resets.end(), json(s)) != resets.end())
      k.set_status(n.detector, {{"n_events", {0, 0}}});
  }
  std::printf("%-24s %-24s %zu runs, worst |weighted - NEST| %.3g (%lld bins)\n", name.c_str(),
              c.at("detector").get<std::string>().c_str(), c.at("sims").size(), worst, pairs);
}

}  // namespace volley::nest_parrot
