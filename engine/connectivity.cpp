// Connectivity rules. Every random line (row i, or column j for fixed_indegree) is a pure function of the stream
// (seed, make_tag(purpose::connectivity, projection_id), line, 0), so lines can be built in any order, on any thread,
// or regenerated later (procedural connectivity on a GPU must replay exactly these formulas):
//   fixed_probability   geometric skipping: next column = last + 1 + floor(log(uniform()) / log1p(-p)), the autapse
//                       column dropped; rows come out ascending.
//   fixed_outdegree     `count` values uniform_index(pool), pool = n_target less the autapse column; with multapses
//   fixed_indegree      sorted; without, repeats dropped and redrawn (sparse) or selection sampling (count >= pool /
//                       4); then mapped past the autapse. fixed_indegree builds columns, then transposes.
//   fixed_total_number  row lengths by sequential conditionals drawn from (seed, make_tag(purpose::multinomial,
//                       projection_id), row, 0): binomial (multapses) or hypergeometric (none); then as outdegree.
// Lines are sorted with a bucket sort (uniform values) in per-thread scratch; no per-synapse allocation.
#include "engine/connectivity.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

#include <unistd.h>

#ifdef VOLLEY_HAVE_OPENMP
#include <omp.h>
#endif

#include "engine/error.hpp"
#include "engine/line_sampling.hpp"
#include "engine/random.hpp"

namespace volley {
namespace {

using rng::random_stream;

// Above this many connections a projection cannot be held in memory anyway; the bound keeps counts from overflowing.
constexpr std::uint64_t max_connections = std::uint64_t{1} << 48;

int max_threads() {
#ifdef VOLLEY_HAVE_OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Runs body(i) for i in [0, n) on all threads. body must not throw: an exception cannot leave an OpenMP region.
template <class Body>
void parallel_lines(index_t n, Body&& body) {
#pragma omp parallel for schedule(dynamic, 256)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(n); ++i) body(static_cast<index_t>(i));
}

std::string text(double v) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}
std::string text(std::uint64_t v) { return std::to_string(v); }

// This machine's physical memory in bytes (0 where unknown).
std::uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? std::uint64_t(pages) * std::uint64_t(page) : 0;
}

template <class T>
void allocate(std::vector<T>& v, std::uint64_t n, const std::string& where, const char* what) {
  // more than the machine holds is refused before asking: the allocator may overcommit, swap for minutes, or (under
  // a sanitizer) abort instead of throwing bad_alloc
  const std::uint64_t memory = physical_memory_bytes();
  if (memory > 0 && n > memory / sizeof(T))
    throw resource_error(where + ": out of memory for " + text(n) + " " + what + " (" + text(double(n) * sizeof(T)) +
                         " bytes; this machine has " + text(memory) + ")");
  try {
    v.resize(n);
  } catch (const std::bad_alloc&) {
    throw resource_error(where + ": out of memory for " + text(n) + " " + what + " (" + text(n * sizeof(T)) +
                         " bytes)");
  } catch (const std::length_error&) {
    throw resource_error(where + ": too many " + what + ": " + text(n));
  }
}

using lines::autapse_map;

// Per-thread scratch for sorting one line.
struct line_scratch {
  std::vector<index_t> values;
  std::vector<std::uint32_t> buckets;
};

// Sorts out[0, k), values in [0, pool), ascending. The values are uniform, so a counting sort on the high bits
// (about two values per bucket) leaves only a few inversions inside buckets for a final insertion pass: O(k), about
// 6x faster than std::sort on rows of 1000.
void sort_line(index_t* out, std::uint64_t k, index_t pool, line_scratch& s) {
  if (k < 64 || k > 0xFFFFFFFFu) {  // bucket counters are 32 bit
    std::sort(out, out + k);
    return;
  }
  const auto value_bits = static_cast<int>(std::bit_width(pool - 1));
  const int bucket_bits = std::min(value_bits, static_cast<int>(std::bit_width(k)) - 1);  // 2^bucket_bits in (k / 2, k]
  const int shift = value_bits - bucket_bits;
  const std::size_t n_buckets = (std::size_t{pool - 1} >> shift) + 1;
  s.values.resize(k);
  s.buckets.assign(n_buckets + 1, 0);
  std::copy(out, out + k, s.values.begin());
  for (const index_t v : s.values) ++s.buckets[(v >> shift) + 1];
  for (std::size_t b = 0; b < n_buckets; ++b) s.buckets[b + 1] += s.buckets[b];
  for (const index_t v : s.values) out[s.buckets[v >> shift]++] = v;
  for (std::uint64_t e = 1; e < k; ++e) {
    const index_t v = out[e];
    std::uint64_t at = e;
    for (; at > 0 && out[at - 1] > v; --at) out[at] = out[at - 1];
    out[at] = v;
  }
}

// Runs body(i, scratch) for i in [0, n) on all threads, each thread with one scratch sized for lines of up to
// max_length entries (sized before the loop: an exception cannot leave an OpenMP region).
template <class Body>
void parallel_lines_sorted(index_t n, std::uint64_t max_length, const std::string& where, Body&& body) {
  std::atomic<bool> out_of_memory{false};
#pragma omp parallel
  {
    line_scratch scratch;
    try {
      scratch.values.reserve(max_length);
      scratch.buckets.reserve(max_length + 2);
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    }
#pragma omp for schedule(dynamic, 256)
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(n); ++i)
      if (!out_of_memory.load(std::memory_order_relaxed)) body(static_cast<index_t>(i), scratch);
  }
  if (out_of_memory) throw resource_error(where + ": out of memory for sorting lines of " + text(max_length));
}

