// Compile-time quantities (units.hpp), internal unit names and the spec-file quantity reader (unit_parse.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "engine/error.hpp"
#include "engine/unit_parse.hpp"
#include "engine/units.hpp"

namespace volley::units::test_units {  // its own namespace: the tests compile in unity batches
namespace {

using namespace literals;

// ---- compile-time checks -------------------------------------------------------------------------------------
// A requires-expression outside a template is ill-formed (not false) when its expression is invalid, so the
// "does not compile" checks go through concepts.
template <class A, class B>
concept addable = requires(A a, B b) { a + b; };
template <class A, class B>
concept subtractable = requires(A a, B b) { a - b; };
template <class A, class B>
concept comparable = requires(A a, B b) { a < b; };
template <class A, class B>
concept add_assignable = requires(A a, B b) { a += b; };

static_assert(std::is_same_v<decltype(conductance_q{} * voltage_q{}), current_q>);
static_assert(std::is_same_v<decltype(capacitance_q{} / conductance_q{}), time_q>);
static_assert(std::is_same_v<decltype(resistance_q{} * current_q{}), voltage_q>);
static_assert(std::is_same_v<decltype(1.0 / time_q{}), rate_q>);
static_assert(std::is_same_v<decltype(current_q{} * time_q{}), quantity<dims::charge>>);
static_assert(std::is_same_v<decltype(time_q{} / time_q{}), dimensionless_q>);

static_assert(!addable<time_q, voltage_q>);
static_assert(!subtractable<time_q, voltage_q>);
static_assert(!comparable<time_q, voltage_q>);
static_assert(!add_assignable<time_q, voltage_q>);
static_assert(!addable<time_q, double>);
static_assert(!addable<double, time_q>);
static_assert(addable<time_q, time_q>);
static_assert(comparable<time_q, time_q>);

static_assert(!std::is_convertible_v<voltage_q, time_q>);
static_assert(!std::is_constructible_v<time_q, voltage_q>);
static_assert(!std::is_assignable_v<time_q&, voltage_q>);
static_assert(!std::is_convertible_v<double, time_q>);    // a bare number is never silently a time
static_assert(!std::is_assignable_v<time_q&, double>);
static_assert(std::is_constructible_v<time_q, double>);    // ... but can be made one explicitly
static_assert(!std::is_convertible_v<time_q, double>);
static_assert(!std::is_convertible_v<dimensionless_q, time_q>);

// The literals are constexpr.
static_assert((20.0_ms).value == 20.0);
static_assert((1_s).value == 1000.0);

TEST(unit_literals, scale_into_internal_units) {
  EXPECT_EQ((20.0_ms).value, 20.0);
  EXPECT_EQ((1.0_s).value, 1000.0);
  EXPECT_EQ((1_s).value, 1000.0);
  EXPECT_DOUBLE_EQ((250_us).value, 0.25);
  EXPECT_EQ((1_nA).value, (1000_pA).value);
  EXPECT_EQ((1_nA).value, 1000.0);
  EXPECT_DOUBLE_EQ((100_Mohm).value, 0.1);
  EXPECT_DOUBLE_EQ((100_Mohm).value, (0.1_Gohm).value);
  EXPECT_DOUBLE_EQ((8_Hz).value, 0.008);
  EXPECT_EQ((-65.0_mV).value, -65.0);
  EXPECT_EQ((1_V).value, 1000.0);
  EXPECT_EQ((6_nS).value, 6.0);
  EXPECT_EQ((1_uS).value, 1000.0);
  EXPECT_EQ((1_nF).value, 1000.0);
  EXPECT_EQ((2_mm).value, 2000.0);
  EXPECT_DOUBLE_EQ((5_uM).value, 0.005);
}

TEST(unit_literals, arithmetic_keeps_internal_units_consistent) {
  const current_q i = 6.0_nS * -65.0_mV;  // nS * mV = pA
  EXPECT_DOUBLE_EQ(i.value, -390.0);
  const time_q tau = 250.0_pF / 25.0_nS;  // pF / nS = ms
  EXPECT_DOUBLE_EQ(tau.value, 10.0);
  const voltage_q v = 100.0_Mohm * 200.0_pA;  // GOhm * pA = mV
  EXPECT_DOUBLE_EQ(v.value, 20.0);
  const rate_q r = 1.0 / 20.0_ms;
  EXPECT_DOUBLE_EQ(r.value, 0.05);
  EXPECT_LT(19.0_ms, 20.0_ms);
  EXPECT_EQ(1.0_s, 1000.0_ms);
  EXPECT_EQ((2.0 * 3.0_ms).value, 6.0);
  EXPECT_EQ((3.0_ms * 2.0).value, 6.0);
  EXPECT_EQ((-3.0_ms).value, -3.0);
}

// ---- internal_unit_name --------------------------------------------------------------------------------------
TEST(internal_unit_name, names_the_internal_units) {
  EXPECT_STREQ(internal_unit_name(dims::none), "1");
  EXPECT_STREQ(internal_unit_name(dims::time), "ms");
  EXPECT_STREQ(internal_unit_name(dims::voltage), "mV");
  EXPECT_STREQ(internal_unit_name(dims::current), "pA");
  EXPECT_STREQ(internal_unit_name(dims::conductance), "nS");
  EXPECT_STREQ(internal_unit_name(dims::capacitance), "pF");
  EXPECT_STREQ(internal_unit_name(dims::resistance), "GOhm");
  EXPECT_STREQ(internal_unit_name(dims::rate), "1/ms");
  EXPECT_STREQ(internal_unit_name(dims::charge), "fC");
  EXPECT_STREQ(internal_unit_name(dims::length), "um");
  EXPECT_STREQ(internal_unit_name(dims::concentration), "mM");
}

TEST(internal_unit_name, composes_other_dimensions) {
  EXPECT_STREQ(internal_unit_name(dims::voltage + dims::voltage - dims::time), "mV^2/ms");
  EXPECT_STREQ(internal_unit_name(dims::none - dims::time - dims::time), "1/ms^2");
  EXPECT_STREQ(internal_unit_name(dims::rate - dims::concentration), "1/ms/mM");
  EXPECT_STREQ(internal_unit_name(dims::conductance - dims::length - dims::length), "nS/um^2");
  EXPECT_STREQ(internal_unit_name(dims::capacitance - dims::length - dims::length), "pF/um^2");
  EXPECT_STREQ(internal_unit_name(dims::length + dims::length), "um^2");
  EXPECT_STREQ(internal_unit_name(dims::voltage + dims::current), "mV*pA");
  EXPECT_STREQ(internal_unit_name(dims::voltage - dims::time), "mV/ms");
}

TEST(internal_unit_name, composed_name_is_stable_and_reads_back) {
  // Every dimension with exponents in [-2, 2]: "1 <name>" must parse to exactly 1 of that dimension.
  std::set<std::string> names;
  for (int t = -2; t <= 2; ++t)
    for (int v = -2; v <= 2; ++v)
      for (int i = -2; i <= 2; ++i)
        for (int l = -2; l <= 2; ++l)
          for (int c = -2; c <= 2; ++c) {
            const dimension d{t, v, i, l, c};
            const char* name = internal_unit_name(d);
            ASSERT_EQ(name, internal_unit_name(d)) << "interned names keep their address";
            const auto parsed = parse_quantity(std::string("1 ") + name);
            EXPECT_EQ(parsed.value, 1.0) << name;
            EXPECT_TRUE(parsed.dim == d) << name;
            names.insert(name);
          }
  EXPECT_EQ(names.size(), 5u * 5 * 5 * 5 * 5) << "distinct dimensions get distinct names";
}

TEST(internal_unit_name, is_safe_to_call_from_several_threads) {
  std::vector<std::thread> threads;
  std::vector<std::string> seen(8);
  for (std::size_t k = 0; k < seen.size(); ++k) {
    threads.emplace_back([&seen, k] {
      for (int n = 0; n < 200; ++n) {
        seen[k] = internal_unit_name(dimension{3 + n % 7, -2, 1, n % 5, -1});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& name : seen) EXPECT_EQ(name, seen.front());
  EXPECT_EQ(seen.front(), internal_unit_name(dimension{3 + 199 % 7, -2, 1, 199 % 5, -1}));
}

// ---- parse_quantity ------------------------------------------------------------------------------------------
void expect_quantity(const std::string& text, double value, dimension dim) {
  SCOPED_TRACE("text: \"" + text + "\"");
  const auto parsed = parse_quantity(text);
  EXPECT_DOUBLE_EQ(parsed.value, value);
  EXPECT_STREQ(internal_unit_name(parsed.dim), internal_unit_name(dim));
}

TEST(parse_quantity, reads_the_spec_file_examples) {
  const dimension conductance_density = dims::conductance - dims::length - dims::length;
  const dimension capacitance_density = dims::capacitance - dims::length - dims::length;
  const dimension binding_rate = dims::rate - dims::concentration;
  expect_quantity("20 ms", 20.0, dims::time);
  expect_quantity("-65mV", -65.0, dims::voltage);
  expect_quantity("0.6 nS", 0.6, dims::conductance);
  expect_quantity("1e-3 s", 1.0, dims::time);
  expect_quantity("8 Hz", 0.008, dims::rate);
  expect_quantity("100 Mohm", 0.1, dims::resistance);
  expect_quantity("100 MOhm", 0.1, dims::resistance);
  expect_quantity("100 M\u03A9", 0.1, dims::resistance);   // Greek capital omega
  expect_quantity("100 M\u2126", 0.1, dims::resistance);   // ohm sign
  expect_quantity("100 MΩ", 0.1, dims::resistance);
  expect_quantity("1.2 mM", 1.2, dims::concentration);
  expect_quantity("0.98 /ms/mM", 0.98, binding_rate);
  expect_quantity("0.98 ms^-1 mM^-1", 0.98, binding_rate);
  expect_quantity("0.98 /ms /mM", 0.98, binding_rate);
  expect_quantity("0.98 1/ms/mM", 0.98, binding_rate);
  expect_quantity("120 mS/cm^2", 1.2, conductance_density);  // 1 mS/cm^2 = 1e6 nS / 1e8 um^2
  expect_quantity("1 uF/cm^2", 0.01, capacitance_density);
  expect_quantity("1 µF/cm^2", 0.01, capacitance_density);
  expect_quantity("20000 um^2", 20000.0, dims::length + dims::length);
  expect_quantity("5", 5.0, dims::none);
  expect_quantity("5 1", 5.0, dims::none);
  expect_quantity("200 pA", 200.0, dims::current);
  expect_quantity("250 pF", 250.0, dims::capacitance);
  expect_quantity("5 pC", 5000.0, dims::charge);
}

TEST(parse_quantity, keeps_decimal_values_exact) {
  // Scales are powers of ten applied once, so these are exact, not merely close.
  EXPECT_EQ(parse_quantity("0.6 nS").value, 0.6);
  EXPECT_EQ(parse_quantity("0.1 ms").value, 0.1);
  EXPECT_EQ(parse_quantity("100 Mohm").value, 0.1);
  EXPECT_EQ(parse_quantity("0.3 mV").value, 0.3);
  EXPECT_EQ(parse_quantity("300 uV").value, 0.3);
}

TEST(parse_quantity, every_prefix) {
  struct prefix_case {
    const char* symbol;
    int decimal_exponent;
  };
  const prefix_case prefixes[] = {{"f", -15}, {"p", -12}, {"n", -9}, {"u", -6}, {"µ", -6}, {"\u03BC", -6},
                                  {"m", -3},  {"c", -2},  {"k", 3},  {"M", 6},  {"G", 9}};
  struct base_case {
    const char* symbol;
    dimension dim;
    int decimal_exponent;  // 1 symbol in internal units = 10^decimal_exponent
  };
  const base_case bases[] = {{"s", dims::time, 3},        {"V", dims::voltage, 3},      {"A", dims::current, 12},
                             {"S", dims::conductance, 9}, {"F", dims::capacitance, 12}, {"ohm", dims::resistance, -9},
                             {"Ohm", dims::resistance, -9}, {"Ω", dims::resistance, -9}, {"Hz", dims::rate, -3},
                             {"M", dims::concentration, 3}, {"m", dims::length, 6},      {"C", dims::charge, 15}};
  for (const auto& base : bases) {
    expect_quantity(std::string("3 ") + base.symbol, 3.0 * std::pow(10.0, base.decimal_exponent), base.dim);
    for (const auto& prefix : prefixes) {
      const std::string text = std::string("3 ") + prefix.symbol + base.symbol;
      expect_quantity(text, 3.0 * std::pow(10.0, base.decimal_exponent + prefix.decimal_exponent), base.dim);
    }
  }
}

TEST(parse_quantity, longest_match_of_the_whole_symbol_first) {
  expect_quantity("1 m", 1e6, dims::length);           // metre
  expect_quantity("1 M", 1e3, dims::concentration);    // molar
  expect_quantity("1 mm", 1e3, dims::length);          // millimetre
  expect_quantity("1 mM", 1.0, dims::concentration);   // millimolar
  expect_quantity("1 Mm", 1e12, dims::length);         // megametre
  expect_quantity("1 MM", 1e9, dims::concentration);   // megamolar
  expect_quantity("1 ms", 1.0, dims::time);            // millisecond
  expect_quantity("1 mS", 1e6, dims::conductance);     // millisiemens
  expect_quantity("1 Ms", 1e9, dims::time);            // megasecond
  expect_quantity("1 mohm", 1e-12, dims::resistance);  // milliohm
  expect_quantity("1 MOhm", 1e-3, dims::resistance);   // megaohm
  expect_quantity("1 cm", 1e4, dims::length);
  expect_quantity("1 kHz", 1.0, dims::rate);
}

TEST(parse_quantity, exponents_products_and_spacing) {
  expect_quantity("1 cm^2", 1e8, dims::length + dims::length);  // the prefix is inside the power
  expect_quantity("2 mm^-1", 2e-3, dims::none - dims::length);
  expect_quantity("2 ms^+2", 2.0, dims::time + dims::time);
  expect_quantity("2 ms ^ 2", 2.0, dims::time + dims::time);
  expect_quantity("2 mV*mV", 2.0, dims::voltage + dims::voltage);
  expect_quantity("2 mV mV", 2.0, dims::voltage + dims::voltage);
  expect_quantity("2 mV * mV / ms", 2.0, dims::voltage + dims::voltage - dims::time);
  expect_quantity("2 nS mV", 2.0, dims::current);
  expect_quantity("2 /ms^-1", 2.0, dims::time);  // '/' inverts the power that follows
  expect_quantity("2 /ms mV", 2.0, dims::voltage - dims::time);  // ... and divides only the next atom
  expect_quantity("2 mS/cm^2 um", 2e6 * 1e-8, dims::conductance - dims::length);
  expect_quantity("2 ms/s", 2e-3, dims::none);
  expect_quantity("  20ms  ", 20.0, dims::time);
  expect_quantity("20\tms", 20.0, dims::time);
  expect_quantity("20\u00A0ms", 20.0, dims::time);  // no-break space from a typeset document
  expect_quantity("+5 mV", 5.0, dims::voltage);
  expect_quantity(".5 ms", 0.5, dims::time);
  expect_quantity("5. ms", 5.0, dims::time);
  expect_quantity("1E3 ms", 1000.0, dims::time);
  expect_quantity("2e-3mV", 2e-3, dims::voltage);
  expect_quantity("5/ms", 5.0, dims::rate);
  expect_quantity("0 mV", 0.0, dims::voltage);
  expect_quantity("-0.0 mV", 0.0, dims::voltage);
}

// The message of the exception of type E that `f` throws; a test failure when it throws none.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception thrown";
  return {};
}

::testing::AssertionResult contains(const std::string& message, const std::string& part) {
  if (message.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << message << "\" does not contain \"" << part << "\"";
}

std::string parse_error(const std::string& text) {
  return message_of<std::invalid_argument>([&] { parse_quantity(text); });
}

TEST(parse_quantity, errors_name_the_text_and_the_problem) {
  EXPECT_TRUE(contains(parse_error(""), "empty"));
  EXPECT_TRUE(contains(parse_error("   "), "empty"));
  EXPECT_TRUE(contains(parse_error("ms"), "'ms'"));
  EXPECT_TRUE(contains(parse_error("ms"), "does not start with a number"));
  EXPECT_TRUE(contains(parse_error("20 parsecs"), "'20 parsecs'"));
  EXPECT_TRUE(contains(parse_error("20 parsecs"), "unknown unit 'parsecs'"));
  EXPECT_TRUE(contains(parse_error("20 mV mV/"), "'20 mV mV/'"));
  EXPECT_TRUE(contains(parse_error("20 mV mV/"), "'/' at the end"));
  EXPECT_TRUE(contains(parse_error("nan ms"), "not finite"));
  EXPECT_TRUE(contains(parse_error("NaN ms"), "not finite"));
  EXPECT_TRUE(contains(parse_error("inf mV"), "not finite"));
  EXPECT_TRUE(contains(parse_error("-inf mV"), "not finite"));
  EXPECT_TRUE(contains(parse_error("infinity"), "not finite"));
  EXPECT_TRUE(contains(parse_error("1e400 ms"), "out of range"));
  EXPECT_TRUE(contains(parse_error("1e300 Gs"), "out of range"));    // finite as written, not in ms
  EXPECT_TRUE(contains(parse_error("1e-300 fs^2"), "out of range"));  // underflows to zero
  EXPECT_TRUE(contains(parse_error("20 cm2"), "unexpected number '2'"));
  EXPECT_TRUE(contains(parse_error("20 ms^"), "integer exponent"));
  EXPECT_TRUE(contains(parse_error("20 ms^1.5"), "'1.5'"));
  EXPECT_TRUE(contains(parse_error("20 ms^x"), "integer exponent"));
  EXPECT_TRUE(contains(parse_error("20 ms^1000"), "too large"));
  EXPECT_TRUE(contains(parse_error("20 ^2"), "'^' must follow a unit"));
  EXPECT_TRUE(contains(parse_error("20 * ms"), "'*' must stand between two units"));
  EXPECT_TRUE(contains(parse_error("20 ms*/s"), "'*' must be followed by a unit"));
  EXPECT_TRUE(contains(parse_error("20 ms//s"), "'/' must be followed by a unit"));
  EXPECT_TRUE(contains(parse_error("20 ms*"), "'*' at the end"));
  EXPECT_TRUE(contains(parse_error("0.98 1/(ms*mM)"), "parentheses"));
  EXPECT_TRUE(contains(parse_error("20 ms,"), "unexpected character ','"));
  EXPECT_TRUE(contains(parse_error("- 5 mV"), "does not start with a number"));
  // a NUL in the text ended what() at the quote: the message said "cannot read the quantity '20"
  const std::string nul = parse_error(std::string("20\0 ms", 6));
  EXPECT_EQ(nul.find('\0'), std::string::npos);
  EXPECT_TRUE(contains(nul, "'20\\x00 ms'")) << nul;
  EXPECT_TRUE(contains(parse_error("20\x01ms\x7f"), "'20\\x01ms\\x7f'")) << parse_error("20\x01ms\x7f");
  EXPECT_TRUE(contains(parse_error("+-5 mV"), "does not start with a number"));
  EXPECT_TRUE(contains(parse_error("20 f"), "unknown unit 'f'"));    // a prefix alone is no unit
  EXPECT_TRUE(contains(parse_error("20 mms"), "unknown unit 'mms'"));  // one prefix per unit
  EXPECT_TRUE(contains(parse_error("20 MS/cm^2x"), "unknown unit"));
  EXPECT_TRUE(contains(parse_error("2 hours"), "known units:"));
}

// ---- describe_dimension and parse_in_internal_units ----------------------------------------------------------
TEST(describe_dimension, names_dimension_and_example) {
  EXPECT_EQ(describe_dimension(dims::time), "a time (e.g. '20 ms')");
  EXPECT_EQ(describe_dimension(dims::voltage), "a voltage (e.g. '-65 mV')");
  EXPECT_EQ(describe_dimension(dims::conductance), "a conductance (e.g. '6 nS')");
  EXPECT_EQ(describe_dimension(dims::rate), "a rate (e.g. '8 Hz')");
  EXPECT_EQ(describe_dimension(dims::none), "a dimensionless number (e.g. '0.5')");
  EXPECT_EQ(describe_dimension(dims::conductance - dims::length - dims::length), "a quantity in nS/um^2");
  EXPECT_EQ(describe_dimension(dims::voltage + dims::voltage - dims::time), "a quantity in mV^2/ms");
  // Every example reads back as its own dimension.
  for (dimension d : {dims::none, dims::time, dims::voltage, dims::current, dims::conductance, dims::capacitance,
                      dims::resistance, dims::rate, dims::charge, dims::concentration, dims::length}) {
    const std::string phrase = describe_dimension(d);
    const auto open = phrase.find("(e.g. '");
    ASSERT_NE(open, std::string::npos) << phrase;
    const auto example = phrase.substr(open + 7, phrase.size() - open - 7 - 2);
    EXPECT_TRUE(parse_quantity(example).dim == d) << phrase;
  }
}

TEST(parse_in_internal_units, returns_the_value_in_internal_units) {
  EXPECT_EQ(parse_in_internal_units("1 s", dims::time, "population 'E'", "tau"), 1000.0);
  EXPECT_DOUBLE_EQ(parse_in_internal_units("100 Mohm", dims::resistance, "population 'E'", "R"), 0.1);
  EXPECT_EQ(parse_in_internal_units("5", dims::none, "projection 'E->I'", "p"), 5.0);
  EXPECT_EQ(parse_in_internal_units("5 1", dims::none, "projection 'E->I'", "p"), 5.0);
  EXPECT_DOUBLE_EQ(parse_in_internal_units("5 ms/s", dims::none, "projection 'E->I'", "p"), 0.005);
}

std::string parameter_error_of(const std::string& text, dimension expected) {
  return message_of<parameter_error>([&] { parse_in_internal_units(text, expected, "population 'E'", "tau"); });
}

TEST(parse_in_internal_units, dimension_mismatch_names_parameter_text_and_expectation) {
  EXPECT_EQ(parameter_error_of("20 mV", dims::time),
            "population 'E': parameter 'tau' = 20 mV: expected a time (e.g. '20 ms'), got a voltage");
  EXPECT_EQ(parameter_error_of("20 ms", dims::none),
            "population 'E': parameter 'tau' = 20 ms: expected a dimensionless number (e.g. '0.5'), got a time");
  EXPECT_EQ(parameter_error_of("1 mV^2", dims::voltage),
            "population 'E': parameter 'tau' = 1 mV^2: expected a voltage (e.g. '-65 mV'), got a quantity in mV^2");
}

TEST(parse_in_internal_units, units_are_mandatory) {
  EXPECT_EQ(parameter_error_of("20", dims::time),
            "population 'E': parameter 'tau' = 20: expected a time (e.g. '20 ms'); the unit is missing");
  EXPECT_TRUE(contains(parameter_error_of("0.5", dims::conductance), "expected a conductance"));
}

TEST(parse_in_internal_units, unreadable_text_names_parameter_text_expectation_and_problem) {
  for (const char* text : {"", "ms", "20 parsecs", "20 mV mV/", "nan ms", "inf mV"}) {
    const std::string message = parameter_error_of(text, dims::time);
    SCOPED_TRACE(message);
    EXPECT_TRUE(contains(message, "population 'E': parameter 'tau' = "));
    EXPECT_TRUE(contains(message, std::string(text).empty() ? "''" : text));
    EXPECT_TRUE(contains(message, "expected a time (e.g. '20 ms'); "));
  }
  EXPECT_TRUE(contains(parameter_error_of("20 parsecs", dims::time), "unknown unit 'parsecs'"));
  EXPECT_TRUE(contains(parameter_error_of("nan ms", dims::time), "not finite"));
  EXPECT_TRUE(contains(parameter_error_of("", dims::time), "empty"));
}

TEST(parse_in_internal_units, throws_a_user_error_carrying_the_parameter_name) {
  try {
    parse_in_internal_units("20 mV", dims::time, "population 'E'", "tau");
    FAIL() << "no exception thrown";
  } catch (const parameter_error& e) {
    EXPECT_EQ(e.parameter_name, "tau");
  }
  EXPECT_THROW(parse_in_internal_units("nan ms", dims::time, "population 'E'", "tau"), user_error);
}

}  // namespace
}  // namespace volley::units::test_units
