#pragma once
// NEST's synapse models in the NEST layer: the built-in ones volley has (static, Tsodyks short-term plasticity,
// the STDP family), CopyModel / SetDefaults copies of them, and how a connection's syn_spec becomes a volley
// synapse_spec. Parameters are NEST's names and units (ms; weights in the target's weight unit).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/network.hpp"

namespace volley::nest::detail {

using json = nlohmann::json;

struct synapse_model {
  std::string name;  // as used in syn_spec["synapse_model"]
  std::string base;  // the built-in model it copies
  json params;       // every parameter with its present default (weight and delay included), NEST's units
  std::string origin = {};  // the built-in model's NEST name (a copy keeps its original's): its common properties
};

// The built-in synapse models, with NEST 3.10's defaults.
std::vector<synapse_model> builtin_synapse_models();
std::string synapse_model_names(const std::vector<synapse_model>& models);
// NEST 3.10's synapse_modelid of model `name`: its place in NEST's registration order for a built-in model, after
// all of them in CopyModel order for a copy. NEST delivers (and logs) a sender's spike connector by connector, in
// this order.
std::size_t nest_synapse_id(const std::vector<synapse_model>& models, const std::string& name);
// The model named in a syn_spec ("static_synapse" when none is named); throws listing the known models.
const synapse_model& synapse_model_of(const std::vector<synapse_model>& models, const json& syn_spec,
                                      const std::string& where);
// The syn_spec over the model's defaults; rejects keys the model does not have (naming them) and non-numeric
// plasticity parameters.
json merged_syn_spec(const synapse_model& m, const json& syn_spec, const std::string& where);
// Connect's syn_spec may not set the model's common properties (NEST: SetDefaults / CopyModel only).
void check_connect_syn_keys(const synapse_model& m, const json& syn_spec, const std::string& where);
// Sets the plasticity of `syn` (short-term or STDP) from a merged syn_spec of model `m`.
void lower_plasticity(const synapse_model& m, const json& merged, synapse_spec& syn, const std::string& where);
// stdp_dopamine_synapse's volume_transmitter in a merged syn_spec: a global id (throws NEST's message if unset).
std::uint64_t volume_transmitter_id(const json& merged, const std::string& where);
// One synapse of a projection, and the state columns NEST's GetConnections adds for the plastic ones:
// synapse_id, next_readout_time, a_causal, a_acausal (stdp_facetshw_synapse_hom), c, n, Kplus
// (stdp_dopamine_synapse); null for the synapses of other models.
struct synapse_ref {
  const projection* p;  // null: a device's connection (no synapse state)
  std::uint64_t k;
};
void add_synapse_state(json& out, const std::vector<synapse_ref>& synapses);
// NEST's node parameters of STDP targets (tau_minus, tau_minus_triplet): not model parameters in volley.
bool is_archive_key(const std::string& key);

}  // namespace volley::nest::detail
