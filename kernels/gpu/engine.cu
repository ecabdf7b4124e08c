// The GPU engine: uploads a network, runs blocks of steps on the device (captured as one graph per block), and
// brings recorded spikes and traces back at block ends. Phases of a step, in stream order (the same as the CPU
// simulator's): clear spike counts; gap-junction currents; fused update per family; record; propagate every
// projection; spike-time inputs; end of step (totals, trace rows, clock + 1). The step number lives in device
// memory, so a captured block replays for any start step.
#include <algorithm>
#include <utility>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "engine/error.hpp"
#include "host/gpu_engine.hpp"
#include "kernels/gpu/device_array.cuh"
#include "kernels/gpu/device_connectivity.cuh"
#include "kernels/gpu/device_mirror.cuh"
#include "kernels/gpu/family_runner.cuh"
#include "kernels/gpu/gap_kernels.cuh"
#include "kernels/gpu/phase_profile.cuh"
#include "kernels/gpu/propagate_kernels.cuh"
#include "kernels/gpu/record_kernels.cuh"

namespace volley::gpu {
namespace {

std::string gib(std::uint64_t bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f GiB", double(bytes) / double(1ull << 30));
  return b;
}

unsigned grid_for(std::uint64_t threads, unsigned block, unsigned cap) {
  return static_cast<unsigned>(std::clamp<std::uint64_t>((threads + block - 1) / block, 1, cap));
}

class gpu_engine final : public engine {
 public:
  gpu_engine(network& net, const std::vector<spike_recording>& spikes, const std::vector<trace_recording>& traces,
             const engine_options& options, const device_desc& device, const device_connectivity* prebuilt)
      : net_(net), options_(options), device_(device), prebuilt_(prebuilt) {
    if (options_.deterministic && sizeof(real_t) != sizeof(long long))
      throw parameter_error("run options", "deterministic", "true",
                            "a double-precision build (VOLLEY_REAL=double): fixed-point slots are 64 bit");
    if (const char* v = std::getenv("VOLLEY_GPU_PROFILE"); v && *v && std::string(v) != "0")
      profile_ = std::make_unique<phase_profile>();
    if (const char* v = std::getenv("VOLLEY_GPU_NO_AGGREGATION"); v && *v && std::string(v) != "0")
      aggregation_allowed_ = false;  // diagnostic: every projection through the merged propagation
    VOLLEY_GPU_CHECK(set_device(device.index));
    if (const char* v = std::getenv("VOLLEY_GPU_OVERLAP"); v && *v && std::string(v) != "0") {
      overlap_ = compiled_for_overlap(end_step_kernel);  // see launch(); every step kernel is built alike
      if (!overlap_) std::fprintf(stderr, "volley: VOLLEY_GPU_OVERLAP ignored (it needs CUDA kernels for sm_90+)\n");
    }
    VOLLEY_GPU_CHECK(stream_create(&stream_));
    plan_populations();
    plan_plasticity();
    plan_recording(spikes, traces);
    check_memory();
    mirror_.allocate();
    bind_populations();
    upload_projections();
    upload_gap_projections();
    upload_spike_inputs();
    allocate_recording();
    build_step_end();
    totals_.allocate(net_.populations().size());
    totals_.zero(stream_);
    events_.allocate(1);
    events_.zero(stream_);
    clock_.allocate(2);  // [0] the step being run, [1] the first step of the current block
    VOLLEY_GPU_CHECK(stream_sync(stream_));
  }

  ~gpu_engine() override {
    if (graph_exec_) (void)graph_exec_destroy(graph_exec_);
    if (stream_) (void)stream_destroy(stream_);
  }

  std::uint64_t run(std::uint64_t first, std::uint64_t n, recording& rec, const std::atomic<bool>* stop) override {
    mirror_.upload();
    convert_rings(true);
    std::uint64_t done = 0;
    while (done < n) {
      const std::uint64_t k = std::min<std::uint64_t>(block_steps_, n - done);
      const std::uint64_t clock[2] = {first + done, first + done};
      VOLLEY_GPU_CHECK(copy_to_device(clock_.get(), clock, sizeof clock));
      if (profile_) {
        for (std::uint64_t s = 0; s < k; ++s) {
          enqueue_step();
          profile_->end_step(stream_);
        }
      } else if (k == block_steps_ && options_.use_graphs && capture_block()) {
        VOLLEY_GPU_CHECK(graph_launch(graph_exec_, stream_));
      } else {
        for (std::uint64_t s = 0; s < k; ++s) enqueue_step();
      }
      VOLLEY_GPU_CHECK(last_error());
      VOLLEY_GPU_CHECK(stream_sync(stream_));
      flush(rec, first + done, k);
      done += k;
      if (stop && stop->load(std::memory_order_relaxed)) break;
    }
    convert_rings(false);
    mirror_.download();
    download_last_spikes();
    if (profile_) profile_->print(stderr);
    return done;
  }

