// Spikes of multiplicity m > 1 at NEST's recorders and correlation devices, against NEST 3.10
// (tests/reference/nest_multiplicity.json, made by tools/nest_reference/make_multiplicity_references.py): NEST's
// spike exchange passes a parrot_neuron's or a spike_train_injector's spike of multiplicity m on as m spikes, so a
// spike_recorder writes m events and a correlation device counts m events. volley's record keeps the count beside
// each recorded spike (spike_record::multiplicity); the layer unrolls it. Also: gif_pop_psc_exp's population spikes
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
