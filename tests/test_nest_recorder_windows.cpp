// NEST's recording windows (origin, start, stop) of spike_recorder, multimeter, voltmeter and weight_recorder
// against NEST 3.10 (tests/reference/nest_recorder_windows.json, made by
// tools/nest_reference/make_recorder_window_references.py): an event of time t (a spike's stamp, a sample's time)
// is recorded when origin + start < t <= origin + stop, set at Create or by SetStatus, over two Simulate calls.
// Also the recorders' defaults (voltmeter's interval is 1 ms) and NEST's refusals of windows off the grid.
// Planted bugs, each caught (then removed): the window closed at the start ([start, stop]: the spike at 21.8 ms of
// the start = 21.8 recorder, a sample at 2.0 ms); origin ignored (the origin = 5 recorder and the origin = 0.3
// multimeter); voltmeter's interval 0.1 ms (its default samples).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_recorder_windows {

using namespace volley;
using nest::json;

namespace {

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_recorder_windows");
  return ref;
}

struct recorders {
  std::vector<nest::node_collection> spikes, multimeters, weights;
  nest::node_collection voltmeter, voltmeter_default, neurons;
};

// The reference's network through the NEST layer, simulated as NEST was.
recorders run_reference(nest::kernel& k) {
  const json& r = reference();
  recorders out;
  out.neurons = k.create("iaf_psc_alpha", 2, r.at("neuron"));
  const auto inj = k.create("spike_train_injector", 1, r.at("injector"));
  for (const auto& s : r.at("spike_recorders")) {
    const bool by_set_status = s.at("set_by_set_status").get<bool>();
    out.spikes.push_back(k.create("spike_recorder", 1, by_set_status ? json::object() : s.at("window")));
    if (by_set_status) k.set_status(out.spikes.back(), s.at("window"));
    k.connect(out.neurons, out.spikes.back());
  }
  for (const auto& m : r.at("multimeters")) {
    json p = m.at("params");
    p.update(m.at("window"));
    p["record_from"] = {"V_m"};
    out.multimeters.push_back(k.create("multimeter", 1, p));
    k.connect(out.multimeters.back(), out.neurons);
  }
  json vp = r.at("voltmeter").at("params");
  vp.update(r.at("voltmeter").at("window"));
  out.voltmeter = k.create("voltmeter", 1, vp);
  k.connect(out.voltmeter, out.neurons[1]);
  out.voltmeter_default = k.create("voltmeter");
  k.connect(out.voltmeter_default, out.neurons[1]);
  for (std::size_t i = 0; i < r.at("weight_recorders").size(); ++i) {
    const json& w = r.at("weight_recorders")[i];
    out.weights.push_back(k.create("weight_recorder", 1, w.at("window")));
    const std::string model = "static_wr" + std::to_string(i);
    k.copy_model("static_synapse", model, {{"weight_recorder", out.weights.back().first_id}});
    k.connect(inj, out.neurons[0], "all_to_all", {{"synapse_model", model}, {"weight", w.at("weight")}, {"delay", 1.0}});
  }
  for (const auto& t : r.at("simulate")) k.simulate(t.get<double>());
  return out;
}

void expect_same_list(const json& got, const json& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what << ": volley " << got.dump() << ", NEST " << want.dump();
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i].get<double>(), want[i].get<double>(), tol) << what << " entry " << i;
}

// NEST's multimeter delivers its samples one min_delay slice late: its record is a prefix of volley's.
void expect_prefix(const json& got, const json& want, double tol, const std::string& what) {
  ASSERT_LE(want.size(), got.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i].get<double>(), want[i].get<double>(), tol) << what << " entry " << i;
}

