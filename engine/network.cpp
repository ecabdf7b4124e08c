#include "engine/network.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>

#include "engine/error.hpp"
#include "engine/random.hpp"
#include "engine/unit_parse.hpp"

namespace volley {

namespace {

// The sign of every value `d` can give within its bounds: 1 (none below 0), -1 (none above 0), NaN (both signs).
double definite_sign(const value_distribution& d) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double lo = d.a, hi = d.a;
  switch (d.type) {
    case value_distribution::kind::constant: break;
    case value_distribution::kind::uniform: hi = d.b; break;
    case value_distribution::kind::lognormal: lo = 0, hi = inf; break;
    case value_distribution::kind::normal:
      if (d.b > 0) lo = -inf, hi = inf;
      break;
  }
  lo = std::max(lo, d.low);
  hi = std::min(hi, d.high);
  if (lo >= 0) return 1.0;
  if (hi <= 0) return -1.0;
  return std::nan("");
}

std::string dim_text(units::dimension d) { return units::describe_dimension(d); }

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

network::network(network_options o) : dt_(o.dt.value), seed_(o.seed), batch_(o.batch) {
  if (!(dt_ > 0.0) || !std::isfinite(dt_))
    throw parameter_error("network", "dt", number(dt_) + " ms", "a positive time step (e.g. '0.1 ms')");
  if (batch_ < 1) throw parameter_error("network", "batch", std::to_string(batch_), "at least 1");
  nest_gap_.set_resolution(dt_);
}

void network::check_population_name(const std::string& name, index_t size) const {
  if (name.empty() || name.find_first_of("[]:/ ") != std::string::npos)
    throw parameter_error("population '" + name + "'", "name", "'" + name + "'",
                          "a non-empty name without '[', ']', ':', '/' or spaces");
  for (const auto& p : populations_)
    if (p->name() == name) throw spec_error("population '" + name + "' is defined twice");
  if (size == 0) throw parameter_error("population '" + name + "'", "size", "0", "at least 1 neuron");
}

population& network::adopt(std::unique_ptr<population> p) {
  check_population_name(p->name(), p->size());
  p->set_id(static_cast<std::uint32_t>(populations_.size()));
  populations_.push_back(std::move(p));
  return *populations_.back();
}

population& network::find(const std::string& name) {
  for (auto& p : populations_)
    if (p->name() == name) return *p;
  std::string known;
  for (auto& p : populations_) known += (known.empty() ? "" : ", ") + p->name();
  throw spec_error("unknown population '" + name + "' (defined: " + (known.empty() ? "none" : known) + ")");
}

const population& network::find(const std::string& name) const { return const_cast<network*>(this)->find(name); }

neuron_range network::range(const std::string& selector) const {
  const auto open = selector.find('[');
  const std::string name = selector.substr(0, open);
  const population& p = find(name);
  neuron_range r{p.id(), 0, p.size()};
  if (open == std::string::npos) return r;
  const auto colon = selector.find(':', open), close = selector.find(']', open);
  auto bad = [&] {
    return spec_error("bad neuron selector '" + selector + "': expected NAME or NAME[begin:end] with 0 <= begin < end <= " +
                      std::to_string(p.size()));
  };
  if (colon == std::string::npos || close == std::string::npos || close != selector.size() - 1) throw bad();
  long long a = 0, b = 0;
  const char* s = selector.data();
  if (std::from_chars(s + open + 1, s + colon, a).ec != std::errc() ||
      std::from_chars(s + colon + 1, s + close, b).ec != std::errc())
    throw bad();
  if (a < 0 || b <= a || b > static_cast<long long>(p.size())) throw bad();
  r.begin = static_cast<index_t>(a);
  r.end = static_cast<index_t>(b);
  return r;
}

namespace {

// Every parameter of a synapse or output finite and in its range; throws parameter_error naming it with its unit.
template <class P>
void check_receptor_params(const P& params, const std::string& where) {
  P copy = params;
  P::each_param(copy, [&](const char* name, auto& field, range_check check) {
    const double v = field.value;
    if (!std::isfinite(v) || !in_range(v, check))
      throw parameter_error(where, name, number(v) + " " + units::internal_unit_name(field.dim),
                            std::string(range_text(check)) + " in " + units::internal_unit_name(field.dim) + " (" +
                                P::name + ")");
  });
}

}  // namespace

// Every STP/STD parameter finite and in its range (U in (0, 1], time constants positive).
void check_plasticity(const models::plasticity_params& plasticity, const std::string& where) {
  std::visit(
      [&](const auto& params) {
        using P = std::decay_t<decltype(params)>;
        if constexpr (!std::is_same_v<P, models::no_plasticity>) {
          P copy = params;
          P::each_param(copy, [&](const char* name, auto& field, models::plasticity_range r) {
            if (models::plasticity_in_range(field.value, r)) return;
            const std::string unit = field.dim == units::dims::none ? "" : units::internal_unit_name(field.dim);
            throw parameter_error(where, std::string(P::name) + "." + name,
                                  number(field.value) + (unit.empty() ? "" : " " + unit),
                                  models::plasticity_range_text(r) + (unit.empty() ? "" : " in " + unit) + " (" +
                                      P::name + ")");
          });
        }
      },
      plasticity);
  if (const auto* t = std::get_if<models::nest_tsodyks_params>(&plasticity)) {
    if (t->tau_psc.value == t->tau_rec.value)
      throw parameter_error(where, "tsodyks_synapse.tau_psc", number(t->tau_psc.value) + " ms",
                            "a value other than tau_rec (the propagator divides by their difference)");
    if (t->x.value + t->y.value > 1.0)
      throw parameter_error(where, "tsodyks_synapse.x + y", number(t->x.value + t->y.value), "at most 1");
  }
}

void check_stdp(const models::stdp_constants& c, const std::string& model, const std::string& where) {
  auto positive = [&](const char* name, double v) {
    if (!(std::isfinite(v) && v > 0)) throw parameter_error(where, model + "." + name, number(v) + " ms", "> 0 ms");
  };
  positive("tau_plus", c.tau_plus);
  positive("tau_plus_triplet", c.tau_plus_triplet);
  positive("tau_x", c.tau_x);
  positive("tau_Delta", c.tau_Delta);
  for (auto [name, v] : {std::pair{"lambda", c.lambda}, {"alpha", c.alpha}, {"mu_plus", c.mu_plus},
                         {"mu_minus", c.mu_minus}, {"mu", c.mu}, {"Wmax", c.Wmax}, {"Aplus", c.Aplus},
                         {"Aminus", c.Aminus}, {"Aplus_triplet", c.Aplus_triplet},
                         {"Aminus_triplet", c.Aminus_triplet}, {"eta", c.eta}, {"beta", c.beta}, {"Wmin", c.Wmin}})
    if (!std::isfinite(v)) throw parameter_error(where, model + "." + name, number(v), "a finite value");
}


models::synapse_constants network::checked_synapse(const models::synapse_params& syn, const std::string& where) const {
  models::synapse_constants c;
  std::visit(
      [&](const auto& p) {
        check_receptor_params(p, where);
        const char* param = nullptr;
        if (const char* problem = models::synapse_relation_problem(p, &param)) {
          std::string value;
          auto copy = p;
          std::decay_t<decltype(p)>::each_param(copy, [&](const char* name, auto& field, range_check) {
            if (std::string(name) == param) value = number(field.value) + " " + units::internal_unit_name(field.dim);
          });
          throw parameter_error(where, param, value, problem);
        }
        c = models::synapse_constants_for(p, dt_);
      },
      syn);
  return c;
}

int network::add_receptor(const std::string& pop, const std::string& receptor, const models::synapse_params& syn,
                          const models::output_params& out) {
  const std::string where = "receptor '" + receptor + "' of population '" + pop + "'";
  models::receptor_constants c;
  c.syn = checked_synapse(syn, where);
  std::visit(
      [&](const auto& p) {
        check_receptor_params(p, where);
        c.out = models::output_constants_for(p);
      },
      out);
  return find(pop).add_receptor(receptor, c, models::receptor_weight_dim(c.out.kind));
}

int network::add_receptor(const std::string& pop, const std::string& receptor, const models::expon_params& syn,
                          const models::cuba_params& out) {
  return add_receptor(pop, receptor, models::synapse_params(syn), models::output_params(out));
}

int network::add_receptor(const std::string& pop, const std::string& receptor, const models::expon_params& syn,
                          const models::coba_params& out) {
  return add_receptor(pop, receptor, models::synapse_params(syn), models::output_params(out));
}

int network::choose_channel(population& target, const std::string& receptor, units::dimension weight_dim,
                            double sign_hint, const std::string& where) const {
  std::string known;
  for (const auto& c : target.channels()) known += (known.empty() ? "" : ", ") + c.name;
  int channel = -1;
  if (!receptor.empty()) {
    channel = target.find_channel(receptor);
    if (channel < 0)
      throw parameter_error(where, "receptor", "'" + receptor + "'",
                            "one of the inputs of population '" + target.name() + "': " + known);
  } else if (target.model().routes_by_sign && weight_dim == target.model().ports[0].dim) {
    if (std::isnan(sign_hint))
      throw parameter_error(where, "weight", "values of both signs",
                            "one sign per projection (the sign selects port 'ex' or 'in'); split the projection");
    channel = sign_hint >= 0 ? 0 : 1;
  } else if (weight_dim == units::dims::voltage) {
    channel = target.delta_channel();
  } else {
    throw parameter_error(where, "receptor", "(none)",
                          "a receptor of population '" + target.name() + "' for weights that are " +
                              dim_text(weight_dim) + "; inputs: " + known);
  }
  const auto& ch = target.channels()[channel];
  if (!(ch.weight_dim == weight_dim))
    throw parameter_error(where, "weight", "a value that is " + dim_text(weight_dim),
                          dim_text(ch.weight_dim) + " for input '" + ch.name + "' of population '" +
                              target.name() + "'");
  return channel;
}

std::uint32_t network::delay_steps(double delay_ms, const std::string& where, bool drawn) const {
  if (!std::isfinite(delay_ms) || delay_ms < 0)
    throw parameter_error(where, "delay", number(delay_ms) + " ms", "a non-negative time");
  // A given delay between 0 and dt would run as one step without a word (NEST refuses it too); 0 asks for the
  // minimum. Drawn delays below dt take one step, the minimum, as documented.
  if (!drawn && delay_ms > 0 && delay_ms < dt_ * (1 - 1e-9))
    throw parameter_error(where, "delay", number(delay_ms) + " ms",
                          "0 (the minimum, one step) or at least dt (" + number(dt_) + " ms)");
  const double steps = std::round(delay_ms / dt_);
  if (steps > 65535) throw parameter_error(where, "delay", number(delay_ms) + " ms", "at most 65535 steps");
  return static_cast<std::uint32_t>(std::max(1.0, steps));  // the minimum delay is one step
}

projection& network::connect(const std::string& source, const std::string& target, const connection_rule& rule,
                             const synapse_spec& syn, std::string name) {
  if (name.empty()) name = source + "->" + target;
  const std::string where = "projection '" + name + "'";
  check_plasticity(syn.plasticity, where);
  projection p;
  p.name = name;
  p.source_range = range(source);
  p.target_range = range(target);
  p.source = populations_[p.source_range.population].get();
  p.target = populations_[p.target_range.population].get();
  const auto id = static_cast<std::uint32_t>(projections_.size());
  if (!(syn.delay.dim == units::dims::time))
    throw parameter_error(where, "delay", "a value that is " + dim_text(syn.delay.dim), "a time (e.g. '1.5 ms')");

  // Rules with planned rows and weights of one sign: only the row lengths now, the synapses at finalize() (on the
  // host, or on a GPU from the same streams).
  const double definite = definite_sign(syn.weight.dist);
  const bool stdp = syn.stdp.rule != models::stdp_rule::none;
  if (rule_plans_rows(rule.kind) && syn.weight.per_item.empty() && syn.delay.per_item.empty() &&
      !std::isnan(definite) && !stdp)
    plan_synapses(p, rule, syn, id, definite, where);
  else
    build_synapses(p, rule, syn, id, where);
  p.set_plasticity(models::plasticity_constants_for(syn.plasticity, dt_), batch_);
  if (stdp) set_stdp(p, syn, where);
  if (p.quantal()) {
    if (batch_ != 1) throw parameter_error(where, "synapse_model", "quantal_stp_synapse", "batch 1");
    if (syn.record_weights)
      throw parameter_error(where, "weight_recorder", "set", "none for quantal_stp_synapse (as in NEST)");
    if (p.plasticity.available0 > p.plasticity.sites)
      throw parameter_error(where, "quantal_stp_synapse.a", std::to_string(p.plasticity.available0),
                            "at most n = " + std::to_string(p.plasticity.sites));
    if (syn.transmit_probability < 1)
      throw parameter_error(where, "p_transmit", number(syn.transmit_probability), "1 for quantal_stp_synapse");
    p.transmit_tag = rng::make_tag(rng::purpose::transmission, id);
    p.quantal_available.assign(p.size(), static_cast<std::uint16_t>(p.plasticity.available0));
  }
  if (syn.record_weights) {
    if (batch_ != 1) throw parameter_error(where, "weight_recorder", "set", "batch 1 (weights are logged per synapse)");
    p.record_weights = true;
  }
  if (!(syn.transmit_probability >= 0 && syn.transmit_probability <= 1))
    throw parameter_error(where, "p_transmit", number(syn.transmit_probability), "a probability in [0, 1]");
  if (syn.transmit_probability < 1) {
    if (batch_ != 1)
      throw parameter_error(where, "p_transmit", number(syn.transmit_probability),
                            "1 with batch " + std::to_string(batch_) + " (unreliable synapses need batch 1)");
    if (stdp)
      throw parameter_error(where, "p_transmit", number(syn.transmit_probability),
                            "1 for a synapse with STDP (" + syn.stdp_model + ")");
    p.transmit_probability = syn.transmit_probability;
    p.transmit_tag = rng::make_tag(rng::purpose::transmission, id);
  }
  if (syn.align_pre) set_align_pre(p, syn, where);
  const bool counts = p.source->model().spike_payload_counts;  // STDP and align-pre see one spike per step
  // NEST unrolls a spike of multiplicity m into m events: a plastic synapse runs its rule m times (short-term
  // plasticity: m jumps at the same time; the summed efficacy carries the count, not the payload; quantal_stp: m
  // release attempts)
  const bool unrolled_stp = counts && p.plastic();
  if (syn.use_payload && p.source->model().spike_payload >= 0 && !(counts && (stdp || syn.align_pre)) &&
      !unrolled_stp) {
    if (stdp)
      throw parameter_error(where, "synapse_model", syn.stdp_model,
                            "a synapse without STDP: '" + p.source->model().name + "' sends spike payloads");
    p.payload_var = p.source->model().spike_payload;
    p.payload_counts = counts;
  }
  if (syn.use_payload && p.source->model().spike_payload >= 0 &&
      ((counts && stdp) || unrolled_stp))
    p.unroll_var = p.source->model().spike_payload;
  p.target->mark_channel_used(p.channel);
  projections_.push_back(std::move(p));
  return projections_.back();
}

void network::set_align_pre(projection& p, const synapse_spec& syn, const std::string& where) {
  const std::string kind = std::visit([](const auto& s) { return std::string(s.name); }, *syn.align_pre);
  const input_channel& ch = p.target->channels()[std::size_t(p.channel)];
  if (ch.kind != channel_kind::receptor ||
      p.target->receptor(ch.index).syn.kind != models::synapse_kind::instant)
    throw parameter_error(where, "receptor", "'" + ch.name + "'",
                          "a receptor with synapse Instant: an align-pre projection delivers its own " + kind +
                              " synapse's g there every step");
  const models::synapse_constants c = checked_synapse(*syn.align_pre, where + " align_pre " + kind);
  if (c.kind == models::synapse_kind::instant)
    throw parameter_error(where, "align_pre", kind, "a synapse with dynamics (Expon, DualExpon, Alpha, AMPA, ...)");
  auto refuse = [&](bool used, const char* what, const std::string& value) {
    if (used) throw parameter_error(where, what, value, std::string("none with align_pre (not supported yet)"));
  };
  refuse(p.plastic(), "plasticity", "set");
  refuse(p.weight_plastic(), "synapse_model", syn.stdp_model);
  refuse(syn.record_weights, "weight_recorder", "set");
  refuse(syn.transmit_probability < 1, "p_transmit", number(syn.transmit_probability));
  refuse(syn.use_payload && p.source->model().spike_payload >= 0 && !p.source->model().spike_payload_counts,
         "source model", p.source->model().name + " (spike payloads)");
  p.align_pre = true;
  p.presynaptic = c;
  p.presynaptic_state.assign(std::size_t(models::receptor_state_count(c.kind)) * p.presynaptic_cells(), real_t(0));
}

void check_stdp_weight(double w, const models::stdp_constants& c, const models::dopamine_constants& dc,
                       double weight_per_lut_entry, const model_info& target, const std::string& model,
                       const std::string& where) {
  if (!std::isfinite(w)) throw parameter_error(where, "weight", number(w), "a finite value");
  bool ok = true;
  if (c.rule == models::stdp_rule::clopath) {
    // NEST: weight and Wmin of one sign (0 counting as positive), weight and Wmax too (0 counting as negative);
    // the weight then keeps its sign, so the port a target routing by sign gets stays right
    const bool positive = w >= 0;
    if (positive != (c.Wmin >= 0))
      throw parameter_error(where, "weight", number(w),
                            "the sign of Wmin " + number(c.Wmin) + " (" + model + ")");
    if (positive != (c.Wmax > 0))
      throw parameter_error(where, "weight", number(w),
                            "the sign of Wmax " + number(c.Wmax) + " (" + model + ")");
    return;
  }
  if (c.rule == models::stdp_rule::urbanczik) {
    // NEST: weight and Wmax of one sign bit, and weight >= 0 exactly when Wmax > 0
    if (std::signbit(w) != std::signbit(c.Wmax) || (w >= 0) != (c.Wmax > 0))
      throw parameter_error(where, "weight", number(w),
                            "the sign of Wmax " + number(c.Wmax) + " (" + model + ")");
    return;
  }
  if (c.rule == models::stdp_rule::jonke) {
    // NEST takes any weight; a negative one floors at 0 at the first spike (lambda != 0) and may grow, while the
    // port of a target that routes by sign is picked here, once
    if (w < 0 && c.lambda != 0 && target.routes_by_sign)
      throw parameter_error(where, "weight", number(w),
                            ">= 0 for " + model + " into '" + target.name +
                                "' (it turns positive at the first spike; volley picks the port by the sign once)");
    return;
  }
  if (c.rule == models::stdp_rule::dopamine) {
    // every delivered weight lies in [Wmin, Wmax]: one sign there, and the same for the port chosen now
    if (target.routes_by_sign && !((dc.Wmin >= 0 && w >= 0) || (dc.Wmax <= 0 && w <= 0)))
      throw parameter_error(where, "weight", number(w),
                            "of the sign of [Wmin, Wmax] = [" + number(dc.Wmin) + ", " + number(dc.Wmax) +
                                "], which may not hold 0 inside, for " + model + " into '" +
                                target.name + "' (volley picks the port by the sign once)");
    return;
  }
  if (c.rule == models::stdp_rule::facetshw) {
    // the first readout looks w's 4-bit entry up in a table: NEST would index past it outside [0, 15]
    const double e = std::round(w / weight_per_lut_entry);
    if (!(e >= 0 && e < models::facetshw_lut_size))
      throw parameter_error(where, "weight", number(w),
                            "within [-0.5, 15.5) x weight_per_lut_entry " +
                                number(weight_per_lut_entry) + " (" + model +
                                ": 4-bit weights, Wmax / 15 per step)");
    return;
  }
  if (c.rule == models::stdp_rule::power_law)
    ok = w >= 0;  // w^mu
  else if (c.rule == models::stdp_rule::vogels_sprekeler)
    ok = w == 0 || std::signbit(w) == std::signbit(c.Wmax);
  else
    ok = (w >= 0) == (c.Wmax >= 0);  // NEST: weight and Wmax of one sign, 0 counting as positive
  if (!ok)
    throw parameter_error(where, "weight", number(w),
                          c.rule == models::stdp_rule::power_law ? ">= 0 (" + model + ")"
                                                                 : "the sign of Wmax " + number(c.Wmax) + " (" + model + ")");
}

void network::check_weights(std::size_t index, const std::vector<std::uint64_t>& synapses,
                            const std::vector<double>& weights, const std::string& where) const {
  if (index >= projections_.size())
    throw parameter_error(where, "projection", std::to_string(index), "< " + std::to_string(projections_.size()));
  const projection& p = projections_[index];
  if (p.on_device || p.pending)
    throw parameter_error(where, "weight", "set", "synapses drawn on the host (these are " +
                                                      std::string(p.on_device ? "held on the GPU" : "not drawn yet") + ")");
  if (synapses.size() != weights.size())
    throw parameter_error(where, "weight", std::to_string(weights.size()) + " values",
                          std::to_string(synapses.size()) + " (one per synapse)");
  if (p.urbanczik())
    throw parameter_error(where, "synapse_model", p.stdp_model, "a synapse model other than urbanczik_synapse "
                                                                "(its initial weight is kept; not supported yet)");
  for (std::size_t i = 0; i < synapses.size(); ++i) {  // all checked before any is changed
    const double w = weights[i];
    if (synapses[i] >= p.size())
      throw parameter_error(where, "synapse", std::to_string(synapses[i]), "< " + std::to_string(p.size()));
    if (!std::isfinite(w)) throw parameter_error(where, "weight", number(w), "a finite value");
    if (p.port_by_sign) {
      const bool positive_port = p.channel == 0;  // "ex" takes weights >= 0, "in" those < 0 (choose_channel)
      if (w != 0 && (w > 0) != positive_port)
        throw parameter_error(where, "weight", number(w),
                              std::string(positive_port ? ">= 0" : "<= 0") + ": the sign of the weights at Connect (" +
                                  p.target->model().name + " routes by the sign and volley picks the port once)");
    }
    if (p.weight_plastic())
      check_stdp_weight(w, p.stdp, p.stdp_dopamine,
                        p.facetshw() ? p.stdp_facetshw->constants.weight_per_lut_entry : 1.0, p.target->model(),
                        p.stdp_model, where);
  }
}

void network::set_weights(std::size_t index, const std::vector<std::uint64_t>& synapses,
                          const std::vector<double>& weights, const std::string& where) {
  check_weights(index, synapses, weights, where);
  projection& p = projections_[index];
  const bool every_synapse_alike =
      p.weights.empty() && synapses.size() == p.size() &&
      std::all_of(weights.begin(), weights.end(), [&](double w) { return w == weights.front(); });
  if (every_synapse_alike && !synapses.empty()) {
    p.weight = static_cast<real_t>(weights.front());
    return;
  }
  if (p.weights.empty()) p.weights.assign(p.size(), p.weight);
  for (std::size_t i = 0; i < synapses.size(); ++i) p.weights[synapses[i]] = static_cast<real_t>(weights[i]);
}

void network::set_stdp(projection& p, const synapse_spec& syn, const std::string& where) {
  const std::string model = syn.stdp_model;
  if (batch_ != 1)
    throw parameter_error(where, "synapse_model", model, "batch 1 (plastic weights are not batched yet)");
  if (p.plastic())
    throw parameter_error(where, "plasticity", model, "no short-term plasticity beside " + model);
  const auto& c = syn.stdp;
  check_stdp(c, model, where);
  if (c.rule == models::stdp_rule::facetshw) check_facetshw(syn.stdp_facetshw, model, where);
  if (c.rule == models::stdp_rule::dopamine) check_dopamine(syn, model, where);
  if (!(std::isfinite(syn.stdp_initial_kplus) && syn.stdp_initial_kplus >= 0))
    throw parameter_error(where, model + (c.rule == models::stdp_rule::clopath ? ".x_bar" : ".Kplus"),
                          number(syn.stdp_initial_kplus), ">= 0");
  if (!(std::isfinite(syn.stdp_initial_kplus_triplet) && syn.stdp_initial_kplus_triplet >= 0))
    throw parameter_error(where, model + ".Kplus_triplet", number(syn.stdp_initial_kplus_triplet), ">= 0");
  if (c.rule == models::stdp_rule::clopath && p.target->model().clopath.u < 0)
    throw parameter_error(where, "synapse_model", model,
                          "a target that archives its filtered potentials (aeif_psc_delta_clopath, "
                          "hh_psc_alpha_clopath; NEST: Clopath archiving), not '" +
                              p.target->model().name + "'");
  if (c.rule == models::stdp_rule::urbanczik && p.target->model().urbanczik_dendrite < 0)
    throw parameter_error(where, "synapse_model", model,
                          "a target that archives its dendritic prediction error (pp_cond_exp_mc_urbanczik; NEST: "
                          "Urbanczik archiving), not '" + p.target->model().name + "'");
  if (p.weights.empty()) p.weights.assign(p.size(), p.weight);  // per-synapse weights from here on
  for (real_t w : p.weights)
    check_stdp_weight(double(w), c, syn.stdp_dopamine, syn.stdp_facetshw.weight_per_lut_entry, p.target->model(),
                      model, where);
  p.stdp = c;
  p.stdp.dt = dt_;
  p.stdp_model = model;
  models::stdp_pre_state initial;
  initial.kplus = syn.stdp_initial_kplus;
  initial.kplus_triplet = syn.stdp_initial_kplus_triplet;
  p.stdp_pre.assign(p.source_range.size(), initial);
  if (c.rule == models::stdp_rule::nn_pre_centered) p.stdp_synapse_kplus.assign(p.size(), syn.stdp_initial_kplus);
  if (c.rule == models::stdp_rule::urbanczik) {
    p.stdp_urbanczik_constants = {c.tau_Delta, c.eta, c.Wmin, c.Wmax};
    p.stdp_urbanczik_synapses.resize(p.size());
    for (std::uint64_t k = 0; k < p.size(); ++k) p.stdp_urbanczik_synapses[k].init_weight = double(p.weights[k]);
  }
  if (c.rule == models::stdp_rule::facetshw) {
    // NEST's common properties: one object per synapse model, however many Connect calls use it
    auto it = std::find_if(facetshw_models_.begin(), facetshw_models_.end(),
                           [&](const auto& m) { return m.first == model; });
    if (it == facetshw_models_.end()) {
      auto m = std::make_shared<models::facetshw_model>();
      m->constants = syn.stdp_facetshw;
      m->constants.tics_per_step = std::llround(dt_ * 1000.0);
      m->controller = syn.stdp_facetshw_start;
      facetshw_models_.emplace_back(model, std::move(m));
      it = std::prev(facetshw_models_.end());
    } else if (!models::same_common_properties(it->second->constants, syn.stdp_facetshw)) {
      throw parameter_error(where, "synapse_model", model,
                            "the same common properties as the earlier projections of " + model +
                                " (they are the model's, set by SetDefaults or CopyModel)");
    }
    p.stdp_facetshw = it->second;
    p.stdp_facetshw_synapses.assign(p.size(), syn.stdp_facetshw_synapse);
  }
  if (c.rule == models::stdp_rule::dopamine) {
    const int vt = syn.stdp_volume_transmitter;
    if (vt < 0 || std::size_t(vt) >= volume_transmitters_.size())
      throw parameter_error(where, model + ".volume_transmitter", std::to_string(vt),
                            "a volume transmitter (network::add_volume_transmitter; NEST: the model's common "
                            "property volume_transmitter)");
    p.stdp_volume = volume_transmitters_[std::size_t(vt)];
    const std::uint32_t m = p.stdp_volume->slice_steps;
    for (std::uint64_t k = 0; k < p.size(); ++k)
      if ((p.delays.empty() ? p.delay : p.delays[k]) < m)
        throw parameter_error(where, "delay", std::to_string(p.delays.empty() ? p.delay : p.delays[k]) + " steps",
                              "at least min_delay (" + std::to_string(m) + " steps): the synapses deliver after "
                              "each slice");
    p.stdp_dopamine = syn.stdp_dopamine;
    p.stdp_dopamine.tics_per_step = std::llround(dt_ * 1000.0);
    models::dopamine_synapse initial = syn.stdp_dopamine_synapse;
    initial.kplus = syn.stdp_initial_kplus;
    p.stdp_dopamine_synapses.assign(p.size(), initial);
  }
}

void check_dopamine(const synapse_spec& syn, const std::string& model, const std::string& where) {
  const models::dopamine_constants& c = syn.stdp_dopamine;
  for (auto [name, v] : {std::pair{"tau_plus", c.tau_plus}, {"tau_c", c.tau_c}, {"tau_n", c.tau_n}})
    if (!(std::isfinite(v) && v > 0)) throw parameter_error(where, model + "." + name, number(v) + " ms", "> 0 ms");
  for (auto [name, v] : {std::pair{"A_plus", c.A_plus}, {"A_minus", c.A_minus}, {"b", c.b}, {"Wmin", c.Wmin},
                         {"Wmax", c.Wmax}, {"c", syn.stdp_dopamine_synapse.c}, {"n", syn.stdp_dopamine_synapse.n}})
    if (!std::isfinite(v)) throw parameter_error(where, model + "." + name, number(v), "a finite value");
  if (!(c.Wmin <= c.Wmax))
    throw parameter_error(where, model + ".Wmin", number(c.Wmin), "at most Wmax = " + number(c.Wmax));
}

void check_facetshw(const models::facetshw_constants& c, const std::string& model, const std::string& where) {
  for (auto [name, v] : {std::pair{"tau_plus", c.tau_plus}, {"tau_minus_stdp", c.tau_minus}})
    if (!(std::isfinite(v) && v > 0)) throw parameter_error(where, model + "." + name, number(v) + " ms", "> 0 ms");
  if (!(std::isfinite(c.weight_per_lut_entry) && c.weight_per_lut_entry != 0))
    throw parameter_error(where, model + ".weight_per_lut_entry", number(c.weight_per_lut_entry),
                          "a finite value other than 0 (Wmax / 15 unless set; Wmax 0 leaves no weights)");
  if (c.synapses_per_driver < 1)
    throw parameter_error(where, model + ".synapses_per_driver", std::to_string(c.synapses_per_driver), ">= 1");
  if (!(std::isfinite(c.driver_readout_time) && c.driver_readout_time >= 0))
    throw parameter_error(where, model + ".driver_readout_time", number(c.driver_readout_time) + " ms", ">= 0 ms");
  for (int t = 0; t < 3; ++t)
    for (int e = 0; e < models::facetshw_lut_size; ++e)
      if (c.lut[t][e] >= models::facetshw_lut_size)
        throw parameter_error(where, model + ".lookuptable_" + std::to_string(t), std::to_string(c.lut[t][e]),
                              "entries in [0, 15]");
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 4; ++i)
      if (c.configbit[b][i] > 1)
        throw parameter_error(where, model + ".configbit_" + std::to_string(b), std::to_string(c.configbit[b][i]),
                              "bits 0 or 1");
  for (int i = 0; i < 6; ++i)
    if (c.reset_pattern[i] > 1)
      throw parameter_error(where, model + ".reset_pattern", std::to_string(c.reset_pattern[i]), "bits 0 or 1");
}

