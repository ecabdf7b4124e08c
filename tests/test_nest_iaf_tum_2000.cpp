// volley's iaf_tum_2000 (models/iaf_tum_2000.hpp) against NEST 3.10 (tools/nest_reference/make_tum_references.py).
//
// One neuron (tests/reference/iaf_tum_2000.json: NEST's defaults, x = y = u = 0; iaf_tum_2000_facilitating.json:
// every plasticity parameter and initial state off its default, y > 0): the protocol of
// tests/support/nest_reference.hpp plus two Poisson-like spike_generators; V_m, I_syn_ex, I_syn_in, x, y and u at
// every step within 1e-6 (mV, pA, 1), identical spike steps, both ways in for the spike_generators, and the released
// amount u x of every spike against NEST's spike offset (where NEST puts it).
// Two connected neurons (iaf_tum_2000_pair_{depressing,facilitating,defaults}.json): presynaptic iaf_tum_2000
// neurons, driven by step currents, reach a postsynaptic iaf_tum_2000 through receptor_type 1 (weights scaled by
// u x: volley's spike payload) with a positive and a negative weight, and an iaf_psc_exp through receptor 0 (plain
// weights: synapse_spec::use_payload = false); a spike_generator reaches the postsynaptic neuron through receptor 0.
// The targets' V_m, I_syn_ex, I_syn_in at every step within 1e-6, every neuron's spike steps, and the released
// amounts of the presynaptic spikes.
// Without NEST: the released amounts of a regular spike train against the steady state of the Tsodyks-Uziel-Markram
// map (derived here from the ODEs' solution, not from NEST's propagators), the first releases in closed form, the
// membrane bit for bit equal to iaf_psc_exp, the stochastic threshold's spike count (binomial) and its spikes during
// the refractory period, NEST's t_ref rounding, and parameter validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/iaf_tum_2000.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "models/model_json.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_iaf_tum_2000 {

using namespace volley;
using namespace volley::nest_ref;

