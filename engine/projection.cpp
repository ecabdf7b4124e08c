#include "engine/projection.hpp"

#include <algorithm>

#include "kernels/cpu_parallel.hpp"
#include "kernels/propagate.hpp"

namespace volley {

int projection::max_delay() const {
  if (delays.empty()) return delay;
  return delays.empty() ? delay : *std::max_element(delays.begin(), delays.end());
}

std::uint64_t projection::bytes() const {
  return row_ptr.size() * sizeof(std::uint64_t) + targets32.size() * sizeof(index_t) +
         targets16.size() * sizeof(std::uint16_t) + weights.size() * sizeof(real_t) +
         delays.size() * sizeof(std::uint16_t);
}

void projection::set_connectivity(csr_connectivity&& csr) {
  row_ptr = std::move(csr.row_ptr);
  if (target_range.size() <= 65536) {
    targets16.assign(csr.targets.begin(), csr.targets.end());
    targets32.clear();
    csr.targets.clear();
    csr.targets.shrink_to_fit();
  } else {
    targets32 = std::move(csr.targets);
  }
}

namespace {

// Synapses of `row` whose target lies in [lo, hi) (relative to the target range), by binary search.
template <class Index>
void deliver_owned(const projection& p, const Index* targets, std::uint64_t row, index_t lo, index_t hi,
                   const kernels::ring_view& ring, std::uint64_t step, std::uint64_t offset) {
  std::uint64_t k0 = p.row_ptr[row], k1 = p.row_ptr[row + 1];
  if (lo > 0) k0 = std::lower_bound(targets + k0, targets + k1, static_cast<Index>(lo)) - targets;
  if (hi < p.target_range.size())
    k1 = std::lower_bound(targets + k0, targets + k1, static_cast<Index>(hi)) - targets;
  kernels::deliver_row(targets, p.weights.empty() ? nullptr : p.weights.data(), p.weight,
                       p.delays.empty() ? nullptr : p.delays.data(), p.delay, k0, k1, ring, step, offset);
}

void deliver_projection(projection& p, std::uint64_t step, index_t lo_pop, index_t hi_pop) {
  // the caller owns target-population neurons [lo_pop, hi_pop); convert to this projection's target range
  const index_t tb = p.target_range.begin, te = p.target_range.end;
  const index_t lo = std::max(lo_pop, tb), hi = std::min(hi_pop, te);
  if (lo >= hi) return;
  population& tgt = *p.target;
  const kernels::ring_view ring{tgt.ring_slot(p.channel, 0), std::uint64_t(tgt.batch()) * tgt.size(),
                                static_cast<std::uint32_t>(tgt.ring_slots() - 1)};
  for (std::uint32_t b = 0; b < p.source->batch(); ++b) {
    const auto& spikes = p.source->spikes()[b];
    const auto first = std::lower_bound(spikes.begin(), spikes.end(), p.source_range.begin);
    const std::uint64_t offset = std::uint64_t(b) * tgt.size() + tb;
    for (auto it = first; it != spikes.end() && *it < p.source_range.end; ++it) {
      const std::uint64_t row = *it - p.source_range.begin;
      if (p.narrow())
        deliver_owned(p, p.targets16.data(), row, lo - tb, hi - tb, ring, step, offset);
      else
        deliver_owned(p, p.targets32.data(), row, lo - tb, hi - tb, ring, step, offset);
    }
  }
}

}  // namespace

void propagate_spikes(std::vector<projection>& projections, std::uint64_t step, int threads) {
  std::uint64_t work = 0;
  for (const auto& p : projections) {
    std::uint64_t s = 0;
    for (const auto& list : p.source->spikes()) s += list.size();
    work += s * (p.size() / std::max<std::uint64_t>(1, p.source_range.size()) + 8);
  }
  // Small steps are cheaper on one thread; the result is the same either way.
  const int nt = work < 2048 ? 1 : kernels::cpu_thread_count(threads);
  kernels::cpu_chunks(std::uint64_t(nt), nt, [&](int, std::uint64_t tb, std::uint64_t te) {
    for (std::uint64_t t = tb; t < te; ++t)
      for (auto& p : projections) {
        const std::uint64_t n = p.target->size();
        deliver_projection(p, step, static_cast<index_t>(n * t / nt), static_cast<index_t>(n * (t + 1) / nt));
      }
  });
}

}  // namespace volley
