// NEST's generators and recorders in the NEST layer: names, defaults and parameter checks (NEST 3.10's).
#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "host/nest_device_values.hpp"
#include "models/nest_generator_sources.hpp"

namespace volley::nest::detail {

namespace {

struct device_name {
  const char* name;
  device_kind kind;
};
constexpr device_name device_table[] = {
    {"dc_generator", device_kind::dc_generator},
    {"ac_generator", device_kind::ac_generator},
    {"step_current_generator", device_kind::step_current_generator},
    {"noise_generator", device_kind::noise_generator},
    {"poisson_generator", device_kind::poisson_generator},
    {"sinusoidal_poisson_generator", device_kind::sinusoidal_poisson_generator},
    {"mip_generator", device_kind::mip_generator},
    {"inhomogeneous_poisson_generator", device_kind::inhomogeneous_poisson_generator},
    {"pulsepacket_generator", device_kind::pulsepacket_generator},
    {"spike_generator", device_kind::spike_generator},
    {"gamma_sup_generator", device_kind::gamma_sup_generator},
    {"ppd_sup_generator", device_kind::ppd_sup_generator},
    {"poisson_generator_ps", device_kind::poisson_generator_ps},
    {"sinusoidal_gamma_generator", device_kind::sinusoidal_gamma_generator},
    {"spike_dilutor", device_kind::spike_dilutor},
    {"spike_recorder", device_kind::spike_recorder},
    {"multimeter", device_kind::multimeter},
    {"voltmeter", device_kind::voltmeter},
    {"weight_recorder", device_kind::weight_recorder},
    {"correlation_detector", device_kind::correlation_detector},
    {"correlomatrix_detector", device_kind::correlomatrix_detector},
    {"spin_detector", device_kind::spin_detector},
    {"correlospinmatrix_detector", device_kind::correlospinmatrix_detector},
    {"volume_transmitter", device_kind::volume_transmitter},
    {"step_rate_generator", device_kind::step_rate_generator},
};

}  // namespace

double connection_delay(const json& syn, const std::string& where, double dt) {
  const json d = syn.value("delay", json(1.0));
  if (!d.is_number()) throw parameter_error(where, "delay", d.dump(), "one delay in ms for a generator");
  const double delay = d.get<double>();
  if (!(delay >= dt * (1 - 1e-9)) || !std::isfinite(delay))
    throw parameter_error(where, "delay", d.dump() + " ms", "at least the resolution (as NEST requires)");
  return std::round(delay / dt) * dt;  // NEST rounds delays to steps
}

device_kind device_kind_of(const std::string& model) {
  for (const auto& d : device_table)
    if (model == d.name) return d.kind;
  return device_kind::none;
}

std::string device_names() {
  std::string out;
  for (const auto& d : device_table) out += (out.empty() ? "" : ", ") + std::string(d.name);
  return out;
}

bool is_recorder(device_kind k) {
  return k == device_kind::spike_recorder || k == device_kind::multimeter || k == device_kind::voltmeter ||
         k == device_kind::weight_recorder;
}

bool is_detector(device_kind k) {
  return k == device_kind::correlation_detector || k == device_kind::correlomatrix_detector ||
         k == device_kind::spin_detector || k == device_kind::correlospinmatrix_detector;
}

std::uint64_t detector_ports(const node_group& g) {
  switch (g.kind) {
    case device_kind::correlation_detector: return 2;
    case device_kind::spin_detector: return 1;
    case device_kind::correlomatrix_detector:
    case device_kind::correlospinmatrix_detector: return g.params.at("N_channels").get<std::uint64_t>();
    default: return 0;
  }
}

namespace {
// Whether t (ms) is a whole number >= 1 of steps dt; NEST compares times in tics (1 us), volley to 1e-9 relative.
bool whole_steps(double t, double dt) {
  const double steps = std::round(t / dt);
  return steps >= 1 && std::abs(steps * dt - t) <= 1e-9 * std::max(1.0, steps) * dt;
}
}  // namespace

json device_defaults(device_kind k, double dt) {
  const json timing = {{"origin", 0.0}, {"start", 0.0}, {"stop", nest_forever}};
  json p;
  switch (k) {
    case device_kind::correlation_detector:
    case device_kind::correlomatrix_detector:
      // NEST 3.10: the model's delta_tau is 5 steps of the default resolution 0.1 ms, kept where it lies on the grid
      // of the resolution set, else 5 steps; tau_max stays 5 ms (measured)
      p = {{"delta_tau", whole_steps(0.5, dt) ? 0.5 : 5 * dt}, {"tau_max", 5.0}, {"Tstart", 0.0}, {"Tstop", nest_forever}};
      if (k == device_kind::correlation_detector) p["n_events"] = json::array({0, 0});
      if (k == device_kind::correlomatrix_detector) p["N_channels"] = 1;
      break;
    case device_kind::correlospinmatrix_detector:  // delta_tau one step of 0.1 ms (or dt), tau_max 1 ms
      p = {{"delta_tau", whole_steps(0.1, dt) ? 0.1 : dt}, {"tau_max", 1.0}, {"Tstart", 0.0}, {"Tstop", nest_forever},
           {"N_channels", 1}};
      break;
    case device_kind::spin_detector: p = json::object(); break;
    case device_kind::dc_generator: p = {{"amplitude", 0.0}}; break;
    case device_kind::ac_generator:
      p = {{"amplitude", 0.0}, {"offset", 0.0}, {"frequency", 0.0}, {"phase", 0.0}};
      break;
    case device_kind::step_current_generator:
    case device_kind::step_rate_generator:
      p = {{"amplitude_times", json::array()}, {"amplitude_values", json::array()}, {"allow_offgrid_times", false}};
      break;
    case device_kind::noise_generator:
      p = {{"mean", 0.0}, {"std", 0.0}, {"dt", 1.0}, {"std_mod", 0.0}, {"frequency", 0.0}, {"phase", 0.0}};
      break;
    case device_kind::poisson_generator: p = {{"rate", 0.0}}; break;
    case device_kind::sinusoidal_poisson_generator:
      p = {{"rate", 0.0}, {"amplitude", 0.0}, {"frequency", 0.0}, {"phase", 0.0}, {"individual_spike_trains", true}};
      break;
    case device_kind::mip_generator: p = {{"rate", 0.0}, {"p_copy", 1.0}}; break;
    case device_kind::inhomogeneous_poisson_generator:
      p = {{"rate_times", json::array()}, {"rate_values", json::array()}, {"allow_offgrid_times", false}};
      break;
    case device_kind::pulsepacket_generator:
      p = {{"pulse_times", json::array()}, {"activity", 0}, {"sdev", 0.0}};
      break;
    case device_kind::spike_generator:
      p = {{"spike_times", json::array()}, {"allow_offgrid_times", false}, {"precise_times", false}};
      break;
    case device_kind::gamma_sup_generator: p = {{"rate", 0.0}, {"gamma_shape", 1}, {"n_proc", 1}}; break;
    case device_kind::ppd_sup_generator:
      p = {{"rate", 0.0}, {"dead_time", 0.0}, {"n_proc", 1}, {"frequency", 0.0}, {"relative_amplitude", 0.0}};
      break;
    case device_kind::poisson_generator_ps: p = {{"rate", 0.0}, {"dead_time", 0.0}}; break;
    case device_kind::sinusoidal_gamma_generator:
      p = {{"rate", 0.0}, {"amplitude", 0.0}, {"frequency", 0.0}, {"phase", 0.0}, {"order", 1.0},
           {"individual_spike_trains", true}};
      break;
    case device_kind::spike_dilutor: p = {{"p_copy", 1.0}}; break;
    case device_kind::spike_recorder:
    case device_kind::weight_recorder: p = json::object(); break;
    case device_kind::volume_transmitter: return {{"deliver_interval", 1}};  // min_delay slices
    case device_kind::multimeter: p = {{"record_from", json::array()}, {"interval", 1.0}}; break;
    case device_kind::voltmeter: p = {{"record_from", json::array({"V_m"})}, {"interval", 1.0}}; break;
    case device_kind::none: return json::object();
  }
  p.update(timing);
  return p;
}

namespace {
// NEST 3.10's checks of the correlation devices' parameters (after a SetStatus, on all values together).
void check_detector_params(const node_group& g, const json& p, const std::string& where, double dt) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", dt);
  const std::string res = " of the resolution " + std::string(buf) + " ms";
  if (p.contains("N_channels")) {
    const json& n = p.at("N_channels");
    if (!n.is_number_integer() || n.get<long long>() < 1)
      throw parameter_error(where, "N_channels", n.dump(), "a whole number >= 1 (NEST: N_channels can only be larger "
                                                           "than zero)");
  }
  if (p.contains("n_events") && p.at("n_events") != json::array({0, 0}))
    throw parameter_error(where, "n_events", p.at("n_events").dump(), "[0, 0] (NEST: n_events can only be set to [0 0], "
                                                                       "which clears the histograms)");
  const double D = p.at("delta_tau").get<double>(), tau_max = p.at("tau_max").get<double>();
  const bool spin = g.kind == device_kind::correlospinmatrix_detector;
  if (spin)
    for (const char* key : {"delta_tau", "tau_max", "Tstart", "Tstop"})
      if (p.at(key).get<double>() < 0) throw parameter_error(where, key, p.at(key).dump(), "a time >= 0 ms (NEST)");
  if (!whole_steps(D, dt))
    throw parameter_error(where, "delta_tau", p.at("delta_tau").dump() + " ms", "a positive multiple" + res);
  const auto D_steps = static_cast<long long>(std::round(D / dt));
  if (g.kind == device_kind::correlomatrix_detector && D_steps % 2 != 1)
    throw parameter_error(where, "delta_tau", p.at("delta_tau").dump() + " ms", "an odd multiple" + res +
                                                                                  " (NEST: lags symmetric around 0)");
  const bool on_grid = tau_max == 0 || whole_steps(tau_max, dt);
  if (!(tau_max >= 0) || !on_grid || static_cast<long long>(std::round(tau_max / dt)) % D_steps != 0)
    throw parameter_error(where, "tau_max", p.at("tau_max").dump() + " ms",
                          "a multiple (>= 0) of delta_tau = " + p.at("delta_tau").dump() + " ms");
}
}  // namespace

