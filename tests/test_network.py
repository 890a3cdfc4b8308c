import numpy as np
import pytest

import neuronlab as nl

X = np.array([0.0, 0.3, 0.4, 0.5, 0.6, 1.0])


def lesson_network(w11: float, w21: float) -> nl.Network:
    """Two step neurons with thresholds s1 = 0.4 and s2 = 0.6 feeding an output neuron (bias 0)."""
    hidden = nl.Dense(1, 2, "step", weights=[[1.0, 1.0]], bias=[-0.4, -0.6])
    output = nl.Dense(2, 1, "linear", weights=[[w11], [w21]], bias=[0.0])
    return nl.Network([hidden, output])


@pytest.mark.parametrize(
    "w11, w21, expected",
    [
        # x:           0    0.3  0.4   0.5   0.6   1.0      worked out on paper: w11·h1(x) + w21·h2(x)
        (1.0, 1.0, [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]),  # adds both graphs: a staircase
        (1.0, -1.0, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]),  # inverts neuron 2's graph: a bump on [0.4, 0.6)
        (-1.0, 1.0, [0.0, 0.0, -1.0, -1.0, 0.0, 0.0]),  # inverts neuron 1's: a dip
        (1.5, -0.5, [0.0, 0.0, 1.5, 1.5, 1.0, 1.0]),  # the exercise: up 1.5, then down 0.5
    ],
)
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


def test_scaling_is_part_of_the_network():
    layers = [
        nl.Dense(2, 3, "tanh", weights=[[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]], bias=[0.1, 0.0, -0.2]),
        nl.Dense(3, 1, weights=[[1.0], [2.0], [-1.0]], bias=[0.5]),
    ]
    plain = nl.Network(layers)
    scaling = nl.Scaling(x_mean=[10.0, -1.0], x_scale=[2.0, 0.5], y_mean=[100.0], y_scale=[4.0])
    net = nl.Network([layer for layer in plain.copy().layers], scaling=scaling)
    x = np.array([[12.0, -1.5], [8.0, 0.0], [10.0, -1.0]])
    by_hand = plain.predict((x - [10.0, -1.0]) / [2.0, 0.5]) * 4.0 + 100.0
    np.testing.assert_allclose(net.predict(x), by_hand, rtol=1e-14)
    np.testing.assert_allclose(net(x).data, by_hand, rtol=1e-14)  # the Tensor path too
    np.testing.assert_allclose(net.folded().predict(x), by_hand, rtol=1e-12)
    assert net.folded().scaling is None
    assert np.array_equal(net.copy().predict(x), net.predict(x)) and net.copy().scaling is not None
    # superposition in raw units: contributions.sum + b_out * y_scale + y_mean == output
    assert np.allclose(net.contributions(x).sum(1) + 0.5 * 4.0 + 100.0, by_hand[:, 0])
    assert np.allclose(net.layer_values(x)[-1][1], by_hand)
    assert "inputs and outputs standardised" in net.describe()
    with pytest.raises(nl.ShapeError, match="linear output"):
        nl.Network([nl.Dense(2, 1, "sigmoid")], scaling=nl.Scaling([0, 0], [1, 1], [1.0], [2.0]))
    with pytest.raises(nl.ShapeError, match="scales finite and positive"):
        nl.Scaling([0.0], [0.0], [0.0], [1.0])


