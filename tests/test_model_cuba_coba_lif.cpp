// CubaLIF and CobaLIF (models/cuba_coba_lif.hpp):
//  - CubaLIF's response to one input spike against the difference-of-exponentials PSP: bit-close (1e-12) to the
//    exact solution of its discrete scheme, and within O(dt) (error halving with dt) of the continuous solution;
//    bit for bit LIF / LIFRef + an Expon receptor with a CUBA output, run through network and simulator;
//  - CobaLIF's membrane under frozen conductances against the exact solution (effective time constant and reversal,
//    steady state), the exact conductance decay, routing of spike inputs to "ex" / "in" by weight sign, and
//    agreement to O(dt) with LIFRef + two Expon receptors with COBA outputs;
//  - spike, reset (hard / soft) and refractory hold of both, with the synaptic variables running on while held;
//  - the differentiable part: free_update_jacobian (J and dI), spike_argument_grad and reset_jacobian against
//    5-point central finite differences (as tests/test_model_derivatives.cpp, reproduced here for these models,
//    with random port input), update() == free_update + spike test + reset bitwise, the trainer's null-port input,
//    and a checker that fails on a Jacobian entry wrong by 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "kernels/train_step.hpp"
#include "models/cuba_coba_lif.hpp"
#include "models/differentiable.hpp"
#include "models/lif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_cuba_coba_lif {

using namespace volley;
using namespace volley::units::literals;
using models::CobaLIF;
using models::CubaLIF;

