#!/usr/bin/env python3
"""Write volley network specs for the benchmarks of shared/benchmarks.md: COBA, CUBA (any scale) and PD14.

    tools/make_spec.py coba --scale 4 --duration "1 s" -o spec.json
    tools/make_spec.py cuba --scale 1 -o examples/cuba.json
    tools/make_spec.py pd14 --background poisson|dc --duration "1 s" -o examples/pd14.json

Without -o the spec goes to stdout. Only the standard library is used, so the script also serves as a module:
bench/run_cpu.py imports coba_spec / cuba_spec / pd14_spec and the parameter tables below.

Choices that the benchmark text leaves open, stated here once:
- COBA/CUBA fixed out-degree: 80 distinct targets per source drawn from all N neurons, no autapses, no
  multapses (allow_autapses/allow_multapses false; the Brian2 peer in bench/brian2 draws the same way).
- PD14 synapse count per projection: K = ln(1 - C) / ln(1 - 1/(N_pre N_post)), rounded half up to an integer
  (floor(K + 0.5)); projections with C = 0 are left out. Both logarithms are taken with log1p, so the tiny
  1/(N_pre N_post) loses no precision. Multapses and autapses allowed.
- PD14 weights: Normal(mean, 0.1 |mean|), redrawn outside [0, inf) for excitatory and (-inf, 0] for
  inhibitory sources (the "low"/"high" redraw bounds); L4E -> L23E mean (and so SD) doubled.
- PD14 delays: Normal, redrawn below dt = 0.1 ms; the simulator rounds them to steps.
- PD14 DC background: 8 Hz * K_ext * 87.8 pA * 0.5 ms written unrounded (561.92 pA for L23E, not 562).
"""
import argparse
import json
import math
import sys

DT = "0.1 ms"

# ---- COBA / CUBA (Brette et al. 2007 benchmarks 1 and 2) -------------------------------------------------
N_PER_SCALE = 4000
EXC_FRACTION = 0.8
OUTDEGREE = 80

# ---- PD14 (Potjans & Diesmann 2014) --------------------------------------------------------------------
PD14_POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
PD14_N = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
# C[target][source], order as PD14_POPS.
PD14_C = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443],
]
PD14_K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
PD14_V0_MEAN = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]  # mV
PD14_V0_SD = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]  # mV
PD14_W = 87.8  # pA, PSC amplitude of an excitatory synapse (PSP 0.15 mV)
PD14_G = -4.0  # inhibitory weight = G * PD14_W
PD14_W_REL_SD = 0.1
PD14_BG_RATE = 8.0  # Hz per external input
PD14_TAU_SYN = 0.5  # ms, used for the DC equivalent of the Poisson background
PD14_DELAY = {"E": (1.5, 0.75), "I": (0.75, 0.375)}  # ms, mean and SD by source type
PD14_PARAMS = {"C_m": "250 pF", "tau_m": "10 ms", "tau_syn_ex": "0.5 ms", "tau_syn_in": "0.5 ms",
               "E_L": "-65 mV", "V_th": "-50 mV", "V_reset": "-65 mV", "t_ref": "2 ms"}
PD14_V_NAME = "V_m"  # iaf_psc_exp's membrane state, as in NEST and models/iaf_psc_exp.hpp


def num(x):
    """A float as the shortest clean decimal: 351.2, not 351.19999999999993."""
    x = round(float(x), 9)
    if x == 0:
        x = 0.0  # no "-0"
    return format(x, ".10g")


def q(x, unit):
    return f"{num(x)} {unit}"


def population_counts(scale):
    n = int(round(N_PER_SCALE * scale))
    n_exc = int(round(EXC_FRACTION * n))
    if n < OUTDEGREE + 1 or n_exc < 1 or n_exc >= n:
        raise SystemExit(f"--scale {scale} gives N = {n}, too small for {OUTDEGREE} distinct targets per neuron")
    return n, n_exc


def _outdegree_rule():
    return {"kind": "fixed_outdegree", "outdegree": OUTDEGREE, "allow_autapses": False, "allow_multapses": False}


def _two_pool_spec(name, scale, duration, seed, record, params, initial, output, receptor_params, weights, inputs):
    """COBA and CUBA share one layout: one LIFRef population P, the first 80 % excitatory, each neuron 80 targets."""
    n, n_exc = population_counts(scale)
    spec = {
        "name": f"{name}, scale {num(scale)}",
        "dt": DT,
        "duration": duration,
        "seed": seed,
        "populations": [{
            "name": "P",
            "model": "LIFRef",
            "size": n,
            "params": dict(params, tau="20 ms", tau_ref="5 ms", spk_reset="hard"),
            "initial": {"V": initial},
            "receptors": [
                {"name": "exc", "synapse": "Expon", "output": output, "params": receptor_params[0]},
                {"name": "inh", "synapse": "Expon", "output": output, "params": receptor_params[1]},
            ],
        }],
        "projections": [
            {"name": "E->P", "source": f"P[0:{n_exc}]", "target": "P", "receptor": "exc",
             "rule": _outdegree_rule(), "weight": weights[0], "delay": DT},
            {"name": "I->P", "source": f"P[{n_exc}:{n}]", "target": "P", "receptor": "inh",
             "rule": _outdegree_rule(), "weight": weights[1], "delay": DT},
        ],
        "inputs": inputs,
    }
    if record:
        spec["record"] = {"spikes": ["P"]}
    return spec


