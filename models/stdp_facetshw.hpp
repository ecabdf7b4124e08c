#pragma once
// NEST's stdp_facetshw_synapse_hom (Pfeil et al. 2012): STDP as the FACETS/BrainScaleS hardware does it, with
// 4-bit weights. Each synapse accumulates its spike pairs on two "capacitors" and a controller visits it once per
// readout cycle; a visit evaluates the capacitors against two thresholds, picks one of three look-up tables that
// map the discrete weight to the next, and resets the capacitors as the reset pattern says. As NEST 3.10 does it,
// at each presynaptic spike at t (previous one t_last, 0 before the first) through a synapse of delay d:
//   0. a synapse seen for the first time takes the next synapse id (the model's no_synapses, then incremented;
//      the readout cycle duration is recomputed from it), its first readout at floor(id / synapses_per_driver)
//      x driver_readout_time (ms);
//   1. if t > next readout (ms, strictly): w's entry e = round(w / weight_per_lut_entry); the evaluation bits
//        bit_i = (a_thresh_tl + cb_i[2] a_causal + cb_i[1] a_acausal) / (1 + cb_i[2] + cb_i[1])
//              > (a_thresh_th + cb_i[0] a_causal + cb_i[3] a_acausal) / (1 + cb_i[0] + cb_i[3])
//      for configbit_0 and configbit_1 select lookuptable_0 (1, 0), _1 (0, 1) or _2 (1, 1) (none: e kept), whose
//      reset_pattern bits 2k, 2k + 1 zero a_causal, a_acausal; the next readout moves on by whole readout cycles
//      (the duration as it stands now) until it is >= t; w <- e x weight_per_lut_entry;
//   2. if the target spiked in (t_last - d, t - d]: a_causal += exp((t_last - (t_first + d)) / tau_plus) with
//      the window's oldest post spike, a_acausal += exp((t_newest + d - t) / tau_minus_stdp) with its newest;
//   3. the spike is delivered with w.
// Times in ms are formed as NEST forms them (tics x ms per tic), so readouts that fall exactly on a spike time
// compare as in NEST. The synapse ids depend on the order in which synapses first see a spike: NEST (one
// thread) goes by presynaptic node id, then by connection creation order, which the caller reproduces.
// Host-device, no allocation.
#include <cmath>
#include <cstdint>

#include "engine/config.hpp"
#include "models/stdp.hpp"

