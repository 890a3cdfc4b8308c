"""L-BFGS, the solver ``fit`` picks for full-batch fits with a penalty or a cross-entropy: its run and its stopping rule.

SciPy's L-BFGS-B minimises the loss plus the weight penalty over all the training rows, with the gradient of
neuronlab's fused backward pass (``fastpath.FusedMLP``). It stops by a ``StallRule``: once ``window``
iterations lowered the objective by less than ``tol`` (relative). ``fit`` (train.py) decides when to use it,
which rule applies (``regularization`` sets cheaper ones for the copies that choose l2) and keeps the History.

    >>> rule = StallRule()
    >>> rule.window, rule.tol, rule.max_iterations
    (20, 0.001, None)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neuronlab.engine import fastpath
from neuronlab.engine.fastpath import blas_threads
from neuronlab.engine.losses import add_penalty_gradients

ONE_THREAD_WORK = 10_000_000  # multiply-adds of the largest matrix product below which one BLAS thread is faster
PATIENCE = 20  # iterations without validation improvement before fit stops it


@dataclass(frozen=True)
class StallRule:
    """When ``fit(epochs=None)`` stops L-BFGS: once ``window`` iterations lowered loss plus penalty by less
    than ``tol`` (relative), or after ``max_iterations`` (``None``: ``train.SECOND_ORDER_ITERATIONS``).
    ``StallRule()`` is the rule of a fit from scratch; ``regularization`` sets cheaper ones for its copies
    and for the final run that starts from the chosen copy's weights."""

    window: int = 20
    tol: float = 1e-3
    max_iterations: int | None = None


def train(
    net, x_train, y_train, epochs: int, l1: float, l2: float, loss_name: str, run, stall_stop: StallRule | None = None
) -> None:
    """fit's L-BFGS run: SciPy's L-BFGS-B on loss + penalty over all the rows, gradients from ``FusedMLP``,
    at most ``epochs`` iterations; ``run`` (train's bookkeeping) records each and may stop it; ``stall_stop``
    stops it once its window of iterations gained less than its tolerance."""
    from scipy.optimize import minimize

    y_fused = fastpath.labels_for(loss_name, y_train, len(y_train), net.outputs)
    fused = fastpath.FusedMLP(net, loss_name)
    weights = [layer.W for layer in net.layers]
    evaluations = []
    last: dict[
        str, np.ndarray | float
    ] = {}  # the latest evaluation: its point, outputs and data loss (L-BFGS-B accepts the point it evaluated last)

    def loss_and_gradient(vector):
        fastpath.unpack(net, vector)
        data_loss, out = fused.loss_and_gradients(x_train, y_fused)
        total = data_loss + (add_penalty_gradients(weights, l1, l2) if (l1 or l2) else 0.0)
        evaluations.append(data_loss)
        last.update(vector=vector.copy(), out=out.copy(), loss=data_loss)
        if not math.isfinite(total):
            return np.inf, np.zeros(len(vector))
        return total, fastpath.packed_gradient(net).astype(np.float64)

    state, objectives = {"epoch": 0}, []

    def after_iteration(intermediate_result):
        latest = last.get("vector")  # L-BFGS-B may accept a point it evaluated before the latest: redo that one
        if not (isinstance(latest, np.ndarray) and np.array_equal(latest, intermediate_result.x)):
            loss_and_gradient(intermediate_result.x)
        fastpath.unpack(net, intermediate_result.x)
        run.history.steps = len(evaluations)
        run.scores.reset()
        run.scores.add(last["out"], y_fused)
        stop = run.end_epoch(state["epoch"], float(last["loss"]))
        state["epoch"] += 1
        objectives.append(float(intermediate_result.fun))  # loss plus penalty: what L-BFGS lowers
        if stall_stop and len(objectives) > stall_stop.window:  # window iterations gained < tol (relative)
            before = objectives[-stall_stop.window - 1]
            stop = stop or before - objectives[-1] <= stall_stop.tol * abs(before)
        if stop:
            raise StopIteration

    # L-BFGS-B's own vector updates call BLAS on one vector of parameters: below a million multiply-adds per
    # matrix product, thread hand-offs cost more than they save (measured 8x slower on 2 cores for digits)
    work = len(x_train) * max(layer.inputs * layer.neurons for layer in net.layers)
    with blas_threads(1 if work < ONE_THREAD_WORK else None):
        result = minimize(
            loss_and_gradient,
            fastpath.pack(net).astype(np.float64),
            jac=True,
            method="L-BFGS-B",
            callback=after_iteration,
            options={"maxiter": epochs, "maxfun": 4 * epochs + 20, "gtol": 1e-12, "ftol": 1e-16},
        )
    fastpath.unpack(net, result.x)
    if run.history.stopped == "epochs" and state["epoch"] < epochs:
        run.history.stopped = "converged"
    if not all(np.isfinite(p.data).all() for p in net.parameters()):
        raise run.diverged("a weight became NaN or infinite", state["epoch"])
