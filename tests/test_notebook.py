"""Figures and progress as a learner sees them in a fresh notebook: run by nbclient in a real kernel."""

from pathlib import Path

import pytest

from conftest import _require
from notebook_runner import mime_types, run

pytestmark = pytest.mark.slow  # minutes in a kernel: not in the quick tier (-m 'not slow')


def png_size(encoded: str) -> tuple[int, int]:
    """(width, height) of a base64 PNG from its header."""
    import base64
    import struct

    return struct.unpack(">II", base64.b64decode(encoded)[16:24])


SETUP = """
import numpy as np, neuronlab as nl
x = np.linspace(-1, 1, 40); net = nl.mlp([1, 4, 1], seed=0)
history = nl.fit(net, x, np.sin(3 * x), epochs=20, progress=False)
approx = nl.approximate("sin(3*x)", domain=(-1, 1), eps=0.2, activation="relu")
"""
FIGURES = [
    "nl.plot.neuron(nl.Neuron(2.0, -1.0, 'step'))",
    "nl.plot.network(net)",
    "nl.plot.network(nl.mlp([2, 3, 1], seed=0))",
    "nl.plot.function_fit(net, nl.expr('sin(3*x)'), (-1, 1), history)",
    "nl.plot.predicted_vs_actual(np.sin(3 * x), net.predict(x), history)",
    "nl.plot.confusion([0, 1, 1], [0, 1, 0], ['a', 'b'])",
    "nl.plot.diagnostics(net, x, np.sin(3 * x), history)",
    "nl.plot.approximation(approx, nl.expr('sin(3*x)'))",
    "nl.plot.approximation_2d(nl.approximate('x*y', domain=((0, 1), (0, 1)), eps=0.3, activation='step'), nl.expr('x*y'))",
    "nl.lesson.figure(1.0, -1.0)",
]
FIT = "h = nl.fit(nl.mlp([1, 8, 1], seed=0), x, np.sin(3 * x), optimizer='adam', epochs=3000, progress=True)"
WITHOUT_IPYWIDGETS = "import sys; sys.modules['ipywidgets'] = None  # as if it were not installed"


@pytest.fixture(scope="module")
def notebook():
    _require("ipywidgets", "fit's progress with ipywidgets installed (anywidget brings it)")
    return run([SETUP, *FIGURES, FIT, "h.epochs", "import ipywidgets"])


def test_every_figure_shows_as_one_image_without_a_magic(notebook):
    cells = notebook.cells
    assert mime_types(cells[0]) == []
    for source, cell in zip(FIGURES, cells[1:]):
        assert mime_types(cell) == [["image/png", "text/plain"]], source
        assert cell.outputs[0].output_type == "execute_result"
        assert cell.outputs[0].data["text/plain"].startswith("<Figure size")
        shown = cell.outputs[0].metadata["image/png"]  # twice the pixels it is shown with: sharp at ratio 2
        assert png_size(cell.outputs[0].data["image/png"]) == (2 * shown["width"], 2 * shown["height"]), source


def check_one_progress_output(cell, epochs: int):
    """One display, updated in place to the last epoch: no rich warning, no stream of lines."""
    assert mime_types(cell) == [["text/html", "text/plain"]]
    shown = cell.outputs[0].data
    assert shown["text/plain"].startswith(f"fit epoch {epochs}/{epochs}  loss ")
    assert shown["text/plain"].endswith("(done)")
    assert f'<progress value="{epochs}" max="{epochs}"' in shown["text/html"]


def test_fit_progress_is_one_output_updated_in_place(notebook):
    check_one_progress_output(notebook.cells[-3], 3000)
    assert notebook.cells[-2].outputs[0].data["text/plain"] == "3000"
    assert mime_types(notebook.cells[-1]) == []  # ipywidgets was there: fit did not use it


def test_fit_progress_without_ipywidgets():
    notebook = run([WITHOUT_IPYWIDGETS, SETUP, FIT])
    check_one_progress_output(notebook.cells[-1], 3000)


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("name", ["neurons_to_approximation", "training"])
def test_example_notebooks_run_and_show_what_they_promise(name):
    _require("anywidget", "the example notebooks' widgets")
    notebook = run(EXAMPLES / f"{name}.ipynb")
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code:
        kinds = mime_types(cell)
        assert not [k for k in kinds if k[0].startswith(("error", "stream:stderr"))], (cell.source, kinds)
        tags = cell.metadata.get("tags", [])
        if "image" in tags:
            assert any({"image/png", "image/svg+xml"} & set(k) for k in kinds), cell.source
        if "widget" in tags:
            views = [o for o in cell.outputs if WIDGET in o.get("data", {})]
            assert len(views) == 1, cell.source
            model_id = views[0].data[WIDGET]["model_id"]
            state = notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"][model_id]
            assert state["state"]["_view"] in ("lesson", "trainer", "approximation")
        if "progress" in tags:
            assert kinds == [["text/html", "text/plain"]]
            assert cell.outputs[0].data["text/plain"].endswith("(done)")
    assert sum("image" in c.metadata.get("tags", []) for c in code) >= 4
    assert sum("widget" in c.metadata.get("tags", []) for c in code) >= 1
    if name == "training":
        assert code[-1].outputs[0].data["text/plain"] == "('done', 400, True)"
