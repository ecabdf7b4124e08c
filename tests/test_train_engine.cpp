// The trainer's engine apart from gradient values (those: test_train_gradients.cpp):
//  - checkpointed gradients equal full-storage gradients exactly, for several K, with hard spikes;
//  - the same gradients and spikes on 1 and 2 threads and run after run;
//  - the hard-spike forward is the model's own update(): spike trains equal those of the model stepped by hand;
//  - refractory models train (hard spikes): held steps pass no gradient to the input;
//  - memory per neuron-step for the training micro-benchmark's shape stays under 4.5 bytes;
//  - bad networks and options are refused with messages naming the layer, parameter and value.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/train_engine.hpp"
#include "models/lif.hpp"
#include "tests/support/train_nets.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_train_engine {

using namespace volley;
using namespace volley::train;
using volley::train::network;  // not volley::network (engine/network.hpp, which another file of the batch includes)

namespace {

struct run_out {
  gradients g;
  batch_result r;
  std::vector<real_t> spikes;  // hidden layer, all steps
};

std::vector<real_t> random_input(std::size_t T, std::size_t B, std::size_t n, double density, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::vector<real_t> x(T * B * n);
  for (auto& v : x) v = U(rng) < density ? real_t(1) : real_t(0);
  return x;
}

run_out run(const test::net_case& c, std::size_t B, int threads, int K, unsigned data_seed = 5) {
  network net = test::build_net(c);
  const auto x = random_input(c.steps, B, net.n_in, 0.3, data_seed);
  std::vector<int> y(B);
  for (std::size_t b = 0; b < B; ++b) y[b] = int(b % c.n_out);
  engine e(net, {threads, K});
  run_out o;
  o.r = e.forward_backward({B, c.steps, x.data()}, y.data(), c.loss, o.g);
  for (std::size_t t = 0; t < c.steps; ++t)
    for (std::size_t i = 0; i < B * c.n_hidden; ++i) o.spikes.push_back(e.spike(0, t, i));
  return o;
}

test::net_case hard_case() {
  test::net_case c = test::lif_case("hard");
  c.smooth = false;
  c.recurrent = true;
  c.input_delay = 2;
  c.tau_syn_ms = 4;
  c.steps = 40;
  c.n_hidden = 37;  // odd, above a warp
  c.input_sd = 4;
  return c;
}

void expect_same(const gradients& a, const gradients& b, const std::string& what) {
  ASSERT_EQ(a.w.size(), b.w.size());
  for (std::size_t l = 0; l < a.w.size(); ++l) {
    for (std::size_t p = 0; p < a.w[l].size(); ++p)
      for (std::size_t k = 0; k < a.w[l][p].size(); ++k)
        ASSERT_EQ(a.w[l][p][k], b.w[l][p][k]) << what << ": layer " << l << " projection " << p << " synapse " << k;
    for (std::size_t i = 0; i < a.bias[l].size(); ++i) ASSERT_EQ(a.bias[l][i], b.bias[l][i]) << what << ": bias";
  }
}

TEST(TrainEngine, CheckpointedGradientsEqualFullStorageExactly) {
  const test::net_case c = hard_case();
  const run_out full = run(c, 4, 1, 1);  // K = 1: every step's state kept
  double spikes = 0;
  for (real_t z : full.spikes) spikes += z;
  ASSERT_GT(spikes, 20) << "the hidden layer must spike for the test to mean anything";
  ASSERT_GT(full.g.norm(), 0);
  for (int K : {2, 3, 7, 40, 0}) {
    const run_out ck = run(c, 4, 1, K);
    EXPECT_EQ(ck.spikes, full.spikes);
    expect_same(ck.g, full.g, "K = " + std::to_string(K));
  }
}

TEST(TrainEngine, SameGradientsOnOneAndTwoThreadsAndRunAfterRun) {
  const test::net_case c = hard_case();
  const run_out one = run(c, 5, 1, 0);
  const run_out two = run(c, 5, 2, 0);
  const run_out again = run(c, 5, 2, 0);
  EXPECT_EQ(one.spikes, two.spikes);
  expect_same(one.g, two.g, "1 vs 2 threads");
  expect_same(two.g, again.g, "run after run");
  EXPECT_EQ(one.r.loss, two.r.loss);
}

// The hard-spike forward with the reset in the same step is the model's update(): step LIF by hand on the same
// inputs and compare spike trains and the loss-independent state.
TEST(TrainEngine, HardForwardIsTheModelsOwnUpdate) {
  test::net_case c = hard_case();
  c.recurrent = false;
  c.tau_syn_ms = 0;
  c.input_delay = 0;
  network net = test::build_net(c);
  const std::size_t B = 2;
  const auto x = random_input(c.steps, B, net.n_in, 0.3, 11);
  std::vector<int> y{0, 1};
  engine e(net);
  gradients g;
  e.forward_backward({B, c.steps, x.data()}, y.data(), c.loss, g);
  auto p = models::LIF::defaults();
  p.tau = units::time_q(10.0);
  p.R = units::resistance_q(1.0);
  p.V_th = units::voltage_q(1.0);
  p.V_reset = units::voltage_q(0.0);
  const auto k = models::LIF::derive(p, c.dt);
  const auto& L = net.layers[0];
  int spikes = 0;
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t i = 0; i < c.n_hidden; ++i) {
      real_t s[2] = {0, 0};
      for (std::size_t t = 0; t < c.steps; ++t) {
        real_t u = L.bias[i];
        for (std::size_t j = 0; j < net.n_in; ++j) u += x[(t * B + b) * net.n_in + j] * L.inputs[0].w[j * c.n_hidden + i];
        models::neuron_input in{u, 0, nullptr, 0};
        const bool z = models::LIF::update(k, s, in);
        spikes += z;
        ASSERT_EQ(real_t(z), e.spike(0, t, b * c.n_hidden + i)) << "sample " << b << " neuron " << i << " step " << t;
      }
    }
  EXPECT_GT(spikes, 10);
}

