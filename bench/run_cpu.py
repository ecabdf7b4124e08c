#!/usr/bin/env python3
"""Benchmark of volley: COBA at several scales and the PD14 microcircuit (shared/benchmarks.md), on the CPU
(default) or the GPU (--backend gpu: results go to bench/results/gpu-<hostname>-<date>.json).

    bench/run_cpu.py [--volley build/volley] [--backend cpu|gpu] [--threads N] [--scales 1,2,4,10,25,100] [--duration "1 s"]
                     [--cuba-scales 1,4] [--cobahh-scales 1,4] [--pd14-background poisson|dc] [--pd14-duration "1 s"] [--no-pd14]
                     [--repeat R]

Every spec is written by tools/make_spec.py into a temporary folder and run as
`volley run SPEC --backend B --threads N --seed S --no-record --summary-json ...` (no spike recording in
timed runs). Each run's summary is kept whole and gets the benchmark, the scale, the spec's parameters, the
mean rate and "rate_in_band" (COBA 15-30 Hz, CUBA 10-40 Hz, PD14 every population in its published range).
The document goes to stdout and to bench/results/cpu-<hostname>-<date>.json; a table goes to stderr.
A run that fails is recorded with its error and the others go on; the exit code is 1 if any run failed.
"""
import argparse
import json
import sys
import tempfile

import common
from common import make_spec


def parse_scales(text):
    if not text:
        return []
    return [float(x) if "." in x else int(x) for x in text.split(",") if x.strip()]


def coba_parameters(scale):
    n, n_exc = make_spec.population_counts(scale)
    return {"N": n, "N_exc": n_exc, "outdegree": make_spec.OUTDEGREE, "tau_m_ms": 20, "E_L_mV": -60,
            "V_th_mV": -50, "V_reset_mV": -60, "t_ref_ms": 5, "C_m_pF": 200, "g_L_nS": 10, "I_drive_pA": 200,
            "tau_e_ms": 5, "tau_i_ms": 10, "E_e_mV": 0, "E_i_mV": -80, "w_e_nS": 6, "w_i_nS": 67,
            "delay_ms": 0.1, "V0": "Normal(-55 mV, 2 mV)", "autapses": False, "multapses": False}


def cuba_parameters(scale):
    n, n_exc = make_spec.population_counts(scale)
    return {"N": n, "N_exc": n_exc, "outdegree": make_spec.OUTDEGREE, "tau_m_ms": 20, "E_L_mV": -49,
            "V_th_mV": -50, "V_reset_mV": -60, "t_ref_ms": 5, "tau_e_ms": 5, "tau_i_ms": 10,
            "w_e": "1.62 pA through R = 1 GOhm (1.62 mV)", "w_i": "-9 pA through R = 1 GOhm (-9 mV)",
            "delay_ms": 0.1, "V0": "Uniform(-60 mV, -50 mV)", "autapses": False, "multapses": False}


def pd14_parameters(background):
    bg = ({"kind": "poisson", "rate_per_input_hz": make_spec.PD14_BG_RATE, "K_ext": make_spec.PD14_K_EXT,
           "weight_pA": make_spec.PD14_W} if background == "poisson" else
          {"kind": "dc", "amplitudes_pA": [round(a, 4) for a in make_spec.pd14_dc_amplitudes()]})
    return {"populations": dict(zip(make_spec.PD14_POPS, make_spec.PD14_N)), "neuron": "iaf_psc_exp",
            "neuron_params": make_spec.PD14_PARAMS,
            "rule": "fixed_total_number, K = ln(1-C)/ln(1-1/(Npre*Npost)) rounded half up, multapses+autapses",
            "w_exc_pA": make_spec.PD14_W, "g": make_spec.PD14_G, "w_rel_sd": make_spec.PD14_W_REL_SD,
            "L4E_to_L23E_factor": 2.0, "delay_exc_ms": list(make_spec.PD14_DELAY["E"]),
            "delay_inh_ms": list(make_spec.PD14_DELAY["I"]), "background": bg}


