// The `volley` command: exit codes, messages, outputs, and the SIGINT flush.
#include <gtest/gtest.h>

#include <hdf5.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "host/gpu_engine.hpp"
#include "tests/support/cli.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_cli {

namespace fs = std::filesystem;

namespace {

using result = volley::test::cli_result;
result run(const std::string& args) { return volley::test::run_cli(args); }
using volley::test::scratch;
using volley::test::write_file;

const std::string example = std::string(VOLLEY_SOURCE_DIR) + "/examples/coba.json";

}  // namespace

TEST(Cli, RunsCobaAndWritesSummaryHdf5AndCsv) {
  const auto h5 = scratch("coba.h5"), csv = scratch("coba.csv"), js = scratch("coba.json");
  const auto r = run("run " + example + " --threads 2 --duration '100 ms' --out " + h5.string() + " --csv " +
                     csv.string() + " --summary-json " + js.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("RTF"), std::string::npos);
  const auto summary = nlohmann::json::parse(std::ifstream(js));
  EXPECT_EQ(summary["neurons"], 4000);
  EXPECT_EQ(summary["synapses"], 320000);
  EXPECT_DOUBLE_EQ(summary["duration_ms"].get<double>(), 100.0);
  EXPECT_GT(summary["spikes"].get<long>(), 0);
  for (const char* key : {"build_s", "run_s", "rtf", "events_per_s", "peak_rss_mb", "hardware", "populations"})
    EXPECT_TRUE(summary.contains(key)) << key;
  // the CSV has a header and one line per spike
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "time_ms,population,neuron,batch");
  long lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, summary["spikes"].get<long>());
  EXPECT_TRUE(fs::exists(h5));
}

TEST(Cli, BadSpecExitsNonZeroWithTheReason) {
  const auto bad = write_file("bad.json", R"({"dt": "0.1 ms", "duration": "1 ms",
    "populations": [{"name": "P", "model": "LIF", "size": 3, "params": {"tau": "-2 ms"}}]})");
  const auto r = run("run " + bad.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("parameter 'tau' = \"-2 ms\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("positive"), std::string::npos) << r.output;
}

TEST(Cli, MalformedJsonAndMissingFile) {
  const auto bad = write_file("broken.json", "{\"dt\": ");
  auto r = run("run " + bad.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("malformed JSON"), std::string::npos) << r.output;
  r = run("run /nonexistent/spec.json");
  EXPECT_NE(r.code, 0);
}

TEST(Cli, UnavailableBackendIsAClearError) {
  const auto probe = volley::gpu::probe();
  if (probe.usable) GTEST_SKIP() << "a " << probe.dialect << " device is present: every GPU backend name may run";
  // with no GPU backend compiled in: "not compiled"; with one but no device: "no CUDA device is usable"
  const std::string expected = probe.dialect.empty() ? "not compiled" : "no " + probe.dialect + " device is usable";
  const auto r = run("run " + example + " --backend gpu");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  const auto other = run("run " + example + (probe.dialect == "HIP" ? " --backend cuda" : " --backend hip"));
  EXPECT_EQ(other.code, 2);
  EXPECT_NE(other.output.find("not compiled"), std::string::npos) << other.output;
  const auto bad = run("run " + example + " --backend tpu");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.output.find("auto, cpu, gpu, cuda or hip"), std::string::npos) << bad.output;
}

TEST(Cli, AutoBackendSaysWhichAndInfoListsGpuBackend) {
  const auto probe = volley::gpu::probe();
  const auto r = run("run " + example + " --duration '5 ms' --no-record");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find(probe.usable ? "backend auto -> gpu" : "backend auto -> cpu"), std::string::npos) << r.output;
  if (!probe.usable) {
    EXPECT_NE(r.output.find(probe.problem), std::string::npos) << r.output;
  }
  const auto info = run("info");
  ASSERT_EQ(info.code, 0);
  EXPECT_NE(info.output.find(probe.dialect.empty() ? "GPU backend: none compiled in" : "GPU backend: " + probe.dialect),
            std::string::npos)
      << info.output;
}

TEST(Cli, ModelsJsonListsModelsWithUnits) {
  const auto r = run("models --json");
  ASSERT_EQ(r.code, 0);
  const auto j = nlohmann::json::parse(r.output);
  bool found = false;
  for (const auto& m : j["neurons"])
    if (m["name"] == "iaf_psc_exp") {
      found = true;
      bool tau = false;
      for (const auto& p : m["parameters"])
        if (p["name"] == "tau_m") tau = p["unit"] == "ms" && p["default"] == 10.0;
      EXPECT_TRUE(tau);
    }
  EXPECT_TRUE(found);
}

