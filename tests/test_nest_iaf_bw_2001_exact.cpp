// volley's iaf_bw_2001_exact (models/iaf_bw_2001_exact.hpp) against NEST 3.10
// (tools/nest_reference/make_bw_exact_references.py).
//
// One neuron (iaf_bw_2001_exact.json: NEST's defaults, three NMDA connections; iaf_bw_2001_exact_nmda.json: every
// parameter off its default, t_ref rounded up to steps, initial V_m, s_AMPA, s_GABA set, five NMDA connections): a
// step current, spike_generators on AMPA, GABA and the NMDA connections (each its own slot NMDA_j); V_m, s_AMPA,
// s_GABA, s_NMDA (sum_j w_j s_j), I_AMPA, I_GABA, I_NMDA at every step within 1e-6 (mV, nS, pA; the issue accepts
// 1e-3 for RKF45 models), identical spike steps, both ways in for the spikes. A network (iaf_bw_2001_exact_network):
// three neurons with NMDA (each connection its own slot in its target), AMPA and GABA connections.
// Without NEST: a single NMDA spike's gating against a fine-step RK4 of the (x, s) system written here; unused slots
// change nothing (a neuron with one connection on slot 1 and one with it on slot 8 agree bitwise); a weight on a
// slot is kept and later arrivals count spikes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "models/iaf_bw_2001_exact.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_iaf_bw_2001_exact {

using namespace volley;
using namespace volley::nest_ref;

