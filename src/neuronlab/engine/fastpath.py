"""The fast path: forward and backward of a Dense network fused by hand, in place, without a graph.

It computes exactly what the Tensor engine computes for ``loss(net(x), y).backward()`` (tests check the
gradients agree to 1e-12), but with buffers reused across steps of the same batch size, matrix multiplies
written into preallocated arrays, and no Python object per operation. ``fit`` uses it; the Tensor engine
stays the readable reference.

Per layer l, with a_0 = x:
    forward   z_l = a_(l-1) @ W_l + b_l,   a_l = g(z_l)
    backward  delta_l = dL/da_l * g'(z_l),   dL/dW_l = a_(l-1)^T @ delta_l,   dL/db_l = sum_rows delta_l,
              dL/da_(l-1) = delta_l @ W_l^T
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
from threadpoolctl import ThreadpoolController

from neuronlab.engine.losses import class_labels
from neuronlab.engine.network import Network

FUSED_LOSSES = ("mse", "mae", "cross_entropy", "binary_cross_entropy")


class ScalingError(ValueError):
    """A solver was given a network with a scaling around its layers (it trains the layers alone)."""


IN_PLACE = ("tanh", "relu", "sigmoid", "linear")  # their derivative needs only a = g(z): a overwrites z


def _activate(name: str, act, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """g(z) written into ``out`` (which is ``z`` itself for the activations in ``IN_PLACE``)."""
    if name == "tanh":
        return np.tanh(z, out=out)
    if name == "relu":
        return np.maximum(z, 0.0, out=out)
    if name == "linear":
        return out  # out is z
    out[...] = act.value(z)
    return out


def _times_derivative(name: str, act, delta: np.ndarray, z: np.ndarray, a: np.ndarray, scratch: np.ndarray):
    """delta *= g'(z), in place (tanh: 1 - a^2, sigmoid: a(1 - a), relu: z > 0)."""
    if name == "linear":
        return
    if name == "tanh":
        np.multiply(a, a, out=scratch)
        np.subtract(1.0, scratch, out=scratch)
        delta *= scratch
    elif name == "sigmoid":
        np.subtract(1.0, a, out=scratch)
        scratch *= a
        delta *= scratch
    elif name == "relu":
        delta *= a > 0  # relu(z) > 0 exactly where z > 0
    else:
        delta *= act.derivative(z, a)


class _Buffers:
    """Arrays for one batch size: weighted sums (overwritten by the activations where the derivative needs
    only those), separate activations for the others, deltas, and one scratch array shared by all layers."""

    def __init__(self, net: Network, rows: int):
        dtype = net.dtype
        self.z = [np.empty((rows, layer.neurons), dtype) for layer in net.layers]
        self.a = [z if layer.activation.name in IN_PLACE else np.empty_like(z) for z, layer in zip(self.z, net.layers)]
        self.delta = [np.empty((rows, layer.neurons), dtype) for layer in net.layers]
        shared = np.empty(rows * max(layer.neurons for layer in net.layers), dtype)
        self.scratch = [shared[: rows * layer.neurons].reshape(rows, layer.neurons) for layer in net.layers]
        self.ones = np.ones((1, rows), dtype)  # column sums as a matrix product: 2-5x faster than sum(axis=0)


class FusedMLP:
    """Loss and gradients of ``net`` on batches, computed in place; gradients land in each ``p.grad``.

    Example:
        >>> import numpy as np, neuronlab as nl
        >>> net = nl.mlp([1, 8, 1], seed=0)
        >>> fused = FusedMLP(net, "mse")
        >>> x = np.linspace(-1, 1, 16).reshape(-1, 1)
        >>> loss, outputs = fused.loss_and_gradients(x, x**2)
        >>> net.layers[0].W.grad.shape
        (1, 8)
    """

    def __init__(self, net: Network, loss: str):
        if loss not in FUSED_LOSSES:
            raise ValueError(f"the fast path computes {', '.join(FUSED_LOSSES)}, not {loss!r}")
        refuse_scaling(net, "FusedMLP")
        self.net, self.loss = net, loss
        self.layers = [(layer, layer.activation.name, layer.activation) for layer in net.layers]
        self._buffers: dict[int, _Buffers] = {}
        self._grads = [(np.empty_like(layer.W.data), np.empty_like(layer.b.data)) for layer in net.layers]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The output for a batch, left in the buffers for ``backward`` (do not keep the returned array)."""
        rows = x.shape[0]
        buffers = self._buffers.get(rows)
        if buffers is None:
            buffers = self._buffers[rows] = _Buffers(self.net, rows)
        self.current, self.x = buffers, x
        a = x
        for l, (layer, name, act) in enumerate(self.layers):
            if layer.inputs == 1:  # an outer product: broadcasting beats a k = 1 matrix multiply
                z = np.multiply(a, layer.W.data, out=buffers.z[l])
            else:
                z = np.matmul(a, layer.W.data, out=buffers.z[l])
            z += layer.b.data
            a = _activate(name, act, z, buffers.a[l])
        return a

    def _output_gradient(self, out: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """(loss, dL/d output) for the batch, dL/d output written into the last delta buffer."""
        delta = self.current.delta[-1]
        n = out.shape[0]
        if self.loss == "mse":
            np.subtract(out, y, out=delta)
            loss = float(np.vdot(delta, delta)) / delta.size
            delta *= 2.0 / delta.size
        elif self.loss == "mae":
            np.subtract(out, y, out=delta)
            loss = float(np.abs(delta).sum()) / delta.size
            np.sign(delta, out=delta)
            delta *= 1.0 / delta.size
        elif self.loss == "cross_entropy":
            # softmax(out) - onehot(y), over n; log-softmax shifted by the row maximum, so nothing overflows
            rows = np.arange(n)
            np.subtract(out, out.max(axis=1, keepdims=True), out=delta)
            picked = delta[rows, y]  # shifted logit of the right class (copied before exp below)
            np.exp(delta, out=delta)
            total = delta.sum(axis=1, keepdims=True)
            loss = -float((picked - np.log(total[:, 0])).sum()) / n
            delta /= total
            delta[rows, y] -= 1.0
            delta *= 1.0 / n
        else:  # binary cross-entropy on logits: softplus(z) - z·y, gradient sigmoid(z) - y
            loss = float((np.logaddexp(0.0, out) - out * y).sum()) / out.size
            e = np.exp(-np.abs(out))
            delta[...] = np.where(out >= 0, 1.0 / (1.0 + e), e / (1.0 + e)) - y
            delta *= 1.0 / out.size
        return loss, delta

    def backward(self, dL_dout: np.ndarray) -> None:
        """From dL/d(output) in the last delta buffer to every ``p.grad``."""
        buffers = self.current
        for l in range(len(self.layers) - 1, -1, -1):
            layer, name, act = self.layers[l]
            delta = buffers.delta[l]
            _times_derivative(name, act, delta, buffers.z[l], buffers.a[l], buffers.scratch[l])
            grad_W, grad_b = self._grads[l]
            previous = self.x if l == 0 else buffers.a[l - 1]
            np.matmul(previous.T, delta, out=grad_W)
            np.matmul(buffers.ones, delta, out=grad_b.reshape(1, -1))  # dL/db = sum over rows of delta
            layer.W.grad, layer.b.grad = grad_W, grad_b
            if l > 0:
                np.matmul(delta, layer.W.data.T, out=buffers.delta[l - 1])

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss on (x, y) and the outputs; fills every parameter's ``.grad``."""
        out = self.forward(x)
        loss, dL_dout = self._output_gradient(out, y)
        self.backward(dL_dout)
        return loss, out


