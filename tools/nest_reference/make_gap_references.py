#!/usr/bin/env python3
"""NEST 3.10 references for NEST's gap junctions in volley (engine/nest_gap_wfr.hpp, host/nest_gap.cpp) and the gap
models hh_psc_alpha_gap (models/hh_psc_alpha_gap.hpp) and hh_cond_beta_gap_traub: small layer scripts (nodes,
gap_junction and spike connections, the kernel's waveform-relaxation options) run in NEST; V_m of every node at every
step and the spikes are kept. tests/test_nest_gap.cpp replays each script through volley's NEST layer.

    /tmp/nestvenv/bin/python tools/nest_reference/make_gap_references.py [--out-dir tests/reference]

writes hh_psc_alpha_gap.json (under 300 kB).

Case format: {"name", "resolution", "kernel": {use_wfr, wfr_comm_interval, wfr_tol, wfr_max_iterations,
wfr_interpolation_order}, "t_sim", "nodes": [{"model", "n", "params"}], "connections": [{"pre", "post", "conn_spec",
"syn_spec"}] (pre/post: node-list indices, whole Create() calls), "record": [node indices], "traces":
{"<node>.V_m": [V_m after step k, k = 0 .. t_sim/resolution - 1, node-major]}, "spikes": {"<node>": {"senders":
[index in the node's group], "times": [ms]}}}.
"""
import argparse
import json
import os

import nest

H = 0.1
GAP = {"synapse_model": "gap_junction"}
SYM = {"rule": "one_to_one", "make_symmetric": True}


def PAIR(syn):  # node 0 <-> node 1 of group 0
    return {"pre": 0, "post": 0, "conn_spec": SYM, "syn_spec": syn, "pre_slice": [0, 1], "post_slice": [1, 2]}


def gap(w):
    return dict(GAP, weight=w)


def kernel(use_wfr=True, order=3, comm=1.0, tol=1e-4, iters=15):
    return {"use_wfr": use_wfr, "wfr_comm_interval": comm, "wfr_tol": tol, "wfr_max_iterations": iters,
            "wfr_interpolation_order": order}


def psc_pair(order, use_wfr=True):
    # neuron 0 driven (I_e 300 pA, spiking); neuron 1 follows through the junction (20 nS) and spikes after it
    return {"name": "psc_pair_" + ("order%d" % order if use_wfr else "no_wfr"), "kernel": kernel(use_wfr, order),
            "t_sim": 60.0,
            "nodes": [{"model": "hh_psc_alpha_gap", "n": 2, "params": {"I_e": [300.0, 0.0]}}],
            "connections": [PAIR(gap(20.0))], "record": [0]}


def traub_pair(order, use_wfr=True):
    return {"name": "traub_pair_" + ("order%d" % order if use_wfr else "no_wfr"), "kernel": kernel(use_wfr, order),
            "t_sim": 60.0,
            "nodes": [{"model": "hh_cond_beta_gap_traub", "n": 2, "params": {"I_e": [1500.0, 0.0]}}],
            "connections": [PAIR(gap(50.0))], "record": [0]}


