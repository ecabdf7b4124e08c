#pragma once
// A projection: connections from a range of one population to a range of another (or the same), stored as CSR
// by source with targets sorted within each row. Target indices are 16 bit when the target range fits.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/connectivity.hpp"
#include "engine/population.hpp"

namespace volley {

struct projection {
  std::string name;
  population* source = nullptr;
  neuron_range source_range;
  population* target = nullptr;
  neuron_range target_range;
  int channel = 0;                          // input channel of the target population

  std::vector<std::uint64_t> row_ptr;       // source_range.size() + 1
  std::vector<index_t> targets32;           // relative to target_range.begin, ascending per row
  std::vector<std::uint16_t> targets16;     // used instead of targets32 when target_range.size() <= 65536
  real_t weight = 0;                        // homogeneous weight when `weights` is empty
  std::vector<real_t> weights;              // per synapse (channel's weight unit)
  std::uint16_t delay = 1;                  // homogeneous delay in steps when `delays` is empty
  std::vector<std::uint16_t> delays;        // per synapse, steps >= 1

  std::uint64_t size() const { return row_ptr.empty() ? 0 : row_ptr.back(); }
  bool narrow() const { return !targets16.empty() || (targets32.empty() && target_range.size() <= 65536); }
  int max_delay() const;
  std::uint64_t bytes() const;  // memory held by the connectivity, weights and delays

  // Takes the connectivity, narrowing target indices where they fit.
  void set_connectivity(csr_connectivity&& csr);
};

// Adds the spikes of this step to the target ring buffers. Deterministic for any thread count: each thread owns
// a contiguous range of target neurons, and every target receives its inputs in the same order (projection
// order, then ascending source neuron, then row order).
void propagate_spikes(std::vector<projection>& projections, std::uint64_t step, int threads);

}  // namespace volley
