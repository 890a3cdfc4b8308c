"""One browser tab's state on the server: its data, network, optimizer and training progress.

Everything a message can ask for is checked and capped here; a bad request raises ``RequestError`` with
a message for the page and the field it concerns, and leaves the session as it was.
"""

from __future__ import annotations

import base64
import json
import math
import struct
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from neuronlab.engine import activations, losses
from neuronlab import data
from neuronlab.data import DataError
from neuronlab.expr import ExpressionError, expr
from neuronlab.engine.network import Network, mlp
from neuronlab.training.optim import SGD, Adam
from neuronlab.engine.tensor import Tensor
from neuronlab.training.train import Diverged, Scores, Stepper, fit_scaling
from neuronlab.apps.playground.script import script as _script

MAX_LAYERS = 8
MAX_NEURONS = 64  # per layer, for the page's drawing and speed
# ... but a network of one hidden layer may be as wide as the Approximate tab builds them, so that every build
# can be trained from there (its parameters stay below those of 8 layers of 64 on 7 features)
MAX_APPROXIMATION_NEURONS = 2000
MAX_EVENT_CHARS = 1_000_000  # the changes made while training that a tab keeps for its exported script
MAX_POINTS = 2000
MAX_EXPRESSION = 200
MAX_CSV_BYTES = 200_000
MAX_STEPS_PER_SECOND = 3000
GRID_1D = 200
GRID_2D = 40
BIG_NETWORK = 10_000  # parameters from which the heat maps use a coarser grid (the page draws them interpolated)
GRID_2D_BIG, GRID_1D_BIG = 24, 100
MAX_HIDDEN_SHOWN = 32
DRAWN_NEURONS = 16  # neurons per layer the page's diagram draws
NODE_PICTURES_WIDE = 16  # layers up to this wide (inputs included) get a small picture at every node
NODE_POINTS_1D, NODE_GRID_2D = 25, 12
THUMBNAIL_POINTS = 120  # points of each data set's thumbnail  # a node's picture: its values at this many x, or on this many x this many cells
MAX_HISTORY = 1500
REFRESH_SECONDS = 0.25  # while training, the metrics and the training and test losses are measured at most this
REFRESH_SHARE = 0.1  # often, and less often when slow: they may take at most this share of the time
STUCK_RECORDS = 40  # time slices (of at most 1/60 s) a loss must stay high before the page suggests a lower rate
MAX_LABEL = 40  # characters of a class label in a frame (at most data.MAX_LABELS classes)
FEATURES = {
    "x1": lambda x: x[:, 0],
    "x2": lambda x: x[:, 1],
    "x1^2": lambda x: x[:, 0] ** 2,
    "x2^2": lambda x: x[:, 1] ** 2,
    "x1*x2": lambda x: x[:, 0] * x[:, 1],
    "sin(x1)": lambda x: np.sin(x[:, 0]),
    "sin(x2)": lambda x: np.sin(x[:, 1]),
}
# The same features as Python text, for the exported script (a test holds the two to the same values)
FEATURE_CODE = {
    "x1": "x[:, 0]",
    "x2": "x[:, 1]",
    "x1^2": "x[:, 0] ** 2",
    "x2^2": "x[:, 1] ** 2",
    "x1*x2": "x[:, 0] * x[:, 1]",
    "sin(x1)": "np.sin(x[:, 0])",
    "sin(x2)": "np.sin(x[:, 1])",
}
DATASETS = {
    "circle": (data.circle, 2),
    "xor": (data.xor, 2),
    "gaussians": (data.gaussians, 2),
    "spiral": (data.spiral, 2),
    "three gaussians": (data.gaussians, 3),
}
TRAINABLE = [name for name in activations.names() if activations.get(name).learnable]
DEFAULTS = {
    "mode": "function",
    "expr": "sin(3*x)",
    "domain": [-3.0, 3.0],
    "points": 200,
    "noise": 0.0,
    "dataset": "circle",
    "test_ratio": 0.3,
    "features": ["x1", "x2"],
    "layers": [8],
    "activation": "tanh",
    "optimizer": "adam",
    "lr": 0.01,
    "batch": 32,
    "l1": 0.0,
    "l2": 0.0,
    "stop_loss": 0.0,
    "seed": 0,
    "drawn": [],
    "csv": "",
    "speed": 1.0,
    "line": 0.0,
    "layer_shown": 0,
    "task": "auto",
}


def use_one_blas_thread() -> None:
    """Ask NumPy's BLAS for one thread per call, from now on (threadpoolctl, as fit's solvers use it).

    For the playground server only: each tab trains in its own worker thread on small matrices, where BLAS
    threads spin against each other and the other tabs (measured on 2 busy cores, 8 layers of 64: 5 training
    slices with frames a second with the default threads, 29 with one).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # not as a context manager: the limit stays


class Measured(NamedTuple):
    """One pass of the network over every point (``Session._measure``): all of one set of weights."""

    at: float  # time.perf_counter() when measured
    step: int
    metrics: dict
    predicted: np.ndarray | None  # each point's class (classification)
    train_loss: float  # the loss on all training points, raw units
    test_loss: float  # NaN without test points
    cost: float  # seconds the pass took


class RequestError(ValueError):
    """A request the session cannot carry out; ``field`` names the control it concerns."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(config: dict, key: str, low: float, high: float) -> float:
    if not _is_number(config[key]):
        raise RequestError(f"{key} must be a number", key)
    try:
        value = float(config[key])
    except (TypeError, ValueError):
        raise RequestError(f"{key} must be a number", key) from None
    if not (math.isfinite(value) and low <= value <= high):
        raise RequestError(f"{key} must be between {low:g} and {high:g}, got {value:g}", key)
    return value


def _integer(config: dict, key: str, low: int, high: int) -> int:
    if key == "layers" and _is_number(config[key]) and not low <= config[key] <= high:
        raise RequestError(
            f"layers must be between {low} and {high} neurons"
            + (
                f" (one hidden layer alone may have up to {MAX_APPROXIMATION_NEURONS:,}, as the "
                f"Approximate tab builds them)"
                if high == MAX_NEURONS
                else ""
            ),
            key,
        )
    value = _number(config, key, low, high)
    if value != int(value):
        raise RequestError(f"{key} must be a whole number", key)
    return int(value)


