#!/usr/bin/env python3
"""NEST 3.10 references for volley's rate models (models/nest_rate.hpp, host/nest_rate.cpp): small layer scripts
(nodes, connections, kernel's use_wfr) run in NEST with noise off (sigma = 0), the rate traces of every node kept.
tests/test_nest_rate.cpp replays each script through volley's NEST layer and compares the traces.

    /tmp/nestvenv/bin/python tools/nest_reference/make_rate_references.py [--out-dir tests/reference]

writes nest_rate.json (generators, transformers, waveform relaxation, generator window) and
nest_rate_networks.json (the networks of each model), each under 300 kB.

Case format: {"name", "resolution", "use_wfr", "t_sim", "nodes": [{"model", "n", "params"}], "connections":
[{"pre", "post", "conn_spec", "syn_spec"}] (pre/post: node-list indices, whole Create() calls), "record":
{node index: [variables]}, "traces": {"<node>.<variable>": [sample after step k, k = 0 .. t_sim/resolution - 1,
node-major: all samples of the group's first node, then the next]}}.
"""
import argparse
import json
import math

import nest

H = 0.1
GEN = {"amplitude_times": [1.0, 3.0, 5.0], "amplitude_values": [0.5, -0.8, 1.2]}
GAIN_PARAMS = {
    "lin": {"g": 1.3, "g_ex": 0.9, "g_in": 1.1, "theta_ex": 0.8, "theta_in": 0.2},
    "tanh": {"g": 1.3, "theta": 0.1},
    "threshold_lin": {"g": 1.3, "theta": -0.2, "alpha": 0.9},
    "sigmoid": {"g": 1.3, "beta": 2.0, "theta": 0.1},
    "sigmoid_gg_1998": {"g": 1.3},
    "gauss": {"g": 1.3, "mu": 0.2, "sigma": 0.6},
}
IPN = {"lin": "lin_rate_ipn", "tanh": "tanh_rate_ipn", "threshold_lin": "threshold_lin_rate_ipn",
       "sigmoid": "sigmoid_rate_ipn", "sigmoid_gg_1998": "sigmoid_rate_gg_1998_ipn", "gauss": "gauss_rate_ipn"}
OPN = {"lin": "lin_rate_opn", "tanh": "tanh_rate_opn", "threshold_lin": "threshold_lin_rate_opn"}
TRANSFORMER = {g: "rate_transformer_" + g for g in GAIN_PARAMS}


def neuron_params(gain, opn=False, **extra):
    p = dict(GAIN_PARAMS[gain])
    p.update({"tau": 2.0, "mu": 0.2, "rate": 0.3})
    if gain == "gauss":  # sigma and mu set the gain's and the neuron's: the noise off again by its old name
        p["std"] = 0.0
    else:
        p["sigma"] = 0.0
    if gain == "gauss":
        p["mean"] = 0.2
    if not opn:
        p["lambda"] = 0.7
    p.update(extra)
    return p


def delayed(w, d):
    return {"synapse_model": "rate_connection_delayed", "weight": w, "delay": d}


def instant(w):
    return {"synapse_model": "rate_connection_instantaneous", "weight": w}


