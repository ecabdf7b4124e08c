#pragma once
// NEST 3.10's stateful spike generators as spike-source models: gamma_sup_generator, ppd_sup_generator,
// poisson_generator_ps and sinusoidal_gamma_generator. One neuron of such a population is ONE spike train of the
// generator (NEST keeps one train per target; the NEST layer, host/nest_generators.cpp, makes a hidden population with
// one neuron per target, or one neuron for a shared train, and connects it with the connection's weight and delay).
// No membrane, no current input (takes_current = false), like models/spike_sources.hpp.
//
// Per step k (volley's step [k h, (k + 1) h), which NEST updates at lag k and whose spikes it stamps (k + 1) h):
// the neuron draws from its stream (needs_stream: (seed, population, neuron, step), so trains do not depend on
// threads or backend), sets the payload state `multiplicity` to the number of spikes of the step and returns true
// when it is >= 1; each weight the spike delivers is multiplied by it (NEST's multiplicity). A state `step` counts
// the steps (the models have no other clock; exact up to 2^53 steps with double, 2^24 with float).
//
// Activity window (NEST's StimulationDevice::is_active for spike generators, times in steps of h, measured with
// NEST 3.10): gamma_sup, ppd_sup and sinusoidal_gamma update at step k when origin + start < k <= origin + stop;
// outside it their state stays as it is (NEST does not call the train's update). poisson_generator_ps emits the
// spikes whose stamps lie in (origin + start, origin + stop], its first interval counted from max(0, origin + start).
//
// gamma_sup_generator (rate in 1/ms, gamma_shape K, n_proc N): N independent gamma processes of shape K and rate
// `rate`, each a cycle through K internal states; occupation_i (i = 1..K) counts the processes in state i. Every
// step each state passes Binomial(occupation_i, p) processes on, p = rate K h (NEST clips p >= 1 to "all pass":
// measured), the last state's passes to state 1 being the spikes. Initial occupations: floor(N / K) in each state,
// the remainder in state K (NEST's approximate equilibrium). Cap: K <= gamma_max_shape (32 states per train).
//
// ppd_sup_generator (rate, dead_time d, n_proc N, frequency f, relative_amplitude a): N independent Poisson
// processes with dead time. B = floor(d / h) (NEST's truncation, e.g. 0.3 / 0.1 -> 2) refractory age bins in a
// ring (refractory_1..B, the ring position `slot`), `active` processes may spike. Per step: n = Binomial(active,
// hazard), hazard = h / (1 / rate - d), times (1 + a sin(2 pi f k h)) when a > 0 and f != 0 (clipped to [0, 1] as
// NEST's binomial does); active += refractory[slot] - n; refractory[slot] = n; slot = (slot + 1) mod B. Initial:
// floor(rate N h) in each bin, the rest active (set by the first update: they need h). Cap: B <= ppd_max_bins
// (128 bins: d < 12.9 ms at h = 0.1 ms; derive() refuses more).
//
// poisson_generator_ps (rate, dead_time d): intervals d + (1 / rate - d) Exp(1); the first spike after max(0,
// origin + start) from the stationary backward recurrence time (uniform in [0, d) with probability d rate, else
// d + (1 / rate - d) Exp(1)). The next spike is kept as a stamp (`next_stamp`, steps, NEST's Time::ms_stamp of the
// drawn time) and an offset before it (`next_offset`, ms); all spikes with stamp k + 1 are emitted in step k.
//
// sinusoidal_gamma_generator (rate, amplitude, frequency f, phase in degrees, order g): rate(t) = rate + amplitude
// sin(2 pi f t + phase); Lambda(t) = g * integral of rate from the last spike t0 (state `t0`, ms; 0 before the
// first) to t; at the stamp t = (k + 1) h of an active step with rate(t) > 0 a spike comes with probability
// h g rate(t) Lambda^(g-1) e^-Lambda / Gamma(g, Lambda) (Gamma: upper incomplete gamma function), then t0 = t.
// State `rate` holds rate(t) (1/ms).
//
// Differs from NEST:
//   - Spikes travel on the step grid: poisson_generator_ps's spikes count in the step of their stamp; their precise
//     offsets inside the step are lost (NEST sends them with the offset, which precise targets use).
//   - gamma_sup / ppd_sup draw exact binomials where NEST uses a Poisson approximation (n >= 100 and p <= 0.01, or
//     n >= 500 and n p <= 0.1; Poisson counts clipped at n): the same law to within that approximation.
//   - sinusoidal_gamma: NEST evaluates Lambda^(g-1) e^-Lambda / gsl_sf_gamma_inc(g, Lambda) as written, which is
//     0 / 0 (NaN: never a spike) once e^-Lambda underflows (Lambda > ~745, e.g. rate 1000 Hz and no spike for 0.75 s,
//     as before a late start). Here the ratio comes from the continued fraction of Gamma(g, x) e^x x^-g, finite for
//     any Lambda: the train fires where NEST's would stay silent.
//   - Random numbers differ (Philox streams here), so trains agree with NEST in law, not spike by spike.
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "engine/config.hpp"
#include "engine/error.hpp"
#include "engine/param.hpp"
#include "engine/random.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"
#include "models/spike_sources.hpp"

