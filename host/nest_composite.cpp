// NEST's NodeCollection arithmetic (node_collection, host/nest_layer.hpp) and what the NEST layer does with a
// collection spanning several Create() calls: it splits it into runs, each inside one call's group, and turns one
// Connect into a connection per pair of runs (host/nest_layer_detail.hpp).
//
// Connect over runs, as NEST's rule over the whole collections:
//   - all_to_all, pairwise_bernoulli: every pair of runs with the same rule (each pair of nodes is decided alone);
//   - one_to_one: the aligned segments of the two collections (pre[i] -> post[i]);
//   - fixed_indegree with one pre run, fixed_outdegree with one post run: every pair with the same rule (the count is
//     per target or per source);
//   - otherwise (fixed_indegree over several pre runs, fixed_outdegree over several post runs, fixed_total_number):
//     the rule is drawn once over the whole collections, from the connectivity streams keyed by the layer's seed and
//     the connection's index (build_connectivity), and each pair of runs gets its drawn pairs as an explicit list.
#include <algorithm>
#include <iterator>
#include <limits>

#include "engine/connectivity.hpp"
#include "engine/error.hpp"
#include "engine/random.hpp"
#include "host/nest_layer.hpp"
#include "host/nest_layer_detail.hpp"
#include "host/nest_syn_arrays.hpp"
#include "host/nest_synapses.hpp"

namespace volley::nest {

namespace {

std::string id_range_text(const node_collection& r) {
  return std::to_string(r.first_id) + ".." + std::to_string(r.first_id + r.count - 1);
}

// A collection of the given ranges: adjacent ones merged, one range as a primitive collection.
node_collection from_ranges(std::vector<node_collection> ranges) {
  std::vector<node_collection> merged;
  for (const auto& r : ranges) {
    if (r.count == 0) continue;
    if (!merged.empty() && merged.back().first_id + merged.back().count == r.first_id)
      merged.back().count += r.count;
    else
      merged.push_back({r.first_id, r.count});
  }
  if (merged.empty()) return {};
  if (merged.size() == 1) return merged.front();
  node_collection out;
  out.parts = std::move(merged);
  return out;
}

}  // namespace

std::uint64_t node_collection::size() const {
  std::uint64_t n = count;
  for (const auto& p : parts) n += p.count;
  return n;
}

bool node_collection::contains(std::uint64_t id) const {
  if (!composite()) return id >= first_id && id < first_id + count;
  const auto after = std::upper_bound(parts.begin(), parts.end(), id,
                                      [](std::uint64_t x, const node_collection& r) { return x < r.first_id; });
  return after != parts.begin() && id < std::prev(after)->first_id + std::prev(after)->count;
}

std::vector<node_collection> node_collection::ranges() const {
  if (composite()) return parts;
  if (count == 0) return {};
  return {node_collection{first_id, count}};
}

std::vector<std::uint64_t> node_collection::ids() const {
  std::vector<std::uint64_t> out;
  for (const auto& r : ranges())
    for (std::uint64_t i = 0; i < r.count; ++i) out.push_back(r.first_id + i);
  return out;
}

node_collection node_collection::operator[](std::uint64_t i) const {
  if (i >= size())
    throw parameter_error("node collection", "index", std::to_string(i),
                          "an index below its size " + std::to_string(size()));
  return slice(i, i + 1);
}

node_collection node_collection::slice(std::uint64_t begin, std::uint64_t end, std::uint64_t step) const {
  if (begin >= end || end > size())
    throw parameter_error("node collection", "slice", "[" + std::to_string(begin) + ":" + std::to_string(end) + "]",
                          "a non-empty range inside [0:" + std::to_string(size()) + "]");
  if (step == 0) throw parameter_error("node collection", "slice step", "0", "a positive step (NEST: nodes[a:b:step])");
  if (step > 1) {  // single nodes, never adjacent
    std::vector<node_collection> nodes;
    for (std::uint64_t i = begin; i < end; i += step) nodes.push_back((*this)[i]);
    return from_ranges(std::move(nodes));
  }
  std::vector<node_collection> out;
  std::uint64_t at = 0;  // position of the range's first node in the collection
  for (const auto& r : ranges()) {
    const std::uint64_t lo = std::max(begin, at), hi = std::min(end, at + r.count);
    if (lo < hi) out.push_back({r.first_id + (lo - at), hi - lo});
    at += r.count;
  }
  return from_ranges(std::move(out));
}

node_collection operator+(const node_collection& a, const node_collection& b) {
  std::vector<node_collection> all = a.ranges();
  for (const auto& r : b.ranges()) all.push_back(r);
  std::sort(all.begin(), all.end(),
            [](const node_collection& x, const node_collection& y) { return x.first_id < y.first_id; });
  for (std::size_t k = 1; k < all.size(); ++k)
    if (all[k].first_id < all[k - 1].first_id + all[k - 1].count)
      throw parameter_error("node collection", "+", "ids " + id_range_text(all[k - 1]) + " and " + id_range_text(all[k]),
                            "disjoint collections (NEST: cannot join overlapping NodeCollections)");
  return from_ranges(std::move(all));
}

bool node_collection::ranges_equal(const node_collection& other) const {
  const auto x = ranges(), y = other.ranges();
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](const node_collection& p, const node_collection& q) {
    return p.first_id == q.first_id && p.count == q.count;
  });
}