TEST(NestRecorderWindows, EveryRecorderRecordsItsWindowAsNest) {
  const json& r = reference();
  nest::kernel k({.resolution_ms = r.at("dt").get<double>(), .local_num_threads = 1});
  const recorders rec = run_reference(k);
  ASSERT_EQ(rec.neurons.first_id, r.at("neuron_ids")[0].get<std::uint64_t>());

  std::size_t windowed = 0;
  for (std::size_t i = 0; i < rec.spikes.size(); ++i) {
    const json& want = r.at("spike_recorders")[i];
    const json got = k.get_events(rec.spikes[i]);
    const std::string what = "spike_recorder " + want.at("window").dump();
    expect_same_list(got.at("times"), want.at("times"), 1e-9, what);
    expect_same_list(got.at("senders"), want.at("senders"), 0, what);
    EXPECT_EQ(k.get_status(rec.spikes[i]).at("n_events").get<std::size_t>(), want.at("n_events").get<std::size_t>());
    if (want.at("n_events") < r.at("spike_recorders")[0].at("n_events")) ++windowed;
  }
  EXPECT_EQ(windowed, 3u);  // every window leaves spikes out

  for (std::size_t i = 0; i < rec.multimeters.size(); ++i) {
    const json& want = r.at("multimeters")[i];
    const json got = k.get_events(rec.multimeters[i]);
    const std::string what = "multimeter " + want.at("window").dump();
    expect_prefix(got.at("times"), want.at("times"), 1e-9, what);
    expect_prefix(got.at("V_m"), want.at("V_m"), 1e-9, what);
    EXPECT_GE(want.at("times").size(), 8u) << what;
  }
  const json& vw = r.at("voltmeter");
  expect_same_list(k.get_events(rec.voltmeter).at("times"), vw.at("times"), 1e-9, "voltmeter");
  expect_same_list(k.get_events(rec.voltmeter).at("V_m"), vw.at("V_m"), 1e-9, "voltmeter");
  expect_prefix(k.get_events(rec.voltmeter_default).at("times"), r.at("voltmeter_default").at("times"), 1e-9,
                "voltmeter with NEST's defaults");

  for (std::size_t i = 0; i < rec.weights.size(); ++i) {
    const json& want = r.at("weight_recorders")[i];
    const json got = k.get_events(rec.weights[i]);
    const std::string what = "weight_recorder " + want.at("window").dump();
    expect_same_list(got.at("times"), want.at("times"), 1e-9, what);
    expect_same_list(got.at("weights"), want.at("weights"), 1e-12, what);
  }
}

TEST(NestRecorderWindows, DefaultsAsNest) {
  nest::kernel k({.resolution_ms = 0.1});
  for (const auto& [model, defaults] : reference().at("defaults").items()) {
    const json status = k.get_status(k.create(model));
    for (const auto& [key, value] : defaults.items()) {
      ASSERT_TRUE(status.contains(key)) << model << " has no " << key;
      EXPECT_EQ(status.at(key), value) << model << "." << key;
    }
  }
}

TEST(NestRecorderWindows, WindowsOffTheGridAndStopBeforeStartAreRefused) {
  const json& errors = reference().at("errors");
  ASSERT_TRUE(errors.at("offgrid_start").is_string());  // NEST refuses each
  ASSERT_TRUE(errors.at("offgrid_origin").is_string());
  ASSERT_TRUE(errors.at("stop_before_start").is_string());
  const auto refused = [](const json& params, const std::string& key) {
    nest::kernel k({.resolution_ms = 0.1});
    try {
      k.create("spike_recorder", 1, params);
    } catch (const parameter_error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused({{"start", 0.05}}, "start"));
  EXPECT_TRUE(refused({{"origin", 1.23}}, "origin"));
  EXPECT_TRUE(refused({{"start", 5.0}, {"stop", 2.0}}, "stop"));
  EXPECT_TRUE(refused({{"stop", 2.05}}, "stop"));
  EXPECT_FALSE(refused({{"origin", 1.2}, {"start", 0.3}, {"stop", 2.0}}, ""));
}

}  // namespace

}  // namespace test_nest_recorder_windows
