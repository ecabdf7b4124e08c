#pragma once
// Inside the NEST layer (host/nest_layer.hpp): what create/connect/set_status record, and how it becomes a volley
// network at the first simulate(). NEST's names and values become volley's in host/nest_translate.cpp; devices are
// checked in host/nest_device_params.cpp and lowered in host/nest_generators.cpp; the network is built in
// host/nest_build.cpp and queried in host/nest_queries.cpp.
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/network.hpp"
#include "host/nest_correlation.hpp"
#include "host/nest_layer.hpp"
#include "host/nest_synapses.hpp"
#include "host/simulator.hpp"
#include "models/registry.hpp"

namespace volley::nest::detail {

enum class device_kind {
  none,  // a neuron model
  dc_generator,
  ac_generator,
  step_current_generator,
  noise_generator,
  poisson_generator,
  sinusoidal_poisson_generator,
  mip_generator,
  inhomogeneous_poisson_generator,
  pulsepacket_generator,
  spike_generator,
  // stateful spike generators (models/nest_generator_sources.hpp): a hidden source population per connection
  gamma_sup_generator,
  ppd_sup_generator,
  poisson_generator_ps,
  sinusoidal_gamma_generator,
  spike_dilutor,  // NEST's deprecated spike_dilutor: lowered onto unreliable synapses source -> target
  spike_recorder,
  multimeter,
  voltmeter,
  weight_recorder,  // named by a synapse model's "weight_recorder" (CopyModel / SetDefaults / syn_spec)
  // correlation devices (host/nest_correlation.hpp): neurons connect to them; results in GetStatus / GetEvents
  correlation_detector,
  correlomatrix_detector,
  spin_detector,
  correlospinmatrix_detector,
  volume_transmitter,  // stdp_dopamine_synapse's dopamine source (named by the model's "volume_transmitter")
  step_rate_generator,  // rates for rate neurons (host/nest_rate.cpp): a hidden rate_source population
};

device_kind device_kind_of(const std::string& model);
std::string device_names();
bool is_recorder(device_kind k);
bool is_detector(device_kind k);  // the four correlation devices
// NEST's binary neurons (mcculloch_pitts_neuron, ginzburg_neuron, erfc_neuron): their spikes are transitions.
bool is_binary_neuron(const std::string& model);
json device_defaults(device_kind k, double dt);  // NEST 3.10's defaults at resolution dt, in NEST's units

// The nodes of one create() call.
struct node_group {
  std::string model;
  std::uint64_t first_id = 0, count = 0;
  device_kind kind = device_kind::none;
  const models::neuron_model_entry* entry = nullptr;  // neurons
  json description;                                   // neurons: `volley models` entry (parameter/state units)
  json params = json::object();                       // NEST units; neurons: key -> value | per-node list
  json state_overrides = json::object();              // neurons: state -> {node index: value}, set after params
  std::string population;                             // neurons: the volley population, once built
  json archive = json::object();                      // neurons: NEST's tau_minus, tau_minus_triplet (ms), if set
  json injector = json::array();                      // spike_train_injector: per node its parameters (NEST units)
};

// The receptor_types a detector accepts: 2 (correlation_detector), N_channels, or 1 (spin_detector).
std::uint64_t detector_ports(const node_group& g);

// Pairs drawn over collections spanning several Create() calls (host/nest_composite.cpp), relative to the
// connection's pre and post nodes: pair k is pre[k] -> post[k].
struct drawn_pairs {
  std::vector<index_t> pre, post;
};

// One Connect between the nodes of two Create() calls (a Connect over more calls is one connection per pair).
struct connection {
  node_collection pre, post;  // primitive collections
  json conn_spec, syn_spec;
  std::shared_ptr<const drawn_pairs> pairs;  // set: these pairs instead of drawing the rule
  std::uint64_t call = 0;                    // the Connect it came from (kernel::connect numbers them)
};

// A NEST recordable of a neuron group as volley records it: NEST's value = volley's variable * scale + offset.
// NEST's t_ref_remaining (ms) is refractory_steps * resolution where the model counts steps; iaf_psc_exp_htum's
// multimeter V_m is relative to E_L (its status V_m is not); any other name is passed through (an unknown one
// fails when the recording is set up, naming the model's variables).
struct recordable {
  std::string variable;
  double scale = 1, offset = 0;
};

// What a recorder collects, once built: the spikes of neuron ranges or the traces of variables.
struct recorder_source {
  std::size_t group = 0;            // index of the recorded neurons' group
  std::uint64_t begin = 0, end = 0; // nodes [begin, end) inside that group
  std::size_t first_trace = 0;      // multimeters: index of the first of its traces in the recording
  std::vector<recordable> as;       // multimeters: per recorded name, how NEST's value follows from volley's
  // detectors: the connection's receptor_type, weight and index; binary neurons: trace of their spike payload
  std::uint32_t port = 0;
  double weight = 1;
  std::size_t connection = 0;
  bool binary = false;              // a binary neuron (payload +1 up / -1 down at its spikes, trace first_trace)
  std::uint64_t from_step = 0;      // connected after a simulate(): its spikes from this step on (traces: its own)
};


// A step current lowered but not yet added: lower_generator_connection sums the pieces of a dc_generator's or
// step_current_generator's history and weight epochs into one input per target.
struct pending_step_input {
  std::string target, where;
  step_input s;
};

// What lowering a generator needs beyond the connection: the resolution, NEST's min_delay (the shortest
// connection delay of the network: mip_generator's spikes arrive min_delay - dt later than a
// poisson_generator's in NEST 3.10, measured), and the seed and a number for host-drawn spike trains.
struct generator_context {
  double dt = 0.1;         // ms
  double min_delay = 0.1;  // ms
  std::uint64_t seed = 1;
  std::uint32_t connection = 0;  // index of the connection (stream of pulsepacket_generator's draws)
  std::uint32_t copy = 0;        // which generator of its Create() call (each lowered alone; names its trains)
  std::vector<pending_step_input>* step_sink = nullptr;  // set: step currents go here instead of the network
};

struct plan {
  kernel_options options;
  std::uint64_t next_id = 1;
  std::vector<node_group> groups;
  std::vector<connection> connections;
  std::uint64_t connect_calls = 0;  // Connect calls so far (connection::call)
  std::unique_ptr<network> net;
  std::unique_ptr<simulator> sim;
  double build_s = 0;
  std::vector<std::vector<recorder_source>> recorded;  // per group (recorders only)
  std::vector<synapse_model> synapse_models = builtin_synapse_models();  // CopyModel adds to it
  std::vector<long long> projection_of;               // per connection: its projection in net, -1 for devices
  std::vector<long long> weight_recorder_of;          // per connection: the group of its weight_recorder, or -1
  std::vector<std::vector<int>> volume_transmitters;  // per group: each volume_transmitter node's index in net
  double min_delay_ms = 0;                            // NEST's min_delay of the planned connections (at build)
  double max_delay_ms = 0;                            // NEST's max_delay: their largest number or list entry
  // iaf_bw_2001_exact: NMDA slots (ports NMDA_1..) handed out per target group, one per NMDA connection of a neuron
  std::map<std::size_t, int> nmda_slots_used;
  std::string claim_nmda_slot(const node_group& post, const std::string& where);
  // rate inputs NEST delivers in step 0 (a step_rate_generator whose delay is min_delay): summed into the rings
  struct rate_preload {
    std::string population;
    int channel;
    std::uint64_t begin, end;  // target neurons
    double value;              // weight * rate
  };
  std::vector<rate_preload> rate_preloads;
  // instantaneous connections under waveform relaxation: NEST's step 0 reads the senders' initial rates
  struct rate_wfr_projection {
    std::size_t projection;
    const node_group* sender;
    bool linear;  // the target's linear_summation
  };
  std::vector<rate_wfr_projection> rate_wfr_projections;
  std::vector<std::uint64_t> run_ends;                // step count at the end of every simulate() call
  std::vector<std::vector<std::uint64_t>> resets;     // per group: steps at which SetStatus(n_events: [0, 0]) reset
                                                      // a correlation_detector after a simulate()

