#pragma once
// NEST's precise-spike-time leaky integrate-and-fire neurons (Morrison et al. 2007, Hanuschkin et al. 2010):
// iaf_psc_delta_ps, iaf_psc_exp_ps and iaf_psc_alpha_ps, and iaf_psc_exp_ps_lossless (its own section below). The
// state is propagated exactly between events, the threshold crossing is located inside the step, and reset and
// refractory period start at that precise time.
//
//   C_m dV/dt = -(V - E_L) C_m / tau_m + I_syn + I_e + I            (mV, pF, ms, pA)
//   iaf_psc_delta_ps: no I_syn; a spike of weight w (mV) makes V jump by w (in.delta_v, no port)
//   iaf_psc_exp_ps:   dI_syn_x/dt = -I_syn_x / tau_syn_x; a spike of weight w (pA) makes I_syn_x jump by w
//   iaf_psc_alpha_ps: dI_syn_x/dt = dI_x - I_syn_x / tau_syn_x, d(dI_x)/dt = -dI_x / tau_syn_x; a spike of weight w
//                     (pA) makes dI_x jump by w e / tau_syn_x (a PSC peaking at w pA, tau_syn_x after the spike)
//   exp/alpha: positive weights to port "ex", negative to "in" (NEST routes by sign); I is the current of the step,
//   held constant over it (NEST's CurrentEvent, set at the end of the previous step).
//
// Exact propagation over an interval t (times inside a step are offsets before its end, as in NEST: h at the start,
// 0 at the end): V <- V + expm1(-t/tau_m) V - tau_m/C_m expm1(-t/tau_m) (I_e + I) + P_VI(t) I_syn + P_VdI(t) dI,
// with NEST 3.10's propagators from a synaptic current to V (ps_detail::syn_propagator: the regular formula and,
// where it loses precision or tau_syn == tau_m, the singular limit, with NEST's case split). delta_ps propagates
// V <- V - v_inf expm1(-t/tau_m) + V expm1(-t/tau_m), v_inf = tau_m/C_m (I_e + I).
//
// One step (NEST 3.10's update with inputs on the grid), offsets in ms before the end of the step:
//   0. V >= V_th at the start of a step (only possible after V_m was set by hand): spike at offset h (1 - eps).
//   1. Refractory for the whole step: V stays at V_reset, the synaptic currents decay over h; delta_ps drops the
//      weights arriving (NEST's refractory_input is false and cannot be set in 3.10).
//   2. Refractoriness ends in this step, at o = the last spike's offset (the end is t_spike + n h, n = t_ref rounded
//      up to whole steps as NEST's Time does, so off the grid): the currents decay over h - o with V held, then V and
//      the currents propagate over o and the crossing test of 4 runs on that interval.
//   3. Otherwise V and the currents propagate over the whole step.
//   4. Crossing: V >= V_th at the end of the interval (a, b] emits a spike at the crossing. delta_ps solves for it
//      in closed form (dt = -tau_m ln((v_inf - V)/(v_inf - V_th)) before b); exp_ps and alpha_ps run NEST's
//      regula falsi (Illinois variant, |V(t) - V_th| < 1e-14 mV) on V(t) from the state at a. V = V_reset, the
//      refractory counter restarts. The currents keep their values at b (only V is reset).
//   5. The weights arriving in this step (NEST: at offset 0, the end of the step) are added: exp/alpha to the
//      currents; delta_ps to V unless a spike happened in this step, and V >= V_th then is an instant spike at
//      offset 0 (the weights of one step arrive together: NEST sums simultaneous inputs of delta_ps).
//   V_min: delta_ps and exp_ps bound V below only in steps without events (NEST's no-event path: no input, no end
//   of refractoriness); iaf_psc_alpha_ps bounds V after every propagation.
// State: spike_offset = the spike's offset in ms before the end of its step (the spike time is (k + 1) h -
// spike_offset for a spike in step k, NEST's stamp - offset) on the spike's step, 0 otherwise; last_spike_offset
// keeps it until the refractory period ends; refractory_steps counts the steps left until the step in which it ends.
//
// Differences from NEST: volley's spikes travel on the step grid, so the offsets of incoming spikes from other
// precise (_ps) neurons are lost: every input arrives at the end of its step (offset 0), which is exactly NEST's
// behaviour for on-grid senders (spike_generator with on-grid times, poisson_generator, grid-based neurons). The
// outgoing spike keeps its precise time in spike_offset. Whether a step is event-free (for the V_min bound of
// delta_ps and exp_ps) is decided from the summed weights: a step whose inputs sum to exactly 0 counts as
// event-free (NEST: not). NEST throws NumericalInstability when regula falsi does not converge; device code cannot,
// it keeps the last estimate. in.delta_v (mV) for exp_ps, alpha_ps and lossless is a volley extension (NEST's models
// take no voltage jumps): added to V at the end of the step unless refractory, V >= V_th then spikes at offset 0.
// Internally double precision (state stored as real_t).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "engine/config.hpp"
#include "engine/error.hpp"
#include "engine/param.hpp"
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

