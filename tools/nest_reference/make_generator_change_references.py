#!/usr/bin/env python3
"""NEST 3.10's sinusoidal_poisson_generator and inhomogeneous_poisson_generator changed (and created) between
Simulate calls (tests/test_nest_generator_changes.cpp): writes tests/reference/nest_generator_changes.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_generator_change_references.py

Two kinds of protocol, each a list of runs with the parameters set before each:
- "edges": rates of 1e6 Hz, so that a parrot fed by the generator spikes in every step its rate is on (the chance
  of a step without a spike is e^-100): the set of spike times is deterministic and gives, to the step, when each
  change takes effect (a generator switched on and off, a held rate, generators created after a run).
- "profiles": 2000 parrots, PSTHs in 5 ms bins before and after a change (a sinusoid's frequency and amplitude:
  NEST's phase runs on in absolute time; an inhomogeneous schedule replaced, the rate in force held until the first
  new time), compared in the test with the definitions and with NEST's histograms.
One thread.
"""
import numpy as np

from make_detector_references import quiet_nest, write_reference

DT = 0.1
ON = 1e6

EDGES = [
    {"name": "sinusoidal_on_off_on", "model": "sinusoidal_poisson_generator", "delay": 1.0,
     "params": {"rate": ON, "amplitude": 0.0},
     "runs": [[20.0, None], [10.3, {"rate": 0.0}], [10.0, {"rate": ON}]]},
    {"name": "sinusoidal_delay_2_5", "model": "sinusoidal_poisson_generator", "delay": 2.5,
     "params": {"rate": 0.0, "amplitude": 0.0},
     "runs": [[15.0, None], [12.0, {"rate": ON}], [10.0, {"rate": 0.0}]]},
    {"name": "inhomogeneous_held_rate", "model": "inhomogeneous_poisson_generator", "delay": 1.0,
     "params": {"rate_times": [5.0, 30.0], "rate_values": [ON, 0.0]},
     "runs": [[20.0, None], [20.0, {"rate_times": [35.0], "rate_values": [0.0]}],
              [20.0, {"rate_times": [45.0, 50.0], "rate_values": [ON, 0.0]}]]},
    {"name": "inhomogeneous_next_step", "model": "inhomogeneous_poisson_generator", "delay": 1.5,
     "params": {"rate_times": [2.0], "rate_values": [ON]},
     "runs": [[20.0, None], [10.0, {"rate_times": [20.1, 25.0], "rate_values": [0.0, ON]}]]},
    {"name": "sinusoidal_created_late", "model": "sinusoidal_poisson_generator", "delay": 1.0, "late": 12.0,
     "params": {"rate": ON, "amplitude": 0.0}, "runs": [[12.0, None], [10.0, None]]},
    {"name": "inhomogeneous_created_late", "model": "inhomogeneous_poisson_generator", "delay": 1.0, "late": 12.0,
     "params": {"rate_times": [15.0, 18.0], "rate_values": [ON, 0.0]}, "runs": [[12.0, None], [10.0, None]]},
]

PROFILES = [
    {"name": "sinusoidal_frequency_change", "model": "sinusoidal_poisson_generator", "delay": 1.0, "n": 2000,
     "params": {"rate": 100.0, "amplitude": 100.0, "frequency": 10.0, "phase": 30.0},
     "runs": [[1033.0, None], [1000.0, {"frequency": 7.0, "amplitude": 60.0}]]},
    {"name": "inhomogeneous_schedule_replaced", "model": "inhomogeneous_poisson_generator", "delay": 1.0, "n": 2000,
     "params": {"rate_times": [0.1, 200.0, 500.0], "rate_values": [50.0, 100.0, 10.0]},
     "runs": [[300.0, None], [400.0, {"rate_times": [450.0, 600.0], "rate_values": [20.0, 80.0]}]]},
]
BIN = 5.0


def run(nest, case, n):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    nest.rng_seed = 11
    par = nest.Create("parrot_neuron", n)
    sr = nest.Create("spike_recorder")
    nest.Connect(par, sr)
    g = None
    if "late" not in case:
        g = nest.Create(case["model"], params=case["params"])
        nest.Connect(g, par, syn_spec={"delay": case["delay"]})
    for k, (duration, change) in enumerate(case["runs"]):
        if g is None and k == 1:  # created and connected after the first run
            g = nest.Create(case["model"], params=case["params"])
            nest.Connect(g, par, syn_spec={"delay": case["delay"]})
        if change:
            g.set(change)
        nest.Simulate(duration)
    return sr.get("events")


def main():
    nest = quiet_nest()
    out = {"nest_version": nest.__version__, "dt": DT, "bin_ms": BIN, "edges": [], "profiles": []}
    for case in EDGES:
        ev = run(nest, case, 1)
        times = sorted(set(round(float(t), 9) for t in ev["times"]))
        out["edges"].append(dict(case, spike_times=times))
        print(case["name"], len(times), "spikes", times[:2], "...", times[-2:])
    for case in PROFILES:
        ev = run(nest, case, case["n"])
        total = sum(r[0] for r in case["runs"])
        edges = np.arange(0.0, total + BIN / 2, BIN)
        hist, _ = np.histogram(np.asarray(ev["times"]) - DT / 2, edges)  # a spike at t lies in the step before t
        out["profiles"].append(dict(case, histogram=[int(h) for h in hist]))
        print(case["name"], int(hist.sum()), "spikes in", len(hist), "bins")
    write_reference(out, "nest_generator_changes.json")


if __name__ == "__main__":
    main()
