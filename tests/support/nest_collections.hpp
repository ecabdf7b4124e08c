#pragma once
// The node collections of the NEST reference protocols (tools/nest_reference/*.py): each protocol creates groups
// of nodes (nodes[i], one Create() call each) and names collections by them, as
//   i                          the whole group i,
//   [i, begin, end]            the slice [begin, end) of group i,
//   [[i, b, e], [j, b, e]...]  such slices joined with + (NEST's order: by id),
//   null                       no collection (GetConnections: all).
// protocol_replay rebuilds a protocol of Connect and Simulate steps through the NEST layer.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/nest_layer.hpp"
#include "host/simulator.hpp"  // run_stats, what simulate returns

namespace volley::nest_ref {

inline nest::node_collection collection(const std::vector<nest::node_collection>& nodes, const nest::json& spec) {
  if (spec.is_null()) return {};
  if (spec.is_number_integer()) return nodes[spec.get<std::size_t>()];
  auto slice = [&](const nest::json& s) {
    return nodes[s[0].get<std::size_t>()].slice(s[1].get<std::uint64_t>(), s[2].get<std::uint64_t>());
  };
  if (!spec.empty() && spec[0].is_number_integer()) return slice(spec);
  nest::node_collection out;
  for (const auto& s : spec) out = out + slice(s);
  return out;
}

// The protocol's nodes created in order, then its steps: {"connect": [pre, post], "conn": ..., "syn": ...} or
// {"simulate": ms}; one thread, the protocol's resolution "dt" (ms).
struct protocol_replay {
  nest::kernel k;
  std::vector<nest::node_collection> nodes;
  explicit protocol_replay(const nest::json& r)
      : k({.resolution_ms = r.at("dt").get<double>(), .local_num_threads = 1}) {
    for (const auto& n : r.at("nodes")) nodes.push_back(k.create(n.at("model"), n.at("n"), n.at("params")));
    for (const auto& s : r.at("steps")) {
      if (s.contains("connect"))
        k.connect(collection(nodes, s.at("connect")[0]), collection(nodes, s.at("connect")[1]), s.at("conn"),
                  s.at("syn"));
      else
        k.simulate(s.at("simulate").get<double>());
    }
  }
};

}  // namespace volley::nest_ref
