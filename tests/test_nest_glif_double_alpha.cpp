// volley's glif_psc_double_alpha (models/glif_psc_double_alpha.hpp, models/glif_common.hpp) against traces recorded
// from NEST 3.10 (tools/nest_reference/make_references.py, entries glif_psc_double_alpha_<variant>): one reference
// per GLIF variant NEST accepts (lif, lif_r, lif_asc, lif_r_asc, lif_r_asc_a), two ports whose fast and slow time
// constants and slow amplitudes all differ (tau_syn_fast [1, 2], tau_syn_slow [5, 12], amp_slow [0.3, 0.6]), the
// excitatory spike_generator on receptor_type 1, the inhibitory one on 2, with the protocol and timing of
// tests/support/nest_reference.hpp. Every recorded variable within 1e-6 of NEST at every step (exact integration),
// identical spike steps, both ways in for the spike_generators.
// Checks without NEST: one input on each port against the closed-form double-alpha PSC and PSP, a port is its
// three parameters (port 2 set like port 1 gives port 1's trajectory bit for bit), and the parameter checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "models/glif_psc_double_alpha.hpp"
#include "models/model_json.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_glif_double_alpha {

using namespace volley;
using namespace volley::nest_ref;

namespace {

using M = models::glif_psc_double_alpha;
constexpr double kTolerance = 1e-6;  // mV, pA
const char* const kVariants[] = {"lif", "lif_r", "lif_asc", "lif_r_asc", "lif_r_asc_a"};
const std::vector<const char*> kVars = {"V_m",           "threshold",      "threshold_spike",
                                        "threshold_voltage", "ASCurrents_sum", "I_syn"};

// NEST's parameters as volley's: every entry taken (lists of exactly two entries), none left over.
class reader {
 public:
  explicit reader(const json& p) : p_(p) {}
  double num(const char* name) {
    seen_.insert(name);
    return number(p_.at(name));
  }
  bool flag(const char* name) {
    seen_.insert(name);
    return p_.at(name).get<bool>();
  }
  std::pair<double, double> pair(const char* name) {
    seen_.insert(name);
    const auto& v = p_.at(name);
    EXPECT_EQ(v.size(), 2u) << name << ": volley has exactly two";
    return {number(v.at(0)), number(v.at(1))};
  }
  void finish(const char* model) const {
    for (const auto& [name, value] : p_.items())
      EXPECT_TRUE(seen_.count(name)) << "NEST parameter " << name << " = " << value << " has no counterpart in "
                                     << model;
  }

