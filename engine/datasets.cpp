// Yin-Yang generation, splitting and shuffling (engine/datasets.hpp). The file loaders are in dataset_files.cpp.
#include "engine/datasets.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "engine/error.hpp"
#include "engine/random.hpp"

namespace volley::data {
namespace {

// Stream tags: purpose `training` with object ids far above the trainer's projection numbers (its weight streams),
// so data and weights never share a stream under the same seed.
constexpr std::uint32_t yin_yang_object = 0xDA7A0;
constexpr std::uint32_t shuffle_object = 0xDA7A1;
static_assert(shuffle_object <= rng::max_object_id);

// Geometry of the reference (lengths in the unit square).
constexpr double r_big = 0.5;      // the big disc, centred at (0.5, 0.5)
constexpr double r_small = 0.1;    // the two dots
constexpr double r_medium = 0.25;  // the two half-size discs around the dots, centred at (0.25, 0.5) and (0.75, 0.5)

void check_consistent(const dataset& d, const std::string& where) {
  if (d.x.size() != d.size() * d.n_features)
    throw parameter_error(where, "x.size()", std::to_string(d.x.size()),
                          "size() * n_features = " + std::to_string(d.size()) + " * " + std::to_string(d.n_features));
}

// Samples [begin, end) of `d`, with its feature and class counts.
dataset slice(const dataset& d, std::size_t begin, std::size_t end, std::string name) {
  dataset out;
  out.n_features = d.n_features;
  out.n_classes = d.n_classes;
  out.name = std::move(name);
  out.x.assign(d.x.begin() + static_cast<std::ptrdiff_t>(begin * d.n_features),
               d.x.begin() + static_cast<std::ptrdiff_t>(end * d.n_features));
  out.y.assign(d.y.begin() + static_cast<std::ptrdiff_t>(begin), d.y.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

}  // namespace

int yin_yang_class(double x, double y) {
  // Distances as the reference computes them (square root of the sum of squares), so that points on the float grid
  // get the same label as there.
  const double d_left = std::sqrt((x - r_medium) * (x - r_medium) + (y - r_big) * (y - r_big));
  const double d_right = std::sqrt((x - (r_big + r_medium)) * (x - (r_big + r_medium)) + (y - r_big) * (y - r_big));
  if (d_left < r_small || d_right < r_small) return 2;
  const bool one = d_right <= r_small || (d_left > r_small && d_left <= r_medium) || (y > r_big && d_right > r_medium);
  return one ? 1 : 0;
}

dataset yin_yang(std::size_t n, std::uint64_t seed) {
  if (n > (std::size_t{1} << 32))
    throw parameter_error("yin_yang", "n", std::to_string(n), "at most 2^32 samples (one Philox stream index each)");
  dataset d;
  d.n_features = 4;
  d.n_classes = 3;
  d.name = "yin_yang";
  d.x.resize(n * 4);
  d.y.resize(n);
  const std::uint32_t tag = rng::make_tag(rng::purpose::training, yin_yang_object);
  for (std::size_t i = 0; i < n; ++i) {
    const int target = static_cast<int>(i % 3);
    // One stream per sample: two words per candidate point; about 16 candidates for a dot, 2^34 words per stream.
    rng::random_stream r(seed, tag, static_cast<std::uint32_t>(i), 0u);
    float px = 0.0f, py = 0.0f;
    for (;;) {
      px = r.uniform_float();  // k * 2^-24, exact in float: the label is decided on the stored value
      py = r.uniform_float();
      const double dx = px - r_big, dy = py - r_big;
      if (std::sqrt(dx * dx + dy * dy) > r_big) continue;  // outside the big disc (the reference's test)
      if (yin_yang_class(px, py) == target) break;
    }
    float* row = d.x.data() + i * 4;
    row[0] = px;
    row[1] = py;
    row[2] = 1.0f - px;
    row[3] = 1.0f - py;
    d.y[i] = target;
  }
  return d;
}

void split(const dataset& all, std::size_t n_first, dataset& first, dataset& second) {
  check_consistent(all, "split(" + all.name + ")");
  if (n_first > all.size())
    throw parameter_error("split(" + all.name + ")", "n_first", std::to_string(n_first),
                          "at most the number of samples, " + std::to_string(all.size()));
  // Both parts are built before either output is written: `first` or `second` may alias `all`.
  dataset a = slice(all, 0, n_first, all.name + "[:" + std::to_string(n_first) + "]");
  dataset b = slice(all, n_first, all.size(), all.name + "[" + std::to_string(n_first) + ":]");
  first = std::move(a);
  second = std::move(b);
}

void shuffle(dataset& d, std::uint64_t seed) {
  check_consistent(d, "shuffle(" + d.name + ")");
  rng::random_stream r(seed, rng::make_tag(rng::purpose::training, shuffle_object), 0u, 0u);
  const std::size_t f = d.n_features;
  for (std::size_t i = d.size(); i > 1; --i) {  // Fisher-Yates: position i - 1 takes a uniform one of [0, i)
    const std::size_t j = r.uniform_index64(i);
    if (j == i - 1) continue;
    std::swap(d.y[i - 1], d.y[j]);
    for (std::size_t k = 0; k < f; ++k) std::swap(d.x[(i - 1) * f + k], d.x[j * f + k]);
  }
}

}  // namespace volley::data
