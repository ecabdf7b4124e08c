// NEST's noise_generator on the GPU (ctest label "gpu"): every protocol of tests/reference/nest_noise.json run
// through the NEST layer with backend gpu gives the CPU's V_m at every step. The generator's numbers are counted
// from (seed, generator, draw step, target), so both backends draw the same currents; the draw schedule (blocks
// from the first active step, SetStatus taking effect at the next draw, std_mod's oscillator lagging in the run a
// generator wakes up in: host/nest_noise_schedule.cpp) is lowered on the host and read by the device kernel.
// tests/test_nest_noise.cpp holds the CPU to NEST 3.10; this test holds the GPU to the CPU:
//   double: within 1e-9 of 1 + |V_m| (the targets are integrators: rounding of a step's sum only);
//   float:  within 1e-4 of 1 + |V_m| (a float carries 7 digits over about 2000 steps of summation).
// Without a GPU the test is skipped, saying why (VOLLEY_EQUIVALENCE_SELF_CHECK=1 runs both sides on the CPU).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "host/nest_layer.hpp"
#include "tests/support/gpu_skip.hpp"
#include "tests/support/nest_noise_protocol.hpp"
#include "tests/support/nest_reference.hpp"

namespace {

using namespace volley;
using nest::json;

constexpr double tolerance = sizeof(real_t) == sizeof(float) ? 1e-4 : 1e-9;  // relative to 1 + |V_m|

// The case's protocol on n integrator targets on `backend`; V_m sample-major.
std::vector<double> run_case(const json& ref, const json& c, int n, backend_kind backend) {
  if (backend == backend_kind::gpu && test::self_check()) backend = backend_kind::cpu;
  return nest_ref::run_noise_protocol(ref, c, n, {.rng_seed = 7, .local_num_threads = 1, .backend = backend});
}

TEST(GpuNestNoise, EveryNoiseProtocolGivesTheCpusTraces) {
  if (const auto why = test::no_gpu_reason("noise_generator not run on a GPU"); !why.empty()) GTEST_SKIP() << why;
  const json ref = nest_ref::load_reference("nest_noise");
  std::vector<std::pair<const json*, int>> cases;
  for (const auto& c : ref.at("cases")) cases.emplace_back(&c, 1);
  for (const auto& c : ref.at("statistics")) cases.emplace_back(&c, 37);  // more than a warp, an odd count
  ASSERT_EQ(cases.size(), 5u);
  for (const auto& [c, n] : cases) {
    const std::string name = c->at("name").get<std::string>();
    const auto cpu = run_case(ref, *c, n, backend_kind::cpu);
    const auto gpu = run_case(ref, *c, n, backend_kind::gpu);
    ASSERT_EQ(gpu.size(), cpu.size()) << name;
    ASSERT_GE(cpu.size(), 100u) << name;
    double worst = 0, spread = 0;
    for (std::size_t s = 0; s < cpu.size(); ++s) {
      worst = std::max(worst, std::abs(gpu[s] - cpu[s]) / (1 + std::abs(cpu[s])));
      spread = std::max(spread, std::abs(cpu[s] - cpu[0]));
    }
    EXPECT_LE(worst, tolerance) << name;
    EXPECT_GT(spread, 1.0) << name << ": the generator moved V_m";
    std::printf("  %s: %zu samples, worst relative difference %.3g\n", name.c_str(), cpu.size(), worst);
  }
}

}  // namespace
