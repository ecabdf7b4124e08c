// volley's iaf_cond_exp and aeif_cond_alpha against traces recorded from NEST 3.10 (issue 5), with the protocol and
// timing conventions of tests/support/nest_reference.hpp. Both models integrate with models/rkf45.hpp, GSL's
// adaptive RKF45 as NEST drives it, step sequence included, so the comparison is at every step: V_m, the conductances
// and w within kTolerance of NEST, identical spike steps. The issue accepts 1e-3 mV; the traces agree to the
// references' 1e-9 rounding, and 1e-6 still catches the wrong error control (y instead of yp: 1.5e-5 mV) or GSL 2's
// evolve (1e-3 to 0.02 mV), while leaving room for libm differences that flip a step-size decision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "models/aeif_cond_alpha.hpp"
#include "models/iaf_cond_exp.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_cond {

using namespace volley;
using namespace volley::nest_ref;

namespace {

constexpr double kTolerance = 1e-6;  // mV (and nS, pA for the other variables)

models::iaf_cond_exp_params iaf_cond_exp_params_from(const json& p) {
  parameter_reader in(p);
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
  return q;
}

models::aeif_cond_alpha_params aeif_cond_alpha_params_from(const json& p) {
  parameter_reader in(p);
  models::aeif_cond_alpha_params q;
  q.V_peak = units::voltage_q(in.take("V_peak"));
  q.V_reset = units::voltage_q(in.take("V_reset"));
  q.t_ref = units::time_q(in.take("t_ref"));
  q.g_L = units::conductance_q(in.take("g_L"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.E_ex = units::voltage_q(in.take("E_ex"));
  q.E_in = units::voltage_q(in.take("E_in"));
  q.E_L = units::voltage_q(in.take("E_L"));
  q.Delta_T = units::voltage_q(in.take("Delta_T"));
  q.tau_w = units::time_q(in.take("tau_w"));
  q.a = units::conductance_q(in.take("a"));
  q.b = units::current_q(in.take("b"));
  q.V_th = units::voltage_q(in.take("V_th"));
  q.tau_syn_ex = units::time_q(in.take("tau_syn_ex"));
  q.tau_syn_in = units::time_q(in.take("tau_syn_in"));
  q.I_e = units::current_q(in.take("I_e"));
  q.gsl_error_tol = units::dimensionless_q(in.take("gsl_error_tol"));
  in.finish("aeif_cond_alpha");
  return q;
}

const char* named_port(double w) { return w >= 0 ? "ex" : "in"; }
const char* volley_chooses(double) { return ""; }

double current_delay(const json& ref) {
  return ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
}

// Compares every recorded variable (each within `tol`) and the spike steps; returns the largest |dV| (mV).
double expect_matches_nest(const json& ref, const traces& v, const std::vector<const char*>& variables, double tol,
                           const char* label) {
  std::printf("%s vs NEST %s (%s):\n", ref.at("model").get<std::string>().c_str(),
              ref.at("nest").at("version").get<std::string>().c_str(), label);
  double max_dv = 0;
  for (std::size_t q = 0; q < variables.size(); ++q) {
    const auto c = compare(ref, variables[q], v.values[q], reference_trace(ref, variables[q]), tol);
    EXPECT_LE(c.max_abs, tol) << variables[q] << " (" << label << "); first sample over: " << c.first_over;
    if (q == 0) max_dv = c.max_abs;
  }
  EXPECT_EQ(v.spike_steps, reference_spike_steps(ref)) << label;
  return max_dv;
}

}  // namespace

TEST(NestReference, CondReferencesExerciseWhatTheComparisonClaims) {
  for (const char* model : {"iaf_cond_exp", "aeif_cond_alpha"}) {
    const json ref = load_reference(model);
    EXPECT_EQ(ref.at("model"), model);
    EXPECT_EQ(ref.at("dt_ms").get<double>(), 0.1);
    EXPECT_EQ(ref.at("initial_state").at("V_m").get<double>(), ref.at("parameters").at("E_L").get<double>())
        << model << ": volley starts at E_L";
    for (const auto& [name, value] : ref.at("initial_state").items()) {
      if (name != "V_m") {
        EXPECT_EQ(value.get<double>(), 0.0) << model << " " << name;
      }
    }
    const auto& in = ref.at("protocol").at("spike_inputs");
    ASSERT_EQ(in.size(), 2u);
    EXPECT_GT(in[0].at("weight").get<double>(), 0);
    EXPECT_LT(in[1].at("weight").get<double>(), 0);
    EXPECT_EQ(in[0].at("weight_unit"), "nS");
    const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; })) << model;
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 120; })) << model;
  }
  // iaf_cond_exp's refractory clamp is exercised: an excitatory input arrives within t_ref of a spike
  const json ref = load_reference("iaf_cond_exp");
  const double t_ref = ref.at("parameters").at("t_ref").get<double>();
  const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
  bool during_refractory = false;
  for (const auto& s : ref.at("protocol").at("spike_inputs"))
    for (const auto& t : s.at("times_ms")) {
      const double arrive = t.get<double>() + s.at("delay_ms").get<double>();
      for (double sp : spikes) during_refractory |= arrive > sp + 1e-9 && arrive < sp + t_ref + 1e-9;
    }
  EXPECT_TRUE(during_refractory) << "no spike_generator input arrives during a refractory period";
}

