// Surrogate spike derivatives (models/surrogate.hpp): every derivative against a finite difference of its
// primitive, integrals by quadrature against closed forms written here, symmetry and peak, the (width, peak)
// construction, values from brainpy.state's formulas worked out by hand, and parse errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "models/surrogate.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_surrogate {

using namespace volley::models;

namespace {

const double pi = 3.14159265358979323846;
const double ln1p_sqrt2 = std::log(1 + std::sqrt(2.0));

struct case_t {
  const char* spec;           // parse_surrogate_text input
  std::vector<double> kinks;  // where g (or its derivative) is not smooth: finite differences keep away
  double lo, hi;              // x range sampled
  double a, b, integral;      // integral of g over [a, b], closed form by hand
  bool symmetric;
};

double sigm(double z) { return 1 / (1 + std::exp(-z)); }

// Closed forms of the integral over [a, b] follow from the formulas in docs/surrogates.md.
const std::vector<case_t> cases = {
    {"Sigmoid", {}, -3, 3, -30, 30, sigm(120) - sigm(-120), true},
    {"Sigmoid(alpha=25)", {}, -0.5, 0.5, -5, 5, sigm(125) - sigm(-125), true},
    {"PiecewiseQuadratic", {-1, 0, 1}, -2, 2, -2, 2, 1, true},
    {"PiecewiseQuadratic(alpha=2.5)", {-0.4, 0, 0.4}, -1, 1, -1, 1, 1, true},
    {"PiecewiseExp", {0}, -4, 4, -50, 50, 1 - std::exp(-50.0), true},
    {"SoftSign", {0}, -4, 4, -100, 100, 100.0 / 101.0, true},  // alpha L / (1 + alpha L)
    {"Arctan", {}, -4, 4, -100, 100, 2 / pi* std::atan(pi / 2 * 100), true},
    {"NonzeroSignLog", {0}, -4, 4, -10, 10, 2 * std::log(11.0), true},  // 2 log(1 + alpha L)
    {"ERF", {}, -3, 3, -10, 10, std::erf(10.0), true},
    {"ERF(alpha=2)", {}, -2, 2, -5, 5, std::erf(10.0), true},
    {"PiecewiseLeakyRelu", {-1, 1}, -3, 3, -3, 3, 1 + 2 * 0.01 * 2, true},  // 1 + 2 c (L - w)
    {"PiecewiseLeakyRelu(c=0.05, w=0.4)", {-0.4, 0.4}, -2, 2, -2, 2, 1 + 2 * 0.05 * 1.6, true},
    {"SquarewaveFourierSeries", {}, -4, 4, -2, 2, 4 / pi*(1 - 1.0 / 3), true},  // half period [-T/4, T/4]
    {"SquarewaveFourierSeries(n=5, t_period=6)",
     {},
     -3,
     3,
     -1.5,
     1.5,
     4 / pi*(1 - 1.0 / 3 + 1.0 / 5 - 1.0 / 7 + 1.0 / 9),
     true},
    {"S2NN", {0}, -3, 3, -30, 5, 0.5 - sigm(-120) + std::log(6.0), false},  // left half 1/2, right beta log(1+L)
    {"S2NN(alpha=8, beta=0.5)", {0}, -2, 2, -30, 2, 0.5 - sigm(-240) + 0.5 * std::log(3.0), false},
    {"QPseudoSpike", {0}, -4, 4, -50, 50, 3 * (1 - 1 / (1 + 100.0 / 3)), true},  // (a+1)/(a-1) (1 - base^(1-a))
    {"QPseudoSpike(alpha=1)", {0}, -4, 4, -50, 50, 2 * std::log(51.0), true},
    {"QPseudoSpike(alpha=0.5)", {0}, -4, 4, -20, 20, 2 * 0.75 / 0.5 * (std::pow(1 + 40 / 1.5, 0.5) - 1), true},
    {"LeakyRelu", {0}, -3, 3, -2, 3, 0.1 * 2 + 3, false},
    {"LogTailedRelu(alpha=0.1)", {0, 1}, -3, 6, -2, 5, 0.2 + 1 + std::log(5.0), false},
    {"ReluGrad", {-1, 0, 1}, -2, 2, -2, 2, 0.3, true},  // alpha width^2
    {"ReluGrad(alpha=2, width=0.25)", {-0.25, 0, 0.25}, -1, 1, -1, 1, 2 * 0.0625, true},
    {"GaussianGrad", {}, -3, 3, -10, 10, 0.5 * std::erf(10 / (0.5 * std::sqrt(2.0))), true},
    {"InvSquareGrad", {0}, -0.05, 0.05, -1, 1, 2.0 / 101, true},  // 2 L / (1 + alpha L)
    {"InvSquareGrad(alpha=25)", {0}, -0.3, 0.3, -1, 1, 2.0 / 26, true},
    {"MultiGaussianGrad", {}, -4, 4, -40, 40, 0.5 * (1 - 0.15), true},  // scale (1 - h)
    {"SlayerGrad", {0}, -5, 5, -50, 50, 2 * (1 - std::exp(-50.0)), true},
    // width/peak constructions: the integral of a stretched and scaled shape, from the docs' conversions
    {"Sigmoid(width=0.5, peak=2)", {}, -2, 2, -20, 20, 2 * 0.5 / ln1p_sqrt2, true},
    {"GaussianGrad(width=0.3, peak=3)",
     {},
     -1,
     1,
     -5,
     5,
     3 * 0.3 * std::sqrt(2 * pi) / (2 * std::sqrt(2 * std::log(2.0))),
     true},
    {"QPseudoSpike(alpha=3, width=2, peak=0.5)", {0}, -6, 6, -30, 30, 0, true},  // integral not checked (0)
    {"SquarewaveFourierSeries(n=3, width=1, peak=1)", {}, -2, 2, 0, 0, 0, true},
};

// Composite 5-point Gauss-Legendre on [a, b], split at the kinks.
double integrate(const std::function<double(double)>& f, double a, double b, std::vector<double> kinks) {
  static const double xg[5] = {-0.9061798459386640, -0.5384693101056831, 0.0, 0.5384693101056831, 0.9061798459386640};
  static const double wg[5] = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665,
                               0.2369268850561891};
  std::vector<double> edges{a};
  std::sort(kinks.begin(), kinks.end());
  for (double k : kinks)
    if (k > a && k < b) edges.push_back(k);
  edges.push_back(b);
  double sum = 0;
  for (std::size_t e = 0; e + 1 < edges.size(); ++e) {
    const int n = 20000;
    const double h = (edges[e + 1] - edges[e]) / n;
    for (int i = 0; i < n; ++i) {
      const double m = edges[e] + (i + 0.5) * h;
      for (int k = 0; k < 5; ++k) sum += 0.5 * h * wg[k] * f(m + 0.5 * h * xg[k]);
    }
  }
  return sum;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const volley::parameter_error& e) {
    return e.what();
  }
  return "(no parameter_error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2e", v);
  return buf;
}

}  // namespace

