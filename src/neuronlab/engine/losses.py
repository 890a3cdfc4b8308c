"""Losses: one number saying how far the network's output is from the target.

Every loss takes ``(prediction, target)``, a Tensor of outputs and an array of targets, and returns a
one-number Tensor whose ``backward()`` gives d loss / d weights.

    >>> import numpy as np
    >>> from neuronlab.engine.tensor import Tensor
    >>> mse(Tensor([[1.0], [3.0]]), np.array([0.0, 1.0])).item()     # ((1-0)^2 + (3-1)^2) / 2
    2.5
"""

from __future__ import annotations

import numpy as np

from neuronlab.engine.tensor import Tensor


class TargetError(ValueError):
    """Targets that do not fit the network's outputs or the loss."""


def _regression_target(prediction: Tensor, target) -> np.ndarray:
    y = np.asarray(target.data if isinstance(target, Tensor) else target, dtype=prediction.dtype)
    if y.shape != prediction.shape:
        if y.ndim == 1 and prediction.shape == (y.shape[0], 1):
            y = y.reshape(-1, 1)
        else:
            raise TargetError(f"targets have shape {y.shape} but the outputs have shape {prediction.shape}")
    return y


def class_labels(target, n: int, classes: int) -> np.ndarray:
    """Integer class labels 0..classes-1 as a flat int array, or a TargetError saying what is wrong."""
    y = np.asarray(target.data if isinstance(target, Tensor) else target)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (n,):
        raise TargetError(f"expected {n} class labels in a flat array, got shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise TargetError("class labels must be whole numbers 0, 1, 2, ...")
    elif y.dtype.kind not in "iub":
        raise TargetError(f"class labels must be integers, got {y.dtype}")
    y = y.astype(np.int64)
    bad = (y < 0) | (y >= classes)
    if np.any(bad):
        raise TargetError(
            f"label {y[bad][0]} is outside the classes 0..{classes - 1} the network's {classes} outputs cover"
        )
    return y


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Each row's log class probabilities from its logits, as arrays (no graph): z - max - log sum e^(z - max),
    so nothing overflows. ``Tensor.log_softmax`` is the same with a gradient.

        >>> log_softmax(np.array([[0.0, 1000.0]])).round(6).tolist()
        [[-1000.0, 0.0]]
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Each row's class probabilities from its logits (rows sum to 1)."""
    return np.exp(log_softmax(logits))


def mse(prediction: Tensor, target) -> Tensor:
    """Mean squared error: mean((prediction - target)^2)."""
    diff = prediction - _regression_target(prediction, target)
    return (diff * diff).mean()


def mae(prediction: Tensor, target) -> Tensor:
    """Mean absolute error: mean(|prediction - target|)."""
    return (prediction - _regression_target(prediction, target)).abs().mean()


def cross_entropy(logits: Tensor, target) -> Tensor:
    """Softmax cross-entropy: -mean(log softmax(logits)[i, label_i]).

    Args:
        logits: (n, classes) raw outputs (no softmax applied).
        target: (n,) integer labels in 0..classes-1.
    """
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise TargetError(f"cross_entropy needs (n, classes >= 2) logits, got shape {logits.shape}")
    labels = class_labels(target, logits.shape[0], logits.shape[1])
    picked = logits.log_softmax(axis=1)[np.arange(len(labels)), labels]
    return -picked.mean()


def binary_cross_entropy(logits: Tensor, target) -> Tensor:
    """Binary cross-entropy on logits z with 0/1 targets y: mean(softplus(z) - z·y).

    That is -[y log σ(z) + (1-y) log(1-σ(z))] rewritten so large |z| neither overflows nor loses digits;
    its gradient is σ(z) - y.
    """
    y = _regression_target(logits, target)
    if not np.all((y == 0) | (y == 1)):
        raise TargetError("binary_cross_entropy needs targets that are 0 or 1")
    return (logits.activation("softplus") - logits * y).mean()


_LOSSES = {
    "mse": mse,
    "mae": mae,
    "cross_entropy": cross_entropy,
    "binary_cross_entropy": binary_cross_entropy,
}
CLASSIFICATION = {"cross_entropy", "binary_cross_entropy"}


def names() -> list[str]:
    return list(_LOSSES)


def get(name):
    """The loss function called ``name``; a callable passes through."""
    if callable(name):
        return name
    try:
        return _LOSSES[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(names())}") from None


# The penalty fit adds to the loss (weights only, not biases): the Tensor form for the readable engine, and the
# in-place gradient form for the fused solvers (Stepper's fast path, L-BFGS).
def penalty(weights, l1, l2, dtype) -> Tensor | None:
    """The weight penalty l1·sum|w| + l2·sum w^2 as a Tensor (so backward() adds its gradient); None if both are 0."""
    total = None
    if l2:
        total = l2 * sum(((w * w).sum() for w in weights), Tensor(0.0, dtype=dtype))
    if l1:
        term = l1 * sum((w.abs().sum() for w in weights), Tensor(0.0, dtype=dtype))
        total = term if total is None else total + term
    return total


def add_penalty_gradients(weights, l1, l2) -> float:
    """Add d/dw of l1·sum|w| + l2·sum w^2 to each weight's grad; returns the penalty."""
    value = 0.0
    for w in weights:
        if l2:
            w.grad = w.grad + 2.0 * l2 * w.data
            value += l2 * float(np.vdot(w.data, w.data))
        if l1:
            w.grad = w.grad + l1 * np.sign(w.data)
            value += l1 * float(np.abs(w.data).sum())
    return value
