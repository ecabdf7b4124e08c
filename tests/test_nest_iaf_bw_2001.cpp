// volley's iaf_bw_2001 (models/iaf_bw_2001.hpp) against NEST 3.10 (tools/nest_reference/make_bw_references.py).
//
// One neuron (tests/reference/iaf_bw_2001.json: NEST's defaults; iaf_bw_2001_nmda.json: every parameter off its
// default, t_ref rounded up to steps, initial V_m, s_AMPA, s_GABA, s_NMDA set): a step current and spike_generators
// on AMPA (both signs of weight) and GABA; V_m, s_AMPA, s_GABA, s_NMDA, I_AMPA, I_GABA, I_NMDA at every step within
// 1e-6 (mV, nS, pA; the issue accepts 1e-3 for RKF45 models), identical spike steps, both ways in for the
// spike_generators, and the NMDA jump of every spike (the payload) against NEST's spike offset (where NEST sends it).
// A network (iaf_bw_2001_network.json): three iaf_bw_2001 neurons with NMDA connections (weight * the sender's jump:
// the payload), AMPA and GABA connections between them (plain weights), one into an iaf_cond_exp (plain weight) and
// a spike_generator; the recorded traces of the targets, every neuron's spike steps and jumps. Built directly on the
// engine and through the NEST layer (which also must refuse what NEST refuses, and scale only NMDA weights by the
// jump); the three NEST-layer tests skip while iaf_bw_2001 is not in the registry.
// Without NEST: k0 against the lower incomplete gamma function computed here in other ways (alternating series,
// quadrature, the erf closed form at a = 1/2), the jumps of a regular spike train and their steady state in closed
// form, the subthreshold dynamics against a fine-step RK4 written here, NEST's refractory rounding and clamp, the
// payload through the engine, and parameter validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "models/iaf_bw_2001.hpp"
#include "models/iaf_cond_exp.hpp"
#include "models/model_json.hpp"
#include "models/registry.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_iaf_bw_2001 {

using namespace volley;
using namespace volley::nest_ref;

namespace {

using M = models::iaf_bw_2001;
// mV, nS, pA: the issue accepts 1e-3 mV for RKF45 models; measured 5e-10, the 1e-9 rounding of the files
constexpr double kTolerance = 1e-6;
constexpr double kJumpTolerance = 1e-12;  // the NMDA jumps depend on spike times and k0, k1 only

const char* receptor_name(int r) {
  switch (r) {
    case 1: return "AMPA";
    case 2: return "GABA";
    case 3: return "NMDA";
    default: return "";
  }
}

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
  in.finish("iaf_bw_2001");
  return q;
}

// NEST's initial state onto neuron 0 of a population (the currents are recorded, not set: NEST starts them at 0).
void set_initial(model_population<M>& pop, const json& initial) {
  parameter_reader st(initial);
  pop.set_state(M::V_m, 0, static_cast<real_t>(st.take("V_m")));
  pop.set_state(M::s_AMPA, 0, static_cast<real_t>(st.take("s_AMPA")));
  pop.set_state(M::s_GABA, 0, static_cast<real_t>(st.take("s_GABA")));
  pop.set_state(M::s_NMDA, 0, static_cast<real_t>(st.take("s_NMDA")));
  for (const char* current : {"I_AMPA", "I_GABA", "I_NMDA"}) EXPECT_EQ(st.take(current), 0.0) << current;
  st.finish("iaf_bw_2001 (initial state)");
}

