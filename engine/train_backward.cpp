// The backward sweep of engine (train_engine.hpp): segments from last to first; each is recomputed from its
// checkpoint by replaying the stored spikes, then the adjoints run backwards through it, layers from the output
// down. dL/dz of a layer's spikes in step t arrives from the loss, the regularisers and every projection that reads
// those spikes (in step t + delay), collected in a ring of max_delay + 2 slots per layer.
#include <algorithm>

#include "engine/train_engine.hpp"
#include "kernels/cpu_parallel.hpp"

namespace volley::train {

// Weight and bias gradients of layer l's projections in step t, and dL/dz of their source layers (into the rings).
void engine::input_gradients(int l, std::size_t t, const batch_input& in, const real_t* g_in, gradients& g) {
  const auto& L = net_.layers[l];
  const std::size_t n = L.n;
  const int threads = kernels::cpu_thread_count(options_.threads);
  const auto& r = runs_[l];
  const bool sparse = L.kernel->options().sparse_band > real_t(0);
  for (std::size_t p = 0; p < L.inputs.size(); ++p) {
    const auto& P = L.inputs[p];
    const long ts = long(t) - P.delay;
    if (ts < 0) continue;
    // multiply-adds per sample if every source were active: a row of W (sparse: its synapses) per source
    const std::uint64_t per_sample = P.sparse ? P.w.size() : P.n_pre * n;
    if (P.trainable) {  // dW[j][i] += z_j(ts) g_in[i], one writer per presynaptic row j, batch in fixed order
      auto& gw = g.w[l][p];
      kernels::cpu_chunks(P.n_pre, std::min<int>(kernels::threads_for_work(B_ * per_sample, threads), int(P.n_pre)),
                          [&](int, std::uint64_t j0, std::uint64_t j1) {
        // each row j of this thread takes the samples' terms in sample order, as one writer
        for (std::size_t b = 0; b < B_; ++b) {
          const real_t* gb = g_in + b * n;
          for_each_active(P.source, ts, in, b, j0, j1, [&](std::size_t j, real_t v) {
            if (P.sparse) {
              for (std::uint32_t k = P.row[j]; k < P.row[j + 1]; ++k) gw[k] += v * gb[P.col[k]];
            } else if (sparse) {
              real_t* row = gw.data() + j * n;
              for (std::uint32_t a = r.active_row[b]; a < r.active_row[b + 1]; ++a) row[r.active[a]] += v * gb[r.active[a]];
            } else {
              real_t* row = gw.data() + j * n;
              for (std::size_t i = 0; i < n; ++i) row[i] += v * gb[i];
            }
          });
        }
      });
    }
    if (P.source < 0) continue;
    // dL/dz_src[b][j] (step ts) += sum_i W[j][i] g_in[b][i]
    auto& src = runs_[P.source];
    real_t* slot = src.ring.data() + (std::size_t(ts) % ring_) * src.count;
    const std::size_t work = B_ * P.n_pre;
    kernels::cpu_chunks(work, std::min<int>(kernels::threads_for_work(B_ * per_sample, threads), int(work)),
                        [&](int, std::uint64_t a0, std::uint64_t a1) {
      for (std::size_t a = a0; a < a1; ++a) {
        const std::size_t b = a / P.n_pre, j = a % P.n_pre;
        const real_t* gb = g_in + b * n;
        real_t acc = 0;
        if (P.sparse) {
          for (std::uint32_t k = P.row[j]; k < P.row[j + 1]; ++k) acc += P.w[k] * gb[P.col[k]];
        } else if (sparse) {
          const real_t* w = P.w.data() + j * n;
          for (std::uint32_t q = r.active_row[b]; q < r.active_row[b + 1]; ++q) acc += w[r.active[q]] * gb[r.active[q]];
        } else {
          const real_t* w = P.w.data() + j * n;
          for (std::size_t i = 0; i < n; ++i) acc += w[i] * gb[i];
        }
        slot[b * P.n_pre + j] += acc;
      }
    });
  }
}

void engine::backward(const batch_input& in, const loss_spec& loss, gradients& g) {
  const int last = int(runs_.size()) - 1;
  const loss_tracker& tracker = tracker_[0];
  for (std::size_t l = 0; l < runs_.size(); ++l) {
    auto& r = runs_[l];
    r.lam.assign(r.ns * r.count, 0);
    r.gy.assign(r.count, 0);
    r.g_u.assign(r.count, 0);
    r.g_in.assign(r.count, 0);
    r.gz.assign(r.count, 0);
    r.ring.assign(ring_ * r.count, 0);
    r.gz_const.assign(r.count, 0);  // dL/dz that is the same every step: regularisers, count loss
    r.scratch.assign(2 * r.count, 0);
    r.seg_s.assign((K_ + 1) * r.ns * r.count, 0);
    r.seg_u.assign(K_ * r.count, 0);
    r.g_param.assign(std::size_t(net_.layers[l].kernel->n_params()) * r.count, 0);
  }
  for (const auto& reg : loss.regularizers) {
    std::vector<real_t> gz;
    rate_penalty(reg, runs_[reg.layer].counts, B_, net_.layers[reg.layer].n, &gz);
    for (std::size_t i = 0; i < gz.size(); ++i) runs_[reg.layer].gz_const[i] += gz[i];
  }
  tracker.spike_grad(runs_[last].gz_const.data());

  const std::size_t n_seg = (T_ + K_ - 1) / K_;
  for (std::size_t seg = n_seg; seg-- > 0;) {
    const std::size_t t0 = seg * K_, t1 = std::min(T_, t0 + K_);
    // recompute the segment: states before every step (and after the last), inputs of every step
    for (std::size_t l = 0; l < runs_.size(); ++l) {
      auto& r = runs_[l];
      const real_t* c = r.ckpt.data() + seg * (r.ns + 1) * r.count;
      std::copy(c, c + r.ns * r.count, r.s.begin());
      std::copy(c + r.ns * r.count, c + (r.ns + 1) * r.count, r.y.begin());
    }
    for (std::size_t t = t0; t < t1; ++t)
      for (int l = 0; l <= last; ++l) {
        auto& r = runs_[l];
        std::copy(r.s.begin(), r.s.end(), r.seg_s.begin() + (t - t0) * r.ns * r.count);
        real_t* u = r.seg_u.data() + (t - t0) * r.count;
        accumulate_input(l, t, in, u);
        real_t* z = r.scratch.data();
        real_t* zp = z + r.count;
        load_spikes(l, long(t), z);
        load_spikes(l, long(t) - 1, zp);
        net_.layers[l].kernel->replay(r.s.data(), r.count, u, z, zp, options_.threads);
        if (t + 1 == t1) std::copy(r.s.begin(), r.s.end(), r.seg_s.begin() + (t1 - t0) * r.ns * r.count);
      }
    // adjoints backwards through the segment
    for (std::size_t t = t1; t-- > t0;)
      for (int l = last; l >= 0; --l) {
        auto& r = runs_[l];
        const auto& L = net_.layers[l];
        real_t* slot = r.ring.data() + (t % ring_) * r.count;
        for (std::size_t i = 0; i < r.count; ++i) r.gz[i] = slot[i] + r.gz_const[i];
        std::fill(slot, slot + r.count, real_t(0));
        if (l == last)  // dL/do(t): o = first state variable after step t
          tracker.output_grad(t, r.seg_s.data() + (t - t0 + 1) * r.ns * r.count, r.lam.data());
        real_t* z = r.scratch.data();
        real_t* zp = z + r.count;
        load_spikes(l, long(t), z);
        load_spikes(l, long(t) - 1, zp);
        real_t* prev_slot = t > 0 ? r.ring.data() + ((t - 1) % ring_) * r.count : r.g_in.data();
        L.kernel->backward(r.seg_s.data() + (t - t0) * r.ns * r.count, r.count, r.seg_u.data() + (t - t0) * r.count,
                           z, zp, r.lam.data(), r.gz.data(), r.g_u.data(), prev_slot,
                           r.g_param.empty() ? nullptr : r.g_param.data(), options_.threads);
        for (std::size_t b = 0; b < B_; ++b)
          for (std::size_t i = 0; i < L.n; ++i) g.bias[l][i] += r.g_u[b * L.n + i];
        for (std::size_t i = 0; i < r.count; ++i) {
          r.gy[i] = r.syn ? r.g_u[i] + L.syn_decay * r.gy[i] : r.g_u[i];
          r.g_in[i] = r.gy[i];
        }
        if (L.kernel->options().sparse_band > real_t(0)) {  // the neurons that pass a gradient, per sample
          r.active.clear();
          r.active_row.assign(1, 0);
          for (std::size_t b = 0; b < B_; ++b) {
            for (std::size_t i = 0; i < L.n; ++i)
              if (r.g_in[b * L.n + i] != real_t(0)) r.active.push_back(std::uint32_t(i));
            r.active_row.push_back(std::uint32_t(r.active.size()));
          }
        }
        input_gradients(l, t, in, r.g_in.data(), g);
      }
  }
  for (std::size_t l = 0; l < runs_.size(); ++l) {
    if (!net_.layers[l].train_bias) std::fill(g.bias[l].begin(), g.bias[l].end(), real_t(0));
    const std::size_t n = net_.layers[l].n;
    for (std::size_t k = 0; k < g.param[l].size(); ++k)  // sum over the batch, in batch order
      for (std::size_t b = 0; b < B_; ++b)
        for (std::size_t i = 0; i < n; ++i) g.param[l][k][i] += runs_[l].g_param[k * runs_[l].count + b * n + i];
  }
}

}  // namespace volley::train