# The bounds of every number a configuration holds, (low, high, whole number): check_config checks with them,
# and the page checks a share link with the same table (facts.py writes it into static/facts.js).
RANGES = {
    "points": (2, MAX_POINTS, True),
    "noise": (0.0, 10.0, False),
    "test_ratio": (0.0, 0.9, False),
    "lr": (1e-6, 10.0, False),
    "batch": (1, MAX_POINTS, True),
    "l1": (0.0, 1.0, False),
    "l2": (0.0, 1.0, False),
    "stop_loss": (0.0, 1e6, False),
    "seed": (0, 2**31 - 1, True),
    "speed": (0.01, 1.0, False),
    "line": (-1.5, 1.5, False),  # x2 of the line the 2-D superposition is drawn along
    "layer_shown": (0, MAX_LAYERS, True),  # its hidden layer; 0: the last
}
DOMAIN_BOUND = 1e6  # a function's domain lies within [-DOMAIN_BOUND, DOMAIN_BOUND]


def limits() -> dict:
    """What the page needs to check a share link as check_config does: the number ranges and the caps."""
    return {
        "ranges": {key: list(bounds) for key, bounds in RANGES.items()},
        "domain_bound": DOMAIN_BOUND,
        "max_layers": MAX_LAYERS,
        "max_neurons": MAX_NEURONS,
        "max_wide_layer": MAX_APPROXIMATION_NEURONS,
        "max_points": MAX_POINTS,
        "max_expression": MAX_EXPRESSION,
        "max_csv_bytes": MAX_CSV_BYTES,
        "features": list(FEATURES),
    }


def check_config(raw) -> dict:
    """A complete, checked configuration from a (partial) request; unknown keys are refused."""
    if not isinstance(raw, dict):
        raise RequestError("config must be an object")
    unknown = set(raw) - set(DEFAULTS)
    if unknown:
        raise RequestError(f"unknown setting(s): {', '.join(sorted(map(str, unknown)))}")
    config = {**DEFAULTS, **raw}
    for key in ("mode", "dataset", "activation", "optimizer", "expr", "csv", "task"):
        if not isinstance(config[key], str):
            raise RequestError(f"{key} must be text", key)
    if config["task"] not in ("auto", "classification", "regression"):
        raise RequestError("task must be auto, classification or regression", "task")
    if config["mode"] not in ("function", "points", "dataset", "csv"):
        raise RequestError("mode must be function, points, dataset or csv", "mode")
    if not isinstance(config["expr"], str) or len(config["expr"]) > MAX_EXPRESSION:
        raise RequestError(f"the expression must be text of at most {MAX_EXPRESSION} characters", "expr")
    domain = config["domain"]
    if not (isinstance(domain, list) and len(domain) == 2):
        raise RequestError("domain must be [a, b]", "domain")
    a, b = (_number({"domain": v}, "domain", -DOMAIN_BOUND, DOMAIN_BOUND) for v in domain)
    if not a < b:
        raise RequestError("the domain needs a < b", "domain")
    config["domain"] = [a, b]
    if config["dataset"] not in DATASETS:
        raise RequestError(f"dataset must be one of {', '.join(DATASETS)}", "dataset")
    features = config["features"]
    if not (isinstance(features, list) and features and all(isinstance(f, str) and f in FEATURES for f in features)):
        raise RequestError(f"features must be a non-empty list from {', '.join(FEATURES)}", "features")
    config["features"] = [f for f in FEATURES if f in features]
    layers = config["layers"]
    if not (isinstance(layers, list) and len(layers) <= MAX_LAYERS):
        raise RequestError(f"at most {MAX_LAYERS} hidden layers", "layers")
    config["layers"] = [
        _integer({"layers": n}, "layers", 1, MAX_APPROXIMATION_NEURONS if len(layers) == 1 else MAX_NEURONS)
        for n in layers
    ]
    if config["activation"] not in TRAINABLE + ["step"]:
        raise RequestError(f"activation must be one of {', '.join(TRAINABLE + ['step'])}", "activation")
    if config["optimizer"] not in ("adam", "sgd"):
        raise RequestError("optimizer must be adam or sgd", "optimizer")
    for key, (low, high, whole) in RANGES.items():
        config[key] = (_integer if whole else _number)(config, key, low, high)
    drawn = config["drawn"]
    if not (isinstance(drawn, list) and len(drawn) <= MAX_POINTS):
        raise RequestError(f"at most {MAX_POINTS} drawn points", "drawn")
    try:
        if not all(isinstance(p, list) and len(p) == 2 and all(_is_number(v) for v in p) for p in drawn):
            raise TypeError
        config["drawn"] = [[float(p[0]), float(p[1])] for p in drawn]
    except (TypeError, ValueError, IndexError):
        raise RequestError("drawn points must be [x, y] pairs", "drawn") from None
    if not all(math.isfinite(v) for p in config["drawn"] for v in p):
        raise RequestError("drawn points must be finite", "drawn")
    if not isinstance(config["csv"], str) or len(config["csv"].encode()) > MAX_CSV_BYTES:
        raise RequestError(f"the CSV must be text of at most {MAX_CSV_BYTES // 1000} kB", "csv")
    return config


