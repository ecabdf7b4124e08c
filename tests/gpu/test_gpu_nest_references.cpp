// NEST's own traces reproduced on the GPU (ctest label "gpu"): every reference run of tests/reference/ replayed
// through the NEST layer with backend gpu, compared with NEST 3.10 directly. Tolerances per precision (the build's
// real_t) and integration scheme:
//   double: exact propagators and NEST's Euler (iaf_psc_*, mat2, amat2, htum, izhikevich) within 1e-6 of NEST in
//           every recorded variable; RKF45 models (aeif_*, iaf_cond_*, hh_*) within 1e-3 (issue 5's criterion;
//           the device's exp differs from glibc's in the last bit and the adaptive step amplifies it near spikes);
//           identical spike counts, spike times within 1e-9 ms.
//   float:  every variable within 1e-3 relative to 1 + |NEST's value| (about 70 mV -> 0.07 mV; a float carries
//           7 digits and a 300 ms run accumulates 3000 steps of rounding), 1e-2 for the hh_* models, whose gating
//           variables move by O(1) within a step during a spike; identical spike counts, spike times within one
//           step. Measured on an H100: spike steps identical in every run; worst relative 5.4e-3
//           (hh_cond_exp_traub), 1e-3 (hh_psc_alpha), 7.8e-4 (izhikevich), at most 1.2e-4 for the others.
// Without a GPU the test is skipped, saying why (VOLLEY_EQUIVALENCE_SELF_CHECK=1 runs it on the CPU instead).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "host/gpu_engine.hpp"
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
    double worst_relative = 0;
    for (std::size_t q = 0; q < run.variables.size(); ++q) {
      const auto nest = reference_trace(ref, run.variables[q].c_str());
      for (std::size_t i = 0; i < std::min(nest.size(), run.values[q].size()); ++i)
        worst_relative = std::max(worst_relative, std::abs(run.values[q][i] - nest[i]) / (1 + std::abs(nest[i])));
    }
    std::printf("%-40s %s: worst |gpu - NEST| %.2g (%s), relative %.2g, spikes %+ld, worst spike shift %.2g ms\n",
                name.c_str(), single ? "float" : "double", a.worst, a.worst_variable.c_str(), worst_relative,
                a.spike_count_difference, a.worst_spike_shift_ms);
    EXPECT_EQ(a.spike_count_difference, 0);
    if (single) {
      EXPECT_LE(worst_relative, model.starts_with("hh_") ? 1e-2 : 1e-3);
      EXPECT_LE(a.worst_spike_shift_ms, ref.at("dt_ms").get<double>() + 1e-9);
    } else {
      EXPECT_LE(a.worst, rkf45_model(model) ? 1e-3 : 1e-6);
      EXPECT_LE(a.worst_spike_shift_ms, 1e-9);
    }
  }
}

}  // namespace
