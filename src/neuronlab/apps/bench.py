"""Benchmarks: neuronlab beside PyTorch, SciPy and scikit-learn, each library timed in its own process.

    neuronlab bench            # the full tables, written to benchmarks/RESULTS.md with --out
    neuronlab bench --quick    # small cases only (CI runs it)

Fair timing: every library runs in a separate worker process (OpenBLAS's threads keep spinning after a
NumPy call and slow a PyTorch step that follows in the same process), the workers alternate in order from
round to round, and each number is a median: of the repeats inside a worker, then over the rounds. Each
worker reports the BLAS libraries and thread counts it ran with (``threadpoolctl.threadpool_info()``).
Step-time rows give neuronlab's time, PyTorch's in eager mode and compiled, and the ratio PyTorch at its
best / neuronlab (above 1: neuronlab is faster). No ratio is printed from a time cap, from rounds that
disagree, or from a row faster than the one-thread GEMM peak measured in the same run (a measurement
error). Needs torch; scipy for the MINPACK column and scikit-learn for the real-data table.
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
    ([1, 16, 1], 32),
    ([1, 16, 1], 64),
    ([1, 32, 1], 256),
    ([2, 32, 32, 1], 128),
    ([8, 64, 64, 4], 256),
    ([64, 128, 10], 256),
    ([784, 128, 10], 256),
    ([784, 512, 512, 10], 512),
    ([1024, 2048, 2048, 1024], 1024),
]
QUICK_STEP_CASES = [([1, 16, 1], 64), ([2, 32, 32, 1], 128), ([64, 128, 10], 256)]
AUTOGRAD_CASES = [
    ([1, 16, 1], 64),
    ([2, 32, 32, 1], 128),
    ([64, 128, 10], 256),
    ([784, 128, 10], 256),
    ([784, 512, 512, 10], 512),
]
QUICK_AUTOGRAD_CASES = [([1, 16, 1], 64), ([64, 128, 10], 256)]
LARGE = 1_000_000  # parameters: a case this large is also compared with NumPy's own matrix multiplies
TARGETS = ["sin(x)", "x*sin(3*x)", "tanh(3*x) + 0.2*x^2", "exp(-x^2)*cos(4*x)"]
TOLERANCE = 1e-3  # time to accuracy: until max |error| on the 201 points is at most this
STARTS = 5  # the solvers that stop at a minimum (LM, MINPACK, L-BFGS) start again from the next seed, up to this
DATA_SETS = ["digits", "iris", "wine", "breast_cancer", "diabetes", "friedman1"]
QUICK_DATA_SETS = ["iris", "diabetes"]
REGRESSION = {"diabetes", "friedman1"}
ADAM_STEPS = 2000  # the Adam rows: this many full-batch Adam steps in each library
PEAK_SIZE = 2048  # the GEMM peak: a float32 (n x n) @ (n x n) product, 2 n^3 floating-point operations
WORKER_TIMEOUT = 1800
# small problems (time to accuracy, the Adam rows, real data): every library on one thread. At these sizes
# one thread is faster for all of them, and on a shared machine a second thread that waits for a busy
# core made a PyTorch step of a 1-16-1 network 6-10x slower (0.2 ms -> 1.5-2.7 ms, measured here)
SMALL_THREADS = 1
UNSTEADY = 1.5  # per-round ratios further apart than this factor: the row claims no ratio
PYTORCH_MODES = {"torch": "eager", "compiled": "compiled"}  # worker library -> PyTorch mode


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(
            "neuronlab bench compares with PyTorch, which is not installed: pip install torch==2.13.0 (the CPU build)"
        ) from None
    return torch


@dataclass
class Row:
    """neuronlab's number beside PyTorch's (eager, and compiled when measured) and the ratio PyTorch at its
    best / neuronlab."""

    case: str
    neuronlab: float  # seconds (or another unit, see ``unit``)
    torch: float  # PyTorch eager
    unit: str = "s"
    note: str = ""
    unsteady: bool = False  # the rounds disagreed by more than UNSTEADY: no ratio is claimed
    compiled: float | None = None  # PyTorch compiled (torch.compile, or TorchScript where it cannot run)
    refused: str = ""  # why the row is a measurement error (faster than the machine can be): no number shown

    @property
    def best_torch(self) -> float:
        return self.torch if self.compiled is None else min(self.torch, self.compiled)

    @property
    def ratio(self) -> float:
        if self.refused:
            return math.nan
        return self.best_torch / self.neuronlab if self.neuronlab > 0 else math.inf


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
    workers: dict = field(default_factory=dict)  # (measurement, library) -> {what threadpool_info reported}

    def add(self, section: str, row: Row) -> None:
        self.sections.setdefault(section, []).append(row)

    def rows(self) -> list:
        return [row for rows in self.sections.values() if isinstance(rows, list) for row in rows]

    def tables(self) -> dict:
        """Every section as (columns, rows of text), then the worker processes' libraries and threads."""
        out = {}
        for title, body in self.sections.items():
            out[title] = (body.columns, body.cells) if isinstance(body, Table) else _row_table(body)
        if self.workers:
            out[
                "Worker processes: the BLAS and OpenMP libraries and threads each ran with "
                "(threadpoolctl.threadpool_info() inside the worker, after the work)"
            ] = (
                ["measurement", "library", "libraries and threads"],
                [[kind, library, " / ".join(sorted(seen))] for (kind, library), seen in self.workers.items()],
            )
        return out

    def markdown(self) -> str:
        lines = ["# neuronlab benchmark results", ""]
        lines += [f"- {k}: {v}" for k, v in self.machine.items()]
        lines.append("")
        for title, (columns, cells) in self.tables().items():
            aligns = ["---" if i == 0 or c in ("note", "case", "library") else "---:" for i, c in enumerate(columns)]
            lines += [f"## {title}", "", "| " + " | ".join(columns) + " |", "|" + "|".join(aligns) + "|"]
            lines += ["| " + " | ".join(row) + " |" for row in cells]
            lines.append("")
        if self.notes:
            lines += ["## Notes", ""] + [f"- {note}" for note in self.notes] + [""]
        return "\n".join(lines)


