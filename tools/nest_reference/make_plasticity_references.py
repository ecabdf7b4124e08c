#!/usr/bin/env python3
"""NEST references for jonke_synapse, stdp_facetshw_synapse_hom and stdp_dopamine_synapse (tests/test_nest_plasticity.cpp
reads them; dopamine_multiplicity doubles some presynaptic and dopamine spikes: parrot spikes of multiplicity 2).

    /path/to/venv/bin/python tools/nest_reference/make_plasticity_references.py [OUT.json]

Each case: presynaptic parrot neurons repeat fixed spike trains (spike_generator -> parrot_neuron); postsynaptic
neurons with different I_e and an irregular static drive fire so that pre/post pairs of both orders occur; the
parrots project onto the posts through a CopyModel of the model under test (common properties there, with a
weight_recorder), in several Connect calls with different delays (and per-connection parameters). The run is cut
into chunks; after each, GetConnections gives every weight (facetshw: also the synapse ids, readout times and
capacitors). Stored: the weight_recorder's events, the chunk weights, the posts' spikes and their V_m every
`interval` ms. Output: tests/reference/nest_plasticity.json.
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


FACETS_STATE = ["synapse_id", "next_readout_time", "a_causal", "a_acausal"]
DOPA_STATE = ["c", "n", "Kplus"]

# name, model, CopyModel params, [(pre slice, post slice, syn_spec)], pre rate (Hz), post model, post params, post I_e,
# extra pre times (ms, per parrot)
CASES = [
    ("jonke_offsets", "jonke_synapse",
     {"lambda": 0.05, "alpha": 1.2, "beta": 0.02, "mu_plus": 0.01, "mu_minus": 0.02, "Wmax": 60.0, "tau_plus": 15.0},
     [([0, 2], [0, 4], {"weight": 30.0, "delay": 1.0, "Kplus": 0.4}), ([2, 3], [0, 4], {"weight": 25.0, "delay": 2.3})],
     30.0, "iaf_psc_alpha", {"tau_minus": 25.0}, [340.0, 360.0, 380.0, 400.0], None),
    ("jonke_capped", "jonke_synapse",
     {"lambda": 0.5, "alpha": 0.5, "beta": 0.05, "Wmax": 34.0, "tau_plus": 20.0},
     [([0, 2], [0, 4], {"weight": 30.0, "delay": 1.0}), ([2, 3], [0, 4], {"weight": 33.0, "delay": 0.5})],
     30.0, "iaf_psc_alpha", {}, [340.0, 360.0, 380.0, 400.0], None),
    # negative weights floor at 0 at the first spike and may grow from there (delta synapses: no routing by sign)
    ("jonke_negative", "jonke_synapse",
     {"lambda": 0.2, "alpha": 1.0, "beta": -0.01, "mu_plus": -0.05, "mu_minus": 0.05, "Wmax": 4.0},
     [([0, 2], [0, 3], {"weight": -2.0, "delay": 1.0}), ([2, 3], [0, 3], {"weight": 1.5, "delay": 1.7})],
     30.0, "iaf_psc_delta", {"tau_minus": 15.0}, [360.0, 380.0, 400.0], None),
    # lambda 0: weights never move, not even a weight above Wmax
    ("jonke_frozen", "jonke_synapse", {"lambda": 0.0, "Wmax": 10.0},
     [([0, 3], [0, 2], {"weight": 12.0, "delay": 1.0})], 30.0, "iaf_psc_alpha", {}, [380.0, 390.0], None),
    # readouts every 15 ms; thresholds low enough that the tables are used
    ("facetshw_defaults", "stdp_facetshw_synapse_hom", {},
     [([0, 2], [0, 4], {"weight": 40.0, "delay": 1.0, "a_thresh_th": 1.2, "a_thresh_tl": 1.0}),
      ([2, 3], [0, 4], {"weight": 60.0, "delay": 2.3, "a_thresh_th": 0.8, "a_thresh_tl": 0.9})],
     40.0, "iaf_psc_alpha", {}, [340.0, 360.0, 380.0, 400.0], None),
    # small drivers: ids and readout times depend on the order synapses first see a spike; other tables, partial
    # resets, other windows and Wmax
    ("facetshw_drivers", "stdp_facetshw_synapse_hom",
     {"synapses_per_driver": 2, "driver_readout_time": 1.5, "Wmax": 75.0, "tau_plus": 15.0, "tau_minus_stdp": 25.0,
      "lookuptable_0": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15],
      "lookuptable_1": [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
      "lookuptable_2": [0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14, 15],
      "configbit_0": [0, 0, 1, 0], "configbit_1": [1, 1, 0, 1], "reset_pattern": [1, 0, 0, 1, 1, 1]},
     [([1, 3], [0, 4], {"weight": 35.0, "delay": 1.0, "a_thresh_th": 1.0, "a_thresh_tl": 1.1}),
      ([0, 1], [1, 3], {"weight": 50.0, "delay": 2.0, "a_thresh_th": 0.7, "a_thresh_tl": 0.7}),
      ([0, 2], [2, 3], {"weight": 20.0, "delay": 1.5, "a_thresh_th": 0.5, "a_thresh_tl": 0.6})],
     40.0, "iaf_psc_alpha", {}, [340.0, 360.0, 380.0, 400.0], [[4.9], [4.9], [2.9]]),
    # readouts on spike times exactly (t > next readout is strict): every 10 ms, pre spikes on multiples of 10 ms;
    # negative Wmax and weights (inhibitory, 4-bit entries of Wmax / 15 < 0)
    ("facetshw_edges", "stdp_facetshw_synapse_hom",
     {"driver_readout_time": 10.0, "Wmax": -90.0, "configbit_0": [0, 0, 1, 0], "configbit_1": [0, 1, 0, 0]},
     [([0, 2], [0, 3], {"weight": -30.0, "delay": 1.0, "a_thresh_th": 0.6, "a_thresh_tl": 0.5}),
      ([2, 3], [0, 3], {"weight": -84.0, "delay": 1.2, "a_thresh_th": 0.4, "a_thresh_tl": 0.4})],
     40.0, "iaf_psc_alpha", {}, [390.0, 420.0, 450.0],
     [[round(10.0 * k - DT, 1) for k in range(1, 50)], [round(20.0 * k - DT, 1) for k in range(1, 25)], []]),
    # synapses set up beforehand: ids handed out already (no_synapses 120, so a 45 ms readout cycle), init_flag
    # set, given ids and first readout times
    ("facetshw_preset", "stdp_facetshw_synapse_hom",
     {"no_synapses": 120, "init_flag": True, "tau_minus_stdp": 10.0},
     [([0, 2], [0, 4], {"weight": 45.0, "delay": 1.0, "synapse_id": 7, "next_readout_time": 12.0,
                        "a_thresh_th": 0.9, "a_thresh_tl": 1.0, "a_causal": 0.5}),
      ([2, 3], [0, 4], {"weight": 15.0, "delay": 3.0, "synapse_id": 110, "next_readout_time": 31.0,
                        "a_thresh_th": 0.8, "a_thresh_tl": 0.7, "a_acausal": 0.3})],
     40.0, "iaf_psc_alpha", {}, [340.0, 360.0, 380.0, 400.0], None),
    # counts: every second presynaptic spike doubled at its generator (REPEAT_PRE), a parrot spike of multiplicity
    # 2: NEST's two events, each delivered and logged (the second finds no readout due and an empty window)
    ("facetshw_multiplicity", "stdp_facetshw_synapse_hom", {"driver_readout_time": 5.0},
     [([0, 2], [0, 4], {"weight": 40.0, "delay": 1.0, "a_thresh_th": 1.2, "a_thresh_tl": 1.0}),
      ([2, 3], [0, 4], {"weight": 60.0, "delay": 2.3, "a_thresh_th": 0.8, "a_thresh_tl": 0.9})],
     40.0, "iaf_psc_alpha", {}, [340.0, 360.0, 380.0, 400.0], None),
]
REPEAT_PRE = {"facetshw_multiplicity": 2}  # every k-th presynaptic spike twice

# stdp_dopamine_synapse: as above, plus dopamine parrots -> volume_transmitter. "vt": its deliver_interval, the
# dopamine trains (rate Hz, delay to the transmitter ms, extra times ms) and the generator -> parrot delay, which with
# the other delays sets min_delay (the transmitter's slice). The common properties name the transmitter.
DOPA_CASES = [
    # min_delay 1 ms, a delivery after every slice: each presynaptic spike is weighted after the delivery at the
    # end of its slice (pieces that run backwards in NEST's code)
    ("dopamine_slices", "stdp_dopamine_synapse",
     {"A_plus": 0.5, "A_minus": 0.6, "b": 0.01, "tau_c": 50.0, "tau_n": 30.0, "Wmax": 80.0, "tau_plus": 15.0},
     [([0, 2], [0, 4], {"weight": 30.0, "delay": 1.0}), ([2, 3], [0, 4], {"weight": 25.0, "delay": 2.5})],
     30.0, "iaf_psc_alpha", {"tau_minus": 25.0}, [340.0, 360.0, 380.0, 400.0], None,
     {"deliver_interval": 1, "gen_delay": 1.0, "trains": [[15.0, 1.0, []]]}),
    # deliveries every 3 slices of 0.5 ms; two dopamine trains, coinciding spikes (multiplicity 2); Wmin, Wmax
    # clamp; c, n, Kplus set per connection
    ("dopamine_interval", "stdp_dopamine_synapse",
     {"A_plus": 2.0, "A_minus": 1.0, "b": 0.005, "tau_c": 200.0, "tau_n": 50.0, "Wmin": 10.0, "Wmax": 45.0},
     [([0, 2], [0, 4], {"weight": 30.0, "delay": 0.5, "c": 0.2, "n": 0.01, "Kplus": 0.3}),
      ([2, 3], [1, 3], {"weight": 44.0, "delay": 2.2})],
     30.0, "iaf_psc_alpha", {}, [340.0, 360.0, 380.0, 400.0], None,
     {"deliver_interval": 3, "gen_delay": 0.5,
      "trains": [[12.0, 1.0, [50.0, 150.0, 250.0]], [8.0, 1.0, [50.0, 150.0, 250.0]], [5.0, 2.2, []]]}),
    # min_delay 0.1 ms, deliveries every 7 steps; inhibitory synapses (weights and [Wmin, Wmax] below 0)
    ("dopamine_inhibitory", "stdp_dopamine_synapse",
     {"A_plus": 1.0, "A_minus": 1.5, "b": 0.02, "tau_c": 100.0, "tau_n": 40.0, "Wmin": -60.0, "Wmax": -5.0},
     [([0, 3], [0, 3], {"weight": -30.0, "delay": 1.0}), ([1, 2], [2, 3], {"weight": -10.0, "delay": 0.3})],
     35.0, "iaf_psc_alpha", {}, [390.0, 420.0, 450.0], None,
     {"deliver_interval": 7, "gen_delay": DT, "trains": [[20.0, 0.4, []]]}),
    # counts: every third presynaptic spike and every second dopamine spike doubled at its generator, so the
    # parrots send spikes of multiplicity 2 (NEST: two events through the synapse, n raised twice)
    ("dopamine_multiplicity", "stdp_dopamine_synapse",
     {"A_plus": 0.5, "A_minus": 0.6, "b": 0.01, "tau_c": 50.0, "tau_n": 30.0, "Wmax": 80.0, "tau_plus": 15.0},
     [([0, 2], [0, 4], {"weight": 30.0, "delay": 1.0}), ([2, 3], [0, 4], {"weight": 25.0, "delay": 1.5})],
     30.0, "iaf_psc_alpha", {"tau_minus": 25.0}, [340.0, 360.0, 380.0, 400.0], None,
     {"deliver_interval": 2, "gen_delay": 1.0, "trains": [[15.0, 1.0, []]], "repeat_pre": 3, "repeat_dopa": 2}),
]


def run_case(index, case, vt_spec=None):
    name, model, copy, conns, rate, post_model, post_params, post_i_e, extra = case
    gen_delay = vt_spec["gen_delay"] if vt_spec else DT
    rng = random.Random(5000 + index)
    n_pre, chunk_ms, chunks, interval = 3, 100.0, 5, 2.0
    t_end = chunk_ms * chunks
    # NEST applies a presynaptic spike's weight change when it delivers it, at the start of the next min_delay
    # slice: a spike in the last step of a chunk is applied in the next Simulate call, after GetConnections has
    # read the weights. The parrots spike 0.1 ms after their generator, so no generator time may fall 0.1 ms before
    # a chunk end.
    # With min_delay m, the whole last slice of a chunk: no parrot spike (generator time + gen_delay) in (T - m, T].
    min_delay = min([gen_delay, 1.0] + [s["delay"] for _, _, s in conns] +
                    ([t[1] for t in vt_spec["trains"]] if vt_spec else []))
    steps = lambda t: round((t + gen_delay) / DT) % round(chunk_ms / DT)  # noqa: E731
    ok = lambda t: 0 < steps(t) <= round(chunk_ms / DT) - round(min_delay / DT)  # noqa: E731
    pre_times = []
    for i in range(n_pre):
        times = grid_times(rng, rate, t_end - 1.0)
        if extra is not None:
            times = sorted(set(times) | set(extra[i]))
            times = [t for k, t in enumerate(times) if k == 0 or t - times[k - 1] > DT + 1e-9]
        pre_times.append([t for t in times if ok(t)])
    every = vt_spec.get("repeat_pre") if vt_spec else REPEAT_PRE.get(name)
    if every:  # every k-th spike twice: a parrot spike of multiplicity 2
        pre_times = [[t for j, t in enumerate(ts) for _ in range(2 if j % every == 0 else 1)] for ts in pre_times]
    drive_times = grid_times(rng, 60.0, t_end)
    n_post = len(post_i_e)
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.resolution = DT
    wr = nest.Create("weight_recorder")
    syn_name = "plastic"
    dopa_times = []
    if vt_spec:
        vt = nest.Create("volume_transmitter", params={"deliver_interval": vt_spec["deliver_interval"]})
        nest.CopyModel(model, syn_name, dict(copy, weight_recorder=wr, volume_transmitter=vt))
    else:
        nest.CopyModel(model, syn_name, dict(copy, weight_recorder=wr))
    gens = nest.Create("spike_generator", n_pre, params=[{"spike_times": t} for t in pre_times])
    parrots = nest.Create("parrot_neuron", n_pre)
    nest.Connect(gens, parrots, "one_to_one", {"delay": gen_delay})
    if vt_spec:
        for rate_d, delay_d, extra_d in vt_spec["trains"]:
            times = sorted(set(grid_times(rng, rate_d, t_end - 1.0)) | set(extra_d))
            times = [t for k, t in enumerate(times) if k == 0 or t - times[k - 1] > DT + 1e-9]
            if vt_spec.get("repeat_dopa"):
                times = [t for j, t in enumerate(times) for _ in range(2 if j % vt_spec["repeat_dopa"] == 0 else 1)]
            dopa_times.append(times)
            g = nest.Create("spike_generator", params={"spike_times": times})
            dp = nest.Create("parrot_neuron")
            nest.Connect(g, dp, "one_to_one", {"delay": gen_delay})
            nest.Connect(dp, vt, syn_spec={"delay": delay_d})
    post = nest.Create(post_model, n_post, params=dict(post_params))
    post.I_e = post_i_e
    drive = nest.Create("spike_generator", params={"spike_times": drive_times})
    drive_weight = 150.0 if post_model != "iaf_psc_delta" else 3.0
    nest.Connect(drive, post, "all_to_all", {"weight": drive_weight, "delay": 1.0})
    assert abs(nest.min_delay - min_delay) < 1e-9, (nest.min_delay, min_delay)
    for pre_s, post_s, syn in conns:
        nest.Connect(parrots[pre_s[0]:pre_s[1]], post[post_s[0]:post_s[1]], "all_to_all",
                     dict(syn, synapse_model=syn_name))
    sr = nest.Create("spike_recorder")
    nest.Connect(post, sr)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": interval})
    nest.Connect(mm, post)
    chunk_rows = []
    facets = model == "stdp_facetshw_synapse_hom"
    state = FACETS_STATE if facets else DOPA_STATE if vt_spec else []
    for _ in range(chunks):
        nest.Simulate(chunk_ms)
        c = nest.GetConnections(parrots, post)
        keys = ["source", "target", "delay", "weight"] + state
        cols = [c.get(k) for k in keys]
        rows = sorted(zip(*cols), key=lambda r: (r[0], r[1], r[2]))
        chunk_rows.append([[r[0] - parrots[0].global_id, r[1] - post[0].global_id] + [float(x) for x in r[2:]]
                           for r in rows])
    nest.Simulate(2.0)  # the multimeter hands over samples up to T - min_delay: a little more to cover t_end
    ev = mm.get("events")
    v = [[] for _ in range(n_post)]
    for s, t, x in sorted(zip(ev["senders"], ev["times"], ev["V_m"]), key=lambda r: (r[0], r[1])):
        if t <= t_end + 1e-9:
            v[s - post[0].global_id].append(round(float(x), 9))
    wev = wr.get("events")
    events = sorted(zip([float(t) for t in wev["times"]], [int(s) - parrots[0].global_id for s in wev["senders"]],
                        [int(t) - post[0].global_id for t in wev["targets"]], [float(w) for w in wev["weights"]]))
    events = [e for e in events if e[0] <= t_end + 1e-9]
    sev = sr.get("events")
    return {
        "name": name, "synapse_model": model, "copy_params": copy,
        "connections": [{"pre": p, "post": q, "syn_spec": s} for p, q, s in conns],
        "post_model": post_model, "post_params": post_params, "post_I_e": post_i_e, "pre_times": pre_times,
        "drive_times": drive_times, "drive_weight": drive_weight, "drive_delay": 1.0, "chunk_ms": chunk_ms,
        "chunks": chunks, "chunk_columns": ["pre", "post", "delay", "weight"] + state, "gen_delay": gen_delay,
        "vt": None if not vt_spec else {"deliver_interval": vt_spec["deliver_interval"], "dopa_times": dopa_times,
                                        "delays": [t[1] for t in vt_spec["trains"]]},
        "chunk_rows": chunk_rows, "weight_events": events, "interval": interval, "V_m": v,
        "post_spikes": sorted([[float(t), int(s) - post[0].global_id]
                               for s, t in zip(sev["senders"], sev["times"]) if t <= t_end + 1e-9]),
        "defaults_after": {k: nest.GetDefaults(syn_name)[k] for k in ("no_synapses", "readout_cycle_duration")}
        if facets else None,
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/reference/nest_plasticity.json"
    doc = {"nest_version": nest.__version__, "resolution": DT,
           "cases": [run_case(i, c) for i, c in enumerate(CASES)] +
           [run_case(100 + i, c[:-1], c[-1]) for i, c in enumerate(DOPA_CASES)]}
    nest.ResetKernel()
    skip = {"element_type", "has_delay", "num_connections", "requires_symmetric", "sizeof", "synapse_model",
            "synapse_modelid", "weight_recorder", "receptor_type"}
    doc["defaults"] = {m: {k: v for k, v in nest.GetDefaults(m).items() if k not in skip}
                       for m in ("jonke_synapse", "stdp_facetshw_synapse_hom", "stdp_dopamine_synapse")}
    doc["defaults"]["stdp_dopamine_synapse"]["volume_transmitter"] = None  # an empty NodeCollection
    for c in doc["cases"]:
        moved = sum(1 for a, b in zip(c["chunk_rows"][0], c["chunk_rows"][-1]) if a[3] != b[3])
        print(f'{c["name"]}: {len(c["weight_events"])} weight events, {len(c["post_spikes"])} post spikes, '
              f'{moved} of {len(c["chunk_rows"][0])} weights differ between first and last chunk')
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"), default=lambda x: x.tolist() if hasattr(x, "tolist") else int(x))
    print("wrote", out)


if __name__ == "__main__":
    main()
