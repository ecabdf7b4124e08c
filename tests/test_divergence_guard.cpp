// The step loop's divergence guard (host/state_check.hpp): a model whose state becomes inf or NaN stops the run
// with a message naming population, model, variable, neuron and time, keeps what was recorded, and the CLI exits
// with status 4 after writing its output. ExpIF with brainpy.state's soft reset under strong drive is the model
// that does diverge (models/expif.hpp): its exponential term overflows to inf, which a soft reset keeps.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "engine/error.hpp"
#include "engine/spec.hpp"
#include "host/simulator.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_divergence_guard {

using namespace volley;
using namespace volley::units::literals;

namespace {

std::string expif_spec(const std::string& reset, const std::string& amplitude) {
  return R"({"dt": "0.1 ms", "duration": "300 ms", "seed": 3,
    "populations": [{"name": "X", "model": "ExpIF", "size": 37, "params": {"R": "1 Mohm", "spk_reset": ")" +
         reset + R"("}}],
    "inputs": [{"kind": "constant_current", "target": "X", "amplitude": ")" +
         amplitude + R"("}],
    "record": {"spikes": ["X"], "traces": [{"population": "X", "variables": ["V"], "neurons": [0, 36]}]}})";
}

run_options cpu_with(non_finite_policy policy) {
  run_options o;
  o.backend = backend_kind::cpu;
  o.threads = 2;
  o.on_non_finite = policy;
  return o;
}

void record_everything(simulator& sim, const loaded_spec& spec) {
  for (const auto& p : spec.record_spikes) sim.record_spikes(p);
  for (const auto& t : spec.record_traces) sim.record_trace(t);
}

TEST(DivergenceGuard, SoftResetExpIfStopsWithAMessageNamingWhere) {
  auto spec = load_spec_text(expif_spec("soft", "40 nA"));
  simulator sim(*spec.net, cpu_with(non_finite_policy::error));
  record_everything(sim, spec);
  std::string message;
  try {
    sim.run(units::time_q(spec.duration_ms));
  } catch (const numerical_error& e) {
    message = e.what();
  }
  ASSERT_FALSE(message.empty()) << "no numerical_error";
  for (const char* part : {"population 'X'", "(ExpIF)", "'V'", "neuron ", "t = ", "diverged"})
    EXPECT_NE(message.find(part), std::string::npos) << part << " not in: " << message;
  // stopped at a check (every 1024 steps), before the end, with the record kept up to there
  EXPECT_LT(sim.current_step(), 3000u);
  EXPECT_EQ(sim.current_step() % 1024, 0u);
  EXPECT_TRUE(sim.record().interrupted);
  ASSERT_EQ(sim.record().traces.size(), 1u);
  EXPECT_EQ(sim.record().traces[0].values.size(), 2 * sim.current_step());
}

TEST(DivergenceGuard, StopPolicyReturnsWhereAndIgnoreRunsOn) {
  {
    auto spec = load_spec_text(expif_spec("soft", "40 nA"));
    simulator sim(*spec.net, cpu_with(non_finite_policy::stop));
    const auto stats = sim.run(units::time_q(spec.duration_ms));
    EXPECT_NE(stats.diverged.find("'V'"), std::string::npos) << stats.diverged;
    EXPECT_TRUE(stats.interrupted);
    EXPECT_LT(stats.steps, 3000u);
  }
  auto spec = load_spec_text(expif_spec("soft", "40 nA"));
  simulator sim(*spec.net, cpu_with(non_finite_policy::ignore));
  const auto stats = sim.run(units::time_q(spec.duration_ms));
  EXPECT_TRUE(stats.diverged.empty());
  EXPECT_EQ(stats.steps, 3000u);
}

// The same drive with a hard reset stays finite: the guard does not fire on a healthy run (checked at the end too).
TEST(DivergenceGuard, HardResetExpIfRunsToTheEnd) {
  auto spec = load_spec_text(expif_spec("hard", "40 nA"));
  simulator sim(*spec.net, cpu_with(non_finite_policy::error));
  const auto stats = sim.run(units::time_q(spec.duration_ms));
  EXPECT_TRUE(stats.diverged.empty());
  EXPECT_EQ(stats.steps, 3000u);
  std::uint64_t spikes = 0;
  for (const auto& p : stats.populations) spikes += p.spikes;
  EXPECT_GT(spikes, 37u);  // the drive makes them fire
}

// ht_neuron's V_clamp is NaN until a clamp is set (state_field::may_be_nan): not a divergence.
TEST(DivergenceGuard, AModelsOwnNanSentinelIsNotADivergence) {
  auto spec = load_spec_text(R"({"dt": "0.1 ms", "duration": "10 ms",
    "populations": [{"name": "H", "model": "ht_neuron", "size": 5}]})");
  simulator sim(*spec.net, cpu_with(non_finite_policy::error));
  EXPECT_NO_THROW(sim.run(units::time_q(spec.duration_ms)));
}

TEST(DivergenceGuard, CliWritesTheSummaryAndExitsWithStatus4) {
  const std::string dir = ::testing::TempDir();
  const std::string spec_path = dir + "/diverging_expif.json", summary = dir + "/diverging_summary.json";
  {
    FILE* f = std::fopen(spec_path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    const std::string text = expif_spec("soft", "40 nA");
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  std::remove(summary.c_str());
  const std::string cmd = std::string(VOLLEY_CLI_PATH) + " run " + spec_path +
                          " --backend cpu --quiet --summary-json " + summary + " 2>" + dir + "/diverging_stderr.txt";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
  FILE* f = std::fopen(summary.c_str(), "r");
  ASSERT_NE(f, nullptr) << "no summary written";
  std::string text(1 << 16, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  EXPECT_NE(text.find("\"diverged\""), std::string::npos) << text;
}

}  // namespace

}  // namespace test_divergence_guard
