#!/usr/bin/env python3
"""Reference traces from NEST 3.10 for volley's cm_default (compartmental neuron with a user-defined tree).

    /tmp/nestvenv/bin/python tools/nest_reference/make_cm_references.py

Writes tests/reference/cm_default.json, read by tests/test_nest_cm_default.cpp. One entry per case:
  "compartments", "receptors": exactly the lists given to NEST (cm.compartments = ..., cm.receptors = ...)
  "V_th": the threshold set (absent: NEST's default -55 mV)
  "spikes": spike_generators, each on one receptor port (receptor_type = receptor index), weight in uS
  "dc": dc_generators, each on one compartment (receptor_type = compartment index), amplitude in nA
  "v_comp<k>": every step (sample i: the state after the step ending at (i + 1) dt), rounded to 1e-10 mV
  "states": other recordables (gates, receptor conductances) every STATE_STRIDE-th step (samples i = 0, S, 2S, ...)
  "spike_times": the somatic spikes NEST emitted (ms)
Cases:
  soma_receptors   one compartment, one receptor of each kind (AMPA, GABA, NMDA, AMPA_NMDA) with default and
                   non-default parameters, a dc step
  soma_na_k_2dend  a soma with Na and K (spiking) and two dendrites with receptors, dc into the soma
  chain4           a chain of four passive compartments, dc into the last one, receptors along the chain
  branched_dt      soma with three children, one of which has two children (summation over 3 children), Na/K in
                   a dendrite, resolution 0.025 ms
"""
import json
import os

import nest

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference", "cm_default.json")
STATE_STRIDE = 5

CASES = {
    "soma_receptors": {
        "dt": 0.1, "t_sim": 120.0,
        "compartments": [{"parent_idx": -1, "params": {"C_m": 1.5, "g_L": 0.08, "e_L": -68.0, "v_comp": -66.0}}],
        "receptors": [
            {"comp_idx": 0, "receptor_type": "AMPA"},
            {"comp_idx": 0, "receptor_type": "GABA", "params": {"e_GABA": -75.0, "tau_r_GABA": 0.5,
                                                                "tau_d_GABA": 8.0}},
            {"comp_idx": 0, "receptor_type": "NMDA"},
            {"comp_idx": 0, "receptor_type": "AMPA_NMDA", "params": {"e_AMPA_NMDA": 5.0, "tau_r_AMPA": 0.3,
                                                                     "tau_d_AMPA": 2.5, "tau_r_NMDA": 0.4,
                                                                     "tau_d_NMDA": 50.0, "NMDA_ratio": 1.5}},
            {"comp_idx": 0, "receptor_type": "AMPA", "params": {"e_AMPA": 2.0, "tau_r_AMPA": 0.1,
                                                                "tau_d_AMPA": 4.0}},
        ],
        "spikes": [
            {"receptor": 0, "times": [5.0, 60.0, 60.5], "weight": 0.02, "delay": 1.0},
            {"receptor": 1, "times": [15.0, 70.0], "weight": 0.03, "delay": 1.5},
            {"receptor": 2, "times": [25.0, 80.0, 81.0], "weight": 0.01, "delay": 0.5},
            {"receptor": 3, "times": [35.0, 90.0], "weight": 0.015, "delay": 1.0},
            {"receptor": 4, "times": [45.0, 100.0], "weight": 0.025, "delay": 2.0},
        ],
        "dc": [{"comp": 0, "amplitude": 0.2, "start": 50.0, "stop": 110.0}],
    },
    "soma_na_k_2dend": {
        "dt": 0.1, "t_sim": 150.0, "V_th": -30.0,
        "compartments": [
            {"parent_idx": -1, "params": {"C_m": 10.0, "g_C": 0.0, "g_L": 1.0, "e_L": -70.0, "gbar_Na": 4608.0,
                                          "e_Na": 60.0, "gbar_K": 956.0, "e_K": -90.0}},
            {"parent_idx": 0, "params": {"C_m": 0.1, "g_C": 0.1, "g_L": 0.1, "e_L": -70.0}},
            {"parent_idx": 0, "params": {"C_m": 0.2, "g_C": 0.15, "g_L": 0.05, "e_L": -65.0, "v_comp": -68.0}},
        ],
        "receptors": [
            {"comp_idx": 1, "receptor_type": "AMPA_NMDA"},
            {"comp_idx": 2, "receptor_type": "GABA"},
            {"comp_idx": 2, "receptor_type": "AMPA"},
            {"comp_idx": 0, "receptor_type": "AMPA"},
        ],
        "spikes": [
            {"receptor": 0, "times": [10.0, 11.0, 12.0, 90.0], "weight": 0.5, "delay": 0.5},
            {"receptor": 1, "times": [30.0, 100.0], "weight": 0.4, "delay": 1.0},
            {"receptor": 2, "times": [40.0, 41.0, 42.0, 43.0], "weight": 0.8, "delay": 1.0},
            {"receptor": 3, "times": [120.0, 121.0], "weight": 3.0, "delay": 1.0},
        ],
        "dc": [{"comp": 0, "amplitude": 30.0, "start": 60.0, "stop": 80.0}],
    },
    "chain4": {
        "dt": 0.1, "t_sim": 120.0,
        "compartments": [
            {"parent_idx": -1, "params": {"C_m": 1.0, "g_L": 0.1, "e_L": -70.0}},
            {"parent_idx": 0, "params": {"C_m": 0.5, "g_C": 0.05, "g_L": 0.05, "e_L": -65.0, "v_comp": -60.0}},
            {"parent_idx": 1, "params": {"C_m": 0.3, "g_C": 0.02, "g_L": 0.03, "e_L": -72.0}},
            {"parent_idx": 2},
        ],
        "receptors": [
            {"comp_idx": 3, "receptor_type": "AMPA"},
            {"comp_idx": 2, "receptor_type": "NMDA", "params": {"e_NMDA": 3.0, "tau_r_NMDA": 0.5,
                                                                "tau_d_NMDA": 30.0}},
            {"comp_idx": 1, "receptor_type": "GABA"},
        ],
        "spikes": [
            {"receptor": 0, "times": [10.0, 50.0, 51.0], "weight": 0.05, "delay": 1.0},
            {"receptor": 1, "times": [20.0, 70.0], "weight": 0.03, "delay": 1.0},
            {"receptor": 2, "times": [30.0, 90.0], "weight": 0.02, "delay": 0.8},
        ],
        "dc": [{"comp": 3, "amplitude": 0.1, "start": 40.0, "stop": 100.0},
               {"comp": 1, "amplitude": -0.05, "start": 60.0, "stop": 80.0}],
    },
    "branched_dt": {
        "dt": 0.025, "t_sim": 60.0, "V_th": -40.0,
        "compartments": [
            {"parent_idx": -1, "params": {"C_m": 2.0, "g_L": 0.2, "e_L": -70.0, "gbar_Na": 800.0,
                                          "gbar_K": 200.0, "e_Na": 55.0, "e_K": -85.0}},
            {"parent_idx": 0, "params": {"C_m": 0.2, "g_C": 0.3, "g_L": 0.02}},
            {"parent_idx": 0, "params": {"C_m": 0.3, "g_C": 0.2, "g_L": 0.03, "gbar_Na": 20.0, "e_Na": 50.0,
                                         "gbar_K": 10.0, "e_K": -80.0}},
            {"parent_idx": 0, "params": {"C_m": 0.1, "g_C": 0.1, "g_L": 0.01, "e_L": -60.0}},
            {"parent_idx": 2, "params": {"C_m": 0.1, "g_C": 0.05, "g_L": 0.01}},
            {"parent_idx": 2, "params": {"C_m": 0.15, "g_C": 0.08, "g_L": 0.02, "v_comp": -72.0}},
        ],
        "receptors": [
            {"comp_idx": 4, "receptor_type": "AMPA_NMDA", "params": {"NMDA_ratio": 3.0}},
            {"comp_idx": 5, "receptor_type": "AMPA"},
            {"comp_idx": 3, "receptor_type": "GABA"},
        ],
        "spikes": [
            {"receptor": 0, "times": [5.0, 5.5, 6.0, 30.0], "weight": 0.2, "delay": 0.5},
            {"receptor": 1, "times": [8.0, 31.0, 31.2], "weight": 0.4, "delay": 0.25},
            {"receptor": 2, "times": [20.0], "weight": 0.3, "delay": 1.0},
        ],
        "dc": [{"comp": 0, "amplitude": 4.0, "start": 40.0, "stop": 50.0},
               {"comp": 5, "amplitude": 0.5, "start": 10.0, "stop": 25.0}],
    },
}


