#!/usr/bin/env python3
"""Reference traces from NEST for volley's iaf_bw_2001_exact (issue 5): single neurons with AMPA, GABA and several
NMDA connections (each with its own exactly integrated gating), and a small network of iaf_bw_2001_exact neurons.

    /tmp/nestvenv/bin/python tools/nest_reference/make_bw_exact_references.py            # every case

Writes tests/reference/<case>.json, read by tests/test_nest_iaf_bw_2001_exact.cpp. Traces rounded to 1e-9 of their
unit (mV, nS, pA).

Single-neuron cases: a step_current_generator (delay dt), spike_generators on receptor_type 1 (AMPA), 2 (GABA) and
several on 3 (NMDA: NEST gives each connection its own rise and gating variables and keeps its weight), a multimeter
at every step over all recordables (sample k: the state after the step ending at (k + 1) dt), a spike_recorder.
  iaf_bw_2001_exact       NEST's defaults, three NMDA connections, 150 ms
  iaf_bw_2001_exact_nmda  every parameter off its default (t_ref 3.05 ms: 31 steps), initial V_m, s_AMPA, s_GABA set,
                          five NMDA connections, 120 ms
Network case iaf_bw_2001_exact_network (200 ms): pre_a, pre_b, post (iaf_bw_2001_exact, defaults), each driven by its
own step_current_generator; NMDA pre_a -> post, pre_b -> post, post -> pre_b; AMPA pre_a -> post; GABA pre_b -> post.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_references import DT, json_number, split_status  # noqa: E402

MODEL = "iaf_bw_2001_exact"
RECEPTOR = {"AMPA": 1, "GABA": 2, "NMDA": 3}

SINGLE = {
    MODEL: {
        "t_sim_ms": 150.0, "params": {},
        "current": {"amplitude_times_ms": [20.0, 80.0], "amplitude_values_pA": [500.0, 300.0]},
        "inputs": [{"receptor": "AMPA", "times_ms": [5.0, 50.0, 100.0, 101.0, 102.0, 130.0], "weight": 4.0,
                    "delay_ms": 1.0},
                   {"receptor": "GABA", "times_ms": [12.0, 60.0, 115.0], "weight": 5.0, "delay_ms": 1.5},
                   {"receptor": "NMDA", "times_ms": [8.0, 30.0, 31.0, 90.0, 95.0, 105.0], "weight": 3.0,
                    "delay_ms": 1.0},
                   {"receptor": "NMDA", "times_ms": [15.0, 92.0, 93.0, 94.0, 120.0], "weight": 1.5, "delay_ms": 2.0},
                   {"receptor": "NMDA", "times_ms": [40.0, 98.0, 99.0, 100.0, 101.0], "weight": 2.5,
                    "delay_ms": 0.5}],
        "phases": [{"name": "rest_psps", "start_ms": 0.0, "end_ms": 20.0},
                   {"name": "suprathreshold_step", "start_ms": 20.0, "end_ms": 80.0},
                   {"name": "subthreshold_step_with_nmda_bursts", "start_ms": 80.0, "end_ms": 151.0}],
    },
    MODEL + "_nmda": {
        "t_sim_ms": 120.0,
        "params": {"E_L": -68.0, "E_ex": 5.0, "E_in": -80.0, "V_th": -52.0, "V_reset": -62.0, "C_m": 250.0,
                   "g_L": 20.0, "t_ref": 3.05, "tau_AMPA": 1.5, "tau_GABA": 6.0, "tau_rise_NMDA": 3.0,
                   "tau_decay_NMDA": 80.0, "alpha": 0.3, "conc_Mg2": 1.5, "gsl_error_tol": 1e-4,
                   "V_m": -66.0, "s_AMPA": 1.0, "s_GABA": 0.5},
        "current": {"amplitude_times_ms": [20.0, 70.0], "amplitude_values_pA": [450.0, 240.0]},
        "inputs": [{"receptor": "AMPA", "times_ms": [5.0, 40.0, 85.0, 86.0, 100.0], "weight": 3.0, "delay_ms": 1.0},
                   {"receptor": "GABA", "times_ms": [10.0, 45.0, 95.0], "weight": 4.0, "delay_ms": 2.0}]
        + [{"receptor": "NMDA", "times_ms": [3.0 + 2 * k, 75.0 + k, 80.0 + k, 88.0 + k], "weight": 2.0 + k,
            "delay_ms": 1.0 + 0.3 * k} for k in range(5)],
        "phases": [{"name": "rest_psps_nmda", "start_ms": 0.0, "end_ms": 20.0},
                   {"name": "suprathreshold_step", "start_ms": 20.0, "end_ms": 70.0},
                   {"name": "subthreshold_step_with_nmda_bursts", "start_ms": 70.0, "end_ms": 121.0}],
    },
}

NETWORK_T_SIM = 200.0
NETWORK_NEURONS = {  # name: params, step current (times ms, values pA)
    "pre_a": ({}, ([10.0, 100.0, 170.0], [700.0, 450.0, 0.0])),
    "pre_b": ({}, ([30.0, 140.0], [390.0, 0.0])),
    "post": ({}, ([1.0], [345.0])),
}
NETWORK_CONNECTIONS = [  # source, target, weight (nS), delay (ms), receptor_type
    ("pre_a", "post", 4.0, 1.0, 3),
    ("pre_b", "post", 3.0, 2.0, 3),
    ("post", "pre_b", 5.0, 1.2, 3),
    ("pre_a", "post", 1.0, 1.5, 1),
    ("pre_b", "post", 2.0, 1.0, 2),
]
NETWORK_RECORD = {"post": ["V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA"], "pre_b": ["V_m", "s_NMDA"]}


def nest_info(nest):
    build = nest.GetKernelStatus("build_info")
    return {"version": str(build.get("version", nest.__version__)), "built": str(build.get("built", "")),
            "threads": 1}


def reset(nest):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1


def describe(node):
    recordables = sorted(str(r) for r in node.get("recordables"))
    params, initial = split_status(node.get(), set(recordables) | {"s_AMPA", "s_GABA"})
    params.pop("t_spike", None)
    return recordables, params, initial


def samples(mm, names, t_sim):
    n = int(round(t_sim / DT))
    ev = mm.get("events")
    times = [float(t) for t in ev["times"]][:n]
    if len(times) != n or any(abs(t - (k + 1) * DT) > 1e-9 for k, t in enumerate(times)):
        raise RuntimeError("multimeter samples are not (k + 1) dt")
    return {r: [json_number(float(v)) for v in ev[r][:n]] for r in names}


def stamps(sr, t_sim):
    return [int(k) for k in sr.get("events")["times"] if k * DT <= t_sim + 1e-9]


def run_single(nest, case, spec):
    reset(nest)
    t_sim = spec["t_sim_ms"]
    neuron = nest.Create(MODEL, params=spec["params"])
    recordables, params, initial = describe(neuron)
    cur = spec["current"]
    scg = nest.Create("step_current_generator", params={"amplitude_times": cur["amplitude_times_ms"],
                                                         "amplitude_values": cur["amplitude_values_pA"]})
    nest.Connect(scg, neuron, syn_spec={"delay": DT})
    inputs = []
    for i in spec["inputs"]:
        sg = nest.Create("spike_generator", params={"spike_times": i["times_ms"]})
        nest.Connect(sg, neuron, syn_spec={"weight": i["weight"], "delay": i["delay_ms"],
                                           "receptor_type": RECEPTOR[i["receptor"]]})
        inputs.append(dict(i, receptor_type=RECEPTOR[i["receptor"]], weight_unit="nS"))
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": recordables})
    nest.Connect(mm, neuron)
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(neuron, sr)
    nest.Simulate(t_sim + 1.0)
    return {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": t_sim,
        "rounding": "traces rounded to 1e-9 of their unit",
        "parameters": params, "initial_state": initial,
        "protocol": {
            "step_current_generator": dict(cur, delay_ms=DT,
                                           timing="value set at amplitude_time T acts on V over steps from T + "
                                                  "delay on"),
            "spike_inputs": inputs,
            "spike_timing": "a spike_generator spike at t with delay d reaches s_AMPA / s_GABA / x_j at t + d; "
                            "each NMDA connection (in the order listed) has its own x_j, s_j and weight",
            "phases": spec["phases"],
        },
        "record": {
            "interval_ms": DT,
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": samples(mm, recordables, t_sim),
            "spike_times_ms": [round(k * DT, 10) for k in stamps(sr, t_sim)],
        },
    }


def run_network(nest, case):
    reset(nest)
    nodes, neurons = {}, {}
    for name, (params, (times, values)) in NETWORK_NEURONS.items():
        nodes[name] = nest.Create(MODEL, params=params)
        _, p, initial = describe(nodes[name])
        scg = nest.Create("step_current_generator", params={"amplitude_times": times, "amplitude_values": values})
        nest.Connect(scg, nodes[name], syn_spec={"delay": DT})
        neurons[name] = {"parameters": p, "initial_state": initial,
                         "step_current_generator": {"amplitude_times_ms": times, "amplitude_values_pA": values,
                                                    "delay_ms": DT}}
    for s, t, w, d, r in NETWORK_CONNECTIONS:
        nest.Connect(nodes[s], nodes[t], syn_spec={"weight": w, "delay": d, "receptor_type": r})
    mms = {}
    for name, rec in NETWORK_RECORD.items():
        mms[name] = nest.Create("multimeter", params={"interval": DT, "record_from": rec})
        nest.Connect(mms[name], nodes[name])
    srs = {}
    for name in nodes:
        srs[name] = nest.Create("spike_recorder", params={"time_in_steps": True})
        nest.Connect(nodes[name], srs[name])
    nest.Simulate(NETWORK_T_SIM + 1.0)
    return {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": NETWORK_T_SIM,
        "rounding": "traces rounded to 1e-9 of their unit",
        "neurons": neurons,
        "connections": [{"source": s, "target": t, "weight": w, "weight_unit": "nS", "delay_ms": d,
                         "receptor_type": r} for s, t, w, d, r in NETWORK_CONNECTIONS],
        "phases": [{"name": "all", "start_ms": 0.0, "end_ms": NETWORK_T_SIM + 1.0}],
        "record": {
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": {name: samples(mms[name], rec, NETWORK_T_SIM) for name, rec in NETWORK_RECORD.items()},
            "spike_stamps_steps": {name: stamps(srs[name], NETWORK_T_SIM) for name in srs},
        },
    }


CASES = list(SINGLE) + [MODEL + "_network"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", default=CASES, help="cases: " + ", ".join(CASES))
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out-dir", default=os.path.normpath(os.path.join(here, "..", "..", "tests", "reference")))
    args = ap.parse_args()
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        sys.exit(f"unknown cases {unknown}: {CASES}")
    import nest  # late: --help works without NEST
    nest.set_verbosity("M_ERROR")
    os.makedirs(args.out_dir, exist_ok=True)
    for case in args.cases:
        ref = run_single(nest, case, SINGLE[case]) if case in SINGLE else run_network(nest, case)
        path = os.path.join(args.out_dir, case + ".json")
        with open(path, "w") as f:
            json.dump(ref, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        spikes = ref["record"].get("spike_times_ms", ref["record"].get("spike_stamps_steps"))
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} kB; spikes {spikes}")


if __name__ == "__main__":
    main()
