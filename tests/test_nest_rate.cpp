// NEST's rate models (models/nest_rate.hpp; the NEST layer's part in host/nest_rate.cpp) against NEST 3.10 and
// against closed forms.
//
// Against NEST (tests/reference/nest_rate.json and nest_rate_networks.json, written by
// tools/nest_reference/make_rate_references.py), noise off: each reference is a small layer script (nodes,
// rate_connection_delayed / _instantaneous connections, step_rate_generators, use_wfr) replayed through the NEST
// layer; every recorded rate (and opn's noisy_rate) at every step equals NEST's within 1e-9 (relative to
// max(1, |x|)): every model driven by generators, networks of each ipn and opn model with ex and in weights, a loop,
// an instantaneous connection, mult_coupling, linear_summation false and rectify_output; transformers between
// neurons; waveform relaxation (use_wfr true) with an instantaneous sender starting at rate 0; a generator window.
// Closed forms: stationary mean mu / lambda and variance sigma^2 / (2 lambda) of an ipn neuron without input; the
// variance sigma^2 h / tau after n steps for lambda = 0; opn's noisy_rate - rate variance sigma^2 tau / h; noise =
// sigma xi; over several seeds, 5 %.
// Errors: bad parameters, rate <-> spike connections, spiking synapses between rate nodes and rate synapses between
// spiking neurons, spike recorders and current generators on rate neurons, opn senders of instantaneous
// connections with use_wfr, linear_summation false with senders of another gain.
// Planted bugs, each caught (then removed): no step-0 preload of a generator whose delay is min_delay (6e-2 off);
// mult_coupling's factors from the new rate instead of the step's start (3e-3); instantaneous connections carrying
// the start-of-step rate (3e-2); the generator's active window one step early (0.28); opn's noise factor sqrt(h/tau)
// (variance 1e-3 for 1.2); ipn's noise factor without the 1/2 (variance 0.32 for 0.16); no wfr step-0 preload
// of the instantaneous senders' initial rates (0.6).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "models/nest_rate.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_rate {

using namespace volley;
using namespace volley::nest_ref;

namespace {

struct replay_result {
  double worst = 0;  // largest |volley - NEST| / max(1, |NEST|)
  std::string where;
  std::size_t samples = 0;
};

// Runs one reference case through the NEST layer and compares every recorded trace.
replay_result replay(const json& c) {
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
  replay_result r;
  for (const auto& [node, mm] : meters) {
    const json ev = k.get_events(mm);
    const std::size_t n = made[std::stoul(node)].count;
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
            std::snprintf(buf, sizeof buf, "node %s[%zu].%s step %zu: volley %.15g NEST %.15g", node.c_str(), i,
                          name.c_str(), s, x, y);
            r.where = buf;
          }
        }
    }
  }
  return r;
}

void replay_file(const char* file) {
  const json ref = load_reference(file);
  double worst = 0;
  for (const auto& c : ref.at("cases")) {
    const replay_result r = replay(c);
    EXPECT_GT(r.samples, 0u) << c.at("name");
    EXPECT_LE(r.worst, 1e-9) << c.at("name") << ": " << r.where;
    worst = std::max(worst, r.worst);
  }
  std::printf("%s: %zu cases, worst relative difference %.3g\n", file, ref.at("cases").size(), worst);
}

}  // namespace

TEST(NestRate, GeneratorsTransformersAndWfrMatchNest) { replay_file("nest_rate"); }

TEST(NestRate, NetworksOfEveryModelMatchNest) { replay_file("nest_rate_networks"); }

// ---------------------------------------------------------------------------------------------------------------
// Noise against closed forms.

namespace {

struct moments {
  double mean = 0, var = 0;
};
moments of(const real_t* x, std::size_t n) {
  moments m;
  for (std::size_t i = 0; i < n; ++i) m.mean += x[i];
  m.mean /= double(n);
  for (std::size_t i = 0; i < n; ++i) m.var += (x[i] - m.mean) * (x[i] - m.mean);
  m.var /= double(n - 1);
  return m;
}

}  // namespace

