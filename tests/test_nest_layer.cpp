// The NEST layer (host/nest_layer.hpp): generators against NEST 3.10's own traces (tests/reference/nest_devices.json,
// made by tools/nest_reference/make_device_references.py), the noise and Poisson generators against their
// definitions, recorders, connection rules and the errors a PyNEST user would hit.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "tests/support/error_text.hpp"
#include "engine/network.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "tests/support/multimeter_order.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_layer {

using namespace volley;
using nest::json;

namespace {

json load_devices_reference() {
  std::ifstream in(std::string(VOLLEY_SOURCE_DIR) + "/tests/reference/nest_devices.json");
  if (!in) throw std::runtime_error("cannot read tests/reference/nest_devices.json");
  return json::parse(in);
}

// An integrator that turns its input current into V: iaf_psc_delta with C_m = 1 pF and an infinite-like tau_m,
// so V after step k minus V after step k-1 is I_k * dt (pA * ms / pF = mV) for the current acting over step k.
json integrator_params() {
  return {{"C_m", 1.0}, {"tau_m", 1e12}, {"E_L", 0.0}, {"V_m", 0.0}, {"V_reset", 0.0}, {"V_th", 1e12}, {"t_ref", 0.0}};
}

// samples: a multimeter's V_m, samples x nodes (nest_ref::sample_major).
std::vector<double> per_step_current(const std::vector<double>& samples, std::size_t n_nodes, std::size_t node,
                                     double dt) {
  std::vector<double> v;
  for (std::size_t k = node; k < samples.size(); k += n_nodes) v.push_back(samples[k]);
  std::vector<double> current(v.size());
  for (std::size_t k = 0; k < v.size(); ++k) current[k] = (v[k] - (k ? v[k - 1] : 0.0)) / dt;
  return current;
}

}  // namespace

TEST(NestLayer, GeneratorsMatchNestAtEveryStep) {
  const json ref = load_devices_reference();
  const double dt = ref.at("dt_ms").get<double>();
  ASSERT_FALSE(ref.at("cases").empty());
  for (const auto& c : ref.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    nest::kernel k({.resolution_ms = dt});
    const auto n = k.create(ref.at("neuron").get<std::string>());
    const auto g = k.create(c.at("generator").get<std::string>(), 1, c.at("params"));
    k.connect(g, n, "all_to_all", {{"weight", c.at("weight")}, {"delay", c.at("delay")}});
    const auto mm = k.create("multimeter", 1, {{"interval", dt}, {"record_from", {"V_m"}}});
    k.connect(mm, n);
    const auto sr = k.create("spike_recorder");
    k.connect(n, sr);
    k.simulate(ref.at("t_sim_ms").get<double>());

    const json v = k.get_events(mm);
    const auto& nest_v = c.at("V_m");
    ASSERT_EQ(v.at("V_m").size(), nest_v.size()) << name;
    double worst = 0;
    std::size_t first_bad = nest_v.size();
    for (std::size_t i = 0; i < nest_v.size(); ++i) {
      const double d = std::abs(v.at("V_m")[i].get<double>() - nest_v[i].get<double>());
      if (d > 1e-6 && first_bad == nest_v.size()) first_bad = i;
      worst = std::max(worst, d);
    }
    EXPECT_LE(worst, 1e-6) << name << ": first sample over 1e-6 mV: " << first_bad << " (t = " << (first_bad + 1) * dt
                           << " ms)";
    std::vector<double> times;
    const json spikes = k.get_events(sr);
    for (const auto& t : spikes.at("times")) times.push_back(t.get<double>());
    const auto nest_times = c.at("spike_times_ms").get<std::vector<double>>();
    ASSERT_EQ(times.size(), nest_times.size()) << name;
    for (std::size_t i = 0; i < times.size(); ++i) EXPECT_NEAR(times[i], nest_times[i], 1e-9) << name;
    std::printf("%-24s max |V_m - NEST| %.2g mV, %zu spikes\n", name.c_str(), worst, times.size());
  }
}

TEST(NestLayer, ReferenceCasesExerciseWindowsDelaysAndSpikes) {
  const json ref = load_devices_reference();
  std::set<std::string> generators;
  int spiking = 0;
  for (const auto& c : ref.at("cases")) {
    generators.insert(c.at("generator").get<std::string>());
    spiking += !c.at("spike_times_ms").empty();
  }
  EXPECT_EQ(generators, (std::set<std::string>{"dc_generator", "ac_generator", "step_current_generator",
                                               "spike_generator"}));
  EXPECT_GE(spiking, 4);
}

