// Short-term plasticity (models/short_term_plasticity.hpp): the per-spike update against Tsodyks-Markram closed
// forms and recursions written here, against brainpy.state's per-step update order, and through networks (the
// receptor's g is the superposition of weight * efficacy), per batch instance, for 1 and 2 threads, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "host/simulator.hpp"
#include "models/brainpy_if.hpp"
#include "models/lif.hpp"
#include "models/short_term_plasticity.hpp"
#include "models/spike_sources.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_stp {

using namespace volley;
using namespace volley::units::literals;

namespace {

constexpr double dt = 0.1;  // ms

// Efficacies of spikes emitted in `steps` by one source, through the engine's per-spike update.
std::vector<double> engine_efficacies(const models::plasticity_params& p, const std::vector<std::uint64_t>& steps,
                                      double step_ms = dt) {
  const auto c = models::plasticity_constants_for(p, step_ms);
  double u = models::initial_u(c), x = 1.0, y = 0.0;
  std::uint64_t since = 0;
  std::vector<double> e;
  for (auto n : steps) e.push_back(models::plasticity_on_spike(c, u, x, y, since, n));
  return e;
}

// Reference written independently: continuous-time Tsodyks-Markram with brainpy.state's output u+ x+, spikes at
// times t_k (ms), state u = U, x = 1 at t = 0.
std::vector<double> reference_stp(double U, double tau_f, double tau_d, const std::vector<double>& t) {
  std::vector<double> e;
  double u_plus = U, x_plus = 1.0, last = 0.0;
  for (double tk : t) {
    const double u_minus = u_plus * std::exp(-(tk - last) / tau_f);
    const double x_minus = 1.0 - (1.0 - x_plus) * std::exp(-(tk - last) / tau_d);
    u_plus = U + (1.0 - U) * u_minus;
    x_plus = x_minus * (1.0 - u_plus);
    e.push_back(u_plus * x_plus);
    last = tk;
  }
  return e;
}

std::vector<std::uint64_t> periodic_steps(int period_steps, int count) {
  std::vector<std::uint64_t> s;
  for (int k = 1; k <= count; ++k) s.push_back(std::uint64_t(k) * period_steps - 1);  // spike k at time k T
  return s;
}

run_options on_threads(int n) {
  run_options o;
  o.threads = n;
  return o;
}

models::if_params quiet() {  // an IF neuron that never fires
  models::if_params p;
  p.V_th = 1e9_mV;
  return p;
}

double max_rel(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (std::size_t k = 0; k < a.size(); ++k) m = std::max(m, std::abs(a[k] - b[k]) / std::abs(b[k]));
  return m;
}

}  // namespace

// Periodic train: the u of the k-th spike against its geometric closed form, efficacies against the recursion,
// and the steady state against u*, x* (in this convention: u+ and x- at steady state; efficacy u* x* (1 - u*)).
TEST(StpTrain, PeriodicTrainMatchesClosedFormsAndSteadyState) {
  const double U = 0.15, tf = 1500, td = 200;
  for (int period : {200, 500, 1000}) {  // 50, 20, 10 Hz
    const double T = period * dt;
    const auto steps = periodic_steps(period, 400);
    std::vector<double> t;
    for (auto n : steps) t.push_back(double(n + 1) * dt);
    const auto e = engine_efficacies(models::stp_params{}, steps);
    const auto ref = reference_stp(U, tf, td, t);
    double err = 0;
    for (std::size_t k = 0; k < e.size(); ++k) err = std::max(err, std::abs(e[k] - ref[k]));
    EXPECT_LT(err, 1e-12) << "T = " << T;
    // u after the k-th jump: u_k = u* + (u_1 - u*) q^(k-1), q = (1 - U) e^{-T/tau_f}
    const double q = (1 - U) * std::exp(-T / tf), u_star = U / (1 - q);
    const auto c = models::plasticity_constants_for(models::stp_params{}, dt);
    double u = U, x = 1, y = 0, u_err = 0;
    std::uint64_t since = 0;
    const double u1 = U + (1 - U) * U * std::exp(-T / tf);
    for (std::size_t k = 0; k < 60; ++k) {
      models::plasticity_on_spike(c, u, x, y, since, steps[k]);
      u_err = std::max(u_err, std::abs(u - (u_star + (u1 - u_star) * std::pow(q, double(k)))));
    }
    EXPECT_LT(u_err, 1e-12);
    const double ed = std::exp(-T / td);
    const double x_star = (1 - ed) / (1 - (1 - u_star) * ed);
    const double ss_err = std::abs(e.back() - u_star * x_star * (1 - u_star));
    EXPECT_LT(ss_err, 1e-9) << "T = " << T;
    std::printf("[stp] T = %g ms: recursion %.2g, closed-form u %.2g, steady state %.2g\n", T, err, u_err, ss_err);
  }
}

