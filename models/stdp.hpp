#pragma once
// Spike-timing-dependent plasticity of NEST's synapse models, as NEST 3.10 computes it: the weight of a synapse
// changes only when its presynaptic neuron spikes (lazily, as NEST's send()), from the postsynaptic spikes the
// target neuron archived since the previous presynaptic spike. The body both the CPU propagation and a GPU kernel
// would run (host-device, no allocation).
//
// Times are integers in steps of dt: a spike in step n has time n + 1 (NEST's stamp, the end of the step). For a
// presynaptic spike at t (previous one at t_last; 0 before the first, NEST's initial t_lastspike_) through a
// synapse of delay d (all of it dendritic, as NEST's stdp models take it):
//   1. for every postsynaptic spike t_j with t_last - d < t_j <= t - d, oldest first:
//        w <- facilitate(w, K+ exp((t_last - (t_j + d)) dt / tau_plus))          (the rule's K+ form, below)
//   2. w <- depress(w, K-(t - d)), K-(s) = the target's trace just before s: spikes strictly before s count,
//        K-(s) = K-_j exp(-(s - t_j) dt / tau_minus) of the newest archived spike t_j < s (0 if none), where
//        K-_j = K-_{j-1} exp(-(t_j - t_{j-1}) dt / tau_minus) + 1 is stored with each spike (tau_minus is the
//        postsynaptic neuron's parameter in NEST, default 20 ms; tau_minus_triplet 110 ms likewise).
//   3. the spike is delivered with the new w; then K+ <- K+ exp(-(t - t_last) dt / tau_plus) + 1, t_last <- t.
// Rules (NEST name: facilitate / depress, weights w, Wmax in the weight's unit):
//   stdp_synapse, stdp_synapse_hom (Guetig et al. 2003):
//     f: w/Wmax + lambda (1 - w/Wmax)^mu_plus K+, capped at 1, times Wmax
//     d: w/Wmax - alpha lambda (w/Wmax)^mu_minus K-, floored at 0, times Wmax
//   stdp_pl_synapse_hom (van Rossum et al. 2000, power law; no Wmax):
//     f: w + lambda w^mu K+;  d: max(0, w - lambda alpha w K-)
//   stdp_triplet_synapse (Pfister & Gerstner 2006), on |w| with the sign of Wmax, capped at |Wmax|:
//     f: |w| + K+ (Aplus + Aplus_triplet (K-triplet_j - 1)), K-triplet_j stored with post spike j (so the - 1 is
//        its value just before that spike);  d: |w| - K- (Aminus + Aminus_triplet K+triplet), with
//        K+triplet decayed to t (tau_plus_triplet) but before this spike's + 1
//   vogels_sprekeler_synapse (Vogels et al. 2011; tau is its K+ time constant), on |w| with the sign of Wmax:
//     f: |w| + eta K+ capped at |Wmax|; at the presynaptic spike f(w, K-(t - d)) then d: |w| - alpha eta, floored 0
//   stdp_nn_symm_synapse: step 1 with K+ = 1 (only the last presynaptic spike counts), step 2 with the
//     nearest-neighbour trace exp(-(s - t_j) dt / tau_minus) of the newest post spike t_j < s; no K+ state
//   stdp_nn_restr_synapse: as nn_symm but only the oldest post spike of the window facilitates, and depression
//     happens only if the window held a post spike
//   stdp_nn_pre_centered_synapse: only the oldest post spike of the window facilitates (with this synapse's K+,
//     which it then sets to 0: K+ is per synapse here); depression by the nearest-neighbour trace; then K+ as 3.
//   jonke_synapse (Jonke et al. 2017; NEST's code, whose docs put a Wmax factor the code does not have):
//     f: w + lambda (exp(mu_plus w) K+ - beta), capped at Wmax;  d: w - lambda (alpha exp(mu_minus w) K- + beta),
//     floored at 0; both leave w as it is when lambda is 0 (no cap, no floor then)
//   stdp_facetshw_synapse_hom: a different update altogether (readout cycles, look-up tables), models/stdp_facetshw.hpp
//   stdp_dopamine_synapse: eligibility and dopamine traces, models/stdp_dopamine.hpp
//   clopath_synapse: voltage-based (Clopath et al. 2010), models/clopath.hpp and engine/clopath_archive.hpp
//   urbanczik_synapse: dendritic prediction (Urbanczik & Senn 2014), models/urbanczik.hpp, engine/urbanczik_archive.hpp
// Nothing here differs from NEST knowingly. NEST's initial t_lastspike_ of 0 acts as a presynaptic spike at t = 0
// for the nn_symm/nn_restr rules (they use exp(...) with K+ = 1): reproduced.
#include <cmath>
#include <cstdint>

