// Reader for quantities written in spec files; the grammar is in unit_parse.hpp.
#include "engine/unit_parse.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "engine/error.hpp"

namespace volley::units {
namespace {

// Every scale in this file is a power of ten, so scales are summed as integer decimal exponents and applied once
// at the end: "0.6 nS" stays exactly 0.6 and "100 Mohm" is 100 / 1e3, correctly rounded.
struct base_unit {
  std::string_view symbol;
  dimension dim;
  int decimal_exponent;  // 1 symbol = 10^decimal_exponent internal units of dim
};
constexpr std::array<base_unit, 13> base_units{{
    {"s", dims::time, 3},             // 1 s = 1e3 ms
    {"V", dims::voltage, 3},          // 1 V = 1e3 mV
    {"A", dims::current, 12},         // 1 A = 1e12 pA
    {"S", dims::conductance, 9},      // 1 S = 1e9 nS
    {"F", dims::capacitance, 12},     // 1 F = 1e12 pF
    {"C", dims::charge, 15},          // 1 C = 1e15 fC
    {"ohm", dims::resistance, -9},    // 1 ohm = 1e-9 GOhm
    {"Ohm", dims::resistance, -9},
    {"\u03A9", dims::resistance, -9},  // GREEK CAPITAL LETTER OMEGA
    {"\u2126", dims::resistance, -9},  // OHM SIGN, which some editors produce for the same glyph
    {"Hz", dims::rate, -3},           // 1 Hz = 1e-3 /ms
    {"M", dims::concentration, 3},    // 1 M = 1 mol/l = 1e3 mM
    {"m", dims::length, 6},           // 1 m = 1e6 um
}};

struct si_prefix {
  std::string_view symbol;
  int decimal_exponent;
};
constexpr std::array<si_prefix, 12> prefixes{{
    {"f", -15},
    {"p", -12},
    {"n", -9},
    {"u", -6},
    {"\u00B5", -6},  // MICRO SIGN
    {"\u03BC", -6},  // GREEK SMALL LETTER MU
    {"m", -3},
    {"c", -2},
    {"k", 3},
    {"M", 6},
    {"G", 9},
}};

constexpr std::string_view known_units =
    " (known units: s, V, A, S, F, C, ohm or \u03A9, Hz, M (molar), m (metre), with prefixes f p n u \u00B5 m c k M G)";

constexpr int max_exponent = 99;         // on one atom, as in "cm^2"
constexpr int max_dimension_power = 999;  // on the whole unit; keeps the int arithmetic far from overflow

struct atom {
  dimension dim;
  int decimal_exponent;
};

std::optional<atom> find_base(std::string_view symbol) {
  for (const auto& base : base_units) {
    if (base.symbol == symbol) return atom{base.dim, base.decimal_exponent};
  }
  return std::nullopt;
}

// The whole symbol as a base unit first ("m", "M"), then prefix + base unit ("mm", "mM", "MOhm"). A prefix is one
// code point, so there is at most one way to split a symbol.
std::optional<atom> resolve_atom(std::string_view symbol) {
  if (auto whole = find_base(symbol)) return whole;
  for (const auto& prefix : prefixes) {
    if (symbol.size() <= prefix.symbol.size() || !symbol.starts_with(prefix.symbol)) continue;
    if (auto base = find_base(symbol.substr(prefix.symbol.size()))) {
      return atom{base->dim, base->decimal_exponent + prefix.decimal_exponent};
    }
  }
  return std::nullopt;
}

dimension power(const dimension& d, int k) {
  return {d.time * k, d.voltage * k, d.current * k, d.length * k, d.concentration * k};
}

bool too_large(const dimension& d) {
  for (int e : {d.time, d.voltage, d.current, d.length, d.concentration}) {
    if (e > max_dimension_power || e < -max_dimension_power) return true;
  }
  return false;
}

// v * 10^k. Up to 10^22 the power is exact in a double, so the result is correctly rounded.
double scale_by_power_of_ten(double v, long long k) {
  static constexpr std::array<double, 23> exact{1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (v == 0.0) return v;
  if (k >= 0 && k < static_cast<long long>(exact.size())) return v * exact[static_cast<std::size_t>(k)];
  if (k < 0 && -k < static_cast<long long>(exact.size())) return v / exact[static_cast<std::size_t>(-k)];
  return k > 0 ? v * std::pow(10.0, static_cast<double>(k)) : v / std::pow(10.0, static_cast<double>(-k));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Letters and every byte of a multi-byte UTF-8 character (µ, Ω) may form a unit symbol.
bool is_symbol_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
}

// Length of the whitespace character that `s` starts with, 0 if none. No-break and thin spaces count: they are
// what "20 ms" becomes when copied out of a typeset paper.
std::size_t space_length(std::string_view s) {
  if (s.empty()) return 0;
  if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == '\f' || s[0] == '\v') return 1;
  for (std::string_view space : {"\u00A0", "\u2009", "\u202F"}) {
    if (s.starts_with(space)) return space.size();
  }
  return 0;
}

class reader {
 public:
  explicit reader(std::string_view text) : text_(text) {}

