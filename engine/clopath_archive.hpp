#pragma once
// The postsynaptic side of clopath_synapse (NEST's ClopathArchivingNode, models/clopath.hpp): for every neuron of a
// Clopath population that a clopath_synapse projection targets, after every step, the delayed filtered potentials,
// the LTD value of recent steps and the LTP entries not yet read by all incoming synapses. Written serially after
// the neuron update (network::archive_spikes); read and marked by the propagation, each neuron's entries only by
// the thread that owns the neuron. CPU only, batch 1.
//
// Memory: NEST keeps an LTP entry until every incoming Clopath synapse has read it (its access counter reaches the
// number of incoming synapses), dropping the rest from the front; so does this archive (engine/entry_history.hpp,
// shared with urbanczik_synapse's archive). As in NEST, entries of a neuron one of whose presynaptic neurons never
// spikes are kept for the whole run.
#include <cstdint>
#include <vector>

#include "engine/config.hpp"
#include "engine/entry_history.hpp"
#include "models/clopath.hpp"

namespace volley {

class population;

struct clopath_archive {
  const population* pop = nullptr;
  std::vector<models::clopath_rule> rules;  // one (homogeneous) or one per neuron
  std::uint32_t ltd_slots = 2;              // the longest delay of the clopath projections into it + 1, steps
  std::uint64_t recorded = 0;               // steps recorded so far (position in the delay rings)
  std::vector<std::size_t> ring_begin;      // [neuron + 1] offsets of each neuron's delay ring (delay_steps + 1)
  std::vector<double> delayed_plus, delayed_minus;  // mV, the rings; 0 before the first writes (NEST's)
  std::vector<double> ltd;                          // [neuron][ltd_slots] LTD value of time t at slot t % ltd_slots
  std::vector<std::uint64_t> ltd_t;                 // [neuron][ltd_slots] the time of each slot's value
  // [neuron] LTP entries, value dw (ms): A_LTP (u - theta_plus) (u+ - theta_minus) dt, times x_bar at the synapse;
  // ltp.n_incoming: the clopath synapses into each neuron
  entry_history ltp;

  bool enabled() const { return pop != nullptr; }
  const models::clopath_rule& rule(index_t i) const { return rules[rules.size() == 1 ? 0 : i]; }
  // Sizes everything for `pop`; ltd_slots from the longest delay (steps) of the projections into it.
  void allocate(const population& target, double dt, std::uint32_t longest_delay);
  // Appends this step's entries (time step + 1) from the population's state after the update.
  void record(std::uint64_t step);
  // The LTD value of neuron i at time t (steps): 0 if none was written then (or t <= 0).
  double ltd_at(index_t i, std::int64_t t) const;
  std::uint64_t bytes() const;
};

}  // namespace volley
