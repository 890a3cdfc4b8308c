import io

import numpy as np
import pytest

import neuronlab as nl

X = np.linspace(-np.pi, np.pi, 100)


def test_tanh_network_fits_sine():
    net = nl.mlp([1, 16, 1], activation="tanh", seed=0)
    history = nl.fit(net, X, np.sin(X), progress=False)
    assert np.abs(net.predict(X)[:, 0] - np.sin(X)).max() < 1e-3
    assert history.optimizer == "levenberg-marquardt" and "auto: Levenberg" in history.optimizer_reason
    assert history.metrics["r2"][-1] > 0.999999


def test_tanh_network_fits_sine_with_adam():
    net = nl.mlp([1, 16, 1], activation="tanh", seed=0)
    history = nl.fit(net, X, np.sin(X), optimizer="adam", progress=False)
    assert np.abs(net.predict(X)[:, 0] - np.sin(X)).max() < 0.03
    assert history.stopped == "epochs" and history.optimizer == "adam" and history.steps == 3000
    assert history.metrics["r2"][-1] > 0.999
    # RMSE from the per-epoch predictions agrees with the epoch's MSE, which fit measures on the targets it
    # standardised: RMSE (raw units) = sqrt(loss) * the targets' standard deviation
    assert net.scaling.y_scale[0] == pytest.approx(np.sin(X).std(), rel=1e-12)
    assert history.metrics["rmse"][-1] == pytest.approx(np.sqrt(history.loss[-1]) * np.sin(X).std(), rel=1e-9)


def test_mlp_separates_xor():
    train, test = nl.data.xor(400, seed=0), nl.data.xor(400, seed=1)
    net = nl.mlp([2, 8, 2], activation="tanh", seed=0)
    history = nl.fit(net, train.x, train.y, loss="cross_entropy", progress=False)
    accuracy = np.mean(np.argmax(net.predict(test.x), axis=1) == test.y)
    assert accuracy >= 0.95
    assert history.metrics["accuracy"][-1] >= 0.95 and "rmse" not in history.metrics


def test_binary_cross_entropy_on_circle():
    d = nl.data.circle(300, seed=0)
    net = nl.mlp([2, 8, 1], activation="relu", seed=0)
    history = nl.fit(net, d.x, d.y, loss="binary_cross_entropy", epochs=400, progress=False)
    assert history.metrics["accuracy"][-1] >= 0.95


def test_same_seed_same_result_different_seed_different_result():
    def run(seed):
        net = nl.mlp([1, 8, 1], seed=0)
        nl.fit(net, X, np.cos(X), epochs=20, batch_size=16, seed=seed, validation=0.2, progress=False)
        return np.concatenate([p.data.ravel() for p in net.parameters()])

    assert np.array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))


def test_divergence_guard_keeps_the_best_weights():
    x = np.linspace(0, 10, 50)
    net = nl.mlp([1, 8, 1], activation="relu", seed=0)
    seen = []
    with pytest.raises(nl.TrainingDiverged, match=r"lr=1e\+06.*best weights seen.*smaller learning rate") as err:
        nl.fit(
            net,
            x,
            100 * x,
            optimizer="sgd",
            lr=1e6,
            epochs=200,
            progress=False,
            callback=lambda epoch, h: seen.append(net.state_dict()),
        )
    assert all(np.all(np.isfinite(p.data)) for p in net.parameters())
    assert err.value.history.stopped == "diverged"
    assert isinstance(err.value, ValueError)


def test_step_networks_cannot_be_trained_and_we_say_why():
    net = nl.mlp([1, 4, 1], activation="step", seed=0)
    with pytest.raises(nl.NotTrainableError, match="zero almost everywhere.*sigmoid"):
        nl.fit(net, X, np.sin(X), progress=False)