namespace volley::models {

namespace nest_generators {

inline constexpr int gamma_max_shape = 32;  // gamma_sup_generator: gamma_shape <= 32 (state per train: 34 reals)
inline constexpr int ppd_max_bins = 128;    // ppd_sup_generator: floor(dead_time / h) <= 128 (state: 132 reals)
// Largest n_proc whose occupation numbers real_t holds exactly.
inline constexpr double max_n_proc = std::numeric_limits<real_t>::digits >= 53 ? 9007199254740992.0 : 16777216.0;
inline constexpr double forever = std::numeric_limits<double>::max();  // NEST's default stop (DBL_MAX)

// Names "<prefix>1", "<prefix>2", ... in static storage, for state_fields.
template <int N>
struct numbered_names {
  char text[N][24]{};
};
template <int N>
constexpr numbered_names<N> make_names(const char* prefix) {
  numbered_names<N> out;
  for (int i = 0; i < N; ++i) {
    int c = 0;
    while (prefix[c] != '\0') {
      out.text[i][c] = prefix[c];
      ++c;
    }
    const int v = i + 1;
    if (v >= 100) out.text[i][c++] = static_cast<char>('0' + v / 100);
    if (v >= 10) out.text[i][c++] = static_cast<char>('0' + (v / 10) % 10);
    out.text[i][c] = static_cast<char>('0' + v % 10);
  }
  return out;
}
inline constexpr auto occupation_names = make_names<gamma_max_shape>("occupation_");
inline constexpr auto refractory_names = make_names<ppd_max_bins>("refractory_");

// NEST's activity window in steps: a train updates at step k when after < k <= until.
struct window {
  double after, until;
};
inline window window_of(double origin, double start, double stop, double dt) {
  const double until = stop >= 1e300 ? std::numeric_limits<double>::infinity() : std::round((origin + stop) / dt);
  return {std::round((origin + start) / dt), until};
}

// Text of a failed check, naming the parameter, its value and the limit (validate() returns it).
inline const char* problem(const char* format, double value, double limit = 0) {
  thread_local char text[256];
  std::snprintf(text, sizeof text, format, value, limit);
  return text;
}

inline const char* check_window(double start, double stop) {
  if (!(start >= 0) || !std::isfinite(start)) return problem("start = %g ms must be a finite time >= 0", start);
  if (!(stop >= start)) return problem("stop = %g ms must be at least start = %g ms", stop, start);
  return nullptr;
}

inline bool whole(double x) { return std::isfinite(x) && x == std::floor(x); }

// x^(g-1) e^-x / Gamma(g, x) (Gamma: the upper incomplete gamma function) for g >= 1, x >= 0; log_gamma_g =
// log Gamma(g). x < g + 1: Gamma(g, x) = Gamma(g) (1 - P), P = x^g e^-x / Gamma(g) * sum_n x^n / (g (g+1) ..
// (g+n)); otherwise the continued fraction Gamma(g, x) = x^g e^-x / (x + 1 - g - 1 (1 - g) / (x + 3 - g - ...)),
// evaluated with the modified Lentz method, which gives the ratio as 1 / (x * fraction) without under- or overflow.
VOLLEY_HD inline double gamma_hazard_ratio(double g, double log_gamma_g, double x) {
  if (g == 1.0) return 1.0;  // exponential: x^0 e^-x / e^-x for every x (the loops below would not stop early)
  if (!(x > 0)) return 0.0;
  if (x < g + 1.0) {
    double term = 1.0 / g, sum = term;
    for (int n = 1; n < 1000; ++n) {
      term *= x / (g + n);
      sum += term;
      if (term < sum * 1e-16) break;
    }
    const double log_front = (g - 1.0) * ::log(x) - x - log_gamma_g;  // log(x^(g-1) e^-x / Gamma(g))
    const double lower = ::exp(log_front) * x * sum;                  // P(g, x)
    return ::exp(log_front) / (1.0 - lower);
  }
  const double tiny = 1e-300;
  double b = x + 1.0 - g, c = 1.0 / tiny, d = 1.0 / b, f = d;
  for (int n = 1; n < 1000; ++n) {
    const double an = -n * (n - g);
    b += 2.0;
    d = an * d + b;
    if (::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    f *= delta;
    if (::fabs(delta - 1.0) < 4e-16) break;  // two ulps of 1: 1e-16 is below one and never met short of 1
  }
  // f = Gamma(g, x) e^x x^-g, the continued fraction's value
  return 1.0 / (x * f);
}

}  // namespace nest_generators

// ------------------------------------------------------------------------------------------------ gamma_sup
struct gamma_sup_generator_params {
  units::rate_q rate{0.0};              // 1/ms (NEST: Hz), of each component process
  units::dimensionless_q gamma_shape{1.0};
  units::dimensionless_q n_proc{1.0};
  units::time_q origin{0.0}, start{0.0}, stop{nest_generators::forever};
};
struct gamma_sup_generator_constants {
  double p;                          // probability of moving on to the next internal state per step
  int shape;
  double n_proc;
  nest_generators::window active;
};

struct gamma_sup_generator : spike_source_base {
  static constexpr const char* name = "gamma_sup_generator";
  static constexpr const char* description =
      "NEST gamma_sup_generator: one superposition of n_proc gamma processes per neuron (payload: multiplicity)";
  static constexpr int G = nest_generators::gamma_max_shape;
  enum : int { occupation_1 = 0, multiplicity = G, step, n_state };
  static constexpr int spike_payload = multiplicity;
  static constexpr bool spike_payload_counts = true;
  static constexpr bool needs_stream = true;
  static constexpr std::array<state_field, n_state> state_fields = [] {
    std::array<state_field, n_state> f{};
    for (int i = 0; i < G; ++i) f[i] = {nest_generators::occupation_names.text[i], units::dims::none};
    f[multiplicity] = {"multiplicity", units::dims::none};
    f[step] = {"step", units::dims::none};
    return f;
  }();
  using params = gamma_sup_generator_params;
  using constants = gamma_sup_generator_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("rate", p.rate, range_check::non_negative);
    f("gamma_shape", p.gamma_shape, range_check::any);
    f("n_proc", p.n_proc, range_check::any);
    f("origin", p.origin, range_check::any);
    f("start", p.start, range_check::non_negative);
    f("stop", p.stop, range_check::any);
  }
  static const char* validate(const params& p) {
    using namespace nest_generators;
    if (!(p.rate.value >= 0) || !std::isfinite(p.rate.value))
      return problem("rate = %g Hz: the rate must be larger than 0 (NEST), a finite rate >= 0", p.rate.value * 1e3);
    const double k = p.gamma_shape.value, n = p.n_proc.value;
    if (!whole(k)) return problem("gamma_shape = %g must be a whole number (NEST reads an integer)", k);
    if (k < 1) return problem("gamma_shape = %g: the shape must be larger or equal 1 (NEST)", k);
    if (k > gamma_max_shape)
      return problem("gamma_shape = %g is beyond volley's cap of %g internal states per train", k, gamma_max_shape);
    if (!whole(n)) return problem("n_proc = %g must be a whole number (NEST reads an integer)", n);
    if (n < 1) return problem("n_proc = %g: the number of component processes cannot be smaller than one (NEST)", n);
    if (n > max_n_proc) return problem("n_proc = %g is beyond %g, the largest count real_t holds exactly", n, max_n_proc);
    return check_window(p.start.value, p.stop.value);
  }
  static constants derive(const params& p, double dt) {
    constants c{};
    c.shape = static_cast<int>(p.gamma_shape.value);
    c.p = p.rate.value * p.gamma_shape.value * dt;  // binomial() passes everything for p >= 1, as NEST does
    c.n_proc = p.n_proc.value;
    c.active = nest_generators::window_of(p.origin.value, p.start.value, p.stop.value, dt);
    if (!(p.rate.value > 0)) c.active.until = -1;  // NEST: no update at rate 0
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    const double k = p.gamma_shape.value, n = p.n_proc.value;
    const double each = std::floor(n / k);
    for (int i = 0; i < G; ++i) s[occupation_1 + i] = i < k ? static_cast<real_t>(each) : real_t(0);
    s[occupation_1 + static_cast<int>(k) - 1] += static_cast<real_t>(n - each * k);
    s[multiplicity] = 0;
    s[step] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const double k = s[step];
    s[step] = static_cast<real_t>(k + 1);
    s[multiplicity] = 0;
    if (!(k > c.active.after && k <= c.active.until)) return false;
    rng::random_stream& rs = *in.stream;
    real_t* occ = s + occupation_1;
    const int last = c.shape - 1;
    // every state's moves are drawn from the occupations before the step; the last state's are the spikes
    const auto spikes = static_cast<real_t>(rs.binomial(static_cast<std::uint64_t>(occ[last]), c.p));
    real_t incoming = spikes;
    for (int i = 0; i < G - 1; ++i) {
      if (i >= last) break;
      const auto moved = static_cast<real_t>(rs.binomial(static_cast<std::uint64_t>(occ[i]), c.p));
      occ[i] += incoming - moved;
      incoming = moved;
    }
    occ[last] += incoming - spikes;
    s[multiplicity] = spikes;
    return spikes >= 1;
  }
};

// ------------------------------------------------------------------------------------------------ ppd_sup
struct ppd_sup_generator_params {
  units::rate_q rate{0.0};                      // 1/ms (NEST: Hz), of each component process
  units::time_q dead_time{0.0};                 // ms
  units::dimensionless_q n_proc{1.0};
  units::rate_q frequency{0.0};                 // 1/ms (NEST: Hz), of the rate modulation
  units::dimensionless_q relative_amplitude{0.0};
  units::time_q origin{0.0}, start{0.0}, stop{nest_generators::forever};
};
struct ppd_sup_generator_constants {
  double hazard;     // per step, unmodulated
  double omega;      // rad/ms
  double amplitude;  // relative; 0: no modulation
  double dt;         // ms
  int bins;          // refractory age bins
  double n_proc;
  double each;       // initial occupation of each age bin: floor(rate n_proc h)
  nest_generators::window active;
};

struct ppd_sup_generator : spike_source_base {
  static constexpr const char* name = "ppd_sup_generator";
  static constexpr const char* description =
      "NEST ppd_sup_generator: one superposition of n_proc Poisson processes with dead time per neuron (payload: "
      "multiplicity)";
  static constexpr int B = nest_generators::ppd_max_bins;
  enum : int { active = 0, refractory_1, slot = refractory_1 + B, multiplicity, step, n_state };
  static constexpr int spike_payload = multiplicity;
  static constexpr bool spike_payload_counts = true;
  static constexpr bool needs_stream = true;
  static constexpr std::array<state_field, n_state> state_fields = [] {
    std::array<state_field, n_state> f{};
    f[active] = {"active", units::dims::none};
    for (int i = 0; i < B; ++i) f[refractory_1 + i] = {nest_generators::refractory_names.text[i], units::dims::none};
    f[slot] = {"slot", units::dims::none};
    f[multiplicity] = {"multiplicity", units::dims::none};
    f[step] = {"step", units::dims::none};
    return f;
  }();
  using params = ppd_sup_generator_params;
  using constants = ppd_sup_generator_constants;

