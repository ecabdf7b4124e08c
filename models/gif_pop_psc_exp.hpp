#pragma once
// NEST's gif_pop_psc_exp: one node is a POPULATION of N generalized integrate-and-fire neurons with escape noise,
// simulated at the mesoscopic level of Schwalger, Deger & Gerstner (2017, PLoS Comput Biol 13:e1005507): in every
// step the node draws the number n(t) of its neurons that spike and emits one spike of multiplicity n(t). The
// update is NEST 3.10's (its code follows the pseudocode of the paper's Figs. 11 and 12); names, defaults and units
// are NEST's.
//
//   free membrane:  V(t+h) = E_L + (V - E_L) P22 + h_tot,  P22 = exp(-h/tau_m),  h_tot = (I_e + I) P20 + h_ex + h_in
//                   (P20 = tau_m / C_m (1 - P22); h_ex, h_in the exact response to the exponential PSCs over the step)
//   PSCs:           I_syn_X decays with tau_syn_X; a spike of weight w (pA; positive -> ex, negative -> in, NEST's
//                   split by the sign of weight x multiplicity) and multiplicity n adds w n to it
//   escape rate:    lambda(u, theta) = lambda_0 exp((u - theta) / Delta_V)   (lambda_0 in 1/ms here, Hz in NEST)
//   adaptation:     kernel theta(t) = sum_j q_sfa_j exp(-t / tau_sfa_j) (mV), the threshold being V_T_star + the
//                   population-averaged kernel sum over the spike history
// Per step: (1) membrane and PSCs; (2) the free adaptation g_j and E_sfa (NEST's theta_hat: V_T_star + sum_j
// Q30K_j g_j - n[0] theta_tld[0]); (3) one pass over the len_kernel - k_ref most recent history bins (ring index
// k0): each bin's reset voltage u, threshold, hazard P_lambda (0.0005 (lambda_old + lambda_new) h, through
// 1 - exp(-x) above 0.01: NEST's switch), survivors m and variance v; (4) the expected number of spikes `mean` =
// W + P_free x + P_Lambda (N - X - x); (5) n(t) ~ Binomial(N, mean / N) (BinoRand true) or Poisson(mean) clipped
// to N (BinoRand false, with NEST's clip at N for mean > N); (6) the oldest bin merges into x, z; the newest gets
// n(t) neurons at V_reset. `n_events` holds n(t), the spike's payload.
//
// History: len_kernel bins of h. len_kernel < 1 (NEST's default -1) takes NEST's automatic length: from 20 s / h
// down while theta(k h) / Delta_V < 0.1 and k > 5 tau_m / h, at least t_ref / h + 1 (e.g. 2748 bins at h = 0.1
// ms with the defaults). volley's state is fixed-size per model: the history has max_history = 4096 bins (state
// n_hist_*, m_hist_*, v_hist_*, u_hist_*, lambda_hist_*; 20480 reals per population); a longer kernel (explicit or
// automatic) is refused when the network is built, with the length and the cap in the error: take a larger dt, a
// shorter len_kernel or faster adaptation. At most max_sfa = 4 adaptation components (q_sfa_k, tau_sfa_k; NEST's
// lists map onto them in order; q_sfa_k = 0 switches one off exactly). The history is initialized (NEST's
// InitPopulations: all N neurons in the oldest bin) by the first update, which knows dt; NEST does it in the first
// pre_run_hook after a state change.
//
// Randomness: one counter-based stream per (seed, population, node, step) (needs_stream), so counts do not depend
// on threads; they agree with NEST in distribution, not draw by draw.
//
// Differs from NEST: the cap on len_kernel and on the number of adaptation components; tau_syn_ex or tau_syn_in
// equal to tau_m is refused (NEST divides by tau_syn - tau_m and produces NaN); NEST re-initializes the history when
// a state variable is set between Simulate calls, volley keeps it. CPU only (cpu_only): the history is too large
// for a GPU thread's state; the simulator refuses the GPU backend for it and backend automatic takes the CPU.
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "engine/config.hpp"
#include "engine/error.hpp"
#include "engine/param.hpp"
#include "engine/random.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps: NEST's Time(ms(t)).get_steps()
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

