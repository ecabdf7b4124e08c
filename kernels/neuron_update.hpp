#pragma once
// The fused per-neuron step, written once for every backend: gather this step's input (ring-buffer slot,
// Poisson drive, constant current, receptor outputs), advance the neuron model, advance the receptors.
// The view holds raw pointers only, so the same struct travels to a GPU kernel unchanged.
#include "engine/config.hpp"
#include "engine/random.hpp"
#include "models/model_kit.hpp"
#include "models/receptor.hpp"

namespace volley::kernels {

inline constexpr int view_max_channels = 16;
inline constexpr int view_max_receptors = 8;
inline constexpr int view_max_poisson = 8;

struct channel_view {
  real_t* slot;          // this step's ring-buffer slot, [batch][neuron]; read and cleared
  int kind;              // channel_kind: 0 port, 1 receptor, 2 delta
  int index;
};

struct poisson_view {
  int channel;
  index_t begin, end;
  real_t mean_count, weight;
  double exp_neg_mean;   // exp(-mean_count), precomputed: the inversion sampler then needs no exp per draw
  std::uint32_t tag;
};

template <class Model>
struct population_view {
  index_t n = 0;
  std::uint32_t batch = 1;
  real_t* state[Model::n_state] = {};               // [batch][neuron]
  const typename Model::constants* constants = nullptr;
  int heterogeneous = 0;                            // constants per neuron (1) or shared (0)
  const real_t* bias = nullptr;                     // pA per neuron
  int n_channels = 0;
  channel_view channels[view_max_channels] = {};
  int n_receptors = 0;
  models::receptor_constants receptors[view_max_receptors] = {};
  real_t* receptor_state[view_max_receptors][models::max_receptor_vars] = {};
  int n_poisson = 0;
  poisson_view poisson[view_max_poisson] = {};
  std::uint64_t seed = 0;
  std::uint32_t step = 0;
};

// One step of neuron i of batch instance b. Returns true when it spiked.
template <class Model>
VOLLEY_HD VOLLEY_INLINE bool update_neuron(const population_view<Model>& v, index_t i, std::uint32_t b) {
  const std::size_t k = std::size_t(b) * v.n + i;
  real_t s[Model::n_state];
  for (int q = 0; q < Model::n_state; ++q) s[q] = v.state[q][k];

  // Channels come in a fixed order: the model's ports, then the delta channel, then one per receptor.
  constexpr int n_port_slots = Model::n_ports > 0 ? Model::n_ports : 1;
  real_t port_in[n_port_slots] = {};
  for (int c = 0; c < Model::n_ports; ++c) {
    port_in[c] = v.channels[c].slot[k];
    v.channels[c].slot[k] = 0;
  }
  real_t delta_v = v.channels[Model::n_ports].slot[k];
  v.channels[Model::n_ports].slot[k] = 0;
  real_t receptor_in[view_max_receptors];
  for (int r = 0; r < v.n_receptors; ++r) {
    real_t* slot = v.channels[Model::n_ports + 1 + r].slot;
    receptor_in[r] = slot[k];
    slot[k] = 0;
  }
  for (int d = 0; d < v.n_poisson; ++d) {
    const poisson_view& p = v.poisson[d];
    if (i < p.begin || i >= p.end) continue;
    rng::random_stream rs(v.seed, p.tag, static_cast<std::uint32_t>(k), v.step);
    const std::uint32_t count = p.mean_count < 10 ? rs.poisson_small(p.mean_count, p.exp_neg_mean) : rs.poisson(p.mean_count);
    const real_t x = static_cast<real_t>(count) * p.weight;
    const int c = p.channel;
    if (c < Model::n_ports) port_in[c] += x;
    else if (c == Model::n_ports) delta_v += x;
    else receptor_in[c - Model::n_ports - 1] += x;
  }

  real_t current = v.bias ? v.bias[i] : real_t(0);
  const real_t vm = s[Model::membrane];
  for (int r = 0; r < v.n_receptors; ++r) current += models::receptor_current(v.receptors[r], v.receptor_state[r], k, vm);

  const auto& c = v.constants[v.heterogeneous ? i : 0];
  const bool spike = Model::update(c, s, models::neuron_input{current, delta_v, port_in});

  for (int r = 0; r < v.n_receptors; ++r) models::receptor_advance(v.receptors[r], v.receptor_state[r], k, receptor_in[r]);
  for (int q = 0; q < Model::n_state; ++q) v.state[q][k] = s[q];
  return spike;
}

}  // namespace volley::kernels
