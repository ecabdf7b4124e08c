// CPU-vs-GPU equivalence (ctest label "gpu"). Each test builds the same network twice from the same seed, runs
// it on the CPU and on the GPU, and compares: identical spike trains for feed-forward networks driven by the
// same counter-based Poisson streams, traces within a floating-point tolerance, and rates/CV of ISI for a
// recurrent chaotic network. Networks are larger than a warp and have odd sizes. Without a usable GPU every
// test is skipped with the reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <vector>
#include <string>

#include "engine/network.hpp"
#include "engine/spec.hpp"
#include "host/gpu_engine.hpp"
#include "host/simulator.hpp"
#include "tests/support/gpu_skip.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/model_list.hpp"

namespace volley {
namespace {

using namespace units::literals;

// Tolerance on traces: the GPU's exp/log differ from glibc's in the last bits, and both sides sum a step's
// inputs in a different order (atomic adds), so trajectories agree to rounding, amplified by the dynamics.
constexpr double trace_tolerance = 1e-6;  // relative to 1 + |value|
// Exponential integrate-and-fire: during the upstroke dV/dt grows as exp((V - V_T) / Delta_T), so a last-bit
// difference of exp (CUDA's double exp is within 1 ulp, glibc's correctly rounded) grows by orders of magnitude
// within a few steps before the spike resets it. Measured on an H100: 6.0e-5 (ExpIF), 3.3e-6 (ExpIFRef), with
// identical spike trains; every other model stays below 1e-6.
constexpr double upstroke_tolerance = 1e-4;
// hh_cond_exp_traub (GSL-style RKF45 with error control, models/rkf45.hpp): a last-bit difference of exp can flip
// one accept/reject decision of the adaptive step, after which the two runs take different step sequences, each
// within the integrator's error tolerance. Measured on an H100: 2.5e-5 with identical spike trains; the gap
// junction variants, whose coupling feeds one neuron's flip to its partners (2026-11-25): hh_cond_beta_gap_traub
// 4.8e-5, hh_psc_alpha_gap 1.5e-6, spikes identical.
bool adaptive_upstroke(const std::string& name) {
  return name.starts_with("ExpIF") || name == "hh_cond_exp_traub" || name == "hh_cond_beta_gap_traub" ||
         name == "hh_psc_alpha_gap";
}

// VOLLEY_EQUIVALENCE_SELF_CHECK=1 runs the "GPU" side on the CPU with one thread instead (checks the test
// harness itself where no GPU is lent; 2 threads vs 1 must agree bitwise).
using test::self_check;
std::string no_gpu_reason() { return test::no_gpu_reason("CPU-vs-GPU equivalence not checked"); }

// The equivalence tests below hold the GPU to the CPU within double-precision rounding (identical spikes, traces
// within 1e-6). A float build is compared with NEST instead (tests/gpu/test_gpu_nest_references.cpp): in float the
// upstroke of ExpIF overflows exp, and chaotic models (HindmarshRose) part after a few steps on the last bit, so
// identical spikes are not a property of float arithmetic. Measured float differences: docs/gpu_backend.md.
constexpr bool float_build = sizeof(real_t) == sizeof(float);
constexpr const char* float_skip = "a double-precision equivalence test (float builds: see docs/gpu_backend.md)";

connection_rule rule_of(rule_kind kind, double probability, std::uint64_t count) {
  connection_rule r;
  r.kind = kind;
  r.probability = probability;
  r.count = count;
  return r;
}

struct outcome {
  recording rec;
  run_stats stats;
};

outcome run_on(backend_kind backend, const std::function<void(network&, simulator&)>& build_and_record,
               const std::function<std::unique_ptr<network>()>& make, units::time_q duration, int pieces = 1,
               bool deterministic = false) {
  auto net = make();
  run_options o;
  o.backend = backend;
  o.threads = 2;
  if (backend == backend_kind::gpu && self_check()) {
    o.backend = backend_kind::cpu;
    o.threads = 1;
  }
  o.gpu_block_steps = 64;  // several blocks (and a partial one) in every test
  o.gpu_deterministic = deterministic;
  simulator sim(*net, o);
  build_and_record(*net, sim);
  outcome out;
  for (int k = 0; k < pieces; ++k) out.stats = sim.run(units::time_q(duration.value / pieces));
  out.rec = sim.record();
  return out;
}

void expect_same_spikes(const recording& cpu, const recording& gpu) {
  ASSERT_EQ(cpu.spikes.size(), gpu.spikes.size());
  for (std::size_t r = 0; r < cpu.spikes.size(); ++r) {
    SCOPED_TRACE(cpu.spikes[r].population);
    EXPECT_GT(cpu.spikes[r].size(), 0u) << "the test network should spike";
    ASSERT_EQ(cpu.spikes[r].size(), gpu.spikes[r].size());
    EXPECT_EQ(cpu.spikes[r].step, gpu.spikes[r].step);
    EXPECT_EQ(cpu.spikes[r].neuron, gpu.spikes[r].neuron);
    EXPECT_EQ(cpu.spikes[r].batch, gpu.spikes[r].batch);
  }
}

void expect_close_traces(const recording& cpu, const recording& gpu, double tolerance = trace_tolerance,
                         const std::string& label = "") {
  ASSERT_EQ(cpu.traces.size(), gpu.traces.size());
  for (std::size_t t = 0; t < cpu.traces.size(); ++t) {
    SCOPED_TRACE(cpu.traces[t].population + "." + cpu.traces[t].variable);
    ASSERT_EQ(cpu.traces[t].times_ms, gpu.traces[t].times_ms);
    ASSERT_EQ(cpu.traces[t].values.size(), gpu.traces[t].values.size());
    double worst = 0;
    for (std::size_t k = 0; k < cpu.traces[t].values.size(); ++k) {
      const double a = cpu.traces[t].values[k], b = gpu.traces[t].values[k];
      worst = std::max(worst, std::abs(a - b) / (1 + std::abs(a)));
    }
    EXPECT_LT(worst, tolerance);
    std::printf("  %s %s.%s: worst relative trace difference %.3g\n", label.c_str(),
                cpu.traces[t].population.c_str(), cpu.traces[t].variable.c_str(), worst);
  }
}


// Per neuron the same number of spikes; at most `max_moved` of them (a fraction) at other steps, by at most
// `max_shift` steps.
void expect_spikes_nearly_aligned(const spike_record& cpu, const spike_record& gpu, double max_moved,
                                  std::uint64_t max_shift) {
  std::map<std::uint64_t, std::vector<std::uint64_t>> a, b;
  for (std::size_t k = 0; k < cpu.size(); ++k) a[cpu.neuron[k]].push_back(cpu.step[k]);
  for (std::size_t k = 0; k < gpu.size(); ++k) b[gpu.neuron[k]].push_back(gpu.step[k]);
  ASSERT_EQ(a.size(), b.size());
  std::size_t moved = 0;
  std::uint64_t largest = 0;
  for (const auto& [neuron, steps] : a) {
    const auto& other = b[neuron];
    ASSERT_EQ(steps.size(), other.size()) << "neuron " << neuron;
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const auto d = steps[k] > other[k] ? steps[k] - other[k] : other[k] - steps[k];
      moved += d != 0;
      largest = std::max(largest, d);
    }
  }
  std::printf("  %zu of %zu spikes moved, by at most %llu steps\n", moved, cpu.size(), (unsigned long long)largest);
  EXPECT_LE(double(moved), max_moved * double(cpu.size()));
  EXPECT_LE(largest, max_shift);
}

// Where a model's CPU and GPU runs part: the first (step, neuron) whose membrane trace differs by more than
// `tolerance` (relative to 1 + |V|), with both traces of that neuron over the steps before, and the first spike
// that differs. Printed on failure only; the numbers say whether a threshold decision flipped on rounding.
void report_divergence(const recording& cpu, const recording& gpu, std::size_t n, double tolerance) {
  const auto& a = cpu.traces.at(0).values;
  const auto& b = gpu.traces.at(0).values;
  for (std::size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
    if (std::abs(a[k] - b[k]) / (1 + std::abs(a[k])) <= tolerance) continue;
    const std::size_t step = k / n, neuron = k % n;
    std::printf("  first trace divergence: step %zu, neuron %zu\n", step, neuron);
    for (std::size_t s = step >= 5 ? step - 5 : 0; s <= step + 1 && (s * n + neuron) < a.size(); ++s)
      std::printf("    step %4zu  cpu %.17g  gpu %.17g\n", s, double(a[s * n + neuron]), double(b[s * n + neuron]));
    break;
  }
  const auto& x = cpu.spikes.at(1);
  const auto& y = gpu.spikes.at(1);
  for (std::size_t k = 0; k < std::min(x.size(), y.size()); ++k)
    if (x.step[k] != y.step[k] || x.neuron[k] != y.neuron[k]) {
      std::printf("  first spike difference at spike %zu: cpu (step %llu, neuron %llu), gpu (step %llu, neuron %llu)\n",
                  k, (unsigned long long)x.step[k], (unsigned long long)x.neuron[k], (unsigned long long)y.step[k],
                  (unsigned long long)y.neuron[k]);
      break;
    }
}

// The field a rate-emitting model's trace is compared on: its rate, or (astrocyte_lr_1994) its first state field.
template <class Model>
std::string rate_trace_field() {
  for (const auto& f : Model::state_fields)
    if (std::string(f.name) == "rate") return "rate";
  return Model::state_fields[0].name;
}

// NEST's rate models (models/nest_rate.hpp): 333 neurons with their input noise (the neuron-step stream), driven
// through ports ex and in by 101 rate sources (sinusoidal rates) over payload projections with per-synapse weights
// and delays; rates are not spikes, so the rate traces and the synaptic events are compared.
template <class Model>
void check_rate_model() {
  auto make = [] {
    auto net = std::make_unique<network>(network_options{.dt = 0.1_ms, .seed = 7});
    net->add_population<models::rate_source>("drv", 101);
    net->add_current_input("drv", sinusoidal_input{0.8_pA, 40.0_Hz, units::time_q(forever_ms), 0.3_pA});
    net->add_population<Model>("M", 333);
    using q1 = units::dimensionless_q;
    if constexpr (Model::n_ports == 0) {  // rate_source: its current is its rate
      net->add_current_input("M", sinusoidal_input{0.5_pA, 70.0_Hz});
    } else {  // ports ex and in (inhibitory weights); siegert's drift and diffusion and the astrocyte's spikes
      const std::string first = Model::ports[0].name;
      net->connect("drv", "M", rule_of(rule_kind::fixed_probability, 0.1, 0),
                   {first, quantity_value::uniform(q1(0.1), q1(0.9)), quantity_value::uniform(0.1_ms, 3.0_ms)});
      if constexpr (Model::n_ports > 1) {
        const std::string second = Model::ports[1].name;
        const bool inhibitory = second == "in";
        // a variance (siegert's diffusion, mV^2) must not go negative: its sources' rates stay in [0.7, 1.3]
        const bool variance = second == "diffusion";
        if (variance) {
          net->add_population<models::rate_source>("pos", 51);
          net->add_current_input("pos", sinusoidal_input{0.3_pA, 25.0_Hz, units::time_q(forever_ms), 1.0_pA});
        }
        net->connect(variance ? "pos" : "drv[0:50]", "M", rule_of(rule_kind::fixed_probability, 0.1, 0),
                     {second, inhibitory ? quantity_value::uniform(q1(-0.9), q1(-0.1))
                                         : quantity_value::uniform(q1(0.1), q1(0.9)),
                      quantity_value::uniform(0.1_ms, 3.0_ms)});
      }
    }
    return net;
  };
  auto record = [](network&, simulator& sim) { sim.record_trace({"M", rate_trace_field<Model>(), {}, 0.0_ms}); };
  const auto cpu = run_on(backend_kind::cpu, record, make, 100.0_ms);
  const auto gpu = run_on(backend_kind::gpu, record, make, 100.0_ms);
  expect_close_traces(cpu.rec, gpu.rec, trace_tolerance, Model::name);
  EXPECT_EQ(cpu.stats.synaptic_events, gpu.stats.synaptic_events);
  EXPECT_EQ(gpu.stats.populations[1].spikes, 0u) << "rates are not spikes";
}

// Every model: 333 neurons driven by an in-kernel Poisson drive and by a projection from 1001 Poisson-driven
// LIF neurons with per-synapse weights and delays, all into the delta channel (V jumps, mV).
// ExpIF and ExpIFRef with brainpy.state's soft reset diverge to inf/NaN under this drive (models/expif.hpp), which
// the divergence guard stops: both are compared with the hard reset, so the traces compared are finite.
template <class Model>
typename Model::params equivalence_params() {
  auto p = Model::defaults();
  if constexpr (requires { p.spk_reset; })
    if (std::string(Model::name) == "ExpIF" || std::string(Model::name) == "ExpIFRef") p.spk_reset = reset_mode::hard;
  return p;
}

template <class Model>
void check_model() {
  SCOPED_TRACE(Model::name);
  if constexpr (requires { Model::cpu_only; }) {  // no GPU kernel (gif_pop_psc_exp): the GPU backend refuses it
    std::printf("  %s: CPU only, not compared\n", Model::name);
    return;
  }
  if constexpr (requires { Model::emits_rate; }) {
    check_rate_model<Model>();
    return;
  }
  auto make = [] {
    auto net = std::make_unique<network>(network_options{.dt = 0.1_ms, .seed = 7});
    net->add_population<models::LIFRef>("drv", 1001);
    net->add_poisson_input("drv", 1500.0_Hz, quantity_value(0.6_mV));
    net->add_population<Model>("M", 333, equivalence_params<Model>());
    net->add_poisson_input("M", 800.0_Hz, quantity_value(0.8_mV));
    if constexpr (requires { Model::spike_payload_counts; } && Model::n_ports > 0) {
      // a count model (parrot_neuron): its spikes repeat the arrivals of a step, several at a time
      net->connect("drv", "M", rule_of(rule_kind::fixed_probability, 0.05, 0),
                   {Model::ports[0].name, units::dimensionless_q(1.0), quantity_value::uniform(0.1_ms, 3.0_ms)});
    } else {
      net->connect("drv", "M", rule_of(rule_kind::fixed_probability, 0.05, 0),
                   {"delta", quantity_value::uniform(0.1_mV, 0.9_mV), quantity_value::uniform(0.1_ms, 3.0_ms)});
    }
    return net;
  };
  auto record = [](network&, simulator& sim) {
    sim.record_spikes("drv");
    sim.record_spikes("M");
    sim.record_trace({"M", Model::state_fields[Model::membrane].name, {}, 0.0_ms});
  };
  const auto cpu = run_on(backend_kind::cpu, record, make, 100.0_ms);
  const auto gpu = run_on(backend_kind::gpu, record, make, 100.0_ms);
  ASSERT_GT(cpu.rec.spikes[0].size(), 0u);
  EXPECT_EQ(cpu.rec.spikes[0].neuron, gpu.rec.spikes[0].neuron);  // the driver population
  EXPECT_EQ(cpu.rec.spikes[0].step, gpu.rec.spikes[0].step);
  const std::string name = Model::name;
  if (name == "aeif_psc_delta") {
    // Its inputs enter after the first accepted RKF45 step of a step, so their effect depends on the adaptive
    // step size, which a last-bit difference of exp (device vs glibc) can change after a reset: the runs part
    // (2e-7 mV two steps after a spike, then mV) and a few spikes move. Measured on an H100 (double): per-neuron
    // spike counts equal, 11 of 3241 spikes moved, by at most 5 steps. Held to: equal counts per neuron, at most
    // 1 % of spikes moved, by at most 10 steps.
    expect_spikes_nearly_aligned(cpu.rec.spikes[1], gpu.rec.spikes[1], 0.01, 10);
    return;
  }
  EXPECT_EQ(cpu.rec.spikes[1].step, gpu.rec.spikes[1].step);
  EXPECT_EQ(cpu.rec.spikes[1].neuron, gpu.rec.spikes[1].neuron);
  EXPECT_EQ(cpu.rec.spikes[1].multiplicity, gpu.rec.spikes[1].multiplicity);  // count models (parrot_neuron)
  if constexpr (requires { Model::spike_payload_counts; } && Model::n_ports > 0) {
    const auto& m = cpu.rec.spikes[1].multiplicity;
    EXPECT_TRUE(!m.empty() && *std::max_element(m.begin(), m.end()) > 1u)
        << "the count model should see several arrivals in a step";
  }
  expect_close_traces(cpu.rec, gpu.rec, adaptive_upstroke(name) ? upstroke_tolerance : trace_tolerance,
                      name);
  EXPECT_EQ(cpu.stats.synaptic_events, gpu.stats.synaptic_events);
  if (cpu.rec.spikes[1].step != gpu.rec.spikes[1].step || cpu.rec.spikes[1].neuron != gpu.rec.spikes[1].neuron)
    report_divergence(cpu.rec, gpu.rec, 333, 1e-9);
}

template <class... Models>
void check_all(models::model_list<Models...>) {
  (check_model<Models>(), ...);
}

TEST(GpuEquivalence, EveryModelFeedForward) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  if (float_build) GTEST_SKIP() << float_skip;
  check_all(models::all_neuron_models{});
}

