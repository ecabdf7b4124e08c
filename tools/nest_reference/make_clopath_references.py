#!/usr/bin/env python3
"""NEST references for volley's Clopath trio: aeif_psc_delta_clopath, hh_psc_alpha_clopath, clopath_synapse.

    /tmp/nestvenv/bin/python tools/nest_reference/make_clopath_references.py

Writes tests/reference/aeif_psc_delta_clopath.json, hh_psc_alpha_clopath.json and clopath_synapse.json, read by
tests/test_nest_clopath.cpp. Values are rounded to 11 significant digits.

Single-neuron cases ("single"): one neuron, a step_current_generator (delay dt: a value set at T acts on V over the
steps from T + dt on), spike_generators with fixed times, weights and delays (aeif: mV jumps of V; hh: pA, excitatory
and inhibitory), a multimeter at every step over the model's recordables (sample k: the state after the step ending
at (k + 1) dt; every STRIDE-th sample is stored, k = STRIDE - 1, 2 STRIDE - 1, ...) and a spike_recorder (stamps in steps).

Pairing cases ("pairing", Clopath et al. 2010, Fig. 2b): for every pairing frequency and both orders (pre 10 ms
before post, and after), one presynaptic parrot_neuron (fed by a spike_generator, delay 1 ms) and one postsynaptic
Clopath neuron that a second spike_generator forces to fire (a large static weight); 5 pairings from 20 ms on; the
parrot projects onto the post through clopath_synapse with a weight_recorder. Stored: every pre and post spike, every
transmitted weight (weight_recorder) and the final weights (GetConnections). The clopath_synapse delay is dt: with
NEST's min_delay above one step, NEST's LTD lookup (ClopathArchivingNode keeps max_delay + 1 LTD entries, read after
the min_delay slice) misses the entry of a spike that is not in the last step of its slice (volley does not
reproduce this; see models/clopath.hpp).
"""
import json
import os

import nest

DT = 0.1
SIG = 11
STRIDE = 4  # traces: every 4th sample (the files stay small)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference")


def r(x):
    return float(f"{float(x):.{SIG}g}")


AEIF_REC = ["V_m", "w", "z", "V_th", "u_bar_plus", "u_bar_minus", "u_bar_bar"]
HH_REC = ["V_m", "Act_m", "Inact_h", "Act_n", "I_syn_ex", "I_syn_in", "u_bar_plus", "u_bar_minus", "u_bar_bar"]

