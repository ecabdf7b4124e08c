#include "models/aeif_cond_exp.hpp"

#include <algorithm>

namespace volley::models {

aeif_cond_exp_constants aeif_cond_exp::derive(const params& p, double h) {
  aeif_cond_exp_constants c;
  // NEST starts the solver at min(0.01 ms, dt), asking for high precision from the first step
  static_cast<aeif::membrane_constants&>(c) = aeif::derive_membrane(p, h, std::min(0.01, h));
  c.E_ex = p.E_ex.value;
  c.E_in = p.E_in.value;
  c.tau_syn_ex = p.tau_syn_ex.value;
  c.tau_syn_in = p.tau_syn_in.value;
  c.jump_ex = 1.0;
  c.jump_in = 1.0;
  return c;
}

}  // namespace volley::models
