// The differentiable part of the BrainPy-style neurons (contract: models/model_kit.hpp), for every such model and
// both readouts:
//  - free_update_jacobian (J and dI) against 5-point central finite differences of free_update, at random states
//    and inputs, for two parameter sets and two step sizes;
//  - spike_argument_grad against finite differences of spike_argument;
//  - update() == free_update, then the spike test H(spike_argument) (rising edge where the model says so), then a
//    reset written out again here from each model's documentation, bitwise, on random non-refractory states;
//    variables outside reset_targets must come out of a spiking step untouched;
//  - default_surrogate() is brainpy.state's ReluGrad(0.3, 1) with a positive derivative at x = 0;
//  - the checker itself fails on a Jacobian or spike gradient that is wrong by 1e-5 relative.
// Errors are compared after scaling each variable by a typical size (J[q][r] * scale_r / scale_q, scale_q raised to
// |s_new[q]| where that is larger), relative to max(|exact|, |finite difference|, 1e-3): entries below 1e-3 in
// those units get an absolute tolerance of 1e-9. Steps: 1e-4 of the scale (or of |s|), rounded to a power of two.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "models/differentiable.hpp"
#include "models/model_list.hpp"
#include "models/surrogate.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_derivatives {

using namespace volley;
using namespace volley::models;

