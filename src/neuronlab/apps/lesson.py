"""The lesson: how a neuron decides, how two step neurons and an output neuron draw new graphs, why that is
enough, why the activation must bend, and how the network goes downhill to find its weights.

Two hidden neurons with the step activation switch on at thresholds s1 = -1 and s2 = 1. The output neuron
(bias 0) adds their graphs, scaled by its weights w11 and w21:

    output(x) = w11 · step(x + 1) + w21 · step(x - 1)

    >>> net = network(1.0, -1.0)                   # neuron 1's graph minus neuron 2's: a bump
    >>> net.predict([-2.0, 0.0, 2.0])[:, 0]
    array([0., 1., 0.])

Each function returns a matplotlib ``Figure``; ``write(out_dir)`` renders the whole lesson as PNGs and a
Markdown page.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import numpy as np

from neuronlab.expr import expr
from neuronlab.io import atomic_write
from neuronlab.engine.network import Dense, Network
from neuronlab.views.colours import PALETTE, ROLES, sign

THRESHOLDS = (-1.0, 1.0)
DOMAIN = (-3.0, 3.0)
CASES = [
    (1.0, 1.0, "adds both graphs: a staircase 0, 1, 2"),
    (1.0, -1.0, "inverts neuron 2's graph and adds neuron 1's: a bump of height 1 between the thresholds"),
    (-1.0, 1.0, "inverts neuron 1's graph and adds neuron 2's: a dip of depth 1 between the thresholds"),
]
EXERCISE = (1.5, -0.5)
# the weights written with a real minus sign (−0.5), as every number the lesson shows in text
EXERCISE_QUESTION = f"What does the output graph look like for w11 = {EXERCISE[0]:g}, w21 = {EXERCISE[1]:g}?".replace(
    "-", "\u2212"
)


def _answer_text() -> str:
    from neuronlab.apps import lesson_text

    return lesson_text.plain(lesson_text.source("answer").strip())


EXERCISE_ANSWER = _answer_text()  # lesson_text/answer.md, as on the page
ONE_NEURON = (2.0, -1.0)  # w, b of chapter 3's neuron: it jumps at s = 0.5
CHECK_PAIR = (2.0, -1.0)  # chapter 4's check: the output right of s2
BUMPS_TARGET, BUMPS_COUNTS = "sin(2*x) + 0.3*x", (3, 6, 12, 24)
WHY_NOT_STEP_THRESHOLD = 0.3
NUDGE = 0.01  # chapter 7: nudge w11 by this and watch the loss


def network(w11: float, w21: float, activation: str = "step", steepness: float = 1.0) -> Network:
    """The lesson's 1-2-1 network: hidden thresholds at -1 and 1, output weights w11, w21, output bias 0.

    With ``activation="sigmoid"``, ``steepness`` k makes the hidden neurons sigmoid(k·(x - s)): the larger
    k, the closer to the step.
    """
    k = float(steepness)
    hidden = Dense(1, 2, activation, weights=[[k, k]], bias=[-k * THRESHOLDS[0], -k * THRESHOLDS[1]])
    output = Dense(2, 1, "linear", weights=[[w11], [w21]], bias=[0.0])
    return Network([hidden, output])


def _x(points: int = 1201) -> np.ndarray:
    return np.linspace(*DOMAIN, points)


def figure(w11: float, w21: float, caption: str = "", hide_output: bool = False):
    """Three panels: neuron 1's graph, neuron 2's graph, and the output as their weighted sum.

    The data behind the output panel is ``network(w11, w21).predict(x)``; the weighted hidden graphs are
    drawn dashed under it. ``hide_output`` leaves the output panel as a question.
    """
    from neuronlab.views.plot import NETWORK_COLOR, TARGET_COLOR, Figure

    net = network(w11, w21)
    x = _x()
    hidden = net.layer_values(x)[0][1]
    parts = net.contributions(x)
    out = net.predict(x)[:, 0]
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    colors = PALETTE[:2]  # h1 blue, h2 orange, as on the page
    for i, ax in enumerate(axes[:2]):
        ax.plot(x, hidden[:, i], color=colors[i], lw=2)
        ax.axvline(THRESHOLDS[i], color=TARGET_COLOR, ls=":", lw=1)
        ax.set_title(f"neuron {i + 1}: step(x {'+' if THRESHOLDS[i] < 0 else '−'} 1), s{i + 1} = {THRESHOLDS[i]:g}")
    ax = axes[2]
    if hide_output:
        ax.text(0.5, 0.5, "?", transform=ax.transAxes, ha="center", va="center", fontsize=60, color=TARGET_COLOR)
        ax.set_title(f"output for w11 = {w11:g}, w21 = {w21:g}: ?")
    else:
        ax.plot(x, parts[:, 0], color=colors[0], ls="--", lw=1.2, label=f"w11·h1 = {w11:g}·h1")
        ax.plot(x, parts[:, 1], color=colors[1], ls="--", lw=1.2, label=f"w21·h2 = {w21:g}·h2")
        ax.plot(x, out, color=NETWORK_COLOR, lw=2.5, label="output = sum")
        ax.set_title(f"output = {w11:g}·h1 {'+' if w21 >= 0 else '−'} {abs(w21):g}·h2")
        ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)  # below: no curve under it
    levels = sorted({*np.round(out, 12), *np.round(parts.ravel(), 12), 0.0, 1.0})
    for ax in axes:
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.set_ylim(min(levels) - 0.3, max(levels) + 0.3)
        ax.set_xlim(DOMAIN[0] - 0.2, DOMAIN[1] + 0.2)
    if caption:
        fig.suptitle(textwrap.fill(caption, 110))  # a long caption wraps instead of running off the figure
    return fig


def network_diagram():
    """The 1-2-1 network of chapter 4, labelled: x -> h1, h2 (step neurons, thresholds s1, s2) -> out, which adds
    w11·h1 + w21·h2 and does not step."""
    from neuronlab.views.plot import Figure

    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    nodes = {"x": (0.0, 0.0), "h1": (1.0, 0.55), "h2": (1.0, -0.55), "out": (2.0, 0.0)}
    colors = {"h1": PALETTE[0], "h2": PALETTE[1]}
    for i, hidden in enumerate(("h1", "h2")):
        (x0, y0), (x1, y1), (x2, y2) = nodes["x"], nodes[hidden], nodes["out"]
        ax.plot([x0, x1], [y0, y1], color=ROLES["neutral"], lw=1.5, zorder=1)
        ax.plot([x1, x2], [y1, y2], color=colors[hidden], lw=3, zorder=1)
        ax.annotate(
            f"w{i + 1}1",
            ((x1 + x2) / 2, (y1 + y2) / 2),
            xytext=(0, 10 if i == 0 else -18),
            textcoords="offset points",
            ha="center",
            fontsize=13,
            weight="bold",
            color=colors[hidden],
        )
    for name, (u, v) in nodes.items():
        ax.scatter([u], [v], s=1500, color=ROLES["node"], edgecolor=ROLES["ink"], linewidth=1.5, zorder=2)
        ax.annotate(name, (u, v), ha="center", va="center", fontsize=13, weight="bold", zorder=3)
    for i, hidden in enumerate(("h1", "h2")):
        s = THRESHOLDS[i]
        ax.annotate(
            f"step(x {'+' if s < 0 else '−'} {abs(s):g})\njumps at s{i + 1} = {s:g}",
            nodes[hidden],
            xytext=(0, 26 if i == 0 else -46),
            textcoords="offset points",
            ha="center",
            fontsize=11,
        )
    ax.annotate(
        "out = w11·h1 + w21·h2\nadds (bias 0), no step",
        nodes["out"],
        xytext=(0, -52),
        textcoords="offset points",
        ha="center",
        fontsize=11,
    )
    ax.annotate("input x", nodes["x"], xytext=(0, -40), textcoords="offset points", ha="center", fontsize=11)
    ax.set_xlim(-0.4, 2.5)
    ax.set_ylim(-1.15, 1.15)
    ax.axis("off")
    fig.suptitle("The network: input x, two hidden step neurons h1 and h2, and the output neuron out")
    return fig


def exercise():
    """The exercise as a question: both hidden graphs, the output left blank."""
    return figure(*EXERCISE, caption=EXERCISE_QUESTION, hide_output=True)


def answer():
    """The exercise's answer figure (shown only when asked)."""
    return figure(*EXERCISE, caption="Answer: " + EXERCISE_ANSWER)


