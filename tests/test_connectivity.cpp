// Tests of engine/connectivity.hpp and engine/distribution.hpp.
//
// Structural facts (degrees, totals, no autapses, no repeats, sorted rows) are checked exactly. Random rules are
// checked statistically with fixed seeds and bounds at 5 standard errors, so the tests are deterministic and fail for
// a wrong distribution, not by chance. Determinism across thread counts is checked on sizes larger than one OpenMP
// chunk (256 lines) with an odd remainder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#ifdef VOLLEY_HAVE_OPENMP
#include <omp.h>
#endif

#include "engine/connectivity.hpp"
#include "engine/distribution.hpp"
#include "engine/error.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_connectivity {

namespace {

using volley::build_connectivity;
using volley::connection_rule;
using volley::csr_connectivity;
using volley::index_t;
using volley::neuron_range;
using volley::rule_kind;
using volley::value_distribution;

constexpr double z_max = 5.0;  // how many standard errors a statistic may be off
const std::string where = "projection 'E->I'";

csr_connectivity build(const connection_rule& rule, neuron_range source, neuron_range target, std::uint64_t seed = 7,
                       std::uint32_t projection_id = 3) {
  return build_connectivity(rule, source, target, seed, projection_id, where);
}

connection_rule rule_of(rule_kind kind, std::uint64_t count = 0, double probability = 0.0) {
  connection_rule r;
  r.kind = kind;
  r.count = count;
  r.probability = probability;
  return r;
}

std::uint64_t row_length(const csr_connectivity& c, index_t i) { return c.row_ptr[i + 1] - c.row_ptr[i]; }

// Shape, ranges and order: row_ptr consistent, targets in range, rows ascending, strictly so without multapses,
// and no autapse when excluded.
void check_structure(const csr_connectivity& c, const neuron_range& source, const neuron_range& target, bool distinct,
                     bool no_autapses) {
  ASSERT_EQ(c.n_source, source.size());
  ASSERT_EQ(c.n_target, target.size());
  ASSERT_EQ(c.row_ptr.size(), std::size_t{c.n_source} + 1);
  ASSERT_EQ(c.row_ptr.front(), 0u);
  ASSERT_EQ(c.row_ptr.back(), c.targets.size());
  for (index_t i = 0; i < c.n_source; ++i) {
    ASSERT_LE(c.row_ptr[i], c.row_ptr[i + 1]);
    for (std::uint64_t e = c.row_ptr[i]; e < c.row_ptr[i + 1]; ++e) {
      ASSERT_LT(c.targets[e], c.n_target);
      if (e > c.row_ptr[i]) {
        if (distinct) {
          ASSERT_LT(c.targets[e - 1], c.targets[e]) << "row " << i;
        } else {
          ASSERT_LE(c.targets[e - 1], c.targets[e]) << "row " << i;
        }
      }
      if (no_autapses && source.population == target.population) {
        ASSERT_NE(source.begin + i, target.begin + c.targets[e]) << "autapse in row " << i;
      }
    }
  }
}

std::vector<std::uint64_t> column_counts(const csr_connectivity& c) {
  std::vector<std::uint64_t> counts(c.n_target, 0);
  for (const index_t j : c.targets) ++counts[j];
  return counts;
}

// Standardised dispersion of counts around known means with known per-bin variances: sum((o - e)^2 / v) has mean
// n and variance about 2n for near-normal bins; returns (statistic - n) / sqrt(2n).
double dispersion_z(const std::vector<std::uint64_t>& observed, const std::function<double(std::size_t)>& mean,
                    const std::function<double(std::size_t)>& variance) {
  double s = 0.0;
  for (std::size_t k = 0; k < observed.size(); ++k) {
    const double d = static_cast<double>(observed[k]) - mean(k);
    s += d * d / variance(k);
  }
  const auto n = static_cast<double>(observed.size());
  return (s - n) / std::sqrt(2.0 * n);
}

double dispersion_z(const std::vector<std::uint64_t>& observed, double mean, double variance) {
  return dispersion_z(
      observed, [&](std::size_t) { return mean; }, [&](std::size_t) { return variance; });
}

void set_threads([[maybe_unused]] int n) {
#ifdef VOLLEY_HAVE_OPENMP
  omp_set_num_threads(n);
#endif
}

int default_threads() {
#ifdef VOLLEY_HAVE_OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void expect_same(const csr_connectivity& a, const csr_connectivity& b) {
  EXPECT_EQ(a.row_ptr, b.row_ptr);
  EXPECT_EQ(a.targets, b.targets);
  EXPECT_EQ(a.list_position, b.list_position);
}

// ---- deterministic rules -----------------------------------------------------------------------------------------

TEST(Connectivity, AllToAll) {
  const neuron_range s{0, 0, 30}, t{1, 5, 45};
  const auto c = build(rule_of(rule_kind::all_to_all), s, t);
  check_structure(c, s, t, true, true);
  EXPECT_EQ(c.size(), 30u * 40u);
  for (index_t i = 0; i < 30; ++i) EXPECT_EQ(row_length(c, i), 40u);
  EXPECT_TRUE(c.list_position.empty());
}

TEST(Connectivity, AllToAllWithoutAutapsesOnOverlappingRanges) {
  auto r = rule_of(rule_kind::all_to_all);
  r.allow_autapses = false;
  const neuron_range s{2, 0, 100}, t{2, 50, 150};  // rows 50..99 contain their own neuron
  const auto c = build(r, s, t);
  check_structure(c, s, t, true, true);
  EXPECT_EQ(c.size(), 100u * 100u - 50u);
  for (index_t i = 0; i < 100; ++i) EXPECT_EQ(row_length(c, i), i < 50 ? 100u : 99u);
  // Different populations: nothing is an autapse.
  EXPECT_EQ(build(r, {1, 0, 100}, {2, 50, 150}).size(), 100u * 100u);
}

TEST(Connectivity, OneToOne) {
  const neuron_range s{0, 10, 60}, t{1, 0, 50};
  const auto c = build(rule_of(rule_kind::one_to_one), s, t);
  check_structure(c, s, t, true, true);
  ASSERT_EQ(c.size(), 50u);
  for (index_t i = 0; i < 50; ++i) EXPECT_EQ(c.targets[c.row_ptr[i]], i);

  auto r = rule_of(rule_kind::one_to_one);
  r.allow_autapses = false;
  EXPECT_EQ(build(r, {3, 0, 50}, {3, 0, 50}).size(), 0u);   // every pair is an autapse
  EXPECT_EQ(build(r, {3, 0, 50}, {3, 1, 51}).size(), 50u);  // shifted by one: none is
}

// ---- fixed_probability -------------------------------------------------------------------------------------------

TEST(Connectivity, FixedProbabilityStatistics) {
  const index_t n = 2000, m = 1500;  // 3e5 connections: a skip off by 2 % shows at 10 standard errors
  const double p = 0.1;
  const neuron_range s{0, 0, n}, t{1, 0, m};
  const auto c = build(rule_of(rule_kind::fixed_probability, 0, p), s, t);
  check_structure(c, s, t, true, true);
  const double pairs = double{n} * m;
  EXPECT_LT(std::abs(static_cast<double>(c.size()) - p * pairs), z_max * std::sqrt(pairs * p * (1 - p)));
  // Row lengths Binomial(m, p): their dispersion around the mean m p with variance m p (1 - p).
  std::vector<std::uint64_t> rows(n);
  for (index_t i = 0; i < n; ++i) rows[i] = row_length(c, i);
  EXPECT_LT(std::abs(dispersion_z(rows, m * p, m * p * (1 - p))), z_max);
  // Column counts Binomial(n, p) too: catches a skip that favours some columns.
  EXPECT_LT(std::abs(dispersion_z(column_counts(c), n * p, n * p * (1 - p))), z_max);
}

TEST(Connectivity, FixedProbabilityEdgesAndAutapses) {
  const neuron_range s{4, 0, 100}, t{4, 50, 150};
  EXPECT_EQ(build(rule_of(rule_kind::fixed_probability, 0, 0.0), s, t).size(), 0u);
  EXPECT_EQ(build(rule_of(rule_kind::fixed_probability, 0, 1.0), s, t).size(), 100u * 100u);
  auto r = rule_of(rule_kind::fixed_probability, 0, 1.0);
  r.allow_autapses = false;
  auto c = build(r, s, t);
  check_structure(c, s, t, true, true);
  EXPECT_EQ(c.size(), 100u * 100u - 50u);
  r.probability = 0.5;
  c = build(r, s, t);
  check_structure(c, s, t, true, true);
  const double allowed = 100.0 * 100.0 - 50.0;
  EXPECT_LT(std::abs(static_cast<double>(c.size()) - 0.5 * allowed), z_max * std::sqrt(allowed * 0.25));
}

// ---- fixed_indegree / fixed_outdegree ----------------------------------------------------------------------------

TEST(Connectivity, FixedIndegreeExactAndUniform) {
  for (const bool multapses : {true, false}) {
    SCOPED_TRACE(multapses ? "with multapses" : "without multapses");
    const index_t n = 500, m = 700;
    const std::uint64_t k = 40;
    auto r = rule_of(rule_kind::fixed_indegree, k);
    r.allow_multapses = multapses;
    const neuron_range s{0, 0, n}, t{1, 0, m};
    const auto c = build(r, s, t);
    check_structure(c, s, t, false, true);
    ASSERT_EQ(c.size(), k * m);
    const auto csc = volley::transpose(c);
    for (index_t j = 0; j < m; ++j) {
      ASSERT_EQ(csc.col_ptr[j + 1] - csc.col_ptr[j], k) << "column " << j;
      for (std::uint64_t e = csc.col_ptr[j] + 1; e < csc.col_ptr[j + 1] && !multapses; ++e)
        ASSERT_LT(csc.sources[e - 1], csc.sources[e]) << "repeated source in column " << j;
    }
    // Out-degree of each source: sum over columns of Bernoulli(k / n) (without) or of Binomial(k, 1 / n) (with).
    std::vector<std::uint64_t> out(n);
    for (index_t i = 0; i < n; ++i) out[i] = row_length(c, i);
    const double q = double(k) / n, mean = m * q;
    const double var = multapses ? m * k * (1.0 / n) * (1 - 1.0 / n) : m * q * (1 - q);
    EXPECT_LT(std::abs(dispersion_z(out, mean, var)), z_max);
  }
}

TEST(Connectivity, FixedOutdegreeExactAndUniform) {
  for (const bool multapses : {true, false}) {
    SCOPED_TRACE(multapses ? "with multapses" : "without multapses");
    const index_t n = 600, m = 900;
    const std::uint64_t k = 100;  // >= 64: the bucket sort; k^2 / 2m repeats to redraw without multapses
    auto r = rule_of(rule_kind::fixed_outdegree, k);
    r.allow_multapses = multapses;
    const neuron_range s{0, 0, n}, t{1, 0, m};
    const auto c = build(r, s, t);
    check_structure(c, s, t, !multapses, true);
    ASSERT_EQ(c.size(), k * n);
    for (index_t i = 0; i < n; ++i) ASSERT_EQ(row_length(c, i), k);
    const double q = double(k) / m, mean = n * q;
    const double var = multapses ? n * k * (1.0 / m) * (1 - 1.0 / m) : n * q * (1 - q);
    EXPECT_LT(std::abs(dispersion_z(column_counts(c), mean, var)), z_max);
  }
}

TEST(Connectivity, DenseDegreesWithoutMultapsesAreUniform) {
  // k >= pool / 4 takes selection sampling: every target equally likely, each row a uniform k-subset.
  const index_t n = 3000, m = 100;
  const std::uint64_t k = 37;
  for (const auto kind : {rule_kind::fixed_outdegree, rule_kind::fixed_indegree}) {
    const bool out = kind == rule_kind::fixed_outdegree;
    SCOPED_TRACE(out ? "fixed_outdegree" : "fixed_indegree");
    auto r = rule_of(kind, k);
    r.allow_multapses = false;
    const neuron_range s{0, 0, out ? n : m}, t{1, 0, out ? m : n};
    const auto c = build(r, s, t);
    check_structure(c, s, t, true, true);
    std::vector<std::uint64_t> counts(m);  // connections of each neuron of the range of size m
    for (index_t i = 0; i < m; ++i) counts[i] = out ? column_counts(c)[i] : row_length(c, i);
    const double q = double(k) / m;
    EXPECT_LT(std::abs(dispersion_z(counts, n * q, n * q * (1 - q))), z_max);
  }
}

TEST(Connectivity, DegreesWithoutAutapsesAndMultapses) {
  // Same population, overlapping ranges; small and dense (selection sampling) and sparse (redraw) cases.
  const neuron_range s{5, 0, 100}, t{5, 50, 150};
  for (const std::uint64_t k : {std::uint64_t{3}, std::uint64_t{20}, std::uint64_t{70}, std::uint64_t{99}}) {
    SCOPED_TRACE("k = " + std::to_string(k));
    auto out = rule_of(rule_kind::fixed_outdegree, k);
    out.allow_autapses = false;
    out.allow_multapses = false;
    const auto c = build(out, s, t);
    check_structure(c, s, t, true, true);
    for (index_t i = 0; i < 100; ++i) ASSERT_EQ(row_length(c, i), k);

    auto in = out;
    in.kind = rule_kind::fixed_indegree;
    const auto d = build(in, s, t);
    check_structure(d, s, t, true, true);
    const auto csc = volley::transpose(d);
    for (index_t j = 0; j < 100; ++j) {
      ASSERT_EQ(csc.col_ptr[j + 1] - csc.col_ptr[j], k);
      for (std::uint64_t e = csc.col_ptr[j] + 1; e < csc.col_ptr[j + 1]; ++e)
        ASSERT_LT(csc.sources[e - 1], csc.sources[e]);
    }
  }
  // k = 99 of 99 allowed: row i gets every target but its own neuron.
  auto all = rule_of(rule_kind::fixed_outdegree, 99);
  all.allow_autapses = false;
  all.allow_multapses = false;
  const auto c = build(all, {5, 0, 100}, {5, 0, 100});
  for (index_t i = 0; i < 100; ++i)
    for (std::uint64_t e = c.row_ptr[i], j = 0; e < c.row_ptr[i + 1]; ++e, ++j)
      ASSERT_EQ(c.targets[e], j < i ? j : j + 1);
}

// ---- fixed_total_number ------------------------------------------------------------------------------------------

TEST(Connectivity, FixedTotalNumberMultinomial) {
  // Per-source counts: multinomial, mean N / n and variance N (1/n)(1 - 1/n), around the known mean.
  const index_t n = 300, m = 200;
  const std::uint64_t total = 30000;
  const neuron_range s{0, 0, n}, t{1, 0, m};
  const auto c = build(rule_of(rule_kind::fixed_total_number, total), s, t);
  check_structure(c, s, t, false, true);
  ASSERT_EQ(c.size(), total);
  std::vector<std::uint64_t> rows(n);
  for (index_t i = 0; i < n; ++i) rows[i] = row_length(c, i);
  const double p = 1.0 / n;
  EXPECT_LT(std::abs(dispersion_z(rows, total * p, total * p * (1 - p))), z_max);
  // Targets uniform: each column Binomial(N, 1/m).
  EXPECT_LT(std::abs(dispersion_z(column_counts(c), double(total) / m, total * (1.0 / m) * (1 - 1.0 / m))), z_max);
}

TEST(Connectivity, FixedTotalNumberWithoutMultapsesIsHypergeometric) {
  // N of the n m pairs without replacement: per-source counts are hypergeometric, with the finite-population
  // factor (n m - N) / (n m - 1) = 1/4 here, which a multinomial split would miss by a factor 4.
  const index_t n = 50, m = 40;
  const std::uint64_t total = 1500, pairs = 2000;
  auto r = rule_of(rule_kind::fixed_total_number, total);
  r.allow_multapses = false;
  std::vector<std::uint64_t> rows;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const neuron_range s{0, 0, n}, t{1, 0, m};
    const auto c = build(r, s, t, seed);
    check_structure(c, s, t, true, true);
    ASSERT_EQ(c.size(), total);
    for (index_t i = 0; i < n; ++i) rows.push_back(row_length(c, i));
  }
  const double p = double(m) / pairs;
  const double var = total * p * (1 - p) * double(pairs - total) / double(pairs - 1);
  EXPECT_LT(std::abs(dispersion_z(rows, total * p, var)), z_max);
  // All pairs: the complete graph.
  r.count = pairs;
  const auto full = build(r, {0, 0, n}, {1, 0, m});
  for (index_t i = 0; i < n; ++i) ASSERT_EQ(row_length(full, i), m);
}

