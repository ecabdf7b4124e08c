#!/usr/bin/env python3
"""NEST 3.10 reference for weights set on generator connections (tests/test_nest_generator_weights.cpp).

Integrators (iaf_psc_delta, C_m 1 pF, tau_m 1e5 ms, unreachable threshold) driven by a dc_generator, a
spike_generator (spikes at 4.9, 5.0 and 5.1 ms around the change), a noise_generator (std 0, dt 0.7 ms: the change
falls inside a block), a step_current_generator and two dc_generators connected one_to_one. The dc_generator's weight
is set before the first Simulate; after 5 ms every connection's weight is set (one_to_one: a list, one per pair);
then 10 ms more. Stored: V_m of every integrator at every step, and the weights GetConnections lists before the
first Simulate, after the first set and at the end.
"many_changes": one integrator driven by six dc_generators and two step_current_generators (delays 0.1-1.5 ms),
every weight set again after each of 12 runs of 0.7 ms: volley sums a step current's pieces into one input per
target (a population takes at most 8 time-varying inputs; unsummed these would be about 30).
Usage: /tmp/nestvenv/bin/python tools/nest_reference/make_generator_weight_references.py \
    > tests/reference/nest_generator_weights.json
"""
import json

import nest
import numpy as np

nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.resolution = 0.1
INTEGRATOR = {"C_m": 1.0, "tau_m": 1e5, "E_L": 0.0, "V_m": 0.0, "V_reset": 0.0, "V_th": 1e12, "t_ref": 0.0}
GENERATORS = [
    ("dc_generator", 1, {"amplitude": 10.0}, 1.5, 1.0, 0.5, 2.0),
    ("spike_generator", 1, {"spike_times": [1.0, 4.9, 5.0, 5.1, 7.0]}, 1.5, 2.0, None, -3.0),
    ("noise_generator", 1, {"mean": 20.0, "std": 0.0, "dt": 0.7}, 0.5, 1.0, None, 0.5),
    ("step_current_generator", 1, {"amplitude_times": [2.0, 6.0], "amplitude_values": [5.0, -7.0]}, 1.0, 1.0,
     None, 3.0),
    ("dc_generator", 2, {"amplitude": 4.0}, 0.3, 1.0, None, [2.5, -1.5]),
]
# (model, count, params, delay, weight at Connect, weight set before the first run or None, weight set after 5 ms)
cases = []
targets = []
for model, count, params, delay, weight, _, _ in GENERATORS:
    g = nest.Create(model, count, params=params)
    t = nest.Create("iaf_psc_delta", count, params=INTEGRATOR)
    nest.Connect(g, t, "one_to_one" if count > 1 else "all_to_all", syn_spec={"delay": delay, "weight": weight})
    cases.append(g)
    targets.append(t)
mm = nest.Create("multimeter", params={"interval": 0.1, "record_from": ["V_m"]})
every = targets[0]
for t in targets[1:]:
    every = every + t
nest.Connect(mm, every)


def weights():
    return [[float(w) for w in np.atleast_1d(nest.GetConnections(g).get("weight"))] for g in cases]


for g, (_, _, _, _, _, before, _) in zip(cases, GENERATORS):
    if before is not None:
        nest.GetConnections(g).set(weight=before)
listed_before = weights()
nest.Simulate(5.0)
for g, (_, _, _, _, _, _, after) in zip(cases, GENERATORS):
    nest.GetConnections(g).set(weight=after)
listed_after = weights()
nest.Simulate(10.0)
ev = mm.events
ids = [int(i) for i in every.tolist()]
v = [[] for _ in ids]
for s, t, x in sorted(zip(ev["senders"], ev["times"], ev["V_m"]), key=lambda r: (r[0], r[1])):
    v[ids.index(int(s))].append(round(float(x), 9))

def many_changes():
    nest.ResetKernel()
    nest.resolution = 0.1
    t = nest.Create("iaf_psc_delta", 1, params=INTEGRATOR)
    gens = []
    for k, d in enumerate([0.1, 0.3, 0.5, 0.8, 1.1, 1.5]):
        gens.append(("dc_generator", {"amplitude": 2.0 + k}, d))
    gens.append(("step_current_generator", {"amplitude_times": [1.0, 3.2, 6.1], "amplitude_values": [4.0, -2.0, 6.0]},
                 0.4))
    gens.append(("step_current_generator", {"amplitude_times": [0.5, 5.0], "amplitude_values": [-3.0, 1.5]}, 1.2))
    nodes = []
    for model, params, d in gens:
        g = nest.Create(model, params=params)
        nest.Connect(g, t, syn_spec={"delay": d, "weight": 1.0})
        nodes.append(g)
    m = nest.Create("multimeter", params={"interval": 0.1, "record_from": ["V_m"]})
    nest.Connect(m, t)
    runs, weights_set = 12, []
    for r in range(runs):
        nest.Simulate(0.7)
        w = [round(0.25 * (r + 2) * (-1) ** (k + r), 4) for k in range(len(nodes))]
        for g, x in zip(nodes, w):
            nest.GetConnections(g).set(weight=x)
        weights_set.append(w)
    nest.Simulate(2.0)
    ev = m.events
    return {"generators": [{"model": a, "params": b, "delay": c} for a, b, c in gens], "run_ms": 0.7,
            "final_ms": 2.0, "weights": weights_set,
            "V_m": [round(float(x), 9) for _, x in sorted(zip(ev["times"], ev["V_m"]))]}


first = {
    "nest_version": nest.__version__, "resolution": 0.1, "integrator": INTEGRATOR,
    "generators": [{"model": m, "count": c, "params": p, "delay": d, "weight": w, "weight_before_run": b,
                    "weight_after_5_ms": a} for m, c, p, d, w, b, a in GENERATORS],
    "listed_before_run": listed_before, "listed_after_set": listed_after, "listed_at_end": weights(),
    "V_m": v}
first["many_changes"] = many_changes()
print(json.dumps(first))