def table_row(r):
    if "error" in r:
        return f"{r['benchmark']:<6} {str(r.get('scale') or 'full'):>6}  FAILED: {r['error'].splitlines()[0][:90]}"
    return (f"{r['benchmark']:<6} {str(r.get('scale') or 'full'):>6} {r['neurons']:>9} {r['synapses']:>11} "
            f"{r['build_s']:>8.2f} {r['run_s']:>8.3f} {r['rtf']:>8.3f} {r['events_per_s']:>11.3e} "
            f"{r.get('peak_rss_mb') or float('nan'):>8.0f} {r['mean_rate_hz']:>7.2f} "
            f"{({True: 'yes', False: 'NO'}).get(r['rate_in_band'], '-'):>5}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--volley", default="build/volley", help="volley binary (relative paths: from the repo root)")
    ap.add_argument("--threads", type=int, default=common.os.cpu_count() or 1)
    ap.add_argument("--backend", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--scales", default="1,2,4,10,25,100", help="COBA scales, comma separated ('' for none)")
    ap.add_argument("--cuba-scales", default="", help="CUBA scales, comma separated (default none)")
    ap.add_argument("--cobahh-scales", default="", help="COBAHH scales, comma separated (default none)")
    ap.add_argument("--duration", default="1 s", help="biological time of each COBA/CUBA run")
    ap.add_argument("--no-pd14", action="store_true", help="skip PD14")
    ap.add_argument("--pd14-background", choices=["poisson", "dc"], default="poisson")
    ap.add_argument("--pd14-duration", default="1 s", help="biological time of the PD14 run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per configuration; the median run_s is kept")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed per volley run")
    ap.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    ap.add_argument("--deterministic", action="store_true",
                    help="GPU: fixed-point ring slots, the same spikes run after run (volley run --deterministic)")
    ap.add_argument("--tag", default="", help="suffix of the saved file name (e.g. 'deterministic')")
    args = ap.parse_args(argv)

    volley = common.resolve_volley(args.volley)
    jobs = ([("coba", s) for s in parse_scales(args.scales)] + [("cuba", s) for s in parse_scales(args.cuba_scales)] +
            [("cobahh", s) for s in parse_scales(args.cobahh_scales)])
    if not args.no_pd14:
        jobs.append(("pd14", None))

    runs = []
    print(f"{'bench':<6} {'scale':>6} {'neurons':>9} {'synapses':>11} {'build_s':>8} {'run_s':>8} {'RTF':>8} "
          f"{'events/s':>11} {'RSS_MB':>8} {'rate':>7} {'band':>5}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="volley_specs_") as tmp:
        for bench, scale in jobs:
            if bench == "coba":
                spec = make_spec.coba_spec(scale, args.duration, args.seed, record=False)
                params = coba_parameters(scale)
                name = f"coba-s{scale}.json"
            elif bench == "cuba":
                spec = make_spec.cuba_spec(scale, args.duration, args.seed, record=False)
                params = cuba_parameters(scale)
                name = f"cuba-s{scale}.json"
            elif bench == "cobahh":
                spec = make_spec.cobahh_spec(scale, args.duration, args.seed, record=False)
                params = {"N": make_spec.population_counts(scale)[0], "cell": "TraubMilesHH (benchmarks.md defaults)",
                          "synapses": "as COBA (6 nS / 67 nS, 5 / 10 ms, 0 / -80 mV), 80 targets",
                          "V0": "Normal(-65 mV, 5 mV)", "drive": "none"}
                name = f"cobahh-s{scale}.json"
            else:
                spec = make_spec.pd14_spec(args.pd14_background, args.pd14_duration, args.seed, record=False)
                params = pd14_parameters(args.pd14_background)
                name = f"pd14-{args.pd14_background}.json"
            path = common.write_spec(spec, tmp, name)
            entry = {"benchmark": bench, "scale": scale, "spec": {"generator": "tools/make_spec.py",
                                                                   "duration": spec["duration"],
                                                                   "dt": spec["dt"], "seed": args.seed,
                                                                   **params}}
            if bench == "pd14":
                entry["background"] = args.pd14_background
            try:
                summary = common.repeat_volley(volley, path, args.threads, args.repeat, seed=args.seed,
                                               timeout=args.timeout, backend=args.backend,
                                               extra=["--deterministic"] if args.deterministic else [])
                entry.update(common.judge_rates(bench, summary))
            except common.VolleyError as e:
                entry["error"] = str(e)
            runs.append(entry)
            print(table_row(entry), file=sys.stderr, flush=True)
            warning = common.busy_warning(entry.get("busy_cores_before"), args.threads)
            if warning:
                entry["warning"] = warning
                print(f"       ({warning})", file=sys.stderr)

    first = next((r for r in runs if "error" not in r), {})
    doc = {"tool": "bench/run_cpu.py", "date": common.now_stamp(), "host": common.host_info(),
           "git_commit": common.git_commit(), "volley": args.volley, "volley_version": first.get("volley_version"),
           "threads": args.threads, "repeat": args.repeat, "backend": args.backend,
           "deterministic": args.deterministic,
           "notes": "timed runs without spike recording; run_s is the simulation loop, build_s network "
                    "construction, both as reported by volley's --summary-json",
           "runs": runs}
    if not args.no_save:
        doc["saved_to"] = common.save_document(doc, args.backend + (f"-{args.tag}" if args.tag else ""))
    print(json.dumps(doc, indent=2))
    return 1 if any("error" in r for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
