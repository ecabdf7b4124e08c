#pragma once
// NEST 3.10's correlation devices (correlation_detector, correlomatrix_detector, spin_detector,
// correlospinmatrix_detector) in the NEST layer: the spikes volley recorded for the connected neurons are handed to
// these counters one by one, in the order in which NEST 3.10 (one process, one thread) calls the device's handle().
// The counters reproduce NEST's results bit for bit, its Kahan correction term included (tests/test_nest_detectors.cpp).
//
// Times are in steps. A spike emitted in step j (over [j dt, (j + 1) dt)) carries NEST's stamp j + 1.
//
// Delivery (measured against NEST 3.10, tools/nest_reference/make_detector_references.py):
// - correlation_detector, correlomatrix_detector and correlospinmatrix_detector receive spikes through NEST's spike
//   exchange: the spikes of a slice of min_delay steps (slices start at multiples of min_delay) are handed over at
//   the start of the next slice, so after Simulate the spikes of the last completed slice are still pending (they
//   arrive in the next Simulate). spin_detector, like spike_recorder, gets every spike at once.
// - Order of the handle() calls: slice by slice; inside a slice, first the steps before the end of a Simulate call
//   that fell inside the slice, then the rest (each Simulate call updates the nodes over its part of the slice);
//   inside such a part, by sender (global id), then by time, then by connection (creation order). Within a slice the
//   order is therefore not chronological: a later spike of a lower id arrives first. This matters for Tstart/Tstop
//   (a pair is counted when its second spike arrives and that spike's stamp is in [Tstart, Tstop]) and for the
//   pruning of old spikes, and NEST's results depend on it.
// - Connection delays are ignored (as NEST documents); weights are the connections'. A spike of multiplicity m
//   (parrot_neuron, spike_train_injector, gif_pop_psc_exp) arrives as m spikes, as NEST's spike exchange sends it.
//
// correlation_detector (ports 0 and 1), bin width D = delta_tau, K = tau_max / D, E = tau_max + D / 2, for a spike
// at stamp t on port s with weight w, if the device is active at t (origin + start < t <= origin + stop):
//   1. drop from the front of the other port's queue (sorted by stamp) the spikes u with (t - u) - (1 - s) / 2 >= E;
//   2. if Tstart <= t <= Tstop: n_events[s] += 1, and for every spike u left in the other queue, with
//      lag = t2 - t1 (the port-1 spike's stamp minus the port-0 spike's), bin b = floor((E + lag) / D) in [0, 2K]:
//      histogram[b] += w * w_u (Kahan-compensated, histogram_correction keeps the compensation), count_histogram[b]++;
//   3. insert the spike into its own port's queue (after spikes with the same stamp).
// Bins are centred on lags (b - K) D, left-closed, right-open. NEST writes outside its histogram (undefined
// behaviour, a crash at times) when a pair arrives out of time order with |lag| >= E, possible when min_delay is
// longer than E; volley skips such pairs, which lie outside every bin.
//
// An up transition of a binary neuron reaches exchanged devices as two spikes with one stamp (NEST unrolls its
// multiplicity 2), one after the other on each connection in turn; a down transition as one spike.
//
// correlomatrix_detector (ports 0..N-1, D odd, K = tau_max / D): a spike at stamp t on channel c with weight w, when
// active: is inserted into the one queue (after equal stamps); the queue's front spikes with t - u >= E + min_delay
// are dropped; if Tstart <= t <= Tstop: n_events[c] += 1, and for every queued spike u (the new one included, and
// spikes with later stamps already received): a = channel of the later spike of the pair (c at equal stamps), b = the
// other, bin = round(|t - u| / D) (no ties: D is odd); if bin <= K: covariance[a][b][bin] += w w_u,
// count_covariance[a][b][bin]++, and at bin 0 the same for [b][a] unless the pair is a spike with itself or two spikes
// of one channel at one stamp. Plain sums, in this order.
// correlospinmatrix_detector (ports 0..N-1, K = tau_max / D) decodes the spikes as NEST does: a spike with the stamp
// and channel of the one before completes an up transition of that channel (state on since that stamp); any other
// spike is taken as a down transition, confirmed when the next spike arrives (not an up of the same channel and
// stamp); the last one stays pending. A confirmed down of channel i closes its pulse [t_on, t_off) (t_on: its last
// change; t_off: the down's stamp); the pulse is queued (by t_off) and, against every queued pulse j (itself
// included), count_covariance gets the overlap in steps of pulse i with pulse j shifted by Delta D:
//   Delta = 0: [i][j][K] (and [j][i][K] when j's channel differs);
//   Delta from trunc(max(t_j_on - t_i_off, -tau_max) / D) to -1, and, when the channels differ, from 1 to
//   trunc(min(t_j_off - t_i_on, tau_max) / D): [i][j][K - Delta] and [j][i][K + Delta],
// where the overlap is min(t_i_off, t_j_off - Delta D) - max(t_i_on, t_j_on - Delta D) when positive. Old pulses are
// dropped first (t_min_on - t_off >= tau_max + D + min_delay, t_min_on: the earliest last change among the channels
// marked on, NEST's bookkeeping kept as it is). Tstart/Tstop are not used (as in NEST 3.10).
#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <tuple>
#include <vector>

