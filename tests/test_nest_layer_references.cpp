// Every NEST reference run (tests/reference/<model>.json) replayed through the NEST layer on the CPU: the script a
// PyNEST user would port (create, set_status, connect generators and recorders, simulate) must reproduce NEST's
// traces and spikes with no model-specific code. The per-model tests check the models themselves; this one checks
// that the layer's name translation, initial states, devices and recorders carry them without loss.
// The GPU runs the same replays in tests/gpu/test_gpu_nest_references.cpp.
#include <gtest/gtest.h>

#include "tests/support/nest_layer_protocol.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_layer_references {

using namespace volley;
using namespace volley::nest_ref;

TEST(NestLayerReferences, EveryReferenceRunReplaysThroughTheLayer) {
  const auto names = reference_names();
  ASSERT_GE(names.size(), 19u);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const json ref = load_reference(name);
    ASSERT_TRUE(model_registered(ref)) << "a NEST reference of a model volley does not register";
    if (!sign_routed(ref)) {
      std::printf("%-40s multi-receptor: replayed by its own test\n", name.c_str());
      continue;
    }
    const auto run = run_reference_through_layer(ref, backend_kind::cpu);
    const auto a = agreement(ref, run);
    std::printf("%-40s worst |volley - NEST| %.2g (%s), spikes %+ld, worst spike shift %.2g ms\n", name.c_str(),
                a.worst, a.worst_variable.c_str(), a.spike_count_difference, a.worst_spike_shift_ms);
    EXPECT_LE(a.worst, 1e-6);  // the references carry 9 decimals
    EXPECT_EQ(a.spike_count_difference, 0);
    EXPECT_LE(a.worst_spike_shift_ms, 1e-9);
    // the protocol makes the neuron spike, except in references of a model's subthreshold part (gif's and
    // pp_psc_delta's escape noise switched off), where NEST's run has no spikes either
    if (!ref.at("record").at("spike_times_ms").empty()) {
      EXPECT_FALSE(run.spike_times_ms.empty()) << "the protocol should make the neuron spike";
    }
  }
}

}  // namespace test_nest_layer_references
