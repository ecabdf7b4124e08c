#pragma once
// The portable training engine: the CPU engine's BPTT (engine/train_engine.cpp, design in docs/training.md) as a
// host scheduler over an executor X that owns the buffers and runs index-parallel bodies (kernels/train_batch.hpp).
// X = gpu_exec (kernels/gpu/train_gpu_exec.cuh) is the GPU training path; X = host_exec
// (engine/train_host_exec.hpp) runs the very same code on the CPU, which is how the tests check it without a GPU.
//
// What stays on the executor: state, spikes (bits), checkpoints, the recomputed segment, adjoints, weights and their
// gradients. What crosses: the batch's data (as bits when it is 0/1 spikes), weights and parameters when
// network::revision changed, the loss's reduction of the output layer over the steps (all of o(t) for ce_per_step;
// the loss itself is computed on the host, as the CPU engine does), dL/dlogit back, and the gradients at the end.
// Event-driven: the forward input sums only the active sources of each sample. Dense projections from the data are
// summed for a whole checkpoint segment at once, and every dense weight gradient is taken once per segment from the
// segment's g_in (kernels/train_segment.hpp: W and dW are then read once per 128 (step, sample) pairs instead of
// once per active source and sample).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/error.hpp"
#include "engine/train_engine.hpp"
#include "kernels/train_batch.hpp"
#include "kernels/train_segment.hpp"
#include "models/model_list.hpp"

namespace volley::train {

// Arguments of one layer's adjoint step (kernels::train::neuron_backward without the model's constants).
struct backward_args {
  std::size_t count = 0, n = 0;
  kernels::train::spike_source spikes;
  long t = 0;
  const real_t* s = nullptr;
  const real_t* u = nullptr;
  real_t* lam = nullptr;
  real_t* slot = nullptr;
  const real_t* gz_const = nullptr;
  const real_t* d_out = nullptr;
  real_t* prev_slot = nullptr;
  real_t* g_u = nullptr;
  real_t* gy = nullptr;
  real_t* g_in = nullptr;
  real_t syn_decay = 0;
  int syn = 0;
  real_t* g_param = nullptr;
};

// The model-specific launches of one layer.
template <class X>
class layer_ops {
 public:
  virtual ~layer_ops() = default;
  virtual void upload(const layer_kernel& k) = 0;  // the model's constants (after layer_kernel::refresh)
  virtual void forward(std::size_t count, real_t* s, const real_t* u, const real_t* z_prev, real_t* z,
                       real_t* counts) = 0;
  virtual void replay(std::size_t count, const kernels::train::spike_source& own, long t, real_t* s,
                      const real_t* u) = 0;
  virtual void backward(const backward_args& a) = 0;
};

template <class X, class M>
class model_ops final : public layer_ops<X> {
 public:
  using constants = typename M::constants;
  model_ops(X& x, const layer_kernel& k, std::size_t n) : x_(x), o_(k.options()), n_(n), n_params_(k.n_params()) {}

  void upload(const layer_kernel& k) override {
    const auto v = k.constants();
    if (v.bytes != sizeof(constants)) throw internal_error(std::string("constants of ") + M::name + " differ in size");
    std::memcpy(static_cast<void*>(&shared_), v.shared, sizeof(constants));
    per_neuron_on_ = v.per_neuron != nullptr;
    if (!per_neuron_on_) return;
    const std::size_t K = std::size_t(n_params_);
    per_neuron_.upload(static_cast<const constants*>(v.per_neuron), n_);
    plus_.upload(static_cast<const constants*>(v.plus), K * n_);
    minus_.upload(static_cast<const constants*>(v.minus), K * n_);
    inv_2h_.upload(v.inv_2h, K * n_);
  }
  void forward(std::size_t count, real_t* s, const real_t* u, const real_t* z_prev, real_t* z,
               real_t* counts) override {
    x_.for_each(count, kernels::train::neuron_forward<M>{layer(), o_, count, s, u, z_prev, z, counts});
  }
  void replay(std::size_t count, const kernels::train::spike_source& own, long t, real_t* s,
              const real_t* u) override {
    x_.for_each(count, kernels::train::neuron_replay<M>{layer(), o_, count, own, t, s, u});
  }
  void backward(const backward_args& a) override {
    kernels::train::neuron_backward<M> b;
    b.c = layer();
    if (per_neuron_on_) {
      b.plus = plus_.data();
      b.minus = minus_.data();
      b.inv_2h = inv_2h_.data();
      b.n_params = n_params_;
    }
    b.o = o_;
    b.count = a.count;
    b.n = a.n;
    b.spikes = a.spikes;
    b.t = a.t;
    b.s = a.s;
    b.u = a.u;
    b.lam = a.lam;
    b.slot = a.slot;
    b.gz_const = a.gz_const;
    b.d_out = a.d_out;
    b.prev_slot = a.prev_slot;
    b.g_u = a.g_u;
    b.gy = a.gy;
    b.g_in = a.g_in;
    b.syn_decay = a.syn_decay;
    b.syn = a.syn;
    b.g_param = a.g_param;
    x_.for_each(a.count, b);
  }

