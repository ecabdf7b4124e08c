#include "models/iaf_psc_alpha.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace volley::models {

double propagator_alpha_to_membrane(double tau_s, double tau_m, double C, double h) {
  const double x = (1.0 / tau_s - 1.0 / tau_m) * h;
  double g;
  if (std::abs(x) < 0.5) {
    // g(x) = sum_n (-x)^n / (n! (n + 2)); |x| < 0.5: the terms fall below 1e-17 of g by n = 16
    double term = 1.0;  // (-x)^n / n!
    g = 0.0;
    for (int n = 0; n < 20; ++n) {
      g += term / (n + 2);
      term *= -x / (n + 1);
    }
  } else {
    g = (-std::expm1(-x) - x * std::exp(-x)) / (x * x);  // both terms O(x): cancellation costs < 1e-15 here
  }
  return std::exp(-h / tau_m) * h * h * g / C;
}

iaf_psc_alpha_constants iaf_psc_alpha::derive(const params& p, double h) {
  const double tm = p.tau_m.value, C = p.C_m.value, E_L = p.E_L.value;
  const double te = p.tau_syn_ex.value, ti = p.tau_syn_in.value;
  // V_min's default (-DBL_MAX) must stay a real_t (no overflow to -inf when real_t is float)
  const double V_min = std::max(p.V_min.value - E_L, static_cast<double>(std::numeric_limits<real_t>::lowest()));
  auto r = [](double v) { return static_cast<real_t>(v); };
  iaf_psc_alpha_constants c;
  c.E_L = r(E_L);
  c.theta = r(p.V_th.value - E_L);
  c.V_reset = r(p.V_reset.value - E_L);
  c.V_min = r(V_min);
  c.expm1_m = r(std::expm1(-h / tm));
  c.P30 = r(-tm / C * std::expm1(-h / tm));
  c.P11ex = r(std::exp(-h / te));
  c.P11in = r(std::exp(-h / ti));
  c.P21ex = r(h * std::exp(-h / te));
  c.P21in = r(h * std::exp(-h / ti));
  c.P31ex = r(propagator_alpha_to_membrane(te, tm, C, h));
  c.P31in = r(propagator_alpha_to_membrane(ti, tm, C, h));
  c.P32ex = r(propagator_exp_to_membrane(te, tm, C, h));
  c.P32in = r(propagator_exp_to_membrane(ti, tm, C, h));
  c.psc_ex = r(std::numbers::e / te);
  c.psc_in = r(std::numbers::e / ti);
  c.I_e = r(p.I_e.value);
  c.ref_steps = r(std::round(p.t_ref.value / h));
  return c;
}

}  // namespace volley::models
