// The portable training engine (the GPU training path's code: engine/train_portable.hpp with the index-parallel
// bodies of kernels/train_batch.hpp) run on the CPU executor must give the CPU engine's results bit for bit: loss,
// predictions, spike counts and every gradient, for every case of the gradient checks (smooth spikes; the detached
// ones through the reset's dependence, not frozen_reset, which only the CPU engine has) and for
// hard-spike networks larger than a 64-bit spike word with odd sizes (binary and real-valued data, dense and
// sparse, recurrent and delayed projections, synaptic filters, every loss, trainable neuron parameters). On a GPU
// the same code runs with the GPU executor (tests/gpu/test_gpu_train.cpp).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/train_engine.hpp"
#include "engine/train_optim.hpp"
#include "kernels/train_segment.hpp"
#include "tests/support/train_nets.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_train_portable {

using namespace volley;
using namespace volley::train;
using volley::train::network;  // not volley::network (engine/network.hpp, which another file of the batch includes)
using volley::test::build_net;
using volley::test::net_case;

namespace {

std::vector<real_t> random_input(const net_case& c, std::size_t B, bool binary, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::vector<real_t> x(c.steps * B * c.n_in);
  for (auto& v : x) v = U(rng) < c.input_density ? (binary ? real_t(1) : real_t(U(rng))) : real_t(0);
  return x;
}

// Every output of two engines' forward_backward equal, bit for bit (== on reals).
void expect_same(const batch_result& a, const gradients& ga, const batch_result& b, const gradients& gb,
                 const std::string& what) {
  EXPECT_EQ(a.loss, b.loss) << what;
  EXPECT_EQ(a.regularization, b.regularization) << what;
  EXPECT_EQ(a.correct, b.correct) << what;
  EXPECT_EQ(a.predictions, b.predictions) << what;
  EXPECT_EQ(a.spikes_per_neuron, b.spikes_per_neuron) << what;
  ASSERT_EQ(ga.w.size(), gb.w.size());
  std::size_t differing = 0, compared = 0;
  auto compare = [&](const std::vector<real_t>& x, const std::vector<real_t>& y, const std::string& name) {
    ASSERT_EQ(x.size(), y.size()) << what << " " << name;
    for (std::size_t k = 0; k < x.size(); ++k, ++compared)
      if (x[k] != y[k]) {
        if (++differing <= 5) ADD_FAILURE() << what << ": " << name << "[" << k << "] " << x[k] << " vs " << y[k];
      }
  };
  for (std::size_t l = 0; l < ga.w.size(); ++l) {
    for (std::size_t p = 0; p < ga.w[l].size(); ++p)
      compare(ga.w[l][p], gb.w[l][p], "w[" + std::to_string(l) + "][" + std::to_string(p) + "]");
    compare(ga.bias[l], gb.bias[l], "bias[" + std::to_string(l) + "]");
    for (std::size_t k = 0; k < ga.param[l].size(); ++k)
      compare(ga.param[l][k], gb.param[l][k], "param[" + std::to_string(l) + "][" + std::to_string(k) + "]");
  }
  EXPECT_EQ(differing, 0u) << what << ": of " << compared << " gradient entries";
  EXPECT_GT(ga.norm(), 0) << what << ": nothing was compared";
}

void run_nets(const net_case& c, network& cpu_net, network& portable_net, std::size_t B, bool binary, int threads) {
  const auto x = random_input(c, B, binary, 99);
  std::vector<int> y(B);
  for (std::size_t b = 0; b < B; ++b) y[b] = int(b % c.n_out);
  engine cpu(cpu_net, {threads, c.checkpoint_every});
  auto portable = make_portable_host_engine(portable_net, {threads, c.checkpoint_every});
  gradients gc, gp;
  const auto rc = cpu.forward_backward({B, c.steps, x.data()}, y.data(), c.loss, gc);
  const auto rp = portable->forward_backward({B, c.steps, x.data()}, y.data(), c.loss, gp);
  expect_same(rc, gc, rp, gp, c.name);
  // the same memory, and g_in of a segment's steps for the layers with a trainable dense projection
  const auto mc = cpu.memory(), mp = portable->memory();
  // the portable engine has no gz (it reads the ring slot) and, where seg_g holds g_in, no g_in of one step
  std::size_t kept_g_in = 0, fewer_adjoints = 0;
  for (const auto& L : cpu_net.layers) {
    bool dense = false;
    for (const auto& P : L.inputs) dense = dense || (P.trainable && !P.sparse);
    if (dense) kept_g_in += std::size_t(mc.checkpoint_every) * B * L.n * sizeof(real_t);
    fewer_adjoints += (dense ? 2 : 1) * B * L.n * sizeof(real_t);
  }
  EXPECT_EQ(mc.spike_bytes, mp.spike_bytes) << c.name;
  EXPECT_EQ(mc.checkpoint_bytes, mp.checkpoint_bytes) << c.name;
  EXPECT_EQ(mc.adjoint_bytes, mp.adjoint_bytes + fewer_adjoints) << c.name;
  EXPECT_GT(mp.work_bytes, 0u) << c.name;  // at least the batch's data
  EXPECT_EQ(mc.segment_bytes + kept_g_in, mp.segment_bytes) << c.name;
  EXPECT_EQ(mc.neuron_steps, mp.neuron_steps) << c.name;
  // evaluation
  const auto ec = cpu.forward_only({B, c.steps, x.data()}, y.data(), c.loss);
  const auto ep = portable->forward_only({B, c.steps, x.data()}, y.data(), c.loss);
  EXPECT_EQ(ec.loss, ep.loss) << c.name << " (forward only)";
  EXPECT_EQ(ec.predictions, ep.predictions) << c.name << " (forward only)";
  EXPECT_EQ(ec.spikes_per_neuron, ep.spikes_per_neuron) << c.name << " (forward only)";
  // an evaluation (with delays it keeps the spike history) leaves the training batch's report, in both engines;
  // one of a single sample would give other figures
  cpu.forward_only({1, c.steps, x.data()}, y.data(), c.loss);
  portable->forward_only({1, c.steps, x.data()}, y.data(), c.loss);
  for (const auto& [now, then] : {std::pair{portable->memory(), mp}, std::pair{cpu.memory(), mc}}) {
    EXPECT_EQ(now.adjoint_bytes, then.adjoint_bytes) << c.name;
    EXPECT_EQ(now.checkpoint_bytes, then.checkpoint_bytes) << c.name;
    EXPECT_EQ(now.work_bytes, then.work_bytes) << c.name;
    EXPECT_EQ(now.neuron_steps, then.neuron_steps) << c.name;
  }
}

void run_case(const net_case& c, std::size_t B, bool binary, int threads) {
  network cpu_net = build_net(c), portable_net = build_net(c);
  run_nets(c, cpu_net, portable_net, B, binary, threads);
}

class PortableEngine : public ::testing::TestWithParam<net_case> {};

TEST_P(PortableEngine, EqualsTheCpuEngineBitForBit) { run_case(GetParam(), 3, false, 2); }

// Every gradient-check case (smooth spikes), then hard-spike networks wider than a spike word.
std::vector<net_case> cases() {
  std::vector<net_case> v = test::gradient_cases();
  auto c = test::lif_case("hard_reset_next_step");
  c.hidden_params["spk_reset"] = "hard";
  c.next_step = true;
  v.push_back(c);
  c = test::wide_case("hard_wide_recurrent_sparse");
  c.recurrent = true;
  c.sparse = true;
  c.tau_syn_ms = 4;
  c.hidden_trainable = {"tau"};
  v.push_back(c);
  c = test::wide_case("hard_wide_dense_two_layers_spike_sum");
  c.n_in = 77;
  c.n_hidden = 129;
  c.n_out = 3;
  c.steps = 33;
  c.input_sd = 5;
  c.recurrent = true;
  c.second_hidden = true;
  c.input_delay = 1;
  c.loss.kind = loss_kind::spike_sum;
  c.readout = "LIF";
  c.readout_params = {{"tau", "5 ms"}, {"R", "1 Gohm"}, {"V_th", "0.5 mV"}};
  c.readout_sd = 2;
  v.push_back(c);
  c = test::lif_case("hard_refractory_count_mse");
  c.smooth = false;
  c.hidden_model = "LIFRef";
  c.hidden_params = {{"tau", "10 ms"}, {"R", "1 Gohm"}, {"V_th", "1 mV"}, {"tau_ref", "2 ms"}};
  c.n_in = 65;
  c.n_hidden = 67;
  c.input_sd = 5;
  c.loss.kind = loss_kind::count_mse;
  c.readout = "LeakySpikeReadout";
  c.readout_params = {{"tau", "5 ms"}, {"V_th", "0.5 mV"}};
  v.push_back(c);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Train, PortableEngine, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

// Binary data goes up as bits; spikes from the data are then read from bits: the same results.
TEST(PortableEngineInput, BinaryDataAsBitsOnOneAndTwoThreads) {
  auto c = test::lif_case("binary");
  c.smooth = false;
  c.n_in = 200;
  c.n_hidden = 71;
  c.steps = 30;
  c.input_sd = 3;
  c.input_density = 0.1;
  c.recurrent = true;
  run_case(c, 5, true, 1);
  run_case(c, 5, true, 2);
}

// The dense weight gradient reads its (step, sample) pairs in chunks of 32 (kernels/train_segment.hpp): a batch of
// 32 and of 33 samples (a step's samples in one chunk, or across two) give the CPU engine's gradients.
TEST(PortableEngineInput, BatchesAtAndAboveAPairChunk) {
  auto c = test::lif_case("sample_mask");
  c.smooth = false;
  c.n_in = 70;
  c.n_hidden = 33;
  c.steps = 12;
  c.input_sd = 3;
  c.input_density = 0.05;
  run_case(c, 32, true, 2);
  run_case(c, 33, true, 2);
}

// Dense data projections are summed per checkpoint segment and every dense weight gradient is taken per segment
// (kernels/train_segment.hpp), in tiles of 32 columns x 128 pairs (input) and 128 rows x 32 columns (gradient):
// here more than one tile each way, a short last segment, and two data projections (the second, delayed, goes on
// from the first's sums), binary and real-valued data.
TEST(PortableEngineInput, SegmentSumsOverSeveralTilesAndTwoDataProjections) {
  const auto c = test::segment_tiles_case();
  for (bool binary : {true, false}) {
    network a = build_net(c), b = build_net(c);
    test::add_second_data_projection(a);
    test::add_second_data_projection(b);
    run_nets(c, a, b, 20, binary, 2);
  }
}

// The weights stay on the executor between batches and go up again when network::revision changes (the
// optimizer bumps it): two optimizer steps later both engines still agree.
TEST(PortableEngineInput, WeightsFollowTheOptimizer) {
  auto c = test::lif_case("optimizer");
  c.smooth = false;
  c.n_hidden = 33;
  c.input_sd = 4;
  c.recurrent = true;
  c.hidden_trainable = {"tau"};
  network a = build_net(c), b = build_net(c);
  const std::size_t B = 4;
  const auto x = random_input(c, B, false, 5);
  std::vector<int> y{0, 1, 2, 0};
  engine cpu(a, {2, 0});
  auto portable = make_portable_host_engine(b, {2, 0});
  optimizer_spec os;
  os.lr = 0.05;
  optimizer oa(os, a), ob(os, b);
  for (int step = 0; step < 3; ++step) {
    gradients ga, gb;
    const auto ra = cpu.forward_backward({B, c.steps, x.data()}, y.data(), c.loss, ga);
    const auto rb = portable->forward_backward({B, c.steps, x.data()}, y.data(), c.loss, gb);
    expect_same(ra, ga, rb, gb, "step " + std::to_string(step));
    oa.step(a, ga, 0, 1);
    ob.step(b, gb, 0, 1);
  }
  // a change the engine is not told about (no revision bump) is not seen: the copy on the executor is used
  const auto before = portable->forward_only({B, c.steps, x.data()}, y.data(), c.loss);
  for (auto& w : b.layers[0].inputs[0].w) w *= 3;
  const auto stale = portable->forward_only({B, c.steps, x.data()}, y.data(), c.loss);
  EXPECT_EQ(before.loss, stale.loss);
  ++b.revision;
  const auto fresh = portable->forward_only({B, c.steps, x.data()}, y.data(), c.loss);
  EXPECT_NE(before.loss, fresh.loss);
}

// The segment sums read 32 sources at once from the packed bits (kernels/train_segment.hpp active_bits32): at
// every bit offset within a word, across word ends, at the end of a sample and of the buffer, as value() reads them.
TEST(PortableEngineInput, ThirtyTwoSourcesAtOnceAsValueReadsThem) {
  using kernels::train::spike_source;
  const std::size_t n = 97, B = 3, steps = 2, count = n * B, words = (count + 63) / 64;
  std::mt19937_64 rng(3);
  std::vector<std::uint64_t> bits(steps * words);
  for (auto& w : bits) w = rng();
  spike_source s;
  s.kind = spike_source::bits;
  s.w = bits.data();
  s.n = n;
  s.count = count;
  s.words = words;
  std::size_t compared = 0;
  for (long t = -1; t < long(steps); ++t)
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t j0 = 0; j0 <= n; ++j0) {  // every offset, not only multiples of 32
        std::uint32_t expected = 0;
        for (std::size_t k = 0; k < 32 && j0 + k < n; ++k)
          if (s.value(t, b, j0 + k) != real_t(0)) expected |= 1u << k;
        ASSERT_EQ(kernels::train::active_bits32(s, t, b, j0), expected) << "t " << t << " b " << b << " j0 " << j0;
        ++compared;
      }
  EXPECT_EQ(compared, (steps + 1) * B * (n + 1));
}

TEST(PortableEngineInput, RefusesFrozenResets) {
  auto c = test::lif_case("frozen");
  network net = build_net(c);
  std::vector<std::vector<real_t>> frozen;
  engine_options o;
  o.frozen_reset = &frozen;
  EXPECT_THROW(make_portable_host_engine(net, o), parameter_error);
}

}  // namespace

}  // namespace test_train_portable
