// The GPU training path: the portable training engine (engine/train_portable.hpp) on the GPU executor. The model
// bodies, the scheduling and the index-parallel kernels are the ones tests run on the CPU (host_exec).
#include "engine/train_portable.hpp"
#include "host/gpu_train.hpp"
#include "kernels/gpu/train_gpu_exec.cuh"

namespace volley::gpu {

std::unique_ptr<train::engine_interface> make_train_engine(train::network& net, const train::engine_options& options,
                                                           int device) {
  VOLLEY_GPU_CHECK(set_device(device));
  device_properties p;
  VOLLEY_GPU_CHECK(properties(device, &p));
  gpu_exec x;
  x.device = device;
  x.device_name = p.name;
  return std::make_unique<train::portable_engine<gpu_exec>>(net, options, x);
}

}  // namespace volley::gpu
