// volley's ht_neuron (models/ht_neuron.hpp) and ht_synapse (models/short_term_plasticity.hpp, host/nest_synapses.cpp)
// against NEST 3.10 (tools/nest_reference/make_ht_references.py -> tests/reference/nest_ht_*.json).
//
// One neuron, through the NEST layer as the script builds it in NEST: a step_current_generator and spike_generators
// on the four receptors (1 AMPA, 2 NMDA, 3 GABA_A, 4 GABA_B); all ten recordables at every step within kTolerance
// (NEST's RKF45 tolerance is 1e-3; measured agreement is printed) and identical spike steps:
//   nest_ht_neuron  defaults: spikes under a depolarising step, a rebound burst after hyperpolarisation (I_T, I_h)
//   nest_ht_params  every parameter off its default, instantaneous NMDA unblock, t_ref rounded up to steps
//   nest_ht_clamp   voltage_clamp above threshold: regular spikes, NMDA unblock dynamics at a fixed V
// The same defaults case on the engine directly (SpikeTime sources into the ports), so the model is checked without
// the NEST layer too.
// A network of three ht_neurons with ht_synapse connections (two synapse models, weight_recorder): traces, spike
// steps, every transmitted weight * P (NEST's weight_recorder) and the P left after the run.
// Without NEST: P along a spike train against the closed form, the beta normalisation (peak of the conductance =
// g_peak * weight), the refractory rounding, and parameter / receptor errors (what NEST refuses, from the facts).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "models/ht_neuron.hpp"
#include "models/spike_sources.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_ht {

using namespace volley;
using namespace volley::nest_ref;

namespace {

using M = models::ht_neuron;
// mV for V_m, theta and the currents (ht_neuron's currents are in mV), dimensionless for the conductances. NEST's
// own RKF45 tolerance is 1e-3 per component; the measured differences are ~1e-9 (the files' 11 digits).
constexpr double kTolerance = 1e-6;
const std::vector<std::string> kRecordables{"V_m",      "theta", "g_AMPA", "g_NMDA", "g_GABA_A",
                                            "g_GABA_B", "I_NaP", "I_KNa",  "I_T",    "I_h"};

std::vector<double> numbers(const json& a) {
  std::vector<double> v;
  for (const auto& x : a) v.push_back(number(x));
  return v;
}

std::vector<std::uint64_t> steps_of(const json& spikes) {
  std::vector<std::uint64_t> v;
  for (const auto& k : spikes.at("stamps_steps")) v.push_back(k.get<std::uint64_t>() - 1);  // stamp = end of step
  return v;
}

// Largest |a - b| over the samples, printed per phase of the reference; first sample above kTolerance in `first`.
double max_difference(const json& ref, const std::string& what, const std::vector<double>& mine,
                      const std::vector<double>& nest, long& first) {
  EXPECT_EQ(mine.size(), nest.size()) << what;
  const std::size_t n = std::min(mine.size(), nest.size());
  const double dt = ref.at("dt_ms").get<double>();
  double worst = 0;
  first = -1;
  for (const auto& phase : ref.at("protocol").at("phases")) {
    double m = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const double t = (k + 1) * dt;
      if (t < phase.at("start_ms").get<double>() || t >= phase.at("end_ms").get<double>()) continue;
      m = std::max(m, std::abs(mine[k] - nest[k]));
    }
    std::printf("  %-9s %-32s max |volley - NEST| %.3g\n", what.c_str(), phase.at("name").get<std::string>().c_str(),
                m);
    worst = std::max(worst, m);
  }
  for (std::size_t k = 0; k < n && first < 0; ++k)
    if (std::abs(mine[k] - nest[k]) > kTolerance) first = static_cast<long>(k);
  return worst;
}

// ---------------------------------------------- one neuron against NEST ----------------------------------------------

