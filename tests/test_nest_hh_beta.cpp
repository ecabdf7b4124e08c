// volley's hh_cond_beta_gap_traub (models/hh_cond_beta_gap_traub.hpp; without gap junctions) against traces recorded
// from NEST 3.10 with the protocol and timing conventions of tests/support/nest_reference.hpp: NEST's defaults
// (beta conductances tau_rise 0.5 ms, tau_decay 5 ms (ex) / 10 ms (in)), a suprathreshold current step with repeated
// spiking, a subthreshold one where a burst of excitatory inputs adds spikes, excitatory and inhibitory spike input.
// Both integrate with GSL's RKF45 as NEST drives it (models/rkf45.hpp), so V_m, Act_m, Inact_h, Act_n, g_ex and g_in
// are compared at every step within 1e-3 (mV, 1, nS; they reach the references' 1e-9 rounding) with identical spike
// steps, both ways in for the spike_generators, and NEST's initial state variable by variable.
// Checks without NEST: the conductance after one input against the closed-form beta function (peak = weight at
// t* = tau_d tau_r ln(tau_d/tau_r) / (tau_d - tau_r); equal time constants: the alpha function), a fixed-step RK4
// of the model's equations written here at 1e-4 ms (trajectory and spike steps with the detection rule written
// again), NEST's refractory steps (rounded up) only blanking the detection, and parameter validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "models/hh_cond_beta_gap_traub.hpp"
#include "models/model_json.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_hh_beta {

using namespace volley;
using namespace volley::nest_ref;

