// volley's cm_default (models/cm_default.hpp, cm_tree.hpp, cm_currents.hpp) against NEST 3.10
// (tools/nest_reference/make_cm_references.py, tests/reference/cm_default.json).
//
// Four trees: a single soma with one receptor of each kind; a spiking soma (Na, K) with two dendrites; a chain of four
// passive compartments; a soma with three children, one of them with two (Na/K in a dendrite, dt = 0.025 ms).
// Spike inputs on every receptor, dc inputs on the soma and on dendrites. Every compartment's v_comp at every step,
// the gates and receptor conductances every 5th step, and the somatic spike times (exactly).
// Each case twice: the model driven step by step (an oracle of NEST's list syntax written apart from the layer), and
// through the NEST layer (Create, SetStatus with NEST's compartments / receptors lists, Connect with NEST's
// receptor_types, multimeter on NEST's recordable names). Measured both ways: max |v_volley - v_NEST| = 5e-11 mV over
// all cases and compartments (the file's rounding to 1e-10), gates and conductances within 5e-12 relative (the
// file's 12 digits), all 14 spikes at NEST's steps. Planted bugs caught: NMDA block 0.3 -> 0.33 (up to 174 mV),
// the layer's current delivery one step late (up to 156 mV). NEST's order of summation in the Hines down sweep
// (cm_tree.hpp) is not distinguished by these data: reverse index order also stays within 5e-11 mV.
// Also: one and two threads give the same voltages and spikes; NEST's refusals and volley's bounds (8 compartments,
// 8 receptors) as parameter_errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "models/cm_default.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_cm_default {

using namespace volley;
using namespace volley::nest_ref;

