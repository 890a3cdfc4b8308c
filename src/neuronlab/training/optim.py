"""Optimizers, in order of increasing complexity: they move each weight against its gradient.

Same shape as PyTorch: ``opt = SGD(net.parameters(), lr=0.1)``, then per step ``opt.zero_grad()``,
``loss.backward()``, ``opt.step()``. Per-parameter state (momentum, Adam's moments) lives in
``opt.state``, keyed by the parameter.

    >>> from neuronlab.engine.tensor import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()        # w - 0.1 * 2w
    >>> w.data
    array([0.8])
"""

from __future__ import annotations

import numpy as np

from neuronlab.engine.tensor import Tensor


class Optimizer:
    """Base class: holds the parameters, the learning rate and the per-parameter state."""

    name = "optimizer"

    def __init__(self, params, lr: float):
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError("the optimizer got no parameters")
        if not all(isinstance(p, Tensor) for p in self.params):
            raise TypeError("parameters must be Tensors (e.g. net.parameters())")
        self.lr = float(lr)
        if not np.isfinite(self.lr) or self.lr <= 0:
            raise ValueError(f"the learning rate must be a positive number, got {lr}")
        self.state: dict[Tensor, dict] = {}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def _scratch_for(self, array: np.ndarray) -> np.ndarray:
        """A work array shaped like ``array``: a view into one buffer as large as the largest parameter,
        made once, so steps allocate nothing and the optimizer holds a single extra copy at most."""
        buffers = self.__dict__.setdefault("_scratch", {})
        flat = buffers.get(array.dtype.str)
        if flat is None:
            largest = max(p.size for p in self.params if p.dtype == array.dtype)
            flat = buffers[array.dtype.str] = np.empty(largest, dtype=array.dtype)
        return flat[: array.size].reshape(array.shape)

    def step(self) -> None:
        raise NotImplementedError

    def _gradients(self):
        """(parameter, gradient) for every parameter that has one, plus weight_decay·w (L2) if set."""
        decay = getattr(self, "weight_decay", 0.0)
        for p in self.params:
            if p.grad is not None:
                yield p, (p.grad + decay * p.data if decay else p.grad)


def _subtract_scaled(w: np.ndarray, g: np.ndarray, lr: float, optimizer: "Optimizer") -> None:
    """w -= lr·g in place, through a scratch array the optimizer keeps (no new array per step)."""
    scratch = optimizer._scratch_for(w)
    np.multiply(g, lr, out=scratch)
    w -= scratch


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum: ``w -= lr * v``, ``v = momentum * v + grad``.

    Args:
        params: the Tensors to update.
        lr: learning rate (step size).
        momentum: 0 for plain gradient descent; 0.9 is usual.
        weight_decay: adds ``weight_decay * w`` to each gradient (L2 regularisation).
        nesterov: look-ahead momentum (needs momentum > 0).
    """

    name = "sgd"

    def __init__(
        self, params, lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False
    ):
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        if nesterov and momentum == 0:
            raise ValueError("nesterov momentum needs momentum > 0")
        self.momentum, self.weight_decay, self.nesterov = float(momentum), float(weight_decay), nesterov

    def step(self) -> None:
        for p, g in self._gradients():
            if self.momentum:
                state = self.state.setdefault(p, {})
                if "velocity" not in state:
                    state["velocity"] = np.array(g, dtype=p.dtype)
                else:  # v = momentum * v + g
                    v = state["velocity"]
                    v *= self.momentum
                    v += g
                v = state["velocity"]
                g = g + self.momentum * v if self.nesterov else v
            _subtract_scaled(p.data, g, self.lr, self)


class Adam(Optimizer):
    """Adam: steps scaled per weight by running averages of the gradient and of its square.

    m = b1·m + (1-b1)·g,  v = b2·v + (1-b2)·g²,  w -= lr · m̂ / (sqrt(v̂) + eps), with m̂, v̂ the
    bias-corrected averages (Kingma & Ba, 2015; PyTorch's formulation).

    Args:
        params: the Tensors to update.
        lr: learning rate; 1e-3 is the classic default, 1e-2 suits small function-fitting networks.
        betas: (b1, b2) decay rates of the averages.
        eps: keeps the division finite.
        weight_decay: adds ``weight_decay * w`` to each gradient (L2 regularisation).
    """

    name = "adam"

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        self.betas, self.eps, self.weight_decay = (float(b1), float(b2)), float(eps), float(weight_decay)

    def step(self) -> None:
        b1, b2 = self.betas
        for p, g in self._gradients():
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "m": np.zeros_like(p.data), "v": np.zeros_like(p.data)}
            state["step"] += 1
            t, m, v = state["step"], state["m"], state["v"]
            scratch = self._scratch_for(p.data)
            m *= b1
            np.multiply(g, 1.0 - b1, out=scratch)
            m += scratch  # m = b1·m + (1 - b1)·g
            v *= b2
            np.multiply(g, g, out=scratch)
            scratch *= 1.0 - b2
            v += scratch  # v = b2·v + (1 - b2)·g²
            step_size = self.lr / (1.0 - b1**t)
            np.sqrt(v, out=scratch)
            scratch *= 1.0 / np.sqrt(1.0 - b2**t)
            scratch += self.eps  # sqrt(v̂) + eps
            np.divide(m, scratch, out=scratch)
            scratch *= step_size
            p.data -= scratch


_OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def names() -> list[str]:
    return list(_OPTIMIZERS)


def get(name):
    """The optimizer class called ``name`` ("sgd", "adam")."""
    try:
        return _OPTIMIZERS[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: auto, {', '.join(names())}") from None
