#!/usr/bin/env python3
"""Reference traces from NEST itself for volley's NEST models (issue 5: "NEST models validated against NEST").

Runs one fixed protocol per model (one neuron, NEST defaults) and writes tests/reference/<model>.json with the NEST
version, the exact parameters, the protocol and the recorded traces and spikes, so that the C++ side
(tests/test_nest_reference.cpp) rebuilds the same inputs and compares step by step.

    python3 tools/nest_reference/make_references.py iaf_psc_exp iaf_psc_delta iaf_psc_alpha iaf_cond_exp aeif_cond_alpha

Needs NEST's Python module (`pip install --only-binary=:all: nest-simulator`, in a venv); volley itself does not.

The protocol (times in ms, on the 0.1 ms grid; amplitudes and weights per model in MODELS below):
  - step_current_generator: 0 pA until 20 ms, then a suprathreshold step, from 120 ms a subthreshold one;
    connected with delay dt. NEST timing: a value set at amplitude_time T, through a connection of delay d,
    acts on V over the steps from T + d on (the first V that differs is the one recorded at T + d + dt).
  - two spike_generators, excitatory (positive weight) and inhibitory (negative weight), fixed spike times and
    delays; a spike at t with delay d jumps the synaptic state at t + d exactly.
  - multimeter at interval dt over all recordables: sample k is the state at (k + 1) dt, after the step that ends
    there; spike_recorder: the time stamps (end of the spike step).
Values are rounded to 1e-9 of their unit (mV, pA, nS) to keep each file small.
"""
import argparse
import json
import math
import os
import sys

DT = 0.1          # ms
T_SIM = 300.0     # ms
ROUND = 9         # decimals kept of every recorded value

# Phases the C++ test reports its differences by: [start, end) in ms of the sample times.
PHASES = [
    {"name": "rest_psps", "start_ms": 0.0, "end_ms": 20.0},
    {"name": "suprathreshold_step", "start_ms": 20.0, "end_ms": 120.0},
    {"name": "subthreshold_step_with_synaptic_input", "start_ms": 120.0, "end_ms": T_SIM + 1.0},
]

CURRENT_TIMES = [20.0, 120.0]  # ms: amplitude_times of the step_current_generator
CURRENT_DELAY = DT             # ms: its connection delay
EX_TIMES = [5.0, 50.0, 150.0, 152.0, 154.0, 156.0, 200.0, 250.0]  # ms: 150..156 drive a spike from the sub step
EX_DELAY = 1.0                 # ms
IN_TIMES = [12.0, 60.0, 170.0, 230.0, 250.0]  # ms: 250 coincides with an excitatory spike
IN_DELAY = 1.5                 # ms

