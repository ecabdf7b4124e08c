// volley's pp_psc_delta and parrot_neuron against NEST 3.10 (issue 5).
//
// pp_psc_delta spikes at random (one uniform per neuron-step, volley's stream, not NEST's), so it is checked three
// ways: (1) step by step against NEST where the model is deterministic (tools/nest_reference/make_references.py:
// pp_psc_delta with rate 0, no spikes; pp_psc_delta_threshold* with c_1 = 1e15 Hz/mV, where the spike probability
// is exactly 0 or 1): V_m and E_sfa within 1e-6 mV at every step, identical spike steps; (2) statistics against
// NEST (tools/nest_reference/make_pp_statistics.py: 500 neurons, constant I_e, five configurations, ten NEST
// seeds): mean rate, CV of the ISIs and Fano factor within 5 %; (3) checks that do not use NEST: the ISI law with a
// constant rate (geometric per step, shifted by the dead time: exponential shifted by dead_time as dt -> 0), the
// subthreshold closed form, the dead-time and reset rules, adaptation jumps and decay, parameter validation.
// parrot_neuron: the spike steps of NEST's parrot on a protocol with duplicate spikes, weights of any sign,
// coinciding arrivals and an ignored receptor 1 (tests/reference/parrot_neuron.json).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/unit_parse.hpp"
#include "models/model_json.hpp"
#include "models/parrot_neuron.hpp"
#include "models/pp_psc_delta.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_pp_parrot {

using namespace volley;
using namespace volley::nest_ref;

