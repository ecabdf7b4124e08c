// brainpy.state's ExpIF, ExpIFRef, AdExIF, AdExIFRef against independent references written here:
//  - the ODEs integrated with classical RK4 (double, step dt/100), for trajectories and spike times;
//  - the leading term of the exponential-Euler error, integrated along the RK4 solution (below), for the tolerance;
//  - one step of the scheme written out again, for the exact reset / refractory / adaptation-jump semantics.
//
// Error budget of the engine's exponential Euler at step h (x_exact - x_engine after one step from the same state):
//  ExpIF, x' = F(x) scalar with the exact J = F'(x):  x + h phi(hJ) F = x + h F + h^2/2 J F + h^3/6 J^2 F + ...
//    against the Taylor series x + h F + h^2/2 F'F + h^3/6 (F''F^2 + F'^2 F): local error h^3/6 F'' F^2, so the
//    method is second order (exponential Rosenbrock-Euler) and the global error obeys
//      E' = J E + h^2/6 F''(V) F(V)^2,      F'' = exp((V - V_T)/delta_T) / (delta_T tau).
//  AdExIF, V step with w held at w_n, then w step with V held at V_{n+1}: local errors
//      V: -h^2/2 (R/tau) G,   w: -h^2/2 (a/tau_w) F         (G = dw/dt)
//    so the pair is first order and E' = Jfull E + h/2 (-(R/tau) G, -(a/tau_w) F), Jfull the 2x2 Jacobian.
// The tests integrate E along the RK4 reference and require the engine's actual error to equal it to within 2% of
// its maximum: the neglected terms are smaller by a factor O(h |J|, h / tau_w) ~ 1e-2 at dt = 0.1 ms (observed:
// 0.2-0.3% at 0.1 ms, shrinking with dt). At dt = 0.1 ms this predicts (and the engine shows) a V error of 2.8e-6 mV
// for the ExpIF case and 2.2e-3 mV / 2.4e6 pA (0.1% of w) for the AdEx case below. The observed order is checked
// as well: halving dt (0.1 -> 0.05 -> 0.025 ms) divides the error by 4 for ExpIF and by 2 for AdEx.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/expif.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_adex {

using namespace volley;
using namespace volley::units::literals;

