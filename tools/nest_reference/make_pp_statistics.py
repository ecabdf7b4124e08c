#!/usr/bin/env python3
"""NEST references for volley's pp_psc_delta statistics and parrot_neuron (issue 5).

    /tmp/nestvenv/bin/python tools/nest_reference/make_pp_statistics.py [--seeds 10] [--only pp|parrot]

pp_psc_delta spikes at random, so its trains cannot be compared spike by spike (the deterministic cases are in
make_references.py: pp_psc_delta*). Here NEST runs N_NEURONS unconnected neurons with a constant drive I_e per
configuration (CONFIGS) and several seeds, and tests/reference/pp_psc_delta_statistics.json keeps, per
configuration, the summary numbers of each seed and their mean and spread across seeds:
  rate_Hz  spikes in the analysis window [T_START, T_STOP) / (N_NEURONS * window length)
  cv       std / mean (ddof 0) of all inter-spike intervals pooled over the neurons, both spikes in the window
  fano     variance / mean (ddof 0) of the spike counts in windows of FANO_WINDOW_MS, over all (neuron, window)
NEST's spikes of multiplicity n (dead_time = 0: a Poisson number per step) are recorded n times; volley's are one
bit per step, so the numbers above count each (neuron, step) once; rate_with_multiplicity_Hz and
multiplicity_fraction (share of spike steps with n >= 2) say how much that changes.

tests/reference/parrot_neuron.json: spike_generators (duplicate times, weights of any sign, coinciding arrivals
through different delays, one connection to receptor 1) into one parrot_neuron, and its spike times as NEST's
spike_recorder writes them (one entry per spike of a multiplicity).
"""
import argparse
import json
import os

import numpy as np

DT = 0.1
N_NEURONS = 500
T_START, T_STOP = 1000.0, 11000.0  # ms: the first second lets V and the adaptation settle
FANO_WINDOW_MS = 250.0

# name: (neuron parameters, what the configuration exercises)
CONFIGS = {
    "dead_time_1ms": ({"I_e": 375.0}, "NEST's defaults (c_2 exp(c_3 V), dead_time 1 ms, reset), V about 15 mV"),
    "sfa_dead_time_2ms": ({"I_e": 450.0, "dead_time": 2.0, "tau_sfa": [100.0, 10.0], "q_sfa": [2.0, 1.0]},
                          "two adaptation components"),
    "dead_time_0": ({"I_e": 375.0, "dead_time": 0.0}, "dead_time 0: NEST draws a Poisson number of spikes per step"),
    "no_reset_dead_time_10ms": ({"I_e": 400.0, "dead_time": 10.0, "with_reset": False},
                                "no reset, long dead time: more regular than Poisson (CV < 1)"),
    "linear_exp_three_sfa": ({"I_e": 500.0, "c_1": 3.0, "c_2": 1.238, "c_3": 0.1, "dead_time": 3.0,
                              "tau_sfa": [5.0, 50.0, 300.0], "q_sfa": [1.0, 2.0, 0.5]},
                             "both rate terms and three adaptation components"),
}


