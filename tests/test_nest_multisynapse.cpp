// volley's iaf_psc_exp_multisynapse and iaf_psc_alpha_multisynapse (models/iaf_psc_multisynapse.hpp) against traces
// recorded from NEST 3.10, with the protocol and timing conventions of tests/support/nest_reference.hpp: V_m, I_syn
// and I_syn_1..I_syn_4 within 1e-6 (mV, pA) of NEST at every step, identical spike steps, both ways in for the
// spike_generators (SpikeTime sources onto ports, spike-time inputs on ports). Two references per model
// (tools/nest_reference/make_references.py, _MULTI): NEST's tau_syn has four different entries, the generators go
// to ports 1 and 3 (positive, negative weight), then to ports 4 and 2 (negative, positive), t_ref = 3 ms puts an
// input into a refractory period; iaf_psc_alpha_multisynapse has tau_syn_2 == tau_m and, in its second reference, a
// V_min that binds. Checks without NEST: the closed-form PSP and PSC of one input on one port, tau_syn != tau_m and
// tau_syn == tau_m; a port is its time constant (port 3 with tau_syn_3 = x == port 1 with tau_syn_1 = x) and unused
// ports add nothing; the refractory hold; parameter validation.
// The same for aeif_cond_alpha_multisynapse and aeif_cond_beta_multisynapse (models/aeif_cond_multisynapse.hpp; GSL's
// RKF45 in NEST): V_m, w and g_1..g_4 within 1e-3 (mV, pA, nS; they reach about 1e-9), identical spike steps; four
// ports with different E_rev and time constants (beta: port 3 with tau_rise == tau_decay, NEST's alpha fallback);
// without NEST: the conductance of one input against its closed form and V against a fine-step RK4 of the ODE
// written here, unused ports change nothing (not even the solver's steps), parameter validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "models/aeif_cond_multisynapse.hpp"
#include "models/iaf_psc_multisynapse.hpp"
#include "models/model_json.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_multisynapse {

using namespace volley;
using namespace volley::nest_ref;

namespace {

constexpr double kTolerance = 1e-6;  // mV, pA
const std::vector<const char*> kVars = {"V_m", "I_syn", "I_syn_1", "I_syn_2", "I_syn_3", "I_syn_4"};

// ---- NEST's parameters as volley's: every entry taken (tau_syn, a list, too), none left over ----

class reader {
 public:
  explicit reader(const json& p) : p_(p) {}
  double num(const char* name) {
    seen_.insert(name);
    return number(p_.at(name));
  }
  const json& raw(const char* name) {
    seen_.insert(name);
    return p_.at(name);
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

void take_common(reader& in, models::iaf_psc_multisynapse_params& q) {
  q.E_L = units::voltage_q(in.num("E_L"));
  q.C_m = units::capacitance_q(in.num("C_m"));
  q.tau_m = units::time_q(in.num("tau_m"));
  q.t_ref = units::time_q(in.num("t_ref"));
  q.V_th = units::voltage_q(in.num("V_th"));
  q.V_reset = units::voltage_q(in.num("V_reset"));
  q.I_e = units::current_q(in.num("I_e"));
  EXPECT_FALSE(in.raw("has_connections").get<bool>());  // bookkeeping: read before Connect
  const json& tau = in.raw("tau_syn");
  EXPECT_EQ(in.raw("n_synapses").get<int>(), static_cast<int>(tau.size()));
  // volley has four ports; a NEST list of fewer entries is the same model with the others unused
  EXPECT_LE(tau.size(), 4u) << "tau_syn: volley has four ports";
  units::time_q* t[4] = {&q.tau_syn_1, &q.tau_syn_2, &q.tau_syn_3, &q.tau_syn_4};
  for (std::size_t i = 0; i < tau.size() && i < 4; ++i) *t[i] = units::time_q(number(tau[i]));
}

models::iaf_psc_multisynapse_params exp_params_from(const json& p) {
  reader in(p);
  models::iaf_psc_multisynapse_params q;
  take_common(in, q);
  in.finish("iaf_psc_exp_multisynapse");
  return q;
}

models::iaf_psc_alpha_multisynapse_params alpha_params_from(const json& p) {
  reader in(p);
  models::iaf_psc_alpha_multisynapse_params q;
  take_common(in, q);
  q.V_min = units::voltage_q(std::max(in.num("V_min"), -1.7976931348623157e308));  // NEST's -inf
  in.finish("iaf_psc_alpha_multisynapse");
  return q;
}

double current_delay(const json& ref) {
  return ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
}

// The port of a spike_generator, from its weight (the two generators' weights differ: checked): NEST's
// receptor_type n is volley's port "n".
struct port_of_weight {
  std::vector<std::pair<double, std::string>> table;
  explicit port_of_weight(const json& ref) {
    for (const auto& s : ref.at("protocol").at("spike_inputs"))
      table.emplace_back(s.at("weight").get<double>(), std::to_string(s.at("receptor_type").get<int>()));
    EXPECT_EQ(table.size(), 2u);
    EXPECT_NE(table[0].first, table[1].first) << "the port is found by the weight";
  }
  std::string operator()(double w) const {
    for (const auto& [weight, port] : table)
      if (weight == w) return port;
    ADD_FAILURE() << "no spike input of weight " << w;
    return "";
  }
};

// NEST's status values of the state before the run (V_m only) against volley's initial state.
template <class Model>
void expect_initial_state_matches(const json& ref, const typename Model::params& p) {
  real_t s[Model::n_state];
  Model::initial_state(p, s);
  for (const auto& [name, value] : ref.at("initial_state").items()) {
    int q = -1;
    for (int j = 0; j < Model::n_state; ++j)
      if (name == Model::state_fields[j].name) q = j;
    ASSERT_GE(q, 0) << Model::name << ": NEST state " << name << " has no counterpart";
    EXPECT_EQ(s[q], number(value)) << Model::name << " initial " << name;
  }
}

// Runs Model on the reference by both spike paths, compares kVars and the spike steps; returns the largest
// |difference| per variable.
template <class Model>
std::vector<double> expect_matches_nest(const std::string& file, const json& ref, const typename Model::params& p) {
  const port_of_weight port(ref);
  auto receptor = [&](double w) { return port(w); };
  std::vector<double> worst(kVars.size(), 0.0);
  const double d = current_delay(ref);
  for (int path = 0; path < 2; ++path) {
    const char* label = path == 0 ? "SpikeTime sources onto ports" : "spike-time inputs on ports";
    const traces t = run_protocol<Model>(
        ref, p, path == 0 ? spike_path::spike_time_population : spike_path::spike_times_input, d, kVars, receptor);
    std::printf("%s (%s) vs NEST %s (%s):\n", ref.at("model").get<std::string>().c_str(), file.c_str(),
                ref.at("nest").at("version").get<std::string>().c_str(), label);
    for (std::size_t q = 0; q < kVars.size(); ++q) {
      const auto c = compare(ref, kVars[q], t.values[q], reference_trace(ref, kVars[q]), kTolerance);
      EXPECT_LE(c.max_abs, kTolerance) << kVars[q] << " (" << label << "); first sample over: " << c.first_over;
      worst[q] = std::max(worst[q], c.max_abs);
    }
    EXPECT_EQ(t.spike_steps, reference_spike_steps(ref)) << label;
  }
  return worst;
}

// The references exercise what the comparison claims: four different time constants, the generators on two ports
// each (all four ports over a model's two references), both weight signs, spikes in the suprathreshold step (and,
// in the first reference, after 120 ms), an input arriving while refractory, and every port's current moving (unused ones staying 0).
void expect_reference_exercises_protocol(const json& ref, const char* nest_model, bool first, std::set<int>& ports_used,
                                         bool& input_while_refractory) {
  EXPECT_EQ(ref.at("model"), nest_model);
  EXPECT_EQ(ref.at("dt_ms").get<double>(), 0.1);
  const auto tau = ref.at("parameters").at("tau_syn").get<std::vector<double>>();
  ASSERT_EQ(tau.size(), 4u);
  EXPECT_EQ(std::set<double>(tau.begin(), tau.end()).size(), 4u) << "four different tau_syn";
  const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
  EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; }));
  if (first) {  // the burst on the positive port drives a spike from the subthreshold step
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 120; }));
  }
  const auto& in = ref.at("protocol").at("spike_inputs");
  ASSERT_EQ(in.size(), 2u);
  EXPECT_LT(in[0].at("weight").get<double>() * in[1].at("weight").get<double>(), 0) << "both signs";
  const double t_ref = ref.at("parameters").at("t_ref").get<double>();
  std::set<int> here;
  for (const auto& s : in) {
    const int port = s.at("receptor_type").get<int>();
    here.insert(port);
    ports_used.insert(port);
    const double delay = s.at("delay_ms").get<double>();
    for (const auto& t : s.at("times_ms"))
      for (double sp : spikes)
        if (t.get<double>() + delay > sp + 1e-9 && t.get<double>() + delay < sp + t_ref - 1e-9)
          input_while_refractory = true;
  }
  for (int port = 1; port <= 4; ++port) {
    const auto I = reference_trace(ref, ("I_syn_" + std::to_string(port)).c_str());
    double m = 0;
    for (double x : I) m = std::max(m, std::abs(x));
    if (here.count(port))
      EXPECT_GT(m, 10.0) << "port " << port;
    else
      EXPECT_EQ(m, 0.0) << "unused port " << port;
  }
}

