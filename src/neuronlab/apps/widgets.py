"""Live notebook widgets: the lesson, a training run and the certified construction, redrawn as they change.

Built on anywidget (``pip install 'neuronlab[notebook]'``), so they work in JupyterLab, Notebook 7, VS Code
and marimo. The kernel computes with the real engine; the browser draws with ``static/widget-views.js`` and the
playground page's own drawing modules it imports (``static/draw.js``, and ``static/pair.js`` that draws the
lesson's pair of neurons on the page too), sent as text once per kernel and imported unchanged by each widget's
small module, ``static/widgets.js``. Viewers without a kernel (GitHub, nbviewer) show a PNG of the widget.
Each widget's state is its traits: set the inputs, read the outputs, from Python or from the sliders.

    >>> import neuronlab as nl
    >>> lesson = nl.widgets.Lesson(w11=1.0, w21=-1.0)
    >>> [round(lesson.output[i], 6) for i in (0, 150, 300)]   # x = -3, 0, 3: a bump between the thresholds
    [0.0, 1.0, 0.0]
"""

from __future__ import annotations

import base64
import io
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

from neuronlab.engine import activations as _activations
from neuronlab.apps import lesson as _lesson
from neuronlab.engine import losses as _losses
from neuronlab.approximate import _target, approximate
from neuronlab.data import DataError
from neuronlab.engine.network import Dense, Network, mlp
from neuronlab.apps.site import module_graph
from neuronlab.engine.tensor import Tensor
from neuronlab.training.train import fit, planned_epochs, solver_network
from neuronlab.views.colours import ROLES  # the page's colours, for the widgets' PNG pictures

MAX_CURVES = 64  # hidden neurons whose weighted curves a Trainer sends (all are trained)
MAX_LOSS_POINTS = 500  # the loss curve sent is thinned to this many epochs
MAX_WIDTH = 1024  # hidden neurons per layer the Trainer's width setting allows
MAX_GRID = 2000  # points on which a widget evaluates its curves
UPDATE_SECONDS = 0.1
PICTURE_SIZE, PICTURE_DPI = (
    (9.0, 2.6),
    80,
)  # the PNG a viewer without a kernel shows: 720 x 208 pixels  # a running Trainer sends its state at most this often


class WidgetError(ValueError):
    """A widget asked for something it cannot show (the message says what)."""


def _static(name: str) -> str:
    return (resources.files("neuronlab.apps.playground") / "static" / name).read_text(encoding="utf-8")


def _drawing_modules() -> dict:
    """The widgets' views (widget-views.js) and every module they import by a relative path ("./x.js"): the
    page's draw.js, pair.js (the lesson's renderer), ...; as {file name: text}. widgets.js imports them."""
    return module_graph(["widget-views.js"])


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


class _Drawing(anywidget.AnyWidget):
    """The page's drawing code (``_drawing_modules()``), once per kernel: every widget's front end imports the
    modules from this one model (its ``_drawing`` names it), so a notebook saved with its widgets' state carries
    them once, not once per widget."""

    _esm = "export default {};"  # a model only: it has no view of its own
    modules = traitlets.Dict().tag(sync=True)


_SHARED: list = []  # the kernel's _Drawing, made by the first widget


def _drawing() -> _Drawing:
    if not _SHARED or _SHARED[0].comm is None:  # (a closed model is made again)
        _SHARED[:] = [_Drawing(modules=_drawing_modules())]
    return _SHARED[0]


