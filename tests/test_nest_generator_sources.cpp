// NEST's stateful spike generators (models/nest_generator_sources.hpp, lowered by host/nest_generators.cpp):
// gamma_sup_generator, ppd_sup_generator, poisson_generator_ps, sinusoidal_gamma_generator.
//   (1) statistics against their definitions (models run directly, several seeds, long runs): rates, ISI laws
//       (minimum ISIs of the dead times, CV^2), Fano factors of superpositions, sinusoidal rate profiles, Poisson
//       counts per step (multiplicity);
//   (2) against NEST 3.10 (tests/reference/nest_generator_sources.json, tools/nest_reference/
//       make_generator_source_references.py): window edges and spike totals through the NEST layer (exact where
//       NEST's counts are deterministic), rates, ISI histograms, first-spike steps, Fano factors and rate profiles;
//   (3) determinism (same trains on 1 and 2 threads, other trains for another seed), independent trains per
//       target, one shared train for sinusoidal_gamma_generator with individual_spike_trains false;
//   (4) parameter errors, NEST's and volley's caps on the per-train state.
// The tests use the model types directly (network::add_population<Model>) or the NEST layer's device names, so
// they do not depend on the models' registry entries.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "models/nest_generator_sources.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_generator_sources {

using namespace volley;
using namespace volley::models;
using nest::json;

namespace {

// The seeds of a statistical check: all of them, or the first alone under AddressSanitizer (CI's sanitizer stage
// runs the code paths; the release stage runs every seed).
std::vector<std::uint64_t> seeds(std::initializer_list<std::uint64_t> all) {
#if defined(VOLLEY_SANITIZED)  // CMakeLists.txt, VOLLEY_SANITIZE
  return {*all.begin()};
#else
  return all;
#endif
}

constexpr double dt = 0.1;  // ms

json reference() {
  std::ifstream in(std::string(VOLLEY_SOURCE_DIR) + "/tests/reference/nest_generator_sources.json");
  if (!in) throw std::runtime_error("cannot read tests/reference/nest_generator_sources.json");
  return json::parse(in);
}

using trains_t = std::vector<std::vector<std::int64_t>>;  // per train: the steps of its spikes, one entry per spike

// Runs n trains of Model directly; each spike step appears `multiplicity` times when with_multiplicity.
template <class Model>
trains_t direct_trains(const typename Model::params& p, index_t n, double t_ms, std::uint64_t seed,
                       bool with_multiplicity = false, int threads = 1) {
  network net(network_options{units::time_q(dt), seed, 1});
  net.add_population<Model>("G", n, p);
  run_options ro;
  ro.threads = threads;
  simulator sim(net, ro);
  sim.record_spikes("G");
  if (with_multiplicity) {
    trace_request tr;
    tr.population = "G";
    tr.variable = "multiplicity";
    sim.record_trace(tr);
  }
  sim.run(units::time_q(t_ms));
  trains_t out(n);
  const auto& sr = sim.record().spikes.at(0);
  for (std::size_t k = 0; k < sr.size(); ++k) {
    int m = 1;
    if (with_multiplicity) {
      const double x = sim.record().traces.at(0).values[std::size_t(sr.step[k]) * n + sr.neuron[k]];
      EXPECT_EQ(x, std::round(x));
      EXPECT_GE(x, 1.0);
      m = static_cast<int>(x);
    }
    for (int q = 0; q < m; ++q) out[sr.neuron[k]].push_back(sr.step[k]);
  }
  return out;
}

struct isi_stats {
  double n = 0, mean = 0, cv2 = 0;
  std::int64_t min = 0;
};
isi_stats isis(const trains_t& trains) {
  std::vector<double> x;
  for (const auto& t : trains)
    for (std::size_t k = 1; k < t.size(); ++k) x.push_back(double(t[k] - t[k - 1]));
  isi_stats s;
  s.n = double(x.size());
  if (x.empty()) return s;
  s.mean = std::accumulate(x.begin(), x.end(), 0.0) / s.n;
  double v = 0;
  for (double y : x) v += (y - s.mean) * (y - s.mean);
  s.cv2 = v / s.n / (s.mean * s.mean);
  s.min = static_cast<std::int64_t>(*std::min_element(x.begin(), x.end()));
  return s;
}

std::vector<double> isi_histogram(const trains_t& trains, int bin_steps, int bins) {
  std::vector<double> h(bins + 1, 0.0);
  for (const auto& t : trains)
    for (std::size_t k = 1; k < t.size(); ++k) h[std::min<std::int64_t>((t[k] - t[k - 1]) / bin_steps, bins)] += 1;
  return h;
}

// Variance over mean of the spike counts in windows of `window` steps (all trains, all whole windows).
double fano(const trains_t& trains, std::int64_t steps, std::int64_t window) {
  std::vector<double> c;
  for (const auto& t : trains) {
    std::vector<double> w(steps / window, 0.0);
    for (auto s : t)
      if (s / window < std::int64_t(w.size())) w[s / window] += 1;
    c.insert(c.end(), w.begin(), w.end());
  }
  const double mean = std::accumulate(c.begin(), c.end(), 0.0) / c.size();
  double v = 0;
  for (double x : c) v += (x - mean) * (x - mean);
  return v / c.size() / mean;
}

double total(const trains_t& t) {
  double n = 0;
  for (const auto& x : t) n += double(x.size());
  return n;
}

// Two-sample chi-square per bin of histograms a (from na trains) and b (from nb trains).
double chi2_two_samples(const std::vector<double>& a, double na, const std::vector<double>& b, double nb) {
  double chi2 = 0;
  int bins = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double var = a[k] / (na * na) + b[k] / (nb * nb);
    if (var > 0) {
      chi2 += (a[k] / na - b[k] / nb) * (a[k] / na - b[k] / nb) / var;
      ++bins;
    }
  }
  return chi2 / std::max(bins, 1);
}
// Pearson chi-square per bin against expected counts.
double chi2_expected(const std::vector<double>& observed, const std::vector<double>& expected) {
  double chi2 = 0;
  for (std::size_t b = 0; b < observed.size(); ++b)
    chi2 += (observed[b] - expected[b]) * (observed[b] - expected[b]) / std::max(expected[b], 1.0);
  return chi2 / observed.size();
}

