// Linked into builds without a GPU backend (VOLLEY_GPU=none): the GPU entry points say so.
#include "engine/error.hpp"
#include "host/gpu_engine.hpp"
#include "host/gpu_train.hpp"

namespace volley::gpu {

probe_result probe() {
  probe_result r;
  r.problem = "no GPU backend compiled in (configure with -DVOLLEY_GPU=cuda or -DVOLLEY_GPU=hip)";
  return r;
}

void device_connectivity_deleter::operator()(device_connectivity*) const {}

device_connectivity_ptr build_connectivity_on_device(network&, int) {
  throw not_compiled_error("this build of volley has no GPU backend (configure with -DVOLLEY_GPU=cuda or hip)");
}

void copy_drawn_synapses_to_host(const device_connectivity&, network&) {
  throw not_compiled_error("this build of volley has no GPU backend (configure with -DVOLLEY_GPU=cuda or hip)");
}

std::uint64_t device_bytes(const device_connectivity&) { return 0; }

std::unique_ptr<engine> make_engine(network&, const std::vector<spike_recording>&, const std::vector<trace_recording>&,
                                    const engine_options&, const device_connectivity*) {
  throw not_compiled_error("this build of volley has no GPU backend (configure with -DVOLLEY_GPU=cuda or hip)");
}

std::unique_ptr<train::engine_interface> make_train_engine(train::network&, const train::engine_options&, int) {
  throw not_compiled_error("this build of volley has no GPU backend (configure with -DVOLLEY_GPU=cuda or hip)");
}

}  // namespace volley::gpu