 private:
  kernels::train::layer_constants<M> layer() {
    return {shared_, per_neuron_on_ ? per_neuron_.data() : nullptr, n_};
  }
  X& x_;
  kernels::train::step_options o_;
  std::size_t n_;
  int n_params_;
  constants shared_{};
  bool per_neuron_on_ = false;
  typename X::template buffer<constants> per_neuron_, plus_, minus_;
  typename X::template buffer<real_t> inv_2h_;
};

template <class X, class... Ms>
std::unique_ptr<layer_ops<X>> make_layer_ops(models::model_list<Ms...>, X& x, const layer_kernel& k, std::size_t n) {
  std::unique_ptr<layer_ops<X>> out;
  auto one = [&]<class M>() {
    if constexpr (models::differentiable_model<M>)
      if (std::string_view(k.model()) == M::name) out = std::make_unique<model_ops<X, M>>(x, k, n);
  };
  (one.template operator()<Ms>(), ...);
  if (!out) throw internal_error(std::string("no portable training kernels for model ") + k.model());
  return out;
}

template <class X>
class portable_engine final : public engine_interface {
 public:
  portable_engine(network& net, engine_options options, X x) : net_(net), options_(options), x_(std::move(x)) {
    net_.validate();
    if (options_.frozen_reset)
      throw parameter_error("training engine", "frozen_reset", "set", "the CPU engine (gradient checks only)");
    ring_ = std::size_t(net_.max_delay()) + 2;
    runs_.resize(net_.layers.size());
    for (std::size_t l = 0; l < runs_.size(); ++l) {
      runs_[l].ops = make_layer_ops(models::all_neuron_models{}, x_, *net_.layers[l].kernel, net_.layers[l].n);
      runs_[l].proj.resize(net_.layers[l].inputs.size());
    }
  }

  batch_result forward_backward(const batch_input& in, const int* labels, const loss_spec& loss,
                                gradients& g) override {
    x_.activate();
    const auto start = clock::now();
    batch_result res = forward(in, labels, loss, true, true);
    times_.forward = seconds(start, clock::now()) - times_.upload;
    backward(loss);
    x_.finish();
    const auto computed = clock::now();
    download_gradients(g);
    const double total_compute = seconds(start, computed);
    times_.compute = total_compute - times_.upload;
    times_.download = seconds(computed, clock::now());
    return res;
  }
  batch_result forward_only(const batch_input& in, const int* labels, const loss_spec& loss) override {
    x_.activate();
    return forward(in, labels, loss, net_.max_delay() > 0, false);  // delays need the spike history
  }
  memory_report memory() const override { return memory_; }
  phase_times times() const override { return times_; }
  std::string device() const override { return x_.name(); }

 private:
  using clock = std::chrono::steady_clock;
  static double seconds(clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  }
  template <class T>
  using buffer = typename X::template buffer<T>;

  struct projection_run {
    buffer<real_t> w, gw;
    buffer<std::uint32_t> row, col, pre_of, in_row, in_syn;      // sparse structure
    buffer<std::uint32_t> active, active_count, chunk;  // per sample: active sources (per-step input sums)
    buffer<std::uint32_t> input_masks, gradient_masks;  // the segment's active sources (kernels/train_segment.hpp)
    bool structure_uploaded = false;
  };
  struct layer_run {
    std::unique_ptr<layer_ops<X>> ops;
    std::vector<projection_run> proj;
    buffer<kernels::train::projection_view> views;
    std::vector<kernels::train::projection_view> host_views;
    std::size_t count = 0, words = 0;
    int ns = 0;
    int data_prefix = 0;       // the leading dense projections from the data: summed per segment into seg_u
    bool dense_grad = false;   // a trainable dense projection: g_in kept per step of the segment in seg_g
    bool syn = false, smooth = false;
    buffer<real_t> s, y, z, z_prev, u, counts, bias, ckpt;
    buffer<std::uint64_t> bits;
    buffer<real_t> zreal;
    // output layer: the loss's reduction of o(t) (kernels::train::observe_output), or o(t) of every step
    // (ce_per_step); dL/do(t) of every step
    buffer<real_t> out_acc, out_hist, d_out, d_logits;
    buffer<std::uint32_t> out_argmax;
    buffer<real_t> seg_s, seg_u, seg_g, lam, gy, g_u, g_in, ring, gz_const, g_param, g_bias;
  };

