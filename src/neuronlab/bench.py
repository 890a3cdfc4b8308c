"""Benchmarks: neuronlab beside PyTorch and scikit-learn, each library timed in its own process.

    neuronlab bench            # the full tables, written to benchmarks/RESULTS.md with --out
    neuronlab bench --quick    # small cases only, in seconds (CI runs it)

Fair timing: every library runs in a separate worker process (OpenBLAS's threads keep spinning after a
NumPy call and slow a PyTorch step that follows in the same process), the workers alternate in order from
round to round, and each number is a median: of the repeats inside a worker, then over the rounds.
Step-time rows give both times and the ratio (PyTorch time / neuronlab time: above 1 means neuronlab is
faster). Needs torch, and scikit-learn for the real-data table (skipped with a note without it).
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

STEP_CASES = [  # (sizes, batch)
    ([1, 16, 1], 32), ([1, 16, 1], 64), ([1, 32, 1], 256), ([2, 32, 32, 1], 128), ([8, 64, 64, 4], 256),
    ([64, 128, 10], 256), ([784, 128, 10], 256), ([784, 512, 512, 10], 512), ([1024, 2048, 2048, 1024], 1024),
]
QUICK_STEP_CASES = [([1, 16, 1], 64), ([2, 32, 32, 1], 128), ([64, 128, 10], 256)]
LARGE = 1_000_000  # parameters: a case this large is also compared with NumPy's own matrix multiplies
TARGETS = ["sin(x)", "x*sin(3*x)", "tanh(3*x) + 0.2*x^2", "exp(-x^2)*cos(4*x)"]
DATA_SETS = ["digits", "iris", "wine", "breast_cancer", "diabetes", "friedman1"]
QUICK_DATA_SETS = ["iris", "diabetes"]
REGRESSION = {"diabetes", "friedman1"}
ADAM_STEPS = 2000  # the engine row: this many full-batch Adam steps in each library
WORKER_TIMEOUT = 1800
# small problems (time to accuracy, the Adam engine row, real data): every library on one thread. At these
# sizes one thread is faster for all of them, and on a shared machine a second thread that waits for a busy
# core made a PyTorch step of a 1-16-1 network 6-10x slower (0.2 ms -> 1.5-2.7 ms, measured here)
SMALL_THREADS = 1
UNSTEADY = 1.5  # per-round ratios further apart than this factor: the row claims no ratio


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("neuronlab bench compares with PyTorch, which is not installed: "
                          "pip install torch==2.13.0 (the CPU build)") from None
    return torch


@dataclass
class Row:
    """A two-library comparison: neuronlab's and PyTorch's number and their ratio."""

    case: str
    neuronlab: float  # seconds (or another unit, see ``unit``)
    torch: float
    unit: str = "s"
    note: str = ""
    unsteady: bool = False  # the rounds disagreed by more than UNSTEADY: no ratio is claimed

    @property
    def ratio(self) -> float:
        return self.torch / self.neuronlab if self.neuronlab > 0 else math.inf


@dataclass
class Table:
    """A table of already formatted cells (for comparisons a single ratio cannot carry)."""

    columns: list
    cells: list = field(default_factory=list)


@dataclass
class Report:
    sections: dict = field(default_factory=dict)  # title -> list of Row, or a Table
    machine: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def add(self, section: str, row: Row) -> None:
        self.sections.setdefault(section, []).append(row)

    def rows(self) -> list:
        return [row for rows in self.sections.values() if isinstance(rows, list) for row in rows]

    def tables(self) -> dict:
        """Every section as (columns, rows of text)."""
        out = {}
        for title, body in self.sections.items():
            if isinstance(body, Table):
                out[title] = (body.columns, body.cells)
            else:
                out[title] = (["case", "neuronlab", "PyTorch", "ratio (torch / neuronlab)", "note"],
                              [[r.case, _format(r.neuronlab, r.unit), _format(r.torch, r.unit),
                                "unsteady" if r.unsteady else f"{r.ratio:.2f}", r.note] for r in body])
        return out

    def markdown(self) -> str:
        lines = ["# neuronlab benchmark results", ""]
        lines += [f"- {k}: {v}" for k, v in self.machine.items()]
        lines.append("")
        for title, (columns, cells) in self.tables().items():
            aligns = ["---" if i == 0 or c in ("note", "case") else "---:" for i, c in enumerate(columns)]
            lines += [f"## {title}", "", "| " + " | ".join(columns) + " |", "|" + "|".join(aligns) + "|"]
            lines += ["| " + " | ".join(row) + " |" for row in cells]
            lines.append("")
        if self.notes:
            lines += ["## Notes", ""] + [f"- {note}" for note in self.notes] + [""]
        return "\n".join(lines)


def _format(value: float, unit: str) -> str:
    if unit == "s":
        if not math.isfinite(value):
            return "-"
        return f"{value * 1e6:.0f} us" if value < 1e-3 else f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.4g} {unit}"


def _median_time(function, repeats: int, budget: float) -> float:
    """The median of ``repeats`` timings (fewer if ``budget`` seconds run out), after warming up (at least
    five calls and 0.2 s: PyTorch's first calls start its thread pool)."""
    started = time.perf_counter()
    for warm in range(1000):
        function()
        if warm >= 4 and time.perf_counter() - started > 0.2:
            break
    times, started = [], time.perf_counter()
    for _ in range(repeats):
        t = time.perf_counter()
        function()
        times.append(time.perf_counter() - t)
        if time.perf_counter() - started > budget:
            break
    return float(np.median(times))


# ---------------------------------------------------------------- worker processes

_WORKER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from neuronlab import bench
print("RESULT " + json.dumps(bench._work(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))))
"""


def _source() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _in_process(kind: str, library: str, payload) -> object:
    """Run ``_work(kind, library, payload)`` in a fresh Python process and return its result.

    ``payload["threads"]``, if set, limits every library's threads (BLAS, OpenMP, PyTorch) in the worker.
    """
    env = dict(os.environ)
    if payload.get("threads"):
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(payload["threads"])
    done = subprocess.run([sys.executable, "-c", _WORKER, _source(), kind, library, json.dumps(payload)],
                          capture_output=True, text=True, timeout=WORKER_TIMEOUT, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {library} worker for {kind} failed: {done.stderr.strip()[-400:]}")
    return json.loads(lines[-1][len("RESULT "):])


def _alternating(kind: str, libraries: list, payload, rounds: int) -> dict:
    """Each library's results over ``rounds`` rounds, the order of the libraries reversed every round."""
    results = {library: [] for library in libraries}
    for r in range(rounds):
        for library in (libraries if r % 2 == 0 else libraries[::-1]):
            results[library].append(_in_process(kind, library, payload))
    return results