std::vector<double> numbers(const json& v) {
  std::vector<double> out;
  for (const auto& x : v) out.push_back(x.get<double>());
  return out;
}

// Phase and depth of a rate profile 1 + m sin(theta + phase) from its histogram over one period (bins of equal
// width, counts pooled over periods): the first Fourier component, phase = atan2(sum n cos, sum n sin); the
// estimate spreads by about sqrt(2 / N) / m rad for N spikes.
struct modulation {
  double phase, depth, n;
};
modulation modulation_of(const std::vector<double>& profile) {
  double c = 0, sn = 0, n = 0;
  for (std::size_t b = 0; b < profile.size(); ++b) {
    const double theta = 2 * M_PI * (b + 0.5) / profile.size();
    c += profile[b] * std::cos(theta);
    sn += profile[b] * std::sin(theta);
    n += profile[b];
  }
  return {std::atan2(c, sn), 2 * std::hypot(c, sn) / n, n};
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

gamma_sup_generator::params gamma(double rate_hz, double shape, double n_proc) {
  gamma_sup_generator::params p;
  p.rate = units::rate_q(rate_hz * 1e-3);
  p.gamma_shape = units::dimensionless_q(shape);
  p.n_proc = units::dimensionless_q(n_proc);
  return p;
}
ppd_sup_generator::params ppd(double rate_hz, double dead_time, double n_proc, double f_hz = 0, double a = 0) {
  ppd_sup_generator::params p;
  p.rate = units::rate_q(rate_hz * 1e-3);
  p.dead_time = units::time_q(dead_time);
  p.n_proc = units::dimensionless_q(n_proc);
  p.frequency = units::rate_q(f_hz * 1e-3);
  p.relative_amplitude = units::dimensionless_q(a);
  return p;
}
poisson_generator_ps::params ps(double rate_hz, double dead_time) {
  poisson_generator_ps::params p;
  p.rate = units::rate_q(rate_hz * 1e-3);
  p.dead_time = units::time_q(dead_time);
  return p;
}
sinusoidal_gamma_generator::params sg(double rate_hz, double amp_hz, double f_hz, double phase, double order) {
  sinusoidal_gamma_generator::params p;
  p.rate = units::rate_q(rate_hz * 1e-3);
  p.amplitude = units::rate_q(amp_hz * 1e-3);
  p.frequency = units::rate_q(f_hz * 1e-3);
  p.phase = units::dimensionless_q(phase);
  p.order = units::dimensionless_q(order);
  return p;
}

// NEST layer: a generator into parrot_neurons with a spike_recorder; trains[target] = generator steps k of the
// arrivals (a parrot's stamp is (k + 1) h + d). Parrots repeat one spike per step: for single trains only.
trains_t layer_parrot_trains(const std::string& model, const json& params, std::size_t n, double t_ms, double d,
                             std::uint64_t seed, int threads = 1) {
  nest::kernel k({.resolution_ms = dt, .rng_seed = seed, .local_num_threads = threads});
  const auto g = k.create(model, 1, params);
  const auto par = k.create("parrot_neuron", n);
  const auto sr = k.create("spike_recorder");
  k.connect(g, par, "all_to_all", {{"delay", d}});
  k.connect(par, sr);
  k.simulate(t_ms);
  const json ev = k.get_events(sr);
  trains_t out(n);
  for (std::size_t e = 0; e < ev.at("times").size(); ++e)
    out[ev.at("senders")[e].get<std::uint64_t>() - par.first_id].push_back(
        std::llround((ev.at("times")[e].get<double>() - d) / dt) - 1);
  for (auto& t : out) std::sort(t.begin(), t.end());
  return out;
}

json integrator_params() {
  return {{"C_m", 1.0}, {"tau_m", 1e12}, {"E_L", 0.0}, {"V_m", 0.0}, {"V_reset", 0.0}, {"V_th", 1e12}, {"t_ref", 0.0}};
}

}  // namespace

// ------------------------------------------------------------------------------------------ (1) definitions

