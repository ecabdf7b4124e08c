#pragma once
// The index-parallel bodies of the portable training engine (engine/train_portable.hpp): every operation of a
// batched forward and backward step written as a functor over one index, with raw pointers only, so that the same
// body runs in an OpenMP loop (engine/train_host_exec.hpp) and as a GPU thread (kernels/gpu/train_gpu_exec.cuh).
// Each output element has one writer and every sum runs in a fixed order, the order of the CPU engine
// (engine/train_engine.cpp): for the same inputs the results are the CPU engine's bit for bit (the same math
// library), run after run, on any thread count or device.
//
// Layout as in the CPU engine: instance i = b * n + neuron of a layer of n neurons and batch B (count = B n);
// state s[q * count + i]; spikes of step t as bits [t][words] or reals [t][count]; the data input x[t][b][n_in].
#include <cstddef>
#include <cstdint>

#include "engine/config.hpp"
#include "kernels/train_step.hpp"

namespace volley::kernels::train {

// Where a projection's source values come from: the data input (reals or packed bits) or a layer's spikes.
struct spike_source {
  enum kind_t : int { reals = 0, bits = 1 };
  int kind = reals;
  const real_t* x = nullptr;           // reals: [t][count] (count = batch * n)
  const std::uint64_t* w = nullptr;    // bits: [t][words]
  std::size_t n = 0, count = 0, words = 0;
  int one_step = 0;  // evaluation without delays keeps one step of a layer's spikes: every t reads slot 0

  VOLLEY_HD VOLLEY_INLINE real_t at(long t, std::size_t instance) const {
    if (t < 0) return 0;
    const std::size_t ts = one_step ? 0 : std::size_t(t);
    if (kind == bits) return real_t((w[ts * words + instance / 64] >> (instance % 64)) & 1u);
    return x[ts * count + instance];
  }
  VOLLEY_HD VOLLEY_INLINE real_t value(long t, std::size_t b, std::size_t j) const { return at(t, b * n + j); }
};

// One input projection of a layer as the kernels see it.
struct projection_view {
  spike_source src;
  long delay = 0;
  int sparse = 0;
  std::size_t n_pre = 0, n_post = 0;
  const real_t* w = nullptr;                // dense [n_pre][n_post]; sparse: per synapse, CSR by presynaptic row
  const std::uint32_t* row = nullptr;       // sparse: n_pre + 1 offsets
  const std::uint32_t* col = nullptr;       // sparse: postsynaptic neuron per synapse
  const std::uint32_t* pre_of = nullptr;    // sparse: presynaptic neuron per synapse
  const std::uint32_t* in_row = nullptr;    // sparse, by postsynaptic neuron: n_post + 1 offsets into in_syn
  const std::uint32_t* in_syn = nullptr;    //   synapse ids, ascending presynaptic neuron (the CPU's order)
  const std::uint32_t* active = nullptr;    // [batch][n_pre]: the sources with a non-zero value this step
  const std::uint32_t* active_count = nullptr;  // [batch]
};

// --- lists of active sources (event-driven propagation) --------------------------------------------------------
// Three passes: count per block of 64 sources, an exclusive scan per sample, write. The list of each sample is in
// ascending source order.
struct count_active {
  spike_source src;
  long t = 0;
  std::size_t n_pre = 0, chunks = 0;
  std::uint32_t* chunk_count = nullptr;  // [batch][chunks]
  VOLLEY_HD VOLLEY_INLINE bool active(std::size_t b, std::size_t j) const { return src.value(t, b, j) != real_t(0); }
  VOLLEY_HD void operator()(std::size_t idx) const {
    const std::size_t b = idx / chunks, c = idx % chunks;
    const std::size_t j1 = (c + 1) * 64 < n_pre ? (c + 1) * 64 : n_pre;
    std::uint32_t k = 0;
    for (std::size_t j = c * 64; j < j1; ++j) k += active(b, j) ? 1u : 0u;
    chunk_count[idx] = k;
  }
};
struct scan_active {  // one index per sample
  std::size_t chunks = 0;
  std::uint32_t* chunk_count = nullptr;  // counts in, offsets out
  std::uint32_t* total = nullptr;        // [samples]
  VOLLEY_HD void operator()(std::size_t b) const {
    std::uint32_t acc = 0;
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::uint32_t k = chunk_count[b * chunks + c];
      chunk_count[b * chunks + c] = acc;
      acc += k;
    }
    total[b] = acc;
  }
};
struct write_active {
  count_active test;
  const std::uint32_t* offset = nullptr;  // scanned chunk_count
  std::uint32_t* list = nullptr;          // [samples][n_pre]
  VOLLEY_HD void operator()(std::size_t idx) const {
    const std::size_t b = idx / test.chunks, c = idx % test.chunks;
    const std::size_t j1 = (c + 1) * 64 < test.n_pre ? (c + 1) * 64 : test.n_pre;
    std::uint32_t k = offset[idx];
    for (std::size_t j = c * 64; j < j1; ++j)
      if (test.active(b, j)) list[b * test.n_pre + k++] = std::uint32_t(j);
  }
};