 private:
  const json& p_;
  std::set<std::string> seen_;
};

models::glif_psc_double_alpha_params params_from(const json& p) {
  reader in(p);
  models::glif_psc_double_alpha_params q;
  q.V_th = units::voltage_q(in.num("V_th"));
  q.g = units::conductance_q(in.num("g"));
  q.E_L = units::voltage_q(in.num("E_L"));
  q.C_m = units::capacitance_q(in.num("C_m"));
  q.t_ref = units::time_q(in.num("t_ref"));
  q.V_reset = units::voltage_q(in.num("V_reset"));
  q.th_spike_add = units::voltage_q(in.num("th_spike_add"));
  q.th_spike_decay = units::rate_q(in.num("th_spike_decay"));
  q.voltage_reset_fraction = units::dimensionless_q(in.num("voltage_reset_fraction"));
  q.voltage_reset_add = units::voltage_q(in.num("voltage_reset_add"));
  q.th_voltage_index = units::rate_q(in.num("th_voltage_index"));
  q.th_voltage_decay = units::rate_q(in.num("th_voltage_decay"));
  const auto init = in.pair("asc_init"), decay = in.pair("asc_decay"), amps = in.pair("asc_amps"), r = in.pair("asc_r");
  q.asc_init_1 = units::current_q(init.first);
  q.asc_init_2 = units::current_q(init.second);
  q.asc_decay_1 = units::rate_q(decay.first);
  q.asc_decay_2 = units::rate_q(decay.second);
  q.asc_amps_1 = units::current_q(amps.first);
  q.asc_amps_2 = units::current_q(amps.second);
  q.asc_r_1 = units::dimensionless_q(r.first);
  q.asc_r_2 = units::dimensionless_q(r.second);
  q.spike_dependent_threshold = in.flag("spike_dependent_threshold");
  q.after_spike_currents = in.flag("after_spike_currents");
  q.adapting_threshold = in.flag("adapting_threshold");
  EXPECT_FALSE(in.flag("has_connections"));  // bookkeeping: read before Connect
  const auto fast = in.pair("tau_syn_fast"), slow = in.pair("tau_syn_slow"), amp = in.pair("amp_slow");
  q.tau_syn_fast_1 = units::time_q(fast.first);
  q.tau_syn_fast_2 = units::time_q(fast.second);
  q.tau_syn_slow_1 = units::time_q(slow.first);
  q.tau_syn_slow_2 = units::time_q(slow.second);
  q.amp_slow_1 = units::dimensionless_q(amp.first);
  q.amp_slow_2 = units::dimensionless_q(amp.second);
  in.finish("glif_psc_double_alpha");
  return q;
}

// The receptor of a spike_generator, from its weight (the two weights differ: checked).
struct port_of_weight {
  std::vector<std::pair<double, std::string>> table;
  explicit port_of_weight(const json& ref) {
    for (const auto& s : ref.at("protocol").at("spike_inputs"))
      table.emplace_back(s.at("weight").get<double>(), std::to_string(s.at("receptor_type").get<int>()));
    EXPECT_EQ(table.size(), 2u);
    EXPECT_NE(table[0].first, table[1].first) << "the receptor is found by the weight";
  }
  std::string operator()(double w) const {
    for (const auto& [weight, port] : table)
      if (weight == w) return port;
    ADD_FAILURE() << "no spike input of weight " << w;
    return "";
  }
};

// NEST's status values of the state before the run against volley's initial state (ASCurrents: a list).
void expect_initial_state_matches(const json& ref, const models::glif_psc_double_alpha_params& p) {
  real_t s[M::n_state];
  M::initial_state(p, s);
  auto index = [](const std::string& name) {
    for (int j = 0; j < M::n_state; ++j)
      if (name == M::state_fields[j].name) return j;
    return -1;
  };
  for (const auto& [name, value] : ref.at("initial_state").items()) {
    if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        const int q = index(name + "_" + std::to_string(i + 1));
        ASSERT_GE(q, 0) << "NEST state " << name << "[" << i << "] has no counterpart";
        EXPECT_EQ(s[q], number(value[i])) << name << "[" << i << "]";
      }
      continue;
    }
    const int q = index(name);
    ASSERT_GE(q, 0) << "NEST state " << name << " has no counterpart";
    EXPECT_EQ(s[q], number(value)) << name;
  }
}

// One neuron stepped directly (no network).
struct single {
  M::constants c;
  real_t s[M::n_state];
  single(const models::glif_psc_double_alpha_params& p, double dt) : c(M::derive(p, dt)) { M::initial_state(p, s); }
  bool step(double I, double w1 = 0, double w2 = 0) {
    const real_t ports[2] = {static_cast<real_t>(w1), static_cast<real_t>(w2)};
    return M::update(c, s, models::neuron_input{static_cast<real_t>(I), 0, ports, 0});
  }
};

// An alpha PSC of peak w at t = ts and its PSP on a membrane tau_m, C_m from rest (closed forms of the ODE).
double alpha_psc(double w, double ts, double t) { return w * t / ts * std::exp(1.0 - t / ts); }
double alpha_psp(double w, double ts, double tm, double C, double t) {
  const double k = w * std::numbers::e / (ts * C);  // V = k int_0^t e^{-(t-s)/tm} s e^{-s/ts} ds
  if (ts == tm) return k * t * t / 2 * std::exp(-t / tm);
  const double a = 1 / ts - 1 / tm;
  return k * (std::exp(-t / tm) - std::exp(-t / ts) * (1 + a * t)) / (a * a);
}

}  // namespace

// ================================================= against NEST =================================================