// Both propagation strategies and shared-memory pre-aggregation, 16- and 32-bit targets, per-synapse delays,
// receptors, and a batch of 3.
std::unique_ptr<network> strategies_network() {
  auto net = std::make_unique<network>(network_options{.dt = 0.1_ms, .seed = 11, .batch = 3});
  net->add_population<models::LIFRef>("src", 997);
  net->add_poisson_input("src", 900.0_Hz, quantity_value(1.5_mV));
  models::lif_params wide = models::LIF::defaults();
  wide.R = units::resistance_q(0.1);                      // GOhm: 30 pA moves V by 3 mV (V_th 1 mV)
  net->add_population<models::LIF>("wide", 70001, wide);  // beyond 16-bit targets
  net->add_receptor("wide", "exc", {5.0_ms}, models::cuba_params{});
  net->add_population<models::LIFRef>("short", 4097);
  net->add_population<models::LIFRef>("readout", 37);
  // long rows (warp per row), 32-bit targets
  net->connect("src[0:101]", "wide", rule_of(rule_kind::fixed_outdegree, 0, 2000),
               {"exc", quantity_value::normal(30.0_pA, 5.0_pA), quantity_value::uniform(0.1_ms, 2.0_ms)});
  // short rows (thread per row), homogeneous weight and delay, a target slice
  net->connect("src", "short[5:4000]", rule_of(rule_kind::fixed_outdegree, 0, 3), {"delta", 4.0_mV, 0.3_ms});
  // short-term plasticity (STP: u, x per source and batch instance), efficacy kernel before the propagation
  net->connect("src[101:997]", "wide", rule_of(rule_kind::fixed_outdegree, 0, 200),
               {"exc", quantity_value::uniform(20.0_pA, 40.0_pA), 0.5_ms, models::stp_params{}});
  // dense onto a small target range with one delay: pre-aggregated in shared memory
  net->connect("src[0:500]", "readout[2:35]", rule_of(rule_kind::all_to_all, 0, 0),
               {"delta", quantity_value::uniform(0.01_mV, 0.05_mV), 1.0_ms});
  net->add_spike_times("short", {1.0, 1.0, 7.3, 20.0}, quantity_value(12.0_mV));
  return net;
}

