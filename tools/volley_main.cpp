// The `volley` command: run a spec, list models, show the build.
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <stdexcept>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "engine/current_inputs.hpp"
#include "engine/error.hpp"
#include "engine/recording.hpp"
#include "engine/spec.hpp"
#include "engine/unit_parse.hpp"
#include "host/gpu_engine.hpp"
#include "host/machine_info.hpp"
#include "host/simulator.hpp"
#include "kernels/cpu_parallel.hpp"
#include "models/registry.hpp"
#include "models/surrogate.hpp"
#include "tools/train_command.hpp"

#ifdef VOLLEY_HAVE_OPENMP
#include <omp.h>
#endif

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

using volley::host::cpu_model;
using volley::host::peak_rss_mb;

struct run_args {
  std::string spec, backend = "auto", out, csv, summary_json, duration, seed;
  int threads = 0;
  bool duration_given = false, seed_given = false;  // an empty --duration '' is an error, not "no override"
  bool no_record = false, quiet = false, deterministic = false;
};

// --seed: the spec's seed is a 64-bit unsigned integer, so is this one (CLI11 would saturate 1e20 to 2^63 - 1).
std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t seed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw volley::parameter_error("command line", "--seed", "'" + text + "'",
                                  "an integer from 0 to " + std::to_string(UINT64_MAX));
  return seed;
}

// An output file's folder must exist before the run starts: finding out after an hour of simulation loses it all.
void check_output_path(const std::string& path, const char* option) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (fs::is_directory(path, ec))
    throw volley::parameter_error("command line", option, "'" + path + "'", "a file name, not a folder");
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw volley::parameter_error("command line", option, "'" + path + "'",
                                  "a file in an existing folder ('" + parent.string() + "' is not one)");
  if (::access(parent.empty() ? "." : parent.c_str(), W_OK) != 0)
    throw volley::parameter_error(
        "command line", option, "'" + path + "'",
        "a file in a folder this user may write ('" + (parent.empty() ? "." : parent.string()) + "' is not)");
}

