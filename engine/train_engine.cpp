// BPTT over checkpointed segments (see train_engine.hpp). Every loop that writes shared memory is split so that
// each element has one writer and a fixed summation order: results are the same for any thread count.
#include "engine/train_engine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engine/error.hpp"
#include "kernels/cpu_parallel.hpp"

namespace volley::train {


void gradients::zero_like(const network& net) {
  w.resize(net.layers.size());
  bias.resize(net.layers.size());
  param.resize(net.layers.size());
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const auto& L = net.layers[l];
    w[l].resize(L.inputs.size());
    for (std::size_t p = 0; p < L.inputs.size(); ++p) w[l][p].assign(L.inputs[p].size(), 0);
    bias[l].assign(L.n, 0);
    param[l].assign(std::size_t(L.kernel->n_params()), std::vector<real_t>(L.n, 0));
  }
}

double gradients::norm() const {
  double s = 0;
  for (const auto& l : w)
    for (const auto& p : l)
      for (real_t v : p) s += double(v) * v;
  for (const auto& l : bias)
    for (real_t v : l) s += double(v) * v;
  for (const auto& l : param)
    for (const auto& p : l)
      for (real_t v : p) s += double(v) * v;
  return std::sqrt(s);
}

batch_result result_of(const loss_tracker& tracker, std::size_t batch) {
  batch_result res;
  res.loss = tracker.loss();
  res.batch = batch;
  res.correct = tracker.correct();
  for (std::size_t b = 0; b < batch; ++b) res.predictions.push_back(tracker.prediction(b));
  return res;
}

double memory_report::bytes_per_neuron_step() const {
  return neuron_steps ? double(spike_bytes + checkpoint_bytes + segment_bytes + adjoint_bytes) / double(neuron_steps)
                      : 0.0;
}

engine::engine(network& net, engine_options options) : net_(net), options_(options) {
  net_.validate();
  runs_.resize(net_.layers.size());
  ring_ = std::size_t(net_.max_delay()) + 2;
}
engine::~engine() = default;

void engine::prepare(const batch_input& in, bool keep, bool report) {
  if (in.batch == 0 || in.steps == 0 || !in.x)
    throw parameter_error("training batch", "batch/steps", std::to_string(in.batch) + "/" + std::to_string(in.steps),
                          "at least one sample and one step with data");
  B_ = in.batch;
  T_ = in.steps;
  K_ = options_.checkpoint_every > 0 ? std::size_t(options_.checkpoint_every)
                                     : std::max<std::size_t>(1, std::size_t(std::lround(std::sqrt(double(T_)))));
  K_ = std::min(K_, T_);
  const std::size_t n_seg = (T_ + K_ - 1) / K_;
  if (report) {  // an evaluation leaves the last training batch's report
    memory_ = {};
    memory_.checkpoint_every = int(K_);
  }
  for (std::size_t l = 0; l < runs_.size(); ++l) {
    auto& r = runs_[l];
    auto& L = net_.layers[l];
    L.kernel->refresh();  // trainable parameters may have changed (optimizer, tests)
    r.count = B_ * L.n;
    r.ns = L.kernel->n_state();
    r.syn = L.syn_decay > 0;
    r.s.resize(r.ns * r.count);
    L.kernel->initial_state(r.s.data(), r.count);
    r.y.assign(r.count, 0);
    r.z.assign(r.count, 0);
    r.z_prev.assign(r.count, 0);
    r.u.assign(r.count, 0);
    r.counts.assign(r.count, 0);
    r.words = (r.count + 63) / 64;
    const bool smooth = L.kernel->options().smooth_spikes != 0;
    const std::size_t hist = keep ? T_ : 1;  // evaluation keeps only the current step
    if (smooth) {
      r.zreal.assign(hist * r.count, 0);
      r.bits.clear();
    } else {
      r.bits.assign(hist * r.words, 0);
      r.zreal.clear();
    }
    if (keep) r.ckpt.assign(n_seg * (r.ns + 1) * r.count, 0);
    if (report) {
      memory_.spike_bytes += smooth ? r.zreal.size() * sizeof(real_t) : r.bits.size() * sizeof(std::uint64_t);
      memory_.checkpoint_bytes += r.ckpt.size() * sizeof(real_t);
      memory_.segment_bytes += ((K_ + 1) * r.ns + K_) * r.count * sizeof(real_t);
      // lam, gy, g_u, g_in, gz, gz_const, the ring, dL/dp of trainable parameters
      const std::size_t n_params = std::size_t(L.kernel->n_params());
      memory_.adjoint_bytes += (r.ns + 5 + ring_ + n_params) * r.count * sizeof(real_t);
      // two steps of spikes as reals for the model's backward; the sparse backward's lists of active neurons
      memory_.work_bytes += 2 * r.count * sizeof(real_t);
      if (L.kernel->options().sparse_band > real_t(0)) memory_.work_bytes += (r.count + B_ + 1) * sizeof(std::uint32_t);
      memory_.neuron_steps += r.count * T_;
    }
  }
}

real_t engine::spike(int l, std::size_t t, std::size_t i) const {
  const auto& r = runs_[l];
  if (!r.zreal.empty()) return r.zreal[t * r.count + i];
  return real_t((r.bits[t * r.words + i / 64] >> (i % 64)) & 1u);
}