def cases():
    out = []
    # every model driven by two step_rate_generators (ex and in, different delays)
    for gain, model in list(IPN.items()) + list(OPN.items()) + list(TRANSFORMER.items()):
        opn = model.endswith("_opn")
        params = dict(GAIN_PARAMS[gain]) if model.startswith("rate_transformer") else neuron_params(gain, opn)
        out.append({"name": "generators_" + model, "use_wfr": True, "t_sim": 6.0,
                    "nodes": [{"model": model, "n": 1, "params": params},
                              {"model": "step_rate_generator", "n": 1, "params": GEN},
                              {"model": "step_rate_generator", "n": 1,
                               "params": {"amplitude_times": [2.0, 4.5], "amplitude_values": [1.0, 0.4]}}],
                    "connections": [{"pre": 1, "post": 0, "syn_spec": delayed(1.5, 0.5)},
                                    {"pre": 2, "post": 0, "syn_spec": delayed(-0.7, 1.0)}],
                    "record": {"0": ["rate", "noisy_rate"] if opn else ["rate"]}})
    # small networks of one model: delayed ex and in weights, a loop, an instantaneous connection (use_wfr false)
    variants = [("plain", {}), ("mult", {"mult_coupling": True}), ("nonlinear", {"linear_summation": False}),
                ("mult_nonlinear", {"mult_coupling": True, "linear_summation": False}),
                ("rectify", {"rectify_output": True, "rectify_rate": 0.05})]
    for gain, model in list(IPN.items()) + list(OPN.items()):
        opn = model.endswith("_opn")
        for vname, extra in variants:
            if opn and vname == "rectify":
                continue
            params = neuron_params(gain, opn, **extra)
            nodes = [{"model": model, "n": 1, "params": dict(params, rate=0.3)},
                     {"model": model, "n": 1, "params": dict(params, rate=-0.2)},
                     {"model": model, "n": 2, "params": dict(params, rate=0.1)},
                     {"model": "step_rate_generator", "n": 1, "params": GEN}]
            conns = [{"pre": 3, "post": 0, "syn_spec": delayed(1.2, 0.2)},
                     {"pre": 0, "post": 1, "syn_spec": delayed(0.8, 0.3)},
                     {"pre": 1, "post": 2, "syn_spec": delayed(-0.6, 0.2)},
                     {"pre": 2, "post": 0, "syn_spec": delayed(0.4, 0.1)},
                     {"pre": 0, "post": 2, "syn_spec": instant(0.5)}]
            out.append({"name": "network_%s_%s" % (model, vname), "use_wfr": False, "t_sim": 6.0, "nodes": nodes,
                        "connections": conns,
                        "record": {str(i): ["rate", "noisy_rate"] if opn else ["rate"] for i in range(3)}})
    # transformers between neurons, linear and non-linear summation, delayed and instantaneous
    for gain in GAIN_PARAMS:
        for lin_sum in (True, False):
            tp = dict(GAIN_PARAMS[gain], linear_summation=lin_sum, rate=0.25)
            np_ = neuron_params(gain)
            nodes = [{"model": "step_rate_generator", "n": 1, "params": GEN},
                     {"model": IPN[gain], "n": 1, "params": np_},
                     {"model": TRANSFORMER[gain], "n": 1, "params": tp},
                     {"model": IPN[gain], "n": 1, "params": dict(np_, linear_summation=lin_sum)}]
            conns = [{"pre": 0, "post": 1, "syn_spec": delayed(1.1, 0.4)},
                     {"pre": 1, "post": 2, "syn_spec": delayed(0.9, 0.2)},
                     {"pre": 2, "post": 3, "syn_spec": instant(-0.7)},
                     {"pre": 1, "post": 3, "syn_spec": delayed(0.6, 0.3)}]
            out.append({"name": "transformer_%s_%s" % (gain, "linear" if lin_sum else "nonlinear"),
                        "use_wfr": False, "t_sim": 6.0, "nodes": nodes, "connections": conns,
                        "record": {"1": ["rate"], "2": ["rate"], "3": ["rate"]}})
    # waveform relaxation: instantaneous connections, in step 0 NEST's targets read the senders' initial rates
    np_ = neuron_params("tanh", rate=0.35)
    out.append({"name": "wfr_instantaneous", "use_wfr": True, "t_sim": 6.0,
                "nodes": [{"model": "step_rate_generator", "n": 1, "params": GEN},
                          {"model": "tanh_rate_ipn", "n": 1, "params": np_},
                          {"model": "tanh_rate_ipn", "n": 1, "params": dict(np_, rate=0.4)},
                          {"model": "rate_transformer_tanh", "n": 1, "params": dict(GAIN_PARAMS["tanh"], rate=-0.6)},
                          {"model": "tanh_rate_ipn", "n": 2, "params": dict(np_, linear_summation=False, rate=0.1)}],
                "connections": [{"pre": 0, "post": 1, "syn_spec": delayed(1.0, 0.3)},
                                {"pre": 1, "post": 2, "syn_spec": instant(0.9)},
                                {"pre": 1, "post": 3, "syn_spec": instant(1.4)},
                                {"pre": 3, "post": 2, "syn_spec": delayed(-0.5, 0.2)},
                                {"pre": 1, "post": 4, "syn_spec": instant(-0.8)},
                                {"pre": 3, "post": 4, "conn_spec": {"rule": "fixed_indegree", "indegree": 1},
                                 "syn_spec": instant(0.6)}],
                "record": {"1": ["rate"], "2": ["rate"], "3": ["rate"], "4": ["rate"]}})
    # generator window (origin, start, stop), a long delay, and a shorter connection elsewhere setting min_delay
    np_ = neuron_params("lin", mult_coupling=True)
    out.append({"name": "generator_window", "use_wfr": True, "t_sim": 10.0,
                "nodes": [{"model": "step_rate_generator", "n": 1,
                           "params": dict(GEN, origin=0.5, start=0.7, stop=5.3)},
                          {"model": "lin_rate_ipn", "n": 2, "params": np_},
                          {"model": "lin_rate_ipn", "n": 1, "params": np_}],
                "connections": [{"pre": 0, "post": 1, "syn_spec": delayed(0.9, 2.0)},
                                {"pre": 1, "post": 2, "syn_spec": delayed(0.3, 0.3)}],
                "record": {"1": ["rate"], "2": ["rate"]}})
    # a generator whose delay is min_delay, created before its targets: NEST's step 0 already reads its step 0
    # (an amplitude from 0.1 ms; input(0) != 0 for the non-linear summation target)
    np_ = neuron_params("sigmoid")
    out.append({"name": "generator_step_zero", "use_wfr": True, "t_sim": 4.0,
                "nodes": [{"model": "step_rate_generator", "n": 1,
                           "params": {"amplitude_times": [0.1, 0.2, 1.5], "amplitude_values": [0.7, -0.3, 0.9]}},
                          {"model": "sigmoid_rate_ipn", "n": 1, "params": np_},
                          {"model": "sigmoid_rate_ipn", "n": 1, "params": dict(np_, linear_summation=False)}],
                "connections": [{"pre": 0, "post": 1, "syn_spec": delayed(0.8, 0.1)},
                                {"pre": 0, "post": 2, "syn_spec": delayed(-1.3, 0.1)}],
                "record": {"1": ["rate"], "2": ["rate"]}})
    return out


