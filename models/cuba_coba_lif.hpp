#pragma once
// CubaLIF and CobaLIF: leaky integrate-and-fire neurons with built-in exponential synapses, the two names of the
// BrainPy-style catalog that brainpy.state has no class for (there a LIF is combined with an Expon synapse and a
// CUBA or COBA output in a projection); volley defines them as follows.
//
// CubaLIF: the current-based LIF of Lava/Loihi (LIF with u, v), snnTorch's Synaptic and Norse's LIF.
//   tau_syn dI_syn/dt = -I_syn                     a spike of weight w (pA) on port "syn" adds w to I_syn
//   tau     dV/dt     = -(V - V_rest) + R (I_syn + I)    I: the neuron's current input (pA), R in GOhm
// Defaults: brainpy.state's LIF (R 1 ohm, tau 5 ms, V_th 1 mV, V_reset 0, V_rest 0, spk_reset soft, no refractory
// period: tau_ref 0) and its Expon synapse (tau_syn = Expon's tau, 8 ms). Weights in pA: with R = 1 ohm a weight
// must be of order 1e9 pA (1 mA) to move V by millivolts, as with brainpy.state's LIF and a CUBA output.
//
// CobaLIF: the conductance-based LIF of the COBA benchmark (Vogels & Abbott 2005; Brette et al. 2007, benchmark 1).
//   tau dV/dt = -(V - V_rest) + R (g_e (E_e - V) + g_i (E_i - V) + I)
//   tau_e dg_e/dt = -g_e,  tau_i dg_i/dt = -g_i    g in nS, R in GOhm: R g is dimensionless
// Ports as NEST's conductance models (models/iaf_cond_exp.hpp): "ex" (nS) adds its weights to g_e, "in" (nS)
// carries negative weights and g_i grows by their magnitude (g_i -= w); a projection without a receptor name is
// routed by the sign of its weights (routes_by_sign). A positive weight sent to "in" by name lowers g_i.
// Defaults: the COBA benchmark (../shared/benchmarks.md): tau 20 ms, V_rest = V_reset = -60 mV, V_th -50 mV,
// tau_ref 5 ms with V held at V_reset (spk_reset hard), tau_e 5 ms, tau_i 10 ms, E_e 0 mV, E_i -80 mV,
// R = 1/g_leak = 0.1 GOhm (g_leak 10 nS, C = tau g_leak = 200 pF). Its drive of 200 pA gives V_inf = -40 mV.
//
// One step (brainpy.state's exponential Euler with the inputs held over the step), in this order:
//  1. V takes an exponential-Euler step with the synaptic variables of the START of the step (before this step's
//     decay and arrivals) and the current I of the step, all held over the step; then V += delta input (mV).
//     CubaLIF: v_inf = V_rest + R (I + I_syn), V <- v_inf + (V - v_inf) exp(-dt/tau) (models/lif.hpp's step).
//     CobaLIF: exact for frozen g: G = (1 + R (g_e + g_i)) / tau (1/ms; effective time constant 1/G =
//     tau / (1 + R (g_e + g_i))), f = (V_rest - V + R (g_e (E_e - V) + g_i (E_i - V) + I)) / tau (mV/ms),
//     V <- V + dt phi(-G dt) f, phi(z) = (e^z - 1)/z (models/exp_euler.hpp) = V_inf + (V - V_inf) exp(-G dt) with
//     the effective reversal V_inf = (V_rest + R (g_e E_e + g_i E_i + I)) / (1 + R (g_e + g_i)). This is
//     brainstate's exp_euler_step on the COBA-driven membrane, whose Jacobian includes -R g / tau.
//  2. The synaptic variables decay exactly over the step, then this step's arriving weights are added:
//     I_syn <- I_syn exp(-dt/tau_syn) + w_syn;  g_e <- g_e exp(-dt/tau_e) + w_ex;  g_i <- g_i exp(-dt/tau_i) - w_in.
//     So a spike arriving in step n moves V from step n+1 on: volley's receptor convention (models/receptor.hpp),
//     NEST's and Norse's. CubaLIF is therefore bit for bit LIF (or LIFRef) + an Expon(tau_syn) receptor with a
//     CUBA output (tested). brainpy.state, Lava and snnTorch let the neuron read the synapse after its update, so
//     there the same input reaches V one step earlier.
//  3. Spike when V >= V_th; reset in the same step (see lif.hpp): hard: V = V_reset; soft: V -= V_th - V_reset.
//     The synaptic variables are not reset. After a spike V is held (input ignored) for round(tau_ref / dt) steps as
//     LIFRef holds it; the synaptic variables keep decaying and taking arrivals meanwhile (as in NEST).
//
// Differentiable (contract: models/model_kit.hpp): state {V, synaptic variables..., refractory counter}, the
// counter last and not smooth. free_update is steps 1-2; spike argument x = (V - V_th) / (V_th - V_reset) as
// brainpy.state's LIF; a reset writes V only. The trainer (kernels/train_step.hpp) passes its layer input as the
// current I with in.port = nullptr: ports then deliver nothing, and the synaptic variables only decay.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/differentiable.hpp"
#include "models/exp_euler.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

