// The training micro-benchmark of ../shared/benchmarks.md: one dense Linear(N, N) feeding N current-based LIF
// neurons, batch 16, T = 500 steps, random input spikes at 5 %, loss = sum of output spikes; forward + backward
// time and the bytes kept per neuron-step. Prints one JSON document (stdout).
//   volley_bench_train [--n 1024,2048,4096] [--repeats 3] [--threads 0] [--batch 16] [--steps 500]
//                      [--backend cpu|gpu|auto]
// The first repeat of each N also uploads the weights (GPU); every repeat uploads the batch's input (as bits) and
// downloads the gradients: the JSON gives the median of the whole call, of its compute part alone and of the
// forward pass within it (up to the loss on the host).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/philox.hpp"
#include "engine/random.hpp"
#include "engine/train_engine.hpp"
#include "host/machine_info.hpp"
#include "kernels/cpu_parallel.hpp"
#include "models/surrogate.hpp"

using namespace volley;

namespace {

train::network micro_network(std::size_t n, double dt) {
  train::network net;
  net.dt = dt;
  net.n_in = n;
  kernels::train::step_options o;  // hard spikes, same-step reset, brainpy.state's default surrogate
  const nlohmann::json params = {{"tau", "10 ms"}, {"R", "1 Gohm"}, {"V_th", "1 mV"}, {"V_reset", "0 mV"}};
  train::layer L;
  L.name = "lif";
  L.n = n;
  L.kernel = train::make_layer_kernel("LIF", n, &params, nullptr, dt, o, "layer 'lif'");
  L.bias.assign(n, 0);
  train::init_spec init;
  init.gain = 15.0;  // pA * sqrt(fan-in): the output layer fires a few spikes per neuron and sample
  L.inputs.push_back(train::make_projection(-1, n, n, 0, false, init, 1, 0));
  net.layers.push_back(std::move(L));
  return net;
}

// A whole number from first to last for option `name`; otherwise a message naming the option, value and range.
std::size_t whole_number(const std::string& name, const std::string& text, std::size_t first, std::size_t last) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || text[0] == '-' || v < first || v > last)
    throw std::invalid_argument(name + " = '" + text + "': expected a whole number from " + std::to_string(first) +
                                " to " + std::to_string(last));
  return static_cast<std::size_t>(v);
}

const char* usage =
    "usage: volley_bench_train [--n 1024,2048,4096] [--repeats 3] [--threads 0] [--batch 16] [--steps 500]\n"
    "                          [--backend cpu|gpu|auto]\n";

}  // namespace

int main(int argc, char** argv) try {
  std::vector<std::size_t> sizes{1024, 2048, 4096};
  int repeats = 3, threads = 0;
  std::size_t batch = 16, steps = 500;
  std::string backend = "cpu";
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::cout << usage;
      return 0;
    }
    if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value\n" + usage);
    const std::string v = argv[i + 1];
    if (k == "--n") {
      sizes.clear();
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ',')) sizes.push_back(whole_number("--n", item, 1, std::size_t(1) << 20));
      if (sizes.empty()) throw std::invalid_argument("--n = '': expected sizes separated by commas");
    } else if (k == "--repeats") {
      repeats = static_cast<int>(whole_number(k, v, 1, 1000));
    } else if (k == "--threads") {
      threads = static_cast<int>(whole_number(k, v, 0, 1024));
    } else if (k == "--batch") {
      batch = whole_number(k, v, 1, 1 << 16);
    } else if (k == "--steps") {
      steps = whole_number(k, v, 1, 1 << 24);
    } else if (k == "--backend") {
      if (v != "cpu" && v != "gpu" && v != "auto")
        throw std::invalid_argument("--backend = '" + v + "': expected cpu, gpu or auto");
      backend = v;
    } else {
      throw std::invalid_argument("unknown option " + k + "\n" + usage);
    }
  }
  nlohmann::json out;
  out["benchmark"] = "training micro-benchmark (shared/benchmarks.md): Linear(N, N) -> N LIF, batch " +
                     std::to_string(batch) + ", T " + std::to_string(steps) + ", 5 % input spikes, loss = spike sum";
  out["hardware"] = {{"cpu", host::cpu_model()}, {"threads", kernels::cpu_thread_count(threads)}};
  out["build"] = {{"real", sizeof(real_t) == 8 ? "double" : "float"},
#ifdef NDEBUG
                  {"type", "release"}
#else
                  {"type", "debug"}
#endif
  };
  for (std::size_t n : sizes) {
    train::network net = micro_network(n, 1.0);
    std::vector<real_t> x(steps * batch * n, 0);
    for (std::size_t t = 0; t < steps; ++t)  // Philox-drawn 5 % input spikes
      for (std::size_t b = 0; b < batch; ++b) {
        rng::random_stream rs(7, rng::make_tag(rng::purpose::user, 1), std::uint32_t(b), std::uint32_t(t));
        for (std::size_t j = 0; j < n; ++j) x[(t * batch + b) * n + j] = rs.uniform() < 0.05 ? real_t(1) : real_t(0);
      }
    std::vector<int> y(batch, 0);
    train::loss_spec loss;
    loss.kind = train::loss_kind::spike_sum;
    std::string note;
    auto e = train::make_engine(net, {threads, 0}, backend, &note);
    if (!note.empty()) std::cerr << "volley_bench_train: backend auto -> cpu: " << note << "\n";
    out["hardware"]["device"] = e->device();
    train::gradients g;
    std::vector<double> seconds, compute, forward;
    train::batch_result r;
    for (int k = 0; k < repeats; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      r = e->forward_backward({batch, steps, x.data()}, y.data(), loss, g);
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      compute.push_back(e->times().compute);
      forward.push_back(e->times().forward);
    }
    std::sort(seconds.begin(), seconds.end());
    std::sort(compute.begin(), compute.end());
    std::sort(forward.begin(), forward.end());
    const auto m = e->memory();
    out["results"].push_back({{"N", n},
                              {"forward_backward_s_median", seconds[seconds.size() / 2]},
                              {"forward_backward_s_min", seconds.front()},
                              {"compute_s_median", compute[compute.size() / 2]},
                              {"forward_s_median", forward[forward.size() / 2]},
                              {"bytes_per_neuron_step", m.bytes_per_neuron_step()},
                              {"checkpoint_every", m.checkpoint_every},
                              {"work_bytes", m.work_bytes},
                              {"output_spikes_per_neuron_and_sample", r.spikes_per_neuron[0]},
                              {"output_rate_hz", r.spikes_per_neuron[0] / (double(steps) * 1e-3)},
                              {"gradient_norm", g.norm()},
                              {"peak_rss_mb", host::peak_rss_mb()}});
    std::cerr << "N " << n << ": " << seconds[seconds.size() / 2] << " s forward+backward, "
              << m.bytes_per_neuron_step() << " bytes/neuron-step\n";
  }
  std::cout << out.dump(2) << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "volley_bench_train: " << e.what() << "\n";
  return 2;
}
