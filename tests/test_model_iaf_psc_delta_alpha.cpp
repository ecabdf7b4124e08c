// NEST's iaf_psc_delta and iaf_psc_alpha against closed forms (their comparison with NEST's own traces is in
// tests/test_nest_psc_delta_alpha.cpp): the jump of a delta spike, input while refractory, the V_min bound, the
// alpha PSC (peak = weight at t = tau_syn) and the PSP it causes, the alpha propagator when tau_syn == tau_m, and
// the parameters as spec files and `volley models` see them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/iaf_psc_alpha.hpp"
#include "models/iaf_psc_delta.hpp"
#include "models/registry.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_iaf_psc_delta_alpha {

using namespace volley;
using namespace volley::units::literals;

namespace {

constexpr double h = 0.1;  // ms

// One neuron of Model with spike-time inputs {time ms, weight} (delay 1 ms, input chosen by volley) and a record
// of `variable` at every step for `t_ms`.
template <class Model, class Weight>
std::vector<double> run_one(const typename Model::params& p, const std::vector<std::pair<double, Weight>>& spikes,
                            const char* variable, double t_ms, std::vector<std::uint64_t>* spike_steps = nullptr) {
  network net({.dt = units::time_q(h), .seed = 1});
  net.add_population<Model>("N", 1, p);
  for (const auto& [t, w] : spikes) net.add_spike_times("N", {t}, w, "", 1.0_ms);
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", variable, {0}, 0.0_ms});
  sim.run(units::time_q(t_ms));
  if (spike_steps) spike_steps->assign(sim.record().spikes[0].step.begin(), sim.record().spikes[0].step.end());
  return {sim.record().traces[0].values.begin(), sim.record().traces[0].values.end()};
}

// A spike at t ms through a 1 ms delay acts in step round((t + 1)/h) - 1 (see tests/support/nest_reference.hpp).
std::size_t arrival_step(double t_ms) { return static_cast<std::size_t>(std::llround((t_ms + 1.0) / h)) - 1; }

}  // namespace

TEST(IafPscDelta, SpikeJumpsVByItsWeightThenDecaysWithTauM) {
  const models::iaf_psc_delta_params p;  // NEST defaults: E_L -70 mV, tau_m 10 ms
  const auto v = run_one<models::iaf_psc_delta, units::voltage_q>(p, {{2.0, 3.0_mV}}, "V_m", 20.0);
  const std::size_t k = arrival_step(2.0);
  EXPECT_EQ(v[k - 1], -70.0);
  for (std::size_t n = 0; k + n < v.size(); ++n)
    ASSERT_NEAR(v[k + n], -70.0 + 3.0 * std::exp(-double(n) * h / 10.0), 1e-12) << "step " << n << " after the jump";
}

TEST(IafPscDelta, InputWhileRefractoryIsDroppedOrKeptDecayed) {
  // A 20 mV jump fires the neuron (reset to E_L, 20 refractory steps); a 5 mV spike arrives j steps later.
  const std::size_t j = 5;
  const double t_fire = 2.0, t_late = t_fire + j * h;
  for (bool keep : {false, true}) {
    models::iaf_psc_delta_params p;
    p.refractory_input = keep;
    std::vector<std::uint64_t> spikes;
    const auto v = run_one<models::iaf_psc_delta, units::voltage_q>(p, {{t_fire, 20.0_mV}, {t_late, 5.0_mV}}, "V_m",
                                                                    10.0, &spikes);
    const std::size_t s0 = arrival_step(t_fire);
    ASSERT_EQ(spikes, std::vector<std::uint64_t>{s0});
    for (std::size_t k = s0; k <= s0 + 20; ++k) ASSERT_EQ(v[k], -70.0) << "held at V_reset while refractory";
    // NEST keeps w exp(-r dt/tau_m), r the refractory count the step it arrives (21 - j), for the first free step.
    const double kept = keep ? 5.0 * std::exp(-(21.0 - j) * h / 10.0) : 0.0;
    EXPECT_NEAR(v[s0 + 21], -70.0 + kept, 1e-12) << "refractory_input " << keep;
    EXPECT_NEAR(v[s0 + 22], -70.0 + kept * std::exp(-h / 10.0), 1e-12);
  }
}