namespace {

using pp = models::pp_psc_delta;
constexpr double kTolerance = 1e-6;  // mV

using rate_per_voltage_q = units::quantity<models::pp_units::rate_per_voltage>;
using per_voltage_q = units::quantity<models::pp_units::per_voltage>;

// NEST's lists tau_sfa / q_sfa (up to three entries) onto volley's three components, in order.
void set_sfa(models::pp_psc_delta_params& q, const std::vector<double>& tau, const std::vector<double>& jump) {
  ASSERT_EQ(tau.size(), jump.size());
  ASSERT_LE(tau.size(), 3u);
  units::time_q* taus[3] = {&q.tau_sfa_1, &q.tau_sfa_2, &q.tau_sfa_3};
  units::voltage_q* qs[3] = {&q.q_sfa_1, &q.q_sfa_2, &q.q_sfa_3};
  for (std::size_t k = 0; k < tau.size(); ++k) {
    *taus[k] = units::time_q(tau[k]);
    *qs[k] = units::voltage_q(jump[k]);
  }
}

// NEST's parameters (status dictionary, NEST's units: c_1 Hz/mV, c_2 Hz) as volley's; every one taken.
models::pp_psc_delta_params pp_params_from(const json& p) {
  json scalars = p;  // parameter_reader reads numbers: the lists are read here
  scalars.erase("tau_sfa");
  scalars.erase("q_sfa");
  parameter_reader in(scalars);
  models::pp_psc_delta_params q;
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.I_e = units::current_q(in.take("I_e"));
  q.tau_m = units::time_q(in.take("tau_m"));
  q.dead_time = units::time_q(in.take("dead_time"));
  q.dead_time_random = in.take_flag("dead_time_random");
  q.dead_time_shape = units::dimensionless_q(in.take("dead_time_shape"));
  q.with_reset = in.take_flag("with_reset");
  q.c_1 = rate_per_voltage_q(in.take("c_1") * 1e-3);  // Hz/mV -> 1/ms/mV
  q.c_2 = units::rate_q(in.take("c_2") * 1e-3);        // Hz -> 1/ms
  q.c_3 = per_voltage_q(in.take("c_3"));
  q.t_ref_remaining = units::time_q(in.take("t_ref_remaining"));
  in.finish("pp_psc_delta");
  std::vector<double> tau, jump;
  for (const auto& x : p.at("tau_sfa")) tau.push_back(number(x));
  for (const auto& x : p.at("q_sfa")) jump.push_back(number(x));
  set_sfa(q, tau, jump);
  return q;
}

const char* delta_channel(double) { return "delta"; }
const char* volley_chooses(double) { return ""; }

// One neuron stepped directly (no network), with a chosen uniform number per step.
struct single {
  pp::constants c;
  real_t s[pp::n_state];
  single(const pp::params& p, double dt) : c(pp::derive(p, dt)) { pp::initial_state(p, s); }
  bool step(double I, double u, double delta_v = 0) {
    return pp::update(c, s, models::neuron_input{static_cast<real_t>(I), static_cast<real_t>(delta_v), nullptr,
                                                 static_cast<real_t>(u)});
  }
};

void expect_pp_matches_nest(const std::string& file) {
  const json ref = load_reference(file);
  const auto p = pp_params_from(ref.at("parameters"));
  // NEST's initial status values are volley's initial state
  real_t s[pp::n_state];
  pp::initial_state(p, s);
  EXPECT_EQ(s[pp::V_m], number(ref.at("initial_state").at("V_m")));
  EXPECT_EQ(s[pp::E_sfa], number(ref.at("initial_state").at("E_sfa")));

  const double d = ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
  const std::vector<const char*> vars{"V_m", "E_sfa"};
  double worst[2] = {0, 0};
  for (int way = 0; way < 2; ++way) {
    const auto v = way == 0 ? run_protocol<pp>(ref, p, spike_path::spike_time_population, d, vars, delta_channel)
                            : run_protocol<pp>(ref, p, spike_path::spike_times_input, d, vars, volley_chooses);
    std::printf("%s vs NEST %s (%s):\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str(),
                way == 0 ? "SpikeTime sources onto the delta channel" : "spike-time inputs routed by volley");
    for (std::size_t q = 0; q < vars.size(); ++q) {
      const auto c = compare(ref, vars[q], v.values[q], reference_trace(ref, vars[q]), kTolerance);
      EXPECT_LE(c.max_abs, kTolerance) << file << " " << vars[q] << "; first sample over: " << c.first_over;
      worst[q] = std::max(worst[q], c.max_abs);
    }
    EXPECT_EQ(v.spike_steps, reference_spike_steps(ref)) << file;
  }
  std::printf("%s: max |volley - NEST| V_m %.3g E_sfa %.3g, %zu spikes identical\n", file.c_str(), worst[0],
              worst[1], reference_spike_steps(ref).size());
}

// ---- statistics of a population (the definitions of make_pp_statistics.py) ----

struct train_stats {
  double rate_Hz = 0, cv = 0, fano = 0;
  std::size_t n_isis = 0;
};

train_stats statistics_of(const spike_record& rec, index_t n, double dt, double t_start, double t_stop,
                          double fano_window) {
  std::vector<std::vector<std::int64_t>> steps(n);
  std::size_t total = 0;
  for (std::size_t k = 0; k < rec.size(); ++k) {
    const double stamp = (rec.step[k] + 1) * dt;
    if (stamp <= t_start + 1e-9 || stamp > t_stop + 1e-9) continue;
    steps[rec.neuron[k]].push_back(rec.step[k]);
    ++total;
  }
  train_stats s;
  s.rate_Hz = total / (n * (t_stop - t_start) * 1e-3);
  double sum = 0, sum2 = 0;
  const auto n_windows = static_cast<std::size_t>(std::llround((t_stop - t_start) / fano_window));
  std::vector<double> counts(n * n_windows, 0.0);
  for (index_t i = 0; i < n; ++i) {
    auto& st = steps[i];
    std::sort(st.begin(), st.end());
    for (std::size_t j = 0; j < st.size(); ++j) {
      const auto w = static_cast<std::size_t>(std::floor((st[j] * dt - t_start - 1e-9) / fano_window));
      counts[i * n_windows + w] += 1;
      if (j == 0) continue;
      const double isi = (st[j] - st[j - 1]) * dt;
      sum += isi;
      sum2 += isi * isi;
      ++s.n_isis;
    }
  }
  const double mean = sum / s.n_isis;
  s.cv = std::sqrt(std::max(0.0, sum2 / s.n_isis - mean * mean)) / mean;
  double cm = 0, cv2 = 0;
  for (double c : counts) cm += c;
  cm /= counts.size();
  for (double c : counts) cv2 += (c - cm) * (c - cm);
  s.fano = cv2 / counts.size() / cm;
  return s;
}

// Runs n unconnected neurons with parameters p for t_stop ms; returns their spikes.
spike_record run_population(const pp::params& p, index_t n, double t_stop, std::uint64_t seed) {
  network net({.dt = units::time_q(0.1), .seed = seed});
  net.add_population<pp>("N", n, p);
  simulator sim(net);
  sim.record_spikes("N");
  sim.run(units::time_q(t_stop));
  return sim.record().spikes[0];
}

models::pp_psc_delta_params pp_params_from_statistics(const json& p) {
  models::pp_psc_delta_params q;
  q.I_e = units::current_q(p.at("I_e").get<double>());
  q.C_m = units::capacitance_q(p.at("C_m").get<double>());
  q.tau_m = units::time_q(p.at("tau_m").get<double>());
  q.dead_time = units::time_q(p.at("dead_time").get<double>());
  q.dead_time_random = p.at("dead_time_random").get<bool>();
  q.dead_time_shape = units::dimensionless_q(p.at("dead_time_shape").get<double>());
  q.with_reset = p.at("with_reset").get<bool>();
  q.c_1 = rate_per_voltage_q(p.at("c_1").get<double>() * 1e-3);
  q.c_2 = units::rate_q(p.at("c_2").get<double>() * 1e-3);
  q.c_3 = per_voltage_q(p.at("c_3").get<double>());
  q.t_ref_remaining = units::time_q(p.at("t_ref_remaining").get<double>());
  set_sfa(q, p.at("tau_sfa").get<std::vector<double>>(), p.at("q_sfa").get<std::vector<double>>());
  return q;
}

}  // namespace

