"""Networks: layers of neurons feeding layers of neurons.

A ``Dense`` layer is many neurons side by side: ``g(x @ W + b)`` with ``W[i, j]`` the weight from input i
to neuron j. A ``Network`` runs layers in sequence. The output neuron's weighted sum is the
*superposition* of the last hidden layer's graphs, each scaled by its outgoing weight:
``contributions(x).sum(1) + b_out`` is exactly that sum.

    >>> net = mlp([1, 16, 1], activation="tanh", seed=0)
    >>> net.predict(np.array([[0.0], [1.0]])).shape
    (2, 1)
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np

from neuronlab.engine import activations
from neuronlab.engine.tensor import Tensor, as_dtype

if TYPE_CHECKING:  # approximate imports this module
    from neuronlab.approximate import Certificate

_HE_INIT = {"relu", "leaky_relu", "gelu", "silu", "softplus"}


class ShapeError(ValueError):
    """Data or weights whose shape does not fit the network."""


class Dense:
    """A layer of ``neurons`` neurons, each seeing all ``inputs``: ``g(x @ W + b)``.

    Args:
        inputs: number of inputs (features, or neurons in the layer before).
        neurons: number of neurons in this layer (its outputs).
        activation: name of g (see ``nl.activations.names()``); ``"linear"`` by default.
        weights, bias: starting values, shapes (inputs, neurons) and (neurons,); random if omitted.
        seed: seed (or ``np.random.Generator``) for the random start.
        dtype: ``"float64"`` (default) or ``"float32"``.

    Random start: He-normal weights (std sqrt(2/inputs)) for ReLU-like activations, Glorot-uniform
    (limit sqrt(6/(inputs+neurons))) for the others; biases uniform in ±1/sqrt(inputs), as in PyTorch,
    so one-input neurons start with thresholds spread over the input range.

    Shape:
        x: (n, inputs) -> (n, neurons)
    """

    def __init__(
        self,
        inputs: int,
        neurons: int,
        activation: str = "linear",
        *,
        weights=None,
        bias=None,
        seed=None,
        dtype="float64",
    ):
        if int(inputs) < 1 or int(neurons) < 1:
            raise ShapeError(f"a layer needs at least 1 input and 1 neuron, got {inputs} and {neurons}")
        self.inputs, self.neurons = int(inputs), int(neurons)
        self.activation = activations.get(activation)
        dtype = as_dtype(dtype)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        if weights is None:
            if self.activation.name in _HE_INIT:
                weights = rng.normal(0.0, np.sqrt(2.0 / self.inputs), (self.inputs, self.neurons))
            else:
                limit = np.sqrt(6.0 / (self.inputs + self.neurons))
                weights = rng.uniform(-limit, limit, (self.inputs, self.neurons))
        if bias is None:
            bound = 1.0 / np.sqrt(self.inputs)
            bias = rng.uniform(-bound, bound, self.neurons)
        weights = np.array(weights, dtype=dtype)
        bias = np.atleast_1d(np.array(bias, dtype=dtype))
        if weights.shape != (self.inputs, self.neurons):
            raise ShapeError(f"weights must have shape ({self.inputs}, {self.neurons}), got {weights.shape}")
        if bias.shape != (self.neurons,):
            raise ShapeError(f"bias must have shape ({self.neurons},), got {bias.shape}")
        self.W = Tensor(weights, requires_grad=True, dtype=dtype)
        self.b = Tensor(bias, requires_grad=True, dtype=dtype)

    @property
    def dtype(self) -> np.dtype:
        return self.W.dtype

    def weighted_sum(self, x: Tensor) -> Tensor:
        """z = x @ W + b, one column per neuron."""
        return x @ self.W + self.b

    def __call__(self, x: Tensor) -> Tensor:
        return self.weighted_sum(x).activation(self.activation.name)

    def thresholds(self) -> np.ndarray:
        """For a one-input layer, where each neuron's weighted sum crosses zero: x = -b/w.

        A neuron with w = 0 never crosses; it gets -b, which keeps it in order without a division by zero.
        """
        if self.inputs != 1:
            raise ShapeError(f"thresholds -b/w are defined for one input; this layer has {self.inputs}")
        w = self.W.data[0]
        return -self.b.data / np.where(w == 0, 1.0, w)

    def forward_array(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) as plain arrays, without recording a graph."""
        z = x @ self.W.data + self.b.data
        return z, self.activation.value(z)

    def parameters(self) -> list[Tensor]:
        return [self.W, self.b]

    def with_activation(self, name: str) -> "Dense":
        """The same neurons with another activation: W and b are shared, not copied, so training one trains
        the other (``fit`` trains a sigmoid output's weighted sum this way under binary cross-entropy)."""
        layer = copy.copy(self)
        layer.activation = activations.get(name)
        return layer

    def __repr__(self) -> str:
        return f"Dense({self.inputs}, {self.neurons}, activation={self.activation.name!r})"


