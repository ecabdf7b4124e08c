// volley's gif_psc_exp_multisynapse and gif_cond_exp_multisynapse (models/gif_multisynapse.hpp) against NEST 3.10.
// Escape noise: NEST's spike trains cannot be reproduced (different random numbers), so the references
// (tools/nest_reference/make_references.py) use gif_*_exp_forced's parameters: Delta_V = 1e-6 mV turns the hazard
// into a step at V = E_sfa (spike probability 0 or 1 to double precision, checked on NEST's trace below), with 3 sfa
// and 2 stc components; four receptor ports with different tau_syn (cond: and E_rev 0, 10, -80, -85 mV), the
// generators on ports [1, 3] then [4, 2] (psc: both weight signs; cond: positive weights), t_ref = 4 ms with inputs
// arriving while refractory. Compared at every step, both spike paths: V_m, E_sfa, I_stc (all NEST records) within
// 1e-6 (psc, exact propagators) / 1e-3 (cond, RKF45; it reaches ~1e-9); spike steps identical.
// The spike draw is gif_psc_exp's code (gif_escape in models/gif_nest_common.hpp), validated statistically against
// NEST in tests/test_nest_gif.cpp; here a Bernoulli check through the network shows that these models get the
// engine's uniforms.
// Checks without NEST: psc: one input on each port against the closed-form PSC and PSP (NEST's exact scheme: the
// current at the start of the step drives V); a port is its time constant and unused ports add nothing; cond: a
// fine-step RK4 of the ODE written here with inputs on three ports (E_rev of both signs), a forced spike's jumps,
// decays and the refractory clamp; parameter validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/error.hpp"
#include "models/gif_multisynapse.hpp"
#include "models/model_json.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_gif_multisynapse {

using namespace volley;
using namespace volley::nest_ref;

