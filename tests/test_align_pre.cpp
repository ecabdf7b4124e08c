// Align-pre projections (brainpy.state's AlignPreProj; engine/projection.hpp, models/synapses.hpp
// presynaptic_synapse_step): a synapse per source neuron, every connection delivering weight x its source's g into
// an Instant receptor of the target.
//   - Linear synapses (Expon, Alpha, DualExpon): align-pre and align-post give the same conductance (the sum over
//     sources of weight x kernel superposes either way), so whole networks agree to rounding.
//   - Kinetic synapses saturate per source: the target's g is sum_j w_j s_j with s_j brainpy.state's open fraction
//     (the pulse restarting at each spike), against an RK4 integration written here.
//   - The result does not depend on the thread count; spec files give what the C++ API gives; bad input is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "tests/support/error_text.hpp"
#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "host/simulator.hpp"
#include "models/lif.hpp"
#include "models/spike_sources.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_align_pre {

using namespace volley;
using namespace volley::units::literals;

namespace {

constexpr double dt = 0.1;  // ms

models::lif_params quiet_lif() {
  auto p = models::LIF::defaults();
  p.R = 100.0_Mohm;
  p.tau = 20.0_ms;
  p.V_rest = p.V_reset = -65.0_mV;
  p.V_th = 50.0_mV;  // no spikes: the synapses drive V only
  return p;
}

// Spike steps of source j (emitted in step s: time (s + 1) dt), a fixed irregular pattern with bursts.
std::vector<int> source_steps(int j) {
  std::vector<int> out;
  for (int s = 5 + (j * 7) % 23; s < 1500; s += 40 + (j * 13) % 61) {
    out.push_back(s);
    if (j % 3 == 0) out.push_back(s + 2 + j % 4);  // a second spike while the first one's synapse is open
  }
  return out;
}

void schedule_sources(network& net, const std::string& pop, int n) {
  std::vector<index_t> idx;
  std::vector<units::time_q> times;
  for (int j = 0; j < n; ++j)
    for (int s : source_steps(j)) {
      idx.push_back(static_cast<index_t>(j));
      times.push_back(units::time_q((s + 1) * dt));
    }
  net.set_spike_schedule(pop, idx, times);
}

// A SpikeTime population S of n_src sources into LIF targets T through receptor "r" (COBA, E = 0 mV).
// align_pre: the synapse per source, the receptor Instant; otherwise the synapse is the receptor's (align-post).
std::vector<std::vector<real_t>> run_network(const models::synapse_params& syn, bool align_pre, int n_src, int n_tgt,
                                             int threads, const std::string& record = "V") {
  network net({.dt = units::time_q(dt), .seed = 11});
  net.add_population<models::SpikeTime>("S", static_cast<index_t>(n_src));
  net.add_population<models::LIF>("T", static_cast<index_t>(n_tgt), quiet_lif());
  if (align_pre)
    net.add_receptor("T", "r", models::instant_params{}, models::coba_params{0.0_mV});
  else
    net.add_receptor("T", "r", syn, models::coba_params{0.0_mV});
  schedule_sources(net, "S", n_src);
  connection_rule rule;
  rule.kind = rule_kind::fixed_probability;
  rule.probability = 0.4;
  synapse_spec s{"r", quantity_value::uniform(0.5_nS, 3.0_nS), quantity_value::uniform(0.1_ms, 2.0_ms)};
  if (align_pre) s.align_pre = syn;
  net.connect("S", "T", rule, s);
  run_options o;
  o.threads = threads;
  simulator sim(net, o);
  sim.record_trace({"T", record, {}, 0.0_ms});
  sim.run(units::time_q(160.0));
  std::vector<std::vector<real_t>> out;
  for (const auto& t : sim.record().traces) out.push_back(t.values);
  return out;
}

double max_abs_diff(const std::vector<real_t>& a, const std::vector<real_t>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - double(b[i])));
  return m;
}

