// brainpy.state's inputs: current generators evaluated in the fused update (against their definitions and the
// closed-form membrane response), OU/Wiener moments, Poisson spike sources, SpikeTime, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <functional>
#include <numbers>

#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "host/simulator.hpp"
#include "models/brainpy_if.hpp"
#include "models/spike_sources.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_inputs {

using namespace volley;
using namespace volley::units::literals;

namespace {

constexpr double dt = 0.1, tau = 10.0;  // ms; IF with R = 1 GOhm, so R I in mV equals I in pA

models::if_params quiet_if() {
  models::if_params p;
  p.R = 1.0_Gohm;
  p.tau = units::time_q(tau);
  p.V_th = 1e9_mV;  // never fires
  return p;
}

// Runs one IF neuron under `source` for `steps` steps; returns V after each step.
std::vector<double> run_if(const current_input& source, int steps) {
  network net({.dt = units::time_q(dt), .seed = 5});
  net.add_population<models::IF>("N", 1, quiet_if());
  net.add_current_input("N", source);
  simulator sim(net);
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.run(units::time_q(steps * dt));
  const auto& v = sim.record().traces[0].values;
  return {v.begin(), v.end()};
}

// The current (pA) the neuron received in each step, recovered exactly from exponential Euler:
// V_n = R I_n (1 - d) + d V_{n-1}, d = exp(-dt/tau), V_{-1} = 0.
std::vector<double> injected(const std::vector<double>& v) {
  const double d = std::exp(-dt / tau);
  std::vector<double> i(v.size());
  for (std::size_t n = 0; n < v.size(); ++n) i[n] = (v[n] - d * (n ? v[n - 1] : 0.0)) / (1 - d);
  return i;
}

run_options threaded(int threads) {
  run_options o;
  o.threads = threads;
  return o;
}

void expect_current(const std::vector<double>& v, const std::function<double(double)>& definition) {
  const auto i = injected(v);
  for (std::size_t n = 0; n < i.size(); ++n) ASSERT_NEAR(i[n], definition(n * dt), 1e-9) << "step " << n;
}

}  // namespace

TEST(InputCurrents, SectionIsPiecewiseConstantAndVFollowsTheClosedForm) {
  const std::vector<double> values{0, 10, -5, 20}, durations{1.0, 2.0, 0.5, 1.0};  // ms; then 0 from 4.5 ms
  section_input in;
  for (double x : values) in.values.emplace_back(x);
  for (double x : durations) in.durations.emplace_back(x);
  const auto v = run_if(in, 60);
  auto definition = [&](double t) {
    double end = 0;
    for (std::size_t k = 0; k < values.size(); ++k)
      if (t < (end += durations[k]) - 1e-9) return values[k];
    return 0.0;
  };
  expect_current(v, definition);
  // closed form: V relaxes to R I with time constant tau inside each section (sections on the grid)
  double v0 = 0, t0 = 0;
  std::size_t n = 0;
  for (std::size_t k = 0; k <= values.size(); ++k) {
    const double level = k < values.size() ? values[k] : 0.0, t1 = k < values.size() ? t0 + durations[k] : 6.0;
    for (; n < v.size() && (n + 1) * dt <= t1 + 1e-9; ++n)
      ASSERT_NEAR(v[n], level + (v0 - level) * std::exp(-((n + 1) * dt - t0) / tau), 1e-9) << "step " << n;
    v0 = level + (v0 - level) * std::exp(-(t1 - t0) / tau);
    t0 = t1;
  }
}

TEST(InputCurrents, SectionBoundaryOffTheGridTakesEffectAtTheNextStepStart) {
  const auto v = run_if(section_input{{5.0_pA, 7.0_pA}, {0.25_ms, 0.3_ms}}, 10);
  expect_current(v, [](double t) { return t < 0.25 ? 5.0 : (t < 0.55 ? 7.0 : 0.0); });  // steps 0-2, 3-5, then 0
}

TEST(InputCurrents, StepHoldsEachAmplitudeFromItsTimeAndConstantEndsAfterItsDuration) {
  const auto v = run_if(step_input{{5.0_pA, -3.0_pA, 12.0_pA}, {0.5_ms, 2.0_ms, 1.0_ms}}, 40);  // unsorted times
  expect_current(v, [](double t) {
    return t < 0.5 - 1e-9 ? 0.0 : (t < 1.0 - 1e-9 ? 5.0 : (t < 2.0 - 1e-9 ? 12.0 : -3.0));
  });
  const auto c = run_if(constant_input{8.0_pA, 1.5_ms}, 30);
  expect_current(c, [](double t) { return t < 1.5 - 1e-9 ? 8.0 : 0.0; });
}