TEST(IafPscDelta, VMinBoundsTheMembranePotential) {
  models::iaf_psc_delta_params p;
  p.V_min = -72.0_mV;
  const auto v = run_one<models::iaf_psc_delta, units::voltage_q>(p, {{2.0, -5.0_mV}}, "V_m", 10.0);
  EXPECT_EQ(v[arrival_step(2.0)], -72.0);
  EXPECT_NEAR(v[arrival_step(2.0) + 1], -70.0 - 2.0 * std::exp(-h / 10.0), 1e-12);
}

TEST(IafPscAlpha, SinglePscPeaksAtItsWeightAtTauSyn) {
  models::iaf_psc_alpha_params p;  // tau_syn_ex 2 ms
  const double w = 100.0, tau_s = 2.0;
  const auto I = run_one<models::iaf_psc_alpha, units::current_q>(p, {{2.0, units::current_q(w)}}, "I_syn_ex", 20.0);
  const std::size_t k = arrival_step(2.0);  // dI jumps in this step, I follows from the next
  for (std::size_t n = 0; k + n < I.size(); ++n) {
    const double t = n * h;
    ASSERT_NEAR(I[k + n], w * t / tau_s * std::exp(1.0 - t / tau_s), 1e-9) << "step " << n;
  }
  const auto peak = std::max_element(I.begin(), I.end());
  EXPECT_EQ(static_cast<std::size_t>(peak - I.begin()), k + 20);  // t = tau_syn = 20 steps
  EXPECT_NEAR(*peak, w, 1e-9);
  // A negative weight takes port "in" and leaves I_syn_ex alone.
  const auto I_in = run_one<models::iaf_psc_alpha, units::current_q>(p, {{2.0, -50.0_pA}}, "I_syn_in", 10.0);
  EXPECT_NEAR(*std::min_element(I_in.begin(), I_in.end()), -50.0, 1e-9);
}

// The PSP of one alpha PSC of weight w (pA) at time T after the spike's arrival, relative to E_L (mV):
// 1/C integral_0^T exp(-(T-u)/tau_m) (w e/tau_s) u exp(-u/tau_s) du, closed form.
double alpha_psp(double w, double tau_s, double tau_m, double C, double T) {
  const double k = w * std::numbers::e / tau_s / C;
  const double a = 1.0 / tau_s - 1.0 / tau_m;
  if (a == 0.0) return k * std::exp(-T / tau_m) * T * T / 2.0;
  return k * std::exp(-T / tau_m) * (1.0 - std::exp(-a * T) * (1.0 + a * T)) / (a * a);
}

TEST(IafPscAlpha, PspMatchesClosedFormIncludingTauSynEqualToTauM) {
  for (double tau_s : {2.0, 10.0}) {  // 10 ms == tau_m: the singular case of the textbook formula
    models::iaf_psc_alpha_params p;
    p.tau_syn_ex = units::time_q(tau_s);
    const double w = 200.0;
    const auto v = run_one<models::iaf_psc_alpha, units::current_q>(p, {{2.0, units::current_q(w)}}, "V_m", 60.0);
    const std::size_t k = arrival_step(2.0);
    for (std::size_t n = 0; k + n < v.size(); ++n)
      ASSERT_NEAR(v[k + n] + 70.0, alpha_psp(w, tau_s, 10.0, 250.0, n * h), 1e-10) << "tau_syn " << tau_s;
    // peak time: dV/dt = 0 of the closed form, found on a 1 us grid; volley's largest sample is the nearest step
    double t_peak = 0, best = 0;
    for (double t = 0; t < 40.0; t += 1e-3)
      if (const double x = alpha_psp(w, tau_s, 10.0, 250.0, t); x > best) best = x, t_peak = t;
    const auto peak = std::max_element(v.begin(), v.end());
    EXPECT_NEAR((peak - v.begin() - static_cast<long>(k)) * h, t_peak, h / 2) << "tau_syn " << tau_s;
    EXPECT_LE(*peak + 70.0, best + 1e-12) << "tau_syn " << tau_s;
    EXPECT_GT(*peak + 70.0, best - 1e-3) << "tau_syn " << tau_s;  // at most h/2 off the peak: V'' h^2/8
  }
}

