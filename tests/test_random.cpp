// Tests of engine/philox.hpp and engine/random.hpp.
//
// Statistical tests use fixed seeds and thresholds at 5 standard errors (chi-square: the Wilson-Hilferty quantile at
// z = 5, upper tail ~3e-7), so they are deterministic, pass with a large margin for a correct generator, and fail for
// wrong distributions. Discrete distributions are checked against a pmf built by ratio recursion from the mode, which
// shares no code with the generators (no log-factorial, no Stirling series).
#include <Random123/philox.h>  // the oracle for our own Philox; only the test includes it
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "engine/philox.hpp"
#include "engine/random.hpp"
#include "kernels/neuron_update.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_random {

namespace {

using volley::rng::make_tag;
using volley::rng::purpose;
using volley::rng::random_stream;
using volley::rng::u32x2;
using volley::rng::u32x4;

constexpr double z_max = 5.0;  // how many standard errors a statistic may be off

// Upper quantile of chi-square with `df` degrees of freedom at normal deviate z (Wilson-Hilferty).
double chi_square_limit(double df, double z = z_max) {
  const double c = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - c + z * std::sqrt(c), 3.0);
}

// ---- Philox ------------------------------------------------------------------------------------------------------

u32x4 random123_philox(u32x4 c, u32x2 k) {
  using engine = r123::Philox4x32_R<10>;  // = r123::Philox4x32 (10 rounds)
  const engine::ctr_type ctr = {{c.v[0], c.v[1], c.v[2], c.v[3]}};
  const engine::key_type key = {{k.v[0], k.v[1]}};
  const engine::ctr_type out = engine{}(ctr, key);
  return u32x4{{out.v[0], out.v[1], out.v[2], out.v[3]}};
}

void expect_same(const u32x4& a, const u32x4& b, const std::string& what) {
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.v[i], b.v[i]) << what << ", word " << i;
}

TEST(philox, matches_random123_on_random_inputs) {
  std::mt19937 gen(20240611u);
  const auto word = [&gen] { return static_cast<std::uint32_t>(gen()); };
  for (int trial = 0; trial < 10000; ++trial) {
    const u32x4 c{{word(), word(), word(), word()}};
    const u32x2 k{{word(), word()}};
    const u32x4 ours = volley::rng::philox4x32_10(c, k);
    const u32x4 theirs = random123_philox(c, k);
    ASSERT_TRUE(ours.v[0] == theirs.v[0] && ours.v[1] == theirs.v[1] && ours.v[2] == theirs.v[2] &&
                ours.v[3] == theirs.v[3])
        << "trial " << trial;
  }
}

// The three Philox4x32-10 lines of Random123's kat_vectors file (counter[4] key[2] -> output[4]); the values were
// also reproduced with /usr/include/Random123/philox.h (Debian librandom123-dev).
TEST(philox, known_answer_vectors) {
  struct kat {
    u32x4 counter;
    u32x2 key;
    u32x4 expected;
  };
  const kat vectors[] = {
      {{{0u, 0u, 0u, 0u}}, {{0u, 0u}}, {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}}},
      {{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}},
       {{0xffffffffu, 0xffffffffu}},
       {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}}},
      {{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
       {{0xa4093822u, 0x299f31d0u}},
       {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}}},
  };
  for (const kat& v : vectors) {
    expect_same(volley::rng::philox4x32_10(v.counter, v.key), v.expected, "ours");
    expect_same(random123_philox(v.counter, v.key), v.expected, "Random123");
  }
}

// ---- stream layout and determinism -------------------------------------------------------------------------------

TEST(random_stream, make_tag_packs_purpose_above_object_id) {
  static_assert(make_tag(purpose::connectivity, 0) == (1u << 20));
  static_assert(make_tag(purpose::weight, 5) == ((2u << 20) | 5u));
  static_assert(make_tag(purpose::user, volley::rng::max_object_id) == ((15u << 20) | 0xFFFFFu));
  // An out-of-range id must not leak into the purpose bits.
  EXPECT_EQ(make_tag(purpose::delay, 1u << 20) >> 20, 3u);
}

