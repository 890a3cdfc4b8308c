"""examples/distributed_torch.py: a neuronlab network trained under DistributedDataParallel (gloo, two local
processes on the CPU) comes back computing the same function, with a lower loss."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # two fresh interpreters import torch and start DDP: about 10 s on 2 busy cores
def test_distributed_example_trains_two_ranks_and_comes_back(torch):
    assert torch.distributed.is_available() and torch.distributed.is_gloo_available()
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "distributed_torch.py")],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout
    assert "back in neuronlab: Network(1 -> 16 tanh -> 16 tanh -> 1 linear" in printed
    difference = float(re.search(r"largest difference from the torch module: (\S+)", printed).group(1))
    assert difference <= 1e-12
    before, after = map(float, re.search(r"points: (\S+) before, (\S+) after", printed).groups())
    assert after < before / 10
    losses = [float(v) for v in re.findall(r"training loss (\S+) \(both ranks' points\)", printed)]
    assert len(losses) == 5 and losses[-1] < losses[0]
