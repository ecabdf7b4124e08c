// Registry part: NEST's rate models (models/nest_rate.hpp) and the rate source behind step_rate_generator.
#include "models/model_json.hpp"
#include "models/nest_rate.hpp"
#include "models/registry_parts.hpp"
#include "models/siegert_neuron.hpp"

namespace volley::models {

std::vector<neuron_model_entry> nest_rate_model_entries() {
  return {
      entry<lin_rate_ipn>("nest"),
      entry<tanh_rate_ipn>("nest"),
      entry<threshold_lin_rate_ipn>("nest"),
      entry<sigmoid_rate_ipn>("nest"),
      entry<sigmoid_rate_gg_1998_ipn>("nest"),
      entry<gauss_rate_ipn>("nest"),
      entry<lin_rate_opn>("nest"),
      entry<tanh_rate_opn>("nest"),
      entry<threshold_lin_rate_opn>("nest"),
      entry<rate_transformer_lin>("nest"),
      entry<rate_transformer_tanh>("nest"),
      entry<rate_transformer_threshold_lin>("nest"),
      entry<rate_transformer_sigmoid>("nest"),
      entry<rate_transformer_sigmoid_gg_1998>("nest"),
      entry<rate_transformer_gauss>("nest"),
      entry<rate_source>("nest"),
      entry<siegert_neuron>("nest"),
  };
}

}  // namespace volley::models

VOLLEY_COMPILE_MODEL_HERE(volley::models::lin_rate_ipn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::tanh_rate_ipn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::threshold_lin_rate_ipn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::sigmoid_rate_ipn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::sigmoid_rate_gg_1998_ipn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::gauss_rate_ipn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::lin_rate_opn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::tanh_rate_opn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::threshold_lin_rate_opn)
VOLLEY_COMPILE_MODEL_HERE(volley::models::rate_transformer_lin)
VOLLEY_COMPILE_MODEL_HERE(volley::models::rate_transformer_tanh)
VOLLEY_COMPILE_MODEL_HERE(volley::models::rate_transformer_threshold_lin)
VOLLEY_COMPILE_MODEL_HERE(volley::models::rate_transformer_sigmoid)
VOLLEY_COMPILE_MODEL_HERE(volley::models::rate_transformer_sigmoid_gg_1998)
VOLLEY_COMPILE_MODEL_HERE(volley::models::rate_transformer_gauss)
VOLLEY_COMPILE_MODEL_HERE(volley::models::rate_source)
VOLLEY_COMPILE_MODEL_HERE(volley::models::siegert_neuron)
