#pragma once
// The table of neuron models known by name (spec files, `volley models`, network::add_population). Adding a
// built-in model: one file pair in models/ and one line in a models/registry_*.cpp part; a model of a program's own:
// add_neuron_model.
#include <memory>
#include <string>
#include <typeinfo>
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
  // network::add_population<Model>: a model_population<Model> of `per_neuron` (a std::vector<Model::params>), built
  // here, where the registry compiles each model's update once; `type` is typeid(Model), checked before the cast
  const std::type_info* type;
  std::unique_ptr<population> (*create_typed)(const std::string& name, index_t size, std::uint32_t batch,
                                              const void* per_neuron, double dt);
};

const std::vector<neuron_model_entry>& neuron_models();
// nullptr when unknown (the built-in models, then those added)
const neuron_model_entry* find_neuron_model(const std::string& name);
// Adds a neuron model of your own, entry<Model>(family) from models/model_json.hpp (where its CPU update is
// compiled): network::add_population<Model> and spec files then know it (its name must be new; CPU only, as the GPU
// kernels are compiled for the built-in models). Call it before building networks from other threads.
void add_neuron_model(const neuron_model_entry& entry);

// Synapses and outputs usable as receptors (names for `volley models`).
void describe_receptors(nlohmann::json& out);

}  // namespace volley::models
