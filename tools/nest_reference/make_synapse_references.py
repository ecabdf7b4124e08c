#!/usr/bin/env python3
"""NEST references for volley's NEST synapse models (tests/test_nest_synapses.cpp reads the output).

    /path/to/venv/bin/python tools/nest_reference/make_synapse_references.py [OUT.json]

Each case: presynaptic parrot neurons repeat fixed spike trains (spike_generator -> parrot_neuron), postsynaptic
iaf_psc_alpha / iaf_psc_exp neurons with different I_e and an irregular static drive; the parrots project onto the
posts through the synapse model under test, in two Connect calls with different delays. The run is cut into
chunks; after each, GetConnections gives every weight (STDP). A last case logs static, STDP and tsodyks2
synapses into a weight_recorder. For the short-term models (tsodyks*) the posts stay
subthreshold and their V_m every 0.5 ms is stored instead. Output: tests/reference/nest_synapses.json.
"""
import json
import random
import sys

import nest

DT = 0.1


def grid_times(rng, rate_hz, t_end, t_start=1.0):
    """Poisson-like spike times on the 0.1 ms grid (ms), at least 2 steps apart."""
    times, t = [], t_start
    while True:
        t += rng.expovariate(rate_hz / 1000.0)
        if t >= t_end:
            break
        g = round(round(t / DT) * DT, 1)
        if not times or g - times[-1] >= 2 * DT - 1e-9:
            times.append(g)
    return times


STDP_CASES = [
    ("stdp_synapse", None, {"weight": 30.0, "lambda": 0.05}, {}),
    ("stdp_synapse", None, {"weight": 40.0, "lambda": 0.1, "alpha": 1.2, "mu_plus": 0.4, "mu_minus": 0.6,
                            "Wmax": 80.0, "Kplus": 0.5}, {"tau_minus": 30.0}),
    ("stdp_synapse_hom", {"lambda": 0.05, "alpha": 1.1, "Wmax": 90.0}, {"weight": 35.0}, {}),
    ("stdp_pl_synapse_hom", {"lambda": 0.05, "mu": 0.5, "alpha": 0.9}, {"weight": 30.0}, {"tau_minus": 25.0}),
    ("stdp_triplet_synapse", None, {"weight": 30.0, "Aplus": 0.5, "Aminus": 0.5, "Aplus_triplet": 0.1,
                                    "Aminus_triplet": 0.05, "tau_plus": 16.8, "tau_plus_triplet": 101.0},
     {"tau_minus_triplet": 90.0}),
    ("vogels_sprekeler_synapse", None, {"weight": -30.0, "Wmax": -100.0, "eta": 0.5, "alpha": 0.2, "tau": 20.0}, {}),
    ("stdp_nn_symm_synapse", None, {"weight": 30.0, "lambda": 0.05}, {}),
    ("stdp_nn_restr_synapse", None, {"weight": 30.0, "lambda": 0.05}, {}),
    ("stdp_nn_pre_centered_synapse", None, {"weight": 30.0, "lambda": 0.05, "Kplus": 0.3}, {}),
]

STP_CASES = [
    ("tsodyks_synapse", {"weight": 300.0, "U": 0.4, "u": 0.1, "x": 0.9, "y": 0.05, "tau_psc": 3.0, "tau_rec": 200.0,
                         "tau_fac": 50.0}),
    ("tsodyks_synapse", {"weight": 300.0}),
    ("tsodyks2_synapse", {"weight": 300.0, "U": 0.3, "u": 0.4, "x": 0.95, "tau_rec": 150.0, "tau_fac": 80.0}),
    ("tsodyks2_synapse", {"weight": 300.0}),
]


def stdp_case(index, model, copy, syn_params, post_extra):
    rng = random.Random(1000 + index)
    n_pre, n_post, chunk_ms, chunks = 3, 4, 100.0, 10
    t_end = chunk_ms * chunks
    # NEST applies the weight change of a presynaptic spike when it delivers it, at the start of the next min_delay
    # slice: for a spike in the last step of a chunk that is the next Simulate call, after GetConnections has read
    # the weights (volley applies it in the spike's step). The parrots spike 0.1 ms after their generator, so no
    # generator time may fall 0.1 ms before a chunk end.
    pre_times = [[t for t in grid_times(rng, 25.0, t_end) if round((t + DT) / DT) % round(chunk_ms / DT) != 0]
                 for _ in range(n_pre)]
    drive_times = grid_times(rng, 60.0, t_end)
    post_i_e = [340.0, 360.0, 380.0, 400.0]
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.resolution = DT
    name = model
    if copy is not None:
        name = "my_" + model
        nest.CopyModel(model, name, copy)
    gens = nest.Create("spike_generator", n_pre, params=[{"spike_times": t} for t in pre_times])
    parrots = nest.Create("parrot_neuron", n_pre)
    nest.Connect(gens, parrots, "one_to_one", {"delay": DT})
    post = nest.Create("iaf_psc_alpha", n_post, params=dict(post_extra))
    post.I_e = post_i_e
    drive = nest.Create("spike_generator", params={"spike_times": drive_times})
    nest.Connect(drive, post, "all_to_all", {"weight": 150.0, "delay": 1.0})
    syn = dict(syn_params)
    syn["synapse_model"] = name
    nest.Connect(parrots[0:2], post, "all_to_all", dict(syn, delay=1.0))
    nest.Connect(parrots[2:3], post, "all_to_all", dict(syn, delay=2.3))
    sr = nest.Create("spike_recorder")
    nest.Connect(post, sr)
    weights = []
    pairs = None
    for _ in range(chunks):
        nest.Simulate(chunk_ms)
        conns = nest.GetConnections(parrots, post)
        rows = sorted(zip(conns.get("source"), conns.get("target"), conns.get("weight")))
        pairs = [[s - parrots[0].global_id, t - post[0].global_id] for s, t, _ in rows]
        weights.append([w for _, _, w in rows])
    ev = sr.get("events")
    return {
        "name": f"{model}_{index}", "synapse_model": model, "copy_params": copy, "syn_params": syn_params,
        "post_model": "iaf_psc_alpha", "post_params": post_extra, "post_I_e": post_i_e, "pre_times": pre_times,
        "drive_times": drive_times, "drive_weight": 150.0, "drive_delay": 1.0,
        "connections": [{"pre": [0, 2], "delay": 1.0}, {"pre": [2, 3], "delay": 2.3}],
        "chunk_ms": chunk_ms, "chunks": chunks, "pairs": pairs, "weights": weights,
        "post_spikes": {"senders": [int(s) - post[0].global_id for s in ev["senders"]],
                        "times": [float(t) for t in ev["times"]]},
    }


