// TraubMilesHH (the COBAHH benchmark cell) against an independent reference: the Brette et al. (2007) equations
// written out again here in their original form and integrated with classic RK4 in double with small substeps.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/network.hpp"
#include "host/simulator.hpp"
#include "models/traub_miles.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_model_traub_miles {

using namespace volley;
using namespace volley::units::literals;

namespace {

// Brette et al. 2007 (COBAHH), u = V - VT, the removable singularities by their limits.
struct traub_ref {
  double C = 200, gL = 10, EL = -60, gNa = 20000, ENa = 50, gK = 6000, EK = -90, VT = -63;  // pF, nS, mV
  static double am(double u) { return std::abs(13 - u) < 1e-7 ? 1.28 : 0.32 * (13 - u) / (std::exp((13 - u) / 4) - 1); }
  static double bm(double u) { return std::abs(u - 40) < 1e-7 ? 1.4 : 0.28 * (u - 40) / (std::exp((u - 40) / 5) - 1); }
  static double ah(double u) { return 0.128 * std::exp((17 - u) / 18); }
  static double bh(double u) { return 4 / (1 + std::exp((40 - u) / 5)); }
  static double an(double u) { return std::abs(15 - u) < 1e-7 ? 0.16 : 0.032 * (15 - u) / (std::exp((15 - u) / 5) - 1); }
  static double bn(double u) { return 0.5 * std::exp((10 - u) / 40); }
  void deriv(const double* y, double I, double* dy) const {
    const double V = y[0], u = V - VT;
    dy[0] = (gL * (EL - V) - gNa * y[1] * y[1] * y[1] * y[2] * (V - ENa) - gK * std::pow(y[3], 4) * (V - EK) + I) / C;
    dy[1] = am(u) * (1 - y[1]) - bm(u) * y[1];
    dy[2] = ah(u) * (1 - y[2]) - bh(u) * y[2];
    dy[3] = an(u) * (1 - y[3]) - bn(u) * y[3];
  }
};

// V after each sample interval, RK4 with `sub` substeps, from rest at EL with gates at steady state.
std::vector<double> reference_trace(double I_pA, double T, double dt, int sub) {
  const traub_ref r;
  const double u0 = r.EL - r.VT;
  double y[4] = {r.EL, r.am(u0) / (r.am(u0) + r.bm(u0)), r.ah(u0) / (r.ah(u0) + r.bh(u0)),
                 r.an(u0) / (r.an(u0) + r.bn(u0))};
  std::vector<double> out;
  const double h = dt / sub;
  double k1[4], k2[4], k3[4], k4[4], t[4];
  for (long k = 0; k < std::lround(T / dt); ++k) {
    for (int s = 0; s < sub; ++s) {
      r.deriv(y, I_pA, k1);
      for (int q = 0; q < 4; ++q) t[q] = y[q] + 0.5 * h * k1[q];
      r.deriv(t, I_pA, k2);
      for (int q = 0; q < 4; ++q) t[q] = y[q] + 0.5 * h * k2[q];
      r.deriv(t, I_pA, k3);
      for (int q = 0; q < 4; ++q) t[q] = y[q] + h * k3[q];
      r.deriv(t, I_pA, k4);
      for (int q = 0; q < 4; ++q) y[q] += h / 6 * (k1[q] + 2 * k2[q] + 2 * k3[q] + k4[q]);
    }
    out.push_back(y[0]);
  }
  return out;
}

struct run_result {
  std::vector<double> V;
  std::size_t spikes = 0;
};

run_result run_volley(double I_pA, double T, double dt) {
  network net({.dt = units::time_q(dt), .seed = 1});
  net.add_population<models::TraubMilesHH>("N", 1);
  net.add_constant_current("N", units::current_q(I_pA));
  simulator sim(net);
  sim.record_spikes("N");
  sim.record_trace({"N", "V", {0}, 0.0_ms});
  sim.run(units::time_q(T));
  return {{sim.record().traces[0].values.begin(), sim.record().traces[0].values.end()}, sim.record().spikes[0].size()};
}

double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double e = 0;
  for (std::size_t k = 0; k < a.size(); ++k) e = std::max(e, std::abs(a[k] - b[k]));
  return e;
}

}  // namespace

