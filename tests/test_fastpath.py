import numpy as np
import pytest

import neuronlab as nl
from neuronlab import fastpath

from conftest import numerical_gradient

rng = np.random.default_rng(0)
CASES = [
    ("mse", [3, 7, 5, 2], "tanh", "linear", rng.normal(size=(11, 2))),
    ("mae", [2, 6, 1], "sigmoid", "linear", rng.normal(size=(9, 1))),
    ("cross_entropy", [4, 8, 3], "relu", "linear", rng.integers(0, 3, 13)),
    ("binary_cross_entropy", [2, 5, 1], "gelu", "linear", rng.integers(0, 2, (10, 1)).astype(float)),
    ("mse", [1, 1, 4, 1], "silu", "sigmoid", rng.normal(size=(8, 1))),
    ("mse", [2, 3, 2], "softplus", "tanh", rng.normal(size=(6, 2))),
]


@pytest.mark.parametrize("loss, sizes, activation, output, y", CASES)
def test_fast_path_gives_the_tensor_engines_gradients(loss, sizes, activation, output, y):
    net = nl.mlp(sizes, activation=activation, output_activation=output, seed=1)
    x = rng.normal(size=(len(y), sizes[0]))
    net.zero_grad()
    reference = nl.losses.get(loss)(net(x), y)
    reference.backward()
    expected = [p.grad.copy() for p in net.parameters()]
    net.zero_grad()
    value, out = fastpath.FusedMLP(net, loss).loss_and_gradients(x, fastpath.labels_for(loss, y, len(y), sizes[-1]))
    assert value == pytest.approx(reference.item(), rel=1e-12)
    np.testing.assert_allclose(out, net.predict(x), rtol=1e-12)
    for p, g in zip(net.parameters(), expected):
        np.testing.assert_allclose(p.grad, g, rtol=1e-12, atol=1e-15)


def test_buffers_are_reused_and_batch_sizes_can_change():
    net = nl.mlp([2, 4, 1], seed=0)
    fused = fastpath.FusedMLP(net, "mse")
    x = rng.normal(size=(8, 2))
    fused.loss_and_gradients(x, np.zeros((8, 1)))
    grad = net.layers[0].W.grad
    fused.loss_and_gradients(x[:3], np.zeros((3, 1)))
    fused.loss_and_gradients(x, np.ones((8, 1)))
    assert net.layers[0].W.grad is grad  # the same array, refilled
    assert set(fused._buffers) == {8, 3}


def test_packed_gradient_packs_in_parameter_order_and_needs_a_backward_pass():
    net = nl.mlp([2, 3, 1], seed=0)
    with pytest.raises(RuntimeError, match="no gradient yet: run a backward pass"):
        fastpath.packed_gradient(net)  # once an AttributeError on None.ravel
    fastpath.FusedMLP(net, "mse").loss_and_gradients(rng.normal(size=(5, 2)), np.zeros((5, 1)))
    packed = fastpath.packed_gradient(net)
    assert packed.shape == (2 * 3 + 3 + 3 * 1 + 1,)
    np.testing.assert_array_equal(packed[:6], net.layers[0].W.grad.ravel())
    np.testing.assert_array_equal(packed[-1:], net.layers[1].b.grad)