TEST(InputCurrents, RampIsLinearInsideItsWindowAndVTracksTheContinuousSolution) {
  const double a = 10, b = 60, t1 = 1.0, len = 5.0, slope = (b - a) / len;  // pA, ms
  const ramp_input ramp{units::current_q(a), units::current_q(b), units::time_q(len), units::time_q(t1)};
  const auto v = run_if(ramp, 80);
  expect_current(v, [&](double t) { return t >= t1 - 1e-9 && t < t1 + len - 1e-9 ? a + slope * (t - t1) : 0.0; });
  // continuous ramp from t1 = 1 ms (a step start; V(t1) = 0): V(t) = a + s (u - tau) + (s tau - a) e^{-u/tau},
  // u = t - t1. Held over each step, the ramp is a staircase s dt below it on average by s dt / 2; its response
  // at the step ends is exactly -R s (dt / (1 - e^{-dt/tau}) - tau) (1 - e^{-u/tau}).
  const double lag = slope * (dt / -std::expm1(-dt / tau) - tau);
  for (int n = 10; n < 60; ++n) {
    const double u = (n + 1) * dt - t1, e = std::exp(-u / tau);
    const double continuous = a + slope * (u - tau) + (slope * tau - a) * e;
    ASSERT_NEAR(v[n], continuous - lag * (1 - e), 1e-9) << "step " << n;
  }
  EXPECT_NEAR(lag, slope * dt / 2, 1e-3 * slope * dt);
}

TEST(InputCurrents, SinusoidMatchesItsDefinitionAndTheSteadyStateResponse) {
  const double amp = 50, f = 0.1, bias = 10, w = 2 * std::numbers::pi * f;  // pA, 1/ms (100 Hz), pA, rad/ms
  const auto v = run_if(sinusoidal_input{units::current_q(amp), 100.0_Hz, 20.0_ms, units::current_q(bias)}, 300);
  expect_current(v, [&](double t) { return t < 20 - 1e-9 ? amp * std::sin(w * t) + bias : 0.0; });
  // exact for the held input: V_N = (1 - d) sum_k d^{N-1-k} I_k, a geometric series in r = e^{i w dt} / d
  const double d = std::exp(-dt / tau);
  const std::complex<double> r = std::polar(1.0 / d, w * dt);
  double worst = 0, max_slope = 0;
  for (int n = 0; n < 199; ++n) {
    const int steps = n + 1;
    const double geometric_sin = std::imag(std::pow(d, steps - 1) * (1.0 - std::pow(r, steps)) / (1.0 - r));
    const double discrete = (1 - d) * (amp * geometric_sin + bias * (1 - std::pow(d, steps)) / (1 - d));
    ASSERT_NEAR(v[n], discrete, 1e-9) << "step " << n;
    // tau V' = -V + I(t), V(0) = 0:
    //   V = bias (1 - e^{-t/tau}) + amp/(1 + w^2 tau^2) (sin wt - w tau cos wt + w tau e^{-t/tau})
    const double t = steps * dt, e = std::exp(-t / tau), wt = w * tau;
    const double exact = bias * (1 - e) + amp / (1 + wt * wt) * (std::sin(w * t) - wt * std::cos(w * t) + wt * e);
    worst = std::max(worst, std::abs(v[n] - exact));
    max_slope = std::max(max_slope, std::abs(amp * std::sin(w * t) + bias - exact) / tau);  // |V'| = |I - V| / tau
  }
  // the held input lags by dt / 2: |V - V_continuous| <= (dt / 2) max |V'| + O(dt^2)
  EXPECT_LT(worst, 1.1 * dt / 2 * max_slope);
  EXPECT_GT(worst, 0.5 * dt / 2 * max_slope);
}