TEST(GpuEquivalence, PropagationStrategiesAndBatch) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  auto make = [] { return strategies_network(); };
  auto record = [](network&, simulator& sim) {
    sim.record_spikes("src");
    sim.record_spikes("wide");
    sim.record_spikes("short");
    sim.record_spikes("readout");
    sim.record_trace({"wide", "exc.g", {0, 1, 65535, 65536, 70000}, 0.2_ms});
    sim.record_trace({"readout", "V", {}, 0.1_ms});
  };
  const auto cpu = run_on(backend_kind::cpu, record, make, 60.0_ms);
  const auto gpu = run_on(backend_kind::gpu, record, make, 60.0_ms, 3);  // continued runs on the GPU
  expect_same_spikes(cpu.rec, gpu.rec);
  expect_close_traces(cpu.rec, gpu.rec);
  EXPECT_EQ(cpu.stats.populations.size(), gpu.stats.populations.size());
}

// Gap junctions (engine/gap_junction.hpp): symmetric within a population with per-pair g, directed across two
// populations of different models, batch of 2; V traces within rounding, and the same spikes for the first
// 20 ms (a recurrent, gap-coupled network: afterwards last-bit differences of exp may move a spike).
TEST(GpuEquivalence, GapJunctions) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  if (float_build) GTEST_SKIP() << float_skip;
  auto make = [] {
    auto net = std::make_unique<network>(network_options{.dt = 0.05_ms, .seed = 13, .batch = 2});
    auto& wb = net->add_population<models::WangBuzsakiHH>("I", 301);
    for (std::uint32_t b = 0; b < 2; ++b)  // different start per cell and instance: gap currents are not 0
      for (index_t i = 0; i < wb.size(); ++i)
        wb.state(models::WangBuzsakiHH::V)[b * wb.size() + i] = -75.0 + 0.1 * ((i * 7 + b * 31) % 300);  // mV
    models::lif_params lp = models::LIF::defaults();
    lp.R = units::resistance_q(0.1);  // GOhm: 1 nS x 65 mV moves V by 6.5 mV
    lp.tau = 10.0_ms;
    lp.V_th = 15.0_mV;
    net->add_population<models::LIF>("L", 97, lp);
    net->add_constant_current("I", units::current_q(1.2e6));  // 1.2 uA
    net->add_poisson_input("L", 6000.0_Hz, quantity_value(0.5_mV));
    net->connect_gap("I", "I", rule_of(rule_kind::fixed_probability, 0.03, 0),
                     quantity_value::uniform(units::conductance_q(5e3), units::conductance_q(2e4)));
    net->connect_gap("I[0:97]", "L", rule_of(rule_kind::one_to_one, 0, 0), quantity_value(1.0_nS), false);
    return net;
  };
  auto record = [](network&, simulator& sim) {
    sim.record_spikes("I");
    sim.record_spikes("L");
    sim.record_trace({"I", "V", {0, 1, 150, 300}, 0.5_ms});
    sim.record_trace({"L", "V", {0, 50, 96}, 0.5_ms});
  };
  const auto cpu = run_on(backend_kind::cpu, record, make, 20.0_ms);
  const auto gpu = run_on(backend_kind::gpu, record, make, 20.0_ms, 2);
  expect_same_spikes(cpu.rec, gpu.rec);
  expect_close_traces(cpu.rec, gpu.rec);
}

