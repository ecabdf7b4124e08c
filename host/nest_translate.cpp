// The NEST layer's translation of NEST's names, values and units into volley's (host/nest_layer_detail.hpp).
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "engine/error.hpp"
#include "engine/spec_values.hpp"
#include "engine/unit_parse.hpp"
#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

std::string number_text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

namespace {

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
  // NEST: iaf_cond_alpha_mc's spike receptors are 1 .. 6; 7 .. 9 take currents only (host/nest_generators.cpp)
  if (target.model == "iaf_cond_alpha_mc" && (k == 0 || k > 6))
    throw parameter_error(where, "receptor_type", r.dump(),
                          "1 .. 6 (soma_exc, soma_inh, proximal_exc, proximal_inh, distal_exc, distal_inh): "
                          "iaf_cond_alpha_mc's receptor " + r.dump() + " takes no spikes (NEST refuses it)");
  // NEST: pp_cond_exp_mc_urbanczik's spike receptors are 1 .. 4; 5, 6 take currents only (host/nest_generators.cpp)
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

bool is_vector_param(const node_group& g, const std::string& key) {
  return parameter_entry(g, key) == nullptr && parameter_entry(g, key + "_1") != nullptr;
}

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

}  // namespace volley::nest::detail