int network::add_volume_transmitter(const std::string& name, std::uint32_t deliver_interval, std::uint32_t slice_steps) {
  const std::string where = "volume transmitter '" + name + "'";
  if (deliver_interval < 1)
    throw parameter_error(where, "deliver_interval", std::to_string(deliver_interval), ">= 1 (min_delay slices)");
  if (slice_steps < 1) throw parameter_error(where, "min_delay", std::to_string(slice_steps) + " steps", ">= 1 step");
  for (const auto& vt : volume_transmitters_)
    if (vt->slice_steps != slice_steps)
      throw parameter_error(where, "min_delay", std::to_string(slice_steps) + " steps",
                            "the other transmitters' " + std::to_string(vt->slice_steps) + " steps (one per network)");
  auto vt = std::make_shared<volume_transmitter>();
  vt->name = name;
  vt->deliver_interval = deliver_interval;
  vt->slice_steps = slice_steps;
  volume_transmitters_.push_back(std::move(vt));
  return static_cast<int>(volume_transmitters_.size()) - 1;
}

void network::connect_volume_transmitter(int vt, const std::string& source, units::time_q delay) {
  if (vt < 0 || std::size_t(vt) >= volume_transmitters_.size())
    throw parameter_error("connect_volume_transmitter", "vt", std::to_string(vt),
                          "an index from add_volume_transmitter (" + std::to_string(volume_transmitters_.size()) +
                              " so far)");
  volume_transmitter& t = *volume_transmitters_[std::size_t(vt)];
  const std::string where = "volume transmitter '" + t.name + "' <- '" + source + "'";
  const neuron_range r = range(source);
  const std::uint32_t d = delay_steps(delay.value, where);
  if (d < t.slice_steps)
    throw parameter_error(where, "delay", number(delay.value) + " ms",
                          "at least min_delay (" + std::to_string(t.slice_steps) + " steps)");
  if (batch_ != 1) throw parameter_error(where, "batch", std::to_string(batch_), "1 (dopamine synapses are CPU, batch 1)");
  t.sources.push_back({populations_[r.population].get(), r, d});
}

