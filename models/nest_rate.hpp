#pragma once
// NEST's rate models (rate_neuron_ipn_impl.h, rate_neuron_opn_impl.h, rate_transformer_node_impl.h in NEST 3.10),
// one template each over the gain functions of models/nest_rate_gains.hpp, and rate_source, the hidden population
// the NEST layer makes of a step_rate_generator. Rates, weights and the gains' parameters are dimensionless, as in
// NEST; time constants in ms.
//
// Input noise (<gain>_ipn), per step of h (NEST's stochastic exponential Euler, lambda > 0; Euler-Maruyama for
// lambda = 0):
//   noise  = sigma xi                                 xi standard normal, fresh each step
//   rate  <- P1 rate + P2 mu + N noise                P1 = exp(-lambda h/tau), P2 = -expm1(-lambda h/tau)/lambda,
//                                                     N = sqrt(-expm1(-2 lambda h/tau) / (2 lambda))
//                                                     (lambda = 0: P1 = 1, P2 = h/tau, N = sqrt(h/tau))
//   rate  += P2 * [input(ex + in)]                    linear_summation, no mult_coupling
//            P2 * [H_ex input(ex) + H_in input(in)]   linear_summation with mult_coupling
//            P2 * [H_ex ex + H_in in]                 linear_summation false (the sender applied input(), below)
//   rate   = max(rate, rectify_rate)                  with rectify_output
// H_ex = mult_ex(r0), H_in = mult_in(r0) of the rate r0 at the step's start (1 without mult_coupling); ex and in
// are the sums of the weighted rates arriving this step on port ex (weights >= 0) and port in (weights < 0).
// Without input and lambda > 0, rate is stationary with mean mu / lambda and variance sigma^2 N^2 / (1 - P1^2) =
// sigma^2 / (2 lambda), exactly in this update.
//
// Output noise (<gain>_opn): noise = sigma xi, noisy_rate = rate + sqrt(tau/h) noise (the rate sent this step);
// rate <- P1 rate + P2 mu (+ the input terms above, H from noisy_rate), P1 = exp(-h/tau), P2 = -expm1(-h/tau).
//
// Rate transformer (rate_transformer_<gain>): rate = input(ex + in) (linear_summation) or ex + in (not), i.e. the
// input of this step, without memory.
//
// What a sender sends (measured against NEST 3.10, tools/nest_reference/make_rate_references.py): every model
// "spikes" in every step (model_info::emits_rate: the NEST layer and the simulator do not count or record these
// as spikes), and the spike's payload (a state variable) times the weight is what reaches the target's port:
//   rate_connection_delayed, delay d steps: the target reads in step n the sender's rate at the start of step
//     n - d: state sent_rate (ipn, transformer) or noisy_rate (opn), the payload, with volley's delay d.
//   rate_connection_instantaneous: NEST with use_wfr = false delivers the rate at the end of step n - 1, which
//     for ipn and transformers is state rate after the update of step n - 1 (the NEST layer sets the projection's
//     payload to it, delay 1 step), for opn noisy_rate of step n - 1 (delay 1 step). NEST's waveform relaxation
//     (use_wfr = true) gives the target the start-of-step rate of the same step: identical for ipn and
//     transformers except in step 0 (NEST: the sender's initial rate, which the NEST layer adds to the target's
//     ring before the run), one step earlier for opn (refused).
//   Targets with linear_summation = false apply their own input() to each sender's rate before weighting: the
//     sender carries input(rate) through its own gain in sent_input (delayed) and rate_input (instantaneous), which
//     equals the target's only where both gains are the same with the same parameters (the NEST layer checks).
// Differences from NEST: noise realisations (volley's per-neuron stream, checked statistically); gauss_rate_ipn's
// drive and noise are named mean and std (models/nest_rate_gains.hpp).
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/nest_rate_gains.hpp"

namespace volley::models {

namespace rate_detail {
inline constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::none}, {"in", units::dims::none}}};

// The input terms of one step (rate += P2 * this), NEST's three cases.
template <class Gain>
VOLLEY_HD VOLLEY_INLINE real_t input_term(const typename Gain::constants& g, bool linear, bool mult, real_t r0,
                                          real_t ex, real_t in) {
  const real_t h_ex = mult ? Gain::mult_ex(g, r0) : real_t(1);
  const real_t h_in = mult ? Gain::mult_in(g, r0) : real_t(1);
  if (!linear) return h_ex * ex + h_in * in;
  if (mult) return h_ex * Gain::input(g, ex) + h_in * Gain::input(g, in);
  return Gain::input(g, ex + in);
}
}  // namespace rate_detail