TEST(NestGlifDoubleAlpha, MatchesNestAtEveryStepForAllFiveVariants) {
  std::vector<double> worst(kVars.size(), 0.0);
  for (const std::string variant : kVariants) {
    const std::string file = "glif_psc_double_alpha_" + variant;
    SCOPED_TRACE(file);
    const json ref = load_reference(file);
    EXPECT_EQ(ref.at("model"), "glif_psc_double_alpha");
    const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; }));
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 120; }));
    const auto& par = ref.at("parameters");
    for (const char* list : {"tau_syn_fast", "tau_syn_slow", "amp_slow"})
      EXPECT_NE(par.at(list).at(0).get<double>(), par.at(list).at(1).get<double>()) << list << ": ports differ";
    const auto& in = ref.at("protocol").at("spike_inputs");
    EXPECT_EQ(in[0].at("receptor_type").get<int>(), 1);
    EXPECT_EQ(in[1].at("receptor_type").get<int>(), 2);
    const auto p = params_from(par);
    EXPECT_EQ(M::validate(p), nullptr);
    expect_initial_state_matches(ref, p);
    const port_of_weight port(ref);
    auto receptor = [&](double w) { return port(w); };
    const double d = ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
    std::vector<double> w(kVars.size(), 0.0);
    for (int path = 0; path < 2; ++path) {
      const char* label = path == 0 ? "SpikeTime sources onto ports" : "spike-time inputs on ports";
      const traces t = run_protocol<M>(
          ref, p, path == 0 ? spike_path::spike_time_population : spike_path::spike_times_input, d, kVars, receptor);
      std::printf("%s vs NEST %s (%s):\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str(),
                  label);
      for (std::size_t q = 0; q < kVars.size(); ++q) {
        const auto c = compare(ref, kVars[q], t.values[q], reference_trace(ref, kVars[q]), kTolerance);
        EXPECT_LE(c.max_abs, kTolerance) << kVars[q] << " (" << label << "); first sample over: " << c.first_over;
        w[q] = std::max(w[q], c.max_abs);
      }
      EXPECT_EQ(t.spike_steps, reference_spike_steps(ref)) << label;
    }
    std::printf("%s: max |volley - NEST|", file.c_str());
    for (std::size_t q = 0; q < kVars.size(); ++q) {
      std::printf(" %s %.3g", kVars[q], w[q]);
      worst[q] = std::max(worst[q], w[q]);
    }
    std::printf(", %zu NEST spikes\n", spikes.size());
  }
  std::printf("glif_psc_double_alpha, all variants: max |volley - NEST|");
  for (std::size_t q = 0; q < kVars.size(); ++q) std::printf(" %s %.3g", kVars[q], worst[q]);
  std::printf("\n");
}

TEST(NestGlifDoubleAlpha, DefaultsAreNests) {
  // NEST 3.10's defaults: glif_psc's membrane and mechanisms, one port tau_syn_fast [2.0], tau_syn_slow [6.0],
  // amp_slow [0.3] (the references change the switches, the port lists and, for lif_r_asc, asc_r)
  const auto n = params_from(load_reference("glif_psc_double_alpha_lif").at("parameters"));
  const models::glif_psc_double_alpha_params d;
  EXPECT_EQ(d.g.value, n.g.value);
  EXPECT_EQ(d.E_L.value, n.E_L.value);
  EXPECT_EQ(d.V_th.value, n.V_th.value);
  EXPECT_EQ(d.V_reset.value, n.V_reset.value);
  EXPECT_EQ(d.C_m.value, n.C_m.value);
  EXPECT_EQ(d.t_ref.value, n.t_ref.value);
  EXPECT_EQ(d.th_spike_add.value, n.th_spike_add.value);
  EXPECT_EQ(d.asc_amps_2.value, n.asc_amps_2.value);
  EXPECT_EQ(d.asc_r_1.value, n.asc_r_1.value);
  EXPECT_EQ(d.tau_syn_fast_1.value, 2.0);
  EXPECT_EQ(d.tau_syn_slow_1.value, 6.0);
  EXPECT_EQ(d.amp_slow_1.value, 0.3);
  EXPECT_FALSE(d.spike_dependent_threshold || d.after_spike_currents || d.adapting_threshold);
}

