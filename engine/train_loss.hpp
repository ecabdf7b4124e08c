#pragma once
// Losses on the output layer of a trainable network, and firing-rate regularisers on any layer. The output o(t) of
// the last layer is its first state variable after step t (LeakyRateReadout: r; spiking readouts and neurons: V);
// its spikes are z(t). B samples, K outputs, T steps; every loss is a mean over the batch.
//   ce_max       cross-entropy of softmax(max_t o(t))          (Cramer et al. 2022's max-over-time readout)
//   ce_mean      cross-entropy of softmax(mean_t o(t))
//   ce_per_step  mean over t of the cross-entropy of softmax(o(t))
//   count_mse    mean over (b, k) of (n_bk - target_bk)^2, n_bk = sum_t z_bk(t), target = count_correct for the
//                label, count_wrong otherwise
//   spike_sum    mean over b of sum_k n_bk (the training micro-benchmark's loss of ../shared/benchmarks.md)
// Prediction: argmax of the logits (ce_*) or of the spike counts (count_mse, spike_sum); the lowest index wins a tie.
// Rate regulariser on a layer: strength * mean over (b, i) of relu(lower - n_bi)^2 + relu(n_bi - upper)^2, n_bi
// the neuron's spike count in the sample (Zenke & Vogels 2021 style bounds; set lower = 0 or upper = inf to drop one).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/config.hpp"

namespace volley::train {

enum class loss_kind { ce_max, ce_mean, ce_per_step, count_mse, spike_sum };
loss_kind parse_loss_kind(const std::string& name, const std::string& where);
const char* loss_name(loss_kind k);

struct rate_regularizer {
  int layer = 0;
  double lower = 0, upper = std::numeric_limits<double>::infinity();  // spikes per neuron and sample
  double strength = 0;
};

struct loss_spec {
  loss_kind kind = loss_kind::ce_mean;
  double count_correct = 5, count_wrong = 0;  // count_mse targets (spikes per sample)
  std::vector<rate_regularizer> regularizers;
};

// One batch's loss: fed with the outputs during the forward pass, then asked for dL/do(t) and dL/dz(t) backward.
class loss_tracker {
 public:
  loss_tracker(const loss_spec& spec, std::size_t batch, std::size_t n_out, std::size_t steps, const int* labels);
  void observe(std::size_t t, const real_t* out, const real_t* spikes);  // [B][K] after step t, in ascending t
  // Instead of observe() for every step, its result computed elsewhere (the portable engine, on its device): per
  // output, ce_max: the running max and its step; ce_mean: the sum of o(t) over the steps; count_mse, spike_sum:
  // the spike count (argmax unused). Not for ce_per_step, whose loss needs every step's o(t).
  void absorb(const real_t* acc, const std::uint32_t* argmax);
  void finish();                                                          // after the last step
  // After finish(): dL/dlogit of ce_max and ce_mean (dL/do(t) is this at the max's step, or this / T in every step)
  const std::vector<real_t>& logit_grads() const { return d_logits_; }
  double loss() const { return loss_; }                                   // without regularisers
  int prediction(std::size_t b) const { return prediction_[b]; }
  std::size_t correct() const;
  // dL/do(t) added into g [B][K] (needs o(t) again for ce_per_step); dL/dz(t) added into gz [B][K].
  void output_grad(std::size_t t, const real_t* out, real_t* g) const;
  void spike_grad(real_t* gz) const;  // the same for every t

 private:
  void softmax_minus_onehot(const real_t* logits, std::size_t b, double scale, real_t* g) const;
  double cross_entropy(const real_t* logits, std::size_t b) const;
  loss_spec spec_;
  std::size_t B_, K_, T_;
  std::vector<int> labels_;
  std::vector<real_t> acc_;          // ce_max: running max; ce_mean: sum; count_mse: spike counts
  std::vector<std::size_t> argmax_;  // ce_max: the step of the max
  std::vector<real_t> logits_;
  std::vector<real_t> d_logits_;     // ce_max, ce_mean: dL/dlogit (after finish())
  std::vector<int> prediction_;
  double loss_ = 0;
};

// Regulariser value and dL/dz (the same every step) for one layer, from its spike counts [B][n].
double rate_penalty(const rate_regularizer& r, const std::vector<real_t>& counts, std::size_t batch, std::size_t n,
                    std::vector<real_t>* gz);

}  // namespace volley::train
