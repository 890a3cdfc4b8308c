import numpy as np
import pytest

import neuronlab as nl

X = np.array([0.0, 0.3, 0.4, 0.5, 0.6, 1.0])


def lesson_network(w11: float, w21: float) -> nl.Network:
    """Two step neurons with thresholds s1 = 0.4 and s2 = 0.6 feeding an output neuron (bias 0)."""
    hidden = nl.Dense(1, 2, "step", weights=[[1.0, 1.0]], bias=[-0.4, -0.6])
    output = nl.Dense(2, 1, "linear", weights=[[w11], [w21]], bias=[0.0])
    return nl.Network([hidden, output])


@pytest.mark.parametrize("w11, w21, expected", [
    # x:           0    0.3  0.4   0.5   0.6   1.0      worked out on paper: w11·h1(x) + w21·h2(x)
    (1.0, 1.0, [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]),      # adds both graphs: a staircase
    (1.0, -1.0, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]),     # inverts neuron 2's graph: a bump on [0.4, 0.6)
    (-1.0, 1.0, [0.0, 0.0, -1.0, -1.0, 0.0, 0.0]),   # inverts neuron 1's: a dip
    (1.5, -0.5, [0.0, 0.0, 1.5, 1.5, 1.0, 1.0]),     # the exercise: up 1.5, then down 0.5
])
def test_two_step_neurons_compute_the_hand_worked_values(w11, w21, expected):
    net = lesson_network(w11, w21)
    assert net.predict(X)[:, 0].tolist() == expected
    assert net(X).data[:, 0].tolist() == expected
    contributions = net.contributions(X)
    assert contributions[:, 0].tolist() == [0.0, 0.0, w11, w11, w11, w11]
    assert contributions[:, 1].tolist() == [0.0, 0.0, 0.0, 0.0, w21, w21]


def test_contributions_sum_to_the_output_weighted_sum():
    net = nl.mlp([1, 7, 1], activation="sigmoid", output_activation="tanh", seed=3)
    x = np.linspace(-2, 2, 11)
    z_out = net.layer_values(x)[-1][0][:, 0]
    np.testing.assert_allclose(net.contributions(x).sum(1) + net.layers[-1].b.data[0], z_out, rtol=1e-14)
    with pytest.raises(nl.ShapeError, match="hidden layer"):
        nl.Network([nl.Dense(1, 1)]).contributions(x)


def test_weight_matrix_convention():
    # W[i, j] is the weight from input i to neuron j
    layer = nl.Dense(2, 3, "linear", weights=[[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]], bias=[0.5, 0.0, -1.0])
    out = nl.Network([layer]).predict(np.array([[1.0, 0.1]]))
    assert out.tolist() == [[1.0 + 1.0 + 0.5, 2.0 + 2.0, 3.0 + 3.0 - 1.0]]


def test_parameters_order_shapes_and_zero_grad():
    net = nl.mlp([3, 5, 4, 2], seed=0)
    assert [p.shape for p in net.parameters()] == [(3, 5), (5,), (5, 4), (4,), (4, 2), (2,)]
    assert net.sizes == [3, 5, 4, 2] and net.n_parameters() == 20 + 24 + 10
    nl.losses.mse(net(np.ones((2, 3))), np.zeros((2, 2))).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_width_one_hidden_layer_works_like_any_other():
    net = nl.mlp([1, 1, 1], activation="tanh", seed=0)
    x = np.linspace(-1, 1, 5)
    assert net(x).shape == (5, 1) and net.predict(x).shape == (5, 1)
    assert net.contributions(x).shape == (5, 1)
    history = nl.fit(net, x, 0.5 * x, epochs=1000, progress=False)
    assert history.loss[-1] < 1e-3
    deep = nl.mlp([2, 1, 1, 1, 3], seed=0)
    assert deep.predict(np.zeros((4, 2))).shape == (4, 3)


def test_mlp_is_seeded_and_initialised_per_activation():
    a, b = nl.mlp([2, 64, 1], seed=7), nl.mlp([2, 64, 1], seed=7)
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))
    assert not np.array_equal(nl.mlp([2, 64, 1], seed=8).layers[0].W.data, a.layers[0].W.data)
    relu = nl.mlp([400, 400, 1], activation="relu", seed=0).layers[0].W.data
    assert relu.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)  # He
    tanh = nl.mlp([400, 400, 1], activation="tanh", seed=0).layers[0].W.data
    assert np.abs(tanh).max() <= np.sqrt(6 / 800)  # Glorot uniform
    assert nl.mlp([1, 4, 1], dtype="float32").predict([0.5]).dtype == np.float32


def test_shape_errors_say_what_is_expected():
    net = nl.mlp([2, 3, 1], seed=0)
    with pytest.raises(nl.ShapeError, match=r"x must have shape \(n, 2\), got \(5,\)"):
        net.predict(np.ones(5))
    with pytest.raises(nl.ShapeError, match="layer 1 has 3 neurons but layer 2 expects 4 inputs"):
        nl.Network([nl.Dense(2, 3), nl.Dense(4, 1)])
    with pytest.raises(nl.ShapeError, match=r"weights must have shape \(2, 3\)"):
        nl.Dense(2, 3, weights=np.ones((3, 2)))
    with pytest.raises(nl.ShapeError):
        nl.mlp([2])
    with pytest.raises(nl.ShapeError, match="numbers"):
        net.predict(np.array([["a", "b"]]))


def test_forward_matches_pytorch(torch):
    net = nl.mlp([3, 6, 5, 2], activation="gelu", output_activation="sigmoid", seed=2)
    x = np.random.default_rng(0).normal(size=(7, 3))
    module = net.to_torch()
    np.testing.assert_allclose(net.predict(x), module(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_fold_scaling_gives_the_same_function_on_raw_data():
    net = nl.mlp([2, 5, 1], seed=1)
    x = np.random.default_rng(0).normal(size=(6, 2)) * [10, 0.1] + [100, -3]
    mean, scale = x.mean(0), x.std(0)
    folded = net.fold_scaling(mean, scale, y_mean=4.0, y_scale=2.5)
    np.testing.assert_allclose(folded.predict(x), net.predict((x - mean) / scale) * 2.5 + 4.0, rtol=1e-12)


def test_thresholds_of_a_one_input_layer():
    layer = nl.Dense(1, 3, "step", weights=[[2.0, -1.0, 0.0]], bias=[-1.0, 0.5, 0.25])
    assert layer.thresholds().tolist() == [0.5, 0.5, -0.25]  # -b/w; w = 0 never crosses, kept at -b
    with pytest.raises(nl.ShapeError, match="one input"):
        nl.Dense(2, 3).thresholds()
