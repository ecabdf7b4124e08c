#pragma once
// Training spec files (`volley train SPEC.json`; the format is documented in docs/training.md, an example is
// examples/yin_yang_train.json). Units are mandatory where a quantity has one: dt, delays, tau_syn, and the
// initial weight scale in the input unit of the target layer (pA for neurons, the port unit for readouts).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/train_loss.hpp"
#include "engine/train_network.hpp"
#include "engine/train_optim.hpp"
#include "kernels/train_step.hpp"

namespace volley::train {

struct data_spec {
  std::string name = "yin_yang";  // yin_yang | digits | fashion_mnist
  // yin_yang: generated sizes (separate seeds); digits: held out for test / validation, train 0 = the rest
  // (defaults 0 / 0 / 360); fashion_mnist: the first `train` of the 60000 training and `test` of the 10000 test
  // images, `validation` taken from the end of the training images (defaults 60000 / 0 / 10000)
  std::size_t train = 5000, validation = 1000, test = 1000;
  std::uint64_t seed = 42;
  std::string path;  // digits: the CSV; fashion_mnist: the directory with the IDX files ("" = Debian's location)
};

// How a sample's features become the input x(t): "current" holds scale * feature in every step; "latency" emits
// one spike per feature above `threshold`, in step round((1 - feature) * (t_max - 1)) (bright = early).
struct encoding_spec {
  std::string kind = "current";
  double scale = 1;
  std::size_t t_max = 0;  // latency: coding window in steps (0: all steps)
  double threshold = 0;
};

struct train_spec {
  std::string name;
  double dt = 1;           // ms
  std::size_t steps = 20;  // per sample
  std::uint64_t seed = 1;  // weights and shuffling
  data_spec data;
  encoding_spec encoding;
  kernels::train::step_options step;
  loss_spec loss;
  std::vector<std::string> regularizer_layers;  // names, resolved when the network is built
  optimizer_spec optimizer;
  int epochs = 10;
  std::size_t batch = 32;
  int threads = 0;
  int checkpoint_every = 0;
  std::string backend = "cpu";  // "cpu", "gpu", "cuda", "hip" or "auto" (host/backend.hpp)
  nlohmann::json layers;  // kept as written; build_network() turns it into layers
};

train_spec parse_train_spec(const nlohmann::json& j, const std::string& where);
train_spec load_train_spec(const std::string& path);
// The network of the spec for data of n_in features and n_classes classes (the last layer must have n_classes
// neurons). Resolves regularizer layer names into spec.loss.
network build_network(train_spec& spec, std::size_t n_in, std::size_t n_classes);

}  // namespace volley::train