// ------------------------------------------------------------------------------------------------------------------

template <class Gain>
struct rate_ipn_params {
  units::time_q tau{10.0};
  units::dimensionless_q lambda{1.0};
  units::dimensionless_q sigma{1.0};
  units::dimensionless_q mu{0.0};
  units::dimensionless_q rectify_rate{0.0};
  bool linear_summation = true;
  bool rectify_output = false;
  bool mult_coupling = false;
  typename Gain::params gain{};
};

template <class Gain>
struct rate_ipn_constants {
  real_t P1, P2, noise_factor;  // propagators of one step (see the top of the file)
  real_t sigma, mu, rectify_rate;
  bool linear_summation, rectify_output, mult_coupling;
  typename Gain::constants gain;
};

template <class Gain>
struct rate_ipn {
  static constexpr const char* name = Gain::ipn;
  static constexpr const char* description =
      "NEST rate neuron with input noise (rate_neuron_ipn): tau d rate = (-lambda rate + mu + input) dt + sqrt(tau) "
      "sigma dW, exact exponential update per step; rate_connection_delayed / _instantaneous inputs on ports ex, in";
  using params = rate_ipn_params<Gain>;
  using constants = rate_ipn_constants<Gain>;
  enum : int { rate, noise, sent_rate, sent_input, rate_input, n_state };
  static constexpr int membrane = rate;  // no membrane
  static constexpr std::array<state_field, n_state> state_fields{{{"rate", units::dims::none},
                                                                  {"noise", units::dims::none},
                                                                  {"sent_rate", units::dims::none},
                                                                  {"sent_input", units::dims::none},
                                                                  {"rate_input", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr auto ports = rate_detail::ports;
  static constexpr bool routes_by_sign = true;  // NEST: weight >= 0 to the ex buffer, < 0 to in
  static constexpr bool takes_current = false;
  static constexpr bool needs_stream = true;
  static constexpr bool emits_rate = true;
  static constexpr int spike_payload = sent_rate;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau", p.tau, range_check::positive);
    f("lambda", p.lambda, range_check::non_negative);
    f(Gain::neuron_uses_old_names ? "std" : "sigma", p.sigma, range_check::non_negative);
    f(Gain::neuron_uses_old_names ? "mean" : "mu", p.mu, range_check::any);
    f("rectify_rate", p.rectify_rate, range_check::non_negative);
    f("linear_summation", p.linear_summation, range_check::any);
    f("rectify_output", p.rectify_output, range_check::any);
    f("mult_coupling", p.mult_coupling, range_check::any);
    Gain::each_param(p.gain, f);
  }
  // NEST's messages (rate_neuron_ipn_impl.h)
  static const char* validate(const params& p) {
    if (!(p.tau.value > 0)) return "Time constant must be > 0.";
    if (!(p.lambda.value >= 0)) return "Passive decay rate must be >= 0.";
    if (!(p.sigma.value >= 0)) return "Noise parameter must not be negative.";
    if (!(p.rectify_rate.value >= 0)) return "Rectifying rate must not be negative.";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    const double tau = p.tau.value, lambda = p.lambda.value;
    double P1 = 1, P2 = h / tau, N = std::sqrt(h / tau);  // lambda = 0: Euler-Maruyama
    if (lambda > 0) {
      P1 = std::exp(-lambda * h / tau);
      P2 = -1.0 / lambda * std::expm1(-lambda * h / tau);
      N = std::sqrt(-0.5 / lambda * std::expm1(-2.0 * lambda * h / tau));
    }
    auto r = [](double x) { return static_cast<real_t>(x); };
    return {r(P1),
            r(P2),
            r(N),
            r(p.sigma.value),
            r(p.mu.value),
            r(p.rectify_rate.value),
            p.linear_summation,
            p.rectify_output,
            p.mult_coupling,
            Gain::derive(p.gain)};
  }
  static void initial_state(const params&, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t r0 = s[rate];
    s[noise] = c.sigma * static_cast<real_t>(in.stream->normal());
    real_t r = c.P1 * r0 + c.P2 * c.mu + c.noise_factor * s[noise];
    r += c.P2 * rate_detail::input_term<Gain>(c.gain, c.linear_summation, c.mult_coupling, r0, in.port[0], in.port[1]);
    if (c.rectify_output && r < c.rectify_rate) r = c.rectify_rate;
    s[rate] = r;
    s[sent_rate] = r0;
    s[sent_input] = Gain::input(c.gain, r0);
    s[rate_input] = Gain::input(c.gain, r);
    return true;
  }
};

// ------------------------------------------------------------------------------------------------------------------

template <class Gain>
struct rate_opn_params {
  units::time_q tau{10.0};
  units::dimensionless_q sigma{1.0};
  units::dimensionless_q mu{0.0};
  bool linear_summation = true;
  bool mult_coupling = false;
  typename Gain::params gain{};
};

template <class Gain>
struct rate_opn_constants {
  real_t P1, P2, noise_factor;  // exp(-h/tau), -expm1(-h/tau), sqrt(tau/h)
  real_t sigma, mu;
  bool linear_summation, mult_coupling;
  typename Gain::constants gain;
};

template <class Gain>
struct rate_opn {
  static constexpr const char* name = Gain::opn;
  static constexpr const char* description =
      "NEST rate neuron with output noise (rate_neuron_opn): tau d rate = (-rate + mu + input) dt, exact exponential "
      "update; sends noisy_rate = rate + sqrt(tau/h) sigma xi; inputs on ports ex, in";
  using params = rate_opn_params<Gain>;
  using constants = rate_opn_constants<Gain>;
  enum : int { rate, noise, noisy_rate, sent_input, n_state };
  static constexpr int membrane = rate;
  static constexpr std::array<state_field, n_state> state_fields{{{"rate", units::dims::none},
                                                                  {"noise", units::dims::none},
                                                                  {"noisy_rate", units::dims::none},
                                                                  {"sent_input", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr auto ports = rate_detail::ports;
  static constexpr bool routes_by_sign = true;
  static constexpr bool takes_current = false;
  static constexpr bool needs_stream = true;
  static constexpr bool emits_rate = true;
  static constexpr int spike_payload = noisy_rate;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau", p.tau, range_check::positive);
    f("sigma", p.sigma, range_check::non_negative);
    f("mu", p.mu, range_check::any);
    f("linear_summation", p.linear_summation, range_check::any);
    f("mult_coupling", p.mult_coupling, range_check::any);
    Gain::each_param(p.gain, f);
  }
  static const char* validate(const params& p) {
    if (!(p.tau.value > 0)) return "Time constant must be > 0.";
    if (!(p.sigma.value >= 0)) return "Noise parameter must not be negative.";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    const double tau = p.tau.value;
    auto r = [](double x) { return static_cast<real_t>(x); };
    return {r(std::exp(-h / tau)), r(-std::expm1(-h / tau)), r(std::sqrt(tau / h)), r(p.sigma.value),
            r(p.mu.value),         p.linear_summation,       p.mult_coupling,       Gain::derive(p.gain)};
  }
  static void initial_state(const params&, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    s[noise] = c.sigma * static_cast<real_t>(in.stream->normal());
    const real_t sent = s[rate] + c.noise_factor * s[noise];
    s[noisy_rate] = sent;
    real_t r = c.P1 * s[rate] + c.P2 * c.mu;
    r +=
        c.P2 * rate_detail::input_term<Gain>(c.gain, c.linear_summation, c.mult_coupling, sent, in.port[0], in.port[1]);
    s[rate] = r;
    s[sent_input] = Gain::input(c.gain, sent);
    return true;
  }
};

// ------------------------------------------------------------------------------------------------------------------

template <class Gain>
struct rate_transformer_params {
  bool linear_summation = true;
  typename Gain::params gain{};
};

template <class Gain>
struct rate_transformer_constants {
  bool linear_summation;
  typename Gain::constants gain;
};

template <class Gain>
struct rate_transformer {
  static constexpr const char* name = Gain::transformer;
  static constexpr const char* description =
      "NEST rate_transformer_node: rate = input(sum of the weighted rates arriving this step) (linear_summation) or "
      "the sum of weight * input(rate) of each sender; no dynamics";
  using params = rate_transformer_params<Gain>;
  using constants = rate_transformer_constants<Gain>;
  enum : int { rate, sent_rate, sent_input, rate_input, n_state };
  static constexpr int membrane = rate;
  static constexpr std::array<state_field, n_state> state_fields{{{"rate", units::dims::none},
                                                                  {"sent_rate", units::dims::none},
                                                                  {"sent_input", units::dims::none},
                                                                  {"rate_input", units::dims::none}}};
  static constexpr int n_ports = 2;  // NEST sums all weights in one buffer; ex + in is the same sum
  static constexpr auto ports = rate_detail::ports;
  static constexpr bool routes_by_sign = true;
  static constexpr bool takes_current = false;
  static constexpr bool emits_rate = true;
  static constexpr int spike_payload = sent_rate;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("linear_summation", p.linear_summation, range_check::any);
    Gain::each_param(p.gain, f);
  }
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params& p, double) { return {p.linear_summation, Gain::derive(p.gain)}; }
  static void initial_state(const params&, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const real_t r0 = s[rate];
    const real_t sum = in.port[0] + in.port[1];
    const real_t r = c.linear_summation ? Gain::input(c.gain, sum) : sum;
    s[rate] = r;
    s[sent_rate] = r0;
    s[sent_input] = Gain::input(c.gain, r0);
    s[rate_input] = Gain::input(c.gain, r);
    return true;
  }
};

// ------------------------------------------------------------------------------------------------------------------

// A step_rate_generator in the NEST layer (host/nest_rate.cpp): emits, every step, its current input (a step
// current input carrying the generator's amplitudes, scheduled by the layer) as its rate. Not a NEST model.
struct rate_source_params {};
struct rate_source_constants {
  real_t unused;
};
struct rate_source {
  static constexpr const char* name = "rate_source";
  static constexpr const char* description =
      "rate source: sends its current input (dimensionless, 1 pA = rate 1) as a rate every step, through "
      "rate-payload projections (the NEST layer's step_rate_generator)";
  using params = rate_source_params;
  using constants = rate_source_constants;
  enum : int { rate, n_state };
  static constexpr int membrane = rate;
  static constexpr std::array<state_field, n_state> state_fields{{{"rate", units::dims::none}}};
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};
  static constexpr bool emits_rate = true;
  static constexpr int spike_payload = rate;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P&, F&&) {}
  static const char* validate(const params&) { return nullptr; }
  static constants derive(const params&, double) { return {0}; }
  static void initial_state(const params&, real_t* s) { s[rate] = 0; }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants&, real_t* s, const neuron_input& in) {
    s[rate] = in.current;
    return true;
  }
};

