"""Benchmarks: neuronlab and PyTorch side by side, in one process, on the same data and starting weights.

    neuronlab bench            # the full table, written to benchmarks/RESULTS.md with --out
    neuronlab bench --quick    # small cases only, in seconds (CI runs it)

Every case prints both times and the ratio (PyTorch time / neuronlab time: above 1 means neuronlab is
faster). Needs torch (and scikit-learn for the digits case, which is skipped with a note without it).
"""

from __future__ import annotations

import gc
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from . import fastpath
from .network import mlp
from .optim import SGD

STEP_CASES = [  # (sizes, batch)
    ([1, 16, 1], 32), ([1, 16, 1], 64), ([1, 32, 1], 256), ([2, 32, 32, 1], 128), ([8, 64, 64, 4], 256),
    ([64, 128, 10], 256), ([784, 128, 10], 256), ([784, 512, 512, 10], 512), ([1024, 2048, 2048, 1024], 1024),
]
QUICK_STEP_CASES = [([1, 16, 1], 64), ([2, 32, 32, 1], 128), ([64, 128, 10], 256)]
LARGE = 1_000_000  # parameters: a case this large is also compared with NumPy's own matrix multiplies
TARGETS = ["sin(x)", "x*sin(3*x)", "tanh(3*x) + 0.2*x^2", "exp(-x^2)*cos(4*x)"]


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("neuronlab bench compares with PyTorch, which is not installed: "
                          "pip install torch==2.13.0 (the CPU build)") from None
    return torch


@dataclass
class Row:
    case: str
    neuronlab: float  # seconds (or another unit, see ``unit``)
    torch: float
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.torch / self.neuronlab if self.neuronlab > 0 else math.inf


@dataclass
class Report:
    sections: dict = field(default_factory=dict)  # title -> list of Row
    machine: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def add(self, section: str, row: Row) -> None:
        self.sections.setdefault(section, []).append(row)

    def rows(self) -> list:
        return [row for rows in self.sections.values() for row in rows]

    def markdown(self) -> str:
        lines = ["# neuronlab benchmark results", ""]
        lines += [f"- {k}: {v}" for k, v in self.machine.items()]
        lines.append("")
        for title, rows in self.sections.items():
            lines += [f"## {title}", "", "| case | neuronlab | PyTorch | ratio (torch / neuronlab) | note |",
                      "|---|---:|---:|---:|---|"]
            for row in rows:
                lines.append(f"| {row.case} | {_format(row.neuronlab, row.unit)} | {_format(row.torch, row.unit)} | "
                             f"{row.ratio:.2f} | {row.note} |")
            lines.append("")
        if self.notes:
            lines += ["## Notes", ""] + [f"- {note}" for note in self.notes] + [""]
        return "\n".join(lines)


def _format(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1e6:.0f} us" if value < 1e-3 else f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.4g} {unit}"


def _best_time(function, repeats: int, budget: float) -> float:
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


# ---------------------------------------------------------------- step time

def _step_functions(sizes, batch, torch, seed=0):
    """One SGD step (forward, mse loss, backward, update) in each library, from the same weights and data."""
    net = mlp(sizes, activation="tanh", seed=seed, dtype="float32")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.normal(size=(batch, sizes[-1])).astype(np.float32)
    fused = fastpath.FusedMLP(net, "mse")
    opt = SGD(net.parameters(), lr=1e-3)

    def ours():
        fused.loss_and_gradients(x, y)
        opt.step()

    module = net.to_torch()
    torch_opt = torch.optim.SGD(module.parameters(), lr=1e-3)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.MSELoss()

    def theirs():
        torch_opt.zero_grad(set_to_none=True)
        loss_fn(module(tx), ty).backward()
        torch_opt.step()

    return ours, theirs, net


def _matmul_time(sizes, batch, repeats, budget) -> float:
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

    return _best_time(multiplies, repeats, budget)