def why_not_step(target_threshold: float = WHY_NOT_STEP_THRESHOLD):
    """Why gradient descent cannot train step neurons: the loss as a function of one neuron's bias.

    Fit one neuron g(x + b) to a step at x = 0.3 and plot the mean squared error against b. With the
    step activation the loss is flat between jumps (gradient 0 almost everywhere, undefined at the jumps);
    with a sigmoid it slopes smoothly towards the best b = -0.3.
    """
    from neuronlab.views.plot import Figure

    from neuronlab.engine import activations

    x = np.linspace(-2, 2, 41)
    y = (x >= target_threshold).astype(float)
    biases = np.linspace(-2, 2, 801)
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, name, k in ((axes[0], "step", 1.0), (axes[1], "sigmoid", 4.0)):
        g = activations.get(name)
        loss = np.array([np.mean((g.value(k * (x + b)) - y) ** 2) for b in biases])
        ax.plot(biases, loss, color=ROLES["network"], lw=2)
        ax.axvline(-target_threshold, color=ROLES["target"], ls=":", lw=1)
        flat = (
            "flat steps: the gradient is 0, backprop has nowhere to go"
            if name == "step"
            else "smooth: the gradient points to the best bias"
        )
        ax.set_title(f"{name}{'' if k == 1 else f'({k:g}·(x + b))'}: {flat}", fontsize="medium")
        ax.set_xlabel("bias b")
        ax.set_ylabel("mean squared error")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Fitting one neuron to a step at x = {target_threshold:g}: loss against the neuron's bias")
    return fig


def steep_sigmoid(steepness=(1, 3, 10, 100)):
    """sigmoid(k·x) for growing k approaches the step: trainable neurons can act like step neurons."""
    from neuronlab.views.plot import Figure

    from neuronlab.engine import activations

    x = _x()
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(x, activations.get("step").value(x), color="black", lw=3, alpha=0.3, label="step(x)")
    for k in steepness:
        ax.plot(x, activations.get("sigmoid").value(k * x), lw=1.6, label=f"sigmoid({k:g}·x)")
    ax.set_title("a steep sigmoid approaches the step (and, unlike it, has a usable gradient)")
    ax.set_xlabel("x")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def bump_network(target, domain, bumps: int) -> Network:
    """``bumps`` bumps side by side tracing ``target``: one pair of step neurons per bump.

    Bump i covers [t_i, t_i+1) with height target(midpoint): neuron pair step(x - t_i) with weight +h
    and step(x - t_i+1) with weight -h, exactly the (1, -1) case of the lesson scaled by h.
    """
    f = expr(target) if isinstance(target, str) else target
    a, b = domain
    edges = np.linspace(a, b, bumps + 1)
    heights = np.asarray(f((edges[:-1] + edges[1:]) / 2), dtype=float)
    thresholds = np.column_stack([edges[:-1], edges[1:]]).ravel()
    thresholds[-1] = np.nextafter(b, np.inf)  # the last bump includes the right end of the domain
    weights = np.column_stack([heights, -heights]).ravel()
    hidden = Dense(1, 2 * bumps, "step", weights=np.ones((1, 2 * bumps)), bias=-thresholds)
    return Network([hidden, Dense(2 * bumps, 1, "linear", weights=weights.reshape(-1, 1), bias=[0.0])])


def bumps(target: str = BUMPS_TARGET, counts=BUMPS_COUNTS):
    """Many bumps approximate a curve: the more bumps (pairs of neurons), the smaller the error."""
    from neuronlab.views.plot import Figure

    f = expr(target)
    x = _x()
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
    for ax, n in zip(axes, counts):
        net = bump_network(f, DOMAIN, n)
        out = net.predict(x)[:, 0]
        error = np.abs(out - f(x)).max()
        ax.plot(x, f(x), color=ROLES["target"], lw=2.5, alpha=0.5, label=f"target {target}")
        ax.plot(x, out, color=ROLES["network"], lw=1.5, label=f"{n} bumps = {2 * n} step neurons")
        ax.set_title(f"{n} bumps: max |error| {error:.3f}")
        ax.legend(fontsize="x-small", loc="lower right")
        ax.grid(alpha=0.3)
    fig.suptitle("Pairs of step neurons make bumps; enough bumps trace any continuous curve")
    return fig


# ---------------------------------------------------------------- chapter 0: a neuron decides

DECIDE_INPUTS = ("it is sunny", "I have time")
DECIDE_NEURON = ((0.6, 0.8), -1.0)  # go out only when both are (mostly) true: 0.6 + 0.8 - 1 >= 0
GATES = {"AND": ((1.0, 1.0), -1.5), "OR": ((1.0, 1.0), -0.5), "NOT": ((-1.0,), 0.5)}
CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGET = np.array([0.0, 1.0, 1.0, 0.0])
PLANE = (-0.5, 1.5)


def gate(name: str):
    """The step neuron that computes the logic gate ``name`` ("AND", "OR" or "NOT") on inputs 0 and 1.

    AND fires when x1 + x2 - 1.5 >= 0 (both inputs on), OR when x1 + x2 - 0.5 >= 0, NOT when 0.5 - x >= 0.

        >>> gate("AND")(CORNERS).tolist()
        [0.0, 0.0, 0.0, 1.0]
    """
    from neuronlab.engine.neuron import Neuron

    if name not in GATES:
        raise ValueError(f"unknown gate {name!r}; the lesson builds {', '.join(GATES)}")
    weights, bias = GATES[name]
    return Neuron(weights=list(weights), bias=bias, activation="step")


