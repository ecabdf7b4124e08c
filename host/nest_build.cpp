// The NEST layer's recorded calls turned into a volley network and simulator (host/nest_layer_detail.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <tuple>

#include "engine/error.hpp"
#include "engine/spec_values.hpp"
#include "engine/unit_parse.hpp"
#include "host/nest_layer_detail.hpp"
#include "models/iaf_bw_2001_exact.hpp"  // nmda_slots

namespace volley::nest::detail {

namespace {

std::string number_text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::string selector(const node_group& g, std::uint64_t begin, std::uint64_t end) {
  return g.population + "[" + std::to_string(begin) + ":" + std::to_string(end) + "]";
}

// NEST's connection rule as volley's.
connection_rule rule_of(const json& spec, const std::string& where) {
  connection_rule r;
  std::string name;
  if (spec.is_string()) {
    name = spec.get<std::string>();
  } else if (spec.is_object() && spec.contains("rule") && spec.at("rule").is_string()) {
    name = spec.at("rule").get<std::string>();
  } else {
    throw parameter_error(where, "conn_spec", spec.dump(), "a rule name or an object with \"rule\"");
  }
  auto count = [&](const char* key) {
    if (!spec.is_object() || !spec.contains(key) || !spec.at(key).is_number_integer() || spec.at(key).get<long long>() < 0)
      throw parameter_error(where, std::string("conn_spec.") + key, spec.is_object() && spec.contains(key) ? spec.at(key).dump() : "missing",
                            "a non-negative integer (rule " + name + ")");
    return spec.at(key).get<std::uint64_t>();
  };
  std::set<std::string> allowed{"rule", "allow_autapses", "allow_multapses"};
  if (name == "all_to_all") {
    r.kind = rule_kind::all_to_all;
  } else if (name == "one_to_one") {
    r.kind = rule_kind::one_to_one;
  } else if (name == "pairwise_bernoulli") {
    r.kind = rule_kind::fixed_probability;
    if (!spec.is_object() || !spec.contains("p") || !spec.at("p").is_number())
      throw parameter_error(where, "conn_spec.p", spec.is_object() && spec.contains("p") ? spec.at("p").dump() : "missing",
                            "a probability in [0, 1]");
    r.probability = spec.at("p").get<double>();
    allowed.insert("p");
  } else if (name == "fixed_indegree") {
    r.kind = rule_kind::fixed_indegree;
    r.count = count("indegree");
    allowed.insert("indegree");
  } else if (name == "fixed_outdegree") {
    r.kind = rule_kind::fixed_outdegree;
    r.count = count("outdegree");
    allowed.insert("outdegree");
  } else if (name == "fixed_total_number") {
    r.kind = rule_kind::fixed_total_number;
    r.count = count("N");
    allowed.insert("N");
  } else {
    throw parameter_error(where, "conn_spec.rule", "'" + name + "'",
                          "one of all_to_all, one_to_one, pairwise_bernoulli, fixed_indegree, fixed_outdegree, "
                          "fixed_total_number");
  }
  if (spec.is_object()) {
    for (const auto& [key, value] : spec.items()) {
      if (!allowed.count(key))
        throw parameter_error(where, "conn_spec." + key, value.dump(), "a parameter of rule " + name);
      if ((key == "allow_autapses" || key == "allow_multapses") && !value.is_boolean())
        throw parameter_error(where, "conn_spec." + key, value.dump(), "true or false");
    }
    r.allow_autapses = spec.value("allow_autapses", true);
    r.allow_multapses = spec.value("allow_multapses", true);
  }
  return r;
}

// Devices take static synapses only (as in NEST) and their syn_spec's weight, delay, receptor_type.
void check_device_syn_keys(const std::vector<synapse_model>& models, const json& syn, const std::string& where) {
  const synapse_model& m = synapse_model_of(models, syn, where);
  if (m.base != "static_synapse")
    throw parameter_error(where, "synapse_model", "\"" + m.name + "\"", "a static synapse (devices connect through static synapses)");
  for (const auto& [key, value] : syn.items())
    if (key != "synapse_model" && key != "weight" && key != "delay" && key != "receptor_type")
      throw parameter_error(where, "syn_spec." + key, value.dump(), "one of synapse_model, weight, delay, receptor_type");
}

}  // namespace

connection_rule nest_rule(const json& spec, const std::string& where) { return rule_of(spec, where); }

// NEST's receptor_type as volley's receptor name ("" = by the sign of the weight; parrot_neuron: its ports).
std::string receptor_of(const json& syn, const node_group& target, const std::string& where) {
  const json r = syn.value("receptor_type", json(0));
  if (!r.is_number_integer() || r.get<long long>() < 0)
    throw parameter_error(where, "receptor_type", r.dump(), "a non-negative integer");
  const auto k = r.get<std::uint64_t>();
  if (target.model == "parrot_neuron") {  // NEST: port 0 repeats spikes, port 1 takes them without repeating
    if (k > 1) throw parameter_error(where, "receptor_type", r.dump(), "0 or 1 (the ports of parrot_neuron)");
    return k == 0 ? "spikes" : "ignored";
  }
  // NEST: ht_neuron's spike receptors are 1 .. 4 (AMPA, NMDA, GABA_A, GABA_B); receptor 0 is refused
  if (target.model == "ht_neuron" && (k == 0 || k > 4))
    throw parameter_error(where, "receptor_type", r.dump(), "1 (AMPA), 2 (NMDA), 3 (GABA_A) or 4 (GABA_B): ht_neuron "
                                                            "has no receptor " + r.dump() + " (NEST refuses it)");
  // NEST: iaf_cond_alpha_mc's spike receptors are 1 .. 6; 7 .. 9 take currents only (host/nest_devices.cpp)
  if (target.model == "iaf_cond_alpha_mc" && (k == 0 || k > 6))
    throw parameter_error(where, "receptor_type", r.dump(),
                          "1 .. 6 (soma_exc, soma_inh, proximal_exc, proximal_inh, distal_exc, distal_inh): "
                          "iaf_cond_alpha_mc's receptor " + r.dump() + " takes no spikes (NEST refuses it)");
  // NEST: pp_cond_exp_mc_urbanczik's spike receptors are 1 .. 4; 5, 6 take currents only (host/nest_devices.cpp)
  if (target.model == "pp_cond_exp_mc_urbanczik" && (k == 0 || k > 4))
    throw parameter_error(where, "receptor_type", r.dump(),
                          "1 .. 4 (soma_exc, soma_inh, dendritic_exc, dendritic_inh): pp_cond_exp_mc_urbanczik's "
                          "receptor " + r.dump() + " takes no spikes (NEST refuses it)");
  // the NEST layer's NMDA slot of an iaf_bw_2001_exact connection (plan::claim_nmda_slot); NEST: receptors 1 .. 3
  if (syn.contains("volley_port")) return syn.at("volley_port").get<std::string>();
  if (target.model == "iaf_bw_2001_exact" && (k == 0 || k > 3))
    throw parameter_error(where, "receptor_type", r.dump(), "1 (AMPA), 2 (GABA) or 3 (NMDA): iaf_bw_2001_exact has "
                                                            "no receptor " + r.dump() + " (NEST refuses it)");
  if (target.model == "astrocyte_lr_1994") {  // NEST: receptor 0 only
    if (k != 0) throw parameter_error(where, "receptor_type", r.dump(), "0 (astrocyte_lr_1994)");
    return "spikes";
  }
  if (is_cm(target)) return cm_spike_port(syn, target, k, where);
  if (k == 0) return "";
  if (target.model == "iaf_tum_2000") {  // receptor 1: the weight times the sender's released u x (the payload)
    if (k > 1) throw parameter_error(where, "receptor_type", r.dump(), "0 or 1 (iaf_tum_2000)");
    return "";
  }
  const auto& ports = target.description.at("ports");
  const bool by_sign = target.entry != nullptr && target.entry->info().routes_by_sign;
  if (by_sign || k > ports.size())
    throw parameter_error(where, "receptor_type", r.dump(),
                          by_sign ? "0 (" + target.model + " routes weights by their sign)"
                                  : "at most " + std::to_string(ports.size()) + " (the ports of " + target.model + ")");
  return ports.at(k - 1).at("name").get<std::string>();
}

json nest_weight(const json& syn, const node_group& target) {
  // NEST ignores the weights of spikes a parrot repeats (port 0); volley's parrot counts them as multiplicity 1
  const bool repeated = target.model == "parrot_neuron" && syn.value("receptor_type", json(0)) == json(0);
  return repeated ? json(1.0) : syn.value("weight", json(1.0));
}

std::string unit_of_key(const node_group& g, const std::string& key, const std::string& where) {
  std::string known;
  for (const char* part : {"parameters", "state"}) {
    for (const auto& p : g.description.at(part)) {
      if (p.at("name") != key) {
        known += (known.empty() ? "" : ", ") + p.at("name").get<std::string>();
        continue;
      }
      const auto unit = p.at("unit").get<std::string>();
      if (is_cm(g)) return cm_unit(unit);
      // NEST gives firing rates in Hz (spikes/s) but rate constants (amat2's beta, Izhikevich's a) in 1/ms.
      // pp_psc_delta's escape rate c_1 V + c_2 exp(c_3 V) is in Hz too.
      if (g.model == "pp_psc_delta" && key == "c_1") return "Hz/mV";
      const bool in_hz = key == "rate" || key == "freqs" || key == "lambda_0" ||
                         (g.model == "pp_psc_delta" && key == "c_2") || (g.model == "iaf_tum_2000" && key == "rho");
      if (g.model == "astrocyte_lr_1994") {  // NEST's concentrations are in µM
        std::string u = unit;
        for (auto at = u.find("mM"); at != std::string::npos; at = u.find("mM")) u.replace(at, 2, "uM");
        return u;
      }
      return unit == "1/ms" && in_hz ? "Hz" : unit;
    }
  }
  throw parameter_error(where, key, "(any)", "a parameter or state variable of " + g.model + ": " + known);
}

namespace {
const json* parameter_entry(const node_group& g, const std::string& name) {
  for (const auto& p : g.description.at("parameters"))
    if (p.at("name") == name) return &p;
  return nullptr;
}
}  // namespace

namespace {
bool is_compartment(const node_group& g, const std::string& key) {
  for (const auto& p : g.description.at("parameters"))
    if (p.at("name").get<std::string>().rfind(key + ".", 0) == 0) return true;
  return false;
}
}  // namespace

json expand_vector_params(const node_group& g, const json& params, const std::string& where) {
  json out = json::object();
  for (const auto& [key, value] : params.items()) {
    if (value.is_object() && parameter_entry(g, key) == nullptr && is_compartment(g, key)) {
      // NEST's per-compartment sub-dictionary (iaf_cond_alpha_mc: "soma": {"g_L": ..., "V_m": ...}): parameters
      // "<compartment>.<name>", the compartment's V_m the state "V_m.<first letter>" (NEST's recordable name)
      for (const auto& [sub, v] : value.items()) {
        // pp_cond_exp_mc_urbanczik records its "dendritic" compartment as ".p"
        const std::string letter = key == "dendritic" ? "p" : key.substr(0, 1);
        const std::string name = key + "." + sub, state = sub + "." + letter;
        if (parameter_entry(g, name) != nullptr) {
          out[name] = v;
        } else if (sub == "V_m" && is_state_key(g, state)) {
          out[state] = v;
        } else {
          throw parameter_error(where, name, v.dump(), "a parameter of compartment " + key + " of " + g.model +
                                                           " (or its V_m)");
        }
      }
      continue;
    }
    if (!value.is_array() || parameter_entry(g, key) != nullptr || parameter_entry(g, key + "_1") == nullptr) {
      out[key] = value;
      continue;
    }
    std::size_t slots = 0;
    while (parameter_entry(g, key + "_" + std::to_string(slots + 1)) != nullptr) ++slots;
    if (value.size() > slots)
      throw parameter_error(where, key, value.dump(), "at most " + std::to_string(slots) + " entries (" + g.model +
                                                          " in volley has " + key + "_1.." + key + "_" +
                                                          std::to_string(slots) + ")");
    for (std::size_t i = 0; i < slots; ++i) {
      const std::string name = key + "_" + std::to_string(i + 1);
      if (i < value.size() && !value[i].is_number())
        throw parameter_error(where, key, value.dump(), "one list of numbers for all nodes of the call");
      out[name] = i < value.size() ? value[i] : parameter_entry(g, name)->at("default");
    }
  }
  return out;
}

std::string weight_unit_of(const node_group& target, const json& syn) {
  if (is_cm(target)) return "uS";  // NEST's cm_default
  const auto& ports = target.description.at("ports");
  if (ports.empty()) return "mV";
  const json r = syn.is_object() ? syn.value("receptor_type", json(0)) : json(0);
  if (target.model == "pp_cond_exp_mc_urbanczik" && r.is_number_integer() && r.get<long long>() >= 1 &&
      r.get<std::uint64_t>() <= ports.size())
    return ports.at(r.get<std::uint64_t>() - 1).at("weight_unit").get<std::string>();
  return ports.at(0).at("weight_unit").get<std::string>();
}

recordable recordable_of(const node_group& g, const std::string& nest_name, double resolution_ms) {
  if (!is_state_key(g, nest_name) && nest_name == "t_ref_remaining" && is_state_key(g, "refractory_steps"))
    return {"refractory_steps", resolution_ms, 0.0};
  if (g.model == "iaf_psc_exp_htum" && nest_name == "V_m") {
    double E_L = 0;
    for (const auto& p : g.description.at("parameters"))
      if (p.at("name") == "E_L") E_L = p.at("default").get<double>();
    if (g.params.contains("E_L")) {
      if (!g.params.at("E_L").is_number())
        throw parameter_error("Connect", "record_from", "V_m of iaf_psc_exp_htum",
                              "one E_L for the whole Create() call (NEST's multimeter records V_m - E_L)");
      E_L = g.params.at("E_L").get<double>();
    }
    return {"V_m", 1.0, -E_L};
  }
  if (is_cm(g)) return {cm_state_name(nest_name), 1.0, 0.0};
  return {nest_name, astro_unit_scale(g, nest_name), 0.0};
}

bool is_state_key(const node_group& g, const std::string& key) {
  // A name that is both (iaf_chxk_2008's g_ahp: the AHP amplitude and the AHP conductance) is the parameter, as in
  // NEST's status dictionary; the state is still recorded by that name.
  for (const auto& p : g.description.at("parameters"))
    if (p.at("name") == key) return false;
  for (const auto& p : g.description.at("state"))
    if (p.at("name") == key) return true;
  return false;
}

json with_unit(const json& value, const std::string& unit) {
  if (value.is_number_float() && std::isinf(value.get<double>())) {
    // NEST's infinite bounds (iaf_psc_alpha's V_min = -inf) as the largest finite value: they bound nothing
    const double x = std::copysign(std::numeric_limits<double>::max(), value.get<double>());
    return with_unit(json(x), unit);
  }
  if (value.is_number()) {
    if (unit == "1") return value;
    return number_text(value.get<double>()) + " " + unit;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(with_unit(v, unit));
    return out;
  }
  if (value.is_object()) {
    json out = value;
    for (const char* key : {"mean", "std", "low", "high", "value"})
      if (out.contains(key)) out[key] = with_unit(out[key], unit);
    return out;
  }
  return value;  // strings carry their own unit; anything else is rejected where it is read
}

quantity_value quantity_in(const json& value, const std::string& unit, const std::string& where,
                           const std::string& name) {
  const auto dim = units::parse_quantity(unit == "1" ? "1" : "1 " + unit).dim;
  return spec::value_of(with_unit(value, unit), dim, where, name);
}

void plan::check_not_built(const char* call) const {
  if (sim)
    throw user_error(std::string(call) + " after Simulate(): volley builds the network at the first Simulate(), "
                     "so create, connect and set parameters before it (later Simulate() calls continue the run)");
}

const node_group& plan::group_of(const node_collection& nodes, const std::string& where) const {
  for (const auto& g : groups)
    if (nodes.first_id >= g.first_id && nodes.first_id < g.first_id + g.count) {
      if (nodes.count == 0 || nodes.first_id + nodes.count > g.first_id + g.count)
        throw parameter_error(where, "nodes", "ids " + std::to_string(nodes.first_id) + ".." +
                                                  std::to_string(nodes.first_id + nodes.count - 1),
                              "nodes of one Create() call (" + std::to_string(g.first_id) + ".." +
                                  std::to_string(g.first_id + g.count - 1) + ", " + g.model + ")");
      return g;
    }
  throw parameter_error(where, "nodes", "id " + std::to_string(nodes.first_id), "ids returned by Create()");
}

node_group& plan::group_of(const node_collection& nodes, const std::string& where) {
  return const_cast<node_group&>(static_cast<const plan*>(this)->group_of(nodes, where));
}

void plan::build_population(node_group& g) {
  check_cm_built(g);
  const std::string where = "Create('" + g.model + "')";
  g.population = g.model + "_" + std::to_string(g.first_id);
  json params = json::object(), initial = json::object();
  for (const auto& [key, value] : g.params.items()) {
    const std::string unit = unit_of_key(g, key, where);
    const bool state = is_state_key(g, key);
    if (!state && value.is_array() && std::any_of(value.begin(), value.end(), [](const json& v) { return v.is_null(); })) {
      json full = value;  // a parameter set on part of the nodes: the rest keep the default
      for (const auto& p : g.description.at("parameters"))
        if (p.at("name") == key)
          for (auto& v : full)
            if (v.is_null()) v = number_text(p.at("default").get<double>()) + (unit == "1" ? "" : " " + unit);
      params[key] = with_unit(full, unit);
      continue;
    }
    (state ? initial : params)[key] = with_unit(value, unit);
  }
  models::population_request req;
  req.name = g.population;
  req.size = static_cast<index_t>(g.count);
  req.batch = 1;
  req.dt = options.resolution_ms;
  req.seed = options.rng_seed;
  req.id = static_cast<std::uint32_t>(net->populations().size());
  req.params = &params;
  req.initial = &initial;
  population& p = net->adopt(g.entry->create(req));
  for (const auto& [key, values] : g.state_overrides.items()) {
    int var = 0;
    while (p.model().state[var].name != key) ++var;
    const std::string unit = unit_of_key(g, key, where);
    for (const auto& [i, v] : values.items())
      p.set_state(var, static_cast<index_t>(std::stoul(i)), static_cast<real_t>(quantity_in(v, unit, where, key).dist.a));
  }
}

long long plan::weight_recorder_group(const json& spec, const std::string& where) const {
  const json id = spec.value("weight_recorder", json(nullptr));
  if (id.is_null()) return -1;
  if (id.is_number_integer() && id.get<long long>() > 0)
    for (const auto& g : groups)
      if (g.kind == device_kind::weight_recorder && id.get<std::uint64_t>() >= g.first_id &&
          id.get<std::uint64_t>() < g.first_id + g.count)
        return static_cast<long long>(index_of(g));
  throw parameter_error(where, "weight_recorder", id.dump(), "the global id of a weight_recorder (Create('weight_recorder'))");
}

int plan::volume_transmitter_index(const json& spec, const std::string& where) const {
  const std::uint64_t id = volume_transmitter_id(spec, where);
  for (const auto& g : groups)
    if (g.kind == device_kind::volume_transmitter && id >= g.first_id && id < g.first_id + g.count) {
      const auto gi = index_of(g);
      return gi < volume_transmitters.size() ? volume_transmitters[gi][id - g.first_id] : -1;
    }
  throw parameter_error(where, "volume_transmitter", std::to_string(id),
                        "the global id of one volume_transmitter (Create('volume_transmitter'))");
}

void plan::check_connection(const connection& c) const {
  const node_group& pre = group_of(c.pre, "Connect (pre)");
  const node_group& post = group_of(c.post, "Connect (post)");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  if (check_astro_connection(*this, c, pre, post)) return;  // sic_connection (host/nest_astro.cpp)
  if (check_rate_connection(*this, c, pre, post)) return;   // rate nodes (host/nest_rate.cpp)
  if (check_gap_connection(*this, c, pre, post)) return;    // gap junctions (host/nest_gap.cpp)
  if (pre.kind == device_kind::weight_recorder || post.kind == device_kind::weight_recorder)
    throw parameter_error(where, "weight_recorder", "connected", "not connected: name it in a synapse model "
                                                                 "(CopyModel(..., {\"weight_recorder\": id}))");
  if (pre.kind == device_kind::spike_dilutor || post.kind == device_kind::spike_dilutor) {
    const bool into = post.kind == device_kind::spike_dilutor;
    const node_group& other = into ? pre : post;
    if (other.kind != device_kind::none)
      throw parameter_error(where, into ? "pre" : "post", other.model,
                            "neurons (a spike_dilutor repeats the spikes of neurons to neurons; drive a "
                            "parrot_neuron with a generator and connect the parrot)");
    const json rule = c.conn_spec.is_object() ? c.conn_spec.value("rule", json("")) : c.conn_spec;
    if (rule != "all_to_all")
      throw parameter_error(where, "conn_spec", c.conn_spec.dump(), "\"all_to_all\" for a spike_dilutor");
    check_device_syn_keys(synapse_models, c.syn_spec, where);
    const json spec = merged_syn_spec(synapse_model_of(synapse_models, c.syn_spec, where), c.syn_spec, where);
    const json d = spec.value("delay", json(1.0));
    if (!d.is_number() || !(d.get<double>() >= options.resolution_ms * (1 - 1e-9)))
      throw parameter_error(where, "delay", d.dump(), "one number of ms, at least the resolution");
    if (!into) {
      quantity_in(nest_weight(spec, post), weight_unit_of(post, spec), where, "weight");
      receptor_of(spec, post, where);
      const json r = spec.value("receptor_type", json(0));
      if (is_binary_neuron(post.model) || (post.model == "iaf_tum_2000" && r == json(1)) ||
          (post.model == "iaf_bw_2001" && r == json(3)))
        throw parameter_error(where, "post", post.model + " receptor_type " + r.dump(),
                              "a target that takes plain spikes (binary neurons, iaf_tum_2000's receptor 1 and "
                              "iaf_bw_2001's receptor 3 read values spikes of their own kind carry)");
    }
    return;
  }
  if (is_detector(pre.kind) || pre.kind == device_kind::volume_transmitter)
    throw parameter_error(where, "pre", pre.model, "a source of spikes: " + pre.model + " only receives them "
                                                   "(Connect(neurons, " + pre.model + "))");
  if (post.kind == device_kind::volume_transmitter && pre.kind != device_kind::none)
    throw parameter_error(where, "pre", pre.model, "neurons (the dopamine neurons; drive a parrot_neuron with the "
                                                   "generator and connect the parrot)");
  if (is_detector(post.kind)) {
    if (pre.kind != device_kind::none)
      throw parameter_error(where, "pre", pre.model, "neurons (a detector takes the spikes of neurons; drive a "
                                                     "parrot_neuron with the generator and connect the parrot)");
    // NEST: binary neurons send to spin_detector / correlospinmatrix_detector only, spiking neurons to the others;
    // parrot_neuron to all
    const bool spin = post.kind == device_kind::spin_detector || post.kind == device_kind::correlospinmatrix_detector;
    if (pre.model != "parrot_neuron" && is_binary_neuron(pre.model) != spin)
      throw parameter_error(where, "pre", pre.model,
                            spin ? "a binary neuron (mcculloch_pitts_neuron, ginzburg_neuron, erfc_neuron) or a "
                                   "parrot_neuron: NEST refuses spiking neurons here (signal types differ)"
                                 : "a spiking neuron or a parrot_neuron: NEST refuses binary neurons here (signal "
                                   "types differ; use spin_detector or correlospinmatrix_detector)");
    const json rule = c.conn_spec.is_object() ? c.conn_spec.value("rule", json("")) : c.conn_spec;
    if (rule != "all_to_all")
      throw parameter_error(where, "conn_spec", c.conn_spec.dump(), "\"all_to_all\" (every neuron to the detector)");
    check_device_syn_keys(synapse_models, c.syn_spec, where);
    const json r = merged_syn_spec(synapse_model_of(synapse_models, c.syn_spec, where), c.syn_spec, where)
                       .value("receptor_type", json(0));
    if (!r.is_number_integer() || r.get<long long>() < 0 || r.get<std::uint64_t>() >= detector_ports(post))
      throw parameter_error(where, "receptor_type", r.dump(), "0 .. " + std::to_string(detector_ports(post) - 1) +
                                                                   " (the receptor_types of " + post.model + ")");
    return;  // weight and delay are checked when built
  }
  if (pre.kind != device_kind::none || post.kind != device_kind::none) {
    check_device_syn_keys(synapse_models, c.syn_spec, where);
    if (post.model == "iaf_tum_2000" && c.syn_spec.value("receptor_type", json(0)) == json(1))
      throw parameter_error(where, "receptor_type", "1", "0 (iaf_tum_2000's receptor 1 takes iaf_tum_2000 senders "
                                                          "only; NEST would deliver weight * 0)");
    if (post.model == "iaf_bw_2001" && c.syn_spec.value("receptor_type", json(0)) == json(3))
      throw parameter_error(where, "receptor_type", "3", "1 (AMPA) or 2 (GABA): iaf_bw_2001's NMDA receptor takes "
                                                          "iaf_bw_2001 senders only (NEST refuses the connection)");
    // NEST: ht_neuron takes currents on receptor 0 only (its receptors 1 .. 4 are the spike receptors)
    const bool current_device = pre.kind == device_kind::dc_generator || pre.kind == device_kind::ac_generator ||
                                pre.kind == device_kind::step_current_generator ||
                                pre.kind == device_kind::noise_generator;
    if (post.model == "ht_neuron" && current_device && c.syn_spec.value("receptor_type", json(0)) != json(0))
      throw parameter_error(where, "receptor_type", c.syn_spec.at("receptor_type").dump(),
                            "0: ht_neuron takes currents on receptor 0 only (NEST refuses the connection)");
    return;  // the rest is checked when lowered
  }
  const synapse_model& m = synapse_model_of(synapse_models, c.syn_spec, where);
  check_connect_syn_keys(m, c.syn_spec, where);
  check_cont_delay(m, c.syn_spec, pre, post, options.resolution_ms, where);
  const json syn = merged_syn_spec(m, c.syn_spec, where);
  weight_recorder_group(syn, where);
  if (m.base == "stdp_dopamine_synapse") volume_transmitter_index(syn, where);
  synapse_spec probe;
  lower_plasticity(m, syn, probe, where);
  rule_of(c.conn_spec, where);
  receptor_of(syn, post, where);
  if (is_binary_neuron(pre.model) != is_binary_neuron(post.model) && pre.model != "parrot_neuron" &&
      post.model != "parrot_neuron")
    throw parameter_error(where, "connection", pre.model + " -> " + post.model,
                          "binary neurons connected only to binary neurons or parrots (NEST refuses it)");
  if (post.model == "iaf_tum_2000") {  // NEST: tum -> tum through receptor 1 only, receptor 1 from tum only
    const bool one = syn.value("receptor_type", json(0)) == json(1);
    if (pre.model == "iaf_tum_2000" && !one)
      throw parameter_error(where, "receptor_type", "0", "1 (iaf_tum_2000 neurons connect through receptor_type 1)");
    if (pre.model != "iaf_tum_2000" && one)
      throw parameter_error(where, "receptor_type", "1", "0 (receptor 1 takes iaf_tum_2000 senders; NEST would "
                                                          "deliver weight * 0)");
  }
  // NEST: iaf_bw_2001's NMDA receptor (3) takes iaf_bw_2001 senders only; precise-time targets would read the NMDA
  // jump an iaf_bw_2001 spike carries (its offset field) as the spike's offset within the step
  if (post.model == "iaf_bw_2001" && pre.model != "iaf_bw_2001" && syn.value("receptor_type", json(0)) == json(3))
    throw parameter_error(where, "receptor_type", "3", "1 (AMPA) or 2 (GABA): iaf_bw_2001's NMDA receptor takes "
                                                        "iaf_bw_2001 senders only (NEST refuses the connection)");
  if (pre.model == "iaf_bw_2001" && (post.model.ends_with("_ps") || post.model.ends_with("_ps_lossless")))
    throw parameter_error(where, "post", post.model, "a target without precise spike times: NEST takes the NMDA "
                                                     "jump an iaf_bw_2001 spike carries as its offset in the step");
  quantity_in(nest_weight(syn, post), weight_unit_of(post, syn), where, "weight");
  const json delay = syn.value("delay", json(1.0));
  const auto d = quantity_in(delay, "ms", where, "delay");
  if (d.dist.is_constant() && d.per_item.empty() && d.dist.a < options.resolution_ms * (1 - 1e-9))
    throw parameter_error(where, "delay", delay.dump() + " ms",
                          "at least the resolution " + number_text(options.resolution_ms) + " ms (as NEST requires)");
}

void plan::check_neuron_params(const node_group& g) const {
  // One neuron with every value set so far (the first of a per-node list), built and thrown away: NEST rejects a
  // bad value in SetStatus, not at Simulate.
  const std::string where = "SetStatus(" + g.model + ")";
  json params = json::object(), initial = json::object();
  for (const auto& [key, value] : g.params.items()) {
    json v = value;
    if (v.is_array()) {
      json first;
      for (const auto& e : v)
        if (!e.is_null()) {
          first = e;
          break;
        }
      if (first.is_null()) continue;
      v = first;
    }
    (is_state_key(g, key) ? initial : params)[key] = with_unit(v, unit_of_key(g, key, where));
  }
  models::population_request req;
  req.name = g.model;
  req.size = 1;
  req.dt = options.resolution_ms;
  req.params = &params;
  req.initial = &initial;
  g.entry->create(req);
}

void plan::connect_neurons(const connection& c) {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& post = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  const synapse_model& model = synapse_model_of(synapse_models, c.syn_spec, where);
  if (is_rate_synapse(model)) return connect_rate(c);
  if (is_gap_synapse(model)) return connect_nest_gap(*this, c);
  if (is_sic_synapse(model)) return connect_sic(c);
  const json spec = merged_syn_spec(model, c.syn_spec, where);
  synapse_spec syn;
  lower_plasticity(model, spec, syn, where);
  if (model.base == "stdp_dopamine_synapse") syn.stdp_volume_transmitter = volume_transmitter_index(spec, where);
  const long long recorder = weight_recorder_group(spec, where);
  syn.record_weights = recorder >= 0;
  weight_recorder_of[static_cast<std::size_t>(&c - connections.data())] = recorder;
  syn.receptor = receptor_of(spec, post, where);
  // iaf_tum_2000 sends u x with its spikes; only iaf_tum_2000 targets read it, through receptor 1
  if (pre.model == "iaf_tum_2000")
    syn.use_payload = post.model == "iaf_tum_2000" && spec.value("receptor_type", json(0)) == json(1);
  // iaf_bw_2001 sends its NMDA jump k0 + k1 s_pre; only iaf_bw_2001 targets read it, through receptor 3 (NMDA)
  if (pre.model == "iaf_bw_2001")
    syn.use_payload = post.model == "iaf_bw_2001" && spec.value("receptor_type", json(0)) == json(3);
  syn.weight = quantity_in(nest_weight(spec, post), weight_unit_of(post, spec), where, "weight");
  // NEST's default delay is 1 ms; a delay below the resolution is an error there
  const json delay = spec.value("delay", json(1.0));
  syn.delay = quantity_in(delay, "ms", where, "delay");
  if (syn.delay.dist.is_constant() && syn.delay.per_item.empty() && syn.delay.dist.a < options.resolution_ms * (1 - 1e-9))
    throw parameter_error(where, "delay", delay.dump() + " ms",
                          "at least the resolution " + number_text(options.resolution_ms) + " ms (as NEST requires)");
  // cont_delay_synapse with its default delay off the grid: NEST's next whole step (host/nest_cont_delay.cpp)
  if (const cont_delay cd = cont_delay_of(model, c.syn_spec, options.resolution_ms); cd.continuous)
    syn.delay = units::time_q(double(cont_delay_steps(cd, pre, post, options.resolution_ms)) * options.resolution_ms);
  const auto b = c.pre.first_id - pre.first_id, e = c.post.first_id - post.first_id;
  if (post.model == "iaf_bw_2001_exact" && spec.value("receptor_type", json(0)) == json(3)) {
    // each NMDA connection of a neuron gets its own slot (NEST: its own receptor port and gating variables)
    const connection_rule rule = rule_of(c.conn_spec, where);
    if (rule.kind == rule_kind::one_to_one) {
      syn.receptor = claim_nmda_slot(post, where);
    } else if (rule.kind == rule_kind::all_to_all) {
      for (std::uint64_t i = 0; i < c.pre.count; ++i) {
        syn.receptor = claim_nmda_slot(post, where);
        net->connect(selector(pre, b + i, b + i + 1), selector(post, e, e + c.post.count), rule, syn);
      }
      projection_of[static_cast<std::size_t>(&c - connections.data())] =
          static_cast<long long>(net->projections().size()) - 1;
      return;
    } else {
      throw parameter_error(where, "conn_spec", c.conn_spec.dump(),
                            "one_to_one or all_to_all for NMDA connections into iaf_bw_2001_exact (volley gives each "
                            "NMDA connection of a neuron its own slot)");
    }
  }
  net->connect(selector(pre, b, b + c.pre.count), selector(post, e, e + c.post.count), rule_of(c.conn_spec, where),
               syn);
  projection_of[static_cast<std::size_t>(&c - connections.data())] = static_cast<long long>(net->projections().size()) - 1;
}

std::string plan::claim_nmda_slot(const node_group& post, const std::string& where) {
  int& used = nmda_slots_used[index_of(post)];
  if (used >= models::nmda_slots)
    throw parameter_error(where, "receptor_type", "3 (NMDA connection " + std::to_string(used + 1) + ")",
                          "at most " + std::to_string(models::nmda_slots) + " NMDA connections into each "
                          "iaf_bw_2001_exact neuron (volley's slots NMDA_1..NMDA_" +
                              std::to_string(models::nmda_slots) + ")");
  return "NMDA_" + std::to_string(++used);
}

void plan::connect_device(const connection& c, std::vector<trace_request>& traces, std::vector<std::string>& spikes) {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& post = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  if (pre.kind == device_kind::step_rate_generator) return connect_rate(c);
  const bool pre_neuron = pre.kind == device_kind::none, post_neuron = post.kind == device_kind::none;
  const json rule = c.conn_spec.is_object() ? c.conn_spec.value("rule", json("")) : c.conn_spec;
  if (rule != "all_to_all")
    throw parameter_error(where, "conn_spec", c.conn_spec.dump(), "\"all_to_all\" for a device (each target "
                                                                  "gets its own copy of a generator's output)");
  if (is_detector(post.kind)) {
    check_connection(c);  // N_channels may have changed since Connect
    connect_detector(c, traces, spikes);
    return;
  }
  if (post.kind == device_kind::volume_transmitter) {  // dopamine neurons -> volume transmitter(s)
    const json spec = merged_syn_spec(synapse_model_of(synapse_models, c.syn_spec, where), c.syn_spec, where);
    const auto b = c.pre.first_id - pre.first_id;
    for (std::uint64_t id = c.post.first_id; id < c.post.first_id + c.post.count; ++id)
      net->connect_volume_transmitter(volume_transmitters[index_of(post)][id - post.first_id],
                                      selector(pre, b, b + c.pre.count),
                                      units::time_q(spec.value("delay", json(1.0)).get<double>()));
    return;
  }
  if (pre.kind == device_kind::spike_recorder || post.kind == device_kind::spike_recorder) {
    if (!(pre_neuron && post.kind == device_kind::spike_recorder))
      throw parameter_error(where, "pre", pre.model, "neurons connected to a spike_recorder (Connect(neurons, sr))");
    const auto b = c.pre.first_id - pre.first_id;
    recorder_source s{index_of(pre), b, b + c.pre.count, 0, {}};
    // models with precise spike times (a state "spike_offset": the spike's offset before the end of its step) are
    // reported as NEST does, stamp - offset: the offset is recorded at every step and read at the spike steps
    const auto& state = net->find(pre.population).model().state;
    if (std::any_of(state.begin(), state.end(), [](const auto& f) { return std::string(f.name) == "spike_offset"; })) {
      s.first_trace = traces.size();
      s.as.push_back({"spike_offset", 1, 0});
      trace_request t;
      t.population = pre.population;
      t.variable = "spike_offset";
      for (auto i = b; i < b + c.pre.count; ++i) t.neurons.push_back(static_cast<index_t>(i));
      traces.push_back(std::move(t));
    }
    recorded[index_of(post)].push_back(std::move(s));
    if (std::find(spikes.begin(), spikes.end(), pre.population) == spikes.end()) spikes.push_back(pre.population);
    return;
  }
  if (is_recorder(pre.kind)) {  // multimeter / voltmeter -> neurons
    if (!post_neuron) throw parameter_error(where, "post", post.model, "neurons (Connect(multimeter, neurons))");
    const auto b = c.post.first_id - post.first_id;
    recorder_source s{index_of(post), b, b + c.post.count, traces.size(), {}};
    const double interval = pre.params.at("interval").get<double>();
    for (const auto& v : pre.params.at("record_from")) {
      const recordable r = recordable_of(post, v.get<std::string>(), options.resolution_ms);
      s.as.push_back(r);
      trace_request t;
      t.population = post.population;
      t.variable = r.variable;
      for (auto i = b; i < b + c.post.count; ++i) t.neurons.push_back(static_cast<index_t>(i));
      t.interval = units::time_q(interval);
      traces.push_back(std::move(t));
    }
    recorded[index_of(pre)].push_back(s);
    return;
  }
  if (!post_neuron) throw parameter_error(where, "post", post.model, "neurons (a generator drives neurons)");
  const auto b = c.post.first_id - post.first_id;
  check_device_syn_keys(synapse_models, c.syn_spec, where);
  json spec = merged_syn_spec(synapse_model_of(synapse_models, c.syn_spec, where), c.syn_spec, where);
  spec.erase("weight_recorder");  // a (copied) static model's weight and delay defaults apply to devices too
  if (post.model == "iaf_bw_2001_exact" && spec.value("receptor_type", json(0)) == json(3)) {
    if (c.pre.count != 1)
      throw parameter_error(where, "pre", std::to_string(c.pre.count) + " generators",
                            "one generator per Connect for NMDA connections into iaf_bw_2001_exact");
    spec["volley_port"] = claim_nmda_slot(post, where);
  }
  const generator_context ctx{options.resolution_ms, min_delay_ms,
                              options.rng_seed, static_cast<std::uint32_t>(&c - connections.data())};
  lower_generator(*net, pre, selector(post, b, b + c.post.count), post, spec, ctx);
}

void plan::build() {
  net = std::make_unique<network>(network_options{units::time_q(options.resolution_ms), options.rng_seed, 1});
  recorded.assign(groups.size(), {});
  resets.assign(groups.size(), {});
  projection_of.assign(connections.size(), -1);
  weight_recorder_of.assign(connections.size(), -1);
  std::vector<json> delays;  // each connection's delay over its synapse model's default (once, not per generator)
  for (const auto& c : connections) {
    const synapse_model& m = synapse_model_of(synapse_models, c.syn_spec, "Connect");
    const json d = merged_syn_spec(m, c.syn_spec, "Connect").value("delay", json(1.0));
    const cont_delay cd = cont_delay_of(m, c.syn_spec, options.resolution_ms);  // NEST registers n and n + 1 steps
    delays.push_back(is_rate_synapse(m)  ? json(rate_min_delay_entry(m, d, options))
                     : is_gap_synapse(m) ? json(gap_min_delay_entry(options))
                     : cd.continuous ? json::array({double(cd.steps - 1) * options.resolution_ms,
                                                    double(cd.steps) * options.resolution_ms})
                                     : d);
  }
  min_delay_ms = planned_min_delay(delays, options.resolution_ms);
  volume_transmitters.assign(groups.size(), {});
  for (auto& g : groups) {  // NEST's min_delay is the volume transmitters' slice
    if (g.kind != device_kind::volume_transmitter) continue;
    for (std::uint64_t i = 0; i < g.count; ++i)
      volume_transmitters[index_of(g)].push_back(net->add_volume_transmitter(
          "volume_transmitter " + std::to_string(g.first_id + i), g.params.at("deliver_interval").get<std::uint32_t>(),
          static_cast<std::uint32_t>(std::max(1LL, std::llround(min_delay_ms / options.resolution_ms)))));
  }
  max_delay_ms = min_delay_ms;
  for (const auto& d : delays)
    for (const json& x : d.is_array() ? d : json::array({d}))
      if (x.is_number()) max_delay_ms = std::max(max_delay_ms, x.get<double>());
  for (auto& g : groups) {
    if (g.kind != device_kind::none) continue;
    build_population(g);
    if (is_injector(g)) schedule_injector(*net, g, options.resolution_ms);
    stdp_archive_options a;
    a.capacity = options.stdp_archive_capacity;
    if (g.archive.contains("tau_minus")) a.tau_minus = units::time_q(g.archive.at("tau_minus").get<double>());
    if (g.archive.contains("tau_minus_triplet"))
      a.tau_minus_triplet = units::time_q(g.archive.at("tau_minus_triplet").get<double>());
    net->set_stdp_archive(g.population, a);
  }
  std::vector<trace_request> traces;
  std::vector<std::string> spikes;
  for (const auto& c : connections) {
    const node_group &pre = group_of(c.pre, "Connect"), &post = group_of(c.post, "Connect");
    if (pre.kind == device_kind::spike_dilutor || post.kind == device_kind::spike_dilutor) continue;
    if (pre.kind == device_kind::none && post.kind == device_kind::none) {
      connect_neurons(c);
    } else {
      connect_device(c, traces, spikes);
    }
  }
  connect_dilutors();
  run_options ro;
  ro.backend = options.backend;
  ro.gpu_draw_synapses = rate_wfr_projections.empty();  // their synapses are read on the host (host/nest_rate.cpp)
  ro.threads = options.local_num_threads;
  sim = std::make_unique<simulator>(*net, ro);
  apply_rate_preloads();
  for (const auto& s : spikes) sim->record_spikes(s);
  for (const auto& t : traces) sim->record_trace(t);
}

void plan::connect_dilutors() {
  for (const auto& in : connections) {
    const node_group& dilutor = group_of(in.post, "Connect");
    if (dilutor.kind != device_kind::spike_dilutor) continue;
    const node_group& src = group_of(in.pre, "Connect");
    const std::string where = "Connect(" + src.model + " -> spike_dilutor)";
    const json& p = dilutor.params;
    if (p.at("origin").get<double>() != 0 || p.at("start").get<double>() != 0 || p.at("stop").get<double>() < 1e300)
      throw parameter_error(where, "start/stop/origin", "set", "the defaults (a window is not supported yet)");
    const double d_in = merged_syn_spec(synapse_model_of(synapse_models, in.syn_spec, where), in.syn_spec, where)
                            .value("delay", json(1.0)).get<double>();
    for (const auto& out : connections) {
      if (group_of(out.pre, "Connect").kind != device_kind::spike_dilutor || &group_of(out.pre, "Connect") != &dilutor)
        continue;
      // dilutor nodes both connections touch: each repeats every source spike to every target independently
      const std::uint64_t lo = std::max(in.post.first_id, out.pre.first_id);
      const std::uint64_t hi = std::min(in.post.first_id + in.post.count, out.pre.first_id + out.pre.count);
      const node_group& tgt = group_of(out.post, "Connect");
      const std::string w = "Connect(spike_dilutor -> " + tgt.model + ")";
      const json spec = merged_syn_spec(synapse_model_of(synapse_models, out.syn_spec, w), out.syn_spec, w);
      for (std::uint64_t node = lo; node < hi; ++node) {
        synapse_spec syn;
        syn.receptor = receptor_of(spec, tgt, w);
        syn.weight = quantity_in(nest_weight(spec, tgt), weight_unit_of(tgt, spec), w, "weight");
        syn.delay = units::time_q(d_in + spec.value("delay", json(1.0)).get<double>());
        syn.transmit_probability = p.at("p_copy").get<double>();
        // a parrot's or a gif_pop_psc_exp's multiplicity n: n spikes, each kept alike
        syn.use_payload = src.model == "parrot_neuron" || src.model == "gif_pop_psc_exp";
        const auto b = in.pre.first_id - src.first_id, e = out.post.first_id - tgt.first_id;
        net->connect(selector(src, b, b + in.pre.count), selector(tgt, e, e + out.post.count), connection_rule{}, syn,
                     "spike_dilutor " + std::to_string(node) + ": " + src.population + " -> " + tgt.population);
      }
    }
  }
}

json plan::status(const node_collection& nodes) const {
  const node_group& g = group_of(nodes, "GetStatus");
  json out = {{"model", g.model}, {"global_id", json::array()}};
  for (std::uint64_t i = 0; i < nodes.count; ++i) out["global_id"].push_back(nodes.first_id + i);
  if (g.kind != device_kind::none) {
    for (const auto& [k, v] : g.params.items()) out[k] = v;
    if (is_recorder(g.kind)) out["n_events"] = sim ? events(nodes).at("times").size() : 0;
    if (is_detector(g.kind)) out.update(detector_results(g));
    return out;
  }
  if (is_injector(g)) out.update(injector_status(g, nodes));
  if (!net) return out;
  const population& p = net->find(g.population);
  const auto b = nodes.first_id - g.first_id;
  for (std::size_t var = 0; var < p.model().state.size(); ++var) {
    json values = json::array();
    const real_t* s = p.state(static_cast<int>(var));
    const double scale = astro_unit_scale(g, p.model().state[var].name);
    for (std::uint64_t i = 0; i < nodes.count; ++i) values.push_back(double(s[b + i]) * scale);
    out[p.model().state[var].name] = values;
  }
  return out;
}

json plan::events(const node_collection& recorder) const {
  const node_group& g = group_of(recorder, "GetEvents");
  if (g.kind == device_kind::spin_detector) return spin_events(g);
  if (!is_recorder(g.kind))
    throw parameter_error("GetEvents", "nodes", g.model, is_detector(g.kind) ? "a recorder (" + g.model + "'s results "
                                                                               "are in GetStatus)" : "a recorder");
  json out = {{"senders", json::array()}, {"times", json::array()}};
  if (!sim) return out;
  const auto& rec = sim->record();
  const double dt = options.resolution_ms;
  if (g.kind == device_kind::weight_recorder) return weight_events(g);
  if (g.kind == device_kind::spike_recorder) {
    // NEST's order: by time, then by sender within a step
    std::vector<std::tuple<std::uint64_t, std::uint64_t, double>> ev;  // (step, id, offset)
    each_recorded_spike(g, [&](const recorder_source& src, const auto& sr, std::size_t k) {
      const std::size_t nn = src.end - src.begin;
      double offset = 0;  // precise-spike models: the spike_offset trace at the spike's step (sample = step)
      if (!src.as.empty()) offset = rec.traces[src.first_trace].values[sr.step[k] * nn + (sr.neuron[k] - src.begin)];
      // a spike of multiplicity m is m events (NEST's spike_recorder writes each)
      for (std::uint32_t c = sr.spikes_at(k); c > 0; --c)
        ev.emplace_back(sr.step[k], groups[src.group].first_id + sr.neuron[k], offset);
    });
    std::sort(ev.begin(), ev.end());
    for (const auto& [step, id, offset] : ev) {
      out["senders"].push_back(id);
      out["times"].push_back(double(step + 1) * dt - offset);
    }
    return out;
  }
  // multimeter / voltmeter: samples in time order, the recorded nodes in id order within a sample
  const auto& vars = g.params.at("record_from");
  for (const auto& v : vars) out[v.get<std::string>()] = json::array();
  for (const auto& src : recorded[index_of(g)]) {
    const node_group& n = groups[src.group];
    const std::size_t nn = src.end - src.begin;
    for (std::size_t q = 0; q < vars.size(); ++q) {
      const auto& t = rec.traces[src.first_trace + q];
      for (std::size_t s = 0; s < t.samples(); ++s)
        for (std::size_t i = 0; i < nn; ++i) {
          if (q == 0) {
            out["senders"].push_back(n.first_id + src.begin + i);
            out["times"].push_back(t.times_ms[s]);
          }
          out[vars[q].get<std::string>()].push_back(double(t.values[s * nn + i]) * src.as[q].scale + src.as[q].offset);
        }
    }
  }
  return out;
}

}  // namespace volley::nest::detail