namespace ps_detail {

constexpr double smallest_normal = 2.2250738585072014e-308;  // DBL_MIN
constexpr double largest = 1.7976931348623157e308;           // DBL_MAX
constexpr double epsilon = 2.220446049250313e-16;            // DBL_EPSILON
constexpr double e = 2.718281828459045;                      // NEST's numerics::e

// Propagators from a synaptic current (time constant tau_s) to V over an interval h (NEST 3.10's IAFPropagator):
// with 1/beta = 1/tau_s - 1/tau_m and gamma = beta / C_m,
//   P_VI(h)  = gamma exp(-h/tau_s) expm1(h/beta)                        (exponential current, or alpha's I)
//   P_VdI(h) = gamma exp(-h/tau_s) (beta expm1(h/beta) - h)              (alpha's dI)
// and their limits for tau_s -> tau_m: h/C_m exp(-h/tau_m) and h^2/(2 C_m) exp(-h/tau_m). NEST takes the limit of
// P_VI when the formula is not a positive normal number, and of P_VdI when h <= 1e-7 tau_m^2 / |tau_m - tau_s|.
struct syn_propagator {
  double inv_tau_syn, inv_tau_m, inv_c_m, inv_beta, beta, gamma, h_min_regular;
};

inline syn_propagator make_syn_propagator(double tau_s, double tau_m, double c_m) {
  syn_propagator p;
  p.inv_tau_syn = 1.0 / tau_s;
  p.inv_tau_m = 1.0 / tau_m;
  p.inv_c_m = 1.0 / c_m;
  p.beta = tau_s * tau_m / (tau_m - tau_s);  // infinite when tau_s == tau_m
  p.gamma = p.beta / c_m;
  p.inv_beta = (tau_m - tau_s) / (tau_s * tau_m);
  p.h_min_regular = 1e-7 * tau_m * tau_m / std::abs(tau_m - tau_s);
  return p;
}

VOLLEY_HD VOLLEY_INLINE double p_vi(const syn_propagator& p, double h) {
  const double v = p.gamma * std::exp(-h * p.inv_tau_syn) * std::expm1(h * p.inv_beta);
  if (v >= smallest_normal && v <= largest) return v;  // NaN and inf fail both
  return h * p.inv_c_m * std::exp(-h * p.inv_tau_m);
}

VOLLEY_HD VOLLEY_INLINE double p_vdi(const syn_propagator& p, double h) {
  if (h > p.h_min_regular)
    return p.gamma * std::exp(-h * p.inv_tau_syn) * (p.beta * std::expm1(h * p.inv_beta) - h);
  return 0.5 * h * h * p.inv_c_m * std::exp(-h * p.inv_tau_m);
}

// Root of f (f(0) < 0 <= f(dt)) by regula falsi with the Illinois modification, stopped at |f| < 1e-14 or after 500
// iterations, as NEST's regula_falsi: time after the start of the interval.
template <class F>
VOLLEY_HD VOLLEY_INLINE double illinois_root(const F& f, double dt) {
  double a = 0.0, b = dt, fa = f(a), fb = f(b), root = dt;
  int side = 0;  // which end moved last: +1 a, -1 b
  for (int it = 0; it < 500; ++it) {
    root = (a * fb - b * fa) / (fb - fa);
    const double fr = f(root);
    if (std::fabs(fr) < 1e-14) return root;
    if (fa * fr > 0.0) {
      a = root;
      fa = fr;
      if (side == 1) fb /= 2;
      side = 1;
    } else if (fb * fr > 0.0) {
      b = root;
      fb = fr;
      if (side == -1) fa /= 2;
      side = -1;
    } else {
      return root;
    }
  }
  return root;
}

inline void check_refractory_steps(const char* model, double t_ref, double h) {
  if (nest_refractory_steps(t_ref, h) < 1)
    throw parameter_error(std::string(model) + " (dt = " + std::to_string(h) + " ms)", "t_ref", std::to_string(t_ref),
                          "at least one time step");
}

// NEST's checks of the parameters common to the three models (BadProperty texts).
template <class P>
const char* validate_common(const P& p) {
  if (p.V_reset.value >= p.V_th.value) return "Reset potential must be smaller than threshold.";
  if (p.V_reset.value < p.V_min.value) return "Reset potential must be greater equal minimum potential.";
  return nullptr;
}

// The refractory bookkeeping and output of one step, shared by the three models.
struct step_flags {
  bool refractory;  // refractory at the start of the step (after 0.)
  bool ends;        // and returns from refractoriness in this step, at offset `last`
  double r;         // refractory steps left (after this step's decrement)
  double last;      // the last spike's offset (ms)
  bool spike;
  double offset;    // this step's spike offset (ms)
};

// Step 0. and the counter: a start above threshold spikes at offset h (1 - eps) and keeps the neuron refractory
// for this whole step; else a refractory neuron counts down and returns in the step where the count reaches 0.
VOLLEY_HD VOLLEY_INLINE step_flags begin_step(double r, double last, bool above, double h, double ref_steps) {
  step_flags f{r > 0, false, r, last, false, 0.0};
  if (!f.refractory && above) {
    f.spike = true;
    f.offset = f.last = h * (1.0 - epsilon);
    f.refractory = true;
    f.r = ref_steps;
    return f;
  }
  if (f.refractory) {
    f.r -= 1;
    f.ends = f.r <= 0;
  }
  return f;
}

VOLLEY_HD VOLLEY_INLINE void emit(step_flags& f, double offset, double ref_steps) {
  f.spike = true;
  f.offset = f.last = offset;
  f.refractory = true;
  f.r = ref_steps;
}

}  // namespace ps_detail