namespace {

struct moments {
  double mean = 0, var = 0;
  std::size_t n = 0;
};

// x of every neuron of a stochastic source after each run segment, pooled over seeds.
std::vector<moments> sample_state(const current_input& source, const std::vector<double>& times, index_t size) {
  std::vector<moments> m(times.size());
  std::vector<std::vector<double>> xs(times.size());
  for (std::uint64_t seed : {11u, 12u}) {
    network net({.dt = units::time_q(dt), .seed = seed});
    auto& pop = net.add_population<models::IF>("N", size, quiet_if());
    net.add_current_input("N", source);
    simulator sim(net);
    double t = 0;
    for (std::size_t k = 0; k < times.size(); ++k) {
      sim.run(units::time_q(times[k] - t));
      t = times[k];
      const real_t* x = pop.current_state(0);
      xs[k].insert(xs[k].end(), x, x + size);
    }
  }
  for (std::size_t k = 0; k < times.size(); ++k) {
    for (double x : xs[k]) m[k].mean += x;
    m[k].n = xs[k].size();
    m[k].mean /= double(m[k].n);
    for (double x : xs[k]) m[k].var += (x - m[k].mean) * (x - m[k].mean);
    m[k].var /= double(m[k].n - 1);
  }
  return m;
}

}  // namespace

TEST(InputNoise, OUMeanAndVarianceFollowTheAnalyticMoments) {
  const double mean = 50, sigma = 4, t_ou = 5, x0 = -10;  // pA, pA/sqrt(ms), ms, pA
  const std::vector<double> times{0.5, 2.0, 10.0, 40.0};
  const auto m = sample_state(ou_input{units::current_q(mean), units::current_q(sigma), units::time_q(t_ou),
                                       units::time_q(forever_ms), units::current_q(x0)},
                              times, 10000);
  for (std::size_t k = 0; k < times.size(); ++k) {
    const double t = times[k], mu = mean + (x0 - mean) * std::exp(-t / t_ou);
    const double var = sigma * sigma * t_ou / 2 * (1 - std::exp(-2 * t / t_ou));
    const double n = double(m[k].n);
    EXPECT_NEAR(m[k].mean, mu, 4 * std::sqrt(var / n)) << "t = " << t;
    EXPECT_NEAR(m[k].var, var, 4 * var * std::sqrt(2 / (n - 1))) << "t = " << t;
  }
}

TEST(InputNoise, IntegratedWienerVarianceGrowsAsSigmaSquaredT) {
  const double sigma = 3;  // pA/sqrt(ms)
  const std::vector<double> times{0.1, 1.0, 10.0};
  const auto m = sample_state(wiener_input{units::current_q(sigma), units::time_q(forever_ms), true}, times, 10000);
  for (std::size_t k = 0; k < times.size(); ++k) {
    const double var = sigma * sigma * times[k], n = double(m[k].n);
    EXPECT_NEAR(m[k].mean, 0.0, 4 * std::sqrt(var / n)) << "t = " << times[k];
    EXPECT_NEAR(m[k].var, var, 4 * var * std::sqrt(2 / (n - 1))) << "t = " << times[k];
  }
}

TEST(InputNoise, WienerIncrementsHaveVarianceSigmaSquaredDtAndStopAfterTheDuration) {
  const double sigma = 3;
  network net({.dt = units::time_q(dt), .seed = 4});
  net.add_population<models::IF>("N", 20000, quiet_if());
  net.add_current_input("N", wiener_input{units::current_q(sigma), 0.2_ms, false});
  simulator sim(net);
  sim.record_trace({"N", "V", {}, 0.0_ms});
  sim.run(0.3_ms);
  const auto& v = sim.record().traces[0].values;  // [step][neuron]
  const double d = std::exp(-dt / tau);
  double sum = 0, sq = 0;
  for (std::size_t i = 0; i < 20000; ++i) {
    const double i0 = v[i] / (1 - d);  // the current of step 0
    sum += i0;
    sq += i0 * i0;
    ASSERT_NEAR(v[40000 + i], d * v[20000 + i], 1e-12);  // step 2 (t = 0.2 ms) is outside the window: no current
  }
  const double var = sq / 20000 - (sum / 20000) * (sum / 20000), expect = sigma * sigma * dt;
  EXPECT_NEAR(var, expect, 4 * expect * std::sqrt(2.0 / 20000));
}