namespace volley::nest::detail {

json plan::connections_between(const node_collection& source, const node_collection& target) const {
  if (!net) throw user_error("GetConnections: the network is built at the first Simulate(); there is none yet");
  auto inside = [](const node_collection& nodes, std::uint64_t id) {
    return nodes.count == 0 || (id >= nodes.first_id && id < nodes.first_id + nodes.count);
  };
  struct row {
    std::uint64_t source, target;
    double weight, delay;
    const std::string* model;
    synapse_ref synapse;  // for the plastic synapses' state
  };
  std::vector<row> rows;
  for (std::size_t ci = 0; ci < connections.size(); ++ci) {
    if (projection_of[ci] < 0) continue;
    const connection& c = connections[ci];
    const node_group& pre = group_of(c.pre, "GetConnections");
    const node_group& post = group_of(c.post, "GetConnections");
    const projection& p = net->projections()[static_cast<std::size_t>(projection_of[ci])];
    const synapse_model& sm = synapse_model_of(synapse_models, c.syn_spec, "GetConnections");
    const std::string& model = sm.name;
    const cont_delay cd = cont_delay_of(sm, c.syn_spec, options.resolution_ms);  // NEST reports steps h - offset
    for (std::uint64_t r = 0; r + 1 < p.row_ptr.size(); ++r) {
      const std::uint64_t src = pre.first_id + p.source_range.begin + r;
      if (!inside(source, src)) continue;
      for (std::uint64_t k = p.row_ptr[r]; k < p.row_ptr[r + 1]; ++k) {
        const std::uint64_t t = p.narrow() ? p.targets16[k] : p.targets32[k];
        const std::uint64_t tgt = post.first_id + p.target_range.begin + t;
        if (!inside(target, tgt)) continue;
        const double w = p.weights.empty() ? double(p.weight) : double(p.weights[k]);
        const double d = cd.continuous ? double(cd.steps) * options.resolution_ms - cd.offset_ms
                                       : double(p.delays.empty() ? p.delay : p.delays[k]) * options.resolution_ms;
        rows.push_back({src, tgt, w, d, &model, {&p, k}});
      }
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const row& a, const row& b) {
    return a.source != b.source ? a.source < b.source : a.target < b.target;
  });
  json out = {{"source", json::array()}, {"target", json::array()}, {"weight", json::array()},
              {"delay", json::array()}, {"synapse_model", json::array()}};
  for (const auto& r : rows) {
    out["source"].push_back(r.source);
    out["target"].push_back(r.target);
    out["weight"].push_back(r.weight);
    out["delay"].push_back(r.delay);
    out["synapse_model"].push_back(*r.model);
  }
  std::vector<synapse_ref> refs;
  for (const auto& r : rows) refs.push_back(r.synapse);
  add_synapse_state(out, refs);
  return out;
}

}  // namespace volley::nest::detail

