// NEST's correlation devices in the NEST layer (host/nest_correlation.hpp): correlation_detector and
// correlomatrix_detector rebuilt through the layer against NEST 3.10 (tests/reference/nest_detectors.json, made by
// tools/nest_reference/make_detector_references.py) after every Simulate call; spin_detector's and
// correlospinmatrix_detector's decoders fed with NEST's own transitions; Poisson-driven parrots against an
// all-pairs count written here and against NEST's statistics; binary neurons through the layer against the
// transitions of their state S; parameter and connection errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_correlation.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "tests/support/multimeter_order.hpp"
#include "tests/support/nest_parrot_case.hpp"
#include "models/registry.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_detectors {

using namespace volley;
using nest::json;
using namespace volley::nest_parrot;

namespace {

const json& reference() {
  static const json ref = [] {
    std::ifstream in(std::string(VOLLEY_SOURCE_DIR) + "/tests/reference/nest_detectors.json");
    if (!in) throw std::runtime_error("cannot read tests/reference/nest_detectors.json");
    return json::parse(in);
  }();
  return ref;
}

}  // namespace

TEST(NestDetectors, ParrotCasesEqualNestAfterEverySimulate) {
  const json& ref = reference();
  ASSERT_GE(ref.at("parrot_cases").size(), 10u);
  for (const auto& c : ref.at("parrot_cases")) expect_parrot_case_equals_nest(c);
}

TEST(NestDetectors, ReferenceCasesCoverTheTrickyParts) {
  // out-of-order delivery inside a slice, runs ending inside a slice, a reset, Kahan's correction at work
  const json& ref = reference();
  bool split = false, reset = false, correction = false, several_per_port = false, min_delay_long = false;
  for (const auto& c : ref.at("parrot_cases")) {
    split |= c.at("sims").size() > 1;
    reset |= c.contains("reset_after");
    min_delay_long |= c.at("min_delay").get<double>() >= 1.0;
    std::map<int, int> per_port;
    for (const auto& cn : c.at("connections")) ++per_port[cn.at("receptor_type").get<int>()];
    for (const auto& [p, count] : per_port) several_per_port |= count > 1;
    for (const auto& r : c.at("results"))
      if (r.contains("histogram_correction"))
        for (const auto& x : r.at("histogram_correction")) correction |= x.get<double>() != 0;
  }
  EXPECT_TRUE(split && reset && correction && several_per_port && min_delay_long);
}

namespace {
std::vector<nest::detail::detector_input> transitions_of(const json& s) {
  std::vector<nest::detail::detector_input> in;
  const json& t = s.at("transitions");
  const auto first = s.at("first_id").get<std::uint64_t>();
  for (std::size_t k = 0; k < t.at("steps").size(); ++k) {
    nest::detail::detector_input e;
    e.step = t.at("steps")[k].get<std::uint64_t>();
    e.sender = t.at("senders")[k].get<std::uint64_t>();
    e.port = static_cast<std::uint32_t>(e.sender - first);  // neuron i on receptor_type i
    e.connection = e.port;
    e.up = t.at("up")[k].get<int>() == 1;
    in.push_back(e);
  }
  return in;
}
}  // namespace