// d/dx P == g: 5-point central difference of the primitive, h = 2e-4 of the sampled range, away from kinks.
// Relative error against max(|g|, 1e-3 peak) (tails where g is below a thousandth of the peak are judged on that
// absolute floor: there the difference of two nearly equal P values is all rounding).
TEST(Surrogate, DerivativeMatchesFiniteDifferenceOfPrimitive) {
  double overall = 0;
  for (const auto& c : cases) {
    const surrogate s = parse_surrogate_text(c.spec);
    const double h = 2e-4 * (c.hi - c.lo);
    double peak = 0;
    for (int i = 0; i <= 2000; ++i)
      peak = std::max(peak, std::fabs(double(surrogate_grad(s, c.lo + (c.hi - c.lo) * i / 2000))));
    double worst = 0;
    int checked = 0;
    for (int i = 0; i < 997; ++i) {
      const double x = c.lo + (c.hi - c.lo) * (i + 0.5 / std::sqrt(2.0)) / 997;
      bool near_kink = false;
      for (double k : c.kinks) near_kink |= std::fabs(x - k / s.gain) < 4 * h;
      if (near_kink) continue;
      const auto P = [&](double y) { return surrogate_primitive(s, y); };
      const double fd = (8 * (P(x + h) - P(x - h)) - (P(x + 2 * h) - P(x - 2 * h))) / (12 * h);
      const double g = surrogate_grad(s, x);
      worst = std::max(worst, std::fabs(fd - g) / std::max(std::fabs(g), 1e-3 * peak));
      ++checked;
    }
    EXPECT_GT(checked, 900) << c.spec;
    EXPECT_LT(worst, 1e-6) << c.spec;
    overall = std::max(overall, worst);
  }
  RecordProperty("fd_rel_err", sci(overall));
}