  // SetStatus after a simulate() (host/nest_later_changes.cpp). A generator changed at time T acts as two: its old
  // parameters for what it emits up to T, its new ones after (each a window origin/start/stop inside its own),
  // lowered again onto its targets; the inputs of a connection carry the owner index + 1 (network::begin_inputs).
  struct generator_segment {
    double from_ms;  // the segment covers emissions after from_ms (-inf: from the start)
    json params;
  };
  std::vector<std::vector<generator_segment>> generator_history;  // per group; empty: never changed
  struct weight_epoch {  // a generator connection's weights from a SetStatus(connections) on
    double from_ms;
    std::vector<double> weights;  // per generator of the connection (NEST's units); empty: the syn_spec's
  };
  struct lowered_generator {  // per device -> neuron connection: what it was lowered with at build
    std::vector<std::string> targets;  // volley selectors, one per generator of the connection (each lowered alone)
    std::uint64_t first_generator = 0;  // the index of the connection's first generator in its Create() call
    json syn_spec;
    generator_context ctx;
    std::vector<std::uint32_t> tags;  // rng tags of its first lowering, reused by each segment
    bool tags_known = false;
    double from_ms = -std::numeric_limits<double>::infinity();  // connected after a simulate(): emissions after it
    std::vector<long long> noise_lags;  // a noise_generator's pieces' lags as lowered (host/nest_noise_schedule.hpp)
    std::vector<weight_epoch> weight_epochs;  // empty: the syn_spec's weight throughout
  };
  // Weights set on generator connections before the first simulate(), per connection and generator: the build
  // lowers them
  std::map<std::size_t, std::vector<double>> preset_generator_weights;
  std::map<std::size_t, lowered_generator> lowered_generators;  // by connection index
  // Weights set on device connections that do not use them (recorders, detectors, a parrot's port 0), by
  // (connection index, pair index): GetConnections reports them, as NEST does
  std::map<std::pair<std::size_t, std::uint64_t>, double> device_weights;
  // Weights set on connections between neurons before the first simulate() (host/nest_preview.cpp), by (connection
  // index, synapse index in its projection), in volley's units: applied when the network is built
  // Gap junctions also keep here the weights set after a run (by (connection, its place in NEST's order)), which
  // GetConnections lists.
  std::map<std::pair<std::size_t, std::uint64_t>, double> preset_weights;
  // Each gap junction's index in net->nest_gap(), by (connection, its place in NEST's order), set at build
  std::map<std::pair<std::size_t, std::uint64_t>, std::uint64_t> gap_junction_of;
  // Before the first simulate(): a plan with this one's nodes, connections and settings, its network built on the
  // host and no simulator, which GetConnections and SetStatus(connections) read (host/nest_preview.cpp)
  std::unique_ptr<plan> preview() const;
  std::unique_ptr<plan> preview_cache;  // the preview of the plan as it is: dropped by every change to the plan
  std::vector<std::uint64_t> cleared_at;  // per group (recorders): SetStatus(n_events: 0) hid the events up to it
  // A recorder's origin / start / stop changed after a simulate(): per group, the parameters in force from each
  // change's step on (empty: never changed; else the first entry holds the parameters before the first change, from
  // step 0). An event takes the window in force when NEST delivered it to the recorder (recorder_windows in
  // host/nest_device_values.hpp).
  struct window_segment {
    std::uint64_t from_step;
    json params;
  };
  std::vector<std::vector<window_segment>> window_history;
  // Nodes and connections added after a simulate() (host/nest_late_additions.cpp): add_late_group creates neurons
  // (built at the next simulate) or generators and recorders; connections are checked at Connect and built by
  // extend() at the next simulate, acting from the current time on, as in NEST.
  std::size_t built_connections = 0;  // connections [0, built_connections) are in the network
  bool pending(const node_group& g) const;  // neurons created after a simulate(), not built yet
  void add_late_group(node_group g, const json& device_params);
  void drop_last_group();  // a late Create whose parameters were refused
  void check_late_connection(const connection& c) const;
  void extend();
  // extend() when anything was added since the last build (after the first simulate; nothing before it): at
  // simulate, and at GetConnections / SetStatus of connections, which NEST answers with the new ones at once
  void build_additions();
  // commit false: only the checks (a SetStatus over several Create() calls checks every part before changing any)
  void set_status_after_simulate(const node_collection& nodes, const json& params, bool commit = true);
  void change_neurons(node_group& g, const node_collection& nodes, const json& params, bool commit);
  void change_generator(node_group& g, const json& params, bool commit);
  void change_recorder(node_group& g, const json& params, bool commit);
  void lower_generator_connection(std::size_t connection, const node_group& g);
  std::vector<long long> run_starts() const;  // steps at which the Simulate calls so far (and the next) start
  void realign_noise_phases();                // before a Simulate after the first (host/nest_noise_schedule.hpp)
  // A generator's parameters as a segment of its history from `from_ms` on: for a step_current_generator, NEST
  // 3.10 (measured) skips the amplitude times up to from_ms and keeps the amplitude it had (`held`) until the next.
  json segment_params(const node_group& g, const json& params, double from_ms, double held) const;
  // A neuron group's population built from g.params (id: the rng streams of its per-neuron draws)
  std::unique_ptr<population> create_population(const node_group& g, std::uint32_t id) const;
  void apply_state_overrides(population& p, const node_group& g) const;  // states set on part of the nodes

