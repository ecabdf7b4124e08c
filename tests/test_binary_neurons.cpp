// volley's binary neurons (models/binary_neurons.hpp: mcculloch_pitts_neuron, ginzburg_neuron, erfc_neuron) on their
// own (against NEST 3.10: tests/test_nest_binary.cpp): the payload path (a binary source's up and down transitions
// deliver +w and -w to an iaf_psc_delta, to a binary neuron and into the weight log, plain +w with use_payload =
// false), h = the sum of the weights of the sources that are up (delayed) at every step of a long random run with 1
// and 2 threads (identical), the gain decision and interval drawing of one step, update rates and intervals,
// parameter validation.
// Planted bugs, each caught (then removed): payload always +1 (the payload test); the next update counted from the
// update step instead of NEST's schedule (transition rates 430 sd off for tau_m < dt); the uniform reused for the
// interval without rescaling (the one-step test); a non-strict update time test (k dt >= t_next; the one-step and
// rate tests).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "models/binary_neurons.hpp"
#include "models/iaf_psc_delta.hpp"
#include "tests/support/binary_network.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_binary_neurons {

using namespace volley;
using namespace volley::binary_test;
using namespace volley::units::literals;

namespace {

// One neuron stepped directly, with a chosen uniform, delta input and current per step.
template <class Model>
struct single {
  typename Model::constants c;
  real_t s[Model::n_state];
  single(const typename Model::params& p, double dt) : c(Model::derive(p, dt)) { Model::initial_state(p, s); }
  bool step(double u, double delta = 0, double current = 0) {
    return Model::update(c, s, models::neuron_input{static_cast<real_t>(current), static_cast<real_t>(delta),
                                                    nullptr, static_cast<real_t>(u)});
  }
};

}  // namespace

