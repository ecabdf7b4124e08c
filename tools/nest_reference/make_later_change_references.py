#!/usr/bin/env python3
"""NEST 3.10's SetStatus between Simulate calls (tests/test_nest_later_changes.cpp): writes
tests/reference/nest_later_changes.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_later_change_references.py

The protocol (nodes, connections, then simulate / set steps) is stored with the results, and the test replays it
through volley's NEST layer. Changed between runs: neurons' parameters and states (a whole Create call, one node, a
slice), generators' parameters (dc_generator with two delays, step_current_generator, ac_generator,
spike_generator with times before and after the change, poisson_generator's rate, a new start), and recorders
cleared with n_events: 0. A run ends inside a min_delay slice. One thread.
"""
import json
import os

from make_detector_references import fresh_nodes, quiet_nest

DT = 0.1
NODES = [
    {"model": "iaf_psc_alpha", "n": 3, "params": {"I_e": 300.0}},                     # 0
    {"model": "aeif_cond_alpha", "n": 2, "params": {"I_e": 500.0}},                   # 1
    {"model": "dc_generator", "n": 1, "params": {"amplitude": 200.0}},                # 2
    {"model": "iaf_psc_exp", "n": 2, "params": {}},                                   # 3
    {"model": "step_current_generator", "n": 1,
     "params": {"amplitude_times": [5.0, 30.0, 60.0], "amplitude_values": [100.0, 300.0, 50.0]}},  # 4
    {"model": "iaf_psc_delta", "n": 1, "params": {"I_e": 250.0}},                     # 5
    {"model": "ac_generator", "n": 1, "params": {"amplitude": 100.0, "frequency": 50.0, "offset": 350.0}},  # 6
    {"model": "iaf_psc_alpha", "n": 1, "params": {}},                                 # 7
    {"model": "spike_generator", "n": 1, "params": {"spike_times": [2.0, 10.0, 15.0, 24.0]}},  # 8
    {"model": "parrot_neuron", "n": 1, "params": {}},                                 # 9
    {"model": "iaf_psc_exp", "n": 1, "params": {}},                                  # 10
    {"model": "poisson_generator", "n": 1, "params": {"rate": 0.0}},                  # 11
    {"model": "parrot_neuron", "n": 2, "params": {}},                                 # 12
    {"model": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": 0.1}},  # 13
    {"model": "spike_recorder", "n": 1, "params": {}},                                # 14
    {"model": "spike_recorder", "n": 1, "params": {}},                                # 15: cleared
    {"model": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": 1.0}},  # 16: cleared
]
# [node, first, end) ranges
CONNECTIONS = [
    {"pre": [2, 0, 1], "post": [3, 0, 1], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.0}},
    {"pre": [2, 0, 1], "post": [3, 1, 2], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 2.5}},
    {"pre": [4, 0, 1], "post": [5, 0, 1], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.0}},
    {"pre": [6, 0, 1], "post": [7, 0, 1], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.0}},
    {"pre": [8, 0, 1], "post": [9, 0, 1], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.0}},
    {"pre": [8, 0, 1], "post": [10, 0, 1], "conn": "all_to_all", "syn": {"weight": 600.0, "delay": 1.0}},
    {"pre": [11, 0, 1], "post": [12, 0, 2], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.5}},
    {"pre": [0, 0, 3], "post": [0, 0, 3], "conn": "one_to_one", "syn": {"weight": 5.0, "delay": 1.0}},
]
for target in (0, 1, 3, 5, 7, 10):
    CONNECTIONS.append({"pre": [13, 0, 1], "post": [target, 0, NODES[target]["n"]], "conn": "all_to_all", "syn": {}})
for source in (0, 1, 3, 5, 7, 9, 10, 12):
    CONNECTIONS.append({"pre": [source, 0, NODES[source]["n"]], "post": [14, 0, 1], "conn": "all_to_all", "syn": {}})