# Per model: step amplitudes (pA; supra then sub threshold with NEST defaults) and spike weights (pA for psc_*,
# nS for cond_*, mV for psc_delta). The inhibitory weight is given as a magnitude and sent negative.
# An optional "params" dict sets non-default neuron parameters (recorded with the others in "parameters").
# An optional "model" names the NEST model when it differs from the entry's name, which names the output file
# (a second reference of one model with other "params").
MODELS = {
    "iaf_psc_exp": {"currents_pA": [500.0, 300.0], "weight_ex": 400.0, "weight_in": 400.0, "weight_unit": "pA"},
    "iaf_psc_alpha": {"currents_pA": [500.0, 300.0], "weight_ex": 150.0, "weight_in": 150.0, "weight_unit": "pA"},
    "iaf_psc_delta": {"currents_pA": [500.0, 300.0], "weight_ex": 2.5, "weight_in": 2.5, "weight_unit": "mV"},
    "iaf_cond_exp": {"currents_pA": [400.0, 200.0], "weight_ex": 30.0, "weight_in": 30.0, "weight_unit": "nS"},
    "aeif_cond_alpha": {"currents_pA": [800.0, 550.0], "weight_ex": 50.0, "weight_in": 20.0, "weight_unit": "nS"},
    "aeif_cond_exp": {"currents_pA": [800.0, 550.0], "weight_ex": 100.0, "weight_in": 40.0, "weight_unit": "nS"},
    "aeif_psc_exp": {"currents_pA": [800.0, 550.0], "weight_ex": 6000.0, "weight_in": 400.0, "weight_unit": "pA"},
    "aeif_psc_alpha": {"currents_pA": [800.0, 550.0], "weight_ex": 2000.0, "weight_in": 150.0, "weight_unit": "pA"},
    # t_ref > 0 (0 by default): the spike the 150..156 burst drives makes the burst's last two inputs arrive while
    # refractory, where NEST drops them (refractory_input false)
    "aeif_psc_delta": {"currents_pA": [800.0, 550.0], "weight_ex": 8.0, "weight_in": 4.0, "weight_unit": "mV",
                       "params": {"t_ref": 4.0}},
    "iaf_cond_alpha": {"currents_pA": [400.0, 200.0], "weight_ex": 10.0, "weight_in": 10.0, "weight_unit": "nS"},
    # tau_rise_ex != tau_decay_ex: the beta normalisation; the inhibitory defaults (equal) take NEST's alpha fallback
    "iaf_cond_beta": {"currents_pA": [400.0, 200.0], "weight_ex": 10.0, "weight_in": 10.0, "weight_unit": "nS",
                      "params": {"tau_rise_ex": 0.5, "tau_decay_ex": 3.0}},
    "iaf_cond_exp_sfa_rr": {"currents_pA": [800.0, 380.0], "weight_ex": 20.0, "weight_in": 20.0, "weight_unit": "nS"},
    "hh_psc_alpha": {"currents_pA": [800.0, 100.0], "weight_ex": 800.0, "weight_in": 400.0, "weight_unit": "pA"},
    "hh_cond_exp_traub": {"currents_pA": [250.0, 20.0], "weight_ex": 15.0, "weight_in": 20.0, "weight_unit": "nS"},
    # izhikevich: currents enter dV/dt in mV/ms per pA, weights jump V (mV); with consistent_integration false a
    # weight w enters both half steps as a current, moving V by about dt * w, hence the larger weights
    "izhikevich": {"currents_pA": [10.0, 3.0], "weight_ex": 10.0, "weight_in": 5.0, "weight_unit": "mV"},
    "izhikevich_consistent_integration_false": {"model": "izhikevich", "params": {"consistent_integration": False},
                                                "currents_pA": [10.0, 3.0], "weight_ex": 100.0, "weight_in": 50.0,
                                                "weight_unit": "mV"},
    "mat2_psc_exp": {"currents_pA": [600.0, 300.0], "weight_ex": 800.0, "weight_in": 800.0, "weight_unit": "pA"},
    # beta (0 by default) drives the voltage-dependent threshold, alpha_2 (0 by default) the long adaptation; a
    # smaller alpha_1 (10 by default) leaves V above V_th during t_ref (no spike then: the refractory block)
    "amat2_psc_exp": {"currents_pA": [300.0, 80.0], "weight_ex": 800.0, "weight_in": 800.0, "weight_unit": "pA",
                      "params": {"beta": 0.2, "alpha_1": 2.0, "alpha_2": 0.5}},
    # t_ref_tot > t_ref_abs (equal by default): V integrates, and crosses V_th, while spikes are still blocked
    "iaf_psc_exp_htum": {"currents_pA": [1200.0, 300.0], "weight_ex": 400.0, "weight_in": 400.0, "weight_unit": "pA",
                         "params": {"t_ref_abs": 0.5, "t_ref_tot": 5.0}},
    # *_ps: precise spike times (off-grid offsets, "precise_times" adds stamps and offsets at full precision); the
    # refractory period ends off the grid. "_vmin": t_ref 2.05 ms (NEST: 21 steps, 2.1 ms) and a V_min that binds
    # (delta_ps/exp_ps bound V only in steps without input, alpha_ps always: a negative second current step pulls V
    # below V_min, also in the steps where an input arrives); alpha_ps's tau_syn_ex == tau_m takes NEST's singular
    # propagators
    **{m: {"currents_pA": [500.0, 300.0], "weight_ex": w, "weight_in": w, "weight_unit": u, "precise_times": True,
           "extra_states": ["is_refractory", "I_syn_ex", "I_syn_in"]}
       for m, w, u in (("iaf_psc_delta_ps", 2.5, "mV"), ("iaf_psc_exp_ps", 400.0, "pA"),
                       ("iaf_psc_alpha_ps", 150.0, "pA"))},
    **{m + "_vmin": {"model": m, "currents_pA": [500.0, i2], "weight_ex": wex, "weight_in": win,
                     "weight_unit": u, "precise_times": True, "params": dict(p, t_ref=2.05),
                     "extra_states": ["is_refractory", "I_syn_ex", "I_syn_in", "offset"]}
       for m, i2, wex, win, u, p in (("iaf_psc_delta_ps", -100.0, 8.0, 6.0, "mV", {"V_min": -71.0}),
                                     ("iaf_psc_exp_ps", 300.0, 1500.0, 3000.0, "pA",
                                      {"V_min": -70.5, "tau_syn_ex": 0.5, "tau_syn_in": 10.0}),
                                     ("iaf_psc_alpha_ps", -100.0, 300.0, 3000.0, "pA",
                                      {"V_min": -70.5, "tau_syn_ex": 10.0, "tau_syn_in": 0.5}),
                                     ("iaf_psc_exp_ps_lossless", -100.0, 1500.0, 3000.0, "pA",
                                      {"V_min": -70.5, "tau_syn_ex": 0.5, "tau_syn_in": 0.5}))},
    # lossless: NEST's defaults; "_strong": a 100 nA step, where NEST 3.10's threshold test (run also while
    # refractory, from the held V_reset) fires in every step of it
    "iaf_psc_exp_ps_lossless": {"currents_pA": [500.0, 300.0], "weight_ex": 400.0, "weight_in": 400.0,
                                "weight_unit": "pA", "precise_times": True,
                                "extra_states": ["is_refractory", "I_syn_ex", "I_syn_in", "offset"]},
    "iaf_psc_exp_ps_lossless_strong": {"model": "iaf_psc_exp_ps_lossless", "currents_pA": [100000.0, 300.0],
                                       "weight_ex": 400.0, "weight_in": 400.0, "weight_unit": "pA",
                                       "precise_times": True,
                                       "extra_states": ["is_refractory", "I_syn_ex", "I_syn_in", "offset"]},
    # no reset, AHP conductance kicked at the interpolated crossing; NEST's spike times are off-grid (stamp - offset)
    "iaf_chxk_2008": {"currents_pA": [2500.0, 1400.0], "weight_ex": 40.0, "weight_in": 40.0, "weight_unit": "nS"},
    # ahp_bug: each spike replaces the AHP; a slower, weaker AHP (0.5 ms, 443.8 nS by default) lets it matter
    "iaf_chxk_2008_ahp_bug": {"model": "iaf_chxk_2008", "currents_pA": [3000.0, 1400.0], "weight_ex": 40.0,
                              "weight_in": 40.0, "weight_unit": "nS",
                              "params": {"ahp_bug": True, "tau_ahp": 3.0, "g_ahp": 40.0}},
    # gif_*: escape noise. lambda_0 = 1e-9 1/s: no spike in 300 ms (probability < 1e-8 per step), so the traces are
    # the deterministic subthreshold dynamics (NEST's default, empty stc/sfa lists). "_forced": Delta_V = 1e-6 mV
    # makes the hazard a step function (spike probability 1 - exp(-1e-4 e^((V - E_sfa)/1e-6)): 0 or 1 to double
    # precision unless V lands within 3e-5 mV of E_sfa), so NEST's spike steps are deterministic; full lists
    # (3 sfa, 2 stc components) exercise the jumps, the refractory clamp and the stc current on V
    **{m: {"model": m.replace("_forced", ""), "array_status": True, "weight_unit": "pA" if "psc" in m else "nS",
           "currents_pA": [200.0, 100.0] if "forced" in m else [120.0, 60.0],
           "weight_ex": {"gif_psc_exp": 150.0, "gif_psc_exp_forced": 400.0, "gif_cond_exp": 5.0,
                         "gif_cond_exp_forced": 20.0}[m],
           "weight_in": 400.0 if "psc" in m else 20.0,
           "params": {"lambda_0": 1e-9} if "forced" not in m else
           {"Delta_V": 1e-6, "tau_sfa": [10.0, 50.0, 200.0], "q_sfa": [4.0, 2.0, 1.0], "tau_stc": [5.0, 100.0],
            "q_stc": [30.0, 5.0]}}
       for m in ("gif_psc_exp", "gif_psc_exp_forced", "gif_cond_exp", "gif_cond_exp_forced")},
    # currents_pA None: no step_current_generator (iaf_chs_2007 takes no current); NEST drops negative weights
    "iaf_chs_2007": {"currents_pA": None, "weight_ex": 1.0, "weight_in": 1.0, "weight_unit": ""},
    # no recordables (no multimeter): only the spike times, whatever the inputs
    "ignore_and_fire": {"currents_pA": [500.0, 300.0], "weight_ex": 400.0, "weight_in": 400.0, "weight_unit": "pA"},
    "ignore_and_fire_rate_phase": {"model": "ignore_and_fire", "currents_pA": [500.0, 300.0], "weight_ex": 400.0,
                                   "weight_in": 400.0, "weight_unit": "pA", "params": {"rate": 37.0, "phase": 0.3}},
    # pp_psc_delta (stochastic): c_2 = 0 (c_1 = 0 by default) makes the rate 0, so no spike: the deterministic
    # subthreshold part. "_threshold*": c_1 = 1e15 Hz/mV makes the spike probability 1 - exp(-rate dt) exactly 0
    # (rate <= 0) or 1 (unless V_eff lands within 4e-10 mV above the zero of the rate), so NEST's spikes are
    # deterministic: a threshold where c_1 V_eff = -c_2 exp(c_3 V_eff) (15 mV with c_3 = 0.05; -1 mV in
    # "_noreset", where V starts above it and t_ref_remaining (2.55 ms: 26 steps), the dead time (0.04 ms: raised
    # to dt) and the adaptation decide)
    "pp_psc_delta": {"currents_pA": [500.0, 300.0], "weight_ex": 2.5, "weight_in": 2.5, "weight_unit": "mV",
                     "array_status": True, "params": {"c_2": 0.0}},
    "pp_psc_delta_threshold": {"model": "pp_psc_delta", "currents_pA": [700.0, 300.0], "weight_ex": 4.0,
                               "weight_in": 2.5, "weight_unit": "mV", "array_status": True,
                               "params": {"c_1": 1e15, "c_2": -7.0855e15, "c_3": 0.05, "dead_time": 3.0,
                                          "tau_sfa": [20.0, 200.0, 5.0], "q_sfa": [4.0, 1.0, 2.0]}},
    "pp_psc_delta_threshold_noreset": {"model": "pp_psc_delta", "currents_pA": [500.0, 300.0], "weight_ex": 2.5,
                                       "weight_in": 2.5, "weight_unit": "mV", "array_status": True,
                                       "params": {"c_1": 1e15, "c_2": 1e15, "c_3": 0.0, "dead_time": 0.04,
                                                  "with_reset": False, "t_ref_remaining": 2.55,
                                                  "tau_sfa": [10.0], "q_sfa": [0.5]}},
}

