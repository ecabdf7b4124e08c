// NEST's cm_default in the NEST layer (models/cm_default.hpp). NEST builds the tree after Create:
//     cm.compartments = [{"parent_idx": -1, "params": {...}}, {"parent_idx": 0, ...}, ...]
//     cm.receptors = [{"comp_idx": 1, "receptor_type": "AMPA", "params": {...}}, ...]
// (also add_compartments / add_receptors, and a single dict instead of a list). The layer lowers these lists into
// the model's flattened parameters n_compartments, comp<k>.<name>, n_receptors, rec<r>.<name>, filling in NEST's
// defaults per receptor kind, and checks what NEST checks (unknown entries, parents, NEST's e_K quirk) plus
// volley's bounds (at most cm_max_compartments compartments and cm_max_receptors receptors).
// Units: NEST's cm_default works in uS, nF, nA (its documentation asks for consistent units; these are its
// defaults'); unit_of_key / weight_unit_of name these for cm_default, and current generators are scaled by 1000
// (pA per nA). Spike connections: receptor_type r is port rec<r> (r < n_receptors). Current generators:
// receptor_type k is compartment k: the soma's current (k = 0) is the model's current input, any generator; a
// dendrite's (k > 0) is its current port, which takes the steps of dc_generator and step_current_generator.
// NEST's cm_default adds a CurrentEvent in the step it arrives (an iaf in the next step): the layer delivers the
// currents one step earlier (host/nest_generators.cpp).
#include <set>
#include <string>

#include "engine/error.hpp"
#include "host/nest_layer_detail.hpp"
#include "models/cm_default.hpp"