models::iaf_cond_exp_params cond_exp_params_from(const json& parameters, const json& initial) {
  parameter_reader in(parameters);
  models::iaf_cond_exp_params q;
  q.V_th = units::voltage_q(in.take("V_th"));
  q.V_reset = units::voltage_q(in.take("V_reset"));
  q.t_ref = units::time_q(in.take("t_ref"));
  q.g_L = units::conductance_q(in.take("g_L"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.E_ex = units::voltage_q(in.take("E_ex"));
  q.E_in = units::voltage_q(in.take("E_in"));
  q.E_L = units::voltage_q(in.take("E_L"));
  q.tau_syn_ex = units::time_q(in.take("tau_syn_ex"));
  q.tau_syn_in = units::time_q(in.take("tau_syn_in"));
  q.I_e = units::current_q(in.take("I_e"));
  in.finish("iaf_cond_exp");
  EXPECT_EQ(number(initial.at("V_m")), q.E_L.value);
  return q;
}

// A step_current_generator as volley's step input: its connection delay shifts every step time (run_protocol's rule).
step_input step_current(const json& g) {
  step_input s;
  for (const auto& a : g.at("amplitude_values_pA")) s.amplitudes.push_back(units::current_q(a.get<double>()));
  for (const auto& t : g.at("amplitude_times_ms"))
    s.step_times.push_back(units::time_q(t.get<double>() + g.at("delay_ms").get<double>()));
  return s;
}

std::vector<std::uint64_t> stamps_as_steps(const json& spikes) {
  std::vector<std::uint64_t> v;
  for (const auto& k : spikes.at("stamps_steps")) v.push_back(k.get<std::uint64_t>() - 1);  // stamp = end of step
  return v;
}

// The jumps volley's nmda_jump trace holds at the spike steps against NEST's offsets; returns the largest |diff|.
double expect_jumps_match(const std::vector<double>& jump_trace, const std::vector<std::uint64_t>& steps,
                          const json& spikes, const std::string& what) {
  const auto nest = spikes.at("offsets").get<std::vector<double>>();
  EXPECT_EQ(steps.size(), nest.size()) << what;
  double worst = 0;
  for (std::size_t i = 0; i < std::min(steps.size(), nest.size()); ++i) {
    const double d = std::abs(jump_trace.at(steps[i]) - nest[i]);
    EXPECT_LE(d, kJumpTolerance) << what << " spike " << i;
    worst = std::max(worst, d);
  }
  return worst;
}

// ---------------------------------------------- one neuron against NEST ----------------------------------------------

const std::vector<const char*> kTraced{"V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_AMPA", "I_GABA", "I_NMDA"};

traces run_single(const json& ref, spike_path path) {
  const auto& proto = ref.at("protocol");
  network net({.dt = units::time_q(ref.at("dt_ms").get<double>()), .seed = 1});
  auto& pop = net.add_population<M>("N", 1, params_from(ref.at("parameters")));
  set_initial(pop, ref.at("initial_state"));
  net.add_current_input("N", step_current(proto.at("step_current_generator")));
  const auto& inputs = proto.at("spike_inputs");
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
      syn.receptor = receptor_name(inputs[g].at("receptor_type").get<int>());
      syn.weight = units::conductance_q(inputs[g].at("weight").get<double>());
      syn.delay = units::time_q(inputs[g].at("delay_ms").get<double>());
      net.connect("G[" + std::to_string(g) + ":" + std::to_string(g + 1) + "]", "N", connection_rule{}, syn);
    }
  } else {
    for (const auto& s : inputs)
      net.add_spike_times("N", s.at("times_ms").get<std::vector<double>>(),
                          units::conductance_q(s.at("weight").get<double>()),
                          receptor_name(s.at("receptor_type").get<int>()),
                          units::time_q(s.at("delay_ms").get<double>()));
  }
  simulator sim(net);
  sim.record_spikes("N");
  std::vector<const char*> vars = kTraced;
  vars.push_back("nmda_jump");
  for (const char* v : vars) sim.record_trace({"N", v, {0}, units::time_q(0.0)});
  sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
  traces out;
  const auto& rec = sim.record();
  for (std::size_t q = 0; q < vars.size(); ++q)
    out.values.emplace_back(rec.traces[q].values.begin(), rec.traces[q].values.end());
  out.spike_steps.assign(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
  return out;
}

void expect_single_matches_nest(const std::string& file) {
  const json ref = load_reference(file);
  ASSERT_EQ(ref.at("model"), "iaf_bw_2001");
  const auto nest_steps = reference_spike_steps(ref);
  const auto& spikes = ref.at("record").at("spikes");
  ASSERT_EQ(nest_steps, stamps_as_steps(spikes));
  std::map<std::string, double> worst;
  for (const auto path : {spike_path::spike_time_population, spike_path::spike_times_input}) {
    const char* label = path == spike_path::spike_time_population ? "SpikeTime sources" : "spike-time inputs";
    const traces v = run_single(ref, path);
    std::printf("%s vs NEST %s (%s):\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str(), label);
    for (std::size_t q = 0; q < kTraced.size(); ++q) {
      const auto c = compare(ref, kTraced[q], v.values[q], reference_trace(ref, kTraced[q]), kTolerance);
      EXPECT_LE(c.max_abs, kTolerance) << file << " " << kTraced[q] << " (" << label
                                       << "); first sample over: " << c.first_over;
      worst[kTraced[q]] = std::max(worst[kTraced[q]], c.max_abs);
    }
    EXPECT_EQ(v.spike_steps, nest_steps) << file << " (" << label << ")";
    worst["nmda_jump"] =
        std::max(worst["nmda_jump"], expect_jumps_match(v.values.back(), v.spike_steps, spikes, file));
  }
  std::printf("%s: %zu spikes equal; max |volley - NEST|", file.c_str(), nest_steps.size());
  for (const auto& [name, w] : worst) std::printf(" %s %.3g", name.c_str(), w);
  std::printf("\n");
}

TEST(NestIafBw2001, ReferencesExerciseWhatTheComparisonClaims) {
  for (const char* file : {"iaf_bw_2001", "iaf_bw_2001_nmda"}) {
    const json ref = load_reference(file);
    const auto& rec = ref.at("record");
    const auto steps = rec.at("spikes").at("stamps_steps").get<std::vector<long>>();
    EXPECT_GE(steps.size(), 4u) << file;
    // spikes from the suprathreshold step and from synaptic input on the subthreshold one
    const double sub_start = ref.at("protocol").at("step_current_generator").at("amplitude_times_ms")[1].get<double>();
    EXPECT_TRUE(std::any_of(steps.begin(), steps.end(), [&](long k) { return k * 0.1 > sub_start; })) << file;
    for (const char* v : {"s_AMPA", "s_GABA", "I_AMPA", "I_GABA", "I_NMDA"}) {
      if (std::string(v) == "I_NMDA" && std::string(file) == "iaf_bw_2001") continue;  // no NMDA input there
      const auto t = reference_trace(ref, v);
      EXPECT_GT(*std::max_element(t.begin(), t.end()) - *std::min_element(t.begin(), t.end()), 0.5) << file << " " << v;
    }
    // NEST's spike_recorder (ms) reports stamp - offset: the NMDA jump read as a precise spike time
    const auto off = rec.at("spikes").at("offsets").get<std::vector<double>>();
    const auto ms = rec.at("spikes").at("recorder_times_ms").get<std::vector<double>>();
    ASSERT_EQ(ms.size(), steps.size()) << file;
    for (std::size_t i = 0; i < ms.size(); ++i) EXPECT_NEAR(ms[i], steps[i] * 0.1 - off[i], 1e-9) << file;
  }
  // the second case starts with s_NMDA > 0: the NMDA current acts from the first step
  EXPECT_LT(reference_trace(load_reference("iaf_bw_2001_nmda"), "I_NMDA")[0], -1.0);
  // negative AMPA weights (NEST accepts them): s_AMPA goes below 0
  const auto sa = reference_trace(load_reference("iaf_bw_2001"), "s_AMPA");
  EXPECT_LT(*std::min_element(sa.begin(), sa.end()), -1.0);
  // the first jump is k0 (s_pre = 0): NEST's own k0, to the last bit of boost's incomplete gamma
  const json ref = load_reference("iaf_bw_2001");
  const double nest_k0 = ref.at("record").at("spikes").at("offsets")[0].get<double>();
  EXPECT_NEAR(M::nmda_k0(M::params{}), nest_k0, 4e-16);
  std::printf("k0 (defaults): volley %.17g, NEST %.17g\n", M::nmda_k0(M::params{}), nest_k0);
  // what the NEST layer must mirror or refuse
  const auto& facts = ref.at("nest_facts");
  auto refused = [&](const char* key) { return facts.at(key).get<std::string>().rfind("refused", 0) == 0; };
  for (const char* key : {"bw_to_bw_receptor_0", "bw_to_bw_receptor_4", "spike_generator_receptor_0",
                          "spike_generator_receptor_3", "parrot_neuron_receptor_3", "iaf_psc_alpha_receptor_3",
                          "dc_generator_receptor_3"})
    EXPECT_TRUE(refused(key)) << key;
  for (const char* key : {"bw_to_bw_receptor_1", "bw_to_bw_receptor_2", "bw_to_bw_receptor_3",
                          "spike_generator_receptor_1", "spike_generator_receptor_2", "iaf_psc_alpha_receptor_1",
                          "bw_to_iaf_psc_alpha", "dc_generator_receptor_0", "bw_to_bw_receptor_3_stdp_synapse"})
    EXPECT_FALSE(refused(key)) << key;
  // a precise-time target takes the jump (0.648 ms > dt) as the offset: it moves one step before the grid target
  const auto first = facts.at("delay_1ms_first_V_change_ms_iaf_psc_exp_ps_vs_iaf_psc_exp").get<std::vector<double>>();
  EXPECT_NEAR(first[1] - first[0], 0.1, 1e-9);
}

TEST(NestIafBw2001, SingleNeuronDefaultsMatchNest) { expect_single_matches_nest("iaf_bw_2001"); }
TEST(NestIafBw2001, SingleNeuronNmdaAndNonDefaultsMatchNest) { expect_single_matches_nest("iaf_bw_2001_nmda"); }

// -------------------------------------------- the network, against NEST --------------------------------------------

struct net_run {
  std::map<std::string, std::vector<double>> traces;         // "post.V_m", ..., "pre_a.nmda_jump"
  std::map<std::string, std::vector<std::uint64_t>> spikes;  // per neuron
};

std::vector<std::string> traced_of(const json& ref) {
  std::vector<std::string> traced;
  for (const auto& [name, vars] : ref.at("record").at("traces").items())
    for (const auto& [var, values] : vars.items()) traced.push_back(name + "." + var);
  return traced;
}

net_run run_network(const json& ref) {
  network net({.dt = units::time_q(ref.at("dt_ms").get<double>()), .seed = 1});
  const auto& neurons = ref.at("neurons");
  std::vector<std::string> names, bw;
  for (const auto& [name, n] : neurons.items()) {
    names.push_back(name);
    if (n.at("model") == "iaf_bw_2001") {
      bw.push_back(name);
      set_initial(net.add_population<M>(name, 1, params_from(n.at("parameters"))), n.at("initial_state"));
    } else {
      net.add_population<models::iaf_cond_exp>(name, 1,
                                               cond_exp_params_from(n.at("parameters"), n.at("initial_state")));
    }
    net.add_current_input(name, step_current(n.at("step_current_generator")));
  }
  for (const auto& c : ref.at("connections")) {
    synapse_spec syn;
    const int r = c.at("receptor_type").get<int>();
    syn.receptor = receptor_name(r);
    syn.weight = units::conductance_q(c.at("weight").get<double>());
    syn.delay = units::time_q(c.at("delay_ms").get<double>());
    syn.use_payload = r == 3;  // NEST: the jump multiplies the weight only on the NMDA receptor
    net.connect(c.at("source").get<std::string>(), c.at("target").get<std::string>(), connection_rule{}, syn);
  }
  const auto& g = ref.at("spike_generator");
  net.add_spike_times(g.at("target").get<std::string>(), g.at("times_ms").get<std::vector<double>>(),
                      units::conductance_q(g.at("weight").get<double>()),
                      receptor_name(g.at("receptor_type").get<int>()), units::time_q(g.at("delay_ms").get<double>()));
  simulator sim(net);
  for (const auto& name : names) sim.record_spikes(name);
  auto traced = traced_of(ref);
  for (const auto& name : bw) traced.push_back(name + ".nmda_jump");
  for (const auto& t : traced) {
    const auto dot = t.find('.');
    sim.record_trace({t.substr(0, dot), t.substr(dot + 1), {0}, units::time_q(0.0)});
  }
  sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
  net_run out;
  const auto& rec = sim.record();
  for (std::size_t q = 0; q < traced.size(); ++q)
    out.traces[traced[q]].assign(rec.traces[q].values.begin(), rec.traces[q].values.end());
  for (std::size_t i = 0; i < names.size(); ++i)
    out.spikes[names[i]].assign(rec.spikes[i].step.begin(), rec.spikes[i].step.end());
  return out;
}

// Compares a run (engine or NEST layer) with the reference; jumps only when the run has the nmda_jump traces.
void expect_network_matches(const json& ref, const net_run& v, const std::string& label) {
  const json view = {{"dt_ms", ref.at("dt_ms")}, {"protocol", {{"phases", ref.at("phases")}}}};
  std::printf("iaf_bw_2001_network vs NEST %s (%s):\n", ref.at("nest").at("version").get<std::string>().c_str(),
              label.c_str());
  std::map<std::string, double> worst;
  for (const auto& [name, vars] : ref.at("record").at("traces").items())
    for (const auto& [var, values] : vars.items()) {
      const std::string key = name + "." + var;
      std::vector<double> nest;
      for (const auto& x : values) nest.push_back(number(x));
      const auto c = compare(view, key.c_str(), v.traces.at(key), nest, kTolerance);
      EXPECT_LE(c.max_abs, kTolerance) << label << " " << key << "; first sample over: " << c.first_over;
      worst[key] = c.max_abs;
    }
  std::size_t n_spikes = 0;
  for (const auto& [name, s] : ref.at("record").at("spikes").items()) {
    EXPECT_EQ(v.spikes.at(name), stamps_as_steps(s)) << label << " spikes of " << name;
    n_spikes += v.spikes.at(name).size();
    if (v.traces.count(name + ".nmda_jump"))
      worst[name + ".nmda_jump"] =
          expect_jumps_match(v.traces.at(name + ".nmda_jump"), v.spikes.at(name), s, label + " " + name);
  }
  std::printf("iaf_bw_2001_network (%s): %zu spikes equal in %zu neurons; max |volley - NEST|", label.c_str(),
              n_spikes, ref.at("record").at("spikes").size());
  for (const auto& [name, w] : worst) std::printf(" %s %.3g", name.c_str(), w);
  std::printf("\n");
}

TEST(NestIafBw2001, NetworkReferenceExercisesWhatTheComparisonClaims) {
  const json ref = load_reference("iaf_bw_2001_network");
  const auto& spikes = ref.at("record").at("spikes");
  for (const char* n : {"pre_a", "pre_b", "post", "plain"})
    EXPECT_GE(spikes.at(n).at("stamps_steps").size(), 3u) << n;
  // NMDA connections from all three iaf_bw_2001 neurons (post -> pre_b closes a loop), AMPA and GABA from them too
  std::map<int, int> per_receptor;
  for (const auto& c : ref.at("connections")) ++per_receptor[c.at("receptor_type").get<int>()];
  EXPECT_EQ(per_receptor[3], 3);
  EXPECT_EQ(per_receptor[1], 1);
  EXPECT_EQ(per_receptor[2], 1);
  EXPECT_EQ(per_receptor[0], 1);
  // the jumps fall from k0 along a regular train (s_pre builds up), and the NMDA input is felt
  const auto jumps = spikes.at("pre_a").at("offsets").get<std::vector<double>>();
  EXPECT_GT(jumps[0], jumps[1]);
  EXPECT_GT(jumps[1], jumps[2]);
  std::vector<double> i_nmda;
  for (const auto& x : ref.at("record").at("traces").at("post").at("I_NMDA")) i_nmda.push_back(number(x));
  EXPECT_LT(*std::min_element(i_nmda.begin(), i_nmda.end()), -50.0);
}

TEST(NestIafBw2001, NetworkMatchesNest) {
  const json ref = load_reference("iaf_bw_2001_network");
  expect_network_matches(ref, run_network(ref), "engine");
}

// The same network through the NEST layer (needs iaf_bw_2001 in the registry).
TEST(NestIafBw2001, NetworkThroughTheNestLayerMatchesNest) {
  if (models::find_neuron_model("iaf_bw_2001") == nullptr) GTEST_SKIP() << "iaf_bw_2001 is not registered yet";
  const json ref = load_reference("iaf_bw_2001_network");
  const double dt = ref.at("dt_ms").get<double>();
  nest::kernel k({.resolution_ms = dt, .rng_seed = 1, .local_num_threads = 1});
  std::map<std::string, nest::node_collection> node;
  for (const auto& [name, n] : ref.at("neurons").items()) {
    json params = n.at("parameters");
    for (const auto& [key, value] : n.at("initial_state").items())
      if (key.rfind("I_", 0) != 0) params[key] = value;  // the currents are recorded only
    node[name] = k.create(n.at("model").get<std::string>(), 1, params);
    const auto& g = n.at("step_current_generator");
    const auto scg = k.create("step_current_generator", 1,
                              {{"amplitude_times", g.at("amplitude_times_ms")},
                               {"amplitude_values", g.at("amplitude_values_pA")}});
    k.connect(scg, node[name], "all_to_all", {{"delay", g.at("delay_ms")}});
  }
  for (const auto& c : ref.at("connections"))
    k.connect(node.at(c.at("source").get<std::string>()), node.at(c.at("target").get<std::string>()), "all_to_all",
              {{"weight", c.at("weight")}, {"delay", c.at("delay_ms")}, {"receptor_type", c.at("receptor_type")}});
  const auto& g = ref.at("spike_generator");
  k.connect(k.create("spike_generator", 1, {{"spike_times", g.at("times_ms")}}), node.at(g.at("target")),
            "all_to_all",
            {{"weight", g.at("weight")}, {"delay", g.at("delay_ms")}, {"receptor_type", g.at("receptor_type")}});
  std::map<std::string, nest::node_collection> mm, sr;
  for (const auto& [name, vars] : ref.at("record").at("traces").items()) {
    json rec = json::array();
    for (const auto& [var, values] : vars.items()) rec.push_back(var);
    mm[name] = k.create("multimeter", 1, {{"interval", dt}, {"record_from", rec}});
    k.connect(mm[name], node.at(name));
  }
  for (const auto& [name, n] : node) {
    sr[name] = k.create("spike_recorder");
    k.connect(n, sr[name]);
  }
  k.simulate(ref.at("t_sim_ms").get<double>());
  net_run v;
  const std::size_t n = static_cast<std::size_t>(std::llround(ref.at("t_sim_ms").get<double>() / dt));
  for (const auto& [name, vars] : ref.at("record").at("traces").items()) {
    const json ev = k.get_events(mm.at(name));
    for (const auto& [var, values] : vars.items()) {
      auto& t = v.traces[name + "." + var];
      for (const auto& x : ev.at(var)) t.push_back(x.get<double>());
      EXPECT_GE(t.size(), n) << name << "." << var;
      t.resize(n);
      EXPECT_NEAR(ev.at("times")[0].get<double>(), dt, 1e-9);
    }
  }
  for (const auto& [name, r] : sr) {
    const json ev = k.get_events(r);
    auto& steps = v.spikes[name];
    for (const auto& t : ev.at("times"))  // volley reports the stamp (NEST: stamp - the NMDA jump)
      steps.push_back(static_cast<std::uint64_t>(std::llround(t.get<double>() / dt)) - 1);
  }
  expect_network_matches(ref, v, "NEST layer");
}

// What NEST refuses, the layer refuses (with the receptor or the target named); what NEST accepts, it builds.
TEST(NestIafBw2001, NestLayerRefusesWhatNestRefuses) {
  if (models::find_neuron_model("iaf_bw_2001") == nullptr) GTEST_SKIP() << "iaf_bw_2001 is not registered yet";
  auto outcome = [](const std::string& source, int receptor, const std::string& target = "iaf_bw_2001",
                    const char* synapse = "static_synapse") {
    nest::kernel b({.resolution_ms = 0.1});
    try {
      const auto post = b.create(target, 1);
      nest::node_collection pre;
      if (source == "spike_generator")
        pre = b.create(source, 1, {{"spike_times", {1.0}}});
      else
        pre = b.create(source, 1);
      json syn = {{"weight", 1.0}, {"synapse_model", synapse}};
      if (receptor >= 0) syn["receptor_type"] = receptor;
      b.connect(pre, post, "all_to_all", syn);
      b.simulate(1.0);
    } catch (const parameter_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  for (const auto& [source, receptor] : std::vector<std::pair<std::string, int>>{
           {"iaf_bw_2001", 0}, {"iaf_bw_2001", 4}, {"spike_generator", 0}, {"spike_generator", 3},
           {"poisson_generator", 3}, {"parrot_neuron", 3}, {"iaf_psc_alpha", 3}}) {
    const std::string why = outcome(source, receptor);
    EXPECT_NE(why, "accepted") << source << " -> receptor " << receptor;
    EXPECT_TRUE(why.find("receptor") != std::string::npos) << why;
    std::printf("%s -> iaf_bw_2001 receptor %d: %s\n", source.c_str(), receptor, why.c_str());
  }
  for (const auto& [source, receptor] : std::vector<std::pair<std::string, int>>{
           {"iaf_bw_2001", 1}, {"iaf_bw_2001", 2}, {"iaf_bw_2001", 3}, {"spike_generator", 1},
           {"spike_generator", 2}, {"iaf_psc_alpha", 1}, {"parrot_neuron", 2}})
    EXPECT_EQ(outcome(source, receptor), "accepted") << source << " -> receptor " << receptor;
  EXPECT_EQ(outcome("iaf_bw_2001", -1, "iaf_psc_alpha"), "accepted");
  const std::string ps = outcome("iaf_bw_2001", -1, "iaf_psc_exp_ps");
  EXPECT_NE(ps.find("precise"), std::string::npos) << ps;
  std::printf("iaf_bw_2001 -> iaf_psc_exp_ps: %s\n", ps.c_str());
  // NEST accepts STDP on an NMDA connection; volley refuses STDP on payload connections
  const std::string stdp = outcome("iaf_bw_2001", 3, "iaf_bw_2001", "stdp_synapse");
  EXPECT_NE(stdp.find("payload"), std::string::npos) << stdp;
  EXPECT_EQ(outcome("iaf_bw_2001", 1, "iaf_bw_2001", "stdp_synapse"), "accepted");
}

// Through the NEST layer the NMDA weight is scaled by the sender's jump, the AMPA and other targets' weights are not.
TEST(NestIafBw2001, NestLayerScalesOnlyNmdaWeightsByTheJump) {
  if (models::find_neuron_model("iaf_bw_2001") == nullptr) GTEST_SKIP() << "iaf_bw_2001 is not registered yet";
  nest::kernel k({.resolution_ms = 0.1, .rng_seed = 1, .local_num_threads = 1});
  const auto pre = k.create("iaf_bw_2001", 1, {{"t_ref", 500.0}});
  const auto post = k.create("iaf_bw_2001", 1, {{"V_th", 1e9}});
  const auto other = k.create("iaf_cond_exp", 1, {{"V_th", 1e9}, {"tau_syn_ex", 50.0}});
  k.connect(k.create("dc_generator", 1, {{"amplitude", 2000.0}}), pre);
  k.connect(pre, post, "all_to_all", {{"weight", 10.0}, {"receptor_type", 3}});
  k.connect(pre, post, "all_to_all", {{"weight", 4.0}, {"receptor_type", 1}});
  k.connect(pre, other, "all_to_all", {{"weight", 7.0}});
  const auto sr = k.create("spike_recorder");
  k.connect(pre, sr);
  k.simulate(20.0);
  const json ev = k.get_events(sr);
  ASSERT_EQ(ev.at("times").size(), 1u);
  const double t1 = ev.at("times")[0].get<double>(), t_end = 20.0;
  ASSERT_LT(t1 + 1.0, t_end);
  const json st = k.get_status(post);
  const double decay_nmda = std::exp(-(t_end - t1 - 1.0) / 100.0), decay_ampa = std::exp(-(t_end - t1 - 1.0) / 2.0);
  EXPECT_NEAR(st.at("s_NMDA")[0].get<double>(), 10.0 * M::nmda_k0(M::params{}) * decay_nmda, 1e-4);
  EXPECT_NEAR(st.at("s_AMPA")[0].get<double>(), 4.0 * decay_ampa, 1e-4);
  EXPECT_NEAR(k.get_status(other).at("g_ex")[0].get<double>(), 7.0 * std::exp(-(t_end - t1 - 1.0) / 50.0), 1e-4);
}

// =================================================== without NEST ===================================================

// gamma(a, x) by other means than the model's: the alternating series sum_n (-1)^n x^(n+a) / (n! (n+a)) ...
double gamma_lower_alternating(double a, double x) {
  double sum = 0, power = std::pow(x, a), fact = 1;
  for (int n = 0; n < 200; ++n) {
    sum += (n % 2 ? -1.0 : 1.0) * power / (fact * (n + a));
    power *= x;
    fact *= n + 1;
  }
  return sum;
}
// ... and quadrature: t = x u^(1/a), u = w^8 turn int_0^x t^(a-1) e^-t dt into the smooth
// (8 x^a / a) int_0^1 w^7 exp(-x w^(8/a)) dw, integrated with composite Simpson.
double gamma_lower_quadrature(double a, double x) {
  const int n = 200000;
  const double h = 1.0 / n;
  auto f = [&](double w) { return std::pow(w, 7) * std::exp(-x * std::pow(w, 8 / a)); };
  double s = f(0) + f(1);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4 : 2) * f(i * h);
  return 8 * std::pow(x, a) / a * s * h / 3;
}

TEST(NestIafBw2001, K0IsTheIncompleteGammaFormulaComputedIndependently) {
  // the model's gamma(a, x) against the alternating series (small x), quadrature, and
  // gamma(1/2, x) = sqrt(pi) erf(sqrt x)
  double worst = 0;
  for (double a : {0.02, 0.3, 0.5, 0.9, 0.98, 0.999})
    for (double x : {1e-3, 0.3, 1.0, 1.5, 2.5, 6.0, 20.0, 60.0}) {
      const double g = models::lower_incomplete_gamma(a, x);
      const double q = gamma_lower_quadrature(a, x);
      EXPECT_NEAR(g, q, 1e-13 * std::abs(q)) << a << " " << x;
      worst = std::max(worst, std::abs(g - q) / q);
      if (x <= 6.0) {
        EXPECT_NEAR(g, gamma_lower_alternating(a, x), 1e-13 * std::abs(q)) << a << " " << x;
      }
      if (a == 0.5) {
        EXPECT_NEAR(g, std::sqrt(std::numbers::pi) * std::erf(std::sqrt(x)), 1e-14) << x;
      }
    }
  std::printf("lower incomplete gamma: max relative |model - quadrature| %.3g\n", worst);
  // k0 = (alpha tau_r)^(tau_r / tau_d) gamma(1 - tau_r / tau_d, alpha tau_r), k1 = exp(-alpha tau_r) - 1
  struct set {
    double alpha, tau_r, tau_d;
  };
  for (const set& k : {set{0.5, 2.0, 100.0}, set{0.3, 3.0, 80.0}, set{2.0, 5.0, 10.0}, set{0.1, 50.0, 100.0}}) {
    M::params p;
    p.alpha = units::rate_q(k.alpha);
    p.tau_rise_NMDA = units::time_q(k.tau_r);
    p.tau_decay_NMDA = units::time_q(k.tau_d);
    const double x = k.alpha * k.tau_r, r = k.tau_r / k.tau_d;
    const double k0 = std::pow(x, r) * gamma_lower_quadrature(1 - r, x);
    EXPECT_NEAR(M::nmda_k0(p), k0, 1e-13 * k0) << k.alpha << " " << k.tau_r << " " << k.tau_d;
    EXPECT_NEAR(M::nmda_k1(p), std::exp(-x) - 1, 1e-15);
    const auto c = M::derive(p, 0.1);
    EXPECT_EQ(c.k0, M::nmda_k0(p));
    std::printf("alpha %g tau_rise %g tau_decay %g: k0 %.15g (quadrature %.15g), k1 %.15g\n", k.alpha, k.tau_r,
                k.tau_d, M::nmda_k0(p), k0, M::nmda_k1(p));
  }
}

// One neuron stepped directly (no network).
struct single {
  M::constants c;
  real_t s[M::n_state];
  single(const M::params& p, double dt) : c(M::derive(p, dt)) { M::initial_state(p, s); }
  bool step(double I, double ampa = 0, double gaba = 0, double nmda = 0) {
    const real_t ports[3] = {static_cast<real_t>(ampa), static_cast<real_t>(gaba), static_cast<real_t>(nmda)};
    return M::update(c, s, models::neuron_input{static_cast<real_t>(I), 0, ports, 0});
  }
};

TEST(NestIafBw2001, JumpsOfARegularTrainReachTheirSteadyState) {
  // a strong current makes the neuron fire every (ref_steps + 1) steps; the jumps follow
  // s_pre <- s_pre d, delta = k0 + k1 s_pre, s_pre <- s_pre + delta (d = exp(-T/tau_decay)), computed here, and tend
  // to the fixed point s* = k0 / (1 - (1 + k1) d), delta* = k0 + k1 d s*
  for (double t_ref : {2.0, 10.0, 30.0}) {
    M::params p;
    p.t_ref = units::time_q(t_ref);
    single n(p, 0.1);
    std::vector<int> at;
    std::vector<double> jumps;
    for (int k = 0; k < 40000; ++k)
      if (n.step(1e5)) {
        at.push_back(k);
        jumps.push_back(n.s[M::nmda_jump]);
      }
    ASSERT_GE(at.size(), 100u);
    const int period = at[2] - at[1];
    EXPECT_EQ(period, static_cast<int>(std::lround(t_ref / 0.1)) + 1) << t_ref;
    const double k0 = M::nmda_k0(p), k1 = M::nmda_k1(p), d = std::exp(-period * 0.1 / 100.0);
    double pre = 0;
    for (std::size_t i = 0; i < jumps.size(); ++i) {
      pre *= i == 0 ? 0.0 : std::exp(-(at[i] - at[i - 1]) * 0.1 / 100.0);
      const double delta = k0 + k1 * pre;
      pre += delta;
      ASSERT_NEAR(jumps[i], delta, 1e-13) << "spike " << i << " t_ref " << t_ref;
    }
    const double s_star = k0 / (1 - (1 + k1) * d);
    EXPECT_NEAR(jumps.back(), k0 + k1 * d * s_star, 1e-13) << t_ref;
    EXPECT_NEAR(n.s[M::s_NMDA_pre], s_star, 1e-12) << t_ref;
    std::printf("t_ref %g ms: period %d steps, jumps first %.6g, last %.12g, steady state %.12g\n", t_ref, period,
                jumps[0], jumps.back(), k0 + k1 * d * s_star);
  }
}

// The subthreshold ODE, written here from the equations, with classic RK4 at a fine step.
struct rk4_reference {
  M::params p;
  double y[4];
  double I = 0;
  void f(const double* v, double* d) const {
    const double V = v[0];
    const double mg = 1 + p.conc_Mg2.value * std::exp(-0.062 * V) / 3.57;
    const double I_syn = (V - p.E_ex.value) * v[1] + (V - p.E_in.value) * v[2] + (V - p.E_ex.value) * v[3] / mg;
    d[0] = (p.g_L.value * (p.E_L.value - V) - I_syn + I) / p.C_m.value;
    d[1] = -v[1] / p.tau_AMPA.value;
    d[2] = -v[2] / p.tau_GABA.value;
    d[3] = -v[3] / p.tau_decay_NMDA.value;
  }
  void advance(double T, int substeps) {
    const double h = T / substeps;
    for (int s = 0; s < substeps; ++s) {
      double k1[4], k2[4], k3[4], k4[4], t[4];
      f(y, k1);
      for (int i = 0; i < 4; ++i) t[i] = y[i] + 0.5 * h * k1[i];
      f(t, k2);
      for (int i = 0; i < 4; ++i) t[i] = y[i] + 0.5 * h * k2[i];
      f(t, k3);
      for (int i = 0; i < 4; ++i) t[i] = y[i] + h * k3[i];
      f(t, k4);
      for (int i = 0; i < 4; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
  }
};

TEST(NestIafBw2001, SubthresholdDynamicsMatchAFineStepRk4) {
  // inputs on every receptor, a current, a start with s_NMDA > 0 and V above E_L; no spike (V_th far away); the
  // model's currents are the ODE's at the end of the step. gsl_error_tol 1e-3 (default) and 1e-9.
  for (double tol : {1e-3, 1e-9}) {
    M::params p;
    p.V_th = units::voltage_q(50.0);
    p.gsl_error_tol = units::dimensionless_q(tol);
    p.conc_Mg2 = units::concentration_q(1.3);
    single n(p, 0.1);
    n.s[M::V_m] = -60.0;
    n.s[M::s_NMDA] = 6.0;
    rk4_reference r{p, {-60.0, 0.0, 0.0, 6.0}};
    double worst_v = 0, worst_s = 0, worst_i = 0;
    for (int k = 0; k < 3000; ++k) {
      const double I = k < 1000 ? 0.0 : (k < 2000 ? 300.0 : -150.0);
      const double ampa = k % 97 == 5 ? 3.0 : 0.0, gaba = k % 131 == 7 ? 4.0 : 0.0, nmda = k % 211 == 11 ? 2.5 : 0.0;
      ASSERT_FALSE(n.step(I, ampa, gaba, nmda));
      r.I = I;
      r.advance(0.1, 100);
      const double V = r.y[0];
      const double i_nmda = (V - p.E_ex.value) / (1 + 1.3 * std::exp(-0.062 * V) / 3.57) * r.y[3];
      worst_i = std::max({worst_i, std::abs(n.s[M::I_NMDA] - i_nmda), std::abs(n.s[M::I_AMPA] - (V - 0.0) * r.y[1]),
                          std::abs(n.s[M::I_GABA] - (V + 70.0) * r.y[2])});
      r.y[1] += ampa;
      r.y[2] += gaba;
      r.y[3] += nmda;
      worst_v = std::max(worst_v, std::abs(n.s[M::V_m] - r.y[0]));
      for (int i = 1; i < 4; ++i) worst_s = std::max(worst_s, std::abs(n.s[M::s_AMPA + i - 1] - r.y[i]));
    }
    std::printf("gsl_error_tol %g: max |RKF45 - RK4(1 us)| V_m %.3g mV, s %.3g nS, currents %.3g pA\n", tol, worst_v,
                worst_s, worst_i);
    const double bound = tol == 1e-3 ? 1e-6 : 1e-9;  // measured 1.1e-10 and 2.7e-11 mV
    EXPECT_LT(worst_v, bound);
    EXPECT_LT(worst_s, bound);
    EXPECT_LT(worst_i, 1000 * bound);
  }
}

TEST(NestIafBw2001, RefractoryPeriodRoundsUpAndClampsV) {
  // NEST 3.10: Time(ms(t_ref)).get_steps() rounds up; V is held at V_reset while refractory, whatever the current
  M::params p;
  for (const auto& [t_ref, gap] : std::vector<std::pair<double, int>>{{3.05, 32}, {2.0, 21}, {0.0, 1}, {0.04, 2}}) {
    p.t_ref = units::time_q(t_ref);
    single n(p, 0.1);
    std::vector<int> at;
    for (int k = 0; k < 200; ++k) {
      const bool refractory = n.s[M::refractory] > 0;
      if (n.step(1e5)) at.push_back(k);
      if (refractory) {
        ASSERT_EQ(n.s[M::V_m], p.V_reset.value) << t_ref << " step " << k;
      }
    }
    ASSERT_GE(at.size(), 3u);
    EXPECT_EQ(at[2] - at[1], gap) << t_ref;
  }
}

TEST(NestIafBw2001, PayloadScalesNmdaWeightsOnly) {
  static_assert(M::spike_payload == M::nmda_jump);
  EXPECT_EQ(describe_model<M>().spike_payload, M::nmda_jump);
  // one spike of pre (step 0): the NMDA target gets w k0, the same weight without the payload w
  M::params p;
  p.t_ref = units::time_q(1000.0);
  network net({.dt = units::time_q(0.1), .seed = 1});
  net.add_population<M>("pre", 1, p);
  M::params quiet;
  quiet.V_th = units::voltage_q(1e9);
  net.add_population<M>("post", 2, quiet);
  net.add_current_input("pre", step_input{{units::current_q(1e6)}, {units::time_q(0.0)}});
  synapse_spec with;
  with.receptor = "NMDA";
  with.weight = units::conductance_q(5.0);
  with.delay = units::time_q(1.0);
  synapse_spec without = with;
  without.use_payload = false;
  net.connect("pre", "post[0:1]", connection_rule{}, with);
  net.connect("pre", "post[1:2]", connection_rule{}, without);
  simulator sim(net);
  sim.record_trace({"post", "s_NMDA", {0, 1}, units::time_q(0.0)});
  sim.run(units::time_q(2.0));
  const auto& tr = sim.record().traces[0].values;  // [sample][neuron]
  EXPECT_EQ(tr[9 * 2 + 0], 0.0);
  EXPECT_NEAR(tr[10 * 2 + 0], 5.0 * M::nmda_k0(p), 1e-12) << "sample 10 (t = 1.1 ms), payload k0";
  EXPECT_NEAR(tr[10 * 2 + 1], 5.0, 1e-12) << "plain weight";
}

TEST(NestIafBw2001, ParameterValidation) {
  auto error_names = [](const char* key, const nlohmann::json& value) -> std::string {
    const nlohmann::json params = {{key, value}};
    models::population_request req{.name = "P", .size = 1, .params = &params};
    try {
      models::create_population<M>(req);
    } catch (const parameter_error& e) {
      return e.parameter_name;
    }
    return "(accepted)";
  };
  // NEST: C_m > 0, t_ref >= 0, every tau > 0, alpha > 0, conc_Mg2 > 0, gsl_error_tol > 0; volley also g_L >= 0
  for (const auto& [key, value] : std::vector<std::pair<const char*, nlohmann::json>>{
           {"C_m", "0 pF"}, {"t_ref", "-0.1 ms"}, {"tau_AMPA", "0 ms"}, {"tau_GABA", "-1 ms"},
           {"tau_rise_NMDA", "0 ms"}, {"tau_decay_NMDA", "0 ms"}, {"alpha", "0 1/ms"}, {"conc_Mg2", "0 mM"},
           {"gsl_error_tol", 0.0}, {"g_L", "-1 nS"}})
    EXPECT_EQ(error_names(key, value), key) << value;
  // cross-parameter checks: validate()
  EXPECT_EQ(error_names("V_reset", "-55 mV"), "params") << "V_reset must be below V_th";
  EXPECT_EQ(error_names("tau_rise_NMDA", "100 ms"), "params") << "tau_rise_NMDA == tau_decay_NMDA";
  EXPECT_EQ(error_names("tau_rise_NMDA", "150 ms"), "params") << "tau_rise_NMDA > tau_decay_NMDA";
  M::params p;
  p.tau_rise_NMDA = units::time_q(100.0);
  ASSERT_NE(M::validate(p), nullptr);
  EXPECT_NE(std::string(M::validate(p)).find("tau_rise_NMDA"), std::string::npos);
  for (const auto& [key, value] : std::vector<std::pair<const char*, nlohmann::json>>{
           {"t_ref", "0 ms"}, {"g_L", "0 nS"}, {"E_in", "-80 mV"}, {"tau_rise_NMDA", "99 ms"}, {"alpha", "2 1/ms"},
           {"conc_Mg2", "2 mM"}, {"gsl_error_tol", 1e-6}})
    EXPECT_EQ(error_names(key, value), "(accepted)") << key << " " << value;
  EXPECT_EQ(error_names("tau_syn_ex", "2 ms"), "tau_syn_ex") << "unknown parameter";
  static_assert(M::n_ports == 3);
}

}  // namespace

}  // namespace test_nest_iaf_bw_2001
