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
copies' float type (``COPY_DTYPE``) can be set here; by default they all train to convergence by ``fit``'s
own rule, in the network's dtype. No row outside ``x`` is looked at.

The grid, the share, the search, the warm starts and the cheaper settings were compared only on the frozen
generated suite (``benchmarks/suite.py``), never on the data sets ``benchmarks/DEFAULTS.md`` reports.

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

from . import losses as _losses
from .data import DataError
from .lbfgs import StallRule
from .tensor import Tensor

# the candidates a decade apart, from a penalty that barely constrains a 100-unit layer up to one that
# flattens it towards a linear model (the loss is a mean over points, the penalty a sum over weights)
L2_GRID = (1e-4, 1e-3, 1e-2, 0.1, 1.0)
VALIDATION_SHARE = 0.2  # of the training rows, held out to compare the candidates
MIN_HELD_OUT = 5  # fewer held-out rows than this cannot tell the candidates apart
FALLBACK_L2 = 0.01  # too few rows to validate: the middle of the grid (said so in history.reasons)
START_L2 = 0.01  # the first candidate, from scratch; the search goes one step stronger, then weaker
# How cheaply the copies train (fit with epochs=None and L-BFGS; a given epochs= or another solver trains them
# as asked) and how fit's final run from the chosen copy's weights stops. The defaults train everything to
# convergence by fit's own rule (StallRule(): 20 iterations lowering loss + penalty by < 0.1 %, at most 1000).
# Cheaper settings (float32 copies; at most 40 iterations for the first, 10 for the others and 10 for the final
# run) meet the time bar of benchmarks/DEFAULTS.md on the suite and the bundled sets, but a capped or loosely
# stopped final run stalls on plateaus: a tanh 2-16-16-2 network on nl.data.spiral(300) ends at 60 %
# accuracy instead of 100 % (tests/test_fastpath.py), so they are not the default. See DEFAULTS.md.
COPY_DTYPE = None  # the copies' float type (None: the network's own)
FIRST_RULE = StallRule()  # the first copy, from scratch
COPY_RULE = StallRule()  # each later copy, from the previous one's weights
FINAL_RULE = StallRule()  # fit's final run on all the rows, from the chosen copy's weights


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

    def reason(self, n: int) -> str:
        """The sentence ``fit`` puts in ``history.reasons``."""
        if not self.losses:
            return (f"l2: {self.l2:g} (the middle of the grid {_grid_text(L2_GRID)}): the {n} training points "
                    f"are too few to hold out {MIN_HELD_OUT} for choosing it by validation")
        losses = ", ".join(f"{value:g}: {loss:.4g}" for value, loss in self.losses.items())
        tried = tuple(self.runs) or tuple(self.losses)
        runs = ", ".join(f"{self.runs[value]}" for value in tried) if self.runs else "?"
        return (f"l2: {self.l2:g}, chosen by validation on the training rows only: copies of the network trained "
                f"on {self.n_fit} of the {n} training points with l2 = {_grid_text(tried)} in turn (the first "
                f"from scratch, each next one from the previous weights; {self.dtype or 'the network dtype'}, "
                f"iterations: {runs}) had these losses on the other {self.n_held_out}: {losses}; "
                f"the network then trained on all {n} from the weights of the l2={self.l2:g} copy")


def _grid_text(grid) -> str:
    return ", ".join(f"{value:g}" for value in grid)


def choose_l2(net, x, y, loss="mse", seed=None, grid=None, share=VALIDATION_SHARE, **fit_options) -> L2Choice:
    """The value of ``grid`` (``L2_GRID`` by default) whose copy of ``net``, trained on part of ``(x, y)``,
    predicts the rest best.

    ``x`` and ``y`` are the rows ``fit`` trains on, checked as ``fit`` checks them (``y`` as (n, outputs)
    targets or (n,) labels); ``fit_options`` (optimizer, epochs, engine, ...) go to each candidate's ``fit``.
    ``net`` itself is not changed. Raises ``GridError`` for an unusable grid or share.
    """
    from .train import TrainingDiverged, fit, stall_rule

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
                history = fit(candidate, x[fit_rows], y[fit_rows], loss=loss, l2=value, validation=0.0, seed=seed,
                    progress=False, **fit_options)
            loss_value = float(loss_fn(Tensor(candidate.predict(x[held])), y[held]).data)  # raw units: same ranking
        except TrainingDiverged as err:
            loss_value, candidate = math.inf, start.copy(COPY_DTYPE)  # the next step starts from where this one did
            history = err.history
        runs[value] = f"{history.epochs}" + ("" if history.optimizer == "lbfgs" else f" {history.optimizer}")
        losses[value] = loss_value if math.isfinite(loss_value) else math.inf
        states[value] = candidate
        return losses[value]

    middle = grid.index(START_L2) if START_L2 in grid else len(grid) // 2
    held_out_loss(grid[middle], net)
    for step in (1, -1):  # stronger first; weaker only when one step stronger did not help
        i = middle + step
        while 0 <= i < len(grid):
            best_so_far = min(losses.values())
            if held_out_loss(grid[i], states[grid[i - step]]) >= best_so_far:
                break
            i += step
        if i - step != middle:  # this direction improved on the middle: the minimum is on this side
            break
    best = min(losses, key=losses.get)  # ties: the first tried
    state = states[best].state_dict() if math.isfinite(losses[best]) else None
    return L2Choice(best, dict(sorted(losses.items())), len(fit_rows), len(held), state,
                    {value: runs[value] for value in losses}, str(states[best].dtype))