TEST(NestLayer, NoiseGeneratorHoldsGaussianValuesForItsIntervalIndependentlyPerTarget) {
  // NEST's noise_generator: a fresh value mean + std xi per target every dt_noise, held in between.
  const double dt = 0.1, mean = 40.0, sd = 100.0, hold = 1.0, delay = 0.5;
  const int nodes = 400;
  nest::kernel k({.resolution_ms = dt, .rng_seed = 7});
  const auto n = k.create("iaf_psc_delta", nodes, integrator_params());
  const auto g = k.create("noise_generator", 1, {{"mean", mean}, {"std", sd}, {"dt", hold}});
  k.connect(g, n, "all_to_all", {{"delay", delay}});
  const auto mm = k.create("multimeter", 1, {{"interval", dt}, {"record_from", {"V_m"}}});
  k.connect(mm, n);
  k.simulate(200.0);
  const json ev = k.get_events(mm);
  const auto V = nest_ref::sample_major(ev, "V_m");
  const int hold_steps = 10, first = static_cast<int>(std::lround((delay + dt) / dt));  // block grid origin
  double sum = 0, sum2 = 0, cross = 0;
  long count = 0;
  std::vector<double> previous;
  for (int i = 0; i < nodes; ++i) {
    const auto I = per_step_current(V, nodes, i, dt);
    ASSERT_EQ(I.size(), 2000u);
    for (int s = 0; s < first; ++s) ASSERT_NEAR(I[s], 0.0, 1e-6) << "before the delay has passed";
    for (std::size_t s = first; s + hold_steps <= I.size(); s += hold_steps) {
      for (int j = 1; j < hold_steps; ++j) ASSERT_NEAR(I[s + j], I[s], 1e-6 * sd) << "held over a block, node " << i;
      sum += I[s];
      sum2 += I[s] * I[s];
      ++count;
    }
    if (!previous.empty()) {
      double c = 0;
      for (std::size_t s = first; s < I.size(); s += hold_steps) c += (I[s] - mean) * (previous[s] - mean);
      cross += c;
    }
    previous = I;
  }
  const double m = sum / count, var = sum2 / count - m * m;
  EXPECT_NEAR(m, mean, 4 * sd / std::sqrt(double(count)));
  EXPECT_NEAR(std::sqrt(var), sd, 0.02 * sd);
  // neighbouring targets are independent: their correlation is within a few standard errors of zero
  const double corr = cross / (sd * sd * double(count - count / nodes));
  EXPECT_LT(std::abs(corr), 4.0 / std::sqrt(double(count)));
}

TEST(NestLayer, NoiseGeneratorStdModModulatesTheVariance) {
  // std(t)^2 = std^2 + std_mod^2 sin(2 pi f t + phase): at f = 5 Hz the variance of blocks starting in the first
  // half of each 200 ms period exceeds that of the second half by about 2 std_mod^2 (2/pi) ... measured, not fitted:
  // the two halves' variances average std^2 +- std_mod^2 * 2/pi.
  const double dt = 0.1, sd = 100.0, mod = 90.0;
  const int nodes = 300;
  nest::kernel k({.resolution_ms = dt, .rng_seed = 3});
  const auto n = k.create("iaf_psc_delta", nodes, integrator_params());
  const auto g = k.create("noise_generator", 1, {{"std", sd}, {"std_mod", mod}, {"frequency", 5.0}, {"dt", 1.0}});
  k.connect(g, n, "all_to_all", {{"delay", 0.1}});
  const auto mm = k.create("multimeter", 1, {{"interval", dt}, {"record_from", {"V_m"}}});
  k.connect(mm, n);
  k.simulate(400.0);
  const json ev = k.get_events(mm);
  const auto V = nest_ref::sample_major(ev, "V_m");
  double v_pos = 0, v_neg = 0;
  long n_pos = 0, n_neg = 0;
  for (int i = 0; i < nodes; ++i) {
    const auto I = per_step_current(V, nodes, i, dt);
    for (std::size_t s = 2; s < I.size(); s += 10) {
      const double t_block = double(s - 2) * dt;  // the generator's clock
      (std::sin(2 * M_PI * 5e-3 * t_block) > 0 ? v_pos : v_neg) += I[s] * I[s];
      (std::sin(2 * M_PI * 5e-3 * t_block) > 0 ? n_pos : n_neg) += 1;
    }
  }
  const double expect_pos = sd * sd + mod * mod * 2 / M_PI, expect_neg = sd * sd - mod * mod * 2 / M_PI;
  EXPECT_NEAR(v_pos / n_pos, expect_pos, 0.05 * expect_pos);
  EXPECT_NEAR(v_neg / n_neg, expect_neg, 0.08 * expect_neg);
}

