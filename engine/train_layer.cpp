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
  model_layer(const typename M::params& base, double dt, std::vector<real_t> init, std::size_t n,
              const kernels::train::step_options& o, std::vector<std::string> trainable)
      : base_(base), dt_(dt), c_(M::derive(base, dt)), init_(std::move(init)), n_(n) {
    options_ = o;
    param_names_ = std::move(trainable);
    for (const auto& name : param_names_) {
      const double v = value_of(base_, name);
      param_values_.emplace_back(n_, static_cast<real_t>(v));
    }
    last_good_ = param_values_;
    refresh();
  }

  void refresh() override {
    const std::size_t K = param_names_.size();
    if (K == 0) return;
    per_neuron_.resize(n_);
    plus_.resize(K * n_);
    minus_.resize(K * n_);
    inv_2h_.resize(K * n_);
    const double rel = sizeof(real_t) == sizeof(double) ? 1e-6 : 1e-2;
    for (std::size_t i = 0; i < n_; ++i) {
      auto p = neuron_params(i);
      bool ok = M::validate(p) == nullptr;
      for (std::size_t k = 0; k < K && ok; ++k) ok = in_range(param_values_[k][i], range_of(param_names_[k]));
      if (!ok) {  // keep the last valid values of this neuron
        for (std::size_t k = 0; k < K; ++k) param_values_[k][i] = last_good_[k][i];
        p = neuron_params(i);
      }
      for (std::size_t k = 0; k < K; ++k) last_good_[k][i] = param_values_[k][i];
      per_neuron_[i] = M::derive(p, dt_);
      for (std::size_t k = 0; k < K; ++k) {
        const double v = param_values_[k][i], h = rel * std::max(1.0, std::fabs(v));
        auto pp = p, pm = p;
        set_value(pp, param_names_[k], v + h);
        set_value(pm, param_names_[k], v - h);
        plus_[k * n_ + i] = M::derive(pp, dt_);
        minus_[k * n_ + i] = M::derive(pm, dt_);
        inv_2h_[k * n_ + i] = static_cast<real_t>(1.0 / (2.0 * h));
      }
    }
  }

  // The value (in the parameter's unit) of the quantity parameter `name`; throws when there is none.
  static double value_of(const typename M::params& p, const std::string& name) {
    double v = 0;
    bool found = false;
    auto copy = p;
    M::each_param(copy, [&](const char* nm, auto& field, range_check) {
      if constexpr (models::is_quantity<std::decay_t<decltype(field)>>::value)
        if (name == nm) {
          v = field.value;
          found = true;
        }
    });
    if (!found) throw std::out_of_range(name);
    return v;
  }
  static void set_value(typename M::params& p, const std::string& name, double v) {
    M::each_param(p, [&](const char* nm, auto& field, range_check) {
      using F = std::decay_t<decltype(field)>;
      if constexpr (models::is_quantity<F>::value)
        if (name == nm) field = F(v);
    });
  }
  static range_check range_of(const std::string& name) {
    range_check r = range_check::any;
    typename M::params p = M::defaults();
    M::each_param(p, [&](const char* nm, auto&, range_check check) {
      if (name == nm) r = check;
    });
    return r;
  }
  typename M::params neuron_params(std::size_t i) const {
    auto p = base_;
    for (std::size_t k = 0; k < param_names_.size(); ++k) set_value(p, param_names_[k], param_values_[k][i]);
    return p;
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
  constants_view constants() const override {
    constants_view v;
    v.shared = &c_;
    v.bytes = sizeof(typename M::constants);
    if (!per_neuron_.empty()) {
      v.per_neuron = per_neuron_.data();
      v.plus = plus_.data();
      v.minus = minus_.data();
      v.inv_2h = inv_2h_.data();
    }
    return v;
  }

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
        z[i] = kernels::train::forward<M>(constants_of(i), options_, local, u[i], z_prev[i], z_reset ? z_reset + i : nullptr);
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
        kernels::train::replay<M>(constants_of(i), options_, local, u[i], z[i], z_prev[i]);
        for (int q = 0; q < M::n_state; ++q) s[q * count + i] = local[q];
      }
    });
  }

  void backward(const real_t* s, std::size_t count, const real_t* u, const real_t* z, const real_t* z_prev,
                real_t* lam, const real_t* gz, real_t* g_u, real_t* gz_prev, real_t* g_param,
                int threads) const override {
    const std::size_t K = param_names_.size();
    kernels::cpu_chunks(count, chunk_threads(count, threads), [&](int, std::uint64_t begin, std::uint64_t end) {
      real_t s_local[M::n_state], lam_local[M::n_state];
      for (std::uint64_t i = begin; i < end; ++i) {
        for (int q = 0; q < M::n_state; ++q) {
          s_local[q] = s[q * count + i];
          lam_local[q] = lam[q * count + i];
        }
        const std::size_t neuron = i % n_;
        for (std::size_t k = 0; k < K && g_param; ++k)
          g_param[k * count + i] += kernels::train::param_grad<M>(
              constants_of(i), plus_[k * n_ + neuron], minus_[k * n_ + neuron], inv_2h_[k * n_ + neuron], options_,
              s_local, u[i], z[i], z_prev[i], lam_local, gz[i]);
        real_t gp = 0;
        kernels::train::backward<M>(constants_of(i), options_, s_local, u[i], z[i], z_prev[i], lam_local, gz[i], g_u[i],
                                    gp);
        for (int q = 0; q < M::n_state; ++q) lam[q * count + i] = lam_local[q];
        gz_prev[i] += gp;
      }
    });
  }

 private:
  const typename M::constants& constants_of(std::size_t instance) const {
    return per_neuron_.empty() ? c_ : per_neuron_[instance % n_];
  }
  // below ~2k instances per thread the fork/join costs more than the step itself
  static int chunk_threads(std::size_t count, int threads) {
    return kernels::threads_for_work(count, threads, 2048);
  }
  typename M::params base_;
  double dt_;
  typename M::constants c_;
  std::vector<real_t> init_;  // [n_state][n]
  std::size_t n_;
  // trainable parameters: constants per neuron, and with each parameter moved by +-h ([param][neuron])
  std::vector<std::vector<real_t>> last_good_;
  std::vector<typename M::constants> per_neuron_, plus_, minus_;
  std::vector<real_t> inv_2h_;
};