# NEST's GLIF models (glif_psc, glif_cond): one reference per mechanism combination NEST accepts. Their synapses
# are receptor ports 1..n (one per tau_syn entry), not signs: "receptor_types" sends the excitatory generator to
# port 1 and the inhibitory one to port 2; glif_cond's inhibition comes from E_rev_2, so its weights are positive
# ("inhibitory_sign" +1). "array_status": the parameters and states NEST keeps as arrays (tau_syn, asc_*, E_rev,
# ASCurrents, g, dg) are written as lists; "extra_states" names the status entries that are states.
GLIF_VARIANTS = {"lif": (False, False, False), "lif_r": (True, False, False), "lif_asc": (False, True, False),
                 "lif_r_asc": (True, True, False), "lif_r_asc_a": (True, True, True)}
for _variant, (_s, _a, _v) in GLIF_VARIANTS.items():
    _flags = {"spike_dependent_threshold": _s, "after_spike_currents": _a, "adapting_threshold": _v}
    # glif_psc has one port (tau_syn [2.0]) by default: two ports with different time constants
    _psc = dict(_flags, tau_syn=[2.0, 5.0])
    if _variant == "lif_r_asc":
        _psc["asc_r"] = [0.5, 0.8]  # asc_r < 1 (1 by default) scales the after-spike currents carried over a spike
    MODELS["glif_psc_" + _variant] = {"model": "glif_psc", "currents_pA": [400.0, 220.0], "weight_ex": 100.0,
                                      "weight_in": 60.0, "weight_unit": "pA", "params": _psc,
                                      "receptor_types": [1, 2], "array_status": True, "extra_states": ["ASCurrents"]}
    MODELS["glif_cond_" + _variant] = {"model": "glif_cond", "currents_pA": [400.0, 220.0], "weight_ex": 15.0,
                                       "weight_in": 5.0, "inhibitory_sign": 1.0, "weight_unit": "nS",
                                       "params": dict(_flags), "receptor_types": [1, 2], "array_status": True,
                                       "extra_states": ["ASCurrents", "dg", "g"]}

