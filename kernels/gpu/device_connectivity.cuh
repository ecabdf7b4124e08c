#pragma once
// Synapses drawn on the device (kernels/gpu/connectivity_build.cu): per projection of the network, the arrays the
// propagation reads, in the layout the host would have uploaded (CSR by source, targets ascending per row).
#include <cstdint>
#include <vector>

#include "engine/config.hpp"
#include "host/gpu_engine.hpp"
#include "kernels/gpu/device_array.cuh"

namespace volley::gpu {

struct device_synapses {
  bool built = false;  // false: the projection was not drawn on the device (use the host arrays)
  device_array<std::uint64_t> row_ptr;
  device_array<std::uint16_t> targets16;  // when the target range has at most 65536 neurons
  device_array<index_t> targets32;
  device_array<real_t> weights;           // empty: the homogeneous weight
  device_array<std::uint16_t> delays;     // empty: the homogeneous delay
};

class device_connectivity {
 public:
  std::vector<device_synapses> projections;  // indexed like network::projections()
  int device = 0;
  double build_s = 0;  // wall time of the device build, transfers of the row pointers included
};

}  // namespace volley::gpu
