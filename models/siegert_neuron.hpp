#pragma once
// NEST's siegert_neuron (siegert_neuron.{h,cpp} in NEST 3.10): a mean-field rate node whose rate relaxes, with time
// constant tau, towards the stationary firing rate of a leaky integrate-and-fire neuron driven by white (tau_syn = 0)
// or exponentially filtered noise of mean mu and variance sigma^2 (Siegert's formula; Fourcaud & Brunel 2002's
// shifted boundaries for tau_syn > 0). Inputs come through diffusion_connection (host/nest_siegert.cpp): each sender's
// rate times drift_factor sums on port drift (mu, mV), times diffusion_factor on port diffusion (sigma^2, mV^2).
//
// Per step of h (NEST's update, the same order):
//   rate <- P1 rate + (1 - P1) mean + P2 phi(mu, sigma^2)      P1 = exp(-h/tau), P2 = -expm1(-h/tau)
// with mu, sigma^2 the port sums of the step and, in 1/s (time constants in ms, voltages in mV relative to rest):
//   phi = 1e3 / (t_ref + tau_m sqrt(pi) int_{y_r}^{y_th} exp(u^2) (1 + erf(u)) du)
//   y_th = (theta - mu) / sigma + s,  y_r = (V_reset - mu) / sigma + s,  s = alpha / 2 sqrt(tau_syn / tau_m),
//   alpha = sqrt(2) |zeta(1/2)| = 2.0652531522312172
//   phi = 0 where (theta - mu) / sigma > 6 (NEST's cut-off, the unshifted threshold, measured against NEST 3.10).
//
// The integral (exp(u^2) (1 + erf(u)) = erfcx(-u)), in double precision on host and device: split at u = 0,
//   u <= 0:  A = int erfcx(s) ds over s in [max(0, -y_th), -y_r]: 16-point Gauss-Legendre on the panels
//            [0, 1], [1, 2], [2, 4], [4, 8], [8, 16], and beyond s = 16 the antiderivative of erfcx's asymptotic
//            series, (ln s + sum_k (-1)^(k+1) (2k-1)!! / (2^k 2k) s^(-2k)) / sqrt(pi), 10 terms
//   u >= 0:  B = exp(-y_th^2) int_{max(0, y_r)}^{y_th} exp(u^2) (1 + erf(u)) du, with v = y_th - u:
//            int exp(-v (2 y_th - v)) (1 + erf(y_th - v)) dv, 16-point Gauss-Legendre on panels from
//            min(1, 1 / (2 y_th)) doubling up to width 1, until the exponent passes 60
//   phi = 1e3 / (t_ref + tau_m sqrt(pi) (A + exp(y_th^2) B))
// erfcx(s) = exp(s^2) erfc(s) with s^2 split exactly (fma). Against mpmath at 40 digits
// (tests/test_nest_siegert.cpp): relative error below 1e-14 from the deeply subthreshold to the noise-free limit.
// NEST integrates with GSL's adaptive quadrature and agrees with the exact values to about 1e-12 for sigma >= 0.01 mV
// (8.7e-12 at mu = 30, sigma = 0.01), worse for smaller sigma (a rate of 7.5e-10 for 63.04 at sigma = 1e-10).
//
// Differences from NEST: sigma = 0 with mu >= theta gives the noise-free LIF rate 1e3 / (t_ref + tau_m
// ln((mu - V_reset) / (mu - theta))) (0 at mu = theta), where NEST aborts in GSL; a negative sigma^2 gives NaN.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

