"""The page's "Python script" export replays the tab's run in a fresh interpreter, in every mode."""

import json
import subprocess
import sys

import numpy as np
import pytest

from neuronlab.apps.playground import session as ps

CSV_REGRESSION = "size,noise level,price\n" + "".join(
    f"{i * 0.37:.3f},{(i * 7) % 5},{np.sin(i * 0.37) + 0.1 * ((i * 7) % 5):.5f}\n" for i in range(60)
)
CSV_CLASSES = "a,b,kind\n" + "".join(
    f"{i % 7 - 3},{(i * 3) % 5 - 2},{'red' if (i % 7 - 3) * ((i * 3) % 5 - 2) > 0 else 'blue'}\n" for i in range(50)
)
CSV_WIDE = "distance,dose,price\n" + "".join(  # columns orders of magnitude apart: the page standardises them
    f"{i * 97.3:.2f},{(i * 13) % 7 * 1e-4:.5f},{1000 + 300 * np.sin(i * 0.2) + (i * 13) % 7 * 50:.3f}\n"
    for i in range(50)
)
CSV_LEVELS = "x,level\n" + "".join(f"{i / 10},{(i * 7) % 5}\n" for i in range(40))

# a script that runs the exported file, then writes what it built and printed, for comparison
RUNNER = """
import io, json, runpy, sys, contextlib
import numpy as np
out = io.StringIO()
with contextlib.redirect_stdout(out):
    ns = runpy.run_path(sys.argv[1], run_name="__main__")
net = ns["net"]
np.savez(sys.argv[2], x=ns["x"], y=ns["y"], train=ns["train"], test=ns["test"],
         **{f"p{i}": p.data for i, p in enumerate(net.parameters())})
print(json.dumps({"printed": out.getvalue(), "steps": ns["stepper"].steps, "sizes": net.sizes}))
"""


def replay(session, tmp_path):
    path = tmp_path / "neuronlab_run.py"
    exported = session.export("python")
    assert exported["filename"] == "neuronlab_run.py"
    path.write_text(exported["text"])
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path), str(tmp_path / "run.npz")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report, np.load(tmp_path / "run.npz")


def check_same_run(session, report, arrays):
    """The script's data, split, network and metrics are the session's."""
    np.testing.assert_array_equal(arrays["x"], session.x)
    np.testing.assert_array_equal(np.asarray(arrays["y"]).reshape(session.y.shape), session.y)
    np.testing.assert_array_equal(arrays["x"][arrays["train"]], session.x_train)
    np.testing.assert_array_equal(arrays["x"][arrays["test"]], session.x_test)
    assert report["steps"] == session.steps and report["sizes"] == session.net.sizes
    for i, p in enumerate(session.net.parameters()):
        np.testing.assert_allclose(arrays[f"p{i}"], p.data, rtol=0, atol=1e-9)
    printed = report["printed"]
    for key, value in session.frame(full=True)["metrics"].items():
        if key == "confusion":
            continue
        name, metric = key.split("_", 1)
        line = next(line for line in printed.splitlines() if line.startswith(name + " "))
        assert f"{metric} {value:.6g}" in line, (key, value, line)


@pytest.mark.parametrize(
    "config",
    [
        {"mode": "function", "expr": "x*sin(3*x)", "domain": [-2, 2], "points": 120, "noise": 0.1, "seed": 4},
        {
            "mode": "points",
            "drawn": [[i / 10, (i / 10) ** 2 - 1] for i in range(-15, 16)],
            "test_ratio": 0.2,
            "batch": 8,
        },
        {
            "mode": "csv",
            "csv": CSV_REGRESSION,
            "layers": [6, 5],
            "activation": "relu",
            "optimizer": "sgd",
            "lr": 0.02,
            "test_ratio": 0.25,
        },
        {"mode": "csv", "csv": CSV_CLASSES, "layers": [5], "test_ratio": 0.3, "seed": 7},
        {"mode": "csv", "csv": CSV_WIDE, "layers": [6], "test_ratio": 0.2, "seed": 2},
        {"mode": "csv", "csv": CSV_LEVELS, "task": "regression", "layers": [4], "seed": 1},  # the page's "the target
        # is" control over the guess (whole numbers with few values would be classes)
        {
            "mode": "dataset",
            "dataset": "circle",
            "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)"],
            "points": 300,
            "noise": 0.1,
            "l2": 0.001,
            "seed": 3,
        },
        {
            "mode": "dataset",
            "dataset": "three gaussians",
            "features": ["x1", "sin(x2)"],
            "points": 240,
            "layers": [4, 4],
            "l1": 0.0005,
        },
    ],
)
def test_the_exported_script_replays_the_run(config, tmp_path):
    s = ps.Session()
    s.configure(config)
    s.train_for_steps(37)
    report, arrays = replay(s, tmp_path)
    check_same_run(s, report, arrays)
    if s.config["test_ratio"] and s.config["mode"] != "function":
        assert 0 < len(arrays["test"]) < len(arrays["x"])  # the page's split, not all the points


