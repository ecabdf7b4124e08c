// `volley train`: summary JSON, checkpoints and resume, and clear errors for bad training specs.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <vector>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_cli_train {

using volley::test::run_cli;
using volley::test::scratch;
using volley::test::write_file;

namespace {

// The Yin-Yang example, shrunk to seconds: 600 training samples, 2 epochs.
std::string small_spec(const std::string& name, const std::function<void(nlohmann::json&)>& edit = {}) {
  nlohmann::json j = nlohmann::json::parse(std::ifstream(std::string(VOLLEY_SOURCE_DIR) + "/examples/yin_yang_train.json"));
  j["data"]["train"] = 600;
  j["data"]["validation"] = 0;
  j["data"]["test"] = 300;
  j["training"]["epochs"] = 2;
  j["training"]["threads"] = 1;
  if (edit) edit(j);
  return write_file(name, j.dump()).string();
}

TEST(CliTrain, TrainsWritesSummaryAndResumesFromACheckpoint) {
  const auto spec = small_spec("yy_small.json");
  const auto ckpt = scratch("yy.ckpt.json"), summary = scratch("yy_summary.json");
  const auto r = run_cli("train " + spec + " --memory --save " + ckpt.string() + " --summary-json " + summary.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("epoch 2/2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("test accuracy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bytes per neuron-step"), std::string::npos) << r.output;
  const auto s = nlohmann::json::parse(std::ifstream(summary));
  EXPECT_EQ(s["epochs"].size(), 2u);
  EXPECT_EQ(s["test_samples"], 300);
  EXPECT_GT(s["test_accuracy"].get<double>(), 0.5);
  EXPECT_GT(s["memory"]["bytes_per_neuron_step"].get<double>(), 0.0);
  EXPECT_TRUE(s.contains("hardware"));
  const auto ck = nlohmann::json::parse(std::ifstream(ckpt));
  EXPECT_EQ(ck["format"], "volley-train-checkpoint");
  EXPECT_EQ(ck["epochs_done"], 2);

  // resuming with 3 epochs in total trains only the third
  const auto summary3 = scratch("yy_summary3.json");
  const auto r3 = run_cli("train " + spec + " --epochs 3 --resume " + ckpt.string() + " --summary-json " + summary3.string());
  ASSERT_EQ(r3.code, 0) << r3.output;
  const auto s3 = nlohmann::json::parse(std::ifstream(summary3));
  ASSERT_EQ(s3["epochs"].size(), 1u);
  EXPECT_EQ(s3["epochs"][0]["epoch"], 3);
}

TEST(CliTrain, BadSpecsExitTwoNamingTheProblem) {
  struct bad {
    std::function<void(nlohmann::json&)> edit;
    std::string needle;
  };
  const std::vector<bad> cases = {
      {[](auto& j) { j["layers"][0]["model"] = "LIFF"; }, "'model' = \"LIFF\""},
      {[](auto& j) { j["layers"][0]["model"] = "iaf_psc_exp"; }, "cannot be trained"},
      {[](auto& j) { j["layers"][1]["size"] = 4; }, "one neuron per class"},
      {[](auto& j) { j["dt"] = "1 mV"; }, "dt"},
      {[](auto& j) { j["training"]["optimizer"]["lr"] = -1; }, "'lr' = -1"},
      {[](auto& j) { j["loss"]["kind"] = "hinge"; }, "loss: parameter 'kind' = \"hinge\""},
      {[](auto& j) { j["training"]["optimizer"]["kind"] = "lbfgs"; }, "optimizer: parameter 'kind' = \"lbfgs\""},
      {[](auto& j) { j["data"]["train"] = 5000000000ull; }, "data: parameter 'train' = 5000000000"},
      {[](auto& j) { j["reset"]["timing"] = "later"; }, "'timing' = \"later\""},
      {[](auto& j) { j["layers"][0]["inputs"][0]["from"] = "nowhere"; }, "'from' = \"nowhere\""},
      {[](auto& j) { j["layers"][0]["inputs"].push_back({{"from", "hidden"}}); }, "'delay' = 0"},
      {[](auto& j) { j["layers"][0]["tau_syn"] = "5 pA"; }, "tau_syn"},
      {[](auto& j) { j["training"]["epoch"] = 3; }, "unknown key 'epoch'"},
      {[](auto& j) { j["data"]["name"] = "mnist"; }, "'name' = \"mnist\""},
      {[](auto& j) { j["training"]["backend"] = "tpu"; }, "'backend' = 'tpu'"},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto spec = small_spec("bad_" + std::to_string(k) + ".json", cases[k].edit);
    const auto r = run_cli("train " + spec + " --quiet");
    EXPECT_EQ(r.code, 2) << "case " << k << ": " << r.output;
    EXPECT_NE(r.output.find(cases[k].needle), std::string::npos) << "case " << k << ": " << r.output;
  }
  const auto r = run_cli("train " + small_spec("ok.json") + " --resume " + small_spec("not_a_checkpoint.json") + " --quiet");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("not a volley training checkpoint"), std::string::npos) << r.output;
}

// The training backend: "auto" says which device it took and why; an explicit GPU without one (or not compiled
// in) is refused with the reason, exit 2 or 3 as for `volley run`, nothing trained.
TEST(CliTrain, BackendIsNamedAndAGpuWithoutADeviceIsRefused) {
  const auto spec = small_spec("yy_backend.json", [](auto& j) { j["training"]["epochs"] = 1; });
  const auto summary = scratch("yy_backend_summary.json");
  const auto a = run_cli("train " + spec + " --backend auto --summary-json " + summary.string());
  ASSERT_EQ(a.code, 0) << a.output;
  EXPECT_NE(a.output.find(", on "), std::string::npos) << a.output;
  const auto s = nlohmann::json::parse(std::ifstream(summary));
  const std::string device = s["hardware"]["device"];
  if (device.starts_with("cpu")) {  // no GPU here: auto names the reason, an explicit gpu is refused
    EXPECT_NE(a.output.find("backend auto -> cpu"), std::string::npos) << a.output;
    const auto g = run_cli("train " + spec + " --backend gpu --quiet");
    EXPECT_NE(g.code, 0) << g.output;
    EXPECT_TRUE(g.output.find("not compiled") != std::string::npos ||
                g.output.find("no CUDA device is usable") != std::string::npos ||
                g.output.find("no HIP device is usable") != std::string::npos)
        << g.output;
  }
  const auto bad = run_cli("train " + spec + " --backend tpu --quiet");
  EXPECT_EQ(bad.code, 2) << bad.output;
  EXPECT_NE(bad.output.find("'backend' = 'tpu'"), std::string::npos) << bad.output;
}

}  // namespace

}  // namespace test_cli_train
