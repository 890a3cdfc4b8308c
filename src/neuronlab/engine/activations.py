"""Activation functions g: what a neuron does with its weighted sum z = w·x + b.

Each activation has its value g(z), its derivative g'(z) (written in terms of z and of a = g(z), whichever
is simpler), a one-line description, and whether backpropagation can learn through it.

    >>> import numpy as np
    >>> act = get("tanh")
    >>> z = np.array([0.0, 1.0]); a = act.value(z)
    >>> act.derivative(z, a)        # 1 - tanh(z)^2
    array([1.        , 0.41997434])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

LEAKY_SLOPE = 0.01


class UnknownActivationError(ValueError):
    """An activation name neuronlab does not know."""


@dataclass(frozen=True)
class Activation:
    """A named activation: ``value(z)``, ``derivative(z, a)`` with a = value(z), and what it is."""

    name: str
    _value: Callable[[np.ndarray], np.ndarray]
    _derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    description: str
    learnable: bool  # False: its gradient is zero almost everywhere, backprop cannot move weights before it
    slope: str = "g'(z)"  # g'(z) as a formula, in a = g(z) where that is simpler (nl.explain writes it out)

    def value(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z)
        return np.asarray(self._value(z), dtype=z.dtype if z.dtype.kind == "f" else np.float64)

    def derivative(self, z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
        z = np.asarray(z)
        if a is None:
            a = self.value(z)
        return np.asarray(self._derivative(z, a), dtype=z.dtype if z.dtype.kind == "f" else np.float64)

    def __call__(self, z):
        return self.value(z)

    def __repr__(self) -> str:
        return f"<activation {self.name}: {self.description}>"

    def __reduce__(self):
        # pickled by name (its functions may be lambdas): a Network pickles, and unpickles to the registry's own
        return get, (self.name,)


def _sigmoid(z):
    # 1 / (1 + e^-z), without overflow: for z < 0 use e^z / (1 + e^z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _erf(z):
    from scipy.special import erf  # on first use: scipy.special doubles the time of `import neuronlab`

    return erf(z)


def _gelu_derivative(z, a):
    # d/dz z·Φ(z) = Φ(z) + z·φ(z)
    cdf = 0.5 * (1.0 + _erf(z / np.sqrt(2.0)))
    pdf = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    return cdf + z * pdf


def _silu_derivative(z, a):
    # d/dz z·σ(z) = σ(z) + z·σ(z)(1 - σ(z))
    s = _sigmoid(z)
    return s + z * s * (1.0 - s)


_REGISTRY: dict[str, Activation] = {}


def _register(name, value, derivative, description, slope, learnable=True):
    _REGISTRY[name] = Activation(name, value, derivative, description, learnable, slope)


_register(
    "step",
    lambda z: (z >= 0).astype(z.dtype if z.dtype.kind == "f" else np.float64),
    lambda z, a: np.zeros_like(a),  # flat on both sides of the jump; undefined at 0, taken as 0
    "Heaviside step: 1 when z >= 0, else 0 (the classic neuron firing above its threshold)",
    "0",
    learnable=False,
)
_register("linear", lambda z: z.copy(), lambda z, a: np.ones_like(a), "identity: g(z) = z", "1")
_register("sigmoid", _sigmoid, lambda z, a: a * (1.0 - a), "logistic 1/(1+e^-z): a smooth step from 0 to 1", "a(1-a)")
_register("tanh", np.tanh, lambda z, a: 1.0 - a * a, "hyperbolic tangent: a smooth step from -1 to 1", "1-a^2")
_register(
    "relu",
    lambda z: np.maximum(z, 0.0),
    lambda z, a: (z > 0).astype(a.dtype),  # 0 at z = 0, as in PyTorch
    "rectified linear: max(0, z), a hinge",
    "1 if z>0",
)
_register(
    "leaky_relu",
    lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
    lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
    f"leaky ReLU: z for z > 0, {LEAKY_SLOPE}·z otherwise (never completely flat)",
    f"1 or {LEAKY_SLOPE}",
)
_register(
    "softplus",
    lambda z: np.logaddexp(0.0, z),
    lambda z, a: _sigmoid(z),  # d/dz ln(1 + e^z) = σ(z)
    "softplus: ln(1 + e^z), a smooth ReLU",
    "sigmoid(z)",
)
_register(
    "gelu",
    lambda z: 0.5 * z * (1.0 + _erf(z / np.sqrt(2.0))),
    _gelu_derivative,
    "Gaussian error linear unit: z·Φ(z) with Φ the normal CDF (exact erf form)",
    "Phi(z)+z*phi(z)",
)
_register("silu", lambda z: z * _sigmoid(z), _silu_derivative, "sigmoid linear unit (swish): z·σ(z)", "s+z*s(1-s)")
_register("sin", np.sin, lambda z, a: np.cos(z), "sine: periodic, smooth", "cos(z)")

_ALIASES = {"identity": "linear", "none": "linear", "heaviside": "step", "swish": "silu", "logistic": "sigmoid"}


def names() -> list[str]:
    """The activation names ``get`` accepts (aliases like "identity" not included)."""
    return list(_REGISTRY)


def get(name) -> Activation:
    """The activation called ``name`` (an ``Activation`` passes through)."""
    if isinstance(name, Activation):
        return name
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownActivationError(f"unknown activation {name!r}; choose one of: {', '.join(names())}") from None