// The documented layout (key = seed words, counter = {block, index, step, tag}) is part of the contract: GPU kernels
// and saved reproducibility notes rely on it.
TEST(random_stream, words_are_philox_of_documented_counter) {
  const std::uint64_t seed = 0x0123456789ABCDEFull;
  const std::uint32_t tag = make_tag(purpose::neuron_noise, 17), index = 123456, step = 98765;
  random_stream s(seed, tag, index, step);
  const u32x2 key{{0x89ABCDEFu, 0x01234567u}};
  for (std::uint32_t block = 0; block < 5; ++block) {
    const u32x4 expected = volley::rng::philox4x32_10(u32x4{{block, index, step, tag}}, key);
    for (int w = 0; w < 4; ++w) EXPECT_EQ(s.next_u32(), expected.v[w]) << "block " << block << " word " << w;
  }
}

std::vector<std::uint32_t> first_words(random_stream s, int count) {
  std::vector<std::uint32_t> out(static_cast<std::size_t>(count));
  for (auto& w : out) w = s.next_u32();
  return out;
}

TEST(random_stream, same_arguments_give_same_sequence) {
  const std::uint32_t tag = make_tag(purpose::input, 3);
  EXPECT_EQ(first_words(random_stream(42, tag, 7, 11), 1000), first_words(random_stream(42, tag, 7, 11), 1000));
  random_stream a(42, tag, 7, 11), b(42, tag, 7, 11);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a.normal(), b.normal());
    ASSERT_EQ(a.poisson(23.5), b.poisson(23.5));
    ASSERT_EQ(a.binomial(1000000, 0.3), b.binomial(1000000, 0.3));
    ASSERT_EQ(a.uniform_index(1000), b.uniform_index(1000));
  }
}

TEST(random_stream, any_argument_changes_the_sequence) {
  const std::uint32_t tag = make_tag(purpose::weight, 3);
  const auto base = first_words(random_stream(42, tag, 7, 11), 8);
  EXPECT_NE(base, first_words(random_stream(43, tag, 7, 11), 8)) << "seed, low word";
  EXPECT_NE(base, first_words(random_stream(42 + (1ull << 32), tag, 7, 11), 8)) << "seed, high word";
  EXPECT_NE(base, first_words(random_stream(42, make_tag(purpose::weight, 4), 7, 11), 8)) << "object id";
  EXPECT_NE(base, first_words(random_stream(42, make_tag(purpose::delay, 3), 7, 11), 8)) << "purpose";
  EXPECT_NE(base, first_words(random_stream(42, tag, 8, 11), 8)) << "index";
  EXPECT_NE(base, first_words(random_stream(42, tag, 7, 12), 8)) << "step";
  // Swapping index and step must not alias either.
  EXPECT_NE(first_words(random_stream(42, tag, 7, 11), 8), first_words(random_stream(42, tag, 11, 7), 8));
}

// ---- uniform ----------------------------------------------------------------------------------------------------

TEST(random_stream, unit_interval_mapping_excludes_both_ends) {
  using volley::rng::detail::bits_to_unit;
  using volley::rng::detail::bits_to_unit_float;
  EXPECT_EQ(bits_to_unit(0xffffffffu, 0xffffffffu), 1.0 - 0x1.0p-53);
  EXPECT_EQ(bits_to_unit(0u, 1u << 6), 0x1.0p-53);
  EXPECT_EQ(bits_to_unit(0u, (1u << 6) - 1), 0.0);  // low 6 bits of the second word are unused
  EXPECT_EQ(bits_to_unit(1u << 5, 0u), 0x1.0p-27);
  EXPECT_EQ(bits_to_unit_float(0xffffffffu), 1.0f - 0x1.0p-24f);
  EXPECT_EQ(bits_to_unit_float(1u << 8), 0x1.0p-24f);
}

