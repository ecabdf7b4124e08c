#include "engine/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/spec_values.hpp"

namespace volley::train {
namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

data::dataset head(const data::dataset& d, std::size_t n) {
  data::dataset first, rest;
  data::split(d, std::min(n, d.size()), first, rest);
  return first;
}

}  // namespace

trainer::trainer(train_spec spec)
    : spec_(std::move(spec)),
      net_((load_data(), build_network(spec_, train_.n_features, train_.n_classes))),
      engine_(make_engine(net_, {spec_.threads, spec_.checkpoint_every}, spec_.backend, &backend_note_)),
      optimizer_(spec_.optimizer, net_) {}

void trainer::load_data() {
  const auto& d = spec_.data;
  if (d.name == "yin_yang") {
    train_ = data::yin_yang(d.train, d.seed);
    validation_ = data::yin_yang(d.validation, d.seed + 1);
    test_ = data::yin_yang(d.test, d.seed + 2);
  } else if (d.name == "digits") {
    const std::string path = d.path.empty() ? data::default_digits_path() : d.path;
    if (path.empty())
      throw user_error("data 'digits': sklearn's digits.csv(.gz) was not found; install it with "
                       "`apt-get install python3-sklearn` or give data.path");
    data::dataset all = data::load_digits_csv(path);
    data::shuffle(all, d.seed);
    if (d.test + d.validation >= all.size())
      throw parameter_error("data 'digits'", "test + validation", std::to_string(d.test + d.validation),
                            "fewer than the " + std::to_string(all.size()) + " samples");
    data::dataset rest;
    data::split(all, d.test, test_, rest);
    data::split(rest, d.validation, validation_, train_);
    if (d.train > 0) train_ = head(train_, d.train);
  } else {
    data::idx_paths tr = data::default_fashion_mnist_paths(true), te = data::default_fashion_mnist_paths(false);
    if (!d.path.empty()) {
      tr = {d.path + "/train-images-idx3-ubyte.gz", d.path + "/train-labels-idx1-ubyte.gz"};
      te = {d.path + "/t10k-images-idx3-ubyte.gz", d.path + "/t10k-labels-idx1-ubyte.gz"};
    }
    if (tr.images.empty() || te.images.empty())
      throw user_error("data 'fashion_mnist': the IDX files were not found; install them with "
                       "`apt-get install dataset-fashion-mnist` or give data.path (a directory)");
    data::dataset all = data::load_idx(tr.images, tr.labels);
    test_ = head(data::load_idx(te.images, te.labels), d.test);
    if (d.validation >= all.size())
      throw parameter_error("data 'fashion_mnist'", "validation", std::to_string(d.validation),
                            "fewer than the " + std::to_string(all.size()) + " training images");
    data::split(all, all.size() - d.validation, train_, validation_);
    train_ = head(train_, d.train);
  }
  if (train_.size() == 0) throw parameter_error("data '" + d.name + "'", "train", "0", "at least one training sample");
}

void trainer::encode(const data::dataset& d, std::size_t first, std::size_t batch, std::vector<real_t>& x) const {
  const std::size_t T = spec_.steps, n = d.n_features;
  x.assign(T * batch * n, 0);
  const auto& e = spec_.encoding;
  for (std::size_t b = 0; b < batch; ++b) {
    const float* f = d.row(first + b);
    for (std::size_t j = 0; j < n; ++j) {
      if (e.kind == "current") {
        for (std::size_t t = 0; t < e.t_max; ++t) x[(t * batch + b) * n + j] = real_t(e.scale * f[j]);
      } else if (f[j] > e.threshold) {
        const double clipped = std::min(1.0, std::max(0.0, double(f[j])));
        const auto t = std::size_t(std::lround((1.0 - clipped) * double(e.t_max - 1)));
        x[(t * batch + b) * n + j] = real_t(e.scale);
      }
    }
  }
}

evaluation trainer::evaluate(const data::dataset& d) {
  evaluation ev;
  std::vector<real_t> x;
  for (std::size_t first = 0; first < d.size(); first += spec_.batch) {
    const std::size_t B = std::min(spec_.batch, d.size() - first);
    encode(d, first, B, x);
    const batch_result r = engine_->forward_only({B, spec_.steps, x.data()}, d.y.data() + first, spec_.loss);
    ev.loss += r.loss * double(B);
    ev.accuracy += double(r.correct);
    ev.samples += B;
  }
  if (ev.samples) {
    ev.loss /= double(ev.samples);
    ev.accuracy /= double(ev.samples);
  }
  return ev;
}