def _work(kind: str, library: str, payload):
    """Inside a worker: one library, one kind of measurement."""
    if library == "torch":
        torch = _torch()
        torch.set_num_threads(payload.get("threads") or os.cpu_count() or 1)
    if kind == "steps":
        return [_step_time(library, sizes, batch, payload["repeats"], payload["budget"])
                for sizes, batch in payload["cases"]]
    if kind == "accuracy":
        return [_time_to_accuracy(library, text, payload["neurons"], payload["cap"]) for text in payload["targets"]]
    if kind == "adam":
        return _adam_steps(library, payload["target"], payload["neurons"], payload["steps"])
    if kind == "data":
        return {name: [_real_data(library, name, seed) for seed in range(payload["seeds"])]
                for name in payload["sets"]}
    if kind == "memory":
        return _memory(library, payload["sizes"], payload["batch"])
    raise ValueError(f"unknown benchmark {kind!r}")


# ---------------------------------------------------------------- step time

def _step(library: str, sizes, batch, seed=0):
    """One SGD step (forward, mse loss, backward, update) in ``library``, from neuronlab's seeded weights."""
    from . import fastpath
    from .network import mlp
    from .optim import SGD

    net = mlp(sizes, activation="tanh", seed=seed, dtype="float32")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.normal(size=(batch, sizes[-1])).astype(np.float32)
    if library == "neuronlab":
        fused = fastpath.FusedMLP(net, "mse")
        opt = SGD(net.parameters(), lr=1e-3)

        def step():
            fused.loss_and_gradients(x, y)
            opt.step()

        return step, net
    torch = _torch()
    module = net.to_torch()
    torch_opt = torch.optim.SGD(module.parameters(), lr=1e-3)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.MSELoss()

    def step():
        torch_opt.zero_grad(set_to_none=True)
        loss_fn(module(tx), ty).backward()
        torch_opt.step()

    return step, net


