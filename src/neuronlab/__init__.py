"""neuronlab: see, and do, how neurons network to learn (almost) anything.

>>> import numpy as np, neuronlab as nl
>>> net = nl.mlp([1, 16, 1], activation="tanh", seed=0)
>>> x = np.linspace(-np.pi, np.pi, 100)
>>> history = nl.fit(net, x, np.sin(x), progress=False)
"""

from neuronlab.engine import activations, losses
from neuronlab import data
from neuronlab.training import optim
from neuronlab.approximate import ApproximationError, Certificate, Comparison, approximate, compare
from neuronlab.data import DataError, load_csv
from neuronlab.views.diagram import computation_graph, diagram
from neuronlab.apps.explain import Explanation, explain
from neuronlab.expr import Expression, ExpressionError, expr
from neuronlab.io import FormatError, from_torch, load, save
from neuronlab.engine.losses import TargetError
from neuronlab.engine.network import Dense, Network, Scaling, ShapeError, mlp
from neuronlab.engine.neuron import Neuron
from neuronlab.engine.tensor import DTypeError, Tensor, tensor
from neuronlab.training.train import History, NotTrainableError, TrainingDiverged, fit

__version__ = "0.1.0"


# The package's layers: engine/ (what a network is and computes), training/ (how its weights are found),
# views/ (pictures of networks), apps/ (what people run: command line, lesson, widgets, playground,
# benchmarks), and at the top approximate, expr, data and io. Every module also answers to its short name,
# imported on first use (nl.train, nl.plot, from neuronlab import lesson_text): matplotlib, anywidget and the
# lesson load only for those who use them (start-up time: benchmarks/startup.py).
_MODULES = {
    name: f"neuronlab.{group}.{name}"
    for group, names in {
        "engine": ("tensor", "activations", "losses", "network", "neuron", "fastpath"),
        "training": ("train", "optim", "lbfgs", "levenberg_marquardt", "regularization", "sklearn"),
        "views": ("plot", "diagram"),
        "apps": ("cli", "lesson", "explain", "widgets", "bench", "peers", "facts", "site", "playground", "lesson_text"),
    }.items()
    for name in names
}


def __getattr__(name):
    if name in _MODULES:
        import importlib

        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module 'neuronlab' has no attribute {name!r}")


__all__ = [
    "activations",
    "losses",
    "optim",
    "data",
    "plot",
    "widgets",
    "lesson",
    "explain",
    "Explanation",
    "Tensor",
    "tensor",
    "Neuron",
    "Dense",
    "Network",
    "Scaling",
    "mlp",
    "fit",
    "History",
    "expr",
    "Expression",
    "diagram",
    "computation_graph",
    "load",
    "save",
    "from_torch",
    "load_csv",
    "ExpressionError",
    "ShapeError",
    "DTypeError",
    "TargetError",
    "DataError",
    "NotTrainableError",
    "TrainingDiverged",
    "FormatError",
    "approximate",
    "compare",
    "Certificate",
    "Comparison",
    "ApproximationError",
]