  kernels::train::spike_source layer_spikes(int l) const {
    const auto& r = runs_[l];
    kernels::train::spike_source s;
    s.n = net_.layers[l].n;
    s.count = r.count;
    s.words = r.words;
    s.one_step = short_history_ ? 1 : 0;
    if (r.smooth) {
      s.kind = kernels::train::spike_source::reals;
      s.x = r.zreal.data();
    } else {
      s.kind = kernels::train::spike_source::bits;
      s.w = r.bits.data();
    }
    return s;
  }

  void upload_input(const batch_input& in) {
    const std::size_t per_step = B_ * net_.n_in;
    input_ = {};
    input_.n = net_.n_in;
    input_.count = per_step;
    input_.words = (per_step + 63) / 64;
    // binary data goes up as bits, packed by the host's threads, a range of steps each (N 16384, batch 16, T 500:
    // 131 M values). std::thread: this header is also compiled by nvcc and hipcc, which do not enable OpenMP.
    std::vector<std::uint64_t> packed(T_ * input_.words, 0);
    const std::size_t wanted = options_.threads > 0 ? std::size_t(options_.threads)
                                                    : std::max(1u, std::thread::hardware_concurrency());
    const std::size_t parts = std::min<std::size_t>({wanted, T_, std::max<std::size_t>(1, T_ * per_step / 65536)});
    std::vector<char> binary_part(parts, 1);
    auto pack = [&](std::size_t part) {
      for (std::size_t t = T_ * part / parts; t < T_ * (part + 1) / parts && binary_part[part]; ++t)
        for (std::size_t i = 0; i < per_step; ++i) {
          const real_t v = in.x[t * per_step + i];
          if (v == real_t(0)) continue;
          if (v != real_t(1)) {
            binary_part[part] = 0;
            break;
          }
          packed[t * input_.words + i / 64] |= std::uint64_t(1) << (i % 64);
        }
    };
    std::vector<std::thread> helpers;
    for (std::size_t part = 1; part < parts; ++part) helpers.emplace_back(pack, part);
    pack(0);
    for (auto& h : helpers) h.join();
    const bool binary = std::all_of(binary_part.begin(), binary_part.end(), [](char b) { return b != 0; });
    if (binary) {  // spikes: one bit each
      input_bits_.upload(packed.data(), packed.size());
      input_.kind = kernels::train::spike_source::bits;
      input_.w = input_bits_.data();
    } else {
      input_.words = 0;
      input_reals_.upload(in.x, T_ * per_step);
      input_.kind = kernels::train::spike_source::reals;
      input_.x = input_reals_.data();
    }
  }

  void upload_parameters() {
    const bool weights = !uploaded_ || uploaded_revision_ != net_.revision;
    for (std::size_t l = 0; l < runs_.size(); ++l) {
      auto& L = net_.layers[l];
      auto& r = runs_[l];
      L.kernel->refresh();  // trainable parameters may have changed (optimizer, tests)
      r.ops->upload(*L.kernel);
      r.bias.upload(L.bias.data(), L.n);
      for (std::size_t p = 0; p < L.inputs.size(); ++p) {
        const auto& P = L.inputs[p];
        auto& pr = r.proj[p];
        if (weights) pr.w.upload(P.w.data(), P.w.size());
        if (P.sparse && !pr.structure_uploaded) {
          std::vector<std::uint32_t> pre_of(P.col.size()), in_row(P.n_post + 1, 0), in_syn(P.col.size());
          for (std::size_t j = 0; j < P.n_pre; ++j)
            for (std::uint32_t k = P.row[j]; k < P.row[j + 1]; ++k) pre_of[k] = std::uint32_t(j);
          for (std::uint32_t c : P.col) ++in_row[c + 1];
          for (std::size_t i = 0; i < P.n_post; ++i) in_row[i + 1] += in_row[i];
          std::vector<std::uint32_t> fill(in_row.begin(), in_row.end() - 1);
          for (std::size_t k = 0; k < P.col.size(); ++k) in_syn[fill[P.col[k]]++] = std::uint32_t(k);  // ascending pre
          pr.row.upload(P.row.data(), P.row.size());
          pr.col.upload(P.col.data(), P.col.size());
          pr.pre_of.upload(pre_of.data(), pre_of.size());
          pr.in_row.upload(in_row.data(), in_row.size());
          pr.in_syn.upload(in_syn.data(), in_syn.size());
          pr.structure_uploaded = true;
        }
      }
    }
    uploaded_ = true;
    uploaded_revision_ = net_.revision;
  }