namespace gif_pop {
inline constexpr int max_history = 4096;  // history bins (len_kernel) per population
inline constexpr int max_sfa = 4;         // adaptation components
}  // namespace gif_pop

struct gif_pop_psc_exp_params {
  units::dimensionless_q N{100.0};  // neurons in the population (NEST: long)
  units::time_q tau_m{20.0};
  units::capacitance_q C_m{250.0};
  units::rate_q lambda_0{0.01};            // 1/ms (NEST: 10 Hz)
  units::voltage_q Delta_V{2.0};
  units::dimensionless_q len_kernel{-1.0};  // bins; < 1: automatic (NEST: long)
  units::current_q I_e{0.0};
  units::voltage_q V_reset{0.0};
  units::voltage_q V_T_star{15.0};
  units::voltage_q E_L{0.0};
  units::time_q t_ref{4.0};
  units::time_q tau_syn_ex{3.0};
  units::time_q tau_syn_in{6.0};
  bool BinoRand = true;
  units::voltage_q q_sfa_1{0.5}, q_sfa_2{0.0}, q_sfa_3{0.0}, q_sfa_4{0.0};
  units::time_q tau_sfa_1{300.0}, tau_sfa_2{300.0}, tau_sfa_3{300.0}, tau_sfa_4{300.0};
};

struct gif_pop_psc_exp_constants {
  double N;                                   // neurons
  double h;                                   // ms
  double tau_m, C_m, tau_syn_ex, tau_syn_in;  // ms, pF
  double E_L, V_reset, V_T_star, Delta_V;     // mV
  double lambda_0;                            // Hz, as NEST computes with it
  double I_e;                                 // pA
  double P22, P20, P11_ex, P11_in;            // decays; P20 in mV/pA
  int len;                                    // history bins
  int k_ref;                                  // refractory bins
  int n_sfa;                                  // adaptation components in use (the rest have q = 0)
  bool binomial;                              // BinoRand
  double Q30[gif_pop::max_sfa], Q30K[gif_pop::max_sfa];
  double theta[gif_pop::max_history];      // mV: adaptation kernel at lag len - k
  double theta_tld[gif_pop::max_history];  // mV: its per-neuron effect Delta_V (1 - exp(-theta / Delta_V)) / N
};

namespace gif_pop {
// sum_j q_j exp(-k h / tau_j): NEST's adaptation_kernel(k), mV
inline double adaptation_kernel(const gif_pop_psc_exp_params& p, int k, double h) {
  const double q[max_sfa] = {p.q_sfa_1.value, p.q_sfa_2.value, p.q_sfa_3.value, p.q_sfa_4.value};
  const double tau[max_sfa] = {p.tau_sfa_1.value, p.tau_sfa_2.value, p.tau_sfa_3.value, p.tau_sfa_4.value};
  double theta = 0;
  for (int j = 0; j < max_sfa; ++j)
    if (q[j] != 0) theta += q[j] * std::exp(-k * h / tau[j]);
  return theta;
}
// NEST's get_history_size (the paper's GetHistoryLength): the automatic len_kernel, in bins
inline int automatic_history(const gif_pop_psc_exp_params& p, double h) {
  const double tmax = 20000.0;  // ms
  int k = static_cast<int>(tmax / h);
  const int kmin = static_cast<int>(5 * p.tau_m.value / h);
  while (adaptation_kernel(p, k, h) / p.Delta_V.value < 0.1 && k > kmin) --k;
  if (k * h <= p.t_ref.value) k = static_cast<int>(p.t_ref.value / h) + 1;
  return k;
}

struct history_names {
  char text[5 * max_history][20]{};
};
inline const history_names& names() {
  static const history_names n = [] {
    history_names out;
    const char* prefix[5] = {"n_hist_", "m_hist_", "v_hist_", "u_hist_", "lambda_hist_"};
    for (int a = 0; a < 5; ++a)
      for (int k = 0; k < max_history; ++k)
        std::snprintf(out.text[a * max_history + k], sizeof(out.text[0]), "%s%d", prefix[a], k);
    return out;
  }();
  return n;
}
}  // namespace gif_pop