TEST(Surrogate, IntegralMatchesClosedForm) {
  double worst = 0;
  for (const auto& c : cases) {
    if (c.integral == 0) continue;
    const surrogate s = parse_surrogate_text(c.spec);
    std::vector<double> kinks;
    for (double k : c.kinks) kinks.push_back(k / s.gain);
    const double q = integrate([&](double x) { return surrogate_grad(s, x); }, c.a, c.b, kinks);
    EXPECT_NEAR(q, c.integral, 1e-9 * std::fabs(c.integral)) << c.spec;
    worst = std::max(worst, std::fabs(q - c.integral) / std::fabs(c.integral));
  }
  RecordProperty("integral_rel_err", sci(worst));
  // the unit-area surrogates integrate to 1 at their defaults
  for (const char* name : {"Sigmoid", "PiecewiseQuadratic", "PiecewiseExp", "ERF"}) {
    const surrogate s = parse_surrogate_text(name);
    EXPECT_NEAR(integrate([&](double x) { return surrogate_grad(s, x); }, -60, 60, {-1, 0, 1}), 1.0, 1e-10) << name;
  }
}

TEST(Surrogate, SymmetryAndPeak) {
  for (const auto& c : cases) {
    const surrogate s = parse_surrogate_text(c.spec);
    const double g0 = surrogate_grad(s, 0);
    // the supremum may sit just left of 0 (S2NN with alpha/4 > beta)
    double peak = std::max({g0, double(surrogate_grad(s, -1e-12)), double(surrogate_grad(s, 1e-12))});
    for (int i = 0; i <= 4000; ++i) {
      const double x = c.lo + (c.hi - c.lo) * i / 4000;
      const double g = surrogate_grad(s, x);
      peak = std::max(peak, g);
      if (!c.symmetric) continue;
      EXPECT_NEAR(g, surrogate_grad(s, -x), 1e-15 * g0) << c.spec << " x=" << x;
      EXPECT_LE(g, g0 * (1 + 1e-15)) << c.spec << " x=" << x;
    }
    EXPECT_NEAR(surrogate_peak(s), peak, 1e-12 * peak) << c.spec;
  }
  // the forward pass is the Heaviside step with H(0) = 1
  EXPECT_EQ(heaviside(0.0), 1.0);
  EXPECT_EQ(heaviside(-1e-300), 0.0);
  EXPECT_EQ(heaviside(2.0), 1.0);
}