  // Collections spanning several Create() calls (host/nest_composite.cpp). runs: the nodes split at the calls'
  // boundaries (ids outside every call are refused). connection_pieces: one Connect as connections between runs
  // (each checked and built as any other). params_of_run: a SetStatus's params for one run (per-node lists cut to
  // it). composite_status: GetStatus over several runs, NEST's shape (one value per node, null where a node lacks
  // the key).
  std::vector<node_collection> runs(const node_collection& nodes, const std::string& where) const;
  std::vector<connection> connection_pieces(const node_collection& pre, const node_collection& post,
                                            const json& conn_spec, const json& syn_spec) const;
  std::vector<connection> split_connection(const node_collection& pre, const node_collection& post,
                                           const json& conn_spec, const json& syn_spec) const;
  std::vector<connection> drawn_pieces(const node_collection& pre, const node_collection& post,
                                       const std::vector<node_collection>& from, const std::vector<node_collection>& to,
                                       const json& conn_spec, const json& syn_spec, const std::string& where) const;
  json params_of_run(const node_collection& nodes, const node_collection& run, std::uint64_t offset, const json& params,
                     const std::string& where) const;
  json composite_status(const std::vector<node_collection>& runs) const;
  // A connection's rule: its conn_spec's, or the explicit list of its drawn pairs.
  connection_rule rule_of(const connection& c, const std::string& where) const;

