// volley's gif_psc_exp and gif_cond_exp (NEST's generalized IF neurons with escape noise) against NEST 3.10.
// Escape noise means NEST's spike trains cannot be reproduced (different random numbers), so:
//   (a) deterministic traces at every step, with the protocol and timing of tests/support/nest_reference.hpp:
//       tests/reference/gif_*_exp.json: lambda_0 = 1e-9 1/s, no spike: the subthreshold dynamics (NEST's defaults,
//       empty lists); gif_*_exp_forced.json: Delta_V = 1e-6 mV turns the hazard into a step at V = E_sfa (spike
//       probability 0 or 1 to double precision, checked on NEST's trace below), so NEST's spike steps are
//       deterministic and the jumps of E_sfa and I_stc (3 sfa, 2 stc components), the refractory clamp and the stc
//       current are compared too. Tolerances: 1e-6 (gif_psc_exp, exact propagators), 1e-3 (gif_cond_exp, RKF45;
//       it reaches ~1e-9); spike steps identical.
//   (b) spike statistics (tests/reference/gif_*_exp_statistics.json, tools/nest_reference/make_gif_statistics.py):
//       500 unconnected neurons with stc and sfa lists and a constant I_e, several seeds in both simulators: mean
//       rate, mean CV of the ISIs and the Fano factor of window counts agree within 5 %.
// Checks without NEST: the membrane's closed form, the jumps and decays after a spike forced through the uniform,
// the refractory clamp, the hazard (Bernoulli spikes at a held V: rate and ISI CV of a geometric law), an RK4 of
// gif_cond_exp's ODE, and the parameter checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "models/gif_cond_exp.hpp"
#include "models/gif_psc_exp.hpp"
#include "models/model_json.hpp"
#include "tests/support/nest_reference.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_nest_gif {

using namespace volley;
using namespace volley::nest_ref;

