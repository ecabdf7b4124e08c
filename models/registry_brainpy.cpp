// Registry part: the BrainPy-style neurons, inputs and readouts (and the benchmark's TraubMilesHH).
#include "models/alif.hpp"
#include "models/brainpy_if.hpp"
#include "models/cuba_coba_lif.hpp"
#include "models/expif.hpp"
#include "models/fhn_hr.hpp"
#include "models/gif.hpp"
#include "models/hh.hpp"
#include "models/izhikevich.hpp"
#include "models/lif.hpp"
#include "models/model_json.hpp"
#include "models/morris_lecar.hpp"
#include "models/quaif.hpp"
#include "models/readout.hpp"
#include "models/registry_parts.hpp"
#include "models/spike_sources.hpp"
#include "models/traub_miles.hpp"

namespace volley::models {

std::vector<neuron_model_entry> brainpy_model_entries() {
  return {
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
  };
}

}  // namespace volley::models

VOLLEY_COMPILE_MODEL_HERE(volley::models::LIF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::LIFRef)
VOLLEY_COMPILE_MODEL_HERE(volley::models::IF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::ALIF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::CubaLIF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::CobaLIF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::ExpIF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::ExpIFRef)
VOLLEY_COMPILE_MODEL_HERE(volley::models::AdExIF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::AdExIFRef)
VOLLEY_COMPILE_MODEL_HERE(volley::models::QuaIF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::AdQuaIF)
VOLLEY_COMPILE_MODEL_HERE(volley::models::AdQuaIFRef)
VOLLEY_COMPILE_MODEL_HERE(volley::models::Izhikevich)
VOLLEY_COMPILE_MODEL_HERE(volley::models::IzhikevichRef)
VOLLEY_COMPILE_MODEL_HERE(volley::models::FitzHughNagumo)
VOLLEY_COMPILE_MODEL_HERE(volley::models::HindmarshRose)
VOLLEY_COMPILE_MODEL_HERE(volley::models::Gif)
VOLLEY_COMPILE_MODEL_HERE(volley::models::GifRef)
VOLLEY_COMPILE_MODEL_HERE(volley::models::HH)
VOLLEY_COMPILE_MODEL_HERE(volley::models::WangBuzsakiHH)
VOLLEY_COMPILE_MODEL_HERE(volley::models::MorrisLecar)
VOLLEY_COMPILE_MODEL_HERE(volley::models::PoissonSpike)
VOLLEY_COMPILE_MODEL_HERE(volley::models::PoissonEncoder)
VOLLEY_COMPILE_MODEL_HERE(volley::models::SpikeTime)
VOLLEY_COMPILE_MODEL_HERE(volley::models::LeakyRateReadout)
VOLLEY_COMPILE_MODEL_HERE(volley::models::LeakySpikeReadout)
VOLLEY_COMPILE_MODEL_HERE(volley::models::TraubMilesHH)