TEST(NestRate, InputNoiseReachesTheStationaryOrnsteinUhlenbeckVariance) {
  // tau d r = (-lambda r + mu) dt + sqrt(tau) sigma dW: mean mu / lambda, variance sigma^2 / (2 lambda), exactly in
  // the discrete exponential update; 20000 independent neurons after 12 correlation times (tau / lambda)
  constexpr index_t n = 20000;
  for (std::uint64_t seed : {1, 2, 3}) {
    network net({.dt = units::time_q(0.1), .seed = seed});
    models::tanh_rate_ipn::params p;
    p.tau = units::time_q(5.0);
    p.lambda = units::dimensionless_q(2.0);
    p.sigma = units::dimensionless_q(0.8);
    p.mu = units::dimensionless_q(0.6);
    net.add_population<models::tanh_rate_ipn>("R", n, p);
    simulator sim(net);
    const auto stats = sim.run(units::time_q(30.0));
    EXPECT_EQ(stats.populations[0].spikes, 0u) << "rates are not spikes";
    const moments m = of(net.find("R").state(models::tanh_rate_ipn::rate), n);
    const double var = 0.8 * 0.8 / (2 * 2.0), mean = 0.6 / 2.0;
    EXPECT_NEAR(m.var, var, 0.05 * var) << "seed " << seed;
    EXPECT_NEAR(m.mean, mean, 5 * std::sqrt(var / n)) << "seed " << seed;
    const moments z = of(net.find("R").state(models::tanh_rate_ipn::noise), n);
    EXPECT_NEAR(z.var, 0.64, 0.05 * 0.64) << "noise = sigma xi";
  }
}

TEST(NestRate, InputNoiseWithoutDecayIsARandomWalk) {
  // lambda = 0: Euler-Maruyama, r_k = r_0 + sqrt(h / tau) sigma (xi_1 + ... + xi_k): variance k h sigma^2 / tau
  constexpr index_t n = 20000;
  for (std::uint64_t seed : {4, 5}) {
    network net({.dt = units::time_q(0.1), .seed = seed});
    models::lin_rate_ipn::params p;
    p.tau = units::time_q(4.0);
    p.lambda = units::dimensionless_q(0.0);
    p.sigma = units::dimensionless_q(0.5);
    net.add_population<models::lin_rate_ipn>("R", n, p);
    simulator sim(net);
    sim.run(units::time_q(10.0));  // 100 steps
    const double var = 100 * 0.1 * 0.25 / 4.0;
    EXPECT_NEAR(of(net.find("R").state(models::lin_rate_ipn::rate), n).var, var, 0.05 * var) << "seed " << seed;
  }
}