namespace {

constexpr double tolerance = 1e-6;
constexpr double floor_scaled = 1e-3;
constexpr double fd_step = 1e-4;  // finite-difference step, in units of each variable's scale
// ... and of the drive's: every free_update here is affine in the drive (the current enters linearly and the later
// variables depend linearly on the new V), so a larger step only lowers the rounding noise
constexpr double fd_step_drive = 1e-2;

struct var_range {
  double lo, hi;  // sampling interval
  double scale;   // typical size: finite-difference step and error normalisation
};

// ---- per-model test setups: parameter sets, sampling ranges of the smooth variables, drive and delta input ----
template <class M>
struct setup;

template <bool R>
struct setup<lif_family<R>> {
  using M = lif_family<R>;
  static std::vector<typename M::params> param_sets() {
    auto p = M::defaults();  // V_th 1 mV, V_reset 0, R 1 ohm: drive in GpA
    auto q = M::defaults();
    q.R = units::resistance_q(0.1);  // 100 Mohm
    q.tau = units::time_q(10.0);
    q.V_rest = units::voltage_q(-65.0);
    q.V_reset = units::voltage_q(-70.0);
    q.V_th = units::voltage_q(-50.0);
    q.spk_reset = reset_mode::hard;
    return {p, q};
  }
  static std::vector<std::array<var_range, 1>> vars() { return {{{{-1.0, 2.0, 1.0}}}, {{{-80.0, -45.0, 10.0}}}}; }
  static std::vector<var_range> drive() { return {{-1e9, 3e9, 1e9}, {-100.0, 300.0, 100.0}}; }
};

template <>
struct setup<IF> {
  static std::vector<if_params> param_sets() {
    auto p = IF::defaults();
    auto q = IF::defaults();
    q.R = units::resistance_q(0.1);
    q.V_th = units::voltage_q(10.0);
    q.spk_reset = reset_mode::hard;
    return {p, q};
  }
  static std::vector<std::array<var_range, 1>> vars() { return {{{{-1.0, 2.0, 1.0}}}, {{{-5.0, 15.0, 10.0}}}}; }
  static std::vector<var_range> drive() { return {{-1e9, 3e9, 1e9}, {-100.0, 300.0, 100.0}}; }
};

template <>
struct setup<ALIF> {
  static std::vector<alif_params> param_sets() {
    auto p = ALIF::defaults();
    auto q = ALIF::defaults();
    q.R = units::resistance_q(0.1);
    q.V_rest = units::voltage_q(-65.0);
    q.V_reset = units::voltage_q(-65.0);
    q.V_th = units::voltage_q(-50.0);
    q.beta = units::voltage_q(2.0);
    q.spk_reset = reset_mode::hard;
    return {p, q};
  }
  static std::vector<std::array<var_range, 2>> vars() {
    return {{{{-1.0, 2.0, 1.0}, {0.0, 5.0, 1.0}}}, {{{-80.0, -40.0, 10.0}, {0.0, 5.0, 1.0}}}};
  }
  static std::vector<var_range> drive() { return {{-1e9, 3e9, 1e9}, {-100.0, 300.0, 100.0}}; }
};

template <bool A, bool R>
struct setup<expif_family<A, R>> {
  using M = expif_family<A, R>;
  static std::vector<typename M::params> param_sets() {
    auto p = M::defaults();  // R = 1 ohm, a = 1 S, b = 1 mA: w and the drive in GpA
    auto q = M::defaults();
    q.spk_reset = reset_mode::hard;
    q.R = units::resistance_q(0.5);
    q.a = units::conductance_q(4.0);
    q.b = units::current_q(80.0);
    q.tau_w = units::time_q(100.0);
    return {p, q};
  }
  static std::vector<std::array<var_range, M::n_diff_state>> vars() {
    // V up to -36 mV: the exponential makes spikes (V_th -30 / -55 mV) and steps of 1e4 mV there
    if constexpr (A)
      return {{{{-75.0, -36.0, 10.0}, {-1e10, 3e10, 1e10}}}, {{{-75.0, -36.0, 10.0}, {-50.0, 200.0, 100.0}}}};
    else
      return {{{{-75.0, -36.0, 10.0}}}, {{{-75.0, -36.0, 10.0}}}};
  }
  static std::vector<var_range> drive() { return {{-1e10, 3e10, 1e10}, {-20.0, 60.0, 20.0}}; }
};

template <bool A, bool R>
struct setup<quaif_family<A, R>> {
  using M = quaif_family<A, R>;
  static std::vector<typename M::params> param_sets() {
    auto p = M::defaults();  // R = 1 ohm, a = 1 S, b = 0.1 mA
    auto q = M::defaults();
    q.spk_reset = reset_mode::hard;
    q.R = units::resistance_q(0.2);
    q.a = units::conductance_q(2.0);
    q.b = units::current_q(50.0);
    return {p, q};
  }
  static std::vector<std::array<var_range, M::n_diff_state>> vars() {
    if constexpr (A)
      return {{{{-75.0, -25.0, 10.0}, {-1e10, 2e10, 1e10}}}, {{{-75.0, -25.0, 10.0}, {-20.0, 100.0, 50.0}}}};
    else
      return {{{{-75.0, -25.0, 10.0}}}, {{{-75.0, -25.0, 10.0}}}};
  }
  static std::vector<var_range> drive() { return {{-1e10, 3e10, 1e10}, {-50.0, 150.0, 50.0}}; }
};

template <bool R>
struct setup<izhikevich_family<R>> {
  using M = izhikevich_family<R>;
  static std::vector<typename M::params> param_sets() {
    auto p = M::defaults();
    auto q = M::defaults();  // fast spiking (Izhikevich 2003): a 0.1, d 2
    q.a = units::rate_q(0.1);
    q.d = units::quantity<izhikevich_params::mV_per_ms>(2.0);
    return {p, q};
  }
  static std::vector<std::array<var_range, 2>> vars() {
    return {{{{-80.0, 35.0, 10.0}, {-20.0, 10.0, 10.0}}}, {{{-80.0, 35.0, 10.0}, {-20.0, 10.0, 10.0}}}};
  }
  static std::vector<var_range> drive() { return {{-10.0, 30.0, 10.0}, {-10.0, 30.0, 10.0}}; }
};

template <>
struct setup<FitzHughNagumo> {
  static std::vector<fitzhugh_nagumo_params> param_sets() {
    auto p = FitzHughNagumo::defaults();
    auto q = p;
    q.b = units::dimensionless_q(0.0);  // the w_step = dt / tau_w branch
    q.V_th = units::dimensionless_q(-0.5);
    return {p, q};
  }
  static std::vector<std::array<var_range, 2>> vars() {
    return {{{{-2.5, 2.5, 1.0}, {-1.0, 2.0, 1.0}}}, {{{-2.5, 2.5, 1.0}, {-1.0, 2.0, 1.0}}}};
  }
  static std::vector<var_range> drive() { return {{-1.0, 2.0, 1.0}, {-1.0, 2.0, 1.0}}; }
};

template <>
struct setup<HindmarshRose> {
  static std::vector<hindmarsh_rose_params> param_sets() { return {HindmarshRose::defaults()}; }
  static std::vector<std::array<var_range, 3>> vars() {
    return {{{{-2.0, 2.5, 1.0}, {-15.0, 2.0, 5.0}, {-1.0, 3.0, 1.0}}}};
  }
  static std::vector<var_range> drive() { return {{-1.0, 4.0, 1.0}}; }
};

template <bool R>
struct setup<gif_family<R>> {
  using M = gif_family<R>;
  static std::vector<typename M::params> param_sets() {
    auto p = M::defaults();  // R = 20 ohm: currents in 1e8 pA
    auto q = M::defaults();
    q.a = units::rate_q(0.005);
    q.R1 = units::dimensionless_q(0.5);
    q.A1 = units::current_q(1e8);
    q.A2 = units::current_q(-5e7);
    q.spk_reset = reset_mode::hard;
    return {p, q};
  }
  static std::vector<std::array<var_range, 4>> vars() {
    const std::array<var_range, 4> v{{{-80.0, -40.0, 10.0}, {-5e8, 5e8, 1e8}, {-5e8, 5e8, 1e8}, {-58.0, -40.0, 10.0}}};
    return {v, v};
  }
  static std::vector<var_range> drive() { return {{-5e8, 1.5e9, 5e8}, {-5e8, 1.5e9, 5e8}}; }
};

template <>
struct setup<HH> {
  static std::vector<hh_params> param_sets() { return {HH::defaults()}; }
  static std::vector<std::array<var_range, 4>> vars() {
    return {{{{-80.0, 40.0, 10.0}, {0.02, 0.98, 1.0}, {0.02, 0.98, 1.0}, {0.02, 0.98, 1.0}}}};
  }
  static std::vector<var_range> drive() { return {{-1e7, 3e7, 1e7}}; }      // -10 .. 30 uA
  static std::vector<double> special_v() { return {-40.0, -55.0, -65.0}; }  // 0/0 points of the linoid rates
};

template <>
struct setup<WangBuzsakiHH> {
  static std::vector<hh_params> param_sets() { return {WangBuzsakiHH::defaults()}; }
  static std::vector<std::array<var_range, 3>> vars() {
    return {{{{-80.0, 40.0, 10.0}, {0.02, 0.98, 1.0}, {0.02, 0.98, 1.0}}}};
  }
  static std::vector<var_range> drive() { return {{-1e6, 3e6, 1e6}}; }
  static std::vector<double> special_v() { return {-35.0, -34.0}; }
};

template <>
struct setup<MorrisLecar> {
  static std::vector<morris_lecar_params> param_sets() { return {MorrisLecar::defaults()}; }
  static std::vector<std::array<var_range, 2>> vars() { return {{{{-70.0, 40.0, 10.0}, {0.0, 0.8, 1.0}}}}; }
  static std::vector<var_range> drive() { return {{-5e7, 1.5e8, 5e7}}; }  // -50 .. 150 uA
};

template <>
struct setup<LeakyRateReadout> {
  static std::vector<rate_readout_params> param_sets() { return {LeakyRateReadout::defaults()}; }
  static std::vector<std::array<var_range, 1>> vars() { return {{{{-5.0, 5.0, 1.0}}}}; }
  static std::vector<var_range> drive() { return {{-1.0, 1.0, 1.0}}; }
};

template <>
struct setup<LeakySpikeReadout> {
  static std::vector<spike_readout_params> param_sets() {
    auto q = LeakySpikeReadout::defaults();
    q.spk_reset = reset_mode::hard;
    return {LeakySpikeReadout::defaults(), q};
  }
  static std::vector<std::array<var_range, 1>> vars() { return {{{{-1.0, 2.0, 1.0}}}, {{{-1.0, 2.0, 1.0}}}}; }
  static std::vector<var_range> drive() { return {{-2.0, 3.0, 1.0}, {-2.0, 3.0, 1.0}}; }
};

// ---- helpers ----

template <class M>
constexpr bool takes_current() {
  if constexpr (requires { M::takes_current; })
    return M::takes_current;
  else
    return true;
}

template <class M>
struct sample {
  std::array<real_t, M::n_state> s{};
  double drive = 0, delta = 0;
};

template <class M>
models::neuron_input make_input(double drive, double delta, real_t* port) {
  port[0] = takes_current<M>() ? real_t(0) : static_cast<real_t>(drive);
  return {takes_current<M>() ? static_cast<real_t>(drive) : real_t(0), static_cast<real_t>(delta), port, 0};
}

template <class M>
std::array<real_t, M::n_state> free_step(const typename M::constants& c, std::array<real_t, M::n_state> s, double drive,
                                         double delta) {
  real_t port[1];
  M::free_update(c, s.data(), make_input<M>(drive, delta, port));
  return s;
}

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

template <class M, class S>
sample<M> draw(std::mt19937_64& rng, const std::array<var_range, M::n_diff_state>& vars, const var_range& drive) {
  sample<M> x;
  for (int q = 0; q < M::n_diff_state; ++q) x.s[q] = uniform(rng, vars[q].lo, vars[q].hi);
  for (int q = M::n_diff_state; q < M::n_state; ++q) x.s[q] = 0;  // not refractory
  if constexpr (requires { S::special_v(); }) {
    const auto special = S::special_v();
    if (std::uniform_int_distribution<int>(0, 3)(rng) == 0)
      x.s[0] = special[std::uniform_int_distribution<std::size_t>(0, special.size() - 1)(rng)];
  }
  x.drive = uniform(rng, drive.lo, drive.hi);
  x.delta = uniform(rng, -0.1, 0.1) * vars[0].scale;
  return x;
}

// Step for a variable of typical size 'scale' at value x: fd_step times the larger of the two, rounded to a power of
// two so that x +- h and x +- 2h are (nearly always) exact and the step taken is the step assumed.
double step_for(double scale, double x, double rel = fd_step) {
  return std::exp2(std::round(std::log2(rel * std::max(scale, std::fabs(x)))));
}

// 5-point central difference of f at 0 with step h: (8 (f(h) - f(-h)) - (f(2h) - f(-2h))) / 12h (differences first:
// an output that does not depend on the variable gives exactly 0).
template <class F>
auto central_difference(F&& f, double h) {
  const auto m2 = f(-2 * h), m1 = f(-h), p1 = f(h), p2 = f(2 * h);
  auto d = m2;
  for (std::size_t q = 0; q < d.size(); ++q) d[q] = (8 * (p1[q] - m1[q]) - (p2[q] - m2[q])) / (12 * h);
  return d;
}

double scaled_error(double exact, double fd, double scale_ratio) {
  const double a = exact * scale_ratio, b = fd * scale_ratio;
  return std::fabs(a - b) / std::max({std::fabs(a), std::fabs(b), floor_scaled});
}

struct worst_errors {
  double J = 0, dI = 0, grad = 0;
  std::string where_J, where_dI, where_grad;
  int samples = 0;
};

// Checks M's Jacobian, dI and spike-argument gradient (with the ranges of setup S) at n random samples per
// parameter set and step size; returns the worst scaled relative errors.
template <class M, class S = setup<M>>
worst_errors check_derivatives(int n, unsigned seed) {
  constexpr int N = M::n_state;
  worst_errors w;
  std::mt19937_64 rng(seed);
  const auto params = S::param_sets();
  const auto ranges = S::vars();
  const auto drives = S::drive();
  for (std::size_t k = 0; k < params.size(); ++k) {
    std::array<double, N> scale;
    for (int q = 0; q < N; ++q) scale[q] = q < M::n_diff_state ? ranges[k][q].scale : 1.0;
    for (double dt : {0.1, 0.025}) {
      const auto c = M::derive(params[k], dt);
      for (int i = 0; i < n; ++i) {
        const sample<M> x = draw<M, S>(rng, ranges[k], drives[k]);
        real_t J[N * N], dI[N], port[1];
        M::free_update_jacobian(c, x.s.data(), make_input<M>(x.drive, x.delta, port), J, dI);
        const std::string at =
            " (param set " + std::to_string(k) + ", dt " + std::to_string(dt) + ", V " + std::to_string(x.s[0]) + ")";
        // outputs are normalised by their typical size, or their actual size where that is larger (a V of 1e4 mV
        // after an exponential upswing carries rounding noise of 1e4 eps)
        const auto out = free_step<M>(c, x.s, x.drive, x.delta);
        std::array<double, N> out_scale;
        for (int q = 0; q < N; ++q) out_scale[q] = std::max(scale[q], std::fabs(double(out[q])));
        for (int r = 0; r < N; ++r) {
          const double h = step_for(scale[r], x.s[r]);
          const auto fd = central_difference(
              [&](double e) {
                auto s = x.s;
                s[r] += static_cast<real_t>(e);
                return free_step<M>(c, s, x.drive, x.delta);
              },
              h);
          for (int q = 0; q < N; ++q) {
            const double err = scaled_error(J[q * N + r], fd[q], scale[r] / out_scale[q]);
            if (err > w.J || !std::isfinite(err)) {
              w.J = std::isfinite(err) ? err : 1e300;
              w.where_J = "d s[" + std::to_string(q) + "] / d s[" + std::to_string(r) +
                          "] = " + std::to_string(J[q * N + r]) + ", finite difference " + std::to_string(fd[q]) + at;
            }
          }
        }
        const double hI = step_for(drives[k].scale, x.drive, fd_step_drive);
        const auto fdI = central_difference([&](double e) { return free_step<M>(c, x.s, x.drive + e, x.delta); }, hI);
        for (int q = 0; q < N; ++q) {
          const double err = scaled_error(dI[q], fdI[q], drives[k].scale / out_scale[q]);
          if (err > w.dI || !std::isfinite(err)) {
            w.dI = std::isfinite(err) ? err : 1e300;
            w.where_dI = "d s[" + std::to_string(q) + "] / d drive = " + std::to_string(dI[q]) +
                         ", finite difference " + std::to_string(fdI[q]) + at;
          }
        }
        if constexpr (differentiable_spiking_model<M>) {
          // the spike argument is evaluated on the state free_update produces
          const auto& pre = out;
          const double x_scale = std::max(1.0, std::fabs(double(M::spike_argument(c, pre.data()))));
          real_t g[N];
          M::spike_argument_grad(c, pre.data(), g);
          for (int r = 0; r < N; ++r) {
            const auto fd = central_difference(
                [&](double e) {
                  auto s = pre;
                  s[r] += static_cast<real_t>(e);
                  return std::array<double, 1>{M::spike_argument(c, s.data())};
                },
                step_for(scale[r], pre[r]));
            const double err = scaled_error(g[r], fd[0], scale[r] / x_scale);
            if (err > w.grad || !std::isfinite(err)) {
              w.grad = std::isfinite(err) ? err : 1e300;
              w.where_grad = "d x / d s[" + std::to_string(r) + "] = " + std::to_string(g[r]) + ", finite difference " +
                             std::to_string(fd[0]) + at;
            }
          }
        }
        ++w.samples;
      }
    }
  }
  return w;
}

// Each model's reset as its header documents it, written out again (applied to the free state of a spiking step).
template <class M>
void reference_reset(const typename M::constants& c, real_t* s, const real_t* s_old) {
  using K = typename M::constants;
  if constexpr (std::is_same_v<K, lif_constants>) {
    s[M::V] = c.soft_reset ? s[M::V] - (c.V_th - c.V_reset) : c.V_reset;
  } else if constexpr (std::is_same_v<K, if_constants> || std::is_same_v<K, spike_readout_constants>) {
    s[M::V] = c.soft_reset ? s[M::V] - c.V_th : real_t(0);
  } else if constexpr (std::is_same_v<K, alif_constants>) {
    s[M::V] = c.soft_reset ? s[M::V] - (c.V_th - c.V_reset) : c.V_reset;
    s[M::a] += 1;
  } else if constexpr (std::is_same_v<K, expif_constants> || std::is_same_v<K, quaif_constants>) {
    s[M::V] = c.soft_reset ? s[M::V] - (c.V_th - c.V_reset) : c.V_reset;
    if constexpr (M::n_diff_state == 2) {
      // the spike step's w sees V cut at V_th (models/expif.hpp), then jumps by b
      const real_t w0 = s_old[M::w];
      if constexpr (std::is_same_v<K, expif_constants>) {
        const real_t w_inf = c.a * (c.V_th - c.V_rest);
        s[M::w] = w_inf + (w0 - w_inf) * c.decay_w + c.b;
      } else {
        s[M::w] = w0 + c.w_gain * (c.a * (c.V_th - c.V_rest) - w0) + c.b;
      }
    }
  } else if constexpr (std::is_same_v<K, izhikevich_constants>) {
    s[M::V] = c.c;
    s[M::u] += c.d;
  } else if constexpr (std::is_same_v<K, gif_constants>) {
    const real_t th = s[M::V_th];
    s[M::V] = c.soft_reset ? s[M::V] - (th - c.V_reset) : c.V_reset;
    s[M::I1] = c.R1 * s[M::I1] + c.A1;
    s[M::I2] = c.R2 * s[M::I2] + c.A2;
    s[M::V_th] = std::max(th, c.V_th_reset);
  } else {
    static_assert(M::spike_on_rising_edge, "a model with a reset needs its reference reset here");
  }
}

template <class M>
double ref_steps(const typename M::constants& c) {
  if constexpr (requires { c.ref_steps; })
    return c.ref_steps;
  else
    return 0;
}

template <class M>
class Derivative : public ::testing::Test {};

using derivative_models = ::testing::Types<LIF, LIFRef, IF, ALIF, ExpIF, ExpIFRef, AdExIF, AdExIFRef, QuaIF, AdQuaIF,
                                           AdQuaIFRef, Izhikevich, IzhikevichRef, FitzHughNagumo, HindmarshRose, Gif,
                                           GifRef, HH, WangBuzsakiHH, MorrisLecar, LeakyRateReadout, LeakySpikeReadout>;
struct model_name {
  template <class M>
  static std::string GetName(int) {
    return M::name;
  }
};
TYPED_TEST_SUITE(Derivative, derivative_models, model_name);

TYPED_TEST(Derivative, JacobianAndSpikeGradientMatchFiniteDifferences) {
  using M = TypeParam;
  if (sizeof(real_t) != sizeof(double)) GTEST_SKIP() << "finite differences need VOLLEY_REAL=double";
  static_assert(differentiable_model<M>);
  const worst_errors w = check_derivatives<M>(200, 12345);
  std::printf("[ %s ] worst scaled relative error over %d samples: J %.2e, dI %.2e, spike gradient %.2e\n", M::name,
              w.samples, w.J, w.dI, w.grad);
  EXPECT_LT(w.J, tolerance) << w.where_J;
  EXPECT_LT(w.dI, tolerance) << w.where_dI;
  EXPECT_LT(w.grad, tolerance) << w.where_grad;
  if (std::getenv("VOLLEY_DERIVATIVE_VERBOSE"))
    std::printf("  J: %s\n  dI: %s\n  grad: %s\n", w.where_J.c_str(), w.where_dI.c_str(), w.where_grad.c_str());
}

TYPED_TEST(Derivative, UpdateIsFreeUpdateThenSpikeAndReset) {
  using M = TypeParam;
  constexpr int N = M::n_state;
  std::mt19937_64 rng(777);
  const auto params = setup<M>::param_sets();
  const auto ranges = setup<M>::vars();
  const auto drives = setup<M>::drive();
  int spikes = 0, silent = 0;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto c = M::derive(params[k], 0.1);
    for (int i = 0; i < 4000; ++i) {
      const sample<M> x = draw<M, setup<M>>(rng, ranges[k], drives[k]);
      auto s = x.s;
      real_t port[1];
      const bool spike = M::update(c, s.data(), make_input<M>(x.drive, x.delta, port));
      const auto f = free_step<M>(c, x.s, x.drive, x.delta);
      auto expect = f;
      bool expect_spike = false;
      if constexpr (differentiable_spiking_model<M>) {
        expect_spike = M::spike_argument(c, f.data()) >= 0;
        if (M::spike_on_rising_edge) expect_spike = expect_spike && !(M::spike_argument(c, x.s.data()) >= 0);
        if (expect_spike && !M::spike_on_rising_edge) {
          reference_reset<M>(c, expect.data(), x.s.data());
          for (int q = M::n_diff_state; q < N; ++q) expect[q] = static_cast<real_t>(ref_steps<M>(c));
          for (int q = 0; q < M::n_diff_state; ++q) {
            const bool target =
                std::find(M::reset_targets.begin(), M::reset_targets.end(), q) != M::reset_targets.end();
            if (!target) {
              EXPECT_EQ(s[q], f[q]) << M::name << ": s[" << q << "] is not a reset target";
            }
          }
        }
      }
      ASSERT_EQ(spike, expect_spike) << M::name << " sample " << i << " V " << x.s[0];
      for (int q = 0; q < N; ++q)
        ASSERT_EQ(s[q], expect[q]) << M::name << " s[" << q << "], sample " << i << ", spike " << spike;
      (spike ? spikes : silent)++;
    }
  }
  EXPECT_GT(silent, 0);
  if constexpr (differentiable_spiking_model<M>) {
    EXPECT_GT(spikes, 0) << "no spiking sample: widen the ranges";
  }
  std::printf("[ %s ] %d spiking and %d silent steps bitwise equal\n", M::name, spikes, silent);
}