struct gif_pop_psc_exp {
  static constexpr const char* name = "gif_pop_psc_exp";
  static constexpr const char* description =
      "NEST gif_pop_psc_exp: a population of N GIF neurons with escape noise as one node (Schwalger et al. 2017 "
      "mesoscopic model), emitting one spike of multiplicity n(t) per step; exponential PSCs in pA (CPU only)";
  static constexpr int L = gif_pop::max_history;
  enum : int {
    V_m,
    n_events,
    E_sfa,
    mean,
    I_syn_ex,
    I_syn_in,
    lambda_free,  // Hz: free escape rate of the previous step
    x,            // neurons (expected) in the merged old bin
    z,            // their variance
    k0,           // ring index of the oldest bin
    initialized,  // 0 until the first update builds the history
    g_1,          // 1/ms: free adaptation traces, max_sfa of them
    n_hist = g_1 + gif_pop::max_sfa,  // spikes of each bin (L of each array, ring order)
    m_hist = n_hist + L,              // expected survivors
    v_hist = m_hist + L,              // their variance
    u_hist = v_hist + L,              // mV: membrane potential since the bin's spike
    lambda_hist = u_hist + L,         // Hz: escape rate of the bin in the previous step
    n_state = lambda_hist + L
  };
  static constexpr int membrane = V_m;
  static constexpr bool routes_by_sign = true;
  static constexpr bool needs_stream = true;
  static constexpr int spike_payload = n_events;
  static constexpr bool spike_payload_counts = true;
  static constexpr bool cpu_only = true;
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static inline const std::array<state_field, n_state> state_fields = [] {
    std::array<state_field, n_state> f{};
    const auto none = units::dims::none, mV = units::dims::voltage, pA = units::dims::current;
    f[V_m] = {"V_m", mV};
    f[n_events] = {"n_events", none};
    f[E_sfa] = {"E_sfa", mV};
    f[mean] = {"mean", none};
    f[I_syn_ex] = {"I_syn_ex", pA};
    f[I_syn_in] = {"I_syn_in", pA};
    f[lambda_free] = {"lambda_free", none};
    f[x] = {"x", none};
    f[z] = {"z", none};
    f[k0] = {"k0", none};
    f[initialized] = {"initialized", none};
    static const char* g_names[gif_pop::max_sfa] = {"g_sfa_1", "g_sfa_2", "g_sfa_3", "g_sfa_4"};
    for (int j = 0; j < gif_pop::max_sfa; ++j) f[g_1 + j] = {g_names[j], units::dims::rate};
    const auto& n = gif_pop::names();
    for (int k = 0; k < 5 * L; ++k) f[n_hist + k] = {n.text[k], k >= 3 * L && k < 4 * L ? mV : none};
    return f;
  }();