TEST(NestDetectors, SpinDecodersEqualNestOnNestsTransitions) {
  using namespace nest::detail;
  const json& ref = reference();
  ASSERT_GE(ref.at("spin_streams").size(), 3u);
  for (const auto& s : ref.at("spin_streams")) {
    const std::string name = s.at("name").get<std::string>();
    const double dt = s.at("dt").get<double>();
    const auto m = static_cast<std::uint64_t>(std::llround(s.at("min_delay").get<double>() / dt));
    const auto run_ends = s.at("run_ends").get<std::vector<std::uint64_t>>();
    // spin_detector: NEST's events, in NEST's order, with NEST 3.10's dropped downs
    auto local = transitions_of(s);
    const std::size_t transitions = local.size();
    nest_delivery_order(local, m, run_ends, false);
    const auto events = nest_spin_events(local, detector_timing{});
    const json& want = s.at("spin_events");
    ASSERT_EQ(events.size(), want.at("times").size()) << name;
    for (std::size_t k = 0; k < events.size(); ++k) {
      EXPECT_EQ(events[k].sender, want.at("senders")[k].get<std::uint64_t>()) << name << " event " << k;
      EXPECT_EQ(events[k].stamp, std::llround(want.at("times")[k].get<double>() / dt)) << name << " event " << k;
      EXPECT_EQ(events[k].state, want.at("state")[k].get<int>()) << name << " event " << k;
    }
    // correlospinmatrix_detector: an up transition arrives as two spikes
    std::vector<detector_input> exchanged;
    for (auto e : transitions_of(s)) {
      exchanged.push_back(e);
      if (e.up) {
        e.copy = 1;
        exchanged.push_back(e);
      }
    }
    nest_delivery_order(exchanged, m, run_ends, true);
    const json& p = s.at("params");
    const auto D = std::llround(p.at("delta_tau").get<double>() / dt), tau_max = std::llround(p.at("tau_max").get<double>() / dt);
    correlospin_counts counts(p.at("N_channels").get<std::uint32_t>(), D, tau_max, static_cast<std::int64_t>(m), {});
    for (const auto& e : exchanged) counts.handle(static_cast<std::int64_t>(e.step) + 1, e.port);
    EXPECT_EQ(json(counts.count_covariance), s.at("count_covariance")) << name;
    long long total = 0;
    for (const auto& row : counts.count_covariance)
      for (const auto& v : row)
        for (auto x : v) total += x;
    std::printf("%-16s %zu transitions, %zu spin events (NEST: %zu), count_covariance sum %lld\n", name.c_str(),
                transitions, events.size(), want.at("times").size(), total);
  }
}

namespace {
// Spikes (stamps in steps) of the nodes of a spike_recorder's events, one list per sender.
std::map<std::uint64_t, std::vector<std::int64_t>> stamps_by_sender(const json& events, double dt) {
  std::map<std::uint64_t, std::vector<std::int64_t>> out;
  for (std::size_t k = 0; k < events.at("times").size(); ++k)
    out[events.at("senders")[k].get<std::uint64_t>()].push_back(std::llround(events.at("times")[k].get<double>() / dt));
  return out;
}
}  // namespace

