#!/usr/bin/env python3
"""Reference traces from NEST for the NEST layer's devices (host/nest_layer.hpp): each case drives one
iaf_psc_exp neuron (NEST defaults) from one generator with its own start/stop/origin, weight and delay, and
records V_m at every step and the spikes. Writes tests/reference/nest_devices.json; tests/test_nest_layer.cpp
rebuilds every case through volley's NEST layer and compares.

    /tmp/nestvenv/bin/python tools/nest_reference/make_device_references.py

Needs NEST's Python module (pip install --only-binary=:all: nest-simulator, in a venv).
"""
from make_detector_references import write_reference

DT = 0.1       # ms
T_SIM = 300.0  # ms

CASES = [
    {"name": "dc_window", "generator": "dc_generator",
     "params": {"amplitude": 420.0, "start": 20.0, "stop": 80.0}, "weight": 1.0, "delay": 1.0},
    {"name": "dc_origin_weight", "generator": "dc_generator",
     "params": {"amplitude": 250.0, "origin": 15.0, "start": 5.0, "stop": 100.0}, "weight": 2.0, "delay": 0.1},
    {"name": "dc_from_zero", "generator": "dc_generator",
     "params": {"amplitude": 200.0}, "weight": 1.0, "delay": 0.1},
    {"name": "ac", "generator": "ac_generator",
     "params": {"amplitude": 200.0, "offset": 350.0, "frequency": 40.0, "phase": 30.0, "start": 10.0, "stop": 250.0},
     "weight": 1.0, "delay": 0.5},
    {"name": "step_current_window", "generator": "step_current_generator",
     "params": {"amplitude_times": [10.0, 50.0, 90.3, 200.0], "amplitude_values": [200.0, 450.0, -100.0, 500.0],
                "start": 5.0, "stop": 250.0, "origin": 2.0}, "weight": 1.0, "delay": 0.3},
    {"name": "spike_generator_window", "generator": "spike_generator",
     "params": {"spike_times": [2.0, 10.0, 10.5, 40.0, 41.0, 42.0, 43.0, 150.0, 260.0], "start": 3.0, "stop": 250.0},
     "weight": 900.0, "delay": 1.2},
]


def main():
    import nest
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    out = {"nest_version": nest.__version__, "dt_ms": DT, "t_sim_ms": T_SIM, "neuron": "iaf_psc_exp",
           "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
           "rounding": "values rounded to 1e-9 mV", "cases": []}
    recs = []
    for case in CASES:
        n = nest.Create("iaf_psc_exp")
        g = nest.Create(case["generator"], params=case["params"])
        nest.Connect(g, n, syn_spec={"weight": case["weight"], "delay": case["delay"]})
        mm = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
        nest.Connect(mm, n)
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        recs.append((case, mm, sr))
    nest.Simulate(T_SIM + 1.0)  # the multimeter's last min_delay of samples arrive one run late
    steps = int(round(T_SIM / DT))
    for case, mm, sr in recs:
        v = [round(float(x), 9) for x in mm.get("events")["V_m"][:steps]]
        spikes = [round(float(t), 10) for t in sr.get("events")["times"] if t <= T_SIM + 1e-9]
        out["cases"].append(dict(case, V_m=v, spike_times_ms=spikes))
        print(case["name"], len(spikes), "spikes")
    write_reference(out, "nest_devices.json")


if __name__ == "__main__":
    main()
