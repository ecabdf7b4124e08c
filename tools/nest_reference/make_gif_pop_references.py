#!/usr/bin/env python3
"""NEST 3.10 references for volley's gif_pop_psc_exp (tests/test_nest_gif_pop.cpp).

    /tmp/nestvenv/bin/python tools/nest_reference/make_gif_pop_references.py

Writes tests/reference/gif_pop_psc_exp.json with two parts:

replay: one NEST run per case with every recordable (V_m, n_events, E_sfa, mean, I_syn_ex, I_syn_in) at every step.
  Inputs: I_e set per phase (SetStatus between Simulate calls: NEST then rebuilds the history, InitPopulations) and spike_generator spikes of the given weights
  (positive -> ex, negative -> in) with delay DELAY. NEST's counts n_events are random, but given them every other
  recordable is a deterministic function of the inputs and the history: the test feeds NEST's counts back into
  volley's update and compares the rest step by step. The spike of stamp t (ms) reaches the update of step
  round(t / dt) + delay_steps - 1 (the step ending at t + delay), measured here on I_syn_ex.

statistics: per case and seed (rng_seed) the population activity from the multimeter's n_events over windows:
  rate_hz   mean of n / (N dt) over the window's steps (population rate, Hz)
  var_n     variance of n per step over the window (ddof 0)
  fano_bin  var / mean of the counts summed over bins of BIN steps in the window
  Cases: constant I_e; a step_current_generator step; a poisson_generator through a static_synapse.
  The mean and the standard deviation over seeds (ddof 1) of each are stored as well.
"""
import json
import os

import numpy as np
import nest

DELAY = 1.0
REC = ["V_m", "n_events", "E_sfa", "mean", "I_syn_ex", "I_syn_in"]

REPLAY = [
    {"name": "defaults_dt01", "dt": 0.1, "params": {},
     "phases": [[50.0, 0.0], [250.0, 250.0]],
     "spikes": [[20.0, 150.0], [120.0, 150.0], [150.3, 300.0], [200.0, -300.0], [260.0, -100.0]]},
    {"name": "two_sfa_poisson_dt05", "dt": 0.5,
     "params": {"N": 400, "q_sfa": [2.0, 0.5], "tau_sfa": [30.0, 500.0], "BinoRand": False, "len_kernel": 800,
                "t_ref": 2.0, "E_L": -2.0, "V_reset": -3.0, "tau_syn_ex": 2.0, "tau_syn_in": 8.0,
                "lambda_0": 20.0, "Delta_V": 3.0, "V_T_star": 12.0, "C_m": 200.0, "tau_m": 15.0},
     "phases": [[100.0, 0.0], [300.0, 150.0], [200.0, 300.0]],
     "spikes": [[30.0, 200.0], [30.0, 100.0], [250.0, -400.0], [420.0, 500.0], [500.5, -250.0]]},
    # one Simulate each (no SetStatus in between): the ring wraps, so the oldest bins merge into x, z and the
    # spike history drives the adaptation (E_sfa moves)
    {"name": "short_kernel_wraps_dt05", "dt": 0.5,
     "params": {"N": 300, "q_sfa": [3.0, 1.0], "tau_sfa": [20.0, 200.0], "len_kernel": 150, "lambda_0": 30.0,
                "I_e": 250.0, "t_ref": 3.0},
     "phases": [[700.0, 250.0]],
     "spikes": [[100.0, 400.0], [300.0, -600.0], [310.0, 200.0], [500.0, -300.0]]},
    {"name": "defaults_wraps_dt05", "dt": 0.5, "params": {"I_e": 200.0},
     "phases": [[900.0, 200.0]],
     "spikes": [[400.0, 300.0], [650.0, -300.0]]},
]

