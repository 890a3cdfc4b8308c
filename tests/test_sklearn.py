"""neuronlab.training.sklearn: the estimators pass scikit-learn's own checks, wrap nl.fit's defaults, and work in
Pipeline, GridSearchCV and cross_val_score."""

import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import _require

import neuronlab as nl

_require("sklearn", "the scikit-learn estimators (the sklearn extra)")
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from neuronlab.training.sklearn import NetworkClassifier, NetworkRegressor  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


# Every check with the defaults themselves ((100,) relu, optimizer "auto", l2 by validation): about 8 s.
@parametrize_with_checks([NetworkRegressor(), NetworkClassifier()])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def linear_data(n=200, seed=0):
    x = np.random.default_rng(seed).uniform(-2, 2, (n, 3))
    return x, 3 * x[:, 0] - 2 * x[:, 1] + 0.5 * x[:, 2] + 1


def test_a_linear_target_is_learnt_and_the_state_is_the_history():
    x, y = linear_data()
    model = NetworkRegressor(hidden_layer_sizes=(8,), random_state=0)
    assert model.fit(x, y) is model
    assert model.score(x, y) > 0.99
    # 3*2 - 2*(-1) + 0.5*0 + 1 = 9 and 3*0 - 2*0 + 0.5*2 + 1 = 2, worked by hand
    assert np.allclose(model.predict([[2.0, -1.0, 0.0], [0.0, 0.0, 2.0]]), [9.0, 2.0], atol=0.05)
    h = model.history_
    assert model.loss_curve_ == h.loss and model.n_iter_ == h.epochs == len(h.loss) and model.n_iter_ > 0
    assert model.best_loss_ == min(h.loss)
    assert model.n_features_in_ == 3 and model.n_outputs_ == 1 and model.n_layers_ == 3
    # 200 points, 41 weights: nl.fit's own choice, 15 % held out for early stopping, scored by R^2
    assert h.n_validation == 30 and len(model.validation_scores_) == h.epochs
    assert model.best_validation_score_ == max(model.validation_scores_) > 0.99
    # coefs_ and intercepts_ act on raw inputs (the scaling folded in), as MLPRegressor's do
    hidden = np.maximum(x @ model.coefs_[0] + model.intercepts_[0], 0)
    assert np.allclose(hidden @ model.coefs_[1] + model.intercepts_[1], model.predict(x)[:, None], atol=1e-9)


def test_the_estimator_is_nl_mlp_and_nl_fit_with_the_same_seed():
    x, y = linear_data(60)
    model = NetworkRegressor(hidden_layer_sizes=(16, 4), activation="tanh", random_state=3).fit(x, y)
    net = nl.mlp([3, 16, 4, 1], activation="tanh", seed=3)
    history = nl.fit(net, x, y, seed=3, progress=False)
    assert np.array_equal(model.predict(x), net.predict(x)[:, 0])
    assert model.loss_curve_ == history.loss and model.history_.reasons == history.reasons


def test_random_state_follows_scikit_learn():
    x, y = linear_data(40)
    fit = lambda state: NetworkRegressor((4,), max_iter=5, random_state=state).fit(x, y).coefs_[0]
    assert np.array_equal(fit(np.random.RandomState(7)), fit(np.random.RandomState(7)))
    assert not np.array_equal(fit(None), fit(None))  # None: a fresh start on every fit
    with pytest.raises(ValueError, match="random_state|RandomState"):
        fit("seven")


def test_early_stopping_and_validation_fraction():
    x, y = linear_data(100)
    held_out = lambda **kw: NetworkRegressor((4,), random_state=0, **kw).fit(x, y).history_.n_validation
    assert held_out() == 0  # fewer than 200 points: nl.fit holds none out
    assert held_out(early_stopping=True) == 10 and held_out(early_stopping=True, validation_fraction=0.3) == 30
    x, y = linear_data(400)
    assert held_out(early_stopping=False) == 0 and held_out() == 60


def test_multi_output_regression():
    x, y = linear_data(100)
    targets = np.column_stack([y, np.sin(x[:, 0])])
    model = NetworkRegressor((16,), activation="tanh", random_state=0).fit(x, targets)
    assert model.predict(x).shape == (100, 2) and model.n_outputs_ == 2 and model.score(x, targets) > 0.95
    assert model.__sklearn_tags__().target_tags.multi_output  # so scikit-learn runs its multi-output checks
    assert not NetworkClassifier().__sklearn_tags__().target_tags.multi_output


