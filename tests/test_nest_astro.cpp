// volley's astrocyte_lr_1994, aeif_cond_alpha_astro and sic_connection (models/astrocyte_lr_1994.hpp,
// models/aeif_cond_alpha_astro.hpp, host/nest_astro.cpp) against NEST 3.10
// (tools/nest_reference/make_astro_references.py), replayed through the NEST layer:
//   astrocyte_lr_1994.json      three astrocytes driven by a spike_generator with Poisson times (NEST's defaults
//                               but delta_IP3; every parameter and the initial state off their defaults) and by a
//                               step_current_generator on the calcium: IP3, Ca_astro, h_IP3R every 10 ms, 6 s.
//   aeif_cond_alpha_astro.json  neurons -> astrocyte -> sic_connection (two weights and delays) -> neurons, with
//                               spike input: the astrocyte's traces, the neurons' V_m, g_ex, g_in, w, I_SIC every
//                               5 ms and every spike time, 3 s.
// The issue accepts 1e-3 (mV, µM, pA) for RKF45 models between spikes and spike times within a step; volley does
// NEST's solver step for step (models/rkf45.hpp), so this checks 1e-9 of max(1, |NEST|) (the files round to 12
// digits) and identical spike times.
// Without NEST: the SIC expression and its threshold, the calcium bound, the IP3 jump per spike weight, the
// steady state without input, and what the layer refuses (NEST's errors and volley's own).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "models/aeif_cond_alpha_astro.hpp"
#include "models/astrocyte_lr_1994.hpp"
#include "tests/support/nest_layer_replay.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_astro {

using namespace volley;
using namespace volley::nest_ref;