namespace {

using M = models::hh_cond_beta_gap_traub;
constexpr double kTolerance = 1e-3;  // mV, nS, and 1 for the gating variables (RKF45; reached: ~1e-9)
const std::vector<const char*> kVars{"V_m", "Act_m", "Inact_h", "Act_n", "g_ex", "g_in"};

models::hh_cond_beta_gap_traub_params params_from(const json& p) {
  parameter_reader in(p);
  models::hh_cond_beta_gap_traub_params q;
  q.g_Na = units::conductance_q(in.take("g_Na"));
  q.g_K = units::conductance_q(in.take("g_K"));
  q.g_L = units::conductance_q(in.take("g_L"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.E_Na = units::voltage_q(in.take("E_Na"));
  q.E_K = units::voltage_q(in.take("E_K"));
  q.E_L = units::voltage_q(in.take("E_L"));
  q.V_T = units::voltage_q(in.take("V_T"));
  q.E_ex = units::voltage_q(in.take("E_ex"));
  q.E_in = units::voltage_q(in.take("E_in"));
  q.tau_rise_ex = units::time_q(in.take("tau_rise_ex"));
  q.tau_decay_ex = units::time_q(in.take("tau_decay_ex"));
  q.tau_rise_in = units::time_q(in.take("tau_rise_in"));
  q.tau_decay_in = units::time_q(in.take("tau_decay_in"));
  q.t_ref = units::time_q(in.take("t_ref"));
  q.I_e = units::current_q(in.take("I_e"));
  in.finish("hh_cond_beta_gap_traub");
  return q;
}

const char* named_port(double w) { return w > 0 ? "ex" : "in"; }
const char* volley_chooses(double) { return ""; }

// One neuron driven directly through update(): a constant current (pA) and, at the given steps, weights (nS) on
// port "ex" (w > 0) or "in" (w < 0, NEST's sign). Per step the state after the step.
struct direct_run {
  std::vector<std::array<double, M::n_state>> s;
  std::vector<int> spike_steps;
};

direct_run run_direct(const models::hh_cond_beta_gap_traub_params& p, double I_pA, int steps,
                      const std::vector<std::pair<int, double>>& weights = {}, double dt = 0.1) {
  const auto c = M::derive(p, dt);
  real_t s[M::n_state];
  M::initial_state(p, s);
  direct_run r;
  for (int k = 0; k < steps; ++k) {
    real_t ports[2] = {0, 0};
    for (const auto& [step, w] : weights)
      if (step == k) ports[w > 0 ? 0 : 1] += static_cast<real_t>(w);
    if (M::update(c, s, models::neuron_input{static_cast<real_t>(I_pA), 0, ports, 0})) r.spike_steps.push_back(k);
    std::array<double, M::n_state> row;
    for (int q = 0; q < M::n_state; ++q) row[q] = s[q];
    r.s.push_back(row);
  }
  return r;
}

}  // namespace

// ================================================= against NEST =================================================

TEST(NestHHBeta, ReferenceExercisesWhatTheComparisonClaims) {
  const json ref = load_reference("hh_cond_beta_gap_traub");
  EXPECT_EQ(ref.at("model"), "hh_cond_beta_gap_traub");
  EXPECT_EQ(ref.at("dt_ms").get<double>(), 0.1);
  const auto& in = ref.at("protocol").at("spike_inputs");
  ASSERT_EQ(in.size(), 2u);
  EXPECT_GT(in[0].at("weight").get<double>(), 0);
  EXPECT_LT(in[1].at("weight").get<double>(), 0);
  EXPECT_EQ(in[0].at("weight_unit"), "nS");
  const json& par = ref.at("parameters");
  EXPECT_NE(par.at("tau_rise_ex").get<double>(), par.at("tau_decay_ex").get<double>()) << "a beta, not an alpha";
  EXPECT_NE(par.at("tau_rise_in").get<double>(), par.at("tau_decay_in").get<double>());
  const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
  EXPECT_GE(std::count_if(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; }), 4)
      << "repeated spiking in the suprathreshold step";
  EXPECT_GE(std::count_if(spikes.begin(), spikes.end(), [](double t) { return t > 120; }), 2);
  // the conductances move (peaks near the weights: 15 nS, several inputs may overlap)
  const auto ge = reference_trace(ref, "g_ex"), gi = reference_trace(ref, "g_in");
  EXPECT_GT(*std::max_element(ge.begin(), ge.end()), 14.0);
  EXPECT_GT(*std::max_element(gi.begin(), gi.end()), 19.0);
  // NEST's initial state: V_m = E_L and the gates at alpha / (alpha + beta) of the rates at u = E_L (no V_T shift)
  const auto p = params_from(par);
  real_t s[M::n_state];
  M::initial_state(p, s);
  int n = 0;
  for (const auto& [name, value] : ref.at("initial_state").items()) {
    int q = -1;
    for (int i = 0; i < M::n_state; ++i)
      if (name == M::state_fields[i].name) q = i;
    ASSERT_GE(q, 0) << "NEST state " << name << " has no volley counterpart";
    EXPECT_NEAR(s[q], number(value), 6e-10) << name;  // the references' 1e-9 rounding
    ++n;
  }
  EXPECT_EQ(n, 4);
  // NEST's defaults are volley's (the reference uses NEST's defaults throughout)
  const models::hh_cond_beta_gap_traub_params d;
  M::each_param(d, [&](const char* name, const auto& field, range_check) {
    EXPECT_EQ(field.value, par.at(name).get<double>()) << name;
  });
}

TEST(NestHHBeta, MatchesNestAtEveryStep) {
  const json ref = load_reference("hh_cond_beta_gap_traub");
  const auto p = params_from(ref.at("parameters"));
  const double d = ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
  std::vector<double> worst(kVars.size(), 0.0);
  for (int path = 0; path < 2; ++path) {
    const char* label = path == 0 ? "SpikeTime sources onto \"ex\"/\"in\"" : "spike-time inputs routed by sign";
    const traces t = path == 0 ? run_protocol<M>(ref, p, spike_path::spike_time_population, d, kVars, named_port)
                               : run_protocol<M>(ref, p, spike_path::spike_times_input, d, kVars, volley_chooses);
    std::printf("hh_cond_beta_gap_traub vs NEST %s (%s):\n", ref.at("nest").at("version").get<std::string>().c_str(),
                label);
    for (std::size_t q = 0; q < kVars.size(); ++q) {
      const auto c = compare(ref, kVars[q], t.values[q], reference_trace(ref, kVars[q]), kTolerance);
      EXPECT_LE(c.max_abs, kTolerance) << kVars[q] << " (" << label << "); first sample over: " << c.first_over;
      worst[q] = std::max(worst[q], c.max_abs);
    }
    EXPECT_EQ(t.spike_steps, reference_spike_steps(ref)) << label;
  }
  std::printf(
      "hh_cond_beta_gap_traub: max |dV| %.3g mV, |dm| %.3g, |dh| %.3g, |dn| %.3g, |dg_ex| %.3g nS, |dg_in| %.3g nS; "
      "%zu NEST spikes\n",
      worst[0], worst[1], worst[2], worst[3], worst[4], worst[5], reference_spike_steps(ref).size());
}

// ============================================== without NEST ====================================================

// One input of weight w at the end of step 0 on each port: g(t) = |w| (exp(-t/tau_d) - exp(-t/tau_r)) /
// (exp(-t*/tau_d) - exp(-t*/tau_r)), t from the end of step 0, peaking at |w| at t* = tau_d tau_r ln(tau_d/tau_r) /
// (tau_d - tau_r); with tau_rise == tau_decay = tau: g(t) = |w| (t/tau) exp(1 - t/tau). The conductances do not
// depend on V; the RKF45 (eps_abs 1e-3 nS, nS/ms) follows them to its tolerance.
TEST(NestHHBeta, ConductanceAfterOneInputIsTheBetaFunction) {
  models::hh_cond_beta_gap_traub_params p;
  p.tau_rise_ex = units::time_q(0.5);
  p.tau_decay_ex = units::time_q(5.0);
  p.tau_rise_in = units::time_q(3.0);  // NEST's alpha fallback
  p.tau_decay_in = units::time_q(3.0);
  const double w_ex = 15.0, w_in = -20.0, dt = 0.1;
  const auto r = run_direct(p, 0.0, 600, {{0, w_ex}, {0, w_in}}, dt);
  const double tr = 0.5, td = 5.0, tpk = td * tr * std::log(td / tr) / (td - tr);
  auto beta = [&](double t) {
    return w_ex * (std::exp(-t / td) - std::exp(-t / tr)) / (std::exp(-tpk / td) - std::exp(-tpk / tr));
  };
  auto alpha = [&](double t) { return -w_in * t / 3.0 * std::exp(1.0 - t / 3.0); };
  EXPECT_EQ(r.s[0][M::g_ex], 0.0) << "the jump is in dg: g starts at 0";
  double worst_ex = 0, worst_in = 0, peak_ex = 0, peak_in = 0, t_peak_ex = 0, t_peak_in = 0;
  for (int k = 1; k < 600; ++k) {
    const double t = k * dt;
    worst_ex = std::max(worst_ex, std::abs(r.s[k][M::g_ex] - beta(t)));
    worst_in = std::max(worst_in, std::abs(r.s[k][M::g_in] - alpha(t)));
    if (r.s[k][M::g_ex] > peak_ex) peak_ex = r.s[k][M::g_ex], t_peak_ex = t;
    if (r.s[k][M::g_in] > peak_in) peak_in = r.s[k][M::g_in], t_peak_in = t;
  }
  std::printf("hh_cond_beta_gap_traub: max |g_ex - beta function| %.3g nS (peak %.4f nS at %.1f ms, t* = %.3f ms), "
              "|g_in - alpha function| %.3g nS (peak %.4f nS at %.1f ms)\n",
              worst_ex, peak_ex, t_peak_ex, tpk, worst_in, peak_in, t_peak_in);
  EXPECT_LT(worst_ex, 1e-3);
  EXPECT_LT(worst_in, 1e-3);
  EXPECT_NEAR(peak_ex, w_ex, 0.05);  // the grid misses t* by up to dt / 2
  EXPECT_NEAR(t_peak_ex, tpk, 0.051);
  EXPECT_NEAR(peak_in, -w_in, 1e-3);  // the alpha peak (t = 3 ms) is on the grid
  EXPECT_NEAR(t_peak_in, 3.0, 1e-9);
  // dg: the state the weight enters, decaying with tau_decay (NEST's assignment)
  const double g0 = models::beta_normalization(0.5, 5.0);
  EXPECT_NEAR(r.s[0][M::dg_ex], w_ex * g0, 1e-12);
  EXPECT_NEAR(r.s[300][M::dg_ex], w_ex * g0 * std::exp(-30.0 / td), 1e-3);
}

// Fixed-step RK4 of the model's equations at 1e-4 ms, written here (Traub's rates as A x / (e^x - 1)), and NEST's
// detection rule written again: a spike in step k when V_k >= V_T + 30, V_{k-1} > V_k and no spike in the
// refractory steps before.
TEST(NestHHBeta, FollowsAFineStepIntegration) {
  const models::hh_cond_beta_gap_traub_params p;
  const double I = 500.0, w_ex = 15.0, w_in = -20.0, dt = 0.1;
  const int steps = 1500, ex_step = 500, in_step = 800;
  const auto r = run_direct(p, I, steps, {{ex_step, w_ex}, {in_step, w_in}}, dt);
  auto lin = [](double A, double x) { return std::abs(x) < 1e-9 ? A : A * x / std::expm1(x); };
  const double gNa = 20000, gK = 6000, gL = 10, C = 200, VT = -50, ENa = 50, EK = -90, EL = -60, Eex = 0, Ein = -80;
  auto rates = [&](double u, double* a, double* b) {
    a[0] = lin(1.28, (13 - u) / 4);
    b[0] = lin(1.4, (u - 40) / 5);
    a[1] = 0.128 * std::exp((17 - u) / 18);
    b[1] = 4 / (1 + std::exp((40 - u) / 5));
    a[2] = lin(0.16, (15 - u) / 5);
    b[2] = 0.5 * std::exp((10 - u) / 40);
  };
  // y: V, m, h, n, x_ex, g_ex, x_in, g_in with x' = -x / tau_decay, g' = x - g / tau_rise
  auto f = [&](const std::array<double, 8>& y, std::array<double, 8>& d) {
    const double V = y[0];
    double a[3], b[3];
    rates(V - VT, a, b);
    d[0] = (-gNa * std::pow(y[1], 3) * y[2] * (V - ENa) - gK * std::pow(y[3], 4) * (V - EK) - gL * (V - EL) -
            y[5] * (V - Eex) - y[7] * (V - Ein) + I) /
           C;
    for (int g = 0; g < 3; ++g) d[1 + g] = a[g] * (1 - y[1 + g]) - b[g] * y[1 + g];
    d[4] = -y[4] / 5.0;
    d[5] = y[4] - y[5] / 0.5;
    d[6] = -y[6] / 10.0;
    d[7] = y[6] - y[7] / 0.5;
  };
  // peak-normalised kicks: x jumps by w (1/tau_r - 1/tau_d) / (exp(-t*/tau_d) - exp(-t*/tau_r))
  auto kick = [](double tr, double td) {
    const double t = td * tr * std::log(td / tr) / (td - tr);
    return (1 / tr - 1 / td) / (std::exp(-t / td) - std::exp(-t / tr));
  };
  std::array<double, 8> y{EL, 0, 0, 0, 0, 0, 0, 0};
  {
    double a[3], b[3];
    rates(EL, a, b);  // NEST's initial gates: the rates at u = E_L
    for (int g = 0; g < 3; ++g) y[1 + g] = a[g] / (a[g] + b[g]);
  }
  std::vector<std::array<double, 8>> fine;
  std::array<double, 8> k1, k2, k3, k4, t;
  const double h = 1e-4;
  for (int k = 0; k < steps; ++k) {
    for (int j = 0; j < 1000; ++j) {
      f(y, k1);
      for (int i = 0; i < 8; ++i) t[i] = y[i] + 0.5 * h * k1[i];
      f(t, k2);
      for (int i = 0; i < 8; ++i) t[i] = y[i] + 0.5 * h * k2[i];
      f(t, k3);
      for (int i = 0; i < 8; ++i) t[i] = y[i] + h * k3[i];
      f(t, k4);
      for (int i = 0; i < 8; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    if (k == ex_step) y[4] += w_ex * kick(0.5, 5.0);
    if (k == in_step) y[6] += -w_in * kick(0.5, 10.0);
    fine.push_back(y);
  }
  std::vector<int> fine_spikes;
  int blocked = 0;
  double before = EL;
  for (int k = 0; k < steps; ++k) {
    const double V = fine[k][0];
    if (blocked > 0) {
      --blocked;
    } else if (V >= VT + 30 && before > V) {
      fine_spikes.push_back(k);
      blocked = 20;  // t_ref = 2 ms
    }
    before = V;
  }
  ASSERT_GE(fine_spikes.size(), 5u);
  EXPECT_EQ(r.spike_steps, fine_spikes);
  double worst_V = 0, worst_sub = 0, worst_gate = 0, worst_g = 0;
  for (int k = 0; k < steps; ++k) {
    worst_V = std::max(worst_V, std::abs(r.s[k][M::V_m] - fine[k][0]));
    if (fine[k][0] < -55) worst_sub = std::max(worst_sub, std::abs(r.s[k][M::V_m] - fine[k][0]));
    for (int q = 1; q < 4; ++q) worst_gate = std::max(worst_gate, std::abs(r.s[k][q] - fine[k][q]));
    worst_g = std::max({worst_g, std::abs(r.s[k][M::g_ex] - fine[k][5]), std::abs(r.s[k][M::g_in] - fine[k][7])});
  }
  std::printf("hh_cond_beta_gap_traub vs RK4 at 1e-4 ms: max |dV| %.3g mV (below -55 mV: %.3g), |d gate| %.3g, "
              "|dg| %.3g nS, %zu spikes\n",
              worst_V, worst_sub, worst_gate, worst_g, fine_spikes.size());
  // RKF45 at NEST's eps_abs = 1e-3 per step: on the upstrokes (~100 mV/ms) a timing error of microseconds is a
  // fraction of a mV; below threshold it stays close
  EXPECT_LT(worst_V, 1.0);  // measured 0.17 mV
  EXPECT_LT(worst_sub, 0.2);
  EXPECT_LT(worst_gate, 0.01);
  EXPECT_LT(worst_g, 1e-4);
}

// t_ref only blanks the peak detection (the trajectory is the same for every t_ref), for NEST's
// Time(t_ref).get_steps() steps: 2.04 ms is 21 steps at 0.1 ms (rounded up, where hh_cond_exp_traub's round() gives
// 20), 2.0 ms is 20.
TEST(NestHHBeta, RefractoryTimeOnlyBlanksThePeakDetection) {
  EXPECT_EQ(M::derive(models::hh_cond_beta_gap_traub_params{}, 0.1).ref_steps, 20.0);
  models::hh_cond_beta_gap_traub_params p;
  p.t_ref = units::time_q(2.04);
  EXPECT_EQ(M::derive(p, 0.1).ref_steps, 21.0);
  const int steps = 1500;
  p.t_ref = units::time_q(0.0);
  const auto free = run_direct(p, 800.0, steps);
  p.t_ref = units::time_q(2.04);
  const auto blanked = run_direct(p, 800.0, steps);
  ASSERT_GE(blanked.spike_steps.size(), 3u);
  for (int k = 0; k < steps; ++k) ASSERT_EQ(free.s[k][M::V_m], blanked.s[k][M::V_m]) << "step " << k;
  bool consecutive = false;
  for (std::size_t i = 1; i < free.spike_steps.size(); ++i)
    consecutive |= free.spike_steps[i] == free.spike_steps[i - 1] + 1;
  EXPECT_TRUE(consecutive) << "without t_ref the falling flank is detected in consecutive steps";
  std::vector<int> thinned;
  for (int k : free.spike_steps)
    if (thinned.empty() || k > thinned.back() + 21) thinned.push_back(k);
  EXPECT_EQ(blanked.spike_steps, thinned);
}

// ============================================ parameter checks ==================================================

TEST(NestHHBeta, ParameterValidation) {
  auto spec_error_names = [](const char* key, const nlohmann::json& value) -> std::string {
    const nlohmann::json params = {{key, value}};
    models::population_request req{.name = "P", .size = 1, .params = &params};
    try {
      models::create_population<M>(req);
    } catch (const parameter_error& e) {
      return e.parameter_name;
    }
    return "(accepted)";
  };
  // NEST: C_m > 0, t_ref >= 0, every time constant > 0, conductances >= 0
  for (const auto& [key, value] : std::vector<std::pair<const char*, const char*>>{
           {"C_m", "0 pF"},
           {"C_m", "-200 pF"},
           {"t_ref", "-0.1 ms"},
           {"tau_rise_ex", "0 ms"},
           {"tau_decay_ex", "-5 ms"},
           {"tau_rise_in", "0 ms"},
           {"tau_decay_in", "0 ms"},
           {"g_Na", "-1 nS"},
           {"g_K", "-1 nS"},
           {"g_L", "-0.5 nS"}})
    EXPECT_EQ(spec_error_names(key, value), key) << value;
  for (const auto& [key, value] : std::vector<std::pair<const char*, const char*>>{
           {"t_ref", "0 ms"}, {"g_Na", "0 nS"}, {"g_L", "0 nS"}, {"tau_rise_ex", "8 ms"}, {"E_in", "-95 mV"},
           {"V_T", "-63 mV"}, {"I_e", "-100 pA"}})
    EXPECT_EQ(spec_error_names(key, value), "(accepted)") << key << " " << value;
  EXPECT_EQ(spec_error_names("tau_syn_ex", "2 ms"), "tau_syn_ex") << "hh_cond_exp_traub's parameter, not this model's";
  static_assert(M::routes_by_sign);
}

}  // namespace test_nest_hh_beta
