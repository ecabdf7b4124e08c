#pragma once
// A population of one concrete neuron model: its parameters, derived constants and the fused-update launcher.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/population.hpp"
#include "kernels/cpu_parallel.hpp"
#include "kernels/neuron_update.hpp"

namespace volley {

template <class Model>
model_info describe_model() {
  model_info m;
  m.name = Model::name;
  m.description = Model::description;
  for (const auto& f : Model::state_fields) m.state.push_back(f);
  for (int p = 0; p < Model::n_ports; ++p) m.ports.push_back({Model::ports[p].name, Model::ports[p].weight_dim});
  if constexpr (requires { Model::routes_by_sign; }) m.routes_by_sign = Model::routes_by_sign;
  m.membrane = Model::membrane;
  return m;
}

template <class Model>
class model_population final : public population {
  static constexpr int cpu_tile = 256;  // neurons per tile of the OpenMP launcher

 public:
  using params = typename Model::params;

  // `per_neuron` holds either one parameter set (homogeneous) or one per neuron.
  model_population(std::string name, index_t size, std::uint32_t batch, std::vector<params> per_neuron, double dt)
      : population(std::move(name), describe_model<Model>(), size, batch), params_(std::move(per_neuron)) {
    constants_.reserve(params_.size());
    for (const auto& p : params_) constants_.push_back(Model::derive(p, dt));
    real_t init[Model::n_state];
    for (index_t i = 0; i < size; ++i) {
      Model::initial_state(params_[params_.size() == 1 ? 0 : i], init);
      for (int q = 0; q < Model::n_state; ++q) set_state(q, i, init[q]);
    }
  }

  const std::vector<params>& parameters() const { return params_; }

  kernels::population_view<Model> view(std::uint64_t step, std::uint64_t seed) {
    kernels::population_view<Model> v;
    v.n = size_;
    v.batch = batch_;
    for (int q = 0; q < Model::n_state; ++q) v.state[q] = state(q);
    v.constants = constants_.data();
    v.heterogeneous = constants_.size() > 1 ? 1 : 0;
    v.bias = bias_data();
    v.bias_value = bias_value_;
    v.n_channels = static_cast<int>(channels_.size());
    for (int c = 0; c < v.n_channels; ++c)
      v.channels[c] = {channel_used(c) ? ring_slot(c, step) : nullptr, static_cast<int>(channels_[c].kind),
                       channels_[c].index};
    v.n_receptors = receptor_count();
    for (int r = 0; r < v.n_receptors; ++r) {
      v.receptors[r] = receptors_[r];
      for (int q = 0; q < models::max_receptor_vars; ++q) v.receptor_state[r][q] = receptor_state(r, q);
    }
    v.n_poisson = static_cast<int>(poisson_.size());
    for (int d = 0; d < v.n_poisson; ++d) {
      const auto& p = poisson_[d];
      v.poisson[d] = {p.channel, p.begin, p.end, p.mean_count, p.weight, std::exp(-double(p.mean_count)), p.tag};
    }
    v.seed = seed;
    v.step = static_cast<std::uint32_t>(step);
    return v;
  }

  void update_family(const std::vector<population*>& family, std::uint64_t step, std::uint64_t seed,
                     int threads) override {
    // One launch over the concatenation of all (population, batch) neuron ranges of this model.
    const std::size_t n_pop = family.size();
    auto& views = family_views_;  // reused every step: no allocation in the step loop
    auto& start = family_start_;
    views.resize(n_pop);
    start.assign(n_pop + 1, 0);
    for (std::size_t p = 0; p < n_pop; ++p) {
      auto* mp = static_cast<model_population*>(family[p]);
      views[p] = mp->view(step, seed);
      start[p + 1] = start[p] + std::uint64_t(mp->size_) * mp->batch_;
      for (auto& s : mp->spikes_) s.clear();
    }
    // below ~1k neurons per thread the fork/join costs more than the update itself
    const int nt = static_cast<int>(std::min<std::uint64_t>(kernels::cpu_thread_count(threads),
                                                            std::max<std::uint64_t>(1, start[n_pop] / 1024)));
    // spikes found by each thread, per (population, batch): concatenated in thread order afterwards
    thread_spikes_.resize(std::size_t(nt));
    for (auto& ts : thread_spikes_) ts.clear();
    kernels::cpu_chunks(start[n_pop], nt, [&](int t, std::uint64_t begin, std::uint64_t end) {
      auto& out = thread_spikes_[t];
      std::size_t p = std::upper_bound(start.begin(), start.end(), begin) - start.begin() - 1;
      for (std::uint64_t g = begin; g < end;) {
        while (g >= start[p + 1]) ++p;
        const kernels::population_view<Model> v = views[p];  // a private copy: stores into state cannot alias it
        const std::uint64_t stop = std::min<std::uint64_t>(end, start[p + 1]);
        const std::uint64_t local = g - start[p];
        auto b = static_cast<std::uint32_t>(local / v.n);
        auto i = static_cast<index_t>(local % v.n);
        const auto emit = [&](index_t spiking) { out.push_back({static_cast<std::uint32_t>(p), b, spiking}); };
        while (g < stop) {
          // a tile never crosses a batch boundary
          const auto count = static_cast<int>(std::min<std::uint64_t>({std::uint64_t(cpu_tile), stop - g, v.n - i}));
          kernels::update_tile<Model, cpu_tile>(v, i, count, b, emit);
          g += count;
          i += count;
          if (i == v.n) {
            i = 0;
            ++b;
          }
        }
      }
    });
    for (const auto& ts : thread_spikes_)
      for (const auto& e : ts) family[e.population]->spikes()[e.batch].push_back(e.neuron);
  }

 private:
  struct spike_event {
    std::uint32_t population, batch;
    index_t neuron;
  };
  std::vector<params> params_;
  std::vector<typename Model::constants> constants_;
  std::vector<std::vector<spike_event>> thread_spikes_;
  std::vector<kernels::population_view<Model>> family_views_;
  std::vector<std::uint64_t> family_start_;
};

}  // namespace volley
