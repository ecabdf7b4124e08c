// models/portable_exp.hpp against the C library's exp and expm1: accuracy in units in the last place over the
// whole finite range and near 0, and the edges (overflow, flush below the smallest normal, NaN, exact 0).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "models/portable_exp.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_portable_exp {

using volley::models::portable_exp;
using volley::models::portable_expm1;

namespace {

// |a - b| in units of the last place of b (b finite and nonzero).
template <class T>
double ulp_distance(T a, T b) {
  if (a == b) return 0;
  const T ulp = std::nextafter(std::fabs(b), std::numeric_limits<T>::infinity()) - std::fabs(b);
  return std::fabs(static_cast<double>(a) - static_cast<double>(b)) / static_cast<double>(ulp);
}

template <class T>
struct worst {
  double exp = 0, expm1 = 0;
};

// Samples uniformly over [lo, hi], and over scaled-down ranges near 0 where expm1's relative accuracy matters.
template <class T>
worst<T> sample(T lo, T hi, int n) {
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(lo, hi);
  worst<T> w;
  for (int i = 0; i < n; ++i) {
    const double scale = i % 3 == 0 ? 1.0 : i % 3 == 1 ? 1e-3 : 1e-9;
    const T x = static_cast<T>(u(gen) * scale);
    w.exp = std::max(w.exp, ulp_distance(portable_exp(x), std::exp(x)));
    w.expm1 = std::max(w.expm1, ulp_distance(portable_expm1(x), std::expm1(x)));
  }
  return w;
}

}  // namespace

TEST(PortableExp, DoubleWithinTwoUlpOfLibm) {
  const auto w = sample<double>(-707.7, 709.7, 600000);
  EXPECT_LE(w.exp, 1.0);
  EXPECT_LE(w.expm1, 2.0);
  // the range of the HH rate functions and exponential-Euler factors, densely
  const auto near = sample<double>(-40, 40, 600000);
  EXPECT_LE(near.exp, 1.0);
  EXPECT_LE(near.expm1, 2.0);
}

TEST(PortableExp, FloatWithinTwoUlpOfLibm) {
  const auto w = sample<float>(-86.6f, 88.7f, 600000);
  EXPECT_LE(w.exp, 1.0);
  EXPECT_LE(w.expm1, 2.0);
}

TEST(PortableExp, EdgesOverflowFlushNanAndZero) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(portable_exp(0.0), 1.0);
  EXPECT_EQ(portable_expm1(0.0), 0.0);
  EXPECT_EQ(portable_expm1(1e-300), 1e-300);  // e^x - 1 = x to the last bit
  EXPECT_EQ(portable_exp(709.79), inf);
  EXPECT_EQ(portable_expm1(709.79), inf);
  EXPECT_EQ(portable_exp(1e6), inf);
  EXPECT_LE(ulp_distance(portable_exp(709.7), std::exp(709.7)), 1.0);  // n = 1024: built as 2 * 2^1023
  EXPECT_LE(ulp_distance(portable_expm1(709.7), std::expm1(709.7)), 1.0);
  EXPECT_EQ(portable_exp(-708.0), 0.0);  // below 2^-1021: flushed, documented
  EXPECT_EQ(portable_exp(-1e6), 0.0);
  EXPECT_EQ(portable_expm1(-1e6), -1.0);
  EXPECT_LE(ulp_distance(portable_exp(-707.6), std::exp(-707.6)), 1.0);
  EXPECT_TRUE(std::isnan(portable_exp(std::nan(""))));
  EXPECT_TRUE(std::isnan(portable_expm1(std::nan(""))));
  EXPECT_EQ(portable_exp(88.8f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(portable_exp(-87.0f), 0.0f);
  EXPECT_LE(ulp_distance(portable_exp(88.7f), std::exp(88.7f)), 1.0);
}

}  // namespace test_portable_exp