// Facilitation (small U, tau_f >> tau_d): efficacies grow towards the steady state; depression (large U, slow
// recovery): they fall. brainpy.state's defaults at 20 Hz depress (x recovers with 200 ms).
TEST(StpTrain, FacilitationAndDepression) {
  const auto fac = engine_efficacies(models::stp_params{units::dimensionless_q(0.05), 1500.0_ms, 20.0_ms},
                                     periodic_steps(500, 30));
  const auto dep = engine_efficacies(models::stp_params{units::dimensionless_q(0.6), 20.0_ms, 800.0_ms},
                                     periodic_steps(500, 30));
  for (std::size_t k = 1; k < 12; ++k) {  // (later, the approach to the steady state may overshoot slightly)
    EXPECT_GT(fac[k], fac[k - 1]) << k;
    EXPECT_LT(dep[k], dep[k - 1]) << k;
  }
  EXPECT_GT(fac.back(), 2.0 * fac.front());
  EXPECT_LT(dep.back(), 0.2 * dep.front());
  // after a long pause both recover: u back to U (relaxes to 0, then the jump adds U), x back to 1
  auto steps = periodic_steps(500, 30);
  steps.push_back(steps.back() + 1'000'000);  // 100 s later
  const auto rec = engine_efficacies(models::stp_params{}, steps);
  EXPECT_NEAR(rec.back(), 0.15 * (1 - 0.15), 1e-12);
}

// STD alone: x after the k-th jump is geometric, x_k = x* + (x_1 - x*) q^(k-1) with q = (1 - U) e^{-T/tau}.
TEST(StpStd, PeriodicTrainMatchesClosedForm) {
  const double U = 0.07, tau = 200;
  const models::std_params defaults{};
  EXPECT_EQ(defaults.tau.value, tau);
  EXPECT_EQ(defaults.U.value, U);
  for (int period : {100, 250, 2000}) {
    const double T = period * dt, ed = std::exp(-T / tau), q = (1 - U) * ed;
    const auto e = engine_efficacies(defaults, periodic_steps(period, 300));
    const double x1 = 1 - U;  // from x = 1 (it relaxes towards 1: stays 1)
    const double x_plus_star = (1 - U) * (1 - ed) / (1 - q);
    double err = 0;
    for (std::size_t k = 0; k < e.size(); ++k)
      err = std::max(err, std::abs(e[k] - (x_plus_star + (x1 - x_plus_star) * std::pow(q, double(k)))));
    EXPECT_LT(err, 1e-12) << "T = " << T;
    const double x_minus_star = (1 - ed) / (1 - (1 - U) * ed);  // the STP x* with u* = U
    EXPECT_LT(std::abs(e.back() - x_minus_star * (1 - U)), 1e-9);
    std::printf("[std] T = %g ms: closed form %.2g\n", T, err);
  }
}