// Writes k indices drawn uniformly from [0, n) without `excluded` (n or more: none) to out[0, k), ascending.
// Without replacement they are distinct; the caller guarantees k <= pool. The output is the sampling buffer.
// The draws are engine/line_sampling.hpp's, in the order the GPU builder makes them.
void sample_sorted(random_stream& r, index_t n, index_t excluded, std::uint64_t k, bool replace, index_t* out,
                   line_scratch& scratch) {
  if (k == 0) return;
  const bool has_excluded = excluded < n;
  const index_t pool = has_excluded ? n - 1 : n;
  switch (lines::method_for(k, pool, replace)) {
    case lines::line_method::with_replacement:
      lines::draw_indices(r, pool, out, 0, k);
      sort_line(out, k, pool, scratch);
      break;
    case lines::line_method::selection: lines::selection_sample(r, pool, k, out); break;
    case lines::line_method::redraw_repeats: {
      // The result is the set of distinct values among the first T draws of an i.i.d. sequence, T stopping on
      // distinct counts only: by symmetry under relabelling, a uniform k-subset. Expected repeats
      // k^2 / (2 pool) <= k / 8, so a few rounds.
      std::uint64_t distinct = 0;
      while (distinct < k) {
        lines::draw_indices(r, pool, out, distinct, k);
        sort_line(out, k, pool, scratch);
        distinct = lines::drop_repeats(out, k);
      }
      break;
    }
  }
  if (has_excluded)
    for (std::uint64_t e = 0; e < k; ++e) out[e] = lines::skip_excluded(out[e], excluded);
}

