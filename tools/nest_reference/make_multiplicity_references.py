#!/usr/bin/env python3
"""NEST 3.10's recorders and correlation devices fed by spikes of multiplicity m > 1 (tests/test_nest_multiplicity.cpp):
writes tests/reference/nest_multiplicity.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_multiplicity_references.py

A parrot_neuron repeats the spikes that reach it in one step as one spike of multiplicity m, and a
spike_train_injector sends its spike_multiplicities; NEST's spike exchange passes such a spike on as m spikes.
Sections:
- "recorder": spike_generators with repeated times drive parrot_neurons; two spike_train_injectors with
  multiplicities; one spike_recorder records parrots and injectors (senders and times in NEST's order).
- "synapses": a spike_train_injector and a parrot_neuron (fed by spike_generators with repeated times) drive four
  iaf_psc_exp neurons through static, tsodyks, tsodyks2 and bernoulli (p_transmit 1) synapses and a CopyModel copy
  of static_synapse, all with one weight_recorder: the m events of every count in NEST's order (by synapse model
  id, then spike, then connection), each short-term plasticity jump, and V_m of the targets at every step.
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


def synapses(nest):
    injector = {"spike_times": [1.0, 4.0, 6.5, 9.0, 12.3], "spike_multiplicities": [3, 1, 2, 4, 2]}
    parrot_times = [2.0, 2.0, 7.7, 7.7, 7.7, 11.1, 12.3, 12.3]
    target = {"V_th": 1000.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0}
    # (source, target index, synapse model, syn_spec); created out of NEST's synapse model id order on purpose
    connections = [
        ("injector", 1, "tsodyks_synapse", {"weight": 5.0, "U": 0.5, "tau_rec": 100.0, "tau_fac": 0.0, "tau_psc": 2.0}),
        ("injector", 0, "static_synapse", {"weight": 2.0}),
        ("injector", 2, "tsodyks2_synapse", {"weight": 4.0, "U": 0.3, "tau_rec": 50.0, "tau_fac": 20.0}),
        ("injector", 3, "static_copy", {"weight": -1.5}),
        ("injector", 3, "bernoulli_synapse", {"weight": 1.25, "p_transmit": 1.0}),
        ("parrot", 2, "tsodyks_synapse", {"weight": -3.0, "U": 0.2, "tau_rec": 80.0, "tau_fac": 30.0, "tau_psc": 2.0}),
        ("parrot", 0, "static_synapse", {"weight": -1.0}),
        ("parrot", 1, "tsodyks2_synapse", {"weight": 2.5, "U": 0.6, "tau_rec": 20.0, "tau_fac": 0.0}),
        ("parrot", 3, "static_copy", {"weight": 0.75}),
    ]
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    inj = nest.Create("spike_train_injector", params=injector)
    gen = nest.Create("spike_generator", params={"spike_times": parrot_times})
    parrot = nest.Create("parrot_neuron")
    nest.Connect(gen, parrot, syn_spec={"delay": 1.0})
    post = nest.Create("iaf_psc_exp", 4, params=target)
    wr = nest.Create("weight_recorder")
    for model in ["static_synapse", "tsodyks_synapse", "tsodyks2_synapse", "bernoulli_synapse"]:
        nest.SetDefaults(model, {"weight_recorder": wr})
    nest.CopyModel("static_synapse", "static_copy", {"weight_recorder": wr})
    for src, t, model, spec in connections:
        nest.Connect(inj if src == "injector" else parrot, post[t], syn_spec=dict(spec, synapse_model=model, delay=1.5))
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(mm, post)
    nest.Simulate(20.0)
    ev = wr.get("events")
    mev = mm.get("events")
    ids = [int(i) for i in post.global_id]
    v_m = [[round(float(v), 12) for v, s in zip(mev["V_m"], mev["senders"]) if int(s) == i] for i in ids]
    return {"injector": injector, "parrot_times": parrot_times, "parrot_delay": 1.0, "delay": 1.5, "target": target,
            "connections": [{"source": c[0], "target": c[1], "synapse_model": c[2], "syn_spec": c[3]}
                            for c in connections],
            "simulate": 20.0, "ids": {"injector": int(inj.global_id), "parrot": int(parrot.global_id),
                                      "targets": ids},
            "weight_events": {"senders": as_ints(ev["senders"]), "targets": as_ints(ev["targets"]),
                              "times": [round(float(t), 9) for t in ev["times"]],
                              "weights": [float(w) for w in ev["weights"]]},
            "V_m": v_m}


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
           "synapses": synapses(nest),
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
