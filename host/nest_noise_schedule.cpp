// NEST's noise_generator draw schedule (host/nest_noise_schedule.hpp).
#include "host/nest_noise_schedule.hpp"

#include <algorithm>
#include <cmath>

#include "host/nest_device_values.hpp"

namespace volley::nest::detail {

namespace {

long long steps_of(double ms, double dt) { return std::llround(ms / dt); }

// The generator steps [a, z) a window (origin, start, stop) keeps active: NEST's current generators are active in
// step s when origin + start <= (s + 1) dt < origin + stop (z = noise_open_end: no stop). Times beyond 1e15 ms
// (31,700 years) count as never (start) and no end (stop).
std::pair<long long, long long> active_steps(const json& p, double dt) {
  constexpr double never_ms = 1e15;
  const double o = p.at("origin").get<double>(), s = p.at("start").get<double>(), e = p.at("stop").get<double>();
  if (o + s >= never_ms) return {0, 0};
  if (o + e >= never_ms) return {std::max(0LL, steps_of(o + s, dt) - 1), noise_open_end};
  const long long a = std::max(0LL, steps_of(o + s, dt) - 1);
  return {a, std::max(a, steps_of(o + e, dt) - 1)};  // (a stop of NEST's "forever" returned above)
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
  // the start of the run a step belongs to, and of the run after it (noise_open_end: none yet)
  auto run_of = [&](long long step) {
    const auto it = std::upper_bound(run_starts.begin(), run_starts.end(), step);
    return it == run_starts.begin() ? 0LL : *(it - 1);
  };
  auto next_run = [&](long long step) {
    const auto it = std::upper_bound(run_starts.begin(), run_starts.end(), step);
    return it == run_starts.end() ? noise_open_end : *it;
  };
  // The draws of the run started at R read lag max(0, woke - R): only the run a generator woke up in lags, so a
  // piece that starts there is split at its first draw in the next run (lag 0 from there on). A held piece takes
  // the lag of the draw its values come from.
  std::vector<noise_piece> out;
  for (const drawn_piece& d : drawn) {
    noise_piece p = d.piece;
    const long long anchor = p.anchor;
    if (d.held) {
      p.lag = std::max(0LL, d.woke - run_of(anchor + (p.first - anchor) / d.hold * d.hold));
      out.push_back(p);
      continue;
    }
    p.lag = std::max(0LL, d.woke - run_of(p.first));
    const long long r = next_run(p.first);
    if (p.lag == 0 || r == noise_open_end) {
      out.push_back(p);
      continue;
    }
    const long long split = anchor + (r - anchor + d.hold - 1) / d.hold * d.hold;  // the next run's first draw
    if (!before_end(split, p.end)) {
      out.push_back(p);
      continue;
    }
    noise_piece rest = p;
    p.end = split;
    rest.first = split;
    rest.lag = 0;
    out.push_back(p);
    out.push_back(rest);
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
