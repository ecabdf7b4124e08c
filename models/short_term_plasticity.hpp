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

// Admissible values of a plasticity parameter (U: (0, 1]; time constants: > 0).
enum class plasticity_range { fraction, positive };
inline bool plasticity_in_range(double v, plasticity_range r) {
  return std::isfinite(v) && (r == plasticity_range::fraction ? (v > 0.0 && v <= 1.0) : v > 0.0);
}
inline const char* plasticity_range_text(plasticity_range r) {
  return r == plasticity_range::fraction ? "a value in (0, 1]" : "a positive value";
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

struct no_plasticity {
  static constexpr const char* name = "none";
};
// A projection's short-term plasticity: none (static weights), STP or STD.
using plasticity_params = std::variant<no_plasticity, stp_params, std_params>;

enum class plasticity_kind : std::uint32_t { none = 0, stp = 1, std = 2 };

// What the per-spike update reads, lowered once (internal units).
struct plasticity_constants {
  plasticity_kind kind = plasticity_kind::none;
  double U = 0;          // STP: increment of u; STD: fraction of x used
  double inv_tau_f = 0;  // 1/ms (STP)
  double inv_tau_d = 0;  // 1/ms (STP: tau_d; STD: tau)
  double dt = 0;         // ms
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
  }
  return c;
}

// Initial state of one source: u = U (STP), x = 1, stored at time 0.
inline double initial_u(const plasticity_constants& c) { return c.kind == plasticity_kind::stp ? c.U : 0.0; }

// One spike of a source in step `step` (time (step + 1) dt): relaxes u and x exactly from the time of their stored
// values (`since`, in steps of dt), applies the jumps, stores the new time and returns the spike's efficacy.
// `u` is ignored under STD. The body both the CPU pre-pass and the GPU kernel run.
VOLLEY_HD inline double plasticity_on_spike(const plasticity_constants& c, double& u, double& x,
                                            std::uint64_t& since, std::uint64_t step) {
  const double elapsed = static_cast<double>(step + 1 - since) * c.dt;  // ms
  since = step + 1;
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

}  // namespace volley::models
