#pragma once
// Event-driven spike propagation on the GPU: only the rows of neurons that spiked in this step are read. Each
// synapse adds its weight into the target's ring slot step + delay with an atomic add (fast mode: the order of
// the additions, and so the last bits of the sums, may differ between runs).
//
// Deterministic mode (Fixed = true): the ring holds 64-bit fixed point (kernels::fixed_point_one) and the adds
// are integer atomics, so every sum has the same bits whatever the order.
//
// One launch per step covers every projection (a launch per projection cost PD14, with 64 projections and a
// grid sized for every row, about 500 us per step on an H100). The work of a step is a list of items, projection
// by projection and batch instance by batch instance, dealt round-robin to the warps of a fixed grid:
//   long rows   (mean row >= a quarter warp) an item is a chunk of up to chunk_synapses synapses of one spiking
//               row, the warp's lanes on consecutive synapses (coalesced); long rows are split over warps
//   short rows  an item is up to one warp's worth of spiking rows, a lane per row
// The items are counted on the device from the spike counts, so no host-side count is needed.
#include <cstdint>
#include <type_traits>

#include "engine/config.hpp"
#include "kernels/gpu/gpu_api.hpp"
#include "kernels/neuron_update.hpp"
#include "models/short_term_plasticity.hpp"

namespace volley::gpu {

struct device_projection {
  const std::uint64_t* row_ptr;  // rows: source neurons [source_begin, source_end)
  const void* targets;           // relative to target_begin: std::uint16_t when narrow, else index_t
  std::uint32_t narrow;
  std::uint32_t chunks;          // long rows: items per spiking row, ceil(longest row / chunk_synapses); short: 0
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
  index_t target_count;       // size of the target range (targets are relative to target_begin)
  std::uint32_t batch;
  const real_t* efficacy;  // short-term plasticity: [batch][source row] factor of this step's spikes, or nullptr
  const real_t* payload;   // the source's spike payload state, [batch][source_n], or nullptr (model_info)
  double transmit_p;       // unreliable synapses: probability that a synapse passes a spike; 1: always
  std::uint32_t transmit_tag;
  std::uint64_t seed;
};

inline constexpr unsigned chunk_synapses = 256;  // synapses per item of a long row (8 per lane on NVIDIA)

template <bool Fixed>
__device__ inline void add_to_slot(real_t* slot, real_t w) {
  if constexpr (Fixed) {
    atomicAdd(reinterpret_cast<unsigned long long*>(slot),
              static_cast<unsigned long long>(kernels::to_fixed_point(static_cast<double>(w))));
  } else {
    atomicAdd(slot, w);
  }
}

// Unreliable synapses: whether synapse s passes this step's spike (the draw of projection::transmits on the CPU).
__device__ inline bool passes(const device_projection& pj, std::uint64_t s, std::uint64_t step) {
  return !(pj.transmit_p < 1) ||
         rng::random_stream::element_uniform(pj.seed, pj.transmit_tag, s, static_cast<std::uint32_t>(step)) <
             pj.transmit_p;
}

// Delivers synapses [lo, hi) of one row. `efficacy`: the spike's short-term plasticity factor, 1 for static
// projections (w * 1 is w, bit for bit).
template <bool Fixed, class Target>
__device__ inline void deliver_range(const device_projection& pj, std::uint64_t lo, std::uint64_t hi,
                                     unsigned stride, std::uint64_t step, std::uint32_t b, real_t efficacy) {
  const auto* targets = static_cast<const Target*>(pj.targets);
  real_t* slot_base = pj.ring + std::size_t(b) * pj.target_n + pj.target_begin;
  for (std::uint64_t s = lo; s < hi; s += stride) {
    if (!passes(pj, s, step)) continue;
    const real_t w = (pj.weights ? pj.weights[s] : pj.weight) * efficacy;
    const std::uint32_t d = pj.delays ? pj.delays[s] : pj.delay;
    add_to_slot<Fixed>(slot_base + ((step + d) & pj.slot_mask) * pj.slot_stride + targets[s], w);
  }
}

template <bool Fixed>
__device__ inline void deliver(const device_projection& pj, std::uint64_t lo, std::uint64_t hi, unsigned stride,
                               std::uint64_t step, std::uint32_t b, real_t efficacy) {
  if (pj.narrow)
    deliver_range<Fixed, std::uint16_t>(pj, lo, hi, stride, step, b, efficacy);
  else
    deliver_range<Fixed, index_t>(pj, lo, hi, stride, step, b, efficacy);
}

// Row of spike k of batch instance b: [lo, hi) and its efficacy; false when the spiker is not a source.
__device__ inline bool spiking_row(const device_projection& pj, std::uint32_t b, std::uint64_t k, std::uint64_t& lo,
                                   std::uint64_t& hi, real_t& efficacy) {
  const index_t src = pj.source_spikes[std::size_t(b) * pj.source_n + k];
  if (src < pj.source_begin || src >= pj.source_end) return false;
  const index_t row = src - pj.source_begin;
  lo = pj.row_ptr[row];
  hi = pj.row_ptr[row + 1];
  efficacy = pj.efficacy ? pj.efficacy[std::size_t(b) * (pj.source_end - pj.source_begin) + row] : real_t(1);
  if (pj.payload) efficacy *= pj.payload[std::size_t(b) * pj.source_n + src];
  return true;
}

inline constexpr unsigned propagate_block = 256;  // threads per block; also (projection, batch) units per tile

// Every projection of one step; grid-stride over the step's items (see the top of this file). The (projection,
// batch instance) units are taken a tile of propagate_block at a time: the block reads their spike counts in
// parallel and scans them into shared memory, so a warp finds the unit of an item by bisection in shared memory
// instead of walking the projection table through global memory (one dependent load per projection).
template <bool Fixed>
__global__ void __launch_bounds__(propagate_block)
    propagate_kernel(const device_projection* projections, int n_projections, std::uint32_t batch,
                     const std::uint64_t* clock, unsigned long long* events) {
  __shared__ std::uint64_t first_item[propagate_block + 1];  // items of the tile's units before unit u
  __shared__ unsigned long long block_events;
  begin_step_kernel();
  if (threadIdx.x == 0) block_events = 0;
  const std::uint64_t step = *clock;
  const unsigned lane = threadIdx.x % warpSize;
  const std::uint64_t warp = (std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x) / warpSize;
  const std::uint64_t n_warps = std::uint64_t(gridDim.x) * blockDim.x / warpSize;
  const std::uint64_t n_units = std::uint64_t(n_projections) * batch;
  unsigned long long reached = 0;
  std::uint64_t offset = 0;  // items of the tiles before this one
  for (std::uint64_t tile = 0; tile < n_units; tile += propagate_block) {
    const unsigned units = static_cast<unsigned>(n_units - tile < propagate_block ? n_units - tile : propagate_block);
    std::uint64_t mine = 0;
    if (threadIdx.x < units) {
      const std::uint64_t u = tile + threadIdx.x;
      const device_projection& pj = projections[u / batch];
      const std::uint32_t count = pj.source_count[u % batch];
      mine = pj.chunks ? std::uint64_t(count) * pj.chunks : (count + warpSize - 1) / warpSize;
    }
    first_item[threadIdx.x + 1] = mine;
    if (threadIdx.x == 0) first_item[0] = 0;
    __syncthreads();
    for (unsigned d = 1; d < propagate_block; d *= 2) {  // inclusive scan of first_item[1..] (Hillis-Steele)
      const std::uint64_t add = threadIdx.x >= d ? first_item[threadIdx.x + 1 - d] : 0;
      __syncthreads();
      first_item[threadIdx.x + 1] += add;
      __syncthreads();
    }
    const std::uint64_t total = first_item[units];
    // this warp's first item: the smallest g >= offset with g = warp (mod n_warps)
    for (std::uint64_t g = offset + (warp + n_warps - offset % n_warps) % n_warps; g < offset + total;
         g += n_warps) {
      const std::uint64_t local = g - offset;
      unsigned lo_u = 0, hi_u = units - 1;  // the unit u with first_item[u] <= local < first_item[u + 1]
      while (lo_u < hi_u) {
        const unsigned mid = (lo_u + hi_u + 1) / 2;
        if (first_item[mid] <= local)
          lo_u = mid;
        else
          hi_u = mid - 1;
      }
      const std::uint64_t u = tile + lo_u;
      const device_projection& pj = projections[u / batch];
      const auto b = static_cast<std::uint32_t>(u % batch);
      const std::uint64_t item = local - first_item[lo_u];
      std::uint64_t lo, hi;
      real_t e;
      if (pj.chunks) {
        if (!spiking_row(pj, b, item / pj.chunks, lo, hi, e)) continue;
        const std::uint64_t first = lo + (item % pj.chunks) * chunk_synapses;
        const std::uint64_t last = first + chunk_synapses < hi ? first + chunk_synapses : hi;
        if (first >= last) continue;
        if (lane == 0) reached += last - first;
        deliver<Fixed>(pj, first + lane, last, warpSize, step, b, e);
      } else {
        const std::uint64_t k = item * warpSize + lane;
        if (k >= pj.source_count[b] || !spiking_row(pj, b, k, lo, hi, e)) continue;
        reached += hi - lo;
        deliver<Fixed>(pj, lo, hi, 1, step, b, e);
      }
    }
    offset += total;
    __syncthreads();  // every warp is done with first_item before the next tile overwrites it
  }
  if (reached) atomicAdd(&block_events, reached);
  __syncthreads();
  if (threadIdx.x == 0 && block_events) atomicAdd(events, block_events);
}

// Shared-memory pre-aggregation, for a projection whose rows cover much of a small target range and whose delay
// is homogeneous (a readout, a dense layer): a block adds its share of the step's synapses into a shared copy of
// the target slot (batch x target range cells), then adds each non-zero cell to the ring once, instead of one
// global atomic per synapse onto the same few addresses. Deterministic mode adds 64-bit fixed point, in shared
// memory too, so the sums keep their bits whatever the order.
inline constexpr unsigned aggregated_max_cells = 4096;  // 32 KiB of 64-bit cells

template <bool Fixed>
__global__ void __launch_bounds__(propagate_block)
    propagate_aggregated_kernel(device_projection pj, const std::uint64_t* clock, unsigned long long* events) {
  using cell_t = std::conditional_t<Fixed, unsigned long long, real_t>;
  __shared__ cell_t cells[aggregated_max_cells];
  __shared__ unsigned long long block_events;
  begin_step_kernel();
  const unsigned n_cells = pj.batch * pj.target_count;
  for (unsigned c = threadIdx.x; c < n_cells; c += blockDim.x) cells[c] = 0;
  if (threadIdx.x == 0) block_events = 0;
  __syncthreads();
  const std::uint64_t step = *clock;
  const unsigned lane = threadIdx.x % warpSize;
  const std::uint64_t warp = (std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x) / warpSize;
  const std::uint64_t n_warps = std::uint64_t(gridDim.x) * blockDim.x / warpSize;
  unsigned long long reached = 0;
  for (std::uint32_t b = 0; b < pj.batch; ++b) {
    const std::uint32_t count = pj.source_count[b];
    cell_t* row_cells = cells + b * pj.target_count;
    for (std::uint64_t k = warp; k < count; k += n_warps) {
      std::uint64_t lo, hi;
      real_t e;
      if (!spiking_row(pj, b, k, lo, hi, e)) continue;
      if (lane == 0) reached += hi - lo;
      for (std::uint64_t s = lo + lane; s < hi; s += warpSize) {
        if (!passes(pj, s, step)) continue;
        const real_t w = (pj.weights ? pj.weights[s] : pj.weight) * e;
        const index_t t = pj.narrow ? static_cast<const std::uint16_t*>(pj.targets)[s]
                                    : static_cast<const index_t*>(pj.targets)[s];
        if constexpr (Fixed)
          atomicAdd(row_cells + t, static_cast<unsigned long long>(kernels::to_fixed_point(static_cast<double>(w))));
        else
          atomicAdd(row_cells + t, w);
      }
    }
  }
  if (reached) atomicAdd(&block_events, reached);
  __syncthreads();
  real_t* slot = pj.ring + ((step + pj.delay) & pj.slot_mask) * pj.slot_stride + pj.target_begin;
  for (unsigned c = threadIdx.x; c < n_cells; c += blockDim.x) {
    if (cells[c] == 0) continue;
    real_t* cell = slot + std::size_t(c / pj.target_count) * pj.target_n + c % pj.target_count;
    if constexpr (Fixed)
      atomicAdd(reinterpret_cast<unsigned long long*>(cell), cells[c]);
    else
      atomicAdd(cell, cells[c]);
  }
  if (threadIdx.x == 0 && block_events) atomicAdd(events, block_events);
}

// Short-term plasticity (models/short_term_plasticity.hpp), run before the projection's propagation: one thread
// per spike of the source population (grid-stride over batch instances and spikes) relaxes and jumps u, x of its
// source and writes the spike's efficacy (a count of m spikes: m jumps, the summed efficacy). Each source spikes at
// most once per step, so no two threads share a state; the body is the one the CPU pre-pass runs.
struct device_plasticity {
  models::plasticity_constants c;
  double* u;                // [batch][source row] (nullptr under STD)
  double* x;                // [batch][source row]
  double* y;                // [batch][source row] (NEST's tsodyks_synapse; else nullptr)
  std::uint64_t* since;     // [batch][source row], steps
  real_t* efficacy;         // [batch][source row]
  const real_t* counts;     // the source's count payload [batch][source_n] (projection::unroll_var), or nullptr
};

__global__ void short_term_plasticity_kernel(device_projection pj, device_plasticity sp,
                                             const std::uint64_t* clock) {
  begin_step_kernel();
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
      double unused_u = 0, unused_y = 0;
      double& u = sp.u ? sp.u[i] : unused_u;
      double& y = sp.y ? sp.y[i] : unused_y;
      const real_t m = sp.counts ? sp.counts[std::size_t(b) * pj.source_n + src] : real_t(1);
      sp.efficacy[i] = static_cast<real_t>(models::plasticity_on_spikes(
          sp.c, u, sp.x[i], y, sp.since[i], step, m > 0 ? static_cast<std::uint64_t>(m + real_t(0.5)) : 0,
          [](std::uint64_t, double) {}));
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
  begin_step_kernel();
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