int run_command(const run_args& a) {
  using clock = std::chrono::steady_clock;
  const volley::backend_kind requested = volley::parse_backend(a.backend, "command line --backend");
  const int threads = volley::kernels::cpu_thread_count(a.threads);

  check_output_path(a.out, "--out");
  check_output_path(a.csv, "--csv");
  check_output_path(a.summary_json, "--summary-json");
  volley::spec_overrides ov;
  if (a.seed_given) ov.seed = parse_seed(a.seed);
  if (a.duration_given)
    ov.duration_ms = volley::units::parse_in_internal_units(a.duration, volley::units::dims::time, "command line", "--duration");
#ifdef VOLLEY_HAVE_OPENMP
  omp_set_num_threads(threads);
#endif
  const auto t0 = clock::now();
  volley::loaded_spec spec = volley::load_spec_file(a.spec, ov);
  volley::run_options opts;
  opts.backend = requested;
  opts.gpu_deterministic = a.deterministic;
  opts.threads = threads;
  opts.stop = &g_stop;
  opts.on_non_finite = volley::non_finite_policy::stop;  // write what was recorded, then report (below)
  if (!a.quiet)
    opts.progress = [&](double f, double s) {
      std::fprintf(stderr, "\rvolley: %5.1f %% simulated, %.1f s elapsed, ~%.0f s left   ", 100 * f, s,
                   f > 0 ? s * (1 - f) / f : 0.0);
    };
  volley::simulator sim(*spec.net, opts);
  const std::string backend = sim.backend() == volley::backend_kind::gpu ? "gpu" : "cpu";
  if (!a.quiet) {
    std::cerr << "volley: backend " << a.backend << " -> " << sim.backend_description();
    if (!sim.backend_note().empty()) std::cerr << " (" << sim.backend_note() << ")";
    std::cerr << "\n";
  }
  if (!a.no_record) {
    for (const auto& p : spec.record_spikes) sim.record_spikes(p);
    for (const auto& t : spec.record_traces) sim.record_trace(t);
  }
  const double build_s = std::chrono::duration<double>(clock::now() - t0).count();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto stats = sim.run(volley::units::time_q(spec.duration_ms));
  std::signal(SIGINT, SIG_DFL);
  if (opts.progress) std::fprintf(stderr, "\r%70s\r", "");

  auto& rec = sim.record();
  rec.attributes["spec"] = a.spec;
  rec.attributes["backend"] = sim.backend_description();
  rec.attributes["threads"] = std::to_string(threads);
  rec.attributes["volley_version"] = "0.1.0";
  if (!a.out.empty()) volley::write_hdf5(rec, a.out);
  if (!a.csv.empty()) volley::write_spikes_csv(rec, a.csv);

  const double sim_s = stats.simulated_ms / 1000.0;
  std::uint64_t spikes = 0;
  nlohmann::json pops = nlohmann::json::array();
  for (const auto& p : stats.populations) {
    spikes += p.spikes;
    const double rate = sim_s > 0 ? double(p.spikes) / (double(p.size) * spec.net->batch() * sim_s) : 0.0;
    pops.push_back({{"name", p.name}, {"size", p.size}, {"spikes", p.spikes}, {"rate_hz", rate}});
  }
  nlohmann::json summary = {
      {"volley_version", "0.1.0"}, {"spec", a.spec}, {"backend", backend}, {"device", sim.backend_description()}, {"threads", threads},
      {"real", sizeof(volley::real_t) == 8 ? "double" : "float"},
      {"hardware", {{"cpu", cpu_model()}, {"cores", sysconf(_SC_NPROCESSORS_ONLN)}}},
      {"neurons", spec.net->neuron_count()}, {"synapses", spec.net->synapse_count()}, {"batch", spec.net->batch()},
      {"dt_ms", spec.net->dt()}, {"duration_ms", stats.simulated_ms}, {"build_s", build_s}, {"run_s", stats.run_s},
      {"rtf", sim_s > 0 ? stats.run_s / sim_s : 0.0}, {"spikes", spikes}, {"synaptic_events", stats.synaptic_events},
      {"events_per_s", stats.run_s > 0 ? double(stats.synaptic_events) / stats.run_s : 0.0},
      {"peak_rss_mb", peak_rss_mb()}, {"device_mb", double(sim.device_bytes()) / (1 << 20)}, {"interrupted", stats.interrupted}, {"populations", pops}};
  if (!stats.diverged.empty()) summary["diverged"] = stats.diverged;
  if (!a.summary_json.empty()) {
    std::ofstream f(a.summary_json);
    if (!f) throw volley::user_error("cannot write summary to '" + a.summary_json + "'");
    f << summary.dump(2) << "\n";
  }
  if (!a.quiet) {
    std::printf("%s\n", spec.name.c_str());
    std::printf("  neurons %llu, synapses %llu, backend %s, %s precision\n",
                (unsigned long long)spec.net->neuron_count(), (unsigned long long)spec.net->synapse_count(),
                sim.backend_description().c_str(),
                sizeof(volley::real_t) == 8 ? "double" : "float");
    std::printf("  simulated %.1f ms in %.3f s (build %.3f s), RTF %.4f, %.3g synaptic events/s\n", stats.simulated_ms,
                stats.run_s, build_s, sim_s > 0 ? stats.run_s / sim_s : 0.0,
                stats.run_s > 0 ? double(stats.synaptic_events) / stats.run_s : 0.0);
    for (const auto& p : pops)
      std::printf("  %-12s %8llu neurons %10llu spikes %8.2f Hz\n", p["name"].get<std::string>().c_str(),
                  (unsigned long long)p["size"].get<std::uint64_t>(), (unsigned long long)p["spikes"].get<std::uint64_t>(),
                  p["rate_hz"].get<double>());
    const std::string on_device =
        sim.device_bytes() ? ", " + std::to_string(sim.device_bytes() >> 20) + " MB on the device" : "";
    std::printf("  peak memory %.0f MB%s%s%s\n", peak_rss_mb(), on_device.c_str(), a.out.empty() ? "" : (", recording in " + a.out).c_str(),
                stats.interrupted ? " (interrupted: record written up to the stop)" : "");
  }
  if (!stats.diverged.empty()) {
    std::cerr << "volley: error: the run stopped at step " << sim.current_step() << ": " << stats.diverged
              << (a.out.empty() ? "" : "; the record up to there is in " + a.out) << "\n";
    return 4;
  }
  return stats.interrupted ? 130 : 0;
}

int models_command(bool as_json) {
  nlohmann::json out = nlohmann::json::object();
  auto& neurons = out["neurons"] = nlohmann::json::array();
  for (const auto& e : volley::models::neuron_models()) {
    nlohmann::json m;
    e.describe(m);
    m["family"] = e.family;
    neurons.push_back(m);
  }
  volley::models::describe_receptors(out);
  volley::models::describe_surrogates(out);
  volley::describe_inputs(out);
  volley::describe_plasticity(out);
  if (as_json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& m : neurons) {
    std::cout << m["name"].get<std::string>() << " (" << m["family"].get<std::string>() << "): "
              << m["description"].get<std::string>() << "\n";
    for (const auto& p : m["parameters"]) {
      std::cout << "    " << p["name"].get<std::string>() << " = " << p["default"].dump() << " "
                << p["unit"].get<std::string>() << "\n";
    }
  }
  for (const auto& s : out["synapses"]) std::cout << s["name"].get<std::string>() << " (synapse)\n";
  for (const auto& s : out["outputs"]) std::cout << s["name"].get<std::string>() << " (output)\n";
  for (const auto& s : out["surrogates"]) std::cout << s["name"].get<std::string>() << " (surrogate)\n";
  return 0;
}