// Spikes of layer l in step t (zeros before step 0). In evaluation the history holds one step: t maps to 0.
void engine::load_spikes(int l, long t, real_t* out) const {
  const auto& r = runs_[l];
  if (t < 0) {
    std::fill(out, out + r.count, real_t(0));
    return;
  }
  const std::size_t ts = short_history_ ? 0 : std::size_t(t);
  if (!r.zreal.empty()) {
    std::copy_n(r.zreal.data() + ts * r.count, r.count, out);
    return;
  }
  const std::uint64_t* w = r.bits.data() + ts * r.words;
  for (std::size_t i = 0; i < r.count; ++i) out[i] = real_t((w[i / 64] >> (i % 64)) & 1u);
}

// u = bias + (filtered) sum over projections of the source values at t - delay.
void engine::accumulate_input(int l, std::size_t t, const batch_input& in, real_t* u) {
  auto& r = runs_[l];
  const auto& L = net_.layers[l];
  const std::size_t n = L.n;
  std::uint64_t work = 2 * n;  // per sample, at most: every source active
  for (const auto& p : L.inputs) work += p.sparse ? p.w.size() : p.n_pre * n;
  kernels::cpu_chunks(B_, std::min<int>(kernels::threads_for_work(B_ * work, options_.threads), int(B_)),
                      [&](int, std::uint64_t b0, std::uint64_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      real_t* a = u + b * n;
      std::fill(a, a + n, real_t(0));
      for (const auto& p : L.inputs) {
        const long ts = long(t) - p.delay;
        if (ts < 0) continue;
        for_each_active(p.source, ts, in, b, 0, p.n_pre, [&](std::size_t j, real_t v) {
          if (p.sparse) {
            for (std::uint32_t k = p.row[j]; k < p.row[j + 1]; ++k) a[p.col[k]] += v * p.w[k];
          } else {
            const real_t* w = p.w.data() + j * n;
            for (std::size_t i = 0; i < n; ++i) a[i] += v * w[i];
          }
        });
      }
      real_t* y = r.y.data() + b * n;
      for (std::size_t i = 0; i < n; ++i) {
        if (r.syn) {
          y[i] = L.syn_decay * y[i] + a[i];
          a[i] = y[i];
        }
        a[i] += L.bias[i];
      }
    }
  });
}

batch_result engine::forward(const batch_input& in, const int* labels, const loss_spec& loss, bool keep,
                             bool report) {
  prepare(in, keep, report);
  short_history_ = !keep;
  const int last = int(runs_.size()) - 1;
  tracker_.clear();
  tracker_.emplace_back(loss, B_, net_.layers[last].n, T_, labels);
  for (std::size_t t = 0; t < T_; ++t) {
    for (int l = 0; l <= last; ++l) {
      auto& r = runs_[l];
      const auto& L = net_.layers[l];
      if (keep && t % K_ == 0) {  // checkpoint: the state before step t
        real_t* c = r.ckpt.data() + (t / K_) * (r.ns + 1) * r.count;
        std::copy(r.s.begin(), r.s.end(), c);
        std::copy(r.y.begin(), r.y.end(), c + r.ns * r.count);
      }
      accumulate_input(l, t, in, r.u.data());
      std::swap(r.z, r.z_prev);
      const real_t* z_reset = nullptr;
      if (options_.frozen_reset) {
        const long tr = L.kernel->options().reset_next_step ? long(t) - 1 : long(t);
        r.scratch.assign(r.count, 0);
        if (tr >= 0) std::copy_n((*options_.frozen_reset)[l].begin() + tr * r.count, r.count, r.scratch.begin());
        z_reset = r.scratch.data();
      }
      L.kernel->forward(r.s.data(), r.count, r.u.data(), r.z_prev.data(), r.z.data(), z_reset, options_.threads);
      const std::size_t ts = keep ? t : 0;
      if (!r.zreal.empty()) {
        std::copy(r.z.begin(), r.z.end(), r.zreal.begin() + ts * r.count);
      } else {
        std::uint64_t* w = r.bits.data() + ts * r.words;
        std::fill(w, w + r.words, 0);
        for (std::size_t i = 0; i < r.count; ++i)
          if (r.z[i] != real_t(0)) w[i / 64] |= std::uint64_t(1) << (i % 64);
      }
      for (std::size_t i = 0; i < r.count; ++i) r.counts[i] += r.z[i];
    }
    tracker_[0].observe(t, runs_[last].s.data(), runs_[last].z.data());
  }
  tracker_[0].finish();
  batch_result res = result_of(tracker_[0], B_);
  for (std::size_t l = 0; l < runs_.size(); ++l) {
    double sum = 0;
    for (real_t c : runs_[l].counts) sum += c;
    res.spikes_per_neuron.push_back(sum / double(runs_[l].count));
  }
  for (const auto& reg : loss.regularizers)
    res.regularization += rate_penalty(reg, runs_[reg.layer].counts, B_, net_.layers[reg.layer].n, nullptr);
  return res;
}

batch_result engine::forward_only(const batch_input& in, const int* labels, const loss_spec& loss) {
  return forward(in, labels, loss, net_.max_delay() > 0, false);  // delays need the spike history
}

batch_result engine::forward_backward(const batch_input& in, const int* labels, const loss_spec& loss, gradients& g) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  batch_result res = forward(in, labels, loss, true, true);
  const auto forwarded = clock::now();
  g.zero_like(net_);
  backward(in, loss, g);
  times_ = {0, std::chrono::duration<double>(clock::now() - start).count(), 0,
            std::chrono::duration<double>(forwarded - start).count()};
  return res;
}

std::string engine::device() const {
  const int n = kernels::cpu_thread_count(options_.threads);
  return "cpu (" + std::to_string(n) + (n == 1 ? " thread)" : " threads)");
}

}  // namespace volley::train