TEST(InputNoise, BitwiseIdenticalForOneAndTwoThreadsAndRunAfterRun) {
  auto run = [](int threads) {
    network net({.dt = units::time_q(dt), .seed = 21, .batch = 2});
    auto& pop = net.add_population<models::IF>("N", 3000, quiet_if());
    auto& src = net.add_population<models::PoissonSpike>("P", 3000, {units::rate_q(0.05)});
    net.add_current_input("N[100:2900]", ou_input{10.0_pA, 2.0_pA, 3.0_ms});
    net.add_current_input("N", wiener_input{1.0_pA, units::time_q(forever_ms), true});
    simulator sim(net, threaded(threads));
    sim.record_spikes("P");
    sim.run(5.0_ms);
    std::vector<double> out(pop.state(models::IF::V), pop.state(models::IF::V) + 6000);
    out.insert(out.end(), pop.current_state(0), pop.current_state(0) + 6000);
    for (auto s : sim.record().spikes[0].step) out.push_back(s);
    for (auto s : sim.record().spikes[0].neuron) out.push_back(s);
    out.push_back(double(src.size()));
    return out;
  };
  const auto one = run(1);
  EXPECT_EQ(one, run(2));
  EXPECT_EQ(one, run(1));
}

namespace {

// Spike counts per neuron of every population's spike record.
std::vector<double> counts(const spike_record& r, index_t size, std::uint32_t batch = 0) {
  std::vector<double> c(size, 0.0);
  for (std::size_t e = 0; e < r.size(); ++e)
    if (r.batch[e] == batch) c[r.neuron[e]] += 1;
  return c;
}

// Total count of neurons [a, b) against n_steps Bernoulli(p) draws each: within 3 sigma.
void expect_poisson_rate(const std::vector<double>& c, index_t a, index_t b, double rate_per_ms, double steps) {
  const double p = -std::expm1(-rate_per_ms * dt), cells = double(b - a);
  double total = 0;
  for (index_t i = a; i < b; ++i) total += c[i];
  EXPECT_NEAR(total, cells * steps * p, 3 * std::sqrt(cells * steps * p * (1 - p))) << "neurons " << a << ".." << b;
}

}  // namespace

TEST(InputPoissonSources, PoissonSpikeRatesPerNeuronAndFanoFactor) {
  std::string rates;
  for (int i = 0; i < 4000; ++i)
    rates += std::string(rates.empty() ? "" : ", ") + (i < 2000 ? "\"20 Hz\"" : "\"80 Hz\"");
  const std::string text = R"({"dt": "0.1 ms", "duration": "1 s", "seed": 3,
    "populations": [{"name": "P", "model": "PoissonSpike", "size": 4000, "params": {"freqs": [)" + rates + "]}}]}";
  auto spec = load_spec_text(text);
  simulator sim(*spec.net, threaded(2));
  sim.record_spikes("P");
  sim.run(1.0_s);
  const auto c = counts(sim.record().spikes[0], 4000);
  expect_poisson_rate(c, 0, 2000, 0.02, 10000);
  expect_poisson_rate(c, 2000, 4000, 0.08, 10000);
  for (auto [a, b] : {std::pair<index_t, index_t>{0, 2000}, {2000, 4000}}) {
    double m = 0, v = 0;
    for (index_t i = a; i < b; ++i) m += c[i] / (b - a);
    for (index_t i = a; i < b; ++i) v += (c[i] - m) * (c[i] - m) / (b - a - 1);
    const double p = -std::expm1(-(a == 0 ? 0.02 : 0.08) * dt);  // Bernoulli steps: Fano factor 1 - p
    EXPECT_NEAR(v / m, 1 - p, 4 * std::sqrt(2.0 / (b - a))) << "Fano factor of neurons " << a << ".." << b;
  }
}

TEST(InputPoissonSources, PoissonEncoderRatesDifferPerBatchInstanceAndRepeatOnTwoThreads) {
  auto run = [](int threads) {
    network net({.dt = units::time_q(dt), .seed = 8, .batch = 2});
    auto& enc = net.add_population<models::PoissonEncoder>("E", 4000);
    real_t* rate = enc.state(models::PoissonEncoder::rate);  // [batch][neuron], 1/ms
    for (index_t i = 0; i < 4000; ++i) {
      rate[i] = real_t(0.01);                          // batch 0: 10 Hz everywhere
      rate[4000 + i] = real_t(i < 2000 ? 0.04 : 0.0);  // batch 1: 40 Hz, then silent
    }
    simulator sim(net, threaded(threads));
    sim.record_spikes("E");
    sim.run(0.5_s);
    return sim.record().spikes[0];
  };
  const auto r = run(2);
  const auto b0 = counts(r, 4000, 0), b1 = counts(r, 4000, 1);
  expect_poisson_rate(b0, 0, 4000, 0.01, 5000);
  expect_poisson_rate(b1, 0, 2000, 0.04, 5000);
  for (index_t i = 2000; i < 4000; ++i) ASSERT_EQ(b1[i], 0.0);
  const auto again = run(1);
  EXPECT_EQ(r.step, again.step);
  EXPECT_EQ(r.neuron, again.neuron);
  EXPECT_EQ(r.batch, again.batch);
}

