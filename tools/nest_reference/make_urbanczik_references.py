#!/usr/bin/env python3
"""Reference data from NEST 3.10 for volley's pp_cond_exp_mc_urbanczik and urbanczik_synapse
(models/pp_cond_exp_mc_urbanczik.hpp, models/urbanczik.hpp).

    /tmp/nestvenv/bin/python tools/nest_reference/make_urbanczik_references.py

Writes tests/reference/pp_cond_exp_mc_urbanczik.json, read by tests/test_nest_urbanczik.cpp. Values rounded to 12
significant digits.

The neuron spikes at random (rate phi(V_s)), so every protocol whose output is compared sample by sample is made
deterministic:
  "single"     one neuron, spike_generators on the four spike receptors (soma_exc 1, soma_inh 2, dendritic_exc 3,
               dendritic_inh 4), step_current_generators on the current receptors (soma_curr 5, dendritic_curr 6),
               a dc_generator on 6; a multimeter at every step over all six recordables (every STRIDE-th sample
               stored), a spike_recorder.
                 silent_defaults  NEST's defaults with phi_max = 0 (no spikes)
                 silent_params    every parameter off its default (sub-dictionaries soma, dendritic; g_ps != 0),
                                  phi_max = 0, initial V_m per compartment
                 forced_spiking   phi_max = 1e5 /ms: the spike probability 1 - exp(-phi dt) is 1 in double at every
                                  step out of the dead time, so the train is the dead time's grid (t_ref 2.05 ms,
                                  off the grid)
  "synapse"    parrot neurons (driven by spike_generators) -> urbanczik_synapse -> dendritic_exc of one neuron, a
               weight_recorder on the synapse model: every transmitted weight, the final weights, the dendritic and
               somatic potentials, the postsynaptic spikes.
                 silent_soma      the soma held far below threshold by I_e (no spikes: phi(V_s) dt ~ 1e-18 over the
                                  run), theta = -65 mV so that the dendritic prediction phi(V_W*) is large: the
                                  weights fall by the prediction term alone
                 teacher_spiking  phi_max = 400 /ms and the soma driven far above theta: a spike in every step out
                                  of the dead time (t_ref 0.3 ms: every 4th step), p = 1 in double; the weights move
                                  by both the spike and the prediction terms; delays 0.1 to 2 ms
  "rate"       statistics: N neurons at a constant potential (all compartments at E_L, no input: the RKF45 state
               stays exactly there), theta = E_L so phi = phi_max / (1 + rate_slope); spike counts for t_ref 3 ms
               (Bernoulli per step, dead time) and t_ref 0 (NEST: Poisson counts per step).
"""
import json
import os

import nest

DT = 0.1
SIG = 12
STRIDE = 2
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference")
MODEL = "pp_cond_exp_mc_urbanczik"
RECORDABLES = ["V_m.s", "g_ex.s", "g_in.s", "V_m.p", "I_ex.p", "I_in.p"]
RECEPTORS = {"soma_exc": 1, "soma_inh": 2, "dendritic_exc": 3, "dendritic_inh": 4, "soma_curr": 5,
             "dendritic_curr": 6}


def r(x):
    return float(f"{float(x):.{SIG}g}")


SPIKES = [
    {"receptor": "soma_exc", "times_ms": [5.0, 60.0, 60.5, 61.0], "weight": 6.0, "delay_ms": 1.0},
    {"receptor": "soma_inh", "times_ms": [12.0, 80.0], "weight": 8.0, "delay_ms": 1.5},
    {"receptor": "dendritic_exc", "times_ms": [18.0, 90.0, 90.4, 90.8, 91.2], "weight": 400.0, "delay_ms": 0.5},
    {"receptor": "dendritic_inh", "times_ms": [25.0, 105.0], "weight": 300.0, "delay_ms": 2.0},
]
CURRENTS = [
    {"receptor": "soma_curr", "amplitude_times_ms": [35.0, 50.0], "amplitude_values_pA": [500.0, 0.0],
     "delay_ms": DT},
    {"receptor": "dendritic_curr", "amplitude_times_ms": [40.0, 70.0, 120.0],
     "amplitude_values_pA": [300.0, -150.0, 0.0], "delay_ms": 1.0},
]
DC = {"receptor": "dendritic_curr", "amplitude": 250.0, "start": 125.0, "stop": 140.0, "delay_ms": DT}

