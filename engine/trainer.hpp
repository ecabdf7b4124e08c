#pragma once
// The training loop behind `volley train` and the C++ API: data, encoding, epochs of shuffled mini-batches through
// engine (BPTT) and optimizer, evaluation, and checkpoints of the trained weights (JSON, written atomically).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/datasets.hpp"
#include "engine/train_engine.hpp"
#include "engine/train_optim.hpp"
#include "engine/train_spec.hpp"

namespace volley::train {

struct epoch_stats {
  int epoch = 0;  // 1-based
  double loss = 0, regularization = 0, train_accuracy = 0, validation_accuracy = -1;
  double seconds = 0, samples_per_s = 0, learning_rate = 0, gradient_norm = 0;
  std::vector<double> spikes_per_neuron;  // per layer, mean over the epoch
};

struct evaluation {
  double loss = 0, accuracy = 0;
  std::size_t samples = 0;
};

struct train_summary {
  std::vector<epoch_stats> epochs;
  evaluation test;
  memory_report memory;
  std::size_t parameters = 0;
  void to_json(nlohmann::json& out) const;
};

// Progress within an epoch: samples done of total, running loss and accuracy.
using progress_fn = std::function<void(int epoch, int epochs, std::size_t done, std::size_t total, double loss,
                                       double accuracy)>;

class trainer {
 public:
  explicit trainer(train_spec spec);
  // Trains spec.epochs epochs (from the resumed epoch on), calling progress after each batch and on_epoch after each
  // epoch, then evaluates on the test set.
  train_summary run(const progress_fn& progress = {}, const std::function<void(const epoch_stats&)>& on_epoch = {});
  evaluation evaluate(const data::dataset& d);
  // Weights, biases, optimizer state and the epoch reached.
  void save(const std::string& path) const;
  void load(const std::string& path);

  network& net() { return net_; }
  // "cpu (2 threads)", "NVIDIA H100 80GB HBM3 (CUDA)"; and why an automatic choice took the CPU ("" otherwise)
  std::string device() const { return engine_->device(); }
  const std::string& backend_note() const { return backend_note_; }
  const train_spec& spec() const { return spec_; }
  const data::dataset& train_set() const { return train_; }
  const data::dataset& validation_set() const { return validation_; }
  const data::dataset& test_set() const { return test_; }
  // x [steps][batch][n_in] for samples [first, first + batch) of d (in order).
  void encode(const data::dataset& d, std::size_t first, std::size_t batch, std::vector<real_t>& x) const;

 private:
  void load_data();
  train_spec spec_;
  data::dataset train_, validation_, test_;
  network net_;
  std::string backend_note_;  // why "auto" chose the CPU
  std::unique_ptr<engine_interface> engine_;
  optimizer optimizer_;
  int epochs_done_ = 0;
};

}  // namespace volley::train
