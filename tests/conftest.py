import importlib
import os

import numpy as np
import pytest


def _require(module_name: str, why: str):
    """Import a test-only dependency: skip locally when missing, but fail in CI (CI must run everything)."""
    try:
        return importlib.import_module(module_name)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module_name} is required in CI ({why}); scripts/test installs it")
        pytest.skip(f"{module_name} not installed ({why})", allow_module_level=True)  # also from a module's top


@pytest.fixture
def torch():
    torch = _require("torch", "gradient and optimizer comparisons with PyTorch")
    torch.set_default_dtype(torch.float64)
    return torch


def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences: (f(x + h e_i) - f(x - h e_i)) / 2h for every element i."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


@pytest.fixture
def live_server():
    """The playground served by uvicorn on a free port of 127.0.0.1, in a thread; yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    from neuronlab.apps.playground.server import UVICORN_LIMITS, create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **UVICORN_LIMITS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline:
            pytest.fail("the playground server did not start")
        time.sleep(0.05)
    server.app_state = app.state
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
