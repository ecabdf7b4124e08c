#pragma once
// Helpers shared by the binary neurons' tests (tests/test_nest_binary.cpp against NEST, tests/test_binary_neurons.cpp
// on their own): populations with one parameter set per neuron, per-neuron quantities, S from a spike record.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "engine/model_population.hpp"
#include "engine/recording.hpp"
#include "host/simulator.hpp"
#include "models/binary_neurons.hpp"

namespace volley::binary_test {

using mp = models::mcculloch_pitts_neuron;
using gz = models::ginzburg_neuron;
using ef = models::erfc_neuron;
using base = models::binary_neuron_base;
using per_voltage_q = units::quantity<models::binary_units::per_voltage>;

inline run_options threads_option(int threads) {
  run_options o;
  o.threads = threads;
  return o;
}

// A population of `Model` with one parameter set per neuron.
template <class Model>
void add_population(network& net, const std::string& name, std::vector<typename Model::params> per_neuron) {
  const auto n = static_cast<index_t>(per_neuron.size());
  net.adopt(std::make_unique<model_population<Model>>(name, n, net.batch(), std::move(per_neuron), net.dt()));
}

inline quantity_value per_item(units::dimension dim, std::vector<double> values) {
  quantity_value q = units::voltage_q(0.0);
  q.dim = dim;
  q.per_item = std::move(values);
  return q;
}

// The transitions of each neuron (steps, ascending) from a spike record; S after step k is the parity of the
// transitions up to k (every neuron starts at S = 0, ups and downs alternate).
inline std::vector<std::vector<std::int64_t>> transitions_of(const spike_record& rec, index_t n) {
  std::vector<std::vector<std::int64_t>> t(n);
  for (std::size_t k = 0; k < rec.size(); ++k) t[rec.neuron[k]].push_back(rec.step[k]);
  for (auto& v : t) std::sort(v.begin(), v.end());
  return t;
}

// S after each step 0..n_steps-1 of one neuron.
inline std::vector<int> s_trace(const std::vector<std::int64_t>& t, std::int64_t n_steps) {
  std::vector<int> y(static_cast<std::size_t>(n_steps), 0);
  int v = 0;
  std::size_t j = 0;
  for (std::int64_t k = 0; k < n_steps; ++k) {
    while (j < t.size() && t[j] == k) {
      v = 1 - v;
      ++j;
    }
    y[static_cast<std::size_t>(k)] = v;
  }
  return y;
}

}  // namespace volley::binary_test
