#pragma once
// The network: populations, projections and inputs, built from the C++ API or a spec file.
// Every quantity enters as a typed quantity (engine/units.hpp) or as text parsed with its unit, and is lowered
// here into the internal unit system (ms, mV, pA, nS, pF).
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include "engine/connectivity.hpp"
#include "engine/distribution.hpp"
#include "engine/error.hpp"
#include "engine/gap_junction.hpp"
#include "engine/model_population.hpp"
#include "engine/nest_gap_wfr.hpp"
#include "engine/projection.hpp"
#include "engine/units.hpp"
#include "models/receptor.hpp"

namespace volley {

struct network_options {
  units::time_q dt{0.1};
  std::uint64_t seed = 1;
  std::uint32_t batch = 1;   // independent instances simulated side by side
};

// A value with a dimension: a number or a distribution (weights, delays, per-neuron values).
struct quantity_value {
  value_distribution dist;            // internal units
  units::dimension dim;
  std::vector<double> per_item;       // explicit per-connection (or per-neuron) values, internal units
  quantity_value() = default;
  template <units::dimension D>
  quantity_value(units::quantity<D> q) : dim(D) {  // NOLINT: implicit from any quantity on purpose
    dist.type = value_distribution::kind::constant;
    dist.a = q.value;
  }
  template <units::dimension D>
  static quantity_value normal(units::quantity<D> mean, units::quantity<D> sd) {
    quantity_value v(mean);
    v.dist.type = value_distribution::kind::normal;
    v.dist.b = sd.value;
    return v;
  }
  template <units::dimension D>
  static quantity_value uniform(units::quantity<D> low, units::quantity<D> high) {
    quantity_value v(low);
    v.dist.type = value_distribution::kind::uniform;
    v.dist.b = high.value;
    return v;
  }
};

// How a projection's synapses act on the target.
struct synapse_spec {
  std::string receptor;               // receptor or port name; empty: by weight sign (NEST models) or delta (mV)
  quantity_value weight;
  quantity_value delay = quantity_value(units::time_q(0.0));  // 0: one step (the minimum)
  // Short-term plasticity of the projection (brainpy.state's STP or STD, per presynaptic neuron):
  // e.g. models::stp_params{} (U 0.15, tau_f 1500 ms, tau_d 200 ms) or models::std_params{.tau = 100.0_ms}.
  models::plasticity_params plasticity{};
  // Spike-timing-dependent plasticity (NEST's stdp models, models/stdp.hpp; rule none: fixed weights). Times in ms,
  // Wmax in the weight's unit; dt is filled in by connect(). CPU backend, batch 1.
  models::stdp_constants stdp{};
  std::string stdp_model = "stdp";    // the model's name, for messages
  double stdp_initial_kplus = 0;      // NEST's Kplus (per source here; nn_pre_centered: per synapse)
  double stdp_initial_kplus_triplet = 0;  // NEST's Kplus_triplet (stdp_triplet_synapse)
  // stdp_facetshw_synapse_hom (rule facetshw): the model's common properties, its controller before the run (shared
  // by every projection naming the same stdp_model) and each synapse's initial capacitors, thresholds and id.
  models::facetshw_constants stdp_facetshw{};
  models::facetshw_controller stdp_facetshw_start{};
  models::facetshw_synapse stdp_facetshw_synapse{};
  // stdp_dopamine_synapse (rule dopamine): the volume transmitter (add_volume_transmitter's index), the model's
  // constants and each synapse's initial K+ (stdp_initial_kplus), c and n.
  int stdp_volume_transmitter = -1;
  models::dopamine_constants stdp_dopamine{};
  models::dopamine_synapse stdp_dopamine_synapse{};
  // Log every transmitted spike's weight (NEST's weight_recorder): projection::weight_log. CPU only, batch 1.
  bool record_weights = false;
  // Sources whose model has a spike payload (model_info::spike_payload): scale each weight by it (default), or
  // transmit plain weights (NEST's iaf_tum_2000 does so outside receptor 1).
  bool use_payload = true;
  // Unreliable synapses (NEST's bernoulli_synapse): each synapse passes each spike with this probability, in
  // [0, 1]; 1: always.
  double transmit_probability = 1;
  // Align-pre (brainpy.state's AlignPreProj): the projection's own synapse per source neuron, e.g.
  // models::ampa_params{}; every step each connection delivers weight x its source's g into `receptor`, which must
  // have synapse Instant (its output, e.g. COBA, applies the sum). Unset: align-post (the receptor's synapse).
  std::optional<models::synapse_params> align_pre = std::nullopt;
};

// The postsynaptic side of STDP for one population (NEST's neuron parameters tau_minus, tau_minus_triplet) and
// the number of spikes its archive keeps per neuron (engine/spike_archive.hpp).
struct stdp_archive_options {
  units::time_q tau_minus{20.0};
  units::time_q tau_minus_triplet{110.0};
  std::uint32_t capacity = 32;
};

// External spikes at given times, delivered to chosen neurons like a presynaptic neuron would.
struct spike_times_input {
  population* target = nullptr;
  int channel = 0;
  std::vector<index_t> neurons;       // inside the target population
  std::vector<std::uint64_t> emit_steps;  // sorted; a spike at time t is emitted in step round(t/dt) - 1
  real_t weight = 0;
  std::uint32_t delay = 1;            // steps
  std::size_t next = 0;               // cursor into emit_steps while running
  std::uint32_t owner = 0;            // who added it (network::begin_inputs), 0: nobody
};

// brainpy.state's analog current generators, evaluated inside the fused update (models/current_sources.hpp has
// the definitions; engine/current_inputs.cpp lowers them). Currents in pA; sigma of the OU and Wiener processes in pA/sqrt(ms), written as a current (the
// 1/sqrt(time) is implied, as in brainpy.state). A duration of infinity means "for the whole run".
inline constexpr double forever_ms = std::numeric_limits<double>::infinity();
struct section_input {              // SectionInput: values[k] for durations[k], one after the other, then 0
  std::vector<units::current_q> values;
  std::vector<units::time_q> durations;
};
struct constant_input {             // ConstantInput: amplitude for [0, duration), then 0
  units::current_q amplitude;
  units::time_q duration;
};
struct step_input {                 // StepInput: amplitudes[k] from step_times[k] on; 0 before the first
  std::vector<units::current_q> amplitudes;
  std::vector<units::time_q> step_times;
};
struct ramp_input {                 // RampInput: c_start -> c_end over [t_start, t_start + duration), else 0
  units::current_q c_start, c_end;
  units::time_q duration;
  units::time_q t_start{0.0};
};
struct sinusoidal_input {           // SinusoidalInput: amplitude sin(2 pi f t + phase) + bias over
  units::current_q amplitude;       // [t_start, t_start + duration)
  units::rate_q frequency;
  units::time_q duration{forever_ms};
  units::current_q bias{0.0};
  units::dimensionless_q phase{0.0};  // rad (NEST's ac_generator; brainpy.state has none)
  units::time_q t_start{0.0};
};
// The shape of a Poisson input (NEST's poisson, sinusoidal_poisson and mip generators): active over the steps
// whose start time lies in [start, stop); the rate over the step starting at t is
// max(0, rate + amplitude sin(omega t + phase)); shared: one train for every target neuron (per batch instance)
// instead of independent ones; copy_probability: each target keeps each spike of the train with this probability.
struct poisson_shape {
  units::time_q start{0.0};
  units::time_q stop{forever_ms};
  units::rate_q amplitude{0.0};
  double omega_per_ms = 0;   // rad/ms: 2 pi f
  double phase = 0;          // rad
  bool shared = false;
  double copy_probability = 1;
};
struct ou_input {                   // OUProcessInput: dx = (mean - x)/tau dt + sigma dW over [0, duration)
  units::current_q mean, sigma;
  units::time_q tau;
  units::time_q duration{forever_ms};
  std::optional<units::current_q> x0{};  // x(0); brainpy.state starts at mean
};
struct wiener_input {               // WienerProcessInput: sigma sqrt(dt) xi per step over [0, duration)
  units::current_q sigma;
  units::time_q duration{forever_ms};
  bool integrated = false;          // true: the current is W(t) itself (variance sigma^2 t)
};
struct noise_input {                // NEST's noise_generator: a fresh Gaussian value per neuron every `hold`,
  units::current_q mean, std;       // mean + sqrt(std^2 + std_mod^2 sin(2 pi f t_b + phase)) xi drawn at a
  units::time_q hold{1.0};          // block's start t, t_b = t - phase_origin, over [t_start, t_start +
  units::current_q std_mod{0.0};    // duration); std_mod <= std
  units::rate_q frequency{0.0};
  units::dimensionless_q phase{0.0};  // rad
  units::time_q t_start{0.0};
  units::time_q duration{forever_ms};
  units::time_q block_origin{0.0};  // blocks start at block_origin + k hold (<= t_start)
  units::time_q phase_origin{0.0};  // the modulation's clock: t_b = t - phase_origin
};
using current_input = std::variant<section_input, constant_input, step_input, ramp_input, sinusoidal_input, ou_input,
                                   wiener_input, noise_input>;

// Parameter checks connect() applies, for callers that want them earlier (the NEST layer's SetDefaults): throw a
// parameter_error naming the parameter, its value and the admissible range.
void check_plasticity(const models::plasticity_params& plasticity, const std::string& where);
void check_stdp(const models::stdp_constants& c, const std::string& model, const std::string& where);
void check_facetshw(const models::facetshw_constants& c, const std::string& model, const std::string& where);
void check_dopamine(const synapse_spec& syn, const std::string& model, const std::string& where);
// An STDP synapse's weight w: finite and in the range its rule keeps (set at connect and by set_weights).
void check_stdp_weight(double w, const models::stdp_constants& c, const models::dopamine_constants& dc,
                       double weight_per_lut_entry, const model_info& target, const std::string& model,
                       const std::string& where);

namespace models {
// A model_population<Model> (type: typeid(Model)) of `per_neuron`, a std::vector<Model::params>, built by the model
// registry (models/registry.cpp), which compiles every model's update once: network::add_population<Model> calls it,
// so the files that add populations (tests, the NEST layer) do not compile those updates again.
std::unique_ptr<population> create_registered_population(const std::type_info& type, const char* model,
                                                         const std::string& name, index_t size, std::uint32_t batch,
                                                         const void* per_neuron, double dt);
}  // namespace models

class network {
 public:
  explicit network(network_options options = {});