namespace siegert_detail {

// 16-point Gauss-Legendre on [-1, 1]: node k (of the positive ones, k < 8) and its weight (local arrays: usable
// in device code)
VOLLEY_HD VOLLEY_INLINE void gauss_legendre(int k, double& x, double& w) {
  const double xs[8] = {0.0950125098376374401853, 0.28160355077925891323,  0.458016777657227386342,
                        0.617876244402643748447,  0.755404408355003033895, 0.86563120238783174388,
                        0.944575023073232576078,  0.989400934991649932596};
  const double ws[8] = {0.189450610455068496285,  0.182603415044923588867, 0.169156519395002538189,
                        0.149595988816576732082,  0.124628971255533872052, 0.0951585116824927848099,
                        0.0622535239386478928628, 0.0271524594117540948518};
  x = xs[k];
  w = ws[k];
}
inline constexpr double sqrt_pi = 1.7724538509055160273;
inline constexpr double alpha = 2.0652531522312172;  // sqrt(2) |zeta(1/2)|
inline constexpr double asymptotic_from = 16.0;      // erfcx's integral by its asymptotic series beyond

// exp(s^2) erfc(s) for 0 <= s <= 16 (erfc does not underflow there); s^2 = hi + lo exactly
VOLLEY_HD VOLLEY_INLINE double erfcx(double s) {
  const double hi = s * s;
  const double lo = std::fma(s, s, -hi);
  return std::exp(hi) * (1.0 + lo) * std::erfc(s);
}

// int_{a}^{b} erfcx(s) ds, 0 <= a <= b <= 16, on one Gauss-Legendre panel
VOLLEY_HD VOLLEY_INLINE double erfcx_panel(double a, double b) {
  const double c = 0.5 * (a + b), r = 0.5 * (b - a);
  double sum = 0;
  for (int k = 0; k < 8; ++k) {
    double x, w;
    gauss_legendre(k, x, w);
    sum += w * (erfcx(c - r * x) + erfcx(c + r * x));
  }
  return r * sum;
}

// int_{s0}^{s1} erfcx(s) ds for 0 <= s0 <= s1
VOLLEY_HD inline double erfcx_integral(double s0, double s1) {
  double total = 0;
  const double edges[6] = {0.0, 1.0, 2.0, 4.0, 8.0, asymptotic_from};
  for (int p = 0; p < 5; ++p) {
    const double a = s0 > edges[p] ? s0 : edges[p];
    const double b = s1 < edges[p + 1] ? s1 : edges[p + 1];
    if (a < b) total += erfcx_panel(a, b);
  }
  if (s1 > asymptotic_from) {
    const double a = s0 > asymptotic_from ? s0 : asymptotic_from;
    // ln(s1) - ln(a) as one logarithm (the noise-free limit: both large, close)
    const double xa = 1.0 / (a * a), xb = 1.0 / (s1 * s1);
    double ta = 1.0, tb = 1.0, series = 0.0;
    for (int k = 1; k <= 10; ++k) {
      ta *= (2.0 * k - 1.0) * 0.5 * xa;
      tb *= (2.0 * k - 1.0) * 0.5 * xb;
      series += ((k & 1) ? 1.0 : -1.0) * (tb - ta) / (2.0 * k);
    }
    total += (std::log(s1 / a) + series) / sqrt_pi;
  }
  return total;
}

// exp(-y^2) int_{a}^{y} exp(u^2) (1 + erf(u)) du for 0 <= a < y, as int_0^{y - a} exp(-v (2y - v)) (1 + erf(y - v)) dv
VOLLEY_HD inline double upper_integral(double y, double a) {
  const double end = y - a;
  double width = y > 0.5 ? 0.5 / y : 1.0;
  double v0 = 0, total = 0;
  for (int panel = 0; panel < 64 && v0 < end; ++panel) {
    const double v1 = v0 + width < end ? v0 + width : end;
    const double c = 0.5 * (v0 + v1), r = 0.5 * (v1 - v0);
    double sum = 0;
    for (int k = 0; k < 8; ++k) {
      double x, w;
      gauss_legendre(k, x, w);
      for (int side = -1; side <= 1; side += 2) {
        const double v = c + side * r * x;
        sum += w * std::exp(-v * (2.0 * y - v)) * (1.0 + std::erf(y - v));
      }
    }
    total += r * sum;
    if (v1 * (2.0 * y - v1) > 60.0) break;  // the rest is below exp(-60) of the first panel's part
    v0 = v1;
    width = 2 * width < 1.0 ? 2 * width : 1.0;
  }
  return total;
}

// Siegert's rate in 1/s (voltages in mV, times in ms); see the top of the file.
VOLLEY_HD inline double siegert(double theta, double V_reset, double tau_m, double tau_syn, double t_ref, double mu,
                                double sigma_square) {
  if (!(sigma_square >= 0.0)) return NAN;  // NEST: the square root of a negative variance
  const double sigma = std::sqrt(sigma_square);
  if ((theta - mu) / sigma > 6.0) return 0.0;  // NEST's cut-off (sigma = 0, mu < theta included)
  if (sigma == 0.0) {                          // noise-free limit (NEST: GSL error)
    if (!(mu > theta)) return 0.0;
    return 1e3 / (t_ref + tau_m * std::log((mu - V_reset) / (mu - theta)));
  }
  const double shift = alpha / 2.0 * std::sqrt(tau_syn / tau_m);  // the boundaries' shift over sigma
  const double y_th = (theta - mu) / sigma + shift;
  const double y_r = (V_reset - mu) / sigma + shift;
  double integral = 0;  // int_{y_r}^{y_th} erfcx(-u) du
  if (y_r < 0) integral += erfcx_integral(y_th < 0 ? -y_th : 0.0, -y_r);
  if (y_th > 0) {  // exp(y_th^2) with y_th^2 = hi + lo exactly; beyond exp(700) the rate is 0
    const double hi = y_th * y_th, lo = std::fma(y_th, y_th, -hi);
    integral += hi > 700.0 ? INFINITY : std::exp(hi) * (1.0 + lo) * upper_integral(y_th, y_r > 0 ? y_r : 0.0);
  }
  return 1e3 / (t_ref + tau_m * sqrt_pi * integral);
}

}  // namespace siegert_detail

