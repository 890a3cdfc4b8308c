"""One meaning per colour, for every picture neuronlab draws: the page's and the notebook widgets' (through
``static/facts.js``, which ``python -m neuronlab.apps.facts`` writes from here) and the Python figures
(matplotlib, the SVG diagrams). docs/colours.md says why each was chosen; tests/browser/test_pictures.py checks
that the meanings stay apart under simulated colour-vision deficiencies.

    >>> ROLES["positive"], ROLES["negative"], PALETTE[:2]
    ('#153e75', '#b35806', ['#1f77b4', '#ff7f0e'])
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    # the network's output (curves, the training loss) over a grey target
    "network": "#d62728",
    "target": "#9aa5b1",
    # held-out test (or validation) data: the test loss, dashed; test points of one-input plots
    "test": "#705070",
    # a weight's sign: diagram edges and heat maps of a value, dark blue for +, dark orange for -
    "positive": "#153e75",
    "negative": "#b35806",
    # a neuron's yes / no (lesson chapter 0)
    "yes": "#01665e",
    "no": "#d8b365",
    # no meaning of their own: text and outlines, grid lines, a node's fill, the bias and other grey addends
    "ink": "#1f2933",
    "grid": "#e4e7eb",
    "node": "#f7fafc",
    "neutral": "#7b8794",
}

# the classes of a data set (Paul Tol's amber, sky, wine, indigo); the page's COLORS.classes
CLASSES = ["#e69f00", "#56b4e9", "#882255", "#332288"]

# neuron 1, 2, 3, ... (neuron 1 blue and neuron 2 orange: the lesson's h1 and h2)
PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#637939",
]

# words for the colours the captions name (a caption and its picture must agree: tests check them)
NAMES = {"network": "red", "test": "purple", "positive": "blue", "negative": "orange"}


def neuron(i: int) -> str:
    """The colour of neuron ``i`` (0-based) of a layer."""
    return PALETTE[i % len(PALETTE)]


def sign(value: float) -> str:
    """The colour of a weight (or gradient) of this sign."""
    return ROLES["positive"] if value >= 0 else ROLES["negative"]
