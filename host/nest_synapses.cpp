#include "host/nest_synapses.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "engine/error.hpp"
#include "models/short_term_plasticity.hpp"
#include "models/stdp.hpp"
#include "models/stdp_facetshw.hpp"

namespace volley::nest::detail {

namespace {

// NEST 3.10's defaults (nest.GetDefaults), weight and delay included; the keys are the model's parameters.
json stdp_guetig_defaults() {
  return {{"weight", 1.0}, {"delay", 1.0}, {"tau_plus", 20.0}, {"lambda", 0.01}, {"alpha", 1.0},
          {"mu_plus", 1.0}, {"mu_minus", 1.0}, {"Wmax", 100.0}, {"Kplus", 0.0}};
}

json facetshw_defaults() {
  return {{"weight", 1.0}, {"delay", 1.0}, {"tau_plus", 20.0}, {"tau_minus_stdp", 20.0}, {"Wmax", 100.0},
          {"weight_per_lut_entry", 100.0 / 15.0}, {"no_synapses", 0}, {"synapses_per_driver", 50},
          {"driver_readout_time", 15.0}, {"readout_cycle_duration", 0.0},
          {"lookuptable_0", {2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15}},
          {"lookuptable_1", {0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13}},
          {"lookuptable_2", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
          {"configbit_0", {0, 0, 1, 0}}, {"configbit_1", {0, 1, 0, 0}}, {"reset_pattern", {1, 1, 1, 1, 1, 1}},
          {"a_causal", 0.0}, {"a_acausal", 0.0}, {"a_thresh_th", 21.835}, {"a_thresh_tl", 21.835},
          {"synapse_id", 0}, {"init_flag", false}, {"next_readout_time", 0.0}};
}

// NEST's common properties: one value per synapse model, settable by SetDefaults / CopyModel only.
const std::vector<std::string>& common_keys(const std::string& base, const std::string& origin) {
  static const std::vector<std::string> none, weight{"weight"},
      tsodyks_hom{"tau_psc", "tau_rec", "tau_fac", "U"},
      stdp_hom{"tau_plus", "lambda", "alpha", "mu_plus", "mu_minus", "Wmax"},
      pl_hom{"tau_plus", "lambda", "alpha", "mu"},
      jonke{"tau_plus", "lambda", "alpha", "beta", "mu_plus", "mu_minus", "Wmax"},
      dopamine{"volume_transmitter", "A_plus", "A_minus", "tau_plus", "tau_c", "tau_n", "b", "Wmin", "Wmax"},
      facetshw{"tau_plus", "tau_minus_stdp", "Wmax", "weight_per_lut_entry", "no_synapses", "synapses_per_driver",
               "driver_readout_time", "readout_cycle_duration", "lookuptable_0", "lookuptable_1", "lookuptable_2",
               "configbit_0", "configbit_1", "reset_pattern",
               "init_flag"};  // a flag: NEST's Connect takes no booleans
  if (base == "stdp_synapse_hom") return stdp_hom;
  if (base == "stdp_pl_synapse_hom") return pl_hom;
  if (base == "jonke_synapse") return jonke;
  if (base == "stdp_dopamine_synapse") return dopamine;
  if (base == "stdp_facetshw_synapse_hom") return facetshw;
  if (origin == "static_synapse_hom_w") return weight;  // aliases of static_synapse / tsodyks_synapse here
  if (origin == "tsodyks_synapse_hom") return tsodyks_hom;
  return none;
}

models::stdp_rule rule_of_base(const std::string& base) {
  using models::stdp_rule;
  if (base == "stdp_synapse" || base == "stdp_synapse_hom") return stdp_rule::guetig;
  if (base == "stdp_pl_synapse_hom") return stdp_rule::power_law;
  if (base == "stdp_triplet_synapse") return stdp_rule::triplet;
  if (base == "vogels_sprekeler_synapse") return stdp_rule::vogels_sprekeler;
  if (base == "stdp_nn_symm_synapse") return stdp_rule::nn_symm;
  if (base == "stdp_nn_restr_synapse") return stdp_rule::nn_restr;
  if (base == "stdp_nn_pre_centered_synapse") return stdp_rule::nn_pre_centered;
  if (base == "jonke_synapse") return stdp_rule::jonke;
  if (base == "stdp_facetshw_synapse_hom") return stdp_rule::facetshw;
  if (base == "stdp_dopamine_synapse") return stdp_rule::dopamine;
  if (base == "clopath_synapse") return stdp_rule::clopath;
  if (base == "urbanczik_synapse") return stdp_rule::urbanczik;
  return stdp_rule::none;
}

double number_of(const json& merged, const char* key, const std::string& where) {
  const json& v = merged.at(key);
  if (!v.is_number())
    throw parameter_error(where, std::string("syn_spec.") + key, v.dump(), "a number (the same for every synapse)");
  return v.get<double>();
}

// An integer parameter (NEST's long): a number without a fractional part.
std::int64_t integer_of(const json& merged, const char* key, const std::string& where) {
  const json& v = merged.at(key);
  if (!v.is_number() || std::floor(v.get<double>()) != v.get<double>() || std::abs(v.get<double>()) > 9e15)
    throw parameter_error(where, std::string("syn_spec.") + key, v.dump(), "an integer");
  return v.get<std::int64_t>();
}

// A list of `n` integers in [0, hi] (look-up tables, configuration and reset bits; booleans count as 0 / 1).
void small_integers(const json& merged, const char* key, std::size_t n, int hi, std::uint8_t* out,
                    const std::string& where) {
  const json& v = merged.at(key);
  const std::string want = std::to_string(n) + " integers in [0, " + std::to_string(hi) + "]";
  if (!v.is_array() || v.size() != n) throw parameter_error(where, std::string("syn_spec.") + key, v.dump(), want);
  for (std::size_t i = 0; i < n; ++i) {
    const json& e = v[i];
    const double x = e.is_boolean() ? double(e.get<bool>()) : e.is_number() ? e.get<double>() : -1.0;
    if (!(x >= 0 && x <= hi && std::floor(x) == x))
      throw parameter_error(where, std::string("syn_spec.") + key + "[" + std::to_string(i) + "]", e.dump(), want);
    out[i] = static_cast<std::uint8_t>(x);
  }
}

// stdp_facetshw_synapse_hom: the common properties and the synapses' initial state.
void lower_facetshw(const json& merged, synapse_spec& syn, const std::string& where) {
  auto num = [&](const char* key) { return number_of(merged, key, where); };
  models::facetshw_constants& c = syn.stdp_facetshw;
  c.tau_plus = num("tau_plus");
  c.tau_minus = num("tau_minus_stdp");
  c.weight_per_lut_entry = num("weight_per_lut_entry");
  c.synapses_per_driver = integer_of(merged, "synapses_per_driver", where);
  c.driver_readout_time = num("driver_readout_time");
  const char* luts[] = {"lookuptable_0", "lookuptable_1", "lookuptable_2"};
  for (int t = 0; t < 3; ++t) small_integers(merged, luts[t], models::facetshw_lut_size, 15, c.lut[t], where);
  small_integers(merged, "configbit_0", 4, 1, c.configbit[0], where);
  small_integers(merged, "configbit_1", 4, 1, c.configbit[1], where);
  small_integers(merged, "reset_pattern", 6, 1, c.reset_pattern, where);
  syn.stdp_facetshw_start.no_synapses = integer_of(merged, "no_synapses", where);
  syn.stdp_facetshw_start.readout_cycle_duration = num("readout_cycle_duration");
  if (syn.stdp_facetshw_start.no_synapses < 0)
    throw parameter_error(where, "syn_spec.no_synapses", std::to_string(syn.stdp_facetshw_start.no_synapses), ">= 0");
  models::facetshw_synapse& s = syn.stdp_facetshw_synapse;
  s.a_causal = num("a_causal");
  s.a_acausal = num("a_acausal");
  s.a_thresh_th = num("a_thresh_th");
  s.a_thresh_tl = num("a_thresh_tl");
  s.next_readout = num("next_readout_time");
  s.synapse_id = integer_of(merged, "synapse_id", where);
  const json& flag = merged.at("init_flag");
  if (!flag.is_boolean() && !(flag.is_number() && (flag == 0 || flag == 1)))
    throw parameter_error(where, "syn_spec.init_flag", flag.dump(), "true or false");
  s.initialized = flag.is_boolean() ? flag.get<bool>() : flag == 1;
  for (auto [name, v] : {std::pair{"a_causal", s.a_causal}, {"a_acausal", s.a_acausal},
                         {"a_thresh_th", s.a_thresh_th}, {"a_thresh_tl", s.a_thresh_tl},
                         {"next_readout_time", s.next_readout}, {"readout_cycle_duration",
                                                                 syn.stdp_facetshw_start.readout_cycle_duration}})
    if (!std::isfinite(v)) throw parameter_error(where, std::string("syn_spec.") + name, json(v).dump(), "a finite value");
  check_facetshw(c, "stdp_facetshw_synapse_hom", where);
}

}  // namespace

std::size_t nest_synapse_id(const std::vector<synapse_model>& models, const std::string& name) {
  // nest.GetDefaults(m)["synapse_modelid"] of NEST 3.10's synapse models, in order
  static const char* const registered[] = {
      "bernoulli_synapse", "bernoulli_synapse_hpc", "bernoulli_synapse_lbl", "clopath_synapse",
      "clopath_synapse_hpc", "clopath_synapse_lbl", "cont_delay_synapse", "cont_delay_synapse_hpc",
      "cont_delay_synapse_lbl", "diffusion_connection", "eprop_synapse_bsshslm_2020",
      "eprop_synapse_bsshslm_2020_hpc", "eprop_learning_signal_connection_bsshslm_2020", "eprop_synapse",
      "eprop_synapse_hpc", "eprop_learning_signal_connection", "gap_junction", "ht_synapse", "ht_synapse_hpc",
      "ht_synapse_lbl", "jonke_synapse", "jonke_synapse_hpc", "jonke_synapse_lbl", "quantal_stp_synapse",
      "quantal_stp_synapse_hpc", "quantal_stp_synapse_lbl", "rate_connection_delayed",
      "rate_connection_instantaneous", "sic_connection", "static_synapse", "static_synapse_hpc",
      "static_synapse_lbl", "static_synapse_hom_w", "static_synapse_hom_w_hpc", "static_synapse_hom_w_lbl",
      "stdp_dopamine_synapse", "stdp_dopamine_synapse_hpc", "stdp_dopamine_synapse_lbl",
      "stdp_nn_pre_centered_synapse", "stdp_nn_pre_centered_synapse_hpc", "stdp_nn_pre_centered_synapse_lbl",
      "stdp_nn_restr_synapse", "stdp_nn_restr_synapse_hpc", "stdp_nn_restr_synapse_lbl", "stdp_nn_symm_synapse",
      "stdp_nn_symm_synapse_hpc", "stdp_nn_symm_synapse_lbl", "stdp_pl_synapse_hom", "stdp_pl_synapse_hom_hpc",
      "stdp_pl_synapse_hom_lbl", "stdp_synapse", "stdp_synapse_hpc", "stdp_synapse_lbl",
      "stdp_facetshw_synapse_hom", "stdp_facetshw_synapse_hom_hpc", "stdp_facetshw_synapse_hom_lbl",
      "stdp_synapse_hom", "stdp_synapse_hom_hpc", "stdp_synapse_hom_lbl", "stdp_triplet_synapse",
      "stdp_triplet_synapse_hpc", "stdp_triplet_synapse_lbl", "tsodyks2_synapse", "tsodyks2_synapse_hpc",
      "tsodyks2_synapse_lbl", "tsodyks_synapse", "tsodyks_synapse_hpc", "tsodyks_synapse_lbl",
      "tsodyks_synapse_hom", "tsodyks_synapse_hom_hpc", "tsodyks_synapse_hom_lbl", "urbanczik_synapse",
      "urbanczik_synapse_hpc", "urbanczik_synapse_lbl", "vogels_sprekeler_synapse",
      "vogels_sprekeler_synapse_hpc", "vogels_sprekeler_synapse_lbl"};
  constexpr std::size_t n_registered = std::size(registered);
  for (std::size_t i = 0; i < n_registered; ++i)
    if (name == registered[i]) return i;
  const std::size_t builtins = builtin_synapse_models().size();
  for (std::size_t i = builtins; i < models.size(); ++i)
    if (models[i].name == name) return n_registered + (i - builtins);
  return n_registered + models.size();  // not a NEST model (not reached: names are checked at Connect)
}

std::vector<synapse_model> builtin_synapse_models() {
  json nn = stdp_guetig_defaults();
  nn.erase("Kplus");
  std::vector<synapse_model> models{
      {"static_synapse", "static_synapse", {{"weight", 1.0}, {"delay", 1.0}}},
      {"static_synapse_hom_w", "static_synapse", {{"weight", 1.0}, {"delay", 1.0}}},
      {"bernoulli_synapse", "bernoulli_synapse", {{"weight", 1.0}, {"delay", 1.0}, {"p_transmit", 1.0}}},
      {"tsodyks_synapse", "tsodyks_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"U", 0.5}, {"u", 0.0}, {"x", 1.0}, {"y", 0.0}, {"tau_psc", 3.0},
        {"tau_rec", 800.0}, {"tau_fac", 0.0}}},
      {"tsodyks_synapse_hom", "tsodyks_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"U", 0.5}, {"u", 0.0}, {"x", 1.0}, {"y", 0.0}, {"tau_psc", 3.0},
        {"tau_rec", 800.0}, {"tau_fac", 0.0}}},
      {"quantal_stp_synapse", "quantal_stp_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"U", 0.5}, {"u", 0.5}, {"tau_rec", 800.0}, {"tau_fac", 0.0}, {"n", 1},
        {"a", 1}}},
      {"tsodyks2_synapse", "tsodyks2_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"U", 0.5}, {"u", 0.5}, {"x", 1.0}, {"tau_rec", 800.0}, {"tau_fac", 0.0}}},
      {"stdp_synapse", "stdp_synapse", stdp_guetig_defaults()},
      {"stdp_synapse_hom", "stdp_synapse_hom", stdp_guetig_defaults()},
      {"stdp_pl_synapse_hom", "stdp_pl_synapse_hom",
       {{"weight", 1.0}, {"delay", 1.0}, {"tau_plus", 20.0}, {"lambda", 0.1}, {"alpha", 1.0}, {"mu", 0.4},
        {"Kplus", 0.0}}},
      {"stdp_triplet_synapse", "stdp_triplet_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"tau_plus", 16.8}, {"tau_plus_triplet", 101.0}, {"Aplus", 5e-10},
        {"Aminus", 7e-3}, {"Aplus_triplet", 6.2e-3}, {"Aminus_triplet", 2.3e-4}, {"Wmax", 100.0}, {"Kplus", 0.0},
        {"Kplus_triplet", 0.0}}},
      {"vogels_sprekeler_synapse", "vogels_sprekeler_synapse",
       {{"weight", 0.5}, {"delay", 1.0}, {"tau", 20.0}, {"alpha", 0.12}, {"eta", 0.001}, {"Wmax", 1.0},
        {"Kplus", 0.0}}},
      {"stdp_nn_symm_synapse", "stdp_nn_symm_synapse", nn},
      {"stdp_nn_restr_synapse", "stdp_nn_restr_synapse", nn},
      {"stdp_nn_pre_centered_synapse", "stdp_nn_pre_centered_synapse", stdp_guetig_defaults()},
      {"ht_synapse", "ht_synapse", {{"weight", 1.0}, {"delay", 1.0}, {"tau_P", 500.0}, {"delta_P", 0.125}, {"P", 1.0}}},
      {"jonke_synapse", "jonke_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"tau_plus", 20.0}, {"lambda", 0.01}, {"alpha", 1.0}, {"beta", 0.0},
        {"mu_plus", 0.0}, {"mu_minus", 0.0}, {"Wmax", 100.0}, {"Kplus", 0.0}}},
      {"stdp_facetshw_synapse_hom", "stdp_facetshw_synapse_hom", facetshw_defaults()},
      {"stdp_dopamine_synapse", "stdp_dopamine_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"A_plus", 1.0}, {"A_minus", 1.5}, {"tau_plus", 20.0}, {"tau_c", 1000.0},
        {"tau_n", 200.0}, {"b", 0.0}, {"Wmin", 0.0}, {"Wmax", 200.0}, {"c", 0.0}, {"n", 0.0}, {"Kplus", 0.0},
        {"volume_transmitter", nullptr}}},
      {"clopath_synapse", "clopath_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"tau_x", 15.0}, {"Wmin", 0.0}, {"Wmax", 100.0}, {"x_bar", 0.0}}},
      {"urbanczik_synapse", "urbanczik_synapse",
       {{"weight", 1.0}, {"delay", 1.0}, {"tau_Delta", 100.0}, {"eta", 0.07}, {"Wmin", 0.0}, {"Wmax", 100.0}}},
      // rate models (host/nest_rate.cpp); NEST's instantaneous connection has no delay
      {"rate_connection_delayed", "rate_connection_delayed", {{"weight", 1.0}, {"delay", 1.0}}},
      {"rate_connection_instantaneous", "rate_connection_instantaneous", {{"weight", 1.0}}},
      {"diffusion_connection", "diffusion_connection", {{"drift_factor", 1.0}, {"diffusion_factor", 1.0}}},
      // NEST's gap junctions between gap models (host/nest_gap.cpp); no delay
      {"gap_junction", "gap_junction", {{"weight", 1.0}}},
      // a static synapse whose default delay may lie off the grid (host/nest_cont_delay.cpp)
      {"cont_delay_synapse", "cont_delay_synapse", {{"weight", 1.0}, {"delay", 1.0}}},
      // astrocyte -> aeif_cond_alpha_astro (host/nest_astro.cpp)
      {"sic_connection", "sic_connection", {{"weight", 1.0}, {"delay", 1.0}}},
  };
  for (auto& m : models) m.origin = m.name;
  return models;
}