template <class Model>
void run_model_against_nest(const char* nest_model,
                            typename Model::params (*params_from)(const json&)) {
  std::vector<double> worst(kVars.size(), 0.0);
  std::set<int> ports_used;
  bool input_while_refractory = false;
  for (const std::string& file : {std::string(nest_model), std::string(nest_model) + "_ports_4_2"}) {
    SCOPED_TRACE(file);
    const json ref = load_reference(file);
    expect_reference_exercises_protocol(ref, nest_model, file == nest_model, ports_used, input_while_refractory);
    const auto p = params_from(ref.at("parameters"));
    EXPECT_EQ(Model::validate(p), nullptr);
    expect_initial_state_matches<Model>(ref, p);
    const auto w = expect_matches_nest<Model>(file, ref, p);
    std::printf("%s: max |volley - NEST|", file.c_str());
    for (std::size_t q = 0; q < kVars.size(); ++q) {
      std::printf(" %s %.3g", kVars[q], w[q]);
      worst[q] = std::max(worst[q], w[q]);
    }
    std::printf(", %zu NEST spikes\n", reference_spike_steps(ref).size());
  }
  EXPECT_EQ(ports_used, (std::set<int>{1, 2, 3, 4}));
  EXPECT_TRUE(input_while_refractory);
  std::printf("%s, both references: max |volley - NEST|", nest_model);
  for (std::size_t q = 0; q < kVars.size(); ++q) std::printf(" %s %.3g", kVars[q], worst[q]);
  std::printf("\n");
}

// One neuron of Model stepped directly (no network): for the checks that do not depend on NEST.
template <class Model>
struct single {
  typename Model::constants c;
  real_t s[Model::n_state];
  single(const typename Model::params& p, double dt) : c(Model::derive(p, dt)) { Model::initial_state(p, s); }
  bool step(double I, std::array<double, 4> w = {0, 0, 0, 0}, double delta_v = 0) {
    const real_t ports[4] = {static_cast<real_t>(w[0]), static_cast<real_t>(w[1]), static_cast<real_t>(w[2]),
                             static_cast<real_t>(w[3])};
    return Model::update(c, s, models::neuron_input{static_cast<real_t>(I), static_cast<real_t>(delta_v), ports, 0});
  }
};