namespace {

using M = models::iaf_tum_2000;
constexpr double kTolerance = 1e-6;  // mV, pA, and 1 for x, y, u and the released amounts

// NEST's parameters (and initial x, y, u) as volley's; every NEST entry taken (finish() fails on any left over).
M::params params_from(const json& parameters, const json& initial) {
  parameter_reader in(parameters);
  M::params q;
  q.E_L = units::voltage_q(in.take("E_L"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.tau_m = units::time_q(in.take("tau_m"));
  q.t_ref = units::time_q(in.take("t_ref"));
  q.V_th = units::voltage_q(in.take("V_th"));
  q.V_reset = units::voltage_q(in.take("V_reset"));
  q.tau_syn_ex = units::time_q(in.take("tau_syn_ex"));
  q.tau_syn_in = units::time_q(in.take("tau_syn_in"));
  q.I_e = units::current_q(in.take("I_e"));
  q.rho = units::rate_q(in.take("rho") * 1e-3);  // NEST: 1/s
  q.delta = units::voltage_q(in.take("delta"));
  q.tau_fac = units::time_q(in.take("tau_fac"));
  q.tau_psc = units::time_q(in.take("tau_psc"));
  q.tau_rec = units::time_q(in.take("tau_rec"));
  q.U = units::dimensionless_q(in.take("U"));
  in.finish("iaf_tum_2000");
  parameter_reader st(initial);
  EXPECT_EQ(st.take("V_m"), q.E_L.value) << "volley starts at E_L";
  q.x = units::dimensionless_q(st.take("x"));
  q.y = units::dimensionless_q(st.take("y"));
  q.u = units::dimensionless_q(st.take("u"));
  st.finish("iaf_tum_2000 (initial state)");
  return q;
}

models::iaf_psc_exp_params psc_exp_params_from(const json& parameters, const json& initial) {
  parameter_reader in(parameters);
  models::iaf_psc_exp_params q;
  q.E_L = units::voltage_q(in.take("E_L"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.tau_m = units::time_q(in.take("tau_m"));
  q.t_ref = units::time_q(in.take("t_ref"));
  q.V_th = units::voltage_q(in.take("V_th"));
  q.V_reset = units::voltage_q(in.take("V_reset"));
  q.tau_syn_ex = units::time_q(in.take("tau_syn_ex"));
  q.tau_syn_in = units::time_q(in.take("tau_syn_in"));
  q.I_e = units::current_q(in.take("I_e"));
  EXPECT_EQ(in.take("delta"), 0.0) << "iaf_psc_exp's stochastic threshold (NEST 3.10) is off";
  in.take("rho");
  in.finish("iaf_psc_exp");
  EXPECT_EQ(number(initial.at("V_m")), q.E_L.value);
  return q;
}

const char* named_port(double w) { return w >= 0 ? "ex" : "in"; }
const char* volley_chooses(double) { return ""; }

std::vector<double> reference_offsets(const json& spikes) { return spikes.at("offsets").get<std::vector<double>>(); }
std::vector<std::uint64_t> reference_stamps_as_steps(const json& spikes) {
  std::vector<std::uint64_t> v;
  for (const auto& k : spikes.at("stamps_steps")) v.push_back(k.get<std::uint64_t>() - 1);  // stamp = end of step
  return v;
}

// The released amounts volley's trace holds at the spike steps against NEST's offsets; returns the largest |diff|.
double expect_released_matches(const std::vector<double>& released_trace, const std::vector<std::uint64_t>& steps,
                               const std::vector<double>& nest, const std::string& what) {
  EXPECT_EQ(steps.size(), nest.size()) << what;
  double worst = 0;
  for (std::size_t i = 0; i < std::min(steps.size(), nest.size()); ++i) {
    const double d = std::abs(released_trace.at(steps[i]) - nest[i]);
    EXPECT_LE(d, kTolerance) << what << " spike " << i;
    worst = std::max(worst, d);
  }
  return worst;
}

// ---------------------------------------------- one neuron against NEST ----------------------------------------------

const std::vector<const char*> kSingleVars{"V_m", "I_syn_ex", "I_syn_in", "x", "y", "u", "released"};

void expect_single_matches_nest(const std::string& file) {
  const json ref = load_reference(file);
  ASSERT_EQ(ref.at("model"), "iaf_tum_2000");
  const auto p = params_from(ref.at("parameters"), ref.at("initial_state"));
  const double delay = ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
  const auto nest_steps = reference_spike_steps(ref);
  ASSERT_EQ(nest_steps, reference_stamps_as_steps(ref.at("record").at("spikes")));
  const auto offsets = reference_offsets(ref.at("record").at("spikes"));
  std::map<std::string, double> worst;
  for (const auto path : {spike_path::spike_time_population, spike_path::spike_times_input}) {
    const char* label = path == spike_path::spike_time_population ? "SpikeTime sources onto named inputs"
                                                                   : "spike-time inputs routed by volley";
    const traces v = path == spike_path::spike_time_population
                         ? run_protocol<M>(ref, p, path, delay, kSingleVars, named_port)
                         : run_protocol<M>(ref, p, path, delay, kSingleVars, volley_chooses);
    std::printf("%s vs NEST %s (%s):\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str(), label);
    for (std::size_t q = 0; q + 1 < kSingleVars.size(); ++q) {
      const auto c = compare(ref, kSingleVars[q], v.values[q], reference_trace(ref, kSingleVars[q]), kTolerance);
      EXPECT_LE(c.max_abs, kTolerance) << file << " " << kSingleVars[q] << " (" << label
                                       << "); first sample over: " << c.first_over;
      worst[kSingleVars[q]] = std::max(worst[kSingleVars[q]], c.max_abs);
    }
    EXPECT_EQ(v.spike_steps, nest_steps) << file << " (" << label << ")";
    worst["released"] =
        std::max(worst["released"], expect_released_matches(v.values.back(), v.spike_steps, offsets, file));
  }
  std::printf("%s: %zu spikes equal; max |volley - NEST|", file.c_str(), nest_steps.size());
  for (const auto& [name, w] : worst) std::printf(" %s %.3g", name.c_str(), w);
  std::printf("\n");
}

TEST(NestIafTum2000, ReferencesExerciseWhatTheComparisonClaims) {
  for (const char* file : {"iaf_tum_2000", "iaf_tum_2000_facilitating"}) {
    const json ref = load_reference(file);
    const auto& rec = ref.at("record");
    const auto steps = rec.at("spikes").at("stamps_steps").get<std::vector<long>>();
    EXPECT_GE(steps.size(), 4u) << file;
    EXPECT_TRUE(std::any_of(steps.begin(), steps.end(), [](long k) { return k > 200 && k < 1200; })) << file;
    EXPECT_TRUE(std::any_of(steps.begin(), steps.end(), [](long k) { return k > 1200; })) << file;
    // the released amounts change from spike to spike, and x, y, u move
    const auto off = reference_offsets(rec.at("spikes"));
    EXPECT_GT(*std::max_element(off.begin(), off.end()) - *std::min_element(off.begin(), off.end()), 0.01) << file;
    const auto y = reference_trace(ref, "y");
    EXPECT_GT(*std::max_element(y.begin(), y.end()), 0.05) << file;
    // NEST's spike_recorder (ms) reports stamp - offset: the released amount read as a precise spike time
    const auto ms = rec.at("spikes").at("recorder_times_ms").get<std::vector<double>>();
    ASSERT_EQ(ms.size(), steps.size()) << file;
    for (std::size_t i = 0; i < ms.size(); ++i) EXPECT_NEAR(ms[i], steps[i] * 0.1 - off[i], 1e-9) << file;
    // both signs of input, and Poisson-like inputs on top of the fixed ones
    const auto& in = ref.at("protocol").at("spike_inputs");
    ASSERT_EQ(in.size(), 4u) << file;
    EXPECT_GT(in[0].at("weight").get<double>(), 0);
    EXPECT_LT(in[1].at("weight").get<double>(), 0);
    EXPECT_GT(in[2].at("times_ms").size(), 50u);
  }
  // defaults: x starts at 0 (NEST), so the first release is u x with x = 1 - exp(-t1/tau_rec), u = U
  const json ref = load_reference("iaf_tum_2000");
  EXPECT_EQ(number(ref.at("initial_state").at("x")), 0.0);
  const double t1 = ref.at("record").at("spikes").at("stamps_steps")[0].get<double>() * 0.1;
  EXPECT_NEAR(reference_offsets(ref.at("record").at("spikes"))[0], 0.5 * (1 - std::exp(-t1 / 400.0)), 1e-12);
  // what the NEST layer must mirror: tum -> tum only through receptor 1, a spike_generator there delivers nothing
  const auto& facts = ref.at("nest_facts");
  EXPECT_NE(facts.at("tum_to_tum_receptor_0").get<std::string>().find("refused"), std::string::npos);
  EXPECT_EQ(facts.at("spike_generator_receptor_1_max_abs_current_pA").get<double>(), 0.0);
}

TEST(NestIafTum2000, SingleNeuronDefaultsMatchNest) { expect_single_matches_nest("iaf_tum_2000"); }
TEST(NestIafTum2000, SingleNeuronFacilitatingMatchesNest) { expect_single_matches_nest("iaf_tum_2000_facilitating"); }

// ----------------------------------- presynaptic iaf_tum_2000 -> target, against NEST -----------------------------------

struct pair_run {
  std::map<std::string, std::vector<double>> traces;          // "post.V_m", ..., "pre_ex.released"
  std::map<std::string, std::vector<std::uint64_t>> spikes;   // per population
};

pair_run run_pair(const json& ref) {
  const double dt = ref.at("dt_ms").get<double>();
  network net({.dt = units::time_q(dt), .seed = 1});
  const auto& neurons = ref.at("neurons");
  for (const auto& [name, n] : neurons.items()) {
    if (n.at("model") == "iaf_tum_2000")
      net.add_population<M>(name, 1, params_from(n.at("parameters"), n.at("initial_state")));
    else
      net.add_population<models::iaf_psc_exp>(name, 1, psc_exp_params_from(n.at("parameters"), n.at("initial_state")));
    if (n.contains("step_current_generator")) {
      const auto& g = n.at("step_current_generator");
      step_input s;
      for (const auto& a : g.at("amplitude_values_pA")) s.amplitudes.push_back(units::current_q(a.get<double>()));
      for (const auto& t : g.at("amplitude_times_ms"))  // the generator's connection delay, as run_protocol does
        s.step_times.push_back(units::time_q(t.get<double>() + g.at("delay_ms").get<double>()));
      net.add_current_input(name, s);
    }
  }
  for (const auto& c : ref.at("connections")) {
    synapse_spec syn;
    syn.weight = units::current_q(c.at("weight").get<double>());
    syn.delay = units::time_q(c.at("delay_ms").get<double>());
    // NEST scales by u x only through receptor_type 1 (iaf_tum_2000 targets); receptor 0: plain weights
    syn.use_payload = c.at("receptor_type").get<int>() == 1;
    net.connect(c.at("source").get<std::string>(), c.at("target").get<std::string>(), connection_rule{}, syn);
  }
  const auto& g = ref.at("spike_generator");
  EXPECT_EQ(g.at("receptor_type").get<int>(), 0);
  net.add_spike_times(g.at("target").get<std::string>(), g.at("times_ms").get<std::vector<double>>(),
                      units::current_q(g.at("weight").get<double>()), "",
                      units::time_q(g.at("delay_ms").get<double>()));

  simulator sim(net);
  std::vector<std::string> names;
  for (const auto& [name, n] : neurons.items()) {
    names.push_back(name);
    sim.record_spikes(name);
  }
  std::vector<std::string> traced;
  for (const auto& [name, vars] : ref.at("record").at("traces").items())
    for (const auto& [var, values] : vars.items()) traced.push_back(name + "." + var);
  for (const char* pre : {"pre_ex", "pre_in"}) traced.push_back(std::string(pre) + ".released");
  for (const auto& t : traced) {
    const auto dot = t.find('.');
    sim.record_trace({t.substr(0, dot), t.substr(dot + 1), {0}, units::time_q(0.0)});
  }
  sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
  pair_run out;
  const auto& rec = sim.record();
  for (std::size_t q = 0; q < traced.size(); ++q)
    out.traces[traced[q]].assign(rec.traces[q].values.begin(), rec.traces[q].values.end());
  for (std::size_t i = 0; i < names.size(); ++i)
    out.spikes[names[i]].assign(rec.spikes[i].step.begin(), rec.spikes[i].step.end());
  return out;
}

void expect_pair_matches_nest(const std::string& file) {
  const json ref = load_reference(file);
  const json view = {{"dt_ms", ref.at("dt_ms")}, {"protocol", {{"phases", ref.at("phases")}}}};
  const pair_run v = run_pair(ref);
  std::printf("%s vs NEST %s:\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str());
  std::map<std::string, double> worst;
  for (const auto& [name, vars] : ref.at("record").at("traces").items())
    for (const auto& [var, values] : vars.items()) {
      const std::string key = name + "." + var;
      std::vector<double> nest;
      for (const auto& x : values) nest.push_back(number(x));
      const auto c = compare(view, key.c_str(), v.traces.at(key), nest, kTolerance);
      EXPECT_LE(c.max_abs, kTolerance) << file << " " << key << "; first sample over: " << c.first_over;
      worst[key] = c.max_abs;
    }
  std::size_t n_spikes = 0;
  for (const auto& [name, s] : ref.at("record").at("spikes").items()) {
    EXPECT_EQ(v.spikes.at(name), reference_stamps_as_steps(s)) << file << " spikes of " << name;
    n_spikes += v.spikes.at(name).size();
    if (name.rfind("pre", 0) == 0)
      worst[name + ".released"] =
          expect_released_matches(v.traces.at(name + ".released"), v.spikes.at(name), reference_offsets(s),
                                  file + " " + name);
  }
  std::printf("%s: %zu spikes equal in 4 neurons; max |volley - NEST|", file.c_str(), n_spikes);
  for (const auto& [name, w] : worst) std::printf(" %s %.3g", name.c_str(), w);
  std::printf("\n");
}

TEST(NestIafTum2000, PairReferencesExerciseWhatTheComparisonClaims) {
  for (const char* file : {"iaf_tum_2000_pair_depressing", "iaf_tum_2000_pair_facilitating", "iaf_tum_2000_pair_defaults"}) {
    const json ref = load_reference(file);
    const auto& spikes = ref.at("record").at("spikes");
    EXPECT_GE(spikes.at("pre_ex").at("stamps_steps").size(), 10u) << file;
    EXPECT_GE(spikes.at("pre_in").at("stamps_steps").size(), 5u) << file;
    EXPECT_GE(spikes.at("post").at("stamps_steps").size(), 2u) << file;
    EXPECT_GE(spikes.at("pexp").at("stamps_steps").size(), 2u) << file;
    int through_1 = 0;
    for (const auto& c : ref.at("connections"))
      if (c.at("receptor_type") == 1) {
        ++through_1;
        EXPECT_EQ(c.at("target"), "post");
      }
    EXPECT_EQ(through_1, 2) << file;
  }
  // depression: the releases of the first spikes fall; facilitation: they rise
  const auto dep = reference_offsets(load_reference("iaf_tum_2000_pair_depressing").at("record").at("spikes").at("pre_ex"));
  const auto fac =
      reference_offsets(load_reference("iaf_tum_2000_pair_facilitating").at("record").at("spikes").at("pre_ex"));
  EXPECT_GT(dep[0], dep[1]);
  EXPECT_GT(dep[1], dep[2]);
  EXPECT_LT(fac[0], fac[1]);
  EXPECT_LT(fac[1], fac[2]);
}

TEST(NestIafTum2000, PairDepressingMatchesNest) { expect_pair_matches_nest("iaf_tum_2000_pair_depressing"); }
TEST(NestIafTum2000, PairFacilitatingMatchesNest) { expect_pair_matches_nest("iaf_tum_2000_pair_facilitating"); }
TEST(NestIafTum2000, PairDefaultsMatchNest) { expect_pair_matches_nest("iaf_tum_2000_pair_defaults"); }

// =================================================== without NEST ===================================================

// One neuron stepped directly (no network).
struct single {
  M::constants c;
  real_t s[M::n_state];
  single(const M::params& p, double dt) : c(M::derive(p, dt)) { M::initial_state(p, s); }
  bool step(double I, double uniform = 0.5, double w_ex = 0, double w_in = 0) {
    const real_t ports[2] = {static_cast<real_t>(w_ex), static_cast<real_t>(w_in)};
    return M::update(c, s, models::neuron_input{static_cast<real_t>(I), 0, ports, static_cast<real_t>(uniform)});
  }
};

// Steady state of the released amount for spikes every T ms, from the solution of the resource ODEs between spikes
// (y decays with tau_psc; z is fed by y and recovers with tau_rec; x = 1 - y - z) and the jumps at a spike:
// the fixed point of the affine map of (x, y) just after a spike, with u at its own fixed point.
double steady_release(const M::params& p, double T) {
  const double U = p.U.value, tf = p.tau_fac.value, tp = p.tau_psc.value, tr = p.tau_rec.value;
  const double decay_u = tf > 0 ? std::exp(-T / tf) : 0.0;
  const double u = U / (1 - (1 - U) * decay_u);  // u just after a spike
  const double Ep = std::exp(-T / tp), Er = std::exp(-T / tr);
  // from (a, b) = (x, y) after a spike: y(T) = b Ep, z(T) = (1 - a - b) Er + b tr (Ep - Er) / (tp - tr)
  // x(T) = 1 - y(T) - z(T) = gamma + alpha a + beta b
  const double gamma = 1 - Er, alpha = Er, beta = Er - Ep - tr * (Ep - Er) / (tp - tr);
  // a = (1 - u) x(T), b = Ep b + u x(T): solve the 2x2 linear system for (a, b)
  const double m11 = 1 - (1 - u) * alpha, m12 = -(1 - u) * beta, c1 = (1 - u) * gamma;
  const double m21 = -u * alpha, m22 = 1 - Ep - u * beta, c2 = u * gamma;
  const double det = m11 * m22 - m12 * m21;
  const double a = (c1 * m22 - m12 * c2) / det, b = (m11 * c2 - m21 * c1) / det;
  return u * (gamma + alpha * a + beta * b);
}

TEST(NestIafTum2000, RegularTrainReachesTheTsodyksMarkramSteadyState) {
  struct set {
    const char* name;
    double U, tau_fac, tau_rec, tau_psc, I_e;
  };
  for (const set& k : {set{"depressing", 0.5, 0.0, 400.0, 2.0, 600.0}, set{"facilitating", 0.1, 500.0, 100.0, 3.0, 420.0},
                       set{"mixed", 0.3, 200.0, 150.0, 8.0, 1000.0}}) {
    M::params p;
    p.U = units::dimensionless_q(k.U);
    p.tau_fac = units::time_q(k.tau_fac);
    p.tau_rec = units::time_q(k.tau_rec);
    p.tau_psc = units::time_q(k.tau_psc);
    p.I_e = units::current_q(k.I_e);
    p.x = units::dimensionless_q(1.0);
    single n(p, 0.1);
    std::vector<int> at;
    std::vector<double> rel;
    for (int step = 0; step < 100000; ++step)
      if (n.step(0.0)) {
        at.push_back(step);
        rel.push_back(n.s[M::released]);
      }
    ASSERT_GE(at.size(), 100u) << k.name;
    const int isi = at.back() - at[at.size() - 2];
    for (std::size_t i = 1; i < at.size(); ++i) ASSERT_EQ(at[i] - at[i - 1], isi) << k.name << " regular train";
    // first release: u = U, x = 1
    EXPECT_NEAR(rel[0], k.U, 1e-15) << k.name;
    const double expect = steady_release(p, isi * 0.1);
    std::printf("%s: period %.1f ms, released: first %.6g, last %.12g, steady state %.12g\n", k.name, isi * 0.1,
                rel[0], rel.back(), expect);
    EXPECT_NEAR(rel.back(), expect, 1e-12) << k.name;
    EXPECT_GT(std::abs(rel.back() - rel[0]), 0.01) << k.name << ": the train changes the release";
    EXPECT_EQ(n.s[M::u] * n.s[M::x] >= 0, true);
  }
}

TEST(NestIafTum2000, MembraneIsIafPscExpBitForBit) {
  // the membrane and currents are iaf_psc_exp's (same propagators, same order) whatever the plasticity does
  M::params p;
  p.I_e = units::current_q(420.0);
  p.x = units::dimensionless_q(1.0);
  models::iaf_psc_exp_params q;
  q.I_e = p.I_e;
  single a(p, 0.1);
  const auto qc = models::iaf_psc_exp::derive(q, 0.1);
  real_t b[models::iaf_psc_exp::n_state];
  models::iaf_psc_exp::initial_state(q, b);
  int spikes = 0;
  for (int k = 0; k < 3000; ++k) {
    const double ex = k % 89 == 0 ? 300.0 : 0.0, in = k % 113 == 0 ? -300.0 : 0.0;
    const real_t ports[2] = {static_cast<real_t>(ex), static_cast<real_t>(in)};
    const bool sa = a.step(0.0, 0.5, ex, in);
    const bool sb = models::iaf_psc_exp::update(qc, b, models::neuron_input{0, 0, ports, 0});
    ASSERT_EQ(sa, sb) << "step " << k;
    spikes += sa;
    ASSERT_EQ(a.s[M::V_m], b[models::iaf_psc_exp::V_m]) << "step " << k;
    ASSERT_EQ(a.s[M::I_syn_ex], b[models::iaf_psc_exp::I_syn_ex]) << "step " << k;
  }
  EXPECT_GE(spikes, 5);
}

TEST(NestIafTum2000, RefractoryStepsRoundUpAsNest) {
  // NEST 3.10: t_ref 2.04 ms at 0.1 ms gives spikes 22 steps apart under a huge current (21 refractory steps)
  M::params p;
  p.I_e = units::current_q(1e6);
  for (const auto& [t_ref, gap] : std::vector<std::pair<double, int>>{{2.04, 22}, {2.0, 21}, {0.0, 1}, {0.04, 2}}) {
    p.t_ref = units::time_q(t_ref);
    single n(p, 0.1);
    std::vector<int> at;
    for (int k = 0; k < 100; ++k)
      if (n.step(0.0)) at.push_back(k);
    ASSERT_GE(at.size(), 3u);
    EXPECT_EQ(at[0], 0) << t_ref;
    EXPECT_EQ(at[2] - at[1], gap) << t_ref;
  }
}

TEST(NestIafTum2000, StochasticThresholdFiresAtItsRateAlsoWhileRefractory) {
  // delta > 0: a spike with probability rho exp((V - V_th)/delta) dt per step; V stays at E_L = V_reset here (no
  // input), so p is constant: the spike count over the population and steps is binomial. NEST tests the threshold
  // also while refractory: intervals shorter than t_ref occur. Through the network: the engine's uniforms.
  M::params p;
  p.delta = units::voltage_q(2.0);
  const double p_step = 0.01;
  p.rho = units::rate_q(p_step / (0.1 * std::exp(-15.0 / 2.0)));  // 1/ms
  network net({.dt = units::time_q(0.1), .seed = 7});
  net.add_population<M>("S", 100, p);
  simulator sim(net);
  sim.record_spikes("S");
  sim.run(units::time_q(200.0));
  const auto& sp = sim.record().spikes[0];
  const double n = 100.0 * 2000.0, mean = n * p_step, sd = std::sqrt(n * p_step * (1 - p_step));
  std::printf("stochastic threshold: %zu spikes, expected %.0f +- %.0f\n", sp.size(), mean, sd);
  EXPECT_NEAR(double(sp.size()), mean, 5 * sd);
  std::map<index_t, std::vector<step_t>> per;
  for (std::size_t i = 0; i < sp.size(); ++i) per[sp.neuron[i]].push_back(sp.step[i]);
  int short_isi = 0;
  for (const auto& [i, s] : per)
    for (std::size_t k = 1; k < s.size(); ++k) short_isi += s[k] - s[k - 1] < 20;
  EXPECT_GT(short_isi, 50) << "spikes within t_ref of the previous one (NEST's stochastic test ignores it)";
  // delta exactly 1e-10 mV: neither of NEST's threshold branches applies, no spike ever
  M::params q;
  q.delta = units::voltage_q(1e-10);
  q.I_e = units::current_q(1e6);
  single s(q, 0.1);
  for (int k = 0; k < 100; ++k) ASSERT_FALSE(s.step(0.0, 1e-9));
  EXPECT_GT(s.s[M::V_m], q.V_th.value);
}

TEST(NestIafTum2000, PayloadIsTheReleasedAmount) {
  static_assert(M::spike_payload == M::released);
  EXPECT_EQ(describe_model<M>().spike_payload, M::released);
  EXPECT_EQ(std::string(M::state_fields[M::released].name), "released");
  // the payload reaches a target through the engine: one spike, w u x on the target's port "ex"
  M::params p;
  p.x = units::dimensionless_q(0.8);
  p.U = units::dimensionless_q(0.25);
  p.I_e = units::current_q(1e6);  // spikes in step 0
  p.t_ref = units::time_q(1000.0);
  network net({.dt = units::time_q(0.1), .seed = 1});
  net.add_population<M>("pre", 1, p);
  net.add_population<M>("post", 2);
  synapse_spec with, without;
  with.weight = without.weight = units::current_q(100.0);
  with.delay = without.delay = units::time_q(1.0);
  without.use_payload = false;
  net.connect("pre", "post[0:1]", connection_rule{}, with);
  net.connect("pre", "post[1:2]", connection_rule{}, without);
  simulator sim(net);
  sim.record_trace({"post", "I_syn_ex", {0, 1}, units::time_q(0.0)});
  sim.run(units::time_q(2.0));
  const auto& tr = sim.record().traces[0].values;  // [sample][neuron]
  // pre spikes in step 0 (t = 0.1 ms): u = U, released = U x (x recovered from 0.8 over 0.1 ms); arrives at 1.1 ms
  const double x1 = 1 - 0.2 * std::exp(-0.1 / 400.0);
  const double released = 0.25 * x1;
  EXPECT_NEAR(tr[10 * 2 + 0], 100.0 * released, 1e-9) << "sample 10 (t = 1.1 ms), payload";
  EXPECT_NEAR(tr[10 * 2 + 1], 100.0, 1e-9) << "plain weight";
  EXPECT_EQ(tr[9 * 2 + 0], 0.0);
}

TEST(NestIafTum2000, ParameterValidation) {
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
  // NEST: C_m > 0; tau_m, tau_syn_*, tau_psc, tau_rec > 0; tau_fac, t_ref, rho, delta >= 0; U, u in [0, 1]
  for (const auto& [key, value] : std::vector<std::pair<const char*, nlohmann::json>>{
           {"C_m", "0 pF"}, {"tau_m", "0 ms"}, {"tau_syn_ex", "-1 ms"}, {"tau_syn_in", "0 ms"},
           {"tau_psc", "0 ms"}, {"tau_rec", "-5 ms"}, {"tau_fac", "-1 ms"}, {"t_ref", "-0.1 ms"},
           {"rho", "-1 Hz"}, {"delta", "-0.5 mV"}, {"U", 1.5}, {"U", -0.1}, {"u", 1.2}, {"u", -0.1},
           {"x", 1.1}, {"y", -0.2}})
    EXPECT_EQ(error_names(key, value), key) << value;
  // cross-parameter checks: validate()
  EXPECT_EQ(error_names("V_reset", "-55 mV"), "params") << "V_reset must be below V_th";
  EXPECT_EQ(error_names("tau_psc", "400 ms"), "params") << "tau_psc == tau_rec";
  {
    const nlohmann::json params = {{"x", 0.7}, {"y", 0.4}};
    models::population_request req{.name = "P", .size = 1, .params = &params};
    EXPECT_THROW(models::create_population<M>(req), parameter_error) << "x + y > 1";
  }
  M::params p;
  p.x = units::dimensionless_q(0.6);
  p.y = units::dimensionless_q(0.4);
  EXPECT_EQ(M::validate(p), nullptr) << "x + y == 1";
  for (const auto& [key, value] : std::vector<std::pair<const char*, nlohmann::json>>{
           {"tau_fac", "0 ms"}, {"t_ref", "0 ms"}, {"U", 0.0}, {"U", 1.0}, {"delta", "0.5 mV"}, {"rho", "0 Hz"},
           {"x", 1.0}, {"E_L", "-60 mV"}, {"I_e", "-100 pA"}})
    EXPECT_EQ(error_names(key, value), "(accepted)") << key << " " << value;
  EXPECT_EQ(error_names("tau_fac_x", "2 ms"), "tau_fac_x") << "unknown parameter";
  static_assert(M::routes_by_sign && M::n_ports == 2);
}

}  // namespace

// Through the NEST layer: a tum -> tum connection (receptor_type 1) carries weight * u x, a tum -> iaf_psc_exp one
// the plain weight. One presynaptic spike in the first 10 ms: the ratio of the two targets' I_syn_ex is the first
// release, U (1 - exp(-t1/tau_rec)) from NEST's initial x = y = u = 0. NEST's refusals: tum -> tum through
// receptor 0, a generator into receptor 1.
TEST(NestIafTum2000, NestLayerScalesByTheReleaseThroughReceptorOne) {
  nest::kernel k({.resolution_ms = 0.1, .rng_seed = 1, .local_num_threads = 1});
  const auto pre = k.create("iaf_tum_2000", 1, {{"I_e", 1000.0}, {"t_ref", 200.0}});
  const auto post = k.create("iaf_tum_2000", 1, {{"V_th", 1e9}});
  const auto plain = k.create("iaf_psc_exp", 1, {{"V_th", 1e9}});
  k.connect(pre, post, "all_to_all", {{"weight", 50.0}, {"receptor_type", 1}});
  k.connect(pre, plain, "all_to_all", {{"weight", 50.0}});
  const auto sr = k.create("spike_recorder");
  k.connect(pre, sr);
  k.simulate(10.0);  // the spike near 4.7 ms arrives 1 ms later; the currents (tau_syn 2 ms) are still large
  const nest::json ev = k.get_events(sr);
  ASSERT_EQ(ev.at("times").size(), 1u);
  const double t1 = ev.at("times")[0].get<double>();
  ASSERT_LT(t1 + 1.0, 10.0);
  const double i_tum = k.get_status(post).at("I_syn_ex")[0].get<double>();
  const double i_plain = k.get_status(plain).at("I_syn_ex")[0].get<double>();
  ASSERT_GT(i_plain, 1e-3);
  EXPECT_NEAR(i_tum / i_plain, 0.5 * (1 - std::exp(-t1 / 400.0)), 1e-12);

  auto refused = [](bool generator) {
    nest::kernel b({.resolution_ms = 0.1});
    const auto a = b.create("iaf_tum_2000", 2);
    try {
      if (generator)
        b.connect(b.create("spike_generator", 1, {{"spike_times", {1.0}}}), a, "all_to_all", {{"receptor_type", 1}});
      else
        b.connect(a[0], a[1], "all_to_all", {{"receptor_type", 0}});
      b.simulate(1.0);
    } catch (const parameter_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused(false).find("receptor_type"), std::string::npos) << refused(false);
  EXPECT_NE(refused(true).find("receptor_type"), std::string::npos) << refused(true);
}

}  // namespace test_nest_iaf_tum_2000