class Session:
    """A tab's training run. ``configure`` rebuilds it; ``train_for`` runs steps for a time budget."""

    def __init__(self):
        self.status, self.message = "ready", ""
        self.configure({})

    # ---------------------------------------------------------------- building
    def configure(self, raw: dict) -> None:
        note = getattr(self, "data_note", "")
        try:
            self._configure(raw)
        except Exception:
            self.data_note = note  # a refused configuration changes nothing
            raise

    def _configure(self, raw: dict) -> None:
        config = check_config(raw)
        x, y, task, classes, dims, target = self._data(config)
        rng = np.random.default_rng(config["seed"])
        order = rng.permutation(len(x))
        n_test = int(round(config["test_ratio"] * len(x))) if config["mode"] != "function" else 0
        if len(x) - n_test < 1:
            raise RequestError("the test ratio leaves no training points", "test_ratio")
        test, train = order[:n_test], order[n_test:]
        outputs = len(classes) if task == "classification" else 1
        net = mlp([x.shape[1], *config["layers"], outputs], activation=config["activation"], seed=config["seed"])
        # A CSV's columns can differ by orders of magnitude: it is standardised as nl.fit does, the scaling part of
        # the network. A function's samples, drawn points and the 2-D sets are not: they lie within a few units
        # of 0 already (the domain is the user's; the sets are in [-1.5, 1.5]), and unscaled, the weights that
        # train are the ones the editor sets, a network adopted from the Approximate tab (built on raw x) trains
        # on as it is, and the Backprop tab's step is the playground's own step.
        if config["mode"] == "csv":
            net = Network(net.layers, scaling=fit_scaling(net, x[train], y[train], task))
        self._adopt(config, net, x, y, train, test, task, classes, dims, target)

    def _adopt(self, config, net, x, y, train, test, task, classes, dims, target) -> None:
        self.config, self.net, self.task, self.classes, self.dims, self.target = (
            config,
            net,
            task,
            classes,
            dims,
            target,
        )
        self.x, self.y, self.test_index, self.train_index = x, y, test, train
        self._measured, self._complete_at = None, -math.inf
        self.x_train, self.y_train, self.x_test, self.y_test = x[train], y[train], x[test], y[test]
        self.loss_name = "cross_entropy" if task == "classification" else "mse"
        self.history, self.steps, self._slice_losses = [], 0, []
        self.status, self.message = "ready", ""
        # what the exported script needs to replay the run: where the start came from, and every change
        # made while it trained (live settings, edited neurons), at the step it was made
        self.origin, self.events, self.diverged_at = None, [], None
        self._event_chars = []  # the length of each event's line in the exported script
        self.events_given_up = None  # the step at which the changes outgrew MAX_EVENT_CHARS (then none are kept)
        self._rebuild_optimizer()

    def _rebuild_optimizer(self) -> None:
        c, params = self.config, self.net.parameters()
        opt = Adam(params, lr=c["lr"]) if c["optimizer"] == "adam" else SGD(params, lr=c["lr"], momentum=0.9)
        self.trainable = all(layer.activation.learnable for layer in self.net.layers)
        # a scaled network's layers train as fit trains them: a Network of the same layers (the same weight
        # arrays) without the scaling, on the standardised training rows; self.net, with its scaling, is the model
        scaling, x_fit, y_fit = self.net.scaling, self.x_train, self.y_train
        if scaling is not None:
            x_fit = scaling.inputs(x_fit)
            y_fit = scaling.targets(y_fit) if scaling.scales_outputs else y_fit
        self.stepper = Stepper(
            self.net.without_scaling(),
            opt,
            x_fit,
            y_fit,
            self.loss_name,
            batch=c["batch"],
            l1=c["l1"],
            l2=c["l2"],
            rng=np.random.default_rng(c["seed"]),
        )
        self.stepper.steps = self.steps
        self.start_settings = {k: c[k] for k in ("lr", "batch", "l1", "l2")}  # before any live change

    def _data(self, config):
        mode = config["mode"]
        self.data_note = ""
        rng = np.random.default_rng(config["seed"])
        if mode == "function":
            try:
                f = expr(config["expr"])
            except ExpressionError as err:
                raise RequestError(str(err), "expr") from None
            if "y" in f.variables:
                raise RequestError("the target is a function of x alone here", "expr")
            x = np.linspace(*config["domain"], config["points"])
            y = f(x)
            if not np.all(np.isfinite(y)):
                raise RequestError(
                    f"{config['expr']} is not finite at x = {x[~np.isfinite(y)][0]:g}; choose a "
                    "domain where it is defined",
                    "expr",
                )
            y = y + rng.normal(0.0, config["noise"], y.shape) if config["noise"] else y
            return x.reshape(-1, 1), y.reshape(-1, 1), "regression", [], 1, f
        if mode == "points":
            points = np.array(config["drawn"], dtype=float).reshape(-1, 2)
            if len(points) < 2:
                raise RequestError("draw at least two points", "drawn")
            return points[:, :1], points[:, 1:], "regression", [], 1, None
        if mode == "csv":
            try:
                ds = data.parse_csv(config["csv"], source="the uploaded CSV", task=config["task"])
            except DataError as err:
                raise RequestError(str(err), "csv") from None
            if len(ds.x) > MAX_POINTS:
                raise RequestError(f"the CSV has {len(ds.x)} rows; at most {MAX_POINTS}", "csv")
            y = ds.y.reshape(-1, 1) if ds.task == "regression" else ds.y
            dims = ds.x.shape[1] if ds.x.shape[1] <= 2 else 0
            standardised = "inputs and target" if ds.task == "regression" else "inputs"
            self.data_note = (
                f"target {ds.target_name!r}: {ds.reason}. {standardised.capitalize()} standardised on "
                "the training rows, as nl.fit does; every number shown is in the CSV's own units."
            )
            classes = [c if len(c) <= MAX_LABEL else c[: MAX_LABEL - 1] + "…" for c in ds.classes or []]
            return ds.x, y, ds.task, classes, dims, None  # every frame carries the labels: short ones
        make, classes = DATASETS[config["dataset"]]
        kwargs = {"classes": classes} if config["dataset"] in ("three gaussians",) else {}
        ds = make(config["points"], noise=config["noise"], seed=config["seed"], **kwargs)
        self.raw_2d = ds.x
        x = np.column_stack([FEATURES[name](ds.x) for name in config["features"]])
        return x, ds.y, "classification", [str(k) for k in range(classes)], 2, None

    # ---------------------------------------------------------------- changing
    def update(self, raw: dict) -> None:
        """Change lr, batch, l1, l2, stop_loss or speed while training; anything else rebuilds (reset)."""
        live = {"lr", "l1", "l2", "stop_loss", "speed", "batch", "line", "layer_shown"}
        if set(raw) <= live:
            config = check_config({**self.config, **raw})
            self.config = config
            self.stepper.opt.lr = config["lr"]
            self.stepper.l1, self.stepper.l2 = config["l1"], config["l2"]
            self.stepper.batch = min(config["batch"], len(self.x_train))
            self._record((self.steps, "set", {k: config[k] for k in ("lr", "batch", "l1", "l2")}))
            return
        was = self.status
        self.configure({**self.config, **raw})
        if was == "training":
            self.status = "training"

    def edit(self, layer: int, neuron: int, weights, bias) -> None:
        """Set one neuron's incoming weights and bias (the page's editor), in the units the page shows them."""
        if not (_is_number(layer) and layer == int(layer) and 0 <= layer < len(self.net.layers)):
            raise RequestError("no such layer")
        layer = int(layer)
        dense = self.net.layers[layer]
        if not (_is_number(neuron) and neuron == int(neuron) and 0 <= neuron < dense.neurons):
            raise RequestError("no such neuron")
        neuron = int(neuron)
        try:
            if not (isinstance(weights, list) and all(_is_number(v) for v in weights) and _is_number(bias)):
                raise TypeError
            w = np.array(weights, dtype=float).reshape(dense.inputs)
            b = float(bias)
        except (TypeError, ValueError):
            raise RequestError(f"give {dense.inputs} weight(s) and a bias, as numbers") from None
        if not (np.all(np.isfinite(w)) and math.isfinite(b)):
            raise RequestError("weights and bias must be finite numbers within ±10000")
        W, bias = self._held(layer, w.reshape(-1, 1), np.array([b]), [neuron])
        w, b = W[:, 0], float(bias[0])
        if not (np.all(np.abs(w) <= 1e4) and abs(b) <= 1e4):
            raise RequestError("weights and bias must be finite numbers within ±10000" + self._held_note())
        dense.W.data[:, neuron] = w
        dense.b.data[neuron] = b
        self._record((self.steps, "edit", layer, neuron, w.tolist(), b))  # as the layers hold them

    def _held(self, layer: int, W: np.ndarray, b: np.ndarray, neurons: list) -> tuple[np.ndarray, np.ndarray]:
        """Weights and biases of ``neurons`` of ``layer`` as the page shows them (raw units: the network with its
        scaling folded in, ``net.folded()``) -> as the layer holds them (acting on standardised data)."""
        s = self.net.scaling
        if s is None:
            return W, b
        if layer == len(self.net.layers) - 1 and s.scales_outputs:  # y = z * y_scale + y_mean, undone
            W, b = W / s.y_scale[neurons], (b - s.y_mean[neurons]) / s.y_scale[neurons]
        if layer == 0:  # (x - x_mean) / x_scale @ W + b = x @ (W / x_scale) + b - (x_mean / x_scale) @ W, undone
            W, b = W * s.x_scale[:, None], b + s.x_mean @ W
        return W, b

    def _held_note(self) -> str:
        return "" if self.net.scaling is None else " (as the network holds them, on the standardised data)"

    def set_layer(self, layer: int, weights, bias) -> None:
        """Set a whole layer's weights (inputs x neurons) and biases, in the units the page shows (see ``_held``):
        the page restoring a reloaded tab."""
        if not (isinstance(layer, int) and 0 <= layer < len(self.net.layers)):
            raise RequestError("no such layer")
        dense = self.net.layers[layer]
        try:
            W = np.array(weights, dtype=float).reshape(dense.inputs, dense.neurons)
            b = np.array(bias, dtype=float).reshape(dense.neurons)
        except (TypeError, ValueError):
            raise RequestError(
                f"layer {layer + 1} needs {dense.inputs} x {dense.neurons} weights and {dense.neurons} biases"
            ) from None
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise RequestError("weights and biases must be finite numbers within ±10000")
        W, b = self._held(layer, W, b, list(range(dense.neurons)))
        if not (np.abs(W).max() <= 1e4 and np.abs(b).max() <= 1e4):
            raise RequestError("weights and biases must be finite numbers within ±10000" + self._held_note())
        dense.W.data[...] = W
        dense.b.data[...] = b
        self._record((self.steps, "layer", layer, W.tolist(), b.tolist()))

    def _record(self, event: tuple) -> None:
        """Keep a change made while training, for the exported script to replay at its step.

        Changes made at the same step (no training step between them) are coalesced: a layer's weights replace
        the earlier changes of that layer at that step, a neuron's edit the earlier edit of that neuron (or its
        column of that layer's weights), the settings the earlier settings; settings that change nothing are
        not kept. If the changes still outgrow MAX_EVENT_CHARS of script, none are kept from then on: the
        run cannot be replayed step by step, and the script starts from the weights it reached instead.
        """
        from neuronlab.apps.playground.script import _event_line

        if self.events_given_up is not None:
            return
        step, kind = event[0], event[1]
        if kind == "set":
            in_use = next((e[2] for e in reversed(self.events) if e[1] == "set"), self.start_settings)
            if event[2] == in_use:
                return
        i = len(self.events)
        while i > 0 and self.events[i - 1][0] == step:  # the changes already made at this step
            i -= 1
            old = self.events[i]
            if kind == "edit" and old[1] == "layer" and old[2] == event[2]:  # into that layer's weights
                layer, neuron, weights, bias = event[2:]
                for row, w in zip(old[3], weights):
                    row[neuron] = w
                old[4][neuron] = bias
                self._event_chars[i] = len(_event_line(old))
                return self._check_event_size()
            if (
                old[1] == kind == "set"
                or (kind == "layer" and old[1] in ("layer", "edit") and old[2] == event[2])
                or (old[1] == kind == "edit" and old[2:4] == event[2:4])
            ):
                del self.events[i], self._event_chars[i]
        self.events.append(event)
        self._event_chars.append(len(_event_line(event)))
        self._check_event_size()

    def _check_event_size(self) -> None:
        if sum(self._event_chars) > MAX_EVENT_CHARS:
            self.events, self._event_chars, self.events_given_up = [], [], self.steps

    def adopt_network(self, net: Network, config: dict, origin: dict | None = None) -> None:
        """Use a ready network (the approximate tab's construction) as the playground's starting point.

        ``origin`` holds the ``nl.approximate`` arguments that built it (expr, domain, eps, activation), so
        the exported script can build it again; without it the script carries the starting weights.
        """
        self.configure(config)
        self.net = net
        self.origin = dict(origin) if origin else {"weights": net.state_dict()}
        self._rebuild_optimizer()

    # ---------------------------------------------------------------- training
    @property
    def idle(self) -> str:
        """The status of a session not training: "ready" before its first step, "paused" after."""
        return "paused" if self.steps else "ready"

    def budget(self, seconds: float) -> int:
        """The steps ``seconds`` of training may take at this speed (at least one)."""
        return max(1, int(MAX_STEPS_PER_SECOND * self.config["speed"] * seconds))

    def train_for(self, seconds: float, budget: int | None = None, stop: threading.Event | None = None) -> int:
        """Run steps for about ``seconds``, at most ``budget`` of them (by default those the speed allows), ending
        early once ``stop`` is set; records the losses. Returns how many steps it ran."""
        return self._run(self.budget(seconds) if budget is None else budget, time.perf_counter() + seconds, stop)

    def train_for_steps(self, count: int) -> None:
        """Exactly ``count`` steps (the page's "step once")."""
        self._run(count, deadline=None)

    def _run(self, budget: int, deadline: float | None, stop: threading.Event | None = None) -> int:
        """At most ``budget`` steps, until ``deadline`` or ``stop``; divergence, stop-at-loss and step layers
        stop it. Returns the number of steps run."""
        if not self.trainable:
            self.status = "stopped"
            self.message = (
                "step neurons cannot be trained by gradient descent (their gradient is zero almost "
                "everywhere): choose sigmoid, tanh or relu"
            )
            return 0
        step_losses: list[float] = []
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is caught and explained
            try:
                while (
                    budget > 0
                    and (deadline is None or time.perf_counter() < deadline)
                    and not (stop is not None and stop.is_set())
                ):
                    step_losses.append(self.stepper.step()[0])
                    budget -= 1
            except Diverged as err:
                self.status, self.diverged_at = "stopped", self.stepper.steps
                self.steps = self.stepper.steps
                self.message = (
                    f"Training stopped: {err.what} with learning rate {self.config['lr']:g}. The best "
                    f"weights seen (training loss {self._measure(force=True).train_loss:.3g}) are back; try a "
                    f"smaller learning rate, e.g. {self.config['lr'] / 10:g}."
                )
            self.steps = self.stepper.steps
            if step_losses:
                # the minibatches' losses (in the units the layers train in) only tell when Adam is stuck
                self._slice_losses = (self._slice_losses + [float(np.mean(step_losses))])[-STUCK_RECORDS:]
                self._hint_if_stuck()
                if self.status == "ready":  # stepped without the server's loop (the step message sets it itself)
                    self.status = self.idle
                loss = self._measure().train_loss  # a few times a second while training; at once otherwise
                if self.config["stop_loss"] and loss <= self.config["stop_loss"]:
                    self.status = "paused"
                    self.message = f"Stopped at training loss {loss:.4g} <= {self.config['stop_loss']:g}."
        return len(step_losses)

    def _hint_if_stuck(self) -> None:
        """Adam at a huge learning rate can saturate the neurons: the loss stays far above its best, finite."""
        c, losses_seen = self.config, self._slice_losses
        if (
            c["optimizer"] == "adam"
            and c["lr"] >= 0.5
            and len(losses_seen) == STUCK_RECORDS
            and not self.message
            and min(losses_seen) > 3 * self.stepper.best_loss
        ):
            self.message = (
                f"The loss has stayed over 3 times its best for a while: Adam at learning rate {c['lr']:g} "
                f"has most likely pushed the {c['activation']} neurons into saturation, where they are flat "
                f"and their gradients vanish. Press reset and try a learning rate of 0.01."
            )

    def _target_row(self, index: int) -> list:
        """The target of training point ``index`` as the explain view wants it (one number per output)."""
        if self.task == "regression":
            return self.y_train[index].tolist()
        onehot = [0.0] * len(self.classes)
        onehot[int(self.y_train[index])] = 1.0
        return onehot

    def _loss_on(self, out: np.ndarray, y) -> float:
        if len(y) == 0:
            return float("nan")
        return float(losses.get(self.loss_name)(Tensor(out), y).data)

    def _measure(self, force: bool = False) -> Measured:
        """The network's outputs on every point, computed once for the current weights: the metrics, the loss
        on all training points and on the test points, in raw units (the model's ``predict``), so the loss and
        the RMSE the page shows are of the same weights (for mse, loss = RMSE^2). Each new step measured joins
        the history. While training this costs a pass over every point, so it is measured a few times a
        second (at most REFRESH_SHARE of the time), and whenever the step count has doubled since the last
        measurement (a few more at the start); the last measurement is given in between."""
        now, last = time.perf_counter(), self._measured
        if (
            not force
            and last is not None
            and self.status == "training"
            and self.steps < 2 * max(1, last.step)
            and now - last.at < max(REFRESH_SECONDS, last.cost / REFRESH_SHARE)
        ):
            return last  # (a doubled step count is measured anyway: the curve's start, where the loss falls most)
        out = self.net.predict(self.x)
        metrics = self._metrics(out[self.train_index], out[self.test_index])
        self._measured = last = Measured(
            at=now,
            step=self.steps,
            metrics=metrics,
            predicted=np.argmax(out, axis=1) if self.task == "classification" else None,
            train_loss=self._loss_on(out[self.train_index], self.y_train),
            test_loss=self._loss_on(out[self.test_index], self.y_test),
            cost=time.perf_counter() - now,
        )
        if self.steps and (not self.history or self.steps > self.history[-1][0]):
            self.history.append((self.steps, last.train_loss, last.test_loss))
            if len(self.history) > MAX_HISTORY:
                self.history = self.history[::2]
        return last

    # ---------------------------------------------------------------- what the page draws
    def frame(self, full: bool = False) -> dict:
        """What the page draws, as plain JSON-ready data."""
        with np.errstate(over="ignore", invalid="ignore"):
            return _as_lists(self._frame(full))

    def frame_bytes(self, full: bool = False, extra: dict | None = None) -> bytes:
        """The same frame as one compact binary message (see ``encode_frame``): numbers as float32;
        ``extra`` keys (the ``id`` of the message it answers) join its JSON header."""
        with np.errstate(over="ignore", invalid="ignore"):
            return encode_frame({**self._frame(full), **(extra or {})})

    def _frame(self, full: bool) -> dict:
        # every number the page shows is in raw units: a scaled network is shown as the equal network with its
        # scaling folded into the first and last layers (the editor's values are taken back by _held)
        net = self.net.folded() if self.net.scaling is not None else self.net
        measured = self._measure(force=full)
        # while training, the diagram's first neurons of each layer are enough (it draws 10 a column); the
        # whole network (for the editor's other neurons and the page's copy for a reload) once a second
        now = time.perf_counter()
        complete = full or self.status != "training" or now - self._complete_at >= 1.0
        if complete:
            self._complete_at = now
        last = len(net.layers) - 1
        out = {
            "type": "frame",
            "step": self.steps,
            "status": self.status,
            "message": self.message,
            "task": self.task,
            "dims": self.dims,
            "classes": self.classes,
            "history": self.history[-MAX_HISTORY:] if full else self.history[-50:],
            # the loss on all training points and the metrics: one pass, of the same weights
            "loss": measured.train_loss,
            "loss_name": self.loss_name,
            "n_train": len(self.x_train),
            "measured_step": measured.step,
            "scaled": self.net.scaling is not None,
            "sizes": net.sizes,
            "activations": [layer.activation.name for layer in net.layers],
            "weights": [
                layer.W.data if complete or i == last else layer.W.data[:, :DRAWN_NEURONS]
                for i, layer in enumerate(net.layers)
            ],
            "biases": [
                layer.b.data if complete or i == last else layer.b.data[:DRAWN_NEURONS]
                for i, layer in enumerate(net.layers)
            ],
            "weights_complete": complete,
            "metrics": measured.metrics,
            "trainable": self.trainable,
            "parameters": net.n_parameters(),
            # the settings in use, so the page's panel and URL show what was accepted (or adopted)
            "config": {k: v for k, v in self.config.items() if k not in ("csv", "drawn")},
            "data_note": self.data_note,
        }
        if self.dims == 1:
            a, b = self._x_range()
            grid = np.linspace(a, b, GRID_1D)
            values = net.layer_values(grid.reshape(-1, 1))
            out["grid"] = grid
            if self.task == "classification":  # each class's probability along x; the output: class 1's (or 0's)
                probability = losses.softmax(values[-1][1])
                out["probabilities"] = probability.T
                out["output"] = probability[:, 1 if probability.shape[1] == 2 else 0]
            else:
                out["output"] = values[-1][1][:, 0]
            # every node's picture, for the input and the hidden layers up to NODE_PICTURES_WIDE neurons
            every = max(1, len(grid) // NODE_POINTS_1D)
            layer_outputs = [grid.reshape(-1, 1)] + [v[1] for v in values[:-1]]
            out["node_pictures"] = [a[::every].T if a.shape[1] <= NODE_PICTURES_WIDE else None for a in layer_outputs]
            if len(net.layers) > 1:
                shown, weights, bias, label = self._shown(net)
                out.update(shown_layer=shown + 1, shown_weights=weights, shown_label=label)
                hidden = values[shown][1]
                contributions = hidden * weights
                out["hidden"] = hidden[:, :MAX_HIDDEN_SHOWN].T
                out["contributions"] = contributions[:, :MAX_HIDDEN_SHOWN].T
                out["output_bias"] = bias
                if hidden.shape[1] > MAX_HIDDEN_SHOWN:  # the neurons not drawn one by one, added up, so the sum holds
                    out["contributions_rest"] = contributions[:, MAX_HIDDEN_SHOWN:].sum(axis=1)
                    out["hidden_total"] = hidden.shape[1]
            if full:  # [x, y] for regression, [x, class] for classes
                column = lambda y: y.reshape(len(y), -1)[:, 0]  # noqa: E731
                out["points"] = np.column_stack([self.x_train[:, 0], column(self.y_train)])
                out["test_points"] = (
                    np.column_stack([self.x_test[:, 0], column(self.y_test)]) if len(self.x_test) else []
                )
                if self.target is not None:
                    out["target"] = self.target(grid)
        elif self.dims == 2 and self.config["mode"] == "dataset":
            out.update(self._heat_maps(net, measured, full))
            if full:  # every data set as it would be made with this noise and seed, to choose one from its picture
                out["thumbnails"] = self._thumbnails()
        return out

    def _thumbnails(self) -> dict:
        """{name: [[x1, x2, class], ...]}: THUMBNAIL_POINTS points of each data set, with this noise and seed."""
        result = {}
        for name, (make, classes) in DATASETS.items():
            kwargs = {"classes": classes} if name in ("three gaussians",) else {}
            ds = make(THUMBNAIL_POINTS, noise=self.config["noise"], seed=self.config["seed"], **kwargs)
            result[name] = np.column_stack([ds.x, ds.y])
        return result

    def _x_range(self):
        if self.config["mode"] == "function":
            return self.config["domain"]
        low, high = float(self.x[:, 0].min()), float(self.x[:, 0].max())
        pad = 0.1 * (high - low or 1.0)
        return low - pad, high + pad

    def _heat_maps(self, net: Network, measured: Measured, full: bool) -> dict:
        grid = np.linspace(-1.5, 1.5, GRID_2D if net.n_parameters() < BIG_NETWORK else GRID_2D_BIG)
        gx, gy = np.meshgrid(grid, grid)
        raw = np.column_stack([gx.ravel(), gy.ravel()])
        features = np.column_stack([FEATURES[name](raw) for name in self.config["features"]])
        values = net.layer_values(features)
        logits = values[-1][1]
        probability = losses.softmax(logits)
        result = {
            "extent": [-1.5, 1.5],
            "heat_class": np.argmax(logits, axis=1),
            "heat_confidence": probability.max(axis=1),
            "heat": probability[:, 1] if probability.shape[1] == 2 else probability.max(axis=1),
        }
        if len(net.layers) > 1:
            shown, weights, _, label = self._shown(net)
            result.update(shown_layer=shown + 1, shown_weights=weights, shown_label=label)
            result["hidden_heat"] = values[shown][1][:, :MAX_HIDDEN_SHOWN].T
            result.update(self._slice(net))
        # every node's picture, on a coarse grid: the features (inputs) and the hidden layers up to NODE_PICTURES_WIDE
        coarse = np.linspace(-1.5, 1.5, NODE_GRID_2D)
        cx, cy = np.meshgrid(coarse, coarse)
        coarse_raw = np.column_stack([cx.ravel(), cy.ravel()])
        coarse_features = np.column_stack([FEATURES[name](coarse_raw) for name in self.config["features"]])
        outputs = [coarse_features] + [v[1] for v in net.layer_values(coarse_features)[:-1]]
        result["node_pictures"] = [a.T if a.shape[1] <= NODE_PICTURES_WIDE else None for a in outputs]
        result["predicted"] = measured.predicted  # each point's class, so the page can mark the wrong ones
        if full:
            result["points"] = np.column_stack([self.raw_2d, self.y])
            result["test_mask"] = np.isin(np.arange(len(self.x)), self.test_index).tolist()
        return result

    def _shown(self, net: Network) -> tuple[int, np.ndarray, float, str]:
        """The hidden layer the superposition shows (its index in net.layers; config layer_shown, 0 or too
        deep: the last), the weights w_i from its neurons to what they add up to, that sum's bias and name:
        the output (for two classes, the score of class 1 over class 0), or for an earlier layer the weighted
        sum z of the next layer's first neuron, before its activation."""
        last = len(net.layers) - 2
        chosen = self.config["layer_shown"]
        shown = last if chosen == 0 or chosen - 1 > last else chosen - 1
        W, b = net.layers[shown + 1].W.data, net.layers[shown + 1].b.data
        if shown < last:
            return shown, W[:, 0], float(b[0]), f"z of neuron 1 of layer {shown + 2}"
        if self.task == "classification" and W.shape[1] == 2:
            return shown, W[:, 1] - W[:, 0], float(b[1] - b[0]), "score of class 1 over class 0"
        return shown, W[:, 0], float(b[0]), "score of class 0" if self.task == "classification" else "the output"

    def _slice(self, net: Network) -> dict:
        """Superposition along the line x2 = config["line"]: each last-hidden neuron's weighted share of the
        score (logit of class 1 minus class 0 for two classes, else class 0's logit) and their sum."""
        line = np.linspace(-1.5, 1.5, GRID_1D if net.n_parameters() < BIG_NETWORK else GRID_1D_BIG)
        raw = np.column_stack([line, np.full_like(line, self.config["line"])])
        features = np.column_stack([FEATURES[name](raw) for name in self.config["features"]])
        values = net.layer_values(features)
        shown, weights, bias, label = self._shown(net)
        contributions = values[shown][1] * weights
        result = {
            "slice_x": line,
            "slice_contributions": contributions[:, :MAX_HIDDEN_SHOWN].T,
            "slice_bias": bias,
            "slice_line": self.config["line"],
            "slice_label": label,
        }
        if contributions.shape[1] > MAX_HIDDEN_SHOWN:  # the neurons not drawn one by one, added up
            result["slice_rest"] = contributions[:, MAX_HIDDEN_SHOWN:].sum(axis=1)
            result["hidden_total"] = contributions.shape[1]
        return result

    def _metrics(self, out_train, out_test) -> dict:
        metrics = {}
        for name, out, y in (("train", out_train, self.y_train), ("test", out_test, self.y_test)):
            if len(y) == 0:
                continue
            if self.task == "regression":
                values = Scores.of("regression", "mse", out, y)
                metrics[f"{name}_rmse"], metrics[f"{name}_r2"] = values["rmse"], values["r2"]
            else:
                predicted = np.argmax(out, axis=1)
                metrics[f"{name}_accuracy"] = float(np.mean(predicted == y))
                if name == "test" or not len(self.x_test):
                    k = len(self.classes)
                    confusion = np.zeros((k, k), dtype=int)
                    np.add.at(confusion, (y, predicted), 1)
                    metrics["confusion"] = confusion.tolist()
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in metrics.items()}

    # ---------------------------------------------------------------- exports
    def export(self, what: str) -> dict:
        from neuronlab.views.diagram import diagram

        if what == "model":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "model.npz"
                self.net.save(path)
                content = base64.b64encode(path.read_bytes()).decode()
            return {"type": "export", "what": what, "filename": "neuronlab-model.npz", "base64": content}
        if what in ("svg", "excalidraw"):
            return {
                "type": "export",
                "what": what,
                "filename": f"neuronlab-network.{what}",
                "text": diagram(self.net, format=what),
            }
        if what == "python":
            return {"type": "export", "what": what, "filename": "neuronlab_run.py", "text": self.python_script()}
        raise RequestError("export what: model, svg, excalidraw or python")

    def python_script(self) -> str:
        """A script that replays this run from a fresh interpreter: the same data, split, starting network,
        optimizer, minibatch order and steps (with every change made while training), then prints the
        same metrics as the page."""
        return _script(self)


