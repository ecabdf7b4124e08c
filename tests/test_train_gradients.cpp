// BPTT gradients against central finite differences of the loss (double precision). The forward pass uses smooth
// spikes: S(x) = the surrogate's primitive (Sigmoid here, a logistic), so the surrogate gradient is the exact
// derivative of the forward pass and the two must agree to rounding. Every parameter of every case is checked:
// weights of dense, sparse, recurrent and delayed projections, biases, with and without a synaptic filter, for
// every reset mode (same step / next step, detached or not, soft / hard; a detached reset against differences
// with the reset's spikes held at the recorded values), every loss and the rate regulariser,
// the BrainPy-style neuron models one by one, and trainable neuron parameters (time constants, thresholds, ...).
// The pass criterion: |g - fd| <= 1e-5 max(|g|, |fd|, floor), floor = 1e-3 of the largest gradient in the same
// array (a projection's weights, a layer's biases, one parameter) and at least 1e-6, below which the 5-point
// difference (h = 1e-4 of the value) is rounding-dominated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/train_engine.hpp"
#include "tests/support/train_nets.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_train_gradients {

using namespace volley;
using namespace volley::train;
using volley::train::network;  // not volley::network (engine/network.hpp, which another file of the batch includes)
using volley::test::net_case;
using volley::test::build_net;

namespace {

double total_loss(network& net, const std::vector<real_t>& x, std::size_t B, std::size_t T, const std::vector<int>& y,
                  const loss_spec& loss, const engine_options& o = {}) {
  engine e(net, o);
  gradients g;
  const batch_result r = e.forward_backward({B, T, x.data()}, y.data(), loss, g);
  return r.loss + r.regularization;
}

// Worst relative error of the gradient over all parameters of the case.
double check_case(const net_case& c, std::string* where) {
  network net = build_net(c);
  const std::size_t B = 3, T = c.steps;
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> U(0, 1);
  std::vector<real_t> x(T * B * net.n_in);
  for (auto& v : x) v = U(rng) < c.input_density ? real_t(U(rng)) : real_t(0);
  std::vector<int> y(B);
  for (std::size_t b = 0; b < B; ++b) y[b] = int(b % net.layers.back().n);

  engine e(net, {1, c.checkpoint_every});
  gradients g;
  e.forward_backward({B, T, x.data()}, y.data(), c.loss, g);
  // A detached reset treats the reset's spike as a constant: the finite differences then run with the reset
  // using this run's spikes (engine_options::frozen_reset), everything else free.
  std::vector<std::vector<real_t>> recorded(net.layers.size());
  for (std::size_t l = 0; l < net.layers.size(); ++l)
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t i = 0; i < B * net.layers[l].n; ++i) recorded[l].push_back(e.spike(int(l), t, i));
  engine_options fd_options;
  if (c.detach) fd_options.frozen_reset = &recorded;

  // every trainable value: pointer into the network, its gradient, and its group (one array: a projection's
  // weights, a layer's biases, one neuron parameter), whose largest gradient sets the floor of the comparison
  struct entry {
    real_t* ptr;
    real_t grad;
    int group;
  };
  std::vector<entry> params;
  int group = 0;
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    auto& L = net.layers[l];
    for (std::size_t p = 0; p < L.inputs.size(); ++p, ++group)
      for (std::size_t k = 0; k < L.inputs[p].w.size(); ++k) params.push_back({&L.inputs[p].w[k], g.w[l][p][k], group});
    for (std::size_t i = 0; i < L.n; ++i) params.push_back({&L.bias[i], g.bias[l][i], group});
    ++group;
    for (int k = 0; k < L.kernel->n_params(); ++k, ++group)
      for (std::size_t i = 0; i < L.n; ++i) params.push_back({&L.kernel->param_values(k)[i], g.param[l][k][i], group});
  }
  std::vector<double> g_max(std::size_t(group), 0.0);
  for (const auto& e : params) g_max[e.group] = std::max(g_max[e.group], std::fabs(double(e.grad)));
  for (int q = 0; q < group; ++q) EXPECT_GT(g_max[q], 0) << c.name << ": all gradients of group " << q << " are zero";
  double worst = 0;
  for (std::size_t k = 0; k < params.size(); ++k) {
    real_t* ptr = params[k].ptr;
    const real_t keep = *ptr;
    // 5-point central difference, h = 1e-4 of the value: truncation O(h^4), rounding ~1e-12 of the loss
    const double h = 1e-4 * std::max(1.0, std::fabs(double(keep)));
    auto loss_at = [&](double d) {
      *ptr = keep + real_t(d);
      return total_loss(net, x, B, T, y, c.loss, fd_options);
    };
    const double fd = (8 * (loss_at(h) - loss_at(-h)) - (loss_at(2 * h) - loss_at(-2 * h))) / (12 * h);
    *ptr = keep;
    const double exact = params[k].grad;
    const double err = std::fabs(fd - exact) /
                       std::max({std::fabs(fd), std::fabs(exact), 1e-3 * g_max[params[k].group], 1e-6});
    if (err > worst) {
      worst = err;
      if (where) *where = "parameter " + std::to_string(k) + ": BPTT " + std::to_string(exact) + ", finite difference " +
                          std::to_string(fd);
    }
  }
  return worst;
}

class Gradient : public ::testing::TestWithParam<net_case> {};

TEST_P(Gradient, MatchesCentralFiniteDifferences) {
  if (sizeof(real_t) != sizeof(double)) GTEST_SKIP() << "finite differences need VOLLEY_REAL=double";
  std::string where;
  const double worst = check_case(GetParam(), &where);
  std::printf("[ %s ] worst relative error %.2e (%s)\n", GetParam().name.c_str(), worst, where.c_str());
  EXPECT_LT(worst, 1e-5) << where;
}

INSTANTIATE_TEST_SUITE_P(Bptt, Gradient, ::testing::ValuesIn(test::gradient_cases()),
                         [](const auto& info) { return info.param.name; });

// The checker fails on a wrong gradient: a gradient off by 1e-4 relative in one weight is caught.
TEST(GradientChecker, CatchesAPerturbedGradient) {
  if (sizeof(real_t) != sizeof(double)) GTEST_SKIP() << "finite differences need VOLLEY_REAL=double";
  net_case c = test::lif_case("perturbed");
  network net = build_net(c);
  const std::size_t B = 2, T = c.steps;
  std::vector<real_t> x(T * B * net.n_in, real_t(0.5));
  std::vector<int> y{0, 1};
  engine e(net);
  gradients g;
  e.forward_backward({B, T, x.data()}, y.data(), c.loss, g);
  real_t& w = net.layers[0].inputs[0].w[3];
  const real_t keep = w;
  const double h = 1e-6;
  w = keep + real_t(h);
  const double lp = total_loss(net, x, B, T, y, c.loss);
  w = keep - real_t(h);
  const double lm = total_loss(net, x, B, T, y, c.loss);
  w = keep;
  const double fd = (lp - lm) / (2 * h);
  EXPECT_NEAR(g.w[0][0][3], fd, 1e-5 * std::fabs(fd));
  EXPECT_GT(std::fabs(g.w[0][0][3] * (1 + 1e-4) - fd), 1e-5 * std::fabs(fd));
}

}  // namespace

}  // namespace test_train_gradients