// Number of good items among `draws` taken without replacement from `total` items of which `good` are good.
// Inversion with a fixed walk outward from the mode over weights q(k) = p(k) / p(mode) built from the pmf's ratios
// (no lgamma, so no cancellation of huge log-factorials), normalised by their sum over the non-negligible support.
// O(standard deviation) steps.
std::uint64_t hypergeometric(random_stream& r, std::uint64_t draws, std::uint64_t good, std::uint64_t total) {
  const std::uint64_t bad = total - good;
  const std::uint64_t lo = draws > bad ? draws - bad : 0, hi = std::min(draws, good);
  if (lo == hi) return lo;
  const double g = static_cast<double>(good), b = static_cast<double>(bad), n = static_cast<double>(draws);
  const auto mode =
      std::clamp(static_cast<std::uint64_t>((n + 1) * (g + 1) / (static_cast<double>(total) + 2)), lo, hi);
  constexpr double negligible = 1e-18;  // tails beyond this weight hold < 1e-18 * sd of the mass (log-concavity)
  // Visits mode, mode-1, mode+1, mode-2, ... while weights are not negligible; stops early when visit returns true.
  auto walk = [&](auto&& visit) {
    std::uint64_t down = mode, up = mode;
    double q_down = 1.0, q_up = 1.0;
    if (visit(mode, 1.0)) return mode;
    for (;;) {
      const bool go_down = down > lo && q_down >= negligible, go_up = up < hi && q_up >= negligible;
      if (!go_down && !go_up) return up;
      if (go_down) {
        const double k = static_cast<double>(down);  // p(k-1) / p(k) = k (b - n + k) / ((g - k + 1) (n - k + 1))
        q_down *= k * (b - n + k) / ((g - k + 1) * (n - k + 1));
        if (visit(--down, q_down)) return down;
      }
      if (go_up) {
        const double k = static_cast<double>(up);  // p(k+1) / p(k) = (g - k) (n - k) / ((k + 1) (b - n + k + 1))
        q_up *= (g - k) * (n - k) / ((k + 1) * (b - n + k + 1));
        if (visit(++up, q_up)) return up;
      }
    }
  };
  double norm = 0.0;
  walk([&](std::uint64_t, double q) { return norm += q, false; });
  const double target = r.uniform() * norm;
  double sum = 0.0;  // same additions in the same order as norm, so sum reaches target <= norm
  return walk([&](std::uint64_t, double q) { return (sum += q) >= target; });
}

// Counting-sort transpose of a compressed matrix (major lines of minor indices) into minor lines of major indices,
// with the position of each entry in the input when `position` is given. Chunk c of whole major lines writes its
// entries of each output line after those of chunks < c, so every output line lists majors in ascending order
// whatever the number of chunks: the result does not depend on the threads.
void transpose_compressed(const std::vector<std::uint64_t>& ptr, const std::vector<index_t>& minor, index_t n_minor,
                          std::vector<std::uint64_t>& out_ptr, std::vector<index_t>& out_major,
                          std::vector<std::uint64_t>* position, const std::string& where) {
  const auto n_major = static_cast<index_t>(ptr.empty() ? 0 : ptr.size() - 1);
  const std::uint64_t nnz = minor.size();
  allocate(out_ptr, std::uint64_t{n_minor} + 1, where, "column pointers");
  allocate(out_major, nnz, where, "connections");
  if (position) allocate(*position, nnz, where, "connection positions");
  std::fill(out_ptr.begin(), out_ptr.end(), 0);
  if (nnz == 0) return;
  // One histogram of n_minor counters per chunk: keep them no larger than the data.
  const std::uint64_t n_chunks = std::clamp<std::uint64_t>(
      std::min<std::uint64_t>(static_cast<std::uint64_t>(max_threads()), 1 + nnz / std::max<index_t>(n_minor, 1)), 1,
      std::max<index_t>(n_major, 1));
  std::vector<index_t> chunk_begin(n_chunks + 1, n_major);
  for (std::uint64_t c = 0; c < n_chunks; ++c)
    chunk_begin[c] =
        static_cast<index_t>(std::lower_bound(ptr.begin(), ptr.end() - 1, nnz / n_chunks * c) - ptr.begin());
  std::vector<std::uint64_t> offset;  // [chunk][minor]: count, then next write position
  allocate(offset, n_chunks * n_minor, where, "transpose counters");

#pragma omp parallel for schedule(static, 1)
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(n_chunks); ++c) {
    std::uint64_t* count = offset.data() + c * n_minor;
    for (std::uint64_t e = ptr[chunk_begin[c]]; e < ptr[chunk_begin[c + 1]]; ++e) ++count[minor[e]];
  }