def stp_case(index, model, syn_params):
    rng = random.Random(2000 + index)
    t_end = 600.0
    # a 20 Hz train, a 100 Hz burst, recovery, a second burst
    pre = sorted(set(grid_times(rng, 20.0, 250.0) + [round(260.0 + 10.0 * k, 1) for k in range(12)] +
                     [round(520.0 + 7.0 * k, 1) for k in range(8)]))
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.resolution = DT
    gen = nest.Create("spike_generator", params={"spike_times": pre})
    parrot = nest.Create("parrot_neuron")
    nest.Connect(gen, parrot, "one_to_one", {"delay": DT})
    post_params = {"tau_syn_ex": syn_params.get("tau_psc", 3.0), "V_th": 1000.0}
    post = nest.Create("iaf_psc_exp", 2, params=post_params)
    syn = dict(syn_params)
    syn["synapse_model"] = model
    nest.Connect(parrot, post[0:1], "all_to_all", dict(syn, delay=1.0))
    nest.Connect(parrot, post[1:2], "all_to_all", dict(syn, delay=1.5))
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 5 * DT})
    nest.Connect(mm, post)
    nest.Simulate(t_end)
    ev = mm.get("events")
    v = [[], []]
    for s, t, x in sorted(zip(ev["senders"], ev["times"], ev["V_m"]), key=lambda r: (r[0], r[1])):
        v[s - post[0].global_id].append(round(float(x), 10))
    return {"name": f"{model}_{index}", "synapse_model": model, "syn_params": syn_params, "post_model": "iaf_psc_exp",
            "post_params": post_params, "pre_times": pre, "delays": [1.0, 1.5], "t_end": t_end, "interval": 5 * DT, "V_m": v}


def weight_recorder_case():
    """Static, STDP and tsodyks2 synapses logging into one weight_recorder (CopyModel with weight_recorder)."""
    rng = random.Random(3000)
    t_end = 300.0
    pre_times = [grid_times(rng, 40.0, t_end - 5.0) for _ in range(3)]
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.resolution = DT
    wr = nest.Create("weight_recorder")
    nest.CopyModel("stdp_synapse", "stdp_rec", {"weight_recorder": wr, "lambda": 0.05})
    nest.CopyModel("tsodyks2_synapse", "tsodyks2_rec", {"weight_recorder": wr, "U": 0.3, "tau_fac": 50.0})
    nest.CopyModel("static_synapse", "static_rec", {"weight_recorder": wr})
    gens = nest.Create("spike_generator", 3, params=[{"spike_times": t} for t in pre_times])
    parrots = nest.Create("parrot_neuron", 3)
    nest.Connect(gens, parrots, "one_to_one", {"delay": DT})
    post = nest.Create("iaf_psc_alpha", 3, params={"I_e": 380.0})
    nest.Connect(parrots, post[0:2], "all_to_all", {"synapse_model": "stdp_rec", "weight": 40.0, "delay": 1.0})
    nest.Connect(parrots[0:2], post[2:3], "all_to_all", {"synapse_model": "tsodyks2_rec", "weight": 100.0, "delay": 1.5})
    nest.Connect(parrots[2:3], post[2:3], "all_to_all", {"synapse_model": "static_rec", "weight": 20.0, "delay": 2.0})
    nest.Simulate(t_end)
    ev = wr.get("events")
    rows = sorted(zip([float(t) for t in ev["times"]], [int(s) - parrots[0].global_id for s in ev["senders"]],
                      [int(t) - post[0].global_id for t in ev["targets"]], [float(w) for w in ev["weights"]]))
    return {"pre_times": pre_times, "t_end": t_end, "events": rows}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/reference/nest_synapses.json"
    doc = {"nest_version": nest.__version__, "resolution": DT, "stdp": [], "stp": []}
    for i, (model, copy, syn, post_extra) in enumerate(STDP_CASES):
        doc["stdp"].append(stdp_case(i, model, copy, syn, post_extra))
    for i, (model, syn) in enumerate(STP_CASES):
        doc["stp"].append(stp_case(i, model, syn))
    doc["weight_recorder"] = weight_recorder_case()
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print("wrote", out, ":", len(doc["stdp"]), "STDP cases,", len(doc["stp"]), "STP cases")


if __name__ == "__main__":
    main()