namespace {

using M = models::cm_default;
constexpr double kVoltageTolerance = 1e-9;    // mV; the reference is rounded to 1e-10
constexpr double kStateRelTolerance = 1e-10;  // gates (1), conductances (uS): |diff| / max(1, |NEST|)
constexpr double kScale = 1000.0;             // NEST's uS, nF, nA -> volley's nS, pF, pA

// NEST's compartments / receptors lists as the flattened parameters (an oracle written apart from host/nest_cm.cpp)
M::params params_of(const json& c) {
  M::params p;
  if (c.contains("V_th")) p.V_th = units::voltage_q(c.at("V_th").get<double>());
  const auto& comps = c.at("compartments");
  p.n_compartments = units::dimensionless_q(double(comps.size()));
  for (std::size_t k = 0; k < comps.size(); ++k) {
    auto& q = p.comp[k];
    q.parent_idx = units::dimensionless_q(comps[k].at("parent_idx").get<double>());
    const json prm = comps[k].value("params", json::object());
    auto get = [&](const char* n, double d) { return prm.contains(n) ? prm.at(n).get<double>() : d; };
    q.C_m = units::capacitance_q(get("C_m", 1.0) * kScale);
    q.g_C = units::conductance_q(get("g_C", 0.01) * kScale);
    q.g_L = units::conductance_q(get("g_L", 0.1) * kScale);
    q.e_L = units::voltage_q(get("e_L", -70.0));
    q.v_comp = units::voltage_q(get("v_comp", -70.0));
    q.gbar_Na = units::conductance_q(get("gbar_Na", 0.0) * kScale);
    q.e_Na = units::voltage_q(get("e_Na", 50.0));
    q.gbar_K = units::conductance_q(get("gbar_K", 0.0) * kScale);
    q.e_K = units::voltage_q(get("e_K", -85.0));
  }
  const auto& recs = c.at("receptors");
  p.n_receptors = units::dimensionless_q(double(recs.size()));
  for (std::size_t r = 0; r < recs.size(); ++r) {
    auto& q = p.rec[r];
    const std::string type = recs[r].at("receptor_type");
    const json prm = recs[r].value("params", json::object());
    auto get = [&](const std::string& n, double d) { return prm.contains(n) ? prm.at(n).get<double>() : d; };
    q.comp_idx = units::dimensionless_q(recs[r].at("comp_idx").get<double>());
    if (type == "AMPA_NMDA") {
      q.type = units::dimensionless_q(4);
      q.e_rev = units::voltage_q(get("e_AMPA_NMDA", 0.0));
      q.tau_r = units::time_q(get("tau_r_AMPA", 0.2));
      q.tau_d = units::time_q(get("tau_d_AMPA", 3.0));
      q.tau_r_NMDA = units::time_q(get("tau_r_NMDA", 0.2));
      q.tau_d_NMDA = units::time_q(get("tau_d_NMDA", 43.0));
      q.NMDA_ratio = units::dimensionless_q(get("NMDA_ratio", 2.0));
      continue;
    }
    const double kind = type == "AMPA" ? 1 : type == "GABA" ? 2 : 3;
    q.type = units::dimensionless_q(kind);
    q.e_rev = units::voltage_q(get("e_" + type, type == "GABA" ? -80.0 : 0.0));
    q.tau_r = units::time_q(get("tau_r_" + type, 0.2));
    q.tau_d = units::time_q(get("tau_d_" + type, type == "AMPA" ? 3.0 : type == "GABA" ? 10.0 : 43.0));
  }
  return p;
}

// volley's state index of one of NEST's recordables, and the factor from volley's unit to NEST's
int state_of(const std::string& nest_name, double& scale) {
  scale = 1.0;
  auto tail = [&](const std::string& prefix) { return std::stoi(nest_name.substr(prefix.size())); };
  for (auto [prefix, base] : {std::pair<const char*, int>{"m_Na_", M::m_Na0}, {"h_Na_", M::h_Na0}, {"n_K_", M::n_K0}})
    if (nest_name.rfind(prefix, 0) == 0) return base + tail(prefix);
  for (auto [prefix, base] : {std::pair<const char*, int>{"g_r_AN_NMDA_", M::g_r_nmda0},
                              {"g_d_AN_NMDA_", M::g_d_nmda0},
                              {"g_r_AN_AMPA_", M::g_r0},
                              {"g_d_AN_AMPA_", M::g_d0},
                              {"g_r_AMPA_", M::g_r0},
                              {"g_d_AMPA_", M::g_d0},
                              {"g_r_GABA_", M::g_r0},
                              {"g_d_GABA_", M::g_d0},
                              {"g_r_NMDA_", M::g_r0},
                              {"g_d_NMDA_", M::g_d0}})
    if (nest_name.rfind(prefix, 0) == 0) return base + tail(prefix);
  ADD_FAILURE() << "unknown recordable " << nest_name;
  return 0;
}

struct run_result {
  std::vector<std::vector<double>> v;  // [step][compartment], mV
  std::vector<std::vector<double>> s;  // [step][state], volley units
  std::vector<double> spikes;          // ms
};

// Drives one neuron through the case: a spike at t with delay d reaches its receptor in the step ending at t + d;
// NEST's dc_generator (start, stop, delay dt) reaches its compartment in the steps ending in (start, stop] (one step
// before it reaches an iaf: NEST's cm_default adds a current in the step it arrives, the iaf's in the next).
run_result run_model(const json& c) {
  const double dt = c.at("dt").get<double>();
  const int steps = static_cast<int>(std::lround(c.at("t_sim").get<double>() / dt));
  const M::params p = params_of(c);
  EXPECT_EQ(M::validate(p), nullptr);
  const M::constants k = M::derive(p, dt);
  std::vector<real_t> s(M::n_state);
  M::initial_state(p, s.data());
  std::vector<std::vector<double>> port(steps, std::vector<double>(M::n_ports, 0.0));
  std::vector<double> soma_current(steps, 0.0);
  for (const auto& sp : c.at("spikes"))
    for (const auto& t : sp.at("times")) {
      const long n = std::lround((t.get<double>() + sp.at("delay").get<double>()) / dt) - 1;
      if (n >= 0 && n < steps) port[n][sp.at("receptor").get<int>()] += sp.at("weight").get<double>() * kScale;
    }
  for (const auto& d : c.at("dc")) {
    const long on = std::lround(d.at("start").get<double>() / dt);
    const long off = std::lround(d.at("stop").get<double>() / dt);
    const double amp = d.at("amplitude").get<double>() * kScale;
    const int comp = d.at("comp").get<int>();
    if (comp == 0) {
      for (long n = on; n < off && n < steps; ++n) soma_current[n] += amp;
    } else {  // a dendrite: steps on its current port
      // the receptor ports first, then curr<k>; a step on the port acts from the next step on
      if (on >= 1 && on <= steps) port[on - 1][M::R + comp] += amp;
      if (off >= 1 && off <= steps) port[off - 1][M::R + comp] -= amp;
    }
  }
  run_result out;
  const int n = static_cast<int>(c.at("compartments").size());
  for (int step = 0; step < steps; ++step) {
    std::vector<real_t> in_port(port[step].begin(), port[step].end());
    models::neuron_input in{static_cast<real_t>(soma_current[step]), 0, in_port.data(), 0};
    if (M::update(k, s.data(), in)) out.spikes.push_back((step + 1) * dt);
    out.v.emplace_back(s.begin(), s.begin() + n);
    out.s.emplace_back(s.begin(), s.end());
  }
  return out;
}

struct cm_comparison {
  double max_dv = 0, max_ds = 0;
  std::string worst_v, worst_s;
};

cm_comparison compare(const json& c, const run_result& r) {
  cm_comparison out;
  const int n = static_cast<int>(c.at("compartments").size());
  for (int k = 0; k < n; ++k) {
    const auto& ref = c.at("v_comp" + std::to_string(k));
    EXPECT_EQ(ref.size(), r.v.size());
    for (std::size_t i = 0; i < ref.size() && i < r.v.size(); ++i) {
      const double d = std::abs(r.v[i][k] - ref[i].get<double>());
      if (d > out.max_dv) {
        out.max_dv = d;
        out.worst_v = "v_comp" + std::to_string(k) + " step " + std::to_string(i);
      }
    }
  }
  const int stride = 5;
  for (const auto& [name, ref] : c.at("states").items()) {
    double scale;
    const int q = state_of(name, scale);
    for (std::size_t j = 0; j < ref.size(); ++j) {
      const std::size_t i = j * stride;
      if (i >= r.s.size()) break;
      const double x = ref[j].get<double>(), d = std::abs(r.s[i][q] * scale - x) / std::max(1.0, std::abs(x));
      if (d > out.max_ds) {
        out.max_ds = d;
        out.worst_s = name + " step " + std::to_string(i);
      }
    }
  }
  return out;
}

std::vector<double> reference_spikes(const json& c) {
  std::vector<double> t;
  for (const auto& x : c.at("spike_times")) t.push_back(x.get<double>());
  return t;
}

void expect_same_spikes(const std::vector<double>& got, const std::vector<double>& want, double dt) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(std::lround(got[i] / dt), std::lround(want[i] / dt)) << "spike " << i;
}