TEST(NestDetectors, PoissonParrotsEqualAllPairsAndNestsStatistics) {
  const json& ref = reference();
  for (const auto& c : ref.at("poisson")) {
    const std::string name = c.at("name").get<std::string>();
    const double dt = 0.1, T = c.at("t_sim_ms").get<double>(), D = c.at("delta_tau").get<double>();
    const double tau_max = c.at("tau_max").get<double>(), t0 = c.at("Tstart").get<double>(), t1 = c.at("Tstop").get<double>();
    const auto rates = c.at("rates_hz").get<std::vector<double>>();
    nest::kernel k({.resolution_ms = dt, .rng_seed = 5, .local_num_threads = 1});
    const auto p = k.create("parrot_neuron", 2);
    if (c.at("p_copy").is_null()) {
      for (int i = 0; i < 2; ++i) k.connect(k.create("poisson_generator", 1, {{"rate", rates[i]}}), p[i], "all_to_all",
                                            {{"delay", 1.0}});
    } else {
      k.connect(k.create("mip_generator", 1, {{"rate", rates[0]}, {"p_copy", c.at("p_copy")}}), p, "all_to_all",
                {{"delay", 1.0}});
    }
    const json params = {{"delta_tau", D}, {"tau_max", tau_max}, {"Tstart", t0}, {"Tstop", t1}};
    const auto det = k.create("correlation_detector", 1, params);
    const auto all = k.create("correlation_detector", 1, {{"delta_tau", D}, {"tau_max", tau_max}});
    for (const auto& d : {det, all}) {
      k.connect(p[0], d, "all_to_all", {{"receptor_type", 0}, {"weight", 0.5}});
      k.connect(p[1], d, "all_to_all", {{"receptor_type", 1}, {"weight", 3.0}});
    }
    const auto sr = k.create("spike_recorder");
    k.connect(p, sr);
    k.simulate(T);

    // all pairs (no Tstart/Tstop), written without NEST's queues: every pair of delivered spikes (stamps up to
    // T - min_delay: the last slice is still in transit) with lag t2 - t1 in [-E, E), E = tau_max + D/2, goes to bin
    // floor((lag + E) / D); its weight is 0.5 * 3
    const auto spikes = stamps_by_sender(k.get_events(sr), dt);
    const std::int64_t last = std::llround((T - 1.0) / dt), Ds = std::llround(D / dt), E2 = 2 * std::llround(tau_max / dt) + Ds;
    std::vector<long long> count(static_cast<std::size_t>(2 * std::llround(tau_max / D) + 1), 0);
    const auto& s1 = spikes.at(p.first_id), &s2 = spikes.at(p.first_id + 1);
    for (auto a : s1) {
      if (a > last) continue;
      for (auto b : s2) {
        if (b > last || 2 * (b - a) < -E2 || 2 * (b - a) >= E2) continue;
        ++count[static_cast<std::size_t>((2 * (b - a) + E2) / (2 * Ds))];
      }
    }
    const json got_all = k.get_status(all);
    EXPECT_EQ(got_all.at("count_histogram"), json(count)) << name;
    double worst = 0;
    for (std::size_t b = 0; b < count.size(); ++b)
      worst = std::max(worst, std::abs(got_all.at("histogram")[b].get<double>() - 1.5 * double(count[b])));
    EXPECT_LE(worst, 1e-9) << name;

    // statistics against NEST: the flat level r1 r2 D (Tstop - Tstart) away from zero lag; mip: the zero-lag excess
    // p_copy^2 rate (Tstop - Tstart)
    const json got = k.get_status(det);
    const auto& nest_counts = c.at("count_histogram");
    const std::size_t centre = count.size() / 2;
    double level = 0, nest_level = 0;
    int bins = 0;
    for (std::size_t b = 0; b < count.size(); ++b) {
      if (b == centre) continue;
      level += got.at("count_histogram")[b].get<double>();
      nest_level += nest_counts[b].get<double>();
      ++bins;
    }
    level /= bins;
    nest_level /= bins;
    const double pc = c.at("p_copy").is_null() ? 1.0 : c.at("p_copy").get<double>();
    const double r1 = rates[0] * 1e-3 * pc, r2 = rates[1] * 1e-3 * pc;  // per ms
    const double expected = r1 * r2 * D * (t1 - t0);
    EXPECT_NEAR(level / expected, 1.0, 0.05) << name << ": volley's flat level";
    EXPECT_NEAR(nest_level / expected, 1.0, 0.05) << name << ": NEST's flat level";
    EXPECT_NEAR(level / nest_level, 1.0, 0.05) << name;
    std::printf("%-12s flat level %.1f per bin (NEST %.1f, expected %.1f)", name.c_str(), level, nest_level, expected);
    if (!c.at("p_copy").is_null()) {
      const double excess = got.at("count_histogram")[centre].get<double>() - level;
      const double nest_excess = nest_counts[centre].get<double>() - nest_level;
      const double want = pc * pc * rates[0] * 1e-3 * (t1 - t0);
      EXPECT_NEAR(excess / want, 1.0, 0.1) << name << ": zero-lag excess";
      EXPECT_NEAR(nest_excess / want, 1.0, 0.1) << name << ": NEST's zero-lag excess";
      std::printf(", zero-lag excess %.0f (NEST %.0f, expected %.0f)", excess, nest_excess, want);
    }
    std::printf("; all pairs equal, worst |histogram - pairs| %.2g\n", worst);
  }
}

