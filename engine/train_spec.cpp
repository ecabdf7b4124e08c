#include "engine/train_spec.hpp"

#include "host/backend.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "engine/error.hpp"
#include "engine/spec_values.hpp"
#include "models/surrogate.hpp"

namespace volley::train {
namespace {

using json = nlohmann::json;

// Rejects keys the reader does not know, listing the known ones (a typo must not be silently ignored).
void check_keys(const json& j, const std::set<std::string>& known, const std::string& where) {
  if (!j.is_object()) throw spec_error(where + ": expected an object, got " + j.dump());
  for (const auto& [k, v] : j.items())
    if (!known.count(k)) {
      std::string names;
      for (const auto& n : known) names += (names.empty() ? "" : ", ") + n;
      throw spec_error(where + ": unknown key '" + k + "' (known: " + names + ")");
    }
}

template <class T>
T number(const json& j, const char* key, T fallback, const std::string& where) {
  if (!j.contains(key)) return fallback;
  const json& v = j[key];
  if (!v.is_number()) throw parameter_error(where, key, v.dump(), "a number");
  if constexpr (std::is_integral_v<T>) {
    // get<T>() would wrap or truncate anything outside T (2^32 + 1 epochs as 1): refuse it instead
    constexpr auto lowest = std::int64_t(std::numeric_limits<T>::min());
    constexpr auto highest = std::uint64_t(std::numeric_limits<T>::max());
    const bool fits = v.is_number_unsigned()
                          ? v.get<std::uint64_t>() <= highest
                          : v.is_number_integer() && v.get<std::int64_t>() >= lowest &&
                                (v.get<std::int64_t>() < 0 || std::uint64_t(v.get<std::int64_t>()) <= highest);
    if (!fits)
      throw parameter_error(where, key, v.dump(),
                            (std::is_unsigned_v<T> ? "a non-negative integer" : "an integer") + std::string(" up to ") +
                                std::to_string(std::numeric_limits<T>::max()));
  }
  return v.get<T>();
}

std::string text(const json& j, const char* key, const std::string& fallback, const std::string& where) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_string()) throw parameter_error(where, key, j[key].dump(), "a string");
  return j[key].get<std::string>();
}

// A quantity in `dim`, or a bare number when the dimension is none.
double quantity_or_number(const json& v, units::dimension dim, const std::string& where, const std::string& name) {
  if (v.is_number() && dim == units::dims::none) return v.get<double>();
  return spec::quantity(v, dim, where, name);
}

int steps_of(const json& j, const char* key, double dt, const std::string& where) {
  if (!j.contains(key)) return -1;
  const double d = spec::quantity(j[key], units::dims::time, where, key);
  const double steps = d / dt;
  if (!(d >= 0) || std::fabs(steps - std::round(steps)) > 1e-9 * std::max(1.0, steps))
    throw parameter_error(where, key, j[key].dump(), "a non-negative multiple of dt = " + std::to_string(dt) + " ms");
  return int(std::lround(steps));
}

}  // namespace

