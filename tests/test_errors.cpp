// Every bad input gives a typed error naming the place, the parameter, the value and what was expected.
#include <gtest/gtest.h>

#include <string>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "engine/train_spec.hpp"
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

// A delay between 0 and dt ran as one step without a word; NEST refuses a delay below its resolution.
TEST(SpecErrors, DelayBelowDtIsRefusedZeroMeansOneStep) {
  auto projection = [](const std::string& delay) {
    return spec_with("", R"("projections": [{"name": "x", "source": "P", "target": "P", "rule": {"kind": "all_to_all"},)"
                         R"( "weight": "1 mV", "delay": )" + delay + "}], ");
  };
  expect_contains(error_of<parameter_error>(projection("\"0.05 ms\"")),
                  {"projection 'x'", "parameter 'delay' = 0.05 ms", "0 (the minimum, one step) or at least dt (0.1 ms)"});
  EXPECT_NO_THROW(load_spec_text(projection("\"0 ms\"")));
  EXPECT_NO_THROW(load_spec_text(projection("\"0.1 ms\"")));
  EXPECT_NO_THROW(load_spec_text(projection("\"0.26 ms\"")));  // rounds to 3 steps, as NEST rounds
  // drawn delays below dt take the minimum, one step
  EXPECT_NO_THROW(load_spec_text(projection(R"({"distribution": "uniform", "low": "0 ms", "high": "0.3 ms"})")));
  expect_contains(error_of<parameter_error>(spec_with("", R"("inputs": [{"kind": "spike_times", "target": "P",)"
                                                          R"( "times": ["1 ms"], "weight": "1 mV", "delay": "0.02 ms"}], )")),
                  {"parameter 'delay' = 0.02 ms"});
  network net({.dt = 0.1_ms});
  net.add_population<models::LIF>("A", 3);
  synapse_spec syn;
  syn.weight = quantity_value(1.0_mV);
  syn.delay = quantity_value(0.099_ms);
  EXPECT_THROW(net.connect("A", "A", connection_rule{}, syn), parameter_error);
}

// A wrong JSON type names the field, the value and the type wanted (it was nlohmann's bare "type must be string,
// but is number", with no field).
TEST(SpecErrors, WrongJsonTypeNamesTheParameter) {
  const std::string proj =
      R"("projections": [{"name": "x", "source": "P", "target": "P", "rule": {"kind": "all_to_all"}, "weight": "1 mV"}], )";
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = spec_with("", proj);
    t.replace(t.find(from), from.size(), to);
    return error_of<parameter_error>(t);
  };
  expect_contains(with(R"("model": "LIFRef")", R"("model": 7)"), {"population 'P'", "'model' = 7", "a string"});
  expect_contains(with(R"("name": "P")", R"("name": ["P"])"), {"'name' = [\"P\"]", "a string"});
  expect_contains(with(R"("kind": "all_to_all")", R"("kind": 3)"), {"projection 'x'", "'rule.kind' = 3", "a string"});
  expect_contains(with(R"("kind": "all_to_all")", R"("kind": "all_to_all", "allow_autapses": "no")"),
                  {"'rule.allow_autapses' = \"no\"", "true or false"});
  expect_contains(with(R"("target": "P",)", R"("target": "P", "receptor": 1,)"), {"'receptor' = 1", "a string"});
  expect_contains(error_of<parameter_error>(spec_with("", R"("projections": {"x": 1}, )")),
                  {"'projections' = {\"x\":1}", "a list"});
  expect_contains(error_of<parameter_error>(spec_with("", R"("record": {"spikes": [3]}, )")),
                  {"'spikes' = 3", "a string"});
  expect_contains(
      error_of<parameter_error>(spec_with(R"(, "initial": {"V": {"distribution": 1, "low": "0 mV", "high": "1 mV"}})")),
      {"V.distribution' = 1", "a string"});
}

// "[[[[..." 100,000 deep overflowed the stack of the recursive JSON writer (SIGSEGV) when the error quoted it.
TEST(SpecErrors, DeeplyNestedJsonIsRefusedNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_contains(error_of<spec_error>(deep), {"nested deeper than 64 levels"});
  expect_contains(error_of<spec_error>(spec_with(R"(, "params": {"tau": )" + deep + "}")), {"nested deeper than"});
  const std::string shallow = std::string(60, '[') + std::string(60, ']');  // within the limit: the usual checks
  expect_contains(error_of<spec_error>(shallow), {"spec: expected an object"});
}