// Every BrainPy-style synapse and output (Expon, Alpha, DualExpon, AMPA, GABAa, BioNMDA; CUBA, COBA, MgBlock), STD
// beside STP (above), and every analog current input (section, constant, step, ramp, sinusoidal, OU, Wiener,
// noise), in a batch of 2: the same spikes, V and every receptor's conductance within rounding.
std::unique_ptr<network> inputs_network() {
  auto net = std::make_unique<network>(network_options{.dt = 0.1_ms, .seed = 23, .batch = 2});
  models::lif_params lif = models::LIF::defaults();
  lif.tau = 20.0_ms;
  lif.V_rest = -60.0_mV;
  lif.V_reset = -60.0_mV;
  lif.V_th = -50.0_mV;
  lif.R = 0.1_Gohm;
  lif.tau_ref = 2.0_ms;
  lif.spk_reset = reset_mode::hard;
  net->add_population<models::LIFRef>("src", 301);
  net->add_poisson_input("src", 900.0_Hz, quantity_value(1.5_mV));
  net->add_population<models::LIFRef>("tgt", 67, lif);
  net->add_poisson_input("tgt", 1500.0_Hz, quantity_value(0.6_mV));
  net->add_receptor("tgt", "expon", models::expon_params{5.0_ms}, models::coba_params{});
  net->add_receptor("tgt", "alpha", models::alpha_params{4.0_ms}, models::cuba_params{});
  net->add_receptor("tgt", "dual", models::dual_expon_params{}, models::coba_params{});
  net->add_receptor("tgt", "ampa", models::ampa_params{}, models::coba_params{});
  models::coba_params inhibitory;
  inhibitory.E = -80.0_mV;
  net->add_receptor("tgt", "gabaa", models::gabaa_params{}, inhibitory);
  net->add_receptor("tgt", "nmda", models::bionmda_params{}, models::mgblock_params{});
  const auto outdegree = rule_of(rule_kind::fixed_outdegree, 0, 23);
  net->connect("src", "tgt", outdegree, {"expon", quantity_value::uniform(0.2_nS, 0.6_nS), 0.5_ms,
                                         models::std_params{}});
  net->connect("src", "tgt", outdegree, {"alpha", quantity_value(20.0_pA), 1.0_ms});
  net->connect("src", "tgt", outdegree, {"dual", quantity_value(0.3_nS), 0.3_ms});
  net->connect("src", "tgt", outdegree, {"ampa", quantity_value(0.5_nS), 0.2_ms});
  net->connect("src", "tgt", outdegree, {"gabaa", quantity_value(0.4_nS), 0.4_ms});
  net->connect("src", "tgt", outdegree, {"nmda", quantity_value(0.2_nS), 0.6_ms});
  // the current inputs, each on a slice of its own
  net->add_population<models::LIFRef>("cur", 83, lif);
  net->add_current_input("cur[0:10]", section_input{{400.0_pA, 50.0_pA, 300.0_pA}, {10.0_ms, 15.0_ms, 20.0_ms}});
  net->add_current_input("cur[10:20]", constant_input{300.0_pA, 30.0_ms});
  net->add_current_input("cur[20:30]", step_input{{250.0_pA, 350.0_pA, 0.0_pA}, {3.0_ms, 20.0_ms, 41.0_ms}});
  net->add_current_input("cur[30:40]", ramp_input{0.0_pA, 500.0_pA, 40.0_ms, 5.0_ms});
  sinusoidal_input sine;
  sine.amplitude = 100.0_pA;
  sine.frequency = 40.0_Hz;
  sine.bias = 250.0_pA;
  net->add_current_input("cur[40:50]", sine);
  net->add_current_input("cur[50:60]", ou_input{300.0_pA, 60.0_pA, 3.0_ms});
  net->add_current_input("cur[60:70]", wiener_input{100.0_pA, units::time_q(forever_ms), true});
  noise_input noise;
  noise.mean = 300.0_pA;
  noise.std = 100.0_pA;
  noise.hold = 0.5_ms;
  net->add_current_input("cur[70:83]", noise);
  return net;
}

