#pragma once
// Event-driven spike propagation on the GPU: only the rows of neurons that spiked in this step are read. Each
// synapse adds its weight into the target's ring slot step + delay with an atomic add (fast mode: the order of
// the additions, and so the last bits of the sums, may differ between runs).
//
// Deterministic mode (Fixed = true): the ring holds 64-bit fixed point (kernels::fixed_point_one) and the adds
// are integer atomics, so every sum has the same bits whatever the order.
//
// Strategy per projection (chosen on the host from the mean row length):
//   warp per row     a warp walks one spiking row, lanes on consecutive synapses (coalesced); long rows
//   thread per row   a thread walks one spiking row; short rows (mean below one warp's worth of lanes / 4)
#include <cstdint>

#include "engine/config.hpp"
#include "kernels/gpu/gpu_api.hpp"
#include "kernels/neuron_update.hpp"
#include "models/short_term_plasticity.hpp"

namespace volley::gpu {

struct device_projection {
  const std::uint64_t* row_ptr;  // rows: source neurons [source_begin, source_end)
  const real_t* weights;         // per synapse, or nullptr: `weight` for all
  real_t weight;
  const std::uint16_t* delays;  // per synapse (steps), or nullptr: `delay` for all
  std::uint32_t delay;
  index_t source_begin, source_end;
  const index_t* source_spikes;       // the source population's spike lists, [batch][source_n]
  const std::uint32_t* source_count;  // [batch]
  index_t source_n;
  real_t* ring;               // the target channel's ring buffer, [slot][batch][target_n]
  std::uint64_t slot_stride;  // batch * target_n
  std::uint32_t slot_mask;
  index_t target_n, target_begin;
  std::uint32_t batch;
  const real_t* efficacy;  // short-term plasticity: [batch][source row] factor of this step's spikes, or nullptr
};

enum class propagation_strategy { warp_per_row, thread_per_row };

template <bool Fixed>
__device__ inline void add_to_slot(real_t* slot, real_t w) {
  if constexpr (Fixed) {
    atomicAdd(reinterpret_cast<unsigned long long*>(slot),
              static_cast<unsigned long long>(kernels::to_fixed_point(static_cast<double>(w))));
  } else {
    atomicAdd(slot, w);
  }
}

// `efficacy`: the spike's short-term plasticity factor, 1 for static projections (w * 1 is w, bit for bit).
template <bool Fixed, class Target>
__device__ inline void deliver_synapse(const device_projection& pj, const Target* targets, std::uint64_t s,
                                       std::uint64_t step, std::uint32_t b, real_t efficacy) {
  const real_t w = (pj.weights ? pj.weights[s] : pj.weight) * efficacy;
  const std::uint32_t d = pj.delays ? pj.delays[s] : pj.delay;
  real_t* slot = pj.ring + ((step + d) & pj.slot_mask) * pj.slot_stride + std::size_t(b) * pj.target_n +
                 pj.target_begin + targets[s];
  add_to_slot<Fixed>(slot, w);
}

// Grid-stride over (batch, spike): `group` threads share one row (32/64 = a warp, or 1).
template <class Target, bool WarpPerRow, bool Fixed>
__global__ void propagate_kernel(device_projection pj, const Target* targets, const std::uint64_t* clock,
                                 unsigned long long* events) {
  const std::uint64_t step = *clock;
  const unsigned group = WarpPerRow ? warpSize : 1;
  const unsigned lane = WarpPerRow ? threadIdx.x % warpSize : 0;
  const std::uint64_t first = (std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x) / group;
  const std::uint64_t stride = std::uint64_t(gridDim.x) * blockDim.x / group;
  unsigned long long reached = 0;
  for (std::uint32_t b = 0; b < pj.batch; ++b) {
    const std::uint32_t count = pj.source_count[b];
    for (std::uint64_t k = first; k < count; k += stride) {
      const index_t src = pj.source_spikes[std::size_t(b) * pj.source_n + k];
      if (src < pj.source_begin || src >= pj.source_end) continue;
      const std::uint64_t lo = pj.row_ptr[src - pj.source_begin], hi = pj.row_ptr[src - pj.source_begin + 1];
      const real_t e =
          pj.efficacy ? pj.efficacy[std::size_t(b) * (pj.source_end - pj.source_begin) + (src - pj.source_begin)]
                      : real_t(1);
      if (lane == 0) reached += hi - lo;
      for (std::uint64_t s = lo + lane; s < hi; s += group) deliver_synapse<Fixed>(pj, targets, s, step, b, e);
    }
  }
  if (reached) atomicAdd(events, reached);
}

// Short-term plasticity (models/short_term_plasticity.hpp), run before the projection's propagation: one thread
// per spike of the source population (grid-stride over batch instances and spikes) relaxes and jumps u, x of its
// source and writes the spike's efficacy. Each source spikes at most once per step, so no two threads share a
// state; the body is the one the CPU pre-pass runs.
struct device_plasticity {
  models::plasticity_constants c;
  double* u;                // [batch][source row] (nullptr under STD)
  double* x;                // [batch][source row]
  std::uint64_t* since;     // [batch][source row], steps
  real_t* efficacy;         // [batch][source row]
};

__global__ void short_term_plasticity_kernel(device_projection pj, device_plasticity sp,
                                             const std::uint64_t* clock) {
  const std::uint64_t step = *clock;
  const std::uint64_t rows = pj.source_end - pj.source_begin;
  const std::uint64_t first = std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::uint64_t stride = std::uint64_t(gridDim.x) * blockDim.x;
  for (std::uint32_t b = 0; b < pj.batch; ++b) {
    const std::uint32_t count = pj.source_count[b];
    for (std::uint64_t k = first; k < count; k += stride) {
      const index_t src = pj.source_spikes[std::size_t(b) * pj.source_n + k];
      if (src < pj.source_begin || src >= pj.source_end) continue;
      const std::uint64_t i = b * rows + (src - pj.source_begin);
      double unused = 0;
      double& u = sp.u ? sp.u[i] : unused;
      sp.efficacy[i] = static_cast<real_t>(models::plasticity_on_spike(sp.c, u, sp.x[i], sp.since[i], step));
    }
  }
}

// Spike-time inputs: the neurons of `neurons` receive `weight` once per entry of `steps` equal to this step.
struct device_spike_input {
  const std::uint64_t* steps;  // sorted emission steps
  std::uint32_t n_steps;
  const index_t* neurons;
  std::uint32_t n_neurons;
  real_t weight;
  std::uint32_t delay;
  real_t* ring;
  std::uint64_t slot_stride;
  std::uint32_t slot_mask;
  index_t target_n;
  std::uint32_t batch;
};

template <bool Fixed>
__global__ void spike_input_kernel(device_spike_input in, const std::uint64_t* clock) {
  const std::uint64_t step = *clock;
  std::uint32_t lo = 0, hi = in.n_steps;  // first entry >= step
  while (lo < hi) {
    const std::uint32_t mid = (lo + hi) / 2;
    if (in.steps[mid] < step)
      lo = mid + 1;
    else
      hi = mid;
  }
  std::uint32_t end = lo;
  while (end < in.n_steps && in.steps[end] == step) ++end;
  if (end == lo) return;
  real_t* slot = in.ring + ((step + in.delay) & in.slot_mask) * in.slot_stride;
  const std::uint64_t cells = std::uint64_t(in.n_neurons) * in.batch;
  for (std::uint64_t k = std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < cells;
       k += std::uint64_t(gridDim.x) * blockDim.x) {
    const std::uint32_t b = static_cast<std::uint32_t>(k / in.n_neurons);
    const index_t i = in.neurons[k % in.n_neurons];
    for (std::uint32_t m = lo; m < end; ++m) add_to_slot<Fixed>(slot + std::size_t(b) * in.target_n + i, in.weight);
  }
}

// Deterministic mode: ring buffers between real values (host) and fixed point (device), in place.
__global__ void ring_to_fixed_kernel(real_t* ring, std::uint64_t n) {
  for (std::uint64_t k = std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < n;
       k += std::uint64_t(gridDim.x) * blockDim.x) {
    const long long q = kernels::to_fixed_point(static_cast<double>(ring[k]));
    memcpy(ring + k, &q, sizeof q);
  }
}
__global__ void ring_from_fixed_kernel(real_t* ring, std::uint64_t n) {
  for (std::uint64_t k = std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < n;
       k += std::uint64_t(gridDim.x) * blockDim.x) {
    long long q;
    memcpy(&q, ring + k, sizeof q);
    ring[k] = static_cast<real_t>(static_cast<double>(q) / kernels::fixed_point_one);
  }
}

}  // namespace volley::gpu
