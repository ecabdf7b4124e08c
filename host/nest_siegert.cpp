// NEST's siegert_neuron and diffusion_connection in the NEST layer (models/siegert_neuron.hpp). A
// diffusion_connection is two payload projections over the same synapses: the sender's rate times drift_factor to
// the target's port drift (mu), times diffusion_factor to port diffusion (sigma^2). Timing as
// rate_connection_instantaneous (host/nest_rate.cpp), measured against NEST 3.10
// (tools/nest_reference/make_siegert_references.py):
//   - use_wfr = false: the target reads in step n the sender's rate after step n - 1 (volley: the payload "rate",
//     one step of delay; nothing in step 0).
//   - use_wfr = true (NEST's default): the same once waveform relaxation has converged, and in step 0 the sender's
//     initial rate (added to the rings before the run). NEST stops iterating when no rate moves by more than
//     wfr_tol (1e-4 by default) between iterations; volley gives the converged solution.
// NEST's rules: diffusion_connection only between siegert_neurons, a siegert_neuron takes and sends nothing else
// (multimeters record its rate); no weight, no delay; receptor_type 0 or 1 (the same input).
#include <string>

#include "engine/connectivity.hpp"
#include "engine/error.hpp"
#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

bool is_siegert(const node_group& g) { return g.kind == device_kind::none && g.model == "siegert_neuron"; }

bool check_diffusion_connection(const plan& p, const connection& c, const node_group& pre, const node_group& post) {
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  const bool neurons = pre.kind == device_kind::none && post.kind == device_kind::none;
  const synapse_model* m = neurons ? &synapse_model_of(p.synapse_models, c.syn_spec, where) : nullptr;
  const bool diffusion = m != nullptr && m->base == "diffusion_connection";
  if (!is_siegert(pre) && !is_siegert(post) && !diffusion) return false;
  if (post.kind == device_kind::multimeter || post.kind == device_kind::voltmeter || is_recorder(pre.kind))
    return false;  // recorders: the generic code (a multimeter records rate)
  if (!is_siegert(pre))
    throw parameter_error(where, "pre", pre.model,
                          "a siegert_neuron (NEST: the source node does not support diffusion output; a "
                          "siegert_neuron takes input only through diffusion_connection from siegert_neurons)");
  if (!is_siegert(post))
    throw parameter_error(where, "post", post.model,
                          "a siegert_neuron (NEST: the target node does not support diffusion input; a "
                          "siegert_neuron sends only through diffusion_connection; record its rate with a multimeter)");
  if (!diffusion)
    throw parameter_error(where, "synapse_model", "\"" + m->name + "\"",
                          "diffusion_connection (or a copy) between siegert_neurons");
  for (const auto& [key, value] : c.syn_spec.items()) {
    if (key == "weight")
      throw parameter_error(where, "syn_spec.weight", value.dump(),
                            "drift_factor and diffusion_factor (NEST: Please use the parameters drift_factor and "
                            "diffusion_factor to specifiy the weights.)");
    if (key == "delay")
      throw parameter_error(where, "syn_spec.delay", value.dump(),
                            "no delay (NEST: diffusion_connection has no delay.)");
    if (key != "synapse_model" && key != "drift_factor" && key != "diffusion_factor" && key != "receptor_type")
      throw parameter_error(where, "syn_spec." + key, value.dump(),
                            "drift_factor, diffusion_factor, receptor_type (" + m->name + ")");
  }
  const json spec = merged_syn_spec(*m, c.syn_spec, where);
  const json r = spec.value("receptor_type", json(0));
  if (r != json(0) && r != json(1))
    throw parameter_error(where, "receptor_type", r.dump(), "0 or 1 (siegert_neuron: both take drift and diffusion)");
  for (const char* key : {"drift_factor", "diffusion_factor"}) {
    const json v = spec.value(key, json(1.0));
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw parameter_error(where, key, v.dump(), "one finite number (mV s for drift, mV^2 s for diffusion)");
  }
  return true;
}

void plan::connect_diffusion(const connection& c) {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& post = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  const synapse_model& m = synapse_model_of(synapse_models, c.syn_spec, where);
  const json spec = merged_syn_spec(m, c.syn_spec, where);
  const std::uint64_t b = c.pre.first_id - pre.first_id, e = c.post.first_id - post.first_id;
  const std::string source = pre.population + "[" + std::to_string(b) + ":" + std::to_string(b + c.pre.count) + "]";
  const std::string target = post.population + "[" + std::to_string(e) + ":" + std::to_string(e + c.post.count) + "]";
  connection_rule rule = nest_rule(c.conn_spec, where);
  if (rule.kind != rule_kind::all_to_all && rule.kind != rule_kind::one_to_one &&
      rule.kind != rule_kind::explicit_list) {
    // a random rule: both projections need the same synapses, drawn once here and listed
    const neuron_range src{net->find(pre.population).id(), static_cast<index_t>(b),
                           static_cast<index_t>(b + c.pre.count)};
    const neuron_range tgt{net->find(post.population).id(), static_cast<index_t>(e),
                           static_cast<index_t>(e + c.post.count)};
    const csr_connectivity csr = build_connectivity(rule, src, tgt, options.rng_seed,
                                                    static_cast<std::uint32_t>(net->projections().size()), where);
    connection_rule listed;
    listed.kind = rule_kind::explicit_list;
    for (index_t i = 0; i < csr.n_source; ++i)
      for (std::uint64_t k = csr.row_ptr[i]; k < csr.row_ptr[i + 1]; ++k) {
        listed.sources.push_back(i);
        listed.targets.push_back(csr.targets[k]);
      }
    rule = std::move(listed);
  }
  const std::size_t first = net->projections().size();
  for (const auto& [port, key] : {std::pair{"drift", "drift_factor"}, std::pair{"diffusion", "diffusion_factor"}}) {
    synapse_spec s;
    s.receptor = port;
    s.weight = quantity_in(spec.value(key, json(1.0)), "1", where, key);
    s.delay = units::time_q(options.resolution_ms);  // the rate after step n - 1 in step n
    net->connect(source, target, rule, s, source + "->" + target + "." + port);
    if (options.use_wfr)  // step 0: the senders' initial rates (apply_rate_preloads)
      rate_wfr_projections.push_back({net->projections().size() - 1, &pre, true});
  }
  projection_of[static_cast<std::size_t>(&c - connections.data())] = static_cast<long long>(first);  // drift
}

}  // namespace volley::nest::detail
