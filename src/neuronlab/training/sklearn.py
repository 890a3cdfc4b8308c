"""scikit-learn estimators: ``NetworkRegressor`` and ``NetworkClassifier``, ``nl.fit`` behind ``fit``/``predict``.

They take the parameters ``MLPRegressor`` and ``MLPClassifier`` users know (``hidden_layer_sizes``,
``activation``, ``max_iter``, ``early_stopping``, ``random_state``, ...) and leave every other choice to
``nl.fit``'s defaults: the solver by estimated time, ``l2`` by validation when the weights outnumber the
points, inputs (and regression targets) standardised inside the network. Learned state ends in ``_``:
``network_`` is the trained ``nl.Network`` and ``history_`` its ``nl.History``. Needs scikit-learn 1.6 or
later (``pip install 'neuronlab[sklearn]'``).

    >>> import numpy as np
    >>> from neuronlab.training.sklearn import NetworkRegressor
    >>> X = np.random.default_rng(0).uniform(-1, 1, (100, 2))
    >>> model = NetworkRegressor(hidden_layer_sizes=(8,), random_state=0).fit(X, 3 * X[:, 0] - X[:, 1])
    >>> model.score(X, 3 * X[:, 0] - X[:, 1]) > 0.99
    True
"""

from __future__ import annotations

import numbers
from typing import Self

import numpy as np
from numpy.typing import ArrayLike

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as missing:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "neuronlab.sklearn needs scikit-learn 1.6 or later: pip install 'neuronlab[sklearn]'"
    ) from missing

from neuronlab.engine.losses import log_softmax
from neuronlab.engine.network import Network, mlp
from neuronlab.training.train import History
from neuronlab.training.train import fit as _fit

__all__ = ["NetworkRegressor", "NetworkClassifier"]


def _seed(random_state) -> int:
    """The int seed of ``nl.mlp`` and ``nl.fit``: an int stays itself (``random_state=0`` is ``seed=0``); None
    or a ``RandomState`` draws one, so None gives a fresh network on every fit, as in scikit-learn."""
    rng = check_random_state(random_state)  # rejects anything that is not None, an int or a RandomState
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(rng.randint(np.iinfo(np.int32).max))


def _hidden_sizes(hidden_layer_sizes) -> list[int]:
    sizes = hidden_layer_sizes
    if isinstance(sizes, numbers.Integral):
        sizes = (sizes,)
    try:
        sizes = list(sizes)
    except TypeError:
        raise ValueError(
            f"hidden_layer_sizes must be a tuple of whole numbers >= 1, got {hidden_layer_sizes!r}"
        ) from None
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and int(s) >= 1 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be a tuple of whole numbers >= 1, got {hidden_layer_sizes!r}")
    return [int(s) for s in sizes]