namespace {

struct engine_run {
  std::vector<double> v, w;           // after each step; w empty for ExpIF*
  std::vector<std::uint32_t> spikes;  // spike steps
  std::string diverged;               // the divergence guard's message (run_stats::diverged), "" if finite
};

template <class Model>
engine_run run_engine(const models::expif_params& p, double dt, double current_pA, double t_ms, double w0 = 0) {
  network net({.dt = units::time_q(dt), .seed = 1});
  auto& pop = net.add_population<Model>("N", 1, p);
  if constexpr (Model::name[0] == 'A') pop.set_state(Model::w, 0, static_cast<real_t>(w0));
  net.add_constant_current("N", units::current_q(current_pA));
  run_options o;
  o.on_non_finite = non_finite_policy::stop;  // keep the whole record of a diverging run
  simulator sim(net, o);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  constexpr bool adaptive = Model::name[0] == 'A';  // AdExIF, AdExIFRef
  if (adaptive) sim.record_trace({"N", "w", {0}, 0.0_ms});
  const auto stats = sim.run(units::time_q(t_ms));
  engine_run r;
  r.diverged = stats.diverged;
  const auto& rec = sim.record();
  r.v.assign(rec.traces[0].values.begin(), rec.traces[0].values.end());
  if (adaptive) r.w.assign(rec.traces[1].values.begin(), rec.traces[1].values.end());
  r.spikes.assign(rec.spikes[0].step.begin(), rec.spikes[0].step.end());
  return r;
}

// The model's equations, written from brainpy.state's source (V mV, w pA, R GOhm, a nS, I pA, t ms).
struct adex_ode {
  double R, tau, tau_w, El, VT, dT, a, I;
  bool adaptive;
  explicit adex_ode(const models::expif_params& p, double current_pA, bool adapt)
      : R(p.R.value),
        tau(p.tau.value),
        tau_w(p.tau_w.value),
        El(p.V_rest.value),
        VT(p.V_T.value),
        dT(p.delta_T.value),
        a(adapt ? p.a.value : 0.0),
        I(current_pA),
        adaptive(adapt) {}
  double ex(double V) const { return std::exp((V - VT) / dT); }
  double F(double V, double w) const { return (-(V - El) + dT * ex(V) - R * w + R * I) / tau; }
  double G(double V, double w) const { return adaptive ? (a * (V - El) - w) / tau_w : 0.0; }
  double J(double V) const { return (ex(V) - 1) / tau; }    // dF/dV
  double F2(double V) const { return ex(V) / (dT * tau); }  // d2F/dV2
};

using state4 = std::array<double, 4>;  // V, w, E_V, E_w

// d/dt of (V, w) and of the predicted global error (E_V, E_w) of the engine's scheme at step h.
state4 with_error_equation(const adex_ode& m, const state4& x, double h) {
  const double V = x[0], w = x[1], F = m.F(V, w), G = m.G(V, w);
  state4 d{F, G, 0, 0};
  if (!m.adaptive) {
    d[2] = m.J(V) * x[2] + h * h / 6 * m.F2(V) * F * F;
  } else {
    d[2] = m.J(V) * x[2] - m.R / m.tau * x[3] - h / 2 * m.R / m.tau * G;
    d[3] = m.a / m.tau_w * x[2] - x[3] / m.tau_w - h / 2 * m.a / m.tau_w * F;
  }
  return d;
}

struct reference_run {
  std::vector<state4> at_steps;     // at the end of every engine step
  std::vector<double> spike_times;  // ms
};
enum class detect { none, continuous, on_grid };

// RK4 with 100 substeps per engine step. Spikes (V >= V_th, then V = V_reset, w += b; hard reset):
//  - continuous: the crossing time interpolated inside the fine step (the true spike time);
//  - on_grid: at the end of the engine step in which V crossed, as the time-stepped model defines a spike (after a
//    reset the discrete model has lost the time between crossing and step end, so its later spikes drift from the
//    continuous ones by up to a step per spike). Past V_th the ExpIF solution blows up within ~0.01 ms, so the
//    state is held from the crossing to the end of the step.
reference_run rk4_reference(const adex_ode& m, const models::expif_params& p, double dt, double t_ms, detect mode,
                            double h_error = 0, double w0 = 0) {
  const int sub = 100;
  const double h = dt / sub, th = p.V_th.value;
  const long steps = std::lround(t_ms / dt);
  reference_run r;
  state4 x{p.V_rest.value, w0, 0, 0};
  auto f = [&](const state4& y) { return with_error_equation(m, y, h_error); };
  auto axpy = [](const state4& y, double s, const state4& k) {
    state4 z;
    for (int q = 0; q < 4; ++q) z[q] = y[q] + s * k[q];
    return z;
  };
  for (long k = 0; k < steps; ++k) {
    bool crossed = false;
    for (int j = 0; j < sub && !crossed; ++j) {
      const state4 k1 = f(x), k2 = f(axpy(x, h / 2, k1)), k3 = f(axpy(x, h / 2, k2)), k4 = f(axpy(x, h, k3));
      state4 y;
      for (int q = 0; q < 4; ++q) y[q] = x[q] + h / 6 * (k1[q] + 2 * k2[q] + 2 * k3[q] + k4[q]);
      if (mode != detect::none && y[0] >= th) {
        if (mode == detect::continuous) {
          r.spike_times.push_back((k * sub + j) * h + h * (th - x[0]) / (y[0] - x[0]));
          y[0] = p.V_reset.value;
          y[1] += m.adaptive ? p.b.value : 0.0;
        } else {
          crossed = true;
          y = x;  // hold until the end of the step
        }
      }
      x = y;
    }
    if (crossed) {
      r.spike_times.push_back((k + 1) * dt);
      x[0] = p.V_reset.value;
      x[1] += m.adaptive ? p.b.value : 0.0;
    }
    r.at_steps.push_back(x);
  }
  return r;
}

long expected_step(double t, double dt) { return std::lround(std::ceil(t / dt - 1e-9)) - 1; }

// One step of the scheme, written out again: exponential Euler for V with w held, then the exact w step with the
// new V; no reset. Returns (V, w) before any reset.
std::array<double, 2> scheme_step(const adex_ode& m, double dt, double V, double w) {
  const double z = dt * m.J(V);
  const double phi = z == 0 ? 1.0 : std::expm1(z) / z;
  const double Vn = V + dt * phi * m.F(V, w);
  if (!m.adaptive) return {Vn, 0.0};
  const double w_inf = m.a * (Vn - m.El);
  return {Vn, w_inf + (w - w_inf) * std::exp(-dt / m.tau_w)};
}

models::expif_params hard(models::expif_params p) {
  p.spk_reset = reset_mode::hard;
  return p;
}

// ---- defaults and layout ----------------------------------------------------------------------------------------

TEST(BrainpyExpIF, DefaultsAreBrainpyStatesInInternalUnits) {
  const auto e = models::ExpIF::defaults();
  EXPECT_DOUBLE_EQ(e.R.value, (1.0_ohm).value);
  EXPECT_DOUBLE_EQ(e.tau.value, 10.0);
  EXPECT_DOUBLE_EQ(e.V_th.value, -30.0);
  EXPECT_DOUBLE_EQ(e.V_reset.value, -68.0);
  EXPECT_DOUBLE_EQ(e.V_rest.value, -65.0);
  EXPECT_DOUBLE_EQ(e.V_T.value, -59.9);
  EXPECT_DOUBLE_EQ(e.delta_T.value, 3.48);
  EXPECT_EQ(e.spk_reset, reset_mode::soft);
  EXPECT_DOUBLE_EQ(models::ExpIFRef::defaults().tau_ref.value, 1.7);
  const auto a = models::AdExIF::defaults();
  EXPECT_DOUBLE_EQ(a.V_th.value, -55.0);
  EXPECT_DOUBLE_EQ(a.tau_w.value, 30.0);
  EXPECT_DOUBLE_EQ(a.a.value, (1.0_S).value);  // 1 siemens = 1e9 nS
  EXPECT_DOUBLE_EQ(a.a.value, 1e9);
  EXPECT_DOUBLE_EQ(a.b.value, (1.0_mA).value);  // 1 mA = 1e9 pA
  EXPECT_DOUBLE_EQ(a.b.value, 1e9);
  EXPECT_DOUBLE_EQ(a.tau_ref.value, 0.0);
  const auto ar = models::AdExIFRef::defaults();
  EXPECT_DOUBLE_EQ(ar.tau_ref.value, 1.7);
  EXPECT_DOUBLE_EQ(ar.V_th.value, -55.0);
  // R b = 1 mV, a R = 1: the defaults are consistent in any unit system
  EXPECT_DOUBLE_EQ(a.R.value * a.b.value, 1.0);
  EXPECT_DOUBLE_EQ(a.R.value * a.a.value, 1.0);
}

TEST(BrainpyExpIF, StateLayoutAndParameterNames) {
  EXPECT_EQ(models::ExpIF::n_state, 1);
  EXPECT_EQ(models::ExpIFRef::n_state, 2);
  EXPECT_EQ(models::AdExIF::n_state, 2);
  EXPECT_EQ(models::AdExIFRef::n_state, 3);
  EXPECT_STREQ(models::AdExIFRef::state_fields[models::AdExIFRef::V].name, "V");
  EXPECT_STREQ(models::AdExIFRef::state_fields[models::AdExIFRef::w].name, "w");
  EXPECT_EQ(models::AdExIFRef::state_fields[models::AdExIFRef::w].dim, units::dims::current);
  EXPECT_STREQ(models::AdExIFRef::state_fields[models::AdExIFRef::refractory].name, "refractory_steps");
  EXPECT_STREQ(models::ExpIFRef::state_fields[models::ExpIFRef::refractory].name, "refractory_steps");
  std::string names;
  auto p = models::AdExIFRef::defaults();
  models::AdExIFRef::each_param(p, [&](const char* n, auto&, range_check) { names += std::string(n) + " "; });
  EXPECT_EQ(names, "R tau tau_w tau_ref V_th V_reset V_rest V_T delta_T a b spk_reset ");
  names.clear();
  models::ExpIF::each_param(p, [&](const char* n, auto&, range_check) { names += std::string(n) + " "; });
  EXPECT_EQ(names, "R tau V_th V_reset V_rest V_T delta_T spk_reset ");
}

// ---- subthreshold trajectories against RK4 and the predicted error ----------------------------------------------

struct error_study {
  double max_err = 0, max_pred = 0, max_mismatch = 0;
  void add(double err, double pred) {
    max_err = std::max(max_err, std::fabs(err));
    max_pred = std::max(max_pred, std::fabs(pred));
    max_mismatch = std::max(max_mismatch, std::fabs(err - pred));
  }
};

// Engine vs RK4 reference for V (and w), and the predicted error, on the common grid of 0.1 ms so that every dt
// is judged at the same times.
template <class Model>
std::array<error_study, 2> study(const models::expif_params& p, double current_pA, double dt, double t_ms,
                                 double w0 = 0) {
  constexpr bool adaptive = Model::name[0] == 'A';
  const adex_ode m(p, current_pA, adaptive);
  const auto e = run_engine<Model>(p, dt, current_pA, t_ms, w0);
  const auto r = rk4_reference(m, p, dt, t_ms, detect::none, dt, w0);
  EXPECT_TRUE(e.spikes.empty());
  std::array<error_study, 2> s;
  const long stride = std::lround(0.1 / dt);
  for (std::size_t k = stride - 1; k < e.v.size(); k += stride) {
    s[0].add(r.at_steps[k][0] - e.v[k], r.at_steps[k][2]);
    if (adaptive) s[1].add(r.at_steps[k][1] - e.w[k], r.at_steps[k][3]);
  }
  return s;
}

TEST(BrainpyExpIF, SubthresholdErrorIsThePredictedSecondOrderTerm) {
  // R I = 1.5 mV, just below the rheobase V_T - V_rest - delta_T = 1.62 mV: a slow, strongly nonlinear approach to
  // the stable fixed point near V_T.
  const auto p = hard(models::ExpIF::defaults());
  const double I = 1.5e9;
  std::vector<double> errs;
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto s = study<models::ExpIF>(p, I, dt, 100.0)[0];
    EXPECT_GT(s.max_pred, 1e-6 * (dt / 0.1) * (dt / 0.1)) << "dt " << dt;  // there is something to measure
    EXPECT_LT(s.max_mismatch, 0.02 * s.max_pred) << "dt " << dt << ": error " << s.max_err;
    errs.push_back(s.max_err);
  }
  for (int k = 0; k < 2; ++k) {
    EXPECT_GT(errs[k] / errs[k + 1], 3.2) << k;  // second order: 4
    EXPECT_LT(errs[k] / errs[k + 1], 4.8) << k;
  }
}