# NEST's *_multisynapse models: four receptor ports (four entries in tau_syn / E_rev ...) with different time
# constants, addressed by receptor_type (no routing by sign). Two references per model, together using all four
# ports: [1, 3] with the usual signs, then [4, 2] with the signs swapped (psc models; the conductance models take
# positive weights only, so their [4, 2] reference keeps them positive). t_ref > 0 puts inputs into refractory
# steps; iaf_psc_alpha_multisynapse's port 2 has tau_syn == tau_m and its second reference a V_min that binds.
_MULTI = {
    "iaf_psc_exp_multisynapse": ([500.0, 300.0], 400.0, 400.0, "pA",
                                 {"tau_syn": [2.0, 5.0, 0.5, 20.0], "t_ref": 3.0}, {}),
    "iaf_psc_alpha_multisynapse": ([500.0, 300.0], 150.0, 150.0, "pA",
                                   {"tau_syn": [2.0, 10.0, 0.5, 5.0], "t_ref": 3.0}, {"V_min": -70.3}),
    "aeif_cond_alpha_multisynapse": ([800.0, 550.0], 50.0, 20.0, "nS",
                                     {"tau_syn": [0.5, 2.0, 5.0, 8.0], "E_rev": [0.0, -80.0, 0.0, -85.0],
                                      "t_ref": 2.0}, {}),
    "aeif_cond_beta_multisynapse": ([800.0, 550.0], 50.0, 20.0, "nS",
                                    {"tau_rise": [0.5, 1.0, 2.0, 2.0], "tau_decay": [3.0, 5.0, 2.0, 10.0],
                                     "E_rev": [0.0, -80.0, 0.0, -85.0], "t_ref": 2.0}, {}),
}
for _m, (_cur, _wex, _win, _unit, _params, _second) in _MULTI.items():
    _cond = _unit == "nS"
    _extra = {"array_status": True, "extra_states": ["dg", "g"] if _cond else []}
    MODELS[_m] = {"currents_pA": _cur, "weight_ex": _wex, "weight_in": _win, "weight_unit": _unit,
                  "params": _params, "receptor_types": [1, 3], **({"inhibitory_sign": 1.0} if _cond else {}), **_extra}
    MODELS[_m + "_ports_4_2"] = {"model": _m, "currents_pA": _cur, "weight_ex": _win if _cond else -_win,
                                 "weight_in": _wex, "inhibitory_sign": 1.0, "weight_unit": _unit,
                                 "params": dict(_params, **_second), "receptor_types": [4, 2], **_extra}