// The same case through the NEST layer: Create, SetStatus with NEST's lists, Connect with NEST's receptor_types
// (spike receptors and current receptors = compartment indices), a multimeter on NEST's recordable names.
run_result run_nest_layer(const json& c, int threads = 1) {
  const double dt = c.at("dt").get<double>();
  nest::kernel k({.resolution_ms = dt, .rng_seed = 1, .local_num_threads = threads});
  json create = json::object();
  if (c.contains("V_th")) create["V_th"] = c.at("V_th");
  const auto n = k.create("cm_default", 1, create);
  k.set_status(n, {{"compartments", c.at("compartments")}});
  k.set_status(n, {{"receptors", c.at("receptors")}});
  for (const auto& sp : c.at("spikes"))
    k.connect(k.create("spike_generator", 1, {{"spike_times", sp.at("times")}}), n, "all_to_all",
              {{"weight", sp.at("weight")}, {"delay", sp.at("delay")}, {"receptor_type", sp.at("receptor")}});
  for (const auto& d : c.at("dc"))
    k.connect(k.create("dc_generator", 1,
                       {{"amplitude", d.at("amplitude")}, {"start", d.at("start")}, {"stop", d.at("stop")}}),
              n, "all_to_all", {{"delay", dt}, {"receptor_type", d.at("comp")}});
  const int n_comp = static_cast<int>(c.at("compartments").size());
  json rec = json::array();
  for (int i = 0; i < n_comp; ++i) rec.push_back("v_comp" + std::to_string(i));
  for (const auto& [name, v] : c.at("states").items()) rec.push_back(name);
  const auto mm = k.create("multimeter", 1, {{"interval", dt}, {"record_from", rec}});
  k.connect(mm, n);
  const auto sr = k.create("spike_recorder");
  k.connect(n, sr);
  k.simulate(c.at("t_sim").get<double>());
  const json ev = k.get_events(mm);
  run_result out;
  const std::size_t steps = ev.at("times").size();
  out.v.assign(steps, std::vector<double>(n_comp));
  out.s.assign(steps, std::vector<double>(M::n_state, 0.0));
  for (int i = 0; i < n_comp; ++i)
    for (std::size_t j = 0; j < steps; ++j) out.v[j][i] = ev.at("v_comp" + std::to_string(i))[j].get<double>();
  for (const auto& [name, v] : c.at("states").items()) {
    double scale;
    const int q = state_of(name, scale);
    for (std::size_t j = 0; j < steps; ++j) out.s[j][q] = ev.at(name)[j].get<double>();
  }
  const json spikes = k.get_events(sr);
  for (const auto& t : spikes.at("times")) out.spikes.push_back(t.get<double>());
  return out;
}

}  // namespace