def statistics(senders, times, first_id):
    """Summary numbers of one run (see the module docstring)."""
    keep = (times > T_START + 1e-9) & (times <= T_STOP + 1e-9)  # stamps (k + 1) dt of steps k in the window
    senders, times = senders[keep] - first_id, times[keep]
    steps = np.rint(times / DT).astype(np.int64)
    pairs, multiplicity = np.unique(senders * (1 << 32) + steps, return_counts=True)  # one per (neuron, step)
    neuron, step = pairs >> 32, pairs & ((1 << 32) - 1)
    length_s = (T_STOP - T_START) * 1e-3
    isis = []
    for i in range(N_NEURONS):
        s = step[neuron == i]
        if len(s) > 1:
            isis.append(np.diff(s) * DT)
    isis = np.concatenate(isis)
    n_windows = int(round((T_STOP - T_START) / FANO_WINDOW_MS))
    window = ((step * DT - T_START - 1e-9) // FANO_WINDOW_MS).astype(np.int64)  # step k covers (k dt, (k+1) dt]
    counts = np.bincount(neuron * n_windows + window, minlength=N_NEURONS * n_windows).astype(float)
    return {"rate_Hz": len(pairs) / (N_NEURONS * length_s),
            "cv": float(np.std(isis) / np.mean(isis)),
            "fano": float(np.var(counts) / np.mean(counts)),
            "rate_with_multiplicity_Hz": len(senders) / (N_NEURONS * length_s),
            "multiplicity_fraction": float(np.mean(multiplicity > 1)),
            "n_isis": int(len(isis))}


def run_pp(nest, params, seed):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    nest.rng_seed = seed
    pop = nest.Create("pp_psc_delta", N_NEURONS, params=params)
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(T_STOP + 1.0)
    ev = sr.get("events")
    return statistics(np.asarray(ev["senders"]), np.asarray(ev["times"]), pop[0].global_id)


def make_pp(nest, seeds, out_dir):
    out = {"model": "pp_psc_delta", "nest": {"version": nest.__version__, "threads": 1}, "dt_ms": DT,
           "n_neurons": N_NEURONS, "window_ms": [T_START, T_STOP], "fano_window_ms": FANO_WINDOW_MS,
           "seeds": seeds, "definitions": __doc__.split("\n\n")[2], "configs": {}}
    for name, (params, what) in CONFIGS.items():
        runs = [run_pp(nest, params, s) for s in seeds]
        summary = {}
        for key in ("rate_Hz", "cv", "fano", "rate_with_multiplicity_Hz", "multiplicity_fraction"):
            v = np.array([r[key] for r in runs])
            summary[key] = {"mean": float(v.mean()), "std_across_seeds": float(v.std(ddof=1)),
                            "relative_std": float(v.std(ddof=1) / v.mean()) if v.mean() else 0.0}
        defaults = nest.GetDefaults("pp_psc_delta")
        full = {k: (list(map(float, defaults[k])) if hasattr(defaults[k], "__len__") else defaults[k])
                for k in ("I_e", "C_m", "tau_m", "dead_time", "dead_time_random", "dead_time_shape", "with_reset",
                          "c_1", "c_2", "c_3", "t_ref_remaining", "tau_sfa", "q_sfa")}
        full.update(params)
        out["configs"][name] = {"what": what, "parameters": full, "runs": runs, "summary": summary}
        print(name, {k: (round(v["mean"], 4), round(v["relative_std"], 4)) for k, v in summary.items()})
    path = os.path.join(out_dir, "pp_psc_delta_statistics.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(path)


# parrot_neuron protocol: (times, weight, delay, receptor_type)
PARROT_INPUTS = [
    ([1.0, 1.0, 2.0, 5.5, 7.3], 1.0, 1.0, 0),  # 1.0 twice: multiplicity 2
    ([3.0, 5.0, 12.0], -2.5, 1.5, 0),          # negative weight, still repeated; 5.0 + 1.5 meets 5.5 + 1.0
    ([4.0, 8.0, 12.0], 0.0, 2.0, 0),           # weight 0; 12.0 + 2.0 and 12.0 + 1.5 differ by 5 steps
    ([2.5, 9.0], 1.0, 1.0, 1),                 # receptor 1: ignored by the parrot
]
PARROT_T_SIM = 20.0


def make_parrot(nest, out_dir):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    parrot = nest.Create("parrot_neuron")
    for times, w, d, r in PARROT_INPUTS:
        sg = nest.Create("spike_generator", params={"spike_times": times})
        nest.Connect(sg, parrot, syn_spec={"weight": w, "delay": d, "receptor_type": r})
    sr = nest.Create("spike_recorder")
    nest.Connect(parrot, sr)
    nest.Simulate(PARROT_T_SIM + 1.0)
    spikes = [round(float(t), 10) for t in sr.get("events")["times"] if t <= PARROT_T_SIM + 1e-9]
    out = {"model": "parrot_neuron", "nest": {"version": nest.__version__, "threads": 1}, "dt_ms": DT,
           "t_sim_ms": PARROT_T_SIM,
           "inputs": [{"times_ms": t, "weight": w, "delay_ms": d, "receptor_type": r} for t, w, d, r in PARROT_INPUTS],
           "spike_times_ms": spikes,
           "spike_time": "time stamp = end of the step in which the input arrived; a spike of multiplicity n is "
                         "listed n times"}
    path = os.path.join(out_dir, "parrot_neuron.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(path, spikes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--only", choices=["pp", "parrot"])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out-dir", default=os.path.normpath(os.path.join(here, "..", "..", "tests", "reference")))
    args = ap.parse_args()
    import nest  # late: --help works without NEST
    nest.set_verbosity("M_ERROR")
    if args.only != "pp":
        make_parrot(nest, args.out_dir)
    if args.only != "parrot":
        make_pp(nest, list(range(1, args.seeds + 1)), args.out_dir)


if __name__ == "__main__":
    main()