  double dt() const { return dt_; }                       // ms
  std::uint64_t seed() const { return seed_; }
  std::uint32_t batch() const { return batch_; }
  void set_seed(std::uint64_t seed) { seed_ = seed; }

  template <class Model>
  model_population<Model>& add_population(const std::string& name, index_t size,
                                          typename Model::params params = Model::defaults()) {
    check_population_name(name, size);
    const char* problem = Model::validate(params);
    if (problem) throw parameter_error("population '" + name + "'", "params", Model::name, problem);
    const std::vector<typename Model::params> per_neuron{params};
    auto p = models::create_registered_population(typeid(Model), Model::name, name, size, batch_, &per_neuron, dt_);
    auto& ref = static_cast<model_population<Model>&>(*p);
    adopt(std::move(p));
    return ref;
  }
  population& adopt(std::unique_ptr<population> p);       // takes a population built elsewhere (spec loader)

  // Attaches a BrainPy-style synapse with its output (any synapse kind with any output, models/receptor.hpp) to
  // every neuron of `pop`; returns the channel. Projections onto it carry weights in pA (CUBA) or nS (COBA,
  // MgBlock). E.g. add_receptor("P", "nmda", models::bionmda_params{}, models::mgblock_params{}).
  int add_receptor(const std::string& pop, const std::string& receptor, const models::synapse_params& syn,
                   const models::output_params& out);
  // The first form (Expon with CUBA or COBA), kept so that add_receptor("P", "exc", {5.0_ms}, ...) still reads.
  int add_receptor(const std::string& pop, const std::string& receptor, const models::expon_params& syn,
                   const models::cuba_params& out);
  int add_receptor(const std::string& pop, const std::string& receptor, const models::expon_params& syn,
                   const models::coba_params& out);