// Step 0 draws the first interval (u = e^-1: tau_m exactly, in tics) and never updates; the update comes in the
// first step whose start is later than it; S = [u < g] there, and the interval that follows uses the rest of u.
TEST(BinaryNeurons, OneStepDecisionAndIntervalFromOneUniform) {
  gz::params p;
  p.tau_m = units::time_q(1.0);  // 1000 tics
  p.c_3 = per_voltage_q(0.5);
  p.theta = units::voltage_q(1.0);
  single<gz> n(p, 0.1);
  const double u0 = std::exp(-1.0);  // -ln u = 1: the interval is 1000 tics
  EXPECT_FALSE(n.step(u0));
  EXPECT_EQ(n.s[base::next_update_tics], 1000 - 100);
  EXPECT_EQ(n.s[base::S], 0);
  for (int k = 1; k <= 9; ++k) {  // steps 1..9 start at 0.1 .. 0.9 ms: not later than t_1 = 1 ms
    EXPECT_FALSE(n.step(1e-9)) << k;
    EXPECT_EQ(n.s[base::next_update_tics], 1000 - 100 * (k + 1));
  }
  EXPECT_FALSE(n.step(1e-9)) << "step 10 starts at 1.0 ms = t_1: no update (NEST: strictly later)";
  EXPECT_EQ(n.s[base::next_update_tics], -100);
  // step 11 updates: h + c = 1.5, g = (1 + tanh(0.25)) / 2
  const double g = 0.5 * (1 + std::tanh(0.5 * (1.5 - 1.0)));
  const double u = 0.999 * g;
  EXPECT_TRUE(n.step(u, 0.0, 1.5));
  EXPECT_EQ(n.s[base::S], 1);
  EXPECT_EQ(n.s[base::transition], 1);
  EXPECT_EQ(n.s[base::h], 0) << "a current is not accumulated";
  // the next interval from u / g = 0.999: round(-ln(0.999) * 1000 tics) = 1 tic
  EXPECT_EQ(n.s[base::next_update_tics], -100 + std::floor(-std::log(u / g) * 1000 + 0.5) - 100);
  EXPECT_EQ(n.s[base::next_update_tics], -199);
  // lagging: the next steps update until t_next is ahead; u just above g: S = 0, a down transition
  const double h_in = 0.25;  // a delta input: h accumulates it
  const double g2 = 0.5 * (1 + std::tanh(0.5 * (h_in - 1.0)));
  const double u2 = g2 + 0.5 * (1 - g2);  // (1 - u2) / (1 - g2) = 0.5: interval round(693.1) = 693 tics
  EXPECT_TRUE(n.step(u2, h_in));
  EXPECT_EQ(n.s[base::S], 0);
  EXPECT_EQ(n.s[base::transition], -1);
  EXPECT_EQ(n.s[base::h], h_in);
  EXPECT_EQ(n.s[base::next_update_tics], -199 + 693 - 100);
  EXPECT_FALSE(n.step(0.5));
  EXPECT_EQ(n.s[base::transition], 0) << "no transition: payload 0";
  EXPECT_EQ(n.s[base::h], h_in);

  // the three gains at their threshold and around it, with the uniform just below / above g
  auto decide = [](auto model_tag, const auto& params, double x, double u) {
    using M = decltype(model_tag);
    single<M> m(params, 0.1);
    m.step(0.5);  // first interval (tau_m 10 ms: ~ 6.9 ms)
    m.s[base::next_update_tics] = -1;  // force an update now
    m.step(u, 0.0, x);
    return m.s[base::S];
  };
  gz::params gp;
  gp.c_1 = per_voltage_q(0.1);
  gp.c_2 = units::dimensionless_q(0.5);
  gp.c_3 = per_voltage_q(0.5);
  gp.theta = units::voltage_q(1.0);
  const double gg = 0.1 * 2.0 + 0.25 * (1 + std::tanh(0.5));
  EXPECT_EQ(decide(gz{}, gp, 2.0, gg * (1 - 1e-12)), 1);
  EXPECT_EQ(decide(gz{}, gp, 2.0, gg * (1 + 1e-12)), 0);
  ef::params ep;
  ep.theta = units::voltage_q(1.0);
  ep.sigma = units::voltage_q(2.0);
  const double ge = 0.5 * std::erfc(-(0.0 - 1.0) / (std::sqrt(2.0) * 2.0));  // 0.3085: rises with x
  EXPECT_NEAR(ge, 0.30853753872598688, 1e-15);
  EXPECT_EQ(decide(ef{}, ep, 0.0, ge * (1 - 1e-12)), 1);
  EXPECT_EQ(decide(ef{}, ep, 0.0, ge * (1 + 1e-12)), 0);
  ep.sigma = units::voltage_q(0.0);  // the Heaviside step, S = [x > theta] (NEST's NaN at x = theta: 0)
  EXPECT_EQ(decide(ef{}, ep, 1.0, 1e-15), 0);
  EXPECT_EQ(decide(ef{}, ep, 1.0 + 1e-12, 1 - 1e-15), 1);
  mp::params mpp;
  mpp.theta = units::voltage_q(0.5);
  EXPECT_EQ(decide(mp{}, mpp, 0.5, 1e-15), 0) << "strictly above theta";
  EXPECT_EQ(decide(mp{}, mpp, 0.5 + 1e-12, 1 - 1e-15), 1);
  // probabilities outside [0, 1] (ginzburg's linear term) act as 0 and 1
  gz::params lin;
  lin.c_1 = per_voltage_q(1.0);
  lin.c_2 = units::dimensionless_q(0.0);
  EXPECT_EQ(decide(gz{}, lin, 5.0, 1 - 1e-15), 1);
  EXPECT_EQ(decide(gz{}, lin, -5.0, 1e-15), 0);
}