TEST(random_stream, uniform_moments_and_open_interval) {
  random_stream s(1, make_tag(purpose::user, 1), 0, 0);
  const int n = 1000000;
  double sum = 0, sum_sq = 0, lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    sum += u - 0.5;
    sum_sq += (u - 0.5) * (u - 0.5);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  EXPECT_GT(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_NEAR(sum / n, 0.0, z_max * std::sqrt(1.0 / 12.0 / n));
  // Var((U - 1/2)^2) = 1/80 - 1/144.
  EXPECT_NEAR(sum_sq / n, 1.0 / 12.0, z_max * std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / n));

  random_stream f(1, make_tag(purpose::user, 2), 0, 0);
  double fsum = 0, fsum_sq = 0;
  float flo = 1, fhi = 0;
  for (int i = 0; i < n; ++i) {
    const float u = f.uniform_float();
    fsum += u - 0.5;
    fsum_sq += (u - 0.5) * (u - 0.5);
    flo = std::min(flo, u);
    fhi = std::max(fhi, u);
  }
  EXPECT_GT(flo, 0.0f);
  EXPECT_LT(fhi, 1.0f);
  EXPECT_NEAR(fsum / n, 0.0, z_max * std::sqrt(1.0 / 12.0 / n));
  EXPECT_NEAR(fsum_sq / n, 1.0 / 12.0, z_max * std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / n));
}

// ---- uniform_index ----------------------------------------------------------------------------------------------

// Independent Lemire reference: threshold 2^32 mod n computed in 64 bits; counts the words it used.
std::uint32_t reference_index(random_stream& words, std::uint32_t n, std::uint64_t& used) {
  const std::uint64_t threshold = (std::uint64_t{1} << 32) % n;
  for (;;) {
    const std::uint64_t m = std::uint64_t{words.next_u32()} * n;
    ++used;
    if ((m & 0xFFFFFFFFu) >= threshold) return static_cast<std::uint32_t>(m >> 32);
  }
}

TEST(random_stream, uniform_index_matches_reference_word_for_word) {
  const std::uint32_t sizes[] = {1u, 2u, 3u, 7u, 1000u, (1u << 31) + 1u, (1u << 31) + 12345u, 0xFFFFFFFFu};
  for (const std::uint32_t n : sizes) {
    random_stream s(9, make_tag(purpose::connectivity, 1), n, 0), ref(9, make_tag(purpose::connectivity, 1), n, 0);
    std::uint64_t used = 0;
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) {
      const std::uint32_t k = s.uniform_index(n);
      ASSERT_LT(k, n);
      ASSERT_EQ(k, reference_index(ref, n, used)) << "n = " << n << ", draw " << i;
    }
    EXPECT_EQ(s.next_u32(), ref.next_u32()) << "n = " << n << ": different number of words consumed";
    // Rejection happens with probability (2^32 mod n) / 2^32 (about 1/2 for n just above 2^31).
    const double reject = static_cast<double>((std::uint64_t{1} << 32) % n) * 0x1.0p-32;
    const double mean_words = draws / (1.0 - reject);
    const double sd_words = std::sqrt(draws * reject) / (1.0 - reject);
    EXPECT_NEAR(static_cast<double>(used), mean_words, z_max * sd_words + 1e-9) << "n = " << n;
  }
  random_stream s(9, 0, 0, 0);
  EXPECT_EQ(s.uniform_index(0), 0u);
}

// Chi-square over `bins` equal ranges of [0, n) (for n not divisible by bins the bin widths, and so the expected
// counts, differ by one value at most).
void expect_uniform_index_chi_square(std::uint32_t n, std::uint32_t bins, int draws, std::uint32_t stream_index) {
  random_stream s(77, make_tag(purpose::connectivity, 2), stream_index, 0);
  std::vector<double> count(bins, 0.0);
  for (int i = 0; i < draws; ++i) {
    const std::uint32_t k = s.uniform_index(n);
    ASSERT_LT(k, n);
    count[static_cast<std::size_t>(std::uint64_t{k} * bins / n)] += 1.0;
  }
  double chi2 = 0.0;
  for (std::uint32_t b = 0; b < bins; ++b) {
    // Values v with floor(v * bins / n) == b: v in [ceil(b n / bins), ceil((b + 1) n / bins)).
    const auto first = (std::uint64_t{b} * n + bins - 1) / bins;
    const auto last = (std::uint64_t{b + 1} * n + bins - 1) / bins;
    const double expected = draws * static_cast<double>(last - first) / n;
    chi2 += (count[b] - expected) * (count[b] - expected) / expected;
  }
  EXPECT_LT(chi2, chi_square_limit(bins - 1.0)) << "n = " << n;
}

