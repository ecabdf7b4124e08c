// Linked into builds without a GPU backend (VOLLEY_GPU=none): the GPU entry points say so.
#include "engine/error.hpp"
#include "host/gpu_engine.hpp"

namespace volley::gpu {

probe_result probe() {
  probe_result r;
  r.problem = "no GPU backend compiled in (configure with -DVOLLEY_GPU=cuda or -DVOLLEY_GPU=hip)";
  return r;
}

std::unique_ptr<engine> make_engine(network&, const std::vector<spike_recording>&, const std::vector<trace_recording>&,
                                    const engine_options&) {
  throw not_compiled_error("this build of volley has no GPU backend (configure with -DVOLLEY_GPU=cuda or hip)");
}

}  // namespace volley::gpu
