#pragma once
// Per-synapse values (weights, delays) drawn from a distribution, NEST-style: values outside [low, high] are redrawn.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/connectivity.hpp"
#include "engine/random.hpp"

namespace volley {

struct value_distribution {
  enum class kind { constant, normal, uniform, lognormal } type = kind::constant;
  // constant: a. normal: mean a, standard deviation b. uniform: [a, b). lognormal: mu a, sigma b of the logarithm.
  double a = 0.0, b = 0.0;
  double low = -std::numeric_limits<double>::infinity();  // values outside [low, high] are redrawn, at most 1000 times
  double high = std::numeric_limits<double>::infinity();
  bool is_constant() const { return type == kind::constant; }
};

inline constexpr int max_redraws = 1000;  // NEST's redraw limit

// One draw, ignoring the bounds. Host-device: the GPU connectivity builder draws weights and delays with it.
VOLLEY_HD inline double draw_unbounded(const value_distribution& d, rng::random_stream& r) {
  switch (d.type) {
    case value_distribution::kind::constant: return d.a;
    case value_distribution::kind::normal: return d.a + d.b * r.normal();
    case value_distribution::kind::uniform: return d.a + (d.b - d.a) * r.uniform();
    case value_distribution::kind::lognormal: return ::exp(d.a + d.b * r.normal());
  }
  return d.a;
}

// A draw inside [low, high], redrawn from the same stream while outside; false when max_redraws draws in a row
// fell outside (v then holds the last).
VOLLEY_HD inline bool draw_bounded(const value_distribution& d, rng::random_stream& r, double& v) {
  v = draw_unbounded(d, r);
  for (int tries = 1; v < d.low || v > d.high; ++tries) {
    if (tries == max_redraws) return false;
    v = draw_unbounded(d, r);
  }
  return true;
}

// Throws parameter_error (naming `where`) for non-finite a or b, b < 0 (normal, lognormal), b < a (uniform),
// low > high, or a constant outside [low, high].
void validate(const value_distribution& d, const std::string& where);

// One value per synapse of `csr`, in CSR order, drawn from streams keyed by (seed, make_tag(p, projection_id),
// source row, 0): deterministic and independent of the threads. Validates first; throws user_error (naming `where`)
// when 1000 draws in a row fall outside [low, high].
std::vector<double> sample_per_synapse(const value_distribution& d, const csr_connectivity& csr, std::uint64_t seed,
                                       rng::purpose p, std::uint32_t projection_id,
                                       const std::string& where = "value distribution");

// One value from `d`, redrawn from the same stream while outside [low, high]; throws user_error (naming `where`)
// after 1000 draws outside the bounds. Used for per-neuron values (parameters, initial states).
double draw_value(const value_distribution& d, rng::random_stream& r, const std::string& where);

}  // namespace volley