// --- forward -------------------------------------------------------------------------------------------------
// u of instance idx in step t: bias + (filtered) sum over projections of the source values at t - delay times the
// weights, summed over projections in order and sources in ascending order, as the CPU engine's scatter adds them.
// The first `first` projections may have been summed for the whole segment already (kernels/train_segment.hpp):
// their sum is pre[idx] (pre may be u itself), and the sum goes on from it.
struct gather_input {
  const projection_view* proj = nullptr;
  int n_proj = 0, first = 0;
  std::size_t n = 0;
  long t = 0;
  const real_t* bias = nullptr;
  real_t syn_decay = 0;
  int syn = 0;
  real_t* y = nullptr;          // synaptic filter state [count]
  const real_t* pre = nullptr;  // [count] the first projections' sum, or nullptr (first 0)
  real_t* u = nullptr;          // out [count]
  VOLLEY_HD void operator()(std::size_t idx) const {
    const std::size_t b = idx / n, i = idx % n;
    real_t a = pre ? pre[idx] : real_t(0);
    for (int p = first; p < n_proj; ++p) {
      const projection_view& P = proj[p];
      const long ts = t - P.delay;
      if (ts < 0) continue;
      if (P.sparse) {
        for (std::uint32_t e = P.in_row[i]; e < P.in_row[i + 1]; ++e) {
          const std::uint32_t k = P.in_syn[e];
          const real_t v = P.src.value(ts, b, P.pre_of[k]);
          if (v != real_t(0)) a += v * P.w[k];
        }
      } else {
        const std::uint32_t* list = P.active + b * P.n_pre;
        for (std::uint32_t c = 0; c < P.active_count[b]; ++c) {
          const std::uint32_t j = list[c];
          a += P.src.value(ts, b, j) * P.w[std::size_t(j) * n + i];
        }
      }
    }
    if (syn) {
      y[idx] = syn_decay * y[idx] + a;
      a = y[idx];
    }
    u[idx] = a + bias[i];
  }
};

// The constants of instance i: one set for the layer, or one per neuron (trainable neuron parameters).
template <class M>
struct layer_constants {
  typename M::constants shared;
  const typename M::constants* per_neuron = nullptr;  // [n] or nullptr
  std::size_t n = 1;
  VOLLEY_HD VOLLEY_INLINE const typename M::constants& of(std::size_t instance) const {
    return per_neuron ? per_neuron[instance % n] : shared;
  }
};

// One forward step of instance i: state in place, the spike into z, added to the spike count.
template <class M>
struct neuron_forward {
  layer_constants<M> c;
  step_options o;
  std::size_t count = 0;
  real_t* s = nullptr;
  const real_t* u = nullptr;
  const real_t* z_prev = nullptr;
  real_t* z = nullptr;
  real_t* counts = nullptr;
  VOLLEY_HD void operator()(std::size_t i) const {
    real_t local[M::n_state];
    for (int q = 0; q < M::n_state; ++q) local[q] = s[q * count + i];
    z[i] = forward<M>(c.of(i), o, local, u[i], z_prev[i], nullptr);
    for (int q = 0; q < M::n_state; ++q) s[q * count + i] = local[q];
    counts[i] += z[i];
  }
};