// ================================================ iaf_psc_delta_ps ================================================

struct iaf_psc_delta_ps_params {
  units::voltage_q E_L{-70.0};
  units::capacitance_q C_m{250.0};
  units::time_q tau_m{10.0};
  units::time_q t_ref{2.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-70.0};
  units::voltage_q V_min{-1.7976931348623157e308};  // NEST's default -DBL_MAX: no bound
  units::current_q I_e{0.0};
};

struct iaf_psc_delta_ps_constants {
  double h, E_L, theta, V_reset, V_min;  // ms; mV: E_L absolute, the others relative to E_L
  double tau_m, R, I_e;                  // ms, mV/pA (tau_m / C_m), pA
  double expm1_h;                        // expm1(-h / tau_m)
  double ref_steps;
};

struct iaf_psc_delta_ps {
  static constexpr const char* name = "iaf_psc_delta_ps";
  static constexpr const char* description =
      "NEST iaf_psc_delta_ps: LIF with voltage-jump inputs (mV), precise spike times (exact crossing inside the "
      "step, reset and refractory period from it)";
  enum : int { V_m, refractory_steps, last_spike_offset, spike_offset, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"last_spike_offset", units::dims::time},
                                                                  {"spike_offset", units::dims::time}}};
  // No ports: a connection whose weights are voltages goes to the delta channel (in.delta_v).
  static constexpr int n_ports = 0;
  static constexpr std::array<port_desc, 1> ports{{{"", units::dims::none}}};

  using params = iaf_psc_delta_ps_params;
  using constants = iaf_psc_delta_ps_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E_L", p.E_L, range_check::any);
    f("C_m", p.C_m, range_check::positive);
    f("tau_m", p.tau_m, range_check::positive);
    f("t_ref", p.t_ref, range_check::positive);
    f("V_th", p.V_th, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
    f("V_min", p.V_min, range_check::any);
    f("I_e", p.I_e, range_check::any);
  }
  static const char* validate(const params& p) {
    if (!(p.C_m.value > 0)) return "Capacitance must be strictly positive.";
    if (!(p.tau_m.value > 0)) return "All time constants must be strictly positive.";
    return ps_detail::validate_common(p);
  }
  // Throws parameter_error when t_ref is shorter than one step (NEST's check).
  static constants derive(const params& p, double h) {
    ps_detail::check_refractory_steps(name, p.t_ref.value, h);
    const double E_L = p.E_L.value, tm = p.tau_m.value;
    return {h,
            E_L,
            p.V_th.value - E_L,
            p.V_reset.value - E_L,
            std::max(p.V_min.value - E_L, std::numeric_limits<double>::lowest()),
            tm,
            tm / p.C_m.value,
            p.I_e.value,
            std::expm1(-h / tm),
            nest_refractory_steps(p.t_ref.value, h)};
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[refractory_steps] = s[last_spike_offset] = s[spike_offset] = 0;
  }

  // V over t from V (no bound): NEST's propagate_.
  VOLLEY_HD VOLLEY_INLINE static double propagate(const constants& c, double V, double v_inf, double t) {
    const double em1 = std::expm1(-t / c.tau_m);
    return -v_inf * em1 + V * em1 + V;
  }
  // Time from the threshold crossing to the end of a propagation that ended at V >= theta (closed form).
  VOLLEY_HD VOLLEY_INLINE static double since_crossing(const constants& c, double V, double v_inf) {
    return -c.tau_m * std::log((v_inf - V) / (v_inf - c.theta));
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    double V = double(s[V_m]) - c.E_L;
    const double I = double(in.current) + c.I_e;
    const double v_inf = c.R * I;
    const double w = in.delta_v;
    const bool input = w != 0;
    auto f = ps_detail::begin_step(s[refractory_steps], s[last_spike_offset], V >= c.theta, c.h, c.ref_steps);
    if (f.spike) V = c.V_reset;
    if (f.refractory && f.ends) {
      // return at offset f.last, then free until the end of the step (the arriving weights land at its end)
      f.refractory = false;
      V = propagate(c, V, v_inf, f.last);
      if (V >= c.theta) {
        ps_detail::emit(f, since_crossing(c, V, v_inf), c.ref_steps);
        V = c.V_reset;
      } else if (input) {
        V += w;
        if (V >= c.theta) {
          ps_detail::emit(f, 0.0, c.ref_steps);
          V = c.V_reset;
        }
      }
    } else if (!f.refractory) {
      if (input) {  // NEST's event path: propagated to the input, no V_min
        V = propagate(c, V, v_inf, c.h);
      } else {      // NEST's fixed propagator, bounded below
        V = -c.expm1_h * c.R * I + c.expm1_h * V + V;
        V = V < c.V_min ? c.V_min : V;
      }
      if (V >= c.theta) {
        ps_detail::emit(f, since_crossing(c, V, v_inf), c.ref_steps);  // the input of this step is lost
        V = c.V_reset;
      } else if (input) {
        V += w;
        if (V >= c.theta) {
          ps_detail::emit(f, 0.0, c.ref_steps);
          V = c.V_reset;
        }
      }
    }
    s[V_m] = static_cast<real_t>(V + c.E_L);
    s[refractory_steps] = static_cast<real_t>(f.r);
    s[last_spike_offset] = static_cast<real_t>(f.last);
    s[spike_offset] = static_cast<real_t>(f.spike ? f.offset : 0.0);
    return f.spike;
  }
};

