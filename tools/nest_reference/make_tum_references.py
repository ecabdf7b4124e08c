#!/usr/bin/env python3
"""Reference traces from NEST for volley's iaf_tum_2000 (issue 5): one neuron, and presynaptic iaf_tum_2000 neurons
driving a postsynaptic one through receptor_type 1 (the spike carries the released fraction u x).

    /tmp/nestvenv/bin/python tools/nest_reference/make_tum_references.py            # every case
    /tmp/nestvenv/bin/python tools/nest_reference/make_tum_references.py iaf_tum_2000_pair_depressing

Writes tests/reference/<case>.json, read by tests/test_nest_iaf_tum_2000.cpp.

Single-neuron cases (iaf_tum_2000, iaf_tum_2000_facilitating): the protocol of make_references.py (a
step_current_generator, excitatory and inhibitory spike_generators with fixed times) plus two Poisson-like
spike_generators (times drawn here from a seeded Poisson process on the dt grid, stored in the file), all on
receptor_type 0. NEST records V_m, I_syn_ex and I_syn_in; x, y and u are no recordables, so the run advances one
step at a time (Simulate(dt)) and reads them from the status after every step: sample k of every trace is the state
after the step that ends at (k + 1) dt. Spikes: a spike_recorder with time_in_steps gives each spike's stamp (steps,
end of the spike step) and its offset, which for iaf_tum_2000 is the released amount u x of the spike (NEST sends
it in the offset field); a second spike_recorder in ms records what NEST reports by default: stamp * dt - offset.

Pair cases (iaf_tum_2000_pair_<set>): "pre_ex" and "pre_in" (iaf_tum_2000 with the set's plasticity parameters),
each driven by its own step_current_generator, connect to "post" (iaf_tum_2000, defaults) through receptor_type 1
with a positive and a negative weight; "pre_ex" also drives "pexp" (iaf_psc_exp, receptor 0: NEST's iaf_psc_exp
ignores the released amount); both targets have I_e 340 pA (rheobase 375 pA) so that inputs make them fire; a
spike_generator reaches "post" through receptor_type 0 (plain weights). Sets:
depressing (U 0.5, tau_fac 0, tau_rec 400 ms, x 1), facilitating (U 0.1, tau_fac 500 ms, tau_rec 100 ms, tau_psc
3 ms, x 1), defaults (NEST's: U 0.5, tau_fac 1000 ms, tau_rec 400 ms, x = y = u = 0).

"nest_facts" of the single default case: what NEST does in the corner cases that volley's NEST layer must mirror
(tum -> tum through receptor 0 refused; a spike_generator through receptor 1 delivers weight * 0).
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_references import (CURRENT_DELAY, CURRENT_TIMES, DT, EX_DELAY, EX_TIMES, IN_DELAY, IN_TIMES,  # noqa: E402
                             PHASES, T_SIM, json_number, split_status)

MODEL = "iaf_tum_2000"
STATES = ("x", "y", "u")  # status entries that are state (initial values), not parameters


def poisson_times(rate_hz, seed, t_end=T_SIM):
    """Spike times (ms) of a Poisson process on the dt grid, at most one per step, in (0, t_end)."""
    rng = random.Random(seed)
    t, out = 0.0, set()
    while True:
        t += rng.expovariate(rate_hz * 1e-3)
        if t >= t_end - 5.0:
            return sorted(out)
        k = max(1, round(t / DT))
        out.add(round(k * DT, 10))


SINGLE = {
    # NEST's defaults (x = y = u = 0: the first spike releases u x with x recovered from 0 since t = 0)
    "iaf_tum_2000": {"params": {}, "currents_pA": [500.0, 300.0], "weight_ex": 400.0, "weight_in": 400.0,
                     "poisson": [(400.0, 60.0, 0.5, 11), (200.0, -60.0, 2.0, 12)]},
    # every plasticity parameter and initial state off its default, y > 0 (the Pxy term), other membrane values;
    # V_m given: NEST keeps V_m's absolute value (-70 mV) when E_L changes in the same dictionary
    "iaf_tum_2000_facilitating": {
        "params": {"V_m": -65.0, "U": 0.1, "tau_fac": 800.0, "tau_rec": 150.0, "tau_psc": 5.0, "x": 0.7, "y": 0.2, "u": 0.05,
                   "t_ref": 3.0, "tau_syn_ex": 1.5, "tau_syn_in": 4.0, "E_L": -65.0, "V_th": -50.0,
                   "V_reset": -68.0, "C_m": 200.0, "tau_m": 15.0, "I_e": 50.0},
        "currents_pA": [250.0, 120.0], "weight_ex": 400.0, "weight_in": 300.0,
        "poisson": [(500.0, 50.0, 0.3, 21), (250.0, -70.0, 1.2, 22)]},
}

PAIR_SETS = {
    "depressing": {"U": 0.5, "tau_fac": 0.0, "tau_rec": 400.0, "x": 1.0},
    "facilitating": {"U": 0.1, "tau_fac": 500.0, "tau_rec": 100.0, "tau_psc": 3.0, "x": 1.0},
    "defaults": {},
}
# step currents of the presynaptic neurons (pA from ms): rheobase 375 pA with the defaults, so ISIs from ~7 to ~25 ms
PAIR_CURRENTS = {"pre_ex": ([10.0, 80.0, 150.0, 220.0], [600.0, 420.0, 1000.0, 0.0]),
                 "pre_in": ([30.0, 200.0], [500.0, 0.0])}
PAIR_CONNECTIONS = [  # source, target, weight (pA), delay (ms), receptor_type
    ("pre_ex", "post", 1500.0, 1.0, 1),
    ("pre_in", "post", -1000.0, 2.0, 1),
    ("pre_ex", "pexp", 200.0, 1.5, 0),
]
# the targets sit just below their rheobase (375 pA), so that the inputs make them fire
POST_PARAMS = {"I_e": 340.0}
PAIR_GENERATOR = {"times_ms": [100.0, 181.0, 250.0], "target": "post", "weight": 300.0, "delay_ms": 1.0,
                  "receptor_type": 0}


def nest_info(nest):
    build = nest.GetKernelStatus("build_info")
    return {"version": str(build.get("version", nest.__version__)), "built": str(build.get("built", "")),
            "threads": 1}


def reset(nest):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1


def describe(node):
    status = node.get()
    recordables = sorted(str(r) for r in node.get("recordables"))
    params, initial = split_status(status, set(recordables), extra_states=STATES)
    return recordables, params, initial


def spike_record(sr_ms, sr_steps):
    """Stamps (steps), offsets (the released amounts, unrounded) and NEST's default ms times, up to T_SIM."""
    e = sr_steps.get("events")
    kept = [(int(k), float(o)) for k, o in zip(e["times"], e["offsets"]) if k * DT <= T_SIM + 1e-9]
    ms = [float(t) for t in sr_ms.get("events")["times"]][:len(kept)]
    return {"stamps_steps": [k for k, _ in kept], "offsets": [o for _, o in kept], "recorder_times_ms": ms}


