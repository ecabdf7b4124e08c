// NEST's per-connection syn_spec arrays for the rules other than one_to_one (PyNEST's shapes, NEST 3.10, measured):
//   all_to_all          [n_post][n_pre]   the value of pre j -> post i is [i][j]; an autapse left out skips its value
//   fixed_indegree      [n_post][indegree]   row i: the values of target i's connections, in the order drawn
//   fixed_outdegree     [n_pre][outdegree]   row j: the values of source j's connections, in the order drawn
//   fixed_total_number  [N]                  one per connection, in the order drawn
// NEST's draw order is random; volley's builder lists a row's connections by id, so each row's values are handed
// out in an order drawn from a stream of its own (the same on any thread count).
// pairwise_bernoulli takes none (NEST's TypeError). The rule is drawn at Connect over the whole collections
// (plan::drawn_pieces), and each connection takes its value by these shapes. NEST on several threads restarts
// fixed_total_number's array on every thread (values repeat, others go unused; measured): volley uses each value
// once, as NEST on one thread.
#include "host/nest_syn_arrays.hpp"

#include <string>
#include <utility>

#include "engine/error.hpp"
#include "engine/random.hpp"

namespace volley::nest::detail {

namespace {

std::string dims_text(std::uint64_t rows, std::uint64_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

// NEST's message for a key given in the wrong shape.
[[noreturn]] void wrong_shape(const std::string& where, const std::string& key, const json& value,
                              const std::string& want) {
  std::string got = value.dump();
  if (got.size() > 80) got = got.substr(0, 77) + "...";
  throw parameter_error(where, "syn_spec." + key, got, want + ", a scalar or a dictionary");
}

}  // namespace

std::uint64_t connection_arrays::value_index(std::uint64_t source, std::uint64_t position_in_row, std::uint64_t entry,
                                             std::uint64_t target, std::uint64_t earlier_to_target) const {
  switch (shape) {
    case array_shape::post_by_pre: return target * columns + source;
    case array_shape::post_by_indegree: return target * columns + order[target * columns + earlier_to_target];
    case array_shape::pre_by_outdegree: return source * columns + order[source * columns + position_in_row];
    case array_shape::per_connection: return order[entry];
  }
  return entry;
}

connection_arrays read_connection_arrays(const std::string& rule, const connection_rule& drawn, const json& syn_spec,
                                         std::uint64_t n_pre, std::uint64_t n_post, std::uint64_t seed,
                                         std::uint32_t tag, const std::string& where) {
  connection_arrays out;
  std::uint64_t rows = 0;
  if (rule == "all_to_all") {
    out.shape = array_shape::post_by_pre;
    rows = n_post;
    out.columns = n_pre;
  } else if (rule == "fixed_indegree") {
    out.shape = array_shape::post_by_indegree;
    rows = n_post;
    out.columns = drawn.count;
  } else if (rule == "fixed_outdegree") {
    out.shape = array_shape::pre_by_outdegree;
    rows = n_pre;
    out.columns = drawn.count;
  } else if (rule == "fixed_total_number") {
    out.shape = array_shape::per_connection;
    rows = drawn.count;
  }
  const bool two_d = out.shape != array_shape::per_connection;
  for (const auto& [key, value] : syn_spec.items()) {
    if (!value.is_array()) continue;
    const bool nested = !value.empty() && value.front().is_array();
    if (rule != "all_to_all" && rule != "fixed_indegree" && rule != "fixed_outdegree" && rule != "fixed_total_number")
      wrong_shape(where, key, value,
                  nested ? "two-dimensional arrays only with rule all_to_all, fixed_indegree or fixed_outdegree"
                         : "one-dimensional arrays only with rule one_to_one or fixed_total_number");
    const std::string want = two_d ? "an array of dimension " + dims_text(rows, out.columns) +
                                         (out.shape == array_shape::pre_by_outdegree   ? " (n_sources x outdegree)"
                                          : out.shape == array_shape::post_by_indegree ? " (n_target x indegree)"
                                                                                       : " (n_target x n_sources)")
                                   : "an array of dimension " + std::to_string(rows);
    if (two_d != nested && !value.empty())
      wrong_shape(where, key, value,
                  two_d ? want + " (one-dimensional arrays only with rule one_to_one or fixed_total_number)"
                        : want +
                              " (two-dimensional arrays only with rule all_to_all, fixed_indegree or "
                              "fixed_outdegree)");
    json flat = json::array();
    if (!two_d) {
      if (value.size() != rows) wrong_shape(where, key, value, want);
      flat = value;
    } else {
      if (value.size() != rows) wrong_shape(where, key, value, want);
      for (const auto& row : value) {
        if (!row.is_array() || row.size() != out.columns) wrong_shape(where, key, value, want);
        for (const auto& x : row) flat.push_back(x);
      }
    }
    for (const auto& x : flat)
      if (!x.is_number()) wrong_shape(where, key, value, want + " of numbers");
    out.keys.push_back(key);
    out.flat.push_back(std::move(flat));
  }
  if (!out.empty() && out.shape != array_shape::post_by_pre) {  // each row shuffled (Fisher-Yates)
    const std::uint64_t width = two_d ? out.columns : rows, n_rows = two_d ? rows : 1;
    out.order.resize(n_rows * width);
    for (std::uint64_t r = 0; r < n_rows; ++r) {
      std::uint64_t* row = out.order.data() + r * width;
      for (std::uint64_t c = 0; c < width; ++c) row[c] = c;
      rng::random_stream rs(seed, tag, static_cast<std::uint32_t>(r), 0);
      for (std::uint64_t c = width; c > 1; --c) std::swap(row[c - 1], row[rs.uniform_index64(c)]);
    }
  }
  return out;
}

}  // namespace volley::nest::detail