// ================================================= iaf_psc_exp_ps =================================================

struct iaf_psc_exp_ps_params {
  units::voltage_q E_L{-70.0};
  units::capacitance_q C_m{250.0};
  units::time_q tau_m{10.0};
  units::time_q t_ref{2.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-70.0};
  units::voltage_q V_min{-1.7976931348623157e308};  // NEST's default -inf: no bound
  units::time_q tau_syn_ex{2.0};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

// exp_ps and alpha_ps share their constants (alpha uses P_VdI and the PSC normalisation as well).
struct iaf_psc_ps_syn_constants {
  double h, E_L, theta, V_reset, V_min;  // ms; mV: E_L absolute, the others relative to E_L
  double tau_m, C_m, I_e;                // ms, pF, pA
  double tau_ex, tau_in;                 // ms
  ps_detail::syn_propagator ex, in;
  double expm1_h, P20, exp_ex, exp_in;  // over one step: expm1(-h/tau_m), -tau_m/C_m expm1(-h/tau_m), decays
  double P21ex, P21in, P31ex, P31in;    // P_VI and P_VdI over one step
  double psc_norm_ex, psc_norm_in;      // e / tau_syn (alpha: dI jump per pA of weight)
  double ref_steps;
};

template <class P>
iaf_psc_ps_syn_constants derive_syn_constants(const char* model, const P& p, double h) {
  ps_detail::check_refractory_steps(model, p.t_ref.value, h);
  iaf_psc_ps_syn_constants c;
  const double tm = p.tau_m.value, C = p.C_m.value;
  c.h = h;
  c.E_L = p.E_L.value;
  c.theta = p.V_th.value - c.E_L;
  c.V_reset = p.V_reset.value - c.E_L;
  c.V_min = std::max(p.V_min.value - c.E_L, std::numeric_limits<double>::lowest());
  c.tau_m = tm;
  c.C_m = C;
  c.I_e = p.I_e.value;
  c.tau_ex = p.tau_syn_ex.value;
  c.tau_in = p.tau_syn_in.value;
  c.ex = ps_detail::make_syn_propagator(c.tau_ex, tm, C);
  c.in = ps_detail::make_syn_propagator(c.tau_in, tm, C);
  c.expm1_h = std::expm1(-h / tm);
  c.P20 = -tm / C * c.expm1_h;
  c.exp_ex = std::exp(-h / c.tau_ex);
  c.exp_in = std::exp(-h / c.tau_in);
  c.P21ex = ps_detail::p_vi(c.ex, h);
  c.P21in = ps_detail::p_vi(c.in, h);
  c.P31ex = ps_detail::p_vdi(c.ex, h);
  c.P31in = ps_detail::p_vdi(c.in, h);
  c.psc_norm_ex = ps_detail::e / c.tau_ex;
  c.psc_norm_in = ps_detail::e / c.tau_in;
  c.ref_steps = nest_refractory_steps(p.t_ref.value, h);
  return c;
}

template <class P, class F>
void each_syn_ps_param(P& p, F&& f) {
  f("E_L", p.E_L, range_check::any);
  f("C_m", p.C_m, range_check::positive);
  f("tau_m", p.tau_m, range_check::positive);
  f("t_ref", p.t_ref, range_check::positive);
  f("V_th", p.V_th, range_check::any);
  f("V_reset", p.V_reset, range_check::any);
  f("V_min", p.V_min, range_check::any);
  f("tau_syn_ex", p.tau_syn_ex, range_check::positive);
  f("tau_syn_in", p.tau_syn_in, range_check::positive);
  f("I_e", p.I_e, range_check::any);
}

template <class P>
const char* validate_syn_ps(const P& p) {
  if (!(p.C_m.value > 0)) return "Capacitance must be strictly positive.";
  if (!(p.tau_m.value > 0) || !(p.tau_syn_ex.value > 0) || !(p.tau_syn_in.value > 0))
    return "All time constants must be strictly positive.";
  return ps_detail::validate_common(p);
}

struct iaf_psc_exp_ps {
  static constexpr const char* name = "iaf_psc_exp_ps";
  static constexpr const char* description =
      "NEST iaf_psc_exp_ps: LIF with exponential PSCs, precise spike times (crossing by regula falsi inside the "
      "step, reset and refractory period from it)";
  enum : int { V_m, I_syn_ex, I_syn_in, refractory_steps, last_spike_offset, spike_offset, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"last_spike_offset", units::dims::time},
                                                                  {"spike_offset", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = iaf_psc_exp_ps_params;
  using constants = iaf_psc_ps_syn_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    each_syn_ps_param(p, f);
  }
  static const char* validate(const params& p) { return validate_syn_ps(p); }
  // Throws parameter_error when t_ref is shorter than one step (NEST's check).
  static constants derive(const params& p, double h) { return derive_syn_constants(name, p, h); }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    s[I_syn_ex] = s[I_syn_in] = s[refractory_steps] = s[last_spike_offset] = s[spike_offset] = 0;
  }