namespace detail {

namespace {

std::string rule_name(const json& conn_spec) {
  if (conn_spec.is_string()) return conn_spec.get<std::string>();
  if (conn_spec.is_object() && conn_spec.contains("rule") && conn_spec.at("rule").is_string())
    return conn_spec.at("rule").get<std::string>();
  return "";
}

// The syn_spec keys with one value per connection (lists), which volley splits for one_to_one only.
std::vector<std::string> listed_keys(const json& syn_spec) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : syn_spec.items())
    if (value.is_array()) keys.push_back(key);
  return keys;
}

// Starting position of every run in its collection.
std::vector<std::uint64_t> offsets_of(const std::vector<node_collection>& runs) {
  std::vector<std::uint64_t> at(runs.size() + 1, 0);
  for (std::size_t k = 0; k < runs.size(); ++k) at[k + 1] = at[k] + runs[k].count;
  return at;
}

std::size_t run_of(const std::vector<std::uint64_t>& offsets, std::uint64_t i) {
  return static_cast<std::size_t>(std::upper_bound(offsets.begin(), offsets.end(), i) - offsets.begin()) - 1;
}

// A connection with a weight list of both signs (one_to_one's, or drawn pairs') as two, by sign, each with its
// listed pairs: NEST routes each connection by its weight's sign, volley a projection once. GetConnections' order
// does not change (plan::connection_rows: a Connect's connections by source, then target). Other connections (and
// malformed lists, which rule_of reports) pass.
void split_by_sign(const connection& c, std::vector<connection>& out) {
  const std::vector<std::string> listed = listed_keys(c.syn_spec);
  const std::uint64_t n = c.pairs ? c.pairs->pre.size() : c.pre.count;
  const bool applies = (c.pairs || c.pre.count == c.post.count) && c.syn_spec.contains("weight") &&
                       c.syn_spec.at("weight").is_array() &&
                       std::all_of(listed.begin(), listed.end(),
                                   [&](const std::string& k) { return c.syn_spec.at(k).size() == n; });
  auto negative = [](const json& w) { return w.is_number() && w.get<double>() < 0; };
  if (!applies || std::all_of(c.syn_spec.at("weight").begin(), c.syn_spec.at("weight").end(), negative) ||
      std::none_of(c.syn_spec.at("weight").begin(), c.syn_spec.at("weight").end(), negative)) {
    out.push_back(c);
    return;
  }
  for (const bool sign : {false, true}) {
    drawn_pairs pairs;
    json syn = c.syn_spec;
    for (const auto& key : listed) syn[key] = json::array();
    for (std::uint64_t i = 0; i < n; ++i) {
      if (negative(c.syn_spec.at("weight")[i]) != sign) continue;
      pairs.pre.push_back(c.pairs ? c.pairs->pre[i] : static_cast<index_t>(i));
      pairs.post.push_back(c.pairs ? c.pairs->post[i] : static_cast<index_t>(i));
      for (const auto& key : listed) syn[key].push_back(c.syn_spec.at(key)[i]);
    }
    out.push_back({c.pre, c.post, c.conn_spec, syn, std::make_shared<const drawn_pairs>(std::move(pairs))});
  }
}

}  // namespace

std::vector<node_collection> plan::runs(const node_collection& nodes, const std::string& where) const {
  std::vector<node_collection> out;
  for (const auto& r : nodes.ranges()) {
    std::uint64_t id = r.first_id;
    const std::uint64_t end = r.first_id + r.count;
    while (id < end) {
      const auto g = std::find_if(groups.begin(), groups.end(), [&](const node_group& x) {
        return id >= x.first_id && id < x.first_id + x.count;
      });
      if (g == groups.end())
        throw parameter_error(where, "nodes", "id " + std::to_string(id), "ids returned by Create()");
      const std::uint64_t stop = std::min(end, g->first_id + g->count);
      out.push_back({id, stop - id});
      id = stop;
    }
  }
  if (out.empty()) throw parameter_error(where, "nodes", "an empty collection", "at least one node");
  return out;
}