traces run_single_nest_layer(const json& ref) {
  const double dt = ref.at("dt_ms").get<double>();
  nest::kernel k({.resolution_ms = dt, .rng_seed = 1, .local_num_threads = 1});
  json params = ref.at("parameters");
  for (const auto& [key, value] : ref.at("initial_state").items()) params[key] = value;
  const auto n = k.create("ht_neuron", 1, params);
  const auto& proto = ref.at("protocol");
  const auto& g = proto.at("step_current_generator");
  k.connect(
      k.create("step_current_generator", 1,
               {{"amplitude_times", g.at("amplitude_times_ms")}, {"amplitude_values", g.at("amplitude_values_pA")}}),
      n, "all_to_all", {{"delay", g.at("delay_ms")}});
  for (const auto& s : proto.at("spike_inputs"))
    k.connect(k.create("spike_generator", 1, {{"spike_times", s.at("times_ms")}}), n, "all_to_all",
              {{"weight", s.at("weight")}, {"delay", s.at("delay_ms")}, {"receptor_type", s.at("receptor_type")}});
  const auto mm = k.create("multimeter", 1, {{"interval", dt}, {"record_from", kRecordables}});
  k.connect(mm, n);
  const auto sr = k.create("spike_recorder");
  k.connect(n, sr);
  k.simulate(ref.at("t_sim_ms").get<double>());
  const json ev = k.get_events(mm);
  traces out;
  for (const auto& r : kRecordables) out.values.push_back(ev.at(r).get<std::vector<double>>());
  const json spikes = k.get_events(sr);  // held: a range-for over a temporary's member would dangle
  for (const auto& t : spikes.at("times"))
    out.spike_steps.push_back(static_cast<std::uint64_t>(std::llround(t.get<double>() / dt)) - 1);
  return out;
}

// The defaults case on the engine directly: one SpikeTime source per spike_generator into the model's ports.
traces run_single_engine(const json& ref) {
  const double dt = ref.at("dt_ms").get<double>();
  network net({.dt = units::time_q(dt), .seed = 1});
  net.add_population<M>("N", 1, M::params{});
  const auto& proto = ref.at("protocol");
  const auto& g = proto.at("step_current_generator");
  step_input step;
  for (const auto& a : g.at("amplitude_values_pA")) step.amplitudes.push_back(units::current_q(a.get<double>()));
  for (const auto& t : g.at("amplitude_times_ms"))
    step.step_times.push_back(units::time_q(t.get<double>() + g.at("delay_ms").get<double>()));
  net.add_current_input("N", step);
  const auto& inputs = proto.at("spike_inputs");
  net.add_population<models::SpikeTime>("G", static_cast<index_t>(inputs.size()));
  std::vector<index_t> who;
  std::vector<units::time_q> when;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    for (const auto& t : inputs[i].at("times_ms")) {
      who.push_back(static_cast<index_t>(i));
      when.push_back(units::time_q(t.get<double>()));
    }
  net.set_spike_schedule("G", who, when);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    synapse_spec syn;
    syn.receptor = M::ports[inputs[i].at("receptor_type").get<int>() - 1].name;
    syn.weight = units::dimensionless_q(inputs[i].at("weight").get<double>());
    syn.delay = units::time_q(inputs[i].at("delay_ms").get<double>());
    net.connect("G[" + std::to_string(i) + ":" + std::to_string(i + 1) + "]", "N", connection_rule{}, syn);
  }
  simulator sim(net);
  sim.record_spikes("N");
  for (const auto& r : kRecordables) sim.record_trace({"N", r, {0}, units::time_q(0.0)});
  sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
  traces out;
  const auto& rec = sim.record();
  for (std::size_t q = 0; q < kRecordables.size(); ++q)
    out.values.emplace_back(rec.traces[q].values.begin(), rec.traces[q].values.end());
  out.spike_steps.assign(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
  return out;
}

