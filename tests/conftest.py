import os

import numpy as np
import pytest


def _require(module_name: str, why: str):
    """Import a test-only dependency: skip locally when missing, but fail in CI (CI must run everything)."""
    try:
        return __import__(module_name)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module_name} is required in CI ({why}); scripts/test installs it")
        pytest.skip(f"{module_name} not installed ({why})")


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