TEST(NestDetectors, CorrelomatrixEqualsAllPairsOfPoissonParrots) {
  // three channels, one parrot on two of them: covariance[a][b][bin] sums over pairs with a's spike later by
  // |lag| in ((bin - 1/2) D, (bin + 1/2) D] (D odd in steps: no ties); at bin 0 both [a][b] and [b][a], a spike with
  // itself once, on [a][a][0]
  const double dt = 0.1, T = 20000.0;
  nest::kernel k({.resolution_ms = dt, .rng_seed = 9, .local_num_threads = 1});
  const auto p = k.create("parrot_neuron", 3);
  for (int i = 0; i < 3; ++i)
    k.connect(k.create("poisson_generator", 1, {{"rate", 40.0 + 10 * i}}), p[i], "all_to_all", {{"delay", 0.5}});
  const auto det = k.create("correlomatrix_detector", 1, {{"N_channels", 3}, {"delta_tau", 0.3}, {"tau_max", 3.0}});
  struct link {
    int parrot, channel;
    double weight;
  };
  const std::vector<link> links{{0, 0, 1.0}, {1, 1, 0.5}, {2, 2, 2.0}, {0, 2, 1.5}};
  for (const auto& l : links)
    k.connect(p[l.parrot], det, "all_to_all", {{"receptor_type", l.channel}, {"weight", l.weight}, {"delay", 1.0}});
  const auto sr = k.create("spike_recorder");
  k.connect(p, sr);
  k.simulate(T);
  const auto spikes = stamps_by_sender(k.get_events(sr), dt);
  const std::int64_t last = std::llround((T - 0.5) / dt), Ds = 3, K = 10;  // min_delay 0.5 ms
  struct event {
    std::int64_t t;
    int channel;
    double w;
  };
  std::vector<event> ev;
  for (const auto& l : links)
    for (auto t : spikes.at(p.first_id + l.parrot))
      if (t <= last) ev.push_back({t, l.channel, l.weight});
  std::vector<double> cov(3 * 3 * (K + 1), 0.0);
  std::vector<long long> cnt(cov.size(), 0);
  auto add = [&](int a, int b, std::int64_t bin, double w) {
    cov[(a * 3 + b) * (K + 1) + bin] += w;
    ++cnt[(a * 3 + b) * (K + 1) + bin];
  };
  std::sort(ev.begin(), ev.end(), [](const event& x, const event& y) { return x.t < y.t; });
  for (std::size_t i = 0; i < ev.size(); ++i) {
    add(ev[i].channel, ev[i].channel, 0, ev[i].w * ev[i].w);  // with itself
    for (std::size_t j = i + 1; j < ev.size() && ev[j].t - ev[i].t <= K * Ds + Ds / 2; ++j) {
      const std::int64_t lag = ev[j].t - ev[i].t;
      const std::int64_t bin = (2 * lag + Ds) / (2 * Ds);  // round(lag / D), D odd
      const double w = ev[i].w * ev[j].w;
      if (lag == 0 && ev[i].channel == ev[j].channel) {
        add(ev[i].channel, ev[i].channel, 0, w);
      } else {
        add(ev[j].channel, ev[i].channel, bin, w);
        if (bin == 0) add(ev[i].channel, ev[j].channel, 0, w);
      }
    }
  }
  const json got = k.get_status(det);
  double worst = 0;
  long long pairs = 0;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      for (int bin = 0; bin <= K; ++bin) {
        const std::size_t i = (a * 3 + b) * (K + 1) + bin;
        EXPECT_EQ(got.at("count_covariance")[a][b][bin].get<long long>(), cnt[i]) << a << b << " bin " << bin;
        worst = std::max(worst, std::abs(got.at("covariance")[a][b][bin].get<double>() - cov[i]));
        pairs += cnt[i];
      }
  EXPECT_LE(worst, 1e-9);
  std::printf("correlomatrix: %lld pairs, counts equal to all pairs, worst |covariance - pairs| %.2g\n", pairs, worst);
}

