"""Fit sin(x) on [-pi, pi] with 16 tanh neurons, then look at how the output is built.

Run: python examples/fit_sine.py
"""

import numpy as np

import neuronlab as nl

x = np.linspace(-np.pi, np.pi, 200)
net = nl.mlp([1, 16, 1], activation="tanh", seed=0)
history = nl.fit(net, x, np.sin(x), progress=False)
error = np.abs(net.predict(x)[:, 0] - np.sin(x))
print(f"{net}: max |error| {error.max():.4f} after {history.epochs} epochs ({history.time:.2f} s)")

# The output is the superposition of the 16 hidden graphs, each scaled by its outgoing weight.
parts = net.contributions(x)
rebuilt = parts.sum(axis=1) + net.layers[-1].b.data[0]
print(f"superposition check: largest difference {np.abs(rebuilt - net.predict(x)[:, 0]).max():.1e}")
strongest = np.argsort(-np.abs(net.layers[-1].W.data[:, 0]))[:3]
for i in strongest:
    w, b = net.layers[0].W.data[0, i], net.layers[0].b.data[i]
    print(f"hidden neuron {i}: tanh({w:+.3f}·x {b:+.3f}), outgoing weight {net.layers[-1].W.data[i, 0]:+.3f}")