void expect_single_matches(const std::string& file, const traces& v, const char* label) {
  const json ref = load_reference(file);
  const std::size_t n =
      static_cast<std::size_t>(std::llround(ref.at("t_sim_ms").get<double>() / ref.at("dt_ms").get<double>()));
  std::printf("%s vs NEST %s (%s):\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str(), label);
  double worst = 0;
  std::string worst_name;
  for (std::size_t q = 0; q < kRecordables.size(); ++q) {
    std::vector<double> mine = v.values[q];
    ASSERT_GE(mine.size(), n) << kRecordables[q];
    mine.resize(n);
    long first = -1;
    const double d = max_difference(ref, kRecordables[q], mine, reference_trace(ref, kRecordables[q].c_str()), first);
    EXPECT_LE(d, kTolerance) << file << " " << kRecordables[q] << " (" << label << "); first sample over: " << first;
    if (d > worst) worst = d, worst_name = kRecordables[q];
  }
  std::vector<std::uint64_t> mine_spikes;
  for (auto s : v.spike_steps)
    if (s < n) mine_spikes.push_back(s);
  EXPECT_EQ(mine_spikes, steps_of(ref.at("record").at("spikes"))) << file << " (" << label << ")";
  std::printf("%s (%s): %zu spikes (NEST %zu); max |volley - NEST| %.3g (%s)\n", file.c_str(), label,
              mine_spikes.size(), ref.at("record").at("spikes").at("stamps_steps").size(), worst, worst_name.c_str());
}

TEST(NestHt, ReferencesExerciseWhatTheComparisonClaims) {
  const json def = load_reference("nest_ht_neuron");
  const auto spikes = steps_of(def.at("record").at("spikes"));
  ASSERT_GE(spikes.size(), 6u);
  // spikes under the depolarising step and a rebound burst after the hyperpolarising one is released (130 ms),
  // carried by I_T (de-inactivated below -80 mV)
  EXPECT_GE(std::count_if(spikes.begin(), spikes.end(), [](auto k) { return k < 700; }), 3);
  EXPECT_GE(std::count_if(spikes.begin(), spikes.end(), [](auto k) { return k > 1300; }), 2);
  const auto V = reference_trace(def, "V_m"), I_T = reference_trace(def, "I_T");
  EXPECT_LT(*std::min_element(V.begin(), V.end()), -100.0);
  EXPECT_GT(*std::max_element(I_T.begin() + 1300, I_T.end()), 2.0);
  EXPECT_DOUBLE_EQ(*std::max_element(V.begin(), V.end()), 30.0);  // spikes: V = E_Na at the spike step
  for (const char* g : {"g_AMPA", "g_NMDA", "g_GABA_A", "g_GABA_B"}) {
    const auto t = reference_trace(def, g);
    EXPECT_GT(*std::max_element(t.begin(), t.end()), 0.05) << g;
  }
  const auto ga = reference_trace(def, "g_AMPA");  // the negative weight at 100.5 ms
  EXPECT_LT(*std::min_element(ga.begin(), ga.end()), -0.01);
  // instantaneous unblock in the params case, clamp in the third
  const json par = load_reference("nest_ht_params");
  EXPECT_EQ(par.at("parameters").at("instant_unblock_NMDA").get<bool>(), true);
  EXPECT_GE(par.at("record").at("spikes").at("stamps_steps").size(), 4u);
  const json cl = load_reference("nest_ht_clamp");
  const auto Vc = reference_trace(cl, "V_m");
  const auto cs = steps_of(cl.at("record").at("spikes"));
  EXPECT_GE(cs.size(), 10u);
  for (std::size_t k = 0; k < Vc.size(); ++k)  // clamped, except E_Na at the spike steps
    EXPECT_EQ(Vc[k], std::find(cs.begin(), cs.end(), k) != cs.end() ? 30.0 : -40.0) << k;
  const auto gn = reference_trace(cl, "g_NMDA");
  EXPECT_GT(*std::max_element(gn.begin(), gn.end()), 0.05);
  // NEST's facts the layer mirrors
  const auto& f = def.at("nest_facts");
  EXPECT_EQ(f.at("create_with_params_V_m_theta"), json::array({-70.0, -51.0}));
  for (const char* key :
       {"ht_to_ht_receptor_0", "spike_generator_receptor_0", "ht_to_ht_receptor_5", "dc_generator_receptor_1",
        "ht_synapse_tau_P_0.0", "ht_synapse_delta_P_1.5", "ht_synapse_P_1.2"})
    EXPECT_EQ(f.at(key).get<std::string>().rfind("refused", 0), 0u) << key;
  for (const char* key : {"ht_to_ht_receptor_1", "ht_to_ht_receptor_4", "dc_generator_receptor_0",
                          "ht_to_iaf_psc_alpha_ht_synapse", "iaf_psc_alpha_to_ht_ht_synapse_receptor_2"})
    EXPECT_EQ(f.at(key), "accepted") << key;
}

TEST(NestHt, SingleNeuronDefaultsMatchNest) {
  const json ref = load_reference("nest_ht_neuron");
  expect_single_matches("nest_ht_neuron", run_single_nest_layer(ref), "NEST layer");
  expect_single_matches("nest_ht_neuron", run_single_engine(ref), "engine");
}
TEST(NestHt, SingleNeuronNonDefaultsInstantUnblockMatchNest) {
  expect_single_matches("nest_ht_params", run_single_nest_layer(load_reference("nest_ht_params")), "NEST layer");
}
TEST(NestHt, VoltageClampMatchesNest) {
  expect_single_matches("nest_ht_clamp", run_single_nest_layer(load_reference("nest_ht_clamp")), "NEST layer");
}

// ------------------------------------------- the network, against NEST --------------------------------------------

TEST(NestHt, NetworkWithHtSynapsesMatchesNest) {
  const json ref = load_reference("nest_ht_network");
  const double dt = ref.at("dt_ms").get<double>();
  nest::kernel k({.resolution_ms = dt, .rng_seed = 1, .local_num_threads = 1});
  const auto wr = k.create("weight_recorder");
  for (const auto& [name, extra] : ref.at("synapse_models").items()) {
    json p = extra;
    p.erase("base");
    p["weight_recorder"] = wr.first_id;
    k.copy_model("ht_synapse", name, p);
  }
  std::map<std::string, nest::node_collection> node;
  for (const auto& [name, n] : ref.at("neurons").items()) {
    node[name] = k.create("ht_neuron");
    if (n.at("dc_amplitude").get<double>() != 0)
      k.connect(k.create("dc_generator", 1, {{"amplitude", n.at("dc_amplitude")}}), node[name]);
  }
  for (const auto& c : ref.at("connections"))
    k.connect(node.at(c.at("source")), node.at(c.at("target")), "all_to_all",
              {{"synapse_model", c.at("synapse_model")},
               {"weight", c.at("weight")},
               {"delay", c.at("delay_ms")},
               {"receptor_type", c.at("receptor_type")}});
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
  const json view = {{"dt_ms", dt}, {"protocol", {{"phases", ref.at("phases")}}}};
  std::printf("nest_ht_network vs NEST %s:\n", ref.at("nest").at("version").get<std::string>().c_str());
  double worst = 0;
  for (const auto& [name, vars] : ref.at("record").at("traces").items()) {
    const json ev = k.get_events(mm.at(name));
    for (const auto& [var, values] : vars.items()) {
      auto mine = ev.at(var).get<std::vector<double>>();
      ASSERT_GE(mine.size(), values.size());
      mine.resize(values.size());
      long first = -1;
      const double d = max_difference(view, name + "." + var, mine, numbers(values), first);
      EXPECT_LE(d, kTolerance) << name << "." << var << "; first sample over: " << first;
      worst = std::max(worst, d);
    }
  }
  std::size_t n_spikes = 0;
  for (const auto& [name, s] : ref.at("record").at("spikes").items()) {
    std::vector<std::uint64_t> mine;
    const json events = k.get_events(sr.at(name));
    for (const auto& t : events.at("times"))
      mine.push_back(static_cast<std::uint64_t>(std::llround(t.get<double>() / dt)) - 1);
    EXPECT_EQ(mine, steps_of(s)) << "spikes of " << name;
    n_spikes += mine.size();
  }
  // every transmitted weight * P, sorted as the reference sorts them (time, sender, target)
  std::map<std::uint64_t, std::string> name_of;
  for (const auto& [name, n] : node) name_of[n.first_id] = name;
  const json ev = k.get_events(wr);
  std::vector<std::tuple<double, std::string, std::string, double>> mine;
  for (std::size_t i = 0; i < ev.at("times").size(); ++i)
    mine.emplace_back(ev.at("times")[i].get<double>(), name_of.at(ev.at("senders")[i].get<std::uint64_t>()),
                      name_of.at(ev.at("targets")[i].get<std::uint64_t>()), ev.at("weights")[i].get<double>());
  std::sort(mine.begin(), mine.end());
  const auto& want = ref.at("record").at("weight_recorder").at("events");
  ASSERT_EQ(mine.size(), want.size());
  double worst_w = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto& [t, s, r, w] = mine[i];
    EXPECT_NEAR(t, want[i][0].get<double>(), 1e-9) << i;
    EXPECT_EQ(s, want[i][1].get<std::string>()) << i;
    EXPECT_EQ(r, want[i][2].get<std::string>()) << i;
    const double d = std::abs(w - want[i][3].get<double>());
    EXPECT_LE(d, 1e-9 * std::abs(want[i][3].get<double>())) << "weight_recorder event " << i;
    worst_w = std::max(worst_w, d / std::abs(want[i][3].get<double>()));
  }
  // the P NEST leaves after the run is the last transmitted P depleted once more
  for (const auto& fp : ref.at("record").at("final_P")) {
    double last = -1, weight = 0, delta = 0;
    for (const auto& c : ref.at("connections"))
      if (c.at("source") == fp.at("source") && c.at("target") == fp.at("target")) {
        weight = c.at("weight").get<double>();
        const auto& sm = ref.at("synapse_models").at(c.at("synapse_model").get<std::string>());
        delta = sm.value("delta_P", 0.125);
      }
    for (const auto& [t, s, r, w] : mine)
      if (s == fp.at("source") && r == fp.at("target")) last = w / weight;
    EXPECT_NEAR(last * (1 - delta), fp.at("P").get<double>(), 1e-10) << fp.dump();
  }
  std::printf(
      "nest_ht_network: %zu spikes; traces max |volley - NEST| %.3g; %zu weight_recorder events, "
      "max relative weight * P difference %.3g\n",
      n_spikes, worst, mine.size(), worst_w);
}