def test_tol_stops_once_the_loss_is_low_enough():
    net = nl.mlp([1, 16, 1], seed=0)
    history = nl.fit(net, X, np.sin(X), epochs=5000, tol=1e-3, progress=False)
    assert history.stopped == "tol" and history.loss[-1] <= 1e-3 and history.epochs < 5000
    assert all(loss > 1e-3 for loss in history.loss[:-1])


def test_validation_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 60)
    y = np.sin(3 * x) + rng.normal(0, 0.3, x.shape)  # noisy: a big net overfits
    net = nl.mlp([1, 64, 64, 1], seed=0)
    history = nl.fit(net, x, y, validation=0.3, lr=0.03, epochs=3000, patience=30, progress=False)
    assert history.stopped == "early_stop"
    assert history.epochs == history.best_epoch + 30
    held_out = history.validation_indices
    assert len(held_out) == history.n_validation == 18
    restored = float(nl.losses.mse(nl.Tensor(net.predict(x[held_out])), y[held_out]).data)
    train = np.setdiff1d(np.arange(60), held_out)
    assert net.scaling.y_scale[0] == pytest.approx(y[train].std(), rel=1e-12)  # from the training rows only
    assert restored / y[train].std() ** 2 == pytest.approx(min(history.val_loss), rel=1e-12)  # standardised
    assert "val_rmse" in history.metrics and len(history.metrics["val_r2"]) == history.epochs


def test_l1_and_l2_shrink_the_weights():
    def weight_size(**kwargs):
        net = nl.mlp([1, 16, 1], seed=0)
        nl.fit(net, X, np.sin(X), epochs=500, progress=False, **kwargs)
        return sum(np.abs(layer.W.data).sum() for layer in net.layers)

    plain = weight_size()
    assert weight_size(l2=0.01) < 0.8 * plain
    assert weight_size(l1=0.01) < 0.8 * plain


def test_float32_training_stays_float32():
    net = nl.mlp([1, 8, 1], seed=0, dtype="float32")
    nl.fit(net, X, np.sin(X), epochs=50, progress=False)
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_callback_and_interrupt_stop_cleanly():
    net = nl.mlp([1, 4, 1], seed=0)
    history = nl.fit(net, X, X, epochs=100, progress=False, callback=lambda epoch, h: epoch < 4)
    assert history.stopped == "callback" and history.epochs == 5
    history = nl.fit(net, X, X, epochs=100, progress=False, callback=lambda epoch, h: np.bool_(epoch < 2))
    assert history.stopped == "callback" and history.epochs == 3  # NumPy's False stops too
    history = nl.fit(net, X, X, epochs=7, progress=False, callback=lambda epoch, h: None)
    assert history.epochs == 7

    def interrupt(epoch, h):
        if epoch == 2:
            raise KeyboardInterrupt

    history = nl.fit(net, X, X, epochs=100, progress=False, callback=interrupt)
    assert history.stopped == "interrupted" and history.epochs == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=np.array([0.0, np.nan, 1.0]), y=np.zeros(3)), "x contains NaN or infinity .first at row 1"),
        (dict(x=np.zeros(3), y=np.array([0.0, 1.0, np.inf])), "y contains NaN or infinity .first at row 2"),
        (dict(x=np.zeros(3), y=np.zeros(4)), "x has 3 rows but y has 4"),
        (dict(x=np.zeros((3, 2)), y=np.zeros(3)), r"shape \(n, 1\), got \(3, 2\)"),
        (dict(x=np.zeros(3), y=np.zeros((3, 2))), r"y must have shape \(3, 1\)"),
        (dict(x=np.zeros(3), y=np.zeros(3), validation=1.0), "validation"),
        (dict(x=np.zeros(3), y=np.zeros(3), epochs=0), "epochs must be a whole number >= 1"),
        (dict(x=np.zeros(3), y=np.zeros(3), lr=-0.1), "lr must be a positive number"),
        (dict(x=np.zeros(3), y=np.zeros(3), l2=-1), "l2 must be"),
        (dict(x=np.zeros(3), y=np.zeros(3), loss="hinge"), "unknown loss"),
        (dict(x=np.zeros(3), y=np.zeros(3), optimizer="rmsprop"), "unknown optimizer"),
        (dict(x=np.zeros(3), y=np.zeros(3), optimizer="lm", loss="mae"), "Levenberg–Marquardt fits squared error"),
        (dict(x=np.zeros(3), y=np.zeros(3), engine="gpu"), "engine must be"),
    ],
)
def test_bad_input_is_explained(kwargs, message):
    net = nl.mlp([1, 4, 1], seed=0)
    before = net.state_dict()
    with pytest.raises(ValueError, match=message):
        nl.fit(net, progress=False, **kwargs)
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items())  # nothing lost


