"""Levenberg–Marquardt, the solver ``fit`` picks for small squared-error fits: its step, its loop and its rules.

Each step solves the damped Gauss–Newton system with the Jacobian from per-sample backpropagation
(``fastpath.jacobian``), MATLAB trainlm's schedule for the damping. ``train`` is fit's loop around the step;
``fit`` (train.py) decides when to use it (``train.plan``) and keeps the History.

    >>> import numpy as np, neuronlab as nl
    >>> net = nl.mlp([1, 4, 1], activation="tanh", seed=0)
    >>> x = np.linspace(-1, 1, 30).reshape(-1, 1)
    >>> solver = LevenbergMarquardt(net)
    >>> first, _ = solver.step(x, x ** 3)
    >>> second, _ = solver.step(x, x ** 3)
    >>> second < first
    True
"""

from __future__ import annotations

import math

import numpy as np

from neuronlab.engine.fastpath import blas_threads, jacobian, pack, refuse_scaling, unpack

MAX_JACOBIAN = 4_000_000  # entries of J (rows = points x outputs) fit lets it build: 32 MB in float64
ONE_THREAD_WORK = 1_000_000_000  # multiply-adds of the normal matrix below which one BLAS thread is faster
WINDOW, RELATIVE_TOL = 10, 1e-3  # fit's loop stops when 10 iterations lower the loss by less than 0.1 %
PATIENCE = 6  # iterations without validation improvement before fit stops it (MATLAB's max_fail)


class LevenbergMarquardt:
    """Levenberg–Marquardt for squared error: each step solves (J^T J + mu·I) d = -J^T r.

    J is the Jacobian of the residuals r = output - y with respect to all parameters, computed by
    per-sample backpropagation (``fastpath.jacobian``). A step that lowers the loss is kept and mu shrinks
    (towards Gauss–Newton); one that does not is undone and mu grows (towards small gradient steps). The
    schedule is MATLAB trainlm's: mu starts at 1e-3, times 0.1 on success, times 10 on failure, at most 1e10.

    With fewer residuals m than parameters p the same step is solved in the smaller space:
    d = -J^T (J J^T + mu·I)^-1 r (an m x m system instead of p x p; equal by the push-through identity
    (J^T J + mu I)^-1 J^T = J^T (J J^T + mu I)^-1).

    Args:
        net: the network (its parameters are updated in place).
        mu: starting damping.
    """

    name = "levenberg-marquardt"
    MU_MAX = 1e10

    def __init__(self, net, mu: float = 1e-3, mu_decrease: float = 0.1, mu_increase: float = 10.0):
        refuse_scaling(net, "Levenberg–Marquardt")
        self.net, self.mu, self.mu_decrease, self.mu_increase = net, float(mu), mu_decrease, mu_increase
        self.lr = float("nan")  # no learning rate: the step size comes from the damped Gauss–Newton system

    def step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """One LM iteration on (x, y); returns (loss after the step, outputs after the step).

        When no damped step lowers the loss (``stuck``), the weights stay and so do loss and outputs.
        """
        out, J = jacobian(self.net, x)
        residual = (out - y).ravel()
        loss = float(residual @ residual) / residual.size
        rows, columns = J.shape
        small_side = rows < columns  # solve the m x m system J J^T + mu I instead of the p x p one
        normal = J @ J.T if small_side else J.T @ J
        right = residual if small_side else J.T @ residual
        start = pack(self.net)
        diagonal = np.arange(len(normal))
        while self.mu <= self.MU_MAX:
            system = normal.copy()
            system[diagonal, diagonal] += self.mu
            try:
                solved = np.linalg.solve(system, -right)
            except np.linalg.LinAlgError:
                self.mu *= self.mu_increase
                continue
            step = J.T @ solved if small_side else solved  # d = -J^T (J J^T + mu I)^-1 r
            unpack(self.net, start + step)
            trial_out = self.net.predict(x)
            trial = trial_out - y
            trial_loss = float(np.vdot(trial, trial)) / trial.size
            if np.isfinite(trial_loss) and trial_loss < loss:
                self.mu = max(self.mu * self.mu_decrease, 1e-20)
                return trial_loss, trial_out
            self.mu *= self.mu_increase
        unpack(self.net, start)  # no step helps: the weights stay at the best point found
        return loss, out

    @property
    def stuck(self) -> bool:
        """True once mu passed its maximum: no damped step lowers the loss (a minimum, for this solver)."""
        return self.mu > self.MU_MAX


def train(net, x_train, y_train, epochs: int, run, stall_stop: bool = True) -> None:
    """fit's Levenberg–Marquardt loop: at most ``epochs`` steps on the whole set; ``run`` (train's bookkeeping)
    records each loss and asks about validation; stops when ``WINDOW`` iterations gain less than
    ``RELATIVE_TOL`` (with ``stall_stop``) or no damped step helps."""
    solver = LevenbergMarquardt(net)
    rows, parameters = len(x_train) * net.outputs, net.n_parameters()
    # the work of one iteration is the normal matrix, rows x parameters x min(rows, parameters) multiply-adds;
    # below ONE_THREAD_WORK one BLAS thread beats two (10-100-1 on 331 points: 8 ms vs 6-70 ms an iteration
    # on 2 shared cores: two threads spin and wait when the other core is busy)
    work = rows * parameters * min(rows, parameters)
    with blas_threads(1 if work < ONE_THREAD_WORK else None):
        for epoch in range(epochs):
            loss, out = solver.step(x_train, y_train)  # the loss and outputs after the step
            run.history.steps += 1
            if not math.isfinite(loss):
                raise run.diverged(f"the loss became {loss}", epoch)
            run.scores.reset()
            run.scores.add(out, y_train)
            if run.end_epoch(epoch, loss):
                return
            if solver.stuck:  # no damped step lowers the loss: a minimum, as far as LM can tell
                run.history.stopped = "converged"
                return
            losses = run.history.loss
            if stall_stop and len(losses) > WINDOW:
                before = losses[-WINDOW - 1]
                if before - loss <= RELATIVE_TOL * before:
                    run.history.stopped = "converged"  # WINDOW iterations gained less than RELATIVE_TOL
                    return
