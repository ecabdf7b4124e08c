#!/usr/bin/env python3
"""NEST 3.10's SetStatus on connections between Simulate calls (tests/test_nest_connection_weights.cpp): writes
tests/reference/nest_connection_weights.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_connection_weight_references.py

Four parrots repeat four spike trains into iaf_psc_exp (static_synapse and tsodyks2_synapse), iaf_cond_alpha
(inhibitory static_synapse) and iaf_psc_alpha (stdp_synapse; the targets spike on their own). Between runs the
weights are set through GetConnections(source, target, synapse_model).set(weight=...), as one number or one value
per connection; a run ends inside a min_delay slice. Stored: the protocol, the (source, target) order of every
selection, V_m of every target at every step, the spikes, and every connection's weight after each run. One thread.
Key before_first_run: the same network with weights set before the first Simulate and a Connect between two sets,
with full GetConnections() queries (source, target, weight, delay, synapse_model) before and after the runs.
"""
import json
import os

from make_detector_references import quiet_nest

DT = 0.1
TRAINS = [[2.0, 9.0, 17.0, 30.0, 44.0, 58.0, 71.0, 90.0, 101.0],
          [4.0, 12.5, 25.0, 41.0, 52.0, 66.0, 80.0, 95.0],
          [6.0, 20.0, 33.0, 47.5, 61.0, 77.0, 99.0],
          [8.0, 15.0, 36.0, 55.0, 69.0, 85.0, 104.0]]