def test_labels_outside_the_classes():
    net = nl.mlp([2, 4, 3], seed=0)
    with pytest.raises(ValueError, match="label 3 is outside the classes 0..2"):
        nl.fit(net, np.zeros((4, 2)), [0, 1, 2, 3], loss="cross_entropy", progress=False)
    with pytest.raises(ValueError, match="0 or 1"):
        nl.fit(nl.mlp([2, 4, 1]), np.zeros((2, 2)), [0, 2], loss="binary_cross_entropy", progress=False)


def test_progress_bar_shows_loss_and_speed():
    from rich.console import Console

    out = io.StringIO()
    nl.fit(nl.mlp([1, 4, 1], seed=0), X, X, epochs=30, progress=Console(file=out, force_terminal=True, width=120))
    text = out.getvalue()
    assert "30/30" in text and "loss" in text and "steps/s" in text


def test_a_diverging_stepper_puts_back_the_best_weights_not_the_last_finite_ones():
    # SGD at lr 10 on sin(3x): before the guard's rollback, the "last good" weights gave outputs like -2e154
    from neuronlab.training.train import Diverged, Stepper

    x = np.linspace(-3, 3, 200).reshape(-1, 1)
    y = np.sin(3 * x)
    net = nl.mlp([1, 8, 1], activation="tanh", seed=0)
    start = [p.data.copy() for p in net.parameters()]
    first_loss = float(np.mean((net.predict(x) - y) ** 2))
    stepper = Stepper(
        net, nl.optim.SGD(net.parameters(), lr=10.0, momentum=0.9), x, y, "mse", batch=32, rng=np.random.default_rng(0)
    )
    with pytest.raises(Diverged, match="million times its best") as err:
        for _ in range(1000):
            stepper.step()
    assert "grew to" in err.value.what
    out = net.predict(x)
    assert np.all(np.abs(out) < 10)  # weights that still describe a curve
    loss = float(np.mean((out - y) ** 2))
    assert loss <= 2 * first_loss  # no worse than where it started
    # the weights put back are the ones with the lowest loss seen, here after a few steps or at the start
    assert stepper.best_loss <= first_loss * 1.5
    assert any(not np.array_equal(a, p.data) for a, p in zip(start, net.parameters())) or stepper.best_loss > 0


def test_a_finite_loss_that_grows_a_million_fold_is_divergence():
    from neuronlab.training.train import Diverged, Stepper

    x = np.linspace(-1, 1, 20).reshape(-1, 1)
    net = nl.mlp([1, 2, 1], activation="linear", seed=1)
    stepper = Stepper(net, nl.optim.SGD(net.parameters(), lr=1e-12), x, x, "mse")
    best = [p.data.copy() for p in net.parameters()]  # the weights of the only step so far: the best
    stepper.step()
    for p in net.parameters():  # a finite jump far away: the loss is over a million times its best
        p.data *= 3000.0
    with pytest.raises(Diverged, match="million"):
        stepper.step()
    for kept, p in zip(best, net.parameters()):
        np.testing.assert_array_equal(p.data, kept)


