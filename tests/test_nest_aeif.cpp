// volley's aeif_cond_exp, aeif_psc_exp, aeif_psc_alpha and aeif_psc_delta against traces recorded from NEST 3.10
// (tools/nest_reference/make_references.py), with the protocol and timing conventions of
// tests/support/nest_reference.hpp: V_m, the synaptic state NEST records and w within 1e-6 of NEST at every step,
// identical spike steps, with the spike_generators entering once as SpikeTime sources projected onto named inputs
// and once as spike-time inputs that let volley choose the input (by sign, or the delta channel for mV).
// Then one check per model that does not depend on NEST: closed forms, a separately written fine-step integrator,
// and the behaviours (refractory clamp, input dropped or kept while refractory, in-step delta spikes) NEST's
// references do not pin down alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "models/aeif_cond_exp.hpp"
#include "models/aeif_psc.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_aeif {

using namespace volley;
using namespace volley::nest_ref;

namespace {

// The RKF45 models follow NEST's step sequence, so they agree to the references' 1e-9 rounding; 1e-6 leaves room
// for libm differences that flip a step-size decision, and still catches a wrong error control or evolve.
constexpr double kTolerance = 1e-6;  // mV (pA, nS for the other variables)

// The AdEx parameters every aeif model has; `cond` adds E_ex, E_in.
template <class P>
void take_membrane(parameter_reader& in, P& q) {
  q.V_peak = units::voltage_q(in.take("V_peak"));
  q.V_reset = units::voltage_q(in.take("V_reset"));
  q.t_ref = units::time_q(in.take("t_ref"));
  q.g_L = units::conductance_q(in.take("g_L"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.E_L = units::voltage_q(in.take("E_L"));
  q.Delta_T = units::voltage_q(in.take("Delta_T"));
  q.tau_w = units::time_q(in.take("tau_w"));
  q.a = units::conductance_q(in.take("a"));
  q.b = units::current_q(in.take("b"));
  q.V_th = units::voltage_q(in.take("V_th"));
  q.I_e = units::current_q(in.take("I_e"));
  q.gsl_error_tol = units::dimensionless_q(in.take("gsl_error_tol"));
}

models::aeif_cond_exp_params aeif_cond_exp_params_from(const json& p) {
  parameter_reader in(p);
  models::aeif_cond_exp_params q;
  take_membrane(in, q);
  q.E_ex = units::voltage_q(in.take("E_ex"));
  q.E_in = units::voltage_q(in.take("E_in"));
  q.tau_syn_ex = units::time_q(in.take("tau_syn_ex"));
  q.tau_syn_in = units::time_q(in.take("tau_syn_in"));
  in.finish("aeif_cond_exp");
  return q;
}

models::aeif_psc_current_params aeif_psc_params_from(const json& p, const char* model) {
  parameter_reader in(p);
  models::aeif_psc_current_params q;
  take_membrane(in, q);
  q.tau_syn_ex = units::time_q(in.take("tau_syn_ex"));
  q.tau_syn_in = units::time_q(in.take("tau_syn_in"));
  in.finish(model);
  return q;
}

models::aeif_psc_delta_params aeif_psc_delta_params_from(const json& p) {
  parameter_reader in(p);
  models::aeif_psc_delta_params q;
  take_membrane(in, q);
  q.refractory_input = in.take_flag("refractory_input");
  in.finish("aeif_psc_delta");
  return q;
}

const char* named_port(double w) { return w >= 0 ? "ex" : "in"; }
const char* delta_channel(double) { return "delta"; }
const char* volley_chooses(double) { return ""; }

double current_delay(const json& ref) {
  return ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
}

struct agreement {
  double dV = 0;      // largest |V_m - NEST| (mV)
  double others = 0;  // largest difference over the other recorded variables
};

// Compares every recorded variable (each within kTolerance) and the spike steps.
agreement expect_matches_nest(const json& ref, const traces& v, const std::vector<const char*>& variables,
                              const char* label) {
  std::printf("%s vs NEST %s (%s):\n", ref.at("model").get<std::string>().c_str(),
              ref.at("nest").at("version").get<std::string>().c_str(), label);
  agreement a;
  for (std::size_t q = 0; q < variables.size(); ++q) {
    const auto c = compare(ref, variables[q], v.values[q], reference_trace(ref, variables[q]), kTolerance);
    EXPECT_LE(c.max_abs, kTolerance) << variables[q] << " (" << label << "); first sample over: " << c.first_over;
    (q == 0 ? a.dV : a.others) = std::max(q == 0 ? a.dV : a.others, c.max_abs);
  }
  EXPECT_EQ(v.spike_steps, reference_spike_steps(ref)) << label;
  return a;
}

// Both spike paths; prints the largest differences.
template <class Model>
void expect_model_matches_nest(const json& ref, const typename Model::params& p, const std::vector<const char*>& vars,
                               const char* (*named)(double), const char* named_label) {
  const double d = current_delay(ref);
  const auto a = expect_matches_nest(
      ref, run_protocol<Model>(ref, p, spike_path::spike_time_population, d, vars, named), vars, named_label);
  const auto b =
      expect_matches_nest(ref, run_protocol<Model>(ref, p, spike_path::spike_times_input, d, vars, volley_chooses),
                          vars, "spike-time inputs, input chosen by volley");
  std::printf("%s: max |dV| %.3g mV, max over the other states %.3g\n", Model::name, std::max(a.dV, b.dV),
              std::max(a.others, b.others));
}

// Arrival times (t + delay, ms) of the protocol's spike_generator spikes that reach the neuron while it is
// refractory: in one of the round(t_ref/dt) steps after a spike's step.
std::vector<double> arrivals_while_refractory(const json& ref) {
  const double t_ref = ref.at("parameters").at("t_ref").get<double>();
  const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
  std::vector<double> out;
  for (const auto& s : ref.at("protocol").at("spike_inputs"))
    for (const auto& t : s.at("times_ms")) {
      const double arrive = t.get<double>() + s.at("delay_ms").get<double>();
      for (double sp : spikes)
        if (arrive > sp + 1e-9 && arrive < sp + t_ref + 1e-9) out.push_back(arrive);
    }
  return out;
}

}  // namespace

TEST(NestReference, AeifReferencesExerciseWhatTheComparisonClaims) {
  struct expected {
    const char* model;
    const char* weight_unit;
  };
  for (const auto& [model, unit] : {expected{"aeif_cond_exp", "nS"}, expected{"aeif_psc_exp", "pA"},
                                    expected{"aeif_psc_alpha", "pA"}, expected{"aeif_psc_delta", "mV"}}) {
    const json ref = load_reference(model);
    EXPECT_EQ(ref.at("model"), model);
    EXPECT_EQ(ref.at("dt_ms").get<double>(), 0.1);
    EXPECT_EQ(ref.at("initial_state").at("V_m").get<double>(), ref.at("parameters").at("E_L").get<double>())
        << model << ": volley starts at E_L";
    for (const auto& [name, value] : ref.at("initial_state").items())
      if (name != "V_m") {
        EXPECT_EQ(value.get<double>(), 0.0) << model << " " << name;
      }
    const auto& in = ref.at("protocol").at("spike_inputs");
    ASSERT_EQ(in.size(), 2u);
    EXPECT_GT(in[0].at("weight").get<double>(), 0);
    EXPECT_LT(in[1].at("weight").get<double>(), 0);
    EXPECT_EQ(in[0].at("weight_unit"), unit);
    const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; })) << model;
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 120; })) << model;
  }
  // aeif_psc_delta runs with t_ref > 0 so that NEST's dropping of the input that arrives while refractory (its
  // default, refractory_input false) is in the comparison: the burst's spike leaves its last inputs in the period.
  const json ref = load_reference("aeif_psc_delta");
  EXPECT_FALSE(ref.at("parameters").at("refractory_input").get<bool>());
  EXPECT_GT(ref.at("parameters").at("t_ref").get<double>(), 0.0);
  const auto dropped = arrivals_while_refractory(ref);
  EXPECT_FALSE(dropped.empty()) << "no spike_generator input arrives during a refractory period";
  for (double t : dropped) std::printf("aeif_psc_delta: input arriving at %.1f ms while refractory\n", t);
}