void network::set_stdp_archive(const std::string& population_name, const stdp_archive_options& options) {
  const population& pop = find(population_name);
  const std::string where = "STDP archive of population '" + population_name + "'";
  for (auto [name, v] : {std::pair{"tau_minus", options.tau_minus.value}, {"tau_minus_triplet", options.tau_minus_triplet.value}})
    if (!(std::isfinite(v) && v > 0)) throw parameter_error(where, name, number(v) + " ms", "> 0 ms");
  if (options.capacity < 1 || options.capacity > 65536)
    throw parameter_error(where, "capacity", std::to_string(options.capacity), "1 to 65536 spikes per neuron");
  archive_options_.resize(populations_.size());
  archive_options_[pop.id()] = options;
}

void network::archive_spikes(std::uint64_t step) {
  for (std::size_t i = 0; i < archives_.size(); ++i)
    if (archives_[i].enabled()) archives_[i].record(populations_[i]->spikes()[0], step, dt_);
  for (auto& a : clopath_archives_)
    if (a) a->record(step);
  for (auto& a : urbanczik_archives_)
    if (a) a->record(step);
}

void network::plan_synapses(projection& p, const connection_rule& rule, const synapse_spec& syn, std::uint32_t id,
                            double sign, const std::string& where) {
  csr_connectivity csr = plan_rows(rule, p.source_range, p.target_range, seed_, id, where);
  validate(syn.weight.dist, where + " weight");
  if (!std::isfinite(syn.weight.dist.a))
    throw parameter_error(where, "weight", number(syn.weight.dist.a), "a finite value");
  p.channel = choose_channel(*p.target, syn.receptor, syn.weight.dim, sign, where);
  p.port_by_sign = syn.receptor.empty() && p.target->model().routes_by_sign &&
                  syn.weight.dim == p.target->model().ports[0].dim;
  if (syn.weight.dist.is_constant()) p.weight = static_cast<real_t>(syn.weight.dist.a);
  validate(syn.delay.dist, where + " delay");
  if (syn.delay.dist.is_constant()) p.delay = static_cast<std::uint16_t>(delay_steps(syn.delay.dist.a, where));
  p.row_ptr = std::move(csr.row_ptr);
  p.pending = pending_synapses{rule, syn.weight.dist, syn.delay.dist, id, where};
}