TEST(NestReference, IafCondExpMatchesNestAtEveryStep) {
  const json ref = load_reference("iaf_cond_exp");
  const auto p = iaf_cond_exp_params_from(ref.at("parameters"));
  const std::vector<const char*> vars{"V_m", "g_ex", "g_in"};
  const double d = current_delay(ref);
  const double a = expect_matches_nest(
      ref, run_protocol<models::iaf_cond_exp>(ref, p, spike_path::spike_time_population, d, vars, named_port), vars,
      kTolerance, "SpikeTime sources onto \"ex\"/\"in\"");
  const double b = expect_matches_nest(
      ref, run_protocol<models::iaf_cond_exp>(ref, p, spike_path::spike_times_input, d, vars, volley_chooses), vars,
      kTolerance, "spike-time inputs routed by sign");
  std::printf("iaf_cond_exp: max |dV| %.3g mV\n", std::max(a, b));
}

TEST(NestReference, AeifCondAlphaMatchesNestAtEveryStep) {
  const json ref = load_reference("aeif_cond_alpha");
  const auto p = aeif_cond_alpha_params_from(ref.at("parameters"));
  const std::vector<const char*> vars{"V_m", "g_ex", "g_in", "w"};
  const double d = current_delay(ref);
  const double a = expect_matches_nest(
      ref, run_protocol<models::aeif_cond_alpha>(ref, p, spike_path::spike_time_population, d, vars, named_port), vars,
      kTolerance, "SpikeTime sources onto \"ex\"/\"in\"");
  const double b = expect_matches_nest(
      ref, run_protocol<models::aeif_cond_alpha>(ref, p, spike_path::spike_times_input, d, vars, volley_chooses), vars,
      kTolerance, "spike-time inputs routed by sign");
  std::printf("aeif_cond_alpha: max |dV| %.3g mV\n", std::max(a, b));
}

namespace {

// One aeif_cond_alpha neuron under a constant current from t = 0, no synaptic input: per step V_m, w, spike.
struct aeif_run {
  std::vector<double> V, w;
  std::vector<int> spike_steps;
};

aeif_run run_aeif(const models::aeif_cond_alpha_params& p, double I_pA, int steps, double dt = 0.1) {
  using M = models::aeif_cond_alpha;
  const auto c = M::derive(p, dt);
  real_t s[M::n_state];
  M::initial_state(p, s);
  const real_t ports[2] = {0, 0};
  aeif_run r;
  for (int k = 0; k < steps; ++k) {
    if (M::update(c, s, models::neuron_input{static_cast<real_t>(I_pA), 0, ports, 0})) r.spike_steps.push_back(k);
    r.V.push_back(s[M::V_m]);
    r.w.push_back(s[M::w]);
  }
  return r;
}

}  // namespace