#pragma omp parallel for schedule(static)
  for (std::int64_t s = 0; s < static_cast<std::int64_t>(n_minor); ++s) {
    std::uint64_t line = 0;
    for (std::uint64_t c = 0; c < n_chunks; ++c) line += offset[c * n_minor + s];
    out_ptr[s + 1] = line;
  }
  for (index_t s = 0; s < n_minor; ++s) out_ptr[s + 1] += out_ptr[s];
#pragma omp parallel for schedule(static)
  for (std::int64_t s = 0; s < static_cast<std::int64_t>(n_minor); ++s) {
    std::uint64_t next = out_ptr[s];
    for (std::uint64_t c = 0; c < n_chunks; ++c) next += std::exchange(offset[c * n_minor + s], next);
  }
#pragma omp parallel for schedule(static, 1)
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(n_chunks); ++c) {
    std::uint64_t* next = offset.data() + c * n_minor;
    for (index_t i = chunk_begin[c]; i < chunk_begin[c + 1]; ++i)
      for (std::uint64_t e = ptr[i]; e < ptr[i + 1]; ++e) {
        const std::uint64_t at = next[minor[e]]++;
        out_major[at] = i;
        if (position) (*position)[at] = e;
      }
  }
}

// ---- rules: each fills csr.row_ptr and csr.targets (validation done by the caller) ------------------------------

// Turns row lengths stored at row_ptr[i + 1] into offsets and allocates the targets.
void finish_row_ptr(csr_connectivity& csr, const std::string& where) {
  for (index_t i = 0; i < csr.n_source; ++i) csr.row_ptr[i + 1] += csr.row_ptr[i];
  allocate(csr.targets, csr.row_ptr[csr.n_source], where, "connections");
}

void build_all_to_all(csr_connectivity& csr, const autapse_map& autapse, const std::string& where) {
  parallel_lines(csr.n_source,
                 [&](index_t i) { csr.row_ptr[i + 1] = csr.n_target - (autapse.column_of(i) < csr.n_target ? 1 : 0); });
  finish_row_ptr(csr, where);
  parallel_lines(csr.n_source, [&](index_t i) {
    const index_t excluded = autapse.column_of(i);
    index_t* out = csr.targets.data() + csr.row_ptr[i];
    for (index_t j = 0; j < csr.n_target; ++j)
      if (j != excluded) *out++ = j;
  });
}

void build_one_to_one(csr_connectivity& csr, const autapse_map& autapse, const std::string& where) {
  parallel_lines(csr.n_source, [&](index_t i) { csr.row_ptr[i + 1] = autapse.column_of(i) == i ? 0 : 1; });
  finish_row_ptr(csr, where);
  parallel_lines(csr.n_source, [&](index_t i) {
    if (csr.row_ptr[i + 1] > csr.row_ptr[i]) csr.targets[csr.row_ptr[i]] = i;
  });
}

// Geometric skipping over each row: O(connections + rows) draws. The row is generated twice from the same stream,
// once to count and once to write, so nothing is buffered.
void build_fixed_probability(csr_connectivity& csr, double p, const autapse_map& autapse, std::uint64_t seed,
                             std::uint32_t tag, const std::string& where) {
  const double log_q = std::log1p(-p);  // -inf for p = 1: every skip is 0
  auto row = [&](index_t i, auto&& emit) {
    if (p <= 0.0) return;
    random_stream r(seed, tag, i, 0);
    const index_t excluded = autapse.column_of(i);
    double j = -1.0;  // last tried column; double so that huge skips cannot overflow
    for (;;) {
      j += 1.0 + (p >= 1.0 ? 0.0 : std::floor(std::log(r.uniform()) / log_q));
      if (j >= static_cast<double>(csr.n_target)) return;
      if (static_cast<index_t>(j) != excluded) emit(static_cast<index_t>(j));
    }
  };
  parallel_lines(csr.n_source, [&](index_t i) {
    std::uint64_t length = 0;
    row(i, [&](index_t) { ++length; });
    csr.row_ptr[i + 1] = length;
  });
  finish_row_ptr(csr, where);
  parallel_lines(csr.n_source, [&](index_t i) {
    index_t* out = csr.targets.data() + csr.row_ptr[i];
    row(i, [&](index_t j) { *out++ = j; });
  });
}