class _NetworkEstimator(BaseEstimator):
    """What the regressor and the classifier share: the parameters, ``fit``'s call to ``nl.fit``, the state."""

    _task_metric = ""  # the History metric that scores the validation split
    _out_activation = ""
    network_: Network  # fitted attributes (set by fit; absent before, as check_is_fitted expects)
    history_: History

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer="auto",
        l2=None,
        max_iter=None,
        batch_size=None,
        learning_rate_init=None,
        tol=None,
        early_stopping=None,
        validation_fraction=0.1,
        n_iter_no_change=None,
        scale=True,
        warm_start=False,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.l2 = l2
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.scale = scale
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _validation(self):
        """``nl.fit``'s ``validation``: None lets it decide (15 % from 200 points when l2 is 0)."""
        if self.early_stopping is None:
            return None
        if not isinstance(self.early_stopping, (bool, np.bool_)):
            raise ValueError(f"early_stopping must be None, True or False, got {self.early_stopping!r}")
        if not self.early_stopping:
            return 0.0
        fraction = self.validation_fraction
        if not isinstance(fraction, numbers.Real) or not 0 < float(fraction) < 1:
            raise ValueError(f"validation_fraction must be in (0, 1) when early_stopping is True, got {fraction!r}")
        return float(fraction)

    def _warm(self) -> bool:
        return bool(self.warm_start) and hasattr(self, "network_")

    def _train(self, X: np.ndarray, y: np.ndarray, outputs: int, loss: str) -> Self:
        """Build (or, with warm_start, keep) the network, train it with ``nl.fit`` and record the state."""
        seed = _seed(self.random_state)
        validation = self._validation()
        if self._warm():
            net = self.network_
            if net.outputs != outputs:
                raise ValueError(f"warm_start: the network has {net.outputs} outputs, this y needs {outputs}")
        else:
            net = mlp(
                [X.shape[1], *_hidden_sizes(self.hidden_layer_sizes), outputs], activation=self.activation, seed=seed
            )
        history = _fit(
            net,
            X,
            y,
            loss=loss,
            optimizer=self.optimizer,
            lr=self.learning_rate_init,
            epochs=self.max_iter,
            batch_size=self.batch_size,
            tol=self.tol,
            validation=validation,
            seed=seed,
            progress=bool(self.verbose),
            l2=self.l2,
            patience=self.n_iter_no_change,
            scale=self.scale,
        )
        self.network_ = net
        self.history_ = history
        self.loss_curve_ = list(history.loss)
        self.n_iter_ = history.epochs
        self.best_loss_ = min(history.loss) if history.loss else None
        scores = history.metrics.get("val_" + self._task_metric) if history.n_validation else None
        self.validation_scores_ = list(scores) if scores else None
        self.best_validation_score_ = max(scores) if scores else None
        bare = net.folded()  # the scaling folded in: these weights act on raw inputs, as MLPRegressor's do
        self.coefs_ = [layer.W.data.copy() for layer in bare.layers]
        self.intercepts_ = [layer.b.data.copy() for layer in bare.layers]
        self.n_layers_ = len(net.layers) + 1
        self.n_outputs_ = net.outputs
        self.out_activation_ = self._out_activation
        return self

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.predict(X)


