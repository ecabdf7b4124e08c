#include "models/registry.hpp"

#include <utility>
#include <variant>

#include "models/aeif_cond_alpha.hpp"
#include "models/aeif_cond_exp.hpp"
#include "models/aeif_psc.hpp"
#include "models/alif.hpp"
#include "models/brainpy_if.hpp"
#include "models/cuba_coba_lif.hpp"
#include "models/expif.hpp"
#include "models/fhn_hr.hpp"
#include "models/gif.hpp"
#include "models/hh.hpp"
#include "models/hh_cond_exp_traub.hpp"
#include "models/hh_psc_alpha.hpp"
#include "models/iaf_cond_alpha.hpp"
#include "models/glif_cond.hpp"
#include "models/glif_psc.hpp"
#include "models/iaf_chs_2007.hpp"
#include "models/iaf_chxk_2008.hpp"
#include "models/iaf_cond_beta.hpp"
#include "models/ignore_and_fire.hpp"
#include "models/iaf_cond_exp.hpp"
#include "models/iaf_cond_exp_sfa_rr.hpp"
#include "models/iaf_psc_alpha.hpp"
#include "models/iaf_psc_delta.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/iaf_psc_exp_htum.hpp"
#include "models/izhikevich.hpp"
#include "models/izhikevich_nest.hpp"
#include "models/lif.hpp"
#include "models/mat2_psc_exp.hpp"
#include "models/model_json.hpp"
#include "models/morris_lecar.hpp"
#include "models/quaif.hpp"
#include "models/readout.hpp"
#include "models/receptor.hpp"
#include "models/spike_sources.hpp"
#include "models/traub_miles.hpp"

namespace volley::models {

const std::vector<neuron_model_entry>& neuron_models() {
  static const std::vector<neuron_model_entry> table{
      entry<LIF>("brainpy"),
      entry<LIFRef>("brainpy"),
      entry<IF>("brainpy"),
      entry<ALIF>("brainpy"),
      entry<CubaLIF>("brainpy"),
      entry<CobaLIF>("brainpy"),
      entry<ExpIF>("brainpy"),
      entry<ExpIFRef>("brainpy"),
      entry<AdExIF>("brainpy"),
      entry<AdExIFRef>("brainpy"),
      entry<QuaIF>("brainpy"),
      entry<AdQuaIF>("brainpy"),
      entry<AdQuaIFRef>("brainpy"),
      entry<Izhikevich>("brainpy"),
      entry<IzhikevichRef>("brainpy"),
      entry<FitzHughNagumo>("brainpy"),
      entry<HindmarshRose>("brainpy"),
      entry<Gif>("brainpy"),
      entry<GifRef>("brainpy"),
      entry<HH>("brainpy"),
      entry<WangBuzsakiHH>("brainpy"),
      entry<MorrisLecar>("brainpy"),
      entry<PoissonSpike>("brainpy"),
      entry<PoissonEncoder>("brainpy"),
      entry<SpikeTime>("brainpy"),
      entry<LeakyRateReadout>("brainpy"),
      entry<LeakySpikeReadout>("brainpy"),
      entry<TraubMilesHH>("benchmark"),
      entry<iaf_psc_exp>("nest"),
      entry<iaf_psc_delta>("nest"),
      entry<iaf_psc_alpha>("nest"),
      entry<iaf_cond_exp>("nest"),
      entry<aeif_cond_alpha>("nest"),
      entry<aeif_cond_exp>("nest"),
      entry<aeif_psc_exp>("nest"),
      entry<aeif_psc_alpha>("nest"),
      entry<aeif_psc_delta>("nest"),
      entry<iaf_cond_alpha>("nest"),
      entry<iaf_cond_beta>("nest"),
      entry<iaf_cond_exp_sfa_rr>("nest"),
      entry<hh_psc_alpha>("nest"),
      entry<hh_cond_exp_traub>("nest"),
      entry<izhikevich_nest>("nest"),
      entry<mat2_psc_exp>("nest"),
      entry<amat2_psc_exp>("nest"),
      entry<iaf_psc_exp_htum>("nest"),
      entry<glif_psc>("nest"),
      entry<glif_cond>("nest"),
      entry<iaf_chxk_2008>("nest"),
      entry<iaf_chs_2007>("nest"),
      entry<ignore_and_fire>("nest"),
  };
  return table;
}

const neuron_model_entry* find_neuron_model(const std::string& name) {
  for (const auto& e : neuron_models())
    if (name == e.name) return &e;
  return nullptr;
}

namespace {

// Parameters of one synapse or output kind, from its each_param table: name, unit, default, range.
template <class P>
nlohmann::json describe_receptor_part() {
  nlohmann::json params = nlohmann::json::array();
  P defaults{};
  P::each_param(defaults, [&](const char* name, auto& field, range_check check) {
    params.push_back({{"name", name}, {"unit", units::internal_unit_name(field.dim)}, {"default", field.value},
                      {"range", range_text(check)}});
  });
  return {{"name", P::name}, {"parameters", params}};
}

template <class V, std::size_t... I>
nlohmann::json describe_kinds(std::index_sequence<I...>) {
  return nlohmann::json::array({describe_receptor_part<std::variant_alternative_t<I, V>>()...});
}

}  // namespace

void describe_receptors(nlohmann::json& out) {
  out["synapses"] = describe_kinds<synapse_params>(std::make_index_sequence<std::variant_size_v<synapse_params>>());
  auto& outputs = out["outputs"] =
      describe_kinds<output_params>(std::make_index_sequence<std::variant_size_v<output_params>>());
  for (auto& o : outputs)
    o["weight_unit"] = units::internal_unit_name(
        o["name"] == cuba_params::name ? receptor_weight_dim(output_kind::cuba) : receptor_weight_dim(output_kind::coba));
}

}  // namespace volley::models