train_summary trainer::run(const progress_fn& progress, const std::function<void(const epoch_stats&)>& on_epoch) {
  train_summary summary;
  summary.parameters = net_.parameter_count();
  gradients g;
  std::vector<real_t> x;
  for (int epoch = epochs_done_; epoch < spec_.epochs; ++epoch) {
    data::dataset order = train_;
    data::shuffle(order, spec_.seed * 1000003u + std::uint64_t(epoch));
    epoch_stats st;
    st.epoch = epoch + 1;
    st.learning_rate = optimizer_.learning_rate(epoch, spec_.epochs);
    st.spikes_per_neuron.assign(net_.layers.size(), 0);
    const auto t0 = clock_type::now();
    std::size_t correct = 0, batches = 0;
    for (std::size_t first = 0; first < order.size(); first += spec_.batch) {
      const std::size_t B = std::min(spec_.batch, order.size() - first);
      encode(order, first, B, x);
      const batch_result r = engine_->forward_backward({B, spec_.steps, x.data()}, order.y.data() + first, spec_.loss, g);
      st.gradient_norm = optimizer_.step(net_, g, epoch, spec_.epochs);
      st.loss += r.loss * double(B);
      st.regularization += r.regularization * double(B);
      correct += r.correct;
      for (std::size_t l = 0; l < r.spikes_per_neuron.size(); ++l) st.spikes_per_neuron[l] += r.spikes_per_neuron[l] * double(B);
      ++batches;
      if (progress) progress(epoch + 1, spec_.epochs, first + B, order.size(), st.loss / double(first + B),
                             double(correct) / double(first + B));
    }
    st.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    st.samples_per_s = double(order.size()) / std::max(st.seconds, 1e-9);
    st.loss /= double(order.size());
    st.regularization /= double(order.size());
    st.train_accuracy = double(correct) / double(order.size());
    for (auto& s : st.spikes_per_neuron) s /= double(order.size());
    if (validation_.size()) st.validation_accuracy = evaluate(validation_).accuracy;
    epochs_done_ = epoch + 1;
    summary.epochs.push_back(st);
    if (on_epoch) on_epoch(st);
  }
  summary.memory = engine_->memory();
  summary.test = evaluate(test_);
  return summary;
}