  // "P" or "P[a:b]" (a slice of neurons a..b-1).
  neuron_range range(const std::string& selector) const;
  population& find(const std::string& name);
  const population& find(const std::string& name) const;

  projection& connect(const std::string& source, const std::string& target, const connection_rule& rule,
                      const synapse_spec& syn, std::string name = "");
  // Sets synapse synapses[i] (an index into projection `index`'s rows) to weights[i] (the channel's weight unit),
  // after finalize() (NEST's SetStatus on connections). All are checked first (check_weights: finite; of the sign
  // that picked the port of a target routing by sign; in the range of the STDP rule), so a refused call changes
  // nothing; a change over several projections checks each with check_weights before setting any.
  void set_weights(std::size_t index, const std::vector<std::uint64_t>& synapses, const std::vector<double>& weights,
                   const std::string& where);
  void check_weights(std::size_t index, const std::vector<std::uint64_t>& synapses, const std::vector<double>& weights,
                     const std::string& where) const;

  // Gap junctions (engine/gap_junction.hpp): pairs from `rule` (source -> target, as for connect), weight a
  // conductance >= 0 (nS; a value, distribution or per-pair list). symmetric: each pair couples both ways with
  // one g (brainpy.state SymmetryGapJunction; a rule that lists both (i, j) and (j, i) couples them twice);
  // else only the target receives. Both populations need a membrane current input. `name` names it in errors.
  void connect_gap(const std::string& source, const std::string& target, const connection_rule& rule,
                   const quantity_value& weight, bool symmetric = true, std::string name = "");
  const std::vector<gap_projection>& gap_projections() const { return gap_projections_; }
  // NEST's gap junctions with waveform relaxation (engine/nest_gap_wfr.hpp): hh_psc_alpha_gap and
  // hh_cond_beta_gap_traub neurons, CPU only. Junctions and options are added to it directly.
  nest_gap_system& nest_gap() { return nest_gap_; }
  const nest_gap_system& nest_gap() const { return nest_gap_; }