// Closed forms of one input of weight w (pA) arriving at t = 0 on a port with time constant ts, membrane tau_m and
// C_m, no other drive, V relative to E_L (mV), t in ms; written from the ODE, not from the model's propagators.
double exp_psc(double w, double ts, double t) { return w * std::exp(-t / ts); }
double exp_psp(double w, double ts, double tm, double C, double t) {
  if (ts == tm) return w / C * t * std::exp(-t / tm);
  return w / C * ts * tm / (tm - ts) * (std::exp(-t / tm) - std::exp(-t / ts));
}
double alpha_psc(double w, double ts, double t) { return w * t / ts * std::exp(1.0 - t / ts); }
double alpha_psp(double w, double ts, double tm, double C, double t) {
  const double k = w * std::numbers::e / (ts * C);  // V = k int_0^t e^{-(t-s)/tm} s e^{-s/ts} ds
  if (ts == tm) return k * t * t / 2 * std::exp(-t / tm);
  const double a = 1 / ts - 1 / tm;
  return k * (std::exp(-t / tm) - std::exp(-t / ts) * (1 + a * t)) / (a * a);
}

}  // namespace

// ================================================= against NEST =================================================

TEST(NestMultisynapse, IafPscExpMultisynapseMatchesNestAtEveryStep) {
  run_model_against_nest<models::iaf_psc_exp_multisynapse>("iaf_psc_exp_multisynapse", exp_params_from);
}

TEST(NestMultisynapse, IafPscAlphaMultisynapseMatchesNestAtEveryStep) {
  run_model_against_nest<models::iaf_psc_alpha_multisynapse>("iaf_psc_alpha_multisynapse", alpha_params_from);
  // what the references claim for this model: port 2 at tau_syn == tau_m, and a V_min that binds
  const json a = load_reference("iaf_psc_alpha_multisynapse");
  EXPECT_EQ(a.at("parameters").at("tau_syn").at(1).get<double>(), a.at("parameters").at("tau_m").get<double>());
  const json b = load_reference("iaf_psc_alpha_multisynapse_ports_4_2");
  const auto V = reference_trace(b, "V_m");
  const double V_min = number(b.at("parameters").at("V_min"));
  EXPECT_EQ(std::count(V.begin(), V.end(), V_min) > 10, true) << "V_min binds in the reference";
  EXPECT_GE(*std::min_element(V.begin(), V.end()), V_min);
}

TEST(NestMultisynapse, DefaultsAreNests) {
  // NEST 3.10's defaults (one port, tau_syn [2.0]; the references change tau_syn and t_ref only, and V_min in the
  // second alpha one), as recorded in the references.
  const auto e = exp_params_from(load_reference("iaf_psc_exp_multisynapse").at("parameters"));
  const models::iaf_psc_multisynapse_params d;
  EXPECT_EQ(d.E_L.value, e.E_L.value);
  EXPECT_EQ(d.C_m.value, e.C_m.value);
  EXPECT_EQ(d.tau_m.value, e.tau_m.value);
  EXPECT_EQ(d.V_th.value, e.V_th.value);
  EXPECT_EQ(d.V_reset.value, e.V_reset.value);
  EXPECT_EQ(d.I_e.value, e.I_e.value);
  EXPECT_EQ(d.t_ref.value, 2.0);
  EXPECT_EQ(d.tau_syn_1.value, 2.0);
  const auto a = alpha_params_from(load_reference("iaf_psc_alpha_multisynapse").at("parameters"));
  const models::iaf_psc_alpha_multisynapse_params da;
  EXPECT_EQ(da.E_L.value, a.E_L.value);
  EXPECT_EQ(da.C_m.value, a.C_m.value);
  EXPECT_EQ(da.tau_m.value, a.tau_m.value);
  EXPECT_EQ(da.V_min.value, a.V_min.value);  // NEST's -inf, as -DBL_MAX
}

// ============================================== checks without NEST =============================================

TEST(NestMultisynapse, OneInputGivesTheClosedFormPscAndPsp) {
  const double dt = 0.1, w = 100.0;
  for (double ts : {2.0, 10.0}) {  // tau_syn != tau_m, tau_syn == tau_m
    for (int port = 0; port < 4; ++port) {
      models::iaf_psc_multisynapse_params pe;
      pe.V_th = units::voltage_q(1e6);  // no spike
      units::time_q* t[4] = {&pe.tau_syn_1, &pe.tau_syn_2, &pe.tau_syn_3, &pe.tau_syn_4};
      for (int i = 0; i < 4; ++i) *t[i] = units::time_q(i == port ? ts : 3.0 + i);
      models::iaf_psc_alpha_multisynapse_params pa;
      static_cast<models::iaf_psc_multisynapse_params&>(pa) = pe;
      single<models::iaf_psc_exp_multisynapse> ne(pe, dt);
      single<models::iaf_psc_alpha_multisynapse> na(pa, dt);
      std::array<double, 4> in{0, 0, 0, 0};
      in[port] = w;
      // the weight arrives at the end of step 0: t = 0 is the end of step 0, sample k is at t = k dt
      ne.step(0, in);
      na.step(0, in);
      double worst_e = 0, worst_a = 0, worst_ie = 0, worst_ia = 0;
      for (int k = 1; k <= 600; ++k) {
        ne.step(0);
        na.step(0);
        const double tt = k * dt;
        worst_e = std::max(worst_e, std::abs(ne.s[models::iaf_psc_exp_multisynapse::V_m] + 70.0 -
                                             exp_psp(w, ts, 10.0, 250.0, tt)));
        worst_a = std::max(worst_a, std::abs(na.s[models::iaf_psc_alpha_multisynapse::V_m] + 70.0 -
                                             alpha_psp(w, ts, 10.0, 250.0, tt)));
        worst_ie = std::max(worst_ie, std::abs(ne.s[models::iaf_psc_exp_multisynapse::I_syn_1 + port] -
                                               exp_psc(w, ts, tt)));
        worst_ia = std::max(worst_ia, std::abs(na.s[models::iaf_psc_alpha_multisynapse::I_syn_1 + 2 * port] -
                                               alpha_psc(w, ts, tt)));
        // I_syn is the sum of the port currents, and the other ports stay 0
        EXPECT_NEAR(ne.s[models::iaf_psc_exp_multisynapse::I_syn], exp_psc(w, ts, tt), 1e-9);
        EXPECT_NEAR(na.s[models::iaf_psc_alpha_multisynapse::I_syn], alpha_psc(w, ts, tt), 1e-9);
        for (int i = 0; i < 4; ++i)
          if (i != port) {
            EXPECT_EQ(ne.s[models::iaf_psc_exp_multisynapse::I_syn_1 + i], 0.0);
            EXPECT_EQ(na.s[models::iaf_psc_alpha_multisynapse::I_syn_1 + 2 * i], 0.0);
          }
        if (std::abs(tt - ts) < 1e-9) {  // the alpha PSC peaks at w, at t = tau_syn
          EXPECT_NEAR(na.s[models::iaf_psc_alpha_multisynapse::I_syn_1 + 2 * port], w, 1e-9);
        }
      }
      std::printf("tau_syn %g on port %d: max |PSP - closed form| exp %.3g mV, alpha %.3g mV; |PSC - closed form| "
                  "exp %.3g pA, alpha %.3g pA\n",
                  ts, port + 1, worst_e, worst_a, worst_ie, worst_ia);
      EXPECT_LT(worst_e, 1e-10);
      EXPECT_LT(worst_a, 1e-10);
      EXPECT_LT(worst_ie, 1e-10);
      EXPECT_LT(worst_ia, 1e-10);
    }
  }
}

