#!/usr/bin/env bash
# Compiles the HIP backend with Debian's hipcc for gfx90a (no AMD GPU needed) and checks that the binary falls
# back to the CPU, saying why, where no AMD device answers. Part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh --hip
dir=build-hip
# The C++ side at -O0 with clang (the release stage already compiles it optimised with GCC; here it only has to run
# a 20 ms check; clang 14 at -O0: 162 CPU-s, GCC 12: 256); hipcc compiles kernels/gpu/*.cu for gfx90a at -O1 (a
# real HIP build: -O3, cmake/volley_gpu.cmake): the same sources through the same front end and device back end,
# in about half the time; nothing runs on an AMD GPU here.
cxx=()
if command -v clang++ > /dev/null 2>&1; then cxx=(-DCMAKE_CXX_COMPILER=clang++); fi
cmake -S . -B "$dir" $(bash tools/cmake_generator.sh "$dir") "${cxx[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DVOLLEY_GPU=hip -DVOLLEY_HIP_OPT=-O1 \
  -DVOLLEY_BUILD_TESTS=OFF \
  -DVOLLEY_BUILD_BENCH=OFF \
  > "$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
cmake --build "$dir" -j"$(nproc)" --target volley volley_cli >> "$dir.log" 2>&1 || { tail -60 "$dir.log"; exit 1; }
"$dir/volley" info | tee "$dir/info.txt"
grep -q "GPU backend: HIP" "$dir/info.txt"
"$dir/volley" run examples/coba.json --duration "20 ms" --no-record 2> "$dir/auto.txt" > /dev/null
cat "$dir/auto.txt"
if [[ -e /dev/kfd ]]; then exit 0; fi  # a real AMD GPU: auto ran on it
grep -q "backend auto -> cpu" "$dir/auto.txt"
if "$dir/volley" run examples/coba.json --duration "20 ms" --backend hip > /dev/null 2> "$dir/explicit.txt"; then
  echo "check_hip: --backend hip without a device should fail" >&2; exit 1
fi
grep -q "no HIP device is usable" "$dir/explicit.txt"
echo "check_hip: HIP backend compiled for gfx90a; falls back to the CPU without a device"