  using params = gif_pop_psc_exp_params;
  using constants = gif_pop_psc_exp_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("N", p.N, range_check::any);
    f("tau_m", p.tau_m, range_check::any);
    f("C_m", p.C_m, range_check::any);
    f("lambda_0", p.lambda_0, range_check::any);
    f("Delta_V", p.Delta_V, range_check::any);
    f("len_kernel", p.len_kernel, range_check::any);
    f("I_e", p.I_e, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_T_star", p.V_T_star, range_check::any);
    f("E_L", p.E_L, range_check::any);
    f("t_ref", p.t_ref, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::any);
    f("tau_syn_in", p.tau_syn_in, range_check::any);
    f("BinoRand", p.BinoRand, range_check::any);
    f("q_sfa_1", p.q_sfa_1, range_check::any);
    f("q_sfa_2", p.q_sfa_2, range_check::any);
    f("q_sfa_3", p.q_sfa_3, range_check::any);
    f("q_sfa_4", p.q_sfa_4, range_check::any);
    f("tau_sfa_1", p.tau_sfa_1, range_check::any);
    f("tau_sfa_2", p.tau_sfa_2, range_check::any);
    f("tau_sfa_3", p.tau_sfa_3, range_check::any);
    f("tau_sfa_4", p.tau_sfa_4, range_check::any);
  }
  // NEST's BadProperty checks (its wording), then what volley adds.
  static const char* validate(const params& p) {
    if (!(p.C_m.value > 0)) return "Capacitance must be strictly positive.";
    if (!(p.tau_m.value > 0)) return "The membrane time constants must be strictly positive.";
    if (!(p.tau_syn_ex.value > 0) || !(p.tau_syn_in.value > 0))
      return "The synaptic time constants must be strictly positive.";
    if (!(p.tau_sfa_1.value > 0) || !(p.tau_sfa_2.value > 0) || !(p.tau_sfa_3.value > 0) || !(p.tau_sfa_4.value > 0))
      return "All time constants must be strictly positive.";
    if (!(p.N.value > 0)) return "Number of neurons must be positive.";
    if (p.N.value != std::floor(p.N.value) || !(p.N.value <= 2147483647.0))
      return "N (number of neurons) must be a whole number below 2^31 (NEST reads a long).";
    if (!(p.lambda_0.value >= 0)) return "lambda_0 must be positive.";
    if (!(p.Delta_V.value > 0)) return "Delta_V must be strictly positive.";
    if (!(p.t_ref.value >= 0)) return "Absolute refractory period cannot be negative.";
    if (p.len_kernel.value != std::floor(p.len_kernel.value))
      return "len_kernel (history bins) must be a whole number (NEST reads a long); < 1 takes the automatic length.";
    if (p.tau_syn_ex.value == p.tau_m.value || p.tau_syn_in.value == p.tau_m.value)
      return "tau_syn_ex and tau_syn_in must differ from tau_m (NEST's update divides by tau_syn - tau_m).";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c{};
    c.N = p.N.value;
    c.h = h;
    c.tau_m = p.tau_m.value;
    c.C_m = p.C_m.value;
    c.tau_syn_ex = p.tau_syn_ex.value;
    c.tau_syn_in = p.tau_syn_in.value;
    c.E_L = p.E_L.value;
    c.V_reset = p.V_reset.value;
    c.V_T_star = p.V_T_star.value;
    c.Delta_V = p.Delta_V.value;
    c.lambda_0 = p.lambda_0.value * 1e3;
    c.I_e = p.I_e.value;
    c.P22 = std::exp(-h / c.tau_m);
    c.P20 = c.tau_m / c.C_m * (1 - c.P22);
    c.P11_ex = std::exp(-h / c.tau_syn_ex);
    c.P11_in = std::exp(-h / c.tau_syn_in);
    c.binomial = p.BinoRand;
    const double len = p.len_kernel.value < 1 ? gif_pop::automatic_history(p, h) : p.len_kernel.value;
    if (!(len <= gif_pop::max_history)) {
      char got[96];
      std::snprintf(got, sizeof got, "%.0f bins (%s, dt = %g ms)", len,
                    p.len_kernel.value < 1 ? "automatic" : "given", h);
      throw parameter_error(name, "len_kernel", got,
                            "at most " + std::to_string(gif_pop::max_history) +
                                " history bins (volley's fixed state; take a larger dt, a shorter len_kernel or "
                                "faster adaptation)");
    }
    c.len = static_cast<int>(len);
    c.k_ref = static_cast<int>(nest_refractory_steps(p.t_ref.value, h));
    const double q[gif_pop::max_sfa] = {p.q_sfa_1.value, p.q_sfa_2.value, p.q_sfa_3.value, p.q_sfa_4.value};
    const double tau[gif_pop::max_sfa] = {p.tau_sfa_1.value, p.tau_sfa_2.value, p.tau_sfa_3.value,
                                          p.tau_sfa_4.value};
    c.n_sfa = 0;
    for (int j = 0; j < gif_pop::max_sfa; ++j) {
      if (q[j] == 0) continue;  // contributes exactly nothing: skipped
      // NEST multiplies by tau_sfa here: the paper's J is J tau_sfa
      c.Q30K[c.n_sfa] = q[j] * tau[j] * std::exp(-h * c.len / tau[j]);
      c.Q30[c.n_sfa] = std::exp(-h / tau[j]);
      ++c.n_sfa;
    }
    for (int k = 0; k < c.len; ++k) {
      c.theta[k] = gif_pop::adaptation_kernel(p, c.len - k, h);
      c.theta_tld[k] = c.Delta_V * (1. - std::exp(-c.theta[k] / c.Delta_V)) / c.N;
    }
    return c;
  }
  static void initial_state(const params&, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;  // NEST's State_: V_m = 0 mV whatever E_L; history built later
  }