SINGLE = {
    "aeif_psc_delta_clopath": [
        {"name": "defaults", "params": {}, "t_sim_ms": 300.0,
         "current": {"times": [20.0, 150.0, 220.0], "values": [1200.0, 300.0, 0.0]},
         "inputs": [{"times": [10.0, 12.0, 60.0, 61.0, 130.0, 160.0, 161.5, 230.0, 250.0], "weight": 5.0,
                     "delay": 1.0},
                    {"times": [40.0, 180.0, 231.0], "weight": -3.0, "delay": 1.5},
                    # 25 mV at rest: a spike from the input alone, then input during the clamp (dropped)
                    {"times": [270.0], "weight": 130.0, "delay": 1.0},
                    {"times": [270.5, 271.5], "weight": 4.0, "delay": 1.0}]},
        {"name": "params", "t_sim_ms": 200.0,
         "params": {"t_ref": 1.5, "t_clamp": 0.5, "V_clamp": 25.0, "V_peak": 30.0, "V_reset": -58.0, "Delta_T": 3.0,
                    "a": 2.0, "b": 50.0, "tau_w": 100.0, "tau_z": 30.0, "I_sp": 300.0, "V_th_max": 10.0,
                    "V_th_rest": -52.0, "tau_V_th": 40.0, "tau_u_bar_plus": 5.0, "tau_u_bar_minus": 12.0,
                    "tau_u_bar_bar": 300.0, "g_L": 25.0, "C_m": 250.0, "E_L": -68.0, "I_e": 100.0,
                    "gsl_error_tol": 1e-7, "V_m": -65.0, "w": 10.0, "u_bar_plus": -66.0, "u_bar_minus": -67.0,
                    "u_bar_bar": -69.0},
         # NEST builds the state from the model's default parameters, and V_th cannot be set: it starts at the
         # default V_th_rest, -50.4 mV, whatever V_th_rest is given (volley: at V_th_rest, and settable)
         "volley_initial": {"V_th": -50.4},
         "current": {"times": [30.0, 130.0], "values": [700.0, 0.0]},
         "inputs": [{"times": [5.0, 50.0, 51.0, 52.0, 150.0], "weight": 6.0, "delay": 1.0},
                    {"times": [100.0, 160.0], "weight": -4.0, "delay": 2.0}]},
        # Delta_T 0: no exponential; the adaptive threshold state V_th is the spike threshold
        {"name": "delta_t_zero", "t_sim_ms": 150.0, "params": {"Delta_T": 0.0, "t_ref": 2.0},
         "current": {"times": [10.0, 100.0], "values": [700.0, 0.0]},
         "inputs": [{"times": [5.0, 110.0, 111.0], "weight": 8.0, "delay": 1.0}]},
    ],
    "hh_psc_alpha_clopath": [
        {"name": "defaults", "params": {}, "t_sim_ms": 300.0,
         "current": {"times": [20.0, 120.0, 200.0], "values": [800.0, 200.0, 0.0]},
         "inputs": [{"times": [10.0, 12.0, 150.0, 230.0, 231.0, 232.0], "weight": 300.0, "delay": 1.0},
                    {"times": [60.0, 160.0, 240.0], "weight": -200.0, "delay": 1.5}]},
        {"name": "params", "t_sim_ms": 200.0,
         "params": {"t_ref": 3.0, "g_Na": 11000.0, "g_K": 3800.0, "g_L": 25.0, "C_m": 110.0, "E_Na": 52.0,
                    "E_K": -75.0, "E_L": -55.0, "tau_syn_ex": 0.3, "tau_syn_in": 2.5, "I_e": 50.0,
                    "tau_u_bar_plus": 60.0, "tau_u_bar_minus": 15.0, "tau_u_bar_bar": 200.0, "u_bar_plus": -60.0,
                    "u_bar_minus": -62.0, "u_bar_bar": -64.0},
         "current": {"times": [30.0, 110.0], "values": [900.0, 0.0]},
         "inputs": [{"times": [10.0, 120.0, 121.0], "weight": 400.0, "delay": 1.0},
                    {"times": [60.0, 150.0], "weight": -300.0, "delay": 1.0}]},
    ],
}

FREQS = [1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0]
PAIRS = 5
OFFSET_MS = 10.0
T0 = 20.0
GEN_DELAY = 1.0  # spike_generator -> parrot / -> post