// Row lengths of fixed_outdegree: `count` per row.
void plan_fixed_outdegree(csr_connectivity& csr, const connection_rule& rule) {
  for (index_t i = 0; i <= csr.n_source; ++i) csr.row_ptr[i] = std::uint64_t{i} * rule.count;
}

// Targets of every planned row (fixed_outdegree, fixed_total_number): row i's length is fixed, its targets are
// uniform over the allowed columns, drawn from the stream (seed, tag, i, 0).
void fill_planned(csr_connectivity& csr, const connection_rule& rule, const autapse_map& autapse, std::uint64_t seed,
                  std::uint32_t tag, const std::string& where) {
  allocate(csr.targets, csr.row_ptr[csr.n_source], where, "connections");
  std::uint64_t longest = 0;
  for (index_t i = 0; i < csr.n_source; ++i) longest = std::max(longest, csr.row_ptr[i + 1] - csr.row_ptr[i]);
  parallel_lines_sorted(csr.n_source, longest, where, [&](index_t i, line_scratch& scratch) {
    random_stream r(seed, tag, i, 0);
    sample_sorted(r, csr.n_target, autapse.column_of(i), csr.row_ptr[i + 1] - csr.row_ptr[i], rule.allow_multapses,
                  csr.targets.data() + csr.row_ptr[i], scratch);
  });
}

// Generated per target column, then transposed, so rows list targets in ascending order.
void build_fixed_indegree(csr_connectivity& csr, const connection_rule& rule, const autapse_map& autapse,
                          std::uint64_t seed, std::uint32_t tag, const std::string& where) {
  std::vector<std::uint64_t> col_ptr;
  std::vector<index_t> col_sources;
  allocate(col_ptr, std::uint64_t{csr.n_target} + 1, where, "column pointers");
  for (index_t j = 0; j <= csr.n_target; ++j) col_ptr[j] = std::uint64_t{j} * rule.count;
  allocate(col_sources, col_ptr[csr.n_target], where, "connections");
  parallel_lines_sorted(csr.n_target, rule.count, where, [&](index_t j, line_scratch& scratch) {
    random_stream r(seed, tag, j, 0);
    sample_sorted(r, csr.n_source, autapse.row_of(j), rule.count, rule.allow_multapses, col_sources.data() + col_ptr[j],
                  scratch);
  });
  transpose_compressed(col_ptr, col_sources, csr.n_source, csr.row_ptr, csr.targets, nullptr, where);
}

// Row lengths of fixed_total_number: multinomial over the sources weighted by their number of allowed targets
// (with multapses), multivariate hypergeometric over the allowed pairs (without), drawn as sequential
// conditionals. Targets then uniform per source (fill_planned): together, `count` uniform allowed pairs (with or
// without replacement).
void plan_fixed_total_number(csr_connectivity& csr, const connection_rule& rule, const autapse_map& autapse,
                             std::uint64_t seed, std::uint32_t projection_id) {
  const std::uint32_t split_tag = rng::make_tag(rng::purpose::multinomial, projection_id);
  auto weight = [&](index_t i) -> std::uint64_t {
    return csr.n_target - (autapse.column_of(i) < csr.n_target ? 1 : 0);
  };
  std::uint64_t left = rule.count;
  std::uint64_t weight_left = std::uint64_t{csr.n_source} * csr.n_target - autapse.count();
  csr.row_ptr[0] = 0;
  for (index_t i = 0; i < csr.n_source; ++i) {
    const std::uint64_t w = weight(i);
    std::uint64_t k = left;
    if (left > 0 && w < weight_left) {
      random_stream r(seed, split_tag, i, 0);
      k = rule.allow_multapses
              ? std::min(left, r.binomial(left, static_cast<double>(w) / static_cast<double>(weight_left)))
              : hypergeometric(r, left, w, weight_left);
    }
    csr.row_ptr[i + 1] = csr.row_ptr[i] + k;
    left -= k;
    weight_left -= w;
  }
}