// ----------------------------------------------------- no NEST -----------------------------------------------------

// P along a spike train (an ht_neuron driven by a dc current) from the closed form: P_1 = P0 recovered from t = 0,
// then P_{k+1} = 1 - (1 - (1 - delta) P_k) exp(-(t_{k+1} - t_k) / tau_P); each spike delivers weight * P_k.
TEST(NestHtSynapse, SpikeTrainFollowsTheClosedForm) {
  nest::kernel k({.resolution_ms = 0.1});
  const auto wr = k.create("weight_recorder");
  const double tau_P = 120.0, delta = 0.4, P0 = 0.6, w = 2.0;
  k.copy_model("ht_synapse", "ht_rec",
               {{"weight_recorder", wr.first_id}, {"tau_P", tau_P}, {"delta_P", delta}, {"P", P0}});
  const auto pre = k.create("ht_neuron");
  k.connect(k.create("dc_generator", 1, {{"amplitude", 20.0}}), pre);
  k.connect(pre, k.create("ht_neuron"), "all_to_all",
            {{"synapse_model", "ht_rec"}, {"weight", w}, {"receptor_type", 1}});
  k.simulate(150.0);
  const json ev = k.get_events(wr);
  const auto got = ev.at("weights").get<std::vector<double>>();
  const auto t = ev.at("times").get<std::vector<double>>();  // the presynaptic spike times (ms)
  ASSERT_GE(got.size(), 10u);
  ASSERT_EQ(t.size(), got.size());
  double P = 1 - (1 - P0) * std::exp(-t[0] / tau_P);  // recovering from t = 0 (NEST's t_lastspike_ 0)
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], w * P, 1e-12) << "spike " << i;
    if (i + 1 < got.size()) P = 1 - (1 - (1 - delta) * P) * std::exp(-(t[i + 1] - t[i]) / tau_P);
  }
  std::printf("ht_synapse: %zu spikes, P from %.6f to %.6f as the closed form\n", got.size(), got.front() / w,
              got.back() / w);
}

