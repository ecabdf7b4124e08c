#include "models/mat2_psc_exp.hpp"

#include <cmath>
#include <string>

#include "engine/error.hpp"
#include "models/iaf_psc_alpha.hpp"     // propagator_alpha_to_membrane
#include "models/iaf_psc_exp.hpp"       // propagator_exp_to_membrane
#include "models/iaf_psc_exp_htum.hpp"  // nest_refractory_steps

namespace volley::models {

namespace {

real_t r(double v) { return static_cast<real_t>(v); }

// What mat2 and amat2 share: V driven by I_e + I and the two currents, the adaptive components, refractoriness.
template <class P>
mat2_constants shared_constants(const P& p, double h, const char* model) {
  const double ref_steps = nest_refractory_steps(p.t_ref.value, h);
  if (ref_steps < 1)
    throw parameter_error(std::string(model) + " (dt = " + std::to_string(h) + " ms)", "t_ref",
                          std::to_string(p.t_ref.value), "at least one time step");
  const double tm = p.tau_m.value, C = p.C_m.value;
  mat2_constants c{};
  c.E_L = r(p.E_L.value);
  c.omega = r(p.omega.value - p.E_L.value);
  c.alpha_1 = r(p.alpha_1.value);
  c.alpha_2 = r(p.alpha_2.value);
  c.P11ex = r(std::exp(-h / p.tau_syn_ex.value));
  c.P11in = r(std::exp(-h / p.tau_syn_in.value));
  c.P11th = r(std::exp(-h / p.tau_1.value));
  c.P22th = r(std::exp(-h / p.tau_2.value));
  c.expm1_m = r(std::expm1(-h / tm));
  c.P33 = r(std::exp(-h / tm));
  c.P20 = r(-tm / C * std::expm1(-h / tm));
  c.P21ex = r(propagator_exp_to_membrane(p.tau_syn_ex.value, tm, C, h));
  c.P21in = r(propagator_exp_to_membrane(p.tau_syn_in.value, tm, C, h));
  c.I_e = r(p.I_e.value);
  c.ref_steps = r(ref_steps);
  return c;
}

}  // namespace

mat2_constants mat2_derive(const mat2_psc_exp_params& p, double h) {
  return shared_constants(p, h, mat2_psc_exp::name);
}

// The voltage-dependent component. V_th_dv collects beta dV/dt filtered by exp(-t/tau_v), V_th_v that filtered
// once more, so over one step h, with f_a(s) = exp(-s/tau_a),
//   A_a = int_0^h f_v(h - s) f_a(s) ds            (propagator_exp_to_membrane(tau_a, tau_v, 1, h))
//   B_a = int_0^h (h - s) f_v(h - s) f_a(s) ds    (propagator_alpha_to_membrane(tau_v, tau_a, 1, h))
// and dV/dt over the step is a sum of exponentials of the start state:
//   V0 alone:     V' = -V0/tau_m f_m
//   I0 = I_e + I: V' = I0/C f_m
//   I_x0 alone:   V' = I_x0/C (f_m/tau_m - f_x/tau_x) / (1/tau_m - 1/tau_x)
// V_th_dv(h) = f_v(h) V_th_dv0 + beta int f_v(h - s) V'(s) ds; V_th_v(h) = f_v(h) V_th_v0 + h f_v(h) V_th_dv0 +
// beta int (h - s) f_v(h - s) V'(s) ds. (tau_m == tau_x divides by zero here; NEST refuses it, validate() too.)
mat2_constants mat2_derive(const amat2_psc_exp_params& p, double h) {
  mat2_constants c = shared_constants(p, h, amat2_psc_exp::name);
  const double tm = p.tau_m.value, C = p.C_m.value, tv = p.tau_v.value, beta = p.beta.value;
  const double te = p.tau_syn_ex.value, ti = p.tau_syn_in.value;
  auto A = [&](double ta) { return propagator_exp_to_membrane(ta, tv, 1.0, h); };
  auto B = [&](double ta) { return propagator_alpha_to_membrane(tv, ta, 1.0, h); };
  // V' from I_x0 (per pA, times C): (f_m/tau_m - f_x/tau_x) / (1/tau_m - 1/tau_x), filtered by K
  auto from_current = [&](double tx, auto K) { return (K(tm) / tm - K(tx) / tx) / (1.0 / tm - 1.0 / tx); };
  const double ev = std::exp(-h / tv);
  c.beta = r(beta);
  c.P60 = r(beta / C * A(tm));
  c.P61 = r(beta / C * from_current(te, A));
  c.P62 = r(beta / C * from_current(ti, A));
  c.P63 = r(-beta / tm * A(tm));
  c.P66 = r(ev);
  c.P70 = r(beta / C * B(tm));
  c.P71 = r(beta / C * from_current(te, B));
  c.P72 = r(beta / C * from_current(ti, B));
  c.P73 = r(-beta / tm * B(tm));
  c.P76 = r(h * ev);
  c.P77 = r(ev);
  return c;
}

}  // namespace volley::models
