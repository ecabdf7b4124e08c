#include "tools/train_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/trainer.hpp"
#include "host/backend.hpp"
#include "host/machine_info.hpp"
#include "kernels/cpu_parallel.hpp"

namespace volley::cli {
namespace {

void progress_bar(int epoch, int epochs, std::size_t done, std::size_t total, double loss, double acc) {
  constexpr int width = 24;
  const int filled = int(double(width) * double(done) / double(total));
  std::fprintf(stderr, "\repoch %d/%d [%.*s%*s] %zu/%zu  loss %.4f  acc %.1f%%", epoch, epochs, filled,
               "########################", width - filled, "", done, total, loss, 100.0 * acc);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace

int train_command(const train_args& a) {
  train::train_spec spec = train::load_train_spec(a.spec);
  if (a.epochs >= 0) spec.epochs = a.epochs;
  if (a.threads >= 0) spec.threads = a.threads;
  if (!a.backend.empty()) {
    parse_backend(a.backend, "--backend");
    spec.backend = a.backend;
  }
  train::trainer t(spec);
  if (!a.resume.empty()) t.load(a.resume);
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (!a.quiet)
    std::cerr << "volley train: " << spec.name << ": " << t.train_set().size() << " training, "
              << t.validation_set().size() << " validation, " << t.test_set().size() << " test samples of '"
              << spec.data.name << "', " << t.net().parameter_count() << " parameters, " << spec.steps
              << " steps of " << spec.dt << " ms, on " << t.device()
              << (t.backend_note().empty() ? "" : " (backend auto -> cpu: " + t.backend_note() + ")") << "\n";
  train::progress_fn progress;
  if (!a.quiet && tty) progress = progress_bar;
  const train::train_summary s = t.run(progress, [&](const train::epoch_stats& e) {
    if (!a.save.empty()) t.save(a.save);
    if (a.quiet) return;
    std::fprintf(stderr, "epoch %d/%d  loss %.4f  train %.2f%%", e.epoch, spec.epochs, e.loss, 100 * e.train_accuracy);
    if (e.validation_accuracy >= 0) std::fprintf(stderr, "  validation %.2f%%", 100 * e.validation_accuracy);
    std::fprintf(stderr, "  %.0f samples/s  lr %.2e\n", e.samples_per_s, e.learning_rate);
  });
  if (!a.quiet) {
    std::printf("test accuracy %.2f%% (%zu samples), test loss %.4f\n", 100 * s.test.accuracy, s.test.samples,
                s.test.loss);
    if (a.memory)
      std::printf("memory for the backward pass: %.3f bytes per neuron-step (spikes %zu B, checkpoints %zu B every "
                  "%d steps, segment %zu B, adjoints %zu B); working buffers per batch %zu B (data, masks, loss)\n",
                  s.memory.bytes_per_neuron_step(), s.memory.spike_bytes, s.memory.checkpoint_bytes,
                  s.memory.checkpoint_every, s.memory.segment_bytes, s.memory.adjoint_bytes, s.memory.work_bytes);
  }
  if (!a.summary_json.empty()) {
    nlohmann::json j;
    j["spec"] = a.spec;
    j["name"] = spec.name;
    j["data"] = spec.data.name;
    j["hardware"] = {{"cpu", host::cpu_model()}, {"threads", kernels::cpu_thread_count(spec.threads)}, {"device", t.device()}};
    j["build"] = {{"real", sizeof(real_t) == 8 ? "double" : "float"}};
    s.to_json(j);
    std::ofstream out(a.summary_json);
    if (!(out << j.dump(2) << "\n")) throw user_error("cannot write the summary to '" + a.summary_json + "'");
  }
  return 0;
}

}  // namespace volley::cli