void network::build_synapses(projection& p, const connection_rule& rule, const synapse_spec& syn, std::uint32_t id,
                             const std::string& where) {
  csr_connectivity csr = build_connectivity(rule, p.source_range, p.target_range, seed_, id, where);

  // weights
  std::vector<double> w;
  if (!syn.weight.per_item.empty()) {
    if (syn.weight.per_item.size() != rule.sources.size())
      throw parameter_error(where, "weight", std::to_string(syn.weight.per_item.size()) + " values",
                            std::to_string(rule.sources.size()) + " values, one per listed connection");
    w.resize(csr.size());
    for (std::size_t k = 0; k < csr.size(); ++k) w[k] = syn.weight.per_item[csr.list_position[k]];
  } else if (!syn.weight.dist.is_constant()) {
    w = sample_per_synapse(syn.weight.dist, csr, seed_, rng::purpose::weight, id);
  }
  double sign = syn.weight.dist.a;
  if (!w.empty()) {
    const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
    sign = (*lo >= 0) ? 1.0 : (*hi <= 0 ? -1.0 : std::nan(""));
    for (double x : w)
      if (!std::isfinite(x)) throw parameter_error(where, "weight", number(x), "finite values");
  }
  if (!std::isfinite(syn.weight.dist.a))
    throw parameter_error(where, "weight", number(syn.weight.dist.a), "a finite value");
  p.channel = choose_channel(*p.target, syn.receptor, syn.weight.dim, sign, where);
  p.port_by_sign = syn.receptor.empty() && p.target->model().routes_by_sign &&
                  syn.weight.dim == p.target->model().ports[0].dim;
  if (w.empty()) p.weight = static_cast<real_t>(syn.weight.dist.a);
  else p.weights.assign(w.begin(), w.end());

  // delays
  if (!syn.delay.per_item.empty() || !syn.delay.dist.is_constant()) {
    std::vector<double> d;
    if (!syn.delay.per_item.empty()) {
      d.resize(csr.size());
      for (std::size_t k = 0; k < csr.size(); ++k) d[k] = syn.delay.per_item[csr.list_position[k]];
    } else {
      d = sample_per_synapse(syn.delay.dist, csr, seed_, rng::purpose::delay, id);
    }
    const bool drawn = syn.delay.per_item.empty();
    p.delays.resize(d.size());
    for (std::size_t k = 0; k < d.size(); ++k)
      p.delays[k] = static_cast<std::uint16_t>(delay_steps(d[k], where, drawn));
  } else {
    p.delay = static_cast<std::uint16_t>(delay_steps(syn.delay.dist.a, where));
  }
  p.set_connectivity(std::move(csr));
}