  // keep: the spike history and checkpoints; report: a backward pass follows, memory_ describes this batch
  void prepare(const batch_input& in, bool keep, bool report) {
    if (in.batch == 0 || in.steps == 0 || !in.x)
      throw parameter_error("training batch", "batch/steps",
                            std::to_string(in.batch) + "/" + std::to_string(in.steps),
                            "at least one sample and one step with data");
    const auto start = clock::now();
    B_ = in.batch;
    T_ = in.steps;
    K_ = options_.checkpoint_every > 0 ? std::size_t(options_.checkpoint_every)
                                       : std::max<std::size_t>(1, std::size_t(std::lround(std::sqrt(double(T_)))));
    K_ = std::min(K_, T_);
    short_history_ = !keep;
    const std::size_t n_seg = (T_ + K_ - 1) / K_;
    if (report) {
      memory_ = {};
      memory_.checkpoint_every = int(K_);
    }
    upload_parameters();
    upload_input(in);
    const std::size_t hist = keep ? T_ : 1;
    for (std::size_t l = 0; l < runs_.size(); ++l) {
      auto& r = runs_[l];
      const auto& L = net_.layers[l];
      r.count = B_ * L.n;
      r.ns = L.kernel->n_state();
      r.syn = L.syn_decay > 0;
      r.smooth = L.kernel->options().smooth_spikes != 0;
      r.words = (r.count + 63) / 64;
      r.data_prefix = 0;
      while (r.data_prefix < int(L.inputs.size()) && L.inputs[r.data_prefix].source < 0 && !L.inputs[r.data_prefix].sparse)
        ++r.data_prefix;
      r.dense_grad = false;
      for (const auto& P : L.inputs) r.dense_grad = r.dense_grad || (P.trainable && !P.sparse);
      r.seg_u.allocate(K_ * r.count);  // the forward's data sums, the backward's u (allocated once: no shrinking)
      std::vector<real_t> s0(std::size_t(r.ns) * r.count);
      L.kernel->initial_state(s0.data(), r.count);
      r.s.upload(s0.data(), s0.size());
      for (auto* b : {&r.y, &r.z, &r.z_prev, &r.u, &r.counts}) b->allocate(r.count);
      if (r.smooth)
        r.zreal.allocate(hist * r.count);
      else
        r.bits.allocate(hist * r.words);
      if (keep) r.ckpt.allocate(n_seg * std::size_t(r.ns + 1) * r.count);
      if (report) {
        memory_.spike_bytes += r.smooth ? hist * r.count * sizeof(real_t) : hist * r.words * sizeof(std::uint64_t);
        memory_.checkpoint_bytes += n_seg * std::size_t(r.ns + 1) * r.count * sizeof(real_t);
        memory_.segment_bytes += ((K_ + 1) * std::size_t(r.ns) + K_ + (r.dense_grad ? K_ : 0)) * r.count * sizeof(real_t);
        // lam, gy, g_u, gz_const, the ring, dL/dp of trainable parameters, and g_in where seg_g does not hold it
        // (the CPU engine's gz and g_in: the ring slot is read directly, g_in lives in seg_g)
        const std::size_t n_params = std::size_t(L.kernel->n_params());
        const std::size_t adjoint_reals = std::size_t(r.ns) + 3 + ring_ + n_params + (r.dense_grad ? 0 : 1);
        memory_.adjoint_bytes += adjoint_reals * r.count * sizeof(real_t);
        memory_.neuron_steps += r.count * T_;
      }
    }
    if (report) {  // the batch's data on the executor
      const bool bits = input_.kind == kernels::train::spike_source::bits;
      memory_.work_bytes += bits ? T_ * input_.words * sizeof(std::uint64_t) : T_ * input_.count * sizeof(real_t);
    }
    // views: the sources' spike buffers exist now
    for (std::size_t l = 0; l < runs_.size(); ++l) {
      auto& r = runs_[l];
      const auto& L = net_.layers[l];
      r.host_views.assign(L.inputs.size(), {});
      for (std::size_t p = 0; p < L.inputs.size(); ++p) {
        const auto& P = L.inputs[p];
        auto& pr = r.proj[p];
        auto& v = r.host_views[p];
        v.src = P.source < 0 ? input_ : layer_spikes(P.source);
        v.delay = P.delay;
        v.sparse = P.sparse ? 1 : 0;
        v.n_pre = P.n_pre;
        v.n_post = P.n_post;
        v.w = pr.w.data();
        if (P.sparse) {
          v.row = pr.row.data();
          v.col = pr.col.data();
          v.pre_of = pr.pre_of.data();
          v.in_row = pr.in_row.data();
          v.in_syn = pr.in_syn.data();
        } else if (int(p) < r.data_prefix) {
          pr.input_masks.allocate(K_ * B_ * ((P.n_pre + 31) / 32));
          if (report) memory_.work_bytes += K_ * B_ * ((P.n_pre + 31) / 32) * sizeof(std::uint32_t);
        } else {
          const std::size_t chunks = (P.n_pre + 63) / 64;
          pr.active.allocate(B_ * P.n_pre);
          pr.active_count.allocate(B_);
          pr.chunk.allocate(B_ * chunks);
          v.active = pr.active.data();
          v.active_count = pr.active_count.data();
          if (report) memory_.work_bytes += (B_ * P.n_pre + B_ + B_ * chunks) * sizeof(std::uint32_t);
        }
      }
      r.views.upload(r.host_views.data(), r.host_views.size());
    }
    x_.finish();
    times_.upload = seconds(start, clock::now());
  }

