#include "models/iaf_psc_exp_htum.hpp"

#include <cmath>
#include <string>

#include "engine/error.hpp"

namespace volley::models {

double nest_refractory_steps(double t_ms, double h) {
  constexpr double tics_per_ms = 1000.0;  // NEST's default tic (1 us); NEST rounds half up
  const double tics = std::floor(t_ms * tics_per_ms + 0.5);
  const double tics_per_step = std::floor(h * tics_per_ms + 0.5);
  return std::ceil(tics / tics_per_step);
}

iaf_psc_exp_htum_constants iaf_psc_exp_htum::derive(const params& p, double h) {
  const double abs_steps = nest_refractory_steps(p.t_ref_abs.value, h);
  const double tot_steps = nest_refractory_steps(p.t_ref_tot.value, h);
  const std::string where = std::string(name) + " (dt = " + std::to_string(h) + " ms)";
  if (abs_steps < 1)
    throw parameter_error(where, "t_ref_abs", std::to_string(p.t_ref_abs.value), "at least one time step");
  if (tot_steps < 1)
    throw parameter_error(where, "t_ref_tot", std::to_string(p.t_ref_tot.value), "at least one time step");
  iaf_psc_exp_params e;  // the subthreshold dynamics are iaf_psc_exp's
  e.E_L = p.E_L;
  e.C_m = p.C_m;
  e.tau_m = p.tau_m;
  e.t_ref = p.t_ref_abs;
  e.V_th = p.V_th;
  e.V_reset = p.V_reset;
  e.tau_syn_ex = p.tau_syn_ex;
  e.tau_syn_in = p.tau_syn_in;
  e.I_e = p.I_e;
  return {iaf_psc_exp::derive(e, h), static_cast<real_t>(abs_steps), static_cast<real_t>(tot_steps)};
}

}  // namespace volley::models
