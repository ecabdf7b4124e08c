#pragma once
// Small trainable networks for the trainer's tests: data input -> hidden layer(s) -> readout, with the options the
// gradient checks sweep (reset modes, recurrent/sparse/delayed projections, synaptic filter, loss).
#include <cmath>
#include <ostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/train_network.hpp"
#include "engine/train_loss.hpp"
#include "models/surrogate.hpp"

namespace volley::test {

struct net_case {
  std::string name;
  std::string hidden_model = "LIF";
  nlohmann::json hidden_params = {{"tau", "10 ms"}, {"R", "1 Gohm"}, {"V_th", "1 mV"}, {"V_reset", "0 mV"}};
  double input_sd = 2;  // pA (input units of the hidden model)
  std::size_t n_in = 5, n_hidden = 7, n_out = 3, steps = 25;
  double dt = 0.5;  // ms
  std::string readout = "LeakyRateReadout";
  nlohmann::json readout_params = {{"tau", "5 ms"}};
  double readout_sd = -1;  // < 0: 1 / sqrt(fan-in)
  bool smooth = true, detach = false, next_step = false;
  bool recurrent = false, sparse = false, second_hidden = false;
  int input_delay = 0;
  double tau_syn_ms = 0;
  double input_density = 0.6;  // fraction of nonzero input entries
  int checkpoint_every = 0;
  train::loss_spec loss;
  std::vector<std::string> hidden_trainable, readout_trainable;  // neuron parameters that train
};

// gtest prints a parameter by its name (not its bytes)
inline void PrintTo(const net_case& c, std::ostream* os) { *os << c.name; }

inline net_case lif_case(const std::string& name) {
  net_case c;
  c.name = name;
  return c;
}

inline std::vector<net_case> model_cases() {
  std::vector<net_case> v;
  auto add = [&](const std::string& model, nlohmann::json params, double sd, double dt = 0.5,
                 std::vector<std::string> trainable = {}) {
    net_case c;
    c.name = "model_" + model;
    c.hidden_model = model;
    c.hidden_params = std::move(params);
    c.input_sd = sd;
    c.dt = dt;
    c.hidden_trainable = std::move(trainable);
    v.push_back(c);
  };
  // each with trainable parameters: the gradient check covers every one of them too
  add("IF", {{"R", "1 Gohm"}, {"tau", "5 ms"}}, 2, 0.5, {"tau", "V_th"});
  add("ALIF", {{"R", "1 Gohm"}, {"tau", "10 ms"}, {"beta", "0.5 mV"}}, 2, 0.5, {"tau_a", "beta", "V_th"});
  add("ExpIF", {{"R", "1 Gohm"}}, 3, 0.5, {"delta_T", "V_T"});
  add("AdExIF", {{"R", "1 Gohm"}, {"a", "1 nS"}, {"b", "5 pA"}}, 3, 0.5, {"a", "b", "tau_w"});
  add("QuaIF", {{"R", "1 Gohm"}}, 3, 0.5, {"tau", "V_c"});
  add("AdQuaIF", {{"R", "1 Gohm"}, {"a", "1 nS"}, {"b", "1 pA"}}, 3, 0.5, {"a", "b"});
  add("Izhikevich", nlohmann::json::object(), 3, 0.5, {"a", "b", "c", "d"});
  add("Gif", {{"R", "1 Gohm"}}, 5, 0.5, {"tau", "V_th_inf", "A1", "a"});
  add("HH", nlohmann::json::object(), 5e6, 0.05, {"gNa", "gK", "V_th"});
  add("WangBuzsakiHH", nlohmann::json::object(), 5e6, 0.05, {"phi"});
  add("MorrisLecar", nlohmann::json::object(), 5e7, 0.05, {"phi", "g_Ca"});
  add("FitzHughNagumo", nlohmann::json::object(), 1, 0.1, {"a", "tau_w"});
  add("HindmarshRose", nlohmann::json::object(), 1, 0.1, {"r", "s"});
  return v;
}

// The gradient checks' cases (tests/test_train_gradients.cpp): every reset mode, projection kind, loss, regulariser,
// trainable parameter and model; the portable engine's equality test runs them too.
inline std::vector<net_case> gradient_cases() {
  std::vector<net_case> v;
  v.push_back(lif_case("lif_soft_same_step"));
  auto c = lif_case("lif_soft_detached");
  c.detach = true;
  v.push_back(c);
  c = lif_case("lif_hard_reset");
  c.hidden_params["spk_reset"] = "hard";
  v.push_back(c);
  c = lif_case("lif_hard_reset_to_value");
  c.hidden_params["spk_reset"] = "hard";
  c.hidden_params["V_reset"] = "-0.5 mV";
  v.push_back(c);
  c = lif_case("lif_reset_next_step");
  c.next_step = true;
  v.push_back(c);
  c = lif_case("lif_reset_next_step_detached");
  c.next_step = true;
  c.detach = true;
  v.push_back(c);
  c = lif_case("recurrent_dense_delay2_synapse");
  c.recurrent = true;
  c.input_delay = 2;
  c.tau_syn_ms = 5;
  v.push_back(c);
  c = lif_case("sparse_input_and_recurrent");
  c.sparse = true;
  c.recurrent = true;
  v.push_back(c);
  c = lif_case("two_hidden_layers_delay1");
  c.second_hidden = true;
  c.input_delay = 1;
  v.push_back(c);
  for (auto k : {train::loss_kind::ce_max, train::loss_kind::ce_per_step}) {
    c = lif_case(std::string("loss_") + train::loss_name(k));
    c.loss.kind = k;
    v.push_back(c);
  }
  c = lif_case("loss_count_mse_spiking_readout");
  c.loss.kind = train::loss_kind::count_mse;
  c.loss.count_correct = 2;
  c.readout = "LeakySpikeReadout";
  c.readout_params = {{"tau", "5 ms"}, {"V_th", "0.5 mV"}};
  v.push_back(c);
  c = lif_case("loss_spike_sum_lif_output");
  c.loss.kind = train::loss_kind::spike_sum;
  c.readout = "LIF";
  c.readout_params = {{"tau", "5 ms"}, {"R", "1 Gohm"}, {"V_th", "0.5 mV"}};
  c.readout_sd = 2;
  v.push_back(c);
  c = lif_case("rate_regularizer");
  c.loss.regularizers.push_back({0, 1.0, 3.0, 0.05});
  v.push_back(c);
  c = lif_case("trainable_tau_and_threshold");
  c.hidden_trainable = {"tau", "V_th", "V_reset"};
  c.readout_trainable = {"tau"};
  v.push_back(c);
  c = lif_case("trainable_next_step_detached_synapse");
  c.hidden_trainable = {"tau", "V_th"};
  c.next_step = true;
  c.detach = true;
  c.tau_syn_ms = 3;
  v.push_back(c);
  c = lif_case("trainable_spiking_readout");
  c.loss.kind = train::loss_kind::count_mse;
  c.readout = "LeakySpikeReadout";
  c.readout_params = {{"tau", "5 ms"}, {"V_th", "0.5 mV"}};
  c.readout_trainable = {"tau", "V_th"};
  v.push_back(c);
  c = lif_case("checkpoint_every_4");
  c.checkpoint_every = 4;
  v.push_back(c);
  for (auto& m : model_cases()) v.push_back(m);
  return v;
}

// A hard-spike case wider than a 64-bit spike word and a warp, with odd sizes (the portable and GPU engines' tests).
inline net_case wide_case(const std::string& name) {
  net_case c = lif_case(name);
  c.smooth = false;
  c.n_in = 131;
  c.n_hidden = 97;
  c.n_out = 5;
  c.steps = 41;
  c.input_sd = 4;
  return c;
}

inline train::layer make_layer(const std::string& name, const std::string& model, std::size_t n,
                               const nlohmann::json& params, double dt, const kernels::train::step_options& o,
                               const std::vector<std::string>& trainable = {}) {
  train::layer L;
  L.name = name;
  L.n = n;
  L.kernel = train::make_layer_kernel(model, n, &params, nullptr, dt, o, "layer '" + name + "'", trainable);
  L.bias.assign(n, 0);
  return L;
}

inline train::network build_net(const net_case& c, std::uint64_t seed = 7) {
  train::network net;
  net.dt = c.dt;
  net.n_in = c.n_in;
  kernels::train::step_options o;
  o.sg = models::make_surrogate(models::surrogate_kind::sigmoid, {{"alpha", 4.0}});
  o.smooth_spikes = c.smooth ? 1 : 0;
  o.detach_reset = c.detach ? 1 : 0;
  o.reset_next_step = c.next_step ? 1 : 0;
  std::uint32_t id = 0;
  auto hidden = make_layer("hidden", c.hidden_model, c.n_hidden, c.hidden_params, c.dt, o, c.hidden_trainable);
  for (std::size_t i = 0; i < c.n_hidden; ++i) hidden.bias[i] = real_t(0.1 * c.input_sd * std::sin(1.0 + i));
  if (c.tau_syn_ms > 0) hidden.syn_decay = real_t(std::exp(-c.dt / c.tau_syn_ms));
  train::init_spec in_init;
  in_init.sd = c.input_sd;
  in_init.density = 0.6;
  hidden.inputs.push_back(train::make_projection(-1, c.n_in, c.n_hidden, c.input_delay, c.sparse, in_init, seed, id++));
  if (c.recurrent) {
    train::init_spec rec;
    rec.sd = 0.5 * c.input_sd;
    rec.density = 0.5;
    hidden.inputs.push_back(train::make_projection(0, c.n_hidden, c.n_hidden, 1, c.sparse, rec, seed, id++));
  }
  net.layers.push_back(std::move(hidden));
  if (c.second_hidden) {
    auto h2 = make_layer("hidden2", "LIF", 6, {{"tau", "8 ms"}, {"R", "1 Gohm"}}, c.dt, o);
    train::init_spec h2i;
    h2i.sd = 2;
    h2.inputs.push_back(train::make_projection(0, c.n_hidden, 6, 1, false, h2i, seed, id++));
    net.layers.push_back(std::move(h2));
  }
  auto out = make_layer("out", c.readout, c.n_out, c.readout_params, c.dt, o, c.readout_trainable);
  train::init_spec oi;
  oi.sd = c.readout_sd;
  const int last_hidden = int(net.layers.size()) - 1;
  out.inputs.push_back(train::make_projection(last_hidden, net.layers[last_hidden].n, c.n_out, 0, false, oi, seed, id++));
  for (std::size_t k = 0; k < c.n_out; ++k) out.bias[k] = real_t(0.05 * k);
  net.layers.push_back(std::move(out));
  return net;
}

// The segment sums' case (kernels/train_segment.hpp; the portable and GPU engines' tests): 9 steps x 20 samples =
// 180 (step, sample) pairs per segment (two pair tiles), a last segment of 4 steps, 300 sources (three row tiles of
// the gradient, ten 32-bit words), 45 neurons (two column tiles). Batch 20; with add_second_data_projection.
inline net_case segment_tiles_case() {
  net_case c = lif_case("segment_tiles");
  c.smooth = false;
  c.n_in = 300;
  c.n_hidden = 45;
  c.steps = 40;
  c.checkpoint_every = 9;
  c.input_sd = 3;
  c.input_density = 0.05;
  c.recurrent = true;
  return c;
}

// A second dense projection from the data into the first layer, delayed by 2 steps, right after the first (the
// segment sums of the second go on from the first's).
inline void add_second_data_projection(train::network& net) {
  train::init_spec init;
  init.sd = 2;
  init.density = 0.6;
  auto& inputs = net.layers[0].inputs;
  inputs.insert(inputs.begin() + 1, train::make_projection(-1, net.n_in, net.layers[0].n, 2, false, init, 11, 7));
}

}  // namespace volley::test
