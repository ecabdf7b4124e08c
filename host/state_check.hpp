#pragma once
// The divergence guard of the step loop: finds a non-finite (inf or NaN) neuron state variable, so a run whose
// model diverged stops with a message naming where, instead of writing NaN traces silently.
#include <cstdint>
#include <string>

namespace volley {

class network;

// "" when every neuron state variable of every population is finite (variables whose NaN is a model's own
// sentinel, state_field::may_be_nan, may be NaN but not inf); otherwise a message naming the population, model,
// variable, the first such neuron (and batch instance) and the time `step` * dt.
std::string first_non_finite_state(const network& net, std::uint64_t step);

}  // namespace volley
