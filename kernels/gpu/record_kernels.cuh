#pragma once
// Recording on the device and the end of a step. Spikes and traces are buffered on the GPU for a whole block
// of steps and copied to the host in one piece at the block's end (the only host-device traffic of a run).
#include <cstdint>

#include "engine/config.hpp"
#include "engine/recording.hpp"
#include "kernels/gpu/gpu_api.hpp"

namespace volley::gpu {

// Spikes of one population for a block: neuron ids appended at `cursor`; for row r = step - *block_first and
// batch b, the segment [base[r * batch + b], + count[r * batch + b]) holds that step's spikes (unordered).
struct device_spike_record {
  const index_t* spikes;             // the population's spike lists [batch][n]
  const std::uint32_t* spike_count;  // [batch]
  index_t n;
  std::uint32_t batch;
  index_t* neurons;      // capacity entries
  std::uint32_t* base;   // [row][batch]
  std::uint32_t* count;  // [row][batch]
  unsigned int* cursor;
  const real_t* payload;        // the population's spike counts [batch][n] (spike_count_column), or nullptr
  std::uint32_t* multiplicity;  // capacity entries beside `neurons`, or nullptr (no count payload)
};

// One block per batch instance.
__global__ void record_spikes_kernel(device_spike_record r, const std::uint64_t* clock,
                                     const std::uint64_t* block_first) {
  __shared__ unsigned int base;
  begin_step_kernel();
  const std::uint32_t b = blockIdx.x;
  const std::uint32_t c = r.spike_count[b];
  const std::size_t row = static_cast<std::size_t>(*clock - *block_first);
  if (threadIdx.x == 0) {
    base = atomicAdd(r.cursor, c);
    r.base[row * r.batch + b] = base;
    r.count[row * r.batch + b] = c;
  }
  __syncthreads();
  for (std::uint32_t k = threadIdx.x; k < c; k += blockDim.x) {
    const index_t i = r.spikes[std::size_t(b) * r.n + k];
    r.neurons[base + k] = i;
    if (r.payload) r.multiplicity[base + k] = spike_multiplicity(r.payload[std::size_t(b) * r.n + i]);
  }
}

// Samples of one state column: values[(row * batch + b) * n_neurons + k], row counted by *rows.
struct device_trace_record {
  const real_t* column;  // [batch][n]
  index_t n;
  std::uint32_t batch;
  const index_t* neurons;
  std::uint32_t n_neurons;
  std::uint32_t interval;  // steps
  real_t* values;
  unsigned int* rows;  // advanced by end_step_kernel
};

__global__ void record_trace_kernel(device_trace_record t, const std::uint64_t* clock) {
  begin_step_kernel();
  if ((*clock + 1) % t.interval != 0) return;
  const std::size_t row = *t.rows;
  const std::uint64_t cells = std::uint64_t(t.n_neurons) * t.batch;
  for (std::uint64_t k = std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < cells;
       k += std::uint64_t(gridDim.x) * blockDim.x) {
    const std::uint32_t b = static_cast<std::uint32_t>(k / t.n_neurons);
    t.values[row * cells + k] = t.column[std::size_t(b) * t.n + t.neurons[k % t.n_neurons]];
  }
}

// End of a step, one block: spike totals per population, the counts kept as the last step's and zeroed for the
// next step, trace row cursors, then the clock moves on (last, after every thread has read it).
struct device_step_end {
  std::uint32_t* spike_count;             // all populations' counts, [entry]
  std::uint32_t* last_count;              // [entry]
  const std::uint32_t* count_population;  // population of each entry
  std::uint32_t n_counts;
  unsigned long long* totals;       // per population
  unsigned int* const* trace_rows;  // per trace
  const std::uint32_t* trace_interval;
  std::uint32_t n_traces;
};

__global__ void end_step_kernel(device_step_end e, std::uint64_t* clock) {
  begin_step_kernel();
  const std::uint64_t step = *clock;
  for (std::uint32_t k = threadIdx.x; k < e.n_counts; k += blockDim.x) {
    const std::uint32_t c = e.spike_count[k];
    if (c) atomicAdd(e.totals + e.count_population[k], (unsigned long long)c);
    e.last_count[k] = c;
    e.spike_count[k] = 0;
  }
  for (std::uint32_t t = threadIdx.x; t < e.n_traces; t += blockDim.x)
    if ((step + 1) % e.trace_interval[t] == 0) ++*e.trace_rows[t];
  __syncthreads();
  if (threadIdx.x == 0) *clock = step + 1;
}

}  // namespace volley::gpu
