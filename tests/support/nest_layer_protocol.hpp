#pragma once
// Replays a NEST reference run (tests/reference/<model>.json, tools/nest_reference/make_references.py) through the
// NEST layer (host/nest_layer.hpp) exactly as the PyNEST script built it: one neuron with the reference's
// parameters and initial state, a step_current_generator and spike_generators connected with their weights and
// delays, a multimeter at every step and a spike_recorder. Nothing model-specific: the layer translates NEST's
// names, so the same code replays every reference on any backend (CPU here, GPU in tests/gpu/).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "host/nest_layer.hpp"
#include "models/registry.hpp"
#include "tests/support/nest_reference.hpp"

namespace volley::nest_ref {

// Every reference file of a neuron model (not the devices' file), sorted by name.
inline std::vector<std::string> reference_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(std::string(VOLLEY_SOURCE_DIR) + "/tests/reference")) {
    const auto stem = e.path().stem().string();
    if (e.path().extension() != ".json") continue;
    // only runs of make_references.py's protocol: not the device, generator, parrot or statistics references
    std::ifstream in(e.path());
    if (json::parse(in).contains("protocol")) names.push_back(stem);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Whether volley has the reference's neuron model (a reference may be committed before its model is registered).
inline bool model_registered(const json& ref) {
  return models::find_neuron_model(ref.at("model").get<std::string>()) != nullptr;
}

// Whether every spike_generator of the reference routes by the sign of its weight (receptor_type 0). The
// multi-receptor models (glif_*: ports 1 and 2, NEST's list parameters tau_syn, E_rev, asc_*) are replayed by their
// own tests (tests/test_nest_glif.cpp), not by this generic one.
inline bool sign_routed(const json& ref) {
  for (const auto& s : ref.at("protocol").at("spike_inputs"))
    if (s.value("receptor_type", 0) != 0) return false;
  return true;
}

// NEST parameters volley has no counterpart of, accepted only at the value that makes them inert in NEST.
inline bool inert_nest_only_parameter(const std::string& model, const std::string& key, const json& value) {
  if (model == "iaf_psc_exp" && key == "delta") return number(value) == 0.0;  // escape noise off
  if (model == "iaf_psc_exp" && key == "rho") return true;                    // unused while delta == 0
  if (model == "iaf_chs_2007" && key == "noise") return value.is_array() && value.empty();  // no noise list
  // the *_ps models: NEST's refractory flag (a state; volley counts refractory_steps) and delta_ps's
  // refractory_input (reported, not settable in NEST 3.10), both false; lossless's offset (the last spike's, 0)
  if (model.find("_ps") != std::string::npos && (key == "is_refractory" || key == "refractory_input"))
    return value.is_boolean() && !value.get<bool>();
  if (model == "iaf_psc_exp_ps_lossless" && key == "offset") return number(value) == 0.0;
  return false;
}

struct layer_run {
  std::vector<std::string> variables;       // the reference's recorded traces, in its order
  std::vector<std::vector<double>> values;  // per variable, sample k = state after step k
  std::vector<double> spike_times_ms;
};

// Sets `values` on the neuron in one call, as a PyNEST script would (NEST checks paired lists such as gif's tau_sfa
// and q_sfa together); where that fails, one at a time so that a name the layer does not know is reported by name.
inline void set_each(nest::kernel& k, const nest::node_collection& n, const std::string& model, const json& values) {
  json all = json::object();
  for (const auto& [key, value] : values.items()) all[key] = value.is_string() ? json(number(value)) : value;
  try {
    k.set_status(n, all);
    return;
  } catch (const parameter_error&) {
  }
  for (const auto& [key, value] : values.items()) {
    try {
      k.set_status(n, {{key, value.is_string() ? json(number(value)) : value}});
    } catch (const parameter_error& e) {
      EXPECT_TRUE(inert_nest_only_parameter(model, key, value))
          << model << ": the NEST layer rejects " << key << " = " << value << ": " << e.what();
    }
  }
}

inline layer_run run_reference_through_layer(const json& ref, backend_kind backend) {
  const double dt = ref.at("dt_ms").get<double>();
  const auto model = ref.at("model").get<std::string>();
  nest::kernel k({.resolution_ms = dt, .rng_seed = 1, .local_num_threads = 1, .backend = backend});
  const auto n = k.create(model);
  set_each(k, n, model, ref.at("parameters"));
  set_each(k, n, model, ref.at("initial_state"));

  const auto& proto = ref.at("protocol");
  const auto& scg = proto.at("step_current_generator");
  if (!scg.is_null()) {  // null: a model without current input (iaf_chs_2007)
    const auto g = k.create("step_current_generator", 1,
                            {{"amplitude_times", scg.at("amplitude_times_ms")},
                             {"amplitude_values", scg.at("amplitude_values_pA")}});
    k.connect(g, n, "all_to_all", {{"weight", 1.0}, {"delay", scg.at("delay_ms")}});
  }
  for (const auto& s : proto.at("spike_inputs")) {
    const auto sg = k.create("spike_generator", 1, {{"spike_times", s.at("times_ms")}});
    json syn = {{"weight", s.at("weight")}, {"delay", s.at("delay_ms")}};
    if (s.contains("receptor_type")) syn["receptor_type"] = s.at("receptor_type");  // multi-receptor models
    k.connect(sg, n, "all_to_all", syn);
  }
  layer_run out;
  for (const auto& [name, trace] : ref.at("record").at("traces").items()) out.variables.push_back(name);
  const bool traced = !out.variables.empty();  // ignore_and_fire has no recordables
  const auto mm = traced ? k.create("multimeter", 1, {{"interval", dt}, {"record_from", out.variables}})
                         : nest::node_collection{};
  if (traced) k.connect(mm, n);
  const auto sr = k.create("spike_recorder");
  k.connect(n, sr);
  k.simulate(ref.at("t_sim_ms").get<double>());

  const json ev = traced ? k.get_events(mm) : json::object();
  for (const auto& v : out.variables) out.values.push_back(ev.at(v).get<std::vector<double>>());
  out.spike_times_ms = k.get_events(sr).at("times").get<std::vector<double>>();
  return out;
}

struct reference_agreement {
  double worst = 0;            // largest |volley - NEST| over every trace sample (the trace's unit)
  std::string worst_variable;
  long spike_count_difference = 0;
  double worst_spike_shift_ms = 0;  // largest |t_volley - t_NEST| over the spikes both have
  // NEST's precise-spike models (iaf_chxk_2008, iaf_psc_*_ps) report stamp - offset, offset in [0, dt); so does the
  // layer (from the model's spike_offset)
};

inline reference_agreement agreement(const json& ref, const layer_run& run) {
  reference_agreement a;
  for (std::size_t q = 0; q < run.variables.size(); ++q) {
    const auto nest = reference_trace(ref, run.variables[q].c_str());
    EXPECT_EQ(run.values[q].size(), nest.size()) << run.variables[q];
    for (std::size_t i = 0; i < std::min(nest.size(), run.values[q].size()); ++i) {
      const double d = std::abs(run.values[q][i] - nest[i]);
      if (!(d <= a.worst)) {  // NaN counts as the worst
        a.worst = std::isnan(d) ? INFINITY : d;
        a.worst_variable = run.variables[q];
      }
    }
  }
  const auto nest_spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
  a.spike_count_difference = long(run.spike_times_ms.size()) - long(nest_spikes.size());
  for (std::size_t i = 0; i < std::min(nest_spikes.size(), run.spike_times_ms.size()); ++i) {
    a.worst_spike_shift_ms = std::max(a.worst_spike_shift_ms, std::abs(run.spike_times_ms[i] - nest_spikes[i]));
  }
  return a;
}

}  // namespace volley::nest_ref