// The (width, peak) construction: peak = max g, width = full width at half maximum, both measured here on g itself
// (grid maximum, then bisection on g - peak/2 walking outward from the maximum).
TEST(Surrogate, WidthAndPeakAreWhatWasAsked) {
  double worst = 0;
  for (const auto& d : surrogate_descs()) {
    if (!d.width_peak) continue;
    for (const auto& wp : std::vector<std::pair<double, double>>{{1, 1}, {0.3, 2.5}, {4, 0.1}}) {
      const double w = wp.first, p = wp.second;  // variables, not bindings: the lambdas below capture them (clang 14)
      const surrogate s = surrogate_from_width_peak(d.kind, w, p);
      const auto g = [&](double x) { return double(surrogate_grad(s, x)); };
      double x_peak = 0, peak = g(0);
      for (int i = -20000; i <= 20000; ++i) {
        const double x = 5 * w * i / 20000;
        if (g(x) > peak * (1 + 1e-12) || (g(x) >= peak * (1 - 1e-12) && std::fabs(x) < std::fabs(x_peak))) {
          peak = std::max(peak, g(x));
          x_peak = x;
        }
      }
      const auto crossing = [&](double dir) {
        double inside = x_peak, step = w / 2000, outside = x_peak + dir * step;
        while (g(outside) >= peak / 2) inside = outside, outside += dir * step;
        for (int i = 0; i < 200; ++i) {
          const double m = 0.5 * (inside + outside);
          (g(m) >= peak / 2 ? inside : outside) = m;
        }
        return 0.5 * (inside + outside);
      };
      const double fwhm = crossing(1) - crossing(-1);
      EXPECT_NEAR(peak, p, 1e-6 * p) << d.name << " width " << w << " peak " << p;
      EXPECT_NEAR(fwhm, w, 1e-6 * w) << d.name << " width " << w << " peak " << p;
      EXPECT_NEAR(surrogate_fwhm(s), w, 1e-9 * w) << d.name;
      worst = std::max({worst, std::fabs(peak - p) / p, std::fabs(fwhm - w) / w});
    }
  }
  RecordProperty("width_peak_rel_err", sci(worst));
}

// The documented conversions to native parameters (docs/surrogates.md) give the same function.
TEST(Surrogate, WidthPeakEqualsDocumentedNativeParameters) {
  const double w = 0.7, p = 1.9;
  for (double x : {-1.3, -0.2, 0.0, 0.05, 0.6}) {
    const double a_sig = 4 * ln1p_sqrt2 / w;  // Sigmoid: alpha = 4 ln(1+sqrt2)/width, amplitude peak / (alpha/4)
    EXPECT_NEAR(surrogate_grad(parse_surrogate_text("Sigmoid(width=0.7, peak=1.9)"), x),
                p / (a_sig / 4) * sg::sigmoid_grad(x, a_sig), 1e-13);
    // ReluGrad: width is its own width, alpha = peak / width
    EXPECT_NEAR(surrogate_grad(parse_surrogate_text("ReluGrad(width=0.7, peak=1.9)"), x),
                sg::relu_grad_grad(x, p / w, w), 1e-13);
    const double sigma = w / (2 * std::sqrt(2 * std::log(2.0)));  // GaussianGrad: alpha = peak sigma sqrt(2 pi)
    EXPECT_NEAR(surrogate_grad(parse_surrogate_text("GaussianGrad(width=0.7, peak=1.9)"), x),
                sg::gaussian_grad_grad(x, sigma, p * sigma * std::sqrt(2 * pi)), 1e-13);
    const double a_inv = 2 * (std::sqrt(2.0) - 1) / w;  // InvSquareGrad: alpha = 2 (sqrt2 - 1) / width, times peak
    EXPECT_NEAR(surrogate_grad(parse_surrogate_text("InvSquareGrad(width=0.7, peak=1.9)"), x),
                p * sg::inv_square_grad_grad(x, a_inv), 1e-13);
  }
  // SpikingJelly's QPseudoSpike(alpha) = (1 + 2|x|/(alpha-1))^-alpha is ours with gain (alpha+1)/(alpha-1)
  const surrogate q = parse_surrogate_text("QPseudoSpike(alpha=3, gain=2)");
  EXPECT_NEAR(surrogate_grad(q, 0.8), std::pow(1 + 2 * 0.8 / 2, -3.0), 1e-15);
}

