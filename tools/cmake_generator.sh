#!/usr/bin/env bash
# Prints the CMake generator flag for build directory $1: Ninja for a new one (it compiles the tests' objects while
# the library's are still compiling, where make waits for the whole library: a fuller use of the cores), nothing for
# one already configured (CMake keeps its generator).
if [[ ! -f "$1/CMakeCache.txt" ]] && command -v ninja > /dev/null 2>&1; then echo "-GNinja"; fi