  std::vector<std::uint64_t> spike_totals() const override {
    std::vector<unsigned long long> t(totals_.size());
    totals_.download(t.data(), t.size());
    return {t.begin(), t.end()};
  }
  std::uint64_t synaptic_events() const override {
    unsigned long long e = 0;
    events_.download(&e, 1);
    return e;
  }
  std::string device_name() const override { return device_.name + " (" + dialect + ", " + device_.arch + ")"; }
  std::uint64_t device_bytes() const override { return planned_bytes_; }

 private:
  struct population_plan {
    std::size_t spike_offset = 0, count_offset = 0;
  };
  struct projection_plan {
    device_projection pj{};
    device_array<std::uint64_t> row_ptr;
    device_array<std::uint16_t> targets16, delays;
    device_array<index_t> targets32;
    device_array<real_t> weights;
    bool plastic = false;  // short-term plasticity: the efficacy kernel runs before the propagation
    device_plasticity sp{};
    device_array<real_t> efficacy;
    unsigned stp_blocks = 1;
  };
  struct gap_plan {
    kernels::gap_view v{};  // device pointers
    unsigned blocks = 1;
    device_array<std::uint64_t> row_ptr;
    device_array<index_t> partners;
    device_array<real_t> g;
  };
  struct input_plan {
    device_spike_input in{};
    unsigned blocks = 1;
    device_array<std::uint64_t> steps;
    device_array<index_t> neurons;
  };
  struct spike_plan {
    std::uint32_t population;
    std::size_t record_index, capacity = 0;
    device_spike_record r{};
    device_array<index_t> neurons;
    device_array<std::uint32_t> multiplicity;  // beside neurons, for models whose spikes carry a count
    device_array<std::uint32_t> base, count;
    device_array<unsigned int> cursor;
  };
  struct trace_plan {
    trace_recording request;
    std::size_t rows_capacity = 0;
    device_trace_record t{};
    device_array<index_t> neurons;
    device_array<real_t> values;
    device_array<unsigned int> rows;
    unsigned blocks = 1;
  };

  // Families, the device mirror of every population's arrays, the spike lists.
  void plan_populations() {
    std::map<std::string, std::size_t> family_of;
    for (auto& p : net_.populations()) {
      auto [it, fresh] = family_of.try_emplace(p->model().name, families_.size());
      if (fresh) {
        families_.emplace_back();
        runners_.push_back(make_family_runner(p->model().name));
        update_labels_.push_back("update " + p->model().name);
        if (!runners_.back())
          throw not_compiled_error("model '" + p->model().name + "' (population '" + p->name() +
                                   "') has no GPU kernel in this build (it is missing from models/model_list.hpp)");
      }
      families_[it->second].push_back(p.get());
    }
    std::size_t spikes = 0, counts = 0;
    for (auto& p : net_.populations()) {
      const std::size_t cells = std::size_t(p->size()) * p->batch();
      pops_.push_back({spikes, counts});
      spikes += cells;
      counts += p->batch();
      for (int q = 0; q < p->state_count(); ++q) mirror_.add(p->state(q), cells * sizeof(real_t), true);
      for (int r = 0; r < p->receptor_count(); ++r)
        for (int q = 0; q < models::max_receptor_vars; ++q)
          mirror_.add(p->receptor_state(r, q), cells * sizeof(real_t), true);
      for (std::size_t q = 0; q < p->current_sources().size(); ++q)
        mirror_.add(p->current_state(static_cast<int>(q)), cells * sizeof(real_t), true);  // OU, Wiener state
      // gap currents: recomputed at the start of every step, so the host copy need not come back
      mirror_.add(p->gap_current(), p->gap_current() ? cells * sizeof(real_t) : 0, false);
      for (std::size_t c = 0; c < p->channels().size(); ++c)
        if (p->channel_used(static_cast<int>(c))) {
          mirror_.add(p->ring_slot(static_cast<int>(c), 0), cells * p->ring_slots() * sizeof(real_t), true);
          rings_.push_back({p->ring_slot(static_cast<int>(c), 0), cells * p->ring_slots()});
        }
    }
    for (std::size_t f = 0; f < families_.size(); ++f) runners_[f]->register_arrays(families_[f], mirror_, net_.seed());
    n_spike_cells_ = spikes;
    n_counts_ = counts;
  }