namespace {

constexpr double kExact = 1e-6;  // mV, pA: gif_psc_exp
constexpr double kRkf45 = 1e-3;  // mV, nS, pA: gif_cond_exp

// ---- NEST's parameters as volley's (every NEST parameter taken) ----

std::vector<double> list_of(const json& p, const char* name) { return p.at(name).get<std::vector<double>>(); }

// The common parameters; NEST's four lists go through gif_set_lists (and are removed from what the reader checks).
template <class P>
void take_common(const json& nest_params, json& rest, P& q) {
  models::gif_set_lists(q, list_of(nest_params, "tau_sfa"), list_of(nest_params, "q_sfa"),
                        list_of(nest_params, "tau_stc"), list_of(nest_params, "q_stc"), "NEST reference");
  for (const char* k : {"tau_sfa", "q_sfa", "tau_stc", "q_stc"}) rest.erase(k);
}

models::gif_psc_exp_params psc_params_from(const json& p) {
  json rest = p;
  models::gif_psc_exp_params q;
  take_common(p, rest, q);
  parameter_reader in(rest);
  q.g_L = units::conductance_q(in.take("g_L"));
  q.E_L = units::voltage_q(in.take("E_L"));
  q.V_reset = units::voltage_q(in.take("V_reset"));
  q.Delta_V = units::voltage_q(in.take("Delta_V"));
  q.V_T_star = units::voltage_q(in.take("V_T_star"));
  q.lambda_0 = units::rate_q(in.take("lambda_0") * 1e-3);  // NEST: 1/s
  q.t_ref = units::time_q(in.take("t_ref"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.I_e = units::current_q(in.take("I_e"));
  q.tau_syn_ex = units::time_q(in.take("tau_syn_ex"));
  q.tau_syn_in = units::time_q(in.take("tau_syn_in"));
  in.finish("gif_psc_exp");
  return q;
}

models::gif_cond_exp_params cond_params_from(const json& p) {
  json rest = p;
  models::gif_cond_exp_params q;
  take_common(p, rest, q);
  parameter_reader in(rest);
  q.g_L = units::conductance_q(in.take("g_L"));
  q.E_L = units::voltage_q(in.take("E_L"));
  q.V_reset = units::voltage_q(in.take("V_reset"));
  q.Delta_V = units::voltage_q(in.take("Delta_V"));
  q.V_T_star = units::voltage_q(in.take("V_T_star"));
  q.lambda_0 = units::rate_q(in.take("lambda_0") * 1e-3);
  q.t_ref = units::time_q(in.take("t_ref"));
  q.C_m = units::capacitance_q(in.take("C_m"));
  q.I_e = units::current_q(in.take("I_e"));
  q.tau_syn_ex = units::time_q(in.take("tau_syn_ex"));
  q.tau_syn_in = units::time_q(in.take("tau_syn_in"));
  q.E_ex = units::voltage_q(in.take("E_ex"));
  q.E_in = units::voltage_q(in.take("E_in"));
  q.gsl_error_tol = units::dimensionless_q(in.take("gsl_error_tol"));
  in.finish("gif_cond_exp");
  return q;
}

const char* named_port(double w) { return w >= 0 ? "ex" : "in"; }
const char* volley_chooses(double) { return ""; }

// Every recorded variable within tol at every step and identical spike steps, both ways in for the
// spike_generators; returns the largest difference per variable (printed).
template <class Model>
std::vector<double> expect_matches_nest(const std::string& file, const typename Model::params& p,
                                        const std::vector<const char*>& vars, double tol) {
  const json ref = load_reference(file);
  const double d = ref.at("protocol").at("step_current_generator").at("delay_ms").get<double>();
  std::vector<double> worst(vars.size(), 0.0);
  for (const auto path : {spike_path::spike_time_population, spike_path::spike_times_input}) {
    const char* label = path == spike_path::spike_time_population ? "SpikeTime sources onto named inputs"
                                                                   : "spike-time inputs routed by volley";
    const traces v = path == spike_path::spike_time_population
                         ? run_protocol<Model>(ref, p, path, d, vars, named_port)
                         : run_protocol<Model>(ref, p, path, d, vars, volley_chooses);
    std::printf("%s vs NEST %s (%s):\n", file.c_str(), ref.at("nest").at("version").get<std::string>().c_str(), label);
    for (std::size_t q = 0; q < vars.size(); ++q) {
      const auto c = compare(ref, vars[q], v.values[q], reference_trace(ref, vars[q]), tol);
      EXPECT_LE(c.max_abs, tol) << file << " " << vars[q] << " (" << label << "); first sample over: " << c.first_over;
      worst[q] = std::max(worst[q], c.max_abs);
    }
    EXPECT_EQ(v.spike_steps, reference_spike_steps(ref)) << file << " (" << label << ")";
  }
  std::printf("%s: max |volley - NEST|", file.c_str());
  for (std::size_t q = 0; q < vars.size(); ++q) std::printf(" %s %.3g", vars[q], worst[q]);
  std::printf("; %zu NEST spikes\n", load_reference(file).at("record").at("spike_times_ms").size());
  return worst;
}

const std::vector<const char*> psc_vars{"V_m", "E_sfa", "I_stc", "I_syn_ex", "I_syn_in"};
const std::vector<const char*> cond_vars{"V_m", "E_sfa", "I_stc", "g_ex", "g_in"};

// NEST's status values of the state against volley's initial state.
template <class Model>
void expect_initial_state_matches(const json& ref, const typename Model::params& p) {
  real_t s[Model::n_state];
  Model::initial_state(p, s);
  for (const auto& [name, value] : ref.at("initial_state").items()) {
    int q = -1;
    for (int i = 0; i < Model::n_state; ++i)
      if (name == Model::state_fields[i].name) q = i;
    ASSERT_GE(q, 0) << Model::name << ": NEST state " << name << " has no counterpart";
    EXPECT_EQ(s[q], number(value)) << Model::name << " initial " << name;
  }
}

// One neuron stepped directly (no network), with the uniform chosen by the caller.
template <class Model>
struct single {
  typename Model::constants c;
  real_t s[Model::n_state];
  single(const typename Model::params& p, double dt) : c(Model::derive(p, dt)) { Model::initial_state(p, s); }
  bool step(double I, double u, double w_ex = 0, double w_in = 0) {
    const real_t ports[2] = {static_cast<real_t>(w_ex), static_cast<real_t>(w_in)};
    return Model::update(c, s, models::neuron_input{static_cast<real_t>(I), 0, ports, static_cast<real_t>(u)});
  }
};

// ---- spike statistics (the definitions of tools/nest_reference/make_gif_statistics.py) ----

struct spike_stats {
  double rate_hz, cv, fano;
};

template <class Model>
spike_stats volley_statistics(const json& ref, const typename Model::params& p, std::uint64_t seed) {
  const double dt = ref.at("dt_ms").get<double>();
  const auto n = ref.at("n_neurons").get<index_t>();
  const auto steps = static_cast<std::uint64_t>(std::llround(ref.at("t_sim_ms").get<double>() / dt));
  const auto warm = static_cast<std::uint64_t>(std::llround(ref.at("t_warmup_ms").get<double>() / dt));
  const auto window = static_cast<std::uint64_t>(std::llround(ref.at("window_ms").get<double>() / dt));
  const std::uint64_t n_win = (steps - warm) / window;
  network net({.dt = units::time_q(dt), .seed = seed});
  net.add_population<Model>("N", n, p);
  simulator sim(net);
  sim.record_spikes("N");
  sim.run(units::time_q(ref.at("t_sim_ms").get<double>()));
  const auto& sp = sim.record().spikes[0];
  std::vector<std::vector<std::uint64_t>> train(n);
  std::vector<double> counts(static_cast<std::size_t>(n) * n_win, 0.0);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < sp.size(); ++i) {
    const std::uint64_t k = sp.step[i];  // NEST's stamp (k + 1) dt; kept when > t_warmup
    if (k + 1 <= warm) continue;
    ++total;
    train[sp.neuron[i]].push_back(k);
    counts[sp.neuron[i] * n_win + std::min((k - warm) / window, n_win - 1)] += 1;
  }
  spike_stats out{};
  out.rate_hz = total / (n * (steps - warm) * dt / 1000.0);
  double cv_sum = 0;
  int cv_n = 0;
  for (auto& t : train) {
    if (t.size() < 3) continue;
    std::sort(t.begin(), t.end());
    double m = 0, m2 = 0;
    for (std::size_t i = 1; i < t.size(); ++i) m += double(t[i] - t[i - 1]);
    m /= double(t.size() - 1);
    for (std::size_t i = 1; i < t.size(); ++i) m2 += (double(t[i] - t[i - 1]) - m) * (double(t[i] - t[i - 1]) - m);
    cv_sum += std::sqrt(m2 / double(t.size() - 1)) / m;
    ++cv_n;
  }
  out.cv = cv_sum / cv_n;
  double mean = 0, var = 0;
  for (double c : counts) mean += c;
  mean /= double(counts.size());
  for (double c : counts) var += (c - mean) * (c - mean);
  var /= double(counts.size());
  out.fano = var / mean;
  return out;
}

template <class Model, class ParamsFrom>
void expect_statistics_match_nest(const std::string& file, ParamsFrom params_from, int n_seeds) {
  const json ref = load_reference(file);
  // NEST's parameters of the protocol over NEST's defaults (the reference lists only the ones it sets)
  json nest_params = load_reference(file.substr(0, file.find("_statistics"))).at("parameters");
  for (const auto& [k, v] : ref.at("parameters").items()) nest_params[k] = v;
  const auto p = params_from(nest_params);
  std::vector<spike_stats> runs;
  for (int s = 0; s < n_seeds; ++s) runs.push_back(volley_statistics<Model>(ref, p, 1000 + s));
  const char* names[3] = {"rate_hz", "cv", "fano"};
  std::printf("%s, %d volley seeds against %zu NEST seeds:\n", file.c_str(), n_seeds, ref.at("seeds").size());
  for (int q = 0; q < 3; ++q) {
    double m = 0, m2 = 0;
    for (const auto& r : runs) m += q == 0 ? r.rate_hz : (q == 1 ? r.cv : r.fano);
    m /= n_seeds;
    for (const auto& r : runs) {
      const double x = q == 0 ? r.rate_hz : (q == 1 ? r.cv : r.fano);
      m2 += (x - m) * (x - m);
    }
    const double sd = std::sqrt(m2 / (n_seeds - 1));
    const double nest_mean = ref.at("mean").at(names[q]).get<double>();
    const double nest_sd = ref.at("sd_over_seeds").at(names[q]).get<double>();
    const double rel = std::abs(m - nest_mean) / nest_mean;
    std::printf("  %-8s volley %.5g (sd over seeds %.2g)  NEST %.5g (sd %.2g)  |difference| %.2f %%\n", names[q], m,
                sd, nest_mean, nest_sd, 100 * rel);
    EXPECT_LT(rel, 0.05) << file << " " << names[q] << ": volley " << m << ", NEST " << nest_mean;
  }
}

}  // namespace

// ================================================= against NEST =================================================

TEST(NestGif, ReferencesExerciseWhatTheComparisonClaims) {
  for (const std::string m : {"gif_psc_exp", "gif_cond_exp"}) {
    const json sub = load_reference(m);
    EXPECT_EQ(sub.at("model"), m);
    EXPECT_TRUE(sub.at("record").at("spike_times_ms").empty()) << m << ": lambda_0 = 1e-9 1/s should not spike";
    EXPECT_EQ(sub.at("parameters").at("lambda_0").get<double>(), 1e-9);
    EXPECT_TRUE(sub.at("parameters").at("tau_sfa").empty()) << "NEST's defaults: empty lists";
    const auto& in = sub.at("protocol").at("spike_inputs");
    EXPECT_GT(in[0].at("weight").get<double>(), 0);
    EXPECT_LT(in[1].at("weight").get<double>(), 0);

    const json forced = load_reference(m + "_forced");
    EXPECT_EQ(forced.at("model"), m);
    EXPECT_EQ(forced.at("parameters").at("tau_sfa").size(), 3u);
    EXPECT_EQ(forced.at("parameters").at("tau_stc").size(), 2u);
    const auto spikes = forced.at("record").at("spike_times_ms").get<std::vector<double>>();
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 20 && t < 120; })) << m;
    EXPECT_TRUE(std::any_of(spikes.begin(), spikes.end(), [](double t) { return t > 120; })) << m;
    // The draw is decisive: in every step that is not refractory, NEST's V_m is farther than 1e-3 mV from E_sfa (the
    // spike probability 1 - exp(-1e-4 exp((V - E_sfa) / 1e-6)) is then 0 or 1 in double precision); refractory
    // steps (V_m = V_reset, t_ref = 4 ms = 40 steps after each spike step) are skipped.
    const auto V = reference_trace(forced, "V_m"), E = reference_trace(forced, "E_sfa");
    const auto steps = reference_spike_steps(forced);
    double closest = 1e300;
    for (std::size_t k = 0; k < V.size(); ++k) {
      const bool refractory =
          std::any_of(steps.begin(), steps.end(), [&](std::uint64_t s) { return k > s && k <= s + 40; });
      if (!refractory) closest = std::min(closest, std::abs(V[k] - E[k]));
    }
    std::printf("%s_forced: closest |V_m - E_sfa| in a step that draws: %.3g mV\n", m.c_str(), closest);
    EXPECT_GT(closest, 1e-3) << m;
    // E_sfa and I_stc move by more than the tolerance
    const auto I = reference_trace(forced, "I_stc");
    EXPECT_GT(*std::max_element(I.begin(), I.end()), 10.0);
    EXPECT_GT(*std::max_element(E.begin(), E.end()), -33.0);
  }
}

