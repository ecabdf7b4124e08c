#!/usr/bin/env python3
"""NEST 3.10's recording windows (origin, start, stop) of spike_recorder, multimeter, voltmeter and weight_recorder
(tests/test_nest_recorder_windows.cpp): writes tests/reference/nest_recorder_windows.json.

    PYNEST_QUIET=1 /tmp/nestvenv/bin/python tools/nest_reference/make_recorder_window_references.py

Two iaf_psc_alpha neurons driven by I_e spike repeatedly; a spike_train_injector sends spikes (some of
multiplicity 2) through a static synapse with a weight_recorder to the first. Each recorder kind is created with the
default window and with windows set at Create or by SetStatus; the run is two Simulate calls, so a window spans
both. NEST records an event of time t (a spike's stamp, a sample's time) when origin + start < t <= origin + stop.
Also NEST's messages for a window off the resolution's grid and for stop < start. One thread.
"""
import json
import os

from make_detector_references import quiet_nest

DT = 0.1
SPIKE_WINDOWS = [{}, {"origin": 5.0, "start": 10.0, "stop": 30.0}, {"start": 21.8}, {"stop": 21.8}]
MULTIMETER_WINDOWS = [({"interval": 0.5}, {"start": 2.0, "stop": 4.0}),
                      ({"interval": 0.1}, {"origin": 0.3, "start": 2.0, "stop": 2.5}),
                      ({"interval": 1.0}, {"start": 38.0})]
WEIGHT_WINDOWS = [{}, {"start": 3.0, "stop": 12.0}]
INJECTOR = {"spike_times": [1.0, 3.0, 5.5, 8.0, 12.0, 15.0], "spike_multiplicities": [1, 2, 1, 2, 1, 1]}
NEURON = {"I_e": 600.0}
SIMULATE = [25.0, 25.0]


def events(rec, keys):
    ev = rec.get("events")
    return {k: [round(float(x), 9) for x in ev[k]] for k in keys}


def main():
    nest = quiet_nest()
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    neurons = nest.Create("iaf_psc_alpha", 2, params=NEURON)
    inj = nest.Create("spike_train_injector", params=INJECTOR)
    spike_recorders = []
    for i, w in enumerate(SPIKE_WINDOWS):
        sr = nest.Create("spike_recorder", params=w if i % 2 == 0 else {})
        if i % 2 == 1:
            sr.set(w)  # by SetStatus
        nest.Connect(neurons, sr)
        spike_recorders.append(sr)
    multimeters = []
    for p, w in MULTIMETER_WINDOWS:
        mm = nest.Create("multimeter", params=dict(p, record_from=["V_m"], **w))
        nest.Connect(mm, neurons)
        multimeters.append(mm)
    vm = nest.Create("voltmeter", params={"interval": 0.1, "start": 1.0, "stop": 1.5})
    nest.Connect(vm, neurons[1])
    vm_default = nest.Create("voltmeter")  # NEST's default interval (1 ms)
    nest.Connect(vm_default, neurons[1])
    weight_recorders = [nest.Create("weight_recorder", params=w) for w in WEIGHT_WINDOWS]
    for i, wr in enumerate(weight_recorders):
        nest.CopyModel("static_synapse", f"static_wr{i}", {"weight_recorder": wr})
        nest.Connect(inj, neurons[0], syn_spec={"synapse_model": f"static_wr{i}", "weight": 10.0 + i, "delay": 1.0})
    for t in SIMULATE:
        nest.Simulate(t)
    errors = {}
    for name, params in [("offgrid_start", {"start": 0.05}), ("offgrid_origin", {"origin": 1.23}),
                         ("stop_before_start", {"start": 5.0, "stop": 2.0})]:
        try:
            nest.Create("spike_recorder", params=params)
            errors[name] = None
        except Exception as e:
            errors[name] = str(e)
    out = {"nest_version": nest.__version__, "dt": DT, "neuron": NEURON, "injector": INJECTOR,
           "simulate": SIMULATE, "neuron_ids": [int(i) for i in neurons.global_id],
           "spike_recorders": [{"window": w, "set_by_set_status": i % 2 == 1,
                                "n_events": int(sr.get("n_events")), **events(sr, ["senders", "times"])}
                               for i, (w, sr) in enumerate(zip(SPIKE_WINDOWS, spike_recorders))],
           "multimeters": [{"params": p, "window": w, **events(mm, ["senders", "times", "V_m"])}
                           for (p, w), mm in zip(MULTIMETER_WINDOWS, multimeters)],
           "voltmeter": {"params": {"interval": 0.1}, "window": {"start": 1.0, "stop": 1.5},
                         **events(vm, ["senders", "times", "V_m"])},
           "voltmeter_default": events(vm_default, ["senders", "times", "V_m"]),
           "defaults": {m: {k: v for k, v in nest.GetDefaults(m).items()
                            if k in ("origin", "start", "stop", "interval", "record_from")}
                        for m in ("spike_recorder", "multimeter", "voltmeter", "weight_recorder")},
           "weight_recorders": [{"window": w, "weight": 10.0 + i, **events(wr, ["senders", "targets", "times",
                                                                                  "weights"])}
                                for i, (w, wr) in enumerate(zip(WEIGHT_WINDOWS, weight_recorders))],
           "errors": errors}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "nest_recorder_windows.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path) // 1024, "kB")
    for s in out["spike_recorders"]:
        print("spike_recorder", s["window"], s["n_events"], s["times"])
    for m in out["multimeters"]:
        print("multimeter", m["window"], len(m["times"]), m["times"][:4], m["times"][-2:])
    print("voltmeter", out["voltmeter"]["times"], "default", out["voltmeter_default"]["times"][:3])
    print(out["defaults"])
    for w in out["weight_recorders"]:
        print("weight_recorder", w["window"], w["times"])
    print(errors)


if __name__ == "__main__":
    main()
