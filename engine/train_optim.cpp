#include "engine/train_optim.hpp"

#include <cmath>

#include "engine/error.hpp"

namespace volley::train {

void optimizer_spec::validate(const std::string& where) const {
  if (kind != "adam" && kind != "sgd") throw parameter_error(where, "kind", "\"" + kind + "\"", "\"adam\" or \"sgd\"");
  if (!(lr > 0) || !std::isfinite(lr)) throw parameter_error(where, "lr", std::to_string(lr), "a positive learning rate");
  if (!(momentum >= 0 && momentum < 1))
    throw parameter_error(where, "momentum", std::to_string(momentum), "a value in [0, 1)");
  if (!(beta1 >= 0 && beta1 < 1)) throw parameter_error(where, "beta1", std::to_string(beta1), "a value in [0, 1)");
  if (!(beta2 >= 0 && beta2 < 1)) throw parameter_error(where, "beta2", std::to_string(beta2), "a value in [0, 1)");
  if (!(eps > 0)) throw parameter_error(where, "eps", std::to_string(eps), "a positive number");
  if (!(clip >= 0)) throw parameter_error(where, "clip", std::to_string(clip), "a gradient-norm bound >= 0 (0: off)");
  if (schedule != "constant" && schedule != "step" && schedule != "cosine")
    throw parameter_error(where, "schedule", "\"" + schedule + "\"", "\"constant\", \"step\" or \"cosine\"");
  if (!(gamma > 0 && gamma <= 1)) throw parameter_error(where, "gamma", std::to_string(gamma), "a factor in (0, 1]");
  if (step_epochs < 1) throw parameter_error(where, "step_epochs", std::to_string(step_epochs), "at least 1 epoch");
  if (!(lr_min >= 0 && lr_min <= lr))
    throw parameter_error(where, "lr_min", std::to_string(lr_min), "a value in [0, lr]");
}

optimizer::optimizer(const optimizer_spec& spec, const network& net) : spec_(spec) {
  spec_.validate("optimizer");
  m_.assign(net.parameter_count(), 0);
  if (spec_.kind == "adam") v_.assign(net.parameter_count(), 0);
}

double optimizer::learning_rate(int epoch, int epochs) const {
  if (spec_.schedule == "step") return spec_.lr * std::pow(spec_.gamma, double(epoch / spec_.step_epochs));
  if (spec_.schedule == "cosine" && epochs > 0)
    return spec_.lr_min + (spec_.lr - spec_.lr_min) * 0.5 * (1 + std::cos(M_PI * double(epoch) / double(epochs)));
  return spec_.lr;
}

void optimizer::restore(long steps, std::vector<real_t> m, std::vector<real_t> v) {
  if (m.size() != m_.size() || v.size() != v_.size())
    throw spec_error("optimizer checkpoint: moment buffers of " + std::to_string(m.size()) +
                     " entries do not fit a network of " + std::to_string(m_.size()) + " trainable parameters");
  k_ = steps;
  m_ = std::move(m);
  v_ = std::move(v);
}

double optimizer::step(network& net, gradients& g, int epoch, int epochs) {
  const double norm = g.norm();
  if (!std::isfinite(norm))
    throw numerical_error("training diverged: the gradient norm is " + std::to_string(norm) +
                          " (lower the learning rate, set a gradient clip, or check the input scale)");
  const double scale = spec_.clip > 0 && norm > spec_.clip ? spec_.clip / norm : 1.0;
  const double lr = learning_rate(epoch, epochs);
  ++k_;
  ++net.revision;
  std::size_t q = 0;
  if (spec_.kind == "sgd") {
    for_each_parameter(net, g, [&](real_t& p, real_t grad) {
      m_[q] = real_t(spec_.momentum * m_[q] + scale * grad);
      p -= real_t(lr * m_[q]);
      ++q;
    });
  } else {
    const double c1 = 1 - std::pow(spec_.beta1, double(k_)), c2 = 1 - std::pow(spec_.beta2, double(k_));
    for_each_parameter(net, g, [&](real_t& p, real_t grad) {
      const double gs = scale * grad;
      m_[q] = real_t(spec_.beta1 * m_[q] + (1 - spec_.beta1) * gs);
      v_[q] = real_t(spec_.beta2 * v_[q] + (1 - spec_.beta2) * gs * gs);
      p -= real_t(lr * (m_[q] / c1) / (std::sqrt(v_[q] / c2) + spec_.eps));
      ++q;
    });
  }
  return norm;
}

}  // namespace volley::train