TEST(GpuEquivalence, EverySynapseOutputPlasticityAndInput) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  if (float_build) GTEST_SKIP() << float_skip;
  auto make = [] { return inputs_network(); };
  auto record = [](network&, simulator& sim) {
    sim.record_spikes("tgt");
    sim.record_spikes("cur");
    sim.record_trace({"tgt", "V", {}, 0.1_ms});
    for (const char* r : {"expon", "alpha", "dual", "ampa", "gabaa", "nmda"})
      sim.record_trace({"tgt", std::string(r) + ".g", {0, 33, 66}, 0.1_ms});
    sim.record_trace({"cur", "V", {}, 0.1_ms});
  };
  const auto cpu = run_on(backend_kind::cpu, record, make, 50.0_ms);
  const auto gpu = run_on(backend_kind::gpu, record, make, 50.0_ms, 2);
  expect_same_spikes(cpu.rec, gpu.rec);
  expect_close_traces(cpu.rec, gpu.rec);
  // every input acts: each receptor's conductance moves, and each slice of "cur" spikes
  for (const auto& tr : cpu.rec.traces) {
    const auto [lo, hi] = std::minmax_element(tr.values.begin(), tr.values.end());
    EXPECT_GT(*hi - *lo, 1e-3) << tr.population << "." << tr.variable << " never moved";
  }
  std::vector<int> per_slice(9, 0);
  for (std::size_t k = 0; k < cpu.rec.spikes[1].neuron.size(); ++k) ++per_slice[cpu.rec.spikes[1].neuron[k] / 10];
  for (int s = 0; s < 8; ++s) EXPECT_GT(per_slice[s], 0) << "no spike in cur[" << 10 * s << ":" << 10 * s + 10 << "]";
  EXPECT_GT(cpu.rec.spikes[0].neuron.size(), 20u) << "tgt spikes";
}