  // V after t from (V, I_ex, I_in) with the current I (I_e included) held: NEST's propagate_ / threshold_distance.
  VOLLEY_HD VOLLEY_INLINE static double membrane_after(const constants& c, double t, double V, double Iex, double Iin,
                                                       double I) {
    const double em1 = std::expm1(-t / c.tau_m);
    const double P20 = -c.tau_m / c.C_m * em1;
    return P20 * I + ps_detail::p_vi(c.ex, t) * Iex + ps_detail::p_vi(c.in, t) * Iin + em1 * V + V;
  }
  struct distance {  // V(t) - theta from the state at the start of an interval
    const constants& c;
    double V, Iex, Iin, I;
    VOLLEY_HD VOLLEY_INLINE double operator()(double t) const { return membrane_after(c, t, V, Iex, Iin, I) - c.theta; }
  };

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    double V = double(s[V_m]) - c.E_L, Iex = s[I_syn_ex], Iin = s[I_syn_in];
    const double I = c.I_e + double(in.current);
    const bool input = in.port[0] != 0 || in.port[1] != 0 || in.delta_v != 0;
    auto f = ps_detail::begin_step(s[refractory_steps], s[last_spike_offset], V >= c.theta, c.h, c.ref_steps);
    if (f.spike) V = c.V_reset;
    if (f.refractory && !f.ends) {
      Iex *= c.exp_ex;
      Iin *= c.exp_in;
    } else if (f.refractory) {
      const double o = f.last, held = c.h - o;  // return from refractoriness o before the end of the step
      Iex *= std::exp(-held / c.tau_ex);
      Iin *= std::exp(-held / c.tau_in);
      f.refractory = false;
      if (o > 0) {
        const distance d{c, V, Iex, Iin, I};
        V = membrane_after(c, o, V, Iex, Iin, I);  // NEST's event path: no V_min
        Iex *= std::exp(-o / c.tau_ex);
        Iin *= std::exp(-o / c.tau_in);
        if (V >= c.theta) {
          ps_detail::emit(f, c.h - (held + ps_detail::illinois_root(d, o)), c.ref_steps);
          V = c.V_reset;
        }
      }
    } else {
      const distance d{c, V, Iex, Iin, I};
      if (input) {  // NEST's event path (the inputs arrive at the end of the step): no V_min
        V = membrane_after(c, c.h, V, Iex, Iin, I);
      } else {
        V = c.P20 * I + c.P21ex * Iex + c.P21in * Iin + c.expm1_h * V + V;
        V = V < c.V_min ? c.V_min : V;
      }
      Iex *= c.exp_ex;
      Iin *= c.exp_in;
      if (V >= c.theta) {
        ps_detail::emit(f, c.h - ps_detail::illinois_root(d, c.h), c.ref_steps);
        V = c.V_reset;
      }
    }
    Iex += in.port[0];
    Iin += in.port[1];
    if (!f.refractory && in.delta_v != 0) {  // volley extension: a voltage jump at the end of the step
      V += in.delta_v;
      if (V >= c.theta) {
        ps_detail::emit(f, 0.0, c.ref_steps);
        V = c.V_reset;
      }
    }
    s[V_m] = static_cast<real_t>(V + c.E_L);
    s[I_syn_ex] = static_cast<real_t>(Iex);
    s[I_syn_in] = static_cast<real_t>(Iin);
    s[refractory_steps] = static_cast<real_t>(f.r);
    s[last_spike_offset] = static_cast<real_t>(f.last);
    s[spike_offset] = static_cast<real_t>(f.spike ? f.offset : 0.0);
    return f.spike;
  }
};

// ================================================ iaf_psc_alpha_ps ================================================

