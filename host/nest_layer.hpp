#pragma once
// A NEST-flavoured layer over volley's network and simulator, for porting PyNEST scripts: Create / Connect /
// SetStatus / GetStatus / Simulate with NEST's model names, parameter names, units and connection rules.
//
//   volley::nest::kernel k({.resolution_ms = 0.1});
//   auto pop = k.create("iaf_psc_exp", 100, {{"I_e", 376.0}});
//   auto pg = k.create("poisson_generator", 1, {{"rate", 8000.0}});
//   k.connect(pg, pop, "all_to_all", {{"weight", 87.8}, {"delay", 1.5}});
//   k.connect(pop, pop, {{"rule", "fixed_indegree"}, {"indegree", 10}}, {{"weight", 20.0}, {"delay", 1.5}});
//   auto sr = k.create("spike_recorder");
//   k.connect(pop, sr);
//   k.simulate(1000.0);
//   auto events = k.get_events(sr);  // {"senders": [...], "times": [...]}
//
// Numbers are in NEST's units (ms, mV, pA, nS, pF, Hz, degrees for phases); volley's internal units are NEST's
// except rates, which this layer converts. Nothing is built until the first simulate(): create, connect and
// set_status only record what to build, so parameters can be set in any order, as in NEST. After the first
// simulate() the nodes and connections are fixed (further simulate() calls continue the run); set_status can still
// change neurons and generators, and clear recorders, and set_connections the weights of connections. The timing of every device is
// NEST's, measured against NEST 3.10 (tests/test_nest_layer.cpp, docs/nest_layer.md).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/backend.hpp"

namespace volley {
class network;
class simulator;
struct run_stats;
}  // namespace volley

namespace volley::nest {

using json = nlohmann::json;
namespace detail {
struct plan;
}

// NEST's NodeCollection: global ids (1-based, as NEST numbers nodes), ascending. A primitive collection is one
// range first_id .. first_id + count - 1 (it may span several Create() calls); a + b joins two disjoint collections
// into a composite one, as NEST's NodeCollection addition: the ids of both, sorted (overlapping ones are refused,
// adjacent ranges merge). The calls below take either; Connect draws its rule over the whole collections.
struct node_collection {
  std::uint64_t first_id = 0;  // primitive: its first id (0 for an empty collection)
  std::uint64_t count = 0;     // primitive: its number of nodes
  // composite: its ranges (primitive collections), ascending, disjoint and not adjacent; empty for a primitive one
  std::vector<node_collection> parts;

  node_collection() = default;
  node_collection(std::uint64_t first, std::uint64_t n) : first_id(first), count(n) {}
  std::uint64_t size() const;
  bool empty() const { return size() == 0; }
  bool composite() const { return !parts.empty(); }
  bool contains(std::uint64_t id) const;
  std::vector<node_collection> ranges() const;  // its primitive ranges, ascending (one for a primitive collection)
  std::vector<std::uint64_t> ids() const;       // every global id, ascending (NEST's tolist())
  node_collection operator[](std::uint64_t i) const;                 // the i-th node alone
  // nodes [begin, end), every step-th, as nodes[begin:end:step]; a step above 1 gives a composite collection of
  // single nodes (each costs what a Create() call's range costs: a projection per Connect)
  node_collection slice(std::uint64_t begin, std::uint64_t end, std::uint64_t step = 1) const;
  friend node_collection operator+(const node_collection& a, const node_collection& b);
  friend bool operator==(const node_collection& a, const node_collection& b) { return a.ranges_equal(b); }

 private:
  bool ranges_equal(const node_collection& other) const;
};

struct kernel_options {
  double resolution_ms = 0.1;
  std::uint64_t rng_seed = 1;
  int local_num_threads = 0;                // CPU threads; 0: OpenMP's default
  backend_kind backend = backend_kind::cpu;  // automatic: a GPU where one answers
  std::uint32_t stdp_archive_capacity = 32;  // postsynaptic spikes kept per neuron for STDP (engine/spike_archive.hpp)
  // NEST's waveform relaxation (kernel status use_wfr, default true): decides what rate_connection_instantaneous
  // delivers (host/nest_rate.cpp) and NEST's min_delay, and how gap junctions couple (host/nest_gap.cpp)
  bool use_wfr = true;
  // NEST's waveform relaxation of gap junctions (engine/nest_gap_wfr.hpp), NEST's defaults
  double wfr_comm_interval = 1.0;   // ms: a gap junction's entry in min_delay (the slice one relaxation covers)
  double wfr_tol = 1e-4;            // mV
  int wfr_max_iterations = 15;
  int wfr_interpolation_order = 3;  // 0, 1 or 3
};

class kernel {
 public:
  explicit kernel(kernel_options options = {});
  ~kernel();
  kernel(const kernel&) = delete;
  kernel& operator=(const kernel&) = delete;