TEST(random_stream, uniform_index_chi_square) {
  expect_uniform_index_chi_square(7, 7, 700000, 0);
  expect_uniform_index_chi_square(1000, 1000, 1000000, 1);
  // n just above 2^31: half of all words are rejected; a modulo-biased method would put 2/3 of the mass in the
  // lower half.
  expect_uniform_index_chi_square((1u << 31) + 12345u, 64, 640000, 2);
  expect_uniform_index_chi_square((1u << 31) - 1u, 64, 640000, 3);
}

TEST(random_stream, uniform_index64_matches_128_bit_reference) {
  __extension__ using u128 = unsigned __int128;
  std::mt19937_64 gen(5);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t a = gen(), b = gen();
    std::uint64_t hi = 0, lo = 0;
    volley::rng::detail::mul_64x64(a, b, hi, lo);
    const u128 p = static_cast<u128>(a) * b;
    ASSERT_EQ(hi, static_cast<std::uint64_t>(p >> 64));
    ASSERT_EQ(lo, static_cast<std::uint64_t>(p));
  }
  const std::uint64_t sizes[] = {(1ull << 32), (1ull << 32) + 1, (1ull << 63) + 3, 1000000000000ull, ~0ull};
  for (const std::uint64_t n : sizes) {
    random_stream s(3, 0, 1, 2), ref(3, 0, 1, 2);
    const u128 threshold = ((static_cast<u128>(1) << 64) % n);
    double sum = 0.0;
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) {
      const std::uint64_t k = s.uniform_index64(n);
      ASSERT_LT(k, n);
      std::uint64_t expected = 0;
      for (;;) {
        const std::uint64_t hi = ref.next_u32();
        const u128 m = static_cast<u128>((hi << 32) | ref.next_u32()) * n;
        if (static_cast<std::uint64_t>(m) >= threshold) {
          expected = static_cast<std::uint64_t>(m >> 64);
          break;
        }
      }
      ASSERT_EQ(k, expected) << "n = " << n << ", draw " << i;
      sum += static_cast<double>(k) / static_cast<double>(n) - 0.5;
    }
    EXPECT_NEAR(sum / draws, 0.0, z_max * std::sqrt(1.0 / 12.0 / draws)) << "n = " << n;
  }
  // Below 2^32 it is uniform_index, word for word.
  random_stream a(3, 0, 1, 2), b(3, 0, 1, 2);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.uniform_index64(1000), b.uniform_index(1000));
}

// ---- continuous distributions -----------------------------------------------------------------------------------

TEST(random_stream, normal_moments) {
  random_stream s(2, make_tag(purpose::neuron_noise, 0), 0, 0);
  const int n = 1000000;
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0, pair = 0, below_0 = 0, below_1 = 0, below_m196 = 0;
  for (int i = 0; i < n / 2; ++i) {
    const double x = s.normal(), y = s.normal();  // y is the cached second value of the Box-Muller pair
    pair += x * y;
    for (const double z : {x, y}) {
      m1 += z;
      m2 += z * z;
      m3 += z * z * z;
      m4 += z * z * z * z;
      below_0 += z < 0.0;
      below_1 += z < 1.0;
      below_m196 += z < -1.96;
    }
  }
  EXPECT_NEAR(m1 / n, 0.0, z_max * std::sqrt(1.0 / n));
  EXPECT_NEAR(m2 / n, 1.0, z_max * std::sqrt(2.0 / n));
  EXPECT_NEAR(m3 / n, 0.0, z_max * std::sqrt(15.0 / n));
  EXPECT_NEAR(m4 / n, 3.0, z_max * std::sqrt(96.0 / n)) << "kurtosis";
  EXPECT_NEAR(pair / (n / 2), 0.0, z_max * std::sqrt(1.0 / (n / 2))) << "the two values of a pair correlate";
  const auto expect_fraction = [&](double count, double p, const char* what) {
    EXPECT_NEAR(count / n, p, z_max * std::sqrt(p * (1 - p) / n)) << what;
  };
  expect_fraction(below_0, 0.5, "P(X < 0)");
  expect_fraction(below_1, 0.5 * std::erfc(-1.0 / std::sqrt(2.0)), "P(X < 1)");
  expect_fraction(below_m196, 0.5 * std::erfc(1.96 / std::sqrt(2.0)), "P(X < -1.96)");
}