struct iaf_psc_alpha_ps_params {
  units::voltage_q E_L{-70.0};
  units::capacitance_q C_m{250.0};
  units::time_q tau_m{10.0};
  units::time_q t_ref{2.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-70.0};
  units::voltage_q V_min{-1.7976931348623157e308};  // NEST's default -inf: no bound
  units::time_q tau_syn_ex{2.0};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

struct iaf_psc_alpha_ps {
  static constexpr const char* name = "iaf_psc_alpha_ps";
  static constexpr const char* description =
      "NEST iaf_psc_alpha_ps: LIF with alpha-shaped PSCs, precise spike times (crossing by regula falsi inside the "
      "step, reset and refractory period from it)";
  enum : int { V_m, I_syn_ex, dI_syn_ex, I_syn_in, dI_syn_in, refractory_steps, last_spike_offset, spike_offset,
               n_state };
  static constexpr int membrane = V_m;
  static constexpr units::dimension current_rate = units::dims::current + units::dims::rate;  // pA/ms
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"dI_syn_ex", current_rate},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"dI_syn_in", current_rate},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"last_spike_offset", units::dims::time},
                                                                  {"spike_offset", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = iaf_psc_alpha_ps_params;
  using constants = iaf_psc_ps_syn_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    each_syn_ps_param(p, f);
  }
  static const char* validate(const params& p) { return validate_syn_ps(p); }
  // Throws parameter_error when t_ref is shorter than one step (NEST's check).
  static constants derive(const params& p, double h) { return derive_syn_constants(name, p, h); }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = I_syn_ex; q < n_state; ++q) s[q] = 0;
  }

  struct syn {  // I (pA) and dI (pA/ms) of both channels
    double Iex, dIex, Iin, dIin;
  };
  // V after t from V and the currents (I: external current with I_e), no bound: NEST's threshold_distance.
  VOLLEY_HD VOLLEY_INLINE static double membrane_after(const constants& c, double t, double V, const syn& y, double I) {
    const double em1 = std::expm1(-t / c.tau_m);
    const double P30 = -c.tau_m / c.C_m * em1;
    return P30 * I + ps_detail::p_vdi(c.ex, t) * y.dIex + ps_detail::p_vi(c.ex, t) * y.Iex +
           ps_detail::p_vdi(c.in, t) * y.dIin + ps_detail::p_vi(c.in, t) * y.Iin + V * em1 + V;
  }
  VOLLEY_HD VOLLEY_INLINE static void decay(syn& y, double t, double e_ex, double e_in) {
    y.Iex = e_ex * t * y.dIex + e_ex * y.Iex;
    y.dIex = e_ex * y.dIex;
    y.Iin = e_in * t * y.dIin + e_in * y.Iin;
    y.dIin = e_in * y.dIin;
  }
  struct distance {
    const constants& c;
    double V;
    syn y;
    double I;
    VOLLEY_HD VOLLEY_INLINE double operator()(double t) const { return membrane_after(c, t, V, y, I) - c.theta; }
  };
  // NEST's propagate_: V (bounded below) unless refractory, then the currents, over t.
  VOLLEY_HD VOLLEY_INLINE static void propagate(const constants& c, double t, bool refractory, double& V, syn& y,
                                                double I) {
    if (!refractory) {
      V = membrane_after(c, t, V, y, I);
      V = V < c.V_min ? c.V_min : V;
    }
    decay(y, t, std::exp(-t / c.tau_ex), std::exp(-t / c.tau_in));
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    double V = double(s[V_m]) - c.E_L;
    syn y{s[I_syn_ex], s[dI_syn_ex], s[I_syn_in], s[dI_syn_in]};
    const double I = c.I_e + double(in.current);
    auto f = ps_detail::begin_step(s[refractory_steps], s[last_spike_offset], V >= c.theta, c.h, c.ref_steps);
    if (f.spike) V = c.V_reset;
    if (f.refractory && !f.ends) {
      decay(y, c.h, c.exp_ex, c.exp_in);
    } else if (f.refractory) {
      const double o = f.last, held = c.h - o;  // return from refractoriness o before the end of the step
      propagate(c, held, true, V, y, I);
      f.refractory = false;
      const distance d{c, V, y, I};
      propagate(c, o, false, V, y, I);  // NEST propagates (and bounds V) even over o == 0
      if (V >= c.theta) {
        ps_detail::emit(f, c.h - (held + ps_detail::illinois_root(d, o)), c.ref_steps);
        V = c.V_reset;
      }
    } else {
      const distance d{c, V, y, I};
      V = c.P20 * I + c.P31ex * y.dIex + c.P21ex * y.Iex + c.P31in * y.dIin + c.P21in * y.Iin + c.expm1_h * V + V;
      V = V < c.V_min ? c.V_min : V;
      decay(y, c.h, c.exp_ex, c.exp_in);
      if (V >= c.theta) {
        ps_detail::emit(f, c.h - ps_detail::illinois_root(d, c.h), c.ref_steps);
        V = c.V_reset;
      }
    }
    y.dIex += c.psc_norm_ex * in.port[0];
    y.dIin += c.psc_norm_in * in.port[1];
    if (!f.refractory && in.delta_v != 0) {  // volley extension: a voltage jump at the end of the step
      V += in.delta_v;
      if (V >= c.theta) {
        ps_detail::emit(f, 0.0, c.ref_steps);
        V = c.V_reset;
      }
    }
    s[V_m] = static_cast<real_t>(V + c.E_L);
    s[I_syn_ex] = static_cast<real_t>(y.Iex);
    s[dI_syn_ex] = static_cast<real_t>(y.dIex);
    s[I_syn_in] = static_cast<real_t>(y.Iin);
    s[dI_syn_in] = static_cast<real_t>(y.dIin);
    s[refractory_steps] = static_cast<real_t>(f.r);
    s[last_spike_offset] = static_cast<real_t>(f.last);
    s[spike_offset] = static_cast<real_t>(f.spike ? f.offset : 0.0);
    return f.spike;
  }
};


