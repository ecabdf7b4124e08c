#pragma once
// What the GPU engine sees of a neuron family's fused update: a family_runner per model, made by name. The
// kernels themselves (kernels/gpu/family_kernels.cuh) are instantiated in kernels/gpu/families_*.cu, a slice of
// models/model_list.hpp each, so that the model kernels compile in parallel and apart from the engine.
#include <memory>
#include <string>
#include <vector>

#include "engine/population.hpp"
#include "kernels/gpu/device_array.cuh"
#include "kernels/gpu/device_mirror.cuh"
#include "kernels/neuron_update.hpp"

namespace volley::gpu {

inline constexpr unsigned update_block = 256;  // threads per block of the update kernels

// Where the ring slots of a population's channels are: slot of step s = base + (s & slot_mask) * slot_stride.
struct ring_table {
  real_t* base[kernels::view_max_channels];  // nullptr: nothing delivers into the channel
  std::uint64_t slot_stride;                 // batch * n
  std::uint32_t slot_mask;                   // slots - 1
};

// This step's spikes of one population: spikes[b * n + k], k < count[b], in no particular order.
struct spike_lists {
  index_t* spikes;
  std::uint32_t* count;
};

// What the engine hands a runner per population.
struct population_binding {
  population* host;
  ring_table rings;  // device ring bases
  spike_lists out;   // device spike lists
};

class family_runner {
 public:
  virtual ~family_runner() = default;
  // Builds the device views (the mirror must be allocated: host pointers are translated into it).
  virtual void bind(const std::vector<population_binding>& family, const device_mirror& mirror, std::uint64_t seed,
                    bool fixed_point_slots) = 0;
  // Registers the read-only arrays the views point to (constants, per-neuron drive) with the mirror.
  virtual void register_arrays(const std::vector<population*>& family, device_mirror& mirror, std::uint64_t seed) = 0;
  // overlap: launched overlapped with the kernel before it (gpu_api.hpp, launch)
  virtual void launch(stream_t stream, const std::uint64_t* clock, bool overlap) const = 0;
};

// The runner for a model name, or nullptr when the model has no GPU kernel (not in models::all_neuron_models).
std::unique_ptr<family_runner> make_family_runner(const std::string& model);

// Slices of models::all_neuron_models, one per kernels/gpu/families_<k>.cu: slice k holds models
// [k n / family_parts, (k + 1) n / family_parts).
inline constexpr int family_parts = 4;

}  // namespace volley::gpu
