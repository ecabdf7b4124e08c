#pragma once
// The gain functions of NEST's rate models (lin_rate.h, tanh_rate.h, threshold_lin_rate.h, sigmoid_rate.h,
// sigmoid_rate_gg_1998.h, gauss_rate.h in NEST 3.10). Each gain is a small struct: its parameters (NEST's names and
// defaults, all dimensionless as in NEST), the constants the update reads, the input non-linearity input(h) and
// the factors of multiplicative coupling mult_ex(r), mult_in(r) (1 except for lin_rate):
//
//   lin             input(h) = g h;  mult_ex(r) = g_ex (theta_ex - r), mult_in(r) = g_in (theta_in + r)
//   tanh            tanh(g (h - theta))
//   threshold_lin   min(max(g (h - theta), 0), alpha)
//   sigmoid         g / (1 + exp(-beta (h - theta)))
//   sigmoid_gg_1998 (g h)^4 / (0.1^4 + (g h)^4)
//   gauss           g exp(-(h - mu)^2 / (2 sigma^2))       (sigma = 0, NEST's default: 0, and g at h = mu where
//                                                          NEST gives NaN)
//
// The names the NEST models are registered under come with the gain: <gain>_ipn, <gain>_opn (NEST has no
// sigmoid, sigmoid_gg_1998 or gauss variant with output noise) and rate_transformer_<gain>.
// gauss_rate's own parameters are called mu and sigma, like the neuron's drive and noise: NEST's status dictionary
// shows the gain's values under those names and the neuron's under its older names mean and std, which is how
// volley names them for gauss_rate_ipn (the NEST layer sets both where a script sets mu or sigma, as NEST does).
#include <cmath>
#include <limits>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"

namespace volley::models::rate_gains {

using q1 = units::dimensionless_q;

struct lin {
  static constexpr const char* ipn = "lin_rate_ipn";
  static constexpr const char* opn = "lin_rate_opn";
  static constexpr const char* transformer = "rate_transformer_lin";
  static constexpr const char* formula =
      "input(h) = g h; multiplicative coupling g_ex (theta_ex - r), g_in (theta_in + r)";
  static constexpr bool neuron_uses_old_names = false;
  struct params {
    q1 g{1.0}, g_ex{1.0}, g_in{1.0}, theta_ex{0.0}, theta_in{0.0};
  };
  struct constants {
    real_t g, g_ex, g_in, theta_ex, theta_in;
  };
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("g", p.g, range_check::any);
    f("g_ex", p.g_ex, range_check::any);
    f("g_in", p.g_in, range_check::any);
    f("theta_ex", p.theta_ex, range_check::any);
    f("theta_in", p.theta_in, range_check::any);
  }
  static constants derive(const params& p) {
    auto r = [](const q1& x) { return static_cast<real_t>(x.value); };
    return {r(p.g), r(p.g_ex), r(p.g_in), r(p.theta_ex), r(p.theta_in)};
  }
  VOLLEY_HD VOLLEY_INLINE static real_t input(const constants& c, real_t h) { return c.g * h; }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_ex(const constants& c, real_t r) { return c.g_ex * (c.theta_ex - r); }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_in(const constants& c, real_t r) { return c.g_in * (c.theta_in + r); }
};

struct tanh_gain {
  static constexpr const char* ipn = "tanh_rate_ipn";
  static constexpr const char* opn = "tanh_rate_opn";
  static constexpr const char* transformer = "rate_transformer_tanh";
  static constexpr const char* formula = "input(h) = tanh(g (h - theta))";
  static constexpr bool neuron_uses_old_names = false;
  struct params {
    q1 g{1.0}, theta{0.0};
  };
  struct constants {
    real_t g, theta;
  };
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("g", p.g, range_check::any);
    f("theta", p.theta, range_check::any);
  }
  static constants derive(const params& p) {
    return {static_cast<real_t>(p.g.value), static_cast<real_t>(p.theta.value)};
  }
  VOLLEY_HD VOLLEY_INLINE static real_t input(const constants& c, real_t h) { return std::tanh(c.g * (h - c.theta)); }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_ex(const constants&, real_t) { return 1; }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_in(const constants&, real_t) { return 1; }
};