namespace {

// ---- running one neuron through network and simulator ------------------------------------------------------

struct spike_in {
  double t_ms;    // emission time (on the grid); arrives one step after emission
  double weight;  // internal units of the port / receptor (pA or nS)
  std::string receptor;
};

struct run_result {
  std::vector<std::vector<double>> traces;  // one per requested variable, one value per step
  std::vector<std::uint32_t> spikes;
};

// One neuron of Model (population "N"), constant current, spike inputs; `setup` may add receptors before inputs.
template <class Model, class Setup>
run_result run_one(const typename Model::params& p, double dt, double current_pA, const std::vector<spike_in>& in,
                   const std::vector<std::string>& vars, double t_ms, Setup&& setup, units::dimension weight_dim) {
  network net({.dt = units::time_q(dt), .seed = 1});
  net.add_population<Model>("N", 1, p);
  setup(net);
  if (current_pA != 0) net.add_constant_current("N", units::current_q(current_pA));
  for (const auto& s : in) {
    const quantity_value w = weight_dim == units::dims::current ? quantity_value(units::current_q(s.weight))
                                                                : quantity_value(units::conductance_q(s.weight));
    net.add_spike_times("N", {s.t_ms}, w, s.receptor);
  }
  simulator sim(net);
  sim.record_spikes("N");
  for (const auto& v : vars) sim.record_trace({"N", v, {0}, 0.0_ms});
  sim.run(units::time_q(t_ms));
  run_result r;
  const auto& rec = sim.record();
  for (std::size_t k = 0; k < vars.size(); ++k)
    r.traces.emplace_back(rec.traces[k].values.begin(), rec.traces[k].values.end());
  r.spikes.assign(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
  return r;
}

const auto no_setup = [](network&) {};

// One step of a model with explicit inputs (unit-level tests).
template <class M>
bool step(const typename M::constants& c, real_t* s, double current, std::array<real_t, 2> port = {0, 0},
          double delta = 0) {
  return M::update(c, s,
                   models::neuron_input{static_cast<real_t>(current), static_cast<real_t>(delta), port.data(), 0});
}

// ---- CubaLIF: definition and defaults ---------------------------------------------------------------------------

TEST(CubaLIF, DefaultsAreBrainpyStateLifAndExpon) {
  const auto p = CubaLIF::defaults();
  EXPECT_DOUBLE_EQ(p.R.value, (1.0_ohm).value);
  EXPECT_DOUBLE_EQ(p.tau.value, models::LIF::defaults().tau.value);
  EXPECT_DOUBLE_EQ(p.tau.value, 5.0);
  EXPECT_DOUBLE_EQ(p.tau_syn.value, models::expon_params{}.tau.value);
  EXPECT_DOUBLE_EQ(p.tau_syn.value, 8.0);
  EXPECT_DOUBLE_EQ(p.V_th.value, 1.0);
  EXPECT_DOUBLE_EQ(p.V_reset.value, 0.0);
  EXPECT_DOUBLE_EQ(p.V_rest.value, 0.0);
  EXPECT_DOUBLE_EQ(p.tau_ref.value, 0.0);
  EXPECT_EQ(p.spk_reset, reset_mode::soft);
  real_t s[CubaLIF::n_state];
  CubaLIF::initial_state(p, s);
  EXPECT_EQ(s[CubaLIF::V], 0.0);
  EXPECT_EQ(s[CubaLIF::I_syn], 0.0);
  EXPECT_EQ(s[CubaLIF::refractory], 0.0);
  EXPECT_STREQ(CubaLIF::ports[0].name, "syn");
  EXPECT_EQ(CubaLIF::n_diff_state, CubaLIF::n_state - 1);
}

// One spike of weight w arriving in step n0 (I_syn jumps to w at the end of n0). The discrete scheme, k steps on:
//   I_k = w a^k,  V_k = R w (1 - d) (d^k - a^k) / (d - a)     d = exp(-dt/tau), a = exp(-dt/tau_syn)
// (V_k = d V_{k-1} + R (1 - d) I_{k-1}); the continuous PSP from t = 0 at the end of n0:
//   V(t) = R w tau_syn / (tau - tau_syn) (exp(-t/tau) - exp(-t/tau_syn)).
TEST(CubaLIF, SingleSpikePspIsTheDifferenceOfExponentials) {
  const auto p = CubaLIF::defaults();  // peak R w * 0.457 = 0.457 mV < V_th = 1 mV
  const double w = 1e9, R = p.R.value, tau = p.tau.value, ts = p.tau_syn.value, T = 60.0;
  std::vector<double> cont_error;
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto r = run_one<CubaLIF>(p, dt, 0.0, {{1.0, w, "syn"}}, {"V", "I_syn"}, T, no_setup, units::dims::current);
    const auto& v = r.traces[0];
    const auto& I = r.traces[1];
    EXPECT_TRUE(r.spikes.empty());
    const long n0 = std::lround(1.0 / dt);  // emitted in step round(t/dt) - 1, delivered one step later
    ASSERT_EQ(I[n0 - 1], 0.0);
    ASSERT_EQ(I[n0], w) << "dt " << dt;
    ASSERT_EQ(v[n0], 0.0);  // an arrival acts on V from the next step on
    const double d = std::exp(-dt / tau), a = std::exp(-dt / ts);
    double worst_discrete = 0, worst_cont = 0, peak = 0;
    for (long k = 0; n0 + k < long(v.size()); ++k) {
      const double vk = v[n0 + k];
      const double discrete = R * w * (1 - d) * (std::pow(d, k) - std::pow(a, k)) / (d - a);
      const double t = k * dt;
      const double cont = R * w * ts / (tau - ts) * (std::exp(-t / tau) - std::exp(-t / ts));
      worst_discrete = std::max(worst_discrete, std::fabs(vk - discrete));
      worst_cont = std::max(worst_cont, std::fabs(vk - cont));
      peak = std::max(peak, vk);
      EXPECT_NEAR(I[n0 + k], w * std::exp(-t / ts), 1e-12 * w) << "exact decay of I_syn, step " << k;
    }
    EXPECT_LT(worst_discrete, 1e-12) << "dt " << dt;
    EXPECT_GT(peak, 0.45);
    EXPECT_LT(worst_cont, 0.05 * dt) << "dt " << dt;  // first order: the current is held over the step
    cont_error.push_back(worst_cont);
  }
  std::printf("CubaLIF PSP vs continuous: max |dV| %.3e / %.3e / %.3e mV at dt 0.1 / 0.05 / 0.025 ms\n", cont_error[0],
              cont_error[1], cont_error[2]);
  // first-order convergence to the continuous PSP: halving dt halves the error
  for (std::size_t k = 1; k < cont_error.size(); ++k) {
    const double ratio = cont_error[k - 1] / cont_error[k];
    EXPECT_GT(ratio, 1.8);
    EXPECT_LT(ratio, 2.2);
  }
}

// CubaLIF is LIF (LIFRef) with an Expon(tau_syn) receptor and a CUBA output, bit for bit: same spikes, same V.
TEST(CubaLIF, EqualsLifWithExponCubaReceptorBitwise) {
  for (const double tau_ref : {0.0, 2.0})
    for (const auto mode : {reset_mode::hard, reset_mode::soft}) {
      models::cuba_lif_params p;
      p.R = units::resistance_q(0.1);
      p.tau = 10.0_ms;
      p.tau_syn = 3.0_ms;
      p.V_rest = -65.0_mV;
      p.V_reset = -70.0_mV;
      p.V_th = -50.0_mV;
      p.tau_ref = units::time_q(tau_ref);
      p.spk_reset = mode;
      models::lif_params q;
      q.R = p.R;
      q.tau = p.tau;
      q.V_rest = p.V_rest;
      q.V_reset = p.V_reset;
      q.V_th = p.V_th;
      q.tau_ref = p.tau_ref;
      q.spk_reset = mode;
      std::vector<spike_in> in;
      for (int k = 0; k < 40; ++k) in.push_back({1.0 + 2.5 * k, k % 5 == 4 ? -150.0 : 120.0, "syn"});
      in.push_back({30.0, 300.0, "syn"});  // a second arrival in the same step
      const double I = 140.0;              // R I = 14 mV: V_inf = -51 mV, the inputs make the spikes
      const auto a = run_one<CubaLIF>(p, 0.1, I, in, {"V", "I_syn"}, 110.0, no_setup, units::dims::current);
      const auto receptor = [&](network& net) {
        net.add_receptor("N", "syn", models::expon_params{p.tau_syn}, models::cuba_params{});
      };
      const auto b = tau_ref > 0
                         ? run_one<models::LIFRef>(q, 0.1, I, in, {"V", "syn.g"}, 110.0, receptor, units::dims::current)
                         : run_one<models::LIF>(q, 0.1, I, in, {"V", "syn.g"}, 110.0, receptor, units::dims::current);
      EXPECT_GE(a.spikes.size(), 5u);
      EXPECT_EQ(a.spikes, b.spikes) << "tau_ref " << tau_ref;
      ASSERT_EQ(a.traces[0].size(), b.traces[0].size());
      for (std::size_t k = 0; k < a.traces[0].size(); ++k) {
        ASSERT_EQ(a.traces[0][k], b.traces[0][k]) << "V at step " << k << ", tau_ref " << tau_ref;
        ASSERT_EQ(a.traces[1][k], b.traces[1][k]) << "I_syn at step " << k;
      }
    }
}

TEST(CubaLIF, ConnectionsNameThePortAndInvalidParametersAreRejected) {
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<CubaLIF>("N", 1, CubaLIF::defaults());
  EXPECT_NO_THROW(net.add_spike_times("N", {1.0}, quantity_value(5.0_pA), "syn"));
  EXPECT_THROW(net.add_spike_times("N", {1.0}, quantity_value(5.0_nS), "syn"), parameter_error);  // wrong unit
  auto bad = CubaLIF::defaults();
  bad.V_reset = 2.0_mV;  // above V_th
  EXPECT_THROW(net.add_population<CubaLIF>("B", 1, bad), parameter_error);
  // the parameter table the spec loader checks ranges with
  int positive_times = 0;
  auto p = CubaLIF::defaults();
  CubaLIF::each_param(p, [&](const char* name, auto&, range_check check) {
    const std::string n = name;
    if (n == "tau" || n == "tau_syn") positive_times += check == range_check::positive;
  });
  EXPECT_EQ(positive_times, 2);  // tau, tau_syn
}

TEST(CubaLIF, SpikeResetAndRefractoryHoldWhileTheCurrentDecays) {
  for (const auto mode : {reset_mode::hard, reset_mode::soft}) {
    auto p = CubaLIF::defaults();
    p.tau_ref = 2.0_ms;
    p.spk_reset = mode;
    const double dt = 0.1;
    const auto c = CubaLIF::derive(p, dt);
    ASSERT_EQ(c.ref_steps, 20);
    real_t s[CubaLIF::n_state];
    CubaLIF::initial_state(p, s);
    s[CubaLIF::I_syn] = 3e10;  // R I = 30 mV: V_th = 1 mV is crossed in the second step
    int spike_step = -1;
    for (int k = 0; k < 10 && spike_step < 0; ++k) {
      real_t f[CubaLIF::n_state] = {s[0], s[1], s[2]};
      CubaLIF::free_update(c, f, {0, 0, nullptr, 0});
      const bool spike = step<CubaLIF>(c, s, 0.0);
      EXPECT_EQ(spike, f[CubaLIF::V] >= 1.0);
      if (spike) {
        spike_step = k;
        EXPECT_EQ(s[CubaLIF::V], mode == reset_mode::hard ? 0.0 : f[CubaLIF::V] - 1.0);
        EXPECT_EQ(s[CubaLIF::I_syn], f[CubaLIF::I_syn]);  // not reset
        EXPECT_EQ(s[CubaLIF::refractory], 20);
      }
    }
    ASSERT_EQ(spike_step, 1);
    const double held = s[CubaLIF::V];
    for (int k = 0; k < 20; ++k) {
      const double i_before = s[CubaLIF::I_syn];
      EXPECT_FALSE(step<CubaLIF>(c, s, 1e10, {real_t(1e9), 0}, 0.5));  // input and delta input ignored by V
      EXPECT_EQ(s[CubaLIF::V], held) << "held step " << k;
      EXPECT_EQ(s[CubaLIF::I_syn], i_before * c.decay_syn + 1e9);  // the synaptic current runs on
      EXPECT_EQ(s[CubaLIF::refractory], 19 - k);
    }
    step<CubaLIF>(c, s, 0.0);
    EXPECT_NE(s[CubaLIF::V], held);  // integrates again
  }
}

// The trainer passes its input as the current with no ports (in.port = nullptr): ports deliver nothing then.
TEST(CubaLIF, TrainerInputWithoutPorts) {
  const auto c = CubaLIF::derive(CubaLIF::defaults(), 0.1);
  real_t a[CubaLIF::n_state] = {0.5, 2e9, 0}, b[CubaLIF::n_state] = {0.5, 2e9, 0};
  const bool za = step<CubaLIF>(c, a, 3e9);
  const real_t z = kernels::train::forward<CubaLIF>(c, kernels::train::step_options{}, b, real_t(3e9), 0);
  EXPECT_EQ(za, z == 1);
  for (int q = 0; q < CubaLIF::n_state; ++q) EXPECT_EQ(a[q], b[q]);
  real_t C[CobaLIF::n_state] = {-55, 3, 7, 0}, D[CobaLIF::n_state] = {-55, 3, 7, 0};
  const auto cc = CobaLIF::derive(CobaLIF::defaults(), 0.1);
  step<CobaLIF>(cc, C, 100.0);
  kernels::train::forward<CobaLIF>(cc, kernels::train::step_options{}, D, real_t(100), 0);
  for (int q = 0; q < CobaLIF::n_state; ++q) EXPECT_EQ(C[q], D[q]);
}

// ---- CobaLIF ----------------------------------------------------------------------------------------------------

TEST(CobaLIF, DefaultsAreTheCobaBenchmarkNeuron) {
  const auto p = CobaLIF::defaults();
  EXPECT_DOUBLE_EQ(p.tau.value, 20.0);
  EXPECT_DOUBLE_EQ(p.V_rest.value, -60.0);
  EXPECT_DOUBLE_EQ(p.V_th.value, -50.0);
  EXPECT_DOUBLE_EQ(p.V_reset.value, -60.0);
  EXPECT_DOUBLE_EQ(p.tau_ref.value, 5.0);
  EXPECT_DOUBLE_EQ(p.tau_e.value, 5.0);
  EXPECT_DOUBLE_EQ(p.tau_i.value, 10.0);
  EXPECT_DOUBLE_EQ(p.E_e.value, 0.0);
  EXPECT_DOUBLE_EQ(p.E_i.value, -80.0);
  EXPECT_DOUBLE_EQ(1.0 / p.R.value, (10.0_nS).value);           // g_leak
  EXPECT_DOUBLE_EQ(p.tau.value / p.R.value, (200.0_pF).value);  // C = tau g_leak
  EXPECT_EQ(p.spk_reset, reset_mode::hard);
  EXPECT_TRUE(CobaLIF::routes_by_sign);
  EXPECT_STREQ(CobaLIF::ports[0].name, "ex");
  EXPECT_STREQ(CobaLIF::ports[1].name, "in");
  real_t s[CobaLIF::n_state];
  CobaLIF::initial_state(p, s);
  EXPECT_EQ(s[CobaLIF::V], -60.0);
  EXPECT_EQ(s[CobaLIF::g_e], 0.0);
  EXPECT_EQ(s[CobaLIF::g_i], 0.0);
}

// Conductances frozen (reset to the same values before every step): V relaxes exactly as
//   V_n = V_inf + (V_0 - V_inf) exp(-n dt (1 + R g) / tau),  V_inf = (V_rest + R (g_e E_e + g_i E_i + I)) / (1 + R g)
// with g = g_e + g_i, and its steady state is V_inf.
TEST(CobaLIF, FrozenConductancesGiveEffectiveTimeConstantAndReversal) {
  const auto p = CobaLIF::defaults();
  const double R = p.R.value, tau = p.tau.value;
  struct point {
    double ge, gi, I;
  };
  for (const point x : {point{3.0, 7.0, 50.0}, point{0.0, 0.0, 80.0}, point{1.5, 0.0, 0.0}, point{0.0, 150.0, 0.0},
                        point{25.0, 120.0, -30.0}})
    for (double dt : {0.1, 0.025}) {
      const auto c = CobaLIF::derive(p, dt);
      const double a = 1 + R * (x.ge + x.gi);
      const double v_inf = (p.V_rest.value + R * (x.ge * p.E_e.value + x.gi * p.E_i.value + x.I)) / a;
      ASSERT_LT(v_inf, p.V_th.value);  // subthreshold throughout
      real_t s[CobaLIF::n_state] = {-70.0, 0, 0, 0};
      const double v0 = s[CobaLIF::V];
      double worst = 0;
      const long n = std::lround(1000.0 / dt);
      for (long k = 1; k <= n; ++k) {
        s[CobaLIF::g_e] = x.ge;
        s[CobaLIF::g_i] = x.gi;
        ASSERT_FALSE(step<CobaLIF>(c, s, x.I));
        worst = std::max(worst, std::fabs(s[CobaLIF::V] - (v_inf + (v0 - v_inf) * std::exp(-k * dt * a / tau))));
      }
      EXPECT_LT(worst, 1e-10) << "g_e " << x.ge << ", g_i " << x.gi << ", dt " << dt;
      EXPECT_NEAR(s[CobaLIF::V], v_inf, 1e-10);  // 1 s >> tau / a: the steady state
    }
}

// Exact decay of the conductances; a spike input is routed by its weight's sign (positive: "ex" / g_e, negative:
// "in" / g_i, which grows by the magnitude), and naming the port gives the same.
TEST(CobaLIF, ConductancesDecayExactlyAndInputsRouteBySign) {
  const auto p = CobaLIF::defaults();
  const double dt = 0.1;
  for (const bool named : {false, true}) {
    const auto r = run_one<CobaLIF>(p, dt, 0.0, {{1.0, 6.0, named ? "ex" : ""}, {3.0, -67.0, named ? "in" : ""}},
                                    {"V", "g_e", "g_i"}, 60.0, no_setup, units::dims::conductance);
    const auto &v = r.traces[0], &ge = r.traces[1], &gi = r.traces[2];
    const long ne = 10, ni = 30;  // arrival steps: emission round(t/dt) - 1, one step of delay
    for (long k = 0; k < long(v.size()); ++k) {
      const double want_e = k < ne ? 0.0 : 6.0 * std::exp(-(k - ne) * dt / p.tau_e.value);
      const double want_i = k < ni ? 0.0 : 67.0 * std::exp(-(k - ni) * dt / p.tau_i.value);
      ASSERT_NEAR(ge[k], want_e, 1e-12 * 6.0) << "g_e, step " << k;
      ASSERT_NEAR(gi[k], want_i, 1e-12 * 67.0) << "g_i, step " << k;
    }
    EXPECT_EQ(v[ne], -60.0);  // the arrival acts from the next step on
    // the step after: V under frozen g_e = 6 nS from V_rest, exactly
    const double a = 1 + p.R.value * 6.0, v_inf = (p.V_rest.value + p.R.value * 6.0 * p.E_e.value) / a;
    EXPECT_NEAR(v[ne + 1], v_inf + (-60.0 - v_inf) * std::exp(-dt * a / p.tau.value), 1e-12);
    EXPECT_GT(v[ni], -60.0);       // depolarised by the excitatory input ...
    EXPECT_LT(v[ni + 40], -60.0);  // ... then pulled towards E_i = -80 mV
    EXPECT_TRUE(r.spikes.empty());
  }
  // a projection of both signs cannot be routed: split it
  network net({.dt = 0.1_ms, .seed = 1});
  net.add_population<CobaLIF>("N", 2, p);
  synapse_spec mixed;
  mixed.weight = quantity_value::uniform(-5.0_nS, 5.0_nS);
  EXPECT_THROW(net.connect("N", "N", connection_rule{}, mixed), parameter_error);
}

// COBA benchmark neuron under its 200 pA drive (V_inf = -40 mV): from V_rest the k-th step gives
// V = -40 - 20 d^k, d = exp(-dt/tau), so the first spike is at k = ceil(tau ln 2 / dt) = 139 (step 138); then V is
// held at V_reset for round(5 ms / dt) = 50 steps and the next spike comes 50 + 139 steps later.
TEST(CobaLIF, CobaBenchmarkDriveSpikesWithRefractoryHold) {
  const auto p = CobaLIF::defaults();
  const auto r = run_one<CobaLIF>(p, 0.1, 200.0, {}, {"V"}, 100.0, no_setup, units::dims::conductance);
  const auto& v = r.traces[0];
  ASSERT_GE(r.spikes.size(), 4u);
  for (std::size_t k = 0; k < r.spikes.size(); ++k) EXPECT_EQ(r.spikes[k], 138u + 189u * k) << "spike " << k;
  for (auto sp : r.spikes) {
    for (std::uint32_t k = sp; k <= sp + 50 && k < v.size(); ++k) ASSERT_EQ(v[k], -60.0) << k;
    if (sp + 51 < v.size()) {
      EXPECT_GT(v[sp + 51], -60.0);
    }
  }
  // soft reset: V drops by V_th - V_reset = 10 mV from its free value in the spike step
  auto q = p;
  q.spk_reset = reset_mode::soft;
  q.tau_ref = 0.0_ms;
  const auto c = CobaLIF::derive(q, 0.1);
  real_t s[CobaLIF::n_state] = {-50.05, 2.0, 1.0, 0};
  real_t f[CobaLIF::n_state] = {-50.05, 2.0, 1.0, 0};
  std::array<real_t, 2> port{real_t(3.0), real_t(-4.0)};
  CobaLIF::free_update(c, f, {500.0, 0, port.data(), 0});
  ASSERT_GE(f[CobaLIF::V], -50.0);
  EXPECT_TRUE(step<CobaLIF>(c, s, 500.0, port));
  EXPECT_EQ(s[CobaLIF::V], f[CobaLIF::V] - 10.0);
  EXPECT_EQ(s[CobaLIF::g_e], 2.0 * c.decay_e + 3.0);
  EXPECT_EQ(s[CobaLIF::g_i], 1.0 * c.decay_i + 4.0);
  EXPECT_EQ(s[CobaLIF::refractory], 0.0);
  // and while refractory the conductances run on, V is held
  real_t h[CobaLIF::n_state] = {-60.0, 2.0, 1.0, 3};
  const auto cd = CobaLIF::derive(p, 0.1);
  EXPECT_FALSE(step<CobaLIF>(cd, h, 1e4, port));
  EXPECT_EQ(h[CobaLIF::V], -60.0);
  EXPECT_EQ(h[CobaLIF::g_e], 2.0 * cd.decay_e + 3.0);
  EXPECT_EQ(h[CobaLIF::g_i], 1.0 * cd.decay_i + 4.0);
  EXPECT_EQ(h[CobaLIF::refractory], 2.0);
}

// CobaLIF freezes the conductances over a step, LIFRef + Expon/COBA receptors freezes the current g (E - V): both
// are first-order schemes of the same ODE, so their difference halves with dt. (This also checks the sign
// conventions: the receptor "in" takes positive nS, CobaLIF's port "in" negative.)
TEST(CobaLIF, AgreesWithLifRefAndCobaReceptorsToFirstOrder) {
  const auto p = CobaLIF::defaults();
  models::lif_params q;
  q.R = p.R;
  q.tau = p.tau;
  q.V_rest = p.V_rest;
  q.V_reset = p.V_reset;
  q.V_th = p.V_th;
  q.tau_ref = p.tau_ref;
  q.spk_reset = p.spk_reset;
  std::vector<spike_in> a_in, b_in;
  for (int k = 0; k < 12; ++k) {
    const double t = 2.0 + 3.0 * k;
    const bool exc = k % 3 != 2;
    a_in.push_back({t, exc ? 5.0 : -20.0, ""});
    b_in.push_back({t, exc ? 5.0 : 20.0, exc ? "ex" : "in"});
  }
  const auto receptors = [&](network& net) {
    net.add_receptor("N", "ex", models::expon_params{p.tau_e}, models::coba_params{p.E_e});
    net.add_receptor("N", "in", models::expon_params{p.tau_i}, models::coba_params{p.E_i});
  };
  std::vector<double> err;
  double swing = 0;
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto a = run_one<CobaLIF>(p, dt, 0.0, a_in, {"V"}, 60.0, no_setup, units::dims::conductance);
    const auto b = run_one<models::LIFRef>(q, dt, 0.0, b_in, {"V"}, 60.0, receptors, units::dims::conductance);
    ASSERT_TRUE(a.spikes.empty());
    ASSERT_TRUE(b.spikes.empty());
    double worst = 0;
    for (std::size_t k = 0; k < a.traces[0].size(); ++k) {
      worst = std::max(worst, std::fabs(a.traces[0][k] - b.traces[0][k]));
      swing = std::max(swing, std::fabs(a.traces[0][k] + 60.0));  // from V_rest
    }
    err.push_back(worst);
  }
  EXPECT_GT(swing, 1.0);  // the inputs moved V by millivolts
  std::printf(
      "CobaLIF vs LIFRef + COBA receptors: max |dV| %.3e / %.3e / %.3e mV at dt 0.1 / 0.05 / 0.025 ms, swing %.2f mV\n",
      err[0], err[1], err[2], swing);
  EXPECT_LT(err[0], 0.1);
  for (std::size_t k = 1; k < err.size(); ++k) {
    EXPECT_GT(err[k - 1] / err[k], 1.7);
    EXPECT_LT(err[k - 1] / err[k], 2.3);
  }
}

