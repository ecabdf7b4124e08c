// The NEST layer's correlation devices' results (host/nest_correlation.hpp).
#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "host/nest_device_values.hpp"

// The correlation devices' results (host/nest_correlation.hpp), computed from the recorded spikes of the connected
// neurons each time they are asked for: a later Simulate accumulates, as in NEST.
namespace volley::nest::detail {

bool is_binary_neuron(const std::string& model) {
  return model == "mcculloch_pitts_neuron" || model == "ginzburg_neuron" || model == "erfc_neuron";
}

namespace {
std::int64_t steps_of(double ms, double dt) { return static_cast<std::int64_t>(std::llround(ms / dt)); }

detector_timing timing_of(const json& p, double dt) {
  detector_timing t;
  const double o = number(p, "origin"), start = number(p, "start"), stop = number(p, "stop");
  t.active_after = steps_of(o + start, dt);
  t.active_until = stop >= nest_forever || (o + stop) / dt > 9e18 ? forever_steps : steps_of(o + stop, dt);
  if (p.contains("Tstart")) {
    const double from = number(p, "Tstart") / dt, until = number(p, "Tstop") / dt;
    t.count_from = from < -9e18 ? -forever_steps : static_cast<std::int64_t>(std::ceil(from - 1e-9));
    t.count_until = until > 9e18 ? forever_steps : static_cast<std::int64_t>(std::floor(until + 1e-9));
  }
  return t;
}

template <class T>
json nested(const std::vector<std::vector<std::vector<T>>>& m) {
  json out = json::array();
  for (const auto& row : m) {
    json r = json::array();
    for (const auto& v : row) r.push_back(v);
    out.push_back(std::move(r));
  }
  return out;
}
}  // namespace

void plan::connect_detector(const connection& c, std::vector<trace_request>& traces, std::vector<std::string>& spikes) {
  const node_group& pre = group_of(c.pre, "Connect");
  const node_group& det = group_of(c.post, "Connect");
  const std::string where = "Connect(" + pre.model + " -> " + det.model + ")";
  const double dt = options.resolution_ms;
  json spec = merged_syn_spec(synapse_model_of(synapse_models, c.syn_spec, where), c.syn_spec, where);
  const json r = spec.value("receptor_type", json(0));
  if (!r.is_number_integer() || r.get<long long>() < 0 || r.get<std::uint64_t>() >= detector_ports(det))
    throw parameter_error(where, "receptor_type", r.dump(), "0 .. " + std::to_string(detector_ports(det) - 1) +
                                                                 " (the receptor_types of " + det.model + ")");
  const json w = spec.value("weight", json(1.0));
  if (!w.is_number() || !std::isfinite(w.get<double>()))
    throw parameter_error(where, "weight", w.dump(), "one finite number (the weight of every pair's product)");
  connection_delay(spec, where, dt);  // ignored by the detectors, but checked as NEST does
  const auto b = c.pre.first_id - pre.first_id;
  recorder_source s{index_of(pre), b, b + c.pre.count, 0, {}};
  s.port = static_cast<std::uint32_t>(r.get<std::uint64_t>());
  s.weight = w.get<double>();
  s.connection = static_cast<std::size_t>(&c - connections.data());
  const population& p = net->find(pre.population);
  if (is_binary_neuron(pre.model) && p.model().spike_payload >= 0) {
    s.binary = true;  // the payload (+1 up, -1 down) at every step, read at the spike steps
    s.first_trace = traces.size();
    trace_request t;
    t.population = pre.population;
    t.variable = p.model().state[static_cast<std::size_t>(p.model().spike_payload)].name;
    for (auto i = b; i < b + c.pre.count; ++i) t.neurons.push_back(static_cast<index_t>(i));
    traces.push_back(std::move(t));
  }
  recorded[index_of(det)].push_back(std::move(s));
  if (std::find(spikes.begin(), spikes.end(), pre.population) == spikes.end()) spikes.push_back(pre.population);
}

std::vector<detector_input> plan::detector_spikes(const node_group& d, bool exchanged, bool unroll) const {
  std::vector<detector_input> in;
  if (!sim) return in;
  each_recorded_spike(d, [&](const recorder_source& src, const auto& sr, std::size_t k) {
    detector_input e;
    e.step = sr.step[k];
    e.sender = groups[src.group].first_id + sr.neuron[k];
    e.connection = static_cast<std::uint32_t>(src.connection);
    e.port = src.port;
    e.weight = src.weight;
    if (src.binary) {  // the transition trace at the spike's step: +1 up, -1 down
      const auto& transition = sim->record().traces[src.first_trace].values;
      e.up = transition[std::size_t(sr.step[k] - src.from_step) * (src.end - src.begin) + (sr.neuron[k] - src.begin)] > 0;
    } else if (!unroll) {  // NEST 3.10's spin_detector (local delivery) reads a multiplicity of 2 as an up transition
      e.up = sr.spikes_at(k) == 2;
    }
    // NEST's spike exchange sends a spike of multiplicity m as m spikes: a binary neuron's up transition (2) and
    // a count model's spikes (parrot_neuron, spike_train_injector, gif_pop_psc_exp)
    const std::uint32_t copies = unroll ? (src.binary ? (e.up ? 2u : 1u) : sr.spikes_at(k)) : 1u;
    for (std::uint32_t c = 0; c < copies; ++c) {
      e.copy = c;
      in.push_back(e);
    }
  });
  const auto m = static_cast<std::uint64_t>(std::max<std::int64_t>(steps_of(min_delay_ms, options.resolution_ms), 1));
  nest_delivery_order(in, m, run_ends, exchanged);
  return in;
}

json plan::detector_results(const node_group& g) const {
  const json& p = g.params;
  const double dt = options.resolution_ms;
  json out = json::object();
  const bool built = sim != nullptr;
  const std::int64_t D = steps_of(number(p, "delta_tau"), dt), tau_max = steps_of(number(p, "tau_max"), dt);
  const std::int64_t m = std::max<std::int64_t>(steps_of(min_delay_ms, dt), 1);
  const detector_timing timing = timing_of(p, dt);
  const auto N = static_cast<std::uint32_t>(detector_ports(g));
  switch (g.kind) {
    case device_kind::correlation_detector: {
      if (!built) return {{"histogram", json::array()}, {"histogram_correction", json::array()},
                          {"count_histogram", json::array()}, {"n_events", json::array({0, 0})}};
      correlation_counts counts(D, tau_max, timing);
      const auto& reset_at = resets[index_of(g)];
      std::size_t next_reset = 0;
      for (const auto& e : detector_spikes(g, true, true)) {
        // SetStatus(n_events: [0, 0]) after a Simulate cleared what had been delivered by then
        bool clear = false;
        while (next_reset < reset_at.size() && (e.step / std::uint64_t(m) + 1) * std::uint64_t(m) >= reset_at[next_reset]) {
          clear = true;
          ++next_reset;
        }
        if (clear) counts.reset();
        counts.handle(static_cast<std::int64_t>(e.step) + 1, e.port, e.weight);
      }
      if (next_reset < reset_at.size()) counts.reset();
      out["histogram"] = counts.histogram;
      out["histogram_correction"] = counts.histogram_correction;
      out["count_histogram"] = counts.count_histogram;
      out["n_events"] = json::array({counts.n_events[0], counts.n_events[1]});
      return out;
    }
    case device_kind::correlomatrix_detector: {
      correlomatrix_counts counts(N, D, tau_max, m, timing);
      if (built)
        for (const auto& e : detector_spikes(g, true, true))
          counts.handle(static_cast<std::int64_t>(e.step) + 1, e.port, e.weight);
      out["covariance"] = nested(counts.covariance);
      out["count_covariance"] = nested(counts.count_covariance);
      out["n_events"] = counts.n_events;
      if (!built) {  // NEST sizes the matrices at the first Simulate
        out["covariance"] = json::array({json::array({json::array()})});
        out["count_covariance"] = json::array({json::array({json::array()})});
      }
      return out;
    }
    case device_kind::correlospinmatrix_detector: {
      correlospin_counts counts(N, D, tau_max, m, timing);
      if (built)
        for (const auto& e : detector_spikes(g, true, true)) counts.handle(static_cast<std::int64_t>(e.step) + 1, e.port);
      out["count_covariance"] = built ? nested(counts.count_covariance) : json::array({json::array({json::array()})});
      return out;
    }
    case device_kind::spin_detector: out["n_events"] = spin_events(g).at("times").size(); return out;
    default: throw internal_error("detector_results: " + g.model + " is not a correlation device");
  }
}

json plan::spin_events(const node_group& g) const {
  json out = {{"senders", json::array()}, {"state", json::array()}, {"times", json::array()}};
  const detector_timing timing = timing_of(g.params, options.resolution_ms);
  // NEST's local delivery: every spike, as emitted
  for (const auto& e : nest_spin_events(detector_spikes(g, false, false), timing)) {
    out["senders"].push_back(e.sender);
    out["state"].push_back(e.state);
    out["times"].push_back(double(e.stamp) * options.resolution_ms);
  }
  return out;
}

}  // namespace volley::nest::detail