  // Short-term plasticity state (u, x, time of the stored values) goes up and down with the mirror in run().
  void plan_plasticity() {
    for (auto& pj : net_.projections()) {
      mirror_.add(pj.stp_u.data(), pj.stp_u.size() * sizeof(double), true);
      mirror_.add(pj.stp_x.data(), pj.stp_x.size() * sizeof(double), true);
      mirror_.add(pj.stp_y.data(), pj.stp_y.size() * sizeof(double), true);
      mirror_.add(pj.stp_since.data(), pj.stp_since.size() * sizeof(std::uint64_t), true);
    }
  }

  void plan_recording(const std::vector<spike_recording>& spikes, const std::vector<trace_recording>& traces) {
    // A block must hold the worst case (every recorded neuron spiking every step) without losing output.
    constexpr std::size_t max_entries = std::size_t(1) << 26;
    std::uint64_t steps = std::max<std::uint32_t>(1, options_.block_steps);
    for (const auto& s : spikes) {
      const auto& p = *net_.populations()[s.population];
      const std::size_t cells = std::size_t(p.size()) * p.batch();
      steps = std::min<std::uint64_t>(steps, std::max<std::size_t>(1, max_entries / cells));
    }
    block_steps_ = steps;
    for (const auto& s : spikes) {
      auto& plan = spike_plans_.emplace_back();
      plan.population = s.population;
      plan.record_index = s.record_index;
      const auto& p = *net_.populations()[s.population];
      plan.capacity = std::size_t(p.size()) * p.batch() * block_steps_;
      planned_bytes_ += plan.capacity * sizeof(index_t) + 2 * block_steps_ * p.batch() * sizeof(std::uint32_t);
      if (spike_count_column(p)) planned_bytes_ += plan.capacity * sizeof(std::uint32_t);
    }
    for (const auto& t : traces) {
      auto& plan = trace_plans_.emplace_back();
      plan.request = t;
      plan.rows_capacity = block_steps_ / t.interval + 1;
      const auto& p = *net_.populations()[t.population];
      planned_bytes_ += plan.rows_capacity * p.batch() * t.neurons.size() * sizeof(real_t);
    }
  }

  void check_memory() {
    planned_bytes_ += mirror_.bytes() + n_spike_cells_ * sizeof(index_t) + n_counts_ * 8;
    for (std::size_t k = 0; k < net_.projections().size(); ++k)
      if (!drawn_on_device(k)) planned_bytes_ += net_.projections()[k].bytes();  // drawn ones are allocated already
    for (const auto& gp : net_.gap_projections())
      planned_bytes_ += gp.row_ptr.size() * sizeof(std::uint64_t) + gp.partners.size() * sizeof(index_t) +
                        gp.g.size() * sizeof(real_t);
    std::size_t free_bytes = 0, total = 0;
    VOLLEY_GPU_CHECK(memory_info(&free_bytes, &total));
    const std::uint64_t margin = 64ull << 20;  // runtime and graph bookkeeping
    if (planned_bytes_ + margin > free_bytes)
      throw resource_error("the network needs " + gib(planned_bytes_ + margin) + " of device memory, but only " +
                           gib(free_bytes) + " of " + gib(total) + " is free on " + device_.name +
                           "; run on the CPU (--backend cpu) or reduce the network");
  }

  // Synapses of projection k drawn on the device (build_connectivity_on_device), or nullptr: upload the host's.
  const device_synapses* drawn_on_device(std::size_t k) const {
    if (!prebuilt_ || k >= prebuilt_->projections.size() || !prebuilt_->projections[k].built) return nullptr;
    return &prebuilt_->projections[k];
  }

