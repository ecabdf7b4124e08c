// Names of internal units (the unit system is described in units.hpp).
#include "engine/units.hpp"

#include <array>
#include <map>
#include <mutex>
#include <string>

namespace volley::units {
namespace {

struct named_unit {
  dimension dim;
  const char* name;
};

// Dimensions whose internal unit has a name of its own.
constexpr std::array<named_unit, 11> named_units{{
    {dims::none, "1"},
    {dims::time, "ms"},
    {dims::voltage, "mV"},
    {dims::current, "pA"},
    {dims::conductance, "nS"},
    {dims::capacitance, "pF"},
    {dims::resistance, "GOhm"},
    {dims::rate, "1/ms"},
    {dims::charge, "fC"},
    {dims::length, "um"},
    {dims::concentration, "mM"},
}};

// Electrical units that lead a composed name when the rest is only length and concentration, so that densities
// read "nS/um^2" and "pF/um^2" rather than "pA/mV/um^2" and "pA*ms/mV/um^2".
constexpr std::array<named_unit, 4> leading_units{{
    {dims::conductance, "nS"},
    {dims::capacitance, "pF"},
    {dims::resistance, "GOhm"},
    {dims::charge, "fC"},
}};

// Composes a name from base units: numerator factors joined by '*', then one "/unit^k" per negative exponent.
// '/' divides only the next unit, as in parse_quantity, so "1 " + name parses back to 1 of dimension d.
std::string compose_name(const dimension& d) {
  std::string numerator;
  dimension rest = d;
  const dimension electrical{d.time, d.voltage, d.current, 0, 0};
  for (const auto& unit : leading_units) {
    if (unit.dim == electrical) {
      numerator = unit.name;
      rest = dimension{0, 0, 0, d.length, d.concentration};
      break;
    }
  }
  const std::array<std::pair<int, const char*>, 5> factors{{{rest.time, "ms"},
                                                             {rest.voltage, "mV"},
                                                             {rest.current, "pA"},
                                                             {rest.length, "um"},
                                                             {rest.concentration, "mM"}}};
  std::string denominator;
  for (const auto& [exponent, name] : factors) {
    if (exponent == 0) continue;
    const int magnitude = exponent < 0 ? -exponent : exponent;
    std::string factor = name;
    if (magnitude != 1) factor += "^" + std::to_string(magnitude);
    if (exponent > 0) {
      numerator += (numerator.empty() ? "" : "*") + factor;
    } else {
      denominator += "/" + factor;
    }
  }
  return (numerator.empty() ? "1" : numerator) + denominator;
}

}  // namespace

const char* internal_unit_name(dimension d) {
  for (const auto& unit : named_units) {
    if (unit.dim == d) return unit.name;
  }
  // Composed names are interned: map nodes never move, so the returned pointer stays valid for the whole run.
  static std::mutex mutex;
  static std::map<std::array<int, 5>, std::string> interned;
  const std::lock_guard lock(mutex);
  auto [it, inserted] = interned.try_emplace({d.time, d.voltage, d.current, d.length, d.concentration});
  if (inserted) it->second = compose_name(d);
  return it->second.c_str();
}

}  // namespace volley::units