  node_group& group_of(const node_collection& nodes, const std::string& where);
  const node_group& group_of(const node_collection& nodes, const std::string& where) const;
  std::size_t index_of(const node_group& g) const { return static_cast<std::size_t>(&g - groups.data()); }

  void check_connection(const connection& c) const;  // what can be checked before the network exists
  void check_neuron_params(const node_group& g) const;
  void build();  // build_network, then the simulator and its recordings
  // The network of the nodes and connections so far, and what the recorders will record
  void build_network(std::vector<trace_request>& traces, std::vector<std::string>& spikes);
  void apply_preset_weights();
  json status(const node_collection& nodes) const;
  json events(const node_collection& recorder) const;
  json recorded_events(const node_collection& recorder) const;  // events() before SetStatus(n_events: 0) clears
  // NEST's min_delay in steps: the slices its recorders receive events in
  std::uint64_t slice_steps() const;
  // The first step of the min_delay slice that a run ending after `step` steps was in (0 for step 0): NEST's
  // spikes from there on are still in its spike exchange, its multimeter samples up to there are delivered.
  std::uint64_t last_slice_start(std::uint64_t step) const { return step == 0 ? 0 : (step - 1) / slice_steps() * slice_steps(); }
  // The synapses from `source` to `target` (an empty collection: all nodes) of `synapse_model` ("": any), in
  // NEST's order of GetConnections: by synapse model id, then source, then creation.
  struct connection_row {
    std::uint64_t source, target;  // global ids
    double weight, delay;          // as GetConnections reports them (ms)
    const std::string* model;
    std::size_t connection, projection;  // projection: no_projection for a device's connection
    std::uint64_t synapse;         // index into the projection's rows (a device's: the pair's index in its Connect)
    std::size_t synapse_id;        // NEST's synapse_modelid (nest_synapse_id)
    int block = 0;                 // NEST's listing: 0 between neurons, 1 neurons into devices, 2 from devices
    std::uint64_t made = 0;        // its place among a source's connections of one Connect (NEST lists by it)
  };
  // The delay GetConnections lists for connections without one (gap_junction, rate_connection_instantaneous,
  // diffusion_connection): NEST 3.10's default delay (measured)
  static constexpr double listed_delay_without_delay = 1.0;  // ms
  static constexpr std::size_t no_projection = static_cast<std::size_t>(-1);
  // SetStatus(connections) on generator connections (host/nest_later_changes.cpp): the weights per generator
  std::map<std::size_t, std::vector<double>> generator_weight_changes(
      const std::map<std::size_t, std::vector<std::pair<connection_row, double>>>& rows, const char* call) const;
  std::vector<double> generator_weights_now(std::size_t connection) const;
  void set_generator_weights(std::size_t connection, const std::vector<double>& weights);
  void set_generator_weights(const std::map<std::size_t, std::vector<double>>& changes);
  static std::vector<pending_step_input> sum_step_inputs(const std::vector<pending_step_input>& pieces,
                                                        double now_ms);
  std::vector<connection_row> connection_rows(const node_collection& source, const node_collection& target,
                                              const std::string& synapse_model, const char* call) const;
  void device_rows(const node_collection& source, const node_collection& target, const std::string& synapse_model,
                   const char* call, std::vector<connection_row>& rows) const;
  void gap_rows(const node_collection& source, const node_collection& target, const std::string& synapse_model,
                const char* call, std::vector<connection_row>& rows) const;  // host/nest_gap.cpp
  json connections_between(const node_collection& source, const node_collection& target,
                           const std::string& synapse_model) const;
  bool is_diffusion(const connection_row& r) const;  // a diffusion_connection's row (two projections)
  void set_connections(const node_collection& source, const node_collection& target, const std::string& synapse_model,
                       const json& params);
  void redeliver_in_transit(projection& p, const std::vector<std::uint64_t>& synapses, const std::vector<double>& before,
                            std::uint64_t from_step);
  json weight_events(const node_group& recorder) const;
  // A correlation device's results as NEST's GetStatus gives them (host/nest_detector_results.cpp); spin_detector's events.
  json detector_results(const node_group& detector) const;
  json spin_events(const node_group& detector) const;
  // The spikes a detector has received so far, in NEST's order of delivery (host/nest_correlation.hpp); `unroll`:
  // an up transition of a binary neuron as two events (NEST's spike exchange sends multiplicity 2 as two spikes).
  std::vector<detector_input> detector_spikes(const node_group& detector, bool exchanged, bool unroll) const;
  // Calls f(source, spikes, k) for every recorded spike k of the neurons connected to `recorder` (spike recorders
  // and detectors), source by source, in the record's order.
  template <class F>
  void each_recorded_spike(const node_group& recorder, F&& f) const {
    if (!sim) return;
    for (const auto& src : recorded[index_of(recorder)])
      for (const auto& sr : sim->record().spikes) {
        if (sr.population != groups[src.group].population) continue;
        for (std::size_t k = 0; k < sr.size(); ++k)
          if (sr.neuron[k] >= src.begin && sr.neuron[k] < src.end && sr.step[k] >= src.from_step) f(src, sr, k);
      }
  }
  // The group index of the weight_recorder a merged syn_spec names (its global id), or -1 for none.
  long long weight_recorder_group(const json& spec, const std::string& where) const;
  // The network index of the volume transmitter a merged stdp_dopamine_synapse syn_spec names (after build), or
  // only its check (before): a single volume_transmitter node's global id.
  int volume_transmitter_index(const json& spec, const std::string& where) const;

