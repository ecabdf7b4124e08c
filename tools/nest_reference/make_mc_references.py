#!/usr/bin/env python3
"""Reference traces from NEST for volley's iaf_cond_alpha_mc (issue 5): one three-compartment neuron with spike
input on every spike receptor and current input on every current receptor.

    /tmp/nestvenv/bin/python tools/nest_reference/make_mc_references.py            # every case
    /tmp/nestvenv/bin/python tools/nest_reference/make_mc_references.py iaf_cond_alpha_mc_params

Writes tests/reference/<case>.json, read by tests/test_nest_iaf_cond_alpha_mc.cpp. Traces rounded to 1e-9 of their
unit (mV, nS, ms).

Each case: spike_generators on receptor_types 1..6 (soma_exc, soma_inh, proximal_exc, proximal_inh, distal_exc,
distal_inh) with fixed times, weights and delays; step_current_generators on receptor_types 7, 8, 9 (soma,
proximal, distal currents; a value set at T acts over the steps from T + delay on) and a dc_generator with start
and stop; a multimeter at every step over all recordables (sample k: the state after the step ending at
(k + 1) dt) and a spike_recorder.
  iaf_cond_alpha_mc         NEST's defaults, 150 ms
  iaf_cond_alpha_mc_params  every parameter off its default (sub-dictionaries soma, proximal, distal; t_ref 2.55 ms,
                            off the grid), I_e in every compartment, initial V_m per compartment, 120 ms
"nest_facts" (first case): which receptor_types NEST accepts from which sender.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_references import DT, json_number  # noqa: E402

MODEL = "iaf_cond_alpha_mc"
COMPARTMENTS = ("soma", "proximal", "distal")
SPIKE_RECEPTORS = {"soma_exc": 1, "soma_inh": 2, "proximal_exc": 3, "proximal_inh": 4, "distal_exc": 5,
                   "distal_inh": 6}
CURRENT_RECEPTORS = {"soma_curr": 7, "proximal_curr": 8, "distal_curr": 9}

CASES = {
    MODEL: {
        "t_sim_ms": 150.0, "params": {},
        "spikes": [
            {"receptor": "soma_exc", "times_ms": [5.0, 70.0, 71.0, 72.0], "weight": 6.0, "delay_ms": 1.0},
            {"receptor": "soma_inh", "times_ms": [10.0, 90.0], "weight": 8.0, "delay_ms": 1.5},
            {"receptor": "proximal_exc", "times_ms": [15.0, 100.0, 100.5, 101.0, 101.5], "weight": 10.0,
             "delay_ms": 0.5},
            {"receptor": "proximal_inh", "times_ms": [20.0, 120.0], "weight": 6.0, "delay_ms": 1.0},
            {"receptor": "distal_exc", "times_ms": [25.0, 110.0, 110.2, 110.4, 110.6, 110.8], "weight": 15.0,
             "delay_ms": 2.0},
            {"receptor": "distal_inh", "times_ms": [30.0, 130.0], "weight": 9.0, "delay_ms": 1.0},
        ],
        # rheobase at the soma alone ~ 10 nS * 15 mV plus the dendrites' load: a few hundred pA
        "currents": [
            {"receptor": "soma_curr", "amplitude_times_ms": [40.0, 60.0], "amplitude_values_pA": [450.0, 0.0],
             "delay_ms": DT},
            {"receptor": "proximal_curr", "amplitude_times_ms": [50.0, 80.0, 140.0],
             "amplitude_values_pA": [300.0, 150.0, 0.0], "delay_ms": 1.0},
            {"receptor": "distal_curr", "amplitude_times_ms": [55.0, 95.0], "amplitude_values_pA": [400.0, 100.0],
             "delay_ms": 0.3},
        ],
        "dc": {"receptor": "distal_curr", "amplitude": 200.0, "start": 125.0, "stop": 145.0, "delay_ms": DT},
        "phases": [{"name": "rest_psps_every_port", "start_ms": 0.0, "end_ms": 40.0},
                   {"name": "currents_every_compartment", "start_ms": 40.0, "end_ms": 95.0},
                   {"name": "synaptic_bursts", "start_ms": 95.0, "end_ms": 151.0}],
    },
    MODEL + "_params": {
        "t_sim_ms": 120.0,
        "params": {"V_th": -52.0, "V_reset": -63.0, "t_ref": 2.55, "g_sp": 4.0, "g_pd": 1.5,
                   "soma": {"g_L": 12.0, "C_m": 120.0, "E_ex": 5.0, "E_in": -80.0, "E_L": -68.0,
                            "tau_syn_ex": 0.8, "tau_syn_in": 3.0, "I_e": 100.0, "V_m": -66.0},
                   "proximal": {"g_L": 6.0, "C_m": 90.0, "E_ex": -2.0, "E_in": -75.0, "E_L": -66.0,
                                "tau_syn_ex": 1.2, "tau_syn_in": 2.5, "I_e": 50.0, "V_m": -60.0},
                   "distal": {"g_L": 8.0, "C_m": 110.0, "E_ex": 3.0, "E_in": -90.0, "E_L": -72.0,
                              "tau_syn_ex": 0.4, "tau_syn_in": 4.0, "I_e": 80.0, "V_m": -75.0}},
        "spikes": [
            {"receptor": "soma_exc", "times_ms": [5.0, 60.0, 61.0, 62.0], "weight": 7.0, "delay_ms": 1.0},
            {"receptor": "soma_inh", "times_ms": [12.0, 75.0], "weight": 5.0, "delay_ms": 2.0},
            {"receptor": "proximal_exc", "times_ms": [18.0, 85.0, 85.5, 86.0], "weight": 9.0, "delay_ms": 0.7},
            {"receptor": "proximal_inh", "times_ms": [22.0, 100.0], "weight": 4.0, "delay_ms": 1.0},
            {"receptor": "distal_exc", "times_ms": [28.0, 90.0, 90.3, 90.6, 90.9], "weight": 12.0,
             "delay_ms": 1.0},
            {"receptor": "distal_inh", "times_ms": [33.0, 110.0], "weight": 7.0, "delay_ms": 1.2},
        ],
        "currents": [
            {"receptor": "soma_curr", "amplitude_times_ms": [40.0, 55.0], "amplitude_values_pA": [380.0, 50.0],
             "delay_ms": 0.2},
            {"receptor": "proximal_curr", "amplitude_times_ms": [45.0, 70.0], "amplitude_values_pA": [250.0, -50.0],
             "delay_ms": 1.0},
            {"receptor": "distal_curr", "amplitude_times_ms": [50.0, 80.0], "amplitude_values_pA": [300.0, 0.0],
             "delay_ms": DT},
        ],
        "dc": {"receptor": "proximal_curr", "amplitude": -120.0, "start": 95.0, "stop": 105.0, "delay_ms": 0.5},
        "phases": [{"name": "rest_psps_every_port", "start_ms": 0.0, "end_ms": 40.0},
                   {"name": "currents_every_compartment", "start_ms": 40.0, "end_ms": 85.0},
                   {"name": "synaptic_bursts", "start_ms": 85.0, "end_ms": 121.0}],
    },
}


def nest_info(nest):
    build = nest.GetKernelStatus("build_info")
    return {"version": str(build.get("version", nest.__version__)), "built": str(build.get("built", "")),
            "threads": 1}


def reset(nest):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1


def status_of(node):
    """NEST's parameters (global and per compartment sub-dictionaries) and the initial V_m per compartment."""
    st = node.get()
    params = {k: json_number(float(st[k])) for k in ("V_th", "V_reset", "t_ref", "g_sp", "g_pd")}
    initial = {}
    for comp in COMPARTMENTS:
        sub = dict(st[comp])
        initial[comp] = {"V_m": json_number(float(sub.pop("V_m")))}
        params[comp] = {k: json_number(float(v)) for k, v in sorted(sub.items())}
    return params, initial