def step_times(report: Report, torch, cases, repeats: int, budget: float) -> None:
    for sizes, batch in cases:
        ours, theirs, net = _step_functions(sizes, batch, torch)
        gc.collect()
        t_ours = _best_time(ours, repeats, budget)
        t_theirs = _best_time(theirs, repeats, budget)
        name = f"{'-'.join(map(str, sizes))}, batch {batch} ({net.n_parameters():,} parameters)"
        note = ""
        if net.n_parameters() >= LARGE:
            t_matmul = _matmul_time(sizes, batch, repeats, budget)
            layers = [a * b for a, b in zip(sizes, sizes[1:])]
            flops = 2 * batch * (3 * sum(layers) - layers[0])  # forward, dL/dW, and dL/da except into the input
            note = (f"NumPy's matmuls alone: {_format(t_matmul, 's')}, so neuronlab reaches "
                    f"{t_matmul / t_ours:.0%} of them; {flops / t_ours / 1e9:.0f} GFLOP/s")
        report.add("Step time (one SGD step, float32, tanh MLP, mse)", Row(name, t_ours, t_theirs, note=note))
        del ours, theirs, net
        gc.collect()


# ---------------------------------------------------------------- time to accuracy

def time_to_accuracy(report: Report, torch, targets, neurons: int, cap: float) -> None:
    from .expr import expr
    from .train import fit

    x = np.linspace(-np.pi, np.pi, 201)
    for text in targets:
        f = expr(text)
        y = f(x)
        started = time.perf_counter()
        reached, restarts = math.inf, 0
        for seed in range(5):  # LM stops at a minimum; if it is not good enough, start again from a new seed
            net = mlp([1, neurons, 1], activation="tanh", seed=seed)
            fit(net, x, y, progress=False,
                callback=lambda epoch, history, net=net: np.abs(net.predict(x)[:, 0] - y).max() > 1e-3)
            if np.abs(net.predict(x)[:, 0] - y).max() <= 1e-3:
                reached = time.perf_counter() - started
                break
            restarts += 1
        # PyTorch with Adam (lr 0.01, full batch) from the same starting weights, checked every 50 steps
        module = mlp([1, neurons, 1], activation="tanh", seed=0).to_torch()
        opt = torch.optim.Adam(module.parameters(), lr=0.01)
        tx, ty = torch.from_numpy(x.reshape(-1, 1)), torch.from_numpy(y.reshape(-1, 1))
        started, steps, torch_time, error = time.perf_counter(), 0, math.inf, math.inf
        while time.perf_counter() - started < cap:
            for _ in range(50):
                opt.zero_grad()
                ((module(tx) - ty) ** 2).mean().backward()
                opt.step()
            steps += 50
            with torch.no_grad():
                error = float((module(tx) - ty).abs().max())
            if error <= 1e-3:
                torch_time = time.perf_counter() - started
                break
        note = "" if math.isfinite(torch_time) else \
            f"PyTorch had not reached it after {steps:,} steps ({cap:g} s cap; max error {error:.2g}): ratio >= {cap / reached:.0f}"
        if restarts:
            note += f"; neuronlab restarted {restarts} time(s) from a new seed"
        if not math.isfinite(reached):
            note += "; neuronlab did not reach it in 5 starts"
        report.add(f"Time to max |error| <= 1e-3 on [-pi, pi], 1-{neurons}-1 tanh (neuronlab auto = Levenberg–Marquardt; "
                   "PyTorch Adam lr 0.01)",
                   Row(text, reached, torch_time if math.isfinite(torch_time) else cap, note=note))


# ---------------------------------------------------------------- digits

