#!/usr/bin/python3
"""COBA-2005 and COBAHH in Brian2 C++ standalone mode: the peer that volley's CPU backend is timed against.

The networks are the ones defined in shared/benchmarks.md and in examples/coba.json, examples/cobahh.json:
N = 4000*s neurons, the first 80 % excitatory, each neuron projecting to exactly 80 distinct random targets
(no autapses), exponential conductances, one-step delay. COBA (--benchmark coba): LIF cells with a constant
200 pA drive. COBAHH (--benchmark cobahh): Traub-Miles HH cells (Brian2's own COBAHH example: exponential Euler,
a spike is the upward crossing of -20 mV), no drive, initial V ~ N(-65 mV, 5 mV).
Connectivity and initial V are drawn with numpy and handed to Brian as arrays, so Brian's own
random number generation plays no part in the timed loop.

Prints one JSON line with the keys of `volley run --summary-json` plus Brian-specific ones:
  codegen_s  Python side: building the objects, code generation, writing the project
  compile_s  `make` of the generated project
  build_s    codegen_s + compile_s (volley's build_s is network construction; Brian's
             construction from the static arrays happens inside the binary before the run loop)
  binary_s   wall time of the whole `main` binary (loading arrays + run loop + writing results)
  run_s      the simulation loop alone, as measured by the generated code (device._last_run_time)

Runs with Debian's python3-brian (/usr/bin/python3); the pyenv python3 on these machines has no brian2.
"""
import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np

# One neuron, fixed by the benchmark (shared/benchmarks.md, COBA-2005).
N_PER_SCALE = 4000
EXC_FRACTION = 0.8
OUTDEGREE = 80


def parse_quantity_ms(text):
    """'1 s' / '500 ms' / '1000' -> milliseconds (float)."""
    parts = text.strip().split()
    value = float(parts[0])
    unit = parts[1] if len(parts) > 1 else "ms"
    factors = {"ms": 1.0, "s": 1000.0, "us": 1e-3}
    if unit not in factors:
        raise SystemExit(f"--duration: unit '{unit}' not understood in '{text}' (use ms or s)")
    return value * factors[unit]