int info_command() {
  std::cout << "volley 0.1.0\n  backends compiled: cpu"
#ifdef VOLLEY_HAVE_OPENMP
            << " (OpenMP, " << omp_get_max_threads() << " threads)"
#else
            << " (no OpenMP: 1 thread)"
#endif
            << "\n  precision: " << (sizeof(volley::real_t) == 8 ? "double" : "float") << "\n  cpu: " << cpu_model()
            << "\n";
  const auto probe = volley::gpu::probe();
  if (probe.dialect.empty()) {
    std::cout << "  GPU backend: none compiled in\n";
    return 0;
  }
  std::cout << "  GPU backend: " << probe.dialect << " (runtime " << probe.runtime_version << ", driver "
            << probe.driver_version << ")\n";
  if (!probe.usable) std::cout << "  GPU devices: none usable (" << probe.problem << "); --backend auto runs on the CPU\n";
  for (const auto& d : probe.devices)
    std::cout << "  GPU device " << d.index << ": " << d.name << ", " << d.arch << ", " << d.multiprocessors
              << " multiprocessors, warp " << d.warp << ", " << d.free_bytes / (1 << 20) << " of "
              << d.total_bytes / (1 << 20) << " MiB free\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"volley: spiking neural network simulation engine"};
  app.require_subcommand(1);
  run_args a;
  auto* run = app.add_subcommand("run", "simulate a network spec");
  run->add_option("spec", a.spec, "spec file (JSON)")->required()->check(CLI::ExistingFile);
  run->add_option("--backend", a.backend, "auto, cpu, gpu, cuda or hip")->capture_default_str();
  run->add_option("--threads", a.threads, "CPU threads (default: all)")->check(CLI::Range(0, volley::max_cpu_threads));
  run->add_option("--out", a.out, "write the recording to this HDF5 file");
  run->add_option("--csv", a.csv, "write spikes to this CSV file");
  auto* seed = run->add_option("--seed", a.seed, "override the spec's seed (0 to 2^64 - 1)");
  auto* duration = run->add_option("--duration", a.duration, "override the spec's duration, e.g. \"2 s\"");
  run->add_option("--summary-json", a.summary_json, "write the run summary as JSON to this file");
  run->add_flag("--no-record", a.no_record, "record nothing (benchmarks)");
  run->add_flag("--deterministic", a.deterministic,
                "GPU: fixed-point accumulation, the same spikes run after run (no effect on the CPU, always so)");
  run->add_flag("--quiet", a.quiet, "no progress or summary on the terminal");
  bool models_json = false;
  auto* models = app.add_subcommand("models", "list the models with parameters, defaults and units");
  models->add_flag("--json", models_json, "machine-readable output");
  app.add_subcommand("info", "backends compiled in and devices found");
  volley::cli::train_args ta;
  auto* train = app.add_subcommand("train", "train a network spec with surrogate gradients (BPTT)");
  train->add_option("spec", ta.spec, "training spec file (JSON)")->required()->check(CLI::ExistingFile);
  train->add_option("--epochs", ta.epochs, "override the spec's epochs")->check(CLI::Range(0, INT_MAX));
  train->add_option("--threads", ta.threads, "CPU threads (default: the spec's, else all)")
      ->check(CLI::Range(0, volley::max_cpu_threads));
  train->add_option("--backend", ta.backend, "cpu, gpu, cuda, hip or auto (default: the spec's training.backend, else cpu)");
  train->add_option("--save", ta.save, "write a checkpoint of the trained weights here after every epoch");
  train->add_option("--resume", ta.resume, "continue from this checkpoint")->check(CLI::ExistingFile);
  train->add_option("--summary-json", ta.summary_json, "write the final summary (test accuracy, epochs) as JSON");
  train->add_flag("--memory", ta.memory, "report the backward pass's memory per neuron-step");
  train->add_flag("--quiet", ta.quiet, "no progress or summary on the terminal");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  a.seed_given = seed->count() > 0;
  a.duration_given = duration->count() > 0;
  try {
    if (*run) return run_command(a);
    if (*models) return models_command(models_json);
    if (*train) return volley::cli::train_command(ta);
    return info_command();
  } catch (const volley::user_error& e) {
    std::cerr << "volley: error: " << e.what() << "\n";
    return 2;
  } catch (const volley::numerical_error& e) {
    std::cerr << "volley: error: " << e.what() << "\n";
    return 4;
  } catch (const volley::resource_error& e) {  // an input too large for this machine, not a bug
    std::cerr << "volley: error: " << e.what() << "\n";
    return 2;
  } catch (const std::length_error&) {  // std::vector larger than max_size(): "out of memory" before trying
    std::cerr << "volley: error: out of memory: the network (sizes, connections, batch) or the recording is too "
                 "large for this machine\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "volley: error: out of memory: the network (sizes, connections, batch) or the recording is too "
                 "large for this machine\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "volley: internal error: " << e.what() << "\n";
    return 3;
  }
}