TEST(BrainpyAdExIF, SubthresholdErrorIsThePredictedFirstOrderTerm) {
  // Defaults (a R = 1), R I = 3.5 mV, and w(0) = 2 mA (R w = 2 mV): V dips, then rises through the strongly
  // nonlinear region below V_T (to about -61 mV) while w relaxes towards a (V - V_rest); no spike.
  // The first-order error has a particular solution E = (h/2) (F, 0) + homogeneous terms: to first order the
  // engine's w is the true w half a step later (E_w = -(h/2) dw/dt plus a transient), and E_V is driven only by
  // dw/dt at t = 0. Started at w = a (V - V_rest) (dw/dt = 0) the V error would be second order; w(0) = 2 mA makes
  // both first order.
  const auto p = hard(models::AdExIF::defaults());
  const double I = 3.5e9, w0 = 2e9;
  std::vector<double> errs_v, errs_w;
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto s = study<models::AdExIF>(p, I, dt, 150.0, w0);
    for (int q = 0; q < 2; ++q) {
      EXPECT_GT(s[q].max_pred, (q == 0 ? 1e-3 : 1e6) * dt / 0.1) << "dt " << dt << " var " << q;  // mV, pA
      EXPECT_LT(s[q].max_mismatch, 0.02 * s[q].max_pred) << "dt " << dt << " var " << q << ": error " << s[q].max_err;
    }
    errs_v.push_back(s[0].max_err);
    errs_w.push_back(s[1].max_err);
  }
  for (int k = 0; k < 2; ++k) {
    EXPECT_GT(errs_v[k] / errs_v[k + 1], 1.6) << k;  // first order: 2
    EXPECT_LT(errs_v[k] / errs_v[k + 1], 2.4) << k;
    EXPECT_GT(errs_w[k] / errs_w[k + 1], 1.6) << k;
    EXPECT_LT(errs_w[k] / errs_w[k + 1], 2.4) << k;
  }
}