def fixed_outdegree_targets(rng, n, k):
    """Return an (n, k) int array: row i holds k distinct targets in [0, n), none equal to i.

    Rows are drawn with replacement and the rows that contain a repeat are redrawn until none
    does; this is exact sampling without replacement per row (rejection), vectorised over rows.
    """
    if k > n - 1:
        raise ValueError(f"out-degree {k} needs at least {k + 1} neurons, got {n}")
    sources = np.arange(n)
    targets = np.empty((n, k), dtype=np.int64)
    todo = sources
    while todo.size:
        draw = rng.integers(0, n - 1, size=(todo.size, k))
        draw += draw >= todo[:, None]  # skip the source itself: no autapses
        s = np.sort(draw, axis=1)
        ok = ~(s[:, 1:] == s[:, :-1]).any(axis=1)
        targets[todo[ok]] = draw[ok]
        todo = todo[~ok]
    return targets


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchmark", choices=["coba", "cobahh"], default="coba")
    ap.add_argument("--scale", type=float, default=1.0, help="N = 4000*scale (default 1)")
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (1 = no OpenMP, as Brian's default)")
    ap.add_argument("--duration", default="1 s", help="biological time, e.g. '1 s' or '500 ms'")
    ap.add_argument("--seed", type=int, default=1, help="numpy seed for connectivity and initial V")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the compiled binary this many times; run_s is the median (all in run_s_all)")
    ap.add_argument("--dir", default=None, help="project directory (default: a temporary one, removed after)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary project directory")
    args = ap.parse_args()

    t_start = time.perf_counter()
    # Debian's pythran (imported by brian2) warns about numpy aliases on import; not ours to fix.
    warnings.filterwarnings("ignore", category=FutureWarning)
    import brian2 as b2
    from brian2 import ms, mV, nS, pF, pA

    n = int(round(N_PER_SCALE * args.scale))
    n_exc = int(round(EXC_FRACTION * n))
    duration_ms = parse_quantity_ms(args.duration)
    workdir = args.dir or tempfile.mkdtemp(prefix=args.benchmark + "_brian2_")

    b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j", str(os.cpu_count() or 1)]
    # Measure the binary's peak RSS, not the compiler's: wrap ./main in GNU time when present.
    if os.path.exists("/usr/bin/time"):
        b2.prefs.devices.cpp_standalone.run_cmd_unix = ["/usr/bin/time", "-f", "%M", "-o", "results/maxrss_kb.txt",
                                                        "./main"]
    b2.prefs.logging.console_log_level = "WARNING"
    b2.defaultclock.dt = 0.1 * ms

    # Parameters: benchmarks.md COBA-2005. Passed as an explicit namespace, not picked up from locals.
    ns = {
        "C_m": 200 * pF, "g_L": 10 * nS, "E_L": -60 * mV, "V_th": -50 * mV, "V_reset": -60 * mV,
        "I_drive": 200 * pA, "tau_e": 5 * ms, "tau_i": 10 * ms, "E_e": 0 * mV, "E_i": -80 * mV,
        "w_e": 6 * nS, "w_i": 67 * nS,
    }
    t_ref = 5 * ms

    eqs = """
    dv/dt = (g_L*(E_L - v) + I_drive + g_e*(E_e - v) + g_i*(E_i - v)) / C_m : volt (unless refractory)
    dg_e/dt = -g_e / tau_e : siemens
    dg_i/dt = -g_i / tau_i : siemens
    """
    rng = np.random.default_rng(args.seed)
    if args.benchmark == "coba":
        # Exponential Euler: exact for g_e, g_i and for v given the conductances of the step.
        P = b2.NeuronGroup(n, eqs, threshold="v > V_th", reset="v = V_reset", refractory=t_ref,
                           method="exponential_euler", namespace=ns, name="P")
        P.v = rng.normal(-55.0, 2.0, size=n) * mV
    else:
        from brian2 import uS
        ns.update({"g_L": 10 * nS, "E_L": -60 * mV, "g_Na": 20 * uS, "g_K": 6 * uS, "E_Na": 50 * mV,
                   "E_K": -90 * mV, "V_T": -63 * mV})
        hh = """
        dv/dt = (g_L*(E_L - v) + g_e*(E_e - v) + g_i*(E_i - v) - g_Na*(m*m*m)*h*(v - E_Na)
                 - g_K*(n_K*n_K*n_K*n_K)*(v - E_K)) / C_m : volt
        dm/dt = alpha_m*(1 - m) - beta_m*m : 1
        dn_K/dt = alpha_n*(1 - n_K) - beta_n*n_K : 1  # n_K: the script's n is the neuron count
        dh/dt = alpha_h*(1 - h) - beta_h*h : 1
        dg_e/dt = -g_e / tau_e : siemens
        dg_i/dt = -g_i / tau_i : siemens
        alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV - v + V_T)/(4*mV))/ms : Hz
        beta_m = 0.28*(mV**-1)*5*mV/exprel((v - V_T - 40*mV)/(5*mV))/ms : Hz
        alpha_h = 0.128*exp((17*mV - v + V_T)/(18*mV))/ms : Hz
        beta_h = 4./(1 + exp((40*mV - v + V_T)/(5*mV)))/ms : Hz
        alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV - v + V_T)/(5*mV))/ms : Hz
        beta_n = 0.5*exp((10*mV - v + V_T)/(40*mV))/ms : Hz
        """
        P = b2.NeuronGroup(n, hh, threshold="v > -20*mV", refractory="v > -20*mV", method="exponential_euler",
                           namespace=ns, name="P")
        P.v = rng.normal(-65.0, 5.0, size=n) * mV
    P.g_e = 0 * nS
    P.g_i = 0 * nS

    targets = fixed_outdegree_targets(rng, n, OUTDEGREE)
    pre = np.repeat(np.arange(n), OUTDEGREE)
    post = targets.reshape(-1)
    exc = pre < n_exc
    Se = b2.Synapses(P, P, on_pre="g_e_post += w_e", delay=b2.defaultclock.dt, namespace=ns, name="Se")
    Se.connect(i=pre[exc], j=post[exc])
    Si = b2.Synapses(P, P, on_pre="g_i_post += w_i", delay=b2.defaultclock.dt, namespace=ns, name="Si")
    Si.connect(i=pre[~exc], j=post[~exc])
    # Counts only (record=False): no per-spike storage in the timed loop, as `volley --no-record`.
    mon = b2.SpikeMonitor(P, record=False, name="spikes")

    b2.run(duration_ms * ms)
    b2.device.build(directory=workdir, compile=True, run=True, with_output=False)
    t_after_build = time.perf_counter()

    timers = b2.device.timers
    compile_s = (timers["compile"].get("make") or 0.0) + (timers["compile"].get("clean") or 0.0)
    binary_s = timers.get("run_binary") or 0.0
    codegen_s = (t_after_build - t_start) - compile_s - binary_s
    run_s_all = [float(b2.device._last_run_time)]
    binary_s_all = [binary_s]
    for _ in range(args.repeat - 1):
        b2.device.run(workdir, False, [])
        run_s_all.append(float(b2.device._last_run_time))
        binary_s_all.append(b2.device.timers["run_binary"])
    run_s = float(np.median(run_s_all))
    binary_s = float(np.median(binary_s_all))

    counts = np.asarray(mon.count[:])
    spikes = int(counts.sum())
    dur_s = duration_ms / 1000.0
    spikes_e, spikes_i = int(counts[:n_exc].sum()), int(counts[n_exc:].sum())
    n_syn = int(len(Se) + len(Si))
    events = spikes * OUTDEGREE  # each spike of any neuron reaches exactly 80 synapses

    peak_rss_mb = None
    rss_file = os.path.join(workdir, "results", "maxrss_kb.txt")
    if os.path.exists(rss_file):
        try:
            with open(rss_file) as f:
                peak_rss_mb = float(f.read().strip().splitlines()[-1]) / 1024.0
        except (ValueError, IndexError):
            peak_rss_mb = None

    summary = {
        "simulator": "brian2",
        "brian2_version": b2.__version__,
        "backend": "cpp_standalone" + ("+openmp" if args.threads > 1 else ""),
        "threads": args.threads,
        "real": "double",
        "hardware": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "benchmark": args.benchmark,
        "scale": args.scale,
        "neurons": n,
        "synapses": n_syn,
        "dt_ms": 0.1,
        "duration_ms": duration_ms,
        "codegen_s": round(codegen_s, 4),
        "compile_s": round(compile_s, 4),
        "build_s": round(codegen_s + compile_s, 4),
        "binary_s": round(binary_s, 4),
        "run_s": round(run_s, 4),
        "run_s_all": [round(x, 4) for x in run_s_all],
        "rtf": round(run_s / dur_s, 4),
        "spikes": spikes,
        "synaptic_events": events,
        "events_per_s": round(events / run_s, 1) if run_s > 0 else None,
        "peak_rss_mb": round(peak_rss_mb, 1) if peak_rss_mb is not None else None,
        "mean_rate_hz": round(spikes / n / dur_s, 3),
        "populations": [
            {"name": "P", "size": n, "spikes": spikes, "rate_hz": round(spikes / n / dur_s, 3)},
            {"name": "P[0:%d]" % n_exc, "size": n_exc, "spikes": spikes_e,
             "rate_hz": round(spikes_e / n_exc / dur_s, 3)},
            {"name": "P[%d:%d]" % (n_exc, n), "size": n - n_exc, "spikes": spikes_i,
             "rate_hz": round(spikes_i / (n - n_exc) / dur_s, 3)},
        ],
        "seed": args.seed,
    }
    print(json.dumps(summary))
    if args.dir is None and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    elif args.keep:
        print(f"project kept in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
