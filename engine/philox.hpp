#pragma once
// Philox4x32-10 counter-based block generator (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as
// 1, 2, 3", SC 2011). Written from the paper's definition so that one source compiles as host code, CUDA device code
// and hip-clang device code (Random123's own headers do not build under hip-clang). Bit-identical to Random123's
// r123::Philox4x32_10; tests/test_random.cpp checks that and the published known-answer vectors.
//
// Device-callable: no STL, no exceptions, only 32- and 64-bit integer arithmetic.
#include <cstdint>

#include "engine/config.hpp"

namespace volley::rng {

struct u32x4 {
  std::uint32_t v[4];
};

struct u32x2 {
  std::uint32_t v[2];
};

namespace detail {

inline constexpr std::uint32_t philox_m0 = 0xD2511F53u;  // round multipliers
inline constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
inline constexpr std::uint32_t philox_w0 = 0x9E3779B9u;  // Weyl key increments: golden ratio, sqrt(3) - 1
inline constexpr std::uint32_t philox_w1 = 0xBB67AE85u;

// One S-box round: two 32x32 -> 64-bit products; the high halves are mixed with the other words and the key.
VOLLEY_HD inline u32x4 philox_round(u32x4 c, u32x2 k) {
  const std::uint64_t p0 = static_cast<std::uint64_t>(philox_m0) * c.v[0];
  const std::uint64_t p1 = static_cast<std::uint64_t>(philox_m1) * c.v[2];
  const auto hi0 = static_cast<std::uint32_t>(p0 >> 32);
  const auto lo0 = static_cast<std::uint32_t>(p0);
  const auto hi1 = static_cast<std::uint32_t>(p1 >> 32);
  const auto lo1 = static_cast<std::uint32_t>(p1);
  return u32x4{{hi1 ^ c.v[1] ^ k.v[0], lo1, hi0 ^ c.v[3] ^ k.v[1], lo0}};
}

VOLLEY_HD inline u32x2 philox_bump_key(u32x2 k) { return u32x2{{k.v[0] + philox_w0, k.v[1] + philox_w1}}; }

}  // namespace detail

// Maps a 128-bit counter under a 64-bit key to 128 pseudo-random bits. Round r (0-based) uses key + r * (w0, w1).
VOLLEY_HD inline u32x4 philox4x32_10(u32x4 counter, u32x2 key) {
  counter = detail::philox_round(counter, key);
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
#pragma unroll
#endif
  for (int round = 1; round < 10; ++round) {
    key = detail::philox_bump_key(key);
    counter = detail::philox_round(counter, key);
  }
  return counter;
}

}  // namespace volley::rng