def test_fit_standardises_raw_columns_and_predict_takes_them_raw():
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.uniform(0, 5000, 120), rng.uniform(0, 0.002, 120)])  # wildly different units
    y = 1e4 + 300 * np.sin(x[:, 0] / 1000) + 2e5 * x[:, 1]
    net = nl.mlp([2, 10, 1], activation="tanh", seed=0)
    history = nl.fit(net, x, y, progress=False)
    np.testing.assert_allclose(net.scaling.x_mean, x.mean(0)), np.testing.assert_allclose(net.scaling.x_scale, x.std(0))
    assert net.scaling.y_mean[0] == pytest.approx(y.mean()) and net.scaling.y_scale[0] == pytest.approx(y.std())
    assert history.metrics["r2"][-1] > 0.999 and any(r.startswith("scaling: ") for r in history.reasons)
    assert np.sqrt(np.mean((net.predict(x)[:, 0] - y) ** 2)) == pytest.approx(history.metrics["rmse"][-1], rel=1e-6)
    unscaled = nl.mlp([2, 10, 1], activation="tanh", seed=0)
    nl.fit(unscaled, x, y, scale=False, progress=False)
    assert unscaled.scaling is None
    assert np.mean((unscaled.predict(x)[:, 0] - y) ** 2) > 100 * np.mean((net.predict(x)[:, 0] - y) ** 2)


def test_classification_scales_inputs_only_and_callbacks_see_raw_units():
    d = nl.data.xor(200, seed=0)
    x = d.x * 1000 + 5000
    net = nl.mlp([2, 8, 2], activation="tanh", seed=0)
    seen = []
    nl.fit(
        net,
        x,
        d.y,
        loss="cross_entropy",
        epochs=100,
        validation=0.0,
        progress=False,
        callback=lambda epoch, h: seen.append(np.mean(np.argmax(net.predict(x), 1) == d.y)),
    )
    assert not net.scaling.scales_outputs and net.scaling.x_mean == pytest.approx(x.mean(0))
    assert seen[-1] == np.mean(np.argmax(net.predict(x), 1) == d.y) >= 0.9  # the callback predicted raw x


def test_refitting_keeps_the_networks_own_scaling():
    x = np.linspace(0, 10, 50)
    net = nl.mlp([1, 8, 1], seed=0)
    nl.fit(net, x, x**2, epochs=5, progress=False)
    first = net.scaling
    history = nl.fit(net, x + 100, x**2, epochs=5, progress=False)
    assert net.scaling is first and "the network's own" in " ".join(history.reasons)


def test_explain_and_plots_show_a_scaled_network_in_raw_units():
    net = nl.Network(
        [nl.Dense(1, 3, "tanh", seed=0), nl.Dense(3, 1, seed=1)], scaling=nl.Scaling([10.0], [2.0], [100.0], [4.0])
    )
    explained = nl.explain(net, x=12.0, y=101.0)
    assert explained.loss == pytest.approx((net.predict([[12.0]])[0, 0] - 101.0) ** 2, rel=1e-12)
    fig = nl.plot.network(net, x_range=(5.0, 15.0))
    output_curve = [line for line in fig.axes[1].lines if line.get_label().startswith("sum + bias")][0]
    np.testing.assert_allclose(output_curve.get_ydata(), net.predict(output_curve.get_xdata())[:, 0], rtol=1e-12)


def test_a_regression_scaling_is_refused_for_classification():
    net = nl.Network(
        [nl.Dense(2, 3, "tanh", seed=0), nl.Dense(3, 2, seed=1)],
        scaling=nl.Scaling([0.0, 0.0], [1.0, 1.0], [5.0, 5.0], [2.0, 2.0]),
    )
    before = net.state_dict()
    with pytest.raises(nl.DataError, match="scales its outputs"):
        nl.fit(net, np.zeros((4, 2)), np.array([0, 1, 0, 1]), loss="cross_entropy", progress=False)
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items()) and net.scaling is not None


def test_a_network_pickles_with_its_scaling_and_activations():
    import pickle

    net = nl.mlp([2, 5, 5, 1], activation="silu", seed=0)
    net.layers[1] = net.layers[1].with_activation("step")
    net.scaling = nl.Scaling([1.0, 2.0], [3.0, 4.0], [5.0], [6.0])
    x = np.random.default_rng(0).normal(size=(7, 2))
    again = pickle.loads(pickle.dumps(net))
    assert np.array_equal(again.predict(x), net.predict(x))
    assert again.layers[0].activation is nl.activations.get("silu")  # the registry's own, by name