PAIRING = [
    # aeif: the parameters of Clopath et al. (2010) for the pairing experiment (NEST's example), A_LTD_const
    {"name": "aeif_pairing", "model": "aeif_psc_delta_clopath",
     "params": {"V_reset": -70.6 + 21.0, "b": 0.0805, "delay_u_bars": 4.0, "A_LTD": 14.0e-5, "A_LTP": 8.0e-5,
                "theta_plus": -45.3, "theta_minus": -70.6},
     "syn": {"weight": 0.5, "tau_x": 15.0, "Wmin": 0.0, "Wmax": 5.0}, "force_weight": 1000.0, "freqs": FREQS},
    # the homeostatic LTD amplitude (A_LTD u_bar_bar^2 / u_ref_squared) and a different delay of the u_bars
    {"name": "aeif_pairing_homeostatic", "model": "aeif_psc_delta_clopath",
     "params": {"A_LTD_const": False, "u_ref_squared": 4900.0, "delay_u_bars": 2.0, "A_LTP": 2.0e-4,
                "A_LTD": 3.0e-4, "theta_minus": -69.0},
     "syn": {"weight": 1.0, "tau_x": 10.0, "Wmin": 0.2, "Wmax": 1.02, "x_bar": 0.05}, "force_weight": 1000.0,
     "freqs": [1.0, 10.0, 40.0]},
    # every presynaptic spike doubled or tripled: the parrot sends one spike of multiplicity 2 or 3, which NEST
    # delivers as that many events (each runs the rule: LTD again, x_bar + 1/tau_x again, each weight recorded)
    {"name": "aeif_pairing_multiplicity", "model": "aeif_psc_delta_clopath",
     "params": {"V_reset": -70.6 + 21.0, "b": 0.0805, "delay_u_bars": 4.0, "A_LTD": 14.0e-5, "A_LTP": 8.0e-5,
                "theta_plus": -45.3, "theta_minus": -70.6},
     "syn": {"weight": 0.5, "tau_x": 15.0, "Wmin": 0.0, "Wmax": 5.0}, "force_weight": 1000.0,
     "freqs": [1.0, 10.0, 40.0], "pre_repeat": [2, 3]},
    {"name": "hh_pairing", "model": "hh_psc_alpha_clopath",
     "params": {"A_LTD": 1.4e-4, "A_LTP": 8.0e-5, "theta_plus": -45.3, "theta_minus": -70.6},
     "syn": {"weight": 50.0, "tau_x": 15.0, "Wmin": 0.0, "Wmax": 500.0}, "force_weight": 4000.0,
     "freqs": [1.0, 10.0, 30.0, 50.0]},
]


def run_single(model, case, recordables):
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1)
    n = nest.Create(model, params=case["params"])
    params_all = nest.GetStatus(n)[0]
    sc = nest.Create("step_current_generator",
                     params={"amplitude_times": case["current"]["times"],
                             "amplitude_values": case["current"]["values"]})
    nest.Connect(sc, n, syn_spec={"delay": DT})
    for inp in case["inputs"]:
        sg = nest.Create("spike_generator", params={"spike_times": inp["times"]})
        nest.Connect(sg, n, syn_spec={"weight": inp["weight"], "delay": inp["delay"]})
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": recordables})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(case["t_sim_ms"])
    ev = mm.get("events")
    spikes = [int(round(t / DT)) for t in sr.get("events")["times"]]
    return {"name": case["name"], "t_sim_ms": case["t_sim_ms"], "params": case["params"],
            "volley_initial": case.get("volley_initial", {}),
            "current": {**case["current"], "delay_ms": DT}, "inputs": case["inputs"],
            "trace_stride": STRIDE,
            "traces": {k: [r(x) for x in ev[k][STRIDE - 1::STRIDE]] for k in recordables},
            "spike_stamps_steps": spikes,
            "defaults": {k: (v if isinstance(v, bool) else r(v)) for k, v in params_all.items()
                         if isinstance(v, (int, float)) and k in DEFAULT_KEYS[model]}}


DEFAULT_KEYS = {
    "aeif_psc_delta_clopath": ["V_peak", "V_reset", "t_ref", "g_L", "C_m", "E_L", "Delta_T", "tau_w", "tau_z",
                               "tau_V_th", "V_th_max", "V_th_rest", "tau_u_bar_plus", "tau_u_bar_minus",
                               "tau_u_bar_bar", "a", "b", "I_sp", "I_e", "gsl_error_tol", "t_clamp", "V_clamp",
                               "A_LTD", "A_LTP", "u_ref_squared", "theta_plus", "theta_minus", "A_LTD_const",
                               "delay_u_bars"],
    "hh_psc_alpha_clopath": ["t_ref", "g_Na", "g_K", "g_L", "C_m", "E_Na", "E_K", "E_L", "tau_syn_ex", "tau_syn_in",
                             "I_e", "tau_u_bar_plus", "tau_u_bar_minus", "tau_u_bar_bar", "A_LTD", "A_LTP",
                             "u_ref_squared", "theta_plus", "theta_minus", "A_LTD_const", "delay_u_bars"],
}


