#pragma once
// The fused per-neuron step, written once for every backend: gather this step's input (ring-buffer slot,
// Poisson drive, constant current, receptor outputs), advance the neuron model, advance the receptors.
// The view holds raw pointers only, so the same struct travels to a GPU kernel unchanged.
#include <cstring>

#include "engine/config.hpp"
#include "engine/random.hpp"
#include "models/current_sources.hpp"
#include "models/model_kit.hpp"
#include "models/receptor.hpp"

namespace volley::kernels {

inline constexpr int view_max_channels = 32;  // engine/population.hpp's max_channels
inline constexpr int view_max_receptors = 8;
inline constexpr int view_max_poisson = 8;
inline constexpr int view_max_currents = 8;
inline constexpr int poisson_table_size = 24;  // P(N > 23) < 1e-11 for the means below 4 of typical drives

struct channel_view {
  real_t* slot;          // this step's ring-buffer slot, [batch][neuron]; read and cleared; nullptr: unused
  int kind;              // channel_kind: 0 port, 1 receptor, 2 delta
  int index;
};

// Deterministic GPU mode: ring slots hold 64-bit fixed-point sums (value * 2^32, two's complement) so that
// atomic additions give the same bits in any order. Double-precision builds only.
inline constexpr double fixed_point_one = 4294967296.0;

VOLLEY_HD VOLLEY_INLINE long long to_fixed_point(double x) {
  return static_cast<long long>(x * fixed_point_one + (x < 0 ? -0.5 : 0.5));  // rounded to nearest
}

struct poisson_view {     // engine/population.hpp poisson_drive, as the kernel reads it
  int channel;
  index_t begin, end;
  real_t mean_count, weight;
  double exp_neg_mean;   // exp(-mean_count), precomputed: the inversion sampler then needs no exp per draw
  std::uint32_t tag;
  std::uint32_t step_begin, step_end;
  real_t amplitude_count;  // 0: constant mean
  double omega_step, phase;
  int shared;
  real_t copy_p;
  // Individual trains of constant mean below 10 (amplitude 0, copy_p 1, not shared) draw from a table:
  // cdf[k] = P(N <= k) (random_stream::poisson_table). table 0: the sequential sampler.
  int table;
  double cdf[poisson_table_size];
};

// Fills `table` and `cdf` of a drive whose other fields are set.
inline void prepare_poisson_table(poisson_view& p) {
  p.table = p.amplitude_count == 0 && !(p.copy_p < 1) && !p.shared && p.mean_count < 10 ? 1 : 0;
  if (p.table) rng::random_stream::poisson_table(double(p.mean_count), p.exp_neg_mean, p.cdf, poisson_table_size);
}

// Poisson counts of one table drive for the cells k0 .. k0 + count - 1 (CPU tiles: the Philox loop and the
// table count are straight-line loops the compiler vectorises; a GPU thread, Tile = 1, stops at its count).
// Each equals the table inversion of the cell's stream (seed, tag, cell, step); the rare draws outside the table
// (u = 0 or beyond its last entry) take the sequential sampler on the same stream.
template <int Tile>
VOLLEY_HD VOLLEY_INLINE void poisson_table_counts(const poisson_view& p, std::uint64_t seed, std::uint32_t step,
                                                  std::size_t k0, int count, real_t* counts) {
  double u[Tile];
  for (int j = 0; j < count; ++j)
    u[j] = rng::random_stream::first_uniform(seed, p.tag, static_cast<std::uint32_t>(k0 + j), step);
  for (int j = 0; j < count; ++j) {
    int n = 0;
    if constexpr (Tile == 1) {
      while (n < poisson_table_size && u[j] > p.cdf[n]) ++n;
    } else {
      for (int k = 0; k < poisson_table_size; ++k) n += u[j] > p.cdf[k] ? 1 : 0;
    }
    counts[j] = static_cast<real_t>(n);
  }
  for (int j = 0; j < count; ++j)
    if (u[j] == 0.0 || counts[j] == real_t(poisson_table_size)) {
      rng::random_stream rs(seed, p.tag, static_cast<std::uint32_t>(k0 + j), step);
      counts[j] = static_cast<real_t>(rs.poisson_small(double(p.mean_count), p.exp_neg_mean));
    }
}

template <class Model>
struct population_view {
  index_t n = 0;
  std::uint32_t batch = 1;
  real_t* state[Model::n_state] = {};               // [batch][neuron]
  const typename Model::constants* constants = nullptr;
  int heterogeneous = 0;                            // constants per neuron (1) or shared (0)
  const real_t* bias = nullptr;                     // pA per neuron, or nullptr: bias_value for all
  real_t bias_value = 0;                            // pA
  int n_channels = 0;
  channel_view channels[view_max_channels] = {};
  int n_receptors = 0;
  models::receptor_constants receptors[view_max_receptors] = {};
  real_t* receptor_state[view_max_receptors][models::max_receptor_vars] = {};
  int n_poisson = 0;
  poisson_view poisson[view_max_poisson] = {};
  int n_currents = 0;                               // current sources (models/current_sources.hpp)
  models::current_source currents[view_max_currents] = {};
  const real_t* extra_current = nullptr;            // pA, [batch][neuron]: gap junctions; nullptr: none
  std::uint32_t uniform_tag = 0;                    // rng tag of the per-neuron uniforms (needs_uniform models)
  int fixed_point_slots = 0;                        // 1: ring slots are fixed point (deterministic GPU mode)
  std::uint64_t seed = 0;
  std::uint32_t step = 0;
};

// Stage 4 of update_tile for neuron j of the tile: the model's step on its state columns.
template <class Model, int Tile, int NPortSlots>
VOLLEY_HD VOLLEY_INLINE bool model_step(const population_view<Model>& v, const typename Model::constants& c,
                                        real_t* const* column, const real_t (&port_in)[NPortSlots][Tile],
                                        const real_t* current, const real_t* delta_v, const real_t* uniform,
                                        std::size_t k0, int j) {
  real_t s[Model::n_state];
  for (int q = 0; q < Model::n_state; ++q) s[q] = column[q][j];
  real_t ports[NPortSlots];
  for (int p = 0; p < NPortSlots; ++p) ports[p] = Model::n_ports > 0 ? port_in[p][j] : real_t(0);
  bool spiked;
  if constexpr (models::needs_stream_v<Model>) {
    rng::random_stream rs(v.seed, v.uniform_tag, static_cast<std::uint32_t>(k0 + j), v.step);
    spiked = Model::update(c, s, models::neuron_input{current[j], delta_v[j], ports, uniform[j], &rs});
  } else {
    spiked = Model::update(c, s, models::neuron_input{current[j], delta_v[j], ports, uniform[j]});
  }
  for (int q = 0; q < Model::n_state; ++q) column[q][j] = s[q];
  return spiked;
}

// One step of neurons [i0, i0 + count) of batch instance b, count <= Tile; emit(i) is called for every neuron
// that spiked, in ascending order. This is the only composition of the per-step stages: the OpenMP launcher runs
// it on tiles of 256 neurons (each stage a loop the compiler vectorises, switches hoisted out of the loops), a GPU
// thread runs it with Tile = 1. Per neuron the arithmetic and its order are the same for every Tile.
template <class Model, int Tile, class Emit>
VOLLEY_HD VOLLEY_INLINE void update_tile(const population_view<Model>& v, index_t i0, int count, std::uint32_t b,
                                         Emit&& emit) {
  constexpr int n_port_slots = Model::n_ports > 0 ? Model::n_ports : 1;
  const std::size_t k0 = std::size_t(b) * v.n + i0;

  // 1. this step's ring-buffer slots, cleared for reuse. Channel order: the model's ports, delta, receptors.
  real_t port_in[n_port_slots][Tile];
  real_t delta_v[Tile];
  real_t receptor_in[view_max_receptors][Tile];
  if constexpr (sizeof(real_t) == sizeof(long long)) {
    if (v.fixed_point_slots) {  // this step's slots back to real values, in place (delays >= 1: no writer now)
      for (int c = 0; c < v.n_channels; ++c) {
        real_t* slot = v.channels[c].slot;
        if (slot == nullptr) continue;
        for (int j = 0; j < count; ++j) {
          long long q;
          memcpy(&q, slot + k0 + j, sizeof q);
          slot[k0 + j] = static_cast<real_t>(static_cast<double>(q) / fixed_point_one);
        }
      }
    }
  }
  auto take = [&](real_t* slot, real_t* into) {
    if (slot == nullptr) {  // nothing delivers into this channel
      for (int j = 0; j < count; ++j) into[j] = 0;
      return;
    }
    for (int j = 0; j < count; ++j) into[j] = slot[k0 + j];
    for (int j = 0; j < count; ++j) slot[k0 + j] = 0;
  };
  for (int c = 0; c < Model::n_ports; ++c) take(v.channels[c].slot, port_in[c]);
  take(v.channels[Model::n_ports].slot, delta_v);
  // Receptor slots: a GPU thread (Tile = 1) takes them here, early and independent of the rest, where the loads
  // overlap; the CPU tiles read them in stage 3 (faster there). receptor_in collects the Poisson part; stage 3 adds
  // the two in the same order either way.
  constexpr bool early_slots = Tile == 1;
  real_t receptor_slot[early_slots ? view_max_receptors : 1][Tile];
  for (int r = 0; r < v.n_receptors; ++r) {
    if constexpr (early_slots) take(v.channels[Model::n_ports + 1 + r].slot, receptor_slot[r]);
    for (int j = 0; j < count; ++j) receptor_in[r][j] = 0;
  }

  // 2. Poisson drives, one counter-based stream per (drive, cell, step); a shared train draws its count from the
  // stream of cell ~b (one per batch instance), and its thinning (copy_p < 1) from each cell's own stream.
  for (int d = 0; d < v.n_poisson; ++d) {
    const poisson_view& p = v.poisson[d];
    if (v.step < p.step_begin || v.step >= p.step_end) continue;
    double mean = p.mean_count, exp_neg_mean = p.exp_neg_mean;
    if (p.amplitude_count != 0) {
      mean += double(p.amplitude_count) * ::sin(p.omega_step * double(v.step) + p.phase);
      mean = mean > 0 ? mean : 0.0;
      exp_neg_mean = ::exp(-mean);
    }
    real_t* into = delta_v;
    if (p.channel > Model::n_ports) into = receptor_in[p.channel - Model::n_ports - 1];
    if constexpr (Model::n_ports > 0)
      if (p.channel < Model::n_ports) into = port_in[p.channel];
    if (p.table) {
      real_t n[Tile];
      poisson_table_counts<Tile>(p, v.seed, v.step, k0, count, n);
      for (int j = 0; j < count; ++j) {
        const index_t i = i0 + j;
        if (i >= p.begin && i < p.end) into[j] += n[j] * p.weight;
      }
      continue;
    }
    for (int j = 0; j < count; ++j) {
      const index_t i = i0 + j;
      if (i < p.begin || i >= p.end) continue;
      const auto cell = static_cast<std::uint32_t>(k0 + j);
      rng::random_stream rs(v.seed, p.tag, p.shared ? ~b : cell, v.step);
      std::uint64_t n = mean < 10 ? rs.poisson_small(mean, exp_neg_mean) : rs.poisson(mean);
      if (p.copy_p < 1 && n > 0) {
        if (p.shared) rs = rng::random_stream(v.seed, p.tag, cell, v.step);
        n = rs.binomial(n, p.copy_p);
      }
      into[j] += static_cast<real_t>(n) * p.weight;
    }
  }

  // 3. input current: constant drive, current sources (step, ramp, sinusoid, OU, ...), gap junctions (computed
  // from the start-of-step V before this launch), then each receptor's output at the present V. The receptor
  // state advances in the same pass (its update needs neither V nor the new current): old g gives the current,
  // then g <- g decay + arrivals (this step's ring slot, cleared, plus the Poisson drive).
  real_t current[Tile];
  for (int j = 0; j < count; ++j) current[j] = v.bias ? v.bias[i0 + j] : v.bias_value;
  for (int q = 0; q < v.n_currents; ++q)
    models::add_source_current(v.currents[q], v.seed, v.step, k0, i0, count, current);
  if (v.extra_current != nullptr)
    for (int j = 0; j < count; ++j) current[j] += v.extra_current[k0 + j];
  const real_t* vm = v.state[Model::membrane] + k0;
  for (int r = 0; r < v.n_receptors; ++r) {
    const models::receptor_constants rc = v.receptors[r];
    real_t* const* g = v.receptor_state[r];
    real_t* slot = v.channels[Model::n_ports + 1 + r].slot;
    if (slot != nullptr) {
      for (int j = 0; j < count; ++j) {
        current[j] += models::receptor_current(rc, g, k0 + j, vm[j]);
        real_t arrived;
        if constexpr (early_slots) {
          arrived = receptor_slot[r][j];
        } else {
          arrived = slot[k0 + j];
          slot[k0 + j] = 0;
        }
        models::receptor_advance(rc, g, k0 + j, arrived + receptor_in[r][j]);
      }
    } else {
      for (int j = 0; j < count; ++j) {
        current[j] += models::receptor_current(rc, g, k0 + j, vm[j]);
        models::receptor_advance(rc, g, k0 + j, receptor_in[r][j]);
      }
    }
  }

  // 4. the neuron model (state columns hoisted so the compiler sees contiguous loads, not gathers)
  bool spiked[Tile];
  real_t uniform[Tile];  // one uniform per neuron-step, drawn only for models that ask (spike sources)
  if constexpr (models::needs_uniform_v<Model>) {
    for (int j = 0; j < count; ++j) {
      rng::random_stream rs(v.seed, v.uniform_tag, static_cast<std::uint32_t>(k0 + j), v.step);
      uniform[j] = static_cast<real_t>(rs.uniform());
    }
  } else {
    for (int j = 0; j < count; ++j) uniform[j] = 0;
  }
  real_t* column[Model::n_state];
  for (int q = 0; q < Model::n_state; ++q) column[q] = v.state[q] + k0;
  if (v.heterogeneous) {
    for (int j = 0; j < count; ++j)
      spiked[j] = model_step<Model, Tile>(v, v.constants[i0 + j], column, port_in, current, delta_v, uniform, k0, j);
  } else {
    // shared constants copied to a local: loads from v.constants could alias the state stores, which kept GCC
    // from vectorising the loop (TraubMilesHH)
    const typename Model::constants c = v.constants[0];
    for (int j = 0; j < count; ++j)
      spiked[j] = model_step<Model, Tile>(v, c, column, port_in, current, delta_v, uniform, k0, j);
  }

  // 5. report spikes; spikes are rare, so skip eight silent neurons at a time
  int j = 0;
  if constexpr (Tile >= 8) {
    for (; j + 8 <= count; j += 8) {
      std::uint64_t any;
      memcpy(&any, spiked + j, sizeof any);
      if (any == 0) continue;
      for (int q = 0; q < 8; ++q)
        if (spiked[j + q]) emit(i0 + j + q);
    }
  }
  for (; j < count; ++j)
    if (spiked[j]) emit(i0 + j);
}

}  // namespace volley::kernels
