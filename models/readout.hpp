#pragma once
// brainpy.state's readouts as populations: LeakyRateReadout and LeakySpikeReadout. In brainpy.state a readout owns
// its weight matrix (x @ W); in volley the weights are those of the projections onto the readout, summed per step
// into the readout's port "in" (connect with receptor "in"). Input emitted in step n arrives at the earliest in
// step n + 1 (volley's minimum delay), where brainpy.state feeds a layer's spikes to the readout in the same step.
//
// LeakyRateReadout (tau 5 ms): r <- exp(-dt/tau) r + x, x = sum of the weights arriving this step. No spikes.
//   Port "in" takes dimensionless weights, and r is dimensionless: the readout is a low-pass filtered score (logits),
//   not a voltage, and brainpy.state's default weights carry no unit. There is no membrane: current inputs are
//   rejected (takes_current = false) and weights in mV sent to the "delta" channel are not read.
//
// LeakySpikeReadout (tau 5 ms, V_th 1 mV, V(0) = 0 mV, soft reset): tau dV/dt = -V + x, x held over the step,
//   exponential Euler (exact for x held): V <- x + (V - x) exp(-dt/tau), then V += delta input (mV).
//   Port "in" takes weights in mV: brainpy.state's x = spk @ W has W in mV (KaimingNormal(unit=mV)) and enters
//   dV/dt = (-V + x)/tau as its current input, so x is a voltage drive held over the step, not a jump of V. Jumps
//   come through the "delta" channel (weights in mV without receptor), as brainpy.state's delta inputs. Current in
//   pA is rejected: the readout has no membrane resistance to turn it into a voltage.
//   Spike when V >= V_th (V_th > 0, brainpy.state: heaviside((V - V_th) / V_th)); reset in the spike step (see
//   lif.hpp for this convention): soft V -= V_th, hard V = 0 (brainpy.state subtracts the whole of V).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct rate_readout_params {
  units::time_q tau{5.0};  // ms
};
struct rate_readout_constants {
  real_t decay;  // exp(-dt/tau)
};

struct LeakyRateReadout {
  static constexpr const char* name = "LeakyRateReadout";
  static constexpr const char* description =
      "leaky integrator of the weighted input, r <- exp(-dt/tau) r + x (brainpy.state LeakyRateReadout)";
  enum : int { r, n_state };
  static constexpr int membrane = r;  // no membrane; the index only satisfies the model kit
  static constexpr std::array<state_field, n_state> state_fields{{{"r", units::dims::none}}};
  static constexpr int n_ports = 1;
  static constexpr std::array<port_desc, 1> ports{{{"in", units::dims::none}}};
  static constexpr bool takes_current = false;
  using params = rate_readout_params;
  using constants = rate_readout_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau", p.tau, range_check::positive);
  }
  static const char* validate(const params& p) {
    if (!(p.tau.value > 0)) return "tau must be positive";
    return nullptr;
  }
  static constants derive(const params& p, double dt) { return {static_cast<real_t>(std::exp(-dt / p.tau.value))}; }
  static void initial_state(const params&, real_t* s) { s[r] = 0; }
  // ---- differentiable part (contract: models/model_kit.hpp): no spikes; dI is per unit of the port input ----
  static constexpr int n_diff_state = 1;
  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    s[r] = s[r] * c.decay + in.port[0];
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t*, const neuron_input&,
                                                           real_t* J, real_t* dI) {
    J[0] = c.decay;
    dI[0] = 1;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    free_update(c, s, in);
    return false;
  }
};

struct spike_readout_params {
  units::time_q tau{5.0};    // ms
  units::voltage_q V_th{1.0};  // mV, positive
  reset_mode spk_reset = reset_mode::soft;
};
struct spike_readout_constants {
  real_t decay;  // exp(-dt/tau)
  real_t V_th;   // mV
  int soft_reset;
};

struct LeakySpikeReadout {
  static constexpr const char* name = "LeakySpikeReadout";
  static constexpr const char* description =
      "leaky integrate-and-fire readout, tau dV/dt = -V + x, x the weighted input in mV (brainpy.state "
      "LeakySpikeReadout)";
  enum : int { V, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{{{"V", units::dims::voltage}}};
  static constexpr int n_ports = 1;
  static constexpr std::array<port_desc, 1> ports{{{"in", units::dims::voltage}}};
  static constexpr bool takes_current = false;
  using params = spike_readout_params;
  using constants = spike_readout_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau", p.tau, range_check::positive);
    f("V_th", p.V_th, range_check::positive);
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    if (!(p.tau.value > 0)) return "tau must be positive";
    if (!(p.V_th.value > 0)) return "V_th must be positive (the reset value is 0 mV)";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {static_cast<real_t>(std::exp(-dt / p.tau.value)), static_cast<real_t>(p.V_th.value),
            p.spk_reset == reset_mode::soft ? 1 : 0};
  }
  static void initial_state(const params&, real_t* s) { s[V] = 0; }  // brainpy.state: Constant(0 mV)
  // ---- differentiable part (contract: models/model_kit.hpp); dI is per mV of the port input x ----
  // Spike argument x = (V - V_th) / V_th (brainpy.state; V_th > 0 is validated). A reset writes V.
  static constexpr int n_diff_state = 1;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 1> reset_targets{V};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t*, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - c.V_th : real_t(0);
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = c.soft_reset ? real_t(1) : real_t(0);
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t x = in.port[0];
    s[V] = x + (s[V] - x) * c.decay + in.delta_v;
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t*, const neuron_input&,
                                                           real_t* J, real_t* dI) {
    J[0] = c.decay;
    dI[0] = real_t(1) - c.decay;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / c.V_th;
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    g[V] = real_t(1) / c.V_th;  // 1/mV
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    real_t f[n_state] = {s[V]};
    free_update(c, f, in);
    const real_t v = f[V];
    const bool spike = v >= c.V_th;
    real_t r[n_state];
    reset_state(c, s, f, r);
    s[V] = spike ? r[V] : v;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::LeakyRateReadout)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::LeakySpikeReadout)
