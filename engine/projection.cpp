#include "engine/projection.hpp"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "engine/error.hpp"
#include "engine/recording.hpp"

#include <nlohmann/json.hpp>

#include "kernels/cpu_parallel.hpp"
#include "kernels/propagate.hpp"

namespace volley {

int projection::max_delay() const {
  if (pending && !pending->delay.is_constant()) {
    if (!on_device) throw std::logic_error("projection::max_delay: synapses of " + name + " not drawn yet");
    return device_max_delay;
  }
  return delays.empty() ? delay : *std::max_element(delays.begin(), delays.end());
}

std::uint64_t projection::bytes() const {
  if (pending)  // what the drawn synapses will take
    return row_ptr.size() * sizeof(std::uint64_t) +
           size() * ((narrow() ? sizeof(std::uint16_t) : sizeof(index_t)) +
                     (pending->weight.is_constant() ? 0 : sizeof(real_t)) +
                     (pending->delay.is_constant() ? 0 : sizeof(std::uint16_t))) +
           (stp_u.size() + stp_x.size() + stp_y.size()) * sizeof(double) + stp_since.size() * sizeof(std::uint64_t) +
           efficacy.size() * sizeof(real_t) + quantal_available.size() * sizeof(std::uint16_t) +
           presynaptic_state.size() * sizeof(real_t);
  return presynaptic_state.size() * sizeof(real_t) + quantal_available.size() * sizeof(std::uint16_t) + stdp_pre.size() * sizeof(models::stdp_pre_state) +
         stdp_synapse_kplus.size() * sizeof(double) +
         stdp_facetshw_synapses.size() * sizeof(models::facetshw_synapse) +
         stdp_dopamine_synapses.size() * sizeof(models::dopamine_synapse) +
         stdp_urbanczik_synapses.size() * sizeof(models::urbanczik_synapse_state) +
         row_ptr.size() * sizeof(std::uint64_t) + targets32.size() * sizeof(index_t) +
         targets16.size() * sizeof(std::uint16_t) + weights.size() * sizeof(real_t) +
         delays.size() * sizeof(std::uint16_t) + (stp_u.size() + stp_x.size() + stp_y.size()) * sizeof(double) +
         stp_since.size() * sizeof(std::uint64_t) + efficacy.size() * sizeof(real_t);
}

void projection::set_plasticity(const models::plasticity_constants& c, std::uint32_t batch) {
  plasticity = c;
  const std::size_t n = plastic() ? std::size_t(batch) * source_range.size() : 0;
  stp_u.assign(models::uses_u(c) ? n : 0, models::initial_u(c));
  stp_x.assign(n, models::initial_x(c));
  // tsodyks: y; quantal: the u of a step's first spike (models::quantal_on_spikes)
  stp_y.assign(c.kind == models::plasticity_kind::tsodyks || c.kind == models::plasticity_kind::quantal ? n : 0, c.y0);
  stp_since.assign(n, 0);
  efficacy.assign(n, real_t(1));
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

// Synapses [k0, k1) of `row` whose target lies in [lo, hi) (relative to the target range), by binary search.
template <class Index>
std::pair<std::uint64_t, std::uint64_t> owned_synapses(const projection& p, const Index* targets, std::uint64_t row,
                                                       index_t lo, index_t hi) {
  std::uint64_t k0 = p.row_ptr[row], k1 = p.row_ptr[row + 1];
  if (lo > 0) k0 = std::lower_bound(targets + k0, targets + k1, static_cast<Index>(lo)) - targets;
  if (hi < p.target_range.size())
    k1 = std::lower_bound(targets + k0, targets + k1, static_cast<Index>(hi)) - targets;
  return {k0, k1};
}

// The owned synapses of `row` into the ring buffer, each weight times `efficacy`.
template <class Index>
void deliver_owned(const projection& p, const Index* targets, std::uint64_t row, index_t lo, index_t hi,
                   const kernels::ring_view& ring, std::uint64_t step, std::uint64_t offset, real_t efficacy,
                   std::uint64_t seed) {
  const auto [k0, k1] = owned_synapses(p, targets, row, lo, hi);
  if (p.counted_transmission()) {  // `efficacy` spikes (a parrot's multiplicity): each passes or not
    const auto spikes = static_cast<std::uint64_t>(std::llround(efficacy));
    for (std::uint64_t k = k0; k < k1; ++k) {
      const std::uint64_t passed = p.transmitted_count(seed, k, step, spikes);
      if (passed == 0) continue;
      const std::uint64_t d = p.delays.empty() ? p.delay : p.delays[k];
      ring.base[((step + d) & ring.slot_mask) * ring.slot_stride + offset + targets[k]] +=
          (p.weights.empty() ? p.weight : p.weights[k]) * static_cast<real_t>(passed);
    }
    return;
  }
  if (p.unreliable()) {  // each synapse draws whether it passes this spike
    for (std::uint64_t k = k0; k < k1; ++k) {
      if (!p.transmits(seed, k, step)) continue;
      const std::uint64_t d = p.delays.empty() ? p.delay : p.delays[k];
      ring.base[((step + d) & ring.slot_mask) * ring.slot_stride + offset + targets[k]] +=
          (p.weights.empty() ? p.weight : p.weights[k]) * efficacy;
    }
    return;
  }
  kernels::deliver_row(targets, p.weights.empty() ? nullptr : p.weights.data(), p.weight,
                       p.delays.empty() ? nullptr : p.delays.data(), p.delay, k0, k1, ring, step, offset,
                       efficacy);
}

// quantal_stp_synapse: the owned synapses of `row` (source spiked in `step`, batch 1) recover sites over the
// interval, release Binomial(a, u) of their a available sites and deliver released * weight. A count of m spikes
// (projection::unroll_var) is m attempts in a row, as NEST's m events at the same time: u rises between them
// (models::quantal_next_u), nothing recovers.
template <class Index>
void deliver_quantal_owned(projection& p, const Index* targets, std::uint64_t row, index_t lo, index_t hi,
                           const kernels::ring_view& ring, std::uint64_t step, std::uint64_t offset,
                           std::uint64_t spikes, std::uint64_t seed) {
  const auto [k0, k1] = owned_synapses(p, targets, row, lo, hi);
  const double first_u = p.stp_y[row], first_recover = p.stp_x[row];
  const std::uint64_t sites = p.plasticity.sites;
  for (std::uint64_t k = k0; k < k1; ++k) {
    auto rs = rng::random_stream::for_element(seed, p.transmit_tag, k, static_cast<std::uint32_t>(step));
    std::uint64_t available = p.quantal_available[k], released = 0;
    double u = first_u, recover = first_recover;
    for (std::uint64_t s = 0; s < spikes; ++s) {
      if (recover > 0 && available < sites) available += rs.binomial(sites - available, recover);
      const std::uint64_t now = available > 0 ? rs.binomial(available, u) : 0;
      available -= now;
      released += now;
      u = models::quantal_next_u(p.plasticity, u);
      recover = 0;
    }
    p.quantal_available[k] = static_cast<std::uint16_t>(available);
    if (released == 0) continue;  // NEST sends no spike
    const std::uint64_t d = p.delays.empty() ? p.delay : p.delays[k];
    ring.base[((step + d) & ring.slot_mask) * ring.slot_stride + offset + targets[k]] +=
        static_cast<real_t>(released) * (p.weights.empty() ? p.weight : p.weights[k]);
  }
}

// STDP: the synapses [k0, k1) of `row` (source spiked in `step`) get their new weights, which are then delivered.
// Returns false if a target's archive had dropped a spike the rule needed.
// A count payload of m (projection::unroll_var) runs the rule m times in the step, each time after the pre trace
// took the previous of these spikes, and delivers each weight.
template <class Index>
bool deliver_plastic_owned(projection& p, const Index* targets, std::uint64_t row, index_t lo, index_t hi,
                           const kernels::ring_view& ring, std::uint64_t step, std::uint64_t offset,
                           std::uint64_t spikes) {
  const auto [k0, k1] = owned_synapses(p, targets, row, lo, hi);
  const index_t tb = p.target_range.begin;
  bool complete = true;
  double unused_kplus = 0;
  for (std::uint64_t k = k0; k < k1; ++k) {
    const std::uint64_t d = p.delays.empty() ? p.delay : p.delays[k];
    double& kplus = p.stdp_synapse_kplus.empty() ? unused_kplus : p.stdp_synapse_kplus[k];
    models::stdp_pre_state pre = p.stdp_pre[row];  // advanced past this step's spikes after the delivery
    for (std::uint64_t s = 0; s < spikes; ++s) {
      const auto out = models::stdp_on_pre_spike(p.stdp, static_cast<double>(p.weights[k]), pre, kplus,
                                                 p.stdp_archive->view(tb + targets[k]), step + 1, d);
      complete = complete && out.complete;
      p.weights[k] = static_cast<real_t>(out.weight);
      ring.base[((step + d) & ring.slot_mask) * ring.slot_stride + offset + targets[k]] += p.weights[k];
      if (s + 1 < spikes && !p.unrolled_weights.empty()) p.unrolled_weights[k].push_back(p.weights[k]);
      pre = models::stdp_after_pre_spike(p.stdp, pre, step + 1);
    }
  }
  return complete;
}

// clopath_synapse (models/clopath.hpp): the synapses [k0, k1) of `row` (source spiked in `step`) read their
// targets' LTP entries of the window and the LTD value, then deliver the new weights. A count payload of m
// (projection::unroll_var) runs the rule m times, as NEST's m events: the later ones find an empty window and
// depress again, and each weight is delivered.
template <class Index>
void deliver_clopath_owned(projection& p, const Index* targets, std::uint64_t row, index_t lo, index_t hi,
                           const kernels::ring_view& ring, std::uint64_t step, std::uint64_t offset,
                           std::uint64_t spikes) {
  const auto [k0, k1] = owned_synapses(p, targets, row, lo, hi);
  const models::stdp_pre_state& pre = p.stdp_pre[row];  // x_bar and t_last after the source's previous spike
  const models::clopath_synapse_constants c{p.stdp.tau_x, p.stdp.Wmin, p.stdp.Wmax};
  const double dt = p.stdp.dt;
  const std::int64_t t = static_cast<std::int64_t>(step + 1), t_last = static_cast<std::int64_t>(pre.t_last);
  clopath_archive& archive = *p.stdp_clopath;
  const index_t tb = p.target_range.begin;
  for (std::uint64_t k = k0; k < k1; ++k) {
    const std::int64_t d = p.delays.empty() ? p.delay : p.delays[k];
    const index_t target = tb + targets[k];
    double w = p.weights[k];
    archive.ltp.read_window(target, t_last - d, t - d, [&](std::uint64_t tj, double dw) {
      w = models::clopath_facilitate(c, w, dw, pre.kplus, static_cast<double>(t_last - (std::int64_t(tj) + d)) * dt);
    });
    for (std::uint64_t s = 0; s < spikes; ++s) {
      w = models::clopath_depress(c, w, archive.ltd_at(target, t - d));
      p.weights[k] = static_cast<real_t>(w);
      ring.base[((step + d) & ring.slot_mask) * ring.slot_stride + offset + targets[k]] += p.weights[k];
      if (s + 1 < spikes && !p.unrolled_weights.empty()) p.unrolled_weights[k].push_back(p.weights[k]);
    }
  }
}

// urbanczik_synapse (models/urbanczik.hpp): the synapses [k0, k1) of `row` (source spiked in `step`) read their
// targets' prediction errors of the window (t_last - d, t - d], then deliver the new weights. A count payload of m
// (projection::unroll_var) runs the rule m times, as NEST's m events: the later ones, with t_last = t, find an empty
// window (the same weight) and add 1 to the PSP traces again; each weight is delivered.
template <class Index>
void deliver_urbanczik_owned(projection& p, const Index* targets, std::uint64_t row, index_t lo, index_t hi,
                             const kernels::ring_view& ring, std::uint64_t step, std::uint64_t offset,
                             std::uint64_t spikes) {
  const auto [k0, k1] = owned_synapses(p, targets, row, lo, hi);
  const double dt = p.stdp.dt;
  const std::int64_t t = static_cast<std::int64_t>(step + 1), t_last = static_cast<std::int64_t>(p.stdp_pre[row].t_last);
  urbanczik_archive& archive = *p.stdp_urbanczik;
  const index_t tb = p.target_range.begin;
  for (std::uint64_t k = k0; k < k1; ++k) {
    const std::int64_t d = p.delays.empty() ? p.delay : p.delays[k];
    const index_t target = tb + targets[k];
    for (std::uint64_t s = 0; s < spikes; ++s) {
      const std::int64_t since = s == 0 ? t_last : t;
      models::urbanczik_update u(archive.rule(target), p.stdp_urbanczik_constants, p.stdp_urbanczik_synapses[k],
                                 double(p.weights[k]), double(since) * dt, double(t) * dt);
      archive.history.read_window(target, since - d, t - d, [&](std::uint64_t tj, double dPI) {
        u.add(double(tj) * dt, dPI, double(d) * dt);
      });
      p.weights[k] = static_cast<real_t>(u.weight());
      u.after_spike();
      ring.base[((step + d) & ring.slot_mask) * ring.slot_stride + offset + targets[k]] += p.weights[k];
      if (s + 1 < spikes && !p.unrolled_weights.empty()) p.unrolled_weights[k].push_back(p.weights[k]);
    }
  }
}

bool deliver_projection(projection& p, std::uint64_t step, index_t lo_pop, index_t hi_pop, std::uint64_t seed) {
  // the caller owns target-population neurons [lo_pop, hi_pop); convert to this projection's target range
  if (p.dopamine()) return true;  // delivered at the end of the slice (update_dopamine_synapses)
  const index_t tb = p.target_range.begin, te = p.target_range.end;
  const index_t lo = std::max(lo_pop, tb), hi = std::min(hi_pop, te);
  if (lo >= hi) return true;
  population& tgt = *p.target;
  const kernels::ring_view ring{tgt.ring_slot(p.channel, 0), std::uint64_t(tgt.batch()) * tgt.size(),
                                static_cast<std::uint32_t>(tgt.ring_slots() - 1)};
  const real_t* efficacy = p.plastic() ? p.efficacy.data() : nullptr;  // [batch][source row]
  const std::uint64_t rows = p.source_range.size();
  if (p.align_pre) {  // every row whose synapse is open, weights times its g
    const real_t* g = p.presynaptic_column(0);
    for (std::uint32_t b = 0; b < p.source->batch(); ++b) {
      const std::uint64_t offset = std::uint64_t(b) * tgt.size() + tb;
      for (std::uint64_t row = 0; row < rows; ++row) {
        const real_t e = g[b * rows + row];
        if (e == 0) continue;
        if (p.narrow())
          deliver_owned(p, p.targets16.data(), row, lo - tb, hi - tb, ring, step, offset, e, seed);
        else
          deliver_owned(p, p.targets32.data(), row, lo - tb, hi - tb, ring, step, offset, e, seed);
      }
    }
    return true;
  }
  bool complete = true;
  for (std::uint32_t b = 0; b < p.source->batch(); ++b) {
    const auto& spikes = p.source->spikes()[b];
    const auto first = std::lower_bound(spikes.begin(), spikes.end(), p.source_range.begin);
    const std::uint64_t offset = std::uint64_t(b) * tgt.size() + tb;
    for (auto it = first; it != spikes.end() && *it < p.source_range.end; ++it) {
      const std::uint64_t row = *it - p.source_range.begin;
      if (p.quantal()) {  // batch 1 (checked at connect)
        const std::uint64_t m = p.unrolled_spikes(0, *it);
        if (p.narrow())
          deliver_quantal_owned(p, p.targets16.data(), row, lo - tb, hi - tb, ring, step, offset, m, seed);
        else
          deliver_quantal_owned(p, p.targets32.data(), row, lo - tb, hi - tb, ring, step, offset, m, seed);
        continue;
      }
      if (p.urbanczik()) {  // batch 1 (checked at connect)
        const std::uint64_t m = p.unrolled_spikes(0, *it);
        if (p.narrow())
          deliver_urbanczik_owned(p, p.targets16.data(), row, lo - tb, hi - tb, ring, step, offset, m);
        else
          deliver_urbanczik_owned(p, p.targets32.data(), row, lo - tb, hi - tb, ring, step, offset, m);
        continue;
      }
      if (p.clopath()) {  // batch 1 (checked at connect)
        const std::uint64_t m = p.unrolled_spikes(0, *it);
        if (p.narrow())
          deliver_clopath_owned(p, p.targets16.data(), row, lo - tb, hi - tb, ring, step, offset, m);
        else
          deliver_clopath_owned(p, p.targets32.data(), row, lo - tb, hi - tb, ring, step, offset, m);
        continue;
      }
      if (p.weight_plastic() && !p.facetshw()) {  // batch 1 (checked at connect); facetshw: weights set already
        const std::uint64_t m = p.unrolled_spikes(0, *it);
        complete = (p.narrow() ? deliver_plastic_owned(p, p.targets16.data(), row, lo - tb, hi - tb, ring, step, offset, m)
                               : deliver_plastic_owned(p, p.targets32.data(), row, lo - tb, hi - tb, ring, step, offset, m)) &&
                   complete;
        continue;
      }
      real_t e = (efficacy ? efficacy[b * rows + row] : real_t(1)) * p.payload(b, *it);
      if (p.facetshw()) e *= static_cast<real_t>(p.unrolled_spikes(b, *it));  // a count: its weight once per spike
      if (p.narrow())
        deliver_owned(p, p.targets16.data(), row, lo - tb, hi - tb, ring, step, offset, e, seed);
      else
        deliver_owned(p, p.targets32.data(), row, lo - tb, hi - tb, ring, step, offset, e, seed);
    }
  }
  return complete;
}

[[noreturn]] void throw_archive_overflow(const projection& p) {
  throw parameter_error("projection '" + p.name + "' (" + p.stdp_model + ")", "stdp archive capacity",
                        std::to_string(p.stdp_archive->capacity) + " spikes per neuron",
                        "more: a neuron of '" + p.target->name() + "' fired more often between two spikes of "
                        "one of its presynaptic neurons (network::set_stdp_archive, NEST layer kernel option "
                        "stdp_archive_capacity)");
}

// STDP: the traces of this step's spiking sources advanced past their spike (after the synapses read them).
void advance_stdp_traces(std::span<projection> projections, std::uint64_t step) {
  for (auto& p : projections) {
    if (!p.weight_plastic()) continue;
    const auto& spikes = p.source->spikes()[0];
    const auto first = std::lower_bound(spikes.begin(), spikes.end(), p.source_range.begin);
    for (auto it = first; it != spikes.end() && *it < p.source_range.end; ++it) {
      const std::uint64_t row = *it - p.source_range.begin;
      if (p.clopath()) {  // each of an unrolled count's spikes adds 1 / tau_x
        const models::clopath_synapse_constants c{p.stdp.tau_x, p.stdp.Wmin, p.stdp.Wmax};
        for (std::uint64_t m = p.unrolled_spikes(0, *it); m > 0; --m) {
          p.stdp_pre[row].kplus =
              models::clopath_x_bar_after(c, p.stdp_pre[row].kplus, p.stdp_pre[row].t_last, step + 1, p.stdp.dt);
          p.stdp_pre[row].t_last = step + 1;
        }
        continue;
      }
      if (p.urbanczik()) {  // the traces are per synapse (advanced at the delivery)
        p.stdp_pre[row].t_last = step + 1;
        continue;
      }
      for (std::uint64_t m = p.unrolled_spikes(0, *it); m > 0; --m)
        p.stdp_pre[row] = models::stdp_after_pre_spike(p.stdp, p.stdp_pre[row], step + 1);
    }
  }
}

}  // namespace

void update_short_term_plasticity(std::span<projection> projections, std::uint64_t step) {
  for (auto& p : projections) {
    if (!p.plastic()) continue;
    const std::uint64_t rows = p.source_range.size();
    for (std::uint32_t b = 0; b < p.source->batch(); ++b) {
      const auto& spikes = p.source->spikes()[b];
      const auto first = std::lower_bound(spikes.begin(), spikes.end(), p.source_range.begin);
      for (auto it = first; it != spikes.end() && *it < p.source_range.end; ++it) {
        const std::uint64_t i = b * rows + (*it - p.source_range.begin);
        double unused_u = 0, unused_y = 0;
        double& u = p.stp_u.empty() ? unused_u : p.stp_u[i];
        double& y = p.stp_y.empty() ? unused_y : p.stp_y[i];
        if (p.quantal()) {  // the release attempts are per synapse, in the delivery
          const std::uint64_t m = p.unrolled_spikes(b, *it);
          if (m > 0) models::quantal_on_spikes(p.plasticity, u, p.stp_x[i], y, p.stp_since[i], step, m);
          continue;
        }
        std::vector<real_t>* each = nullptr;  // the weight_recorder's: every spike's efficacy of an unrolled count
        if (p.record_weights && p.unroll_var >= 0) {
          if (p.unrolled_efficacies.size() != rows) p.unrolled_efficacies.resize(rows);
          each = &p.unrolled_efficacies[i];
          each->clear();
        }
        p.efficacy[i] = static_cast<real_t>(models::plasticity_on_spikes(
            p.plasticity, u, p.stp_x[i], y, p.stp_since[i], step, p.unrolled_spikes(b, *it),
            [&](std::uint64_t, double e) {
              if (each) each->push_back(static_cast<real_t>(e));
            }));
      }
    }
  }
}

void advance_presynaptic_synapses(std::span<projection> projections) {
  for (auto& p : projections) {
    if (!p.align_pre) continue;
    real_t* columns[models::max_receptor_vars];
    for (int v = 0; v < models::max_receptor_vars; ++v)
      columns[v] = v < models::receptor_state_count(p.presynaptic.kind) ? p.presynaptic_column(v) : nullptr;
    const std::uint64_t rows = p.source_range.size();
    for (std::uint32_t b = 0; b < p.source->batch(); ++b) {
      const auto& spikes = p.source->spikes()[b];  // ascending
      auto it = std::lower_bound(spikes.begin(), spikes.end(), p.source_range.begin);
      for (std::uint64_t row = 0; row < rows; ++row) {
        const index_t src = static_cast<index_t>(p.source_range.begin + row);
        const bool spiked = it != spikes.end() && *it == src;
        if (spiked) ++it;
        models::presynaptic_synapse_step(p.presynaptic, columns, b * rows + row, spiked);
      }
    }
  }
}

void update_facetshw_weights(std::span<projection> projections, std::uint64_t step) {
  struct spike {
    std::uint32_t population;
    index_t neuron;
    std::size_t projection;
  };
  std::vector<spike> order;
  for (std::size_t j = 0; j < projections.size(); ++j) {
    const auto& p = projections[j];
    if (!p.facetshw()) continue;
    const auto& spikes = p.source->spikes()[0];  // batch 1 (checked at connect)
    for (auto it = std::lower_bound(spikes.begin(), spikes.end(), p.source_range.begin);
         it != spikes.end() && *it < p.source_range.end; ++it)
      order.push_back({static_cast<std::uint32_t>(p.source->id()), *it, j});
  }
  if (order.empty()) return;
  std::sort(order.begin(), order.end(), [](const spike& a, const spike& b) {
    return std::tie(a.population, a.neuron, a.projection) < std::tie(b.population, b.neuron, b.projection);
  });
  for (const spike& s : order) {
    projection& p = projections[s.projection];
    models::facetshw_model& m = *p.stdp_facetshw;
    const std::uint64_t row = s.neuron - p.source_range.begin;
    const std::uint64_t t_last = p.stdp_pre[row].t_last;
    for (std::uint64_t k = p.row_ptr[row]; k < p.row_ptr[row + 1]; ++k) {
      models::facetshw_synapse& syn = p.stdp_facetshw_synapses[k];
      if (!syn.initialized) models::facetshw_initialize(m.constants, m.controller, syn);
      const index_t target = p.narrow() ? p.targets16[k] : p.targets32[k];
      const std::uint64_t d = p.delays.empty() ? p.delay : p.delays[k];
      const auto out = models::facetshw_on_pre_spike(m.constants, m.controller, syn, static_cast<double>(p.weights[k]),
                                                     t_last, p.stdp_archive->view(p.target_range.begin + target),
                                                     step + 1, d);
      if (!out.complete) throw_archive_overflow(p);
      p.weights[k] = static_cast<real_t>(out.weight);
      // the later spikes of a count (NEST's events at the same time) find no readout due and an empty window:
      // the same weight, delivered and logged once per spike (deliver_projection, log_transmitted_weights)
      if (!p.unrolled_weights.empty())
        for (std::uint64_t m = p.unrolled_spikes(0, s.neuron); m > 1; --m) p.unrolled_weights[k].push_back(p.weights[k]);
    }
  }
}

void update_dopamine_synapses(std::span<projection> projections, std::uint64_t step) {
  std::vector<volume_transmitter*> transmitters;  // each once, in the order projections name them
  bool any = false;
  for (auto& p : projections) {
    if (!p.dopamine()) continue;
    any = true;
    if (std::find(transmitters.begin(), transmitters.end(), p.stdp_volume.get()) == transmitters.end())
      transmitters.push_back(p.stdp_volume.get());
    const auto& spikes = p.source->spikes()[0];  // batch 1 (checked at connect)
    for (auto it = std::lower_bound(spikes.begin(), spikes.end(), p.source_range.begin);
         it != spikes.end() && *it < p.source_range.end; ++it)
      for (std::uint64_t m = p.unrolled_spikes(0, *it); m > 0; --m)  // a count: NEST's m events, one after another
        p.stdp_dopamine_queue.emplace_back(step, *it - p.source_range.begin);
  }
  if (!any) return;
  for (volume_transmitter* vt : transmitters) {  // this step's dopamine spikes set off towards the transmitter
    if (vt->last_step == step) continue;
    vt->last_step = step;
    for (const auto& src : vt->sources) {
      const auto& spikes = src.pop->spikes()[0];
      const model_info& m = src.pop->model();  // a count (a parrot's multiplicity) raises n that many times
      const real_t* count = m.spike_payload_counts ? src.pop->state(m.spike_payload) : nullptr;
      for (auto it = std::lower_bound(spikes.begin(), spikes.end(), src.range.begin);
           it != spikes.end() && *it < src.range.end; ++it)
        vt->arriving.push_back({static_cast<std::int64_t>(step + 1 + src.delay),
                                count ? double(spike_multiplicity(count[*it])) : 1.0});
    }
  }
  const std::uint64_t t_end = step + 1;  // the slice's end, steps
  if (t_end % transmitters.front()->slice_steps != 0) return;  // one min_delay for the whole network
  std::vector<volume_transmitter*> delivering;
  for (volume_transmitter* vt : transmitters) {
    // the spikes that reached it by the end of the slice, in time order, one entry per step (NEST's ring buffer)
    std::sort(vt->arriving.begin(), vt->arriving.end(),
              [](const models::dopa_spike& a, const models::dopa_spike& b) { return a.t < b.t; });
    std::size_t taken = 0;
    for (; taken < vt->arriving.size() && vt->arriving[taken].t <= static_cast<std::int64_t>(t_end); ++taken) {
      if (vt->list.size() > 1 && vt->list.back().t == vt->arriving[taken].t)
        vt->list.back().multiplicity += vt->arriving[taken].multiplicity;
      else
        vt->list.push_back(vt->arriving[taken]);
    }
    vt->arriving.erase(vt->arriving.begin(), vt->arriving.begin() + static_cast<std::ptrdiff_t>(taken));
    if (t_end % (std::uint64_t(vt->slice_steps) * vt->deliver_interval) == 0) delivering.push_back(vt);
  }
  auto target_of = [](const projection& p, std::uint64_t k) -> index_t {
    return p.narrow() ? p.targets16[k] : p.targets32[k];
  };
  for (auto& p : projections) {  // the transmitters' deliveries: every synapse brought up to the slice's end
    if (!p.dopamine() || std::find(delivering.begin(), delivering.end(), p.stdp_volume.get()) == delivering.end())
      continue;
    const models::dopa_list_view list{p.stdp_volume->list.data(), static_cast<std::uint32_t>(p.stdp_volume->list.size())};
    for (std::uint64_t k = 0; k < p.size(); ++k) {
      const std::int64_t d = p.delays.empty() ? p.delay : p.delays[k];
      const auto out = models::dopamine_on_trigger(p.stdp_dopamine, p.stdp_dopamine_synapses[k], double(p.weights[k]),
                                                   list, p.stdp_archive->view(p.target_range.begin + target_of(p, k)),
                                                   static_cast<std::int64_t>(t_end), d);
      if (!out.complete) throw_archive_overflow(p);
      p.weights[k] = static_cast<real_t>(out.weight);
    }
  }
  for (volume_transmitter* vt : delivering) vt->list.assign(1, {static_cast<std::int64_t>(t_end), 0.0});
  for (auto& p : projections) {  // the slice's presynaptic spikes, after the deliveries
    if (!p.dopamine()) continue;
    population& tgt = *p.target;
    const kernels::ring_view ring{tgt.ring_slot(p.channel, 0), std::uint64_t(tgt.size()),
                                  static_cast<std::uint32_t>(tgt.ring_slots() - 1)};
    const models::dopa_list_view list{p.stdp_volume->list.data(), static_cast<std::uint32_t>(p.stdp_volume->list.size())};
    std::uint32_t copy = 0;  // which spike of a count (consecutive equal entries), logged as NEST orders them
    for (std::size_t q = 0; q < p.stdp_dopamine_queue.size(); ++q) {
      const auto [spike_step, row] = p.stdp_dopamine_queue[q];
      copy = q > 0 && p.stdp_dopamine_queue[q - 1] == p.stdp_dopamine_queue[q] ? copy + 1 : 0;
      for (std::uint64_t k = p.row_ptr[row]; k < p.row_ptr[row + 1]; ++k) {
        const index_t target = target_of(p, k);
        const std::uint64_t d = p.delays.empty() ? p.delay : p.delays[k];
        const auto out = models::dopamine_on_pre_spike(p.stdp_dopamine, p.stdp_dopamine_synapses[k], double(p.weights[k]),
                                                       list, p.stdp_archive->view(p.target_range.begin + target),
                                                       static_cast<std::int64_t>(spike_step + 1), static_cast<std::int64_t>(d));
        if (!out.complete) throw_archive_overflow(p);
        p.weights[k] = static_cast<real_t>(out.weight);
        // d >= min_delay: the arrival step lies after this slice, its ring slot not read yet
        ring.base[((spike_step + d) & ring.slot_mask) * ring.slot_stride + p.target_range.begin + target] += p.weights[k];
        if (p.record_weights) p.weight_log.push_back({spike_step, row, target, p.weights[k], copy});
      }
    }
    p.stdp_dopamine_queue.clear();
  }
}

void propagate_spikes(std::span<projection> projections, std::uint64_t step, int threads, std::uint64_t seed) {
  for (auto& p : projections)  // each synapse's list is written by the one thread owning its target
    if (p.record_weights && p.weight_plastic() && p.unroll_var >= 0 && p.unrolled_weights.size() != p.size()) p.unrolled_weights.resize(p.size());
  update_short_term_plasticity(projections, step);
  update_facetshw_weights(projections, step);
  advance_presynaptic_synapses(projections);
  std::uint64_t work = 0;
  for (const auto& p : projections) {
    std::uint64_t s = 0;
    for (const auto& list : p.source->spikes()) s += list.size();
    if (p.align_pre) s = p.presynaptic_cells();  // every open synapse delivers
    work += s * (p.size() / std::max<std::uint64_t>(1, p.source_range.size()) + 8);
  }
  // Small steps are cheaper on fewer threads (kernels::threads_for_work); the result is the same either way.
  const int nt = kernels::threads_for_work(work, threads);
  std::atomic<int> incomplete{-1};  // an STDP projection whose target archive lost a needed spike
  kernels::cpu_chunks(std::uint64_t(nt), nt, [&](int, std::uint64_t tb, std::uint64_t te) {
    for (std::uint64_t t = tb; t < te; ++t)
      for (std::size_t j = 0; j < projections.size(); ++j) {
        auto& p = projections[j];
        const std::uint64_t n = p.target->size();
        if (!deliver_projection(p, step, static_cast<index_t>(n * t / nt), static_cast<index_t>(n * (t + 1) / nt),
                                seed))
          incomplete.store(static_cast<int>(j));
      }
  });
  advance_stdp_traces(projections, step);
  update_dopamine_synapses(projections, step);
  if (incomplete.load() >= 0) throw_archive_overflow(projections[std::size_t(incomplete.load())]);
}

void log_transmitted_weights(std::span<projection> projections, std::uint64_t step, std::uint64_t seed) {
  for (auto& p : projections) {
    if (!p.record_weights || p.dopamine()) continue;  // dopamine synapses log when they deliver
    const auto& spikes = p.source->spikes()[0];
    const auto first = std::lower_bound(spikes.begin(), spikes.end(), p.source_range.begin);
    for (auto it = first; it != spikes.end() && *it < p.source_range.end; ++it) {
      const std::uint64_t row = *it - p.source_range.begin;
      const real_t e = (p.plastic() ? p.efficacy[row] : real_t(1)) * p.payload(0, *it);
      const bool counted = p.counted_transmission();
      // NEST passes a count of m spikes on as m events and logs each: a static synapse's m weights
      const bool static_count = p.payload_counts && !p.plastic() && !p.weight_plastic();
      const bool stp_count = p.plastic() && p.unroll_var >= 0;  // every spike's weight x its efficacy
      for (std::uint64_t k = p.row_ptr[row]; k < p.row_ptr[row + 1]; ++k) {
        // NEST records the spikes a synapse passed on (a count payload: how many of them passed)
        const real_t passed = counted ? static_cast<real_t>(p.transmitted_count(seed, k, step, std::llround(e))) : e;
        if (counted ? passed == 0 : !p.transmits(seed, k, step)) continue;
        const index_t t = p.narrow() ? p.targets16[k] : p.targets32[k];
        const real_t w = p.weights.empty() ? p.weight : p.weights[k];
        std::uint32_t copy = 0;
        if (static_count) {
          for (auto m = std::llround(passed); m > 0; --m) p.weight_log.push_back({step, static_cast<index_t>(row), t, w, copy++});
          continue;
        }
        if (stp_count) {
          for (const real_t each : p.unrolled_efficacies[row])
            p.weight_log.push_back({step, static_cast<index_t>(row), t, w * each, copy++});
          continue;
        }
        if (!p.unrolled_weights.empty()) {  // an unrolled count: every spike's weight, the last one's below
          for (const real_t earlier : p.unrolled_weights[k])
            p.weight_log.push_back({step, static_cast<index_t>(row), t, earlier, copy++});
          p.unrolled_weights[k].clear();
        }
        p.weight_log.push_back({step, static_cast<index_t>(row), t, p.weight_plastic() ? w : w * passed, copy});
      }
    }
  }
}

namespace {

template <class P>
nlohmann::json describe_plasticity_kind() {
  nlohmann::json params = nlohmann::json::array();
  P defaults{};
  P::each_param(defaults, [&](const char* name, auto& field, models::plasticity_range r) {
    params.push_back({{"name", name}, {"unit", units::internal_unit_name(field.dim)}, {"default", field.value},
                      {"range", models::plasticity_range_text(r)}});
  });
  return {{"name", P::name}, {"spec_key", "stp"}, {"parameters", params}};
}

}  // namespace

// Every kind of the plasticity_params variant except "none", so a kind added there is listed without more edits.
template <std::size_t... I>
nlohmann::json describe_plasticity_kinds(std::index_sequence<I...>) {
  nlohmann::json kinds = nlohmann::json::array();
  auto add = [&](auto tag) {
    using P = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<P, models::no_plasticity>) kinds.push_back(describe_plasticity_kind<P>());
  };
  (add(std::type_identity<std::variant_alternative_t<I, models::plasticity_params>>{}), ...);
  return kinds;
}

void describe_plasticity(nlohmann::json& out) {
  out["plasticity"] =
      describe_plasticity_kinds(std::make_index_sequence<std::variant_size_v<models::plasticity_params>>{});
}

}  // namespace volley
