"""Helpers shared by the benchmark drivers: run `volley`, judge the activity, save the result document.

Only the standard library; tools/make_spec.py is imported from the repository for the specs.
"""
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
RESULTS_DIR = os.path.join(BENCH_DIR, "results")
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))
import make_spec  # noqa: E402  (tools/make_spec.py)

# Activity bands of shared/benchmarks.md, mean rate over all neurons (Hz).
RATE_BANDS = {"coba": (15.0, 30.0), "cuba": (10.0, 40.0)}
# PD14 population bands, Poisson drive (shared/benchmarks.md); used for the DC background as well, where the
# published rates are close to the Poisson ones.
PD14_BANDS = {"L23E": (0.3, 1.5), "L23I": (2.0, 4.0), "L4E": (3.0, 6.0), "L4I": (5.0, 8.0),
              "L5E": (5.0, 9.0), "L5I": (7.0, 11.0), "L6E": (0.5, 2.0), "L6I": (6.0, 9.0)}


class VolleyError(RuntimeError):
    pass


def now_stamp():
    return datetime.datetime.now().strftime("%Y-%m-%d")


def host_info():
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"hostname": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform()}


def git_commit():
    try:
        out = subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def load_average():
    """1-minute load average (recorded for the record; it lags, so busy_cores() decides the warning)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _cpu_times():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields), idle


def busy_cores(sample_s=1.0):
    """Cores kept busy by other work, measured over `sample_s` just before a run (None where /proc is absent)."""
    try:
        total0, idle0 = _cpu_times()
        time.sleep(sample_s)
        total1, idle1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return 0.0
    return round((1.0 - (idle1 - idle0) / (total1 - total0)) * (os.cpu_count() or 1), 2)


def busy_warning(busy, threads):
    """A note when other work was running: OpenMP threads spin and lose badly on an oversubscribed machine."""
    cores = os.cpu_count() or 1
    if busy is not None and busy + threads > cores + 0.25:
        return (f"machine busy before the run ({busy} cores in use by other work + {threads} threads on "
                f"{cores} cores): timing unreliable")
    return None


def resolve_volley(path):
    full = path if os.path.isabs(path) else os.path.join(REPO_ROOT, path)
    if not (os.path.isfile(full) and os.access(full, os.X_OK)):
        raise SystemExit(f"volley binary not found or not executable: {full} "
                         f"(build it with: cmake -S . -B build && cmake --build build -j2)")
    return full


def write_spec(spec, directory, name):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(make_spec.dumps(spec))
    return path


def run_volley(volley, spec_path, threads, seed=None, backend="cpu", record=False, timeout=None, extra=()):
    """Run `volley run` once and return its summary JSON, with the process's wall time added as wall_s."""
    with tempfile.TemporaryDirectory(prefix="volley_bench_") as tmp:
        summary_path = os.path.join(tmp, "summary.json")
        cmd = [volley, "run", spec_path, "--backend", backend, "--threads", str(threads),
               "--summary-json", summary_path]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        if not record:
            cmd.append("--no-record")
        else:
            cmd += ["--out", os.path.join(tmp, "out.h5")]
        cmd += list(extra)
        load_before, busy_before = load_average(), busy_cores()
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise VolleyError(f"timed out after {timeout} s: {' '.join(cmd)}") from e
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout or "").strip()[-2000:]
            raise VolleyError(f"exit code {proc.returncode}: {' '.join(cmd)}\n{tail}")
        try:
            with open(summary_path) as f:
                summary = json.load(f)
        except (OSError, ValueError) as e:
            raise VolleyError(f"no readable --summary-json from: {' '.join(cmd)} ({e})") from e
    summary["wall_s"] = round(wall, 4)
    summary["load_avg_1m_before"] = load_before
    summary["busy_cores_before"] = busy_before
    # The command as one would retype it (temporary files left out).
    shown = ["volley", "run", os.path.basename(spec_path), "--backend", backend, "--threads", str(threads)]
    shown += (["--seed", str(seed)] if seed is not None else []) + ([] if record else ["--no-record"]) + list(extra)
    summary["command"] = " ".join(shown)
    return summary


def repeat_volley(volley, spec_path, threads, repeat, **kw):
    """Run `repeat` times; return the summary of the run with the median run_s, plus all run times."""
    runs = [run_volley(volley, spec_path, threads, **kw) for _ in range(max(1, repeat))]
    times = [r["run_s"] for r in runs]
    med = statistics.median_low(times)
    chosen = dict(runs[times.index(med)])
    chosen["run_s_all"] = times
    return chosen


def mean_rate_hz(summary):
    dur_s = summary["duration_ms"] / 1000.0
    return summary["spikes"] / summary["neurons"] / dur_s if summary["neurons"] and dur_s > 0 else float("nan")


def judge_rates(benchmark, summary):
    """Add mean_rate_hz, band and rate_in_band (and per-population verdicts for PD14) to a summary."""
    summary["mean_rate_hz"] = round(mean_rate_hz(summary), 4)
    if benchmark == "pd14":
        ok = True
        for pop in summary.get("populations", []):
            band = PD14_BANDS.get(pop["name"])
            if band is None:
                continue
            pop["band_hz"] = list(band)
            pop["in_band"] = band[0] <= pop["rate_hz"] <= band[1]
            ok = ok and pop["in_band"]
        summary["band_hz"] = "per population, see populations[].band_hz"
        summary["rate_in_band"] = ok and bool(summary.get("populations"))
    elif benchmark in RATE_BANDS:
        lo, hi = RATE_BANDS[benchmark]
        summary["band_hz"] = [lo, hi]
        summary["rate_in_band"] = lo <= summary["mean_rate_hz"] <= hi
    else:  # no published band (COBAHH)
        summary["band_hz"] = None
        summary["rate_in_band"] = None
    return summary


def save_document(doc, prefix):
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, f"{prefix}-{socket.gethostname()}-{now_stamp()}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return path
