// Neuron and synapse models against closed-form solutions.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/lif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_models {

using namespace volley;
using namespace volley::units::literals;

namespace {

models::lif_params coba_like_lif() {
  auto p = models::LIFRef::defaults();
  p.R = 100.0_Mohm;
  p.tau = 20.0_ms;
  p.V_rest = -60.0_mV;
  p.V_reset = -60.0_mV;
  p.V_th = -50.0_mV;
  p.tau_ref = 5.0_ms;
  p.spk_reset = reset_mode::hard;
  return p;
}

}  // namespace

TEST(LIF, SubthresholdTrajectoryAndFirstSpikeMatchClosedForm) {
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<models::LIFRef>("N", 3, coba_like_lif());
  net.add_constant_current("N", 150.0_pA);  // V_inf = -60 + 0.1 GOhm * 150 pA = -45 mV
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.run(30.0_ms);
  const double v_inf = -45.0, v0 = -60.0, tau = 20.0, dt = 0.1;
  const double t_star = tau * std::log((v0 - v_inf) / (-50.0 - v_inf));  // first crossing, ms
  const auto first_step = static_cast<std::uint32_t>(std::ceil(t_star / dt)) - 1;
  const auto& tr = sim.record().traces[0];
  for (std::uint32_t k = 0; k < first_step; ++k) {
    const double t = (k + 1) * dt;
    ASSERT_NEAR(tr.values[k], v_inf + (v0 - v_inf) * std::exp(-t / tau), 1e-9) << "step " << k;
  }
  const auto& sp = sim.record().spikes[0];
  ASSERT_GE(sp.size(), 3u);
  EXPECT_EQ(sp.step[0], first_step);
  EXPECT_EQ(sp.neuron[0], 0u);
  EXPECT_DOUBLE_EQ(tr.values[first_step], -60.0);  // hard reset in the spike step
}

TEST(LIF, RefractoryPeriodHoldsVAndSetsTheInterSpikeInterval) {
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<models::LIFRef>("N", 1, coba_like_lif());
  net.add_constant_current("N", 150.0_pA);
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.run(100.0_ms);
  const auto& sp = sim.record().spikes[0];
  const auto& tr = sim.record().traces[0];
  ASSERT_GE(sp.size(), 3u);
  const std::uint32_t ref_steps = 50;
  for (std::uint32_t k = 1; k <= ref_steps; ++k) ASSERT_EQ(tr.values[sp.step[0] + k], -60.0) << k;
  EXPECT_GT(tr.values[sp.step[0] + ref_steps + 1], -60.0);
  // from V_reset, the crossing takes ceil(t_r/dt) integrated steps after the refractory ones
  const double t_r = 20.0 * std::log((-60.0 + 45.0) / (-50.0 + 45.0));
  const auto isi = static_cast<std::uint32_t>(ref_steps + std::ceil(t_r / 0.1));
  EXPECT_EQ(sp.step[1] - sp.step[0], isi);
  EXPECT_EQ(sp.step[2] - sp.step[1], isi);
}

TEST(LIF, SoftResetSubtractsTheThresholdDistance) {
  auto p = models::LIF::defaults();  // tau 5 ms, V_th 1 mV, V_reset 0, R 1 ohm, soft reset
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<models::LIF>("N", 1, p);
  net.add_constant_current("N", 3.0_mA);  // R I = 3 mV
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.run(5.0_ms);
  const auto& sp = sim.record().spikes[0];
  const auto& tr = sim.record().traces[0];
  ASSERT_GE(sp.size(), 1u);
  const auto s = sp.step[0];
  const double before = 3.0 + (tr.values[s - 1] - 3.0) * std::exp(-0.1 / 5.0);
  EXPECT_NEAR(tr.values[s], before - 1.0, 1e-12);
}

TEST(IafPscExp, SubthresholdResponseToConstantCurrent) {
  models::iaf_psc_exp_params p;  // NEST defaults: C_m 250 pF, tau_m 10 ms, E_L -70 mV, V_th -55 mV
  p.I_e = 300.0_pA;              // V_inf = -70 + 300 * 10/250 = -58 mV: never spikes
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<models::iaf_psc_exp>("N", 1, p);
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V_m", {0}, 0.0_ms});
  sim.run(50.0_ms);
  const auto& tr = sim.record().traces[0];
  for (std::size_t k = 0; k < tr.samples(); ++k) {
    const double t = tr.times_ms[k];
    ASSERT_NEAR(tr.values[k], -70.0 + 12.0 * (1 - std::exp(-t / 10.0)), 1e-9) << t;
  }
  EXPECT_EQ(sim.record().spikes[0].size(), 0u);
}

TEST(IafPscExp, FirstSpikeTimeWithSuprathresholdCurrent) {
  models::iaf_psc_exp_params p;
  p.I_e = 500.0_pA;  // V_inf = -50 mV
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<models::iaf_psc_exp>("N", 1, p);
  simulator sim(net);
  sim.record_spikes("N");
  sim.run(100.0_ms);
  const double t_star = 10.0 * std::log(20.0 / 5.0);  // (E_L - V_inf) / (V_th - V_inf)
  const auto& sp = sim.record().spikes[0];
  ASSERT_GE(sp.size(), 2u);
  EXPECT_EQ(sp.step[0], static_cast<std::uint32_t>(std::ceil(t_star / 0.1)) - 1);
  // refractory 2 ms = 20 steps clamped at V_reset = E_L, then the same rise again
  EXPECT_EQ(sp.step[1] - sp.step[0], 20u + static_cast<std::uint32_t>(std::ceil(t_star / 0.1)));
}

