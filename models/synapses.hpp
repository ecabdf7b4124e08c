#pragma once
// BrainPy-style synapses kept per target neuron ("align-post": one state per neuron and receptor, shared by every
// projection onto the receptor), with brainpy.state's names, parameter names and defaults. A synapse's state is in
// the unit of the weights that reach it (nS under COBA/MgBlock, pA under CUBA); variable 0 is always the
// conductance g the output sees (recorded as "<receptor>.g"). A step first reads g (output), then advances the
// state over dt and adds the weights arriving in the step: an arrival at the end of step n acts from step n+1 on.
//
// Linear synapses: exact propagators, so responses are exact at the grid points and superpose exactly.
//   Expon      dg/dt = -g/tau;  arrival: g += w.                                                 tau 8 ms
//   Alpha      dh/dt = -h/tau, dg/dt = -g/tau + (e/tau) h;  arrival: h += w.                       tau 8 ms
//              One weight w gives g(t) = w (t/tau) exp(1 - t/tau): peak w at t = tau (peak-normalised). This is
//              the g(t) brainpy.state's docstring states; its code integrates dg/dt = (h - g)/tau, whose peak is
//              w/e — weights taken over from brainpy.state code give the same g here when divided by e.
//   DualExpon  dh/dt = -h/tau_rise, dg/dt = -g/tau_decay + c h;  arrival: h += w.   tau_rise 1, tau_decay 10 ms
//              c = r^(-r/(1-r)) / tau_rise with r = tau_rise/tau_decay, so one weight w gives
//              g(t) = w (e^{-t/tau_decay} - e^{-t/tau_rise}) / ((1 - r) r^{r/(1-r)}): peak w at
//              t* = ln(tau_decay/tau_rise) tau_rise tau_decay / (tau_decay - tau_rise). tau_rise = tau_decay is
//              the limit c = e/tau (Alpha); the propagator is written so that it stays accurate near it.
//              (brainpy.state scales by a = A (1/tau_rise - 1/tau_decay) with A this peak factor, i.e. its peak
//              is w (1/tau_rise - 1/tau_decay) ms, not w; we normalise to w as its documentation intends.)
//
// Kinetic synapses AMPA, GABAa, BioNMDA: models/kinetic_synapses.hpp, which says what an arrival means for them
// per target neuron and how they are integrated.
//
// Instant     g = the weights arriving in the step, nothing kept: a weight acts over the next step only. The
//             target side of align-pre projections (engine/projection.hpp), which deliver weight x their source's
//             synapse g every step.
//
// Align-pre (brainpy.state's AlignPreProj: one synapse per presynaptic neuron, seen by every target through its
// weight): presynaptic_synapse_step advances a source's synapse with unit weight per spike. Linear kinds add 1 as an
// arrival. Kinetic kinds restart their transmitter pulse on a spike (T_dur from the end of the spike's step) with
// the whole open fraction s <= 1 seeing it, as a per-source synapse does (no fresh terminals: s saturates).
#include <cmath>
#include <cstddef>
#include <numbers>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"
#include "models/kinetic_synapses.hpp"

// Out of line on the CPU: inlined, the bodies of the other kinds make the per-neuron loop of the fused update too large
// for the compiler to hoist the synapse-kind test out of it, and the Expon loop would no longer vectorise.
#if defined(__GNUC__) && !defined(VOLLEY_DEVICE_COMPILE)
#define VOLLEY_SYNAPSE_COLD inline __attribute__((noinline))
#else
#define VOLLEY_SYNAPSE_COLD VOLLEY_INLINE
#endif

namespace volley::models {

enum class synapse_kind : int { expon = 0, dual_expon = 1, alpha = 2, ampa = 3, gabaa = 4, bionmda = 5, instant = 6 };

struct expon_params {
  static constexpr const char* name = "Expon";
  units::time_q tau{8.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau", p.tau, range_check::positive);
  }
};
struct dual_expon_params {
  static constexpr const char* name = "DualExpon";
  units::time_q tau_decay{10.0};
  units::time_q tau_rise{1.0};  // at most tau_decay
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau_decay", p.tau_decay, range_check::positive);
    f("tau_rise", p.tau_rise, range_check::positive);
  }
};
struct alpha_params {
  static constexpr const char* name = "Alpha";
  units::time_q tau{8.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau", p.tau, range_check::positive);
  }
};

struct instant_params {
  static constexpr const char* name = "Instant";
  template <class P, class F>
  static void each_param(P&, F&&) {}
};

// Relations between parameters that the per-parameter ranges cannot express: the offending parameter and what is
// expected, or nullptr.
template <class S>
inline const char* synapse_relation_problem(const S&, const char** param) {
  *param = nullptr;
  return nullptr;
}
inline const char* synapse_relation_problem(const dual_expon_params& p, const char** param) {
  *param = "tau_rise";
  return p.tau_rise.value <= p.tau_decay.value ? nullptr
                                               : "a time not longer than tau_decay (the rise is the faster one)";
}

struct synapse_constants {
  synapse_kind kind = synapse_kind::expon;
  real_t decay = 0;       // Expon, Alpha: exp(-dt/tau); DualExpon: exp(-dt/tau_decay)
  real_t rise = 0;        // Alpha: exp(-dt/tau); DualExpon: exp(-dt/tau_rise)
  real_t couple = 0;      // Alpha, DualExpon: g gained over one step per unit of h at the step start
  kinetic_constants kin;  // AMPA, GABAa, BioNMDA (models/kinetic_synapses.hpp)
};

// ---- host: constants per (parameters, dt) ------------------------------------------------------------------

