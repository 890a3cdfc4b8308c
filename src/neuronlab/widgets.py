"""Live notebook widgets: the lesson, a training run and the certified construction, redrawn as they change.

Built on anywidget (``pip install 'neuronlab[notebook]'``), so they work in JupyterLab, Notebook 7, VS Code
and marimo. The kernel computes with the real engine; the browser draws with the playground page's own
drawing modules (``static/draw.js``, and ``static/pair.js`` that draws the lesson's pair of neurons on the page too),
sent as text and imported unchanged by ``static/widgets.js``.
Each widget's state is its traits: set the inputs, read the outputs, from Python or from the sliders.

    >>> import neuronlab as nl
    >>> lesson = nl.widgets.Lesson(w11=1.0, w21=-1.0)
    >>> [round(lesson.output[i], 6) for i in (0, 150, 300)]   # x = -3, 0, 3: a bump between the thresholds
    [0.0, 1.0, 0.0]
"""

from __future__ import annotations

import math
import threading
import time
from importlib import resources

import numpy as np

try:
    import anywidget
    import traitlets
except ImportError as missing:  # pragma: no cover - exercised only without the extra
    raise ImportError("nl.widgets needs anywidget: pip install 'neuronlab[notebook]'") from missing

from . import lesson as _lesson
from .approximate import _target, approximate
from .data import DataError
from .network import Dense, Network
from .site import module_graph
from .train import fit, planned_epochs

MAX_CURVES = 64  # hidden neurons whose weighted curves a Trainer sends (all are trained)
MAX_LOSS_POINTS = 500  # the loss curve sent is thinned to this many epochs
MAX_GRID = 2000  # points on which a widget evaluates its curves
UPDATE_SECONDS = 0.1  # a running Trainer sends its state at most this often


class WidgetError(ValueError):
    """A widget asked for something it cannot show (the message says what)."""


def _static(name: str) -> str:
    return (resources.files("neuronlab.playground") / "static" / name).read_text(encoding="utf-8")


def _drawing_modules() -> dict:
    """draw.js, pair.js (the lesson's renderer) and every module they import by a relative path ("./x.js"), as
    {file name: text}; widgets.js imports the two from these texts (its ENTRIES)."""
    return module_graph(["draw.js", "pair.js"])


def _numbers(values, digits: int = 6) -> list:
    """A float array as a JSON-friendly list (rounded; NaN and infinity as None, which the plots skip)."""
    return [None if not math.isfinite(v) else round(v, digits) for v in np.asarray(values, float).ravel().tolist()]