namespace lif_syn {

// update() of both models: free_update (steps 1-2), the spike test on the free V, the reset of V, the refractory
// hold of V; the synaptic variables (1 .. n_diff_state-1) keep their free values, refractory or not.
template <class M>
VOLLEY_HD VOLLEY_INLINE bool update(const typename M::constants& c, real_t* s, const neuron_input& in) {
  const bool refractory_now = s[M::refractory] > 0;
  real_t f[M::n_state];
  for (int q = 0; q < M::n_state; ++q) f[q] = s[q];
  M::free_update(c, f, in);
  const bool spike = !refractory_now && f[M::V] >= c.V_th;
  real_t r[M::n_state];
  M::reset_state(c, s, f, r);
  s[M::V] = refractory_now ? s[M::V] : (spike ? r[M::V] : f[M::V]);
  for (int q = M::V + 1; q < M::n_diff_state; ++q) s[q] = f[q];
  s[M::refractory] = refractory_now ? s[M::refractory] - 1 : (spike ? c.ref_steps : real_t(0));
  return spike;
}

// Port input p of this step, 0 where the caller passes no ports (the trainer).
VOLLEY_HD VOLLEY_INLINE real_t port(const neuron_input& in, int p) { return in.port ? in.port[p] : real_t(0); }

}  // namespace lif_syn

// ---- CubaLIF ------------------------------------------------------------------------------------------------------

struct cuba_lif_params {
  units::resistance_q R{1e-9};    // 1 ohm (brainpy.state LIF)
  units::time_q tau{5.0};         // ms (brainpy.state LIF)
  units::time_q tau_syn{8.0};     // ms (brainpy.state Expon)
  units::voltage_q V_th{1.0};     // mV
  units::voltage_q V_reset{0.0};  // mV
  units::voltage_q V_rest{0.0};   // mV
  units::time_q tau_ref{0.0};     // ms (LIF: none; LIFRef's hold for tau_ref > 0)
  reset_mode spk_reset = reset_mode::soft;
};

struct cuba_lif_constants {
  real_t decay;                  // exp(-dt/tau)
  real_t decay_syn;              // exp(-dt/tau_syn)
  real_t R;                      // GOhm
  real_t V_rest, V_th, V_reset;  // mV
  real_t ref_steps;              // round(tau_ref / dt)
  int soft_reset;
};

struct CubaLIF {
  static constexpr const char* name = "CubaLIF";
  static constexpr const char* description =
      "leaky integrate-and-fire with a built-in exponential synaptic current (Lava / snnTorch Synaptic / Norse LIF)";
  enum : int { V, I_syn, refractory, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{
      {{"V", units::dims::voltage}, {"I_syn", units::dims::current}, {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = 1;
  static constexpr std::array<port_desc, 1> ports{{{"syn", units::dims::current}}};

  using params = cuba_lif_params;
  using constants = cuba_lif_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("R", p.R, range_check::positive);
    f("tau", p.tau, range_check::positive);
    f("tau_syn", p.tau_syn, range_check::positive);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_rest", p.V_rest, range_check::any);
    f("tau_ref", p.tau_ref, range_check::non_negative);
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {static_cast<real_t>(std::exp(-dt / p.tau.value)),
            static_cast<real_t>(std::exp(-dt / p.tau_syn.value)),
            static_cast<real_t>(p.R.value),
            static_cast<real_t>(p.V_rest.value),
            static_cast<real_t>(p.V_th.value),
            static_cast<real_t>(p.V_reset.value),
            static_cast<real_t>(std::round(p.tau_ref.value / dt)),
            p.spk_reset == reset_mode::soft ? 1 : 0};
  }
  static void initial_state(const params& p, real_t* s) {
    s[V] = static_cast<real_t>(p.V_rest.value);
    s[I_syn] = 0;
    s[refractory] = 0;
  }

