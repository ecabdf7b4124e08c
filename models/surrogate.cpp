// Host side of the surrogate spike derivatives: the table of names and parameters, parsing, the width/peak
// construction and `volley models` output. Formulas and conversions: docs/surrogates.md.
#include "models/surrogate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"

namespace volley::models {

namespace {

using K = surrogate_kind;
constexpr double inf = std::numeric_limits<double>::infinity();
const double ln2 = std::log(2.0);
const double sqrt2 = std::sqrt(2.0);
const double sigmoid_half = 2.0 * std::log(1.0 + std::sqrt(2.0));  // |alpha x| where s (1 - s) = 1/8

// Rows in enum order (checked by surrogate_desc_of).
// clang-format off
const std::vector<surrogate_desc> table{
    {K::sigmoid, "Sigmoid", 1, {{"alpha", 4.0, "positive", false}},
     "alpha*s*(1-s), s = 1/(1+exp(-alpha*x))", "1", true},
    {K::piecewise_quadratic, "PiecewiseQuadratic", 1, {{"alpha", 1.0, "positive", false}},
     "max(0, alpha - alpha^2*|x|)", "1", true},
    {K::piecewise_exp, "PiecewiseExp", 1, {{"alpha", 1.0, "positive", false}}, "alpha/2*exp(-alpha*|x|)", "1", true},
    {K::soft_sign, "SoftSign", 1, {{"alpha", 1.0, "positive", false}}, "alpha/(2*(1+alpha*|x|)^2)", "1", true},
    {K::arctan, "Arctan", 1, {{"alpha", 1.0, "positive", false}}, "alpha/(2*(1+(pi/2*alpha*x)^2))", "1", true},
    {K::nonzero_sign_log, "NonzeroSignLog", 1, {{"alpha", 1.0, "positive", false}}, "1/(1/alpha+|x|)",
     "infinite: 2*log(1+alpha*L) over [-L, L]", true},
    {K::erf, "ERF", 1, {{"alpha", 1.0, "positive", false}}, "alpha/sqrt(pi)*exp(-alpha^2*x^2)", "1", true},
    {K::piecewise_leaky_relu, "PiecewiseLeakyRelu", 2,
     {{"c", 0.01, "non-negative", true}, {"w", 1.0, "positive", false}},
     "1/(2*w) for |x| <= w, c otherwise", "1 + 2*c*(L-w) over [-L, L], L >= w (infinite for c > 0)", true},
    {K::squarewave_fourier_series, "SquarewaveFourierSeries", 2,
     {{"n", 2.0, "integer >= 1", true}, {"t_period", 8.0, "positive", false}},
     "4/T*sum_{i=1..n} cos((2i-1)*2*pi*x/T), T = t_period (periodic)",
     "(4/pi)*sum_{i=1..n} (-1)^(i-1)/(2i-1) over [-T/4, T/4] (0.8488 for n = 2)", true},
    {K::s2nn, "S2NN", 3,
     {{"alpha", 4.0, "positive", true}, {"beta", 1.0, "positive", true}, {"epsilon", 1e-8, "non-negative", true}},
     "alpha*s*(1-s) for x < 0 (s = 1/(1+exp(-alpha*x))), beta/(x+1) for x >= 0",
     "infinite: 1/2 + beta*log(1+L) over (-inf, L]", true},
    {K::q_pseudo_spike, "QPseudoSpike", 1, {{"alpha", 2.0, "positive", true}}, "(1+2*|x|/(alpha+1))^(-alpha)",
     "(alpha+1)/(alpha-1) for alpha > 1 (3 at alpha = 2), infinite otherwise", true},
    {K::leaky_relu, "LeakyRelu", 2, {{"alpha", 0.1, "finite", true}, {"beta", 1.0, "finite", true}},
     "alpha for x < 0, beta for x >= 0", "infinite", false},
    {K::log_tailed_relu, "LogTailedRelu", 1, {{"alpha", 0.0, "finite", true}},
     "alpha for x <= 0, 1 for 0 < x <= 1, 1/x for x > 1", "infinite", true},
    {K::relu_grad, "ReluGrad", 2, {{"alpha", 0.3, "positive", false}, {"width", 1.0, "positive", false}},
     "max(0, alpha*(width-|x|))", "alpha*width^2", true},
    {K::gaussian_grad, "GaussianGrad", 2, {{"sigma", 0.5, "positive", false}, {"alpha", 0.5, "positive", false}},
     "alpha/(sigma*sqrt(2*pi))*exp(-x^2/(2*sigma^2))", "alpha", true},
    {K::inv_square_grad, "InvSquareGrad", 1, {{"alpha", 100.0, "positive", false}}, "1/(alpha*|x|+1)^2", "2/alpha",
     true},
    {K::multi_gaussian_grad, "MultiGaussianGrad", 4,
     {{"h", 0.15, "non-negative", true}, {"s", 6.0, "positive", true}, {"sigma", 0.5, "positive", false},
      {"scale", 0.5, "positive", false}},
     "scale*((1+h)*N(x; 0, sigma^2) - h*N(x; sigma, (s*sigma)^2) - h*N(x; -sigma, (s*sigma)^2))", "scale*(1-h)",
     true},
    {K::slayer_grad, "SlayerGrad", 1, {{"alpha", 1.0, "positive", false}}, "exp(-alpha*|x|)", "2/alpha", true},
};
// clang-format on

std::string prefix(const std::string& where, const surrogate_desc& d) {
  return (where.empty() ? std::string() : where + ": ") + "surrogate '" + d.name + "'";
}

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s(buf);
  // shortest representation that reads back the same
  for (int prec = 1; prec < 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  return s;
}

bool admissible(double v, const char* range) {
  if (!std::isfinite(v)) return false;
  const std::string r = range;
  if (r == "positive") return v > 0;
  if (r == "non-negative") return v >= 0;
  if (r == "integer >= 1") return v >= 1 && v == std::floor(v) && v <= 1e6;
  return true;
}

real_t* slot(surrogate& s, int i) {
  real_t* slots[4] = {&s.p1, &s.p2, &s.p3, &s.scale};
  return slots[i];
}

// Bisection for the root of f on [a, b] given f(a) > 0 >= f(b).
template <class F>
double bisect(F&& f, double a, double b) {
  for (int i = 0; i < 200 && b - a > 1e-15 * std::max(1.0, std::fabs(a) + std::fabs(b)); ++i) {
    const double m = 0.5 * (a + b);
    (f(m) > 0 ? a : b) = m;
  }
  return 0.5 * (a + b);
}

// Peak of the native shape with unit output factor (MultiGaussianGrad's 'scale' and the gain excluded).
double native_peak(const surrogate& s) {
  const double a = s.p1, b = s.p2;
  switch (s.kind) {
    case K::sigmoid: return a / 4;
    case K::soft_sign:
    case K::arctan:
    case K::piecewise_exp: return a / 2;
    case K::piecewise_quadratic:
    case K::nonzero_sign_log: return a;
    case K::erf: return a / std::sqrt(sg::pi);
    case K::piecewise_leaky_relu: return std::max(0.5 / b, a);
    case K::squarewave_fourier_series: return 4.0 * a / b;
    case K::s2nn: return std::max(a / 4, b);
    case K::q_pseudo_spike:
    case K::inv_square_grad:
    case K::slayer_grad: return 1.0;
    case K::leaky_relu: return std::max(a, b);
    case K::log_tailed_relu: return std::max(a, 1.0);
    case K::relu_grad: return a * b;
    case K::gaussian_grad: return b / (a * std::sqrt(2 * sg::pi));
    case K::multi_gaussian_grad: return sg::multi_gaussian_grad_grad(0, s.p1, s.p2, s.p3, 1);
  }
  return 0;
}

// Full width at half maximum of the native shape (gain excluded).
double native_fwhm(const surrogate& s) {
  const double a = s.p1, b = s.p2;
  switch (s.kind) {
    case K::sigmoid: return 2 * sigmoid_half / a;
    case K::piecewise_quadratic: return 1 / a;
    case K::piecewise_exp:
    case K::slayer_grad: return 2 * ln2 / a;
    case K::soft_sign:
    case K::inv_square_grad: return 2 * (sqrt2 - 1) / a;
    case K::arctan: return 4 / (sg::pi * a);
    case K::nonzero_sign_log: return 2 / a;
    case K::erf: return 2 * std::sqrt(ln2) / a;
    case K::piecewise_leaky_relu: return a < 0.25 / b ? 2 * b : inf;
    case K::squarewave_fourier_series: {
      // sum_{i=1..n} cos((2i-1) t) = sin(2 n t) / (2 sin t): n at t = 0, 0 at t = pi/(2n); half of it at t*.
      const double n = a;
      const double t =
          bisect([n](double u) { return std::sin(2 * n * u) / (2 * std::sin(u)) - n / 2; }, 0.0, sg::pi / (2 * n));
      return t * b / sg::pi;  // 2 x*, x* = t / (2 pi / T)
    }
    case K::s2nn: {
      const double peak = native_peak(s), q = peak / (2 * a);  // s (1 - s) = q on the left
      const double left = q <= 0.25 ? std::log((1 - std::sqrt(1 - 4 * q)) / (1 + std::sqrt(1 - 4 * q))) / a : 0.0;
      const double right = std::max(0.0, 2 * b / peak - 1);
      return right - left;
    }
    case K::q_pseudo_spike: return (a + 1) * (std::pow(2.0, 1 / a) - 1);
    case K::leaky_relu: return inf;
    case K::log_tailed_relu: return a < 0.5 ? 2.0 : inf;
    case K::relu_grad: return b;
    case K::gaussian_grad: return 2 * a * std::sqrt(2 * ln2);
    case K::multi_gaussian_grad: {
      const double half = native_peak(s) / 2, step = s.p3 / 64;
      auto f = [&](double x) { return sg::multi_gaussian_grad_grad(real_t(x), s.p1, s.p2, s.p3, 1) - half; };
      double x = 0;
      while (f(x + step) > 0 && x < 1e3 * s.p3) x += step;
      return 2 * bisect(f, x, x + step);
    }
  }
  return inf;
}

const surrogate_param_desc* find_param(const surrogate_desc& d, const std::string& name, int* index) {
  for (int i = 0; i < d.n_params; ++i)
    if (name == d.params[i].name) {
      *index = i;
      return &d.params[i];
    }
  return nullptr;
}

std::string param_names(const surrogate_desc& d, bool with_width_peak) {
  std::string names;
  for (int i = 0; i < d.n_params; ++i) names += (i ? ", " : "") + std::string(d.params[i].name);
  names += d.kind == K::multi_gaussian_grad ? ", gain" : ", scale, gain";
  if (with_width_peak && d.width_peak) names += "; or width and peak";
  return names;
}

void check_value(const surrogate_desc& d, const std::string& where, const std::string& name, double v,
                 const char* range) {
  if (!admissible(v, range)) throw parameter_error(prefix(where, d), name, number_text(v), range);
}

// Native construction; the pairs were checked for duplicates by the caller.
surrogate make_native(const surrogate_desc& d, const std::vector<std::pair<std::string, double>>& params,
                      const std::string& where) {
  surrogate s{d.kind, 0, 0, 0, 1, 1};
  for (int i = 0; i < d.n_params; ++i) *slot(s, i) = static_cast<real_t>(d.params[i].default_value);
  for (const auto& [name, v] : params) {
    int i = 0;
    const surrogate_param_desc* p = find_param(d, name, &i);
    if (!p && (name == "scale" || name == "gain")) {  // generic factors: scale * g(gain * x)
      check_value(d, where, name, v, "positive");
      (name == "scale" ? s.scale : s.gain) = static_cast<real_t>(v);
      continue;
    }
    if (!p) {
      const std::string expected = name == "width" && d.width_peak
                                       ? "'width' together with 'peak' (the width/peak parameterisation)"
                                       : "a parameter of " + std::string(d.name) + ": " + param_names(d, true);
      throw parameter_error(prefix(where, d), name, number_text(v), expected);
    }
    check_value(d, where, name, v, p->range);
    *slot(s, i) = static_cast<real_t>(v);
  }
  if (d.kind == K::multi_gaussian_grad && !(native_peak(s) > 0))
    throw parameter_error(prefix(where, d), "h", number_text(s.p1), "a value for which the derivative peaks above 0");
  return s;
}

void check_unique(const surrogate_desc& d, const std::vector<std::pair<std::string, double>>& params,
                  const std::string& where) {
  for (std::size_t i = 0; i < params.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (params[i].first == params[j].first)
        throw parameter_error(prefix(where, d), params[i].first, number_text(params[i].second), "given once");
}

}  // namespace

const std::vector<surrogate_desc>& surrogate_descs() { return table; }

const surrogate_desc& surrogate_desc_of(surrogate_kind kind) {
  const auto& d = table.at(static_cast<std::size_t>(kind));
  if (d.kind != kind) throw internal_error("surrogate table out of enum order");
  return d;
}

const char* surrogate_name(surrogate_kind kind) { return surrogate_desc_of(kind).name; }

surrogate_kind surrogate_kind_of(const std::string& name, const std::string& where) {
  for (const auto& d : table)
    if (name == d.name) return d.kind;
  std::string names;
  for (const auto& d : table) names += (names.empty() ? "" : ", ") + std::string(d.name);
  throw parameter_error(where.empty() ? "surrogate" : where, "surrogate", "\"" + name + "\"", "one of " + names);
}

surrogate make_surrogate(surrogate_kind kind, const std::vector<std::pair<std::string, double>>& params,
                         const std::string& where) {
  const surrogate_desc& d = surrogate_desc_of(kind);
  check_unique(d, params, where);
  const auto named = [&](const char* n) {
    return std::find_if(params.begin(), params.end(), [n](const auto& p) { return p.first == n; });
  };
  const auto peak = named("peak");
  if (peak == params.end()) return make_native(d, params, where);
  const auto width = named("width");
  if (width == params.end())
    throw parameter_error(prefix(where, d), "peak", number_text(peak->second), "'peak' together with 'width'");
  std::vector<std::pair<std::string, double>> shape;
  for (const auto& p : params)
    if (p.first != "width" && p.first != "peak") shape.push_back(p);
  return surrogate_from_width_peak(kind, width->second, peak->second, shape, where);
}

surrogate surrogate_from_width_peak(surrogate_kind kind, double width, double peak,
                                    const std::vector<std::pair<std::string, double>>& shape,
                                    const std::string& where) {
  const surrogate_desc& d = surrogate_desc_of(kind);
  if (!d.width_peak)
    throw parameter_error(prefix(where, d), "width", number_text(width),
                          std::string("native parameters only (") + param_names(d, false) +
                              "): its derivative is piecewise constant and has no width at half maximum");
  check_value(d, where, "width", width, "positive");
  check_value(d, where, "peak", peak, "positive");
  check_unique(d, shape, where);
  for (const auto& [name, v] : shape) {
    int i = 0;
    const surrogate_param_desc* p = find_param(d, name, &i);
    if ((p && !p->shape) || (!p && (name == "scale" || name == "gain")))
      throw parameter_error(prefix(where, d), name, number_text(v),
                            "no '" + name + "' together with width and peak (they set it)");
  }
  surrogate s = make_native(d, shape, where);
  const double w0 = native_fwhm(s);
  if (!std::isfinite(w0))
    throw parameter_error(prefix(where, d), d.params[0].name, number_text(s.p1),
                          "a value for which the derivative falls below half its peak on both sides (see "
                          "docs/surrogates.md) when width and peak are given");
  s.gain = static_cast<real_t>(w0 / width);
  s.scale = static_cast<real_t>(peak / native_peak(s));
  return s;
}

double surrogate_peak(const surrogate& s) { return double(s.scale) * native_peak(s); }
double surrogate_fwhm(const surrogate& s) { return native_fwhm(s) / double(s.gain); }

surrogate parse_surrogate_text(std::string_view text, const std::string& where) {
  const std::string where_s = where.empty() ? "surrogate" : where;
  const auto bad = [&](const std::string& why) {
    return parameter_error(where_s, "surrogate", "\"" + std::string(text) + "\"", why);
  };
  auto trim = [](std::string_view v) {
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
    return v;
  };
  std::string_view t = trim(text);
  const std::size_t open = t.find('(');
  const std::string name(trim(t.substr(0, open)));
  if (name.empty()) throw bad("a surrogate name such as Sigmoid or Sigmoid(alpha=4)");
  const surrogate_kind kind = surrogate_kind_of(name, where);
  std::vector<std::pair<std::string, double>> params;
  if (open != std::string_view::npos) {
    if (t.back() != ')') throw bad("Name(key=value, ...) with a closing parenthesis");
    std::string_view args = trim(t.substr(open + 1, t.size() - open - 2));
    while (!args.empty()) {
      const std::size_t comma = args.find(',');
      const std::string_view item = trim(args.substr(0, comma));
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos) throw bad("key=value pairs separated by commas");
      const std::string key(trim(item.substr(0, eq))), value(trim(item.substr(eq + 1)));
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (key.empty() || value.empty() || *end != '\0')
        throw parameter_error(prefix(where, surrogate_desc_of(kind)), key.empty() ? "?" : key, "'" + value + "'",
                              "a number");
      params.emplace_back(key, v);
      args = comma == std::string_view::npos ? std::string_view() : trim(args.substr(comma + 1));
    }
  }
  return make_surrogate(kind, params, where);
}

surrogate parse_surrogate(const nlohmann::json& j, const std::string& where) {
  if (j.is_string()) return parse_surrogate_text(j.get<std::string>(), where);
  const std::string where_s = where.empty() ? "surrogate" : where;
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string())
    throw parameter_error(where_s, "surrogate", j.dump(),
                          "a name (\"Sigmoid\", \"Sigmoid(alpha=4)\") or an object {\"name\": \"Sigmoid\", ...}");
  const surrogate_kind kind = surrogate_kind_of(j["name"].get<std::string>(), where);
  std::vector<std::pair<std::string, double>> params;
  for (const auto& [key, val] : j.items()) {
    if (key == "name") continue;
    if (!val.is_number())
      throw parameter_error(prefix(where, surrogate_desc_of(kind)), key, val.dump(), "a number (dimensionless)");
    params.emplace_back(key, val.get<double>());
  }
  return make_surrogate(kind, params, where);
}

