#!/usr/bin/env python3
"""NEST references for volley's binary neurons mcculloch_pitts_neuron, ginzburg_neuron, erfc_neuron (issue 5).

    /tmp/nestvenv/bin/python tools/nest_reference/make_binary_references.py [--seeds 12] [--only det|single|network]

writes tests/reference/nest_binary.json (tests/test_nest_binary.cpp reads it). Three parts:

det: a deterministic network, compared step by step. With tau_m = 0.001 ms (one tic) every neuron updates in
  every step from step 1 on (NEST updates at most once per step, and the next update time falls behind the
  clock), and the gains are made deterministic (ginzburg c_1 = 0, c_2 = 1, c_3 = 1000/mV; erfc sigma = 0.001 mV;
  every h + c stays at least 0.25 mV away from theta, so the gain is exactly 0 or 1 in double precision). DET_N
  neurons of the three models in a random graph (weights and delays from small sets), two noise_generators with
  std = 0 (constant currents over a window) into some of them. Kept per neuron: the steps at which S and h change
  (sample k = the state after step k, as the multimeter at interval dt records it) and the value from there on.
single: unconnected neurons with a constant input c (noise_generator, std 0): per configuration and seed the mean
  activity <S> and the transitions per neuron and ms over [SINGLE_T0, SINGLE_T); the closed forms are
  <S> = g(c) and transitions = 2 g (1 - g) / tau_m (each update draws S anew with probability g; with tau_m < dt
  updates come once per step: 1/dt instead of 1/tau_m). first_update: a mcculloch_pitts population with c above
  theta from the start; the fraction up after step k is P(first update time < k dt).
network: NET_N = NET_NE + NET_NI neurons of one model, a fixed random graph (NET_KE excitatory inputs of weight
  NET_JE, NET_KI inhibitory ones of weight NET_JI per neuron, no autapses or multapses, delays drawn from
  NET_DELAYS), per-neuron theta; all three models on the same graph, several seeds each. Per seed: mean activity
  and the standard deviation of the population activity in 10 ms bins over [NET_T0, NET_T); the population
  activity after each of the first NET_TRANSIENT_MS ms (from S = 0 everywhere); per neuron the transitions and
  the mean S over [NET_T0, NET_T). Stored: the per-seed values and, per neuron, the mean and standard deviation
  across seeds.

NEST records a transition as a spike: up = two spikes (multiplicity 2) in one step, down = one; the spike time
stamp (k + 1) dt is the end of the update step k. The reconstruction here checks that ups and downs alternate.
"""
import argparse
import json
import math
import os

import numpy as np

DT = 0.1
TICS_PER_MS = 1000

# ---- det ----
DET_T = 150.0
DET_TAU = 0.001
DET_MODELS = (["mcculloch_pitts_neuron"] * 4 + ["ginzburg_neuron"] * 4 + ["erfc_neuron"] * 4)
DET_N = len(DET_MODELS)
DET_PARAMS = {"mcculloch_pitts_neuron": {}, "ginzburg_neuron": {"c_1": 0.0, "c_2": 1.0, "c_3": 1000.0},
              "erfc_neuron": {"sigma": 0.001}}
DET_THETAS = [-0.25, 0.25, 0.75, -1.25]
DET_WEIGHTS = [-1.0, -0.5, 0.5, 1.0, 1.5]
DET_DELAYS = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.3]
DET_INDEGREE = 3
DET_GRAPH_SEED = 11
DET_RING = [0, 4, 8, 1, 5]  # one neuron of each model at least
DET_RING_DELAYS = [0.7, 1.3, 0.5, 1.0, 0.3]
# noise_generators (std 0): mean, start, stop, delay, targets
DET_CURRENTS = [(0.5, 20.0, 60.0, 0.5, [0, 5, 9]), (-1.0, 80.0, 120.0, 1.0, [2, 6, 10])]