SINGLE = [
    {"name": "silent_defaults", "t_sim_ms": 150.0, "params": {"phi_max": 0.0}},
    {"name": "silent_params", "t_sim_ms": 150.0,
     "params": {"phi_max": 0.0, "rate_slope": 0.8, "beta": 0.25, "theta": -50.0, "t_ref": 2.0, "g_sp": 450.0,
                "g_ps": 120.0,
                "soma": {"g_L": 25.0, "C_m": 250.0, "E_ex": 5.0, "E_in": -80.0, "E_L": -68.0, "tau_syn_ex": 2.0,
                         "tau_syn_in": 4.5, "I_e": 150.0, "V_m": -65.0},
                "dendritic": {"g_L": 35.0, "C_m": 320.0, "E_L": -72.0, "tau_syn_ex": 2.5, "tau_syn_in": 5.0,
                              "I_e": -80.0, "V_m": -75.0}}},
    {"name": "forced_spiking", "t_sim_ms": 150.0, "params": {"phi_max": 1.0e5, "t_ref": 2.05}},
]

SYNAPSE = [
    {"name": "silent_soma", "t_sim_ms": 300.0,
     "params": {"theta": -65.0, "soma": {"I_e": -80000.0}},
     "syn": {"weight": 250.0, "eta": 0.02, "tau_Delta": 60.0, "Wmin": 0.0, "Wmax": 1000.0},
     "pre": [{"times_ms": [10.0, 14.0, 30.0, 31.0, 32.0, 80.0, 150.0, 151.5, 200.0, 260.0], "delay_ms": 1.0},
             {"times_ms": [12.0, 40.0, 41.0, 120.0, 122.0, 124.0, 250.0], "delay_ms": 0.5},
             {"times_ms": [5.0, 100.0, 180.0, 181.0, 182.0, 183.0, 290.0], "delay_ms": 2.0}]},
    {"name": "teacher_spiking", "t_sim_ms": 300.0,
     "params": {"phi_max": 400.0, "t_ref": 0.3, "soma": {"I_e": 80000.0}, "g_ps": 10.0},
     "syn": {"weight": 300.0, "eta": 0.1, "tau_Delta": 100.0, "Wmin": 0.0, "Wmax": 2000.0},
     "pre": [{"times_ms": [10.0, 14.0, 30.0, 31.0, 32.0, 80.0, 150.0, 151.5, 200.0, 260.0], "delay_ms": 0.1},
             {"times_ms": [12.0, 40.0, 41.0, 120.0, 122.0, 124.0, 250.0], "delay_ms": 1.0},
             {"times_ms": [5.0, 100.0, 180.0, 181.0, 182.0, 183.0, 290.0], "delay_ms": 2.0}]},
    # repeated times: a parrot spike of multiplicity 2 or 3, which NEST delivers as that many events (each runs the
    # rule: the later ones with an empty window, the PSP traces + 1 each time; every weight recorded)
    {"name": "teacher_multiplicity", "t_sim_ms": 300.0,
     "params": {"phi_max": 400.0, "t_ref": 0.3, "soma": {"I_e": 80000.0}, "g_ps": 10.0},
     "syn": {"weight": 300.0, "eta": 0.1, "tau_Delta": 100.0, "Wmin": 0.0, "Wmax": 2000.0},
     "pre": [{"times_ms": [10.0, 10.0, 14.0, 30.0, 31.0, 31.0, 31.0, 32.0, 80.0, 150.0, 150.0, 200.0, 260.0],
              "delay_ms": 0.1},
             {"times_ms": [12.0, 40.0, 40.0, 41.0, 120.0, 122.0, 124.0, 124.0, 250.0], "delay_ms": 1.0}]},
]

RATE = [
    {"name": "dead_time", "n": 100, "t_sim_ms": 5000.0, "params": {"theta": -70.0, "t_ref": 3.0}},
    {"name": "no_dead_time", "n": 100, "t_sim_ms": 5000.0, "params": {"theta": -70.0, "t_ref": 0.0}},
]


def reset():
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1, rng_seed=12)


