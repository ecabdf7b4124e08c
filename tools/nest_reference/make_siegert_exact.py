#!/usr/bin/env python3
"""Exact values (mpmath, 30 digits) of the Siegert rate of NEST's siegert_neuron (models/siegert_neuron.hpp) for
tests/test_nest_siegert.cpp: regimes where NEST's own quadrature is less accurate than volley's (the nearly
noise-free suprathreshold regime) or cut off, and wide ranges of y_th and y_r.

    python3 tools/nest_reference/make_siegert_exact.py [--out-dir tests/reference]   (needs mpmath)

writes siegert_exact.json: {"values": [{"params", "mu", "sigma2", "rate"}]}, rate in 1/s (NEST's cut-off applied:
0 where (theta - mu) / sigma > 6).
"""
import argparse
import json

import mpmath as mp

mp.mp.dps = 30
ALPHA = mp.mpf("2.0652531522312172")


def siegert(p, mu, sigma2):
    mu, s2 = mp.mpf(mu), mp.mpf(sigma2)
    s = mp.sqrt(s2)
    if (p["theta"] - mu) / s > 6:
        return mp.mpf(0)
    shift = s * ALPHA / 2 * mp.sqrt(mp.mpf(p["tau_syn"]) / p["tau_m"])
    y_th, y_r = (p["theta"] + shift - mu) / s, (p["V_reset"] + shift - mu) / s
    points = [y_r, y_th] + ([0] if y_r < 0 < y_th else [])
    x = mp.mpf(-1)
    while x > y_r:  # split the long negative range geometrically
        if x < y_th:
            points.append(x)
        x *= 4
    integral = mp.quad(lambda u: mp.erfc(-u) * mp.exp(u * u), sorted(set(points)))
    return 1000 / (p["t_ref"] + p["tau_m"] * mp.sqrt(mp.pi) * integral)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default="tests/reference")
    a = ap.parse_args()
    sets = [{"theta": 15.0, "V_reset": 0.0, "tau_m": 5.0, "tau_syn": 0.0, "t_ref": 2.0},
            {"theta": 20.0, "V_reset": 10.0, "tau_m": 10.0, "tau_syn": 0.5, "t_ref": 2.0},
            {"theta": 1.0, "V_reset": -3.0, "tau_m": 20.0, "tau_syn": 5.0, "t_ref": 0.0}]
    values = []
    for p in sets:
        for m in [-10.0, -1.0, 0.0, 0.5, 0.9, 0.999, 1.0, 1.001, 1.1, 2.0, 5.0, 30.0, 1000.0]:
            for s2 in [1e-10, 1e-6, 1e-3, 0.1, 1.0, 10.0, 1e3, 1e6]:
                mu = m * p["theta"]
                values.append({"params": p, "mu": mu, "sigma2": s2, "rate": float(siegert(p, mu, s2))})
    with open(a.out_dir + "/siegert_exact.json", "w") as f:
        json.dump({"generator": "tools/nest_reference/make_siegert_exact.py", "values": values}, f,
                  separators=(",", ":"))
    print("wrote siegert_exact.json:", len(values), "values")


if __name__ == "__main__":
    main()