# gif_*_exp_multisynapse: gif_*_exp_forced's parameters (Delta_V = 1e-6 mV: spike probability 0 or 1; 3 sfa and
# 2 stc components) with four receptor ports of different tau_syn (cond: and E_rev), no routing by sign: the
# generators go to ports [1, 3], then [4, 2] (psc: the negative weight on port 3, then on port 4; cond: positive
# weights only, inhibition from E_rev_3 = -80, E_rev_4 = -85 mV). The two weights differ (the port is found by it).
_GIF_FORCED = {"Delta_V": 1e-6, "tau_sfa": [10.0, 50.0, 200.0], "q_sfa": [4.0, 2.0, 1.0], "tau_stc": [5.0, 100.0],
               "q_stc": [30.0, 5.0]}
for _m, _cond in (("gif_psc_exp_multisynapse", False), ("gif_cond_exp_multisynapse", True)):
    _p = dict(_GIF_FORCED, tau_syn=[2.0, 5.0, 0.5, 8.0], E_rev=[0.0, 10.0, -80.0, -85.0]) if _cond else \
        dict(_GIF_FORCED, tau_syn=[2.0, 5.0, 0.5, 20.0])
    _w = (20.0, 15.0) if _cond else (400.0, 300.0)
    _extra = {"model": _m, "currents_pA": [200.0, 100.0], "weight_unit": "nS" if _cond else "pA", "params": _p,
              "array_status": True, "extra_states": ["g"] if _cond else []}
    MODELS[_m] = {**_extra, "weight_ex": _w[0], "weight_in": _w[1], "receptor_types": [1, 3],
                  **({"inhibitory_sign": 1.0} if _cond else {})}
    MODELS[_m + "_ports_4_2"] = {**_extra, "weight_ex": _w[1] if _cond else -_w[1], "weight_in": _w[0],
                                 "inhibitory_sign": 1.0, "receptor_types": [4, 2]}