class Scaling:
    """The standardisation ``fit`` adds to a network: inputs ``(x - x_mean) / x_scale`` before the first
    layer, outputs ``z * y_scale + y_mean`` after the last (y_mean 0, y_scale 1 when the outputs are not
    scaled, as for classification). Part of the network: ``predict`` takes raw inputs and returns raw outputs,
    ``save`` stores it, ``to_torch`` folds it into the first and last layers.

    Example:
        >>> s = Scaling.of(np.array([[0.0], [2.0]]))
        >>> s.x_mean, s.x_scale
        (array([1.]), array([1.]))
    """

    def __init__(self, x_mean, x_scale, y_mean, y_scale, dtype="float64"):
        self.x_mean, self.x_scale, self.y_mean, self.y_scale = (
            np.array(v, dtype=as_dtype(dtype)).reshape(-1) for v in (x_mean, x_scale, y_mean, y_scale)
        )
        arrays = (self.x_mean, self.x_scale, self.y_mean, self.y_scale)
        if len(self.x_mean) != len(self.x_scale) or len(self.y_mean) != len(self.y_scale):
            raise ShapeError("a scaling needs one mean and one scale per input and per output")
        if not all(np.all(np.isfinite(v)) for v in arrays) or np.any(self.x_scale <= 0) or np.any(self.y_scale <= 0):
            raise ShapeError("a scaling's means must be finite and its scales finite and positive")

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray | None = None, outputs: int = 1) -> "Scaling":
        """Mean and standard deviation of each column of ``x`` (and of ``y``; without ``y`` the outputs stay
        unscaled); a constant column gets scale 1."""
        x = np.asarray(x, dtype=float)
        x_std = x.std(axis=0)
        if y is None:
            y_mean, y_std = np.zeros(outputs), np.ones(outputs)
        else:
            y = np.asarray(y, dtype=float).reshape(len(y), -1)
            y_mean, y_std = y.mean(axis=0), y.std(axis=0)
        return cls(
            x.mean(axis=0), np.where(x_std > 0, x_std, 1.0), y_mean, np.where(y_std > 0, y_std, 1.0), dtype=x.dtype
        )

    @property
    def scales_outputs(self) -> bool:
        return bool(np.any(self.y_mean != 0) or np.any(self.y_scale != 1))

    def inputs(self, x: np.ndarray) -> np.ndarray:
        """Raw inputs -> what the first layer sees."""
        return (x - self.x_mean) / self.x_scale

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Raw targets -> the units the last layer is trained in."""
        return (y - self.y_mean) / self.y_scale

    def outputs(self, z: np.ndarray) -> np.ndarray:
        """The last layer's output -> raw output units."""
        return z * self.y_scale + self.y_mean if self.scales_outputs else z

    def astype(self, dtype) -> "Scaling":
        return Scaling(self.x_mean, self.x_scale, self.y_mean, self.y_scale, dtype=dtype)

    def describe(self) -> str:
        def numbers(values):
            shown = ", ".join(f"{v:.4g}" for v in values[:4])
            return shown + (f", ... ({len(values)} in all)" if len(values) > 4 else "")

        text = f"inputs standardised: (x - [{numbers(self.x_mean)}]) / [{numbers(self.x_scale)}]"
        if self.scales_outputs:
            text += f"; outputs: z * [{numbers(self.y_scale)}] + [{numbers(self.y_mean)}]"
        return text

    def __repr__(self) -> str:
        return f"Scaling({self.describe()})"