TEST(NestDetectors, BinaryNeuronsThroughTheLayer) {
  if (models::find_neuron_model("ginzburg_neuron") == nullptr)
    GTEST_SKIP() << "ginzburg_neuron is not registered yet (models/binary_neurons.hpp)";
  // spin_detector's events against the transitions of S (a multimeter at every step), correlospinmatrix_detector
  // against the overlaps of the closed on-pulses written here: C[a][b][K + s] = sum over pulses P of a, Q of b of
  // |P and (Q shifted by s D)| (a pulse is closed once the transition after its down has been delivered)
  const double dt = 0.1, T = 2000.0;
  const int n = 3;
  nest::kernel k({.resolution_ms = dt, .rng_seed = 3, .local_num_threads = 1});
  const auto neurons = k.create("ginzburg_neuron", n, {{"tau_m", 2.0}, {"theta", 0.0}, {"c_1", 0.0}, {"c_2", 1.0},
                                                        {"c_3", 1.0}});
  k.connect(neurons, neurons, {{"rule", "all_to_all"}, {"allow_autapses", false}}, {{"weight", -1.0}, {"delay", 1.0}});
  const auto sd = k.create("spin_detector");
  k.connect(neurons, sd);
  const json params = {{"N_channels", n}, {"delta_tau", 0.3}, {"tau_max", 3.0}};
  const auto cs = k.create("correlospinmatrix_detector", 1, params);
  for (int i = 0; i < n; ++i) k.connect(neurons[i], cs, "all_to_all", {{"receptor_type", i}});
  const auto mm = k.create("multimeter", 1, {{"interval", dt}, {"record_from", {"S"}}});
  k.connect(mm, neurons);
  k.simulate(T);
  const json S = k.get_events(mm);
  struct transition {
    std::int64_t stamp;
    int neuron;
    bool up;
  };
  std::vector<transition> tr;
  std::vector<double> before(n, 0.0);
  const auto S_values = nest_ref::sample_major(S, "S");
  for (std::size_t s = 0; s * n < S_values.size(); ++s)
    for (int i = 0; i < n; ++i) {
      const double v = S_values[s * n + i];
      if (v != before[i]) tr.push_back({static_cast<std::int64_t>(s) + 1, i, v > 0.5});
      before[i] = v;
    }
  ASSERT_GT(tr.size(), 100u);
  // spin_detector: NEST's order (min_delay slices of 10 steps, by sender, then time); a down right after a recorded
  // down from the same slice is dropped (NEST 3.10)
  std::vector<transition> order = tr;
  std::stable_sort(order.begin(), order.end(), [](const transition& a, const transition& b) {
    return std::make_tuple((a.stamp - 1) / 10, a.neuron, a.stamp) < std::make_tuple((b.stamp - 1) / 10, b.neuron, b.stamp);
  });
  std::vector<transition> recorded;
  bool down_pending = false;
  std::int64_t pending_slice = -1;
  for (const auto& t : order) {
    const std::int64_t slice = (t.stamp - 1) / 10;
    if (!t.up && down_pending && slice == pending_slice) {
      down_pending = false;
      continue;
    }
    recorded.push_back(t);
    down_pending = !t.up;
    pending_slice = slice;
  }
  const json ev = k.get_events(sd);
  ASSERT_EQ(ev.at("times").size(), recorded.size());
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    EXPECT_EQ(ev.at("senders")[i].get<std::uint64_t>(), neurons.first_id + recorded[i].neuron) << i;
    EXPECT_EQ(std::llround(ev.at("times")[i].get<double>() / dt), recorded[i].stamp) << i;
    EXPECT_EQ(ev.at("state")[i].get<int>(), recorded[i].up ? 1 : 0) << i;
  }
  // correlospinmatrix: pulses closed by a later delivered transition (stamps up to T - min_delay)
  const std::int64_t last = std::llround((T - 1.0) / dt), Ds = 3, K = 10;
  std::vector<transition> delivered;  // in NEST's order of arrival: the last one (a down) stays unconfirmed
  for (const auto& t : order)
    if (t.stamp <= last) delivered.push_back(t);
  struct pulse {
    std::int64_t on, off;
    int channel;
  };
  std::vector<pulse> pulses;
  std::vector<std::int64_t> on(n, -1);
  for (std::size_t i = 0; i + 1 < delivered.size(); ++i) {
    const auto& t = delivered[i];
    if (t.up) on[t.neuron] = t.stamp;
    else if (on[t.neuron] >= 0) pulses.push_back({on[t.neuron], t.stamp, t.neuron});
  }
  std::vector<long long> C(n * n * (2 * K + 1), 0);
  for (const auto& P : pulses)
    for (const auto& Q : pulses)
      for (std::int64_t s = -K; s <= K; ++s) {
        const std::int64_t overlap = std::min(P.off, Q.off + s * Ds) - std::max(P.on, Q.on + s * Ds);
        if (overlap > 0) C[(P.channel * n + Q.channel) * (2 * K + 1) + (K + s)] += overlap;
      }
  const json got = k.get_status(cs).at("count_covariance");
  long long total = 0;
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b)
      for (int bin = 0; bin <= 2 * K; ++bin) {
        EXPECT_EQ(got[a][b][bin].get<long long>(), C[(a * n + b) * (2 * K + 1) + bin]) << a << b << " bin " << bin;
        total += C[(a * n + b) * (2 * K + 1) + bin];
      }
  std::printf("binary: %zu transitions, %zu spin events, %zu closed pulses, count_covariance sum %lld\n",
              tr.size(), recorded.size(), pulses.size(), total);
}