// ================================================= against NEST =================================================

TEST(NestReference, PpPscDeltaReferencesExerciseWhatTheComparisonClaims) {
  const json sub = load_reference("pp_psc_delta");
  EXPECT_TRUE(sub.at("record").at("spike_times_ms").empty());
  EXPECT_EQ(number(sub.at("parameters").at("c_1")), 0.0);
  EXPECT_EQ(number(sub.at("parameters").at("c_2")), 0.0);
  for (const char* file : {"pp_psc_delta_threshold", "pp_psc_delta_threshold_noreset"}) {
    const json ref = load_reference(file);
    EXPECT_EQ(ref.at("model"), "pp_psc_delta");
    const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; })) << file;
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 120; })) << file;
    const auto e = reference_trace(ref, "E_sfa");
    EXPECT_GT(*std::max_element(e.begin(), e.end()), 1.0) << file << ": adaptation exercised";
  }
  // _noreset: t_ref_remaining 2.55 ms holds the first spike to step 26 (V starts above its threshold), and the
  // dead time 0.04 ms acts as one step (NEST raises it to dt): spikes two steps apart occur
  const json nr = load_reference("pp_psc_delta_threshold_noreset");
  const auto steps = reference_spike_steps(nr);
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps[0], 26u);
  bool two_apart = false;
  for (std::size_t k = 1; k < steps.size(); ++k) {
    EXPECT_GE(steps[k] - steps[k - 1], 2u);
    two_apart = two_apart || steps[k] - steps[k - 1] == 2;
  }
  EXPECT_TRUE(two_apart);
  // _threshold: dead time 3 ms = 30 steps: no two spikes closer than 31 steps
  const auto st = reference_spike_steps(load_reference("pp_psc_delta_threshold"));
  for (std::size_t k = 1; k < st.size(); ++k) EXPECT_GE(st[k] - st[k - 1], 31u);
}

