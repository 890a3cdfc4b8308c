import numpy as np
import pytest

import neuronlab as nl
from neuronlab.engine.tensor import Tensor


def quadratic_steps(optimizer_factory, steps=25):
    """Minimise sum((w - target)^2 * scale) and return the trajectory of w."""
    w = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    target, scale = np.array([0.5, 0.5, -1.0]), np.array([1.0, 10.0, 0.1])
    opt = optimizer_factory([w])
    path = []
    for _ in range(steps):
        opt.zero_grad()
        (((w - target) ** 2) * scale).sum().backward()
        opt.step()
        path.append(w.data.copy())
    return np.array(path)


def torch_steps(torch, optimizer_factory, steps=25):
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    target, scale = torch.tensor([0.5, 0.5, -1.0]), torch.tensor([1.0, 10.0, 0.1])
    opt = optimizer_factory([w])
    path = []
    for _ in range(steps):
        opt.zero_grad()
        (((w - target) ** 2) * scale).sum().backward()
        opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)


def test_plain_sgd_step_by_hand():
    w = Tensor([1.0], requires_grad=True)
    opt = nl.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.data.tolist() == [0.8]  # 1 - 0.1 * 2


@pytest.mark.parametrize(
    "kwargs", [dict(lr=0.01), dict(lr=0.01, momentum=0.9), dict(lr=0.01, momentum=0.5, nesterov=True, weight_decay=0.1)]
)
def test_sgd_matches_pytorch(kwargs, torch):
    ours = quadratic_steps(lambda p: nl.optim.SGD(p, **kwargs))
    theirs = torch_steps(torch, lambda p: torch.optim.SGD(p, **kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.01)])
def test_adam_matches_pytorch(kwargs, torch):
    ours = quadratic_steps(lambda p: nl.optim.Adam(p, **kwargs))
    theirs = torch_steps(torch, lambda p: torch.optim.Adam(p, **kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_state_is_keyed_by_parameter():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0, 3.0], requires_grad=True)
    opt = nl.optim.Adam([a, b], lr=0.1)
    ((a * a).sum() + (b * b).sum()).backward()
    opt.step()
    assert set(opt.state) == {a, b} and opt.state[b]["m"].shape == (2,) and opt.state[a]["step"] == 1


def test_bad_settings():
    w = [Tensor([1.0], requires_grad=True)]
    with pytest.raises(ValueError, match="learning rate"):
        nl.optim.SGD(w, lr=-1)
    with pytest.raises(ValueError, match="momentum"):
        nl.optim.SGD(w, lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="no parameters"):
        nl.optim.Adam([])


def _lm_step_in_parameter_space(net, x, y, mu):
    """The textbook step, (J^T J + mu I) d = -J^T r, solved in the parameters' space."""
    from neuronlab.engine.fastpath import jacobian, pack

    out, J = jacobian(net, x)
    r = (out - y).ravel()
    return pack(net) + np.linalg.solve(J.T @ J + mu * np.eye(J.shape[1]), -J.T @ r)


@pytest.mark.parametrize("points", [5, 40])  # fewer residuals than the 31 parameters, then more
def test_levenberg_marquardt_step_is_the_same_in_either_space(points):
    from neuronlab.engine.fastpath import pack

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(points, 2)), rng.normal(size=(points, 1))
    net = nl.mlp([2, 6, 1], activation="tanh", seed=1)
    start = net.copy()
    solver = nl.levenberg_marquardt.LevenbergMarquardt(net)
    loss, out = solver.step(x, y)
    accepted_mu = solver.mu / solver.mu_decrease  # mu grows until a step lowers the loss, then shrinks once
    expected = _lm_step_in_parameter_space(start, x, y, mu=accepted_mu)
    assert np.allclose(pack(net), expected, rtol=1e-8, atol=1e-10)
    # the step returns the loss and outputs after it, i.e. of the weights it leaves
    assert np.array_equal(out, net.predict(x)) and loss == pytest.approx(np.mean((out - y) ** 2), rel=1e-12)