// ---- differentiable part: derivatives against finite differences ----------------------------------------------

constexpr double tolerance = 1e-6;

struct var_range {
  double lo, hi;  // sampling interval
  double scale;   // typical size: finite-difference step and error normalisation
};

template <class M>
struct setup;

template <>
struct setup<CubaLIF> {
  static std::vector<models::cuba_lif_params> param_sets() {
    auto p = CubaLIF::defaults();  // R 1 ohm: currents in GpA
    auto q = CubaLIF::defaults();
    q.R = units::resistance_q(0.1);
    q.tau = 10.0_ms;
    q.tau_syn = 3.0_ms;
    q.V_rest = -65.0_mV;
    q.V_reset = -70.0_mV;
    q.V_th = -50.0_mV;
    q.tau_ref = 2.0_ms;
    q.spk_reset = reset_mode::hard;
    return {p, q};
  }
  static std::vector<std::array<var_range, 2>> vars() {
    return {{{{-1.0, 2.0, 1.0}, {-1e9, 3e9, 1e9}}}, {{{-80.0, -45.0, 10.0}, {-200.0, 500.0, 100.0}}}};
  }
  static std::vector<var_range> drive() { return {{-1e9, 3e9, 1e9}, {-100.0, 300.0, 100.0}}; }
  static std::vector<std::array<var_range, 2>> port() {
    return {{{{-1e9, 1e9, 1e9}, {0, 0, 1}}}, {{{-100.0, 100.0, 100.0}, {0, 0, 1}}}};
  }
};

