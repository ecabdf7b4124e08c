// NEST's gap junctions in the NEST layer: Connect(..., syn_spec={"synapse_model": "gap_junction", "weight": g})
// between hh_psc_alpha_gap / hh_cond_beta_gap_traub neurons, run by engine/nest_gap_wfr.hpp with the kernel's
// waveform-relaxation options (use_wfr, wfr_comm_interval, wfr_tol, wfr_max_iterations, wfr_interpolation_order).
// What NEST 3.10 accepts (measured, tools/nest_reference/make_gap_references.py):
//   - {"rule": "one_to_one", "make_symmetric": true}: junctions pre[k] <-> post[k], weight a number or one per pair;
//   - "all_to_all" with the same nodes as pre and post and a scalar weight: every ordered pair, both directions,
//     the self pairs included unless allow_autapses is false (a self junction adds g (V_i_interp - V_i));
//   - anything else is refused with NEST's message; only gap models send and receive gap events; gap_junction has
//     no delay.
//   - NEST's min_delay counts a gap junction as wfr_comm_interval (rounded up to whole steps) with use_wfr, and is
//     the resolution without it (whatever the other delays): one relaxation slice, or one step of explicit coupling.
#include <cmath>
#include <string>

#include "engine/error.hpp"
#include "engine/nest_gap_wfr.hpp"
#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

namespace {

std::string text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

const char* nest_gap_rule_message =
    "Connections with this synapse model can only be created as one-to-one connections with \"make_symmetric\" set "
    "to true or as all-to-all connections with equal source and target populations and default or scalar parameters "
    "(NEST's rule for gap_junction)";

bool same_nodes(const node_collection& a, const node_collection& b) {
  return a.first_id == b.first_id && a.count == b.count;
}

}  // namespace

bool is_gap_synapse(const synapse_model& m) { return m.base == "gap_junction"; }

void check_wfr_options(const kernel_options& o) {
  nest_gap_options g;
  g.tol = o.wfr_tol;
  g.max_iterations = o.wfr_max_iterations;
  g.order = o.wfr_interpolation_order;
  g.slice_steps = 1;
  nest_gap_system probe;
  probe.set_options(g, "kernel");
  if (!(o.wfr_comm_interval >= o.resolution_ms * (1 - 1e-9)) || !std::isfinite(o.wfr_comm_interval))
    throw parameter_error("kernel", "wfr_comm_interval", text(o.wfr_comm_interval) + " ms",
                          "at least the resolution " + text(o.resolution_ms) +
                              " ms (NEST: the communication interval of the waveform relaxation must be greater or "
                              "equal to the resolution)");
}

double gap_min_delay_entry(const kernel_options& o) {
  if (!o.use_wfr) return o.resolution_ms;
  // NEST's Time(ms): to the nearest tic (1 us), then whole steps rounded up
  const double tics = std::round(o.wfr_comm_interval * 1000.0), tics_per_step = std::round(o.resolution_ms * 1000.0);
  return std::ceil(tics / tics_per_step - 1e-9) * o.resolution_ms;
}

bool check_gap_connection(const plan& p, const connection& c, const node_group& pre, const node_group& post) {
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ")";
  const synapse_model& m = synapse_model_of(p.synapse_models, c.syn_spec, where);
  if (!is_gap_synapse(m)) return false;
  for (const node_group* g : {&pre, &post})
    if (g->kind != device_kind::none || !is_nest_gap_model(g->model))
      throw parameter_error(where, g == &pre ? "pre" : "post", g->model,
                            "hh_psc_alpha_gap or hh_cond_beta_gap_traub neurons (NEST: the node does not support gap "
                            "junction " +
                                std::string(g == &pre ? "output" : "input") + ")");
  for (const auto& [key, value] : c.syn_spec.items())
    if (key != "synapse_model" && key != "weight")
      throw parameter_error(where, key, value.dump(), "only synapse_model and weight (gap_junction has no delay)");
  const json spec = merged_syn_spec(m, c.syn_spec, where);
  const json rule = c.conn_spec.is_object() ? c.conn_spec.value("rule", json("")) : c.conn_spec;
  const bool symmetric = c.conn_spec.is_object() && c.conn_spec.value("make_symmetric", json(false)) == json(true);
  const json w = spec.value("weight", json(1.0));
  if (rule == "one_to_one" && symmetric) {
    if (c.pre.count != c.post.count)
      throw parameter_error(where, "conn_spec", c.conn_spec.dump(), "as many pre as post nodes for one_to_one");
    if (w.is_array() && w.size() != c.pre.count)
      throw parameter_error(where, "weight", std::to_string(w.size()) + " values",
                            std::to_string(c.pre.count) + " values, one per pair");
  } else if (rule == "all_to_all" && !symmetric && same_nodes(c.pre, c.post)) {
    if (!w.is_number()) throw parameter_error(where, "weight", w.dump(), nest_gap_rule_message);
    if (c.conn_spec.is_object())
      for (const auto& [key, value] : c.conn_spec.items())
        if (key != "rule" && key != "allow_autapses" && key != "allow_multapses")
          throw parameter_error(where, key, value.dump(), "rule and allow_autapses only (all_to_all gap junctions)");
  } else if (symmetric) {
    throw parameter_error(where, "make_symmetric", "true",
                          "rule one_to_one (NEST: this connection rule does not "
                          "support symmetric connections)");
  } else {
    throw parameter_error(where, "conn_spec", c.conn_spec.dump(), nest_gap_rule_message);
  }
  const json values = w.is_array() ? w : json::array({w});
  for (const auto& x : values)
    if (!x.is_number() || !std::isfinite(x.get<double>()))
      throw parameter_error(where, "weight", x.dump(), "a number (nS) or one per pair");
  return true;
}