TEST(Connectivity, FixedTotalNumberWeighsSourcesByTheirAllowedTargets) {
  // Target range of 2 inside the source range, autapses excluded: sources 50 and 51 have one allowed target, the
  // others two, so they get half as many connections on average (N / 198 against 2 N / 198).
  auto r = rule_of(rule_kind::fixed_total_number, 19800);
  r.allow_autapses = false;
  const neuron_range s{6, 0, 100}, t{6, 50, 52};
  const auto c = build(r, s, t);
  check_structure(c, s, t, false, true);
  std::vector<std::uint64_t> rows(100);
  for (index_t i = 0; i < 100; ++i) rows[i] = row_length(c, i);
  auto weight = [](std::size_t i) { return i == 50 || i == 51 ? 1.0 : 2.0; };
  EXPECT_LT(std::abs(dispersion_z(
                rows, [&](std::size_t i) { return 100.0 * weight(i); },
                [&](std::size_t i) { return 100.0 * weight(i) * (1 - weight(i) / 198); })),
            z_max);
  EXPECT_LT(rows[50] + rows[51], 200 + z_max * std::sqrt(200.0));
}

TEST(Connectivity, FixedTotalNumberWithoutAutapses) {
  for (const bool multapses : {true, false}) {
    auto r = rule_of(rule_kind::fixed_total_number, multapses ? 20000 : 9950);  // 9950 = every allowed pair
    r.allow_autapses = false;
    r.allow_multapses = multapses;
    const neuron_range s{6, 0, 100}, t{6, 50, 150};
    const auto c = build(r, s, t);
    check_structure(c, s, t, !multapses, true);
    ASSERT_EQ(c.size(), r.count);
    for (index_t i = 0; i < 100 && !multapses; ++i) ASSERT_EQ(row_length(c, i), i < 50 ? 100u : 99u);
  }
}

