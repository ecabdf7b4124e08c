// NEST's siegert_neuron and diffusion_connection (models/siegert_neuron.hpp, host/nest_siegert.cpp) against NEST
// 3.10 and against exact values.
//
// Siegert's rate (tests/reference/siegert_neuron.json "gain", tools/nest_reference/make_siegert_references.py):
// 504 values of NEST over four parameter sets (white and coloured noise) and a grid of mu (-3 to 20 theta) and
// sigma^2 (1e-4 to 1e5 mV^2), 92 of them cut to 0 by NEST: the same zeros; relative difference below 1e-10 for
// sigma >= 0.1 mV (worst 4.9e-11), below 5e-9 at sigma = 0.01 mV, where NEST's own quadrature is off by up to
// 2.3e-9 (mu = 20 theta) while volley's is within 1e-13 of the exact value. Exact values (tests/reference/
// siegert_exact.json, mpmath at 30 digits, tools/nest_reference/make_siegert_exact.py): 312 values, sigma from 1e-5
// to 1e3 mV, mu from -10 to 1000 theta: relative difference below 1e-13 (worst 2.7e-14). The noise-free limit.
// Networks (the "cases", NEST layer scripts replayed through volley's NEST layer): a Brunel-type E/I mean-field
// network with a drive node and a network of mixed parameters (tau_syn > 0, receptor_type 1, self-connections,
// negative drift, mean), without waveform relaxation and with it (NEST run to convergence: wfr_tol 1e-12): every
// rate at every step within 1e-12 relative to max(1, |rate|). NEST's default wfr_tol (1e-4) stops its iterations
// early: up to 4e-8 from the converged rates (the "wfr_default" runs, reported, not asserted).
// Errors: bad parameters; siegert_neuron with other nodes or synapses; weight, delay, receptor_type 2 in a
// diffusion_connection. Random rules: the drift and diffusion projections get the same synapses.
// Planted bugs, each caught (then removed): alpha instead of alpha / 2 in the boundaries' shift (rates 0.998 off);
// 2 instead of 10 terms of erfcx's asymptotic integral (2.7e-8); NEST's cut-off at 7 instead of 6 (NEST's zeros
// become non-zero); the upper integral's panels stopped at exponent 6 instead of 60 (3.6e-3); no step-0 preload
// under waveform relaxation (mixed_wfr 7.4e-3); diffusion_connection with 2 steps of delay (0.35); 1 - P1 + 1e-6
// as the mean's factor (6e-5).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "host/nest_layer.hpp"
#include "models/siegert_neuron.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_siegert {

using namespace volley;
using namespace volley::nest_ref;

namespace {

double siegert_of(const json& v) {
  const json& p = v.at("params");
  return models::siegert_detail::siegert(p.at("theta").get<double>(), p.at("V_reset").get<double>(),
                                         p.at("tau_m").get<double>(), p.at("tau_syn").get<double>(),
                                         p.at("t_ref").get<double>(), v.at("mu").get<double>(),
                                         v.at("sigma2").get<double>());
}

struct worst_case {
  double rel = 0;
  std::string where;
  void add(double ours, const json& v) {
    const double theirs = v.at("rate").get<double>();
    const double d = theirs == 0 ? (ours == 0 ? 0 : INFINITY) : std::abs(ours - theirs) / theirs;
    if (!(d <= rel)) {
      rel = std::isnan(d) ? INFINITY : d;
      char buf[240];
      std::snprintf(buf, sizeof buf, "mu %.17g sigma2 %.17g theta %g tau_syn %g: volley %.17g reference %.17g",
                    v.at("mu").get<double>(), v.at("sigma2").get<double>(), v.at("params").at("theta").get<double>(),
                    v.at("params").at("tau_syn").get<double>(), ours, theirs);
      where = buf;
    }
  }
};

}  // namespace

TEST(NestSiegert, RateMatchesNestOverRegimes) {
  const json ref = load_reference("siegert_neuron");
  worst_case noisy, all;
  std::size_t zeros = 0;
  for (const auto& v : ref.at("gain")) {
    const double ours = siegert_of(v);
    zeros += v.at("rate").get<double>() == 0;
    all.add(ours, v);
    if (v.at("sigma2").get<double>() >= 0.01) noisy.add(ours, v);
  }
  EXPECT_GT(zeros, 50u);  // NEST's cut-off is exercised
  EXPECT_LE(noisy.rel, 1e-10) << noisy.where;
  EXPECT_LE(all.rel, 5e-9) << all.where;
  std::printf("siegert vs NEST: %zu values (%zu zeros), worst relative %.3g (sigma >= 0.1 mV: %.3g)\n",
              ref.at("gain").size(), zeros, all.rel, noisy.rel);
}