// Recurrent and chaotic: spike trains diverge after a while, the statistics must not.
TEST(GpuEquivalence, RecurrentCobaStatistics) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  auto make = [] { return std::move(load_spec_file(std::string(VOLLEY_SOURCE_DIR) + "/examples/coba.json").net); };
  auto record = [](network&, simulator& sim) { sim.record_spikes("P"); };
  const auto cpu = run_on(backend_kind::cpu, record, make, 1000.0_ms);
  const auto gpu = run_on(backend_kind::gpu, record, make, 1000.0_ms);
  const double rate_cpu = double(cpu.rec.spikes[0].size()) / 4000.0,
               rate_gpu = double(gpu.rec.spikes[0].size()) / 4000.0;
  EXPECT_NEAR(rate_gpu, rate_cpu, 0.05 * rate_cpu);
  auto mean_cv = [](const spike_record& s) {
    std::vector<std::vector<double>> times(4000);
    for (std::size_t k = 0; k < s.size(); ++k) times[s.neuron[k]].push_back(s.step[k] * 0.1);
    double sum = 0;
    int n = 0;
    for (const auto& t : times) {
      if (t.size() < 3) continue;
      double m = 0, m2 = 0;
      for (std::size_t k = 1; k < t.size(); ++k) m += t[k] - t[k - 1];
      m /= double(t.size() - 1);
      for (std::size_t k = 1; k < t.size(); ++k) m2 += (t[k] - t[k - 1] - m) * (t[k] - t[k - 1] - m);
      sum += std::sqrt(m2 / double(t.size() - 1)) / m;
      ++n;
    }
    return sum / n;
  };
  EXPECT_NEAR(mean_cv(gpu.rec.spikes[0]), mean_cv(cpu.rec.spikes[0]), 0.1 * mean_cv(cpu.rec.spikes[0]));
}