// ---- spikes ---------------------------------------------------------------------------------------------------

template <class Model>
void expect_spikes_match_reference(const models::expif_params& p, double current_pA, double t_ms,
                                   std::size_t min_spikes) {
  constexpr bool adaptive = Model::name[0] == 'A';
  const double dt = 0.1;
  const adex_ode m(p, current_pA, adaptive);
  const auto e = run_engine<Model>(p, dt, current_pA, t_ms);
  const auto first = rk4_reference(m, p, dt, t_ms, detect::continuous);
  const auto grid = rk4_reference(m, p, dt, t_ms, detect::on_grid);
  ASSERT_GE(grid.spike_times.size(), min_spikes);
  ASSERT_FALSE(e.spikes.empty());
  EXPECT_LE(std::labs(long(e.spikes[0]) - expected_step(first.spike_times[0], dt)), 1L)
      << "first spike: engine step " << e.spikes[0] << ", reference t = " << first.spike_times[0] << " ms";
  // the count over the window, and every inter-spike interval within one step of the grid reference's (the
  // scheme's O(dt) error per interval adds up over many spikes, so later spike times drift by more than a step)
  const auto& g = grid.spike_times;
  EXPECT_LE(std::labs(long(e.spikes.size()) - long(g.size())), 1L);
  for (std::size_t k = 1; k < std::min(e.spikes.size(), g.size()); ++k) {
    const long isi_engine = long(e.spikes[k]) - long(e.spikes[k - 1]);
    const long isi_ref = std::lround((g[k] - g[k - 1]) / dt);
    EXPECT_LE(std::labs(isi_engine - isi_ref), 1L)
        << "interval " << k << ": engine " << isi_engine << " steps, reference " << isi_ref;
  }
}

