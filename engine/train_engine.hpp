#pragma once
// Batched forward pass and backward pass through time (BPTT) of a trainable network on the CPU (OpenMP).
// Memory: every step's spikes are kept as bits (as reals in smooth mode), the continuous state (and synaptic
// filter) every K steps; the backward sweep recomputes one segment of K steps at a time from its checkpoint by
// replaying the stored spikes (never re-thresholding) and runs the adjoint recursion backwards through it.
// Design, equations and the memory budget: docs/training.md.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/train_loss.hpp"
#include "engine/train_network.hpp"

namespace volley::train {

// One batch of data: x[(t * batch + b) * n_in + j], the value of input j in step t (spike 0/1, or any real, e.g.
// a current encoding), as the source of projections with source -1.
struct batch_input {
  std::size_t batch = 0, steps = 0;
  const real_t* x = nullptr;
};

struct engine_options {
  int threads = 0;           // 0: all OpenMP threads
  int checkpoint_every = 0;  // K steps between state checkpoints; 0: round(sqrt(T))
  // Gradient checks of detach_reset only: per layer, [T][batch * n] spikes of a recorded run that the reset uses
  // in place of this run's (so the reset's spike is a constant, as a detached reset treats it).
  const std::vector<std::vector<real_t>>* frozen_reset = nullptr;
};

// Gradients in the network's shapes: w[layer][projection][synapse], bias[layer][neuron], and the trainable
// neuron parameters param[layer][parameter][neuron].
struct gradients {
  std::vector<std::vector<std::vector<real_t>>> w;
  std::vector<std::vector<real_t>> bias;
  std::vector<std::vector<std::vector<real_t>>> param;
  void zero_like(const network& net);
  double norm() const;  // L2 over everything
};

struct batch_result {
  double loss = 0;            // the loss (batch mean)
  double regularization = 0;  // rate regularisers
  std::size_t correct = 0, batch = 0;
  std::vector<int> predictions;
  std::vector<double> spikes_per_neuron;  // per layer: mean spike count per neuron and sample
};

// The batch's loss, accuracy and predictions from its finished loss tracker (the engines add spike counts and
// regularisers).
batch_result result_of(const loss_tracker& tracker, std::size_t batch);

// Bytes kept for the backward pass (weights and gradients excluded), per neuron-step.
struct memory_report {
  std::size_t spike_bytes = 0, checkpoint_bytes = 0, segment_bytes = 0, adjoint_bytes = 0;
  // per-batch working buffers beside the kept state, reported apart (not per neuron-step): the engine's copy of the
  // batch's data, active-source masks and lists, the loss's outputs and dL/do(t)
  std::size_t work_bytes = 0;
  std::size_t neuron_steps = 0;  // batch * (sum of layer sizes) * steps
  int checkpoint_every = 0;
  double bytes_per_neuron_step() const;  // spikes, checkpoints, segment and adjoints per neuron-step
};

// Where the last forward_backward of an engine spent its time (s): copies to the device (data, and weights and
// parameters when network::revision changed), the passes themselves, copies of the gradients back. The CPU
// engine reports everything as compute. forward: the part of compute up to the loss (its outputs on the host).
struct phase_times {
  double upload = 0, compute = 0, download = 0, forward = 0;
};

// A training engine: the CPU engine below, or the portable engine (engine/train_portable.hpp) on a GPU.
class engine_interface {
 public:
  virtual ~engine_interface() = default;
  // Forward, loss and backward; g (shaped like the network) receives the batch's gradients (overwritten).
  virtual batch_result forward_backward(const batch_input& in, const int* labels, const loss_spec& loss,
                                        gradients& g) = 0;
  // Forward and loss only (evaluation): keeps no spike history and no checkpoints.
  virtual batch_result forward_only(const batch_input& in, const int* labels, const loss_spec& loss) = 0;
  // Of the last forward_backward: what was kept for the backward pass, and where the time went.
  virtual memory_report memory() const = 0;
  virtual phase_times times() const = 0;
  // "cpu (2 threads)", "NVIDIA H100 80GB HBM3 (CUDA)", ...
  virtual std::string device() const = 0;
};

// The engine for a backend request ("cpu", "gpu", "cuda", "hip", "auto"; host/backend.hpp): the CPU engine or the
// portable engine on a GPU. `note` receives why "auto" chose the CPU. Throws as host/backend.hpp's
// resolve_backend does for a GPU that is not compiled in or does not answer.
std::unique_ptr<engine_interface> make_engine(network& net, engine_options options, const std::string& backend,
                                              std::string* note = nullptr);

// The portable engine run on the CPU (engine/train_portable_host.cpp): the GPU engine's code, scheduling and
// kernel bodies, in OpenMP loops. For tests: it must give the CPU engine's results bit for bit.
std::unique_ptr<engine_interface> make_portable_host_engine(network& net, engine_options options);

class engine final : public engine_interface {
 public:
  explicit engine(network& net, engine_options options = {});
  ~engine() override;
  batch_result forward_backward(const batch_input& in, const int* labels, const loss_spec& loss,
                                gradients& g) override;
  batch_result forward_only(const batch_input& in, const int* labels, const loss_spec& loss) override;
  memory_report memory() const override { return memory_; }
  phase_times times() const override { return times_; }
  std::string device() const override;
  // Spike of layer l, step t, instance b * n + i in the last forward_backward.
  real_t spike(int l, std::size_t t, std::size_t instance) const;

