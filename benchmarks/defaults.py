"""Do ``nl.fit``'s defaults win honestly? Repeated k-fold cross-validation against the peers.

For every task (the six bundled sets and the frozen generated suite in ``suite.py``) and every fold of
``repeats`` x ``folds`` cross-validation (``RepeatedStratifiedKFold`` for classes, ``RepeatedKFold`` for
regression, ``random_state=0``: the same folds for every model), three models train on the training rows
and are scored on the held-out rows (accuracy, or R^2):

- neuronlab: ``nl.fit(nl.mlp([d, 100, k], activation="relu", seed=s), x, y, loss=..., progress=False)``, every
  other default as it stands, on the raw columns (``s`` counts the folds, 0..repeats*folds-1);
- scikit-learn's MLP and the linear reference, exactly as ``neuronlab.peers`` defines them (same ``s``).

Per task: the mean score of each, the paired difference neuronlab - best baseline (the baseline with the
higher mean) and its standard error, std(differences) / sqrt(repeats * folds) -- approximate, since folds
share training rows and are not independent -- and the median fit times. The bar: on every bundled set
difference >= -1 SE and neuronlab's median time <= 1.5x the MLP's; on the suite, difference >= -1 SE
("as good as the best baseline") on at least 80 % of the tasks.

    python benchmarks/defaults.py                                 # everything, writes benchmarks/DEFAULTS.md
    python benchmarks/defaults.py --sets iris,moons --repeats 1 --folds 3 --out -    # a quick look
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import plateau_suite  # benchmarks/plateau_suite.py: tasks that stall L-BFGS, each with its own network
import suite  # benchmarks/suite.py, next to this file

import neuronlab as nl
from neuronlab import peers
from neuronlab.training.train import Scores

BUNDLED = ["iris", "wine", "breast_cancer", "digits", "diabetes", "friedman1"]
BUNDLED_REGRESSION = {"diabetes", "friedman1"}
TIME_BAR = 1.5  # neuronlab's median fit time at most this many times the scikit-learn MLP's
ALL = BUNDLED + suite.TASKS + plateau_suite.TASKS
SUITE_BAR = 0.8  # share of suite tasks where neuronlab is as good as the best baseline


class StudyError(ValueError):
    """A study option that cannot be run (an unknown set, too few folds)."""


def load(name: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """(x, y, regression) of a bundled set or a suite task."""
    if name in suite.TASKS:
        return suite.load(name)
    if name in plateau_suite.TASKS:
        return plateau_suite.load(name)[:3]
    if name not in BUNDLED:
        raise StudyError(f"unknown set {name!r}; the sets are {', '.join(ALL)}")
    from sklearn import datasets

    if name == "friedman1":
        x, y = datasets.make_friedman1(500, noise=1.0, random_state=0)
    else:
        loaded = getattr(datasets, f"load_{name}")()
        x, y = loaded.data, loaded.target
    regression = name in BUNDLED_REGRESSION
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float if regression else int), regression


def score(regression: bool, out, y) -> float:
    """Accuracy, or R^2 (through ``train.Scores``, the one place neuronlab computes it)."""
    out = np.asarray(out)
    if regression:
        return Scores.of("regression", "mse", out.astype(float).reshape(len(y), -1), y)["r2"]
    labels = np.argmax(out, axis=1) if out.ndim == 2 else out
    return float(np.mean(labels == y))


def network_shape(name: str, columns: int, outputs: int) -> tuple[list, str]:
    """The layer sizes and activation neuronlab trains on a task: a 100-unit relu layer, or the plateau
    suite's own network for its tasks."""
    if name in plateau_suite.TASKS:
        return plateau_suite.network(name, columns, outputs)
    return [columns, 100, outputs], "relu"


def _neuronlab(x_train, y_train, regression: bool, shape: tuple[list, str], seed: int):
    sizes, activation = shape  # network_shape's
    net = nl.mlp(sizes, activation=activation, seed=seed)
    history = nl.fit(net, x_train, y_train, loss="mse" if regression else "cross_entropy", progress=False)
    return net, history


