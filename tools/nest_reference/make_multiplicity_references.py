#!/usr/bin/env python3
"""NEST 3.10's recorders and correlation devices fed by spikes of multiplicity m > 1 (tests/test_nest_multiplicity.cpp):
writes tests/reference/nest_multiplicity.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_multiplicity_references.py

A parrot_neuron repeats the spikes that reach it in one step as one spike of multiplicity m, and a
spike_train_injector sends its spike_multiplicities; NEST's spike exchange passes such a spike on as m spikes.
Sections:
- "recorder": spike_generators with repeated times drive parrot_neurons; two spike_train_injectors with
  multiplicities; one spike_recorder records parrots and injectors (senders and times in NEST's order).
- "detector_cases": the format of nest_detectors.json's parrot_cases (spike_generator -> parrot_neuron -> detector),
  with repeated spike times, for correlation_detector and correlomatrix_detector: GetStatus after every Simulate.
One thread, one process.
"""
import json
import os
import random

# the parrot cases' runner and NEST's status keys are the detector references' (same folder)
from make_detector_references import quiet_nest, run_parrot_case

DT = 0.1


def as_ints(values):
    return [int(round(float(v))) for v in values]


def recorder(nest):
    gens = [[1.0, 1.0, 1.0, 2.5, 4.0, 4.0, 9.9], [2.5, 2.5, 3.0, 9.9, 9.9, 9.9, 9.9], [0.5, 6.1]]
    injectors = [{"spike_times": [1.5, 3.0, 7.2], "spike_multiplicities": [2, 1, 4]},
                 {"spike_times": [3.0, 3.0, 8.8], "spike_multiplicities": [1, 3, 2]}]
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    g = [nest.Create("spike_generator", params={"spike_times": t}) for t in gens]
    parrots = nest.Create("parrot_neuron", len(gens))
    for i in range(len(gens)):
        nest.Connect(g[i], parrots[i], syn_spec={"delay": 1.0})
    inj = nest.Create("spike_train_injector", len(injectors))
    for i, p in enumerate(injectors):
        inj[i].set(p)
    sr = nest.Create("spike_recorder")
    nest.Connect(parrots, sr)
    nest.Connect(inj, sr)
    nest.Simulate(15.0)
    ev = sr.get("events")
    return {"generators": gens, "injectors": injectors, "delay": 1.0, "simulate": 15.0,
            "senders": as_ints(ev["senders"]), "times": [round(float(t), 9) for t in ev["times"]]}


def repeated_times(rng, t_sim, n):
    """n spike steps in (0, t_sim), a third of them repeated 2 to 4 times."""
    steps = sorted(rng.randint(1, int(t_sim / DT)) for _ in range(n))
    times = []
    for s in steps:
        times += [round(s * DT, 1)] * (rng.choice([2, 3, 4]) if rng.random() < 0.35 else 1)
    return times


def detector_cases():
    rng = random.Random(20261123)
    cases = []
    for k in range(6):
        matrix = k % 2 == 1
        npar = rng.randint(2, 4)
        t_sim = float(rng.randint(80, 160))
        D = rng.choice([1, 3, 5]) if matrix else rng.choice([1, 2, 5])
        tmax = D * rng.randint(1, 10)
        dgen = rng.choice([0.1, 1.0])
        ddet = 0.1 if not matrix else rng.choice([0.1, 1.0])
        N = rng.randint(2, 3) if matrix else 2
        params = {"delta_tau": round(D * DT, 1), "tau_max": round(tmax * DT, 1)}
        if matrix:
            params["N_channels"] = N
        gens = [{"spike_times": repeated_times(rng, t_sim, rng.randint(10, 120)), "delay": dgen} for _ in range(npar)]
        conns = []
        for i in range(npar):
            for port in range(N):
                if rng.random() < 0.6 or (i == port):
                    conns.append({"parrot": i, "receptor_type": port, "delay": ddet,
                                  "weight": rng.choice([1.0, 0.5, -2.0, 1.7])})
        sims = [t_sim] if k < 3 else [round(t_sim / 3, 1), round(t_sim - round(t_sim / 3, 1), 1)]
        cases.append({"name": f"repeated_{'matrix' if matrix else 'pair'}_{k}",
                      "detector": "correlomatrix_detector" if matrix else "correlation_detector", "dt": DT,
                      "params": params, "generators": gens, "connections": conns, "sims": sims})
    return cases


def main():
    nest = quiet_nest()
    out = {"nest_version": nest.__version__,
           "stamps": "times in ms are NEST's stamps: a spike in the step [t - dt, t) has stamp t",
           "recorder": recorder(nest),
           "detector_cases": [run_parrot_case(nest, c) for c in detector_cases()]}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "nest_multiplicity.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path) // 1024, "kB")
    for c in out["detector_cases"]:
        print(c["name"], "n_events", c["results"][-1]["n_events"])


if __name__ == "__main__":
    main()