TEST(NestCmDefault, ModelMatchesNestStepByStep) {
  const json ref = load_reference("cm_default");
  double worst = 0;
  for (const auto& [name, c] : ref.at("cases").items()) {
    SCOPED_TRACE(name);
    const run_result r = run_model(c);
    const cm_comparison cmp = compare(c, r);
    std::printf("%-16s max|dv| = %.3g mV (%s), max state diff = %.3g (%s), spikes %zu\n", name.c_str(), cmp.max_dv,
                cmp.worst_v.c_str(), cmp.max_ds, cmp.worst_s.c_str(), r.spikes.size());
    EXPECT_LE(cmp.max_dv, kVoltageTolerance) << cmp.worst_v;
    EXPECT_LE(cmp.max_ds, kStateRelTolerance) << cmp.worst_s;
    expect_same_spikes(r.spikes, reference_spikes(c), c.at("dt").get<double>());
    worst = std::max(worst, cmp.max_dv);
  }
  std::printf("all cases: max |v_volley - v_NEST| = %.3g mV\n", worst);
}

TEST(NestCmDefault, NestLayerMatchesNest) {
  const json ref = load_reference("cm_default");
  double worst = 0;
  for (const auto& [name, c] : ref.at("cases").items()) {
    SCOPED_TRACE(name);
    const run_result r = run_nest_layer(c);
    const cm_comparison cmp = compare(c, r);
    std::printf("%-16s NEST layer: max|dv| = %.3g mV (%s), max state diff = %.3g (%s), spikes %zu\n", name.c_str(),
                cmp.max_dv, cmp.worst_v.c_str(), cmp.max_ds, cmp.worst_s.c_str(), r.spikes.size());
    EXPECT_LE(cmp.max_dv, kVoltageTolerance) << cmp.worst_v;
    EXPECT_LE(cmp.max_ds, kStateRelTolerance) << cmp.worst_s;
    expect_same_spikes(r.spikes, reference_spikes(c), c.at("dt").get<double>());
    worst = std::max(worst, cmp.max_dv);
  }
  std::printf("NEST layer, all cases: max |v_volley - v_NEST| = %.3g mV\n", worst);
}

TEST(NestCmDefault, SameOnTwoThreads) {
  const json ref = load_reference("cm_default");
  const json& c = ref.at("cases").at("soma_na_k_2dend");
  const run_result a = run_nest_layer(c, 1), b = run_nest_layer(c, 2);
  EXPECT_EQ(a.v, b.v);
  EXPECT_EQ(a.spikes, b.spikes);
}

