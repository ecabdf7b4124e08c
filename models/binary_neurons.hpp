#pragma once
// NEST's binary neurons: mcculloch_pitts_neuron, ginzburg_neuron, erfc_neuron (NEST's binary_neuron template with
// three gain functions).
//
// State S in {0, 1} (NEST's "S"), input h (mV, NEST's "h"). h is not a membrane: it only accumulates. Every
// transition of a presynaptic binary neuron adds +w (up, 0 -> 1) or -w (down, 1 -> 0) to h for good, so h is the
// sum of the weights of the presynaptic neurons that are up. A current input c (pA, current generators) is not
// accumulated: it adds to h for the step in which it arrives only, numerically (1 pA counts as 1 mV of h, as NEST
// adds its CurrentEvents to h without a unit).
//
// The neuron updates at random times: the intervals are exponentially distributed with mean tau_m (ms), each
// rounded to NEST's tic (1 us), the first one counted from t = 0. At an update the gain g(x), x = h + c, gives the
// new state:
//   mcculloch_pitts_neuron  S = [x > theta]                                    (deterministic)
//   ginzburg_neuron         S = 1 with probability c_1 x + c_2 (1 + tanh(c_3 (x - theta))) / 2
//   erfc_neuron             S = 1 with probability erfc(-(x - theta) / (sqrt(2) sigma)) / 2
// (probabilities outside [0, 1] act as 0 or 1; NEST draws u in [0, 1) and sets S = [u < g]). NEST's erfc_neuron
// documentation writes erfc((h - theta)/(sqrt 2 sigma)), a gain falling with h; its code, which is reproduced here,
// has the minus sign: g rises with h, g(theta) = 1/2, and sigma -> 0 is the McCulloch-Pitts step.
// Units (NEST's documentation): theta, sigma in mV, c_1 and c_3 in 1/mV, c_2 dimensionless, tau_m in ms.
//
// Update order of one step k (NEST 3's binary_neuron::update): h += the weights arriving in this step (the delta
// channel: connections whose weights are in mV; w times the source's payload, see below); c = the current input of
// this step; if the step's start k dt is later than the next update time t_next (strictly), the neuron updates:
// the new S from g(h + c), and t_next += a fresh interval. At most one update per step: when tau_m is not much
// larger than dt, t_next falls behind the clock and the neuron updates in every step until it catches up (it never
// does when tau_m < dt: then it updates in every step), exactly as NEST's loop. Step 0 never updates (t_next >= 0).
// NEST's binary neurons use a CurrentEvent in the step it arrives in, where its iaf models use it over the next
// step: a generator reaches them one step earlier (measured with noise_generator: steps starting in
// [start + d - dt, stop + d - dt) for delay d; the NEST layer's lowering has to shift by -dt for these targets).
// The update is branch-free: gain, log and rounding are computed in every step and selected.
//
// Transitions as spikes: a neuron spikes in every step in which S changes, and sets its state "transition" to +1
// (up) or -1 (down) in that step (0 in steps without transition). "transition" is the model's spike payload
// (model_kit.hpp): every weight its spike delivers is multiplied by it, so a target gets +w or -w, the sum over its
// sources arriving in the target's delta channel. NEST encodes the same as spikes of multiplicity 2 (up) and 1
// (down), which its binary neurons decode into +w and -w. A spike recorder (spin_detector) tells ups from downs by
// the sign of "transition" at the spike step (or by S after it: 1 after an up, 0 after a down).
//
// Random numbers: one uniform u in (0, 1) per neuron-step (needs_uniform). Steps without update do not use it.
// In step 0 it draws the first interval. In an update step it serves both draws: S = [u < g] (g clipped to
// [0, 1]), then u' = u / g if S = 1, else (1 - u) / (1 - g): given the outcome, u' is again uniform in (0, 1] and
// independent of it, and the interval is -tau_m ln(u') rounded to the tic. (mcculloch_pitts: g is 0 or 1, so u' is
// u or 1 - u.) The resolution of u' is that of u divided by g or 1 - g: with u on a 2^-53 grid, no practical loss.
//
// State "next_update_tics": t_next minus the start of the coming step, in tics (1 us; integer-valued, so exact in
// float builds up to 2^24 tics = 16.7 s, and never compared against rounded ms); negative when updates lag behind.
// Before the first step it holds not_drawn (-1e30): the first update() draws the first interval. NEST draws it in
// its pre-run hook from the same distribution.
//
// Differences from NEST, and why:
//   - Random numbers: volley's per-neuron stream, not NEST's; runs agree in distribution (tests/test_nest_binary.cpp
//     compares statistics), and step by step where nothing is random (tau_m far below dt, deterministic gains).
//   - NEST accepts any sigma; a negative sigma would mirror erfc_neuron's gain. volley asks sigma >= 0 (sigma = 0 is
//     allowed: S = [x > theta], as NEST computes it).
//   - NEST's decoding of multiplicities makes a spike_generator's spike count -w (a down transition) at a binary
//     target; volley's plain spikes (sources without payload) add +w. NEST documents that binary neurons must only
//     receive from binary neurons and current generators.
//   - Targets that are not binary: NEST's iaf models would count an up transition twice (multiplicity 2) and a
//     down once, each +w; NEST refuses such connections (signal types differ). volley delivers +w / -w to any
//     target through the payload (synapse_spec::use_payload = false sends plain +w for both).
//   - dt not a whole number of tics (NEST cannot run those): the step is dt * 1000 tics, not rounded.
#include <array>
#include <cmath>
#include <string>

