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
  mkdir -p build-gpu/bin && ln -sf ../volley ../tests/volley_gpu_tests ../tests/volley_tests build-gpu/bin/ 2>/dev/null
  bin=build-gpu/bin
fi
"$bin/volley" info 2>&1 | tee -a "$out/info.txt"
timeout 200 "$bin/volley_gpu_tests" > "$out/gpu_tests.txt" 2>&1
echo "gpu tests exit $?"
grep -E "^\[  (FAILED|PASSED|SKIPPED) |OK \]|FAILED  \]|Failure|error" "$out/gpu_tests.txt" | head -40
# compute-sanitizer (memcheck) over a small COBA run on the GPU: out-of-bounds and misaligned accesses.
python3 tools/make_spec.py coba --scale 0.25 --duration "50 ms" > /tmp/coba_small.json 2> "$out/sanitizer.txt" &&
  timeout 120 compute-sanitizer --tool memcheck --error-exitcode 3 "$bin/volley" run /tmp/coba_small.json \
    --backend gpu --no-record >> "$out/sanitizer.txt" 2>&1
echo "compute-sanitizer exit $?"
tail -8 "$out/sanitizer.txt"
((tests_only)) && exit 0
eval "bench_args=(${BENCH_ARGS:---scales 1,10,100 --cobahh-scales 1,10 --pd14-duration '1 s'})"
eval "det_args=(${DET_ARGS:---scales 10,100 --no-pd14})"
timeout 400 python3 bench/run_cpu.py --volley "$bin/volley" --backend gpu --no-save "${bench_args[@]}" \
  > "$out/bench_gpu.json" 2> "$out/bench.err"
timeout 120 python3 bench/run_cpu.py --volley "$bin/volley" --backend gpu --no-save --deterministic "${det_args[@]}" \
  > "$out/bench_gpu_deterministic.json" 2>> "$out/bench.err"
cat "$out/bench.err"
