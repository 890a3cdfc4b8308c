"""choose_l2's restart and its held-out scoring (the search itself is tested in test_train.py)."""

import math

import numpy as np
import pytest

import neuronlab as nl
from neuronlab import losses, regularization


def test_constant_loss_by_hand():
    mse = regularization._constant_loss("mse", losses.get("mse"), np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0]), 1)
    assert mse == pytest.approx(2.0)  # mean 2: errors 0 and 2, squared mean 2
    mae = regularization._constant_loss("mae", losses.get("mae"), np.array([1.0, 2.0, 9.0]), np.array([2.0, 4.0]), 1)
    assert mae == pytest.approx(1.0)  # median 2: errors 0 and 2
    ce = regularization._constant_loss(
        "cross_entropy", losses.get("cross_entropy"), np.array([0, 0, 1]), np.array([1]), 2
    )
    assert ce == pytest.approx(-math.log(0.4))  # shares (2 + 1) / 5 and (1 + 1) / 5
    bce = regularization._constant_loss(
        "binary_cross_entropy",
        losses.get("binary_cross_entropy"),
        np.array([[1.0], [1.0], [0.0]]),
        np.array([[0.0]]),
        1,
    )
    assert bce == pytest.approx(-math.log(1 - 0.6))  # share of ones (2 + 1) / 5
    assert regularization._constant_loss(lambda p, y: p.sum(), None, np.zeros(3), np.zeros(2), 1) is None


def test_a_search_that_learned_nothing_starts_again_from_the_weakest_l2(monkeypatch):
    """The tanh 2-16-16-2 network on a spiral: l2 = 0.01 flattens it and the warm-started weaker copies stay
    flat (held-out loss near the constant's ln 2). The restart from the weakest l2, from scratch, learns."""
    d = nl.data.spiral(300, seed=0)
    net = nl.mlp([2, 16, 16, 2], activation="tanh", seed=0)
    monkeypatch.setattr(regularization, "RESTART_SHARE", None)
    stuck = regularization.choose_l2(net, d.x, d.y, "cross_entropy", seed=0)
    assert not stuck.restarted and stuck.constant == pytest.approx(0.69, abs=0.01)
    assert min(stuck.losses.values()) > 0.9 * stuck.constant
    monkeypatch.setattr(regularization, "RESTART_SHARE", 0.9)
    choice = regularization.choose_l2(net, d.x, d.y, "cross_entropy", seed=0)
    assert choice.restarted and choice.l2 <= 1e-3 and choice.losses[choice.l2] < 0.5 * choice.constant
    assert "started again from l2 = 0.0001 from scratch" in choice.reason(300)
    history = nl.fit(net, d.x, d.y, loss="cross_entropy", progress=False)
    assert history.metrics["accuracy"][-1] >= 0.97 and "started again" in history.reasons[0]


def test_a_sigmoid_output_is_scored_on_its_logits_under_binary_cross_entropy():
    """Separable points: a sigmoid-output copy that classifies them has a held-out BCE near 0 on its logits;
    scored on its probabilities (squashed twice) it could not go below softplus(1) - 1 = 0.31 on the ones."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (80, 2))
    y = (x[:, :1] + x[:, 1:] > 0).astype(float)
    net = nl.mlp([2, 40, 1], activation="tanh", seed=0)
    net.layers[-1] = net.layers[-1].with_activation("sigmoid")
    choice = regularization.choose_l2(net, x, y, "binary_cross_entropy", seed=0)
    assert min(choice.losses.values()) < 0.2 < choice.constant
