#!/usr/bin/env python3
"""Spike statistics from NEST itself for volley's gif_psc_exp and gif_cond_exp (issue 5: stochastic models are
validated statistically: rates, CV of ISIs, Fano factor).

    python3 tools/nest_reference/make_gif_statistics.py [gif_psc_exp gif_cond_exp] [--seeds 1 2 3 4]

Protocol (the C++ test tests/test_nest_gif.cpp runs the same one in volley with its own random numbers):
N_NEURONS unconnected neurons, the parameters in PARAMS (non-empty stc and sfa lists, a constant I_e: the escape
noise is the only randomness), dt 0.1 ms, T_SIM ms; spikes before T_WARMUP are dropped. Per seed (NEST's rng_seed):
  rate_hz  spikes after the warm-up / (N_NEURONS * (T_SIM - T_WARMUP) s)
  cv       mean over neurons with >= 3 spikes after the warm-up of std(ISI) / mean(ISI) (population std, ddof 0)
  fano     var / mean (ddof 0) of the spike counts in the non-overlapping windows of WINDOW ms from T_WARMUP,
           pooled over neurons and windows
A spike stamped t by NEST happened in the step ending at t: the test counts volley's spike in step k at (k + 1) dt.
Writes tests/reference/<model>_statistics.json with the per-seed values, their mean and their standard deviation
over seeds (ddof 1): the run-to-run spread the test's tolerance is judged against. Summary numbers only.
"""
import argparse
import json
import os

import numpy as np

DT = 0.1
N_NEURONS = 500
T_SIM = 5500.0   # ms
T_WARMUP = 500.0  # ms
WINDOW = 250.0   # ms

COMMON = {"tau_stc": [10.0, 50.0], "q_stc": [20.0, 5.0], "tau_sfa": [20.0, 200.0], "q_sfa": [6.0, 1.0],
          "lambda_0": 1.0, "Delta_V": 4.0}
PARAMS = {"gif_psc_exp": dict(COMMON, I_e=200.0), "gif_cond_exp": dict(COMMON, I_e=200.0)}


def statistics(times, senders, first_id):
    """rate (Hz), mean CV, Fano factor of window counts from NEST's spike_recorder events."""
    t = np.asarray(times)
    s = np.asarray(senders, dtype=int) - first_id
    keep = t > T_WARMUP  # stamp (k + 1) dt > T_WARMUP: steps from T_WARMUP on
    t, s = t[keep], s[keep]
    rate = len(t) / (N_NEURONS * (T_SIM - T_WARMUP) / 1000.0)
    cvs = []
    for n in range(N_NEURONS):
        isi = np.diff(np.sort(t[s == n]))
        if len(isi) >= 2:
            cvs.append(isi.std() / isi.mean())
    n_win = int(round((T_SIM - T_WARMUP) / WINDOW))
    win = np.minimum(((t - 1e-9 - T_WARMUP) // WINDOW).astype(int), n_win - 1)  # (k + 1) dt in (start, end]
    counts = np.zeros((N_NEURONS, n_win))
    np.add.at(counts, (s, win), 1)
    return rate, float(np.mean(cvs)), float(counts.var() / counts.mean())


def run(nest, model, seed):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    nest.rng_seed = seed
    pop = nest.Create(model, N_NEURONS, params=PARAMS[model])
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(T_SIM)
    ev = sr.get("events")
    return statistics(ev["times"], ev["senders"], pop[0].global_id)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=list(PARAMS))
    ap.add_argument("--seeds", nargs="*", type=int, default=[1, 2, 3, 4, 5, 6])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out-dir", default=os.path.normpath(os.path.join(here, "..", "..", "tests", "reference")))
    args = ap.parse_args()
    import nest  # late: --help works without NEST
    nest.set_verbosity("M_ERROR")
    for model in args.models:
        per_seed = [run(nest, model, s) for s in args.seeds]
        names = ("rate_hz", "cv", "fano")
        out = {
            "model": model,
            "nest": {"version": str(nest.__version__), "threads": 1},
            "dt_ms": DT, "n_neurons": N_NEURONS, "t_sim_ms": T_SIM, "t_warmup_ms": T_WARMUP, "window_ms": WINDOW,
            "parameters": PARAMS[model],
            "definitions": {"rate_hz": "spikes after the warm-up / (n_neurons * (t_sim - t_warmup) s)",
                            "cv": "mean over neurons with >= 3 spikes after the warm-up of std(ISI)/mean(ISI), ddof 0",
                            "fano": "var/mean (ddof 0) of spike counts in windows of window_ms from t_warmup, "
                                    "pooled over neurons and windows"},
            "seeds": args.seeds,
            "per_seed": {k: [round(p[i], 6) for p in per_seed] for i, k in enumerate(names)},
            "mean": {k: round(float(np.mean([p[i] for p in per_seed])), 6) for i, k in enumerate(names)},
            "sd_over_seeds": {k: round(float(np.std([p[i] for p in per_seed], ddof=1)), 6)
                              for i, k in enumerate(names)},
        }
        path = os.path.join(args.out_dir, model + "_statistics.json")
        with open(path, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        print(path, out["mean"], out["sd_over_seeds"])


if __name__ == "__main__":
    main()