struct siegert_neuron_params {
  units::time_q tau{1.0};            // ms: relaxation time constant of the rate
  units::time_q tau_m{5.0};          // ms: membrane time constant of the LIF neuron
  units::time_q tau_syn{0.0};        // ms: synaptic time constant (0: white noise)
  units::time_q t_ref{2.0};          // ms: refractory period
  units::dimensionless_q mean{0.0};  // 1/s: constant rate the node relaxes to in addition
  units::voltage_q theta{15.0};      // mV: threshold, relative to rest
  units::voltage_q V_reset{0.0};     // mV: reset, relative to rest
};

struct siegert_neuron_constants {
  double P1, one_minus_P1, P2;  // exp(-h/tau), 1 - P1, -expm1(-h/tau)
  double mean, theta, V_reset, tau_m, tau_syn, t_ref;
};

struct siegert_neuron {
  static constexpr const char* name = "siegert_neuron";
  static constexpr const char* description =
      "NEST siegert_neuron: mean-field rate node, tau d rate/dt = -rate + mean + Siegert rate of an LIF neuron "
      "(Fourcaud-Brunel boundaries for tau_syn > 0) for the drift (mu, mV) and diffusion (sigma^2, mV^2) arriving "
      "through diffusion_connection on ports drift and diffusion; rates in 1/s";
  using params = siegert_neuron_params;
  using constants = siegert_neuron_constants;
  enum : int { rate, n_state };
  static constexpr int membrane = rate;  // no membrane
  static constexpr std::array<state_field, n_state> state_fields{{{"rate", units::dims::none}}};
  static constexpr int n_ports = 2;
  static constexpr std::array<port_desc, 2> ports{{{"drift", units::dims::none}, {"diffusion", units::dims::none}}};
  static constexpr bool takes_current = false;
  static constexpr bool emits_rate = true;
  static constexpr int spike_payload = rate;  // diffusion_connection carries the rate after the step, one step later

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("tau", p.tau, range_check::positive);
    f("tau_m", p.tau_m, range_check::positive);
    f("tau_syn", p.tau_syn, range_check::non_negative);
    f("t_ref", p.t_ref, range_check::non_negative);
    f("mean", p.mean, range_check::any);
    f("theta", p.theta, range_check::any);
    f("V_reset", p.V_reset, range_check::any);
  }
  // NEST's messages (siegert_neuron.cpp), the one for tau_syn with the right name
  static const char* validate(const params& p) {
    if (!(p.V_reset.value < p.theta.value)) return "Reset potential must be smaller than threshold.";
    if (!(p.t_ref.value >= 0)) return "Refractory time must not be negative.";
    if (!(p.tau.value > 0)) return "time constant must be > 0.";
    if (!(p.tau_m.value > 0)) return "Membrane time constant must be > 0.";
    if (!(p.tau_syn.value >= 0)) return "Synaptic time constant must not be negative.";
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    const double P1 = std::exp(-h / p.tau.value);
    return {P1,
            1.0 - P1,
            -std::expm1(-h / p.tau.value),
            p.mean.value,
            p.theta.value,
            p.V_reset.value,
            p.tau_m.value,
            p.tau_syn.value,
            p.t_ref.value};
  }
  static void initial_state(const params&, real_t* s) { s[rate] = 0; }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const double phi = siegert_detail::siegert(c.theta, c.V_reset, c.tau_m, c.tau_syn, c.t_ref, double(in.port[0]),
                                               double(in.port[1]));
    s[rate] = static_cast<real_t>(c.P1 * double(s[rate]) + c.one_minus_P1 * c.mean + c.P2 * phi);
    return true;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::siegert_neuron)