GEN, PARROT, PSC_EXP, COND_ALPHA, PSC_ALPHA, MM, SR = 0, 4, 5, 6, 7, 8, 9
NODES = [{"model": "spike_generator", "n": 1, "params": {"spike_times": t}} for t in TRAINS] + [
    {"model": "parrot_neuron", "n": 4, "params": {}},
    {"model": "iaf_psc_exp", "n": 3, "params": {"I_e": 360.0}},
    {"model": "iaf_cond_alpha", "n": 2, "params": {"I_e": 700.0}},
    {"model": "iaf_psc_alpha", "n": 2, "params": {"I_e": 400.0}},
    {"model": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": 0.1}},
    {"model": "spike_recorder", "n": 1, "params": {}},
]
# [node, first, end) ranges
CONNECTIONS = [{"pre": [GEN + i, 0, 1], "post": [PARROT, i, i + 1], "conn": "all_to_all",
                "syn": {"weight": 1.0, "delay": 1.0}} for i in range(4)] + [
    {"pre": [PARROT, 0, 4], "post": [PSC_EXP, 0, 3], "conn": "all_to_all", "syn": {"weight": 100.0, "delay": 1.0}},
    {"pre": [PARROT, 0, 4], "post": [COND_ALPHA, 0, 2], "conn": "all_to_all", "syn": {"weight": -2.0, "delay": 1.5}},
    {"pre": [PARROT, 0, 4], "post": [PSC_ALPHA, 0, 2], "conn": "all_to_all",
     "syn": {"synapse_model": "stdp_synapse", "weight": 200.0, "Wmax": 1000.0, "delay": 1.0}},
    {"pre": [PARROT, 0, 2], "post": [PSC_EXP, 2, 3], "conn": "all_to_all",
     "syn": {"synapse_model": "tsodyks2_synapse", "weight": 300.0, "delay": 2.0}},
]
for target in (PSC_EXP, COND_ALPHA, PSC_ALPHA):
    CONNECTIONS.append({"pre": [MM, 0, 1], "post": [target, 0, NODES[target]["n"]], "conn": "all_to_all", "syn": {}})
for source in (PSC_EXP, COND_ALPHA, PSC_ALPHA):
    CONNECTIONS.append({"pre": [source, 0, NODES[source]["n"]], "post": [SR, 0, 1], "conn": "all_to_all", "syn": {}})
# source / target: [node, first, end) or null (all); synapse_model or null
STEPS = [
    {"simulate": 40.0},
    {"source": [PARROT, 0, 4], "target": [PSC_EXP, 0, 3], "synapse_model": "static_synapse",
     "weight": [150.0, 0.0, 220.0, 80.0, 120.0, 60.0, 300.0, 10.0, 90.0, 200.0, 40.0, 130.0]},
    {"source": [PARROT, 0, 4], "target": [COND_ALPHA, 0, 2], "synapse_model": None, "weight": -12.0},
    {"source": None, "target": None, "synapse_model": "stdp_synapse",
     "weight": [100.0, 400.0, 250.0, 50.0, 700.0, 0.0, 320.0, 180.0]},
    {"simulate": 30.3},
    {"source": [PARROT, 1, 2], "target": [PSC_EXP, 0, 3], "synapse_model": None, "weight": 50.0},
    {"source": [PARROT, 0, 4], "target": [PSC_EXP, 2, 3], "synapse_model": None,  # static, tsodyks2
     "weight": [60.0, 250.0, 90.0, 400.0, 30.0, 170.0]},
    {"source": [PARROT, 0, 1], "target": [PSC_ALPHA, 1, 2], "synapse_model": "stdp_synapse", "weight": [900.0]},
    {"simulate": 40.0},
]
# The same network with weights set before the first Simulate (NEST makes connections at Connect, so
# GetConnections lists them at once), a Connect between two sets, and full queries (every connection, devices'
# too, with delays and models)
STEPS_BEFORE_RUN = [
    {"query": True},
    {"source": [PARROT, 0, 4], "target": [PSC_EXP, 0, 3], "synapse_model": "static_synapse",
     "weight": [150.0, 0.0, 220.0, 80.0, 120.0, 60.0, 300.0, 10.0, 90.0, 200.0, 40.0, 130.0]},
    {"source": [PARROT, 0, 4], "target": [COND_ALPHA, 0, 2], "synapse_model": None, "weight": -12.0},
    {"connect": {"pre": [PARROT, 2, 4], "post": [PSC_EXP, 0, 2], "conn": "one_to_one",
                 "syn": {"weight": 50.0, "delay": 1.2}}},
    {"source": None, "target": None, "synapse_model": "stdp_synapse",
     "weight": [100.0, 400.0, 250.0, 50.0, 700.0, 0.0, 320.0, 180.0]},
    {"source": [PARROT, 2, 4], "target": [PSC_EXP, 0, 3], "synapse_model": "static_synapse",
     "weight": [75.0, 15.0, 95.0, 260.0, 5.0, 35.0, 110.0, 140.0]},
    {"source": [MM, 0, 1], "target": None, "synapse_model": None, "weight": 3.5},
    {"query": True},
    {"simulate": 40.0},
    {"source": [PARROT, 1, 2], "target": [PSC_EXP, 0, 3], "synapse_model": None, "weight": 50.0},
    {"simulate": 30.3},
    {"query": True},
]
TARGETS = [PSC_EXP, COND_ALPHA, PSC_ALPHA]


def in_transit(nest):
    """A weight set while a spike is still in NEST's spike exchange (emitted in the last min_delay slice of the run):
    NEST delivers it after the change, with the new weight (static_synapse through two delays, tsodyks2_synapse)."""
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    a = nest.Create("iaf_psc_alpha", params={"I_e": 400.0})  # spikes at 27.8 ms
    b = nest.Create("iaf_psc_delta", 2, params={"tau_m": 1e9, "V_th": 1e9})
    nest.Connect(a, b[0], syn_spec={"weight": 1.0, "delay": 1.0})
    nest.Connect(a, b[0], syn_spec={"weight": 1.0, "delay": 1.5})
    nest.Connect(a, b[1], syn_spec={"synapse_model": "tsodyks2_synapse", "weight": 2.0, "delay": 1.0, "U": 0.4})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, b)
    nest.Simulate(28.0)
    nest.GetConnections(a, b[0]).set(weight=5.0)
    nest.GetConnections(a, b[1]).set(weight=7.0)
    nest.Simulate(5.0)
    ev = mm.get("events")
    return {"first_ids": [int(a.global_id), int(b[0].global_id)], "sims": [28.0, 5.0],
            "multimeter": {k: [round(float(x), 10) for x in ev[k]] for k in ("senders", "times", "V_m")}}


