// Spikes of multiplicity m > 1 at NEST's recorders and correlation devices, against NEST 3.10
// (tests/reference/nest_multiplicity.json, made by tools/nest_reference/make_multiplicity_references.py): NEST's
// spike exchange passes a parrot_neuron's or a spike_train_injector's spike of multiplicity m on as m spikes, so a
// spike_recorder writes m events and a correlation device counts m events. volley's record keeps the count beside
// each recorded spike (spike_record::multiplicity); the layer unrolls it. Counts through static and short-term
// plastic synapses: m weight events and m jumps, as in NEST. Also: gif_pop_psc_exp's population spikes
// at a spike_recorder against its own n_events, and the record's multiplicity column.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "engine/network.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "models/model_list.hpp"
#include "tests/support/nest_parrot_case.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_multiplicity {

using namespace volley;
using nest::json;

namespace {

const json& reference() {
  static const json ref = [] {
    std::ifstream in(std::string(VOLLEY_SOURCE_DIR) + "/tests/reference/nest_multiplicity.json");
    if (!in) throw std::runtime_error("cannot read tests/reference/nest_multiplicity.json");
    return json::parse(in);
  }();
  return ref;
}

// (time in steps, sender) of every event, sorted: NEST's spike_recorder writes in its order of delivery (by min_delay
// slice, then sender), volley's GetEvents by time, then sender; the events themselves must be the same.
std::vector<std::tuple<long long, long long>> sorted_events(const json& senders, const json& times, double dt) {
  std::vector<std::tuple<long long, long long>> ev;
  for (std::size_t i = 0; i < senders.size(); ++i)
    ev.emplace_back(std::llround(times[i].get<double>() / dt), senders[i].get<long long>());
  std::sort(ev.begin(), ev.end());
  return ev;
}

TEST(NestMultiplicity, SpikeRecorderWritesEverySpikeOfAMultiplicityAsNest) {
  const json& r = reference().at("recorder");
  const double dt = 0.1;
  nest::kernel k({.resolution_ms = dt, .local_num_threads = 1});
  std::vector<nest::node_collection> gens;
  for (const auto& t : r.at("generators")) gens.push_back(k.create("spike_generator", 1, {{"spike_times", t}}));
  const auto parrots = k.create("parrot_neuron", gens.size());
  for (std::size_t i = 0; i < gens.size(); ++i) k.connect(gens[i], parrots[i], "all_to_all", {{"delay", r.at("delay")}});
  const auto inj = k.create("spike_train_injector", r.at("injectors").size());
  for (std::size_t i = 0; i < r.at("injectors").size(); ++i) k.set_status(inj[i], r.at("injectors")[i]);
  const auto sr = k.create("spike_recorder");
  k.connect(parrots, sr);
  k.connect(inj, sr);
  k.simulate(r.at("simulate").get<double>());
  const json ev = k.get_events(sr);
  const auto got = sorted_events(ev.at("senders"), ev.at("times"), dt);
  const auto want = sorted_events(r.at("senders"), r.at("times"), dt);
  EXPECT_EQ(got, want);
  // the reference has spikes of multiplicity 2, 3 and 4 from parrots and injectors
  std::map<std::tuple<long long, long long>, int> m;
  for (const auto& e : want) ++m[e];
  int most = 0;
  for (const auto& [e, n] : m) most = std::max(most, n);
  EXPECT_EQ(most, 4);
  EXPECT_EQ(want.size(), 29u);
}

// A spike_train_injector's and a parrot's counts through static, tsodyks, tsodyks2, bernoulli (p_transmit 1) and a
// copied static synapse: NEST passes a count of m on as m events, so short-term plasticity jumps m times at the same
// time (the second of two spikes meets the depleted resources of the first) and a weight_recorder writes m events,
// in NEST's order of delivery: by min_delay slice, sender, time, synapse model id, spike, connection. Planted bugs,
// each caught (then removed): one jump per count delivering the efficacy times m (V_m off by 0.038 mV, 70 events of
// 92); a static synapse's count logged as one event of m x weight (63 events); Connect order instead of the
// synapse model id (48 events out of place); time before sender within a slice (46 out of place).
TEST(NestMultiplicity, CountsThroughStaticAndShortTermPlasticSynapsesAsNest) {
  const json& r = reference().at("synapses");
  const double dt = 0.1;
  nest::kernel k({.resolution_ms = dt, .local_num_threads = 1});
  const auto inj = k.create("spike_train_injector", 1, r.at("injector"));
  const auto gen = k.create("spike_generator", 1, {{"spike_times", r.at("parrot_times")}});
  const auto parrot = k.create("parrot_neuron");
  k.connect(gen, parrot, "all_to_all", {{"delay", r.at("parrot_delay")}});
  const auto post = k.create("iaf_psc_exp", 4, r.at("target"));
  const auto wr = k.create("weight_recorder");
  for (const char* model : {"static_synapse", "tsodyks_synapse", "tsodyks2_synapse", "bernoulli_synapse"})
    k.set_defaults(model, {{"weight_recorder", wr.first_id}});
  k.copy_model("static_synapse", "static_copy", {{"weight_recorder", wr.first_id}});
  for (const auto& c : r.at("connections")) {
    json syn = c.at("syn_spec");
    syn["synapse_model"] = c.at("synapse_model");
    syn["delay"] = r.at("delay");
    k.connect(c.at("source") == "injector" ? inj : parrot, post[c.at("target").get<std::size_t>()], "all_to_all", syn);
  }
  const auto mm = k.create("multimeter", 1, {{"record_from", {"V_m"}}, {"interval", dt}});
  k.connect(mm, post);
  k.simulate(r.at("simulate").get<double>());
  ASSERT_EQ(inj.first_id, r.at("ids").at("injector").get<std::uint64_t>());
  ASSERT_EQ(parrot.first_id, r.at("ids").at("parrot").get<std::uint64_t>());
  ASSERT_EQ(post.first_id, r.at("ids").at("targets")[0].get<std::uint64_t>());

  const json& want = r.at("weight_events");
  const json got = k.get_events(wr);
  ASSERT_GE(want.at("times").size(), 80u);  // counts of up to 4 on every synapse model
  EXPECT_EQ(got.at("times").size(), want.at("times").size());
  double worst_w = 0;
  std::size_t misplaced = 0;
  for (std::size_t e = 0; e < std::min(got.at("times").size(), want.at("times").size()); ++e) {
    if (got.at("senders")[e] != want.at("senders")[e] || got.at("targets")[e] != want.at("targets")[e] ||
        std::abs(got.at("times")[e].get<double>() - want.at("times")[e].get<double>()) > 1e-9) {
      if (misplaced++ < 3)
        std::printf("  event %zu: volley (%s, %s, %s), NEST (%s, %s, %s)\n", e, got.at("senders")[e].dump().c_str(),
                    got.at("targets")[e].dump().c_str(), got.at("times")[e].dump().c_str(),
                    want.at("senders")[e].dump().c_str(), want.at("targets")[e].dump().c_str(),
                    want.at("times")[e].dump().c_str());
      continue;
    }
    worst_w = std::max(worst_w, std::abs(got.at("weights")[e].get<double>() - want.at("weights")[e].get<double>()));
  }
  EXPECT_EQ(misplaced, 0u);
  EXPECT_LT(worst_w, 1e-12);

  const json mev = k.get_events(mm);
  double worst_v = 0;
  std::size_t compared = 0;
  for (std::size_t t = 0; t < 4; ++t) {
    std::vector<double> v;
    for (std::size_t i = 0; i < mev.at("senders").size(); ++i)
      if (mev.at("senders")[i].get<std::uint64_t>() == post.first_id + t) v.push_back(mev.at("V_m")[i].get<double>());
    const json& nest_v = r.at("V_m")[t];  // NEST's multimeter lags a min_delay slice behind: a prefix of volley's
    EXPECT_GE(nest_v.size(), 180u);
    EXPECT_LE(nest_v.size(), v.size()) << "target " << t;
    for (std::size_t i = 0; i < std::min(v.size(), nest_v.size()); ++i, ++compared)
      worst_v = std::max(worst_v, std::abs(v[i] - nest_v[i].get<double>()));
  }
  std::printf("  %zu weight events (NEST %zu), worst |w - NEST| %.3g; %zu V_m values, worst |V_m - NEST| %.3g mV\n",
              got.at("times").size(), want.at("times").size(), worst_w, compared, worst_v);
  EXPECT_LT(worst_v, 1e-9);
}

TEST(NestMultiplicity, CorrelationDevicesCountEverySpikeOfAMultiplicityAsNest) {
  const json& cases = reference().at("detector_cases");
  ASSERT_EQ(cases.size(), 6u);
  for (const auto& c : cases) nest_parrot::expect_parrot_case_equals_nest(c);
}

TEST(NestMultiplicity, GifPopSpikesAtARecorderEqualItsEventCount) {
  // gif_pop_psc_exp sends its population's n(t) spikes of a step as one spike of multiplicity n(t)
  const double dt = 0.5;
  nest::kernel k({.resolution_ms = dt, .rng_seed = 5});
  const auto pop = k.create("gif_pop_psc_exp", 1, {{"N", 400}, {"I_e", 300.0}});
  const auto mm = k.create("multimeter", 1, {{"record_from", {"n_events"}}, {"interval", dt}});
  const auto sr = k.create("spike_recorder");
  k.connect(mm, pop);
  k.connect(pop, sr);
  k.simulate(150.0);
  const auto n = k.get_events(mm).at("n_events").get<std::vector<double>>();
  const json ev = k.get_events(sr);
  std::map<long long, double> per_step;
  for (const auto& t : ev.at("times")) per_step[std::llround(t.get<double>() / dt) - 1] += 1;
  double total = 0, most = 0;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const double recorded = per_step.count(static_cast<long long>(i)) ? per_step[static_cast<long long>(i)] : 0.0;
    ASSERT_EQ(recorded, n[i]) << "step " << i;
    total += n[i];
    most = std::max(most, n[i]);
  }
  EXPECT_GT(total, 100);
  EXPECT_GE(most, 2);
}

