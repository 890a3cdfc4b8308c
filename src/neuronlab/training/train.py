"""fit(): learn a network's weights from examples by backpropagation.

Each step takes a batch, computes the outputs and the loss, runs ``backward()`` to get d loss / d weight
for every weight, and lets the optimizer move the weights downhill.

    >>> import numpy as np, neuronlab as nl
    >>> x = np.linspace(-np.pi, np.pi, 64).reshape(-1, 1)
    >>> net = nl.mlp([1, 16, 1], activation="tanh", seed=0)
    >>> history = nl.fit(net, x, np.sin(x), epochs=500, progress=False)
    >>> history.loss[-1] < history.loss[0]
    True
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from neuronlab.engine import losses as _losses
from neuronlab.training import optim as _optim
from neuronlab.data import DataError
from neuronlab.engine import fastpath
from neuronlab.engine.network import Network, Scaling
from neuronlab.training import lbfgs, levenberg_marquardt
from neuronlab.training.lbfgs import StallRule
from neuronlab.training import regularization
from neuronlab.engine.tensor import Tensor

DEFAULT_LR = {"adam": 0.01, "sgd": 0.1}
FULL_BATCH_LIMIT = 1024  # up to this many training points, batch_size=None means the whole set
STEP_BUDGET = 3000  # epochs=None: about this many optimizer steps (at least 10 epochs)


class NotTrainableError(ValueError):
    """A network gradient descent cannot train (a step activation: zero gradient almost everywhere)."""


class TrainingDiverged(ValueError):
    """Training diverged (a NaN or infinite loss or weight, or a million-fold growth of the loss); the network
    got back the best weights seen."""

    def __init__(self, message: str, history: "History"):
        super().__init__(message)
        self.history = history


@dataclass
class History:
    """What happened during ``fit``: one entry per epoch, plus how and why it ended.

    ``metrics`` holds ``rmse`` and ``r2`` for regression or ``accuracy`` for classification, measured on
    the predictions made during each epoch's steps, and ``val_...`` versions on the validation split.
    """

    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    epochs: int = 0
    steps: int = 0
    time: float = 0.0
    stopped: str = ""
    best_epoch: int | None = None
    optimizer: str = ""
    optimizer_reason: str = ""
    lr: float = 0.0
    batch_size: int = 0
    task: str = "regression"
    n_train: int = 0
    n_validation: int = 0
    validation_indices: np.ndarray | None = None  # rows of x held out for validation
    reasons: list = field(default_factory=list)  # the defaults fit chose (scaling, validation, ...) and why

    def summary(self) -> str:
        parts = [
            f"{self.epochs} epochs ({self.steps} steps) in {self.time:.2f} s with {self.optimizer}",
            f"loss {self.loss[-1]:.4g}" if self.loss else "no epoch finished",
        ]
        if self.val_loss:
            parts.append(f"validation loss {min(self.val_loss):.4g} (best, epoch {self.best_epoch})")
        parts.append(f"stopped: {self.stopped}")
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"History({self.summary()})"


def _labels_or_targets(net: Network, y, loss_name: str, n: int) -> np.ndarray:
    if loss_name == "cross_entropy":
        if net.outputs < 2:
            raise DataError(
                "cross_entropy needs one output per class (at least 2); use binary_cross_entropy for a single output"
            )
        return _losses.class_labels(y, n, net.outputs)
    y = np.asarray(y)
    if y.dtype.kind not in "fiub":
        raise DataError(f"targets must be numbers, got an array of {y.dtype}")
    y = y.astype(net.dtype)
    if y.ndim == 1 and net.outputs == 1:
        y = y.reshape(-1, 1)
    if y.shape != (n, net.outputs):
        raise DataError(f"y must have shape ({n}, {net.outputs}) to match x and the network's outputs, got {y.shape}")
    if not np.all(np.isfinite(y)):
        bad = int(np.argmax(~np.all(np.isfinite(y), axis=1)))
        raise DataError(f"y contains NaN or infinity (first at row {bad})")
    if loss_name == "binary_cross_entropy" and not np.all((y == 0) | (y == 1)):
        raise DataError("binary_cross_entropy needs targets that are 0 or 1")
    return y


def _check_trainable(net: Network) -> None:
    for i, layer in enumerate(net.layers):
        if not layer.activation.learnable:
            raise NotTrainableError(
                f"layer {i + 1} uses the {layer.activation.name} activation: its gradient is zero almost "
                "everywhere (flat on both sides of the jump), so backpropagation cannot move the weights "
                "feeding it. Train with 'sigmoid' (a smooth step; the steeper, the closer), 'tanh' or 'relu' "
                "instead, or set step weights by hand (nl.Dense(..., weights=..., bias=...))"
            )


def schedule(n_train: int, batch_size=None, epochs=None) -> tuple[int, int]:
    """(batch size, epochs) that ``fit`` uses for ``n_train`` points, filling in the defaults."""
    if batch_size is None:
        batch = n_train if n_train <= FULL_BATCH_LIMIT else 128
    else:
        batch = _positive_int(batch_size, "batch_size")
    batch = min(batch, n_train)
    if epochs is None:
        return batch, max(10, math.ceil(STEP_BUDGET / math.ceil(n_train / batch)))
    return batch, _positive_int(epochs, "epochs")


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise DataError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def _non_negative(value, name: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise DataError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


class Scores:
    """Running metrics over one epoch's predictions (RMSE and R^2, or accuracy).

    The one place neuronlab computes RMSE, R^2 and accuracy: ``fit``, the command line and the playground
    all use it. ``Scores.of(task, loss_name, out, y)`` scores one set of predictions at once.
    """

    def __init__(self, task: str, loss_name: str, y_all: np.ndarray, scale=None):
        """``scale``: per-output factors taking outputs and targets to raw units (when fit standardised them)."""
        self.task, self.loss_name, self.scale = task, loss_name, scale
        if task == "regression":
            spread = y_all - y_all.mean(axis=0)
            self.total_variance = float(np.sum((spread if scale is None else spread * scale) ** 2))
        self.reset()

    def reset(self):
        self.count, self.squared, self.correct = 0, 0.0, 0

    def add(self, out: np.ndarray, y: np.ndarray) -> None:
        self.count += len(y)
        if self.task == "regression":
            error = out - y
            self.squared += float(np.sum((error if self.scale is None else error * self.scale) ** 2))
        elif self.loss_name == "cross_entropy":
            self.correct += int(np.sum(np.argmax(out, axis=1) == y))
        else:
            self.correct += int(np.sum((out > 0) == (y > 0.5)))

    @classmethod
    def of(cls, task: str, loss_name: str, out: np.ndarray, y: np.ndarray) -> dict:
        """Metrics of predictions ``out`` (n, outputs) against ``y`` in one call."""
        out = np.asarray(out, dtype=float)
        out = out.reshape(len(out), -1)
        y = np.asarray(y)
        if task == "regression":
            y = y.reshape(len(y), -1).astype(float)
        scores = cls(task, loss_name, y)
        scores.add(out, y)
        return scores.values(out.shape[1])

    def values(self, outputs: int) -> dict:
        if self.task == "regression":
            rmse = math.sqrt(self.squared / (self.count * outputs))
            r2 = 1.0 - self.squared / self.total_variance if self.total_variance > 0 else float("nan")
            return {"rmse": rmse, "r2": r2}
        return {"accuracy": self.correct / self.count}


def fit(
    net: Network,
    x,
    y,
    loss="mse",
    optimizer="auto",
    lr=None,
    epochs=None,
    batch_size=None,
    tol=None,
    validation=None,
    seed=None,
    progress=True,
    l1: float = 0.0,
    l2=None,
    patience=None,
    callback=None,
    engine: str = "fast",
    scale: bool = True,
) -> History:
    """Train ``net`` on ``(x, y)`` by backpropagation; returns the ``History``.

    Args:
        net: the network; its weights are updated in place.
        x: (n, inputs) inputs (a flat array when the network has one input).
        y: (n, outputs) targets for regression; (n,) integer labels for ``cross_entropy``;
            0/1 values for ``binary_cross_entropy``.
        loss: ``"mse"``, ``"mae"``, ``"cross_entropy"``, ``"binary_cross_entropy"`` (or a callable).
        optimizer: ``"auto"``, ``"lm"`` (Levenberg–Marquardt), ``"lbfgs"``, ``"adam"``, ``"sgd"`` (momentum
            0.9) or an ``Optimizer``. ``"auto"`` estimates the time of each solver that fits the problem
            (``estimated_seconds``: work per iteration times usual iterations) and picks the fastest:
            Levenberg–Marquardt (squared error, no l1/l2, at least as many training values as parameters,
            a Jacobian of at most 4 million entries), L-BFGS (the built-in losses) or Adam (lr 0.01).
            ``history.optimizer_reason`` says which ran and why, with the estimates.
        lr: learning rate of Adam/SGD; ``None`` means 0.01 for Adam, 0.1 for SGD.
        epochs: passes over the training set (iterations for LM and L-BFGS); ``None`` means about 3000
            steps (at least 10 epochs) for Adam/SGD and at most 1000 iterations for LM and L-BFGS, which
            also stop (``stopped == "converged"``) when no step lowers the loss or when progress stalls:
            LM when 10 iterations lower the loss by less than 0.1 %, L-BFGS when 20 iterations lower loss
            plus penalty by less than 0.1 %; the run after ``l2=None`` was chosen by validation stops by
            ``regularization.FINAL_RULE`` (at most 10 iterations from the chosen copy's weights, 5 gaining
            less than 0.1 %). A given ``epochs`` runs them all unless no step helps.
        batch_size: points per step of Adam/SGD; ``None`` means all of them up to 1024 points, else 128.
            LM and L-BFGS always use the whole training set.
        tol: stop as soon as an epoch's training loss is at or below ``tol`` (on standardised targets when
            ``scale`` standardised them).
        validation: fraction of the points held out; training stops early when their loss has not
            improved for ``patience`` epochs, and the best weights are restored. ``None`` means 15 % when
            there are at least 200 points and no weight decay (``l2`` is 0), else none.
        seed: seeds the shuffles and the split; ``None`` means 0, so a run repeats exactly.
        progress: show a progress bar with the loss and the speed (``True``, or a ``rich.console.Console``
            to draw it on).
        l1, l2: add ``l1 * sum|w|`` and ``l2 * sum w^2`` over the weights (not the biases) to the loss.
            ``l2=None`` means 0 when the training points are at least the parameters. When the parameters
            outnumber them (mse and the cross-entropies) it is chosen by validation on the training rows
            alone (``regularization.choose_l2``): copies of the network train on 80 % of them with l2 from
            {0.0001, 0.001, 0.01, 0.1, 1} (a search from 0.01 towards the side that helps, each step from the
            previous weights, a few dozen L-BFGS iterations each in float32; from 0.0001 from scratch again
            when no copy predicts clearly better than a constant) and the l2 with the lowest loss on the other
            20 % trains the network on all of them, from that copy's weights. ``history.reasons`` says which
            l2, every tried value's loss and the iterations of each copy.
        patience: epochs without validation improvement before stopping; ``None`` means 6 iterations for
            Levenberg–Marquardt (MATLAB's max_fail), 20 for L-BFGS, max(10, epochs/10) for Adam/SGD.
        callback: ``callback(epoch, history)`` after every epoch; returning ``False`` (or any false value
            but ``None``) stops training.
        engine: ``"fast"`` (fused forward/backward, ``fastpath.py``) or ``"tensor"`` (the Tensor engine,
            the readable reference); both compute the same gradients.
        scale: standardise the inputs (and, for regression with a linear output, the targets) to mean 0
            and standard deviation 1 over the training rows, and keep that ``Scaling`` in the network, so
            ``predict`` takes raw inputs and returns raw outputs. A network that already has a scaling
            keeps it. ``history.loss`` is then on the standardised targets; the metrics are in raw units.
            To train on from hand-set weights (which act on raw data), pass ``scale=False``.

    Raises:
        DataError, ShapeError, TargetError: inputs that do not fit (the message says how).
        NotTrainableError: a step activation (gradient zero almost everywhere).
        TrainingDiverged: the loss or a weight became NaN/inf, or the loss grew a million-fold over its best;
            the weights are the best ones seen.

    Example:
        >>> import numpy as np, neuronlab as nl
        >>> x = np.linspace(-1, 1, 50); net = nl.mlp([1, 8, 1], seed=0)
        >>> nl.fit(net, x, x**2, epochs=200, progress=False).stopped
        'epochs'
    """
    if not isinstance(net, Network):
        raise DataError(f"fit needs a neuronlab Network, got {type(net).__name__}")
    loss_fn = _losses.get(loss)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "custom")
    task = "classification" if loss_name in _losses.CLASSIFICATION else "regression"
    _check_trainable(net)

    x = net.as_input(x)
    n = x.shape[0]
    if n == 0:
        raise DataError("there are no training points")
    if not np.all(np.isfinite(x)):
        bad = int(np.argmax(~np.all(np.isfinite(x), axis=1)))
        raise DataError(f"x contains NaN or infinity (first at row {bad})")
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if y.ndim == 0 or len(y) != n:
        raise DataError(
            f"x has {n} rows but y has {len(y) if y.ndim else 'a single value'}: they must match one to one"
        )
    y = _labels_or_targets(net, y, loss_name, n)

    l1 = _non_negative(l1, "l1")
    l2 = None if l2 is None else _non_negative(l2, "l2")
    tol = None if tol is None else _non_negative(tol, "tol")
    if lr is not None and (not math.isfinite(float(lr)) or float(lr) <= 0):
        raise DataError(f"lr must be a positive number, got {lr!r}")
    if engine not in ("fast", "tensor"):
        raise DataError(f"engine must be 'fast' or 'tensor', got {engine!r}")
    reasons = []
    if l2 is None:  # l2 stays None when it is to be chosen by validation on the training rows (below)
        l2, why = default_l2(net, loss_name, n, optimizer)
        if l2 is not None:
            reasons.append(why)
    if validation is None:  # early stopping regularises when weight decay does not (l2 = 0)
        validation = default_validation(n, l2)
        if validation:
            why = (
                f"validation: {validation:.0%} of the {n} points held out to stop early and keep the best "
                f"weights, since there are at least {AUTO_VALIDATION_ROWS} points and no weight decay"
            )
        elif l2 is None or l2:
            why = "validation: none (weight decay regularises; every point trains; pass validation= to hold some out)"
        else:
            why = f"validation: none, since {n} points are fewer than {AUTO_VALIDATION_ROWS}"
        reasons.append(why)
    validation = _non_negative(validation, "validation")
    if validation >= 1:
        raise DataError(f"validation is the held-out fraction, in [0, 1); got {validation}")

    rng = np.random.default_rng(0 if seed is None else seed)
    n_val = int(round(n * validation))
    if validation > 0 and (n_val < 1 or n - n_val < 1):
        raise DataError(f"a validation fraction of {validation} leaves no points for one side of {n} points")
    if n_val:
        order = rng.permutation(n)
        x_train, y_train, x_val, y_val = x[order[n_val:]], y[order[n_val:]], x[order[:n_val]], y[order[:n_val]]
    else:
        x_train, y_train, x_val, y_val = x, y, None, None
    n_train = len(x_train)
    if l2 is None:
        l2, warm = _l2_by_validation(
            net,
            x_train,
            y_train,
            loss,
            seed,
            reasons,
            optimizer=optimizer,
            lr=lr,
            epochs=epochs,
            batch_size=batch_size,
            tol=tol,
            l1=l1,
            engine=engine,
            scale=scale,
        )
    else:
        warm = False

    # epochs=None: LM and L-BFGS also stop when progress stalls (L-BFGS: by the rule in force, see StallRule)
    stall_stop: StallRule | None = None
    if epochs is None:
        stall_stop = _STALL_RULE.get() or (regularization.FINAL_RULE if warm else None) or StallRule()
    solver, reason = _choose_solver(net, loss_name, n_train, optimizer, lr, l1, l2, batch_size, epochs)
    batch, epochs = _solver_schedule(solver, n_train, batch_size, epochs)
    if solver == "lbfgs" and stall_stop and stall_stop.max_iterations is not None:
        epochs = min(epochs, stall_stop.max_iterations)
        if warm:
            reasons.append(
                f"iterations: at most {epochs} (stopping sooner when {stall_stop.window} iterations "
                f"lower loss plus penalty by less than {stall_stop.tol:.1%}), since the network starts "
                f"from the chosen copy's weights, already trained on most of these rows"
            )
    if patience is None:
        patience = {"levenberg-marquardt": levenberg_marquardt.PATIENCE, "lbfgs": lbfgs.PATIENCE}.get(
            solver, max(10, epochs // 10)
        )
    else:
        patience = _positive_int(patience, "patience")
    scaling = net.scaling
    if scaling is None and scale:
        scaling = fit_scaling(net, x_train, y_train, task)
        reasons.append("scaling: " + scaling.describe() + ", from the training rows (kept in the network)")
    elif scaling is not None:
        reasons.append("scaling: the network's own (" + scaling.describe() + ")")
    if scaling is not None and scaling.scales_outputs and task != "regression":
        raise DataError(f"this network scales its outputs (a regression scaling); {loss_name} needs class scores")
    if scaling is not None:
        x_train = scaling.inputs(x_train)
        x_val = None if x_val is None else scaling.inputs(x_val)
        if scaling.scales_outputs:
            y_train = scaling.targets(y_train)
            y_val = None if y_val is None else scaling.targets(y_val)
    history = History(
        optimizer=solver if isinstance(solver, str) else solver.name,
        optimizer_reason=reason,
        batch_size=batch,
        task=task,
        n_train=n_train,
        n_validation=n_val,
        validation_indices=np.sort(order[:n_val]) if n_val else None,
        reasons=reasons,
    )
    net.scaling = scaling  # the network keeps it from here on: callbacks see the whole network
    layers = solver_network(net, loss_name)  # what the solvers train, on the standardised data
    if layers.layers[-1] is not net.layers[-1]:
        reasons.append(
            f"output: the loss takes the output neuron's weighted sum z ({loss_name} applies the "
            f"{net.layers[-1].activation.name} itself); net.predict gives {net.layers[-1].activation.name}(z)"
        )
    run = _Run(
        layers, history, loss_fn, loss_name, tol, patience, callback, progress, epochs, y_train, x_val, y_val, scaling
    )
    with np.errstate(over="ignore", invalid="ignore"):  # NaN/inf are caught and explained
        try:
            if solver == "levenberg-marquardt":
                levenberg_marquardt.train(layers, x_train, y_train, epochs, run, stall_stop is not None)
            elif solver == "lbfgs":
                lbfgs.train(layers, x_train, y_train, epochs, l1, l2, loss_name, run, stall_stop)
            else:
                _train_first_order(
                    layers, solver, x_train, y_train, epochs, batch, l1, l2, loss_fn, loss_name, engine, rng, run
                )
        except KeyboardInterrupt:
            history.stopped = "interrupted"
        finally:
            run.close()
    return history


def fit_scaling(net: Network, x_train: np.ndarray, y_train: np.ndarray, task: str) -> Scaling:
    """The ``Scaling`` ``fit(..., scale=True)`` adds for these training rows (the playground adds the same to a
    CSV's network): the inputs' mean and standard deviation, and the targets' for regression with a linear
    output (class scores and squashed outputs stay as they are)."""
    scale_targets = task == "regression" and net.layers[-1].activation.name == "linear"
    return Scaling.of(x_train, y_train if scale_targets else None, net.outputs).astype(net.dtype)


# the output activation a loss applies itself: under it, the solvers train the output neuron's weighted sum
# z, and the loss squashes it once (binary cross-entropy of a sigmoid neuron: softplus(z) - z·y)
APPLIED_BY_LOSS = {"binary_cross_entropy": "sigmoid"}


def solver_network(net: Network, loss_name: str) -> Network:
    """What every solver trains: ``net``'s layers (weights shared, not copied) without the scaling around
    them, and, when the loss applies the output activation itself (``APPLIED_BY_LOSS``: binary cross-entropy
    after a sigmoid output), the output layer's weighted sum z in place of g(z), so it is not squashed twice.

        >>> import neuronlab as nl
        >>> net = nl.mlp([2, 4, 1], output_activation="sigmoid", seed=0)
        >>> solver_network(net, "binary_cross_entropy").layers[-1].activation.name
        'linear'
    """
    layers = list(net.layers)
    if APPLIED_BY_LOSS.get(loss_name) == layers[-1].activation.name:
        layers[-1] = layers[-1].with_activation("linear")
    return Network(layers)


FUSED = set(fastpath.FUSED_LOSSES)
SOLVER_NAMES = {"levenberg-marquardt": "Levenberg–Marquardt", "lbfgs": "L-BFGS", "adam": "Adam"}
# the cost model of auto (estimated_seconds), from timings on 2 cores (AMD EPYC): a modest flop rate for
# small matrices, a fixed cost per iteration (Python, scipy, the damped trials), and typical iteration counts
FLOP_RATE = 5e9
ITERATION_COST = {"levenberg-marquardt": 3e-4, "lbfgs": 5e-4, "adam": 5e-5}
EXPECTED_ITERATIONS = {"levenberg-marquardt": 50, "lbfgs": 150}
SECOND_ORDER_ITERATIONS = 1000  # epochs=None for Levenberg–Marquardt and L-BFGS


# the rule for fits made inside another fit (choose_l2's copies); None: fit's own choice
_STALL_RULE: contextvars.ContextVar = contextvars.ContextVar("stall_rule", default=None)


@contextlib.contextmanager
def stall_rule(rule: StallRule):
    """Within this block, ``fit(epochs=None)`` stops L-BFGS by ``rule`` (``choose_l2`` uses it for its copies)."""
    token = _STALL_RULE.set(rule)
    try:
        yield
    finally:
        _STALL_RULE.reset(token)


AUTO_VALIDATION, AUTO_VALIDATION_ROWS = 0.15, 200  # validation=None: hold out 15 % from 200 points on


def plan(
    net: Network, n_train: int, loss="mse", optimizer="auto", batch_size=None, epochs=None, l1=0.0, l2=None
) -> tuple[str, int, int]:
    """(solver name, batch size, epochs) that ``fit`` would use on ``n_train`` training points, without training."""
    loss_name = loss if isinstance(loss, str) else "custom"
    if l2 is None:
        l2 = default_l2(net, loss_name, n_train, optimizer)[0]
    if l2 is None:  # to be chosen by validation: always one of the grid's positive values
        l2 = regularization.L2_GRID[-1]
    solver, _ = _choose_solver(net, loss_name, n_train, optimizer, None, l1, l2, batch_size, epochs)
    batch, planned = _solver_schedule(solver, n_train, batch_size, epochs)
    return (solver if isinstance(solver, str) else solver.name), batch, planned


def default_validation(n: int, l2: float | None) -> float:
    """``validation=None``: hold out 15 % from 200 points on when there is no weight decay, else none
    (``l2=None``, weight decay still to be chosen by validation, is weight decay)."""
    return AUTO_VALIDATION if l2 == 0 and n >= AUTO_VALIDATION_ROWS else 0.0


def planned_epochs(
    net: Network,
    n: int,
    loss="mse",
    optimizer="auto",
    batch_size=None,
    epochs=None,
    l1=0.0,
    l2=None,
    validation=None,
    **other_fit_options,
) -> int:
    """The epochs ``fit(net, x, y, **fit_options)`` plans for ``n`` points, its l2 and validation defaults
    resolved as ``fit`` resolves them (for drawing progress before training: animations, the Trainer)."""
    loss_name = loss if isinstance(loss, str) else "custom"
    if l2 is None:
        l2 = default_l2(net, loss_name, n, optimizer)[0]
    if validation is None:
        validation = default_validation(n, l2)
    n_train = n - int(round(n * validation))
    return plan(net, n_train, loss, optimizer, batch_size, epochs, l1, l2)[2]


def _solver_schedule(solver, n_train: int, batch_size, epochs) -> tuple[int, int]:
    """``schedule`` for this solver: LM and L-BFGS take the whole training set at every iteration, and
    at most ``SECOND_ORDER_ITERATIONS`` of them unless ``epochs`` says otherwise."""
    batch, planned = schedule(n_train, batch_size, epochs)
    if solver in ("levenberg-marquardt", "lbfgs"):
        return n_train, SECOND_ORDER_ITERATIONS if epochs is None else planned
    return batch, planned


def estimated_seconds(net: Network, n_train: int, batch: int, steps: int, solver: str) -> float:
    """A rough time for ``solver`` on this problem: (multiply-adds per iteration / a flop rate + a fixed cost
    per iteration) times the iterations it usually needs (``EXPECTED_ITERATIONS``, or ``steps`` for Adam/SGD
    and when ``epochs`` caps them lower)."""
    weights = sum(layer.inputs * layer.neurons for layer in net.layers)
    if solver == "levenberg-marquardt":
        m, p = n_train * net.outputs, net.n_parameters()
        small = min(m, p)  # the normal matrix, two damped solves, the Jacobian and a trial pass
        flops = 2 * m * p * small + 4 / 3 * small**3 + 4 * m * p + 6 * n_train * weights
    elif solver == "lbfgs":
        flops = 1.2 * 6 * n_train * weights  # ~1.2 passes (forward 2, backward 4 flops per weight and point)
    else:
        flops = 6 * batch * weights
    iterations = min(EXPECTED_ITERATIONS.get(solver, steps), steps)
    return iterations * (flops / FLOP_RATE + ITERATION_COST[solver])


def _choose_solver(net, loss_name, n_train, optimizer, lr, l1, l2, batch_size=None, epochs=None):
    """The optimizer (or the name of a second-order solver) and why it was chosen."""
    if isinstance(optimizer, _optim.Optimizer):
        if lr is not None:
            optimizer.lr = float(lr)
        return optimizer, f"{optimizer.name} (given)"
    name = _solver_name(optimizer)
    parameters, jacobian = net.n_parameters(), n_train * net.outputs * net.n_parameters()
    if name == "auto":
        candidates = {}  # solver -> estimated seconds
        batch, steps = schedule(n_train, batch_size, epochs)
        steps *= math.ceil(n_train / batch)
        second_order = SECOND_ORDER_ITERATIONS if epochs is None else epochs
        lm_fits = loss_name == "mse" and not (l1 or l2) and jacobian <= levenberg_marquardt.MAX_JACOBIAN
        if lm_fits and n_train * net.outputs >= parameters:
            candidates["levenberg-marquardt"] = estimated_seconds(
                net, n_train, n_train, second_order, "levenberg-marquardt"
            )
        if loss_name in FUSED:
            candidates["lbfgs"] = estimated_seconds(net, n_train, n_train, second_order, "lbfgs")
        candidates["adam"] = estimated_seconds(net, n_train, batch, steps, "adam")
        chosen = min(candidates, key=lambda name: candidates[name])
        estimates = ", ".join(f"{SOLVER_NAMES[k]} ~{v:.2g} s" for k, v in candidates.items())
        why = f"auto: {SOLVER_NAMES[chosen]}, the fastest by estimated time ({estimates})"
        if loss_name == "mse" and "levenberg-marquardt" not in candidates:
            if n_train * net.outputs < parameters:
                why += (
                    f"; not Levenberg–Marquardt, since {parameters} parameters outnumber the "
                    f"{n_train * net.outputs} training values (it would fit the data exactly, noise and all)"
                )
            elif l1 or l2:
                why += "; Levenberg–Marquardt does not take l1/l2"
        if chosen != "adam":
            return chosen, why
        lr = DEFAULT_LR["adam"] if lr is None else lr
        return _optim.Adam(net.parameters(), lr=lr), why.replace("auto: Adam", f"auto: Adam (lr={lr:g})", 1)
    if name in ("lm", "levenberg-marquardt"):
        if loss_name != "mse" or l1 or l2:
            raise DataError(
                "Levenberg–Marquardt fits squared error: use loss='mse' without l1/l2, or another optimizer"
            )
        if jacobian > 50 * levenberg_marquardt.MAX_JACOBIAN:
            raise DataError(
                f"Levenberg–Marquardt would need a {n_train * net.outputs} x {parameters} Jacobian; "
                "use adam for a problem this size"
            )
        return "levenberg-marquardt", "Levenberg–Marquardt, as asked"
    if name in ("lbfgs", "l-bfgs"):
        if loss_name not in FUSED:
            raise DataError(f"L-BFGS works with the losses {', '.join(FUSED)}")
        return "lbfgs", "L-BFGS on the whole set, as asked"
    cls = _optim.get(name)
    lr = DEFAULT_LR[name] if lr is None else lr
    if cls is _optim.SGD:
        return cls(net.parameters(), lr=lr, momentum=0.9), f"SGD with momentum 0.9 (lr={lr:g}), as asked"
    return cls(net.parameters(), lr=lr), f"{name} (lr={lr:g}), as asked"


def _solver_name(optimizer) -> str:
    """An optimizer's name as fit reads it: "Levenberg_Marquardt" is "levenberg-marquardt"."""
    return str(optimizer).lower().replace("_", "-")


def default_l2(net: Network, loss_name: str, n: int, optimizer) -> tuple[float | None, str]:
    """``l2=None``: none when the training points are at least the parameters (and why); ``None`` when the
    parameters outnumber them, meaning weight decay chosen by validation on the training rows (``fit`` does
    that with ``regularization.choose_l2`` once the training rows are known)."""
    values, parameters = n, net.n_parameters()
    if _solver_name(optimizer) in ("lm", "levenberg-marquardt"):
        return 0.0, "l2: none (Levenberg–Marquardt, as asked, fits squared error alone)"
    if parameters <= values:
        return 0.0, f"l2: none, since the {values} training points are at least the {parameters} parameters"
    if loss_name not in FUSED:
        return 0.0, (
            f"l2: none (weight decay is chosen by validation for {', '.join(FUSED)}; pass l2= to "
            f"penalise the weights with the loss {loss_name!r})"
        )
    return None, ""


def _l2_by_validation(
    net: Network, x_train, y_train, loss, seed, reasons: list, optimizer, **fit_options
) -> tuple[float, bool]:
    """``l2=None`` with more parameters than training points: the l2 ``regularization.choose_l2`` picks on the
    training rows alone; its reason goes first in ``reasons``, and ``net`` starts from the chosen copy's
    weights (its layers only: ``fit`` standardises with all the training rows). An optimizer object trains only
    the network it holds, so the candidates then use ``optimizer="auto"``."""
    candidates = optimizer if isinstance(optimizer, str) else "auto"
    choice = regularization.choose_l2(net, x_train, y_train, loss, seed, optimizer=candidates, **fit_options)
    reasons.insert(0, choice.reason(len(x_train)) + f" (parameters {net.n_parameters()} > {len(x_train)} points)")
    if choice.state is not None:
        net.load_state_dict(choice.state)
    return choice.l2, choice.state is not None


class _Run:
    """End-of-epoch bookkeeping shared by every solver: metrics, validation, best weights, stopping, progress."""

    def __init__(
        self,
        net,
        history,
        loss_fn,
        loss_name,
        tol,
        patience,
        callback,
        progress,
        epochs,
        y_train,
        x_val,
        y_val,
        scaling=None,
    ):
        self.net, self.history, self.loss_fn, self.tol, self.patience = net, history, loss_fn, tol, patience
        self.callback, self.x_val, self.y_val = callback, x_val, y_val
        raw = scaling.y_scale if scaling is not None and scaling.scales_outputs else None  # metrics in raw units
        self.scores = Scores(history.task, loss_name, y_train, raw)
        self.val_scores = Scores(history.task, loss_name, y_val, raw) if x_val is not None else None
        self.best_loss, self.best_state, self.since_best = math.inf, None, 0
        self.bar = _progress_display(epochs, progress) if progress else None
        self.start = time.perf_counter()
        history.stopped = "epochs"

    def end_epoch(self, epoch: int, loss: float) -> bool:
        """Record epoch ``epoch`` (0-based) with training loss ``loss``; True means stop."""
        history, net = self.history, self.net
        history.epochs = epoch + 1
        history.loss.append(loss)
        for key, value in self.scores.values(net.outputs).items():
            history.metrics.setdefault(key, []).append(value)
        if self.x_val is not None:
            val_out = net.predict(self.x_val)
            val_loss = float(self.loss_fn(Tensor(val_out), self.y_val).data)
            history.val_loss.append(val_loss)
            val_scores = self.val_scores
            assert val_scores is not None  # made whenever there are validation rows
            val_scores.reset()
            val_scores.add(val_out, self.y_val)
            for key, value in val_scores.values(net.outputs).items():
                history.metrics.setdefault("val_" + key, []).append(value)
            if val_loss < self.best_loss:
                self.best_loss, self.best_state, self.since_best = val_loss, net.state_dict(), 0
                history.best_epoch = epoch + 1
            else:
                self.since_best += 1
        if self.bar:
            self.bar.update(epoch + 1, loss, history.steps, time.perf_counter() - self.start)
        if self.tol is not None and loss <= self.tol:
            history.stopped = "tol"
        elif self.x_val is not None and self.since_best >= self.patience:
            history.stopped = "early_stop"
        elif self.callback is not None and self._ask_callback(epoch):
            history.stopped = "callback"
        else:
            return False
        return True

    def _ask_callback(self, epoch: int) -> bool:
        return _says_stop(self.callback(epoch, self.history))

    def diverged(self, what: str, epoch: int) -> "TrainingDiverged":
        self.history.stopped = "diverged"
        self.history.time = time.perf_counter() - self.start
        lr = self.history.lr
        advice = (
            (
                f"with learning rate lr={lr:g}. The network keeps the best weights seen. Try a smaller "
                f"learning rate, e.g. lr={lr / 10:g}."
            )
            if lr > 0
            else f"with {self.history.optimizer}. The network keeps the best weights seen."
        )
        return TrainingDiverged(f"training diverged in epoch {epoch + 1}: {what} {advice}", self.history)

    def close(self) -> None:
        if self.bar:
            self.bar.close()
        if self.best_state is not None and self.history.stopped != "diverged":
            self.net.load_state_dict(self.best_state)
        self.history.time = time.perf_counter() - self.start


def _says_stop(answer) -> bool:
    """A callback stops training by returning False (NumPy's False too); None means carry on."""
    return answer is not None and not bool(answer)


class Diverged(Exception):
    """Raised by ``Stepper`` when training diverges; the best weights seen were put back."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class Stepper:
    """Minibatch steps of a first-order optimizer, with the divergence guard.

    ``fit`` runs it an epoch at a time; the playground runs a few steps per time slice. Each step computes
    the loss and gradients (fast path, or the Tensor engine with ``engine="tensor"``), keeps a copy of the
    weights with the lowest (batch) loss seen so far, and lets the optimizer move them. If the loss or a weight
    is no longer finite, or the loss grew a million-fold over its best (and above its first value), the best
    weights are put back and ``Diverged`` is raised: the last finite weights of a diverging run can be
    useless (SGD at lr 10 left outputs of -2e154). ``x`` and ``y`` must already be checked (as ``fit`` does),
    and scaled: the network is the layers alone (``net.without_scaling()``; a scaled network is refused). A
    sigmoid output under binary cross-entropy is trained through its weighted sum (``solver_network``).
    """

    GROWTH = 1e6  # a loss this many times its best is divergence, even while it is finite

    def __init__(
        self,
        net,
        optimizer,
        x,
        y,
        loss_name: str,
        loss_fn=None,
        batch: int | None = None,
        l1=0.0,
        l2=0.0,
        rng=None,
        engine: str = "fast",
    ):
        fastpath.refuse_scaling(net, "Stepper")
        net = solver_network(net, loss_name)
        self.net, self.opt, self.x, self.y = net, optimizer, x, y
        self.loss_fn = loss_fn or _losses.get(loss_name)
        self.batch = min(batch or len(x), len(x))
        self.l1, self.l2 = l1, l2
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.y_fused = fastpath.labels_for(loss_name, y, len(y), net.outputs) if loss_name in FUSED else None
        self.fused = fastpath.FusedMLP(net, loss_name) if engine == "fast" and self.y_fused is not None else None
        self.params = net.parameters()
        self.weights = [layer.W for layer in net.layers]
        self.best = [p.data.copy() for p in self.params]
        self.best_loss, self.first_loss = math.inf, None  # type: float, float | None
        self.steps, self.position = 0, 0
        self.order: np.ndarray | None = None

    def _next_batch(self):
        n = len(self.x)
        if self.batch >= n:
            return self.x, self.y, self.y_fused, True
        if self.order is None or self.position >= n:
            self.order, self.position = self.rng.permutation(n), 0
        idx = self.order[self.position : self.position + self.batch]
        self.position += self.batch
        return self.x[idx], self.y[idx], None if self.y_fused is None else self.y_fused[idx], self.position >= n

    def step(self, scores=None) -> tuple[float, int, bool]:
        """One step: (data loss before it, batch size, whether it ended an epoch)."""
        xb, yb, fb, last = self._next_batch()
        net, opt, l1, l2 = self.net, self.opt, self.l1, self.l2
        opt.zero_grad()
        if self.fused is not None:  # the fast path: the same numbers, computed in place
            data_loss, out = self.fused.loss_and_gradients(xb, fb)
            total = data_loss + (_losses.add_penalty_gradients(self.weights, l1, l2) if (l1 or l2) else 0.0)
        else:  # the reference path through the Tensor engine
            prediction = net(xb)
            loss_tensor = self.loss_fn(prediction, yb)
            penalty = _losses.penalty(self.weights, l1, l2, net.dtype)
            total_tensor = loss_tensor if penalty is None else loss_tensor + penalty
            data_loss, total, out = float(loss_tensor.data), float(total_tensor.data), prediction.data
        if not math.isfinite(total):
            self._restore_best()
            raise Diverged(f"the loss became {total}")
        if self.first_loss is None:
            self.first_loss = total
        if total > self.GROWTH * self.best_loss and total > self.first_loss:
            self._restore_best()
            raise Diverged(f"the loss grew to {total:.3g}, over a million times its best {self.best_loss:.3g}")
        if total < self.best_loss:  # these weights, before this step moves them, are the best so far
            self.best_loss = total
            for keep, p in zip(self.best, self.params):
                np.copyto(keep, p.data)
        if self.fused is None:
            total_tensor.backward()
        if scores is not None:
            scores.add(out, yb)  # before the step changes the weights (out may be a reused buffer)
        opt.step()
        self.steps += 1
        if not all(np.isfinite(p.data).all() for p in self.params):
            self._restore_best()
            raise Diverged("a weight became NaN or infinite")
        return data_loss, len(yb), last

    def _restore_best(self) -> None:
        for keep, p in zip(self.best, self.params):
            np.copyto(p.data, keep)

    def epoch(self, scores=None) -> float:
        """Steps until every training point was used once; the mean data loss over them."""
        total, count, last = 0.0, 0, False
        while not last:
            loss, size, last = self.step(scores)
            total, count = total + loss * size, count + size
        return total / count


def _train_first_order(net, opt, x_train, y_train, epochs, batch, l1, l2, loss_fn, loss_name, engine, rng, run):
    run.history.lr = opt.lr
    stepper = Stepper(net, opt, x_train, y_train, loss_name, loss_fn, batch, l1, l2, rng, engine)
    for epoch in range(epochs):
        run.scores.reset()
        try:
            loss = stepper.epoch(run.scores)
        except Diverged as err:
            raise run.diverged(err.what, epoch) from None
        finally:
            run.history.steps = stepper.steps
        if run.end_epoch(epoch, loss):
            return


def _progress_display(epochs: int, progress):
    """A rich bar on a terminal (or on the Console given); in a Jupyter kernel, one output updated in place."""
    if progress is True and _in_notebook():
        return _NotebookProgress(epochs)
    return _ProgressBar(epochs, console=None if progress is True else progress)


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's shell there has a ``kernel``; a terminal IPython has none)."""

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return getattr(shell, "kernel", None) is not None


class _NotebookProgress:
    """Progress in a notebook without ipywidgets: one display (a <progress> bar and a line of text) that is
    updated in place through an IPython display handle, at most 4 times a second and once at the end."""

    def __init__(self, epochs: int):
        from IPython.display import display

        self.epochs, self.last = epochs, 0.0
        self.state: tuple[int, float | None, str, float] = (0, None, "", 0.0)
        self.handle = display(self._bundle(), raw=True, display_id=True)

    def _bundle(self, done: bool = False) -> dict:
        import html

        epoch, loss, speed, elapsed = self.state
        loss_text = "-" if loss is None else f"{loss:.4g}"
        text = f"fit epoch {epoch}/{self.epochs}  loss {loss_text}  {speed}  {elapsed:.1f} s" + (
            "  (done)" if done else ""
        )
        return {
            "text/plain": text,
            "text/html": f'<progress value="{epoch}" max="{self.epochs}" style="width: 16em"></progress> '
            f"<code>{html.escape(text)}</code>",
        }

    def update(self, epoch: int, loss: float, steps: int, elapsed: float) -> None:
        speed = f"{steps / elapsed:,.0f} steps/s" if elapsed > 0 else ""
        self.state = (epoch, loss, speed, elapsed)
        now = time.perf_counter()
        if now - self.last >= 0.25:
            self.last = now
            self.handle.update(self._bundle(), raw=True)

    def close(self) -> None:
        self.handle.update(self._bundle(done=True), raw=True)


class _ProgressBar:
    """A rich progress bar showing the epoch, the loss and the speed (refreshed at most 10 times a second)."""

    def __init__(self, epochs: int, console=None):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]fit[/bold] epoch"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("{task.fields[speed]}"),
            TimeElapsedColumn(),
            auto_refresh=False,
            console=console,
        )
        self.task = self.progress.add_task("fit", total=epochs, loss="-", speed="")
        self.progress.start()
        self.last = 0.0

    def update(self, epoch: int, loss: float, steps: int, elapsed: float) -> None:
        speed = f"{steps / elapsed:,.0f} steps/s" if elapsed > 0 else ""
        self.progress.update(self.task, completed=epoch, loss=f"{loss:.4g}", speed=speed)
        now = time.perf_counter()
        if now - self.last >= 0.1:
            self.last = now
            self.progress.refresh()

    def close(self) -> None:
        self.progress.refresh()
        self.progress.stop()