TEST(NestReference, AeifCondExpMatchesNestAtEveryStep) {
  const json ref = load_reference("aeif_cond_exp");
  expect_model_matches_nest<models::aeif_cond_exp>(ref, aeif_cond_exp_params_from(ref.at("parameters")),
                                                   {"V_m", "g_ex", "g_in", "w"}, named_port,
                                                   "SpikeTime sources onto \"ex\"/\"in\"");
}

TEST(NestReference, AeifPscExpMatchesNestAtEveryStep) {
  const json ref = load_reference("aeif_psc_exp");
  expect_model_matches_nest<models::aeif_psc_exp>(ref, aeif_psc_params_from(ref.at("parameters"), "aeif_psc_exp"),
                                                  {"V_m", "I_syn_ex", "I_syn_in", "w"}, named_port,
                                                  "SpikeTime sources onto \"ex\"/\"in\"");
}

TEST(NestReference, AeifPscAlphaMatchesNestAtEveryStep) {
  const json ref = load_reference("aeif_psc_alpha");
  expect_model_matches_nest<models::aeif_psc_alpha>(ref, aeif_psc_params_from(ref.at("parameters"), "aeif_psc_alpha"),
                                                    {"V_m", "I_syn_ex", "I_syn_in", "w"}, named_port,
                                                    "SpikeTime sources onto \"ex\"/\"in\"");
}