// brainpy.state (braintools.surrogate) formulas at a few points, worked out by hand.
TEST(Surrogate, KnownValuesOfBrainpyFormulas) {
  const auto g = [](const char* spec, double x) { return double(surrogate_grad(parse_surrogate_text(spec), x)); };
  // Sigmoid(4) at 0.5: s = 1/(1+e^-2) = 0.8807970779778823; 4 s (1-s) = 0.41997434161402647
  EXPECT_NEAR(g("Sigmoid", 0.5), 0.41997434161402647, 1e-14);
  // PiecewiseQuadratic(2) at 0.3: 2 - 4*0.3 = 0.8; zero outside |x| <= 1/2
  EXPECT_NEAR(g("PiecewiseQuadratic(alpha=2)", 0.3), 0.8, 1e-14);
  EXPECT_EQ(g("PiecewiseQuadratic(alpha=2)", 0.6), 0.0);
  // PiecewiseExp(1) at -0.7: 0.5 e^-0.7 = 0.24829265189570476
  EXPECT_NEAR(g("PiecewiseExp", -0.7), 0.24829265189570476, 1e-14);
  // SoftSign(1) at 0.5: 0.5 / 1.5^2 = 0.2222...
  EXPECT_NEAR(g("SoftSign", 0.5), 2.0 / 9, 1e-14);
  // Arctan(1) at 1: 0.5 / (1 + (pi/2)^2) = 0.1442002195710005
  EXPECT_NEAR(g("Arctan", 1.0), 0.1442002195710005, 1e-14);
  // NonzeroSignLog(1) at -2: 1 / (1 + 2)
  EXPECT_NEAR(g("NonzeroSignLog", -2.0), 1.0 / 3, 1e-14);
  // ERF(1) at 0.5: e^-0.25 / sqrt(pi) = 0.43939128946772243
  EXPECT_NEAR(g("ERF", 0.5), 0.43939128946772243, 1e-14);
  // PiecewiseLeakyRelu(0.01, 1): 1/(2w) = 0.5 inside, c = 0.01 outside
  EXPECT_NEAR(g("PiecewiseLeakyRelu", 0.5), 0.5, 1e-14);
  EXPECT_NEAR(g("PiecewiseLeakyRelu", -1.5), 0.01, 1e-14);
  // SquarewaveFourierSeries(2, 8) at 0.5: (4/8) (cos(pi/8) + cos(3 pi/8)) = 0.6532814824381883; at 1: cos(pi/4) +
  // cos(3 pi/4) = 0
  EXPECT_NEAR(g("SquarewaveFourierSeries", 0.5), 0.6532814824381883, 1e-14);
  EXPECT_NEAR(g("SquarewaveFourierSeries", 1.0), 0.0, 1e-14);
  // S2NN(4, 1) at -0.25: 4 s (1-s), s = 1/(1+e) -> 0.7864477329659274; at 1: beta/(1+1) = 0.5
  EXPECT_NEAR(g("S2NN", -0.25), 0.7864477329659274, 1e-14);
  EXPECT_NEAR(g("S2NN", 1.0), 0.5, 1e-14);
  // QPseudoSpike(2) at 0.75: (1 + 1.5/3)^-2 = 1/2.25
  EXPECT_NEAR(g("QPseudoSpike", 0.75), 1 / 2.25, 1e-14);
  // LeakyRelu(0.1, 1); LogTailedRelu(0): 0, 1, 1/x
  EXPECT_NEAR(g("LeakyRelu", -1.0), 0.1, 1e-14);
  EXPECT_NEAR(g("LeakyRelu", 0.0), 1.0, 1e-14);
  EXPECT_EQ(g("LogTailedRelu", -1.0), 0.0);
  EXPECT_EQ(g("LogTailedRelu", 0.5), 1.0);
  EXPECT_NEAR(g("LogTailedRelu", 4.0), 0.25, 1e-14);
  // ReluGrad(0.3, 1): 0.3 (1 - |x|): 0.3, 0.15, 0
  EXPECT_NEAR(g("ReluGrad", 0.0), 0.3, 1e-14);
  EXPECT_NEAR(g("ReluGrad", -0.5), 0.15, 1e-14);
  EXPECT_EQ(g("ReluGrad", 2.0), 0.0);
  // GaussianGrad(0.5, 0.5) at 0.5: 0.5 e^-0.5 / (0.5 sqrt(2 pi)) = 0.24197072451914337
  EXPECT_NEAR(g("GaussianGrad", 0.5), 0.24197072451914337, 1e-14);
  // InvSquareGrad(100) at 0.01: 1 / (1 + 1)^2
  EXPECT_NEAR(g("InvSquareGrad", 0.01), 0.25, 1e-14);
  // MultiGaussianGrad(0.15, 6, 0.5, 0.5) at 0: 0.5 (1.15 N(0;0,0.5) - 2 0.15 N(0;0.5,3)) = 0.43911163665655056;
  // at 0.4: 0.3136425726053176
  EXPECT_NEAR(g("MultiGaussianGrad", 0.0), 0.43911163665655056, 1e-14);
  EXPECT_NEAR(g("MultiGaussianGrad", 0.4), 0.3136425726053176, 1e-14);
  // SlayerGrad(1) at -2: e^-2
  EXPECT_NEAR(g("SlayerGrad", -2.0), 0.1353352832366127, 1e-14);
}