TEST(NestGif, InitialStateIsNests) {
  for (const char* f : {"gif_psc_exp", "gif_psc_exp_forced"}) {
    const json ref = load_reference(f);
    expect_initial_state_matches<models::gif_psc_exp>(ref, psc_params_from(ref.at("parameters")));
  }
  for (const char* f : {"gif_cond_exp", "gif_cond_exp_forced"}) {
    const json ref = load_reference(f);
    expect_initial_state_matches<models::gif_cond_exp>(ref, cond_params_from(ref.at("parameters")));
  }
  // NEST's defaults are volley's: the parameters of the subthreshold references are NEST's defaults but lambda_0
  const auto nest_default = psc_params_from(load_reference("gif_psc_exp").at("parameters"));
  const auto d = models::gif_psc_exp::defaults();
  EXPECT_EQ(d.lambda_0.value, 0.001);  // NEST's 1.0 1/s
  EXPECT_EQ(d.g_L.value, nest_default.g_L.value);
  EXPECT_EQ(d.C_m.value, nest_default.C_m.value);
  EXPECT_EQ(d.V_T_star.value, nest_default.V_T_star.value);
  EXPECT_EQ(d.Delta_V.value, nest_default.Delta_V.value);
  EXPECT_EQ(d.V_reset.value, nest_default.V_reset.value);
  EXPECT_EQ(d.t_ref.value, nest_default.t_ref.value);
  EXPECT_EQ(d.tau_sfa_1.value, 0.0);
  EXPECT_EQ(d.tau_stc_1.value, 0.0);
  const auto dc = models::gif_cond_exp::defaults();
  const auto nest_cond = cond_params_from(load_reference("gif_cond_exp").at("parameters"));
  EXPECT_EQ(dc.E_ex.value, nest_cond.E_ex.value);
  EXPECT_EQ(dc.E_in.value, nest_cond.E_in.value);
  EXPECT_EQ(dc.gsl_error_tol.value, nest_cond.gsl_error_tol.value);
}

