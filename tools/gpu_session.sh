#!/usr/bin/env bash
# One batch for a machine with an NVIDIA GPU (the `device` tool's H100): the GPU-labelled tests, a
# compute-sanitizer pass over a small network, then the GPU benchmarks; everything worth keeping goes to
# ${OUT:-gpu_out}/. Device time is scarce: this is meant to run as a single command.
#   bash tools/gpu_session.sh --prebuilt .devpack [--tests-only]   # programs packed here by tools/gpu_pack.sh
#   bash tools/gpu_session.sh [--tests-only]                        # builds there (needs all dependencies)
# BENCH_ARGS overrides the benchmark selection (arguments of bench/run_cpu.py, shell-quoted); DET_ARGS that of
# the deterministic-mode runs. At most 8 files come back from the device tool, so logs are few and combined.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu_out}
mkdir -p "$out"
tests_only=0 prebuilt=""
while (($#)); do
  case "$1" in
    --tests-only) tests_only=1 ;;
    --prebuilt) prebuilt=$2; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
export PATH="$PATH:/usr/local/cuda/bin"
nvidia-smi > "$out/info.txt" 2>&1
head -15 "$out/info.txt"
lscpu | grep -E "Model name|^CPU\(s\)" | tee -a "$out/info.txt"
if [[ -n "$prebuilt" ]]; then
  # The tests read data by the absolute source path of the machine that built them.
  src=$(cat "$prebuilt/source_dir")
  [[ -e "$src" ]] || { mkdir -p "$(dirname "$src")" && ln -s "$PWD" "$src"; }
  export LD_LIBRARY_PATH="$PWD/$prebuilt/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  bin=$prebuilt/bin
else
  cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DVOLLEY_GPU=cuda -DVOLLEY_NATIVE=OFF > "$out/build.log" 2>&1 &&
    cmake --build build-gpu -j"$(nproc)" >> "$out/build.log" 2>&1 || { tail -60 "$out/build.log"; exit 1; }
  mkdir -p build-gpu/bin &&
    ln -sf ../volley ../tests/volley_gpu_tests ../tests/volley_tests ../bench/volley_bench_train \
      ../bench/volley_bench_pd14_nest build-gpu/bin/ 2>/dev/null
  bin=build-gpu/bin
fi
"$bin/volley" info 2>&1 | tee -a "$out/info.txt"
timeout 200 "$bin/volley_gpu_tests" > "$out/gpu_tests.txt" 2>&1
echo "gpu tests exit $?"
grep -E "^\[  (FAILED|PASSED|SKIPPED) |OK \]|FAILED  \]|Failure|error" "$out/gpu_tests.txt" | head -40
# compute-sanitizer (memcheck) over a small COBA run on the GPU: out-of-bounds and misaligned accesses (its
# output follows the tests' in gpu_tests.txt: at most 8 files come back).
echo "== compute-sanitizer" >> "$out/gpu_tests.txt"
python3 tools/make_spec.py coba --scale 0.25 --duration "50 ms" > /tmp/coba_small.json 2>> "$out/gpu_tests.txt" &&
  timeout 120 compute-sanitizer --tool memcheck --error-exitcode 3 "$bin/volley" run /tmp/coba_small.json \
    --backend gpu --no-record >> "$out/gpu_tests.txt" 2>&1
echo "compute-sanitizer exit $?"
# ... and over the training kernels (portable training engine on the GPU executor)
timeout 200 compute-sanitizer --tool memcheck --error-exitcode 3 "$bin/volley_gpu_tests" \
  --gtest_filter='GpuTrain.SparseRecurrent*:GpuTrain.TwoHidden*' >> "$out/gpu_tests.txt" 2>&1
echo "compute-sanitizer (training) exit $?"
timeout 200 compute-sanitizer --tool initcheck --error-exitcode 3 "$bin/volley_gpu_tests" \
  --gtest_filter='GpuTrain.Dense*' >> "$out/gpu_tests.txt" 2>&1
echo "compute-sanitizer initcheck (training) exit $?"
# The simulation tests again with the step's kernels launched overlapped (VOLLEY_GPU_OVERLAP=1, gpu_api.hpp launch)
if [[ "${OVERLAP_AB:-1}" != 0 ]]; then
  echo "== VOLLEY_GPU_OVERLAP=1" >> "$out/gpu_tests.txt"
  VOLLEY_GPU_OVERLAP=1 timeout 200 "$bin/volley_gpu_tests" --gtest_filter='-GpuTrain*:GpuMemory*' \
    >> "$out/gpu_tests.txt" 2>&1
  echo "gpu tests with overlapped launches exit $?"
fi
tail -8 "$out/gpu_tests.txt"
((tests_only)) && exit 0
# PD14 through the NEST layer on the GPU (issue 5's benchmark; bench/nest/pd14_nest.py is NEST's side, CPU only)
if [[ -x "$bin/volley_bench_pd14_nest" ]]; then
  timeout 200 "$bin/volley_bench_pd14_nest" --backend auto --threads "$(nproc)" --t-sim "${PD14_NEST_MS:-1000}" \
    > "$out/pd14_nest_layer_gpu.json" 2>> "$out/bench.err"
  echo "pd14 nest layer (gpu) exit $?"
fi
# Where a step's time goes (VOLLEY_GPU_PROFILE=1: CUDA events between the phases, steps launched one by one).
for job in "coba --scale 1 --duration '200 ms'" "coba --scale 100 --duration '200 ms'" "pd14 --duration '300 ms'"; do
  eval "python3 tools/make_spec.py $job --no-record -o /tmp/profile_spec.json" 2>/dev/null
  echo "== $job" >> "$out/profile.txt"
  VOLLEY_GPU_PROFILE=1 timeout 120 "$bin/volley" run /tmp/profile_spec.json --backend gpu --no-record \
    >> "$out/profile.txt" 2>&1