TEST(TrainEngine, RefractoryModelTrainsAndHoldsItsState) {
  test::net_case c = hard_case();
  c.hidden_model = "LIFRef";
  c.hidden_params["tau_ref"] = "3 ms";  // 6 steps of 0.5 ms
  const run_out o = run(c, 3, 1, 0);
  EXPECT_GT(o.g.norm(), 0);
  // after a spike a neuron is silent for 6 steps
  for (std::size_t i = 0; i < 3 * c.n_hidden; ++i) {
    long last = -100;
    for (std::size_t t = 0; t < c.steps; ++t)
      if (o.spikes[t * 3 * c.n_hidden + i] != 0) {
        EXPECT_GT(long(t) - last, 6) << "instance " << i << " spiked twice within the refractory period";
        last = long(t);
      }
  }
  // and its checkpointed gradients equal the full-storage ones
  const run_out full = run(c, 3, 1, 1);
  expect_same(o.g, full.g, "LIFRef K = sqrt(T) vs K = 1");
}

TEST(TrainEngine, MemoryPerNeuronStepOfTheMicroBenchmarkShape) {
  // the training micro-benchmark's shape, scaled down: Linear(N, N) into N LIF, batch 16, 500 steps
  test::net_case c = test::lif_case("micro");
  c.smooth = false;
  c.n_in = 256;
  c.n_hidden = 256;
  c.n_out = 2;
  c.steps = 500;
  network net = test::build_net(c);
  const std::size_t B = 16;
  const auto x = random_input(c.steps, B, net.n_in, 0.05, 3);
  std::vector<int> y(B, 0);
  engine e(net);
  gradients g;
  e.forward_backward({B, c.steps, x.data()}, y.data(), c.loss, g);
  const memory_report m = e.memory();
  std::printf("[ memory ] %.3f bytes per neuron-step (K = %d): spikes %zu, checkpoints %zu, segment %zu, adjoints %zu\n",
              m.bytes_per_neuron_step(), m.checkpoint_every, m.spike_bytes, m.checkpoint_bytes, m.segment_bytes,
              m.adjoint_bytes);
  EXPECT_EQ(m.checkpoint_every, 22);  // round(sqrt(500))
  EXPECT_LT(m.bytes_per_neuron_step(), 4.5);
}