namespace volley::nest::detail {

inline constexpr std::int64_t forever_steps = std::numeric_limits<std::int64_t>::max();

// A spike of a neuron connected to a detector, as NEST delivers it over one connection.
struct detector_input {
  std::uint64_t step = 0;        // emission step; NEST's stamp is step + 1
  std::uint64_t sender = 0;      // global id
  std::uint32_t connection = 0;  // index of the Connect() call (creation order)
  std::uint32_t port = 0;        // receptor_type
  double weight = 1;             // the connection's weight
  bool up = false;               // binary neurons: a transition to 1 (else to 0)
  std::uint32_t copy = 0;        // which of the m spikes NEST's exchange makes of a spike of multiplicity m
  std::uint64_t part = 0;        // set by nest_delivery_order: the first step of the node update that emitted it
};

// Puts `in` into NEST 3.10's order of handle() calls and drops what NEST has not delivered yet. `run_ends` holds the
// step count at the end of every Simulate call so far (ascending; the last is the number of steps simulated);
// `exchanged`: the device receives through the spike exchange (all but spin_detector).
inline void nest_delivery_order(std::vector<detector_input>& in, std::uint64_t min_delay_steps,
                                const std::vector<std::uint64_t>& run_ends, bool exchanged) {
  const std::uint64_t m = std::max<std::uint64_t>(min_delay_steps, 1);
  const std::uint64_t done = run_ends.empty() ? 0 : run_ends.back();
  if (exchanged)
    in.erase(std::remove_if(in.begin(), in.end(), [&](const detector_input& e) { return (e.step / m + 1) * m >= done; }),
             in.end());
  // the part of a slice a step belongs to: the last Simulate end inside the slice at or before the step
  auto part = [&](std::uint64_t step) {
    const std::uint64_t slice_start = step / m * m;
    const auto it = std::upper_bound(run_ends.begin(), run_ends.end(), step);
    if (it == run_ends.begin()) return slice_start;
    return std::max(slice_start, *(it - 1));
  };
  std::vector<std::pair<std::uint64_t, std::size_t>> keyed;  // (part, position) for a stable sort key
  keyed.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) keyed.emplace_back(part(in[i].step), i);
  std::sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    const detector_input& a = in[x.second];
    const detector_input& b = in[y.second];
    return std::tie(x.first, a.sender, a.step, a.copy, a.connection, x.second) <
           std::tie(y.first, b.sender, b.step, b.copy, b.connection, y.second);
  });
  std::vector<detector_input> out;
  out.reserve(in.size());
  for (const auto& k : keyed) {
    out.push_back(in[k.second]);
    out.back().part = k.first;
  }
  in.swap(out);
}

// The device's windows, in steps: active for origin + start < stamp <= origin + stop, counting for
// Tstart <= stamp <= Tstop.
struct detector_timing {
  std::int64_t active_after = 0, active_until = forever_steps;
  std::int64_t count_from = 0, count_until = forever_steps;
  bool active(std::int64_t stamp) const { return stamp > active_after && stamp <= active_until; }
  bool counted(std::int64_t stamp) const { return stamp >= count_from && stamp <= count_until; }
};

namespace correlation_math {
// floor(a / b) for b > 0
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

struct held_spike {
  std::int64_t stamp;
  double weight;
  std::uint32_t channel;
};

// Inserts after the spikes with the same or an earlier stamp (the queue stays sorted).
inline void insert_sorted(std::deque<held_spike>& q, const held_spike& s) {
  auto pos = std::find_if(q.begin(), q.end(), [&](const held_spike& u) { return u.stamp > s.stamp; });
  q.insert(pos, s);
}
}  // namespace correlation_math

class correlation_counts {
 public:
  correlation_counts(std::int64_t delta_tau_steps, std::int64_t tau_max_steps, detector_timing timing)
      : D_(delta_tau_steps), tau_max_(tau_max_steps), timing_(timing) {
    reset();
  }

  void reset() {
    const std::size_t bins = static_cast<std::size_t>(1 + 2 * (tau_max_ / D_));
    histogram.assign(bins, 0.0);
    histogram_correction.assign(bins, 0.0);
    count_histogram.assign(bins, 0);
    n_events[0] = n_events[1] = 0;
    queue_[0].clear();
    queue_[1].clear();
  }