// reset_jacobian (Rf = d r / d f, Rs = d r / d s) against central differences of reset_state, at random (s, f).
TYPED_TEST(Derivative, ResetJacobianMatchesFiniteDifferences) {
  using M = TypeParam;
  if constexpr (!resetting_model<M>) {
    GTEST_SKIP() << M::name << " has no reset";
  } else {
    if (sizeof(real_t) != sizeof(double)) GTEST_SKIP() << "finite differences need VOLLEY_REAL=double";
    constexpr int N = M::n_state;
    std::mt19937_64 rng(4242);
    const auto params = setup<M>::param_sets();
    const auto ranges = setup<M>::vars();
    const auto drives = setup<M>::drive();
    double worst = 0;
    for (std::size_t k = 0; k < params.size(); ++k)
      for (const bool soft : {false, true}) {
        auto p = params[k];
        if constexpr (requires { p.spk_reset; }) p.spk_reset = soft ? reset_mode::soft : reset_mode::hard;
        const auto c = M::derive(p, 0.1);
        for (int i = 0; i < 200; ++i) {
          const sample<M> x = draw<M, setup<M>>(rng, ranges[k], drives[k]);
          const auto f = free_step<M>(c, x.s, x.drive, x.delta);
          real_t Rf[N * N], Rs[N * N];
          M::reset_jacobian(c, x.s.data(), f.data(), Rf, Rs);
          for (int which = 0; which < 2; ++which)
            for (int r = 0; r < M::n_diff_state; ++r) {
              const double h = fd_step * ranges[k][r].scale;
              auto plus_s = x.s, minus_s = x.s;
              auto plus_f = f, minus_f = f;
              (which == 0 ? plus_f : plus_s)[r] += real_t(h);
              (which == 0 ? minus_f : minus_s)[r] -= real_t(h);
              real_t rp[N], rm[N];
              for (int q = 0; q < N; ++q) rp[q] = plus_f[q], rm[q] = minus_f[q];
              M::reset_state(c, plus_s.data(), plus_f.data(), rp);
              M::reset_state(c, minus_s.data(), minus_f.data(), rm);
              for (int q = 0; q < M::n_diff_state; ++q) {
                const double fd = (double(rp[q]) - double(rm[q])) / (2 * h);
                const double exact = (which == 0 ? Rf : Rs)[q * N + r];
                const double err = std::fabs(fd - exact) / std::max({std::fabs(fd), std::fabs(exact), 1.0});
                worst = std::max(worst, err);
                ASSERT_LT(err, 1e-6) << M::name << (which == 0 ? " Rf[" : " Rs[") << q << "][" << r << "]: exact "
                                     << exact << ", finite difference " << fd;
              }
            }
        }
      }
    std::printf("[ %s ] reset Jacobian worst relative error %.2e\n", M::name, worst);
  }
}

