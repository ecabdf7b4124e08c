#!/usr/bin/env python3
"""Reference traces from NEST for volley's iaf_bw_2001 (issue 5): single neurons with AMPA and GABA spike input and
step currents, and a small network whose NMDA connections carry the senders' NMDA jumps.

    /tmp/nestvenv/bin/python tools/nest_reference/make_bw_references.py            # every case
    /tmp/nestvenv/bin/python tools/nest_reference/make_bw_references.py iaf_bw_2001_network

Writes tests/reference/<case>.json, read by tests/test_nest_iaf_bw_2001.cpp. Traces are rounded to 1e-9 of their
unit (mV, nS, pA); the spike offsets (NEST's field that carries the NMDA jump k0 + k1 s_pre) are unrounded.

Single-neuron cases: a step_current_generator (delay dt: a value set at T acts on V over the steps from T + dt on),
spike_generators on receptor_type 1 (AMPA) and 2 (GABA) with fixed times (NEST refuses generators on receptor 3,
NMDA: only iaf_bw_2001 senders may use it; the second case starts with s_NMDA > 0 instead), a multimeter at every
step over all recordables (sample k: the state after the step ending at (k + 1) dt) and spike_recorders in steps
(stamps and offsets) and in ms (stamp * dt - offset: NEST reads the NMDA jump as a precise-time offset).
  iaf_bw_2001       NEST's defaults, 150 ms
  iaf_bw_2001_nmda  every parameter off its default (t_ref 3.05 ms: 31 steps, NEST rounds up), initial V_m, s_AMPA,
                    s_GABA, s_NMDA set, 120 ms
Network case iaf_bw_2001_network (200 ms): pre_a, pre_b, post (iaf_bw_2001, defaults) and plain (iaf_cond_exp),
each driven by its own step_current_generator; NMDA connections pre_a -> post, pre_b -> post, post -> pre_b
(receptor 3: weight * the sender's jump), AMPA pre_a -> post and GABA pre_b -> post from iaf_bw_2001 senders
(receptors 1, 2: plain weights), pre_a -> plain (receptor 0: plain weight), a spike_generator -> post (AMPA).

"nest_facts" (in the iaf_bw_2001 case): what NEST does in the corner cases the NEST layer must mirror or refuse.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_references import DT, json_number, split_status  # noqa: E402

MODEL = "iaf_bw_2001"
RECEPTOR = {"AMPA": 1, "GABA": 2, "NMDA": 3}

SINGLE = {
    MODEL: {
        "t_sim_ms": 150.0, "params": {},
        # rheobase g_L (V_th - E_L) = 375 pA: 500 pA fires, 330 pA needs the AMPA burst at 100..106 ms
        "current": {"amplitude_times_ms": [20.0, 80.0], "amplitude_values_pA": [500.0, 330.0]},
        "inputs": [{"receptor": "AMPA", "times_ms": [5.0, 50.0, 100.0, 101.0, 102.0, 103.0, 104.0, 106.0, 130.0],
                    "weight": 4.0, "delay_ms": 1.0},
                   {"receptor": "GABA", "times_ms": [12.0, 60.0, 115.0, 130.0], "weight": 5.0, "delay_ms": 1.5},
                   # a second AMPA source with a negative weight (NEST accepts it: s_AMPA decreases)
                   {"receptor": "AMPA", "times_ms": [8.0, 140.0], "weight": -2.0, "delay_ms": 0.5}],
        "phases": [{"name": "rest_psps", "start_ms": 0.0, "end_ms": 20.0},
                   {"name": "suprathreshold_step", "start_ms": 20.0, "end_ms": 80.0},
                   {"name": "subthreshold_step_with_synaptic_input", "start_ms": 80.0, "end_ms": 151.0}],
    },
    MODEL + "_nmda": {
        "t_sim_ms": 120.0,
        "params": {"E_L": -68.0, "E_ex": 5.0, "E_in": -80.0, "V_th": -52.0, "V_reset": -62.0, "C_m": 250.0,
                   "g_L": 20.0, "t_ref": 3.05, "tau_AMPA": 1.5, "tau_GABA": 6.0, "tau_rise_NMDA": 3.0,
                   "tau_decay_NMDA": 80.0, "alpha": 0.3, "conc_Mg2": 1.5, "gsl_error_tol": 1e-4,
                   "V_m": -66.0, "s_AMPA": 1.0, "s_GABA": 0.5, "s_NMDA": 8.0},
        # rheobase 20 nS * 16 mV = 320 pA (less with the NMDA conductance)
        "current": {"amplitude_times_ms": [20.0, 70.0], "amplitude_values_pA": [450.0, 260.0]},
        "inputs": [{"receptor": "AMPA", "times_ms": [5.0, 40.0, 85.0, 86.0, 87.0, 88.0, 100.0], "weight": 3.0,
                    "delay_ms": 1.0},
                   {"receptor": "GABA", "times_ms": [10.0, 45.0, 95.0], "weight": 4.0, "delay_ms": 2.0}],
        "phases": [{"name": "rest_psps_nmda_decay", "start_ms": 0.0, "end_ms": 20.0},
                   {"name": "suprathreshold_step", "start_ms": 20.0, "end_ms": 70.0},
                   {"name": "subthreshold_step_with_synaptic_input", "start_ms": 70.0, "end_ms": 121.0}],
    },
}

NETWORK_T_SIM = 200.0
NETWORK_NEURONS = {  # name: model, params, step current (times ms, values pA)
    "pre_a": (MODEL, {}, ([10.0, 100.0, 170.0], [700.0, 450.0, 0.0])),
    "pre_b": (MODEL, {}, ([30.0, 140.0], [390.0, 0.0])),
    "post": (MODEL, {}, ([1.0], [330.0])),
    "plain": ("iaf_cond_exp", {}, ([1.0], [380.0])),
}
NETWORK_CONNECTIONS = [  # source, target, weight (nS), delay (ms), receptor_type
    ("pre_a", "post", 15.0, 1.0, 3),
    ("pre_b", "post", 10.0, 2.0, 3),
    ("post", "pre_b", 20.0, 1.2, 3),
    ("pre_a", "post", 1.0, 1.5, 1),
    ("pre_b", "post", 2.0, 1.0, 2),
    ("pre_a", "plain", 3.0, 1.0, 0),
]
NETWORK_GENERATOR = {"times_ms": [60.0, 61.0, 62.0, 150.0], "target": "post", "weight": 6.0, "delay_ms": 1.0,
                     "receptor_type": 1}
NETWORK_RECORD = {"post": ["V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA"], "pre_b": ["s_NMDA"],
                  "plain": ["V_m"]}


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
    params, initial = split_status(node.get(), set(recordables))
    for k in ("t_spike",):  # the last spike time: -1 before any spike, no parameter
        params.pop(k, None)
    return recordables, params, initial


def attach_recorders(nest, node):
    sr_ms = nest.Create("spike_recorder")
    sr_steps = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(node, sr_ms)
    nest.Connect(node, sr_steps)
    return sr_ms, sr_steps


def spike_record(sr_ms, sr_steps, t_sim):
    e = sr_steps.get("events")
    kept = [(int(k), float(o)) for k, o in zip(e["times"], e["offsets"]) if k * DT <= t_sim + 1e-9]
    ms = [float(t) for t in sr_ms.get("events")["times"]][:len(kept)]
    return {"stamps_steps": [k for k, _ in kept], "offsets": [o for _, o in kept], "recorder_times_ms": ms}


def samples(mm, names, t_sim):
    n = int(round(t_sim / DT))
    ev = mm.get("events")
    times = [float(t) for t in ev["times"]][:n]
    if len(times) != n or any(abs(t - (k + 1) * DT) > 1e-9 for k, t in enumerate(times)):
        raise RuntimeError("multimeter samples are not (k + 1) dt")
    return {r: [json_number(float(v)) for v in ev[r][:n]] for r in names}


def refused(nest, connect):
    try:
        connect()
        return "accepted"
    except Exception as e:  # NEST's IllegalConnection / UnknownReceptorType
        return "refused: " + str(e).strip().splitlines()[-1]


def nest_facts(nest):
    facts = {}
    reset(nest)
    a, b = nest.Create(MODEL, 2)
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    parrot = nest.Create("parrot_neuron")
    other = nest.Create("iaf_psc_alpha")
    dc = nest.Create("dc_generator")
    for r in (0, 1, 2, 3, 4):
        facts[f"bw_to_bw_receptor_{r}"] = refused(nest, lambda: nest.Connect(a, b, syn_spec={"receptor_type": r}))
    for r in (0, 1, 2, 3):
        facts[f"spike_generator_receptor_{r}"] = refused(
            nest, lambda: nest.Connect(sg, b, syn_spec={"receptor_type": r}))
    facts["parrot_neuron_receptor_3"] = refused(nest, lambda: nest.Connect(parrot, b, syn_spec={"receptor_type": 3}))
    facts["iaf_psc_alpha_receptor_3"] = refused(nest, lambda: nest.Connect(other, b, syn_spec={"receptor_type": 3}))
    facts["iaf_psc_alpha_receptor_1"] = refused(nest, lambda: nest.Connect(other, b, syn_spec={"receptor_type": 1}))
    facts["bw_to_iaf_psc_alpha"] = refused(nest, lambda: nest.Connect(a, other))
    facts["dc_generator_receptor_0"] = refused(nest, lambda: nest.Connect(dc, b))
    facts["dc_generator_receptor_3"] = refused(nest, lambda: nest.Connect(dc, b, syn_spec={"receptor_type": 3}))
    facts["bw_to_bw_receptor_3_stdp_synapse"] = refused(
        nest, lambda: nest.Connect(a, b, syn_spec={"receptor_type": 3, "synapse_model": "stdp_synapse"}))
    # a precise-time target (iaf_psc_exp_ps) takes the NMDA jump as the spike's offset: its V_m moves in an earlier
    # step than a grid target's (iaf_psc_exp) does
    reset(nest)
    src = nest.Create(MODEL)
    nest.Connect(nest.Create("dc_generator", params={"amplitude": 1000.0}), src)
    ps = nest.Create("iaf_psc_exp_ps", params={"V_th": 1e9})
    grid = nest.Create("iaf_psc_exp", params={"V_th": 1e9})
    for t in (ps, grid):
        nest.Connect(src, t, syn_spec={"weight": 100.0, "delay": 1.0})
    mms = [nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]}) for _ in range(2)]
    nest.Connect(mms[0], ps)
    nest.Connect(mms[1], grid)
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(src, sr)
    nest.Simulate(20.0)
    first = []
    for mm in mms:
        ev = mm.get("events")
        first.append(next(round(float(t), 6) for t, v in zip(ev["times"], ev["V_m"]) if v != -70.0))
    facts["first_spike_stamp_ms_offset"] = [round(int(sr.get("events")["times"][0]) * DT, 6),
                                            float(sr.get("events")["offsets"][0])]
    facts["delay_1ms_first_V_change_ms_iaf_psc_exp_ps_vs_iaf_psc_exp"] = first
    return facts


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
    srs = attach_recorders(nest, neuron)
    nest.Simulate(t_sim + 1.0)
    spikes = spike_record(*srs, t_sim)
    out = {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": t_sim,
        "rounding": "traces rounded to 1e-9 of their unit; offsets unrounded",
        "parameters": params, "initial_state": initial,
        "protocol": {
            "step_current_generator": dict(cur, delay_ms=DT,
                                           timing="value set at amplitude_time T acts on V over steps from T + "
                                                  "delay on"),
            "spike_inputs": inputs,
            "spike_timing": "a spike_generator spike at t with delay d reaches s_AMPA / s_GABA at t + d",
            "phases": spec["phases"],
        },
        "record": {
            "interval_ms": DT,
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": samples(mm, recordables, t_sim),
            "spike_times_ms": [round(k * DT, 10) for k in spikes["stamps_steps"]],
            "spikes": spikes,
            "spike_time": "stamps_steps: end of the spike step; offsets: NEST's spike offset field, which "
                          "iaf_bw_2001 fills with the NMDA jump k0 + k1 s_pre; recorder_times_ms: NEST's "
                          "spike_recorder in ms, stamp * dt - offset",
        },
    }
    if case == MODEL:
        out["nest_facts"] = nest_facts(nest)
    return out


def run_network(nest, case):
    reset(nest)
    nodes, neurons = {}, {}
    for name, (model, params, (times, values)) in NETWORK_NEURONS.items():
        nodes[name] = nest.Create(model, params=params)
        _, p, initial = describe(nodes[name])
        scg = nest.Create("step_current_generator", params={"amplitude_times": times, "amplitude_values": values})
        nest.Connect(scg, nodes[name], syn_spec={"delay": DT})
        neurons[name] = {"model": model, "parameters": p, "initial_state": initial,
                         "step_current_generator": {"amplitude_times_ms": times, "amplitude_values_pA": values,
                                                    "delay_ms": DT}}
    for s, t, w, d, r in NETWORK_CONNECTIONS:
        nest.Connect(nodes[s], nodes[t], syn_spec={"weight": w, "delay": d, "receptor_type": r})
    g = NETWORK_GENERATOR
    sg = nest.Create("spike_generator", params={"spike_times": g["times_ms"]})
    nest.Connect(sg, nodes[g["target"]], syn_spec={"weight": g["weight"], "delay": g["delay_ms"],
                                                   "receptor_type": g["receptor_type"]})
    mms = {}
    for name, rec in NETWORK_RECORD.items():
        mms[name] = nest.Create("multimeter", params={"interval": DT, "record_from": rec})
        nest.Connect(mms[name], nodes[name])
    srs = {name: attach_recorders(nest, nodes[name]) for name in nodes}
    nest.Simulate(NETWORK_T_SIM + 1.0)
    return {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": NETWORK_T_SIM,
        "rounding": "traces rounded to 1e-9 of their unit; offsets unrounded",
        "neurons": neurons,
        "connections": [{"source": s, "target": t, "weight": w, "weight_unit": "nS", "delay_ms": d,
                         "receptor_type": r} for s, t, w, d, r in NETWORK_CONNECTIONS],
        "spike_generator": dict(NETWORK_GENERATOR, weight_unit="nS"),
        "phases": [{"name": "all", "start_ms": 0.0, "end_ms": NETWORK_T_SIM + 1.0}],
        "record": {
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": {name: samples(mms[name], rec, NETWORK_T_SIM) for name, rec in NETWORK_RECORD.items()},
            "spikes": {name: spike_record(*srs[name], NETWORK_T_SIM) for name in srs},
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
        if case in SINGLE:
            ref = run_single(nest, case, SINGLE[case])
            summary = {"neuron": ref["record"]["spikes"]}
        else:
            ref = run_network(nest, case)
            summary = ref["record"]["spikes"]
        path = os.path.join(args.out_dir, case + ".json")
        with open(path, "w") as f:
            json.dump(ref, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} kB")
        for name, s in summary.items():
            print(f"  {name}: {len(s['stamps_steps'])} spikes, stamps {s['stamps_steps'][:12]}, "
                  f"jumps {[round(o, 4) for o in s['offsets'][:12]]}")
        if "nest_facts" in ref:
            for k, v in ref["nest_facts"].items():
                print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
