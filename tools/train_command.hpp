#pragma once
// `volley train SPEC.json`: trains the spec's network, shows progress, saves/resumes checkpoints, prints and
// optionally writes (--summary-json) the final test accuracy.
#include <string>

namespace volley::cli {

struct train_args {
  std::string spec;
  int epochs = -1;           // override the spec's
  int threads = -1;          // override the spec's
  std::string backend;       // override the spec's (cpu, gpu, cuda, hip, auto)
  std::string save;          // checkpoint of the trained weights (after every epoch)
  std::string resume;        // start from this checkpoint
  std::string summary_json;  // final summary as JSON
  bool memory = false;       // print the backward pass's memory per neuron-step
  bool quiet = false;
};

int train_command(const train_args& a);

}  // namespace volley::cli
