import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neuronlab as nl
from neuronlab.apps.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_fit_expression_writes_model_plot_and_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "fit",
                "x*sin(3*x)",
                "--domain",
                "-2",
                "2",
                "--hidden",
                "16",
                "--epochs",
                "3000",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "max |error|" in printed and "mean |error|" in printed
    net = nl.load(out / "model.npz")  # its scaling is saved with it: it takes raw x
    x = np.linspace(-2, 2, 200)
    error = np.abs(net.predict(x)[:, 0] - x * np.sin(3 * x))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["max_abs_error"] == pytest.approx(error.max(), rel=1e-9)
    # Levenberg–Marquardt with 16 tanh neurons on every point reaches about 1e-4 on this smooth target
    assert error.max() < 2e-3 and error.mean() < 5e-4 and summary["choices"] is not None
    assert (out / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fit_csv_regression_and_classification(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (200, 2))
    table = "\n".join(f"{a:.5f},{b:.5f},{2 * a - b:.5f}" for a, b in x)
    (tmp_path / "points.csv").write_text("a,b,target\n" + table + "\n")
    assert main(["fit", "--data", str(tmp_path / "points.csv"), "--out", str(tmp_path / "reg"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "on 40 held-out rows" in printed and "R^2" in printed
    assert json.loads((tmp_path / "reg" / "summary.json").read_text())["r2"] > 0.99

    labels = np.where(x[:, 0] * x[:, 1] > 0, "same", "different")
    table = "\n".join(f"{a:.5f},{label},{b:.5f}" for (a, b), label in zip(x, labels))
    (tmp_path / "classes.csv").write_text("a,sign,b\n" + table + "\n")
    assert (
        main(
            [
                "fit",
                "--data",
                str(tmp_path / "classes.csv"),
                "--target",
                "sign",
                "--hidden",
                "12",
                "--out",
                str(tmp_path / "cls"),
                "--quiet",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "2 classes (different, same)" in printed and "accuracy" in printed
    summary = json.loads((tmp_path / "cls" / "summary.json").read_text())
    assert summary["accuracy"] >= 0.9 and summary["classes"] == ["different", "same"]
    net = nl.load(tmp_path / "cls" / "model.npz")
    assert net.outputs == 2


def test_fit_csv_of_raw_columns_generalises_like_a_careful_scikit_learn_user(tmp_path, capsys):
    """Diabetes with its raw columns (age in years, blood pressure, ...): the command's defaults score on the
    held-out rows at least as well as scikit-learn's StandardScaler + MLPRegressor on the same split."""
    from conftest import _require

    datasets = _require("sklearn.datasets", "the reference for held-out scores")
    pipeline = _require("sklearn.pipeline", "the reference for held-out scores")
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    data = datasets.load_diabetes(scaled=False)
    columns = list(data.feature_names) + ["progression"]
    rows = "\n".join(",".join(f"{v:g}" for v in row) for row in np.column_stack([data.data, data.target]))
    (tmp_path / "diabetes.csv").write_text(",".join(columns) + "\n" + rows + "\n")
    assert (
        main(
            [
                "fit",
                "--data",
                str(tmp_path / "diabetes.csv"),
                "--hidden",
                "100",
                "--activation",
                "relu",
                "--out",
                str(tmp_path / "run"),
                "--quiet",
            ]
        )
        == 0
    )
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    order = np.random.default_rng(0).permutation(len(data.target))  # the command's split (seed 0, 20 % held out)
    test, train = order[: summary["held_out_rows"]], order[summary["held_out_rows"] :]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLPRegressor's convergence warning
        reference = pipeline.make_pipeline(StandardScaler(), MLPRegressor(random_state=0))
        reference.fit(data.data[train], data.target[train])
    theirs = reference.score(data.data[test], data.target[test])
    print(
        f"diabetes held-out R^2: neuronlab fit {summary['r2']:.3f} ({summary['optimizer']}, "
        f"{summary['seconds']:.2f} s), scikit-learn pipeline {theirs:.3f}"
    )
    assert summary["r2"] >= max(theirs, 0.3)
    assert any(
        choice.startswith("l2: ") and "chosen by validation on the training rows only" in choice
        for choice in summary["choices"]
    )
    net = nl.load(tmp_path / "run" / "model.npz")
    assert net.scaling is not None and net.scaling.x_mean[0] > 40  # ages in years: the raw columns


@pytest.mark.parametrize(
    "args, message",
    [
        (["fit", "x*sin(3*x"], "never closed"),
        (["fit"], "give an expression"),
        (["fit", "sin(x)", "--data", "a.csv"], "not both"),
        (["fit", "log(x)"], "not finite at x = -3"),
        (["fit", "x*y"], "function of x alone"),
        (["fit", "sin(x)", "--domain", "2", "1"], "A < B"),
        (["fit", "sin(x)", "--layers", "16,a"], "--layers takes"),
        (["fit", "sin(x)", "--hidden", "0"], "1 to 4096 neurons"),
        (["fit", "sin(x)", "--activation", "step"], "zero almost everywhere"),
        (["fit", "sin(x)", "--activation", "swoosh"], "unknown activation 'swoosh'"),
        (["fit", "sin(x)", "--points", "10000000"], "--points must be between"),
        (["fit", "--data", "missing.csv"], "No such file"),
        # argparse's own errors: they leave through SystemExit, with the same one line and code 2
        (["fit", "sin(x)", "--optimizer", "rmsprop"], "invalid choice"),
        (["fot"], "invalid choice"),
        ([], "the following arguments are required: COMMAND"),
        (["fit", "sin(x)", "--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
        (["fit", "sin(x)", "--domain", "1"], "argument --domain: expected 2 arguments"),
        (["fit", "sin(x)", "--bogus"], "unrecognized arguments: --bogus"),
        (["approx", "sin(x)"], "the following arguments are required: --eps"),
        (["approx", "sin(x)", "--eps", "0.1", "--activation", "gelu"], "argument --activation: invalid choice"),
        (["play", "--port", "eighty"], "argument --port: invalid int value"),
        (["bench", "--slow"], "unrecognized arguments: --slow"),
        (["draw"], "the following arguments are required: model"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(args, message, tmp_path, capsys):
    argv = args + ["--out", str(tmp_path / "o"), "--quiet"] if args[:1] == ["fit"] else args
    try:
        code = main(argv)
    except SystemExit as leaving:  # argparse exits by itself
        code = leaving.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # a mistake writes nothing


def test_the_installed_command_reports_errors_without_a_traceback(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run(
        [sys.executable, "-m", "neuronlab", "fit", "sqrt(x", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("neuronlab fit: error: could not read the expression")
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


def run_example(*args):
    done = subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_examples_run(tmp_path):
    printed = run_example(ROOT / "examples" / "fit_sine.py")
    assert "superposition check: largest difference" in printed
    run_example(ROOT / "examples" / "make_points.py", tmp_path / "points.csv")
    assert (tmp_path / "points.csv").read_text() == (ROOT / "examples" / "points.csv").read_text()


@pytest.mark.slow
def test_lesson_command_hides_the_answer_until_revealed(tmp_path, capsys):
    assert main(["lesson", "--out", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr()
    assert "--reveal" in printed.out
    # the figures' progress, with the time left, on stderr (the results on stdout stay clean)
    assert re.search(r"lesson figures .* 15/15 \d:\d\d:\d\d left 0:00:00 10-backprop\.png", printed.err)
    assert "left" not in printed.out
    assert not (tmp_path / "a" / "04f-answer.png").exists() and (tmp_path / "a" / "04e-exercise.png").exists()
    assert main(["lesson", "--out", str(tmp_path / "b"), "--reveal"]) == 0
    assert (tmp_path / "b" / "04f-answer.png").exists()


def test_explain_command_prints_the_chain_rule_and_writes_the_graph(tmp_path, capsys):
    assert main(["explain", "--x", "0.2", "--y", "0.3", "--lr", "1", "--graph", str(tmp_path / "g.svg")]) == 0
    printed = capsys.readouterr().out
    assert "dL/dz(h1)" in printed and "central" in printed and "One gradient-descent step" in printed
    assert (tmp_path / "g.svg").read_text().startswith("<svg")
    net = nl.mlp([2, 3, 1], seed=0)
    net.save(tmp_path / "m.npz")
    assert main(["explain", "--model", str(tmp_path / "m.npz"), "--x", "1,2", "--y", "0"]) == 0
    assert main(["explain", "--x", "a"]) == 2
    assert main(["explain", "--model", str(tmp_path / "m.npz"), "--x", "1"]) == 2
    err = capsys.readouterr().err
    assert "--x takes numbers" in err and "x must have shape (n, 2)" in err


def test_draw_command(tmp_path, capsys):
    nl.mlp([1, 4, 1], seed=0).save(tmp_path / "m.npz")
    assert main(["draw", str(tmp_path / "m.npz")]) == 0
    assert (tmp_path / "m.svg").read_text().count("<circle") == 6
    assert main(["draw", str(tmp_path / "m.npz"), "--format", "excalidraw", "--out", str(tmp_path / "d.json")]) == 0
    assert json.loads((tmp_path / "d.json").read_text())["type"] == "excalidraw"
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 broken")
    assert main(["draw", str(tmp_path / "bad.npz")]) == 2
    assert "truncated or damaged" in capsys.readouterr().err


@pytest.mark.slow
def test_fit_animate_writes_a_gif(tmp_path):
    assert main(["fit", "sin(2*x)", "--epochs", "100", "--animate", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "fit.gif").read_bytes()[:6] == b"GIF89a"
    assert main(["fit", "--data", "x.csv", "--animate", "--out", str(tmp_path)]) == 2


@pytest.mark.slow
def test_approx_command_prints_the_certificate_and_writes_the_files(tmp_path, capsys):
    out = tmp_path / "ap"
    assert (
        main(["approx", "sin(5*x) + 0.3*x^2", "--eps", "0.01", "--domain", "-2", "2", "--out", str(out), "--animate"])
        == 0
    )
    printed = capsys.readouterr().out
    assert "hidden neurons: " in printed and "measured sup |error|" in printed and "analytic bound" in printed
    record = json.loads((out / "certificate.json").read_text())
    assert record["sup_error"] <= 0.01 and record["alternatives"]["step"] > record["neurons"]
    net = nl.load(out / "model.npz")
    x = np.linspace(-2, 2, 100_001)
    assert np.abs(net.predict(x)[:, 0] - (np.sin(5 * x) + 0.3 * x**2)).max() <= 0.01
    assert (out / "approx.png").read_bytes()[:4] == b"\x89PNG" and (out / "approx.gif").read_bytes()[:3] == b"GIF"


def test_approx_compare_and_two_dimensions(tmp_path, capsys):
    assert main(["approx", "sin(3*x)", "--eps", "0.05", "--compare", "--out", str(tmp_path / "c")]) == 0
    assert "learned from random start" in capsys.readouterr().out
    assert len(json.loads((tmp_path / "c" / "certificate.json").read_text())["compare"]) == 3
    assert (
        main(
            [
                "approx",
                "x*y",
                "--eps",
                "0.2",
                "--domain",
                "-1",
                "1",
                "-1",
                "1",
                "--activation",
                "step",
                "--out",
                str(tmp_path / "d"),
            ]
        )
        == 0
    )
    assert "Nielsen towers" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["approx", "sin(x)", "--eps", "0"], "eps must be a positive number"),
        (["approx", "step(x)", "--eps", "0.1"], "continuous functions"),
        (["approx", "sin(x)", "--eps", "0.1", "--domain", "1"], "--domain takes A B"),
        (["approx", "x*y", "--eps", "0.1"], "uses y"),
        (["approx", "sin(x)", "--eps", "0.1", "--activation", "step", "--compare"], "cannot train step"),
        (["approx", "sin(40*x)", "--eps", "0.001", "--activation", "step", "--max-neurons", "100"], "cap of 100"),
    ],
)
def test_approx_mistakes(args, message, tmp_path, capsys):
    assert main(args + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_fit_task_overrides_the_guess_and_says_why(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 3, 120)
    (tmp_path / "levels.csv").write_text("x,level\n" + "".join(f"{v:.4f},{float(int(v))}\n" for v in x))
    out = str(tmp_path / "out")
    assert main(["fit", "--data", str(tmp_path / "levels.csv"), "--out", out, "--quiet", "--epochs", "5"]) == 0
    printed = capsys.readouterr().out
    assert "target 'level': classification: the target 'level' holds whole numbers with 3 distinct values" in printed
    assert (
        main(
            [
                "fit",
                "--data",
                str(tmp_path / "levels.csv"),
                "--task",
                "regression",
                "--out",
                out,
                "--quiet",
                "--epochs",
                "5",
            ]
        )
        == 0
    )
    assert "target 'level': regression, as asked" in capsys.readouterr().out
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["task"] == "regression"
    assert main(["fit", "sin(x)", "--task", "regression"]) == 2
    assert "--task is for --data" in capsys.readouterr().err


# ---------------------------------------------------------------- hostile paths and output folders


@pytest.mark.parametrize("make", ["zero", "urandom", "fifo", "folder"])
def test_files_that_are_not_regular_are_refused_before_reading(tmp_path, capsys, make):
    """A symlink to /dev/zero read until memory ran out; a FIFO hung for ever. Now: one line, exit code 2."""
    path = tmp_path / "m.npz"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "folder":
        path.mkdir()
    else:
        path.symlink_to(f"/dev/{make}")
    expected = "is a folder" if make == "folder" else "is not a regular file"
    for argv in (
        ["draw", str(path)],
        ["fit", "--data", str(path), "--out", str(tmp_path / "out"), "--quiet"],
        ["explain", "--model", str(path)],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert expected in err and len(err.strip().splitlines()) == 1, (argv, err)
    assert not (tmp_path / "out").exists()


def test_fit_out_checks_the_folder_first_and_never_leaves_a_mix(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["fit", "x", "--epochs", "5", "--out", str(out), "--quiet"]) == 0
    before = {name: (out / name).read_bytes() for name in ("model.npz", "fit.png", "summary.json")}
    (out / "fit.png").unlink()
    (out / "fit.png").mkdir()  # in the way: refused before any training
    trained = []
    monkeypatch.setattr("neuronlab.apps.cli.fit", lambda *a, **k: trained.append(1))
    assert main(["fit", "x", "--epochs", "5", "--out", str(out), "--quiet"]) == 2
    assert "is in the way" in capsys.readouterr().err and trained == []
    monkeypatch.undo()
    (out / "fit.png").rmdir()
    (out / "fit.png").write_bytes(before["fit.png"])

    def failing_save(*args, **kwargs):  # the figure fails after the model is written: nothing may move in
        raise OSError("disk full")

    monkeypatch.setattr("neuronlab.views.plot.save", failing_save)
    assert main(["fit", "x*x", "--epochs", "5", "--out", str(out), "--quiet"]) == 2
    assert "disk full" in capsys.readouterr().err
    assert {name: (out / name).read_bytes() for name in before} == before  # the old outputs, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary folder left behind
    assert main(["fit", "--data", str(tmp_path / "run"), "--out", str(out / "summary.json"), "--quiet"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_long_work_shows_the_time_left(monkeypatch, tmp_path):
    """The bar of `neuronlab lesson`, `bench` and `approx`: done of total, time so far, and the time left,
    estimated from the pace so far (rich's TimeRemainingColumn, as tqdm shows it)."""
    import io
    import time

    from rich.console import Console

    from neuronlab.apps.cli import Eta

    console = Console(file=io.StringIO(), record=True, width=120)
    with Eta("lesson figures", console=console) as eta:
        eta.update(1, 5, "01-decide.png")
        console.print(eta.progress.get_renderable())
        time.sleep(0.3)
        eta.update(2, 5, "02-xor.png")  # 1 piece in 0.3 s: 3 more take about 0.9 s
        console.print(eta.progress.get_renderable())
    first, second = console.export_text().splitlines()[:2]
    assert re.search(r"^lesson figures .* 1/5 0:00:00 left -:--:-- 01-decide\.png$", first), first
    assert re.search(r"^lesson figures .* 2/5 0:00:00 left 0:00:01 02-xor\.png$", second), second
    # each command's work reports to it
    from neuronlab import bench, lesson

    seen = []
    monkeypatch.setattr(lesson, "figures", lambda: {"decide": ("01.png", lambda: None)})
    monkeypatch.setattr(lesson, "markdown", lambda reveal: ("text", ["decide"]))
    import neuronlab.views.plot

    monkeypatch.setattr(neuronlab.views.plot, "save", lambda fig, path: None)
    lesson.write(tmp_path, progress=lambda *a: seen.append(a))
    assert seen == [(1, 1, "01.png")]
    for name in ("_torch", "gemm_peak", "step_times", "time_to_accuracy", "real_data"):
        monkeypatch.setattr(bench, name, lambda *a, **k: None)
    monkeypatch.setattr(bench, "machine", lambda load: {})
    seen.clear()
    bench.run(quick=True, progress=lambda *a: seen.append(a))
    steps, autograd, data = len(bench.QUICK_STEP_CASES), len(bench.QUICK_AUTOGRAD_CASES), len(bench.QUICK_DATA_SETS)
    total = steps + autograd + 1 + data  # counted in cases
    assert seen == [
        (steps, total, "step times"),
        (steps + autograd, total, "autograd step times"),
        (steps + autograd + 1, total, "time to accuracy"),
        (total, total, "real data"),
    ]
