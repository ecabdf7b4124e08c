#include "models/iaf_psc_exp.hpp"

namespace volley::models {

double propagator_exp_to_membrane(double tau_s, double tau_m, double C, double h) {
  const double a = 1.0 / tau_s - 1.0 / tau_m;  // 1/ms
  const double decay_m = std::exp(-h / tau_m);
  if (a == 0.0) return h / C * decay_m;
  return decay_m * (-std::expm1(-a * h)) / (a * C);
}

}  // namespace volley::models