# ---- single ----
SINGLE_N = 500
SINGLE_T0, SINGLE_T = 100.0, 4100.0
SINGLE_CONFIGS = {
    # name: (model, params, constant input c)
    "ginzburg_default": ("ginzburg_neuron", {}, 0.4236489301936018, "NEST defaults (c_3 1/mV, theta 0): g = 0.7"),
    "ginzburg_linear": ("ginzburg_neuron", {"c_1": 0.1, "c_2": 0.5, "c_3": 0.5, "theta": 1.0}, 2.0,
                        "linear and sigmoidal terms: g = 0.2 + 0.25 (1 + tanh(0.5)) = 0.5655"),
    "erfc": ("erfc_neuron", {"theta": 1.0, "sigma": 2.0}, 0.0, "g = erfc(1 / (2 sqrt 2)) / 2 = 0.3085"),
    "ginzburg_tau_near_dt": ("ginzburg_neuron", {"tau_m": 0.15}, 0.0,
                             "tau_m 1.5 dt: updates often wait for the next step, the rate stays 1/tau_m; g = 0.5"),
    "ginzburg_tau_below_dt": ("ginzburg_neuron", {"tau_m": 0.05}, 0.0, "tau_m dt/2: an update in every step; g = 0.5"),
}
FIRST_N = 5000
FIRST_T = 40.0
FIRST_TAU = 10.0

# ---- network ----
NET_NE, NET_NI = 160, 40
NET_N = NET_NE + NET_NI
NET_KE, NET_KI = 16, 4
NET_JE, NET_JI = 1.0, -5.0
NET_DELAYS = [0.5, 1.0, 1.5, 2.0]
NET_THETA = (-1.0, 4.0)
NET_GRAPH_SEED = 7
NET_T0, NET_T = 200.0, 5000.0
NET_BIN_MS = 10.0
NET_TRANSIENT_MS = 30
NET_CONFIGS = {
    "ginzburg": ("ginzburg_neuron", {"c_3": 0.5}),
    "erfc": ("erfc_neuron", {"sigma": 1.5}),
    "mcculloch_pitts": ("mcculloch_pitts_neuron", {}),
}


def reset(nest, seed):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    nest.rng_seed = seed


def transitions(events, first_id, n):
    """Per neuron: sorted arrays (steps, up) of the transitions; step k = the update step whose stamp is (k+1) dt."""
    senders = np.asarray(events["senders"], dtype=np.int64) - first_id
    steps = np.rint(np.asarray(events["times"]) / DT).astype(np.int64) - 1
    keys, counts = np.unique(senders * (1 << 32) + steps, return_counts=True)
    who, when = keys >> 32, keys & ((1 << 32) - 1)
    assert set(counts.tolist()) <= {1, 2}, "a transition is one or two spikes"
    out = []
    for i in range(n):
        m = who == i
        st, up = when[m], counts[m] == 2
        # from S = 0: up, down, up, ...
        assert np.all(up[0::2]) and not np.any(up[1::2]), "ups and downs alternate"
        out.append((st, up))
    return out


def activity(trans, n_steps):
    """S after each step 0..n_steps-1, per neuron (rows)."""
    y = np.zeros((len(trans), n_steps + 1), dtype=np.int8)
    for i, (st, up) in enumerate(trans):
        for k, u in zip(st, up):
            y[i, k:] = 1 if u else 0
    return y[:, :n_steps]


def defaults_of(nest, model):
    d = nest.GetDefaults(model)
    keys = {"mcculloch_pitts_neuron": ["tau_m", "theta"], "ginzburg_neuron": ["tau_m", "theta", "c_1", "c_2", "c_3"],
            "erfc_neuron": ["tau_m", "theta", "sigma"]}[model]
    return {k: float(d[k]) for k in keys}


