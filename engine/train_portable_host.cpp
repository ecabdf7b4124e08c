// The portable training engine on the CPU executor (tests), and the choice of a training engine by backend.
#include "engine/train_host_exec.hpp"
#include "engine/train_portable.hpp"
#include "host/backend.hpp"
#include "host/gpu_train.hpp"

namespace volley::train {

std::unique_ptr<engine_interface> make_portable_host_engine(network& net, engine_options options) {
  host_exec x;
  x.threads = options.threads;
  return std::make_unique<portable_engine<host_exec>>(net, options, x);
}

std::unique_ptr<engine_interface> make_engine(network& net, engine_options options, const std::string& backend,
                                              std::string* note) {
  const backend_decision d = resolve_backend(parse_backend(backend, "training backend"));
  if (note) *note = d.note;
  if (d.kind == backend_kind::gpu) return gpu::make_train_engine(net, options, 0);
  return std::make_unique<engine>(net, options);
}

}  // namespace volley::train
