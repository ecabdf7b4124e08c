// NEST's astrocytes in the NEST layer: astrocyte_lr_1994 (models/astrocyte_lr_1994.hpp) takes spikes from neurons
// and generators and sends its slow inward current (SIC) through sic_connection to aeif_cond_alpha_astro
// (models/aeif_cond_alpha_astro.hpp), port "SIC".
//   - sic_connection, weight w, delay d: NEST's SICEvent carries the astrocyte's SIC of each step of a min_delay
//     slice; the target adds w x SIC of step n to its ring at step n + d and holds it over step n + d + 1 (as a
//     current generator's current). Volley: the astrocyte's payload SIC, sent every step with delay d onto port
//     "SIC" (the target's update stores it as I_SIC after the step).
//   - NEST refuses a sic_connection from anything but an astrocyte or to anything without SIC input; an astrocyte
//     sends no spikes, so volley refuses its other outgoing connections (they would carry the SIC as a spike
//     payload every step); NEST raises an error at the first spike of negative weight into an astrocyte: refused
//     when connecting.
//   - Concentrations: NEST gives them in µM; volley's base unit is mM (unit_of_key asks for uM).
#include <string>

#include "engine/error.hpp"
#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

bool is_astrocyte(const node_group& g) { return g.kind == device_kind::none && g.model == "astrocyte_lr_1994"; }

bool takes_sic(const node_group& g) { return g.kind == device_kind::none && g.model == "aeif_cond_alpha_astro"; }

bool is_sic_synapse(const synapse_model& m) { return m.base == "sic_connection"; }

double astro_unit_scale(const node_group& g, const std::string& name) {
  return is_astrocyte(g) && (name == "IP3" || name == "Ca_astro") ? 1000.0 : 1.0;
}

bool check_astro_connection(const plan& p, const connection& c, const node_group& pre, const node_group& post) {
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  const bool neurons = pre.kind == device_kind::none && post.kind == device_kind::none;
  const synapse_model* m = neurons ? &synapse_model_of(p.synapse_models, c.syn_spec, where) : nullptr;
  const bool sic = m != nullptr && is_sic_synapse(*m);
  if (!is_astrocyte(pre) && !is_astrocyte(post) && !sic) return false;
  if (is_astrocyte(pre)) {
    if (post.kind == device_kind::multimeter || post.kind == device_kind::voltmeter) return false;
    if (!sic || !takes_sic(post))
      throw parameter_error(where, sic ? "post" : "synapse_model", sic ? post.model : c.syn_spec.dump(),
                            "sic_connection to aeif_cond_alpha_astro: an astrocyte sends no spikes, only its slow "
                            "inward current (NEST refuses other targets)");
  } else if (sic) {
    throw parameter_error(where, "pre", pre.model, "astrocyte_lr_1994 (sic_connection carries an astrocyte's SIC)");
  }
  if (sic) {
    const json spec = merged_syn_spec(*m, c.syn_spec, where);
    for (const auto& [key, value] : c.syn_spec.items())
      if (key != "synapse_model" && key != "weight" && key != "delay" && key != "receptor_type")
        throw parameter_error(where, "syn_spec." + key, value.dump(), "weight, delay, receptor_type (sic_connection)");
    if (spec.value("receptor_type", json(0)) != json(0))
      throw parameter_error(where, "receptor_type", spec.at("receptor_type").dump(),
                            "0 (aeif_cond_alpha_astro takes the SIC on receptor 0)");
    quantity_in(spec.value("weight", json(1.0)), "1", where, "weight");
    const json d = spec.value("delay", json(1.0));
    if (!d.is_number() || !(d.get<double>() >= p.options.resolution_ms * (1 - 1e-9)))
      throw parameter_error(where, "delay", d.dump() + " ms",
                            "one number of ms, at least the resolution " + std::to_string(p.options.resolution_ms));
    return true;
  }
  // into an astrocyte: spikes of non-negative weight on receptor 0
  if (post.kind == device_kind::none && is_astrocyte(post)) {
    const json spec = m ? merged_syn_spec(*m, c.syn_spec, where) : c.syn_spec;
    const json w = spec.value("weight", json(1.0));
    if (w.is_number() && w.get<double>() < 0)
      throw parameter_error(where, "weight", w.dump(),
                            "a non-negative weight (NEST: astrocyte_lr_1994 cannot handle input spikes with negative "
                            "weights)");
  }
  return false;  // the rest as for any spiking target
}

void plan::connect_sic(const connection& c) {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& post = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  const synapse_model& m = synapse_model_of(synapse_models, c.syn_spec, where);
  const json spec = merged_syn_spec(m, c.syn_spec, where);
  synapse_spec syn;
  syn.receptor = "SIC";
  syn.weight = quantity_in(spec.value("weight", json(1.0)), "1", where, "weight");
  syn.delay = units::time_q(spec.value("delay", json(1.0)).get<double>());
  const auto b = c.pre.first_id - pre.first_id, e = c.post.first_id - post.first_id;
  net->connect(pre.population + "[" + std::to_string(b) + ":" + std::to_string(b + c.pre.count) + "]",
               post.population + "[" + std::to_string(e) + ":" + std::to_string(e + c.post.count) + "]",
               nest_rule(c.conn_spec, where), syn);
  projection_of[static_cast<std::size_t>(&c - connections.data())] =
      static_cast<long long>(net->projections().size()) - 1;
}

}  // namespace volley::nest::detail