  ring_table rings_of(population& p) const {
    ring_table t{};
    t.slot_stride = std::uint64_t(p.size()) * p.batch();
    t.slot_mask = static_cast<std::uint32_t>(p.ring_slots() - 1);
    for (std::size_t c = 0; c < p.channels().size(); ++c)
      t.base[c] =
          p.channel_used(static_cast<int>(c)) ? mirror_.translate(p.ring_slot(static_cast<int>(c), 0)) : nullptr;
    return t;
  }

  void bind_populations() {
    spikes_.allocate(std::max<std::size_t>(1, n_spike_cells_));
    counts_.allocate(std::max<std::size_t>(1, n_counts_));
    counts_.zero(stream_);  // end_step_kernel zeroes them after each step
    last_counts_.allocate(std::max<std::size_t>(1, n_counts_));
    last_counts_.zero(stream_);
    for (std::size_t f = 0; f < families_.size(); ++f) {
      std::vector<population_binding> bindings;
      for (population* p : families_[f]) {
        const auto& plan = pops_[p->id()];
        bindings.push_back({p, rings_of(*p), {spikes_.get() + plan.spike_offset, counts_.get() + plan.count_offset}});
      }
      runners_[f]->bind(bindings, mirror_, net_.seed(), options_.deterministic);
    }
  }

  void upload_projections() {
    std::vector<device_projection> table;
    std::uint64_t most_items = 0;  // every row of every projection spiking at once
    for (auto& pj : net_.projections()) {
      auto& plan = projection_plans_.emplace_back();
      population& src = *pj.source;
      population& tgt = *pj.target;
      const device_synapses* drawn = drawn_on_device(projection_plans_.size() - 1);
      if (!drawn) {
        plan.row_ptr.upload(pj.row_ptr);
        if (pj.narrow())
          plan.targets16.upload(pj.targets16);
        else
          plan.targets32.upload(pj.targets32);
        plan.weights.upload(pj.weights);
        plan.delays.upload(pj.delays);
      }
      const std::uint64_t* row_ptr = drawn ? drawn->row_ptr.get() : plan.row_ptr.get();
      const void* targets = pj.narrow() ? static_cast<const void*>(drawn ? drawn->targets16.get() : plan.targets16.get())
                                        : (drawn ? drawn->targets32.get() : plan.targets32.get());
      const real_t* weights = drawn ? drawn->weights.get() : (pj.weights.empty() ? nullptr : plan.weights.get());
      const std::uint16_t* delays = drawn ? drawn->delays.get() : (pj.delays.empty() ? nullptr : plan.delays.get());
      const ring_table rings = rings_of(tgt);
      device_projection& d = plan.pj;
      d.row_ptr = row_ptr;
      d.narrow = pj.narrow() ? 1 : 0;
      d.targets = targets;
      d.weights = weights;
      d.weight = pj.weight;
      d.delays = delays;
      d.delay = pj.delay;
      d.source_begin = pj.source_range.begin;
      d.source_end = pj.source_range.end;
      d.source_spikes = spikes_.get() + pops_[src.id()].spike_offset;
      d.source_count = counts_.get() + pops_[src.id()].count_offset;
      d.source_n = src.size();
      d.ring = rings.base[pj.channel];
      d.slot_stride = rings.slot_stride;
      d.slot_mask = rings.slot_mask;
      d.target_n = tgt.size();
      d.target_begin = pj.target_range.begin;
      d.target_count = pj.target_range.size();
      d.batch = src.batch();
      d.payload = pj.payload_var >= 0 ? mirror_.translate(src.state(pj.payload_var)) : nullptr;
      d.transmit_p = pj.transmit_probability;
      d.transmit_tag = pj.transmit_tag;
      d.seed = net_.seed();
      if (pj.plastic()) {
        plan.plastic = true;
        plan.efficacy.upload(pj.efficacy);
        d.efficacy = plan.efficacy.get();
        plan.sp = {pj.plasticity, mirror_.translate(pj.stp_u.empty() ? nullptr : pj.stp_u.data()),
                   mirror_.translate(pj.stp_x.data()),
                   mirror_.translate(pj.stp_y.empty() ? nullptr : pj.stp_y.data()),
                   mirror_.translate(pj.stp_since.data()), plan.efficacy.get(),
                   pj.unroll_var >= 0 ? mirror_.translate(src.state(pj.unroll_var)) : nullptr};
        plan.stp_blocks = grid_for(src.size(), update_block, 1024);
      }
      // Long rows: a warp per chunk of a spiking row; short rows (mean below a quarter warp): a lane per row.
      const std::uint64_t rows = pj.source_range.size();
      const double mean_row = rows ? double(pj.size()) / double(rows) : 0.0;
      std::uint64_t longest = 0;
      for (std::uint64_t r = 0; r < rows; ++r) longest = std::max(longest, pj.row_ptr[r + 1] - pj.row_ptr[r]);
      d.chunks = mean_row >= device_.warp / 4.0
                     ? static_cast<std::uint32_t>(std::max<std::uint64_t>(1, (longest + chunk_synapses - 1) / chunk_synapses))
                     : 0;
      // Shared-memory pre-aggregation: homogeneous delay, the target slot of every batch instance fits a block's
      // shared memory, and rows cover at least a quarter of the target range (every spike hits the same cells).
      if (aggregation_allowed_ && d.delays == nullptr && std::uint64_t(d.target_count) * d.batch <= aggregated_max_cells &&
          mean_row >= 0.25 * d.target_count) {
        aggregated_.push_back(d);
        aggregated_blocks_.push_back(grid_for(rows, 256, static_cast<unsigned>(std::max(1, device_.multiprocessors))));
        continue;
      }
      most_items += rows * src.batch() * (d.chunks ? d.chunks : 1);
      table.push_back(d);
    }
    projections_.upload(table);
    n_merged_ = static_cast<int>(table.size());
    // Warps for an eighth of the rows spiking at once, at most one wave of resident warps (2048 threads per
    // multiprocessor); the grid-stride loop covers any excess.
    const unsigned warps_per_block = propagate_block / device_.warp;
    propagate_blocks_ = grid_for((most_items + 7) / 8, warps_per_block,
                                 static_cast<unsigned>(std::max(1, device_.multiprocessors)) * 2048 / propagate_block);
    batch_ = net_.populations().empty() ? 1 : net_.populations().front()->batch();
  }