template <>
struct setup<CobaLIF> {
  static std::vector<models::coba_lif_params> param_sets() {
    auto p = CobaLIF::defaults();
    auto q = CobaLIF::defaults();
    q.R = units::resistance_q(0.05);
    q.tau = 10.0_ms;
    q.tau_e = 2.0_ms;
    q.tau_i = 8.0_ms;
    q.E_i = -75.0_mV;
    q.V_th = -52.0_mV;
    q.V_reset = -65.0_mV;
    q.tau_ref = 0.0_ms;
    q.spk_reset = reset_mode::soft;
    return {p, q};
  }
  static std::vector<std::array<var_range, 3>> vars() {
    const std::array<var_range, 3> v{{{-80.0, -45.0, 10.0}, {0.0, 60.0, 10.0}, {0.0, 250.0, 50.0}}};
    return {v, v};
  }
  static std::vector<var_range> drive() { return {{-100.0, 400.0, 100.0}, {-100.0, 400.0, 100.0}}; }
  static std::vector<std::array<var_range, 2>> port() {
    const std::array<var_range, 2> w{{{0.0, 10.0, 10.0}, {-70.0, 0.0, 50.0}}};
    return {w, w};
  }
};

template <class M>
struct sample {
  std::array<real_t, M::n_state> s{};
  double drive = 0, delta = 0;
  std::array<real_t, 2> port{};
};

