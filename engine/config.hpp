#pragma once
// Build-wide configuration shared by host and device code.
#include <cstdint>

#if defined(__HIP__)
#include <hip/hip_runtime.h>  // __host__, __device__, __forceinline__ under hip-clang
#endif

#if defined(__CUDACC__) || defined(__HIPCC__) || defined(__HIP__)
#define VOLLEY_HD __host__ __device__
#define VOLLEY_DEVICE_COMPILE 1
#else
#define VOLLEY_HD
#endif

// Inlined into the launch loop: the per-neuron bodies are small and the launch loop must see through them.
#if defined(__CUDACC__) || defined(__HIPCC__) || defined(__HIP__)
#define VOLLEY_INLINE __forceinline__
#elif defined(__GNUC__)
#define VOLLEY_INLINE inline __attribute__((always_inline))
#else
#define VOLLEY_INLINE inline
#endif

namespace volley {

// Floating-point type of neuron state, parameters and synaptic weights. One precision per build
// (CMake option VOLLEY_REAL=double|float); NEST-reference validation needs double.
#if defined(VOLLEY_REAL_FLOAT)
using real_t = float;
#else
using real_t = double;
#endif

using index_t = std::uint32_t;  // neuron index inside a population
using step_t = std::uint32_t;   // simulation step counter (2^32 steps = 5 days at dt = 0.1 ms)

// The most neurons of one population (spec files, training layers, the NEST layer's Create): index_t with room to
// pad a population to whole thread blocks.
inline constexpr std::uint64_t max_population_size = 4'000'000'000;

}  // namespace volley