def run(nest, steps):
    """The network of NODES and CONNECTIONS through `steps`: what the test compares."""
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    nodes = []
    for n in NODES:
        nodes.append(nest.Create(n["model"], n["n"], params=n["params"]))
    for c in CONNECTIONS:
        pre = nodes[c["pre"][0]][c["pre"][1]:c["pre"][2]]
        post = nodes[c["post"][0]][c["post"][1]:c["post"][2]]
        nest.Connect(pre, post, c["conn"], c["syn"] if c["syn"] else None)

    def selection(s):
        args = {}
        if s["source"] is not None:
            args["source"] = nodes[s["source"][0]][s["source"][1]:s["source"][2]]
        if s["target"] is not None:
            args["target"] = nodes[s["target"][0]][s["target"][1]:s["target"][2]]
        if s["synapse_model"] is not None:
            args["synapse_model"] = s["synapse_model"]
        return nest.GetConnections(**args)

    def column(conns, key):
        v = conns.get(key)
        return v if isinstance(v, list) else [v]

    neurons = nodes[PARROT] + nodes[PSC_EXP] + nodes[COND_ALPHA] + nodes[PSC_ALPHA]
    orders, weights_after, queries = [], [], []
    for s in steps:
        if "query" in s:
            conns = nest.GetConnections()
            queries.append({k: column(conns, k) for k in ("source", "target", "weight", "delay", "synapse_model")})
        elif "connect" in s:
            c = s["connect"]
            nest.Connect(nodes[c["pre"][0]][c["pre"][1]:c["pre"][2]], nodes[c["post"][0]][c["post"][1]:c["post"][2]],
                         c["conn"], c["syn"])
        elif "simulate" in s:
            nest.Simulate(s["simulate"])
            conns = nest.GetConnections(source=neurons, target=neurons)
            weights_after.append([[int(a), int(b), float(w)] for a, b, w in
                                  zip(column(conns, "source"), column(conns, "target"), column(conns, "weight"))])
        else:
            conns = selection(s)
            orders.append([[int(a), int(b)] for a, b in zip(column(conns, "source"), column(conns, "target"))])
            conns.set(weight=s["weight"])
    mm = nodes[MM].get("events")
    sr = nodes[SR].get("events")
    return {"steps": steps, "first_ids": [int(n[0].global_id) for n in nodes], "set_orders": orders,
            "weights_after_each_simulate": weights_after, "queries": queries,
            "multimeter": {k: [round(float(x), 10) for x in mm[k]] for k in ("senders", "times", "V_m")},
            "spikes": {k: [round(float(x), 9) for x in sr[k]] for k in ("senders", "times")}}


def main():
    nest = quiet_nest()
    out = {"nest_version": nest.__version__, "dt": DT, "nodes": NODES, "connections": CONNECTIONS,
           **run(nest, STEPS)}
    out["before_first_run"] = run(nest, STEPS_BEFORE_RUN)
    out["in_transit"] = in_transit(nest)
    sr = out["spikes"]
    weights_after = out["weights_after_each_simulate"]
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "nest_connection_weights.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path) // 1024, "kB")
    for i, node in enumerate(TARGETS):
        first = out["first_ids"][node]
        print(NODES[node]["model"], [round(t, 1) for s, t in zip(sr["senders"], sr["times"])
                                     if first <= s < first + NODES[node]["n"]])
    print("stdp weights after each run", [[w for a, b, w in run if b >= out["first_ids"][PSC_ALPHA]] for run in weights_after])


if __name__ == "__main__":
    main()