// brainpy.state's STP.update, step by step: relax over dt (exact for these linear equations), then the jumps use
// u and x of the previous step, and the output is u x after the jumps. Our jumps use the relaxed values at the
// spike (continuous time), the limit dt -> 0 of brainpy.state's update: the difference is first order in dt
// (tenfold smaller at dt/10), 3e-6 on the first spike and about 1% in steady state at 20 Hz with dt = 0.1 ms
// (it grows in deep depression: x small). The classical output u+ x- would differ by the factor 1 - u+, 15% and
// more, so this also checks which x enters the efficacy.
TEST(StpBrainpyOrder, AgreesWithBrainpyStateStepUpdateToOrderDt) {
  const double U = 0.15, tf = 1500, td = 200;
  auto brainpy = [&](double h, int period, int count) {
    double u = U, x = 1;
    std::vector<double> out;
    for (int n = 0; out.size() < std::size_t(count); ++n) {
      const double ur = u * std::exp(-h / tf), xr = 1 - (1 - x) * std::exp(-h / td);
      const bool spike = (n + 1) % period == 0;
      const double un = ur + (spike ? U * (1 - u) : 0.0);
      const double xn = xr - (spike ? un * x : 0.0);
      u = un;
      x = xn;
      if (spike) out.push_back(u * x);
    }
    return out;
  };
  double diff[2], first[2];
  for (int r = 0; r < 2; ++r) {
    const double h = r == 0 ? 0.1 : 0.01;
    const int period = r == 0 ? 500 : 5000;  // 50 ms: 20 Hz
    const auto ours = engine_efficacies(models::stp_params{}, periodic_steps(period, 60), h);
    const auto theirs = brainpy(h, period, 60);
    diff[r] = max_rel(ours, theirs);
    first[r] = std::abs(ours[0] / theirs[0] - 1);
  }
  std::printf("[stp] vs brainpy.state step update at 20 Hz: max relative difference %.2g (dt 0.1 ms), %.2g (dt "
              "0.01 ms); first spike %.2g, %.2g\n",
              diff[0], diff[1], first[0], first[1]);
  EXPECT_LT(diff[0], 0.015);
  EXPECT_GT(diff[0], 5.0 * diff[1]);
  EXPECT_LT(first[0], 1e-5);
  EXPECT_GT(first[0], 5.0 * first[1]);
}

// One source driven by spike times into CUBA Expon receptors: g after each step is the superposition of
// weight * efficacy * exp(-(t - arrival)/tau). Homogeneous weight and delay (3 targets), per-synapse weights, and
// per-synapse weights and delays (each delivery loop); the run is split in two: u, x persist between runs.
TEST(StpNetwork, ReceptorConductanceIsWeightTimesEfficacySuperposed) {
  const std::vector<double> times{2.0, 5.0, 5.5, 12.3, 12.4, 30.0, 31.1, 80.0, 80.1, 80.2, 95.0};  // ms
  std::vector<std::uint64_t> emit;
  for (double t : times) emit.push_back(static_cast<std::uint64_t>(std::llround(t / dt)) - 1);
  const auto eff = reference_stp(0.15, 1500, 200, times);
  for (int mode : {0, 1, 2}) {
    const char* what[] = {"homogeneous", "per-synapse weights", "per-synapse weights and delays"};
    SCOPED_TRACE(what[mode]);
    network net({.dt = units::time_q(dt), .seed = 3});
    net.add_population<models::SpikeTime>("S", 2);
    net.add_population<models::IF>("N", 3, quiet());
    net.add_receptor("N", "exc", {8.0_ms}, models::cuba_params{});
    net.set_spike_schedule("S", std::vector<index_t>(times.size(), 1), [&] {
      std::vector<units::time_q> q;
      for (double t : times) q.emplace_back(t);
      return q;
    }());
    std::vector<double> w{20.0, 20.0, 20.0};
    std::vector<int> d{1, 1, 1};  // steps
    synapse_spec syn{"exc", 20.0_pA, 0.1_ms, models::stp_params{}};
    connection_rule rule;  // all-to-all
    if (mode > 0) {
      w = {20.0, -7.5, 3.0};
      rule.kind = rule_kind::explicit_list;
      rule.sources = {0, 0, 0};
      rule.targets = {0, 1, 2};
      syn.weight.per_item = w;
      syn.weight.dim = units::dims::current;
    }
    if (mode == 2) {
      d = {1, 5, 12};
      syn.delay.per_item = {0.1, 0.5, 1.2};
    }
    net.connect("S[1:2]", "N", rule, syn);
    simulator sim(net, on_threads(1));
    sim.record_trace({"N", "exc.g", {0, 1, 2}, 0.0_ms});
    sim.run(50.0_ms);
    sim.run(70.0_ms);
    const auto& g = sim.record().traces[0].values;
    ASSERT_EQ(g.size(), 1200u * 3);
    double err = 0;
    for (std::uint64_t m = 0; m < 1200; ++m)
      for (int i = 0; i < 3; ++i) {
        double ref = 0;
        for (std::size_t k = 0; k < times.size(); ++k) {
          const std::uint64_t arrival = emit[k] + d[i];  // the receptor adds it at the end of this step
          if (arrival <= m) ref += w[i] * eff[k] * std::exp(-double(m - arrival) * dt / 8.0);
        }
        err = std::max(err, std::abs(g[m * 3 + i] - ref));
      }
    EXPECT_LT(err, 1e-10);
    std::printf("[stp] network g vs closed form (%s): %.2g pA\n", what[mode], err);
  }
}