TEST(Surrogate, ParsesNamesJsonAndDefaults) {
  const surrogate d{};
  EXPECT_EQ(d.kind, surrogate_kind::relu_grad);  // brainpy.state's neuron default
  EXPECT_EQ(to_string(d), "ReluGrad(alpha=0.3, width=1)");
  EXPECT_EQ(to_string(parse_surrogate(nlohmann::json("Sigmoid"))), "Sigmoid(alpha=4)");
  EXPECT_EQ(to_string(parse_surrogate(nlohmann::json{{"name", "Sigmoid"}, {"alpha", 2.5}})), "Sigmoid(alpha=2.5)");
  EXPECT_EQ(to_string(parse_surrogate_text("  ReluGrad ( alpha = 0.5 , width=2 ) ")), "ReluGrad(alpha=0.5, width=2)");
  EXPECT_EQ(to_string(parse_surrogate_text("S2NN")), "S2NN(alpha=4, beta=1, epsilon=1e-08)");
  // to_string reads back, also with the factors the width/peak construction sets
  for (const char* spec : {"MultiGaussianGrad(width=0.4, peak=2)", "Arctan(width=3, peak=0.2)", "SoftSign(alpha=3)"}) {
    const surrogate s = parse_surrogate_text(spec), t = parse_surrogate_text(to_string(s));
    for (double x : {-0.3, 0.0, 0.7}) EXPECT_DOUBLE_EQ(surrogate_grad(s, x), surrogate_grad(t, x)) << spec;
  }
  EXPECT_EQ(surrogate_kind_of("SlayerGrad"), surrogate_kind::slayer_grad);
  EXPECT_STREQ(surrogate_name(surrogate_kind::erf), "ERF");
  nlohmann::json out;
  describe_surrogates(out);
  ASSERT_EQ(out["surrogates"].size(), std::size_t(n_surrogate_kinds));
  for (int k = 0; k < n_surrogate_kinds; ++k)
    EXPECT_EQ(out["surrogates"][k]["name"], surrogate_name(surrogate_kind(k)));
  EXPECT_EQ(out["surrogates"][13]["name"], "ReluGrad");
  EXPECT_EQ(out["surrogates"][13]["parameters"][0]["default"], 0.3);
  EXPECT_EQ(out["surrogates"][13]["parameters"][1]["name"], "width");
}