TEST(NestGif, PscExpSubthresholdMatchesNestAtEveryStep) {
  const json ref = load_reference("gif_psc_exp");
  expect_matches_nest<models::gif_psc_exp>("gif_psc_exp", psc_params_from(ref.at("parameters")), psc_vars, kExact);
}

TEST(NestGif, PscExpForcedSpikesMatchNestAtEveryStep) {
  const json ref = load_reference("gif_psc_exp_forced");
  expect_matches_nest<models::gif_psc_exp>("gif_psc_exp_forced", psc_params_from(ref.at("parameters")), psc_vars,
                                           kExact);
}

TEST(NestGif, CondExpSubthresholdMatchesNestAtEveryStep) {
  const json ref = load_reference("gif_cond_exp");
  expect_matches_nest<models::gif_cond_exp>("gif_cond_exp", cond_params_from(ref.at("parameters")), cond_vars,
                                            kRkf45);
}

TEST(NestGif, CondExpForcedSpikesMatchNestAtEveryStep) {
  const json ref = load_reference("gif_cond_exp_forced");
  expect_matches_nest<models::gif_cond_exp>("gif_cond_exp_forced", cond_params_from(ref.at("parameters")),
                                            cond_vars, kRkf45);
}

// Sampling error (measured, tests/reference/gif_*_statistics.json and the printout): the standard deviation over
// seeds of one run of 500 neurons x 5 s is about 0.1 % of the rate, 0.5 % of the CV and 1.6 % (NEST) to 2.7 %
// (volley) of the Fano factor; the means over 6 (NEST) and 4 (volley) seeds then differ by chance with a standard
// error of about 0.1 %, 0.3 % and 1.5 %, so 5 % is over 3 standard errors for the Fano factor and far more for the
// others, while a wrong hazard (Delta_V off by 10 %) moves them by 9 %, 12 % and 21 % (planted and seen).
// With a constant I_e and no synaptic input gif_cond_exp's RKF45 follows gif_psc_exp's membrane to ~1e-9 mV, so the
// two protocols give the same spikes for the same uniforms (NEST's numbers agree to all digits as well).
TEST(NestGif, PscExpSpikeStatisticsMatchNest) {
  expect_statistics_match_nest<models::gif_psc_exp>("gif_psc_exp_statistics", psc_params_from, 4);
}