// ============================================== without NEST ====================================================

// One input of weight w on one port (GLIF1, no spike): I_syn = w [alpha(t; tau_fast) + amp_slow alpha(t; tau_slow)]
// (recorded at the start of each step: sample k holds t = (k - 1) dt) and V - E_L the sum of the two alpha PSPs at
// t = k dt, exactly, t from the end of the arrival step.
TEST(NestGlifDoubleAlpha, OneInputGivesTheClosedFormDoubleAlpha) {
  const double dt = 0.1, w = 80.0;
  for (int port = 0; port < 2; ++port) {
    models::glif_psc_double_alpha_params p;
    p.V_th = units::voltage_q(1e6);  // no spike
    const double tf = port == 0 ? 1.5 : 0.8, ts = port == 0 ? 7.0 : 15.0, amp = port == 0 ? 0.4 : 1.3;
    p.tau_syn_fast_1 = units::time_q(port == 0 ? tf : 3.0);
    p.tau_syn_fast_2 = units::time_q(port == 1 ? tf : 3.0);
    p.tau_syn_slow_1 = units::time_q(port == 0 ? ts : 9.0);
    p.tau_syn_slow_2 = units::time_q(port == 1 ? ts : 9.0);
    p.amp_slow_1 = units::dimensionless_q(port == 0 ? amp : 2.0);
    p.amp_slow_2 = units::dimensionless_q(port == 1 ? amp : 2.0);
    const double C = p.C_m.value, tm = C / p.g.value;
    single n(p, dt);
    n.step(0, port == 0 ? w : 0, port == 1 ? w : 0);
    EXPECT_EQ(n.s[M::V_m], p.E_L.value);
    double worst_v = 0, worst_i = 0;
    for (int k = 1; k <= 1000; ++k) {
      n.step(0);
      const double t = k * dt;
      const double v = alpha_psp(w, tf, tm, C, t) + alpha_psp(amp * w, ts, tm, C, t);
      const double i = alpha_psc(w, tf, t - dt) + alpha_psc(amp * w, ts, t - dt);
      worst_v = std::max(worst_v, std::abs(n.s[M::V_m] - p.E_L.value - v));
      worst_i = std::max(worst_i, std::abs(n.s[M::I_syn] - i));
      const int other = 1 - port;
      ASSERT_EQ(n.s[M::I_syn_fast_1 + 2 * other], 0.0);
      ASSERT_EQ(n.s[M::I_syn_slow_1 + 2 * other], 0.0);
      if (std::abs(t - tf) < 1e-9) {
        EXPECT_NEAR(n.s[M::I_syn_fast_1 + 2 * port], w, 1e-9) << "fast peak w at tau_syn_fast";
      }
      if (std::abs(t - ts) < 1e-9) {
        EXPECT_NEAR(n.s[M::I_syn_slow_1 + 2 * port], amp * w, 1e-9) << "slow peak amp_slow w at tau_syn_slow";
      }
    }
    std::printf("glif_psc_double_alpha port %d: max |PSP - closed form| %.3g mV, |I_syn - closed form| %.3g pA\n",
                port + 1, worst_v, worst_i);
    EXPECT_LT(worst_v, 1e-10);
    EXPECT_LT(worst_i, 1e-10);
  }
}

