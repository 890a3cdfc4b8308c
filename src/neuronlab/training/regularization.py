"""``fit(..., l2=None)``: the weight decay chosen by validation on the training rows alone.

When a network's parameters outnumber its training points, ``fit`` trains with a penalty ``l2 * sum w^2`` on
the weights (not the biases). Its size is not a constant measured on some data sets. ``choose_l2`` holds
out ``VALIDATION_SHARE`` of the rows ``fit`` trains on, trains a copy of the network on the rest and scores
it by its loss on the held-out rows (the loss ``fit`` minimises, without the penalty). It searches
``L2_GRID`` from ``START_L2`` (0.01, the grid's middle): first that value, then one step stronger; if that
helped it keeps going stronger, else it goes weaker from the start, and in either direction it stops at the
first value that does not beat the best so far (the held-out loss of weight decay is U-shaped in log(l2)).
Each step starts from the weights of the one before (a warm-started regularisation path), so it takes few
iterations. ``fit`` then trains the network on all its training rows with the best value, from that copy's
weights. How the copies and that final run stop (``FIRST_RULE``, ``COPY_RULE``, ``FINAL_RULE``) and the
copies' float type (``COPY_DTYPE``) can be set here; by default the copies train cheaply (a few dozen
iterations in float32) and the final run a few more. When no candidate predicts the held-out rows clearly
better than a constant (``RESTART_SHARE``), the search starts again from the weakest value, from scratch.
No row outside ``x`` is looked at.

The grid, the share, the search, the warm starts, the cheap settings and the restart were compared only on
the two frozen generated suites (``benchmarks/suite.py``, ``benchmarks/plateau_suite.py``), never on the data
sets ``benchmarks/DEFAULTS.md`` reports.

    >>> import numpy as np, neuronlab as nl
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(60, 3)); y = x[:, :1] + 0.3 * rng.normal(size=(60, 1))
    >>> choice = choose_l2(nl.mlp([3, 50, 1], seed=0), x, y, "mse", seed=0)
    >>> choice.l2 in L2_GRID, choice.n_fit, choice.n_held_out
    (True, 48, 12)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from neuronlab.engine import losses as _losses
from neuronlab.data import DataError
from neuronlab.training.lbfgs import StallRule
from neuronlab.engine.tensor import Tensor

# the candidates a decade apart, from a penalty that barely constrains a 100-unit layer up to one that
# flattens it towards a linear model (the loss is a mean over points, the penalty a sum over weights)
L2_GRID = (1e-4, 1e-3, 1e-2, 0.1, 1.0)
VALIDATION_SHARE = 0.2  # of the training rows, held out to compare the candidates
MIN_HELD_OUT = 5  # fewer held-out rows than this cannot tell the candidates apart
FALLBACK_L2 = 0.01  # too few rows to validate: the middle of the grid (said so in history.reasons)
START_L2 = 0.01  # the first candidate, from scratch; the search goes one step stronger, then weaker
# How cheaply the copies train (fit with epochs=None and L-BFGS; a given epochs= or another solver trains them
# as asked) and how fit's final run from the chosen copy's weights stops. The copies only rank the candidates:
# in float32 (a third less time per iteration), the first from scratch for at most 40 iterations (sooner when
# 10 iterations lower loss + penalty by < 0.1 %), each later one from the previous weights for at most 10 (5
# iterations < 0.1 %); the final run on all the rows takes at most 10 more. This early stopping by iteration
# count is part of the regularisation the search measures. Chosen on the two frozen suites only
# (benchmarks/suite.py and plateau_suite.py; benchmarks/DEFAULTS.md tells what else was tried).
COPY_DTYPE: str | None = "float32"  # the copies' float type (None: the network's own)
FIRST_RULE = StallRule(window=10, max_iterations=40)  # the first copy, from scratch
COPY_RULE = StallRule(window=5, max_iterations=10)  # each later copy, from the previous one's weights
FINAL_RULE = StallRule(window=5, max_iterations=10)  # fit's final run on all the rows, from the chosen copy's
# When no copy predicts the held-out rows clearly better than a constant (the fit rows' mean, median or class
# shares), that is held-out loss above RESTART_SHARE times the constant's, the copies stalled on a plateau or a
# penalty flattened them (a warm start from a flattened copy is slow to leave it: a tanh 2-16-16-2 network on
# a spiral stayed at 60 % accuracy). The search then starts again from the weakest l2, from the network's own
# starting weights, going stronger. None: never.
RESTART_SHARE: float | None = 0.9


class GridError(DataError):
    """An l2 grid or held-out share that cannot be used (the message says why)."""


@dataclass
class L2Choice:
    """The chosen ``l2``, the held-out loss of each candidate tried (``inf``: it diverged), the row counts,
    and the chosen copy's weights (``state_dict``; ``None`` when there were too few rows to validate)."""

    l2: float
    losses: dict
    n_fit: int
    n_held_out: int
    state: dict | None = None
    runs: dict = field(default_factory=dict)  # l2 -> the iterations its copy trained, in the order tried
    dtype: str = ""  # the copies' float type
    constant: float | None = None  # the held-out loss of the constant prediction (None: a custom loss)
    restarted: bool = False  # no copy beat the constant clearly: searched again from the weakest l2

    def reason(self, n: int) -> str:
        """The sentence ``fit`` puts in ``history.reasons``."""
        if not self.losses:
            return (
                f"l2: {self.l2:g} (the middle of the grid {_grid_text(L2_GRID)}): the {n} training points "
                f"are too few to hold out {MIN_HELD_OUT} for choosing it by validation"
            )
        losses = ", ".join(f"{value:g}: {loss:.4g}" for value, loss in self.losses.items())
        tried = tuple(self.runs) or tuple(self.losses)
        runs = ", ".join(f"{self.runs[value]}" for value in tried) if self.runs else "?"
        restart = (
            f"; no copy predicted them clearly better than a constant ({self.constant:.4g}), so the search "
            f"started again from l2 = {min(self.losses):g} from scratch"
            if self.restarted
            else ""
        )
        return (
            f"l2: {self.l2:g}, chosen by validation on the training rows only: copies of the network trained "
            f"on {self.n_fit} of the {n} training points with l2 = {_grid_text(tried)} in turn (the first "
            f"from scratch, each next one from the previous weights; {self.dtype or 'the network dtype'}, "
            f"iterations: {runs}) had these losses on the other {self.n_held_out}: {losses}{restart}; "
            f"the network then trained on all {n} from the weights of the l2={self.l2:g} copy"
        )