TEST(NestMultisynapse, APortIsItsTimeConstantAndUnusedPortsAddNothing) {
  // Port 3 with tau_syn_3 = 4 ms gives exactly what port 1 with tau_syn_1 = 4 ms gives; the time constants of
  // unused ports change nothing; both signs on one port add linearly.
  models::iaf_psc_alpha_multisynapse_params a, b;
  a.tau_syn_1 = units::time_q(4.0);
  b.tau_syn_1 = units::time_q(0.7);
  b.tau_syn_2 = units::time_q(25.0);
  b.tau_syn_3 = units::time_q(4.0);
  single<models::iaf_psc_alpha_multisynapse> na(a, 0.1), nb(b, 0.1);
  models::iaf_psc_multisynapse_params ea = a, eb = b;
  single<models::iaf_psc_exp_multisynapse> xa(ea, 0.1), xb(eb, 0.1);
  for (int k = 0; k < 3000; ++k) {
    const double I = k > 500 ? 420.0 : 0.0;
    const double w = (k % 97 == 0 ? 300.0 : 0.0) - (k % 131 == 0 ? 200.0 : 0.0);
    const bool sa = na.step(I, {w, 0, 0, 0}), sb = nb.step(I, {0, 0, w, 0});
    const bool ta = xa.step(I, {w, 0, 0, 0}), tb = xb.step(I, {0, 0, w, 0});
    ASSERT_EQ(sa, sb) << k;
    ASSERT_EQ(ta, tb) << k;
    ASSERT_EQ(na.s[models::iaf_psc_alpha_multisynapse::V_m], nb.s[models::iaf_psc_alpha_multisynapse::V_m]) << k;
    ASSERT_EQ(na.s[models::iaf_psc_alpha_multisynapse::I_syn], nb.s[models::iaf_psc_alpha_multisynapse::I_syn]) << k;
    ASSERT_EQ(na.s[models::iaf_psc_alpha_multisynapse::I_syn_1], nb.s[models::iaf_psc_alpha_multisynapse::I_syn_3]);
    ASSERT_EQ(xa.s[models::iaf_psc_exp_multisynapse::V_m], xb.s[models::iaf_psc_exp_multisynapse::V_m]) << k;
    ASSERT_EQ(xa.s[models::iaf_psc_exp_multisynapse::I_syn_1], xb.s[models::iaf_psc_exp_multisynapse::I_syn_3]);
  }
}

TEST(NestMultisynapse, RefractoryHoldsVWhileTheSynapsesRunOn) {
  models::iaf_psc_multisynapse_params p;
  p.t_ref = units::time_q(2.04);  // NEST rounds to steps: 20
  single<models::iaf_psc_exp_multisynapse> n(p, 0.1);
  using M = models::iaf_psc_exp_multisynapse;
  int k = 0;
  while (!n.step(1000.0)) ASSERT_LT(++k, 1000);
  EXPECT_EQ(n.s[M::V_m], -70.0);
  EXPECT_EQ(n.s[M::refractory], 20);
  n.step(1000.0, {0, 50.0, 0, 0});  // input while refractory: kept (the synapse runs on), V held
  for (int j = 1; j < 20; ++j) {
    EXPECT_FALSE(n.step(1000.0)) << j;
    EXPECT_EQ(n.s[M::V_m], -70.0) << j;
    EXPECT_NEAR(n.s[M::I_syn], 50.0 * std::exp(-j * 0.1 / 2.0), 1e-12) << j;
  }
  EXPECT_NEAR(n.s[M::I_syn_2], 50.0 * std::exp(-19 * 0.1 / 2.0), 1e-12);
  EXPECT_EQ(n.s[M::refractory], 0);
  const double I2 = n.s[M::I_syn_2];
  n.step(1000.0);  // free again: V moves, driven by the current and I_syn_2 from the start of the step
  const double tm = 10.0, ts = 2.0, C = 250.0, h = 0.1;
  const double expected = 1000.0 * tm / C * (1 - std::exp(-h / tm)) +
                          I2 / C * ts * tm / (tm - ts) * (std::exp(-h / tm) - std::exp(-h / ts));
  EXPECT_NEAR(n.s[M::V_m] + 70.0, expected, 1e-12);

  // alpha: V_min bounds V from below (relative to E_L, as NEST keeps it)
  models::iaf_psc_alpha_multisynapse_params q;
  q.V_min = units::voltage_q(-71.0);
  single<models::iaf_psc_alpha_multisynapse> a(q, 0.1);
  for (int j = 0; j < 200; ++j) a.step(-2000.0);
  EXPECT_EQ(a.s[models::iaf_psc_alpha_multisynapse::V_m], -71.0);
}

