#!/usr/bin/env python3
"""NEST 3.10 references for volley's astrocyte models (models/astrocyte_lr_1994.hpp,
models/aeif_cond_alpha_astro.hpp, sic_connection in host/nest_astro.cpp): small layer scripts run in NEST, the
multimeter traces and spikes kept; tests/test_nest_astro.cpp replays each script through volley's NEST layer.

    /tmp/nestvenv/bin/python tools/nest_reference/make_astro_references.py [--out-dir tests/reference]

writes astrocyte_lr_1994.json (case astrocyte_single) and aeif_cond_alpha_astro.json (case astro_circuit).

Cases:
  astrocyte_single  three astrocytes for 6 s: NEST's defaults except delta_IP3 0.05 µM, driven by a spike_generator
                    with Poisson times (10 Hz, numpy seed 3; weights 1 and 2); every parameter off its default and
                    the initial state set, same spikes; one with a step_current_generator on its calcium (J_noise,
                    µM/ms) and no spikes. IP3, Ca_astro, h_IP3R every 10 ms.
  astro_circuit     neuron -> astrocyte -> neuron for 3 s: two aeif_cond_alpha_astro "pre" neurons (I_e 700 and
                    800 pA) -> one astrocyte (static_synapse, weights 1, delay 1 ms; initial IP3 1 µM) ->
                    sic_connection (weights 60 and 90, delays 2 and 1.5 ms) -> two aeif_cond_alpha_astro "post"
                    neurons (I_e 250 pA, t_ref 2 ms, one Create() each) that also take the pre neurons' spikes (2 nS) and a spike_generator's
                    (+3 nS, -4 nS). Astrocyte IP3, Ca_astro, h_IP3R and the neurons' V_m, g_ex, g_in, w, I_SIC every
                    5 ms; every neuron's spike times.

Case format: {"name", "resolution", "t_sim", "interval", "nodes": [{"model", "n", "params"}], "connections":
[{"pre", "post", "conn_spec", "syn_spec"}] (pre/post: node-list indices, whole Create() calls), "record": {node
index: [variables]}, "times": [the multimeter's sample times, ms], "traces": {"<node>.<variable>": [samples,
node-major]}, "spikes": {node index: [[i, t_ms], ...]} (i: index within the Create() call)}. Traces are rounded to
12 significant digits.
"""
import argparse
import json
import os

import nest
import numpy as np

H = 0.1


def poisson_times(rate_hz, t_end_ms, seed):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.exponential(1000.0 / rate_hz, int(rate_hz * t_end_ms / 1000.0 * 2 + 20)))
    t = np.round(t[t < t_end_ms - 1.0], 1)
    return sorted(set(float(x) for x in t if x >= 0.1))


def sig(x):
    return float("%.12g" % x)


def run(case):
    nest.ResetKernel()
    nest.set(resolution=case["resolution"], local_num_threads=1)
    for existing, name, params in case.get("copy_models", []):
        nest.CopyModel(existing, name, params)
    made = [nest.Create(n["model"], n["n"], params=n["params"]) if n["params"] else nest.Create(n["model"], n["n"])
            for n in case["nodes"]]
    for c in case["connections"]:
        nest.Connect(made[c["pre"]], made[c["post"]], c.get("conn_spec", "all_to_all"), c["syn_spec"])
    meters = {}
    for node, variables in case["record"].items():
        mm = nest.Create("multimeter", params={"interval": case["interval"], "record_from": variables})
        nest.Connect(mm, made[int(node)])
        meters[node] = mm
    recorders = {}
    for node in case.get("spike_nodes", []):
        sr = nest.Create("spike_recorder")
        nest.Connect(made[node], sr)
        recorders[str(node)] = sr
    nest.Simulate(case["t_sim"] + 5.0)  # the recorders' data lags min_delay at the end
    out = {k: v for k, v in case.items() if k != "spike_nodes"}
    out["traces"] = {}
    for node, mm in meters.items():
        ev = mm.events
        ids = made[int(node)].tolist()
        keep = np.asarray(ev["times"]) <= case["t_sim"] + 1e-9
        senders = np.asarray(ev["senders"])[keep]
        times = np.asarray(ev["times"])[keep]
        for v in case["record"][node]:
            values = np.asarray(ev[v])[keep]
            trace = []
            for gid in ids:
                trace += [sig(x) for x in values[senders == gid]]
            out["traces"][node + "." + v] = trace
        out["times"] = [float(x) for x in times[senders == ids[0]]]
    out["spikes"] = {}
    for node, sr in recorders.items():
        ev = sr.events
        first = made[int(node)].tolist()[0]
        out["spikes"][node] = [[int(s) - first, round(float(t), 12)] for s, t in zip(ev["senders"], ev["times"])
                             if t <= case["t_sim"] + 1e-9]
    return out


