// Trainable layers of every differentiable model: one template over the model, instantiated from the model list.
#include "engine/train_layer.hpp"

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/model_population.hpp"
#include "kernels/cpu_parallel.hpp"
#include "models/model_json.hpp"
#include "models/model_list.hpp"

namespace volley::train {
namespace {

template <class M>
class model_layer final : public layer_kernel {
 public:
  model_layer(const typename M::constants& c, std::vector<real_t> init, std::size_t n,
              const kernels::train::step_options& o)
      : c_(c), init_(std::move(init)), n_(n) {
    options_ = o;
  }
  const char* model() const override { return M::name; }
  int n_state() const override { return M::n_state; }
  bool spiking() const override { return models::differentiable_spiking_model<M>; }
  bool takes_current() const override {
    if constexpr (requires { requires !M::takes_current; }) return false;
    return true;
  }
  units::dimension input_dim() const override {
    return takes_current() ? units::dims::current : M::ports[0].weight_dim;
  }
  std::string state_name(int q) const override { return M::state_fields[q].name; }

  void initial_state(real_t* s, std::size_t count) const override {
    for (int q = 0; q < M::n_state; ++q)
      for (std::size_t i = 0; i < count; ++i) s[q * count + i] = init_[q * n_ + i % n_];
  }

  void forward(real_t* s, std::size_t count, const real_t* u, const real_t* z_prev, real_t* z,
               const real_t* z_reset, int threads) const override {
    kernels::cpu_chunks(count, chunk_threads(count, threads), [&](int, std::uint64_t begin, std::uint64_t end) {
      real_t local[M::n_state];
      for (std::uint64_t i = begin; i < end; ++i) {
        for (int q = 0; q < M::n_state; ++q) local[q] = s[q * count + i];
        z[i] = kernels::train::forward<M>(c_, options_, local, u[i], z_prev[i], z_reset ? z_reset + i : nullptr);
        for (int q = 0; q < M::n_state; ++q) s[q * count + i] = local[q];
      }
    });
  }

  void replay(real_t* s, std::size_t count, const real_t* u, const real_t* z, const real_t* z_prev,
              int threads) const override {
    kernels::cpu_chunks(count, chunk_threads(count, threads), [&](int, std::uint64_t begin, std::uint64_t end) {
      real_t local[M::n_state];
      for (std::uint64_t i = begin; i < end; ++i) {
        for (int q = 0; q < M::n_state; ++q) local[q] = s[q * count + i];
        kernels::train::replay<M>(c_, options_, local, u[i], z[i], z_prev[i]);
        for (int q = 0; q < M::n_state; ++q) s[q * count + i] = local[q];
      }
    });
  }

  void backward(const real_t* s, std::size_t count, const real_t* u, const real_t* z, const real_t* z_prev,
                real_t* lam, const real_t* gz, real_t* g_u, real_t* gz_prev, int threads) const override {
    kernels::cpu_chunks(count, chunk_threads(count, threads), [&](int, std::uint64_t begin, std::uint64_t end) {
      real_t s_local[M::n_state], lam_local[M::n_state];
      for (std::uint64_t i = begin; i < end; ++i) {
        for (int q = 0; q < M::n_state; ++q) {
          s_local[q] = s[q * count + i];
          lam_local[q] = lam[q * count + i];
        }
        real_t gp = 0;
        kernels::train::backward<M>(c_, options_, s_local, u[i], z[i], z_prev[i], lam_local, gz[i], g_u[i], gp);
        for (int q = 0; q < M::n_state; ++q) lam[q * count + i] = lam_local[q];
        gz_prev[i] += gp;
      }
    });
  }

 private:
  // below ~2k instances per thread the fork/join costs more than the step itself
  static int chunk_threads(std::size_t count, int threads) {
    return static_cast<int>(std::min<std::size_t>(kernels::cpu_thread_count(threads), std::max<std::size_t>(1, count / 2048)));
  }
  typename M::constants c_;
  std::vector<real_t> init_;  // [n_state][n]
  std::size_t n_;
};

template <class M>
std::unique_ptr<layer_kernel> make_for(std::size_t n, const nlohmann::json* params, const nlohmann::json* initial,
                                       double dt, const kernels::train::step_options& o, const std::string& where) {
  if constexpr (!models::differentiable_model<M>) {
    throw spec_error(where + ": model '" + M::name + "' has no derivatives and cannot be trained (trainable: " +
                     [] {
                       std::string s;
                       for (const auto& m : trainable_models()) s += (s.empty() ? "" : ", ") + m;
                       return s;
                     }() + ")");
  } else {
    models::population_request req;
    req.name = where;
    req.size = static_cast<index_t>(n);
    req.dt = dt;
    req.params = params;
    req.initial = initial;
    auto pop = models::create_population<M>(req);
    auto& mp = static_cast<model_population<M>&>(*pop);
    if (mp.parameters().size() != 1)
      throw spec_error(where + ": trainable layers take one value per parameter (no per-neuron lists or distributions)");
    std::vector<real_t> init(std::size_t(M::n_state) * n);
    for (int q = 0; q < M::n_state; ++q)
      for (std::size_t i = 0; i < n; ++i) init[q * n + i] = mp.state(q)[i];
    const auto c = M::derive(mp.parameters()[0], dt);
    kernels::train::step_options opts = o;
    if constexpr (models::differentiable_spiking_model<M> && kernels::train::has_counter<M>) {
      opts.refractory = c.ref_steps > 0 ? 1 : 0;
      if (opts.refractory && (o.smooth_spikes || o.reset_next_step))
        throw spec_error(where + ": model '" + M::name + "' has a refractory period (tau_ref > 0) and trains only " +
                         "with hard spikes and the reset in the same step");
    }
    return std::make_unique<model_layer<M>>(c, std::move(init), n, opts);
  }
}

template <class... Ms>
std::unique_ptr<layer_kernel> dispatch(models::model_list<Ms...>, const std::string& model, std::size_t n,
                                       const nlohmann::json* params, const nlohmann::json* initial, double dt,
                                       const kernels::train::step_options& o, const std::string& where) {
  std::unique_ptr<layer_kernel> out;
  ((model == Ms::name ? (void)(out = make_for<Ms>(n, params, initial, dt, o, where)) : void()), ...);
  return out;
}

template <class... Ms>
std::vector<std::string> differentiable_names(models::model_list<Ms...>) {
  std::vector<std::string> names;
  ((models::differentiable_model<Ms> ? (void)names.emplace_back(Ms::name) : void()), ...);
  return names;
}

}  // namespace

std::vector<std::string> trainable_models() { return differentiable_names(models::all_neuron_models{}); }

std::unique_ptr<layer_kernel> make_layer_kernel(const std::string& model, std::size_t n, const nlohmann::json* params,
                                                const nlohmann::json* initial, double dt,
                                                const kernels::train::step_options& options, const std::string& where) {
  if (n == 0) throw parameter_error(where, "size", "0", "at least 1 neuron");
  auto k = dispatch(models::all_neuron_models{}, model, n, params, initial, dt, options, where);
  if (!k) {
    std::string names;
    for (const auto& m : trainable_models()) names += (names.empty() ? "" : ", ") + m;
    throw parameter_error(where, "model", "\"" + model + "\"", "a trainable model: " + names);
  }
  return k;
}

}  // namespace volley::train