namespace volley::nest::detail {

// NEST's weight_recorder events: senders, targets, times (the presynaptic spike's), weights (as transmitted), in
// time order, then by sender, then by connection and synapse.
json plan::weight_events(const node_group& recorder) const {
  struct event {
    std::uint64_t step, sender, copy, connection, order, target;
    double weight;
  };
  std::vector<event> ev;
  for (std::size_t ci = 0; ci < connections.size(); ++ci) {
    if (weight_recorder_of.empty() || weight_recorder_of[ci] != static_cast<long long>(index_of(recorder))) continue;
    const projection& p = net->projections()[static_cast<std::size_t>(projection_of[ci])];
    const node_group& pre = group_of(connections[ci].pre, "GetEvents");
    const node_group& post = group_of(connections[ci].post, "GetEvents");
    for (std::size_t k = 0; k < p.weight_log.size(); ++k) {
      const auto& e = p.weight_log[k];
      ev.push_back({e.step, pre.first_id + p.source_range.begin + e.source_row, e.copy, ci, k,
                    post.first_id + p.target_range.begin + e.target, double(e.weight)});
    }
  }
  std::sort(ev.begin(), ev.end(), [](const event& a, const event& b) {
    // NEST's exchange sends the m spikes of a count one after the other, each to all of the sender's synapses
    return std::tie(a.step, a.sender, a.copy, a.connection, a.order) <
           std::tie(b.step, b.sender, b.copy, b.connection, b.order);
  });
  json out = {{"senders", json::array()}, {"targets", json::array()}, {"times", json::array()}, {"weights", json::array()}};
  for (const auto& e : ev) {
    out["senders"].push_back(e.sender);
    out["targets"].push_back(e.target);
    out["times"].push_back(double(e.step + 1) * options.resolution_ms);
    out["weights"].push_back(e.weight);
  }
  return out;
}

}  // namespace volley::nest::detail