  void upload_gap_projections() {
    for (const auto& gp : net_.gap_projections()) {
      auto& plan = gap_plans_.emplace_back();
      plan.row_ptr.upload(gp.row_ptr);
      plan.partners.upload(gp.partners);
      plan.g.upload(gp.g);
      kernels::gap_view v = gp.view();
      v.row_ptr = plan.row_ptr.get();
      v.partners = plan.partners.get();
      v.g = gp.g.empty() ? nullptr : plan.g.get();
      v.v_source = mirror_.translate(v.v_source);
      v.v_target = mirror_.translate(v.v_target);
      v.current = mirror_.translate(v.current);
      plan.v = v;
      plan.blocks = grid_for(std::uint64_t(v.n_target) * v.batch, update_block, 65535);
    }
  }

  void upload_spike_inputs() {
    for (auto& in : net_.spike_inputs()) {
      auto& plan = input_plans_.emplace_back();
      plan.steps.upload(in.emit_steps);
      plan.neurons.upload(in.neurons);
      const ring_table rings = rings_of(*in.target);
      plan.in = {plan.steps.get(),
                 static_cast<std::uint32_t>(in.emit_steps.size()),
                 plan.neurons.get(),
                 static_cast<std::uint32_t>(in.neurons.size()),
                 in.weight,
                 in.delay,
                 rings.base[in.channel],
                 rings.slot_stride,
                 rings.slot_mask,
                 in.target->size(),
                 in.target->batch()};
      plan.blocks = grid_for(std::uint64_t(in.neurons.size()) * in.target->batch(), update_block, 1024);
    }
  }