// One gamma process (n_proc 1, shape K): ISI = sum of K geometric waits of p = rate K h, so mean K / p steps (the
// rate) and CV^2 = (1 - p) / K; a superposition keeps the component's CV^2 as its Fano factor in long windows.
TEST(NestGeneratorSources, GammaSupFollowsItsDefinition) {
  const double rate = 50, K = 4, p = rate * 1e-3 * K * dt;
  for (std::uint64_t seed : seeds({1, 2, 3})) {
    const auto s = isis(direct_trains<gamma_sup_generator>(gamma(rate, K, 1), 100, 5000.0, seed));
    std::printf("gamma_sup single (seed %llu): %.0f ISIs, mean %.2f steps (definition %.2f), CV^2 %.4f (%.4f)\n",
                (unsigned long long)seed, s.n, s.mean, K / p, s.cv2, (1 - p) / K);
    EXPECT_NEAR(s.mean, K / p, 4 * std::sqrt((1 - p) / K / s.n) * K / p);
    EXPECT_NEAR(s.cv2, (1 - p) / K, 0.02);
  }
  const double rate2 = 20, K2 = 3, p2 = rate2 * 1e-3 * K2 * dt;
  for (std::uint64_t seed : seeds({4, 5})) {
    const auto t = direct_trains<gamma_sup_generator>(gamma(rate2, K2, 100), 40, 20000.0, seed, true);
    const double F = fano(t, 200000, 10000), r = total(t) / 40 / 20.0;
    std::printf("gamma_sup 100 x shape 3 (seed %llu): rate %.1f Hz (2000), Fano(1 s) %.4f (component CV^2 %.4f)\n",
                (unsigned long long)seed, r, F, (1 - p2) / K2);
    EXPECT_NEAR(r, 2000.0, 4 * std::sqrt(2000.0 * F / 800));
    EXPECT_NEAR(F, (1 - p2) / K2, 0.08);  // 800 windows: the estimate spreads by 0.017
  }
}

// One Poisson process with dead time: B = floor(d / h) refractory steps, then a geometric wait of hazard
// q = h / (1 / rate - d): the shortest ISI is B + 1 steps, the mean B + 1 + (1 - q) / q (= 1 / (rate h)), the
// variance (1 - q) / q^2; a superposition's Fano factor in long windows is that CV^2 (continuum: (1 - rate d)^2).
TEST(NestGeneratorSources, PpdSupFollowsItsDefinition) {
  for (std::uint64_t seed : seeds({1, 2, 3})) {
    const double B = 50, q = dt / (1 / 0.05 - 5.0);
    const auto t = direct_trains<ppd_sup_generator>(ppd(50, 5.0, 1), 100, 5000.0, seed);
    const auto s = isis(t);
    const double mean = B + 1 + (1 - q) / q, cv2 = (1 - q) / (q * q) / (mean * mean);
    std::printf("ppd_sup single (seed %llu): min ISI %lld steps (%g), mean %.1f (%.1f), CV^2 %.4f (%.4f)\n",
                (unsigned long long)seed, (long long)s.min, B + 1, s.mean, mean, s.cv2, cv2);
    EXPECT_EQ(s.min, B + 1);
    EXPECT_NEAR(s.mean, mean, 4 * std::sqrt(cv2 / s.n) * mean);
    EXPECT_NEAR(s.cv2, cv2, 0.03);
    // above the dead time the ISI is geometric: counts of B + 1 + j against n q (1 - q)^j, 10-step bins
    std::vector<double> obs(30, 0.0), exp(30, 0.0);
    for (const auto& x : t)
      for (std::size_t k = 1; k < x.size(); ++k) {
        const auto j = (x[k] - x[k - 1] - std::int64_t(B) - 1) / 10;
        if (j < 30) obs[j] += 1;
      }
    for (int b = 0; b < 30; ++b) exp[b] = s.n * (std::pow(1 - q, 10 * b) - std::pow(1 - q, 10 * (b + 1)));
    const double chi2 = chi2_expected(obs, exp);
    std::printf("  geometric tail above the dead time: chi2/bin %.3f\n", chi2);
    EXPECT_LT(chi2, 2.2);
  }
  const double B = 40, q = dt / (1 / 0.1 - 4.0), mean = B + 1 + (1 - q) / q, cv2 = (1 - q) / (q * q) / (mean * mean);
  for (std::uint64_t seed : seeds({4, 5})) {
    const auto t = direct_trains<ppd_sup_generator>(ppd(100, 4.0, 50), 40, 20000.0, seed, true);
    const double F = fano(t, 200000, 10000), r = total(t) / 40 / 20.0;
    std::printf("ppd_sup 50 x (100 Hz, 4 ms) (seed %llu): rate %.1f Hz (5000), Fano(1 s) %.4f (%.4f; (1 - r d)^2 = "
                "0.36)\n", (unsigned long long)seed, r, F, cv2);
    EXPECT_NEAR(r, 5000.0, 4 * std::sqrt(5000.0 * F / 800));
    EXPECT_NEAR(F, cv2, 0.07);  // 800 windows: the estimate spreads by 0.018
  }
}

// Modulated ppd_sup: the hazard times 1 + a sin(2 pi f k h) over each step k; with 200 processes the pooled rate
// follows the modulation up to the dead time's low-pass: only its mean and the phase of its peak are checked here
// (the profile against NEST's in NestStatisticsMatch).
TEST(NestGeneratorSources, PpdSupModulationPeaksWhereTheHazardDoes) {
  const auto t = direct_trains<ppd_sup_generator>(ppd(30, 3.0, 200, 20.0, 0.5), 20, 5000.0, 7, true);
  std::vector<double> prof(25, 0.0);
  for (const auto& x : t)
    for (auto s : x) prof[(s % 500) * 25 / 500] += 1;
  const auto peak = std::max_element(prof.begin(), prof.end()) - prof.begin();
  const double r = total(t) / 20 / 5.0;
  std::printf("ppd_sup modulated: rate %.1f Hz (about 200 x 30 = 6000), peak in bin %ld of 25 (hazard's: 6)\n", r,
              (long)peak);
  EXPECT_NEAR(r, 6000.0, 300.0);
  EXPECT_NEAR(double(peak), 6.0, 2.0);  // sin peaks at a quarter period: 12.5 ms = bin 6
}

