#pragma once
// NEST's ignore_and_fire: a neuron that fires at a fixed rate, whatever its input (for benchmarking connectivity
// and communication: the spike traffic does not depend on the network). It accepts connections (ports "ex"/"in",
// pA, routed by sign as NEST's buffers are), current inputs and delta inputs, and reads none of them.
//
//   period = steps(1 / rate), first = steps(phase / rate)      (rate in 1/ms here: NEST's Hz / 1000)
//   steps(t) = NEST's Time(Time::ms(t)).get_steps(): t rounded to the 1 us tic, then rounded UP to whole steps
//   (nest_refractory_steps).
//   State phase_steps counts the steps to the next spike. One step (NEST 3 update()): phase_steps == 0 is a spike
//   and phase_steps = period - 1; otherwise phase_steps decrements. So the first spike is in step `first`
//   (0-based; NEST's time stamp (first + 1) dt), then one every `period` steps: at 10 Hz with phase 1 and dt 0.1 ms,
//   NEST stamps them 100.1, 200.1, ... ms.
// phase in (0, 1] is the time to the first spike as a fraction of the period (1: one full period). NEST computes the
// counter from phase and rate when the node is created or its status is set, and never reports it. Its initial
// value depends on dt, which initial_state() does not see: phase_steps starts at -1, which the first update
// replaces by `first` (an initial phase_steps >= 0, set by the user, is taken as it is).
// NEST's `phase` stays the parameter given (it is not advanced as the neuron runs); there is nothing to record in
// NEST (no recordables). Not reproduced: NEST keeps the counter in an int and accepts any period; here a period of
// 0 steps (1 / rate under half a microsecond, rates above 2 MHz) is refused (NEST fires once, then its counter runs
// negative and does not come back to 0), and so are periods longer than 2^24 steps, which a float build could not
// count exactly.
#include <array>
#include <cmath>
#include <string>

#include "engine/config.hpp"
#include "engine/error.hpp"
#include "engine/param.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps: NEST's rounding of a duration to steps
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct ignore_and_fire_params {
  units::dimensionless_q phase{1.0};  // time to the first spike, in periods, (0, 1]
  units::rate_q rate{1e-2};           // 10 Hz
};

struct ignore_and_fire_constants {
  real_t period_steps;  // steps between spikes
  real_t first_steps;   // the step of the first spike (0-based)
};

struct ignore_and_fire {
  static constexpr const char* name = "ignore_and_fire";
  static constexpr const char* description =
      "NEST ignore_and_fire: fires at a fixed rate and phase, ignoring all input (for benchmarking)";
  enum : int { phase_steps, n_state };
  static constexpr int membrane = phase_steps;  // no membrane; the index only satisfies the model kit
  static constexpr std::array<state_field, n_state> state_fields{{{"phase_steps", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = ignore_and_fire_params;
  using constants = ignore_and_fire_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("phase", p.phase, range_check::positive);
    f("rate", p.rate, range_check::positive);
  }
  // NEST's checks (BadProperty), in its words
  static const char* validate(const params& p) {
    if (!(p.phase.value > 0.0) || !(p.phase.value <= 1.0)) return "Phase must be > 0 and <= 1.";
    if (!(p.rate.value > 0.0)) return "Firing rate must be > 0.";
    return nullptr;
  }
  // Throws parameter_error when the period is shorter than one step or longer than 2^24 (see the header comment).
  static constants derive(const params& p, double h) {
    const double period = nest_refractory_steps(1.0 / p.rate.value, h);
    const double first = nest_refractory_steps(p.phase.value / p.rate.value, h);
    if (!(period >= 1.0 && period <= 16777216.0))
      throw parameter_error(std::string(name) + " (dt = " + std::to_string(h) + " ms)", "rate",
                            std::to_string(p.rate.value * 1e3) + " Hz",
                            "a period of 1 to 2^24 steps (" + std::to_string(h) + " to " +
                                std::to_string(16777216.0 * h) + " ms)");
    return {static_cast<real_t>(period), static_cast<real_t>(first)};
  }
  static void initial_state(const params&, real_t* s) { s[phase_steps] = -1; }  // -1: from phase at the first step

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input&) {
    const real_t n = s[phase_steps] < 0 ? c.first_steps : s[phase_steps];
    const bool spike = n == 0;
    s[phase_steps] = spike ? c.period_steps - 1 : n - 1;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::ignore_and_fire)
