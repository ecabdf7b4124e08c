#!/usr/bin/env python3
"""NEST 3.10's correlation devices for the NEST layer (host/nest_correlation.hpp): writes
tests/reference/nest_detectors.json, read by tests/test_nest_detectors.cpp.

    /tmp/nestvenv/bin/python tools/nest_reference/make_detector_references.py

Sections:
- "parrot_cases": spike_generators drive parrot_neurons (one each), which are connected to a correlation_detector or
  a correlomatrix_detector (receptor_type, weight, delay per connection); the spike times are known exactly, so
  volley, rebuilding each case through its NEST layer, must give the same results after every Simulate call:
  hand-made cases (bin edges, weights, windows, split runs, a reset) and seeded random ones (several parrots per
  port, one parrot on several ports, out-of-order delivery inside a min_delay slice, runs ending inside a slice).
- "spin_streams": ginzburg_neuron networks (NEST's random update times: not reproducible by volley): their
  transitions (from a spike_recorder: two events at one stamp for an up transition, one for a down), a
  spin_detector's events and a correlospinmatrix_detector's count_covariance; the test feeds the transitions to
  volley's decoders and must get NEST's events (in NEST's order) and count_covariance.
- "binary_network": a deterministic mcculloch_pitts_neuron network (an odd ring of inverters and two followers)
  with a spin_detector and a correlospinmatrix_detector: volley's binary neurons make the same transitions, so
  volley rebuilds it through the layer and must give NEST's events and count_covariance after every Simulate.
- "poisson": Poisson-driven parrots (independent, and a mip_generator's correlated pair): NEST's histograms, to be
  compared with volley's statistically (flat level rate1 rate2 delta_tau T, zero-lag excess).
- "errors": parameter sets and connections NEST refuses or accepts.
One thread, one process (NEST's order of delivery depends on them).
"""
import json
import os
import random

DT = 0.1


