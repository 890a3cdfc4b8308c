"""The ``neuronlab`` command.

    neuronlab fit "x*sin(3*x)" --domain -3 3 --hidden 16 --out fit-out
    neuronlab fit --data points.csv --target y

A user's mistake prints one line on stderr and exits with code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from neuronlab import data as _data
from neuronlab.views import plot
from neuronlab.expr import expr
from neuronlab.io import atomic_write
from neuronlab.engine.network import mlp
from neuronlab.training.train import Scores, fit

MAX_POINTS = 1_000_000
MAX_NEURONS = 4096
MAX_LAYERS = 32


class UsageError(ValueError):
    """A command-line argument that cannot be used."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr, exit code 2 (argparse prints usage too)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _layers(args) -> list[int]:
    if args.layers is not None:
        try:
            sizes = [int(s) for s in args.layers.split(",") if s.strip()]
        except ValueError:
            raise UsageError(
                f"--layers takes neuron counts separated by commas, like 16,16; got {args.layers!r}"
            ) from None
        if not sizes:
            raise UsageError("--layers needs at least one hidden layer, like 16 or 16,16")
    else:
        sizes = [args.hidden]
    if not all(1 <= s <= MAX_NEURONS for s in sizes) or len(sizes) > MAX_LAYERS:
        raise UsageError(
            f"hidden layers need 1 to {MAX_NEURONS} neurons each, at most {MAX_LAYERS} layers; got {sizes}"
        )
    return sizes


def _fit_options(args) -> dict:
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {args.epochs}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive number, got {args.lr}")
    return {
        "optimizer": args.optimizer,
        "lr": args.lr,
        "epochs": args.epochs,
        "seed": args.seed,
        "progress": not args.quiet,
    }