def refused(connect):
    try:
        connect()
        return "accepted"
    except Exception as e:  # NEST's IncompatibleReceptorType / UnknownReceptorType
        return "refused: " + str(e).strip().splitlines()[-1]


def nest_facts(nest):
    facts = {}
    reset(nest)
    n = nest.Create(MODEL)
    other = nest.Create(MODEL)
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    dc = nest.Create("dc_generator")
    ac = nest.Create("ac_generator")
    facts["receptor_types"] = {str(k): int(v) for k, v in n.get("receptor_types").items()}
    for r in (0, 1, 6, 7, 10):
        facts[f"spike_generator_receptor_{r}"] = refused(
            lambda: nest.Connect(sg, n, syn_spec={"receptor_type": r}))
    for r in (0, 1, 7, 9, 10):
        facts[f"dc_generator_receptor_{r}"] = refused(lambda: nest.Connect(dc, n, syn_spec={"receptor_type": r}))
    facts["ac_generator_receptor_8"] = refused(lambda: nest.Connect(ac, n, syn_spec={"receptor_type": 8}))
    facts["neuron_receptor_0"] = refused(lambda: nest.Connect(other, n))
    facts["neuron_receptor_3"] = refused(lambda: nest.Connect(other, n, syn_spec={"receptor_type": 3}))
    facts["negative_weight_receptor_1"] = refused(
        lambda: nest.Connect(sg, n, syn_spec={"receptor_type": 1, "weight": -1.0}))
    facts["recordables"] = sorted(str(r) for r in n.get("recordables"))
    return facts