// PSP of one input spike: V(t) = E_L + w/C tau_s tau_m/(tau_m - tau_s) (e^{-s/tau_m} - e^{-s/tau_s}), s = t - T0,
// with the limit w/C s e^{-s/tau} when tau_s == tau_m. The spike at t_s with delay d starts the PSC at t_s + d.
class IafPscExpPsp : public ::testing::TestWithParam<double> {};

TEST_P(IafPscExpPsp, MatchesClosedForm) {
  const double tau_s = GetParam(), tau_m = 10.0, C = 250.0, w = 100.0;
  models::iaf_psc_exp_params p;
  p.tau_syn_ex = units::time_q(tau_s);
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<models::iaf_psc_exp>("N", 1, p);
  net.add_spike_times("N", {2.0}, units::current_q(w), "", 1.5_ms);
  simulator sim(net);
  sim.record_trace({"N", "V_m", {0}, 0.0_ms});
  sim.run(40.0_ms);
  const double T0 = 3.5;
  const auto& tr = sim.record().traces[0];
  double peak = -70.0;
  for (std::size_t k = 0; k < tr.samples(); ++k) {
    const double s = tr.times_ms[k] - T0;
    double expect = -70.0;
    if (s > 1e-9) {
      // (e^{-s/tau_m} - e^{-s/tau_s}) / (1/tau_s - 1/tau_m), written with expm1 in long double so the reference
      // itself does not cancel when the time constants nearly coincide
      const long double a = 1.0L / tau_s - 1.0L / tau_m, sl = s;
      const long double shape = a == 0 ? sl * std::exp(-sl / tau_m) : std::exp(-sl / tau_m) * -std::expm1(-a * sl) / a;
      expect += static_cast<double>(w / C * shape);
    }
    ASSERT_NEAR(tr.values[k], expect, 1e-10) << "t = " << tr.times_ms[k];
    peak = std::max(peak, double(tr.values[k]));
  }
  EXPECT_GT(peak, -70.0 + 0.05);  // a PSP did happen
}

INSTANTIATE_TEST_SUITE_P(TauSyn, IafPscExpPsp, ::testing::Values(2.0, 0.5, 10.0, 9.999999));

TEST(IafPscExp, PropagatorIsContinuousAtEqualTimeConstants) {
  const double h = 0.1, C = 250.0, tau = 10.0;
  const double limit = models::propagator_exp_to_membrane(tau, tau, C, h);
  EXPECT_NEAR(limit, h / C * std::exp(-h / tau), 1e-18);
  for (double eps : {1e-3, 1e-6, 1e-9, 1e-12})
    EXPECT_NEAR(models::propagator_exp_to_membrane(tau + eps, tau, C, h), limit, 1e-6 * limit) << eps;
}

TEST(Expon, ConductanceDecaysExponentiallyAfterArrival) {
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<models::LIFRef>("N", 1, coba_like_lif());
  net.add_receptor("N", "exc", {5.0_ms}, models::coba_params{0.0_mV});
  net.add_spike_times("N", {1.0}, 6.0_nS, "exc", 0.1_ms);  // emitted in step 9, arrives in step 10
  simulator sim(net);
  sim.record_trace({"N", "exc.g", {0}, 0.0_ms});
  sim.run(30.0_ms);
  const auto& tr = sim.record().traces[0];
  for (std::size_t k = 0; k < tr.samples(); ++k) {
    const double t = tr.times_ms[k];  // sample after step k
    const double expect = k < 10 ? 0.0 : 6.0 * std::exp(-(t - 1.1) / 5.0);
    ASSERT_NEAR(tr.values[k], expect, 1e-12) << t;
  }
}

TEST(Expon, CobaCurrentDrivesVTowardsTheReversalPotential) {
  network net({.dt = 0.1_ms, .seed = 1});
  auto p = coba_like_lif();
  net.add_population<models::LIFRef>("N", 1, p);
  net.add_receptor("N", "inh", {10.0_ms}, models::coba_params{-80.0_mV});
  net.add_spike_times("N", {1.0}, 10.0_nS, "inh");
  simulator sim(net);
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.run(20.0_ms);
  const auto& tr = sim.record().traces[0];
  EXPECT_EQ(tr.values[9], -60.0);   // nothing before the arrival acts
  EXPECT_EQ(tr.values[10], -60.0);  // arrival at the end of step 10 acts from step 11 on
  EXPECT_LT(tr.values[11], -60.0);
  // one step after arrival: exponential Euler with I = g (E - V) = 10 nS * -20 mV = -200 pA held over the step
  EXPECT_NEAR(tr.values[11], -60.0 + 0.1 * -200.0 * (1 - std::exp(-0.1 / 20.0)), 1e-12);
}

}  // namespace test_models