@contextlib.contextmanager
def output_folder(out, names):
    """A folder for a command's outputs ``names``, checked before any work and filled all at once.

    Yields a temporary folder beside ``out`` to write into; when the block ends without an error, each file
    moves into ``out`` (created if need be), replacing its older version. A failure in the block leaves
    ``out`` as it was: never a new model beside an old summary. Anything in the way (``out`` a file, an output
    name taken by a folder) is a UsageError before the work starts.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder")
    for name in names:
        if (out / name).exists() and not (out / name).is_file():
            raise UsageError(f"{out / name} is in the way (not a file); remove it or choose another --out")
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=parent))
    try:
        yield staging
        out.mkdir(exist_ok=True)
        for path in staging.iterdir():
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class Eta:
    """A progress bar with the time left, as tqdm shows it (rich's TimeRemainingColumn), for a command's long
    work: ``update(done, total, what)`` after each piece (the library functions' ``progress`` callback);
    ``note(text)`` says what the current piece is doing. Drawn on stderr (or ``console``), so the command's
    printed results stay clean; ``with Eta(...) as eta:``."""

    def __init__(self, description: str, console=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[what]}"),
            console=console or Console(stderr=True),
        )
        self.task = self.progress.add_task(description, total=None, what="")

    def __enter__(self) -> "Eta":
        self.live = self.progress.console.is_terminal  # elsewhere (a log, a pipe): the last state, once, at the end
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:  # the error's one line is all the user sees: the bar goes
            self.progress.live.transient = True
        if self.live:
            self.progress.stop()
        elif kind is None:
            self.progress.console.print(self.progress.get_renderable())

    def update(self, done: int, total: int, what: str = "") -> None:
        self.progress.update(self.task, completed=done, total=total, what=what)

    def note(self, what: str) -> None:
        self.progress.update(self.task, what=what)


def _write_summary(out: Path, summary: dict) -> None:
    atomic_write(out / "summary.json", lambda f: f.write(json.dumps(summary, indent=2).encode()))


def _fit_expression(args) -> int:
    f = expr(args.expression)
    if "y" in f.variables:
        raise UsageError(f"fit takes a function of x alone; {args.expression!r} uses y")
    a, b = args.domain
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise UsageError(f"--domain needs two finite numbers A < B, got {a} {b}")
    if not 2 <= args.points <= MAX_POINTS:
        raise UsageError(f"--points must be between 2 and {MAX_POINTS}, got {args.points}")
    x = np.linspace(a, b, args.points)
    y = f(x)
    if not np.all(np.isfinite(y)):
        bad = x[~np.isfinite(y)][0]
        raise UsageError(f"{args.expression} is not finite at x = {bad:g}; choose a domain where it is defined")
    sizes = _layers(args)
    written = ["model.npz", "fit.png", "summary.json"] + (["fit.gif"] if args.animate else [])
    with output_folder(args.out, written) as out:
        _fit_expression_into(out, args, f, x, y, sizes, a, b)
    print("wrote " + ", ".join(str(Path(args.out) / name) for name in written))
    return 0


def _fit_expression_into(out: Path, args, f, x, y, sizes, a, b) -> None:
    # fit standardises x and y itself and keeps that scaling in the network (saved with it)
    net = mlp([1, *sizes, 1], activation=args.activation, seed=args.seed)
    # an expression is sampled without noise: there is nothing to overfit, so every point trains (fit's
    # default would hold 15 % out and stop early, at 10x the error)
    options = {**_fit_options(args), "validation": 0.0}
    if args.animate:
        history = plot.animate_fit(net, x, y, out / "fit.gif", target=f, loss="mse", **options)
    else:
        history = fit(net, x, y, loss="mse", **options)

    err = np.abs(net.predict(x)[:, 0] - y)
    print(
        f"{args.expression} on [{a:g}, {b:g}] with {net.describe()}: max |error| {err.max():.4g}, "
        f"mean |error| {err.mean():.4g} over {len(x)} points ({history.epochs} epochs, {history.time:.2f} s)"
    )
    net.save(out / "model.npz")
    plot.save(plot.function_fit(net, f, (a, b), history), out / "fit.png")
    _write_summary(
        out,
        {
            "expression": args.expression,
            "domain": [a, b],
            "network": net.describe(),
            "max_abs_error": float(err.max()),
            "mean_abs_error": float(err.mean()),
            "epochs": history.epochs,
            "seconds": history.time,
            "optimizer": history.optimizer,
            "optimizer_reason": history.optimizer_reason,
            "choices": history.reasons,
        },
    )


def _fit_data(args) -> int:
    written = ["model.npz", "fit.png", "summary.json"]
    with output_folder(args.out, written) as out:
        _fit_data_into(out, args)
    print("wrote " + ", ".join(str(Path(args.out) / name) for name in written))
    return 0


def _fit_data_into(out: Path, args) -> None:
    ds = _data.load_csv(args.data, args.target, task=args.task)
    print(f"target {ds.target_name!r}: {ds.reason}")
    sizes = _layers(args)
    n = len(ds.x)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(n)
    n_test = int(round(0.2 * n)) if n >= 10 else 0
    test, train = order[:n_test], order[n_test:]
    is_test = np.zeros(n, bool)
    is_test[test] = True
    summary = {
        "data": str(args.data),
        "task": ds.task,
        "features": ds.feature_names,
        "target": ds.target_name,
        "rows": n,
        "held_out_rows": n_test,
        "task_reason": ds.reason,
    }

    if ds.task == "classification":
        k = ds.n_classes
        net = mlp([ds.x.shape[1], *sizes, k], activation=args.activation, seed=args.seed)
        history = fit(net, ds.x[train], ds.y[train], loss="cross_entropy", **_fit_options(args))
        predicted = np.argmax(net.predict(ds.x), axis=1)
        where = test if n_test else train
        accuracy = float(np.mean(predicted[where] == ds.y[where]))
        split = "held-out" if n_test else "training"
        print(
            f"{ds.target_name}: {k} classes ({', '.join(ds.classes)}) from {len(ds.feature_names)} features, "
            f"{net.describe()}: accuracy {accuracy:.1%} on {len(where)} {split} rows "
            f"({history.epochs} epochs, {history.time:.2f} s)"
        )
        figure = plot.confusion(ds.y[where], predicted[where], ds.classes, history)
        summary.update(
            classes=ds.classes,
            accuracy=accuracy,
            accuracy_on=split,
            note="the network outputs one score (logit) per class, in the order of 'classes'",
        )
    else:
        net = mlp([ds.x.shape[1], *sizes, 1], activation=args.activation, seed=args.seed)
        history = fit(net, ds.x[train], ds.y[train], loss="mse", **_fit_options(args))
        predicted = net.predict(ds.x)[:, 0]
        where = test if n_test else train
        err = np.abs(predicted[where] - ds.y[where])
        scores = Scores.of("regression", "mse", predicted[where], ds.y[where])
        rmse, r2 = scores["rmse"], scores["r2"]
        split = "held-out" if n_test else "training"
        print(
            f"{ds.target_name} from {len(ds.feature_names)} features, {net.describe()}: on {len(where)} {split} "
            f"rows max |error| {err.max():.4g}, mean |error| {err.mean():.4g}, RMSE {rmse:.4g}, R^2 {r2:.4f} "
            f"({history.epochs} epochs, {history.time:.2f} s)"
        )
        figure = plot.predicted_vs_actual(ds.y, predicted, history, test_mask=is_test)
        summary.update(
            max_abs_error=float(err.max()), mean_abs_error=float(err.mean()), rmse=rmse, r2=r2, errors_on=split
        )
    net.save(out / "model.npz")
    plot.save(figure, out / "fit.png")
    summary.update(
        network=net.describe(),
        epochs=history.epochs,
        seconds=history.time,
        optimizer=history.optimizer,
        optimizer_reason=history.optimizer_reason,
        choices=history.reasons,
    )
    _write_summary(out, summary)


def _fit(args) -> int:
    if (args.expression is None) == (args.data is None):
        raise UsageError('give an expression to fit, like "sin(3*x)", or --data FILE.csv (not both)')
    if args.task != "auto" and args.data is None:
        raise UsageError("--task is for --data FILE.csv")
    if args.target is not None and args.data is None:
        raise UsageError("--target names a column of --data FILE.csv")
    if args.animate and args.data is not None:
        raise UsageError("--animate draws a function of x; it is for expressions, not --data")
    return _fit_data(args) if args.data is not None else _fit_expression(args)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="neuronlab", description="See, and do, how neurons network to learn (almost) anything.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    p = commands.add_parser(
        "fit",
        help="fit a network to an expression or a CSV file",
        description="Fit a network to a function of x (an expression) or to a CSV file, "
        "and write the model, a plot and a summary into --out.",
    )
    p.add_argument("expression", nargs="?", help='a function of x, e.g. "x*sin(3*x)" (^ means power)')
    p.add_argument("--data", metavar="FILE.csv", help="a CSV file with a header row")
    p.add_argument("--target", metavar="COLUMN", help="the CSV column to predict (default: the last)")
    p.add_argument(
        "--task",
        choices=["auto", "classification", "regression"],
        default="auto",
        help="what the target is (default: auto, guessed from the column and printed with the reason)",
    )
    p.add_argument(
        "--domain",
        nargs=2,
        type=float,
        default=(-3.0, 3.0),
        metavar=("A", "B"),
        help="the x range for an expression (default: -3 3)",
    )
    p.add_argument("--points", type=int, default=200, help="sample points of the expression (default: 200)")
    p.add_argument("--hidden", type=int, default=16, help="neurons in the single hidden layer (default: 16)")
    p.add_argument("--layers", metavar="N,N,...", help="hidden layer sizes instead of --hidden, e.g. 16,16")
    p.add_argument("--activation", default="tanh", help="hidden activation (default: tanh)")
    p.add_argument(
        "--optimizer",
        default="auto",
        choices=["auto", "lm", "lbfgs", "adam", "sgd"],
        help="auto: Levenberg–Marquardt, L-BFGS or Adam, the fastest by estimated time",
    )
    p.add_argument("--lr", type=float, help="learning rate (default: 0.01 for Adam, 0.1 for SGD)")
    p.add_argument(
        "--epochs",
        type=int,
        help="passes over the data, or iterations of Levenberg–Marquardt "
        "and L-BFGS (default: about 3000 steps of Adam/SGD; at most 1000 iterations)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed for weights and shuffles (default: 0)")
    p.add_argument("--out", default="neuronlab-fit", help="output folder (default: neuronlab-fit)")
    p.add_argument("--animate", action="store_true", help="also write fit.gif: the output learning the target")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_fit)

    p = commands.add_parser(
        "approx",
        help="build a network certified to stay within eps of a function",
        description="Build a one-hidden-layer network within eps of EXPR on the domain "
        "(universal approximation, made concrete), print its certificate and "
        "write the network, a picture and the certificate into --out.",
    )
    p.add_argument("expression", help="a function of x (or of x and y with four --domain numbers)")
    p.add_argument("--eps", type=float, required=True, help="the largest error allowed anywhere on the domain")
    p.add_argument(
        "--domain",
        nargs="+",
        type=float,
        default=[-1.0, 1.0],
        metavar="A",
        help="A B for f(x) (default: -1 1), or A B C D for f(x, y) on [A, B] x [C, D]",
    )
    p.add_argument("--activation", default="relu", choices=["relu", "step", "sigmoid", "tanh"])
    p.add_argument("--max-neurons", type=int, default=10_000, help="refuse larger constructions (default: 10000)")
    p.add_argument("--out", default="neuronlab-approx", help="output folder (default: neuronlab-approx)")
    p.add_argument("--animate", action="store_true", help="also write approx.gif: neurons added one by one")
    p.add_argument(
        "--compare",
        action="store_true",
        help="also train the same architecture by backprop (from random and from the construction)",
    )
    p.set_defaults(run=_approx)

    p = commands.add_parser(
        "play",
        help="open the playground: a local web page where neurons learn live",
        description="Serve the playground on this machine and open it in the browser.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765; the next free one if busy)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(run=_play)

    p = commands.add_parser(
        "bench",
        help="time neuronlab against PyTorch, side by side",
        description="Run the benchmarks, each library in its own process: step times of the "
        "fused fast path and of the Tensor engine against PyTorch eager and "
        "compiled, from 1-16-1 to 1024-2048-2048-1024; time to max error 1e-3 "
        "(Levenberg-Marquardt against MINPACK, PyTorch L-BFGS and Adam); 2,000 "
        "Adam steps; real data (neuronlab's defaults beside a competent "
        "scikit-learn MLP, a linear model and a PyTorch loop); peak memory.",
    )
    p.add_argument("--quick", action="store_true", help="small cases only (seconds)")
    p.add_argument("--out", metavar="FILE.md", help="also write the results as a Markdown table")
    p.set_defaults(run=_bench)

    p = commands.add_parser(
        "lesson",
        help="the walk-through: a neuron decides, XOR, superposition, bumps, activations, gradient descent",
        description="Write the lesson's figures and a Markdown page linking them, in order.",
    )
    p.add_argument("--out", default="neuronlab-lesson", help="output folder (default: neuronlab-lesson)")
    p.add_argument("--reveal", action="store_true", help="include the answer to the exercise")
    p.set_defaults(run=_lesson)

    p = commands.add_parser(
        "site",
        help="write the lesson as one web page that works with nothing installed",
        description="Write DIR/index.html: the playground's Lesson tab (every chapter) and its "
        "Backprop walk-through of the default network, with the engine's numbers "
        "in it, as one self-contained file that works opened from disk or from any "
        "static web host, with no Python and no server.",
    )
    p.add_argument("directory", metavar="DIR", help="the folder to write index.html into (created if need be)")
    p.set_defaults(run=_site)

    p = commands.add_parser(
        "explain",
        help="one backpropagation step, every number shown and checked",
        description="Explain backpropagation on a small network for one training point: "
        "forward values, the chain rule backwards with the numbers, a check "
        "against central differences, and one gradient-descent step. "
        "Default: the lesson's 1-2-1 sigmoid network.",
    )
    p.add_argument("--model", metavar="FILE", help="a saved network (default: the lesson's 1-2-1 network)")
    p.add_argument("--x", default="0.5", help="the input, comma-separated for several inputs (default: 0.5)")
    p.add_argument("--y", default="1.0", help="the target, comma-separated for several outputs (default: 1.0)")
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate of the step shown (default: 0.2, as in the lesson's backprop figure)",
    )
    p.add_argument("--graph", metavar="FILE.svg", help="also write the computation graph as SVG")
    p.set_defaults(run=_explain)

    p = commands.add_parser(
        "draw",
        help="draw a saved network as SVG or Excalidraw",
        description="Draw a saved network: neurons, weighted edges, biases, activations.",
    )
    p.add_argument("model", help="a network file written by neuronlab")
    p.add_argument("--format", choices=["svg", "excalidraw"], default="svg")
    p.add_argument("--out", help="output file (default: the model's name with .svg or .excalidraw)")
    p.set_defaults(run=_draw)
    return parser


def _numbers(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"{name} takes numbers separated by commas, got {text!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise UsageError(f"{name} must be finite numbers, got {text!r}")
    return values


def _approx(args) -> int:
    f = expr(args.expression)
    if len(args.domain) not in (2, 4):
        raise UsageError(f"--domain takes A B (for f(x)) or A B C D (for f(x, y)), got {len(args.domain)} numbers")
    domain = tuple(args.domain) if len(args.domain) == 2 else (tuple(args.domain[:2]), tuple(args.domain[2:]))
    two_d = len(args.domain) == 4
    if "y" in f.variables and not two_d:
        raise UsageError(f"{args.expression!r} uses y: give the rectangle as --domain A B C D")
    if (args.animate or args.compare) and two_d:
        raise UsageError("--animate and --compare are for functions of x alone")
    if args.compare and args.activation == "step":
        raise UsageError("--compare trains by backprop, which cannot train step neurons; use relu, sigmoid or tanh")
    written = ["model.npz", "approx.png", "certificate.json"] + (["approx.gif"] if args.animate else [])
    with output_folder(args.out, written) as out:
        _approx_into(out, args, f, domain, two_d)
    print("wrote " + ", ".join(str(Path(args.out) / name) for name in written))
    return 0


def _approx_into(out: Path, args, f, domain, two_d: bool) -> None:
    from neuronlab.approximate import approximate, compare

    steps = (
        ["the construction", "its picture"]
        + (["the animation"] if args.animate else [])
        + (["training to compare"] if args.compare else [])
    )
    with Eta("approximation") as eta:
        eta.update(0, len(steps), steps[0])
        net = approximate(
            f,
            domain,
            args.eps,
            args.activation,
            max_neurons=args.max_neurons,
            progress=lambda stage, count: eta.note(f"{steps[0]}: {stage} {count:,}"),
        )
        certificate = net.certificate
        net.save(out / "model.npz")
        eta.update(1, len(steps), steps[1])
        figure = plot.approximation_2d(net, f) if two_d else plot.approximation(net, f)
        plot.save(figure, out / "approx.png")
        record = {k: v for k, v in certificate.__dict__.items()}
        record.update(expression=args.expression, summary=certificate.summary())
        if args.animate:
            eta.update(steps.index("the animation"), len(steps), "the animation")
            plot.animate_construction(net, f, out / "approx.gif")
        if args.compare:
            eta.update(steps.index("training to compare"), len(steps), "training to compare")
            comparison = compare(f, domain, neurons=certificate.neurons, activation=args.activation)
        eta.update(len(steps), len(steps), "done")
    print(certificate.summary())
    if args.compare:
        print(comparison.table())
        record["compare"] = [{k: v for k, v in row.items() if k != "network"} for row in comparison.rows]
    atomic_write(out / "certificate.json", lambda fh: fh.write(json.dumps(record, indent=2, default=str).encode()))


def free_port(host: str, port: int, tries: int = 20) -> int:
    """``port`` if it can be bound on ``host``, else the next free one (at most ``tries`` further)."""
    import socket

    if not 1 <= port <= 65535:
        raise UsageError(f"--port must be between 1 and 65535, got {port}")
    for candidate in range(port, min(port + tries, 65536)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    raise UsageError(f"ports {port} to {port + tries - 1} on {host} are all busy; choose another with --port")


def _play(args) -> int:
    import secrets
    import threading
    import webbrowser

    import uvicorn

    from neuronlab.apps.playground.server import LOOPBACK, UVICORN_LIMITS, create_app
    from neuronlab.apps.playground.session import use_one_blas_thread

    use_one_blas_thread()  # many small trainings in threads: BLAS threads would only spin
    port = free_port(args.host, args.port)
    if port != args.port:
        print(f"port {args.port} is busy; using {port}")
    token = None if args.host in LOOPBACK else secrets.token_urlsafe(24)
    url = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{port}/"
    if token is not None:
        url += f"?token={token}"
        print(
            f"warning: serving on {args.host} lets other machines on the network reach this playground; "
            "it answers only with the token in this URL (keep it private)",
            file=sys.stderr,
        )
    print(f"neuronlab playground: {url}  (Ctrl-C stops it)")
    if not args.no_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    uvicorn.run(
        create_app(hosts=[args.host], token=token), host=args.host, port=port, log_level="warning", **UVICORN_LIMITS
    )
    return 0


def _bench(args) -> int:
    from neuronlab.apps.bench import print_report, run

    with Eta("benchmarks") as eta:
        report = run(quick=args.quick, progress=eta.update)
    print_report(report)
    # a refused row says itself that it is a measurement error; any other row without a ratio is a failure
    bad = [row.case for row in report.rows() if not row.refused and not (math.isfinite(row.ratio) and row.ratio > 0)]
    if args.out:
        atomic_write(args.out, lambda f: f.write(report.markdown().encode("utf-8")))
        print(f"wrote {args.out}")
    if bad:
        print(f"neuronlab bench: error: no finite ratio for {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


def _lesson(args) -> int:
    from neuronlab.apps.lesson import write

    with Eta("lesson figures") as eta:
        page = write(args.out, reveal=args.reveal, progress=eta.update)
    print(
        f"wrote the lesson to {page} (figures beside it)"
        + ("" if args.reveal else "; the exercise's answer: neuronlab lesson --reveal")
    )
    return 0


def _site(args) -> int:
    from neuronlab.apps.site import write

    path = write(args.directory)
    print(f"wrote {path} ({path.stat().st_size / 1e3:,.0f} kB): open it in a browser, or put it on any web host")
    return 0


def _explain(args) -> int:
    from neuronlab.apps.explain import DEFAULT_LR, explain
    from neuronlab.io import load

    net = load(args.model) if args.model else None
    lr = DEFAULT_LR if args.lr is None else args.lr
    if not (math.isfinite(lr) and lr > 0):
        raise UsageError(f"--lr must be a positive number, got {lr}")
    result = explain(net, _numbers(args.x, "--x"), _numbers(args.y, "--y"), lr=lr)
    result.print()
    if args.graph:
        from neuronlab.views.diagram import computation_graph
        from neuronlab.apps.explain import default_network
        from neuronlab.engine.losses import mse

        work = (net or default_network()).copy()
        x = np.array([_numbers(args.x, "--x")])
        loss = mse(work(x), np.array([_numbers(args.y, "--y")]))
        loss.backward()
        names = {
            p: f"{kind}{i + 1}" for i, layer in enumerate(work.layers) for kind, p in (("W", layer.W), ("b", layer.b))
        }
        svg = computation_graph(loss, names)
        atomic_write(args.graph, lambda f: f.write(svg.encode("utf-8")))
        print(f"wrote the computation graph to {args.graph}")
    return 0


def _draw(args) -> int:
    from neuronlab.views.diagram import diagram
    from neuronlab.io import load

    net = load(args.model)
    out = Path(args.out) if args.out else Path(args.model).with_suffix("." + args.format)
    text = diagram(net, format=args.format)
    atomic_write(out, lambda f: f.write(text.encode("utf-8")))
    print(f"wrote {out} ({net.describe()})")
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"neuronlab {args.command}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, ImportError) as err:  # our errors say what went wrong (and what to install)
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"neuronlab {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
