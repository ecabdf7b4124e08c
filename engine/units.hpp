#pragma once
// Compile-time checked physical quantities.
//
// Internal unit system (every quantity is lowered into it once, at the API boundary):
//   time ms, voltage mV, current pA, length um, concentration mM
//   => conductance nS (pA/mV), capacitance pF (pA*ms/mV), resistance GOhm (mV/pA), rate 1/ms (kHz),
//      charge fC (pA*ms).
// A quantity's dimension is a vector of exponents over (time, voltage, current, length, concentration).
// Adding quantities of different dimensions, or passing one where another is expected, does not compile.
#include <cmath>

namespace volley::units {

struct dimension {
  int time = 0, voltage = 0, current = 0, length = 0, concentration = 0;
  constexpr bool operator==(const dimension&) const = default;
  constexpr dimension operator+(const dimension& o) const {
    return {time + o.time, voltage + o.voltage, current + o.current, length + o.length,
            concentration + o.concentration};
  }
  constexpr dimension operator-(const dimension& o) const {
    return {time - o.time, voltage - o.voltage, current - o.current, length - o.length,
            concentration - o.concentration};
  }
};

namespace dims {
inline constexpr dimension none{};
inline constexpr dimension time{1, 0, 0, 0, 0};
inline constexpr dimension voltage{0, 1, 0, 0, 0};
inline constexpr dimension current{0, 0, 1, 0, 0};
inline constexpr dimension length{0, 0, 0, 1, 0};
inline constexpr dimension concentration{0, 0, 0, 0, 1};
inline constexpr dimension conductance = current - voltage;
inline constexpr dimension capacitance = current + time - voltage;
inline constexpr dimension resistance = voltage - current;
inline constexpr dimension rate = none - time;
inline constexpr dimension charge = current + time;
}  // namespace dims

// A value in internal units carrying its dimension in the type.
template <dimension D>
struct quantity {
  double value = 0.0;  // in internal units (see header comment)
  static constexpr dimension dim = D;

  constexpr quantity() = default;
  constexpr explicit quantity(double v) : value(v) {}

  constexpr quantity operator-() const { return quantity(-value); }
  constexpr quantity operator+(quantity o) const { return quantity(value + o.value); }
  constexpr quantity operator-(quantity o) const { return quantity(value - o.value); }
  constexpr quantity& operator+=(quantity o) { value += o.value; return *this; }
  constexpr quantity& operator-=(quantity o) { value -= o.value; return *this; }
  constexpr quantity operator*(double s) const { return quantity(value * s); }
  constexpr quantity operator/(double s) const { return quantity(value / s); }
  friend constexpr quantity operator*(double s, quantity q) { return quantity(s * q.value); }
  constexpr auto operator<=>(const quantity&) const = default;
};

template <dimension A, dimension B>
constexpr quantity<A + B> operator*(quantity<A> a, quantity<B> b) { return quantity<A + B>(a.value * b.value); }
template <dimension A, dimension B>
constexpr quantity<A - B> operator/(quantity<A> a, quantity<B> b) { return quantity<A - B>(a.value / b.value); }
template <dimension B>
constexpr quantity<dims::none - B> operator/(double s, quantity<B> b) { return quantity<dims::none - B>(s / b.value); }

using time_q = quantity<dims::time>;
using voltage_q = quantity<dims::voltage>;
using current_q = quantity<dims::current>;
using conductance_q = quantity<dims::conductance>;
using capacitance_q = quantity<dims::capacitance>;
using resistance_q = quantity<dims::resistance>;
using rate_q = quantity<dims::rate>;
using concentration_q = quantity<dims::concentration>;
using length_q = quantity<dims::length>;
using dimensionless_q = quantity<dims::none>;

// Human-readable name of the internal unit of a dimension ("ms", "mV", "nS", "1/ms", ...).
const char* internal_unit_name(dimension d);

namespace literals {
#define VOLLEY_UNIT_LITERAL(suffix, type, scale)                                                      \
  constexpr type operator""_##suffix(long double v) { return type(static_cast<double>(v) * (scale)); } \
  constexpr type operator""_##suffix(unsigned long long v) { return type(static_cast<double>(v) * (scale)); }
VOLLEY_UNIT_LITERAL(us, time_q, 1e-3)
VOLLEY_UNIT_LITERAL(ms, time_q, 1.0)
VOLLEY_UNIT_LITERAL(s, time_q, 1e3)
VOLLEY_UNIT_LITERAL(uV, voltage_q, 1e-3)
VOLLEY_UNIT_LITERAL(mV, voltage_q, 1.0)
VOLLEY_UNIT_LITERAL(V, voltage_q, 1e3)
VOLLEY_UNIT_LITERAL(fA, current_q, 1e-3)
VOLLEY_UNIT_LITERAL(pA, current_q, 1.0)
VOLLEY_UNIT_LITERAL(nA, current_q, 1e3)
VOLLEY_UNIT_LITERAL(uA, current_q, 1e6)
VOLLEY_UNIT_LITERAL(mA, current_q, 1e9)
VOLLEY_UNIT_LITERAL(A, current_q, 1e12)
VOLLEY_UNIT_LITERAL(pS, conductance_q, 1e-3)
VOLLEY_UNIT_LITERAL(nS, conductance_q, 1.0)
VOLLEY_UNIT_LITERAL(uS, conductance_q, 1e3)
VOLLEY_UNIT_LITERAL(mS, conductance_q, 1e6)
VOLLEY_UNIT_LITERAL(S, conductance_q, 1e9)
VOLLEY_UNIT_LITERAL(pF, capacitance_q, 1.0)
VOLLEY_UNIT_LITERAL(nF, capacitance_q, 1e3)
VOLLEY_UNIT_LITERAL(uF, capacitance_q, 1e6)
VOLLEY_UNIT_LITERAL(ohm, resistance_q, 1e-9)
VOLLEY_UNIT_LITERAL(kohm, resistance_q, 1e-6)
VOLLEY_UNIT_LITERAL(Mohm, resistance_q, 1e-3)
VOLLEY_UNIT_LITERAL(Gohm, resistance_q, 1.0)
VOLLEY_UNIT_LITERAL(Hz, rate_q, 1e-3)
VOLLEY_UNIT_LITERAL(kHz, rate_q, 1.0)
VOLLEY_UNIT_LITERAL(uM, concentration_q, 1e-3)
VOLLEY_UNIT_LITERAL(mM, concentration_q, 1.0)
VOLLEY_UNIT_LITERAL(um, length_q, 1.0)
VOLLEY_UNIT_LITERAL(mm, length_q, 1e3)
VOLLEY_UNIT_LITERAL(cm, length_q, 1e4)
#undef VOLLEY_UNIT_LITERAL
}  // namespace literals

}  // namespace volley::units