  void handle(std::int64_t stamp, std::uint32_t port, double weight) {
    if (!timing_.active(stamp)) return;
    const std::uint32_t other = 1 - port;
    auto& others = queue_[other];
    // in half steps: 2 E = 2 tau_max + D; drop u while 2 (t - u) - other >= 2 E
    const std::int64_t two_edge = 2 * tau_max_ + D_;
    while (!others.empty() && 2 * (stamp - others.front().stamp) - std::int64_t(other) >= two_edge) others.pop_front();
    if (timing_.counted(stamp)) {
      ++n_events[port];
      const std::int64_t bins = static_cast<std::int64_t>(histogram.size());
      for (const auto& u : others) {
        const std::int64_t lag = port == 1 ? stamp - u.stamp : u.stamp - stamp;  // port-1 stamp - port-0 stamp
        const std::int64_t b = correlation_math::floor_div(two_edge + 2 * lag, 2 * D_);
        if (b < 0 || b >= bins) continue;
        const auto k = static_cast<std::size_t>(b);
        // Kahan summation: the correction holds what the last addition lost
        const double y = weight * u.weight - histogram_correction[k];
        const double sum = histogram[k] + y;
        histogram_correction[k] = (sum - histogram[k]) - y;
        histogram[k] = sum;
        ++count_histogram[k];
      }
    }
    correlation_math::insert_sorted(queue_[port], {stamp, weight, port});
  }

  std::vector<double> histogram, histogram_correction;
  std::vector<std::int64_t> count_histogram;
  std::int64_t n_events[2] = {0, 0};

 private:
  std::int64_t D_, tau_max_;
  detector_timing timing_;
  std::deque<correlation_math::held_spike> queue_[2];
};

class correlomatrix_counts {
 public:
  correlomatrix_counts(std::uint32_t channels, std::int64_t delta_tau_steps, std::int64_t tau_max_steps,
                       std::int64_t min_delay_steps, detector_timing timing)
      : N_(channels), D_(delta_tau_steps), tau_max_(tau_max_steps), min_delay_(min_delay_steps), timing_(timing) {
    const std::size_t bins = static_cast<std::size_t>(1 + tau_max_ / D_);
    covariance.assign(N_, std::vector<std::vector<double>>(N_, std::vector<double>(bins, 0.0)));
    count_covariance.assign(N_, std::vector<std::vector<std::int64_t>>(N_, std::vector<std::int64_t>(bins, 0)));
    n_events.assign(N_, 0);
  }

  void handle(std::int64_t stamp, std::uint32_t channel, double weight) {
    if (!timing_.active(stamp)) return;
    correlation_math::insert_sorted(queue_, {stamp, weight, channel});
    // in half steps: drop u while 2 (t - u) >= 2 E + 2 min_delay
    const std::int64_t two_limit = 2 * tau_max_ + D_ + 2 * min_delay_;
    while (!queue_.empty() && 2 * (stamp - queue_.front().stamp) >= two_limit) queue_.pop_front();
    if (!timing_.counted(stamp)) return;
    ++n_events[channel];
    const std::int64_t bins = 1 + tau_max_ / D_;
    for (const auto& u : queue_) {
      const std::uint32_t a = stamp < u.stamp ? u.channel : channel;  // the later spike's channel
      const std::uint32_t b = stamp < u.stamp ? channel : u.channel;
      const std::int64_t dist = stamp > u.stamp ? stamp - u.stamp : u.stamp - stamp;
      const std::int64_t bin = (dist + (D_ - 1) / 2) / D_;  // D odd: |lag| in ((bin - 1/2) D, (bin + 1/2) D)
      if (bin >= bins) continue;
      const double w = weight * u.weight;
      const auto k = static_cast<std::size_t>(bin);
      covariance[a][b][k] += w;
      ++count_covariance[a][b][k];
      if (bin == 0 && (dist != 0 || u.channel != channel)) {
        covariance[b][a][0] += w;
        ++count_covariance[b][a][0];
      }
    }
  }

  std::vector<std::vector<std::vector<double>>> covariance;
  std::vector<std::vector<std::vector<std::int64_t>>> count_covariance;
  std::vector<std::int64_t> n_events;

 private:
  std::uint32_t N_;
  std::int64_t D_, tau_max_, min_delay_;
  detector_timing timing_;
  std::deque<correlation_math::held_spike> queue_;
};

// spin_detector (NEST 3.10, measured with parrot_neurons repeating one or two spikes): every spike, as emitted
// (local delivery, order as above), becomes an event (sender, stamp, state 1 for an up transition, 0 otherwise), but
// a down spike emitted in the same node update (slice part) as the down event recorded just before, from any sender
// at any stamp, is dropped: NEST 3.10 takes it for the second half of an up transition (the state recorded first
// stays 0; the spike after it is kept). Binary neurons going down together in one min_delay slice lose events.
struct spin_event {
  std::uint64_t sender;
  std::int64_t stamp;
  int state;
};

