#pragma once
// Gap junctions (electrical synapses), brainpy.state semantics: the current into cell i is
//
//   I_i = sum_j g_ij (V_j - V_i)        pA, with g in nS and V in mV; no delay
//
// Symmetric junctions (brainpy.state SymmetryGapJunction, NEST gap_junction with make_symmetric) couple each pair
// both ways with one conductance; an asymmetric (directed) junction only feeds its target. The coupling is
// explicit in time: step n uses the membrane potentials at the start of step n (after step n - 1), held over the
// step, as brainpy.state's projection update does before the neurons update.
//
// A gap projection is directed and ordered by TARGET: each cell of the target population lists its partners (in
// the source population) and conductances, ascending by partner. network::connect_gap turns a symmetric
// connection into the directed projections that carry it: one onto the population when source and target are the
// same population (both directions merged, self-pairs dropped), else one onto each side.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/connectivity.hpp"
#include "kernels/gap_current.hpp"

namespace volley {

class population;

struct gap_projection {
  std::string name;                     // for errors and summaries, e.g. "gap I<->I"
  population* source = nullptr;         // whose V the partners are
  population* target = nullptr;         // who receives the current
  bool first_onto_target = true;        // the first gap projection onto `target` writes, later ones add
  std::vector<std::uint64_t> row_ptr;   // [target->size() + 1]
  std::vector<index_t> partners;        // source-population neuron per entry, ascending within a row
  std::vector<real_t> g;                // nS per entry; empty: `g_value` for all
  real_t g_value = 0;                   // nS

  std::uint64_t size() const { return partners.size(); }
  // The kernel view on the host arrays (the GPU engine translates the pointers into its mirror).
  kernels::gap_view view() const;
};

// One directed pair list (absolute neuron indices in the source and target populations) with conductances.
struct gap_pairs {
  std::vector<index_t> source, target;
  std::vector<double> g;                // nS, one per pair
};

// Sorts the pairs into the target-ordered CSR of `p` (stable: equal partners keep their input order), dropping
// pairs whose ends are one neuron (same population, same index). A homogeneous g is stored once.
void build_gap_rows(gap_projection& p, const gap_pairs& pairs, index_t n_target, bool same_population);

// The gap phase of one step on the CPU: the gap current of every target cell of every projection, in projection
// order (the first projection onto a population overwrites, later ones add). Cells are split among threads;
// a cell's row is summed by one thread in row order, so results are bitwise the same for any thread count.
void compute_gap_currents(const std::vector<gap_projection>& gaps, int threads);

}  // namespace volley