  void allocate_recording() {
    for (auto& plan : spike_plans_) {
      population& p = *net_.populations()[plan.population];
      plan.neurons.allocate(plan.capacity);
      plan.base.allocate(block_steps_ * p.batch());
      plan.count.allocate(block_steps_ * p.batch());
      plan.cursor.allocate(1);
      plan.cursor.zero(stream_);
      plan.r = {spikes_.get() + pops_[p.id()].spike_offset,
                counts_.get() + pops_[p.id()].count_offset,
                p.size(),
                p.batch(),
                plan.neurons.get(),
                plan.base.get(),
                plan.count.get(),
                plan.cursor.get(),
                nullptr,
                nullptr};
      if (const real_t* count = spike_count_column(p)) {
        plan.multiplicity.allocate(plan.capacity);
        plan.r.payload = mirror_.translate(count);
        plan.r.multiplicity = plan.multiplicity.get();
      }
    }
    for (auto& plan : trace_plans_) {
      population& p = *net_.populations()[plan.request.population];
      plan.neurons.upload(plan.request.neurons);
      plan.values.allocate(plan.rows_capacity * p.batch() * plan.request.neurons.size());
      plan.rows.allocate(1);
      plan.rows.zero(stream_);
      const real_t* column =
          plan.request.state_var >= 0 ? p.state(plan.request.state_var) : p.receptor_state(plan.request.receptor, 0);
      plan.t = {mirror_.translate(column),
                p.size(),
                p.batch(),
                plan.neurons.get(),
                static_cast<std::uint32_t>(plan.request.neurons.size()),
                plan.request.interval,
                plan.values.get(),
                plan.rows.get()};
      plan.blocks = grid_for(std::uint64_t(p.batch()) * plan.request.neurons.size(), update_block, 1024);
    }
  }

  void build_step_end() {
    std::vector<std::uint32_t> owner;
    for (auto& p : net_.populations())
      for (std::uint32_t b = 0; b < p->batch(); ++b) owner.push_back(p->id());
    count_population_.upload(owner);
    std::vector<unsigned int*> rows;
    std::vector<std::uint32_t> intervals;
    for (auto& plan : trace_plans_) {
      rows.push_back(plan.rows.get());
      intervals.push_back(plan.request.interval);
    }
    trace_rows_.upload(rows);
    trace_intervals_.upload(intervals);
    step_end_ = {counts_.get(),     last_counts_.get(),     count_population_.get(),
                 static_cast<std::uint32_t>(n_counts_), nullptr, trace_rows_.get(),
                 trace_intervals_.get(), static_cast<std::uint32_t>(trace_plans_.size())};
  }

  // Starts a phase of the step for the profile (VOLLEY_GPU_PROFILE=1); nothing otherwise.
  void mark(const char* phase) {
    if (profile_) profile_->mark(phase, stream_);
  }

  void enqueue_step() {
    std::uint64_t* clock = clock_.get();
    mark("gap junctions");
    for (const auto& g : gap_plans_) launch(gap_current_kernel, g.blocks, update_block, stream_, overlap_, g.v);
    for (std::size_t f = 0; f < runners_.size(); ++f) {
      mark(update_labels_[f].c_str());
      runners_[f]->launch(stream_, clock, overlap_);
    }
    mark("record");
    for (const auto& s : spike_plans_)
      launch(record_spikes_kernel, s.r.batch, update_block, stream_, overlap_, s.r, clock, clock + 1);
    for (const auto& t : trace_plans_)
      launch(record_trace_kernel, t.blocks, update_block, stream_, overlap_, t.t, clock);
    mark("short-term plasticity");
    for (const auto& p : projection_plans_)
      if (p.plastic)
        launch(short_term_plasticity_kernel, p.stp_blocks, update_block, stream_, overlap_, p.pj, p.sp, clock);
    mark("propagate");
    for (std::size_t a = 0; a < aggregated_.size(); ++a) {
      launch(options_.deterministic ? propagate_aggregated_kernel<true> : propagate_aggregated_kernel<false>,
             aggregated_blocks_[a], propagate_block, stream_, overlap_, aggregated_[a], clock, events_.get());
    }
    if (n_merged_ > 0) {
      const int n = n_merged_;
      launch(options_.deterministic ? propagate_kernel<true> : propagate_kernel<false>, propagate_blocks_,
             propagate_block, stream_, overlap_, projections_.get(), n, batch_, clock, events_.get());
    }
    mark("spike inputs");
    for (const auto& in : input_plans_) {
      launch(options_.deterministic ? spike_input_kernel<true> : spike_input_kernel<false>, in.blocks, update_block,
             stream_, overlap_, in.in, clock);
    }
    device_step_end e = step_end_;
    e.totals = totals_.get();
    mark("end of step");
    launch(end_step_kernel, 1, update_block, stream_, overlap_, e, clock);
  }