# ------------------------------------------------------------------------------------------------------------------
def make_det(nest):
    rng = np.random.default_rng(DET_GRAPH_SEED)
    theta = [float(rng.choice(DET_THETAS)) for _ in range(DET_N)]
    conns = []  # (source, target, weight, delay)
    ring = DET_RING
    others = [i for i in range(DET_N) if i not in ring]
    for k, t in enumerate(ring):  # an odd ring of inverters (theta -0.25, weight -1.5): it never settles
        theta[t] = -0.25
        conns.append((ring[k - 1], t, -1.5, DET_RING_DELAYS[k]))
        conns.append((int(rng.choice(others)), t, 0.5, float(rng.choice(DET_DELAYS))))
    for t in others:
        for s in rng.choice([j for j in range(DET_N) if j != t], DET_INDEGREE, replace=False):
            conns.append((int(s), t, float(rng.choice(DET_WEIGHTS)), float(rng.choice(DET_DELAYS))))
    reset(nest, 1)
    nodes = []
    for i, m in enumerate(DET_MODELS):
        p = dict(DET_PARAMS[m], tau_m=DET_TAU, theta=theta[i])
        nodes.append(nest.Create(m, params=p))
    for s, t, w, d in conns:
        nest.Connect(nodes[s], nodes[t], syn_spec={"weight": w, "delay": d})
    for mean, start, stop, delay, targets in DET_CURRENTS:
        g = nest.Create("noise_generator", params={"mean": mean, "std": 0.0, "start": start, "stop": stop})
        for t in targets:
            nest.Connect(g, nodes[t], syn_spec={"delay": delay})
    mm = nest.Create("multimeter", params={"record_from": ["S", "h"], "interval": DT})
    sr = nest.Create("spike_recorder")
    for nd in nodes:
        nest.Connect(mm, nd)
        nest.Connect(nd, sr)
    nest.Simulate(DET_T + DT)
    ev = mm.get("events")
    n_steps = int(round(DET_T / DT))
    out_neurons = []
    ids = [nd.global_id for nd in nodes]
    tr = transitions(sr.get("events"), ids[0], DET_N)
    for i, gid in enumerate(ids):
        m = ev["senders"] == gid
        times = np.asarray(ev["times"])[m]
        order = np.argsort(times)
        steps = np.rint(times[order] / DT).astype(np.int64) - 1
        keep = steps < n_steps
        steps = steps[keep]
        assert np.array_equal(steps, np.arange(n_steps)), "one sample per step"
        S = np.asarray(ev["S"])[m][order][keep].astype(int)
        h = np.asarray(ev["h"])[m][order][keep].astype(float)

        def changes(x):
            at = [0] + [k for k in range(1, len(x)) if x[k] != x[k - 1]]
            return [[int(k), float(x[k])] for k in at]

        # the spike_recorder agrees with the multimeter: a transition in step k changes S in sample k
        st, up = tr[i]
        s_changes = changes(S)[1:] if S[0] == 0 else changes(S)
        assert [c[0] for c in s_changes] == [int(k) for k in st if k < n_steps], (i, s_changes[:5], st[:5])
        out_neurons.append({"model": DET_MODELS[i], "theta": theta[i], "S_changes": changes(S),
                            "h_changes": changes(h), "transitions": int(np.sum(st < n_steps))})
        print(f"det {i:2d} {DET_MODELS[i]:24s} theta {theta[i]:5.2f}: {out_neurons[-1]['transitions']} transitions, "
              f"last at step {int(st[-1]) if len(st) else -1}")
    return {"t_sim_ms": DET_T, "tau_m": DET_TAU, "model_params": DET_PARAMS,
            "neurons": out_neurons,
            "connections": [{"source": s, "target": t, "weight": w, "delay_ms": d} for s, t, w, d in conns],
            "currents": [{"mean": m, "start_ms": a, "stop_ms": b, "delay_ms": d, "targets": t}
                         for m, a, b, d, t in DET_CURRENTS],
            "current_timing": "a noise_generator (std 0) with start s, stop e through delay d adds its mean to h + c "
                              "in the update of the steps starting in [s + d - dt, e + d - dt) (one step earlier "
                              "than it reaches the V of NEST's iaf models: the binary neuron reads its current "
                              "buffer in the step itself)"}