  // NEST's number of age bins: static_cast<unsigned long>(dead_time / h) (truncation of the double quotient).
  static double age_bins(double dead_time, double dt) { return std::floor(dead_time / dt); }

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("rate", p.rate, range_check::any);
    f("dead_time", p.dead_time, range_check::any);
    f("n_proc", p.n_proc, range_check::any);
    f("frequency", p.frequency, range_check::any);
    f("relative_amplitude", p.relative_amplitude, range_check::any);
    f("origin", p.origin, range_check::any);
    f("start", p.start, range_check::non_negative);
    f("stop", p.stop, range_check::any);
  }
  // The checks that do not depend on the resolution (derive() refuses dead times beyond the age-bin cap).
  static const char* validate(const params& p) {
    using namespace nest_generators;
    const double d = p.dead_time.value, r = p.rate.value, n = p.n_proc.value;
    if (!(d >= 0) || !std::isfinite(d)) return problem("dead_time = %g ms: the dead time cannot be negative (NEST)", d);
    if (!std::isfinite(r) || 1.0 / r <= d)
      return problem("rate = %g Hz: the inverse rate has to be larger than the dead time (NEST), here %g ms",
                     r * 1e3, d);
    if (!whole(n)) return problem("n_proc = %g must be a whole number (NEST reads an integer)", n);
    if (n < 1) return problem("n_proc = %g: the number of component processes cannot be smaller than one (NEST)", n);
    if (n > max_n_proc) return problem("n_proc = %g is beyond %g, the largest count real_t holds exactly", n, max_n_proc);
    if (!std::isfinite(p.frequency.value)) return problem("frequency = %g Hz must be finite", p.frequency.value * 1e3);
    const double a = p.relative_amplitude.value;
    if (!(a >= 0 && a <= 1))
      return problem("relative_amplitude = %g: the relative amplitude of the rate modulation must be in [0,1] (NEST)", a);
    return check_window(p.start.value, p.stop.value);
  }
  // The age-bin cap at resolution dt: nullptr when within it, else the problem.
  static const char* bins_problem(double dead_time, double dt) {
    const double b = age_bins(dead_time, dt);
    if (b <= B) return nullptr;
    thread_local char text[256];
    std::snprintf(text, sizeof text,
                  "dead_time = %g ms needs %g age bins of the resolution %g ms, beyond volley's cap of %d per train "
                  "(dead_time < %g ms)", dead_time, b, dt, B, (B + 1) * dt);
    return text;
  }
  static constants derive(const params& p, double dt) {
    if (const char* why = bins_problem(p.dead_time.value, dt))
      throw parameter_error(name, "dead_time", std::to_string(p.dead_time.value) + " ms", why);
    constants c{};
    const double r = p.rate.value;
    c.hazard = r > 0 ? dt / (1.0 / r - p.dead_time.value) : 0.0;
    c.omega = 2.0 * 3.14159265358979323846 * p.frequency.value;
    c.amplitude = p.relative_amplitude.value > 0 && p.frequency.value != 0 ? p.relative_amplitude.value : 0.0;
    c.dt = dt;
    c.bins = static_cast<int>(age_bins(p.dead_time.value, dt));
    c.n_proc = p.n_proc.value;
    c.each = std::floor(r * p.n_proc.value * dt);
    c.active = nest_generators::window_of(p.origin.value, p.start.value, p.stop.value, dt);
    if (!(r > 0)) c.active.until = -1;  // NEST: no update at rate 0
    return c;
  }
  // The occupations need the resolution: the first update sets them (slot -1 until then).
  static void initial_state(const params& p, real_t* s) {
    s[active] = static_cast<real_t>(p.n_proc.value);
    for (int i = 0; i < B; ++i) s[refractory_1 + i] = 0;
    s[slot] = -1;
    s[multiplicity] = 0;
    s[step] = 0;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const double k = s[step];
    s[step] = static_cast<real_t>(k + 1);
    s[multiplicity] = 0;
    if (s[slot] < 0) {  // NEST's initial occupations: `each` per age bin, the rest active
      for (int i = 0; i < B; ++i) s[refractory_1 + i] = static_cast<real_t>(i < c.bins ? c.each : 0.0);
      s[active] = static_cast<real_t>(c.n_proc - c.each * c.bins);
      s[slot] = 0;
    }
    if (!(k > c.active.after && k <= c.active.until)) return false;
    double hazard = c.hazard;
    if (c.amplitude > 0) hazard *= 1.0 + c.amplitude * ::sin(c.omega * (k * c.dt));
    const auto n = static_cast<real_t>(in.stream->binomial(static_cast<std::uint64_t>(s[active]), hazard));
    if (c.bins > 0) {
      const int a = static_cast<int>(s[slot]);
      s[active] += s[refractory_1 + a] - n;
      s[refractory_1 + a] = n;
      s[slot] = static_cast<real_t>(a + 1 == c.bins ? 0 : a + 1);
    }
    s[multiplicity] = n;
    return n >= 1;
  }
};