#include "engine/config.hpp"
#include "engine/error.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

namespace binary_units {
inline constexpr units::dimension per_voltage = units::dims::none - units::dims::voltage;  // 1/mV
}  // namespace binary_units

// What the three models share: timing constants.
struct binary_timing {
  real_t tau_tics;  // tau_m in tics
  real_t h_tics;    // dt in tics
};

// State layout and update of every binary neuron; Gain provides gain(k, x) -> probability of S = 1 (not clipped).
struct binary_neuron_base {
  enum : int { S, h, transition, next_update_tics, n_state };
  static constexpr int membrane = h;  // no membrane; h is the model's input variable
  static constexpr std::array<state_field, n_state> state_fields{{{"S", units::dims::none},
                                                                  {"h", units::dims::voltage},
                                                                  {"transition", units::dims::none},
                                                                  {"next_update_tics", units::dims::none}}};
  // No ports: connections whose weights are in mV go to the delta channel (in.delta_v), which feeds h.
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};
  static constexpr bool needs_uniform = true;
  static constexpr int spike_payload = transition;
  static constexpr real_t not_drawn = real_t(-1e30);  // next_update_tics before the first interval is drawn

  static constexpr double tics_per_ms = 1000.0;  // NEST's default tic: 1 us

  // tau_m must be positive (checked by the range check); dt in tics (rounded when within 1e-6 of a whole number).
  static binary_timing timing(double tau_m, double dt, const char* model) {
    const double ht = dt * tics_per_ms;
    const double hr = std::round(ht);
    const double tau = tau_m * tics_per_ms;
    if (!(tau > 0) || !std::isfinite(tau))
      throw parameter_error(model, "tau_m", std::to_string(tau_m) + " ms", "a positive, finite time");
    return {static_cast<real_t>(tau), static_cast<real_t>(std::abs(ht - hr) < 1e-6 ? hr : ht)};
  }

  static void initial_state(real_t* s) {
    s[S] = 0;
    s[h] = 0;
    s[transition] = 0;
    s[next_update_tics] = not_drawn;
  }

  // One step, given the gain g of this step's input (not clipped). Branch-free (selects).
  VOLLEY_HD VOLLEY_INLINE static bool step(const binary_timing& k, real_t* s, real_t g, const neuron_input& in) {
    const real_t wait = s[next_update_tics];
    const bool first = wait <= real_t(0.1) * not_drawn;  // lags never get near it (1e27 steps of 100 tics)
    const bool due = !first && wait < 0;  // this step starts after t_next: update
    const real_t gc = g > 0 ? (g < 1 ? g : real_t(1)) : real_t(0);  // NaN: 0 (NEST: u < NaN is false)
    const real_t u = in.uniform;
    const bool up = u < gc;
    // the uniform left over by the decision, again uniform in (0, 1]
    const real_t rest = first ? u : (up ? u / gc : (1 - u) / (1 - gc));
    const real_t interval = std::floor(-std::log(rest) * k.tau_tics + real_t(0.5));  // NEST: Time::ms rounds
    const real_t y_old = s[S];
    const real_t y_new = due ? (up ? real_t(1) : real_t(0)) : y_old;
    const bool spike = y_new != y_old;
    s[S] = y_new;
    s[transition] = spike ? (y_new > 0 ? real_t(1) : real_t(-1)) : real_t(0);
    s[next_update_tics] = (first ? interval : (due ? wait + interval : wait)) - k.h_tics;
    return spike;
  }
};

// ------------------------------------------------------------------------------------------------------------------

struct mcculloch_pitts_neuron_params {
  units::time_q tau_m{10.0};
  units::voltage_q theta{0.0};
};
struct mcculloch_pitts_neuron_constants {
  binary_timing t;
  real_t theta;
};

