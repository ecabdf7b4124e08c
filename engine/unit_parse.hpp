#pragma once
// Quantities written as text in spec files ("20 ms", "-65mV", "100 MΩ", "120 mS/cm^2"), lowered into internal
// units (units.hpp). Grammar, after optional whitespace:
//   number [unit expression]
//   number:          decimal floating point as strtod reads it without hex ("20", "-65", "1e-3", ".5", "+2");
//                    nan and inf are rejected.
//   unit expression: factors separated by spaces or '*'; a factor is ['/'] atom ['^' integer]. '/' divides only
//                    the atom that follows it ("/ms/mM" and "ms^-1 mM^-1" are the same unit). "1" is an atom
//                    too, so "1/ms" and "5 1" work. No parentheses.
//   atom:            [SI prefix] base unit. Base units: s, V, A, S, F, C, ohm = Ohm = Ω, Hz, M (molar),
//                    m (metre). Prefixes: f p n u µ m c k M G. The whole atom is looked up as a base unit
//                    first, so "m" is a metre, "M" molar, "mm" a millimetre, "mM" millimolar, "ms" a
//                    millisecond, "mS" a millisiemens, "MOhm" a megaohm; a prefix applies before the exponent
//                    ("cm^2" is a square centimetre).
#include <string>
#include <string_view>

#include "engine/units.hpp"

namespace volley::units {

struct parsed_quantity {
  double value;   // in internal units of dim (see units.hpp)
  dimension dim;
};

// Throws std::invalid_argument naming the text and what is wrong with it ("unknown unit 'xyz'", "no number", ...).
parsed_quantity parse_quantity(std::string_view text);

// "a time (e.g. '20 ms')", "a voltage (e.g. '-65 mV')", ..., "a dimensionless number (e.g. '0.5')";
// for dimensions without a name, "a quantity in <internal unit>" (e.g. "a quantity in nS/um^2").
std::string describe_dimension(dimension d);

// Parses `text` and checks that its dimension is `expected`; returns the value in internal units. A number
// without unit is accepted only when `expected` is dimensionless. Any problem throws volley::parameter_error whose
// message starts "<where>: parameter '<parameter>' = <text>: expected <describe_dimension(expected)>" and goes
// on with what is wrong, e.g. "population 'E': parameter 'tau' = 20 mV: expected a time (e.g. '20 ms'),
// got a voltage".
double parse_in_internal_units(std::string_view text, dimension expected, const std::string& where,
                               const std::string& parameter);

}  // namespace volley::units