def coba_spec(scale=1, duration="1 s", seed=1, record=True):
    return _two_pool_spec(
        "COBA-2005 (Vogels & Abbott 2005; Brette et al. 2007 benchmark 1)", scale, duration, seed, record,
        params={"V_rest": "-60 mV", "V_reset": "-60 mV", "V_th": "-50 mV", "R": "100 Mohm"},
        initial={"distribution": "normal", "mean": "-55 mV", "std": "2 mV"},
        output="COBA", receptor_params=({"tau": "5 ms", "E": "0 mV"}, {"tau": "10 ms", "E": "-80 mV"}),
        weights=("6 nS", "67 nS"),
        inputs=[{"kind": "constant_current", "target": "P", "amplitude": "200 pA"}])


def cuba_spec(scale=1, duration="1 s", seed=1, record=True):
    """CUBA: the current variable through R = 1 GOhm turns the 1.62 pA / -9 pA jumps into 1.62 mV / -9 mV."""
    return _two_pool_spec(
        "CUBA-2005 (Brette et al. 2007 benchmark 2)", scale, duration, seed, record,
        params={"V_rest": "-49 mV", "V_reset": "-60 mV", "V_th": "-50 mV", "R": "1 Gohm"},
        initial={"distribution": "uniform", "low": "-60 mV", "high": "-50 mV"},
        output="CUBA", receptor_params=({"tau": "5 ms"}, {"tau": "10 ms"}),
        weights=("1.62 pA", "-9 pA"), inputs=[])


def cobahh_spec(scale=1, duration="1 s", seed=1, record=True):
    """COBAHH: COBA's network and synapses on Traub-Miles HH cells (defaults = the benchmark's values), no drive."""
    spec = _two_pool_spec(
        "COBAHH (Brette et al. 2007 benchmark 3)", scale, duration, seed, record, params={},
        initial={"distribution": "normal", "mean": "-65 mV", "std": "5 mV"},
        output="COBA", receptor_params=({"tau": "5 ms", "E": "0 mV"}, {"tau": "10 ms", "E": "-80 mV"}),
        weights=("6 nS", "67 nS"), inputs=[])
    pop = spec["populations"][0]
    pop["model"] = "TraubMilesHH"
    pop["params"] = {"C": "200 pF", "gL": "10 nS", "EL": "-60 mV", "gNa": "20 uS", "ENa": "50 mV", "gK": "6 uS",
                     "EK": "-90 mV", "V_T": "-63 mV", "V_th": "-20 mV"}
    return spec


def pd14_synapse_count(c, n_pre, n_post):
    """K = ln(1 - C) / ln(1 - 1/(N_pre N_post)), rounded half up."""
    if c <= 0:
        return 0
    k = math.log1p(-c) / math.log1p(-1.0 / (n_pre * n_post))
    return int(math.floor(k + 0.5))


def pd14_dc_amplitudes():
    """pA: 8 Hz * K_ext * 87.8 pA * 0.5 ms."""
    return [PD14_BG_RATE * k * PD14_W * PD14_TAU_SYN * 1e-3 for k in PD14_K_EXT]


