// cont_delay_synapse in volley's NEST layer (host/nest_cont_delay.cpp) against NEST 3.10
// (tools/nest_reference/make_cont_delay_references.py): a parrot_neuron's spikes through copies of
// cont_delay_synapse with default delays 1.25 ms (off the grid), 1.5 ms and 0.3 ms (a double 4e-17 ms off the grid)
// and with 1.26 ms in Connect (rounded), onto iaf_psc_alpha, iaf_psc_exp_ps and iaf_psc_alpha_ps, and from a precise
// iaf_psc_exp_ps sender onto iaf_psc_alpha: V_m at every step within 1e-9 of max(1, |NEST|) and identical spike
// times (precise ones within 1e-9 ms). Refused: off-grid delays onto or from precise-time neurons.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "host/nest_layer.hpp"
#include "tests/support/nest_layer_replay.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_cont_delay {

using namespace volley;
using namespace volley::nest_ref;

namespace {

TEST(NestContDelay, GridAndPreciseTargetsMatchNest) { replay_file("cont_delay_synapse", 15, 1e-9); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(NestContDelay, OffGridDelayIsTheNextWholeStepForGridTargets) {
  // one spike at 2 ms through cont_delay 1.25 ms and static 1.3 ms: the same V_m trace in NEST (measured), and
  // GetConnections reports the continuous delay (NEST: delay steps x h - delay_offset)
  auto trace = [](const json& syn, bool copy) {
    nest::kernel k;
    if (copy) k.copy_model("cont_delay_synapse", "cd", {{"delay", 1.25}});
    const auto sg = k.create("spike_generator", 1, {{"spike_times", {2.0}}});
    const auto p = k.create("parrot_neuron");
    const auto n = k.create("iaf_psc_alpha");
    k.connect(sg, p);
    k.connect(p, n, "all_to_all", syn);
    const auto mm = k.create("multimeter", 1, {{"interval", 0.1}, {"record_from", {"V_m"}}});
    k.connect(mm, n);
    k.simulate(10.0);
    const json conn = k.get_connections(p, n);
    EXPECT_NEAR(conn.at("delay")[0].get<double>(), copy ? 1.25 : syn.at("delay").get<double>(), 1e-12);
    return k.get_events(mm).at("V_m").get<std::vector<double>>();
  };
  const auto cont = trace({{"synapse_model", "cd"}, {"weight", 100.0}}, true);
  EXPECT_EQ(cont, trace({{"weight", 100.0}, {"delay", 1.3}}, false));
  EXPECT_NE(cont, trace({{"weight", 100.0}, {"delay", 1.2}}, false));
}

TEST(NestContDelay, OffGridDelaysOfPreciseNeuronsAreRefused) {
  auto refused = [](const char* pre, const char* post) {
    nest::kernel k;
    k.copy_model("cont_delay_synapse", "cd", {{"delay", 1.25}});
    const std::string e = error_of([&] {
      k.connect(k.create(pre), k.create(post), "all_to_all", {{"synapse_model", "cd"}});
      k.simulate(1.0);
    });
    EXPECT_NE(e.find("multiple of the resolution"), std::string::npos) << pre << " -> " << post << ": " << e;
  };
  refused("parrot_neuron", "iaf_psc_exp_ps");
  refused("iaf_psc_alpha", "iaf_psc_alpha_ps");
  refused("iaf_psc_exp_ps", "iaf_psc_alpha");
  nest::kernel k;  // shorter than the resolution
  k.copy_model("cont_delay_synapse", "cd", {{"delay", 0.05}});
  EXPECT_NE(error_of([&] {
              k.connect(k.create("iaf_psc_alpha"), k.create("iaf_psc_alpha"), "all_to_all", {{"synapse_model", "cd"}});
              k.simulate(1.0);
            }).find("delay"),
            std::string::npos);
}

}  // namespace

}  // namespace test_nest_cont_delay
