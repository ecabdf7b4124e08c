#!/usr/bin/env python3
"""NEST 3.10 references for volley's siegert_neuron and diffusion_connection (models/siegert_neuron.hpp,
host/nest_siegert.cpp), read by tests/test_nest_siegert.cpp.

    /tmp/nestvenv/bin/python tools/nest_reference/make_siegert_references.py [--out-dir tests/reference]

writes siegert_neuron.json:
  "gain": NEST's Siegert rate phi(mu, sigma^2) for four parameter sets (white and coloured noise) over a grid of mu
    and sigma^2 from the strongly subthreshold (rates of 1e-13 1/s, NEST's cut-off at (theta - mu) / sigma > 6) to
    the suprathreshold, nearly noise-free regime (sigma = 0.01 mV). Measured as one step of a siegert_neuron with
    tau = 1e-3 ms (P1 = exp(-100), P2 = 1): its rate after step 2 is phi of the drift and diffusion a driver node
    (mean = rate = 1, stationary) sent; entries {"params", "mu", "sigma2", "rate"}.
  "cases": small layer scripts (the format of make_rate_references.py: nodes, connections, use_wfr, traces of every
    node's rate after each step), replayed through volley's NEST layer: a Brunel-type E/I mean-field network with a
    drive node (NEST's brunel_siegert_nest example, scaled), with and without waveform relaxation; a small network
    of different parameter sets (tau_syn > 0, receptor_type 1, a self-connection, an inhibitory population with
    negative drift); NEST's waveform relaxation run to convergence (wfr_tol 1e-12, the case's "kernel"), its default
    tolerance in "wfr_default" (the deviation volley reports, not a test).
"""
import argparse
import json

import nest

H = 0.1
PARAM_SETS = [
    {},  # NEST's defaults: theta 15, V_reset 0, tau_m 5, tau_syn 0, t_ref 2
    {"theta": 20.0, "V_reset": 10.0, "tau_m": 10.0, "tau_syn": 0.5, "t_ref": 2.0},
    {"theta": 1.0, "V_reset": -3.0, "tau_m": 20.0, "tau_syn": 5.0, "t_ref": 0.0},
    {"theta": 15.0, "V_reset": 0.0, "tau_m": 10.0, "tau_syn": 2.0, "t_ref": 1.0},
]
MU_REL = [-3.0, -0.5, 0.0, 1 / 3, 2 / 3, 14 / 15, 0.99, 1.0, 1.01, 16 / 15, 4 / 3, 2.0, 4.0, 20.0]  # x theta
SIGMA2 = [1e-4, 1e-2, 0.25, 1.0, 4.0, 25.0, 100.0, 1e3, 1e5]


def gain_grid():
    out = []
    for params in PARAM_SETS:
        theta = params.get("theta", 15.0)
        cases = [(m * theta, s2) for m in MU_REL for s2 in SIGMA2]
        nest.ResetKernel()
        nest.SetKernelStatus({"resolution": H, "use_wfr": False})
        drv = nest.Create("siegert_neuron", 1, params={"mean": 1.0, "rate": 1.0, "tau": 1.0})
        n = nest.Create("siegert_neuron", len(cases), params=dict(params, tau=1e-3))
        for i, (mu, s2) in enumerate(cases):
            nest.Connect(drv, n[i], syn_spec={"synapse_model": "diffusion_connection", "drift_factor": mu,
                                              "diffusion_factor": s2})
        nest.Simulate(3 * H)
        r = drv.rate
        assert r == 1.0
        full = dict({"theta": 15.0, "V_reset": 0.0, "tau_m": 5.0, "tau_syn": 0.0, "t_ref": 2.0}, **params)
        for (mu, s2), rate in zip(cases, n.rate):
            out.append({"params": full, "mu": mu * r, "sigma2": s2 * r, "rate": rate})
    return out


def diffusion(drift, diff, **extra):
    return dict({"synapse_model": "diffusion_connection", "drift_factor": drift, "diffusion_factor": diff}, **extra)


