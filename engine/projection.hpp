#pragma once
// A projection: connections from a range of one population to a range of another (or the same), stored as CSR
// by source with targets sorted within each row. Target indices are 16 bit when the target range fits.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/clopath_archive.hpp"
#include "engine/config.hpp"
#include "engine/connectivity.hpp"
#include "engine/distribution.hpp"
#include "engine/population.hpp"
#include "engine/random.hpp"
#include "engine/spike_archive.hpp"
#include "engine/urbanczik_archive.hpp"
#include "models/short_term_plasticity.hpp"
#include "models/stdp.hpp"
#include "models/stdp_dopamine.hpp"
#include "models/stdp_facetshw.hpp"

namespace volley {

// Synapses whose targets, weights and delays are drawn when the network is finalized, on the host or on a GPU
// from the same counter-based streams (kernels/gpu/connectivity_build.cu); the row lengths are known from connect()
// on. Rules with planned rows only (fixed_outdegree, fixed_total_number), weights of one sign.
struct pending_synapses {
  connection_rule rule;
  value_distribution weight;  // the channel's weight unit; a constant is stored in projection::weight instead
  value_distribution delay;   // ms; a constant is stored in projection::delay instead
  std::uint32_t id = 0;       // projection id: the streams' object id
  std::string where;          // "projection 'E->I'", for errors
};

// NEST's volume_transmitter: the spikes of its source neurons reach it after their delays; the dopamine synapses
// that name it read the list of spikes since its last delivery, and every deliver_interval min_delay slices it
// brings them all up to that time (models/stdp_dopamine.hpp) and restarts the list.
struct volume_transmitter {
  std::string name;
  std::uint32_t slice_steps = 1;       // NEST's min_delay, steps
  std::uint32_t deliver_interval = 1;  // slices
  struct source {
    population* pop;
    neuron_range range;
    std::uint32_t delay;               // steps
  };
  std::vector<source> sources;
  std::vector<models::dopa_spike> arriving;  // spikes on their way (arrival step, count)
  std::vector<models::dopa_spike> list = {{0, 0.0}};  // [0]: the last delivery (NEST's pseudo spike, count 0)
  std::uint64_t last_step = ~std::uint64_t(0);        // the step whose source spikes were taken last
};

struct projection {
  std::string name;
  population* source = nullptr;
  neuron_range source_range;
  population* target = nullptr;
  neuron_range target_range;
  int channel = 0;                          // input channel of the target population
  bool port_by_sign = false;                // the channel was picked by the weights' sign (routes_by_sign)

  std::vector<std::uint64_t> row_ptr;       // source_range.size() + 1
  std::vector<index_t> targets32;           // relative to target_range.begin, ascending per row
  std::vector<std::uint16_t> targets16;     // used instead of targets32 when target_range.size() <= 65536
  real_t weight = 0;                        // homogeneous weight when `weights` is empty
  std::vector<real_t> weights;              // per synapse (channel's weight unit)
  std::uint16_t delay = 1;                  // homogeneous delay in steps when `delays` is empty
  std::vector<std::uint16_t> delays;        // per synapse, steps >= 1

  // Short-term plasticity (models/short_term_plasticity.hpp), per (batch instance, source row): kind none when static.
  models::plasticity_constants plasticity;
  std::vector<double> stp_u;                // [batch][source row], dimensionless (STP only; empty under STD)
  std::vector<double> stp_x;                // [batch][source row], dimensionless
  std::vector<double> stp_y;                // [batch][source row], dimensionless (NEST's tsodyks_synapse only)
  std::vector<std::uint64_t> stp_since;     // [batch][source row], time of the stored u, x in steps of dt
  std::vector<real_t> efficacy;             // [batch][source row], of this step's spikes (CPU pre-pass output)
  bool plastic() const { return plasticity.kind != models::plasticity_kind::none; }
  // NEST's quantal_stp_synapse: available release sites per synapse (u in stp_u per source; stp_x holds the
  // recovery probability of the present spike). Sites recover and release by draws from the stream (seed,
  // transmit_tag, synapse, step); CPU only, batch 1.
  std::vector<std::uint16_t> quantal_available;
  bool quantal() const { return plasticity.kind == models::plasticity_kind::quantal; }
  // Sets the plasticity and the initial state (u = U, x = 1 at time 0) for `batch` instances.
  void set_plasticity(const models::plasticity_constants& c, std::uint32_t batch);

