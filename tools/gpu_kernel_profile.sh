#!/usr/bin/env bash
# Kernel-level profiles on the device machine, for tuning work done later without a GPU: where the training
# micro-benchmark's time goes per kernel, the durations of the simulation kernels with warm caches, and the warp
# stall reasons of the update and propagation kernels (ncu). Everything goes to ${OUT:-gpu_out}/kernel_profile.txt.
# (The device machine has ncu but no nsys.)
#   bash tools/gpu_kernel_profile.sh .devpack      # a pack made by tools/gpu_pack.sh, already unpacked
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu_out}
mkdir -p "$out"
pack=${1:-.devpack}
src=$(cat "$pack/source_dir")
[[ -e "$src" ]] || { mkdir -p "$(dirname "$src")" && ln -s "$PWD" "$src"; }
export LD_LIBRARY_PATH="$PWD/$pack/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$PATH:/usr/local/cuda/bin"
bin=$pack/bin
log="$out/kernel_profile.txt"
echo "ncu: $(command -v ncu || echo none)" > "$log"

# 1. Training micro-benchmark (N 4096, T 50): GPU time per kernel body (train_for_each_kernel<body> and
# train_tile_kernel<body>), warm caches and the GPU's own clocks (ncu would otherwise flush the caches and lock
# the clocks before every launch).
echo "== training micro-benchmark, N 4096, T 50: time per kernel" >> "$log"
timeout 240 ncu --cache-control none --clock-control none --metrics gpu__time_duration.sum \
  --print-summary per-kernel "$bin/volley_bench_train" --backend gpu --n 4096 --repeats 1 --steps 50 \
  > /tmp/train_ncu.txt 2>&1
grep -v "==PROF==" /tmp/train_ncu.txt | grep -E "train_for_each|train_tile|gpu__time_duration|Invocations|^ *[a-z]" |
  sed 's/(const unsigned int \*, unsigned long, unsigned long, //' >> "$log"

# 2. The simulation kernels as the benchmarks run them (graphs of steps), warm caches and own clocks: durations of
# 30 launches each of update, propagation and end of step, after 300 steps.
for job in "coba --scale 1 --duration '100 ms'" "coba --scale 100 --duration '100 ms'" "pd14 --duration '100 ms'"; do
  eval "python3 tools/make_spec.py $job --no-record -o /tmp/kp_spec.json" 2>/dev/null
  echo "== $job: kernel durations (warm)" >> "$log"
  timeout 150 ncu --cache-control none --clock-control none --metrics gpu__time_duration.sum \
    --kernel-name regex:"update_family|propagate_kernel|end_step" --launch-skip 900 --launch-count 30 \
    --print-summary per-kernel "$bin/volley" run /tmp/kp_spec.json --backend gpu --no-record 2>&1 |
    grep -v "==PROF==" | grep -E "update_family|propagate|end_step|gpu__time_duration" >> "$log"
done

# 3. Warp stall reasons of the update and propagation kernels (COBA 1, COBA 100, PD14).
for job in "coba --scale 1 --duration '20 ms'" "coba --scale 100 --duration '20 ms'" "pd14 --duration '20 ms'"; do
  eval "python3 tools/make_spec.py $job --no-record -o /tmp/kp_spec.json" 2>/dev/null
  echo "== ncu $job" >> "$log"
  VOLLEY_GPU_PROFILE=1 timeout 150 ncu --kernel-name regex:"update_family|propagate_kernel|end_step" \
    --launch-skip 30 --launch-count 3 --section SpeedOfLight --section WarpStateStats --section SchedulerStats \
    --section Occupancy --section LaunchStats "$bin/volley" run /tmp/kp_spec.json --backend gpu --no-record \
    >> "$log" 2>&1
done
grep -E "^==|Duration|Stall|Warp Cycles Per Issued|Issued Warp|No Eligible|Achieved Occ" "$log" | head -80
