#pragma once
// Short-term plasticity of a projection, brainpy.state's STP (Tsodyks-Markram) and STD, with its parameter names
// and defaults. The state is per presynaptic neuron and batch instance (u, x dimensionless; the time of the
// stored state in steps), updated event-driven: only when the source spikes.
//
//   STP   du/dt = -u/tau_f,        spike: u <- u + U (1 - u)             U 0.15, tau_f 1500 ms, tau_d 200 ms
//         dx/dt = (1 - x)/tau_d,   spike: x <- x - u x  (with the new u)
//         efficacy of the spike: u x, both after the jumps;  initial u = U, x = 1
//   STD   dx/dt = (1 - x)/tau,     spike: x <- x - U x                   tau 200 ms, U 0.07
//         efficacy of the spike: x after the jump;  initial x = 1
//
// Update order, checked against brainpy.state's STP.update / STD.update: every step there first relaxes u and x
// over dt (exponential Euler, exact for these linear equations), then applies the jumps of a spike, and returns
// u*x (STD: x) *after* the jumps, i.e. u+ x- (1 - u+) in Tsodyks-Markram's notation (the classical model uses
// u+ x-). We keep brainpy.state's output. When source j spikes in step n (at time (n+1) dt), u and x relax with
// exact exponentials from the time of their stored values (the end of j's previous spike step; 0 at the start)
// to (n+1) dt, then jump, and the efficacy multiplies every weight of j's row delivered for this spike.
// One difference, first order in dt: brainpy.state's jump terms use u and x of the previous step (before that
// step's relaxation), ours the relaxed values u-, x- at the spike (the continuous-time model, which brainpy.state's
// update approaches as dt -> 0). With the defaults and dt = 0.1 ms the efficacies differ by 3e-6 (relative) on the
// first spike, and in steady state by 0.2% at 10 Hz, 0.9% at 20 Hz, 4% at 40 Hz, 20% at 100 Hz: the error of
// brainpy.state's step, u (1 - x) dt/tau_d on x+, is large next to a deeply depressed x (tests/test_stp.cpp).
// Periodic train with period T, in this convention (u+ and x- at steady state):
//   u* = U / (1 - (1 - U) e^{-T/tau_f}),   x* = (1 - e^{-T/tau_d}) / (1 - (1 - u*) e^{-T/tau_d}),
//   efficacy* = u* x* (1 - u*)   (STD: u* = U, efficacy* = x* (1 - U)).
//
// Align-post receptors: the efficacy scales the weight added to the target's ring buffer, so for linear
// synapses (Expon, DualExpon, Alpha with CUBA, COBA or MgBlock) a projection with STP gives the conductance
// brainpy.state's AlignPostProj(..., STP) and the usual align-pre STP + Expon setup give (for the same efficacies:
// see the first-order difference above): all are the sum over spikes of weight * efficacy * kernel(t - t_spike).
// (The kinetic synapses, AMPA, GABAa, BioNMDA, are not linear in the arriving weight: there the efficacy scales
// the release, and this equality does not hold.)
#include <cmath>
#include <cstdint>
#include <variant>

#include "engine/config.hpp"
#include "engine/units.hpp"

namespace volley::models {

// Admissible values of a plasticity parameter (U: (0, 1]; time constants: > 0; NEST's tau_fac: >= 0, 0 switching
// facilitation off; NEST's initial u, x, y: [0, 1]).
enum class plasticity_range { fraction, positive, non_negative, unit_interval, count, positive_count };
inline bool plasticity_in_range(double v, plasticity_range r) {
  if (!std::isfinite(v)) return false;
  switch (r) {
    case plasticity_range::fraction: return v > 0.0 && v <= 1.0;
    case plasticity_range::positive: return v > 0.0;
    case plasticity_range::non_negative: return v >= 0.0;
    case plasticity_range::unit_interval: return v >= 0.0 && v <= 1.0;
    case plasticity_range::count: return v >= 0.0 && v == std::floor(v) && v <= 65535.0;
    case plasticity_range::positive_count: return v >= 1.0 && v == std::floor(v) && v <= 65535.0;
  }
  return false;
}
inline const char* plasticity_range_text(plasticity_range r) {
  switch (r) {
    case plasticity_range::fraction: return "a value in (0, 1]";
    case plasticity_range::positive: return "a positive value";
    case plasticity_range::non_negative: return "a value >= 0";
    case plasticity_range::unit_interval: return "a value in [0, 1]";
    case plasticity_range::count: return "a whole number in [0, 65535]";
    case plasticity_range::positive_count: return "a whole number in [1, 65535]";
  }
  return "";
}

struct stp_params {
  static constexpr const char* name = "STP";
  units::dimensionless_q U{0.15};  // increment of u per spike (and its initial value)
  units::time_q tau_f{1500.0};     // facilitation: decay of u (ms)
  units::time_q tau_d{200.0};      // depression: recovery of x (ms)
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("U", p.U, plasticity_range::fraction);
    f("tau_f", p.tau_f, plasticity_range::positive);
    f("tau_d", p.tau_d, plasticity_range::positive);
  }
};