  // The STDP traces and archive of `population` (defaults: NEST's 20 ms, 110 ms; 32 spikes per neuron).
  void set_stdp_archive(const std::string& population, const stdp_archive_options& options);
  // NEST's volume_transmitter for stdp_dopamine_synapse: delivers to its synapses every deliver_interval slices of
  // slice_steps steps (NEST's min_delay; the same for every transmitter, and at most every delay of its synapses).
  // Returns its index (synapse_spec::stdp_volume_transmitter).
  int add_volume_transmitter(const std::string& name, std::uint32_t deliver_interval, std::uint32_t slice_steps);
  // The spikes of `source` (a selector) reach transmitter `vt` after `delay`.
  void connect_volume_transmitter(int vt, const std::string& source, units::time_q delay);
  // Appends this step's spikes to the archives of STDP targets (the simulator calls it after the update).
  void archive_spikes(std::uint64_t step);

  void add_constant_current(const std::string& target, units::current_q amplitude);
  // Independent Poisson trains of `rate` into every neuron of `target` (a Poisson number of spikes per step, each
  // of `weight`), shaped by `shape` (defaults: the whole run, constant, independent).
  void add_poisson_input(const std::string& target, units::rate_q rate, const quantity_value& weight,
                         const std::string& receptor = "", const poisson_shape& shape = {});
  void add_spike_times(const std::string& target, const std::vector<double>& times_ms, const quantity_value& weight,
                       const std::string& receptor = "", units::time_q delay = units::time_q(0.0));
  // A time-varying current into every neuron of `target` ("P" or "P[a:b]"), each batch instance alike (OU and
  // Wiener draw independent noise per neuron and instance). `where` names the input in errors (spec: its index).
  void add_current_input(const std::string& target, const current_input& source, const std::string& where = "");
  // Inputs that can be taken back (NEST's generators changed between simulate() calls, host/nest_layer.cpp): the
  // Poisson, spike-time and current inputs added between begin_inputs(owner) and end_inputs() belong to `owner`
  // (> 0), and remove_inputs(owner) removes them all again, returning their rng tags. Where `reuse_tags` is given,
  // the inputs added take those tags in order (then fresh ones): an input lowered again draws the same numbers.
  void begin_inputs(std::uint32_t owner, std::vector<std::uint32_t> reuse_tags = {});
  void end_inputs();
  std::vector<std::uint32_t> remove_inputs(std::uint32_t owner);
  // The spikes of a SpikeTime population: neuron indices[k] spikes at times[k] (emission time, on the dt grid,
  // >= dt), in every batch instance. Replaces an earlier schedule.
  void set_spike_schedule(const std::string& population, const std::vector<index_t>& indices,
                          const std::vector<units::time_q>& times, const std::string& where = "");
  // The spikes of a spike_train_injector population (models/spike_train_injector.hpp): neuron indices[k] spikes
  // in step steps[k] (the step ending at the spike's stamp) with counts[k] spikes (>= 0); events of one neuron in one
  // step add up. Replaces an earlier schedule.
  void set_spike_counts(const std::string& population, const std::vector<index_t>& indices,
                        const std::vector<std::uint64_t>& steps, const std::vector<real_t>& counts,
                        const std::string& where = "");

