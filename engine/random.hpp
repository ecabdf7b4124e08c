#pragma once
// Counter-based random streams. A stream is a pure function of (seed, tag, index, step): the same numbers come out
// whichever thread, thread count or backend asks for them, so a simulation does not depend on how it is parallelised.
//
// Layout of one Philox4x32-10 call: key = seed (low word, high word); counter = {block, index, step, tag}, where
// block counts the 4-word blocks the stream has consumed (0, 1, 2, ...). A stream therefore holds 2^34 words before
// it wraps and repeats itself.
//
// Device-callable: no STL, no exceptions, only <cmath> functions that CUDA and HIP provide in device code.
// Bit-identity across backends holds for the integer and uniform draws (pure integer arithmetic); the transcendental
// draws (normal, exponential, and the accept/reject tests of poisson and binomial) call the platform's log/exp/sin,
// which may differ by an ulp between glibc and the GPU math libraries.
#include <cmath>
#include <cstdint>

#include "engine/config.hpp"
#include "engine/philox.hpp"

namespace volley::rng {

// What a stream is used for; keeps the streams of different parts of the simulation independent.
enum class purpose : std::uint32_t {
  connectivity = 1,
  weight = 2,
  delay = 3,
  initial_state = 4,
  input = 5,
  neuron_noise = 6,
  multinomial = 7,
  training = 8,  // trainer: weight initialisation, shuffling, datasets
  transmission = 9,  // unreliable synapses: one draw per (synapse, spike)
  user = 15
};

inline constexpr std::uint32_t object_id_bits = 20;
inline constexpr std::uint32_t max_object_id = (1u << object_id_bits) - 1;  // host code validates ids against this

// tag = (purpose << 20) | object_id. Precondition object_id <= max_object_id (population / projection / input
// number); higher bits are masked off so they can never alias another purpose.
VOLLEY_HD constexpr std::uint32_t make_tag(purpose p, std::uint32_t object_id) {
  return (static_cast<std::uint32_t>(p) << object_id_bits) | (object_id & max_object_id);
}

namespace detail {

inline constexpr double log_sqrt_2pi = 0.91893853320467274178;  // log(sqrt(2 pi))
inline constexpr double two_pi = 6.283185307179586476925;

// Tail of Stirling's series: log(k!) - [(k + 1/2) log(k + 1) - (k + 1) + log(sqrt(2 pi))], for integer k >= 0.
// Exact table (40-digit mpmath) below 10; above, the series in x = k + 1 to x^-9 (truncation error < 1e-14).
// A switch rather than an array: namespace-scope arrays are not readable from CUDA device code.
VOLLEY_HD inline double stirling_tail(double k) {
  if (k < 10.0) {
    switch (static_cast<int>(k)) {
      case 0: return 0.08106146679532725822;
      case 1: return 0.04134069595540929409;
      case 2: return 0.02767792568499833915;
      case 3: return 0.02079067210376509311;
      case 4: return 0.01664469118982119216;
      case 5: return 0.01387612882307074800;
      case 6: return 0.01189670994589177010;
      case 7: return 0.01041126526197209650;
      case 8: return 0.00925546218271273292;
      default: return 0.00833056343336287126;
    }
  }
  const double x = k + 1.0;
  const double x2 = x * x;
  return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * x2)) / x2) / x2) / x2) / x;
}

// log(k!) for integer k >= 0 (relative error ~1e-15); replaces lgamma, which not every device library has.
VOLLEY_HD inline double log_factorial(double k) {
  return (k + 0.5) * ::log(k + 1.0) - (k + 1.0) + log_sqrt_2pi + stirling_tail(k);
}

// Full 64 x 64 -> 128-bit product from 32-bit halves (no __int128, which -Wpedantic and some devices reject).
VOLLEY_HD inline void mul_64x64(std::uint64_t a, std::uint64_t b, std::uint64_t& hi, std::uint64_t& lo) {
  const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
  const std::uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
  const std::uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  const std::uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);  // < 3 * 2^32, no overflow
  lo = (mid << 32) | (ll & 0xFFFFFFFFu);
  hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

// (27 high bits of hi, 26 high bits of lo) * 2^-53: in [0, 1 - 2^-53], exact, so never rounds up to 1.
VOLLEY_HD inline double bits_to_unit(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t k = (static_cast<std::uint64_t>(hi >> 5) << 26) | (lo >> 6);
  return static_cast<double>(k) * 0x1.0p-53;
}

