#!/usr/bin/env python3
"""Reference traces from NEST for volley's ht_neuron and ht_synapse (Hill & Tononi 2005).

    /tmp/nestvenv/bin/python tools/nest_reference/make_ht_references.py              # every case
    /tmp/nestvenv/bin/python tools/nest_reference/make_ht_references.py nest_ht_network

Writes tests/reference/<case>.json, read by tests/test_nest_ht.cpp. Traces are rounded to 11 significant digits.

Single-neuron cases: a step_current_generator (delay dt: a value set at T acts on V over the steps from T + dt on;
ht_neuron adds the number, "pA", to its sum of currents in mV), spike_generators on receptor_types 1..4 (AMPA, NMDA,
GABA_A, GABA_B; the weight multiplies g_peak), a multimeter at every step over all ten recordables (sample k: the
state after the step ending at (k + 1) dt) and a spike_recorder in steps.
  nest_ht_neuron  NEST's defaults, 210 ms: input on all four receptors, spikes under a depolarising step, then a
                  hyperpolarising step whose release fires a rebound burst (I_T and I_h)
  nest_ht_params  every parameter off its default, instant_unblock_NMDA, t_ref 3.05 ms (31 steps), V_m and theta
                  set, 150 ms
  nest_ht_clamp   voltage_clamp at V_m = -40 mV (above theta_eq: the neuron fires whenever theta has decayed below
                  the clamp), dynamic NMDA unblock under NMDA and AMPA input, 100 ms
Network case nest_ht_network (300 ms): ht_neurons a, b (driven by dc currents) and post; ht_synapse connections
a -> post (AMPA, defaults), b -> post (NMDA, tau_P 200 ms, delta_P 0.3, P 0.8 initially), post -> a (GABA_A), a static
a -> b (GABA_B); each ht_synapse names a weight_recorder (NEST records weight * P of every spike), and the P of every
connection after the run.

"nest_facts" (in nest_ht_neuron): what NEST refuses (receptors, bad parameters of ht_neuron and ht_synapse) and
accepts, and its defaults.
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_references import DT  # noqa: E402

MODEL = "ht_neuron"
RECEPTOR = {"AMPA": 1, "NMDA": 2, "GABA_A": 3, "GABA_B": 4}
SIGNIFICANT = 11

SINGLE = {
    "nest_ht_neuron": {
        "t_sim_ms": 210.0, "params": {},
        "current": {"amplitude_times_ms": [20.0, 70.0, 130.0], "amplitude_values_pA": [12.0, -150.0, 0.0]},
        "inputs": [{"receptor": "AMPA", "times_ms": [5.0, 6.0, 7.0, 40.0, 150.0], "weight": 2.0, "delay_ms": 1.0},
                   {"receptor": "NMDA", "times_ms": [3.0, 30.0, 55.0, 145.0], "weight": 3.0, "delay_ms": 1.5},
                   {"receptor": "GABA_A", "times_ms": [10.0, 45.0, 200.0], "weight": 1.5, "delay_ms": 1.0},
                   {"receptor": "GABA_B", "times_ms": [12.0, 60.0], "weight": 4.0, "delay_ms": 2.0},
                   # a negative weight (NEST accepts it: the conductance goes below 0)
                   {"receptor": "AMPA", "times_ms": [100.0], "weight": -1.0, "delay_ms": 0.5}],
        "phases": [{"name": "rest_psps", "start_ms": 0.0, "end_ms": 20.0},
                   {"name": "depolarising_step", "start_ms": 20.0, "end_ms": 70.0},
                   {"name": "hyperpolarising_step", "start_ms": 70.0, "end_ms": 130.0},
                   {"name": "rebound", "start_ms": 130.0, "end_ms": 211.0}],
    },
    "nest_ht_params": {
        "t_sim_ms": 150.0,
        "params": {"E_Na": 40.0, "E_K": -85.0, "g_NaL": 0.25, "g_KL": 1.1, "tau_m": 14.0, "theta_eq": -50.0,
                   "tau_theta": 2.5, "tau_spike": 1.5, "t_ref": 3.05,
                   "g_peak_AMPA": 0.12, "tau_rise_AMPA": 0.6, "tau_decay_AMPA": 2.0, "E_rev_AMPA": 5.0,
                   "g_peak_NMDA": 0.1, "tau_rise_NMDA": 3.0, "tau_decay_NMDA": 50.0, "E_rev_NMDA": -2.0,
                   "V_act_NMDA": -24.0, "S_act_NMDA": 0.09, "tau_Mg_slow_NMDA": 20.0, "tau_Mg_fast_NMDA": 0.8,
                   "instant_unblock_NMDA": True,
                   "g_peak_GABA_A": 0.3, "tau_rise_GABA_A": 1.2, "tau_decay_GABA_A": 8.0, "E_rev_GABA_A": -72.0,
                   "g_peak_GABA_B": 0.02, "tau_rise_GABA_B": 50.0, "tau_decay_GABA_B": 180.0, "E_rev_GABA_B": -95.0,
                   "g_peak_NaP": 0.8, "E_rev_NaP": 35.0, "N_NaP": 2.5,
                   "g_peak_KNa": 1.2, "E_rev_KNa": -88.0, "tau_D_KNa": 1000.0,
                   "g_peak_T": 1.5, "E_rev_T": 5.0, "N_T": 3.0,
                   "g_peak_h": 0.8, "E_rev_h": -42.0,
                   "V_m": -65.0, "theta": -48.0},
        "current": {"amplitude_times_ms": [25.0, 80.0], "amplitude_values_pA": [15.0, 4.0]},
        "inputs": [{"receptor": "AMPA", "times_ms": [5.0, 90.0, 91.0, 92.0], "weight": 2.5, "delay_ms": 1.0},
                   {"receptor": "NMDA", "times_ms": [2.0, 8.0, 100.0, 101.0], "weight": 4.0, "delay_ms": 1.0},
                   {"receptor": "GABA_A", "times_ms": [12.0, 60.0], "weight": 2.0, "delay_ms": 1.2},
                   {"receptor": "GABA_B", "times_ms": [15.0], "weight": 5.0, "delay_ms": 1.0}],
        "phases": [{"name": "rest_psps", "start_ms": 0.0, "end_ms": 25.0},
                   {"name": "depolarising_step", "start_ms": 25.0, "end_ms": 80.0},
                   {"name": "weak_step_with_synaptic_input", "start_ms": 80.0, "end_ms": 151.0}],
    },
    "nest_ht_clamp": {
        "t_sim_ms": 100.0,
        "params": {"voltage_clamp": True, "V_m": -40.0},
        "current": {"amplitude_times_ms": [30.0], "amplitude_values_pA": [20.0]},
        "inputs": [{"receptor": "NMDA", "times_ms": [2.0, 20.0, 21.0, 60.0], "weight": 5.0, "delay_ms": 1.0},
                   {"receptor": "AMPA", "times_ms": [10.0, 70.0], "weight": 3.0, "delay_ms": 1.0}],
        "phases": [{"name": "clamped", "start_ms": 0.0, "end_ms": 101.0}],
    },
}

NETWORK_T_SIM = 300.0
NETWORK_NEURONS = {"a": 14.0, "b": 9.0, "post": 0.0}  # name: dc amplitude ("pA": mV in ht_neuron's sum)
NETWORK_SYNAPSES = {  # copied ht_synapse models, each with the weight_recorder
    "ht_default": {},
    "ht_fast": {"tau_P": 200.0, "delta_P": 0.3, "P": 0.8},
}
NETWORK_CONNECTIONS = [  # source, target, synapse model, weight, delay (ms), receptor_type
    ("a", "post", "ht_default", 3.0, 1.0, 1),
    ("b", "post", "ht_fast", 6.0, 1.5, 2),
    ("post", "a", "ht_default", 2.0, 1.0, 3),
    ("a", "b", "static_synapse", 4.0, 2.0, 4),
]
NETWORK_RECORD = {"post": ["V_m", "g_AMPA", "g_NMDA"], "a": ["V_m", "g_GABA_A"], "b": ["g_GABA_B"]}


def num(x):
    if isinstance(x, bool) or isinstance(x, int):
        return x
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(f"{x:.{SIGNIFICANT}g}")


def nest_info(nest):
    build = nest.GetKernelStatus("build_info")
    return {"version": str(build.get("version", nest.__version__)), "threads": 1}


def reset(nest):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1


NOT_PARAMETERS = {"Ca", "beta_Ca", "tau_Ca", "tau_minus", "tau_minus_triplet", "post_trace", "archiver_length",
                  "synaptic_elements", "t_spike", "global_id", "model_id", "thread", "thread_local_id", "vp", "local",
                  "frozen", "node_uses_wfr", "elementsize", "available", "capacity", "instantiations", "model",
                  "element_type", "recordables", "receptor_types", "type_id"}


def describe(node):
    status = node.get()
    params, initial = {}, {}
    for k, v in sorted(status.items()):
        if k in NOT_PARAMETERS or k.startswith("ignore_and_spike"):
            continue
        (initial if k in ("V_m", "theta") else params)[k] = num(v)
    return sorted(str(r) for r in node.get("recordables")), params, initial


def samples(mm, names, t_sim):
    n = int(round(t_sim / DT))
    ev = mm.get("events")
    times = [float(t) for t in ev["times"]][:n]
    if len(times) != n or any(abs(t - (k + 1) * DT) > 1e-9 for k, t in enumerate(times)):
        raise RuntimeError("multimeter samples are not (k + 1) dt")
    return {r: [num(v) for v in ev[r][:n]] for r in names}


def spike_steps(sr, t_sim):
    return [int(k) for k in sr.get("events")["times"] if k * DT <= t_sim + 1e-9]


def outcome(call):
    try:
        call()
        return "accepted"
    except Exception as e:  # NEST's BadProperty / UnknownReceptorType / IllegalConnection
        return "refused: " + str(e).strip().splitlines()[-1]


def nest_facts(nest):
    facts = {}
    reset(nest)
    a, b = nest.Create(MODEL, 2)
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    dc = nest.Create("dc_generator")
    other = nest.Create("iaf_psc_alpha")
    for r in (0, 1, 4, 5):
        facts[f"ht_to_ht_receptor_{r}"] = outcome(lambda: nest.Connect(a, b, syn_spec={"receptor_type": r}))
        facts[f"spike_generator_receptor_{r}"] = outcome(lambda: nest.Connect(sg, b, syn_spec={"receptor_type": r}))
    facts["dc_generator_receptor_0"] = outcome(lambda: nest.Connect(dc, b))
    facts["dc_generator_receptor_1"] = outcome(lambda: nest.Connect(dc, b, syn_spec={"receptor_type": 1}))
    facts["ht_to_iaf_psc_alpha_ht_synapse"] = outcome(
        lambda: nest.Connect(a, other, syn_spec={"synapse_model": "ht_synapse"}))
    facts["iaf_psc_alpha_to_ht_ht_synapse_receptor_2"] = outcome(
        lambda: nest.Connect(other, b, syn_spec={"synapse_model": "ht_synapse", "receptor_type": 2}))
    bad_neuron = {"tau_rise_AMPA": 3.0, "tau_rise_NMDA": 40.0, "tau_rise_GABA_A": 7.5, "tau_rise_GABA_B": 200.0,
                  "tau_Mg_fast_NMDA": 30.0, "g_peak_AMPA": -0.1, "g_KL": -1.0, "S_act_NMDA": -0.1, "t_ref": -1.0,
                  "tau_m": 0.0, "tau_D_KNa": -5.0, "g_peak_h": -1.0}
    for k, v in bad_neuron.items():
        facts[f"ht_neuron_{k}_{v}"] = outcome(lambda: a.set({k: v}))
    for k, v in {"tau_P": 0.0, "delta_P": 1.5, "delta_P_neg": -0.1, "P": 1.2}.items():
        key = k.replace("_neg", "")
        facts[f"ht_synapse_{k}_{v}"] = outcome(
            lambda: nest.Connect(a, b, syn_spec={"synapse_model": "ht_synapse", "receptor_type": 1, key: v}))
    facts["ht_synapse_defaults"] = {k: num(v) for k, v in nest.GetDefaults("ht_synapse").items()
                                    if k in ("P", "delta_P", "tau_P", "weight", "delay")}
    # the prototype's state: parameters given at Create leave V_m and theta where the defaults put them
    reset(nest)
    n = nest.Create(MODEL, params={"g_NaL": 0.5, "E_K": -80.0, "theta_eq": -45.0})
    facts["create_with_params_V_m_theta"] = [num(n.get("V_m")), num(n.get("theta"))]
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
        inputs.append(dict(i, receptor_type=RECEPTOR[i["receptor"]]))
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": recordables})
    nest.Connect(mm, neuron)
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(neuron, sr)
    nest.Simulate(t_sim + 1.0)  # the multimeter lags min_delay at the end of Simulate
    out = {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": t_sim,
        "rounding": f"traces rounded to {SIGNIFICANT} significant digits",
        "parameters": params, "initial_state": initial,
        "protocol": {
            "step_current_generator": dict(cur, delay_ms=DT,
                                           timing="value set at amplitude_time T acts on V over steps from T + "
                                                  "delay on"),
            "spike_inputs": inputs,
            "phases": spec["phases"],
        },
        "record": {
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": samples(mm, recordables, t_sim),
            "spikes": {"stamps_steps": spike_steps(sr, t_sim)},
        },
    }
    if case == "nest_ht_neuron":
        out["nest_facts"] = nest_facts(nest)
    return out


def run_network(nest, case):
    reset(nest)
    wr = nest.Create("weight_recorder")
    for name, extra in NETWORK_SYNAPSES.items():
        nest.CopyModel("ht_synapse", name, dict(extra, weight_recorder=wr))
    nodes = {name: nest.Create(MODEL) for name in NETWORK_NEURONS}
    for name, amp in NETWORK_NEURONS.items():
        if amp:
            nest.Connect(nest.Create("dc_generator", params={"amplitude": amp}), nodes[name])
    for s, t, m, w, d, r in NETWORK_CONNECTIONS:
        nest.Connect(nodes[s], nodes[t], syn_spec={"synapse_model": m, "weight": w, "delay": d, "receptor_type": r})
    mms = {}
    for name, rec in NETWORK_RECORD.items():
        mms[name] = nest.Create("multimeter", params={"interval": DT, "record_from": rec})
        nest.Connect(mms[name], nodes[name])
    srs = {}
    for name, node in nodes.items():
        srs[name] = nest.Create("spike_recorder", params={"time_in_steps": True})
        nest.Connect(node, srs[name])
    nest.Simulate(NETWORK_T_SIM)
    ids = {int(node.global_id): name for name, node in nodes.items()}
    ev = wr.get("events")
    events = sorted([float(t), ids[int(s)], ids[int(r)], num(w)]
                    for t, s, r, w in zip(ev["times"], ev["senders"], ev["targets"], ev["weights"]))
    final_P = []
    for s, t, m, w, d, r in NETWORK_CONNECTIONS:
        if m == "static_synapse":
            continue
        conn = nest.GetConnections(nodes[s], nodes[t], synapse_model=m)
        final_P.append({"source": s, "target": t, "P": num(conn.get("P"))})
    # the multimeter lags min_delay at the end of Simulate: compare its samples up to t_sim - 1 ms
    t_traces = NETWORK_T_SIM - 1.0
    return {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": NETWORK_T_SIM,
        "t_traces_ms": t_traces, "rounding": f"traces rounded to {SIGNIFICANT} significant digits",
        "neurons": {name: {"dc_amplitude": amp} for name, amp in NETWORK_NEURONS.items()},
        "synapse_models": {name: dict(extra, base="ht_synapse") for name, extra in NETWORK_SYNAPSES.items()},
        "connections": [{"source": s, "target": t, "synapse_model": m, "weight": w, "delay_ms": d,
                         "receptor_type": r} for s, t, m, w, d, r in NETWORK_CONNECTIONS],
        "phases": [{"name": "all", "start_ms": 0.0, "end_ms": NETWORK_T_SIM}],
        "record": {
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": {name: samples(mms[name], rec, t_traces) for name, rec in NETWORK_RECORD.items()},
            "spikes": {name: {"stamps_steps": spike_steps(srs[name], NETWORK_T_SIM)} for name in srs},
            "weight_recorder": {"columns": ["time_ms", "sender", "target", "weight"], "events": events},
            "final_P": final_P,
        },
    }


CASES = list(SINGLE) + ["nest_ht_network"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", default=CASES, help="cases: " + ", ".join(CASES))
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--digits", type=int, default=SIGNIFICANT, help="significant digits of the traces")
    ap.add_argument("--out-dir", default=os.path.normpath(os.path.join(here, "..", "..", "tests", "reference")))
    args = ap.parse_args()
    globals()["SIGNIFICANT"] = args.digits  # num() and the "rounding" notes read it
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
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} kB")
        spikes = ref["record"]["spikes"]
        for name, s in (spikes.items() if case not in SINGLE else [("neuron", spikes)]):
            print(f"  {name}: {len(s['stamps_steps'])} spikes, stamps {s['stamps_steps'][:16]}")
        if "weight_recorder" in ref["record"]:
            print(f"  weight_recorder: {len(ref['record']['weight_recorder']['events'])} events; "
                  f"final P {ref['record']['final_P']}")
        for k, v in ref.get("nest_facts", {}).items():
            print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