std::vector<connection> plan::connection_pieces(const node_collection& pre, const node_collection& post,
                                                const json& conn_spec, const json& syn_spec) const {
  std::vector<connection> out;
  for (auto& c : split_connection(pre, post, conn_spec, syn_spec)) {
    // all_to_all NMDA connections into iaf_bw_2001_exact: one per source, each claiming its own slot in the targets
    // when built (NEST: each connection its own receptor port and gating variables)
    const node_group& target = group_of(c.post, "Connect (post)");
    const bool nmda_slots = target.model == "iaf_bw_2001_exact" && c.pre.count > 1 && !c.pairs &&
                            rule_name(c.conn_spec) == "all_to_all" && c.syn_spec.is_object() &&
                            merged_syn_spec(synapse_model_of(synapse_models, c.syn_spec, "Connect"), c.syn_spec,
                                            "Connect")
                                    .value("receptor_type", json(0)) == json(3);
    if (!nmda_slots) {
      out.push_back(std::move(c));
      continue;
    }
    for (std::uint64_t i = 0; i < c.pre.count; ++i)
      out.push_back({{c.pre.first_id + i, 1}, c.post, c.conn_spec, c.syn_spec, nullptr});
  }
  return out;
}

std::vector<connection> plan::split_connection(const node_collection& pre, const node_collection& post,
                                               const json& conn_spec, const json& syn_spec) const {
  const std::vector<node_collection> from = runs(pre, "Connect (pre)"), to = runs(post, "Connect (post)");
  const std::string rule = rule_name(conn_spec);
  if (rule != "one_to_one" && !listed_keys(syn_spec).empty()) {  // NEST's arrays: drawn at Connect, values by shape
    const std::string where = "Connect(" + rule + " with syn_spec arrays)";
    const synapse_model& model = synapse_model_of(synapse_models, syn_spec, where);
    // gap, rate and sic connections take one value per key: refused by their own checks below
    if (!is_rate_synapse(model) && !is_gap_synapse(model) && !is_sic_synapse(model)) {
      check_connect_syn_keys(model, syn_spec, where);  // a common property (a list, say) is no per-connection value
      return drawn_pieces(pre, post, from, to, conn_spec, syn_spec, where);
    }
  }
  if (from.size() == 1 && to.size() == 1) {
    std::vector<connection> one;
    if (rule == "one_to_one")
      split_by_sign({from[0], to[0], conn_spec, syn_spec, nullptr}, one);
    else
      one.push_back({from[0], to[0], conn_spec, syn_spec, nullptr});
    return one;
  }
  const std::string where = "Connect (over " + std::to_string(from.size()) + " x " + std::to_string(to.size()) +
                            " Create() calls' nodes)";
  const std::vector<std::string> listed = listed_keys(syn_spec);
  std::vector<connection> pieces;
  if (rule == "one_to_one") {
    if (pre.size() != post.size())
      throw parameter_error(where, "conn_spec", "one_to_one", "as many pre (" + std::to_string(pre.size()) +
                                                                  ") as post (" + std::to_string(post.size()) + ") nodes");
    // the aligned segments: pre[i] -> post[i]; per-connection lists split with them
    std::uint64_t i = 0;
    const auto at_from = offsets_of(from), at_to = offsets_of(to);
    while (i < pre.size()) {
      const std::size_t a = run_of(at_from, i), b = run_of(at_to, i);
      const std::uint64_t n = std::min(at_from[a + 1], at_to[b + 1]) - i;
      json syn = syn_spec;
      for (const auto& key : listed) {
        const json& values = syn_spec.at(key);
        if (values.size() != pre.size())
          throw parameter_error(where, "syn_spec." + key, std::to_string(values.size()) + " values",
                                std::to_string(pre.size()) + " (one per connection) or one value");
        syn[key] = json(json::array_t(values.begin() + static_cast<long>(i), values.begin() + static_cast<long>(i + n)));
      }
      split_by_sign({{from[a].first_id + (i - at_from[a]), n}, {to[b].first_id + (i - at_to[b]), n}, conn_spec, syn,
                     nullptr},
                    pieces);
      i += n;
    }
    return pieces;
  }
  const bool separable = rule == "all_to_all" || rule == "pairwise_bernoulli" ||
                         (rule == "fixed_indegree" && from.size() == 1) || (rule == "fixed_outdegree" && to.size() == 1);
  if (separable || (rule != "fixed_indegree" && rule != "fixed_outdegree" && rule != "fixed_total_number")) {
    // every pair of runs with the same rule; an unknown or malformed rule is reported by the pieces' checks
    for (const auto& a : from)
      for (const auto& b : to) pieces.push_back({a, b, conn_spec, syn_spec, nullptr});
    return pieces;
  }
  return drawn_pieces(pre, post, from, to, conn_spec, syn_spec, where);
}