def _parameters(sizes) -> int:
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def _matmuls(sizes, batch):
    """The matrix multiplies of one step alone: per layer x@W, a^T@delta, delta@W^T (float32)."""
    rng = np.random.default_rng(0)
    arrays = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        arrays.append((rng.normal(size=(batch, fan_in)).astype(np.float32),
                       rng.normal(size=(fan_in, fan_out)).astype(np.float32),
                       np.empty((batch, fan_out), np.float32), np.empty((fan_in, fan_out), np.float32),
                       np.empty((batch, fan_in), np.float32)))

    def multiplies():
        for i, (a, w, z, g, back) in enumerate(arrays):
            np.matmul(a, w, out=z)
            np.matmul(a.T, z, out=g)
            if i:
                np.matmul(z, w.T, out=back)

    return multiplies


def _paired_medians(first, second, repeats: int, budget: float) -> tuple[float, float]:
    """Medians of ``first`` and ``second`` timed in turns, so both see the same machine at the same time."""
    for _ in range(3):
        first(), second()
    times, started = ([], []), time.perf_counter()
    for _ in range(repeats):
        for function, kept in zip((first, second), times):
            t = time.perf_counter()
            function()
            kept.append(time.perf_counter() - t)
        if time.perf_counter() - started > budget:
            break
    return float(np.median(times[0])), float(np.median(times[1]))


def _step_time(library: str, sizes, batch, repeats, budget) -> dict:
    import gc

    step, net = _step(library, sizes, batch)
    gc.collect()
    if library == "neuronlab" and net.n_parameters() >= LARGE:
        seconds, matmul = _paired_medians(step, _matmuls(sizes, batch), repeats, 2 * budget)
        return {"seconds": seconds, "parameters": net.n_parameters(), "matmul": matmul}
    return {"seconds": _median_time(step, repeats, budget), "parameters": net.n_parameters()}


def step_times(report: Report, cases, repeats: int, budget: float, rounds: int, threads: int | None = None,
               per_case: bool = True) -> None:
    """Each case measured in fresh processes, one per library and round, alternating (so both libraries see
    the same machine, case by case; ``per_case=False``: one process per library and round for all cases);
    ``threads`` limits both libraries (None: all cores)."""
    title = (f"Step time (one SGD step, float32, tanh MLP, mse) on {threads or os.cpu_count()} thread"
             f"{'s' if (threads or os.cpu_count()) > 1 else ''}: each library in its own process, "
             f"median of {rounds} alternating round{'s' if rounds > 1 else ''}")
    groups = [[case] for case in cases] if per_case else [cases]
    measured = []
    for group in groups:
        payload = {"cases": group, "repeats": repeats, "budget": budget, "threads": threads}
        results = _alternating("steps", ["neuronlab", "torch"], payload, rounds)
        measured += [{library: [r[i] for r in results[library]] for library in results} for i in range(len(group))]
    for (sizes, batch), results in zip(cases, measured):
        ours = results["neuronlab"]
        t_ours = float(np.median([r["seconds"] for r in ours]))
        t_theirs = float(np.median([r["seconds"] for r in results["torch"]]))
        parameters = ours[0]["parameters"]
        note = ""
        if "matmul" in ours[0]:
            t_matmul = float(np.median([r["matmul"] for r in ours]))
            layers = [a * b for a, b in zip(sizes, sizes[1:])]
            flops = 2 * batch * (3 * sum(layers) - layers[0])  # forward, dL/dW, and dL/da except into the input
            note = (f"NumPy's matmuls alone: {_format(t_matmul, 's')}, so neuronlab reaches "
                    f"{t_matmul / t_ours:.0%} of them; {flops / t_ours / 1e9:.0f} GFLOP/s")
        unsteady = False
        if rounds > 1:
            spread = [r["seconds"] for r in results["torch"]], [r["seconds"] for r in ours]
            ratios = [t / o for t, o in zip(*spread)]
            unsteady = max(ratios) > UNSTEADY * min(ratios)
            note = (f"ratio per round {min(ratios):.2f}-{max(ratios):.2f}"
                    + (" (the rounds disagree: the machine was busy; no ratio claimed)" if unsteady else "")
                    + ("; " + note if note else ""))
        name = f"{'-'.join(map(str, sizes))}, batch {batch} ({parameters:,} parameters)"
        report.add(title, Row(name, t_ours, t_theirs, note=note, unsteady=unsteady))


# ---------------------------------------------------------------- time to accuracy

