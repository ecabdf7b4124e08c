#pragma once
// Reference integrations of the kinetic synapses for tests/test_receptors.cpp, written separately from
// models/kinetic_synapses.hpp: classic RK4 in double with dt/100 steps.
#include <cmath>
#include <utility>
#include <vector>

namespace volley::test {

// Reference for one spike from rest, written from brainpy.state's equations: the open fraction s(t) (BioNMDA: x
// then s), [T] = T on [0, T_dur), classic RK4 with dt/100 steps (the pulse ends on a substep boundary).
struct kinetic {  // rates of one kinetic synapse: alpha T, beta (BioNMDA: alpha2 T, beta2), T_dur, alpha1, beta1
  double aT, beta, t_dur, a1 = 0, b1 = 0;
  bool nmda = false;
};

inline std::vector<double> open_fraction_rk4(const kinetic& k, double dt, int steps) {
  const int sub = 100;
  const double h = dt / sub;
  double y[2] = {0, 0};  // x, s (first order: s only, in y[1])
  auto f = [&](const double* v, double T_on, double* d) {
    if (k.nmda) {
      d[0] = k.aT * T_on * (1 - v[0]) - k.beta * v[0];
      d[1] = k.a1 * v[0] * (1 - v[1]) - k.b1 * v[1];
    } else {
      d[0] = 0;
      d[1] = k.aT * T_on * (1 - v[1]) - k.beta * v[1];
    }
  };
  std::vector<double> out;
  long fine = 0;
  for (int n = 0; n < steps; ++n) {
    for (int q = 0; q < sub; ++q, ++fine) {
      const double on = (fine + 0.5) * h < k.t_dur ? 1.0 : 0.0;
      double k1[2], k2[2], k3[2], k4[2], t[2];
      f(y, on, k1);
      for (int i = 0; i < 2; ++i) t[i] = y[i] + 0.5 * h * k1[i];
      f(t, on, k2);
      for (int i = 0; i < 2; ++i) t[i] = y[i] + 0.5 * h * k2[i];
      f(t, on, k3);
      for (int i = 0; i < 2; ++i) t[i] = y[i] + h * k3[i];
      f(t, on, k4);
      for (int i = 0; i < 2; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    out.push_back(y[1]);
  }
  return out;
}

// sum_k w_k s(t - t_k): independent terminals, what brainpy.state's align-pre gives when no source fires twice
// within its synapse's memory.
inline std::vector<double> superpose(const std::vector<double>& kernel, int steps,
                                     const std::vector<std::pair<int, double>>& arr) {
  std::vector<double> g(steps, 0.0);
  for (const auto& [s, w] : arr)
    for (int n = s + 1; n < steps; ++n) g[n] += w * kernel[n - s - 1];
  return g;
}

// The pooled semantics of models/kinetic_synapses.hpp written as a continuous system (latest release, older
// releases; arrivals join a running pulse or start a release), RK4 with dt/100 steps split where a pulse ends.
// y: g_r, G_o, X_r, X_o, Z_o, Y_o (AMPA/GABAa use g_r, G_o). Arrivals (time in ms, weight) on the dt grid.
inline std::vector<double> pooled_rk4(const kinetic& k, double dt, int steps,
                                      const std::vector<std::pair<double, double>>& arr) {
  double y[6] = {}, P = 0, rho = 0;
  auto f = [&](const double* v, double on, double* d) {
    for (int i = 0; i < 6; ++i) d[i] = 0;
    if (!k.nmda) {
      d[0] = on * k.aT * (P - v[0]) - k.beta * v[0];
      d[1] = -k.beta * v[1];
      return;
    }
    d[2] = on * k.aT * (P - v[2]) - k.beta * v[2];
    d[0] = k.a1 * v[2] * (1 - v[0] / P) - k.b1 * v[0];
    d[1] = k.a1 * (v[3] - v[5]) - k.b1 * v[1];
    d[3] = -k.beta * v[3];
    d[4] = -2 * k.beta * v[4];
    d[5] = -(k.b1 + k.beta) * v[5] + (v[3] > 0 ? k.a1 * v[4] * (1 - v[5] / v[3]) : 0.0);
  };
  auto rk4 = [&](double h, double on) {
    if (h <= 0 || P == 0) return;
    double k1[6], k2[6], k3[6], k4[6], t[6];
    f(y, on, k1);
    for (int i = 0; i < 6; ++i) t[i] = y[i] + 0.5 * h * k1[i];
    f(t, on, k2);
    for (int i = 0; i < 6; ++i) t[i] = y[i] + 0.5 * h * k2[i];
    f(t, on, k3);
    for (int i = 0; i < 6; ++i) t[i] = y[i] + h * k3[i];
    f(t, on, k4);
    for (int i = 0; i < 6; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  };
  std::vector<double> out;
  const double h = dt / 100;
  for (int n = 0; n < steps; ++n) {
    for (int q = 0; q < 100; ++q) {
      if (rho > 0 && rho < h) {
        rk4(rho, 1);
        rk4(h - rho, 0);
        rho = 0;
      } else {
        rk4(h, rho > 0 ? 1 : 0);
        rho = rho > h ? rho - h : 0;
      }
    }
    double w = 0;
    for (const auto& [t, a] : arr) w += std::lround(t / dt) - 1 == n ? a : 0.0;
    if (w != 0 && rho > 0) {
      rho = (P * rho + w * k.t_dur) / (P + w);
      P += w;
    } else if (w != 0) {
      if (P != 0) y[3] += y[2], y[4] += y[2] * y[2] / P, y[5] += y[2] * y[0] / P;
      y[1] += y[0];
      y[0] = y[2] = 0;
      P = w;
      rho = k.t_dur;
    }
    out.push_back(y[0] + y[1]);
  }
  return out;
}

}  // namespace volley::test