# ---------------------------------------------------------------- the Jacobian, for Levenberg–Marquardt


def jacobian(net: Network, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(outputs, J): J[s·k + o, p] = d output[s, o] / d parameter p, parameters packed as
    ``net.parameters()`` flattened in order (W1 row by row, b1, W2, ...).

    Computed by per-sample backpropagation through the Dense layers: for output o, delta starts as
    g'(z_out)·e_o and each layer's block is a_prev[s, i]·delta[s, j].
    """
    refuse_scaling(net, "jacobian")
    values = net.layer_values(x)
    n, k = x.shape[0], net.outputs
    blocks = []
    # delta for every (sample, output o) pair at once: shape (n, k, neurons)
    z_out, a_out = values[-1]
    delta = np.zeros((n, k, k), dtype=net.dtype)
    delta[:, np.arange(k), np.arange(k)] = net.layers[-1].activation.derivative(z_out, a_out)
    for l in range(len(net.layers) - 1, -1, -1):
        previous = x if l == 0 else values[l - 1][1]
        block_W = np.einsum("si,soj->soij", previous, delta).reshape(n, k, -1)
        blocks.append((block_W, delta.reshape(n, k, -1)))
        if l > 0:
            z, a = values[l - 1]
            delta = (delta @ net.layers[l].W.data.T) * net.layers[l - 1].activation.derivative(z, a)[:, None, :]
    parts = [part for pair in reversed(blocks) for part in pair]
    return values[-1][1], np.concatenate(parts, axis=2).reshape(n * k, -1)


def refuse_scaling(net: Network, who: str) -> None:
    """Solvers work on the layers alone: a network with a ``scaling`` is refused, not half-computed."""
    if net.scaling is not None:
        raise ScalingError(
            f"{who} works on a network's layers alone, on standardised data; this network has a "
            "scaling around its layers: pass net.without_scaling() and scaled data"
        )


def pack(net: Network) -> np.ndarray:
    """All parameters as one vector (the order of ``jacobian``)."""
    return np.concatenate([p.data.ravel() for p in net.parameters()])


def unpack(net: Network, vector: np.ndarray) -> None:
    """Write a packed vector back into the parameters."""
    start = 0
    for p in net.parameters():
        p.data[...] = vector[start : start + p.size].reshape(p.shape)
        start += p.size


def packed_gradient(net: Network) -> np.ndarray:
    """Every parameter's gradient, packed in the order of ``pack``; a backward pass must have filled them."""
    parts = []
    for p in net.parameters():
        if p.grad is None:
            raise RuntimeError("a parameter has no gradient yet: run a backward pass (or the fast path) first")
        parts.append(p.grad.ravel())
    return np.concatenate(parts)


def labels_for(loss: str, y: np.ndarray, n: int, outputs: int) -> np.ndarray:
    """Targets in the form the fused losses index with (class labels as ints)."""
    return class_labels(y, n, outputs) if loss == "cross_entropy" else y


_THREADPOOLS: list = []  # [ThreadpoolController, the number of modules loaded when it scanned the libraries]


def blas_threads(limit: int | None):
    """A context limiting BLAS to ``limit`` threads (``None``: unchanged). A ``ThreadpoolController`` is
    reused while no module has been imported since it scanned the loaded libraries (``threadpool_limits``
    scans on every call, about 2 ms, a tenth of a small fit when ``fit`` ran L-BFGS several times); an import
    may have loaded another BLAS (SciPy's, torch's), so then it scans again."""
    if limit is None:
        return contextlib.nullcontext()
    if not _THREADPOOLS or _THREADPOOLS[1] != len(sys.modules):
        _THREADPOOLS[:] = [ThreadpoolController(), len(sys.modules)]
    return _THREADPOOLS[0].limit(limits=limit)
