import math
import os

import numpy as np
import pytest
from conftest import _require

from neuronlab.apps.cli import main


@pytest.fixture
def sklearn():
    return _require("sklearn", "the peers of the real-data table")


@pytest.mark.slow
def test_quick_benchmark_runs_every_table_end_to_end(torch, sklearn, capsys):
    _require("scipy", "the MINPACK column of time to accuracy")
    from neuronlab import bench

    report = bench.run(quick=True)
    rows = report.rows()
    assert len(rows) == len(bench.QUICK_STEP_CASES) + len(bench.QUICK_AUTOGRAD_CASES)
    for row in rows:  # a measurement error is refused, never printed as a time
        assert row.refused or (row.neuronlab > 0 and row.torch > 0 and row.compiled > 0 and math.isfinite(row.ratio)), (
            row
        )
    tables = report.tables()
    steps = [title for title in tables if title.startswith("Step time")]
    assert "fused fast path" in steps[0] and "Tensor engine" in steps[1]
    assert "PyTorch compiled" in tables[steps[1]][0]
    accuracy = next(cells for title, (_, cells) in tables.items() if title.startswith("Time to max"))
    columns = next(columns for title, (columns, _) in tables.items() if title.startswith("Time to max"))
    assert any("MINPACK" in c for c in columns) and any("L-BFGS" in c for c in columns)
    assert accuracy[0][0] == "sin(x)"
    real_columns, real = next(value for title, value in tables.items() if title.startswith("Real data"))
    assert [row[0].split(" ")[0] for row in real] == bench.QUICK_DATA_SETS
    linear = real_columns.index("linear (RidgeCV / LogisticRegression)")
    assert all("±" in row[linear] for row in real)
    assert all("paired SE" in row[-1] for row in real)
    workers = next(cells for title, (_, cells) in tables.items() if title.startswith("Worker processes"))
    assert {library for _, library, _ in workers} >= {"neuronlab", "tensor", "torch", "compiled", "sklearn"}
    markdown = report.markdown()
    assert "one-thread float32 GEMM peak" in markdown and "own worker process" in markdown
    bench.print_report(report)
    printed = capsys.readouterr().out
    assert "ratio" in printed and "nl.mlp([d," in printed  # rich markup did not eat the brackets


def test_a_worker_records_the_threads_it_ran_with():
    """threadpool_info inside a one-thread worker: every BLAS pool on one thread, as the table titles say."""
    _require("threadpoolctl", "the workers' report of their threads")
    from neuronlab import bench

    done = bench._in_process("peak", "neuronlab", {"repeats": 1, "threads": 1})
    assert done["result"] > 0
    pools = [pool for pool in done["runtime"].split(", ") if not pool.startswith("OPENBLAS_CORETYPE")]
    assert any("openblas" in pool or "mkl" in pool for pool in pools)
    assert all(pool.endswith(" 1 thread") for pool in pools), pools


def _step_results(seconds: dict, rounds: int = 1, parameters: int = 49) -> dict:
    return {
        library: [[{"seconds": t, "parameters": parameters, "mode": library}]] * rounds
        for library, t in seconds.items()
    }


def test_a_step_faster_than_the_gemm_peak_is_refused(monkeypatch):
    """1024-2048-2048-1024 at batch 1024 is 47 GFLOP of matrix multiplies: in 0.1 s that is 472 GFLOP/s, more
    than a 100 GFLOP/s thread can do, so the row is a measurement error and shows no time and no ratio."""
    from neuronlab import bench

    sizes, batch = [1024, 2048, 2048, 1024], 1024
    assert bench._flops(sizes, batch) == 2 * batch * 3 * (2048 * 1024 * 2 + 2048 * 2048) - 2 * batch * 1024 * 2048
    fake = _step_results({"neuronlab": 0.1, "torch": 0.7, "compiled": 0.6})
    monkeypatch.setattr(bench, "_alternating", lambda *args, **kwargs: fake)
    report = bench.Report()
    bench.step_times(report, [(sizes, batch)], repeats=1, budget=0.1, rounds=1, peak=100.0, threads=1)
    ((columns, cells),) = report.tables().values()
    assert cells[0][1:4] == ["measurement error"] * 3 and "ms" not in " ".join(cells[0])
    assert "neuronlab at 472 GFLOP/s" in cells[0][-1] and "100 GFLOP/s" in cells[0][-1]
    assert math.isnan(report.rows()[0].ratio)
    # the same times against a 1000 GFLOP/s peak are possible, and printed
    report = bench.Report()
    bench.step_times(report, [(sizes, batch)], repeats=1, budget=0.1, rounds=1, peak=1000.0, threads=1)
    ((columns, cells),) = report.tables().values()
    assert cells[0][1] == "100.00 ms" and cells[0][4] == "6.00"  # PyTorch at its best: compiled, 0.6 s


