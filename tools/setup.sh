#!/usr/bin/env bash
# One command for a fresh Debian/Ubuntu machine: install dependencies, build volley with the best backend this
# machine can run, and simulate the COBA example (examples/coba.json).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -e /dev/kfd ]]; then bash tools/install_deps.sh --hip; else bash tools/install_deps.sh; fi
# CUDA when the toolkit is installed, HIP on a machine with an AMD GPU, else the CPU (OpenMP) only. A GPU build
# still runs on the CPU (`--backend auto` says which) when no device answers.
gpu=$(bash tools/detect_gpu.sh)
export PATH="$PATH:/usr/local/cuda/bin"
cmake -S . -B build $(bash tools/cmake_generator.sh build) -DCMAKE_BUILD_TYPE=Release -DVOLLEY_GPU="$gpu" > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j"$(nproc)" >> build.log 2>&1 || { tail -50 build.log; exit 1; }
./build/volley info
./build/volley run examples/coba.json --backend auto --out coba.h5 --summary-json coba_summary.json
