#!/usr/bin/env python3
"""Reference numbers from NEST 3.10 for volley's NEST spike generators (issue 5): poisson_generator,
sinusoidal_poisson_generator, mip_generator, inhomogeneous_poisson_generator and pulsepacket_generator.

Each generator drives parrot_neurons through a connection of delay d; a parrot's spike time stamp is the end of the
step in which the generator's spike reaches it (the step a neuron's state would first show it), so the stamps give
both NEST's timing (first and last arrival of a window, at a rate so high that every step has spikes) and the
statistics (rates per time bin, correlations), which tests/test_nest_generators.cpp compares with volley.

    /path/to/venv/bin/python tools/nest_reference/make_generator_references.py   # writes tests/reference/nest_generators.json
"""
import json
import math
import os
import sys

import nest
import numpy as np

DT = 0.1


def parrot_run(model, params, n, t_sim, delay, seed, extra_delay=None):
    nest.ResetKernel()
    nest.resolution = DT
    nest.rng_seed = seed
    g = nest.Create(model, params=params)
    par = nest.Create("parrot_neuron", n)
    sr = nest.Create("spike_recorder")
    nest.Connect(g, par, syn_spec={"delay": delay})
    nest.Connect(par, sr)
    if extra_delay is not None:  # an unrelated connection that sets NEST's min_delay
        a = nest.Create("iaf_psc_alpha", 2)
        nest.Connect(a[0], a[1], syn_spec={"delay": extra_delay})
    nest.Simulate(t_sim)
    ev = sr.get("events")
    return np.asarray(ev["senders"]) - par[0].global_id, np.asarray(ev["times"])


def windows():
    """First and last arrival stamps (ms) of generators switched on and off, at 200 kHz (every step has spikes)."""
    out = []
    cases = [
        ("poisson_generator", {}, None),
        ("sinusoidal_poisson_generator", {"amplitude": 0.0}, None),
        ("mip_generator", {"p_copy": 1.0}, None),
        ("mip_generator", {"p_copy": 1.0}, 0.5),
    ]
    for model, extra, extra_delay in cases:
        for start, stop, origin, d in [(0.0, 5.0, 0.0, 1.0), (2.0, 5.0, 0.0, 0.1), (2.0, 5.0, 1.0, 1.5)]:
            params = {"rate": 200000.0, "start": start, "stop": stop, "origin": origin}
            params.update(extra)
            _, t = parrot_run(model, params, 50, 20.0, d, 5, extra_delay)
            out.append({"model": model, "params": params, "delay": d, "other_delay": extra_delay,
                        "first_ms": round(float(t.min()), 6), "last_ms": round(float(t.max()), 6)})
    params = {"rate_times": [2.0, 4.0], "rate_values": [200000.0, 0.0]}
    _, t = parrot_run("inhomogeneous_poisson_generator", params, 50, 10.0, 1.0, 5)
    out.append({"model": "inhomogeneous_poisson_generator", "params": params, "delay": 1.0, "other_delay": None,
                "first_ms": round(float(t.min()), 6), "last_ms": round(float(t.max()), 6)})
    return out


def binned_rates(senders, times, n, t_sim, bin_ms):
    bins = int(round(t_sim / bin_ms))
    idx = np.minimum((np.round(times / DT).astype(int) - 1) // int(round(bin_ms / DT)), bins - 1)
    counts = np.bincount(idx, minlength=bins)
    return counts.tolist()


def statistics():
    out = {}
    n, t_sim = 2000, 100.0
    p = {"rate": 1000.0, "amplitude": 800.0, "frequency": 50.0, "phase": 30.0}
    s, t = parrot_run("sinusoidal_poisson_generator", p, n, t_sim, 1.0, 11)
    out["sinusoidal"] = {"params": p, "delay": 1.0, "n": n, "t_sim_ms": t_sim, "bin_ms": 1.0,
                         "counts": binned_rates(s, t, n, t_sim, 1.0)}
    p = {"rate_times": [10.0, 40.0, 70.0], "rate_values": [500.0, 2000.0, 0.0]}
    s, t = parrot_run("inhomogeneous_poisson_generator", p, n, t_sim, 1.0, 12)
    out["inhomogeneous"] = {"params": p, "delay": 1.0, "n": n, "t_sim_ms": t_sim, "bin_ms": 5.0,
                            "counts": binned_rates(s, t, n, t_sim, 5.0)}
    # mip: rate per target = rate p_copy; counts of two targets per step correlate with coefficient p_copy
    n_mip, t_mip = 200, 2000.0
    p = {"rate": 400.0, "p_copy": 0.3}
    s, t = parrot_run("mip_generator", p, n_mip, t_mip, 1.0, 13)
    steps = int(round(t_mip / DT))
    m = np.zeros((n_mip, steps))
    np.add.at(m, (s, np.round(t / DT).astype(int) - 1), 1)
    c = np.corrcoef(m)
    off = c[~np.eye(n_mip, dtype=bool)]
    out["mip"] = {"params": p, "delay": 1.0, "n": n_mip, "t_sim_ms": t_mip,
                  "rate_hz": float(len(t) / n_mip / (t_mip * 1e-3)), "mean_pair_correlation": float(off.mean())}
    # pulsepacket: one train for all targets; spikes per pulse and their spread around the pulse time
    p = {"pulse_times": [20.0, 60.0], "activity": 400, "sdev": 3.0}
    s, t = parrot_run("pulsepacket_generator", p, 3, 100.0, 1.0, 14)
    t0 = t[s == 0] - 1.0 - DT  # back to the drawn time (emitted at ceil(x/dt) dt + dt, arriving d later)
    near = [t0[np.abs(t0 - pt) < 20] - pt for pt in p["pulse_times"]]
    out["pulsepacket"] = {"params": p, "delay": 1.0,
                          "spikes_per_pulse": [int(len(x)) for x in near],
                          "mean_offset_ms": float(np.mean(np.concatenate(near))),
                          "sdev_ms": float(np.std(np.concatenate(near))),
                          "same_train_for_all_targets": bool(np.array_equal(np.sort(t[s == 0]), np.sort(t[s == 1])))}
    # sdev 0: every spike of a pulse at the pulse time, on the grid or between grid points
    p = {"pulse_times": [10.0, 20.04, 30.06], "activity": 2, "sdev": 0.0}
    s, t = parrot_run("pulsepacket_generator", p, 1, 50.0, 1.0, 15)
    out["pulsepacket_sdev0"] = {"params": p, "delay": 1.0, "times_ms": [round(float(x), 6) for x in t]}
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_path = os.path.normpath(os.path.join(here, "..", "..", "tests", "reference", "nest_generators.json"))
    nest.set_verbosity("M_ERROR")
    data = {"nest_version": nest.__version__, "resolution_ms": DT, "windows": windows(), "statistics": statistics()}
    with open(out_path, "w") as f:
        json.dump(data, f, indent=1)
    print("wrote", out_path, file=sys.stderr)


if __name__ == "__main__":
    main()
