"""The lesson: how two step neurons and an output neuron draw new graphs, and why that is enough.

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

from pathlib import Path

import numpy as np

from .expr import expr
from .io import atomic_write
from .network import Dense, Network

THRESHOLDS = (-1.0, 1.0)
DOMAIN = (-3.0, 3.0)
CASES = [
    (1.0, 1.0, "adds both graphs: a staircase 0, 1, 2"),
    (1.0, -1.0, "inverts neuron 2's graph and adds neuron 1's: a bump of height 1 between the thresholds"),
    (-1.0, 1.0, "inverts neuron 1's graph and adds neuron 2's: a dip of depth 1 between the thresholds"),
]
EXERCISE = (1.5, -0.5)
EXERCISE_QUESTION = "What does the output graph look like for w11 = 1.5, w21 = -0.5?"
EXERCISE_ANSWER = ("0 left of s1; 1.5 between the thresholds (neuron 1 alone, stretched by 1.5); "
                   "1.5 - 0.5 = 1.0 right of s2 (neuron 2 joins, inverted and shrunk to -0.5)")


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
    from .plot import NETWORK_COLOR, TARGET_COLOR, Figure

    net = network(w11, w21)
    x = _x()
    hidden = net.layer_values(x)[0][1]
    parts = net.contributions(x)
    out = net.predict(x)[:, 0]
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    colors = ("#1f77b4", "#ff7f0e")
    for i, ax in enumerate(axes[:2]):
        ax.plot(x, hidden[:, i], color=colors[i], lw=2)
        ax.axvline(THRESHOLDS[i], color=TARGET_COLOR, ls=":", lw=1)
        ax.set_title(f"neuron {i + 1}: step(x {'+' if THRESHOLDS[i] < 0 else '-'} 1), s{i + 1} = {THRESHOLDS[i]:g}")
    ax = axes[2]
    if hide_output:
        ax.text(0.5, 0.5, "?", transform=ax.transAxes, ha="center", va="center", fontsize=60, color=TARGET_COLOR)
        ax.set_title(f"output for w11 = {w11:g}, w21 = {w21:g}: ?")
    else:
        ax.plot(x, parts[:, 0], color=colors[0], ls="--", lw=1.2, label=f"w11·h1 = {w11:g}·h1")
        ax.plot(x, parts[:, 1], color=colors[1], ls="--", lw=1.2, label=f"w21·h2 = {w21:g}·h2")
        ax.plot(x, out, color=NETWORK_COLOR, lw=2.5, label="output = sum")
        ax.set_title(f"output = {w11:g}·h1 {'+' if w21 >= 0 else '-'} {abs(w21):g}·h2")
        ax.legend(fontsize="small", loc="upper left")
    levels = sorted({*np.round(out, 12), *np.round(parts.ravel(), 12), 0.0, 1.0})
    for ax in axes:
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.set_ylim(min(levels) - 0.3, max(levels) + 0.3)
        ax.set_xlim(DOMAIN[0] - 0.2, DOMAIN[1] + 0.2)
    if caption:
        fig.suptitle(caption)
    return fig


def exercise():
    """The exercise as a question: both hidden graphs, the output left blank."""
    return figure(*EXERCISE, caption=EXERCISE_QUESTION, hide_output=True)


def answer():
    """The exercise's answer figure (shown only when asked)."""
    return figure(*EXERCISE, caption="Answer: " + EXERCISE_ANSWER)


def why_not_step(target_threshold: float = 0.3):
    """Why gradient descent cannot train step neurons: the loss as a function of one neuron's bias.

    Fit one neuron g(x + b) to a step at x = 0.3 and plot the mean squared error against b. With the
    step activation the loss is flat between jumps (gradient 0 almost everywhere, undefined at the jumps);
    with a sigmoid it slopes smoothly towards the best b = -0.3.
    """
    from .plot import Figure

    from . import activations

    x = np.linspace(-2, 2, 41)
    y = (x >= target_threshold).astype(float)
    biases = np.linspace(-2, 2, 801)
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, name, k in ((axes[0], "step", 1.0), (axes[1], "sigmoid", 4.0)):
        g = activations.get(name)
        loss = np.array([np.mean((g.value(k * (x + b)) - y) ** 2) for b in biases])
        ax.plot(biases, loss, color="#d62728", lw=2)
        ax.axvline(-target_threshold, color="#444444", ls=":", lw=1)
        flat = "flat steps: the gradient is 0, backprop has nowhere to go" if name == "step" else \
            "smooth: the gradient points to the best bias"
        ax.set_title(f"{name}{'' if k == 1 else f'({k:g}·(x + b))'}: {flat}", fontsize="medium")
        ax.set_xlabel("bias b")
        ax.set_ylabel("mean squared error")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Fitting one neuron to a step at x = {target_threshold:g}: loss against the neuron's bias")
    return fig