// Two stable counting sorts (by target, then by source): rows ascend in target, repeats keep list order.
void build_explicit_list(csr_connectivity& csr, const connection_rule& rule, const autapse_map& autapse,
                         const std::string& where) {
  const std::uint64_t n = rule.sources.size();
  std::vector<std::uint64_t> by_target, target_ptr(std::uint64_t{csr.n_target} + 1, 0);
  allocate(by_target, n, where, "list entries");
  for (std::uint64_t k = 0; k < n; ++k) ++target_ptr[rule.targets[k] + 1];
  for (index_t j = 0; j < csr.n_target; ++j) target_ptr[j + 1] += target_ptr[j];
  for (std::uint64_t k = 0; k < n; ++k) by_target[target_ptr[rule.targets[k]]++] = k;

  for (std::uint64_t k = 0; k < n; ++k) ++csr.row_ptr[rule.sources[k] + 1];
  finish_row_ptr(csr, where);
  allocate(csr.list_position, n, where, "list positions");
  std::vector<std::uint64_t> next(csr.row_ptr.begin(), csr.row_ptr.end() - 1);
  for (const std::uint64_t k : by_target) {
    const std::uint64_t at = next[rule.sources[k]]++;
    csr.targets[at] = rule.targets[k];
    csr.list_position[at] = k;
  }

  auto pair = [&](std::uint64_t k) {
    return "sources[" + text(k) + "] = " + text(std::uint64_t{rule.sources[k]}) + " -> targets[" + text(k) +
           "] = " + text(std::uint64_t{rule.targets[k]});
  };
  for (index_t i = 0; i < csr.n_source; ++i)
    for (std::uint64_t e = csr.row_ptr[i]; e < csr.row_ptr[i + 1]; ++e) {
      const std::uint64_t k = csr.list_position[e];
      if (csr.targets[e] == autapse.column_of(i))
        throw parameter_error(where, "explicit pair " + text(k), pair(k), "no autapse, since allow_autapses is false");
      if (!rule.allow_multapses && e > csr.row_ptr[i] && csr.targets[e - 1] == csr.targets[e])
        throw parameter_error(
            where, "explicit pair " + text(k), pair(k),
            "no repeat of pair " + text(csr.list_position[e - 1]) + ", since allow_multapses is false");
    }
}

// ---- validation ---------------------------------------------------------------------------------------------------

void check_range(const neuron_range& r, const char* name, const std::string& where) {
  if (r.begin > r.end)
    throw parameter_error(where, name, "[" + text(std::uint64_t{r.begin}) + ", " + text(std::uint64_t{r.end}) + ")",
                          "begin <= end");
}

// A rule that gives each of n_lines lines `count` entries out of `pool` candidates (pool already less the autapse).
void check_degree(const connection_rule& rule, const char* rule_name, index_t n_lines, std::uint64_t pool,
                  const char* pool_name, bool autapse_excluded, const std::string& where) {
  if (rule.count == 0 || n_lines == 0) return;
  const std::string pool_text = "the " + std::string(pool_name) + " range size " +
                                text(pool + (autapse_excluded ? 1 : 0)) +
                                (autapse_excluded ? ", less the excluded autapse" : "");
  if (pool == 0)
    throw parameter_error(where, "count", text(rule.count),
                          std::string("0 for ") + rule_name + ": no allowed " + pool_name + " (" + pool_text + ")");
  if (!rule.allow_multapses && rule.count > pool)
    throw parameter_error(where, "count", text(rule.count),
                          "at most " + text(pool) + " for " + rule_name + " without multapses (" + pool_text + ")");
  if (rule.count > max_connections / n_lines)
    throw resource_error(where + ": " + rule_name + " with count " + text(rule.count) + " on " +
                         text(std::uint64_t{n_lines}) + " neurons makes too many connections");
}