std::string synapse_model_names(const std::vector<synapse_model>& models) {
  std::string out;
  for (const auto& m : models) out += (out.empty() ? "" : ", ") + m.name;
  return out;
}

const synapse_model& synapse_model_of(const std::vector<synapse_model>& models, const json& syn_spec,
                                      const std::string& where) {
  const json name = syn_spec.value("synapse_model", json("static_synapse"));
  if (name.is_string())
    for (const auto& m : models)
      if (m.name == name.get<std::string>()) return m;
  throw parameter_error(where, "synapse_model", name.dump(), "one of: " + synapse_model_names(models));
}

json merged_syn_spec(const synapse_model& m, const json& syn_spec, const std::string& where) {
  json merged = m.params;
  for (const auto& [key, value] : syn_spec.items()) {
    if (key == "synapse_model" || key == "receptor_type" || key == "weight_recorder" ||
        (key == "volume_transmitter" && m.base == "stdp_dopamine_synapse")) {
      merged[key] = value;
      continue;
    }
    if (!m.params.contains(key)) {
      std::string known = "synapse_model, receptor_type";
      for (const auto& [k, v] : m.params.items()) known += ", " + k;
      throw parameter_error(where, "syn_spec." + key, value.dump(), "a parameter of " + m.name + ": " + known);
    }
    merged[key] = value;
  }
  if (m.base == "stdp_facetshw_synapse_hom") {
    // derived common properties, in the order NEST's SetDefaults updates them: Wmax sets weight_per_lut_entry
    // (unless given too), no_synapses, synapses_per_driver or driver_readout_time recompute the readout cycle
    auto given = [&](const char* k) { return syn_spec.contains(k); };
    if (given("Wmax") && !given("weight_per_lut_entry") && merged.at("Wmax").is_number())
      merged["weight_per_lut_entry"] = merged.at("Wmax").get<double>() / (models::facetshw_lut_size - 1);
    if ((given("no_synapses") || given("synapses_per_driver") || given("driver_readout_time")) &&
        merged.at("no_synapses").is_number() && merged.at("synapses_per_driver").is_number() &&
        merged.at("driver_readout_time").is_number() && merged.at("synapses_per_driver").get<double>() != 0) {
      models::facetshw_constants c;
      c.synapses_per_driver = merged.at("synapses_per_driver").get<std::int64_t>();
      c.driver_readout_time = merged.at("driver_readout_time").get<double>();
      merged["readout_cycle_duration"] = models::facetshw_cycle(c, merged.at("no_synapses").get<std::int64_t>());
    }
  }
  return merged;
}