def _grid_text(grid) -> str:
    return ", ".join(f"{value:g}" for value in grid)


def choose_l2(net, x, y, loss="mse", seed=None, grid=None, share=VALIDATION_SHARE, **fit_options) -> L2Choice:
    """The value of ``grid`` (``L2_GRID`` by default) whose copy of ``net``, trained on part of ``(x, y)``,
    predicts the rest best.

    ``x`` and ``y`` are the rows ``fit`` trains on, checked as ``fit`` checks them (``y`` as (n, outputs)
    targets or (n,) labels); ``fit_options`` (optimizer, epochs, engine, ...) go to each candidate's ``fit``.
    ``net`` itself is not changed. Raises ``GridError`` for an unusable grid or share.
    """
    from neuronlab.training.train import TrainingDiverged, fit, solver_network, stall_rule

    grid = tuple(sorted(float(value) for value in (L2_GRID if grid is None else grid)))  # weakest first
    if not grid or not all(math.isfinite(value) and value > 0 for value in grid):
        raise GridError(f"the l2 grid must be positive finite numbers, got {grid!r}")
    if not 0 < share < 1:
        raise GridError(f"the held-out share must be in (0, 1), got {share!r}")
    n = len(x)
    n_held = round(share * n)  # as fit rounds its validation split
    if n_held < MIN_HELD_OUT or n - n_held < MIN_HELD_OUT:
        return L2Choice(FALLBACK_L2, {}, n, 0)
    order = np.random.default_rng([0 if seed is None else seed, 2]).permutation(n)  # fit's shuffles stay as they were
    fit_rows, held = np.sort(order[n_held:]), np.sort(order[:n_held])
    loss_fn = _losses.get(loss)
    losses, states, runs = {}, {}, {}  # runs: the iterations (epochs) each copy trained

    def held_out_loss(value: float, start) -> float:
        """Train a copy of ``start`` with this l2 on the fit rows; its loss on the held-out rows."""
        candidate = start.copy(COPY_DTYPE)  # the first copy standardises with the fit rows and keeps that scaling
        rule = (FIRST_RULE if start is net else COPY_RULE) or StallRule()
        try:
            with stall_rule(rule):
                history = fit(
                    candidate,
                    x[fit_rows],
                    y[fit_rows],
                    loss=loss,
                    l2=value,
                    validation=0.0,
                    seed=seed,
                    progress=False,
                    **fit_options,
                )
            scored = solver_network(candidate, loss)  # what the loss takes: logits where it applies the sigmoid
            scored.scaling = candidate.scaling
            loss_value = float(loss_fn(Tensor(scored.predict(x[held])), y[held]).data)  # raw units: same ranking
        except TrainingDiverged as err:
            loss_value, candidate = math.inf, start.copy(COPY_DTYPE)  # the next step starts from where this one did
            history = err.history
        runs[value] = f"{history.epochs}" + ("" if history.optimizer == "lbfgs" else f" {history.optimizer}")
        losses[value] = loss_value if math.isfinite(loss_value) else math.inf
        states[value] = candidate
        return losses[value]

    def search(first: int) -> None:
        """From grid[first], trained from scratch: stronger while that helps, else weaker, each from the last."""
        held_out_loss(grid[first], net)
        for step in (1, -1):  # stronger first; weaker only when one step stronger did not help
            i = first + step
            while 0 <= i < len(grid):
                best_so_far = min(losses.values())
                if held_out_loss(grid[i], states[grid[i - step]]) >= best_so_far:
                    break
                i += step
            if i - step != first:  # this direction improved on the first value: the minimum is on this side
                break

    first = grid.index(START_L2) if START_L2 in grid else len(grid) // 2
    search(first)
    constant = _constant_loss(loss, loss_fn, y[fit_rows], y[held], net.outputs)
    restarted = bool(
        RESTART_SHARE is not None
        and constant is not None
        and first != 0
        and min(losses.values()) > RESTART_SHARE * constant
    )
    if restarted:
        search(0)
    best = min(losses, key=lambda value: losses[value])  # ties: the first tried
    state = states[best].state_dict() if math.isfinite(losses[best]) else None
    return L2Choice(
        best,
        dict(sorted(losses.items())),
        len(fit_rows),
        len(held),
        state,
        {value: runs[value] for value in losses},
        str(states[best].dtype),
        constant,
        restarted,
    )


def _constant_loss(loss, loss_fn, y_fit: np.ndarray, y_held: np.ndarray, outputs: int) -> float | None:
    """The held-out loss of the best constant prediction from the fit rows: their mean (mse), median (mae),
    or class shares (the cross-entropies, as logits; one count added to each class so none is log 0).
    None for a loss given as a function."""
    n = len(y_held)
    if loss in ("mse", "mae"):
        columns = np.asarray(y_fit, dtype=float).reshape(len(y_fit), -1)
        value = columns.mean(axis=0) if loss == "mse" else np.median(columns, axis=0)
    elif loss == "cross_entropy":
        labels = _losses.class_labels(y_fit, len(y_fit), outputs)
        value = np.log((np.bincount(labels, minlength=outputs) + 1.0) / (len(labels) + outputs))
    elif loss == "binary_cross_entropy":
        share = (np.asarray(y_fit, dtype=float).reshape(len(y_fit), -1).sum(axis=0) + 1.0) / (len(y_fit) + 2.0)
        value = np.log(share / (1.0 - share))
    else:
        return None
    return float(loss_fn(Tensor(np.tile(value, (n, 1))), y_held).data)