TEST(NestReference, PpPscDeltaSubthresholdMatchesNestAtEveryStep) { expect_pp_matches_nest("pp_psc_delta"); }

TEST(NestReference, PpPscDeltaDeterministicThresholdMatchesNestAtEveryStep) {
  expect_pp_matches_nest("pp_psc_delta_threshold");
}

TEST(NestReference, PpPscDeltaWithoutResetMatchesNestAtEveryStep) {
  expect_pp_matches_nest("pp_psc_delta_threshold_noreset");
}

// Rate, CV and Fano factor of 500 volley neurons against the mean of ten NEST seeds. The tolerance, 5 %, is the
// issue's. The NEST seeds spread by at most 0.12 % (rate), 0.28 % (CV) and 1.1 % (Fano factor) relative standard
// deviation (the file records them per configuration), and one volley run has the same spread, so volley against
// NEST's mean differs by about sqrt(1 + 1/10) of it: 5 % is more than 4 standard deviations for the Fano factor
// and more than 15 for rate and CV. Errors of the rate law show far beyond it (half the spike probability: rates
// off by tens of %; c's in Hz taken as 1/ms: by orders of magnitude, checked by planting them); one dead step
// more moves these rates by < 1 %: the dead time is checked exactly by the deterministic references and
// ConstantRateGivesGeometricIsisShiftedByTheDeadTime.
TEST(NestReference, PpPscDeltaStatisticsMatchNest) {
  const json ref = load_reference("pp_psc_delta_statistics");
  const auto n = ref.at("n_neurons").get<index_t>();
  const double t_start = ref.at("window_ms")[0].get<double>(), t_stop = ref.at("window_ms")[1].get<double>();
  const double fano_window = ref.at("fano_window_ms").get<double>();
  ASSERT_EQ(ref.at("dt_ms").get<double>(), 0.1);
  std::printf("pp_psc_delta statistics, %u neurons, %g s: volley (seeds 101...) vs NEST %s (mean of %zu seeds; sd = NEST's spread across seeds)\n", n,
              (t_stop - t_start) * 1e-3, ref.at("nest").at("version").get<std::string>().c_str(),
              ref.at("seeds").size());
  std::uint64_t seed = 100;  // one volley seed per configuration (one seed would drive them all with one stream)
  for (const auto& [name, cfg] : ref.at("configs").items()) {
    const auto p = pp_params_from_statistics(cfg.at("parameters"));
    const auto v = statistics_of(run_population(p, n, t_stop, ++seed), n, 0.1, t_start, t_stop, fano_window);
    const auto& s = cfg.at("summary");
    const double got[3] = {v.rate_Hz, v.cv, v.fano};
    const char* keys[3] = {"rate_Hz", "cv", "fano"};
    std::printf("  %-24s", name.c_str());
    for (int k = 0; k < 3; ++k) {
      const double nest = s.at(keys[k]).at("mean").get<double>();
      const double sd = s.at(keys[k]).at("std_across_seeds").get<double>();
      const double rel = (got[k] - nest) / nest;
      std::printf(" %s %.4g/%.4g (%+.2f%%, %+.1f sd)", keys[k], got[k], nest, 100 * rel, (got[k] - nest) / sd);
      EXPECT_LE(std::abs(rel), 0.05) << name << " " << keys[k] << ": volley " << got[k] << ", NEST " << nest;
    }
    std::printf("\n");
  }
}

// ============================================== without NEST ===================================================

