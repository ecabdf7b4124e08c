#include "host/nest_layer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "engine/error.hpp"
#include "engine/network.hpp"
#include "engine/spec_values.hpp"
#include "host/nest_layer_detail.hpp"
#include "host/simulator.hpp"
#include "models/registry.hpp"

namespace volley::nest {

using namespace detail;

kernel::kernel(kernel_options options) : plan_(std::make_unique<detail::plan>()) {
  if (!(options.resolution_ms > 0) || !std::isfinite(options.resolution_ms))
    throw parameter_error("kernel", "resolution", std::to_string(options.resolution_ms) + " ms", "a positive time step");
  detail::check_wfr_options(options);
  plan_->options = options;
}

kernel::~kernel() = default;

node_collection kernel::create(const std::string& model, std::uint64_t n, const json& params) {
  plan_->preview_cache.reset();
  const std::string where = "Create('" + model + "')";
  if (n < 1 || n > max_population_size) throw parameter_error(where, "n", std::to_string(n), "a positive number of nodes");
  if (!params.is_object()) throw parameter_error(where, "params", params.dump(), "an object {name: value}");
  node_group g;
  g.model = model;
  g.first_id = plan_->next_id;
  g.count = n;
  g.kind = device_kind_of(model);
  if (g.kind == device_kind::none) {
    g.entry = models::find_neuron_model(model);
    if (g.entry == nullptr) {
      std::string known;
      for (const auto& e : models::neuron_models()) known += (known.empty() ? "" : ", ") + std::string(e.name);
      throw parameter_error(where, "model", "'" + model + "'", "a neuron model (" + known + ") or a device (" +
                                                                  device_names() + ")");
    }
    g.entry->describe(g.description);
  } else {
    g.params = device_defaults(g.kind, plan_->options.resolution_ms);
  }
  // between Simulate calls: checked now, built at the next one (host/nest_late_additions.cpp)
  const bool late = plan_->sim != nullptr, neuron = g.kind == device_kind::none;
  if (late) {
    plan_->add_late_group(std::move(g), params);  // a device's parameters are set there
  } else {
    plan_->groups.push_back(std::move(g));
  }
  plan_->next_id += n;
  const node_collection nodes{plan_->groups.back().first_id, n};
  if ((neuron || !late) && !params.empty()) {
    try {
      set_status(nodes, params);
    } catch (...) {
      plan_->drop_last_group();  // as NEST: a refused Create creates nothing
      throw;
    }
  }
  return nodes;
}

void kernel::set_status(const node_collection& nodes, const json& params) {
  plan_->preview_cache.reset();
  const std::vector<node_collection> runs = plan_->runs(nodes, "SetStatus");  // a composite has 2 or more
  if (runs.size() > 1) {
    set_status_of_runs(nodes, runs, params);
    return;
  }
  set_status_of_run(runs.front(), params);
}

void kernel::set_status_of_runs(const node_collection& nodes, const std::vector<node_collection>& runs,
                                const json& params) {
  std::vector<json> parts;
  std::uint64_t offset = 0;
  for (const auto& r : runs) {
    parts.push_back(plan_->params_of_run(nodes, r, offset, params, "SetStatus"));
    offset += r.count;
  }
  if (plan_->sim) {  // every part is checked before any changes (as one call); neurons not built yet as before it
    auto built = [&](std::size_t k) { return !plan_->pending(plan_->group_of(runs[k], "SetStatus")); };
    for (std::size_t k = 0; k < runs.size(); ++k)
      if (built(k)) plan_->set_status_after_simulate(runs[k], parts[k], false);
    for (std::size_t k = 0; k < runs.size(); ++k)
      if (!built(k)) set_status_of_run(runs[k], parts[k]);
    for (std::size_t k = 0; k < runs.size(); ++k)
      if (built(k)) plan_->set_status_after_simulate(runs[k], parts[k], true);
    return;
  }
  const std::vector<node_group> before = plan_->groups;  // a refused part undoes the parts before it
  try {
    for (std::size_t k = 0; k < runs.size(); ++k) set_status_of_run(runs[k], parts[k]);
  } catch (...) {
    plan_->groups = before;
    throw;
  }
}

void kernel::set_status_of_run(const node_collection& nodes, const json& params) {
  node_group& g = plan_->group_of(nodes, "SetStatus");
  if (plan_->sim && !plan_->pending(g)) {  // between Simulate calls (host/nest_later_changes.cpp)
    plan_->set_status_after_simulate(nodes, params);
    return;
  }
  const std::string where = "SetStatus(" + g.model + ")";
  if (!params.is_object()) throw parameter_error(where, "params", params.dump(), "an object {name: value}");
  if (g.kind != device_kind::none) {
    if (nodes.count != g.count)
      throw parameter_error(where, "nodes", std::to_string(nodes.count) + " of " + std::to_string(g.count),
                            "all devices of one Create() call (volley keeps one parameter set per call)");
    set_device_params(g, params, where, plan_->options.resolution_ms);
    return;
  }
  if (detail::is_injector(g)) {
    detail::set_injector_params(g, nodes, params, plan_->options.resolution_ms, where);
    return;
  }
  // As NEST: everything is checked first, then committed.
  const std::uint64_t offset = nodes.first_id - g.first_id;
  const bool whole = offset == 0 && nodes.count == g.count;
  json updated = g.params;
  json updated_overrides = g.state_overrides;
  json updated_archive = g.archive;
  json model_params = json::object();
  for (const auto& [key, value] : params.items()) {
    if (!detail::is_archive_key(key)) {
      model_params[key] = value;
      continue;
    }
    if (!whole || !value.is_number() || !(value.get<double>() > 0) || !std::isfinite(value.get<double>()))
      throw parameter_error(where, key, value.dump(), "one positive number (ms) for all nodes of the Create() call");
    updated_archive[key] = value;
  }
  const json expanded = detail::expand_vector_params(
      g, detail::cm_params(g, detail::rate_param_aliases(g, model_params), whole, where), where);
  for (const auto& [key, value] : expanded.items()) {
    unit_of_key(g, key, where);  // rejects unknown names, naming the known ones
    if (value.is_array() && value.size() != nodes.count)
      throw parameter_error(where, key, std::to_string(value.size()) + " values",
                            std::to_string(nodes.count) + " values, one per node");
    json& slot = updated[key];
    if (whole || value.is_object()) {
      updated_overrides.erase(key);
      if (!whole)
        throw parameter_error(where, key, value.dump(), "a value or a list over a part of a Create() call (a "
                                                        "distribution only over all of it)");
      slot = value;
      continue;
    }
    // A part of the nodes: per-node values, the rest keep what they had.
    if (detail::is_state_key(g, key)) {  // set on the built population, node by node, after the whole-call values
      for (std::uint64_t i = 0; i < nodes.count; ++i)
        updated_overrides[key][std::to_string(offset + i)] = value.is_array() ? value.at(i) : value;
      continue;
    }
    if (slot.is_object())
      throw parameter_error(where, key, value.dump(), "a value for all nodes of the Create() call: it holds a "
                                                      "distribution, which volley does not split per node");
    if (!slot.is_array()) slot = json::array_t(g.count, slot);
    for (std::uint64_t i = 0; i < nodes.count; ++i) slot[offset + i] = value.is_array() ? value.at(i) : value;
  }
  std::swap(g.params, updated);
  try {
    plan_->check_neuron_params(g);
    for (const auto& [key, values] : updated_overrides.items())
      for (const auto& [i, v] : values.items()) quantity_in(v, detail::unit_of_key(g, key, where), where, key);
  } catch (...) {
    std::swap(g.params, updated);
    throw;
  }
  g.state_overrides = std::move(updated_overrides);
  g.archive = std::move(updated_archive);
}

namespace {
synapse_model* find_synapse(std::vector<synapse_model>& models, const std::string& name) {
  for (auto& m : models)
    if (m.name == name) return &m;
  return nullptr;
}
}  // namespace

void kernel::copy_model(const std::string& existing, const std::string& name, const json& params) {
  plan_->preview_cache.reset();
  const std::string where = "CopyModel('" + existing + "', '" + name + "')";
  const synapse_model* base = find_synapse(plan_->synapse_models, existing);
  if (base == nullptr)
    throw parameter_error(where, "existing", "'" + existing + "'",
                          "a synapse model (" + synapse_model_names(plan_->synapse_models) +
                              "); neuron and device models cannot be copied yet");
  if (find_synapse(plan_->synapse_models, name) != nullptr || models::find_neuron_model(name) != nullptr ||
      device_kind_of(name) != device_kind::none)
    throw parameter_error(where, "name", "'" + name + "'", "a new model name");
  synapse_model copy = *base;
  copy.name = name;
  if (!params.is_object()) throw parameter_error(where, "params", params.dump(), "an object {name: value}");
  copy.params = merged_syn_spec(copy, params, where);
  copy.params.erase("receptor_type");
  synapse_spec probe;
  lower_plasticity(copy, copy.params, probe, where);
  plan_->synapse_models.push_back(std::move(copy));
}

void kernel::set_defaults(const std::string& model, const json& params) {
  plan_->preview_cache.reset();
  const std::string where = "SetDefaults('" + model + "')";
  synapse_model* m = find_synapse(plan_->synapse_models, model);
  if (m == nullptr)
    throw parameter_error(where, "model", "'" + model + "'",
                          "a synapse model (" + synapse_model_names(plan_->synapse_models) + ")");
  if (plan_->sim)  // a model's connections are built with its defaults (common properties included)
    for (const auto& c : plan_->connections)
      if (&synapse_model_of(plan_->synapse_models, c.syn_spec, where) == m)
        throw user_error(where + " after Simulate(): " + model + " has connections, built with its defaults; "
                         "set them before the first Simulate() (or CopyModel a new model now)");
  if (!params.is_object()) throw parameter_error(where, "params", params.dump(), "an object {name: value}");
  json merged = merged_syn_spec(*m, params, where);
  merged.erase("receptor_type");
  synapse_spec probe;
  lower_plasticity(*m, merged, probe, where);
  m->params = std::move(merged);
}

json kernel::get_defaults(const std::string& model) const {
  for (const auto& m : plan_->synapse_models)
    if (m.name == model) return m.params;
  throw parameter_error("GetDefaults('" + model + "')", "model", "'" + model + "'",
                        "a synapse model (" + synapse_model_names(plan_->synapse_models) + ")");
}

// NEST makes a connection at Connect: one made between Simulate calls is listed (and can be set) at once. volley
// draws it when it builds the additions (host/nest_late_additions.cpp), so a query builds what was added so far,
// as the next Simulate would (the network's state is not touched: no step runs).
// Before the first Simulate, a preview network answers (host/nest_preview.cpp): the same synapses the build will
// draw, and weights set there are applied at the build.
json kernel::get_connections(const node_collection& source, const node_collection& target,
                             const std::string& synapse_model) const {
  if (!plan_->sim) return preview().connections_between(source, target, synapse_model);
  plan_->build_additions();
  return plan_->connections_between(source, target, synapse_model);
}

void kernel::set_connections(const node_collection& source, const node_collection& target, const json& params,
                             const std::string& synapse_model) {
  if (!plan_->sim) {
    detail::plan& p = preview();
    p.set_connections(source, target, synapse_model, params);
    plan_->preset_weights = p.preset_weights;
    plan_->device_weights = p.device_weights;
    plan_->preset_generator_weights = p.preset_generator_weights;
    return;
  }
  plan_->build_additions();
  plan_->set_connections(source, target, synapse_model, params);
}

detail::plan& kernel::preview() const {
  if (!plan_->preview_cache) plan_->preview_cache = plan_->preview();
  return *plan_->preview_cache;
}

void kernel::connect(const node_collection& pre, const node_collection& post, const json& conn_spec,
                     const json& syn_spec) {
  plan_->preview_cache.reset();
  if (!syn_spec.is_object()) throw parameter_error("Connect", "syn_spec", syn_spec.dump(), "an object");
  // one connection per pair of Create() calls the collections span (host/nest_composite.cpp), all checked first
  std::vector<connection> pieces = plan_->connection_pieces(pre, post, conn_spec, syn_spec);
  for (auto& c : pieces) c.call = plan_->connect_calls;
  ++plan_->connect_calls;
  if (plan_->sim) {  // between Simulate calls: built at the next one (host/nest_late_additions.cpp)
    for (const auto& c : pieces) plan_->check_late_connection(c);
    for (const auto& c : pieces) {
      plan_->connections.push_back(c);
      plan_->projection_of.push_back(-1);
      plan_->weight_recorder_of.push_back(-1);
    }
    return;
  }
  for (const auto& c : pieces) plan_->check_connection(c);
  for (const auto& c : pieces) plan_->connections.push_back(c);
}

run_stats kernel::simulate(double t_ms) {
  if (!(t_ms >= 0) || !std::isfinite(t_ms))
    throw parameter_error("Simulate", "t", std::to_string(t_ms) + " ms", "a finite, non-negative time");
  if (!plan_->sim) {
    plan_->preview_cache.reset();
    const auto t0 = std::chrono::steady_clock::now();
    plan_->build();
    plan_->build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } else {
    plan_->build_additions();  // nodes and connections added since the last run
    plan_->realign_noise_phases();
  }
  run_stats stats = plan_->sim->run(units::time_q(t_ms));
  plan_->run_ends.push_back(plan_->sim->current_step());  // the detectors' order of delivery depends on them
  return stats;
}

network& kernel::net() {
  if (!plan_->net) throw user_error("the network is built at the first Simulate(); there is none yet");
  return *plan_->net;
}

const simulator* kernel::sim() const { return plan_->sim.get(); }

double kernel::build_seconds() const { return plan_->build_s; }

json kernel::get_status(const node_collection& nodes) const {
  const std::vector<node_collection> runs = plan_->runs(nodes, "GetStatus");
  if (runs.size() == 1) return plan_->status(runs.front());
  return plan_->composite_status(runs);  // NEST's shape: one value per node
}

json kernel::get_events(const node_collection& recorder) const {
  const std::vector<node_collection> runs = plan_->runs(recorder, "GetEvents");
  if (runs.size() != 1)
    throw parameter_error("GetEvents", "nodes", std::to_string(runs.size()) + " Create() calls' nodes",
                          "one recorder");
  return plan_->events(runs.front());
}

}  // namespace volley::nest
