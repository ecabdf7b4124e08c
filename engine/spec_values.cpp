#include "engine/spec_values.hpp"

#include <cmath>
#include <set>
#include <vector>

#include "engine/error.hpp"
#include "engine/random.hpp"
#include "engine/unit_parse.hpp"

namespace volley::spec {

namespace {

units::parsed_quantity parse_any(const json& j, const std::string& where, const std::string& name) {
  if (j.is_number()) return {j.get<double>(), units::dims::none};
  if (!j.is_string())
    throw parameter_error(where, name, j.dump(), "a quantity written as a string with its unit, e.g. \"20 ms\"");
  try {
    auto q = units::parse_quantity(j.get<std::string>());
    if (!std::isfinite(q.value)) throw std::invalid_argument("not a finite number");
    return q;
  } catch (const std::invalid_argument& e) {
    throw parameter_error(where, name, j.dump(), std::string("a quantity with a unit (") + e.what() + ")");
  }
}

}  // namespace

const json& member(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key))
    throw spec_error(where + ": missing required field '" + key + "'");
  return j.at(key);
}

std::string text(const json& j, const std::string& where, const std::string& name) {
  if (!j.is_string()) throw parameter_error(where, name, j.dump(), "a string");
  return j.get<std::string>();
}

bool flag(const json& j, const std::string& where, const std::string& name) {
  if (!j.is_boolean()) throw parameter_error(where, name, j.dump(), "true or false");
  return j.get<bool>();
}

const json& list(const json& j, const std::string& where, const std::string& name) {
  if (!j.is_array()) throw parameter_error(where, name, j.dump(), "a list [...]");
  return j;
}

std::uint64_t whole_number(const json& j, std::uint64_t max, const std::string& where, const std::string& name) {
  // nlohmann keeps integers up to 2^64 - 1 exact and stores larger ones, fractions and exponents as doubles
  const bool ok = j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0);
  if (!ok || j.get<std::uint64_t>() > max)
    throw parameter_error(where, name, j.dump(), "an integer from 0 to " + std::to_string(max));
  return j.get<std::uint64_t>();
}

std::vector<index_t> indices(const json& j, const std::string& where, const std::string& name) {
  std::vector<index_t> out;
  for (std::size_t k = 0; k < list(j, where, name).size(); ++k)
    out.push_back(static_cast<index_t>(whole_number(j[k], 0xFFFFFFFFu, where, name + "[" + std::to_string(k) + "]")));
  return out;
}

namespace {

// Where the parser is, for naming a repeated key: one frame per open object or array.
struct open_container {
  bool array = false;
  std::set<std::string> keys;  // an object's keys so far
  std::string key;             // an object's key being read
  std::size_t index = 0;       // an array's element being read
};

std::string path_of(const std::vector<open_container>& open) {
  std::string path;
  for (std::size_t k = 0; k + 1 < open.size(); ++k)
    path += open[k].array ? "[" + std::to_string(open[k].index) + "]" : (path.empty() ? "" : ".") + open[k].key;
  return path.empty() ? "the top level" : path;
}

}  // namespace

json parse_text(const std::string& text, const std::string& what) {
  // nlohmann keeps the last of repeated keys; a spec that sets "tau" twice would run with one of them silently.
  std::vector<open_container> open;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth > max_json_depth)
          throw spec_error(what + ": nested deeper than " + std::to_string(max_json_depth) +
                           " levels of [...] and {...}");
        open.push_back({event == json::parse_event_t::array_start, {}, {}, 0});
        break;
      case json::parse_event_t::key: {
        auto& o = open.back();
        o.key = parsed.get<std::string>();
        if (!o.keys.insert(o.key).second)
          throw spec_error(what + ": key '" + o.key + "' appears twice in " + path_of(open) +
                           " (JSON keeps only one of them)");
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        open.pop_back();
        if (!open.empty() && open.back().array) ++open.back().index;
        break;
      case json::parse_event_t::value:
        if (!open.empty() && open.back().array) ++open.back().index;
        break;
    }
    return true;
  };
  try {
    return json::parse(text, check);
  } catch (const json::parse_error& e) {
    throw spec_error(what + ": malformed JSON: " + e.what());
  }
}

double quantity(const json& j, units::dimension expected, const std::string& where, const std::string& name) {
  const auto q = parse_any(j, where, name);
  if (!(q.dim == expected)) {
    if (j.is_number())
      throw parameter_error(where, name, j.dump(), units::describe_dimension(expected) + "; units are mandatory");
    throw parameter_error(where, name, j.get<std::string>(), units::describe_dimension(expected));
  }
  return q.value;
}