TEST(InputSpikeTime, NeuronsSpikeExactlyAtTheGivenTimesInEveryBatchInstance) {
  network net({.dt = units::time_q(dt), .seed = 1, .batch = 2});
  net.add_population<models::SpikeTime>("S", 3);
  net.add_population<models::IF>("N", 1, quiet_if());
  net.set_spike_schedule("S", {0, 1, 0, 2, 2}, {1.0_ms, 0.5_ms, 2.0_ms, 0.1_ms, 0.5_ms});
  net.connect("S[2:3]", "N", connection_rule{}, {"", 1.5_mV, 0.1_ms});  // delta jump one step after the spike
  simulator sim(net);
  sim.record_spikes("S");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.run(3.0_ms);
  const auto& s = sim.record().spikes[0];
  // emitted in the step ending at t: steps 0 (t 0.1, neuron 2), 4 (0.5: 1 and 2), 9 (1.0: 0), 19 (2.0: 0)
  const std::vector<std::uint32_t> step{0, 0, 4, 4, 4, 4, 9, 9, 19, 19};
  const std::vector<index_t> neuron{2, 2, 1, 2, 1, 2, 0, 0, 0, 0};
  const std::vector<std::uint32_t> batch{0, 1, 0, 0, 1, 1, 0, 1, 0, 1};
  EXPECT_EQ(std::vector<std::uint32_t>(s.step.begin(), s.step.end()), step);
  EXPECT_EQ(std::vector<index_t>(s.neuron.begin(), s.neuron.end()), neuron);
  EXPECT_EQ(std::vector<std::uint32_t>(s.batch.begin(), s.batch.end()), batch);
  const auto& v = sim.record().traces[0].values;  // batch 0 then 1 per sample
  EXPECT_DOUBLE_EQ(v[0], 0.0);
  EXPECT_DOUBLE_EQ(v[2], 1.5);  // the jump arrives in step 1
}

TEST(InputSpec, EveryCurrentKindBuildsTheSameSourceAsTheApi) {
  const std::string text = R"({"dt": "0.1 ms", "duration": "3 ms", "seed": 9, "populations": [{"name": "N",
    "model": "IF", "size": 7, "params": {"R": "1 Gohm", "tau": "10 ms", "V_th": "1e9 mV"}}], "inputs": [
    {"kind": "section", "target": "N[0:1]", "values": ["2 pA", "-1 pA"], "durations": ["1 ms", "0.5 ms"]},
    {"kind": "step", "target": "N[1:2]", "amplitudes": ["3 pA", "4 pA"], "step_times": ["0.2 ms", "1 ms"]},
    {"kind": "ramp", "target": "N[2:3]", "c_start": "1 pA", "c_end": "2 nA", "t_start": "0.5 ms", "t_end": "2 ms"},
    {"kind": "sinusoidal", "target": "N[3:4]", "amplitude": "5 pA", "frequency": "200 Hz", "bias": "1 pA"},
    {"kind": "ou", "target": "N[4:5]", "mean": "3 pA", "sigma": "2 pA", "tau": "4 ms", "x0": "1 pA"},
    {"kind": "wiener", "target": "N[5:6]", "sigma": "2 pA", "duration": "2 ms", "integrated": true},
    {"kind": "constant_current", "target": "N[6:7]", "amplitude": "7 pA", "duration": "1.5 ms"}]})";
  auto spec = load_spec_text(text);
  network net({.dt = units::time_q(dt), .seed = 9});
  net.add_population<models::IF>("N", 7, quiet_if());
  net.add_current_input("N[0:1]", section_input{{2.0_pA, -1.0_pA}, {1.0_ms, 0.5_ms}});
  net.add_current_input("N[1:2]", step_input{{3.0_pA, 4.0_pA}, {0.2_ms, 1.0_ms}});
  net.add_current_input("N[2:3]", ramp_input{1.0_pA, 2.0_nA, 1.5_ms, 0.5_ms});
  net.add_current_input("N[3:4]", sinusoidal_input{5.0_pA, 200.0_Hz, units::time_q(forever_ms), 1.0_pA});
  net.add_current_input("N[4:5]", ou_input{3.0_pA, 2.0_pA, 4.0_ms, units::time_q(forever_ms), 1.0_pA});
  net.add_current_input("N[5:6]", wiener_input{2.0_pA, 2.0_ms, true});
  net.add_current_input("N[6:7]", constant_input{7.0_pA, 1.5_ms});
  std::vector<std::vector<real_t>> traces;
  for (network* n : {spec.net.get(), &net}) {
    simulator sim(*n);
    sim.record_trace({"N", "V", {}, 0.0_ms});
    sim.run(3.0_ms);
    traces.push_back(sim.record().traces[0].values);
  }
  EXPECT_EQ(traces[0], traces[1]);
  for (int i = 0; i < 7; ++i) EXPECT_NE(traces[0][29 * 7 + i], 0.0) << "neuron " << i << " got no current";
}

