#pragma once
// Spec files: a JSON description of a network, its inputs, what to record and for how long. The format is
// documented in README.md ("Spec format"); examples/ holds complete specs.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"

namespace volley {

struct loaded_spec {
  std::string name;
  std::unique_ptr<network> net;
  double duration_ms = 0;
  std::vector<std::string> record_spikes;
  std::vector<trace_request> record_traces;
};

struct spec_overrides {
  std::optional<std::uint64_t> seed;
  std::optional<double> duration_ms;
};

// Parses and builds; throws spec_error / parameter_error with the place of the problem.
loaded_spec load_spec_text(const std::string& text, const spec_overrides& overrides = {});
loaded_spec load_spec_file(const std::string& path, const spec_overrides& overrides = {});

}  // namespace volley
