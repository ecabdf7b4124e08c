#pragma once
// Reading quantities, distributions and per-item lists out of spec-file JSON. Units are mandatory.
#include <string>

#include <nlohmann/json.hpp>

#include "engine/network.hpp"
#include "engine/units.hpp"

namespace volley::spec {

using json = nlohmann::json;

// A single quantity of the expected dimension, e.g. "20 ms". Throws parameter_error naming where/name.
double quantity(const json& j, units::dimension expected, const std::string& where, const std::string& name);

// A value whose dimension the text decides ("6 nS", "-2 mV"): a constant, a distribution object
// {"distribution": "normal", "mean": ..., "std": ..., "low": ..., "high": ...} / {"distribution": "uniform",
// "low": ..., "high": ...}, or an explicit list. All parts must share one dimension: the first part's (mean, low,
// value, item 0), which must be `expected` where one is given; an error names the part that breaks it.
quantity_value value(const json& j, const std::string& where, const std::string& name,
                     const units::dimension* expected = nullptr);

// As value(), and the dimension must be `expected`.
quantity_value value_of(const json& j, units::dimension expected, const std::string& where, const std::string& name);

// Draws `n` values (one per neuron) from a quantity_value; a list must have exactly n entries.
std::vector<double> per_neuron(const quantity_value& v, std::size_t n, std::uint64_t seed, std::uint32_t tag,
                               std::uint32_t stream, const std::string& where, const std::string& name);

// Required member of an object, with a clear error when missing.
const json& member(const json& j, const char* key, const std::string& where);

// Typed reads that name the parameter and the value when the JSON type is wrong (never a bare nlohmann message).
// `j` is the value itself; `name` is how the error calls it.
std::string text(const json& j, const std::string& where, const std::string& name);     // a string
bool flag(const json& j, const std::string& where, const std::string& name);            // true or false
const json& list(const json& j, const std::string& where, const std::string& name);     // an array
std::uint64_t whole_number(const json& j, std::uint64_t max, const std::string& where,  // an integer in [0, max]
                           const std::string& name);
std::vector<index_t> indices(const json& j, const std::string& where, const std::string& name);  // [0, 2^32) each

// Parses spec-file text. Nesting deeper than max_json_depth is refused (it would exhaust the stack of the
// recursive writers and readers later), and so is a key repeated within one object (JSON would keep one of them
// silently), naming the key and where it is; a malformed text throws spec_error naming `what`.
inline constexpr int max_json_depth = 64;
json parse_text(const std::string& text, const std::string& what);

}  // namespace volley::spec