  // Reads the whole text into `out`; returns what is wrong with it, or an empty string.
  std::string read(parsed_quantity& out) {
    skip_space();
    if (at_end()) return "the text is empty";
    double number = 0.0;
    if (auto problem = read_number(number); !problem.empty()) return problem;

    dimension dim{};
    long long decimal_exponent = 0;
    enum class pending_op { none, multiply, divide } pending = pending_op::none;
    bool after_atom = false;
    while (true) {
      skip_space();
      if (at_end()) break;
      const char c = peek();
      if (c == '*' || c == '/') {
        if (pending != pending_op::none) return quote_op(pending == pending_op::divide) + " must be followed by a unit";
        if (c == '*' && !after_atom) return "'*' must stand between two units";
        pending = c == '*' ? pending_op::multiply : pending_op::divide;
        ++pos_;
        continue;
      }
      if (c == '^') return "'^' must follow a unit, as in 'cm^2'";
      if (c == '(' || c == ')') return "parentheses are not supported; write 1/(ms*mM) as '/ms/mM'";

      atom factor{};
      std::string_view symbol;
      if (is_digit(c)) {
        symbol = take_while([](char d) { return is_digit(d) || d == '.'; });
        if (symbol != "1") {
          return "unexpected number '" + std::string(symbol) + "' in the unit (exponents are written with '^', " +
                 "as in 'cm^2')";
        }
        factor = atom{dims::none, 0};
      } else if (is_symbol_byte(c)) {
        symbol = take_symbol();
        auto resolved = resolve_atom(symbol);
        if (!resolved) return "unknown unit '" + std::string(symbol) + "'" + std::string(known_units);
        factor = *resolved;
      } else {
        return "unexpected character '" + std::string(1, c) + "'";
      }

      int exponent = 1;
      if (auto problem = read_exponent(symbol, exponent); !problem.empty()) return problem;
      if (pending == pending_op::divide) exponent = -exponent;
      dim = dim + power(factor.dim, exponent);
      decimal_exponent += static_cast<long long>(factor.decimal_exponent) * exponent;
      if (too_large(dim)) return "the unit's exponents are too large";
      pending = pending_op::none;
      after_atom = true;
    }
    if (pending != pending_op::none) {
      return quote_op(pending == pending_op::divide) + " at the end is not followed by a unit";
    }

    const double value = scale_by_power_of_ten(number, decimal_exponent);
    if (!std::isfinite(value) || (value == 0.0 && number != 0.0)) {
      return std::string("the value is out of range in internal units (") + internal_unit_name(dim) + ")";
    }
    out = parsed_quantity{value, dim};
    return {};
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  std::string_view rest() const { return text_.substr(pos_); }
  void skip_space() {
    while (std::size_t n = space_length(rest())) pos_ += n;
  }
  template <class Pred>
  std::string_view take_while(Pred pred) {
    const std::size_t start = pos_;
    while (!at_end() && pred(peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  std::string_view take_symbol() {
    const std::size_t start = pos_;
    while (!at_end() && is_symbol_byte(peek()) && space_length(rest()) == 0) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  static std::string quote_op(bool divide) { return divide ? "'/'" : "'*'"; }

  std::string read_number(double& number) {
    std::string_view digits = rest();
    const bool plus = digits.starts_with('+');  // from_chars takes '-' but not '+'
    if (plus) digits.remove_prefix(1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (ec == std::errc::invalid_argument || (plus && digits.starts_with('-'))) {
      return "it does not start with a number";
    }
    if (ec == std::errc::result_out_of_range) return "the number is out of range";
    if (!std::isfinite(number)) return "the value is not finite (nan and inf are never accepted)";
    pos_ = static_cast<std::size_t>(end - text_.data());
    return {};
  }

  // An optional "^k" after `symbol`, k an integer that may carry a sign.
  std::string read_exponent(std::string_view symbol, int& exponent) {
    skip_space();
    if (at_end() || peek() != '^') return {};
    ++pos_;
    skip_space();
    std::string_view digits = take_while([](char d) { return is_digit(d) || d == '+' || d == '-' || d == '.'; });
    const std::string shown(digits);
    if (digits.starts_with('+')) digits.remove_prefix(1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exponent);
    if (shown.empty()) return "'^' after '" + std::string(symbol) + "' must be followed by an integer exponent";
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.starts_with('+')) {
      return "the exponent '" + shown + "' after '" + std::string(symbol) + "' is not an integer";
    }
    if (exponent > max_exponent || exponent < -max_exponent) return "the exponent '" + shown + "' is too large";
    return {};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

struct dimension_phrase {
  dimension dim;
  const char* noun;
  const char* example;
};
constexpr std::array<dimension_phrase, 11> phrases{{
    {dims::none, "a dimensionless number", "0.5"},
    {dims::time, "a time", "20 ms"},
    {dims::voltage, "a voltage", "-65 mV"},
    {dims::current, "a current", "200 pA"},
    {dims::conductance, "a conductance", "6 nS"},
    {dims::capacitance, "a capacitance", "250 pF"},
    {dims::resistance, "a resistance", "100 Mohm"},
    {dims::rate, "a rate", "8 Hz"},
    {dims::charge, "a charge", "5 pC"},
    {dims::concentration, "a concentration", "2 mM"},
    {dims::length, "a length", "20 um"},
}};

const dimension_phrase* find_phrase(const dimension& d) {
  for (const auto& phrase : phrases) {
    if (phrase.dim == d) return &phrase;
  }
  return nullptr;
}

// "a voltage"; "a quantity in mV^2/ms" for dimensions without a name.
std::string noun_of(const dimension& d) {
  if (const auto* phrase = find_phrase(d)) return phrase->noun;
  return std::string("a quantity in ") + internal_unit_name(d);
}

}  // namespace

namespace {

// The message quotes the text: a control character (a NUL would end what() there) is written as \xNN.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

parsed_quantity parse_quantity(std::string_view text) {
  parsed_quantity result{};
  if (auto problem = reader(text).read(result); !problem.empty()) {
    throw std::invalid_argument(printable("cannot read the quantity '" + std::string(text) + "': " + problem));
  }
  return result;
}

std::string describe_dimension(dimension d) {
  if (const auto* phrase = find_phrase(d)) return std::string(phrase->noun) + " (e.g. '" + phrase->example + "')";
  return noun_of(d);
}

double parse_in_internal_units(std::string_view text, dimension expected, const std::string& where,
                               const std::string& parameter) {
  parsed_quantity result{};
  std::string problem = reader(text).read(result);
  if (!problem.empty()) {
    problem = "; " + problem;
  } else if (result.dim != expected) {
    problem = result.dim == dims::none ? "; the unit is missing" : ", got " + noun_of(result.dim);
  } else {
    return result.value;
  }
  throw parameter_error(where, parameter, text.empty() ? std::string("''") : std::string(text),
                        describe_dimension(expected) + problem);
}

}  // namespace volley::units