// Update rates and intervals over many steps with independent uniforms: with tau_m = 10 ms the intervals are
// exponential (mean tau_m, rounded to the tic; P(interval > x) = e^{-x/tau}); with tau_m = 1.5 dt the updates often
// wait for the next step but their long-run rate stays 1/tau_m (NEST keeps the schedule); with tau_m < dt the
// neuron updates in every step. Updates are seen as the jumps of next_update_tics (its value rises by the interval
// at an update and falls by dt otherwise).
TEST(BinaryNeurons, UpdateRatesAndIntervals) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> U(0.0, 1.0);
  auto run = [&](double tau, std::int64_t steps, std::vector<double>* intervals) {
    gz::params p;
    p.tau_m = units::time_q(tau);
    single<gz> n(p, 0.1);
    n.step(0.5);
    std::int64_t updates = 0;
    for (std::int64_t k = 1; k < steps; ++k) {
      const double before = n.s[base::next_update_tics];
      double u;
      do u = U(rng); while (u == 0.0);
      n.step(u);
      const double rise = n.s[base::next_update_tics] - before + 100;
      if (before < 0) {
        ++updates;
        if (intervals) intervals->push_back(rise);
      } else {
        EXPECT_EQ(rise, 0.0);
      }
    }
    return updates;
  };
  std::vector<double> iv;
  const std::int64_t steps = 2000000;  // 200 s
  const auto u10 = run(10.0, steps, &iv);
  const double expected = steps * 0.1 / 10.0;
  EXPECT_NEAR(static_cast<double>(u10), expected, 5 * std::sqrt(expected));
  const double mean = std::accumulate(iv.begin(), iv.end(), 0.0) / iv.size();
  EXPECT_NEAR(mean, 10000.0, 5 * 10000.0 / std::sqrt(iv.size()));
  for (double x : iv) ASSERT_EQ(x, std::floor(x)) << "whole tics";
  for (double x : {5000.0, 20000.0}) {
    const auto longer = std::count_if(iv.begin(), iv.end(), [&](double v) { return v > x + 0.5; });
    const double frac = static_cast<double>(longer) / iv.size();
    const double e = std::exp(-(x + 1) / 10000.0);
    EXPECT_NEAR(frac, e, 5 * std::sqrt(e * (1 - e) / iv.size())) << x;
  }
  const auto u15 = run(0.15, 300000, nullptr);
  const double e15 = 300000 * 0.1 / 0.15;
  EXPECT_NEAR(static_cast<double>(u15), e15, 0.01 * e15);
  const auto u05 = run(0.05, 100000, nullptr);
  EXPECT_EQ(u05, 100000 - 1) << "tau_m < dt: every step after step 0";
  std::printf("updates: tau 10 ms %lld in %lld steps (expected %.0f), mean interval %.1f tics; tau 1.5 dt: %lld "
              "(expected %.0f); tau dt/2: %lld of %d steps\n",
              static_cast<long long>(u10), static_cast<long long>(steps), expected, mean, static_cast<long long>(u15),
              e15, static_cast<long long>(u05), 100000);
}

// A binary source's transitions through the payload: +w when it goes up, -w when it goes down, to an
// iaf_psc_delta (V jumps), to a binary target (h), in the weight log; use_payload = false sends +w both times.
// The source is a McCulloch-Pitts neuron updating every step (tau_m one tic) driven up by a current over
// [2, 5) ms: up in step 20, down in step 50; delay 1 ms: the jumps arrive in steps 30 and 60.
TEST(BinaryNeurons, TransitionsDeliverPlusAndMinusTheWeight) {
  for (int threads : {1, 2}) {
    network net({.dt = 0.1_ms, .seed = 2});
    mp::params sp;
    sp.tau_m = units::time_q(0.001);
    sp.theta = units::voltage_q(0.5);
    net.add_population<mp>("src", 1, sp);
    step_input in;
    in.amplitudes = {units::current_q(1.0), units::current_q(0.0)};
    in.step_times = {units::time_q(2.0), units::time_q(5.0)};
    net.add_current_input("src", in);
    models::iaf_psc_delta_params vp;
    vp.V_th = units::voltage_q(100.0);
    net.add_population<models::iaf_psc_delta>("V", 2, vp);
    gz::params gp;
    gp.c_3 = per_voltage_q(0.0);  // g = 1/2: h only
    net.add_population<gz>("G", 1, gp);
    synapse_spec syn{"", units::voltage_q(2.0), units::time_q(1.0)};
    syn.record_weights = true;
    net.connect("src", "V[0:1]", connection_rule{}, syn);
    synapse_spec plain{"", units::voltage_q(2.0), units::time_q(1.0)};
    plain.use_payload = false;
    net.connect("src", "V[1:2]", connection_rule{}, plain);
    net.connect("src", "G", connection_rule{}, {"", units::voltage_q(-1.25), units::time_q(1.0)});
    simulator sim(net, threads_option(threads));
    sim.record_spikes("src");
    sim.record_trace({"V", "V_m", {}, units::time_q(0.0)});
    sim.record_trace({"G", "h", {}, units::time_q(0.0)});
    sim.record_trace({"src", "transition", {}, units::time_q(0.0)});
    sim.run(units::time_q(8.0));
    const auto& rec = sim.record();
    const auto& logged = net.projections()[0];  // (references from connect() do not survive later connects)
    EXPECT_EQ(std::vector<step_t>(rec.spikes[0].step.begin(), rec.spikes[0].step.end()),
              (std::vector<step_t>{20, 50}));
    const auto& tr = rec.traces[2].values;
    EXPECT_EQ(tr[20], 1);
    EXPECT_EQ(tr[50], -1);
    const auto& V = rec.traces[0].values;  // [step][2]
    const double P = std::exp(-0.1 / 10.0);
    for (int k = 0; k < 80; ++k) {
      double with = 0, plain_v = 0;  // V - E_L, closed form
      if (k >= 30) with = 2 * std::pow(P, k - 30), plain_v = with;
      if (k >= 60) with -= 2 * std::pow(P, k - 60), plain_v += 2 * std::pow(P, k - 60);
      EXPECT_NEAR(V[2 * k] + 70.0, with, 1e-12) << "payload, step " << k;
      EXPECT_NEAR(V[2 * k + 1] + 70.0, plain_v, 1e-12) << "plain weights, step " << k;
    }
    EXPECT_EQ(V[2 * 30] - V[2 * 29], 2.0);
    const auto& h = rec.traces[1].values;
    for (int k = 0; k < 80; ++k) EXPECT_EQ(h[k], k >= 30 && k < 60 ? -1.25 : 0.0) << k;
    ASSERT_EQ(logged.weight_log.size(), 2u);
    EXPECT_EQ(logged.weight_log[0].step, 20u);
    EXPECT_EQ(logged.weight_log[0].weight, 2.0);
    EXPECT_EQ(logged.weight_log[1].step, 50u);
    EXPECT_EQ(logged.weight_log[1].weight, -2.0);
  }
}