// Spikes of one step as bits: word w holds instances 64 w .. 64 w + 63.
struct pack_spikes {
  const real_t* z = nullptr;
  std::size_t count = 0;
  std::uint64_t* out = nullptr;
  VOLLEY_HD void operator()(std::size_t w) const {
    std::uint64_t word = 0;
    for (std::size_t k = 0; k < 64; ++k) {
      const std::size_t i = w * 64 + k;
      if (i < count && z[i] != real_t(0)) word |= std::uint64_t(1) << k;
    }
    out[w] = word;
  }
};

// The recomputation step of instance i with the stored spikes (never re-thresholds).
template <class M>
struct neuron_replay {
  layer_constants<M> c;
  step_options o;
  std::size_t count = 0;
  spike_source spikes;  // the layer's own spikes, read by instance
  long t = 0;
  real_t* s = nullptr;
  const real_t* u = nullptr;
  VOLLEY_HD void operator()(std::size_t i) const {
    real_t local[M::n_state];
    for (int q = 0; q < M::n_state; ++q) local[q] = s[q * count + i];
    replay<M>(c.of(i), o, local, u[i], spikes.at(t, i), spikes.at(t - 1, i));
    for (int q = 0; q < M::n_state; ++q) s[q * count + i] = local[q];
  }
};

// The loss's reduction of the output layer's o(t) (its first state variable after step t) on the executor, so
// that no step's outputs need to leave it (engine/train_loss.hpp absorb): ce_max keeps the running max and its
// step (the first step of a tie, as observe() does), ce_mean the sum in step order.
struct observe_output {
  int running_max = 0;
  long t = 0;
  const real_t* o = nullptr;
  real_t* acc = nullptr;             // ce_max: starts at -inf
  std::uint32_t* argmax = nullptr;
  VOLLEY_HD void operator()(std::size_t i) const {
    if (!running_max) {
      acc[i] += o[i];
    } else if (o[i] > acc[i]) {
      acc[i] = o[i];
      argmax[i] = std::uint32_t(t);
    }
  }
};

// dL/do(t) of every step from dL/dlogit, one index per (t, instance), as loss_tracker::output_grad adds it to a
// zero: ce_max the whole gradient at the step of the max, ce_mean an equal share in every step.
struct output_gradient {
  int running_max = 0;
  std::size_t count = 0, steps = 0;
  const real_t* d_logits = nullptr;
  const std::uint32_t* argmax = nullptr;
  real_t* d_out = nullptr;  // [steps][count]
  VOLLEY_HD void operator()(std::size_t idx) const {
    const std::size_t t = idx / count, i = idx % count;
    if (running_max)
      d_out[idx] = argmax[i] == t ? real_t(0) + d_logits[i] : real_t(0);
    else
      d_out[idx] = real_t(0) + d_logits[i] / real_t(steps);
  }
};

