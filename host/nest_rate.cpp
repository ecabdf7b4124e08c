// NEST's rate models in the NEST layer (models/nest_rate.hpp): which connections NEST allows between rate and
// spiking nodes, rate_connection_delayed / rate_connection_instantaneous as payload projections, the parameter
// names NEST accepts twice (mean / std, gauss_rate_ipn's mu / sigma), and step_rate_generator as a hidden
// rate_source population. Timing measured against NEST 3.10 (tools/nest_reference/make_rate_references.py):
//   - rate_connection_delayed, delay d: the target reads in step n the sender's rate at the start of step n - d
//     (the model's payload, sent with volley's delay d).
//   - rate_connection_instantaneous: use_wfr = false: the sender's rate after step n - 1 (volley: delay 1 step, the
//     payload "rate" of ipn and transformers, "noisy_rate" of opn). use_wfr = true (NEST's default): the start-of-
//     step rate of step n itself, which is the same for ipn and transformers except in step 0, where NEST's target
//     reads the sender's initial rate (volley adds it to the target's ring before the run, apply_rate_preloads),
//     and one step earlier for opn senders, which the layer therefore refuses then.
//   - step_rate_generator, delay d: the target reads in step n the generator's rate of step n - d + min_delay
//     (NEST sends device rates min_delay ahead); its rate in step m is the last amplitude whose time is at most
//     (m + 1) h, while active: origin + start < (m + 2) h <= origin + stop (measured).
//   - NEST's min_delay counts an instantaneous connection as wfr_comm_interval (1 ms) with use_wfr, else as h.
#include "models/nest_rate.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "engine/error.hpp"
#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

namespace {

std::string text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

// The gain of a rate model by its name, and the names of the gain's parameters (models/nest_rate_gains.hpp).
struct gain_info {
  const char* key;
  std::vector<const char*> params;
};
gain_info gain_of(const std::string& model) {
  static const std::vector<std::pair<std::vector<std::string>, gain_info>> table = {
      {{"lin_rate_ipn", "lin_rate_opn", "rate_transformer_lin"},
       {"lin", {"g", "g_ex", "g_in", "theta_ex", "theta_in"}}},
      {{"tanh_rate_ipn", "tanh_rate_opn", "rate_transformer_tanh"}, {"tanh", {"g", "theta"}}},
      {{"threshold_lin_rate_ipn", "threshold_lin_rate_opn", "rate_transformer_threshold_lin"},
       {"threshold_lin", {"g", "theta", "alpha"}}},
      {{"sigmoid_rate_ipn", "rate_transformer_sigmoid"}, {"sigmoid", {"g", "beta", "theta"}}},
      {{"sigmoid_rate_gg_1998_ipn", "rate_transformer_sigmoid_gg_1998"}, {"sigmoid_gg_1998", {"g"}}},
      {{"gauss_rate_ipn", "rate_transformer_gauss"}, {"gauss", {"g", "mu", "sigma"}}},
  };
  for (const auto& [names, info] : table)
    if (std::find(names.begin(), names.end(), model) != names.end()) return info;
  return {"", {}};
}

bool is_opn(const node_group& g) { return g.model.ends_with("_opn"); }

// A neuron group's value of parameter `key`: the one set for the whole group, or its default. Per-node values
// (lists, distributions) give null.
json group_value(const node_group& g, const std::string& key) {
  if (g.params.contains(key)) {
    const json& v = g.params.at(key);
    return v.is_number() || v.is_boolean() ? v : json(nullptr);
  }
  for (const auto& p : g.description.at("parameters"))
    if (p.at("name") == key) return p.at("default").is_null() ? json(INFINITY) : p.at("default");
  return json(nullptr);
}

bool linear_summation(const node_group& g) {
  const json v = group_value(g, "linear_summation");
  return !v.is_boolean() || v.get<bool>();
}

// input(x) of group g's gain with its parameters (one value per Create() call), on the host: the gain's own code.
template <class Gain>
double gain_input(const node_group& g, double x, const std::string& where) {
  typename Gain::params p{};
  Gain::each_param(p, [&](const char* name, auto& field, range_check) {
    const json v = group_value(g, name);
    if (!v.is_number())
      throw parameter_error(where, name, "per-node values",
                            "one value for the Create() call of " + g.model + " (linear_summation false)");
    field = std::decay_t<decltype(field)>(v.get<double>());
  });
  return static_cast<double>(Gain::input(Gain::derive(p), static_cast<real_t>(x)));
}

double host_input(const node_group& g, double x, const std::string& where) {
  const std::string key = gain_of(g.model).key;
  if (key == "lin") return gain_input<models::rate_gains::lin>(g, x, where);
  if (key == "tanh") return gain_input<models::rate_gains::tanh_gain>(g, x, where);
  if (key == "threshold_lin") return gain_input<models::rate_gains::threshold_lin>(g, x, where);
  if (key == "sigmoid") return gain_input<models::rate_gains::sigmoid>(g, x, where);
  if (key == "sigmoid_gg_1998") return gain_input<models::rate_gains::sigmoid_gg_1998>(g, x, where);
  if (key == "gauss") return gain_input<models::rate_gains::gauss>(g, x, where);
  throw internal_error("host_input: no gain for " + g.model);
}

}  // namespace