def _row_table(rows: list) -> tuple[list, list]:
    """Columns and cells of a section of Rows (a PyTorch compiled column when any row measured it)."""
    compiled = any(r.compiled is not None for r in rows)
    columns = (
        ["case", "neuronlab", "PyTorch eager"]
        + (["PyTorch compiled"] if compiled else [])
        + [f"ratio (PyTorch{' best' if compiled else ''} / neuronlab)", "note"]
    )
    cells = []
    for r in rows:
        if r.refused:
            cells.append([r.case] + ["measurement error"] * (len(columns) - 2) + [r.refused])
            continue
        times = [r.neuronlab, r.torch] + ([r.compiled] if compiled else [])
        cells.append(
            [r.case]
            + [_format(t, r.unit) if t is not None else "-" for t in times]
            + ["unsteady" if r.unsteady else f"{r.ratio:.2f}", r.note]
        )
    return columns, cells


def _format(value: float, unit: str) -> str:
    if unit == "s":
        if not math.isfinite(value):
            return "-"
        return f"{value * 1e6:.0f} us" if value < 1e-3 else f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.4g} {unit}"


def _median_time(function, repeats: int, budget: float) -> float:
    """The median of ``_times``."""
    return float(np.median(_times(function, repeats, budget)))


def _times(function, repeats: int, budget: float) -> list:
    """``repeats`` timings of ``function`` (fewer if ``budget`` seconds run out), after warming up (at least
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
    return times


def _ratios(theirs: list, ours: list) -> tuple[list, bool]:
    """Per-round ratios theirs / ours and whether they disagree by more than UNSTEADY (then no ratio)."""
    ratios = [t / o for t, o in zip(theirs, ours)]
    return ratios, max(ratios) > UNSTEADY * min(ratios)


# ---------------------------------------------------------------- worker processes

_WORKER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from neuronlab import bench
print("RESULT " + json.dumps(bench._work(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))))
"""