def test_levenberg_marquardt_history_holds_the_loss_after_each_step():
    """history.loss[-1] is the loss of the weights fit leaves, so tol stops on the step that reaches it."""
    net = nl.mlp([1, 16, 1], activation="tanh", seed=0)
    history = nl.fit(net, X, np.sin(X), optimizer="lm", tol=1e-6, progress=False)
    final = float(np.mean((net.predict(X)[:, 0] - np.sin(X)) ** 2)) / np.sin(X).var()  # on standardised targets
    assert history.stopped == "tol" and history.loss[-1] == pytest.approx(final, rel=1e-12)
    assert history.loss[-1] <= 1e-6 < min(history.loss[:-1])


def test_levenberg_marquardt_stops_when_progress_stalls():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (150, 3))
    y = np.sin(x.sum(axis=1)) + rng.normal(0, 0.3, 150)  # noise: the loss levels off far above 0
    net = nl.mlp([3, 20, 1], activation="tanh", seed=0)
    history = nl.fit(net, x, y, optimizer="lm", validation=0.0, progress=False)
    window = nl.levenberg_marquardt.WINDOW
    assert history.stopped == "converged" and history.epochs < 1000
    assert (
        history.loss[-window - 1] - history.loss[-1] <= nl.levenberg_marquardt.RELATIVE_TOL * history.loss[-window - 1]
    )
    assert (
        history.loss[-window - 2] - history.loss[-2] > nl.levenberg_marquardt.RELATIVE_TOL * history.loss[-window - 2]
    )


def test_defaults_say_what_they_chose_and_why():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = x.sum(axis=1) + rng.normal(0, 0.1, 300)
    history = nl.fit(nl.mlp([3, 8, 1], seed=0), x, y, optimizer="adam", epochs=5, progress=False)
    assert history.n_validation == 45 and history.n_train == 255  # first-order, 300 >= 200 points: 15 % held out
    assert any(r.startswith("validation: 15% of the 300 points") for r in history.reasons)
    assert any(r.startswith("l2: none, since the 300 training points") for r in history.reasons)
    wide = nl.mlp([3, 100, 1], seed=0)  # 501 parameters > 60 points: weight decay chosen, L-BFGS, no split
    history = nl.fit(wide, x[:60], y[:60], progress=False)
    assert history.optimizer == "lbfgs" and history.n_validation == 0
    assert "chosen by validation on the training rows only" in history.reasons[0]
    assert history.reasons[0].endswith("(parameters 501 > 60 points)")
    assert "not Levenberg–Marquardt, since 501 parameters outnumber the 60" in history.optimizer_reason
    free = nl.mlp([3, 100, 1], seed=0)
    nl.fit(free, x[:60], y[:60], l2=0.0, optimizer="lbfgs", progress=False)
    assert np.abs(wide.layers[0].W.data).sum() < 0.8 * np.abs(free.layers[0].W.data).sum()


def test_without_weight_decay_the_defaults_stop_early_on_a_validation_split():
    """10-16-1 on 354 noisy rows: the points outnumber the 193 parameters (no l2), so 15 % are held out
    and training stops when they stop improving; trained to convergence instead it overfits (R^2 < 0)."""
    from conftest import _require

    data = _require("sklearn.datasets", "a real noisy data set").load_diabetes(scaled=False)
    order = np.random.default_rng(0).permutation(442)
    test, train = order[:88], order[88:]

    def held_out_r2(**kwargs):
        net = nl.mlp([10, 16, 1], activation="tanh", seed=0)
        history = nl.fit(net, data.data[train], data.target[train], progress=False, **kwargs)
        return nl.train.Scores.of("regression", "mse", net.predict(data.data[test]), data.target[test])["r2"], history

    r2, history = held_out_r2()
    assert history.n_validation == 53 and history.stopped == "early_stop"
    assert any(r.startswith("validation: 15% of the 354 points") for r in history.reasons)
    overfit, _ = held_out_r2(validation=0.0)
    assert r2 > 0.4 > 0 > overfit


