#pragma once
// The part that NEST's voltage-based archiving nodes share (ClopathArchivingNode's LTP history,
// UrbanczikArchivingNode's prediction-error history): per target neuron, a time-ordered list of (t, value) entries
// that the incoming plastic synapses read over windows (t_lo, t_hi] at their presynaptic spikes, each entry counting
// its readers. An entry every incoming synapse has read is dropped from the front when the next one is written,
// the newest always kept (NEST's pruning); so memory stays bounded unless one presynaptic neuron never spikes.
// Written serially after the neuron update; read and marked by the propagation, each neuron's entries only by the
// thread that owns the neuron. CPU only, batch 1.
#include <cstdint>
#include <deque>
#include <vector>

#include "engine/config.hpp"

namespace volley {

struct history_entry {
  std::uint64_t t;      // steps (the end of the step that wrote it)
  double value;         // the rule's quantity (Clopath: LTP dw, ms; Urbanczik: dPI, 1/mV)
  std::uint32_t reads;  // synapses that have read it (NEST's access counter)
};

struct entry_history {
  std::vector<std::uint32_t> n_incoming;           // [neuron] plastic synapses into it
  std::vector<std::deque<history_entry>> entries;  // [neuron]

  void assign(index_t n) {
    n_incoming.assign(n, 0);
    entries.assign(n, {});
  }
  // Appends (t, value) to neuron i's list after dropping the leading entries all readers have read.
  void push(index_t i, std::uint64_t t, double value) {
    auto& h = entries[i];
    while (h.size() > 1 && h.front().reads >= n_incoming[i]) h.pop_front();  // NEST keeps the last one
    h.push_back({t, value, 0});
  }
  // Calls f(t, value) for neuron i's entries with lo < t <= hi (steps), oldest first, marking them read.
  template <class F>
  void read_window(index_t i, std::int64_t lo, std::int64_t hi, F&& f) {
    for (auto& e : entries[i]) {
      const auto t = static_cast<std::int64_t>(e.t);
      if (t <= lo) continue;
      if (t > hi) break;
      ++e.reads;
      f(e.t, e.value);
    }
  }
  std::uint64_t bytes() const {
    std::uint64_t b = n_incoming.size() * sizeof(std::uint32_t);
    for (const auto& h : entries) b += h.size() * sizeof(history_entry);
    return b;
  }
};

}  // namespace volley