TEST(NestGif, CondExpSpikeStatisticsMatchNest) {
  expect_statistics_match_nest<models::gif_cond_exp>("gif_cond_exp_statistics", cond_params_from, 4);
}

// ============================================== without NEST ====================================================

// With lambda_0 = 0 the membrane is linear: V(t) = E_L + I/g_L (1 - exp(-t/tau_m)) for a constant I, exactly at
// every step (the propagators are exact for a constant current); an exponential PSC follows the closed form of
// NEST's scheme (the current after its decay, held over the step): checked against a direct sum.
TEST(NestGif, PscExpMembraneFollowsItsClosedForm) {
  models::gif_psc_exp_params p;
  p.lambda_0 = units::rate_q(0.0);
  p.I_e = units::current_q(50.0);
  const double dt = 0.1, tau_m = p.C_m.value / p.g_L.value;
  single<models::gif_psc_exp> n(p, dt);
  double worst = 0;
  for (int k = 0; k < 2000; ++k) {
    EXPECT_FALSE(n.step(30.0, 0.5));
    const double t = (k + 1) * dt;
    const double v = -70.0 + 80.0 / 4.0 * (1 - std::exp(-t / tau_m));
    worst = std::max(worst, std::abs(n.s[models::gif_psc_exp::V_m] - v));
  }
  std::printf("gif_psc_exp: max |V - closed form| over 200 ms of a current step: %.3g mV\n", worst);
  EXPECT_LT(worst, 1e-9);
  EXPECT_EQ(n.s[models::gif_psc_exp::E_sfa], -35.0);  // no components: E_sfa = V_T_star
  EXPECT_EQ(n.s[models::gif_psc_exp::I_stc], 0.0);
}