 private:
  void build_population(node_group& g);
  void connect_neurons(const connection& c);
  void connect_device(const connection& c, std::vector<trace_request>& traces, std::vector<std::string>& spikes);
  void connect_detector(const connection& c, std::vector<trace_request>& traces, std::vector<std::string>& spikes);
  // Every (neurons -> spike_dilutor, spike_dilutor -> neurons) pair of connections sharing dilutor nodes becomes,
  // per shared node, an all-to-all projection from the sources to the targets whose synapses pass each spike with
  // probability p_copy (NEST 3.10, measured: the outgoing weight, delay in + out, each target its own draws).
  void connect_dilutors();
  // rate models (host/nest_rate.cpp): rate_connection_delayed / _instantaneous, step_rate_generator
  void connect_rate(const connection& c);
  std::string lower_step_rate_generator(const node_group& g, const connection& c, const node_group* gain,
                                        long long shift, double& first_value);
  void apply_rate_preloads();  // after the simulator allocated the rings
  // siegert_neuron (host/nest_siegert.cpp): a diffusion_connection as two projections, drift and diffusion
  void connect_diffusion(const connection& c);
  // sic_connection (host/nest_astro.cpp): astrocyte -> aeif_cond_alpha_astro, the SIC as payload onto port "SIC"
  void connect_sic(const connection& c);
};

// spike_train_injector in the layer (host/nest_injector.cpp): a neuron group whose list parameters are kept per
// node in node_group::injector and become the built population's spike schedule.
bool is_injector(const node_group& g);
void set_injector_params(node_group& g, const node_collection& nodes, const json& params, double dt,
                         const std::string& where);
json injector_status(const node_group& g, const node_collection& nodes);
void schedule_injector(network& net, const node_group& g, double dt);

// NEST's astrocytes in the layer (host/nest_astro.cpp).
bool is_astrocyte(const node_group& g);  // astrocyte_lr_1994: takes spikes, sends its SIC (not a rate model)
bool is_sic_synapse(const synapse_model& m);
// NEST's value of volley's state variable `name` of group g per unit of volley's: 1000 for an astrocyte's
// concentrations (NEST: µM, volley: mM), else 1.
double astro_unit_scale(const node_group& g, const std::string& name);
// NEST's rules for connections from or to astrocytes and for sic_connection; true when the connection is a
// sic_connection (checked completely), false when the generic checks follow.
bool check_astro_connection(const plan& p, const connection& c, const node_group& pre, const node_group& post);

// NEST's rate models in the layer (host/nest_rate.cpp).
bool is_rate_model(const node_group& g);  // emits rates (models/nest_rate.hpp)
bool is_rate_synapse(const synapse_model& m);
// NEST's rules for a connection with rate nodes or a rate synapse; false when neither is involved.
bool check_rate_connection(const plan& p, const connection& c, const node_group& pre, const node_group& post);
// siegert_neuron and diffusion_connection (host/nest_siegert.cpp): NEST's rules; false when neither is involved.
bool is_siegert(const node_group& g);
bool check_diffusion_connection(const plan& p, const connection& c, const node_group& pre, const node_group& post);
// A neuron SetStatus's parameters with NEST's second names resolved (mean/std; gauss_rate_ipn's mu/sigma set two).
json rate_param_aliases(const node_group& g, const json& params);
// What a connection of model m with this delay counts as in NEST's min_delay.
double rate_min_delay_entry(const synapse_model& m, const json& delay, const kernel_options& o);
// NEST's cm_default in the layer (host/nest_cm.cpp).
bool is_cm(const node_group& g);
// NEST's compartments / receptors (add_compartments / add_receptors) lists as cm_default's flattened parameters;
// other groups' parameters pass unchanged. whole: the SetStatus covers the whole Create() call.
json cm_params(const node_group& g, const json& params, bool whole, const std::string& where);
void check_cm_built(const node_group& g);    // NEST refuses to simulate a cm_default without compartments
std::string cm_unit(const std::string& unit);  // NEST's cm_default unit of volley's (uS, nF, nA for nS, pF, pA)
// Port of a spike connection onto cm_default with receptor_type k (refused: k >= n_receptors, negative weights).
std::string cm_spike_port(const json& syn, const node_group& target, std::uint64_t k, const std::string& where);
// Port of a current generator onto cm_default ("" = the soma's current input); steps_only: dc / step generators.
std::string cm_current_port(const json& syn, const node_group& target, bool steps_only, const std::string& model,
                            const std::string& where);
std::string cm_state_name(const std::string& nest_name);  // NEST's recordable name as cm_default's state
// NEST's gap junctions in the layer (host/nest_gap.cpp).
bool is_gap_synapse(const synapse_model& m);
void check_wfr_options(const kernel_options& o);  // NEST's ranges of the kernel's wfr_* options
double gap_min_delay_entry(const kernel_options& o);  // what a gap junction counts as in NEST's min_delay (ms)
// NEST's rules for a gap_junction connection; false when the connection is not one.
bool check_gap_connection(const plan& p, const connection& c, const node_group& pre, const node_group& post);
void connect_nest_gap(plan& p, const connection& c);  // at build, after the populations
// Each gap junction of connection `ci` as NEST makes it: f(source, target, weight (nS), made), global ids, `made`
// its index in NEST's order of making them within the Connect (a weight set before the first run replaces Connect's)
using gap_visitor = std::function<void(std::uint64_t, std::uint64_t, double, std::uint64_t)>;
void each_gap_junction(const plan& p, std::size_t ci, const std::string& where, const gap_visitor& f);
// NEST's cont_delay_synapse in the layer (host/nest_cont_delay.cpp).
bool is_cont_delay_synapse(const synapse_model& m);
struct cont_delay {
  bool continuous = false;  // the model's default delay, off the step grid (not given in Connect's syn_spec)
  long long steps = 0;      // NEST's delay steps: floor(d / h) + 1
  double offset_ms = 0;     // NEST's delay_offset: steps h - d
};
cont_delay cont_delay_of(const synapse_model& m, const json& syn_spec, double h);
// The steps volley delivers a continuous delay with: NEST's steps, or for precise-time senders and targets the
// grid point within 1e-9 h of NEST's arrival time (check_cont_delay refuses the rest).
long long cont_delay_steps(const cont_delay& c, const node_group& pre, const node_group& post, double h);
// Refuses what volley cannot deliver as NEST does: off-grid delays onto or from precise-time (_ps) neurons.
void check_cont_delay(const synapse_model& m, const json& syn_spec, const node_group& pre, const node_group& post,
                      double h, const std::string& where);
// x with all 17 significant digits (a double that reads back exactly).
std::string number_text(double x);
// NEST's conn_spec as volley's connection rule.
connection_rule nest_rule(const json& spec, const std::string& where);

// Unit (as `volley models` writes it) of a neuron group's parameter or state variable `key`; throws a
// parameter_error listing the known names for anything else.
std::string unit_of_key(const node_group& g, const std::string& key, const std::string& where);
// Whether `key` is a state variable (set as an initial value) and not also a parameter.
bool is_state_key(const node_group& g, const std::string& key);
// NEST's vector parameters (gif's tau_sfa / q_sfa, a multisynapse model's tau_syn / E_rev, ...) onto volley's fixed
// components key_1..key_n: a list for `key` where the model has no `key` but key_1.. sets key_i to entry i and the
// components past the list to their defaults (absent); more entries than components is an error naming the limit.
json expand_vector_params(const node_group& g, const json& params, const std::string& where);
bool is_vector_param(const node_group& g, const std::string& key);  // such a key (its value is a list itself)
recordable recordable_of(const node_group& g, const std::string& nest_name, double resolution_ms);
// NEST's receptor_type of a connection onto `target` as volley's receptor (port) name; "" routes by the weight's sign.
std::string receptor_of(const json& syn, const node_group& target, const std::string& where);
// The syn_spec's weight (NEST's units), or 1 where NEST ignores it (parrot_neuron counts spikes).
json nest_weight(const json& syn, const node_group& target);
// The unit NEST's weights onto `target` are in: that of the first port (mV without ports); for
// pp_cond_exp_mc_urbanczik, whose ports differ (nS at the soma, pA at the dendrite), that of syn's receptor_type.
std::string weight_unit_of(const node_group& target, const json& syn = json::object());

// A NEST value (number in NEST's units, list, distribution, or a volley quantity string) as volley spec JSON
// in `unit`: numbers become "x unit"; rates given in Hz when unit is 1/ms.
json with_unit(const json& value, const std::string& unit);
// The same, parsed into a quantity_value.
quantity_value quantity_in(const json& value, const std::string& unit, const std::string& where,
                           const std::string& name);

// Checks everything first, then commits (as NEST's SetStatus); dt: the resolution (detectors' time grid).
void set_device_params(node_group& g, const json& params, const std::string& where, double dt);
// NEST's min_delay over the planned connections' delays (their syn_specs over their synapse models' defaults):
// numbers and lists count with their smallest value, distributions with their "low" bound where they give one
// (else the resolution).
double planned_min_delay(const std::vector<json>& delays, double dt);

// Lowers generator group `g` onto target neurons `target` (a volley selector "P[a:b]") with the connection's
// syn_spec (weight scales currents, delay shifts as NEST's connection delay does).
void lower_generator(network& net, const node_group& g, const std::string& target, const node_group& target_group,
                     const json& syn_spec, const generator_context& ctx);

}  // namespace volley::nest::detail