TEST(NestCond, AeifCondAlphaRefractoryClampsVAtResetWhileWKeepsEvolving) {
  // NEST: V = V_reset after every RKF45 step while refractory (and dV/dt = 0), for round(t_ref/dt) steps after the
  // spike's step; w follows a (V_reset - E_L) - w meanwhile. The references run t_ref = 0, so this is checked here.
  models::aeif_cond_alpha_params p;
  p.t_ref = units::time_q(2.0);
  const auto r = run_aeif(p, 800.0, 1500);
  ASSERT_GE(r.spike_steps.size(), 2u);
  for (int k : r.spike_steps) {
    if (k + 21 >= static_cast<int>(r.V.size())) break;
    EXPECT_EQ(r.V[k], p.V_reset.value) << "spike step " << k;
    EXPECT_NEAR(r.w[k] - r.w[k - 1], p.b.value, 0.2) << "w jumps by b at the spike";
    for (int j = 1; j <= 20; ++j) {
      EXPECT_EQ(r.V[k + j], p.V_reset.value) << "refractory step " << j << " after the spike at step " << k;
      EXPECT_NE(r.w[k + j], r.w[k + j - 1]) << "w is not held";
      EXPECT_TRUE(std::find(r.spike_steps.begin(), r.spike_steps.end(), k + j) == r.spike_steps.end());
    }
    EXPECT_GT(r.V[k + 21], p.V_reset.value) << "free again 20 steps after the spike";
  }
}

TEST(NestCond, AeifCondAlphaWithoutExponentialSpikesAtVth) {
  // Delta_T = 0: no exponential term and the threshold is V_th (V_peak only bounds the right-hand side). Against
  // a fixed-step RK4 of the linear (V, w) system at 1e-4 ms up to the threshold crossing.
  models::aeif_cond_alpha_params p;
  p.Delta_T = units::voltage_q(0.0);
  const double I = 800.0, dt = 0.1;
  const auto r = run_aeif(p, I, 400, dt);
  ASSERT_FALSE(r.spike_steps.empty());
  const double gL = p.g_L.value, C = p.C_m.value, EL = p.E_L.value, a = p.a.value, tw = p.tau_w.value;
  auto f = [&](double V, double w, double& dV, double& dw) {
    dV = (-gL * (V - EL) - w + I) / C;
    dw = (a * (V - EL) - w) / tw;
  };
  double V = EL, w = 0, t = 0, worst = 0;
  const double h = 1e-4;
  const int per_step = static_cast<int>(std::lround(dt / h));
  int crossing_step = -1;
  for (int k = 0; crossing_step < 0 && k < 400; ++k) {
    for (int m = 0; m < per_step; ++m) {
      double a1, b1, a2, b2, a3, b3, a4, b4;
      f(V, w, a1, b1);
      f(V + h / 2 * a1, w + h / 2 * b1, a2, b2);
      f(V + h / 2 * a2, w + h / 2 * b2, a3, b3);
      f(V + h * a3, w + h * b3, a4, b4);
      V += h / 6 * (a1 + 2 * a2 + 2 * a3 + a4);
      w += h / 6 * (b1 + 2 * b2 + 2 * b3 + b4);
      t += h;
      if (V >= p.V_th.value && crossing_step < 0) crossing_step = k;
    }
    if (crossing_step < 0) {
      worst = std::max(worst, std::abs(r.V[k] - V));
      EXPECT_NEAR(r.w[k], w, 1e-5) << "step " << k;
    }
  }
  std::printf("aeif_cond_alpha, Delta_T = 0: max |V - RK4| before the threshold %.3g mV\n", worst);
  EXPECT_LT(worst, 1e-5);
  EXPECT_EQ(r.spike_steps[0], crossing_step) << "the spike is in the step where V crosses V_th";
  EXPECT_EQ(r.V[crossing_step], p.V_reset.value);
}

}  // namespace test_nest_cond
