// COBA-style network from the C++ API: 1000 LIF neurons with conductance synapses (shown in README.md).
#include <engine/network.hpp>
#include <host/simulator.hpp>
#include <models/lif.hpp>

#include <cstdio>

using namespace volley;
using namespace volley::units::literals;

int main() {
  network net({.dt = 0.1_ms, .seed = 42});
  models::lif_params p = models::LIFRef::defaults();
  p.tau = 20.0_ms;  p.R = 100.0_Mohm;  p.tau_ref = 5.0_ms;  p.spk_reset = reset_mode::hard;
  p.V_rest = -60.0_mV;  p.V_reset = -60.0_mV;  p.V_th = -50.0_mV;  // p.V_th = 5.0_ms would not compile
  auto& pop = net.add_population<models::LIFRef>("P", 1000, p);
  net.add_receptor("P", "exc", {5.0_ms}, models::coba_params{0.0_mV});
  net.add_receptor("P", "inh", {10.0_ms}, models::coba_params{-80.0_mV});
  connection_rule rule{.kind = rule_kind::fixed_outdegree, .count = 80};
  net.connect("P[0:800]", "P", rule, {"exc", 6.0_nS, 0.1_ms});
  net.connect("P[800:1000]", "P", rule, {"inh", 67.0_nS, 0.1_ms});
  net.add_constant_current("P", 200.0_pA);
  for (index_t i = 0; i < pop.size(); ++i) pop.set_state(models::LIFRef::V, i, -60.0 + 10.0 * i / pop.size());

  simulator sim(net, {.threads = 2});
  sim.record_spikes("P");
  const run_stats stats = sim.run(200.0_ms);
  std::printf("%llu spikes, %.1f Hz, %.3f s\n", (unsigned long long)stats.populations[0].spikes,
              stats.populations[0].spikes / (1000 * 0.2), stats.run_s);
  write_hdf5(sim.record(), "api_example.h5");
  return stats.populations[0].spikes > 0 ? 0 : 1;
}
