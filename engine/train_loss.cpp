#include "engine/train_loss.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"

namespace volley::train {

loss_kind parse_loss_kind(const std::string& name, const std::string& where) {
  for (auto k : {loss_kind::ce_max, loss_kind::ce_mean, loss_kind::ce_per_step, loss_kind::count_mse,
                 loss_kind::spike_sum})
    if (name == loss_name(k)) return k;
  throw parameter_error(where, "kind", "\"" + name + "\"", "one of ce_max, ce_mean, ce_per_step, count_mse, spike_sum");
}

const char* loss_name(loss_kind k) {
  switch (k) {
    case loss_kind::ce_max: return "ce_max";
    case loss_kind::ce_mean: return "ce_mean";
    case loss_kind::ce_per_step: return "ce_per_step";
    case loss_kind::count_mse: return "count_mse";
    case loss_kind::spike_sum: return "spike_sum";
  }
  return "?";
}

loss_tracker::loss_tracker(const loss_spec& spec, std::size_t batch, std::size_t n_out, std::size_t steps,
                           const int* labels)
    : spec_(spec), B_(batch), K_(n_out), T_(steps), labels_(labels, labels + batch), acc_(batch * n_out, 0),
      argmax_(batch * n_out, 0), logits_(batch * n_out, 0), prediction_(batch, 0) {
  for (int y : labels_)
    if (y < 0 || std::size_t(y) >= K_)
      throw parameter_error("training data", "label", std::to_string(y),
                            "0 .. " + std::to_string(K_ - 1) + " (the output layer has " + std::to_string(K_) + " neurons)");
  if (spec_.kind == loss_kind::ce_max) std::fill(acc_.begin(), acc_.end(), -std::numeric_limits<real_t>::infinity());
}

double loss_tracker::cross_entropy(const real_t* logits, std::size_t b) const {
  const real_t* l = logits + b * K_;
  const double m = *std::max_element(l, l + K_);
  double sum = 0;
  for (std::size_t k = 0; k < K_; ++k) sum += std::exp(double(l[k]) - m);
  return m + std::log(sum) - double(l[labels_[b]]);
}

void loss_tracker::softmax_minus_onehot(const real_t* logits, std::size_t b, double scale, real_t* g) const {
  const real_t* l = logits + b * K_;
  const double m = *std::max_element(l, l + K_);
  double sum = 0;
  for (std::size_t k = 0; k < K_; ++k) sum += std::exp(double(l[k]) - m);
  for (std::size_t k = 0; k < K_; ++k) {
    const double p = std::exp(double(l[k]) - m) / sum - (int(k) == labels_[b] ? 1.0 : 0.0);
    g[b * K_ + k] += static_cast<real_t>(scale * p);
  }
}

void loss_tracker::observe(std::size_t t, const real_t* out, const real_t* spikes) {
  for (std::size_t i = 0; i < B_ * K_; ++i) {
    switch (spec_.kind) {
      case loss_kind::ce_max:
        if (out[i] > acc_[i]) {
          acc_[i] = out[i];
          argmax_[i] = t;
        }
        break;
      case loss_kind::ce_mean: acc_[i] += out[i]; break;
      case loss_kind::ce_per_step: acc_[i] += out[i]; break;  // prediction from the mean
      case loss_kind::count_mse:
      case loss_kind::spike_sum: acc_[i] += spikes[i]; break;
    }
  }
  if (spec_.kind == loss_kind::ce_per_step)
    for (std::size_t b = 0; b < B_; ++b) loss_ += cross_entropy(out, b) / double(B_ * T_);
}

void loss_tracker::absorb(const real_t* acc, const std::uint32_t* argmax) {
  if (spec_.kind == loss_kind::ce_per_step) throw internal_error("loss_tracker::absorb: ce_per_step needs every step");
  for (std::size_t i = 0; i < B_ * K_; ++i) {
    acc_[i] = acc[i];
    if (spec_.kind == loss_kind::ce_max) argmax_[i] = argmax[i];
  }
}

void loss_tracker::finish() {
  for (std::size_t i = 0; i < B_ * K_; ++i)
    logits_[i] = spec_.kind == loss_kind::ce_mean || spec_.kind == loss_kind::ce_per_step ? acc_[i] / real_t(T_)
                                                                                         : acc_[i];
  // dL/dlogit of the cross-entropies on max and mean, computed once for the backward sweep
  d_logits_.assign(B_ * K_, 0);
  if (spec_.kind == loss_kind::ce_max || spec_.kind == loss_kind::ce_mean)
    for (std::size_t b = 0; b < B_; ++b) softmax_minus_onehot(logits_.data(), b, 1.0 / double(B_), d_logits_.data());
  for (std::size_t b = 0; b < B_; ++b) {
    const real_t* l = logits_.data() + b * K_;
    prediction_[b] = int(std::max_element(l, l + K_) - l);
    switch (spec_.kind) {
      case loss_kind::ce_max:
      case loss_kind::ce_mean: loss_ += cross_entropy(logits_.data(), b) / double(B_); break;
      case loss_kind::ce_per_step: break;  // summed in observe()
      case loss_kind::count_mse:
        for (std::size_t k = 0; k < K_; ++k) {
          const double target = int(k) == labels_[b] ? spec_.count_correct : spec_.count_wrong;
          const double d = l[k] - target;
          loss_ += d * d / double(B_ * K_);
        }
        break;
      case loss_kind::spike_sum:
        for (std::size_t k = 0; k < K_; ++k) loss_ += l[k] / double(B_);
        break;
    }
  }
}

std::size_t loss_tracker::correct() const {
  std::size_t n = 0;
  for (std::size_t b = 0; b < B_; ++b) n += prediction_[b] == labels_[b] ? 1 : 0;
  return n;
}

void loss_tracker::output_grad(std::size_t t, const real_t* out, real_t* g) const {
  switch (spec_.kind) {
    case loss_kind::ce_max:  // the whole dL/dlogit goes to the step of each max
      for (std::size_t i = 0; i < B_ * K_; ++i)
        if (argmax_[i] == t) g[i] += d_logits_[i];
      break;
    case loss_kind::ce_mean:  // dL/dlogit / T in every step
      for (std::size_t i = 0; i < B_ * K_; ++i) g[i] += d_logits_[i] / real_t(T_);
      break;
    case loss_kind::ce_per_step:
      for (std::size_t b = 0; b < B_; ++b) softmax_minus_onehot(out, b, 1.0 / double(B_ * T_), g);
      break;
    case loss_kind::count_mse:
    case loss_kind::spike_sum: break;
  }
}

void loss_tracker::spike_grad(real_t* gz) const {
  if (spec_.kind == loss_kind::spike_sum)
    for (std::size_t i = 0; i < B_ * K_; ++i) gz[i] += real_t(1.0 / double(B_));
  if (spec_.kind != loss_kind::count_mse) return;
  for (std::size_t b = 0; b < B_; ++b)
    for (std::size_t k = 0; k < K_; ++k) {
      const double target = int(k) == labels_[b] ? spec_.count_correct : spec_.count_wrong;
      gz[b * K_ + k] += static_cast<real_t>(2.0 * (logits_[b * K_ + k] - target) / double(B_ * K_));
    }
}

double rate_penalty(const rate_regularizer& r, const std::vector<real_t>& counts, std::size_t batch, std::size_t n,
                    std::vector<real_t>* gz) {
  double value = 0;
  const double norm = r.strength / double(batch * n);
  if (gz) gz->assign(batch * n, 0);
  for (std::size_t i = 0; i < batch * n; ++i) {
    const double low = std::max(0.0, r.lower - counts[i]), high = std::max(0.0, counts[i] - r.upper);
    value += norm * (low * low + high * high);
    if (gz) (*gz)[i] = static_cast<real_t>(norm * 2.0 * (high - low));
  }
  return value;
}

}  // namespace volley::train
