#include "engine/spec.hpp"

#include <fstream>
#include <sstream>

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

connection_rule parse_rule(const json& j, const std::string& where) {
  check_keys(j, {"kind", "probability", "indegree", "outdegree", "count", "allow_autapses", "allow_multapses",
                 "sources", "targets"}, where + " rule");
  connection_rule r;
  const std::string kind = spec::member(j, "kind", where + " rule").get<std::string>();
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
    r.sources = spec::member(j, "sources", where + " rule").get<std::vector<index_t>>();
    r.targets = spec::member(j, "targets", where + " rule").get<std::vector<index_t>>();
  } else {
    throw parameter_error(where, "rule.kind", "'" + kind + "'",
                          "one of all_to_all, one_to_one, fixed_probability, fixed_indegree, fixed_outdegree, "
                          "fixed_total_number, explicit");
  }
  if (j.contains("allow_autapses")) r.allow_autapses = j.at("allow_autapses").get<bool>();
  if (j.contains("allow_multapses")) r.allow_multapses = j.at("allow_multapses").get<bool>();
  return r;
}

void add_population(network& net, const json& j, std::size_t index) {
  const std::string where = "populations[" + std::to_string(index) + "]";
  check_keys(j, {"name", "model", "size", "params", "initial", "receptors"}, where);
  const std::string name = spec::member(j, "name", where).get<std::string>();
  const std::string model = spec::member(j, "model", where).get<std::string>();
  const json& size = spec::member(j, "size", where);
  if (!size.is_number_integer() || size.get<long long>() < 1 || size.get<long long>() > 4'000'000'000LL)
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
  for (const auto& r : j.at("receptors")) {
    const std::string rw = "population '" + name + "' receptor";
    check_keys(r, {"name", "synapse", "output", "params"}, rw);
    const std::string rname = spec::member(r, "name", rw).get<std::string>();
    const std::string syn = spec::member(r, "synapse", rw).get<std::string>();
    const std::string out = spec::member(r, "output", rw).get<std::string>();
    const std::string where_r = "receptor '" + rname + "' of population '" + name + "'";
    const json params = r.value("params", json::object());
    if (syn != "Expon") throw parameter_error(where_r, "synapse", "'" + syn + "'", "one of: Expon");
    models::expon_params ep;
    models::cuba_params cp;
    models::coba_params op;
    for (const auto& [key, val] : params.items()) {
      if (key == "tau") ep.tau = units::time_q(spec::quantity(val, units::dims::time, where_r, key));
      else if (key == "E" && out == "COBA") op.E = units::voltage_q(spec::quantity(val, units::dims::voltage, where_r, key));
      else if (key == "scale" && out == "CUBA") cp.scale = units::dimensionless_q(spec::quantity(val, units::dims::none, where_r, key));
      else throw parameter_error(where_r, key, val.dump(), "a parameter of " + syn + " / " + out + " (tau, " +
                                 (out == "COBA" ? "E" : "scale") + ")");
    }
    if (out == "CUBA") net.add_receptor(name, rname, ep, cp);
    else if (out == "COBA") net.add_receptor(name, rname, ep, op);
    else throw parameter_error(where_r, "output", "'" + out + "'", "one of: CUBA, COBA");
  }
}

void add_input(network& net, const json& j, std::size_t index) {
  const std::string where = "inputs[" + std::to_string(index) + "]";
  const std::string kind = spec::member(j, "kind", where).get<std::string>();
  const std::string target = spec::member(j, "target", where).get<std::string>();
  const std::string w = where + " (" + kind + " -> " + target + ")";
  if (kind == "constant_current") {
    check_keys(j, {"kind", "target", "amplitude"}, where);
    net.add_constant_current(target, units::current_q(spec::quantity(spec::member(j, "amplitude", w), units::dims::current, w, "amplitude")));
  } else if (kind == "poisson") {
    check_keys(j, {"kind", "target", "rate", "weight", "receptor"}, where);
    net.add_poisson_input(target, units::rate_q(spec::quantity(spec::member(j, "rate", w), units::dims::rate, w, "rate")),
                          spec::value(spec::member(j, "weight", w), w, "weight"), j.value("receptor", ""));
  } else if (kind == "spike_times") {
    check_keys(j, {"kind", "target", "times", "weight", "receptor", "delay"}, where);
    std::vector<double> times;
    for (const auto& t : spec::member(j, "times", w)) times.push_back(spec::quantity(t, units::dims::time, w, "times"));
    const units::time_q delay(j.contains("delay") ? spec::quantity(j.at("delay"), units::dims::time, w, "delay") : 0.0);
    net.add_spike_times(target, times, spec::value(spec::member(j, "weight", w), w, "weight"), j.value("receptor", ""), delay);
  } else {
    throw parameter_error(where, "kind", "'" + kind + "'", "one of constant_current, poisson, spike_times");
  }
}

}  // namespace