void each_gap_junction(const plan& p, std::size_t ci, const std::string& where, const gap_visitor& f) {
  const connection& c = p.connections[ci];
  const json spec = merged_syn_spec(synapse_model_of(p.synapse_models, c.syn_spec, where), c.syn_spec, where);
  const json w = spec.value("weight", json(1.0));
  auto weight = [&](std::uint64_t made, std::uint64_t pair) {  // a weight set before the first run, or Connect's
    const auto preset = p.preset_weights.find({ci, made});
    if (preset != p.preset_weights.end()) return preset->second;
    return (w.is_array() ? w.at(pair) : w).get<double>();
  };
  const json rule = c.conn_spec.is_object() ? c.conn_spec.value("rule", json("")) : c.conn_spec;
  if (rule == "one_to_one") {
    const std::uint64_t n = c.pre.count;
    for (std::uint64_t k = 0; k < n; ++k) {  // NEST makes all pre[k] -> post[k] first (made k), then the reverse
      f(c.pre.first_id + k, c.post.first_id + k, weight(k, k), k);
      f(c.post.first_id + k, c.pre.first_id + k, weight(n + k, k), n + k);
    }
    return;
  }
  const bool autapses = !c.conn_spec.is_object() || c.conn_spec.value("allow_autapses", json(true)) == json(true);
  for (std::uint64_t i = 0; i < c.pre.count; ++i)
    for (std::uint64_t j = 0; j < c.post.count; ++j)
      if (autapses || i != j) {
        const std::uint64_t made = i * c.post.count + j;
        f(c.pre.first_id + i, c.post.first_id + j, weight(made, 0), made);
      }
}

void connect_nest_gap(plan& p, const connection& c) {
  const node_group& pre = p.group_of(c.pre, "Connect");
  const node_group& post = p.group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + post.model + ", gap_junction)";
  nest_gap_system& gaps = p.net->nest_gap();
  if (gaps.empty()) {  // the first junction: the kernel's options, with NEST's min_delay as the slice
    nest_gap_options o;
    o.use_wfr = p.options.use_wfr;
    o.tol = p.options.wfr_tol;
    o.max_iterations = p.options.wfr_max_iterations;
    o.order = p.options.wfr_interpolation_order;
    o.slice_steps = static_cast<std::uint32_t>(std::max(1LL, std::llround(p.min_delay_ms / p.options.resolution_ms)));
    gaps.set_options(o, "kernel");
  }
  // a junction source -> target (global ids): the target receives g (V_source - V_target)
  const auto ci = static_cast<std::size_t>(&c - p.connections.data());
  each_gap_junction(p, ci, where, [&](std::uint64_t source, std::uint64_t target, double g, std::uint64_t made) {
                      p.gap_junction_of[{ci, made}] = gaps.junction_count();
                      const node_group& from = source >= pre.first_id && source < pre.first_id + pre.count ? pre : post;
                      const node_group& to = &from == &pre ? post : pre;
                      gaps.add_junction(p.net->find(from.population), static_cast<index_t>(source - from.first_id),
                                        p.net->find(to.population), static_cast<index_t>(target - to.first_id), g,
                                        where);
                    });
}

// GetConnections' rows of gap junctions, which have no projection (the nest_gap_system holds them): NEST 3.10's
// (measured) are each junction's direction, one_to_one's pre[k] -> post[k] made before post[k] -> pre[k], with the
// weight and NEST's default delay, 1 ms (gap_junction has none).
void plan::gap_rows(const node_collection& source, const node_collection& target, const std::string& synapse_model,
                    const char* call, std::vector<connection_row>& rows) const {
  auto inside = [](const node_collection& nodes, std::uint64_t id) { return nodes.empty() || nodes.contains(id); };
  for (std::size_t ci = 0; ci < connections.size(); ++ci) {
    const detail::synapse_model& sm = synapse_model_of(synapse_models, connections[ci].syn_spec, call);
    if (!is_gap_synapse(sm) || (!synapse_model.empty() && sm.name != synapse_model)) continue;
    if (ci >= built_connections && sim) continue;  // made after a run: not built yet (refused there anyway)
    const std::size_t synapse_id = nest_synapse_id(synapse_models, sm.name);
    each_gap_junction(*this, ci, call, [&](std::uint64_t src, std::uint64_t tgt, double g, std::uint64_t made) {
      if (inside(source, src) && inside(target, tgt))
        rows.push_back({src, tgt, g, listed_delay_without_delay, &sm.name, ci, no_projection, made, synapse_id, 0, made});
    });
  }
}

}  // namespace volley::nest::detail