// nlohmann keeps the last of repeated keys: "tau" given twice ran with 30 ms and said nothing.
TEST(SpecErrors, RepeatedKeyIsRefusedWithItsPlace) {
  expect_contains(error_of<spec_error>(spec_with(R"(, "params": {"tau": "20 ms", "V_th": "-50 mV", "tau": "30 ms"})")),
                  {"key 'tau' appears twice in populations[0].params"});
  expect_contains(error_of<spec_error>(spec_with("", R"("dt": "0.2 ms", )")), {"key 'dt' appears twice in the top level"});
  expect_contains(  // the index of a later array element, after elements that are objects, lists and numbers
      error_of<spec_error>(R"({"dt": "0.1 ms", "duration": "1 ms", "populations": [{"a": 1}, [2, {"b": 3}], 4,)"
                           R"( {"name": "Q", "size": 1, "size": 2}]})"),
      {"key 'size' appears twice in populations[3]"});
  // the same key in different objects is no repetition
  EXPECT_NO_THROW(load_spec_text(spec_with(R"(, "params": {"tau": "20 ms"}, "receptors": [{"name": "exc",)"
                                           R"( "synapse": "Expon", "output": "COBA", "params": {"tau": "5 ms"}}])")));
}

// seed and batch were read with get<uint64_t>() / get<uint32_t>(): -1, 1.5 and 2^32 + 1 became other numbers.
TEST(SpecErrors, SeedAndBatchAreNotWrappedOrTruncated) {
  for (const char* seed : {"-1", "1.5", "18446744073709551616"})  // the last is a double to nlohmann: 1.8e+19
    expect_contains(error_of<parameter_error>(spec_with("", std::string(R"("seed": )") + seed + ", ")),
                    {"parameter 'seed' = ", "an integer from 0 to 18446744073709551615"});
  expect_contains(error_of<parameter_error>(spec_with("", R"("seed": -1, )")), {"'seed' = -1"});
  for (const char* batch : {"-1", "1.5", "4294967297", "\"2\""})
    expect_contains(error_of<parameter_error>(spec_with("", std::string(R"("batch": )") + batch + ", ")),
                    {"parameter 'batch'", batch, "an integer from 0 to 4294967295"});
  EXPECT_EQ(load_spec_text(spec_with("", R"("seed": 18446744073709551615, )")).net->seed(), 18446744073709551615ull);
}

// Neuron index lists: 0.5 was read as 0, 2^32 as 0 and -1 as 4294967295.
TEST(SpecErrors, IndexListsRefuseFractionsNegativesAndOverflow) {
  auto rule = [](const std::string& sources) {
    return spec_with(
        "", R"("projections": [{"name": "x", "source": "P", "target": "P", "rule": {"kind": "explicit", "sources": )" +
                sources + R"(, "targets": [1]}, "weight": "1 mV"}], )");
  };
  expect_contains(error_of<parameter_error>(rule("[0.5]")),
                  {"projection 'x'", "'rule.sources[0]' = 0.5", "an integer"});
  expect_contains(error_of<parameter_error>(rule("[4294967296]")), {"'rule.sources[0]' = 4294967296"});
  expect_contains(error_of<parameter_error>(rule("\"0\"")), {"'rule.sources' = \"0\"", "a list"});
  expect_contains(error_of<parameter_error>(spec_with(
                      "", R"("record": {"traces": [{"population": "P", "variables": ["V"], "neurons": [1, -1]}]}, )")),
                  {"'neurons[1]' = -1", "an integer from 0 to 4294967295"});
}

// An unknown population name says which entry named it (it was "unknown population 'Q' (defined: P)" alone).
TEST(SpecErrors, UnknownPopulationNamesTheEntry) {
  expect_contains(error_of<parameter_error>(spec_with("", R"("projections": [{"source": "P", "target": "Q[0:2]",
    "rule": {"kind": "all_to_all"}, "weight": "1 mV"}], )")),
                  {"projections[0]: parameter 'target' = 'Q[0:2]'", "a population of the spec (P)"});
  expect_contains(error_of<parameter_error>(spec_with("", R"("inputs": [{"kind": "poisson", "target": "Q",
    "rate": "5 Hz", "weight": "1 mV"}], )")),
                  {"inputs[0]: parameter 'target' = 'Q'"});
  expect_contains(error_of<parameter_error>(spec_with("", R"("record": {"spikes": ["P[0:2]"]}, )")),
                  {"record: parameter 'spikes' = 'P[0:2]'"});
  expect_contains(error_of<parameter_error>(spec_with("", R"("record": {"traces": [{"population": "R", "variables": ["V"]}]}, )")),
                  {"record.traces: parameter 'population' = 'R'"});
}

