#pragma once
// Surrogate spike derivatives. A spiking neuron's forward pass is the Heaviside step, spike = H(x) = [x >= 0];
// training replaces dH/dx (zero almost everywhere) by a smooth surrogate g(x). These are the 18 surrogates of
// brainpy.state (braintools.surrogate) with its names, parameter names and defaults; design notes, the
// width/peak parameterisation and the equivalents in snnTorch, SpikingJelly and Norse: docs/surrogates.md.
//
// x is dimensionless. A neuron normalises its membrane potential before the spike function as brainpy.state
// does (LIF family: x = (V - V_th) / (V_th - V_reset); IF: x = (V - V_th) / V_th), so the derivative with respect
// to V is g(x) / (V_th - V_reset) in 1/mV. The functions here never see units.
//
// Per surrogate: <name>_grad(x, ...) is g(x); <name>_primitive(x, ...) is a smooth P(x) with P' = g (the
// "original function"; for the integrable ones P(-inf) = 0), so tests can check g against finite differences.
// Formulas follow the current braintools.surrogate (which fixed, relative to older brainstate releases:
// GaussianGrad's exponent, PiecewiseLeakyRelu's inner slope 1/(2w), SquarewaveFourierSeries' term count,
// QPseudoSpike's primitive and LogTailedRelu's continuity).
#include <cmath>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.hpp"

