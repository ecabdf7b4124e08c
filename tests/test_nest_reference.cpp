// volley's iaf_psc_exp against traces recorded from NEST itself (issue 5). The protocol, the timing conventions
// (NEST against volley) and the helpers are in tests/support/nest_reference.hpp; the tests here pin the timing
// conventions down (UnshiftedStepCurrent*), iaf_psc_delta and iaf_psc_alpha are in tests/test_nest_psc_delta_alpha.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "models/iaf_psc_exp.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_reference {

using namespace volley;
using namespace volley::nest_ref;

namespace {

// NEST's parameters as volley's; a NEST parameter volley has no counterpart of is accepted only at the value that
// makes it inert.
models::iaf_psc_exp_params iaf_psc_exp_params_from(const json& p) {
  parameter_reader in(p);
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
  // NEST 3.10's escape noise (stochastic threshold): off while delta == 0, then rho is unused.
  EXPECT_EQ(in.take("delta"), 0.0) << "volley's iaf_psc_exp has a deterministic threshold";
  in.take("rho");
  in.finish("iaf_psc_exp");
  return q;
}

struct volley_traces {
  std::vector<double> V_m, I_syn_ex, I_syn_in;  // mV, pA, pA; sample k = state after step k
  std::vector<std::uint64_t> spike_steps;
};

// Runs volley's iaf_psc_exp on the reference's protocol, each spike_generator projected onto port "ex" or "in"
// by the sign of its weight, as NEST routes them. `current_shift_ms` is added to every step_current_generator time.
volley_traces run_iaf_psc_exp(const json& ref, spike_path path, double current_shift_ms) {
  EXPECT_EQ(ref.at("initial_state").at("V_m").get<double>(), ref.at("parameters").at("E_L").get<double>())
      << "volley starts iaf_psc_exp at E_L";
  auto t =
      run_protocol<models::iaf_psc_exp>(ref, iaf_psc_exp_params_from(ref.at("parameters")), path, current_shift_ms,
                                        {"V_m", "I_syn_ex", "I_syn_in"}, [](double w) { return w >= 0 ? "ex" : "in"; });
  return {std::move(t.values[0]), std::move(t.values[1]), std::move(t.values[2]), std::move(t.spike_steps)};
}

}  // namespace

TEST(NestReference, ReferenceFileRecordsVersionParametersAndProtocol) {
  const json ref = load_reference("iaf_psc_exp");
  EXPECT_EQ(ref.at("model"), "iaf_psc_exp");
  EXPECT_FALSE(ref.at("nest").at("version").get<std::string>().empty());
  EXPECT_EQ(ref.at("dt_ms").get<double>(), 0.1);
  const auto n = static_cast<std::size_t>(std::llround(ref.at("t_sim_ms").get<double>() / 0.1));
  for (const char* v : {"V_m", "I_syn_ex", "I_syn_in"}) EXPECT_EQ(reference_trace(ref, v).size(), n) << v;
  // The protocol must exercise what the comparison claims: both spike signs, spikes driven by the step and by
  // synaptic input alone (the subthreshold phase from 120 ms), an input during a refractory period.
  const auto& in = ref.at("protocol").at("spike_inputs");
  ASSERT_EQ(in.size(), 2u);
  EXPECT_GT(in[0].at("weight").get<double>(), 0);
  EXPECT_LT(in[1].at("weight").get<double>(), 0);
  const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
  EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; }));
  EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 120; }));
}

TEST(NestReference, IafPscExpMatchesNestAtEveryStep) {
  const json ref = load_reference("iaf_psc_exp");
  const double d_current = ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
  const volley_traces v = run_iaf_psc_exp(ref, spike_path::spike_time_population, d_current);
  std::printf("iaf_psc_exp vs NEST %s (SpikeTime sources, step times + %g ms):\n",
              ref.at("nest").at("version").get<std::string>().c_str(), d_current);
  const auto dv = compare(ref, "V_m", v.V_m, reference_trace(ref, "V_m"), 1e-6);
  const auto dex = compare(ref, "I_syn_ex", v.I_syn_ex, reference_trace(ref, "I_syn_ex"), 1e-6);
  const auto din = compare(ref, "I_syn_in", v.I_syn_in, reference_trace(ref, "I_syn_in"), 1e-6);
  EXPECT_LE(dv.max_abs, 1e-6) << "mV; first sample over: " << dv.first_over;
  EXPECT_LE(dex.max_abs, 1e-6) << "pA; first sample over: " << dex.first_over;
  EXPECT_LE(din.max_abs, 1e-6) << "pA; first sample over: " << din.first_over;
  EXPECT_EQ(v.spike_steps, reference_spike_steps(ref));
}

TEST(NestReference, IafPscExpSpikeTimeInputsMatchSpikeTimeSources) {
  // The other way in for external spikes (network::add_spike_times) must give NEST's traces too.
  const json ref = load_reference("iaf_psc_exp");
  const double d_current = ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
  const volley_traces v = run_iaf_psc_exp(ref, spike_path::spike_times_input, d_current);
  const auto nest_v = reference_trace(ref, "V_m");
  ASSERT_EQ(v.V_m.size(), nest_v.size());
  for (std::size_t k = 0; k < nest_v.size(); ++k) ASSERT_NEAR(v.V_m[k], nest_v[k], 1e-6) << "sample " << k;
  EXPECT_EQ(v.spike_steps, reference_spike_steps(ref));
}

TEST(NestReference, UnshiftedStepCurrentActsOneStepBeforeNest) {
  // volley's step_input with NEST's amplitude_times as they are: the current enters one step (the generator's
  // connection delay, dt) early. Everything up to the first step time agrees; the first sample that differs is
  // the one at T + dt (step T/dt), where volley's V has already moved and NEST's has not.
  const json ref = load_reference("iaf_psc_exp");
  const double dt = ref.at("dt_ms").get<double>();
  const double t_first = ref.at("protocol").at("step_current_generator").at("amplitude_times_ms")[0].get<double>();
  const volley_traces v = run_iaf_psc_exp(ref, spike_path::spike_time_population, 0.0);
  const auto nest_v = reference_trace(ref, "V_m");
  const auto k_first = static_cast<std::size_t>(std::llround(t_first / dt));  // sample at T + dt
  for (std::size_t k = 0; k < k_first; ++k) ASSERT_NEAR(v.V_m[k], nest_v[k], 1e-6) << "sample " << k;
  // The difference there is exactly one step of the current: I P20, P20 = tau_m/C_m (1 - e^{-dt/tau_m}) (mV/pA).
  const auto& p = ref.at("parameters");
  const double tau_m = p.at("tau_m").get<double>(), C_m = p.at("C_m").get<double>();
  const double amplitude = ref.at("protocol").at("step_current_generator").at("amplitude_values_pA")[0].get<double>();
  EXPECT_NEAR(v.V_m[k_first] - nest_v[k_first], -amplitude * tau_m / C_m * std::expm1(-dt / tau_m), 1e-8);
  EXPECT_NE(v.spike_steps, reference_spike_steps(ref));
}

}  // namespace test_nest_reference
