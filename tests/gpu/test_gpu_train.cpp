// CPU-vs-GPU equivalence of training (ctest label "gpu"): the same network built twice from one seed, batches
// through the CPU engine and through the GPU engine (the portable engine on the GPU executor), compared: the loss,
// spike counts, predictions and every gradient, then an evaluation (forward only) and a second batch after an
// optimizer step (the weights go up again). Both sides sum in the same order (kernels/train_batch.hpp), so what
// differs is the GPU math library's last bits (exp, log), amplified by the dynamics and, for neuron parameters, by
// their central difference: tolerances in double 1e-7 of the largest gradient of each array (measured on an H100,
// 2026-11-25: at most 6.5e-16 for the network cases, 2.9e-10 for models with trainable parameters), in float 2e-3
// (not yet run on a GPU); hard-spike networks must give identical spike counts,
// smooth ones (spikes through exp) the same counts within the tolerance. Networks are larger than a warp and a
// 64-bit spike word and have odd sizes. Without a GPU every test is skipped, saying why;
// VOLLEY_EQUIVALENCE_SELF_CHECK=1 runs the "GPU" side as the portable engine on the CPU instead (which must then be
// exact: tests/test_train_portable.cpp), so the harness itself is checked in CI.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engine/train_engine.hpp"
#include "engine/train_optim.hpp"
#include "host/gpu_engine.hpp"
#include "host/gpu_train.hpp"
#include "tests/support/gpu_skip.hpp"
#include "tests/support/train_nets.hpp"

namespace {

using namespace volley;
using namespace volley::train;
using volley::test::build_net;
using volley::test::net_case;

using test::self_check;
std::string no_gpu_reason() { return test::no_gpu_reason("CPU-vs-GPU training equivalence not checked"); }

std::unique_ptr<engine_interface> device_engine(train::network& net, const engine_options& o) {
  if (self_check()) return make_portable_host_engine(net, {1, o.checkpoint_every});
  return gpu::make_train_engine(net, o, 0);
}

double tolerance() {
  if (self_check()) return 0;
  return sizeof(real_t) == sizeof(double) ? 1e-7 : 2e-3;
}

// Worst difference |a - b| / max|a| over one gradient array (0 for an all-zero array that stays zero).
double worst_relative(const std::vector<real_t>& a, const std::vector<real_t>& b) {
  double scale = 0, worst = 0;
  for (real_t v : a) scale = std::max(scale, std::fabs(double(v)));
  for (std::size_t k = 0; k < a.size(); ++k) worst = std::max(worst, std::fabs(double(a[k]) - double(b[k])));
  return scale > 0 ? worst / scale : worst;
}

// edit: a change made to both networks after building (e.g. a projection the net_case cannot describe)
void compare(const net_case& c, std::size_t B, bool binary, void (*edit)(train::network&) = nullptr) {
  train::network cpu_net = build_net(c), gpu_net = build_net(c);
  if (edit) {
    edit(cpu_net);
    edit(gpu_net);
  }
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> U(0, 1);
  std::vector<real_t> x(c.steps * B * c.n_in);
  for (auto& v : x) v = U(rng) < c.input_density ? (binary ? real_t(1) : real_t(U(rng))) : real_t(0);
  std::vector<int> y(B);
  for (std::size_t b = 0; b < B; ++b) y[b] = int(b % c.n_out);
  engine cpu(cpu_net, {2, c.checkpoint_every});
  auto dev = device_engine(gpu_net, {0, c.checkpoint_every});
  const double tol = tolerance();
  auto same_result = [&](const batch_result& rc, const batch_result& rd, const std::string& when) {
    ASSERT_EQ(rc.spikes_per_neuron.size(), rd.spikes_per_neuron.size());
    for (std::size_t l = 0; l < rc.spikes_per_neuron.size(); ++l) {
      if (!c.smooth)
        EXPECT_EQ(rc.spikes_per_neuron[l], rd.spikes_per_neuron[l]) << c.name << " " << when << ": layer " << l;
      else
        EXPECT_LE(std::fabs(rc.spikes_per_neuron[l] - rd.spikes_per_neuron[l]),
                  tol * std::max(1.0, rc.spikes_per_neuron[l])) << c.name << " " << when << ": layer " << l;
    }
    EXPECT_EQ(rc.predictions, rd.predictions) << c.name << " " << when;
    EXPECT_LE(std::fabs(rc.loss - rd.loss), tol * std::max(1.0, std::fabs(rc.loss))) << c.name << " " << when;
  };
  gradients gc, gd;
  const auto rc = cpu.forward_backward({B, c.steps, x.data()}, y.data(), c.loss, gc);
  const auto rd = dev->forward_backward({B, c.steps, x.data()}, y.data(), c.loss, gd);
  const auto t = dev->times();
  std::printf("[ %s ] %s: upload %.3f s, compute %.3f s, download %.3f s\n", c.name.c_str(), dev->device().c_str(),
              t.upload, t.compute, t.download);
  same_result(rc, rd, "first batch");
  double worst = 0;
  std::string where;
  auto check = [&](const std::vector<real_t>& a, const std::vector<real_t>& b, const std::string& name) {
    ASSERT_EQ(a.size(), b.size()) << name;
    const double w = worst_relative(a, b);
    if (w > worst) {
      worst = w;
      where = name;
    }
  };
  for (std::size_t l = 0; l < gc.w.size(); ++l) {
    for (std::size_t p = 0; p < gc.w[l].size(); ++p) check(gc.w[l][p], gd.w[l][p], "w" + std::to_string(l) + std::to_string(p));
    check(gc.bias[l], gd.bias[l], "bias" + std::to_string(l));
    for (std::size_t k = 0; k < gc.param[l].size(); ++k)
      check(gc.param[l][k], gd.param[l][k], "param" + std::to_string(l) + std::to_string(k));
  }
  std::printf("[ %s ] worst gradient difference %.2e of the array's largest (%s)\n", c.name.c_str(), worst,
              where.c_str());
  EXPECT_LE(worst, tol) << c.name << ": " << where;
  EXPECT_GT(gc.norm(), 0) << c.name;
  // evaluation (no spike history without delays), then a second batch after an optimizer step on both sides
  same_result(cpu.forward_only({B, c.steps, x.data()}, y.data(), c.loss),
              dev->forward_only({B, c.steps, x.data()}, y.data(), c.loss), "forward only");
  optimizer_spec os;
  os.lr = 0.01;
  optimizer oc(os, cpu_net), od(os, gpu_net);
  oc.step(cpu_net, gc, 0, 1);
  od.step(gpu_net, gc, 0, 1);  // the same update on both (the CPU's gradient): the weights stay equal
  gradients gc2, gd2;
  same_result(cpu.forward_backward({B, c.steps, x.data()}, y.data(), c.loss, gc2),
              dev->forward_backward({B, c.steps, x.data()}, y.data(), c.loss, gd2), "second batch");
  for (std::size_t l = 0; l < gc2.w.size(); ++l)
    for (std::size_t p = 0; p < gc2.w[l].size(); ++p)
      EXPECT_LE(worst_relative(gc2.w[l][p], gd2.w[l][p]), tol) << c.name << " second batch, w" << l << p;
}

TEST(GpuTrain, DenseRecurrentSynapseTrainableParameters) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  auto c = test::wide_case("dense_recurrent");
  c.recurrent = true;
  c.tau_syn_ms = 4;
  c.hidden_trainable = {"tau", "V_th"};
  compare(c, 7, false);
}

