#pragma once
// NEST's stdp_dopamine_synapse (Izhikevich 2007, Potjans et al. 2010): an eligibility trace c, raised by pre-post
// pairs (A_plus K+) and lowered by post-pre pairs (A_minus K-), turns into weight change while the dopamine trace n
// (jumps of multiplicity / tau_n at each dopamine spike, decay tau_n) exceeds the baseline b:
//   dw/dt = c (n - b),  dc/dt = -c / tau_c,  w kept in [Wmin, Wmax] after every piece,
// integrated exactly piece by piece between events: over a piece of length -minus_dt (minus_dt <= 0, ms) from c0, n0
//   w <- w - c0 (n0 / s expm1(s minus_dt) - b tau_c expm1(minus_dt / tau_c)),  s = 1/tau_c + 1/tau_n.
// The dopamine spikes come from a volume transmitter, which hands the synapses the spikes that reached it since
// its last delivery and, every deliver_interval min_delay slices, brings every synapse up to that time (trigger).
// As NEST 3.10 computes it: a synapse updated last at t_u (ms; 0 at first) and a dopamine list d_0 < d_1 < ...
// (d_0: the previous delivery time or 0, multiplicity 0; the synapse has consumed the spikes up to its index i):
//   process(t0, t1): if a spike d_(i+1) <= t1 is left: update w from t0 to d_(i+1) with c, n decayed from d_i to
//     t0; n jumps at d_(i+1) (i <- i + 1); every further spike <= t1 likewise from spike to spike (c decayed to the
//     piece's start); then from d_i to t1. Without a spike in (.., t1]: one piece from t0 to t1. Then c decays
//     from t0 to t1.
//   presynaptic spike at t through delay d: for each post spike t_j in (t_u - d, t - d], oldest first:
//     process(t0, t_j + d), t0 <- t_j + d, c += A_plus K+ exp((t_u - t0) / tau_plus); then process(t0, t);
//     c -= A_minus K-(t - d); deliver w; K+ <- K+ exp((t_u - t) / tau_plus) + 1; t_u <- t.
//   trigger at t_trig: the same over (t_u - d, t_trig - d] without the delivery and without the + 1, n decayed to
//     t_trig, t_u <- t_trig, i <- 0 (the list then restarts at t_trig).
// In NEST a trigger at the end of a slice comes before the delivery of that slice's spikes, so t may lie before
// t_u: the pieces then run backwards (positive minus_dt) exactly as NEST's code computes them; reproduced.
// Host-device, no allocation.
#include <cmath>
#include <cstdint>

#include "engine/config.hpp"
#include "models/stdp.hpp"

