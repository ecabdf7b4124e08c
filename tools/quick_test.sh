#!/usr/bin/env bash
# Compiles test and model sources against an already built libvolley (CPU, Release) and runs them with GoogleTest,
# without rebuilding the library or the whole suite: for developing a model and its test in isolation.
#   tools/quick_test.sh BUILD_DIR OUT_BINARY SOURCE.cpp... [-- GTEST_ARGS...]
# BUILD_DIR is a CMake build of volley (VOLLEY_GPU=none); its libvolley.so is linked, not rebuilt.
# QT_OPT replaces -O2 (e.g. QT_OPT="-O1 -g -fsanitize=address,undefined" to find a memory error in a model).
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 out=$2
shift 2
sources=()
while [[ $# -gt 0 && "$1" != "--" ]]; do sources+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
c++ -std=c++20 ${QT_OPT:--O2} -ffp-contract=off -fopenmp -Wall -Wextra -Wpedantic -Wno-unknown-pragmas \
  -DVOLLEY_HAVE_OPENMP=1 -DVOLLEY_SOURCE_DIR="\"$PWD\"" -DVOLLEY_CLI_PATH="\"$PWD/$build/volley\"" \
  -I"$PWD" -I/usr/include/hdf5/serial "${sources[@]}" -o "$out" \
  -L"$build" -Wl,-rpath,"$PWD/$build" -lvolley -lgtest -lgtest_main -lpthread
"$out" "$@"