class NetworkRegressor(RegressorMixin, _NetworkEstimator):
    """A neuronlab network as a scikit-learn regressor: ``nl.mlp`` + ``nl.fit`` with their defaults.

    Args:
        hidden_layer_sizes: neurons of each hidden layer, e.g. ``(100,)`` or ``(16, 16)``.
        activation: the hidden layers' activation (any of ``nl.activations.names()``); the output is linear.
        loss: ``"mse"`` or ``"mae"``.
        optimizer: ``nl.fit``'s ``optimizer``: ``"auto"`` (the fastest of Levenberg–Marquardt, L-BFGS, Adam),
            ``"lm"``, ``"lbfgs"``, ``"adam"``, ``"sgd"``.
        l2: weight decay ``l2 * sum w^2``; None lets ``nl.fit`` choose it by validation on the training rows
            when the weights outnumber the points (else 0).
        max_iter: ``nl.fit``'s ``epochs`` (iterations for LM and L-BFGS); None: its budget and stall rules.
        batch_size, learning_rate_init, tol: ``nl.fit``'s ``batch_size``, ``lr`` and ``tol`` (stop once the
            training loss is at most ``tol``).
        early_stopping: None lets ``nl.fit`` decide (15 % held out from 200 points when l2 is 0); True holds
            out ``validation_fraction`` and keeps the best weights; False holds out nothing.
        n_iter_no_change: ``nl.fit``'s ``patience``.
        scale: standardise inputs and targets inside the network (``nl.fit``'s ``scale``).
        warm_start: a second ``fit`` trains on from the fitted network (its scaling kept).
        random_state: None, an int (``random_state=k`` is ``nl.mlp(..., seed=k)`` and ``nl.fit(..., seed=k)``)
            or a ``numpy.random.RandomState``.
        verbose: show ``nl.fit``'s progress bar.

    Attributes:
        network_, history_: the trained ``nl.Network`` and its ``nl.History``.
        loss_curve_, n_iter_, best_loss_: ``history_.loss``, ``history_.epochs``, the lowest loss (on the
            standardised targets when ``scale``).
        validation_scores_, best_validation_score_: R^2 on the held-out rows per epoch (None without them).
        coefs_, intercepts_: weights and biases per layer, acting on raw inputs (the scaling folded in).
        n_features_in_, feature_names_in_, n_outputs_, n_layers_, out_activation_.

    Example:
        >>> import numpy as np
        >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
        >>> model = NetworkRegressor((8,), activation="tanh", random_state=0).fit(X, X[:, 0] ** 2)
        >>> model.predict([[0.5]]).shape, model.n_iter_ == len(model.loss_curve_)
        ((1,), True)
    """

    _task_metric = "r2"
    _out_activation = "identity"

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="mse",
        optimizer="auto",
        l2=None,
        max_iter=None,
        batch_size=None,
        learning_rate_init=None,
        tol=None,
        early_stopping=None,
        validation_fraction=0.1,
        n_iter_no_change=None,
        scale=True,
        warm_start=False,
        random_state=None,
        verbose=False,
    ):
        super().__init__(
            hidden_layer_sizes,
            activation,
            optimizer=optimizer,
            l2=l2,
            max_iter=max_iter,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            tol=tol,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            scale=scale,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
        )
        self.loss = loss

    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Train on ``X`` (n, features) and ``y`` (n,) or (n, outputs); returns ``self``."""
        if self.loss not in ("mse", "mae"):
            raise ValueError(f"loss must be 'mse' or 'mae', got {self.loss!r}")
        X_valid, y_valid = validate_data(
            self, X, y, reset=not self._warm(), dtype=np.float64, multi_output=True, y_numeric=True
        )
        outputs = 1 if y_valid.ndim == 1 else y_valid.shape[1]
        return self._train(X_valid, y_valid, outputs, self.loss)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predictions: (n,) for one output, (n, outputs) for several (as ``MLPRegressor``)."""
        out = self._outputs(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class NetworkClassifier(ClassifierMixin, _NetworkEstimator):
    """A neuronlab network as a scikit-learn classifier: one output per class, trained by ``nl.fit`` with
    ``loss="cross_entropy"``; ``predict_proba`` is the softmax of the outputs.

    Two classes get two outputs too (not one sigmoid output): one code path for any number of classes,
    probabilities from the same softmax, and ``network_`` always gives one score per class in ``classes_``.

    Args: as ``NetworkRegressor`` (no ``loss``: cross-entropy); ``validation_scores_`` are accuracies.

    Attributes:
        classes_: the class labels; output ``k`` of ``network_`` scores ``classes_[k]``.
        network_, history_, loss_curve_, n_iter_, ...: as ``NetworkRegressor``.

    Example:
        >>> import numpy as np
        >>> X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]] * 5)
        >>> model = NetworkClassifier((4,), activation="tanh", random_state=0).fit(X, ["no", "yes", "yes", "no"] * 5)
        >>> model.predict([[0, 1], [1, 1]]).tolist(), model.predict_proba([[0, 1]]).shape
        (['yes', 'no'], (1, 2))
    """

    _task_metric = "accuracy"
    _out_activation = "softmax"
    classes_: np.ndarray  # set by fit

    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Train on ``X`` (n, features) and class labels ``y`` (n,); returns ``self``."""
        X_valid, y_valid = validate_data(self, X, y, reset=not self._warm(), dtype=np.float64)
        check_classification_targets(y_valid)
        classes, labels = np.unique(y_valid, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {classes[0]!r}"
            )
        if self._warm() and not np.array_equal(classes, self.classes_):
            raise ValueError(
                f"warm_start: y has the classes {classes.tolist()}, the fitted network {self.classes_.tolist()}"
            )
        self.classes_ = classes
        return self._train(X_valid, labels, len(classes), "cross_entropy")

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class with the highest score, from ``classes_``."""
        scores = self._outputs(X)  # first: it checks that the model is fitted
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """log softmax of the outputs: log P(class k | x), column k for ``classes_[k]``."""
        return log_softmax(self._outputs(X))

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """softmax of the outputs: P(class k | x), column k for ``classes_[k]``; each row sums to 1."""
        return np.exp(self.predict_log_proba(X))
