#pragma once
// Backend selection: which of the compiled backends runs a simulation.
#include <string>

namespace volley {

// cpu: OpenMP. gpu: the GPU backend of this build (CUDA or HIP). automatic: gpu when a device answers, else cpu.
// cuda / hip: gpu, naming the dialect (an error when the build has the other one or none).
enum class backend_kind { cpu, gpu, automatic, cuda, hip };

struct backend_decision {
  backend_kind kind = backend_kind::cpu;  // cpu or gpu
  std::string note;                       // why `automatic` chose the CPU ("" otherwise)
};

// Resolves a request against this build and this machine. Throws not_compiled_error when the requested GPU
// dialect is not compiled in, device_unavailable_error when it is but no device answers.
backend_decision resolve_backend(backend_kind requested);

// "auto", "cpu", "gpu", "cuda", "hip"; anything else is a parameter_error naming `where`.
backend_kind parse_backend(const std::string& text, const std::string& where);
const char* backend_name(backend_kind k);

// The most CPU threads a run or a training may ask for: far above any machine's cores, far below where OpenMP
// fails to create its threads (libgomp segfaults at ~1e5).
inline constexpr int max_cpu_threads = 1024;

}  // namespace volley