// ------------------------------------------------------------------------------------------------ poisson_ps
struct poisson_generator_ps_params {
  units::rate_q rate{0.0};       // 1/ms (NEST: Hz)
  units::time_q dead_time{0.0};  // ms
  units::time_q origin{0.0}, start{0.0}, stop{nest_generators::forever};
};
struct poisson_generator_ps_constants {
  double mean_free;       // ms: 1 / rate - dead_time, the exponential part of an interval
  double dead_time;       // ms
  double p_dead;          // dead_time * rate: probability that the first spike falls inside the dead time
  double dt;              // ms
  double tics_per_step;   // NEST's Time: 1000 tics per ms
  double first_from;      // steps: max(0, origin + start), where the first interval starts
  nest_generators::window stamps;  // stamps (steps) emitted: after < stamp <= until
};

struct poisson_generator_ps : spike_source_base {
  static constexpr const char* name = "poisson_generator_ps";
  static constexpr const char* description =
      "NEST poisson_generator_ps: a Poisson train with dead time per neuron, spikes counted in the step of their "
      "stamp (payload: multiplicity)";
  enum : int { next_stamp, next_offset, multiplicity, step, n_state };
  static constexpr int spike_payload = multiplicity;
  static constexpr bool spike_payload_counts = true;
  static constexpr bool needs_stream = true;
  static constexpr std::array<state_field, n_state> state_fields{{{"next_stamp", units::dims::none},
                                                                  {"next_offset", units::dims::time},
                                                                  {"multiplicity", units::dims::none},
                                                                  {"step", units::dims::none}}};
  using params = poisson_generator_ps_params;
  using constants = poisson_generator_ps_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("rate", p.rate, range_check::any);
    f("dead_time", p.dead_time, range_check::any);
    f("origin", p.origin, range_check::any);
    f("start", p.start, range_check::non_negative);
    f("stop", p.stop, range_check::any);
  }
  static const char* validate(const params& p) {
    using namespace nest_generators;
    const double d = p.dead_time.value, r = p.rate.value;
    if (!(d >= 0) || !std::isfinite(d)) return problem("dead_time = %g ms: the dead time cannot be negative (NEST)", d);
    if (!(r >= 0) || !std::isfinite(r)) return problem("rate = %g Hz: the rate cannot be negative (NEST)", r * 1e3);
    if (1.0 / r < d)
      return problem("rate = %g Hz: the inverse rate cannot be smaller than the dead time (NEST), here %g ms", r * 1e3,
                     d);
    return check_window(p.start.value, p.stop.value);
  }
  static constants derive(const params& p, double dt) {
    constants c{};
    const double r = p.rate.value;
    c.mean_free = r > 0 ? 1.0 / r - p.dead_time.value : 0.0;
    c.dead_time = p.dead_time.value;
    c.p_dead = p.dead_time.value * r;
    c.dt = dt;
    c.tics_per_step = std::round(dt * 1000.0);
    c.stamps = nest_generators::window_of(p.origin.value, p.start.value, p.stop.value, dt);
    c.first_from = std::fmax(c.stamps.after, 0.0);
    if (!(r > 0)) c.stamps.until = -1;  // NEST: no spikes at rate 0
    return c;
  }
  static void initial_state(const params&, real_t* s) {
    s[next_stamp] = -1;  // not drawn yet
    s[next_offset] = 0;
    s[multiplicity] = 0;
    s[step] = 0;
  }
  // NEST's Time::ms_stamp(x) in steps: the first grid point at or after x (x truncated to tics first).
  VOLLEY_HD VOLLEY_INLINE static double stamp_steps(const constants& c, double x) {
    const double tics = ::floor(x * 1000.0);
    double steps = ::floor(tics / c.tics_per_step);
    if (steps * c.dt < x) steps += 1;
    return steps;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const double k = s[step];
    s[step] = static_cast<real_t>(k + 1);
    s[multiplicity] = 0;
    const double stamp = k + 1;  // NEST's stamp of this step's spikes
    if (!(stamp > c.stamps.after && stamp <= c.stamps.until)) return false;
    rng::random_stream& rs = *in.stream;
    double next = s[next_stamp], offset = s[next_offset];
    if (next < 0) {  // the first spike, from the stationary backward recurrence time
      double x;
      if (c.dead_time > 0 && rs.uniform() < c.p_dead)
        x = rs.uniform() * c.dead_time;
      else
        x = c.mean_free * rs.exponential() + c.dead_time;
      const double st = stamp_steps(c, x);
      offset = st * c.dt - x;
      next = c.first_from + st;
    }
    real_t count = 0;
    while (next <= stamp) {
      count += 1;
      const double gap = -offset + c.mean_free * rs.exponential() + c.dead_time;  // from the last stamp
      if (gap < 0) {
        offset = -gap;  // still in the same stamp
      } else {
        const double st = stamp_steps(c, gap);
        next += st;
        offset = st * c.dt - gap;
      }
    }
    s[next_stamp] = static_cast<real_t>(next);
    s[next_offset] = static_cast<real_t>(offset);
    s[multiplicity] = count;
    return count >= 1;
  }
};