// brainpy.state's per-source kinetic synapse written from its equations, RK4 with dt/100 substeps:
// ds/dt = aT [on] (1 - s) - beta s (BioNMDA: dx/dt = aT [on] (1 - x) - beta x, ds/dt = a1 x (1 - s) - b1 s), the
// transmitter on for t_dur from the end of each spike's step (a spike during a pulse restarts it).
struct kinetic_rates {
  double aT, beta, t_dur, a1 = 0, b1 = 0;
  bool nmda = false;
};
std::vector<double> per_source_rk4(const kinetic_rates& k, const std::vector<int>& spikes, int steps) {
  const int sub = 100;
  const double h = dt / sub;
  double y[2] = {0, 0};  // x, s
  double pulse_end = -1;  // ms
  auto f = [&](const double* v, double on, double* d) {
    if (k.nmda) {
      d[0] = k.aT * on * (1 - v[0]) - k.beta * v[0];
      d[1] = k.a1 * v[0] * (1 - v[1]) - k.b1 * v[1];
    } else {
      d[0] = 0;
      d[1] = k.aT * on * (1 - v[1]) - k.beta * v[1];
    }
  };
  std::vector<double> out;
  for (int n = 0; n < steps; ++n) {
    for (int q = 0; q < sub; ++q) {
      const double t_mid = n * dt + (q + 0.5) * h;
      const double on = t_mid < pulse_end ? 1.0 : 0.0;
      double k1[2], k2[2], k3[2], k4[2], t[2];
      f(y, on, k1);
      for (int i = 0; i < 2; ++i) t[i] = y[i] + 0.5 * h * k1[i];
      f(t, on, k2);
      for (int i = 0; i < 2; ++i) t[i] = y[i] + 0.5 * h * k2[i];
      f(t, on, k3);
      for (int i = 0; i < 2; ++i) t[i] = y[i] + h * k3[i];
      f(t, on, k4);
      for (int i = 0; i < 2; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    if (std::find(spikes.begin(), spikes.end(), n) != spikes.end()) pulse_end = (n + 1) * dt + k.t_dur;
    out.push_back(y[1]);  // s at the end of step n
  }
  return out;
}

}  // namespace

// Linear synapses: align-pre and align-post are the same model, so 41 targets fed by 37 sources with random
// weights and per-synapse delays agree in V at every step (to rounding: the sums run in another order).
TEST(AlignPre, LinearSynapsesMatchAlignPost) {
  const models::synapse_params kinds[] = {models::expon_params{}, models::alpha_params{5.0_ms},
                                          models::dual_expon_params{8.0_ms, 1.5_ms}};
  for (const auto& syn : kinds) {
    const auto post = run_network(syn, false, 37, 41, 1);
    const auto pre = run_network(syn, true, 37, 41, 1);
    ASSERT_EQ(post.size(), 1u);
    ASSERT_EQ(pre[0].size(), post[0].size());
    double swing = 0;
    for (real_t v : post[0]) swing = std::max(swing, std::abs(double(v) + 65.0));
    const double d = max_abs_diff(pre[0], post[0]);
    std::printf("  %s: V moves up to %.3g mV from rest, |align-pre - align-post| <= %.3g mV\n",
                std::visit([](const auto& p) { return p.name; }, syn), swing, d);
    EXPECT_GT(swing, 1.0) << "the synapses must drive V";
    EXPECT_LT(d, (std::is_same_v<real_t, float> ? 1e-3 : 1e-9));
  }
}

// AMPA, GABAa and BioNMDA per source: the target's Instant g at step m is sum_j w_j s_j(m - d_j) with s_j the
// RK4 reference above (all-to-all, one delay, two weights so the sum is checked, bursts that restart the pulse).
TEST(AlignPre, KineticSynapsesSaturatePerSourceAsTheReference) {
  struct kind {
    models::synapse_params params;
    kinetic_rates rates;
    double tol;  // of the open fraction (BioNMDA's s stage is second order, not exact)
  };
  const kind kinds[] = {
      {models::ampa_params{}, {0.98 * 0.5, 0.18, 0.5}, 1e-9},
      {models::gabaa_params{}, {0.53 * 1.0, 0.18, 1.0}, 1e-9},
      {models::bionmda_params{}, {1.0 * 1.0, 0.5, 0.5, 2.0, 0.01, true}, 2e-4},
  };
  const int steps = 1600, delay = 7;
  const double w[2] = {2.0, 0.5};  // nS
  for (const auto& k : kinds) {
    network net({.dt = units::time_q(dt), .seed = 3});
    net.add_population<models::SpikeTime>("S", 2);
    net.add_population<models::LIF>("T", 3, quiet_lif());
    net.add_receptor("T", "r", models::instant_params{}, models::coba_params{0.0_mV});
    // source 0: bursts every 3 steps (pulses overlap), source 1: sparse
    std::vector<index_t> idx;
    std::vector<units::time_q> times;
    std::vector<int> spikes[2];
    for (int s = 20; s < 1400; s += 150)
      for (int b = 0; b < 6; ++b) spikes[0].push_back(s + 3 * b);
    for (int s = 57; s < 1400; s += 311) spikes[1].push_back(s);
    for (int j = 0; j < 2; ++j)
      for (int s : spikes[j]) {
        idx.push_back(static_cast<index_t>(j));
        times.push_back(units::time_q((s + 1) * dt));
      }
    net.set_spike_schedule("S", idx, times);
    for (int j = 0; j < 2; ++j) {
      synapse_spec s{"r", units::conductance_q(w[j]), units::time_q(delay * dt)};
      s.align_pre = k.params;
      net.connect("S[" + std::to_string(j) + ":" + std::to_string(j + 1) + "]", "T", {}, s, "S" + std::to_string(j));
    }
    run_options o;
    o.threads = 1;
    simulator sim(net, o);
    sim.record_trace({"T", "r.g", {2}, 0.0_ms});
    sim.run(units::time_q(steps * dt));
    const auto& g = sim.record().traces[0].values;
    ASSERT_EQ(g.size(), std::size_t(steps));
    const auto s0 = per_source_rk4(k.rates, spikes[0], steps), s1 = per_source_rk4(k.rates, spikes[1], steps);
    double worst = 0, peak0 = 0;
    for (int m = delay; m < steps; ++m) {
      const double want = w[0] * s0[m - delay] + w[1] * s1[m - delay];
      worst = std::max(worst, std::abs(double(g[m]) - want));
      peak0 = std::max(peak0, s0[m - delay]);
    }
    for (int m = 0; m < delay; ++m) EXPECT_EQ(g[m], 0) << "nothing before the delay";
    std::printf("  %s: worst |g - reference| %.3g nS, source 0's open fraction peaks at %.4f\n",
                std::visit([](const auto& p) { return p.name; }, k.params), worst, peak0);
    EXPECT_LT(worst, k.tol * (w[0] + w[1]));
    EXPECT_LT(peak0, 1.0) << "a per-source synapse saturates";
  }
}

// The same network on 1 and 2 threads, and through a spec file: identical traces.
TEST(AlignPre, ThreadCountAndSpecFileGiveTheSameTraces) {
  const auto one = run_network(models::ampa_params{}, true, 45, 67, 1);
  const auto two = run_network(models::ampa_params{}, true, 45, 67, 2);
  EXPECT_EQ(one[0], two[0]);

  const auto spec = load_spec_text(R"({"dt": "0.1 ms", "duration": "50 ms", "seed": 2, "populations": [
      {"name": "S", "model": "PoissonSpike", "size": 33, "params": {"freqs": "80 Hz"}},
      {"name": "T", "model": "LIF", "size": 35,
       "params": {"R": "100 Mohm", "tau": "20 ms", "V_rest": "-65 mV", "V_reset": "-65 mV", "V_th": "50 mV"},
       "receptors": [{"name": "r", "synapse": "Instant", "output": "COBA", "params": {"E": "0 mV"}}]}],
    "projections": [{"source": "S", "target": "T", "receptor": "r", "rule": {"kind": "fixed_probability",
      "probability": 0.5}, "weight": "1 nS", "delay": "0.5 ms",
      "align_pre": {"synapse": "GABAa", "params": {"T_dur": "0.7 ms"}}}]})");
  network api({.dt = 0.1_ms, .seed = 2});
  models::poisson_spike_params ps;
  ps.freqs = units::rate_q(0.08);
  api.add_population<models::PoissonSpike>("S", 33, ps);
  api.add_population<models::LIF>("T", 35, quiet_lif());
  api.add_receptor("T", "r", models::instant_params{}, models::coba_params{0.0_mV});
  connection_rule rule;
  rule.kind = rule_kind::fixed_probability;
  rule.probability = 0.5;
  models::gabaa_params gaba;
  gaba.T_dur = 0.7_ms;
  synapse_spec s{"r", 1.0_nS, 0.5_ms};
  s.align_pre = gaba;
  api.connect("S", "T", rule, s);
  std::vector<real_t> traces[2];
  int which = 0;
  for (network* net : {spec.net.get(), &api}) {
    run_options o;
    o.threads = 1;
    simulator sim(*net, o);
    sim.record_trace({"T", "V", {}, 0.0_ms});
    sim.run(50.0_ms);
    traces[which++] = sim.record().traces[0].values;
  }
  EXPECT_EQ(traces[0], traces[1]);
  EXPECT_GT(std::abs(double(*std::min_element(traces[0].begin(), traces[0].end())) + 65.0) +
                std::abs(double(*std::max_element(traces[0].begin(), traces[0].end())) + 65.0),
            0.01)
      << "the projection must move V";
}