// Batch instances and sources keep their own u, x: Poisson sources with different trains per instance, each
// target's g against the superposition computed from each (instance, source)'s own train.
TEST(StpNetwork, BatchInstancesAndSourcesKeepSeparateState) {
  network net({.dt = units::time_q(dt), .seed = 5, .batch = 2});
  net.add_population<models::PoissonSpike>("P", 3, models::poisson_spike_params{80.0_Hz});
  net.add_population<models::IF>("N", 1, quiet());
  net.add_receptor("N", "exc", {8.0_ms}, models::cuba_params{});
  net.connect("P", "N", connection_rule{}, {"exc", 10.0_pA, 0.1_ms, models::std_params{}});
  simulator sim(net, on_threads(2));
  sim.record_spikes("P");
  sim.record_trace({"N", "exc.g", {0}, 0.0_ms});
  const std::uint64_t steps = 3000;
  sim.run(units::time_q(steps * dt));
  const auto& s = sim.record().spikes[0];
  const auto& g = sim.record().traces[0].values;  // [step][batch]
  std::vector<double> ref(steps * 2, 0.0);
  std::size_t n_spikes[2] = {0, 0};
  for (std::uint32_t b = 0; b < 2; ++b)
    for (index_t j = 0; j < 3; ++j) {
      std::vector<std::uint64_t> own;
      for (std::size_t k = 0; k < s.size(); ++k)
        if (s.batch[k] == b && s.neuron[k] == j) own.push_back(s.step[k]);
      n_spikes[b] += own.size();
      const auto e = engine_efficacies(models::std_params{}, own);
      for (std::size_t k = 0; k < own.size(); ++k)
        for (std::uint64_t m = own[k] + 1; m < steps; ++m)
          ref[m * 2 + b] += 10.0 * e[k] * std::exp(-double(m - own[k] - 1) * dt / 8.0);
    }
  EXPECT_GT(n_spikes[0], 40u);
  EXPECT_GT(n_spikes[1], 40u);
  double err = 0, diff_between = 0;
  for (std::uint64_t m = 0; m < steps; ++m) {
    err = std::max({err, std::abs(g[m * 2] - ref[m * 2]), std::abs(g[m * 2 + 1] - ref[m * 2 + 1])});
    diff_between = std::max(diff_between, double(std::abs(g[m * 2] - g[m * 2 + 1])));
  }
  EXPECT_LT(err, 1e-10);
  EXPECT_GT(diff_between, 1.0);  // the instances did see different trains
  std::printf("[stp] batch of 2, 3 sources each: g vs own-train closed form %.2g pA\n", err);
}

