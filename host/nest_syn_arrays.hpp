// NEST's per-connection syn_spec arrays for all_to_all, fixed_indegree, fixed_outdegree and fixed_total_number
// (host/nest_syn_arrays.cpp): their shapes checked, flattened, and the value each drawn connection takes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/connectivity.hpp"
#include "host/nest_layer.hpp"

namespace volley::nest::detail {

enum class array_shape { post_by_pre, post_by_indegree, pre_by_outdegree, per_connection };

struct connection_arrays {
  array_shape shape = array_shape::per_connection;
  std::uint64_t columns = 0;      // the second dimension of a two-dimensional array
  std::vector<std::string> keys;  // the syn_spec keys given as arrays
  std::vector<json> flat;         // their values, row by row
  // The drawn rules: per row, the column each connection takes, by its place in the row (source or target order).
  // NEST hands a row's values out in the order it draws the connections, a random one, so which partner takes
  // which value does not follow the ids: volley shuffles each row with its own stream (draw_value_order).
  std::vector<std::uint64_t> order;
  bool empty() const { return keys.empty(); }
  // The flat index of the value of a drawn connection: source -> target, the position_in_row-th of the source's
  // row, the entry-th in the drawing, after earlier_to_target others to the same target.
  std::uint64_t value_index(std::uint64_t source, std::uint64_t position_in_row, std::uint64_t entry,
                            std::uint64_t target, std::uint64_t earlier_to_target) const;
};

// The arrays of syn_spec for a Connect by `rule` (its name; `drawn`: the rule as read, for the degrees and N) from
// n_pre to n_post nodes. Throws parameter_error naming the key and the shape NEST expects. The rows' value orders
// are drawn from the streams (seed, tag, row).
connection_arrays read_connection_arrays(const std::string& rule, const connection_rule& drawn, const json& syn_spec,
                                         std::uint64_t n_pre, std::uint64_t n_post, std::uint64_t seed,
                                         std::uint32_t tag, const std::string& where);

}  // namespace volley::nest::detail
