#pragma once
// What NEST's two generalized integrate-and-fire models with escape noise (models/gif_psc_exp.hpp,
// models/gif_cond_exp.hpp; Mensi et al. 2012, Pozzorini et al. 2015) share: the spike-triggered current (stc),
// the spike-frequency adaptation of the threshold (sfa), the escape-noise spike draw and the refractory clamp, as
// NEST 3.10 updates them. (Not volley's BrainPy-style `Gif`, models/gif.hpp: a different model.)
//
//   stc_j (pA)   d stc_j/dt = -stc_j / tau_stc_j,   a spike adds q_stc_j;   I_stc = sum_j stc_j  (enters C dV/dt as -I_stc)
//   sfa_j (mV)   d sfa_j/dt = -sfa_j / tau_sfa_j,   a spike adds q_sfa_j;   E_sfa = V_T_star + sum_j sfa_j
//   hazard       lambda = lambda_0 exp((V - E_sfa) / Delta_V)      (1/ms here; NEST's parameter is in 1/s)
//   a step that is not refractory spikes with probability 1 - exp(-lambda dt): the model draws one uniform u in
//   (0, 1) per neuron-step (needs_uniform; NEST draws from its own generator, so single spike trains cannot agree,
//   only their statistics) and spikes when u < -expm1(-lambda dt) (and lambda > 0, as NEST tests it).
//
// NEST's order at the start of every step: I_stc and E_sfa are summed from the components as they stand (so both
// show a spike's jump only from the step after the spike, and the recorded values are those of the start of the
// step), then each component decays by exp(-dt/tau). The membrane step follows (model header). A spike adds the
// jumps to the (decayed) components and starts t_ref (NEST's Time(ms(t_ref)).get_steps(): rounded up to whole
// steps, nest_refractory_steps) of refractory steps. V is NOT reset at the spike step (NEST records the crossing
// value); each of the following refractory steps counts down and sets V = V_reset. With t_ref = 0 (NEST accepts it)
// V is never reset.
//
// NEST's lists (tau_sfa, q_sfa, tau_stc, q_stc: any equal-length pairs, empty by default) are up to three fixed
// components here: tau_sfa_1..3, q_sfa_1..3, tau_stc_1..3, q_stc_1..3. Component j is absent when tau_x_j = 0 (the
// default; its q must then be 0 too): absent components hold 0 and add nothing, so the defaults are NEST's empty
// lists. gif_set_lists maps NEST's lists onto them (entry i -> component i + 1, the rest absent) and refuses lists of
// unequal length, more than three entries, or a time constant <= 0 (NEST's own checks) with a clear error.
// Units: q_stc is added to the pA currents unscaled (NEST's comments say nA; its code uses it as pA, and so does the
// reference test), q_sfa in mV.
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "engine/error.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps
#include "models/model_kit.hpp"

