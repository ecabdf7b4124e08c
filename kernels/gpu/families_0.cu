// Fused update kernels of slice 0 of models/model_list.hpp (kernels/gpu/family_kernels.cuh).
#include "kernels/gpu/family_kernels.cuh"

namespace volley::gpu {

std::unique_ptr<family_runner> runner_for_part_1(const std::string& model);  // kernels/gpu/families_1.cu
std::unique_ptr<family_runner> runner_for_part_2(const std::string& model);  // kernels/gpu/families_2.cu
std::unique_ptr<family_runner> runner_for_part_3(const std::string& model);  // kernels/gpu/families_3.cu
static_assert(family_parts == 4, "one kernels/gpu/families_<k>.cu per slice");

std::unique_ptr<family_runner> make_family_runner(const std::string& model) {
  if (auto r = runner_for_this_part<0>(model)) return r;
  if (auto r = runner_for_part_1(model)) return r;
  if (auto r = runner_for_part_2(model)) return r;
  return runner_for_part_3(model);
}

}  // namespace volley::gpu
