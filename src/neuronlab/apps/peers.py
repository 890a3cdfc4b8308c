"""The peers neuronlab is compared with, configured as their competent users configure them.

One definition, used by ``neuronlab bench`` and by the study of ``fit``'s defaults in ``benchmarks/``:

- scikit-learn's MLP in a pipeline that standardises the inputs and (for regression) the target, with early
  stopping on held-out rows and enough iterations to converge (no silenced convergence warning);
- a linear reference for every task: ``RidgeCV`` on standardised inputs for regression, a standardised
  ``LogisticRegression`` for classes.

Needs scikit-learn (``pip install 'neuronlab[bench]'``).
"""

from __future__ import annotations

import numpy as np

HIDDEN = 100  # neurons of the one hidden layer, for every library in the comparison
MAX_ITER = 2000  # scikit-learn MLP epochs at most; early stopping ends it long before on every bundled set
RIDGE_ALPHAS = np.logspace(-3, 3, 13)


def sklearn_mlp(regression: bool, seed: int, hidden: int = HIDDEN):
    """scikit-learn's MLP as a careful user runs it: scaled inputs, scaled target, early stopping."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    options = dict(hidden_layer_sizes=(hidden,), early_stopping=True, max_iter=MAX_ITER, random_state=seed)
    if regression:
        return make_pipeline(
            StandardScaler(),
            TransformedTargetRegressor(regressor=MLPRegressor(**options), transformer=StandardScaler()),
        )
    return make_pipeline(StandardScaler(), MLPClassifier(**options))


def linear(regression: bool, seed: int = 0):
    """The linear reference: RidgeCV (alpha by its own leave-one-out) or a scaled LogisticRegression."""
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if regression:
        return make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS))
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, random_state=seed))