struct mcculloch_pitts_neuron : binary_neuron_base {
  static constexpr const char* name = "mcculloch_pitts_neuron";
  static constexpr const char* description =
      "NEST mcculloch_pitts_neuron: binary neuron updated at exponentially distributed intervals (mean tau_m), "
      "S = [h + c > theta]; transitions are spikes with payload +1 (up) / -1 (down)";
  using params = mcculloch_pitts_neuron_params;
  using constants = mcculloch_pitts_neuron_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau_m", p.tau_m, range_check::positive);
    f("theta", p.theta, range_check::any);
  }
  static const char* validate(const params& p) {
    if (!(p.tau_m.value > 0)) return "All time constants must be strictly positive.";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    return {timing(p.tau_m.value, dt, name), static_cast<real_t>(p.theta.value)};
  }
  static void initial_state(const params&, real_t* s) { binary_neuron_base::initial_state(s); }
  VOLLEY_HD VOLLEY_INLINE static real_t gain(const constants& c, real_t x) {
    return x > c.theta ? real_t(1) : real_t(0);
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    s[h] += in.delta_v;
    return step(c.t, s, gain(c, s[h] + in.current), in);
  }
};

// ------------------------------------------------------------------------------------------------------------------

struct ginzburg_neuron_params {
  units::time_q tau_m{10.0};
  units::voltage_q theta{0.0};
  units::quantity<binary_units::per_voltage> c_1{0.0};
  units::dimensionless_q c_2{1.0};
  units::quantity<binary_units::per_voltage> c_3{1.0};
};
struct ginzburg_neuron_constants {
  binary_timing t;
  real_t theta, c_1, half_c_2, c_3;
};

struct ginzburg_neuron : binary_neuron_base {
  static constexpr const char* name = "ginzburg_neuron";
  static constexpr const char* description =
      "NEST ginzburg_neuron: binary neuron updated at exponentially distributed intervals (mean tau_m), S = 1 with "
      "probability c_1 x + c_2 (1 + tanh(c_3 (x - theta))) / 2, x = h + c; transitions are spikes with payload "
      "+1 / -1";
  using params = ginzburg_neuron_params;
  using constants = ginzburg_neuron_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau_m", p.tau_m, range_check::positive);
    f("theta", p.theta, range_check::any);
    f("c_1", p.c_1, range_check::any);
    f("c_2", p.c_2, range_check::any);
    f("c_3", p.c_3, range_check::any);
  }
  static const char* validate(const params& p) {
    if (!(p.tau_m.value > 0)) return "All time constants must be strictly positive.";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    auto r = [](double v) { return static_cast<real_t>(v); };
    return {timing(p.tau_m.value, dt, name), r(p.theta.value), r(p.c_1.value), r(0.5 * p.c_2.value),
            r(p.c_3.value)};
  }
  static void initial_state(const params&, real_t* s) { binary_neuron_base::initial_state(s); }
  VOLLEY_HD VOLLEY_INLINE static real_t gain(const constants& c, real_t x) {
    return c.c_1 * x + c.half_c_2 * (1 + std::tanh(c.c_3 * (x - c.theta)));
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    s[h] += in.delta_v;
    return step(c.t, s, gain(c, s[h] + in.current), in);
  }
};

// ------------------------------------------------------------------------------------------------------------------

struct erfc_neuron_params {
  units::time_q tau_m{10.0};
  units::voltage_q theta{0.0};
  units::voltage_q sigma{1.0};
};
struct erfc_neuron_constants {
  binary_timing t;
  real_t theta;
  real_t scale;  // 1 / (sqrt(2) sigma), 1/mV; 0 when sigma = 0 (then the step [x > theta])
};

struct erfc_neuron : binary_neuron_base {
  static constexpr const char* name = "erfc_neuron";
  static constexpr const char* description =
      "NEST erfc_neuron: binary neuron updated at exponentially distributed intervals (mean tau_m), S = 1 with "
      "probability erfc(-(x - theta) / (sqrt(2) sigma)) / 2, x = h + c; transitions are spikes with payload +1 / -1";
  using params = erfc_neuron_params;
  using constants = erfc_neuron_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau_m", p.tau_m, range_check::positive);
    f("theta", p.theta, range_check::any);
    f("sigma", p.sigma, range_check::non_negative);
  }
  static const char* validate(const params& p) {
    if (!(p.tau_m.value > 0)) return "All time constants must be strictly positive.";
    if (!(p.sigma.value >= 0))
      return "sigma must not be negative (NEST accepts it and mirrors the gain; volley refuses it)";
    return nullptr;
  }
  static constants derive(const params& p, double dt) {
    const double sigma = p.sigma.value;
    return {timing(p.tau_m.value, dt, name), static_cast<real_t>(p.theta.value),
            static_cast<real_t>(sigma > 0 ? 1.0 / (std::sqrt(2.0) * sigma) : 0.0)};
  }
  static void initial_state(const params&, real_t* s) { binary_neuron_base::initial_state(s); }
  VOLLEY_HD VOLLEY_INLINE static real_t gain(const constants& c, real_t x) {
    const real_t heaviside = x > c.theta ? real_t(1) : real_t(0);
    return c.scale > 0 ? real_t(0.5) * std::erfc(-(x - c.theta) * c.scale) : heaviside;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    s[h] += in.delta_v;
    return step(c.t, s, gain(c, s[h] + in.current), in);
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::mcculloch_pitts_neuron)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::ginzburg_neuron)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::erfc_neuron)