TEST(NestMultiplicity, RecordKeepsTheCountOfCountModelsOnly) {
  using namespace units::literals;
  network net(network_options{.dt = 0.1_ms, .seed = 3});
  net.add_population<models::parrot_neuron>("P", 1);
  net.add_population<models::iaf_psc_alpha>("I", 1, [] {
    auto p = models::iaf_psc_alpha::defaults();
    p.I_e = units::current_q(800.0);  // pA: spikes regularly
    return p;
  }());
  // arrivals at 1.0 (twice), 2.0 (once), 3.5 (three times)
  net.add_spike_times("P", {1.0, 1.0, 2.0, 3.5, 3.5, 3.5}, units::dimensionless_q(1.0), "spikes", 0.1_ms);
  run_options o;
  o.backend = backend_kind::cpu;
  simulator sim(net, o);
  sim.record_spikes("P");
  sim.record_spikes("I");
  sim.run(30.0_ms);
  const auto& p = sim.record().spikes[0];
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.multiplicity, (std::vector<std::uint32_t>{2, 1, 3}));
  EXPECT_EQ(p.spikes_at(2), 3u);
  const auto& i = sim.record().spikes[1];
  EXPECT_GT(i.size(), 0u);
  EXPECT_TRUE(i.multiplicity.empty());  // one spike per entry
  EXPECT_EQ(i.spikes_at(0), 1u);
}

}  // namespace

}  // namespace test_nest_multiplicity
