#pragma once
// A multimeter's GetEvents lists its samples in NEST's order of delivery (by min_delay slice, then sender, then
// time; host/nest_queries.cpp). Tests that index samples x nodes re-sort them here.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace volley::nest_ref {

// Column `key` ("times", "senders" or a recorded variable) of multimeter events `ev`, sample-major: by time, then
// by sender (for n recorded nodes in id order, entry s * n + i is node i's sample s).
inline std::vector<double> sample_major(const nlohmann::json& ev, const std::string& key) {
  const auto times = ev.at("times").get<std::vector<double>>();
  const auto senders = ev.at("senders").get<std::vector<std::uint64_t>>();
  std::vector<std::size_t> order(times.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return times[a] != times[b] ? times[a] < times[b] : senders[a] < senders[b];
  });
  const auto column = ev.at(key).get<std::vector<double>>();
  std::vector<double> out;
  out.reserve(order.size());
  for (const std::size_t k : order) out.push_back(column[k]);
  return out;
}

}  // namespace volley::nest_ref