# ------------------------------------------------------------------------------------------------------------------
def run_single(nest, model, params, c, seed):
    reset(nest, seed)
    pop = nest.Create(model, SINGLE_N, params=params)
    g = nest.Create("noise_generator", params={"mean": c, "std": 0.0})
    nest.Connect(g, pop, syn_spec={"delay": DT})
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(SINGLE_T + DT)
    tr = transitions(sr.get("events"), pop[0].global_id, SINGLE_N)
    k0, k1 = int(round(SINGLE_T0 / DT)), int(round(SINGLE_T / DT))
    y = activity(tr, k1)
    n_trans = sum(int(np.sum((st >= k0) & (st < k1))) for st, _ in tr)
    return {"mean_S": float(y[:, k0:k1].mean()),
            "transitions_per_ms": n_trans / (SINGLE_N * (SINGLE_T - SINGLE_T0))}


def make_single(nest, seeds):
    configs = {}
    for name, (model, params, c, what) in SINGLE_CONFIGS.items():
        runs = [run_single(nest, model, params, c, s) for s in seeds]
        full = defaults_of(nest, model)
        full.update(params)
        summary = {}
        for key in ("mean_S", "transitions_per_ms"):
            v = np.array([r[key] for r in runs])
            summary[key] = {"mean": float(v.mean()), "std_across_seeds": float(v.std(ddof=1))}
        configs[name] = {"model": model, "parameters": full, "c": c, "what": what, "runs": runs, "summary": summary}
        print("single", name, {k: (round(v["mean"], 5), round(v["std_across_seeds"], 5)) for k, v in summary.items()})
    # first update times
    reset(nest, 1)
    pop = nest.Create("mcculloch_pitts_neuron", FIRST_N, params={"tau_m": FIRST_TAU})
    g = nest.Create("noise_generator", params={"mean": 1.0, "std": 0.0})
    nest.Connect(g, pop, syn_spec={"delay": DT})
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(FIRST_T + DT)
    tr = transitions(sr.get("events"), pop[0].global_id, FIRST_N)
    n_steps = int(round(FIRST_T / DT))
    frac = activity(tr, n_steps).mean(axis=0)
    assert all(len(st) <= 1 for st, _ in tr), "one transition (up) each"
    first = {"model": "mcculloch_pitts_neuron", "n": FIRST_N, "tau_m": FIRST_TAU, "theta": 0.0, "c": 1.0,
             "fraction_up": [round(float(f), 6) for f in frac],
             "closed_form": "P(S = 1 after step k) = 1 - exp(-(k dt - 0.5 tic) / tau_m): the first update time "
                            "t_1 = tau_m E rounded to the tic, and step k updates when k dt > t_1"}
    print("first_update: fraction up after steps 9, 99, 399:", frac[9], frac[99], frac[399])
    return {"n_neurons": SINGLE_N, "window_ms": [SINGLE_T0, SINGLE_T], "seeds": seeds, "configs": configs,
            "first_update": first}


# ------------------------------------------------------------------------------------------------------------------
def net_graph():
    rng = np.random.default_rng(NET_GRAPH_SEED)
    theta = np.round(rng.uniform(NET_THETA[0], NET_THETA[1], NET_N), 3)
    src, tgt, dly = [], [], []
    for i in range(NET_N):
        e = rng.choice([j for j in range(NET_NE) if j != i], NET_KE, replace=False)
        inh = rng.choice([j for j in range(NET_NE, NET_N) if j != i], NET_KI, replace=False)
        for j in np.concatenate([np.sort(e), np.sort(inh)]):
            src.append(int(j))
            tgt.append(i)
            dly.append(float(rng.choice(NET_DELAYS)))
    return theta, np.array(src), np.array(tgt), np.array(dly)


def run_net(nest, model, params, graph, seed):
    theta, src, tgt, dly = graph
    reset(nest, seed)
    pop = nest.Create(model, NET_N, params=params)
    pop.set(theta=[float(t) for t in theta])
    w = np.where(src < NET_NE, NET_JE, NET_JI).astype(float)
    first = pop[0].global_id
    nest.Connect(src + first, tgt + first, "one_to_one", syn_spec={"weight": w, "delay": dly})
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(NET_T + DT)
    tr = transitions(sr.get("events"), first, NET_N)
    k0, k1 = int(round(NET_T0 / DT)), int(round(NET_T / DT))
    y = activity(tr, k1)
    pop_act = y.mean(axis=0)
    per_bin = int(round(NET_BIN_MS / DT))
    bins = pop_act[k0:k1].reshape(-1, per_bin).mean(axis=1)
    per_ms = int(round(1.0 / DT))
    transient = [float(pop_act[(m + 1) * per_ms - 1]) for m in range(NET_TRANSIENT_MS)]
    return {"mean_S": float(pop_act[k0:k1].mean()), "bin_std": float(bins.std()), "transient": transient,
            "neuron_transitions": [int(np.sum((st >= k0) & (st < k1))) for st, _ in tr],
            "neuron_mean_S": y[:, k0:k1].mean(axis=1)}


