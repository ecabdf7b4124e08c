#!/usr/bin/env python3
"""NEST reference for spike_train_injector in the NEST layer (tests/test_nest_spike_train_injector.cpp).

Part "static": four injectors of one Create() call, each set on its own, each feeding its own iaf_psc_alpha
(defaults) through a static_synapse; the targets' V_m at every step (resolution 0.1 ms). Injector 0: times with
multiplicities (two equal times, 2.5 ms, multiplicities 2 and 1); 1: origin 1, start 1, stop 6 ms; 2:
allow_offgrid_times and shift_now_spikes (a spike at 0 ms); 3: precise_times (off-grid times).
Part "stdp": one injector (spikes every ~7 ms, some with multiplicity 2) onto an iaf_psc_alpha driven by I_e through
an stdp_synapse (weight_recorder): every transmitted weight, the post neuron's spikes and V_m at every step.
Usage: PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_injector_references.py > tests/reference/spike_train_injector.json
"""
import json

import nest

DT = 0.1

INJECTORS = [
    {"spike_times": [1.0, 2.5, 2.5, 4.0, 7.3], "spike_multiplicities": [1, 2, 1, 3, 1]},
    {"spike_times": [0.5, 1.0, 1.5, 3.0, 5.0, 6.0, 9.0], "origin": 1.0, "start": 1.0, "stop": 6.0},
    {"spike_times": [0.0, 0.33, 1.01, 2.05, 5.0], "allow_offgrid_times": True, "shift_now_spikes": True},
    {"spike_times": [1.23, 4.56, 4.6], "precise_times": True, "spike_multiplicities": [2, 1, 1]},
]
SYN = [{"weight": 60.0, "delay": 1.0}, {"weight": -40.0, "delay": 1.5}, {"weight": 50.0, "delay": 0.3},
       {"weight": 45.0, "delay": 2.0}]
T_STATIC = 15.0

PRE_TIMES = [round(3.0 + 7.0 * i + (0.4 if i % 3 == 1 else 0.0), 1) for i in range(40)]
PRE_MULT = [2 if i % 4 == 2 else 1 for i in range(40)]
STDP = {"weight": 20.0, "delay": 1.0, "tau_plus": 20.0, "lambda": 0.05, "alpha": 1.1, "mu_plus": 1.0,
        "mu_minus": 1.0, "Wmax": 100.0}
POST = {"I_e": 390.0}
T_STDP = 300.0


def v_traces(mm, first, n):
    ev = mm.events
    v = [[] for _ in range(n)]
    for s, t, x in sorted(zip(ev["senders"], ev["times"], ev["V_m"]), key=lambda r: (r[0], r[1])):
        v[s - first].append(round(float(x), 9))
    return v


def static_part():
    nest.ResetKernel()
    nest.resolution = DT
    inj = nest.Create("spike_train_injector", len(INJECTORS))
    for i, p in enumerate(INJECTORS):
        inj[i].set(p)
    tgt = nest.Create("iaf_psc_alpha", len(INJECTORS))
    for i, s in enumerate(SYN):
        nest.Connect(inj[i], tgt[i], syn_spec=dict(s))
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(mm, tgt)
    nest.Simulate(T_STATIC)
    return {"injectors": INJECTORS, "synapses": SYN, "t_sim_ms": T_STATIC,
            "V_m": v_traces(mm, tgt[0].global_id, len(INJECTORS))}


def stdp_part():
    nest.ResetKernel()
    nest.resolution = DT
    inj = nest.Create("spike_train_injector", params={"spike_times": PRE_TIMES, "spike_multiplicities": PRE_MULT})
    post = nest.Create("iaf_psc_alpha", params=POST)
    wr = nest.Create("weight_recorder")
    nest.CopyModel("stdp_synapse", "stdp_rec", {"weight_recorder": wr})
    nest.Connect(inj, post, syn_spec=dict(STDP, synapse_model="stdp_rec"))
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(mm, post)
    sr = nest.Create("spike_recorder")
    nest.Connect(post, sr)
    nest.Simulate(T_STDP)
    ev = wr.events
    return {"pre_times": PRE_TIMES, "pre_multiplicities": PRE_MULT, "synapse": STDP, "post": POST,
            "t_sim_ms": T_STDP,
            "weight_times": [round(float(t), 6) for t in ev["times"]],
            "weights": [round(float(w), 12) for w in ev["weights"]],
            "post_spike_times": [round(float(t), 6) for t in sr.events["times"]],
            "final_weight": float(nest.GetConnections(inj, post).get("weight")),
            "V_m": v_traces(mm, post.global_id, 1)[0]}


nest.set_verbosity("M_ERROR")
out = {"nest_version": nest.__version__, "description": " ".join(__doc__.strip().splitlines()[2:9]),
       "resolution": DT, "static": static_part(), "stdp": stdp_part()}
print(json.dumps(out))