TEST(BrainpyExpIF, SpikeTimesMatchReference) {
  expect_spikes_match_reference<models::ExpIF>(hard(models::ExpIF::defaults()), 5e9, 200.0, 5);
}

TEST(BrainpyAdExIF, SpikeTimesMatchReference) {
  expect_spikes_match_reference<models::AdExIF>(hard(models::AdExIF::defaults()), 20e9, 300.0, 25);
}

TEST(BrainpyExpIF, ExponentialTermInitiatesTheSpike) {
  auto p = hard(models::ExpIF::defaults());
  const adex_ode below(p, 1.5e9, false);
  // below the rheobase (1.62 mV): no spike; V settles at the stable fixed point, found here by bisection
  const auto e = run_engine<models::ExpIF>(p, 0.1, 1.5e9, 400.0);
  EXPECT_TRUE(e.spikes.empty());
  double lo = -65.0, hi = -59.9;  // F > 0 at V_rest, F < 0 at V_T
  for (int k = 0; k < 100; ++k) (below.F(0.5 * (lo + hi), 0) > 0 ? lo : hi) = 0.5 * (lo + hi);
  EXPECT_NEAR(e.v.back(), lo, 1e-3);
  // above it (1.75 mV): a LIF with the same drive would settle 1.75 mV above rest, 33 mV below V_th; the
  // exponential term takes V to threshold, with a run-away upstroke (dV per step grows every step)
  const auto s = run_engine<models::ExpIF>(p, 0.1, 1.75e9, 400.0);
  ASSERT_FALSE(s.spikes.empty());
  const std::size_t k = s.spikes[0];
  ASSERT_GT(k, 30u);
  for (std::size_t j = k - 20; j + 1 < k; ++j) EXPECT_GT(s.v[j] - s.v[j - 1], 0.0) << j;
  for (std::size_t j = k - 8; j + 1 < k; ++j) EXPECT_GT(s.v[j] - s.v[j - 1], s.v[j - 1] - s.v[j - 2]) << j;
  EXPECT_GT(s.v[k - 1] - s.v[k - 2], 10 * (s.v[k - 20] - s.v[k - 21]));
}

// ---- exact step semantics: resets, adaptation jumps, refractoriness ---------------------------------------------