TEST(NestCmDefault, RefusesWhatNestRefusesAndVolleysBounds) {
  const json soma = json::array({{{"parent_idx", -1}}});
  auto make = [&](nest::kernel& k) {
    const auto n = k.create("cm_default", 1);
    k.set_status(n, {{"compartments", soma}});
    return n;
  };
  {  // NEST: the first compartment is the root; a parent must exist
    nest::kernel k;
    const auto n = k.create("cm_default", 1);
    EXPECT_THROW(k.set_status(n, {{"compartments", json::array({{{"parent_idx", 0}}})}}), parameter_error);
    EXPECT_THROW(k.set_status(n, {{"compartments", json::array({{{"parent_idx", -1}}, {{"parent_idx", 1}}})}}),
                 parameter_error);
    EXPECT_THROW(k.set_status(n, {{"compartments", json::array({{{"parent_idx", -1}}, {{"parent_idx", -1}}})}}),
                 parameter_error);
  }
  {  // unread entries, and NEST 3.10's e_K read only together with e_Na
    nest::kernel k;
    const auto n = k.create("cm_default", 1);
    EXPECT_THROW(k.set_status(n, {{"compartments", json::array({{{"parent_idx", -1}, {"params", {{"tau_m", 1.0}}}}})}}),
                 parameter_error);
    EXPECT_THROW(k.set_status(n, {{"compartments", json::array({{{"parent_idx", -1}, {"params", {{"e_K", -90.0}}}}})}}),
                 parameter_error);
    EXPECT_NO_THROW(k.set_status(
        n, {{"compartments", json::array({{{"parent_idx", -1}, {"params", {{"e_K", -90.0}, {"e_Na", 55.0}}}}})}}));
    EXPECT_THROW(k.set_status(n, {{"compartments", soma}}), parameter_error);  // already defined
    EXPECT_THROW(k.set_status(n, {{"receptors", json::array({{{"comp_idx", 1}, {"receptor_type", "AMPA"}}})}}),
                 parameter_error);
    EXPECT_THROW(k.set_status(n, {{"receptors", json::array({{{"comp_idx", 0}, {"receptor_type", "GABA_B"}}})}}),
                 parameter_error);
    EXPECT_THROW(
        k.set_status(n, {{"receptors",
                          json::array({{{"comp_idx", 0}, {"receptor_type", "GABA"}, {"params", {{"e_AMPA", 0.0}}}}})}}),
        parameter_error);
  }
  {  // volley's bounds, named in the error
    nest::kernel k;
    const auto n = k.create("cm_default", 1);
    json chain = json::array({{{"parent_idx", -1}}});
    for (int i = 1; i <= models::cm_max_compartments; ++i) chain.push_back({{"parent_idx", i - 1}});
    try {
      k.set_status(n, {{"compartments", chain}});
      ADD_FAILURE() << "9 compartments accepted";
    } catch (const parameter_error& e) {
      EXPECT_NE(std::string(e.what()).find("at most 8 compartments"), std::string::npos) << e.what();
    }
    k.set_status(n, {{"compartments", soma}});
    json many = json::array();
    for (int i = 0; i <= models::cm_max_receptors; ++i) many.push_back({{"comp_idx", 0}, {"receptor_type", "AMPA"}});
    try {
      k.set_status(n, {{"receptors", many}});
      ADD_FAILURE() << "9 receptors accepted";
    } catch (const parameter_error& e) {
      EXPECT_NE(std::string(e.what()).find("at most 8 receptors"), std::string::npos) << e.what();
    }
  }
  // ports: spike receptors are the receptor indices, current receptors the compartment indices (devices are
  // checked when the network is built, at the first simulate)
  auto connect = [&](const std::string& source, const json& source_params, const json& syn) {
    nest::kernel k;
    const auto n = make(k);
    k.set_status(n, {{"add_compartments", json::array({{{"parent_idx", 0}}})}});
    k.set_status(n, {{"receptors", json::array({{{"comp_idx", 1}, {"receptor_type", "NMDA"}}})}});
    k.connect(k.create(source, 1, source_params), n, "all_to_all", syn);
    k.simulate(1.0);
  };
  const json sg = {{"spike_times", {0.5}}}, dc = {{"amplitude", 0.1}}, ac = {{"amplitude", 0.1}, {"frequency", 10.0}};
  EXPECT_THROW(connect("spike_generator", sg, {{"receptor_type", 1}}), parameter_error);
  EXPECT_THROW(connect("spike_generator", sg, {{"receptor_type", 0}, {"weight", -1.0}}), parameter_error);
  EXPECT_NO_THROW(connect("spike_generator", sg, {{"receptor_type", 0}, {"weight", 0.1}}));
  EXPECT_THROW(connect("dc_generator", dc, {{"receptor_type", 2}}), parameter_error);  // no compartment 2
  EXPECT_NO_THROW(connect("dc_generator", dc, {{"receptor_type", 1}}));
  EXPECT_NO_THROW(connect("ac_generator", ac, {{"receptor_type", 0}}));
  EXPECT_THROW(connect("ac_generator", ac, {{"receptor_type", 1}}), parameter_error);  // a dendrite takes steps
  {  // NEST refuses to simulate a cm_default without compartments
    nest::kernel k;
    k.create("cm_default", 1);
    EXPECT_THROW(k.simulate(1.0), parameter_error);
  }
}

}  // namespace test_nest_cm_default