# hh_cond_beta_gap_traub without gap junctions (NEST's defaults: beta conductances 0.5/5 ms ex, 0.5/10 ms in):
# repeated spiking in both current steps, the 150..156 burst adds spikes, inhibition delays others
MODELS["hh_cond_beta_gap_traub"] = {"currents_pA": [500.0, 100.0], "weight_ex": 15.0, "weight_in": 20.0,
                                    "weight_unit": "nS"}

# glif_psc_double_alpha: glif_psc's five variants, two ports whose fast and slow alpha components all differ
for _variant, (_s, _a, _v) in GLIF_VARIANTS.items():
    _p = {"spike_dependent_threshold": _s, "after_spike_currents": _a, "adapting_threshold": _v,
          "tau_syn_fast": [1.0, 2.0], "tau_syn_slow": [5.0, 12.0], "amp_slow": [0.3, 0.6],
          **({"asc_r": [0.5, 0.8]} if _variant == "lif_r_asc" else {})}
    MODELS["glif_psc_double_alpha_" + _variant] = {
        "model": "glif_psc_double_alpha", "currents_pA": [400.0, 220.0], "weight_ex": 100.0, "weight_in": 60.0,
        "weight_unit": "pA", "params": _p, "receptor_types": [1, 2], "array_status": True,
        "extra_states": ["ASCurrents"]}

