#include "engine/population.hpp"

#include <algorithm>

#include "engine/error.hpp"

namespace volley {

population::population(std::string name, model_info model, index_t size, std::uint32_t batch)
    : name_(std::move(name)), model_(std::move(model)), size_(size), batch_(batch) {
  const std::size_t cells = std::size_t(size) * batch;
  state_.assign(model_.state.size(), std::vector<real_t>(cells, real_t(0)));
  for (std::size_t p = 0; p < model_.ports.size(); ++p)
    channels_.push_back({channel_kind::port, int(p), model_.ports[p].name, model_.ports[p].dim});
  delta_channel_ = static_cast<int>(channels_.size());
  channels_.push_back({channel_kind::delta, 0, "delta", units::dims::voltage});
  if (channels_.size() + max_receptors > std::size_t(max_channels))
    throw spec_error("population '" + name_ + "': model '" + model_.name + "' has " +
                     std::to_string(model_.ports.size()) + " ports; at most " +
                     std::to_string(max_channels - max_receptors - 1) + " fit (engine/population.hpp max_channels)");
  channel_used_.assign(channels_.size(), 0);
  spikes_.resize(batch);
}

int population::find_state(const std::string& name) const {
  for (std::size_t k = 0; k < model_.state.size(); ++k)
    if (name == model_.state[k].name) return static_cast<int>(k);
  return -1;
}

int population::find_channel(const std::string& name) const {
  for (std::size_t c = 0; c < channels_.size(); ++c)
    if (channels_[c].name == name) return static_cast<int>(c);
  return -1;
}

int population::add_receptor(const std::string& name, const models::receptor_constants& c,
                             units::dimension weight_dim) {
  if (find_channel(name) >= 0)
    throw spec_error("population '" + name_ + "': receptor name '" + name + "' is used twice");
  if (receptors_.size() >= std::size_t(max_receptors))
    throw spec_error("population '" + name_ + "': at most " + std::to_string(max_receptors) + " receptors");
  if (channels_.size() >= std::size_t(max_channels))
    throw spec_error("population '" + name_ + "': too many input channels");
  const int r = static_cast<int>(receptors_.size());
  receptors_.push_back(c);
  // the kind's variables only; the rest of the receptor's max_receptor_vars columns stay empty (nullptr)
  const int used = models::receptor_state_count(c.syn.kind);
  for (int v = 0; v < models::max_receptor_vars; ++v)
    receptor_state_.emplace_back(v < used ? std::size_t(size_) * batch_ : 0, real_t(0));
  channels_.push_back({channel_kind::receptor, r, name, weight_dim});
  channel_used_.push_back(0);
  return static_cast<int>(channels_.size()) - 1;
}

void population::allocate_ring_buffers(int n_slots) {
  ring_slots_ = 1;
  while (ring_slots_ < n_slots) ring_slots_ *= 2;
  ring_.assign(channels_.size(), std::vector<real_t>(std::size_t(ring_slots_) * batch_ * size_, real_t(0)));
}

void population::grow_ring_buffers(int n_slots, std::uint64_t step) {
  const int old_slots = ring_slots_;
  auto old = std::move(ring_);
  allocate_ring_buffers(std::max(n_slots, old_slots));
  const std::size_t slot = std::size_t(batch_) * size_;
  for (std::size_t c = 0; c < old.size(); ++c)
    for (std::uint64_t s = step; s < step + std::uint64_t(old_slots); ++s)
      std::copy_n(old[c].data() + (s & std::uint64_t(old_slots - 1)) * slot, slot, ring_slot(int(c), s));
}

void population::add_poisson_drive(const poisson_drive& d, std::uint32_t owner) {
  if (poisson_.size() >= std::size_t(max_poisson_drives))
    throw spec_error("population '" + name_ + "': at most " + std::to_string(max_poisson_drives) +
                     " Poisson inputs");
  poisson_.push_back(d);
  poisson_owner_.push_back(owner);
}

void population::add_current_source(const models::current_source& s, real_t initial, std::uint32_t owner) {
  if (currents_.size() >= std::size_t(max_current_sources))
    throw spec_error("population '" + name_ + "': at most " + std::to_string(max_current_sources) +
                     " time-varying current inputs");
  currents_.push_back(s);
  currents_.back().state = nullptr;
  current_state_.emplace_back();
  if (models::current_source_has_state(s)) current_state_.back().assign(std::size_t(size_) * batch_, initial);
  current_owner_.push_back(owner);
}

std::vector<std::uint32_t> population::remove_inputs(std::uint32_t owner) {
  std::vector<std::uint32_t> tags;
  if (owner == 0) return tags;
  std::size_t kept = 0;
  for (std::size_t k = 0; k < currents_.size(); ++k) {
    if (current_owner_[k] == owner) {
      tags.push_back(currents_[k].tag);
      continue;
    }
    currents_[kept] = currents_[k];
    current_state_[kept] = std::move(current_state_[k]);
    current_owner_[kept++] = current_owner_[k];
  }
  currents_.resize(kept);
  current_state_.resize(kept);
  current_owner_.resize(kept);
  kept = 0;
  for (std::size_t k = 0; k < poisson_.size(); ++k) {
    if (poisson_owner_[k] == owner) {
      tags.push_back(poisson_[k].tag);
      continue;
    }
    poisson_[kept] = poisson_[k];
    poisson_owner_[kept++] = poisson_owner_[k];
  }
  poisson_.resize(kept);
  poisson_owner_.resize(kept);
  return tags;
}

void population::add_bias(index_t begin, index_t end, real_t amplitude) {
  if (bias_uniform_ && begin == 0 && end == size_) {
    bias_value_ += amplitude;
    return;
  }
  if (bias_uniform_) {
    bias_.assign(size_, bias_value_);
    bias_uniform_ = false;
  }
  for (index_t i = begin; i < end; ++i) bias_[i] += amplitude;
}

void population::set_state(int var, index_t i, real_t value) {
  for (std::uint32_t b = 0; b < batch_; ++b) state_[var][std::size_t(b) * size_ + i] = value;
}

}  // namespace volley