TEST(random_stream, exponential_moments) {
  random_stream s(3, make_tag(purpose::input, 0), 0, 0);
  const int n = 1000000;
  double m1 = 0, m2 = 0, above_1 = 0, lo = 1.0;
  for (int i = 0; i < n; ++i) {
    const double x = s.exponential();
    ASSERT_TRUE(x > 0.0 && std::isfinite(x));
    lo = std::min(lo, x);
    m1 += x - 1.0;
    m2 += (x - 1.0) * (x - 1.0);
    above_1 += x > 1.0;
  }
  EXPECT_NEAR(m1 / n, 0.0, z_max * std::sqrt(1.0 / n));
  EXPECT_NEAR(m2 / n, 1.0, z_max * std::sqrt(8.0 / n));  // E(X - 1)^4 = 9
  const double p = std::exp(-1.0);
  EXPECT_NEAR(above_1 / n, p, z_max * std::sqrt(p * (1 - p) / n));
}

// ---- discrete distributions -------------------------------------------------------------------------------------

// pmf on a window of +-12 sd around the mean (mass outside < 1e-30), from pmf(k + 1) / pmf(k) = ratio(k),
// normalised over the window.
struct window_pmf {
  std::uint64_t first = 0;
  std::vector<double> p;
};

window_pmf pmf_by_ratio(double mean, double sd, std::uint64_t upper_limit, const std::function<double(double)>& ratio) {
  const double reach = 12.0 * sd + 40.0;
  const auto mode = static_cast<std::uint64_t>(mean);
  window_pmf w;
  w.first = mean > reach ? static_cast<std::uint64_t>(mean - reach) : 0;
  const std::uint64_t last = std::min<std::uint64_t>(upper_limit, static_cast<std::uint64_t>(mean + reach));
  w.p.assign(last - w.first + 1, 0.0);
  w.p[mode - w.first] = 1.0;
  for (std::uint64_t k = mode; k < last; ++k) w.p[k + 1 - w.first] = w.p[k - w.first] * ratio(static_cast<double>(k));
  for (std::uint64_t k = mode; k > w.first; --k)
    w.p[k - 1 - w.first] = w.p[k - w.first] / ratio(static_cast<double>(k - 1));
  double total = 0.0;
  for (const double q : w.p) total += q;
  for (double& q : w.p) q /= total;
  return w;
}

// Draws `draws` values and checks mean and variance (with its fourth-moment standard error). With a pmf it also checks
// that all values lie in the pmf's window and runs a chi-square over the values whose expected count is >= 20, the
// tails pooled into the end bins.
void expect_discrete_distribution(const std::function<std::uint64_t()>& draw, int draws, double mean, double var,
                                  double mu4, const window_pmf* pmf_or_null, const std::string& what) {
  const window_pmf no_pmf;
  const window_pmf& pmf = pmf_or_null != nullptr ? *pmf_or_null : no_pmf;
  std::vector<double> count(pmf.p.size(), 0.0);
  double below = 0.0, above = 0.0, s1 = 0.0, s2 = 0.0;
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t k = draw();
    const double d = static_cast<double>(k) - mean;
    s1 += d;
    s2 += d * d;
    if (k < pmf.first) {
      below += 1;
    } else if (k - pmf.first >= pmf.p.size()) {
      above += 1;
    } else {
      count[k - pmf.first] += 1;
    }
  }
  const double sample_mean = s1 / draws;
  EXPECT_NEAR(sample_mean, 0.0, z_max * std::sqrt(var / draws)) << what << ": mean";
  const double sample_var = s2 / draws - sample_mean * sample_mean;
  EXPECT_NEAR(sample_var, var, z_max * std::sqrt((mu4 - var * var) / draws) + 1e-12) << what << ": variance";
  if (pmf_or_null == nullptr) return;
  EXPECT_EQ(below + above, 0.0) << what << ": values outside the window of +-12 sd";

  std::size_t lo = 0, hi = pmf.p.size() - 1;
  while (lo < hi && pmf.p[lo] * draws < 20.0) ++lo;
  while (hi > lo && pmf.p[hi] * draws < 20.0) --hi;
  ASSERT_LT(lo, hi) << what << ": fewer than two bins";
  double chi2 = 0.0, tail_count = 0.0, tail_p = 0.0;
  for (std::size_t k = 0; k <= lo; ++k) tail_count += count[k], tail_p += pmf.p[k];
  chi2 += (tail_count - tail_p * draws) * (tail_count - tail_p * draws) / (tail_p * draws);
  for (std::size_t k = lo + 1; k < hi; ++k)
    chi2 += (count[k] - pmf.p[k] * draws) * (count[k] - pmf.p[k] * draws) / (pmf.p[k] * draws);
  tail_count = 0.0, tail_p = 0.0;
  for (std::size_t k = hi; k < pmf.p.size(); ++k) tail_count += count[k], tail_p += pmf.p[k];
  chi2 += (tail_count - tail_p * draws) * (tail_count - tail_p * draws) / (tail_p * draws);
  EXPECT_LT(chi2, chi_square_limit(static_cast<double>(hi - lo)))
      << what << ": chi-square over " << hi - lo + 1 << " bins";
}

