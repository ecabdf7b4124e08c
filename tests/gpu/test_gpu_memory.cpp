// Device memory (ctest label "gpu"): a network larger than the device must fail before it allocates, with the bytes
// it needs and the bytes free, and leave the process usable (a smaller network runs afterwards). The synapses of
// a fixed_total_number projection are planned on the host as row lengths only (8 bytes per source), so the test
// asks for about 120 GB of synapses while the host holds 64 MB. Skipped without a GPU, and in the CPU self-check
// (VOLLEY_EQUIVALENCE_SELF_CHECK), where the same network would be drawn into host memory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/gpu_engine.hpp"
#include "host/simulator.hpp"
#include "models/model_list.hpp"

namespace {

using namespace volley;
using namespace volley::units::literals;

std::string no_device_reason() {
  if (std::getenv("VOLLEY_EQUIVALENCE_SELF_CHECK")) return "CPU self-check: device memory needs a device";
  const auto probe = gpu::probe();
  if (probe.usable) return "";
  return "no usable GPU (" + (probe.dialect.empty() ? std::string("none compiled in") : probe.problem) +
         "): device-memory refusal not checked";
}

TEST(GpuMemory, NetworkLargerThanTheDeviceFailsWithNeededAndFreeBytes) {
  if (const auto why = no_device_reason(); !why.empty()) GTEST_SKIP() << why;
  const index_t n = 4'000'000;
  network net({.dt = 0.1_ms, .seed = 3});
  net.add_population<models::LIFRef>("A", n);
  net.add_population<models::LIFRef>("B", n);
  connection_rule rule;
  rule.kind = rule_kind::fixed_total_number;
  rule.count = 30'000'000'000ull;  // 7,500 per source row on average: drawn on the device, 4 bytes each
  net.connect("A", "B", rule, {"delta", 0.1_mV, 1.0_ms});
  run_options o;
  o.backend = backend_kind::gpu;
  std::string message;
  try {
    simulator sim(net, o);
    sim.run(1.0_ms);
  } catch (const resource_error& e) {
    message = e.what();
  }
  std::printf("refusal: %s\n", message.c_str());
  ASSERT_FALSE(message.empty()) << "3e10 synapses should not fit on the device";
  EXPECT_NE(message.find("needs"), std::string::npos);
  EXPECT_NE(message.find("free"), std::string::npos);
  EXPECT_NE(message.find("--backend cpu"), std::string::npos);

  // the device is still usable
  network small({.dt = 0.1_ms, .seed = 3});
  small.add_population<models::LIFRef>("P", 1001);
  small.add_poisson_input("P", 1500.0_Hz, quantity_value(0.6_mV));
  simulator sim(small, o);
  sim.record_spikes("P");
  sim.run(50.0_ms);
  EXPECT_GT(sim.record().spikes[0].size(), 0u);
}

}  // namespace
