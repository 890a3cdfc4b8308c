"""Figures (matplotlib): what a fitted network computes, and how its training went.

Every function returns a ``matplotlib.figure.Figure`` (shown inline in Jupyter; ``fig.savefig("a.png")``
saves it). No pyplot state is touched, so figures can be made from any thread.

    fig = nl.plot.function_fit(net, nl.expr("sin(x)"), (-3, 3), history)
    fig.savefig("fit.png")
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .io import atomic_write

TARGET_COLOR, NETWORK_COLOR, VALIDATION_COLOR = "#444444", "#d62728", "#1f77b4"


def loss_curve(ax, history) -> None:
    """Draw the training (and validation) loss per epoch on ``ax``, the best validation epoch marked."""
    epochs = np.arange(1, len(history.loss) + 1)
    ax.plot(epochs, history.loss, color=NETWORK_COLOR, label="training loss")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, color=VALIDATION_COLOR, label="validation loss")
        if history.best_epoch:
            best = history.val_loss[history.best_epoch - 1]
            ax.plot([history.best_epoch], [best], "o", color=VALIDATION_COLOR, label=f"best (epoch {history.best_epoch})")
    if history.loss and min(history.loss) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(f"training: {history.optimizer}, {history.epochs} epochs, {history.time:.2f} s")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def function_fit(net, target, domain, history=None, points: int = 400) -> Figure:
    """The network's output over ``domain`` drawn over the target function, with the loss curve."""
    a, b = domain
    x = np.linspace(a, b, points)
    y = np.asarray(target(x), dtype=float)
    out = net.predict(x)[:, 0]
    err = np.abs(out - y)
    fig = Figure(figsize=(11 if history else 6, 4.2), layout="constrained")
    axes = fig.subplots(1, 2 if history else 1, squeeze=False)[0]
    ax = axes[0]
    label = getattr(target, "text", "target")
    ax.plot(x, y, color=TARGET_COLOR, lw=2.5, label=f"target: {label}")
    ax.plot(x, out, color=NETWORK_COLOR, lw=1.5, ls="--", label=f"network ({net.describe()})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"max |error| {err.max():.3g}, mean |error| {err.mean():.3g}")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    if history:
        loss_curve(axes[1], history)
    return fig


def predicted_vs_actual(actual, predicted, history=None, test_mask=None) -> Figure:
    """Each point's prediction against its true value (the diagonal is perfect), with the loss curve."""
    actual, predicted = np.ravel(actual), np.ravel(predicted)
    fig = Figure(figsize=(11 if history else 6, 4.2), layout="constrained")
    axes = fig.subplots(1, 2 if history else 1, squeeze=False)[0]
    ax = axes[0]
    mask = np.zeros(actual.shape, bool) if test_mask is None else np.asarray(test_mask, bool)
    ax.scatter(actual[~mask], predicted[~mask], s=12, color=NETWORK_COLOR, alpha=0.6, label="training points")
    if mask.any():
        ax.scatter(actual[mask], predicted[mask], s=14, color=VALIDATION_COLOR, label="held-out points")
    low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
    ax.plot([low, high], [low, high], color=TARGET_COLOR, lw=1, label="perfect")
    ax.set_xlabel("actual")
    ax.set_ylabel("predicted")
    ax.set_title("predicted vs actual")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    if history:
        loss_curve(axes[1], history)
    return fig


def confusion(actual, predicted, classes, history=None) -> Figure:
    """The confusion matrix (rows: true class, columns: predicted class), with the loss curve."""
    k = len(classes)
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (np.asarray(actual), np.asarray(predicted)), 1)
    fig = Figure(figsize=(11 if history else 5.5, 4.6), layout="constrained")
    axes = fig.subplots(1, 2 if history else 1, squeeze=False)[0]
    ax = axes[0]
    ax.imshow(matrix, cmap="Blues")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xticks(range(k), classes)
    ax.set_yticks(range(k), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_title(f"confusion matrix, accuracy {accuracy:.1%}")
    if history:
        loss_curve(axes[1], history)
    return fig


def save(fig: Figure, path, dpi: int = 110) -> None:
    """Save ``fig`` atomically (PNG, SVG or PDF, from the file name)."""
    fmt = str(path).rsplit(".", 1)[-1].lower()
    atomic_write(path, lambda f: fig.savefig(f, dpi=dpi, format=fmt))