def test_classifier_labels_probabilities_and_the_network():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (150, 2))
    labels = np.array(["left", "right", "top"])[np.where(x[:, 1] > 0.5, 2, (x[:, 0] > 0).astype(int))]
    model = NetworkClassifier((8,), activation="tanh", random_state=0).fit(x, labels)
    assert list(model.classes_) == ["left", "right", "top"] and model.network_.outputs == 3
    assert model.score(x, labels) > 0.95
    proba = model.predict_proba(x)
    z = model.network_.predict(x)
    assert np.allclose(proba, np.exp(z) / np.exp(z).sum(1, keepdims=True), atol=1e-12)
    assert np.allclose(proba.sum(1), 1) and np.allclose(np.log(proba), model.predict_log_proba(x))
    assert np.array_equal(model.predict(x), model.classes_[proba.argmax(1)])
    assert model.history_.task == "classification" and model.out_activation_ == "softmax"
    # two classes: two outputs and the same softmax (not one sigmoid output)
    binary = NetworkClassifier((4,), random_state=0).fit(x, x[:, 0] > 0)
    assert binary.network_.outputs == 2 and binary.predict_proba(x).shape == (150, 2)
    assert binary.score(x, x[:, 0] > 0) > 0.95


def test_pipeline_grid_search_and_cross_val_score():
    x, y = linear_data(120)
    pipeline = make_pipeline(FunctionTransformer(lambda a: 10 * a), NetworkRegressor(random_state=0))
    search = GridSearchCV(
        pipeline,
        {"networkregressor__hidden_layer_sizes": [(2,), (8,)], "networkregressor__activation": ["tanh", "relu"]},
        cv=3,
    )
    search.fit(x, y)
    assert search.best_score_ > 0.99 and len(search.cv_results_["params"]) == 4
    scores = cross_val_score(
        NetworkClassifier((4,), random_state=0), x, y > 1, cv=KFold(4, shuffle=True, random_state=0)
    )
    assert scores.shape == (4,) and scores.min() > 0.85
    params = NetworkRegressor().get_params()
    assert params["hidden_layer_sizes"] == (100,) and params["activation"] == "relu" and params["l2"] is None
    assert NetworkRegressor().set_params(max_iter=7).max_iter == 7


def test_warm_start_trains_on_from_the_fitted_network():
    x, y = linear_data(100)
    model = NetworkRegressor((8,), optimizer="adam", max_iter=20, warm_start=True, random_state=0).fit(x, y)
    net, first = model.network_, model.loss_curve_
    model.fit(x, y)
    assert model.network_ is net and model.loss_curve_[0] < first[0] / 2
    with pytest.raises(ValueError, match="3 features"):
        model.fit(x[:, :2], y)


def test_a_fitted_estimator_pickles():
    x, y = linear_data(50)
    model = NetworkClassifier((4,), random_state=0).fit(x, y > 1)
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(again.predict_proba(x), model.predict_proba(x))


def test_bad_input_gets_clear_errors():
    x, y = linear_data(30)
    with pytest.raises(NotFittedError):
        NetworkRegressor().predict(x)
    with pytest.raises(ValueError, match="NaN"):
        NetworkRegressor((2,)).fit(np.where(x > 1.5, np.nan, x), y)
    model = NetworkRegressor((2,), random_state=0).fit(x, y)
    with pytest.raises(ValueError, match="X has 2 features, but NetworkRegressor is expecting 3"):
        model.predict(x[:, :2])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        NetworkRegressor((2,)).fit(x, y[:-1])
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        NetworkRegressor(hidden_layer_sizes=(4, 0)).fit(x, y)
    with pytest.raises(ValueError, match="unknown activation 'sigmoidal'"):
        NetworkRegressor(activation="sigmoidal").fit(x, y)
    with pytest.raises(ValueError, match="loss must be"):
        NetworkRegressor(loss="huber").fit(x, y)
    with pytest.raises(ValueError, match="early_stopping"):
        NetworkRegressor(early_stopping="yes").fit(x, y)
    with pytest.raises(ValueError, match="validation_fraction"):
        NetworkRegressor(early_stopping=True, validation_fraction=1.5).fit(x, y)
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        NetworkRegressor(max_iter=0).fit(x, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        NetworkClassifier().fit(x, y)
    with pytest.raises(ValueError, match="only one class"):
        NetworkClassifier().fit(x, np.ones(30))
    with pytest.raises(nl.NotTrainableError):
        NetworkClassifier(activation="step").fit(x, y > 1)


def test_importing_neuronlab_does_not_import_scikit_learn():
    code = "import sys, neuronlab; assert 'sklearn' not in sys.modules, 'sklearn imported'"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
    )
    assert done.returncode == 0, done.stderr


def test_the_example_runs():
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "sklearn_pipeline.py")],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
    )
    assert done.returncode == 0, done.stderr
    assert "hidden_layer_sizes=(100,): cross-validated R^2" in done.stdout and "iris: accuracy" in done.stdout


def test_the_docs_code_blocks_run(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "sklearn.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:  # in order, in one namespace, as a reader pastes them
        exec(compile(block, "docs/sklearn.md", "exec"), namespace)