def test_changes_made_while_training_are_replayed_at_their_step(tmp_path):
    s = ps.Session()
    s.configure({"layers": [5], "seed": 2})
    s.train_for_steps(20)
    s.update({"lr": 0.003, "batch": 10})
    s.train_for_steps(15)
    s.edit(0, 2, [1.5], -0.25)
    s.train_for_steps(10)
    s.update({"l2": 0.01})
    s.train_for_steps(5)
    W = s.net.layers[1].W.data * 0.5  # as a reloaded page restores a layer
    s.set_layer(1, W.tolist(), [0.1])
    s.train_for_steps(5)
    assert [e[:2] for e in s.events] == [(20, "set"), (35, "edit"), (45, "set"), (50, "layer")]
    report, arrays = replay(s, tmp_path)
    check_same_run(s, report, arrays)


def test_a_network_adopted_from_the_approximate_tab_is_rebuilt_by_the_script(tmp_path):
    frame, net = ps.approximation_frame("sin(3*x)", [-1, 1], 0.05, "relu")
    s = ps.Session()
    config = {
        **s.config,
        "mode": "function",
        "expr": "sin(3*x)",
        "domain": [-1.0, 1.0],
        "layers": [net.layers[0].neurons],
        "activation": "relu",
    }
    s.adopt_network(net.copy(), config, {"expr": "sin(3*x)", "domain": [-1.0, 1.0], "eps": 0.05, "activation": "relu"})
    s.train_for_steps(12)
    text = s.python_script()
    assert "nl.approximate('sin(3*x)'" in text
    report, arrays = replay(s, tmp_path)
    check_same_run(s, report, arrays)


def test_a_network_of_unknown_origin_is_written_weight_by_weight(tmp_path):
    frame, net = ps.approximation_frame("abs(x)", [-1, 1], 0.1, "relu")
    s = ps.Session()
    config = {
        **s.config,
        "domain": [-1.0, 1.0],
        "expr": "abs(x)",
        "layers": [net.layers[0].neurons],
        "activation": "relu",
    }
    s.adopt_network(net.copy(), config)
    s.train_for_steps(3)
    assert "nl.Dense(" in s.python_script()
    report, arrays = replay(s, tmp_path)
    check_same_run(s, report, arrays)


def test_a_diverged_run_is_replayed_to_the_same_stop(tmp_path):
    s = ps.Session()
    s.configure({"optimizer": "sgd", "lr": 10.0, "layers": [16], "activation": "relu", "seed": 1})
    s.train_for_steps(400)
    assert s.status == "stopped" and "Training stopped" in s.message
    report, arrays = replay(s, tmp_path)
    assert "training stopped at step" in report["printed"]
    for i, p in enumerate(s.net.parameters()):
        np.testing.assert_allclose(arrays[f"p{i}"], p.data, rtol=0, atol=1e-9)


def test_user_text_reaches_the_script_only_as_a_string_literal(tmp_path):
    s = ps.Session()
    evil = 'a,b\n1,2\n3,"""\n__import__("os").system("echo pwned")\n"""\n'
    s.config = {**s.config, "mode": "csv", "csv": evil}  # never parsed here: only written out
    from neuronlab.apps.playground.script import _data_lines

    code = "\n".join(_data_lines(s))
    import ast

    tree = ast.parse(code)
    assign = tree.body[0]
    assert isinstance(assign.value, ast.Constant) and assign.value.value == evil


def test_the_feature_code_computes_the_features():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 2))
    for name, code in ps.FEATURE_CODE.items():
        value = eval(code, {"np": np, "x": x})  # our own constant code text, never user input
        np.testing.assert_array_equal(value, ps.FEATURES[name](x))
    assert set(ps.FEATURE_CODE) == set(ps.FEATURES)


def test_a_scaled_csv_run_with_edits_is_replayed_by_the_script(tmp_path):
    """The page's edits are in raw units; the script replays them as the (standardised) layers hold them."""
    s = ps.Session()
    s.configure({"mode": "csv", "csv": CSV_WIDE, "layers": [5], "test_ratio": 0.2})
    assert s.net.scaling is not None and s.net.scaling.scales_outputs
    s.train_for_steps(15)
    shown = s.frame(full=True)
    s.edit(0, 1, [0.002, 300.0], -1.5)  # as typed into the editor, in the CSV's units
    s.train_for_steps(10)
    s.set_layer(1, shown["weights"][1], shown["biases"][1])  # as a reloaded page restores a layer
    s.train_for_steps(5)
    text = s.python_script()
    assert "nl.Scaling.of(x_train, y_train, net.outputs)" in text
    report, arrays = replay(s, tmp_path)
    check_same_run(s, report, arrays)