train_spec parse_train_spec(const json& j, const std::string& where) {
  check_keys(j, {"name", "dt", "steps", "seed", "data", "encoding", "surrogate", "reset", "sparse_backward", "layers",
                 "loss", "training"},
             where);
  train_spec s;
  s.name = text(j, "name", "training", where);
  s.dt = spec::quantity(spec::member(j, "dt", where), units::dims::time, where, "dt");
  if (!(s.dt > 0)) throw parameter_error(where, "dt", j["dt"].dump(), "a positive time step");
  s.steps = number<std::size_t>(j, "steps", 0, where);
  if (s.steps == 0) throw parameter_error(where, "steps", j.value("steps", json()).dump(), "at least 1 step per sample");
  s.seed = number<std::uint64_t>(j, "seed", 1, where);

  const json data = j.value("data", json::object());
  const std::string dw = where + ", data";
  check_keys(data, {"name", "train", "validation", "test", "seed", "path"}, dw);
  s.data.name = text(data, "name", "yin_yang", dw);
  if (s.data.name != "yin_yang" && s.data.name != "digits" && s.data.name != "fashion_mnist")
    throw parameter_error(dw, "name", "\"" + s.data.name + "\"", "\"yin_yang\", \"digits\" or \"fashion_mnist\"");
  if (s.data.name == "digits") s.data = {s.data.name, 0, 0, 360, s.data.seed, ""};  // train 0: all the rest
  if (s.data.name == "fashion_mnist") s.data = {s.data.name, 60000, 0, 10000, s.data.seed, ""};
  s.data.train = number<std::size_t>(data, "train", s.data.train, dw);
  s.data.validation = number<std::size_t>(data, "validation", s.data.validation, dw);
  s.data.test = number<std::size_t>(data, "test", s.data.test, dw);
  s.data.seed = number<std::uint64_t>(data, "seed", s.data.seed, dw);
  s.data.path = text(data, "path", "", dw);
  if (s.data.name == "yin_yang")  // generated: one Philox stream index per sample
    for (const auto& [key, n] : std::initializer_list<std::pair<const char*, std::size_t>>{
             {"train", s.data.train}, {"validation", s.data.validation}, {"test", s.data.test}})
      if (n > (std::size_t{1} << 32))
        throw parameter_error(dw, key, std::to_string(n), "at most 2^32 Yin-Yang samples");

  const json enc = j.value("encoding", json::object());
  const std::string ew = where + ", encoding";
  check_keys(enc, {"kind", "scale", "t_max", "threshold"}, ew);
  s.encoding.kind = text(enc, "kind", "current", ew);
  if (s.encoding.kind != "current" && s.encoding.kind != "latency")
    throw parameter_error(ew, "kind", "\"" + s.encoding.kind + "\"", "\"current\" or \"latency\"");
  s.encoding.scale = number<double>(enc, "scale", 1.0, ew);
  s.encoding.threshold = number<double>(enc, "threshold", 0.0, ew);
  const int t_max = steps_of(enc, "t_max", s.dt, ew);
  s.encoding.t_max = t_max < 0 ? s.steps : std::size_t(t_max);
  if (s.encoding.t_max == 0 || s.encoding.t_max > s.steps)
    throw parameter_error(ew, "t_max", enc.value("t_max", json()).dump(), "a coding window of 1 step up to the sample");

  s.step.sg = j.contains("surrogate") ? models::parse_surrogate(j["surrogate"], where + ", surrogate")
                                      : models::surrogate{};
  const json reset = j.value("reset", json::object());
  const std::string rw = where + ", reset";
  check_keys(reset, {"detach", "timing"}, rw);
  if (reset.contains("detach") && !reset["detach"].is_boolean())
    throw parameter_error(rw, "detach", reset["detach"].dump(), "true or false");
  s.step.detach_reset = reset.value("detach", false) ? 1 : 0;
  const std::string timing = text(reset, "timing", "same_step", rw);
  if (timing != "same_step" && timing != "next_step")
    throw parameter_error(rw, "timing", "\"" + timing + "\"", "\"same_step\" (brainpy.state, SpikingJelly, Norse) or "
                                                              "\"next_step\" (snnTorch)");
  s.step.reset_next_step = timing == "next_step" ? 1 : 0;
  const double band = number<double>(j, "sparse_backward", 0.0, where);
  if (!(band >= 0)) throw parameter_error(where, "sparse_backward", std::to_string(band),
                                          "a band of the spike argument >= 0 (0: exact backward)");
  s.step.sparse_band = real_t(band);

  s.layers = spec::member(j, "layers", where);
  if (!s.layers.is_array() || s.layers.empty()) throw spec_error(where + ": 'layers' must be a non-empty list");

  const json loss = j.value("loss", json::object());
  const std::string lw = where + ", loss";
  check_keys(loss, {"kind", "count_correct", "count_wrong", "regularizers"}, lw);
  s.loss.kind = parse_loss_kind(text(loss, "kind", "ce_mean", lw), lw);
  s.loss.count_correct = number<double>(loss, "count_correct", s.loss.count_correct, lw);
  s.loss.count_wrong = number<double>(loss, "count_wrong", s.loss.count_wrong, lw);
  for (const auto& r : loss.value("regularizers", json::array())) {
    const std::string gw = lw + ", regularizer";
    check_keys(r, {"layer", "lower", "upper", "strength"}, gw);
    rate_regularizer reg;
    reg.lower = number<double>(r, "lower", 0.0, gw);
    reg.upper = r.contains("upper") ? number<double>(r, "upper", 0.0, gw) : reg.upper;
    reg.strength = number<double>(r, "strength", 0.0, gw);
    if (!(reg.strength >= 0)) throw parameter_error(gw, "strength", std::to_string(reg.strength), "a value >= 0");
    if (!(reg.lower <= reg.upper))
      throw parameter_error(gw, "lower", std::to_string(reg.lower), "at most upper = " + std::to_string(reg.upper));
    s.loss.regularizers.push_back(reg);
    s.regularizer_layers.push_back(text(r, "layer", "", gw));
  }

  const json tr = j.value("training", json::object());
  const std::string tw = where + ", training";
  check_keys(tr, {"epochs", "batch", "optimizer", "threads", "checkpoint_every", "backend"}, tw);
  s.epochs = number<int>(tr, "epochs", 10, tw);
  if (s.epochs < 0) throw parameter_error(tw, "epochs", std::to_string(s.epochs), "at least 0");
  s.batch = number<std::size_t>(tr, "batch", 32, tw);
  if (s.batch == 0) throw parameter_error(tw, "batch", "0", "at least 1 sample");
  s.threads = number<int>(tr, "threads", 0, tw);
  if (s.threads < 0 || s.threads > max_cpu_threads)
    throw parameter_error(tw, "threads", std::to_string(s.threads), "0 (all) to " + std::to_string(max_cpu_threads));
  s.checkpoint_every = number<int>(tr, "checkpoint_every", 0, tw);
  s.backend = text(tr, "backend", s.backend, tw);
  parse_backend(s.backend, tw);  // a parameter_error naming the key's value for anything else
  if (s.checkpoint_every < 0)
    throw parameter_error(tw, "checkpoint_every", std::to_string(s.checkpoint_every), "steps >= 0 (0: sqrt(steps))");
  const json opt = tr.value("optimizer", json::object());
  const std::string ow = tw + ", optimizer";
  check_keys(opt, {"kind", "lr", "momentum", "beta1", "beta2", "eps", "clip", "schedule", "gamma", "step_epochs",
                   "lr_min"}, ow);
  auto& o = s.optimizer;
  o.kind = text(opt, "kind", o.kind, ow);
  o.lr = number<double>(opt, "lr", o.lr, ow);
  o.momentum = number<double>(opt, "momentum", o.momentum, ow);
  o.beta1 = number<double>(opt, "beta1", o.beta1, ow);
  o.beta2 = number<double>(opt, "beta2", o.beta2, ow);
  o.eps = number<double>(opt, "eps", o.eps, ow);
  o.clip = number<double>(opt, "clip", o.clip, ow);
  o.schedule = text(opt, "schedule", o.schedule, ow);
  o.gamma = number<double>(opt, "gamma", o.gamma, ow);
  o.step_epochs = number<int>(opt, "step_epochs", o.step_epochs, ow);
  o.lr_min = number<double>(opt, "lr_min", o.lr_min, ow);
  o.validate(ow);
  return s;
}