loaded_spec load_spec_text(const std::string& text, const spec_overrides& overrides) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw spec_error(std::string("malformed JSON: ") + e.what());
  }
  try {
    check_keys(j, {"name", "dt", "duration", "seed", "batch", "populations", "projections", "inputs", "record", "comment"}, "spec");
    loaded_spec out;
    out.name = j.value("name", "");
    network_options o;
    o.dt = units::time_q(spec::quantity(spec::member(j, "dt", "spec"), units::dims::time, "spec", "dt"));
    if (!(o.dt.value > 0)) throw parameter_error("spec", "dt", j.at("dt").dump(), "a positive time step (e.g. \"0.1 ms\")");
    if (j.contains("seed")) o.seed = j.at("seed").get<std::uint64_t>();
    if (overrides.seed) o.seed = *overrides.seed;
    if (j.contains("batch")) o.batch = j.at("batch").get<std::uint32_t>();
    out.duration_ms = spec::quantity(spec::member(j, "duration", "spec"), units::dims::time, "spec", "duration");
    if (overrides.duration_ms) out.duration_ms = *overrides.duration_ms;
    if (!(out.duration_ms >= 0)) throw parameter_error("spec", "duration", std::to_string(out.duration_ms) + " ms", "a non-negative time");
    out.net = std::make_unique<network>(o);
    network& net = *out.net;

    const json& pops = spec::member(j, "populations", "spec");
    if (!pops.is_array() || pops.empty()) throw spec_error("spec: 'populations' must be a non-empty list");
    for (std::size_t i = 0; i < pops.size(); ++i) add_population(net, pops[i], i);

    if (j.contains("projections"))
      for (std::size_t i = 0; i < j.at("projections").size(); ++i) {
        const json& p = j.at("projections")[i];
        const std::string where = "projections[" + std::to_string(i) + "]";
        check_keys(p, {"name", "source", "target", "receptor", "rule", "weight", "delay"}, where);
        const std::string name = p.value("name", p.value("source", std::string("?")) + "->" + p.value("target", std::string("?")));
        const std::string w = "projection '" + name + "'";
        synapse_spec syn;
        syn.receptor = p.value("receptor", "");
        syn.weight = spec::value(spec::member(p, "weight", w), w, "weight");
        if (p.contains("delay")) syn.delay = spec::value_of(p.at("delay"), units::dims::time, w, "delay");
        net.connect(spec::member(p, "source", w).get<std::string>(), spec::member(p, "target", w).get<std::string>(),
                    parse_rule(spec::member(p, "rule", w), w), syn, name);
      }
    if (j.contains("inputs"))
      for (std::size_t i = 0; i < j.at("inputs").size(); ++i) add_input(net, j.at("inputs")[i], i);

    if (j.contains("record")) {
      const json& r = j.at("record");
      check_keys(r, {"spikes", "traces"}, "record");
      for (const auto& s : r.value("spikes", json::array())) {
        net.find(s.get<std::string>());
        out.record_spikes.push_back(s.get<std::string>());
      }
      for (const auto& t : r.value("traces", json::array())) {
        check_keys(t, {"population", "variables", "neurons", "interval"}, "record.traces");
        for (const auto& v : spec::member(t, "variables", "record.traces")) {
          trace_request tr;
          tr.population = spec::member(t, "population", "record.traces").get<std::string>();
          tr.variable = v.get<std::string>();
          if (t.contains("neurons")) tr.neurons = t.at("neurons").get<std::vector<index_t>>();
          if (t.contains("interval"))
            tr.interval = units::time_q(spec::quantity(t.at("interval"), units::dims::time, "record.traces", "interval"));
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