// poisson_generator_ps: intervals d + Exp(1 / rate - d), counted in the step of their stamp: no ISI below
// d / h steps, mean 1 / (rate h), CV^2 (1 - rate d)^2; without dead time the counts per step are Poisson(rate h).
TEST(NestGeneratorSources, PoissonPsFollowsItsDefinition) {
  for (std::uint64_t seed : seeds({1, 2, 3})) {
    const auto s = isis(direct_trains<poisson_generator_ps>(ps(100, 3.0), 100, 5000.0, seed));
    std::printf("poisson_generator_ps (100 Hz, 3 ms, seed %llu): min ISI %lld steps (30), mean %.2f (100), CV^2 "
                "%.4f (0.49)\n", (unsigned long long)seed, (long long)s.min, s.mean, s.cv2);
    EXPECT_EQ(s.min, 30);
    EXPECT_NEAR(s.mean, 100.0, 4 * 0.7 * 100 / std::sqrt(s.n));
    EXPECT_NEAR(s.cv2, 0.49, 0.02);
  }
  for (std::uint64_t seed : seeds({4, 5})) {
    const double lambda = 20000 * 1e-3 * dt;  // 2 spikes per step
    const std::int64_t steps = 20000;
    const auto t = direct_trains<poisson_generator_ps>(ps(20000, 0.0), 10, steps * dt, seed, true);
    std::vector<double> per_step(steps * 10, 0.0);
    for (std::size_t i = 0; i < t.size(); ++i)
      for (auto s : t[i]) per_step[i * steps + s] += 1;
    double mean = 0, var = 0, zeros = 0;
    for (double c : per_step) mean += c, zeros += c == 0;
    mean /= per_step.size();
    for (double c : per_step) var += (c - mean) * (c - mean);
    var /= per_step.size();
    zeros /= per_step.size();
    std::printf("poisson_generator_ps (20 kHz, seed %llu): per step mean %.4f var %.4f P(0) %.4f (2, 2, %.4f)\n",
                (unsigned long long)seed, mean, var, zeros, std::exp(-lambda));
    EXPECT_NEAR(mean, lambda, 0.03);
    EXPECT_NEAR(var, lambda, 0.06);
    EXPECT_NEAR(zeros, std::exp(-lambda), 0.006);
  }
}

// The first spike of poisson_generator_ps comes from the stationary backward recurrence time: uniform in [0, d)
// with probability rate d, else d + Exp(1 / rate - d): mean rate d^2 / 2 + (1 - rate d) / rate.
TEST(NestGeneratorSources, PoissonPsStartsInEquilibrium) {
  const auto t = direct_trains<poisson_generator_ps>(ps(100, 3.0), 2000, 200.0, 9);
  double sum = 0, n = 0;
  for (const auto& x : t)
    if (!x.empty()) sum += double(x[0] + 1) * dt, n += 1;  // the stamp (k + 1) h, x ceiled to the grid
  const double expected = 0.1 * 9 / 2 + 0.7 / 0.1 + dt / 2;
  std::printf("poisson_generator_ps first stamp: mean %.3f ms (definition %.3f)\n", sum / n, expected);
  EXPECT_NEAR(sum / n, expected, 4 * 6.5 / std::sqrt(n));
}

// sinusoidal_gamma_generator: the rate profile over the period follows rate + amplitude sin(2 pi f t + phase) at
// the stamps t = (k + 1) h; without modulation the ISI CV^2 is about 1 / order.
TEST(NestGeneratorSources, SinusoidalGammaFollowsItsRateProfile) {
  const double rate = 100, amp = 50, f = 10, phase = 45, order = 3;
  for (std::uint64_t seed : seeds({1, 2})) {
    const auto t = direct_trains<sinusoidal_gamma_generator>(sg(rate, amp, f, phase, order), 200, 3000.0, seed);
    std::vector<double> obs(20, 0.0), exp(20, 0.0);
    for (const auto& x : t)
      for (auto s : x)
        if (s >= 1000) obs[((s + 1) % 1000) * 20 / 1000] += 1;  // after 100 ms (the start's transient)
    for (std::int64_t k = 1000; k < 30000; ++k) {
      const double tt = (k + 1) * dt;
      exp[((k + 1) % 1000) * 20 / 1000] +=
          200 * dt * 1e-3 * (rate + amp * std::sin(2 * M_PI * f * 1e-3 * tt + phase * M_PI / 180));
    }
    // Poisson variances: a gamma train's counts in 5 ms bins vary somewhat less (measured chi2/bin 0.3 - 0.8)
    const double chi2 = chi2_expected(obs, exp);
    const modulation m = modulation_of(obs);
    const double se = std::sqrt(2 / m.n) / (amp / rate);
    std::printf("sinusoidal_gamma profile (seed %llu): chi2/bin %.3f, phase %.4f rad (%.4f +- %.4f), depth %.4f "
                "(%.2f)\n", (unsigned long long)seed, chi2, m.phase, phase * M_PI / 180, se, m.depth, amp / rate);
    EXPECT_LT(chi2, 1.8);
    EXPECT_NEAR(m.phase, phase * M_PI / 180, 4 * se);
    EXPECT_NEAR(m.depth, amp / rate, 4 * std::sqrt(2 / m.n));
  }
  for (std::uint64_t seed : seeds({3, 4})) {
    const auto s = isis(direct_trains<sinusoidal_gamma_generator>(sg(100, 0, 0, 0, order), 100, 5000.0, seed));
    std::printf("sinusoidal_gamma unmodulated (order 3, seed %llu): mean ISI %.2f steps (100), CV^2 %.4f (1/3)\n",
                (unsigned long long)seed, s.mean, s.cv2);
    EXPECT_NEAR(s.mean, 100.0, 2.0);
    EXPECT_NEAR(s.cv2, 1.0 / 3, 0.02);
  }
}