TYPED_TEST(Derivative, DefaultSurrogateIsReluGradWithPositiveSlopeAtZero) {
  using M = TypeParam;
  if constexpr (differentiable_spiking_model<M>) {
    const surrogate g = M::default_surrogate();
    EXPECT_EQ(g.kind, surrogate_kind::relu_grad);
    EXPECT_EQ(g.p1, real_t(0.3));
    EXPECT_EQ(g.p2, real_t(1));
    EXPECT_GT(surrogate_grad(g, 0), 0);
    // and it is zero far from threshold, so only near-threshold steps pass gradient through the spike
    EXPECT_EQ(surrogate_grad(g, 2), 0);
  } else {
    SUCCEED() << M::name << " does not spike";
  }
}

TYPED_TEST(Derivative, CountersPassThroughFreeUpdate) {
  using M = TypeParam;
  if constexpr (M::n_diff_state < M::n_state) {
    std::mt19937_64 rng(5);
    const auto params = setup<M>::param_sets();
    const auto c = M::derive(params[0], 0.1);
    sample<M> x = draw<M, setup<M>>(rng, setup<M>::vars()[0], setup<M>::drive()[0]);
    x.s[M::n_state - 1] = 7;
    const auto f = free_step<M>(c, x.s, x.drive, x.delta);
    EXPECT_EQ(f[M::n_state - 1], 7);
    real_t g[M::n_state];
    M::spike_argument_grad(c, f.data(), g);
    EXPECT_EQ(g[M::n_state - 1], 0);
  }
}