def _curve(text: str):
    from .expr import expr

    x = np.linspace(-np.pi, np.pi, 201)
    return x, expr(text)(x)


def _time_to_accuracy(library: str, text: str, neurons: int, cap: float) -> dict:
    """Seconds until max |error| <= 1e-3 on the 201 points (or how far it got by ``cap`` seconds)."""
    from .network import mlp

    x, y = _curve(text)
    started = time.perf_counter()
    if library == "neuronlab":
        from .train import fit

        for seed in range(5):  # LM stops at a minimum; if it is not good enough, start again from a new seed
            net = mlp([1, neurons, 1], activation="tanh", seed=seed)
            fit(net, x, y, progress=False,
                callback=lambda epoch, history, net=net: np.abs(net.predict(x)[:, 0] - y).max() > 1e-3)
            error = float(np.abs(net.predict(x)[:, 0] - y).max())
            if error <= 1e-3:
                return {"seconds": time.perf_counter() - started, "restarts": seed, "error": error}
            if time.perf_counter() - started > cap:
                break
        return {"seconds": None, "elapsed": time.perf_counter() - started, "error": error, "restarts": seed}
    torch = _torch()  # Adam (lr 0.01, full batch) from neuronlab's seed-0 weights, checked every 50 steps
    module = mlp([1, neurons, 1], activation="tanh", seed=0).to_torch()
    opt = torch.optim.Adam(module.parameters(), lr=0.01)
    tx, ty = torch.from_numpy(x.reshape(-1, 1)), torch.from_numpy(y.reshape(-1, 1))
    started, steps, error = time.perf_counter(), 0, math.inf
    while time.perf_counter() - started < cap:
        for _ in range(50):
            opt.zero_grad()
            ((module(tx) - ty) ** 2).mean().backward()
            opt.step()
        steps += 50
        with torch.no_grad():
            error = float((module(tx) - ty).abs().max())
        if error <= 1e-3:
            return {"seconds": time.perf_counter() - started, "steps": steps, "error": error}
    return {"seconds": None, "elapsed": time.perf_counter() - started, "steps": steps, "error": error}


def _adam_steps(library: str, text: str, neurons: int, steps: int) -> dict:
    """The engine alone: ``steps`` full-batch Adam steps (lr 0.01, mse) from the same weights, no scaling."""
    from .network import mlp

    x, y = _curve(text)
    net = mlp([1, neurons, 1], activation="tanh", seed=0)
    if library == "neuronlab":  # the same loop as PyTorch's below: fused forward/backward, then Adam
        from .fastpath import FusedMLP
        from .optim import Adam

        fused, opt = FusedMLP(net, "mse"), Adam(net.parameters(), lr=0.01)
        xs, ys = x.reshape(-1, 1), y.reshape(-1, 1)
        started = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            fused.loss_and_gradients(xs, ys)
            opt.step()
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "error": float(np.abs(net.predict(x)[:, 0] - y).max())}
    torch = _torch()
    module = net.to_torch()
    opt = torch.optim.Adam(module.parameters(), lr=0.01)
    tx, ty = torch.from_numpy(x.reshape(-1, 1)), torch.from_numpy(y.reshape(-1, 1))
    started = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        ((module(tx) - ty) ** 2).mean().backward()
        opt.step()
    seconds = time.perf_counter() - started
    with torch.no_grad():
        return {"seconds": seconds, "error": float((module(tx) - ty).abs().max())}


def time_to_accuracy(report: Report, targets, neurons: int, cap: float) -> None:
    payload = {"targets": targets, "neurons": neurons, "cap": cap, "threads": SMALL_THREADS}
    results = _alternating("accuracy", ["neuronlab", "torch"], payload, 1)
    ours, theirs = results["neuronlab"][0], results["torch"][0]
    table = Table(["target", "neuronlab (auto: Levenberg–Marquardt)", "PyTorch (Adam lr 0.01, full batch)",
                   "ratio (torch / neuronlab)", "note"])
    for text, a, b in zip(targets, ours, theirs):
        mine = (_format(a["seconds"], "s") if a["seconds"] else
                f"not reached in {a['elapsed']:.1f} s (max error {a['error']:.2g})")
        if b["seconds"]:
            other = _format(b["seconds"], "s")
            ratio = f"{b['seconds'] / a['seconds']:.0f}" if a["seconds"] else "-"
        else:
            other = f"not reached in {b['elapsed']:.0f} s ({b['steps']:,} steps; max error {b['error']:.2g})"
            ratio = (f">= {b['elapsed'] / a['seconds']:.0f} (lower bound: PyTorch stopped at the cap)"
                     if a["seconds"] else "-")
        note = f"neuronlab restarted {a['restarts']} time(s) from a new seed" if a.get("restarts") else ""
        table.cells.append([text, mine, other, ratio, note])
    report.sections[f"Time to max |error| <= 1e-3 on [-pi, pi], 1-{neurons}-1 tanh, 201 points "
                    "(each library in its own process)"] = table