// The hazard's ratio x^(g-1) e^-x / Gamma(g, x) against closed forms: g = 1: 1; g = 2: x / (1 + x); g = 3:
// x^2 / (2 (1 + x + x^2 / 2)); and finite where NEST's is 0 / 0 (x = 1000).
TEST(NestGeneratorSources, GammaHazardRatioMatchesClosedForms) {
  double worst = 0;
  for (double x : {1e-6, 0.01, 0.5, 1.0, 2.0, 2.9, 3.1, 4.0, 10.0, 50.0, 300.0, 1000.0}) {
    const double r1 = nest_generators::gamma_hazard_ratio(1.0, 0.0, x);
    const double r2 = nest_generators::gamma_hazard_ratio(2.0, std::lgamma(2.0), x);
    const double r3 = nest_generators::gamma_hazard_ratio(3.0, std::lgamma(3.0), x);
    worst = std::max({worst, std::abs(r1 - 1.0), std::abs(r2 / (x / (1 + x)) - 1),
                      std::abs(r3 / (x * x / (2 * (1 + x + x * x / 2))) - 1)});
  }
  std::printf("gamma hazard ratio: worst relative error %.3g\n", worst);
  EXPECT_LT(worst, 1e-12);
  EXPECT_EQ(nest_generators::gamma_hazard_ratio(2.0, 0.0, 0.0), 0.0);
}

// ------------------------------------------------------------------------------------------ (2) against NEST

// Window edges through the NEST layer (integrators fed with weight w: V steps / w = spikes per step, so the
// multiplicity payload is checked too): first and last arrival equal NEST's; gamma_sup / ppd_sup (every process
// moves every step) and sinusoidal_gamma (a spike every active step) send exactly NEST's spike totals.
TEST(NestGeneratorSources, WindowsAndTotalsMatchNest) {
  const double w = 0.5;
  int cases = 0;
  const json ref = reference();
  for (const auto& c : ref.at("windows")) {
    const std::string model = c.at("model");
    const double d = c.at("delay");
    const std::size_t n = c.at("targets");
    nest::kernel k({.resolution_ms = dt, .rng_seed = 3});
    const auto targets = k.create("iaf_psc_delta", n, integrator_params());
    const auto g = k.create(model, 1, c.at("params"));
    k.connect(g, targets, "all_to_all", {{"weight", w}, {"delay", d}});
    if (!c.at("other_delay").is_null()) {
      const auto pair = k.create("iaf_psc_alpha", 2);
      k.connect(pair[0], pair[1], "all_to_all", {{"weight", 1.0}, {"delay", c.at("other_delay").get<double>()}});
    }
    const auto mm = k.create("multimeter", 1, {{"record_from", {"V_m"}}, {"interval", dt}});
    k.connect(mm, targets);
    k.simulate(12.0);
    const json ev = k.get_events(mm);
    std::vector<double> last(n, 0.0);
    long first_step = -1, last_step = -1;
    double spikes = 0;
    for (std::size_t e = 0; e < ev.at("V_m").size(); ++e) {
      const std::size_t node = ev.at("senders")[e].get<std::uint64_t>() - targets.first_id;
      const double x = ev.at("V_m")[e].get<double>();
      const double count = (x - last[node]) / w;
      last[node] = x;
      ASSERT_NEAR(count, std::round(count), 1e-6);
      if (count < 0.5) continue;
      const long step = std::lround(ev.at("times")[e].get<double>() / dt) - 1;
      if (first_step < 0 || step < first_step) first_step = step;
      last_step = std::max(last_step, step);
      spikes += std::round(count);
    }
    ASSERT_GE(first_step, 0) << c.dump();
    EXPECT_NEAR((first_step + 1) * dt, c.at("first_ms").get<double>(), 1e-9) << c.dump();
    EXPECT_NEAR((last_step + 1) * dt, c.at("last_ms").get<double>(), 1e-9) << c.dump();
    const double nest_spikes = c.at("spikes");
    if (model == "poisson_generator_ps")
      EXPECT_NEAR(spikes, nest_spikes, 5 * std::sqrt(2 * nest_spikes)) << c.dump();
    else
      EXPECT_EQ(spikes, nest_spikes) << c.dump();
    ++cases;
  }
  EXPECT_EQ(cases, 16);
}