  // Deterministic mode keeps the device rings in fixed point; the host always sees real values.
  void convert_rings(bool to_fixed) {
    if (!options_.deterministic) return;
    for (const auto& [host, n] : rings_) {
      real_t* d = mirror_.translate(host);
      const unsigned blocks = grid_for(n, update_block, 4096);
      if (to_fixed)
        ring_to_fixed_kernel<<<blocks, update_block, 0, stream_>>>(d, n);
      else
        ring_from_fixed_kernel<<<blocks, update_block, 0, stream_>>>(d, n);
    }
    VOLLEY_GPU_CHECK(last_error());
    VOLLEY_GPU_CHECK(stream_sync(stream_));
  }

  // Captures one block of steps as a graph the first time; false when the runtime cannot capture (then the
  // steps are launched one by one).
  bool capture_block() {
    if (graph_exec_) return true;
    if (graph_failed_) return false;
    graph_t graph = nullptr;
    if (begin_capture(stream_) != success) {
      (void)last_error();
      graph_failed_ = true;
      return false;
    }
    for (std::uint64_t s = 0; s < block_steps_; ++s) enqueue_step();
    const error_t e = end_capture(stream_, &graph);
    if (e != success || graph_instantiate(&graph_exec_, graph) != success) {
      (void)last_error();
      graph_exec_ = nullptr;
      graph_failed_ = true;
      if (overlap_)  // an A/B of the overlap would otherwise compare a graph with launches one by one
        std::fprintf(stderr, "volley: no graph of the overlapped launches (VOLLEY_GPU_OVERLAP): steps one by one\n");
    }
    if (graph) (void)graph_destroy(graph);
    return !graph_failed_;
  }

  void flush(recording& rec, std::uint64_t first, std::uint64_t steps) {
    for (auto& plan : spike_plans_) {
      population& p = *net_.populations()[plan.population];
      unsigned int used = 0;
      plan.cursor.download(&used, 1);
      std::vector<index_t> neurons(used);
      plan.neurons.download(neurons.data(), used);
      std::vector<std::uint32_t> base(steps * p.batch()), count(steps * p.batch());
      plan.base.download(base.data(), base.size());
      plan.count.download(count.data(), count.size());
      std::vector<std::uint32_t> multiplicity(plan.r.multiplicity ? used : 0);
      if (plan.r.multiplicity) plan.multiplicity.download(multiplicity.data(), used);
      auto& out = rec.spikes[plan.record_index];
      std::vector<std::pair<index_t, std::uint32_t>> counted;  // (neuron, multiplicity) of one step
      for (std::uint64_t row = 0; row < steps; ++row)
        for (std::uint32_t b = 0; b < p.batch(); ++b) {
          const std::size_t k = row * p.batch() + b;
          auto* seg = neurons.data() + base[k];
          if (!plan.r.multiplicity) {
            std::sort(seg, seg + count[k]);  // the CPU order: ascending neuron within (step, batch)
            for (std::uint32_t j = 0; j < count[k]; ++j) {
              out.step.push_back(static_cast<step_t>(first + row));
              out.neuron.push_back(seg[j]);
              out.batch.push_back(b);
            }
            continue;
          }
          counted.clear();
          for (std::uint32_t j = 0; j < count[k]; ++j) counted.emplace_back(seg[j], multiplicity[base[k] + j]);
          std::sort(counted.begin(), counted.end());
          for (const auto& [neuron, m] : counted) {
            out.step.push_back(static_cast<step_t>(first + row));
            out.neuron.push_back(neuron);
            out.batch.push_back(b);
            out.multiplicity.push_back(m);
          }
        }
      plan.cursor.zero(stream_);
    }
    for (auto& plan : trace_plans_) {
      population& p = *net_.populations()[plan.request.population];
      unsigned int rows = 0;
      plan.rows.download(&rows, 1);
      const std::size_t per_row = std::size_t(p.batch()) * plan.request.neurons.size();
      std::vector<real_t> values(rows * per_row);
      plan.values.download(values.data(), values.size());
      auto& tr = rec.traces[plan.request.record_index];
      for (std::uint64_t s = first; s < first + steps; ++s)
        if ((s + 1) % plan.request.interval == 0) tr.times_ms.push_back(double(s + 1) * net_.dt());
      tr.values.insert(tr.values.end(), values.begin(), values.end());
      plan.rows.zero(stream_);
    }
    VOLLEY_GPU_CHECK(stream_sync(stream_));
  }

