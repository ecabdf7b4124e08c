// Gap junctions (engine/gap_junction.hpp): I_i = sum_j g_ij (V_j - V_i), explicit in time (the V at the start of
// the step, held over it). References are computed here, independently of the engine: closed forms of the
// explicit scheme for two passive IF cells, and a plain matrix iteration of the discrete linear system for a few
// coupled cells. brainpy.state's IF: V <- R I + (V - R I) exp(-dt/tau), R in GOhm, I in pA.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "host/simulator.hpp"
#include "models/brainpy_if.hpp"
#include "models/lif.hpp"
#include "models/spike_sources.hpp"

namespace volley::test_gap_junctions {  // its own namespace: the tests compile in unity batches
namespace {

using namespace units::literals;

constexpr double dt = 0.1;      // ms
constexpr double tau = 10.0;    // ms
constexpr double R = 0.1;       // GOhm
constexpr double g = 2.0;       // nS: gR = 0.2

models::if_params passive() {  // no threshold crossing in these tests
  models::if_params p;
  p.R = units::resistance_q(R);
  p.tau = units::time_q(tau);
  p.V_th = units::voltage_q(1e9);
  return p;
}

run_options on_threads(int n) {
  run_options o;
  o.threads = n;
  return o;
}

connection_rule explicit_pairs(std::vector<index_t> s, std::vector<index_t> t) {
  connection_rule r;
  r.kind = rule_kind::explicit_list;
  r.sources = std::move(s);
  r.targets = std::move(t);
  return r;
}

// V of every neuron of `pop` after each step, [step][batch][neuron].
std::vector<double> run_trace(network& net, const std::string& pop, int steps, int threads = 1) {
  simulator sim(net, on_threads(threads));
  sim.record_trace({pop, "V", {}, 0.0_ms});
  sim.run(units::time_q(steps * dt));
  const auto& v = sim.record().traces[0].values;
  return {v.begin(), v.end()};
}

// Two passive cells, V = 10 mV and -4 mV, coupled symmetrically: with d = exp(-dt/tau) the explicit scheme gives
//   V1 - V2 <- (d - 2 g R (1 - d)) (V1 - V2)      and      V1 + V2 <- d (V1 + V2)
// (IF leaks towards 0 mV, so the sum decays as if uncoupled: the coupling itself moves no net charge).
TEST(GapJunctions, TwoCellsSymmetricDifferenceAndSum) {
  network net({.dt = units::time_q(dt)});
  auto& p = net.add_population<models::IF>("P", 2, passive());
  p.set_state(models::IF::V, 0, 10.0);
  p.set_state(models::IF::V, 1, -4.0);
  net.connect_gap("P", "P", explicit_pairs({0}, {1}), quantity_value(units::conductance_q(g)));
  const int steps = 400;
  const auto v = run_trace(net, "P", steps);
  const double d = std::exp(-dt / tau), rate = d - 2 * g * R * (1 - d);
  double worst_diff = 0, worst_sum = 0;
  for (int n = 1; n <= steps; ++n) {
    const double v1 = v[2 * (n - 1)], v2 = v[2 * (n - 1) + 1];
    worst_diff = std::max(worst_diff, std::abs((v1 - v2) - 14.0 * std::pow(rate, n)) / (14.0 * std::pow(rate, n)));
    worst_sum = std::max(worst_sum, std::abs((v1 + v2) - 6.0 * std::pow(d, n)) / (6.0 * std::pow(d, n)));
  }
  std::printf("[gap] two cells: V1-V2 rate %.12f per step, worst relative error %.2e; V1+V2 worst %.2e\n", rate,
              worst_diff, worst_sum);
  EXPECT_LT(worst_diff, 1e-12);
  EXPECT_LT(worst_sum, 1e-12);
  // and the coupling is there at all: the difference decays faster than the leak alone
  EXPECT_LT(std::abs(v[2 * (steps - 1)] - v[2 * (steps - 1) + 1]), 0.5 * 14.0 * std::pow(d, steps));
}

// Directed junction 0 -> 1: cell 0 evolves exactly as if alone, cell 1 follows V1 <- d V1 + R (1 - d) g (V0 - V1).
TEST(GapJunctions, AsymmetricFeedsOnlyTheTarget) {
  auto make = [](bool coupled) {
    auto net = std::make_unique<network>(network_options{.dt = units::time_q(dt)});
    auto& p = net->add_population<models::IF>("P", 2, passive());
    p.set_state(models::IF::V, 0, 10.0);
    p.set_state(models::IF::V, 1, -4.0);
    if (coupled)
      net->connect_gap("P[0:1]", "P[1:2]", explicit_pairs({0}, {0}), quantity_value(units::conductance_q(g)), false);
    return net;
  };
  auto coupled = make(true), alone = make(false);
  ASSERT_EQ(coupled->gap_projections().size(), 1u);
  const int steps = 300;
  const auto v = run_trace(*coupled, "P", steps), u = run_trace(*alone, "P", steps);
  const double d = std::exp(-dt / tau);
  double v0 = 10, v1 = -4, worst = 0;
  for (int n = 1; n <= steps; ++n) {
    v1 = d * v1 + R * (1 - d) * g * (v0 - v1);
    v0 = d * v0;
    EXPECT_EQ(v[2 * (n - 1)], u[2 * (n - 1)]) << "the source must not feel a directed junction (step " << n << ")";
    worst = std::max(worst, std::abs(v[2 * (n - 1) + 1] - v1) / (1 + std::abs(v1)));
  }
  std::printf("[gap] asymmetric: target worst relative error %.2e\n", worst);
  EXPECT_LT(worst, 1e-12);
  double felt = 0;  // the target did feel the source
  for (int k = 1; k < 2 * steps; k += 2) felt = std::max(felt, std::abs(v[k] - u[k]));
  EXPECT_GT(felt, 0.5);
}

// A constant current into one cell of 7 coupled cells in two populations (symmetric within A, symmetric across
// A-B, one directed junction inside B, per-pair conductances), batch of 2 with different initial V per instance:
// compared with V <- d V + R (1 - d) (I_ext + G V) iterated here, G built from the same pair list.
TEST(GapJunctions, CurrentStepSpreadsAsTheLinearSystem) {
  constexpr int na = 3, nb = 4, n = na + nb, batch = 2;
  network net({.dt = units::time_q(dt), .batch = batch});
  auto& a = net.add_population<models::IF>("A", na, passive());
  auto& b = net.add_population<models::IF>("B", nb, passive());
  std::vector<double> v0(batch * n);
  for (int k = 0; k < batch; ++k)
    for (int i = 0; i < n; ++i) {
      v0[k * n + i] = (k == 0 ? 0.0 : 3.0 - 1.5 * i);
      auto& p = i < na ? a : b;
      p.state(models::IF::V)[k * p.size() + (i < na ? i : i - na)] = v0[k * n + i];
    }
  std::vector<std::vector<double>> G(n, std::vector<double>(n, 0.0));  // G[i][j]: g of j into i (nS)
  auto link = [&](int i, int j, double gij, bool both) {
    G[j][i] += gij;  // i -> j: j receives from i
    if (both) G[i][j] += gij;
  };
  quantity_value wa(1.0_nS), wab(1.0_nS), wb(1.0_nS);
  wa.per_item = {15.0, 7.0};
  net.connect_gap("A", "A", explicit_pairs({0, 1}, {1, 2}), wa);
  link(0, 1, 15.0, true);
  link(1, 2, 7.0, true);
  wab.per_item = {20.0, 4.0};
  net.connect_gap("A", "B", explicit_pairs({2, 0}, {0, 3}), wab);
  link(2, na + 0, 20.0, true);
  link(0, na + 3, 4.0, true);
  wb.per_item = {30.0, 10.0};
  net.connect_gap("B", "B", explicit_pairs({0, 1}, {1, 2}), wb, false);
  link(na + 0, na + 1, 30.0, false);
  link(na + 1, na + 2, 10.0, false);
  net.add_constant_current("A[0:1]", 100.0_pA);

  simulator sim(net, on_threads(2));
  sim.record_trace({"A", "V", {}, 0.0_ms});
  sim.record_trace({"B", "V", {}, 0.0_ms});
  const int steps = 500;
  sim.run(units::time_q(steps * dt));
  const auto& ta = sim.record().traces[0].values;
  const auto& tb = sim.record().traces[1].values;

  const double d = std::exp(-dt / tau);
  std::vector<double> v = v0, next(v.size());
  double worst = 0, spread = 0;
  for (int s = 0; s < steps; ++s) {
    for (int k = 0; k < batch; ++k)
      for (int i = 0; i < n; ++i) {
        double current = i == 0 ? 100.0 : 0.0;
        for (int j = 0; j < n; ++j) current += G[i][j] * (v[k * n + j] - v[k * n + i]);
        next[k * n + i] = d * v[k * n + i] + R * (1 - d) * current;
      }
    v = next;
    for (int k = 0; k < batch; ++k)
      for (int i = 0; i < n; ++i) {
        const double got = i < na ? ta[(s * batch + k) * na + i] : tb[(s * batch + k) * nb + i - na];
        worst = std::max(worst, std::abs(got - v[k * n + i]) / (1 + std::abs(v[k * n + i])));
      }
  }
  spread = v[na + 2];  // two junctions away from the injected cell, through a directed link
  std::printf("[gap] 7 cells, batch 2: worst relative error %.2e over %d steps (V of B[2] at the end %.4f mV)\n",
              worst, steps, spread);
  EXPECT_LT(worst, 1e-12);
  EXPECT_GT(spread, 0.1);  // the current did spread (from 0 mV)
  EXPECT_EQ(net.gap_projections().size(), 4u);  // A<->A, A->B and B->A (two populations), B->B
}

// 1 and 2 threads: the same spikes and the same V bits (a network large enough to split the gap phase).
TEST(GapJunctions, BitwiseSameForOneAndTwoThreads) {
  auto make = [] {
    auto net = std::make_unique<network>(network_options{.dt = 0.1_ms, .seed = 5});
    models::lif_params p = models::LIF::defaults();
    p.R = units::resistance_q(0.1);
    p.tau = 10.0_ms;
    p.V_th = 10.0_mV;
    net->add_population<models::LIF>("P", 3001, p);
    net->add_poisson_input("P", 2000.0_Hz, quantity_value(0.5_mV));
    connection_rule r;
    r.kind = rule_kind::fixed_probability;
    r.probability = 0.01;
    net->connect_gap("P", "P", r, quantity_value::uniform(0.5_nS, 3.0_nS));
    return net;
  };
  auto run = [&](int threads, std::vector<double>& v, std::vector<index_t>& spikes) {
    auto net = make();
    simulator sim(*net, on_threads(threads));
    sim.record_spikes("P");
    sim.record_trace({"P", "V", {0, 1, 1500, 3000}, 0.0_ms});
    sim.run(50.0_ms);
    v.assign(sim.record().traces[0].values.begin(), sim.record().traces[0].values.end());
    spikes = sim.record().spikes[0].neuron;
  };
  std::vector<double> v1, v2;
  std::vector<index_t> s1, s2;
  run(1, v1, s1);
  run(2, v2, s2);
  EXPECT_GT(s1.size(), 100u);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(v1, v2);
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const parameter_error& e) {
    return e.what();
  }
  return "(no parameter_error)";
}

TEST(GapJunctions, Errors) {
  network net;
  net.add_population<models::IF>("P", 10, passive());
  net.add_population<models::PoissonSpike>("S", 10);
  connection_rule all;
  std::string e = error_of([&] { net.connect_gap("P", "P", all, quantity_value(0.1_mV)); });
  EXPECT_NE(e.find("gap junction 'P<->P'"), std::string::npos) << e;
  EXPECT_NE(e.find("parameter 'weight'"), std::string::npos) << e;
  EXPECT_NE(e.find("conductance"), std::string::npos) << e;
  e = error_of([&] { net.connect_gap("P", "P", all, quantity_value(units::conductance_q(-0.5)), false); });
  EXPECT_NE(e.find("gap junction 'P->P'"), std::string::npos) << e;
  EXPECT_NE(e.find("-0.5 nS"), std::string::npos) << e;
  EXPECT_NE(e.find(">= 0 nS"), std::string::npos) << e;
  e = error_of([&] { net.connect_gap("P", "P", all, quantity_value::normal(0.1_nS, 1.0_nS)); });
  EXPECT_NE(e.find("parameter 'weight'"), std::string::npos) << e;
  EXPECT_NE(e.find(">= 0 nS"), std::string::npos) << e;
  e = error_of([&] { net.connect_gap("S", "P", all, quantity_value(0.1_nS)); });
  EXPECT_NE(e.find("parameter 'source'"), std::string::npos) << e;
  EXPECT_NE(e.find("PoissonSpike"), std::string::npos) << e;
  e = error_of([&] { net.connect_gap("P", "S", all, quantity_value(0.1_nS), false); });
  EXPECT_NE(e.find("parameter 'target'"), std::string::npos) << e;
  EXPECT_TRUE(net.gap_projections().empty());  // nothing half-built

  // spec files
  auto spec_error_of = [](const std::string& gap) {
    const std::string text = R"({"dt": "0.1 ms", "duration": "1 ms",
      "populations": [{"name": "I", "model": "IF", "size": 5}], "gap_junctions": [)" + gap + "]}";
    try {
      load_spec_text(text);
    } catch (const user_error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const std::string rule = R"("rule": {"kind": "all_to_all"})";
  e = spec_error_of(R"({"source": "I", "target": "I", )" + rule + R"(, "weight": "0.1 mV"})");
  EXPECT_NE(e.find("gap junction 'I<->I'"), std::string::npos) << e;
  EXPECT_NE(e.find("parameter 'weight'"), std::string::npos) << e;
  e = spec_error_of(R"({"source": "I", "target": "I", )" + rule + R"(, "weight": "-1 nS", "symmetric": false})");
  EXPECT_NE(e.find("gap junction 'I->I'"), std::string::npos) << e;
  EXPECT_NE(e.find("-1 nS"), std::string::npos) << e;
  e = spec_error_of(R"({"source": "I", "target": "I", )" + rule + R"(, "weight": "1 nS", "symmetric": "yes"})");
  EXPECT_NE(e.find("gap_junctions[0]"), std::string::npos) << e;
  EXPECT_NE(e.find("parameter 'symmetric'"), std::string::npos) << e;
  e = spec_error_of(R"({"source": "I", "target": "I", )" + rule + R"(, "weight": "1 nS", "delay": "1 ms"})");
  EXPECT_NE(e.find("unknown field 'delay'"), std::string::npos) << e;
  EXPECT_EQ(spec_error_of(R"({"source": "I", "target": "I", )" + rule + R"(, "weight": "0.1 nS"})"), "(no error)");
}

// Golomb-Hansel synchrony chi^2 = Var_t(mean_i V_i) / mean_i Var_t(V_i), from V of every neuron every 0.1 ms
// after a 100 ms transient: 1 for identical cells, ~1/N for independent ones.
double synchrony(const trace_record& t, std::size_t n, double from_ms) {
  std::size_t first = 0;
  while (first < t.samples() && t.times_ms[first] < from_ms) ++first;
  const std::size_t m = t.samples() - first;
  std::vector<double> mean_t(m, 0.0), sum(n, 0.0), sum2(n, 0.0);
  for (std::size_t s = 0; s < m; ++s)
    for (std::size_t i = 0; i < n; ++i) {
      const double x = t.values[(first + s) * n + i];
      mean_t[s] += x / double(n);
      sum[i] += x;
      sum2[i] += x * x;
    }
  double var_mean = 0, mm = 0, mean_var = 0;
  for (double x : mean_t) mm += x / double(m);
  for (double x : mean_t) var_mean += (x - mm) * (x - mm) / double(m);
  for (std::size_t i = 0; i < n; ++i) mean_var += (sum2[i] / double(m) - sum[i] * sum[i] / double(m * m)) / double(n);
  return var_mean / mean_var;
}

// examples/gap_junction.json: the same network with and without its gap junctions.
TEST(GapJunctions, ExampleGapJunctionsIncreaseSynchrony) {
  std::ifstream in(std::string(VOLLEY_SOURCE_DIR) + "/examples/gap_junction.json");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  auto measure = [&](bool with_gap) {
    nlohmann::json j = nlohmann::json::parse(ss.str());
    if (!j.contains("gap_junctions")) {
      ADD_FAILURE() << "the example has no gap junctions";
      return 0.0;
    }
    if (!with_gap) j.erase("gap_junctions");
    loaded_spec spec = load_spec_text(j.dump());
    const std::size_t n = spec.net->find("I").size();
    EXPECT_EQ(spec.net->gap_projections().empty(), !with_gap);
    simulator sim(*spec.net, on_threads(2));
    sim.record_spikes("I");
    sim.record_trace({"I", "V", {}, 0.1_ms});
    sim.run(units::time_q(spec.duration_ms));
    const double chi = synchrony(sim.record().traces[0], n, 100.0);
    const double rate = double(sim.record().spikes[0].size()) / double(n) / (spec.duration_ms / 1000.0);
    std::printf("[gap] example %s gap junctions: synchrony chi^2 = %.3f, mean rate %.1f Hz\n",
                with_gap ? "with" : "without", chi, rate);
    return chi;
  };
  const double without = measure(false), with = measure(true);
  EXPECT_GT(with, 2.0 * without);
  EXPECT_GT(with, 0.3);
}

}  // namespace
}  // namespace volley::test_gap_junctions