namespace volley::models {

// The model's common properties (NEST: SetDefaults / CopyModel only), times in ms, weights in the weight's unit.
struct dopamine_constants {
  double A_plus = 1, A_minus = 1.5;
  double tau_plus = 20, tau_c = 1000, tau_n = 200;  // ms
  double b = 0;                                     // dopamine baseline, 1/ms
  double Wmin = 0, Wmax = 200;
  std::int64_t tics_per_step = 100;  // NEST's tics per step (1000 tics per ms)
};

struct dopa_spike {
  std::int64_t t;       // arrival at the volume transmitter, steps (a spike in step k arrives at k + 1 + delay)
  double multiplicity;  // spikes
};

// The volume transmitter's present list: spikes since its last delivery, after the pseudo spike at that time.
struct dopa_list_view {
  const dopa_spike* spikes;
  std::uint32_t size;
};

// Per synapse.
struct dopamine_synapse {
  double kplus = 0;           // K+
  double c = 0;               // eligibility
  double n = 0;               // dopamine trace, 1/ms
  std::uint32_t index = 0;    // dopamine spikes of the list consumed
  std::int64_t t_update = 0;  // last update, steps
};

namespace dopamine_detail {
VOLLEY_HD inline double ms(const dopamine_constants& c, std::int64_t steps) {
  return (1.0 / 1000.0) * static_cast<double>(steps * c.tics_per_step);
}
VOLLEY_HD inline void update_weight(const dopamine_constants& c, double& w, double c0, double n0, double minus_dt) {
  const double s = (c.tau_c + c.tau_n) / (c.tau_c * c.tau_n);
  w = w - c0 * (n0 / s * std::expm1(s * minus_dt) - c.b * c.tau_c * std::expm1(minus_dt / c.tau_c));
  if (w < c.Wmin) w = c.Wmin;
  if (w > c.Wmax) w = c.Wmax;
}
VOLLEY_HD inline void jump_dopamine(const dopamine_constants& c, dopamine_synapse& s, const dopa_list_view& d) {
  const double minus_dt = ms(c, d.spikes[s.index].t) - ms(c, d.spikes[s.index + 1].t);
  ++s.index;
  s.n = s.n * std::exp(minus_dt / c.tau_n) + d.spikes[s.index].multiplicity / c.tau_n;
}
// t0, t1: steps
VOLLEY_HD inline void process(const dopamine_constants& c, dopamine_synapse& s, double& w, const dopa_list_view& d,
                              std::int64_t t0, std::int64_t t1) {
  const double t0_ms = ms(c, t0), t1_ms = ms(c, t1);
  auto next_in_range = [&] { return d.size > s.index + 1 && d.spikes[s.index + 1].t <= t1; };
  if (next_in_range()) {
    const double n0 = s.n * std::exp((ms(c, d.spikes[s.index].t) - t0_ms) / c.tau_n);
    update_weight(c, w, s.c, n0, t0_ms - ms(c, d.spikes[s.index + 1].t));
    jump_dopamine(c, s, d);
    while (next_in_range()) {
      const double cd = s.c * std::exp((t0_ms - ms(c, d.spikes[s.index].t)) / c.tau_c);
      update_weight(c, w, cd, s.n, ms(c, d.spikes[s.index].t) - ms(c, d.spikes[s.index + 1].t));
      jump_dopamine(c, s, d);
    }
    const double cd = s.c * std::exp((t0_ms - ms(c, d.spikes[s.index].t)) / c.tau_c);
    update_weight(c, w, cd, s.n, ms(c, d.spikes[s.index].t) - t1_ms);
  } else {
    const double n0 = s.n * std::exp((ms(c, d.spikes[s.index].t) - t0_ms) / c.tau_n);
    update_weight(c, w, s.c, n0, t0_ms - t1_ms);
  }
  s.c = s.c * std::exp((t0_ms - t1_ms) / c.tau_c);
}
// The post spikes of (t_update - d, t_end - d], oldest first: process up to each (+ d) and facilitate. Returns t0.
VOLLEY_HD inline std::int64_t pairs(const dopamine_constants& c, dopamine_synapse& s, double& w,
                                    const dopa_list_view& d, const stdp_archive_view& post, std::int64_t t_end,
                                    std::int64_t delay, bool& complete) {
  const std::int64_t lo = s.t_update - delay, hi = t_end - delay;
  if (post.dropped_t != 0 && static_cast<std::int64_t>(post.dropped_t) > lo) complete = false;
  std::int64_t t0 = s.t_update;
  for (std::uint64_t k = post.first(); k < post.count; ++k) {
    const auto tj = static_cast<std::int64_t>(post.t[post.slot(k)]);
    if (tj <= lo) continue;
    if (tj > hi) break;
    process(c, s, w, d, t0, tj + delay);
    t0 = tj + delay;
    s.c += c.A_plus * s.kplus * std::exp((ms(c, s.t_update) - ms(c, t0)) / c.tau_plus);
  }
  return t0;
}
}  // namespace dopamine_detail

// A presynaptic spike at t (steps) through a synapse of delay d (steps): the weight to deliver.
VOLLEY_HD inline stdp_outcome dopamine_on_pre_spike(const dopamine_constants& c, dopamine_synapse& s, double w,
                                                    const dopa_list_view& d, const stdp_archive_view& post,
                                                    std::int64_t t, std::int64_t delay) {
  using namespace dopamine_detail;
  bool complete = true;
  const std::int64_t t0 = pairs(c, s, w, d, post, t, delay, complete);
  process(c, s, w, d, t0, t);
  // K- just before t - d: the newest archived post spike strictly before it
  double kminus = 0;
  bool found = false;
  for (std::uint64_t k = post.count; k > post.first(); --k) {
    const std::uint32_t slot = post.slot(k - 1);
    const auto tj = static_cast<std::int64_t>(post.t[slot]);
    if (tj < t - delay) {
      kminus = post.kminus[slot] * std::exp(-(ms(c, t - delay) - ms(c, tj)) * post.inv_tau_minus);
      found = true;
      break;
    }
  }
  if (!found && post.dropped_t != 0) complete = false;
  s.c -= c.A_minus * kminus;
  s.kplus = s.kplus * std::exp((ms(c, s.t_update) - ms(c, t)) / c.tau_plus) + 1.0;
  s.t_update = t;
  return {w, complete};
}

// The volume transmitter's delivery at t_trig (steps): the synapse brought up to t_trig.
VOLLEY_HD inline stdp_outcome dopamine_on_trigger(const dopamine_constants& c, dopamine_synapse& s, double w,
                                                  const dopa_list_view& d, const stdp_archive_view& post,
                                                  std::int64_t t_trig, std::int64_t delay) {
  using namespace dopamine_detail;
  bool complete = true;
  const std::int64_t t0 = pairs(c, s, w, d, post, t_trig, delay, complete);
  process(c, s, w, d, t0, t_trig);
  s.n = s.n * std::exp((ms(c, d.spikes[s.index].t) - ms(c, t_trig)) / c.tau_n);
  s.kplus = s.kplus * std::exp((ms(c, s.t_update) - ms(c, t_trig)) / c.tau_plus);
  s.t_update = t_trig;
  s.index = 0;
  return {w, complete};
}

}  // namespace volley::models