def _finite(value, name: str, low: float, high: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise WidgetError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise WidgetError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return value


class _Widget(anywidget.AnyWidget):
    _esm = _static("widgets.js")
    _css = _static("drawing.css")  # how the page sizes its canvases: without it they grow at every redraw
    _modules = traitlets.Dict(_drawing_modules()).tag(sync=True)  # the page's drawing code, loaded as-is
    _view = traitlets.Unicode("").tag(sync=True)  # which of widgets.js's views draws this widget


# ---------------------------------------------------------------- the lesson

class Lesson(_Widget):
    """The seed's lesson, live: two hidden neurons with thresholds s1, s2 and an output neuron that adds
    their graphs with weights w11, w21; then the exercise (w11 = 1.5, w21 = -0.5) and its answer.

    Inputs (sliders): ``w11``, ``w21`` in [-2, 2]; ``s1``, ``s2`` in [-3, 3]; ``activation`` ("step" or
    "sigmoid") with ``steepness`` k in [1, 50]; ``revealed``. Outputs: ``x``, the hidden graphs ``h1``,
    ``h2``, the weighted graphs ``c1``, ``c2`` and ``output`` = c1 + c2 (output bias 0), computed by a
    neuronlab Network (``network()``); ``answer`` holds the exercise's graphs once ``revealed``.
    """

    _view = traitlets.Unicode("lesson").tag(sync=True)
    w11 = traitlets.Float(1.0).tag(sync=True)
    w21 = traitlets.Float(-1.0).tag(sync=True)
    s1 = traitlets.Float(_lesson.THRESHOLDS[0]).tag(sync=True)
    s2 = traitlets.Float(_lesson.THRESHOLDS[1]).tag(sync=True)
    activation = traitlets.Unicode("step").tag(sync=True)
    steepness = traitlets.Float(10.0).tag(sync=True)
    revealed = traitlets.Bool(False).tag(sync=True)
    x = traitlets.List().tag(sync=True)
    h1 = traitlets.List().tag(sync=True)
    h2 = traitlets.List().tag(sync=True)
    c1 = traitlets.List().tag(sync=True)
    c2 = traitlets.List().tag(sync=True)
    output = traitlets.List().tag(sync=True)
    formula = traitlets.Unicode().tag(sync=True)
    question = traitlets.Unicode(_lesson.EXERCISE_QUESTION).tag(sync=True)
    answer = traitlets.Dict().tag(sync=True)  # {} until revealed: {c1, c2, output, text, weights}

    POINTS = 301

    def __init__(self, **state):
        super().__init__(**state)
        self._compute()

    @traitlets.validate("w11", "w21")
    def _check_weight(self, proposal):
        return _finite(proposal.value, proposal.trait.name, -2.0, 2.0)

    @traitlets.validate("s1", "s2")
    def _check_threshold(self, proposal):
        return _finite(proposal.value, proposal.trait.name, -3.0, 3.0)

    @traitlets.validate("steepness")
    def _check_steepness(self, proposal):
        return _finite(proposal.value, "steepness", 1.0, 50.0)

    @traitlets.validate("activation")
    def _check_activation(self, proposal):
        if proposal.value not in ("step", "sigmoid"):
            raise WidgetError(f"the lesson's activation is 'step' or 'sigmoid', got {proposal.value!r}")
        return proposal.value

    def network(self, w11=None, w21=None) -> Network:
        """The lesson's 1-2-1 network for the current thresholds, activation and (by default) weights."""
        k = 1.0 if self.activation == "step" else self.steepness
        hidden = Dense(1, 2, self.activation, weights=[[k, k]], bias=[-k * self.s1, -k * self.s2])
        w11, w21 = (self.w11 if w11 is None else w11), (self.w21 if w21 is None else w21)
        return Network([hidden, Dense(2, 1, "linear", weights=[[w11], [w21]], bias=[0.0])])

    @traitlets.observe("w11", "w21", "s1", "s2", "activation", "steepness", "revealed")
    def _changed(self, change):
        self._compute()

    def _compute(self) -> None:
        x = np.linspace(*_lesson.DOMAIN, self.POINTS)
        net = self.network()
        hidden, parts = net.layer_values(x)[0][1], net.contributions(x)
        sign = "-" if self.w21 < 0 else "+"
        with self.hold_sync():
            self.x = _numbers(x)
            self.h1, self.h2 = _numbers(hidden[:, 0]), _numbers(hidden[:, 1])
            self.c1, self.c2 = _numbers(parts[:, 0]), _numbers(parts[:, 1])
            self.output = _numbers(net.predict(x)[:, 0])
            self.formula = f"output = {self.w11:.1f}·h1 {sign} {abs(self.w21):.1f}·h2"
            if self.revealed:
                answer = self.network(*_lesson.EXERCISE)
                parts = answer.contributions(x)
                self.answer = {"c1": _numbers(parts[:, 0]), "c2": _numbers(parts[:, 1]),
                               "output": _numbers(answer.predict(x)[:, 0]), "text": _lesson.EXERCISE_ANSWER,
                               "weights": list(_lesson.EXERCISE)}
            else:
                self.answer = {}


# ---------------------------------------------------------------- training, live

class Trainer(_Widget):
    """Train a one-input, one-output network in the kernel while the widget draws it learning.

    The widget shows the training points, the network's output, every hidden neuron's weighted curve
    w_i·h_i(x) (the output is their sum plus the bias, through the output activation) and the loss per
    epoch; its buttons start, pause and step. ``net`` is trained in place: the network in your Python
    variable is the one being trained. Each start or step is a call of ``nl.fit(net, x, y, **fit_options)``
    for the epochs left (an optimizer's moments start afresh after a pause).

    Args:
        net: a Network with one input and one output.
        x, y: the training points.
        **fit_options: passed to ``nl.fit`` (``epochs`` is the whole run's length; default, fit's own).

    Python side: ``start()`` (in a thread), ``pause()``, ``step(epochs=1)``, ``train()`` (to the end, in
    this thread), ``wait()``.
    """

    _view = traitlets.Unicode("trainer").tag(sync=True)
    grid = traitlets.List().tag(sync=True)
    points = traitlets.Dict().tag(sync=True)  # {x, y}: the training points
    output = traitlets.List().tag(sync=True)
    parts = traitlets.List().tag(sync=True)  # [neuron][grid point]: w_i·h_i(x), at most MAX_CURVES neurons
    bias = traitlets.Float(0.0).tag(sync=True)
    loss = traitlets.List().tag(sync=True)  # [[epoch, loss], ...], thinned to MAX_LOSS_POINTS
    epoch = traitlets.Int(0).tag(sync=True)
    epochs = traitlets.Int(0).tag(sync=True)
    status = traitlets.Unicode("ready").tag(sync=True)  # ready, training, paused, done, or an error
    neurons = traitlets.Int(0).tag(sync=True)
    output_activation = traitlets.Unicode("linear").tag(sync=True)
    weighted_sum = traitlets.List().tag(sync=True)  # sum of the curves + bias, when the output is not linear

    def __init__(self, net: Network, x, y, **fit_options):
        if not isinstance(net, Network):
            raise WidgetError(f"Trainer needs a neuronlab Network, got {type(net).__name__}")
        if net.inputs != 1 or net.outputs != 1:
            raise WidgetError(f"Trainer draws one-input, one-output networks; this one is {net.sizes}")
        x = np.asarray(x, dtype=float).reshape(-1)
        y = np.asarray(y, dtype=float).reshape(-1)
        if len(x) != len(y) or len(x) == 0:
            raise DataError(f"x has {len(x)} points and y {len(y)}: they must match one to one")
        for name in ("callback", "progress"):
            if name in fit_options:
                raise WidgetError(f"Trainer sets fit's {name} itself")
        super().__init__()
        self.net, self.x, self.y, self.fit_options = net, x, y, dict(fit_options)
        self.losses: list[float] = []  # every epoch's training loss, over all runs
        self.histories: list = []  # fit's History of each run
        options = self.fit_options
        planned = planned_epochs(net, len(x), **options)
        self._pause, self._thread, self._lock, self._sent = threading.Event(), None, threading.Lock(), 0.0
        self._grid = np.linspace(x.min(), x.max(), min(MAX_GRID, 400)) if x.min() < x.max() else x[:1]
        with self.hold_sync():
            self.epochs = planned
            self.grid = _numbers(self._grid)
            self.points = {"x": _numbers(x), "y": _numbers(y)}
            self._show()
        self.on_msg(self._message)

    def _show(self) -> None:
        """Send what the network computes now."""
        # the scaling fit adds, folded into the weights: every curve, the bias and their sum in raw units
        net, grid = self.net.folded(), self._grid
        with self.hold_sync():
            z, out = net.layer_values(grid)[-1]
            self.output = _numbers(out[:, 0])
            self.output_activation = net.layers[-1].activation.name
            self.weighted_sum = [] if self.output_activation == "linear" else _numbers(z[:, 0])
            if len(net.layers) > 1:
                parts = net.contributions(grid)
                self.neurons = parts.shape[1]
                self.parts = [_numbers(parts[:, i]) for i in range(min(parts.shape[1], MAX_CURVES))]
                self.bias = float(net.layers[-1].b.data[0])
            stride = max(1, math.ceil(len(self.losses) / MAX_LOSS_POINTS))
            shown = list(range(0, len(self.losses), stride))
            if self.losses and shown[-1] != len(self.losses) - 1:
                shown.append(len(self.losses) - 1)
            self.loss = [[i + 1, float(f"{self.losses[i]:.6g}") if math.isfinite(self.losses[i]) else None]
                         for i in shown]  # six significant digits: losses fall to tiny values
            self.epoch = len(self.losses)
        self._sent = time.perf_counter()

    def _run(self, epochs: int) -> None:
        """Fit for up to ``epochs`` epochs, sending the state as it goes; stops early on pause()."""
        base = len(self.losses)

        def record(history):  # fit calls back after an epoch unless it stops there: catch up from history
            self.losses.extend(history.loss[len(self.losses) - base:])

        def callback(epoch, history):
            record(history)
            if time.perf_counter() - self._sent >= UPDATE_SECONDS:
                self._show()
            return not self._pause.is_set()

        options = {**self.fit_options, "epochs": epochs}
        try:
            history = fit(self.net, self.x, self.y, progress=False, callback=callback, **options)
        except Exception as error:  # shown in the widget; the network keeps its last finite weights
            self.status = f"error: {error}"
            self._show()
            raise
        record(history)
        self.histories.append(history)
        done = len(self.losses) >= self.epochs or history.stopped in ("tol", "early_stop", "converged")
        self.status = "done" if done else "paused"
        self._show()

    def _left(self) -> int:
        return self.epochs - len(self.losses)

    def train(self) -> "Trainer":
        """Train to the end of the run, here (blocking); the widget updates as it goes."""
        self.wait()
        if self._left() > 0 and self.status != "done":
            self._pause.clear()
            self.status = "training"
            self._run(self._left())
        return self

    def start(self) -> None:
        """Train in a background thread (the notebook stays free); ``pause()`` stops it after an epoch."""
        with self._lock:
            if (self._thread and self._thread.is_alive()) or self._left() <= 0 or self.status == "done":
                return
            self._pause.clear()
            self.status = "training"
            self._thread = threading.Thread(target=self._background, daemon=True)
            self._thread.start()

    def _background(self) -> None:
        try:
            self._run(self._left())
        except Exception:  # the status shows the error; the thread has no one to raise it to
            pass

    def pause(self) -> None:
        """Stop training after the current epoch (``start()`` goes on from there)."""
        self._pause.set()
        self.wait()

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` more epochs, here (ignored while training runs in the background)."""
        if self._thread and self._thread.is_alive():
            return
        epochs = min(int(epochs), self._left())
        if epochs > 0 and self.status != "done":
            self._pause.clear()
            self._run(epochs)

    def wait(self, timeout=None) -> None:
        """Wait for background training to stop."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _message(self, widget, content, buffers) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "start":
            self.start()
        elif action == "pause":
            self._pause.set()  # the thread stops after this epoch; waiting here would block the kernel
        elif action == "step":
            try:
                self.step()
            except Exception:  # already shown as the status
                pass


# ---------------------------------------------------------------- the certified construction

class Approximation(_Widget):
    """``nl.approximate(f, domain, eps, activation)`` built up neuron by neuron, with its certificate.

    Input: ``shown``, how many hidden neurons (ordered by where they act, left to right) are added to the
    output bias. Outputs: ``partial`` (their sum), ``current`` (the last one's weighted curve),
    ``max_error`` of the partial sum, and ``within`` (the error is at most ``eps``). ``net`` is the
    constructed network, ``net.certificate`` its evidence.
    """

    _view = traitlets.Unicode("approximation").tag(sync=True)
    x = traitlets.List().tag(sync=True)
    target = traitlets.List().tag(sync=True)
    eps = traitlets.Float().tag(sync=True)
    neurons = traitlets.Int().tag(sync=True)
    shown = traitlets.Int(0).tag(sync=True)
    partial = traitlets.List().tag(sync=True)
    current = traitlets.List().tag(sync=True)
    max_error = traitlets.Float().tag(sync=True)
    within = traitlets.Bool(False).tag(sync=True)
    title = traitlets.Unicode().tag(sync=True)

    POINTS = 801

    def __init__(self, f, domain=(-1.0, 1.0), eps: float = 0.05, activation: str = "relu"):
        net = approximate(f, domain, eps, activation)
        if net.inputs != 1:
            raise WidgetError("the Approximation widget draws functions of one variable")
        super().__init__()
        self.net = net
        certificate = net.certificate
        a, b = certificate.domain
        x = np.linspace(a, b, self.POINTS)
        target, text = _target(f)
        self._target = np.broadcast_to(np.asarray(target(x), dtype=float), x.shape)
        order = np.argsort(net.layers[0].thresholds())
        self._parts = net.contributions(x)[:, order]
        self._cumulative = np.cumsum(self._parts, axis=1)
        self._bias = float(net.layers[-1].b.data[0])
        with self.hold_sync():
            self.x, self.target, self.eps = _numbers(x), _numbers(self._target), certificate.eps
            self.neurons = self._parts.shape[1]
            self.title = (f"{text} on [{a:g}, {b:g}]: {certificate.neurons} {certificate.activation} neurons "
                          f"within eps = {certificate.eps:g} (checked on {certificate.check_points:,} points)")
            self.shown = self.neurons
            self._compute()

    @traitlets.validate("shown")
    def _check_shown(self, proposal):
        value = proposal.value
        if not 0 <= value <= self.neurons:
            raise WidgetError(f"shown is a neuron count from 0 to {self.neurons}, got {value}")
        return value

    @traitlets.observe("shown")
    def _changed(self, change):
        self._compute()

    def _compute(self) -> None:
        k = self.shown
        partial = self._bias + (self._cumulative[:, k - 1] if k else 0.0)
        partial = np.broadcast_to(partial, self._target.shape)
        error = float(np.abs(partial - self._target).max())
        with self.hold_sync():
            self.partial = _numbers(partial)
            self.current = _numbers(self._parts[:, k - 1]) if k else []
            self.max_error = error
            self.within = error <= self.eps