def run(case):
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": H, "use_wfr": case["use_wfr"]})
    made = [nest.Create(n["model"], n["n"], params=n["params"]) for n in case["nodes"]]
    for c in case["connections"]:
        nest.Connect(made[c["pre"]], made[c["post"]], c.get("conn_spec", "all_to_all"), c["syn_spec"])
    meters = {}
    for node, variables in case["record"].items():
        mm = nest.Create("multimeter", params={"record_from": variables, "interval": H})
        nest.Connect(mm, made[int(node)])
        meters[node] = mm
    nest.Simulate(case["t_sim"] + 3.0)  # the multimeter's data lags min_delay at the end
    n_steps = int(round(case["t_sim"] / H))
    traces = {}
    for node, mm in meters.items():
        ev = mm.get("events")
        for v in case["record"][node]:
            values = []
            for gid in made[int(node)].global_id if made[int(node)].global_id.__class__ is tuple else [made[int(node)].global_id]:
                vals = [float(x) for s, x in zip(ev["senders"], ev[v]) if s == gid][:n_steps]
                values += [float("%.13g" % x) for x in vals]
            traces["%s.%s" % (node, v)] = values
    return dict(case, resolution=H, traces=traces)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default="tests/reference")
    a = ap.parse_args()
    nest.set_verbosity("M_ERROR")
    done = [run(c) for c in cases()]
    for name, keep in (("nest_rate.json", lambda c: not c["name"].startswith("network_")),
                       ("nest_rate_networks.json", lambda c: c["name"].startswith("network_"))):
        doc = {"nest_version": nest.__version__, "generator": "tools/nest_reference/make_rate_references.py",
               "cases": [c for c in done if keep(c)]}
        with open(a.out_dir + "/" + name, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print("wrote", name, len(doc["cases"]), "cases")


if __name__ == "__main__":
    main()
