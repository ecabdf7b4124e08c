#!/usr/bin/env python3
"""NEST 3.10's GetConnections of connections without a spike path (tests/test_nest_connection_listing.cpp): writes
tests/reference/nest_connection_listing.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_connection_listing_references.py

gap: hh_psc_alpha_gap neurons with gap junctions (one_to_one with make_symmetric and a weight per pair, all_to_all
without autapses, a second Create() call's junctions) and a static_synapse; GetConnections() before the first
Simulate, the gap weights of one selection set before it, GetConnections() again, 30 ms, GetConnections() after,
the weights of b's junctions set (a list one way, one number the other), 20 ms more, GetConnections(), and V_m of
every neuron at every step.
rate: lin_rate_ipn neurons with rate_connection_instantaneous and rate_connection_delayed (one with SetDefaults'
delay), siegert_neurons with diffusion_connection; GetConnections() before and after 5 ms, and the full get() of
the diffusion connections (drift_factor, diffusion_factor). NEST lists its default delay, 1 ms, for connections
without a delay, and uninitialised memory as a diffusion_connection's weight (not compared). One thread.
"""
import json
import os

from make_detector_references import quiet_nest

DT = 0.1
COLUMNS = ("source", "target", "weight", "delay", "synapse_model")


def listing(nest, **selection):
    c = nest.GetConnections(**selection)
    out = {}
    for k in COLUMNS:
        v = c.get(k)
        out[k] = v if isinstance(v, list) else [v]
    return out


def gap_case(nest):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    a = nest.Create("hh_psc_alpha_gap", 4, params={"I_e": 200.0})
    b = nest.Create("hh_psc_alpha_gap", 2, params={"I_e": 50.0})
    a[0].I_e = 650.0
    b[1].I_e = 700.0
    nest.Connect(a[0:2], a[2:4], {"rule": "one_to_one", "make_symmetric": True},
                 {"synapse_model": "gap_junction", "weight": [0.5, 0.7]})
    nest.Connect(a, a, {"rule": "all_to_all", "allow_autapses": False}, {"synapse_model": "gap_junction", "weight": 0.2})
    nest.Connect(b, a[0:2], {"rule": "one_to_one", "make_symmetric": True},
                 {"synapse_model": "gap_junction", "weight": 0.3})
    nest.Connect(a[0:1], b[0:1], "one_to_one", {"weight": 40.0, "delay": 1.5})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(mm, a + b)
    before = listing(nest)
    selection = {"source": a[0:2], "synapse_model": "gap_junction"}
    n = len(listing(nest, **selection)["source"])
    weights = [round(0.1 + 0.15 * (i % 5), 2) for i in range(n)]
    nest.GetConnections(**selection).set(weight=weights)
    after_set = listing(nest)
    nest.Simulate(30.0)
    after_run = listing(nest)
    # between runs: the junctions of b (both directions) to new weights, then 20 ms more
    n_later = len(listing(nest, source=b, synapse_model="gap_junction")["source"])
    later_weights = [0.05 + 0.4 * i for i in range(n_later)]
    nest.GetConnections(source=b, synapse_model="gap_junction").set(weight=later_weights)
    nest.GetConnections(target=b, synapse_model="gap_junction").set(weight=1.1)
    nest.Simulate(20.0)
    after_second_run = listing(nest)
    ev = mm.get("events")
    return {"first_ids": [int(a[0].global_id), int(b[0].global_id), int(mm.global_id)],
            "set_selection": {"source": [0, 2], "synapse_model": "gap_junction"}, "set_weights": weights,
            "later_weights": later_weights, "later_target_weight": 1.1,
            "queries": [before, after_set, after_run, after_second_run], "simulate": [30.0, 20.0],
            "multimeter": {k: [round(float(x), 10) for x in ev[k]] for k in ("senders", "times", "V_m")}}


def rate_case(nest):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    r = nest.Create("lin_rate_ipn", 2, params={"mu": 1.0, "sigma": 0.0})
    r2 = nest.Create("lin_rate_ipn", 2, params={"sigma": 0.0})
    nest.Connect(r, r2, "all_to_all", {"synapse_model": "rate_connection_instantaneous", "weight": 0.3})
    nest.Connect(r, r2, "one_to_one", {"synapse_model": "rate_connection_delayed", "weight": -0.2, "delay": 1.3})
    nest.SetDefaults("rate_connection_delayed", {"delay": 1.7})
    nest.Connect(r2, r, "one_to_one", {"synapse_model": "rate_connection_delayed", "weight": 0.5})
    s = nest.Create("siegert_neuron", 2, params={"mean": 10.0})
    nest.Connect(s, s, "all_to_all", {"synapse_model": "diffusion_connection", "drift_factor": 2.0,
                                      "diffusion_factor": 3.0})
    before = listing(nest)
    d = nest.GetConnections(synapse_model="diffusion_connection")
    factors = {k: d.get(k) for k in ("source", "target", "drift_factor", "diffusion_factor")}
    nest.Simulate(5.0)
    after = listing(nest)
    return {"first_ids": [int(r[0].global_id), int(r2[0].global_id), int(s[0].global_id)],
            "queries": [before, after], "diffusion": factors}


def main():
    nest = quiet_nest()
    out = {"nest_version": nest.__version__, "dt": DT, "gap": gap_case(nest), "rate": rate_case(nest)}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "nest_connection_listing.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path) // 1024, "kB")
    for case in ("gap", "rate"):
        q = out[case]["queries"][0]
        print(case, list(zip(q["source"], q["target"], q["weight"], q["delay"], q["synapse_model"])))


if __name__ == "__main__":
    main()
