#pragma once
// Event-driven delivery of one spiking source's row into target ring buffers: the body shared by backends.
#include <cstdint>

#include "engine/config.hpp"

namespace volley::kernels {

struct ring_view {
  real_t* base;            // ring buffer of the target channel, [slot][batch][neuron]
  std::uint64_t slot_stride;   // batch * n_target_population
  std::uint32_t slot_mask;     // number of slots - 1 (a power of two minus one)
};

inline constexpr std::uint64_t prefetch_distance = 16;  // synapses (CPU)

// Adds the synapses [k0, k1) of one row to the ring buffer (batch offset and target offset folded into `offset`),
// each weight times `efficacy` (the spike's short-term plasticity factor; exactly 1 without plasticity, tested
// once outside the loops, so static projections run the loops they always ran).
template <class Index>
VOLLEY_HD inline void deliver_row(const Index* targets, const real_t* weights, real_t weight,
                                  const std::uint16_t* delays, std::uint32_t delay, std::uint64_t k0,
                                  std::uint64_t k1, const ring_view& ring, std::uint64_t step,
                                  std::uint64_t offset, real_t efficacy = real_t(1)) {
  const bool scaled = efficacy != real_t(1);
  if (delays == nullptr) {
    real_t* slot = ring.base + ((step + delay) & ring.slot_mask) * ring.slot_stride + offset;
    if (weights == nullptr) {
      const real_t w = scaled ? weight * efficacy : weight;
      for (std::uint64_t k = k0; k < k1; ++k) slot[targets[k]] += w;
    } else if (!scaled) {
      for (std::uint64_t k = k0; k < k1; ++k) slot[targets[k]] += weights[k];
    } else {
      for (std::uint64_t k = k0; k < k1; ++k) slot[targets[k]] += weights[k] * efficacy;
    }
  } else if (!scaled) {
    for (std::uint64_t k = k0; k < k1; ++k) {
#if !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
      // per-synapse delays scatter the writes over every slot: fetch the cell of a synapse 16 ahead early
      if (k + prefetch_distance < k1)
        __builtin_prefetch(ring.base + ((step + delays[k + prefetch_distance]) & ring.slot_mask) * ring.slot_stride +
                               offset + targets[k + prefetch_distance], 1);
#endif
      real_t* slot = ring.base + ((step + delays[k]) & ring.slot_mask) * ring.slot_stride + offset;
      slot[targets[k]] += weights ? weights[k] : weight;
    }
  } else {
    for (std::uint64_t k = k0; k < k1; ++k) {
      real_t* slot = ring.base + ((step + delays[k]) & ring.slot_mask) * ring.slot_stride + offset;
      slot[targets[k]] += (weights ? weights[k] : weight) * efficacy;
    }
  }
}

}  // namespace volley::kernels
