// PD14 (../shared/benchmarks.md) built through volley's NEST layer (host/nest_layer.hpp) with the calls a PyNEST
// script makes; bench/nest/pd14_nest.py builds the same network in NEST itself, call for call, so the two time the
// same model on the same machine. Prints one JSON document (stdout).
//   volley_bench_pd14_nest [--scale 1.0] [--threads 2] [--t-presim 100] [--t-sim 1000] [--seed 1] [--backend cpu|gpu|auto]
//
// Scale s multiplies the population sizes and keeps the in-degrees (K per projection scales with s), and the
// weights are those of the full model, as NEST's microcircuit example scales "N_scaling" with "K_scaling" 1.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/machine_info.hpp"
#include "host/nest_layer.hpp"
#include "host/simulator.hpp"
#include "kernels/cpu_parallel.hpp"

using namespace volley;
using nest::json;

namespace {

const char* kNames[8] = {"L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"};
const double kSizes[8] = {20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948};
const double kProbability[8][8] = {  // [target][source]
    {.1009, .1689, .0437, .0818, .0323, 0., .0076, 0.},   {.1346, .1371, .0316, .0515, .0755, 0., .0042, 0.},
    {.0077, .0059, .0497, .1350, .0067, .0003, .0453, 0.}, {.0691, .0029, .0794, .1597, .0033, 0., .1057, 0.},
    {.1004, .0622, .0505, .0057, .0831, .3726, .0204, 0.}, {.0548, .0269, .0257, .0022, .0600, .3158, .0086, 0.},
    {.0156, .0066, .0211, .0166, .0572, .0197, .0396, .2252}, {.0364, .0010, .0034, .0005, .0277, .0080, .0658, .1443}};
const double kExternalIndegree[8] = {1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100};
const double kVMean[8] = {-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43};  // mV
const double kVStd[8] = {5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48};                   // mV
constexpr double kWeight = 87.8;       // pA
constexpr double kBackgroundRate = 8;  // Hz per external input

struct options {
  double scale = 1.0, t_presim = 100.0, t_sim = 1000.0;
  int threads = 2;
  std::uint64_t seed = 1;
  std::string backend = "cpu";
};

const char* usage =
    "usage: volley_bench_pd14_nest [--scale 1.0] [--threads 2] [--t-presim 100] [--t-sim 1000] [--seed 1]\n"
    "                              [--backend cpu|gpu|auto]\n";

// The whole text of `value` as a number for `option`; otherwise a message naming the option and the value.
double number(const std::string& option, const std::string& value) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || !std::isfinite(v))
    throw std::invalid_argument(option + " = '" + value + "': expected a finite number");
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value\n" + usage);
      return argv[++i];
    };
    auto whole = [&](double lo, double hi) {
      const std::string v = next();
      const double x = number(a, v);
      if (x != std::floor(x) || x < lo || x > hi)
        throw std::invalid_argument(a + " = '" + v + "': expected a whole number from " + std::to_string(long(lo)) +
                                    " to " + std::to_string((unsigned long long)(hi)));
      return x;
    };
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      std::exit(0);
    } else if (a == "--scale") o.scale = number(a, next());
    else if (a == "--threads") o.threads = static_cast<int>(whole(0, 1024));
    else if (a == "--t-presim") o.t_presim = number(a, next());
    else if (a == "--t-sim") o.t_sim = number(a, next());
    else if (a == "--seed") o.seed = static_cast<std::uint64_t>(whole(0, 9007199254740992.0));
    else if (a == "--backend") {
      o.backend = next();
      if (o.backend != "cpu" && o.backend != "gpu" && o.backend != "auto")
        throw std::invalid_argument("--backend = '" + o.backend + "': expected cpu, gpu or auto");
    } else throw std::invalid_argument("unknown option " + a + "\n" + usage);
  }
  if (!(o.scale > 0 && o.scale <= 1))
    throw std::invalid_argument("--scale = " + std::to_string(o.scale) + ": expected a value in (0, 1]");
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) try {
  const options o = parse(argc, argv);
  const double dt = 0.1;
  const auto t0 = std::chrono::steady_clock::now();
  nest::kernel k({.resolution_ms = dt, .rng_seed = o.seed, .local_num_threads = o.threads,
                  .backend = o.backend == "auto"  ? backend_kind::automatic
                                  : o.backend == "gpu" ? backend_kind::gpu
                                                       : backend_kind::cpu});
  const json neuron = {{"C_m", 250.0}, {"tau_m", 10.0}, {"tau_syn_ex", 0.5}, {"tau_syn_in", 0.5}, {"E_L", -65.0},
                       {"V_th", -50.0}, {"V_reset", -65.0}, {"t_ref", 2.0}};
  std::vector<nest::node_collection> pops;
  std::vector<double> sizes;
  for (int p = 0; p < 8; ++p) {
    sizes.push_back(std::nearbyint(kSizes[p] * o.scale));
    json params = neuron;
    params["V_m"] = {{"distribution", "normal"}, {"mean", kVMean[p]}, {"std", kVStd[p]}};
    pops.push_back(k.create("iaf_psc_exp", static_cast<std::uint64_t>(sizes[p]), params));
  }
  // background: one poisson_generator per population at 8 Hz x K_ext, weight 87.8 pA
  for (int p = 0; p < 8; ++p) {
    const auto pg = k.create("poisson_generator", 1, {{"rate", kBackgroundRate * kExternalIndegree[p]}});
    k.connect(pg, pops[p], "all_to_all", {{"weight", kWeight}, {"delay", 1.5}});
  }
  std::uint64_t synapses = 0;
  for (int t = 0; t < 8; ++t)
    for (int s = 0; s < 8; ++s) {
      const double c = kProbability[t][s];
      if (c <= 0) continue;
      // K = ln(1 - C) / ln(1 - 1/(N_pre N_post)), drawn with replacement
      const double n_pairs = sizes[s] * sizes[t];
      const auto K = static_cast<std::uint64_t>(std::nearbyint(std::log(1 - c) / std::log(1 - 1 / n_pairs)));
      const bool excitatory = s % 2 == 0;
      double w = excitatory ? kWeight : -4 * kWeight;
      if (s == 2 && t == 0) w *= 2;  // L4E -> L23E
      const double d_mean = excitatory ? 1.5 : 0.75;
      const json weight = excitatory
                              ? json{{"distribution", "normal"}, {"mean", w}, {"std", 0.1 * std::abs(w)}, {"low", 0.0}}
                              : json{{"distribution", "normal"}, {"mean", w}, {"std", 0.1 * std::abs(w)}, {"high", 0.0}};
      const json delay = {{"distribution", "normal"}, {"mean", d_mean}, {"std", 0.5 * d_mean}, {"low", dt}};
      k.connect(pops[s], pops[t], {{"rule", "fixed_total_number"}, {"N", K}},
                {{"synapse_model", "static_synapse"}, {"weight", weight}, {"delay", delay}});
      synapses += K;
    }
  const double create_connect_s = seconds_since(t0);
  // the first Simulate builds the network (volley draws the synapses there); it is timed as presimulation
  const auto t1 = std::chrono::steady_clock::now();
  k.simulate(o.t_presim);
  const double presim_s = seconds_since(t1);
  const auto t2 = std::chrono::steady_clock::now();
  const run_stats run = k.simulate(o.t_sim);
  const double sim_s = seconds_since(t2);

  json pops_out = json::array();
  for (int p = 0; p < 8; ++p) {
    const double spikes = double(run.populations.at(p).spikes);
    pops_out.push_back({{"name", kNames[p]}, {"size", sizes[p]}, {"spikes", spikes},
                        {"rate_hz", spikes / sizes[p] / (o.t_sim * 1e-3)}});
  }
  json out = {{"benchmark", "pd14_nest_layer"},
              {"tool", "bench/pd14_nest_layer.cpp"},
              {"simulator", "volley (NEST layer)"},
              {"hardware", {{"cpu", host::cpu_model()}, {"threads", kernels::cpu_thread_count(o.threads)}}},
              {"backend", k.sim()->backend_description()},
              {"scale", o.scale},
              {"neurons", k.net().neuron_count()},
              {"synapses", k.net().synapse_count()},
              {"synapses_requested", synapses},
              {"background", "one poisson_generator per population, 8 Hz x K_ext, 87.8 pA, all_to_all"},
              {"create_connect_s", create_connect_s},
              {"build_s", k.build_seconds()},
              {"presim_ms", o.t_presim},
              {"presim_s", presim_s},
              {"sim_ms", o.t_sim},
              {"sim_s", sim_s},
              {"rtf", sim_s / (o.t_sim * 1e-3)},
              {"run_s", run.run_s},
              {"synaptic_events", run.synaptic_events},
              {"events_per_s", double(run.synaptic_events) / run.run_s},
              {"peak_rss_mb", host::peak_rss_mb()},
              {"populations", pops_out}};
  std::cout << out.dump(2) << "\n";
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "volley_bench_pd14_nest: %s\n", e.what());
  return 2;
}