std::vector<connection> plan::drawn_pieces(const node_collection& pre, const node_collection& post,
                                           const std::vector<node_collection>& from,
                                           const std::vector<node_collection>& to, const json& conn_spec,
                                           const json& syn_spec, const std::string& where) const {
  const connection_rule rule = nest_rule(conn_spec, where);
  const std::uint64_t seed = options.rng_seed ^ 0x636f6d706f736974ULL;  // streams of their own ("composit")
  const auto id = static_cast<std::uint32_t>(connections.size() & rng::max_object_id);
  const connection_arrays arrays = read_connection_arrays(rule_name(conn_spec), rule, syn_spec, pre.size(), post.size(),
                                                          seed, rng::make_tag(rng::purpose::weight, id), where);
  const std::string drawn_here = " for rule " + rule_name(conn_spec) +
                                 (arrays.empty() ? " over several Create() calls' nodes" : " with syn_spec arrays");
  const synapse_model& model = synapse_model_of(synapse_models, syn_spec, where);
  if (is_rate_synapse(model) || is_gap_synapse(model) || is_sic_synapse(model))
    throw parameter_error(where, "synapse_model", model.name, "a spike synapse" + drawn_here);
  for (const auto* side : {&from, &to})
    for (const auto& r : *side) {
      const node_group& g = group_of(r, where);
      if (g.kind != device_kind::none || is_rate_model(g) || is_siegert(g) || is_astrocyte(g))
        throw parameter_error(where, "nodes", g.model, "spiking neurons" + drawn_here);
    }
  const bool same = pre == post;
  if (!rule.allow_autapses && !same)
    for (const auto id : pre.ids())
      if (post.contains(id))
        throw parameter_error(where, "conn_spec.allow_autapses", "false",
                              "true, or pre and post the same collection or disjoint ones (node " + std::to_string(id) +
                                  " is in both)");
  constexpr std::uint64_t most = std::numeric_limits<index_t>::max();
  if (pre.size() > most || post.size() > most)
    throw parameter_error(where, "nodes", std::to_string(std::max(pre.size(), post.size())),
                          "at most " + std::to_string(most) + " nodes on each side");
  // the virtual ranges: one population (autapse i -> i) when pre and post are the same collection
  const neuron_range source{0, 0, static_cast<index_t>(pre.size())};
  const neuron_range target{same ? 0u : 1u, 0, static_cast<index_t>(post.size())};
  const csr_connectivity drawn = build_connectivity(rule, source, target, seed, id, where);
  const auto at_from = offsets_of(from), at_to = offsets_of(to);
  std::vector<drawn_pairs> pairs(from.size() * to.size());
  std::vector<json> specs(pairs.size(), syn_spec);  // each piece's syn_spec: its connections' values in its order
  for (auto& spec : specs)
    for (const auto& key : arrays.keys) spec[key] = json::array();
  std::vector<std::uint64_t> earlier_to_target(arrays.empty() ? 0 : drawn.n_target, 0);
  for (index_t i = 0; i < drawn.n_source; ++i) {
    const std::size_t a = run_of(at_from, i);
    for (std::uint64_t k = drawn.row_ptr[i]; k < drawn.row_ptr[i + 1]; ++k) {
      const index_t t = drawn.targets[k];
      const std::size_t b = run_of(at_to, t);
      drawn_pairs& p = pairs[a * to.size() + b];
      p.pre.push_back(static_cast<index_t>(i - at_from[a]));
      p.post.push_back(static_cast<index_t>(t - at_to[b]));
      if (arrays.empty()) continue;
      const std::uint64_t v = arrays.value_index(i, k - drawn.row_ptr[i], k, t, earlier_to_target[t]++);
      for (std::size_t key = 0; key < arrays.keys.size(); ++key)
        specs[a * to.size() + b][arrays.keys[key]].push_back(arrays.flat[key][v]);
    }
  }
  std::vector<connection> pieces;
  for (std::size_t a = 0; a < from.size(); ++a)
    for (std::size_t b = 0; b < to.size(); ++b) {
      drawn_pairs& p = pairs[a * to.size() + b];
      if (p.pre.empty()) continue;
      split_by_sign({from[a], to[b], conn_spec, std::move(specs[a * to.size() + b]),
                     std::make_shared<const drawn_pairs>(std::move(p))},
                    pieces);
    }
  return pieces;
}