def test_levenberg_marquardt_asked_by_any_spelling_gets_no_default_weight_decay():
    x = np.linspace(-1, 1, 20)  # 49 parameters > 20 points: l2=None would mean weight decay, which LM refuses
    for name in ("lm", "levenberg-marquardt", "levenberg_marquardt", "Levenberg_Marquardt"):
        history = nl.fit(nl.mlp([1, 16, 1], seed=0), x, np.sin(3 * x), optimizer=name, epochs=5, progress=False)
        assert history.optimizer == "levenberg-marquardt", name


def test_planned_epochs_resolve_fits_defaults_as_fit_does():
    """Animations and the notebook Trainer plan their frames with it: 300 points and no weight decay mean
    fit holds 15 % out, so the planned epochs are those of 255 training points, and fit runs exactly them."""
    from neuronlab.training.train import plan, planned_epochs

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 300)
    y = np.sin(3 * x)
    net = nl.mlp([1, 4, 1], seed=0)
    planned = planned_epochs(net, 300, optimizer="adam", batch_size=128)
    assert planned == plan(net, 255, "mse", "adam", 128, None, 0.0, 0.0)[2] != plan(net, 300, "mse", "adam", 128)[2]
    history = nl.fit(net, x, y, optimizer="adam", batch_size=128, patience=10**6, progress=False)
    assert history.n_train == 255 and history.epochs == planned


# ---------------------------------------------------------------- the textbook sigmoid output under binary cross-entropy


def test_a_sigmoid_output_is_squashed_once_under_binary_cross_entropy():
    """By hand: one sigmoid neuron with z = 2 on a point of class 1. The loss is -log sigmoid(2) =
    softplus(2) - 2 = 0.126928 (squashed once), not softplus(sigmoid(2)) - sigmoid(2) = 0.345707 (twice)."""
    net = nl.Network([nl.Dense(1, 1, "sigmoid", weights=[[2.0]], bias=[0.0])])
    stepper = nl.train.Stepper(
        net, nl.optim.SGD(net.parameters(), lr=1e-12), np.array([[1.0]]), np.array([[1.0]]), "binary_cross_entropy"
    )
    loss, _, _ = stepper.step()
    assert loss == pytest.approx(np.log1p(np.exp(-2.0)), abs=1e-12)
    assert net.layers[-1].activation.name == "sigmoid"  # the user's network is unchanged
    # and the gradient is sigmoid(z) - y times x, the textbook's
    assert net.layers[0].W.grad[0, 0] == pytest.approx(1 / (1 + np.exp(-2.0)) - 1.0, abs=1e-12)