done
grep -A14 "gpu profile" "$out/profile.txt" | head -60
# NCU=1: Nsight Compute on the update and propagation kernels of COBA at scales 1 and 100 (a few launches each).
if [[ "${NCU:-0}" == 1 ]]; then
  for scale in 1 100; do
    python3 tools/make_spec.py coba --scale $scale --duration "30 ms" --no-record -o /tmp/ncu_spec.json 2>/dev/null
    echo "== ncu coba scale $scale" >> "$out/profile.txt"
    VOLLEY_GPU_PROFILE=1 timeout 150 ncu --kernel-name regex:"update_family|propagate" --launch-skip 40 \
      --launch-count 2 --section SpeedOfLight --section Occupancy --section LaunchStats \
      --section MemoryWorkloadAnalysis "$bin/volley" run /tmp/ncu_spec.json --backend gpu --no-record \
      >> "$out/profile.txt" 2>&1
  done
  grep -E "^== ncu|update_family|propagate_kernel|Duration|Registers Per|Achieved Occupancy|Memory Throughput|DRAM Throughput|Local Memory|Theoretical Occ|Block Limit Reg" "$out/profile.txt" | tail -60
fi
eval "bench_args=(${BENCH_ARGS:---scales 1,10,100 --cobahh-scales 1,10 --pd14-duration '1 s'})"
eval "det_args=(${DET_ARGS:---scales 10,100 --no-pd14})"
timeout 400 python3 bench/run_cpu.py --volley "$bin/volley" --backend gpu --no-save "${bench_args[@]}" \
  > "$out/bench_gpu.json" 2> "$out/bench.err"
timeout 120 python3 bench/run_cpu.py --volley "$bin/volley" --backend gpu --no-save --deterministic "${det_args[@]}" \
  > "$out/bench_gpu_deterministic.json" 2>> "$out/bench.err"
# A/B: a second build of libvolley.so in $prebuilt/alt (ALT_NOTE says what differs) runs the same benchmarks;
# without one, the same build with the step's kernels launched overlapped (VOLLEY_GPU_OVERLAP=1; OVERLAP_AB=0: not).
if [[ -n "$prebuilt" && -e "$prebuilt/alt/libvolley.so" ]]; then
  echo "== alt: ${ALT_NOTE:-second build}" >> "$out/bench.err"
  LD_LIBRARY_PATH="$PWD/$prebuilt/alt:$LD_LIBRARY_PATH" timeout 400 python3 bench/run_cpu.py --volley "$bin/volley" \
    --backend gpu --no-save "${bench_args[@]}" > "$out/bench_gpu_alt.json" 2>> "$out/bench.err"
elif [[ "${OVERLAP_AB:-1}" != 0 ]]; then
  echo "== alt: VOLLEY_GPU_OVERLAP=1" >> "$out/bench.err"
  VOLLEY_GPU_OVERLAP=1 timeout 400 python3 bench/run_cpu.py --volley "$bin/volley" \
    --backend gpu --no-save "${bench_args[@]}" > "$out/bench_gpu_alt.json" 2>> "$out/bench.err"
fi
# Training on the GPU: the micro-benchmark of shared/benchmarks.md (TRAIN_ARGS), then seconds per epoch of the
# Yin-Yang example, both into train_gpu.txt.
if [[ -x "$bin/volley_bench_train" ]]; then
  eval "train_args=(${TRAIN_ARGS:---n 4096,8192,16384 --repeats 3})"
  timeout 400 "$bin/volley_bench_train" --backend gpu "${train_args[@]}" > "$out/train_gpu.txt" 2>> "$out/bench.err"
fi
timeout 200 "$bin/volley" train examples/yin_yang_train.json --backend gpu --epochs 3 --quiet \
  --summary-json /tmp/train_yy_gpu.json >> "$out/bench.err" 2>&1 && cat /tmp/train_yy_gpu.json >> "$out/train_gpu.txt"
# Fashion-MNIST (examples/fashion_mnist_train.json, one epoch of the pack's 10,000-image subset): samples/s on
# the GPU; seconds per full epoch (55,000 images) = 55000 / samples_per_s.
if [[ -n "$prebuilt" && -e "$prebuilt/fashion-mnist/train-images-idx3-ubyte.gz" ]]; then
  python3 -c "import json,sys; s=json.load(open('examples/fashion_mnist_train.json'));
s['data'].update({'path': sys.argv[1], 'train': 10000, 'validation': 2000}); json.dump(s, open('/tmp/fm_gpu.json', 'w'))"     "$PWD/$prebuilt/fashion-mnist"
  timeout 200 "$bin/volley" train /tmp/fm_gpu.json --backend gpu --epochs 1 --quiet     --summary-json /tmp/train_fm_gpu.json >> "$out/bench.err" 2>&1 && cat /tmp/train_fm_gpu.json >> "$out/train_gpu.txt"
fi
# CPU_BENCH_ARGS: the same driver on the machine's CPU (all cores), for a GPU-vs-CPU comparison on one machine.
if [[ -n "${CPU_BENCH_ARGS:-}" ]]; then
  eval "cpu_args=($CPU_BENCH_ARGS)"
  echo "== cpu" >> "$out/bench.err"
  timeout 300 python3 bench/run_cpu.py --volley "$bin/volley" --backend cpu --no-save "${cpu_args[@]}" \
    > "$out/bench_cpu.json" 2>> "$out/bench.err"
fi
cat "$out/bench.err"