TEST(TrainEngine, RefusesBadNetworksWithClearMessages) {
  kernels::train::step_options o;
  auto expect_error = [](auto&& f, const std::string& needle) {
    try {
      f();
      FAIL() << "no error; expected one mentioning '" << needle << "'";
    } catch (const user_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const nlohmann::json none = nlohmann::json::object();
  expect_error([&] { make_layer_kernel("LIFF", 3, &none, nullptr, 0.1, o, "layer 'h'"); }, "'model' = \"LIFF\"");
  expect_error([&] { make_layer_kernel("iaf_psc_exp", 3, &none, nullptr, 0.1, o, "layer 'h'"); }, "cannot be trained");
  o.smooth_spikes = 1;
  expect_error([&] { make_layer_kernel("LIFRef", 3, &none, nullptr, 0.1, o, "layer 'h'"); }, "refractory");
  o.smooth_spikes = 0;
  const nlohmann::json bad = {{"tau", "-1 ms"}};
  expect_error([&] { make_layer_kernel("LIF", 3, &bad, nullptr, 0.1, o, "layer 'h'"); }, "tau");
  // a recurrent projection without delay
  test::net_case c = test::lif_case("rec");
  network net = test::build_net(c);
  net.layers[0].inputs.push_back(make_projection(0, c.n_hidden, c.n_hidden, 0, false, {}, 1, 9));
  expect_error([&] { net.validate(); }, "'delay' = 0");
  // labels outside the output layer
  network ok = test::build_net(c);
  engine e(ok);
  gradients g;
  std::vector<real_t> x(c.steps * 1 * ok.n_in, 0);
  std::vector<int> y{7};
  expect_error([&] { e.forward_backward({1, c.steps, x.data()}, y.data(), c.loss, g); }, "'label' = 7");
}

}  // namespace

namespace {

using volley::train::gradients;

double dot(const gradients& a, const gradients& b) {
  double s = 0;
  for (std::size_t l = 0; l < a.w.size(); ++l) {
    for (std::size_t p = 0; p < a.w[l].size(); ++p)
      for (std::size_t k = 0; k < a.w[l][p].size(); ++k) s += double(a.w[l][p][k]) * b.w[l][p][k];
    for (std::size_t i = 0; i < a.bias[l].size(); ++i) s += double(a.bias[l][i]) * b.bias[l][i];
  }
  return s;
}

gradients sparse_run(double band) {
  test::net_case c = hard_case();
  c.recurrent = false;
  c.tau_syn_ms = 0;
  network net = test::build_net(c);
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    auto o = net.layers[l].kernel->options();
    o.sparse_band = real_t(band);
    const nlohmann::json& params = l == 0 ? c.hidden_params : c.readout_params;
    net.layers[l].kernel = make_layer_kernel(net.layers[l].kernel->model(), net.layers[l].n, &params, nullptr,
                                               c.dt, o, "layer");
  }
  const std::size_t B = 4;
  const auto x = random_input(c.steps, B, net.n_in, 0.3, 21);
  std::vector<int> y{0, 1, 2, 0};
  engine e(net, {1, 0});
  gradients g;
  e.forward_backward({B, c.steps, x.data()}, y.data(), c.loss, g);
  return g;
}

// Sparse backward: with a band wider than any spike argument it is the exact backward, bit for bit; with a narrow
// band it drops neuron-steps far from threshold and the gradient stays aligned with the exact one.
TEST(TrainEngine, SparseBackwardIsExactForAWideBandAndAlignedForANarrowOne) {
  const gradients exact = sparse_run(0);
  expect_same(sparse_run(1e30), exact, "band 1e30 vs exact");
  const gradients narrow = sparse_run(0.3);
  const double cosine = dot(narrow, exact) / std::sqrt(dot(narrow, narrow) * dot(exact, exact));
  std::printf("[ sparse backward ] band 0.3: cosine to the exact gradient %.4f, norm ratio %.3f\n", cosine,
              std::sqrt(dot(narrow, narrow) / dot(exact, exact)));
  EXPECT_GT(cosine, 0.8);
  EXPECT_LT(cosine, 1.0 - 1e-9);  // it did drop something
}

}  // namespace

}  // namespace test_train_engine
