#pragma once
// A population of one concrete neuron model: its parameters, derived constants and the fused-update launcher.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/population.hpp"
#include "kernels/cpu_parallel.hpp"
#include "kernels/neuron_update.hpp"

namespace volley {

template <class Model>
model_info describe_model() {
  static_assert(Model::n_ports + 1 + max_receptors <= max_channels && max_channels <= kernels::view_max_channels,
                "the model's ports, the delta channel and max_receptors receptors must fit the channel tables");
  model_info m;
  m.name = Model::name;
  m.description = Model::description;
  for (const auto& f : Model::state_fields) m.state.push_back(f);
  for (int p = 0; p < Model::n_ports; ++p) m.ports.push_back({Model::ports[p].name, Model::ports[p].weight_dim});
  if constexpr (requires { Model::routes_by_sign; }) m.routes_by_sign = Model::routes_by_sign;
  if constexpr (requires { Model::takes_current; }) m.takes_current = Model::takes_current;
  if constexpr (requires { Model::spike_payload; }) m.spike_payload = Model::spike_payload;
  if constexpr (requires { Model::spike_payload_counts; }) m.spike_payload_counts = Model::spike_payload_counts;
  if constexpr (requires { Model::emits_rate; }) m.emits_rate = Model::emits_rate;
  m.membrane = Model::membrane;
  if constexpr (requires { Model::cpu_only; }) m.cpu_only = Model::cpu_only;
  if constexpr (requires { Model::clopath; }) m.clopath = Model::clopath;
  if constexpr (requires { Model::urbanczik_dendrite; }) m.urbanczik_dendrite = Model::urbanczik_dendrite;
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

  void take_parameters(const population& fresh, const std::vector<std::string>& keys, index_t begin, index_t end,
                       double dt) override {
    static_assert(std::is_trivially_copyable_v<params>, "parameters are copied field by field");
    const auto* from = dynamic_cast<const model_population*>(&fresh);
    if (from == nullptr || from->size_ != size_ || begin > end || end > size_)
      throw internal_error("take_parameters: population '" + fresh.name() + "' does not match '" + name_ + "'");
    std::vector<params> next = params_;
    if (next.size() == 1 && !(begin == 0 && end == size_ && from->params_.size() == 1)) next.assign(size_, params_[0]);
    for (index_t i = begin; i < end; ++i) {
      params& to = next[next.size() == 1 ? 0 : i];
      const params& src = from->params_[from->params_.size() == 1 ? 0 : i];
      // a field named in `keys`: copied byte for byte from the same offset of src
      Model::each_param(to, [&](const char* name, auto& field, range_check) {
        if (std::find(keys.begin(), keys.end(), name) == keys.end()) return;
        const auto offset = reinterpret_cast<const char*>(&field) - reinterpret_cast<const char*>(&to);
        std::memcpy(&field, reinterpret_cast<const char*>(&src) + offset, sizeof(field));
      });
      if (next.size() == 1) break;
    }
    for (std::size_t i = 0; i < next.size(); ++i)
      if (const char* problem = Model::validate(next[i]))
        throw parameter_error("population '" + name_ + "' (" + Model::name + ")", "params",
                              next.size() > 1 ? "neuron " + std::to_string(i) : "values", problem);
    std::vector<typename decltype(constants_)::value_type> derived;
    derived.reserve(next.size());
    for (const auto& p : next) derived.push_back(Model::derive(p, dt));
    params_ = std::move(next);
    constants_ = std::move(derived);
  }

  std::vector<models::clopath_rule> clopath_rules(double dt) const override {
    std::vector<models::clopath_rule> rules;
    if constexpr (requires { Model::clopath; })
      for (const auto& p : params_) rules.push_back(models::lower_clopath_rule(p.clopath, dt));
    return rules;
  }

  std::vector<models::urbanczik_rule> urbanczik_rules(double dt) const override {
    std::vector<models::urbanczik_rule> rules;
    if constexpr (requires { Model::urbanczik_dendrite; })
      for (const auto& p : params_) rules.push_back(Model::lower_urbanczik_rule(p, dt));
    return rules;
  }

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
      v.poisson[d] = {p.channel,    p.begin,      p.end,       p.mean_count,   p.weight,
                      std::exp(-double(p.mean_count)), p.tag, p.step_begin, p.step_end, p.amplitude_count,
                      p.omega_step, p.phase,  p.shared ? 1 : 0, p.copy_p, 0, {}};
      kernels::prepare_poisson_table(v.poisson[d]);
    }
    v.n_currents = static_cast<int>(currents_.size());
    for (int q = 0; q < v.n_currents; ++q) {
      v.currents[q] = currents_[q];
      v.currents[q].state = current_state(q);
    }
    v.extra_current = gap_current();
    v.uniform_tag = rng::make_tag(rng::purpose::neuron_noise, id_);
    v.seed = seed;
    v.step = static_cast<std::uint32_t>(step);
    return v;
  }

  // Spike-schedule models (SpikeTime): replaces the schedule by `events` (step, neuron), any order. The steps with
  // spikes are schedule_step_ (ascending); the neurons of schedule_step_[r] are schedule_neuron_[schedule_row_[r]
  // .. schedule_row_[r + 1]), ascending, in every batch instance: a row of a table, which a GPU reads without host
  // work, and memory in proportion to the spikes (not to the time span).
  void set_spike_schedule(std::vector<std::pair<std::uint32_t, index_t>> events) {
    std::sort(events.begin(), events.end());
    events.erase(std::unique(events.begin(), events.end()), events.end());
    schedule_step_.clear();
    schedule_count_.clear();
    schedule_row_.assign(1, 0);
    schedule_neuron_.clear();
    for (const auto& [s, i] : events) {
      if (schedule_step_.empty() || schedule_step_.back() != s) {
        schedule_step_.push_back(s);
        schedule_row_.push_back(schedule_row_.back());
      }
      ++schedule_row_.back();
      schedule_neuron_.push_back(i);
    }
  }

  // Spike-schedule models with a count payload (spike_train_injector): events (step, neuron, count); the events of
  // one neuron in one step become one spike whose count (state 0) is their sum.
  void set_spike_counts(std::vector<std::tuple<std::uint32_t, index_t, real_t>> events) {
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
      return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
    });
    std::vector<std::pair<std::uint32_t, index_t>> cells;
    schedule_count_.clear();
    for (const auto& [s, i, n] : events) {
      if (!cells.empty() && cells.back() == std::pair{s, i}) {
        schedule_count_.back() += n;
        continue;
      }
      cells.emplace_back(s, i);
      schedule_count_.push_back(n);
    }
    std::vector<real_t> counts = std::move(schedule_count_);
    set_spike_schedule(std::move(cells));  // sorted and unique: the rows keep the order of `counts`
    schedule_count_ = std::move(counts);
  }

  // The schedule table (GPU upload): steps with spikes, row offsets, neurons, counts (empty: 1 each).
  const std::vector<std::uint64_t>& schedule_steps() const { return schedule_step_; }
  const std::vector<std::uint64_t>& schedule_rows() const { return schedule_row_; }
  const std::vector<index_t>& schedule_neurons() const { return schedule_neuron_; }
  const std::vector<real_t>& schedule_counts() const { return schedule_count_; }

  void update_family(const std::vector<population*>& family, std::uint64_t step, std::uint64_t seed,
                     int threads) override {
    if constexpr (requires { requires Model::spike_schedule; }) {
      for (population* p : family) static_cast<model_population*>(p)->emit_scheduled(step);
      return;
    }
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
    const int nt = kernels::threads_for_work(start[n_pop], threads, 1024);
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
  // Spike-schedule models: this step's row of the schedule becomes the spike list; state 0 marks the spikers.
  void emit_scheduled(std::uint64_t step) {
    std::fill(state_[0].begin(), state_[0].end(), real_t(0));
    const auto row = std::lower_bound(schedule_step_.begin(), schedule_step_.end(), step);
    const bool any = row != schedule_step_.end() && *row == step;
    const std::size_t r = static_cast<std::size_t>(row - schedule_step_.begin());
    const std::uint64_t a = any ? schedule_row_[r] : 0, b = any ? schedule_row_[r + 1] : 0;
    for (std::uint32_t inst = 0; inst < batch_; ++inst) {
      spikes_[inst].assign(schedule_neuron_.begin() + a, schedule_neuron_.begin() + b);
      for (std::uint64_t e = a; e < b; ++e)
        state_[0][std::size_t(inst) * size_ + schedule_neuron_[e]] = schedule_count_.empty() ? 1 : schedule_count_[e];
    }
  }

  struct spike_event {
    std::uint32_t population, batch;
    index_t neuron;
  };
  std::vector<params> params_;
  std::vector<typename Model::constants> constants_;
  std::vector<std::vector<spike_event>> thread_spikes_;
  std::vector<kernels::population_view<Model>> family_views_;
  std::vector<std::uint64_t> family_start_;
  std::vector<std::uint64_t> schedule_step_;  // spike-schedule models: steps with spikes, ascending
  std::vector<std::uint64_t> schedule_row_;   // offsets of their rows in schedule_neuron_
  std::vector<index_t> schedule_neuron_;
  std::vector<real_t> schedule_count_;  // per entry of schedule_neuron_: its spike count (empty: 1 each)
};

}  // namespace volley
