#pragma once
// The pieces of one random connectivity line (a row of fixed_outdegree / fixed_total_number, a column of
// fixed_indegree) as host-device code: the CPU builder (engine/connectivity.cpp) and the GPU builder
// (kernels/gpu/connectivity_build.cu) compose the same draws in the same order, so a seed gives the same targets
// on every backend. Sorting is left to the caller (a bucket sort on the CPU, a bitonic sort of the block in shared
// memory on the GPU): sorted values are the same whichever sort produced them.
#include <cstdint>

#include "engine/config.hpp"
#include "engine/random.hpp"

namespace volley::lines {

// Where the autapses of a projection lie. Row i's autapse is column i + offset when that is inside the target range.
struct autapse_map {
  bool active = false;      // autapses excluded and both ranges in one population
  std::int64_t offset = 0;  // source.begin - target.begin
  index_t n_source = 0, n_target = 0;

  // Excluded column of row i; n_target when none.
  VOLLEY_HD index_t column_of(index_t i) const {
    const std::int64_t j = std::int64_t{i} + offset;
    return active && j >= 0 && j < std::int64_t{n_target} ? static_cast<index_t>(j) : n_target;
  }
  // Excluded row of column j; n_source when none.
  VOLLEY_HD index_t row_of(index_t j) const {
    const std::int64_t i = std::int64_t{j} - offset;
    return active && i >= 0 && i < std::int64_t{n_source} ? static_cast<index_t>(i) : n_source;
  }
  // Number of excluded pairs = length of the overlap of the two ranges.
  VOLLEY_HD std::uint64_t count() const {
    if (!active) return 0;
    const std::int64_t lo = offset > 0 ? offset : 0;
    const std::int64_t hi = std::int64_t{n_source} < std::int64_t{n_target} + offset ? std::int64_t{n_source}
                                                                                      : std::int64_t{n_target} + offset;
    return hi > lo ? static_cast<std::uint64_t>(hi - lo) : 0;
  }
};

// How a line of k values is drawn from [0, pool) (pool = n less the excluded value, if any).
enum class line_method {
  with_replacement,  // k draws, then sort
  selection,         // without replacement, k * 4 >= pool: Knuth's selection sampling, ascending as drawn
  redraw_repeats     // without replacement, sparse: draw, sort, drop repeats, draw the shortfall, until k distinct
};

VOLLEY_HD inline line_method method_for(std::uint64_t k, index_t pool, bool replace) {
  if (replace) return line_method::with_replacement;
  return k * 4 >= pool ? line_method::selection : line_method::redraw_repeats;
}

// out[e] = uniform_index(pool) for e in [from, to).
VOLLEY_HD inline void draw_indices(rng::random_stream& r, index_t pool, index_t* out, std::uint64_t from,
                                   std::uint64_t to) {
  for (std::uint64_t e = from; e < to; ++e) out[e] = r.uniform_index(pool);
}

// Selection sampling (Knuth's algorithm S): k distinct values of [0, pool), ascending; O(pool).
VOLLEY_HD inline void selection_sample(rng::random_stream& r, index_t pool, std::uint64_t k, index_t* out) {
  std::uint64_t chosen = 0;
  for (index_t v = 0; chosen < k; ++v)
    if (static_cast<double>(pool - v) * r.uniform() < static_cast<double>(k - chosen)) out[chosen++] = v;
}

// Drops repeats from the sorted out[0, k) in place (as std::unique); returns the number of distinct values.
VOLLEY_HD inline std::uint64_t drop_repeats(index_t* out, std::uint64_t k) {
  if (k == 0) return 0;
  std::uint64_t distinct = 1;
  for (std::uint64_t e = 1; e < k; ++e)
    if (out[e] != out[distinct - 1]) out[distinct++] = out[e];
  return distinct;
}

// Maps [0, pool) onto [0, n) less `excluded` (monotone: order and distinctness survive). excluded >= n: none.
VOLLEY_HD inline index_t skip_excluded(index_t v, index_t excluded) { return v + (v >= excluded ? 1 : 0); }

}  // namespace volley::lines