TEST(NestMultisynapse, ParameterValidation) {
  auto spec_error_names = [](auto tag, const char* key, const nlohmann::json& value) -> std::string {
    using M = decltype(tag);
    const nlohmann::json params = {{key, value}};
    models::population_request req{.name = "P", .size = 1, .params = &params};
    try {
      models::create_population<M>(req);
    } catch (const parameter_error& e) {
      return e.parameter_name;
    }
    return "(accepted)";
  };
  // NEST's checks: C_m > 0, tau_m > 0, t_ref >= 0, every tau_syn > 0
  for (const char* key : {"tau_m", "tau_syn_1", "tau_syn_2", "tau_syn_3", "tau_syn_4"}) {
    EXPECT_EQ(spec_error_names(models::iaf_psc_exp_multisynapse{}, key, "0 ms"), key);
    EXPECT_EQ(spec_error_names(models::iaf_psc_alpha_multisynapse{}, key, "-1 ms"), key);
    EXPECT_EQ(spec_error_names(models::iaf_psc_alpha_multisynapse{}, key, "0.5 ms"), "(accepted)");
  }
  EXPECT_EQ(spec_error_names(models::iaf_psc_exp_multisynapse{}, "C_m", "0 pF"), "C_m");
  EXPECT_EQ(spec_error_names(models::iaf_psc_alpha_multisynapse{}, "C_m", "-250 pF"), "C_m");
  EXPECT_EQ(spec_error_names(models::iaf_psc_exp_multisynapse{}, "t_ref", "-0.1 ms"), "t_ref");
  EXPECT_EQ(spec_error_names(models::iaf_psc_alpha_multisynapse{}, "t_ref", "-0.1 ms"), "t_ref");
  EXPECT_EQ(spec_error_names(models::iaf_psc_exp_multisynapse{}, "t_ref", "0 ms"), "(accepted)");
  // tau_syn == tau_m: accepted by both (NEST 3.10's iaf_psc_exp_multisynapse rejects it; the propagator is exact)
  EXPECT_EQ(spec_error_names(models::iaf_psc_exp_multisynapse{}, "tau_syn_3", "10 ms"), "(accepted)");
  EXPECT_EQ(spec_error_names(models::iaf_psc_alpha_multisynapse{}, "tau_syn_3", "10 ms"), "(accepted)");
  // a name NEST does not have (its list tau_syn is tau_syn_1..4 here)
  EXPECT_EQ(spec_error_names(models::iaf_psc_exp_multisynapse{}, "tau_syn", "2 ms"), "tau_syn");
  EXPECT_EQ(spec_error_names(models::iaf_psc_alpha_multisynapse{}, "tau_syn_5", "2 ms"), "tau_syn_5");
  EXPECT_EQ(spec_error_names(models::iaf_psc_exp_multisynapse{}, "V_min", "-80 mV"), "V_min");  // alpha only

  // V_reset < V_th, as NEST requires
  models::iaf_psc_multisynapse_params p;
  p.V_reset = units::voltage_q(-55.0);
  ASSERT_NE(models::iaf_psc_exp_multisynapse::validate(p), nullptr);
  EXPECT_NE(std::string(models::iaf_psc_exp_multisynapse::validate(p)).find("V_reset"), std::string::npos);
  models::iaf_psc_alpha_multisynapse_params q;
  q.V_reset = units::voltage_q(-50.0);
  ASSERT_NE(models::iaf_psc_alpha_multisynapse::validate(q), nullptr);
  network net({.dt = units::time_q(0.1), .seed = 1});
  EXPECT_ANY_THROW(net.add_population<models::iaf_psc_alpha_multisynapse>("N", 1, q));
  EXPECT_EQ(models::iaf_psc_exp_multisynapse::validate(models::iaf_psc_multisynapse_params{}), nullptr);
  EXPECT_EQ(models::iaf_psc_alpha_multisynapse::validate(models::iaf_psc_alpha_multisynapse_params{}), nullptr);
}

// ============================================ aeif_cond_*_multisynapse ============================================

