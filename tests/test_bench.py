import math

import pytest

from neuronlab.cli import main


def test_quick_benchmark_runs_every_case_with_a_finite_ratio(torch, capsys):
    from neuronlab import bench

    report = bench.run(quick=True)
    rows = report.rows()
    assert len(rows) == len(bench.QUICK_STEP_CASES)
    for row in rows:
        assert row.neuronlab > 0 and row.torch > 0 and math.isfinite(row.ratio), row
    tables = report.tables()
    accuracy = [cells for title, (_, cells) in tables.items() if title.startswith("Time to max")][0]
    assert accuracy[0][0] == "sin(x)" and ("not reached" in accuracy[0][2] or accuracy[0][2].endswith("s"))
    real = [cells for title, (_, cells) in tables.items() if title.startswith("Real data")]
    if real:  # scikit-learn installed
        assert [row[0].split(" ")[0] for row in real[0]] == bench.QUICK_DATA_SETS
        assert all("±" in row[2] and "±" in row[4] and "±" in row[6] for row in real[0])
    markdown = report.markdown()
    assert markdown.count("| ") > len(rows) and "NumPy float32 matmul peak" in markdown
    assert "own worker process" in markdown
    bench.print_report(report)
    printed = capsys.readouterr().out
    assert "ratio" in printed and "nl.mlp([d," in printed  # rich markup did not eat the brackets


def test_a_capped_run_is_reported_as_not_reached_with_a_lower_bound(monkeypatch):
    """PyTorch that never reaches the error: no ratio made from the cap, a marked lower bound instead."""
    from neuronlab import bench

    fake = {"neuronlab": [[{"seconds": 0.003, "restarts": 0, "error": 9e-4}]],
            "torch": [[{"seconds": None, "elapsed": 30.0, "steps": 165_700, "error": 0.002}]]}
    monkeypatch.setattr(bench, "_alternating", lambda kind, libraries, payload, rounds: fake)
    report = bench.Report()
    bench.time_to_accuracy(report, ["sin(x)"], neurons=16, cap=30.0)
    (columns, cells), = report.tables().values()
    assert cells[0][2] == "not reached in 30 s (165,700 steps; max error 0.002)"
    assert cells[0][3] == ">= 10000 (lower bound: PyTorch stopped at the cap)"
    assert report.rows() == []  # no Row, so no ratio anywhere that the cap made


def test_peak_memory_counts_the_model_it_builds(torch):
    """Measured from before any model exists: the growth holds at least the weights and their gradients."""
    from neuronlab import bench

    sizes, batch = [512, 1024, 512], 64
    parameters = 512 * 1024 + 1024 + 1024 * 512 + 512
    floor = 2 * parameters * 4 / 2**20  # weights + gradients, float32, in MB
    for library in ("neuronlab", "torch"):
        grown = bench._in_process("memory", library, {"sizes": sizes, "batch": batch})
        assert grown >= 0.9 * floor, (library, grown, floor)


def test_bench_command_writes_markdown(torch, tmp_path, monkeypatch, capsys):
    from neuronlab import bench

    monkeypatch.setattr(bench, "QUICK_STEP_CASES", [([1, 4, 1], 16)])
    monkeypatch.setattr(bench, "TARGETS", ["sin(x)"])
    monkeypatch.setattr(bench, "QUICK_DATA_SETS", ["iris"])
    assert main(["bench", "--quick", "--out", str(tmp_path / "r.md")]) == 0
    text = (tmp_path / "r.md").read_text()
    assert "1-4-1, batch 16" in text and "sin(x)" in text


def test_rounds_that_disagree_claim_no_ratio(monkeypatch):
    """A busy machine can make one round 100x slower: the row then says so instead of printing a ratio."""
    from neuronlab import bench

    rounds = {"neuronlab": [[{"seconds": 1e-3, "parameters": 49}]] * 3,
              "torch": [[{"seconds": 2e-3, "parameters": 49}], [{"seconds": 0.25, "parameters": 49}],
                        [{"seconds": 0.3, "parameters": 49}]]}
    monkeypatch.setattr(bench, "_alternating", lambda kind, libraries, payload, n: rounds)
    report = bench.Report()
    bench.step_times(report, [([1, 16, 1], 32)], repeats=1, budget=0.1, rounds=3)
    (columns, cells), = report.tables().values()
    assert cells[0][3] == "unsteady" and "ratio per round 2.00-300.00 (the rounds disagree" in cells[0][4]
    steady = {"neuronlab": rounds["neuronlab"], "torch": [[{"seconds": 2e-3, "parameters": 49}]] * 3}
    monkeypatch.setattr(bench, "_alternating", lambda kind, libraries, payload, n: steady)
    report = bench.Report()
    bench.step_times(report, [([1, 16, 1], 32)], repeats=1, budget=0.1, rounds=3)
    (columns, cells), = report.tables().values()
    assert cells[0][3] == "2.00"
