"""The widgets and figures in a real JupyterLab, started by the test on 127.0.0.1 with a token, driven in
Chromium as a learner would: run the cells, move a slider, reveal, start / pause / step a training run."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import _require

from .conftest import SCREENSHOTS, shot

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')

RATIO_CELL = (
    "import neuronlab as nl\ndisplay(nl.widgets.Lesson())\n"
    "display(nl.mlp([1, 4, 1], seed=0))\n"  # a network's diagram: an SVG, which JupyterLab shows as an <img>
    "nl.widgets.Approximation('sin(3*x)', domain=(-3, 3), eps=0.1, activation='relu')"
)
CELLS = [
    "import numpy as np, neuronlab as nl\nnl.widgets.Lesson()",
    "x = np.linspace(-1, 1, 60); net = nl.mlp([1, 8, 1], activation='tanh', seed=1)\n"
    "t = nl.widgets.Trainer(net, x, np.sin(3 * x), optimizer='adam', epochs=1_000_000)\nt",
    "nl.plot.neuron(nl.Neuron(2.0, -1.0, 'step'))",
    "print(t.status, t.epoch == len(t.losses) > 0, t.net is net, np.isfinite(net.predict(x)).all())",
    "print(t.net.sizes, t.net.layers[0].activation.name, t.lr, t.speed)",
]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server of this interpreter on a free port of 127.0.0.1; yields its notebook's URL."""
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    _require("jupyterlab", "the widgets in a real JupyterLab")
    _require("anywidget", "the notebook widgets")
    nbformat = _require("nbformat", "writing the notebook")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in CELLS],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, tmp_path / "check.ipynb")
    ratios = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(RATIO_CELL)], metadata=notebook.metadata)
    nbformat.write(ratios, tmp_path / "ratios.ipynb")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "run"))
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
            "--LabApp.news_url=",
            "--LabApp.extension_manager=readonly",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as answer:
                    json.load(answer)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        # one workspace per notebook, reset on every load: a restored workspace would also open the notebooks
        # of the tests before, and their cells would be found first
        yield f"{base}/lab/workspaces/{{0}}/tree/{{0}}.ipynb?token={token}&reset"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def run_cell(page, index: int):
    page.locator(".jp-Cell .jp-InputArea-editor").nth(index).click()
    page.keyboard.press("Shift+Enter")


def status_starts(page, text: str, timeout: float = 60_000):
    page.wait_for_function(
        f"(document.querySelector('[data-testid=widget-status]') || {{}}).textContent?.startsWith({text!r})",
        timeout=timeout,
    )


def open_notebook(page, url: str) -> None:
    """Load a notebook in JupyterLab and wait until its cells are shown and its kernel is idle."""
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell .jp-InputArea-editor", timeout=120_000)
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=120_000)  # the kernel is up


def test_widgets_and_figures_in_jupyterlab(browser, jupyterlab):
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        open_notebook(page, jupyterlab.format("check"))
        run_cell(page, 0)
        page.wait_for_selector("[data-testid=widget-lesson]", timeout=60_000)
        formula = page.locator("[data-testid=widget-formula]")
        assert formula.text_content() == "output = 1.0·h1 \u2212 1.0·h2"
        page.fill("[data-testid=widget-w21]", "0.5")  # through the kernel and back
        page.wait_for_function(
            "document.querySelector('[data-testid=widget-formula]').textContent === 'output = 1.0·h1 + 0.5·h2'",
            timeout=30_000,
        )
        page.click("[data-testid=widget-reveal]")
        page.wait_for_selector("[data-testid=widget-answer]:not([hidden])", timeout=30_000)
        run_cell(page, 1)
        status_starts(page, "ready: epoch 0 of 1000000")
        page.click("[data-testid=widget-start]")
        status_starts(page, "training: epoch ")
        page.wait_for_function(
            "Number(document.querySelector('[data-testid=widget-status]').textContent.split(' ')[2]) > 100",
            timeout=60_000,
        )
        shot(page, "jupyterlab-training")
        page.click("[data-testid=widget-pause]")
        status_starts(page, "paused: epoch ")
        paused = page.locator("[data-testid=widget-status]").text_content()
        page.click("[data-testid=widget-step]")
        epoch = int(paused.split(" ")[2])
        status_starts(page, f"paused: epoch {epoch + 1} of ")
        run_cell(page, 2)  # a figure: an image, no magic
        page.wait_for_selector(".jp-OutputArea-output img", timeout=60_000)
        run_cell(page, 3)  # the trained network is the one in the Python variable
        page.wait_for_selector("text=paused True True True", timeout=60_000)
        # the teacher's settings, through the kernel and back: a narrower network starts over
        page.fill("[data-testid=widget-width]", "3")
        status_starts(page, "ready: epoch 0 of ")
        page.select_option("[data-testid=widget-hidden-activation]", "relu")
        page.select_option("[data-testid=widget-speed]", "10")
        page.fill("[data-testid=widget-lr]", "-1")
        page.wait_for_function("document.querySelector('[data-testid=widget-lr-value]').textContent === '0.1'")
        run_cell(page, 4)  # (after the changes: the kernel takes its shell messages in order)
        page.wait_for_selector("text=[1, 3, 1] relu 0.1 10.0", timeout=60_000)
        shot(page, "jupyterlab")
    except Exception:
        shot(page, "jupyterlab-failure")  # what the learner would have seen
        raise
    finally:
        context.close()
    assert not problems, problems