TEST(InputErrors, BadParametersNameTheParameterValueAndExpectation) {
  network net({.dt = 0.1_ms});
  net.add_population<models::IF>("N", 4, quiet_if());
  net.add_population<models::PoissonSpike>("P", 4);
  auto fails = [&](const current_input& in, const char* parameter, const char* fragment) {
    try {
      net.add_current_input("N", in);
      ADD_FAILURE() << "no error for " << parameter;
    } catch (const parameter_error& e) {
      EXPECT_EQ(e.parameter_name, parameter);
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  fails(section_input{{1.0_pA, 2.0_pA}, {1.0_ms}}, "durations", "1 values");
  fails(section_input{{1.0_pA, 2.0_pA}, {1.0_ms, -2.0_ms}}, "durations[1]", "-2 ms");
  fails(section_input{{1.0_pA, 2.0_pA}, {1.05_ms, 0.03_ms}}, "durations[1]", "at least one step");
  fails(ou_input{1.0_pA, 1.0_pA, -5.0_ms}, "tau", "-5 ms");
  fails(ou_input{1.0_pA, -1.0_pA, 5.0_ms}, "sigma", "non-negative");
  fails(ramp_input{0.0_pA, 1.0_pA, 0.0_ms}, "duration", "positive");
  fails(step_input{{1.0_pA}, {-1.0_ms}}, "step_times[0]", "non-negative");
  fails(sinusoidal_input{1.0_pA, -3.0_Hz}, "frequency", "-3 Hz");
  EXPECT_THROW(net.add_current_input("P", wiener_input{1.0_pA}), parameter_error);  // a spike source takes no current
  EXPECT_THROW(net.set_spike_schedule("N", {0}, {1.0_ms}), parameter_error);       // not a SpikeTime population

  auto spec_fails = [](const std::string& input, const char* parameter, const char* fragment) {
    const std::string text = R"({"dt": "0.1 ms", "duration": "1 ms", "populations": [{"name": "N", "model": "IF",
      "size": 2}, {"name": "S", "model": "SpikeTime", "size": 2}], "inputs": [)" + input + "]}";
    try {
      load_spec_text(text);
      ADD_FAILURE() << "no error for " << input;
    } catch (const parameter_error& e) {
      EXPECT_EQ(e.parameter_name, parameter) << e.what();
      EXPECT_NE(std::string(e.what()).find("inputs[0]"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  spec_fails(R"({"kind": "ramp", "target": "N", "c_start": "0 pA", "c_end": "5 pA", "t_start": "5 ms",
                 "t_end": "2 ms"})", "t_end", "after t_start");
  spec_fails(R"({"kind": "ou", "target": "N", "mean": "0 pA", "sigma": 2, "tau": "5 ms"})", "sigma", "mandatory");
  spec_fails(R"({"kind": "sinusoidal", "target": "N", "amplitude": "1 pA", "frequency": "10 ms"})", "frequency",
             "rate");
  spec_fails(R"({"kind": "section", "target": "N", "values": ["1 pA"], "durations": ["1 mV"]})", "durations[0]",
             "time");
  spec_fails(R"({"kind": "spike_schedule", "target": "S", "indices": [0, 5], "times": ["1 ms", "2 ms"]})",
             "indices[1]", "below the population size");
  spec_fails(R"({"kind": "spike_schedule", "target": "S", "indices": [0], "times": ["0.05 ms"]})", "times[0]", "grid");
}

}  // namespace test_inputs