struct std_params {
  static constexpr const char* name = "STD";
  units::time_q tau{200.0};        // recovery of x (ms)
  units::dimensionless_q U{0.07};  // fraction of x used per spike
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau", p.tau, plasticity_range::positive);
    f("U", p.U, plasticity_range::fraction);
  }
};

// NEST's tsodyks2_synapse (Tsodyks & Markram 1997 as NEST 3.10 has it). State per source here (NEST: per synapse;
// equal for the synapses of one source with equal parameters). At a spike at t, previous one at t_last:
//   not the first spike:  x <- 1 + (x - x u - 1) exp(-h/tau_rec),  u <- U + u (1 - U) exp(-h/tau_fac)  (h = t - t_last;
//                         tau_fac 0: u <- U), x updated with the old u;   efficacy x u (the first spike: the
//                         initial x u, unchanged).  Defaults U 0.5, u 0.5, x 1, tau_rec 800 ms, tau_fac 0.
struct nest_tsodyks2_params {
  static constexpr const char* name = "tsodyks2_synapse";
  units::dimensionless_q U{0.5};
  units::dimensionless_q u{0.5};   // initial
  units::dimensionless_q x{1.0};   // initial
  units::time_q tau_rec{800.0};
  units::time_q tau_fac{0.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("U", p.U, plasticity_range::fraction);
    f("u", p.u, plasticity_range::unit_interval);
    f("x", p.x, plasticity_range::unit_interval);
    f("tau_rec", p.tau_rec, plasticity_range::positive);
    f("tau_fac", p.tau_fac, plasticity_range::non_negative);
  }
};

// NEST's tsodyks_synapse (Tsodyks, Uziel & Markram 2000): resources x (recovered), y (active), z = 1 - x - y
// (inactive), utilisation u, propagated exactly from the previous spike (time 0 before the first, NEST's
// t_lastspike_ 0) over h = t - t_last:
//   u <- u exp(-h/tau_fac) (0 if tau_fac is 0);  x <- x + Pxy y - expm1(-h/tau_rec) z;  y <- y exp(-h/tau_psc),
//   Pxy = (expm1(-h/tau_rec) tau_rec - (exp(-h/tau_psc) - 1) tau_psc) / (tau_psc - tau_rec);
//   then u <- u + U (1 - u); efficacy u x; x <- x - u x; y <- y + u x.
// Defaults U 0.5, u 0, x 1, y 0, tau_psc 3 ms, tau_rec 800 ms, tau_fac 0. tau_psc must differ from tau_rec.
struct nest_tsodyks_params {
  static constexpr const char* name = "tsodyks_synapse";
  units::dimensionless_q U{0.5};
  units::dimensionless_q u{0.0};   // initial
  units::dimensionless_q x{1.0};   // initial
  units::dimensionless_q y{0.0};   // initial
  units::time_q tau_psc{3.0};
  units::time_q tau_rec{800.0};
  units::time_q tau_fac{0.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("U", p.U, plasticity_range::fraction);
    f("u", p.u, plasticity_range::unit_interval);
    f("x", p.x, plasticity_range::unit_interval);
    f("y", p.y, plasticity_range::unit_interval);
    f("tau_psc", p.tau_psc, plasticity_range::positive);
    f("tau_rec", p.tau_rec, plasticity_range::positive);
    f("tau_fac", p.tau_fac, plasticity_range::non_negative);
  }
};

