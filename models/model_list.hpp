#pragma once
// Every neuron model compiled into volley, as a type list. The GPU backend instantiates one fused update kernel
// per entry (kernels/gpu/family_runner.cuh); the registry (models/registry.cpp) must name the same models, which
// tests/test_models.cpp checks.
#include "models/aeif_cond_alpha.hpp"
#include "models/aeif_cond_alpha_astro.hpp"
#include "models/aeif_cond_exp.hpp"
#include "models/aeif_cond_multisynapse.hpp"
#include "models/aeif_psc.hpp"
#include "models/aeif_psc_delta_clopath.hpp"
#include "models/alif.hpp"
#include "models/astrocyte_lr_1994.hpp"
#include "models/binary_neurons.hpp"
#include "models/brainpy_if.hpp"
#include "models/cuba_coba_lif.hpp"
#include "models/expif.hpp"
#include "models/fhn_hr.hpp"
#include "models/gif.hpp"
#include "models/gif_cond_exp.hpp"
#include "models/gif_pop_psc_exp.hpp"
#include "models/gif_psc_exp.hpp"
#include "models/hh.hpp"
#include "models/hh_cond_exp_traub.hpp"
#include "models/hh_psc_alpha.hpp"
#include "models/hh_psc_alpha_clopath.hpp"
#include "models/ht_neuron.hpp"
#include "models/iaf_cond_alpha.hpp"
#include "models/glif_cond.hpp"
#include "models/glif_psc.hpp"
#include "models/iaf_bw_2001.hpp"
#include "models/iaf_bw_2001_exact.hpp"
#include "models/iaf_cond_alpha_mc.hpp"
#include "models/cm_default.hpp"
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
#include "models/iaf_tum_2000.hpp"
#include "models/iaf_psc_ps.hpp"
#include "models/iaf_psc_multisynapse.hpp"
#include "models/izhikevich.hpp"
#include "models/izhikevich_nest.hpp"
#include "models/gif_multisynapse.hpp"
#include "models/glif_psc_double_alpha.hpp"
#include "models/hh_cond_beta_gap_traub.hpp"
#include "models/hh_psc_alpha_gap.hpp"
#include "models/lif.hpp"
#include "models/mat2_psc_exp.hpp"
#include "models/nest_generator_sources.hpp"
#include "models/nest_rate.hpp"
#include "models/siegert_neuron.hpp"
#include "models/morris_lecar.hpp"
#include "models/parrot_neuron.hpp"
#include "models/pp_cond_exp_mc_urbanczik.hpp"
#include "models/pp_psc_delta.hpp"
#include "models/quaif.hpp"
#include "models/readout.hpp"
#include "models/spike_sources.hpp"
#include "models/spike_train_injector.hpp"
#include "models/traub_miles.hpp"

namespace volley::models {

template <class... Models>
struct model_list {
  static constexpr std::size_t size = sizeof...(Models);
  static constexpr const char* names[] = {Models::name...};
};

using all_neuron_models =
    model_list<LIF, LIFRef, IF, ALIF, CubaLIF, CobaLIF, ExpIF, ExpIFRef, AdExIF, AdExIFRef, QuaIF, AdQuaIF, AdQuaIFRef,
               Izhikevich, IzhikevichRef, FitzHughNagumo, HindmarshRose, Gif, GifRef, HH, WangBuzsakiHH, MorrisLecar,
               PoissonSpike, PoissonEncoder, SpikeTime, LeakyRateReadout, LeakySpikeReadout, TraubMilesHH, iaf_psc_exp,
               iaf_psc_delta, iaf_psc_alpha, iaf_cond_exp, aeif_cond_alpha, aeif_cond_exp, aeif_psc_exp, aeif_psc_alpha,
               aeif_psc_delta, iaf_cond_alpha, iaf_cond_beta, iaf_cond_exp_sfa_rr, hh_psc_alpha, hh_cond_exp_traub,
               izhikevich_nest, mat2_psc_exp, amat2_psc_exp, iaf_psc_exp_htum, iaf_tum_2000, glif_psc, glif_cond,
               iaf_chxk_2008, iaf_chs_2007, ignore_and_fire, iaf_psc_exp_multisynapse, iaf_psc_alpha_multisynapse,
               aeif_cond_alpha_multisynapse, aeif_cond_beta_multisynapse, gif_psc_exp, gif_cond_exp, pp_psc_delta,
               parrot_neuron, gif_psc_exp_multisynapse, gif_cond_exp_multisynapse, hh_cond_beta_gap_traub,
               glif_psc_double_alpha, iaf_psc_delta_ps, iaf_psc_exp_ps, iaf_psc_alpha_ps, iaf_psc_exp_ps_lossless,
               mcculloch_pitts_neuron, ginzburg_neuron, erfc_neuron, gamma_sup_generator,
               ppd_sup_generator, poisson_generator_ps, sinusoidal_gamma_generator, iaf_bw_2001,
               ht_neuron, iaf_cond_alpha_mc, iaf_bw_2001_exact, astrocyte_lr_1994, aeif_cond_alpha_astro,
               aeif_psc_delta_clopath, hh_psc_alpha_clopath, cm_default, pp_cond_exp_mc_urbanczik,
               // NEST's rate models (models/nest_rate.hpp)
               lin_rate_ipn, tanh_rate_ipn, threshold_lin_rate_ipn, sigmoid_rate_ipn, sigmoid_rate_gg_1998_ipn,
               gauss_rate_ipn, lin_rate_opn, tanh_rate_opn, threshold_lin_rate_opn, rate_transformer_lin,
               rate_transformer_tanh, rate_transformer_threshold_lin, rate_transformer_sigmoid,
               rate_transformer_sigmoid_gg_1998, rate_transformer_gauss, rate_source,
               siegert_neuron, hh_psc_alpha_gap, spike_train_injector, gif_pop_psc_exp>;

}  // namespace volley::models
