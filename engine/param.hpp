#pragma once
// Descriptors of model parameters and state variables: names, dimensions, admissible ranges.
// A model lists its parameters with a visitor (each_param) over a struct of typed quantities, so the C++ API is
// unit-checked at compile time and spec files are checked at run time against the same table.
#include <array>
#include <string>

#include "engine/units.hpp"

namespace volley {

enum class range_check { any, positive, non_negative, unit_interval };

inline bool in_range(double v, range_check r) {
  switch (r) {
    case range_check::positive: return v > 0.0;
    case range_check::non_negative: return v >= 0.0;
    case range_check::unit_interval: return v >= 0.0 && v <= 1.0;
    case range_check::any: return true;
  }
  return true;
}

inline const char* range_text(range_check r) {
  switch (r) {
    case range_check::positive: return "a positive value";
    case range_check::non_negative: return "a non-negative value";
    case range_check::unit_interval: return "a value in [0, 1]";
    case range_check::any: return "a finite value";
  }
  return "";
}

// One state variable of a model: its name (as users write it) and dimension.
struct state_field {
  const char* name;
  units::dimension dim;
  bool may_be_nan = false;  // NaN is one of the model's own values (e.g. "not set yet"), not a diverged state
};

// Options that are not physical quantities (reset mode, ...), given as strings in specs.
enum class reset_mode : int { hard = 0, soft = 1 };

}  // namespace volley
