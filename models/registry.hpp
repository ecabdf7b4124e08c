#pragma once
// The table of neuron models known by name (spec files, `volley models`). Adding a model: one file pair in
// models/ and one line in registry.cpp.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/population.hpp"

namespace volley::models {

struct population_request {
  std::string name;
  index_t size = 0;
  std::uint32_t batch = 1;
  double dt = 0.1;                       // ms
  std::uint64_t seed = 1;
  std::uint32_t id = 0;                  // population number (rng streams)
  const nlohmann::json* params = nullptr;    // {"tau": "20 ms", ...}, values may be lists or distributions
  const nlohmann::json* initial = nullptr;   // {"V": "-65 mV" | [...] | distribution}
};

struct neuron_model_entry {
  const char* name;
  const char* family;                    // "brainpy", "nest", or "benchmark" (cells defined by a benchmark)
  model_info (*info)();
  std::unique_ptr<population> (*create)(const population_request&);
  void (*describe)(nlohmann::json& out);  // parameters with units and defaults, state variables, ports
};

const std::vector<neuron_model_entry>& neuron_models();
// nullptr when unknown
const neuron_model_entry* find_neuron_model(const std::string& name);

// Synapses and outputs usable as receptors (names for `volley models`).
void describe_receptors(nlohmann::json& out);

}  // namespace volley::models