void trainer::save(const std::string& path) const {
  json j;
  j["format"] = "volley-train-checkpoint";
  j["version"] = 1;
  j["name"] = spec_.name;
  j["epochs_done"] = epochs_done_;
  for (const auto& L : net_.layers) {
    json lj;
    lj["name"] = L.name;
    lj["model"] = L.kernel->model();
    lj["bias"] = L.bias;
    for (const auto& P : L.inputs) lj["inputs"].push_back({{"w", P.w}, {"synapses", P.w.size()}});
    lj["params"] = json::array();
    for (int k = 0; k < L.kernel->n_params(); ++k)
      lj["params"].push_back({{"name", L.kernel->param_name(k)}, {"values", L.kernel->param_values(k)}});
    j["layers"].push_back(lj);
  }
  j["optimizer"] = {{"steps", optimizer_.steps()}, {"m", optimizer_.first_moment()}, {"v", optimizer_.second_moment()}};
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw user_error("cannot write the training checkpoint '" + tmp + "'");
    out << j.dump() << "\n";
    if (!out) throw user_error("writing the training checkpoint '" + tmp + "' failed (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw user_error("cannot move the training checkpoint into place at '" + path + "'");
}

void trainer::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw user_error("cannot open the training checkpoint '" + path + "'");
  json j;
  try {
    in >> j;
  } catch (const json::exception& e) {
    throw spec_error("training checkpoint '" + path + "' is not valid JSON: " + e.what());
  }
  const std::string where = "training checkpoint '" + path + "'";
  if (j.value("format", "") != "volley-train-checkpoint")
    throw spec_error(where + ": not a volley training checkpoint (no format \"volley-train-checkpoint\")");
  const json& layers = spec::member(j, "layers", where);
  if (!layers.is_array() || layers.size() != net_.layers.size())
    throw spec_error(where + ": " + std::to_string(layers.size()) + " layers, the spec has " +
                     std::to_string(net_.layers.size()));
  // validate everything first, then commit
  std::vector<std::vector<real_t>> bias(net_.layers.size());
  std::vector<std::vector<std::vector<real_t>>> w(net_.layers.size()), params(net_.layers.size());
  for (std::size_t l = 0; l < net_.layers.size(); ++l) {
    const auto& L = net_.layers[l];
    const json& lj = layers[l];
    if (lj.value("name", "") != L.name || lj.value("model", "") != std::string(L.kernel->model()))
      throw spec_error(where + ": layer " + std::to_string(l) + " is '" + lj.value("name", "") + "' (" +
                       lj.value("model", "") + "), the spec has '" + L.name + "' (" + L.kernel->model() + ")");
    bias[l] = lj.at("bias").get<std::vector<real_t>>();
    if (bias[l].size() != L.n) throw spec_error(where + ": layer '" + L.name + "' bias size differs from the spec");
    const json& inputs = lj.at("inputs");
    if (inputs.size() != L.inputs.size())
      throw spec_error(where + ": layer '" + L.name + "' has " + std::to_string(inputs.size()) + " inputs, the spec " +
                       std::to_string(L.inputs.size()));
    for (std::size_t p = 0; p < L.inputs.size(); ++p) {
      w[l].push_back(inputs[p].at("w").get<std::vector<real_t>>());
      if (w[l][p].size() != L.inputs[p].w.size())
        throw spec_error(where + ": layer '" + L.name + "' input " + std::to_string(p) + " has " +
                         std::to_string(w[l][p].size()) + " weights, the spec's network " +
                         std::to_string(L.inputs[p].w.size()) + " (same seed and spec needed)");
    }
    const json pj = lj.value("params", json::array());
    if (int(pj.size()) != L.kernel->n_params())
      throw spec_error(where + ": layer '" + L.name + "' has " + std::to_string(pj.size()) +
                       " trainable parameters, the spec " + std::to_string(L.kernel->n_params()));
    for (int k = 0; k < L.kernel->n_params(); ++k) {
      if (pj[k].value("name", "") != L.kernel->param_name(k))
        throw spec_error(where + ": layer '" + L.name + "' trainable parameter " + std::to_string(k) + " is '" +
                         pj[k].value("name", "") + "', the spec's '" + L.kernel->param_name(k) + "'");
      params[l].push_back(pj[k].at("values").get<std::vector<real_t>>());
      if (params[l][k].size() != L.n) throw spec_error(where + ": layer '" + L.name + "' parameter values size");
    }
  }
  const json& o = spec::member(j, "optimizer", where);
  optimizer_.restore(o.at("steps").get<long>(), o.at("m").get<std::vector<real_t>>(), o.at("v").get<std::vector<real_t>>());
  for (std::size_t l = 0; l < net_.layers.size(); ++l) {
    net_.layers[l].bias = std::move(bias[l]);
    for (std::size_t p = 0; p < net_.layers[l].inputs.size(); ++p) net_.layers[l].inputs[p].w = std::move(w[l][p]);
    for (std::size_t k = 0; k < params[l].size(); ++k) net_.layers[l].kernel->param_values(int(k)) = std::move(params[l][k]);
    net_.layers[l].kernel->refresh();
  }
  ++net_.revision;
  epochs_done_ = j.value("epochs_done", 0);
}

void train_summary::to_json(json& out) const {
  out["parameters"] = parameters;
  out["test_accuracy"] = test.accuracy;
  out["test_loss"] = test.loss;
  out["test_samples"] = test.samples;
  out["memory"] = {{"bytes_per_neuron_step", memory.bytes_per_neuron_step()},
                   {"spike_bytes", memory.spike_bytes},
                   {"checkpoint_bytes", memory.checkpoint_bytes},
                   {"segment_bytes", memory.segment_bytes},
                   {"adjoint_bytes", memory.adjoint_bytes},
                   {"work_bytes", memory.work_bytes},
                   {"checkpoint_every", memory.checkpoint_every}};
  out["epochs"] = json::array();
  for (const auto& e : epochs)
    out["epochs"].push_back({{"epoch", e.epoch},
                             {"loss", e.loss},
                             {"regularization", e.regularization},
                             {"train_accuracy", e.train_accuracy},
                             {"validation_accuracy", e.validation_accuracy},
                             {"seconds", e.seconds},
                             {"samples_per_s", e.samples_per_s},
                             {"learning_rate", e.learning_rate},
                             {"spikes_per_neuron", e.spikes_per_neuron}});
}

}  // namespace volley::train
