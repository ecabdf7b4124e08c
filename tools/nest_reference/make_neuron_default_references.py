#!/usr/bin/env python3
"""NEST 3.10's defaults of every neuron model the NEST layer offers (tests/test_nest_defaults.cpp): writes
tests/reference/nest_neuron_defaults.json with each model's numeric defaults (numbers, and lists of numbers) as
GetStatus reports them on a fresh node at resolution 0.1 ms.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_neuron_default_references.py build/volley

The model names are read from `volley models --json` (family "nest", excluding volley's hidden helpers); NEST's
devices are not included (their defaults are checked in the device tests).
"""
import json
import math
import os
import subprocess
import sys

from make_detector_references import quiet_nest


def main():
    volley = sys.argv[1] if len(sys.argv) > 1 else "build/volley"
    catalog = json.loads(subprocess.run([volley, "models", "--json"], check=True, capture_output=True, text=True).stdout)
    names = [m["name"] for m in catalog["neurons"] if m.get("family") == "nest"]
    nest = quiet_nest()
    out = {"nest_version": nest.__version__, "resolution": 0.1, "models": {}}
    for name in names:
        nest.ResetKernel()
        nest.resolution = 0.1
        if name not in nest.node_models:
            continue  # volley's own helper populations (rate_source ...)
        node = nest.Create(name)
        status = node.get()
        values = {}
        for key, v in status.items():
            if isinstance(v, bool) or key in ("global_id", "local_id", "thread", "vp", "node_uses_wfr", "frozen",
                                               "local", "model_id", "element_type", "thread_local_id"):
                continue
            if isinstance(v, (int, float)) and math.isfinite(v):
                values[key] = float(v)
            elif hasattr(v, "__len__") and not isinstance(v, (str, dict)) and len(v) and all(
                    isinstance(x, (int, float)) and math.isfinite(x) for x in v):
                values[key] = [float(x) for x in v]
        out["models"][name] = values
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "nest_neuron_defaults.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print("wrote", path, os.path.getsize(path) // 1024, "kB,", len(out["models"]), "models")


if __name__ == "__main__":
    main()