TEST(NestRate, OutputNoiseAddsWhiteNoiseOfVarianceSigmaSquaredTauOverH) {
  constexpr index_t n = 20000;
  for (std::uint64_t seed : {6, 7}) {
    network net({.dt = units::time_q(0.1), .seed = seed});
    models::threshold_lin_rate_opn::params p;
    p.tau = units::time_q(3.0);
    p.sigma = units::dimensionless_q(0.2);
    p.mu = units::dimensionless_q(1.5);
    net.add_population<models::threshold_lin_rate_opn>("R", n, p);
    simulator sim(net);
    sim.run(units::time_q(5.0));
    auto& pop = net.find("R");
    std::vector<real_t> diff(n);
    // noisy_rate was formed from the rate before the last update: the noise is noisy_rate - that rate
    const double P1 = std::exp(-0.1 / 3.0), P2 = -std::expm1(-0.1 / 3.0);
    for (index_t i = 0; i < n; ++i) {
      const double before = (pop.state(models::threshold_lin_rate_opn::rate)[i] - P2 * 1.5) / P1;
      diff[i] = static_cast<real_t>(pop.state(models::threshold_lin_rate_opn::noisy_rate)[i] - before);
    }
    const double var = 0.04 * 3.0 / 0.1;
    const moments m = of(diff.data(), n);
    EXPECT_NEAR(m.var, var, 0.05 * var) << "seed " << seed;
    EXPECT_NEAR(m.mean, 0.0, 5 * std::sqrt(var / n)) << "seed " << seed;
    // the rate itself is deterministic: mu (1 - e^{-t/tau}) for every neuron
    const double r = 1.5 * -std::expm1(-5.0 / 3.0);
    EXPECT_NEAR(pop.state(models::threshold_lin_rate_opn::rate)[0], r, 1e-12);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, as NEST refuses them.

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(NestRate, BadParametersAreRefusedNamingThem) {
  nest::kernel k;
  for (const auto& [model, key, value] :
       std::vector<std::tuple<std::string, std::string, double>>{{"lin_rate_ipn", "tau", 0.0},
                                                                 {"tanh_rate_ipn", "lambda", -0.1},
                                                                 {"sigmoid_rate_ipn", "sigma", -1.0},
                                                                 {"threshold_lin_rate_ipn", "rectify_rate", -0.5},
                                                                 {"lin_rate_opn", "tau", -2.0},
                                                                 {"tanh_rate_opn", "sigma", -0.1},
                                                                 {"gauss_rate_ipn", "std", -1.0}}) {
    const std::string e = error_of([&, &model = model, &key = key, &value = value] { k.create(model, 1, {{key, value}}); });
    EXPECT_NE(e.find(key), std::string::npos) << model << ": " << e;
  }
  EXPECT_NE(error_of([&] {
              k.create("lin_rate_ipn", 1, {{"linear_summation", 1.5}});
            }).find("true or false"),
            std::string::npos);
}

TEST(NestRate, RateAndSpikeNodesStayApart) {
  auto refused = [](const std::function<void(nest::kernel&)>& f, const char* expect) {
    nest::kernel k;
    const std::string e = error_of([&] {
      f(k);
      k.simulate(1.0);
    });
    EXPECT_NE(e.find(expect), std::string::npos) << e;
  };
  const json delayed = {{"synapse_model", "rate_connection_delayed"}, {"weight", 0.5}, {"delay", 1.0}};
  const json instant = {{"synapse_model", "rate_connection_instantaneous"}, {"weight", 0.5}};
  refused([&](nest::kernel& k) { k.connect(k.create("lin_rate_ipn"), k.create("LIF"), "all_to_all", delayed); },
          "signal types differ");
  refused([&](nest::kernel& k) { k.connect(k.create("LIF"), k.create("tanh_rate_ipn"), "all_to_all", delayed); },
          "signal types differ");
  refused([&](nest::kernel& k) { k.connect(k.create("lin_rate_ipn"), k.create("lin_rate_ipn")); },
          "rate_connection_delayed or rate_connection_instantaneous");
  refused([&](nest::kernel& k) { k.connect(k.create("LIF"), k.create("LIF"), "all_to_all", delayed); },
          "connects rate nodes");
  refused([&](nest::kernel& k) { k.connect(k.create("lin_rate_ipn"), k.create("spike_recorder")); }, "record 'rate'");
  refused([&](nest::kernel& k) { k.connect(k.create("dc_generator"), k.create("lin_rate_ipn")); },
          "step_rate_generator");
  refused([&](nest::kernel& k) { k.connect(k.create("step_rate_generator"), k.create("LIF"), "all_to_all", delayed); },
          "signal types differ");
  refused(
      [&](nest::kernel& k) { k.connect(k.create("lin_rate_opn"), k.create("lin_rate_opn"), "all_to_all", instant); },
      "use_wfr");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("tanh_rate_ipn", 1, {{"g", 2.0}}),
                  k.create("tanh_rate_ipn", 1, {{"linear_summation", false}}), "all_to_all", delayed);
      },
      "linear_summation");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("tanh_rate_ipn"), k.create("sigmoid_rate_ipn", 1, {{"linear_summation", false}}),
                  "all_to_all", delayed);
      },
      "linear_summation");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("lin_rate_ipn"), k.create("lin_rate_ipn"), "all_to_all",
                  {{"synapse_model", "rate_connection_instantaneous"}, {"delay", 2.0}});
      },
      "delay");
  // an opn sender of an instantaneous connection is fine without waveform relaxation
  nest::kernel k({.use_wfr = false});
  k.connect(k.create("lin_rate_opn"), k.create("lin_rate_opn"), "all_to_all", instant);
  EXPECT_NO_THROW(k.simulate(1.0));
}

TEST(NestRate, OldParameterNamesSetTheNewOnes) {
  // NEST: mean and std are the older names of mu and sigma; gauss_rate_ipn's mu and sigma set its gain's as well
  nest::kernel k;
  const auto a = k.create("tanh_rate_ipn", 1, {{"mean", 0.5}, {"std", 0.0}, {"tau", 1.0}});
  const auto g = k.create("gauss_rate_ipn", 1, {{"mu", 0.5}, {"sigma", 0.4}, {"std", 0.0}, {"tau", 1.0}});
  const auto ma = k.create("multimeter", 1, {{"interval", 0.1}, {"record_from", {"rate"}}});
  const auto mg = k.create("multimeter", 1, {{"interval", 0.1}, {"record_from", {"rate"}}});
  k.connect(ma, a);
  k.connect(mg, g);
  k.simulate(1.0);
  const std::vector<double> r{k.get_events(ma).at("rate").at(0).get<double>(),
                              k.get_events(mg).at("rate").at(0).get<double>()};
  const double P2 = -std::expm1(-0.1);  // lambda 1, tau 1
  EXPECT_NEAR(r[0], P2 * 0.5 + P2 * std::tanh(0.0), 1e-15) << "tanh: mean is mu";
  // gauss: drive mu = 0.5 and input(0) = exp(-(0 - 0.5)^2 / (2 * 0.4^2)) with the gain's mu = 0.5, sigma = 0.4
  EXPECT_NEAR(r[1], P2 * 0.5 + P2 * std::exp(-0.25 / 0.32), 1e-15) << "gauss: mu sets both";
}

}  // namespace test_nest_rate
