#include "engine/spike_archive.hpp"

#include <cmath>

namespace volley {

void spike_archive::allocate(index_t neurons, std::uint32_t capacity_per_neuron) {
  capacity = capacity_per_neuron;
  const std::size_t n = std::size_t(neurons) * capacity;
  t.assign(n, 0);
  kminus.assign(n, 0.0);
  kminus_triplet.assign(n, 0.0);
  count.assign(neurons, 0);
  dropped_t.assign(neurons, 0);
}

void spike_archive::record(const std::vector<index_t>& spikes, std::uint64_t step, double dt_ms) {
  const std::uint64_t now = step + 1;
  for (index_t i : spikes) {
    const std::size_t row = std::size_t(i) * capacity;
    const std::uint64_t k = count[i];
    double km = 0, kt = 0;  // NEST: K- starts at 0 (its last_spike_ -1 ms does not matter then)
    if (k > 0) {
      const std::size_t prev = row + (k - 1) % capacity;
      const double elapsed = double(now - t[prev]) * dt_ms;
      km = kminus[prev] * std::exp(-elapsed / tau_minus);
      kt = kminus_triplet[prev] * std::exp(-elapsed / tau_minus_triplet);
    }
    const std::size_t slot = row + k % capacity;
    if (k >= capacity) dropped_t[i] = t[slot];
    t[slot] = now;
    kminus[slot] = km + 1.0;
    kminus_triplet[slot] = kt + 1.0;
    count[i] = k + 1;
  }
}

models::stdp_archive_view spike_archive::view(index_t neuron) const {
  const std::size_t row = std::size_t(neuron) * capacity;
  return {t.data() + row, kminus.data() + row, kminus_triplet.data() + row, count[neuron], dropped_t[neuron],
          capacity, 1.0 / tau_minus};
}

std::uint64_t spike_archive::bytes() const {
  return t.size() * sizeof(std::uint64_t) + (kminus.size() + kminus_triplet.size()) * sizeof(double) +
         (count.size() + dropped_t.size()) * sizeof(std::uint64_t);
}

}  // namespace volley
