#pragma once
// Gap junctions on the GPU: one thread per target cell (batch x target neurons) of one gap projection, running
// the per-cell sum the CPU loop runs (kernels::gap_current_cell). Launched before the family updates, so every
// thread reads the start-of-step V and nothing writes V meanwhile; each cell is written by one thread (no
// atomics), and projections onto the same population run one after the other in the stream, so the result is
// deterministic, and from the same V equal to the CPU's bit for bit (the same arithmetic in the same order).
#include <cstdint>

#include "engine/config.hpp"
#include "kernels/gap_current.hpp"
#include "kernels/gpu/gpu_api.hpp"

namespace volley::gpu {

// v holds device pointers (row_ptr, partners, g, V columns and the gap-current array, all translated).
__global__ void gap_current_kernel(kernels::gap_view v) {
  begin_step_kernel();
  const std::uint64_t cells = std::uint64_t(v.n_target) * v.batch;
  const std::uint64_t stride = std::uint64_t(gridDim.x) * blockDim.x;
  for (std::uint64_t c = std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; c < cells; c += stride)
    kernels::gap_current_cell(v, c);
}

}  // namespace volley::gpu
