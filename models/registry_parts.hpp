#pragma once
// The parts of the model registry (models/registry.cpp), one translation unit each: every entry<Model>
// instantiates the model's CPU update, so one file for all models was the longest compile of the build.
#include <vector>

#include "models/registry.hpp"

namespace volley::models {

std::vector<neuron_model_entry> brainpy_model_entries();      // models/registry_brainpy.cpp
std::vector<neuron_model_entry> nest_exact_model_entries();   // models/registry_nest_exact.cpp
std::vector<neuron_model_entry> nest_ode_model_entries();     // models/registry_nest_ode.cpp
std::vector<neuron_model_entry> nest_rate_model_entries();    // models/registry_nest_rate.cpp

}  // namespace volley::models
