#pragma once
// Current sources evaluated inside the fused neuron update: brainpy.state's analog current generators
// (SectionInput, ConstantInput, StepInput, RampInput, SinusoidalInput, OUProcessInput, WienerProcessInput).
// A source is a small descriptor (kind, neuron range, parameters in internal units); the kernel adds its current
// (pA) to every neuron of the range in stage 3, where the input current of the step is formed. The current of
// step n (the update from t_n = n dt to t_n+1) is the generator's value at t_n, held over the step, as
// brainpy.state evaluates its generators at the step's start time i * dt.
//
//   piecewise   (Section, Step, Constant with a duration) value[k] from step start[k] on, up to start[k + 1];
//               zero before start[0]. Section boundaries and step times are turned into steps on the host: a
//               boundary at time T starts at the first step with t_n >= T (brainpy.state: searchsorted on t).
//   ramp        c_start + (c_end - c_start) (t_n - t_start) / duration for t_start <= t_n < t_start + duration
//   sinusoidal  amplitude sin(2 pi f t_n + phase) + bias (phase 0: brainpy.state's SinusoidalInput)
//   ou          dx = (mean - x)/tau dt + sigma dW, x(0) = x0 (default mean); sigma in pA/sqrt(ms). Advanced with
//               its exact discretisation x <- mean + (x - mean) e^{-dt/tau} + sigma sqrt(tau/2 (1 - e^{-2dt/tau})) xi,
//               so mean and variance equal the continuous process's at every step (brainpy.state uses
//               Euler-Maruyama, whose stationary variance sigma^2 tau / (2 - dt/tau) is off by O(dt/tau)). As in
//               brainpy.state the state is advanced first and the new value is the step's current.
//   wiener      sigma sqrt(dt) xi (dt in ms; sigma in pA/sqrt(ms)): brainpy.state's WienerProcessInput, a fresh
//               increment each step (white noise). With `integrated` the current is the Wiener process itself,
//               W_n = sum of the increments, whose variance grows as sigma^2 t.
//   noise       NEST's noise_generator: piecewise-constant Gaussian noise, a fresh value per cell at the draw
//               steps block_anchor + k hold_steps, held until the next: mean + sqrt(std^2 + std_mod^2
//               sin(omega t_b + phase)) xi, t_b = draw step * dt - phase_t0 (ms). Stateless: xi comes from the
//               stream (seed, tag, cell, draw step), so a source that continues another's blocks (same tag and
//               anchor) holds the same values.
// Every kind is zero outside its active steps [step_begin, step_end) (brainpy.state: the `duration` window); OU
// and integrated Wiener keep their state unchanged there. Noise is drawn from the counter-based stream
// (seed, tag, cell = batch * n + neuron, step), so the result does not depend on threads or tiles.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "engine/config.hpp"
#include "engine/random.hpp"