// ---- explicit lists ----------------------------------------------------------------------------------------------

TEST(Connectivity, ExplicitListKeepsListPositions) {
  auto r = rule_of(rule_kind::explicit_list);
  r.sources = {3, 0, 3, 1, 3, 0, 3};
  r.targets = {5, 2, 1, 2, 5, 0, 0};
  const neuron_range s{0, 10, 14}, t{1, 0, 6};
  const auto c = build(r, s, t);
  check_structure(c, s, t, false, true);
  ASSERT_EQ(c.size(), 7u);
  ASSERT_EQ(c.list_position.size(), 7u);
  EXPECT_EQ(c.row_ptr, (std::vector<std::uint64_t>{0, 2, 3, 3, 7}));
  EXPECT_EQ(c.targets, (std::vector<index_t>{0, 2, 2, 0, 1, 5, 5}));
  EXPECT_EQ(c.list_position, (std::vector<std::uint64_t>{5, 1, 3, 6, 2, 0, 4}));  // repeats keep list order
  for (index_t i = 0; i < 4; ++i)
    for (std::uint64_t e = c.row_ptr[i]; e < c.row_ptr[i + 1]; ++e) {
      EXPECT_EQ(r.sources[c.list_position[e]], i);
      EXPECT_EQ(r.targets[c.list_position[e]], c.targets[e]);
    }
}