def test_a_capped_solver_gets_no_ratio(monkeypatch):
    """Adam and L-BFGS never reach the error: 'not reached in N s', no ratio made from the cap anywhere."""
    from neuronlab import bench

    reached = {"seconds": 0.003, "restarts": 0, "error": 9e-4, "solver": "levenberg-marquardt"}
    fake = {
        "neuronlab": [[reached]],
        "minpack": [[dict(reached, seconds=0.006, solver="MINPACK lm")]],
        "lbfgs": [[{"seconds": None, "elapsed": 30.0, "restarts": 4, "error": 0.003, "solver": "L-BFGS"}]],
        "adam": [[{"seconds": None, "elapsed": 30.0, "steps": 165_700, "error": 0.002}]],
    }
    monkeypatch.setattr(
        bench,
        "_alternating",
        lambda kind, libraries, *args, **kwargs: {library: fake[library] for library in libraries},
    )
    report = bench.Report()
    bench.time_to_accuracy(report, ["sin(x)"], neurons=16, cap=30.0)
    ((columns, cells),) = report.tables().values()
    row = dict(zip(columns, cells[0]))
    assert row[bench.ACCURACY_COLUMNS["adam"]] == "not reached in 30.0 s (165,700 steps; max error 0.002)"
    assert row[bench.ACCURACY_COLUMNS["lbfgs"]] == "not reached in 30.0 s (5 start(s); max error 0.003)"
    assert row["ratio MINPACK / neuronlab"] == "2.00"
    assert "fastest: neuronlab fit" in row["note"]
    assert not any("10000" in cell or ">=" in cell for cell in cells[0])  # 30 s / 3 ms made no number
    assert report.rows() == []
    (note,) = report.notes  # the claim about algorithms follows from who reached the tolerance
    assert "1 of 1 targets by neuronlab's fit (levenberg-marquardt), 1 by MINPACK's LM, 0 by PyTorch's" in note
    assert "it is the algorithm that wins against Adam, not the library" in note
    fake["minpack"] = fake["lbfgs"]  # had MINPACK's LM missed too, the table would not say it
    report = bench.Report()
    bench.time_to_accuracy(report, ["sin(x)"], neurons=16, cap=30.0)
    assert "it is the algorithm" not in report.notes[0]


def test_the_sklearn_peer_is_the_scaled_target_early_stopping_pipeline(sklearn, monkeypatch):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler

    from neuronlab import bench, peers

    built, real = [], peers.sklearn_mlp

    def recorded(*args):
        built.append(real(*args))
        return built[-1]

    monkeypatch.setattr(peers, "sklearn_mlp", recorded)
    score, seconds, ran = bench._real_data("sklearn", "diabetes", 0)
    target = built[0].steps[-1][1]
    assert isinstance(built[0].steps[0][1], StandardScaler) and isinstance(target, TransformedTargetRegressor)
    assert isinstance(target.transformer, StandardScaler)
    assert target.regressor.early_stopping and target.regressor.max_iter >= 1000
    assert score > 0.3 and ran in ("converged", "ConvergenceWarning")  # the unscaled target scored -1.2


def test_a_convergence_warning_is_reported_not_silenced(sklearn, monkeypatch):
    from neuronlab import bench, peers

    short = peers.sklearn_mlp

    def one_epoch(regression, seed):
        model = short(regression, seed)
        model.set_params(mlpclassifier__max_iter=1, mlpclassifier__early_stopping=False)
        return model

    monkeypatch.setattr(peers, "sklearn_mlp", one_epoch)
    assert bench._real_data("sklearn", "iris", 0)[2] == "ConvergenceWarning"
    assert bench._real_data("linear", "iris", 0)[2] == "converged"


