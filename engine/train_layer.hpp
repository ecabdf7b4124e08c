#pragma once
// The model-specific part of a trainable layer: kernels/train_step.hpp's forward and backward run over all
// [batch x neuron] instances of one layer. State is structure-of-arrays, s[q * count + i] for variable q of
// instance i = b * n + neuron. Everything else of the trainer is model-independent (engine/train_engine.cpp).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/config.hpp"
#include "engine/units.hpp"
#include "kernels/train_step.hpp"

namespace volley::train {

class layer_kernel {
 public:
  virtual ~layer_kernel() = default;
  virtual const char* model() const = 0;
  virtual int n_state() const = 0;
  virtual bool spiking() const = 0;
  virtual bool takes_current() const = 0;  // false: readouts, whose input is their port "in"
  virtual units::dimension input_dim() const = 0;  // of u and of the weights into the layer
  virtual std::string state_name(int q) const = 0;
  // Initial state of `count` instances (the neuron's initial values repeated over the batch).
  virtual void initial_state(real_t* s, std::size_t count) const = 0;
  // One step: s (in place), u = summed input per instance, z_prev = last step's spikes, z = this step's.
  // z_reset: nullptr, or the spikes the reset uses (gradient checks of detach_reset; kernels::train::forward).
  virtual void forward(real_t* s, std::size_t count, const real_t* u, const real_t* z_prev, real_t* z,
                       const real_t* z_reset, int threads) const = 0;
  // forward() with the spikes z given (recomputation; never re-thresholds).
  virtual void replay(real_t* s, std::size_t count, const real_t* u, const real_t* z, const real_t* z_prev,
                      int threads) const = 0;
  // Adjoint of forward() at the state s before the step: lam in dL/ds', out dL/ds; gz = dL/dz; g_u = dL/du out;
  // gz_prev: dL/dz_prev of a next-step reset, added (not written).
  // g_param (trainable parameters only, else nullptr): [param][instance] dL/dp, added.
  virtual void backward(const real_t* s, std::size_t count, const real_t* u, const real_t* z, const real_t* z_prev,
                        real_t* lam, const real_t* gz, real_t* g_u, real_t* gz_prev, real_t* g_param,
                        int threads) const = 0;

  // Trainable neuron parameters (named in make_layer_kernel): one value per neuron, in the parameter's unit.
  int n_params() const { return int(param_names_.size()); }
  const std::string& param_name(int k) const { return param_names_[k]; }
  std::vector<real_t>& param_values(int k) { return param_values_[k]; }
  const std::vector<real_t>& param_values(int k) const { return param_values_[k]; }
  // Re-derives the per-neuron constants from param_values. A neuron whose new values leave the parameter's range
  // or fail the model's own checks (e.g. V_th below V_reset) keeps its last valid values, which are written back.
  virtual void refresh() = 0;
  const kernels::train::step_options& options() const { return options_; }

  // The model's derived constants as bytes (M::constants, `bytes` each), for engines that copy them to a device
  // (engine/train_portable.hpp): the layer's set; one per neuron (nullptr without trainable parameters); and with
  // each trainable parameter moved by +h / -h ([param][neuron]) with 1 / (2h).
  struct constants_view {
    const void* shared = nullptr;
    const void* per_neuron = nullptr;
    const void* plus = nullptr;
    const void* minus = nullptr;
    const real_t* inv_2h = nullptr;
    std::size_t bytes = 0;
  };
  virtual constants_view constants() const = 0;

 protected:
  kernels::train::step_options options_;
  std::vector<std::string> param_names_;
  std::vector<std::vector<real_t>> param_values_;  // [param][neuron]
};

// A layer of `n` neurons of `model` (any differentiable model; parameters and initial values in the units spec
// files use, e.g. {"tau": "10 ms"}); `trainable` names parameters that train per neuron (e.g. "tau", "V_th").
// Throws parameter_error / spec_error naming `where` for unknown or non-differentiable models, unknown or
// non-numeric trainable parameters, heterogeneous parameters, and option combinations the model cannot train with.
std::unique_ptr<layer_kernel> make_layer_kernel(const std::string& model, std::size_t n, const nlohmann::json* params,
                                                const nlohmann::json* initial, double dt,
                                                const kernels::train::step_options& options, const std::string& where,
                                                const std::vector<std::string>& trainable = {});

// Names of the models a layer can use.
std::vector<std::string> trainable_models();

}  // namespace volley::train
