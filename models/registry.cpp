// The model registry: the table of every neuron model (its three parts are compiled separately, in
// models/registry_brainpy.cpp, registry_nest_exact.cpp and registry_nest_ode.cpp, so that they build in parallel),
// and the descriptions of the receptor kinds.
#include "models/registry.hpp"

#include <deque>
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

namespace {
std::deque<neuron_model_entry>& added_models() {  // a deque: find_neuron_model's pointers stay valid
  static std::deque<neuron_model_entry> added;
  return added;
}
}  // namespace

const neuron_model_entry* find_neuron_model(const std::string& name) {
  for (const auto& e : neuron_models())
    if (name == e.name) return &e;
  for (const auto& e : added_models())
    if (name == e.name) return &e;
  return nullptr;
}

void add_neuron_model(const neuron_model_entry& entry) {
  if (find_neuron_model(entry.name) != nullptr)
    throw parameter_error("add_neuron_model", "name", std::string("'") + entry.name + "'",
                          "a name no other neuron model has");
  added_models().push_back(entry);
}

std::unique_ptr<population> create_registered_population(const std::type_info& type, const char* model,
                                                         const std::string& name, index_t size, std::uint32_t batch,
                                                         const void* per_neuron, double dt) {
  const neuron_model_entry* e = find_neuron_model(model);
  if (e == nullptr || *e->type != type)
    throw user_error(std::string("add_population: model '") + model +
                     "' is not registered: add a model of your own once with "
                     "volley::models::add_neuron_model(volley::models::entry<Model>(\"user\")) (models/model_json.hpp)");
  return e->create_typed(name, size, batch, per_neuron, dt);
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
