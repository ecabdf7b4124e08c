#pragma once
// Gap-junction (electrical synapse) current of one target cell, written once for the CPU loop and the GPU kernel:
//
//   I_gap[b][i] = sum_k g_k (V_source[b][partner_k] - V_target[b][i])      (pA; g in nS, V in mV)
//
// over the partners k of target i (its row of the target-ordered CSR). V is the membrane potential at the start
// of the step (nothing writes V while this runs: the phase completes before the fused update), so the current is
// explicit in time and held over the step, as brainpy.state's gap-junction projections do.
// A row is summed in row order by one thread, so the result does not depend on the thread count or the backend
// scheduling (the per-cell arithmetic is the same on the CPU and the GPU).
#include <cstdint>

#include "engine/config.hpp"

namespace volley::kernels {

struct gap_view {
  const std::uint64_t* row_ptr = nullptr;  // [n_target + 1]; row i: entries [row_ptr[i], row_ptr[i + 1])
  const index_t* partners = nullptr;       // source-population neuron of each entry, ascending within a row
  const real_t* g = nullptr;               // nS per entry, or nullptr: g_value for every entry
  real_t g_value = 0;                      // nS
  const real_t* v_source = nullptr;        // mV, [batch][n_source] (the source's membrane column)
  const real_t* v_target = nullptr;        // mV, [batch][n_target]
  real_t* current = nullptr;               // pA, [batch][n_target] (the target population's gap-current array)
  index_t n_source = 0, n_target = 0;
  std::uint32_t batch = 1;
  int first = 1;                           // 1: this projection writes the cell's current, 0: adds to it
};

// Cell = b * n_target + i, for cell < batch * n_target. The first gap projection onto a population overwrites
// the cell (no separate zeroing pass); later ones add in projection order.
VOLLEY_HD VOLLEY_INLINE void gap_current_cell(const gap_view& v, std::uint64_t cell) {
  const auto b = static_cast<std::uint32_t>(cell / v.n_target);
  const auto i = static_cast<index_t>(cell - std::uint64_t(b) * v.n_target);
  const real_t vi = v.v_target[cell];
  const real_t* vs = v.v_source + std::size_t(b) * v.n_source;
  real_t acc = 0;  // pA
  const std::uint64_t end = v.row_ptr[i + 1];
  if (v.g) {
    for (std::uint64_t k = v.row_ptr[i]; k < end; ++k) acc += v.g[k] * (vs[v.partners[k]] - vi);
  } else {
    for (std::uint64_t k = v.row_ptr[i]; k < end; ++k) acc += v.g_value * (vs[v.partners[k]] - vi);
  }
  v.current[cell] = v.first ? acc : v.current[cell] + acc;
}

}  // namespace volley::kernels
