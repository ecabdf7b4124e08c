// NEST's noise_generator draw schedule (host/nest_noise_schedule.hpp).
#include "host/nest_noise_schedule.hpp"

#include <algorithm>
#include <cmath>

#include "host/nest_device_values.hpp"

namespace volley::nest::detail {

namespace {

long long steps_of(double ms, double dt) { return std::llround(ms / dt); }

// The generator steps [a, z) a window (origin, start, stop) keeps active: NEST's current generators are active in
// step s when origin + start <= (s + 1) dt < origin + stop (z = noise_open_end: no stop).
std::pair<long long, long long> active_steps(const json& p, double dt) {
  const double o = p.at("origin").get<double>(), s = p.at("start").get<double>(), e = p.at("stop").get<double>();
  const long long a = std::max(0LL, steps_of(o + s, dt) - 1);
  return {a, e >= nest_forever ? noise_open_end : std::max(a, steps_of(o + e, dt) - 1)};
}

long long min_end(long long x, long long y) {  // of two ends, noise_open_end the largest
  if (x == noise_open_end) return y;
  if (y == noise_open_end) return x;
  return std::min(x, y);
}

bool before_end(long long step, long long end) { return end == noise_open_end || step < end; }

}  // namespace

std::vector<noise_piece> noise_schedule(const std::vector<plan::generator_segment>& history, long long from_step,
                                        const std::vector<long long>& run_starts, double dt) {
  struct drawn_piece {
    noise_piece piece;
    long long hold = 1;  // steps between draws
    long long woke = 0;  // the step the activity its draws belong to began
    bool held = false;   // values drawn before its first step, held (no draw in it)
  };
  std::vector<drawn_piece> drawn;
  long long next_draw = -1;  // NEST's next_step_ (-1: nothing drawn yet)
  for (std::size_t k = 0; k < history.size(); ++k) {
    const long long from =
        std::max(from_step, std::isfinite(history[k].from_ms) ? steps_of(history[k].from_ms, dt) : 0LL);
    const long long until = k + 1 < history.size() ? steps_of(history[k + 1].from_ms, dt) : noise_open_end;
    const auto [a, z] = active_steps(history[k].params, dt);
    long long u = std::max(from, a);
    const long long end = min_end(until, z);
    if (!before_end(u, end)) continue;
    if (next_draw > u) {  // the values drawn before the change hold until the next draw
      drawn_piece held = drawn.back();
      held.piece.first = u;
      held.piece.end = min_end(next_draw, end);
      held.held = true;
      drawn.push_back(held);
      if (!before_end(next_draw, end)) continue;
      u = next_draw;
    }
    drawn_piece d;
    d.piece.first = d.piece.anchor = u;
    d.piece.end = end;
    d.piece.params = history[k].params;
    d.hold = std::max(1LL, steps_of(history[k].params.at("dt").get<double>(), dt));
    // the oscillator advances in active steps from the start of the run or of the activity, whichever is later
    d.woke = std::max(a, from);
    drawn.push_back(d);
    next_draw = end == noise_open_end ? noise_open_end : u + (end - u + d.hold - 1) / d.hold * d.hold;
  }
  // the run a step belongs to (its start)
  auto run_of = [&](long long step) {
    long long R = 0;
    for (const long long r : run_starts)
      if (r <= step) R = r;
    return R;
  };
  // Each piece split where its draws pass into the next run (the first draw at or after the run's start): the
  // draws of a run read lag max(0, woke - R); a held piece, that of the draw its values come from.
  std::vector<noise_piece> out;
  for (const drawn_piece& d : drawn) {
    const long long anchor = d.piece.anchor;
    if (d.held) {
      noise_piece p = d.piece;
      p.lag = std::max(0LL, d.woke - run_of(anchor + (p.first - anchor) / d.hold * d.hold));
      out.push_back(p);
      continue;
    }
    long long first = d.piece.first;
    while (before_end(first, d.piece.end)) {
      const long long R = run_of(first);
      long long split = noise_open_end;  // the first draw of the next run
      for (const long long r : run_starts)
        if (r > first) {
          split = anchor + (r - anchor + d.hold - 1) / d.hold * d.hold;
          break;
        }
      noise_piece p = d.piece;
      p.first = first;
      p.end = min_end(split, d.piece.end);
      p.lag = std::max(0LL, d.woke - R);
      out.push_back(p);
      first = p.end;
      if (first == noise_open_end) break;
    }
  }
  return out;
}

json noise_piece_params(const noise_piece& piece, double dt) {
  json p = piece.params;
  p["origin"] = 0.0;
  p["start"] = double(piece.first + 1) * dt;
  p["stop"] = piece.end == noise_open_end ? nest_forever : double(piece.end + 1) * dt;
  p[noise_first_draw_key] = double(piece.anchor);
  p[noise_phase_lag_key] = double(piece.lag);
  return p;
}

}  // namespace volley::nest::detail