class Network:
    """Layers run one after the other.

    Args:
        layers: ``Dense`` layers whose sizes chain (each layer's inputs = the previous layer's neurons).
        scaling: an optional ``Scaling`` of inputs and outputs around the layers (``fit`` adds one by
            default); ``None`` runs the layers on raw data.

    Shape:
        x: (n, inputs) -> (n, outputs); with one input, a flat array of n numbers is n samples.

    Example:
        >>> net = Network([Dense(1, 2, activation="step", weights=[[1.0, 1.0]], bias=[0.0, -1.0]),
        ...                Dense(2, 1, weights=[[1.0], [-1.0]], bias=[0.0])])
        >>> net.predict(np.array([-0.5, 0.5, 1.5]))[:, 0]      # a bump of height 1 on [0, 1)
        array([0., 1., 0.])
    """

    def __init__(self, layers, scaling: Scaling | None = None):
        layers = list(layers)
        if not layers:
            raise ShapeError("a network needs at least one layer")
        for i, (a, b) in enumerate(zip(layers, layers[1:])):
            if a.neurons != b.inputs:
                raise ShapeError(f"layer {i + 1} has {a.neurons} neurons but layer {i + 2} expects {b.inputs} inputs")
            if a.dtype != b.dtype:
                raise ShapeError(f"layers {i + 1} and {i + 2} have different dtypes ({a.dtype}, {b.dtype})")
        self.layers = layers
        self.scaling = None
        if scaling is not None:
            if len(scaling.x_mean) != layers[0].inputs or len(scaling.y_mean) != layers[-1].neurons:
                raise ShapeError(
                    f"the scaling has {len(scaling.x_mean)} inputs and {len(scaling.y_mean)} outputs; "
                    f"the layers have {layers[0].inputs} and {layers[-1].neurons}"
                )
            if scaling.scales_outputs and layers[-1].activation.name != "linear":
                raise ShapeError("outputs can only be scaled after a linear output layer")
            self.scaling = scaling.astype(layers[0].dtype)
        self.certificate: Certificate | None = (
            None  # set by nl.approximate: the evidence that the network is within eps
        )

    # ---------------------------------------------------------------- shape and parameters
    @property
    def inputs(self) -> int:
        return self.layers[0].inputs

    @property
    def outputs(self) -> int:
        return self.layers[-1].neurons

    @property
    def sizes(self) -> list[int]:
        """Neurons per layer, inputs first: ``[1, 16, 1]`` for a 1-16-1 network."""
        return [self.inputs] + [layer.neurons for layer in self.layers]

    @property
    def dtype(self) -> np.dtype:
        return self.layers[0].dtype

    def parameters(self) -> list[Tensor]:
        """``[W1, b1, W2, b2, ...]``."""
        return [p for layer in self.layers for p in layer.parameters()]

    def n_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all weights, keyed ``"0.W"``, ``"0.b"``, ``"1.W"``, ..."""
        return {
            f"{i}.{name}": p.data.copy()
            for i, layer in enumerate(self.layers)
            for name, p in (("W", layer.W), ("b", layer.b))
        }

    def load_state_dict(self, state: dict) -> None:
        """Put weights from ``state_dict()`` back (copied into the existing arrays)."""
        for i, layer in enumerate(self.layers):
            for name, p in (("W", layer.W), ("b", layer.b)):
                value = np.asarray(state[f"{i}.{name}"])
                if value.shape != p.shape:
                    raise ShapeError(f"{i}.{name} has shape {value.shape}, expected {p.shape}")
                p.data[...] = value

    def copy(self, dtype=None) -> "Network":
        """An independent copy: the same layers' weights and the same scaling, in float type ``dtype``
        (``None``: the network's own)."""
        return Network(
            [
                Dense(
                    l.inputs,
                    l.neurons,
                    l.activation.name,
                    weights=l.W.data,
                    bias=l.b.data,
                    dtype=l.dtype if dtype is None else dtype,
                )
                for l in self.layers
            ],
            scaling=self.scaling,
        )

    # ---------------------------------------------------------------- computing
    def as_input(self, x) -> np.ndarray:
        """``x`` as an (n, inputs) array of the network's dtype, or a ShapeError saying why not."""
        if isinstance(x, Tensor):
            x = x.data
        x = np.asarray(x)
        if x.dtype.kind not in "fiub":
            raise ShapeError(f"inputs must be numbers, got an array of {x.dtype}")
        if x.ndim == 1 and self.inputs == 1:
            x = x.reshape(-1, 1)
        if x.ndim != 2 or x.shape[1] != self.inputs:
            raise ShapeError(
                f"this network takes {self.inputs} input{'s' if self.inputs > 1 else ''} per sample: "
                f"x must have shape (n, {self.inputs}), got {x.shape}"
            )
        return x.astype(self.dtype, copy=False)

    def __call__(self, x) -> Tensor:
        """The output as a Tensor, recording the operations so ``backward()`` can run."""
        if isinstance(x, Tensor):
            if x.dtype != self.dtype:
                raise ShapeError(f"x is {x.dtype} but the network is {self.dtype}")
            out = x if x.ndim == 2 else Tensor(self.as_input(x.data))
        else:
            out = Tensor(self.as_input(x))
        s = self.scaling
        if s is not None:
            out = (out - s.x_mean) * (1.0 / s.x_scale)
        for layer in self.layers:
            out = layer(out)
        if s is not None and s.scales_outputs:
            out = out * s.y_scale + s.y_mean
        return out

    def predict(self, x) -> np.ndarray:
        """The output as an (n, outputs) ndarray (no graph recorded); raw inputs in, raw outputs out."""
        a = self.as_input(x)
        if self.scaling is not None:
            a = self.scaling.inputs(a)
        for layer in self.layers:
            _, a = layer.forward_array(a)
        return a if self.scaling is None else self.scaling.outputs(a)

    def layer_values(self, x) -> list[tuple[np.ndarray, np.ndarray]]:
        """(z, a) for every layer: weighted sums and activations, as arrays, from raw inputs.

        With a ``scaling``, the first layer sees the standardised inputs and the last layer's values are
        given in raw output units (z * y_scale + y_mean): those of ``folded()``.
        """
        a, values = self.as_input(x), []
        if self.scaling is not None:
            a = self.scaling.inputs(a)
        for layer in self.layers:
            z, a = layer.forward_array(a)
            values.append((z, a))
        if self.scaling is not None and self.scaling.scales_outputs:
            z, _ = values[-1]
            z = self.scaling.outputs(z)
            values[-1] = (z, z)  # only a linear output layer is scaled
        return values

    def contributions(self, x, output: int = 0) -> np.ndarray:
        """w_i · h_i(x) for each neuron i of the last hidden layer, shape (n, hidden).

        Their sum plus the output bias is the output neuron's weighted sum (before its activation):
        the output graph is the superposition of the hidden graphs, each scaled by its weight. With an
        output ``scaling`` they are in raw output units (times y_scale), and their sum plus
        ``b_out * y_scale + y_mean`` is the output: the contributions of ``folded()``.
        """
        if len(self.layers) < 2:
            raise ShapeError("contributions need a hidden layer; this network has a single layer")
        if not 0 <= output < self.outputs:
            raise ShapeError(f"output must be in 0..{self.outputs - 1}, got {output}")
        hidden = self.layer_values(x)[-2][1]
        weights = self.layers[-1].W.data[:, output]
        if self.scaling is not None:
            weights = weights * self.scaling.y_scale[output]
        return hidden * weights

    # ---------------------------------------------------------------- rescaling, saving
    def fold_scaling(self, x_mean=0.0, x_scale=1.0, y_mean=0.0, y_scale=1.0) -> "Network":
        """A network on raw data equal to this one on scaled data.

        If this network was trained on ``(x - x_mean) / x_scale`` to predict ``(y - y_mean) / y_scale``,
        the returned network takes raw x and gives raw y: the scalings are folded into the first layer's
        and the last (linear) layer's weights. A network's own ``scaling`` is folded in first.
        """
        net = self.folded()
        x_mean = np.broadcast_to(np.asarray(x_mean, dtype=self.dtype), (self.inputs,))
        x_scale = np.broadcast_to(np.asarray(x_scale, dtype=self.dtype), (self.inputs,))
        first, last = net.layers[0], net.layers[-1]
        # z = ((x - m) / s) @ W + b = x @ (W / s) + (b - (m / s) @ W)
        first.b.data[...] = first.b.data - (x_mean / x_scale) @ first.W.data
        first.W.data[...] = first.W.data / x_scale[:, None]
        if np.any(np.asarray(y_mean) != 0) or np.any(np.asarray(y_scale) != 1):
            if last.activation.name != "linear":
                raise ShapeError("output scaling can only be folded into a linear output layer")
            y_mean = np.broadcast_to(np.asarray(y_mean, dtype=self.dtype), (self.outputs,))
            y_scale = np.broadcast_to(np.asarray(y_scale, dtype=self.dtype), (self.outputs,))
            # y = (h @ W + b) * s + m = h @ (W * s) + (b * s + m)
            last.W.data[...] = last.W.data * y_scale
            last.b.data[...] = last.b.data * y_scale + y_mean
        return net

    def without_scaling(self) -> "Network":
        """The layers alone, with no scaling around them: the same Dense objects (weights shared, not copied).
        Solvers train this on standardised data; the network itself keeps its scaling throughout.

            >>> net = Network([Dense(1, 1, weights=[[2.0]], bias=[0.0])], scaling=Scaling([1.0], [2.0], [0.0], [1.0]))
            >>> net.predict([[3.0]]).item(), net.without_scaling().predict([[3.0]]).item()
            (2.0, 6.0)
        """
        return Network(self.layers)

    def folded(self) -> "Network":
        """An equal network without ``scaling``: it is folded into the first layer's and the last (linear)
        layer's weights and biases (a copy either way)."""
        bare = self.copy()
        bare.scaling = None
        s = self.scaling
        return bare if s is None else bare.fold_scaling(s.x_mean, s.x_scale, s.y_mean, s.y_scale)

    def save(self, path) -> None:
        """Write the network to ``path`` (see ``nl.load``); atomic, no pickled code."""
        from neuronlab.io import save

        save(self, path)

    def to_torch(self):
        """An equivalent ``torch.nn.Sequential`` (needs torch); a ``scaling`` is folded into the weights."""
        from neuronlab.io import to_torch

        return to_torch(self)

    def describe(self) -> str:
        parts = [str(self.inputs)] + [f"{l.neurons} {l.activation.name}" for l in self.layers]
        text = " -> ".join(parts)
        if self.scaling is not None:
            text += ", inputs and outputs standardised" if self.scaling.scales_outputs else ", inputs standardised"
        return text

    def __repr__(self) -> str:
        return f"Network({self.describe()}, {self.n_parameters()} parameters, {self.dtype})"

    def _repr_svg_(self) -> str:
        """Jupyter shows a network as its diagram (the drawing code is imported only here)."""
        from neuronlab.views.diagram import to_svg

        return to_svg(self)


def mlp(sizes, activation: str = "tanh", output_activation: str = "linear", seed=None, dtype="float64") -> Network:
    """A fully connected network: ``sizes[0]`` inputs, hidden layers, ``sizes[-1]`` outputs.

    Args:
        sizes: e.g. ``[1, 16, 1]``: one input, 16 hidden neurons, one output.
        activation: the hidden layers' activation.
        output_activation: the last layer's (``"linear"`` for regression and for logits).
        seed: makes the random start reproducible.
        dtype: ``"float64"`` or ``"float32"``.

    Example:
        >>> mlp([2, 8, 8, 3], activation="relu", seed=1)
        Network(2 -> 8 relu -> 8 relu -> 3 linear, 123 parameters, float64)
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ShapeError(f"sizes needs at least inputs and outputs, e.g. [1, 16, 1]; got {sizes}")
    if min(sizes) < 1:
        raise ShapeError(f"every layer needs at least one neuron, got {sizes}")
    rng = np.random.default_rng(seed)
    layers = [
        Dense(n_in, n_out, activation if i < len(sizes) - 2 else output_activation, seed=rng, dtype=dtype)
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))
    ]
    return Network(layers)