TEST(BrainpyAdExIF, AdaptationJumpsByBAndIntervalsLengthen) {
  const auto p = hard(models::AdExIF::defaults());
  const double I = 20e9, dt = 0.1, b = p.b.value;
  const adex_ode m(p, I, true);
  const auto e = run_engine<models::AdExIF>(p, dt, I, 300.0);
  ASSERT_GE(e.spikes.size(), 10u);
  std::size_t next = 0;
  for (std::size_t k = 1; k < e.v.size(); ++k) {
    const auto [v, w] = scheme_step(m, dt, e.v[k - 1], e.w[k - 1]);
    const bool spiked = next < e.spikes.size() && e.spikes[next] == k;
    next += spiked;
    ASSERT_EQ(spiked, v >= p.V_th.value) << k;
    if (spiked) {
      ASSERT_EQ(e.v[k], p.V_reset.value) << k;
      // w jumps by exactly b, after the step's w saw V cut at V_th (see expif.hpp)
      const double cut = m.a * (1 - std::exp(-dt / m.tau_w)) * (v - p.V_th.value);
      ASSERT_NEAR(e.w[k] - (w - cut), b, 1e-9 * b) << k;
    } else {
      ASSERT_NEAR(e.v[k], v, 1e-9) << k;
      ASSERT_NEAR(e.w[k], w, 1e-9 * b) << k;
    }
  }
  // spike-frequency adaptation: intervals never shrink and end clearly longer than they start
  const auto& s = e.spikes;
  for (std::size_t k = 2; k < s.size(); ++k) EXPECT_GE(s[k] - s[k - 1] + 1, s[k - 1] - s[k - 2]) << k;
  EXPECT_GT(double(s.back() - s[s.size() - 2]), 1.2 * double(s[1] - s[0]));
}

TEST(BrainpyExpIF, SoftResetKeepsTheOvershoot) {
  const auto p = models::ExpIF::defaults();  // soft, brainpy.state's default
  const double I = 5e9, dt = 0.1;
  const adex_ode m(p, I, false);
  const auto e = run_engine<models::ExpIF>(p, dt, I, 30.0);
  ASSERT_FALSE(e.spikes.empty());
  const auto s = e.spikes[0];
  const double before = scheme_step(m, dt, e.v[s - 1], 0)[0];
  EXPECT_GE(before, -30.0);
  EXPECT_NEAR(e.v[s], before - (-30.0 - -68.0), 1e-9 * std::fabs(before));
  EXPECT_GT(e.v[s], -68.0);  // not the hard reset value
  // the overshoot kept makes the next spike overflow exp() (as in brainpy.state): the engine's guard says so
  EXPECT_NE(e.diverged.find("'V'"), std::string::npos) << e.diverged;
}

TEST(BrainpyAdExIF, SoftResetSubtractsThresholdDistanceAndAddsB) {
  const auto p = models::AdExIF::defaults();
  const double I = 20e9, dt = 0.1;
  const adex_ode m(p, I, true);
  const auto e = run_engine<models::AdExIF>(p, dt, I, 50.0);
  ASSERT_GE(e.spikes.size(), 2u);
  for (auto s : e.spikes) {
    const auto [v, w] = scheme_step(m, dt, e.v[s - 1], e.w[s - 1]);
    EXPECT_NEAR(e.v[s], v - 13.0, 1e-9);  // V_th - V_reset = 13 mV
    const double cut = m.a * (1 - std::exp(-dt / m.tau_w)) * (v - p.V_th.value);  // w sees V cut at V_th
    EXPECT_NEAR(e.w[s], w - cut + p.b.value, 1e-9 * p.b.value);
  }
}