namespace {

constexpr double kRkfTolerance = 1e-3;  // mV, pA, nS
const std::vector<const char*> kAeifVars = {"V_m", "w", "g_1", "g_2", "g_3", "g_4"};

// A NEST list of at most four entries into volley's four per-port parameters (the others keep their defaults).
template <class Q>
void take_list(reader& in, const char* name, std::array<Q*, 4> fields) {
  const json& v = in.raw(name);
  EXPECT_LE(v.size(), 4u) << name << ": volley has four ports";
  for (std::size_t i = 0; i < v.size() && i < 4; ++i) *fields[i] = Q(number(v[i]));
}

void take_aeif_membrane(reader& in, models::aeif_cond_multisynapse_membrane_params& q) {
  q.V_peak = units::voltage_q(in.num("V_peak"));
  q.V_reset = units::voltage_q(in.num("V_reset"));
  q.t_ref = units::time_q(in.num("t_ref"));
  q.g_L = units::conductance_q(in.num("g_L"));
  q.C_m = units::capacitance_q(in.num("C_m"));
  q.E_L = units::voltage_q(in.num("E_L"));
  q.Delta_T = units::voltage_q(in.num("Delta_T"));
  q.tau_w = units::time_q(in.num("tau_w"));
  q.a = units::conductance_q(in.num("a"));
  q.b = units::current_q(in.num("b"));
  q.V_th = units::voltage_q(in.num("V_th"));
  q.I_e = units::current_q(in.num("I_e"));
  q.gsl_error_tol = units::dimensionless_q(in.num("gsl_error_tol"));
  EXPECT_FALSE(in.raw("has_connections").get<bool>());  // bookkeeping: read before Connect
  EXPECT_EQ(in.raw("n_receptors").get<int>(), static_cast<int>(in.raw("E_rev").size()));
  take_list<units::voltage_q>(in, "E_rev", {&q.E_rev_1, &q.E_rev_2, &q.E_rev_3, &q.E_rev_4});
}

models::aeif_cond_alpha_multisynapse_params aeif_alpha_params_from(const json& p) {
  reader in(p);
  models::aeif_cond_alpha_multisynapse_params q;
  take_aeif_membrane(in, q);
  take_list<units::time_q>(in, "tau_syn", {&q.tau_syn_1, &q.tau_syn_2, &q.tau_syn_3, &q.tau_syn_4});
  in.finish("aeif_cond_alpha_multisynapse");
  return q;
}

models::aeif_cond_beta_multisynapse_params aeif_beta_params_from(const json& p) {
  reader in(p);
  models::aeif_cond_beta_multisynapse_params q;
  take_aeif_membrane(in, q);
  take_list<units::time_q>(in, "tau_rise", {&q.tau_rise_1, &q.tau_rise_2, &q.tau_rise_3, &q.tau_rise_4});
  take_list<units::time_q>(in, "tau_decay", {&q.tau_decay_1, &q.tau_decay_2, &q.tau_decay_3, &q.tau_decay_4});
  in.finish("aeif_cond_beta_multisynapse");
  return q;
}

// NEST's state before the run: V_m, w, and dg, g as lists (NEST lists one receptor before its first run).
template <class Model>
void expect_aeif_initial_state_matches(const json& ref, const typename Model::params& p) {
  real_t s[Model::n_state];
  Model::initial_state(p, s);
  auto field = [](const std::string& f) {
    for (int j = 0; j < Model::n_state; ++j)
      if (f == Model::state_fields[j].name) return j;
    return -1;
  };
  for (const auto& [name, value] : ref.at("initial_state").items()) {
    if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        const int q = field(name + "_" + std::to_string(i + 1));
        ASSERT_GE(q, 0) << Model::name << ": NEST state " << name << "[" << i << "] has no counterpart";
        EXPECT_EQ(s[q], number(value[i])) << Model::name << " initial " << name << "[" << i << "]";
      }
      continue;
    }
    const int q = field(name);
    ASSERT_GE(q, 0) << Model::name << ": NEST state " << name << " has no counterpart";
    EXPECT_EQ(s[q], number(value)) << Model::name << " initial " << name;
  }
}

template <class Model>
void run_aeif_against_nest(const char* nest_model, typename Model::params (*params_from)(const json&)) {
  std::vector<double> worst(kAeifVars.size(), 0.0);
  std::set<int> ports_used;
  for (const std::string& file : {std::string(nest_model), std::string(nest_model) + "_ports_4_2"}) {
    SCOPED_TRACE(file);
    const json ref = load_reference(file);
    EXPECT_EQ(ref.at("model"), nest_model);
    const auto E = ref.at("parameters").at("E_rev").get<std::vector<double>>();
    ASSERT_EQ(E.size(), 4u);
    const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; }));
    for (const auto& s : ref.at("protocol").at("spike_inputs")) {
      const int port = s.at("receptor_type").get<int>();
      ports_used.insert(port);
      const auto g = reference_trace(ref, ("g_" + std::to_string(port)).c_str());
      EXPECT_GT(*std::max_element(g.begin(), g.end()), 1.0) << "port " << port;
    }
    const auto p = params_from(ref.at("parameters"));
    EXPECT_EQ(Model::validate(p), nullptr);
    expect_aeif_initial_state_matches<Model>(ref, p);
    const port_of_weight port(ref);
    auto receptor = [&](double w) { return port(w); };
    for (int path = 0; path < 2; ++path) {
      const char* label = path == 0 ? "SpikeTime sources onto ports" : "spike-time inputs on ports";
      const traces t =
          run_protocol<Model>(ref, p, path == 0 ? spike_path::spike_time_population : spike_path::spike_times_input,
                              current_delay(ref), kAeifVars, receptor);
      std::printf("%s (%s) vs NEST %s (%s):\n", nest_model, file.c_str(),
                  ref.at("nest").at("version").get<std::string>().c_str(), label);
      for (std::size_t q = 0; q < kAeifVars.size(); ++q) {
        const auto c = compare(ref, kAeifVars[q], t.values[q], reference_trace(ref, kAeifVars[q]), kRkfTolerance);
        EXPECT_LE(c.max_abs, kRkfTolerance) << kAeifVars[q] << " (" << label << "); first sample over: "
                                            << c.first_over;
        worst[q] = std::max(worst[q], c.max_abs);
      }
      EXPECT_EQ(t.spike_steps, reference_spike_steps(ref)) << label;
    }
    std::printf("%s: %zu NEST spikes\n", file.c_str(), spikes.size());
  }
  EXPECT_EQ(ports_used, (std::set<int>{1, 2, 3, 4}));
  std::printf("%s, both references: max |volley - NEST|", nest_model);
  for (std::size_t q = 0; q < kAeifVars.size(); ++q) std::printf(" %s %.3g", kAeifVars[q], worst[q]);
  std::printf("\n");
}

