#pragma once
// NEST's gap junctions (synapse model gap_junction) between its gap models (hh_psc_alpha_gap,
// hh_cond_beta_gap_traub), with NEST 3's waveform relaxation (Hahne et al. 2015). CPU only. volley's
// brainpy.state-style gap junctions (engine/gap_junction.hpp) are a different thing and unaffected.
//
// Every neuron i of a gap model receives within each step the current (models/nest_gap_coupling.hpp)
//
//   I_gap(t) = sum_j g_ij (V_j_interp(t) - V_i(t))        pA, g in nS, V in mV
//
// where V_j_interp is the partner's potential as NEST's event exchange gives it:
//   use_wfr (NEST's default): time runs in slices of slice_steps steps (NEST's min_delay). Each slice is first
//     iterated (NEST's wfr_update): every gap-model neuron integrates the whole slice from its saved state, with
//     the partners' interpolation polynomials of the previous iteration (for the first iteration: what they sent at
//     the end of the previous slice, their final V held constant; in the first slice: nothing, G = 0), holding its
//     input current at the slice's first value, adding its arriving spikes, without spike detection; it sends per
//     step the coefficients of its V: order 0 a0 = V(start); order 1 also a1 = V(end) - V(start); order 3 the cubic
//     Hermite a1 = dt V'(start), a2 = -3 V0 + 3 V1 - 2 dt V'0 - dt V'1, a3 = 2 V0 - 2 V1 + dt V'0 + dt V'1, where
//     V' is the model's dV/dt with the step's coupling at u = 0 and u = 1. Its state is restored afterwards, except
//     the solver's step size (h_ode: NEST keeps IntegrationStep_ across iterations, and so the final update starts
//     from the last iteration's). The iteration stops when no neuron's V after any step of the slice moved by more
//     than wfr_tol (mV) from the previous iteration (the first iteration compares with 0, so at least two run) or
//     after wfr_max_iterations; the last iteration's coefficients drive the final update of the slice, which is the
//     model's ordinary step (spikes, recording). At the end of the slice each neuron sends its final V, constant.
//   not use_wfr: no iteration, slices of one step (NEST sets min_delay to the resolution): step n uses the partners'
//     V after step n - 1, held over the step (nothing in step 0), and the neuron's own V(t) implicitly.
// NEST's wfr_comm_interval enters through slice_steps (the NEST layer computes NEST's min_delay).
// A run that ends inside a slice is continued as NEST continues it: the next run iterates the rest of the slice
// with no coupling delivered for its first iteration (NEST delivers events at slice starts only).
//
// Not reproduced: Poisson drives (volley's generator inputs drawn inside the fused update) are seen by the final
// update only, not by the iterations (NEST's iterations see the generator's spikes); batch > 1.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/config.hpp"

namespace volley {

class population;

struct nest_gap_options {
  bool use_wfr = true;
  std::uint32_t slice_steps = 10;  // steps per slice (NEST's min_delay); 1 without waveform relaxation
  double tol = 1e-4;               // mV: wfr_tol, >= 0
  int max_iterations = 15;         // wfr_max_iterations, >= 1
  int order = 3;                   // wfr_interpolation_order: 0, 1 or 3
};

// Whether a model takes NEST's gap junctions (has the coupling fields of models/nest_gap_coupling.hpp).
bool is_nest_gap_model(const std::string& model);

class nest_gap_system {
 public:
  nest_gap_system();
  ~nest_gap_system();
  nest_gap_system(nest_gap_system&&) noexcept;
  nest_gap_system& operator=(nest_gap_system&&) noexcept;

  // Throws a parameter_error naming the bad option (NEST's ranges).
  void set_options(const nest_gap_options& o, const std::string& where);
  const nest_gap_options& options() const { return options_; }
  void set_resolution(double dt_ms) { step_ms_ = dt_ms; }  // the network's dt (ms)

  // One directed junction: neuron t of `target` receives g (nS) times (V of neuron s of `source` - its own V).
  // NEST's make_symmetric connections are two of these. Both populations must be of a NEST gap model.
  void add_junction(population& source, index_t s, population& target, index_t t, double g, const std::string& where);
  std::uint64_t junction_count() const { return junctions_.size(); }
  // Junction `junction` (in the order added) to g (nS) from the next delivery of the partners' potentials on (NEST
  // weighs a gap event when it delivers it: at the next slice start with waveform relaxation, the next step without).
  void set_conductance(std::uint64_t junction, double g, const std::string& where);
  bool empty() const { return junctions_.empty(); }

  // The simulator's hooks (CPU step loop): begin_run at every run() call; before_step ahead of the neurons' update
  // of `step` (iterates at slice starts, writes the coupling fields); after_step after it (sends at segment ends).
  void begin_run() { segment_pending_ = true; }
  void before_step(const std::vector<std::unique_ptr<population>>& populations, std::uint64_t step, std::uint64_t seed,
                   int threads);
  void after_step(std::uint64_t step, bool last_of_run);

  // Statistics: relaxation iterations run so far, and slices that ended at max_iterations without converging.
  std::uint64_t iterations() const { return iterations_; }
  std::uint64_t unconverged_slices() const { return unconverged_; }

  struct block;  // the gap-model neurons of one population (engine/nest_gap_wfr.cpp)

 private:
  struct junction {
    population *source, *target;
    index_t s, t;
    double g;  // nS
  };
  void prepare(const std::vector<std::unique_ptr<population>>& populations);
  void deliver();  // recv <- sum over each cell's junctions of g and g * sent (NEST's GapJunctionEvent handling)
  void relax(std::uint64_t slice_start, std::uint32_t from, std::uint64_t seed, int threads);

  nest_gap_options options_;
  double step_ms_ = 0.1;
  std::vector<junction> junctions_;
  bool prepared_ = false;
  bool segment_pending_ = true;     // the next before_step starts a segment (a run started)
  std::uint32_t segment_from_ = 0;  // first lag of the running segment
  bool sent_pending_ = false;       // the coefficients sent at the last slice end are not delivered yet
  std::vector<std::unique_ptr<block>> blocks_;
  std::size_t n_cells_ = 0;
  int K_ = 4;  // coefficients per step: order + 1
  // target-ordered junctions over cells
  std::vector<std::uint64_t> row_ptr_;
  std::vector<std::size_t> partner_;
  std::vector<double> g_;
  std::vector<std::size_t> slot_;  // per junction (in the order added): its entry in partner_ and g_
  // per cell: what it received (G, then slice_steps x K coefficients), what it sent, its V per lag last iteration
  std::vector<double> recv_g_, recv_c_, sent_c_, last_y_;
  std::uint64_t iterations_ = 0, unconverged_ = 0;
};

}  // namespace volley