// A single AMPA spike of weight w: the conductance peaks at w g_peak_AMPA (NEST's beta normalisation), ~t_peak later.
TEST(NestHt, BetaConductancePeaksAtWeightTimesGPeak) {
  network net({.dt = units::time_q(0.01), .seed = 1});
  M::params p;
  p.g_peak_AMPA = units::dimensionless_q(0.2);
  net.add_population<M>("N", 1, p);
  net.add_spike_times("N", {1.0}, units::dimensionless_q(1.5), "AMPA", units::time_q(0.01));
  simulator sim(net);
  sim.record_trace({"N", "g_AMPA", {0}, units::time_q(0.0)});
  sim.run(units::time_q(10.0));
  const auto& g = sim.record().traces[0].values;
  const auto top = std::max_element(g.begin(), g.end());
  EXPECT_NEAR(*top, 1.5 * 0.2, 1e-4);  // the grid misses the exact peak time by < dt
  const double t_peak = 2.4 * 0.5 * std::log(2.4 / 0.5) / (2.4 - 0.5);
  EXPECT_NEAR((top - g.begin() + 1) * 0.01 - 1.01, t_peak, 0.011);
}

// t_ref in NEST's steps (rounded up): I_spike acts for the rest of the spike step and Time(t_ref).get_steps() more.
TEST(NestHt, RefractoryCountsAsNest) {
  for (const auto& [t_ref, steps] : std::vector<std::pair<double, double>>{{2.0, 20}, {3.05, 31}, {0.0, 0}}) {
    M::params p;
    p.t_ref = units::time_q(t_ref);
    EXPECT_EQ(M::derive(p, 0.1).ref_counts, steps) << t_ref;
  }
}