// Single trains through the NEST layer (parrots) against NEST's statistics of the same parameters: rate, ISI CV^2
// and histogram, minimum ISI (deterministic for the dead times), first-spike step, Fano factor.
TEST(NestGeneratorSources, SingleTrainStatisticsMatchNest) {
  const json st = reference().at("statistics");
  const std::map<std::string, std::string> models = {{"gamma_single", "gamma_sup_generator"},
                                                     {"ppd_single", "ppd_sup_generator"},
                                                     {"ps_dead", "poisson_generator_ps"},
                                                     {"ps_plain", "poisson_generator_ps"},
                                                     {"sinusoidal_gamma", "sinusoidal_gamma_generator"}};
  for (const auto& [key, model] : models) {
    const json& s = st.at(key);
    const std::size_t n = s.at("n");
    const double t_sim = s.at("t_sim_ms"), d = s.at("delay");
    // ps_plain (400 Hz, no dead time) can put two spikes in one step, which a parrot repeats once: count those
    // through the model directly
    const trains_t t = key == "ps_plain" ? direct_trains<poisson_generator_ps>(ps(400, 0), n, t_sim, 41, true)
                                         : layer_parrot_trains(model, s.at("params"), n, t_sim, d, 41);
    const auto is = isis(t);
    const double rate = total(t) / n / (t_sim * 1e-3);
    const double F = fano(t, std::llround(t_sim / dt), std::llround(s.at("fano_window_ms").get<double>() / dt));
    double first = 0, first_n = 0;
    for (const auto& x : t)
      if (!x.empty()) first += double(x[0]), first_n += 1;
    first /= first_n;
    const int bin = s.at("isi_bin_steps");
    const auto nest_hist = numbers(s.at("isi_hist"));
    const auto hist = isi_histogram(t, bin, int(nest_hist.size()) - 1);
    const double chi2 = chi2_two_samples(hist, 1.0, nest_hist, 1.0);
    const double nest_rate = s.at("rate_hz"), nest_F = s.at("fano");
    std::printf("%-17s rate %.2f Hz (NEST %.2f), CV^2 %.4f (%.4f), min ISI %lld (%d), first step %.1f (%.1f), Fano "
                "%.3f (%.3f), ISI histogram chi2/bin %.3f\n", key.c_str(), rate, nest_rate, is.cv2,
                s.at("isi_cv2").get<double>(), (long long)is.min, s.at("isi_min_steps").get<int>(), first,
                s.at("first_step_mean").get<double>(), F, nest_F, chi2);
    const double rate_se = std::sqrt(2 * nest_F * nest_rate / (n * t_sim * 1e-3));
    EXPECT_NEAR(rate, nest_rate, 4.5 * rate_se) << key;
    EXPECT_NEAR(is.cv2, s.at("isi_cv2").get<double>(), 0.04) << key;
    if (key == "ppd_single" || key == "ps_dead") {
      EXPECT_EQ(is.min, s.at("isi_min_steps").get<int>()) << key;
    }
    EXPECT_NEAR(first, s.at("first_step_mean").get<double>(),
                4.5 * std::sqrt(2.0) * s.at("first_step_sd").get<double>() / std::sqrt(double(n)))
        << key;
    EXPECT_NEAR(F, nest_F, 0.15 * nest_F) << key;
    EXPECT_LT(chi2, 2.0) << key;
    if (s.contains("profile")) {  // sinusoidal_gamma: spikes per phase bin of the stamps over the period
      std::vector<double> prof(20, 0.0);
      for (const auto& x : t)
        for (auto k : x) prof[((k + 1) % 1000) * 20 / 1000] += 1;
      const double c2 = chi2_two_samples(prof, 1.0, numbers(s.at("profile")), 1.0);
      const modulation mv = modulation_of(prof), mn = modulation_of(numbers(s.at("profile")));
      const double se = std::sqrt(2 / mv.n + 2 / mn.n) / mn.depth;
      std::printf("  rate profile over the period: chi2/bin %.3f vs NEST, phase %.4f rad (NEST %.4f, +- %.4f), "
                  "depth %.4f (%.4f)\n", c2, mv.phase, mn.phase, se, mv.depth, mn.depth);
      EXPECT_LT(c2, 2.2);
      EXPECT_NEAR(mv.phase, mn.phase, 4 * se);
      EXPECT_NEAR(mv.depth, mn.depth, 4 * std::sqrt(2 / mv.n + 2 / mn.n));
    }
  }
}

// Superpositions (multiplicity > 1 per step: counted from the model's payload state) against NEST's rates, Fano
// factors and, for the modulated ppd_sup, the rate profile over the period.
TEST(NestGeneratorSources, SuperpositionStatisticsMatchNest) {
  const json st = reference().at("statistics");
  for (const char* key : {"gamma_sup", "ppd_sup", "ppd_modulated"}) {
    const json& s = st.at(key);
    const json& p = s.at("params");
    const index_t n = s.at("n");
    const double t_sim = s.at("t_sim_ms");
    const trains_t t =
        std::string(key) == "gamma_sup"
            ? direct_trains<gamma_sup_generator>(gamma(p.at("rate"), p.at("gamma_shape"), p.at("n_proc")), n, t_sim,
                                                 51, true)
            : direct_trains<ppd_sup_generator>(ppd(p.at("rate"), p.at("dead_time"), p.at("n_proc"),
                                                   p.value("frequency", 0.0), p.value("relative_amplitude", 0.0)),
                                               n, t_sim, 52, true);
    const double rate = total(t) / n / (t_sim * 1e-3);
    const double F = fano(t, std::llround(t_sim / dt), std::llround(s.at("fano_window_ms").get<double>() / dt));
    const double nest_rate = s.at("rate_hz"), nest_F = s.at("fano");
    std::printf("%-14s rate %.1f Hz (NEST %.1f), Fano %.4f (%.4f)\n", key, rate, nest_rate, F, nest_F);
    EXPECT_NEAR(rate, nest_rate, 4.5 * std::sqrt(2 * nest_F * nest_rate / (n * t_sim * 1e-3))) << key;
    EXPECT_NEAR(F, nest_F, 0.12 * nest_F) << key;
    if (s.contains("profile")) {
      const auto nest_prof = numbers(s.at("profile"));
      const auto period = std::llround(s.at("period_ms").get<double>() / dt);
      std::vector<double> prof(nest_prof.size(), 0.0);
      for (const auto& x : t)
        for (auto k : x) prof[(k % period) * std::int64_t(prof.size()) / period] += 1;
      const double c2 = chi2_two_samples(prof, 1.0, nest_prof, 1.0);
      const modulation mv = modulation_of(prof), mn = modulation_of(nest_prof);
      const double se = std::sqrt(2 / mv.n + 2 / mn.n) / mn.depth;
      std::printf("  rate profile over the period: chi2/bin %.3f vs NEST, phase %.4f rad (NEST %.4f, +- %.4f), "
                  "depth %.4f (%.4f)\n", c2, mv.phase, mn.phase, se, mv.depth, mn.depth);
      EXPECT_LT(c2, 2.0);
      EXPECT_NEAR(mv.phase, mn.phase, 4 * se);
      EXPECT_NEAR(mv.depth, mn.depth, 4 * std::sqrt(2 / mv.n + 2 / mn.n));
    }
  }
}

