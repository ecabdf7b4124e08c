#pragma once
// The postsynaptic side of urbanczik_synapse (NEST's UrbanczikArchivingNode, models/urbanczik.hpp): for every
// neuron of a pp_cond_exp_mc_urbanczik population that an urbanczik_synapse projection targets, one entry per step,
// the dendritic prediction error dPI (1/mV) at the end of the step, kept until all incoming synapses have read it
// (engine/entry_history.hpp, as the Clopath archive keeps its LTP entries). Written serially after the neuron
// update (network::archive_spikes); read and marked by the propagation. CPU only, batch 1.
#include <cstdint>
#include <vector>

#include "engine/config.hpp"
#include "engine/entry_history.hpp"
#include "models/urbanczik.hpp"

namespace volley {

class population;

struct urbanczik_archive {
  const population* pop = nullptr;
  std::vector<models::urbanczik_rule> rules;  // one (homogeneous) or one per neuron
  entry_history history;                      // value: dPI; history.n_incoming: urbanczik synapses into each neuron

  bool enabled() const { return pop != nullptr; }
  const models::urbanczik_rule& rule(index_t i) const { return rules[rules.size() == 1 ? 0 : i]; }
  void allocate(const population& target, double dt);
  // Appends this step's entries (time step + 1) from the population's state and spikes after the update.
  void record(std::uint64_t step);
  std::uint64_t bytes() const { return history.bytes() + rules.size() * sizeof(models::urbanczik_rule); }
};

}  // namespace volley