def _source() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _in_process(kind: str, library: str, payload) -> dict:
    """Run ``_work(kind, library, payload)`` in a fresh Python process: {"result": ..., "runtime": ...}.

    ``payload["threads"]``, if set, limits every library's threads (BLAS, OpenMP, PyTorch) in the worker.
    """
    env = dict(os.environ)
    if payload.get("threads"):
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(payload["threads"])
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, _source(), kind, library, json.dumps(payload)],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
        env=env,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {library} worker for {kind} failed: {done.stderr.strip()[-400:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def _alternating(kind: str, libraries: list, payload, rounds: int, workers: dict | None = None) -> dict:
    """Each library's results over ``rounds`` rounds, the order of the libraries reversed every round.

    ``workers`` (a Report's): collects what each worker said about its BLAS libraries and threads.
    """
    results = {library: [] for library in libraries}
    for r in range(rounds):
        for library in libraries if r % 2 == 0 else libraries[::-1]:
            done = _in_process(kind, library, payload)
            results[library].append(done["result"])
            if workers is not None:
                workers.setdefault((kind, library), set()).add(done["runtime"])
    return results


def _work(kind: str, library: str, payload) -> dict:
    """Inside a worker: one library, one kind of measurement; the result and the threads it ran with."""
    if library in ("torch", "compiled", "lbfgs", "adam"):
        torch = _torch()
        torch.set_num_threads(payload.get("threads") or os.cpu_count() or 1)
    if kind == "peak":
        result = _gemm_peak(library, payload["repeats"])
    elif kind == "steps":
        result = [
            _step_time(library, sizes, batch, payload["repeats"], payload["budget"])
            for sizes, batch in payload["cases"]
        ]
        if any(_parameters(sizes) >= LARGE for sizes, _ in payload["cases"]):
            # the GEMM rate of this very worker, on its threads, now: the machine's load changes during a run,
            # and a start-of-run peak taken while busy refused true rows of a quieter moment
            here = _gemm_peak("neuronlab" if library in ("neuronlab", "tensor") else "torch", 3)
            for row in result:
                row["peak"] = here
    elif kind == "accuracy":
        result = [_time_to_accuracy(library, text, payload["neurons"], payload["cap"]) for text in payload["targets"]]
    elif kind == "adam":
        result = _adam_steps(library, payload["target"], payload["neurons"], payload["steps"])
    elif kind == "data":
        result = {
            name: [_real_data(library, name, seed) for seed in range(payload["seeds"])] for name in payload["sets"]
        }
    elif kind == "memory":
        result = _memory(library, payload["sizes"], payload["batch"])
    else:
        raise ValueError(f"unknown benchmark {kind!r}")
    return {"result": result, "runtime": _runtime()}


def _runtime() -> str:
    """The thread pools this process ran with: each BLAS/OpenMP library's threads (the library file's prefix
    tells NumPy's OpenBLAS from SciPy's and PyTorch's), and PyTorch's own."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pools = ["threadpoolctl not installed: BLAS threads unknown"]
    else:
        pools = sorted(
            " ".join(str(pool[key]) for key in ("prefix", "version", "architecture") if pool.get(key))
            + f" {pool['num_threads']} thread{'s' if pool['num_threads'] > 1 else ''}"
            for pool in threadpool_info()
        )
    if "torch" in sys.modules:
        pools.append(f"torch {sys.modules['torch'].get_num_threads()} intra-op thread(s)")
    pools.append(f"OPENBLAS_CORETYPE {os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    return ", ".join(pools)


# ---------------------------------------------------------------- the GEMM peak


def _gemm_peak(library: str, repeats: int) -> float:
    """The best float32 GEMM rate of ``library`` (NumPy or PyTorch) in GFLOP/s: 2 n^3 operations for an
    (n x n) @ (n x n) product, n = PEAK_SIZE, over the fastest of ``repeats`` timings (a peak, not a median)."""
    a = np.random.default_rng(0).normal(size=(PEAK_SIZE, PEAK_SIZE)).astype(np.float32)
    if library == "neuronlab":
        out = np.empty_like(a)
        product = lambda: np.matmul(a, a, out=out)  # noqa: E731
    else:
        torch = _torch()
        t, out = torch.from_numpy(a), torch.empty(PEAK_SIZE, PEAK_SIZE)
        product = lambda: torch.matmul(t, t, out=out)  # noqa: E731
    return 2 * PEAK_SIZE**3 / min(_times(product, repeats, 10.0)) / 1e9


def gemm_peak(report: Report, repeats: int) -> float:
    """The one-thread float32 GEMM peak of this run (the faster of NumPy's and PyTorch's), in GFLOP/s; no
    step can do its matrix multiplies faster than this per thread."""
    results = _alternating("peak", ["neuronlab", "torch"], {"repeats": repeats, "threads": 1}, 1, report.workers)
    numpy_peak, torch_peak = results["neuronlab"][0], results["torch"][0]
    report.machine[f"one-thread float32 GEMM peak ({PEAK_SIZE}^3, fastest of {repeats}, in one-thread workers)"] = (
        f"NumPy {numpy_peak:.0f} GFLOP/s, PyTorch {torch_peak:.0f} GFLOP/s"
    )
    return max(numpy_peak, torch_peak)


# ---------------------------------------------------------------- step time


def _step(library: str, sizes, batch, seed=0):
    """One SGD step (forward, mse loss, backward, update) from neuronlab's seeded weights: (step, net, mode).

    Libraries: "neuronlab" (the fused fast path, what fit runs), "tensor" (neuronlab's autograd engine),
    "torch" (PyTorch eager), "compiled" (PyTorch compiled: ``mode`` says how).
    """
    from neuronlab.engine import fastpath
    from neuronlab.engine.losses import get
    from neuronlab.engine.network import mlp
    from neuronlab.training.optim import SGD

    net = mlp(sizes, activation="tanh", seed=seed, dtype="float32")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.normal(size=(batch, sizes[-1])).astype(np.float32)
    if library in ("neuronlab", "tensor"):
        opt = SGD(net.parameters(), lr=1e-3)
        if library == "neuronlab":
            fused = fastpath.FusedMLP(net, "mse")

            def step():
                fused.loss_and_gradients(x, y)
                opt.step()
        else:
            mse = get("mse")

            def step():
                opt.zero_grad()
                mse(net(x), y).backward()
                opt.step()

        return step, net, library
    torch = _torch()
    module = net.to_torch()
    torch_opt = torch.optim.SGD(module.parameters(), lr=1e-3)
    step, mode = _torch_step(torch, module, torch_opt, torch.from_numpy(x), torch.from_numpy(y), library)
    return step, net, mode


def _torch_step(torch, module, opt, tx, ty, library: str):
    """PyTorch's training step (zero_grad, mse, backward, opt.step) in eager mode, or compiled: ``torch.compile``
    of the module (inductor; forward and backward compiled, the optimizer eager), TorchScript
    (``torch.jit.trace``) where compile cannot run. Returns (step, mode); compile time is spent here."""
    loss_fn = torch.nn.MSELoss()

    def step_with(forward):
        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(forward(tx), ty).backward()
            opt.step()

        return step

    if library == "torch":
        return step_with(module), "eager"
    started = time.perf_counter()
    try:
        step = step_with(torch.compile(module))
        step(), step()  # compiles the forward, then the backward
        mode = "torch.compile"
    except Exception as err:  # noqa: BLE001 - any failure of the compiler stack means: fall back, and say why
        step = step_with(torch.jit.trace(module, tx))
        step()
        mode = f"torch.jit.trace (torch.compile failed: {type(err).__name__})"
    return step, f"{mode} ({time.perf_counter() - started:.0f} s to compile)"


def _parameters(sizes) -> int:
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def _flops(sizes, batch) -> int:
    """Floating-point operations of one step's matrix multiplies (a lower bound on its work): per layer of
    n_in x n_out weights, 2 b n_in n_out each for x @ W, a^T @ delta and delta @ W^T (none into the input)."""
    layers = [a * b for a, b in zip(sizes, sizes[1:])]
    return 2 * batch * (3 * sum(layers) - layers[0])


def _matmuls(sizes, batch):
    """The matrix multiplies of one step alone: per layer x@W, a^T@delta, delta@W^T (float32)."""
    rng = np.random.default_rng(0)
    arrays = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        arrays.append(
            (
                rng.normal(size=(batch, fan_in)).astype(np.float32),
                rng.normal(size=(fan_in, fan_out)).astype(np.float32),
                np.empty((batch, fan_out), np.float32),
                np.empty((fan_in, fan_out), np.float32),
                np.empty((batch, fan_in), np.float32),
            )
        )

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

    step, net, mode = _step(library, sizes, batch)
    gc.collect()
    if library == "neuronlab" and net.n_parameters() >= LARGE:
        seconds, matmul = _paired_medians(step, _matmuls(sizes, batch), repeats, 2 * budget)
        return {"seconds": seconds, "parameters": net.n_parameters(), "matmul": matmul, "mode": mode}
    return {"seconds": _median_time(step, repeats, budget), "parameters": net.n_parameters(), "mode": mode}


def step_times(
    report: Report,
    cases,
    repeats: int,
    budget: float,
    rounds: int,
    peak: float,
    threads: int | None = None,
    per_case: bool = True,
    engine: str = "neuronlab",
) -> None:
    """Each case measured in fresh processes, one per library and round, alternating (so every library sees
    the same machine, case by case; ``per_case=False``: one process per library and round for all cases);
    ``threads`` limits every library (None: all cores). ``engine``: "neuronlab" (the fused fast path) or
    "tensor" (the autograd engine), against PyTorch eager and compiled. ``peak``: the one-thread GEMM peak
    (GFLOP/s); a row whose matrix multiplies would run faster than it on its threads is refused."""
    count = threads or os.cpu_count() or 1
    what = (
        "neuronlab's fused fast path (fastpath.FusedMLP, what fit runs)"
        if engine == "neuronlab"
        else "neuronlab's Tensor engine (net(x), losses.get('mse')(...).backward(), SGD.step) against PyTorch autograd"
    )
    title = (
        f"Step time of {what}: one SGD step, float32, tanh MLP, mse, on {count} thread{'s' if count > 1 else ''}; "
        f"each library in its own process, median of {rounds} alternating round{'s' if rounds > 1 else ''}"
    )
    libraries = [engine, "torch", "compiled"]
    groups = [[case] for case in cases] if per_case else [cases]
    measured = []
    for group in groups:
        payload = {"cases": group, "repeats": repeats, "budget": budget, "threads": threads}
        results = _alternating("steps", libraries, payload, rounds, report.workers)
        measured += [{library: [r[i] for r in results[library]] for library in results} for i in range(len(group))]
    for (sizes, batch), results in zip(cases, measured):
        ours = results[engine]
        median = {library: float(np.median([r["seconds"] for r in results[library]])) for library in libraries}
        parameters = ours[0]["parameters"]
        name = f"{'-'.join(map(str, sizes))}, batch {batch} ({parameters:,} parameters)"
        # no library can multiply faster than the GEMM peak: the run's one-thread peak times the threads, or the
        # peak a worker of this case measured on its own threads, whichever is higher
        here = max((r.get("peak", 0.0) for library in libraries for r in results[library]), default=0.0)
        flops, bound = _flops(sizes, batch), max(peak * count, here)
        too_fast = {library: flops / t / 1e9 for library, t in median.items() if flops / t / 1e9 > bound}
        if too_fast:
            report.add(
                title,
                Row(
                    name,
                    median[engine],
                    median["torch"],
                    compiled=median["compiled"],
                    refused=(
                        "refused: "
                        + ", ".join(f"{library} at {rate:.0f} GFLOP/s" for library, rate in too_fast.items())
                        + f" would beat the GEMM peak on {count} thread(s), {bound:.0f} GFLOP/s"
                    ),
                ),
            )
            continue
        best = min(("torch", "compiled"), key=median.get)
        per_round = [min(t["seconds"], c["seconds"]) for t, c in zip(results["torch"], results["compiled"])]
        unsteady, note = False, f"PyTorch best: {PYTORCH_MODES[best]}; compiled: {results['compiled'][0]['mode']}"
        if rounds > 1:
            ratios, unsteady = _ratios(per_round, [r["seconds"] for r in ours])
            note = (
                f"ratio per round {min(ratios):.2f}-{max(ratios):.2f}"
                + (" (the rounds disagree: the machine was busy; no ratio claimed)" if unsteady else "")
                + "; "
                + note
            )
        if "matmul" in ours[0]:
            t_matmul = float(np.median([r["matmul"] for r in ours]))
            note += (
                f"; NumPy's matmuls alone: {_format(t_matmul, 's')}, so neuronlab reaches "
                f"{t_matmul / median[engine]:.0%} of them; {flops / median[engine] / 1e9:.0f} GFLOP/s"
            )
        report.add(
            title, Row(name, median[engine], median["torch"], note=note, unsteady=unsteady, compiled=median["compiled"])
        )


# ---------------------------------------------------------------- time to accuracy


def _curve(text: str):
    from neuronlab.expr import expr

    x = np.linspace(-np.pi, np.pi, 201)
    return x, expr(text)(x)


class _Reached(Exception):
    """Raised inside scipy's residual function: a point within TOLERANCE (or the time cap) was reached."""


def _time_to_accuracy(library: str, text: str, neurons: int, cap: float) -> dict:
    """Seconds until max |error| <= TOLERANCE on the 201 points (or how far it got by ``cap`` seconds).

    neuronlab (fit's defaults, "auto" solver), MINPACK's Levenberg–Marquardt ("minpack") and PyTorch's
    L-BFGS ("lbfgs") stop at a minimum: each starts from mlp([1, neurons, 1], tanh, seed) for seed 0, 1, ...
    (the same weights for all three) and starts again from the next seed while max error > TOLERANCE, up to
    STARTS starts or ``cap`` seconds. Adam ("adam", lr 0.01, full batch) runs from seed 0 until the cap.
    """
    from neuronlab.engine.network import mlp

    x, y = _curve(text)
    solve = {"neuronlab": _fit_start, "minpack": _minpack_start, "lbfgs": _lbfgs_start}.get(library)
    if solve is None:
        return _adam_until(x, y, neurons, cap)
    solve(mlp([1, neurons, 1], activation="tanh", seed=0), x, y, time.perf_counter() + 0.05)  # untimed warm-up:
    started, error, solver = time.perf_counter(), math.inf, library  # imports and first calls are not counted
    for seed in range(STARTS):
        net = mlp([1, neurons, 1], activation="tanh", seed=seed)
        error, solver = solve(net, x, y, started + cap)
        if error <= TOLERANCE:
            return {"seconds": time.perf_counter() - started, "restarts": seed, "error": error, "solver": solver}
        if time.perf_counter() - started > cap:
            break
    return {
        "seconds": None,
        "elapsed": time.perf_counter() - started,
        "error": error,
        "restarts": seed,
        "solver": solver,
    }


def _max_error(net, x, y) -> float:
    return float(np.abs(net.predict(x.reshape(-1, 1))[:, 0] - y).max())


def _fit_start(net, x, y, deadline) -> tuple[float, str]:
    """neuronlab's ``fit`` with every default, stopped by a callback once max error <= TOLERANCE."""
    from neuronlab.training.train import fit

    history = fit(net, x, y, progress=False, callback=lambda epoch, history: _max_error(net, x, y) > TOLERANCE)
    return _max_error(net, x, y), history.optimizer


def _minpack_start(net, x, y, deadline) -> tuple[float, str]:
    """``scipy.optimize.least_squares(method="lm")`` (MINPACK's lmder) on residuals r = net(x) - y, with the
    exact Jacobian dr/dparameters from ``fastpath.jacobian`` (per-sample backprop), from the net's weights.
    The residual function stops it as soon as it evaluates a point with max |r| <= TOLERANCE."""
    from scipy.optimize import least_squares

    from neuronlab.engine.fastpath import jacobian, pack, unpack

    xs, best = x.reshape(-1, 1), [math.inf]

    def residuals(p):
        unpack(net, p)
        r = net.predict(xs)[:, 0] - y
        best[0] = min(best[0], float(np.abs(r).max()))
        if best[0] <= TOLERANCE or time.perf_counter() > deadline:
            raise _Reached
        return r

    def jac(p):
        unpack(net, p)
        return jacobian(net, xs)[1]

    try:
        least_squares(residuals, pack(net), jac=jac, method="lm")
    except _Reached:
        pass
    return best[0], "MINPACK lm"


def _lbfgs_start(net, x, y, deadline) -> tuple[float, str]:
    """PyTorch's full-batch ``torch.optim.LBFGS`` (strong Wolfe line search, 20 iterations per step, its
    gradient and change tolerances lowered to 1e-12 so that it does not stop before 1e-3). The start is over
    when a whole step no longer lowers the mse by a relative 1e-9 (a minimum, as for LM)."""
    torch = _torch()
    module = net.to_torch()
    tx, ty = torch.from_numpy(x.reshape(-1, 1)), torch.from_numpy(y.reshape(-1, 1))
    opt = torch.optim.LBFGS(
        module.parameters(),
        lr=1,
        max_iter=20,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-12,
        tolerance_change=1e-12,
    )

    def closure():
        opt.zero_grad()
        loss = ((module(tx) - ty) ** 2).mean()
        loss.backward()
        return loss

    error, previous = math.inf, math.inf
    while time.perf_counter() < deadline:
        opt.step(closure)
        with torch.no_grad():
            residual = module(tx) - ty
            error, loss = float(residual.abs().max()), float((residual**2).mean())
        if error <= TOLERANCE or loss >= previous * (1 - 1e-9):
            break
        previous = loss
    return error, "L-BFGS"


def _adam_until(x, y, neurons: int, cap: float) -> dict:
    """PyTorch Adam (lr 0.01, full batch) from neuronlab's seed-0 weights, checked every 50 steps."""
    from neuronlab.engine.network import mlp

    torch = _torch()
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
        if error <= TOLERANCE:
            return {"seconds": time.perf_counter() - started, "steps": steps, "error": error}
    return {"seconds": None, "elapsed": time.perf_counter() - started, "steps": steps, "error": error}


def _adam_steps(library: str, text: str, neurons: int, steps: int) -> dict:
    """``steps`` full-batch Adam steps (lr 0.01, mse, float64) from the same weights, no scaling: neuronlab's
    fused fast path ("neuronlab"), its Tensor engine ("tensor"), PyTorch eager ("torch") or compiled."""
    from neuronlab.engine.network import mlp

    x, y = _curve(text)
    xs, ys = x.reshape(-1, 1), y.reshape(-1, 1)
    net = mlp([1, neurons, 1], activation="tanh", seed=0)
    if library in ("neuronlab", "tensor"):
        from neuronlab.engine.fastpath import FusedMLP
        from neuronlab.engine.losses import get
        from neuronlab.training.optim import Adam

        opt, mode = Adam(net.parameters(), lr=0.01), library
        fused, mse = FusedMLP(net, "mse"), get("mse")
        gradients = (
            (lambda: fused.loss_and_gradients(xs, ys))
            if library == "neuronlab"
            else (lambda: mse(net(xs), ys).backward())
        )

        def step():
            opt.zero_grad()
            gradients()
            opt.step()
    else:
        torch = _torch()
        module = net.to_torch()
        opt = torch.optim.Adam(module.parameters(), lr=0.01)
        step, mode = _torch_step(torch, module, opt, torch.from_numpy(xs), torch.from_numpy(ys), library)
    started = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - started
    if library not in ("neuronlab", "tensor"):
        from neuronlab.io import from_torch

        net = from_torch(module)  # the trained weights, back in a Network to measure the error the same way
    return {"seconds": seconds, "error": _max_error(net, x, y), "mode": mode}


ACCURACY_COLUMNS = {  # worker library -> column
    "neuronlab": "neuronlab fit (defaults)",
    "minpack": "MINPACK LM (scipy least_squares, method='lm')",
    "lbfgs": "PyTorch L-BFGS (strong Wolfe, full batch)",
    "adam": "PyTorch Adam (lr 0.01, full batch)",
}


def time_to_accuracy(report: Report, targets, neurons: int, cap: float, rounds: int = 1) -> None:
    """neuronlab's fit, MINPACK's LM and PyTorch's L-BFGS over ``rounds`` alternating rounds (medians), and
    PyTorch's Adam in one round (it runs to the cap on these targets); a ratio only between times that every
    round reached and that agree from round to round, never from a cap."""
    payload = {"targets": targets, "neurons": neurons, "cap": cap, "threads": SMALL_THREADS}
    results = _alternating("accuracy", ["neuronlab", "minpack", "lbfgs"], payload, rounds, report.workers)
    results.update(_alternating("accuracy", ["adam"], payload, 1, report.workers))
    table = Table(["target"] + list(ACCURACY_COLUMNS.values()) + ["ratio MINPACK / neuronlab", "note"])
    counts, solvers = dict.fromkeys(ACCURACY_COLUMNS, 0), set()  # targets every round reached, per solver
    for i, text in enumerate(targets):
        runs = {library: [r[i] for r in rounds_] for library, rounds_ in results.items()}
        cells, reached = [text], {}
        for library in ACCURACY_COLUMNS:
            if all(run["seconds"] for run in runs[library]):
                reached[library] = [run["seconds"] for run in runs[library]]
                counts[library] += 1
                cells.append(_format(float(np.median(reached[library])), "s"))
            else:
                missed = next(run for run in runs[library] if not run["seconds"])
                tries = f"{missed['steps']:,} steps" if "steps" in missed else f"{missed['restarts'] + 1} start(s)"
                cells.append(f"not reached in {missed['elapsed']:.1f} s ({tries}; max error {missed['error']:.2g})")
        if "neuronlab" in reached and "minpack" in reached:
            _, unsteady = _ratios(reached["minpack"], reached["neuronlab"])
            ratio = float(np.median(reached["minpack"])) / float(np.median(reached["neuronlab"]))
            cells.append("unsteady" if unsteady else f"{ratio:.2f}")
        else:
            cells.append("-")
        first = runs["neuronlab"][0]
        solvers.add(first["solver"])
        note = [f"neuronlab ran {first['solver']}"]
        if first.get("restarts"):
            note.append(f"neuronlab started {first['restarts'] + 1} times")
        if reached:
            fastest = min(reached, key=lambda library: np.median(reached[library]))
            note.append(f"fastest: {ACCURACY_COLUMNS[fastest].split(' (')[0]}")
        cells.append("; ".join(note))
        table.cells.append(cells)
    report.sections[
        f"Time to max |error| <= {TOLERANCE:g} on [-pi, pi], 1-{neurons}-1 tanh, float64, 201 points, "
        f"the same starting weights for every solver (each library in its own process, one thread; "
        f"median of {rounds} alternating round{'s' if rounds > 1 else ''}, Adam one round)"
    ] = table
    report.notes.append(
        f"Time to accuracy: neuronlab is `fit` with every default (it reports the solver it chose); MINPACK is "
        f"scipy.optimize.least_squares(method='lm') on the residuals network(x) - y with the exact Jacobian from "
        f"neuronlab's fastpath.jacobian (per-sample backprop), on the raw x and y (fit standardises them); "
        f"PyTorch's L-BFGS is torch.optim.LBFGS(line_search_fn='strong_wolfe') on the full batch. These three "
        f"start from the seed-0 weights and again from seeds 1-{STARTS - 1} when a run stops above the "
        f"tolerance. A solver that hit the {cap:g} s cap is printed as 'not reached' with no ratio. "
        + _algorithm_note(counts, solvers, len(targets))
    )


def _algorithm_note(counts: dict, solvers: set, targets: int) -> str:
    """What the time-to-accuracy table shows about algorithms, from how many targets each solver reached."""
    said = (
        f"Reached in every round on {counts['neuronlab']} of {targets} targets by neuronlab's fit "
        f"({', '.join(sorted(solvers))}), {counts['minpack']} by MINPACK's LM, {counts['lbfgs']} by PyTorch's "
        f"L-BFGS and {counts['adam']} by PyTorch's Adam."
    )
    if solvers == {"levenberg-marquardt"} and counts["minpack"] and counts["minpack"] > counts["adam"]:
        said += (
            " MINPACK, an implementation independent of neuronlab, reaches it as well: it is the algorithm "
            "that wins against Adam, not the library: Levenberg-Marquardt, a damped Gauss-Newton step (second "
            "order, on the full batch of residuals), where Adam takes first-order steps of a fixed size."
        )
    return said


def adam_engine(report: Report, target: str, neurons: int, steps: int, rounds: int) -> None:
    """The same Adam steps in neuronlab's fused fast path and in its Tensor engine, each against PyTorch."""
    payload = {"target": target, "neurons": neurons, "steps": steps, "threads": SMALL_THREADS}
    results = _alternating("adam", ["neuronlab", "tensor", "torch", "compiled"], payload, rounds, report.workers)
    title = (
        f"{steps:,} full-batch Adam steps (lr 0.01, mse, float64, no scaling) from the same weights, "
        f"1-{neurons}-1 tanh on {target}, 201 points, one thread: time per step (median of {rounds} alternating "
        "processes)"
    )
    theirs = {
        library: float(np.median([r["seconds"] for r in results[library]])) / steps for library in ("torch", "compiled")
    }
    errors = {library: results[library][0]["error"] for library in results}
    for engine, case in (
        ("neuronlab", "fused fast path (fastpath.FusedMLP)"),
        ("tensor", "Tensor engine (net(x), mse(...).backward())"),
    ):
        ours = float(np.median([r["seconds"] for r in results[engine]])) / steps
        best_torch = [min(t["seconds"], c["seconds"]) for t, c in zip(results["torch"], results["compiled"])]
        _, unsteady = _ratios(best_torch, [r["seconds"] for r in results[engine]])
        report.add(
            title,
            Row(
                case,
                ours,
                theirs["torch"],
                compiled=theirs["compiled"],
                unsteady=unsteady,
                note=f"max error reached: neuronlab {errors[engine]:.3g}, PyTorch eager "
                f"{errors['torch']:.3g}, compiled {errors['compiled']:.3g} "
                f"({results['compiled'][0]['mode']})",
            ),
        )


# ---------------------------------------------------------------- real data

DATA_COLUMNS = {  # worker library -> column
    "neuronlab": "neuronlab defaults",
    "sklearn": "scikit-learn MLP (scaled target, early stopping)",
    "linear": "linear (RidgeCV / LogisticRegression)",
    "torch": "PyTorch Adam loop (early stopping)",
}
PATIENCE = 20  # the PyTorch loop: epochs without a better validation loss before it stops
MAX_EPOCHS = 2000


def _load(name: str):
    from sklearn import datasets

    if name == "friedman1":  # generated, no download: y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise
        return datasets.make_friedman1(500, noise=1.0, random_state=0)
    loaded = getattr(datasets, f"load_{name}")()
    return loaded.data, loaded.target


def _real_data(library: str, name: str, seed: int) -> list:
    """[held-out score, seconds to fit and predict, what ran] for one library on one data set and split
    (25 % held out, the same split for every library). Score: accuracy, or R^2 for regression. Every library
    gets the raw columns; scikit-learn's ConvergenceWarnings are recorded and reported, not silenced."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    x, y = _load(name)
    regression = name in REGRESSION
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=seed)
    classes = 1 if regression else int(y.max()) + 1
    started = time.perf_counter()
    if library == "neuronlab":  # the defaults, as a new user would call them
        from neuronlab.engine.network import mlp
        from neuronlab.training.train import fit

        net = mlp([x.shape[1], 100, classes], activation="relu", seed=seed)
        history = fit(net, x_train, y_train, loss="mse" if regression else "cross_entropy", seed=seed, progress=False)
        out = net.predict(x_test)
        ran = history.optimizer
    elif library in ("sklearn", "linear"):
        from neuronlab.apps import peers

        model = (peers.sklearn_mlp if library == "sklearn" else peers.linear)(regression, seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(x_train, y_train)
        out = model.predict(x_test)
        ran = "ConvergenceWarning" if any(issubclass(w.category, ConvergenceWarning) for w in caught) else "converged"
    else:
        out = _torch_loop(x_train, y_train, x_test, regression, classes, seed)
        ran = "adam"
    seconds = time.perf_counter() - started
    if regression:
        from neuronlab.training.train import Scores  # the one place neuronlab computes R^2

        score = Scores.of("regression", "mse", np.asarray(out, dtype=float).reshape(-1, 1), y_test)["r2"]
    else:
        prediction = np.argmax(out, axis=1) if np.ndim(out) == 2 else np.asarray(out)
        score = float(np.mean(prediction == y_test))
    return [float(score), seconds, ran]


def _torch_loop(x_train, y_train, x_test, regression, classes, seed):
    """A competent PyTorch baseline, written independently: inputs (and a regression target) standardised,
    100 relu, Adam lr 1e-3 on batches of min(200, n), early stopping on a 10 % validation split (PATIENCE
    epochs without a lower validation loss, at most MAX_EPOCHS) and the best weights restored; float64."""
    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x_train))
    held = order[: max(1, len(order) // 10)]
    kept = order[len(held) :]
    mean, std = x_train[kept].mean(axis=0), x_train[kept].std(axis=0)
    std[std == 0] = 1.0
    y_mean, y_std = (y_train[kept].mean(), y_train[kept].std()) if regression else (0.0, 1.0)

    def inputs(rows):
        return torch.from_numpy((rows - mean) / std)

    def targets(values):
        return (
            torch.from_numpy((values - y_mean) / y_std)
            if regression
            else torch.from_numpy(np.asarray(values, dtype=np.int64))
        )

    tx, ty, vx, vy = inputs(x_train[kept]), targets(y_train[kept]), inputs(x_train[held]), targets(y_train[held])
    model = torch.nn.Sequential(
        torch.nn.Linear(tx.shape[1], 100, dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.Linear(100, classes, dtype=torch.float64),
    )

    def loss_of(out, target):
        return (
            torch.nn.functional.mse_loss(out[:, 0], target)
            if regression
            else torch.nn.functional.cross_entropy(out, target)
        )

    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch, n = min(200, len(tx)), len(tx)
    generator = torch.Generator().manual_seed(seed)
    best, best_state, waited = math.inf, None, 0
    for _ in range(MAX_EPOCHS):
        shuffled = torch.randperm(n, generator=generator)
        for first in range(0, n, batch):
            idx = shuffled[first : first + batch]
            opt.zero_grad()
            loss_of(model(tx[idx]), ty[idx]).backward()
            opt.step()
        with torch.no_grad():
            validation = float(loss_of(model(vx), vy))
        if validation < best:
            best, waited = validation, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= PATIENCE:
                break
    model.load_state_dict(best_state)
    with torch.no_grad():
        out = model(inputs(x_test)).numpy()
    return out * y_std + y_mean if regression else out


def _verdict(scores: dict) -> str:
    """Who is best on the mean held-out score, and whether neuronlab's difference from the best other
    library is within one paired standard error: sd(d) / sqrt(n) of the per-split differences d."""
    others = {library: values for library, values in scores.items() if library != "neuronlab"}
    rival = max(others, key=lambda library: others[library].mean())
    difference = scores["neuronlab"] - others[rival]
    error = difference.std(ddof=1) / math.sqrt(len(difference)) if len(difference) > 1 else math.inf
    name = DATA_COLUMNS[rival].split(" (")[0]
    if difference.mean() == 0:
        head = f"neuronlab ties {name}, difference 0.000"
    elif difference.mean() > 0:
        head = f"neuronlab best, ahead of {name} by {difference.mean():.3f}"
    else:
        head = f"{name} best, neuronlab behind by {-difference.mean():.3f}"
    within = abs(difference.mean()) <= error
    return f"{head} ± {error:.3f} paired SE ({'within' if within else 'more than'} one SE)"


def real_data(report: Report, sets, seeds: int, rounds: int) -> None:
    from neuronlab.apps import peers

    try:
        import sklearn  # noqa: F401
    except ImportError:
        report.notes.append("real data: skipped (scikit-learn is not installed: pip install scikit-learn)")
        return
    libraries = list(DATA_COLUMNS)
    results = _alternating(
        "data", libraries, {"sets": sets, "seeds": seeds, "threads": SMALL_THREADS}, rounds, report.workers
    )
    columns = ["data set (25 % held out)", "network"]
    for library in libraries:
        columns += [DATA_COLUMNS[library], "time"]
    table = Table(columns + ["note"])
    for name in sets:
        x, y = _load(name)
        regression = name in REGRESSION
        sizes = f"{x.shape[1]}-100-{1 if regression else int(y.max()) + 1}"
        cells, scores = [f"{name} ({len(y)} rows{', generated' if name == 'friedman1' else ''})", sizes], {}
        for library in libraries:
            runs = [r[name] for r in results[library]]  # rounds x seeds x [score, seconds, what ran]
            values = np.array([run[0] for run in runs[0]])
            seconds = float(np.median([run[1] for rnd in runs for run in rnd]))
            scores[library] = values
            shown = (
                f"R^2 {values.mean():.3f} ± {values.std():.3f}"
                if regression
                else f"{values.mean():.1%} ± {values.std():.1%}"
            )
            cells += [shown, _format(seconds, "s")]
        solvers = sorted({run[2] for run in results["neuronlab"][0][name]})
        note = [_verdict(scores), f"neuronlab ran {', '.join(solvers)}"]
        warned = sum(run[2] == "ConvergenceWarning" for run in results["sklearn"][0][name])
        if warned:
            note.append(f"scikit-learn MLP: ConvergenceWarning in {warned} of {seeds} fits")
        cells.append("; ".join(note))
        table.cells.append(cells)
    report.sections[
        f"Real data: held-out score (mean ± standard deviation over {seeds} seeds, i.e. {seeds} splits "
        f"and starts, the same splits for every library) and median wall time to fit and predict; each "
        f"library in its own process, one thread"
    ] = table
    report.notes.append(
        "Real data: neuronlab is `nl.fit(nl.mlp([d, 100, k], activation='relu', seed=s), x, y)` with every default "
        "on the raw columns (it standardises them itself); scikit-learn's MLP is `peers.sklearn_mlp`: "
        "StandardScaler, then MLPClassifier, or MLPRegressor inside TransformedTargetRegressor(StandardScaler) so "
        f"that the target is scaled too, early_stopping=True, max_iter={peers.MAX_ITER} (a ConvergenceWarning, "
        "if any, is counted in the note); the linear reference is `peers.linear`: RidgeCV on standardised inputs "
        "or a standardised LogisticRegression; the PyTorch loop is an independent baseline: standardised inputs "
        f"and target, 100 relu, Adam lr 1e-3 on batches of 200, early stopping on a 10 % validation split "
        f"(patience {PATIENCE} epochs, best weights restored, at most {MAX_EPOCHS} epochs), float64. Score: "
        "accuracy, or R^2 for diabetes and friedman1 (friedman1: scikit-learn's generated set, 500 rows, noise 1). "
        "The note names the best library by mean score and compares neuronlab with the best other one: the mean "
        "per-split difference ± its paired standard error."
    )


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
        from neuronlab.engine import fastpath
        from neuronlab.engine.network import mlp
        from neuronlab.training.optim import SGD
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
        results = _alternating("memory", ["neuronlab", "torch"], {"sizes": sizes, "batch": batch}, 1, report.workers)
    except (RuntimeError, subprocess.TimeoutExpired) as err:
        report.notes.append(f"memory: the measurement failed: {err}")
        return
    report.add(
        "Peak memory of building the network and two SGD steps (growth of the process's peak RSS from "
        "before any model exists; each library in its own process)",
        Row(f"{'-'.join(map(str, sizes))}, batch {batch}", results["neuronlab"][0], results["torch"][0], unit="MB"),
    )


# ---------------------------------------------------------------- the whole run


def machine(load: tuple) -> dict:
    """What the run ran on; ``load``: the load averages read when the run started."""
    torch = _torch()
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "threads": "each table says how many; the workers' own report is the last table",
        "OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE": ", ".join(
            os.environ.get(name, "(unset)") for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
        ),
        "load average at the start (1, 5, 15 min)": ", ".join(f"{v:.1f}" for v in load),
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load_average() -> tuple:
    try:
        return os.getloadavg()
    except OSError:
        return (math.nan,) * 3


def run(quick: bool = False, progress=None) -> Report:
    """Every benchmark (``quick``: the small cases only). ``progress(done, total, what)``, if given, is called
    after each part, ``done`` and ``total`` counted in cases (a part with more cases counts more)."""
    _torch()
    load = _load_average()
    report = Report(machine=machine(load))
    peak = gemm_peak(report, repeats=5 if quick else 20)
    if quick:
        parts = [
            (
                len(QUICK_STEP_CASES),
                "step times",
                lambda: step_times(
                    report, QUICK_STEP_CASES, repeats=20, budget=0.5, rounds=1, peak=peak, threads=1, per_case=False
                ),
            ),
            (
                len(QUICK_AUTOGRAD_CASES),
                "autograd step times",
                lambda: step_times(
                    report,
                    QUICK_AUTOGRAD_CASES,
                    repeats=20,
                    budget=0.5,
                    rounds=1,
                    peak=peak,
                    threads=1,
                    per_case=False,
                    engine="tensor",
                ),
            ),
            (1, "time to accuracy", lambda: time_to_accuracy(report, TARGETS[:1], neurons=16, cap=2.0)),
            (len(QUICK_DATA_SETS), "real data", lambda: real_data(report, QUICK_DATA_SETS, seeds=2, rounds=1)),
        ]
    else:
        large = [(sizes, batch) for sizes, batch in STEP_CASES if _parameters(sizes) >= 100_000]
        parts = [
            (
                len(STEP_CASES),
                "step times",
                lambda: step_times(report, STEP_CASES, repeats=50, budget=2.0, rounds=3, peak=peak, threads=1),
            ),
            (
                len(large),
                "step times, all cores",
                lambda: step_times(report, large, repeats=30, budget=2.0, rounds=3, peak=peak),
            ),
            (
                len(AUTOGRAD_CASES),
                "autograd step times",
                lambda: step_times(
                    report, AUTOGRAD_CASES, repeats=50, budget=2.0, rounds=3, peak=peak, threads=1, engine="tensor"
                ),
            ),
            (
                len(TARGETS),
                "time to accuracy",
                lambda: time_to_accuracy(report, TARGETS, neurons=16, cap=30.0, rounds=3),
            ),
            (1, "Adam steps", lambda: adam_engine(report, TARGETS[0], neurons=16, steps=ADAM_STEPS, rounds=3)),
            (len(DATA_SETS), "real data", lambda: real_data(report, DATA_SETS, seeds=5, rounds=2)),
            (1, "peak memory", lambda: peak_memory(report, [1024, 2048, 2048, 1024], 1024)),
        ]
    total, done = sum(count for count, _, _ in parts), 0
    for count, what, part in parts:
        part()
        done += count
        if progress is not None:
            progress(done, total, what)
    report.machine["load average at the end (1, 5, 15 min)"] = ", ".join(f"{v:.1f}" for v in _load_average())
    if load[0] > 0.5 * (os.cpu_count() or 1):
        report.notes.append(
            f"This run shared the machine with other work (load average {load[0]:.1f} at the start "
            f"on {os.cpu_count()} cores): timings on all cores swing from round to round (see the "
            "per-round ratios); the one-thread tables are steadier. Compare ratios within one run, "
            "not absolute times across runs."
        )
    report.notes.append(
        "Each library ran in its own worker process (OpenBLAS's threads spin after a NumPy call "
        "and slow a PyTorch step that follows in the same process); with several rounds the workers "
        "alternate in order and the tables give medians over the rounds of the per-process medians. "
        "Threads: the first step-time table runs every library on one thread; the second repeats "
        f"the large cases on all {os.cpu_count()} cores; memory uses all cores; the autograd table, "
        f"time to accuracy, the Adam rows and the real data run every library on {SMALL_THREADS} "
        "thread (faster for all of them at these sizes). PyTorch compiled: torch.compile of the "
        "module (inductor, forward and backward; the optimizer step stays eager), compile time not "
        "counted; a row's ratio is against the faster PyTorch mode. A step-time row whose matrix "
        "multiplies would beat the GEMM peak (the run's one-thread peak times its threads, or the "
        "peak its own workers measured on their threads, whichever is higher) is printed as a "
        "measurement error, not as a time."
    )
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