// NEST stops a sinusoidal_gamma_generator for good once exp(-Lambda) underflows (0/0 hazard): rate 1000 Hz, start
// 1000 ms sends nothing in NEST. volley's hazard stays finite (documented deviation): the train fires at its rate.
TEST(NestGeneratorSources, SinusoidalGammaLateStartFiresUnlikeNest) {
  const json s = reference().at("statistics").at("sinusoidal_gamma_late_start");
  EXPECT_EQ(s.at("nest_spikes").get<int>(), 0);
  const auto t = layer_parrot_trains("sinusoidal_gamma_generator", s.at("params"), 2, s.at("t_sim_ms"), 1.0, 3);
  std::printf("sinusoidal_gamma late start: %.0f spikes in 99 ms x 2 trains (NEST: 0)\n", total(t));
  EXPECT_NEAR(total(t), 2 * 99 * 1.0, 5 * std::sqrt(200.0));
}

// ------------------------------------------------------------------------------------------ (3) trains

TEST(NestGeneratorSources, DeterministicPerSeedOnAnyThreadCount) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"gamma_sup_generator", {{"rate", 80.0}, {"gamma_shape", 3}, {"n_proc", 1}}},
      {"ppd_sup_generator", {{"rate", 60.0}, {"dead_time", 2.5}, {"n_proc", 1}}},
      {"poisson_generator_ps", {{"rate", 70.0}, {"dead_time", 1.0}}},
      {"sinusoidal_gamma_generator", {{"rate", 90.0}, {"amplitude", 30.0}, {"frequency", 4.0}, {"order", 2.0}}}};
  for (const auto& [model, params] : cases) {
    const auto one = layer_parrot_trains(model, params, 37, 500.0, 1.5, 9, 1);
    const auto two = layer_parrot_trains(model, params, 37, 500.0, 1.5, 9, 2);
    const auto other = layer_parrot_trains(model, params, 37, 500.0, 1.5, 10, 2);
    EXPECT_GT(total(one), 300) << model;
    EXPECT_EQ(one, two) << model << ": 1 and 2 threads";
    EXPECT_NE(one, other) << model << ": seeds 9 and 10";
  }
}

// Every target gets its own train: counts in 5 ms bins of different targets are uncorrelated; with
// individual_spike_trains false, sinusoidal_gamma_generator sends one train to all (as NEST's reference shows).
TEST(NestGeneratorSources, IndependentTrainsPerTargetOrOneSharedTrain) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"gamma_sup_generator", {{"rate", 100.0}, {"gamma_shape", 2}, {"n_proc", 1}}},
      {"ppd_sup_generator", {{"rate", 100.0}, {"dead_time", 2.0}, {"n_proc", 1}}},
      {"poisson_generator_ps", {{"rate", 100.0}, {"dead_time", 2.0}}},
      {"sinusoidal_gamma_generator", {{"rate", 100.0}, {"amplitude", 0.0}, {"order", 2.0}}}};
  for (const auto& [model, params] : cases) {
    const std::size_t n = 30;
    const auto t = layer_parrot_trains(model, params, n, 2000.0, 1.0, 12);
    std::vector<std::vector<double>> c(n, std::vector<double>(400, 0.0));
    for (std::size_t i = 0; i < n; ++i)
      for (auto k : t[i]) c[i][std::min<std::int64_t>(k / 50, 399)] += 1;
    double corr = 0;
    int pairs = 0;
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = a + 1; b < n; ++b) {
        double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
        for (int k = 0; k < 400; ++k) ma += c[a][k] / 400, mb += c[b][k] / 400;
        for (int k = 0; k < 400; ++k) {
          sab += (c[a][k] - ma) * (c[b][k] - mb);
          saa += (c[a][k] - ma) * (c[a][k] - ma);
          sbb += (c[b][k] - mb) * (c[b][k] - mb);
        }
        corr += sab / std::sqrt(saa * sbb);
        ++pairs;
      }
    corr /= pairs;
    std::printf("%s: mean pair correlation %.4f over %d pairs\n", model.c_str(), corr, pairs);
    EXPECT_NEAR(corr, 0.0, 0.02) << model;  // one pair's estimate spreads by 1 / sqrt(400) = 0.05
  }
  const json s = reference().at("statistics").at("sinusoidal_gamma_shared");
  EXPECT_TRUE(s.at("same_train_for_all_targets").get<bool>());
  json p = s.at("params");
  p["individual_spike_trains"] = false;
  nest::kernel k({.resolution_ms = dt, .rng_seed = 4});
  const auto g = k.create("sinusoidal_gamma_generator", 1, p);
  const auto a = k.create("parrot_neuron", 3), b = k.create("parrot_neuron", 2);
  const auto sr = k.create("spike_recorder");
  k.connect(g, a, "all_to_all", {{"delay", 1.0}});
  k.connect(g, b, "all_to_all", {{"delay", 1.0}});  // a second Connect: still the one train
  k.connect(a, sr);
  k.connect(b, sr);
  k.simulate(s.at("t_sim_ms").get<double>());
  const json ev = k.get_events(sr);
  std::vector<std::vector<double>> times(5);
  for (std::size_t e = 0; e < ev.at("times").size(); ++e)
    times[ev.at("senders")[e].get<std::uint64_t>() - a.first_id].push_back(ev.at("times")[e].get<double>());
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(times[i], times[0]) << "target " << i;
  std::printf("sinusoidal_gamma shared: %zu spikes per target (NEST %d)\n", times[0].size(),
              s.at("spikes_per_target").get<int>());
  EXPECT_NEAR(double(times[0].size()), s.at("spikes_per_target").get<double>(), 5 * std::sqrt(200.0));
}

