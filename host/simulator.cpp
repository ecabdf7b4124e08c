#include "host/simulator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <span>

#include "engine/error.hpp"
#include "engine/units.hpp"
#include "host/gpu_engine.hpp"
#include "host/state_check.hpp"
#include "kernels/cpu_parallel.hpp"

namespace volley {

namespace {
// The spikes of one run: the running totals less those before it (run_stats holds one run, as synaptic_events).
std::vector<population_stats> spikes_of_run(std::vector<population_stats> totals,
                                            const std::vector<population_stats>& before) {
  for (std::size_t p = 0; p < totals.size(); ++p) totals[p].spikes -= before[p].spikes;
  return totals;
}
}  // namespace

simulator::simulator(network& net, run_options options) : net_(net), options_(std::move(options)) {
  decision_ = resolve_backend(options_.backend);
  for (const auto& p : net_.projections()) {
    if (!p.cpu_only() || decision_.kind != backend_kind::gpu) continue;
    const std::string what = p.weight_plastic() ? "STDP (" + p.stdp_model + ")"
                             : p.align_pre      ? "an align-pre synapse"
                             : p.quantal()      ? "quantal_stp_synapse"
                             : p.record_weights ? "a weight recorder"
                                                : "unreliable synapses from a spike-count source";
    if (options_.backend != backend_kind::automatic)
      throw parameter_error("projection '" + p.name + "'", "synapse_model", what,
                            "the CPU backend (--backend cpu): STDP, quantal and align-pre synapses, unreliable ones "
                            "from spike counts and weight recording run on the CPU only so far");
    decision_.kind = backend_kind::cpu;
    decision_.note = "cpu: projection '" + p.name + "' has " + what + ", which runs on the CPU only";
    break;
  }
  if (!net_.nest_gap().empty() && decision_.kind == backend_kind::gpu) {
    if (options_.backend != backend_kind::automatic)
      throw parameter_error("NEST gap junctions (gap_junction)", "backend", "gpu",
                            "the CPU backend (--backend cpu): NEST's waveform relaxation runs on the CPU only");
    decision_.kind = backend_kind::cpu;
    decision_.note = "cpu: NEST gap junctions (waveform relaxation) run on the CPU only";
  }
  for (const auto& p : net_.populations()) {
    if (!p->model().cpu_only || decision_.kind != backend_kind::gpu) continue;
    if (options_.backend != backend_kind::automatic)
      throw parameter_error("population '" + p->name() + "'", "model", p->model().name,
                            "the CPU backend (--backend cpu): this model has no GPU kernel");
    decision_.kind = backend_kind::cpu;
    decision_.note = "cpu: population '" + p->name() + "' (" + p->model().name + ") runs on the CPU only";
    break;
  }
  if (options_.threads < 0 || options_.threads > max_cpu_threads)
    throw parameter_error("run options", "threads", std::to_string(options_.threads),
                          "0 (default: all) to " + std::to_string(max_cpu_threads));
  if (decision_.kind == backend_kind::gpu && options_.gpu_draw_synapses) {
    device_synapses_ = gpu::build_connectivity_on_device(net_, options_.device);
    net_.finalize(device_synapses_ == nullptr);  // projections drawn on the device keep empty host arrays
  } else {
    net_.finalize();
  }
  adopt_new_populations();
  record_.dt_ms = net_.dt();
  record_.seed = net_.seed();
}

void simulator::adopt_new_populations() {
  // group populations by model: one fused launch per family
  families_.clear();
  std::map<std::string, std::size_t> family_of;
  for (auto& p : net_.populations()) {
    if (p->model().cpu_only && decision_.kind == backend_kind::gpu)
      throw parameter_error("population '" + p->name() + "'", "model", p->model().name,
                            "a model with a GPU kernel: this run is on the GPU, and " + p->model().name +
                                " runs on the CPU only (add it before the first run)");
    auto [it, fresh] = family_of.try_emplace(p->model().name, families_.size());
    if (fresh) families_.emplace_back();
    families_[it->second].push_back(p.get());
  }
  spike_record_of_.resize(net_.populations().size(), -1);
  for (std::size_t i = totals_.populations.size(); i < net_.populations().size(); ++i)
    totals_.populations.push_back({net_.populations()[i]->name(), net_.populations()[i]->size(), 0});
  gpu_stale_ = true;
}

simulator::~simulator() = default;

std::uint64_t simulator::device_bytes() const {
  return (gpu_ ? gpu_->device_bytes() : 0) + (device_synapses_ ? gpu::device_bytes(*device_synapses_) : 0);
}

std::string simulator::backend_description() const {
  if (decision_.kind == backend_kind::gpu) {
    const auto probe = gpu::probe();
    const auto d = std::size_t(options_.device);
    return "gpu: " + (d < probe.devices.size()
                          ? probe.devices[d].name + " (" + probe.dialect + ", " + probe.devices[d].arch + ")"
                          : probe.dialect);
  }
  return "cpu: " + std::to_string(kernels::cpu_thread_count(options_.threads)) + " thread(s)";
}

void simulator::record_spikes(const std::string& population) {
  const auto& p = net_.find(population);
  if (p.model().emits_rate)
    throw parameter_error("spike recording of population '" + p.name() + "'", "model", p.model().name,
                          "a spiking model: " + p.model().name + " sends rates, not spikes (record its 'rate')");
  if (spike_record_of_[p.id()] >= 0) return;
  spike_record_of_[p.id()] = static_cast<int>(record_.spikes.size());
  record_.spikes.push_back({p.name(), {}, {}, {}, {}});
  gpu_stale_ = true;
}

void simulator::record_trace(const trace_request& request) {
  population& p = net_.find(request.population);
  const std::string where = "trace of population '" + p.name() + "'";
  trace_record tr;
  tr.population = p.name();
  tr.variable = request.variable;
  tr.batch_size = p.batch();
  real_t* column = nullptr;
  int receptor = -1;
  const int var = p.find_state(request.variable);
  if (var >= 0) {
    column = p.state(var);
    tr.unit = units::internal_unit_name(p.model().state[var].dim);
  } else {
    const auto dot = request.variable.find('.');
    const int ch = dot == std::string::npos ? -1 : p.find_channel(request.variable.substr(0, dot));
    if (ch >= 0 && p.channels()[ch].kind == channel_kind::receptor && request.variable.substr(dot + 1) == "g") {
      receptor = p.channels()[ch].index;
      column = p.receptor_state(receptor, 0);
      tr.unit = units::internal_unit_name(p.channels()[ch].weight_dim);
    }
  }
  if (column == nullptr) {
    std::string known;
    for (const auto& f : p.model().state) known += (known.empty() ? "" : ", ") + std::string(f.name);
    for (const auto& c : p.channels())
      if (c.kind == channel_kind::receptor) known += ", " + c.name + ".g";
    throw parameter_error(where, "variable", "'" + request.variable + "'", "one of: " + known);
  }
  if (request.neurons.empty()) {
    for (index_t i = 0; i < p.size(); ++i) tr.neurons.push_back(i);
  } else {
    for (index_t i : request.neurons)
      if (i >= p.size())
        throw parameter_error(where, "neurons", std::to_string(i),
                              "indices below the population size " + std::to_string(p.size()));
    tr.neurons = request.neurons;
  }
  const double steps = request.interval.value <= 0 ? 1.0 : std::round(request.interval.value / net_.dt());
  if (!(steps >= 1 && steps <= double(std::numeric_limits<step_t>::max()))) {  // the record keeps steps as step_t
    char value[40], expected[96];
    std::snprintf(value, sizeof value, "%g ms", request.interval.value);
    std::snprintf(expected, sizeof expected, "at least dt and at most 2^32 - 1 steps of dt = %g ms", net_.dt());
    throw parameter_error(where, "interval", value, expected);
  }
  tr.interval_steps = static_cast<std::uint32_t>(steps);
  traces_.push_back({&p, column, record_.traces.size(), tr.interval_steps, var, receptor});
  record_.traces.push_back(std::move(tr));
  gpu_stale_ = true;
}

void simulator::update_neurons() {
  for (auto& family : families_) family.front()->update_family(family, step_, net_.seed(), options_.threads);
}

void simulator::deliver_external_spikes() {
  for (auto& in : net_.spike_inputs()) {
    while (in.next < in.emit_steps.size() && in.emit_steps[in.next] < step_) ++in.next;
    for (; in.next < in.emit_steps.size() && in.emit_steps[in.next] == step_; ++in.next)
      for (std::uint32_t b = 0; b < in.target->batch(); ++b) {
        real_t* slot = in.target->ring_slot(in.channel, step_ + in.delay) + std::size_t(b) * in.target->size();
        for (index_t i : in.neurons) slot[i] += in.weight;
      }
  }
}

void simulator::keep_recent_spikes() {
  if (options_.recent_spike_steps == 0) return;
  if (recent_.size() != options_.recent_spike_steps) recent_.assign(options_.recent_spike_steps, {});
  recent_step& r = recent_[step_ % recent_.size()];
  r.step = step_;
  const auto& pops = net_.populations();
  r.spikes.resize(pops.size());
  r.payloads.resize(pops.size());
  for (std::size_t i = 0; i < pops.size(); ++i) {
    const population& p = *pops[i];
    r.spikes[i].resize(p.spikes().size());
    r.payloads[i].clear();
    const int var = p.model().spike_payload;
    for (std::size_t b = 0; b < p.spikes().size(); ++b) {
      r.spikes[i][b].assign(p.spikes()[b].begin(), p.spikes()[b].end());
      if (var >= 0)
        for (index_t n : p.spikes()[b]) r.payloads[i].push_back(p.state(var)[b * p.size() + n]);
    }
  }
}

void simulator::deliver_recent_spikes(std::size_t first_projection, std::uint64_t from_step) {
  auto& all = net_.projections();
  if (first_projection >= all.size()) return;
  const std::span<projection> added(all.data() + first_projection, all.size() - first_projection);
  std::vector<const recent_step*> steps;
  for (const auto& r : recent_)
    if (!r.spikes.empty() && r.step >= from_step && r.step < step_) steps.push_back(&r);
  std::sort(steps.begin(), steps.end(), [](const auto* a, const auto* b) { return a->step < b->step; });
  auto& pops = net_.populations();
  for (const recent_step* r : steps) {
    bool any = false;
    for (const auto& p : added)
      if (p.source->id() < r->spikes.size())
        for (const auto& list : r->spikes[p.source->id()]) any = any || !list.empty();
    if (!any) continue;
    // every population's spikes and payloads of that step in place, the added projections fed, then restored
    std::vector<std::vector<std::vector<index_t>>> now(pops.size());
    std::vector<std::vector<real_t>> payload_now(pops.size());
    for (std::size_t i = 0; i < pops.size(); ++i) {
      population& p = *pops[i];
      now[i] = std::move(p.spikes());
      p.spikes() = i < r->spikes.size() ? r->spikes[i] : std::vector<std::vector<index_t>>(now[i].size());
      const int var = p.model().spike_payload;
      std::size_t k = 0;
      for (std::size_t b = 0; b < p.spikes().size() && var >= 0; ++b)
        for (index_t n : p.spikes()[b]) {
          real_t& cell = p.state(var)[b * p.size() + n];
          payload_now[i].push_back(cell);
          cell = r->payloads[i][k++];
        }
    }
    propagate_spikes(added, r->step, options_.threads, net_.seed());
    log_transmitted_weights(added, r->step, net_.seed());
    for (std::size_t i = 0; i < pops.size(); ++i) {
      population& p = *pops[i];
      const int var = p.model().spike_payload;
      std::size_t k = 0;
      for (std::size_t b = 0; b < p.spikes().size() && var >= 0; ++b)
        for (index_t n : p.spikes()[b]) p.state(var)[b * p.size() + n] = payload_now[i][k++];
      p.spikes() = std::move(now[i]);
    }
  }
}

std::vector<simulator::kept_spike> simulator::recent_spikes(std::uint32_t population, std::uint64_t from_step) const {
  std::vector<kept_spike> out;
  for (const auto& r : recent_) {
    if (r.spikes.empty() || r.step < from_step || r.step >= step_ || population >= r.spikes.size()) continue;
    std::size_t k = 0;
    for (std::size_t b = 0; b < r.spikes[population].size(); ++b)
      for (index_t n : r.spikes[population][b]) {
        const real_t payload = r.payloads[population].empty() ? real_t(1) : r.payloads[population][k];
        ++k;
        out.push_back({r.step, n, static_cast<std::uint32_t>(b), payload});
      }
  }
  std::sort(out.begin(), out.end(), [](const kept_spike& a, const kept_spike& b) { return a.step < b.step; });
  return out;
}

void simulator::record_step() {
  keep_recent_spikes();
  for (auto& p : net_.populations()) {
    if (p->model().emits_rate) continue;  // rates carried every step, not spikes (models/model_kit.hpp)
    std::uint64_t n = 0;
    for (const auto& list : p->spikes()) n += list.size();
    totals_.populations[p->id()].spikes += n;
    const int r = spike_record_of_[p->id()];
    if (r < 0 || n == 0) continue;
    auto& rec = record_.spikes[r];
    const real_t* count = spike_count_column(*p);
    for (std::uint32_t b = 0; b < p->batch(); ++b)
      for (index_t i : p->spikes()[b]) {
        rec.step.push_back(static_cast<step_t>(step_));
        rec.neuron.push_back(i);
        rec.batch.push_back(b);
        if (count) rec.multiplicity.push_back(spike_multiplicity(count[std::size_t(b) * p->size() + i]));
      }
  }
  for (auto& t : traces_) {
    if ((step_ + 1) % t.interval != 0) continue;
    auto& tr = record_.traces[t.record_index];
    tr.times_ms.push_back(double(step_ + 1) * net_.dt());
    for (std::uint32_t b = 0; b < t.pop->batch(); ++b)
      for (index_t i : tr.neurons) tr.values.push_back(t.column[std::size_t(b) * t.pop->size() + i]);
  }
}

std::uint64_t simulator::count_synaptic_events() const {
  std::uint64_t events = 0;
  for (const auto& p : net_.projections())
    for (const auto& list : p.source->spikes())
      for (index_t s : list)
        if (s >= p.source_range.begin && s < p.source_range.end)
          events += p.row_ptr[s - p.source_range.begin + 1] - p.row_ptr[s - p.source_range.begin];
  return events;
}

run_stats simulator::run(units::time_q duration) {
  if (!(duration.value >= 0) || !std::isfinite(duration.value))
    throw parameter_error("run", "duration", std::to_string(duration.value) + " ms", "a non-negative time");
  // The record keeps spike steps as step_t: a run may not go past its last value (and llround must not overflow).
  const double last_step = double(std::numeric_limits<step_t>::max());
  const double steps_asked = std::round(duration.value / net_.dt());
  if (steps_asked > last_step - double(step_)) {
    char text[160];
    std::snprintf(text, sizeof text, "at most %.10g ms (2^32 - 1 steps of dt = %g ms in all, %llu done)",
                  (last_step - double(step_)) * net_.dt(), net_.dt(), static_cast<unsigned long long>(step_));
    char value[40];
    std::snprintf(value, sizeof value, "%g ms", duration.value);
    throw parameter_error("run", "duration", value, text);
  }
  const auto steps = static_cast<std::uint64_t>(steps_asked);
  if (net_.fit_ring_buffers(step_)) gpu_stale_ = true;  // inputs with longer delays added since the last run
  if (decision_.kind == backend_kind::gpu) return run_on_gpu(steps);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto last_report = t0;
  run_stats stats;
  const auto before = totals_.populations;
  std::uint64_t events = 0;
  const std::uint64_t end = step_ + steps;
  nest_gap_system& nest_gap = net_.nest_gap();
  nest_gap.begin_run();
  while (step_ < end) {
    // Phases of one step, in this order:
    compute_gap_currents(net_.gap_projections(), options_.threads);  // 0. gap currents from the start-of-step V
    nest_gap.before_step(net_.populations(), step_, net_.seed(), options_.threads);  //    NEST's (relaxation)
    update_neurons();                                               // 1. fused update of every family, spikes collected
    nest_gap.after_step(step_, step_ + 1 == end);                   //    NEST's gap events at slice ends
    net_.archive_spikes(step_);                                     //    postsynaptic spikes for STDP
    record_step();                                                  // 2. spikes and traces into the record
    events += count_synaptic_events();                              //    (for the summary)
    propagate_spikes(net_.projections(), step_, options_.threads, net_.seed());  // 3. spikes into target rings
    log_transmitted_weights(net_.projections(), step_, net_.seed());             //    (weight recorders)
    deliver_external_spikes();                                      // 4. spike-time inputs
    ++step_;
    ++stats.steps;
    if (options_.stop && options_.stop->load(std::memory_order_relaxed)) {
      stats.interrupted = true;
      break;
    }
    if (options_.on_non_finite != non_finite_policy::ignore && ((step_ & 1023) == 0 || step_ == end)) {
      stats.diverged = first_non_finite_state(net_, step_);
      if (!stats.diverged.empty()) {
        stats.interrupted = true;
        break;
      }
    }
    if (options_.progress && (step_ & 255) == 0) {
      const auto now = clock::now();
      if (now - last_report > std::chrono::seconds(1)) {
        last_report = now;
        options_.progress(double(stats.steps) / double(steps), std::chrono::duration<double>(now - t0).count());
      }
    }
  }
  stats.run_s = std::chrono::duration<double>(clock::now() - t0).count();
  stats.simulated_ms = double(stats.steps) * net_.dt();
  stats.synaptic_events = events;
  totals_.synaptic_events += events;
  stats.populations = spikes_of_run(totals_.populations, before);
  record_.duration_ms = double(step_) * net_.dt();
  record_.interrupted = stats.interrupted;
  return finish(stats);
}

// The divergence guard's verdict: stats as they are, or numerical_error (options_.on_non_finite).
run_stats simulator::finish(run_stats stats) const {
  if (!stats.diverged.empty() && options_.on_non_finite == non_finite_policy::error)
    throw numerical_error("volley: the run stopped after step " + std::to_string(step_) + ": " + stats.diverged);
  return stats;
}

// The same phases on the device, in blocks of steps (host/gpu_engine.hpp); the stop flag is polled per block.
run_stats simulator::run_on_gpu(std::uint64_t steps) {
  const auto before = totals_.populations;
  if (!gpu_ || gpu_stale_) {
    std::vector<gpu::spike_recording> spikes;
    for (std::size_t p = 0; p < spike_record_of_.size(); ++p)
      if (spike_record_of_[p] >= 0)
        spikes.push_back({static_cast<std::uint32_t>(p), static_cast<std::size_t>(spike_record_of_[p])});
    std::vector<gpu::trace_recording> traces;
    for (const auto& t : traces_)
      traces.push_back(
          {t.pop->id(), t.state_var, t.receptor, record_.traces[t.record_index].neurons, t.interval, t.record_index});
    gpu::engine_options o;
    o.device = options_.device;
    o.block_steps = options_.gpu_block_steps;
    o.deterministic = options_.gpu_deterministic;
    gpu_.reset();
    gpu_ = gpu::make_engine(net_, spikes, traces, o, device_synapses_.get());
    gpu_base_spikes_.clear();
    for (const auto& p : totals_.populations) gpu_base_spikes_.push_back(p.spikes);  // the engine counts from 0
    gpu_stale_ = false;
  }
  const auto events_before = gpu_->synaptic_events();
  const auto t0 = std::chrono::steady_clock::now();
  run_stats stats;
  stats.steps = gpu_->run(step_, steps, record_, options_.stop);
  stats.run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  step_ += stats.steps;
  stats.interrupted = stats.steps < steps;
  stats.simulated_ms = double(stats.steps) * net_.dt();
  stats.synaptic_events = gpu_->synaptic_events() - events_before;
  totals_.synaptic_events += stats.synaptic_events;
  const auto totals = gpu_->spike_totals();
  for (std::size_t p = 0; p < totals.size(); ++p)  // rate models' every-step payloads are not spikes
    totals_.populations[p].spikes =
        net_.populations()[p]->model().emits_rate ? 0 : gpu_base_spikes_[p] + totals[p];
  stats.populations = spikes_of_run(totals_.populations, before);
  if (options_.on_non_finite != non_finite_policy::ignore) stats.diverged = first_non_finite_state(net_, step_);
  stats.interrupted = stats.interrupted || !stats.diverged.empty();
  record_.duration_ms = double(step_) * net_.dt();
  record_.interrupted = stats.interrupted;
  return finish(stats);
}

}  // namespace volley