@pytest.mark.parametrize("optimizer,engine", [("lbfgs", "fast"), ("adam", "fast"), ("adam", "tensor")])
def test_a_sigmoid_output_trains_as_its_logits_would(optimizer, engine):
    """The textbook network (a sigmoid output, binary cross-entropy) learns exactly what the same network with
    a linear output (logits) learns, and predicts sigmoid of those logits: a probability."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 2))
    y = (x[:, 0] ** 2 + x[:, 1] ** 2 < 1.2).astype(float)  # a circle: needs the hidden layer
    sigmoid_net = nl.mlp([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=1)
    logit_net = nl.Network(
        [
            nl.Dense(layer.inputs, layer.neurons, name, weights=layer.W.data.copy(), bias=layer.b.data.copy())
            for layer, name in zip(sigmoid_net.layers, ["tanh", "linear"])
        ]
    )
    options = dict(loss="binary_cross_entropy", optimizer=optimizer, engine=engine, epochs=300, l2=1e-3, progress=False)
    history = nl.fit(sigmoid_net, x, y, **options)
    reference = nl.fit(logit_net, x, y, **options)
    assert history.loss == pytest.approx(reference.loss, rel=1e-9, abs=1e-12)
    assert "the loss takes the output neuron's weighted sum z" in " ".join(history.reasons)
    probabilities = sigmoid_net.predict(x)[:, 0]
    assert probabilities == pytest.approx(1 / (1 + np.exp(-logit_net.predict(x)[:, 0])), rel=1e-9)
    assert np.all((probabilities > 0) & (probabilities < 1))
    assert history.loss[-1] < 0.25 < np.log(2)  # learnt: far below ln 2, where a double squash stalled
    assert history.metrics["accuracy"][-1] == np.mean((probabilities > 0.5) == (y == 1))


# ---------------------------------------------------------------- solvers work on the layers; fit keeps the scaling


def test_fit_never_takes_the_scaling_off_the_network_while_it_trains():
    """A thread drawing the network (the notebook Trainer) sees it whole at every step: predict takes raw
    inputs throughout. fit used to remove the scaling while the solvers ran."""
    seen = []

    class Watching(nl.optim.Adam):
        def step(self):
            seen.append(net.scaling)
            super().step()

    net = nl.mlp([1, 8, 1], seed=0)
    history = nl.fit(
        net, X, 3 + 10 * np.sin(X), optimizer=Watching(net.parameters(), lr=0.01), epochs=5, progress=False
    )
    assert len(seen) == history.steps > 0 and all(s is net.scaling is not None for s in seen)
    assert net.scaling.y_mean[0] == pytest.approx(3.0, abs=1e-9)


@pytest.mark.parametrize("solver", ["Stepper", "FusedMLP", "jacobian", "LevenbergMarquardt"])
def test_every_solver_refuses_a_scaled_network(solver):
    net = nl.mlp([1, 4, 1], seed=0)
    nl.fit(net, X, 5 * X, epochs=2, progress=False)
    assert net.scaling is not None
    x = X.reshape(-1, 1)
    make = {
        "Stepper": lambda n: nl.train.Stepper(n, nl.optim.SGD(n.parameters(), lr=0.1), x, x, "mse"),
        "FusedMLP": lambda n: nl.fastpath.FusedMLP(n, "mse"),
        "jacobian": lambda n: nl.fastpath.jacobian(n, x),
        "LevenbergMarquardt": lambda n: nl.levenberg_marquardt.LevenbergMarquardt(n),
    }[solver]
    with pytest.raises(nl.fastpath.ScalingError, match="net.without_scaling"):
        make(net)
    make(net.without_scaling())  # the layers alone are what solvers take


def _wide_regression(n=80, seed=0):
    """3 inputs, 30 relu units: 151 parameters, more than the training points, so l2=None chooses l2."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, np.sin(x[:, 0]) + 0.5 * x[:, 1] + rng.normal(0, 0.2, n)


def test_l2_none_is_chosen_by_validation_on_the_training_rows_only():
    """The rows fit holds out for early stopping are not training rows: making them absurd (targets a
    million times too large) must not move the l2 that validation on the training rows chose."""
    from neuronlab import regularization

    x, y = _wide_regression()

    def chosen(targets):
        history = nl.fit(nl.mlp([3, 30, 1], seed=0), x, targets, validation=0.25, progress=False)
        return history.reasons[0], history.validation_indices

    reason, held = chosen(y)
    spoiled = y.copy()
    spoiled[held] = 1e6 * (1 + np.arange(len(held)))
    spoiled_reason, spoiled_held = chosen(spoiled)
    assert spoiled_reason == reason and np.array_equal(spoiled_held, held)
    assert reason.startswith("l2: ") and "chosen by validation on the training rows only" in reason
    value = float(reason.split()[1].rstrip(","))
    assert value in regularization.L2_GRID
    assert f"of the {len(x) - len(held)} training points" in reason  # the 60 training rows, not all 80


