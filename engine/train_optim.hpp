#pragma once
// Optimisers for the trainer: SGD with (Nesterov-free) momentum and Adam (Kingma & Ba 2015, bias-corrected), global
// L2-norm gradient clipping, and a learning-rate schedule per epoch.
//   sgd:  v <- momentum v + g;            p <- p - lr v
//   adam: m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2; p <- p - lr m/(1-b1^k) / (sqrt(v/(1-b2^k)) + eps)
//   clipping: g <- g * min(1, clip / ||g||_2) over all parameters (clip <= 0: off)
//   schedule: constant; step (lr * gamma^floor(epoch / step_epochs)); cosine (lr_min + (lr - lr_min)
//             (1 + cos(pi epoch / epochs)) / 2)
#include <string>
#include <vector>

#include "engine/train_engine.hpp"

namespace volley::train {

struct optimizer_spec {
  std::string kind = "adam";  // "adam" | "sgd"
  double lr = 1e-3;
  double momentum = 0.9;               // sgd
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam
  double clip = 0;                     // global gradient-norm bound, 0: off
  std::string schedule = "constant";   // "constant" | "step" | "cosine"
  double gamma = 0.5;                  // step
  int step_epochs = 10;                // step
  double lr_min = 0;                   // cosine
  void validate(const std::string& where) const;
};

class optimizer {
 public:
  optimizer(const optimizer_spec& spec, const network& net);
  // Applies one update with the learning rate of `epoch` (0-based) of `epochs`; returns the gradient norm before
  // clipping.
  double step(network& net, gradients& g, int epoch, int epochs);
  double learning_rate(int epoch, int epochs) const;
  // State for checkpoints: step count and the moment buffers, flattened in the network's parameter order.
  long steps() const { return k_; }
  const std::vector<real_t>& first_moment() const { return m_; }
  const std::vector<real_t>& second_moment() const { return v_; }
  void restore(long steps, std::vector<real_t> m, std::vector<real_t> v);

 private:
  optimizer_spec spec_;
  long k_ = 0;
  std::vector<real_t> m_, v_;  // one entry per trainable parameter
};

// Visits every trainable parameter with its gradient, in a fixed order (layers, their projections, then biases).
template <class F>
void for_each_parameter(network& net, gradients& g, F&& f) {
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    auto& L = net.layers[l];
    for (std::size_t p = 0; p < L.inputs.size(); ++p)
      if (L.inputs[p].trainable)
        for (std::size_t k = 0; k < L.inputs[p].w.size(); ++k) f(L.inputs[p].w[k], g.w[l][p][k]);
    if (L.train_bias)
      for (std::size_t i = 0; i < L.n; ++i) f(L.bias[i], g.bias[l][i]);
    for (int k = 0; k < L.kernel->n_params(); ++k)
      for (std::size_t i = 0; i < L.n; ++i) f(L.kernel->param_values(k)[i], g.param[l][k][i]);
  }
}

}  // namespace volley::train