// ------------------------------------------------------------------------------------------ (4) parameters

TEST(NestGeneratorSources, BadParametersNameTheParameter) {
  const std::vector<std::tuple<std::string, json, std::string>> bad = {
      {"gamma_sup_generator", {{"gamma_shape", 0}}, "gamma_shape"},
      {"gamma_sup_generator", {{"gamma_shape", 2.5}}, "gamma_shape"},
      {"gamma_sup_generator", {{"gamma_shape", 33}}, "gamma_shape"},  // volley's cap
      {"gamma_sup_generator", {{"rate", -1.0}}, "rate"},
      {"gamma_sup_generator", {{"n_proc", 0}}, "n_proc"},
      {"ppd_sup_generator", {{"n_proc", 1e17}}, "n_proc"},  // beyond the counts real_t holds exactly: at SetStatus
      {"ppd_sup_generator", {{"rate", 500.0}, {"dead_time", 2.0}}, "rate"},
      {"ppd_sup_generator", {{"rate", -5.0}}, "rate"},
      {"ppd_sup_generator", {{"dead_time", -1.0}}, "dead_time"},
      {"ppd_sup_generator", {{"relative_amplitude", 1.5}}, "relative_amplitude"},
      {"ppd_sup_generator", {{"rate", 10.0}, {"dead_time", 13.0}}, "dead_time"},  // 130 bins > 128: volley's cap
      {"poisson_generator_ps", {{"rate", -1.0}}, "rate"},
      {"poisson_generator_ps", {{"rate", 500.0}, {"dead_time", 2.5}}, "rate"},
      {"poisson_generator_ps", {{"dead_time", -0.5}}, "dead_time"},
      {"sinusoidal_gamma_generator", {{"order", 0.5}}, "order"},
      {"sinusoidal_gamma_generator", {{"rate", 10.0}, {"amplitude", 20.0}}, "amplitude"},
      {"gamma_sup_generator", {{"n_procs", 2}}, "n_procs"},
  };
  for (const auto& [model, params, name] : bad) {
    nest::kernel k({.resolution_ms = dt});
    const std::string m = message_of([&, &model = model, &params = params] { k.create(model, 1, params); });
    EXPECT_NE(m.find("'" + name + "'"), std::string::npos) << model << " " << params.dump() << ": " << m;
  }
  {  // NEST accepts these: negative frequencies, the dead time equal to the inverse rate of poisson_generator_ps
    nest::kernel k({.resolution_ms = dt});
    EXPECT_EQ(message_of([&] { k.create("ppd_sup_generator", 1, {{"frequency", -5.0}}); }), "");
    EXPECT_EQ(message_of([&] { k.create("sinusoidal_gamma_generator", 1, {{"frequency", -3.0}}); }), "");
    EXPECT_EQ(message_of([&] { k.create("poisson_generator_ps", 1, {{"rate", 500.0}, {"dead_time", 2.0}}); }), "");
    EXPECT_EQ(message_of([&] { k.create("gamma_sup_generator", 1, {{"gamma_shape", 32}}); }), "");
    EXPECT_EQ(message_of([&] { k.create("ppd_sup_generator", 1, {{"rate", 10.0}, {"dead_time", 12.8}}); }), "");
  }
  // the models themselves (direct use): validate() and derive() name the parameter, the value and the cap
  network net(network_options{units::time_q(dt), 1, 1});
  const std::string m1 = message_of([&] { net.add_population<gamma_sup_generator>("a", 1, gamma(10, 40, 1)); });
  EXPECT_NE(m1.find("gamma_shape = 40"), std::string::npos) << m1;
  EXPECT_NE(m1.find("32"), std::string::npos) << m1;
  const std::string m2 = message_of([&] { net.add_population<ppd_sup_generator>("b", 1, ppd(10, 20.0, 1)); });
  EXPECT_NE(m2.find("dead_time"), std::string::npos) << m2;
  EXPECT_NE(m2.find("128"), std::string::npos) << m2;
  const std::string m3 = message_of([&] { net.add_population<sinusoidal_gamma_generator>("c", 1, sg(10, 20, 1, 0, 1)); });
  EXPECT_NE(m3.find("amplitude"), std::string::npos) << m3;
  const std::string m4 = message_of([&] { net.add_population<poisson_generator_ps>("d", 1, ps(-1, 0)); });
  EXPECT_NE(m4.find("rate"), std::string::npos) << m4;
}

}  // namespace test_nest_generator_sources
