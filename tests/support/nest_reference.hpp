#pragma once
// Shared by the tests that compare volley's NEST models with traces recorded from NEST itself (issue 5):
// tests/reference/<model>.json is written by tools/nest_reference/make_references.py: one neuron with NEST's
// defaults, a step_current_generator (0 pA, a suprathreshold step from 20 ms, a subthreshold one from 120 ms),
// excitatory and inhibitory spike_generator input with fixed times and delays, a multimeter at every step and a
// spike_recorder, dt 0.1 ms, 300 ms. run_protocol rebuilds the same inputs in volley.
//
// Timing, NEST against volley (checked in tests/test_nest_reference.cpp, not assumed):
//   - Sample k of NEST's multimeter (interval dt) is the state after the step ending at (k + 1) dt: volley's
//     trace sample k (step k). A NEST spike stamped t is volley's spike in step round(t/dt) - 1.
//   - A spike_generator spike at t through a connection of delay d reaches the synaptic state (or V, for
//     iaf_psc_delta) at t + d: volley's spike time t (SpikeTime schedule or spike-time input) with the same
//     delay does the same.
//   - A step_current_generator value set at amplitude_time T, through a connection of delay d, acts on V over
//     the steps from T + d on. volley's step_input acts from the first step starting at or after its step_time and
//     a current input has no delay, so the NEST protocol is expressed by shifting every step time by d.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/spike_sources.hpp"
#include "tests/support/multimeter_order.hpp"

namespace volley::nest_ref {

using json = nlohmann::json;

inline json load_reference(const std::string& model) {
  const std::string path = std::string(VOLLEY_SOURCE_DIR) + "/tests/reference/" + model + ".json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return json::parse(in);
}

// A number of a reference file; JSON has no infinity, so the writer spells it "inf" / "-inf".
inline double number(const json& v) {
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw std::runtime_error("not a number: " + s);
  }
  return v.get<double>();
}

// Reads NEST's parameters one by one; finish() fails on every parameter nobody took, so a newer NEST adding a
// parameter must be looked at, not ignored.
class parameter_reader {
 public:
  explicit parameter_reader(const json& p) : p_(p) {}
  double take(const char* name) {
    seen_.insert(name);
    return number(p_.at(name));
  }
  bool take_flag(const char* name) {
    seen_.insert(name);
    return p_.at(name).get<bool>();
  }
  void finish(const char* model) const {
    for (const auto& [name, value] : p_.items())
      EXPECT_TRUE(seen_.count(name)) << "NEST parameter " << name << " = " << value << " has no counterpart in "
                                     << model;
  }

 private:
  const json& p_;
  std::set<std::string> seen_;
};

// How the spike_generator spikes enter volley.
enum class spike_path { spike_time_population, spike_times_input };

struct traces {
  std::vector<std::vector<double>> values;  // per recorded variable; sample k = state after step k
  std::vector<std::uint64_t> spike_steps;
};

// A spike_generator's weight as a volley quantity, in the unit the reference records (mV: iaf_psc_delta; nS: the
// conductance-based models).
inline quantity_value weight_of(const json& input) {
  const double w = input.at("weight").get<double>();
  const auto unit = input.at("weight_unit").get<std::string>();
  if (unit == "pA") return units::current_q(w);
  if (unit == "mV") return units::voltage_q(w);
  if (unit == "nS") return units::conductance_q(w);
  throw std::runtime_error("reference weight unit " + unit + ": expected pA, mV or nS");
}