TEST(Connectivity, ExplicitListLarge) {
  auto r = rule_of(rule_kind::explicit_list);
  for (index_t k = 0; k < 5000; ++k) {
    r.sources.push_back((k * 7919u) % 301u);
    r.targets.push_back((k * 104729u) % 257u);
  }
  const neuron_range s{0, 0, 301}, t{1, 0, 257};
  const auto c = build(r, s, t);
  check_structure(c, s, t, false, true);
  std::vector<bool> seen(r.sources.size(), false);
  for (index_t i = 0; i < 301; ++i)
    for (std::uint64_t e = c.row_ptr[i]; e < c.row_ptr[i + 1]; ++e) {
      const auto k = c.list_position[e];
      ASSERT_FALSE(seen[k]);
      seen[k] = true;
      ASSERT_EQ(r.sources[k], i);
      ASSERT_EQ(r.targets[k], c.targets[e]);
      if (e > c.row_ptr[i] && c.targets[e - 1] == c.targets[e]) {
        ASSERT_LT(c.list_position[e - 1], k);
      }
    }
}

// ---- determinism -------------------------------------------------------------------------------------------------

std::vector<connection_rule> random_rules() {
  std::vector<connection_rule> rules = {rule_of(rule_kind::fixed_probability, 0, 0.05),
                                        rule_of(rule_kind::fixed_indegree, 70), rule_of(rule_kind::fixed_outdegree, 70),
                                        rule_of(rule_kind::fixed_total_number, 100000)};
  for (std::size_t k = 0, n = rules.size(); k < n; ++k) {
    auto r = rules[k];
    r.allow_autapses = false;
    r.allow_multapses = false;
    rules.push_back(r);
  }
  return rules;
}