// A spike forced through the uniform (u = 0 spikes whenever lambda > 0, u -> 1 never does): V is not reset in the
// spike step, then held at V_reset for NEST's steps of t_ref; E_sfa and I_stc show the jumps from the next step on
// and then decay with their time constants; a spike during the refractory period is impossible whatever u is.
template <class Model>
void expect_jumps_and_refractory_clamp() {
  typename Model::params p;
  models::gif_set_lists(p, {10.0, 50.0, 200.0}, {4.0, 2.0, 1.0}, {5.0, 100.0}, {30.0, 5.0}, "test");
  p.t_ref = units::time_q(2.05);  // 21 steps at 0.1 ms (NEST rounds up)
  const double dt = 0.1;
  single<Model> n(p, dt);
  const double no = std::nextafter(1.0, 0.0);  // the largest uniform: never below a probability <= 1
  for (int k = 0; k < 10; ++k) ASSERT_FALSE(n.step(100.0, no)) << Model::name;
  const double v_spike = n.s[Model::V_m];
  ASSERT_TRUE(n.step(100.0, 0.0)) << Model::name;
  EXPECT_GT(n.s[Model::V_m], v_spike) << Model::name << ": V is not reset in the spike step";
  EXPECT_EQ(n.s[Model::I_stc], 0.0) << "the jump shows from the next step";
  EXPECT_EQ(n.s[Model::E_sfa], -35.0);
  for (int k = 1; k <= 40; ++k) {
    const bool spike = n.step(100.0, 0.0);
    const double m = k - 1;  // decays since the jump
    const double E = -35.0 + 4.0 * std::pow(std::exp(-dt / 10.0), m) + 2.0 * std::pow(std::exp(-dt / 50.0), m) +
                     1.0 * std::pow(std::exp(-dt / 200.0), m);
    const double I = 30.0 * std::pow(std::exp(-dt / 5.0), m) + 5.0 * std::pow(std::exp(-dt / 100.0), m);
    if (k <= 21) {
      EXPECT_FALSE(spike) << Model::name << " refractory step " << k;
      EXPECT_EQ(n.s[Model::V_m], -55.0) << Model::name << " refractory step " << k;
      EXPECT_NEAR(n.s[Model::E_sfa], E, 1e-12) << Model::name << " step " << k;
      EXPECT_NEAR(n.s[Model::I_stc], I, 1e-12) << Model::name << " step " << k;
    } else {
      EXPECT_TRUE(spike) << Model::name << ": the first free step spikes with u = 0 (step " << k << ")";
      EXPECT_GT(n.s[Model::V_m], -55.0) << "integrates from V_reset";
      break;
    }
  }
}

TEST(NestGif, ForcedSpikeJumpsDecaysAndRefractoryClamp) {
  expect_jumps_and_refractory_clamp<models::gif_psc_exp>();
  expect_jumps_and_refractory_clamp<models::gif_cond_exp>();
}

// The hazard alone: V held at E_L (no input, no components, t_ref = 0: NEST accepts it and then never resets V)
// spikes in each step with probability p = 1 - exp(-lambda dt), lambda = lambda_0 exp((E_L - V_T_star)/Delta_V):
// Bernoulli trials, so the rate is p/dt and the ISIs (geometric, in steps) have CV sqrt(1 - p). Runs through the
// network, i.e. the engine's uniform stream (seed, population, neuron, step).
template <class Model>
void expect_bernoulli_spikes() {
  typename Model::params p;
  p.t_ref = units::time_q(0.0);
  p.E_L = units::voltage_q(-36.0);
  p.lambda_0 = units::rate_q(0.5);  // 1/ms: lambda = 0.5 e^-2 / ms = 67.7 Hz at V = E_L
  const double dt = 0.1;
  const double lambda = 0.5 * std::exp(-1.0 / 0.5);
  const double prob = -std::expm1(-lambda * dt);
  network net({.dt = units::time_q(dt), .seed = 7});
  const index_t n = 200;
  net.add_population<Model>("N", n, p);
  simulator sim(net);
  sim.record_spikes("N");
  sim.run(units::time_q(5000.0));
  const auto& sp = sim.record().spikes[0];
  const double steps = 50000;
  const double expected = prob * steps * n;
  std::vector<std::vector<double>> t(n);
  for (std::size_t i = 0; i < sp.size(); ++i) t[sp.neuron[i]].push_back(double(sp.step[i]));
  double isi_sum = 0, isi_sq = 0, isi_n = 0;
  for (const auto& x : t)
    for (std::size_t i = 1; i < x.size(); ++i) {
      const double d = x[i] - x[i - 1];
      isi_sum += d;
      isi_sq += d * d;
      ++isi_n;
    }
  const double mean = isi_sum / isi_n, cv = std::sqrt(isi_sq / isi_n - mean * mean) / mean;
  std::printf("%s: %zu spikes at a held V, expected %.0f (+- %.0f); ISI CV %.4f, geometric %.4f\n", Model::name,
              sp.size(), expected, std::sqrt(expected), cv, std::sqrt(1 - prob));
  EXPECT_NEAR(double(sp.size()), expected, 5 * std::sqrt(expected)) << Model::name;
  EXPECT_NEAR(cv, std::sqrt(1 - prob), 0.03) << Model::name;  // ~67000 ISIs: standard error ~0.006
}

