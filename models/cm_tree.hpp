#pragma once
// The tree solve of NEST's cm_default (models/cm_tree.cpp, CompTree::solve_matrix): one step of the compartment
// voltages is a tridiagonal-on-a-tree linear system, row i:
//     gg_i v_i + hh_i v_parent(i) + sum_{children c} hh_c v_c = ff_i
// (hh_i = -g_C,i / 2, the coupling to the parent; the root has hh = 0), solved in O(n) by Hines' algorithm:
// a down sweep from the leaves eliminates each compartment into its parent (gg_p -= hh_c^2 / gg_c,
// ff_p -= ff_c hh_c / gg_c), an up sweep from the root sets v_i = (ff_i - v_parent hh_i) / gg_i.
//
// Bounded design: at most cm_max_compartments compartments, indexed 0 .. n-1 in creation order with the root
// (soma) 0 and every parent index below its child's (NEST adds a compartment only under one that exists).
//
// Round-off as NEST: NEST gathers the children's contributions into a parent in the order of its leaf-driven
// recursion (solve_matrix_downsweep: start at the first leaf, climb while the parent has heard from all its
// children, else jump to the next leaf). cm_down_order() replays that recursion once on the host; the device loop
// then eliminates compartments in the recorded order, so sums of three or more children round as NEST's do.
#include "engine/config.hpp"

namespace volley::models {

inline constexpr int cm_max_compartments = 8;

// NEST's down-sweep visiting order for the tree given by parent[0..n-1] (parent[0] = -1). Host only.
inline void cm_down_order(int n, const int* parent, int* order) {
  int n_children[cm_max_compartments] = {}, leaves[cm_max_compartments] = {}, n_leaves = 0;
  for (int i = 1; i < n; ++i) ++n_children[parent[i]];
  for (int i = 0; i < n; ++i)
    if (n_children[i] == 0) leaves[n_leaves++] = i;
  int passed[cm_max_compartments] = {}, k = 0, leaf = 0, at = leaves[0];
  for (;;) {
    order[k++] = at;
    const int p = parent[at];
    if (p < 0) break;  // the root: done
    if (++passed[p] == n_children[p]) {
      passed[p] = 0;
      at = p;
    } else {
      if (++leaf >= n_leaves) break;
      at = leaves[leaf];
    }
  }
}

// Solves the system in place: on return v holds the new voltages; gg, ff are overwritten.
// order: cm_down_order's sequence (n entries, the root last).
VOLLEY_HD VOLLEY_INLINE void cm_solve_tree(int n, const int* parent, const int* order, double* gg, double* ff,
                                           const double* hh, double* v) {
  double xx[cm_max_compartments], yy[cm_max_compartments];  // gathered from the children (NEST's xx_, yy_)
  for (int i = 0; i < n; ++i) xx[i] = yy[i] = 0.0;
  for (int k = 0; k < n; ++k) {
    const int i = order[k];
    gg[i] -= xx[i];
    ff[i] -= yy[i];
    const int p = parent[i];
    if (p >= 0) {
      xx[p] += hh[i] * hh[i] / gg[i];
      yy[p] += ff[i] * hh[i] / gg[i];
    }
  }
  // up sweep: parents come before children in index order; the root sees v_parent = 0 and hh = 0
  for (int i = 0; i < n; ++i) {
    const double v_in = parent[i] >= 0 ? v[parent[i]] : 0.0;
    v[i] = (ff[i] - v_in * hh[i]) / gg[i];
  }
}

}  // namespace volley::models