TEST(Connectivity, SameResultForAnyThreadCountAndRepeatedBuilds) {
  const neuron_range s{0, 0, 1537}, t{0, 400, 1711};  // > 256 lines per chunk, odd sizes, overlapping
  const int threads = default_threads();
  for (const auto& r : random_rules()) {
    SCOPED_TRACE("rule " + std::to_string(static_cast<int>(r.kind)) + (r.allow_multapses ? "" : " no multapses"));
    set_threads(1);
    const auto one = build(r, s, t);
    const auto one_csc = volley::transpose(one);
    set_threads(2);
    const auto two = build(r, s, t);
    const auto two_csc = volley::transpose(two);
    set_threads(3);  // more threads than cores, uneven split
    const auto three = build(r, s, t);
    set_threads(threads);
    expect_same(one, two);
    expect_same(one, three);
    expect_same(one, build(r, s, t));
    EXPECT_EQ(one_csc.col_ptr, two_csc.col_ptr);
    EXPECT_EQ(one_csc.sources, two_csc.sources);
    EXPECT_EQ(one_csc.synapse, two_csc.synapse);
    // The seed and the projection id matter.
    EXPECT_NE(one.targets, build(r, s, t, 8).targets);
    EXPECT_NE(one.targets, build(r, s, t, 7, 4).targets);
  }
}