def digits(report: Report, torch, hidden: int = 32) -> None:
    try:
        from sklearn.datasets import load_digits
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        report.notes.append("digits: skipped (scikit-learn is not installed: pip install scikit-learn)")
        return
    from .train import fit

    data = load_digits()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data.target))
    x, y = data.data[order] / 16.0, data.target[order]
    split = int(0.8 * len(y))
    x_train, y_train, x_test, y_test = x[:split], y[:split], x[split:], y[split:]

    net = mlp([64, hidden, 10], activation="relu", seed=0)
    started = time.perf_counter()
    history = fit(net, x_train, y_train, loss="cross_entropy", l2=1e-4, epochs=200, progress=False)
    ours = time.perf_counter() - started
    our_accuracy = float(np.mean(np.argmax(net.predict(x_test), axis=1) == y_test))

    import warnings

    sk = MLPClassifier(hidden_layer_sizes=(hidden,), activation="relu", solver="adam", max_iter=200, random_state=0)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.fit(x_train, y_train)
    sk_time = time.perf_counter() - started
    sk_accuracy = float(sk.score(x_test, y_test))

    module = mlp([64, hidden, 10], activation="relu", seed=0).to_torch()
    opt = torch.optim.Adam(module.parameters(), lr=1e-3, weight_decay=1e-4)
    tx, ty = torch.from_numpy(x_train), torch.from_numpy(y_train)
    started = time.perf_counter()
    for _ in range(200):  # 200 epochs of batches of 200, as MLPClassifier's adam does
        permutation = torch.from_numpy(rng.permutation(len(y_train)))
        for first in range(0, len(y_train), 200):
            idx = permutation[first:first + 200]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(module(tx[idx]), ty[idx]).backward()
            opt.step()
    torch_time = time.perf_counter() - started
    with torch.no_grad():
        torch_accuracy = float((module(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean())
    title = f"Digits (scikit-learn's 8x8 set, 64-{hidden}-10 relu, 80/20 split): time, accuracy in the note"
    report.add(title, Row("neuronlab (auto: L-BFGS) vs PyTorch (Adam, 200 epochs)", ours, torch_time,
                          note=f"accuracy: neuronlab {our_accuracy:.1%} ({history.optimizer}), PyTorch {torch_accuracy:.1%}"))
    report.add(title, Row("neuronlab vs scikit-learn MLPClassifier (adam, 200 epochs) [ratio: sklearn/neuronlab]",
                          ours, sk_time, note=f"accuracy: neuronlab {our_accuracy:.1%}, scikit-learn {sk_accuracy:.1%}"))


# ---------------------------------------------------------------- memory

_MEMORY_SCRIPT = r"""
import sys, numpy as np
def rss(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
library, sizes, batch = sys.argv[1], [int(s) for s in sys.argv[2].split('-')], int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
import neuronlab.bench as b, torch
ours, theirs, net = b._step_functions(sizes, batch, torch)
step = ours if library == 'neuronlab' else theirs
before = rss('VmRSS')
open('/proc/self/clear_refs', 'w').write('5')  # reset the peak (VmHWM) to the current size
step(); step()
print(rss('VmHWM') - before)
"""


def peak_memory(report: Report, sizes, batch) -> None:
    source = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = {}
    for library in ("neuronlab", "torch"):
        done = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, library, "-".join(map(str, sizes)), str(batch),
                               source], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            report.notes.append(f"memory ({library}): the measurement failed: {done.stderr.strip()[-200:]}")
            return
        results[library] = float(done.stdout.strip().splitlines()[-1])
    report.add("Peak memory of two SGD steps (growth of the process's peak RSS, after setting up)",
               Row(f"{'-'.join(map(str, sizes))}, batch {batch}", results["neuronlab"], results["torch"], unit="MB"))


# ---------------------------------------------------------------- the whole run

def machine() -> dict:
    torch = _torch()
    info = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "threads (torch)": torch.get_num_threads()}
    try:
        from threadpoolctl import threadpool_info

        blas = [f"{i['internal_api']} {i.get('version', '')} {i.get('architecture', '')}, {i['num_threads']} threads"
                for i in threadpool_info() if i["user_api"] == "blas"]
        info["numpy BLAS"] = "; ".join(blas)
    except ImportError:
        pass
    a = np.random.default_rng(0).normal(size=(2048, 2048)).astype(np.float32)
    t = _best_time(lambda: a @ a, 5, 5.0)
    info["NumPy float32 matmul peak (2048^3)"] = f"{2 * 2048**3 / t / 1e9:.0f} GFLOP/s"
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    return info


def run(quick: bool = False) -> Report:
    torch = _torch()
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    report = Report(machine=machine())
    if quick:
        step_times(report, torch, QUICK_STEP_CASES, repeats=20, budget=0.5)
        time_to_accuracy(report, torch, TARGETS[:1], neurons=16, cap=2.0)
    else:
        step_times(report, torch, STEP_CASES, repeats=50, budget=3.0)
        time_to_accuracy(report, torch, TARGETS, neurons=16, cap=30.0)
        digits(report, torch)
        peak_memory(report, [1024, 2048, 2048, 1024], 1024)
    return report


def print_report(report: Report, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    console.print(", ".join(f"{k}: {v}" for k, v in report.machine.items()))
    for title, rows in report.sections.items():
        table = Table(title=title, title_justify="left")
        for column in ("case", "neuronlab", "PyTorch", "ratio", "note"):
            table.add_column(column, justify="right" if column in ("neuronlab", "PyTorch", "ratio") else "left")
        for row in rows:
            table.add_row(row.case, _format(row.neuronlab, row.unit), _format(row.torch, row.unit), f"{row.ratio:.2f}",
                          row.note)
        console.print(table)
    for note in report.notes:
        console.print(note)