// ============================================ iaf_psc_exp_ps_lossless ============================================
// NEST's iaf_psc_exp_ps_lossless (Krishnan et al. 2018): iaf_psc_exp_ps whose threshold test also finds the crossings
// where V rises above V_th and falls back within one interval ("missed spikes"), by time-reversed state space
// analysis: from the state (V_0, I_0 = I_syn_ex + I_syn_in, I_e + I) at the start of an interval of length dt, with
// NEST's coefficients (tau_s = tau_syn_ex = tau_syn_in, tau_m != tau_s)
//   f   = (tau_m tau_s I_0 expm1(dt/tau_m - dt/tau_s) + expm1(dt/tau_m) (a3 - (I_e + I) a2) + a3) / a4
//   no spike when V_0 < g (the line of NEST's is_spike_) and V_0 <= f; a spike ending the interval when V_0 >= f;
//   no spike when V_0 < c1 I_e' + c2 I_0 + c3 I_0^(tau_s/tau_m) (C V_th/tau_m - I_e')^(1 - tau_s/tau_m);
//   else a missed spike: V peaks above V_th at t_max = beta ln(-tau_m^2 I_0 / (a2 I_e' - a1 I_0 - a4 V_0)),
//   beta = tau_m tau_s / (tau_m - tau_s) (dV/dt = 0)
// (a1 = tau_m tau_s, a2 = tau_m (tau_m - tau_s), a3 = C V_th (tau_m - tau_s), a4 = C (tau_m - tau_s)); the crossing
// is then located by regula falsi on [0, t_max] (or [0, dt]) as in iaf_psc_exp_ps. NEST 3.10 scales t_max by
// a1 / tau_m * tau_s = tau_s^2 instead of beta: unless tau_s^2 happens to fall where V > V_th, its regula falsi finds
// no sign change and NEST stops with NumericalInstability (e.g. tau_m 1, tau_s 0.25 ms, an input of 23.85 nA from
// rest); where NEST runs on, both find the same crossing.
// Update order as iaf_psc_exp_ps (models above), with NEST's differences: V over an interval with input or a
// return from refractoriness uses exp(-t/tau_m) V (no V_min bound), over a plain step expm1(-h/tau_m) V + V (bound);
// the test runs on every interval, also while refractory: with V held at V_reset it fires again when the currents
// would carry V_reset over V_th within the interval (NEST 3.10 does, e.g. every step for I_e = 100 nA), restarting
// the refractory period; a return from refractoriness scheduled before still happens. I_syn = I_syn_ex + I_syn_in
// (NEST's recordable). Differences from NEST: as iaf_psc_exp_ps; t_max of a missed spike (above); t_ref must last at least one step (NEST accepts 0,
// and then never ends the refractory period after the first spike); NEST throws when regula falsi finds no sign
// change; a step with two spikes (one while refractory, one after the return in the same step) keeps the second.

struct iaf_psc_exp_ps_lossless_params {
  units::voltage_q E_L{-70.0};
  units::capacitance_q C_m{250.0};
  units::time_q tau_m{10.0};
  units::time_q t_ref{2.0};
  units::voltage_q V_th{-55.0};
  units::voltage_q V_reset{-70.0};
  units::voltage_q V_min{-1.7976931348623157e308};  // NEST's default -inf: no bound
  units::time_q tau_syn_ex{2.0};
  units::time_q tau_syn_in{2.0};
  units::current_q I_e{0.0};
};

struct iaf_psc_exp_ps_lossless_constants {
  iaf_psc_ps_syn_constants s;
  double a1, a2, a3, a4, b1, b2, b3, b4, c1, c2, c3, c4, c5, c6;  // NEST's is_spike_ coefficients
};

