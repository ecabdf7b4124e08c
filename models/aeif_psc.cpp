#include "models/aeif_psc.hpp"

#include <algorithm>
#include <numbers>

namespace volley::models {

aeif_psc_exp_constants aeif_psc_exp::derive(const params& p, double h) {
  aeif_psc_exp_constants c;
  // NEST starts the solver at min(0.01 ms, dt), asking for high precision from the first step
  static_cast<aeif::membrane_constants&>(c) = aeif::derive_membrane(p, h, std::min(0.01, h));
  c.tau_syn_ex = p.tau_syn_ex.value;
  c.tau_syn_in = p.tau_syn_in.value;
  c.jump_ex = 1.0;
  c.jump_in = 1.0;
  return c;
}

aeif_psc_alpha_constants aeif_psc_alpha::derive(const params& p, double h) {
  aeif_psc_alpha_constants c;
  static_cast<aeif::membrane_constants&>(c) = aeif::derive_membrane(p, h, std::min(0.01, h));
  c.tau_syn_ex = p.tau_syn_ex.value;
  c.tau_syn_in = p.tau_syn_in.value;
  c.jump_ex = 1.0 * std::numbers::e / p.tau_syn_ex.value;
  c.jump_in = 1.0 * std::numbers::e / p.tau_syn_in.value;
  return c;
}

aeif_psc_delta_constants aeif_psc_delta::derive(const params& p, double h) {
  aeif_psc_delta_constants c;
  // unlike its siblings, NEST's aeif_psc_delta starts the solver at the full resolution dt
  static_cast<aeif::membrane_constants&>(c) = aeif::derive_membrane(p, h, h);
  c.Delta_T_inv = 1.0 / p.Delta_T.value;  // inf when Delta_T = 0, never used then
  c.C_m_inv = 1.0 / p.C_m.value;
  c.tau_w_inv = 1.0 / p.tau_w.value;
  c.tau_m = p.C_m.value / p.g_L.value;
  c.keep_refractory_input = p.refractory_input ? 1.0 : 0.0;
  return c;
}

}  // namespace volley::models
