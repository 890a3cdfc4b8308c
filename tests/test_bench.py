import math

import pytest

from neuronlab.cli import main


def test_quick_benchmark_runs_every_case_with_a_finite_ratio(torch, capsys):
    from neuronlab import bench

    report = bench.run(quick=True)
    rows = report.rows()
    assert len(rows) == len(bench.QUICK_STEP_CASES) + 1
    for row in rows:
        assert row.neuronlab > 0 and row.torch > 0 and math.isfinite(row.ratio), row
    markdown = report.markdown()
    assert markdown.count("| ") > len(rows) and "NumPy float32 matmul peak" in markdown
    bench.print_report(report)
    assert "ratio" in capsys.readouterr().out


def test_bench_command_writes_markdown(torch, tmp_path, monkeypatch, capsys):
    from neuronlab import bench

    monkeypatch.setattr(bench, "QUICK_STEP_CASES", [([1, 4, 1], 16)])
    monkeypatch.setattr(bench, "TARGETS", ["sin(x)"])
    assert main(["bench", "--quick", "--out", str(tmp_path / "r.md")]) == 0
    text = (tmp_path / "r.md").read_text()
    assert "1-4-1, batch 16" in text and "sin(x)" in text