// The first part of a value (mean, low, value, item 0) sets its unit: a wrong first part is named, not the next
// part that disagrees with it (a uniform's low in ms was reported as its high "expected a time").
TEST(SpecErrors, TheDistributionPartInTheWrongUnitIsNamed) {
  expect_contains(error_of<parameter_error>(spec_with(
                      R"(, "initial": {"V": {"distribution": "uniform", "low": "0 ms", "high": "1 mV"}})")),
                  {"initial.V.low' = 0 ms: expected a voltage"});
  expect_contains(error_of<parameter_error>(spec_with(R"(, "initial": {"V": ["0 mV", "1 mV", "2 ms"]})")),
                  {"initial.V[2]' = 2 ms: expected a voltage", "the unit of initial.V[0]"});
  // a projection's weight takes its unit from the receptor: the parts must agree with the first
  const std::string projection = R"("projections": [{"source": "P", "target": "P", "rule": {"kind": "all_to_all"},
    "weight": {"distribution": "normal", "mean": "1 mV", "std": "0.1 ms"}}], )";
  expect_contains(error_of<parameter_error>(spec_with("", projection)),
                  {"weight.std' = 0.1 ms: expected a voltage", "the unit of weight.mean"});
}

// A distribution's fields are checked: "sd" for "std" was ignored (and a missing "std" gave nlohmann's "key 'std'
// not found" with no place).
TEST(SpecErrors, DistributionFieldsAreChecked) {
  expect_contains(
      error_of<parameter_error>(
          spec_with(R"(, "initial": {"V": {"distribution": "normal", "mean": "0 mV", "std": "1 mV", "sd": "3 mV"}})")),
      {"V.sd' = \"3 mV\"", "normal distribution", "mean, std, low, high"});
  expect_contains(error_of<parameter_error>(
                      spec_with(R"(, "initial": {"V": {"distribution": "uniform", "low": "0 mV", "hihg": "1 mV"}})")),
                  {"V.hihg'", "low, high"});
  expect_contains(error_of<spec_error>(spec_with(R"(, "initial": {"V": {"distribution": "normal", "mean": "0 mV"}})")),
                  {"missing required field 'std'"});
}

// A trace interval of 0 or less silently meant "every step"; one of 1e300 ms was cast to a 32-bit step count (UB).
TEST(SpecErrors, TraceIntervalIsPositiveAndFitsTheRecord) {
  auto traced = [](const std::string& interval) {
    return spec_with(
        "", R"("record": {"traces": [{"population": "P", "variables": ["V"], "interval": )" + interval + "}]}, ");
  };
  expect_contains(error_of<parameter_error>(traced("\"0 ms\"")), {"'interval' = \"0 ms\"", "a positive time"});
  expect_contains(error_of<parameter_error>(traced("\"-1 ms\"")), {"'interval' = \"-1 ms\""});
  loaded_spec s = load_spec_text(traced("\"1e300 ms\""));
  simulator sim(*s.net);
  try {
    sim.record_trace(s.record_traces[0]);
    FAIL() << "no error";
  } catch (const parameter_error& e) {
    expect_contains(e.what(), {"'interval' = 1e+300 ms", "at most 2^32 - 1 steps"});
  }
}

// The same variable traced twice ran to the end, then write_hdf5 refused the file (and the CSV was never written).
TEST(SpecErrors, VariableTracedTwiceIsRefusedBeforeTheRun) {
  const auto m = error_of<parameter_error>(
      spec_with("", R"("record": {"traces": [{"population": "P", "variables": ["V"], "neurons": [0]},
                                  {"population": "P", "variables": ["V"], "neurons": [1]}]}, )"));
  expect_contains(m, {"record.traces of 'P'", "'variables' = 'V'", "traced once"});
}