CONNECTIONS.append({"pre": [0, 0, 3], "post": [15, 0, 1], "conn": "all_to_all", "syn": {}})
CONNECTIONS.append({"pre": [16, 0, 1], "post": [0, 0, 1], "conn": "all_to_all", "syn": {}})
STEPS = [
    {"simulate": 20.0},
    {"set": [0, 0, 1], "params": {"I_e": 450.0}},
    {"set": [0, 1, 3], "params": {"V_m": [-60.0, -55.0]}},
    {"set": [1, 0, 2], "params": {"a": 10.0, "I_e": 700.0}},
    {"set": [1, 1, 2], "params": {"w": 50.0}},
    {"set": [2, 0, 1], "params": {"amplitude": 500.0}},
    {"set": [4, 0, 1], "params": {"amplitude_times": [5.0, 30.0, 60.0], "amplitude_values": [100.0, 600.0, 0.0]}},
    {"set": [6, 0, 1], "params": {"amplitude": 200.0}},
    {"set": [8, 0, 1], "params": {"spike_times": [3.0, 21.0, 25.5, 40.0]}},
    {"set": [11, 0, 1], "params": {"rate": 50000.0}},
    {"set": [15, 0, 1], "params": {"n_events": 0}},
    {"set": [16, 0, 1], "params": {"n_events": 0}},
    {"simulate": 20.5},
    {"set": [0, 0, 3], "params": {"tau_m": 15.0}},
    {"set": [0, 2, 3], "params": {"V_th": -52.0}},
    {"set": [2, 0, 1], "params": {"amplitude": -100.0, "start": 50.0}},
    {"set": [11, 0, 1], "params": {"rate": 0.0}},
    {"set": [8, 0, 1], "params": {"spike_times": [41.0, 45.0]}},
    {"set": [15, 0, 1], "params": {"n_events": 0}},
    {"simulate": 30.0},
]
RECORDERS = [13, 14, 15, 16]


def events(rec):
    ev = rec.get("events")
    return {k: [round(float(x), 9) for x in v] for k, v in ev.items() if k in ("senders", "times", "V_m")}


def main():
    nest = quiet_nest()
    nodes = fresh_nodes(nest, NODES, DT)
    for c in CONNECTIONS:
        pre = nodes[c["pre"][0]][c["pre"][1]:c["pre"][2]]
        post = nodes[c["post"][0]][c["post"][1]:c["post"][2]]
        nest.Connect(pre, post, c["conn"], c["syn"] if c["syn"] else None)
    n_events = []
    for s in STEPS:
        if "simulate" in s:
            nest.Simulate(s["simulate"])
            n_events.append([int(nodes[r].get("n_events")) for r in RECORDERS])
        else:
            target = nodes[s["set"][0]][s["set"][1]:s["set"][2]]
            p = s["params"]
            if any(isinstance(v, list) for v in p.values()) and s["set"][0] not in (4, 8):
                target.set([{k: v[i] if isinstance(v, list) else v for k, v in p.items()}
                            for i in range(len(target))])
            else:
                target.set(p)
    out = {"nest_version": nest.__version__, "dt": DT, "nodes": NODES, "connections": CONNECTIONS,
           "steps": STEPS, "recorders": RECORDERS, "n_events_after_each_simulate": n_events,
           "events": [events(nodes[r]) for r in RECORDERS],
           "first_ids": [int(n[0].global_id) for n in nodes]}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "nest_later_changes.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path) // 1024, "kB")
    print("n_events", n_events)
    sr = out["events"][1]
    for node in (3, 5, 7, 9, 10):
        first = out["first_ids"][node]
        print(NODES[node]["model"], node, [t for s, t in zip(sr["senders"], sr["times"])
                                           if first <= s < first + NODES[node]["n"]][:30])
    par = [t for s, t in zip(sr["senders"], sr["times"]) if out["first_ids"][12] <= s < out["first_ids"][12] + 2]
    print("poisson parrots", len(par), min(par), max(par))
    print("cleared sr", out["events"][2]["times"][:10], "cleared mm", out["events"][3]["times"][:5])


if __name__ == "__main__":
    main()
