#!/usr/bin/env bash
# Prints the GPU backend this machine can build: cuda (nvcc found), hip (hipcc found and an AMD GPU present,
# or `--compile-only` given), or none.
if command -v nvcc > /dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]]; then echo cuda; exit 0; fi
if command -v hipcc > /dev/null 2>&1 && { [[ -e /dev/kfd ]] || [[ "${1:-}" == "--compile-only" ]]; }; then
  echo hip; exit 0
fi
echo none
