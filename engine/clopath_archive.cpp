#include "engine/clopath_archive.hpp"

#include "engine/population.hpp"

namespace volley {

void clopath_archive::allocate(const population& target, double dt, std::uint32_t longest_delay) {
  pop = &target;
  rules = target.clopath_rules(dt);
  const index_t n = target.size();
  ltd_slots = longest_delay + 1;
  recorded = 0;
  ring_begin.assign(std::size_t(n) + 1, 0);
  for (index_t i = 0; i < n; ++i) ring_begin[i + 1] = ring_begin[i] + rule(i).delay_steps + 1;
  delayed_plus.assign(ring_begin.back(), 0.0);
  delayed_minus.assign(ring_begin.back(), 0.0);
  ltd.assign(std::size_t(n) * ltd_slots, 0.0);
  ltd_t.assign(std::size_t(n) * ltd_slots, ~std::uint64_t(0));
  ltp.assign(n);
}

void clopath_archive::record(std::uint64_t step) {
  const std::uint64_t now = step + 1;
  const models::clopath_voltages& v = pop->model().clopath;
  const real_t* u = pop->state(v.u);
  const real_t* u_bar_plus = pop->state(v.u_bar_plus);
  const real_t* u_bar_minus = pop->state(v.u_bar_minus);
  const real_t* u_bar_bar = pop->state(v.u_bar_bar);
  for (index_t i = 0; i < pop->size(); ++i) {
    // NEST's ring: write this step's value, move on, read the oldest (delay_steps steps ago; 0 before)
    const std::size_t len = ring_begin[i + 1] - ring_begin[i];
    delayed_plus[ring_begin[i] + recorded % len] = u_bar_plus[i];
    delayed_minus[ring_begin[i] + recorded % len] = u_bar_minus[i];
    const double del_plus = delayed_plus[ring_begin[i] + (recorded + 1) % len];
    const double del_minus = delayed_minus[ring_begin[i] + (recorded + 1) % len];
    if (ltp.n_incoming[i] == 0) continue;  // NEST writes no history for a neuron without Clopath synapses
    const models::clopath_rule& r = rule(i);
    double dw = 0;
    if (models::clopath_ltp(r, u[i], del_plus, dw)) ltp.push(i, now, dw);
    const std::size_t slot = std::size_t(i) * ltd_slots + now % ltd_slots;
    ltd[slot] = models::clopath_ltd(r, del_minus, u_bar_bar[i]);
    ltd_t[slot] = now;
  }
  ++recorded;
}

double clopath_archive::ltd_at(index_t i, std::int64_t t) const {
  if (t <= 0) return 0.0;
  const std::size_t slot = std::size_t(i) * ltd_slots + std::uint64_t(t) % ltd_slots;
  return ltd_t[slot] == std::uint64_t(t) ? ltd[slot] : 0.0;
}

std::uint64_t clopath_archive::bytes() const {
  return (delayed_plus.size() + delayed_minus.size() + ltd.size()) * sizeof(double) +
         ltd_t.size() * sizeof(std::uint64_t) + ltp.bytes();
}

}  // namespace volley