// --- backward ------------------------------------------------------------------------------------------------
// The adjoint step of instance i in step t, with everything the CPU engine does around the model's backward:
// dL/dz from the ring slot of step t (cleared) and the constant part, the loss's dL/do(t) into lam, the trainable
// parameters' gradients, dL/dz_prev of a next-step reset into the slot of step t - 1, and the synaptic filter's
// adjoint, whose result g_in is dL/d(summed input) of the step.
template <class M>
struct neuron_backward {
  layer_constants<M> c;
  const typename M::constants* plus = nullptr;   // [param][n]
  const typename M::constants* minus = nullptr;  // [param][n]
  const real_t* inv_2h = nullptr;                // [param][n]
  int n_params = 0;
  step_options o;
  std::size_t count = 0, n = 0;
  spike_source spikes;
  long t = 0;
  const real_t* s = nullptr;  // the state before step t
  const real_t* u = nullptr;  // the input of step t
  real_t* lam = nullptr;
  real_t* slot = nullptr;             // dL/dz(t) from the layers reading these spikes; cleared
  const real_t* gz_const = nullptr;
  const real_t* d_out = nullptr;      // dL/do(t) of the output layer, or nullptr
  real_t* prev_slot = nullptr;        // dL/dz(t - 1), or nullptr at t = 0
  real_t* g_u = nullptr;
  real_t* gy = nullptr;
  real_t* g_in = nullptr;
  real_t syn_decay = 0;
  int syn = 0;
  real_t* g_param = nullptr;          // [param][count], added
  VOLLEY_HD void operator()(std::size_t i) const {
    const real_t gz = slot[i] + gz_const[i];
    slot[i] = 0;
    if (d_out) lam[i] += d_out[i];
    real_t s_local[M::n_state], lam_local[M::n_state];
    for (int q = 0; q < M::n_state; ++q) {
      s_local[q] = s[q * count + i];
      lam_local[q] = lam[q * count + i];
    }
    const real_t z = spikes.at(t, i), zp = spikes.at(t - 1, i);
    const std::size_t neuron = i % n;
    for (int k = 0; k < n_params; ++k)
      g_param[std::size_t(k) * count + i] +=
          param_grad<M>(c.of(i), plus[k * n + neuron], minus[k * n + neuron], inv_2h[k * n + neuron], o, s_local,
                        u[i], z, zp, lam_local, gz);
    real_t gp = 0, gu = 0;
    backward<M>(c.of(i), o, s_local, u[i], z, zp, lam_local, gz, gu, gp);
    for (int q = 0; q < M::n_state; ++q) lam[q * count + i] = lam_local[q];
    if (prev_slot) prev_slot[i] += gp;
    g_u[i] = gu;
    gy[i] = syn ? gu + syn_decay * gy[i] : gu;
    g_in[i] = gy[i];
  }
};

// dL/dbias of neuron i, summed over the batch in sample order.
struct bias_gradient {
  const real_t* g_u = nullptr;
  std::size_t n = 0, batch = 0;
  real_t* g = nullptr;
  VOLLEY_HD void operator()(std::size_t i) const {
    real_t acc = g[i];
    for (std::size_t b = 0; b < batch; ++b) acc += g_u[b * n + i];
    g[i] = acc;
  }
};

// Sparse weight gradient, one index per synapse k: dW_k += v_b(pre) g_in[b][post] over the samples in order.
struct sparse_weight_gradient {
  spike_source src;
  long ts = 0;
  std::size_t n = 0, batch = 0;
  const std::uint32_t* pre_of = nullptr;
  const std::uint32_t* col = nullptr;
  const real_t* g_in = nullptr;
  real_t* gw = nullptr;
  VOLLEY_HD void operator()(std::size_t k) const {
    const std::uint32_t j = pre_of[k];
    real_t acc = gw[k];
    for (std::size_t b = 0; b < batch; ++b) {
      const real_t v = src.value(ts, b, j);
      if (v != real_t(0)) acc += v * g_in[b * n + col[k]];
    }
    gw[k] = acc;
  }
};

// dL/dz of a source layer through the transposed connectivity, one index per (b, j): slot[b][j] +=
// sum_i W[j][i] g_in[b][i] (dense) or the sum over row j's synapses (sparse), in ascending i / synapse order.
struct input_adjoint {
  projection_view P;
  std::size_t n = 0;
  const real_t* g_in = nullptr;
  real_t* slot = nullptr;  // [batch][n_pre] of the step the spikes were emitted
  VOLLEY_HD void operator()(std::size_t idx) const {
    const std::size_t b = idx / P.n_pre, j = idx % P.n_pre;
    const real_t* gb = g_in + b * n;
    real_t acc = 0;
    if (P.sparse) {
      for (std::uint32_t k = P.row[j]; k < P.row[j + 1]; ++k) acc += P.w[k] * gb[P.col[k]];
    } else {
      const real_t* w = P.w + j * n;
      for (std::size_t i = 0; i < n; ++i) acc += w[i] * gb[i];
    }
    slot[idx] += acc;
  }
};

// dst[i] = src[i] (checkpoints, output history).
struct copy_values {
  const real_t* src = nullptr;
  real_t* dst = nullptr;
  VOLLEY_HD void operator()(std::size_t i) const { dst[i] = src[i]; }
};

}  // namespace volley::kernels::train
