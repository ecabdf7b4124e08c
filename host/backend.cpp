#include "host/backend.hpp"

#include "engine/error.hpp"
#include "host/gpu_engine.hpp"

namespace volley {

backend_kind parse_backend(const std::string& text, const std::string& where) {
  if (text == "auto") return backend_kind::automatic;
  if (text == "cpu") return backend_kind::cpu;
  if (text == "gpu") return backend_kind::gpu;
  if (text == "cuda") return backend_kind::cuda;
  if (text == "hip") return backend_kind::hip;
  throw parameter_error(where, "backend", "'" + text + "'", "auto, cpu, gpu, cuda or hip");
}

const char* backend_name(backend_kind k) {
  switch (k) {
    case backend_kind::cpu: return "cpu";
    case backend_kind::gpu: return "gpu";
    case backend_kind::automatic: return "auto";
    case backend_kind::cuda: return "cuda";
    case backend_kind::hip: return "hip";
  }
  return "?";
}

backend_decision resolve_backend(backend_kind requested) {
  if (requested == backend_kind::cpu) return {backend_kind::cpu, ""};
  const gpu::probe_result probe = gpu::probe();
  if (requested == backend_kind::automatic) {
    if (probe.usable) return {backend_kind::gpu, ""};
    return {backend_kind::cpu, "no usable GPU: " + probe.problem};
  }
  const std::string asked = backend_name(requested);
  if (probe.dialect.empty())
    throw not_compiled_error("backend '" + asked + "' is not compiled into this build of volley (configure with " +
                             "-DVOLLEY_GPU=cuda or -DVOLLEY_GPU=hip)");
  const bool dialect_matches = requested == backend_kind::gpu ||
                               (requested == backend_kind::cuda && probe.dialect == "CUDA") ||
                               (requested == backend_kind::hip && probe.dialect == "HIP");
  if (!dialect_matches)
    throw not_compiled_error("backend '" + asked + "' is not compiled into this build of volley (it has " +
                             probe.dialect + "; configure with -DVOLLEY_GPU=" + asked + ")");
  if (!probe.usable)
    throw device_unavailable_error("backend '" + asked + "' requested, but no " + probe.dialect +
                                   " device is usable: " + probe.problem + " (use --backend auto or cpu)");
  return {backend_kind::gpu, ""};
}

}  // namespace volley
