#pragma once
// The postsynaptic spike archive spike-timing-dependent plasticity reads (NEST's ArchivingNode): per neuron of a
// population targeted by an STDP projection, a ring of its newest spikes with the traces K- and K-triplet after
// each (models/stdp.hpp). NEST keeps every spike until all incoming synapses have read it; a ring of fixed
// capacity keeps memory fixed instead, and a synapse that needs a spike the ring has dropped (more than
// `capacity` postsynaptic spikes between two presynaptic spikes) stops the run with an error naming the capacity.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "models/stdp.hpp"

namespace volley {

struct spike_archive {
  std::uint32_t capacity = 0;        // spikes kept per neuron; 0: this population is not archived
  double tau_minus = 20;             // ms, NEST's default
  double tau_minus_triplet = 110;    // ms
  std::vector<std::uint64_t> t;      // [neuron][capacity] spike times, steps (spike in step n: n + 1)
  std::vector<double> kminus;        // [neuron][capacity] K- after the spike (dimensionless)
  std::vector<double> kminus_triplet;  // [neuron][capacity]
  std::vector<std::uint64_t> count;  // [neuron] spikes archived so far
  std::vector<std::uint64_t> dropped_t;  // [neuron] time of the newest spike overwritten (0: none)

  bool enabled() const { return capacity > 0; }
  void allocate(index_t neurons, std::uint32_t capacity_per_neuron);
  // Appends this step's spikes (ascending neuron indices) at time step + 1.
  void record(const std::vector<index_t>& spikes, std::uint64_t step, double dt_ms);
  models::stdp_archive_view view(index_t neuron) const;
  std::uint64_t bytes() const;
};

}  // namespace volley
