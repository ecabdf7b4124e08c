// NEST's own traces reproduced on the GPU (ctest label "gpu"): every reference run of tests/reference/ replayed
// through the NEST layer with backend gpu, compared with NEST 3.10 directly. Tolerances per precision (the build's
// real_t) and integration scheme:
//   double: exact propagators and NEST's Euler (iaf_psc_*, mat2, amat2, htum, izhikevich) within 1e-6 of NEST in
//           every recorded variable; RKF45 models (aeif_*, iaf_cond_*, hh_*) within 1e-3 (issue 5's criterion;
//           the device's exp differs from glibc's in the last bit and the adaptive step amplifies it near spikes);
//           identical spike counts, spike times within 1e-9 ms.
//   float:  every variable within 1e-3 of its scale, 1 + the largest |NEST value| of that variable in the run
//           (V_m: about 70 mV -> 0.07 mV; a float carries 7 digits and a 300 ms run accumulates 3000 steps of
//           rounding), 2e-3 for the hh_* models (about 0.16 mV: the upstroke moves V_m by 70 mV within a step);
//           identical spike counts, spike times within one step. The scale is the variable's, not the
//           sample's: where a variable jumps within a step (the upstroke of an HH spike crosses 0 mV, an AHP
//           current starts from 0 at a precise spike time) the float trajectory is a slightly shifted copy, and
//           a difference relative to the sample's own value there measures the shift's slope, not precision.
//           Measured with the float CPU build (VOLLEY_EQUIVALENCE_SELF_CHECK=1, 2026-11-25): spike counts identical
//           in every run; worst scaled difference 8.7e-4 (hh_cond_beta_gap_traub, V_m at an upstroke: 0.07 mV),
//           4.7e-4 (hh_cond_exp_traub), 2.1e-4 (iaf_chxk_2008: I_ahp 4.2 pA off where it starts at a precise spike
//           time that float places 3.6e-5 ms away), 6.3e-5 (izhikevich), at most 5.8e-5 for the others. Against
//           each sample's own value the same runs give 3.5e-2 and 5.4e-3 for the two HH models: an H100 gave 5.4e-3
//           for hh_cond_exp_traub in a float run of 2026-11-22 (the bound then was per sample).
// Without a GPU the test is skipped, saying why (VOLLEY_EQUIVALENCE_SELF_CHECK=1 runs it on the CPU instead).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "engine/network.hpp"
#include "host/gpu_engine.hpp"
#include "host/nest_layer.hpp"
#include "tests/support/nest_layer_protocol.hpp"

namespace {

using namespace volley;
using namespace volley::nest_ref;

bool rkf45_model(const std::string& model) {
  return model.starts_with("aeif_") || model.starts_with("iaf_cond_") || model.starts_with("hh_") ||
         model == "iaf_chxk_2008" || model.starts_with("glif_cond");
}

TEST(GpuNestReferences, EveryReferenceRunOnTheGpuMatchesNest) {
  const bool self_check = std::getenv("VOLLEY_EQUIVALENCE_SELF_CHECK") != nullptr;
  if (!self_check) {
    const auto probe = gpu::probe();
    if (!probe.usable)
      GTEST_SKIP() << "no usable GPU (" << (probe.dialect.empty() ? std::string("none compiled in") : probe.problem)
                   << "): NEST references not replayed on a GPU";
  }
  constexpr bool single = sizeof(real_t) == sizeof(float);
  const auto names = reference_names();
  ASSERT_GE(names.size(), 19u);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const json ref = load_reference(name);
    const auto model = ref.at("model").get<std::string>();
    if (!model_registered(ref)) {  // tests/test_nest_layer_references.cpp fails on it
      std::printf("%-40s not registered in volley: skipped\n", name.c_str());
      continue;
    }
    if (!sign_routed(ref)) {
      std::printf("%-40s multi-receptor: replayed by its own test\n", name.c_str());
      continue;
    }
    const auto run = run_reference_through_layer(ref, self_check ? backend_kind::cpu : backend_kind::gpu);
    const auto a = agreement(ref, run);
    double worst_scaled = 0;  // |gpu - NEST| / (1 + the variable's largest |NEST value|), over every variable
    std::string worst_scaled_variable;
    for (std::size_t q = 0; q < run.variables.size(); ++q) {
      const auto nest = reference_trace(ref, run.variables[q].c_str());
      const std::size_t n = std::min(nest.size(), run.values[q].size());
      double scale = 1;
      for (std::size_t i = 0; i < n; ++i) scale = std::max(scale, 1 + std::abs(nest[i]));
      for (std::size_t i = 0; i < n; ++i) {
        const double d = std::abs(run.values[q][i] - nest[i]) / scale;
        if (!(d <= worst_scaled)) {  // NaN counts as the worst
          worst_scaled = std::isnan(d) ? INFINITY : d;
          worst_scaled_variable = run.variables[q];
        }
      }
    }
    std::printf("%-40s %s: worst |gpu - NEST| %.2g (%s), of its scale %.2g (%s), spikes %+ld, worst spike shift "
                "%.2g ms\n",
                name.c_str(), single ? "float" : "double", a.worst, a.worst_variable.c_str(), worst_scaled,
                worst_scaled_variable.c_str(), a.spike_count_difference, a.worst_spike_shift_ms);
    EXPECT_EQ(a.spike_count_difference, 0);
    if (single) {
      EXPECT_LE(worst_scaled, model.starts_with("hh_") ? 2e-3 : 1e-3);
      EXPECT_LE(a.worst_spike_shift_ms, ref.at("dt_ms").get<double>() + 1e-9);
    } else {
      EXPECT_LE(a.worst, rkf45_model(model) ? 1e-3 : 1e-6);
      EXPECT_LE(a.worst_spike_shift_ms, 1e-9);
    }
  }
}