void network::draw_pending_synapses(projection& p) {
  const pending_synapses& ps = *p.pending;
  csr_connectivity csr;
  csr.n_source = p.source_range.size();
  csr.n_target = p.target_range.size();
  csr.row_ptr = p.row_ptr;
  fill_planned_rows(csr, ps.rule, p.source_range, p.target_range, seed_, ps.id, ps.where);
  if (!ps.weight.is_constant()) {
    const auto w = sample_per_synapse(ps.weight, csr, seed_, rng::purpose::weight, ps.id, ps.where + " weight");
    for (double x : w)
      if (!std::isfinite(x)) throw parameter_error(ps.where, "weight", number(x), "finite values");
    p.weights.assign(w.begin(), w.end());
  }
  if (!ps.delay.is_constant()) {
    const auto d = sample_per_synapse(ps.delay, csr, seed_, rng::purpose::delay, ps.id, ps.where + " delay");
    p.delays.resize(d.size());
    for (std::size_t k = 0; k < d.size(); ++k)
      p.delays[k] = static_cast<std::uint16_t>(delay_steps(d[k], ps.where, true));
  }
  p.set_connectivity(std::move(csr));
  p.pending.reset();
}

void network::add_constant_current(const std::string& target, units::current_q amplitude) {
  if (!std::isfinite(amplitude.value))
    throw parameter_error("constant current input to '" + target + "'", "amplitude", number(amplitude.value), "a finite current");
  const neuron_range r = range(target);
  check_takes_current(*populations_[r.population], "constant current input to '" + target + "'");
  populations_[r.population]->add_bias(r.begin, r.end, static_cast<real_t>(amplitude.value));
}