# Status entries that are bookkeeping or plasticity archive, not parameters of the dynamics.
NOT_PARAMETERS = {
    "Ca", "beta_Ca", "tau_Ca", "tau_minus", "tau_minus_triplet", "post_trace", "archiver_length", "elementsize",
    "global_id", "model_id", "thread", "thread_local_id", "vp", "t_spike", "local", "frozen", "node_uses_wfr",
}
EXTRA_STATES = {"w", "dg_ex", "dg_in", "refractory_steps",  # states that are not always recordables
                "V_th_alpha_1", "V_th_alpha_2", "dI_syn_ex", "dI_syn_in"}


def json_number(x):
    """A finite float rounded to ROUND decimals, or the text 'inf' / '-inf' (JSON has no infinity)."""
    if isinstance(x, bool) or isinstance(x, int):
        return x
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return round(float(x), ROUND)


def split_status(status, recordables, keep_arrays=False, extra_states=()):
    params, initial = {}, {}
    for k, v in sorted(status.items()):
        if k in NOT_PARAMETERS or k.startswith("ignore_and_spike") or isinstance(v, (str, dict)):
            continue
        if isinstance(v, (list, tuple)) or hasattr(v, "shape"):  # numpy arrays (capacity, available, ...)
            if not keep_arrays or k in ("available", "capacity", "instantiations", "recordables"):
                continue
            v = [json_number(float(x)) for x in v]
        else:
            v = json_number(v)
        if k in recordables or k in EXTRA_STATES or k in extra_states:
            initial[k] = v
        else:
            params[k] = v
    return params, initial


