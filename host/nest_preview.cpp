// Connections before the first Simulate: NEST makes a connection at Connect, so GetConnections lists it and
// SetStatus on it acts at once; volley builds its network at the first simulate(). Before then a query is answered
// by a preview: a plan with the same nodes, connections and settings whose network is built on the host (the same
// rules and rng streams as the real build, so the same synapses; no simulator). Weights set there are kept by
// (connection, synapse) in preset_weights and applied when the real network is built (gap junctions: by
// (connection, the junction's place in NEST's order), when connect_nest_gap makes them).
#include <map>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

std::unique_ptr<plan> plan::preview() const {
  auto p = std::make_unique<plan>();
  p->options = options;
  p->next_id = next_id;
  p->groups = groups;
  p->connections = connections;
  p->connect_calls = connect_calls;
  p->synapse_models = synapse_models;
  p->device_weights = device_weights;
  p->preset_weights = preset_weights;
  p->preset_generator_weights = preset_generator_weights;
  std::vector<trace_request> traces;  // what recorders would record: not needed for a query
  std::vector<std::string> spikes;
  try {
    p->build_network(traces, spikes);
    for (auto& proj : p->net->projections())
      if (proj.pending) p->net->draw_pending_synapses(proj);  // what finalize() draws (on a GPU too: same streams)
  } catch (const user_error& e) {  // an error of the build, met by a query that did not call Simulate
    throw user_error(std::string("before the first Simulate, volley answers this query from the network it will "
                                 "build, and building it failed: ") +
                     e.what());
  }
  return p;
}

void plan::apply_preset_weights() {
  std::map<std::size_t, std::pair<std::vector<std::uint64_t>, std::vector<double>>> by_projection;
  for (const auto& [key, w] : preset_weights) {
    if (key.first >= projection_of.size())
      throw internal_error("a preset weight of connection " + std::to_string(key.first) + ", which is not built");
    if (projection_of[key.first] < 0) {
      if (is_gap_synapse(synapse_model_of(synapse_models, connections[key.first].syn_spec, "SetStatus(connections)")))
        continue;  // connect_nest_gap built the junction with it
      throw internal_error("a preset weight of connection " + std::to_string(key.first) + " without a projection");
    }
    auto& [synapses, weights] = by_projection[static_cast<std::size_t>(projection_of[key.first])];
    synapses.push_back(key.second);
    weights.push_back(w);
  }
  for (const auto& [index, change] : by_projection) {
    projection& p = net->projections()[index];
    if (p.pending) net->draw_pending_synapses(p);  // on the host: a GPU would draw the rule's weights
    net->set_weights(index, change.first, change.second, "SetStatus(connections)");
  }
}

}  // namespace volley::nest::detail