// ---- transpose ---------------------------------------------------------------------------------------------------

TEST(Connectivity, TransposeRoundTrips) {
  for (const auto& r : random_rules()) {
    const neuron_range s{0, 0, 700}, t{1, 0, 333};
    const auto c = build(r, s, t);
    const auto csc = volley::transpose(c);
    ASSERT_EQ(csc.col_ptr.size(), 334u);
    ASSERT_EQ(csc.col_ptr.back(), c.size());
    ASSERT_EQ(csc.sources.size(), c.size());
    std::vector<bool> seen(c.size(), false);
    for (index_t j = 0; j < 333; ++j)
      for (std::uint64_t e = csc.col_ptr[j]; e < csc.col_ptr[j + 1]; ++e) {
        const auto syn = csc.synapse[e];
        ASSERT_LT(syn, c.size());
        ASSERT_FALSE(seen[syn]);
        seen[syn] = true;
        ASSERT_EQ(c.targets[syn], j);
        const index_t i = csc.sources[e];
        ASSERT_GE(syn, c.row_ptr[i]);
        ASSERT_LT(syn, c.row_ptr[i + 1]);
        if (e > csc.col_ptr[j]) {
          ASSERT_LT(csc.synapse[e - 1], syn);  // sources ascend, then row order
        }
      }
  }
  const auto empty = volley::transpose(csr_connectivity{});
  EXPECT_EQ(empty.col_ptr, (std::vector<std::uint64_t>{0}));
}

// ---- errors ------------------------------------------------------------------------------------------------------

void expect_error(const connection_rule& r, neuron_range s, neuron_range t, const std::string& parameter,
                  const std::string& value, std::uint32_t projection_id = 3) {
  try {
    build(r, s, t, 7, projection_id);
    ADD_FAILURE() << "no error for " << parameter << " = " << value;
  } catch (const volley::parameter_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(where), std::string::npos) << what;
    EXPECT_NE(what.find(value), std::string::npos) << what;
    EXPECT_EQ(e.parameter_name, parameter) << what;
  }
}