// NEST's quantal_stp_synapse (Fuhrmann et al. 2002, Loebel et al. 2009): n release sites per synapse, a of them
// available. u is per source here (it depends only on the spike times; NEST: per synapse), a per synapse. At a
// spike at t, previous one at t_last (h = t - t_last; nothing of this on the first spike):
//   u <- U + u (1 - U) exp(-h/tau_fac) (tau_fac 0: u <- U); each of the n - a depleted sites recovers with
//   probability 1 - exp(-h/tau_rec);
// then each of the a available sites releases with probability u: n_release sites (Binomial(a, u)); a spike with
// n_release > 0 delivers n_release * weight, and a <- a - n_release. Defaults U 0.5, u 0.5, tau_rec 800 ms,
// tau_fac 0, n 1, a 1. CPU only (per-synapse state and draws, engine/projection.cpp).
struct nest_quantal_params {
  static constexpr const char* name = "quantal_stp_synapse";
  units::dimensionless_q U{0.5};
  units::dimensionless_q u{0.5};   // initial
  units::time_q tau_rec{800.0};
  units::time_q tau_fac{0.0};
  units::dimensionless_q n{1.0};   // release sites
  units::dimensionless_q a{1.0};   // initially available sites, <= n
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("U", p.U, plasticity_range::fraction);
    f("u", p.u, plasticity_range::unit_interval);
    f("tau_rec", p.tau_rec, plasticity_range::positive);
    f("tau_fac", p.tau_fac, plasticity_range::non_negative);
    f("n", p.n, plasticity_range::positive_count);
    f("a", p.a, plasticity_range::count);
  }
};

// NEST's ht_synapse (Hill & Tononi 2005, p 1678): a depressing synapse with vesicle pool P, dP/dt = (1 - P) / tau_P.
// At a spike at t (previous one at t_last; 0 before the first, NEST's t_lastspike_): P <- 1 - (1 - P) exp(-(t -
// t_last) / tau_P); the spike delivers weight * P; then P <- (1 - delta_P) P. State per source here (NEST: per
// synapse; equal for the synapses of one source with equal parameters). Defaults P 1, delta_P 0.125, tau_P 500 ms.
struct nest_ht_params {
  static constexpr const char* name = "ht_synapse";
  units::time_q tau_P{500.0};
  units::dimensionless_q delta_P{0.125};
  units::dimensionless_q P{1.0};  // initial
  template <class P_, class F>
  static void each_param(P_& p, F&& f) {
    f("tau_P", p.tau_P, plasticity_range::positive);
    f("delta_P", p.delta_P, plasticity_range::unit_interval);
    f("P", p.P, plasticity_range::unit_interval);
  }
};

struct no_plasticity {
  static constexpr const char* name = "none";
};
// A projection's short-term plasticity: none (static weights), STP or STD (brainpy.state), or NEST's
// tsodyks2_synapse / tsodyks_synapse / quantal_stp_synapse / ht_synapse.
using plasticity_params = std::variant<no_plasticity, stp_params, std_params, nest_tsodyks2_params, nest_tsodyks_params,
                                       nest_quantal_params, nest_ht_params>;

enum class plasticity_kind : std::uint32_t {
  none = 0,
  stp = 1,
  std = 2,
  tsodyks2 = 3,
  tsodyks = 4,
  quantal = 5,
  ht = 6
};

// What the per-spike update reads, lowered once (internal units).
struct plasticity_constants {
  plasticity_kind kind = plasticity_kind::none;
  double U = 0;          // STP: increment of u; STD: fraction of x used
  double inv_tau_f = 0;  // 1/ms (STP)
  double inv_tau_d = 0;  // 1/ms (STP: tau_d; STD: tau; tsodyks: tau_rec)
  double dt = 0;         // ms
  double tau_rec = 0, tau_fac = 0, tau_psc = 0;  // ms (tsodyks, tsodyks2: NEST's own expressions use them)
  double u0 = 0, x0 = 1, y0 = 0;                 // initial state (tsodyks, tsodyks2; quantal: u0)
  std::uint32_t sites = 1, available0 = 1;       // quantal: n, initial a
};