TEST(BrainpyExpIFRef, HoldsVForTauRefThenIntegrates) {
  const auto p = hard(models::ExpIFRef::defaults());  // tau_ref 1.7 ms = 17 steps
  const double I = 5e9, dt = 0.1;
  const adex_ode m(p, I, false);
  const auto e = run_engine<models::ExpIFRef>(p, dt, I, 200.0);
  const auto plain = run_engine<models::ExpIF>(p, dt, I, 200.0);
  ASSERT_GE(e.spikes.size(), 3u);
  const std::uint32_t ref_steps = 17;
  for (auto s : e.spikes) {
    if (s + ref_steps + 1 >= e.v.size()) break;
    for (std::uint32_t k = 0; k <= ref_steps; ++k) ASSERT_EQ(e.v[s + k], -68.0) << s << " + " << k;
    EXPECT_NEAR(e.v[s + ref_steps + 1], scheme_step(m, dt, -68.0, 0)[0], 1e-12);
  }
  // from the same reset state the climb is the same: every interval is the plain one plus 17 steps
  ASSERT_GE(plain.spikes.size(), 2u);
  EXPECT_EQ(e.spikes[0], plain.spikes[0]);
  const auto plain_isi = plain.spikes[1] - plain.spikes[0];
  for (std::size_t k = 1; k < e.spikes.size(); ++k) EXPECT_EQ(e.spikes[k] - e.spikes[k - 1], plain_isi + ref_steps);
}

TEST(BrainpyAdExIFRef, HoldsVAndWForTauRefThenIntegrates) {
  const auto p = hard(models::AdExIFRef::defaults());
  const double I = 20e9, dt = 0.1;
  const adex_ode m(p, I, true);
  const auto e = run_engine<models::AdExIFRef>(p, dt, I, 200.0);
  ASSERT_GE(e.spikes.size(), 3u);
  const std::uint32_t ref_steps = 17;
  for (auto s : e.spikes) {
    if (s + ref_steps + 1 >= e.v.size()) break;
    for (std::uint32_t k = 1; k <= ref_steps; ++k) {
      ASSERT_EQ(e.v[s + k], -68.0) << s << " + " << k;
      ASSERT_EQ(e.w[s + k], e.w[s]) << s << " + " << k;  // brainpy.state holds w as well
    }
    const auto [v, w] = scheme_step(m, dt, -68.0, e.w[s]);
    EXPECT_NEAR(e.v[s + ref_steps + 1], v, 1e-9);
    EXPECT_NEAR(e.w[s + ref_steps + 1], w, 1e-9 * p.b.value);
  }
}

TEST(BrainpyAdExIFRef, ZeroRefractoryPeriodIsAdExIF) {
  auto p = hard(models::AdExIFRef::defaults());
  p.tau_ref = units::time_q(0.0);
  const auto r = run_engine<models::AdExIFRef>(p, 0.1, 20e9, 200.0);
  const auto a = run_engine<models::AdExIF>(p, 0.1, 20e9, 200.0);
  ASSERT_GE(a.spikes.size(), 10u);
  EXPECT_EQ(r.spikes, a.spikes);
  EXPECT_EQ(r.v, a.v);
  EXPECT_EQ(r.w, a.w);
}

}  // namespace

// Regression: with Naud et al.'s regular-bursting parameters the exponential-Euler step overshoots V_th by orders
// of magnitude; w must see V cut at V_th in the spike step, or w jumps to ~1e14 pA and the cell never fires again.
TEST(BrainpyAdExIF, OvershootPastThresholdDoesNotCorruptAdaptation) {
  models::expif_params p = models::AdExIF::defaults();
  p.tau = 20.0_ms;
  p.R = units::resistance_q(0.1);  // GOhm
  p.V_rest = -58.0_mV;
  p.V_reset = -46.0_mV;
  p.V_th = 0.0_mV;
  p.V_T = -50.0_mV;
  p.delta_T = 2.0_mV;
  p.a = units::conductance_q(2.0);
  p.b = units::current_q(100.0);
  p.tau_w = 120.0_ms;
  p.spk_reset = reset_mode::hard;
  const auto r = run_engine<models::AdExIF>(p, 0.1, 250.0, 1000.0);
  EXPECT_GT(r.spikes.size(), 10u) << "the cell must keep firing (bursts)";
  EXPECT_LT(*std::max_element(r.w.begin(), r.w.end()), 2000.0);  // pA: b = 100 per spike, decaying over 120 ms
  // just after a spike w has jumped by b plus at most the a (V_th - V_rest) (1 - e^{-dt/tau_w}) of the step
  for (auto k : r.spikes) {
    if (k > 0) {
      EXPECT_LT(r.w[k] - r.w[k - 1], 100.0 + 2.0 * 58.0 * (1 - std::exp(-0.1 / 120.0)) + 1e-9);
    }
  }
}

}  // namespace test_model_adex
