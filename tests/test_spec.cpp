// Spec files: per-neuron parameters and initial states, distributions, explicit weights, batch, slices.
#include <gtest/gtest.h>

#include <set>

#include "engine/spec.hpp"
#include "host/simulator.hpp"
#include "models/lif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_spec {

using namespace volley;

namespace {

const char* base_spec = R"({
  "dt": "0.1 ms", "duration": "20 ms", "seed": 5, "batch": 3,
  "populations": [
    {"name": "P", "model": "LIFRef", "size": 40,
     "params": {"tau": {"distribution": "uniform", "low": "10 ms", "high": "30 ms"}, "V_th": "-50 mV",
                "V_reset": "-60 mV", "V_rest": "-60 mV", "R": "100 Mohm", "spk_reset": "hard"},
     "initial": {"V": {"distribution": "normal", "mean": "-55 mV", "std": "2 mV", "low": "-58 mV", "high": "-52 mV"}},
     "receptors": [{"name": "exc", "synapse": "Expon", "output": "COBA", "params": {"tau": "5 ms", "E": "0 mV"}}]},
    {"name": "Q", "model": "iaf_psc_exp", "size": 3, "params": {"I_e": ["100 pA", "200 pA", "300 pA"]},
     "initial": {"V_m": ["-70 mV", "-65 mV", "-60 mV"]}}
  ],
  "projections": [
    {"name": "list", "source": "P[0:2]", "target": "Q", "rule": {"kind": "explicit", "sources": [0, 1, 1], "targets": [2, 0, 1]},
     "weight": ["10 pA", "-20 pA", "-30 pA"], "delay": ["0.1 ms", "0.2 ms", "0.3 ms"]}
  ],
  "inputs": [{"kind": "constant_current", "target": "P[0:20]", "amplitude": "250 pA"}]
})";

}  // namespace

TEST(Spec, PerNeuronParametersAndInitialStatesFromDistributionsAndLists) {
  std::string text = base_spec;
  text.replace(text.find("\"10 pA\""), 7, "\"-10 pA\"");
  loaded_spec s = load_spec_text(text);
  auto& P = s.net->find("P");
  auto& Q = s.net->find("Q");
  EXPECT_EQ(P.batch(), 3u);
  // initial V: redrawn into [-58, -52], different per batch instance
  std::set<double> values;
  for (std::size_t k = 0; k < 40 * 3; ++k) {
    const double v = P.state(models::LIFRef::V)[k];
    EXPECT_GE(v, -58.0);
    EXPECT_LE(v, -52.0);
    values.insert(v);
  }
  EXPECT_EQ(values.size(), 120u);
  EXPECT_DOUBLE_EQ(Q.state(0)[1], -65.0);
  EXPECT_DOUBLE_EQ(Q.state(0)[3 + 2], -60.0);  // batch instance 1 gets the same explicit list
  // tau per neuron: inside [10, 30) ms and not all equal
  const auto& pp = static_cast<model_population<models::LIFRef>&>(P).parameters();
  ASSERT_EQ(pp.size(), 40u);
  std::set<double> taus;
  for (const auto& p : pp) {
    EXPECT_GE(p.tau.value, 10.0);
    EXPECT_LT(p.tau.value, 30.0);
    taus.insert(p.tau.value);
  }
  EXPECT_EQ(taus.size(), 40u);
  // the constant drive covers P[0:20] only
  EXPECT_EQ(P.bias(19), 250.0);
  EXPECT_EQ(P.bias(20), 0.0);
}

TEST(Spec, MixedSignWeightsIntoSignRoutedModelAreRejected) {
  EXPECT_THROW(
      {
        loaded_spec s = load_spec_text(base_spec);
        (void)s;
      },
      parameter_error);
}

TEST(Spec, ExplicitWeightsAndDelaysFollowTheirConnections) {
  std::string text = base_spec;
  text.replace(text.find("\"10 pA\""), 7, "\"-10 pA\"");
  loaded_spec s = load_spec_text(text);
  const auto& p = s.net->projections().at(0);
  ASSERT_EQ(p.size(), 3u);
  ASSERT_EQ(p.channel, 1);  // all negative: port "in"
  // CSR order: row 0 -> target 2; row 1 -> targets 0, 1 (sorted)
  EXPECT_EQ(p.targets16.at(0), 2);
  EXPECT_EQ(p.weights.at(0), -10.0);
  EXPECT_EQ(p.delays.at(0), 1);
  EXPECT_EQ(p.targets16.at(1), 0);
  EXPECT_EQ(p.weights.at(1), -20.0);
  EXPECT_EQ(p.delays.at(1), 2);
  EXPECT_EQ(p.weights.at(2), -30.0);
  EXPECT_EQ(p.delays.at(2), 3);
  simulator sim(*s.net);
  EXPECT_NO_THROW(sim.run(units::time_q(s.duration_ms)));
}

TEST(Spec, ExampleSpecsLoad) {
  for (const char* name : {"coba.json", "cuba.json"}) {
    loaded_spec s = load_spec_file(std::string(VOLLEY_SOURCE_DIR) + "/examples/" + name);
    EXPECT_EQ(s.net->neuron_count(), 4000u) << name;
    EXPECT_EQ(s.net->synapse_count(), 320000u) << name;
  }
}

}  // namespace test_spec