def test_chosen_l2_is_the_grid_value_with_the_lowest_held_out_loss():
    from neuronlab import regularization

    x, y = _wide_regression()
    choice = regularization.choose_l2(nl.mlp([3, 30, 1], seed=0), x, y.reshape(-1, 1), "mse", seed=0)
    assert choice.l2 in regularization.L2_GRID and set(choice.losses) <= set(regularization.L2_GRID)
    assert choice.losses[choice.l2] == min(choice.losses.values())
    assert choice.n_fit + choice.n_held_out == len(x) and choice.n_held_out == 16
    history = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, progress=False)
    assert history.reasons[0].startswith(f"l2: {choice.l2:g}, chosen by validation")
    for value, loss in choice.losses.items():  # the reason shows the evidence: every candidate's loss
        assert f"{value:g}: {loss:.4g}" in history.reasons[0]


def test_l2_given_is_used_as_given_without_choosing(monkeypatch):
    from neuronlab import regularization

    def refuse(*args, **kwargs):
        raise AssertionError("l2 was given: nothing to choose")

    monkeypatch.setattr(regularization, "choose_l2", refuse)
    x, y = _wide_regression()
    history = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, l2=0.05, progress=False)
    assert not any(r.startswith("l2") for r in history.reasons)
    zero = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, l2=0.0, optimizer="lbfgs", progress=False)
    assert not any(r.startswith("l2") for r in zero.reasons)


def test_l2_choice_repeats_exactly_with_a_seed():
    x, y = _wide_regression()
    nets = [nl.mlp([3, 30, 1], seed=0) for _ in range(2)]
    histories = [nl.fit(net, x, y, seed=3, progress=False) for net in nets]
    assert histories[0].reasons == histories[1].reasons
    assert all(np.array_equal(a, b) for a, b in zip(nets[0].state_dict().values(), nets[1].state_dict().values()))


def test_l2_choice_for_classes_and_a_bad_grid():
    from neuronlab import regularization

    rng = np.random.default_rng(1)
    x = rng.normal(size=(90, 4))
    labels = (x[:, 0] * x[:, 1] > 0).astype(int) + (x[:, 2] > 1)
    history = nl.fit(nl.mlp([4, 30, 3], seed=0), x, labels, loss="cross_entropy", progress=False)
    assert history.reasons[0].startswith("l2: ") and "had these losses on the other 18" in history.reasons[0]
    with pytest.raises(regularization.GridError, match="positive"):
        regularization.choose_l2(nl.mlp([4, 30, 3], seed=0), x, labels, "cross_entropy", grid=(0.1, -1.0))
    with pytest.raises(ValueError, match="share"):
        regularization.choose_l2(nl.mlp([4, 30, 3], seed=0), x, labels, "cross_entropy", share=1.5)
    tiny = nl.fit(nl.mlp([4, 30, 3], seed=0), x[:12], labels[:12], loss="cross_entropy", progress=False)
    assert tiny.reasons[0].startswith(f"l2: {regularization.FALLBACK_L2:g} (the middle of the grid")