TEST(NestLayer, PoissonGeneratorGivesEachTargetItsOwnPoissonTrain) {
  const double dt = 0.1, rate_hz = 2000.0, w = 0.5, t = 1000.0;
  const int nodes = 500;
  nest::kernel k({.resolution_ms = dt, .rng_seed = 11});
  const auto n = k.create("iaf_psc_delta", nodes, integrator_params());
  const auto pg = k.create("poisson_generator", 1, {{"rate", rate_hz}});
  k.connect(pg, n, "all_to_all", {{"weight", w}, {"delay", 1.0}});
  k.simulate(t);
  const json st = k.get_status(n);
  double sum = 0, sum2 = 0;
  for (const auto& v : st.at("V_m")) {
    const double count = v.get<double>() / w;
    EXPECT_NEAR(count, std::round(count), 1e-6 * count);  // whole spikes of weight w (tau_m 1e12 ms: ~1e-9 leak)
    sum += count;
    sum2 += count * count;
  }
  const double mean = sum / nodes, var = sum2 / nodes - mean * mean, expected = rate_hz * t * 1e-3;
  EXPECT_NEAR(mean, expected, 4 * std::sqrt(expected / nodes));
  EXPECT_NEAR(var / mean, 1.0, 0.15) << "Fano factor of a Poisson count";
}

TEST(NestLayer, SpikeRecorderReportsGlobalIdsOfTheConnectedNodesInTimeOrder) {
  nest::kernel k({.resolution_ms = 0.1});
  const auto a = k.create("iaf_psc_exp", 5, {{"I_e", 500.0}});
  const auto b = k.create("iaf_psc_exp", 3, {{"I_e", 450.0}});
  EXPECT_EQ(a.first_id, 1u);
  EXPECT_EQ(b.first_id, 6u);
  const auto sr = k.create("spike_recorder");
  k.connect(a.slice(1, 3), sr);
  k.connect(b[2], sr);
  k.simulate(100.0);
  const json ev = k.get_events(sr);
  ASSERT_GT(ev.at("times").size(), 6u);
  std::set<std::uint64_t> senders;
  double last = 0;
  for (std::size_t i = 0; i < ev.at("times").size(); ++i) {
    senders.insert(ev.at("senders")[i].get<std::uint64_t>());
    EXPECT_GE(ev.at("times")[i].get<double>(), last);
    last = ev.at("times")[i].get<double>();
  }
  EXPECT_EQ(senders, (std::set<std::uint64_t>{2, 3, 8}));
  EXPECT_EQ(k.get_status(sr).at("n_events").get<std::size_t>(), ev.at("times").size());
}

TEST(NestLayer, SetStatusOnPartOfAPopulationAndDistributions) {
  nest::kernel k({.resolution_ms = 0.1, .rng_seed = 5});
  const auto n = k.create("iaf_psc_exp", 1000, {{"V_m", {{"distribution", "normal"}, {"mean", -60.0}, {"std", 2.0}}}});
  k.set_status(n.slice(0, 2), {{"V_m", -58.0}, {"I_e", 100.0}});
  k.simulate(0.1);
  const json st = k.get_status(n);
  const auto& v = st.at("V_m");
  // one step of iaf_psc_exp from V0 with I_e: V = E_L + (V0 - E_L) e^{-dt/tau} + I_e R (1 - e^{-dt/tau})
  const double decay = std::exp(-0.1 / 10.0), R = 10.0 / 250.0;
  EXPECT_NEAR(v[0].get<double>(), -70 + 12 * decay + 100 * R * (1 - decay), 1e-9);
  EXPECT_NEAR(v[1].get<double>(), v[0].get<double>(), 1e-12);
  double sum = 0;
  for (std::size_t i = 2; i < v.size(); ++i) sum += v[i].get<double>();
  EXPECT_NEAR(sum / 998, -70 + 10 * decay, 0.25) << "normal initial V_m around -60 mV, one step of decay";
}

