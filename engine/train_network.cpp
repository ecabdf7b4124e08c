#include "engine/train_network.hpp"

#include <cmath>

#include "engine/error.hpp"
#include "engine/random.hpp"

namespace volley::train {

void network::validate() const {
  if (!(dt > 0)) throw parameter_error("training network", "dt", std::to_string(dt), "a positive time step in ms");
  if (layers.empty()) throw spec_error("training network: at least one layer is needed (the output)");
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const auto& L = layers[l];
    const std::string where = "layer '" + L.name + "'";
    if (!L.kernel) throw internal_error(where + " has no model kernel");
    if (L.bias.size() != L.n) throw internal_error(where + ": bias size differs from the layer size");
    if (L.inputs.empty()) throw spec_error(where + ": no input projection (every layer needs a source)");
    for (std::size_t p = 0; p < L.inputs.size(); ++p) {
      const auto& P = L.inputs[p];
      const std::string pw = where + ", input " + std::to_string(p);
      if (P.source >= int(layers.size()) || P.source < -1)
        throw spec_error(pw + ": source " + std::to_string(P.source) + " is not a layer");
      if (P.delay < 0) throw parameter_error(pw, "delay", std::to_string(P.delay), "at least 0 steps");
      if (P.source >= int(l) && P.delay < 1)
        throw parameter_error(pw, "delay", std::to_string(P.delay),
                              "at least 1 step for a recurrent or backward projection (source '" +
                                  layers[P.source].name + "')");
      const std::size_t n_pre = P.source < 0 ? n_in : layers[P.source].n;
      if (P.n_pre != n_pre || P.n_post != L.n)
        throw internal_error(pw + ": projection shape does not match its layers");
      if (P.sparse ? (P.row.size() != n_pre + 1 || P.col.size() != P.w.size()) : P.w.size() != n_pre * L.n)
        throw internal_error(pw + ": weight arrays do not match the projection shape");
    }
  }
}

std::size_t network::parameter_count() const {
  std::size_t n = 0;
  for (const auto& L : layers) {
    n += L.train_bias ? L.n : 0;
    n += std::size_t(L.kernel->n_params()) * L.n;
    for (const auto& P : L.inputs) n += P.trainable ? P.size() : 0;
  }
  return n;
}

int network::max_delay() const {
  int d = 0;
  for (const auto& L : layers)
    for (const auto& P : L.inputs) d = std::max(d, P.delay);
  return d;
}

projection make_projection(int source, std::size_t n_pre, std::size_t n_post, int delay, bool sparse,
                           const init_spec& init, std::uint64_t seed, std::uint32_t projection_id) {
  if (sparse && !(init.density > 0 && init.density <= 1))
    throw parameter_error("projection", "density", std::to_string(init.density), "a probability in (0, 1]");
  projection p;
  p.source = source;
  p.n_pre = n_pre;
  p.n_post = n_post;
  p.delay = delay;
  p.sparse = sparse;
  const double fan_in = sparse ? std::max(1.0, init.density * double(n_pre)) : double(n_pre);
  const double sd = init.sd >= 0 ? init.sd : init.gain / std::sqrt(fan_in);
  const std::uint32_t tag = rng::make_tag(rng::purpose::training, projection_id);
  if (sparse) p.row.assign(1, 0);
  for (std::size_t j = 0; j < n_pre; ++j) {
    rng::random_stream rs(seed, tag, static_cast<std::uint32_t>(j), 0);  // one stream per presynaptic row
    for (std::size_t i = 0; i < n_post; ++i) {
      if (sparse && !(rs.uniform() < init.density)) continue;
      const real_t w = static_cast<real_t>(init.mean + sd * rs.normal());
      p.w.push_back(w);
      if (sparse) p.col.push_back(static_cast<std::uint32_t>(i));
    }
    if (sparse) p.row.push_back(static_cast<std::uint32_t>(p.w.size()));
  }
  return p;
}

}  // namespace volley::train