def truth_table(neuron) -> list[tuple[tuple[int, ...], int]]:
    """Every 0/1 input of a step neuron with its output: [((x1, x2), output), ...]."""
    inputs = CORNERS if neuron.inputs == 2 else np.array([[0.0], [1.0]])
    outputs = neuron(inputs if neuron.inputs == 2 else inputs[:, 0])
    return [(tuple(int(v) for v in row), int(out)) for row, out in zip(inputs, outputs)]


def xor_network() -> Network:
    """Two hidden step neurons (OR and AND) and an output step neuron OR - AND - 0.5 >= 0: XOR.

    >>> xor_network().predict(CORNERS)[:, 0].tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    (w_or, b_or), (w_and, b_and) = GATES["OR"], GATES["AND"]
    hidden = Dense(2, 2, "step", weights=np.column_stack([w_or, w_and]), bias=[b_or, b_and])
    return Network([hidden, Dense(2, 1, "step", weights=[[1.0], [-1.0]], bias=[-0.5])])


XOR_GRID = np.linspace(2, -2, 21)  # the weights and biases tried for one neuron on XOR


def best_single_neuron_on_xor(grid=XOR_GRID) -> tuple[tuple[float, float], float, int]:
    """The step neuron (w1, w2, b) on ``grid`` that gets most XOR corners right: (weights, bias, correct).

    It never gets all four: XOR needs b < 0 (0,0 -> 0), w1 + b >= 0 and w2 + b >= 0 (one input on -> 1), so
    w1 + w2 + b >= -b > 0, and (1,1) -> 1 too. One line cannot put (0,1) and (1,0) on one side and (0,0), (1,1)
    on the other.
    """
    w1, w2, b = np.meshgrid(grid, grid, grid, indexing="ij")
    z = CORNERS[:, 0, None, None, None] * w1 + CORNERS[:, 1, None, None, None] * w2 + b
    correct = ((z >= 0) == (XOR_TARGET[:, None, None, None] == 1)).sum(axis=0)
    i = np.unravel_index(np.argmax(correct), correct.shape)
    return (float(w1[i]), float(w2[i])), float(b[i]), int(correct[i])


def _decision_panel(ax, decide, title: str, lines=(), points=None, targets=None):
    """A step neuron's or network's yes/no over the input plane, its dividing lines and the 0/1 corners."""
    grid = np.linspace(*PLANE, 201)
    x1, x2 = np.meshgrid(grid, grid)
    values = decide(np.column_stack([x1.ravel(), x2.ravel()])).reshape(x1.shape)
    ax.imshow(
        values, origin="lower", extent=(*PLANE, *PLANE), cmap="RdBu", vmin=-1.5, vmax=2.5, alpha=0.6, aspect="equal"
    )
    for (w1, w2), b, color in lines:  # w1·x1 + w2·x2 + b = 0
        if w2 != 0:
            ax.plot(grid, -(w1 * grid + b) / w2, color=color, lw=2)
        else:
            ax.axvline(-b / w1, color=color, lw=2)
    points = CORNERS if points is None else points
    outputs = decide(points)
    for (p1, p2), out, want in zip(points, outputs, outputs if targets is None else targets):
        wrong = out != want
        ax.scatter(
            [p1],
            [p2],
            s=140,
            color=ROLES["yes"] if out else ROLES["no"],
            edgecolor=ROLES["network"] if wrong else "black",
            linewidth=2.5 if wrong else 1,
            zorder=3,
        )
        ax.annotate(
            f"{out:g}" + (" ✗" if wrong else ""),
            (p1, p2),
            xytext=(8, 6),
            textcoords="offset points",
            fontsize=11,
            weight="bold",
        )
    ax.set_xlim(*PLANE)
    ax.set_ylim(*PLANE)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title, fontsize="medium")


def decide():
    """A neuron decides: AND, OR (their yes/no over the input plane, divided by one line) and NOT."""
    from neuronlab.views.plot import Figure  # shows itself in a notebook (_repr_png_)

    from neuronlab.views.plot import NETWORK_COLOR

    fig = Figure(figsize=(13, 4), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, name in zip(axes[:2], ("AND", "OR")):
        neuron = gate(name)
        _decision_panel(
            ax,
            neuron,
            f"{name}: {neuron.formula()}\n(1 = yes, 0 = no)",
            lines=[(tuple(neuron.weights), neuron.bias, "black")],
        )
    neuron = gate("NOT")
    x = np.linspace(*PLANE, 401)
    ax = axes[2]
    ax.plot(x, neuron(x), color=NETWORK_COLOR, lw=2)
    for x0, out in truth_table(neuron):
        ax.scatter([x0[0]], [out], s=140, color=ROLES["yes"] if out else ROLES["no"], edgecolor="black", zorder=3)
    ax.set_title(f"NOT: {neuron.formula()}", fontsize="medium")
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)
    fig.suptitle(
        "A step neuron answers yes (1) or no (0): the weights say how much each input counts, "
        "the bias w0 where the line falls"
    )
    return fig


def xor():
    """XOR: one neuron's best line gets 3 of 4 corners; two hidden neurons (two lines) and an output get all."""
    from neuronlab.views.plot import Figure  # shows itself in a notebook (_repr_png_)

    from neuronlab.engine.neuron import Neuron

    fig = Figure(figsize=(13, 4.2), layout="constrained")
    axes = fig.subplots(1, 3)
    weights, bias, correct = best_single_neuron_on_xor()
    best = Neuron(weights=list(weights), bias=bias, activation="step")
    _decision_panel(
        axes[0],
        best,
        f"one neuron's best try:\n{best.formula()}: {correct} of 4 right",
        lines=[(weights, bias, "black")],
        targets=XOR_TARGET,
    )
    net = xor_network()
    hidden = net.layers[0]
    lines = [(tuple(hidden.W.data[:, j]), hidden.b.data[j], color) for j, color in enumerate(PALETTE[:2])]
    _decision_panel(
        axes[1],
        lambda p: net.layer_values(p)[0][1].sum(axis=1),
        "two hidden neurons, two lines:\nh1 = OR (blue), h2 = AND (orange); shade and number = h1 + h2",
        lines=lines,
    )
    _decision_panel(
        axes[2],
        lambda p: net.predict(p)[:, 0],
        f"the output neuron step(h1 - h2 - 0.5):\nXOR, {int((net.predict(CORNERS)[:, 0] == XOR_TARGET).sum())} of 4 right",
        lines=lines,
        targets=XOR_TARGET,
    )
    fig.suptitle(
        "XOR: no single line separates the 1s from the 0s; two neurons draw two lines and the output "
        "neuron combines them"
    )
    return fig


# ---------------------------------------------------------------- chapter 4: why non-linear, which activation


