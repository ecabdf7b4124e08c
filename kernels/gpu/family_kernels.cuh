#pragma once
// The fused update of one neuron family on the GPU: one launch covers every population of the model. Each
// population owns a range of whole thread blocks (padded to the block size, so a block never spans two
// populations); a block finds its population by bisecting the table of first blocks, copies that population's
// view into shared memory once and points the ring-buffer slots at this step. Each thread then runs the same
// kernels::update_tile body the OpenMP launcher runs, with Tile = 1. Included by kernels/gpu/families_*.cu only.
#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/model_population.hpp"
#include "kernels/gpu/family_runner.cuh"
#include "models/model_list.hpp"

namespace volley::gpu {

template <class Model>
struct device_population_entry {
  kernels::population_view<Model> view;  // device pointers; channel slots filled in per step
  ring_table rings;
  spike_lists out;
  std::uint32_t first_block;
};

// No launch bounds: most families take 88 registers (25 % occupancy on an H100). Bounding them to 64 registers
// (__launch_bounds__(256, 4), 50 % occupancy) spilled and was measured on an H100 (median of 3): COBA 100
// 0.49 -> 0.93 s, CUBA 100 0.46 -> 0.92 s, COBAHH 100 0.88 -> 1.10 s, but PD14 (iaf_psc_exp with Poisson drive)
// RTF 0.263 -> 0.225. Left unbounded; a per-family choice is open.
template <class Model>
__global__ void update_family_kernel(const device_population_entry<Model>* entries, int n_entries,
                                     const std::uint64_t* clock) {
  using entry = device_population_entry<Model>;
  alignas(16) __shared__ unsigned char raw[sizeof(entry)];
  __shared__ int p_shared;
  entry& e = *reinterpret_cast<entry*>(raw);
  let_next_kernel_start();
  if (threadIdx.x == 0) {  // the entries are written once, at bind: read before the previous kernel ends
    int lo = 0, hi = n_entries - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (entries[mid].first_block <= blockIdx.x)
        lo = mid;
      else
        hi = mid - 1;
    }
    p_shared = lo;
  }
  __syncthreads();
  static_assert(sizeof(entry) % sizeof(std::uint32_t) == 0);
  const auto* src = reinterpret_cast<const std::uint32_t*>(entries + p_shared);
  auto* dst = reinterpret_cast<std::uint32_t*>(raw);
  for (unsigned k = threadIdx.x; k < sizeof(entry) / sizeof(std::uint32_t); k += blockDim.x) dst[k] = src[k];
  wait_for_previous_kernel();  // the clock, the state and the ring slots were written by earlier kernels
  __syncthreads();
  if (threadIdx.x == 0) {
    const std::uint64_t step = *clock;
    e.view.step = static_cast<std::uint32_t>(step);
    for (int c = 0; c < e.view.n_channels; ++c)
      e.view.channels[c].slot =
          e.rings.base[c] ? e.rings.base[c] + (step & e.rings.slot_mask) * e.rings.slot_stride : nullptr;
  }
  __syncthreads();
  const std::uint64_t local = std::uint64_t(blockIdx.x - e.first_block) * blockDim.x + threadIdx.x;
  if (local >= std::uint64_t(e.view.n) * e.view.batch) return;
  const auto b = static_cast<std::uint32_t>(local / e.view.n);
  const auto i = static_cast<index_t>(local % e.view.n);
  kernels::update_tile<Model, 1>(e.view, i, 1, b, [&](index_t spiking) {
    const std::uint32_t k = atomicAdd(e.out.count + b, 1u);
    e.out.spikes[std::size_t(b) * e.view.n + k] = spiking;
  });
}

// Spike-schedule models (SpikeTime): this step's row of the population's table becomes the spike list in every
// batch instance; state 0 marks the spikers (1) and is 0 elsewhere, as on the CPU. One block per population.
struct device_schedule {
  const std::uint64_t* steps;  // ascending steps with spikes
  const std::uint64_t* rows;   // row r: neurons[rows[r] .. rows[r + 1])
  const index_t* neurons;
  const real_t* counts;  // per entry of neurons: the value of state 0 at the spike (nullptr: 1)
  std::uint32_t n_steps;
  real_t* mark;  // state 0, [batch][n]
  index_t n;
  std::uint32_t batch;
  spike_lists out;
};

// static: every kernels/gpu/families_<k>.cu that includes this header keeps its own copy.
static __global__ void schedule_kernel(const device_schedule* schedules, const std::uint64_t* clock) {
  begin_step_kernel();
  const device_schedule s = schedules[blockIdx.x];
  const std::uint64_t step = *clock;
  std::uint32_t lo = 0, hi = s.n_steps;
  while (lo < hi) {
    const std::uint32_t mid = (lo + hi) / 2;
    if (s.steps[mid] < step)
      lo = mid + 1;
    else
      hi = mid;
  }
  const bool any = lo < s.n_steps && s.steps[lo] == step;
  const std::uint64_t a = any ? s.rows[lo] : 0, count = any ? s.rows[lo + 1] - a : 0;
  const std::uint64_t cells = std::uint64_t(s.n) * s.batch;
  for (std::uint64_t k = threadIdx.x; k < cells; k += blockDim.x) s.mark[k] = 0;
  __syncthreads();
  for (std::uint64_t k = threadIdx.x; k < count * s.batch; k += blockDim.x) {
    const auto b = static_cast<std::uint32_t>(k / count);
    const index_t i = s.neurons[a + k % count];
    s.mark[std::size_t(b) * s.n + i] = s.counts != nullptr ? s.counts[a + k % count] : real_t(1);
    s.out.spikes[std::size_t(b) * s.n + k % count] = i;
  }
  if (threadIdx.x < s.batch) s.out.count[threadIdx.x] = static_cast<std::uint32_t>(count);
}

