"""neuronlab networks as scikit-learn estimators: in a Pipeline, tuned by GridSearchCV, scored by cross_val_score.

Run: python examples/sklearn_pipeline.py    (needs scikit-learn: pip install 'neuronlab[sklearn]')
"""

import numpy as np
from sklearn.datasets import load_diabetes, load_iris
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline

from neuronlab.training.sklearn import NetworkClassifier, NetworkRegressor

# Regression: diabetes progression from 10 raw columns, with 5 % of the cells missing. The network refuses
# NaN, so the pipeline imputes them first; standardising needs no step of its own (nl.fit does it, inside).
X, y = load_diabetes(return_X_y=True, scaled=False)
X[np.random.default_rng(0).random(X.shape) < 0.05] = np.nan
# hidden_layer_sizes=() is no hidden layer: a linear model, the baseline the networks have to beat.
model = make_pipeline(SimpleImputer(), NetworkRegressor(random_state=0))
sizes = {"networkregressor__hidden_layer_sizes": [(), (8,), (100,)]}
search = GridSearchCV(model, sizes, cv=KFold(3, shuffle=True, random_state=0))
search.fit(X, y)
for size, score in zip(sizes["networkregressor__hidden_layer_sizes"], search.cv_results_["mean_test_score"]):
    print(f"diabetes: hidden_layer_sizes={size}: cross-validated R^2 {score:.3f}")
scores = cross_val_score(search.best_estimator_, X, y, cv=KFold(5, shuffle=True, random_state=1))
print(f"diabetes: R^2 per fold {np.round(scores, 3)}, mean {scores.mean():.3f}")
network = search.best_estimator_[-1]
print(f"the refitted network: {network.network_}; {network.history_.optimizer}, {network.n_iter_} iterations")

# Classification: iris, three classes; predict_proba is the softmax of the network's three outputs.
X, y = load_iris(return_X_y=True)
classifier = NetworkClassifier(hidden_layer_sizes=(8,), random_state=0)
scores = cross_val_score(classifier, X, y, cv=KFold(5, shuffle=True, random_state=0))
print(f"iris: accuracy per fold {np.round(scores, 3)}, mean {scores.mean():.3f}")
classifier.fit(X, y)
print(f"iris: P(class) of the first flower {np.round(classifier.predict_proba(X[:1])[0], 3)}")