void check_connect_syn_keys(const synapse_model& m, const json& syn_spec, const std::string& where) {
  for (const auto& key : common_keys(m.base, m.origin))
    if (syn_spec.contains(key))
      throw parameter_error(where, "syn_spec." + key, syn_spec.at(key).dump(),
                            "no value in Connect: a common property of " + m.name +
                                ", set by SetDefaults or CopyModel (as in NEST)");
}

void lower_plasticity(const synapse_model& m, const json& merged, synapse_spec& syn, const std::string& where) {
  auto num = [&](const char* key) { return number_of(merged, key, where); };
  if (m.base == "bernoulli_synapse") {  // each synapse passes each spike with probability p_transmit
    syn.transmit_probability = num("p_transmit");
    return;
  }
  if (m.base == "tsodyks2_synapse") {
    models::nest_tsodyks2_params p;
    p.U = units::dimensionless_q(num("U"));
    p.u = units::dimensionless_q(num("u"));
    p.x = units::dimensionless_q(num("x"));
    p.tau_rec = units::time_q(num("tau_rec"));
    p.tau_fac = units::time_q(num("tau_fac"));
    syn.plasticity = p;
    check_plasticity(syn.plasticity, where);
    return;
  }
  if (m.base == "quantal_stp_synapse") {
    models::nest_quantal_params p;
    p.U = units::dimensionless_q(num("U"));
    p.u = units::dimensionless_q(num("u"));
    p.tau_rec = units::time_q(num("tau_rec"));
    p.tau_fac = units::time_q(num("tau_fac"));
    p.n = units::dimensionless_q(num("n"));
    p.a = units::dimensionless_q(num("a"));
    syn.plasticity = p;
    check_plasticity(syn.plasticity, where);
    return;
  }
  if (m.base == "tsodyks_synapse") {
    models::nest_tsodyks_params p;
    p.U = units::dimensionless_q(num("U"));
    p.u = units::dimensionless_q(num("u"));
    p.x = units::dimensionless_q(num("x"));
    p.y = units::dimensionless_q(num("y"));
    p.tau_psc = units::time_q(num("tau_psc"));
    p.tau_rec = units::time_q(num("tau_rec"));
    p.tau_fac = units::time_q(num("tau_fac"));
    syn.plasticity = p;
    check_plasticity(syn.plasticity, where);
    return;
  }
  // ht_synapse (Hill & Tononi 2005): the pool P recovers with tau_P, each spike sends weight * P, then P *= 1 - delta_P
  if (m.base == "ht_synapse") {
    models::nest_ht_params p;
    p.tau_P = units::time_q(num("tau_P"));
    p.delta_P = units::dimensionless_q(num("delta_P"));
    p.P = units::dimensionless_q(num("P"));
    syn.plasticity = p;
    check_plasticity(syn.plasticity, where);
    return;
  }
  const models::stdp_rule rule = rule_of_base(m.base);
  if (rule == models::stdp_rule::none) return;  // static
  models::stdp_constants c;
  c.rule = rule;
  auto take = [&](const char* key, double& field) {
    if (merged.contains(key)) field = num(key);
  };
  take("tau_plus", c.tau_plus);
  take("tau", c.tau_plus);  // vogels_sprekeler's trace time constant
  take("lambda", c.lambda);
  take("alpha", c.alpha);
  take("mu_plus", c.mu_plus);
  take("mu_minus", c.mu_minus);
  take("mu", c.mu);
  take("Wmax", c.Wmax);
  take("tau_plus_triplet", c.tau_plus_triplet);
  take("Aplus", c.Aplus);
  take("Aminus", c.Aminus);
  take("Aplus_triplet", c.Aplus_triplet);
  take("Aminus_triplet", c.Aminus_triplet);
  take("eta", c.eta);
  take("beta", c.beta);
  take("tau_x", c.tau_x);
  if (rule == models::stdp_rule::clopath || rule == models::stdp_rule::urbanczik) take("Wmin", c.Wmin);
  take("tau_Delta", c.tau_Delta);
  if (rule == models::stdp_rule::facetshw) lower_facetshw(merged, syn, where);
  if (rule == models::stdp_rule::dopamine) {  // the volume transmitter is resolved by the caller (its node id)
    models::dopamine_constants& d = syn.stdp_dopamine;
    d.A_plus = num("A_plus");
    d.A_minus = num("A_minus");
    d.tau_plus = num("tau_plus");
    d.tau_c = num("tau_c");
    d.tau_n = num("tau_n");
    d.b = num("b");
    d.Wmin = num("Wmin");
    d.Wmax = num("Wmax");
    syn.stdp_dopamine_synapse.c = num("c");
    syn.stdp_dopamine_synapse.n = num("n");
    check_dopamine(syn, m.name, where);
  }
  check_stdp(c, m.name, where);
  syn.stdp = c;
  syn.stdp_model = m.name;
  if (merged.contains("Kplus")) syn.stdp_initial_kplus = num("Kplus");
  if (rule == models::stdp_rule::clopath) syn.stdp_initial_kplus = num("x_bar");  // 1/ms, per source row here
  if (merged.contains("Kplus_triplet")) syn.stdp_initial_kplus_triplet = num("Kplus_triplet");
}