// 24 high bits * 2^-24: in [0, 1 - 2^-24], exact.
VOLLEY_HD inline float bits_to_unit_float(std::uint32_t w) { return static_cast<float>(w >> 8) * 0x1.0p-24f; }

}  // namespace detail

class random_stream {
 public:
  VOLLEY_HD random_stream(std::uint64_t seed, std::uint32_t tag, std::uint32_t index, std::uint32_t step)
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        counter_{{0u, index, step, tag}} {}

  // The stream of element `index` (64 bit: synapse numbers exceed 2^32) at `step`: the index's high half goes to
  // the block counter's upper 16 bits (a stream uses fewer than 2^16 blocks). For tags whose streams are only made
  // this way (purpose::transmission).
  VOLLEY_HD static random_stream for_element(std::uint64_t seed, std::uint32_t tag, std::uint64_t index,
                                             std::uint32_t step) {
    random_stream s(seed, tag, static_cast<std::uint32_t>(index), step);
    s.counter_.v[0] = static_cast<std::uint32_t>(index >> 32) << 16;
    return s;
  }

  VOLLEY_HD std::uint32_t next_u32() {
    if (used_ == 4) {
      block_ = philox4x32_10(counter_, key_);
      ++counter_.v[0];
      used_ = 0;
    }
    // Selects instead of block_.v[used_]: a dynamically indexed array would live in GPU local memory.
    const std::uint32_t w = used_ == 0   ? block_.v[0]
                            : used_ == 1 ? block_.v[1]
                            : used_ == 2 ? block_.v[2]
                                         : block_.v[3];
    ++used_;
    return w;
  }

  // Uniform on the grid k * 2^-53, k in [1, 2^53): 53 random bits from two words, never 0 or 1, mean exactly 1/2.
  // k = 0 (probability 2^-53) is redrawn.
  VOLLEY_HD double uniform() {
    for (;;) {
      const std::uint32_t hi = next_u32();
      const double x = detail::bits_to_unit(hi, next_u32());
      if (x != 0.0) return x;
    }
  }

  // Uniform on the grid k * 2^-24, k in [1, 2^24): one word, never 0 or 1.
  VOLLEY_HD float uniform_float() {
    for (;;) {
      const float x = detail::bits_to_unit_float(next_u32());
      if (x != 0.0f) return x;
    }
  }

