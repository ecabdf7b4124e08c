#include "host/state_check.hpp"

#include <cmath>
#include <sstream>

#include "engine/network.hpp"

namespace volley {

std::string first_non_finite_state(const network& net, std::uint64_t step) {
  for (const auto& pop : net.populations()) {
    const auto& fields = pop->model().state;
    const std::size_t n = std::size_t(pop->size()) * pop->batch();
    for (int var = 0; var < pop->state_count() && var < int(fields.size()); ++var) {
      const real_t* x = pop->state(var);
      const bool nan_ok = fields[var].may_be_nan;
      bool all_finite = true;  // one branch-free pass first: the usual case is no hit
      for (std::size_t k = 0; k < n; ++k) all_finite &= std::isfinite(x[k]) || (nan_ok && std::isnan(x[k]));
      if (all_finite) continue;
      std::size_t k = 0;
      while (std::isfinite(x[k]) || (nan_ok && std::isnan(x[k]))) ++k;
      std::ostringstream msg;
      msg << "population '" << pop->name() << "' (" << pop->model().name << "): state variable '" << fields[var].name
          << "' of neuron " << k % pop->size();
      if (pop->batch() > 1) msg << " in batch instance " << k / pop->size();
      msg << " is "
          << (std::isnan(x[k]) ? "NaN"
              : x[k] > 0       ? "+inf"
                               : "-inf")
          << " at t = " << double(step) * net.dt()
          << " ms: the model diverged (a smaller dt, a weaker input or a hard reset may help)";
      return msg.str();
    }
  }
  return {};
}

}  // namespace volley