// ---- the checker fails on a wrong entry ----

struct broken_adex_jacobian : AdExIF {
  static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in, real_t* J, real_t* dI) {
    AdExIF::free_update_jacobian(c, s, in, J, dI);
    J[w * n_state + V] *= 1 + 1e-5;
  }
};
struct broken_hh_dI : HH {
  static void free_update_jacobian(const constants& c, const real_t* s, const neuron_input& in, real_t* J, real_t* dI) {
    HH::free_update_jacobian(c, s, in, J, dI);
    dI[V] *= 1 + 1e-5;
  }
};
struct broken_gif_gradient : Gif {
  static void spike_argument_grad(const constants& c, const real_t* s, real_t* g) {
    Gif::spike_argument_grad(c, s, g);
    g[V_th] *= 1 + 1e-5;
  }
};

TEST(DerivativeChecker, FailsOnAnEntryWrongBy1e5) {
  if (sizeof(real_t) != sizeof(double)) GTEST_SKIP() << "finite differences need VOLLEY_REAL=double";
  EXPECT_GT((check_derivatives<broken_adex_jacobian, setup<AdExIF>>(20, 1).J), 5 * tolerance);
  EXPECT_GT((check_derivatives<broken_hh_dI, setup<HH>>(20, 1).dI), 5 * tolerance);
  EXPECT_GT((check_derivatives<broken_gif_gradient, setup<Gif>>(20, 1).grad), 5 * tolerance);
  // and the unbroken ones pass at the same samples
  EXPECT_LT((check_derivatives<AdExIF>(20, 1).J), tolerance);
}

}  // namespace

}  // namespace test_model_derivatives