// h = the sum of the weights of the sources that are up (as of the delay) at every step: 3000 ginzburg neurons, 12
// random inputs each (weights uniform in [-2, 2], delays 1..30 steps), 300 ms; S of every neuron rebuilt from its
// transitions, h of 60 neurons checked at every step. The same run with 2 threads gives the same transitions.
TEST(BinaryNeurons, InputIsTheSumOfTheWeightsOfTheUpSources) {
  const index_t n = 3000, checked = 60;
  const int k_in = 12;
  const double t_ms = 300.0;
  std::mt19937 rng(9);
  std::uniform_int_distribution<index_t> pick(0, n - 1);
  std::uniform_real_distribution<double> wdist(-2.0, 2.0);
  std::uniform_int_distribution<int> ddist(1, 30);
  std::vector<index_t> src, tgt;
  std::vector<double> w, d;
  for (index_t t = 0; t < n; ++t)
    for (int j = 0; j < k_in; ++j) {
      src.push_back(pick(rng));
      tgt.push_back(t);
      w.push_back(wdist(rng));
      d.push_back(0.1 * ddist(rng));
    }
  auto run = [&](int threads, double run_ms) {
    network net({.dt = 0.1_ms, .seed = 4});
    gz::params p;
    p.tau_m = units::time_q(2.0);
    p.c_3 = per_voltage_q(0.7);
    p.theta = units::voltage_q(0.3);
    net.add_population<gz>("B", n, p);
    connection_rule rule;
    rule.kind = rule_kind::explicit_list;
    rule.sources = src;
    rule.targets = tgt;
    synapse_spec syn;
    syn.weight = per_item(units::dims::voltage, w);
    syn.delay = per_item(units::dims::time, d);
    net.connect("B", "B", rule, syn);
    simulator sim(net, threads_option(threads));
    sim.record_spikes("B");
    std::vector<index_t> watch;
    for (index_t i = 0; i < checked; ++i) watch.push_back(i * (n / checked));
    sim.record_trace({"B", "h", watch, units::time_q(0.0)});
    sim.record_trace({"B", "S", watch, units::time_q(0.0)});
    sim.run(units::time_q(run_ms));
    return std::make_tuple(sim.record().spikes[0], sim.record().traces[0], sim.record().traces[1], watch);
  };
  const auto [spikes, h, S, watch] = run(1, t_ms);
  const auto steps = static_cast<std::int64_t>(std::llround(t_ms / 0.1));
  const auto tr = transitions_of(spikes, n);
  std::vector<std::vector<int>> y(n);
  std::size_t total = 0;
  for (index_t i = 0; i < n; ++i) {
    y[i] = s_trace(tr[i], steps);
    total += tr[i].size();
  }
  // the parity rebuild agrees with the recorded S
  for (std::size_t q = 0; q < watch.size(); ++q)
    for (std::int64_t k = 0; k < steps; ++k)
      ASSERT_EQ(S.values[static_cast<std::size_t>(k) * watch.size() + q], y[watch[q]][static_cast<std::size_t>(k)]);
  double worst = 0;
  for (std::size_t q = 0; q < watch.size(); ++q) {
    const index_t i = watch[q];
    for (std::int64_t k = 0; k < steps; ++k) {
      double expected = 0;
      for (std::size_t c = static_cast<std::size_t>(i) * k_in; c < static_cast<std::size_t>(i + 1) * k_in; ++c) {
        const auto delay = std::llround(d[c] / 0.1);
        if (k - delay >= 0) expected += w[c] * y[src[c]][static_cast<std::size_t>(k - delay)];
      }
      worst = std::max(worst, std::abs(h.values[static_cast<std::size_t>(k) * watch.size() + q] - expected));
    }
  }
  EXPECT_LE(worst, 1e-12);
  EXPECT_GT(total, 100000u) << "the run must be busy";
  // 2 threads (the first 100 ms: OpenMP barriers are slow on a loaded machine): the same transitions and h
  const double t2_ms = 100.0;
  const auto steps2 = static_cast<step_t>(std::llround(t2_ms / 0.1));
  const auto [spikes2, h2, S2, watch2] = run(2, t2_ms);
  std::vector<step_t> st1;
  std::vector<index_t> ne1;
  for (std::size_t k = 0; k < spikes.size() && spikes.step[k] < steps2; ++k) {
    st1.push_back(spikes.step[k]);
    ne1.push_back(spikes.neuron[k]);
  }
  EXPECT_EQ(st1, spikes2.step);
  EXPECT_EQ(ne1, spikes2.neuron);
  EXPECT_TRUE(std::equal(h2.values.begin(), h2.values.end(), h.values.begin()));
  std::printf("h bookkeeping: %u neurons, %zu transitions in %lld steps, %u neurons' h checked at every step: max "
              "|h - sum of up weights| %.3g; 2 threads: identical transitions\n",
              n, total, static_cast<long long>(steps), checked, worst);
}

