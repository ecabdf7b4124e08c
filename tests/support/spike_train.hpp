#pragma once
// Spike-train measures shared by the model tests.
#include <cstddef>
#include <vector>

namespace volley::test {

// Inter-spike intervals of sorted spike times (ms).
inline std::vector<double> isis(const std::vector<double>& t) {
  std::vector<double> d;
  for (std::size_t i = 1; i < t.size(); ++i) d.push_back(t[i] - t[i - 1]);
  return d;
}

// Bursts: spikes separated by less than `gap` ms belong to one burst. Returns the number of spikes per burst.
inline std::vector<int> burst_sizes(const std::vector<double>& t, double gap) {
  std::vector<int> sizes;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i == 0 || t[i] - t[i - 1] >= gap) sizes.push_back(0);
    ++sizes.back();
  }
  return sizes;
}

}  // namespace volley::test