TEST(Connectivity, ImpossibleRulesAreParameterErrors) {
  const neuron_range a{0, 0, 100}, b{1, 0, 50}, overlap{0, 50, 150}, empty{1, 7, 7};
  expect_error(rule_of(rule_kind::fixed_probability, 0, 1.5), a, b, "probability", "1.5");
  expect_error(rule_of(rule_kind::fixed_probability, 0, -0.25), a, b, "probability", "-0.25");
  expect_error(rule_of(rule_kind::fixed_probability, 0, std::nan("")), a, b, "probability", "nan");
  expect_error(rule_of(rule_kind::one_to_one), a, b, "target range size", "50");

  auto in = rule_of(rule_kind::fixed_indegree, 101);
  in.allow_multapses = false;
  expect_error(in, a, b, "count", "101");
  in.count = 100;  // = n_source: fine between populations, one too many when the autapse is excluded
  EXPECT_EQ(build(in, a, b).size(), 100u * 50u);
  in.allow_autapses = false;
  expect_error(in, a, overlap, "count", "100");
  in.count = 99;
  EXPECT_EQ(build(in, a, overlap).size(), 99u * 100u);
  in.allow_multapses = true;
  in.count = 5;
  expect_error(in, empty, b, "count", "5");   // targets but no source to draw from
  EXPECT_EQ(build(in, b, empty).size(), 0u);  // no target: nothing to draw

  auto out = rule_of(rule_kind::fixed_outdegree, 51);
  out.allow_multapses = false;
  expect_error(out, a, b, "count", "51");
  out.allow_multapses = true;
  expect_error(out, a, empty, "count", "51");
  out.count = 1;  // a single neuron connecting to itself only, autapses excluded
  out.allow_autapses = false;
  expect_error(out, {2, 4, 5}, {2, 4, 5}, "count", "1");

  auto total = rule_of(rule_kind::fixed_total_number, 5001);
  total.allow_multapses = false;
  expect_error(total, a, b, "count", "5001");
  total.allow_autapses = false;
  total.count = 100 * 100 - 50 + 1;
  expect_error(total, a, overlap, "count", "9951");
  total.allow_multapses = true;
  total.count = 1;
  expect_error(total, a, empty, "count", "1");

  auto list = rule_of(rule_kind::explicit_list);
  list.sources = {1, 2, 3};
  list.targets = {1, 2};
  expect_error(list, a, b, "targets", "2 entries");
  list.targets = {1, 50, 2};
  expect_error(list, a, b, "targets[1]", "50");
  try {
    build(list, a, b);
  } catch (const volley::parameter_error& e) {
    EXPECT_NE(std::string(e.what()).find("[0, 50)"), std::string::npos) << e.what();  // names the range size
  }
  list.targets = {1, 2, 3};
  list.sources = {100, 2, 3};
  expect_error(list, a, b, "sources[0]", "100");
  list.sources = {1, 2, 1};
  list.targets = {1, 2, 1};
  list.allow_multapses = false;
  expect_error(list, a, b, "explicit pair 2", "sources[2] = 1 -> targets[2] = 1");
  list.allow_multapses = true;
  list.allow_autapses = false;
  list.sources = {60};
  list.targets = {10};  // source neuron 60 = target neuron 50 + 10
  expect_error(list, a, overlap, "explicit pair 0", "sources[0] = 60");

  expect_error(rule_of(rule_kind::all_to_all), {0, 9, 3}, b, "source range", "[9, 3)");
  expect_error(rule_of(rule_kind::all_to_all), a, b, "projection id", "1048576", 1u << 20);
}

// ---- per-synapse values ------------------------------------------------------------------------------------------

csr_connectivity value_grid() {  // 400 rows x 250 = 1e5 synapses
  return build(rule_of(rule_kind::fixed_outdegree, 250), {0, 0, 400}, {1, 0, 1000});
}

struct moments {
  double mean = 0, variance = 0, min = INFINITY, max = -INFINITY;
};
moments moments_of(const std::vector<double>& v) {
  moments m;
  for (const double x : v) m.mean += x, m.min = std::min(m.min, x), m.max = std::max(m.max, x);
  m.mean /= static_cast<double>(v.size());
  for (const double x : v) m.variance += (x - m.mean) * (x - m.mean);
  m.variance /= static_cast<double>(v.size() - 1);
  return m;
}

std::vector<double> sample(const value_distribution& d, const csr_connectivity& c, std::uint64_t seed = 11,
                           volley::rng::purpose p = volley::rng::purpose::weight) {
  return volley::sample_per_synapse(d, c, seed, p, 3, where);
}

TEST(Distribution, ConstantNeedsNoDraws) {
  value_distribution d;
  d.a = 2.5;
  EXPECT_TRUE(d.is_constant());
  const auto c = value_grid();
  const auto v = sample(d, c);
  ASSERT_EQ(v.size(), c.size());
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](double x) { return x == 2.5; }));
}

TEST(Distribution, Moments) {
  const auto c = value_grid();
  const double n = static_cast<double>(c.size());
  value_distribution d;
  d.type = value_distribution::kind::normal;
  d.a = -3.0;
  d.b = 2.0;
  auto m = moments_of(sample(d, c));
  EXPECT_LT(std::abs(m.mean + 3.0), z_max * 2.0 / std::sqrt(n));
  EXPECT_LT(std::abs(m.variance - 4.0), z_max * 4.0 * std::sqrt(2.0 / n));

  d.type = value_distribution::kind::uniform;
  d.a = 1.0;
  d.b = 3.0;
  m = moments_of(sample(d, c));
  EXPECT_GE(m.min, 1.0);
  EXPECT_LT(m.max, 3.0);
  EXPECT_LT(std::abs(m.mean - 2.0), z_max * std::sqrt(1.0 / 3.0 / n));
  EXPECT_LT(std::abs(m.variance - 1.0 / 3.0),
            z_max * std::sqrt((1.0 / 5.0 - 1.0 / 9.0) / n));  // 4th central moment 1/5

  d.type = value_distribution::kind::lognormal;
  d.a = 0.5;
  d.b = 0.4;
  m = moments_of(sample(d, c));
  const double mean = std::exp(0.5 + 0.08), var = (std::exp(0.16) - 1) * std::exp(1.0 + 0.16);
  EXPECT_GT(m.min, 0.0);
  EXPECT_LT(std::abs(m.mean - mean), z_max * std::sqrt(var / n));
}