// Runs one neuron of Model with parameters p on the reference's protocol and records `variables`.
// `current_shift_ms` is added to every step_current_generator time (its connection delay reproduces NEST).
// `receptor_for(weight)` names the input a spike_generator's connection targets ("" lets volley choose: by sign
// for ports, the delta channel for mV).
template <class Model, class Receptor>
traces run_protocol(const json& ref, const typename Model::params& p, spike_path path, double current_shift_ms,
                    const std::vector<const char*>& variables, Receptor&& receptor_for) {
  const double dt = ref.at("dt_ms").get<double>();
  const auto& proto = ref.at("protocol");
  network net({.dt = units::time_q(dt), .seed = 1});
  net.add_population<Model>("N", 1, p);

  const auto& scg = proto.at("step_current_generator");
  step_input step;
  for (const auto& a : scg.at("amplitude_values_pA")) step.amplitudes.push_back(units::current_q(a.get<double>()));
  for (const auto& t : scg.at("amplitude_times_ms"))
    step.step_times.push_back(units::time_q(t.get<double>() + current_shift_ms));
  net.add_current_input("N", step);

  const auto& spikes = proto.at("spike_inputs");
  if (path == spike_path::spike_time_population) {
    // One SpikeTime neuron per spike_generator, each with its own projection.
    net.add_population<models::SpikeTime>("G", static_cast<index_t>(spikes.size()));
    std::vector<index_t> who;
    std::vector<units::time_q> when;
    for (std::size_t g = 0; g < spikes.size(); ++g)
      for (const auto& t : spikes[g].at("times_ms")) {
        who.push_back(static_cast<index_t>(g));
        when.push_back(units::time_q(t.get<double>()));
      }
    net.set_spike_schedule("G", who, when);
    for (std::size_t g = 0; g < spikes.size(); ++g) {
      const std::string source = "G[" + std::to_string(g) + ":" + std::to_string(g + 1) + "]";
      net.connect(source, "N", connection_rule{},
                  {receptor_for(spikes[g].at("weight").get<double>()), weight_of(spikes[g]),
                   units::time_q(spikes[g].at("delay_ms").get<double>())});
    }
  } else {
    for (const auto& s : spikes)
      net.add_spike_times("N", s.at("times_ms").get<std::vector<double>>(), weight_of(s),
                          receptor_for(s.at("weight").get<double>()), units::time_q(s.at("delay_ms").get<double>()));
  }

  simulator sim(net);
  sim.record_spikes("N");
  for (const char* v : variables) sim.record_trace({"N", v, {0}, units::time_q(0.0)});
  sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
  traces out;
  const auto& rec = sim.record();
  for (std::size_t q = 0; q < variables.size(); ++q)
    out.values.emplace_back(rec.traces[q].values.begin(), rec.traces[q].values.end());
  out.spike_steps.assign(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
  return out;
}

inline std::vector<double> reference_trace(const json& ref, const char* variable) {
  std::vector<double> v;
  for (const auto& x : ref.at("record").at("traces").at(variable)) v.push_back(number(x));
  return v;
}

inline std::vector<std::uint64_t> reference_spike_steps(const json& ref) {
  const double dt = ref.at("dt_ms").get<double>();
  std::vector<std::uint64_t> steps;
  for (const auto& t : ref.at("record").at("spike_times_ms"))
    steps.push_back(static_cast<std::uint64_t>(std::llround(t.get<double>() / dt)) - 1);  // stamp = end of step
  return steps;
}

// Largest |a - b| over the samples whose time (k + 1) dt lies in [start, end) of each protocol phase; prints
// them (the numbers the issue asks for) and returns the overall largest with the first sample where it exceeds tol.
struct comparison {
  double max_abs = 0;
  long first_over = -1;  // first sample k with |a - b| > tol, -1 when none
};

inline comparison compare(const json& ref, const char* what, const std::vector<double>& volley,
                          const std::vector<double>& nest, double tol) {
  comparison c;
  EXPECT_EQ(volley.size(), nest.size()) << what;
  const double dt = ref.at("dt_ms").get<double>();
  const std::size_t n = std::min(volley.size(), nest.size());
  for (const auto& phase : ref.at("protocol").at("phases")) {
    double m = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const double t = (k + 1) * dt;
      if (t < phase.at("start_ms").get<double>() || t >= phase.at("end_ms").get<double>()) continue;
      m = std::max(m, std::abs(volley[k] - nest[k]));
    }
    std::printf("  %-10s max |volley - NEST| %-40s %.3g\n", what, phase.at("name").get<std::string>().c_str(), m);
    c.max_abs = std::max(c.max_abs, m);
  }
  for (std::size_t k = 0; k < n && c.first_over < 0; ++k)
    if (std::abs(volley[k] - nest[k]) > tol) c.first_over = static_cast<long>(k);
  return c;
}

}  // namespace volley::nest_ref