def pairing_runs(freqs, repeats=(1,)):
    """(frequency, offset, pre times, post times) with spike times of the generators (ms); each pre time `repeat`
    times (a spike of that multiplicity from the parrot), one run per repeat."""
    runs = []
    for repeat in repeats:
        for f in freqs:
            for offset in (OFFSET_MS, -OFFSET_MS):
                period = 1000.0 / f
                pre = [round(T0 + k * period + (0.0 if offset > 0 else -offset), 1) for k in range(PAIRS)]
                post = [round(t + offset, 1) for t in pre]
                runs.append((f, offset, [t for t in pre for _ in range(repeat)], post))
    return runs


def run_pairing(case):
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1)
    runs = pairing_runs(case["freqs"], case.get("pre_repeat", [1]))
    n = len(runs)
    posts = nest.Create(case["model"], n, params=case["params"])
    parrots = nest.Create("parrot_neuron", n)
    wr = nest.Create("weight_recorder")
    nest.CopyModel("clopath_synapse", "clopath_rec", {"weight_recorder": wr})
    t_end = 0.0
    for i, (f, offset, pre, post) in enumerate(runs):
        g_pre = nest.Create("spike_generator", params={"spike_times": pre})
        g_post = nest.Create("spike_generator", params={"spike_times": post})
        nest.Connect(g_pre, parrots[i], syn_spec={"delay": GEN_DELAY})
        nest.Connect(g_post, posts[i], syn_spec={"weight": case["force_weight"], "delay": GEN_DELAY})
        t_end = max(t_end, max(pre + post))
    nest.Connect(parrots, posts, "one_to_one", syn_spec={"synapse_model": "clopath_rec", "delay": DT, **case["syn"]})
    sr_pre = nest.Create("spike_recorder")
    sr_post = nest.Create("spike_recorder")
    nest.Connect(parrots, sr_pre)
    nest.Connect(posts, sr_post)
    t_sim = round(t_end + 60.0, 1)
    nest.Simulate(t_sim)
    ev = wr.get("events")
    pre_ev, post_ev = sr_pre.get("events"), sr_post.get("events")
    out = []
    first_pre, first_post = parrots[0].global_id, posts[0].global_id
    conns = nest.GetConnections(parrots, posts)
    final = {int(s) - first_pre: r(w) for s, w in zip(conns.get("source"), conns.get("weight"))}
    for i, (f, offset, pre, post) in enumerate(runs):
        sel = [k for k in range(len(ev["senders"])) if ev["senders"][k] - first_pre == i]
        out.append({"frequency_hz": f, "offset_ms": offset, "pre_generator_ms": pre, "post_generator_ms": post,
                    "pre_stamps_steps": [int(round(t / DT)) for s, t in zip(pre_ev["senders"], pre_ev["times"])
                                         if s - first_pre == i],
                    "post_stamps_steps": [int(round(t / DT)) for s, t in zip(post_ev["senders"], post_ev["times"])
                                          if s - first_post == i],
                    "weight_times_ms": [r(ev["times"][k]) for k in sel],
                    "weights": [r(ev["weights"][k]) for k in sel],
                    "final_weight": final[i]})
    return {"name": case["name"], "model": case["model"], "params": case["params"], "syn": case["syn"],
            "syn_delay_ms": DT, "generator_delay_ms": GEN_DELAY, "force_weight": case["force_weight"],
            "t_sim_ms": t_sim, "runs": out}


def main():
    nest.set_verbosity("M_ERROR")
    version = nest.__version__
    for model, rec in (("aeif_psc_delta_clopath", AEIF_REC), ("hh_psc_alpha_clopath", HH_REC)):
        doc = {"nest_version": version, "model": model, "dt_ms": DT, "recordables": rec,
               "single": [run_single(model, c, rec) for c in SINGLE[model]]}
        with open(os.path.join(OUT, model + ".json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
    syn_defaults = nest.GetDefaults("clopath_synapse")
    doc = {"nest_version": version, "model": "clopath_synapse", "dt_ms": DT,
           "defaults": {k: r(syn_defaults[k]) for k in ("weight", "delay", "tau_x", "Wmin", "Wmax", "x_bar")},
           "pairing": [run_pairing(c) for c in PAIRING]}
    with open(os.path.join(OUT, "clopath_synapse.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
