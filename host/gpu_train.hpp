#pragma once
// The GPU training engine, as host code compiled without a GPU compiler sees it: kernels/gpu/train_engine.cu, or
// in builds without a GPU backend kernels/gpu/no_gpu.cpp, which throws not_compiled_error.
#include <memory>

#include "engine/train_engine.hpp"

namespace volley::gpu {

// The portable training engine (engine/train_portable.hpp) on GPU `device`. Throws device_error when a runtime
// call fails.
std::unique_ptr<train::engine_interface> make_train_engine(train::network& net, const train::engine_options& options,
                                                           int device);

}  // namespace volley::gpu