 private:
  struct layer_run {
    std::size_t count = 0;  // batch * n
    int ns = 0;             // state variables
    bool syn = false;
    std::vector<real_t> s, y, z, z_prev, u, counts;
    std::vector<std::uint64_t> bits;  // [T][words] spikes (hard mode)
    std::vector<real_t> zreal;        // [T][count] spikes (smooth mode)
    std::size_t words = 0;
    std::vector<real_t> ckpt;         // [segment][(ns + 1) * count]: state, then the synaptic filter
    // backward
    std::vector<real_t> seg_s, seg_u, lam, gy, g_u, g_in, ring, gz, gz_const, scratch;
    std::vector<real_t> g_param;  // [param][instance] dL/dp of trainable neuron parameters
    std::vector<std::uint32_t> active, active_row;  // sparse backward: per sample, the neurons with dL/du != 0
  };
  // keep: the spike history and checkpoints; report: a backward pass follows, memory_ describes this batch
  batch_result forward(const batch_input& in, const int* labels, const loss_spec& loss, bool keep, bool report);
  void accumulate_input(int l, std::size_t t, const batch_input& in, real_t* u);
  void load_spikes(int l, long t, real_t* out) const;
  // f(j, value) for the non-zero sources j in [j0, j1) of sample b at step t, ascending: the data (source < 0) or
  // layer `source`'s spikes (bits are visited a 64-bit word at a time, so silent sources cost next to nothing).
  template <class F>
  void for_each_active(int source, long t, const batch_input& in, std::size_t b, std::size_t j0, std::size_t j1,
                       F&& f) const;
  void backward(const batch_input& in, const loss_spec& loss, gradients& g);
  void input_gradients(int l, std::size_t t, const batch_input& in, const real_t* g_in, gradients& g);
  void prepare(const batch_input& in, bool keep, bool report);

  network& net_;
  engine_options options_;
  std::vector<layer_run> runs_;
  std::size_t B_ = 0, T_ = 0, K_ = 1, ring_ = 2;
  bool short_history_ = false;  // evaluation without delays: spikes of the current step only
  memory_report memory_;
  phase_times times_;
  std::vector<loss_tracker> tracker_;  // 0 or 1: the tracker of the current batch
};

template <class F>
void engine::for_each_active(int source, long t, const batch_input& in, std::size_t b, std::size_t j0, std::size_t j1,
                             F&& f) const {
  auto visit_reals = [&](const real_t* row) {
    for (std::size_t j = j0; j < j1; ++j)
      if (row[j] != real_t(0)) f(j, row[j]);
  };
  if (source < 0) return visit_reals(in.x + (std::size_t(t) * B_ + b) * net_.n_in);
  const auto& r = runs_[source];
  const std::size_t ts = short_history_ ? 0 : std::size_t(t), n = net_.layers[source].n;
  if (!r.zreal.empty()) return visit_reals(r.zreal.data() + ts * r.count + b * n);
  const std::uint64_t* w = r.bits.data() + ts * r.words;
  for (std::size_t j = j0; j < j1;) {
    const std::size_t bit = b * n + j, off = bit % 64, take = std::min<std::size_t>(64 - off, j1 - j);
    std::uint64_t m = w[bit / 64] >> off;
    if (take < 64) m &= (std::uint64_t(1) << take) - 1;
    while (m != 0) {
      f(j + std::size_t(__builtin_ctzll(m)), real_t(1));
      m &= m - 1;
    }
    j += take;
  }
}

}  // namespace volley::train