// Deterministic mode (fixed-point accumulation): a recurrent chaotic network gives the same spikes run after
// run, and a feed-forward one the same spikes as the CPU.
TEST(GpuDeterminism, SameSpikesRunAfterRun) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  if (float_build) GTEST_SKIP() << float_skip;
  auto make = [] { return std::move(load_spec_file(std::string(VOLLEY_SOURCE_DIR) + "/examples/coba.json").net); };
  auto record = [](network&, simulator& sim) { sim.record_spikes("P"); };
  const auto first = run_on(backend_kind::gpu, record, make, 300.0_ms, 1, true);
  const auto second = run_on(backend_kind::gpu, record, make, 300.0_ms, 2, true);
  expect_same_spikes(first.rec, second.rec);
  // every propagation path (chunks of long rows, a lane per short row, shared-memory pre-aggregation), batch 3
  auto strategies = [] { return strategies_network(); };
  auto record_all = [](network&, simulator& sim) {
    sim.record_spikes("wide");
    sim.record_spikes("short");
    sim.record_spikes("readout");
    sim.record_trace({"readout", "V", {}, 0.1_ms});
  };
  const auto a = run_on(backend_kind::gpu, record_all, strategies, 40.0_ms, 1, true);
  const auto b = run_on(backend_kind::gpu, record_all, strategies, 40.0_ms, 2, true);
  expect_same_spikes(a.rec, b.rec);
  EXPECT_EQ(a.rec.traces[0].values, b.rec.traces[0].values);
}

