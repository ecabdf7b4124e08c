#!/usr/bin/env python3
"""PD14 (../shared/benchmarks.md) in NEST 3 itself: the peer of bench/pd14_nest_layer.cpp, which builds the same
network through volley's NEST layer call for call. Prints one JSON document.

    python3 bench/nest/pd14_nest.py [--scale 1.0] [--threads 2] [--t-presim 100] [--t-sim 1000] [--seed 1]

Needs NEST (pip install --only-binary=:all: nest-simulator, in a venv). Background: one poisson_generator per
population at 8 Hz x K_ext, 87.8 pA, delay 1.5 ms. Weights normal with 10 % SD redrawn to keep their sign
(nest.math.redraw), delays normal (SD half the mean) redrawn below the resolution, fixed_total_number per
projection with K = ln(1 - C) / ln(1 - 1/(N_pre N_post)) (multapses and autapses allowed).
"""
import argparse
import json
import math
import os
import platform
import resource
import time

NAMES = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
SIZES = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
PROB = [  # [target][source]
    [.1009, .1689, .0437, .0818, .0323, 0., .0076, 0.], [.1346, .1371, .0316, .0515, .0755, 0., .0042, 0.],
    [.0077, .0059, .0497, .1350, .0067, .0003, .0453, 0.], [.0691, .0029, .0794, .1597, .0033, 0., .1057, 0.],
    [.1004, .0622, .0505, .0057, .0831, .3726, .0204, 0.], [.0548, .0269, .0257, .0022, .0600, .3158, .0086, 0.],
    [.0156, .0066, .0211, .0166, .0572, .0197, .0396, .2252], [.0364, .0010, .0034, .0005, .0277, .0080, .0658, .1443]]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
V_MEAN = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
V_STD = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
WEIGHT = 87.8  # pA
DT = 0.1


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--t-presim", type=float, default=100.0)
    ap.add_argument("--t-sim", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="write the JSON here (NEST prints its banner on stdout)")
    a = ap.parse_args()

    import nest
    nest.set_verbosity("M_ERROR")
    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = a.threads
    nest.rng_seed = a.seed
    neuron = {"C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 0.5, "tau_syn_in": 0.5, "E_L": -65.0, "V_th": -50.0,
              "V_reset": -65.0, "t_ref": 2.0}
    sizes = [round(n * a.scale) for n in SIZES]
    pops = []
    for p in range(8):
        pop = nest.Create("iaf_psc_exp", sizes[p], params=neuron)
        pop.V_m = nest.random.normal(mean=V_MEAN[p], std=V_STD[p])
        pops.append(pop)
    for p in range(8):
        pg = nest.Create("poisson_generator", params={"rate": 8.0 * K_EXT[p]})
        nest.Connect(pg, pops[p], "all_to_all", {"weight": WEIGHT, "delay": 1.5})
    synapses = 0
    for t in range(8):
        for s in range(8):
            c = PROB[t][s]
            if c <= 0:
                continue
            K = int(round(math.log(1 - c) / math.log(1 - 1 / (sizes[s] * sizes[t]))))
            exc = s % 2 == 0
            w = WEIGHT if exc else -4 * WEIGHT
            if s == 2 and t == 0:
                w *= 2
            d = 1.5 if exc else 0.75
            weight = nest.math.redraw(nest.random.normal(mean=w, std=0.1 * abs(w)),
                                      min=0.0 if exc else -math.inf, max=math.inf if exc else 0.0)
            delay = nest.math.redraw(nest.random.normal(mean=d, std=0.5 * d), min=DT, max=math.inf)
            nest.Connect(pops[s], pops[t], {"rule": "fixed_total_number", "N": K},
                         {"synapse_model": "static_synapse", "weight": weight, "delay": delay})
            synapses += K
    recorders = []
    for p in range(8):
        sr = nest.Create("spike_recorder")
        nest.Connect(pops[p], sr)
        recorders.append(sr)
    create_connect_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    nest.Simulate(a.t_presim)
    presim_s = time.perf_counter() - t1
    counts0 = [sr.n_events for sr in recorders]
    t2 = time.perf_counter()
    nest.Simulate(a.t_sim)
    sim_s = time.perf_counter() - t2
    counts = [sr.n_events - c0 for sr, c0 in zip(recorders, counts0)]
    events = sum(counts[s] * sum(round(math.log(1 - PROB[t][s]) / math.log(1 - 1 / (sizes[s] * sizes[t]))) / sizes[s]
                                 for t in range(8) if PROB[t][s] > 0) for s in range(8))
    out = {
        "benchmark": "pd14_nest_layer", "tool": "bench/nest/pd14_nest.py", "simulator": f"NEST {nest.__version__}",
        "hardware": {"cpu": cpu_model(), "threads": a.threads},
        "scale": a.scale, "neurons": sum(sizes), "synapses": nest.GetKernelStatus("num_connections"),
        "synapses_requested": synapses,
        "background": "one poisson_generator per population, 8 Hz x K_ext, 87.8 pA, all_to_all",
        "create_connect_s": create_connect_s, "presim_ms": a.t_presim, "presim_s": presim_s,
        "build_s": create_connect_s + presim_s, "sim_ms": a.t_sim, "sim_s": sim_s,
        "rtf": sim_s / (a.t_sim * 1e-3), "synaptic_events": events, "events_per_s": events / sim_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "spike_recording": "one spike_recorder per population (NEST needs it to count spikes)",
        "populations": [{"name": NAMES[p], "size": sizes[p], "spikes": counts[p],
                         "rate_hz": counts[p] / sizes[p] / (a.t_sim * 1e-3)} for p in range(8)],
    }
    text = json.dumps(out, indent=2)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
