#include "models/iaf_psc_delta.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace volley::models {

iaf_psc_delta_constants iaf_psc_delta::derive(const params& p, double h) {
  const double tm = p.tau_m.value, C = p.C_m.value, E_L = p.E_L.value;
  // V_min's default (-DBL_MAX) must stay a real_t (no overflow to -inf when real_t is float)
  const double V_min = std::max(p.V_min.value - E_L, static_cast<double>(std::numeric_limits<real_t>::lowest()));
  iaf_psc_delta_constants c;
  c.E_L = static_cast<real_t>(E_L);
  c.theta = static_cast<real_t>(p.V_th.value - E_L);
  c.V_reset = static_cast<real_t>(p.V_reset.value - E_L);
  c.V_min = static_cast<real_t>(V_min);
  c.P33 = static_cast<real_t>(std::exp(-h / tm));
  c.P30 = static_cast<real_t>(-tm / C * std::expm1(-h / tm));  // mV/pA
  c.I_e = static_cast<real_t>(p.I_e.value);
  c.ref_steps = static_cast<real_t>(std::round(p.t_ref.value / h));
  c.keep_refractory_input = p.refractory_input ? real_t(1) : real_t(0);
  return c;
}

}  // namespace volley::models
