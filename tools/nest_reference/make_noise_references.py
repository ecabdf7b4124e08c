#!/usr/bin/env python3
"""NEST 3.10 reference for the NEST layer's noise_generator (tests/test_nest_noise.cpp).

Every target is an integrator (iaf_psc_delta, C_m 1 pF, tau_m 1e5 ms, unreachable threshold), so the difference of
its V_m over a step is the generator's current in that step times dt. Cases:
  schedule: std 0 (the current is the mean), one target; Simulate calls with SetStatus between them: mean changed
    in the middle of a block, dt and mean changed, stop moved before now, stop moved on (the generator wakes up),
    start moved into the future. Stored: V_m at every step.
  window: std 0, origin, start, stop and a delay; one Simulate. Stored: V_m at every step.
  blocks: std 100 pA, many targets, dt 0.7 ms, a start off the dt grid, std and mean changed in a block between two
    Simulate calls, then dt. Stored: the times at which the targets' currents change (the blocks' first steps) and
    each block's mean and standard deviation over the targets.
  modulation: std = std_mod = 100 pA at 10 Hz, start 50 ms, two Simulate calls; modulation_late_wake: start 70 ms,
    three Simulate calls (it wakes up in the second). Stored: each block's standard deviation over the targets.
NEST's multimeter holds the samples of the last min_delay slice of a run until the next run (volley's GetEvents has
them): the stored traces end there.
Usage: /tmp/nestvenv/bin/python tools/nest_reference/make_noise_references.py > tests/reference/nest_noise.json
"""
import json

import nest
import numpy as np

nest.set_verbosity("M_ERROR")
DT = 0.1
INTEGRATOR = {"C_m": 1.0, "tau_m": 1e5, "E_L": 0.0, "V_m": 0.0, "V_reset": 0.0, "V_th": 1e12, "t_ref": 0.0}


def network(n, params, delay, seed):
    nest.ResetKernel()
    nest.resolution = DT
    nest.rng_seed = seed
    targets = nest.Create("iaf_psc_delta", n, params=INTEGRATOR)
    g = nest.Create("noise_generator", params=params)
    nest.Connect(g, targets, syn_spec={"delay": delay})
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
    nest.Connect(mm, targets)
    return targets, g, mm


def run(g, steps):
    """steps: [duration, or {SetStatus params}], in order."""
    for s in steps:
        if isinstance(s, dict):
            g.set(s)
        else:
            nest.Simulate(s)


def traces(targets, mm):
    """V_m per target (rows) at every step, and the sample times."""
    ev = mm.events
    first = targets[0].global_id
    order = np.lexsort((ev["times"], ev["senders"]))
    senders, times, v = ev["senders"][order], ev["times"][order], ev["V_m"][order]
    n = len(targets)
    rows = v.reshape(n, -1)
    assert np.all(senders.reshape(n, -1)[:, 0] == np.arange(first, first + n))
    return times[: rows.shape[1]], rows


def currents(rows):
    return np.diff(np.concatenate([np.zeros((rows.shape[0], 1)), rows], axis=1), axis=1) / DT


def deterministic(name, params, delay, steps):
    targets, g, mm = network(1, params, delay, 1)
    run(g, steps)
    times, rows = traces(targets, mm)
    return {"name": name, "params": params, "delay": delay, "steps": steps,
            "V_m": [round(float(x), 9) for x in rows[0]]}


def blocks(I, times):
    """Block starts (sample times where any target's current changes) and per block the current of each target."""
    diff = np.abs(np.diff(np.concatenate([np.zeros((I.shape[0], 1)), I], axis=1), axis=1)) > 0.5  # pA (the leak: < 0.05)
    starts = np.nonzero(np.any(diff, axis=0))[0]
    return starts, [I[:, s] for s in starts]


def statistical(name, params, delay, steps, n, seed):
    targets, g, mm = network(n, params, delay, seed)
    run(g, steps)
    times, rows = traces(targets, mm)
    I = currents(rows)
    starts, values = blocks(I, times)
    return {"name": name, "params": params, "delay": delay, "steps": steps, "targets": n, "samples": len(times),
            "block_start_times": [round(float(times[s]), 6) for s in starts],
            "block_mean": [round(float(np.mean(v)), 6) for v in values],
            "block_sd": [round(float(np.std(v)), 6) for v in values]}


cases = [
    deterministic("schedule", {"mean": 10.0, "std": 0.0, "dt": 1.0}, 0.5,
                  [5.3, {"mean": 20.0}, 5.0, {"dt": 0.4, "mean": 30.0}, 5.0, {"stop": 16.0}, 3.0,
                   {"stop": 30.0, "mean": 5.0}, 5.0, {"start": 26.5, "mean": 7.0}, 6.0]),
    deterministic("window", {"mean": 10.0, "std": 0.0, "dt": 0.7, "origin": 0.4, "start": 2.3, "stop": 9.0}, 1.0,
                  [15.0]),
]
statistics = [
    statistical("blocks", {"mean": 40.0, "std": 100.0, "dt": 0.7, "start": 2.3, "origin": 0.4}, 0.5,
                [10.0, {"std": 20.0, "mean": -10.0}, 20.3, {"dt": 1.1}, 10.0], 400, 11),
    statistical("modulation", {"mean": 0.0, "std": 100.0, "std_mod": 100.0, "frequency": 10.0, "phase": 30.0,
                               "dt": 1.0, "start": 50.0}, 1.0, [120.0, 80.0], 500, 12),
    statistical("modulation_late_wake", {"mean": 0.0, "std": 100.0, "std_mod": 100.0, "frequency": 10.0,
                                         "phase": 30.0, "dt": 1.0, "start": 70.0}, 1.0, [30.0, 100.0, 50.0], 500, 13),
]
print(json.dumps({"nest_version": nest.__version__, "resolution": DT, "integrator": INTEGRATOR,
                  "description": " ".join(__doc__.strip().splitlines()[2:4]),
                  "cases": cases, "statistics": statistics}))