std::string to_string(const surrogate& s) {
  const surrogate_desc& d = surrogate_desc_of(s.kind);
  surrogate copy = s;
  std::string out = std::string(d.name) + "(";
  for (int i = 0; i < d.n_params; ++i)
    out += (i ? ", " : "") + std::string(d.params[i].name) + "=" + number_text(*slot(copy, i));
  if (d.n_params < 4 && s.scale != real_t(1)) out += ", scale=" + number_text(s.scale);
  if (s.gain != real_t(1)) out += ", gain=" + number_text(s.gain);
  return out + ")";
}

void describe_surrogates(nlohmann::json& out) {
  auto& list = out["surrogates"] = nlohmann::json::array();
  for (const auto& d : table) {
    nlohmann::json params = nlohmann::json::array();
    for (int i = 0; i < d.n_params; ++i)
      params.push_back({{"name", d.params[i].name},
                        {"default", d.params[i].default_value},
                        {"unit", "1"},
                        {"range", d.params[i].range},
                        {"kept_with_width_peak", d.params[i].shape}});
    list.push_back({{"name", d.name},
                    {"parameters", params},
                    {"derivative", d.derivative},
                    {"integral", d.integral},
                    {"width_peak", d.width_peak},
                    {"input", "x = normalised membrane potential, e.g. (V - V_th) / (V_th - V_reset)"}});
  }
}

}  // namespace volley::models
