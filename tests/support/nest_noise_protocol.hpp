#pragma once
// A protocol of tests/reference/nest_noise.json through the NEST layer: a noise_generator into n integrator targets
// (all_to_all, the case's delay), its SetStatus and Simulate calls in order, V_m recorded every step. Used by
// tests/test_nest_noise.cpp (against NEST) and tests/gpu/test_gpu_nest_noise.cpp (the GPU against the CPU).
#include <vector>

#include "host/nest_layer.hpp"
#include "host/simulator.hpp"  // run_stats, which simulate() returns
#include "tests/support/multimeter_order.hpp"

namespace volley::nest_ref {

// V_m of the n targets, sample-major (entry s * n + i); `ref` is the whole reference (resolution, integrator).
inline std::vector<double> run_noise_protocol(const nlohmann::json& ref, const nlohmann::json& c, int n,
                                              const nest::kernel_options& options) {
  const double dt = ref.at("resolution").get<double>();
  nest::kernel_options o = options;
  o.resolution_ms = dt;
  nest::kernel k(o);
  const auto targets = k.create("iaf_psc_delta", n, ref.at("integrator"));
  const auto g = k.create("noise_generator", 1, c.at("params"));
  k.connect(g, targets, "all_to_all", {{"delay", c.at("delay")}});
  const auto mm = k.create("multimeter", 1, {{"interval", dt}, {"record_from", {"V_m"}}});
  k.connect(mm, targets);
  for (const auto& step : c.at("steps")) {
    if (step.is_object()) {
      k.set_status(g, step);
    } else {
      k.simulate(step.get<double>());
    }
  }
  return sample_major(k.get_events(mm), "V_m");
}

}  // namespace volley::nest_ref