// What NEST refuses in SetStatus / Connect, the layer refuses, naming the parameter or receptor.
TEST(NestHt, BadParametersAndReceptorsAreRefused) {
  auto message = [](const json& params) {
    nest::kernel k({.resolution_ms = 0.1});
    try {
      k.create("ht_neuron", 1, params);
      k.simulate(1.0);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  for (const auto& [key, value] : std::vector<std::pair<std::string, double>>{{"tau_rise_AMPA", 3.0},
                                                                              {"tau_rise_NMDA", 40.0},
                                                                              {"tau_rise_GABA_A", 7.5},
                                                                              {"tau_rise_GABA_B", 200.0},
                                                                              {"tau_Mg_fast_NMDA", 30.0},
                                                                              {"g_peak_AMPA", -0.1},
                                                                              {"g_KL", -1.0},
                                                                              {"S_act_NMDA", -0.1},
                                                                              {"t_ref", -1.0},
                                                                              {"tau_m", 0.0},
                                                                              {"tau_D_KNa", -5.0},
                                                                              {"g_peak_h", -1.0}}) {
    const std::string why = message({{key, value}});
    EXPECT_NE(why.find(key), std::string::npos) << key << " = " << value << ": " << why;
  }
  EXPECT_EQ(message({{"instant_unblock_NMDA", true}, {"voltage_clamp", true}}), "accepted");
  EXPECT_NE(message({{"voltage_clamp", 2.0}}).find("voltage_clamp"), std::string::npos);
  auto connect = [](const std::string& source, int receptor, const json& syn_extra = json::object()) {
    nest::kernel k({.resolution_ms = 0.1});
    try {
      const auto post = k.create("ht_neuron");
      const auto pre = source == "spike_generator" ? k.create(source, 1, {{"spike_times", {1.0}}}) : k.create(source);
      json syn = syn_extra;
      if (receptor >= 0) syn["receptor_type"] = receptor;
      k.connect(pre, post, "all_to_all", syn);
      k.simulate(1.0);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  for (const auto& [source, r] : std::vector<std::pair<std::string, int>>{
           {"ht_neuron", 0}, {"ht_neuron", 5}, {"spike_generator", 0}, {"spike_generator", -1}, {"dc_generator", 1}}) {
    const std::string why = connect(source, r);
    EXPECT_NE(why.find("receptor"), std::string::npos) << source << " receptor " << r << ": " << why;
  }
  for (int r = 1; r <= 4; ++r) EXPECT_EQ(connect("ht_neuron", r), "accepted") << r;
  EXPECT_EQ(connect("dc_generator", -1), "accepted");
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, double>>{{"tau_P", 0.0}, {"delta_P", 1.5}, {"delta_P", -0.1}, {"P", 1.2}}) {
    const std::string why = connect("ht_neuron", 1, {{"synapse_model", "ht_synapse"}, {key, value}});
    EXPECT_NE(why.find(key), std::string::npos) << key << " = " << value << ": " << why;
  }
}

}  // namespace

}  // namespace test_nest_ht