  std::vector<std::unique_ptr<population>>& populations() { return populations_; }
  const std::vector<std::unique_ptr<population>>& populations() const { return populations_; }
  std::vector<projection>& projections() { return projections_; }
  const std::vector<projection>& projections() const { return projections_; }
  std::vector<spike_times_input>& spike_inputs() { return spike_inputs_; }
  std::uint64_t synapse_count() const;
  std::uint64_t neuron_count() const;

  // Draws the pending synapses (projection::pending) on the host, then sizes the ring buffers from the longest
  // delay; called by the simulator before the first step. draw_device_resident false: projections a GPU
  // simulator drew on the device (projection::on_device) keep their host arrays empty.
  void finalize(bool draw_device_resident = true);
  // Between runs: grows the ring buffers of populations that got inputs with longer delays after finalize (spike
  // times added by a later NEST Connect), keeping what they hold from `step` on; true when one grew.
  bool fit_ring_buffers(std::uint64_t step);
  // The synapses of one pending projection, drawn on the host (what finalize does).
  void draw_pending_synapses(projection& p);

 private:
  void check_population_name(const std::string& name, index_t size) const;
  std::vector<int> ring_slots_needed() const;  // per population: its longest input delay in steps + 1 (at least 2)
  void check_takes_current(const population& p, const std::string& where) const;
  int choose_channel(population& target, const std::string& receptor, units::dimension weight_dim,
                     double sign_hint, const std::string& where) const;
  // A delay in whole steps (at least 1; 0 means 1). `drawn`: a value drawn from a distribution, where a value
  // below dt takes one step instead of being refused.
  std::uint32_t delay_steps(double delay_ms, const std::string& where, bool drawn = false) const;
  // connect()'s two ways to fill a projection's synapses: row lengths now and the rest pending (weights of one
  // sign `sign`, planned rows), or everything now.
  void plan_synapses(projection& p, const connection_rule& rule, const synapse_spec& syn, std::uint32_t id,
                     double sign, const std::string& where);
  void set_stdp(projection& p, const synapse_spec& syn, const std::string& where);
  void finalize_clopath_archives();
  void finalize_urbanczik_archives();
  void set_align_pre(projection& p, const synapse_spec& syn, const std::string& where);
  models::synapse_constants checked_synapse(const models::synapse_params& syn, const std::string& where) const;
  void build_synapses(projection& p, const connection_rule& rule, const synapse_spec& syn, std::uint32_t id,
                      const std::string& where);

  double dt_;
  std::uint64_t seed_;
  std::uint32_t batch_;
  std::uint32_t next_input_id_ = 0;
  std::uint32_t input_owner_ = 0;              // begin_inputs
  std::vector<std::uint32_t> reuse_tags_;      // begin_inputs: tags handed out before fresh ones
  std::size_t next_reuse_ = 0;
  std::uint32_t next_input_tag();              // a reused tag, else a fresh one (advances next_input_id_)
  std::vector<std::unique_ptr<population>> populations_;
  std::vector<projection> projections_;
  std::vector<spike_times_input> spike_inputs_;
  std::vector<spike_archive> archives_;          // per population; enabled for targets of STDP projections
  std::vector<std::unique_ptr<clopath_archive>> clopath_archives_;  // per population; targets of clopath_synapse
  std::vector<std::unique_ptr<urbanczik_archive>> urbanczik_archives_;  // per population; of urbanczik_synapse
  std::vector<stdp_archive_options> archive_options_;  // per population
  std::vector<std::pair<std::string, std::shared_ptr<models::facetshw_model>>> facetshw_models_;  // by stdp_model
  std::vector<std::shared_ptr<volume_transmitter>> volume_transmitters_;
  std::vector<gap_projection> gap_projections_;  // directed, target-ordered; a symmetric pair of populations: two
  std::uint32_t next_gap_id_ = 0;                // connect_gap calls so far (rng object ids of their rules)
  nest_gap_system nest_gap_;                     // NEST's gap junctions (empty: none)
};

}  // namespace volley