def write_reference(out, name):
    """Writes tests/reference/<name> (compact JSON) and says where."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.normpath(os.path.join(here, "..", "..", "tests", "reference", name))
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path) // 1024, "kB")


def quiet_nest():
    import warnings
    warnings.filterwarnings("ignore")
    import nest
    nest.verbosity = nest.VerbosityLevel.ERROR
    return nest


def fresh_nodes(nest, nodes, dt):
    """A reset kernel (resolution dt, one thread) with the nodes [{"model", "n", "params"}, ...] created in order."""
    nest.ResetKernel()
    nest.resolution = dt
    nest.local_num_threads = 1
    return [nest.Create(n["model"], n["n"], params=n["params"]) for n in nodes]


def collection_of(nodes, spec):
    """A collection of a protocol (tests/support/nest_collections.hpp reads the same forms): None (no collection),
    a group index, a slice [group, begin, end), or a list of slices joined with +."""
    if spec is None:
        return None
    if isinstance(spec, int):
        return nodes[spec]
    if isinstance(spec[0], int):
        return nodes[spec[0]][spec[1]:spec[2]]
    out = None
    for node, first, end in spec:
        part = nodes[node][first:end]
        out = part if out is None else out + part
    return out


def status_of(det, model):
    keys = {"correlation_detector": ["n_events", "histogram", "histogram_correction", "count_histogram"],
            "correlomatrix_detector": ["n_events", "covariance", "count_covariance"]}[model]
    st = det.get(keys)
    out = {}
    for k in keys:
        v = st[k]
        out[k] = v.tolist() if hasattr(v, "tolist") else list(v)
        if k in ("count_histogram", "count_covariance", "n_events"):
            out[k] = json.loads(json.dumps(out[k]), parse_float=lambda x: int(float(x)))
    return out


def run_parrot_case(nest, case):
    nest.ResetKernel()
    nest.resolution = case["dt"]
    nest.local_num_threads = 1
    gens = [nest.Create("spike_generator", params={"spike_times": g["spike_times"]}) for g in case["generators"]]
    parrots = nest.Create("parrot_neuron", len(gens))
    for i, g in enumerate(case["generators"]):
        nest.Connect(gens[i], parrots[i], syn_spec={"delay": g["delay"]})
    det = nest.Create(case["detector"], params=case["params"])
    for c in case["connections"]:
        nest.Connect(parrots[c["parrot"]], det,
                     syn_spec={"receptor_type": c["receptor_type"], "weight": c["weight"], "delay": c["delay"]})
    results = []
    for k, t in enumerate(case["sims"]):
        nest.Simulate(t)
        results.append(status_of(det, case["detector"]))
        if k in case.get("reset_after", []):
            det.set({"n_events": [0, 0]})
    return dict(case, min_delay=nest.min_delay, results=results)


def lag_case():
    # one pair per lag, pairs 20 ms apart (no pair sees another): bin edges of delta_tau 0.5 ms, tau_max 1 ms
    a, b, t = [], [], 10.0
    for lag10 in range(-14, 15):
        a.append(round(t, 1))
        b.append(round(t + lag10 / 10, 1))
        t += 20.0
    return {"name": "bin_edges_odd", "detector": "correlation_detector", "dt": DT,
            "params": {"delta_tau": 0.5, "tau_max": 1.0},
            "generators": [{"spike_times": a, "delay": 1.0}, {"spike_times": sorted(b), "delay": 1.0}],
            "connections": [{"parrot": 0, "receptor_type": 0, "weight": 1.0, "delay": 1.0},
                            {"parrot": 1, "receptor_type": 1, "weight": 1.0, "delay": 1.0}],
            "sims": [t + 10.0]}


def even_case():
    # delta_tau of 2 steps: lags -E (counted) and +E (not); min_delay one step (NEST writes outside its histogram for
    # out-of-order pairs with |lag| >= E, which a longer min_delay would allow here)
    a, b, t = [], [], 10.0
    for lag10 in range(-7, 8):
        a.append(round(t, 1))
        b.append(round(t + lag10 / 10, 1))
        t += 20.0
    return {"name": "bin_edges_even", "detector": "correlation_detector", "dt": DT,
            "params": {"delta_tau": 0.2, "tau_max": 0.4},
            "generators": [{"spike_times": a, "delay": 0.1}, {"spike_times": sorted(b), "delay": 0.1}],
            "connections": [{"parrot": 0, "receptor_type": 0, "weight": 1.0, "delay": 0.1},
                            {"parrot": 1, "receptor_type": 1, "weight": 1.0, "delay": 0.1}],
            "sims": [t + 10.0]}


def matrix_lag_case():
    # correlomatrix: channel 0 and 1 pairs at every lag, plus a burst on channel 2 (auto-correlation, equal stamps)
    a, b, t = [], [], 10.0
    for lag10 in range(-12, 13):
        a.append(round(t, 1))
        b.append(round(t + lag10 / 10, 1))
        t += 20.0
    c = [round(t + x, 1) for x in (0.0, 0.1, 0.3, 0.4, 0.4, 0.9)]
    return {"name": "matrix_bin_edges", "detector": "correlomatrix_detector", "dt": DT,
            "params": {"delta_tau": 0.3, "tau_max": 0.9, "N_channels": 3},
            "generators": [{"spike_times": a, "delay": 1.0}, {"spike_times": sorted(b), "delay": 1.0},
                           {"spike_times": sorted(set(c)), "delay": 1.0}, {"spike_times": [c[3]], "delay": 1.0}],
            "connections": [{"parrot": 0, "receptor_type": 0, "weight": 1.0, "delay": 1.0},
                            {"parrot": 1, "receptor_type": 1, "weight": 2.0, "delay": 1.0},
                            {"parrot": 2, "receptor_type": 2, "weight": 0.5, "delay": 1.0},
                            {"parrot": 3, "receptor_type": 2, "weight": 0.25, "delay": 1.0}],
            "sims": [t + 10.0]}


def random_case(rng, k, matrix):
    npar = rng.randint(2, 5)
    t_sim = float(rng.randint(100, 250))
    dgen = rng.choice([0.1, 0.5, 1.0, 2.0])
    ddet = rng.choice([0.1, 1.0, 1.5])
    D = rng.choice([1, 3, 5]) if matrix else rng.choice([1, 2, 3, 5])
    m = int(round(min(dgen, ddet) / DT))
    tmax = D * rng.randint(0, 20)
    if not matrix and tmax < m:  # NEST writes outside its histogram when a min_delay slice is longer than E
        tmax = D * ((m + D - 1) // D)
    N = rng.randint(1, 3) if matrix else 2
    params = {"delta_tau": round(D * DT, 1), "tau_max": round(tmax * DT, 1)}
    if matrix:
        params["N_channels"] = N
    for key, choices in (("Tstart", [0.0, 20.05, 30.0]), ("Tstop", [None, 80.0, 150.3]),
                         ("start", [0.0, 10.0]), ("stop", [None, 200.0]), ("origin", [0.0, 0.0, 5.0])):
        v = rng.choice(choices)
        if v is not None and v != 0.0:
            params[key] = v
    gens = []
    for _ in range(npar):
        n = rng.randint(5, 300)
        steps = sorted(set(rng.randint(1, int(t_sim / DT)) for _ in range(n)))
        gens.append({"spike_times": [round(s * DT, 1) for s in steps], "delay": dgen})
    conns = []
    order = list(range(npar))
    rng.shuffle(order)
    for i in order:
        for port in range(N):
            if rng.random() < 0.6:
                conns.append({"parrot": i, "receptor_type": port, "weight": rng.choice([1.0, 0.5, -2.0, 0.3, 1.7, 0.1]),
                              "delay": ddet})
    r = rng.random()
    if r < 0.3:
        sims = [t_sim]
    elif r < 0.6:
        sims = [round(t_sim / 2, 1), round(t_sim / 2 + 0.3, 1)]
    else:
        sims = [round(t_sim / 3 + 0.2, 1), 0.1, 0.4, round(t_sim / 3, 1), round(t_sim / 3 + 0.7, 1)]
    return {"name": "random_%s_%d" % ("matrix" if matrix else "corr", k),
            "detector": "correlomatrix_detector" if matrix else "correlation_detector", "dt": DT,
            "params": params, "generators": gens, "connections": conns, "sims": sims}


def parrot_cases():
    cases = [lag_case(), even_case(), matrix_lag_case()]
    # weights that make Kahan's correction term non-zero, Tstart/Tstop, device window, split runs and a reset
    rng = random.Random(7)
    a = sorted(set(round(rng.randint(1, 3000) * DT, 1) for _ in range(400)))
    b = sorted(set(round(rng.randint(1, 3000) * DT, 1) for _ in range(400)))
    cases.append({"name": "weights_windows_reset", "detector": "correlation_detector", "dt": DT,
                  "params": {"delta_tau": 1.5, "tau_max": 15.0, "Tstart": 20.0, "Tstop": 250.0, "origin": 2.0,
                             "start": 3.0, "stop": 280.0},
                  "generators": [{"spike_times": a, "delay": 1.0}, {"spike_times": b, "delay": 1.0}],
                  "connections": [{"parrot": 0, "receptor_type": 0, "weight": 0.1, "delay": 1.0},
                                  {"parrot": 1, "receptor_type": 1, "weight": 0.7, "delay": 2.0},
                                  {"parrot": 0, "receptor_type": 1, "weight": 1.0 / 3.0, "delay": 1.0}],
                  "sims": [100.0, 55.5, 100.0, 60.0], "reset_after": [1]})
    cases.append({"name": "defaults", "detector": "correlation_detector", "dt": DT, "params": {},
                  "generators": [{"spike_times": a, "delay": 1.0}, {"spike_times": b, "delay": 1.0}],
                  "connections": [{"parrot": 1, "receptor_type": 0, "weight": 1.0, "delay": 1.0},
                                  {"parrot": 0, "receptor_type": 1, "weight": 1.0, "delay": 1.0}],
                  "sims": [310.0]})
    cases.append({"name": "matrix_defaults", "detector": "correlomatrix_detector", "dt": DT, "params": {},
                  "generators": [{"spike_times": a, "delay": 1.0}, {"spike_times": b, "delay": 1.0}],
                  "connections": [{"parrot": 0, "receptor_type": 0, "weight": 1.0, "delay": 1.0},
                                  {"parrot": 1, "receptor_type": 0, "weight": 1.0, "delay": 1.0}],
                  "sims": [310.0]})
    rng = random.Random(2024)
    for k in range(8):
        cases.append(random_case(rng, k, matrix=k % 2 == 1))
    return cases


def spin_streams(nest):
    out = []
    setups = [
        # (name, seed, neurons, weights between them, delay, detector params, sims)
        ("three_coupled", 11, 3, 0.5, 1.0, {"delta_tau": 0.1, "tau_max": 2.0, "N_channels": 3}, [600.0]),
        ("two_split_runs", 5, 2, -1.0, 0.5, {"delta_tau": 0.5, "tau_max": 5.0, "N_channels": 2}, [300.0, 200.3, 99.7]),
        ("four_fast", 3, 4, -1.0, 0.1, {"delta_tau": 0.3, "tau_max": 1.5, "N_channels": 4}, [300.0]),
    ]
    for name, seed, n, w, d, params, sims in setups:
        nest.ResetKernel()
        nest.resolution = DT
        nest.local_num_threads = 1
        nest.rng_seed = seed
        neurons = nest.Create("ginzburg_neuron", n, params={"tau_m": 2.0, "theta": 0.0, "c_1": 0.0, "c_2": 1.0,
                                                              "c_3": 1.0})
        nest.Connect(neurons, neurons, {"rule": "all_to_all", "allow_autapses": False}, {"weight": w, "delay": d})
        sd = nest.Create("spin_detector")
        nest.Connect(neurons, sd)
        sr = nest.Create("spike_recorder")  # an up transition: two events at one stamp, a down: one
        nest.Connect(neurons, sr)
        cs = nest.Create("correlospinmatrix_detector", params=params)
        for i in range(n):
            nest.Connect(neurons[i], cs, syn_spec={"receptor_type": i})
        ends, steps = [], 0
        for t in sims:
            nest.Simulate(t)
            steps += int(round(t / DT))
            ends.append(steps)
        ev = sd.get("events")
        spikes = sr.get("events")
        count = {}
        for g, t in zip(spikes["senders"], spikes["times"]):
            key = (int(g), int(round(float(t) / DT)))
            count[key] = count.get(key, 0) + 1
        keys = sorted(count, key=lambda k: (k[1], k[0]))
        out.append({"name": name, "dt": DT, "min_delay": nest.min_delay, "run_ends": ends, "params": params,
                    "first_id": neurons[0].global_id,
                    "transitions": {"senders": [k[0] for k in keys], "steps": [k[1] - 1 for k in keys],
                                    "up": [int(count[k] == 2) for k in keys]},
                    "spin_events": {"senders": [int(x) for x in ev["senders"]],
                                    "times": [float(x) for x in ev["times"]],
                                    "state": [int(x) for x in ev["state"]]},
                    "count_covariance": json.loads(json.dumps(cs.get("count_covariance").tolist()),
                                                   parse_float=lambda x: int(float(x)))})
    return out


# A deterministic binary network (NEST's mcculloch_pitts_neuron updates in every step when tau_m is one tic, and its
# gain is a step): an odd ring of three inverters (theta -0.25 mV, weight -1.5) that never settles, and two followers
# copying ring neurons (theta 0.5, weight 1). volley's binary neurons give the same transitions step by step, so
# the detectors' results must be NEST's.
BINARY = {"tau_m": 0.001, "ring_delays": [1.0, 1.3, 0.7], "follower_delays": [0.4, 2.0], "sims": [50.0, 30.3, 40.0],
          "params": {"N_channels": 4, "delta_tau": 0.3, "tau_max": 3.0}}


def binary_network(nest):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    b = BINARY
    ring = nest.Create("mcculloch_pitts_neuron", 3, params={"tau_m": b["tau_m"], "theta": -0.25})
    followers = nest.Create("mcculloch_pitts_neuron", 2, params={"tau_m": b["tau_m"], "theta": 0.5})
    for k in range(3):
        nest.Connect(ring[k - 1], ring[k], syn_spec={"weight": -1.5, "delay": b["ring_delays"][k]})
    for k in range(2):
        nest.Connect(ring[k], followers[k], syn_spec={"weight": 1.0, "delay": b["follower_delays"][k]})
    sd = nest.Create("spin_detector")
    nest.Connect(ring + followers, sd)
    cs = nest.Create("correlospinmatrix_detector", params=b["params"])
    channels = [0, 1, 2, 3, 3]  # both followers pooled on channel 3
    for i, node in enumerate(ring + followers):
        nest.Connect(node, cs, syn_spec={"receptor_type": channels[i]})
    sr = nest.Create("spike_recorder")
    nest.Connect(ring + followers, sr)
    results = []
    for t in b["sims"]:
        nest.Simulate(t)
        ev = sd.get("events")
        results.append({"spin_events": {"senders": [int(x) for x in ev["senders"]],
                                        "times": [float(x) for x in ev["times"]],
                                        "state": [int(x) for x in ev["state"]]},
                        "count_covariance": json.loads(json.dumps(cs.get("count_covariance").tolist()),
                                                       parse_float=lambda x: int(float(x)))})
    spikes = sr.get("events")
    return dict(b, channels=channels, min_delay=nest.min_delay, results=results,
                spike_count=len(spikes["times"]))


def poisson(nest):
    out = []
    t_sim, D, tau_max, t0, t1 = 100000.0, 1.0, 20.0, 50.0, 99900.0
    for name, rates, mip in (("independent", (50.0, 30.0), None), ("mip", (50.0, 50.0), 0.5)):
        nest.ResetKernel()
        nest.resolution = DT
        nest.local_num_threads = 1
        nest.rng_seed = 12
        p = nest.Create("parrot_neuron", 2)
        if mip is None:
            for i in range(2):
                g = nest.Create("poisson_generator", params={"rate": rates[i]})
                nest.Connect(g, p[i], syn_spec={"delay": 1.0})
        else:
            g = nest.Create("mip_generator", params={"rate": rates[0], "p_copy": mip})
            nest.Connect(g, p, syn_spec={"delay": 1.0})
        det = nest.Create("correlation_detector", params={"delta_tau": D, "tau_max": tau_max, "Tstart": t0,
                                                           "Tstop": t1})
        nest.Connect(p[0], det, syn_spec={"receptor_type": 0})
        nest.Connect(p[1], det, syn_spec={"receptor_type": 1})
        nest.Simulate(t_sim)
        st = status_of(det, "correlation_detector")
        out.append({"name": name, "rates_hz": list(rates), "p_copy": mip, "t_sim_ms": t_sim, "delta_tau": D,
                    "tau_max": tau_max, "Tstart": t0, "Tstop": t1, "count_histogram": st["count_histogram"],
                    "n_events": st["n_events"]})
    return out


def errors(nest):
    sets = [
        ("correlation_detector", {"delta_tau": 0.15}), ("correlation_detector", {"delta_tau": 0.0}),
        ("correlation_detector", {"delta_tau": 0.2}), ("correlation_detector", {"tau_max": 1.2}),
        ("correlation_detector", {"tau_max": -0.5}), ("correlation_detector", {"tau_max": 0.0}),
        ("correlation_detector", {"delta_tau": 0.3, "tau_max": 1.5}), ("correlation_detector", {"n_events": [1, 0]}),
        ("correlation_detector", {"n_events": [0, 0]}), ("correlation_detector", {"Tstart": 5.0, "Tstop": 2.0}),
        ("correlomatrix_detector", {"delta_tau": 0.2, "tau_max": 1.0}), ("correlomatrix_detector", {"N_channels": 0}),
        ("correlomatrix_detector", {"N_channels": 3}), ("correlomatrix_detector", {"tau_max": 1.2}),
        ("correlomatrix_detector", {"delta_tau": 0.3, "tau_max": 1.5}),
        ("correlospinmatrix_detector", {"delta_tau": 0.15}), ("correlospinmatrix_detector", {"tau_max": -0.5}),
        ("correlospinmatrix_detector", {"N_channels": 0}), ("correlospinmatrix_detector", {"delta_tau": 0.2}),
        ("correlospinmatrix_detector", {"Tstart": -1.0}),
    ]
    out = []
    for model, params in sets:
        nest.ResetKernel()
        nest.resolution = DT
        d = nest.Create(model)
        try:
            d.set(params)
            ok = True
        except Exception:  # NEST's BadProperty / StepMultipleRequired / TimeMultipleRequired
            ok = False
        out.append({"model": model, "params": params, "accepted": ok})
    ports = []
    for model, n_channels, port in (("correlation_detector", None, 1), ("correlation_detector", None, 2),
                                    ("correlomatrix_detector", 3, 2), ("correlomatrix_detector", 3, 3),
                                    ("correlospinmatrix_detector", 2, 2)):
        nest.ResetKernel()
        nest.resolution = DT
        p = nest.Create("parrot_neuron")
        d = nest.Create(model, params={} if n_channels is None else {"N_channels": n_channels})
        try:
            nest.Connect(p, d, syn_spec={"receptor_type": port})
            ok = True
        except Exception:  # UnknownReceptorType
            ok = False
        ports.append({"model": model, "N_channels": n_channels, "receptor_type": port, "accepted": ok})
    defaults = {}
    for res in (0.1, 0.2, 0.25, 0.3):
        nest.ResetKernel()
        nest.resolution = res
        defaults[str(res)] = {m: dict(zip(("delta_tau", "tau_max"), map(float, nest.GetDefaults(m, ["delta_tau", "tau_max"]))))
                              for m in ("correlation_detector", "correlomatrix_detector", "correlospinmatrix_detector")}
    return {"parameters": out, "receptor_types": ports, "defaults_by_resolution": defaults}


SPIN_COUNTS = {"first": [5.0, 5.0, 10.0, 15.0, 15.0, 15.0, 20.0, 25.0, 25.0, 25.0, 25.0, 30.0, 30.0],
               "second": [12.0, 12.0, 22.0, 30.0]}


def spin_multiplicity(nest):
    """Two parrots repeating 1-4 spike_generator spikes at a time into a spin_detector: NEST 3.10 reads a
    multiplicity of 2 as an up transition (state 1) and any other count as one down event."""
    nodes = fresh_nodes(nest, [{"model": "spike_generator", "n": 1, "params": {"spike_times": SPIN_COUNTS["first"]}},
                               {"model": "spike_generator", "n": 1, "params": {"spike_times": SPIN_COUNTS["second"]}},
                               {"model": "parrot_neuron", "n": 2, "params": {}},
                               {"model": "spin_detector", "n": 1, "params": {}}], 0.1)
    nest.Connect(nodes[0], nodes[2][0], syn_spec={"delay": 1.0})
    nest.Connect(nodes[1], nodes[2][1], syn_spec={"delay": 1.0})
    nest.Connect(nodes[2], nodes[3])
    nest.Simulate(40.0)
    ev = nodes[3].get("events")
    return {"spike_times": SPIN_COUNTS, "spin_events": {"senders": [int(x) for x in ev["senders"]],
                                                       "state": [int(x) for x in ev["state"]],
                                                       "times": [float(x) for x in ev["times"]]}}


def main():
    nest = quiet_nest()
    out = {"nest_version": nest.__version__,
           "stamps": "times in ms are NEST's stamps: a spike in the step [t - dt, t) has stamp t",
           "parrot_cases": [run_parrot_case(nest, c) for c in parrot_cases()],
           "spin_streams": spin_streams(nest), "binary_network": binary_network(nest), "poisson": poisson(nest),
           "errors": errors(nest), "spin_multiplicity": spin_multiplicity(nest)}
    for c in out["parrot_cases"]:
        r = c["results"][-1]
        print(c["name"], c["detector"], "n_events", r["n_events"], "min_delay", c["min_delay"])
    b = out["binary_network"]
    print("binary_network", len(b["results"][-1]["spin_events"]["times"]), "spin events,", b["spike_count"], "spikes")
    for s in out["spin_streams"]:
        print(s["name"], len(s["transitions"]["steps"]), "transitions,", len(s["spin_events"]["times"]), "spin events")
    write_reference(out, "nest_detectors.json")


if __name__ == "__main__":
    main()