void network::add_poisson_input(const std::string& target, units::rate_q rate, const quantity_value& weight,
                                const std::string& receptor, const poisson_shape& shape) {
  const std::string where = "Poisson input to '" + target + "'";
  if (!(rate.value >= 0) || !std::isfinite(rate.value))
    throw parameter_error(where, "rate", number(rate.value * 1e3) + " Hz", "a non-negative rate (e.g. '8 Hz')");
  if (!weight.dist.is_constant()) throw parameter_error(where, "weight", "a distribution", "a single value");
  if (!std::isfinite(shape.amplitude.value))
    throw parameter_error(where, "amplitude", number(shape.amplitude.value * 1e3) + " Hz", "a finite rate");
  if (!std::isfinite(shape.omega_per_ms) || !std::isfinite(shape.phase))
    throw parameter_error(where, "frequency/phase", number(shape.omega_per_ms) + " rad/ms, " + number(shape.phase) +
                                                        " rad", "finite values");
  if (!(shape.copy_probability >= 0 && shape.copy_probability <= 1))
    throw parameter_error(where, "copy_probability", number(shape.copy_probability), "a probability in [0, 1]");
  if (!(shape.start.value >= 0) || !(shape.stop.value >= shape.start.value))
    throw parameter_error(where, "start/stop", number(shape.start.value) + " ms, " + number(shape.stop.value) + " ms",
                          "0 <= start <= stop");
  // A step is active when its start time lies in [start, stop): steps ceil(start/dt - eps) .. ceil(stop/dt - eps).
  auto first_step_at = [&](double t_ms) -> std::uint32_t {
    if (!std::isfinite(t_ms)) return 0xFFFFFFFFu;
    const double s = std::ceil(t_ms / dt_ - 1e-9);
    return s >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(s);
  };
  const neuron_range r = range(target);
  population& p = *populations_[r.population];
  poisson_drive d;
  d.channel = choose_channel(p, receptor, weight.dim, weight.dist.a, where);
  d.begin = r.begin;
  d.end = r.end;
  d.mean_count = static_cast<real_t>(rate.value * dt_);
  d.weight = static_cast<real_t>(weight.dist.a);
  d.tag = next_input_tag();
  d.step_begin = first_step_at(shape.start.value);
  d.step_end = first_step_at(shape.stop.value);
  d.amplitude_count = static_cast<real_t>(shape.amplitude.value * dt_);
  d.omega_step = shape.omega_per_ms * dt_;
  d.phase = shape.phase;
  d.shared = shape.shared;
  d.copy_p = static_cast<real_t>(shape.copy_probability);
  p.mark_channel_used(d.channel);
  p.add_poisson_drive(d, input_owner_);
}