void check_rule(const connection_rule& rule, const neuron_range& source, const neuron_range& target,
                std::uint32_t projection_id, const autapse_map& autapse, const std::string& where) {
  if (projection_id > rng::max_object_id)
    throw parameter_error(where, "projection id", text(std::uint64_t{projection_id}),
                          "at most " + text(std::uint64_t{rng::max_object_id}) + " (the random streams' object id)");
  check_range(source, "source range", where);
  check_range(target, "target range", where);
  const index_t n_source = source.size(), n_target = target.size();
  // A line loses at most one candidate to the autapse; some line does when the ranges overlap.
  const bool overlap = autapse.count() > 0;
  switch (rule.kind) {
    case rule_kind::all_to_all: break;
    case rule_kind::one_to_one:
      if (n_source != n_target)
        throw parameter_error(where, "target range size", text(std::uint64_t{n_target}),
                              "the source range size " + text(std::uint64_t{n_source}) + " for one_to_one");
      break;
    case rule_kind::fixed_probability:
      if (!(rule.probability >= 0.0 && rule.probability <= 1.0))
        throw parameter_error(where, "probability", text(rule.probability), "a value in [0, 1]");
      break;
    case rule_kind::fixed_indegree:
      check_degree(rule, "fixed_indegree", n_target, n_source - (overlap ? 1 : 0), "source", overlap, where);
      break;
    case rule_kind::fixed_outdegree:
      check_degree(rule, "fixed_outdegree", n_source, n_target - (overlap ? 1 : 0), "target", overlap, where);
      break;
    case rule_kind::fixed_total_number: {
      const std::uint64_t pairs = std::uint64_t{n_source} * n_target - autapse.count();
      const std::string pairs_text = text(std::uint64_t{n_source}) + " x " + text(std::uint64_t{n_target}) + " pairs" +
                                     (overlap ? ", less " + text(autapse.count()) + " autapses" : "");
      if (rule.count > 0 && pairs == 0)
        throw parameter_error(where, "count", text(rule.count),
                              "0 for fixed_total_number: no allowed pair (" + pairs_text + ")");
      if (!rule.allow_multapses && rule.count > pairs)
        throw parameter_error(
            where, "count", text(rule.count),
            "at most " + text(pairs) + " for fixed_total_number without multapses (" + pairs_text + ")");
      if (rule.count > max_connections)
        throw resource_error(where + ": fixed_total_number with count " + text(rule.count) +
                             " makes too many connections");
      break;
    }
    case rule_kind::explicit_list:
      if (rule.sources.size() != rule.targets.size())
        throw parameter_error(where, "targets", text(std::uint64_t{rule.targets.size()}) + " entries",
                              "as many entries as sources (" + text(std::uint64_t{rule.sources.size()}) + ")");
      for (std::uint64_t k = 0; k < rule.sources.size(); ++k) {
        if (rule.sources[k] >= n_source)
          throw parameter_error(where, "sources[" + text(k) + "]", text(std::uint64_t{rule.sources[k]}),
                                "an index in [0, " + text(std::uint64_t{n_source}) + "), the source range size");
        if (rule.targets[k] >= n_target)
          throw parameter_error(where, "targets[" + text(k) + "]", text(std::uint64_t{rule.targets[k]}),
                                "an index in [0, " + text(std::uint64_t{n_target}) + "), the target range size");
      }
      break;
  }
}

}  // namespace