def make_network(nest, seeds):
    graph = net_graph()
    theta, src, tgt, dly = graph
    configs = {}
    for name, (model, params) in NET_CONFIGS.items():
        runs = [run_net(nest, model, params, graph, s) for s in seeds]
        full = defaults_of(nest, model)
        full.update(params)
        full.pop("theta")
        nt = np.array([r["neuron_transitions"] for r in runs], dtype=float)
        ns = np.array([r["neuron_mean_S"] for r in runs])
        tr = np.array([r["transient"] for r in runs])
        cfg = {"model": model, "parameters": full,
               "runs": [{"mean_S": r["mean_S"], "bin_std": r["bin_std"]} for r in runs],
               "transient_mean": [round(float(x), 6) for x in tr.mean(axis=0)],
               "transient_std_across_seeds": [round(float(x), 6) for x in tr.std(axis=0, ddof=1)],
               "neuron_transitions_mean": [round(float(x), 4) for x in nt.mean(axis=0)],
               "neuron_transitions_std": [round(float(x), 4) for x in nt.std(axis=0, ddof=1)],
               "neuron_mean_S_mean": [round(float(x), 5) for x in ns.mean(axis=0)],
               "neuron_mean_S_std": [round(float(x), 5) for x in ns.std(axis=0, ddof=1)]}
        for key in ("mean_S", "bin_std"):
            v = np.array([r[key] for r in runs])
            cfg[key] = {"mean": float(v.mean()), "std_across_seeds": float(v.std(ddof=1))}
        configs[name] = cfg
        print("network", name, "mean_S", round(cfg["mean_S"]["mean"], 4), "+-",
              round(cfg["mean_S"]["std_across_seeds"], 4),
              "bin_std", round(cfg["bin_std"]["mean"], 4), "+-", round(cfg["bin_std"]["std_across_seeds"], 4),
              "transitions/neuron", round(float(nt.mean()), 1))
    return {"n_excitatory": NET_NE, "n_inhibitory": NET_NI, "weights": {"excitatory": NET_JE, "inhibitory": NET_JI},
            "window_ms": [NET_T0, NET_T], "bin_ms": NET_BIN_MS, "transient_ms": NET_TRANSIENT_MS, "seeds": seeds,
            "theta": [float(t) for t in theta], "sources": src.tolist(), "targets": tgt.tolist(),
            "delays_ms": dly.tolist(), "configs": configs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--only", choices=["det", "single", "network"])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "..", "tests", "reference",
                                                                    "nest_binary.json")))
    args = ap.parse_args()
    import nest  # late: --help works without NEST
    nest.set_verbosity("M_ERROR")
    out = {}
    if args.only and os.path.exists(args.out):
        with open(args.out) as f:
            out = json.load(f)
    out.update({"models": ["mcculloch_pitts_neuron", "ginzburg_neuron", "erfc_neuron"],
                "nest": {"version": nest.__version__, "threads": 1}, "dt_ms": DT, "tics_per_ms": TICS_PER_MS,
                "definitions": __doc__.split("\n\n")[2]})
    seeds = list(range(1, args.seeds + 1))
    if args.only in (None, "det"):
        out["det"] = make_det(nest)
    if args.only in (None, "single"):
        out["single"] = make_single(nest, seeds[:5])
    if args.only in (None, "network"):
        out["network"] = make_network(nest, seeds)
    with open(args.out, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(args.out, os.path.getsize(args.out), "bytes")


if __name__ == "__main__":
    main()
