#!/usr/bin/env python3
"""NEST 3.10 with NodeCollections joined by + (tests/test_nest_composite.cpp): writes
tests/reference/nest_composite.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_composite_references.py

Three neuron populations (iaf_psc_alpha, iaf_psc_exp, iaf_psc_alpha) are set, connected and recorded through
collections that span several Create() calls: per-node lists over a collection, a spike_generator into one,
all_to_all between two overlapping ones, one_to_one with a per-connection weight list across their boundaries, and
one spike_recorder for all. After a first run, V_m is set over a collection again. Stored: the protocol, the ids of
every collection (NEST's order), GetConnections' (source, target, weight) between two collections, V_m of a collection
after each run and the spikes. One thread; every rule is deterministic.
"""
import json
import os

from make_detector_references import collection_of, fresh_nodes, quiet_nest

DT = 0.1
A, B, SG, C, SR = 0, 1, 2, 3, 4
NODES = [
    {"model": "iaf_psc_alpha", "n": 3, "params": {}},
    {"model": "iaf_psc_exp", "n": 2, "params": {}},
    {"model": "spike_generator", "n": 1, "params": {"spike_times": [5.0, 12.0, 12.5, 30.0, 41.0, 63.0]}},
    {"model": "iaf_psc_alpha", "n": 2, "params": {"tau_m": 12.0, "I_e": 300.0}},
    {"model": "spike_recorder", "n": 1, "params": {}},
]
# a collection: the sum of [node, first, end) ranges, in the order written (NEST sorts them)
X = [[B, 0, 2], [A, 0, 3]]
Y = [[C, 0, 2], [A, 2, 3]]
STEPS = [
    {"set": X, "params": {"I_e": [376.0, 390.0, 410.0, 370.0, 420.0]}},
    {"set": [[A, 0, 3], [C, 0, 2]], "params": {"V_m": [-70.0, -65.0, -60.0, -68.0, -66.0]}},
    {"connect": [[[SG, 0, 1]], [[A, 0, 3], [C, 0, 2]]], "conn": "all_to_all", "syn": {"weight": 900.0, "delay": 1.0}},
    {"connect": [X, Y], "conn": "all_to_all", "syn": {"weight": 40.0, "delay": 1.5}},
    {"connect": [[[A, 0, 2], [B, 0, 2]], [[C, 0, 2], [B, 0, 1], [A, 2, 3]]], "conn": "one_to_one",
     "syn": {"weight": [100.0, -80.0, 120.0, 90.0], "delay": 2.0}},
    {"connect": [[[A, 0, 3], [B, 0, 2], [C, 0, 2]], [[SR, 0, 1]]], "conn": "all_to_all", "syn": {}},
    {"simulate": 50.0},
    {"set": [[B, 1, 2], [C, 0, 2], [A, 0, 1]], "params": {"V_m": [-55.5, -69.0, -58.0, -62.0]}},
    {"simulate": 40.0},
]
COLLECTIONS = [X, Y, [[B, 0, 1], [A, 0, 2]], [[C, 1, 2], [A, 1, 3], [B, 0, 2]]]  # ids in NEST's order (tolist)
VM_OF = [[B, 0, 2], [A, 0, 3], [C, 0, 2]]


def main():
    nest = quiet_nest()
    nodes = fresh_nodes(nest, NODES, DT)

    def collection(spec):
        return collection_of(nodes, spec)

    vm_after = []
    for s in STEPS:
        if "set" in s:
            collection(s["set"]).set(s["params"])
        elif "connect" in s:
            nest.Connect(collection(s["connect"][0]), collection(s["connect"][1]), s["conn"],
                         s["syn"] if s["syn"] else None)
        else:
            nest.Simulate(s["simulate"])
            vm_after.append([float(v) for v in collection(VM_OF).get("V_m")])
    conns = nest.GetConnections(source=collection(X), target=collection(Y))
    sr = nodes[SR].get("events")
    out = {"nest_version": nest.__version__, "dt": DT, "nodes": NODES, "steps": STEPS,
           "first_ids": [int(n[0].global_id) for n in nodes],
           "collections": COLLECTIONS, "collection_ids": [collection(c).tolist() for c in COLLECTIONS],
           "connections_x_to_y": [[int(a), int(b), float(w)] for a, b, w in
                                  zip(conns.get("source"), conns.get("target"), conns.get("weight"))],
           "vm_of": VM_OF, "vm_after_each_simulate": vm_after,
           "spikes": {k: [round(float(x), 9) for x in sr[k]] for k in ("senders", "times")}}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "nest_composite.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")
    print("collections", out["collection_ids"])
    print("spikes per sender", {s: sr["senders"].tolist().count(s) for s in sorted(set(sr["senders"].tolist()))})
    print("x -> y", len(out["connections_x_to_y"]), out["connections_x_to_y"][:6])


if __name__ == "__main__":
    main()
