#include "engine/spec.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include "engine/error.hpp"
#include "engine/spec_values.hpp"
#include "engine/unit_parse.hpp"
#include "models/registry.hpp"

namespace volley {

using spec::json;

namespace {

void check_keys(const json& j, std::initializer_list<const char*> allowed, const std::string& where) {
  if (!j.is_object()) throw spec_error(where + ": expected an object, got " + j.dump());
  for (const auto& [key, _] : j.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw spec_error(where + ": unknown field '" + key + "' (allowed: " + list + ")");
    }
  }
}

// The population a selector ("P" or, where slices are allowed, "P[0:10]") names must be defined: the error says
// which entry named it.
void check_population(const network& net, const std::string& selector, const std::string& where,
                      const char* parameter, bool slices = true) {
  const std::string name = slices ? selector.substr(0, selector.find('[')) : selector;
  std::string known;
  for (const auto& p : net.populations()) {
    if (p->name() == name) return;
    known += (known.empty() ? "" : ", ") + p->name();
  }
  throw parameter_error(where, parameter, "'" + selector + "'",
                        "the name of a population of the spec (" + (known.empty() ? "none" : known) + ")");
}

connection_rule parse_rule(const json& j, const std::string& where) {
  check_keys(j, {"kind", "probability", "indegree", "outdegree", "count", "allow_autapses", "allow_multapses",
                 "sources", "targets"}, where + " rule");
  connection_rule r;
  const std::string kind = spec::text(spec::member(j, "kind", where + " rule"), where, "rule.kind");
  auto count = [&](const char* key) {
    const json& c = spec::member(j, key, where + " rule");
    if (!c.is_number_integer() || c.get<long long>() < 0)
      throw parameter_error(where, std::string("rule.") + key, c.dump(), "a non-negative integer");
    return c.get<std::uint64_t>();
  };
  if (kind == "all_to_all") r.kind = rule_kind::all_to_all;
  else if (kind == "one_to_one") r.kind = rule_kind::one_to_one;
  else if (kind == "fixed_probability") {
    r.kind = rule_kind::fixed_probability;
    const json& p = spec::member(j, "probability", where + " rule");
    if (!p.is_number()) throw parameter_error(where, "rule.probability", p.dump(), "a number in [0, 1]");
    r.probability = p.get<double>();
  } else if (kind == "fixed_indegree") { r.kind = rule_kind::fixed_indegree; r.count = count("indegree"); }
  else if (kind == "fixed_outdegree") { r.kind = rule_kind::fixed_outdegree; r.count = count("outdegree"); }
  else if (kind == "fixed_total_number") { r.kind = rule_kind::fixed_total_number; r.count = count("count"); }
  else if (kind == "explicit") {
    r.kind = rule_kind::explicit_list;
    r.sources = spec::indices(spec::member(j, "sources", where + " rule"), where, "rule.sources");
    r.targets = spec::indices(spec::member(j, "targets", where + " rule"), where, "rule.targets");
  } else {
    throw parameter_error(where, "rule.kind", "'" + kind + "'",
                          "one of all_to_all, one_to_one, fixed_probability, fixed_indegree, fixed_outdegree, "
                          "fixed_total_number, explicit");
  }
  if (j.contains("allow_autapses")) r.allow_autapses = spec::flag(j.at("allow_autapses"), where, "rule.allow_autapses");
  if (j.contains("allow_multapses"))
    r.allow_multapses = spec::flag(j.at("allow_multapses"), where, "rule.allow_multapses");
  return r;
}

// Receptor kinds by their brainpy.state names ("Expon", ..., "MgBlock"): the alternative of V called `name`.
template <class V, std::size_t I = 0>
bool kind_by_name(const std::string& name, V& out) {
  if constexpr (I < std::variant_size_v<V>) {
    using A = std::variant_alternative_t<I, V>;
    if (name == A::name) {
      out = A{};
      return true;
    }
    return kind_by_name<V, I + 1>(name, out);
  } else {
    return false;
  }
}
template <class V, std::size_t I = 0>
std::string kind_names() {
  if constexpr (I < std::variant_size_v<V>) {
    const std::string rest = kind_names<V, I + 1>();
    return std::string(std::variant_alternative_t<I, V>::name) + (rest.empty() ? "" : ", " + rest);
  } else {
    return "";
  }
}

// Sets parameter `key` of the synapse or the output. A name both have (AMPA's and MgBlock's alpha, beta) must be
// qualified with the kind: "AMPA.alpha", "MgBlock.alpha"; a qualified name is accepted for any parameter.
void set_receptor_param(models::synapse_params& syn, models::output_params& out, const std::string& key,
                        const json& val, const std::string& where) {
  const auto dot = key.find('.');
  const std::string kind = dot == std::string::npos ? "" : key.substr(0, dot);
  const std::string param = dot == std::string::npos ? key : key.substr(dot + 1);
  int found = 0;
  std::string kinds, known;
  auto count = [&](auto& p) {
    using P = std::decay_t<decltype(p)>;
    P::each_param(p, [&](const char* n, auto& field, range_check) {
      known += (known.empty() ? "" : ", ") + std::string(n) + " (" + units::internal_unit_name(field.dim) + ")";
      if (param != n || (!kind.empty() && kind != P::name)) return;
      ++found;
      kinds += (kinds.empty() ? "'" : "' or '") + std::string(P::name) + "." + param;
    });
  };
  std::visit(count, syn);
  std::visit(count, out);
  if (found == 0)
    throw parameter_error(where, key, val.dump(), "a parameter of this synapse and output: " + known);
  if (found > 1)
    throw parameter_error(where, key, val.dump(), "a name with its kind, " + kinds + "' (both have '" + param + "')");
  auto set = [&](auto& p) {
    using P = std::decay_t<decltype(p)>;
    if (!kind.empty() && kind != P::name) return;
    P::each_param(p, [&](const char* n, auto& field, range_check) {
      using F = std::decay_t<decltype(field)>;
      if (param == n) field = F(spec::quantity(val, F::dim, where, key));
    });
  };
  std::visit(set, syn);
  std::visit(set, out);
}

// A projection's "align_pre": {"synapse": "AMPA", "params": {"T_dur": "1 ms", ...}}: the projection's synapse per
// source neuron (network.hpp synapse_spec::align_pre); parameters left out keep brainpy.state's defaults.
models::synapse_params parse_align_pre(const json& j, const std::string& where) {
  if (!j.is_object())
    throw parameter_error(where, "align_pre", j.dump(), "an object {\"synapse\": \"Expon\", \"params\": {...}}");
  check_keys(j, {"synapse", "params"}, where + " align_pre");
  const std::string syn = spec::text(spec::member(j, "synapse", where + " align_pre"), where, "align_pre.synapse");
  models::synapse_params sp;
  models::output_params unused = models::cuba_params{};
  if (!kind_by_name(syn, sp))
    throw parameter_error(where, "align_pre.synapse", "'" + syn + "'", "one of: " + kind_names<models::synapse_params>());
  const json params = j.value("params", json::object());
  if (!params.is_object()) throw spec_error(where + ": align_pre 'params' must be an object");
  for (const auto& [key, val] : params.items()) set_receptor_param(sp, unused, syn + "." + key, val, where + " align_pre");
  return sp;
}

// The kinds a spec's "stp" accepts: every plasticity_params kind but "none".
std::string plasticity_kind_names() {
  std::string names = kind_names<models::plasticity_params>();
  const std::string none = std::string(models::no_plasticity::name);
  for (const std::string& cut : {none + ", ", ", " + none})
    if (const auto at = names.find(cut); at != std::string::npos) return names.erase(at, cut.size());
  return names;
}

// A projection's "stp": {"kind": "STP", "U": 0.15, "tau_f": "1500 ms", "tau_d": "200 ms"} or {"kind": "STD",
// "tau": "200 ms", "U": 0.07}; parameters left out keep brainpy.state's defaults (ranges: network::connect).
models::plasticity_params parse_plasticity(const json& j, const std::string& where) {
  if (!j.is_object())
    throw parameter_error(where, "stp", j.dump(), "an object {\"kind\": \"STP\" or \"STD\", ...}");
  const std::string kind = spec::text(spec::member(j, "kind", where + " stp"), where, "stp.kind");
  models::plasticity_params out;
  if (!kind_by_name(kind, out) || std::holds_alternative<models::no_plasticity>(out))
    throw parameter_error(where, "stp.kind", "'" + kind + "'", "one of: " + plasticity_kind_names());
  std::visit(
      [&](auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (!std::is_same_v<P, models::no_plasticity>) {
          std::string known;
          P::each_param(p, [&](const char* n, auto&, models::plasticity_range) { known += std::string(", ") + n; });
          for (const auto& item : j.items()) {  // named, not bound: the lambda below captures them (clang 14)
            const std::string& key = item.key();
            const auto& val = item.value();
            if (key == "kind") continue;
            bool found = false;
            P::each_param(p, [&](const char* n, auto& field, models::plasticity_range) {
              using F = std::decay_t<decltype(field)>;
              if (key != n) return;
              field = F(spec::quantity(val, F::dim, where, "stp." + key));
              found = true;
            });
            if (!found)
              throw parameter_error(where, "stp." + key, val.dump(),
                                    std::string("a parameter of ") + P::name + ": kind" + known);
          }
        }
      },
      out);
  return out;
}

void add_population(network& net, const json& j, std::size_t index) {
  const std::string where = "populations[" + std::to_string(index) + "]";
  check_keys(j, {"name", "model", "size", "params", "initial", "receptors"}, where);
  const std::string name = spec::text(spec::member(j, "name", where), where, "name");
  const std::string model = spec::text(spec::member(j, "model", where), "population '" + name + "'", "model");
  const json& size = spec::member(j, "size", where);
  if (!size.is_number_integer() || size.get<long long>() < 1 || size.get<std::uint64_t>() > max_population_size)
    throw parameter_error("population '" + name + "'", "size", size.dump(), "a positive integer");
  const auto* entry = models::find_neuron_model(model);
  if (!entry) {
    std::string known;
    for (const auto& e : models::neuron_models()) known += (known.empty() ? "" : ", ") + std::string(e.name);
    throw spec_error("population '" + name + "': unknown model '" + model + "' (known: " + known + ")");
  }
  models::population_request req;
  req.name = name;
  req.size = size.get<index_t>();
  req.batch = net.batch();
  req.dt = net.dt();
  req.seed = net.seed();
  req.id = static_cast<std::uint32_t>(net.populations().size());
  req.params = j.contains("params") ? &j.at("params") : nullptr;
  req.initial = j.contains("initial") ? &j.at("initial") : nullptr;
  net.adopt(entry->create(req));

  if (!j.contains("receptors")) return;
  for (const auto& r : spec::list(j.at("receptors"), "population '" + name + "'", "receptors")) {
    const std::string rw = "population '" + name + "' receptor";
    check_keys(r, {"name", "synapse", "output", "params"}, rw);
    const std::string rname = spec::text(spec::member(r, "name", rw), rw, "name");
    const std::string syn = spec::text(spec::member(r, "synapse", rw), rw + " '" + rname + "'", "synapse");
    const std::string out = spec::text(spec::member(r, "output", rw), rw + " '" + rname + "'", "output");
    const std::string where_r = "receptor '" + rname + "' of population '" + name + "'";
    const json params = r.value("params", json::object());
    if (!params.is_object()) throw spec_error(where_r + ": 'params' must be an object");
    models::synapse_params sp;
    models::output_params op;
    if (!kind_by_name(syn, sp))
      throw parameter_error(where_r, "synapse", "'" + syn + "'", "one of: " + kind_names<models::synapse_params>());
    if (!kind_by_name(out, op))
      throw parameter_error(where_r, "output", "'" + out + "'", "one of: " + kind_names<models::output_params>());
    for (const auto& [key, val] : params.items()) set_receptor_param(sp, op, key, val, where_r);
    net.add_receptor(name, rname, sp, op);
  }
}

// brainpy.state's current generators (kinds section, step, ramp, sinusoidal, ou, wiener; constant_current with a
// duration); nullopt for any other kind. Every value with its unit; lists are lists of strings.
std::optional<current_input> parse_current_input(const json& j, const std::string& kind, const std::string& where,
                                                 const std::string& w) {
  auto q = [&](const char* key, units::dimension d) { return spec::quantity(spec::member(j, key, w), d, w, key); };
  auto current = [&](const char* key) { return units::current_q(q(key, units::dims::current)); };
  auto time = [&](const char* key) { return units::time_q(q(key, units::dims::time)); };
  auto time_or = [&](const char* key, double fallback) {
    return units::time_q(j.contains(key) ? q(key, units::dims::time) : fallback);
  };
  auto list = [&](const char* key, units::dimension d) {
    const json& l = spec::member(j, key, w);
    if (!l.is_array()) throw parameter_error(w, key, l.dump(), "a list of quantities, e.g. [\"10 pA\", \"0 pA\"]");
    std::vector<double> out;
    for (std::size_t k = 0; k < l.size(); ++k)
      out.push_back(spec::quantity(l[k], d, w, std::string(key) + "[" + std::to_string(k) + "]"));
    return out;
  };
  auto currents = [&](const char* key) {
    std::vector<units::current_q> out;
    for (double v : list(key, units::dims::current)) out.emplace_back(v);
    return out;
  };
  auto times = [&](const char* key) {
    std::vector<units::time_q> out;
    for (double v : list(key, units::dims::time)) out.emplace_back(v);
    return out;
  };
  if (kind == "constant_current" && j.contains("duration")) {
    check_keys(j, {"kind", "target", "amplitude", "duration"}, where);
    return constant_input{current("amplitude"), time("duration")};
  }
  if (kind == "section") {
    check_keys(j, {"kind", "target", "values", "durations"}, where);
    return section_input{currents("values"), times("durations")};
  }
  if (kind == "step") {
    check_keys(j, {"kind", "target", "amplitudes", "step_times"}, where);
    return step_input{currents("amplitudes"), times("step_times")};
  }
  if (kind == "ramp") {
    check_keys(j, {"kind", "target", "c_start", "c_end", "duration", "t_start", "t_end"}, where);
    ramp_input in{current("c_start"), current("c_end"), {}, time_or("t_start", 0.0)};
    if (j.contains("duration") == j.contains("t_end"))
      throw spec_error(w + ": give exactly one of 'duration' and 't_end'");
    in.duration = j.contains("duration") ? time("duration") : time("t_end") - in.t_start;
    if (j.contains("t_end") && !(in.duration.value > 0))
      throw parameter_error(w, "t_end", j.at("t_end").dump(),
                            "a time after t_start (" + j.value("t_start", json("0 ms")).dump() + ")");
    return in;
  }
  if (kind == "sinusoidal") {
    check_keys(j, {"kind", "target", "amplitude", "frequency", "duration", "bias"}, where);
    return sinusoidal_input{current("amplitude"), units::rate_q(q("frequency", units::dims::rate)),
                            time_or("duration", forever_ms), j.contains("bias") ? current("bias") : units::current_q()};
  }
  if (kind == "ou") {
    check_keys(j, {"kind", "target", "mean", "sigma", "tau", "duration", "x0"}, where);
    ou_input in{current("mean"), current("sigma"), time("tau"), time_or("duration", forever_ms)};
    if (j.contains("x0")) in.x0 = current("x0");
    return in;
  }
  if (kind == "wiener") {
    check_keys(j, {"kind", "target", "sigma", "duration", "integrated"}, where);
    const json integrated = j.value("integrated", json(false));
    if (!integrated.is_boolean()) throw parameter_error(w, "integrated", integrated.dump(), "true or false");
    return wiener_input{current("sigma"), time_or("duration", forever_ms), integrated.get<bool>()};
  }
  return std::nullopt;
}

void add_input(network& net, const json& j, std::size_t index) {
  const std::string where = "inputs[" + std::to_string(index) + "]";
  const std::string kind = spec::text(spec::member(j, "kind", where), where, "kind");
  const std::string target = spec::text(spec::member(j, "target", where), where, "target");
  check_population(net, target, where, "target");
  const std::string w = where + " (" + kind + " -> " + target + ")";
  const std::string receptor = j.contains("receptor") ? spec::text(j.at("receptor"), w, "receptor") : "";
  if (auto source = parse_current_input(j, kind, where, w)) {
    net.add_current_input(target, *source, w);
  } else if (kind == "constant_current") {
    check_keys(j, {"kind", "target", "amplitude", "duration"}, where);
    const json& amplitude = spec::member(j, "amplitude", w);
    net.add_constant_current(target, units::current_q(spec::quantity(amplitude, units::dims::current, w, "amplitude")));
  } else if (kind == "spike_schedule") {
    check_keys(j, {"kind", "target", "indices", "times"}, where);
    const json& idx = spec::member(j, "indices", w);
    if (!idx.is_array()) throw parameter_error(w, "indices", idx.dump(), "a list of neuron indices");
    std::vector<index_t> indices;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      if (!idx[k].is_number_integer() || idx[k].get<long long>() < 0 || idx[k].get<long long>() > 0xFFFFFFFFLL)
        throw parameter_error(w, "indices[" + std::to_string(k) + "]", idx[k].dump(), "a non-negative integer");
      indices.push_back(idx[k].get<index_t>());
    }
    const json& t = spec::member(j, "times", w);
    if (!t.is_array()) throw parameter_error(w, "times", t.dump(), "a list of times, e.g. [\"10 ms\", \"20 ms\"]");
    std::vector<units::time_q> times;
    for (std::size_t k = 0; k < t.size(); ++k)
      times.emplace_back(spec::quantity(t[k], units::dims::time, w, "times[" + std::to_string(k) + "]"));
    net.set_spike_schedule(target, indices, times, w);
  } else if (kind == "poisson") {
    check_keys(j, {"kind", "target", "rate", "weight", "receptor"}, where);
    net.add_poisson_input(target,
                          units::rate_q(spec::quantity(spec::member(j, "rate", w), units::dims::rate, w, "rate")),
                          spec::value(spec::member(j, "weight", w), w, "weight"), receptor);
  } else if (kind == "spike_times") {
    check_keys(j, {"kind", "target", "times", "weight", "receptor", "delay"}, where);
    std::vector<double> times;
    for (const auto& t : spec::list(spec::member(j, "times", w), w, "times"))
      times.push_back(spec::quantity(t, units::dims::time, w, "times"));
    const units::time_q delay(j.contains("delay") ? spec::quantity(j.at("delay"), units::dims::time, w, "delay") : 0.0);
    net.add_spike_times(target, times, spec::value(spec::member(j, "weight", w), w, "weight"), receptor, delay);
  } else {
    throw parameter_error(where, "kind", "'" + kind + "'",
                          "one of constant_current, section, step, ramp, sinusoidal, ou, wiener, poisson, spike_times, "
                          "spike_schedule");
  }
}