namespace volley::models {

inline constexpr int gif_max_components = 3;

// The parameters both models share (NEST's names, defaults and units).
struct gif_common_params {
  units::conductance_q g_L{4.0};
  units::voltage_q E_L{-70.0};
  units::voltage_q V_reset{-55.0};
  units::voltage_q Delta_V{0.5};
  units::voltage_q V_T_star{-35.0};
  units::rate_q lambda_0{0.001};  // 1/ms (NEST: lambda_0 = 1.0 in 1/s)
  units::time_q t_ref{4.0};
  units::capacitance_q C_m{80.0};
  units::current_q I_e{0.0};
  units::time_q tau_syn_ex{2.0};
  units::time_q tau_syn_in{2.0};
  // up to three components each; tau 0 = absent (NEST's default: empty lists)
  units::time_q tau_sfa_1{0.0}, tau_sfa_2{0.0}, tau_sfa_3{0.0};
  units::voltage_q q_sfa_1{0.0}, q_sfa_2{0.0}, q_sfa_3{0.0};
  units::time_q tau_stc_1{0.0}, tau_stc_2{0.0}, tau_stc_3{0.0};
  units::current_q q_stc_1{0.0}, q_stc_2{0.0}, q_stc_3{0.0};
};

template <class P, class F>
void gif_each_common_param(P& p, F&& f) {
  f("g_L", p.g_L, range_check::positive);
  f("E_L", p.E_L, range_check::any);
  f("V_reset", p.V_reset, range_check::any);
  f("Delta_V", p.Delta_V, range_check::positive);
  f("V_T_star", p.V_T_star, range_check::any);
  f("lambda_0", p.lambda_0, range_check::non_negative);
  f("t_ref", p.t_ref, range_check::non_negative);
  f("C_m", p.C_m, range_check::positive);
  f("I_e", p.I_e, range_check::any);
  f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
  f("tau_syn_in", p.tau_syn_in, range_check::positive);
  f("tau_sfa_1", p.tau_sfa_1, range_check::non_negative);
  f("tau_sfa_2", p.tau_sfa_2, range_check::non_negative);
  f("tau_sfa_3", p.tau_sfa_3, range_check::non_negative);
  f("q_sfa_1", p.q_sfa_1, range_check::any);
  f("q_sfa_2", p.q_sfa_2, range_check::any);
  f("q_sfa_3", p.q_sfa_3, range_check::any);
  f("tau_stc_1", p.tau_stc_1, range_check::non_negative);
  f("tau_stc_2", p.tau_stc_2, range_check::non_negative);
  f("tau_stc_3", p.tau_stc_3, range_check::non_negative);
  f("q_stc_1", p.q_stc_1, range_check::any);
  f("q_stc_2", p.q_stc_2, range_check::any);
  f("q_stc_3", p.q_stc_3, range_check::any);
}

inline std::array<double, 3> gif_tau_sfa(const gif_common_params& p) {
  return {p.tau_sfa_1.value, p.tau_sfa_2.value, p.tau_sfa_3.value};
}
inline std::array<double, 3> gif_q_sfa(const gif_common_params& p) {
  return {p.q_sfa_1.value, p.q_sfa_2.value, p.q_sfa_3.value};
}
inline std::array<double, 3> gif_tau_stc(const gif_common_params& p) {
  return {p.tau_stc_1.value, p.tau_stc_2.value, p.tau_stc_3.value};
}
inline std::array<double, 3> gif_q_stc(const gif_common_params& p) {
  return {p.q_stc_1.value, p.q_stc_2.value, p.q_stc_3.value};
}

// A component with an amplitude needs a time constant (tau 0 marks it absent).
inline const char* gif_validate_common(const gif_common_params& p) {
  static constexpr const char* sfa_msg[3] = {"q_sfa_1 != 0 needs tau_sfa_1 > 0 (tau_sfa_1 = 0 marks it absent)",
                                             "q_sfa_2 != 0 needs tau_sfa_2 > 0 (tau_sfa_2 = 0 marks it absent)",
                                             "q_sfa_3 != 0 needs tau_sfa_3 > 0 (tau_sfa_3 = 0 marks it absent)"};
  static constexpr const char* stc_msg[3] = {"q_stc_1 != 0 needs tau_stc_1 > 0 (tau_stc_1 = 0 marks it absent)",
                                             "q_stc_2 != 0 needs tau_stc_2 > 0 (tau_stc_2 = 0 marks it absent)",
                                             "q_stc_3 != 0 needs tau_stc_3 > 0 (tau_stc_3 = 0 marks it absent)"};
  const auto ts = gif_tau_sfa(p), qs = gif_q_sfa(p), tc = gif_tau_stc(p), qc = gif_q_stc(p);
  for (int j = 0; j < 3; ++j) {
    if (ts[j] == 0 && qs[j] != 0) return sfa_msg[j];
    if (tc[j] == 0 && qc[j] != 0) return stc_msg[j];
  }
  return nullptr;
}

// NEST's lists onto the fixed components (host only). Throws parameter_error (naming `where`) for lists of unequal
// length, more than gif_max_components entries or a time constant <= 0.
inline void gif_set_lists(gif_common_params& p, const std::vector<double>& tau_sfa, const std::vector<double>& q_sfa,
                          const std::vector<double>& tau_stc, const std::vector<double>& q_stc,
                          const std::string& where) {
  auto text = [](const std::vector<double>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
  };
  auto check = [&](const char* tau_name, const char* q_name, const std::vector<double>& tau,
                   const std::vector<double>& q) {
    if (tau.size() != q.size())
      throw parameter_error(where, q_name, text(q),
                            "as many entries as " + std::string(tau_name) + " (" + std::to_string(tau.size()) + ")");
    if (tau.size() > static_cast<std::size_t>(gif_max_components))
      throw parameter_error(where, tau_name, text(tau),
                            "at most " + std::to_string(gif_max_components) +
                                " components (volley's gif models have a fixed number of adaptation components)");
    for (double t : tau)
      if (!(t > 0)) throw parameter_error(where, tau_name, text(tau), "time constants > 0 (ms)");
  };
  check("tau_sfa", "q_sfa", tau_sfa, q_sfa);
  check("tau_stc", "q_stc", tau_stc, q_stc);
  units::time_q* ts[3] = {&p.tau_sfa_1, &p.tau_sfa_2, &p.tau_sfa_3};
  units::voltage_q* qs[3] = {&p.q_sfa_1, &p.q_sfa_2, &p.q_sfa_3};
  units::time_q* tc[3] = {&p.tau_stc_1, &p.tau_stc_2, &p.tau_stc_3};
  units::current_q* qc[3] = {&p.q_stc_1, &p.q_stc_2, &p.q_stc_3};
  for (std::size_t j = 0; j < 3; ++j) {
    *ts[j] = units::time_q(j < tau_sfa.size() ? tau_sfa[j] : 0.0);
    *qs[j] = units::voltage_q(j < q_sfa.size() ? q_sfa[j] : 0.0);
    *tc[j] = units::time_q(j < tau_stc.size() ? tau_stc[j] : 0.0);
    *qc[j] = units::current_q(j < q_stc.size() ? q_stc[j] : 0.0);
  }
}

// What the update needs of the adaptation and the escape noise.
struct gif_adaptation_constants {
  real_t P_sfa[3], q_sfa[3];  // decay factor exp(-dt/tau) (0 when absent), jump (mV)
  real_t P_stc[3], q_stc[3];  // decay factor, jump (pA)
  real_t V_T_star, Delta_V;   // mV
  real_t lambda_0;            // 1/ms
  real_t dt;                  // ms
  real_t V_reset;             // mV
  real_t ref_steps;           // NEST's steps of t_ref (may be 0)
};

inline gif_adaptation_constants gif_derive_adaptation(const gif_common_params& p, double h) {
  gif_adaptation_constants c{};
  const auto ts = gif_tau_sfa(p), qs = gif_q_sfa(p), tc = gif_tau_stc(p), qc = gif_q_stc(p);
  for (int j = 0; j < 3; ++j) {
    c.P_sfa[j] = static_cast<real_t>(ts[j] > 0 ? std::exp(-h / ts[j]) : 0.0);
    c.q_sfa[j] = static_cast<real_t>(ts[j] > 0 ? qs[j] : 0.0);
    c.P_stc[j] = static_cast<real_t>(tc[j] > 0 ? std::exp(-h / tc[j]) : 0.0);
    c.q_stc[j] = static_cast<real_t>(tc[j] > 0 ? qc[j] : 0.0);
  }
  c.V_T_star = static_cast<real_t>(p.V_T_star.value);
  c.Delta_V = static_cast<real_t>(p.Delta_V.value);
  c.lambda_0 = static_cast<real_t>(p.lambda_0.value);
  c.dt = static_cast<real_t>(h);
  c.V_reset = static_cast<real_t>(p.V_reset.value);
  c.ref_steps = static_cast<real_t>(nest_refractory_steps(p.t_ref.value, h));
  return c;
}

// Start of a step: I_stc and E_sfa from the components as they stand (written to s[I_stc], s[E_sfa]), then the
// components decay. Indices: the first of three consecutive sfa_j / stc_j states.
VOLLEY_HD VOLLEY_INLINE void gif_adaptation_begin(const gif_adaptation_constants& c, real_t* s, int I_stc, int E_sfa,
                                                  int sfa_1, int stc_1) {
  real_t stc = 0;
  for (int j = 0; j < 3; ++j) {
    stc += s[stc_1 + j];
    s[stc_1 + j] = c.P_stc[j] * s[stc_1 + j];
  }
  real_t sfa = c.V_T_star;
  for (int j = 0; j < 3; ++j) {
    sfa += s[sfa_1 + j];
    s[sfa_1 + j] = c.P_sfa[j] * s[sfa_1 + j];
  }
  s[I_stc] = stc;
  s[E_sfa] = sfa;
}

// The escape-noise draw of a neuron that is not refractory, from its new V and this step's E_sfa.
VOLLEY_HD VOLLEY_INLINE bool gif_escape(const gif_adaptation_constants& c, real_t V, real_t E_sfa, real_t u) {
  const real_t lambda = c.lambda_0 * std::exp((V - E_sfa) / c.Delta_V);
  return lambda > 0 && u < -std::expm1(-lambda * c.dt);
}

// End of a step: a refractory neuron counts down with V = V_reset; otherwise the escape-noise draw (u: this
// neuron-step's uniform), and a spike adds the jumps to the components and starts the refractory count (V stays).
// v and s[refractory] are updated; true on a spike. Branch-free (selects).
VOLLEY_HD VOLLEY_INLINE bool gif_spike_or_refractory(const gif_adaptation_constants& c, real_t* s, int refractory,
                                                     int sfa_1, int stc_1, real_t E_sfa, real_t& v, real_t u) {
  const bool refractory_now = s[refractory] > 0;
  const bool spike = !refractory_now && gif_escape(c, v, E_sfa, u);
  for (int j = 0; j < 3; ++j) {
    s[stc_1 + j] = spike ? s[stc_1 + j] + c.q_stc[j] : s[stc_1 + j];
    s[sfa_1 + j] = spike ? s[sfa_1 + j] + c.q_sfa[j] : s[sfa_1 + j];
  }
  s[refractory] = spike ? c.ref_steps : (refractory_now ? s[refractory] - 1 : s[refractory]);
  v = refractory_now ? c.V_reset : v;
  return spike;
}

}  // namespace volley::models
