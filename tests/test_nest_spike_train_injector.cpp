// NEST's spike_train_injector (models/spike_train_injector.hpp, host/nest_injector.cpp) in the NEST layer, against
// NEST 3.10 (tests/reference/spike_train_injector.json, tools/nest_reference/make_injector_references.py): the V_m
// of iaf_psc_alpha targets at every step through static synapses (multiplicities, origin/start/stop,
// allow_offgrid_times, shift_now_spikes, precise_times), and an stdp_synapse from an injector (every transmitted
// weight, the post neuron's spikes and V_m); plus NEST's parameter checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_spike_train_injector {

using namespace volley;
using nest::json;

namespace {

json load() {
  std::ifstream in(std::string(VOLLEY_SOURCE_DIR) + "/tests/reference/spike_train_injector.json");
  EXPECT_TRUE(in) << "tests/reference/spike_train_injector.json";
  return json::parse(in);
}

// The largest |mine - NEST| over NEST's samples (NEST's multimeter keeps back its last min_delay of data).
double worst_difference(const std::vector<double>& mine, const json& want) {
  EXPECT_GE(mine.size(), want.size());
  double worst = 0;
  for (std::size_t s = 0; s < want.size() && s < mine.size(); ++s)
    worst = std::max(worst, std::abs(mine[s] - want[s].get<double>()));
  return worst;
}

}  // namespace

TEST(NestSpikeTrainInjector, StaticSynapsesMatchNest) {
  const json ref = load();
  const json& r = ref.at("static");
  const double dt = ref.at("resolution").get<double>();
  nest::kernel k({.resolution_ms = dt, .rng_seed = 1, .local_num_threads = 1});
  const auto n = r.at("injectors").size();
  auto inj = k.create("spike_train_injector", n);
  for (std::size_t i = 0; i < n; ++i) k.set_status(inj[i], r.at("injectors")[i]);
  auto tgt = k.create("iaf_psc_alpha", n);
  for (std::size_t i = 0; i < n; ++i) k.connect(inj[i], tgt[i], "all_to_all", r.at("synapses")[i]);
  auto mm = k.create("multimeter", 1, {{"record_from", {"V_m"}}, {"interval", dt}});
  k.connect(mm, tgt);
  k.simulate(r.at("t_sim_ms").get<double>());
  const json ev = k.get_events(mm);
  std::vector<std::vector<double>> v(n);
  for (std::size_t e = 0; e < ev.at("senders").size(); ++e)
    v[ev.at("senders")[e].get<std::uint64_t>() - tgt.first_id].push_back(ev.at("V_m")[e].get<double>());
  for (std::size_t i = 0; i < n; ++i) {
    const double d = worst_difference(v[i], r.at("V_m")[i]);
    std::printf("  injector %zu (%s): worst |V_m - NEST| %.3g mV over %zu steps\n", i,
                r.at("injectors")[i].dump().c_str(), d, r.at("V_m")[i].size());
    EXPECT_LT(d, 1e-6) << "injector " << i;
  }
}

