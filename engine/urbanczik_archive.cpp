#include "engine/urbanczik_archive.hpp"

#include "engine/population.hpp"

namespace volley {

void urbanczik_archive::allocate(const population& target, double dt) {
  pop = &target;
  rules = target.urbanczik_rules(dt);
  history.assign(target.size());
}

void urbanczik_archive::record(std::uint64_t step) {
  const std::uint64_t now = step + 1;
  const real_t* v_w = pop->state(pop->model().urbanczik_dendrite);
  const auto& spikes = pop->spikes()[0];  // ascending
  std::size_t next = 0;
  for (index_t i = 0; i < pop->size(); ++i) {
    while (next < spikes.size() && spikes[next] < i) ++next;
    const bool spiked = next < spikes.size() && spikes[next] == i;
    if (history.n_incoming[i] == 0) continue;  // NEST writes no history for a neuron without Urbanczik synapses
    history.push(i, now, models::urbanczik_prediction_error(rule(i), double(v_w[i]), spiked ? 1.0 : 0.0));
  }
}

}  // namespace volley