def brunel(use_wfr, kernel=None, name="brunel"):
    # NEST's brunel_siegert_nest example (J 0.1 mV, g 5, eta 2, CE 1000, CI 250, tau_m 20 ms), the E and I nodes
    # starting away from the fixed point
    tau_m, J, g, CE, CI, theta = 20.0, 0.1, 5.0, 1000, 250, 20.0
    p_rate = 1000.0 * 2.0 * theta / (J * CE * tau_m) * CE
    neuron = {"tau_m": tau_m, "t_ref": 2.0, "theta": theta, "V_reset": 0.0}
    ext = diffusion(tau_m * 1e-3 * J, tau_m * 1e-3 * J**2)
    ex = diffusion(tau_m * 1e-3 * CE * J, tau_m * 1e-3 * CE * J**2)
    inh = diffusion(tau_m * 1e-3 * CI * -g * J, tau_m * 1e-3 * CI * (g * J) ** 2)
    case = {"name": name, "use_wfr": use_wfr, "t_sim": 30.0,
            "nodes": [{"model": "siegert_neuron", "n": 1, "params": dict(neuron, rate=5.0)},
                      {"model": "siegert_neuron", "n": 1, "params": dict(neuron, rate=20.0)},
                      {"model": "siegert_neuron", "n": 1, "params": {"mean": p_rate}}],
            "connections": [{"pre": 2, "post": 0, "syn_spec": ext}, {"pre": 2, "post": 1, "syn_spec": ext},
                            {"pre": 0, "post": 0, "syn_spec": ex}, {"pre": 0, "post": 1, "syn_spec": ex},
                            {"pre": 1, "post": 0, "syn_spec": inh}, {"pre": 1, "post": 1, "syn_spec": inh}],
            "record": {"0": ["rate"], "1": ["rate"], "2": ["rate"]}}
    if kernel:
        case["kernel"] = kernel
    return case


def mixed(use_wfr, kernel=None, name="mixed"):
    # populations of two nodes with different parameters, all_to_all and one_to_one, receptor_type 1, self-loops
    a = {"tau": 2.0, "tau_m": 10.0, "tau_syn": 2.0, "theta": 15.0, "V_reset": 0.0, "t_ref": 1.0}
    b = {"tau": 0.5, "tau_m": 5.0, "tau_syn": 0.0, "theta": 20.0, "V_reset": 5.0, "t_ref": 2.0, "mean": 3.0}
    case = {"name": name, "use_wfr": use_wfr, "t_sim": 20.0,
            "nodes": [{"model": "siegert_neuron", "n": 1, "params": {"mean": 50.0, "tau": 3.0, "rate": 10.0}},
                      {"model": "siegert_neuron", "n": 2, "params": dict(a, rate=8.0)},
                      {"model": "siegert_neuron", "n": 2, "params": dict(b, rate=30.0)}],
            "connections": [{"pre": 0, "post": 1, "syn_spec": diffusion(0.4, 0.3)},
                            {"pre": 0, "post": 2, "syn_spec": diffusion(0.5, 0.8, receptor_type=1)},
                            {"pre": 1, "post": 2, "conn_spec": "one_to_one", "syn_spec": diffusion(0.6, 0.2)},
                            {"pre": 2, "post": 1, "syn_spec": diffusion(-0.25, 0.05)},
                            {"pre": 1, "post": 1, "conn_spec": "one_to_one", "syn_spec": diffusion(0.1, 0.02)},
                            {"pre": 2, "post": 2, "syn_spec": diffusion(0.05, 0.0)}],
            "record": {"0": ["rate"], "1": ["rate"], "2": ["rate"]}}
    if kernel:
        case["kernel"] = kernel
    return case


TIGHT = {"wfr_tol": 1e-12, "wfr_max_iterations": 100}


def run(case):
    nest.ResetKernel()
    nest.SetKernelStatus(dict({"resolution": H, "use_wfr": case["use_wfr"]}, **case.get("kernel", {})))
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
            for gid in made[int(node)].tolist():
                vals = [float(x) for s, x in zip(ev["senders"], ev[v]) if s == gid][:n_steps]
                values += [float("%.15g" % x) for x in vals]
            traces["%s.%s" % (node, v)] = values
    return dict(case, resolution=H, traces=traces)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default="tests/reference")
    a = ap.parse_args()
    nest.set_verbosity("M_ERROR")
    cases = [run(brunel(False, name="brunel_no_wfr")), run(brunel(True, TIGHT, name="brunel_wfr")),
             run(mixed(False, name="mixed_no_wfr")), run(mixed(True, TIGHT, name="mixed_wfr"))]
    wfr_default = [run(brunel(True, name="brunel_wfr_default")), run(mixed(True, name="mixed_wfr_default"))]
    doc = {"nest_version": nest.__version__, "generator": "tools/nest_reference/make_siegert_references.py",
           "model": "siegert_neuron", "models": ["siegert_neuron", "diffusion_connection"],
           "gain": gain_grid(), "cases": cases, "wfr_default": wfr_default}
    with open(a.out_dir + "/siegert_neuron.json", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print("wrote siegert_neuron.json:", len(doc["gain"]), "gain values,", len(cases), "cases")


if __name__ == "__main__":
    main()