TEST(NestSiegert, RateMatchesExactValues) {
  const json ref = load_reference("siegert_exact");
  worst_case w;
  for (const auto& v : ref.at("values")) w.add(siegert_of(v), v);
  EXPECT_LE(w.rel, 1e-13) << w.where;
  std::printf("siegert vs mpmath: %zu values, worst relative %.3g\n", ref.at("values").size(), w.rel);
}

TEST(NestSiegert, NoiseFreeLimit) {
  using models::siegert_detail::siegert;
  // sigma = 0: the deterministic LIF rate above threshold (NEST aborts in GSL), 0 at and below it
  const double exact = 1e3 / (2.0 + 5.0 * std::log(20.0 / 5.0));
  EXPECT_NEAR(siegert(15, 0, 5, 0, 2, 20, 0) / exact, 1.0, 1e-15);
  EXPECT_EQ(siegert(15, 0, 5, 0, 2, 15, 0), 0.0);
  EXPECT_EQ(siegert(15, 0, 5, 0, 2, 14.9, 0), 0.0);
  // tiny sigma approaches it (the next order is O(sigma^2 / (mu - theta)^2))
  EXPECT_NEAR(siegert(15, 0, 5, 0, 2, 20, 1e-12) / exact, 1.0, 1e-12);
  EXPECT_NEAR(siegert(15, 0, 5, 2, 2, 20, 1e-12) / exact, 1.0, 1e-6);
  EXPECT_TRUE(std::isnan(siegert(15, 0, 5, 0, 2, 20, -1)));
}

// ---------------------------------------------------------------------------------------------------------------