void network::add_spike_times(const std::string& target, const std::vector<double>& times_ms,
                              const quantity_value& weight, const std::string& receptor, units::time_q delay) {
  const std::string where = "spike-time input to '" + target + "'";
  const neuron_range r = range(target);
  spike_times_input in;
  in.target = populations_[r.population].get();
  in.channel = choose_channel(*in.target, receptor, weight.dim, weight.dist.a, where);
  for (index_t i = r.begin; i < r.end; ++i) in.neurons.push_back(i);
  for (double t : times_ms) {
    const double steps = std::round(t / dt_);
    if (!std::isfinite(t) || steps < 1 || std::abs(steps * dt_ - t) > 1e-6 * dt_)
      throw parameter_error(where, "times", number(t) + " ms", "times >= dt on the simulation grid (multiples of dt)");
    in.emit_steps.push_back(static_cast<std::uint64_t>(steps) - 1);
  }
  std::sort(in.emit_steps.begin(), in.emit_steps.end());
  in.weight = static_cast<real_t>(weight.dist.a);
  in.target->mark_channel_used(in.channel);
  in.delay = delay_steps(delay.value, where);
  in.owner = input_owner_;
  spike_inputs_.push_back(std::move(in));
}

std::uint32_t network::next_input_tag() {
  if (next_reuse_ < reuse_tags_.size()) return reuse_tags_[next_reuse_++];
  return rng::make_tag(rng::purpose::input, next_input_id_++);
}