template <class Model>
class model_family_runner final : public family_runner {
 public:
  void register_arrays(const std::vector<population*>& family, device_mirror& mirror, std::uint64_t seed) override {
    for (population* p : family) {
      const auto v = static_cast<model_population<Model>&>(*p).view(0, seed);
      const std::size_t n_constants = v.heterogeneous ? v.n : 1;
      mirror.add(v.constants, n_constants * sizeof(*v.constants), false);
      mirror.add(v.bias, v.bias ? std::size_t(v.n) * sizeof(real_t) : 0, false);
    }
  }

  void bind(const std::vector<population_binding>& family, const device_mirror& mirror, std::uint64_t seed,
            bool fixed_point_slots) override {
    if constexpr (requires { requires Model::spike_schedule; }) {
      bind_schedules(family, mirror);
      return;
    }
    std::vector<device_population_entry<Model>> entries;
    std::uint32_t block = 0;
    for (const auto& f : family) {
      device_population_entry<Model> e;
      e.view = static_cast<model_population<Model>&>(*f.host).view(0, seed);
      for (int q = 0; q < Model::n_state; ++q) e.view.state[q] = mirror.translate(e.view.state[q]);
      e.view.constants = mirror.translate(e.view.constants);
      e.view.bias = mirror.translate(e.view.bias);
      e.view.extra_current = mirror.translate(e.view.extra_current);  // gap currents (registered by the engine)
      for (int r = 0; r < e.view.n_receptors; ++r)
        for (int q = 0; q < models::max_receptor_vars; ++q)
          e.view.receptor_state[r][q] = mirror.translate(e.view.receptor_state[r][q]);
      for (int q = 0; q < e.view.n_currents; ++q) e.view.currents[q].state = mirror.translate(e.view.currents[q].state);
      for (int c = 0; c < e.view.n_channels; ++c) e.view.channels[c].slot = nullptr;
      e.view.fixed_point_slots = fixed_point_slots ? 1 : 0;
      e.rings = f.rings;
      e.out = f.out;
      e.first_block = block;
      const std::uint64_t cells = std::uint64_t(e.view.n) * e.view.batch;
      block += static_cast<std::uint32_t>((cells + update_block - 1) / update_block);
      entries.push_back(e);
    }
    blocks_ = block;
    n_entries_ = static_cast<int>(entries.size());
    entries_.upload(entries);
  }

  void launch(stream_t stream, const std::uint64_t* clock, bool overlap) const override {
    if (!schedules_host_.empty())
      gpu::launch(schedule_kernel, unsigned(schedules_host_.size()), update_block, stream, overlap, schedules_.get(),
                  clock);
    if (blocks_ == 0) return;
    gpu::launch(update_family_kernel<Model>, blocks_, update_block, stream, overlap, entries_.get(), n_entries_, clock);
  }

 private:
  void bind_schedules(const std::vector<population_binding>& family, const device_mirror& mirror) {
    for (const auto& f : family) {
      const auto& mp = static_cast<const model_population<Model>&>(*f.host);
      auto& t = tables_.emplace_back();
      t.steps.upload(mp.schedule_steps());
      t.rows.upload(mp.schedule_rows());
      t.neurons.upload(mp.schedule_neurons());
      t.counts.upload(mp.schedule_counts());
      schedules_host_.push_back({t.steps.get(), t.rows.get(), t.neurons.get(),
                                 mp.schedule_counts().empty() ? nullptr : t.counts.get(),
                                 static_cast<std::uint32_t>(mp.schedule_steps().size()),
                                 mirror.translate(const_cast<model_population<Model>&>(mp).state(0)), f.host->size(),
                                 f.host->batch(), f.out});
    }
    schedules_.upload(schedules_host_);
  }
  struct schedule_table {
    device_array<std::uint64_t> steps, rows;
    device_array<index_t> neurons;
    device_array<real_t> counts;
  };
  std::vector<schedule_table> tables_;
  std::vector<device_schedule> schedules_host_;
  device_array<device_schedule> schedules_;
  device_array<device_population_entry<Model>> entries_;
  std::uint32_t blocks_ = 0;
  int n_entries_ = 0;
};

// A new runner for Model; nullptr for CPU-only models (no kernel is instantiated: the simulator never puts them on
// the GPU, host/simulator.cpp).
template <class Model>
std::unique_ptr<family_runner> make_runner() {
  if constexpr (requires { requires Model::cpu_only; })
    return nullptr;
  else
    return std::make_unique<model_family_runner<Model>>();
}

// The runner for `model` among models [Begin, End) of the list, or nullptr.
template <std::size_t Begin, std::size_t End, class... Models>
std::unique_ptr<family_runner> runner_for_slice(const std::string& model, models::model_list<Models...>) {
  using all = std::tuple<Models...>;
  std::unique_ptr<family_runner> r;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((r == nullptr && model == std::tuple_element_t<Begin + I, all>::name
          ? void(r = make_runner<std::tuple_element_t<Begin + I, all>>())
          : void()),
     ...);
  }(std::make_index_sequence<End - Begin>{});
  return r;
}

// Defines runner_for_part's slice `Part` (one per kernels/gpu/families_<Part>.cu).
template <int Part>
std::unique_ptr<family_runner> runner_for_this_part(const std::string& model) {
  constexpr std::size_t n = models::all_neuron_models::size;
  return runner_for_slice<n * Part / family_parts, n * (Part + 1) / family_parts>(model, models::all_neuron_models{});
}

}  // namespace volley::gpu