// run(1e308 ms) overflowed llround and ran "forever"; past 2^32 steps the record's step_t spike steps wrap.
TEST(ApiErrors, RunPastTheRecordsStepRangeIsRefused) {
  network net;
  net.add_population<models::LIF>("N", 3);
  simulator sim(net);
  for (double ms : {1e308, 5e8}) try {
      sim.run(units::time_q(ms));
      FAIL() << ms << " ms: no error";
    } catch (const parameter_error& e) {
      expect_contains(e.what(), {"'duration'", "at most 429496729.5 ms", "2^32 - 1 steps"});
    }
  EXPECT_NO_THROW(sim.run(1.0_ms));
}

TEST(ApiErrors, ThreadsAboveTheLimit) {
  network net;
  net.add_population<models::LIF>("N", 3);
  run_options o;
  o.threads = 100000;  // libgomp segfaults creating them
  try {
    simulator sim(net, o);
    FAIL() << "no error";
  } catch (const parameter_error& e) {
    expect_contains(e.what(), {"'threads' = 100000", "0 (default: all) to 1024"});
  }
}

namespace {
nlohmann::json small_training() {
  return nlohmann::json::parse(
      R"({"dt": "1 ms", "steps": 5, "data": {"name": "yin_yang", "train": 16, "validation": 0, "test": 8},
    "layers": [{"name": "h", "model": "LIF", "size": 4, "inputs": [{"from": "input"}]},
               {"name": "out", "model": "LeakyRateReadout", "size": 3, "inputs": [{"from": "h"}]}],
    "training": {"epochs": 1, "batch": 8}})");
}
template <class E>
std::string train_error_of(const nlohmann::json& j) {
  try {
    train::train_spec s = train::parse_train_spec(j, "t");
    train::build_network(s, 5, 3);
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("WRONG TYPE: ") + e.what();
  }
  return "NO ERROR";
}
}  // namespace

TEST(TrainSpecErrors, ValidSmallSpecBuilds) { EXPECT_EQ(train_error_of<user_error>(small_training()), "NO ERROR"); }

// Integers outside the field's type were wrapped: 4294967297 epochs trained 1.
TEST(TrainSpecErrors, IntegersAreNotWrapped) {
  auto j = small_training();
  j["training"]["epochs"] = 4294967297LL;
  expect_contains(train_error_of<parameter_error>(j), {"'epochs' = 4294967297", "up to 2147483647"});
  j = small_training();
  j["training"]["threads"] = 5000;
  expect_contains(train_error_of<parameter_error>(j), {"'threads' = 5000", "0 (all) to 1024"});
}

// A layer that is not an object, a name that is not a string and a flag that is not a bool were nlohmann's
// type_error, reported as an "internal error" (exit 3).
TEST(TrainSpecErrors, WrongJsonTypesInLayersNameTheParameter) {
  auto j = small_training();
  j["layers"][0] = "h";
  expect_contains(train_error_of<spec_error>(j), {"layer 0: expected an object", "\"h\""});
  j = small_training();
  j["layers"][1]["name"] = 2;
  expect_contains(train_error_of<parameter_error>(j), {"layer 1", "'name' = 2", "a string"});
  j = small_training();
  j["layers"][0]["inputs"][0]["sparse"] = "yes";
  expect_contains(train_error_of<parameter_error>(j), {"input 0", "'sparse' = \"yes\"", "true or false"});
  j = small_training();
  j["layers"][0]["train_bias"] = 1;
  expect_contains(train_error_of<parameter_error>(j), {"'train_bias' = 1", "true or false"});
}

TEST(TrainSpecErrors, LayerSizeAboveThePopulationLimit) {
  auto j = small_training();
  j["layers"][0]["size"] = 10000000000000000000ull;
  expect_contains(train_error_of<parameter_error>(j),
                  {"layer 0", "'size' = 10000000000000000000", "at most 4000000000"});
}

// A negative "sd" was taken as "not given" (the default initialisation) without a word.
TEST(TrainSpecErrors, NegativeInitialWeightSpread) {
  auto j = small_training();
  j["layers"][1]["inputs"][0]["sd"] = -0.1;
  expect_contains(train_error_of<parameter_error>(j), {"'sd' = -0.1", ">= 0"});
}

}  // namespace test_errors