// Synapses drawn on the device (fixed_total_number with and without multapses, fixed_outdegree by redrawing
// repeats and by selection sampling, 16- and 32-bit targets, bounded normal weights of both signs, normal and
// uniform delays) are the host's: the same rows and targets, weights to the last bits of log/sin/cos, the same
// delays. Then the network runs from the device-drawn synapses.
std::unique_ptr<network> drawn_network() {
  auto net = std::make_unique<network>(network_options{.dt = 0.1_ms, .seed = 11});
  net->add_population<models::iaf_psc_exp>("E", 3001);
  net->add_population<models::iaf_psc_exp>("I", 757);
  net->add_population<models::LIF>("W", 70001);
  net->add_poisson_input("E", 16.0_kHz, quantity_value(87.8_pA));
  net->add_poisson_input("I", 16.0_kHz, quantity_value(87.8_pA));
  auto exc = quantity_value::normal(87.8_pA, 8.78_pA);
  exc.dist.low = 0;
  auto inh = quantity_value::normal(-351.2_pA, 35.12_pA);
  inh.dist.high = 0;
  auto delay_e = quantity_value::normal(1.5_ms, 0.75_ms);
  delay_e.dist.low = 0.1;
  auto delay_i = quantity_value::normal(0.75_ms, 0.375_ms);
  delay_i.dist.low = 0.1;
  connection_rule distinct = rule_of(rule_kind::fixed_outdegree, 0, 80);
  distinct.allow_multapses = distinct.allow_autapses = false;
  net->connect("E", "E", rule_of(rule_kind::fixed_total_number, 0, 200000), {"", exc, delay_e});
  net->connect("E", "I", distinct, {"", exc, delay_e});
  distinct.count = 300;  // 300 * 4 >= 756: selection sampling
  net->connect("I", "I", distinct, {"", inh, delay_i});
  connection_rule once = rule_of(rule_kind::fixed_total_number, 0, 50000);
  once.allow_multapses = false;
  net->connect("I", "E", once, {"", inh, delay_i});
  net->connect("E", "W", rule_of(rule_kind::fixed_outdegree, 0, 7),
               {"", quantity_value(0.5_mV), quantity_value::uniform(0.1_ms, 2.0_ms)});
  return net;
}

TEST(GpuConnectivity, DrawnOnDeviceAsOnHost) {
  if (const auto why = no_gpu_reason(); !why.empty() || self_check())
    GTEST_SKIP() << (why.empty() ? std::string("self-check mode: no device to draw on") : why);
  auto host = drawn_network();
  run_options on_cpu;
  simulator host_sim(*host, on_cpu);  // finalize() draws the pending synapses on the host
  auto dev = drawn_network();
  run_options on_gpu;
  on_gpu.backend = backend_kind::gpu;
  simulator dev_sim(*dev, on_gpu);
  ASSERT_NE(dev_sim.device_synapses(), nullptr);
  for (const auto& p : dev->projections()) {
    EXPECT_TRUE(p.on_device) << p.name;
    EXPECT_TRUE(p.pending.has_value()) << p.name << ": the host arrays stay empty";
  }
  gpu::copy_drawn_synapses_to_host(*dev_sim.device_synapses(), *dev);
  for (std::size_t k = 0; k < host->projections().size(); ++k) {
    const projection& a = host->projections()[k];
    const projection& b = dev->projections()[k];
    SCOPED_TRACE(a.name);
    ASSERT_GT(a.size(), 0u);
    EXPECT_EQ(a.row_ptr, b.row_ptr);
    EXPECT_EQ(a.targets16, b.targets16);
    EXPECT_EQ(a.targets32, b.targets32);
    EXPECT_EQ(a.delays, b.delays);
    EXPECT_EQ(a.max_delay(), b.max_delay());
    ASSERT_EQ(a.weights.size(), b.weights.size());
    double worst = 0;
    for (std::size_t e = 0; e < a.weights.size(); ++e)
      worst = std::max(worst, std::abs(double(a.weights[e]) - double(b.weights[e])) / std::abs(double(a.weights[e])));
    EXPECT_LT(worst, 1e-13);
    std::printf("  %s: %llu synapses, worst relative weight difference %.3g\n", a.name.c_str(),
                static_cast<unsigned long long>(a.size()), worst);
  }
  EXPECT_EQ(host->projections()[4].narrow(), false);  // E->W: 70001 targets, 32-bit
  // The network runs from the device-drawn synapses (a fresh copy: the one above now has host arrays too).
  auto fresh = drawn_network();
  simulator run_sim(*fresh, on_gpu);
  run_sim.record_spikes("E");
  const auto stats = run_sim.run(20.0_ms);
  host_sim.record_spikes("E");
  const auto host_stats = host_sim.run(20.0_ms);
  // Recurrent: the sums' rounding differs between the backends, so compare activity, not spike by spike.
  const double dev_spikes = double(run_sim.record().spikes[0].size());
  const double host_spikes = double(host_sim.record().spikes[0].size());
  ASSERT_GT(host_spikes, 100.0);
  EXPECT_NEAR(dev_spikes, host_spikes, 0.1 * host_spikes);
  EXPECT_NEAR(double(stats.synaptic_events), double(host_stats.synaptic_events),
              0.1 * double(host_stats.synaptic_events));
}

}  // namespace
}  // namespace volley