inline plasticity_constants plasticity_constants_for(const plasticity_params& p, double dt) {
  plasticity_constants c;
  c.dt = dt;
  if (const auto* s = std::get_if<stp_params>(&p)) {
    c.kind = plasticity_kind::stp;
    c.U = s->U.value;
    c.inv_tau_f = 1.0 / s->tau_f.value;
    c.inv_tau_d = 1.0 / s->tau_d.value;
  } else if (const auto* d = std::get_if<std_params>(&p)) {
    c.kind = plasticity_kind::std;
    c.U = d->U.value;
    c.inv_tau_d = 1.0 / d->tau.value;
  } else if (const auto* t2 = std::get_if<nest_tsodyks2_params>(&p)) {
    c.kind = plasticity_kind::tsodyks2;
    c.U = t2->U.value;
    c.tau_rec = t2->tau_rec.value;
    c.tau_fac = t2->tau_fac.value;
    c.u0 = t2->u.value;
    c.x0 = t2->x.value;
  } else if (const auto* t1 = std::get_if<nest_tsodyks_params>(&p)) {
    c.kind = plasticity_kind::tsodyks;
    c.U = t1->U.value;
    c.tau_rec = t1->tau_rec.value;
    c.tau_fac = t1->tau_fac.value;
    c.tau_psc = t1->tau_psc.value;
    c.u0 = t1->u.value;
    c.x0 = t1->x.value;
    c.y0 = t1->y.value;
  } else if (const auto* q = std::get_if<nest_quantal_params>(&p)) {
    c.kind = plasticity_kind::quantal;
    c.U = q->U.value;
    c.tau_rec = q->tau_rec.value;
    c.tau_fac = q->tau_fac.value;
    c.u0 = q->u.value;
    c.sites = static_cast<std::uint32_t>(q->n.value);
    c.available0 = static_cast<std::uint32_t>(q->a.value);
  } else if (const auto* ht = std::get_if<nest_ht_params>(&p)) {
    c.kind = plasticity_kind::ht;
    c.U = ht->delta_P.value;     // the fraction of the pool a spike uses
    c.tau_rec = ht->tau_P.value;  // ms: recovery of the pool
    c.x0 = ht->P.value;
  }
  return c;
}

// Initial state of one source: u = U (STP), x = 1, stored at time 0; NEST's models: their initial u, x, y.
inline double initial_u(const plasticity_constants& c) {
  if (c.kind == plasticity_kind::tsodyks || c.kind == plasticity_kind::tsodyks2 || c.kind == plasticity_kind::quantal)
    return c.u0;
  return c.kind == plasticity_kind::stp ? c.U : 0.0;
}
inline double initial_x(const plasticity_constants& c) {
  return c.kind == plasticity_kind::tsodyks || c.kind == plasticity_kind::tsodyks2 || c.kind == plasticity_kind::ht
             ? c.x0
             : 1.0;
}
inline bool uses_u(const plasticity_constants& c) {
  return c.kind == plasticity_kind::stp || c.kind == plasticity_kind::tsodyks || c.kind == plasticity_kind::tsodyks2 ||
         c.kind == plasticity_kind::quantal;
}