TEST(NestReference, AeifPscDeltaMatchesNestAtEveryStep) {
  const json ref = load_reference("aeif_psc_delta");
  expect_model_matches_nest<models::aeif_psc_delta>(ref, aeif_psc_delta_params_from(ref.at("parameters")), {"V_m", "w"},
                                                    delta_channel, "SpikeTime sources onto \"delta\"");
}

namespace {

// One neuron of Model driven step by step: current I(k) (pA), port weights and delta input per step.
template <class Model>
struct driver {
  typename Model::constants c;
  real_t s[Model::n_state];
  explicit driver(const typename Model::params& p, double dt = 0.1) : c(Model::derive(p, dt)) {
    EXPECT_EQ(Model::validate(p), nullptr);
    Model::initial_state(p, s);
  }
  bool step(double I, double port_ex = 0, double port_in = 0, double delta_v = 0) {
    const real_t ports[2] = {static_cast<real_t>(port_ex), static_cast<real_t>(port_in)};
    return Model::update(c, s, models::neuron_input{static_cast<real_t>(I), static_cast<real_t>(delta_v), ports, 0});
  }
};

}  // namespace

TEST(NestAeif, CondExpFollowsAFineStepIntegratorOfTheSameEquations) {
  // Subthreshold excitatory and inhibitory conductance inputs under a constant current: V, g_ex, g_in, w against
  // a classical RK4 at 1e-4 ms of the equations as written in the header (exponential term, reversal potentials,
  // adaptation), the weights added at the end of their arrival step.
  models::aeif_cond_exp_params p;
  const double dt = 0.1, I = 300.0;
  driver<models::aeif_cond_exp> m(p, dt);
  const double gL = p.g_L.value, C = p.C_m.value, EL = p.E_L.value, DT = p.Delta_T.value, VT = p.V_th.value;
  const double Eex = p.E_ex.value, Ein = p.E_in.value, tex = p.tau_syn_ex.value, tin = p.tau_syn_in.value;
  const double a = p.a.value, tw = p.tau_w.value;
  auto f = [&](const double* y, double* d) {
    d[0] = (-gL * (y[0] - EL) + gL * DT * std::exp((y[0] - VT) / DT) - y[1] * (y[0] - Eex) - y[2] * (y[0] - Ein) -
            y[3] + I) /
           C;
    d[1] = -y[1] / tex;
    d[2] = -y[2] / tin;
    d[3] = (a * (y[0] - EL) - y[3]) / tw;
  };
  double y[4] = {EL, 0, 0, 0};
  const double h = 1e-4;
  const int per_step = static_cast<int>(std::lround(dt / h));
  double worst_v = 0, worst_g = 0;
  for (int k = 0; k < 1500; ++k) {
    const double ex = (k % 300 == 50) ? 6.0 : 0.0, inh = (k % 300 == 200) ? -4.0 : 0.0;
    ASSERT_FALSE(m.step(I, ex, inh)) << "subthreshold by design, step " << k;
    for (int j = 0; j < per_step; ++j) {
      double k1[4], k2[4], k3[4], k4[4], t[4];
      f(y, k1);
      for (int i = 0; i < 4; ++i) t[i] = y[i] + h / 2 * k1[i];
      f(t, k2);
      for (int i = 0; i < 4; ++i) t[i] = y[i] + h / 2 * k2[i];
      f(t, k3);
      for (int i = 0; i < 4; ++i) t[i] = y[i] + h * k3[i];
      f(t, k4);
      for (int i = 0; i < 4; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    y[1] += ex;
    y[2] += -inh;
    using M = models::aeif_cond_exp;
    worst_v = std::max(worst_v, std::abs(m.s[M::V_m] - y[0]));
    worst_g = std::max({worst_g, std::abs(m.s[M::g_ex] - y[1]), std::abs(m.s[M::g_in] - y[2])});
    EXPECT_NEAR(m.s[M::w], y[3], 1e-5) << "step " << k;
  }
  std::printf("aeif_cond_exp vs RK4 at 1e-4 ms: max |dV| %.3g mV, max |dg| %.3g nS\n", worst_v, worst_g);
  EXPECT_LT(worst_v, 1e-5);
  EXPECT_LT(worst_g, 1e-5);
}

TEST(NestAeif, PscExpWithoutAdaptationOrExponentialIsTheLifClosedForm) {
  // a = 0, Delta_T = 0: C_m dV/dt = -g_L (V - E_L) + I_syn_ex - I_syn_in + I. A PSC of weight q (pA) from rest gives
  // V - E_L = q tau_s tau_m / (C_m (tau_m - tau_s)) (exp(-t/tau_m) - exp(-t/tau_s)) (t from the end of the arrival
  // step); then a constant current I crosses V_th at t* = -tau_m ln(1 - (V_th - E_L) g_L / I), the spike step.
  models::aeif_psc_current_params p;
  p.a = units::conductance_q(0.0);
  p.Delta_T = units::voltage_q(0.0);
  p.tau_syn_in = units::time_q(3.0);
  using M = models::aeif_psc_exp;
  const double dt = 0.1, C = p.C_m.value, gL = p.g_L.value, tm = C / gL, EL = p.E_L.value;
  for (const double q : {2000.0, -300.0}) {
    driver<M> m(p, dt);
    m.step(0.0, q > 0 ? q : 0.0, q < 0 ? q : 0.0);  // arrives in step 0: the PSC starts at t = 0.1 ms
    const double ts = q > 0 ? p.tau_syn_ex.value : p.tau_syn_in.value;
    double worst = 0;
    for (int k = 1; k <= 400; ++k) {
      ASSERT_FALSE(m.step(0.0));
      const double t = k * dt;
      const double v = EL + q * ts * tm / (C * (tm - ts)) * (std::exp(-t / tm) - std::exp(-t / ts));
      worst = std::max(worst, std::abs(m.s[M::V_m] - v));
      EXPECT_NEAR(q > 0 ? m.s[M::I_syn_ex] : -m.s[M::I_syn_in], q * std::exp(-t / ts), 1e-6 * std::abs(q));
    }
    std::printf("aeif_psc_exp, PSC %g pA: max |V - closed form| %.3g mV\n", q, worst);
    EXPECT_LT(worst, 1e-5);
  }
  p.t_ref = units::time_q(1.0);  // V stays at V_reset for the rest of the spike's step
  driver<M> m(p, dt);
  const double I = 800.0;
  const double t_cross = -tm * std::log(1 - (p.V_th.value - EL) * gL / I);
  const int expected_step = static_cast<int>(std::floor(t_cross / dt));  // the step (k dt, (k + 1) dt] holding t*
  int first = -1;
  for (int k = 0; k < 300 && first < 0; ++k)
    if (m.step(I)) first = k;
  EXPECT_EQ(first, expected_step) << "crossing of V_th at " << t_cross << " ms";
  EXPECT_EQ(m.s[M::V_m], p.V_reset.value);
  // w jumps by b (a = 0: nothing else moves it) and decays with tau_w for the rest of the step
  EXPECT_LE(m.s[M::w], p.b.value);
  EXPECT_GT(m.s[M::w], p.b.value * std::exp(-dt / p.tau_w.value));
}

TEST(NestAeif, PscAlphaCurrentIsTheAlphaFunctionAndKeepsArrivingWhileRefractory) {
  // One excitatory spike of q pA: I_syn_ex(t) = q (t/tau) exp(1 - t/tau), peaking at q at t = tau; an inhibitory
  // one (negative weight) the same in I_syn_in, kept positive. With t_ref = 2 ms: V stays at V_reset for
  // round(t_ref/dt) steps after the spike's step while w keeps evolving, and input arriving then still charges
  // the synapse (NEST clamps only V).
  models::aeif_psc_current_params p;
  using M = models::aeif_psc_alpha;
  const double dt = 0.1;
  for (const double q : {700.0, -120.0}) {
    driver<M> m(p, dt);
    m.step(0.0, q > 0 ? q : 0.0, q < 0 ? q : 0.0);
    const double tau = q > 0 ? p.tau_syn_ex.value : p.tau_syn_in.value;
    double peak = 0, worst = 0;
    for (int k = 1; k <= 200; ++k) {
      m.step(0.0);
      const double t = k * dt, I = q > 0 ? m.s[M::I_syn_ex] : -m.s[M::I_syn_in];
      EXPECT_GE(q > 0 ? m.s[M::I_syn_ex] : m.s[M::I_syn_in], 0.0) << "I_syn is kept positive, as NEST's";
      worst = std::max(worst, std::abs(I - q * t / tau * std::exp(1 - t / tau)));
      peak = std::abs(I) > std::abs(peak) ? I : peak;
    }
    std::printf("aeif_psc_alpha, PSC %g pA: max |I_syn - alpha function| %.3g pA\n", q, worst);
    EXPECT_LT(worst, 1e-6 * std::abs(q));
    EXPECT_NEAR(peak, q, 1e-3 * std::abs(q)) << "peak at t = tau on the 0.1 ms grid";
  }

  p.t_ref = units::time_q(2.0);
  driver<M> m(p, dt);
  int spike = -1;
  for (int k = 0; k < 2000 && spike < 0; ++k)
    if (m.step(900.0)) spike = k;
  ASSERT_GE(spike, 0);
  EXPECT_EQ(m.s[M::V_m], p.V_reset.value);
  double w_prev = m.s[M::w];
  for (int j = 1; j <= 20; ++j) {
    m.step(900.0, j == 5 ? 500.0 : 0.0);
    EXPECT_EQ(m.s[M::V_m], p.V_reset.value) << "refractory step " << j;
    EXPECT_NE(m.s[M::w], w_prev) << "w is not held";
    w_prev = m.s[M::w];
    if (j > 6) {
      EXPECT_GT(m.s[M::I_syn_ex], 0.0) << "input arriving while refractory charges the synapse";
    }
  }
  EXPECT_EQ(m.s[M::refractory], 0);
  m.step(900.0);
  EXPECT_GT(m.s[M::V_m], p.V_reset.value) << "free again after round(t_ref/dt) steps";
}

TEST(NestAeif, PscDeltaInputJumpsVInsideTheStepAndIsDroppedOrKeptWhileRefractory) {
  using M = models::aeif_psc_delta;
  models::aeif_psc_delta_params p;
  const double dt = 0.1;
  // Below threshold a weight q (mV) moves V by q at once: the difference of two runs is q right after the arrival
  // step, decaying afterwards.
  {
    driver<M> a(p, dt), b(p, dt);
    for (int k = 0; k < 50; ++k) {
      a.step(100.0);
      b.step(100.0, 0, 0, k == 30 ? 3.0 : 0.0);
      if (k < 30) {
        EXPECT_EQ(a.s[M::V_m], b.s[M::V_m]);
      } else if (k == 30) {
        EXPECT_NEAR(b.s[M::V_m] - a.s[M::V_m], 3.0, 0.1);
      }
    }
  }
  // A weight that lifts V past V_peak is a spike in the step it arrives in (NEST's spike test follows the jump
  // inside the step), with the reset and the jump of w by b.
  {
    auto pr = p;
    pr.t_ref = units::time_q(0.5);  // V stays at V_reset for the rest of the step
    driver<M> m(pr, dt);
    for (int k = 0; k < 10; ++k) ASSERT_FALSE(m.step(0.0));
    const double w_before = m.s[M::w];  // not quite 0: the exponential term lifts V a little above E_L at rest
    EXPECT_TRUE(m.step(0.0, 0, 0, 75.0)) << "E_L + 75 mV is past V_peak";
    EXPECT_EQ(m.s[M::V_m], p.V_reset.value);
    EXPECT_NEAR(m.s[M::w] - w_before, p.b.value, 0.1);
  }
  // t_ref = 2 ms: input arriving while refractory leaves no trace (NEST's default), or with refractory_input is
  // added, discounted by exp(-r dt / tau_m), at the first step after the refractory period. (The latter is NEST's
  // documented intent, not NEST 3.10's numbers: its V_m turns NaN there, see models/aeif_psc.hpp.)
  p.t_ref = units::time_q(2.0);
  const double I = 900.0, q = 4.0;
  driver<M> plain(p, dt);
  int spike = -1;
  for (int k = 0; k < 2000 && spike < 0; ++k)
    if (plain.step(I)) spike = k;
  ASSERT_GE(spike, 0);
  auto p_kept = p;
  p_kept.refractory_input = true;
  driver<M> dropped = plain, kept = plain;
  kept.c = M::derive(p_kept, dt);
  const int arrive = 5;  // the 5th refractory step: the counter reads round(t_ref/dt) - 4 during it
  for (int j = 1; j <= 20; ++j) {
    plain.step(I);
    dropped.step(I, 0, 0, j == arrive ? q : 0.0);
    kept.step(I, 0, 0, j == arrive ? q : 0.0);
    EXPECT_EQ(dropped.s[M::V_m], plain.s[M::V_m]);
    EXPECT_EQ(kept.s[M::V_m], p.V_reset.value) << "refractory step " << j;
  }
  const double r_at_arrival = 20 - arrive + 1, tau_m = p.C_m.value / p.g_L.value;
  EXPECT_NEAR(kept.s[M::refr_spikes_buffer], q * std::exp(-r_at_arrival * dt / tau_m), 1e-12);
  plain.step(I);
  dropped.step(I);
  kept.step(I);
  EXPECT_EQ(dropped.s[M::V_m], plain.s[M::V_m]) << "the dropped input never shows";
  EXPECT_EQ(kept.s[M::refr_spikes_buffer], 0.0);
  const double jump = kept.s[M::V_m] - plain.s[M::V_m];
  std::printf("aeif_psc_delta: kept input %.4f mV after the refractory period (discounted %.4f mV)\n", jump,
              q * std::exp(-r_at_arrival * dt / tau_m));
  EXPECT_NEAR(jump, q * std::exp(-r_at_arrival * dt / tau_m), 0.05 * q);
}

TEST(NestAeif, ValidationFollowsNest) {
  // NEST's set_status checks: V_reset < V_peak, V_th <= V_peak, the exponential's overflow bound; g_L unchecked.
  models::aeif_psc_current_params p;
  EXPECT_EQ(models::aeif_psc_exp::validate(p), nullptr);
  p.V_reset = units::voltage_q(0.0);
  EXPECT_NE(models::aeif_psc_exp::validate(p), nullptr);
  p = {};
  p.V_peak = units::voltage_q(-55.0);
  EXPECT_NE(models::aeif_psc_alpha::validate(p), nullptr);
  models::aeif_cond_exp_params c;
  c.Delta_T = units::voltage_q(0.01);
  c.V_peak = units::voltage_q(100.0);
  EXPECT_NE(models::aeif_cond_exp::validate(c), nullptr) << "exp(150 / 0.01) overflows";
  c.Delta_T = units::voltage_q(0.0);
  EXPECT_EQ(models::aeif_cond_exp::validate(c), nullptr) << "no exponential term, no bound";
  int checked = 0;
  models::aeif_psc_delta_params d;
  models::aeif_psc_delta::each_param(d, [&](const char* name, auto&, range_check r) {
    const std::string n = name;
    const range_check expected = n == "g_L"                                             ? range_check::any
                                 : (n == "Delta_T" || n == "t_ref")                     ? range_check::non_negative
                                 : (n == "C_m" || n == "tau_w" || n == "gsl_error_tol") ? range_check::positive
                                                                                        : r;
    EXPECT_EQ(r, expected) << n;
    ++checked;
  });
  EXPECT_EQ(checked, 14);
}

}  // namespace test_nest_aeif
