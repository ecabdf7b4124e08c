#!/usr/bin/env python3
"""NEST 3.10 references for cont_delay_synapse in volley's NEST layer (host/nest_cont_delay.cpp): a layer script run
in NEST, the multimeter traces and spikes kept; tests/test_nest_astro.cpp (NestContDelay) replays it.

    /tmp/nestvenv/bin/python tools/nest_reference/make_cont_delay_references.py [--out-dir tests/reference]

writes cont_delay_synapse.json (case cont_delay, 150 ms, every step): a spike_generator (Poisson times, 60 Hz,
numpy seed 11) -> parrot_neuron -> targets through copies of cont_delay_synapse with the default delays 1.25 ms
(off the grid), 1.5 ms (on it) and 0.3 ms (0.3 / 0.1 = 2.9999999999999996 in double: NEST keeps an offset of
4e-17 ms) and through cont_delay_synapse with 1.26 ms in Connect's syn_spec (rounded to 1.3 ms):
  iaf_psc_alpha     (grid target: 1.25 -> 13 steps, 1.26 -> 13 steps)
  iaf_psc_exp_ps    (precise target, I_e 370 pA: 1.5 and 0.3)
  iaf_psc_alpha_ps  (precise target, I_e 370 pA: 1.5 and 0.3, one negative weight)
  iaf_psc_exp_ps (I_e 400 pA, a precise sender) -> iaf_psc_alpha (0.3 and 1.5)
Case format as make_astro_references.py, plus "copy_models": [[existing, name, params]].
"""
import argparse
import json
import os
import sys

import nest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_astro_references import poisson_times, run  # noqa: E402

H = 0.1


def cont_delay_case():
    t_sim = 150.0
    ps = {"I_e": 370.0}
    return {
        "name": "cont_delay", "resolution": H, "t_sim": t_sim, "interval": H,
        "copy_models": [["cont_delay_synapse", "cd_125", {"delay": 1.25}],
                        ["cont_delay_synapse", "cd_15", {"delay": 1.5}],
                        ["cont_delay_synapse", "cd_03", {"delay": 0.3}]],
        "nodes": [
            {"model": "spike_generator", "n": 1, "params": {"spike_times": poisson_times(60.0, t_sim, 11)}},
            {"model": "parrot_neuron", "n": 1, "params": {}},
            {"model": "iaf_psc_alpha", "n": 1, "params": {}},
            {"model": "iaf_psc_exp_ps", "n": 1, "params": ps},
            {"model": "iaf_psc_alpha_ps", "n": 1, "params": ps},
            {"model": "iaf_psc_exp_ps", "n": 1, "params": {"I_e": 400.0}},
            {"model": "iaf_psc_alpha", "n": 1, "params": {}},
        ],
        "connections": [
            {"pre": 0, "post": 1, "syn_spec": {"weight": 1.0, "delay": 1.0}},
            {"pre": 1, "post": 2, "syn_spec": {"synapse_model": "cd_125", "weight": 300.0}},
            {"pre": 1, "post": 2, "syn_spec": {"synapse_model": "cont_delay_synapse", "weight": -200.0,
                                               "delay": 1.26}},
            {"pre": 1, "post": 3, "syn_spec": {"synapse_model": "cd_15", "weight": 400.0}},
            {"pre": 1, "post": 3, "syn_spec": {"synapse_model": "cd_03", "weight": 200.0}},
            {"pre": 1, "post": 4, "syn_spec": {"synapse_model": "cd_15", "weight": 300.0}},
            {"pre": 1, "post": 4, "syn_spec": {"synapse_model": "cd_03", "weight": -100.0}},
            {"pre": 5, "post": 6, "syn_spec": {"synapse_model": "cd_03", "weight": 300.0}},
            {"pre": 5, "post": 6, "syn_spec": {"synapse_model": "cd_15", "weight": 200.0}},
        ],
        "record": {str(i): ["V_m"] for i in (2, 3, 4, 6)},
        "spike_nodes": [3, 4, 5, 6],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference"))
    args = ap.parse_args()
    nest.set_verbosity("M_ERROR")
    out = {"generator": "tools/nest_reference/make_cont_delay_references.py", "nest_version": nest.__version__,
           "model": "cont_delay_synapse", "cases": [run(cont_delay_case())]}
    path = os.path.join(args.out_dir, "cont_delay_synapse.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
