#pragma once
// exp and expm1 written in plain arithmetic: the same bits on every backend (CPU, CUDA, HIP; no FMA contraction in
// any of our builds) and branch-free, so the CPU launcher's neuron loops vectorise through them (libm's scalar
// exp/expm1 calls stopped GCC from vectorising the HH-type models; they took 60 % of a COBAHH step).
//
// Method (Cody-Waite): x = n ln2 + r with n = rint(x / ln2), |r| <= ln2/2, ln2 split into a high part with trailing
// zero bits (n ln2_hi exact) and a low part; e^r - 1 from its Taylor series to degree 13 (double; the first omitted
// term r^14/14! < 4e-18 relative) or 7 (float; < 6e-9); then e^x = 2^n (1 + (e^r - 1)), the power 2^n built in
// the exponent bits. n = rint(...) comes from adding and subtracting 1.5 * 2^52 (2^23): exact under round-to-nearest
// for |x / ln2| < 2^51 (2^22); no fast-math may reassociate it (none of our builds uses it).
// Accuracy, against libm over [-745, 710] (tests/test_portable_exp.cpp): <= 2 ulp for exp, <= 2 ulp for expm1
// (relative), exact at 0; e^x overflows to +inf above log(DBL_MAX); results below 2^-1021 (x < -707.7; float:
// 2^-125, x < -86.6) are flushed to 0 (expm1: -1): no subnormal results. NaN in gives NaN out.
#include <cstdint>
#include <cstring>  // memcpy, unqualified: HIP declares its device overload in the global namespace
#include <limits>

#include "engine/config.hpp"

namespace volley::models {

namespace portable_exp_detail {

template <class T>
struct traits;
template <>
struct traits<double> {
  using bits = std::uint64_t;
  static constexpr double round_magic = 6755399441055744.0;  // 1.5 * 2^52
  static constexpr double log2e = 1.4426950408889634;
  static constexpr double ln2_hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000: 32 trailing zero bits
  static constexpr double ln2_lo = 1.90821492927058770002e-10;
  static constexpr double max_arg = 709.782712893383973096;    // log(DBL_MAX)
  static constexpr double min_arg = -707.703310630;             // log(2^-1021), rounded up
  static constexpr double big_arg = 709.0;                      // n <= 1023 below: 2^n is finite
  static constexpr int mantissa_bits = 52, exponent_bias = 1023, degree = 13;
};
template <>
struct traits<float> {
  using bits = std::uint32_t;
  static constexpr float round_magic = 12582912.0f;  // 1.5 * 2^23
  static constexpr float log2e = 1.44269504f;
  static constexpr float ln2_hi = 0.693145751953125f;  // 0x3f317200: 12 trailing zero bits
  static constexpr float ln2_lo = 1.42860682030941723212e-6f;
  static constexpr float max_arg = 88.7228391f;   // log(FLT_MAX)
  static constexpr float min_arg = -86.6433f;     // log(2^-125), rounded up
  static constexpr float big_arg = 88.0f;         // n <= 127 below
  static constexpr int mantissa_bits = 23, exponent_bias = 127, degree = 7;
};

// Reduction of x (already clamped to [min_arg, max_arg]): r, and 2^(n-1) as a number.
template <class T>
VOLLEY_HD VOLLEY_INLINE void reduce(T x, T& r, T& half_scale) {
  using tr = traits<T>;
  using bits_t = typename tr::bits;
  const T shifted = x * tr::log2e + tr::round_magic;  // n in the low mantissa bits
  const T n = shifted - tr::round_magic;
  r = (x - n * tr::ln2_hi) - n * tr::ln2_lo;
  bits_t shifted_bits, magic_bits;
  const T magic = tr::round_magic;
  memcpy(&shifted_bits, &shifted, sizeof shifted_bits);
  memcpy(&magic_bits, &magic, sizeof magic_bits);
  const bits_t biased = shifted_bits - magic_bits + static_cast<bits_t>(tr::exponent_bias - 1);  // n - 1 + bias >= 1
  const bits_t scale_bits = biased << tr::mantissa_bits;
  memcpy(&half_scale, &scale_bits, sizeof half_scale);
}

// e^r - 1 for |r| <= ln2/2: r + r^2 (1/2! + r (1/3! + ...)), Horner from the highest term.
template <class T>
VOLLEY_HD VOLLEY_INLINE T expm1_reduced(T r) {
  constexpr int degree = traits<T>::degree;
  // 1/k! for k = 2 .. degree
  constexpr double inv_factorial[] = {1.0 / 2,
                                      1.0 / 6,
                                      1.0 / 24,
                                      1.0 / 120,
                                      1.0 / 720,
                                      1.0 / 5040,
                                      1.0 / 40320,
                                      1.0 / 362880,
                                      1.0 / 3628800,
                                      1.0 / 39916800,
                                      1.0 / 479001600,
                                      1.0 / 6227020800};
  T p = static_cast<T>(inv_factorial[degree - 2]);
  for (int k = degree - 1; k >= 2; --k) p = p * r + static_cast<T>(inv_factorial[k - 2]);
  return r + (r * r) * p;
}

template <class T>
VOLLEY_HD VOLLEY_INLINE T clamp_arg(T x) {
  using tr = traits<T>;
  T c = x > tr::max_arg ? tr::max_arg : x;
  c = c < tr::min_arg ? tr::min_arg : c;
  return c;
}

}  // namespace portable_exp_detail

// e^x; +inf above log(max), 0 below log(min normal), NaN for NaN.
template <class T>
VOLLEY_HD VOLLEY_INLINE T portable_exp(T x) {
  using namespace portable_exp_detail;
  T r, half;
  reduce(clamp_arg(x), r, half);
  const T e = ((expm1_reduced(r) + T(1)) * half) * T(2);
  T out = x > traits<T>::max_arg ? std::numeric_limits<T>::infinity() : e;
  out = x < traits<T>::min_arg ? T(0) : out;
  return x != x ? x : out;
}

// e^x - 1, accurate relative to the result near 0; +inf above log(max), -1 below log(min normal), NaN for NaN.
template <class T>
VOLLEY_HD VOLLEY_INLINE T portable_expm1(T x) {
  using namespace portable_exp_detail;
  T r, half;
  reduce(clamp_arg(x), r, half);
  const T m = expm1_reduced(r);
  const T scale = half * T(2);  // 2^n: +inf when n = 1024 (then the other form below is taken)
  const T e_moderate = scale * m + (scale - T(1));       // 2^n (1 + m) - 1; = m exactly when n = 0
  const T e_big = ((m + T(1)) * half) * T(2) - T(1);      // near overflow, where - 1 is lost anyway
  const T e = x > traits<T>::big_arg ? e_big : e_moderate;
  T out = x > traits<T>::max_arg ? std::numeric_limits<T>::infinity() : e;
  out = x < traits<T>::min_arg ? T(-1) : out;
  return x != x ? x : out;
}

}  // namespace volley::models