TEST(NestGif, HazardGivesBernoulliSpikesAtAHeldVoltage) {
  expect_bernoulli_spikes<models::gif_psc_exp>();
  expect_bernoulli_spikes<models::gif_cond_exp>();
}

// gif_cond_exp's RKF45 against a classical RK4 of the same ODE written here, at 1/100 of the step: a conductance
// kick of each sign, a stc current from a forced spike, a current step.
TEST(NestGif, CondExpFollowsAFineRk4OfItsOde) {
  models::gif_cond_exp_params p;
  models::gif_set_lists(p, {}, {}, {20.0}, {40.0}, "test");
  p.t_ref = units::time_q(0.0);  // V is not reset: the stc current acts on a free membrane
  const double dt = 0.1;
  single<models::gif_cond_exp> n(p, dt);
  const double no = std::nextafter(1.0, 0.0);
  // the reference: y = V, g_ex, g_in, stc with the stc held over each step as the model does (NEST's scheme)
  double V = -70, ge = 0, gi = 0, stc_now = 0, stc_elem = 0;
  auto f = [&](double v, double g1, double g2, double I, double stc, double* d) {
    d[0] = (-4.0 * (v + 70.0) - g1 * (v - 0.0) - g2 * (v + 85.0) + I - stc) / 80.0;
    d[1] = -g1 / 2.0;
    d[2] = -g2 / 2.0;
  };
  double worst = 0;
  for (int k = 0; k < 3000; ++k) {
    const double I = k < 1000 ? 0.0 : 120.0;
    const double w_ex = (k == 50 || k == 1500) ? 10.0 : 0.0, w_in = (k == 400 || k == 2000) ? -15.0 : 0.0;
    const bool force = k == 600;
    n.step(I, force ? 0.0 : no, w_ex, w_in);
    stc_now = stc_elem;
    stc_elem *= std::exp(-dt / 20.0);
    const int sub = 100;
    const double h = dt / sub;
    for (int i = 0; i < sub; ++i) {
      double k1[3], k2[3], k3[3], k4[3];
      f(V, ge, gi, I, stc_now, k1);
      f(V + h / 2 * k1[0], ge + h / 2 * k1[1], gi + h / 2 * k1[2], I, stc_now, k2);
      f(V + h / 2 * k2[0], ge + h / 2 * k2[1], gi + h / 2 * k2[2], I, stc_now, k3);
      f(V + h * k3[0], ge + h * k3[1], gi + h * k3[2], I, stc_now, k4);
      V += h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
      ge += h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
      gi += h / 6 * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2]);
    }
    ge += w_ex;
    gi -= w_in;
    if (force) stc_elem += 40.0;
    worst = std::max(worst, std::abs(n.s[models::gif_cond_exp::V_m] - V));
    ASSERT_NEAR(n.s[models::gif_cond_exp::I_stc], stc_now, 1e-12) << k;
    ASSERT_NEAR(n.s[models::gif_cond_exp::g_in], gi, 1e-6) << k;
  }
  std::printf("gif_cond_exp: max |V - RK4 (dt/100)| over 300 ms: %.3g mV\n", worst);
  EXPECT_LT(worst, 2e-3);
}

// ============================================ parameter checks ==================================================

