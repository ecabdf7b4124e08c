#!/usr/bin/python3
# Brian2 (runtime mode) on the CUBA network of examples/cuba.json: prints the mean rate, to check the activity band.
from brian2 import *
import numpy as np
prefs.codegen.target = 'numpy'
seed(3); np.random.seed(3)
taum=20*ms; taue=5*ms; taui=10*ms; Vt=-50*mV; Vr=-60*mV; El=-49*mV
eqs='''dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt'''
P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms, method='exact')
P.v = 'Vr + rand() * (Vt - Vr)'
N=4000; k=80
src = np.repeat(np.arange(N), k); tgt = np.concatenate([np.random.randint(0, N, k) for _ in range(N)])
e = src < 3200
Ce = Synapses(P, P, on_pre='ge += 1.62*mV'); Ce.connect(i=src[e], j=tgt[e])
Ci = Synapses(P, P, on_pre='gi += -9*mV'); Ci.connect(i=src[~e], j=tgt[~e])
s = SpikeMonitor(P)
run(1*second)
print("rate", s.num_spikes/4000.0)
