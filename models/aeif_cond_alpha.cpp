#include "models/aeif_cond_alpha.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace volley::models {

const char* aeif_cond_alpha::validate(const params& p) {
  if (p.V_reset.value >= p.V_peak.value) return "V_reset must be below V_peak";
  if (p.V_peak.value < p.V_th.value) return "V_peak must be at least V_th";
  // NEST's bound: exp((V_peak - V_th) / Delta_T) with a margin of 1e20 below the largest double, since the
  // right-hand side evaluates the exponential at V_peak while a spike builds up
  const double max_exp_arg = std::log(std::numeric_limits<double>::max() / 1e20);
  if (p.Delta_T.value > 0 && (p.V_peak.value - p.V_th.value) / p.Delta_T.value >= max_exp_arg)
    return "(V_peak - V_th) / Delta_T must be below ln(DBL_MAX / 1e20) = 663 (the exponential overflows at V_peak)";
  return nullptr;
}

aeif_cond_alpha_constants aeif_cond_alpha::derive(const params& p, double h) {
  aeif_cond_alpha_constants c;
  c.V_peak = p.V_peak.value;
  c.V_reset = p.V_reset.value;
  c.E_L = p.E_L.value;
  c.E_ex = p.E_ex.value;
  c.E_in = p.E_in.value;
  c.Delta_T = p.Delta_T.value;
  c.V_th = p.V_th.value;
  c.spike_threshold = p.Delta_T.value > 0 ? p.V_peak.value : p.V_th.value;
  c.g_L = p.g_L.value;
  c.a = p.a.value;
  c.C_m = p.C_m.value;
  c.b = p.b.value;
  c.I_e = p.I_e.value;
  c.tau_w = p.tau_w.value;
  c.tau_syn_ex = p.tau_syn_ex.value;
  c.tau_syn_in = p.tau_syn_in.value;
  c.g0_ex = 1.0 * std::numbers::e / p.tau_syn_ex.value;
  c.g0_in = 1.0 * std::numbers::e / p.tau_syn_in.value;
  c.tol = p.gsl_error_tol.value;
  c.ref_steps = std::round(p.t_ref.value / h);
  c.dt = h;
  c.h_start = std::min(0.01, h);  // NEST: "we must integrate this model with high precision"
  return c;
}

}  // namespace volley::models