STAT_DT = 0.5
STAT_N = 500
T_SIM = 10500.0
BIN = 20  # steps (10 ms)
SEEDS = list(range(1, 21))
STATS = [
    {"name": "constant", "params": {"N": STAT_N, "I_e": 200.0}, "windows": [[500.0, 10500.0]]},
    {"name": "step", "params": {"N": STAT_N},
     "step_current": {"amplitude_times": [1.0, 5500.0], "amplitude_values": [200.0, 300.0]},
     "windows": [[500.0, 5500.0], [6000.0, 10500.0]]},
    {"name": "poisson", "params": {"N": STAT_N, "I_e": 100.0},
     "poisson": {"rate": 4000.0, "weight": 10.0},
     "windows": [[500.0, 10500.0]]},
]


def r12(x):
    return [float(f"{v:.12g}") for v in x]


def replay_case(c):
    nest.ResetKernel()
    nest.resolution = c["dt"]
    nest.rng_seed = 7
    p = nest.Create("gif_pop_psc_exp", params=c["params"])
    mm = nest.Create("multimeter", params={"record_from": REC, "interval": c["dt"]})
    nest.Connect(mm, p)
    for t, w in c["spikes"]:
        sg = nest.Create("spike_generator", params={"spike_times": [t]})
        nest.Connect(sg, p, syn_spec={"weight": w, "delay": DELAY})
    for dur, ie in c["phases"]:
        p.I_e = ie
        nest.Simulate(dur)
    e = mm.events
    out = dict(c)
    out["delay"] = DELAY
    out["len_kernel"] = int(p.len_kernel)
    out["times"] = r12(e["times"])
    for k in REC:
        out[k] = r12(e[k])
    return out


def stat_run(c, seed):
    nest.ResetKernel()
    nest.resolution = STAT_DT
    nest.rng_seed = seed
    p = nest.Create("gif_pop_psc_exp", params=c["params"])
    mm = nest.Create("multimeter", params={"record_from": ["n_events"], "interval": STAT_DT})
    nest.Connect(mm, p)
    if "step_current" in c:
        g = nest.Create("step_current_generator", params=c["step_current"])
        nest.Connect(g, p)
    if "poisson" in c:
        g = nest.Create("poisson_generator", params={"rate": c["poisson"]["rate"]})
        nest.Connect(g, p, syn_spec={"synapse_model": "static_synapse", "weight": c["poisson"]["weight"],
                                     "delay": DELAY})
    nest.Simulate(T_SIM)
    n = np.asarray(mm.events["n_events"], dtype=float)
    return window_stats(n, c["windows"], STAT_N)


def window_stats(n, windows, N):
    res = []
    for a, b in windows:
        # recorded value i (stamp (i + 1) dt) is step i's count; window [a, b): steps a/dt .. b/dt - 1
        x = n[int(round(a / STAT_DT)):int(round(b / STAT_DT))]
        bins = x[: len(x) // BIN * BIN].reshape(-1, BIN).sum(axis=1)
        res.append({"rate_hz": x.mean() / (N * STAT_DT * 1e-3), "var_n": x.var(), "fano_bin": bins.var() / bins.mean()})
    return res


def main():
    nest.set_verbosity("M_ERROR")
    ref = {"nest_version": nest.__version__, "replay": [replay_case(c) for c in REPLAY]}
    stats = []
    for c in STATS:
        per_seed = [stat_run(c, s) for s in SEEDS]
        summary = []
        for w in range(len(c["windows"])):
            entry = {}
            for key in ("rate_hz", "var_n", "fano_bin"):
                v = np.array([r[w][key] for r in per_seed])
                entry[key] = float(f"{v.mean():.12g}")
                entry[key + "_sd"] = float(f"{v.std(ddof=1):.12g}")
            summary.append(entry)
        out = dict(c)
        out["seeds"] = SEEDS
        out["summary"] = summary
        stats.append(out)
        print(c["name"], summary)
    ref["statistics"] = {"dt": STAT_DT, "t_sim": T_SIM, "bin_steps": BIN, "delay": DELAY, "cases": stats}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "gif_pop_psc_exp.json")
    with open(path, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
