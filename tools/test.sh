#!/usr/bin/env bash
# Builds volley and runs the whole test suite with CTest. `--sanitize` builds and tests with ASan+UBSan instead
# (in build-sanitize/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
dir=build
# The CUDA backend is compiled (and its CPU fallback tested) wherever nvcc is installed; GPU tests (label gpu)
# skip, saying why, without a device.
export PATH="$PATH:/usr/local/cuda/bin"
flags=(-DCMAKE_BUILD_TYPE=Release -DVOLLEY_GPU="$(bash tools/detect_gpu.sh)")
if [[ "${1:-}" == "--sanitize" ]]; then
  dir=build-sanitize
  # -O1: ASan's recommended level; compiles markedly faster than -O2 (the sanitizer build is CI's longest stage)
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" -DVOLLEY_SANITIZE=ON
         -DVOLLEY_BUILD_BENCH=OFF -DVOLLEY_GPU=none)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$dir" "${flags[@]}" > "$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
cmake --build "$dir" -j"$(nproc)" >> "$dir.log" 2>&1 || { tail -80 "$dir.log"; exit 1; }
cd "$dir" && ctest -j"$(nproc)" --output-on-failure --timeout 900