template <class M>
models::neuron_input input_of(const sample<M>& x, double drive) {
  return {static_cast<real_t>(drive), static_cast<real_t>(x.delta), x.port.data(), 0};
}

template <class M>
std::array<real_t, M::n_state> free_step(const typename M::constants& c, std::array<real_t, M::n_state> s,
                                         const sample<M>& x, double drive) {
  M::free_update(c, s.data(), input_of<M>(x, drive));
  return s;
}

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo == hi ? lo : std::uniform_real_distribution<double>(lo, hi)(rng);
}

template <class M, class S>
sample<M> draw(std::mt19937_64& rng, std::size_t k) {
  sample<M> x;
  const auto v = S::vars()[k];
  for (int q = 0; q < M::n_diff_state; ++q) x.s[q] = uniform(rng, v[q].lo, v[q].hi);
  x.s[M::refractory] = 0;
  const auto d = S::drive()[k];
  x.drive = uniform(rng, d.lo, d.hi);
  x.delta = uniform(rng, -0.1, 0.1) * v[0].scale;
  const auto w = S::port()[k];
  for (int p = 0; p < 2; ++p) x.port[p] = uniform(rng, w[p].lo, w[p].hi);
  return x;
}

// Step for a variable of typical size `scale` at x: 1e-4 (or `rel`) of the larger, rounded to a power of two.
double step_for(double scale, double x, double rel = 1e-4) {
  return std::exp2(std::round(std::log2(rel * std::max(scale, std::fabs(x)))));
}