lines::autapse_map autapse_map_of(const connection_rule& rule, const neuron_range& source,
                                  const neuron_range& target) {
  autapse_map autapse;
  autapse.active = !rule.allow_autapses && source.population == target.population;
  autapse.offset = std::int64_t{source.begin} - std::int64_t{target.begin};
  autapse.n_source = source.size();
  autapse.n_target = target.size();
  return autapse;
}

std::uint32_t connectivity_tag(std::uint32_t projection_id) {
  return rng::make_tag(rng::purpose::connectivity, projection_id);
}

namespace {

// Validates the rule and returns its empty CSR with the row pointers allocated.
csr_connectivity start_csr(const connection_rule& rule, const neuron_range& source, const neuron_range& target,
                           std::uint32_t projection_id, const autapse_map& autapse, const std::string& where) {
  check_rule(rule, source, target, projection_id, autapse, where);
  csr_connectivity csr;
  csr.n_source = source.size();
  csr.n_target = target.size();
  allocate(csr.row_ptr, std::uint64_t{csr.n_source} + 1, where, "row pointers");
  return csr;
}

}  // namespace

bool rule_plans_rows(rule_kind kind) {
  return kind == rule_kind::fixed_outdegree || kind == rule_kind::fixed_total_number;
}

csr_connectivity plan_rows(const connection_rule& rule, const neuron_range& source, const neuron_range& target,
                           std::uint64_t seed, std::uint32_t projection_id, const std::string& where) {
  if (!rule_plans_rows(rule.kind)) throw std::logic_error("plan_rows: rule without planned rows");
  const autapse_map autapse = autapse_map_of(rule, source, target);
  csr_connectivity csr = start_csr(rule, source, target, projection_id, autapse, where);
  if (rule.kind == rule_kind::fixed_outdegree)
    plan_fixed_outdegree(csr, rule);
  else
    plan_fixed_total_number(csr, rule, autapse, seed, projection_id);
  return csr;
}

void fill_planned_rows(csr_connectivity& csr, const connection_rule& rule, const neuron_range& source,
                       const neuron_range& target, std::uint64_t seed, std::uint32_t projection_id,
                       const std::string& where) {
  fill_planned(csr, rule, autapse_map_of(rule, source, target), seed, connectivity_tag(projection_id), where);
}

csr_connectivity build_connectivity(const connection_rule& rule, const neuron_range& source, const neuron_range& target,
                                    std::uint64_t seed, std::uint32_t projection_id, const std::string& where) {
  if (rule_plans_rows(rule.kind)) {
    csr_connectivity csr = plan_rows(rule, source, target, seed, projection_id, where);
    fill_planned_rows(csr, rule, source, target, seed, projection_id, where);
    return csr;
  }
  const autapse_map autapse = autapse_map_of(rule, source, target);
  csr_connectivity csr = start_csr(rule, source, target, projection_id, autapse, where);
  const std::uint32_t tag = connectivity_tag(projection_id);
  switch (rule.kind) {
    case rule_kind::all_to_all: build_all_to_all(csr, autapse, where); break;
    case rule_kind::one_to_one: build_one_to_one(csr, autapse, where); break;
    case rule_kind::fixed_probability: build_fixed_probability(csr, rule.probability, autapse, seed, tag, where); break;
    case rule_kind::fixed_indegree: build_fixed_indegree(csr, rule, autapse, seed, tag, where); break;
    case rule_kind::explicit_list: build_explicit_list(csr, rule, autapse, where); break;
    case rule_kind::fixed_outdegree:
    case rule_kind::fixed_total_number: break;  // planned above
  }
  return csr;
}

csc_index transpose(const csr_connectivity& csr) {
  csc_index csc;
  transpose_compressed(csr.row_ptr, csr.targets, csr.n_target, csc.col_ptr, csc.sources, &csc.synapse, "transpose");
  return csc;
}

}  // namespace volley