TEST(random_stream, poisson_distribution) {
  const double means[] = {0.01, 0.5, 1.28, 9.9, 10.0, 30.0, 123.4, 1e4};
  std::uint32_t case_number = 0;
  for (const double mu : means) {
    random_stream s(4, make_tag(purpose::input, 1), case_number++, 0);
    const window_pmf pmf = pmf_by_ratio(mu, std::sqrt(mu), ~0ull, [mu](double k) { return mu / (k + 1.0); });
    expect_discrete_distribution([&] { return std::uint64_t{s.poisson(mu)}; }, 200000, mu, mu, mu + 3.0 * mu * mu, &pmf,
                                 "poisson(" + std::to_string(mu) + ")");
  }
  random_stream s(4, make_tag(purpose::input, 2), 0, 0);
  const int n = 200000;
  double zeros = 0;
  for (int i = 0; i < n; ++i) zeros += s.poisson(1.28) == 0;
  const double p0 = std::exp(-1.28);
  EXPECT_NEAR(zeros / n, p0, z_max * std::sqrt(p0 * (1 - p0) / n)) << "P(0) for mean 1.28";
  EXPECT_EQ(s.poisson(0.0), 0u);
  EXPECT_EQ(s.poisson(-1.0), 0u);
  EXPECT_EQ(s.poisson(std::nan("")), 0u);
}

TEST(random_stream, binomial_distribution) {
  struct bin_case {
    std::uint64_t n;
    double p;
  };
  const bin_case cases[] = {{10, 0.3},
                            {1000, 0.001},
                            {1000000, 0.5},
                            {1000000000, 1e-7},
                            {1000000000000ull, 1e-9},
                            {50, 0.97},
                            {1000000000000ull, 1e-12},
                            {1000000000000ull, 0.5},
                            {100, 0.1},
                            {21, 0.5}};
  std::uint32_t case_number = 0;
  for (const bin_case c : cases) {
    random_stream s(5, make_tag(purpose::connectivity, 9), case_number++, 0);
    const double nd = static_cast<double>(c.n), q = 1.0 - c.p;
    const double mean = nd * c.p, var = nd * c.p * q;
    const double mu4 = var * (1.0 + 3.0 * (nd - 2.0) * c.p * q);
    // No chi-square where the sd is so large that single values have expected counts below 20.
    const bool with_pmf = var < 1e6;
    const window_pmf pmf = with_pmf ? pmf_by_ratio(mean, std::sqrt(var), c.n,
                                                   [&c, nd, q](double k) { return (nd - k) / (k + 1.0) * c.p / q; })
                                    : window_pmf{};
    expect_discrete_distribution([&] { return s.binomial(c.n, c.p); }, 200000, mean, var, mu4,
                                 with_pmf ? &pmf : nullptr,
                                 "binomial(" + std::to_string(c.n) + ", " + std::to_string(c.p) + ")");
  }
}

