#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages volley builds on. Idempotent: does nothing when all are present.
set -euo pipefail
packages=(cmake g++ make ninja-build pkg-config libgtest-dev libgmock-dev libbenchmark-dev libfmt-dev librandom123-dev
          libhdf5-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
          python3-sklearn dataset-fashion-mnist)  # training data: sklearn's digits CSV, Fashion-MNIST IDX files
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3 python3-brian python3-numpy) ;;
    --hip) packages+=(hipcc librocprim-dev) ;;  # HIP backend for AMD GPUs (Debian's ROCm 5.2)
    --sanitize) packages+=(clang libomp-dev) ;;  # the ASan + UBSan build (tools/test.sh --sanitize): clang, LLVM's OpenMP
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi
echo "volley: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