def linear_network(hidden=(8, 8), seed: int = 0) -> Network:
    """A network whose every neuron is linear (identity activation): ``mlp([1, *hidden, 1], "linear")``."""
    from neuronlab.engine.network import mlp

    return mlp([1, *hidden, 1], activation="linear", seed=seed, dtype="float64")


def collapse(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """The single layer (W, b) equal to a network of linear layers: W = W1·W2·…, b = (b1·W2 + b2)·W3 + …

    However many layers and neurons, ``net.predict(x) == x @ W + b``: a straight line (a plane, with more inputs).
    """
    if any(layer.activation.name != "linear" for layer in net.layers):
        raise ValueError(
            "only a network of linear layers collapses to one layer; this one has "
            + ", ".join(layer.activation.name for layer in net.layers)
        )
    W, b = np.eye(net.inputs), np.zeros(net.inputs)
    for layer in net.layers:
        W, b = W @ layer.W.data, b @ layer.W.data + layer.b.data
    return W, b


def linear_collapse(widths=(1, 2, 8, 32), seed: int = 0):
    """Adding linear neurons changes nothing but the slope: the output stays a line; tanh neurons bend it."""
    from neuronlab.views.plot import Figure  # shows itself in a notebook (_repr_png_)

    from neuronlab.engine.network import mlp

    x = _x(601)
    fig = Figure(figsize=(12, 4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, activation in zip(axes, ("linear", "tanh")):
        for n in widths:
            net = mlp([1, n, n, 1], activation=activation, seed=seed, dtype="float64")
            ax.plot(x, net.predict(x)[:, 0], lw=1.8, label=f"1-{n}-{n}-1")
        ax.set_title(
            "linear neurons: every network is a straight line"
            if activation == "linear"
            else "the same networks with tanh neurons: the output bends",
            fontsize="medium",
        )
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle("Why the activation must be non-linear: a line of a line is a line")
    return fig


def _gaussian():
    from neuronlab.engine.activations import Activation

    # d/dz e^(-z^2) = -2z·e^(-z^2)
    return Activation(
        "gaussian",
        lambda z: np.exp(-z * z),
        lambda z, a: -2.0 * z * a,
        "gaussian e^(-z^2): a bump by itself (radial basis function)",
        True,
        "-2z·a",
    )


GALLERY = ("step", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "gaussian", "sin")
# the shape a few neurons of each activation make: output = sum of c·g(k·(x - s)) over (c, k, s)
_BUMP, _HAT = ((1.0, 1.0, -1.0), (-1.0, 1.0, 1.0)), ((1.0, 1.0, -1.0), (-2.0, 1.0, 0.0), (1.0, 1.0, 1.0))
SHAPES = {
    "step": _BUMP,
    "sigmoid": ((1.0, 4.0, -1.0), (-1.0, 4.0, 1.0)),
    "tanh": ((0.5, 3.0, -1.0), (-0.5, 3.0, 1.0)),
    "relu": _HAT,
    "leaky_relu": _HAT,
    "softplus": ((0.25, 4.0, -1.0), (-0.5, 4.0, 0.0), (0.25, 4.0, 1.0)),
    "gaussian": ((1.0, 1.0, 0.0),),
    "sin": ((1.0, 1.0, 0.0),),
}
NOTES = {
    "step": "a bump from two neurons; but its slope is 0 everywhere (undefined at the jump): "
    "gradient descent gets no direction, it cannot be trained",
    "sigmoid": "a smooth bump from two; saturates: far from its threshold its slope vanishes "
    "(0.0066 at z = 5), so gradients die through many layers",
    "tanh": "like the sigmoid but from -1 to 1, centred on 0 with slope 1 at 0; saturates too",
    "relu": "three make a hat; cheap and never saturates for z > 0, but a neuron with z < 0 on all data "
    "is dead: slope 0, it never learns again",
    "leaky_relu": "a relu with slope 0.01 for z < 0: dead neurons can still learn",
    "softplus": "a smooth relu, ln(1 + e^z); its slope is the sigmoid, never exactly 0",
    "gaussian": "a bump by itself: each neuron covers one place (radial basis functions); flat far away",
    "sin": "a wave: good for periodic targets (sums of sines are Fourier series); many equally good weights",
}
APPROXIMATE_TARGET, APPROXIMATE_DOMAIN, APPROXIMATE_EPS = "sin(2*x)", (-3.0, 3.0), 0.05


def activation(name: str):
    """The gallery's activation ``name``: the engine's, or the lesson's gaussian e^(-z^2)."""
    from neuronlab.engine import activations

    return _gaussian() if name == "gaussian" else activations.get(name)


def shape(name: str, x) -> np.ndarray:
    """The bump or hat a few ``name`` neurons make, ``sum c·g(k·(x - s))`` over ``SHAPES[name]``."""
    g = activation(name)
    x = np.asarray(x, dtype=float)
    return sum(c * g.value(k * (x - s)) for c, k, s in SHAPES[name])


@functools.lru_cache(maxsize=4)
def neurons_needed(target: str = APPROXIMATE_TARGET, domain=APPROXIMATE_DOMAIN, eps: float = APPROXIMATE_EPS) -> dict:
    """Hidden neurons ``nl.approximate`` needs to stay within ``eps`` of ``target``, per activation it builds
    with (relu, step, sigmoid, tanh); None for the gallery's others."""
    from neuronlab.approximate import approximate

    return {
        name: approximate(target, domain, eps, name).layers[0].neurons
        if name in ("relu", "step", "sigmoid", "tanh")
        else None
        for name in GALLERY
    }


def activations_gallery(needed: dict | None = None, trained: dict | None = None):
    """Each activation's graph (solid), its derivative (dashed), the shape a few of them make (thick), and the
    neurons ``nl.fit`` trained and ``nl.approximate`` built for the same target, each labelled."""
    from neuronlab.views.plot import Figure  # shows itself in a notebook (_repr_png_)

    from neuronlab.views.plot import NETWORK_COLOR

    needed = neurons_needed() if needed is None else needed
    trained = neurons_trained() if trained is None else trained
    x = _x(1201)
    fig = Figure(figsize=(14, 6.5), layout="constrained")
    axes = fig.subplots(2, 4, sharex=True).ravel()
    for ax, name in zip(axes, GALLERY):
        g = activation(name)
        slope = g.derivative(x)
        if name == "step":
            slope = np.zeros_like(x)  # 0 on both sides; the jump itself has no slope
        ax.plot(x, g.value(x), color=PALETTE[0], lw=1.8, label="g(z)")
        ax.plot(x, slope, color=PALETTE[0], lw=1.2, ls="--", label="g'(z)")
        ax.plot(
            x,
            shape(name, x),
            color=NETWORK_COLOR,
            lw=2.5,
            alpha=0.8,
            label=f"{len(SHAPES[name])} neuron{'s' if len(SHAPES[name]) > 1 else ''}",
        )
        count, fitted = needed.get(name), trained.get(name)
        taught = (
            ("cannot" if name == "step" else "-")
            if fitted is None
            else (str(fitted["neurons"]) if fitted["neurons"] else f"> {TRAIN_MAX_NEURONS}")
        )
        ax.set_title(f"{name}: trained {taught}, built {count if count else '-'}", fontsize="medium")
        ax.set_ylim(-2.2, 2.6)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small", loc="upper left")
    fig.suptitle(
        f"Activations: graph, slope, the shape a few make; hidden neurons to stay within {APPROXIMATE_EPS:g} of "
        f"{APPROXIMATE_TARGET} on [{APPROXIMATE_DOMAIN[0]:g}, {APPROXIMATE_DOMAIN[1]:g}], trained (nl.fit, best of "
        f"{len(TRAIN_SEEDS)} seeds) and built (nl.approximate)"
    )
    return fig


# ---------------------------------------------------------------- chapter 5: learning by going downhill

DESCENT_STEEPNESS = 2.0
DESCENT_START = (-1.5, 1.5)
DESCENT_X = np.linspace(-3.0, 3.0, 61)


def descent_target() -> np.ndarray:
    """The target of the descent chapter: the bump the step neurons drew (w11 = 1, w21 = -1)."""
    return network(1.0, -1.0).predict(DESCENT_X)[:, 0]


def descent_loss(w11: float, w21: float) -> float:
    """Mean squared error of the sigmoid network (thresholds -1, 1) with output weights w11, w21 on the target."""
    net = network(w11, w21, activation="sigmoid", steepness=DESCENT_STEEPNESS)
    return float(np.mean((net.predict(DESCENT_X)[:, 0] - descent_target()) ** 2))


def descend(start=DESCENT_START, lr: float = 1.0, steps: int = 20) -> np.ndarray:
    """Gradient descent on the output weights (w11, w21), the rest held: rows (w11, w21, loss) from the start.

    Each step runs the engine's ``backward()`` on the mean squared error and moves w <- w - lr·dL/dw.
    """
    from neuronlab.engine.losses import mse

    w11, w21 = start
    y = descent_target().reshape(-1, 1)
    rows = []
    for _ in range(steps + 1):
        net = network(w11, w21, activation="sigmoid", steepness=DESCENT_STEEPNESS)
        net.zero_grad()
        loss = mse(net(DESCENT_X), y)
        loss.backward()
        rows.append((w11, w21, float(loss.data)))
        grad = net.layers[1].W.grad[:, 0]
        w11, w21 = w11 - lr * grad[0], w21 - lr * grad[1]
    return np.array(rows)


def _curvatures() -> np.ndarray:
    """The eigenvalues of the loss's Hessian over (w11, w21): 2/n·HᵀH, H the hidden neurons' outputs."""
    hidden = network(1.0, -1.0, activation="sigmoid", steepness=DESCENT_STEEPNESS).layer_values(DESCENT_X)[0][1]
    return np.linalg.eigvalsh(2.0 / len(DESCENT_X) * hidden.T @ hidden)


def critical_learning_rate() -> float:
    """The learning rate above which descent on (w11, w21) overshoots further each step: 2 / the largest
    curvature of the loss."""
    return float(2.0 / _curvatures().max())


def best_learning_rate() -> float:
    """The constant learning rate that shrinks the distance to the minimum fastest: 2 / (largest + smallest
    curvature)."""
    return float(2.0 / _curvatures().sum())


def descent(rates=None, steps: int = 25):
    """The loss over (w11, w21) as a contour map with gradient descent's path for a small, a good and a too large
    learning rate, and the output graph after the good run beside the target."""
    from neuronlab.views.plot import Figure  # shows itself in a notebook (_repr_png_)

    from neuronlab.views.plot import NETWORK_COLOR, TARGET_COLOR

    critical = critical_learning_rate()
    rates = rates or (0.2 * critical, best_learning_rate(), 1.08 * critical)
    grid = np.linspace(-3, 3, 61)
    losses = np.array([[descent_loss(a, b) for a in grid] for b in grid])
    fig = Figure(figsize=(13, 5), layout="constrained")
    left, right = fig.subplots(1, 2)
    contour = left.contourf(grid, grid, np.log10(losses + 1e-3), levels=20, cmap="viridis")
    fig.colorbar(contour, ax=left, label="log10(loss)")
    for lr, color in zip(rates, ("#ffffff", "#ff7f0e", "#d62728")):
        path = descend(lr=lr, steps=steps)
        inside = np.all(np.abs(path[:, :2]) <= 3.5, axis=1)
        left.plot(
            path[inside, 0],
            path[inside, 1],
            "o-",
            color=color,
            ms=3,
            lw=1.2,
            label=f"lr {lr:.2f}: loss {path[0, 2]:.3g} -> {path[-1, 2]:.3g}",
        )
    left.set_xlim(-3, 3)
    left.set_ylim(-3, 3)
    left.set_xlabel("w11")
    left.set_ylabel("w21")
    left.legend(fontsize="small", loc="lower left")
    left.set_title(f"the loss landscape; above lr {critical:.2f} each step overshoots further", fontsize="medium")
    x = _x()
    path = descend(lr=rates[1], steps=steps)
    right.plot(x, network(1.0, -1.0).predict(x)[:, 0], color=TARGET_COLOR, lw=3, alpha=0.5, label="target")
    for k in (0, 2, steps):
        w11, w21, loss = path[k]
        out = network(w11, w21, activation="sigmoid", steepness=DESCENT_STEEPNESS).predict(x)[:, 0]
        right.plot(
            x,
            out,
            color=NETWORK_COLOR,
            lw=1 + k / steps * 1.5,
            alpha=0.4 + 0.6 * k / steps,
            label=f"step {k}: w11 = {w11:.2f}, w21 = {w21:.2f}, loss {loss:.3g}",
        )
    right.set_title(f"the output moves towards the target (lr {rates[1]:.2f})", fontsize="medium")
    right.set_xlabel("x")
    right.grid(alpha=0.3)
    right.legend(fontsize="small")
    fig.suptitle("Learning by going downhill: each step moves the weights against the slope of the loss")
    return fig


# ---------------------------------------------------------------- chapter 6: backprop you can watch

BACKPROP_POINT = (0.5, 1.0)


def backprop(x: float = BACKPROP_POINT[0], y: float = BACKPROP_POINT[1], lr: float | None = None):
    """One backward pass of the lesson's sigmoid network on the point (x, y), drawn: each edge coloured and sized
    by dL/dw, each neuron labelled with dL/da, and the output graph before and after one step. The numbers are
    ``nl.explain``'s, with its default learning rate unless ``lr`` is given."""
    from neuronlab.views.plot import Figure  # shows itself in a notebook (_repr_png_)

    from neuronlab.apps.explain import DEFAULT_LR, default_network, explain
    from neuronlab.views.plot import NETWORK_COLOR, TARGET_COLOR

    grid = _x()
    e = explain(default_network(), x, y, lr=DEFAULT_LR if lr is None else lr, grid=grid)  # `neuronlab explain`'s step
    fig = Figure(figsize=(13, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1.2, 1))
    columns = [[0.0], [0.6, -0.6], [0.0]]  # x, h1 and h2, out
    largest = max(abs(c["backprop"]) for c in e.checks if c["name"].startswith("W"))
    for l, layer in enumerate(e.layers):
        for i, source in enumerate(layer["input_names"]):
            for j, name in enumerate(layer["names"]):
                g = layer["dL_dW"][i, j]
                left.plot(
                    [l, l + 1],
                    [columns[l][i], columns[l + 1][j]],
                    color=sign(g),
                    lw=1 + 8 * abs(g) / largest,
                    alpha=0.85,
                    zorder=1,
                )
                left.annotate(
                    f"dL/dW{l + 1}[{source}->{name}]\n= {g:.4g}",
                    ((2 * l + 1) / 2, (columns[l][i] + columns[l + 1][j]) / 2),
                    ha="center",
                    fontsize=8,
                    bbox=dict(boxstyle="round", fc="white", alpha=0.8),
                )
    labels = [[f"x = {e.x[0]:g}"]] + [
        [f"{name}: a = {a:.3g}\ndL/da = {d:.3g}" for name, a, d in zip(layer["names"], layer["a"], layer["dL_da"])]
        for layer in e.layers
    ]
    for c, (rows, texts) in enumerate(zip(columns, labels)):
        for r, text in zip(rows, texts):
            left.scatter([c], [r], s=500, color=ROLES["node"], edgecolor=ROLES["ink"], zorder=2)
            left.annotate(text, (c, r), xytext=(0, 22), textcoords="offset points", ha="center", fontsize=9)
    left.set_xlim(-0.3, 2.3)
    left.set_ylim(-1.1, 1.2)
    left.axis("off")
    left.set_title(
        f"backward from L = (a - y)^2 = {e.loss:.4g}: edges by dL/dw (blue +, orange -), thickness = size",
        fontsize="medium",
    )
    right.plot(grid, e.curve["before"], color=TARGET_COLOR, ls="--", lw=2, label="before the step")
    right.plot(grid, e.curve["after"], color=NETWORK_COLOR, lw=2.5, label=f"after one step, lr = {e.lr:g}")
    right.scatter([x], [y], color="black", zorder=3, label=f"the training point ({x:g}, {y:g})")
    right.set_title(f"w <- w - lr·dL/dw: loss {e.loss:.4g} -> {e.new_loss:.4g}", fontsize="medium")
    right.set_xlabel("x")
    right.grid(alpha=0.3)
    right.legend(fontsize="small")
    fig.suptitle("Backpropagation: the chain rule runs from the loss back to every weight; one step moves them all")
    return fig


# ---------------------------------------------------------------- trained against constructed

TRAINED = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "sin")  # the gallery's trainable engine activations
TRAIN_MAX_NEURONS, TRAIN_SEEDS, TRAIN_POINTS = 12, (0, 1, 2), 121


@functools.lru_cache(maxsize=1)
def neurons_trained(target: str = APPROXIMATE_TARGET, domain=APPROXIMATE_DOMAIN, eps: float = APPROXIMATE_EPS) -> dict:
    """The fewest hidden neurons n (1 to ``TRAIN_MAX_NEURONS``) with which ``nl.fit``, with its defaults, trains a
    1-n-1 network of each trainable gallery activation to stay within ``eps`` of ``target`` on ``domain`` (checked
    on 2001 points), best of ``TRAIN_SEEDS``: {name: {"neurons": n or None, "error": the best max error at n (or at
    the largest n tried), "dead": per seed, the hidden neurons with z <= 0 on every training point at that n}};
    step and gaussian are None (not trainable by nl.fit)."""
    from neuronlab.engine.network import mlp
    from neuronlab.training.train import fit

    f = expr(target)
    x, dense = np.linspace(*domain, TRAIN_POINTS), np.linspace(*domain, 2001)
    found = {}
    for name in GALLERY:
        if name not in TRAINED:
            found[name] = None
            continue
        for n in range(1, TRAIN_MAX_NEURONS + 1):
            errors, dead = [], []
            for seed in TRAIN_SEEDS:
                net = mlp([1, n, 1], activation=name, seed=seed, dtype="float64")
                fit(net, x, f(x), progress=False, seed=seed)
                errors.append(float(np.abs(net.predict(dense)[:, 0] - f(dense)).max()))
                dead.append(int((net.layer_values(x)[0][0] <= 0).all(axis=0).sum()))
            if min(errors) <= eps:
                break
        found[name] = {"neurons": n if min(errors) <= eps else None, "error": min(errors), "dead": dead}
    return found


def construction_steepness(
    target: str = APPROXIMATE_TARGET,
    domain=APPROXIMATE_DOMAIN,
    eps: float = APPROXIMATE_EPS,
    activation: str = "sigmoid",
) -> tuple[float, float]:
    """The smallest and largest steepness |w| of the hidden neurons ``nl.approximate`` builds: its "steps"."""
    from neuronlab.approximate import approximate

    w = np.abs(approximate(target, domain, eps, activation).layers[0].W.data)
    return float(w.min()), float(w.max())


def sigmoid_band(fraction: float = 0.01) -> float:
    """u with sigmoid'(u) = ``fraction`` of sigmoid'(0): the slope of sigmoid(k·x) is above that only for |x| < u/k."""
    from neuronlab.engine import activations

    u = np.linspace(0, 20, 200001)
    slope = activations.get("sigmoid").derivative(u)
    return float(u[np.argmax(slope < fraction * slope[0])])


# ---------------------------------------------------------------- the numbers the texts show

LINEAR_EXAMPLE = (((2.0, -1.0), (1.0, 3.0), (3.0, 1.0)), ((4.0,), (-2.0,), (0.5,)))  # h1, h2 then h3: (w, b, w_out)


def _signed(value: float, digits: int = 4) -> str:
    """A number for the text: -0.5 as −0.5 (a real minus sign), no needless zeros."""
    text = f"{value:.{digits}g}"
    return ("0" if text == "-0" else text).replace("-", "−")


def _bracketed(value: float, digits: int = 4) -> str:
    """A number as a factor: negatives in brackets."""
    text = _signed(value, digits)
    return f"({text})" if text.startswith("−") else text


def _affine(slope: float, intercept: float) -> str:
    if abs(slope) == 1:
        return f"{'−' if slope < 0 else ''}x {'−' if intercept < 0 else '+'} {_signed(abs(intercept))}"
    return f"{_signed(slope)}·x {'−' if intercept < 0 else '+'} {_signed(abs(intercept))}"


def _linear_example() -> dict:
    """The worked example of chapter 6, collapsed by the engine (``collapse``)."""
    (w, b, out), (w3, b3, out3) = LINEAR_EXAMPLE
    two = Network(
        [
            Dense(1, 2, "linear", weights=[list(w)], bias=list(b)),
            Dense(2, 1, "linear", weights=[[v] for v in out], bias=[0.0]),
        ]
    )
    three = Network(
        [
            Dense(1, 3, "linear", weights=[list(w + w3)], bias=list(b + b3)),
            Dense(3, 1, "linear", weights=[[v] for v in out + out3], bias=[0.0]),
        ]
    )
    (W2, B2), (W3, B3) = collapse(two), collapse(three)
    return {
        "lin_h1": _affine(w[0], b[0]),
        "lin_h2": _affine(w[1], b[1]),
        "lin_h3": _affine(w3[0], b3[0]),
        "lin_out": f"{_signed(out[0])}·h1 + {_signed(out[1])}·h2",
        "lin_w3": _signed(out3[0]),
        "lin_collapsed": _affine(W2[0, 0], B2[0]),
        "lin_collapsed3": _affine(W3[0, 0], B3[0]),
    }


def _backprop_example() -> dict:
    """The worked example of chapter 10: ``nl.explain``'s numbers for the lesson's sigmoid network at one point."""
    from neuronlab.apps.explain import DEFAULT_LR, default_network, explain

    e = explain(default_network(), *BACKPROP_POINT, lr=DEFAULT_LR)
    hidden, output = e.layers
    h1, h2 = hidden["a"]
    return {
        "bp_x": _signed(e.x[0]),
        "bp_y": _signed(e.y[0]),
        "bp_h1": _signed(h1, 3),
        "bp_h2": _signed(h2, 3),
        "bp_out": _signed(output["a"][0], 3),
        "bp_loss": _signed(e.loss),
        "bp_dout": _signed(output["dL_da"][0], 3),
        "bp_dout_f": _bracketed(output["dL_da"][0], 3),
        "bp_dw11": _signed(output["dL_dW"][0, 0], 3),
        "bp_dw11_value": round(float(output["dL_dW"][0, 0]), 3),
        "bp_dh1": _signed(hidden["dL_da"][0], 3),
        "bp_g1": _signed(h1 * (1 - h1), 3),
        "bp_dz1": _signed(hidden["dL_dz"][0], 3),
        "bp_dz1_f": _bracketed(hidden["dL_dz"][0], 3),
        "bp_dwx1": _signed(hidden["dL_dW"][0, 0], 3),
        "bp_lr": _signed(e.lr),
        "bp_new_loss": _signed(e.new_loss),
        "bp_new_w11": _signed(e.new_parameters["W2"][0, 0], 4),
    }


def activation_table(trained: dict, needed: dict) -> str:
    """The activations chapter's table (Markdown): trained and constructed neuron counts, each labelled."""
    rows = [
        "| activation | trained (`nl.fit`) | constructed (`nl.approximate`) | what a few make, and what goes wrong |",
        "|---|---|---|---|",
    ]
    for name in GALLERY:
        t = trained.get(name)
        if t is None:
            shown = "cannot be trained (slope 0)" if name == "step" else "not trained here"
        elif t["neurons"] is None:
            shown = f"not within {APPROXIMATE_EPS:g} with up to {TRAIN_MAX_NEURONS}"
        else:
            shown = str(t["neurons"])
        rows.append(f"| {name} | {shown} | {needed[name] if needed[name] else 'not built'} | {NOTES[name]} |")
    return "\n".join(rows)


@functools.lru_cache(maxsize=1)
def numbers() -> dict:
    """Every number the lesson's texts show, computed by the engine: the ``{fields}`` of ``lesson_text``."""
    from neuronlab.engine.neuron import Neuron

    needed, trained = neurons_needed(), neurons_trained()
    steep_min, steep_max = construction_steepness()
    critical, best = critical_learning_rate(), best_learning_rate()
    start = DESCENT_START
    nudged = descent_loss(start[0] + NUDGE, start[1]) - descent_loss(*start)
    slope = start[0] - descend(lr=1.0, steps=1)[1, 0]  # dL/dw11 by backward(): one step of lr 1 moves w11 by -dL/dw11
    (w1, w2), b = DECIDE_NEURON
    one = Neuron(weights=ONE_NEURON[0], bias=ONE_NEURON[1], activation="step")
    weights, bias, best_xor = best_single_neuron_on_xor()
    f = expr(BUMPS_TARGET)
    x = _x(2001)
    bump_errors = [float(np.abs(bump_network(f, DOMAIN, n).predict(x)[:, 0] - f(x)).max()) for n in BUMPS_COUNTS]
    pair = lambda w11, w21, at: _signed(float(network(w11, w21).predict([at])[0, 0]))
    tanh_trained = trained["tanh"]["neurons"]
    return {
        "decide_x1": DECIDE_INPUTS[0],
        "decide_x2": DECIDE_INPUTS[1],
        "decide_w1": _signed(w1),
        "decide_w2": _signed(w2),
        "decide_b": _signed(b),
        "decide_z_one": _signed(w1 + b),
        "decide_z_both": _signed(w1 + w2 + b),
        "xor_best": best_xor,
        "neuron_w": _signed(one.weights[0]),
        "neuron_b": _signed(one.bias),
        "neuron_formula": one.formula().replace("-", "−"),
        "neuron_s": _signed(one.threshold),
        "neuron_s_value": float(one.threshold),
        "s1": _signed(THRESHOLDS[0]),
        "s2": _signed(THRESHOLDS[1]),
        "exercise_question": EXERCISE_QUESTION,
        "staircase": ", ".join(pair(1, 1, at) for at in (-2, 0, 2)),
        "bump_height": pair(1, -1, 0),
        "dip_depth": pair(-1, 1, 0).lstrip("−"),
        "check_pair_w11": _signed(CHECK_PAIR[0]),
        "check_pair_w21": _signed(CHECK_PAIR[1]),
        "check_pair_right": pair(*CHECK_PAIR, 2),
        "check_pair_middle": pair(*CHECK_PAIR, 0),
        "bumps_target": BUMPS_TARGET,
        "bumps_errors": "; ".join(f"{n} bumps: {e:.2f}" for n, e in zip(BUMPS_COUNTS, bump_errors)),
        **_linear_example(),
        "descent_k": _signed(DESCENT_STEEPNESS),
        "descent_points": len(DESCENT_X),
        "start_w11": _signed(start[0]),
        "start_w21": _signed(start[1]),
        "start_loss": _signed(descent_loss(*start)),
        "nudge": _signed(NUDGE),
        "nudged_w11": _signed(start[0] + NUDGE),
        "nudged_loss": _signed(descent_loss(start[0] + NUDGE, start[1])),
        "nudge_change": _signed(nudged, 3),
        "nudge_ratio": _signed(nudged / NUDGE, 3),
        "nudge_ratio_value": round(nudged / NUDGE, 2),
        "slope_w11": _signed(slope, 3),
        "critical_lr": f"{critical:.3f}",
        "critical_lr_up": f"{np.ceil(critical * 100) / 100:.2f}",
        "best_lr": f"{best:.2f}",
        "why_threshold": _signed(WHY_NOT_STEP_THRESHOLD),
        "why_best_b": _signed(-WHY_NOT_STEP_THRESHOLD),
        "band": f"{sigmoid_band():.1f}",
        "band_steep": f"{sigmoid_band() / steep_min:.4f}",
        "steep_min": f"{steep_min:,.0f}",
        "steep_max": f"{steep_max:,.0f}",
        "eps": f"{APPROXIMATE_EPS:g}",
        "target": APPROXIMATE_TARGET,
        "domain_a": _signed(APPROXIMATE_DOMAIN[0]),
        "domain_b": _signed(APPROXIMATE_DOMAIN[1]),
        "train_max": TRAIN_MAX_NEURONS,
        "train_seeds": len(TRAIN_SEEDS),
        "train_points": TRAIN_POINTS,
        "activation_table": activation_table(trained, needed),
        "trained_tanh": tanh_trained,
        "trained_tanh_error": f"{trained['tanh']['error']:.3f}",
        "constructed_tanh": needed["tanh"],
        "constructed_relu": needed["relu"],
        "trained_relu": (
            f"{trained['relu']['neurons']} trained relu neurons got there"
            if trained["relu"]["neurons"]
            else f"trained relu networks of up to {TRAIN_MAX_NEURONS} neurons did not get there with `nl.fit`'s "
            f"defaults (largest error {trained['relu']['error']:.2f} at best); with {TRAIN_MAX_NEURONS} "
            f"neurons, {', '.join(map(str, trained['relu']['dead'][:-1]))} and {trained['relu']['dead'][-1]} of them ended dead (z < 0 on every "
            f"training point, so slope 0) in the {len(TRAIN_SEEDS)} runs"
        ),
        **_backprop_example(),
    }


@functools.lru_cache(maxsize=1)
def facts() -> dict:
    """The engine's numbers and definitions the page's Lesson tab draws with: the gallery's shapes, notes and the
    neurons ``nl.approximate`` builds and ``nl.fit`` trains per activation; the descent chapter's data, target and
    learning rates."""
    return {
        "gallery": list(GALLERY),
        "shapes": {name: [list(t) for t in SHAPES[name]] for name in GALLERY},
        "notes": dict(NOTES),
        "neurons_needed": neurons_needed(),
        "neurons_trained": neurons_trained(),
        "training": {"max_neurons": TRAIN_MAX_NEURONS, "seeds": len(TRAIN_SEEDS)},
        "approximate": {"target": APPROXIMATE_TARGET, "domain": list(APPROXIMATE_DOMAIN), "eps": APPROXIMATE_EPS},
        "descent": {
            "x": DESCENT_X.tolist(),
            "target": descent_target().tolist(),
            "steepness": DESCENT_STEEPNESS,
            "thresholds": list(THRESHOLDS),
            "start": list(DESCENT_START),
            "critical_lr": critical_learning_rate(),
            "best_lr": best_learning_rate(),
        },
    }


def page(index_html: str) -> str:
    """The playground's index.html with the Lesson tab's chapter texts and questions put in (``lesson_text.embed``,
    the engine's numbers filled in): the same words as lesson.md. The server serves it; a static page can too."""
    from neuronlab.apps import lesson_text

    return lesson_text.embed(index_html, numbers())


def figures() -> dict:
    """The lesson's figures by the name its texts give them (``!figure NAME``): {name: (file name, make)}; the file
    names sort in reading order."""
    return {
        "decide": ("01-decide.png", decide),
        "xor": ("02-xor.png", xor),
        "neuron": ("03-one-neuron.png", _one_neuron),
        "network": ("04a-network.png", network_diagram),
        **{
            f"case{i + 1}": (
                f"04{'bcd'[i]}-w11_{w11:g}_w21_{w21:g}.png",
                functools.partial(figure, w11, w21, caption=f"w11 = {w11:g}, w21 = {w21:g}: {text}"),
            )
            for i, (w11, w21, text) in enumerate(CASES)
        },
        "exercise": ("04e-exercise.png", exercise),
        "answer": ("04f-answer.png", answer),
        "bumps": ("05-bumps.png", bumps),
        "linear": ("06-linear-collapses.png", linear_collapse),
        "descent": ("07-descent.png", descent),
        "why-not-step": ("08a-why-not-step.png", why_not_step),
        "steep-sigmoid": ("08b-steep-sigmoid.png", steep_sigmoid),
        "activations": ("09-activations.png", activations_gallery),
        "backprop": ("10-backprop.png", backprop),
    }


def markdown(reveal: bool = False) -> tuple[str, list[str]]:
    """lesson.md's text, and the figures it links (by name), from the chapter texts (``neuronlab.lesson_text``)."""
    from neuronlab.apps import lesson_text

    values, files, linked = numbers(), figures(), []

    def link(name):
        linked.append(name)
        return f"![{files[name][0]}]({files[name][0]})"

    def the_answer():
        if not reveal:
            return "The answer: `neuronlab lesson --reveal`, or `nl.lesson.answer()` in Python."
        return (
            "### Answer\n\n" + lesson_text.markdown(lesson_text.blocks("answer", values))[0] + "\n\n" + link("answer")
        )

    parts, answers = [], []
    for number, name in enumerate(lesson_text.CHAPTERS):
        text, solution = lesson_text.markdown(
            lesson_text.blocks(name, values),
            figure=link,
            answer=the_answer,
            check_number=f" {number}" if number else "",
        )
        parts.append(text)
        if solution:
            answers.append(f"- **{number}.** {solution}")
    parts.append("## Answers to the checks\n\n" + "\n".join(answers))
    return "\n\n".join(parts) + "\n", linked


def steps(reveal: bool = False) -> list[tuple[str, object]]:
    """The lesson's figures in reading order: (file name, figure), the answer only with ``reveal``."""
    files = figures()
    return [(files[name][0], files[name][1]()) for name in markdown(reveal)[1]]


def _one_neuron():
    from neuronlab.engine.neuron import Neuron
    from neuronlab.views.plot import neuron as neuron_figure

    return neuron_figure(Neuron(weights=2.0, bias=-1.0, activation="step"), x_range=DOMAIN)


def write(out_dir, reveal: bool = False, progress=None) -> Path:
    """Write the lesson's figures and ``lesson.md`` (linking them in order) into ``out_dir``; returns its path.

    With ``reveal``, the exercise's answer is included. The words come from ``neuronlab.lesson_text``, as on the
    page's Lesson tab. ``progress(done, total, name)``, if given, is called after each figure.
    """
    from neuronlab.views.plot import save

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text, linked = markdown(reveal)
    files = figures()
    for done, name in enumerate(linked, 1):
        save(files[name][1](), out / files[name][0])
        if progress is not None:
            progress(done, len(linked), files[name][0])
    page = out / "lesson.md"
    atomic_write(page, lambda f: f.write(text.encode("utf-8")))
    return page