template <class M>
std::unique_ptr<layer_kernel> make_for(std::size_t n, const nlohmann::json* params, const nlohmann::json* initial,
                                       double dt, const kernels::train::step_options& o, const std::string& where,
                                       const std::vector<std::string>& trainable) {
  if constexpr (!models::differentiable_model<M>) {
    (void)trainable;
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
    for (const auto& name : trainable) {
      try {
        model_layer<M>::value_of(mp.parameters()[0], name);
      } catch (const std::out_of_range&) {
        std::string names;
        auto p = M::defaults();
        M::each_param(p, [&](const char* nm, auto& field, range_check) {
          if constexpr (models::is_quantity<std::decay_t<decltype(field)>>::value)
            names += (names.empty() ? "" : ", ") + std::string(nm);
        });
        throw parameter_error(where, "trainable", "\"" + name + "\"", "a numeric parameter of " +
                                                                         std::string(M::name) + ": " + names);
      }
    }
    return std::make_unique<model_layer<M>>(mp.parameters()[0], dt, std::move(init), n, opts, trainable);
  }
}

template <class... Ms>
std::unique_ptr<layer_kernel> dispatch(models::model_list<Ms...>, const std::string& model, std::size_t n,
                                       const nlohmann::json* params, const nlohmann::json* initial, double dt,
                                       const kernels::train::step_options& o, const std::string& where,
                                       const std::vector<std::string>& trainable) {
  std::unique_ptr<layer_kernel> out;
  ((model == Ms::name ? (void)(out = make_for<Ms>(n, params, initial, dt, o, where, trainable)) : void()), ...);
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
                                                const kernels::train::step_options& options, const std::string& where,
                                                const std::vector<std::string>& trainable) {
  if (n == 0) throw parameter_error(where, "size", "0", "at least 1 neuron");
  auto k = dispatch(models::all_neuron_models{}, model, n, params, initial, dt, options, where, trainable);
  if (!k) {
    std::string names;
    for (const auto& m : trainable_models()) names += (names.empty() ? "" : ", ") + m;
    throw parameter_error(where, "model", "\"" + model + "\"", "a trainable model: " + names);
  }
  return k;
}

}  // namespace volley::train