struct threshold_lin {
  static constexpr const char* ipn = "threshold_lin_rate_ipn";
  static constexpr const char* opn = "threshold_lin_rate_opn";
  static constexpr const char* transformer = "rate_transformer_threshold_lin";
  static constexpr const char* formula = "input(h) = min(max(g (h - theta), 0), alpha)";
  static constexpr bool neuron_uses_old_names = false;
  struct params {
    q1 g{1.0}, theta{0.0}, alpha{std::numeric_limits<double>::infinity()};
  };
  struct constants {
    real_t g, theta, alpha;
  };
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("g", p.g, range_check::any);
    f("theta", p.theta, range_check::any);
    f("alpha", p.alpha, range_check::any);
  }
  static constants derive(const params& p) {
    return {static_cast<real_t>(p.g.value), static_cast<real_t>(p.theta.value), static_cast<real_t>(p.alpha.value)};
  }
  VOLLEY_HD VOLLEY_INLINE static real_t input(const constants& c, real_t h) {
    const real_t x = c.g * (h - c.theta);
    const real_t lo = x < 0 ? real_t(0) : x;  // NEST's std::min(std::max(x, 0.), alpha), NaN passing through alike
    return c.alpha < lo ? c.alpha : lo;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_ex(const constants&, real_t) { return 1; }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_in(const constants&, real_t) { return 1; }
};

struct sigmoid {
  static constexpr const char* ipn = "sigmoid_rate_ipn";
  static constexpr const char* opn = nullptr;  // NEST has no sigmoid_rate_opn
  static constexpr const char* transformer = "rate_transformer_sigmoid";
  static constexpr const char* formula = "input(h) = g / (1 + exp(-beta (h - theta)))";
  static constexpr bool neuron_uses_old_names = false;
  struct params {
    q1 g{1.0}, beta{1.0}, theta{0.0};
  };
  struct constants {
    real_t g, beta, theta;
  };
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("g", p.g, range_check::any);
    f("beta", p.beta, range_check::any);
    f("theta", p.theta, range_check::any);
  }
  static constants derive(const params& p) {
    return {static_cast<real_t>(p.g.value), static_cast<real_t>(p.beta.value), static_cast<real_t>(p.theta.value)};
  }
  VOLLEY_HD VOLLEY_INLINE static real_t input(const constants& c, real_t h) {
    return c.g / (real_t(1) + std::exp(-c.beta * (h - c.theta)));
  }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_ex(const constants&, real_t) { return 1; }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_in(const constants&, real_t) { return 1; }
};

struct sigmoid_gg_1998 {
  static constexpr const char* ipn = "sigmoid_rate_gg_1998_ipn";
  static constexpr const char* opn = nullptr;
  static constexpr const char* transformer = "rate_transformer_sigmoid_gg_1998";
  static constexpr const char* formula = "input(h) = (g h)^4 / (0.1^4 + (g h)^4)";
  static constexpr bool neuron_uses_old_names = false;
  struct params {
    q1 g{1.0};
  };
  struct constants {
    real_t g;
  };
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("g", p.g, range_check::any);
  }
  static constants derive(const params& p) { return {static_cast<real_t>(p.g.value)}; }
  VOLLEY_HD VOLLEY_INLINE static real_t input(const constants& c, real_t h) {
    const real_t x4 = std::pow(c.g * h, real_t(4));
    return x4 / (std::pow(real_t(0.1), real_t(4)) + x4);
  }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_ex(const constants&, real_t) { return 1; }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_in(const constants&, real_t) { return 1; }
};

struct gauss {
  static constexpr const char* ipn = "gauss_rate_ipn";
  static constexpr const char* opn = nullptr;
  static constexpr const char* transformer = "rate_transformer_gauss";
  static constexpr const char* formula = "input(h) = g exp(-(h - mu)^2 / (2 sigma^2))";
  // the neuron's drive and noise are called mean and std (NEST's older names), mu and sigma are the gain's
  static constexpr bool neuron_uses_old_names = true;
  struct params {
    q1 g{1.0}, mu{0.0}, sigma{0.0};
  };
  struct constants {
    real_t g, mu, sigma;
  };
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("g", p.g, range_check::any);
    f("mu", p.mu, range_check::any);
    f("sigma", p.sigma, range_check::any);
  }
  static constants derive(const params& p) {
    return {static_cast<real_t>(p.g.value), static_cast<real_t>(p.mu.value), static_cast<real_t>(p.sigma.value)};
  }
  // sigma = 0 (NEST's default): NEST computes exp(-0/0) = NaN at h = mu; volley takes the limit of every sigma's
  // peak there, g (and 0 elsewhere, as NEST), so that a default gauss_rate_ipn never produces a silent NaN.
  VOLLEY_HD VOLLEY_INLINE static real_t input(const constants& c, real_t h) {
    const real_t d = h - c.mu;
    const real_t gaussian = c.g * std::exp(-std::pow(d, real_t(2)) / (real_t(2) * std::pow(c.sigma, real_t(2))));
    return c.sigma == real_t(0) && d == real_t(0) ? c.g : gaussian;
  }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_ex(const constants&, real_t) { return 1; }
  VOLLEY_HD VOLLEY_INLINE static real_t mult_in(const constants&, real_t) { return 1; }
};

}  // namespace volley::models::rate_gains