  // Spike-timing-dependent plasticity (NEST's stdp models, models/stdp.hpp): rule none for fixed weights. Needs
  // per-synapse `weights` (filled at connect) and batch 1; weights change when their source spikes (CPU only).
  models::stdp_constants stdp;
  std::string stdp_model;                              // NEST's model name, for messages
  std::vector<models::stdp_pre_state> stdp_pre;        // [source row] traces after the source's newest spike
  std::vector<double> stdp_synapse_kplus;              // [synapse] K+ of nn_pre_centered (per synapse there)
  const spike_archive* stdp_archive = nullptr;         // the target population's archive (set at finalize)
  // stdp_facetshw_synapse_hom: the model's common properties and readout controller (shared with every
  // projection of the same model) and each synapse's capacitors and readout time. Updated serially before the
  // delivery, in NEST's order (synapse ids are handed out as synapses first see a spike).
  std::shared_ptr<models::facetshw_model> stdp_facetshw;
  std::vector<models::facetshw_synapse> stdp_facetshw_synapses;  // [synapse]
  bool facetshw() const { return stdp.rule == models::stdp_rule::facetshw; }
  // stdp_dopamine_synapse: the volume transmitter (shared), the model's constants, each synapse's state, and the
  // presynaptic spikes of the present min_delay slice: NEST delivers them after the slice, after the volume
  // transmitter's delivery at its end, so they are weighted and delivered then (update_dopamine_synapses).
  std::shared_ptr<volley::volume_transmitter> stdp_volume;
  models::dopamine_constants stdp_dopamine;
  std::vector<models::dopamine_synapse> stdp_dopamine_synapses;  // [synapse]
  std::vector<std::pair<std::uint64_t, index_t>> stdp_dopamine_queue;  // (step, source row) of this slice's spikes
  bool dopamine() const { return stdp.rule == models::stdp_rule::dopamine; }
  // clopath_synapse: x_bar (1/ms) and t_last per source row in stdp_pre (kplus holds x_bar); the target's filtered
  // potentials and LTP / LTD history in its Clopath archive (set at finalize; read and marked by the owning thread).
  clopath_archive* stdp_clopath = nullptr;
  bool clopath() const { return stdp.rule == models::stdp_rule::clopath; }
  // urbanczik_synapse: t_last per source row in stdp_pre; each synapse's traces and integrals (models/urbanczik.hpp);
  // the target's prediction-error history in its Urbanczik archive (set at finalize; read by the owning thread).
  urbanczik_archive* stdp_urbanczik = nullptr;
  models::urbanczik_synapse_constants stdp_urbanczik_constants;
  std::vector<models::urbanczik_synapse_state> stdp_urbanczik_synapses;  // [synapse]
  bool urbanczik() const { return stdp.rule == models::stdp_rule::urbanczik; }
  bool weight_plastic() const { return stdp.rule != models::stdp_rule::none; }

  // NEST's weight_recorder: every transmitted spike's weight (after plasticity), appended after propagation.
  struct weight_event {
    std::uint64_t step;      // the presynaptic spike's step (time (step + 1) dt)
    index_t source_row;      // relative to source_range
    index_t target;          // relative to target_range
    real_t weight;           // as delivered: STDP's new weight, or weight x short-term efficacy
    std::uint32_t copy = 0;  // which spike of an unrolled count (NEST logs each), 0 otherwise
  };
  bool record_weights = false;
  std::vector<weight_event> weight_log;
  // weight_recorder on an unrolled count source (unroll_var): per synapse, the weights delivered this step before
  // the last of its spikes (filled by the delivery, logged and cleared by log_transmitted_weights)
  std::vector<std::vector<real_t>> unrolled_weights;
  // weight_recorder on short-term plasticity with an unrolled count: per source row, the efficacies of this step's
  // spikes (filled by update_short_term_plasticity, batch 1)
  std::vector<std::vector<real_t>> unrolled_efficacies;

  // Unreliable transmission (NEST's bernoulli_synapse): each synapse passes each spike with this probability,
  // drawn from the stream (seed, transmit_tag, synapse index, step), so the same on every thread count and backend.
  double transmit_probability = 1;
  std::uint32_t transmit_tag = 0;
  bool unreliable() const { return transmit_probability < 1; }
  // Whether synapse k passes the spike of `step` (always, for reliable projections).
  bool transmits(std::uint64_t seed, std::uint64_t k, std::uint64_t step) const {
    return !unreliable() || rng::random_stream::element_uniform(seed, transmit_tag, k, static_cast<std::uint32_t>(step)) <
                                transmit_probability;
  }
  // Unreliable synapses from a count payload without short-term plasticity draw per spike (else per event).
  bool counted_transmission() const { return unreliable() && payload_counts && !plastic(); }
  // How many of `spikes` (a count payload) synapse k passes in `step`: Binomial(spikes, transmit_probability)
  // from the same stream.
  std::uint64_t transmitted_count(std::uint64_t seed, std::uint64_t k, std::uint64_t step, std::uint64_t spikes) const {
    auto rs = rng::random_stream::for_element(seed, transmit_tag, k, static_cast<std::uint32_t>(step));
    return rs.binomial(spikes, transmit_probability);
  }