namespace {

TEST(NestAstro, AstrocyteTracesMatchNest) { replay_file("astrocyte_lr_1994", 0, 1e-9); }

TEST(NestAstro, NeuronAstrocyteNeuronCircuitMatchesNest) { replay_file("aeif_cond_alpha_astro", 100, 1e-9); }

using A = models::astrocyte_lr_1994;

// One astrocyte step on the engine's model code, from state s, with `weights` arriving and current J (µM/ms).
void astro_step(const A::constants& c, real_t* s, real_t weights, real_t J = 0) {
  const real_t port[1] = {weights};
  models::neuron_input in{J, 0, port, 0};
  EXPECT_TRUE(A::update(c, s, in));  // sends its SIC every step
}

TEST(NestAstro, SicIsTheLogOfCalciumAboveThresholdInNanomolar) {
  A::params p = A::defaults();
  p.SIC_scale = units::dimensionless_q(1.5);
  const A::constants c = A::derive(p, 0.1);
  EXPECT_DOUBLE_EQ(c.SIC_th, 0.19669);
  EXPECT_EQ(A::sic_of(c, 0.19669), 0.0);
  EXPECT_EQ(A::sic_of(c, 0.19669 + 0.0009), 0.0);  // 0.9 nM above: ln < 0 is cut at y = 1
  EXPECT_NEAR(A::sic_of(c, 0.19669 + 0.5), 1.5 * std::log(500.0), 1e-9);
}

TEST(NestAstro, SpikesRaiseIp3ByDeltaTimesWeightAfterTheStep) {
  const A::params p = A::defaults();
  const A::constants c = A::derive(p, 0.1);
  real_t a[A::n_state], b[A::n_state];
  A::initial_state(p, a);
  A::initial_state(p, b);
  astro_step(c, a, 0);
  astro_step(c, b, 3.0);
  // IP3 in mM in the state; delta_IP3 0.0002 µM per unit weight
  EXPECT_NEAR((b[A::IP3] - a[A::IP3]) * 1e3, 3.0 * 0.0002, 1e-15);
  EXPECT_EQ(a[A::Ca_astro], b[A::Ca_astro]);
}

TEST(NestAstro, CalciumStaysWithinZeroAndCaTot) {
  const A::params p = A::defaults();
  const A::constants c = A::derive(p, 0.1);
  real_t s[A::n_state];
  A::initial_state(p, s);
  for (int i = 0; i < 50; ++i) astro_step(c, s, 0, -1.0);  // -1 µM/ms drains the cytosol
  EXPECT_EQ(s[A::Ca_astro], 0.0);
  for (int i = 0; i < 50; ++i) astro_step(c, s, 0, 1.0);
  EXPECT_NEAR(s[A::Ca_astro] * 1e3, c.Ca_tot, 1e-12);
  EXPECT_NEAR(s[A::SIC], std::log((2.0 - 0.19669) * 1000), 1e-9);
}

TEST(NestAstro, WithoutInputIp3StaysAtBaseline) {
  const A::params p = A::defaults();
  const A::constants c = A::derive(p, 0.1);
  real_t s[A::n_state];
  A::initial_state(p, s);
  for (int i = 0; i < 1000; ++i) astro_step(c, s, 0);
  EXPECT_NEAR(s[A::IP3] * 1e3, 0.16, 1e-12);
  EXPECT_EQ(s[A::SIC], 0.0);  // 0.073 µM is far below SIC_th
}

TEST(NestAstro, SicPortIsHeldOverTheNextStep) {
  using N = models::aeif_cond_alpha_astro;
  const N::params p = N::defaults();
  const N::constants c = N::derive(p, 0.1);
  real_t a[N::n_state], b[N::n_state], ref[N::n_state];
  for (real_t* s : {a, b, ref}) N::initial_state(p, s);
  const real_t none[3] = {0, 0, 0}, sic[3] = {0, 0, 100};
  N::update(c, a, {0, 0, sic, 0});  // SIC arrives in step 1
  N::update(c, b, {0, 0, none, 0});
  N::update(c, ref, {0, 0, none, 0});
  EXPECT_EQ(a[N::V_m], ref[N::V_m]);  // it acts from the next step on
  EXPECT_EQ(a[N::I_SIC], 100);
  N::update(c, a, {0, 0, none, 0});
  N::update(c, b, {100, 0, none, 0});  // 100 pA of current in step 2
  N::update(c, ref, {0, 0, none, 0});
  EXPECT_NEAR(a[N::V_m], b[N::V_m], 1e-12);  // the same as a current over step 2
  EXPECT_GT(a[N::V_m], ref[N::V_m] + 0.03);
  EXPECT_EQ(a[N::I_SIC], 0);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(NestAstro, LayerRefusesWhatNestRefuses) {
  auto refused = [](const std::function<void(nest::kernel&)>& f, const char* expect) {
    nest::kernel k;
    const std::string e = error_of([&] {
      f(k);
      k.simulate(1.0);
    });
    EXPECT_NE(e.find(expect), std::string::npos) << "got: " << e;
  };
  const json sic = {{"synapse_model", "sic_connection"}, {"weight", 2.0}, {"delay", 1.0}};
  refused([&](nest::kernel& k) { k.connect(k.create("astrocyte_lr_1994"), k.create("aeif_cond_alpha")); },
          "sic_connection to aeif_cond_alpha_astro");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("astrocyte_lr_1994"), k.create("aeif_cond_alpha"), "all_to_all", sic);
      },
      "sic_connection to aeif_cond_alpha_astro");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("aeif_cond_alpha_astro"), k.create("aeif_cond_alpha_astro"), "all_to_all", sic);
      },
      "astrocyte_lr_1994 (sic_connection");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("iaf_psc_alpha"), k.create("astrocyte_lr_1994"), "all_to_all", {{"weight", -1.0}});
      },
      "negative weights");
  refused(
      [&](nest::kernel& k) {
        k.connect(k.create("iaf_psc_alpha"), k.create("astrocyte_lr_1994"), "all_to_all", {{"receptor_type", 1}});
      },
      "receptor_type");
  refused([&](nest::kernel& k) { k.create("astrocyte_lr_1994", 1, {{"tau_IP3", 0.0}}); }, "tau_IP3");
  refused([&](nest::kernel& k) { k.create("astrocyte_lr_1994", 1, {{"Ca_tot", -1.0}}); }, "Ca_tot");
  refused([&](nest::kernel& k) { k.create("aeif_cond_alpha_astro", 1, {{"V_reset", 10.0}}); }, "V_reset");
}

TEST(NestAstro, LayerTakesConcentrationsInMicromolar) {
  nest::kernel k;
  const auto a = k.create("astrocyte_lr_1994", 1, {{"IP3", 0.5}, {"delta_IP3", 0.1}});
  k.simulate(0.1);
  const json st = k.get_status(a);
  const auto ip3 = st.at("IP3");
  const double v = ip3.is_array() ? ip3[0].get<double>() : ip3.get<double>();
  EXPECT_GT(v, 0.49);
  EXPECT_LT(v, 0.5);
}

}  // namespace

}  // namespace test_nest_astro