def run_task(name: str, repeats: int, folds: int) -> dict:
    """Per-fold scores and fit seconds of the three models on one task."""
    from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

    x, y, regression = load(name)
    classes = 1 if regression else int(y.max()) + 1
    splitter = (RepeatedKFold if regression else RepeatedStratifiedKFold)(
        n_splits=folds, n_repeats=repeats, random_state=0
    )
    rows = {"neuronlab": [], "sklearn MLP": [], "linear": []}
    cpu = {"neuronlab": [], "sklearn MLP": [], "linear": []}  # process CPU seconds: steadier under load
    l2_chosen = []
    shape = network_shape(name, x.shape[1], classes)
    for s, (train, test) in enumerate(splitter.split(x, y)):
        x_train, y_train, x_test, y_test = x[train], y[train], x[test], y[test]
        started, cpu_started = time.perf_counter(), time.process_time()
        net, history = _neuronlab(x_train, y_train, regression, shape, s)
        seconds = time.perf_counter() - started
        cpu["neuronlab"].append(time.process_time() - cpu_started)
        rows["neuronlab"].append((score(regression, net.predict(x_test), y_test), seconds))
        l2_chosen.append(next((r for r in history.reasons if r.startswith("l2")), ""))
        for label, model in (
            ("sklearn MLP", peers.sklearn_mlp(regression, s)),
            ("linear", peers.linear(regression, s)),
        ):
            started, cpu_started = time.perf_counter(), time.process_time()
            model.fit(x_train, y_train)  # warnings (a ConvergenceWarning) are shown, not silenced
            seconds = time.perf_counter() - started
            cpu[label].append(time.process_time() - cpu_started)
            rows[label].append((score(regression, model.predict(x_test), y_test), seconds))
    return {
        "name": name,
        "rows": len(y),
        "columns": x.shape[1],
        "regression": regression,
        "scores": {k: [v[0] for v in r] for k, r in rows.items()},
        "seconds": {k: [v[1] for v in r] for k, r in rows.items()},
        "cpu": cpu,
        "l2": l2_chosen,
        "network": shape,
    }


def summarise(result: dict) -> dict:
    """Means, the paired difference to the best baseline with its (approximate) standard error, times."""
    scores = {k: np.asarray(v) for k, v in result["scores"].items()}
    best = max(("sklearn MLP", "linear"), key=lambda k: scores[k].mean())
    difference = scores["neuronlab"] - scores[best]  # paired: the same fold for both
    se = float(difference.std(ddof=1) / np.sqrt(len(difference))) if len(difference) > 1 else float("nan")
    times = {k: float(np.median(v)) for k, v in result["seconds"].items()}
    cpu = {k: float(np.median(v)) for k, v in result.get("cpu", {}).items()}
    return {
        "means": {k: float(v.mean()) for k, v in scores.items()},
        "best": best,
        "difference": float(difference.mean()),
        "se": se,
        "as_good": float(difference.mean()) >= -se,
        "times": times,
        "time_ratio": times["neuronlab"] / times["sklearn MLP"],
        "cpu_ratio": cpu["neuronlab"] / cpu["sklearn MLP"] if cpu else float("nan"),
    }


def _fmt(value: float, regression: bool) -> str:
    return f"{value:.3f}" if regression else f"{100 * value:.1f} %"


def _l2_summary(reasons: list) -> str:
    """The l2 values fit chose across the folds, e.g. "0.01 x18, 0.1 x7"."""
    values = []
    for reason in reasons:
        word = reason.split(":", 1)[1].split()[0].rstrip(",") if ":" in reason else "?"
        values.append(word)
    counts = {v: values.count(v) for v in dict.fromkeys(values)}
    return ", ".join(f"{v} x{c}" for v, c in counts.items())


def table(results: list) -> list:
    lines = [
        (
            "| task | rows x cols | neuronlab | sklearn MLP | linear | neuronlab - best ± SE | as good | "
            "time nl / MLP | CPU nl / MLP | l2 chosen |"
        ),
        "|---|---:|---:|---:|---:|---:|:---:|---:|---:|---|",
    ]
    for result in results:
        s, reg = summarise(result), result["regression"]
        scale = 1 if reg else 100
        unit = "" if reg else " pts"
        digits = 3 if reg else 1
        lines.append(
            f"| {result['name']}{' (R²)' if reg else ''} | {result['rows']} x {result['columns']} | "
            f"{_fmt(s['means']['neuronlab'], reg)} | {_fmt(s['means']['sklearn MLP'], reg)} | "
            f"{_fmt(s['means']['linear'], reg)} | {scale * s['difference']:+.{digits}f} ± {scale * s['se']:.{digits}f}"
            f"{unit} (vs {s['best']}) | {'yes' if s['as_good'] else '**no**'} | "
            f"{1000 * s['times']['neuronlab']:.0f} / {1000 * s['times']['sklearn MLP']:.0f} ms = "
            f"{s['time_ratio']:.2f}x | {s['cpu_ratio']:.2f}x | {_l2_summary(result['l2'])} |"
        )
    return lines