  // Unbiased integer in [0, n) (Lemire 2019, multiply-shift with rejection; usually one word). Precondition n >= 1;
  // n = 0 returns 0 without drawing.
  VOLLEY_HD std::uint32_t uniform_index(std::uint32_t n) {
    if (n == 0) return 0;
    std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = (0u - n) % n;  // 2^32 mod n
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next_u32()) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }

  // Unbiased integer in [0, n). n < 2^32 takes the 32-bit path (same words as uniform_index); above, two words
  // per try. Precondition n >= 1; n = 0 returns 0 without drawing.
  VOLLEY_HD std::uint64_t uniform_index64(std::uint64_t n) {
    if (n <= 0xFFFFFFFFu) return uniform_index(static_cast<std::uint32_t>(n));
    std::uint64_t hi = 0, lo = 0;
    detail::mul_64x64(next_u64(), n, hi, lo);
    if (lo < n) {
      const std::uint64_t threshold = (0u - n) % n;  // 2^64 mod n
      while (lo < threshold) detail::mul_64x64(next_u64(), n, hi, lo);
    }
    return hi;
  }

  // Standard normal, Box-Muller. Each pair of uniforms gives two normals; the second is returned by the next call.
  VOLLEY_HD double normal() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    const double r = ::sqrt(-2.0 * ::log(uniform()));
    const double theta = detail::two_pi * uniform();
    spare_normal_ = r * ::sin(theta);
    has_spare_normal_ = true;
    return r * ::cos(theta);
  }

  // Exponential with mean 1 (inversion; uniform() is never 0, so the result is finite and positive).
  VOLLEY_HD double exponential() { return -::log(uniform()); }

  // Poisson with the given mean, exact: inversion (one uniform) for mean < 10, PTRS (Hoermann 1993) above.
  // mean <= 0 or NaN gives 0. Results saturate at 2^32 - 1, so means beyond ~4e9 are not representable.
  VOLLEY_HD std::uint32_t poisson(double mean) {
    if (!(mean > 0.0)) return 0;
    if (!(mean < 4294967295.0)) return 0xFFFFFFFFu;  // also +inf
    const double k = mean < 10.0 ? poisson_inversion(mean) : poisson_ptrs(mean);
    return k >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(k);
  }

  // Poisson(mean) for 0 < mean < 10 when exp(-mean) is already known (per-step drives precompute it): the same
  // numbers as poisson(mean), without the exp.
  VOLLEY_HD std::uint32_t poisson_small(double mean, double exp_neg_mean) {
    return static_cast<std::uint32_t>(poisson_inversion(mean, exp_neg_mean));
  }

  // The inversion sampler as a table, for a mean used many times: cdf[k] = P(N <= k), k < size, summed with the
  // sequential search's own pmf recurrence. With u the stream's first uniform, N = #{k < size : u > cdf[k]} when
  // that is below `size` (the table's tail, u > cdf[size - 1], goes back to poisson_small on the same stream).
  // The counts equal poisson_small's except where the two roundings (running sum here, running difference
  // there) put u on different sides of a boundary: u within an ulp of a cdf value, probability ~1e-16 per draw.
  VOLLEY_HD static void poisson_table(double mean, double exp_neg_mean, double* cdf, int size) {
    double pk = exp_neg_mean, sum = exp_neg_mean;
    cdf[0] = sum;
    for (int k = 1; k < size; ++k) {
      pk *= mean * inverse_of_small(double(k));
      sum += pk;
      cdf[k] = sum;
    }
  }

  // The first two words of for_element(seed, tag, index, step) as a uniform in [0, 1) (0 included: callers compare
  // u < p, so p = 0 never passes), one Philox block of straight-line code.
  VOLLEY_HD static double element_uniform(std::uint64_t seed, std::uint32_t tag, std::uint64_t index,
                                          std::uint32_t step) {
    const u32x4 block = philox4x32_10(
        u32x4{{static_cast<std::uint32_t>(index >> 32) << 16, static_cast<std::uint32_t>(index), step, tag}},
        u32x2{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}});
    return detail::bits_to_unit(block.v[0], block.v[1]);
  }

  // The first uniform() of the stream (seed, tag, index, step), or 0 where uniform() would redraw (probability
  // 2^-53): one Philox block, straight-line code, so a loop over indices vectorises.
  VOLLEY_HD static double first_uniform(std::uint64_t seed, std::uint32_t tag, std::uint32_t index,
                                        std::uint32_t step) {
    const u32x4 block = philox4x32_10(u32x4{{0u, index, step, tag}},
                                      u32x2{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}});
    return detail::bits_to_unit(block.v[0], block.v[1]);
  }

  // Binomial(n, p), exact for n < 2^53: inversion for n * min(p, 1 - p) < 10, BTRS (Hoermann 1993) above, with
  // p > 1/2 drawn as n - Binomial(n, 1 - p). Cost is O(1) expected draws for any n, including n = 1e12, p = 1e-12.
  // p <= 0 or NaN gives 0, p >= 1 gives n.
  VOLLEY_HD std::uint64_t binomial(std::uint64_t n, double p) {
    if (n == 0 || !(p > 0.0)) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - binomial_low_p(n, 1.0 - p);  // 1 - p is exact here (Sterbenz)
    return binomial_low_p(n, p);
  }

 private:
  VOLLEY_HD std::uint64_t next_u64() {
    const std::uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }

  // Sequential search from 0. Values above `bound` have total probability < 1e-25; a draw that runs past it
  // (possible only through rounding in the running sum) is redrawn instead of looping forever.
  VOLLEY_HD double poisson_inversion(double mean) { return poisson_inversion(mean, ::exp(-mean)); }
  VOLLEY_HD double poisson_inversion(double mean, double p0) {
    const double bound = mean + 10.0 * 3.1622776601683795 + 20.0;  // >= mean + 10 sqrt(mean) + 20 for mean < 10
    for (;;) {
      double u = uniform();
      double pk = p0;
      double k = 0.0;
      while (u > pk && k <= bound) {
        u -= pk;
        k += 1.0;
        pk *= mean * inverse_of_small(k);
      }
      if (k <= bound) return k;
    }
  }
  // 1/k without a division for the k a small-mean inversion reaches.
  VOLLEY_HD static double inverse_of_small(double k) {
    switch (static_cast<int>(k)) {
      case 1: return 1.0; case 2: return 1.0 / 2; case 3: return 1.0 / 3; case 4: return 1.0 / 4;
      case 5: return 1.0 / 5; case 6: return 1.0 / 6; case 7: return 1.0 / 7; case 8: return 1.0 / 8;
      default: return 1.0 / k;
    }
  }

  // PTRS, "The transformed rejection method for generating Poisson random variables" (Hoermann 1993), mean >= 10.
  // The acceptance test compares with log(pmf(k)) written in terms of d = k + 1 - mean, which stays accurate for
  // large means, where -mean + k log(mean) - log(k!) would cancel catastrophically.
  VOLLEY_HD double poisson_ptrs(double mean) {
    const double b = 0.931 + 2.53 * ::sqrt(mean);
    const double a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    const double v_r = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
      const double u = uniform() - 0.5;
      const double v = uniform();
      const double us = 0.5 - ::fabs(u);
      const double k = ::floor((2.0 * a / us + b) * u + mean + 0.43);
      if (k < 0.0) continue;
      if (us >= 0.07 && v <= v_r) return k;
      if (us < 0.013 && v > us) continue;
      const double d = k + 1.0 - mean;
      const double log_pmf =
          d - k * ::log1p(d / mean) - 0.5 * ::log(k + 1.0) - detail::log_sqrt_2pi - detail::stirling_tail(k);
      if (::log(v * inv_alpha / (a / (us * us) + b)) <= log_pmf) return k;
    }
  }

  VOLLEY_HD std::uint64_t binomial_low_p(std::uint64_t n, double p) {  // 0 < p <= 1/2
    const auto nd = static_cast<double>(n);
    const double k = nd * p < 10.0 ? binomial_inversion(nd, p) : binomial_btrs(nd, p);
    return k >= nd ? n : static_cast<std::uint64_t>(k);
  }

  // Sequential search from 0 with pmf(k) = pmf(k-1) * (n - k + 1) / k * p / q; q^n through log1p so that p = 1e-12
  // keeps its precision. Redraw past `bound` as in poisson_inversion.
  VOLLEY_HD double binomial_inversion(double n, double p) {
    const double q = 1.0 - p;
    const double r = p / q;
    const double p0 = ::exp(n * ::log1p(-p));
    const double np = n * p;
    const double tail_bound = np + 10.0 * ::sqrt(np * q + 1.0) + 20.0;
    const double bound = tail_bound < n ? tail_bound : n;
    for (;;) {
      double u = uniform();
      double pk = p0;
      double k = 0.0;
      while (u > pk && k <= bound) {
        u -= pk;
        k += 1.0;
        pk *= r * (n - k + 1.0) / k;
      }
      if (k <= bound) return k;
    }
  }

  // BTRS, "The generation of binomial random variates" (Hoermann 1993), for p <= 1/2 and n p >= 10. The log
  // acceptance bound is log(pmf(k) / pmf(m)) at the mode m, arranged (as in TensorFlow's implementation) as
  // Stirling terms whose logarithms have arguments near 1; log1p keeps the (n + 1) log(...) term accurate for n = 1e12.
  VOLLEY_HD double binomial_btrs(double n, double p) {
    const double q = 1.0 - p;
    const double np = n * p;
    const double spq = ::sqrt(np * q);
    const double b = 1.15 + 2.53 * spq;
    const double a = -0.0873 + 0.0248 * b + 0.01 * p;
    const double c = np + 0.5;
    const double v_r = 0.92 - 4.2 / b;
    const double alpha = (2.83 + 5.1 / b) * spq;
    const double r = p / q;
    const double m = ::floor((n + 1.0) * p);
    const double h =
        (m + 0.5) * ::log((m + 1.0) / (r * (n - m + 1.0))) + detail::stirling_tail(m) + detail::stirling_tail(n - m);
    for (;;) {
      const double u = uniform() - 0.5;
      const double v = uniform();
      const double us = 0.5 - ::fabs(u);
      const double k = ::floor((2.0 * a / us + b) * u + c);
      if (k < 0.0 || k > n) continue;
      if (us >= 0.07 && v <= v_r) return k;
      const double nk = n - k + 1.0;
      const double log_ratio = h + (n + 1.0) * ::log1p((k - m) / nk) + (k + 0.5) * ::log(r * nk / (k + 1.0)) -
                               detail::stirling_tail(k) - detail::stirling_tail(n - k);
      if (::log(v * alpha / (a / (us * us) + b)) <= log_ratio) return k;
    }
  }

  u32x2 key_;
  u32x4 counter_;                  // {next block, index, step, tag}
  u32x4 block_{{0u, 0u, 0u, 0u}};  // last Philox output
  std::uint32_t used_ = 4;         // words of block_ already returned; 4 = a fresh block is needed
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace volley::rng