// ------------------------------------------------------------------------------------------------ sinusoidal_gamma
struct sinusoidal_gamma_generator_params {
  units::rate_q rate{0.0};               // 1/ms (NEST: Hz)
  units::rate_q amplitude{0.0};          // 1/ms (NEST: Hz)
  units::rate_q frequency{0.0};          // 1/ms (NEST: Hz)
  units::dimensionless_q phase{0.0};     // degrees
  units::dimensionless_q order{1.0};
  units::time_q origin{0.0}, start{0.0}, stop{nest_generators::forever};
};
struct sinusoidal_gamma_generator_constants {
  double rate, amplitude;  // 1/ms
  double omega;            // rad/ms
  double phi;              // rad
  double order, log_gamma_order;
  double dt;               // ms
  nest_generators::window active;
};

struct sinusoidal_gamma_generator : spike_source_base {
  static constexpr const char* name = "sinusoidal_gamma_generator";
  static constexpr const char* description =
      "NEST sinusoidal_gamma_generator: one sinusoidally modulated gamma train per neuron";
  enum : int { t0, rate, multiplicity, step, n_state };
  static constexpr int spike_payload = multiplicity;
  static constexpr bool spike_payload_counts = true;
  static constexpr bool needs_stream = true;
  static constexpr std::array<state_field, n_state> state_fields{{{"t0", units::dims::time},
                                                                  {"rate", units::dims::rate},
                                                                  {"multiplicity", units::dims::none},
                                                                  {"step", units::dims::none}}};
  using params = sinusoidal_gamma_generator_params;
  using constants = sinusoidal_gamma_generator_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("rate", p.rate, range_check::any);
    f("amplitude", p.amplitude, range_check::any);
    f("frequency", p.frequency, range_check::any);
    f("phase", p.phase, range_check::any);
    f("order", p.order, range_check::any);
    f("origin", p.origin, range_check::any);
    f("start", p.start, range_check::non_negative);
    f("stop", p.stop, range_check::any);
  }
  static const char* validate(const params& p) {
    using namespace nest_generators;
    const double g = p.order.value, r = p.rate.value, a = p.amplitude.value;
    if (!(g >= 1) || !std::isfinite(g)) return problem("order = %g: the gamma order must be at least 1 (NEST)", g);
    if (!std::isfinite(r) || !std::isfinite(a) || !(0 <= a && a <= r))
      return problem("amplitude = %g Hz: rate parameters must fulfill 0 <= amplitude <= rate (NEST), rate = %g Hz",
                     a * 1e3, r * 1e3);
    if (!std::isfinite(p.frequency.value) || !std::isfinite(p.phase.value))
      return problem("frequency = %g Hz and phase must be finite", p.frequency.value * 1e3);
    return check_window(p.start.value, p.stop.value);
  }
  static constants derive(const params& p, double dt) {
    constants c{};
    c.rate = p.rate.value;
    c.amplitude = p.amplitude.value;
    c.omega = 2.0 * 3.14159265358979323846 * p.frequency.value;
    c.phi = p.phase.value * 3.14159265358979323846 / 180.0;
    c.order = p.order.value;
    c.log_gamma_order = std::lgamma(p.order.value);
    c.dt = dt;
    c.active = nest_generators::window_of(p.origin.value, p.start.value, p.stop.value, dt);
    return c;
  }
  static void initial_state(const params&, real_t* s) {
    s[t0] = 0;
    s[rate] = 0;
    s[multiplicity] = 0;
    s[step] = 0;
  }
  // order * integral of the rate over [ta, tb] (NEST's deltaLambda).
  VOLLEY_HD VOLLEY_INLINE static double integrated(const constants& c, double ta, double tb) {
    if (ta == tb) return 0.0;
    double L = c.order * c.rate * (tb - ta);
    if (c.amplitude != 0 && c.omega != 0)
      L -= c.order * c.amplitude / c.omega * (::cos(c.omega * tb + c.phi) - ::cos(c.omega * ta + c.phi));
    return L;
  }
  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const double k = s[step];
    s[step] = static_cast<real_t>(k + 1);
    s[multiplicity] = 0;
    const double t = (k + 1) * c.dt;  // the stamp, at which NEST evaluates rate and hazard
    const double r = c.rate + c.amplitude * ::sin(c.omega * t + c.phi);
    s[rate] = static_cast<real_t>(r);
    if (!(r > 0 && k > c.active.after && k <= c.active.until)) return false;
    const double L = integrated(c, static_cast<double>(s[t0]), t);
    const double hazard = c.dt * c.order * r * nest_generators::gamma_hazard_ratio(c.order, c.log_gamma_order, L);
    if (!(in.stream->uniform() < hazard)) return false;
    s[t0] = static_cast<real_t>(t);
    s[multiplicity] = 1;
    return true;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::gamma_sup_generator)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::ppd_sup_generator)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::poisson_generator_ps)
VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::sinusoidal_gamma_generator)