class _Widget(anywidget.AnyWidget):
    _esm = _static("widgets.js")
    _css = _static("drawing.css")  # how the page sizes its canvases: without it they grow at every redraw
    _view = traitlets.Unicode("").tag(sync=True)  # which of widgets.js's views draws this widget
    # the model holding the page's drawing code ("anywidget:<model id>"); a host whose front end cannot reach
    # other models (widgets.js asks then) gets the code in a message instead, which a saved notebook does not keep
    _drawing = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **state):
        super().__init__(**state)
        self._drawing = f"anywidget:{_drawing().model_id}"
        self.on_msg(self._send_drawing)

    def _send_drawing(self, widget, content, buffers) -> None:
        if isinstance(content, dict) and content.get("action") == "modules":
            self.send({"modules": _drawing().modules})

    def _repr_mimebundle_(self, **kwargs):
        """The live widget for Jupyter, and for every viewer without a kernel (GitHub, nbviewer, a saved
        notebook's text) a picture of what it shows now, as PNG, and a sentence instead of ``<... at 0x...>``."""
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data = {**data, "text/plain": self._text()}
        try:
            data["image/png"] = base64.b64encode(self._png()).decode("ascii")
        except ImportError:  # pragma: no cover - matplotlib is a dependency; the widget still shows without it
            pass
        return data, metadata

    def _text(self) -> str:  # pragma: no cover - every widget says its own
        return type(self).__name__

    def _png(self) -> bytes:
        """What the widget draws now, as a small PNG (matplotlib, 64 colours: a few kB in the notebook)."""
        from PIL import Image

        from neuronlab.views.plot import Figure, png

        fig = Figure(figsize=PICTURE_SIZE, layout="constrained")
        self._draw(fig)
        image = Image.open(io.BytesIO(png(fig, dpi=PICTURE_DPI))).convert("RGB").quantize(64)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


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

    def _text(self) -> str:
        return (
            f"neuronlab lesson widget: {self.formula} ({self.activation} neurons, thresholds s1 = {self.s1:g}, "
            f"s2 = {self.s2:g}); its sliders move with a running kernel"
        )

    def _draw(self, fig) -> None:
        axes = fig.subplots(1, 3, sharey=True)
        x = np.asarray(self.x, float)
        for ax, part, name, w in ((axes[0], self.c1, "h1", self.w11), (axes[1], self.c2, "h2", self.w21)):
            ax.plot(x, np.asarray(part, float), color=ROLES["network"])
            ax.set_title(f"w·{name} = {w:g}·{name}(x)", fontsize=9)
        axes[2].plot(x, np.asarray(self.output, float), color=ROLES["network"], linewidth=2)
        axes[2].set_title(self.formula, fontsize=9)
        for ax in axes:
            ax.grid(alpha=0.3)
            ax.set_xlabel("x", fontsize=8)

    def _compute(self) -> None:
        x = np.linspace(*_lesson.DOMAIN, self.POINTS)
        net = self.network()
        hidden, parts = net.layer_values(x)[0][1], net.contributions(x)
        sign = "\u2212" if self.w21 < 0 else "+"  # a real minus sign, as every number the lesson shows
        with self.hold_sync():
            self.x = _numbers(x)
            self.h1, self.h2 = _numbers(hidden[:, 0]), _numbers(hidden[:, 1])
            self.c1, self.c2 = _numbers(parts[:, 0]), _numbers(parts[:, 1])
            self.output = _numbers(net.predict(x)[:, 0])
            self.formula = f"output = {self.w11:.1f}·h1 {sign} {abs(self.w21):.1f}·h2"
            if self.revealed:
                answer = self.network(*_lesson.EXERCISE)
                parts = answer.contributions(x)
                self.answer = {
                    "c1": _numbers(parts[:, 0]),
                    "c2": _numbers(parts[:, 1]),
                    "output": _numbers(answer.predict(x)[:, 0]),
                    "text": _lesson.EXERCISE_ANSWER,
                    "weights": list(_lesson.EXERCISE),
                }
            else:
                self.answer = {}


# ---------------------------------------------------------------- training, live