  // A neuron model of `volley models` (family nest or brainpy), or a device: dc_generator, ac_generator,
  // step_current_generator, noise_generator, poisson_generator, sinusoidal_poisson_generator, mip_generator,
  // inhomogeneous_poisson_generator, pulsepacket_generator, spike_generator, gamma_sup_generator, ppd_sup_generator,
  // poisson_generator_ps, sinusoidal_gamma_generator, spike_dilutor, step_rate_generator (host/nest_rate.cpp),
  // spike_recorder, multimeter,
  // voltmeter, weight_recorder, correlation_detector, correlomatrix_detector, spin_detector,
  // correlospinmatrix_detector (host/nest_correlation.hpp), volume_transmitter. NEST's vector parameters (tau_sfa, tau_syn, ...) set the model's components key_1, key_2, ... params: numbers in NEST's units; for neurons a list (one value per node) or a distribution
  // {"distribution": "normal", "mean": m, "std": s[, "low": a, "high": b]} | {"distribution": "uniform",
  // "low": a, "high": b} is accepted too. State variables (V_m, ...) set the initial state.
  node_collection create(const std::string& model, std::uint64_t n = 1, const json& params = json::object());
  // conn_spec: "all_to_all" | "one_to_one" | {"rule": "pairwise_bernoulli", "p": ...} | {"rule": "fixed_indegree",
  // "indegree": ...} | {"rule": "fixed_outdegree", "outdegree": ...} | {"rule": "fixed_total_number", "N": ...},
  // each with optional allow_autapses / allow_multapses (NEST's defaults: true). syn_spec: synapse_model
  // "static_synapse", weight, delay (numbers or distributions; with one_to_one also lists, one per connection),
  // receptor_type (0: by the sign of the weight). pre and post may span several create() calls (a + b): the rule is
  // drawn over the whole collections (host/nest_composite.cpp).
  void connect(const node_collection& pre, const node_collection& post, const json& conn_spec = "all_to_all",
               const json& syn_spec = json::object());
  // After a simulate() (as between NEST's Simulate calls): neurons' parameters and state variables (numbers or
  // per-node lists; not those of spike_train_injector, rate, cm_default, astrocyte, siegert, gif_pop_psc_exp,
  // clopath and urbanczik neurons, whose parameters are lowered into the network: their states can be set); the
  // parameters of dc_generator, ac_generator, step_current_generator, noise_generator, poisson_generator,
  // mip_generator and spike_generator, which act from the next step on as NEST's
  // (old parameters for what the generator emitted up to now, the new ones after); {"n_events": 0} on a
  // spike_recorder, multimeter or voltmeter and {"n_events": [0, 0]} on a correlation_detector clear them, as in
  // NEST (the samples of the last min_delay slice run, which NEST has not delivered yet, stay). Anything else is
  // set before the first simulate().
  // Over several create() calls' nodes, a list with one value per node is split among them; every part is checked
  // before any changes.
  void set_status(const node_collection& nodes, const json& params);
  // Synapse models (host/nest_synapses.hpp): static_synapse, static_synapse_hom_w, tsodyks_synapse(_hom),
  // tsodyks2_synapse, stdp_synapse, stdp_synapse_hom, stdp_pl_synapse_hom, stdp_triplet_synapse,
  // vogels_sprekeler_synapse, stdp_nn_symm/_restr/_pre_centered_synapse, jonke_synapse, stdp_facetshw_synapse_hom,
  // stdp_dopamine_synapse (its volume_transmitter named by global id), cont_delay_synapse, sic_connection
  // (astrocyte_lr_1994 -> aeif_cond_alpha_astro). CopyModel makes a named copy with
  // other defaults, SetDefaults changes a synapse model's defaults (both before the first simulate()).
  void copy_model(const std::string& existing, const std::string& name, const json& params = json::object());
  void set_defaults(const std::string& model, const json& params);
  json get_defaults(const std::string& model) const;
  // NEST's GetConnections(source, target, synapse_model).get(): {"source", "target", "weight", "delay",
  // "synapse_model"} lists over the connections (weights as they are now), in NEST's order: by synapse model (NEST's
  // model id), then source, then creation. Before the first simulate() too: NEST makes a connection at Connect
  // (volley answers from a preview of the network it will build). An empty collection (count 0) stands for all
  // nodes; an empty synapse_model for every model.
  json get_connections(const node_collection& source = {}, const node_collection& target = {},
                       const std::string& synapse_model = "") const;
  // NEST's GetConnections(source, target, synapse_model).set(params): {"weight": w} with one number for all of them
  // or a list with one per connection in get_connections' order (NEST's units), from the next spike on (before the
  // first simulate(): from the start). Checked as a whole first (static_synapse_hom_w: refused, as in NEST; an STDP rule's
  // range; the sign that picked the port of a target routing by sign), so a refused call changes nothing. Delays
  // and plastic states cannot be set yet.
  void set_connections(const node_collection& source, const node_collection& target, const json& params,
                       const std::string& synapse_model = "");
  // Over several create() calls' nodes: NEST's shape, one value per node for every key (null where a node lacks it).
  // Neurons: {"model", "global_id"} plus, after a simulate(), every state variable (lists over the nodes);
  // recorders: {"model", "n_events"}; generators: their parameters; correlation devices: their parameters and
  // results (correlation_detector: histogram, histogram_correction, count_histogram, n_events; correlomatrix_detector:
  // covariance, count_covariance, n_events; correlospinmatrix_detector: count_covariance).
  json get_status(const node_collection& nodes) const;
  // A recorder's events: {"senders": [...], "times": [...]} (ms), multimeters also one list per variable,
  // spin_detector also "state" (1 up, 0 down).
  json get_events(const node_collection& recorder) const;
  // Runs t_ms more (the first call builds the network); returns the run's statistics (spikes per population,
  // synaptic events, wall time of the step loop).
  run_stats simulate(double t_ms);

  network& net();                      // the network (built at the first simulate())
  const simulator* sim() const;        // nullptr before the first simulate()
  double build_seconds() const;        // wall time of building the network and drawing the synapses

 private:
  void set_status_of_run(const node_collection& nodes, const json& params);  // nodes of one Create() call
  void set_status_of_runs(const node_collection& nodes, const std::vector<node_collection>& runs, const json& params);
  detail::plan& preview() const;  // before the first simulate(): the network as it will be built
  std::unique_ptr<detail::plan> plan_;
};

}  // namespace volley::nest