std::uint64_t volume_transmitter_id(const json& merged, const std::string& where) {
  const json id = merged.value("volume_transmitter", json(nullptr));
  if (id.is_null())
    throw parameter_error(where, "volume_transmitter", "null", "a volume_transmitter's global id, set by SetDefaults "
                                                               "or CopyModel (NEST: No volume transmitter has been "
                                                               "assigned to the dopamine synapse.)");
  if (!id.is_number_integer() || id.get<long long>() <= 0)
    throw parameter_error(where, "volume_transmitter", id.dump(),
                          "the global id of one volume_transmitter (Create('volume_transmitter'))");
  return id.get<std::uint64_t>();
}

void add_synapse_state(json& out, const std::vector<synapse_ref>& synapses) {
  auto any = [&](auto pred) { return std::any_of(synapses.begin(), synapses.end(), pred); };
  if (any([](const synapse_ref& s) { return s.p && s.p->facetshw(); })) {
    for (const char* key : {"synapse_id", "next_readout_time", "a_causal", "a_acausal"}) out[key] = json::array();
    for (const auto& s : synapses) {
      const auto* f = s.p && s.p->facetshw() ? &s.p->stdp_facetshw_synapses[s.k] : nullptr;
      out["synapse_id"].push_back(f ? json(f->synapse_id) : json(nullptr));
      out["next_readout_time"].push_back(f ? json(f->next_readout) : json(nullptr));
      out["a_causal"].push_back(f ? json(f->a_causal) : json(nullptr));
      out["a_acausal"].push_back(f ? json(f->a_acausal) : json(nullptr));
    }
  }
  if (any([](const synapse_ref& s) { return s.p && s.p->dopamine(); })) {
    for (const char* key : {"c", "n", "Kplus"}) out[key] = json::array();
    for (const auto& s : synapses) {  // as of the synapse's last update (NEST's too)
      const auto* d = s.p && s.p->dopamine() ? &s.p->stdp_dopamine_synapses[s.k] : nullptr;
      out["c"].push_back(d ? json(d->c) : json(nullptr));
      out["n"].push_back(d ? json(d->n) : json(nullptr));
      out["Kplus"].push_back(d ? json(d->kplus) : json(nullptr));
    }
  }
}

bool is_archive_key(const std::string& key) { return key == "tau_minus" || key == "tau_minus_triplet"; }

}  // namespace volley::nest::detail
