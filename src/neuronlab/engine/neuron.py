"""One neuron: a weighted sum of its inputs plus a bias, passed through an activation.

    y = g(w1·x1 + ... + wd·xd + b)

The bias b is the weight w0 of a constant input 1. For one input and the step activation, the neuron
switches from 0 to 1 at its threshold x = s = -b/w.

    >>> n = Neuron(weights=[2.0], bias=-1.0, activation="step")
    >>> n([0.0, 0.5, 1.0])
    array([0., 1., 1.])
    >>> n.threshold
    0.5
"""

from __future__ import annotations

import numpy as np

from neuronlab.engine import activations


class Neuron:
    """A single neuron ``g(x @ w + b)``.

    Args:
        weights: one weight per input (a number for a single input).
        bias: the bias b (weight w0 of the constant input 1).
        activation: an activation name from ``nl.activations.names()``.

    Shape:
        With one input, ``x`` may have any shape; each element is one input and the output has x's shape.
        With d > 1 inputs, ``x`` has shape (..., d) and the output (...).
    """

    def __init__(self, weights=1.0, bias: float = 0.0, activation: str = "step"):
        w = np.atleast_1d(np.asarray(weights, dtype=np.float64))
        if w.ndim != 1 or w.size == 0:
            raise ValueError(f"weights must be a number or a flat list of numbers, got shape {w.shape}")
        if not np.all(np.isfinite(w)) or not np.isfinite(bias):
            raise ValueError("weights and bias must be finite numbers")
        self.weights = w
        self.bias = float(bias)
        self.activation = activations.get(activation)

    @property
    def inputs(self) -> int:
        return self.weights.size

    @property
    def w0(self) -> float:
        """The bias, seen as the weight of a constant input 1."""
        return self.bias

    @property
    def threshold(self) -> float:
        """Where a one-input neuron's weighted sum crosses zero: s = -b/w (the step's jump)."""
        if self.inputs != 1:
            raise ValueError(f"a threshold s = -b/w is defined for one input; this neuron has {self.inputs}")
        w = self.weights[0]
        if w == 0:
            raise ValueError("with weight w = 0 the weighted sum never crosses zero: no threshold")
        return float(-self.bias / w)

    def graph_range(self, span: float = 3.0) -> tuple[float, float]:
        """An x range showing a one-input neuron's interesting part: centred on its threshold s = -b/w."""
        w = float(self.weights[0])
        if w == 0:
            return -span, span
        centre, half = -self.bias / w, max(span, 4.0 / abs(w))
        return centre - half, centre + half

    def weighted_sum(self, x) -> np.ndarray:
        """z = x @ w + b."""
        x = np.asarray(x, dtype=np.float64)
        if self.inputs == 1:
            return x * self.weights[0] + self.bias
        if x.shape[-1:] != (self.inputs,):
            raise ValueError(f"this neuron has {self.inputs} inputs; x has shape {x.shape}")
        return x @ self.weights + self.bias

    def __call__(self, x) -> np.ndarray:
        return self.activation.value(self.weighted_sum(x))

    def formula(self, precision: int = 3) -> str:
        """The neuron as text, e.g. ``step(1.5·x + 0.3)``."""
        names = ["x"] if self.inputs == 1 else [f"x{i + 1}" for i in range(self.inputs)]
        terms = [f"{w:.{precision}g}·{n}" for w, n in zip(self.weights, names)]
        text = " + ".join(terms) + f" + {self.bias:.{precision}g}"
        return f"{self.activation.name}({text.replace('+ -', '- ')})"

    def __repr__(self) -> str:
        w = self.weights[0] if self.inputs == 1 else self.weights.tolist()
        return f"Neuron(weights={w}, bias={self.bias}, activation={self.activation.name!r})"

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a neuron of one or two inputs as its graph (a surface has no picture beyond two)."""
        from neuronlab.views.diagram import neuron_svg

        return neuron_svg(self) if self.inputs <= 2 else None
