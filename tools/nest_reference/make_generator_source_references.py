#!/usr/bin/env python3
"""Reference numbers from NEST 3.10 for volley's stateful NEST generators (issue 5): gamma_sup_generator,
ppd_sup_generator, poisson_generator_ps and sinusoidal_gamma_generator (models/nest_generator_sources.hpp, lowered
by host/nest_generators.cpp).

Each generator drives parrot_neurons through a connection of delay d; a parrot's spike stamp is the end of the step
in which the generator's spikes reach it, and a spike_recorder records one event per arriving spike (multiplicity).
The stamps give NEST's timing (first and last arrival of a window at rates so high that every active step has
spikes, and the spike counts there, which are deterministic for gamma_sup / ppd_sup when every process moves each
step) and the statistics (rates, ISI histograms, Fano factors, rate profiles, first-spike times) that
tests/test_nest_generator_sources.cpp compares with volley.

    /path/to/venv/bin/python tools/nest_reference/make_generator_source_references.py
    # writes tests/reference/nest_generator_sources.json
"""
import json
import os
import sys

import nest
import numpy as np

DT = 0.1


def parrot_run(model, params, n, t_sim, delay, seed, extra_delay=None, shared=False):
    nest.ResetKernel()
    nest.resolution = DT
    nest.rng_seed = seed
    nest.local_num_threads = 1
    if shared:  # NEST accepts individual_spike_trains only as a model default
        nest.CopyModel(model, "shared_" + model, {"individual_spike_trains": False})
        model = "shared_" + model
    g = nest.Create(model, params=params)
    par = nest.Create("parrot_neuron", n)
    sr = nest.Create("spike_recorder")
    nest.Connect(g, par, syn_spec={"delay": delay})
    nest.Connect(par, sr)
    if extra_delay is not None:  # an unrelated connection that sets NEST's min_delay
        a = nest.Create("iaf_psc_alpha", 2)
        nest.Connect(a[0], a[1], syn_spec={"delay": extra_delay})
    nest.Simulate(t_sim)
    ev = sr.get("events")
    return np.asarray(ev["senders"]) - par[0].global_id, np.asarray(ev["times"])


def step_of(times, delay):
    """Generator step k of each arrival: NEST stamps the generator's spike (k + 1) h, the parrot's d later."""
    return np.round((times - delay) / DT).astype(int) - 1


WINDOW_CASES = [
    ("gamma_sup_generator", {"rate": 100000.0, "n_proc": 1000}),      # p = 10: every process moves every step
    ("ppd_sup_generator", {"rate": 10000.0, "n_proc": 1000}),         # hazard 1: every process spikes every step
    ("poisson_generator_ps", {"rate": 1000000.0}),                    # 100 spikes per step on average
    ("sinusoidal_gamma_generator", {"rate": 100000.0}),               # hazard 10: a spike every active step
]


def windows():
    out = []
    for model, base in WINDOW_CASES:
        for start, stop, origin, d, other in [(0.0, 5.0, 0.0, 1.0, None), (2.0, 5.0, 0.0, 0.1, None),
                                              (2.0, 5.0, 1.0, 1.5, None), (1.0, 3.0, 0.5, 2.0, 0.5)]:
            params = dict(base, start=start, stop=stop, origin=origin)
            _, t = parrot_run(model, params, 4, 12.0, d, 5, other)
            out.append({"model": model, "params": params, "delay": d, "other_delay": other, "targets": 4,
                        "first_ms": round(float(t.min()), 6), "last_ms": round(float(t.max()), 6),
                        "spikes": int(len(t))})
    return out


def per_target_steps(s, t, n, delay):
    k = step_of(t, delay)
    return [np.sort(k[s == i]) for i in range(n)]


