// The GPU backend compiles one kernel per entry of models::all_neuron_models; the registry (spec files, `volley
// models`) lists models by name. Both must name the same set, or a model would exist on one backend only.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "models/model_list.hpp"
#include "models/registry.hpp"

namespace volley::models::test_model_list {  // its own namespace: the tests compile in unity batches
namespace {

TEST(ModelList, RegistryAndGpuKernelListNameTheSameModels) {
  std::set<std::string> listed(std::begin(all_neuron_models::names), std::end(all_neuron_models::names));
  EXPECT_EQ(listed.size(), all_neuron_models::size) << "a model appears twice in models/model_list.hpp";
  std::set<std::string> registered;
  for (const auto& e : neuron_models()) registered.insert(e.name);
  for (const auto& name : registered)
    EXPECT_TRUE(listed.count(name)) << name << " is registered but has no GPU kernel (add it to models/model_list.hpp)";
  for (const auto& name : listed)
    EXPECT_TRUE(registered.count(name)) << name << " has a GPU kernel but is not registered (models/registry.cpp)";
}

}  // namespace
}  // namespace volley::models::test_model_list