  // NEST's InitPopulations: every neuron in the oldest bin (it has not spiked for len bins).
  static void init_history(const constants& c, real_t* s) {
    for (int k = 0; k < L; ++k)
      s[n_hist + k] = s[m_hist + k] = s[v_hist + k] = s[u_hist + k] = s[lambda_hist + k] = 0;
    s[n_hist + c.len - 1] = s[m_hist + c.len - 1] = static_cast<real_t>(c.N);
    s[x] = s[z] = s[k0] = s[lambda_free] = 0;
    for (int j = 0; j < gif_pop::max_sfa; ++j) s[g_1 + j] = 0;
    s[initialized] = 1;
  }

  // Everything of one step before the draw (membrane, PSCs, adaptation, hazards, survivors); writes and returns
  // `mean`, the expected number of spikes. commit() then enters the drawn count. Split so that tests can replay
  // NEST's counts and compare the deterministic rest.
  static double expect(const constants& c, real_t* s, const neuron_input& in) {
    if (s[initialized] == 0) init_history(c, s);
    const double h = c.h;
    double h_tot = (c.I_e + in.current) * c.P20 + c.E_L;
    // arriving weights as the paper's J N A, in mV/ms (rescaled by tau_syn / C_m)
    const double JNA_ex = in.port[0] / h * c.tau_syn_ex / c.C_m;
    const double JNA_in = in.port[1] / h * c.tau_syn_in / c.C_m;
    double JNy_ex = s[I_syn_ex] / c.C_m, JNy_in = s[I_syn_in] / c.C_m;
    const double h_ex_tmp =
        c.tau_syn_ex * c.P11_ex * (JNy_ex - JNA_ex) - c.P22 * (c.tau_syn_ex * JNy_ex - c.tau_m * JNA_ex);
    const double h_in_tmp =
        c.tau_syn_in * c.P11_in * (JNy_in - JNA_in) - c.P22 * (c.tau_syn_in * JNy_in - c.tau_m * JNA_in);
    const double h_ex = c.tau_m * (JNA_ex + h_ex_tmp / (c.tau_syn_ex - c.tau_m));
    const double h_in = c.tau_m * (JNA_in + h_in_tmp / (c.tau_syn_in - c.tau_m));
    h_tot += h_ex + h_in;
    JNy_ex = JNA_ex + (JNy_ex - JNA_ex) * c.P11_ex;
    JNy_in = JNA_in + (JNy_in - JNA_in) * c.P11_in;
    s[I_syn_ex] = static_cast<real_t>(JNy_ex * c.C_m);
    s[I_syn_in] = static_cast<real_t>(JNy_in * c.C_m);

    const int len = c.len, ring = static_cast<int>(s[k0]);
    real_t* n = s + n_hist;
    real_t* m = s + m_hist;
    real_t* v = s + v_hist;
    real_t* u = s + u_hist;
    real_t* lam = s + lambda_hist;
    double W = 0, X = 0, Y = 0, Z = 0;
    double theta_hat = c.V_T_star;
    const double V = (s[V_m] - c.E_L) * c.P22 + h_tot;
    s[V_m] = static_cast<real_t>(V);
    for (int j = 0; j < c.n_sfa; ++j) {
      const double g = s[g_1 + j] * c.Q30[j] + (1. - c.Q30[j]) * n[ring] / (c.N * h);
      s[g_1 + j] = static_cast<real_t>(g);
      theta_hat += c.Q30K[j] * g;
    }
    double lambda_tld = c.lambda_0 * std::exp((V - theta_hat) / c.Delta_V);
    const double P_free = 1 - std::exp(-0.0005 * (s[lambda_free] + lambda_tld) * h);
    s[lambda_free] = static_cast<real_t>(lambda_tld);
    theta_hat -= n[0] * c.theta_tld[0];  // n[0], not n[k0]: NEST's index, kept
    s[E_sfa] = static_cast<real_t>(theta_hat);
    for (int k = 0; k < len; ++k) X += m[k];
    for (int km = 0; km < len - c.k_ref; ++km) {
      int k = ring + km;
      if (k >= len) k -= len;
      const double theta = c.theta[km] + theta_hat;
      theta_hat += n[k] * c.theta_tld[km];
      const double uk = (u[k] - c.E_L) * c.P22 + h_tot;
      u[k] = static_cast<real_t>(uk);
      lambda_tld = c.lambda_0 * std::exp((uk - theta) / c.Delta_V);
      double P_lambda = 0.0005 * (lambda_tld + lam[k]) * h;
      if (P_lambda > 0.01) P_lambda = 1. - std::exp(-P_lambda);
      lam[k] = static_cast<real_t>(lambda_tld);
      Y += P_lambda * v[k];
      Z += v[k];
      W += P_lambda * m[k];
      const double ompl = 1. - P_lambda;
      v[k] = static_cast<real_t>(ompl * ompl * v[k] + P_lambda * m[k]);
      m[k] = static_cast<real_t>(ompl * m[k]);
    }
    const double P_Lambda = Z + s[z] > 0.0 ? (Y + P_free * s[z]) / (Z + s[z]) : 0.0;
    const double expected = W + P_free * s[x] + P_Lambda * (c.N - X - s[x]);
    s[mean] = static_cast<real_t>(expected);
    // the oldest bin joins the merged one (NEST does this after its draw; it does not depend on it)
    const double ompf = 1 - P_free;
    s[z] = static_cast<real_t>(ompf * ompf * s[z] + s[x] * P_free + v[ring]);
    s[x] = static_cast<real_t>(s[x] * ompf + m[ring]);
    return expected;
  }

