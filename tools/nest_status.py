#!/usr/bin/env python3
"""Writes docs/nest_models.md: every NEST model of the catalog (tests/data/models_nest.md, a copy of the NEST part
of ../shared/models.md) with its state in volley, decided from the tree, not by hand:

  validated      volley has the model, tests/reference/<model>.json holds NEST's traces, and a test reads them
  reference only NEST's traces are there, the model is not in volley yet
  implemented    in volley (`volley models --json`), no NEST comparison yet
  not yet        neither

    python3 tools/nest_status.py [--volley build/volley] [--out docs/nest_models.md] [--check]

--check exits 1 when the file on disk differs from what would be written (for CI or a pre-commit hook).
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_REFERENCES = {}  # model -> reference files holding several models


def catalog():
    """{section title: [names]} from tests/data/models_nest.md."""
    sections, current, after_heading = {}, None, False
    with open(os.path.join(ROOT, "tests", "data", "models_nest.md")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("<!--") or not line:
                continue
            if line.startswith("##"):
                if not after_heading:  # a heading line right after another one continues it
                    current = line[2:].strip().split("(")[0].strip()
                    sections[current] = []
                after_heading = True
                continue
            after_heading = False
            text = re.sub(r"\([^)]*\)", "", line)  # "(with volume_transmitter)" and the like
            text = re.sub(r"^(Generators|Recorders):", "", text)
            text = text.replace("and the rate models", ",")
            for name in re.split(r"[,.]", text):
                name = name.strip()
                if re.fullmatch(r"[a-z0-9_]+", name):
                    sections[current].append(name)
    return sections


def volley_models(volley):
    out = subprocess.run([volley, "models", "--json"], check=True, capture_output=True, text=True).stdout
    doc = json.loads(out)
    names = set()
    for key in ("neurons", "synapses", "plasticity", "inputs", "outputs"):
        for m in doc.get(key, []):
            names.add(m["name"] if isinstance(m, dict) else m)
    return names


def nest_layer_devices():
    """Device names of the NEST layer's table (host/nest_device_params.cpp), and those NEST's own traces check
    (tests/reference/nest_devices.json)."""
    text = open(os.path.join(ROOT, "host", "nest_device_params.cpp")).read()
    names = set(re.findall(r'\{"([a-z_]+)", device_kind::', text))
    checked = set()
    ref = os.path.join(ROOT, "tests", "reference", "nest_devices.json")
    if os.path.exists(ref):
        checked = {c["generator"]: "tests/test_nest_layer.cpp against tests/reference/nest_devices.json"
                   for c in json.load(open(ref))["cases"]}
    gen_ref = os.path.join(ROOT, "tests", "reference", "nest_generators.json")
    if os.path.exists(gen_ref):  # spike generators: windows to the step, statistics against NEST's
        for w in json.load(open(gen_ref))["windows"]:
            checked[w["model"]] = "tests/test_nest_generators.cpp against tests/reference/nest_generators.json"
        checked.setdefault("pulsepacket_generator",
                           "tests/test_nest_generators.cpp against tests/reference/nest_generators.json")
    syn_ref = os.path.join(ROOT, "tests", "reference", "nest_synapses.json")
    if os.path.exists(syn_ref):  # synapse models: weights / V_m replayed against NEST's
        doc = json.load(open(syn_ref))
        for case in doc["stdp"] + doc["stp"]:
            checked[case["synapse_model"]] = "tests/test_nest_synapses.cpp against tests/reference/nest_synapses.json"
        checked["static_synapse"] = "every connection of tests/test_nest_layer_references.cpp"
        if "weight_recorder" in doc:
            checked["weight_recorder"] = "tests/test_nest_synapses.cpp against tests/reference/nest_synapses.json"
        for alias, of in (("static_synapse_hom_w", "static_synapse"), ("tsodyks_synapse_hom", "tsodyks_synapse")):
            if of in checked:  # the same code path with another name
                checked[alias] = f"same lowering as {of} (host/nest_synapses.cpp); " + checked[of]
    plast_ref = os.path.join(ROOT, "tests", "reference", "nest_plasticity.json")
    if os.path.exists(plast_ref):  # more STDP models: weights, weight_recorder events and V_m replayed against NEST's
        for case in json.load(open(plast_ref))["cases"]:
            checked[case["synapse_model"]] = ("tests/test_nest_plasticity.cpp against "
                                              "tests/reference/nest_plasticity.json")
    if os.path.exists(os.path.join(ROOT, "tests", "reference", "clopath_synapse.json")):  # pairing protocols
        checked["clopath_synapse"] = "tests/test_nest_clopath.cpp against tests/reference/clopath_synapse.json"
    if os.path.exists(os.path.join(ROOT, "tests", "reference", "pp_cond_exp_mc_urbanczik.json")):  # its "synapse" runs
        checked["urbanczik_synapse"] = ("tests/test_nest_urbanczik.cpp against "
                                        "tests/reference/pp_cond_exp_mc_urbanczik.json")
    det_ref = os.path.join(ROOT, "tests", "reference", "nest_detectors.json")
    if os.path.exists(det_ref):  # correlation / spin devices: results replayed against NEST's
        doc = json.load(open(det_ref))
        where = "tests/test_nest_detectors.cpp against tests/reference/nest_detectors.json"
        for case in doc.get("parrot_cases", []):
            checked[case["detector"]] = where
        if doc.get("spin_streams") or doc.get("binary_network"):
            checked["spin_detector"] = checked["correlospinmatrix_detector"] = where
    src_ref = os.path.join(ROOT, "tests", "reference", "nest_generator_sources.json")
    if os.path.exists(src_ref):  # stateful generators (hidden source populations): windows and statistics
        for w in json.load(open(src_ref))["windows"]:
            checked[w["model"]] = ("tests/test_nest_generator_sources.cpp against "
                                   "tests/reference/nest_generator_sources.json")
    win_ref, win_test = "tests/reference/nest_recorder_windows.json", "tests/test_nest_recorder_windows.cpp"
    if os.path.exists(os.path.join(ROOT, win_ref)) and os.path.exists(os.path.join(ROOT, win_test)):
        doc = json.load(open(os.path.join(ROOT, win_ref)))  # events in and out of the windows, defaults, refusals
        for recorder, key in (("spike_recorder", "spike_recorders"), ("multimeter", "multimeters"),
                              ("voltmeter", "voltmeter")):
            if doc.get(key):
                checked[recorder] = f"{win_test} against {win_ref} (events, windows, defaults, refusals)"
    noise_ref, noise_test = "tests/reference/nest_noise.json", "tests/test_nest_noise.cpp"
    if os.path.exists(os.path.join(ROOT, noise_ref)) and os.path.exists(os.path.join(ROOT, noise_test)):
        checked["noise_generator"] = (f"{noise_test} against {noise_ref} (std 0: V_m at every step; blocks' start "
                                      "steps; their mean, sd and modulation: statistics)")
    if os.path.exists(os.path.join(ROOT, "tests", "reference", "nest_dilutor.json")):
        checked["spike_dilutor"] = ("tests/test_nest_dilutor.cpp against tests/reference/nest_dilutor.json (timing, "
                                    "weights); kept fraction and independence vs p_copy (statistics)")
    # stochastic synapse models: statistics, against NEST where a script in tools/nest_reference runs it
    for model, test, against in (
            ("quantal_stp_synapse", "tests/test_quantal_stp.cpp",
             "mean release per spike vs the expectation recursion, which NEST 3.10 matches "
             "(tools/nest_reference/check_quantal_stp.py)"),
            ("bernoulli_synapse", "tests/test_nest_synapses.cpp", "passed fraction vs p_transmit (statistics)")):
        if os.path.exists(os.path.join(ROOT, test)) and model in open(os.path.join(ROOT, test)).read():
            checked[model] = f"{test}: {against}"
    ht_ref, ht_test = "tests/reference/nest_ht_network.json", "tests/test_nest_ht.cpp"
    if os.path.exists(os.path.join(ROOT, ht_ref)) and os.path.exists(os.path.join(ROOT, ht_test)) and \
            "nest_ht_network" in open(os.path.join(ROOT, ht_test)).read():  # ht_synapse: weight * P of every spike
        checked["ht_synapse"] = f"{ht_test} against {ht_ref} (weight_recorder: weight * P of every spike)"
    gap_ref, gap_test = "tests/reference/hh_psc_alpha_gap.json", "tests/test_nest_gap.cpp"
    if os.path.exists(os.path.join(ROOT, gap_ref)) and os.path.exists(os.path.join(ROOT, gap_test)):
        checked["gap_junction"] = f"{gap_test} against {gap_ref} (waveform relaxation, orders 0/1/3, use_wfr off)"
    # rate models (models/nest_rate.hpp, host/nest_rate.cpp): layer scripts replayed against NEST's rate traces
    rate_files = sorted(glob.glob(os.path.join(ROOT, "tests", "reference", "nest_rate*.json")))
    rate_test = os.path.join(ROOT, "tests", "test_nest_rate.cpp")
    if rate_files and os.path.exists(rate_test):
        where = "tests/test_nest_rate.cpp against " + ", ".join(
            "tests/reference/" + os.path.basename(f) for f in rate_files)
        for f in rate_files:
            for case in json.load(open(f))["cases"]:
                for node in case["nodes"]:
                    checked[node["model"]] = where
                for conn in case["connections"]:
                    checked[conn["syn_spec"]["synapse_model"]] = where
        # NEST's templates, not creatable there: volley's instances are the models above
        for template, part in (("rate_neuron_ipn", "_ipn"), ("rate_neuron_opn", "_opn"),
                               ("rate_transformer_node", "rate_transformer_")):
            instances = sorted({m for m in checked if part in m and m != template and checked[m] == where})
            if instances:
                checked[template] = ("NEST's template (no model of this name in NEST 3.10): its instances " +
                                     ", ".join(instances) + "; " + where)
    siegert_ref, siegert_test = "tests/reference/siegert_neuron.json", "tests/test_nest_siegert.cpp"
    if os.path.exists(os.path.join(ROOT, siegert_ref)) and os.path.exists(os.path.join(ROOT, siegert_test)):
        checked["diffusion_connection"] = f"{siegert_test} against {siegert_ref} (siegert_neuron networks)"
    # synapse models replayed through the layer against NEST (tests/support/nest_layer_replay.hpp)
    for model, ref, test in (("sic_connection", "aeif_cond_alpha_astro.json", "tests/test_nest_astro.cpp"),
                             ("cont_delay_synapse", "cont_delay_synapse.json", "tests/test_nest_cont_delay.cpp")):
        if os.path.exists(os.path.join(ROOT, "tests", "reference", ref)) and os.path.exists(os.path.join(ROOT, test)):
            checked[model] = f"{test} against tests/reference/{ref}"
    syn_table = open(os.path.join(ROOT, "host", "nest_synapses.cpp")).read()
    names |= set(re.findall(r'\{"([a-z0-9_]+)", "[a-z0-9_]+",', syn_table))  # built-in synapse models
    return names, checked


def tests_reading(model):
    """Test files that read tests/reference/<model>.json (by file name or by the model name next to 'reference')."""
    hits = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "*.cpp"))):
        text = open(path).read()
        if f'{model}.json' in text or (re.search(rf'"{model}"', text) and "reference" in text) or \
                any(f in text for f in SHARED_REFERENCES.get(model, [])):
            hits.append(os.path.relpath(path, ROOT))
    return hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--volley", default=os.path.join(ROOT, "build", "volley"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "nest_models.md"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    have = volley_models(args.volley)
    devices, devices_checked = nest_layer_devices()
    lines = ["# NEST models in volley", "",
             "Generated by `tools/nest_status.py` from the tree (do not edit by hand). *validated*: volley's model is",
             "compared step by step with NEST 3.10's traces in `tests/reference/` (made by",
             "`tools/nest_reference/make_references.py`); the tolerances are in the tests named.", ""]
    totals = {}
    # models with NEST traces: tests/reference/<model>.json, or <model>_<variant>.json naming the model inside
    referenced = set()
    for f in glob.glob(os.path.join(ROOT, "tests", "reference", "*.json")):
        with open(f) as fh:
            doc = json.load(fh)
        referenced.add(os.path.splitext(os.path.basename(f))[0])  # tests/reference/<model>.json
        if doc.get("model"):
            referenced.add(doc["model"])
        for model in doc.get("models", []) if isinstance(doc.get("models"), list) else []:
            referenced.add(model)  # a file of several models (nest_binary.json): tests reading it are evidence
            SHARED_REFERENCES.setdefault(model, []).append(os.path.basename(f))
    for section, names in catalog().items():
        lines += [f"## {section}", "", "| model | state | evidence |", "| --- | --- | --- |"]
        for name in names:
            ref = name in referenced
            tests = tests_reading(name) if ref else []
            if name in devices_checked:
                state, evidence = "validated", "NEST layer; " + devices_checked[name]
            elif name in devices:
                state, evidence = "implemented", "NEST layer; tests/test_nest_layer.cpp (statistics or bookkeeping)"
            elif name in have and ref and tests:
                state, evidence = "validated", ", ".join(tests)
            elif ref and name not in have:
                state, evidence = "reference only", f"tests/reference/{name}.json"
            elif name in have:
                state, evidence = "implemented", "no NEST comparison yet"
            else:
                state, evidence = "not yet", ""
            totals[state] = totals.get(state, 0) + 1
            lines.append(f"| `{name}` | {state} | {evidence} |")
        lines.append("")
    lines.append("Totals: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())) + ".")
    text = "\n".join(lines) + "\n"
    if args.check:
        same = os.path.exists(args.out) and open(args.out).read() == text
        print("docs/nest_models.md is " + ("up to date" if same else "stale: run tools/nest_status.py"))
        return 0 if same else 1
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(args.out, ROOT)}: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