  // The list of active sources of projection p of layer l at step ts, per sample, into active / active_count.
  void list_active(int l, std::size_t p, long ts) {
    auto& pr = runs_[l].proj[p];
    const auto& v = runs_[l].host_views[p];
    const std::size_t chunks = (v.n_pre + 63) / 64;
    kernels::train::count_active c{v.src, ts, v.n_pre, chunks, pr.chunk.data()};
    x_.for_each(B_ * chunks, c);
    x_.for_each(B_, kernels::train::scan_active{chunks, c.chunk_count, pr.active_count.data()});
    x_.for_each(B_ * chunks, kernels::train::write_active{c, c.chunk_count, pr.active.data()});
  }

  // The data projections of layer l (its data_prefix) summed for the steps [t0, t1) into seg_u.
  void segment_inputs(int l, std::size_t t0, std::size_t t1) {
    auto& r = runs_[l];
    const kernels::train::segment_pairs pairs{long(t0), t1 - t0, B_};
    for (int p = 0; p < r.data_prefix; ++p) {
      auto& pr = r.proj[p];
      const auto& v = r.host_views[p];
      const std::size_t words = (v.n_pre + 31) / 32;
      x_.for_each(pairs.count() * words,
                  kernels::train::segment_input_masks{v.src, v.delay, pairs, words, pr.input_masks.data()});
      x_.for_each_tile(kernels::train::segment_input{v.src, v.delay, pairs, v.n_pre, v.n_post, v.w,
                                                     pr.input_masks.data(), r.seg_u.data(), p > 0 ? 1 : 0});
    }
  }

  // u (and the synaptic filter y) of layer l in step t; pre: the data projections' sum (segment_inputs) or nullptr.
  void gather(int l, long t, real_t* u, const real_t* pre) {
    auto& r = runs_[l];
    const auto& L = net_.layers[l];
    const int first = pre ? r.data_prefix : 0;
    for (std::size_t p = std::size_t(first); p < L.inputs.size(); ++p)
      if (!L.inputs[p].sparse && t - L.inputs[p].delay >= 0) list_active(l, p, t - L.inputs[p].delay);
    x_.for_each(r.count, kernels::train::gather_input{r.views.data(), int(L.inputs.size()), first, L.n, t,
                                                      r.bias.data(), L.syn_decay, r.syn ? 1 : 0, r.y.data(), pre, u});
  }

