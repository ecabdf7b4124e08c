#pragma once
// The catalog of brainpy.state's inputs (the functions that add them are network members, engine/network.hpp).
#include <nlohmann/json_fwd.hpp>

namespace volley {

// For `volley models --json`: out["inputs"] = [{name, "spec_kind" or "model", parameters with internal units}], one
// entry per brainpy.state input class (SpikeTime, PoissonSpike, PoissonEncoder, PoissonInput, SectionInput, ...).
void describe_inputs(nlohmann::json& out);

}  // namespace volley
