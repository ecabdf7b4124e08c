// A neuron model of a program's own: network::add_population<Model> builds populations through the model registry
// (models/registry.cpp compiles each model's update once), so a model that is not built in is added to it first
// (models::add_neuron_model), after which add_population and spec files know it by name.
#include <gtest/gtest.h>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/lif.hpp"
#include "models/model_json.hpp"
#include "models/registry.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_added_models {

using namespace volley;
using namespace volley::units::literals;

namespace {

// A model of one's own: here brainpy.state's LIF under another name
struct MyLIF : models::LIF {
  static constexpr const char* name = "MyLIF";
  static constexpr const char* description = "LIF, registered by a test";
};

TEST(AddedModels, AddPopulationNeedsTheModelRegisteredThenRunsItAsTheBuiltIn) {
  network before({.dt = 0.1_ms});
  try {
    before.add_population<MyLIF>("P", 10);
    FAIL() << "an unregistered model should be refused";
  } catch (const user_error& e) {
    EXPECT_NE(std::string(e.what()).find("add_neuron_model"), std::string::npos) << e.what();
  }
  models::add_neuron_model(models::entry<MyLIF>("user"));
  EXPECT_THROW(models::add_neuron_model(models::entry<MyLIF>("user")), parameter_error);  // the name is taken
  ASSERT_NE(models::find_neuron_model("MyLIF"), nullptr);

  // the same network with the built-in LIF and with MyLIF: the same spikes
  auto spikes = [](auto model) {
    using Model = decltype(model);
    network net({.dt = 0.1_ms, .seed = 3});
    net.add_population<Model>("P", 101);
    net.add_poisson_input("P", 3000.0_Hz, quantity_value(2.0_mV));
    simulator sim(net);
    sim.record_spikes("P");
    sim.run(50.0_ms);
    return sim.record().spikes[0];
  };
  const auto mine = spikes(MyLIF{});
  const auto builtin = spikes(models::LIF{});
  EXPECT_GT(builtin.size(), 50u);
  EXPECT_EQ(mine.step, builtin.step);
  EXPECT_EQ(mine.neuron, builtin.neuron);
}

}  // namespace

}  // namespace test_added_models