def pd14_spec(background="poisson", duration="1 s", seed=1, record=True):
    if background not in ("poisson", "dc"):
        raise SystemExit(f"--background must be poisson or dc, got '{background}'")
    populations = []
    for name, n, m, sd in zip(PD14_POPS, PD14_N, PD14_V0_MEAN, PD14_V0_SD):
        populations.append({
            "name": name, "model": "iaf_psc_exp", "size": n, "params": dict(PD14_PARAMS),
            "initial": {PD14_V_NAME: {"distribution": "normal", "mean": q(m, "mV"), "std": q(sd, "mV")}},
        })
    projections = []
    for t, target in enumerate(PD14_POPS):
        for s, source in enumerate(PD14_POPS):
            k = pd14_synapse_count(PD14_C[t][s], PD14_N[s], PD14_N[t])
            if k == 0:
                continue
            exc = source.endswith("E")
            w = PD14_W if exc else PD14_G * PD14_W
            if source == "L4E" and target == "L23E":
                w *= 2.0
            weight = {"distribution": "normal", "mean": q(w, "pA"), "std": q(abs(w) * PD14_W_REL_SD, "pA")}
            weight["low" if exc else "high"] = "0 pA"
            d_mean, d_sd = PD14_DELAY["E" if exc else "I"]
            delay = {"distribution": "normal", "mean": q(d_mean, "ms"), "std": q(d_sd, "ms"), "low": DT}
            # No "receptor": the sign of the weight routes to iaf_psc_exp's ex/in port, as in NEST.
            projections.append({
                "name": f"{source}->{target}", "source": source, "target": target,
                "rule": {"kind": "fixed_total_number", "count": k, "allow_autapses": True, "allow_multapses": True},
                "weight": weight, "delay": delay,
            })
    if background == "poisson":
        inputs = [{"kind": "poisson", "target": p, "rate": q(PD14_BG_RATE * k, "Hz"), "weight": q(PD14_W, "pA")}
                  for p, k in zip(PD14_POPS, PD14_K_EXT)]
        bg_text = "Poisson background, one generator per neuron at 8 Hz * K_ext, 87.8 pA"
    else:
        inputs = [{"kind": "constant_current", "target": p, "amplitude": q(a, "pA")}
                  for p, a in zip(PD14_POPS, pd14_dc_amplitudes())]
        bg_text = "DC background 8 Hz * K_ext * 87.8 pA * 0.5 ms"
    spec = {
        "name": f"PD14 cortical microcircuit (Potjans & Diesmann 2014), full scale, {bg_text}",
        "dt": DT,
        "duration": duration,
        "seed": seed,
        "populations": populations,
        "projections": projections,
        "inputs": inputs,
    }
    if record:
        spec["record"] = {"spikes": list(PD14_POPS)}
    return spec


def spec_summary(spec):
    """Neurons and (expected) synapse counts of a spec written by this module, for reports."""
    sizes = {p["name"]: p["size"] for p in spec["populations"]}
    n_syn = 0
    for pr in spec["projections"]:
        rule = pr["rule"]
        if rule["kind"] == "fixed_total_number":
            n_syn += rule["count"]
        elif rule["kind"] == "fixed_outdegree":
            src = pr["source"]
            if "[" in src:
                a, b = src[src.index("[") + 1:-1].split(":")
                n_src = int(b) - int(a)
            else:
                n_src = sizes[src]
            n_syn += n_src * rule["outdegree"]
    return {"neurons": sum(sizes.values()), "synapses": n_syn}


def _block(v):
    """A list of objects (receptors) one per line, anything else on one line."""
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        items = ",\n".join("        " + json.dumps(x, separators=(", ", ": ")) for x in v)
        return "[\n" + items + "\n      ]"
    return json.dumps(v, separators=(", ", ": "))


def dumps(spec):
    """JSON with one line per projection / input / population param block, close to examples/coba.json."""
    compact = lambda v: json.dumps(v, separators=(", ", ": "))  # noqa: E731
    lines = ["{"]
    keys = list(spec.keys())
    for i, key in enumerate(keys):
        value = spec[key]
        end = "," if i < len(keys) - 1 else ""
        if key in ("projections", "inputs", "populations") and isinstance(value, list) and value:
            lines.append(f'  "{key}": [')
            for j, item in enumerate(value):
                sep = "," if j < len(value) - 1 else ""
                if key == "populations":
                    body = ",\n".join(f'      "{k}": {_block(v)}' for k, v in item.items())
                    lines.append("    {\n" + body + "\n    }" + sep)
                else:
                    lines.append(f"    {compact(item)}{sep}")
            lines.append(f"  ]{end}")
        else:
            lines.append(f'  "{key}": {compact(value)}{end}')
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == spec  # the layout must not change the content
    return text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("benchmark", choices=["coba", "cuba", "cobahh", "pd14"])
    ap.add_argument("--scale", type=float, default=1.0, help="coba/cuba/cobahh: N = 4000*scale (default 1)")
    ap.add_argument("--background", choices=["poisson", "dc"], default="poisson", help="pd14 background drive")
    ap.add_argument("--duration", default="1 s", help="biological time, a quantity string (default '1 s')")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-record", action="store_true", help="leave out the \"record\" section")
    ap.add_argument("-o", "--output", help="file to write (default stdout)")
    args = ap.parse_args(argv)

    record = not args.no_record
    if args.benchmark == "coba":
        spec = coba_spec(args.scale, args.duration, args.seed, record)
    elif args.benchmark == "cuba":
        spec = cuba_spec(args.scale, args.duration, args.seed, record)
    elif args.benchmark == "cobahh":
        spec = cobahh_spec(args.scale, args.duration, args.seed, record)
    else:
        if args.scale != 1.0:
            raise SystemExit("pd14 is written at full scale only (--scale is for coba/cuba)")
        spec = pd14_spec(args.background, args.duration, args.seed, record)
    text = dumps(spec)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
        info = spec_summary(spec)
        print(f"wrote {args.output}: {info['neurons']} neurons, {info['synapses']} synapses", file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
