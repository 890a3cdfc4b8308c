"""Tensor: a NumPy array that remembers how it was made, so gradients can flow back through it.

Each operation computes its output and, right beside it, says how the gradient of the output flows to its
inputs (the local derivative times the incoming gradient: the chain rule). ``backward()`` visits the graph
of operations in reverse topological order and runs those rules.

    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> loss = (a * a).sum()          # a1^2 + a2^2
    >>> loss.backward()
    >>> a.grad                        # d/da sum(a^2) = 2a
    array([4., 6.])
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from neuronlab.engine import activations as _activations

FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


class DTypeError(ValueError):
    """Two tensors of different float types met in one operation (neuronlab never converts silently)."""


def as_dtype(dtype) -> np.dtype:
    """The NumPy dtype for ``"float64"``/``"float32"`` (or the NumPy types); anything else is an error."""
    d = np.dtype(dtype)
    if d not in FLOAT_DTYPES:
        raise DTypeError(f"dtype must be float64 or float32, not {d}")
    return d


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes NumPy broadcasting added or stretched, so it has ``shape`` again.

    If x of shape (3,) was added to y of shape (2, 3), each x[j] was used twice: its gradient is the sum
    of both uses.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


class Tensor:
    """An array with a gradient.

    Args:
        data: anything ``np.asarray`` accepts. Integers and lists become float64; a float32 array stays
            float32 unless ``dtype`` says otherwise.
        requires_grad: whether ``backward()`` should fill ``.grad`` for this tensor. Parameters need it;
            data does not.
        dtype: ``"float64"`` (default) or ``"float32"``.

    After ``loss.backward()``, ``t.grad`` is an ndarray of ``t.data``'s shape holding d loss / d t.
    Gradients of leaves (tensors not made by an operation, like parameters) add up over calls, as in
    PyTorch; call ``zero_grad()`` (or the optimizer's) between steps.
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "op", "__weakref__")
    __array_priority__ = 100  # ndarray (op) Tensor -> Tensor's reflected op, not an object array
    data: np.ndarray
    grad: np.ndarray | None  # None until backward() reaches this tensor (or after zero_grad())
    requires_grad: bool
    _parents: tuple[Tensor, ...]
    _backward: Callable[[np.ndarray], None] | None  # None for leaves: nothing to pass the gradient on to
    op: str

    def __init__(self, data, requires_grad: bool = False, dtype=None, _parents: tuple[Tensor, ...] = (), op: str = ""):
        if isinstance(data, Tensor):
            data = data.data
        if dtype is None:
            arr = np.asarray(data)
            if arr.dtype not in FLOAT_DTYPES:
                arr = arr.astype(np.float64)
        else:
            arr = np.asarray(data, dtype=as_dtype(dtype))
        self.data = arr
        self.grad = None
        self.requires_grad = requires_grad
        self._parents = _parents
        self._backward = None
        self.op = op

    # ---------------------------------------------------------------- basics
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4, threshold=20)}, dtype={self.dtype}{grad})"

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> "Tensor":
        """The same values, cut off from the graph (no gradient flows through)."""
        return Tensor(self.data)

    def zero_grad(self) -> None:
        self.grad = None

    def _lift(self, other) -> "Tensor":
        """A Tensor for ``other``; Python numbers and arrays take this tensor's dtype."""
        if isinstance(other, Tensor):
            if other.data.dtype != self.data.dtype:
                raise DTypeError(
                    f"cannot combine {self.data.dtype} and {other.data.dtype} tensors; "
                    f"convert one of them first (Tensor(t.data, dtype=...))"
                )
            return other
        return Tensor(np.asarray(other, dtype=self.data.dtype))

    def _result(self, data: np.ndarray, parents: tuple[Tensor, ...], op: str) -> "Tensor":
        needs = any(p.requires_grad for p in parents)
        return Tensor(data, requires_grad=needs, _parents=parents if needs else (), op=op)

    def _accumulate(self, grad: np.ndarray) -> None:
        """Add one path's contribution to d loss / d self (a value used twice gets both)."""
        if not self.requires_grad:
            return
        if self.grad is None:
            self.grad = grad
        else:
            self.grad = self.grad + grad

    # ---------------------------------------------------------------- primitives
    def __add__(self, other) -> "Tensor":
        other = self._lift(other)
        out = self._result(self.data + other.data, (self, other), "+")

        def _backward(g):  # d(a + b)/da = 1, d(a + b)/db = 1
            self._accumulate(unbroadcast(g, self.shape))
            other._accumulate(unbroadcast(g, other.shape))

        out._backward = _backward
        return out

    def __mul__(self, other) -> "Tensor":
        other = self._lift(other)
        out = self._result(self.data * other.data, (self, other), "*")

        def _backward(g):  # d(a * b)/da = b, d(a * b)/db = a
            self._accumulate(unbroadcast(g * other.data, self.shape))
            other._accumulate(unbroadcast(g * self.data, other.shape))

        out._backward = _backward
        return out

    def __pow__(self, exponent) -> "Tensor":
        if not isinstance(exponent, numbers.Real):  # a Python or NumPy int/float (not a Tensor, string, array)
            raise TypeError("Tensor ** p needs a number p (use exp and log for tensor exponents)")
        p = float(exponent)
        out = self._result(self.data**p, (self,), f"**{exponent}")

        def _backward(g):  # d x^p / dx = p x^(p-1)
            self._accumulate(g * (p * self.data ** (p - 1)))

        out._backward = _backward
        return out

    def __matmul__(self, other) -> "Tensor":
        other = self._lift(other)
        if self.ndim < 2 or other.ndim < 2:
            raise ValueError(f"matmul needs 2-D operands, got shapes {self.shape} and {other.shape}")
        out = self._result(self.data @ other.data, (self, other), "@")

        def _backward(g):  # d(A @ B)/dA = g @ B^T, d(A @ B)/dB = A^T @ g
            if self.requires_grad:
                self._accumulate(unbroadcast(g @ np.swapaxes(other.data, -1, -2), self.shape))
            if other.requires_grad:
                other._accumulate(unbroadcast(np.swapaxes(self.data, -1, -2) @ g, other.shape))

        out._backward = _backward
        return out

    def exp(self) -> "Tensor":
        out = self._result(np.exp(self.data), (self,), "exp")

        def _backward(g):  # d e^x / dx = e^x
            self._accumulate(g * out.data)

        out._backward = _backward
        return out

    def log(self) -> "Tensor":
        out = self._result(np.log(self.data), (self,), "log")

        def _backward(g):  # d ln x / dx = 1 / x
            self._accumulate(g / self.data)

        out._backward = _backward
        return out

    def abs(self) -> "Tensor":
        out = self._result(np.abs(self.data), (self,), "abs")

        def _backward(g):  # d|x|/dx = sign(x) (0 at x = 0, as in PyTorch)
            self._accumulate(g * np.sign(self.data))

        out._backward = _backward
        return out

    def sum(self, axis=None, keepdims: bool = False) -> "Tensor":
        out = self._result(np.sum(self.data, axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward(g):  # each summed element gets the whole gradient of the sum
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self._accumulate(np.broadcast_to(g, self.shape).copy())

        out._backward = _backward
        return out

    def activation(self, name: str) -> "Tensor":
        """g(self) for a named activation; its derivative lives beside its value in ``activations.py``."""
        act = _activations.get(name)
        out = self._result(act.value(self.data), (self,), name)

        def _backward(g):  # d g(z)/dz, written in terms of z and g(z)
            self._accumulate(g * act.derivative(self.data, out.data))

        out._backward = _backward
        return out

    def reshape(self, *shape) -> "Tensor":
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        out = self._result(self.data.reshape(shape), (self,), "reshape")

        def _backward(g):
            self._accumulate(g.reshape(self.shape))

        out._backward = _backward
        return out

    def transpose(self, *axes) -> "Tensor":
        axes = axes or tuple(reversed(range(self.ndim)))
        out = self._result(self.data.transpose(axes), (self,), "transpose")

        def _backward(g):  # undo the permutation
            self._accumulate(g.transpose(np.argsort(axes)))

        out._backward = _backward
        return out

    @property
    def T(self) -> "Tensor":
        return self.transpose()

    def __getitem__(self, index) -> "Tensor":
        if isinstance(index, Tensor):
            index = index.data
        out = self._result(self.data[index], (self,), "index")

        def _backward(g):  # scatter back; np.add.at adds up elements picked more than once
            grad = np.zeros_like(self.data)
            np.add.at(grad, index, g)
            self._accumulate(grad)

        out._backward = _backward
        return out

    # ---------------------------------------------------------------- built from the primitives
    def __neg__(self) -> "Tensor":
        return self * -1.0

    def __sub__(self, other) -> "Tensor":
        return self + (-self._lift(other))

    def __rsub__(self, other) -> "Tensor":
        return self._lift(other) + (-self)

    def __truediv__(self, other) -> "Tensor":
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other) -> "Tensor":
        return self._lift(other) * self**-1

    def __rmatmul__(self, other) -> "Tensor":
        return self._lift(other) @ self

    __radd__ = __add__
    __rmul__ = __mul__

    def mean(self, axis=None, keepdims: bool = False) -> "Tensor":
        count = self.data.size if axis is None else np.prod([self.shape[a] for a in np.atleast_1d(axis)])
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """log(e^z_i / sum_j e^z_j), computed stably: shifting z by its maximum changes nothing."""
        shifted = self - np.max(self.data, axis=axis, keepdims=True)  # a constant: no gradient needed
        return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()

    def sigmoid(self) -> "Tensor":
        return self.activation("sigmoid")

    def tanh(self) -> "Tensor":
        return self.activation("tanh")

    def relu(self) -> "Tensor":
        return self.activation("relu")

    # ---------------------------------------------------------------- backpropagation
    def backward(self, grad=None) -> None:
        """Fill ``.grad`` of every tensor this one depends on with d self / d tensor.

        ``grad`` is d loss / d self; it defaults to 1 for a single number. Intermediate gradients are
        recomputed on every call; leaf gradients add up, so a second call without ``zero_grad()`` doubles
        them exactly (as in PyTorch).
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() on a tensor of shape {self.shape} needs grad= (d loss / d this tensor); "
                    "for a loss, reduce it to one number first (e.g. .mean())"
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"grad has shape {grad.shape}, but the tensor has shape {self.shape}")
        order = self._topological_order()
        for node in order:
            if node._parents:  # intermediate: start from zero on every call
                node.grad = None
        self._accumulate(grad)
        for node in reversed(order):
            if node._backward is not None and node.grad is not None:
                node._backward(node.grad)

    def _topological_order(self, only_requiring_grad: bool = True) -> list[Tensor]:
        """Every tensor this one depends on, parents before children (by default only those needing a
        gradient; the computation-graph drawing asks for all).

        Iterative depth-first search: deep graphs (thousands of operations) do not hit Python's
        recursion limit.
        """
        order: list[Tensor] = []
        visited: set[int] = set()
        stack = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            for parent in node._parents:
                if (parent.requires_grad or not only_requiring_grad) and id(parent) not in visited:
                    stack.append((parent, False))
        return order


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Shorthand for ``Tensor(data, requires_grad, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)