// {"source": "I", "target": "I", "rule": {...}, "weight": "0.1 nS", "symmetric": true, "name": ...}
void add_gap_junction(network& net, const json& j, std::size_t index) {
  const std::string where = "gap_junctions[" + std::to_string(index) + "]";
  check_keys(j, {"name", "source", "target", "rule", "weight", "symmetric"}, where);
  const std::string source = spec::text(spec::member(j, "source", where), where, "source");
  const std::string target = spec::text(spec::member(j, "target", where), where, "target");
  check_population(net, source, where, "source");
  check_population(net, target, where, "target");
  const json symmetric = j.value("symmetric", json(true));
  if (!symmetric.is_boolean()) throw parameter_error(where, "symmetric", symmetric.dump(), "true or false");
  const std::string name = j.contains("name") ? spec::text(j.at("name"), where, "name")
                                              : source + (symmetric.get<bool>() ? "<->" : "->") + target;
  const std::string w = where + " (" + name + ")";
  net.connect_gap(source, target, parse_rule(spec::member(j, "rule", w), w),
                  spec::value(spec::member(j, "weight", w), w, "weight"), symmetric.get<bool>(), name);
}

}  // namespace

loaded_spec load_spec_text(const std::string& text, const spec_overrides& overrides) {
  const json j = spec::parse_text(text, "spec");
  try {
    check_keys(j, {"name", "dt", "duration", "seed", "batch", "populations", "projections", "inputs", "record",
                   "comment", "gap_junctions"}, "spec");
    loaded_spec out;
    out.name = j.contains("name") ? spec::text(j.at("name"), "spec", "name") : "";
    network_options o;
    o.dt = units::time_q(spec::quantity(spec::member(j, "dt", "spec"), units::dims::time, "spec", "dt"));
    if (!(o.dt.value > 0)) throw parameter_error("spec", "dt", j.at("dt").dump(), "a positive time step (e.g. \"0.1 ms\")");
    if (j.contains("seed")) o.seed = spec::whole_number(j.at("seed"), ~std::uint64_t{0}, "spec", "seed");
    if (overrides.seed) o.seed = *overrides.seed;
    if (j.contains("batch"))
      o.batch = static_cast<std::uint32_t>(spec::whole_number(j.at("batch"), 0xFFFFFFFFu, "spec", "batch"));
    out.duration_ms = spec::quantity(spec::member(j, "duration", "spec"), units::dims::time, "spec", "duration");
    if (overrides.duration_ms) out.duration_ms = *overrides.duration_ms;
    if (!(out.duration_ms >= 0)) throw parameter_error("spec", "duration", std::to_string(out.duration_ms) + " ms", "a non-negative time");
    out.net = std::make_unique<network>(o);
    network& net = *out.net;

    const json& pops = spec::member(j, "populations", "spec");
    if (!pops.is_array() || pops.empty()) throw spec_error("spec: 'populations' must be a non-empty list");
    for (std::size_t i = 0; i < pops.size(); ++i) add_population(net, pops[i], i);

    if (j.contains("projections"))
      for (std::size_t i = 0; i < spec::list(j.at("projections"), "spec", "projections").size(); ++i) {
        const json& p = j.at("projections")[i];
        const std::string where = "projections[" + std::to_string(i) + "]";
        check_keys(p, {"name", "source", "target", "receptor", "rule", "weight", "delay", "stp", "align_pre"}, where);
        const std::string source = spec::text(spec::member(p, "source", where), where, "source");
        const std::string target = spec::text(spec::member(p, "target", where), where, "target");
        check_population(net, source, where, "source");
        check_population(net, target, where, "target");
        const std::string name = p.contains("name") ? spec::text(p.at("name"), where, "name") : source + "->" + target;
        const std::string w = "projection '" + name + "'";
        synapse_spec syn;
        syn.receptor = p.contains("receptor") ? spec::text(p.at("receptor"), w, "receptor") : "";
        syn.weight = spec::value(spec::member(p, "weight", w), w, "weight");
        if (p.contains("delay")) syn.delay = spec::value_of(p.at("delay"), units::dims::time, w, "delay");
        if (p.contains("stp")) syn.plasticity = parse_plasticity(p.at("stp"), w);
        if (p.contains("align_pre")) syn.align_pre = parse_align_pre(p.at("align_pre"), w);
        net.connect(source, target, parse_rule(spec::member(p, "rule", w), w), syn, name);
      }
    if (j.contains("gap_junctions"))
      for (std::size_t i = 0; i < spec::list(j.at("gap_junctions"), "spec", "gap_junctions").size(); ++i)
        add_gap_junction(net, j.at("gap_junctions")[i], i);
    if (j.contains("inputs"))
      for (std::size_t i = 0; i < spec::list(j.at("inputs"), "spec", "inputs").size(); ++i)
        add_input(net, j.at("inputs")[i], i);

    if (j.contains("record")) {
      const json& r = j.at("record");
      check_keys(r, {"spikes", "traces"}, "record");
      const json spikes = r.value("spikes", json::array());
      for (const auto& s : spec::list(spikes, "record", "spikes")) {
        const std::string population = spec::text(s, "record", "spikes");
        check_population(net, population, "record", "spikes", false);
        out.record_spikes.push_back(population);
      }
      const json traces = r.value("traces", json::array());
      std::set<std::pair<std::string, std::string>> traced;  // write_hdf5 keeps one dataset per variable
      for (const auto& t : spec::list(traces, "record", "traces")) {
        check_keys(t, {"population", "variables", "neurons", "interval"}, "record.traces");
        const std::string population =
            spec::text(spec::member(t, "population", "record.traces"), "record.traces", "population");
        check_population(net, population, "record.traces", "population", false);
        const std::string tw = "record.traces of '" + population + "'";
        for (const auto& v : spec::list(spec::member(t, "variables", "record.traces"), tw, "variables")) {
          trace_request tr;
          tr.population = population;
          tr.variable = spec::text(v, tw, "variables");
          if (!traced.emplace(population, tr.variable).second)  // refused now, not by write_hdf5 after the run
            throw parameter_error(tw, "variables", "'" + tr.variable + "'",
                                  "each variable of a population traced once (list all its neurons in one entry)");
          if (t.contains("neurons")) tr.neurons = spec::indices(t.at("neurons"), tw, "neurons");
          if (t.contains("interval")) {
            tr.interval = units::time_q(spec::quantity(t.at("interval"), units::dims::time, tw, "interval"));
            if (!(tr.interval.value > 0))
              throw parameter_error(tw, "interval", t.at("interval").dump(), "a positive time, at least dt");
          }
          out.record_traces.push_back(tr);
        }
      }
    }
    return out;
  } catch (const json::exception& e) {
    throw spec_error(std::string("spec: wrong type or value: ") + e.what());
  }
}

loaded_spec load_spec_file(const std::string& path, const spec_overrides& overrides) {
  std::ifstream in(path);
  if (!in) throw spec_error("cannot open spec file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return load_spec_text(ss.str(), overrides);
  } catch (const spec_error& e) {
    throw spec_error(path + ": " + e.what());
  }
}

}  // namespace volley