TEST(NestGif, ParameterChecks) {
  static_assert(models::needs_uniform_v<models::gif_psc_exp> && models::needs_uniform_v<models::gif_cond_exp>);
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
  // NEST's checks: g_L, C_m, Delta_V, tau_syn_* > 0; t_ref, lambda_0 >= 0; time constants of components > 0
  // (here >= 0, 0 marking an absent component)
  const std::vector<std::pair<const char*, const char*>> zero_rejected{
      {"g_L", "0 nS"}, {"C_m", "0 pF"}, {"Delta_V", "0 mV"}, {"tau_syn_ex", "0 ms"}, {"tau_syn_in", "0 ms"}};
  const std::vector<std::pair<const char*, const char*>> negative_rejected{
      {"g_L", "-1 nS"},       {"C_m", "-1 pF"},       {"Delta_V", "-0.1 mV"},  {"t_ref", "-1 ms"},
      {"lambda_0", "-1 Hz"},  {"tau_sfa_1", "-1 ms"}, {"tau_sfa_3", "-1 ms"}, {"tau_stc_2", "-5 ms"},
      {"tau_syn_ex", "-2 ms"}};
  for (const auto& [key, value] : zero_rejected) {
    EXPECT_EQ(spec_error_names(models::gif_psc_exp{}, key, value), key) << value;
    EXPECT_EQ(spec_error_names(models::gif_cond_exp{}, key, value), key) << value;
  }
  for (const auto& [key, value] : negative_rejected) {
    EXPECT_EQ(spec_error_names(models::gif_psc_exp{}, key, value), key) << value;
    EXPECT_EQ(spec_error_names(models::gif_cond_exp{}, key, value), key) << value;
  }
  EXPECT_EQ(spec_error_names(models::gif_cond_exp{}, "gsl_error_tol", 0.0), "gsl_error_tol");
  EXPECT_EQ(spec_error_names(models::gif_psc_exp{}, "q_stc_1", "-3 pA"), "params") << "q_stc_1 without tau_stc_1";
  for (const auto& [key, value] : std::vector<std::pair<const char*, const char*>>{
           {"t_ref", "0 ms"}, {"lambda_0", "0 Hz"}, {"lambda_0", "5 Hz"}, {"tau_sfa_2", "0 ms"}, {"tau_stc_1", "5 ms"}})
    EXPECT_EQ(spec_error_names(models::gif_psc_exp{}, key, value), "(accepted)") << key << " " << value;

  // an amplitude without its time constant
  models::gif_psc_exp_params p;
  p.q_sfa_2 = units::voltage_q(3.0);
  ASSERT_NE(models::gif_psc_exp::validate(p), nullptr);
  EXPECT_NE(std::string(models::gif_psc_exp::validate(p)).find("tau_sfa_2"), std::string::npos);
  network net({.dt = units::time_q(0.1), .seed = 1});
  EXPECT_THROW(net.add_population<models::gif_psc_exp>("N", 1, p), parameter_error);
  p.tau_sfa_2 = units::time_q(30.0);
  EXPECT_EQ(models::gif_psc_exp::validate(p), nullptr);
  models::gif_cond_exp_params q;
  q.q_stc_3 = units::current_q(-3.0);
  ASSERT_NE(models::gif_cond_exp::validate(q), nullptr);
  EXPECT_NE(std::string(models::gif_cond_exp::validate(q)).find("tau_stc_3"), std::string::npos);

  // NEST's lists: at most three entries, equal lengths, time constants > 0
  auto list_error = [](std::vector<double> ts, std::vector<double> qs, std::vector<double> tc,
                       std::vector<double> qc) -> std::string {
    models::gif_psc_exp_params r;
    try {
      models::gif_set_lists(r, ts, qs, tc, qc, "gif_psc_exp");
    } catch (const parameter_error& e) {
      return e.what();
    }
    return "(accepted)";
  };
  const std::string four = list_error({1, 2, 3, 4}, {1, 1, 1, 1}, {}, {});
  EXPECT_NE(four.find("tau_sfa"), std::string::npos) << four;
  EXPECT_NE(four.find("at most 3"), std::string::npos) << four;
  EXPECT_NE(list_error({}, {}, {1, 2, 3, 4}, {1, 1, 1, 1}).find("at most 3"), std::string::npos);
  EXPECT_NE(list_error({1, 2}, {1}, {}, {}).find("q_sfa"), std::string::npos);
  EXPECT_NE(list_error({}, {}, {5}, {}).find("q_stc"), std::string::npos);
  EXPECT_NE(list_error({0.0}, {1}, {}, {}).find("time constants > 0"), std::string::npos);
  EXPECT_NE(list_error({}, {}, {-2.0}, {1}).find("tau_stc"), std::string::npos);
  EXPECT_EQ(list_error({1, 2, 3}, {1, 1, 1}, {4, 5, 6}, {1, 1, 1}), "(accepted)");
  // shorter lists leave the other components absent
  models::gif_psc_exp_params r;
  r.tau_sfa_3 = units::time_q(9.0);
  models::gif_set_lists(r, {7.0}, {2.0}, {}, {}, "test");
  EXPECT_EQ(r.tau_sfa_1.value, 7.0);
  EXPECT_EQ(r.q_sfa_1.value, 2.0);
  EXPECT_EQ(r.tau_sfa_3.value, 0.0);
  EXPECT_EQ(models::gif_psc_exp::validate(r), nullptr);
}

}  // namespace test_nest_gif