template <class F>
auto central_difference(F&& f, double h) {
  const auto m2 = f(-2 * h), m1 = f(-h), p1 = f(h), p2 = f(2 * h);
  std::array<double, std::tuple_size_v<std::decay_t<decltype(m2)>>> d{};
  for (std::size_t q = 0; q < d.size(); ++q) d[q] = (8 * (p1[q] - m1[q]) - (p2[q] - m2[q])) / (12 * h);
  return d;
}

double scaled_error(double exact, double fd, double scale_ratio) {
  const double a = exact * scale_ratio, b = fd * scale_ratio;
  return std::fabs(a - b) / std::max({std::fabs(a), std::fabs(b), 1e-3});
}

struct worst_errors {
  double J = 0, dI = 0, grad = 0;
  std::string where;
  int samples = 0;
};

// M's Jacobian, dI and spike-argument gradient against 5-point central differences at n random samples per
// parameter set and step size (ranges of setup S); errors scaled as tests/test_model_derivatives.cpp scales them.
template <class M, class S>
worst_errors check_derivatives(int n, unsigned seed) {
  constexpr int N = M::n_state;
  worst_errors w;
  std::mt19937_64 rng(seed);
  const auto params = S::param_sets();
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto ranges = S::vars()[k];
    const auto drive = S::drive()[k];
    std::array<double, N> scale;
    for (int q = 0; q < N; ++q) scale[q] = q < M::n_diff_state ? ranges[q].scale : 1.0;
    for (double dt : {0.1, 0.025}) {
      const auto c = M::derive(params[k], dt);
      for (int i = 0; i < n; ++i) {
        const sample<M> x = draw<M, S>(rng, k);
        real_t J[N * N], dI[N];
        M::free_update_jacobian(c, x.s.data(), input_of<M>(x, x.drive), J, dI);
        const auto out = free_step<M>(c, x.s, x, x.drive);
        std::array<double, N> out_scale;
        for (int q = 0; q < N; ++q) out_scale[q] = std::max(scale[q], std::fabs(double(out[q])));
        auto note = [&](double& worst, double err, const std::string& what) {
          if (err > worst || !std::isfinite(err)) {
            worst = std::isfinite(err) ? err : 1e300;
            w.where = what + " (param set " + std::to_string(k) + ", dt " + std::to_string(dt) + ")";
          }
        };
        for (int r = 0; r < N; ++r) {
          const auto fd = central_difference(
              [&](double e) {
                auto s = x.s;
                s[r] += static_cast<real_t>(e);
                return free_step<M>(c, s, x, x.drive);
              },
              step_for(scale[r], x.s[r]));
          for (int q = 0; q < N; ++q)
            note(w.J, scaled_error(J[q * N + r], fd[q], scale[r] / out_scale[q]),
                 "J[" + std::to_string(q) + "][" + std::to_string(r) + "] = " + std::to_string(J[q * N + r]) + ", fd " +
                     std::to_string(fd[q]));
        }
        const auto fdI = central_difference([&](double e) { return free_step<M>(c, x.s, x, x.drive + e); },
                                            step_for(drive.scale, x.drive, 1e-2));
        for (int q = 0; q < N; ++q)
          note(w.dI, scaled_error(dI[q], fdI[q], drive.scale / out_scale[q]),
               "dI[" + std::to_string(q) + "] = " + std::to_string(dI[q]) + ", fd " + std::to_string(fdI[q]));
        const double x_scale = std::max(1.0, std::fabs(double(M::spike_argument(c, out.data()))));
        real_t g[N];
        M::spike_argument_grad(c, out.data(), g);
        for (int r = 0; r < N; ++r) {
          const auto fd = central_difference(
              [&](double e) {
                auto s = out;
                s[r] += static_cast<real_t>(e);
                return std::array<double, 1>{M::spike_argument(c, s.data())};
              },
              step_for(scale[r], out[r]));
          note(w.grad, scaled_error(g[r], fd[0], scale[r] / x_scale), "dx/ds[" + std::to_string(r) + "]");
        }
        ++w.samples;
      }
    }
  }
  return w;
}