// Spikes and traces bitwise identical for 1 and 2 threads (the efficacy pre-pass and the target-parallel delivery).
TEST(StpNetwork, BitwiseIdenticalForOneAndTwoThreads) {
  auto run = [](int threads) {
    network net({.dt = 0.1_ms, .seed = 21, .batch = 2});
    net.add_population<models::PoissonSpike>("P", 2000, models::poisson_spike_params{100.0_Hz});
    models::lif_params lp = models::LIF::defaults();
    lp.R = units::resistance_q(0.1);
    net.add_population<models::LIF>("L", 501, lp);
    net.add_receptor("L", "exc", {5.0_ms}, models::cuba_params{});
    connection_rule rule;
    rule.kind = rule_kind::fixed_probability;
    rule.probability = 0.5;
    net.connect("P[0:1500]", "L", rule,
                {"exc", quantity_value::normal(3.0_pA, 1.0_pA), quantity_value::uniform(0.1_ms, 2.0_ms),
                 models::stp_params{}});
    net.connect("P[1500:2000]", "L", rule, {"exc", 2.0_pA, 0.5_ms, models::std_params{.tau = 100.0_ms}});
    simulator sim(net, on_threads(threads));
    sim.record_spikes("L");
    sim.record_trace({"L", "exc.g", {0, 250, 500}, 0.0_ms});
    sim.run(40.0_ms);
    return sim.record();
  };
  const auto a = run(1), b = run(2);
  ASSERT_GT(a.spikes[0].size(), 0u);
  EXPECT_EQ(a.spikes[0].step, b.spikes[0].step);
  EXPECT_EQ(a.spikes[0].neuron, b.spikes[0].neuron);
  EXPECT_EQ(a.spikes[0].batch, b.spikes[0].batch);
  EXPECT_EQ(a.traces[0].values, b.traces[0].values);
}

// A spec's "stp" builds the same projection as the C++ API (same g, bit for bit); parameters left out keep
// the defaults.
TEST(StpSpec, SpecEqualsApi) {
  const std::string text = R"({"dt": "0.1 ms", "duration": "30 ms", "seed": 4, "populations": [
    {"name": "S", "model": "SpikeTime", "size": 1},
    {"name": "N", "model": "IF", "size": 1, "params": {"V_th": "1e9 mV"},
     "receptors": [{"name": "exc", "synapse": "Expon", "output": "CUBA"}]}],
    "projections": [{"source": "S", "target": "N", "receptor": "exc", "rule": {"kind": "all_to_all"},
                     "weight": "5 pA", "stp": {"kind": "STP", "U": 0.3, "tau_f": "0.5 s"}}],
    "inputs": [{"kind": "spike_schedule", "target": "S", "indices": [0, 0, 0, 0], "times": ["1 ms", "3 ms",
                "4 ms", "20 ms"]}]})";
  auto spec = load_spec_text(text);
  const auto& pj = spec.net->projections()[0];
  ASSERT_TRUE(pj.plastic());
  EXPECT_EQ(pj.plasticity.U, 0.3);
  EXPECT_DOUBLE_EQ(pj.plasticity.inv_tau_f, 1.0 / 500.0);
  EXPECT_DOUBLE_EQ(pj.plasticity.inv_tau_d, 1.0 / 200.0);
  simulator a(*spec.net);
  a.record_trace({"N", "exc.g", {}, 0.0_ms});
  a.run(30.0_ms);

  network net({.dt = 0.1_ms, .seed = 4});
  net.add_population<models::SpikeTime>("S", 1);
  net.add_population<models::IF>("N", 1, quiet());
  net.add_receptor("N", "exc", {8.0_ms}, models::cuba_params{});
  net.set_spike_schedule("S", {0, 0, 0, 0}, {1.0_ms, 3.0_ms, 4.0_ms, 20.0_ms});
  net.connect("S", "N", connection_rule{},
              {"exc", 5.0_pA, 0.0_ms, models::stp_params{units::dimensionless_q(0.3), 500.0_ms}});
  simulator b(net);
  b.record_trace({"N", "exc.g", {}, 0.0_ms});
  b.run(30.0_ms);
  EXPECT_EQ(a.record().traces[0].values, b.record().traces[0].values);
  EXPECT_GT(b.record().traces[0].values.back(), 0.0);
}