TEST(GpuTrain, SparseRecurrentDelayedBinaryInput) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  auto c = test::wide_case("sparse_recurrent");
  c.sparse = true;
  c.recurrent = true;
  c.input_delay = 2;
  c.input_density = 0.1;
  compare(c, 5, true);
}

TEST(GpuTrain, TwoHiddenLayersNextStepResetCountLoss) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  auto c = test::wide_case("two_layers_next_step");
  c.second_hidden = true;
  c.next_step = true;
  c.detach = true;
  c.loss.kind = loss_kind::count_mse;
  c.readout = "LeakySpikeReadout";
  c.readout_params = {{"tau", "5 ms"}, {"V_th", "0.5 mV"}};
  compare(c, 4, false);
}

// The segment sums and segment weight gradients (kernels/train_segment.hpp) on the device: binary data read 32
// sources at a time from bits, two pair tiles (9 steps x 20 samples), a short last segment, two data projections
// (the second, delayed, goes on from the first's sums) and the ce_max reduction and its dL/do(t) on the device.
TEST(GpuTrain, SegmentTilesTwoDataProjectionsBinaryCeMax) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  auto c = test::segment_tiles_case();
  c.loss.kind = loss_kind::ce_max;
  compare(c, 20, true, test::add_second_data_projection);
}

// Every trainable model once, smooth spikes and a per-step loss (the gradient checks' model cases).
TEST(GpuTrain, EveryModelCase) {
  if (const auto why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  for (auto c : test::model_cases()) {
    c.loss.kind = loss_kind::ce_per_step;
    compare(c, 3, false);
  }
}

}  // namespace
