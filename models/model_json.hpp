#pragma once
// Builds a model_population<Model> from spec JSON, and describes a model's parameters, using the model's own
// each_param visitor: the same table serves the C++ API, spec files and `volley models`.
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/model_population.hpp"
#include "engine/random.hpp"
#include "engine/spec_values.hpp"
#include "engine/unit_parse.hpp"
#include "models/registry.hpp"

namespace volley::models {

template <class T>
struct is_quantity : std::false_type {};
template <units::dimension D>
struct is_quantity<units::quantity<D>> : std::true_type {};

template <class Model>
std::unique_ptr<population> create_population(const population_request& req) {
  using params = typename Model::params;
  const std::string where = "population '" + req.name + "' (" + Model::name + ")";
  params base = Model::defaults();
  std::vector<std::pair<std::string, quantity_value>> varying;  // per-neuron parameters
  if (req.params && !req.params->is_null()) {
    if (!req.params->is_object()) throw spec_error(where + ": 'params' must be an object");
    for (const auto& item : req.params->items()) {  // named, not bound: lambdas below capture them (clang 14)
      const std::string& key = item.key();
      const auto& val = item.value();
      bool known = false;
      Model::each_param(base, [&](const char* name, auto& field, range_check check) {
        if (key != name) return;
        known = true;
        using F = std::decay_t<decltype(field)>;
        if constexpr (std::is_same_v<F, reset_mode>) {
          const std::string s = val.is_string() ? val.template get<std::string>() : std::string();
          if (s != "soft" && s != "hard") throw parameter_error(where, name, val.dump(), "\"soft\" or \"hard\"");
          field = s == "soft" ? reset_mode::soft : reset_mode::hard;
        } else if constexpr (std::is_same_v<F, bool>) {  // switches (NEST's refractory_input)
          if (!val.is_boolean()) throw parameter_error(where, name, val.dump(), "true or false");
          field = val.template get<bool>();
        } else {
          quantity_value v = spec::value_of(val, F::dim, where, name);
          if (v.dist.is_constant() && v.per_item.empty()) {
            if (!in_range(v.dist.a, check))
              throw parameter_error(where, name, val.dump(), std::string(range_text(check)));
            field = F(v.dist.a);
          } else {
            varying.emplace_back(key, std::move(v));
          }
        }
      });
      if (!known) {
        std::string names;
        Model::each_param(base, [&](const char* n, auto&, range_check) { names += (names.empty() ? "" : ", ") + std::string(n); });
        throw parameter_error(where, key, val.dump(), "a parameter of " + std::string(Model::name) + ": " + names);
      }
    }
  }
  std::vector<params> per_neuron{base};
  if (!varying.empty()) {
    per_neuron.assign(req.size, base);
    for (std::size_t v = 0; v < varying.size(); ++v) {
      const std::string& key = varying[v].first;  // named, not bound: the lambda below captures it (clang 14)
      const quantity_value& qv = varying[v].second;
      const auto values = spec::per_neuron(qv, req.size, req.seed, rng::make_tag(rng::purpose::initial_state, req.id),
                                           0xFFFF0000u + static_cast<std::uint32_t>(v), where, key);
      for (index_t i = 0; i < req.size; ++i)
        Model::each_param(per_neuron[i], [&](const char* name, auto& field, range_check check) {
          using F = std::decay_t<decltype(field)>;
          if constexpr (is_quantity<F>::value) {
            if (key != name) return;
            if (!in_range(values[i], check))
              throw parameter_error(where, name, std::to_string(values[i]) + " (neuron " + std::to_string(i) + ")",
                                    std::string(range_text(check)));
            field = F(values[i]);
          }
        });
    }
  }
  for (std::size_t i = 0; i < per_neuron.size(); ++i)
    if (const char* problem = Model::validate(per_neuron[i]))
      throw parameter_error(where, "params", per_neuron.size() > 1 ? "neuron " + std::to_string(i) : "values", problem);

  auto pop = std::make_unique<model_population<Model>>(req.name, req.size, req.batch, std::move(per_neuron), req.dt);
  if (req.initial && !req.initial->is_null()) {
    if (!req.initial->is_object()) throw spec_error(where + ": 'initial' must be an object");
    for (const auto& [key, val] : req.initial->items()) {
      const int var = pop->find_state(key);
      if (var < 0) {
        std::string names;
        for (const auto& f : Model::state_fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
        throw parameter_error(where, "initial." + key, val.dump(), "a state variable of " + std::string(Model::name) + ": " + names);
      }
      const quantity_value qv = spec::value_of(val, Model::state_fields[var].dim, where, "initial." + key);
      // one stream per (variable, batch instance) so batch instances start from different states; per-neuron
      // parameters use streams from 0xFFFF0000 on, which these (var * 65536 + batch) never reach
      for (std::uint32_t b = 0; b < req.batch; ++b) {
        const auto values = spec::per_neuron(qv, req.size, req.seed, rng::make_tag(rng::purpose::initial_state, req.id),
                                             static_cast<std::uint32_t>(var) * 65536u + b, where, "initial." + key);
        real_t* col = pop->state(var) + std::size_t(b) * req.size;
        for (index_t i = 0; i < req.size; ++i) col[i] = static_cast<real_t>(values[i]);
      }
    }
  }
  return pop;
}

template <class Model>
void describe_model_json(nlohmann::json& out) {
  out["name"] = Model::name;
  out["description"] = Model::description;
  auto& params = out["parameters"] = nlohmann::json::array();
  auto defaults = Model::defaults();
  Model::each_param(defaults, [&](const char* name, auto& field, range_check check) {
    using F = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<F, reset_mode>) {
      params.push_back({{"name", name}, {"unit", ""}, {"default", field == reset_mode::soft ? "soft" : "hard"},
                        {"range", "\"soft\" or \"hard\""}});
    } else if constexpr (std::is_same_v<F, bool>) {
      params.push_back({{"name", name}, {"unit", ""}, {"default", field}, {"range", "true or false"}});
    } else {
      params.push_back({{"name", name}, {"unit", units::internal_unit_name(F::dim)}, {"default", field.value},
                        {"range", range_text(check)}});
    }
  });
  auto& state = out["state"] = nlohmann::json::array();
  for (const auto& f : Model::state_fields) state.push_back({{"name", f.name}, {"unit", units::internal_unit_name(f.dim)}});
  auto& ports = out["ports"] = nlohmann::json::array();
  for (int p = 0; p < Model::n_ports; ++p)
    ports.push_back({{"name", Model::ports[p].name}, {"weight_unit", units::internal_unit_name(Model::ports[p].weight_dim)}});
}

template <class Model>
std::unique_ptr<population> create_typed_population(const std::string& name, index_t size, std::uint32_t batch,
                                                    const void* per_neuron, double dt) {
  return std::make_unique<model_population<Model>>(
      name, size, batch, *static_cast<const std::vector<typename Model::params>*>(per_neuron), dt);
}

template <class Model>
neuron_model_entry entry(const char* family) {
  return {Model::name, family, &describe_model<Model>, &create_population<Model>, &describe_model_json<Model>,
          &typeid(Model), &create_typed_population<Model>};
}

}  // namespace volley::models
