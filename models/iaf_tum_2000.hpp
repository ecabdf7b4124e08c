#pragma once
// NEST's iaf_tum_2000: iaf_psc_exp with the presynaptic half of the Tsodyks-Uziel-Markram (2000) synapse
// (NEST's tsodyks_synapse) integrated in the neuron itself. Exact integration.
//
// Membrane and synaptic currents, as iaf_psc_exp (units mV, pA, pF, ms):
//   C_m dV/dt = -(V - E_L) C_m/tau_m + I_syn_ex + I_syn_in + I_e + I
//   dI_syn_x/dt = -I_syn_x / tau_syn_x,   an arriving weight w (pA, already scaled, see below) jumps I_syn_x by w
// Presynaptic resources of this neuron (dimensionless): x recovered, y active, z = 1 - x - y inactive, u use:
//   dx/dt = z / tau_rec,   dy/dt = -y / tau_psc,   dz/dt = y / tau_psc - z / tau_rec,   du/dt = -u / tau_fac
//   at an own spike: u <- u + U (1 - u), then released = u x, x <- x - released, y <- y + released
// x, y and u are advanced only at the neuron's own spikes, exactly over the time h since its previous spike (the
// first spike: since t = 0, NEST's convention), with tsodyks_synapse's propagators (Puu = exp(-h/tau_fac), 0 for
// tau_fac 0; Pyy = exp(-h/tau_psc); Pzz = expm1(-h/tau_rec); Pxy = (Pzz tau_rec - (Pyy - 1) tau_psc) /
// (tau_psc - tau_rec)) in NEST's order: u <- u Puu, x <- x + Pxy y - Pzz z, y <- y Pyy, then the jumps above.
// models/short_term_plasticity.hpp's plasticity_on_spike (kind tsodyks) is exactly this, and is what runs here.
// Between spikes x, y, u hold the values after the last spike (as NEST's status reports them).
//
// The released amount u x (u after its jump, x before) is this model's spike payload (model_kit.hpp): every weight
// a spike delivers is multiplied by it, unless the projection was made with synapse_spec::use_payload = false.
// NEST multiplies only at iaf_tum_2000 targets reached through receptor_type 1 (it sends u x in the spike's
// offset field); NEST's other targets, and receptor_type 0, see plain weights. The arriving (scaled) weight goes
// to "ex" when positive, to "in" otherwise (routes_by_sign, as NEST's sign of weight * u x).
//
// Update order of one step (NEST 3.10): if not refractory, V advances with iaf_psc_exp's propagators (plus delta
// inputs in mV, a volley extension), else the refractory counter decrements; the currents decay and this step's
// arriving weights are added; the threshold test: V >= V_th when delta < 1e-10 mV (NEST's deterministic case), or,
// when delta > 1e-10 mV, a spike with probability rho exp((V - V_th)/delta) dt per step (NEST's stochastic
// threshold: tested also while refractory, where V is held at V_reset); a spike sets V = V_reset, the refractory
// counter to t_ref in NEST's steps (rounded up: nest_refractory_steps), and advances x, y, u as above.
//
// State: V_m, I_syn_ex, I_syn_in, refractory_steps, x, y, u, released (u x of the last spike: the payload, read
// on spike steps), steps_since_spike (steps since the last spike, or since t = 0; the elapsed time h of the next
// spike is (steps_since_spike) dt; exact in single precision up to 2^24 steps).
//
// Differences from NEST, and why:
//   - NEST's current input on receptor_type 1 (a current filtered through the excitatory synapse,
//     I_syn_ex += (1 - exp(-dt/tau_syn_ex)) I_1) has no counterpart: volley's current inputs reach the membrane
//     only (receptor 0, NEST's I_0). The NEST layer must refuse current generators on receptor_type 1.
//   - x and y must each lie in [0, 1], and x + y <= 1 (NEST checks only the sum: it accepts a negative x or y);
//     tau_psc == tau_rec is refused (NEST's Pxy divides by tau_psc - tau_rec: the released amounts become NaN).
//   - NEST's status reports x, y, u as they are now; here the parameters x, y, u are the initial values and the
//     state variables of the same names the current ones.
//   - The stochastic threshold draws volley's uniform numbers (needs_uniform), not NEST's: spike trains agree in
//     distribution. Exactly delta = 1e-10 mV never spikes, in NEST as here (neither branch of its test applies).
//   - NEST's spike_recorder reports an iaf_tum_2000 spike at stamp - u x (ms): it reads the released amount as a
//     precise-time offset. volley's spikes are in their step (the stamp).
#include <array>
#include <cmath>
#include <cstdint>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps: NEST's rounding of t_ref to steps
#include "models/model_kit.hpp"
#include "models/short_term_plasticity.hpp"  // plasticity_on_spike: tsodyks_synapse's propagation and jumps