  // ---- differentiable part ----
  static constexpr int n_diff_state = 2;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 1> reset_targets{V};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t*, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - (c.V_th - c.V_reset) : c.V_reset;
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = c.soft_reset ? real_t(1) : real_t(0);
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t i_syn = s[I_syn];
    const real_t v_inf = c.V_rest + c.R * (in.current + i_syn);
    s[V] = v_inf + (s[V] - v_inf) * c.decay + in.delta_v;
    s[I_syn] = i_syn * c.decay_syn + lif_syn::port(in, 0);
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t*, const neuron_input&,
                                                           real_t* J, real_t* dI) {
    diff::identity_jacobian(n_state, J, dI);
    const real_t gain = c.R * (real_t(1) - c.decay);  // mV/pA
    J[V * n_state + V] = c.decay;
    J[V * n_state + I_syn] = gain;
    J[I_syn * n_state + I_syn] = c.decay_syn;
    dI[V] = gain;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / (c.V_th - c.V_reset);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    g[V] = real_t(1) / (c.V_th - c.V_reset);  // 1/mV
    g[I_syn] = 0;
    g[refractory] = 0;
  }

  // One step of one neuron; true on a spike. Branch-free (selects).
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return lif_syn::update<CubaLIF>(c, s, in);
  }
};

// ---- CobaLIF ------------------------------------------------------------------------------------------------------

struct coba_lif_params {
  units::resistance_q R{0.1};       // GOhm = 1 / (10 nS)
  units::time_q tau{20.0};          // ms
  units::time_q tau_e{5.0};         // ms
  units::time_q tau_i{10.0};        // ms
  units::voltage_q E_e{0.0};        // mV
  units::voltage_q E_i{-80.0};      // mV
  units::voltage_q V_th{-50.0};     // mV
  units::voltage_q V_reset{-60.0};  // mV
  units::voltage_q V_rest{-60.0};   // mV
  units::time_q tau_ref{5.0};       // ms
  reset_mode spk_reset = reset_mode::hard;
};

struct coba_lif_constants {
  real_t dt;                     // ms
  real_t inv_tau;                // 1/ms
  real_t R;                      // GOhm
  real_t decay_e, decay_i;       // exp(-dt/tau_e), exp(-dt/tau_i)
  real_t E_e, E_i;               // mV
  real_t V_rest, V_th, V_reset;  // mV
  real_t ref_steps;              // round(tau_ref / dt)
  int soft_reset;
};

struct CobaLIF {
  static constexpr const char* name = "CobaLIF";
  static constexpr const char* description =
      "leaky integrate-and-fire with built-in exponential excitatory and inhibitory conductances (COBA benchmark)";
  enum : int { V, g_e, g_i, refractory, n_state };
  static constexpr int membrane = V;
  static constexpr std::array<state_field, n_state> state_fields{{{"V", units::dims::voltage},
                                                                  {"g_e", units::dims::conductance},
                                                                  {"g_i", units::dims::conductance},
                                                                  {"refractory_steps", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::conductance}, {"in", units::dims::conductance}}};
  static constexpr bool routes_by_sign = true;

  using params = coba_lif_params;
  using constants = coba_lif_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("R", p.R, range_check::positive);
    f("tau", p.tau, range_check::positive);
    f("tau_e", p.tau_e, range_check::positive);
    f("tau_i", p.tau_i, range_check::positive);
    f("E_e", p.E_e, range_check::any);
    f("E_i", p.E_i, range_check::any);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_rest", p.V_rest, range_check::any);
    f("tau_ref", p.tau_ref, range_check::non_negative);
    f("spk_reset", p.spk_reset, range_check::any);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {static_cast<real_t>(dt),
            static_cast<real_t>(1.0 / p.tau.value),
            static_cast<real_t>(p.R.value),
            static_cast<real_t>(std::exp(-dt / p.tau_e.value)),
            static_cast<real_t>(std::exp(-dt / p.tau_i.value)),
            static_cast<real_t>(p.E_e.value),
            static_cast<real_t>(p.E_i.value),
            static_cast<real_t>(p.V_rest.value),
            static_cast<real_t>(p.V_th.value),
            static_cast<real_t>(p.V_reset.value),
            static_cast<real_t>(std::round(p.tau_ref.value / dt)),
            p.spk_reset == reset_mode::soft ? 1 : 0};
  }
  static void initial_state(const params& p, real_t* s) {
    s[V] = static_cast<real_t>(p.V_rest.value);
    s[g_e] = 0;
    s[g_i] = 0;
    s[refractory] = 0;
  }