TEST(NestDetectors, DeterministicBinaryNetworkEqualsNestAfterEverySimulate) {
  if (models::find_neuron_model("mcculloch_pitts_neuron") == nullptr)
    GTEST_SKIP() << "mcculloch_pitts_neuron is not registered yet (models/binary_neurons.hpp)";
  // NEST's odd ring of three inverters and two followers (one update per step, step gains): volley's binary neurons
  // make NEST's transitions, so spin_detector and correlospinmatrix_detector must give NEST's results
  const json& b = reference().at("binary_network");
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const double tau = b.at("tau_m").get<double>();
  const auto ring = k.create("mcculloch_pitts_neuron", 3, {{"tau_m", tau}, {"theta", -0.25}});
  const auto followers = k.create("mcculloch_pitts_neuron", 2, {{"tau_m", tau}, {"theta", 0.5}});
  for (std::uint64_t i = 0; i < 3; ++i)
    k.connect(ring[(i + 2) % 3], ring[i], "all_to_all", {{"weight", -1.5}, {"delay", b.at("ring_delays")[i]}});
  for (std::uint64_t i = 0; i < 2; ++i)
    k.connect(ring[i], followers[i], "all_to_all", {{"weight", 1.0}, {"delay", b.at("follower_delays")[i]}});
  const auto sd = k.create("spin_detector");
  k.connect(ring, sd);
  k.connect(followers, sd);
  const auto cs = k.create("correlospinmatrix_detector", 1, b.at("params"));
  const auto channels = b.at("channels").get<std::vector<int>>();
  for (std::uint64_t i = 0; i < 5; ++i)
    k.connect(i < 3 ? ring[i] : followers[i - 3], cs, "all_to_all", {{"receptor_type", channels[i]}});
  for (std::size_t s = 0; s < b.at("sims").size(); ++s) {
    k.simulate(b.at("sims")[s].get<double>());
    const json& want = b.at("results")[s];
    const json ev = k.get_events(sd);
    ASSERT_EQ(ev.at("times").size(), want.at("spin_events").at("times").size()) << "after Simulate " << s;
    EXPECT_EQ(ev.at("senders"), want.at("spin_events").at("senders")) << "after Simulate " << s;
    EXPECT_EQ(ev.at("state"), want.at("spin_events").at("state")) << "after Simulate " << s;
    EXPECT_LE(worst_difference(ev.at("times"), want.at("spin_events").at("times")), 1e-9) << "after Simulate " << s;
    EXPECT_EQ(k.get_status(cs).at("count_covariance"), want.at("count_covariance")) << "after Simulate " << s;
  }
  std::printf("binary network: %zu spin events and count_covariance equal to NEST's after %zu runs\n",
              b.at("results").back().at("spin_events").at("times").size(), b.at("sims").size());
}