// From EL with the gates at their steady state the cell is not at rest: it fires one spike near 11 ms, then
// settles near -65 mV. The spike time converges at first order towards the RK4 reference.
TEST(TraubMilesHH, SpontaneousFirstSpikeConvergesToReference) {
  const auto ref = reference_trace(0, 30, 0.001, 2);
  auto first_crossing = [](const std::vector<double>& V, double dt) {
    for (std::size_t k = 1; k < V.size(); ++k)
      if (V[k - 1] < -20 && V[k] >= -20) return (double(k) + (-20 - V[k - 1]) / (V[k] - V[k - 1])) * dt;
    return -1.0;
  };
  const double t_ref = first_crossing(ref, 0.001);
  ASSERT_GT(t_ref, 5.0);
  const auto fine = run_volley(0, 30, 0.01), coarse = run_volley(0, 30, 0.02);
  EXPECT_EQ(fine.spikes, 1u);
  const double e_fine = std::abs(first_crossing(fine.V, 0.01) - t_ref);
  const double e_coarse = std::abs(first_crossing(coarse.V, 0.02) - t_ref);
  EXPECT_LT(e_fine, 0.15);  // ms
  EXPECT_GT(e_coarse / e_fine, 1.6);
  EXPECT_LT(e_coarse / e_fine, 2.6);
}

// A hyperpolarising current keeps the cell below threshold: the trajectory converges at first order.
TEST(TraubMilesHH, SubthresholdTrajectoryConvergesAtFirstOrder) {
  const auto ref = reference_trace(-300, 20, 0.01, 10);
  const auto fine = run_volley(-300, 20, 0.01);
  const auto coarse = run_volley(-300, 20, 0.02);
  std::vector<double> ref_coarse;
  for (std::size_t k = 1; k < ref.size(); k += 2) ref_coarse.push_back(ref[k]);
  const double e_fine = max_diff(fine.V, ref), e_coarse = max_diff(coarse.V, ref_coarse);
  EXPECT_EQ(fine.spikes, 0u);
  EXPECT_LT(e_fine, 0.05);
  EXPECT_GT(e_coarse / e_fine, 1.6);
  EXPECT_LT(e_coarse / e_fine, 2.6);
  EXPECT_LT(ref.back(), -75.0);  // -300 pA through 10 nS and the K conductance: well below EL
}

// Suprathreshold: spike count over 200 ms within one of the reference's, every spike an upward -20 mV crossing.
TEST(TraubMilesHH, RepetitiveFiringMatchesReference) {
  const double I = 2000;  // pA
  const auto ref = reference_trace(I, 200, 0.01, 10);
  std::size_t ref_spikes = 0;
  for (std::size_t k = 1; k < ref.size(); ++k) ref_spikes += (ref[k - 1] < -20 && ref[k] >= -20);
  const auto v = run_volley(I, 200, 0.01);
  ASSERT_GT(ref_spikes, 5u);
  EXPECT_NEAR(double(v.spikes), double(ref_spikes), 1.0);
  std::size_t crossings = 0;
  for (std::size_t k = 1; k < v.V.size(); ++k) crossings += (v.V[k - 1] < -20 && v.V[k] >= -20);
  EXPECT_EQ(crossings, v.spikes);
}

TEST(TraubMilesHH, RateFunctionsAreContinuousAtTheSingularPoints) {
  using M = models::TraubMilesHH;
  for (double d : {1e-10, 1e-6, 1e-3}) {  // each rate across its own 0/0 point: slopes are below 0.3 /(ms mV)
    EXPECT_NEAR(M::alpha_m(13 - d), M::alpha_m(13 + d), 0.6 * d + 1e-12);
    EXPECT_NEAR(M::beta_m(40 - d), M::beta_m(40 + d), 0.6 * d + 1e-12);
    EXPECT_NEAR(M::alpha_n(15 - d), M::alpha_n(15 + d), 0.6 * d + 1e-12);
  }
  EXPECT_NEAR(M::alpha_m(13), 1.28, 1e-12);
  EXPECT_NEAR(M::beta_m(40), 1.4, 1e-12);
  EXPECT_NEAR(M::alpha_n(15), 0.16, 1e-12);
  EXPECT_NEAR(M::alpha_m(0), traub_ref::am(0), 1e-13);
  EXPECT_NEAR(M::beta_m(0), traub_ref::bm(0), 1e-13);
  EXPECT_NEAR(M::alpha_n(-20), traub_ref::an(-20), 1e-13);
  EXPECT_NEAR(M::beta_h(3), traub_ref::bh(3), 1e-13);
}

}  // namespace test_model_traub_miles