def adam_engine(report: Report, target: str, neurons: int, steps: int, rounds: int) -> None:
    payload = {"target": target, "neurons": neurons, "steps": steps, "threads": SMALL_THREADS}
    results = _alternating("adam", ["neuronlab", "torch"], payload, rounds)
    ours = float(np.median([r["seconds"] for r in results["neuronlab"]]))
    theirs = float(np.median([r["seconds"] for r in results["torch"]]))
    report.add(f"The engine alone: {steps:,} full-batch Adam steps (lr 0.01, mse, float64, no scaling) from the same "
               f"weights, 1-{neurons}-1 tanh on {target}, 201 points; time per step (median of {rounds} alternating "
               "processes)",
               Row(target, ours / steps, theirs / steps,
                   note=f"max error reached: neuronlab {results['neuronlab'][0]['error']:.3g}, "
                        f"PyTorch {results['torch'][0]['error']:.3g}"))


# ---------------------------------------------------------------- real data

def _load(name: str):
    from sklearn import datasets

    if name == "friedman1":  # generated, no download: y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise
        return datasets.make_friedman1(500, noise=1.0, random_state=0)
    loaded = getattr(datasets, f"load_{name}")()
    return loaded.data, loaded.target


def _real_data(library: str, name: str, seed: int) -> list:
    """[held-out score, seconds to fit and predict] for one library on one data set and split (25 % held out).

    Score: accuracy for classification, R^2 for regression. Every library gets the raw columns.
    """
    from sklearn.model_selection import train_test_split

    x, y = _load(name)
    regression = name in REGRESSION
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=seed)
    classes = 1 if regression else int(y.max()) + 1
    started = time.perf_counter()
    if library == "neuronlab":  # the defaults, as a new user would call them
        from .network import mlp
        from .train import fit

        net = mlp([x.shape[1], 100, classes], activation="relu", seed=seed)
        history = fit(net, x_train, y_train, loss="mse" if regression else "cross_entropy", seed=seed, progress=False)
        out = net.predict(x_test)
        solver = history.optimizer
    elif library == "sklearn":  # the usual pipeline: StandardScaler, then the MLP with its defaults
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        model = make_pipeline(StandardScaler(), (MLPRegressor if regression else MLPClassifier)(random_state=seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its ConvergenceWarning after 200 epochs
            model.fit(x_train, y_train)
        out = model.predict(x_test)
        solver = "adam"
    else:
        out = _torch_adam_loop(x_train, y_train, x_test, regression, classes, seed)
        solver = "adam"
    seconds = time.perf_counter() - started
    if regression:
        from .train import Scores  # the one place neuronlab computes R^2

        score = Scores.of("regression", "mse", np.asarray(out, dtype=float).reshape(-1, 1), y_test)["r2"]
    else:
        prediction = np.argmax(out, axis=1) if np.ndim(out) == 2 else np.asarray(out)
        score = float(np.mean(prediction == y_test))
    return [float(score), seconds, solver]


def _torch_adam_loop(x_train, y_train, x_test, regression, classes, seed):
    """scikit-learn's MLP algorithm written as a PyTorch loop: inputs standardised, 100 relu, Adam lr 1e-3,
    200 epochs of batches of min(200, n), L2 alpha = 1e-4 on the weights only (0.5 alpha sum W^2 / batch)."""
    torch = _torch()
    torch.manual_seed(seed)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    tx = torch.from_numpy((x_train - mean) / std)
    ty = torch.from_numpy(np.asarray(y_train, dtype=float if regression else np.int64))
    model = torch.nn.Sequential(torch.nn.Linear(tx.shape[1], 100, dtype=torch.float64), torch.nn.ReLU(),
                                torch.nn.Linear(100, classes, dtype=torch.float64))
    weights = [model[0].weight, model[2].weight]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch, n = min(200, len(tx)), len(tx)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(200):
        order = torch.randperm(n, generator=generator)
        for first in range(0, n, batch):
            idx = order[first:first + batch]
            opt.zero_grad()
            out = model(tx[idx])
            loss = (((out[:, 0] - ty[idx]) ** 2).mean() / 2 if regression
                    else torch.nn.functional.cross_entropy(out, ty[idx]))
            loss = loss + 0.5e-4 * sum((w ** 2).sum() for w in weights) / len(idx)
            loss.backward()
            opt.step()
    with torch.no_grad():
        return model(torch.from_numpy((x_test - mean) / std)).numpy()


def real_data(report: Report, sets, seeds: int, rounds: int) -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        report.notes.append("real data: skipped (scikit-learn is not installed: pip install scikit-learn)")
        return
    libraries = ["neuronlab", "sklearn", "torch"]
    results = _alternating("data", libraries, {"sets": sets, "seeds": seeds, "threads": SMALL_THREADS}, rounds)
    table = Table(["data set (25 % held out)", "network", "neuronlab defaults", "time", "scikit-learn pipeline",
                   "time", "PyTorch Adam loop", "time", "note"])
    for name in sets:
        x, y = _load(name)
        regression = name in REGRESSION
        sizes = f"{x.shape[1]}-100-{1 if regression else int(y.max()) + 1}"
        cells, scores = [f"{name} ({len(y)} rows{', generated' if name == 'friedman1' else ''})", sizes], {}
        for library in libraries:
            runs = [r[name] for r in results[library]]  # rounds x seeds x [score, seconds, solver]
            values = np.array([run[0] for run in runs[0]])
            seconds = float(np.median([run[1] for rnd in runs for run in rnd]))
            scores[library] = values
            shown = (f"R^2 {values.mean():.3f} ± {values.std():.3f}" if regression
                     else f"{values.mean():.1%} ± {values.std():.1%}")
            cells += [shown, _format(seconds, "s")]
        ours = scores["neuronlab"]
        best_other = max(scores["sklearn"].mean(), scores["torch"].mean())
        verdict = ("neuronlab best" if ours.mean() >= best_other else
                   "within one spread" if ours.mean() + max(ours.std(), scores["sklearn"].std()) >= best_other
                   else "neuronlab behind")
        solvers = sorted({run[2] for run in results["neuronlab"][0][name]})
        cells.append(f"{verdict}; neuronlab ran {', '.join(solvers)}")
        table.cells.append(cells)
    report.sections[f"Real data: held-out score (mean ± standard deviation over {seeds} seeds, i.e. {seeds} splits "
                    f"and starts) and median wall time to fit and predict; each library in its own process"] = table
    report.notes.append(
        "Real data: neuronlab is `nl.fit(nl.mlp([d, 100, k], activation='relu', seed=s), x, y)` with every default "
        "on the raw columns (it standardises them itself); scikit-learn is `make_pipeline(StandardScaler(), "
        "MLPClassifier/MLPRegressor(random_state=s))` with its defaults (adam, 200 epochs, alpha 1e-4; the "
        "regression targets are not scaled, as in the usual pipeline); the PyTorch loop is the same algorithm as "
        "scikit-learn's written in PyTorch (standardised inputs, Adam lr 1e-3, 200 epochs of batches of 200, "
        "L2 1e-4 on the weights only, float64). Score: accuracy, or R^2 for diabetes and friedman1 "
        "(friedman1: scikit-learn's generated set, 500 rows, noise 1).")


# ---------------------------------------------------------------- memory

def _rss(field_name: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name):
                return int(line.split()[1]) / 1024
    return math.nan


def _memory(library: str, sizes, batch) -> float:
    """Growth of the peak RSS from before any model exists to after two SGD steps (weights, gradients,
    optimizer state and activations all inside the measurement)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.normal(size=(batch, sizes[-1])).astype(np.float32)
    if library == "torch":
        torch = _torch()
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    else:
        from . import fastpath
        from .network import mlp
        from .optim import SGD
    before = _rss("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset the peak (VmHWM) to the current size
    if library == "neuronlab":
        net = mlp(sizes, activation="tanh", seed=0, dtype="float32")
        fused, opt = fastpath.FusedMLP(net, "mse"), SGD(net.parameters(), lr=1e-3)
        for _ in range(2):
            fused.loss_and_gradients(x, y)
            opt.step()
    else:
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers += [torch.nn.Linear(a, b)] + ([torch.nn.Tanh()] if i < len(sizes) - 2 else [])
        module = torch.nn.Sequential(*layers)
        opt = torch.optim.SGD(module.parameters(), lr=1e-3)
        for _ in range(2):
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(module(tx), ty).backward()
            opt.step()
    return _rss("VmHWM") - before


def peak_memory(report: Report, sizes, batch) -> None:
    try:
        results = _alternating("memory", ["neuronlab", "torch"], {"sizes": sizes, "batch": batch}, 1)
    except (RuntimeError, subprocess.TimeoutExpired) as err:
        report.notes.append(f"memory: the measurement failed: {err}")
        return
    report.add("Peak memory of building the network and two SGD steps (growth of the process's peak RSS from "
               "before any model exists; each library in its own process)",
               Row(f"{'-'.join(map(str, sizes))}, batch {batch}", results["neuronlab"][0], results["torch"][0],
                   unit="MB"))


# ---------------------------------------------------------------- the whole run

def machine() -> dict:
    torch = _torch()
    info = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "cpu": _cpu_name(), "cores": os.cpu_count(), "threads (torch)": os.cpu_count()}
    try:
        from threadpoolctl import threadpool_info

        blas = [f"{i['internal_api']} {i.get('version', '')} {i.get('architecture', '')}, {i['num_threads']} threads"
                for i in threadpool_info() if i["user_api"] == "blas"]
        info["numpy BLAS"] = "; ".join(blas)
    except ImportError:
        pass
    a = np.random.default_rng(0).normal(size=(2048, 2048)).astype(np.float32)
    t = _median_time(lambda: a @ a, 5, 5.0)
    info["NumPy float32 matmul peak (2048^3)"] = f"{2 * 2048**3 / t / 1e9:.0f} GFLOP/s"
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    try:
        info["load average at the start"] = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        pass
    return info


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run(quick: bool = False) -> Report:
    _torch()
    report = Report(machine=machine())
    if quick:
        step_times(report, QUICK_STEP_CASES, repeats=20, budget=0.5, rounds=1, threads=1, per_case=False)
        time_to_accuracy(report, TARGETS[:1], neurons=16, cap=2.0)
        real_data(report, QUICK_DATA_SETS, seeds=2, rounds=1)
    else:
        step_times(report, STEP_CASES, repeats=50, budget=2.0, rounds=3, threads=1)
        large = [(sizes, batch) for sizes, batch in STEP_CASES if _parameters(sizes) >= 100_000]
        step_times(report, large, repeats=30, budget=2.0, rounds=3)
        time_to_accuracy(report, TARGETS, neurons=16, cap=30.0)
        adam_engine(report, TARGETS[0], neurons=16, steps=ADAM_STEPS, rounds=3)
        real_data(report, DATA_SETS, seeds=5, rounds=2)
        peak_memory(report, [1024, 2048, 2048, 1024], 1024)
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    if load > 0.5 * (os.cpu_count() or 1):
        report.notes.append(f"This run shared the machine with other work (load average {load:.1f} at the start on "
                            f"{os.cpu_count()} cores): timings on all cores swing from round to round (see the "
                            "per-round ratios); the one-thread tables are steadier. Compare ratios within one run, "
                            "not absolute times across runs.")
    report.notes.append("Each library ran in its own worker process (OpenBLAS's threads spin after a NumPy call "
                        "and slow a PyTorch step that follows in the same process); with several rounds the workers "
                        "alternate in order and the tables give medians over the rounds of the per-process medians. "
                        "Threads: the first step-time table runs both libraries on one thread; the second repeats "
                        f"the large cases on all {os.cpu_count()} cores; memory uses all cores; time to accuracy, the "
                        f"Adam engine row and the real data run every library on {SMALL_THREADS} thread (faster for "
                        "all of them at these sizes).")
    return report


def print_report(report: Report, console=None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table as RichTable

    console = console or Console()
    console.print(escape(", ".join(f"{k}: {v}" for k, v in report.machine.items())))
    for title, (columns, cells) in report.tables().items():
        table = RichTable(title=escape(title), title_justify="left")
        for i, column in enumerate(columns):
            table.add_column(escape(column), justify="left" if i == 0 or column == "note" else "right")
        for row in cells:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)
    for note in report.notes:
        console.print(escape(note))
