"""A second frozen suite: tasks whose network is part of the task, chosen because training them stalls.

``benchmarks/suite.py`` trains one shape (a 100-unit relu layer) on every task and has no task where L-BFGS
crawls along a plateau for many iterations before it finds the fit: the tanh 2-16-16-2 network on a spiral of
``tests/test_fastpath.py`` does, and a cheaper stopping rule tried on the first suite left it at 60 %
accuracy. This suite was written and committed before any setting was compared on it, and its tasks, sizes,
shapes and seeds never change. The spirals use other seeds than the test's. Every network has more parameters
than its task has training rows, so ``fit(l2=None)`` chooses l2 by validation on them.

    >>> from plateau_suite import TASKS, load
    >>> x, y, regression, sizes, activation = load("spiral_tanh")
    >>> x.shape, regression, sizes, activation
    ((300, 2), False, [2, 16, 16, 2], 'tanh')
"""

from __future__ import annotations

import numpy as np

import neuronlab as nl


def _ripple(n: int, seed: int):
    """y = sin(3 r) / (1 + r) + noise on the square [-2, 2]^2, r the distance from the centre."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 2))
    r = np.hypot(x[:, 0], x[:, 1])
    return x, np.sin(3 * r) / (1 + r) + rng.normal(0, 0.05, n)


def _wiggle(n: int, seed: int):
    """y = sin(3 x) + 0.5 sin(7 x) + noise on [-2, 2]: one input, many bends."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 1))
    return x, np.sin(3 * x[:, 0]) + 0.5 * np.sin(7 * x[:, 0]) + rng.normal(0, 0.1, n)


def _checkerboard(n: int, seed: int):
    """A 3 x 3 checkerboard of two classes on [-1.5, 1.5]^2."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, (n, 2))
    return x, ((np.floor(x[:, 0] + 1.5) + np.floor(x[:, 1] + 1.5)) % 2).astype(int)


# name: (generator, regression, hidden sizes, activation)
_TASKS = {
    "spiral_tanh": (lambda: nl.data.spiral(300, seed=201), False, [16, 16], "tanh"),
    "spiral_three_tanh": (lambda: nl.data.spiral(450, classes=3, seed=202), False, [24, 24], "tanh"),
    "spiral_sigmoid": (lambda: nl.data.spiral(300, seed=203), False, [16, 16], "sigmoid"),
    "xor_tanh": (lambda: nl.data.xor(200, noise=0.05, seed=204), False, [16, 16], "tanh"),
    "checkerboard_relu": (lambda: _checkerboard(600, 205), False, [32, 32], "relu"),
    "ripple_tanh": (lambda: _ripple(400, 206), True, [32, 32], "tanh"),
    "wiggle_tanh": (lambda: _wiggle(200, 207), True, [16, 16], "tanh"),
    "wiggle_sigmoid": (lambda: _wiggle(200, 208), True, [64], "sigmoid"),
}
TASKS = list(_TASKS)
REGRESSION = [name for name, task in _TASKS.items() if task[1]]


def _task(name: str):
    if name not in _TASKS:
        raise KeyError(f"no plateau-suite task {name!r}; the tasks are {', '.join(TASKS)}")
    return _TASKS[name]


def network(name: str, columns: int, outputs: int) -> tuple[list, str]:
    """The layer sizes and activation of a task's own network, for data of that many columns and outputs."""
    _, _, hidden, activation = _task(name)
    return [columns, *hidden, outputs], activation


def load(name: str):
    """(x, y, regression, layer sizes, activation) of one task; labels are 0..k-1."""
    make, regression, _, _ = _task(name)
    made = make()
    x, y = (made.x, made.y) if hasattr(made, "x") else made
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float if regression else int)
    outputs = 1 if regression else int(y.max()) + 1
    return (x, y, regression, *network(name, x.shape[1], outputs))