  // keep: the whole spike history and the checkpoints; for_backward: dL/do(t) for a backward pass too.
  batch_result forward(const batch_input& in, const int* labels, const loss_spec& loss, bool keep, bool for_backward) {
    prepare(in, keep, for_backward);
    const int last = int(runs_.size()) - 1;
    // the loss reads o(t) through a reduction on the executor; ce_per_step reads every step's (on the host)
    auto& out = runs_[last];
    const bool per_step = loss.kind == loss_kind::ce_per_step, running_max = loss.kind == loss_kind::ce_max;
    const bool reduce = loss.kind == loss_kind::ce_max || loss.kind == loss_kind::ce_mean;
    out.out_hist.allocate(per_step ? T_ * out.count : 0);
    if (reduce) {
      std::vector<real_t> start(out.count, running_max ? -std::numeric_limits<real_t>::infinity() : real_t(0));
      out.out_acc.upload(start.data(), start.size());
      out.out_argmax.allocate(out.count);
    }
    for (std::size_t t = 0; t < T_; ++t)
      for (int l = 0; l <= last; ++l) {
        auto& r = runs_[l];
        const std::size_t per = std::size_t(r.ns) * r.count;
        if (keep && t % K_ == 0) {  // checkpoint: the state before step t, then the filter
          real_t* c = r.ckpt.data() + (t / K_) * (per + r.count);
          x_.copy(c, r.s.data(), per);
          x_.copy(c + per, r.y.data(), r.count);
        }
        if (r.data_prefix && t % K_ == 0) segment_inputs(l, t, std::min(T_, t + K_));
        gather(l, long(t), r.u.data(), r.data_prefix ? r.seg_u.data() + (t % K_) * r.count : nullptr);
        std::swap(r.z, r.z_prev);
        r.ops->forward(r.count, r.s.data(), r.u.data(), r.z_prev.data(), r.z.data(), r.counts.data());
        const std::size_t ts = keep ? t : 0;
        if (r.smooth)
          x_.copy(r.zreal.data() + ts * r.count, r.z.data(), r.count);
        else
          x_.for_each(r.words, kernels::train::pack_spikes{r.z.data(), r.count, r.bits.data() + ts * r.words});
        if (l == last && per_step) x_.copy(r.out_hist.data() + t * r.count, r.s.data(), r.count);
        if (l == last && reduce)
          x_.for_each(r.count, kernels::train::observe_output{running_max ? 1 : 0, long(t), r.s.data(),
                                                              r.out_acc.data(), r.out_argmax.data()});
      }
    x_.finish();
    counts_.assign(runs_.size(), {});
    for (std::size_t l = 0; l < runs_.size(); ++l) {
      counts_[l].resize(runs_[l].count);
      runs_[l].counts.download(counts_[l].data(), runs_[l].count);
    }
    // the loss on the host, from the reduction (or the history) of the output layer
    tracker_.clear();
    tracker_.emplace_back(loss, B_, net_.layers[last].n, T_, labels);
    std::vector<real_t> o;
    if (per_step) {
      o.resize(T_ * out.count);
      out.out_hist.download(o.data(), o.size());
      for (std::size_t t = 0; t < T_; ++t) tracker_[0].observe(t, o.data() + t * out.count, nullptr);
    } else if (reduce) {
      std::vector<real_t> acc(out.count);
      std::vector<std::uint32_t> argmax(out.count);
      out.out_acc.download(acc.data(), acc.size());
      out.out_argmax.download(argmax.data(), argmax.size());
      tracker_[0].absorb(acc.data(), argmax.data());
    } else {  // the spike-count losses
      tracker_[0].absorb(counts_[last].data(), nullptr);
    }
    tracker_[0].finish();
    batch_result res = result_of(tracker_[0], B_);
    for (const auto& c : counts_) {
      double sum = 0;
      for (real_t v : c) sum += v;
      res.spikes_per_neuron.push_back(sum / double(c.size()));
    }
    for (const auto& reg : loss.regularizers)
      res.regularization += rate_penalty(reg, counts_[reg.layer], B_, net_.layers[reg.layer].n, nullptr);
    output_grads_ = loss.kind != loss_kind::count_mse && loss.kind != loss_kind::spike_sum;
    if (for_backward && per_step) {  // dL/do(t) for the backward pass (none for the count losses)
      std::vector<real_t> d(T_ * out.count, 0);
      for (std::size_t t = 0; t < T_; ++t) tracker_[0].output_grad(t, o.data() + t * out.count, d.data() + t * out.count);
      out.d_out.upload(d.data(), d.size());
    } else if (for_backward && reduce) {
      out.d_logits.upload(tracker_[0].logit_grads().data(), out.count);
      out.d_out.allocate(T_ * out.count);
      x_.for_each(T_ * out.count, kernels::train::output_gradient{running_max ? 1 : 0, out.count, T_,
                                                                  out.d_logits.data(), out.out_argmax.data(),
                                                                  out.d_out.data()});
    }
    if (for_backward) {  // the loss's buffers: o(t) of every step or its reduction, dL/do(t)
      std::size_t loss_reals = per_step ? 2 * T_ * out.count : 0;
      if (reduce) loss_reals += T_ * out.count + out.count + out.count;
      memory_.work_bytes += loss_reals * sizeof(real_t) + (reduce ? out.count * sizeof(std::uint32_t) : 0);
    }
    return res;
  }