namespace volley::nest::detail {

namespace {

constexpr int max_comp = models::cm_max_compartments, max_rec = models::cm_max_receptors;

json as_list(const json& v, const std::string& where, const std::string& key) {
  if (v.is_object()) return json::array({v});
  if (!v.is_array())
    throw parameter_error(where, key, v.dump(), "a list of dicts (or one dict), as NEST's cm_default takes");
  for (const auto& e : v)
    if (!e.is_object()) throw parameter_error(where, key, e.dump(), "a dict per entry");
  return v;
}

double number_of(const json& v, const std::string& where, const std::string& key) {
  if (!v.is_number()) throw parameter_error(where, key, v.dump(), "a number");
  return v.get<double>();
}

long long index_of(const json& v, const std::string& where, const std::string& key) {
  if (!v.is_number_integer()) throw parameter_error(where, key, v.dump(), "an integer");
  return v.get<long long>();
}

int current_count(const node_group& g, const char* key) {
  if (!g.params.contains(key)) return 0;
  const json& v = g.params.at(key);
  return v.is_number() ? static_cast<int>(v.get<double>()) : 0;
}

// NEST's Compartment(...): C_m, g_C, g_L, e_L, v_comp and the channels' gbar_Na, e_Na, gbar_K, e_K; NEST reads e_K
// only when e_Na is given too (and then rejects the unread e_K as an unaccessed entry).
void add_compartment(json& out, int k, const json& entry, const std::string& where) {
  const std::string key = "compartments[" + std::to_string(k) + "]";
  for (const auto& [name, v] : entry.items())
    if (name != "parent_idx" && name != "params")
      throw parameter_error(where, key + "." + name, v.dump(), "parent_idx or params (NEST: unread entry)");
  if (!entry.contains("parent_idx")) throw parameter_error(where, key + ".parent_idx", "(missing)", "an integer");
  const long long parent = index_of(entry.at("parent_idx"), where, key + ".parent_idx");
  if (k == 0 && parent != -1)
    throw parameter_error(where, key + ".parent_idx", std::to_string(parent),
                          "-1: the first compartment is the root (NEST: the parent does not exist in the tree)");
  if (k > 0 && (parent < 0 || parent >= k))
    throw parameter_error(where, key + ".parent_idx", std::to_string(parent),
                          parent < 0 ? "an existing compartment 0 .. " + std::to_string(k - 1) +
                                           " (NEST: the root has already been instantiated)"
                                     : "an existing compartment 0 .. " + std::to_string(k - 1) +
                                           " (NEST: the parent does not exist in the tree)");
  struct def {
    const char* name;
    double value;  // NEST's default (uS, nF, mV)
  };
  static constexpr def defaults[] = {{"C_m", 1.0},   {"g_C", 0.01},     {"g_L", 0.1},
                                     {"e_L", -70.0}, {"v_comp", -70.0}, {"gbar_Na", 0.0},
                                     {"e_Na", 50.0}, {"gbar_K", 0.0},   {"e_K", -85.0}};
  const json params = entry.value("params", json::object());
  if (!params.is_object()) throw parameter_error(where, key + ".params", params.dump(), "a dict");
  for (const auto& [name, v] : params.items()) {
    bool known = false;
    for (const auto& d : defaults) known = known || name == d.name;
    if (!known)
      throw parameter_error(where, key + ".params." + name, v.dump(),
                            "one of C_m, g_C, g_L, e_L, v_comp, gbar_Na, e_Na, gbar_K, e_K (NEST: unread entry)");
  }
  if (params.contains("e_K") && !params.contains("e_Na"))
    throw parameter_error(where, key + ".params.e_K", params.at("e_K").dump(),
                          "given together with e_Na: NEST 3.10 reads e_K only when e_Na is present and otherwise "
                          "rejects it as an unread entry");
  const std::string prefix = "comp" + std::to_string(k) + ".";
  out[prefix + "parent_idx"] = parent;
  for (const auto& d : defaults)
    out[prefix + d.name] =
        params.contains(d.name) ? number_of(params.at(d.name), where, key + ".params." + d.name) : d.value;
}

// NEST's receptor kinds and their parameters (name in NEST, volley's field, NEST's default)
struct receptor_param {
  const char* nest;
  const char* field;
  double value;
};

void add_receptor(json& out, int r, int n_comp, const json& entry, const std::string& where) {
  const std::string key = "receptors[" + std::to_string(r) + "]";
  for (const auto& [name, v] : entry.items())
    if (name != "comp_idx" && name != "receptor_type" && name != "params")
      throw parameter_error(where, key + "." + name, v.dump(),
                            "comp_idx, receptor_type or params (NEST: unread entry)");
  if (!entry.contains("comp_idx")) throw parameter_error(where, key + ".comp_idx", "(missing)", "an integer");
  const long long comp = index_of(entry.at("comp_idx"), where, key + ".comp_idx");
  if (comp < 0 || comp >= n_comp)
    throw parameter_error(where, key + ".comp_idx", std::to_string(comp),
                          "an existing compartment 0 .. " + std::to_string(n_comp - 1) +
                              " (NEST: the compartment does not exist in the tree)");
  const json type = entry.value("receptor_type", json());
  if (!type.is_string())
    throw parameter_error(where, key + ".receptor_type", type.dump(), "AMPA, GABA, NMDA or AMPA_NMDA");
  const std::string t = type.get<std::string>();
  static const std::vector<receptor_param> ampa{
      {"e_AMPA", "e_rev", 0.0}, {"tau_r_AMPA", "tau_r", 0.2}, {"tau_d_AMPA", "tau_d", 3.0}};
  static const std::vector<receptor_param> gaba{
      {"e_GABA", "e_rev", -80.0}, {"tau_r_GABA", "tau_r", 0.2}, {"tau_d_GABA", "tau_d", 10.0}};
  static const std::vector<receptor_param> nmda{
      {"e_NMDA", "e_rev", 0.0}, {"tau_r_NMDA", "tau_r", 0.2}, {"tau_d_NMDA", "tau_d", 43.0}};
  static const std::vector<receptor_param> ampa_nmda{
      {"e_AMPA_NMDA", "e_rev", 0.0},     {"tau_r_AMPA", "tau_r", 0.2},       {"tau_d_AMPA", "tau_d", 3.0},
      {"tau_r_NMDA", "tau_r_NMDA", 0.2}, {"tau_d_NMDA", "tau_d_NMDA", 43.0}, {"NMDA_ratio", "NMDA_ratio", 2.0}};
  const std::vector<receptor_param>* kind = t == "AMPA"        ? &ampa
                                            : t == "GABA"      ? &gaba
                                            : t == "NMDA"      ? &nmda
                                            : t == "AMPA_NMDA" ? &ampa_nmda
                                                               : nullptr;
  if (kind == nullptr)
    throw parameter_error(where, key + ".receptor_type", type.dump(), "AMPA, GABA, NMDA or AMPA_NMDA (cm_default)");
  const int code = t == "AMPA" ? 1 : t == "GABA" ? 2 : t == "NMDA" ? 3 : 4;
  const json params = entry.value("params", json::object());
  if (!params.is_object()) throw parameter_error(where, key + ".params", params.dump(), "a dict");
  std::string known;
  for (const auto& p : *kind) known += (known.empty() ? "" : ", ") + std::string(p.nest);
  for (const auto& [name, v] : params.items()) {
    bool ok = false;
    for (const auto& p : *kind) ok = ok || name == p.nest;
    if (!ok)
      throw parameter_error(where, key + ".params." + name, v.dump(),
                            "a parameter of a " + t + " receptor: " + known + " (NEST: unread entry)");
  }
  const std::string prefix = "rec" + std::to_string(r) + ".";
  out[prefix + "comp_idx"] = comp;
  out[prefix + "type"] = code;
  // the fields a kind does not use keep the model's defaults (written, so that a reused slot starts clean)
  out[prefix + "tau_r_NMDA"] = 0.2;
  out[prefix + "tau_d_NMDA"] = 43.0;
  out[prefix + "NMDA_ratio"] = 2.0;
  for (const auto& p : *kind)
    out[prefix + p.field] =
        params.contains(p.nest) ? number_of(params.at(p.nest), where, key + ".params." + p.nest) : p.value;
}

}  // namespace

bool is_cm(const node_group& g) { return g.kind == device_kind::none && g.model == "cm_default"; }

json cm_params(const node_group& g, const json& params, bool whole, const std::string& where) {
  if (!is_cm(g)) return params;
  json out = json::object();
  for (const auto& [key, value] : params.items()) {
    if (key == "n_compartments" || key == "n_receptors" || key.rfind("comp", 0) == 0 || key.rfind("rec", 0) == 0)
      if (key != "compartments" && key != "receptors")
        throw parameter_error(where, key, value.dump(),
                              "NEST's compartments / receptors lists (volley's flattened names are set from them)");
    if (key != "compartments" && key != "add_compartments" && key != "receptors" && key != "add_receptors")
      out[key] = value;
  }
  const bool any = params.contains("compartments") || params.contains("add_compartments") ||
                   params.contains("receptors") || params.contains("add_receptors");
  if (!any) return out;
  if (!whole)
    throw parameter_error(where, "compartments", "a part of the Create() call",
                          "all nodes of one Create() call: volley's cm_default population shares one tree");
  int n_comp = current_count(g, "n_compartments"), n_rec = current_count(g, "n_receptors");
  const bool comp_set = g.params.contains("n_compartments"), rec_set = g.params.contains("n_receptors");
  for (const char* key : {"compartments", "add_compartments"}) {
    if (!params.contains(key)) continue;
    if (std::string(key) == "compartments" && comp_set)
      throw parameter_error(where, key, "(given again)",
                            "one compartments list (NEST: 'compartments' is already "
                            "defined for this model; use add_compartments)");
    for (const auto& entry : as_list(params.at(key), where, key)) {
      if (n_comp >= max_comp)
        throw parameter_error(where, key, std::to_string(n_comp + 1) + " compartments",
                              "at most " + std::to_string(max_comp) +
                                  " compartments (cm_default in volley has a fixed "
                                  "number of compartment slots, models::cm_max_compartments)");
      add_compartment(out, n_comp, entry, where);
      ++n_comp;
    }
    out["n_compartments"] = n_comp;
  }
  for (const char* key : {"receptors", "add_receptors"}) {
    if (!params.contains(key)) continue;
    if (std::string(key) == "receptors" && rec_set)
      throw parameter_error(where, key, "(given again)",
                            "one receptors list (NEST: 'receptors' is already "
                            "defined for this model; use add_receptors)");
    for (const auto& entry : as_list(params.at(key), where, key)) {
      if (n_rec >= max_rec)
        throw parameter_error(where, key, std::to_string(n_rec + 1) + " receptors",
                              "at most " + std::to_string(max_rec) +
                                  " receptors (cm_default in volley has a fixed "
                                  "number of receptor slots, models::cm_max_receptors)");
      add_receptor(out, n_rec, n_comp, entry, where);
      ++n_rec;
    }
    out["n_receptors"] = n_rec;
  }
  return out;
}

void check_cm_built(const node_group& g) {
  if (is_cm(g) && !g.params.contains("n_compartments"))
    throw parameter_error("Simulate", "compartments", "(none)",
                          "a compartments list for cm_default nodes " + std::to_string(g.first_id) + ".." +
                              std::to_string(g.first_id + g.count - 1) +
                              " (NEST: compartment 0 does not exist in tree, meaning that no compartments have "
                              "been added)");
}

std::string cm_unit(const std::string& unit) {
  if (unit == "nS") return "uS";
  if (unit == "pF") return "nF";
  if (unit == "pA") return "nA";
  return unit;
}

std::string cm_spike_port(const json& syn, const node_group& target, std::uint64_t k, const std::string& where) {
  const int n = current_count(target, "n_receptors");
  if (k >= static_cast<std::uint64_t>(n))
    throw parameter_error(where, "receptor_type", std::to_string(k),
                          "a receptor index 0 .. " + std::to_string(n - 1) +
                              " (NEST: valid spike receptor ports for "
                              "cm_default are in [0, " +
                              std::to_string(n) + "[)");
  const json w = syn.value("weight", json(1.0));
  if (w.is_number() && w.get<double>() < 0)
    throw parameter_error(where, "weight", w.dump(), "a non-negative weight (NEST: synaptic weights must be positive)");
  return "rec" + std::to_string(k);
}

std::string cm_current_port(const json& syn, const node_group& target, bool steps_only, const std::string& model,
                            const std::string& where) {
  const json r = syn.value("receptor_type", json(0));
  const int n = current_count(target, "n_compartments");
  if (!r.is_number_integer() || r.get<long long>() < 0 || r.get<long long>() >= n)
    throw parameter_error(where, "receptor_type", r.dump(),
                          "a compartment index 0 .. " + std::to_string(n - 1) +
                              " (NEST: valid current receptor ports "
                              "for cm_default are in [0, " +
                              std::to_string(n) + "[)");
  const long long k = r.get<long long>();
  if (k == 0) return "";
  if (!steps_only)
    throw parameter_error(where, "receptor_type", r.dump(),
                          "0 (the soma) for a " + model +
                              ": volley's dendritic current ports take dc_generator and "
                              "step_current_generator only");
  return "curr" + std::to_string(k);
}

std::string cm_state_name(const std::string& nest_name) {
  for (const char* kind : {"AMPA_", "GABA_", "NMDA_", "AN_AMPA_"})
    for (const char* part : {"g_r_", "g_d_"}) {
      const std::string prefix = std::string(part) + kind;
      if (nest_name.rfind(prefix, 0) == 0) return std::string(part) + nest_name.substr(prefix.size());
    }
  return nest_name;  // v_comp<k>, m_Na_<k>, h_Na_<k>, n_K_<k>, g_r_AN_NMDA_<r>, g_d_AN_NMDA_<r>
}

}  // namespace volley::nest::detail
