#pragma once
// The host scheduler: runs the step loop over a network and records spikes and state traces.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "engine/recording.hpp"
#include "host/backend.hpp"
#include "host/gpu_engine.hpp"

namespace volley {

namespace gpu {
class engine;
}

// What run() does when a neuron state becomes non-finite (host/state_check.hpp; checked every 1024 steps and at
// the end of a run on the CPU, at the end of a run on the GPU).
enum class non_finite_policy {
  error,   // stop, finish the bookkeeping (the record keeps what was recorded), then throw numerical_error
  stop,    // stop and say so in run_stats::diverged
  ignore,  // no check
};

struct run_options {
  backend_kind backend = backend_kind::cpu;          // automatic: a GPU when one answers, else the CPU
  int threads = 0;                                   // CPU: 0 = OpenMP default
  int device = 0;                                    // GPU: device index
  std::uint32_t gpu_block_steps = 256;               // GPU: steps between recording flushes (one graph)
  bool gpu_deterministic = false;                    // GPU: fixed-point accumulation, same spikes every run
  bool gpu_draw_synapses = true;                     // GPU: draw pending synapses on the device (else the host)
  std::uint32_t recent_spike_steps = 0;              // CPU: keep every population's spikes of this many last steps
                                                     // (deliver_recent_spikes); 0: none
  non_finite_policy on_non_finite = non_finite_policy::error;
  const std::atomic<bool>* stop = nullptr;           // set (e.g. by SIGINT) to stop after the current step
  std::function<void(double done_fraction, double elapsed_s)> progress;  // called about once a second
};

struct trace_request {
  std::string population;
  std::string variable;            // a state variable of the model, or "<receptor>.g"
  std::vector<index_t> neurons;    // empty: all
  units::time_q interval{0.0};     // 0: every step
};

struct population_stats {
  std::string name;
  index_t size = 0;
  std::uint64_t spikes = 0;        // over all batch instances
};

struct run_stats {
  double run_s = 0;                // wall time of the step loop
  std::uint64_t steps = 0;
  double simulated_ms = 0;
  std::uint64_t synaptic_events = 0;
  std::vector<population_stats> populations;  // spikes of this run only
  bool interrupted = false;
  std::string diverged;            // non-empty: the run stopped at a non-finite state, and this says where
};

class simulator {
 public:
  simulator(network& net, run_options options = {});
  ~simulator();

  // The backend in use (cpu or gpu) and, when `automatic` chose the CPU, why.
  backend_kind backend() const { return decision_.kind; }
  const std::string& backend_note() const { return decision_.note; }
  std::string backend_description() const;

  void record_spikes(const std::string& population);
  void record_trace(const trace_request& request);

  // Advances the network by `duration` (rounded to whole steps). May be called again to continue.
  run_stats run(units::time_q duration);

  // The network's parameters or inputs changed between runs (NEST's SetStatus after Simulate): the next GPU run
  // uploads everything again. State changes need no call (every run uploads the state).
  void invalidate_device() { gpu_stale_ = true; }
  // Populations were added to the network between runs (NEST's Create after Simulate): they join their families,
  // the spike totals and the recordable populations; call network::finalize after adding their projections.
  void adopt_new_populations();
  // Projections [first_projection, end) were added between runs: they carry the spikes their sources emitted in
  // the kept recent steps from `from_step` on (run_options::recent_spike_steps; CPU), as NEST delivers through a new
  // connection the spikes of the min_delay slice still in its spike exchange at Connect.
  void deliver_recent_spikes(std::size_t first_projection, std::uint64_t from_step);
  // The kept recent spikes (run_options::recent_spike_steps) of population `population` from `from_step` on, with
  // their payloads (1 where the model has none).
  struct kept_spike {
    std::uint64_t step;
    index_t neuron;
    std::uint32_t batch;
    real_t payload;
  };
  std::vector<kept_spike> recent_spikes(std::uint32_t population, std::uint64_t from_step) const;

  const recording& record() const { return record_; }
  recording& record() { return record_; }
  std::uint64_t current_step() const { return step_; }

  // Device memory this simulator holds on the GPU (engine buffers and drawn synapses); 0 on the CPU.
  std::uint64_t device_bytes() const;
  // Synapses this simulator drew on the GPU (run_options::gpu_draw_synapses), or nullptr.
  const gpu::device_connectivity* device_synapses() const { return device_synapses_.get(); }

 private:
  struct trace_slot {
    population* pop;
    real_t* column;                // [batch][neuron]
    std::size_t record_index;
    std::uint32_t interval;
    int state_var, receptor;       // what `column` is: a state variable, or receptor r's conductance
  };
  void update_neurons();
  void deliver_external_spikes();
  void record_step();
  std::uint64_t count_synaptic_events() const;  // synapses reached by this step's spikes
  run_stats run_on_gpu(std::uint64_t steps);
  run_stats finish(run_stats stats) const;  // applies options_.on_non_finite

  network& net_;
  run_options options_;
  std::uint64_t step_ = 0;
  std::vector<std::vector<population*>> families_;
  std::vector<int> spike_record_of_;     // population id -> index into record_.spikes, or -1
  std::vector<trace_slot> traces_;
  recording record_;
  run_stats totals_;
  backend_decision decision_;
  gpu::device_connectivity_ptr device_synapses_;  // synapses drawn on the device (gpu_draw_synapses)
  std::unique_ptr<gpu::engine> gpu_;      // built at the first GPU run (after the recording requests)
  bool gpu_stale_ = false;                // recording requests changed since gpu_ was built
  std::vector<std::uint64_t> gpu_base_spikes_;  // spike totals when gpu_ was built
  struct recent_step {
    std::uint64_t step = 0;
    std::vector<std::vector<std::vector<index_t>>> spikes;  // [population][batch], as population::spikes()
    std::vector<std::vector<real_t>> payloads;              // [population]: the spike payload of each, in order
  };
  std::vector<recent_step> recent_;  // a ring of run_options::recent_spike_steps entries
  void keep_recent_spikes();
};

}  // namespace volley