TEST(NestLayer, ConnectionRulesFollowNestsNames) {
  nest::kernel k({.resolution_ms = 0.1, .rng_seed = 2});
  const auto pre = k.create("iaf_psc_exp", 101);
  const auto post = k.create("iaf_psc_exp", 37);
  k.connect(pre, post, {{"rule", "fixed_indegree"}, {"indegree", 13}}, {{"weight", 10.0}, {"delay", 1.5}});
  k.connect(pre, post, {{"rule", "pairwise_bernoulli"}, {"p", 0.2}}, {{"weight", -40.0}, {"delay", 0.8}});
  k.connect(pre.slice(0, 37), post, "one_to_one", {{"weight", 5.0}});
  k.connect(pre, post, {{"rule", "fixed_total_number"}, {"N", 999}}, {{"weight", 1.0}});
  k.simulate(0.1);
  const auto& projections = k.net().projections();
  ASSERT_EQ(projections.size(), 4u);
  EXPECT_EQ(projections[0].size(), 13u * 37u);
  const double expected = 0.2 * 101 * 37;
  EXPECT_NEAR(double(projections[1].size()), expected, 4 * std::sqrt(expected * 0.8));
  EXPECT_EQ(projections[2].size(), 37u);
  EXPECT_EQ(projections[3].size(), 999u);
}

TEST(NestLayer, ErrorsNameTheCallTheParameterAndWhatIsExpected) {
  nest::kernel k;
  const auto message = [](auto&& f) { return test::error_text(f); };
  EXPECT_NE(message([&] { k.create("iaf_psc_expo"); }).find("'iaf_psc_expo'"), std::string::npos);
  EXPECT_NE(message([&] { k.create("iaf_psc_exp", 1, {{"tau_mem", 10.0}}); }).find("tau_m"), std::string::npos)
      << "lists the known names";
  EXPECT_NE(message([&] { k.create("iaf_psc_exp", 1, {{"C_m", -1.0}}); }).find("C_m"), std::string::npos);
  EXPECT_NE(message([&] { k.create("poisson_generator", 1, {{"rate", -5.0}}); }).find("rate"), std::string::npos);
  EXPECT_NE(message([&] { k.create("noise_generator", 1, {{"std", 1.0}, {"std_mod", 2.0}}); }).find("std_mod"),
            std::string::npos);
  const auto n = k.create("iaf_psc_exp", 4);
  const auto other = k.create("iaf_psc_exp", 4);
  // checked in the call, as NEST does, not later at Simulate
  EXPECT_NE(message([&] { k.connect(n, other, {{"rule", "fixed_indegree"}}, {{"weight", 1.0}}); }).find("indegree"),
            std::string::npos);
  EXPECT_NE(message([&] { k.connect(n, n, "all_to_all", {{"weight", 1.0}, {"delay", 0.05}}); }).find("delay"),
            std::string::npos);
  EXPECT_NE(message([&] { k.connect(n, n, {{"rule", "pairwise_bernoulli"}, {"p", 0.1}, {"indegree", 3}}); })
                .find("indegree"),
            std::string::npos);
  EXPECT_NE(message([&] { k.connect(n, n, "all_to_all", {{"synapse_model", "stdp_synapses"}}); }).find("synapse_model"),
            std::string::npos);
  EXPECT_NE(message([&] { k.set_status(n.slice(1, 3), {{"V_m", {1.0, 2.0, 3.0}}}); }).find("one per node"),
            std::string::npos);
  // a failed SetStatus changes nothing: I_e = 5 pA would move V_m away from E_L
  nest::kernel k4;
  const auto c = k4.create("iaf_psc_exp", 2);
  EXPECT_NE(message([&] { k4.set_status(c, {{"I_e", 5.0}, {"C_m", -2.0}}); }).find("C_m"), std::string::npos);
  k4.simulate(1.0);
  EXPECT_EQ(k4.get_status(c).at("V_m")[0].get<double>(), -70.0);
  nest::kernel k3;
  const auto b = k3.create("iaf_psc_exp", 4);
  k3.simulate(1.0);
  EXPECT_NE(message([&] { k3.create("spike_train_injector"); }).find("after Simulate"), std::string::npos);
  EXPECT_NE(message([&] { b.slice(2, 9); }).find("slice"), std::string::npos);
}

}  // namespace test_nest_layer