// V constant (I_e = 0, no input, V stays 0) gives a constant rate c_2: each free step spikes with p = 1 - exp(-c_2
// dt), so an ISI is dead_steps + G steps, G geometric on {1, 2, ...}: P(ISI > (dead_steps + m) dt) = (1 - p)^m,
// mean (dead_steps + 1/p) dt, standard deviation sqrt(1 - p)/p dt. As dt -> 0: exponential of rate c_2 shifted by
// the dead time.
TEST(PpPscDelta, ConstantRateGivesGeometricIsisShiftedByTheDeadTime) {
  models::pp_psc_delta_params p;
  p.c_1 = rate_per_voltage_q(0.0);
  p.c_2 = units::rate_q(80e-3);  // 80 Hz
  p.c_3 = per_voltage_q(0.3);
  p.dead_time = units::time_q(2.0);  // 20 steps
  const index_t n = 400;
  const double dt = 0.1, t = 10000.0;
  const auto rec = run_population(p, n, t, 11);
  std::vector<std::vector<std::int64_t>> steps(n);
  for (std::size_t k = 0; k < rec.size(); ++k) steps[rec.neuron[k]].push_back(rec.step[k]);
  std::vector<double> isi;  // in steps
  for (auto& s : steps) {
    std::sort(s.begin(), s.end());
    for (std::size_t j = 1; j < s.size(); ++j) isi.push_back(static_cast<double>(s[j] - s[j - 1]));
  }
  const double pr = -std::expm1(-80e-3 * dt), d = 20;
  const double mean_exp = d + 1 / pr, sd_exp = std::sqrt(1 - pr) / pr;
  const double mean = std::accumulate(isi.begin(), isi.end(), 0.0) / isi.size();
  double var = 0;
  for (double x : isi) var += (x - mean) * (x - mean);
  const double sd = std::sqrt(var / isi.size());
  const double min_isi = *std::min_element(isi.begin(), isi.end());
  std::printf("constant rate 80 Hz, dead time 2 ms: %zu ISIs, mean %.3f steps (closed form %.3f), sd %.3f (%.3f), "
              "shortest %g (dead steps + 1 = %g)\n",
              isi.size(), mean, mean_exp, sd, sd_exp, min_isi, d + 1);
  EXPECT_EQ(min_isi, d + 1);  // never inside the dead time, and the first free step can spike
  EXPECT_NEAR(mean, mean_exp, 5 * sd_exp / std::sqrt(isi.size()));
  EXPECT_NEAR(sd / sd_exp, 1.0, 0.02);
  // survival function at m = 25, 125, 250 free steps beyond the dead time, within 5 binomial standard deviations
  for (double m : {25.0, 125.0, 250.0}) {
    const double expected = std::pow(1 - pr, m);
    const double got = static_cast<double>(std::count_if(isi.begin(), isi.end(), [&](double x) { return x > d + m; })) /
                       isi.size();
    EXPECT_NEAR(got, expected, 5 * std::sqrt(expected * (1 - expected) / isi.size())) << "m = " << m;
  }
  // the rate is the closed form 1 / (mean ISI)
  const double rate = rec.size() / (n * t * 1e-3);
  EXPECT_NEAR(rate, 1e4 / mean_exp, 0.02 * 1e4 / mean_exp);
}

TEST(PpPscDelta, SubthresholdFollowsTheClosedFormAndDeltaInputsJump) {
  models::pp_psc_delta_params p;
  p.c_2 = units::rate_q(0.0);  // no spikes
  p.I_e = units::current_q(200.0);
  single n(p, 0.1);
  const double R = 10.0 / 250.0;  // mV/pA
  for (int k = 1; k <= 500; ++k) {
    EXPECT_FALSE(n.step(100.0, 0.5));
    EXPECT_NEAR(n.s[pp::V_m], 300.0 * R * -std::expm1(-k * 0.1 / 10.0), 1e-10) << k;
  }
  const double before = n.s[pp::V_m];
  n.step(100.0, 0.5, 3.0);  // a delta input adds 3 mV after the decay of this step
  EXPECT_NEAR(n.s[pp::V_m], 300.0 * R + (before - 300.0 * R) * std::exp(-0.01) + 3.0, 1e-10);
}

