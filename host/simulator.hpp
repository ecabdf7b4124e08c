#pragma once
// The host scheduler: runs the step loop over a network and records spikes and state traces.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "engine/recording.hpp"

namespace volley {

enum class backend_kind { cpu, cuda, hip };

struct run_options {
  backend_kind backend = backend_kind::cpu;
  int threads = 0;                                   // 0: OpenMP default
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
  std::vector<population_stats> populations;
  bool interrupted = false;
};

class simulator {
 public:
  simulator(network& net, run_options options = {});

  void record_spikes(const std::string& population);
  void record_trace(const trace_request& request);

  // Advances the network by `duration` (rounded to whole steps). May be called again to continue.
  run_stats run(units::time_q duration);

  const recording& record() const { return record_; }
  recording& record() { return record_; }
  std::uint64_t current_step() const { return step_; }

 private:
  struct trace_slot {
    population* pop;
    real_t* column;                // [batch][neuron]
    std::size_t record_index;
    std::uint32_t interval;
  };
  void update_neurons();
  void deliver_external_spikes();
  void record_step();
  std::uint64_t count_synaptic_events() const;  // synapses reached by this step's spikes

  network& net_;
  run_options options_;
  std::uint64_t step_ = 0;
  std::vector<std::vector<population*>> families_;
  std::vector<int> spike_record_of_;     // population id -> index into record_.spikes, or -1
  std::vector<trace_slot> traces_;
  recording record_;
  run_stats totals_;
};

}  // namespace volley
