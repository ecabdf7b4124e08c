// Training end to end: the Yin-Yang example spec (examples/yin_yang_train.json) with a smaller budget reaches at
// least 90 % test accuracy on the CPU (issue 6's CI criterion; the full example aims at >= 95 %), and a checkpoint
// written after training restores the same test accuracy in a fresh trainer.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "engine/trainer.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_train_yinyang {

using namespace volley;

namespace {

train::train_spec ci_spec() {
  train::train_spec s = train::load_train_spec(std::string(VOLLEY_SOURCE_DIR) + "/examples/yin_yang_train.json");
  s.epochs = 8;
  s.data.validation = 0;
  s.threads = 1;  // ctest runs tests side by side
  return s;
}

TEST(TrainYinYang, ReachesNinetyPercentTestAccuracyWithinTheCiBudget) {
  const auto t0 = std::chrono::steady_clock::now();
  train::trainer t(ci_spec());
  const train::train_summary s = t.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ yin-yang ] test accuracy %.2f %% after %zu epochs, %.1f s, %.3f bytes per neuron-step\n",
              100 * s.test.accuracy, s.epochs.size(), seconds, s.memory.bytes_per_neuron_step());
  for (const auto& e : s.epochs)
    std::printf("  epoch %d: loss %.4f, train %.2f %%, hidden spikes/neuron %.2f\n", e.epoch, e.loss,
                100 * e.train_accuracy, e.spikes_per_neuron.empty() ? 0.0 : e.spikes_per_neuron[0]);
  EXPECT_EQ(s.test.samples, 1000u);
  EXPECT_GE(s.test.accuracy, 0.90);
  EXPECT_LT(s.epochs.back().loss, s.epochs.front().loss);

  const std::string path = (std::filesystem::temp_directory_path() / "volley_yinyang_ckpt.json").string();
  t.save(path);
  train::trainer fresh(ci_spec());
  EXPECT_LT(fresh.evaluate(fresh.test_set()).accuracy, 0.8);  // untrained
  fresh.load(path);
  EXPECT_DOUBLE_EQ(fresh.evaluate(fresh.test_set()).accuracy, s.test.accuracy);
  std::filesystem::remove(path);
}

}  // namespace

namespace {

// Every training example parses and builds its network (the digits and Fashion-MNIST data need not be installed).
TEST(TrainExamples, SpecsParseAndBuildTheirNetworks) {
  struct example {
    const char* file;
    std::size_t n_in, n_classes, parameters;
  };
  for (const example& e : {example{"yin_yang_train.json", 4, 3, 4 * 120 + 120 + 120 * 3 + 3},
                           example{"digits_train.json", 64, 10, 64 * 128 + 128 + 128 * 10 + 10},
                           example{"fashion_mnist_train.json", 784, 10, 784 * 100 + 100 + 100 * 10 + 10}}) {
    train::train_spec s = train::load_train_spec(std::string(VOLLEY_SOURCE_DIR) + "/examples/" + e.file);
    const train::network net = train::build_network(s, e.n_in, e.n_classes);
    EXPECT_EQ(net.parameter_count(), e.parameters) << e.file;
    EXPECT_EQ(s.loss.regularizers.size(), 1u) << e.file;
  }
}

}  // namespace

}  // namespace test_train_yinyang
