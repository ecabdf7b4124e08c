#pragma once
// When the GPU tests (label "gpu") run, skip, or check their own harness. VOLLEY_EQUIVALENCE_SELF_CHECK=1 runs the
// "GPU" side on the CPU instead (tests/CMakeLists.txt: gpu_equivalence_harness_on_cpu), which checks the harness
// where no GPU is lent.
#include <cstdlib>
#include <string>

#include "host/gpu_engine.hpp"

namespace volley::test {

inline bool self_check() { return std::getenv("VOLLEY_EQUIVALENCE_SELF_CHECK") != nullptr; }

// Empty when a GPU answers (or in the self-check), else why not, ending with `unchecked` (what the skip leaves
// unchecked). GTEST_SKIP must be called in the test body itself.
inline std::string no_gpu_reason(const std::string& unchecked) {
  if (self_check()) return "";
  static const gpu::probe_result probe = gpu::probe();
  if (probe.usable) return "";
  return "no usable GPU (" + (probe.dialect.empty() ? std::string("none compiled in") : probe.problem) + "): " +
         unchecked;
}

}  // namespace volley::test