void network::begin_inputs(std::uint32_t owner, std::vector<std::uint32_t> reuse_tags) {
  input_owner_ = owner;
  reuse_tags_ = std::move(reuse_tags);
  next_reuse_ = 0;
}

void network::end_inputs() { begin_inputs(0); }

std::vector<std::uint32_t> network::remove_inputs(std::uint32_t owner) {
  std::vector<std::uint32_t> tags;
  if (owner == 0) return tags;
  for (auto& p : populations_) {
    const auto t = p->remove_inputs(owner);
    tags.insert(tags.end(), t.begin(), t.end());
  }
  std::erase_if(spike_inputs_, [&](const spike_times_input& in) { return in.owner == owner; });
  return tags;
}

std::uint64_t network::synapse_count() const {
  std::uint64_t n = 0;
  for (const auto& p : projections_) n += p.size();
  return n;
}

std::uint64_t network::neuron_count() const {
  std::uint64_t n = 0;
  for (const auto& p : populations_) n += p->size();
  return n;
}

std::vector<int> network::ring_slots_needed() const {
  std::vector<int> slots(populations_.size(), 2);
  for (const auto& p : projections_) slots[p.target->id()] = std::max(slots[p.target->id()], p.max_delay() + 1);
  for (const auto& s : spike_inputs_)
    slots[s.target->id()] = std::max(slots[s.target->id()], static_cast<int>(s.delay) + 1);
  return slots;
}

bool network::fit_ring_buffers(std::uint64_t step) {
  const std::vector<int> slots = ring_slots_needed();
  bool grew = false;
  for (auto& p : populations_)
    if (p->ring_slots() > 0 && p->ring_slots() < slots[p->id()]) {
      p->grow_ring_buffers(slots[p->id()], step);
      grew = true;
    }
  return grew;
}

void network::finalize(bool draw_device_resident) {
  for (auto& p : projections_)
    if (p.pending && (draw_device_resident || !p.on_device)) draw_pending_synapses(p);
  const std::vector<int> slots = ring_slots_needed();
  for (auto& p : populations_)
    if (!p->ring_buffers_fit(slots[p->id()])) p->allocate_ring_buffers(slots[p->id()]);
  // STDP: an archive for every population an STDP projection targets (allocated once, on the first finalize)
  archives_.resize(populations_.size());
  archive_options_.resize(populations_.size());
  finalize_clopath_archives();
  finalize_urbanczik_archives();
  for (auto& p : projections_) {
    if (!p.weight_plastic() || p.clopath() || p.urbanczik()) continue;
    const auto id = p.target->id();
    spike_archive& a = archives_[id];
    if (!a.enabled()) {
      a.tau_minus = archive_options_[id].tau_minus.value;
      a.tau_minus_triplet = archive_options_[id].tau_minus_triplet.value;
      a.allocate(p.target->size(), archive_options_[id].capacity);
    }
    p.stdp_archive = &a;
  }
}

// clopath_synapse: an archive for every population a clopath projection targets (allocated on the first finalize
// that sees one; later finalizes recount the incoming synapses).
void network::finalize_clopath_archives() {
  clopath_archives_.resize(populations_.size());
  std::vector<std::uint32_t> longest(populations_.size(), 0);
  for (const auto& p : projections_)
    if (p.clopath()) longest[p.target->id()] = std::max<std::uint32_t>(longest[p.target->id()], p.max_delay());
  for (std::size_t id = 0; id < populations_.size(); ++id) {
    if (longest[id] == 0) continue;
    auto& a = clopath_archives_[id];
    if (!a) {
      a = std::make_unique<clopath_archive>();
      a->allocate(*populations_[id], dt_, longest[id]);
    } else if (longest[id] + 1 > a->ltd_slots) {
      throw parameter_error("clopath_synapse into '" + populations_[id]->name() + "'", "delay",
                            std::to_string(longest[id]) + " steps",
                            "at most " + std::to_string(a->ltd_slots - 1) +
                                " steps (the longest delay into it when the network first ran)");
    }
    std::fill(a->ltp.n_incoming.begin(), a->ltp.n_incoming.end(), 0u);
  }
  for (auto& p : projections_) {
    if (!p.clopath()) continue;
    clopath_archive& a = *clopath_archives_[p.target->id()];
    for (std::uint64_t k = 0; k < p.size(); ++k)
      ++a.ltp.n_incoming[p.target_range.begin + (p.narrow() ? p.targets16[k] : p.targets32[k])];
    p.stdp_clopath = &a;
  }
}

// urbanczik_synapse: an archive for every population an urbanczik projection targets (allocated on the first
// finalize that sees one; later finalizes recount the incoming synapses).
void network::finalize_urbanczik_archives() {
  urbanczik_archives_.resize(populations_.size());
  for (const auto& p : projections_) {
    if (!p.urbanczik()) continue;
    auto& a = urbanczik_archives_[p.target->id()];
    if (!a) {
      a = std::make_unique<urbanczik_archive>();
      a->allocate(*p.target, dt_);
    }
  }
  for (auto& a : urbanczik_archives_)
    if (a) std::fill(a->history.n_incoming.begin(), a->history.n_incoming.end(), 0u);
  for (auto& p : projections_) {
    if (!p.urbanczik()) continue;
    urbanczik_archive& a = *urbanczik_archives_[p.target->id()];
    for (std::uint64_t k = 0; k < p.size(); ++k)
      ++a.history.n_incoming[p.target_range.begin + (p.narrow() ? p.targets16[k] : p.targets32[k])];
    p.stdp_urbanczik = &a;
  }
}

}  // namespace volley