namespace volley::models {

enum class surrogate_kind : int {
  sigmoid,
  piecewise_quadratic,
  piecewise_exp,
  soft_sign,
  arctan,
  nonzero_sign_log,
  erf,
  piecewise_leaky_relu,
  squarewave_fourier_series,
  s2nn,
  q_pseudo_spike,
  leaky_relu,
  log_tailed_relu,
  relu_grad,
  gaussian_grad,
  inv_square_grad,
  multi_gaussian_grad,
  slayer_grad
};
inline constexpr int n_surrogate_kinds = 18;

// Runtime descriptor, passed by value into kernels. p1..p3 hold the native parameters in the order of
// surrogate_descs() (unused ones 0). The evaluated derivative is scale * g_native(gain * x): native construction
// leaves scale = gain = 1 (MultiGaussianGrad keeps its own 'scale' here); the width/peak construction sets both.
// The default is brainpy.state's neuron default, ReluGrad(alpha = 0.3, width = 1).
struct surrogate {
  surrogate_kind kind = surrogate_kind::relu_grad;
  real_t p1 = real_t(0.3), p2 = real_t(1), p3 = real_t(0);
  real_t scale = real_t(1);  // factor on the output
  real_t gain = real_t(1);   // factor on the input
};

VOLLEY_HD VOLLEY_INLINE real_t heaviside(real_t x) { return x >= real_t(0) ? real_t(1) : real_t(0); }

namespace sg {

inline constexpr double pi = 3.14159265358979323846;

VOLLEY_HD VOLLEY_INLINE real_t sign_nonzero(real_t x) { return x < real_t(0) ? real_t(-1) : real_t(1); }
// logistic sigma(z) without overflow for either sign of z
VOLLEY_HD VOLLEY_INLINE real_t logistic(real_t z) {
  const real_t e = std::exp(-std::fabs(z));
  return z >= real_t(0) ? real_t(1) / (real_t(1) + e) : e / (real_t(1) + e);
}

// Sigmoid(alpha = 4): g = alpha s (1 - s), s = sigma(alpha x); P = s.
VOLLEY_HD VOLLEY_INLINE real_t sigmoid_grad(real_t x, real_t alpha) {
  const real_t e = std::exp(-std::fabs(alpha * x));
  return alpha * e / ((real_t(1) + e) * (real_t(1) + e));
}
VOLLEY_HD VOLLEY_INLINE real_t sigmoid_primitive(real_t x, real_t alpha) { return logistic(alpha * x); }

// PiecewiseQuadratic(alpha = 1): g = max(0, alpha - alpha^2 |x|), a triangle on |x| <= 1/alpha.
VOLLEY_HD VOLLEY_INLINE real_t piecewise_quadratic_grad(real_t x, real_t alpha) {
  return std::fmax(real_t(0), alpha - alpha * alpha * std::fabs(x));
}
VOLLEY_HD VOLLEY_INLINE real_t piecewise_quadratic_primitive(real_t x, real_t alpha) {
  if (x < -real_t(1) / alpha) return real_t(0);
  if (x > real_t(1) / alpha) return real_t(1);
  return alpha * x - real_t(0.5) * alpha * alpha * x * std::fabs(x) + real_t(0.5);
}

// PiecewiseExp(alpha = 1): g = alpha/2 exp(-alpha |x|).
VOLLEY_HD VOLLEY_INLINE real_t piecewise_exp_grad(real_t x, real_t alpha) {
  return real_t(0.5) * alpha * std::exp(-alpha * std::fabs(x));
}
VOLLEY_HD VOLLEY_INLINE real_t piecewise_exp_primitive(real_t x, real_t alpha) {
  return x < real_t(0) ? real_t(0.5) * std::exp(alpha * x) : real_t(1) - real_t(0.5) * std::exp(-alpha * x);
}

// SoftSign(alpha = 1): g = alpha / (2 (1 + alpha |x|)^2).
VOLLEY_HD VOLLEY_INLINE real_t soft_sign_grad(real_t x, real_t alpha) {
  const real_t d = real_t(1) + alpha * std::fabs(x);
  return real_t(0.5) * alpha / (d * d);
}
VOLLEY_HD VOLLEY_INLINE real_t soft_sign_primitive(real_t x, real_t alpha) {
  return real_t(0.5) + real_t(0.5) * alpha * x / (real_t(1) + alpha * std::fabs(x));
}

// Arctan(alpha = 1): g = alpha / (2 (1 + (pi/2 alpha x)^2)).
VOLLEY_HD VOLLEY_INLINE real_t arctan_grad(real_t x, real_t alpha) {
  const real_t u = real_t(pi / 2) * alpha * x;
  return real_t(0.5) * alpha / (real_t(1) + u * u);
}
VOLLEY_HD VOLLEY_INLINE real_t arctan_primitive(real_t x, real_t alpha) {
  return std::atan(real_t(pi / 2) * alpha * x) / real_t(pi) + real_t(0.5);
}

// NonzeroSignLog(alpha = 1): g = 1 / (1/alpha + |x|); P = sign(x) log(1 + alpha |x|) (odd, unbounded).
VOLLEY_HD VOLLEY_INLINE real_t nonzero_sign_log_grad(real_t x, real_t alpha) {
  return alpha / (real_t(1) + alpha * std::fabs(x));
}
VOLLEY_HD VOLLEY_INLINE real_t nonzero_sign_log_primitive(real_t x, real_t alpha) {
  return sign_nonzero(x) * std::log1p(alpha * std::fabs(x));
}

// ERF(alpha = 1): g = alpha / sqrt(pi) exp(-alpha^2 x^2); P = erfc(-alpha x) / 2.
VOLLEY_HD VOLLEY_INLINE real_t erf_grad(real_t x, real_t alpha) {
  return alpha * real_t(0.56418958354775628695) * std::exp(-alpha * alpha * x * x);  // 1/sqrt(pi)
}
VOLLEY_HD VOLLEY_INLINE real_t erf_primitive(real_t x, real_t alpha) { return real_t(0.5) * std::erfc(-alpha * x); }

// PiecewiseLeakyRelu(c = 0.01, w = 1): g = 1/(2w) for |x| <= w, c outside.
VOLLEY_HD VOLLEY_INLINE real_t piecewise_leaky_relu_grad(real_t x, real_t c, real_t w) {
  return std::fabs(x) > w ? c : real_t(0.5) / w;
}
VOLLEY_HD VOLLEY_INLINE real_t piecewise_leaky_relu_primitive(real_t x, real_t c, real_t w) {
  if (x < -w) return c * (x + w);
  if (x > w) return c * (x - w) + real_t(1);
  return real_t(0.5) * x / w + real_t(0.5);
}

// SquarewaveFourierSeries(n = 2, t_period = 8): g = 4/T sum_{i=1..n} cos((2i-1) w x), w = 2 pi / T; periodic.
VOLLEY_HD VOLLEY_INLINE real_t squarewave_fourier_series_grad(real_t x, real_t n, real_t t_period) {
  const real_t w = real_t(2 * pi) / t_period;
  real_t sum = 0;
  for (int i = 1; i <= static_cast<int>(n); ++i) sum += std::cos(real_t(2 * i - 1) * w * x);
  return real_t(4) / t_period * sum;
}
VOLLEY_HD VOLLEY_INLINE real_t squarewave_fourier_series_primitive(real_t x, real_t n, real_t t_period) {
  const real_t w = real_t(2 * pi) / t_period;
  real_t sum = 0;
  for (int i = 1; i <= static_cast<int>(n); ++i) sum += std::sin(real_t(2 * i - 1) * w * x) / real_t(2 * i - 1);
  return real_t(0.5) + real_t(2 / pi) * sum;
}

// S2NN(alpha = 4, beta = 1, epsilon = 1e-8): g = sigmoid derivative for x < 0, beta / (x + 1) for x >= 0.
// epsilon only guards the logarithm of brainpy.state's primitive; neither g nor P here depends on it.
VOLLEY_HD VOLLEY_INLINE real_t s2nn_grad(real_t x, real_t alpha, real_t beta) {
  return x < real_t(0) ? sigmoid_grad(x, alpha) : beta / (std::fmax(x, real_t(0)) + real_t(1));
}
VOLLEY_HD VOLLEY_INLINE real_t s2nn_primitive(real_t x, real_t alpha, real_t beta) {
  return x < real_t(0) ? logistic(alpha * x) : beta * std::log1p(x) + real_t(0.5);
}

// QPseudoSpike(alpha = 2): g = (1 + 2|x|/(alpha+1))^-alpha (braintools' alpha+1 form, finite for every alpha > 0).
VOLLEY_HD VOLLEY_INLINE real_t q_pseudo_spike_grad(real_t x, real_t alpha) {
  return std::pow(real_t(1) + real_t(2) * std::fabs(x) / (alpha + real_t(1)), -alpha);
}
VOLLEY_HD VOLLEY_INLINE real_t q_pseudo_spike_primitive(real_t x, real_t alpha) {
  const real_t L = std::log1p(real_t(2) * std::fabs(x) / (alpha + real_t(1)));
  // P - 1/2 = sign(x) (alpha+1)/2 * integral_1^base u^-alpha du = (alpha+1)/2 * (exp(b L) - 1) / b, b = 1 - alpha,
  // L = log(base); expm1 keeps it accurate near alpha = 1, where it tends to L.
  const real_t b = real_t(1) - alpha;
  const real_t i = b == real_t(0) ? L : std::expm1(b * L) / b;
  return real_t(0.5) + sign_nonzero(x) * real_t(0.5) * (alpha + real_t(1)) * i;
}

// LeakyRelu(alpha = 0.1, beta = 1): g = alpha for x < 0, beta for x >= 0.
VOLLEY_HD VOLLEY_INLINE real_t leaky_relu_grad(real_t x, real_t alpha, real_t beta) {
  return x < real_t(0) ? alpha : beta;
}
VOLLEY_HD VOLLEY_INLINE real_t leaky_relu_primitive(real_t x, real_t alpha, real_t beta) {
  return x < real_t(0) ? alpha * x : beta * x;
}

// LogTailedRelu(alpha = 0): g = alpha for x <= 0, 1 on (0, 1], 1/x beyond; P = alpha x, x, 1 + log x.
VOLLEY_HD VOLLEY_INLINE real_t log_tailed_relu_grad(real_t x, real_t alpha) {
  return x > real_t(1) ? real_t(1) / x : (x > real_t(0) ? real_t(1) : alpha);
}
VOLLEY_HD VOLLEY_INLINE real_t log_tailed_relu_primitive(real_t x, real_t alpha) {
  return x > real_t(1) ? real_t(1) + std::log(x) : (x > real_t(0) ? x : alpha * x);
}

// ReluGrad(alpha = 0.3, width = 1): g = max(0, alpha (width - |x|)), a triangle of height alpha*width.
VOLLEY_HD VOLLEY_INLINE real_t relu_grad_grad(real_t x, real_t alpha, real_t width) {
  return std::fmax(real_t(0), alpha * (width - std::fabs(x)));
}
VOLLEY_HD VOLLEY_INLINE real_t relu_grad_primitive(real_t x, real_t alpha, real_t width) {
  if (x <= -width) return real_t(0);
  if (x >= width) return alpha * width * width;
  return alpha * (real_t(0.5) * width * width + width * x - real_t(0.5) * x * std::fabs(x));
}

// GaussianGrad(sigma = 0.5, alpha = 0.5): g = alpha N(x; 0, sigma^2).
VOLLEY_HD VOLLEY_INLINE real_t gaussian_grad_grad(real_t x, real_t sigma, real_t alpha) {
  const real_t z = x / sigma;
  return alpha * real_t(0.39894228040143267794) / sigma * std::exp(real_t(-0.5) * z * z);  // 1/sqrt(2 pi)
}
VOLLEY_HD VOLLEY_INLINE real_t normal_cdf(real_t z) {
  return real_t(0.5) * std::erfc(real_t(-0.70710678118654752440) * z);  // -1/sqrt(2)
}
VOLLEY_HD VOLLEY_INLINE real_t gaussian_grad_primitive(real_t x, real_t sigma, real_t alpha) {
  return alpha * normal_cdf(x / sigma);
}

// InvSquareGrad(alpha = 100), SuperSpike / fast sigmoid: g = 1 / (alpha |x| + 1)^2; P = 1/alpha + x/(1 + alpha|x|).
VOLLEY_HD VOLLEY_INLINE real_t inv_square_grad_grad(real_t x, real_t alpha) {
  const real_t d = alpha * std::fabs(x) + real_t(1);
  return real_t(1) / (d * d);
}
VOLLEY_HD VOLLEY_INLINE real_t inv_square_grad_primitive(real_t x, real_t alpha) {
  return real_t(1) / alpha + x / (real_t(1) + alpha * std::fabs(x));
}

// MultiGaussianGrad(h = 0.15, s = 6, sigma = 0.5, scale = 0.5):
// g = scale [(1+h) N(x; 0, sigma^2) - h N(x; sigma, (s sigma)^2) - h N(x; -sigma, (s sigma)^2)].
VOLLEY_HD VOLLEY_INLINE real_t multi_gaussian_grad_grad(real_t x, real_t h, real_t s, real_t sigma, real_t scale) {
  const real_t wide = s * sigma;
  return scale *
         ((real_t(1) + h) * gaussian_grad_grad(x, sigma, real_t(1)) -
          h * gaussian_grad_grad(x - sigma, wide, real_t(1)) - h * gaussian_grad_grad(x + sigma, wide, real_t(1)));
}
VOLLEY_HD VOLLEY_INLINE real_t multi_gaussian_grad_primitive(real_t x, real_t h, real_t s, real_t sigma, real_t scale) {
  const real_t wide = s * sigma;
  return scale * ((real_t(1) + h) * normal_cdf(x / sigma) - h * normal_cdf((x - sigma) / wide) -
                  h * normal_cdf((x + sigma) / wide));
}

// SlayerGrad(alpha = 1): g = exp(-alpha |x|).
VOLLEY_HD VOLLEY_INLINE real_t slayer_grad_grad(real_t x, real_t alpha) { return std::exp(-alpha * std::fabs(x)); }
VOLLEY_HD VOLLEY_INLINE real_t slayer_grad_primitive(real_t x, real_t alpha) {
  return x < real_t(0) ? std::exp(alpha * x) / alpha : (real_t(2) - std::exp(-alpha * x)) / alpha;
}

}  // namespace sg

// d spike / dx of the descriptor at x (dimensionless), for host and device kernels.
VOLLEY_HD VOLLEY_INLINE real_t surrogate_grad(const surrogate& s, real_t x) {
  const real_t u = s.gain * x;
  real_t g = 0;
  switch (s.kind) {
    case surrogate_kind::sigmoid: g = sg::sigmoid_grad(u, s.p1); break;
    case surrogate_kind::piecewise_quadratic: g = sg::piecewise_quadratic_grad(u, s.p1); break;
    case surrogate_kind::piecewise_exp: g = sg::piecewise_exp_grad(u, s.p1); break;
    case surrogate_kind::soft_sign: g = sg::soft_sign_grad(u, s.p1); break;
    case surrogate_kind::arctan: g = sg::arctan_grad(u, s.p1); break;
    case surrogate_kind::nonzero_sign_log: g = sg::nonzero_sign_log_grad(u, s.p1); break;
    case surrogate_kind::erf: g = sg::erf_grad(u, s.p1); break;
    case surrogate_kind::piecewise_leaky_relu: g = sg::piecewise_leaky_relu_grad(u, s.p1, s.p2); break;
    case surrogate_kind::squarewave_fourier_series: g = sg::squarewave_fourier_series_grad(u, s.p1, s.p2); break;
    case surrogate_kind::s2nn: g = sg::s2nn_grad(u, s.p1, s.p2); break;
    case surrogate_kind::q_pseudo_spike: g = sg::q_pseudo_spike_grad(u, s.p1); break;
    case surrogate_kind::leaky_relu: g = sg::leaky_relu_grad(u, s.p1, s.p2); break;
    case surrogate_kind::log_tailed_relu: g = sg::log_tailed_relu_grad(u, s.p1); break;
    case surrogate_kind::relu_grad: g = sg::relu_grad_grad(u, s.p1, s.p2); break;
    case surrogate_kind::gaussian_grad: g = sg::gaussian_grad_grad(u, s.p1, s.p2); break;
    case surrogate_kind::inv_square_grad: g = sg::inv_square_grad_grad(u, s.p1); break;
    case surrogate_kind::multi_gaussian_grad: g = sg::multi_gaussian_grad_grad(u, s.p1, s.p2, s.p3, real_t(1)); break;
    case surrogate_kind::slayer_grad: g = sg::slayer_grad_grad(u, s.p1); break;
  }
  return s.scale * g;
}

// The primitive of surrogate_grad(s, .): (scale / gain) * P_native(gain * x).
VOLLEY_HD VOLLEY_INLINE real_t surrogate_primitive(const surrogate& s, real_t x) {
  const real_t u = s.gain * x;
  real_t p = 0;
  switch (s.kind) {
    case surrogate_kind::sigmoid: p = sg::sigmoid_primitive(u, s.p1); break;
    case surrogate_kind::piecewise_quadratic: p = sg::piecewise_quadratic_primitive(u, s.p1); break;
    case surrogate_kind::piecewise_exp: p = sg::piecewise_exp_primitive(u, s.p1); break;
    case surrogate_kind::soft_sign: p = sg::soft_sign_primitive(u, s.p1); break;
    case surrogate_kind::arctan: p = sg::arctan_primitive(u, s.p1); break;
    case surrogate_kind::nonzero_sign_log: p = sg::nonzero_sign_log_primitive(u, s.p1); break;
    case surrogate_kind::erf: p = sg::erf_primitive(u, s.p1); break;
    case surrogate_kind::piecewise_leaky_relu: p = sg::piecewise_leaky_relu_primitive(u, s.p1, s.p2); break;
    case surrogate_kind::squarewave_fourier_series: p = sg::squarewave_fourier_series_primitive(u, s.p1, s.p2); break;
    case surrogate_kind::s2nn: p = sg::s2nn_primitive(u, s.p1, s.p2); break;
    case surrogate_kind::q_pseudo_spike: p = sg::q_pseudo_spike_primitive(u, s.p1); break;
    case surrogate_kind::leaky_relu: p = sg::leaky_relu_primitive(u, s.p1, s.p2); break;
    case surrogate_kind::log_tailed_relu: p = sg::log_tailed_relu_primitive(u, s.p1); break;
    case surrogate_kind::relu_grad: p = sg::relu_grad_primitive(u, s.p1, s.p2); break;
    case surrogate_kind::gaussian_grad: p = sg::gaussian_grad_primitive(u, s.p1, s.p2); break;
    case surrogate_kind::inv_square_grad: p = sg::inv_square_grad_primitive(u, s.p1); break;
    case surrogate_kind::multi_gaussian_grad:
      p = sg::multi_gaussian_grad_primitive(u, s.p1, s.p2, s.p3, real_t(1));
      break;
    case surrogate_kind::slayer_grad: p = sg::slayer_grad_primitive(u, s.p1); break;
  }
  return s.scale / s.gain * p;
}

// ---- host side (models/surrogate.cpp) ------------------------------------------------------------------------

// One native parameter: name and default as in brainpy.state; 'shape' parameters may be combined with
// (width, peak), the others are what width and peak replace.
struct surrogate_param_desc {
  const char* name;
  double default_value;
  const char* range;  // "positive", "non-negative", "finite", "integer >= 1"
  bool shape;
};

struct surrogate_desc {
  surrogate_kind kind;
  const char* name;  // brainpy.state class name
  int n_params;
  surrogate_param_desc params[4];  // in slot order p1, p2, p3, scale (MultiGaussianGrad only)
  const char* derivative;          // g(x) as text
  const char* integral;            // integral of g over the real line (text)
  bool width_peak;                 // whether (width, peak) can be given
};

const std::vector<surrogate_desc>& surrogate_descs();
const surrogate_desc& surrogate_desc_of(surrogate_kind kind);

// Native parameters by name (missing ones take their defaults; every surrogate also takes the factors 'scale' and
// 'gain'), or (width, peak) plus optional shape parameters: width = full width at half maximum of g
// (dimensionless, like x), peak = max of g. Throws parameter_error naming the surrogate, the parameter, the value
// and the admissible range. 'where' prefixes the message.
surrogate make_surrogate(surrogate_kind kind, const std::vector<std::pair<std::string, double>>& params = {},
                         const std::string& where = "");
surrogate surrogate_from_width_peak(surrogate_kind kind, double width, double peak,
                                    const std::vector<std::pair<std::string, double>>& shape = {},
                                    const std::string& where = "");
// Text: "Sigmoid", "Sigmoid(alpha=2)", "GaussianGrad(width=0.5, peak=1)". JSON: a string of that form, or an
// object {"name": "Sigmoid", "alpha": 2} / {"name": "Sigmoid", "width": 0.5, "peak": 1} (bare numbers).
surrogate parse_surrogate_text(std::string_view text, const std::string& where = "");
surrogate parse_surrogate(const nlohmann::json& j, const std::string& where = "");
// Name of a kind ("Sigmoid"); the kind of a name (throws parameter_error listing the names when unknown).
const char* surrogate_name(surrogate_kind kind);
surrogate_kind surrogate_kind_of(const std::string& name, const std::string& where = "");
// Peak value of g and its full width at half maximum (analytic where possible, bisection otherwise);
// width is +infinity when g never falls below half its peak on one side (LeakyRelu).
double surrogate_peak(const surrogate& s);
double surrogate_fwhm(const surrogate& s);
// "Sigmoid(alpha=4)" plus "scale=..., gain=..." when not 1.
std::string to_string(const surrogate& s);
// out["surrogates"] = [{name, parameters: [{name, default, range, shape}], derivative, integral, width_peak}]
void describe_surrogates(nlohmann::json& out);

}  // namespace volley::models
