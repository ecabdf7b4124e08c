// volley's cm_default (models/cm_default.hpp, cm_tree.hpp, cm_currents.hpp) against NEST 3.10
// (tools/nest_reference/make_cm_references.py, tests/reference/cm_default.json).
//
// Four trees: a single soma with one receptor of each kind; a spiking soma (Na, K) with two dendrites; a chain of four
// passive compartments; a soma with three children, one of them with two (Na/K in a dendrite, dt = 0.025 ms).
// Spike inputs on every receptor, dc inputs on the soma and on dendrites. Every compartment's v_comp at every step,
// the gates and receptor conductances every 5th step, and the somatic spike times (exactly).
// Measured (model driven step by step): max |v_volley - v_NEST| = 5e-11 mV over all cases and compartments (the
// file's rounding to 1e-10), gates and conductances within 5e-12 relative (the file's 12 digits), all 14 spikes
// at NEST's steps.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/cm_default.hpp"
#include "tests/support/nest_reference.hpp"

using namespace volley;
using namespace volley::nest_ref;

namespace {

using M = models::cm_default;
constexpr double kVoltageTolerance = 1e-9;  // mV; the reference is rounded to 1e-10
constexpr double kStateRelTolerance = 1e-10;  // gates (1), conductances (uS): |diff| / max(1, |NEST|)
constexpr double kScale = 1000.0;            // NEST's uS, nF, nA -> volley's nS, pF, pA

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
  for (auto [prefix, base] : {std::pair<const char*, int>{"g_r_AN_NMDA_", M::g_r_nmda0}, {"g_d_AN_NMDA_", M::g_d_nmda0},
                              {"g_r_AN_AMPA_", M::g_r0}, {"g_d_AN_AMPA_", M::g_d0}, {"g_r_AMPA_", M::g_r0},
                              {"g_d_AMPA_", M::g_d0}, {"g_r_GABA_", M::g_r0}, {"g_d_GABA_", M::g_d0},
                              {"g_r_NMDA_", M::g_r0}, {"g_d_NMDA_", M::g_d0}})
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
      if (on < steps) port[on][M::R + comp] += amp;  // the receptor ports first, then curr<k>
      if (off < steps) port[off][M::R + comp] -= amp;
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
