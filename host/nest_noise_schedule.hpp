// NEST's noise_generator over Simulate calls and SetStatus changes: when it draws, with which parameters, and
// where its modulation's clock stands (measured against NEST 3.10: tools/nest_reference/make_noise_references.py).
// All times are generator steps (a generator step s reaches a target through delay d in the step starting at
// s dt + d + dt).
//   - It draws a fresh value per target in its first active step and then every dt (its parameter) while active.
//   - A SetStatus between runs changes the values from the next draw on: the values drawn before it are held
//     until then (a change of dt, too, takes effect after that draw). A generator that was inactive draws at once
//     when it becomes active again.
//   - Its modulation std(t)^2 = std^2 + std_mod^2 sin(omega t + phase) reads t = (step + 1 - lag) dt at a draw in
//     step `step`: NEST sets its oscillator to the run's start time at each Simulate and advances it only in active
//     steps, so lag is the number of steps a generator was inactive after the start of the run it woke up in, and
//     0 from the next run on.
#pragma once

#include <cstdint>
#include <vector>

#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

struct noise_piece {
  long long first = 0, end = 0;  // active generator steps [first, end); end = noise_open_end: no end
  long long anchor = 0;          // a draw step (<= first); draws every dt from it
  long long lag = 0;             // steps (see above)
  json params;                   // the parameters of the draws (mean, std, std_mod, frequency, phase, dt)
};
inline constexpr long long noise_open_end = -1;
inline constexpr const char* noise_first_draw_key = "volley_first_draw";  // internal keys, never a user's
inline constexpr const char* noise_phase_lag_key = "volley_phase_lag";

// The pieces of a noise_generator with these segments (from_ms: the SetStatus time, -inf for the first), connected
// from generator step `from_step`, with Simulate calls started at `run_starts` (steps, ascending, the first 0).
std::vector<noise_piece> noise_schedule(const std::vector<plan::generator_segment>& history, long long from_step,
                                        const std::vector<long long>& run_starts, double dt);

// A piece as the parameters lower_generator takes: its window as origin 0, start, stop, and its first draw and lag
// under noise_first_draw_key and noise_phase_lag_key (steps).
json noise_piece_params(const noise_piece& piece, double dt);

}  // namespace volley::nest::detail
