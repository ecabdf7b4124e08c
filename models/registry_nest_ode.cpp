// Registry part: NEST models integrated with the adaptive RKF45 (models/rkf45.hpp).
#include "models/aeif_cond_alpha.hpp"
#include "models/aeif_cond_alpha_astro.hpp"
#include "models/aeif_cond_exp.hpp"
#include "models/aeif_cond_multisynapse.hpp"
#include "models/aeif_psc.hpp"
#include "models/astrocyte_lr_1994.hpp"
#include "models/aeif_psc_delta_clopath.hpp"
#include "models/gif_cond_exp.hpp"
#include "models/gif_multisynapse.hpp"
#include "models/glif_cond.hpp"
#include "models/hh_cond_beta_gap_traub.hpp"
#include "models/hh_cond_exp_traub.hpp"
#include "models/hh_psc_alpha.hpp"
#include "models/hh_psc_alpha_gap.hpp"
#include "models/hh_psc_alpha_clopath.hpp"
#include "models/ht_neuron.hpp"
#include "models/iaf_bw_2001.hpp"
#include "models/iaf_bw_2001_exact.hpp"
#include "models/iaf_chxk_2008.hpp"
#include "models/iaf_cond_alpha.hpp"
#include "models/iaf_cond_alpha_mc.hpp"
#include "models/cm_default.hpp"
#include "models/iaf_cond_beta.hpp"
#include "models/iaf_cond_exp.hpp"
#include "models/iaf_cond_exp_sfa_rr.hpp"
#include "models/model_json.hpp"
#include "models/pp_cond_exp_mc_urbanczik.hpp"
#include "models/registry_parts.hpp"

namespace volley::models {

std::vector<neuron_model_entry> nest_ode_model_entries() {
  return {
      entry<iaf_cond_exp>("nest"),
      entry<aeif_cond_alpha>("nest"),
      entry<aeif_cond_exp>("nest"),
      entry<aeif_psc_exp>("nest"),
      entry<aeif_psc_alpha>("nest"),
      entry<aeif_psc_delta>("nest"),
      entry<aeif_cond_alpha_multisynapse>("nest"),
      entry<aeif_cond_beta_multisynapse>("nest"),
      entry<iaf_cond_alpha>("nest"),
      entry<iaf_cond_beta>("nest"),
      entry<iaf_cond_exp_sfa_rr>("nest"),
      entry<hh_psc_alpha>("nest"),
      entry<hh_cond_exp_traub>("nest"),
      entry<glif_cond>("nest"),
      entry<gif_cond_exp>("nest"),
      entry<iaf_chxk_2008>("nest"),
      entry<gif_cond_exp_multisynapse>("nest"),
      entry<hh_cond_beta_gap_traub>("nest"),
      entry<iaf_bw_2001>("nest"),
      entry<ht_neuron>("nest"),
      entry<iaf_cond_alpha_mc>("nest"),
      entry<iaf_bw_2001_exact>("nest"),
      entry<hh_psc_alpha_gap>("nest"),
      entry<astrocyte_lr_1994>("nest"),
      entry<aeif_cond_alpha_astro>("nest"),
      entry<aeif_psc_delta_clopath>("nest"),
      entry<hh_psc_alpha_clopath>("nest"),
      entry<cm_default>("nest"),
      entry<pp_cond_exp_mc_urbanczik>("nest"),
  };
}

}  // namespace volley::models

VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_cond_exp)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_cond_alpha)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_cond_exp)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_psc_exp)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_psc_alpha)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_psc_delta)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_cond_alpha_multisynapse)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_cond_beta_multisynapse)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_cond_alpha)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_cond_beta)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_cond_exp_sfa_rr)
VOLLEY_COMPILE_MODEL_HERE(volley::models::hh_psc_alpha)
VOLLEY_COMPILE_MODEL_HERE(volley::models::hh_cond_exp_traub)
VOLLEY_COMPILE_MODEL_HERE(volley::models::glif_cond)
VOLLEY_COMPILE_MODEL_HERE(volley::models::gif_cond_exp)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_chxk_2008)
VOLLEY_COMPILE_MODEL_HERE(volley::models::gif_cond_exp_multisynapse)
VOLLEY_COMPILE_MODEL_HERE(volley::models::hh_cond_beta_gap_traub)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_bw_2001)
VOLLEY_COMPILE_MODEL_HERE(volley::models::ht_neuron)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_cond_alpha_mc)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_bw_2001_exact)
VOLLEY_COMPILE_MODEL_HERE(volley::models::hh_psc_alpha_gap)
VOLLEY_COMPILE_MODEL_HERE(volley::models::astrocyte_lr_1994)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_cond_alpha_astro)
VOLLEY_COMPILE_MODEL_HERE(volley::models::aeif_psc_delta_clopath)
VOLLEY_COMPILE_MODEL_HERE(volley::models::hh_psc_alpha_clopath)
VOLLEY_COMPILE_MODEL_HERE(volley::models::cm_default)
VOLLEY_COMPILE_MODEL_HERE(volley::models::pp_cond_exp_mc_urbanczik)