CASES = [
    psc_pair(3), psc_pair(1), psc_pair(0), psc_pair(3, use_wfr=False),
    # a single neuron without junctions: the model's own equations (NEST iterates it all the same)
    {"name": "psc_single", "kernel": kernel(), "t_sim": 40.0,
     "nodes": [{"model": "hh_psc_alpha_gap", "n": 1, "params": {"I_e": 200.0, "g_L": 12.0}}],
     "connections": [], "record": [0]},
    # a chain 0 - 1 - 2 - 3 (two Connect calls, weights per pair), neuron 0 driven by a dc_generator switched on
    # inside a slice (12.3 ms: the iterations hold the slice's first current), spikes into neuron 2 (1.5 ms delay:
    # min_delay 1 ms), inhibitory spikes into neuron 3
    {"name": "psc_chain_generators", "kernel": kernel(), "t_sim": 60.0,
     "nodes": [{"model": "hh_psc_alpha_gap", "n": 4, "params": {"I_e": [0.0, 20.0, 0.0, 10.0]}},
               {"model": "dc_generator", "n": 1, "params": {"amplitude": 350.0, "start": 12.3, "stop": 45.0}},
               {"model": "spike_generator", "n": 1, "params": {"spike_times": [5.0, 22.3, 31.0, 31.2, 40.7]}}],
     "connections": [{"pre": 0, "post": 0, "conn_spec": SYM, "syn_spec": gap(30.0), "pre_slice": [0, 2],
                      "post_slice": [1, 3]},
                     {"pre": 0, "post": 0, "conn_spec": SYM, "syn_spec": gap(25.0), "pre_slice": [2, 3],
                      "post_slice": [3, 4]},
                     {"pre": 1, "post": 0, "conn_spec": "all_to_all", "syn_spec": {"weight": 1.0},
                      "post_slice": [0, 1]},
                     {"pre": 2, "post": 0, "conn_spec": "all_to_all", "syn_spec": {"weight": 400.0, "delay": 1.5},
                      "post_slice": [2, 3]},
                     {"pre": 2, "post": 0, "conn_spec": "all_to_all", "syn_spec": {"weight": -300.0, "delay": 1.5},
                      "post_slice": [3, 4]}],
     "record": [0]},
    # all_to_all over one group, self junctions included (NEST's default allow_autapses)
    {"name": "psc_all_to_all", "kernel": kernel(), "t_sim": 50.0,
     "nodes": [{"model": "hh_psc_alpha_gap", "n": 3, "params": {"I_e": [320.0, 40.0, 0.0]}}],
     "connections": [{"pre": 0, "post": 0, "conn_spec": "all_to_all", "syn_spec": gap(8.0)}],
     "record": [0]},
    # a short communication interval (0.25 ms: min_delay 0.3 ms), tight tolerance, more iterations
    {"name": "psc_pair_comm_0.25", "kernel": kernel(comm=0.25, tol=1e-7, iters=40), "t_sim": 40.0,
     "nodes": [{"model": "hh_psc_alpha_gap", "n": 2, "params": {"I_e": [300.0, 0.0]}}],
     "connections": [PAIR(gap(20.0))], "record": [0]},
    traub_pair(3), traub_pair(1), traub_pair(0), traub_pair(3, use_wfr=False),
    # the two models coupled to each other
    {"name": "mixed_pair", "kernel": kernel(), "t_sim": 50.0,
     "nodes": [{"model": "hh_psc_alpha_gap", "n": 1, "params": {"I_e": 300.0}},
               {"model": "hh_cond_beta_gap_traub", "n": 1, "params": {}}],
     "connections": [{"pre": 0, "post": 1, "conn_spec": SYM, "syn_spec": gap(30.0)}],
     "record": [0, 1]},
]


def run(case):
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    k = dict(case["kernel"])
    if not k["use_wfr"]:  # NEST refuses the other wfr_* options then (they keep their defaults)
        k = {"use_wfr": False}
    nest.SetKernelStatus(dict({"resolution": H}, **k))
    made = [nest.Create(n["model"], n["n"], n["params"]) for n in case["nodes"]]
    for c in case["connections"]:
        pre, post = made[c["pre"]], made[c["post"]]
        if "pre_slice" in c:
            pre = pre[c["pre_slice"][0]:c["pre_slice"][1]]
        if "post_slice" in c:
            post = post[c["post_slice"][0]:c["post_slice"][1]]
        nest.Connect(pre, post, c["conn_spec"], c["syn_spec"])
    meters, recorders = {}, {}
    for r in case["record"]:
        mm = nest.Create("multimeter", {"interval": H, "record_from": ["V_m"]})
        nest.Connect(mm, made[r])
        sr = nest.Create("spike_recorder")
        nest.Connect(made[r], sr)
        meters[r], recorders[r] = mm, sr
    nest.Simulate(case["t_sim"])
    out = dict(case, resolution=H, traces={}, spikes={})
    for r in case["record"]:
        ev = meters[r].get("events")
        first = made[r][0].global_id
        trace = []
        for k in range(len(made[r])):
            sel = [i for i, s in enumerate(ev["senders"]) if s == first + k]
            sel.sort(key=lambda i: ev["times"][i])
            trace += [round(float(ev["V_m"][i]), 10) for i in sel]
        out["traces"]["%d.V_m" % r] = trace
        sp = recorders[r].get("events")
        out["spikes"][str(r)] = {"senders": [int(s) - first for s in sp["senders"]],
                                 "times": [round(float(t), 6) for t in sp["times"]]}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default="tests/reference")
    args = ap.parse_args()
    cases = [run(c) for c in CASES]
    path = os.path.join(args.out_dir, "hh_psc_alpha_gap.json")
    with open(path, "w") as f:
        json.dump({"generator": "tools/nest_reference/make_gap_references.py", "nest": nest.__version__,
                   "model": "hh_psc_alpha_gap", "models": ["hh_psc_alpha_gap", "hh_cond_beta_gap_traub"],
                   "cases": cases}, f, separators=(",", ":"))
    print(path, os.path.getsize(path), "bytes")
    for c in cases:
        print(c["name"], {k: len(v["times"]) for k, v in c["spikes"].items()})


if __name__ == "__main__":
    main()