def attach_recorders(nest, node):
    sr_ms = nest.Create("spike_recorder")
    sr_steps = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(node, sr_ms)
    nest.Connect(node, sr_steps)
    return sr_ms, sr_steps


def samples(mm, names):
    n = int(round(T_SIM / DT))
    ev = mm.get("events")
    times = [float(t) for t in ev["times"]][:n]
    if len(times) != n or any(abs(t - (k + 1) * DT) > 1e-9 for k, t in enumerate(times)):
        raise RuntimeError("multimeter samples are not (k + 1) dt")
    return {r: [json_number(float(v)) for v in ev[r][:n]] for r in names}


def nest_facts(nest):
    facts = {}
    reset(nest)
    a, b = nest.Create(MODEL, 2)
    try:
        nest.Connect(a, b, syn_spec={"weight": 100.0, "receptor_type": 0})
        facts["tum_to_tum_receptor_0"] = "accepted"
    except Exception as e:  # NEST's IllegalConnection
        facts["tum_to_tum_receptor_0"] = "refused: " + str(e).strip().splitlines()[-1]
    reset(nest)
    n = nest.Create(MODEL)
    sg = nest.Create("spike_generator", params={"spike_times": [5.0]})
    nest.Connect(sg, n, syn_spec={"weight": 500.0, "delay": 1.0, "receptor_type": 1})
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": ["I_syn_ex", "I_syn_in"]})
    nest.Connect(mm, n)
    nest.Simulate(20.0)
    ev = mm.get("events")
    facts["spike_generator_receptor_1_max_abs_current_pA"] = max(
        abs(float(v)) for v in list(ev["I_syn_ex"]) + list(ev["I_syn_in"]))
    return facts