  // The host populations' spike lists hold the last step's spikes, ascending, as after a CPU step.
  void download_last_spikes() {
    const auto counts = last_counts_.to_host();
    for (auto& p : net_.populations()) {
      const auto& plan = pops_[p->id()];
      for (std::uint32_t b = 0; b < p->batch(); ++b) {
        auto& list = p->spikes()[b];
        list.resize(counts[plan.count_offset + b]);
        if (!list.empty())
          VOLLEY_GPU_CHECK(copy_to_host(list.data(), spikes_.get() + plan.spike_offset + std::size_t(b) * p->size(),
                                        list.size() * sizeof(index_t)));
        std::sort(list.begin(), list.end());
      }
    }
  }

  network& net_;
  engine_options options_;
  device_desc device_;
  const device_connectivity* prebuilt_ = nullptr;  // synapses drawn on the device (owned by the simulator)
  stream_t stream_ = nullptr;
  graph_exec_t graph_exec_ = nullptr;
  bool graph_failed_ = false;
  std::uint64_t block_steps_ = 256;
  std::uint64_t planned_bytes_ = 0;
  device_mirror mirror_;
  std::vector<std::pair<real_t*, std::uint64_t>> rings_;  // host ring buffers (values) of used channels
  std::vector<std::vector<population*>> families_;
  std::vector<std::unique_ptr<family_runner>> runners_;
  std::vector<std::string> update_labels_;  // profile phase names, per family
  std::unique_ptr<phase_profile> profile_;  // VOLLEY_GPU_PROFILE=1
  bool overlap_ = false;  // VOLLEY_GPU_OVERLAP=1: the step's kernels launched overlapped (gpu_api.hpp, launch)
  std::vector<population_plan> pops_;
  std::size_t n_spike_cells_ = 0, n_counts_ = 0;
  device_array<index_t> spikes_;
  device_array<std::uint32_t> counts_, count_population_, trace_intervals_;
  device_array<std::uint32_t> last_counts_;  // the counts of the last step run (counts_ is zeroed at its end)
  device_array<unsigned int*> trace_rows_;
  std::vector<projection_plan> projection_plans_;
  device_array<device_projection> projections_;  // the table propagate_kernel walks
  unsigned propagate_blocks_ = 1;
  int n_merged_ = 0;                             // projections in the table (the others are pre-aggregated)
  std::vector<device_projection> aggregated_;    // projections propagated with shared-memory pre-aggregation
  std::vector<unsigned> aggregated_blocks_;
  bool aggregation_allowed_ = true;              // VOLLEY_GPU_NO_AGGREGATION=1 turns pre-aggregation off
  std::uint32_t batch_ = 1;  // every population's batch size
  std::vector<gap_plan> gap_plans_;
  std::vector<input_plan> input_plans_;
  std::vector<spike_plan> spike_plans_;
  std::vector<trace_plan> trace_plans_;
  device_step_end step_end_{};
  device_array<unsigned long long> totals_, events_;
  device_array<std::uint64_t> clock_;
};

}  // namespace

std::unique_ptr<engine> make_engine(network& net, const std::vector<spike_recording>& spikes,
                                    const std::vector<trace_recording>& traces, const engine_options& options,
                                    const device_connectivity* prebuilt) {
  const probe_result pr = probe();
  if (!pr.usable) throw device_error(std::string("no usable ") + dialect + " device: " + pr.problem);
  if (options.device < 0 || options.device >= static_cast<int>(pr.devices.size()))
    throw parameter_error("run options", "device", std::to_string(options.device),
                          "a device index below " + std::to_string(pr.devices.size()));
  if (prebuilt && prebuilt->device != options.device)
    throw parameter_error("run options", "device", std::to_string(options.device),
                          "device " + std::to_string(prebuilt->device) + ", where the synapses were drawn");
  net.finalize(prebuilt == nullptr);  // projections drawn on the device keep empty host arrays
  return std::make_unique<gpu_engine>(net, spikes, traces, options, pr.devices[options.device], prebuilt);
}

}  // namespace volley::gpu