template <class M>
class CubaCobaDerivative : public ::testing::Test {};
using models_under_test = ::testing::Types<CubaLIF, CobaLIF>;
struct model_name {
  template <class M>
  static std::string GetName(int) {
    return M::name;
  }
};
TYPED_TEST_SUITE(CubaCobaDerivative, models_under_test, model_name);

TYPED_TEST(CubaCobaDerivative, ModelConcepts) {
  using M = TypeParam;
  static_assert(models::differentiable_spiking_model<M>);
  static_assert(models::resetting_model<M>);
  static_assert(M::n_diff_state == M::n_state - 1 && M::refractory == M::n_state - 1);
  const models::surrogate g = M::default_surrogate();
  EXPECT_EQ(g.kind, models::surrogate_kind::relu_grad);
  EXPECT_EQ(g.p1, real_t(0.3));
  EXPECT_EQ(g.p2, real_t(1));
}

TYPED_TEST(CubaCobaDerivative, JacobianAndSpikeGradientMatchFiniteDifferences) {
  using M = TypeParam;
  if (sizeof(real_t) != sizeof(double)) GTEST_SKIP() << "finite differences need VOLLEY_REAL=double";
  const worst_errors w = check_derivatives<M, setup<M>>(300, 12345);
  std::printf("[ %s ] worst scaled relative error over %d samples: J %.2e, dI %.2e, spike gradient %.2e\n", M::name,
              w.samples, w.J, w.dI, w.grad);
  EXPECT_LT(w.J, tolerance) << w.where;
  EXPECT_LT(w.dI, tolerance) << w.where;
  EXPECT_LT(w.grad, tolerance) << w.where;
}

