#pragma once
// NEST's iaf_chs_2007 (Carandini, Horton & Sincich 2007, thalamic relay cell): a spike-response model in normalised
// (dimensionless) units, resting level 0 and threshold 1, exact integration.
//
//   V_m = V_syn + V_spike (+ noise, see below)
//   di_syn/dt = -i_syn / tau_epsp,   dV_syn/dt = -V_syn / tau_epsp + V_epsp e / tau_epsp i_syn
//   dV_spike/dt = -V_spike / tau_reset
//   a spike of weight w (dimensionless, port "ex") makes i_syn jump by w: V_syn(t) = V_epsp w (t / tau_epsp)
//   exp(1 - t / tau_epsp), an alpha-shaped EPSP peaking at V_epsp w at t = tau_epsp (ms).
//   On a spike (V_m >= 1) V_spike and V_m drop by V_reset: the reset / after-hyperpolarisation, recovering with
//   tau_reset. No refractory period: V_m may stay at or above 1 and spike again.
//
// One step (NEST 3 update(), exact propagators, NEST's arithmetic): V_syn = V_syn P22 + i_syn P21 with
// P22 = exp(-h/tau_epsp), P21 = V_epsp e P22 h / tau_epsp; then i_syn decays (P11 = P22) and this step's weights are
// added; V_spike decays (exp(-h/tau_reset)); V_m = V_syn + V_spike; V_m >= 1 is a spike: V_spike -= V_reset,
// V_m -= V_reset. An input arriving in step k shows in V_m from step k + 1 on.
//
// Inputs as in NEST: weights >= 0 go to port "ex"; NEST drops negative weights without a word, so volley's port "in"
// (where negative weights land when routed by sign) is accepted and ignored. NEST's model takes no current input
// (takes_current = false: current inputs are rejected when the network is built). Delta inputs (mV) are not read:
// the membrane is dimensionless.
//
// Noise: NEST's `noise` parameter is a list of values, one per step, added as V_noise * noise[k]; with the default
// empty list NEST adds nothing (whatever V_noise). volley supports only that default: V_noise is kept (NEST's name
// and default, no effect), and a non-empty noise list is refused (default_only_parameter below says why; NEST 3.10
// itself reads past the end of a list shorter than the simulation). E_L = 0, threshold 1 and C = 1 are fixed, as
// in NEST (not parameters there).
// V_m is recomputed from V_syn and V_spike every step: an initial V_m shows only before the first step (NEST too).
#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

struct iaf_chs_2007_params {
  units::time_q tau_epsp{8.5};
  units::time_q tau_reset{15.4};
  units::dimensionless_q V_epsp{0.77};   // EPSP peak per unit weight, normalised
  units::dimensionless_q V_reset{2.31};  // drop of V_m at a spike, normalised
  units::dimensionless_q V_noise{0.0};   // scale of the noise list (empty here: no effect)
};

struct iaf_chs_2007_constants {
  real_t P11ex, P22, P21ex, P30;  // i_syn and V_syn decay, i_syn -> V_syn, V_spike decay
  real_t U_th, U_reset;           // 1 (fixed), V_reset
};

struct iaf_chs_2007 {
  static constexpr const char* name = "iaf_chs_2007";
  static constexpr const char* description =
      "NEST iaf_chs_2007: normalised spike-response model with alpha EPSPs and an exponentially recovering reset "
      "(Carandini, Horton & Sincich 2007), exact integration";
  enum : int { V_m, i_syn_ex, V_syn, V_spike, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::none},
                                                                  {"i_syn_ex", units::dims::none},
                                                                  {"V_syn", units::dims::none},
                                                                  {"V_spike", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::none}, {"in", units::dims::none}}};
  static constexpr bool routes_by_sign = true;
  static constexpr bool takes_current = false;

  using params = iaf_chs_2007_params;
  using constants = iaf_chs_2007_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau_epsp", p.tau_epsp, range_check::positive);
    f("tau_reset", p.tau_reset, range_check::positive);
    f("V_epsp", p.V_epsp, range_check::non_negative);
    f("V_reset", p.V_reset, range_check::non_negative);
    f("V_noise", p.V_noise, range_check::any);
  }
  // NEST's checks (BadProperty), in its words
  static const char* validate(const params& p) {
    if (!(p.V_epsp.value >= 0)) return "EPSP cannot be negative.";
    if (!(p.V_reset.value >= 0)) return "Reset potential cannot be negative.";
    if (!(p.tau_epsp.value > 0) || !(p.tau_reset.value > 0)) return "All time constants must be strictly positive.";
    return nullptr;
  }
  // NEST's parameters that volley takes only at their default value (here NEST's `noise` list, empty by default),
  // for the spec and NEST-layer readers: `key` given with `length` values (a list's length, 1 for a single value).
  // known: key is such a parameter; expected: nullptr when the value is the default (accepted, it changes nothing),
  // else what is expected (the reason it is refused).
  struct default_only {
    bool known;
    const char* expected;
  };
  static default_only default_only_parameter(std::string_view key, std::size_t length) {
    if (key != "noise") return {false, nullptr};
    if (length == 0) return {true, nullptr};
    return {true,
            "an empty list: volley's iaf_chs_2007 has no noise input (NEST's per-step noise list is not supported; "
            "drive the neuron with noisy spike input instead)"};
  }
  static constants derive(const params& p, double h) {
    const double tau = p.tau_epsp.value;
    const double P11 = std::exp(-h / tau);
    const double C = 1.0;  // NEST's C_, fixed
    constants c;
    c.P11ex = static_cast<real_t>(P11);
    c.P22 = static_cast<real_t>(std::exp(-h / tau));
    c.P30 = static_cast<real_t>(std::exp(-h / p.tau_reset.value));
    c.P21ex = static_cast<real_t>(p.V_epsp.value * std::exp(1.0) / C * P11 * h / tau);
    c.U_th = 1;
    c.U_reset = static_cast<real_t>(p.V_reset.value);
    return c;
  }
  static void initial_state(const params&, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
  }

  // Branch-free (selects, not jumps): vectorises on the CPU, no divergence on GPUs.
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    s[V_syn] = s[V_syn] * c.P22 + s[i_syn_ex] * c.P21ex;
    s[i_syn_ex] = s[i_syn_ex] * c.P11ex + in.port[0];  // port 1 ("in", negative weights): dropped, as NEST does
    const real_t v_spike = s[V_spike] * c.P30;
    const real_t v = s[V_syn] + v_spike;
    const bool spike = v >= c.U_th;
    s[V_spike] = spike ? v_spike - c.U_reset : v_spike;
    s[V_m] = spike ? v - c.U_reset : v;
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_chs_2007)