// The subthreshold AdEx ODE with per-port beta/alpha conductances, classical RK4 at a fine fixed step, written
// here from the equations (not the model's right-hand side). y = V, w, (dg_i, g_i) per port.
struct adex_rk4 {
  double g_L, E_L, Delta_T, V_th, C_m, a, tau_w, I;
  std::array<double, 4> E, rise, decay;
  void f(const std::array<double, 10>& y, std::array<double, 10>& d) const {
    const double V = y[0];
    double syn = 0;
    for (int i = 0; i < 4; ++i) syn += y[3 + 2 * i] * (E[i] - V);
    d[0] = (-g_L * (V - E_L) + g_L * Delta_T * std::exp((V - V_th) / Delta_T) + syn - y[1] + I) / C_m;
    d[1] = (a * (V - E_L) - y[1]) / tau_w;
    for (int i = 0; i < 4; ++i) {
      d[2 + 2 * i] = -y[2 + 2 * i] / rise[i];
      d[3 + 2 * i] = y[2 + 2 * i] - y[3 + 2 * i] / decay[i];
    }
  }
  void step(std::array<double, 10>& y, double h) const {
    std::array<double, 10> k1, k2, k3, k4, t;
    f(y, k1);
    for (int i = 0; i < 10; ++i) t[i] = y[i] + h / 2 * k1[i];
    f(t, k2);
    for (int i = 0; i < 10; ++i) t[i] = y[i] + h / 2 * k2[i];
    f(t, k3);
    for (int i = 0; i < 10; ++i) t[i] = y[i] + h * k3[i];
    f(t, k4);
    for (int i = 0; i < 10; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }
};

// Closed form of one beta conductance of peak w (tau_rise < tau_decay) or alpha (equal), t after the input.
double beta_conductance(double w, double tr, double td, double t) {
  if (tr == td) return w * t / td * std::exp(1 - t / td);
  const double tp = td * tr * std::log(td / tr) / (td - tr);
  return w * (std::exp(-t / td) - std::exp(-t / tr)) / (std::exp(-tp / td) - std::exp(-tp / tr));
}

}  // namespace

TEST(NestMultisynapse, AeifCondAlphaMultisynapseMatchesNestAtEveryStep) {
  run_aeif_against_nest<models::aeif_cond_alpha_multisynapse>("aeif_cond_alpha_multisynapse", aeif_alpha_params_from);
}

TEST(NestMultisynapse, AeifCondBetaMultisynapseMatchesNestAtEveryStep) {
  run_aeif_against_nest<models::aeif_cond_beta_multisynapse>("aeif_cond_beta_multisynapse", aeif_beta_params_from);
  const auto p = load_reference("aeif_cond_beta_multisynapse").at("parameters");
  EXPECT_EQ(p.at("tau_rise").at(2), p.at("tau_decay").at(2)) << "port 3: NEST's alpha fallback";
}

TEST(NestMultisynapse, AeifDefaultsAreNests) {
  // NEST 3.10's GetDefaults as the references record them (they change the port lists and t_ref only)
  const auto a = aeif_alpha_params_from(load_reference("aeif_cond_alpha_multisynapse").at("parameters"));
  const models::aeif_cond_alpha_multisynapse_params d;
  for (auto [x, y] : {std::pair{d.V_peak.value, a.V_peak.value}, {d.V_reset.value, a.V_reset.value},
                      {d.g_L.value, a.g_L.value}, {d.C_m.value, a.C_m.value}, {d.E_L.value, a.E_L.value},
                      {d.Delta_T.value, a.Delta_T.value}, {d.tau_w.value, a.tau_w.value}, {d.a.value, a.a.value},
                      {d.b.value, a.b.value}, {d.V_th.value, a.V_th.value}, {d.I_e.value, a.I_e.value},
                      {d.gsl_error_tol.value, a.gsl_error_tol.value}})
    EXPECT_EQ(x, y);
  EXPECT_EQ(d.t_ref.value, 0.0);
  EXPECT_EQ(d.E_rev_1.value, 0.0);
  EXPECT_EQ(d.tau_syn_1.value, 2.0);
  const models::aeif_cond_beta_multisynapse_params b;
  EXPECT_EQ(b.tau_rise_1.value, 2.0);
  EXPECT_EQ(b.tau_decay_1.value, 20.0);
}

TEST(NestMultisynapse, AeifOneInputAgainstClosedFormConductanceAndFineRk4) {
  // One subthreshold input of 3 nS on one port (E_rev -80 or 0 mV) plus a constant current; g against its closed
  // form, V and w against RK4 at dt / 100. Both model variants, every port.
  const double dt = 0.1, wgt = 3.0, I = 150.0;
  for (int beta = 0; beta < 2; ++beta)
    for (int port = 0; port < 4; ++port) {
      const std::array<double, 4> E{0.0, -80.0, 0.0, -75.0};
      const std::array<double, 4> rise = beta ? std::array<double, 4>{0.5, 1.0, 3.0, 2.0}
                                              : std::array<double, 4>{0.5, 2.0, 3.0, 8.0};
      const std::array<double, 4> decay = beta ? std::array<double, 4>{3.0, 5.0, 3.0, 10.0} : rise;
      models::aeif_cond_beta_multisynapse_params pb;
      pb.I_e = units::current_q(I);
      units::voltage_q* Ep[4] = {&pb.E_rev_1, &pb.E_rev_2, &pb.E_rev_3, &pb.E_rev_4};
      units::time_q* rp[4] = {&pb.tau_rise_1, &pb.tau_rise_2, &pb.tau_rise_3, &pb.tau_rise_4};
      units::time_q* dp[4] = {&pb.tau_decay_1, &pb.tau_decay_2, &pb.tau_decay_3, &pb.tau_decay_4};
      models::aeif_cond_alpha_multisynapse_params pa;
      units::time_q* tp[4] = {&pa.tau_syn_1, &pa.tau_syn_2, &pa.tau_syn_3, &pa.tau_syn_4};
      for (int i = 0; i < 4; ++i) {
        *Ep[i] = units::voltage_q(E[i]);
        *rp[i] = units::time_q(rise[i]);
        *dp[i] = units::time_q(decay[i]);
        *tp[i] = units::time_q(rise[i]);
      }
      static_cast<models::aeif_cond_multisynapse_membrane_params&>(pa) = pb;  // I_e, E_rev_i
      adex_rk4 ref{30.0, -70.6, 2.0, -50.4, 281.0, 4.0, 144.0, I, E, rise, decay};
      std::array<double, 10> y{};
      y[0] = -70.6;
      using M = models::aeif_cond_beta_multisynapse;  // state layout and update() are the alpha model's too
      real_t s[M::n_state];
      models::aeif_cond_beta_multisynapse::constants cb;
      models::aeif_cond_alpha_multisynapse::constants ca;
      if (beta) {
        cb = M::derive(pb, dt);
        M::initial_state(pb, s);
      } else {
        ca = models::aeif_cond_alpha_multisynapse::derive(pa, dt);
        models::aeif_cond_alpha_multisynapse::initial_state(pa, s);
      }
      const auto& c = beta ? cb : ca;
      double worst_V = 0, worst_w = 0, worst_g = 0;
      for (int k = 0; k < 1500; ++k) {
        real_t ports[4] = {0, 0, 0, 0};
        if (k == 100) ports[port] = static_cast<real_t>(wgt);
        ASSERT_FALSE(M::update(c, s, models::neuron_input{0, 0, ports, 0})) << "subthreshold";
        for (int j = 0; j < 100; ++j) ref.step(y, dt / 100);
        if (k == 100) y[2 + 2 * port] += wgt * c.g0[port];  // the jump after the step, as the model takes it
        worst_V = std::max(worst_V, std::abs(s[M::V_m] - y[0]));
        worst_w = std::max(worst_w, std::abs(s[M::w] - y[1]));
        const double t_since = (k - 100) * dt;
        const double g_exact = k < 100 ? 0.0 : beta_conductance(wgt, rise[port], decay[port], t_since);
        worst_g = std::max(worst_g, std::abs(s[M::g_1 + 2 * port] - g_exact));
      }
      std::printf("%s port %d: max |volley - RK4| V %.3g mV, w %.3g pA; |g - closed form| %.3g nS\n",
                  beta ? "aeif_cond_beta_multisynapse" : "aeif_cond_alpha_multisynapse", port + 1, worst_V, worst_w,
                  worst_g);
      EXPECT_LT(worst_V, 1e-5);
      EXPECT_LT(worst_w, 1e-5);
      EXPECT_LT(worst_g, 1e-5);
    }
}