// Bad values: parameter_error naming the projection, the parameter, the value and the range.
TEST(StpErrors, BadParametersAreRejectedWithTheirRange) {
  auto connect_with = [](const models::plasticity_params& p) {
    network net;
    net.add_population<models::IF>("A", 2);
    net.add_population<models::IF>("B", 2);
    net.connect("A", "B", connection_rule{}, {"", 1.0_mV, 0.1_ms, p}, "ab");
  };
  auto message = [&](const models::plasticity_params& p) -> std::string {
    try {
      connect_with(p);
    } catch (const parameter_error& e) {
      return e.what();
    }
    return "no error";
  };
  const double nan = std::nan("");
  const std::string u0 = message(models::stp_params{units::dimensionless_q(0.0)});
  EXPECT_NE(u0.find("projection 'ab'"), std::string::npos) << u0;
  EXPECT_NE(u0.find("'STP.U' = 0"), std::string::npos) << u0;
  EXPECT_NE(u0.find("(0, 1]"), std::string::npos) << u0;
  EXPECT_NE(message(models::stp_params{units::dimensionless_q(1.5)}).find("(0, 1]"), std::string::npos);
  EXPECT_NE(message(models::stp_params{units::dimensionless_q(nan)}).find("STP.U"), std::string::npos);
  const std::string tf = message(models::stp_params{.tau_f = units::time_q(-3.0)});
  EXPECT_NE(tf.find("'STP.tau_f' = -3 ms"), std::string::npos) << tf;
  EXPECT_NE(tf.find("a positive value in ms"), std::string::npos) << tf;
  EXPECT_NE(message(models::stp_params{.tau_d = units::time_q(0.0)}).find("STP.tau_d"), std::string::npos);
  EXPECT_NE(message(models::std_params{.tau = units::time_q(0.0)}).find("'STD.tau' = 0 ms"), std::string::npos);
  EXPECT_NE(message(models::std_params{.U = units::dimensionless_q(-0.1)}).find("STD.U"), std::string::npos);
  EXPECT_EQ(message(models::stp_params{units::dimensionless_q(1.0)}), "no error");  // U = 1 is allowed

  auto spec_error_of = [](const std::string& stp) -> std::string {
    const std::string text = R"({"dt": "0.1 ms", "duration": "1 ms", "populations": [{"name": "A", "model": "IF",
      "size": 2}], "projections": [{"name": "aa", "source": "A", "target": "A", "rule": {"kind": "all_to_all"},
      "weight": "1 mV", "stp": )" + stp + "}]}";
    try {
      load_spec_text(text);
    } catch (const user_error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(spec_error_of(R"({"kind": "STP", "U": 0})").find("'STP.U' = 0"), std::string::npos);
  EXPECT_NE(spec_error_of(R"({"kind": "STD", "tau": "-1 ms"})").find("'STD.tau' = -1 ms"), std::string::npos);
  EXPECT_NE(spec_error_of(R"({"kind": "STP", "tau_f": "15"})").find("stp.tau_f"), std::string::npos);  // no unit
  EXPECT_NE(spec_error_of(R"({"kind": "STD", "tau_d": "1 ms"})").find("stp.tau_d"), std::string::npos);
  EXPECT_NE(spec_error_of(R"({"kind": "LTP"})").find("one of: STP, STD"), std::string::npos);
  EXPECT_NE(spec_error_of(R"({"U": 0.2})").find("kind"), std::string::npos);
  EXPECT_EQ(spec_error_of(R"({"kind": "STD"})"), "no error");
}

}  // namespace test_stp