  // ---- differentiable part ----
  static constexpr int n_diff_state = 3;
  static constexpr bool spike_on_rising_edge = false;
  static constexpr std::array<int, 1> reset_targets{V};
  VOLLEY_HD VOLLEY_INLINE static surrogate default_surrogate() { return surrogate{}; }
  VOLLEY_HD VOLLEY_INLINE static void reset_state(const constants& c, const real_t*, const real_t* f, real_t* r) {
    r[V] = c.soft_reset ? f[V] - (c.V_th - c.V_reset) : c.V_reset;
  }
  VOLLEY_HD VOLLEY_INLINE static void reset_jacobian(const constants& c, const real_t*, const real_t*, real_t* Rf,
                                                     real_t* Rs) {
    diff::reset_jacobian_identity(n_state, Rf, Rs);
    Rf[V * n_state + V] = c.soft_reset ? real_t(1) : real_t(0);
  }

  // The membrane's slope G (1/ms) and drive f (mV/ms) at the start-of-step state, as in the header comment.
  VOLLEY_HD VOLLEY_INLINE static real_t total_rate(const constants& c, const real_t* s) {
    return (real_t(1) + c.R * (s[g_e] + s[g_i])) * c.inv_tau;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t drive(const constants& c, const real_t* s, real_t current) {
    const real_t v = s[V];
    return (c.V_rest - v + c.R * (s[g_e] * (c.E_e - v) + s[g_i] * (c.E_i - v) + current)) * c.inv_tau;
  }

  VOLLEY_HD VOLLEY_INLINE static void free_update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t G = total_rate(c, s), f = drive(c, s, in.current);
    s[V] = s[V] + exp_euler_step_size(-G, c.dt) * f + in.delta_v;
    s[g_e] = s[g_e] * c.decay_e + lif_syn::port(in, 0);
    s[g_i] = s[g_i] * c.decay_i - lif_syn::port(in, 1);
  }
  VOLLEY_HD VOLLEY_INLINE static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in,
                                                           real_t* J, real_t* dI) {
    diff::identity_jacobian(n_state, J, dI);
    const real_t G = total_rate(c, s), f = drive(c, s, in.current);
    real_t d_f, d_G;  // d V_new / d f (ms), d V_new / d G (ms mV)
    diff::membrane_step_grad(f, G, c.dt, d_f, d_G);
    const real_t v = s[V], r_tau = c.R * c.inv_tau;  // dG/dg = R/tau (1/(ms nS))
    J[V * n_state + V] = real_t(1) - d_f * G;        // df/dV = -G
    J[V * n_state + g_e] = d_f * r_tau * (c.E_e - v) + d_G * r_tau;
    J[V * n_state + g_i] = d_f * r_tau * (c.E_i - v) + d_G * r_tau;
    J[g_e * n_state + g_e] = c.decay_e;
    J[g_i * n_state + g_i] = c.decay_i;
    dI[V] = d_f * r_tau;  // mV/pA
  }
  VOLLEY_HD VOLLEY_INLINE static real_t spike_argument(const constants& c, const real_t* s) {
    return (s[V] - c.V_th) / (c.V_th - c.V_reset);
  }
  VOLLEY_HD VOLLEY_INLINE static void spike_argument_grad(const constants& c, const real_t*, real_t* g) {
    g[V] = real_t(1) / (c.V_th - c.V_reset);  // 1/mV
    g[g_e] = 0;
    g[g_i] = 0;
    g[refractory] = 0;
  }

  // One step of one neuron; true on a spike. Branch-free (selects).
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    return lif_syn::update<CobaLIF>(c, s, in);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::CubaLIF)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::CobaLIF)
