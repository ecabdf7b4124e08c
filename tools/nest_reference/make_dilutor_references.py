#!/usr/bin/env python3
"""NEST 3.10 reference for the NEST layer's spike_dilutor (tests/test_nest_dilutor.cpp).

Protocol: a spike_generator drives two parrot neurons (delay 1 ms; spikes at 1.0, 2.0, 2.0 and 3.3 ms: one
step carries two spikes, a parrot's multiplicity 2); each parrot feeds its own spike_dilutor
(p_copy 1, one_to_one, delay 0.7 ms, weight 3, which NEST ignores), and each dilutor two integrators
(iaf_psc_delta, tau_m 1e9 ms, unreachable threshold; delay 0.4 ms, weight 2 mV). Stored: every integrator's V_m at every step (ms grid 0.1), and the parrots' spikes.
Usage: /tmp/nestvenv/bin/python tools/nest_reference/make_dilutor_references.py > tests/reference/nest_dilutor.json
"""
import json

import nest

nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.resolution = 0.1
sg = nest.Create("spike_generator", params={"spike_times": [1.0, 2.0, 2.0, 3.3]})
parrots = nest.Create("parrot_neuron", 2)
dil = nest.Create("spike_dilutor", 2, params={"p_copy": 1.0})
integ = {"tau_m": 1e9, "V_th": 1e9, "E_L": 0.0, "V_m": 0.0, "V_reset": 0.0, "C_m": 1.0}
targets = nest.Create("iaf_psc_delta", 4, params=integ)
nest.Connect(sg, parrots, syn_spec={"delay": 1.0})
nest.Connect(parrots, dil, "one_to_one", syn_spec={"delay": 0.7, "weight": 3.0})
nest.Connect(dil[0], targets[0:2], syn_spec={"delay": 0.4, "weight": 2.0})
nest.Connect(dil[1], targets[2:4], syn_spec={"delay": 0.4, "weight": 2.0})
mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
nest.Connect(mm, targets)
sr = nest.Create("spike_recorder")
nest.Connect(parrots, sr)
nest.Simulate(8.0)
ev = mm.events
first = targets[0].global_id
v = [[] for _ in range(4)]
for s, t, x in sorted(zip(ev["senders"], ev["times"], ev["V_m"]), key=lambda r: (r[0], r[1])):
    v[s - first].append(round(float(x), 9))
out = {
    "nest_version": nest.__version__,
    "description": " ".join(__doc__.strip().splitlines()[2:7]),
    "resolution": 0.1,
    "V_m": v,
    "parrot_spike_times": [float(t) for t in sr.events["times"]],
}
print(json.dumps(out))