  // Enters the drawn count `spikes` as the newest bin and advances the ring.
  VOLLEY_HD VOLLEY_INLINE static void commit(const constants& c, real_t* s, double spikes) {
    const int ring = static_cast<int>(s[k0]);
    s[n_events] = static_cast<real_t>(spikes);
    s[n_hist + ring] = s[m_hist + ring] = static_cast<real_t>(spikes);
    s[v_hist + ring] = 0;
    s[u_hist + ring] = static_cast<real_t>(c.V_reset);
    s[lambda_hist + ring] = 0;
    s[k0] = static_cast<real_t>(ring + 1 == c.len ? 0 : ring + 1);
  }

  // NEST's draw_binomial / draw_poisson (with their clips) on volley's stream.
  static double draw(const constants& c, double expected, rng::random_stream& rs) {
    if (c.binomial) {
      const double p = expected / c.N;
      if (p >= 1.) return c.N;
      if (p <= 0.) return 0;
      return static_cast<double>(rs.binomial(static_cast<std::uint64_t>(c.N), p));
    }
    if (expected > c.N) return c.N;
    if (!(expected > std::numeric_limits<double>::min())) return 0;
    const double k = rs.poisson(expected);
    return k > c.N ? c.N : k;
  }

  // CPU only (cpu_only): host code, never instantiated in a GPU kernel.
  static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const double expected = expect(c, s, in);
    const double spikes = draw(c, expected, *in.stream);
    commit(c, s, spikes);
    return spikes > 0;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::gif_pop_psc_exp)
