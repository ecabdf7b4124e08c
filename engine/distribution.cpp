#include "engine/distribution.hpp"

#include <atomic>
#include <charconv>
#include <cmath>

#include "engine/error.hpp"

namespace volley {
namespace {

constexpr int max_tries = max_redraws;

std::string text(double v) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}

const char* name(value_distribution::kind k) {
  switch (k) {
    case value_distribution::kind::constant: return "constant";
    case value_distribution::kind::normal: return "normal";
    case value_distribution::kind::uniform: return "uniform";
    case value_distribution::kind::lognormal: return "lognormal";
  }
  return "?";
}



}  // namespace

void validate(const value_distribution& d, const std::string& where) {
  const std::string kind = name(d.type);
  if (!std::isfinite(d.a)) throw parameter_error(where, kind + " a", text(d.a), "a finite value");
  if (d.type != value_distribution::kind::constant && !std::isfinite(d.b))
    throw parameter_error(where, kind + " b", text(d.b), "a finite value");
  if ((d.type == value_distribution::kind::normal || d.type == value_distribution::kind::lognormal) && d.b < 0.0)
    throw parameter_error(where, kind + " b (standard deviation)", text(d.b), "a value >= 0");
  if (d.type == value_distribution::kind::uniform && d.b < d.a)
    throw parameter_error(where, "uniform b (upper end)", text(d.b), "a value >= a = " + text(d.a));
  if (std::isnan(d.low) || std::isnan(d.high) || d.low > d.high)
    throw parameter_error(where, "bounds", "[" + text(d.low) + ", " + text(d.high) + "]", "low <= high");
  if (d.type == value_distribution::kind::constant && (d.a < d.low || d.a > d.high))
    throw parameter_error(where, "constant", text(d.a),
                          "a value within the bounds [" + text(d.low) + ", " + text(d.high) + "]");
}

std::vector<double> sample_per_synapse(const value_distribution& d, const csr_connectivity& csr, std::uint64_t seed,
                                       rng::purpose p, std::uint32_t projection_id, const std::string& where) {
  validate(d, where);
  if (projection_id > rng::max_object_id)
    throw parameter_error(where, "projection id", std::to_string(projection_id),
                          "at most " + std::to_string(rng::max_object_id) + " (the random streams' object id)");
  std::vector<double> values(csr.size(), d.a);
  if (d.is_constant() || csr.size() == 0) return values;
  const std::uint32_t tag = rng::make_tag(p, projection_id);
  std::atomic<std::int64_t> failed_row{-1};  // a row whose redraws ran out; exceptions cannot leave the region
#pragma omp parallel for schedule(dynamic, 256)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(csr.n_source); ++i) {
    if (failed_row.load(std::memory_order_relaxed) >= 0) continue;  // impossible bounds: do not spin on every synapse
    rng::random_stream r(seed, tag, static_cast<std::uint32_t>(i), 0);
    for (std::uint64_t e = csr.row_ptr[i]; e < csr.row_ptr[i + 1]; ++e) {
      if (!draw_bounded(d, r, values[e])) {
        failed_row.store(i, std::memory_order_relaxed);
        break;  // leave the row
      }
    }
  }
  if (failed_row.load() >= 0)
    throw user_error(where + ": " + std::to_string(max_tries) + " draws in a row from " + name(d.type) +
                     "(a = " + text(d.a) + ", b = " + text(d.b) + ") fell outside the bounds [" + text(d.low) + ", " +
                     text(d.high) + "]: expected bounds that hold a substantial part of the distribution");
  return values;
}

double draw_value(const value_distribution& d, rng::random_stream& r, const std::string& where) {
  double v;
  if (!draw_bounded(d, r, v))
    throw user_error(where + ": " + std::to_string(max_tries) + " draws in a row from " + name(d.type) +
                     " fell outside the bounds [" + text(d.low) + ", " + text(d.high) + "]");
  return v;
}

}  // namespace volley
