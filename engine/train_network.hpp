#pragma once
// A trainable network: layers of one differentiable model each, fed by projections from the data input (layer -1)
// or from layers (feed-forward with delay >= 0 steps, recurrent or backward with delay >= 1), dense or sparse.
// The input u of a neuron in step t (pA for neurons, port units for readouts) is
//   y(t) = syn_decay * y(t-1) + sum over projections of W^T z_source(t - delay)     (syn_decay = 0: no filter)
//   u(t) = y(t) + bias
// i.e. an optional exponential synapse (Expon, tau_syn) in front of every neuron, as brainpy.state's
// AlignPostProj(Expon, CUBA) does. Weights are stored by presynaptic row so a spike touches one contiguous row.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/train_layer.hpp"

namespace volley::train {

struct projection {
  int source = -1;     // layer index, -1 = the data input
  int delay = 0;       // steps; >= 1 unless source < the target layer
  bool sparse = false;
  bool trainable = true;
  std::size_t n_pre = 0, n_post = 0;
  std::vector<real_t> w;              // dense: [n_pre][n_post]; sparse: one per synapse, CSR by presynaptic row
  std::vector<std::uint32_t> row;     // sparse: n_pre + 1 row offsets
  std::vector<std::uint32_t> col;     // sparse: postsynaptic index per synapse
  std::size_t size() const { return w.size(); }
};

struct layer {
  std::string name;
  std::size_t n = 0;
  std::unique_ptr<layer_kernel> kernel;
  std::vector<real_t> bias;  // per neuron, input units
  bool train_bias = true;
  real_t syn_decay = 0;      // exp(-dt / tau_syn); 0 = input not filtered
  std::vector<projection> inputs;
};

struct network {
  double dt = 1.0;           // ms
  std::size_t n_in = 0;      // data input width
  std::vector<layer> layers; // the last one is the output (readout)
  // Bumped by whatever changes weights, biases or trainable neuron parameters (optimizer::step, checkpoint loads):
  // an engine that keeps a copy of them on a device uploads them again when it differs from the copy's.
  std::uint64_t revision = 0;

  // Checks sources, delays and sizes; throws spec_error naming the layer and projection.
  void validate() const;
  std::size_t parameter_count() const;
  int max_delay() const;
};

// Weight initialisation. Dense: every entry ~ N(mean, sd) (sd = gain / sqrt(fan_in) when sd < 0); sparse: each
// pre-post pair present with probability `density`, drawn per presynaptic row from its own counter-based stream,
// so the network is the same for any thread count.
struct init_spec {
  double mean = 0;
  double sd = -1;
  double gain = 1;
  double density = 1;  // sparse only
};
projection make_projection(int source, std::size_t n_pre, std::size_t n_post, int delay, bool sparse,
                           const init_spec& init, std::uint64_t seed, std::uint32_t projection_id);

}  // namespace volley::train
