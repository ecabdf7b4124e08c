#!/usr/bin/env bash
# Packs a CUDA build made on this machine for the `device` tool's GPU machine, whose image has CUDA but none of
# volley's other dependencies (fmt, HDF5, GoogleTest, ...) and no package registry. Device time is scarce, so the
# build happens here (nvcc needs no GPU) and only the programs and the shared libraries they load travel:
#   cmake -S . -B build-dev -DVOLLEY_GPU=cuda -DVOLLEY_NATIVE=OFF && cmake --build build-dev -j2
#   bash tools/gpu_pack.sh build-dev .devpack        # then carry .devz (both listed in .git/info/exclude)
# On the device: tar -xzf .devz/pack.tgz && bash tools/gpu_session.sh --prebuilt .devpack
# VOLLEY_NATIVE=OFF: the device's CPU may lack this machine's instructions (-march=native would use AVX-512 here).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-dev}
pack=${2:-.devpack}
mkdir -p "$(git rev-parse --git-dir)/info"
exclude="$(git rev-parse --git-dir)/info/exclude"
grep -qx "/$pack/" "$exclude" 2>/dev/null || echo "/$pack/" >> "$exclude"
rm -rf "$pack"
mkdir -p "$pack/bin" "$pack/lib"
programs=("$build/volley" "$build/tests/volley_gpu_tests")
for optional in tests/volley_tests bench/volley_bench_train bench/volley_bench_pd14_nest; do  # absent from builds of the GPU tests alone
  [[ -x "$build/$optional" ]] && programs+=("$build/$optional")
done
for p in "${programs[@]}"; do strip -o "$pack/bin/$(basename "$p")" "$p"; done
strip -o "$pack/lib/libvolley.so" "$build/libvolley.so"
# Every shared library the programs load except the C library's own (the device's loader must match those).
for lib in $(ldd "${programs[@]}" "$build/libvolley.so" | awk '/=> \//{print $3}' | sort -u); do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libresolv.so*|ld-linux*|libvolley.so) ;;
    *) cp -L "$lib" "$pack/lib/" ;;
  esac
done
# A Fashion-MNIST subset (12,000 training images, the 10,000 test images: ~10 MB) for seconds per epoch on the GPU
# (tools/gpu_session.sh): the whole set (30 MB) does not fit beside the pack and the tree.
fashion=/usr/share/datasets/fashion-mnist
if [[ -e "$fashion/train-images-idx3-ubyte.gz" ]]; then
  mkdir -p "$pack/fashion-mnist"
  for kind in images-idx3 labels-idx1; do
    python3 tools/idx_head.py "$fashion/train-$kind-ubyte.gz" 12000 "$pack/fashion-mnist/train-$kind-ubyte.gz"
    cp "$fashion/t10k-$kind-ubyte.gz" "$pack/fashion-mnist/"
  done
fi
# Where the build was made: the tests read data from the source tree by absolute path (VOLLEY_SOURCE_DIR).
echo "$PWD" > "$pack/source_dir"
du -sh "$pack"
# The device tool carries at most 64 MiB with the tree; the pack (libvolley.so's device code alone is ~57 MB)
# travels compressed: carry .devz and run `tar -xzf .devz/pack.tgz` there first.
grep -qx "/.devz/" "$exclude" 2>/dev/null || echo "/.devz/" >> "$exclude"
mkdir -p .devz
tar -czf .devz/pack.tgz "$pack"
du -sh .devz/pack.tgz