// A parrot's spike of multiplicity m reaches a spin_detector as one event, an up transition when m is 2 (NEST's
// encoding of up), else a down (make_detector_references.py spin_multiplicity). Planted bug caught: every parrot
// spike taken as a down event.
TEST(NestDetectors, SpinDetectorReadsAParrotsCountOfTwoAsUp) {
  const json& c = reference().at("spin_multiplicity");
  nest::kernel k({.resolution_ms = 0.1, .local_num_threads = 1});
  const auto g1 = k.create("spike_generator", 1, {{"spike_times", c.at("spike_times").at("first")}});
  const auto g2 = k.create("spike_generator", 1, {{"spike_times", c.at("spike_times").at("second")}});
  const auto parrots = k.create("parrot_neuron", 2);
  const auto sd = k.create("spin_detector");
  k.connect(g1, parrots[0], "all_to_all", {{"delay", 1.0}});
  k.connect(g2, parrots[1], "all_to_all", {{"delay", 1.0}});
  k.connect(parrots, sd);
  k.simulate(40.0);
  const json ev = k.get_events(sd);
  const json& want = c.at("spin_events");
  EXPECT_EQ(ev.at("senders"), want.at("senders")) << ev.dump();
  EXPECT_EQ(ev.at("state"), want.at("state")) << ev.dump();
  EXPECT_LE(worst_difference(ev.at("times"), want.at("times")), 1e-9) << ev.dump();
}

TEST(NestDetectors, ParametersAndReceptorTypesAreCheckedAsNestDoes) {
  const json& errors = reference().at("errors");
  for (const auto& e : errors.at("parameters")) {
    nest::kernel k({.resolution_ms = 0.1});
    const auto d = k.create(e.at("model").get<std::string>());
    bool accepted = true;
    try {
      k.set_status(d, e.at("params"));
    } catch (const parameter_error& err) {
      accepted = false;
      EXPECT_FALSE(std::string(err.what()).empty());
    }
    EXPECT_EQ(accepted, e.at("accepted").get<bool>()) << e.dump();
  }
  for (const auto& e : errors.at("receptor_types")) {
    nest::kernel k({.resolution_ms = 0.1});
    const auto p = k.create("parrot_neuron");
    const auto d = k.create(e.at("model").get<std::string>(), 1,
                            e.at("N_channels").is_null() ? json::object() : json{{"N_channels", e.at("N_channels")}});
    bool accepted = true;
    try {
      k.connect(p, d, "all_to_all", {{"receptor_type", e.at("receptor_type")}});
    } catch (const parameter_error&) {
      accepted = false;
    }
    EXPECT_EQ(accepted, e.at("accepted").get<bool>()) << e.dump();
  }
  for (const auto& [res, models] : errors.at("defaults_by_resolution").items()) {
    nest::kernel k({.resolution_ms = std::stod(res)});
    for (const auto& [model, want] : models.items()) {
      const json got = k.get_status(k.create(model));
      EXPECT_NEAR(got.at("delta_tau").get<double>(), want.at("delta_tau").get<double>(), 1e-12) << model << " " << res;
      EXPECT_NEAR(got.at("tau_max").get<double>(), want.at("tau_max").get<double>(), 1e-12) << model << " " << res;
    }
  }
}