TEST(PpPscDelta, DeadTimeResetAndAdaptationJumps) {
  models::pp_psc_delta_params p;
  p.c_1 = rate_per_voltage_q(0.0);
  p.c_2 = units::rate_q(1e12);  // p = 1: every free step spikes
  p.c_3 = per_voltage_q(0.0);
  p.dead_time = units::time_q(0.75);  // 7.5 steps: NEST rounds up to 8
  p.tau_sfa_1 = units::time_q(10.0);
  p.q_sfa_1 = units::voltage_q(2.0);
  p.tau_sfa_3 = units::time_q(1.0);
  p.q_sfa_3 = units::voltage_q(-1.0);
  p.I_e = units::current_q(100.0);
  single n(p, 0.1);
  std::vector<int> spikes;
  double e1 = 0, e3 = 0;
  for (int k = 0; k < 40; ++k) {
    const double v_before = n.s[pp::V_m];
    const bool s = n.step(0.0, 0.5);
    e1 *= std::exp(-0.1 / 10.0);
    e3 *= std::exp(-0.1 / 1.0);
    EXPECT_NEAR(n.s[pp::E_sfa], e1 + e3, 1e-12) << "E_sfa before this step's jump, step " << k;
    if (s) {
      spikes.push_back(k);
      e1 += 2.0;
      e3 -= 1.0;
      EXPECT_EQ(n.s[pp::V_m], 0.0) << "with_reset: V = 0";
    } else {
      EXPECT_NEAR(n.s[pp::V_m], v_before * std::exp(-0.01) + 100.0 * 0.04 * -std::expm1(-0.01), 1e-12);
    }
    EXPECT_NEAR(n.s[pp::E_sfa_1], e1, 1e-12);
    EXPECT_NEAR(n.s[pp::E_sfa_3], e3, 1e-12);
  }
  EXPECT_EQ(spikes, (std::vector<int>{0, 9, 18, 27, 36}));  // 8 dead steps, the 9th step free

  // a uniform above p never spikes; p = 0 (rate <= 0) never spikes even with u tiny
  models::pp_psc_delta_params q;
  q.c_1 = rate_per_voltage_q(1.0);
  q.c_2 = units::rate_q(0.0);
  single m(q, 0.1);  // V = 0: rate 0
  for (int k = 0; k < 10; ++k) EXPECT_FALSE(m.step(0.0, 1e-300));
  q.c_2 = units::rate_q(1e-3);  // 1 Hz: p = 1e-4
  single m2(q, 0.1);
  EXPECT_FALSE(m2.step(0.0, 2e-4));
  EXPECT_TRUE(m2.step(0.0, 0.5e-4));
  EXPECT_EQ(m2.s[pp::refractory], 10.0) << "default dead time 1 ms";

  // with_reset false keeps V; t_ref_remaining holds the first spike; dead_time 0 allows spikes in every step
  models::pp_psc_delta_params r = p;
  r.with_reset = false;
  r.dead_time = units::time_q(0.0);
  r.t_ref_remaining = units::time_q(0.3);
  single o(r, 0.1);
  std::vector<int> s2;
  for (int k = 0; k < 8; ++k) {
    if (o.step(0.0, 0.5)) s2.push_back(k);
    EXPECT_GT(o.s[pp::V_m], 0.0);
  }
  EXPECT_EQ(s2, (std::vector<int>{3, 4, 5, 6, 7}));
  // dead_time in (0, dt) counts as one step (NEST raises it to dt)
  r.dead_time = units::time_q(0.01);
  EXPECT_EQ(pp::derive(r, 0.1).dead_steps, 1.0);
  r.dead_time = units::time_q(1.0);
  EXPECT_EQ(pp::derive(r, 0.1).dead_steps, 10.0);
  EXPECT_EQ(pp::derive(r, 0.1).initial_dead_steps, 3.0);
}