TEST(AlignPre, RefusesWhatItCannotDo) {
  auto fresh = [] {
    auto net = std::make_unique<network>(network_options{.dt = 0.1_ms, .seed = 1});
    net->add_population<models::SpikeTime>("S", 3);
    net->add_population<models::LIF>("T", 3, quiet_lif());
    net->add_receptor("T", "inst", models::instant_params{}, models::coba_params{0.0_mV});
    net->add_receptor("T", "expo", models::expon_params{}, models::coba_params{0.0_mV});
    return net;
  };
  const auto message = [](auto&& f) { return test::error_text(f); };
  synapse_spec s{"expo", 1.0_nS, 1.0_ms};
  s.align_pre = models::ampa_params{};
  auto net = fresh();
  EXPECT_NE(message([&] { net->connect("S", "T", {}, s); }).find("Instant"), std::string::npos);
  s.receptor = "inst";
  s.align_pre = models::instant_params{};
  net = fresh();
  EXPECT_NE(message([&] { net->connect("S", "T", {}, s); }).find("align_pre"), std::string::npos);
  s.align_pre = models::expon_params{-1.0_ms};
  net = fresh();
  EXPECT_NE(message([&] { net->connect("S", "T", {}, s); }).find("tau"), std::string::npos);
  s.align_pre = models::expon_params{};
  s.plasticity = models::stp_params{};
  net = fresh();
  EXPECT_NE(message([&] { net->connect("S", "T", {}, s); }).find("plasticity"), std::string::npos);
  s.plasticity = {};
  s.transmit_probability = 0.5;
  net = fresh();
  EXPECT_NE(message([&] { net->connect("S", "T", {}, s); }).find("p_transmit"), std::string::npos);
  EXPECT_NE(message([] {
              load_spec_text(R"({"dt": "0.1 ms", "duration": "5 ms", "populations": [
                {"name": "T", "model": "LIF", "size": 2,
                 "receptors": [{"name": "r", "synapse": "Instant", "output": "COBA"}]}],
                "projections": [{"source": "T", "target": "T", "receptor": "r", "rule": "all_to_all",
                                 "weight": "1 nS", "align_pre": {"synapse": "Exp"}}]})");
            }).find("align_pre.synapse"),
            std::string::npos);
}

}  // namespace test_align_pre