bool is_train_generator(device_kind k) {
  return k == device_kind::gamma_sup_generator || k == device_kind::ppd_sup_generator ||
         k == device_kind::poisson_generator_ps || k == device_kind::sinusoidal_gamma_generator;
}

namespace {

// NEST 3.10's checks of the stateful generators (NEST's messages), and volley's caps on their per-train state
// (models/nest_generator_sources.hpp).
void check_train_generator(const node_group& g, const json& p, const std::string& where, double dt) {
  auto v = [&](const char* key) { return p.at(key).get<double>(); };
  auto fail = [&](const char* key, const std::string& expected) {
    throw parameter_error(where, key, p.at(key).dump(), expected);
  };
  auto count = [&](const char* key, const char* nest_text) {
    const double n = v(key);
    if (n != std::floor(n)) fail(key, "a whole number (NEST reads an integer)");
    if (n < 1) fail(key, std::string("a whole number >= 1 (NEST: ") + nest_text + ")");
    if (n > models::nest_generators::max_n_proc)  // n_proc: the occupation counts must stay exact in real_t
      fail(key, "at most " + std::to_string(std::llround(models::nest_generators::max_n_proc)) +
                    " (the largest count volley's real numbers hold exactly)");
  };
  char cap[160];
  switch (g.kind) {
    case device_kind::gamma_sup_generator:
      count("gamma_shape", "The shape must be larger or equal 1");
      if (v("gamma_shape") > models::nest_generators::gamma_max_shape) {
        std::snprintf(cap, sizeof cap, "at most %d (volley keeps gamma_shape internal states per train)",
                      models::nest_generators::gamma_max_shape);
        fail("gamma_shape", cap);
      }
      if (!(v("rate") >= 0)) fail("rate", "a rate >= 0 Hz (NEST: The rate must be larger than 0.)");
      count("n_proc", "The number of component processes cannot be smaller than one");
      break;
    case device_kind::ppd_sup_generator: {
      if (!(v("dead_time") >= 0)) fail("dead_time", "a time >= 0 ms (NEST: The dead time cannot be negative.)");
      if (!(1000.0 / v("rate") > v("dead_time")))
        fail("rate", "a rate whose inverse exceeds dead_time = " + p.at("dead_time").dump() +
                         " ms (NEST: The inverse rate has to be larger than the dead time.)");
      count("n_proc", "The number of component processes cannot be smaller than one");
      if (!(v("relative_amplitude") >= 0 && v("relative_amplitude") <= 1))
        fail("relative_amplitude", "a value in [0, 1] (NEST: The relative amplitude of the rate modulation must be "
                                   "in [0,1].)");
      if (const char* why = models::ppd_sup_generator::bins_problem(v("dead_time"), dt)) fail("dead_time", why);
      break;
    }
    case device_kind::poisson_generator_ps:
      if (!(v("dead_time") >= 0)) fail("dead_time", "a time >= 0 ms (NEST: The dead time cannot be negative.)");
      if (!(v("rate") >= 0)) fail("rate", "a rate >= 0 Hz (NEST: The rate cannot be negative.)");
      if (1000.0 / v("rate") < v("dead_time"))
        fail("rate", "a rate whose inverse is at least dead_time = " + p.at("dead_time").dump() +
                         " ms (NEST: The inverse rate cannot be smaller than the dead time.)");
      break;
    case device_kind::sinusoidal_gamma_generator:
      if (!(v("order") >= 1)) fail("order", "a value >= 1 (NEST: The gamma order must be at least 1.)");
      if (!(v("amplitude") >= 0 && v("amplitude") <= v("rate")))
        fail("amplitude", "0 <= amplitude <= rate = " + p.at("rate").dump() +
                              " Hz (NEST: Rate parameters must fulfill 0 <= amplitude <= rate.)");
      break;
    default: break;
  }
}
}  // namespace

