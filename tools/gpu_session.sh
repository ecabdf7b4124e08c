#!/usr/bin/env bash
# One batch for a machine with an NVIDIA GPU (the `device` tool's H100): build with CUDA, run the GPU-labelled
# tests, then the GPU benchmarks; everything worth keeping goes to ${OUT:-gpu_out}/. Device time is scarce:
# this is meant to run as a single command.
#   bash tools/gpu_session.sh [--tests-only]
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu_out}
mkdir -p "$out"
export PATH="$PATH:/usr/local/cuda/bin"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DVOLLEY_GPU=cuda -DVOLLEY_BUILD_BENCH=OFF > "$out/build.log" 2>&1 &&
  cmake --build build-gpu -j"$(nproc)" >> "$out/build.log" 2>&1 || { tail -60 "$out/build.log"; exit 1; }
./build-gpu/volley info | tee "$out/info.txt"
(cd build-gpu && ctest -L gpu --output-on-failure --timeout 900) > "$out/gpu_tests.txt" 2>&1
tail -30 "$out/gpu_tests.txt"
(cd build-gpu && ctest -LE gpu -j8 --timeout 900) > "$out/other_tests.txt" 2>&1
tail -5 "$out/other_tests.txt"
[[ "${1:-}" == "--tests-only" ]] && exit 0
python3 bench/run_cpu.py --volley build-gpu/volley --backend gpu --scales 1,10,100 --cobahh-scales 1,10 \
  --pd14-duration "1 s" > "$out/bench_gpu.json" 2> "$out/bench_gpu.err"
cat "$out/bench_gpu.err"
cp bench/results/gpu-*.json "$out/" 2>/dev/null || true