def test_the_verdict_compares_with_the_best_peer_in_paired_standard_errors():
    from neuronlab import bench

    behind = bench._verdict(
        {
            "neuronlab": np.array([0.30, 0.31, 0.29, 0.30]),
            "sklearn": np.array([0.40, 0.42, 0.41, 0.40]),
            "linear": np.array([0.35, 0.35, 0.35, 0.35]),
            "torch": np.array([0.2] * 4),
        }
    )
    assert behind.startswith("scikit-learn MLP best, neuronlab behind by 0.108 ± 0.005 paired SE")
    assert "(more than one SE)" in behind
    close = bench._verdict(
        {
            "neuronlab": np.array([0.97, 0.92]),
            "sklearn": np.array([0.95, 0.93]),
            "linear": np.array([0.5, 0.5]),
            "torch": np.array([0.5, 0.5]),
        }
    )
    assert close.startswith("neuronlab best, ahead of scikit-learn MLP by 0.005 ± 0.015")
    assert "(within one SE)" in close


@pytest.mark.slow
def test_the_load_average_at_the_start_is_read_once_at_the_start(torch, monkeypatch):
    from neuronlab import bench

    loads = iter([(7.1, 5.7, 5.4), (3.7, 3.0, 2.0)])
    monkeypatch.setattr(os, "getloadavg", lambda: next(loads))
    monkeypatch.setattr(bench, "gemm_peak", lambda report, repeats: 100.0)
    for name in ("step_times", "time_to_accuracy", "real_data"):
        monkeypatch.setattr(bench, name, lambda *args, **kwargs: None)
    report = bench.run(quick=True)
    assert report.machine["load average at the start (1, 5, 15 min)"] == "7.1, 5.7, 5.4"
    assert report.machine["load average at the end (1, 5, 15 min)"] == "3.7, 3.0, 2.0"
    assert any("load average 7.1 at the start" in note for note in report.notes)


@pytest.mark.slow
def test_peak_memory_counts_the_model_it_builds(torch):
    """Measured from before any model exists: the growth holds at least the weights and their gradients."""
    from neuronlab import bench

    sizes, batch = [512, 1024, 512], 64
    parameters = 512 * 1024 + 1024 + 1024 * 512 + 512
    floor = 2 * parameters * 4 / 2**20  # weights + gradients, float32, in MB
    for library in ("neuronlab", "torch"):
        grown = bench._in_process("memory", library, {"sizes": sizes, "batch": batch})["result"]
        assert grown >= 0.9 * floor, (library, grown, floor)


@pytest.mark.slow
def test_bench_command_writes_markdown(torch, sklearn, tmp_path, monkeypatch, capsys):
    from neuronlab import bench

    monkeypatch.setattr(bench, "QUICK_STEP_CASES", [([1, 4, 1], 16)])
    monkeypatch.setattr(bench, "QUICK_AUTOGRAD_CASES", [([1, 4, 1], 16)])
    monkeypatch.setattr(bench, "TARGETS", ["sin(x)"])
    monkeypatch.setattr(bench, "QUICK_DATA_SETS", ["iris"])
    assert main(["bench", "--quick", "--out", str(tmp_path / "r.md")]) == 0
    text = (tmp_path / "r.md").read_text()
    assert "1-4-1, batch 16" in text and "sin(x)" in text


def test_rounds_that_disagree_claim_no_ratio(monkeypatch):
    """A busy machine can make one round 100x slower: the row then says so instead of printing a ratio."""
    from neuronlab import bench

    ours = [[{"seconds": 1e-3, "parameters": 49, "mode": "neuronlab"}]] * 3
    rounds = {
        "neuronlab": ours,
        "compiled": [[{"seconds": 1.0, "parameters": 49, "mode": "compiled"}]] * 3,
        "torch": [
            [{"seconds": 2e-3, "parameters": 49, "mode": "eager"}],
            [{"seconds": 0.25, "parameters": 49, "mode": "eager"}],
            [{"seconds": 0.3, "parameters": 49, "mode": "eager"}],
        ],
    }
    monkeypatch.setattr(bench, "_alternating", lambda *args, **kwargs: rounds)
    report = bench.Report()
    bench.step_times(report, [([1, 16, 1], 32)], repeats=1, budget=0.1, rounds=3, peak=100.0)
    ((columns, cells),) = report.tables().values()
    assert cells[0][4] == "unsteady" and "ratio per round 2.00-300.00 (the rounds disagree" in cells[0][5]
    steady = dict(rounds, torch=[[{"seconds": 2e-3, "parameters": 49, "mode": "eager"}]] * 3)
    monkeypatch.setattr(bench, "_alternating", lambda *args, **kwargs: steady)
    report = bench.Report()
    bench.step_times(report, [([1, 16, 1], 32)], repeats=1, budget=0.1, rounds=3, peak=100.0)
    ((columns, cells),) = report.tables().values()
    assert cells[0][4] == "2.00" and "PyTorch best: eager" in cells[0][5]