TEST(BinaryNeurons, ParameterValidation) {
  network net({.dt = 0.1_ms, .seed = 1});
  mp::params m;
  m.tau_m = units::time_q(0.0);
  EXPECT_THROW(net.add_population<mp>("a", 1, m), parameter_error);
  m.tau_m = units::time_q(-1.0);
  EXPECT_STREQ(mp::validate(m), "All time constants must be strictly positive.");
  gz::params g;
  g.tau_m = units::time_q(-0.5);
  EXPECT_THROW(net.add_population<gz>("b", 1, g), parameter_error);
  g.tau_m = units::time_q(1.0);
  g.c_1 = per_voltage_q(-3.0);  // NEST accepts any c_1, c_2, c_3, theta
  g.c_2 = units::dimensionless_q(7.0);
  g.c_3 = per_voltage_q(-2.0);
  g.theta = units::voltage_q(-100.0);
  EXPECT_EQ(gz::validate(g), nullptr);
  ef::params e;
  e.sigma = units::voltage_q(-1.0);
  EXPECT_THROW(net.add_population<ef>("c", 1, e), parameter_error);
  EXPECT_NE(ef::validate(e), nullptr);
  e.sigma = units::voltage_q(0.0);
  EXPECT_EQ(ef::validate(e), nullptr);
  // the range checks the spec loader applies
  bool tau_positive = false, sigma_non_negative = false;
  ef::each_param(e, [&](const char* name, auto&, range_check r) {
    if (std::string(name) == "tau_m") tau_positive = r == range_check::positive;
    if (std::string(name) == "sigma") sigma_non_negative = r == range_check::non_negative;
  });
  EXPECT_TRUE(tau_positive);
  EXPECT_TRUE(sigma_non_negative);
  // NEST's defaults and the state NEST starts from
  EXPECT_EQ(mp::defaults().tau_m.value, 10.0);
  EXPECT_EQ(mp::defaults().theta.value, 0.0);
  EXPECT_EQ(gz::defaults().c_1.value, 0.0);
  EXPECT_EQ(gz::defaults().c_2.value, 1.0);
  EXPECT_EQ(gz::defaults().c_3.value, 1.0);
  EXPECT_EQ(ef::defaults().sigma.value, 1.0);
  real_t s[base::n_state];
  mp::initial_state(mp::defaults(), s);
  EXPECT_EQ(s[base::S], 0);
  EXPECT_EQ(s[base::h], 0);
  // dt in tics
  EXPECT_EQ(mp::derive(mp::defaults(), 0.1).t.h_tics, 100);
  EXPECT_EQ(mp::derive(mp::defaults(), 0.025).t.h_tics, 25);
}

}  // namespace test_binary_neurons