def test_fit_engines_agree():
    x = np.linspace(-1, 1, 40)
    runs = []
    for engine in ("fast", "tensor"):
        net = nl.mlp([1, 6, 1], seed=0)
        history = nl.fit(
            net,
            x,
            np.sin(3 * x),
            optimizer="adam",
            epochs=50,
            batch_size=8,
            engine=engine,
            l1=1e-4,
            l2=1e-3,
            progress=False,
        )
        runs.append((history.loss, net.state_dict()))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-10)
    for key in runs[0][1]:
        np.testing.assert_allclose(runs[0][1][key], runs[1][1][key], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("sizes, output", [([1, 5, 1], "linear"), ([2, 3, 4, 2], "sigmoid")])
def test_jacobian_matches_finite_differences(sizes, output):
    net = nl.mlp(sizes, activation="tanh", output_activation=output, seed=2)
    x = rng.normal(size=(5, sizes[0]))
    out, J = fastpath.jacobian(net, x)
    assert J.shape == (5 * sizes[-1], net.n_parameters())
    np.testing.assert_allclose(out, net.predict(x), rtol=1e-14)
    start = fastpath.pack(net)
    for row in range(J.shape[0]):

        def f(v, row=row):
            fastpath.unpack(net, v)
            value = net.predict(x).ravel()[row]
            fastpath.unpack(net, start)
            return value

        np.testing.assert_allclose(J[row], numerical_gradient(f, start.copy()), rtol=1e-6, atol=1e-9)


def test_levenberg_marquardt_reaches_an_exact_fit():
    # the target is itself a 1-3-1 tanh network: a perfect fit exists
    teacher = nl.mlp([1, 3, 1], activation="tanh", seed=5)
    x = np.linspace(-2, 2, 60)
    y = teacher.predict(x)
    student = nl.mlp([1, 3, 1], activation="tanh", seed=6)
    history = nl.fit(student, x, y, optimizer="lm", progress=False)
    assert history.optimizer == "levenberg-marquardt" and history.loss[-1] < 1e-8
    assert np.abs(student.predict(x) - y).max() < 1e-4


def test_lbfgs_reaches_an_exact_fit_and_classifies():
    teacher = nl.mlp([1, 3, 1], activation="tanh", seed=5)  # a perfect fit exists
    x = np.linspace(-2, 2, 60)
    student = nl.mlp([1, 3, 1], activation="tanh", seed=6)
    history = nl.fit(student, x, teacher.predict(x), optimizer="lbfgs", epochs=3000, progress=False)
    assert history.optimizer == "lbfgs" and min(history.loss) < 1e-8 and history.stopped == "converged"
    d = nl.data.spiral(300, seed=0)
    net = nl.mlp([2, 16, 16, 2], activation="tanh", seed=0)
    history = nl.fit(net, d.x, d.y, loss="cross_entropy", progress=False)
    assert history.optimizer == "lbfgs" and "auto: L-BFGS" in history.optimizer_reason
    assert history.metrics["accuracy"][-1] >= 0.97


def test_auto_picks_the_solver_by_estimated_time():
    small = nl.mlp([1, 16, 1], seed=0)  # 49 parameters, 100 points: LM's 100 x 49 system is cheap
    assert nl.train.plan(small, 100)[0] == "levenberg-marquardt"
    wide = nl.mlp([10, 100, 1], seed=0)  # 1,201 parameters, 331 points: LM would interpolate, L-BFGS with l2
    assert nl.train.plan(wide, 331)[0] == "lbfgs"
    assert nl.train.plan(wide, 331, l2=0.0)[0] == "lbfgs"  # LM needs at least as many points as parameters
    many = nl.mlp([10, 64, 1], seed=0)  # 50,000 points: minibatches of Adam beat full passes of L-BFGS
    assert nl.train.plan(many, 50_000)[0] == "adam"
    costs = {
        s: nl.train.estimated_seconds(many, 50_000, b, steps, s)
        for s, b, steps in [("lbfgs", 50_000, 1000), ("adam", 128, 3910)]
    }
    assert costs["adam"] < costs["lbfgs"]
    net = nl.mlp([10, 64, 1], seed=0)
    x = rng.normal(size=(50_000, 10))
    history = nl.fit(net, x, x[:, :1], progress=False, callback=lambda epoch, h: False)  # one epoch is enough
    assert history.optimizer == "adam" and "fastest by estimated time" in history.optimizer_reason
    assert "Adam ~" in history.optimizer_reason and "L-BFGS ~" in history.optimizer_reason


def test_fused_cross_entropy_is_stable_for_huge_logits():
    net = nl.mlp([2, 3, 2], seed=0)
    net.layers[-1].W.data[:] *= 1e4  # logits in the thousands: the right class's probability underflows to 0
    x, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    fused, _ = fastpath.FusedMLP(net, "cross_entropy").loss_and_gradients(x, y)
    assert np.isfinite(fused) and fused == pytest.approx(nl.losses.cross_entropy(net(x), y).item(), rel=1e-12)


# ---------------------------------------------------------------- every fast path against the one reference

LEARNABLE = [name for name in nl.activations.names() if nl.activations.get(name).learnable]


def _tensor_gradients(net, x, loss, y):
    """The reference: the Tensor engine's loss and backward() (tensor.py, the readable engine)."""
    net.zero_grad()
    value = nl.losses.get(loss)(net(x), y)
    value.backward()
    return value.item(), [p.grad.copy() for p in net.parameters()]


@pytest.mark.parametrize("activation", LEARNABLE)
@pytest.mark.parametrize("loss", fastpath.FUSED_LOSSES)
def test_fused_backprop_agrees_with_the_tensor_engine_for_every_activation(activation, loss):
    """Random networks, the activation in the hidden layers and at the output: values and gradients to 1e-10."""
    generator = np.random.default_rng(len(activation) * 7 + len(loss))
    outputs = 3 if loss == "cross_entropy" else 2
    net = nl.mlp(
        [3, 6, 5, outputs],
        activation=activation,
        output_activation="linear" if loss.endswith("cross_entropy") else activation,
        seed=generator,
    )
    x = generator.normal(size=(9, 3))
    y = {
        "cross_entropy": generator.integers(0, outputs, 9),
        "binary_cross_entropy": generator.integers(0, 2, (9, outputs)).astype(float),
    }.get(loss, generator.normal(size=(9, outputs)))
    expected_value, expected = _tensor_gradients(net, x, loss, y)
    net.zero_grad()
    value, out = fastpath.FusedMLP(net, loss).loss_and_gradients(x, fastpath.labels_for(loss, y, 9, outputs))
    assert abs(value - expected_value) <= 1e-10 * max(1.0, abs(expected_value))
    np.testing.assert_allclose(out, net.predict(x), rtol=1e-10, atol=1e-12)
    for p, g in zip(net.parameters(), expected):
        np.testing.assert_allclose(p.grad, g, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", LEARNABLE)
def test_jacobian_rows_are_the_tensor_engines_gradients_for_every_activation(activation):
    """Row s·k + o of the Jacobian is the gradient of output o at sample s, as backward() computes it."""
    generator = np.random.default_rng(len(activation))
    net = nl.mlp([2, 5, 4, 2], activation=activation, output_activation=activation, seed=generator)
    x = generator.normal(size=(4, 2))
    out, J = fastpath.jacobian(net, x)
    for s in range(4):
        for o in range(2):
            net.zero_grad()
            net(x[s : s + 1])[0, o].backward()
            row = np.concatenate([p.grad.ravel() for p in net.parameters()])
            np.testing.assert_allclose(J[s * 2 + o], row, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out, net.predict(x), rtol=1e-10, atol=1e-12)
