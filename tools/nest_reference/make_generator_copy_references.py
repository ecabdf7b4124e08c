#!/usr/bin/env python3
"""NEST 3.10 with several generators in one Create() call (tests/test_nest_generator_copies.cpp): writes
tests/reference/nest_generator_copies.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_generator_copy_references.py

Connect(generators, targets, "all_to_all") gives every target the output of every generator (n generators: n
inputs), "one_to_one" gives target i the output of generator i. Deterministic cases: 3 dc_generators and 2
ac_generators all_to_all into iaf_psc_alpha, 2 step_current_generators one_to_one, 2 spike_generators all_to_all
into an iaf_psc_alpha and 3 one_to_one into parrots; stored: V_m of every target at every step NEST delivered and
every spike (V_m every 0.5 ms). Random cases (NEST's counts as a sample): 4 poisson_generators one_to_one into parrots, 5 all_to_all
into one parrot, 2 pulsepacket_generators all_to_all into a parrot. One thread.
GetConnections after the run (QUERIES: all connections, and filtered by source or target): NEST lists the
connections from generators and the multimeter and those into the spike_recorder, with weight, delay and synapse
model, in its order (per synapse model: between neurons by source, then neurons into devices, then from devices; the
devices' by target when targets are named). Delays unrounded: NEST reports steps x resolution (1.23 ms:
1.2000000000000002).
"""
from make_detector_references import collection_of, fresh_nodes, quiet_nest, write_reference

DT = 0.1
T = 200.0
NODES = [
    {"model": "dc_generator", "n": 3, "params": {"amplitude": 100.0, "start": 10.0}},       # 0
    {"model": "ac_generator", "n": 2, "params": {"amplitude": 80.0, "frequency": 30.0}},     # 1
    {"model": "step_current_generator", "n": 2,
     "params": {"amplitude_times": [20.0, 90.0], "amplitude_values": [250.0, -120.0]}},     # 2
    {"model": "spike_generator", "n": 2, "params": {"spike_times": [15.0, 40.0, 40.5, 120.0]}},  # 3
    {"model": "spike_generator", "n": 3, "params": {"spike_times": [5.0, 17.3, 66.6]}},     # 4
    {"model": "iaf_psc_alpha", "n": 5, "params": {"V_th": 1e9}},                            # 5 current/voltage targets
    {"model": "parrot_neuron", "n": 3, "params": {}},                                         # 6
    {"model": "poisson_generator", "n": 4, "params": {"rate": 150.0}},                       # 7
    {"model": "parrot_neuron", "n": 4, "params": {}},                                         # 8
    {"model": "poisson_generator", "n": 5, "params": {"rate": 80.0}},                        # 9
    {"model": "parrot_neuron", "n": 1, "params": {}},                                         # 10
    {"model": "pulsepacket_generator", "n": 2,
     "params": {"pulse_times": [30.0, 80.0, 130.0], "activity": 6, "sdev": 3.0}},           # 11
    {"model": "parrot_neuron", "n": 1, "params": {}},                                         # 12
    {"model": "multimeter", "n": 1, "params": {"record_from": ["V_m"], "interval": 0.5}},    # 13
    {"model": "spike_recorder", "n": 1, "params": {}},                                        # 14
]
STEPS = [
    {"connect": [0, [5, 0, 1]], "conn": "all_to_all", "syn": {}},
    {"connect": [1, [5, 1, 2]], "conn": "all_to_all", "syn": {}},
    {"connect": [2, [5, 2, 4]], "conn": "one_to_one", "syn": {"delay": 1.5}},
    {"connect": [3, [5, 4, 5]], "conn": "all_to_all", "syn": {"weight": 300.0, "delay": 1.23}},
    {"connect": [4, [6, 0, 3]], "conn": "one_to_one", "syn": {}},
    {"connect": [7, [8, 0, 4]], "conn": "one_to_one", "syn": {"delay": 1.7}},
    {"connect": [9, [10, 0, 1]], "conn": "all_to_all", "syn": {}},
    {"connect": [11, [12, 0, 1]], "conn": "all_to_all", "syn": {}},
    {"connect": [13, [5, 0, 5]], "conn": "all_to_all", "syn": {}},
    {"connect": [[6, 0, 3], [5, 3, 5]], "conn": "all_to_all", "syn": {"weight": 50.0, "delay": 1.9}},
    {"connect": [[6, 0, 3], 14], "conn": "all_to_all", "syn": {}},
    {"connect": [[8, 0, 4], 14], "conn": "all_to_all", "syn": {}},
    {"connect": [[10, 0, 1], 14], "conn": "all_to_all", "syn": {}},
    {"connect": [[12, 0, 1], 14], "conn": "all_to_all", "syn": {}},
    {"simulate": T},
]

# GetConnections(source, target): a side is None (all), a group index or a slice [group, begin, end)
QUERIES = [
    {"source": None, "target": None},
    {"source": 0, "target": None},
    {"source": 7, "target": None},
    {"source": None, "target": 14},
    {"source": 13, "target": [5, 2, 4]},
    {"source": None, "target": [5, 2, 4]},
    {"source": [3, 1, 2], "target": None},
    {"source": None, "target": [5, 3, 5]},
    {"source": [6, 0, 3], "target": None},
]


def main():
    nest = quiet_nest()
    nodes = fresh_nodes(nest, NODES, DT)

    def side(spec):
        return collection_of(nodes, spec)

    for s in STEPS:
        if "connect" in s:
            nest.Connect(side(s["connect"][0]), side(s["connect"][1]), s["conn"], s["syn"] if s["syn"] else None)
        else:
            nest.Simulate(s["simulate"])
    queries = []
    for q in QUERIES:
        args = {k: side(q[k]) for k in ("source", "target") if q[k] is not None}
        c = nest.GetConnections(**args)
        rows = [[int(a), int(b), float(w), float(d), m] for a, b, w, d, m in
                zip(c.get("source"), c.get("target"), c.get("weight"), c.get("delay"), c.get("synapse_model"))] \
            if len(c) > 1 else [[int(c.source), int(c.target), float(c.weight), float(c.delay),
                                  c.synapse_model]] if len(c) == 1 else []
        queries.append(dict(q, rows=rows))
    mm = nodes[13].get("events")
    sr = nodes[14].get("events")
    out = {"nest_version": nest.__version__, "dt": DT, "nodes": NODES, "steps": STEPS, "queries": queries,
           "first_ids": [int(n[0].global_id) for n in nodes],
           "multimeter": {"senders": [int(x) for x in mm["senders"]], "times": [round(float(x), 9) for x in mm["times"]],
                          "V_m": [float(x) for x in mm["V_m"]]},
           "spikes": {"senders": [int(x) for x in sr["senders"]], "times": [round(float(x), 9) for x in sr["times"]]}}
    write_reference(out, "nest_generator_copies.json")
    print("rows per query", [len(q["rows"]) for q in queries])
    print("spikes per sender", {s: out["spikes"]["senders"].count(s) for s in sorted(set(out["spikes"]["senders"]))})


if __name__ == "__main__":
    main()
