#pragma once
// A population: n neurons of one model, replicated over `batch` independent instances.
// State is structure-of-arrays: one array per state variable, laid out [batch][neuron].
// Input arrives through channels; each channel owns a ring buffer of summed weights, [slot][batch][neuron],
// with one slot per delay step (slot = step mod n_slots).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"
#include "models/clopath.hpp"
#include "models/urbanczik.hpp"
#include "models/current_sources.hpp"
#include "models/receptor.hpp"

namespace volley {

// a model's ports (cm_default: 16), the delta channel and up to max_receptors receptors
inline constexpr int max_channels = 32;
inline constexpr int max_receptors = 8;
inline constexpr int max_poisson_drives = 8;
inline constexpr int max_current_sources = 8;

// Where a channel's input goes inside the fused update.
enum class channel_kind : int { port = 0, receptor = 1, delta = 2 };

struct input_channel {
  channel_kind kind;
  int index;                  // port or receptor number
  std::string name;           // "ex", "exc", "delta", ...
  units::dimension weight_dim;
};

// Poisson spike drive generated inside the fused kernel: each neuron in [begin, end) receives a Poisson number of
// spikes with mean `mean_count` per step, each of weight `weight`, into channel `channel`, in the steps
// [step_begin, step_end). Optional shapes (NEST's generators, kernels/neuron_update.hpp):
//   modulated  mean(step) = max(0, mean_count + amplitude_count sin(omega_step step + phase))
//   shared     one count per step for every neuron of the range (one train, NEST's individual_spike_trains false)
//   copy_p     each neuron keeps each spike of the train with probability copy_p (NEST's mip_generator)
struct poisson_drive {
  int channel = 0;
  index_t begin = 0, end = 0;
  real_t mean_count = 0;      // rate * dt
  real_t weight = 0;          // in the channel's weight unit
  std::uint32_t tag = 0;      // rng stream tag
  std::uint32_t step_begin = 0, step_end = 0xFFFFFFFFu;  // active steps
  real_t amplitude_count = 0; // modulation amplitude * dt; 0: a constant rate
  double omega_step = 0;      // rad per step
  double phase = 0;           // rad
  bool shared = false;
  real_t copy_p = 1;
};

// Static description of a neuron model, shared by all its populations.
struct model_info {
  std::string name;
  std::string description;
  std::vector<state_field> state;
  std::vector<state_field> ports;   // name + weight dimension
  bool routes_by_sign = false;
  bool takes_current = true;        // false: no current input (spike sources, readouts)
  // State variable whose value at a spike scales every weight that spike delivers (the spike's payload), or -1:
  // NEST's binary neurons (+1 up / -1 down transition), iaf_tum_2000 (released fraction u x), iaf_bw_2001
  // (the NMDA gating jump). Projections use it unless connect() is told otherwise (synapse_spec::use_payload).
  int spike_payload = -1;
  // The payload is a spike count (parrot_neuron's multiplicity, NEST's stateful generators): unreliable synapses
  // draw per spike (binomial), STDP synapses run their rule once per spike of the count (engine/network.cpp lists
  // the rules that take it as one spike), align-pre synapses see one spike; spike records keep the count.
  bool spike_payload_counts = false;
  // NEST's rate models: every step's "spike" only carries the rate (the payload) to the targets; not a spike, so
  // not counted or recorded (models/model_kit.hpp emits_rate).
  bool emits_rate = false;
  int membrane = 0;
  // The model has no GPU kernel (models/model_kit.hpp cpu_only): the simulator runs it on the CPU.
  bool cpu_only = false;
  // Clopath neurons (models/clopath.hpp): the state variables clopath_synapse reads; u = -1 for other models.
  models::clopath_voltages clopath{-1, -1, -1, -1};
  // pp_cond_exp_mc_urbanczik (models/urbanczik.hpp): the dendritic potential urbanczik_synapse's archive reads, or -1.
  int urbanczik_dendrite = -1;
};

class population {
 public:
  population(std::string name, model_info model, index_t size, std::uint32_t batch);
  virtual ~population() = default;
  population(const population&) = delete;
  population& operator=(const population&) = delete;

  const std::string& name() const { return name_; }
  const model_info& model() const { return model_; }
  index_t size() const { return size_; }
  std::uint32_t batch() const { return batch_; }
  std::uint32_t id() const { return id_; }
  void set_id(std::uint32_t id) { id_ = id; }

  // State variable `var` for all batch instances, [batch][neuron].
  real_t* state(int var) { return state_[var].data(); }
  const real_t* state(int var) const { return state_[var].data(); }
  int find_state(const std::string& name) const;  // -1 when unknown
  int state_count() const { return static_cast<int>(state_.size()); }

  // Receptors (BrainPy-style synapse + output attached to every neuron). Returns the channel of the receptor.
  int add_receptor(const std::string& name, const models::receptor_constants& c, units::dimension weight_dim);
  int receptor_count() const { return static_cast<int>(receptors_.size()); }
  const models::receptor_constants& receptor(int r) const { return receptors_[r]; }
  real_t* receptor_state(int r, int var) { return receptor_state_[r * models::max_receptor_vars + var].data(); }

  // Channels: built-in ports first (model order), then "delta", then one per receptor.
  const std::vector<input_channel>& channels() const { return channels_; }
  int find_channel(const std::string& name) const;  // -1 when unknown
  int delta_channel() const { return delta_channel_; }