def run_single(case):
    reset()
    n = nest.Create(MODEL, params=case["params"])
    for s in SPIKES:
        g = nest.Create("spike_generator", params={"spike_times": s["times_ms"]})
        nest.Connect(g, n, syn_spec={"weight": s["weight"], "delay": s["delay_ms"],
                                     "receptor_type": RECEPTORS[s["receptor"]]})
    for c in CURRENTS:
        g = nest.Create("step_current_generator", params={"amplitude_times": c["amplitude_times_ms"],
                                                          "amplitude_values": c["amplitude_values_pA"]})
        nest.Connect(g, n, syn_spec={"delay": c["delay_ms"], "receptor_type": RECEPTORS[c["receptor"]]})
    dc = nest.Create("dc_generator", params={"amplitude": DC["amplitude"], "start": DC["start"], "stop": DC["stop"]})
    nest.Connect(dc, n, syn_spec={"delay": DC["delay_ms"], "receptor_type": RECEPTORS[DC["receptor"]]})
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": RECORDABLES})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(case["t_sim_ms"])
    ev = mm.get("events")
    return {**case, "traces": {q: [r(v) for v in ev[q][STRIDE - 1::STRIDE]] for q in RECORDABLES},
            "spike_stamps_steps": [int(round(t / DT)) for t in sr.get("events")["times"]]}


def run_synapse(case):
    reset()
    post = nest.Create(MODEL, params=case["params"])
    wr = nest.Create("weight_recorder")
    nest.CopyModel("urbanczik_synapse", "urbanczik_rec", {"weight_recorder": wr})
    parrots = nest.Create("parrot_neuron", len(case["pre"]))
    for i, p in enumerate(case["pre"]):
        g = nest.Create("spike_generator", params={"spike_times": p["times_ms"]})
        nest.Connect(g, parrots[i], syn_spec={"delay": DT})
        nest.Connect(parrots[i], post, syn_spec={"synapse_model": "urbanczik_rec", "delay": p["delay_ms"],
                                                 "receptor_type": RECEPTORS["dendritic_exc"], **case["syn"]})
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m.s", "V_m.p", "I_ex.p"]})
    nest.Connect(mm, post)
    sr = nest.Create("spike_recorder")
    nest.Connect(post, sr)
    nest.Simulate(case["t_sim_ms"])
    ev = wr.get("events")
    first = parrots[0].global_id
    conns = nest.GetConnections(parrots, post)
    mev = mm.get("events")
    return {**case,
            "weights": {"sender_index": [int(s) - first for s in ev["senders"]],
                        "times_ms": [r(t) for t in ev["times"]], "weights": [r(w) for w in ev["weights"]]},
            "final_weights": [r(w) for w in conns.get("weight")],
            "final_sources": [int(s) - first for s in conns.get("source")],
            "traces": {q: [r(v) for v in mev[q][STRIDE - 1::STRIDE]] for q in ("V_m.s", "V_m.p", "I_ex.p")},
            "post_spike_stamps_steps": [int(round(t / DT)) for t in sr.get("events")["times"]]}


def run_rate(case):
    reset()
    ns = nest.Create(MODEL, case["n"], params=case["params"])
    sr = nest.Create("spike_recorder")
    nest.Connect(ns, sr)
    nest.Simulate(case["t_sim_ms"])
    return {**case, "nest_spike_count": int(sr.get("n_events"))}


def main():
    nest.set_verbosity("M_ERROR")
    d = nest.GetDefaults(MODEL)
    defaults = {k: r(d[k]) for k in ("phi_max", "rate_slope", "beta", "theta", "g_sp", "g_ps", "t_ref")}
    for comp in ("soma", "dendritic"):
        defaults[comp] = {k: r(v) for k, v in d[comp].items()}
    sd = nest.GetDefaults("urbanczik_synapse")
    doc = {"nest_version": nest.__version__, "model": MODEL, "dt_ms": DT, "stride": STRIDE,
           "recordables": RECORDABLES, "receptor_types": d["receptor_types"], "defaults": defaults,
           "synapse_defaults": {k: r(sd[k]) for k in ("weight", "delay", "eta", "tau_Delta", "Wmin", "Wmax")},
           "stimulus": {"spikes": SPIKES, "currents": CURRENTS, "dc": DC},  # not "protocol": that key marks make_references.py runs
           "single": [run_single(c) for c in SINGLE],
           "synapse": [run_synapse(c) for c in SYNAPSE],
           "rate": [run_rate(c) for c in RATE]}
    with open(os.path.join(OUT, MODEL + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