void set_device_params(node_group& g, const json& params, const std::string& where, double dt) {
  json p = g.params;  // checked as a whole, then committed
  for (const auto& [key, value] : params.items()) {
    if (!p.contains(key)) {
      std::string known;
      for (const auto& [k, v] : p.items()) known += (known.empty() ? "" : ", ") + k;
      throw parameter_error(where, key, value.dump(), "a parameter of " + g.model + ": " + known);
    }
    const json& old = p.at(key);
    const bool ok = (old.is_number() && value.is_number() && std::isfinite(value.get<double>())) ||
                    (old.is_boolean() && value.is_boolean()) || (old.is_array() && value.is_array());
    if (!ok) throw parameter_error(where, key, value.dump(), "a value like the default " + old.dump());
    if ((key == "allow_offgrid_times" || key == "precise_times") && value.get<bool>())
      throw parameter_error(where, key, "true", "false (volley's NEST layer keeps spike and step times on the grid)");
    p[key] = value;
  }
  // these lower their schedules without a window (a changed inhomogeneous_poisson_generator's segments set one
  // internally, host/nest_later_changes.cpp)
  if (g.kind == device_kind::inhomogeneous_poisson_generator || g.kind == device_kind::pulsepacket_generator)
    for (const char* key : {"origin", "start", "stop"})
      if (params.contains(key) && params.at(key) != g.params.at(key))
        throw parameter_error(where, key, params.at(key).dump(), "the default " + g.params.at(key).dump() +
                                                                     " (not yet supported for " + g.model + ")");
  auto non_negative = [&](const char* key) {
    if (p.contains(key) && !(p.at(key).get<double>() >= 0))
      throw parameter_error(where, key, p.at(key).dump(), "a non-negative value");
  };
  if (is_train_generator(g.kind)) check_train_generator(g, p, where, dt);
  for (const char* key : {"start", "rate", "std", "std_mod", "frequency", "sdev", "activity"})
    if (!(is_train_generator(g.kind) && std::string(key) == "frequency")) non_negative(key);  // NEST: any sign
  if (p.contains("p_copy") && !(p.at("p_copy").get<double>() >= 0 && p.at("p_copy").get<double>() <= 1))
    throw parameter_error(where, "p_copy", p.at("p_copy").dump(), "a probability in [0, 1]");
  if (p.contains("activity") && p.at("activity").get<double>() != std::floor(p.at("activity").get<double>()))
    throw parameter_error(where, "activity", p.at("activity").dump(), "a whole number of spikes per pulse");
  if (p.contains("stop") && p.contains("start") && p.at("stop").get<double>() < p.at("start").get<double>())
    throw parameter_error(where, "stop", p.at("stop").dump(), "at least start = " + p.at("start").dump());
  if (g.kind == device_kind::noise_generator && p.at("std_mod").get<double>() > p.at("std").get<double>())
    throw parameter_error(where, "std_mod", p.at("std_mod").dump(), "at most std (NEST: the variance must stay >= 0)");
  if (p.contains("interval") && !(p.at("interval").get<double>() > 0))
    throw parameter_error(where, "interval", p.at("interval").dump(), "a positive time in ms");
  if (is_recorder(g.kind))  // NEST 3.10's check of a recording device's window
    for (const char* key : {"origin", "start", "stop"}) {
      const double t = p.at(key).get<double>();
      const double steps = std::round(t / dt);
      if (!(key == std::string("stop") && t >= nest_forever) &&
          std::abs(steps * dt - t) > 1e-9 * std::max(1.0, std::abs(steps)) * dt)
        throw parameter_error(where, key, p.at(key).dump() + " ms",
                              "a multiple of the resolution " + std::to_string(dt) + " ms (as NEST requires)");
    }
  if (is_detector(g.kind) && g.kind != device_kind::spin_detector) check_detector_params(g, p, where, dt);
  if (g.kind == device_kind::volume_transmitter) {
    const double di = p.at("deliver_interval").get<double>();
    if (!(di >= 1 && di == std::floor(di) && di < 4e9))
      throw parameter_error(where, "deliver_interval", p.at("deliver_interval").dump(),
                            "a whole number of min_delay slices >= 1");
  }
  g.params = std::move(p);
}

recording_window recording_window_of(const json& params, double dt) {
  recording_window w;
  const double origin = number(params, "origin"), start = number(params, "start"), stop = number(params, "stop");
  w.after = std::llround((origin + start) / dt);
  if (stop < nest_forever) w.through = std::llround((origin + stop) / dt);
  return w;
}

double planned_min_delay(const std::vector<json>& delays, double dt) {
  double lowest = forever_ms;
  auto consider = [&](const json& d) {
    if (d.is_number()) lowest = std::min(lowest, d.get<double>());
    if (d.is_array())
      for (const auto& x : d)
        if (x.is_number()) lowest = std::min(lowest, x.get<double>());
    if (d.is_object()) lowest = std::min(lowest, d.contains("low") && d.at("low").is_number() ? d.at("low").get<double>() : dt);
  };
  for (const auto& d : delays) consider(d);
  return std::isfinite(lowest) ? std::max(std::round(lowest / dt) * dt, dt) : dt;
}

}  // namespace volley::nest::detail