class Trainer(_Widget):
    """Train a one-input, one-output network in the kernel while the widget draws it learning.

    The widget shows the training points (the held-out ones hollow), the network's output, every hidden
    neuron's weighted curve w_i·h_i(x) (the output is their sum plus the bias, through the output activation),
    and the loss per epoch on the training points and on the held-out ones (the validation curve); its buttons
    start, pause, step and re-initialise. ``net`` is trained in place: the network in your Python variable is
    the one being trained, until a change of ``width`` or ``activation`` builds a new one (``trainer.net``).
    Each start or step calls ``nl.fit(net, x, y, **fit_options)`` on the training points for the epochs left (an
    optimizer's moments start afresh after a pause or a change of setting).

    The settings a teacher reaches for are traits, set from Python or from the widget's controls:
    ``lr`` (Adam's and SGD's learning rate), ``activation`` and ``width`` (of every hidden layer: a new network,
    same seed), ``noise`` (the standard deviation of Gaussian noise added to the targets: the same draws, scaled),
    ``speed`` (at most this many epochs a second, so training can be watched; 0: as fast as it goes) and
    ``reinitialise()`` (fresh random weights). ``stop_reason`` says why training stopped: early stopping, when the
    loss on the held-out points has not improved for ``patience`` epochs (the best epoch's weights are restored),
    the last of ``epochs``, or fit's own reasons.

    Args:
        net: a Network with one input and one output.
        x, y: the points.
        validation: the share of the points held out for early stopping (default 0.2 from 20 points on, else
            0: no early stopping); the same points throughout.
        patience: epochs without a better held-out loss before stopping (default, as fit's for Adam and SGD:
            max(10, epochs / 10)).
        noise, speed: the settings above (default 0).
        **fit_options: passed to ``nl.fit`` (``epochs`` is the whole run's length; default, fit's own;
            ``optimizer`` defaults to "adam", whose steps can be watched and whose learning rate ``lr`` is).

    Python side: ``start()`` (in a thread), ``pause()``, ``step(epochs=1)``, ``train()`` (to the end, in
    this thread), ``wait()``, ``reinitialise()``.
    """

    _view = traitlets.Unicode("trainer").tag(sync=True)
    grid = traitlets.List().tag(sync=True)
    points = traitlets.Dict().tag(sync=True)  # {x, y, held_out}: the points (with the noise), which are held out
    output = traitlets.List().tag(sync=True)
    parts = traitlets.List().tag(sync=True)  # [neuron][grid point]: w_i·h_i(x), at most MAX_CURVES neurons
    bias = traitlets.Float(0.0).tag(sync=True)
    loss = traitlets.List().tag(sync=True)  # [[epoch, loss], ...], thinned to MAX_LOSS_POINTS
    val_loss = traitlets.List().tag(sync=True)  # [[epoch, loss on the held-out points], ...], thinned alike
    best_epoch = traitlets.Int(0).tag(sync=True)  # the epoch of the lowest held-out loss (0: none yet)
    epoch = traitlets.Int(0).tag(sync=True)
    epochs = traitlets.Int(0).tag(sync=True)
    status = traitlets.Unicode("ready").tag(sync=True)  # ready, training, paused, done, or an error
    stop_reason = traitlets.Unicode("").tag(sync=True)  # why training stopped (once done)
    neurons = traitlets.Int(0).tag(sync=True)
    output_activation = traitlets.Unicode("linear").tag(sync=True)
    weighted_sum = traitlets.List().tag(sync=True)  # sum of the curves + bias, when the output is not linear
    # the teacher's settings
    lr = traitlets.Float(0.01).tag(sync=True)
    uses_lr = traitlets.Bool(True).tag(sync=True)  # False: the optimizer (LM, L-BFGS) chooses its own steps
    activation = traitlets.Unicode("tanh").tag(sync=True)
    activations = traitlets.List().tag(sync=True)  # the choices: the activations backprop can train
    width = traitlets.Int(8).tag(sync=True)
    noise = traitlets.Float(0.0).tag(sync=True)
    noise_max = traitlets.Float(1.0).tag(sync=True)  # the noise slider's end: twice the targets' spread
    speed = traitlets.Float(0.0).tag(sync=True)  # epochs a second at most; 0: as fast as it goes

    def __init__(
        self, net: Network, x, y, validation=None, patience=None, noise: float = 0.0, speed: float = 0.0, **fit_options
    ):
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
        n = len(x)
        share = (0.2 if n >= 20 else 0.0) if validation is None else _finite(validation, "validation", 0.0, 0.9)
        held = int(round(n * share))
        if share and not 1 <= held < n:
            raise WidgetError(f"a validation share of {share:g} leaves no points for one side of {n} points")
        options = {"optimizer": "adam", **fit_options, "validation": 0.0}  # the Trainer holds its points out itself
        self._seed = 0 if options.get("seed") is None else int(options["seed"])
        order = np.random.default_rng(self._seed).permutation(n)
        self._held_out = np.zeros(n, bool)
        self._held_out[order[:held]] = True
        self._noise_draws = np.random.default_rng(self._seed + 1).standard_normal(n)
        self._loss_fn = _losses.get(options.get("loss", "mse"))
        self._loss_name = options.get("loss", "mse") if isinstance(options.get("loss", "mse"), str) else "custom"
        super().__init__()
        self.net, self.x, self.clean_y, self.fit_options = net, x, y, options
        self.losses: list[float] = []  # every epoch's training loss, over all runs (fit's, on fit's scale)
        self.val_losses: list[float] = []  # every epoch's loss on the held-out points, in the same units
        self.histories: list = []  # fit's History of each run
        self.patience = None if patience is None else max(1, int(patience))
        self._pause, self._thread, self._lock, self._sent = threading.Event(), None, threading.Lock(), 0.0
        self._restart = False  # a setting changed mid-run: fit stops, and goes on with the new setting
        self._best = (math.inf, 0, None)  # (held-out loss, epoch, weights)
        self._grid = np.linspace(x.min(), x.max(), min(MAX_GRID, 400)) if x.min() < x.max() else x[:1]
        self._reinitialisations = 0
        optimizer = options["optimizer"]
        spread = float(np.std(y)) or 1.0
        with self.hold_sync():
            self.activations = [a for a in _activations.names() if _activations.get(a).learnable]
            self.noise_max = float(f"{2 * spread:.2g}")
            self.uses_lr = not isinstance(optimizer, str) or optimizer in ("adam", "sgd")
            self.lr = float(options.get("lr") or (0.1 if optimizer == "sgd" else 0.01))
            self.activation = net.layers[0].activation.name if len(net.layers) > 1 else "linear"
            self.width = net.layers[0].neurons if len(net.layers) > 1 else 1
            self.noise = noise
            self.speed = speed
            self.grid = _numbers(self._grid)
            self._plan()
            self._show()
        self.on_msg(self._message)

    # ------------------------------------------------------------ settings

    @property
    def y(self) -> np.ndarray:
        """The targets trained on: the given y plus ``noise`` times the Trainer's fixed normal draws."""
        return self.clean_y + self.noise * self._noise_draws

    @traitlets.validate("lr")
    def _check_lr(self, proposal):
        return _finite(proposal.value, "lr", 1e-9, 1e6)

    @traitlets.validate("noise")
    def _check_noise(self, proposal):
        return _finite(proposal.value, "noise", 0.0, 1e6)

    @traitlets.validate("speed")
    def _check_speed(self, proposal):
        return _finite(proposal.value, "speed", 0.0, 1e6)

    @traitlets.validate("width")
    def _check_width(self, proposal):
        value = proposal.value
        if not 1 <= value <= MAX_WIDTH:
            raise WidgetError(f"width is the hidden neurons per layer, from 1 to {MAX_WIDTH}; got {value}")
        return value

    @traitlets.validate("activation")
    def _check_activation(self, proposal):
        name = proposal.value
        if name not in self.activations:
            raise WidgetError(
                f"the Trainer's activation is one backprop can train: {', '.join(self.activations)}; got {name!r}"
            )
        return name

    @traitlets.observe("lr")
    def _lr_changed(self, change):
        if self.uses_lr:  # (a learning rate given to "auto" would make it choose Adam)
            self.fit_options["lr"] = change.new
            self._restart = True

    @traitlets.observe("noise")
    def _noise_changed(self, change):
        self._restart = True  # the targets changed: the best held-out loss so far is of other targets
        self._best = (math.inf, 0, None)
        if hasattr(self, "x"):
            self.points = self._points()

    @traitlets.observe("width", "activation")
    def _architecture_changed(self, change):
        if not hasattr(self, "net") or not len(self.net.layers) > 1:
            return
        current = self.net.layers[0]
        if current.neurons == self.width and current.activation.name == self.activation:
            return
        self._stop_quietly()
        hidden = [self.width] * (len(self.net.layers) - 1)
        net = mlp(
            [1, *hidden, 1], self.activation, self.net.layers[-1].activation.name, seed=self._seed, dtype=self.net.dtype
        )
        net.scaling = self.net.scaling
        self.net = net
        self._start_over()

    def reinitialise(self) -> None:
        """Fresh random weights (the next seed) for the same network; its training starts over."""
        self._stop_quietly()
        self._reinitialisations += 1
        sizes = self.net.sizes
        fresh = mlp(
            sizes,
            self.activation if len(sizes) > 2 else "linear",
            self.net.layers[-1].activation.name,
            seed=self._seed + self._reinitialisations,
            dtype=self.net.dtype,
        )
        self.net.load_state_dict(fresh.state_dict())
        self._start_over()

    def _stop_quietly(self) -> None:
        self._pause.set()
        self.wait()

    def _start_over(self) -> None:
        self.losses, self.val_losses, self.histories = [], [], []
        self._best = (math.inf, 0, None)
        with self.hold_sync():
            self.status, self.stop_reason = "ready", ""
            self._plan()
            self._show()

    def _plan(self) -> None:
        n_train = int((~self._held_out).sum())
        self.epochs = planned_epochs(self.net, n_train, **self.fit_options)
        if self.patience is None:
            self._patience = max(10, self.epochs // 10)
        else:
            self._patience = self.patience
        self.points = self._points()

    def _points(self) -> dict:
        return {"x": _numbers(self.x), "y": _numbers(self.y), "held_out": self._held_out.tolist()}

    # ------------------------------------------------------------ what it shows

    def _validation_loss(self) -> float | None:
        """The loss on the held-out points as fit measures its own validation loss: the network fit trains
        (``solver_network``), on the scaled inputs and targets."""
        if not self._held_out.any():
            return None
        x, y = self.x[self._held_out].reshape(-1, 1), self.y[self._held_out].reshape(-1, 1)
        scaling = self.net.scaling
        if scaling is not None:
            x = scaling.inputs(x)
            y = scaling.targets(y) if scaling.scales_outputs else y
        out = solver_network(self.net, self._loss_name).predict(x)
        return float(self._loss_fn(Tensor(out), y).data)

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
            self.loss = _thinned(self.losses)
            self.val_loss = _thinned(self.val_losses)
            self.best_epoch = self._best[1]
            self.epoch = len(self.losses)
        self._sent = time.perf_counter()

    def _text(self) -> str:
        loss = f", training loss {self.losses[-1]:.4g}" if self.losses else ""
        reason = f"; {self.stop_reason}" if self.stop_reason else ""
        return (
            f"neuronlab Trainer widget: a {'-'.join(map(str, self.net.sizes))} {self.activation} network, "
            f"{self.status} at epoch {self.epoch} of {self.epochs}{loss}{reason}"
        )

    def _draw(self, fig) -> None:
        fit_ax, loss_ax = fig.subplots(1, 2, width_ratios=[1.7, 1])
        held = self._held_out
        y = self.y
        fit_ax.scatter(self.x[~held], y[~held], s=6, color=ROLES["target"], label="training points")
        if held.any():
            fit_ax.scatter(self.x[held], y[held], s=10, color=ROLES["test"], label="held out")
        fit_ax.plot(
            self._grid,
            np.asarray(self.output, float),
            color=ROLES["network"],
            linewidth=2,
            label="network output",
        )
        fit_ax.legend(fontsize=7, loc="best")
        fit_ax.grid(alpha=0.3)
        fit_ax.set_title(f"{self.status}: epoch {self.epoch} of {self.epochs}", fontsize=9)
        if self.losses:
            epochs = np.arange(1, len(self.losses) + 1)
            loss_ax.semilogy(epochs, self.losses, color=ROLES["network"], label="training")
            if self.val_losses:
                loss_ax.semilogy(epochs, self.val_losses, color=ROLES["test"], label="held out")
            loss_ax.legend(fontsize=7)
        loss_ax.set_title("loss per epoch", fontsize=9)
        loss_ax.grid(alpha=0.3)

    # ------------------------------------------------------------ training

    def _run(self, epochs: int) -> None:
        """Fit for up to ``epochs`` epochs, sending the state as it goes; stops early on pause(), on early
        stopping, and goes on with the new settings when one changes."""
        goal = len(self.losses) + epochs
        early = False
        while len(self.losses) < goal and not self._pause.is_set() and not early:
            self._restart = False
            base = len(self.losses)
            paced = time.perf_counter()

            def record(history, base=base):  # fit calls back after an epoch unless it stops there: catch up
                for loss in history.loss[len(self.losses) - base :]:
                    self.losses.append(loss)
                    self._held_out_epoch()

            def callback(epoch, history):
                nonlocal paced, early
                record(history)
                epoch_number = len(self.losses)
                if self._held_out.any() and epoch_number - self._best[1] >= self._patience:
                    early = True
                slow = self.speed > 0
                if slow or time.perf_counter() - self._sent >= UPDATE_SECONDS:
                    self._show()
                if slow:  # wait out the epoch's share of a second (pause ends the wait)
                    paced += 1.0 / self.speed
                    self._pause.wait(max(0.0, paced - time.perf_counter()))
                return not (self._pause.is_set() or self._restart or early)

            options = {**self.fit_options, "epochs": goal - base}
            try:
                history = fit(
                    self.net,
                    self.x[~self._held_out],
                    self.y[~self._held_out],
                    progress=False,
                    callback=callback,
                    **options,
                )
            except Exception as error:  # shown in the widget; the network keeps its last finite weights
                self.status = f"error: {error}"
                self.stop_reason = f"stopped by an error: {error}"
                self._show()
                raise
            record(history)
            self.histories.append(history)
            if history.stopped == "interrupted":  # Ctrl-C (the kernel's interrupt) in train() or step()
                break
            if history.stopped in ("tol", "converged"):
                self._finish(
                    {
                        "tol": f"stopped: the training loss reached tol = {self.fit_options.get('tol')}",
                        "converged": f"stopped: {history.optimizer} converged (no step lowered the loss)",
                    }[history.stopped]
                )
                return
        if early:
            loss, epoch, weights = self._best
            self.net.load_state_dict(weights)
            self._finish(
                f"stopped early at epoch {len(self.losses)}: the loss on the {int(self._held_out.sum())} "
                f"held-out points has not improved for {self._patience} epochs since epoch {epoch} "
                f"({loss:.4g}); the weights of epoch {epoch} are restored"
            )
        elif len(self.losses) >= self.epochs:
            self._finish(f"stopped: reached the last of its {self.epochs} epochs")
        else:
            self.status = "paused"
            self._show()

    def _held_out_epoch(self) -> None:
        """After each training epoch: the held-out loss, and the best weights so far."""
        loss = self._validation_loss()
        if loss is None:
            return
        self.val_losses.append(loss)
        if loss < self._best[0]:
            self._best = (loss, len(self.losses), self.net.state_dict())

    def _finish(self, reason: str) -> None:
        with self.hold_sync():
            self.status, self.stop_reason = "done", reason
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
        elif action == "reinitialise":
            self.reinitialise()


def _thinned(losses: list) -> list:
    """[[epoch, loss], ...] of at most about MAX_LOSS_POINTS epochs (the last always), six significant digits."""
    stride = max(1, math.ceil(len(losses) / MAX_LOSS_POINTS))
    shown = list(range(0, len(losses), stride))
    if losses and shown[-1] != len(losses) - 1:
        shown.append(len(losses) - 1)
    return [[i + 1, float(f"{losses[i]:.6g}") if math.isfinite(losses[i]) else None] for i in shown]


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
            self.title = (
                f"{text} on [{a:g}, {b:g}]: {certificate.neurons} {certificate.activation} neurons "
                f"within eps = {certificate.eps:g} (checked on {certificate.check_points:,} points)"
            )
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

    def _text(self) -> str:
        return (
            f"neuronlab Approximation widget: {self.title}; bias + the first {self.shown} of {self.neurons} "
            f"neurons, max |error| {self.max_error:.3g}"
        )

    def _draw(self, fig) -> None:
        ax = fig.subplots()
        x = np.asarray(self.x, float)
        ax.fill_between(
            x, self._target - self.eps, self._target + self.eps, color="#cccccc", label=f"eps = {self.eps:g}"
        )
        ax.plot(x, self._target, color=ROLES["target"], linewidth=2, label="target")
        ax.plot(
            x,
            np.asarray(self.partial, float),
            color=ROLES["network"],
            label=f"bias + first {self.shown} neurons",
        )
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        ax.set_title(self.title, fontsize=9)

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
