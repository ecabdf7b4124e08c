#pragma once
// Typed exceptions. Every user-facing error names what was wrong, the offending value and what was expected.
#include <stdexcept>
#include <string>

namespace volley {

// Base of all errors caused by user input (spec files, API arguments). The CLI prints what() and exits with 2.
struct user_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A spec file that cannot be read or parsed, or has a structural problem.
struct spec_error : user_error {
  using user_error::user_error;
};

// A parameter with a wrong unit, missing value or value out of range.
struct parameter_error : user_error {
  parameter_error(const std::string& where, const std::string& parameter, const std::string& value,
                  const std::string& expected)
      : user_error(where + ": parameter '" + parameter + "' = " + value + ": expected " + expected),
        parameter_name(parameter) {}
  std::string parameter_name;
};

// A backend that was not compiled into this build was requested.
struct not_compiled_error : user_error {
  using user_error::user_error;
};

// A GPU backend was asked for explicitly, is compiled in, but no device answers (no GPU, driver too old).
struct device_unavailable_error : user_error {
  using user_error::user_error;
};

// Resources (memory) insufficient for the requested network.
struct resource_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A GPU runtime call failed; the message names the call, the source file and line, and the runtime's error.
struct device_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The simulated state became non-finite (inf or NaN): the model diverged, e.g. with too large a dt or an input too
// strong for the integration; the message names population, model, variable, neuron and time.
struct numerical_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A broken invariant inside volley: a bug, never the user's fault.
struct internal_error : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace volley