  // The sparse weight gradients of layer l's projections in step t and dL/dz of their source layers (into the
  // rings), from the step's g_in. The dense weight gradients wait for the segment's end (segment_gradients).
  void input_gradients(int l, long t, const real_t* g_in) {
    auto& r = runs_[l];
    const auto& L = net_.layers[l];
    for (std::size_t p = 0; p < L.inputs.size(); ++p) {
      const auto& P = L.inputs[p];
      auto& pr = r.proj[p];
      const auto& v = r.host_views[p];
      const long ts = t - P.delay;
      if (ts < 0) continue;
      if (P.trainable && P.sparse)
        x_.for_each(P.size(), kernels::train::sparse_weight_gradient{v.src, ts, L.n, B_, pr.pre_of.data(),
                                                                     pr.col.data(), g_in, pr.gw.data()});
      if (P.source < 0) continue;
      auto& src = runs_[P.source];
      x_.for_each(B_ * P.n_pre, kernels::train::input_adjoint{v, L.n, g_in,
                                                               src.ring.data() + (std::size_t(ts) % ring_) * src.count});
    }
  }

  // The dense weight gradients of layer l over the steps [t0, t1), from seg_g.
  void segment_gradients(int l, std::size_t t0, std::size_t t1) {
    auto& r = runs_[l];
    const auto& L = net_.layers[l];
    const kernels::train::segment_pairs pairs{long(t0), t1 - t0, B_};
    for (std::size_t p = 0; p < L.inputs.size(); ++p) {
      const auto& P = L.inputs[p];
      if (!P.trainable || P.sparse) continue;
      auto& pr = r.proj[p];
      const auto& v = r.host_views[p];
      x_.for_each(((pairs.count() + 31) / 32) * P.n_pre,
                  kernels::train::segment_gradient_masks{v.src, v.delay, pairs, P.n_pre, pr.gradient_masks.data()});
      x_.for_each_tile(kernels::train::segment_weight_gradient{v.src, v.delay, pairs, P.n_pre, L.n, r.seg_g.data(),
                                                               pr.gradient_masks.data(), pr.gw.data()});
    }
  }

