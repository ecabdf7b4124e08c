#!/usr/bin/env python3
"""NEST 3.10 with per-connection syn_spec arrays for the rules other than one_to_one (tests/test_nest_syn_arrays.cpp):
writes tests/reference/nest_syn_arrays.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_syn_array_references.py

Deterministic part: three spike_generators (one_to_one from a collection over their Create() calls) drive three parrots; the parrots project all_to_all onto four
iaf_psc_exp with a [post][pre] weight array of both signs and a delay array; four iaf_psc_alpha with I_e are coupled
all_to_all without autapses ([post][pre] arrays whose diagonal NEST skips); a second all_to_all from a collection
over two Create() calls reaches the iaf_psc_exp too. Stored: GetConnections' rows (source, target, weight, delay) in
NEST's order, V_m of the iaf_psc_exp at every step and every spike.
Drawn part: fixed_indegree ([post][indegree]), fixed_outdegree ([pre][outdegree]) and fixed_total_number ([N]) with
distinct weights and delays; NEST's rows are stored and the test compares what does not depend on the random draw:
each target's (indegree) or source's (outdegree) set of (weight, delay) pairs, and the whole set (total number).
One thread.
"""
import os

from make_detector_references import collection_of, fresh_nodes, quiet_nest, write_reference

DT = 0.1
SG0, SG1, SG2, P, E, R, Q, Z, SR, MM = range(10)
NODES = [
    {"model": "spike_generator", "n": 1, "params": {"spike_times": [2.0, 20.0, 41.3]}},
    {"model": "spike_generator", "n": 1, "params": {"spike_times": [5.5, 20.0, 33.1]}},
    {"model": "spike_generator", "n": 1, "params": {"spike_times": [9.0, 27.7, 50.2]}},
    {"model": "parrot_neuron", "n": 3, "params": {}},
    {"model": "iaf_psc_exp", "n": 4, "params": {"tau_syn_ex": 1.5, "tau_syn_in": 4.0}},
    {"model": "iaf_psc_alpha", "n": 4, "params": {"I_e": [380.0, 395.0, 410.0, 425.0]}},
    {"model": "iaf_psc_alpha", "n": 6, "params": {}},
    {"model": "iaf_psc_alpha", "n": 5, "params": {}},
    {"model": "spike_recorder", "n": 1, "params": {}},
    {"model": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": DT}},
]


def grid(rows, cols, f):
    return [[f(i, j) for j in range(cols)] for i in range(rows)]


# [node, first, end) ranges joined with + (NEST sorts them)
STEPS = [
    {"connect": [[[SG0, 0, 1], [SG1, 0, 1], [SG2, 0, 1]], [[P, 0, 3]]], "conn": "one_to_one", "syn": {"weight": 1.0, "delay": 1.0}},
    {"connect": [[[P, 0, 3]], [[E, 0, 4]]], "conn": "all_to_all",
     "syn": {"weight": grid(4, 3, lambda i, j: [[900.0, -700.0, 650.0], [-500.0, 800.0, 720.0],
                                               [610.0, 640.0, -900.0], [-450.0, -520.0, 980.0]][i][j]),
             "delay": grid(4, 3, lambda i, j: round(1.0 + 0.1 * (3 * i + j), 1))}},
    {"connect": [[[R, 0, 4]], [[R, 0, 4]]], "conn": {"rule": "all_to_all", "allow_autapses": False},
     "syn": {"weight": grid(4, 4, lambda i, j: 9999.0 if i == j else (-60.0 if j == 3 else 30.0 + 5 * i + j)),
             "delay": grid(4, 4, lambda i, j: 99.0 if i == j else round(1.5 + 0.2 * i + 0.1 * j, 1))}},
    {"connect": [[[P, 0, 1], [R, 2, 4]], [[E, 0, 4]]], "conn": "all_to_all",
     "syn": {"weight": grid(4, 3, lambda i, j: [[150.0, -120.0, 90.0], [80.0, 130.0, -140.0],
                                               [-100.0, 110.0, 70.0], [60.0, -75.0, 125.0]][i][j]),
             "delay": grid(4, 3, lambda i, j: round(2.0 + 0.3 * i + 0.1 * j, 1))}},
    {"connect": [[[Q, 0, 6]], [[Z, 0, 5]]], "conn": {"rule": "fixed_indegree", "indegree": 3},
     "syn": {"weight": grid(5, 3, lambda i, k: 10.0 * (i + 1) + k + 1),
             "delay": grid(5, 3, lambda i, k: round(1.0 + 0.1 * (3 * i + k), 1))}},
    {"connect": [[[Z, 0, 5]], [[Q, 0, 6]]], "conn": {"rule": "fixed_outdegree", "outdegree": 2},
     "syn": {"weight": grid(5, 2, lambda j, k: -(100.0 + 10 * j + k)),
             "delay": grid(5, 2, lambda j, k: round(2.0 + 0.1 * (2 * j + k), 1))}},
    {"connect": [[[Q, 0, 6]], [[Q, 0, 6]]], "conn": {"rule": "fixed_total_number", "N": 7},
     "syn": {"weight": [200.0 + k for k in range(7)], "delay": [round(3.0 + 0.1 * k, 1) for k in range(7)]}},
    {"connect": [[[R, 0, 4], [E, 0, 4]], [[SR, 0, 1]]], "conn": "all_to_all", "syn": {}},
    {"connect": [[[MM, 0, 1]], [[E, 0, 4]]], "conn": "all_to_all", "syn": {}},
    {"simulate": 70.0},
]
# GetConnections(source, target) stored for these pairs of collections
QUERIES = [
    {"source": [[P, 0, 3]], "target": [[E, 0, 4]], "drawn": False},
    {"source": [[R, 0, 4]], "target": [[R, 0, 4]], "drawn": False},
    {"source": [[R, 0, 4]], "target": [[E, 0, 4]], "drawn": False},
    {"source": [[Q, 0, 6]], "target": [[Z, 0, 5]], "drawn": True},
    {"source": [[Z, 0, 5]], "target": [[Q, 0, 6]], "drawn": True},
    {"source": [[Q, 0, 6]], "target": [[Q, 0, 6]], "drawn": True},
]


def main():
    nest = quiet_nest()
    nodes = fresh_nodes(nest, NODES, DT)

    def collection(spec):
        return collection_of(nodes, spec)

    for s in STEPS:
        if "connect" in s:
            nest.Connect(collection(s["connect"][0]), collection(s["connect"][1]), s["conn"],
                         s["syn"] if s["syn"] else None)
        else:
            nest.Simulate(s["simulate"])
    queries = []
    for q in QUERIES:
        c = nest.GetConnections(source=collection(q["source"]), target=collection(q["target"]))
        rows = [[int(a), int(b), float(w), float(d)] for a, b, w, d in
                zip(c.get("source"), c.get("target"), c.get("weight"), c.get("delay"))]
        queries.append(dict(q, rows=rows))
    mm = nodes[MM].get("events")
    sr = nodes[SR].get("events")
    out = {"nest_version": nest.__version__, "dt": DT, "nodes": NODES, "steps": STEPS, "queries": queries,
           "first_ids": [int(n[0].global_id) for n in nodes],
           "multimeter": {"senders": [int(x) for x in mm["senders"]], "times": [round(float(x), 9) for x in mm["times"]],
                          "V_m": [float(x) for x in mm["V_m"]]},
           "spikes": {"senders": [int(x) for x in sr["senders"]], "times": [round(float(x), 9) for x in sr["times"]]}}
    write_reference(out, "nest_syn_arrays.json")
    print("rows per query", [len(q["rows"]) for q in queries])
    print("spikes per sender", {s: out["spikes"]["senders"].count(s) for s in sorted(set(out["spikes"]["senders"]))})


if __name__ == "__main__":
    main()