struct iaf_psc_exp_ps_lossless {
  static constexpr const char* name = "iaf_psc_exp_ps_lossless";
  static constexpr const char* description =
      "NEST iaf_psc_exp_ps_lossless: LIF with exponential PSCs, precise spike times, threshold crossings found by "
      "time-reversed state space analysis (no missed spikes; Krishnan et al. 2018)";
  enum : int { V_m, I_syn_ex, I_syn_in, I_syn, refractory_steps, last_spike_offset, spike_offset, n_state };
  static constexpr int membrane = V_m;
  static constexpr std::array<state_field, n_state> state_fields{{{"V_m", units::dims::voltage},
                                                                  {"I_syn_ex", units::dims::current},
                                                                  {"I_syn_in", units::dims::current},
                                                                  {"I_syn", units::dims::current},
                                                                  {"refractory_steps", units::dims::none},
                                                                  {"last_spike_offset", units::dims::time},
                                                                  {"spike_offset", units::dims::time}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"ex", units::dims::current}, {"in", units::dims::current}}};
  static constexpr bool routes_by_sign = true;

  using params = iaf_psc_exp_ps_lossless_params;
  using constants = iaf_psc_exp_ps_lossless_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    each_syn_ps_param(p, f);
  }
  static const char* validate(const params& p) {
    if (p.V_reset.value >= p.V_th.value) return "Reset potential must be smaller than threshold.";
    if (p.V_reset.value < p.V_min.value) return "Reset potential must be greater than or equal to minimum potential.";
    if (!(p.C_m.value > 0)) return "Capacitance must be strictly positive.";
    if (p.tau_syn_ex.value != p.tau_syn_in.value)
      return "tau_syn_ex == tau_syn_in is required in the current implementation (NEST's restriction).";
    if (!(p.tau_m.value > 0) || !(p.tau_syn_ex.value > 0) || !(p.tau_syn_in.value > 0))
      return "All time constants must be strictly positive.";
    if (p.tau_m.value == p.tau_syn_ex.value) return "Membrane and synapse time constant(s) must differ.";
    return nullptr;
  }
  // Throws parameter_error when t_ref is shorter than one step.
  static constants derive(const params& p, double h) {
    constants k;
    k.s = derive_syn_constants(name, p, h);
    const double tm = p.tau_m.value, ts = p.tau_syn_ex.value, C = p.C_m.value, th = k.s.theta;
    k.a1 = tm * ts;
    k.a2 = tm * (tm - ts);
    k.a3 = C * th * (tm - ts);
    k.a4 = C * (tm - ts);
    k.b1 = -tm * tm;
    k.b2 = tm * ts;
    k.b3 = tm * C * th;
    k.b4 = -C * (tm - ts);
    k.c1 = tm / C;
    k.c2 = (-tm * ts) / (C * (tm - ts));
    k.c3 = (tm * tm) / (C * (tm - ts));
    k.c4 = ts / tm;
    k.c5 = (C * th) / tm;
    k.c6 = 1 - (ts / tm);
    return k;
  }
  static void initial_state(const params& p, real_t* s) {
    s[V_m] = static_cast<real_t>(p.E_L.value);
    for (int q = I_syn_ex; q < n_state; ++q) s[q] = 0;
  }

  // V after t from (V, I_ex, I_in) with I (I_e included) held, exp(-t/tau_m) V: NEST's propagate_ and
  // threshold_distance of this model.
  VOLLEY_HD VOLLEY_INLINE static double membrane_after(const iaf_psc_ps_syn_constants& c, double t, double V,
                                                       double Iex, double Iin, double I) {
    const double P20 = -c.tau_m / c.C_m * std::expm1(-t / c.tau_m);
    return P20 * I + ps_detail::p_vi(c.ex, t) * Iex + ps_detail::p_vi(c.in, t) * Iin + V * std::exp(-t / c.tau_m);
  }
  struct distance {
    const iaf_psc_ps_syn_constants& c;
    double V, Iex, Iin, I;
    VOLLEY_HD VOLLEY_INLINE double operator()(double t) const { return membrane_after(c, t, V, Iex, Iin, I) - c.theta; }
  };
  // NEST's is_spike_: the end of the search interval for the crossing in an interval of length dt that starts at
  // (V0, I0 = I_ex + I_in, Ie = I_e + I), or NaN when there is none.
  VOLLEY_HD VOLLEY_INLINE static double spike_search_end(const constants& k, double dt, double V0, double I0,
                                                          double Ie) {
    const double ts = k.s.tau_ex, tm = k.s.tau_m;
    const double em_s = std::expm1(dt / ts), em_m = std::expm1(dt / tm), em_ms = std::expm1(dt / tm - dt / ts);
    const double f = (k.a1 * I0 * em_ms + em_m * (k.a3 - Ie * k.a2) + k.a3) / k.a4;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (V0 < ((I0 + Ie) * (k.b1 * em_m + k.b2 * em_s) + k.b3 * (em_m - em_s)) / (k.b4 * em_s) && V0 <= f) return nan;
    if (V0 >= f) return dt;
    if (V0 < k.c1 * Ie + k.c2 * I0 + k.c3 * std::pow(I0, k.c4) * std::pow(k.c5 - Ie, k.c6)) return nan;
    return k.a1 / (tm - ts) * std::log(k.b1 * I0 / (k.a2 * Ie - k.a1 * I0 - k.a4 * V0));  // NEST: a1 / tm * ts
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& k, real_t* s, const neuron_input& in) {
    const iaf_psc_ps_syn_constants& c = k.s;
    double V = double(s[V_m]) - c.E_L, Iex = s[I_syn_ex], Iin = s[I_syn_in];
    const double I = c.I_e + double(in.current);
    const bool input = in.port[0] != 0 || in.port[1] != 0 || in.delta_v != 0;
    auto f = ps_detail::begin_step(s[refractory_steps], s[last_spike_offset], V >= c.theta, c.h, c.ref_steps);
    if (f.spike) V = c.V_reset;
    // one interval of length dt starting t0 after the start of the step; `plain`: NEST's fixed-propagator step
    auto interval = [&](double t0, double dt, bool plain) {
      const distance d{c, V, Iex, Iin, I};
      if (!f.refractory) {
        if (plain) {
          V = c.P20 * I + c.P21ex * Iex + c.P21in * Iin + c.expm1_h * V + V;
          V = V < c.V_min ? c.V_min : V;
        } else {
          V = membrane_after(c, dt, V, Iex, Iin, I);
        }
      }
      Iex *= plain ? c.exp_ex : std::exp(-dt / c.tau_ex);
      Iin *= plain ? c.exp_in : std::exp(-dt / c.tau_in);
      const double t_max = spike_search_end(k, dt, d.V, d.Iex + d.Iin, I);
      if (t_max == t_max) {  // not NaN
        ps_detail::emit(f, c.h - (t0 + ps_detail::illinois_root(d, t_max)), c.ref_steps);
        V = c.V_reset;
      }
    };
    if (f.ends) {
      const double o = f.last;
      interval(0.0, c.h - o, false);
      f.refractory = false;  // the return scheduled by the last spike before this step
      f.r = 0;
      if (o > 0) interval(c.h - o, o, false);
    } else {
      interval(0.0, c.h, !input);
    }
    Iex += in.port[0];
    Iin += in.port[1];
    if (!f.refractory && in.delta_v != 0) {  // volley extension: a voltage jump at the end of the step
      V += in.delta_v;
      if (V >= c.theta) {
        ps_detail::emit(f, 0.0, c.ref_steps);
        V = c.V_reset;
      }
    }
    s[V_m] = static_cast<real_t>(V + c.E_L);
    s[I_syn_ex] = static_cast<real_t>(Iex);
    s[I_syn_in] = static_cast<real_t>(Iin);
    s[I_syn] = static_cast<real_t>(Iex + Iin);
    s[refractory_steps] = static_cast<real_t>(f.r);
    s[last_spike_offset] = static_cast<real_t>(f.last);
    s[spike_offset] = static_cast<real_t>(f.spike ? f.offset : 0.0);
    return f.spike;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_delta_ps)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_exp_ps)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_alpha_ps)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::iaf_psc_exp_ps_lossless)