TEST(PpPscDelta, ValidationAndUnits) {
  const auto ok = models::pp_psc_delta::defaults();
  EXPECT_EQ(pp::validate(ok), nullptr);
  // NEST's defaults, in volley's units
  EXPECT_DOUBLE_EQ(ok.c_2.value, 1.238e-3);
  EXPECT_EQ(ok.c_1.value, 0.0);
  EXPECT_EQ(ok.c_3.value, 0.25);
  EXPECT_EQ(ok.dead_time.value, 1.0);
  EXPECT_TRUE(ok.with_reset);
  auto bad = [&](auto change, const char* text) {
    auto p = ok;
    change(p);
    const char* problem = pp::validate(p);
    ASSERT_NE(problem, nullptr) << text;
    EXPECT_NE(std::string(problem).find(text), std::string::npos) << problem;
    network net({.dt = units::time_q(0.1)});
    EXPECT_THROW(net.add_population<pp>("N", 1, p), parameter_error) << text;
  };
  bad([](auto& p) { p.dead_time_random = true; }, "dead_time_random");
  bad([](auto& p) { p.dead_time = units::time_q(-1.0); }, "refractory time must not be negative");
  bad([](auto& p) { p.dead_time_shape = units::dimensionless_q(0.0); }, "dead_time_shape");
  bad([](auto& p) { p.dead_time_shape = units::dimensionless_q(1.5); }, "integer");
  bad([](auto& p) { p.C_m = units::capacitance_q(0.0); }, "Capacitance");
  bad([](auto& p) { p.tau_m = units::time_q(0.0); }, "time constants");
  bad([](auto& p) { p.tau_sfa_2 = units::time_q(-3.0); }, "time constants");
  bad([](auto& p) { p.t_ref_remaining = units::time_q(-0.1); }, "Remaining refractory");
  bad([](auto& p) { p.c_3 = per_voltage_q(-0.1); }, "c_3");

  // through a spec: units of c_1 (rate per voltage) and c_2 (rate) parse from Hz; range checks apply
  auto make = [](const nlohmann::json& params) {
    models::population_request req;
    req.name = "P";
    req.size = 2;
    req.params = &params;
    return models::create_population<pp>(req);
  };
  EXPECT_NO_THROW(make({{"c_1", "3 Hz/mV"}, {"c_2", "1.238 Hz"}, {"c_3", "0.1 1/mV"}, {"q_sfa_1", "2 mV"}}));
  // NEST's units, as the NEST layer would write them, lowered into volley's (1/ms/mV, 1/ms, 1/mV)
  EXPECT_DOUBLE_EQ(units::parse_in_internal_units("3 Hz/mV", models::pp_units::rate_per_voltage, "t", "c_1"), 3e-3);
  EXPECT_DOUBLE_EQ(units::parse_in_internal_units("1.238 Hz", units::dims::rate, "t", "c_2"), 1.238e-3);
  EXPECT_DOUBLE_EQ(units::parse_in_internal_units("0.25 1/mV", models::pp_units::per_voltage, "t", "c_3"), 0.25);
  EXPECT_THROW(make({{"c_3", "-1 1/mV"}}), parameter_error);
  EXPECT_THROW(make({{"c_2", "1 mV"}}), user_error);
  EXPECT_THROW(make({{"dead_time_random", true}}), parameter_error);
}

// ================================================ parrot_neuron ================================================