def astrocyte_single():
    t_sim = 6000.0
    spikes = poisson_times(10.0, t_sim, 3)
    changed = {"Ca_tot": 2.2, "IP3_0": 0.18, "Kd_IP3_1": 0.12, "Kd_IP3_2": 0.95, "Kd_act": 0.09, "Kd_inh": 1.0,
               "Km_SERCA": 0.11, "SIC_scale": 1.5, "SIC_th": 0.2, "delta_IP3": 0.04, "k_IP3R": 0.00025,
               "rate_IP3R": 0.0065, "rate_L": 0.00012, "rate_SERCA": 0.001, "ratio_ER_cyt": 0.19, "tau_IP3": 5000.0,
               "IP3": 0.5, "Ca_astro": 0.1, "h_IP3R": 0.7}
    return {
        "name": "astrocyte_single", "resolution": H, "t_sim": t_sim, "interval": 10.0,
        "nodes": [
            {"model": "spike_generator", "n": 1, "params": {"spike_times": spikes}},
            {"model": "astrocyte_lr_1994", "n": 1, "params": {"delta_IP3": 0.05}},
            {"model": "astrocyte_lr_1994", "n": 1, "params": changed},
            {"model": "step_current_generator", "n": 1,
             "params": {"amplitude_times": [500.0, 2000.0, 3500.0], "amplitude_values": [2e-4, -1e-4, 5e-5]}},
            {"model": "astrocyte_lr_1994", "n": 1, "params": {}},
        ],
        "connections": [
            {"pre": 0, "post": 1, "syn_spec": {"weight": 1.0, "delay": 1.0}},
            {"pre": 0, "post": 2, "syn_spec": {"weight": 2.0, "delay": 0.5}},
            {"pre": 3, "post": 4, "syn_spec": {"weight": 1.0, "delay": 0.1}},
        ],
        "record": {str(i): ["IP3", "Ca_astro", "h_IP3R"] for i in (1, 2, 4)},
    }


def astro_circuit():
    t_sim = 3000.0
    neuron_vars = ["V_m", "g_ex", "g_in", "w", "I_SIC"]
    return {
        "name": "astro_circuit", "resolution": H, "t_sim": t_sim, "interval": 5.0,
        "nodes": [
            {"model": "aeif_cond_alpha_astro", "n": 2, "params": {"I_e": [700.0, 800.0]}},
            {"model": "astrocyte_lr_1994", "n": 1, "params": {"delta_IP3": 0.05, "IP3": 1.0}},
            {"model": "aeif_cond_alpha_astro", "n": 1, "params": {"I_e": 250.0, "t_ref": 2.0}},
            {"model": "aeif_cond_alpha_astro", "n": 1, "params": {"I_e": 250.0, "t_ref": 2.0}},
            {"model": "spike_generator", "n": 1, "params": {"spike_times": poisson_times(20.0, t_sim, 5)}},
            {"model": "spike_generator", "n": 1, "params": {"spike_times": poisson_times(15.0, t_sim, 7)}},
        ],
        "connections": [
            {"pre": 0, "post": 1, "syn_spec": {"weight": 1.0, "delay": 1.0}},
            {"pre": 1, "post": 2, "syn_spec": {"synapse_model": "sic_connection", "weight": 60.0, "delay": 2.0}},
            {"pre": 1, "post": 3, "syn_spec": {"synapse_model": "sic_connection", "weight": 90.0, "delay": 1.5}},
        ] + [c for post in (2, 3) for c in (
            {"pre": 0, "post": post, "syn_spec": {"weight": 2.0, "delay": 1.0}},
            {"pre": 4, "post": post, "syn_spec": {"weight": 3.0, "delay": 1.0}},
            {"pre": 5, "post": post, "syn_spec": {"weight": -4.0, "delay": 1.0}})],
        "record": {"0": ["V_m", "w"], "1": ["IP3", "Ca_astro", "h_IP3R"], "2": neuron_vars, "3": neuron_vars},
        "spike_nodes": [0, 2, 3],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference"))
    args = ap.parse_args()
    nest.set_verbosity("M_ERROR")
    for file, case, models in (("astrocyte_lr_1994", astrocyte_single(), ["astrocyte_lr_1994"]),
                               ("aeif_cond_alpha_astro", astro_circuit(),
                                ["aeif_cond_alpha_astro", "astrocyte_lr_1994", "sic_connection"])):
        out = {"generator": "tools/nest_reference/make_astro_references.py", "nest_version": nest.__version__,
               "model": file, "models": models, "cases": [run(case)]}
        path = os.path.join(args.out_dir, file + ".json")
        with open(path, "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
