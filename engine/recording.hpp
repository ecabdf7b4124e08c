#pragma once
// In-memory record of a run: spikes and state traces, written at the end (or on SIGINT) to HDF5 / CSV.
// Layout of the HDF5 file: see docs/hdf5_layout.md.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/config.hpp"

namespace volley {

// Spikes of one population. Entry k: neuron neuron[k] of batch instance batch[k] spiked in step step[k];
// its time stamp is (step[k] + 1) * dt (the end of the step, as NEST stamps spikes).
struct spike_record {
  std::string population;
  std::vector<step_t> step;
  std::vector<index_t> neuron;
  std::vector<std::uint32_t> batch;  // batch instance, 0 when the run has batch size 1
  // Models whose spike carries a count (parrot_neuron, spike_train_injector, gif_pop_psc_exp: NEST's multiplicity):
  // entry k stands for multiplicity[k] spikes; empty for every other model (one spike each).
  std::vector<std::uint32_t> multiplicity;
  std::size_t size() const { return step.size(); }
  std::uint32_t spikes_at(std::size_t k) const { return multiplicity.empty() ? 1u : multiplicity[k]; }
};

// A spike's count as recorded from its model's count payload: rounded, at least 1 (host and device).
VOLLEY_HD inline std::uint32_t spike_multiplicity(real_t count) {
  return count >= real_t(1.5) ? static_cast<std::uint32_t>(count + real_t(0.5)) : 1u;
}

// Samples of one state variable of chosen neurons of one population, every interval_steps steps.
// values is [sample][batch][neuron k of `neurons`], row-major.
struct trace_record {
  std::string population;
  std::string variable;
  std::string unit;                // internal unit of the variable, e.g. "mV"
  std::vector<index_t> neurons;    // which neurons (indices inside the population)
  std::uint32_t batch_size = 1;
  std::uint32_t interval_steps = 1;
  std::vector<double> times_ms;    // time of each sample (state after the step: (step + 1) * dt)
  std::vector<real_t> values;
  std::size_t samples() const { return times_ms.size(); }
};

struct recording {
  double dt_ms = 0.1;
  std::uint64_t seed = 0;
  double duration_ms = 0.0;        // simulated time covered by the record (less than asked if interrupted)
  bool interrupted = false;        // true when the run was stopped early (SIGINT)
  std::vector<spike_record> spikes;   // one entry per recorded population
  std::vector<trace_record> traces;
  std::map<std::string, std::string> attributes;  // free-form metadata (version, backend, spec file, ...)
};

// Writes the record to an HDF5 file (overwrites). Throws volley::user_error if the file cannot be written.
void write_hdf5(const recording& rec, const std::string& path);

// Writes all spikes as CSV with header "time_ms,population,neuron,batch", sorted by time, then population
// order, then neuron. Throws volley::user_error if the file cannot be written.
void write_spikes_csv(const recording& rec, const std::string& path);

}  // namespace volley