def run(case):
    nest.ResetKernel()
    nest.resolution = case["dt"]
    cm = nest.Create("cm_default")
    if "V_th" in case:
        cm.V_th = case["V_th"]
    cm.compartments = case["compartments"]
    cm.receptors = case["receptors"]
    for s in case["spikes"]:
        sg = nest.Create("spike_generator", {"spike_times": s["times"]})
        nest.Connect(sg, cm, syn_spec={"weight": s["weight"], "delay": s["delay"], "receptor_type": s["receptor"]})
    for d in case["dc"]:
        dc = nest.Create("dc_generator", {"amplitude": d["amplitude"], "start": d["start"], "stop": d["stop"]})
        nest.Connect(dc, cm, syn_spec={"delay": case["dt"], "receptor_type": d["comp"]})
    recordables = [str(r) for r in cm.get("recordables")]
    mm = nest.Create("multimeter", {"record_from": recordables, "interval": case["dt"]})
    nest.Connect(mm, cm)
    sr = nest.Create("spike_recorder")
    nest.Connect(cm, sr)
    # NEST's multimeter hands over the last samples only after further steps: run on, keep t_sim
    nest.Simulate(case["t_sim"] + 5.0)
    ev = mm.events
    n = int(round(case["t_sim"] / case["dt"]))
    times = ev["times"]
    for i in range(n):
        assert abs(times[i] - (i + 1) * case["dt"]) < 1e-9, (i, times[i])
    out = {k: case[k] for k in ("dt", "t_sim", "compartments", "receptors", "spikes", "dc") if k in case}
    if "V_th" in case:
        out["V_th"] = case["V_th"]
    states = {}
    for r in recordables:
        if r.startswith("v_comp"):
            out[r] = [round(float(x), 10) for x in ev[r][:n]]
        elif r.startswith(("m_Na_", "h_Na_", "n_K_")) and not any(
                p.get("params", {}).get("gbar_" + r.split("_")[1], 0) > 1e-9
                for i, p in enumerate(case["compartments"]) if r.endswith("_%d" % i)):
            continue  # a channel that NEST never advances (gbar 0): constant, not stored
        else:
            states[r] = [float("%.12g" % x) for x in ev[r][:n:STATE_STRIDE]]
    out["states"] = states
    out["spike_times"] = [round(float(t), 10) for t in sr.events["times"] if t <= case["t_sim"] + 1e-9]
    return out


def main():
    nest.set_verbosity("M_ERROR")
    data = {"model": "cm_default", "nest_version": nest.__version__, "state_stride": STATE_STRIDE,
            "cases": {name: run(case) for name, case in CASES.items()}}
    for name, c in data["cases"].items():
        print(name, "spikes:", c["spike_times"][:12], "states:", sorted(c["states"]))
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