TEST(IafPscAlpha, PropagatorIsContinuousAcrossTauSynEqualsTauMAndItsSeriesBoundary) {
  const double C = 250.0, tm = 10.0;
  const double singular = models::propagator_alpha_to_membrane(tm, tm, C, h);
  EXPECT_NEAR(singular, h * h / (2 * C) * std::exp(-h / tm), 1e-18);
  for (double eps : {1e-12, 1e-9, 1e-6}) {  // relative: the propagator's derivative in tau_s is O(1)
    EXPECT_NEAR(models::propagator_alpha_to_membrane(tm * (1 + eps), tm, C, h) / singular, 1.0, 2 * eps) << eps;
    EXPECT_NEAR(models::propagator_alpha_to_membrane(tm * (1 - eps), tm, C, h) / singular, 1.0, 2 * eps) << eps;
  }
  // |a h| = 0.5 switches from the series to the closed form: both sides match g(x) = (1 - e^-x (1 + x)) / x^2
  // summed in long double. With h = 0.1 ms, a h >= -h/tau_m = -0.01, so the negative side needs a long step.
  const double h_long = 10.0;
  for (double x : {-0.5 - 1e-9, -0.5 + 1e-9, 0.5 - 1e-9, 0.5 + 1e-9}) {
    const double tau_s = 1.0 / (x / h_long + 1.0 / tm);  // a h_long = x
    long double g = 0, term = 1;
    for (int n = 0; n < 40; ++n) g += term / (n + 2), term *= -x / (n + 1);
    const double want = static_cast<double>(std::exp(-h_long / tm) * h_long * h_long * g / C);
    EXPECT_NEAR(models::propagator_alpha_to_membrane(tau_s, tm, C, h_long) / want, 1.0, 1e-14) << x;
  }
  // against the PSP closed form at T = h (a dI of 1 pA/ms is a weight of tau_s/e pA); relative 1e-9: the closed
  // form itself cancels when a h is small (tau_s 9 and 30 ms)
  for (double tau_s : {0.5, 2.0, 9.0, 30.0})
    EXPECT_NEAR(
        models::propagator_alpha_to_membrane(tau_s, tm, C, h) / alpha_psp(tau_s / std::numbers::e, tau_s, tm, C, h),
        1.0, 1e-9)
        << tau_s;
}

TEST(IafPscDeltaAlpha, SpecAndModelListSeeNestNamesDefaultsAndUnits) {
  nlohmann::json described;
  models::find_neuron_model("iaf_psc_delta")->describe(described);
  bool refractory_input = false, v_min = false;
  for (const auto& q : described["parameters"]) {
    if (q["name"] == "refractory_input") refractory_input = q["default"] == false && q["range"] == "true or false";
    if (q["name"] == "V_min") v_min = q["unit"] == "mV" && q["default"].get<double>() < -1e300;
  }
  EXPECT_TRUE(refractory_input) << described.dump();
  EXPECT_TRUE(v_min) << described.dump();
  EXPECT_EQ(described["ports"].size(), 0u);
  models::find_neuron_model("iaf_psc_alpha")->describe(described);
  EXPECT_EQ(described["ports"].size(), 2u);
  EXPECT_EQ(described["ports"][0]["weight_unit"], "pA");

  const nlohmann::json good = {{"refractory_input", true}, {"V_min", "-80 mV"}};
  models::population_request req{.name = "D", .size = 2, .params = &good};
  auto pop = models::find_neuron_model("iaf_psc_delta")->create(req);
  const auto& pp = static_cast<model_population<models::iaf_psc_delta>&>(*pop).parameters();
  EXPECT_TRUE(pp.at(0).refractory_input);
  EXPECT_EQ(pp.at(0).V_min.value, -80.0);
  const nlohmann::json bad = {{"refractory_input", "yes"}};
  req.params = &bad;
  try {
    models::find_neuron_model("iaf_psc_delta")->create(req);
    ADD_FAILURE() << "a string refractory_input was accepted";
  } catch (const parameter_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("refractory_input"), std::string::npos) << m;
    EXPECT_NE(m.find("true or false"), std::string::npos) << m;
  }
}

}  // namespace test_model_iaf_psc_delta_alpha