def check_approximation(f_text, domain, eps, activation) -> tuple:
    """The approximate tab's request, checked: (expression, a, b, eps, activation)."""
    if not isinstance(f_text, str) or len(f_text) > MAX_EXPRESSION:
        raise RequestError(f"the target must be text of at most {MAX_EXPRESSION} characters", "expr")
    try:
        f = expr(f_text)
    except ExpressionError as err:
        raise RequestError(str(err), "expr") from None
    if "y" in f.variables:
        raise RequestError("the target is a function of x alone here", "expr")
    if not (isinstance(domain, list) and len(domain) == 2):
        raise RequestError("domain must be [a, b]", "domain")
    a, b = (_number({"domain": v}, "domain", -1e6, 1e6) for v in domain)
    if not a < b:
        raise RequestError("the domain needs a < b", "domain")
    eps = _number({"eps": eps}, "eps", 1e-4, 10)
    if activation not in ("relu", "step", "sigmoid", "tanh"):
        raise RequestError("activation must be relu, step, sigmoid or tanh", "activation")
    return f, a, b, eps, activation


def estimate_approximation(f_text, domain, eps, activation) -> int:
    """The neurons the construction will need, estimated in milliseconds; too many is refused at once."""
    from neuronlab.approximate import ApproximationError, estimate_neurons

    f, a, b, eps, activation = check_approximation(f_text, domain, eps, activation)
    try:
        estimate = estimate_neurons(f, (a, b), eps, activation)
    except ApproximationError as err:
        raise RequestError(str(err), "expr") from None
    if estimate > MAX_APPROXIMATION_NEURONS:
        raise RequestError(
            f"eps = {eps:g} would need about {estimate:,} {activation} neurons here, more than the "
            f"{MAX_APPROXIMATION_NEURONS:,} the page builds: choose a larger eps or a smaller domain",
            "eps",
        )
    return estimate


