// Registry part: NEST models integrated with exact propagators or fixed steps (no RKF45).
#include "models/binary_neurons.hpp"
#include "models/glif_psc.hpp"
#include "models/gif_multisynapse.hpp"
#include "models/gif_pop_psc_exp.hpp"
#include "models/gif_psc_exp.hpp"
#include "models/glif_psc_double_alpha.hpp"
#include "models/iaf_chs_2007.hpp"
#include "models/iaf_psc_alpha.hpp"
#include "models/iaf_psc_delta.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/iaf_psc_exp_htum.hpp"
#include "models/iaf_tum_2000.hpp"
#include "models/iaf_psc_ps.hpp"
#include "models/iaf_psc_multisynapse.hpp"
#include "models/ignore_and_fire.hpp"
#include "models/izhikevich_nest.hpp"
#include "models/mat2_psc_exp.hpp"
#include "models/model_json.hpp"
#include "models/nest_generator_sources.hpp"
#include "models/parrot_neuron.hpp"
#include "models/spike_train_injector.hpp"
#include "models/pp_psc_delta.hpp"
#include "models/registry_parts.hpp"

namespace volley::models {

std::vector<neuron_model_entry> nest_exact_model_entries() {
  return {
      entry<iaf_psc_exp>("nest"),
      entry<iaf_psc_delta>("nest"),
      entry<iaf_psc_alpha>("nest"),
      entry<iaf_psc_exp_multisynapse>("nest"),
      entry<iaf_psc_alpha_multisynapse>("nest"),
      entry<izhikevich_nest>("nest"),
      entry<mat2_psc_exp>("nest"),
      entry<amat2_psc_exp>("nest"),
      entry<iaf_psc_exp_htum>("nest"),
      entry<iaf_tum_2000>("nest"),
      entry<iaf_psc_delta_ps>("nest"),
      entry<iaf_psc_exp_ps>("nest"),
      entry<iaf_psc_alpha_ps>("nest"),
      entry<iaf_psc_exp_ps_lossless>("nest"),
      entry<glif_psc>("nest"),
      entry<gif_psc_exp>("nest"),
      entry<iaf_chs_2007>("nest"),
      entry<ignore_and_fire>("nest"),
      entry<pp_psc_delta>("nest"),
      entry<parrot_neuron>("nest"),
      entry<gamma_sup_generator>("nest"),
      entry<ppd_sup_generator>("nest"),
      entry<poisson_generator_ps>("nest"),
      entry<sinusoidal_gamma_generator>("nest"),
      entry<gif_psc_exp_multisynapse>("nest"),
      entry<glif_psc_double_alpha>("nest"),
      entry<mcculloch_pitts_neuron>("nest"),
      entry<ginzburg_neuron>("nest"),
      entry<erfc_neuron>("nest"),
      entry<spike_train_injector>("nest"),
      entry<gif_pop_psc_exp>("nest"),
  };
}

}  // namespace volley::models

VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_exp)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_delta)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_alpha)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_exp_multisynapse)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_alpha_multisynapse)
VOLLEY_COMPILE_MODEL_HERE(volley::models::izhikevich_nest)
VOLLEY_COMPILE_MODEL_HERE(volley::models::mat2_psc_exp)
VOLLEY_COMPILE_MODEL_HERE(volley::models::amat2_psc_exp)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_exp_htum)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_tum_2000)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_delta_ps)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_exp_ps)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_alpha_ps)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_psc_exp_ps_lossless)
VOLLEY_COMPILE_MODEL_HERE(volley::models::glif_psc)
VOLLEY_COMPILE_MODEL_HERE(volley::models::gif_psc_exp)
VOLLEY_COMPILE_MODEL_HERE(volley::models::iaf_chs_2007)
VOLLEY_COMPILE_MODEL_HERE(volley::models::ignore_and_fire)
VOLLEY_COMPILE_MODEL_HERE(volley::models::pp_psc_delta)
VOLLEY_COMPILE_MODEL_HERE(volley::models::parrot_neuron)
VOLLEY_COMPILE_MODEL_HERE(volley::models::gamma_sup_generator)
VOLLEY_COMPILE_MODEL_HERE(volley::models::ppd_sup_generator)
VOLLEY_COMPILE_MODEL_HERE(volley::models::poisson_generator_ps)
VOLLEY_COMPILE_MODEL_HERE(volley::models::sinusoidal_gamma_generator)
VOLLEY_COMPILE_MODEL_HERE(volley::models::gif_psc_exp_multisynapse)
VOLLEY_COMPILE_MODEL_HERE(volley::models::glif_psc_double_alpha)
VOLLEY_COMPILE_MODEL_HERE(volley::models::mcculloch_pitts_neuron)
VOLLEY_COMPILE_MODEL_HERE(volley::models::ginzburg_neuron)
VOLLEY_COMPILE_MODEL_HERE(volley::models::erfc_neuron)
VOLLEY_COMPILE_MODEL_HERE(volley::models::spike_train_injector)
VOLLEY_COMPILE_MODEL_HERE(volley::models::gif_pop_psc_exp)