# The canvases of every widget, as {testid: [css width, css height, backing width, backing height]}.
CANVAS_SIZES = """() => Object.fromEntries([...document.querySelectorAll('.jp-OutputArea canvas[data-testid]')]
  .filter((c) => c.offsetParent !== null)
  .map((c) => [c.dataset.testid, [c.clientWidth, c.clientHeight, c.width, c.height]]))"""


@pytest.mark.parametrize("ratio", [1, 1.25, 2, 3])
def test_widgets_are_sharp_and_steady_at_every_pixel_ratio(browser, jupyterlab, ratio):
    """On a Mac (ratio 2), a 125 % screen or a phone the widgets' canvases keep their size through redraws
    and resizes, their backing store is their size times the ratio (sharp), and a focused slider takes the
    arrow keys (JupyterLab would move to another cell)."""
    context = browser.new_context(viewport={"width": 1300, "height": 1100}, device_scale_factor=ratio)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        open_notebook(page, jupyterlab.format("ratios"))
        run_cell(page, 0)
        page.wait_for_selector("[data-testid=widget-construction]", timeout=60_000)
        page.wait_for_selector("[data-testid=widget-output]", timeout=60_000)
        page.wait_for_timeout(1000)
        first = page.evaluate(CANVAS_SIZES)
        assert {"widget-h1", "widget-h2", "widget-output", "widget-construction"} <= set(first)
        for name, (width, height, pixels_wide, pixels_high) in first.items():
            assert 100 <= width <= 1300 and 40 <= height <= 1100, (name, first[name])
            assert abs(pixels_wide - width * ratio) <= 2 and abs(pixels_high - height * ratio) <= 2, (name, first[name])
        for move in range(3):  # redraws (a slider moved from the kernel) and resizes must not grow anything
            page.set_viewport_size({"width": 1300 - 150 * (move % 2), "height": 1100})
            page.wait_for_timeout(500)
        page.set_viewport_size({"width": 1300, "height": 1100})
        page.wait_for_timeout(1000)
        assert page.evaluate(CANVAS_SIZES) == first
        slider = page.locator("[data-testid=widget-w11]")
        slider.focus()
        page.keyboard.press("ArrowRight")  # the step is 0.1: 1.0 -> 1.1, through the kernel and back
        page.wait_for_function(
            "document.querySelector('[data-testid=widget-formula]').textContent === 'output = 1.1·h1 \u2212 1.0·h2'",
            timeout=30_000,
        )
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(
            "document.querySelector('[data-testid=widget-formula]').textContent === 'output = 0.9·h1 \u2212 1.0·h2'",
            timeout=30_000,
        )
        assert page.evaluate(CANVAS_SIZES) == first
        # the widgets show as widgets (their PNG is for viewers without a kernel): the one <img> is the diagram,
        # and its weights are written in it, since an <img> has no hover titles
        images = page.locator(".jp-OutputArea-output img")
        assert images.count() == 1
        svg = page.evaluate("""async () => {
          const image = document.querySelector('.jp-OutputArea-output img');
          return (await fetch(image.src)).text(); }""")
        import neuronlab as nl

        net = nl.mlp([1, 4, 1], seed=0)
        written = re.findall(r'class="weight">([^<]+)</text>', svg)
        assert sorted(written) == sorted(f"{w:.2g}" for layer in net.layers for w in layer.W.data.ravel())
        box = images.first.bounding_box()
        assert box["width"] >= 400  # shown at its size: its 12 px text stays 12 px
        images.first.screenshot(path=str(SCREENSHOTS / f"jupyterlab-diagram-ratio-{ratio}.png"))
        shot(page, f"jupyterlab-ratio-{ratio}")
    except Exception:
        shot(page, f"jupyterlab-ratio-{ratio}-failure")
        raise
    finally:
        context.close()
    assert not problems, problems