  void backward(const loss_spec& loss) {
    // the spike sources' one_step mode (evaluation without delays) reads slot 0 for every step: never here
    if (short_history_) throw internal_error("portable training engine: backward pass after an evaluation forward");
    const int last = int(runs_.size()) - 1;
    for (std::size_t l = 0; l < runs_.size(); ++l) {
      auto& r = runs_[l];
      const auto& L = net_.layers[l];
      r.lam.allocate(std::size_t(r.ns) * r.count);
      for (auto* b : {&r.gy, &r.g_u}) b->allocate(r.count);
      r.g_in.allocate(r.dense_grad ? 0 : r.count);  // a layer with a trainable dense input keeps g_in in seg_g
      r.ring.allocate(ring_ * r.count);
      r.seg_s.allocate((K_ + 1) * std::size_t(r.ns) * r.count);
      r.seg_g.allocate(r.dense_grad ? K_ * r.count : 0);
      r.g_param.allocate(std::size_t(L.kernel->n_params()) * r.count);
      r.g_bias.allocate(L.n);
      for (std::size_t p = 0; p < L.inputs.size(); ++p) {
        const auto& P = L.inputs[p];
        r.proj[p].gw.allocate(P.trainable ? P.size() : 0);
        const std::size_t masks = P.trainable && !P.sparse ? ((K_ * B_ + 31) / 32) * P.n_pre : 0;
        r.proj[p].gradient_masks.allocate(masks);
        memory_.work_bytes += masks * sizeof(std::uint32_t);
      }
      std::vector<real_t> gz(r.count, 0);  // dL/dz that is the same every step: regularisers, count losses
      for (const auto& reg : loss.regularizers)
        if (reg.layer == int(l)) {
          std::vector<real_t> g;
          rate_penalty(reg, counts_[l], B_, L.n, &g);
          for (std::size_t i = 0; i < g.size(); ++i) gz[i] += g[i];
        }
      if (int(l) == last) tracker_[0].spike_grad(gz.data());
      r.gz_const.upload(gz.data(), gz.size());
    }
    const std::size_t n_seg = (T_ + K_ - 1) / K_;
    for (std::size_t seg = n_seg; seg-- > 0;) {
      const std::size_t t0 = seg * K_, t1 = std::min(T_, t0 + K_);
      for (auto& r : runs_) {  // the segment's checkpoint
        const std::size_t per = std::size_t(r.ns) * r.count;
        const real_t* c = r.ckpt.data() + seg * (per + r.count);
        x_.copy(r.s.data(), c, per);
        x_.copy(r.y.data(), c + per, r.count);
      }
      // the data sums of the last segment are still in seg_u from the forward (which wrote u elsewhere)
      for (int l = 0; l <= last; ++l)
        if (runs_[l].data_prefix && seg + 1 < n_seg) segment_inputs(l, t0, t1);
      for (std::size_t t = t0; t < t1; ++t)  // recompute: states before every step (and after the last), inputs
        for (int l = 0; l <= last; ++l) {
          auto& r = runs_[l];
          const std::size_t per = std::size_t(r.ns) * r.count;
          x_.copy(r.seg_s.data() + (t - t0) * per, r.s.data(), per);
          real_t* u = r.seg_u.data() + (t - t0) * r.count;
          gather(l, long(t), u, r.data_prefix ? u : nullptr);
          r.ops->replay(r.count, layer_spikes(l), long(t), r.s.data(), u);
          if (t + 1 == t1) x_.copy(r.seg_s.data() + (t1 - t0) * per, r.s.data(), per);
        }
      for (std::size_t t = t1; t-- > t0;)  // adjoints backwards through the segment
        for (int l = last; l >= 0; --l) {
          auto& r = runs_[l];
          const auto& L = net_.layers[l];
          const std::size_t per = std::size_t(r.ns) * r.count;
          backward_args a;
          a.count = r.count;
          a.n = L.n;
          a.spikes = layer_spikes(l);
          a.t = long(t);
          a.s = r.seg_s.data() + (t - t0) * per;
          a.u = r.seg_u.data() + (t - t0) * r.count;
          a.lam = r.lam.data();
          a.slot = r.ring.data() + (t % ring_) * r.count;
          a.gz_const = r.gz_const.data();
          a.d_out = l == last && output_grads_ ? r.d_out.data() + t * r.count : nullptr;
          a.prev_slot = t > 0 ? r.ring.data() + ((t - 1) % ring_) * r.count : nullptr;
          a.g_u = r.g_u.data();
          a.gy = r.gy.data();
          a.g_in = r.dense_grad ? r.seg_g.data() + (t - t0) * r.count : r.g_in.data();
          a.syn_decay = L.syn_decay;
          a.syn = r.syn ? 1 : 0;
          a.g_param = L.kernel->n_params() ? r.g_param.data() : nullptr;
          r.ops->backward(a);
          x_.for_each(L.n, kernels::train::bias_gradient{r.g_u.data(), L.n, B_, r.g_bias.data()});
          input_gradients(l, long(t), a.g_in);
        }
      for (int l = 0; l <= last; ++l)
        if (runs_[l].dense_grad) segment_gradients(l, t0, t1);
    }
  }

  void download_gradients(gradients& g) {
    g.zero_like(net_);
    for (std::size_t l = 0; l < runs_.size(); ++l) {
      auto& r = runs_[l];
      const auto& L = net_.layers[l];
      for (std::size_t p = 0; p < L.inputs.size(); ++p)
        if (L.inputs[p].trainable) r.proj[p].gw.download(g.w[l][p].data(), g.w[l][p].size());
      if (L.train_bias) r.g_bias.download(g.bias[l].data(), L.n);
      const std::size_t K = std::size_t(L.kernel->n_params());
      if (K == 0) continue;
      std::vector<real_t> gp(K * r.count);
      r.g_param.download(gp.data(), gp.size());
      for (std::size_t k = 0; k < K; ++k)  // sum over the batch, in batch order
        for (std::size_t b = 0; b < B_; ++b)
          for (std::size_t i = 0; i < L.n; ++i) g.param[l][k][i] += gp[k * r.count + b * L.n + i];
    }
  }

  network& net_;
  engine_options options_;
  X x_;
  std::vector<layer_run> runs_;
  std::size_t B_ = 0, T_ = 0, K_ = 1, ring_ = 2;
  bool short_history_ = false;
  bool output_grads_ = false;  // the loss has a dL/do(t)
  bool uploaded_ = false;
  std::uint64_t uploaded_revision_ = 0;
  kernels::train::spike_source input_;
  buffer<std::uint64_t> input_bits_;
  buffer<real_t> input_reals_;
  std::vector<std::vector<real_t>> counts_;  // per layer: spike counts of the last forward
  std::vector<loss_tracker> tracker_;
  memory_report memory_;
  phase_times times_;
};

}  // namespace volley::train
