// Fused update kernels of slice 1 of models/model_list.hpp (kernels/gpu/family_kernels.cuh).
#include "kernels/gpu/family_kernels.cuh"

namespace volley::gpu {

std::unique_ptr<family_runner> runner_for_part_1(const std::string& model) {
  return runner_for_this_part<1>(model);
}

}  // namespace volley::gpu