namespace {

// A later part of a value (a list's item, a distribution's std/low/high) in the unit of its first part `first`.
double same_unit(const json& j, units::dimension dim, const std::string& where, const std::string& name,
                 const std::string& first) {
  const auto q = parse_any(j, where, name);  // a wrong type or an unreadable quantity: named there
  if (q.dim == dim) return q.value;
  throw parameter_error(where, name, j.is_string() ? j.get<std::string>() : j.dump(),
                        units::describe_dimension(dim) + ", the unit of " + first +
                            (j.is_number() ? "; units are mandatory" : ""));
}

}  // namespace

quantity_value value(const json& j, const std::string& where, const std::string& name,
                     const units::dimension* expected) {
  quantity_value v;
  // the first part decides the dimension: checked against `expected` under its own name
  auto first = [&](const json& part, const std::string& part_name) {
    const auto q = parse_any(part, where, part_name);
    if (expected && !(q.dim == *expected)) (void)quantity(part, *expected, where, part_name);  // throws, named
    return q;
  };
  if (j.is_array()) {
    if (j.empty()) throw parameter_error(where, name, "[]", "a non-empty list");
    v.dim = first(j[0], name + "[0]").dim;
    for (std::size_t k = 0; k < j.size(); ++k)
      v.per_item.push_back(same_unit(j[k], v.dim, where, name + "[" + std::to_string(k) + "]", name + "[0]"));
    return v;
  }
  if (j.is_object()) {
    const std::string kind = text(member(j, "distribution", where + " " + name), where, name + ".distribution");
    auto allow = [&](std::initializer_list<const char*> keys) {
      for (const auto& item : j.items()) {
        bool known = false;
        std::string names;
        for (const char* k : keys) {
          known = known || item.key() == k;
          names += (names.empty() ? "" : ", ") + std::string(k);
        }
        if (!known)
          throw parameter_error(where, name + "." + item.key(), item.value().dump(),
                                "a field of a " + kind + " distribution: " + names);
      }
    };
    auto q = [&](const char* key) { return first(member(j, key, where + " " + name), name + "." + key); };
    auto later = [&](const json& part, const char* key, const char* first_key) {
      return same_unit(part, v.dim, where, name + "." + key, name + "." + first_key);
    };
    auto& d = v.dist;
    if (kind == "normal") {
      allow({"distribution", "mean", "std", "low", "high"});
      const auto mean = q("mean");
      v.dim = mean.dim;
      d.type = value_distribution::kind::normal;
      d.a = mean.value;
      d.b = later(member(j, "std", where + " " + name), "std", "mean");
      if (j.contains("low")) d.low = later(j.at("low"), "low", "mean");
      if (j.contains("high")) d.high = later(j.at("high"), "high", "mean");
    } else if (kind == "uniform") {
      allow({"distribution", "low", "high"});
      const auto low = q("low");
      v.dim = low.dim;
      d.type = value_distribution::kind::uniform;
      d.a = low.value;
      d.b = later(member(j, "high", where + " " + name), "high", "low");
    } else if (kind == "constant") {
      allow({"distribution", "value"});
      const auto c = q("value");
      v.dim = c.dim;
      d.a = c.value;
    } else {
      throw parameter_error(where, name + ".distribution", "'" + kind + "'", "one of normal, uniform, constant");
    }
    validate(d, where + " " + name);
    return v;
  }
  const auto q = first(j, name);
  v.dim = q.dim;
  v.dist.a = q.value;
  return v;
}

quantity_value value_of(const json& j, units::dimension expected, const std::string& where, const std::string& name) {
  return value(j, where, name, &expected);
}

std::vector<double> per_neuron(const quantity_value& v, std::size_t n, std::uint64_t seed, std::uint32_t tag,
                               std::uint32_t stream, const std::string& where, const std::string& name) {
  if (!v.per_item.empty()) {
    if (v.per_item.size() != n)
      throw parameter_error(where, name, std::to_string(v.per_item.size()) + " values",
                            std::to_string(n) + " values, one per neuron");
    return v.per_item;
  }
  std::vector<double> out(n, v.dist.a);
  if (v.dist.is_constant()) return out;
  for (std::size_t i = 0; i < n; ++i) {
    rng::random_stream r(seed, tag, static_cast<std::uint32_t>(i), stream);
    out[i] = draw_value(v.dist, r, where + " " + name);
  }
  return out;
}

}  // namespace volley::spec
