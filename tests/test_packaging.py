"""neuronlab as users install it: the sdist carries its tests, the wheel installs alone and serves the page,
the metadata passes twine's check, and `import neuronlab` stays light."""

import os
import re
import socket
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from conftest import _require

ROOT = Path(__file__).resolve().parents[1]


def test_import_neuronlab_pulls_in_no_heavy_library():
    """SciPy, matplotlib, the server, anywidget and torch are imported where they are used (start-up time)."""
    heavy = ["scipy", "matplotlib", "starlette", "uvicorn", "anywidget", "torch", "sklearn", "rich", "PIL"]
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, neuronlab; print(' '.join(sorted("
            f"{{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == []
    # nor its own modules for drawing, serving, benchmarking, the lesson's numbers, the command line, the site
    own = [
        "neuronlab.views.plot",
        "neuronlab.apps.widgets",
        "neuronlab.apps.lesson",
        "neuronlab.apps.lesson_text",
        "neuronlab.apps.playground",
        "neuronlab.apps.bench",
        "neuronlab.apps.cli",
        "neuronlab.apps.site",
        "neuronlab.training.sklearn",
    ]
    done = subprocess.run(
        [sys.executable, "-c", f"import sys, neuronlab; print(' '.join(sorted(set(sys.modules) & set({own!r}))))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == []


def test_the_version_has_a_changelog_entry():
    import neuronlab as nl

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert nl.__version__ == version
    assert re.search(rf"^## {re.escape(version)}$", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and the wheel, built as a release would be (python -m build, isolated), twine-checked."""
    _require("build", "building the sdist and the wheel")
    _require("twine", "checking the metadata")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], check=True, capture_output=True, timeout=600
    )
    files = sorted(out.iterdir())
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return next(f for f in files if f.suffix == ".gz"), next(f for f in files if f.suffix == ".whl")


@pytest.mark.slow
def test_the_sdist_carries_its_tests_and_they_run(dist, tmp_path):
    sdist, _ = dist
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    unpacked = next(tmp_path.iterdir())
    for needed in (
        "LICENSE",
        "tests/conftest.py",
        "tests/browser/conftest.py",
        "src/neuronlab/py.typed",
        "src/neuronlab/apps/playground/static/facts.js",
        "examples/fit_sine.py",
        "benchmarks/suite.py",
    ):
        assert (unpacked / needed).is_file(), needed
    env = dict(os.environ, PYTHONPATH=str(unpacked / "src"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not slow",
            "tests/test_tensor.py",
            "tests/test_network.py",
            "tests/test_facts.py",
        ],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "src/neuronlab" not in done.stdout and " passed" in done.stdout


@pytest.mark.slow
def test_the_wheel_installs_alone_and_serves_the_page(dist, tmp_path):
    """A clean venv (no site packages), the wheel and its declared dependencies only, then `neuronlab play`."""
    _, wheel = dist
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing but the venv's own packages
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
        env=clean,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    where = subprocess.run(
        [str(python), "-c", "import neuronlab; print(neuronlab.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=clean,
    ).stdout
    assert where.startswith(str(venv))  # the installed wheel, not this checkout
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(venv / "bin" / "neuronlab"), "play", "--no-browser", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean,
    )
    try:
        deadline, page = time.time() + 120, None
        while page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
                    page = answer.read().decode()
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail("neuronlab play did not serve its page:\n" + (server.stdout.read() or "")[-3000:])
                time.sleep(0.5)
        assert "neuronlab" in page and 'data-testid="theorem"' in page  # the lesson's words are in the page
        for name in ("app.js", "facts.js", "drawing.css", "style.css"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/{name}", timeout=10) as answer:
                assert answer.status == 200 and answer.read(), name
    finally:
        server.terminate()
        server.wait(timeout=30)