def run_single(nest, case, spec):
    reset(nest)
    neuron = nest.Create(MODEL, params=spec["params"])
    recordables, params, initial = describe(neuron)
    scg = nest.Create("step_current_generator",
                      params={"amplitude_times": CURRENT_TIMES, "amplitude_values": spec["currents_pA"]})
    nest.Connect(scg, neuron, syn_spec={"delay": CURRENT_DELAY})
    inputs = [{"name": "excitatory", "times_ms": EX_TIMES, "weight": spec["weight_ex"], "delay_ms": EX_DELAY},
              {"name": "inhibitory", "times_ms": IN_TIMES, "weight": -spec["weight_in"], "delay_ms": IN_DELAY}]
    for rate, w, d, seed in spec["poisson"]:
        inputs.append({"name": f"poisson_{rate:g}Hz_seed{seed}", "times_ms": poisson_times(rate, seed), "weight": w,
                       "delay_ms": d})
    for i in inputs:
        i["weight_unit"] = "pA"
        i["receptor_type"] = 0
        sg = nest.Create("spike_generator", params={"spike_times": i["times_ms"]})
        nest.Connect(sg, neuron, syn_spec={"weight": i["weight"], "delay": i["delay_ms"], "receptor_type": 0})
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": recordables})
    nest.Connect(mm, neuron)
    sr_ms, sr_steps = attach_recorders(nest, neuron)
    # step by step, reading the states that are no recordables; 1 ms more for the late multimeter samples
    n = int(round(T_SIM / DT))
    status = {s: [] for s in STATES}
    for _ in range(n + 10):
        nest.Simulate(DT)
        st = neuron.get(list(STATES))
        for s in STATES:
            status[s].append(json_number(float(st[s])))
    traces = samples(mm, recordables)
    for s in STATES:
        traces[s] = status[s][:n]
    spikes = spike_record(sr_ms, sr_steps)
    out = {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": T_SIM,
        "rounding": "traces rounded to 1e-9 of their unit; offsets unrounded",
        "parameters": params, "initial_state": initial,
        "protocol": {
            "step_current_generator": {
                "amplitude_times_ms": CURRENT_TIMES, "amplitude_values_pA": spec["currents_pA"],
                "delay_ms": CURRENT_DELAY,
                "timing": "value set at amplitude_time T acts on V over steps from T + delay on"},
            "spike_inputs": inputs,
            "spike_timing": "a spike_generator spike at t with delay d reaches the synaptic state at t + d",
            "phases": PHASES,
        },
        "record": {
            "interval_ms": DT,
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt (x, y, u: status read "
                           "after Simulate(dt) number k + 1)",
            "traces": traces,
            # stamps as ms (end of the spike step): what tests/support/nest_reference.hpp reads
            "spike_times_ms": [round(k * DT, 10) for k in spikes["stamps_steps"]],
            "spikes": spikes,
            "spike_time": "stamps_steps: end of the spike step; offsets: NEST's spike offset field, which "
                          "iaf_tum_2000 fills with the released amount u x; recorder_times_ms: NEST's spike_recorder "
                          "in ms, stamp * dt - offset",
        },
    }
    if case == MODEL:
        out["nest_facts"] = nest_facts(nest)
    return out


def run_pair(nest, case, plasticity):
    reset(nest)
    nodes = {
        "pre_ex": nest.Create(MODEL, params=plasticity),
        "pre_in": nest.Create(MODEL, params=plasticity),
        "post": nest.Create(MODEL, params=POST_PARAMS),
        "pexp": nest.Create("iaf_psc_exp", params=POST_PARAMS),
    }
    neurons = {}
    for name, node in nodes.items():
        _, params, initial = describe(node)
        neurons[name] = {"model": node.get("model"), "parameters": params, "initial_state": initial}
    for name, (times, values) in PAIR_CURRENTS.items():
        scg = nest.Create("step_current_generator", params={"amplitude_times": times, "amplitude_values": values})
        nest.Connect(scg, nodes[name], syn_spec={"delay": CURRENT_DELAY})
        neurons[name]["step_current_generator"] = {"amplitude_times_ms": times, "amplitude_values_pA": values,
                                                   "delay_ms": CURRENT_DELAY}
    for s, t, w, d, r in PAIR_CONNECTIONS:
        nest.Connect(nodes[s], nodes[t], syn_spec={"weight": w, "delay": d, "receptor_type": r})
    g = PAIR_GENERATOR
    sg = nest.Create("spike_generator", params={"spike_times": g["times_ms"]})
    nest.Connect(sg, nodes[g["target"]], syn_spec={"weight": g["weight"], "delay": g["delay_ms"],
                                                   "receptor_type": g["receptor_type"]})
    recorded = {"post": ["I_syn_ex", "I_syn_in", "V_m"], "pexp": ["I_syn_ex", "I_syn_in", "V_m"]}
    mms = {}
    for name, rec in recorded.items():
        mms[name] = nest.Create("multimeter", params={"interval": DT, "record_from": rec})
        nest.Connect(mms[name], nodes[name])
    srs = {name: attach_recorders(nest, nodes[name]) for name in ("pre_ex", "pre_in", "post", "pexp")}
    nest.Simulate(T_SIM + 1.0)
    return {
        "model": MODEL, "case": case, "nest": nest_info(nest), "dt_ms": DT, "t_sim_ms": T_SIM,
        "rounding": "traces rounded to 1e-9 of their unit; offsets unrounded",
        "plasticity": plasticity,
        "neurons": neurons,
        "connections": [{"source": s, "target": t, "weight": w, "weight_unit": "pA", "delay_ms": d,
                         "receptor_type": r} for s, t, w, d, r in PAIR_CONNECTIONS],
        "spike_generator": dict(PAIR_GENERATOR, weight_unit="pA"),
        "phases": [{"name": "all", "start_ms": 0.0, "end_ms": T_SIM + 1.0}],
        "record": {
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": {name: samples(mms[name], rec) for name, rec in recorded.items()},
            "spikes": {name: spike_record(*srs[name]) for name in srs},
        },
    }


CASES = list(SINGLE) + [MODEL + "_pair_" + s for s in PAIR_SETS]


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
            ref = run_pair(nest, case, PAIR_SETS[case[len(MODEL + "_pair_"):]])
            summary = ref["record"]["spikes"]
        path = os.path.join(args.out_dir, case + ".json")
        with open(path, "w") as f:
            json.dump(ref, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} kB")
        for name, s in summary.items():
            print(f"  {name}: {len(s['stamps_steps'])} spikes, stamps {s['stamps_steps'][:12]}, "
                  f"released {[round(o, 4) for o in s['offsets'][:12]]}")
        if "nest_facts" in ref:
            print("  facts:", ref["nest_facts"])


if __name__ == "__main__":
    main()