TEST(NestDetectors, WrongConnectionsAndCallsFailWithClearMessages) {
  auto message = [](auto&& call) -> std::string {
    try {
      call();
    } catch (const user_error& e) {
      return e.what();
    }
    return "";
  };
  nest::kernel k({.resolution_ms = 0.1});
  const auto gen = k.create("spike_generator", 1, {{"spike_times", {1.0}}});
  const auto p = k.create("parrot_neuron", 2);
  const auto iaf = k.create("iaf_psc_alpha");
  const auto cd = k.create("correlation_detector");
  const auto cm = k.create("correlomatrix_detector", 1, {{"N_channels", 2}});
  const auto sd = k.create("spin_detector");
  const auto cs = k.create("correlospinmatrix_detector");
  EXPECT_NE(message([&] { k.connect(cd, p); }).find("only receives"), std::string::npos);
  EXPECT_NE(message([&] { k.connect(gen, cd); }).find("parrot_neuron"), std::string::npos);
  EXPECT_NE(message([&] { k.connect(p, cd, "one_to_one"); }).find("all_to_all"), std::string::npos);
  EXPECT_NE(message([&] { k.connect(p, cd, "all_to_all", {{"receptor_type", 2}}); }).find("receptor_type"),
            std::string::npos);
  EXPECT_NE(message([&] { k.connect(p, cm, "all_to_all", {{"receptor_type", 2}}); }).find("0 .. 1"), std::string::npos);
  EXPECT_NE(message([&] { k.connect(iaf, sd); }).find("binary neuron"), std::string::npos);
  EXPECT_NE(message([&] { k.connect(iaf, cs); }).find("binary neuron"), std::string::npos);
  EXPECT_NE(message([&] { k.set_status(cd, {{"delta_tau", 0.15}}); }).find("multiple"), std::string::npos);
  EXPECT_NE(message([&] { k.set_status(cd, {{"tau_max", 1.2}}); }).find("multiple"), std::string::npos);
  EXPECT_NE(message([&] { k.set_status(cm, {{"delta_tau", 0.2}, {"tau_max", 1.0}}); }).find("odd"), std::string::npos);
  EXPECT_NE(message([&] { k.set_status(cm, {{"N_channels", 0}}); }).find("N_channels"), std::string::npos);
  EXPECT_NE(message([&] { k.set_status(cd, {{"n_events", {3, 0}}}); }).find("[0, 0]"), std::string::npos);
  // a failed SetStatus changes nothing
  EXPECT_EQ(k.get_status(cd).at("tau_max").get<double>(), 5.0);
  if (models::find_neuron_model("ginzburg_neuron") != nullptr) {
    const auto b = k.create("ginzburg_neuron");
    EXPECT_NE(message([&] { k.connect(b, cd); }).find("spin_detector"), std::string::npos);
  }
  k.connect(p[0], cd, "all_to_all", {{"receptor_type", 0}});
  k.connect(p[1], cd, "all_to_all", {{"receptor_type", 1}});
  k.connect(p, cs, "all_to_all");
  // before Simulate: NEST's empty results
  EXPECT_EQ(k.get_status(cd).at("histogram"), json::array());
  EXPECT_EQ(k.get_status(cd).at("n_events"), json({0, 0}));
  k.connect(gen, p, "all_to_all", {{"delay", 1.0}});
  k.simulate(10.0);
  EXPECT_EQ(k.get_status(cd).at("histogram").size(), 21u);
  EXPECT_NE(message([&] { k.get_events(cd); }).find("GetStatus"), std::string::npos);
  EXPECT_NE(message([&] { k.set_status(cd, {{"tau_max", 1.0}}); }).find("Simulate"), std::string::npos);
  EXPECT_NE(message([&] { k.set_status(cd, {{"n_events", {1, 0}}}); }).find("[0, 0]"), std::string::npos);
}

}  // namespace test_nest_detectors