TEST(Surrogate, ParseErrorsNameSurrogateParameterValueAndRange) {
  using nlohmann::json;
  std::string msg = error_of([] { parse_surrogate_text("Sigmoidd"); });
  EXPECT_TRUE(contains(msg, "\"Sigmoidd\"") && contains(msg, "one of Sigmoid, PiecewiseQuadratic")) << msg;
  msg = error_of([] { parse_surrogate(json{{"name", "Sigmoid"}, {"beta", 1}}, "population 'P'"); });
  EXPECT_TRUE(contains(msg, "population 'P': surrogate 'Sigmoid': parameter 'beta'") && contains(msg, "alpha")) << msg;
  msg = error_of([] { parse_surrogate(json{{"name", "Arctan"}, {"alpha", -1}}); });
  EXPECT_TRUE(contains(msg, "surrogate 'Arctan': parameter 'alpha' = -1: expected positive")) << msg;
  msg = error_of([] { parse_surrogate(json{{"name", "Sigmoid"}, {"alpha", "4"}}); });
  EXPECT_TRUE(contains(msg, "'alpha' = \"4\"") && contains(msg, "a number")) << msg;
  msg = error_of([] { parse_surrogate(json(42)); });
  EXPECT_TRUE(contains(msg, "= 42")) << msg;
  msg = error_of([] { parse_surrogate_text("Sigmoid(alpha=)"); });
  EXPECT_TRUE(contains(msg, "'alpha'") && contains(msg, "a number")) << msg;
  msg = error_of([] { parse_surrogate_text("Sigmoid(alpha=2"); });
  EXPECT_TRUE(contains(msg, "closing parenthesis")) << msg;
  msg = error_of([] { parse_surrogate_text("Sigmoid(alpha)"); });
  EXPECT_TRUE(contains(msg, "key=value")) << msg;
  msg = error_of([] { parse_surrogate_text("Sigmoid(alpha=inf)"); });
  EXPECT_TRUE(contains(msg, "'alpha' = inf") && contains(msg, "positive")) << msg;
  msg = error_of([] { parse_surrogate_text("Sigmoid(alpha=1, alpha=2)"); });
  EXPECT_TRUE(contains(msg, "given once")) << msg;
  msg = error_of([] { parse_surrogate_text("SquarewaveFourierSeries(n=2.5)"); });
  EXPECT_TRUE(contains(msg, "'n' = 2.5: expected integer >= 1")) << msg;
  // width/peak: both or neither, never with the parameters they set, not for LeakyRelu, positive
  msg = error_of([] { parse_surrogate_text("Sigmoid(width=1)"); });
  EXPECT_TRUE(contains(msg, "together with 'peak'")) << msg;
  msg = error_of([] { parse_surrogate_text("Sigmoid(peak=1)"); });
  EXPECT_TRUE(contains(msg, "together with 'width'")) << msg;
  msg = error_of([] { parse_surrogate_text("Sigmoid(alpha=2, width=1, peak=1)"); });
  EXPECT_TRUE(contains(msg, "'alpha'") && contains(msg, "they set it")) << msg;
  msg = error_of([] { parse_surrogate_text("GaussianGrad(width=1, peak=1, gain=2)"); });
  EXPECT_TRUE(contains(msg, "'gain'") && contains(msg, "they set it")) << msg;
  msg = error_of([] { parse_surrogate_text("LeakyRelu(width=1, peak=1)"); });
  EXPECT_TRUE(contains(msg, "surrogate 'LeakyRelu'") && contains(msg, "no width at half maximum")) << msg;
  msg = error_of([] { parse_surrogate_text("ERF(width=0, peak=1)"); });
  EXPECT_TRUE(contains(msg, "'width' = 0: expected positive")) << msg;
  msg = error_of([] { parse_surrogate_text("ERF(width=1, peak=-2)"); });
  EXPECT_TRUE(contains(msg, "'peak' = -2: expected positive")) << msg;
  // a leak at half the peak or more leaves no half-maximum width
  EXPECT_NO_THROW(parse_surrogate_text("PiecewiseLeakyRelu(c=0.3)"));
  msg = error_of([] { parse_surrogate_text("PiecewiseLeakyRelu(c=0.3, width=1, peak=1)"); });
  EXPECT_TRUE(contains(msg, "'c' = 0.3") && contains(msg, "half its peak")) << msg;
  EXPECT_NO_THROW(parse_surrogate_text("LogTailedRelu(alpha=0.2, width=1, peak=1)"));
  msg = error_of([] { parse_surrogate_text("LogTailedRelu(alpha=0.6, width=1, peak=1)"); });
  EXPECT_TRUE(contains(msg, "'alpha' = 0.6")) << msg;
  // ReluGrad's own 'width' is native (and equals its full width at half maximum)
  EXPECT_EQ(to_string(parse_surrogate_text("ReluGrad(width=2)")), "ReluGrad(alpha=0.3, width=2)");
  EXPECT_THROW(parse_surrogate_text("ReluGrad(alpha=1, width=2, peak=1)"), volley::parameter_error);
}

}  // namespace test_surrogate