def test_l2_copies_train_as_the_rules_say_and_the_reasons_say_how(monkeypatch):
    """The copies that rank the l2 candidates train by FIRST_RULE (from scratch) and COPY_RULE (from the
    previous weights) in COPY_DTYPE, the final run by FINAL_RULE; the network keeps its float64 weights.
    With everything set to fit's own rule, nothing is capped."""
    from neuronlab import regularization
    from neuronlab.training.lbfgs import StallRule

    assert regularization.COPY_DTYPE == "float32" and regularization.FINAL_RULE.max_iterations == 10
    x, y = _wide_regression()
    for name in ("FIRST_RULE", "COPY_RULE", "FINAL_RULE"):
        monkeypatch.setattr(regularization, name, StallRule())
    default = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, progress=False)
    assert not any(r.startswith("iterations") for r in default.reasons)  # no cap: no such reason
    monkeypatch.setattr(regularization, "COPY_DTYPE", "float32")
    monkeypatch.setattr(regularization, "FIRST_RULE", StallRule(window=10, max_iterations=12))
    monkeypatch.setattr(regularization, "COPY_RULE", StallRule(window=5, max_iterations=4))
    monkeypatch.setattr(regularization, "FINAL_RULE", StallRule(window=5, max_iterations=3))
    choice = regularization.choose_l2(nl.mlp([3, 30, 1], seed=0), x, y.reshape(-1, 1), "mse", seed=0)
    assert choice.dtype == "float32"
    runs = [int(value) for value in choice.runs.values()]  # in the order tried, the first from scratch
    assert list(choice.runs)[0] == regularization.START_L2 and len(runs) >= 2
    assert 1 <= runs[0] <= 12 and all(1 <= run <= 4 for run in runs[1:])
    net = nl.mlp([3, 30, 1], seed=0)
    history = nl.fit(net, x, y, progress=False)
    assert net.dtype == np.float64 and history.optimizer == "lbfgs" and history.epochs <= 3
    assert f"float32, iterations: {', '.join(map(str, runs))})" in history.reasons[0]
    assert any(r.startswith("iterations: at most 3 ") for r in history.reasons)
    plain = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, l2=0.01, progress=False)  # l2 given: no cap, no such reason
    assert not any(r.startswith("iterations") for r in plain.reasons) and plain.epochs > 3


def test_stall_rule_caps_lbfgs_only_and_its_window_stops_sooner():
    from neuronlab.training.lbfgs import StallRule
    from neuronlab.training.train import stall_rule

    x, y = _wide_regression()
    options = dict(l2=1e-3, progress=False)
    free = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, optimizer="lbfgs", **options)
    assert free.epochs > 12  # StallRule(): 20 iterations < 0.1 % (at least 21 iterations)
    with stall_rule(StallRule(max_iterations=7)):
        capped = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, optimizer="lbfgs", **options)
        adam = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, optimizer="adam", **options)
        given = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, optimizer="lbfgs", epochs=30, **options)
    assert capped.epochs == 7 and capped.stopped == "epochs"
    assert adam.epochs > 7 and given.epochs == 30  # Adam's epochs and a given epochs= are not capped
    with stall_rule(StallRule(window=2, tol=0.5)):  # two iterations gaining < 50 %: stops very soon
        loose = nl.fit(nl.mlp([3, 30, 1], seed=0), x, y, optimizer="lbfgs", **options)
    assert loose.stopped == "converged" and loose.epochs < free.epochs


def test_float32_copy_keeps_the_weights_and_the_scaling():
    x, y = _wide_regression()
    net = nl.mlp([3, 30, 1], seed=0)
    nl.fit(net, x, y, l2=0.01, epochs=5, progress=False)  # now it has a scaling
    copy = net.copy("float32")  # what choose_l2 trains with regularization.COPY_DTYPE = "float32"
    assert copy.dtype == np.float32 and net.dtype == np.float64
    assert np.allclose(copy.predict(x), net.predict(x), rtol=1e-4, atol=1e-4)
    copy.layers[0].W.data[...] = 0  # independent
    assert np.any(net.layers[0].W.data != 0)


def test_blas_thread_limit_is_reused_and_none_changes_nothing():
    from threadpoolctl import threadpool_info

    from neuronlab import fastpath

    with fastpath.blas_threads(None):
        pass
    with fastpath.blas_threads(1):
        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        assert all(n == 1 for n in blas)
    controller = fastpath._THREADPOOLS[0]
    with fastpath.blas_threads(1):
        assert fastpath._THREADPOOLS[0] is controller  # no import since: the same scan serves
    import scipy.linalg  # noqa: F401  (may load SciPy's own OpenBLAS: the next limit must see it)

    fastpath._THREADPOOLS[1] -= 1  # as if a module had been imported since the scan
    with fastpath.blas_threads(1):
        assert fastpath._THREADPOOLS[0] is not controller
        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        assert all(n == 1 for n in blas)