namespace volley::models {

struct iaf_tum_2000_params {
  units::voltage_q E_L{-70.0};
  units::capacitance_q C_m{250.0};
  units::time_q tau_m{10.0};
  units::time_q t_ref{2.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-70.0};
  units::time_q tau_syn_ex{2.0};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
  units::rate_q rho{1e-5};           // 1/ms (NEST: rho = 0.01 in 1/s): stochastic firing intensity at threshold
  units::voltage_q delta{0.0};       // mV: width of the threshold region; < 1e-10 mV: deterministic threshold
  units::time_q tau_fac{1000.0};     // ms, >= 0 (0: no facilitation, u restarts from 0 at each spike)
  units::time_q tau_psc{2.0};        // ms: decay of the active resources y
  units::time_q tau_rec{400.0};      // ms: recovery of the inactive resources z
  units::dimensionless_q U{0.5};     // increment of u per spike
  units::dimensionless_q x{0.0};     // initial recovered resources (NEST's default 0)
  units::dimensionless_q y{0.0};     // initial active resources
  units::dimensionless_q u{0.0};     // initial use
};

struct iaf_tum_2000_constants {
  iaf_psc_exp_constants exp;   // propagators, E_L, V_th, V_reset (absolute), I_e; ref_steps: NEST's rounding
  plasticity_constants tm;     // kind tsodyks: U, tau_rec, tau_fac, tau_psc, dt
  real_t rho_dt;               // rho dt: spike probability per step at V = V_th (stochastic threshold)
  real_t inv_delta;            // 1/mV
  int threshold;               // 0: deterministic, 1: stochastic, 2: never (delta == 1e-10 mV exactly)
};

struct iaf_tum_2000 {
  static constexpr const char* name = "iaf_tum_2000";
  static constexpr const char* description =
      "NEST iaf_tum_2000: LIF with exponential PSCs and Tsodyks-Uziel-Markram short-term plasticity computed in "
      "the presynaptic neuron (spikes carry the released amount u x), exact integration";
  enum : int { V_m, I_syn_ex, I_syn_in, refractory, x, y, u, released, steps_since_spike, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"x", units::dims::none},
                                                                  {"y", units::dims::none},
                                                                  {"u", units::dims::none},
                                                                  {"released", units::dims::none},
                                                                  {"steps_since_spike", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;
  static constexpr int spike_payload = released;
  static constexpr bool needs_uniform = true;  // the stochastic threshold (delta > 1e-10 mV)

  using params = iaf_tum_2000_params;
  using constants = iaf_tum_2000_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E_L", p.E_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("tau_m", p.tau_m, range_check::positive);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
    f("tau_syn_in", p.tau_syn_in, range_check::positive);
    f("I_e", p.I_e, range_check::any);
    f("rho", p.rho, range_check::non_negative);
    f("delta", p.delta, range_check::non_negative);
    f("tau_fac", p.tau_fac, range_check::non_negative);
    f("tau_psc", p.tau_psc, range_check::positive);
    f("tau_rec", p.tau_rec, range_check::positive);
    f("U", p.U, range_check::unit_interval);
    f("x", p.x, range_check::unit_interval);
    f("y", p.y, range_check::unit_interval);
    f("u", p.u, range_check::unit_interval);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "V_reset must be below V_th";
    if (p.x.value + p.y.value > 1.0) return "x + y must not exceed 1 (z = 1 - x - y is the inactive part)";
    if (p.tau_psc.value == p.tau_rec.value)
      return "tau_psc must differ from tau_rec (NEST's propagator divides by tau_psc - tau_rec)";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    iaf_psc_exp_params e;  // the subthreshold dynamics are iaf_psc_exp's
    e.E_L = p.E_L;
    e.C_m = p.C_m;
    e.tau_m = p.tau_m;
    e.t_ref = p.t_ref;
    e.V_th = p.V_th;
    e.V_reset = p.V_reset;
    e.tau_syn_ex = p.tau_syn_ex;
    e.tau_syn_in = p.tau_syn_in;
    e.I_e = p.I_e;
    constants c{};
    c.exp = iaf_psc_exp::derive(e, h);
    c.exp.ref_steps = static_cast<real_t>(nest_refractory_steps(p.t_ref.value, h));
    nest_tsodyks_params t;
    t.U = p.U;
    t.u = p.u;
    t.x = p.x;
    t.y = p.y;
    t.tau_psc = p.tau_psc;
    t.tau_rec = p.tau_rec;
    t.tau_fac = p.tau_fac;
    c.tm = plasticity_constants_for(t, h);
    c.rho_dt = static_cast<real_t>(p.rho.value * h);
    const double d = p.delta.value;
    c.inv_delta = static_cast<real_t>(d > 0 ? 1.0 / d : 0.0);
    c.threshold = d < 1e-10 ? 0 : (d > 1e-10 ? 1 : 2);
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[I_syn_ex] = s[I_syn_in] = s[refractory] = 0;
    s[x] = static_cast<real_t>(p.x.value);
    s[y] = static_cast<real_t>(p.y.value);
    s[u] = static_cast<real_t>(p.u.value);
    s[released] = 0;
    s[steps_since_spike] = 0;
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& k, real_t* s, const neuron_input& in) {
    const iaf_psc_exp_constants& c = k.exp;
    const bool refractory_now = s[refractory] > 0;
    const real_t v_old = s[V_m] - c.E_L;  // relative to E_L, as NEST integrates it
    const real_t v_new = v_old * c.P22 + s[I_syn_ex] * c.P21ex + s[I_syn_in] * c.P21in +
                         (c.I_e + in.current) * c.P20 + in.delta_v;
    real_t v = refractory_now ? v_old : v_new;
    s[I_syn_ex] = s[I_syn_ex] * c.P11ex + in.port[0];
    s[I_syn_in] = s[I_syn_in] * c.P11in + in.port[1];
    const real_t theta = c.theta - c.E_L;
    bool spike = v >= theta;
    if (k.threshold != 0) spike = k.threshold == 1 && in.uniform < k.rho_dt * std::exp((v - theta) * k.inv_delta);
    s[refractory] = spike ? c.ref_steps : (refractory_now ? s[refractory] - 1 : s[refractory]);
    v = spike ? c.V_reset - c.E_L : v;
    s[V_m] = v + c.E_L;
    const real_t since = s[steps_since_spike] + 1;  // this step's end is `since` steps after the last spike
    s[steps_since_spike] = spike ? real_t(0) : since;
    if (spike) {  // rare: a branch, not a select
      double uu = s[u], xx = s[x], yy = s[y];
      std::uint64_t origin = 0;  // plasticity_on_spike's elapsed time: (step + 1 - origin) dt = since dt
      const double r = plasticity_on_spike(k.tm, uu, xx, yy, origin, static_cast<std::uint64_t>(since) - 1);
      s[u] = static_cast<real_t>(uu);
      s[x] = static_cast<real_t>(xx);
      s[y] = static_cast<real_t>(yy);
      s[released] = static_cast<real_t>(r);
    }
    return spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_tum_2000)