def run_model(nest, model, spec):
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    # optional "params": non-default neuron parameters that exercise a feature the defaults leave idle
    neuron = nest.Create(model, params=spec["params"]) if "params" in spec else nest.Create(model)
    recordables = sorted(str(r) for r in neuron.get("recordables"))
    status = neuron.get()
    params, initial = split_status(status, set(recordables), spec.get("array_status", False),
                                   spec.get("extra_states", ()))
    if status.get("ignore_and_spike"):
        raise RuntimeError(model + ": ignore_and_spike is on by default?")

    if spec["currents_pA"] is not None:  # None: a model without current input
        scg = nest.Create("step_current_generator",
                          params={"amplitude_times": CURRENT_TIMES, "amplitude_values": spec["currents_pA"]})
        nest.Connect(scg, neuron, syn_spec={"delay": CURRENT_DELAY})
    sg_ex = nest.Create("spike_generator", params={"spike_times": EX_TIMES})
    sg_in = nest.Create("spike_generator", params={"spike_times": IN_TIMES})
    # optional "receptor_types" [ex, in]: NEST's receptor_type of each generator's connection (else NEST's default)
    receptors = spec.get("receptor_types")
    port = (lambda g: {"receptor_type": receptors[g]}) if receptors else (lambda g: {})
    weight_in = spec.get("inhibitory_sign", -1.0) * spec["weight_in"]
    nest.Connect(sg_ex, neuron, syn_spec={"weight": spec["weight_ex"], "delay": EX_DELAY, **port(0)})
    nest.Connect(sg_in, neuron, syn_spec={"weight": weight_in, "delay": IN_DELAY, **port(1)})
    if recordables:  # a model without recordables gets no multimeter (and no traces)
        mm = nest.Create("multimeter", params={"interval": DT, "record_from": recordables})
        nest.Connect(mm, neuron)
    sr = nest.Create("spike_recorder")
    nest.Connect(neuron, sr)
    # optional "precise_times": a second recorder with time_in_steps gives each spike's stamp (steps, the end of its
    # step) and offset (ms before the stamp) unrounded: the record's "spike_stamps_steps" and "spike_offsets_ms"
    sr_steps = nest.Create("spike_recorder", params={"time_in_steps": True}) if spec.get("precise_times") else None
    if sr_steps is not None:
        nest.Connect(neuron, sr_steps)
    # The multimeter answers one min_delay late: the samples of the last min_delay of a run never arrive. Run one
    # ms longer and keep the first T_SIM / dt samples (and the spikes up to T_SIM).
    nest.Simulate(T_SIM + 1.0)

    n = int(round(T_SIM / DT))
    ev = mm.get("events") if recordables else {"times": [round((k + 1) * DT, 10) for k in range(n)]}
    times = [float(t) for t in ev["times"]][:n]
    expected = [round((k + 1) * DT, 10) for k in range(n)]
    if len(times) != n or any(abs(a - b) > 1e-9 for a, b in zip(times, expected)):
        raise RuntimeError(f"{model}: multimeter samples are not (k+1)*dt, k < {n}")
    traces = {r: [json_number(v) for v in ev[r][:n]] for r in recordables}
    spikes = [round(float(t), 10) for t in sr.get("events")["times"] if t <= T_SIM + 1e-9]
    precise = {}
    if sr_steps is not None:
        e = sr_steps.get("events")
        kept = [(int(k), float(o)) for k, o in zip(e["times"], e["offsets"]) if k * DT - o <= T_SIM + 1e-9]
        precise = {"spike_stamps_steps": [k for k, _ in kept], "spike_offsets_ms": [o for _, o in kept],
                   "precise_time": "spike time = stamp * dt - offset; offsets in [0, dt), unrounded"}

    build = nest.GetKernelStatus("build_info")
    return {
        "model": model,
        "nest": {"version": str(build.get("version", nest.__version__)), "built": str(build.get("built", "")),
                 "have_gsl": bool(build.get("have_gsl", False)), "threads": 1},
        "dt_ms": DT,
        "t_sim_ms": T_SIM,
        "rounding": f"every value rounded to 1e-{ROUND} of its unit",
        "parameters": params,
        "initial_state": initial,
        "protocol": {
            "step_current_generator": None if spec["currents_pA"] is None else {
                "amplitude_times_ms": CURRENT_TIMES, "amplitude_values_pA": spec["currents_pA"],
                "delay_ms": CURRENT_DELAY,
                "timing": "value set at amplitude_time T acts on V over steps from T + delay on; first affected "
                          "sample at T + delay + dt"},
            "spike_inputs": [
                {"name": "excitatory", "times_ms": EX_TIMES, "weight": spec["weight_ex"],
                 "weight_unit": spec["weight_unit"], "delay_ms": EX_DELAY, **port(0)},
                {"name": "inhibitory", "times_ms": IN_TIMES, "weight": weight_in,
                 "weight_unit": spec["weight_unit"], "delay_ms": IN_DELAY, **port(1)},
            ],
            "spike_timing": "a spike_generator spike at t with delay d reaches the synaptic state at t + d",
            "phases": PHASES,
        },
        "record": {
            "interval_ms": DT,
            "first_sample_ms": DT,
            "sample_time": "sample k is the state after the step that ends at (k + 1) * dt",
            "traces": traces,
            "spike_times_ms": spikes,
            "spike_time": "time stamp = end of the step in which the threshold was crossed",
            **precise,
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=["iaf_psc_exp"], help="NEST model names: " + ", ".join(MODELS))
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out-dir", default=os.path.normpath(os.path.join(here, "..", "..", "tests", "reference")))
    args = ap.parse_args()
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        sys.exit(f"no protocol for {unknown}: add amplitudes and weights to MODELS")

    import nest  # late: --help works without NEST
    nest.set_verbosity("M_ERROR")
    os.makedirs(args.out_dir, exist_ok=True)
    for model in args.models:
        ref = run_model(nest, MODELS[model].get("model", model), MODELS[model])
        path = os.path.join(args.out_dir, model + ".json")
        with open(path, "w") as f:
            json.dump(ref, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        print(f"{path}: {len(ref['record']['spike_times_ms'])} spikes at {ref['record']['spike_times_ms']}, "
              f"{os.path.getsize(path) / 1024:.0f} kB")


if __name__ == "__main__":
    main()
