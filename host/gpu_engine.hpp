#pragma once
// The GPU side of the simulator, as host code compiled without a GPU compiler sees it. The implementation lives
// in kernels/gpu/*.cu (compiled by nvcc for CUDA or hipcc for HIP); a build without a GPU backend links
// kernels/gpu/no_gpu.cpp instead, whose probe() reports "not compiled" and whose make_engine() throws
// not_compiled_error.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/network.hpp"
#include "engine/recording.hpp"

namespace volley::gpu {

struct device_desc {
  int index = 0;
  std::string name;  // "NVIDIA H100 80GB HBM3"
  std::string arch;  // "sm_90", "gfx90a"
  std::size_t total_bytes = 0, free_bytes = 0;
  int multiprocessors = 0;
  int warp = 32;  // 32 on NVIDIA, 64 on AMD CDNA
};

struct probe_result {
  std::string dialect;  // "CUDA" or "HIP"; empty when this build has no GPU backend
  bool usable = false;  // at least one device answered
  std::string problem;  // why not usable (runtime error text), empty when usable
  int driver_version = 0, runtime_version = 0;
  std::vector<device_desc> devices;
};

// Asks the GPU runtime which devices exist. Never throws: a missing driver or device is reported in `problem`.
probe_result probe();

// What the device records, mirroring the simulator's requests.
struct spike_recording {
  std::uint32_t population;  // population id
  std::size_t record_index;  // index into recording::spikes
};
struct trace_recording {
  std::uint32_t population;
  int state_var = -1;  // a state variable of the model, or
  int receptor = -1;   // receptor r's first state variable (its conductance g)
  std::vector<index_t> neurons;
  std::uint32_t interval = 1;  // steps
  std::size_t record_index;    // index into recording::traces
};

struct engine_options {
  int device = 0;
  std::uint32_t block_steps = 256;  // steps run between two recording flushes (captured as one graph)
  bool use_graphs = true;           // capture a block of steps in a CUDA/HIP graph
  bool deterministic = false;       // fixed-point ring buffers: the same spikes run after run (double builds)
};

class engine {
 public:
  virtual ~engine() = default;
  // Copies the host state (neuron and receptor state, pending ring-buffer input) to the device, runs steps
  // [first, first + n) there, appends the recorded spikes and traces to `rec`, and copies the state back.
  // `stop` (may be null) is polled between blocks; returns the number of steps run.
  virtual std::uint64_t run(std::uint64_t first, std::uint64_t n, recording& rec, const std::atomic<bool>* stop) = 0;
  virtual std::vector<std::uint64_t> spike_totals() const = 0;  // per population, since construction
  virtual std::uint64_t synaptic_events() const = 0;            // since construction
  virtual std::string device_name() const = 0;
  virtual std::uint64_t device_bytes() const = 0;  // device memory held by this engine
};

// Synapses drawn on a device (kernels/gpu/device_connectivity.cuh), owned by the simulator so that a new engine
// (after a change of recording) reuses them.
class device_connectivity;
struct device_connectivity_deleter {
  void operator()(device_connectivity* c) const;
};
using device_connectivity_ptr = std::unique_ptr<device_connectivity, device_connectivity_deleter>;

// Draws the targets, weights and delays of every pending projection of `net` (projection::pending: fixed_outdegree
// and fixed_total_number rules) on device `device`, from the same counter-based streams as the host: the same
// targets, and weights and delays equal to the last bit of the math library (CUDA's log/sin/cos against glibc's).
// Marks them projection::on_device and sets their longest delay; rows longer than 8192 synapses are drawn on the
// host instead. Throws resource_error (needed vs free bytes) when they do not fit, device_error when a runtime
// call fails, parameter_error / user_error for drawn values out of range (as the host). nullptr when nothing was
// pending.
device_connectivity_ptr build_connectivity_on_device(network& net, int device);
// Copies the synapses drawn on the device into the host arrays of their projections (for inspection, saving, or
// a later CPU run); those projections are then no longer pending.
void copy_drawn_synapses_to_host(const device_connectivity& drawn, network& net);
// Device memory held by synapses drawn on the device.
std::uint64_t device_bytes(const device_connectivity& drawn);

// Uploads the network (connectivity, parameters) to device `options.device`. Throws resource_error when the
// network does not fit (needed vs free bytes named), device_error when a runtime call fails, not_compiled_error
// in builds without a GPU backend.
// Projections drawn on the device are taken from `prebuilt` (may be null), which must outlive the engine.
std::unique_ptr<engine> make_engine(network& net, const std::vector<spike_recording>& spikes,
                                    const std::vector<trace_recording>& traces, const engine_options& options,
                                    const device_connectivity* prebuilt = nullptr);

}  // namespace volley::gpu
