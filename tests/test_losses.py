import numpy as np
import pytest

import neuronlab as nl
from neuronlab.engine.tensor import Tensor

from conftest import numerical_gradient

rng = np.random.default_rng(0)
LOGITS = rng.normal(size=(5, 3)) * 3
LABELS = np.array([0, 2, 1, 2, 0])


def test_hand_values():
    p = Tensor([[1.0], [3.0]])
    assert nl.losses.mse(p, np.array([0.0, 1.0])).item() == 2.5
    assert nl.losses.mae(p, np.array([[0.0], [1.0]])).item() == 1.5
    # two equal logits: log softmax = log(1/2)
    assert nl.losses.cross_entropy(Tensor([[0.0, 0.0]]), [1]).item() == pytest.approx(np.log(2), rel=1e-15)
    # BCE at z = 0: log 2 whatever the label
    assert nl.losses.binary_cross_entropy(Tensor([[0.0], [0.0]]), [0, 1]).item() == pytest.approx(np.log(2))


def test_stable_for_huge_logits():
    ce = nl.losses.cross_entropy(Tensor([[1000.0, 0.0], [0.0, 1000.0]]), [0, 0])
    assert ce.item() == pytest.approx(500.0)
    bce = nl.losses.binary_cross_entropy(Tensor([[800.0], [-800.0]]), [0, 0])
    assert bce.item() == pytest.approx(400.0)


@pytest.mark.parametrize(
    "name, target",
    [
        ("mse", rng.normal(size=(5, 3))),
        ("mae", rng.normal(size=(5, 3))),
        ("cross_entropy", LABELS),
        ("binary_cross_entropy", (rng.random((5, 3)) > 0.5).astype(float)),
    ],
)
def test_gradients_match_central_differences_and_pytorch(name, target, torch):
    loss = nl.losses.get(name)
    z = Tensor(LOGITS.copy(), requires_grad=True)
    value = loss(z, target)
    value.backward()
    numeric = numerical_gradient(lambda v: loss(Tensor(v), target).item(), LOGITS.copy())
    np.testing.assert_allclose(z.grad, numeric, rtol=1e-6, atol=1e-9)
    F = torch.nn.functional
    tz = torch.tensor(LOGITS, requires_grad=True)
    tt = torch.tensor(target)
    expected = {
        "mse": lambda: F.mse_loss(tz, tt),
        "mae": lambda: F.l1_loss(tz, tt),
        "cross_entropy": lambda: F.cross_entropy(tz, tt),
        "binary_cross_entropy": lambda: F.binary_cross_entropy_with_logits(tz, tt),
    }[name]()
    expected.backward()
    assert value.item() == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-9, atol=1e-15)


def test_bad_targets_are_explained():
    with pytest.raises(nl.TargetError, match=r"label 3 is outside the classes 0..2"):
        nl.losses.cross_entropy(Tensor(LOGITS), [0, 1, 2, 3, 0])
    with pytest.raises(nl.TargetError, match="whole numbers"):
        nl.losses.cross_entropy(Tensor(LOGITS), [0, 1, 2, 0.5, 0])
    with pytest.raises(nl.TargetError, match="0 or 1"):
        nl.losses.binary_cross_entropy(Tensor([[0.0]]), [2])
    with pytest.raises(nl.TargetError, match="shape"):
        nl.losses.mse(Tensor(np.ones((4, 2))), np.ones(4))
    with pytest.raises(ValueError, match="unknown loss 'l2'; choose one of: mse"):
        nl.losses.get("l2")
