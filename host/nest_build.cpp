// The NEST layer's recorded calls turned into a volley network and simulator (host/nest_layer_detail.hpp).
#include <algorithm>
#include <limits>

#include "engine/error.hpp"
#include "engine/spec_values.hpp"
#include "engine/unit_parse.hpp"
#include "host/nest_layer_detail.hpp"
#include "models/iaf_bw_2001_exact.hpp"  // nmda_slots

namespace volley::nest::detail {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string selector(const node_group& g, std::uint64_t begin, std::uint64_t end) {
  return g.population + "[" + std::to_string(begin) + ":" + std::to_string(end) + "]";
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

// A device's rule, as NEST takes it: all_to_all, or one_to_one (generator i drives target i) for generators into
// neurons, with as many generators as targets.
void check_device_rule(const connection& c, const node_group& pre, const node_group& post, const std::string& where) {
  const bool generator = pre.kind != device_kind::none && post.kind == device_kind::none && !is_recorder(pre.kind) &&
                         pre.kind != device_kind::spike_recorder && pre.kind != device_kind::spike_dilutor;
  const json rule = c.conn_spec.is_object() ? c.conn_spec.value("rule", json("")) : c.conn_spec;
  if (rule != "all_to_all" && !(generator && rule == "one_to_one"))
    throw parameter_error(where, "conn_spec", c.conn_spec.dump(),
                          generator ? "\"all_to_all\" or \"one_to_one\" for generators into neurons"
                                    : "\"all_to_all\" for a device");
  if (rule == "one_to_one" && c.pre.count != c.post.count)
    throw parameter_error(where, "conn_spec", "one_to_one", "as many pre (" + std::to_string(c.pre.count) +
                                                                ") as post (" + std::to_string(c.post.count) + ") nodes");
}

}  // namespace

const node_group& plan::group_of(const node_collection& nodes, const std::string& where) const {
  if (nodes.composite())  // the kernel's calls split composite collections into runs first (plan::runs)
    throw parameter_error(where, "nodes", std::to_string(nodes.parts.size()) + " ranges of ids",
                          "the nodes of one Create() call here");
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

std::unique_ptr<population> plan::create_population(const node_group& g, std::uint32_t id) const {
  const std::string where = "Create('" + g.model + "')";
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
  req.id = id;
  req.params = &params;
  req.initial = &initial;
  return g.entry->create(req);
}

void plan::build_population(node_group& g) {
  check_cm_built(g);
  g.population = g.model + "_" + std::to_string(g.first_id);
  population& p = net->adopt(create_population(g, static_cast<std::uint32_t>(net->populations().size())));
  apply_state_overrides(p, g);
  stdp_archive_options a;  // NEST's tau_minus, tau_minus_triplet of the neurons (their STDP archive)
  a.capacity = options.stdp_archive_capacity;
  if (g.archive.contains("tau_minus")) a.tau_minus = units::time_q(g.archive.at("tau_minus").get<double>());
  if (g.archive.contains("tau_minus_triplet"))
    a.tau_minus_triplet = units::time_q(g.archive.at("tau_minus_triplet").get<double>());
  net->set_stdp_archive(g.population, a);
}

void plan::apply_state_overrides(population& p, const node_group& g) const {
  const std::string where = "Create('" + g.model + "')";
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
    check_device_rule(c, pre, post, where);
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
  rule_of(c, where);
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
  const connection_rule rule = rule_of(c, where);
  if (post.model == "iaf_bw_2001_exact" && spec.value("receptor_type", json(0)) == json(3)) {
    // each NMDA connection of a neuron gets its own slot (NEST: its own receptor port and gating variables)
    // (kernel::connect makes an all_to_all one connection per source: plan::connection_pieces)
    if (rule.kind != rule_kind::one_to_one && !(rule.kind == rule_kind::all_to_all && c.pre.count == 1))
      throw parameter_error(where, "conn_spec", c.conn_spec.dump(),
                            "one_to_one or all_to_all for NMDA connections into iaf_bw_2001_exact (volley gives each "
                            "NMDA connection of a neuron its own slot)");
    syn.receptor = claim_nmda_slot(post, where);
  }
  net->connect(selector(pre, b, b + c.pre.count), selector(post, e, e + c.post.count), rule, syn);
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
  // generators into neurons: all_to_all (each target gets every generator's output: n generators, n copies) or
  // one_to_one (generator i drives target i), as NEST
  check_device_rule(c, pre, post, where);
  const json rule = c.conn_spec.is_object() ? c.conn_spec.value("rule", json("")) : c.conn_spec;
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
  const std::size_t index = static_cast<std::size_t>(&c - connections.data());
  const generator_context ctx{options.resolution_ms, min_delay_ms, options.rng_seed,
                              static_cast<std::uint32_t>(index), 0, nullptr};
  // kept (with the inputs' owner index + 1) so that a SetStatus after simulate() can lower it again
  std::vector<std::string> copies;  // one lowering per generator: all its targets, or (one_to_one) its own
  for (std::uint64_t k = 0; k < c.pre.count; ++k)
    copies.push_back(rule == "one_to_one" ? selector(post, b + k, b + k + 1) : selector(post, b, b + c.post.count));
  lowered_generators[index] = {std::move(copies), c.pre.first_id - pre.first_id, spec, ctx, {}, false, -kInfinity,
                               {}, {}};
  if (sim) lowered_generators[index].from_ms = double(sim->current_step()) * options.resolution_ms;  // a late one
  const auto preset = preset_generator_weights.find(index);  // set before the first simulate()
  if (preset != preset_generator_weights.end())
    lowered_generators[index].weight_epochs = {{-kInfinity, preset->second}};
  lower_generator_connection(index, pre);
}

void plan::build_network(std::vector<trace_request>& traces, std::vector<std::string>& spikes) {
  net = std::make_unique<network>(network_options{units::time_q(options.resolution_ms), options.rng_seed, 1});
  recorded.assign(groups.size(), {});
  resets.assign(groups.size(), {});
  cleared_at.assign(groups.size(), 0);
  window_history.assign(groups.size(), {});
  generator_history.assign(groups.size(), {});
  lowered_generators.clear();
  projection_of.assign(connections.size(), -1);
  gap_junction_of.clear();
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
  }
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
  built_connections = connections.size();
  apply_preset_weights();
}

void plan::build() {
  std::vector<trace_request> traces;
  std::vector<std::string> spikes;
  build_network(traces, spikes);
  run_options ro;
  ro.backend = options.backend;
  ro.gpu_draw_synapses = rate_wfr_projections.empty();  // their synapses are read on the host (host/nest_rate.cpp)
  ro.threads = options.local_num_threads;
  ro.recent_spike_steps = static_cast<std::uint32_t>(slice_steps());  // for connections made after a run (extend)
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

}  // namespace volley::nest::detail