inline std::vector<spin_event> nest_spin_events(const std::vector<detector_input>& delivered,
                                                const detector_timing& timing) {
  std::vector<spin_event> out;
  bool single_pending = false;
  std::uint64_t last_part = 0;
  for (const auto& e : delivered) {
    const std::int64_t stamp = static_cast<std::int64_t>(e.step) + 1;
    if (!timing.active(stamp)) continue;
    if (!e.up && single_pending && e.part == last_part) {
      single_pending = false;
      continue;
    }
    out.push_back({e.sender, stamp, e.up ? 1 : 0});
    single_pending = !e.up;
    last_part = e.part;
  }
  return out;
}

class correlospin_counts {
 public:
  correlospin_counts(std::uint32_t channels, std::int64_t delta_tau_steps, std::int64_t tau_max_steps,
                     std::int64_t min_delay_steps, detector_timing timing)
      : N_(channels), D_(delta_tau_steps), tau_max_(tau_max_steps), min_delay_(min_delay_steps), timing_(timing),
        on_(channels, false), last_change_(channels, 0) {
    const std::size_t bins = static_cast<std::size_t>(1 + 2 * (tau_max_ / D_));
    count_covariance.assign(N_, std::vector<std::vector<std::int64_t>>(N_, std::vector<std::int64_t>(bins, 0)));
  }

  // One spike (multiplicity 1) of channel c with stamp t.
  void handle(std::int64_t t, std::uint32_t c) {
    if (!timing_.active(t)) return;
    bool down = false;
    if (have_last_ && c == last_ && t == t_last_) {  // the second spike of an up transition
      on_[c] = true;
      last_change_[c] = t;
      tentative_down_ = false;
    } else {
      down = tentative_down_;  // the spike before was alone: a down transition
      tentative_down_ = true;
    }
    if (down) close_pulse(last_, last_change_[last_], t_last_);
    last_ = c;
    t_last_ = t;
    have_last_ = true;
  }

  std::vector<std::vector<std::vector<std::int64_t>>> count_covariance;

 private:
  struct pulse {
    std::int64_t on, off;
    std::uint32_t channel;
  };

  void close_pulse(std::uint32_t i, std::int64_t t_on, std::int64_t t_off) {
    std::int64_t t_min_on = t_on;
    for (std::uint32_t n = 0; n < N_; ++n)
      if (on_[n]) t_min_on = std::min(t_min_on, last_change_[n]);
    while (!pulses_.empty() && t_min_on - pulses_.front().off >= tau_max_ + D_ + min_delay_) pulses_.pop_front();
    const pulse p{t_on, t_off, i};
    pulses_.insert(std::find_if(pulses_.begin(), pulses_.end(), [&](const pulse& q) { return q.off > p.off; }), p);
    const std::int64_t K = tau_max_ / D_;
    auto overlap = [&](const pulse& q, std::int64_t shift) {
      return std::min(t_off, q.off - shift) - std::max(t_on, q.on - shift);
    };
    for (const pulse& q : pulses_) {
      const std::uint32_t j = q.channel;
      const std::int64_t zero = overlap(q, 0);
      if (zero > 0) {
        count_covariance[i][j][K] += zero;
        if (i != j) count_covariance[j][i][K] += zero;
      }
      const std::int64_t lowest = std::max(q.on - t_off, -tau_max_) / D_;  // truncated toward 0, as NEST
      for (std::int64_t delta = lowest; delta < 0; ++delta) add_shifted(i, j, K, delta, overlap(q, delta * D_));
      if (i != j) {
        const std::int64_t highest = std::min(q.off - t_on, tau_max_) / D_;
        for (std::int64_t delta = 1; delta <= highest; ++delta) add_shifted(i, j, K, delta, overlap(q, delta * D_));
      }
    }
    last_change_[i] = t_off;
  }

  void add_shifted(std::uint32_t i, std::uint32_t j, std::int64_t K, std::int64_t delta, std::int64_t lag) {
    if (lag <= 0) return;
    count_covariance[i][j][static_cast<std::size_t>(K - delta)] += lag;
    count_covariance[j][i][static_cast<std::size_t>(K + delta)] += lag;
  }

  std::uint32_t N_;
  std::int64_t D_, tau_max_, min_delay_;
  detector_timing timing_;
  std::vector<bool> on_;
  std::vector<std::int64_t> last_change_;
  std::uint32_t last_ = 0;
  std::int64_t t_last_ = 0;
  bool have_last_ = false, tentative_down_ = false;
  std::deque<pulse> pulses_;
};

}  // namespace volley::nest::detail
