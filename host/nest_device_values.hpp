#pragma once
// What the NEST layer's device files share (host/nest_device_params.cpp, host/nest_generators.cpp,
// host/nest_detector_results.cpp).
#include <string>

#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

inline constexpr double nest_forever = 1.7976931348623157e308;  // NEST's default stop (DBL_MAX)

// A device parameter that set_device_params has checked to be a number.
inline double number(const json& params, const char* key) { return params.at(key).get<double>(); }

// The delay of a connection from a device, in ms on the grid of dt (NEST rounds delays to steps); at least dt.
double connection_delay(const json& syn, const std::string& where, double dt);

// The stateful generators that become hidden source populations (models/nest_generator_sources.hpp).
bool is_train_generator(device_kind k);

}  // namespace volley::nest::detail
