#!/usr/bin/env python3
"""NEST 3.10's devices and neurons created and connected between Simulate calls, and recorder windows changed between
them (tests/test_nest_late_devices.cpp): writes tests/reference/nest_late_devices.json and nest_late_neurons.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_late_device_references.py

The protocol is a list of steps (create, connect, set, simulate) stored with the results; the test replays it
through volley's NEST layer. After the first run: generators (dc, ac, step_current with a time in the past,
spike_generator with times before, at and after the current time, poisson_generator) are created and connected to
neurons that exist, a spike_recorder and a multimeter are created and connected, and two recorders' windows
change; after the second run (which ends inside a min_delay slice) a late generator changes, a voltmeter is
created, an existing recorder gets new sources, and a window changes again. The second protocol (NEURON_STEPS)
creates neurons after a run and connects them with the existing ones both ways (static and stdp_synapse, an
exact-integration and an RKF45 model), and a CopyModel after the run; GetConnections right after those Connect
calls (NEST lists them at once) and SetStatus of the new connections' weights before the next run. One thread.
"""
from make_detector_references import quiet_nest, write_reference as write

DT = 0.1
STEPS = [
    {"create": "iaf_psc_alpha", "n": 3, "params": {"I_e": 400.0}},                           # 0
    {"create": "iaf_psc_exp", "n": 2, "params": {}},                                         # 1
    {"create": "parrot_neuron", "n": 2, "params": {}},                                       # 2
    {"create": "iaf_psc_delta", "n": 1, "params": {}},                                       # 3
    {"create": "spike_recorder", "n": 1, "params": {}},                                      # 4: everything
    {"create": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": 0.1}},   # 5: everything
    {"create": "spike_recorder", "n": 1, "params": {}},                                      # 6: window changes
    {"create": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": 0.5}},   # 7: window changes
    {"connect": [0, 0, 3], "to": [0, 0, 3], "conn": "one_to_one", "syn": {"weight": 5.0, "delay": 1.0}},
    {"connect": [0, 0, 1], "to": [3, 0, 1], "conn": "all_to_all", "syn": {"weight": 3.0, "delay": 3.0}},
    {"connect": [0, 0, 3], "to": [4, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [1, 0, 2], "to": [4, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [2, 0, 2], "to": [4, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [3, 0, 1], "to": [4, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [5, 0, 1], "to": [0, 0, 3], "conn": "all_to_all", "syn": {}},
    {"connect": [5, 0, 1], "to": [1, 0, 2], "conn": "all_to_all", "syn": {}},
    {"connect": [5, 0, 1], "to": [3, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [0, 0, 3], "to": [6, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [7, 0, 1], "to": [0, 0, 2], "conn": "all_to_all", "syn": {}},
    {"create": "step_current_generator", "n": 1,                                             # 8: changed
     "params": {"amplitude_times": [5.0, 30.0], "amplitude_values": [100.0, 300.0]}},
    {"create": "iaf_psc_delta", "n": 1, "params": {}},                                       # 9
    {"connect": [8, 0, 1], "to": [9, 0, 1], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.0}},
    {"connect": [5, 0, 1], "to": [9, 0, 1], "conn": "all_to_all", "syn": {}},
    {"create": "weight_recorder", "n": 1, "params": {}},                                     # 10
    {"copy_model": "static_synapse", "name": "static_recorded", "params": {"weight_recorder": 10}},
    {"connect": [0, 0, 3], "to": [3, 0, 1], "conn": "all_to_all",
     "syn": {"synapse_model": "static_recorded", "weight": 2.0, "delay": 1.5}},
    {"simulate": 20.0},
    {"set": [8, 0, 1], "params": {"amplitude_times": [10.0, 25.0], "amplitude_values": [50.0, 400.0]}},
    {"create": "dc_generator", "n": 1, "params": {"amplitude": 500.0}},                      # 11
    {"connect": [11, 0, 1], "to": [1, 0, 1], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.0}},
    {"connect": [11, 0, 1], "to": [1, 1, 2], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 2.5}},
    {"create": "spike_generator", "n": 1,                                                    # 12
     "params": {"spike_times": [19.0, 20.0, 20.1, 23.0, 31.5], "allow_offgrid_times": False}},
    {"connect": [12, 0, 1], "to": [2, 0, 1], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.0}},
    {"connect": [12, 0, 1], "to": [3, 0, 1], "conn": "all_to_all", "syn": {"weight": 20.0, "delay": 1.0}},
    {"create": "poisson_generator", "n": 1, "params": {"rate": 20000.0}},                    # 13
    {"connect": [13, 0, 1], "to": [2, 1, 2], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.5}},
    {"create": "ac_generator", "n": 1, "params": {"amplitude": 100.0, "frequency": 50.0, "offset": 200.0}},  # 14
    {"connect": [14, 0, 1], "to": [1, 0, 2], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 1.0}},
    {"create": "step_current_generator", "n": 1,                                             # 15
     "params": {"amplitude_times": [10.0, 25.0, 35.0], "amplitude_values": [200.0, 500.0, 100.0]}},
    {"connect": [15, 0, 1], "to": [3, 0, 1], "conn": "all_to_all", "syn": {"weight": 1.0, "delay": 2.0}},
    {"create": "spike_recorder", "n": 1, "params": {}},                                      # 16: late
    {"connect": [0, 0, 2], "to": [16, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [2, 0, 2], "to": [16, 0, 1], "conn": "all_to_all", "syn": {}},
    {"create": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": 1.0}},   # 17: late
    {"connect": [17, 0, 1], "to": [1, 0, 2], "conn": "all_to_all", "syn": {}},
    {"set": [6, 0, 1], "params": {"start": 25.0, "stop": 45.0}},
    {"set": [7, 0, 1], "params": {"start": 22.0, "stop": 40.0}},
    {"simulate": 20.3},
    {"set": [11, 0, 1], "params": {"amplitude": 300.0}},
    {"create": "voltmeter", "n": 1, "params": {}},                                           # 18: late
    {"connect": [18, 0, 1], "to": [3, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [1, 0, 2], "to": [16, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [3, 0, 1], "to": [6, 0, 1], "conn": "all_to_all", "syn": {}},
    {"set": [6, 0, 1], "params": {"origin": 10.0}},
    {"set": [7, 0, 1], "params": {"stop": 55.0}},
    {"set": [10, 0, 1], "params": {"n_events": 0}},
    {"simulate": 30.0},
]
RECORDERS = [4, 5, 6, 7, 10, 16, 17, 18]

NEURON_STEPS = [
    {"create": "iaf_psc_alpha", "n": 3, "params": {"I_e": 400.0}},                           # 0
    {"create": "iaf_psc_exp", "n": 2, "params": {}},                                         # 1
    {"create": "spike_recorder", "n": 1, "params": {}},                                      # 2
    {"create": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": 0.1}},   # 3
    {"connect": [0, 0, 3], "to": [0, 0, 3], "conn": "one_to_one", "syn": {"weight": 5.0, "delay": 1.0}},
    {"connect": [0, 0, 1], "to": [1, 0, 2], "conn": "all_to_all", "syn": {"weight": 300.0, "delay": 3.0}},
    {"connect": [0, 0, 3], "to": [2, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [1, 0, 2], "to": [2, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [3, 0, 1], "to": [0, 0, 3], "conn": "all_to_all", "syn": {}},
    {"connect": [3, 0, 1], "to": [1, 0, 2], "conn": "all_to_all", "syn": {}},
    {"simulate": 28.0},  # spikes of 27.8 ms still in flight to group 0, whose ring must grow
    {"create": "iaf_psc_alpha", "n": 2, "params": {"I_e": 450.0, "V_m": -60.0}},             # 4
    {"create": "aeif_cond_alpha", "n": 1, "params": {"I_e": 700.0}},                         # 5
    {"copy_model": "stdp_synapse", "name": "stdp_late", "params": {"tau_plus": 15.0}},
    {"connect": [0, 1, 2], "to": [4, 0, 2], "conn": "all_to_all", "syn": {"weight": 200.0, "delay": 2.0}},
    {"connect": [4, 0, 1], "to": [1, 1, 2], "conn": "all_to_all", "syn": {"weight": 400.0, "delay": 1.5}},
    {"connect": [4, 0, 2], "to": [4, 0, 2], "conn": "one_to_one", "syn": {"weight": -10.0, "delay": 1.0}},
    {"connect": [4, 1, 2], "to": [0, 2, 3], "conn": "all_to_all",
     "syn": {"synapse_model": "stdp_late", "weight": 50.0, "delay": 1.0}},
    {"connect": [5, 0, 1], "to": [0, 0, 1], "conn": "all_to_all", "syn": {"weight": 30.0, "delay": 2.5}},
    {"connect": [4, 0, 2], "to": [2, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [5, 0, 1], "to": [2, 0, 1], "conn": "all_to_all", "syn": {}},
    {"connect": [3, 0, 1], "to": [4, 0, 2], "conn": "all_to_all", "syn": {}},
    {"connect": [3, 0, 1], "to": [5, 0, 1], "conn": "all_to_all", "syn": {}},
    # NEST makes, lists and sets the new connections at once, before the next Simulate
    {"set_connections": {"source": [4, 1, 2], "target": [0, 2, 3], "synapse_model": "stdp_late"},
     "params": {"weight": 80.0}},
    {"get_connections": True},
    {"set_connections": {"source": [4, 0, 1], "target": [1, 1, 2], "synapse_model": "static_synapse"},
     "params": {"weight": 350.0}},
    {"get_connections": True},
    {"simulate": 25.3},
    {"set": [4, 0, 1], "params": {"I_e": 0.0}},
    {"simulate": 30.0},
]
NEURON_RECORDERS = [2, 3]


def events(rec):
    ev = rec.get("events")
    return {k: [round(float(x), 9) for x in v] for k, v in ev.items() if k in ("senders", "targets", "times", "V_m", "weights")}


def run(nest, steps, recorders):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    nodes = []
    n_events = []
    snapshots = []
    for s in steps:
        if "create" in s:
            nodes.append(nest.Create(s["create"], s["n"], params=s["params"]))
        elif "connect" in s:
            pre = nodes[s["connect"][0]][s["connect"][1]:s["connect"][2]]
            post = nodes[s["to"][0]][s["to"][1]:s["to"][2]]
            nest.Connect(pre, post, s["conn"], s["syn"] if s["syn"] else None)
        elif "copy_model" in s:
            p = dict(s["params"])
            if "weight_recorder" in p:
                p["weight_recorder"] = nodes[p["weight_recorder"]]
            nest.CopyModel(s["copy_model"], s["name"], p)
        elif "set" in s:
            nodes[s["set"][0]][s["set"][1]:s["set"][2]].set(s["params"])
        elif "get_connections" in s:
            snapshots.append(connections(nest))
        elif "set_connections" in s:
            sel = s["set_connections"]
            src = nodes[sel["source"][0]][sel["source"][1]:sel["source"][2]]
            tgt = nodes[sel["target"][0]][sel["target"][1]:sel["target"][2]]
            nest.GetConnections(src, tgt, synapse_model=sel["synapse_model"]).set(s["params"])
        else:
            nest.Simulate(s["simulate"])
            n_events.append([int(nodes[r].get("n_events")) if r < len(nodes) else 0 for r in recorders])
    out = {"nest_version": nest.__version__, "dt": DT, "steps": steps, "recorders": recorders,
           "n_events_after_each_simulate": n_events, "events": [events(nodes[r]) for r in recorders],
           "first_ids": [int(n[0].global_id) for n in nodes]}
    out["connections"] = connections(nest)
    if snapshots:
        out["connections_at"] = snapshots
    return out, nodes


def connections(nest):
    conns = nest.GetConnections()
    return {k: [round(float(x), 12) if k == "weight" else x for x in conns.get(k)]
            for k in ("source", "target", "weight", "delay")}


def main():
    nest = quiet_nest()
    out, _ = run(nest, STEPS, RECORDERS)
    del out["connections"]
    write(out, "nest_late_devices.json")
    print("n_events", out["n_events_after_each_simulate"])
    for i, r in enumerate(RECORDERS):
        ev = out["events"][i]
        print("recorder", r, STEPS[[k for k, s in enumerate(STEPS) if "create" in s][r]]["create"],
              len(ev["times"]), "first", ev["times"][:6], "last", ev["times"][-3:])
    out, _ = run(nest, NEURON_STEPS, NEURON_RECORDERS)
    write(out, "nest_late_neurons.json")
    sr = out["events"][0]
    print("late neurons: spikes", list(zip(sr["senders"], sr["times"])))
    print("connections", len(out["connections"]["source"]), "weights", out["connections"]["weight"])


if __name__ == "__main__":
    main()