APPROXIMATION_GRID = 400  # points of the approximate tab's curves


def approximation_target(f_text, domain, eps, activation) -> dict:
    """The target the approximate tab draws at once, before its construction ends: its grid and values."""
    f, a, b, eps, activation = check_approximation(f_text, domain, eps, activation)
    grid = np.linspace(a, b, APPROXIMATION_GRID)
    return {"grid": grid.tolist(), "target": f(grid).tolist(), "eps": eps}


def approximation_frame(f_text: str, domain, eps: float, activation: str, progress=None) -> tuple[dict, Network]:
    """The approximate tab's data: the construction's per-neuron contributions, left to right."""
    from neuronlab.approximate import ApproximationError, approximate, predict

    f, a, b, eps, activation = check_approximation(f_text, domain, eps, activation)
    try:
        net = approximate(f, (a, b), eps, activation, max_neurons=MAX_APPROXIMATION_NEURONS, progress=progress)
    except ApproximationError as err:
        raise RequestError(str(err), "eps") from None
    grid = np.linspace(a, b, APPROXIMATION_GRID)
    where = net.layers[0].thresholds()
    order = np.argsort(where)
    parts = net.contributions(grid)[:, order]
    c = net.certificate
    frame = {
        "type": "approximation",
        "grid": grid.tolist(),
        "target": f(grid).tolist(),
        "cumulative": (np.cumsum(parts, axis=1) + net.layers[-1].b.data[0]).T[:: max(1, len(order) // 200)].tolist()
        if len(order)
        else [],
        "counts": frame_counts(len(order)),
        "bias": float(net.layers[-1].b.data[0]),
        "output": predict(net, grid.reshape(-1, 1)).tolist(),
        "neurons": c.neurons,
        "sup_error": c.sup_error,
        "eps": eps,
        "summary": c.summary(),
        "activation": activation,
        "thresholds": where[order].tolist(),
        # the neuron added last at each count shown: [input weight, its bias, output weight], to draw its own
        # ramp or step v·g(w·x + b)
        "newest": [
            [float(net.layers[0].W.data[0, k]), float(net.layers[0].b.data[k]), float(net.layers[-1].W.data[k, 0])]
            for k in order[np.array(frame_counts(len(order))) - 1]
        ]
        if len(order)
        else [],
        "plain": plain_certificate(c, f_text),
        "expr": f_text,
    }
    return frame, net


def frame_counts(n: int) -> list[int]:
    """The neuron counts the approximate tab can show for n neurons: every one up to 200, else about 200 of them."""
    return list(range(1, n + 1))[:: max(1, n // 200)]


def plain_certificate(c, f_text: str) -> str:
    """What the certificate says, in plain words: only what the engine measured and the bound it states."""
    from neuronlab.approximate import CHECK_DENSITY

    def up(value):  # 3 significant digits, rounded up: "within" stays true
        if value <= 0:
            return "0"
        step = 10 ** (math.floor(math.log10(value)) - 2)
        return f"{math.ceil(value / step - 1e-9) * step:.3g}"

    a, b = c.domain
    text = (
        f"The network's graph was checked at {c.check_points:,} points of [{a:g}, {b:g}]: the {c.grid_points:,} points "
        f"{f_text} was sampled at, and {CHECK_DENSITY - 1} more evenly spaced in each gap between neighbouring ones. "
        f"At every one of them it is within {up(c.sup_error)} of {f_text}, inside eps = {c.eps:g}."
    )
    if c.bound is not None:
        text += f" Between those points the construction's bound is {up(c.bound)}, if {c.assumptions}."
    return text


def _as_lists(value):
    """A frame with its NumPy arrays as (nested) lists, for JSON."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_lists(v) for v in value]
    return value


def encode_frame(frame: dict) -> bytes:
    """One binary WebSocket message for a frame: a little-endian uint32 n, n bytes of JSON, zero padding to a
    multiple of 4, then float32 numbers. In the JSON, each NumPy array is {"@": [offset, shape]}: its numbers
    start at that index of the float32 part (the page's ``decodeFrame`` in app.js rebuilds the lists)."""
    chunks, offset = [], 0

    def pack(value):
        nonlocal offset
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
            numbers = np.ascontiguousarray(value, dtype="<f4").ravel()
            chunks.append(numbers)
            reference = {"@": [offset, list(value.shape)]}
            offset += numbers.size
            return reference
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, dict):
            return {k: pack(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [pack(v) for v in value]
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    header = json.dumps(pack(frame), allow_nan=False, default=_json_number).encode()
    padding = b"\0" * (-(4 + len(header)) % 4)
    numbers = np.concatenate(chunks) if chunks else np.zeros(0, "<f4")
    return struct.pack("<I", len(header)) + header + padding + numbers.tobytes()


def decode_frame(message: bytes) -> dict:
    """The inverse of ``encode_frame`` (arrays come back as float32 NumPy arrays); for tests and other clients."""
    (length,) = struct.unpack_from("<I", message)
    header = json.loads(message[4 : 4 + length])
    numbers = np.frombuffer(message, dtype="<f4", offset=4 + length + (-(4 + length) % 4))

    def unpack(value):
        if isinstance(value, dict):
            if set(value) == {"@"}:
                at, shape = value["@"]
                return numbers[at : at + int(np.prod(shape))].reshape(shape)
            return {k: unpack(v) for k, v in value.items()}
        if isinstance(value, list):
            return [unpack(v) for v in value]
        return value

    return unpack(header)


def _json_number(value):
    """NumPy scalars as JSON numbers (NaN and infinity as null)."""
    value = float(value)
    return value if math.isfinite(value) else None
