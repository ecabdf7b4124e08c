#pragma once
// Spike-source populations (brainpy.state inputs that are neuron groups): their spikes feed projections like any
// population's. They have no membrane and take no current (takes_current = false); input delivered to them is
// ignored.
//
//   PoissonSpike    independent Poisson trains with a fixed rate per neuron (parameter `freqs`, per neuron through
//                   a list or distribution). A spike in a step with probability p = 1 - exp(-freqs dt) (brainpy.state
//                   _per_bin_spike_prob: the exact per-bin probability, p = freqs dt to first order).
//   PoissonEncoder  the same with the rate as a state variable `rate`, [batch][neuron], so each batch instance can
//                   encode its own sample (e.g. pixel intensities times a maximal rate); set it with `initial` or
//                   through state("rate") between runs, as brainpy.state passes the rates to update().
//   SpikeTime       spikes of given neurons at given times (brainpy.state SpikeTime(indices, times)), the same in every
//                   batch instance. The schedule is a table (step -> neurons) held by the population and set with
//                   network::set_spike_schedule; the update copies this step's row into the spike list.
// The Poisson sources compare one uniform number per neuron-step (needs_uniform; stream (seed, make_tag(neuron_noise,
// population id), cell, step)) with p, so their trains do not depend on threads. State `spike` is 1 in the step of
// a spike, 0 otherwise (recordable as a trace).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct poisson_spike_params {
  units::rate_q freqs{1e-2};  // 10 Hz (brainpy.state has no default: freqs is required there)
};
struct poisson_spike_constants {
  real_t p;  // spike probability per step, 1 - exp(-freqs dt)
};

// Shared declarations of the three sources (state, ports, no current).
struct spike_source_base {
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};
  static constexpr bool takes_current = false;
  static constexpr int membrane = 0;  // no membrane; the index only satisfies the model kit
};

struct PoissonSpike : spike_source_base {
  static constexpr const char* name = "PoissonSpike";
  static constexpr const char* description =
      "Poisson spike trains with a fixed rate per neuron (brainpy.state PoissonSpike)";
  enum : int { spike, n_state };
  static constexpr std::array<state_field, n_state> state_fields{{{"spike", units::dims::none}}};
  static constexpr bool needs_uniform = true;
  using params = poisson_spike_params;
  using constants = poisson_spike_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("freqs", p.freqs, range_check::non_negative);
  }
  static const char* validate(const params& p) {
    if (!(p.freqs.value >= 0) || !std::isfinite(p.freqs.value)) return "freqs must be a finite, non-negative rate";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {static_cast<real_t>(-std::expm1(-p.freqs.value * dt))};
  }
  static void initial_state(const params&, real_t* s) { s[spike] = 0; }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const bool fire = in.uniform < c.p;
    s[spike] = fire ? real_t(1) : real_t(0);
    return fire;
  }
};

struct poisson_encoder_params {};
struct poisson_encoder_constants {
  real_t dt;  // ms
};

struct PoissonEncoder : spike_source_base {
  static constexpr const char* name = "PoissonEncoder";
  static constexpr const char* description =
      "Poisson spikes with a rate per neuron and batch instance, state 'rate' (brainpy.state PoissonEncoder)";
  enum : int { spike, rate, n_state };
  static constexpr std::array<state_field, n_state> state_fields{
      {{"spike", units::dims::none}, {"rate", units::dims::rate}}};
  static constexpr bool needs_uniform = true;
  using params = poisson_encoder_params;
  using constants = poisson_encoder_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P&, F&&) {}
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params&, double dt) { return {static_cast<real_t>(dt)}; }
  static void initial_state(const params&, real_t* s) {
    s[spike] = 0;
    s[rate] = 0;
  }
  // rate in 1/ms; a negative rate never fires.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t p = -std::expm1(-s[rate] * c.dt);
    const bool fire = in.uniform < p;
    s[spike] = fire ? real_t(1) : real_t(0);
    return fire;
  }
};

struct spike_time_params {};
struct spike_time_constants {
  real_t unused;
};

struct SpikeTime : spike_source_base {
  static constexpr const char* name = "SpikeTime";
  static constexpr const char* description =
      "spikes of given neurons at given times, set with a spike_schedule input (brainpy.state SpikeTime)";
  enum : int { spike, n_state };
  static constexpr std::array<state_field, n_state> state_fields{{{"spike", units::dims::none}}};
  static constexpr bool spike_schedule = true;  // model_population copies the schedule's row instead of updating
  using params = spike_time_params;
  using constants = spike_time_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P&, F&&) {}
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params&, double) { return {0}; }
  static void initial_state(const params&, real_t* s) { s[spike] = 0; }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants&, real_t*, const neuron_input&) { return false; }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::PoissonSpike)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::PoissonEncoder)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::SpikeTime)
