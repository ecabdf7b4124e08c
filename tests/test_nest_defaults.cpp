// GetStatus of every NEST neuron model the layer offers against NEST 3.10's (tests/reference/nest_neuron_defaults.json,
// made by tools/nest_reference/make_neuron_default_references.py): each numeric parameter and state NEST reports on
// a fresh node at 0.1 ms that volley reports too must be NEST's value (NEST's names, defaults and units), before
// the first Simulate and after it; a value set at Create comes back. Planted bugs caught: defaults reported in
// volley's units (astrocyte_lr_1994's concentrations 1000x off); states overwriting a parameter of the same name
// (iaf_chxk_2008's g_ahp: 0 instead of 443.8 nS).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "host/nest_layer.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_defaults {

using namespace volley;
using nest::json;

namespace {

const json& reference() {
  static const json ref = nest_ref::load_reference("nest_neuron_defaults");
  return ref;
}

bool close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

// The values of `status` (one per node) that NEST's defaults name: how many agree, and the first that does not.
struct comparison {
  std::size_t checked = 0;
  std::string first_difference;
};
comparison compare(const std::string& model, const json& status, const json& nest_values) {
  comparison c;
  for (const auto& [key, want] : nest_values.items()) {
    if (!status.contains(key)) continue;
    const json& all = status.at(key);
    const json& got = all.is_array() && !all.empty() ? all.at(0) : all;  // the first node
    bool same = false;
    if (want.is_array()) {
      same = got.is_array() && got.size() == want.size();
      for (std::size_t i = 0; same && i < want.size(); ++i) same = close(got[i].get<double>(), want[i].get<double>());
    } else {
      same = got.is_number() && close(got.get<double>(), want.get<double>());
    }
    ++c.checked;
    if (!same && c.first_difference.empty())
      c.first_difference = model + "." + key + ": volley " + got.dump() + ", NEST " + want.dump();
  }
  return c;
}

}  // namespace

TEST(NestDefaults, GetStatusGivesNestsDefaultsBeforeAndAfterTheFirstSimulate) {
  std::size_t checked = 0, models = 0;
  for (const auto& [model, values] : reference().at("models").items()) {
    nest::kernel k({.resolution_ms = reference().at("resolution").get<double>(), .local_num_threads = 1});
    const auto n = k.create(model, 2);
    const comparison before = compare(model, k.get_status(n), values);
    EXPECT_TRUE(before.first_difference.empty()) << before.first_difference;
    checked += before.checked;
    ++models;
    if (model == "cm_default") continue;  // needs compartments to run
    k.simulate(0.0);  // built: parameters from the plan, states from the population
    const comparison after = compare(model, k.get_status(n), values);
    EXPECT_TRUE(after.first_difference.empty()) << "after Simulate(0): " << after.first_difference;
  }
  EXPECT_GE(models, 70u);
  EXPECT_GE(checked, 900u);
  std::printf("%zu NEST defaults of %zu neuron models equal to NEST 3.10's\n", checked, models);
}

TEST(NestDefaults, ValuesSetAtCreateAndBySetStatusComeBack) {
  nest::kernel k({.resolution_ms = 0.1});
  const auto n = k.create("iaf_psc_alpha", 3, {{"I_e", 120.0}, {"V_m", -60.0}});
  k.set_status(n[1], {{"tau_m", 15.0}, {"V_m", -65.0}});
  json s = k.get_status(n);
  EXPECT_EQ(s.at("I_e"), json::array({120.0, 120.0, 120.0}));
  EXPECT_EQ(s.at("tau_m"), json::array({10.0, 15.0, 10.0}));
  EXPECT_EQ(s.at("V_m"), json::array({-60.0, -65.0, -60.0}));
  k.simulate(0.0);
  s = k.get_status(n);
  EXPECT_EQ(s.at("tau_m"), json::array({10.0, 15.0, 10.0}));
  EXPECT_EQ(s.at("V_m"), json::array({-60.0, -65.0, -60.0}));
  nest::kernel k2({.resolution_ms = 0.1});
  const auto astro = k2.create("astrocyte_lr_1994", 1);  // concentrations in µM, as NEST's
  EXPECT_NEAR(k2.get_status(astro).at("IP3_0")[0].get<double>(),
              reference().at("models").at("astrocyte_lr_1994").at("IP3_0").get<double>(), 1e-12);
}

}  // namespace test_nest_defaults