TEST(NestSpikeTrainInjector, StdpSynapseFromInjectorMatchesNest) {
  const json ref = load();
  const json& r = ref.at("stdp");
  const double dt = ref.at("resolution").get<double>();
  nest::kernel k({.resolution_ms = dt, .rng_seed = 1, .local_num_threads = 1});
  auto inj = k.create("spike_train_injector", 1,
                      {{"spike_times", r.at("pre_times")}, {"spike_multiplicities", r.at("pre_multiplicities")}});
  auto post = k.create("iaf_psc_alpha", 1, r.at("post"));
  auto wr = k.create("weight_recorder");
  k.copy_model("stdp_synapse", "stdp_rec", {{"weight_recorder", wr.first_id}});
  json syn = r.at("synapse");
  syn["synapse_model"] = "stdp_rec";
  k.connect(inj, post, "all_to_all", syn);
  auto mm = k.create("multimeter", 1, {{"record_from", {"V_m"}}, {"interval", dt}});
  k.connect(mm, post);
  auto sr = k.create("spike_recorder");
  k.connect(post, sr);
  k.simulate(r.at("t_sim_ms").get<double>());

  const json spikes = k.get_events(sr);
  std::printf("  post spikes %s\n  NEST %s\n", spikes.at("times").dump().c_str(), r.at("post_spike_times").dump().c_str());
  ASSERT_EQ(spikes.at("times").size(), r.at("post_spike_times").size());
  for (std::size_t s = 0; s < spikes.at("times").size(); ++s)
    EXPECT_NEAR(spikes.at("times")[s].get<double>(), r.at("post_spike_times")[s].get<double>(), 1e-9) << s;

  // NEST unrolls a spike of multiplicity m into m spikes, each running the rule, and its weight_recorder writes m
  // events with the m weights; so does volley
  std::vector<std::pair<double, double>> want;
  for (std::size_t e = 0; e < r.at("weights").size(); ++e)
    want.emplace_back(r.at("weight_times")[e].get<double>(), r.at("weights")[e].get<double>());
  ASSERT_EQ(want.size(), 50u);  // 40 spikes, 10 of multiplicity 2
  const json w = k.get_events(wr);
  ASSERT_EQ(w.at("times").size(), want.size());
  double worst_w = 0;
  for (std::size_t e = 0; e < want.size(); ++e) {
    EXPECT_NEAR(w.at("times")[e].get<double>(), want[e].first, 1e-9) << e;
    worst_w = std::max(worst_w, std::abs(w.at("weights")[e].get<double>() - want[e].second));
  }
  const double final_w = k.get_connections(inj, post).at("weight")[0].get<double>();
  const double worst_v = worst_difference(k.get_events(mm).at("V_m").get<std::vector<double>>(), r.at("V_m"));
  std::printf(
      "  stdp: %zu weight events, worst |w - NEST| %.3g pA, final %.9g (NEST %.9g); %zu post spikes; worst "
      "|V_m - NEST| %.3g mV\n",
      w.at("times").size(), worst_w, final_w, r.at("final_weight").get<double>(), spikes.at("times").size(), worst_v);
  EXPECT_LT(worst_w, 1e-9);
  EXPECT_NEAR(final_w, r.at("final_weight").get<double>(), 1e-9);
  EXPECT_LT(worst_v, 1e-6);
}

// NEST's checks (spike_train_injector::Parameters_::set), made at SetStatus.
TEST(NestSpikeTrainInjector, RefusesWhatNestRefuses) {
  nest::kernel k({.resolution_ms = 0.1});
  auto inj = k.create("spike_train_injector");
  const auto refused = [&](const json& p, const std::string& name) {
    try {
      k.set_status(inj, p);
      ADD_FAILURE() << p.dump() << " accepted";
    } catch (const parameter_error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  refused({{"spike_times", {1.0, 0.5}}}, "spike_times[1]");
  refused({{"spike_times", {0.0}}}, "spike_times[0]");
  refused({{"spike_times", {1.05}}}, "spike_times[0]");
  refused({{"start", 0.05}}, "start");
  refused({{"start", 5.0}, {"stop", 2.0}}, "stop");
  refused({{"precise_times", true}, {"allow_offgrid_times", true}}, "precise_times");
  refused({{"spike_times", {1.0, 2.0}}, {"spike_multiplicities", {1}}}, "spike_multiplicities");
  refused({{"spike_times", {1.0}}, {"spike_multiplicities", {-1}}}, "spike_multiplicities[0]");
  refused({{"V_m", 1.0}}, "V_m");
  k.set_status(inj, {{"spike_times", {1.0, 2.0}}});
  refused({{"allow_offgrid_times", true}}, "allow_offgrid_times");  // flags only together with spike_times
  k.set_status(inj, {{"allow_offgrid_times", true}, {"spike_times", {1.05}}});
  const json st = k.get_status(inj);
  EXPECT_EQ(st.at("spike_times")[0], json::array({1.05}));
  EXPECT_EQ(st.at("allow_offgrid_times")[0], true);
}

}  // namespace test_nest_spike_train_injector