TEST(random_stream, binomial_edge_cases) {
  random_stream s(6, 0, 0, 0);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(s.binomial(1000, 0.0), 0u);
    EXPECT_EQ(s.binomial(1000, -0.5), 0u);
    EXPECT_EQ(s.binomial(1000, 1.0), 1000u);
    EXPECT_EQ(s.binomial(1000000000000ull, 1.0), 1000000000000ull);
    EXPECT_EQ(s.binomial(0, 0.5), 0u);
    EXPECT_EQ(s.binomial(0, 1.0), 0u);
    EXPECT_LE(s.binomial(1, 0.5), 1u);
    EXPECT_LE(s.binomial(12, 0.99), 12u);
  }
  EXPECT_EQ(s.binomial(1000, std::nan("")), 0u);
}

// ---- helpers ----------------------------------------------------------------------------------------------------

TEST(random_stream, log_factorial_matches_lgamma) {
  using volley::rng::detail::log_factorial;
  for (int k = 0; k < 200; ++k) {
    const double expected = std::lgamma(k + 1.0);
    EXPECT_NEAR(log_factorial(k), expected, 1e-14 * std::max(1.0, expected)) << "k = " << k;
  }
  for (const double k : {1e3, 12345.0, 1e6, 1e9, 1e12}) {
    const double expected = std::lgamma(k + 1.0);
    EXPECT_NEAR(log_factorial(k), expected, 1e-14 * expected) << "k = " << k;
  }
}

}  // namespace

// The drive kernels call poisson_small with a precomputed exp(-mean): it must give exactly poisson's numbers.
TEST(random_stream, poisson_small_equals_poisson) {
  for (double mean : {0.01, 0.5, 1.28, 2.3, 9.9}) {
    for (std::uint32_t i = 0; i < 2000; ++i) {
      volley::rng::random_stream a(5, 77, i, 3), b(5, 77, i, 3);
      ASSERT_EQ(a.poisson(mean), b.poisson_small(mean, std::exp(-mean))) << mean << " " << i;
    }
  }
}

// Constant-mean Poisson drives draw from a cdf table (kernels/neuron_update.hpp): on the same stream the count
// equals the sequential sampler's (the two roundings could differ only for u within an ulp of a cdf entry; none
// occurs in 400k draws), the CPU tile path (vectorised) equals the GPU one (Tile = 1), and draws beyond the
// table (means up to 9.9: the tail above 23) go back to the sequential sampler.
TEST(random_stream, poisson_table_equals_sequential_sampler) {
  for (double mean : {0.01, 0.5, 1.28, 1.68, 4.0, 9.9}) {
    volley::kernels::poisson_view p{};
    p.mean_count = static_cast<volley::real_t>(mean);
    p.exp_neg_mean = std::exp(-double(p.mean_count));
    p.tag = 91;
    p.copy_p = 1;
    volley::kernels::prepare_poisson_table(p);
    ASSERT_EQ(p.table, 1) << mean;
    std::uint64_t beyond = 0;
    for (std::uint32_t step = 0; step < 4; ++step)
      for (std::uint32_t k0 = 0; k0 < 20000; k0 += 200) {
        volley::real_t tile[200], one[1];
        volley::kernels::poisson_table_counts<256>(p, 12345, step, k0, 200, tile);
        for (int j = 0; j < 200; ++j) {
          volley::rng::random_stream rs(12345, 91, k0 + j, step);
          const auto expected = rs.poisson_small(double(p.mean_count), p.exp_neg_mean);
          ASSERT_EQ(tile[j], volley::real_t(expected)) << mean << " cell " << k0 + j << " step " << step;
          volley::kernels::poisson_table_counts<1>(p, 12345, step, k0 + j, 1, one);
          ASSERT_EQ(one[0], tile[j]);
          beyond += expected >= std::uint32_t(volley::kernels::poisson_table_size);
        }
      }
    if (mean == 9.9) {
      EXPECT_GT(beyond, 0u) << "the tail fallback ran";
    }
  }
  volley::kernels::poisson_view modulated{};
  modulated.mean_count = 1;
  modulated.amplitude_count = 0.5;
  modulated.copy_p = 1;
  volley::kernels::prepare_poisson_table(modulated);
  EXPECT_EQ(modulated.table, 0) << "a modulated rate draws sequentially";
}

}  // namespace test_random