// A port is its three parameters: port 2 set like port 1 gives, bit for bit, port 1's trajectory (GLIF5, spikes
// included), whatever port 1's parameters are when unused.
TEST(NestGlifDoubleAlpha, APortIsItsParametersAndAnUnusedPortAddsNothing) {
  models::glif_psc_double_alpha_params a, b;
  for (auto* p : {&a, &b}) {
    p->spike_dependent_threshold = p->after_spike_currents = p->adapting_threshold = true;
  }
  a.tau_syn_fast_1 = units::time_q(1.2);
  a.tau_syn_slow_1 = units::time_q(8.0);
  a.amp_slow_1 = units::dimensionless_q(0.7);
  b.tau_syn_fast_2 = units::time_q(1.2);
  b.tau_syn_slow_2 = units::time_q(8.0);
  b.amp_slow_2 = units::dimensionless_q(0.7);
  b.tau_syn_fast_1 = units::time_q(0.3);
  b.tau_syn_slow_1 = units::time_q(30.0);
  b.amp_slow_1 = units::dimensionless_q(5.0);
  single na(a, 0.1), nb(b, 0.1);
  int spikes = 0;
  for (int k = 0; k < 3000; ++k) {
    const double I = k > 500 ? 300.0 : 0.0;
    const double w = (k % 97 == 0 ? 150.0 : 0.0) - (k % 131 == 0 ? 100.0 : 0.0);
    const bool sa = na.step(I, w, 0), sb = nb.step(I, 0, w);
    ASSERT_EQ(sa, sb) << k;
    spikes += sa;
    for (int q : {int(M::V_m), int(M::threshold), int(M::threshold_spike), int(M::threshold_voltage),
                  int(M::ASCurrents_sum), int(M::I_syn)})
      ASSERT_EQ(na.s[q], nb.s[q]) << M::state_fields[q].name << " step " << k;
    ASSERT_EQ(na.s[M::I_syn_fast_1], nb.s[M::I_syn_fast_2]) << k;
    ASSERT_EQ(na.s[M::I_syn_slow_1], nb.s[M::I_syn_slow_2]) << k;
  }
  EXPECT_GE(spikes, 5);
}

// ============================================ parameter checks ==================================================

TEST(NestGlifDoubleAlpha, ParameterValidation) {
  auto spec_error_names = [](const nlohmann::json& params) -> std::string {
    models::population_request req{.name = "P", .size = 1, .params = &params};
    try {
      models::create_population<M>(req);
    } catch (const parameter_error& e) {
      return e.parameter_name;
    }
    return "(accepted)";
  };
  // NEST: g, C_m, t_ref > 0; every synaptic time constant > 0; amp_slow > 0 (strictly)
  for (const auto& [key, value] : std::vector<std::pair<const char*, nlohmann::json>>{{"g", "0 nS"},
                                                                                  {"C_m", "-1 pF"},
                                                                                  {"t_ref", "0 ms"},
                                                                                  {"tau_syn_fast_1", "0 ms"},
                                                                                  {"tau_syn_fast_2", "-1 ms"},
                                                                                  {"tau_syn_slow_1", "0 ms"},
                                                                                  {"tau_syn_slow_2", "-6 ms"},
                                                                                  {"amp_slow_1", 0.0},
                                                                                  {"amp_slow_2", -0.3}})
    EXPECT_EQ(spec_error_names(nlohmann::json{{key, value}}), key) << value;
  EXPECT_EQ(spec_error_names(nlohmann::json{{"amp_slow_2", 2.5}, {"tau_syn_slow_1", "1 ms"}}), "(accepted)")
      << "amp_slow > 1 and a slow component faster than the fast one: NEST accepts both";
  EXPECT_EQ(spec_error_names(nlohmann::json{{"tau_syn", "2 ms"}}), "tau_syn") << "glif_psc's parameter, not this model's";
  // the mechanism combinations and the switch-dependent checks are glif_psc's (glif_validate)
  models::glif_psc_double_alpha_params p;
  p.adapting_threshold = true;
  ASSERT_NE(M::validate(p), nullptr);
  EXPECT_NE(std::string(M::validate(p)).find("adapting_threshold"), std::string::npos);
  p.spike_dependent_threshold = p.after_spike_currents = true;
  EXPECT_EQ(M::validate(p), nullptr);
  p.asc_r_2 = units::dimensionless_q(1.5);
  ASSERT_NE(M::validate(p), nullptr);
  EXPECT_NE(std::string(M::validate(p)).find("asc_r_2"), std::string::npos);
  models::glif_psc_double_alpha_params q;
  q.V_reset = units::voltage_q(-50.0);
  EXPECT_NE(M::validate(q), nullptr) << "V_reset must be below V_th";
}

}  // namespace test_nest_glif_double_alpha