bool is_rate_model(const node_group& g) {
  return g.entry != nullptr && g.entry->info().emits_rate && !is_astrocyte(g);  // astrocytes send SIC, not rates
}

bool is_rate_synapse(const synapse_model& m) {
  return m.base == "rate_connection_delayed" || m.base == "rate_connection_instantaneous" ||
         m.base == "diffusion_connection";
}

json rate_param_aliases(const node_group& g, const json& params) {
  if (!is_rate_model(g) || g.model.starts_with("rate_transformer") || is_siegert(g)) return params;
  json out = json::object();
  const bool gauss = g.model == "gauss_rate_ipn";
  for (const auto& [key, value] : params.items()) {
    if (gauss && (key == "mu" || key == "sigma")) {  // NEST sets the neuron's and the gain's value
      out[key] = value;
      const char* neuron = key == "mu" ? "mean" : "std";
      if (!params.contains(neuron)) out[neuron] = value;
    } else if (!gauss && (key == "mean" || key == "std")) {  // NEST's older names of mu and sigma
      const char* now = key == "mean" ? "mu" : "sigma";
      if (!params.contains(now)) out[now] = value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

double rate_min_delay_entry(const synapse_model& m, const json& delay, const kernel_options& o) {
  if (m.base != "rate_connection_instantaneous" && m.base != "diffusion_connection") return delay.is_number() ? delay.get<double>() : o.resolution_ms;
  return o.use_wfr ? 1.0 : o.resolution_ms;  // NEST: wfr_comm_interval, or the resolution without waveform relaxation
}

// NEST's rules for connections with a rate node on either side; true when the connection involves rate nodes or
// rate synapses (then everything is checked here).
bool check_rate_connection(const plan& p, const connection& c, const node_group& pre, const node_group& post) {
  if (check_diffusion_connection(p, c, pre, post)) return true;  // siegert_neuron (host/nest_siegert.cpp)
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  const bool rate_pre = is_rate_model(pre) || pre.kind == device_kind::step_rate_generator;
  const bool rate_post = is_rate_model(post);
  const bool neurons = pre.kind == device_kind::none && post.kind == device_kind::none;
  const synapse_model* m = nullptr;
  if (neurons || pre.kind == device_kind::step_rate_generator)
    m = &synapse_model_of(p.synapse_models, c.syn_spec, where);
  const bool rate_syn = m != nullptr && is_rate_synapse(*m);
  if (!rate_pre && !rate_post && !rate_syn) return false;
  if (!rate_pre && !rate_post)
    throw parameter_error(where, "synapse_model", "\"" + m->name + "\"",
                          "a spiking synapse between spiking neurons (" + m->name + " connects rate nodes)");
  if (post.kind == device_kind::multimeter || post.kind == device_kind::voltmeter || is_recorder(pre.kind))
    return false;  // recorders: handled by the generic code (multimeters record rate, noise, ...)
  if (post.kind != device_kind::none || (pre.kind != device_kind::none && pre.kind != device_kind::step_rate_generator))
    throw parameter_error(where, "connection", pre.model + " -> " + post.model,
                          "rate nodes connected to rate nodes, and step_rate_generator to rate nodes (NEST refuses "
                          "spike recorders, detectors and other generators with rate neurons: they send and take "
                          "rates, not spikes or currents; record 'rate' with a multimeter)");
  if (rate_pre != rate_post)
    throw parameter_error(where, "connection", pre.model + " -> " + post.model,
                          "rate senders to rate models and spiking senders to spiking models (NEST refuses a "
                          "connection between a rate node and a spiking neuron: signal types differ)");
  if (!rate_syn)
    throw parameter_error(where, "synapse_model", "\"" + m->name + "\"",
                          "rate_connection_delayed or rate_connection_instantaneous between rate nodes");
  const bool instantaneous = m->base == "rate_connection_instantaneous";
  if (pre.kind == device_kind::step_rate_generator && instantaneous)
    throw parameter_error(where, "synapse_model", "\"" + m->name + "\"",
                          "rate_connection_delayed (NEST: step_rate_generator sends delayed rate events only)");
  const json spec = merged_syn_spec(*m, c.syn_spec, where);
  for (const auto& [key, value] : c.syn_spec.items())
    if (key != "synapse_model" && key != "weight" && key != "delay" && key != "receptor_type")
      throw parameter_error(where, "syn_spec." + key, value.dump(), "weight, delay, receptor_type (" + m->name + ")");
  const json r = spec.value("receptor_type", json(0));
  if (r != json(0)) throw parameter_error(where, "receptor_type", r.dump(), "0 (rate models have one receptor)");
  const json w = spec.value("weight", json(1.0));
  if (!w.is_number() || !std::isfinite(w.get<double>()))
    throw parameter_error(where, "weight", w.dump(), "one finite number (rates and their weights are dimensionless)");
  if (!instantaneous) {
    const json d = spec.value("delay", json(1.0));
    if (!d.is_number() || !(d.get<double>() >= p.options.resolution_ms * (1 - 1e-9)))
      throw parameter_error(where, "delay", d.dump() + " ms",
                            "one number of ms, at least the resolution " + text(p.options.resolution_ms));
  } else if (is_opn(pre) && p.options.use_wfr) {
    throw parameter_error(where, "use_wfr", "true",
                          "false (kernel option use_wfr): with waveform relaxation NEST gives the target an output-"
                          "noise neuron's noisy_rate of the same step, volley the one of the step before");
  }
  if (!linear_summation(post)) {
    // the target applies its own input() to each sender's rate: volley's sender computes it, with its own gain
    const gain_info a = gain_of(pre.model), b = gain_of(post.model);
    bool same = pre.kind == device_kind::step_rate_generator || std::string(a.key) == b.key;
    for (const char* key : b.params) {
      if (!same || pre.kind != device_kind::none) break;
      const json x = group_value(pre, key), y = group_value(post, key);
      same = !x.is_null() && !y.is_null() && x.get<double>() == y.get<double>();
    }
    if (!same)
      throw parameter_error(where, "linear_summation", "false (of " + post.model + ")",
                            "true, or senders with the target's gain and gain parameters (one value per Create() "
                            "call): volley's senders apply input() before the weight, NEST's target does");
  }
  return true;
}

void plan::connect_rate(const connection& c) {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& post = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  const synapse_model& m = synapse_model_of(synapse_models, c.syn_spec, where);
  if (m.base == "diffusion_connection") return connect_diffusion(c);
  const json spec = merged_syn_spec(m, c.syn_spec, where);
  const bool instantaneous = m.base == "rate_connection_instantaneous";
  const double h = options.resolution_ms;
  synapse_spec syn;
  syn.weight = quantity_in(spec.value("weight", json(1.0)), "1", where, "weight");
  const double d = instantaneous ? h : spec.value("delay", json(1.0)).get<double>();
  syn.delay = units::time_q(d);
  const bool linear = linear_summation(post);
  const std::uint64_t e = c.post.first_id - post.first_id, e_end = e + c.post.count;
  auto link = [&](const std::string& source, std::uint64_t b, std::uint64_t from, std::uint64_t to,
                  const synapse_spec& s) -> projection& {
    return net->connect(source + "[" + std::to_string(b) + ":" + std::to_string(b + c.pre.count) + "]",
                        post.population + "[" + std::to_string(from) + ":" + std::to_string(to) + "]",
                        nest_rule(c.conn_spec, where), s);
  };
  if (pre.kind == device_kind::step_rate_generator) {
    // the target reads in step n the generator's rate of step n - shift: shift = d - min_delay, and one turn of
    // NEST's ring buffer (min_delay + max_delay) more for targets created before the generator when d = min_delay
    // (NEST 3.10, measured). Volley: a hidden source per shift, one step of delay, step 0 preloaded.
    const long long base = std::llround((d - min_delay_ms) / h);
    const long long wrap = std::llround((min_delay_ms + max_delay_ms) / h);
    std::uint64_t late_end = e;
    if (base == 0 && c.post.first_id < c.pre.first_id) {
      if (c.post.first_id + c.post.count > c.pre.first_id)
        throw parameter_error(where, "post", "nodes created both before and after the generator",
                              "targets created all before or all after the step_rate_generator (NEST delivers to "
                              "those before it " +
                                  text(min_delay_ms + max_delay_ms) + " ms later)");
      late_end = e_end;
    }
    synapse_spec s = syn;
    s.delay = units::time_q(h);
    for (const auto& [from, to, shift] : {std::tuple{e, late_end, base + wrap}, std::tuple{late_end, e_end, base}}) {
      if (from >= to) continue;
      double first_value = 0;
      const std::string source = lower_step_rate_generator(pre, c, linear ? nullptr : &post, shift, first_value);
      const projection& proj = link(source, 0, from, to, s);
      if (shift == 0 && first_value != 0)  // NEST's step 0 reads the generator's step 0: no volley delay is that short
        rate_preloads.push_back(
            {post.population, proj.channel, from, to, first_value * syn.weight.dist.a * double(c.pre.count)});
    }
    return;
  }
  projection& proj = link(pre.population, c.pre.first_id - pre.first_id, e, e_end, syn);
  // what the projection carries (models/nest_rate.hpp): delayed: the start-of-step rate (the model's payload);
  // instantaneous: the rate after the step (opn: noisy_rate, the payload); input() of it for non-linear summation
  std::string payload;
  if (!linear)
    payload = instantaneous && !is_opn(pre) ? "rate_input" : "sent_input";
  else if (instantaneous && !is_opn(pre))
    payload = "rate";
  if (!payload.empty()) proj.payload_var = proj.source->find_state(payload);
  projection_of[static_cast<std::size_t>(&c - connections.data())] =
      static_cast<long long>(net->projections().size()) - 1;
  if (instantaneous && options.use_wfr)  // opn senders are refused then (check_rate_connection)
    rate_wfr_projections.push_back({net->projections().size() - 1, &pre, linear});
}

void plan::apply_rate_preloads() {
  for (const auto& p : rate_preloads) {
    population& pop = net->find(p.population);
    real_t* slot = pop.ring_slot(p.channel, 0);
    for (std::uint64_t i = p.begin; i < p.end; ++i) slot[i] += static_cast<real_t>(p.value);
  }
  // waveform relaxation: in step 0 NEST's target reads each instantaneous sender's initial rate (input() of it for
  // linear_summation false), which volley's one-step delivery cannot carry: added to the rings' step 0, synapse by
  // synapse (drawn on the host: plan::build keeps them there)
  for (const auto& w : rate_wfr_projections) {
    projection& p = net->projections()[w.projection];
    if (p.size() > 0 && p.targets16.empty() && p.targets32.empty())
      throw internal_error("rate preload: synapses of projection '" + p.name + "' not on the host");
    const real_t* rate = p.source->state(p.source->find_state("rate"));
    real_t* slot = p.target->ring_slot(p.channel, 0);
    const std::string where = "Connect(" + w.sender->model + ", rate_connection_instantaneous)";
    for (std::uint64_t r = 0; r + 1 < p.row_ptr.size(); ++r) {
      const double r0 = rate[p.source_range.begin + r];
      const double v = w.linear ? r0 : host_input(*w.sender, r0, where);
      for (std::uint64_t k = p.row_ptr[r]; k < p.row_ptr[r + 1]; ++k) {
        const std::uint64_t t = p.narrow() ? p.targets16[k] : p.targets32[k];
        slot[p.target_range.begin + t] += static_cast<real_t>((p.weights.empty() ? p.weight : p.weights[k]) * v);
      }
    }
  }
}

// One hidden rate_source neuron per generator node of the connection, fed with a step current carrying the
// generator's rate (or input(rate) of the target `gain`, one with linear_summation false) 1 - shift steps ahead:
// sent with one step of delay, the target reads in step n the generator's step n - shift. `first_value`: the
// generator's step 0 (what NEST's target reads in step 0 when shift is 0). Returns the population's name.
std::string plan::lower_step_rate_generator(const node_group& g, const connection& c, const node_group* gain,
                                            long long shift, double& first_value) {
  const std::string where = "step_rate_generator " + std::to_string(g.first_id);
  const double h = options.resolution_ms;
  const std::string name = g.model + "_" + std::to_string(g.first_id) + ".rate" +
                           std::to_string(&c - connections.data()) + "_" + std::to_string(shift);
  net->add_population<models::rate_source>(name, static_cast<index_t>(c.pre.count));
  const json& p = g.params;
  auto steps_of = [&](double t, const char* key) {
    const double s = std::round(t / h);
    if (std::abs(s * h - t) > 1e-9 * std::max(1.0, std::abs(t)))
      throw parameter_error(where, key, text(t) + " ms", "a time on the grid of the resolution " + text(h) + " ms");
    return static_cast<long long>(s);
  };
  const auto& times = p.at("amplitude_times");
  const auto& values = p.at("amplitude_values");
  if (times.size() != values.size())
    throw parameter_error(where, "amplitude_values", std::to_string(values.size()) + " values",
                          std::to_string(times.size()) +
                              " values, one per amplitude_time (NEST: Amplitude times "
                              "and values have to be the same size.)");
  std::vector<long long> stamp;
  for (std::size_t k = 0; k < times.size(); ++k) {
    if (!times[k].is_number() || !values[k].is_number())
      throw parameter_error(where, "amplitude_times", times.dump(), "lists of numbers");
    const double t = times[k].get<double>();
    if (!(t > 0)) throw parameter_error(where, "amplitude_times", text(t) + " ms", "times > 0 ms (NEST)");
    stamp.push_back(steps_of(t, "amplitude_times"));
    if (k > 0 && stamp[k] <= stamp[k - 1])
      throw parameter_error(where, "amplitude_times", text(t) + " ms", "strictly increasing times (NEST)");
  }
  const double origin = p.at("origin").get<double>(), start = p.at("start").get<double>(),
               stop = p.at("stop").get<double>();
  const long long first = steps_of(origin + start, "start");  // active in step m when first < m + 2 <= last
  const bool open = stop >= 1e300;
  const long long last = open ? 0 : steps_of(origin + stop, "stop");
  auto rate_at = [&](long long m) {  // the generator's rate in its step m
    if (m < 0 || !(first < m + 2 && (open || m + 2 <= last))) return 0.0;
    double amp = 0;
    for (std::size_t k = 0; k < stamp.size() && stamp[k] <= m + 1; ++k) amp = values[k].get<double>();
    // a target with linear_summation false applies its input() to each rate it receives (NEST: to the rates of
    // the active steps of each min_delay slice the generator sends; volley: of its active steps)
    return gain ? host_input(*gain, amp, where) : amp;
  };
  first_value = rate_at(0);
  // the source emits in its step k the generator's step k + lead
  const long long lead = 1 - shift;
  std::vector<long long> change{0, first - 1};  // generator steps where the rate can change
  for (long long s : stamp) change.push_back(s - 1);
  if (!open) change.push_back(last - 1);
  step_input in;
  double current = std::nan("");
  std::sort(change.begin(), change.end());
  for (long long m : change) {
    const long long at = std::max(0LL, m - lead);  // the source's step that emits the generator's step m
    const double v = rate_at(at + lead);
    if (v == current) continue;
    current = v;
    in.amplitudes.push_back(units::current_q(v));
    in.step_times.push_back(units::time_q(std::max(0.0, double(at) - 0.5) * h));  // first step starting after: at
  }
  net->add_current_input(name, in, where);
  return name;
}

}  // namespace volley::nest::detail