namespace volley::models {

enum class current_kind : int { piecewise = 0, ramp = 1, sinusoidal = 2, ou = 3, wiener = 4, noise = 5 };

inline constexpr int max_current_pieces = 16;               // table of a piecewise source (15 sections + the end)
inline constexpr std::uint32_t forever = 0xFFFFFFFFu;       // step_end of a source without a duration

struct current_source {
  current_kind kind = current_kind::piecewise;
  index_t begin = 0, end = 0;                  // neurons [begin, end) of the population
  std::uint32_t step_begin = 0, step_end = forever;  // active steps
  int n_pieces = 0;                            // piecewise: entries of the table, start ascending
  std::uint32_t piece_start[max_current_pieces] = {};  // first step of piece k
  real_t piece_value[max_current_pieces] = {};         // pA
  real_t amplitude = 0;   // pA: ramp c_start, sinusoid amplitude, OU mean, Wiener increment scale sigma sqrt(dt)
  real_t slope = 0;       // ramp: (c_end - c_start) / duration, pA/ms
  real_t offset = 0;      // pA: sinusoid bias; OU noise per step sigma sqrt(tau/2 (1 - e^{-2dt/tau}))
  real_t decay = 0;       // OU: e^{-dt/tau}
  double t_start = 0;     // ms: ramp start
  double dt = 0;          // ms
  double omega = 0;       // rad/ms: sinusoid and noise modulation 2 pi f
  double phase = 0;       // rad: sinusoid and noise modulation
  real_t noise_std = 0, noise_std_mod = 0;  // pA: noise
  std::uint32_t hold_steps = 1;             // noise: steps per block
  std::uint32_t block_anchor = 0;           // noise: a draw step (<= step_begin); draws every hold_steps from it
  double phase_t0 = 0;                      // ms, noise: the modulation's clock reads draw step * dt - phase_t0
  int integrated = 0;     // wiener: 1 = current is W itself, 0 = the increment
  std::uint32_t tag = 0;  // rng stream tag (OU, Wiener)
  real_t* state = nullptr;  // OU x / integrated Wiener W per cell, [batch][neuron], pA; nullptr otherwise
};

inline bool current_source_has_state(const current_source& s) {
  return s.kind == current_kind::ou || (s.kind == current_kind::wiener && s.integrated);
}

// Value (pA) of a deterministic source in an active step.
VOLLEY_HD VOLLEY_INLINE real_t deterministic_current(const current_source& s, std::uint32_t step) {
  switch (s.kind) {
    case current_kind::ramp:
      return s.amplitude + s.slope * static_cast<real_t>(double(step) * s.dt - s.t_start);
    case current_kind::sinusoidal:
      return s.amplitude * static_cast<real_t>(::sin(s.omega * (double(step) * s.dt) + s.phase)) + s.offset;
    case current_kind::piecewise:
    default: {
      real_t value = 0;
      for (int k = 0; k < s.n_pieces; ++k) value = step >= s.piece_start[k] ? s.piece_value[k] : value;
      return value;
    }
  }
}

// Adds the source's current (pA) to current[0 .. count) of neurons [i0, i0 + count) of one batch instance, whose
// first cell is k0 (= batch * n + i0). Deterministic kinds are evaluated once per call, not per neuron.
VOLLEY_HD VOLLEY_INLINE void add_source_current(const current_source& s, std::uint64_t seed, std::uint32_t step,
                                                std::size_t k0, index_t i0, int count, real_t* current) {
  if (step < s.step_begin || step >= s.step_end) return;
  const index_t lo = i0 > s.begin ? i0 : s.begin;
  const index_t stop = i0 + static_cast<index_t>(count);
  const index_t hi = stop < s.end ? stop : s.end;
  if (lo >= hi) return;
  const int j0 = static_cast<int>(lo - i0), j1 = static_cast<int>(hi - i0);
  if (s.kind == current_kind::ou) {
    for (int j = j0; j < j1; ++j) {
      rng::random_stream rs(seed, s.tag, static_cast<std::uint32_t>(k0 + j), step);
      const real_t xi = static_cast<real_t>(rs.normal());
      const real_t x = s.amplitude + (s.state[k0 + j] - s.amplitude) * s.decay + s.offset * xi;
      s.state[k0 + j] = x;
      current[j] += x;
    }
  } else if (s.kind == current_kind::noise) {
    // step >= step_begin >= block_anchor
    const std::uint32_t draw = s.block_anchor + (step - s.block_anchor) / s.hold_steps * s.hold_steps;
    const double t_block = double(draw) * s.dt - s.phase_t0;
    const double var_mod = double(s.noise_std_mod) * double(s.noise_std_mod) * ::sin(s.omega * t_block + s.phase);
    const double var = double(s.noise_std) * double(s.noise_std) + var_mod;
    const real_t sd = static_cast<real_t>(var > 0 ? ::sqrt(var) : 0.0);
    for (int j = j0; j < j1; ++j) {
      rng::random_stream rs(seed, s.tag, static_cast<std::uint32_t>(k0 + j), draw);
      current[j] += s.amplitude + sd * static_cast<real_t>(rs.normal());
    }
  } else if (s.kind == current_kind::wiener) {
    for (int j = j0; j < j1; ++j) {
      rng::random_stream rs(seed, s.tag, static_cast<std::uint32_t>(k0 + j), step);
      const real_t dw = s.amplitude * static_cast<real_t>(rs.normal());
      if (s.integrated) {
        s.state[k0 + j] += dw;
        current[j] += s.state[k0 + j];
      } else {
        current[j] += dw;
      }
    }
  } else {
    const real_t value = deterministic_current(s, step);
    for (int j = j0; j < j1; ++j) current[j] += value;
  }
}

}  // namespace volley::models
