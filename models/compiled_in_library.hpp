#pragma once
// Each model's CPU population (model_population<Model>, create_population<Model>) is compiled once, in the
// registry file that lists the model (models/registry_*.cpp, VOLLEY_COMPILE_MODEL_HERE). Every model header ends
// with VOLLEY_MODEL_COMPILED_IN_LIBRARY(Model): an explicit instantiation declaration, so a file that includes the
// header (tests, the NEST layer, the trainer) links to the library's copy instead of compiling the model's update
// again (a test file with four models: 12.8 -> 9.1 s). GPU translation units (nvcc, hipcc) skip the declarations
// and compile their own copies of the few members they use (kernels/gpu/family_kernels.cuh: view, state).
#if defined(__CUDACC__) || defined(__HIPCC__) || defined(__HIP__)
#define VOLLEY_MODEL_COMPILED_IN_LIBRARY(Model)
#else
#include <memory>

#include "engine/model_population.hpp"
#include "models/registry.hpp"

namespace volley::models {
template <class Model>
std::unique_ptr<population> create_population(const population_request& req);  // models/model_json.hpp
}  // namespace volley::models

#define VOLLEY_MODEL_COMPILED_IN_LIBRARY(Model)                \
  extern template class volley::model_population<Model>; \
  extern template std::unique_ptr<volley::population> volley::models::create_population<Model>( \
      const volley::models::population_request&);
#endif

// The explicit instantiation definitions, at global scope in the model's registry file.
#define VOLLEY_COMPILE_MODEL_HERE(Model)               \
  template class volley::model_population<Model>; \
  template std::unique_ptr<volley::population> volley::models::create_population<Model>( \
      const volley::models::population_request&);