namespace {

constexpr double kExact = 1e-6;  // mV, pA: gif_psc_exp_multisynapse
constexpr double kRkf45 = 1e-3;  // mV, pA: gif_cond_exp_multisynapse
const std::vector<const char*> kVars{"V_m", "E_sfa", "I_stc"};  // NEST's recordables

using Psc = models::gif_psc_exp_multisynapse;
using Cond = models::gif_cond_exp_multisynapse;

// ---- NEST's parameters as volley's: every entry taken, none left over ----

class reader {
 public:
  explicit reader(const json& p) : p_(p) {}
  double num(const char* name) {
    seen_.insert(name);
    return number(p_.at(name));
  }
  std::vector<double> list(const char* name) {
    seen_.insert(name);
    return p_.at(name).get<std::vector<double>>();
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

void take_common(reader& in, models::gif_psc_exp_multisynapse_params& q) {
  models::gif_set_lists(q, in.list("tau_sfa"), in.list("q_sfa"), in.list("tau_stc"), in.list("q_stc"),
                        "NEST reference");
  q.g_L = units::conductance_q(in.num("g_L"));
  q.E_L = units::voltage_q(in.num("E_L"));
  q.V_reset = units::voltage_q(in.num("V_reset"));
  q.Delta_V = units::voltage_q(in.num("Delta_V"));
  q.V_T_star = units::voltage_q(in.num("V_T_star"));
  q.lambda_0 = units::rate_q(in.num("lambda_0") * 1e-3);  // NEST: 1/s
  q.t_ref = units::time_q(in.num("t_ref"));
  q.C_m = units::capacitance_q(in.num("C_m"));
  q.I_e = units::current_q(in.num("I_e"));
  EXPECT_FALSE(in.raw("has_connections").get<bool>());  // bookkeeping: read before Connect
  const auto tau = in.list("tau_syn");
  EXPECT_EQ(in.raw("n_receptors").get<int>(), static_cast<int>(tau.size()));
  EXPECT_LE(tau.size(), 4u) << "tau_syn: volley has four ports";
  units::time_q* t[4] = {&q.tau_syn_1, &q.tau_syn_2, &q.tau_syn_3, &q.tau_syn_4};
  for (std::size_t i = 0; i < tau.size() && i < 4; ++i) *t[i] = units::time_q(tau[i]);
}

models::gif_psc_exp_multisynapse_params psc_params_from(const json& p) {
  reader in(p);
  models::gif_psc_exp_multisynapse_params q;
  take_common(in, q);
  in.finish("gif_psc_exp_multisynapse");
  return q;
}

models::gif_cond_exp_multisynapse_params cond_params_from(const json& p) {
  reader in(p);
  models::gif_cond_exp_multisynapse_params q;
  take_common(in, q);
  const auto E = in.list("E_rev");
  EXPECT_EQ(E.size(), p.at("tau_syn").size()) << "NEST: one E_rev per port";
  units::voltage_q* e[4] = {&q.E_rev_1, &q.E_rev_2, &q.E_rev_3, &q.E_rev_4};
  for (std::size_t i = 0; i < E.size() && i < 4; ++i) *e[i] = units::voltage_q(E[i]);
  q.gsl_error_tol = units::dimensionless_q(in.num("gsl_error_tol"));
  in.finish("gif_cond_exp_multisynapse");
  return q;
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

// NEST's status values of the state before the run against volley's initial state (cond: NEST's list g is
// g_1..g_n).
template <class Model>
void expect_initial_state_matches(const json& ref, const typename Model::params& p) {
  real_t s[Model::n_state];
  Model::initial_state(p, s);
  auto index = [](const std::string& name) {
    for (int j = 0; j < Model::n_state; ++j)
      if (name == Model::state_fields[j].name) return j;
    return -1;
  };
  for (const auto& [name, value] : ref.at("initial_state").items()) {
    if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        const int q = index(name + "_" + std::to_string(i + 1));
        ASSERT_GE(q, 0) << Model::name << ": NEST state " << name << "[" << i << "] has no counterpart";
        EXPECT_EQ(s[q], number(value[i])) << Model::name << " initial " << name << "[" << i << "]";
      }
      continue;
    }
    const int q = index(name);
    ASSERT_GE(q, 0) << Model::name << ": NEST state " << name << " has no counterpart";
    EXPECT_EQ(s[q], number(value)) << Model::name << " initial " << name;
  }
}

// The references exercise what the comparison claims: four different tau_syn (cond: four different E_rev), the
// generators on two ports each (all four over the two references), psc both weight signs, spikes in the
// suprathreshold step and after it, an input arriving while refractory, the stc and sfa jumps, and a decisive
// draw: in every step that is not refractory NEST's V_m is farther than 1e-3 mV from E_sfa (the spike probability
// 1 - exp(-1e-4 exp((V - E_sfa) / 1e-6)) is then 0 or 1 in double precision).
void expect_reference_exercises_protocol(const json& ref, const char* nest_model, std::set<int>& ports_used,
                                         bool& input_while_refractory, std::set<double>& weight_signs,
                                         double& closest) {
  EXPECT_EQ(ref.at("model"), nest_model);
  EXPECT_EQ(ref.at("dt_ms").get<double>(), 0.1);
  const json& par = ref.at("parameters");
  const auto tau = par.at("tau_syn").get<std::vector<double>>();
  ASSERT_EQ(tau.size(), 4u);
  EXPECT_EQ(std::set<double>(tau.begin(), tau.end()).size(), 4u) << "four different tau_syn";
  if (par.contains("E_rev")) {
    const auto E = par.at("E_rev").get<std::vector<double>>();
    EXPECT_EQ(std::set<double>(E.begin(), E.end()).size(), 4u) << "four different E_rev";
    EXPECT_GT(*std::max_element(E.begin(), E.end()), -55.0) << "an excitatory port";
    EXPECT_LT(*std::min_element(E.begin(), E.end()), -70.0) << "an inhibitory port";
  }
  EXPECT_EQ(par.at("Delta_V").get<double>(), 1e-6);
  EXPECT_EQ(par.at("tau_sfa").size(), 3u);
  EXPECT_EQ(par.at("tau_stc").size(), 2u);
  const auto spikes = ref.at("record").at("spike_times_ms").get<std::vector<double>>();
  EXPECT_FALSE(spikes.empty());
  const double t_ref = par.at("t_ref").get<double>();
  for (const auto& s : ref.at("protocol").at("spike_inputs")) {
    ports_used.insert(s.at("receptor_type").get<int>());
    weight_signs.insert(s.at("weight").get<double>() > 0 ? 1.0 : -1.0);
    const double delay = s.at("delay_ms").get<double>();
    for (const auto& t : s.at("times_ms"))
      for (double sp : spikes)
        if (t.get<double>() + delay > sp + 1e-9 && t.get<double>() + delay < sp + t_ref - 1e-9)
          input_while_refractory = true;
  }
  const auto V = reference_trace(ref, "V_m"), E = reference_trace(ref, "E_sfa"), I = reference_trace(ref, "I_stc");
  const auto steps = reference_spike_steps(ref);
  const std::uint64_t ref_steps = static_cast<std::uint64_t>(std::llround(t_ref / 0.1));
  for (std::size_t k = 0; k < V.size(); ++k) {
    const bool refractory =
        std::any_of(steps.begin(), steps.end(), [&](std::uint64_t s) { return k > s && k <= s + ref_steps; });
    if (!refractory) closest = std::min(closest, std::abs(V[k] - E[k]));
  }
  EXPECT_GT(*std::max_element(I.begin(), I.end()), 10.0) << "the stc jumps show";
  EXPECT_GT(*std::max_element(E.begin(), E.end()), -33.0) << "the sfa jumps show";
}

// Runs Model on one reference by both spike paths; returns the largest |difference| per variable.
template <class Model>
std::vector<double> expect_matches_nest(const std::string& file, const json& ref, const typename Model::params& p,
                                        double tol) {
  const port_of_weight port(ref);
  auto receptor = [&](double w) { return port(w); };
  std::vector<double> worst(kVars.size(), 0.0);
  const double d = ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
  for (int path = 0; path < 2; ++path) {
    const char* label = path == 0 ? "SpikeTime sources onto ports" : "spike-time inputs on ports";
    const traces t = run_protocol<Model>(
        ref, p, path == 0 ? spike_path::spike_time_population : spike_path::spike_times_input, d, kVars, receptor);
    std::printf("%s vs NEST %s (%s):\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str(), label);
    for (std::size_t q = 0; q < kVars.size(); ++q) {
      const auto c = compare(ref, kVars[q], t.values[q], reference_trace(ref, kVars[q]), tol);
      EXPECT_LE(c.max_abs, tol) << file << " " << kVars[q] << " (" << label << "); first sample over: " << c.first_over;
      worst[q] = std::max(worst[q], c.max_abs);
    }
    EXPECT_EQ(t.spike_steps, reference_spike_steps(ref)) << file << " (" << label << ")";
  }
  return worst;
}

template <class Model, class ParamsFrom>
void run_model_against_nest(const char* nest_model, ParamsFrom params_from, double tol) {
  std::vector<double> worst(kVars.size(), 0.0);
  std::set<int> ports_used;
  std::set<double> signs;
  bool input_while_refractory = false;
  double closest = 1e300;
  std::size_t n_spikes = 0;
  for (const std::string& file : {std::string(nest_model), std::string(nest_model) + "_ports_4_2"}) {
    SCOPED_TRACE(file);
    const json ref = load_reference(file);
    expect_reference_exercises_protocol(ref, nest_model, ports_used, input_while_refractory, signs, closest);
    const auto p = params_from(ref.at("parameters"));
    EXPECT_EQ(Model::validate(p), nullptr);
    expect_initial_state_matches<Model>(ref, p);
    const auto w = expect_matches_nest<Model>(file, ref, p, tol);
    n_spikes += reference_spike_steps(ref).size();
    std::printf("%s: max |volley - NEST|", file.c_str());
    for (std::size_t q = 0; q < kVars.size(); ++q) {
      std::printf(" %s %.3g", kVars[q], w[q]);
      worst[q] = std::max(worst[q], w[q]);
    }
    std::printf(", %zu NEST spikes\n", reference_spike_steps(ref).size());
  }
  EXPECT_EQ(ports_used, (std::set<int>{1, 2, 3, 4}));
  EXPECT_TRUE(input_while_refractory);
  EXPECT_GE(n_spikes, 4u);
  if (std::string(nest_model).find("psc") != std::string::npos) {
    EXPECT_EQ(signs, (std::set<double>{-1.0, 1.0})) << "both weight signs";
  }
  std::printf("%s: closest |V_m - E_sfa| in a step that draws: %.3g mV\n", nest_model, closest);
  EXPECT_GT(closest, 1e-3);
  std::printf("%s, both references: max |volley - NEST|", nest_model);
  for (std::size_t q = 0; q < kVars.size(); ++q) std::printf(" %s %.3g", kVars[q], worst[q]);
  std::printf("\n");
}

// One neuron stepped directly (no network), with the uniform chosen by the caller.
template <class Model>
struct single {
  typename Model::constants c;
  real_t s[Model::n_state];
  single(const typename Model::params& p, double dt) : c(Model::derive(p, dt)) { Model::initial_state(p, s); }
  bool step(double I, double u, std::array<double, 4> w = {0, 0, 0, 0}) {
    const real_t ports[4] = {static_cast<real_t>(w[0]), static_cast<real_t>(w[1]), static_cast<real_t>(w[2]),
                             static_cast<real_t>(w[3])};
    return Model::update(c, s, models::neuron_input{static_cast<real_t>(I), 0, ports, static_cast<real_t>(u)});
  }
};

const double kNever = std::nextafter(1.0, 0.0);

template <class Model>
constexpr bool routes_by_sign_v = requires { requires Model::routes_by_sign; };  // the largest uniform: never below a probability <= 1

}  // namespace

// ================================================= against NEST =================================================

TEST(NestGifMultisynapse, PscMatchesNestAtEveryStep) {
  run_model_against_nest<Psc>("gif_psc_exp_multisynapse", psc_params_from, kExact);
}

TEST(NestGifMultisynapse, CondMatchesNestAtEveryStep) {
  run_model_against_nest<Cond>("gif_cond_exp_multisynapse", cond_params_from, kRkf45);
}

TEST(NestGifMultisynapse, DefaultsAreNests) {
  // NEST 3.10's defaults (one port: tau_syn [2.0], E_rev [0.0]; the references change Delta_V, the lists, tau_syn
  // and E_rev only)
  for (const char* m : {"gif_psc_exp_multisynapse", "gif_cond_exp_multisynapse"}) {
    const auto n = psc_params_from([&] {
      json p = load_reference(m).at("parameters");
      p.erase("E_rev");
      p.erase("gsl_error_tol");
      return p;
    }());
    const models::gif_psc_exp_multisynapse_params d;
    EXPECT_EQ(d.g_L.value, n.g_L.value) << m;
    EXPECT_EQ(d.E_L.value, n.E_L.value) << m;
    EXPECT_EQ(d.V_reset.value, n.V_reset.value) << m;
    EXPECT_EQ(d.V_T_star.value, n.V_T_star.value) << m;
    EXPECT_EQ(d.lambda_0.value, n.lambda_0.value) << m;  // NEST's 1.0 1/s
    EXPECT_EQ(d.t_ref.value, n.t_ref.value) << m;
    EXPECT_EQ(d.C_m.value, n.C_m.value) << m;
    EXPECT_EQ(d.I_e.value, n.I_e.value) << m;
    EXPECT_EQ(d.Delta_V.value, 0.5) << m;
    EXPECT_EQ(d.tau_syn_1.value, 2.0) << m;
    EXPECT_EQ(d.tau_sfa_1.value, 0.0) << m << ": NEST's empty lists";
    EXPECT_EQ(d.tau_stc_1.value, 0.0) << m;
  }
  const models::gif_cond_exp_multisynapse_params c;
  EXPECT_EQ(c.E_rev_1.value, 0.0);
  EXPECT_EQ(c.gsl_error_tol.value,
            load_reference("gif_cond_exp_multisynapse").at("parameters").at("gsl_error_tol").get<double>());
}

// ============================================== without NEST ====================================================

// psc: one input of weight w on one port (the others with other time constants), no escape (lambda_0 = 0):
// V - E_L = w / C_m ts tm / (tm - ts) (exp(-t/tm) - exp(-t/ts)) and I_syn = w exp(-t/ts) exactly at every step, t
// from the end of the arrival step (NEST's exact scheme: the arriving weight enters V from the next step on).
TEST(NestGifMultisynapse, PscOneInputGivesTheClosedFormPscAndPsp) {
  const double dt = 0.1, w = 150.0, C = 80.0, tm = 80.0 / 4.0;
  for (int port = 0; port < 4; ++port) {
    models::gif_psc_exp_multisynapse_params p;
    p.lambda_0 = units::rate_q(0.0);
    const double ts = 0.5 + 2.0 * port;
    units::time_q* t[4] = {&p.tau_syn_1, &p.tau_syn_2, &p.tau_syn_3, &p.tau_syn_4};
    for (int i = 0; i < 4; ++i) *t[i] = units::time_q(i == port ? ts : 30.0 + i);
    single<Psc> n(p, dt);
    std::array<double, 4> in{0, 0, 0, 0};
    in[port] = w;
    EXPECT_FALSE(n.step(0, 0.0, in));
    EXPECT_EQ(n.s[Psc::V_m], -70.0) << "the weight arriving in a step does not move V in that step";
    double worst_v = 0, worst_i = 0;
    for (int k = 1; k <= 800; ++k) {
      EXPECT_FALSE(n.step(0, 0.0)) << "lambda_0 = 0 never spikes";
      const double tt = k * dt;
      worst_v = std::max(worst_v, std::abs(n.s[Psc::V_m] + 70.0 -
                                           w / C * ts * tm / (tm - ts) * (std::exp(-tt / tm) - std::exp(-tt / ts))));
      worst_i = std::max(worst_i, std::abs(n.s[Psc::I_syn_1 + port] - w * std::exp(-tt / ts)));
      for (int i = 0; i < 4; ++i)
        if (i != port) {
          ASSERT_EQ(n.s[Psc::I_syn_1 + i], 0.0);
        }
    }
    std::printf("gif_psc_exp_multisynapse port %d (tau_syn %g ms): max |PSP - closed form| %.3g mV, |PSC - closed "
                "form| %.3g pA\n",
                port + 1, ts, worst_v, worst_i);
    EXPECT_LT(worst_v, 1e-10);
    EXPECT_LT(worst_i, 1e-10);
  }
}

// A port is its time constant: port 3 with tau_syn_3 = 4 ms gives, bit for bit, what port 1 with tau_syn_1 = 4 ms
// gives (spikes forced through the uniform included); the time constants of unused ports change nothing.
TEST(NestGifMultisynapse, APortIsItsTimeConstantAndUnusedPortsAddNothing) {
  auto pair = [](auto tag) {
    using M = decltype(tag);
    typename M::params a, b;
    models::gif_set_lists(a, {10.0, 50.0}, {3.0, 1.0}, {5.0}, {20.0}, "test");
    models::gif_set_lists(b, {10.0, 50.0}, {3.0, 1.0}, {5.0}, {20.0}, "test");
    a.tau_syn_1 = units::time_q(4.0);
    b.tau_syn_1 = units::time_q(0.7);
    b.tau_syn_2 = units::time_q(25.0);
    b.tau_syn_3 = units::time_q(4.0);
    if constexpr (std::is_same_v<M, Cond>) {
      a.E_rev_1 = units::voltage_q(-20.0);
      b.E_rev_1 = units::voltage_q(-90.0);
      b.E_rev_3 = units::voltage_q(-20.0);
    }
    single<M> na(a, 0.1), nb(b, 0.1);
    int spikes = 0;
    for (int k = 0; k < 3000; ++k) {
      const double I = k > 500 ? 150.0 : 0.0;
      const double w = (k % 97 == 0 ? 30.0 : 0.0) + (k % 131 == 0 ? 10.0 : 0.0);
      const double u = k % 400 == 399 ? 0.0 : kNever;  // a spike every 40 ms where not refractory
      const bool sa = na.step(I, u, {w, 0, 0, 0}), sb = nb.step(I, u, {0, 0, w, 0});
      ASSERT_EQ(sa, sb) << M::name << " " << k;
      spikes += sa;
      const int port_1 = std::is_same_v<M, Cond> ? int(Cond::g_1) : int(Psc::I_syn_1);
      for (int q = 0; q < M::n_state; ++q)
        if (q < port_1 || q >= port_1 + 4) {
          ASSERT_EQ(na.s[q], nb.s[q]) << M::name << " " << M::state_fields[q].name << " step " << k;
        }
      ASSERT_EQ(na.s[port_1], nb.s[port_1 + 2]) << M::name << " step " << k;
      for (int i : {0, 1, 3}) ASSERT_EQ(nb.s[port_1 + i], 0.0) << M::name << " unused port " << i + 1;
    }
    EXPECT_GE(spikes, 5) << M::name;
  };
  pair(Psc{});
  pair(Cond{});
}

// cond: the RKF45 against a classical RK4 of the ODE written here at 1/100 of the step: inputs on ports 1, 2, 4
// (E_rev 0, -80, +20 mV), a current step, a forced spike whose stc current acts on a free membrane (t_ref = 0).
TEST(NestGifMultisynapse, CondFollowsAFineRk4OfItsOde) {
  models::gif_cond_exp_multisynapse_params p;
  models::gif_set_lists(p, {}, {}, {20.0}, {40.0}, "test");
  p.t_ref = units::time_q(0.0);
  const double tau[4] = {1.0, 6.0, 2.0, 0.4}, E[4] = {0.0, -80.0, -50.0, 20.0};
  units::time_q* t[4] = {&p.tau_syn_1, &p.tau_syn_2, &p.tau_syn_3, &p.tau_syn_4};
  units::voltage_q* e[4] = {&p.E_rev_1, &p.E_rev_2, &p.E_rev_3, &p.E_rev_4};
  for (int i = 0; i < 4; ++i) {
    *t[i] = units::time_q(tau[i]);
    *e[i] = units::voltage_q(E[i]);
  }
  const double dt = 0.1;
  single<Cond> n(p, dt);
  double V = -70, g[4] = {0, 0, 0, 0}, stc_now = 0, stc_elem = 0;
  auto f = [&](const double* y, double I, double stc, double* d) {
    double I_syn = 0;
    for (int i = 0; i < 4; ++i) I_syn += y[1 + i] * (y[0] - E[i]);
    d[0] = (-4.0 * (y[0] + 70.0) - I_syn + I - stc) / 80.0;
    for (int i = 0; i < 4; ++i) d[1 + i] = -y[1 + i] / tau[i];
  };
  double worst_V = 0, worst_g = 0;
  for (int k = 0; k < 3000; ++k) {
    const double I = k < 1000 ? 0.0 : 120.0;
    std::array<double, 4> w{0, 0, 0, 0};
    if (k == 50 || k == 1500) w[0] = 10.0;
    if (k == 400 || k == 2000) w[1] = 15.0;
    if (k == 700 || k == 2500) w[3] = 25.0;
    const bool force = k == 600;
    n.step(I, force ? 0.0 : kNever, w);
    stc_now = stc_elem;
    stc_elem *= std::exp(-dt / 20.0);
    const int sub = 100;
    const double h = dt / sub;
    for (int j = 0; j < sub; ++j) {
      double y[5] = {V, g[0], g[1], g[2], g[3]}, k1[5], k2[5], k3[5], k4[5], tmp[5];
      f(y, I, stc_now, k1);
      for (int i = 0; i < 5; ++i) tmp[i] = y[i] + h / 2 * k1[i];
      f(tmp, I, stc_now, k2);
      for (int i = 0; i < 5; ++i) tmp[i] = y[i] + h / 2 * k2[i];
      f(tmp, I, stc_now, k3);
      for (int i = 0; i < 5; ++i) tmp[i] = y[i] + h * k3[i];
      f(tmp, I, stc_now, k4);
      V += h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
      for (int i = 0; i < 4; ++i) g[i] += h / 6 * (k1[1 + i] + 2 * k2[1 + i] + 2 * k3[1 + i] + k4[1 + i]);
    }
    for (int i = 0; i < 4; ++i) g[i] += w[i];
    if (force) stc_elem += 40.0;
    worst_V = std::max(worst_V, std::abs(n.s[Cond::V_m] - V));
    for (int i = 0; i < 4; ++i) worst_g = std::max(worst_g, std::abs(n.s[Cond::g_1 + i] - g[i]));
    ASSERT_NEAR(n.s[Cond::I_stc], stc_now, 1e-12) << k;
    ASSERT_EQ(n.s[Cond::g_3], 0.0) << "unused port";
  }
  std::printf("gif_cond_exp_multisynapse: max |V - RK4 (dt/100)| over 300 ms %.3g mV, |g_i - RK4| %.3g nS\n",
              worst_V, worst_g);
  EXPECT_LT(worst_V, 2e-3);
  EXPECT_LT(worst_g, 1e-3);
}

// A spike forced through the uniform (u = 0 spikes whenever lambda > 0): V is not reset in the spike step, then held
// at V_reset for NEST's steps of t_ref (2.05 ms: 21 steps, rounded up); E_sfa and I_stc show the jumps from the next
// step on and decay with their time constants; inputs arriving while refractory are kept (the synapse runs on).
TEST(NestGifMultisynapse, ForcedSpikeJumpsDecaysAndRefractoryClamp) {
  auto check = [](auto tag) {
    using M = decltype(tag);
    typename M::params p;
    models::gif_set_lists(p, {10.0, 50.0, 200.0}, {4.0, 2.0, 1.0}, {5.0, 100.0}, {30.0, 5.0}, "test");
    p.t_ref = units::time_q(2.05);
    p.tau_syn_2 = units::time_q(3.0);
    const double dt = 0.1;
    single<M> n(p, dt);
    for (int k = 0; k < 10; ++k) ASSERT_FALSE(n.step(100.0, kNever)) << M::name;
    const double v_before = n.s[M::V_m];
    ASSERT_TRUE(n.step(100.0, 0.0)) << M::name;
    EXPECT_GT(n.s[M::V_m], v_before) << M::name << ": V is not reset in the spike step";
    EXPECT_EQ(n.s[M::I_stc], 0.0) << "the jump shows from the next step";
    EXPECT_EQ(n.s[M::E_sfa], -35.0);
    const int syn2 = std::is_same_v<M, Cond> ? int(Cond::g_2) : int(Psc::I_syn_2);
    for (int k = 1; k <= 40; ++k) {
      const bool spike = n.step(100.0, 0.0, {0, k == 3 ? 7.0 : 0.0, 0, 0});
      const double m = k - 1;
      const double E = -35.0 + 4.0 * std::pow(std::exp(-dt / 10.0), m) + 2.0 * std::pow(std::exp(-dt / 50.0), m) +
                       1.0 * std::pow(std::exp(-dt / 200.0), m);
      const double I = 30.0 * std::pow(std::exp(-dt / 5.0), m) + 5.0 * std::pow(std::exp(-dt / 100.0), m);
      if (k <= 21) {
        EXPECT_FALSE(spike) << M::name << " refractory step " << k;
        EXPECT_EQ(n.s[M::V_m], -55.0) << M::name << " refractory step " << k;
        EXPECT_NEAR(n.s[M::E_sfa], E, 1e-12) << M::name << " step " << k;
        EXPECT_NEAR(n.s[M::I_stc], I, 1e-12) << M::name << " step " << k;
        if (k >= 3) {
          EXPECT_NEAR(n.s[syn2], 7.0 * std::exp(-(k - 3) * dt / 3.0), 1e-5) << M::name << " step " << k;
        }
      } else {
        EXPECT_TRUE(spike) << M::name << ": the first free step spikes with u = 0 (step " << k << ")";
        EXPECT_GT(n.s[M::V_m], -55.0) << "integrates from V_reset";
        break;
      }
    }
  };
  check(Psc{});
  check(Cond{});
}

// Through the network: the hazard at a held V (no input, no components, t_ref = 0) gives Bernoulli spikes with
// p = 1 - exp(-lambda dt) per step: the models receive the engine's uniforms (needs_uniform) and draw with
// gif_psc_exp's code (statistics against NEST: tests/test_nest_gif.cpp).
TEST(NestGifMultisynapse, HazardGivesBernoulliSpikesAtAHeldVoltage) {
  auto check = [](auto tag) {
    using M = decltype(tag);
    static_assert(models::needs_uniform_v<M>);
    typename M::params p;
    p.t_ref = units::time_q(0.0);
    p.E_L = units::voltage_q(-36.0);
    p.lambda_0 = units::rate_q(0.5);  // 1/ms: lambda = 0.5 e^-2 / ms at V = E_L
    const double dt = 0.1, prob = -std::expm1(-0.5 * std::exp(-2.0) * dt);
    network net({.dt = units::time_q(dt), .seed = 11});
    const index_t n = 100;
    net.add_population<M>("N", n, p);
    simulator sim(net);
    sim.record_spikes("N");
    sim.run(units::time_q(2000.0));
    const double expected = prob * 20000 * n;
    const double got = double(sim.record().spikes[0].size());
    std::printf("%s: %.0f spikes at a held V, expected %.0f (+- %.0f)\n", M::name, got, expected, std::sqrt(expected));
    EXPECT_NEAR(got, expected, 5 * std::sqrt(expected)) << M::name;
  };
  check(Psc{});
  check(Cond{});
}

// ============================================ parameter checks ==================================================

TEST(NestGifMultisynapse, ParameterValidation) {
  auto spec_error_names = [](auto tag, const char* key, const nlohmann::json& value) -> std::string {
    using M = decltype(tag);
    const nlohmann::json params = {{key, value}};
    models::population_request req{.name = "P", .size = 1, .params = &params};
    try {
      models::create_population<M>(req);
    } catch (const parameter_error& e) {
      return e.parameter_name.empty() ? "(error)" : e.parameter_name;
    } catch (const std::exception&) {
      return "(error)";
    }
    return "(accepted)";
  };
  // NEST's checks: g_L, C_m, Delta_V, tau_syn > 0; t_ref, lambda_0 >= 0; component time constants > 0 (here >= 0,
  // 0 marking an absent component); cond: gsl_error_tol > 0
  const std::vector<std::pair<const char*, const char*>> rejected{
      {"g_L", "0 nS"},         {"C_m", "0 pF"},         {"Delta_V", "0 mV"},    {"tau_syn_1", "0 ms"},
      {"tau_syn_4", "-2 ms"},  {"tau_syn_2", "0 ms"},   {"t_ref", "-1 ms"},     {"lambda_0", "-1 Hz"},
      {"tau_sfa_2", "-1 ms"},  {"tau_stc_1", "-5 ms"},  {"g_L", "-1 nS"},       {"tau_syn_3", "-0.1 ms"}};
  for (const auto& [key, value] : rejected) {
    EXPECT_EQ(spec_error_names(Psc{}, key, value), key) << value;
    EXPECT_EQ(spec_error_names(Cond{}, key, value), key) << value;
  }
  EXPECT_EQ(spec_error_names(Cond{}, "gsl_error_tol", 0.0), "gsl_error_tol");
  EXPECT_EQ(spec_error_names(Psc{}, "q_stc_1", "-3 pA"), "params") << "q_stc_1 without tau_stc_1";
  // the two-port models' time constants and reversal potentials are not parameters here
  for (const char* key : {"tau_syn_ex", "tau_syn_in"}) {
    EXPECT_NE(spec_error_names(Psc{}, key, "2 ms"), "(accepted)") << key;
    EXPECT_NE(spec_error_names(Cond{}, key, "2 ms"), "(accepted)") << key;
  }
  EXPECT_NE(spec_error_names(Cond{}, "E_ex", "0 mV"), "(accepted)");
  EXPECT_NE(spec_error_names(Psc{}, "E_rev_1", "0 mV"), "(accepted)") << "psc has no reversal potentials";
  for (const auto& [key, value] : std::vector<std::pair<const char*, const char*>>{
           {"t_ref", "0 ms"}, {"lambda_0", "0 Hz"}, {"tau_syn_4", "7 ms"}, {"tau_sfa_2", "0 ms"}, {"I_e", "-5 pA"}}) {
    EXPECT_EQ(spec_error_names(Psc{}, key, value), "(accepted)") << key << " " << value;
    EXPECT_EQ(spec_error_names(Cond{}, key, value), "(accepted)") << key << " " << value;
  }
  EXPECT_EQ(spec_error_names(Cond{}, "E_rev_3", "-90 mV"), "(accepted)");

  // an amplitude without its time constant
  models::gif_cond_exp_multisynapse_params q;
  q.q_sfa_3 = units::voltage_q(1.0);
  ASSERT_NE(Cond::validate(q), nullptr);
  EXPECT_NE(std::string(Cond::validate(q)).find("tau_sfa_3"), std::string::npos);
  // the ports and their units
  EXPECT_EQ(Psc::n_ports, 4);
  EXPECT_EQ(std::string(Psc::ports[3].name), "4");
  EXPECT_EQ(Psc::ports[0].weight_dim, units::dims::current);
  EXPECT_EQ(Cond::ports[2].weight_dim, units::dims::conductance);
  static_assert(!routes_by_sign_v<Psc> && !routes_by_sign_v<Cond>, "the port, not the sign, selects the synapse");
}

}  // namespace test_nest_gif_multisynapse
