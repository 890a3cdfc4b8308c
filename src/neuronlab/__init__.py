"""neuronlab: see, and do, how neurons network to learn (almost) anything.

    >>> import numpy as np, neuronlab as nl
    >>> net = nl.mlp([1, 16, 1], activation="tanh", seed=0)
    >>> x = np.linspace(-np.pi, np.pi, 100)
    >>> history = nl.fit(net, x, np.sin(x), progress=False)
"""

from . import activations, data, losses, optim
from .approximate import ApproximationError, Certificate, Comparison, approximate, compare
from .data import DataError, load_csv
from .diagram import computation_graph, diagram
from .explain import Explanation, explain
from .expr import Expression, ExpressionError, expr
from .io import FormatError, from_torch, load, save
from .losses import TargetError
from .network import Dense, Network, Scaling, ShapeError, mlp
from .neuron import Neuron
from .tensor import DTypeError, Tensor, tensor
from .train import History, NotTrainableError, TrainingDiverged, fit

__version__ = "0.1.0"


LAZY = ("plot", "widgets", "lesson", "site")  # modules imported on first use (start-up time: benchmarks/startup.py)


def __getattr__(name):
    # nl.plot and nl.widgets on first use: matplotlib (and anywidget) are imported only by those who draw;
    # nl.lesson (its chapters' numbers and figures) only by those who read it
    if name in LAZY:
        import importlib

        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'neuronlab' has no attribute {name!r}")

__all__ = [
    "activations", "losses", "optim", "data", "plot", "widgets", "lesson", "explain", "Explanation",
    "Tensor", "tensor", "Neuron", "Dense", "Network", "Scaling", "mlp", "fit", "History",
    "expr", "Expression", "diagram", "computation_graph", "load", "save", "from_torch", "load_csv",
    "ExpressionError", "ShapeError", "DTypeError", "TargetError", "DataError", "NotTrainableError",
    "TrainingDiverged", "FormatError", "approximate", "compare", "Certificate", "Comparison", "ApproximationError",
]