def run_case(nest, case, spec):
    reset(nest)
    t_sim = spec["t_sim_ms"]
    neuron = nest.Create(MODEL, params=spec["params"])
    params, initial = status_of(neuron)
    recordables = sorted(str(r) for r in neuron.get("recordables"))
    spikes = []
    for i in spec["spikes"]:
        sg = nest.Create("spike_generator", params={"spike_times": i["times_ms"]})
        r = SPIKE_RECEPTORS[i["receptor"]]
        nest.Connect(sg, neuron, syn_spec={"weight": i["weight"], "delay": i["delay_ms"], "receptor_type": r})
        spikes.append(dict(i, receptor_type=r, weight_unit="nS"))
    currents = []
    for c in spec["currents"]:
        scg = nest.Create("step_current_generator", params={"amplitude_times": c["amplitude_times_ms"],
                                                             "amplitude_values": c["amplitude_values_pA"]})
        r = CURRENT_RECEPTORS[c["receptor"]]
        nest.Connect(scg, neuron, syn_spec={"delay": c["delay_ms"], "receptor_type": r})
        currents.append(dict(c, receptor_type=r))
    d = spec["dc"]
    dc = nest.Create("dc_generator", params={"amplitude": d["amplitude"], "start": d["start"], "stop": d["stop"]})
    nest.Connect(dc, neuron, syn_spec={"delay": d["delay_ms"], "receptor_type": CURRENT_RECEPTORS[d["receptor"]]})
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": recordables})
    nest.Connect(mm, neuron)
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(neuron, sr)
    nest.Simulate(t_sim + 1.0)
    n = int(round(t_sim / DT))
    ev = mm.get("events")
    times = [float(t) for t in ev["times"]][:n]
    if len(times) != n or any(abs(t - (k + 1) * DT) > 1e-9 for k, t in enumerate(times)):
        raise RuntimeError("multimeter samples are not (k + 1) dt")
    stamps = [int(k) for k in sr.get("events")["times"] if k * DT <= t_sim + 1e-9]
    out = {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": t_sim,
        "rounding": "traces rounded to 1e-9 of their unit",
        "parameters": params, "initial_state": initial, "set": spec["params"],
        "protocol": {
            "spike_inputs": spikes,
            "spike_timing": "a spike_generator spike at t with delay d reaches dg_ex / dg_in at t + d",
            "step_current_generators": currents,
            "dc_generator": dict(d, receptor_type=CURRENT_RECEPTORS[d["receptor"]]),
            "current_timing": "a value set at T (dc: start, stop) acts over the steps from T + delay on",
            "phases": spec["phases"],
        },
        "record": {
            "interval_ms": DT,
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": {r: [json_number(float(v)) for v in ev[r][:n]] for r in recordables},
            "spike_times_ms": [round(k * DT, 10) for k in stamps],
        },
    }
    if case == MODEL:
        out["nest_facts"] = nest_facts(nest)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", default=list(CASES), help="cases: " + ", ".join(CASES))
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out-dir", default=os.path.normpath(os.path.join(here, "..", "..", "tests", "reference")))
    args = ap.parse_args()
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        sys.exit(f"unknown cases {unknown}: {list(CASES)}")
    import nest  # late: --help works without NEST
    nest.set_verbosity("M_ERROR")
    os.makedirs(args.out_dir, exist_ok=True)
    for case in args.cases:
        ref = run_case(nest, case, CASES[case])
        path = os.path.join(args.out_dir, case + ".json")
        with open(path, "w") as f:
            json.dump(ref, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} kB; spikes at {ref['record']['spike_times_ms']}")
        for k, v in ref.get("nest_facts", {}).items():
            print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