  // Ring buffers; call once all projections are known. n_slots (max delay in steps + 1) is rounded up to a power
  // of two so a slot index is a mask, not a division, per synapse.
  void allocate_ring_buffers(int n_slots);
  // Grows the ring buffers to n_slots (rounded up as above) between runs, keeping the input already summed for the
  // steps from `step` on (inputs added after a run with a longer delay than the population had).
  void grow_ring_buffers(int n_slots, std::uint64_t step);
  // True when every channel has a ring buffer of at least n_slots slots (channels may be added between runs).
  bool ring_buffers_fit(int n_slots) const { return ring_slots_ >= n_slots && ring_.size() == channels_.size(); }
  int ring_slots() const { return ring_slots_; }
  real_t* ring_slot(int channel, std::uint64_t step) {
    return ring_[channel].data() + (step & (ring_slots_ - 1)) * std::size_t(batch_) * size_;
  }

  // Constant input current (pA), summed over all constant-current inputs: per neuron, or one value for all.
  void add_bias(index_t begin, index_t end, real_t amplitude);
  bool bias_uniform() const { return bias_uniform_; }
  real_t bias(index_t i) const { return bias_uniform_ ? bias_value_ : bias_[i]; }
  const real_t* bias_data() const { return bias_uniform_ ? nullptr : bias_.data(); }

  // Channels that something (a projection or an input) delivers into; the others are not read in the update.
  void mark_channel_used(int channel) { channel_used_[channel] = true; }
  bool channel_used(int channel) const { return channel_used_[channel]; }
  const std::vector<poisson_drive>& poisson_drives() const { return poisson_; }
  // owner: a tag of whoever added the input (network::begin_inputs), so that remove_inputs can take it back
  void add_poisson_drive(const poisson_drive& d, std::uint32_t owner = 0);

  // Current sources evaluated in the fused update (models/current_sources.hpp). OU and integrated Wiener sources
  // get a state array [batch][neuron] (pA) starting at `initial`; the descriptor's state pointer is set by view().
  void add_current_source(const models::current_source& s, real_t initial, std::uint32_t owner = 0);
  // Removes the Poisson drives and current sources added with `owner` (> 0); returns their rng tags, current
  // sources first, each kind in the order it was added.
  std::vector<std::uint32_t> remove_inputs(std::uint32_t owner);
  const std::vector<models::current_source>& current_sources() const { return currents_; }
  real_t* current_state(int s) { return current_state_[s].empty() ? nullptr : current_state_[s].data(); }

  // Gap-junction current (pA), [batch][neuron], written each step by the gap phase (engine/gap_junction.hpp) and
  // added to the membrane current by the fused update; nullptr while no gap junction targets this population.
  void enable_gap_current() {
    if (gap_current_.empty()) gap_current_.assign(std::size_t(size_) * batch_, real_t(0));
  }
  real_t* gap_current() { return gap_current_.empty() ? nullptr : gap_current_.data(); }
  const real_t* gap_current() const { return gap_current_.empty() ? nullptr : gap_current_.data(); }

  // Spikes of the last step, per batch instance, in ascending neuron order.
  std::vector<std::vector<index_t>>& spikes() { return spikes_; }
  const std::vector<std::vector<index_t>>& spikes() const { return spikes_; }

  // Advances every population in `family` (all of this population's model) by one step: one fused launch.
  virtual void update_family(const std::vector<population*>& family, std::uint64_t step, std::uint64_t seed,
                             int threads) = 0;
  // Sets state `var` of neuron i in batch b (all batches when b < 0).
  void set_state(int var, index_t i, real_t value);
  // Takes the parameters named in `keys` of neurons [begin, end) from `fresh` (a population of the same model and
  // size, built from changed parameters) and derives the constants again; the state is kept. Throws a
  // parameter_error, changing nothing, where a neuron's parameters are inconsistent (Model::validate).
  virtual void take_parameters(const population& fresh, const std::vector<std::string>& keys, index_t begin,
                               index_t end, double dt) = 0;
  // Clopath neurons: the rule clopath_synapse applies, one per parameter set (one for a homogeneous population,
  // else one per neuron); empty for other models.
  virtual std::vector<models::clopath_rule> clopath_rules(double /*dt*/) const { return {}; }
  // Urbanczik neurons: the rule urbanczik_synapse applies, one per parameter set; empty for other models.
  virtual std::vector<models::urbanczik_rule> urbanczik_rules(double /*dt*/) const { return {}; }

 protected:
  std::string name_;
  model_info model_;
  index_t size_;
  std::uint32_t batch_;
  std::uint32_t id_ = 0;
  std::vector<std::vector<real_t>> state_;
  std::vector<models::receptor_constants> receptors_;
  std::vector<std::vector<real_t>> receptor_state_;
  std::vector<input_channel> channels_;
  int delta_channel_ = -1;
  int ring_slots_ = 0;
  std::vector<std::vector<real_t>> ring_;
  std::vector<real_t> bias_;      // per neuron, allocated only when the drive differs between neurons
  real_t bias_value_ = 0;         // the drive of every neuron while bias_uniform_
  bool bias_uniform_ = true;
  std::vector<char> channel_used_;
  std::vector<poisson_drive> poisson_;
  std::vector<models::current_source> currents_;
  std::vector<std::vector<real_t>> current_state_;  // per source: [batch][neuron] or empty
  std::vector<std::uint32_t> poisson_owner_, current_owner_;  // per drive / source: who added it (0: nobody)
  std::vector<real_t> gap_current_;                 // pA, [batch][neuron]; empty without gap junctions
  std::vector<std::vector<index_t>> spikes_;
};

// The state column holding the count each spike of p carries (spike_payload_counts), or nullptr.
inline const real_t* spike_count_column(const population& p) {
  return p.model().spike_payload >= 0 && p.model().spike_payload_counts ? p.state(p.model().spike_payload) : nullptr;
}

}  // namespace volley