namespace {

double replay(const json& c) {
  const double h = c.at("resolution").get<double>();
  nest::kernel k({.resolution_ms = h, .rng_seed = 1, .local_num_threads = 1, .use_wfr = c.at("use_wfr").get<bool>()});
  std::vector<nest::node_collection> made;
  for (const auto& n : c.at("nodes")) made.push_back(k.create(n.at("model"), n.at("n"), n.at("params")));
  for (const auto& e : c.at("connections"))
    k.connect(made[e.at("pre").get<std::size_t>()], made[e.at("post").get<std::size_t>()],
              e.value("conn_spec", json("all_to_all")), e.at("syn_spec"));
  std::vector<std::pair<std::string, nest::node_collection>> meters;
  for (const auto& [node, vars] : c.at("record").items()) {
    const auto mm = k.create("multimeter", 1, {{"interval", h}, {"record_from", vars}});
    k.connect(mm, made[std::stoul(node)]);
    meters.emplace_back(node, mm);
  }
  k.simulate(c.at("t_sim").get<double>());
  double worst = 0;
  std::string where;
  for (const auto& [node, mm] : meters) {
    const json ev = k.get_events(mm);
    const std::size_t n = made[std::stoul(node)].count;
    const auto ours = nest_ref::sample_major(ev, "rate");       // samples x nodes
    const auto& theirs = c.at("traces").at(node + ".rate");      // nodes x samples
    EXPECT_EQ(ours.size(), theirs.size()) << c.at("name") << " " << node;
    const std::size_t samples = theirs.size() / n;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t s = 0; s < samples && s * n + i < ours.size(); ++s) {
        const double x = ours[s * n + i], y = theirs[i * samples + s].get<double>();
        const double d = std::abs(x - y) / std::max(1.0, std::abs(y));
        if (!(d <= worst)) {
          worst = std::isnan(d) ? INFINITY : d;
          where = "node " + node + "[" + std::to_string(i) + "] step " + std::to_string(s) + ": volley " +
                  std::to_string(x) + " NEST " + std::to_string(y);
        }
      }
  }
  EXPECT_LE(worst, 1e-12) << c.at("name") << ": " << where;
  return worst;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(NestSiegert, NetworksMatchNest) {
  const json ref = load_reference("siegert_neuron");
  for (const auto& c : ref.at("cases")) {
    const double w = replay(c);
    std::printf("%s: worst relative difference %.3g\n", c.at("name").get<std::string>().c_str(), w);
  }
}

TEST(NestSiegert, BadParametersAreRefused) {
  nest::kernel k;
  for (const auto& [key, value, expect] : std::vector<std::tuple<std::string, double, std::string>>{
           {"tau", 0.0, "tau"},
           {"tau_m", -1.0, "tau_m"},
           {"tau_syn", -0.5, "tau_syn"},
           {"t_ref", -1.0, "t_ref"},
           {"V_reset", 15.0, "Reset potential must be smaller than threshold"},
           {"theta", -1.0, "Reset potential must be smaller than threshold"}}) {
    const std::string e = error_of([&] { k.create("siegert_neuron", 1, {{key, value}}); });
    EXPECT_NE(e.find(expect), std::string::npos) << key << ": " << e;
  }
  // "mean" is the siegert_neuron's own parameter (not the rate models' old name of mu)
  EXPECT_EQ(error_of([&] { k.create("siegert_neuron", 1, {{"mean", 3.0}}); }), "");
}

TEST(NestSiegert, ConnectionsFollowNestsRules) {
  auto refused = [](const std::function<void(nest::kernel&)>& f, const char* expect) {
    nest::kernel k;
    const std::string e = error_of([&] {
      f(k);
      k.simulate(1.0);
    });
    EXPECT_NE(e.find(expect), std::string::npos) << expect << ": " << e;
  };
  const json diffusion = {{"synapse_model", "diffusion_connection"}, {"drift_factor", 0.5}};
  const json instant = {{"synapse_model", "rate_connection_instantaneous"}, {"weight", 0.5}};
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("siegert_neuron"), k.create("lin_rate_ipn"), "all_to_all", diffusion);
      },
      "does not support diffusion input");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("lin_rate_ipn"), k.create("siegert_neuron"), "all_to_all", diffusion);
      },
      "does not support diffusion output");
  refused([&](nest::kernel& k) { k.connect(k.create("LIF"), k.create("LIF"), "all_to_all", diffusion); },
          "does not support diffusion output");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("siegert_neuron"), k.create("siegert_neuron"), "all_to_all", instant);
      },
      "diffusion_connection");
  refused([&](nest::kernel& k) { k.connect(k.create("siegert_neuron"), k.create("siegert_neuron")); },
          "diffusion_connection");
  refused([&](nest::kernel& k) { k.connect(k.create("siegert_neuron"), k.create("spike_recorder")); }, "multimeter");
  refused([&](nest::kernel& k) { k.connect(k.create("poisson_generator"), k.create("siegert_neuron")); },
          "siegert_neuron");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("step_rate_generator"), k.create("siegert_neuron"), "all_to_all",
                  {{"synapse_model", "rate_connection_delayed"}});
      },
      "diffusion");
  for (const auto& [key, value, expect] :
       std::vector<std::tuple<std::string, json, std::string>>{{"weight", 2.0, "drift_factor and diffusion_factor"},
                                                               {"delay", 1.0, "has no delay"},
                                                               {"receptor_type", 2, "0 or 1"},
                                                               {"drift_factor", "x", "drift_factor"}}) {
    json spec = diffusion;
    spec[key] = value;
    refused(
        [&](nest::kernel& k) { k.connect(k.create("siegert_neuron"), k.create("siegert_neuron"), "all_to_all", spec); },
        expect.c_str());
  }
}

TEST(NestSiegert, RandomRulesGiveDriftAndDiffusionTheSameSynapses) {
  nest::kernel k;
  const auto a = k.create("siegert_neuron", 20, {{"mean", 5.0}});
  const auto b = k.create("siegert_neuron", 30);
  k.connect(a, b, {{"rule", "fixed_indegree"}, {"indegree", 4}},
            {{"synapse_model", "diffusion_connection"}, {"drift_factor", 0.3}, {"diffusion_factor", 0.2}});
  k.connect(b, b, {{"rule", "pairwise_bernoulli"}, {"p", 0.2}},
            {{"synapse_model", "diffusion_connection"}, {"drift_factor", -0.1}, {"diffusion_factor", 0.05}});
  k.simulate(1.0);
  const auto& p = k.net().projections();
  ASSERT_EQ(p.size(), 4u);
  for (std::size_t i = 0; i < 4; i += 2) {
    EXPECT_EQ(p[i].row_ptr, p[i + 1].row_ptr);
    EXPECT_EQ(p[i].targets16, p[i + 1].targets16);
    EXPECT_EQ(p[i].targets32, p[i + 1].targets32);
    EXPECT_NE(p[i].channel, p[i + 1].channel);
  }
  EXPECT_EQ(p[0].size(), 120u);  // 4 per target
  const json conns = k.get_connections(a, b);
  EXPECT_EQ(conns.at("source").size(), 120u);
}

}  // namespace test_nest_siegert