train_spec load_train_spec(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw spec_error("cannot open training spec '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  const json j = spec::parse_text(text.str(), "training spec '" + path + "'");
  return parse_train_spec(j, "training spec '" + path + "'");
}

network build_network(train_spec& s, std::size_t n_in, std::size_t n_classes) {
  network net;
  net.dt = s.dt;
  net.n_in = n_in;
  std::vector<std::string> names;
  for (std::size_t l = 0; l < s.layers.size(); ++l) {
    const json& lj = s.layers[l];
    const std::string where = "layer " + std::to_string(l);
    if (!lj.is_object()) throw spec_error(where + ": expected an object, got " + lj.dump());
    names.push_back(lj.contains("name") ? spec::text(lj["name"], where, "name") : std::string());
  }
  std::uint32_t projection_id = 0;
  for (std::size_t l = 0; l < s.layers.size(); ++l) {
    const json& lj = s.layers[l];
    const std::string where = "layer " + std::to_string(l) + " ('" + names[l] + "')";
    check_keys(lj, {"name", "model", "size", "params", "initial", "trainable", "tau_syn", "bias", "train_bias", "inputs"},
               where);
    if (names[l].empty()) throw spec_error(where + ": every layer needs a 'name'");
    layer L;
    L.name = names[l];
    L.n = number<std::size_t>(lj, "size", 0, where);
    if (L.n > max_population_size)  // as a population's; 1e19 neurons went on allocating instead of failing
      throw parameter_error(where, "size", std::to_string(L.n),
                            "at most " + std::to_string(max_population_size) + " neurons");
    const bool last = l + 1 == s.layers.size();
    if (last && L.n != n_classes)
      throw parameter_error(where, "size", std::to_string(L.n),
                            std::to_string(n_classes) + " (the output layer has one neuron per class of '" +
                                s.data.name + "')");
    const json* params = lj.contains("params") ? &lj["params"] : nullptr;
    const json* initial = lj.contains("initial") ? &lj["initial"] : nullptr;
    std::vector<std::string> trainable;
    if (lj.contains("trainable")) {
      if (!lj["trainable"].is_array()) throw parameter_error(where, "trainable", lj["trainable"].dump(), "a list of parameter names");
      for (const auto& t : lj["trainable"]) {
        if (!t.is_string()) throw parameter_error(where, "trainable", t.dump(), "a parameter name (string)");
        trainable.push_back(t.get<std::string>());
      }
    }
    L.kernel = make_layer_kernel(text(lj, "model", "", where), L.n, params, initial, s.dt, s.step, where, trainable);
    const units::dimension in_dim = L.kernel->input_dim();
    L.bias.assign(L.n, lj.contains("bias") ? real_t(quantity_or_number(lj["bias"], in_dim, where, "bias")) : real_t(0));
    L.train_bias = lj.contains("train_bias") ? spec::flag(lj["train_bias"], where, "train_bias") : true;
    if (lj.contains("tau_syn")) {
      const double tau = spec::quantity(lj["tau_syn"], units::dims::time, where, "tau_syn");
      if (!(tau > 0)) throw parameter_error(where, "tau_syn", lj["tau_syn"].dump(), "a positive time constant");
      L.syn_decay = real_t(std::exp(-s.dt / tau));
    }
    const json& inputs = spec::member(lj, "inputs", where);
    if (!inputs.is_array() || inputs.empty()) throw spec_error(where + ": 'inputs' must be a non-empty list");
    for (std::size_t p = 0; p < inputs.size(); ++p) {
      const json& pj = inputs[p];
      const std::string pw = where + ", input " + std::to_string(p);
      check_keys(pj, {"from", "delay", "sparse", "density", "mean", "sd", "gain", "trainable"}, pw);
      const std::string from = text(pj, "from", "", pw);
      int source = -2;
      if (from == "input") source = -1;
      for (std::size_t k = 0; k < names.size(); ++k)
        if (names[k] == from) source = int(k);
      if (source == -2) throw parameter_error(pw, "from", "\"" + from + "\"", "\"input\" or the name of a layer");
      const int delay = std::max(0, steps_of(pj, "delay", s.dt, pw));
      init_spec init;
      init.mean = pj.contains("mean") ? quantity_or_number(pj["mean"], in_dim, pw, "mean") : 0.0;
      init.sd = pj.contains("sd") ? quantity_or_number(pj["sd"], in_dim, pw, "sd") : -1.0;  // -1: the default
      if (pj.contains("sd") && !(init.sd >= 0))
        throw parameter_error(pw, "sd", pj["sd"].dump(), "a standard deviation >= 0");
      init.gain = pj.contains("gain") ? quantity_or_number(pj["gain"], in_dim, pw, "gain") : 1.0;
      init.density = number<double>(pj, "density", 1.0, pw);
      const bool sparse = pj.contains("sparse") ? spec::flag(pj["sparse"], pw, "sparse") : false;
      const std::size_t n_pre = source < 0 ? n_in : number<std::size_t>(s.layers[source], "size", 0, pw);
      projection P = make_projection(source, n_pre, L.n, delay, sparse, init, s.seed, projection_id++);
      P.trainable = pj.contains("trainable") ? spec::flag(pj["trainable"], pw, "trainable") : true;
      L.inputs.push_back(std::move(P));
    }
    net.layers.push_back(std::move(L));
  }
  for (std::size_t r = 0; r < s.regularizer_layers.size(); ++r) {
    int found = -1;
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == s.regularizer_layers[r]) found = int(k);
    if (found < 0)
      throw parameter_error("loss, regularizer " + std::to_string(r), "layer", "\"" + s.regularizer_layers[r] + "\"",
                            "the name of a layer");
    s.loss.regularizers[r].layer = found;
  }
  net.validate();
  return net;
}

}  // namespace volley::train