  // The source's spike payload (model_info::spike_payload): state variable index, or -1 for plain weights.
  int payload_var = -1;
  bool payload_counts = false;  // the payload is a spike count: an unreliable synapse passes Binomial(n, p) of them
  // The payload of the source neuron `src` (population index) of batch instance b at this step's spike, or 1.
  real_t payload(std::uint32_t b, index_t src) const {
    return payload_var < 0 ? real_t(1) : source->state(payload_var)[std::size_t(b) * source->size() + src];
  }
  // A count payload of the source that plastic synapses (every STDP rule, short-term plasticity but quantal) take
  // as that many separate spikes in one step, each running the rule and delivering its weight (NEST's
  // unrolled multiplicity): state variable index, or -1 (one spike per step). payload_var is -1 then.
  int unroll_var = -1;
  std::uint64_t unrolled_spikes(std::uint32_t b, index_t src) const {
    if (unroll_var < 0) return 1;
    const real_t m = source->state(unroll_var)[std::size_t(b) * source->size() + src];
    return m > 0 ? static_cast<std::uint64_t>(std::llround(m)) : 0;
  }
  // Align-pre (brainpy.state's AlignPreProj): a synapse per source neuron (models/synapses.hpp
  // presynaptic_synapse_step), advanced every step; every synapse then delivers weight x its source's g into the
  // target's Instant receptor, `delay` steps later: not event-driven, all rows whose g is not 0 every step. CPU only.
  bool align_pre = false;
  models::synapse_constants presynaptic;
  std::vector<real_t> presynaptic_state;    // [var][batch][source row], the synapse's unit (weight 1 per spike)
  std::size_t presynaptic_cells() const { return std::size_t(source->batch()) * source_range.size(); }
  real_t* presynaptic_column(int var) { return presynaptic_state.data() + std::size_t(var) * presynaptic_cells(); }

  bool cpu_only() const {
    return weight_plastic() || record_weights || quantal() || align_pre || counted_transmission();
  }

  // Set from connect() until the synapses are drawn on the host (network::finalize). on_device: a GPU simulator
  // drew them on the device instead (held there by its gpu::device_connectivity); the host arrays stay empty.
  std::optional<pending_synapses> pending;
  bool on_device = false;
  int device_max_delay = 1;  // steps, when on_device

  std::uint64_t size() const { return row_ptr.empty() ? 0 : row_ptr.back(); }
  bool narrow() const { return !targets16.empty() || (targets32.empty() && target_range.size() <= 65536); }
  int max_delay() const;
  std::uint64_t bytes() const;  // memory held by the connectivity, weights, delays and plasticity state

  // Takes the connectivity, narrowing target indices where they fit.
  void set_connectivity(csr_connectivity&& csr);
};

// Efficacies of this step's spikes for every projection with short-term plasticity (u, x relax and jump): serial
// over the spikes, each source touched once, so the result does not depend on the thread count.
void update_short_term_plasticity(std::span<projection> projections, std::uint64_t step);

// stdp_facetshw_synapse_hom projections: the weights of this step's spiking rows (models/stdp_facetshw.hpp),
// serially in NEST's order: presynaptic neuron (population id, then index), then projection, then row order.
// Throws if a target's archive had dropped a spike a synapse needed.
void update_facetshw_weights(std::span<projection> projections, std::uint64_t step);

// stdp_dopamine_synapse projections: queues this step's presynaptic spikes and the volume transmitters' incoming
// dopamine spikes; at the end of a min_delay slice, each volume transmitter takes the spikes that reached it,
// delivers (every deliver_interval slices), and the queued spikes are weighted, delivered and logged (serial).
void update_dopamine_synapses(std::span<projection> projections, std::uint64_t step);

// Adds the spikes of this step to the target ring buffers, each weight times its spike's efficacy under
// plasticity (calls update_short_term_plasticity and update_facetshw_weights first); STDP projections first update the weights of the
// spiking rows (models/stdp.hpp), each by the thread that owns its target. Deterministic for any thread count: each thread owns a
// contiguous range of target neurons, and every target receives its inputs in the same order (projection order,
// then ascending source neuron, then row order).
// `seed`: the network's, for unreliable synapses.
void propagate_spikes(std::span<projection> projections, std::uint64_t step, int threads, std::uint64_t seed);

// Align-pre projections: every source's synapse one step on, with this step's spikes (serial; per source, so the
// result does not depend on threads). Called by propagate_spikes before delivery.
void advance_presynaptic_synapses(std::span<projection> projections);

// Appends this step's transmitted weights to the weight_log of every projection that records them (after
// propagate_spikes, serial, in row order).
void log_transmitted_weights(std::span<projection> projections, std::uint64_t step, std::uint64_t seed);

// For `volley models --json`: out["plasticity"] = [{name, spec_key "stp", parameters: name, unit, default, range}]
// for brainpy.state's STP and STD.
void describe_plasticity(nlohmann::json& out);

}  // namespace volley