def verdict(results: list) -> list:
    bundled = [r for r in results if r["name"] in BUNDLED]
    generated = [r for r in results if r["name"] in suite.TASKS]
    lines = []
    if bundled:
        misses = []
        for r in bundled:
            s = summarise(r)
            if not s["as_good"]:
                misses.append(f"{r['name']} (behind by {-s['difference']:.4g}, {-s['difference'] / s['se']:.1f} SE)")
            if s["time_ratio"] > TIME_BAR:
                misses.append(f"{r['name']} ({s['time_ratio']:.2f}x the MLP's time)")
        lines.append(
            f"- Bundled sets ({len(bundled)}): within one paired SE of the best baseline and at most "
            f"{TIME_BAR}x the MLP's time on " + ("every one." if not misses else "all but: " + "; ".join(misses) + ".")
        )
    if generated:
        good = [r["name"] for r in generated if summarise(r)["as_good"]]
        share = len(good) / len(generated)
        missed = [r["name"] for r in generated if r["name"] not in good]
        lines.append(
            f"- Frozen suite: as good as the best baseline on {len(good)} of {len(generated)} tasks "
            f"({share:.0%}; the bar is {SUITE_BAR:.0%}: {'met' if share >= SUITE_BAR else '**not met**'})"
            + (f"; not on {', '.join(missed)}." if missed else ".")
        )
    stalling = [r for r in results if r["name"] in plateau_suite.TASKS]
    if stalling:
        good = [r["name"] for r in stalling if summarise(r)["as_good"]]
        missed = [r["name"] for r in stalling if r["name"] not in good]
        lines.append(
            f"- Plateau suite (each task with its own small network): as good as the best baseline on "
            f"{len(good)} of {len(stalling)} tasks" + (f"; not on {', '.join(missed)}." if missed else ".")
        )
    return lines


def machine(load_start, load_end) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores shared with other work; load average (1, 5, 15 min) "
        f"{', '.join(f'{v:.1f}' for v in load_start)} at the start, {', '.join(f'{v:.1f}' for v in load_end)} "
        f"at the end; one BLAS thread for every model; Python {platform.python_version()}, NumPy {np.__version__}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="all", help="comma-separated tasks, or 'bundled', 'suite', 'all'")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--out", default=str(Path(__file__).with_name("DEFAULTS.md")), help="markdown table to write ('-': print only)"
    )
    parser.add_argument("--json", help="also write every fold's scores and times here")
    args = parser.parse_args(argv)
    groups = {"bundled": BUNDLED, "suite": suite.TASKS, "plateau": plateau_suite.TASKS, "all": ALL}
    names = [n for part in args.sets.split(",") for n in groups.get(part, [part])]
    if args.folds < 2 or args.repeats < 1:
        raise StudyError("need at least 2 folds and 1 repeat")
    for name in names:
        if name not in ALL:
            raise StudyError(f"unknown set {name!r}; the sets are {', '.join(ALL)}")
    command = "python benchmarks/defaults.py " + " ".join(sys.argv[1:] if argv is None else argv)
    load_start, started = os.getloadavg(), time.perf_counter()
    results = []
    with threadpool_limits(1):
        for name in names:
            results.append(run_task(name, args.repeats, args.folds))
            print("\n".join(table(results[-1:])[2:]), flush=True)
            done = len(results) == len(names)
            text = report(
                results,
                command,
                args,
                load_start,
                started,
                "" if done else f"**Partial: {len(results)} of {len(names)} tasks so far (the run is still going).**",
            )
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=1))
            if args.out != "-":
                _write(Path(args.out), text)
    print(text)
    return 0


def report(results, command, args, load_start, started, note: str) -> str:
    minutes = (time.perf_counter() - started) / 60
    lines = [
        (
            f"Command: `{command.strip()}` ({args.repeats} x {args.folds}-fold CV), "
            f"{datetime.date.today().isoformat()}, {minutes:.0f} min."
        ),
        "",
        "Machine: " + machine(load_start, os.getloadavg()),
        "",
        *([note, ""] if note else []),
        *table(results),
        "",
        *verdict(results),
    ]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Put the generated table between the markers of DEFAULTS.md (the prose around it is kept)."""
    begin, end = "<!-- table: generated by benchmarks/defaults.py -->", "<!-- end of table -->"
    old = path.read_text() if path.exists() else f"# fit's defaults against the peers\n\n{begin}\n{end}\n"
    if begin not in old or end not in old:
        old = old.rstrip() + f"\n\n{begin}\n{end}\n"
    head, rest = old.split(begin, 1)
    path.write_text(head + begin + "\n" + text + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    sys.exit(main())