TEST(NestMultisynapse, AeifUnusedPortsChangeNothingNotEvenTheSolverSteps) {
  models::aeif_cond_alpha_multisynapse_params a, b;
  a.t_ref = b.t_ref = units::time_q(2.0);
  b.E_rev_2 = units::voltage_q(-90.0);
  b.tau_syn_2 = units::time_q(0.3);
  b.E_rev_4 = units::voltage_q(20.0);
  b.tau_syn_4 = units::time_q(30.0);
  using M = models::aeif_cond_alpha_multisynapse;
  const auto ca = M::derive(a, 0.1), cb = M::derive(b, 0.1);
  real_t sa[M::n_state], sb[M::n_state];
  M::initial_state(a, sa);
  M::initial_state(b, sb);
  int spikes = 0;
  for (int k = 0; k < 3000; ++k) {
    const real_t ports[4] = {static_cast<real_t>(k % 53 == 0 ? 20.0 : 0.0), 0, 0, 0};
    const models::neuron_input in{k > 200 ? real_t(700) : real_t(0), 0, ports, 0};
    const bool x = M::update(ca, sa, in), y = M::update(cb, sb, in);
    ASSERT_EQ(x, y) << k;
    spikes += x;
    for (int q = 0; q < M::n_state; ++q) ASSERT_EQ(sa[q], sb[q]) << M::state_fields[q].name << " step " << k;
  }
  EXPECT_GT(spikes, 3);
}

TEST(NestMultisynapse, AeifParameterValidation) {
  auto spec_error_names = [](auto tag, const char* key, const nlohmann::json& value) -> std::string {
    using M = decltype(tag);
    const nlohmann::json params = {{key, value}};
    models::population_request req{.name = "P", .size = 1, .params = &params};
    try {
      models::create_population<M>(req);
    } catch (const parameter_error& e) {
      return e.parameter_name;
    }
    return "(accepted)";
  };
  using A = models::aeif_cond_alpha_multisynapse;
  using B = models::aeif_cond_beta_multisynapse;
  for (const char* key : {"tau_syn_1", "tau_syn_2", "tau_syn_3", "tau_syn_4", "tau_w"})
    EXPECT_EQ(spec_error_names(A{}, key, "0 ms"), key);
  for (const char* key : {"tau_rise_1", "tau_rise_4", "tau_decay_1", "tau_decay_3", "tau_w"})
    EXPECT_EQ(spec_error_names(B{}, key, "-1 ms"), key);
  EXPECT_EQ(spec_error_names(A{}, "t_ref", "-0.1 ms"), "t_ref");
  EXPECT_EQ(spec_error_names(B{}, "C_m", "0 pF"), "C_m");
  EXPECT_EQ(spec_error_names(A{}, "gsl_error_tol", 0.0), "gsl_error_tol");
  EXPECT_EQ(spec_error_names(A{}, "Delta_T", "-1 mV"), "Delta_T");
  EXPECT_EQ(spec_error_names(A{}, "E_rev_3", "-80 mV"), "(accepted)");
  EXPECT_EQ(spec_error_names(B{}, "tau_syn_1", "2 ms"), "tau_syn_1");  // alpha's parameter, not beta's
  // cross-parameter checks, as NEST makes them
  models::aeif_cond_beta_multisynapse_params b;
  b.tau_rise_3 = units::time_q(25.0);  // > tau_decay_3 (20)
  ASSERT_NE(B::validate(b), nullptr);
  EXPECT_NE(std::string(B::validate(b)).find("tau_rise"), std::string::npos);
  b.tau_rise_3 = units::time_q(20.0);  // equal: NEST's alpha fallback, accepted
  EXPECT_EQ(B::validate(b), nullptr);
  models::aeif_cond_alpha_multisynapse_params a;
  a.V_peak = units::voltage_q(-55.0);  // below V_th
  EXPECT_NE(A::validate(a), nullptr);
  a = {};
  a.V_reset = units::voltage_q(0.0);  // not below V_peak
  EXPECT_NE(A::validate(a), nullptr);
  EXPECT_EQ(A::validate(models::aeif_cond_alpha_multisynapse_params{}), nullptr);
}

}  // namespace test_nest_multisynapse
