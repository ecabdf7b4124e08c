#include "engine/gap_junction.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "engine/distribution.hpp"
#include "engine/error.hpp"
#include "engine/network.hpp"
#include "engine/population.hpp"
#include "engine/unit_parse.hpp"
#include "kernels/cpu_parallel.hpp"

namespace volley {

kernels::gap_view gap_projection::view() const {
  kernels::gap_view v;
  v.row_ptr = row_ptr.data();
  v.partners = partners.data();
  v.g = g.empty() ? nullptr : g.data();
  v.g_value = g_value;
  v.v_source = source->state(source->model().membrane);
  v.v_target = target->state(target->model().membrane);
  v.current = target->gap_current();
  v.n_source = source->size();
  v.n_target = target->size();
  v.batch = target->batch();
  v.first = first_onto_target ? 1 : 0;
  return v;
}

void build_gap_rows(gap_projection& p, const gap_pairs& pairs, index_t n_target, bool same_population) {
  std::vector<std::uint64_t> order;
  order.reserve(pairs.source.size());
  for (std::uint64_t k = 0; k < pairs.source.size(); ++k)
    if (!(same_population && pairs.source[k] == pairs.target[k])) order.push_back(k);
  std::stable_sort(order.begin(), order.end(), [&](std::uint64_t a, std::uint64_t b) {
    return pairs.target[a] != pairs.target[b] ? pairs.target[a] < pairs.target[b] : pairs.source[a] < pairs.source[b];
  });
  p.row_ptr.assign(std::size_t(n_target) + 1, 0);
  p.partners.resize(order.size());
  std::vector<real_t> g(order.size());
  for (std::size_t e = 0; e < order.size(); ++e) {
    ++p.row_ptr[pairs.target[order[e]] + 1];
    p.partners[e] = pairs.source[order[e]];
    g[e] = static_cast<real_t>(pairs.g[order[e]]);
  }
  std::partial_sum(p.row_ptr.begin(), p.row_ptr.end(), p.row_ptr.begin());
  const bool homogeneous = std::all_of(g.begin(), g.end(), [&](real_t x) { return x == g.front(); });
  p.g_value = g.empty() ? real_t(0) : g.front();
  if (homogeneous)
    p.g.clear();
  else
    p.g = std::move(g);
}

void compute_gap_currents(const std::vector<gap_projection>& gaps, int threads) {
  for (const gap_projection& p : gaps) {
    const kernels::gap_view v = p.view();
    const std::uint64_t cells = std::uint64_t(v.n_target) * v.batch;
    // below ~4k partner reads per thread an OpenMP fork/join costs more than the sums
    const std::uint64_t work = cells + p.size() * v.batch;
    const int nt = static_cast<int>(
        std::min<std::uint64_t>(kernels::cpu_thread_count(threads), std::max<std::uint64_t>(1, work / 4096)));
    kernels::cpu_chunks(cells, nt, [&](int, std::uint64_t begin, std::uint64_t end) {
      for (std::uint64_t c = begin; c < end; ++c) kernels::gap_current_cell(v, c);
    });
  }
}

namespace {

// Rules of gap junctions draw from rng object ids above those of chemical projections (which count from 0).
constexpr std::uint32_t gap_id_base = 1u << 19;

std::string nS_text(double g) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g nS", g);
  return buf;
}

void check_membrane(const population& p, const std::string& where, const char* role) {
  if (!p.model().takes_current)
    throw parameter_error(where, role, "'" + p.name() + "' (model " + p.model().name + ")",
                          "a population whose model has a membrane potential and takes a current input (" +
                              p.model().name + " has no membrane current: spike sources and readouts cannot be "
                              "coupled electrically)");
}

}  // namespace

void network::connect_gap(const std::string& source, const std::string& target, const connection_rule& rule,
                          const quantity_value& weight, bool symmetric, std::string name) {
  if (name.empty()) name = source + (symmetric ? "<->" : "->") + target;
  const std::string where = "gap junction '" + name + "'";
  const neuron_range src = range(source), tgt = range(target);
  population& sp = *populations_[src.population];
  population& tp = *populations_[tgt.population];
  check_membrane(tp, where, "target");
  check_membrane(sp, where, "source");
  if (!(weight.dim == units::dims::conductance))
    throw parameter_error(where, "weight", "a value that is " + units::describe_dimension(weight.dim),
                          "a conductance (e.g. '0.1 nS')");
  if (gap_id_base + next_gap_id_ > rng::max_object_id)
    throw parameter_error(where, "gap junction count", std::to_string(next_gap_id_), "fewer gap junction connections");
  const std::uint32_t id = gap_id_base + next_gap_id_;

  csr_connectivity csr = build_connectivity(rule, src, tgt, seed_, id, where);
  std::vector<double> g;  // nS, one per connection in CSR order
  if (!weight.per_item.empty()) {
    if (weight.per_item.size() != rule.sources.size())
      throw parameter_error(where, "weight", std::to_string(weight.per_item.size()) + " values",
                            std::to_string(rule.sources.size()) + " values, one per listed pair");
    g.resize(csr.size());
    for (std::size_t k = 0; k < csr.size(); ++k) g[k] = weight.per_item[csr.list_position[k]];
  } else if (!weight.dist.is_constant()) {
    g = sample_per_synapse(weight.dist, csr, seed_, rng::purpose::weight, id, where);
  } else {
    g.assign(csr.size(), weight.dist.a);
    if (!std::isfinite(weight.dist.a) || weight.dist.a < 0)
      throw parameter_error(where, "weight", nS_text(weight.dist.a), "a finite conductance >= 0 nS");
  }
  for (double x : g)
    if (!std::isfinite(x) || x < 0)
      throw parameter_error(where, "weight", nS_text(x), "finite conductances >= 0 nS (a distribution or list "
                                                         "that gives a negative g: bound it with low = 0 nS)");

  // absolute pairs: forward (target receives from source), and for symmetric junctions the reverse
  gap_pairs forward, reverse;
  for (index_t r = 0; r + 1 < csr.row_ptr.size(); ++r)
    for (std::uint64_t k = csr.row_ptr[r]; k < csr.row_ptr[r + 1]; ++k) {
      const index_t s = src.begin + r, t = tgt.begin + csr.targets[k];
      forward.source.push_back(s);
      forward.target.push_back(t);
      forward.g.push_back(g[k]);
      if (!symmetric) continue;
      reverse.source.push_back(t);
      reverse.target.push_back(s);
      reverse.g.push_back(g[k]);
    }
  const bool same = &sp == &tp;
  if (symmetric && same) {  // one projection onto the population: both directions merged
    forward.source.insert(forward.source.end(), reverse.source.begin(), reverse.source.end());
    forward.target.insert(forward.target.end(), reverse.target.begin(), reverse.target.end());
    forward.g.insert(forward.g.end(), reverse.g.begin(), reverse.g.end());
  }
  auto add = [&](population& from, population& onto, const gap_pairs& pairs) {
    gap_projection p;
    p.name = "gap " + name;
    p.source = &from;
    p.target = &onto;
    for (const auto& q : gap_projections_) p.first_onto_target = p.first_onto_target && q.target != &onto;
    build_gap_rows(p, pairs, onto.size(), same);
    onto.enable_gap_current();
    gap_projections_.push_back(std::move(p));
  };
  add(sp, tp, forward);
  if (symmetric && !same) add(tp, sp, reverse);
  ++next_gap_id_;
}

}  // namespace volley