// GetConnections of synapses a GPU drew (the host arrays stay empty; the layer draws them again on the host, from
// the same streams) equals the CPU's, and weights set before the first run reach the GPU's synapses (the layer draws
// those projections on the host). fixed_indegree with distributed weights and delays and pairwise_bernoulli (drawn
// on the host at Connect), fixed_total_number with distributed weights (drawn on the GPU: checked), fixed_outdegree
// whose weights are set before the run; 41 and 67 neurons.
TEST(GpuNestReferences, ConnectionsDrawnOnTheGpuAreListedAsTheCpusAndTakePresetWeights) {
  const bool self_check = std::getenv("VOLLEY_EQUIVALENCE_SELF_CHECK") != nullptr;
  if (!self_check) {
    const auto probe = gpu::probe();
    if (!probe.usable)
      GTEST_SKIP() << "no usable GPU (" << (probe.dialect.empty() ? std::string("none compiled in") : probe.problem)
                   << "): GetConnections not checked on a GPU";
  }
  auto run = [&](backend_kind backend) {
    nest::kernel k({.resolution_ms = 0.1, .rng_seed = 11, .local_num_threads = 1, .backend = backend});
    const auto a = k.create("iaf_psc_alpha", 41, {{"I_e", 380.0}});
    const auto b = k.create("iaf_psc_exp", 67, {{"I_e", 370.0}});
    const json normal = {{"distribution", "normal"}, {"mean", 30.0}, {"std", 5.0}};
    const json uniform = {{"distribution", "uniform"}, {"low", 1.0}, {"high", 3.0}};
    k.connect(a, b, {{"rule", "fixed_indegree"}, {"indegree", 9}}, {{"weight", normal}, {"delay", uniform}});
    k.connect(b, b, {{"rule", "pairwise_bernoulli"}, {"p", 0.2}}, {{"weight", 15.0}, {"delay", 1.5}});
    k.connect(b, a, {{"rule", "fixed_outdegree"}, {"outdegree", 5}}, {{"weight", 20.0}, {"delay", 2.0}});
    const json spread = {{"distribution", "uniform"}, {"low", 5.0}, {"high", 25.0}};
    k.connect(a, a, {{"rule", "fixed_total_number"}, {"N", 300}}, {{"weight", spread}, {"delay", 1.0}});
    const std::size_t n = k.get_connections(b, a).at("weight").size();
    json w = json::array();
    for (std::size_t i = 0; i < n; ++i) w.push_back(double(i % 13) * 4.0);
    k.set_connections(b, a, {{"weight", w}});
    const auto sr = k.create("spike_recorder");
    k.connect(a + b, sr);
    k.simulate(60.0);
    const auto& projections = k.net().projections();
    const bool on_device = std::any_of(projections.begin(), projections.end(), [](const auto& p) { return p.on_device; });
    EXPECT_EQ(on_device, backend == backend_kind::gpu) << "fixed_total_number is drawn on the GPU";
    return std::make_pair(k.get_connections(), k.get_events(sr));
  };
  const auto cpu = run(backend_kind::cpu);
  const auto gpu = run(self_check ? backend_kind::cpu : backend_kind::gpu);
  for (const char* key : {"source", "target", "weight", "delay", "synapse_model"})
    EXPECT_EQ(gpu.first.at(key), cpu.first.at(key)) << key;
  // spikes: the preset weights act on the GPU too (summation order may differ in the last bit: counts within 2 %)
  const double spikes = double(cpu.second.at("times").size());
  EXPECT_GT(spikes, 100.0);
  EXPECT_NEAR(double(gpu.second.at("times").size()), spikes, 0.02 * spikes);
}

}  // namespace