// One spike of a source in step `step` (time (step + 1) dt): relaxes u and x exactly from the time of their stored
// values (`since`, in steps of dt), applies the jumps, stores the new time and returns the spike's efficacy.
// `u` is ignored under STD and ht (whose pool P is x), `y` except under tsodyks. The body both the CPU pre-pass and
// the GPU kernel run.
// quantal: returns the release probability u of the spike and leaves in x the recovery probability of a depleted
// site over the interval (0 on the first spike); the per-synapse part is in the delivery.
VOLLEY_HD inline double plasticity_on_spike(const plasticity_constants& c, double& u, double& x, double& y,
                                            std::uint64_t& since, std::uint64_t step) {
  const double elapsed = static_cast<double>(step + 1 - since) * c.dt;  // ms
  const bool first = since == 0;
  since = step + 1;
  if (c.kind == plasticity_kind::tsodyks2) {  // NEST 3.10's order: x with the old u, then u
    if (!first) {
      const double x_decay = std::exp(-elapsed / c.tau_rec);
      const double u_decay = c.tau_fac == 0.0 ? 0.0 : std::exp(-elapsed / c.tau_fac);
      x = 1.0 + (x - x * u - 1.0) * x_decay;
      u = c.U + u * (1.0 - c.U) * u_decay;
    }
    return x * u;
  }
  if (c.kind == plasticity_kind::quantal) {  // NEST 3.10's order: u, then recovery, then release
    if (first) {
      x = 0.0;
    } else {
      const double u_decay = c.tau_fac < 1.0e-10 ? 0.0 : std::exp(-elapsed / c.tau_fac);
      u = c.U + u * (1.0 - c.U) * u_decay;
      x = 1.0 - std::exp(-elapsed / c.tau_rec);
    }
    return u;
  }
  if (c.kind == plasticity_kind::ht) {  // NEST 3.10's ht_synapse::send: recover, send P, then deplete
    x = 1.0 - (1.0 - x) * std::exp(-elapsed / c.tau_rec);
    const double sent = x;
    x *= 1.0 - c.U;
    return sent;
  }
  if (c.kind == plasticity_kind::tsodyks) {
    const double Puu = c.tau_fac == 0.0 ? 0.0 : std::exp(-elapsed / c.tau_fac);
    const double Pyy = std::exp(-elapsed / c.tau_psc);
    const double Pzz = std::expm1(-elapsed / c.tau_rec);
    const double Pxy = (Pzz * c.tau_rec - (Pyy - 1.0) * c.tau_psc) / (c.tau_psc - c.tau_rec);
    const double z = 1.0 - x - y;
    u *= Puu;
    x += Pxy * y - Pzz * z;
    y *= Pyy;
    u += c.U * (1.0 - u);
    const double used = u * x;
    x -= used;
    y += used;
    return used;
  }
  const double x_minus = 1.0 - (1.0 - x) * std::exp(-elapsed * c.inv_tau_d);
  if (c.kind == plasticity_kind::stp) {
    const double u_minus = u * std::exp(-elapsed * c.inv_tau_f);
    u = u_minus + c.U * (1.0 - u_minus);
    x = x_minus - u * x_minus;
    return u * x;
  }
  x = x_minus - c.U * x_minus;
  return x;
}

// quantal: u of the next of m spikes at the same time (a count): NEST's update over zero time.
VOLLEY_HD inline double quantal_next_u(const plasticity_constants& c, double u) {
  return c.U + u * (1.0 - c.U) * (c.tau_fac < 1.0e-10 ? 0.0 : 1.0);
}

// quantal, a count of m >= 1 spikes in step `step`: the first as plasticity_on_spike (leaving the recovery
// probability in x), its u kept in first_u for the delivery, which replays the m release attempts per synapse
// (engine/projection.cpp); u goes on from the last of them.
VOLLEY_HD inline void quantal_on_spikes(const plasticity_constants& c, double& u, double& x, double& first_u,
                                        std::uint64_t& since, std::uint64_t step, std::uint64_t m) {
  double unused_y = 0;
  first_u = plasticity_on_spike(c, u, x, unused_y, since, step);
  for (std::uint64_t i = 1; i < m; ++i) u = quantal_next_u(c, u);
}

// A count of m spikes of a source in step `step` (a parrot's or spike_train_injector's multiplicity): NEST 3.10
// passes them on as m events at the same time, so the synapse relaxes over zero time and jumps m times.
// each(i, efficacy) sees the i-th spike's efficacy; returns the sum, the factor of the weight delivered.
// Not for quantal (its release is per synapse, in the delivery: quantal_on_spikes).
template <class Each>
VOLLEY_HD inline double plasticity_on_spikes(const plasticity_constants& c, double& u, double& x, double& y,
                                             std::uint64_t& since, std::uint64_t step, std::uint64_t m, Each&& each) {
  double sum = 0;
  for (std::uint64_t i = 0; i < m; ++i) {
    const double e = plasticity_on_spike(c, u, x, y, since, step);
    each(i, e);
    sum += e;
  }
  return sum;
}

}  // namespace volley::models