connection_rule plan::rule_of(const connection& c, const std::string& where) const {
  connection_rule r = nest_rule(c.conn_spec, where);
  const std::vector<std::string> listed = listed_keys(c.syn_spec);
  if (!listed.empty() && !c.pairs) {  // NEST's per-connection lists: one_to_one's pre[i] -> post[i], as listed pairs
    if (r.kind != rule_kind::one_to_one)
      throw parameter_error(where, "syn_spec." + listed.front(), "a list",
                            "one value or a distribution (a list, one value per connection, with one_to_one)");
    if (c.pre.count != c.post.count)
      throw parameter_error(where, "conn_spec", "one_to_one", "as many pre (" + std::to_string(c.pre.count) +
                                                                  ") as post (" + std::to_string(c.post.count) + ") nodes");
    for (const auto& key : listed)
      if (c.syn_spec.at(key).size() != c.pre.count)
        throw parameter_error(where, "syn_spec." + key, std::to_string(c.syn_spec.at(key).size()) + " values",
                              std::to_string(c.pre.count) + " (one per connection) or one value");
    r.kind = rule_kind::explicit_list;
    r.sources.resize(c.pre.count);
    for (std::uint64_t i = 0; i < c.pre.count; ++i) r.sources[i] = static_cast<index_t>(i);
    r.targets = r.sources;
    return r;
  }
  if (c.pairs) {  // drawn over a composite collection (plan::drawn_pieces)
    r.kind = rule_kind::explicit_list;
    r.allow_autapses = r.allow_multapses = true;  // the draw kept the rule's
    r.sources = c.pairs->pre;
    r.targets = c.pairs->post;
  }
  return r;
}

json plan::params_of_run(const node_collection& nodes, const node_collection& run, std::uint64_t offset,
                         const json& params, const std::string& where) const {
  if (!params.is_object()) throw parameter_error(where, "params", params.dump(), "an object {name: value}");
  const node_group& g = group_of(run, where);
  json out = json::object();
  for (const auto& [key, value] : params.items()) {
    // a list with one value per node of the collection, unless the key takes a list itself (NEST's rule)
    const bool per_node = value.is_array() && value.size() == nodes.size() &&
                          (g.kind == device_kind::none ? !is_vector_param(g, key)
                                                       : !(g.params.contains(key) && g.params.at(key).is_array()));
    if (!per_node) {
      out[key] = value;
      continue;
    }
    json part(json::array_t(value.begin() + static_cast<long>(offset),
                            value.begin() + static_cast<long>(offset + run.count)));
    if (g.kind != device_kind::none) {  // devices keep one parameter set per Create() call
      if (std::any_of(part.begin(), part.end(), [&](const json& v) { return v != part[0]; }))
        throw parameter_error(where, key, value.dump(),
                              "one value for all devices of one Create() call (" + g.model + ", ids " +
                                  id_range_text(run) + ")");
      out[key] = part[0];
      continue;
    }
    out[key] = std::move(part);
  }
  return out;
}

json plan::composite_status(const std::vector<node_collection>& parts) const {
  std::uint64_t total = 0;
  for (const auto& r : parts) total += r.count;
  json out = json::object();
  std::uint64_t at = 0;
  for (const auto& r : parts) {
    const node_group& g = group_of(r, "GetStatus");
    const json s = status(r);
    for (const auto& [key, value] : s.items()) {
      if (!out.contains(key)) out[key] = json::array_t(total, nullptr);  // null where a node lacks the key (NEST: None)
      // a neuron's states and every node's global_id are per node; other values are the group's, one per node
      const bool per_node = value.is_array() && value.size() == r.count &&
                            (g.kind == device_kind::none || key == "global_id");
      for (std::uint64_t i = 0; i < r.count; ++i) out[key][at + i] = per_node ? value[i] : value;
    }
    at += r.count;
  }
  return out;
}

}  // namespace detail

}  // namespace volley::nest