namespace {

using M = models::iaf_bw_2001_exact;
constexpr double kTolerance = 1e-6;  // mV, nS, pA
const std::vector<const char*> kTraced{"V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_AMPA", "I_GABA", "I_NMDA"};

M::params params_from(const json& parameters) {
  parameter_reader in(parameters);
  M::params q;
  q.E_L = units::voltage_q(in.take("E_L"));
  q.E_ex = units::voltage_q(in.take("E_ex"));
  q.E_in = units::voltage_q(in.take("E_in"));
  q.V_th = units::voltage_q(in.take("V_th"));
  q.V_reset = units::voltage_q(in.take("V_reset"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.g_L = units::conductance_q(in.take("g_L"));
  q.t_ref = units::time_q(in.take("t_ref"));
  q.tau_AMPA = units::time_q(in.take("tau_AMPA"));
  q.tau_GABA = units::time_q(in.take("tau_GABA"));
  q.tau_rise_NMDA = units::time_q(in.take("tau_rise_NMDA"));
  q.tau_decay_NMDA = units::time_q(in.take("tau_decay_NMDA"));
  q.alpha = units::rate_q(in.take("alpha"));
  q.conc_Mg2 = units::concentration_q(in.take("conc_Mg2"));
  q.gsl_error_tol = units::dimensionless_q(in.take("gsl_error_tol"));
  in.finish("iaf_bw_2001_exact");
  return q;
}

void set_initial(model_population<M>& pop, const json& initial) {
  parameter_reader st(initial);
  pop.set_state(M::V_m, 0, static_cast<real_t>(st.take("V_m")));
  pop.set_state(M::s_AMPA, 0, static_cast<real_t>(st.take("s_AMPA")));
  pop.set_state(M::s_GABA, 0, static_cast<real_t>(st.take("s_GABA")));
  st.finish("iaf_bw_2001_exact (initial state)");
}

step_input step_current(const json& g) {
  step_input s;
  for (const auto& a : g.at("amplitude_values_pA")) s.amplitudes.push_back(units::current_q(a.get<double>()));
  for (const auto& t : g.at("amplitude_times_ms"))
    s.step_times.push_back(units::time_q(t.get<double>() + g.at("delay_ms").get<double>()));
  return s;
}

// The port of each spike input: AMPA, GABA, and the NMDA connections on slots 1, 2, ... in their order.
std::vector<std::string> ports_of(const json& inputs) {
  std::vector<std::string> out;
  int slot = 0;
  for (const auto& i : inputs) {
    const int r = i.at("receptor_type").get<int>();
    out.push_back(r == 1 ? "AMPA" : r == 2 ? "GABA" : "NMDA_" + std::to_string(++slot));
  }
  return out;
}

traces run_single(const json& ref, spike_path path) {
  const auto& proto = ref.at("protocol");
  network net({.dt = units::time_q(ref.at("dt_ms").get<double>()), .seed = 1});
  auto& pop = net.add_population<M>("N", 1, params_from(ref.at("parameters")));
  set_initial(pop, ref.at("initial_state"));
  net.add_current_input("N", step_current(proto.at("step_current_generator")));
  const auto& inputs = proto.at("spike_inputs");
  const auto ports = ports_of(inputs);
  if (path == spike_path::spike_time_population) {
    net.add_population<models::SpikeTime>("G", static_cast<index_t>(inputs.size()));
    std::vector<index_t> who;
    std::vector<units::time_q> when;
    for (std::size_t g = 0; g < inputs.size(); ++g)
      for (const auto& t : inputs[g].at("times_ms")) {
        who.push_back(static_cast<index_t>(g));
        when.push_back(units::time_q(t.get<double>()));
      }
    net.set_spike_schedule("G", who, when);
    for (std::size_t g = 0; g < inputs.size(); ++g) {
      synapse_spec syn;
      syn.receptor = ports[g];
      syn.weight = units::conductance_q(inputs[g].at("weight").get<double>());
      syn.delay = units::time_q(inputs[g].at("delay_ms").get<double>());
      net.connect("G[" + std::to_string(g) + ":" + std::to_string(g + 1) + "]", "N", connection_rule{}, syn);
    }
  } else {
    for (std::size_t g = 0; g < inputs.size(); ++g)
      net.add_spike_times("N", inputs[g].at("times_ms").get<std::vector<double>>(),
                          units::conductance_q(inputs[g].at("weight").get<double>()), ports[g],
                          units::time_q(inputs[g].at("delay_ms").get<double>()));
  }
  simulator sim(net);
  sim.record_spikes("N");
  for (const char* v : kTraced) sim.record_trace({"N", v, {0}, units::time_q(0.0)});
  sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
  traces out;
  const auto& rec = sim.record();
  for (std::size_t q = 0; q < kTraced.size(); ++q)
    out.values.emplace_back(rec.traces[q].values.begin(), rec.traces[q].values.end());
  out.spike_steps.assign(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
  return out;
}

void expect_single_matches_nest(const std::string& file) {
  const json ref = load_reference(file);
  ASSERT_EQ(ref.at("model"), "iaf_bw_2001_exact");
  const auto nest_steps = reference_spike_steps(ref);
  for (const auto path : {spike_path::spike_time_population, spike_path::spike_times_input}) {
    const char* label = path == spike_path::spike_time_population ? "SpikeTime sources" : "spike-time inputs";
    const traces v = run_single(ref, path);
    std::printf("%s vs NEST %s (%s):\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str(), label);
    for (std::size_t q = 0; q < kTraced.size(); ++q) {
      const auto c = compare(ref, kTraced[q], v.values[q], reference_trace(ref, kTraced[q]), kTolerance);
      EXPECT_LE(c.max_abs, kTolerance) << file << " " << kTraced[q] << " (" << label
                                       << "); first sample over: " << c.first_over;
    }
    EXPECT_EQ(v.spike_steps, nest_steps) << file << " (" << label << ")";
  }
  std::printf("%s: %zu spikes equal\n", file.c_str(), nest_steps.size());
}

TEST(NestIafBw2001Exact, ReferencesExerciseWhatTheComparisonClaims) {
  for (const char* file : {"iaf_bw_2001_exact", "iaf_bw_2001_exact_nmda"}) {
    const json ref = load_reference(file);
    EXPECT_GE(ref.at("record").at("spike_times_ms").size(), 3u) << file;
    int nmda = 0;
    for (const auto& i : ref.at("protocol").at("spike_inputs")) nmda += i.at("receptor_type") == 3 ? 1 : 0;
    EXPECT_GE(nmda, 3) << file;
    EXPECT_LE(nmda, models::nmda_slots) << file;
    for (const char* v : {"s_AMPA", "s_GABA", "s_NMDA", "I_AMPA", "I_GABA", "I_NMDA"}) {
      const auto t = reference_trace(ref, v);
      EXPECT_GT(*std::max_element(t.begin(), t.end()) - *std::min_element(t.begin(), t.end()), 0.5) << file << " " << v;
    }
  }
  const json net = load_reference("iaf_bw_2001_exact_network");
  for (const char* name : {"pre_a", "pre_b", "post"})
    EXPECT_GE(net.at("record").at("spike_stamps_steps").at(name).size(), 1u) << name;
}

TEST(NestIafBw2001Exact, SingleNeuronDefaultsMatchNest) { expect_single_matches_nest("iaf_bw_2001_exact"); }
TEST(NestIafBw2001Exact, SingleNeuronNonDefaultsMatchNest) { expect_single_matches_nest("iaf_bw_2001_exact_nmda"); }

TEST(NestIafBw2001Exact, NetworkMatchesNest) {
  const json ref = load_reference("iaf_bw_2001_exact_network");
  const double dt = ref.at("dt_ms").get<double>();
  network net({.dt = units::time_q(dt), .seed = 1});
  std::vector<std::string> names;
  for (const auto& [name, n] : ref.at("neurons").items()) {
    names.push_back(name);
    set_initial(net.add_population<M>(name, 1, params_from(n.at("parameters"))), n.at("initial_state"));
    net.add_current_input(name, step_current(n.at("step_current_generator")));
  }
  std::map<std::string, int> slots;  // NMDA connections per target so far
  for (const auto& c : ref.at("connections")) {
    synapse_spec syn;
    const int r = c.at("receptor_type").get<int>();
    const auto target = c.at("target").get<std::string>();
    syn.receptor = r == 1 ? "AMPA" : r == 2 ? "GABA" : "NMDA_" + std::to_string(++slots[target]);
    syn.weight = units::conductance_q(c.at("weight").get<double>());
    syn.delay = units::time_q(c.at("delay_ms").get<double>());
    net.connect(c.at("source").get<std::string>(), target, connection_rule{}, syn);
  }
  simulator sim(net);
  for (const auto& name : names) sim.record_spikes(name);
  std::vector<std::pair<std::string, std::string>> traced;
  for (const auto& [name, vars] : ref.at("record").at("traces").items())
    for (const auto& [var, values] : vars.items()) {
      traced.push_back({name, var});
      sim.record_trace({name, var, {0}, units::time_q(0.0)});
    }
  sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
  const auto& rec = sim.record();
  const json view = {{"dt_ms", dt}, {"protocol", {{"phases", ref.at("phases")}}}};
  std::printf("iaf_bw_2001_exact_network vs NEST %s:\n", ref.at("nest").at("version").get<std::string>().c_str());
  for (std::size_t q = 0; q < traced.size(); ++q) {
    const auto& [name, var] = traced[q];
    std::vector<double> nest;
    for (const auto& x : ref.at("record").at("traces").at(name).at(var)) nest.push_back(number(x));
    const std::vector<double> v(rec.traces[q].values.begin(), rec.traces[q].values.end());
    const std::string what = name + "." + var;
    const auto c = compare(view, what.c_str(), v, nest, kTolerance);
    EXPECT_LE(c.max_abs, kTolerance) << what << "; first sample over: " << c.first_over;
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::vector<std::uint64_t> nest;
    for (const auto& k : ref.at("record").at("spike_stamps_steps").at(names[i]))
      nest.push_back(k.get<std::uint64_t>() - 1);
    EXPECT_EQ(std::vector<std::uint64_t>(rec.spikes[i].step.begin(), rec.spikes[i].step.end()), nest) << names[i];
  }
}

// One NMDA spike, no other input, V held far below threshold: s_1 against a fine-step RK4 of dx/dt = -x / tau_r,
// ds/dt = -s / tau_d + alpha x (1 - s) (x jumps to 1); and the same connection on slot 8 gives the same bits.
TEST(NestIafBw2001Exact, NmdaGatingAgainstRk4AndSlotsAreIndependent) {
  std::vector<std::vector<double>> s_of_slot;
  for (const char* port : {"NMDA_1", "NMDA_8"}) {
    network net({.dt = units::time_q(0.1), .seed = 1});
    net.add_population<M>("N", 1, M::params{});
    net.add_spike_times("N", {1.0}, units::conductance_q(2.0), port, units::time_q(1.0));
    simulator sim(net);
    sim.record_trace({"N", "s_NMDA", {0}, units::time_q(0.0)});
    sim.record_trace({"N", "V_m", {0}, units::time_q(0.0)});
    sim.run(units::time_q(60.0));
    s_of_slot.emplace_back(sim.record().traces[0].values.begin(), sim.record().traces[0].values.end());
  }
  EXPECT_EQ(s_of_slot[0], s_of_slot[1]);
  // RK4 from the arrival (the end of step 19, t = 2 ms): x = 1, s = 0
  const M::params p;
  const double tr = p.tau_rise_NMDA.value, td = p.tau_decay_NMDA.value, a = p.alpha.value, h = 1e-4;
  double x = 1, s = 0, worst = 0;
  auto f = [&](double xx, double ss, double& dx, double& ds) {
    dx = -xx / tr;
    ds = -ss / td + a * xx * (1 - ss);
  };
  for (int k = 20; k < 600; ++k) {  // sample k: t = (k + 1) dt
    for (int i = 0; i < 1000; ++i) {
      double k1x, k1s, k2x, k2s, k3x, k3s, k4x, k4s;
      f(x, s, k1x, k1s);
      f(x + h / 2 * k1x, s + h / 2 * k1s, k2x, k2s);
      f(x + h / 2 * k2x, s + h / 2 * k2s, k3x, k3s);
      f(x + h * k3x, s + h * k3s, k4x, k4s);
      x += h / 6 * (k1x + 2 * k2x + 2 * k3x + k4x);
      s += h / 6 * (k1s + 2 * k2s + 2 * k3s + k4s);
    }
    worst = std::max(worst, std::abs(s_of_slot[0][k] / 2.0 - s));
  }
  EXPECT_LT(worst, 1e-3);                                                       // RKF45 with eps_abs 1e-3 per step
  EXPECT_GT(*std::max_element(s_of_slot[0].begin(), s_of_slot[0].end()), 0.5);  // 2 nS * s, s ~ 0.5 at its peak
  std::printf("NMDA gating vs RK4: max |s - s_rk4| %.3g\n", worst);
}

// The slot keeps the first weight; a later arrival of twice that weight is two spikes.
TEST(NestIafBw2001Exact, SlotWeightIsKeptAndArrivalsCountSpikes) {
  network net({.dt = units::time_q(0.1), .seed = 1});
  net.add_population<M>("N", 1, M::params{});
  net.add_spike_times("N", {1.0}, units::conductance_q(3.0), "NMDA_2", units::time_q(1.0));
  net.add_spike_times("N", {10.0, 10.0}, units::conductance_q(3.0), "NMDA_2", units::time_q(1.0));
  simulator sim(net);
  sim.record_trace({"N", "w_NMDA_2", {0}, units::time_q(0.0)});
  sim.record_trace({"N", "x_NMDA_2", {0}, units::time_q(0.0)});
  sim.run(units::time_q(12.0));
  const auto& w = sim.record().traces[0].values;
  const auto& x = sim.record().traces[1].values;
  EXPECT_EQ(w.back(), real_t(3.0));
  EXPECT_DOUBLE_EQ(double(x[19]), 1.0);  // arrival at the end of step 19
  const double decay = std::exp(-9.0 / 2.0);
  EXPECT_NEAR(double(x[109]), decay + 2.0, 1e-3);  // two more spikes in step 109
}

// Through the NEST layer an all_to_all NMDA Connect is one connection per source (each its own slot in the targets):
// GetConnections lists all of them in NEST's order and set_connections reaches each (it saw only the last source's
// before), and the targets' NMDA input is the same as from one Connect per source.
TEST(NestIafBw2001Exact, NestLayerAllToAllNmdaIsOneConnectionPerSource) {
  auto run = [](bool one_connect) {
    nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
    const auto pre = k.create("iaf_bw_2001_exact", 3, {{"V_m", json::array({-60.0, -57.0, -54.0})}});
    const auto post = k.create("iaf_bw_2001_exact", 2, {{"V_th", 1e9}});
    k.connect(k.create("dc_generator", 1, {{"amplitude", 600.0}}), pre);
    const nest::json syn = {{"weight", 5.0}, {"receptor_type", 3}, {"delay", 1.0}};
    if (one_connect) {
      k.connect(pre, post, "all_to_all", syn);
    } else {
      for (std::uint64_t i = 0; i < 3; ++i) k.connect(pre[i], post, "all_to_all", syn);
    }
    k.simulate(60.0);
    const nest::json conns = k.get_connections(pre, post);
    EXPECT_EQ(conns.at("source"), nest::json({1, 1, 2, 2, 3, 3}));
    EXPECT_EQ(conns.at("target"), nest::json({4, 5, 4, 5, 4, 5}));
    EXPECT_GT(k.get_status(post).at("s_NMDA")[0].get<double>(), 0.0);
    k.set_connections(pre[0], post, {{"weight", 50.0}});
    EXPECT_EQ(k.get_connections(pre, post).at("weight"), nest::json({50.0, 50.0, 5.0, 5.0, 5.0, 5.0}));
    k.simulate(60.0);
    return k.get_status(post).at("V_m");
  };
  const nest::json v = run(true);
  EXPECT_EQ(v, run(false));
  EXPECT_GT(v[0].get<double>(), -70.0 + 0.1);  // the NMDA input arrived
}

}  // namespace

}  // namespace test_nest_iaf_bw_2001_exact
