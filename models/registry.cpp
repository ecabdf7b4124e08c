// The model registry: the table of every neuron model (its three parts are compiled separately, in
// models/registry_brainpy.cpp, registry_nest_exact.cpp and registry_nest_ode.cpp, so that they build in parallel),
// and the descriptions of the receptor kinds.
#include "models/registry.hpp"

#include <utility>
#include <variant>

#include "models/model_json.hpp"
#include "models/receptor.hpp"
#include "models/registry_parts.hpp"

namespace volley::models {

const std::vector<neuron_model_entry>& neuron_models() {
  static const std::vector<neuron_model_entry> table = [] {
    std::vector<neuron_model_entry> all;
    for (auto part : {brainpy_model_entries, nest_exact_model_entries, nest_ode_model_entries,
                      nest_rate_model_entries}) {
      auto entries = part();
      all.insert(all.end(), entries.begin(), entries.end());
    }
    return all;
  }();
  return table;
}

const neuron_model_entry* find_neuron_model(const std::string& name) {
  for (const auto& e : neuron_models())
    if (name == e.name) return &e;
  return nullptr;
}

namespace {

// Parameters of one synapse or output kind, from its each_param table: name, unit, default, range.
template <class P>
nlohmann::json describe_receptor_part() {
  nlohmann::json params = nlohmann::json::array();
  P defaults{};
  P::each_param(defaults, [&](const char* name, auto& field, range_check check) {
    params.push_back({{"name", name}, {"unit", units::internal_unit_name(field.dim)}, {"default", field.value},
                      {"range", range_text(check)}});
  });
  return {{"name", P::name}, {"parameters", params}};
}

template <class V, std::size_t... I>
nlohmann::json describe_kinds(std::index_sequence<I...>) {
  return nlohmann::json::array({describe_receptor_part<std::variant_alternative_t<I, V>>()...});
}

}  // namespace

void describe_receptors(nlohmann::json& out) {
  out["synapses"] = describe_kinds<synapse_params>(std::make_index_sequence<std::variant_size_v<synapse_params>>());
  auto& outputs = out["outputs"] =
      describe_kinds<output_params>(std::make_index_sequence<std::variant_size_v<output_params>>());
  for (auto& o : outputs)
    o["weight_unit"] = units::internal_unit_name(
        o["name"] == cuba_params::name ? receptor_weight_dim(output_kind::cuba) : receptor_weight_dim(output_kind::coba));
}

}  // namespace volley::models