def isi_histogram(trains, bin_steps, bins):
    isi = np.concatenate([np.diff(x) for x in trains])
    h = np.bincount(np.minimum(isi // bin_steps, bins), minlength=bins + 1)
    return isi, h.tolist()


def fano(trains, steps, window_steps):
    counts = []
    for x in trains:
        c = np.bincount(x // window_steps, minlength=steps // window_steps)[: steps // window_steps]
        counts.append(c)
    c = np.concatenate(counts)
    return float(c.var() / c.mean())


def single_train_stats(model, params, n, t_sim, seed, isi_bin_steps, isi_bins, fano_window_ms):
    d = 1.0
    s, t = parrot_run(model, params, n, t_sim, d, seed)
    trains = per_target_steps(s, t, n, d)
    steps = int(round(t_sim / DT))
    isi, hist = isi_histogram(trains, isi_bin_steps, isi_bins)
    first = np.array([x[0] for x in trains if len(x) > 0])
    return {"params": params, "delay": d, "n": n, "t_sim_ms": t_sim, "seed": seed,
            "rate_hz": float(len(t) / n / (t_sim * 1e-3)),
            "isi_cv2": float(isi.var() / isi.mean() ** 2), "isi_min_steps": int(isi.min()),
            "isi_bin_steps": isi_bin_steps, "isi_hist": hist,
            "first_step_mean": float(first.mean()), "first_step_sd": float(first.std()),
            "fano_window_ms": fano_window_ms, "fano": fano(trains, steps, int(round(fano_window_ms / DT)))}


def superposition_stats(model, params, n, t_sim, seed, fano_window_ms, period_ms=None, profile_bins=None):
    d = 1.0
    s, t = parrot_run(model, params, n, t_sim, d, seed)
    trains = per_target_steps(s, t, n, d)
    steps = int(round(t_sim / DT))
    out = {"params": params, "delay": d, "n": n, "t_sim_ms": t_sim, "seed": seed,
           "rate_hz": float(len(t) / n / (t_sim * 1e-3)), "fano_window_ms": fano_window_ms,
           "fano": fano(trains, steps, int(round(fano_window_ms / DT)))}
    if period_ms is not None:
        out.update(profile(np.concatenate(trains), period_ms, profile_bins))
    return out


def profile(steps_all, period_ms, bins):
    """Spikes per phase bin of the generator step k (time k h) over the modulation period."""
    period_steps = int(round(period_ms / DT))
    phase = steps_all % period_steps
    h = np.bincount(phase * bins // period_steps, minlength=bins)
    return {"period_ms": period_ms, "profile": h.tolist()}


def statistics():
    out = {}
    out["gamma_single"] = single_train_stats("gamma_sup_generator", {"rate": 50.0, "gamma_shape": 4, "n_proc": 1},
                                             200, 5000.0, 21, 20, 50, 500.0)
    out["gamma_sup"] = superposition_stats("gamma_sup_generator", {"rate": 20.0, "gamma_shape": 3, "n_proc": 100},
                                           50, 5000.0, 22, 200.0)
    out["ppd_single"] = single_train_stats("ppd_sup_generator", {"rate": 50.0, "dead_time": 5.0, "n_proc": 1},
                                           200, 5000.0, 23, 20, 50, 500.0)
    out["ppd_sup"] = superposition_stats("ppd_sup_generator", {"rate": 100.0, "dead_time": 4.0, "n_proc": 50},
                                         50, 5000.0, 24, 200.0)
    out["ppd_modulated"] = superposition_stats(
        "ppd_sup_generator", {"rate": 30.0, "dead_time": 3.0, "n_proc": 200, "frequency": 20.0,
                              "relative_amplitude": 0.5}, 100, 2000.0, 25, 200.0, 50.0, 25)
    out["ps_dead"] = single_train_stats("poisson_generator_ps", {"rate": 100.0, "dead_time": 3.0}, 200, 5000.0, 26,
                                        10, 60, 500.0)
    out["ps_plain"] = single_train_stats("poisson_generator_ps", {"rate": 400.0}, 100, 2000.0, 27, 5, 60, 200.0)
    p = {"rate": 100.0, "amplitude": 50.0, "frequency": 10.0, "phase": 45.0, "order": 3.0}
    sg = single_train_stats("sinusoidal_gamma_generator", p, 200, 3000.0, 28, 20, 50, 500.0)
    s, t = parrot_run("sinusoidal_gamma_generator", p, 200, 3000.0, 1.0, 28)
    # the hazard is evaluated at the stamp (k + 1) h: profile over the stamps
    sg.update(profile(np.round((t - 1.0) / DT).astype(int), 100.0, 20))
    out["sinusoidal_gamma"] = sg
    # individual_spike_trains false: one train for all targets
    p2 = {"rate": 200.0, "amplitude": 100.0, "frequency": 5.0, "order": 2.0}
    s, t = parrot_run("sinusoidal_gamma_generator", p2, 4, 1000.0, 1.0, 29, shared=True)
    same = all(np.array_equal(t[s == 0], t[s == i]) for i in range(1, 4))
    out["sinusoidal_gamma_shared"] = {"params": p2, "n": 4, "t_sim_ms": 1000.0, "same_train_for_all_targets": bool(same),
                                      "spikes_per_target": int(np.sum(s == 0))}
    # NEST's hazard is 0/0 (NaN, never a spike) once exp(-Lambda) underflows: here Lambda = 1000 at the start
    p3 = {"rate": 1000.0, "start": 1000.0}
    s, t = parrot_run("sinusoidal_gamma_generator", p3, 2, 1100.0, 1.0, 30)
    out["sinusoidal_gamma_late_start"] = {"params": p3, "n": 2, "t_sim_ms": 1100.0, "nest_spikes": int(len(t))}
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_path = os.path.normpath(os.path.join(here, "..", "..", "tests", "reference", "nest_generator_sources.json"))
    nest.set_verbosity("M_ERROR")
    data = {"nest_version": nest.__version__, "resolution_ms": DT, "windows": windows(), "statistics": statistics()}
    with open(out_path, "w") as f:
        json.dump(data, f, indent=1)
    print("wrote", out_path, file=sys.stderr)


if __name__ == "__main__":
    main()