// SIGINT stops the run after the current step and writes everything recorded so far.
TEST(Cli, InterruptFlushesTheRecording) {
  const auto h5 = scratch("interrupted.h5");
  fs::remove(h5);
  const std::string cmd = "timeout --preserve-status -s INT 2 " + std::string(VOLLEY_CLI_PATH) + " run " + example +
                          " --threads 1 --duration '1000 s' --quiet --out " + h5.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  ASSERT_TRUE(fs::exists(h5));
  const hid_t f = H5Fopen(h5.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  int interrupted = 0;
  double duration = 0;
  const hid_t a = H5Aopen(f, "interrupted", H5P_DEFAULT);
  H5Aread(a, H5T_NATIVE_INT, &interrupted);
  H5Aclose(a);
  const hid_t d = H5Aopen(f, "duration_ms", H5P_DEFAULT);
  H5Aread(d, H5T_NATIVE_DOUBLE, &duration);
  H5Aclose(d);
  const hid_t ds = H5Dopen2(f, "/spikes/P/neuron", H5P_DEFAULT);
  const hid_t sp = H5Dget_space(ds);
  const hssize_t n = H5Sget_simple_extent_npoints(sp);
  H5Sclose(sp);
  H5Dclose(ds);
  H5Fclose(f);
  EXPECT_EQ(interrupted, 1);
  EXPECT_GT(duration, 0.0);
  EXPECT_LT(duration, 1000e3);
  EXPECT_GT(n, 0);
}

namespace {
const std::string tiny_spec =
    R"({"dt": "0.1 ms", "duration": "1 ms", "populations": [{"name": "P", "model": "LIF", "size": 3}]})";
}  // namespace

// --threads 100000 segfaulted in libgomp; --seed 1e20 was saturated to 2^63 - 1 and -5's message printed the range
// as a 300-digit number.
TEST(Cli, ThreadsAndSeedOutOfRange) {
  const auto spec = write_file("tiny.json", tiny_spec);
  auto r = run("run " + spec.string() + " --threads 100000 --quiet");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.code, -1) << "killed by a signal: " << r.output;
  EXPECT_NE(r.output.find("--threads: Value 100000 not in range 0 to 1024"), std::string::npos) << r.output;
  for (const char* seed : {"99999999999999999999", "-5", "abc"}) {
    r = run("run " + spec.string() + " --quiet --seed " + seed);
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("parameter '--seed' = '" + std::string(seed) +
                            "': expected an integer from 0 to 18446744073709551615"),
              std::string::npos)
        << r.output;
  }
  r = run("run " + spec.string() + " --quiet --seed 18446744073709551615");
  EXPECT_EQ(r.code, 0) << r.output;
  r = run("train " + spec.string() + " --threads 5000");
  EXPECT_NE(r.output.find("--threads: Value 5000 not in range 0 to 1024"), std::string::npos) << r.output;
}

// --duration '' was taken as "no override" and ran the spec's duration.
TEST(Cli, EmptyDurationIsAnError) {
  const auto spec = write_file("tiny.json", tiny_spec);
  const auto r = run("run " + spec.string() + " --quiet --duration ''");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("parameter '--duration' = '': expected a time"), std::string::npos) << r.output;
}

// An output in a folder that does not exist was found out only after the whole run.
TEST(Cli, OutputFoldersAreCheckedBeforeTheRun) {
  const auto spec = write_file("tiny.json", tiny_spec);
  for (const char* option : {"--out", "--csv", "--summary-json"}) {
    const auto r = run("run " + spec.string() + " --quiet " + option + " /nonexistent_volley_dir/x");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("parameter '" + std::string(option) +
                            "' = '/nonexistent_volley_dir/x': expected a file in an "
                            "existing folder"),
              std::string::npos)
        << r.output;
  }
  const auto r = run("run " + spec.string() + " --quiet --csv " + scratch("").string());
  EXPECT_NE(r.output.find("a file name, not a folder"), std::string::npos) << r.output;
}

// A run whose duration overflows the step counter was a hang (llround of 1e308 ms / dt).
TEST(Cli, HugeDurationIsRefusedNotAHang) {
  const auto spec = write_file("tiny.json", tiny_spec);
  const auto r = run("run " + spec.string() + " --quiet --duration '1e308 ms'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("parameter 'duration' = 1e+308 ms: expected at most 429496729.5 ms"), std::string::npos)
      << r.output;
}

// Too many connections (resource_error) and std::bad_alloc were reported as "internal error" (exit 3), a bug.
TEST(Cli, TooLargeNetworkIsAUserErrorNotAnInternalOne) {
  const auto spec = write_file("huge.json", R"({"dt": "0.1 ms", "duration": "1 ms",
    "populations": [{"name": "P", "model": "LIF", "size": 10}],
    "projections": [{"source": "P", "target": "P", "rule": {"kind": "fixed_indegree", "indegree": 1000000000000}, "weight": "1 mV"}]})");
  auto r = run("run " + spec.string() + " --quiet");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("volley: error: projection 'P->P': "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("10000000000000 connections"), std::string::npos) << r.output;
  const auto big = write_file("big.json", R"({"dt": "0.1 ms", "duration": "1 ms", "batch": 4000000000,
    "populations": [{"name": "P", "model": "LIF", "size": 4000000000}]})");
  r = run("run " + big.string() + " --quiet");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("volley: error: out of memory"), std::string::npos) << r.output;
}

// A diverged training (gradient norm inf or NaN) is a numerical error, exit 4, not an "internal error".
TEST(Cli, DivergedTrainingExitsWithTheNumericalErrorStatus) {
  const auto spec = write_file("diverge.json", R"({"dt": "1 ms", "steps": 5,
    "data": {"name": "yin_yang", "train": 32, "validation": 0, "test": 8},
    "layers": [{"name": "h", "model": "LIF", "size": 8, "inputs": [{"from": "input", "sd": "1 pA"}]},
               {"name": "out", "model": "LeakyRateReadout", "size": 3, "inputs": [{"from": "h", "sd": 1e300}]}],
    "training": {"epochs": 2, "batch": 8, "optimizer": {"kind": "sgd", "lr": 1e300}}})");
  const auto r = run("train " + spec.string() + " --quiet");
  EXPECT_EQ(r.code, 4) << r.output;
  EXPECT_NE(r.output.find("volley: error: training diverged"), std::string::npos) << r.output;
}

}  // namespace test_cli