def steep_sigmoid(steepness=(1, 3, 10, 100)):
    """sigmoid(k·x) for growing k approaches the step: trainable neurons can act like step neurons."""
    from .plot import Figure

    from . import activations

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


def bumps(target: str = "sin(2*x) + 0.3*x", counts=(3, 6, 12, 24)):
    """Many bumps approximate a curve: the more bumps (pairs of neurons), the smaller the error."""
    from .plot import Figure

    f = expr(target)
    x = _x()
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
    for ax, n in zip(axes, counts):
        net = bump_network(f, DOMAIN, n)
        out = net.predict(x)[:, 0]
        error = np.abs(out - f(x)).max()
        ax.plot(x, f(x), color="#444444", lw=2.5, alpha=0.5, label=f"target {target}")
        ax.plot(x, out, color="#d62728", lw=1.5, label=f"{n} bumps = {2 * n} step neurons")
        ax.set_title(f"{n} bumps: max |error| {error:.3f}")
        ax.legend(fontsize="x-small", loc="lower right")
        ax.grid(alpha=0.3)
    fig.suptitle("Pairs of step neurons make bumps; enough bumps trace any continuous curve")
    return fig


def steps() -> list[tuple[str, str, object]]:
    """The lesson in order: (file name, Markdown text, figure) for each part, the answer not included."""
    parts = [("01-one-neuron.png",
              "## 1. One neuron\n\nA neuron computes a weighted sum of its input plus a bias, z = w·x + b, and "
              "passes it through an activation. With the **step** activation it outputs 0 until z reaches 0 "
              "and 1 from there on: the graph jumps at the threshold **s = -b/w**.",
              _one_neuron())]
    for i, (w11, w21, text) in enumerate(CASES):
        parts.append((f"{i + 2:02d}-w11_{w11:g}_w21_{w21:g}.png",
                      f"## {i + 2}. w11 = {w11:g}, w21 = {w21:g}\n\nTwo step neurons, thresholds s1 = -1 and "
                      f"s2 = 1, feed an output neuron (bias 0). The output {text}.",
                      figure(w11, w21, caption=f"w11 = {w11:g}, w21 = {w21:g}: {text}")))
    parts.append(("05-exercise.png",
                  f"## 5. Exercise\n\n{EXERCISE_QUESTION} Sketch it before you look: the answer is shown by "
                  "`neuronlab lesson --reveal` (or `nl.lesson.answer()`).", exercise()))
    parts.append(("06-why-not-step.png",
                  "## 6. Why step neurons cannot learn by gradient descent\n\nBackpropagation moves each weight "
                  "along the slope of the loss. A step neuron's output does not change when its weights move a "
                  "little, so the loss is flat and the slope is zero almost everywhere: there is nothing to "
                  "follow. A sigmoid neuron's loss slopes smoothly towards the best weights.", why_not_step()))
    parts.append(("07-steep-sigmoid.png",
                  "## 7. A steep sigmoid approaches the step\n\nsigmoid(k·x) becomes the step as k grows, so "
                  "networks trained with sigmoids can still build sharp steps, and keep a gradient to learn "
                  "with.", steep_sigmoid()))
    parts.append(("08-bumps.png",
                  "## 8. Many bumps trace a curve\n\nThe (1, -1) pair makes a bump; scale it by h and it has "
                  "height h. Put bumps side by side, each as high as the target in its interval, and the output "
                  "follows any continuous curve; more bumps, smaller error. That is the universal approximation "
                  "theorem, made concrete.", bumps()))
    return parts


def _one_neuron():
    from .neuron import Neuron
    from .plot import neuron as neuron_figure

    return neuron_figure(Neuron(weights=2.0, bias=-1.0, activation="step"), x_range=DOMAIN)


def write(out_dir, reveal: bool = False) -> Path:
    """Write the lesson's figures and ``lesson.md`` (linking them in order) into ``out_dir``; returns its path.

    With ``reveal``, the exercise's answer is included.
    """
    from .plot import save

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# How neurons network to learn (almost) anything", ""]
    parts = steps()
    if reveal:
        parts.insert(5, ("05b-answer.png", f"### Answer\n\n{EXERCISE_ANSWER}.", answer()))
    for name, text, fig in parts:
        save(fig, out / name)
        lines += [text, "", f"![{name}]({name})", ""]
    page = out / "lesson.md"
    atomic_write(page, lambda f: f.write("\n".join(lines).encode("utf-8")))
    return page
