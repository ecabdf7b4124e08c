#include "models/registry.hpp"

#include "models/alif.hpp"
#include "models/brainpy_if.hpp"
#include "models/expif.hpp"
#include "models/fhn_hr.hpp"
#include "models/gif.hpp"
#include "models/hh.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/izhikevich.hpp"
#include "models/lif.hpp"
#include "models/model_json.hpp"
#include "models/morris_lecar.hpp"
#include "models/quaif.hpp"
#include "models/receptor.hpp"

namespace volley::models {

const std::vector<neuron_model_entry>& neuron_models() {
  static const std::vector<neuron_model_entry> table{
      entry<LIF>("brainpy"),
      entry<LIFRef>("brainpy"),
      entry<IF>("brainpy"),
      entry<ALIF>("brainpy"),
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
      entry<iaf_psc_exp>("nest"),
  };
  return table;
}

const neuron_model_entry* find_neuron_model(const std::string& name) {
  for (const auto& e : neuron_models())
    if (name == e.name) return &e;
  return nullptr;
}

void describe_receptors(nlohmann::json& out) {
  out["synapses"] = nlohmann::json::array(
      {{{"name", "Expon"}, {"parameters", {{{"name", "tau"}, {"unit", "ms"}, {"default", 8.0}}}}}});
  out["outputs"] = nlohmann::json::array(
      {{{"name", "CUBA"}, {"weight_unit", "pA"}, {"parameters", {{{"name", "scale"}, {"unit", "1"}, {"default", 1.0}}}}},
       {{"name", "COBA"}, {"weight_unit", "nS"}, {"parameters", {{{"name", "E"}, {"unit", "mV"}, {"default", 0.0}}}}}});
}

}  // namespace volley::models