using lin_rate_ipn = rate_ipn<rate_gains::lin>;
using tanh_rate_ipn = rate_ipn<rate_gains::tanh_gain>;
using threshold_lin_rate_ipn = rate_ipn<rate_gains::threshold_lin>;
using sigmoid_rate_ipn = rate_ipn<rate_gains::sigmoid>;
using sigmoid_rate_gg_1998_ipn = rate_ipn<rate_gains::sigmoid_gg_1998>;
using gauss_rate_ipn = rate_ipn<rate_gains::gauss>;
using lin_rate_opn = rate_opn<rate_gains::lin>;
using tanh_rate_opn = rate_opn<rate_gains::tanh_gain>;
using threshold_lin_rate_opn = rate_opn<rate_gains::threshold_lin>;
using rate_transformer_lin = rate_transformer<rate_gains::lin>;
using rate_transformer_tanh = rate_transformer<rate_gains::tanh_gain>;
using rate_transformer_threshold_lin = rate_transformer<rate_gains::threshold_lin>;
using rate_transformer_sigmoid = rate_transformer<rate_gains::sigmoid>;
using rate_transformer_sigmoid_gg_1998 = rate_transformer<rate_gains::sigmoid_gg_1998>;
using rate_transformer_gauss = rate_transformer<rate_gains::gauss>;

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::lin_rate_ipn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::tanh_rate_ipn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::threshold_lin_rate_ipn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::sigmoid_rate_ipn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::sigmoid_rate_gg_1998_ipn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::gauss_rate_ipn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::lin_rate_opn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::tanh_rate_opn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::threshold_lin_rate_opn)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::rate_transformer_lin)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::rate_transformer_tanh)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::rate_transformer_threshold_lin)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::rate_transformer_sigmoid)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::rate_transformer_sigmoid_gg_1998)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::rate_transformer_gauss)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::rate_source)