TEST(NestReference, ParrotNeuronRepeatsSpikesAsNest) {
  const json ref = load_reference("parrot_neuron");
  const double dt = ref.at("dt_ms").get<double>();
  const auto& inputs = ref.at("inputs");
  for (int path = 0; path < 2; ++path) {
    network net({.dt = units::time_q(dt), .seed = 1});
    net.add_population<models::parrot_neuron>("P", 1);
    if (path == 0) {  // SpikeTime sources, two per spike_generator
      std::vector<index_t> who;
      std::vector<units::time_q> when;
      for (std::size_t g = 0; g < inputs.size(); ++g) {  // sources 2g and 2g + 1: a time listed twice uses both
        std::map<double, int> seen;
        for (const auto& t : inputs[g].at("times_ms")) {
          const int copy = seen[t.get<double>()]++;
          ASSERT_LT(copy, 2);
          who.push_back(static_cast<index_t>(2 * g + copy));
          when.push_back(units::time_q(t.get<double>()));
        }
      }
      net.add_population<models::SpikeTime>("G", static_cast<index_t>(2 * inputs.size()));
      net.set_spike_schedule("G", who, when);
      for (std::size_t g = 0; g < inputs.size(); ++g) {
        const std::string src = "G[" + std::to_string(2 * g) + ":" + std::to_string(2 * g + 2) + "]";
        const char* port = inputs[g].at("receptor_type").get<int>() == 1 ? "ignored" : "spikes";
        net.connect(src, "P", connection_rule{},
                    {port, units::dimensionless_q(1.0), units::time_q(inputs[g].at("delay_ms").get<double>())});
      }
    } else {  // spike-time inputs, weight 1 per spike (the NEST layer's rule: NEST ignores weights)
      for (const auto& in : inputs)
        net.add_spike_times("P", in.at("times_ms").get<std::vector<double>>(), units::dimensionless_q(1.0),
                            in.at("receptor_type").get<int>() == 1 ? "ignored" : "spikes",
                            units::time_q(in.at("delay_ms").get<double>()));
    }
    simulator sim(net);
    sim.record_spikes("P");
    sim.record_trace({"P", "multiplicity", {0}, units::time_q(0.0)});
    sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
    // NEST lists a spike of multiplicity n n times: volley has one spike per step, and n in "multiplicity"
    std::map<std::uint64_t, int> nest;
    for (const auto& t : ref.at("spike_times_ms")) ++nest[std::llround(t.get<double>() / dt) - 1];
    std::vector<std::uint64_t> nest_steps;
    for (const auto& [k, m] : nest) nest_steps.push_back(k);
    const auto& rec = sim.record();
    const std::vector<std::uint64_t> got(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
    EXPECT_EQ(got, nest_steps) << "path " << path;
    const auto& mult = rec.traces[0].values;
    for (std::size_t k = 0; k < mult.size(); ++k) {
      const auto it = nest.find(k);
      EXPECT_EQ(mult[k], it == nest.end() ? 0.0 : it->second) << "step " << k << " path " << path;
    }
    if (path == 0)
      std::printf("parrot_neuron vs NEST: %zu spike steps identical (%zu NEST spikes with multiplicity)\n",
                  got.size(), ref.at("spike_times_ms").size());
  }
  EXPECT_TRUE(std::any_of(ref.at("spike_times_ms").begin(), ref.at("spike_times_ms").end(),
                          [&](const json& t) {
                            return std::count(ref.at("spike_times_ms").begin(), ref.at("spike_times_ms").end(), t) > 1;
                          }))
      << "the reference has a spike of multiplicity 2";
}

TEST(ParrotNeuron, SpikesWhenItsPortSumIsPositiveAndTakesNoCurrent) {
  models::parrot_neuron::constants c{};
  real_t s[1];
  models::parrot_neuron::initial_state({}, s);
  const real_t ports[2][2] = {{0, 5}, {3, 0}};
  EXPECT_FALSE(models::parrot_neuron::update(c, s, {100, 10, ports[0], 0})) << "port 'ignored', current, delta";
  EXPECT_EQ(s[0], 0.0);
  EXPECT_TRUE(models::parrot_neuron::update(c, s, {0, 0, ports[1], 0}));
  EXPECT_EQ(s[0], 3.0);
  network net({.dt = units::time_q(0.1)});
  net.add_population<models::parrot_neuron>("P", 1);
  EXPECT_THROW(net.add_constant_current("P", units::current_q(10.0)), user_error);
}

}  // namespace test_nest_pp_parrot
