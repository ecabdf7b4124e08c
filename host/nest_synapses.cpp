#include "host/nest_synapses.hpp"

#include <cmath>

#include "engine/error.hpp"
#include "models/short_term_plasticity.hpp"
#include "models/stdp.hpp"

namespace volley::nest::detail {

namespace {

// NEST 3.10's defaults (nest.GetDefaults), weight and delay included; the keys are the model's parameters.
json stdp_guetig_defaults() {
  return {{"weight", 1.0}, {"delay", 1.0}, {"tau_plus", 20.0}, {"lambda", 0.01}, {"alpha", 1.0},
          {"mu_plus", 1.0}, {"mu_minus", 1.0}, {"Wmax", 100.0}, {"Kplus", 0.0}};
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
  return stdp_rule::none;
}

double number_of(const json& merged, const char* key, const std::string& where) {
  const json& v = merged.at(key);
  if (!v.is_number())
    throw parameter_error(where, std::string("syn_spec.") + key, v.dump(), "a number (the same for every synapse)");
  return v.get<double>();
}

}  // namespace

std::vector<synapse_model> builtin_synapse_models() {
  json nn = stdp_guetig_defaults();
  nn.erase("Kplus");
  return {
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
      // rate models (host/nest_rate.cpp); NEST's instantaneous connection has no delay
      {"rate_connection_delayed", "rate_connection_delayed", {{"weight", 1.0}, {"delay", 1.0}}},
      {"rate_connection_instantaneous", "rate_connection_instantaneous", {{"weight", 1.0}}},
  };
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
    if (key == "synapse_model" || key == "receptor_type" || key == "weight_recorder") {
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
  return merged;
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
  check_stdp(c, m.name, where);
  syn.stdp = c;
  syn.stdp_model = m.name;
  if (merged.contains("Kplus")) syn.stdp_initial_kplus = num("Kplus");
  if (merged.contains("Kplus_triplet")) syn.stdp_initial_kplus_triplet = num("Kplus_triplet");
}

bool is_archive_key(const std::string& key) { return key == "tau_minus" || key == "tau_minus_triplet"; }

}  // namespace volley::nest::detail
