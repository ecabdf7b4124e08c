// Every bad input gives a typed error naming the place, the parameter, the value and what was expected.
#include <gtest/gtest.h>

#include <string>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "host/gpu_engine.hpp"
#include "host/simulator.hpp"
#include "models/lif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_errors {

using namespace volley;
using namespace volley::units::literals;

namespace {

// A minimal valid spec with one field replaced by `patch` (a JSON fragment spliced in).
std::string spec_with(const std::string& population_extra, const std::string& top_extra = "",
                      const std::string& dt = "\"0.1 ms\"") {
  return R"({"dt": )" + dt + R"(, "duration": "10 ms", )" + top_extra +
         R"("populations": [{"name": "P", "model": "LIFRef", "size": 10)" + population_extra + "}]}";
}

template <class E>
std::string error_of(const std::string& text) {
  try {
    load_spec_text(text);
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("WRONG TYPE: ") + e.what();
  }
  return "NO ERROR";
}

void expect_contains(const std::string& message, std::initializer_list<const char*> parts) {
  for (const char* p : parts) EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
}

}  // namespace

TEST(SpecErrors, ValidSpecLoads) { EXPECT_NO_THROW(load_spec_text(spec_with(""))); }

TEST(SpecErrors, MalformedJson) {
  expect_contains(error_of<spec_error>("{\"dt\": \"0.1 ms\", "), {"malformed JSON"});
}

TEST(SpecErrors, UnknownModel) {
  const auto m = error_of<spec_error>(R"({"dt": "0.1 ms", "duration": "1 ms", "populations": [{"name": "P", "model": "LIFF", "size": 3}]})");
  expect_contains(m, {"unknown model 'LIFF'", "LIFRef", "iaf_psc_exp"});
}

TEST(SpecErrors, WrongUnit) {
  const auto m = error_of<parameter_error>(spec_with(R"(, "params": {"tau": "20 mV"})"));
  expect_contains(m, {"population 'P'", "'tau'", "20 mV", "a time"});
}

TEST(SpecErrors, MissingUnit) {
  const auto m = error_of<parameter_error>(spec_with(R"(, "params": {"tau": 20})"));
  expect_contains(m, {"'tau'", "20", "a time"});
}

TEST(SpecErrors, NegativeTau) {
  const auto m = error_of<parameter_error>(spec_with(R"(, "params": {"tau": "-5 ms"})"));
  expect_contains(m, {"population 'P'", "'tau'", "-5 ms", "positive"});
}

TEST(SpecErrors, UnknownParameter) {
  const auto m = error_of<parameter_error>(spec_with(R"(, "params": {"tau_m": "5 ms"})"));
  expect_contains(m, {"'tau_m'", "V_th", "tau_ref"});
}

TEST(SpecErrors, ResetAboveThreshold) {
  const auto m = error_of<parameter_error>(spec_with(R"(, "params": {"V_reset": "2 mV"})"));
  expect_contains(m, {"V_reset must be below V_th"});
}

TEST(SpecErrors, NonPositiveDt) {
  expect_contains(error_of<parameter_error>(spec_with("", "", "\"0 ms\"")), {"'dt'", "positive"});
  expect_contains(error_of<parameter_error>(spec_with("", "", "\"-0.1 ms\"")), {"'dt'"});
  expect_contains(error_of<parameter_error>(spec_with("", "", "\"0.1 mV\"")), {"'dt'", "a time"});
}

TEST(SpecErrors, SliceOutOfRange) {
  const auto m = error_of<spec_error>(spec_with(
      "", R"("projections": [{"source": "P[0:11]", "target": "P", "rule": {"kind": "all_to_all"}, "weight": "1 mV"}], )"));
  expect_contains(m, {"P[0:11]", "10"});
}

TEST(SpecErrors, ExplicitIndexOutOfRange) {
  const auto m = error_of<parameter_error>(spec_with(
      "", R"("projections": [{"name": "bad", "source": "P", "target": "P", "rule": {"kind": "explicit", "sources": [0, 12], "targets": [1, 2]}, "weight": "1 mV"}], )"));
  expect_contains(m, {"projection 'bad'", "12"});
}

TEST(SpecErrors, TraceNeuronOutOfRange) {
  loaded_spec s = load_spec_text(spec_with("", R"("record": {"traces": [{"population": "P", "variables": ["V"], "neurons": [10]}]}, )"));
  simulator sim(*s.net);
  try {
    sim.record_trace(s.record_traces[0]);
    FAIL() << "no error";
  } catch (const parameter_error& e) {
    expect_contains(e.what(), {"population 'P'", "neurons", "10", "below the population size 10"});
  }
}

TEST(SpecErrors, UnknownField) {
  expect_contains(error_of<spec_error>(spec_with(R"(, "sizes": 3)")), {"unknown field 'sizes'"});
}

TEST(SpecErrors, WeightWithoutReceptorOnBrainPyNeuron) {
  const auto m = error_of<parameter_error>(spec_with(
      "", R"("projections": [{"name": "x", "source": "P", "target": "P", "rule": {"kind": "all_to_all"}, "weight": "1 nS"}], )"));
  expect_contains(m, {"projection 'x'", "receptor", "conductance"});
}

TEST(SpecErrors, WeightUnitDoesNotMatchReceptor) {
  const auto m = error_of<parameter_error>(spec_with(
      R"(, "receptors": [{"name": "exc", "synapse": "Expon", "output": "COBA", "params": {"tau": "5 ms"}}])",
      R"("projections": [{"name": "x", "source": "P", "target": "P", "receptor": "exc", "rule": {"kind": "all_to_all"}, "weight": "1 pA"}], )"));
  expect_contains(m, {"projection 'x'", "weight", "a current", "a conductance", "exc"});
}

TEST(SpecErrors, FileThatDoesNotExist) {
  EXPECT_THROW(load_spec_file("/nonexistent/spec.json"), spec_error);
}

TEST(ApiErrors, BackendNotCompiledOrNoDevice) {
  network net;
  net.add_population<models::LIF>("N", 3);
  run_options o;
  const auto probe = gpu::probe();
  o.backend = probe.dialect == "CUDA" ? backend_kind::hip : backend_kind::cuda;  // never the compiled one
  EXPECT_THROW(simulator(net, o), not_compiled_error);
  o.backend = backend_kind::gpu;
  if (probe.dialect.empty()) {
    EXPECT_THROW(simulator(net, o), not_compiled_error);
  } else if (!probe.usable) {
    EXPECT_THROW(simulator(net, o), device_unavailable_error);
  }
  o.backend = backend_kind::automatic;  // never an error: the CPU when no device answers
  simulator sim(net, o);
  EXPECT_EQ(sim.backend(), probe.usable ? backend_kind::gpu : backend_kind::cpu);
  EXPECT_EQ(sim.backend_note().empty(), probe.usable);
}

TEST(ApiErrors, DuplicatePopulationAndBadDt) {
  network net;
  net.add_population<models::LIF>("N", 3);
  EXPECT_THROW(net.add_population<models::LIF>("N", 3), spec_error);
  EXPECT_THROW(network({.dt = 0.0_ms}), parameter_error);
}

}  // namespace test_errors
