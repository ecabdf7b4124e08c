#pragma once
// Connectivity of one projection (source range -> target range), built once on the host as CSR by source.
// Rules and defaults follow NEST 3 (all_to_all, one_to_one, pairwise_bernoulli = fixed_probability, fixed_indegree,
// fixed_outdegree, fixed_total_number) plus an explicit list of pairs.
//
// Determinism: every random rule draws from counter-based streams keyed by (seed, tag, row or column, 0), so the
// result depends only on (rule, ranges, seed, projection_id), never on the number of OpenMP threads.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/line_sampling.hpp"

namespace volley {

enum class rule_kind {
  all_to_all,
  one_to_one,
  fixed_probability,
  fixed_indegree,
  fixed_outdegree,
  fixed_total_number,
  explicit_list
};

struct connection_rule {
  rule_kind kind = rule_kind::all_to_all;
  double probability = 0.0;     // fixed_probability: in [0, 1]
  std::uint64_t count = 0;      // fixed_indegree: per target; fixed_outdegree: per source; fixed_total_number: in all
  bool allow_autapses = true;   // NEST's defaults
  bool allow_multapses = true;  // ignored by all_to_all, one_to_one and fixed_probability (each pair is tried once)
  std::vector<index_t> sources, targets;  // explicit_list: pair k is sources[k] -> targets[k], relative to the ranges
};

// Neurons [begin, end) of one population.
struct neuron_range {
  std::uint32_t population = 0;
  index_t begin = 0, end = 0;
  index_t size() const { return end - begin; }
};

struct csr_connectivity {
  index_t n_source = 0, n_target = 0;
  std::vector<std::uint64_t> row_ptr;        // [n_source + 1]; row i is [row_ptr[i], row_ptr[i + 1])
  std::vector<index_t> targets;              // relative to target.begin; ascending in a row (repeats = multapses)
  std::vector<std::uint64_t> list_position;  // explicit_list only: index in the input list of each entry; else empty
  std::uint64_t size() const { return targets.size(); }
};

// Builds the connections of one projection. A connection i -> j is an autapse when both ranges are in the same
// population and source.begin + i == target.begin + j. Throws parameter_error (naming `where`, e.g.
// "projection 'E->I'", the parameter and its value) for an impossible rule, resource_error when memory runs out.
csr_connectivity build_connectivity(const connection_rule& rule, const neuron_range& source, const neuron_range& target,
                                    std::uint64_t seed, std::uint32_t projection_id, const std::string& where);

// Rules built in two passes, row lengths first (fixed_outdegree, fixed_total_number): the targets of such rows can
// be drawn later, on the host (fill_planned_rows) or on a GPU (kernels/gpu/connectivity_build.cu), from the same
// streams. build_connectivity = plan_rows + fill_planned_rows for them.
bool rule_plans_rows(rule_kind kind);
// Validates the rule (as build_connectivity) and returns the row pointers; targets stay empty.
csr_connectivity plan_rows(const connection_rule& rule, const neuron_range& source, const neuron_range& target,
                           std::uint64_t seed, std::uint32_t projection_id, const std::string& where);
void fill_planned_rows(csr_connectivity& csr, const connection_rule& rule, const neuron_range& source,
                       const neuron_range& target, std::uint64_t seed, std::uint32_t projection_id,
                       const std::string& where);
// What another builder needs to draw the same lines: the excluded autapse column of each row and the stream tag.
lines::autapse_map autapse_map_of(const connection_rule& rule, const neuron_range& source, const neuron_range& target);
std::uint32_t connectivity_tag(std::uint32_t projection_id);

// Target-to-source index (CSC) for plasticity. Column j is [col_ptr[j], col_ptr[j + 1]); sources ascend within a
// column; synapse is the position of the same connection in the CSR. Deterministic for any number of threads.
struct csc_index {
  std::vector<std::uint64_t> col_ptr;  // [n_target + 1]
  std::vector<index_t> sources;        // relative to source.begin
  std::vector<std::uint64_t> synapse;  // position in csr_connectivity::targets
};
csc_index transpose(const csr_connectivity& csr);

}  // namespace volley