TEST(Distribution, BoundsAreRespectedByRedrawing) {
  const auto c = value_grid();
  value_distribution d;
  d.type = value_distribution::kind::normal;
  d.a = 1.0;
  d.b = 1.0;
  d.low = 0.0;  // NEST's typical "weights stay excitatory"
  const auto v = sample(d, c);
  const auto m = moments_of(v);
  EXPECT_GE(m.min, 0.0);
  // Redrawn, not clipped: no mass piles up at the bound, and the mean is that of the truncated normal,
  // 1 + phi(1) / Phi(1) = 1.2876.
  EXPECT_EQ(std::count(v.begin(), v.end(), 0.0), 0);
  EXPECT_NEAR(m.mean, 1.0 + 0.24197072451914337 / 0.8413447460685429, z_max * std::sqrt(m.variance / v.size()));

  d.low = 0.5;
  d.high = 0.75;
  const auto w = moments_of(sample(d, c));
  EXPECT_GE(w.min, 0.5);
  EXPECT_LE(w.max, 0.75);
}

TEST(Distribution, ImpossibleBoundsAndParametersAreErrors) {
  const auto c = value_grid();
  value_distribution d;
  d.type = value_distribution::kind::normal;
  d.a = 0.0;
  d.b = 1.0;
  d.low = 40.0;  // 40 sigma away: 1000 redraws never land
  try {
    sample(d, c);
    ADD_FAILURE() << "no error";
  } catch (const volley::user_error& e) {
    EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[40, inf]"), std::string::npos) << e.what();
  }
  auto expect_parameter_error = [&](const value_distribution& bad, const std::string& value) {
    try {
      sample(bad, c);
      ADD_FAILURE() << "no error for " << value;
    } catch (const volley::parameter_error& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(value), std::string::npos) << e.what();
    }
  };
  d.low = -INFINITY;
  d.b = -1.0;
  expect_parameter_error(d, "-1");
  d.b = 1.0;
  d.low = 2.0;
  d.high = 1.0;
  expect_parameter_error(d, "[2, 1]");
  value_distribution u;
  u.type = value_distribution::kind::uniform;
  u.a = 3.0;
  u.b = 2.0;
  expect_parameter_error(u, "2");
  value_distribution k;
  k.a = 5.0;
  k.high = 4.0;
  expect_parameter_error(k, "5");
  k.a = std::nan("");
  expect_parameter_error(k, "nan");
}

TEST(Distribution, DeterministicAndIndependentOfThreads) {
  const auto c = build(rule_of(rule_kind::fixed_probability, 0, 0.1), {0, 0, 1301}, {1, 0, 500});
  value_distribution d;
  d.type = value_distribution::kind::normal;
  d.a = 1.0;
  d.b = 0.5;
  d.low = 0.2;
  const int threads = default_threads();
  set_threads(1);
  const auto one = sample(d, c);
  set_threads(2);
  const auto two = sample(d, c);
  set_threads(threads);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, sample(d, c));
  EXPECT_NE(one, sample(d, c, 12));
  EXPECT_NE(one, sample(d, c, 11, volley::rng::purpose::delay));  // weights and delays draw from different streams
}

TEST(Distribution, DrawValueRedrawsFromTheSameStream) {
  value_distribution d;
  d.type = value_distribution::kind::normal;
  d.a = -55.0;
  d.b = 2.0;
  d.high = -54.0;
  volley::rng::random_stream r(5, volley::rng::make_tag(volley::rng::purpose::initial_state, 1), 0, 0);
  volley::rng::random_stream again = r;
  std::vector<double> v;
  for (int k = 0; k < 2000; ++k) v.push_back(volley::draw_value(d, r, where));
  EXPECT_LE(*std::max_element(v.begin(), v.end()), -54.0);
  EXPECT_EQ(v.front(), volley::draw_value(d, again, where));
  d.low = 0.0;
  d.high = INFINITY;
  EXPECT_THROW(volley::draw_value(d, r, where), volley::user_error);
}

}  // namespace

}  // namespace test_connectivity