namespace volley::models {

inline constexpr int facetshw_lut_size = 16;  // 4-bit weights

// The model's common properties (NEST: SetDefaults / CopyModel only), lowered.
struct facetshw_constants {
  double tau_plus = 20;                      // ms, causal window
  double tau_minus = 20;                     // ms, acausal window (NEST's tau_minus_stdp)
  double weight_per_lut_entry = 100.0 / 15;  // weight units per discrete step (Wmax / 15 unless set)
  std::int64_t synapses_per_driver = 50;     // synapses visited at once
  double driver_readout_time = 15;           // ms per synapse driver
  std::uint8_t lut[3][facetshw_lut_size] = {{2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15},
                                            {0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13},
                                            {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}};
  std::uint8_t configbit[2][4] = {{0, 0, 1, 0}, {0, 1, 0, 0}};
  std::uint8_t reset_pattern[6] = {1, 1, 1, 1, 1, 1};
  std::int64_t tics_per_step = 100;  // NEST's tics per step (1000 tics per ms)
};

// Whether two projections' constants are the same model's (tics_per_step aside: the network fills it in).
inline bool same_common_properties(const facetshw_constants& a, const facetshw_constants& b) {
  bool same = a.tau_plus == b.tau_plus && a.tau_minus == b.tau_minus &&
              a.weight_per_lut_entry == b.weight_per_lut_entry && a.synapses_per_driver == b.synapses_per_driver &&
              a.driver_readout_time == b.driver_readout_time;
  for (int t = 0; t < 3; ++t)
    for (int e = 0; e < facetshw_lut_size; ++e) same = same && a.lut[t][e] == b.lut[t][e];
  for (int i = 0; i < 4; ++i)
    same = same && a.configbit[0][i] == b.configbit[0][i] && a.configbit[1][i] == b.configbit[1][i];
  for (int i = 0; i < 6; ++i) same = same && a.reset_pattern[i] == b.reset_pattern[i];
  return same;
}

// The part of the common properties that changes while running (shared by every synapse of the model).
struct facetshw_controller {
  std::int64_t no_synapses = 0;       // synapse ids handed out
  double readout_cycle_duration = 0;  // ms
};

// NEST's readout cycle: whole drivers' readout times for the synapses counted so far.
VOLLEY_HD inline double facetshw_cycle(const facetshw_constants& c, std::int64_t no_synapses) {
  return static_cast<double>(static_cast<int>(
             (static_cast<double>(no_synapses) - 1.0) / static_cast<double>(c.synapses_per_driver) + 1.0)) *
         c.driver_readout_time;
}

// One model's common properties with its controller, shared by the projections of that model.
struct facetshw_model {
  facetshw_constants constants;
  facetshw_controller controller;
};

// Per synapse.
struct facetshw_synapse {
  double a_causal = 0, a_acausal = 0;  // accumulated pair weights (dimensionless)
  double a_thresh_th = 21.835, a_thresh_tl = 21.835;
  double next_readout = 0;  // ms
  std::int64_t synapse_id = 0;
  bool initialized = false;  // NEST's init_flag
};

// NEST's time in ms of `steps` simulation steps.
VOLLEY_HD inline double facetshw_ms(const facetshw_constants& c, std::int64_t steps) {
  return (1.0 / 1000.0) * static_cast<double>(steps * c.tics_per_step);
}

// Step 0: the synapse takes the next id (call in NEST's order, serially).
VOLLEY_HD inline void facetshw_initialize(const facetshw_constants& c, facetshw_controller& ctl, facetshw_synapse& s) {
  s.synapse_id = ctl.no_synapses++;
  ctl.readout_cycle_duration = facetshw_cycle(c, ctl.no_synapses);
  s.next_readout = static_cast<double>(static_cast<int>(s.synapse_id / c.synapses_per_driver)) * c.driver_readout_time;
  s.initialized = true;
}

namespace facetshw_detail {
VOLLEY_HD inline bool evaluate(const facetshw_synapse& s, const std::uint8_t* cb) {
  const double lhs = (s.a_thresh_tl + cb[2] * s.a_causal + cb[1] * s.a_acausal) / (1 + cb[2] + cb[1]);
  const double rhs = (s.a_thresh_th + cb[0] * s.a_causal + cb[3] * s.a_acausal) / (1 + cb[0] + cb[3]);
  return lhs > rhs;
}
}  // namespace facetshw_detail

// Steps 1 and 2 for a presynaptic spike at time t (steps; previous spike t_last) through a synapse of delay d
// (steps) of weight w: returns the weight to deliver (complete false if the archive had lost a needed spike).
VOLLEY_HD inline stdp_outcome facetshw_on_pre_spike(const facetshw_constants& c, const facetshw_controller& ctl,
                                                    facetshw_synapse& s, double w, std::uint64_t t_last,
                                                    const stdp_archive_view& post, std::uint64_t t, std::uint64_t d) {
  const double t_ms = facetshw_ms(c, static_cast<std::int64_t>(t));
  if (t_ms > s.next_readout) {
    int entry = static_cast<int>(std::round(w / c.weight_per_lut_entry));
    const bool e0 = facetshw_detail::evaluate(s, c.configbit[0]);
    const bool e1 = facetshw_detail::evaluate(s, c.configbit[1]);
    const int table = e0 && !e1 ? 0 : (!e0 && e1 ? 1 : (e0 && e1 ? 2 : -1));
    if (table >= 0) {
      entry = c.lut[table][entry];
      if (c.reset_pattern[2 * table]) s.a_causal = 0;
      if (c.reset_pattern[2 * table + 1]) s.a_acausal = 0;
    }
    while (t_ms > s.next_readout) s.next_readout += ctl.readout_cycle_duration;
    w = static_cast<double>(entry) * c.weight_per_lut_entry;
  }
  const std::int64_t lo = static_cast<std::int64_t>(t_last) - static_cast<std::int64_t>(d);  // window (lo, hi]
  const std::int64_t hi = static_cast<std::int64_t>(t) - static_cast<std::int64_t>(d);
  const bool complete = !(post.dropped_t != 0 && static_cast<std::int64_t>(post.dropped_t) > lo);
  std::int64_t oldest = -1, newest = -1;
  for (std::uint64_t k = post.first(); k < post.count; ++k) {
    const auto tj = static_cast<std::int64_t>(post.t[post.slot(k)]);
    if (tj <= lo) continue;
    if (tj > hi) break;
    if (oldest < 0) oldest = tj;
    newest = tj;
  }
  if (oldest >= 0) {
    const double d_ms = facetshw_ms(c, static_cast<std::int64_t>(d));
    const double t_last_ms = facetshw_ms(c, static_cast<std::int64_t>(t_last));
    s.a_causal += std::exp((t_last_ms - (facetshw_ms(c, oldest) + d_ms)) / c.tau_plus);
    s.a_acausal += std::exp((facetshw_ms(c, newest) + d_ms - t_ms) / c.tau_minus);
  }
  return {w, complete};
}

}  // namespace volley::models
