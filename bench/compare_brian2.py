#!/usr/bin/env python3
"""volley against Brian2 (C++ standalone) on COBA-2005 or COBAHH, same scales, same threads, same machine.

    bench/compare_brian2.py [--benchmark coba|cobahh] [--volley build/volley] [--threads 2] [--scales 1,4]
                            [--duration "1 s"] [--repeat 3] [--brian-python /usr/bin/python3]

Brian2 runs bench/brian2/coba_brian2.py (code generation and compilation once, then the binary `repeat`
times); volley runs the spec of tools/make_spec.py `repeat` times. For both the median run_s (simulation loop
only) is reported. Prints a side-by-side table, then the JSON document, which is also saved to
bench/results/compare-brian2-<hostname>-<date>.json. speed-up = brian run_s / volley run_s (> 1: volley faster).
Connectivity and initial state are different random realisations of the same network in the two simulators,
so rates agree statistically, not spike for spike.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import common
from common import make_spec

BRIAN_SCRIPT = os.path.join(common.BENCH_DIR, "brian2", "coba_brian2.py")


def find_brian_python(explicit):
    """An interpreter that can import brian2: the one given, this one, or Debian's /usr/bin/python3."""
    candidates = [explicit] if explicit else [sys.executable, "/usr/bin/python3", "python3"]
    for py in candidates:
        try:
            ok = subprocess.run([py, "-W", "ignore", "-c", "import brian2"], capture_output=True, timeout=120)
        except (OSError, subprocess.SubprocessError):
            continue
        if ok.returncode == 0:
            return py
    raise SystemExit(f"no Python with brian2 among {candidates} (Debian: apt-get install python3-brian)")


def run_brian(py, benchmark, scale, threads, duration, repeat, seed, timeout):
    cmd = [py, BRIAN_SCRIPT, "--benchmark", benchmark, "--scale", str(scale), "--threads", str(threads), "--duration", duration,
           "--repeat", str(repeat), "--seed", str(seed)]
    load_before, busy_before = common.load_average(), common.busy_cores()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"Brian2 failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    result = json.loads(line)
    result["load_avg_1m_before"] = load_before
    result["busy_cores_before"] = busy_before
    return result


def fmt_row(name, r):
    if r is None or "error" in r:
        return f"  {name:<8} FAILED: {(r or {}).get('error', '').splitlines()[0][:100] if r else ''}"
    return (f"  {name:<8} {r['threads']:>3} {r['build_s']:>8.2f} {r['run_s']:>8.3f} {r['rtf']:>7.3f} "
            f"{r['events_per_s']:>11.3e} {r['mean_rate_hz']:>7.2f} {'-' if r['rate_in_band'] is None else 'yes' if r['rate_in_band'] else 'NO':>5}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchmark", choices=["coba", "cobahh"], default="coba")
    ap.add_argument("--volley", default="build/volley")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scales", default="1,4")
    ap.add_argument("--duration", default="1 s")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per simulator and scale (median kept)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--brian-python", default=None, help="Python with brian2 (default: found automatically)")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)

    volley = common.resolve_volley(args.volley)
    py = find_brian_python(args.brian_python)
    scales = [float(s) if "." in s else int(s) for s in args.scales.split(",") if s.strip()]

    pairs = []
    with tempfile.TemporaryDirectory(prefix="volley_specs_") as tmp:
        for scale in scales:
            make = make_spec.coba_spec if args.benchmark == "coba" else make_spec.cobahh_spec
            spec = make(scale, args.duration, args.seed, record=False)
            path = common.write_spec(spec, tmp, f"{args.benchmark}-s{scale}.json")
            pair = {"scale": scale}
            try:
                pair["volley"] = common.judge_rates(args.benchmark, common.repeat_volley(
                    volley, path, args.threads, args.repeat, seed=args.seed, timeout=args.timeout))
            except common.VolleyError as e:
                pair["volley"] = {"error": str(e)}
            try:
                pair["brian2"] = common.judge_rates(args.benchmark, run_brian(
                    py, args.benchmark, scale, args.threads, args.duration, args.repeat, args.seed, args.timeout))
            except (RuntimeError, subprocess.SubprocessError, ValueError, IndexError) as e:
                pair["brian2"] = {"error": str(e)}
            v, b = pair["volley"], pair["brian2"]
            if "error" not in v and "error" not in b and v["run_s"] > 0:
                pair["speedup"] = round(b["run_s"] / v["run_s"], 3)
            pairs.append(pair)

    print(f"{'COBA-2005' if args.benchmark == 'coba' else 'COBAHH'}, {args.threads} threads, {args.duration} simulated, median of {args.repeat} runs "
          f"(run_s = simulation loop; build_s = volley construction / Brian codegen+compile)")
    print(f"  {'':<8} {'thr':>3} {'build_s':>8} {'run_s':>8} {'RTF':>7} {'events/s':>11} {'rate':>7} {'band':>5}")
    for p in pairs:
        print(f"scale {p['scale']} (N = {make_spec.population_counts(p['scale'])[0]})")
        for name in ("volley", "brian2"):
            print(fmt_row(name, p[name]))
            warning = common.busy_warning(p[name].get("busy_cores_before"), args.threads)
            if warning:
                p[name]["warning"] = warning
                print(f"           ({warning})")
        if "speedup" in p:
            print(f"  speed-up (brian run_s / volley run_s) = {p['speedup']:.2f}")

    doc = {"tool": "bench/compare_brian2.py", "benchmark": args.benchmark, "date": common.now_stamp(),
           "host": common.host_info(),
           "git_commit": common.git_commit(), "threads": args.threads, "duration": args.duration,
           "repeat": args.repeat, "brian_python": py, "pairs": pairs}
    if not args.no_save:
        doc["saved_to"] = common.save_document(doc, "compare-brian2" + ("" if args.benchmark == "coba" else "-cobahh"))
    print(json.dumps(doc, indent=2))
    return 1 if any("error" in p["volley"] or "error" in p["brian2"] for p in pairs) else 0


if __name__ == "__main__":
    sys.exit(main())
