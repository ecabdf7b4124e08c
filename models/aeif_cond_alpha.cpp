#include "models/aeif_cond_alpha.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace volley::models {

const char* aeif_cond_alpha::validate(const params& p) {
  return aeif::validate_membrane(p.V_peak.value, p.V_reset.value, p.V_th.value, p.Delta_T.value);
}

aeif_cond_alpha_constants aeif_cond_alpha::derive(const params& p, double h) {
  aeif_cond_alpha_constants c;
  // NEST starts the solver at min(0.01 ms, dt), asking for high precision from the first step
  static_cast<aeif::membrane_constants&>(c) = aeif::derive_membrane(p, h, std::min(0.01, h));
  c.E_ex = p.E_ex.value;
  c.E_in = p.E_in.value;
  c.tau_syn_ex = p.tau_syn_ex.value;
  c.tau_syn_in = p.tau_syn_in.value;
  c.g0_ex = 1.0 * std::numbers::e / p.tau_syn_ex.value;
  c.g0_in = 1.0 * std::numbers::e / p.tau_syn_in.value;
  return c;
}

}  // namespace volley::models