inline synapse_constants synapse_constants_for(const expon_params& p, double dt) {
  synapse_constants c;
  c.kind = synapse_kind::expon;
  c.decay = static_cast<real_t>(std::exp(-dt / p.tau.value));
  return c;
}
inline synapse_constants synapse_constants_for(const alpha_params& p, double dt) {
  synapse_constants c;
  c.kind = synapse_kind::alpha;
  const double e = std::exp(-dt / p.tau.value);
  c.decay = c.rise = static_cast<real_t>(e);
  c.couple = static_cast<real_t>(std::numbers::e * dt / p.tau.value * e);
  return c;
}
inline synapse_constants synapse_constants_for(const dual_expon_params& p, double dt) {
  const double tr = p.tau_rise.value, td = p.tau_decay.value;
  const double u = (td - tr) / td;                      // 1 - r, in [0, 1)
  const double q = u > 0 ? std::log1p(-u) / u : -1.0;   // ln(r) / (1 - r), -> -1 as tau_rise -> tau_decay
  const double c_norm = std::exp(-(tr / td) * q) / tr;  // r^(-r/(1-r)) / tau_rise (1/ms)
  const double k = (td - tr) / (tr * td);               // 1/tau_rise - 1/tau_decay (1/ms), exact near 0
  // g at t = dt from h = 1, g = 0: c (e^{-dt/td} - e^{-dt/tr}) / k, written with expm1 so that k -> 0 is accurate
  const double p21 = k > 0 ? -std::exp(-dt / td) * std::expm1(-dt * k) / k : dt * std::exp(-dt / td);
  synapse_constants c;
  c.kind = synapse_kind::dual_expon;
  c.decay = static_cast<real_t>(std::exp(-dt / td));
  c.rise = static_cast<real_t>(std::exp(-dt / tr));
  c.couple = static_cast<real_t>(c_norm * p21);
  return c;
}
inline synapse_constants synapse_constants_for(const instant_params&, double) {
  synapse_constants c;
  c.kind = synapse_kind::instant;
  return c;
}
inline synapse_constants synapse_constants_for(const ampa_params& p, double dt) {
  return {synapse_kind::ampa, 0, 0, 0, kinetic_constants_for(p, dt)};
}
inline synapse_constants synapse_constants_for(const gabaa_params& p, double dt) {
  return {synapse_kind::gabaa, 0, 0, 0, kinetic_constants_for(p, dt)};
}
inline synapse_constants synapse_constants_for(const bionmda_params& p, double dt) {
  return {synapse_kind::bionmda, 0, 0, 0, kinetic_constants_for(p, dt)};
}

// State variables per synapse kind (their meaning: the header comments here and in kinetic_synapses.hpp).
inline int synapse_state_count(synapse_kind k) {
  switch (k) {
    case synapse_kind::expon:
    case synapse_kind::instant: return 1;
    case synapse_kind::dual_expon:
    case synapse_kind::alpha: return 2;
    case synapse_kind::ampa:
    case synapse_kind::gabaa: return 4;
    case synapse_kind::bionmda: return 8;
  }
  return 1;
}

// ---- host-device: one step --------------------------------------------------------------------------------

// Alpha, DualExpon, AMPA, GABAa, BioNMDA: one step of cell k (out of line on the CPU, see VOLLEY_SYNAPSE_COLD).
VOLLEY_HD VOLLEY_SYNAPSE_COLD void other_synapse_advance(const synapse_constants& c, real_t* const* s, std::size_t k,
                                                         real_t arriving) {
  switch (c.kind) {
    case synapse_kind::ampa:
    case synapse_kind::gabaa: first_order_kinetic_advance(c.kin, s, k, arriving); break;
    case synapse_kind::bionmda: bionmda_advance(c.kin, s, k, arriving); break;
    case synapse_kind::instant: s[0][k] = arriving; break;
    case synapse_kind::alpha:
    case synapse_kind::dual_expon:
    default: {
      const real_t h = s[1][k];
      s[0][k] = s[0][k] * c.decay + c.couple * h;
      s[1][k] = h * c.rise + arriving;
    }
  }
}

// One step of the synapse of cell k, then this step's arriving weight. s: the receptor's state columns. Expon is
// tested first and alone, so that the compiler hoists this one loop-invariant test out of the per-neuron loop.
VOLLEY_HD VOLLEY_INLINE void synapse_advance(const synapse_constants& c, real_t* const* s, std::size_t k,
                                             real_t arriving) {
  if (c.kind == synapse_kind::expon)
    s[0][k] = s[0][k] * c.decay + arriving;
  else
    other_synapse_advance(c, s, k, arriving);
}

// Align-pre: one step of the synapse of source cell k, which spiked in this step or not (unit weight).
VOLLEY_HD VOLLEY_INLINE void presynaptic_synapse_step(const synapse_constants& c, real_t* const* s, std::size_t k,
                                                      bool spiked) {
  switch (c.kind) {
    case synapse_kind::ampa:
    case synapse_kind::gabaa:
      first_order_kinetic_advance(c.kin, s, k, 0);
      if (spiked) {  // every terminal is the latest release, with a fresh pulse
        s[1][k] = s[0][k];
        s[2][k] = 1;
        s[3][k] = c.kin.t_dur;
      }
      return;
    case synapse_kind::bionmda:
      bionmda_advance(c.kin, s, k, 0);
      if (spiked) {  // the same, x included (older terminals: none left)
        s[1][k] = s[0][k];
        s[2][k] = 1;
        s[3][k] = c.kin.t_dur;
        s[4][k] += s[5][k];
        s[5][k] = s[6][k] = s[7][k] = 0;
      }
      return;
    default: synapse_advance(c, s, k, spiked ? real_t(1) : real_t(0));
  }
}

}  // namespace volley::models