// update() == free_update, then H(spike_argument), then reset_state on V (bitwise) for a neuron that is not
// refractory; a refractory one keeps V, takes the free synaptic variables and counts down.
TYPED_TEST(CubaCobaDerivative, UpdateIsFreeUpdateThenSpikeAndReset) {
  using M = TypeParam;
  constexpr int N = M::n_state;
  std::mt19937_64 rng(777);
  int spikes = 0, silent = 0, held = 0;
  const auto params = setup<M>::param_sets();
  for (std::size_t k = 0; k < params.size(); ++k)
    for (const auto mode : {reset_mode::hard, reset_mode::soft}) {
      auto p = params[k];
      p.spk_reset = mode;
      const auto c = M::derive(p, 0.1);
      for (int i = 0; i < 3000; ++i) {
        sample<M> x = draw<M, setup<M>>(rng, k);
        const bool refr = i % 4 == 3;
        if (refr) x.s[M::refractory] = 3;
        auto s = x.s;
        const bool spike = M::update(c, s.data(), input_of<M>(x, x.drive));
        const auto f = free_step<M>(c, x.s, x, x.drive);
        EXPECT_EQ(f[M::refractory], x.s[M::refractory]);  // the counter passes through free_update
        auto expect = f;
        const bool fire = !refr && M::spike_argument(c, f.data()) >= 0;
        if (refr) {
          expect[M::V] = x.s[M::V];
          expect[M::refractory] = 2;
          ++held;
        } else if (fire) {
          // written out from the header: hard: V_reset; soft: V - (V_th - V_reset)
          expect[M::V] = mode == reset_mode::soft ? f[M::V] - (c.V_th - c.V_reset) : c.V_reset;
          expect[M::refractory] = c.ref_steps;
          ++spikes;
        } else {
          expect[M::refractory] = 0;
          ++silent;
        }
        ASSERT_EQ(spike, fire) << M::name << " sample " << i;
        for (int q = 0; q < N; ++q) ASSERT_EQ(s[q], expect[q]) << M::name << " s[" << q << "], sample " << i;
      }
    }
  EXPECT_GT(spikes, 100);
  EXPECT_GT(silent, 100);
  std::printf("[ %s ] %d spiking, %d silent, %d refractory steps bitwise as documented\n", M::name, spikes, silent,
              held);
}

TYPED_TEST(CubaCobaDerivative, ResetJacobianMatchesFiniteDifferences) {
  using M = TypeParam;
  constexpr int N = M::n_state;
  std::mt19937_64 rng(4242);
  const auto params = setup<M>::param_sets();
  for (std::size_t k = 0; k < params.size(); ++k)
    for (const auto mode : {reset_mode::hard, reset_mode::soft}) {
      auto p = params[k];
      p.spk_reset = mode;
      const auto c = M::derive(p, 0.1);
      for (int i = 0; i < 50; ++i) {
        const sample<M> x = draw<M, setup<M>>(rng, k);
        const auto f = free_step<M>(c, x.s, x, x.drive);
        real_t Rf[N * N], Rs[N * N];
        M::reset_jacobian(c, x.s.data(), f.data(), Rf, Rs);
        for (int which = 0; which < 2; ++which)
          for (int r = 0; r < M::n_diff_state; ++r) {
            const double h = 1e-4 * setup<M>::vars()[k][r].scale;
            auto sp = x.s, sm = x.s;
            auto fp = f, fm = f;
            (which == 0 ? fp : sp)[r] += real_t(h);
            (which == 0 ? fm : sm)[r] -= real_t(h);
            auto rp = fp, rm = fm;  // entries the reset does not write keep f
            M::reset_state(c, sp.data(), fp.data(), rp.data());
            M::reset_state(c, sm.data(), fm.data(), rm.data());
            for (int q = 0; q < M::n_diff_state; ++q) {
              const double fd = (double(rp[q]) - double(rm[q])) / (2 * h);
              const double exact = (which == 0 ? Rf : Rs)[q * N + r];
              ASSERT_NEAR(exact, fd, 1e-6 * std::max(1.0, std::fabs(fd)))
                  << M::name << (which == 0 ? " Rf[" : " Rs[") << q << "][" << r << "]";
            }
          }
      }
    }
}

// ---- the checker fails on a wrong entry (1e-5 relative) ----------------------------------------------------------

struct broken_coba_jacobian : CobaLIF {
  static void free_update_jacobian(const constants& c, const real_t* s, const models::neuron_input& in, real_t* J,
                                   real_t* dI) {
    CobaLIF::free_update_jacobian(c, s, in, J, dI);
    J[V * n_state + g_i] *= 1 + 1e-5;
  }
};
struct broken_cuba_dI : CubaLIF {
  static void free_update_jacobian(const constants& c, const real_t* s, const models::neuron_input& in, real_t* J,
                                   real_t* dI) {
    CubaLIF::free_update_jacobian(c, s, in, J, dI);
    dI[V] *= 1 + 1e-5;
  }
};
struct broken_cuba_syn : CubaLIF {
  static void free_update_jacobian(const constants& c, const real_t* s, const models::neuron_input& in, real_t* J,
                                   real_t* dI) {
    CubaLIF::free_update_jacobian(c, s, in, J, dI);
    J[V * n_state + I_syn] *= 1 + 1e-5;
  }
};

TEST(CubaCobaDerivativeChecker, FailsOnAnEntryWrongBy1e5) {
  if (sizeof(real_t) != sizeof(double)) GTEST_SKIP() << "finite differences need VOLLEY_REAL=double";
  EXPECT_GT((check_derivatives<broken_coba_jacobian, setup<CobaLIF>>(20, 1).J), 5 * tolerance);
  EXPECT_GT((check_derivatives<broken_cuba_dI, setup<CubaLIF>>(20, 1).dI), 5 * tolerance);
  EXPECT_GT((check_derivatives<broken_cuba_syn, setup<CubaLIF>>(20, 1).J), 5 * tolerance);
  EXPECT_LT((check_derivatives<CobaLIF, setup<CobaLIF>>(20, 1).J), tolerance);
}

}  // namespace

}  // namespace test_model_cuba_coba_lif