#include "engine/config.hpp"

namespace volley::models {

enum class stdp_rule : std::uint32_t {
  none = 0,
  guetig,            // stdp_synapse, stdp_synapse_hom
  power_law,         // stdp_pl_synapse_hom
  triplet,           // stdp_triplet_synapse
  vogels_sprekeler,  // vogels_sprekeler_synapse
  nn_symm,           // stdp_nn_symm_synapse
  nn_restr,          // stdp_nn_restr_synapse
  nn_pre_centered,   // stdp_nn_pre_centered_synapse
  jonke,             // jonke_synapse
  facetshw,          // stdp_facetshw_synapse_hom (models/stdp_facetshw.hpp; not through stdp_on_pre_spike)
  dopamine,          // stdp_dopamine_synapse (models/stdp_dopamine.hpp; not through stdp_on_pre_spike)
  clopath,           // clopath_synapse (models/clopath.hpp; not through stdp_on_pre_spike)
  urbanczik,         // urbanczik_synapse (models/urbanczik.hpp; not through stdp_on_pre_spike)
};

// A projection's rule and parameters, lowered once (ms; weights in the projection's weight unit).
struct stdp_constants {
  stdp_rule rule = stdp_rule::none;
  double dt = 0.1;                 // ms
  double tau_plus = 20;            // ms (vogels_sprekeler: tau)
  double lambda = 0.01, alpha = 1, mu_plus = 1, mu_minus = 1, mu = 0.4;
  double Wmax = 100;
  double tau_plus_triplet = 101;   // ms
  double Aplus = 5e-10, Aminus = 7e-3, Aplus_triplet = 6.2e-3, Aminus_triplet = 2.3e-4;
  double eta = 0.001;
  double beta = 0;                 // jonke: constant offset of both updates (weight units per lambda)
  double tau_x = 15;               // ms, clopath: the presynaptic trace x_bar
  double Wmin = 0;                 // clopath, urbanczik: the lower bound of the weight
  double tau_Delta = 100;          // ms, urbanczik: the low-pass filter of the weight change (eta: its learning rate)
};

// The presynaptic traces of one source, before its present spike (per source: equal for every synapse of the
// source, since they depend only on its spikes and the projection's parameters).
struct stdp_pre_state {
  double kplus = 0;          // K+
  double kplus_triplet = 0;  // K+triplet (triplet rule)
  std::uint64_t t_last = 0;  // previous presynaptic spike, steps (0: none yet, NEST's t_lastspike_ 0)
};

// The postsynaptic spike archive of one neuron, a ring of the newest `capacity` spikes.
struct stdp_archive_view {
  const std::uint64_t* t;           // [capacity] spike times, steps
  const double* kminus;             // [capacity] K- after each spike
  const double* kminus_triplet;     // [capacity] K-triplet after each spike
  std::uint64_t count;              // spikes archived so far
  std::uint64_t dropped_t;          // time of the newest spike that fell out of the ring (0: none)
  std::uint32_t capacity;
  double inv_tau_minus;             // 1/ms
  VOLLEY_HD std::uint64_t first() const { return count > capacity ? count - capacity : 0; }
  VOLLEY_HD std::uint32_t slot(std::uint64_t k) const { return static_cast<std::uint32_t>(k % capacity); }
};

// Result of one synapse's update: false `complete` means the archive had lost a spike the rule needed (the
// caller reports it; the weight is then not meaningful).
struct stdp_outcome {
  double weight;
  bool complete;
};

namespace stdp_detail {
VOLLEY_HD inline double guetig_facilitate(const stdp_constants& c, double w, double k) {
  const double n = w / c.Wmax + c.lambda * std::pow(1.0 - w / c.Wmax, c.mu_plus) * k;
  return n < 1.0 ? n * c.Wmax : c.Wmax;
}
VOLLEY_HD inline double guetig_depress(const stdp_constants& c, double w, double k) {
  const double n = w / c.Wmax - c.alpha * c.lambda * std::pow(w / c.Wmax, c.mu_minus) * k;
  return n > 0.0 ? n * c.Wmax : 0.0;
}
VOLLEY_HD inline double jonke_facilitate(const stdp_constants& c, double w, double k) {
  if (c.lambda == 0.0) return w;
  const double n = w + c.lambda * (std::exp(c.mu_plus * w) * k - c.beta);
  return n < c.Wmax ? n : c.Wmax;
}
VOLLEY_HD inline double jonke_depress(const stdp_constants& c, double w, double k) {
  if (c.lambda == 0.0) return w;
  const double n = w + c.lambda * (-c.alpha * std::exp(c.mu_minus * w) * k - c.beta);
  return n > 0.0 ? n : 0.0;
}
VOLLEY_HD inline double capped_abs(double magnitude, double Wmax) {  // |w| capped at |Wmax|, with Wmax's sign
  return std::copysign(magnitude < std::fabs(Wmax) ? magnitude : Wmax, Wmax);
}
VOLLEY_HD inline double floored_abs(double magnitude, double Wmax) {
  return std::copysign(magnitude > 0.0 ? magnitude : 0.0, Wmax);
}
}  // namespace stdp_detail

// The weight of one synapse after its source spiked at time t (steps), given the source's traces before this spike
// and, for nn_pre_centered, this synapse's own K+ (updated in place). d: the synapse's delay in steps.
VOLLEY_HD inline stdp_outcome stdp_on_pre_spike(const stdp_constants& c, double w, const stdp_pre_state& pre,
                                               double& synapse_kplus, const stdp_archive_view& post,
                                               std::uint64_t t, std::uint64_t d) {
  using namespace stdp_detail;
  const double dt = c.dt;
  const std::int64_t lo = static_cast<std::int64_t>(pre.t_last) - static_cast<std::int64_t>(d);  // window (lo, hi]
  const std::int64_t hi = static_cast<std::int64_t>(t) - static_cast<std::int64_t>(d);
  bool complete = !(post.dropped_t != 0 && static_cast<std::int64_t>(post.dropped_t) > lo);
  // 1. facilitation by the postsynaptic spikes of the window, oldest first
  bool window_used = false;
  for (std::uint64_t k = post.first(); k < post.count; ++k) {
    const std::uint32_t s = post.slot(k);
    const auto tj = static_cast<std::int64_t>(post.t[s]);
    if (tj <= lo) continue;
    if (tj > hi) break;
    const double minus_dt = static_cast<double>(lo - tj) * dt;  // t_last - (t_j + d), < 0
    const bool first_in_window = !window_used;
    window_used = true;
    switch (c.rule) {
      case stdp_rule::guetig: w = guetig_facilitate(c, w, pre.kplus * std::exp(minus_dt / c.tau_plus)); break;
      case stdp_rule::power_law: w = w + c.lambda * std::pow(w, c.mu) * pre.kplus * std::exp(minus_dt / c.tau_plus); break;
      case stdp_rule::triplet: {
        const double ky = post.kminus_triplet[s] - 1.0;
        const double kp = pre.kplus * std::exp(minus_dt / c.tau_plus);
        w = capped_abs(std::fabs(w) + kp * (c.Aplus + c.Aplus_triplet * ky), c.Wmax);
        break;
      }
      case stdp_rule::vogels_sprekeler:
        w = capped_abs(std::fabs(w) + c.eta * pre.kplus * std::exp(minus_dt / c.tau_plus), c.Wmax);
        break;
      case stdp_rule::nn_symm: w = guetig_facilitate(c, w, std::exp(minus_dt / c.tau_plus)); break;
      case stdp_rule::nn_restr:
        if (first_in_window) w = guetig_facilitate(c, w, std::exp(minus_dt / c.tau_plus));
        break;
      case stdp_rule::nn_pre_centered:
        if (first_in_window) {
          w = guetig_facilitate(c, w, synapse_kplus * std::exp(minus_dt / c.tau_plus));
          synapse_kplus = 0;
        }
        break;
      case stdp_rule::jonke: w = jonke_facilitate(c, w, pre.kplus * std::exp(minus_dt / c.tau_plus)); break;
      case stdp_rule::facetshw:
      case stdp_rule::dopamine:
      case stdp_rule::clopath:
      case stdp_rule::urbanczik:
      case stdp_rule::none: break;
    }
  }
  // 2. the target's trace just before t - d: the newest archived spike strictly before it
  double kminus = 0, nearest = 0;
  bool found = false;
  for (std::uint64_t k = post.count; k > post.first(); --k) {
    const std::uint32_t s = post.slot(k - 1);
    const auto tj = static_cast<std::int64_t>(post.t[s]);
    if (tj < hi) {
      const double age = static_cast<double>(hi - tj) * dt;  // ms
      kminus = post.kminus[s] * std::exp(-age * post.inv_tau_minus);
      nearest = std::exp(-age * post.inv_tau_minus);
      found = true;
      break;
    }
  }
  if (!found && post.dropped_t != 0) complete = false;  // the spike it needed fell out of the ring
  const double elapsed = static_cast<double>(t - pre.t_last) * dt;  // ms since the previous presynaptic spike
  switch (c.rule) {
    case stdp_rule::guetig: w = guetig_depress(c, w, kminus); break;
    case stdp_rule::power_law: {
      const double n = w - c.lambda * c.alpha * w * kminus;
      w = n > 0.0 ? n : 0.0;
      break;
    }
    case stdp_rule::triplet: {
      const double kpt = pre.kplus_triplet * std::exp(-elapsed / c.tau_plus_triplet);
      w = floored_abs(std::fabs(w) - kminus * (c.Aminus + c.Aminus_triplet * kpt), c.Wmax);
      break;
    }
    case stdp_rule::vogels_sprekeler:
      w = capped_abs(std::fabs(w) + c.eta * kminus, c.Wmax);
      w = floored_abs(std::fabs(w) - c.alpha * c.eta, c.Wmax);
      break;
    case stdp_rule::nn_symm: w = guetig_depress(c, w, nearest); break;
    case stdp_rule::nn_restr:
      if (window_used) w = guetig_depress(c, w, nearest);
      break;
    case stdp_rule::nn_pre_centered:
      w = guetig_depress(c, w, nearest);
      synapse_kplus = synapse_kplus * std::exp(-elapsed / c.tau_plus) + 1.0;
      break;
    case stdp_rule::jonke: w = jonke_depress(c, w, kminus); break;
    case stdp_rule::facetshw:
    case stdp_rule::dopamine:
    case stdp_rule::clopath:
    case stdp_rule::urbanczik:
    case stdp_rule::none: break;
  }
  return {w, complete};
}

// The source's traces after its spike at t (step 3), from those before it.
VOLLEY_HD inline stdp_pre_state stdp_after_pre_spike(const stdp_constants& c, const stdp_pre_state& before,
                                                     std::uint64_t t) {
  const double elapsed = static_cast<double>(t - before.t_last) * c.dt;  // ms
  stdp_pre_state after;
  after.t_last = t;
  after.kplus = before.kplus * std::exp(-elapsed / c.tau_plus) + 1.0;
  after.kplus_triplet = before.kplus_triplet * std::exp(-elapsed / c.tau_plus_triplet) + 1.0;
  return after;
}

}  // namespace volley::models
