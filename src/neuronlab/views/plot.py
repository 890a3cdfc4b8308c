"""Figures (matplotlib): what a fitted network computes, and how its training went.

Every function returns a ``Figure``: a ``matplotlib.figure.Figure`` that Jupyter shows inline with no
``%matplotlib`` magic (it has a ``_repr_png_``), and that scripts save as usual (``fig.savefig("a.png")``).
No pyplot state is touched, so figures can be made from any thread and are freed when dropped.

    fig = nl.plot.function_fit(net, nl.expr("sin(x)"), (-3, 3), history)
    fig.savefig("fit.png")
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib import figure as _figure

from neuronlab.io import atomic_write
from neuronlab.engine.network import Network
from neuronlab.views.colours import ROLES

# the page's colours (views/colours.py): the target grey, the network red, held-out data purple
TARGET_COLOR, NETWORK_COLOR, VALIDATION_COLOR = ROLES["target"], ROLES["network"], ROLES["test"]
REPR_DPI = 100  # the inline image's shown size: a 10 x 7 inch figure is shown 1000 x 700 CSS pixels wide
REPR_PIXEL_RATIO = 2  # ... and drawn with 2 x 2 image pixels per CSS pixel: sharp on a Mac's (ratio 2) screen


class Figure(_figure.Figure):
    """A matplotlib Figure that notebooks display by themselves.

    Figures made without pyplot have no canvas manager, so Jupyter would print ``<Figure size ...>``
    unless the user knew ``%matplotlib inline``. This subclass gives IPython the PNG directly; everything
    else (``savefig``, axes, ``isinstance(fig, matplotlib.figure.Figure)``) is matplotlib's own.

    The PNG has ``REPR_PIXEL_RATIO`` times the pixels it is shown with (IPython's width/height metadata),
    so it is sharp on high-density screens with no ``%config InlineBackend.figure_format = 'retina'``:

        >>> fig = Figure(figsize=(2, 1)); _ = fig.subplots().plot([0, 1])
        >>> image, shown = fig._repr_png_()
        >>> image[1:4], shown
        (b'PNG', {'width': 200, 'height': 100})
    """

    def _repr_png_(self) -> tuple[bytes, dict]:
        width, height = self.get_size_inches() * REPR_DPI
        return png(self, dpi=REPR_DPI * REPR_PIXEL_RATIO), {"width": round(width), "height": round(height)}


def loss_curve(ax, history) -> None:
    """Draw the training (and validation) loss per epoch on ``ax``, the best validation epoch marked."""
    epochs = np.arange(1, len(history.loss) + 1)
    ax.plot(epochs, history.loss, color=NETWORK_COLOR, label="training loss")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, color=VALIDATION_COLOR, label="validation loss")
        if history.best_epoch:
            best = history.val_loss[history.best_epoch - 1]
            ax.plot(
                [history.best_epoch], [best], "o", color=VALIDATION_COLOR, label=f"best (epoch {history.best_epoch})"
            )
    if history.loss and min(history.loss) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(f"training: {history.optimizer}, {history.epochs} epochs, {history.time:.2f} s")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def _beside_loss_curve(history, size: tuple) -> tuple:
    """A figure with one main panel of ``size``, and the loss curve to its right when there is a history."""
    fig = Figure(figsize=(11 if history else size[0], size[1]), layout="constrained")
    axes = fig.subplots(1, 2 if history else 1, squeeze=False)[0]
    if history:
        loss_curve(axes[1], history)
    return fig, axes[0]


def function_fit(net, target, domain, history=None, points: int = 400) -> Figure:
    """The network's output over ``domain`` drawn over the target function, with the loss curve."""
    a, b = domain
    x = np.linspace(a, b, points)
    y = np.asarray(target(x), dtype=float)
    out = net.predict(x)[:, 0]
    err = np.abs(out - y)
    fig, ax = _beside_loss_curve(history, (6, 4.2))
    label = getattr(target, "text", "target")
    ax.plot(x, y, color=TARGET_COLOR, lw=2.5, label=f"target: {label}")
    ax.plot(x, out, color=NETWORK_COLOR, lw=1.5, ls="--", label=f"network ({net.describe()})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"max |error| {err.max():.3g}, mean |error| {err.mean():.3g}")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def predicted_vs_actual(actual, predicted, history=None, test_mask=None) -> Figure:
    """Each point's prediction against its true value (the diagonal is perfect), with the loss curve."""
    actual, predicted = np.ravel(actual), np.ravel(predicted)
    fig, ax = _beside_loss_curve(history, (6, 4.2))
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
    return fig


def confusion(actual, predicted, classes, history=None) -> Figure:
    """The confusion matrix (rows: true class, columns: predicted class), with the loss curve."""
    k = len(classes)
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (np.asarray(actual), np.asarray(predicted)), 1)
    fig, ax = _beside_loss_curve(history, (5.5, 4.6))
    ax.imshow(matrix, cmap="Blues")
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                str(matrix[i, j]),
                ha="center",
                va="center",
                color="white" if matrix[i, j] > matrix.max() / 2 else "black",
            )
    ax.set_xticks(range(k), classes)
    ax.set_yticks(range(k), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_title(f"confusion matrix, accuracy {accuracy:.1%}")
    return fig


def save(fig: Figure, path, dpi: int = 110) -> None:
    """Save ``fig`` atomically (PNG, SVG or PDF, from the file name)."""
    fmt = str(path).rsplit(".", 1)[-1].lower()
    atomic_write(path, lambda f: fig.savefig(f, dpi=dpi, format=fmt))


# ---------------------------------------------------------------- neurons and networks


def neuron(neuron, x_range=None, points: int = 801) -> Figure:
    """The graph of a neuron's function g(w·x + b), its step threshold s = -b/w marked.

    For two inputs, a heat map over ``x_range`` (both axes) with the line w1·x1 + w2·x2 + b = 0 drawn.
    """
    if neuron.inputs == 1:
        a, b = x_range if x_range is not None else neuron.graph_range()
        x = np.linspace(a, b, points)
        fig = Figure(figsize=(6, 3.8), layout="constrained")
        ax = fig.subplots()
        ax.plot(x, neuron(x), color=NETWORK_COLOR, lw=2, label=neuron.formula())
        if neuron.weights[0] != 0:
            s = neuron.threshold
            ax.axvline(s, color=TARGET_COLOR, ls=":", lw=1)
            ax.annotate(
                f"s = -b/w = {s:.3g}",
                (s, 0.5),
                xycoords=("data", "axes fraction"),
                xytext=(5, 0),
                textcoords="offset points",
                fontsize="small",
            )
        ax.set_xlabel("x")
        ax.set_ylabel("output")
        ax.set_title(f"one neuron: {neuron.formula()}")
        ax.grid(alpha=0.3)
        return fig
    if neuron.inputs == 2:
        a, b = x_range if x_range is not None else (-3.0, 3.0)
        grid = np.linspace(a, b, 161)
        x1, x2 = np.meshgrid(grid, grid)
        values = neuron(np.stack([x1, x2], axis=-1))
        fig = Figure(figsize=(5.2, 4.4), layout="constrained")
        ax = fig.subplots()
        image = ax.imshow(values, origin="lower", extent=(a, b, a, b), cmap="RdBu_r", aspect="auto")
        fig.colorbar(image, ax=ax, label="output")
        ax.contour(x1, x2, neuron.weighted_sum(np.stack([x1, x2], axis=-1)), levels=[0.0], colors="black", linewidths=1)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_title(f"one neuron: {neuron.formula()}\n(black line: weighted sum = 0)", fontsize="medium")
        return fig
    raise ValueError(f"a neuron's graph can be drawn for 1 or 2 inputs; this one has {neuron.inputs}")


MAX_LEGEND = 12


def network(net, x_range=(-3.0, 3.0), points: int = 601, target=None) -> Figure:
    """The output graph built by superposition.

    One input: top, each neuron of the last hidden layer's graph h_i(x); bottom, the weighted
    contributions w_i·h_i(x) (thin), their sum plus the output bias (the output's weighted sum, thick) and,
    if the output activation is not linear, the output itself. Two inputs: a small heat map per hidden
    neuron, then the output's, as in TensorFlow Playground.
    """
    if len(net.layers) < 2:
        raise ValueError("this network has no hidden layer: nothing to superpose")
    if net.scaling is not None:  # the same function, its scaling folded in: every graph in raw units
        net = net.folded()
    if net.inputs == 2:
        return _network_2d(net, x_range)
    if net.inputs != 1:
        raise ValueError(f"network graphs are drawn for 1 or 2 inputs; this network has {net.inputs}")
    a, b = x_range
    x = np.linspace(a, b, points)
    values = net.layer_values(x)
    hidden = values[-2][1]
    parts = net.contributions(x)
    weights = net.layers[-1].W.data[:, 0]
    bias = float(net.layers[-1].b.data[0])
    z_out, out = values[-1][0][:, 0], values[-1][1][:, 0]
    fig = Figure(figsize=(10, 7), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.4])
    act = net.layers[-2].activation.name
    colors = _palette(hidden.shape[1])
    for i in range(hidden.shape[1]):
        label = f"h{i + 1}" if i < MAX_LEGEND else None
        top.plot(x, hidden[:, i], color=colors[i], lw=1.3, label=label)
        label = f"{weights[i]:+.3g} · h{i + 1}" if i < MAX_LEGEND else None
        bottom.plot(x, parts[:, i], color=colors[i], lw=1, ls="--", label=label)
    top.set_title(f"hidden neurons ({act}) of the last hidden layer: h_i(x)")
    top.grid(alpha=0.3)
    if hidden.shape[1] <= MAX_LEGEND:
        top.legend(fontsize="x-small", ncol=min(hidden.shape[1], 6))
    if target is not None:
        bottom.plot(
            x,
            np.asarray(target(x), float),
            color=TARGET_COLOR,
            lw=3,
            alpha=0.35,
            label=f"target: {getattr(target, 'text', 'target')}",
        )
    bottom.plot(x, z_out, color="black", lw=2.2, label=f"sum + bias ({bias:+.3g})")
    if net.layers[-1].activation.name != "linear":
        bottom.plot(x, out, color=NETWORK_COLOR, lw=2, label=f"output = {net.layers[-1].activation.name}(sum)")
    more = hidden.shape[1] - MAX_LEGEND
    bottom.set_title(
        "weighted contributions w_i·h_i(x) and their superposition"
        + (f" (legend: first {MAX_LEGEND}, {more} more drawn)" if more > 0 else "")
    )
    bottom.set_xlabel("x")
    bottom.grid(alpha=0.3)
    bottom.legend(fontsize="x-small", ncol=3)
    return fig


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _network_2d(net, x_range) -> Figure:
    a, b = x_range
    grid = np.linspace(a, b, 101)
    x1, x2 = np.meshgrid(grid, grid)
    points = np.column_stack([x1.ravel(), x2.ravel()])
    values = net.layer_values(points)
    hidden = values[-2][1]
    weights = net.layers[-1].W.data[:, 0]
    shown = min(hidden.shape[1], 16)
    cols = min(shown + 1, 6)
    rows = int(np.ceil((shown + 1) / cols))
    fig = Figure(figsize=(2.3 * cols, 2.3 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    extent = (a, b, a, b)
    for i in range(shown):
        axes[i].imshow(hidden[:, i].reshape(x1.shape), origin="lower", extent=extent, cmap="RdBu_r")
        axes[i].set_title(f"h{i + 1}, weight {weights[i]:+.2g}", fontsize="small")
    out = values[-1][1][:, 0].reshape(x1.shape)
    axes[shown].imshow(out, origin="lower", extent=extent, cmap="RdBu_r")
    axes[shown].set_title(
        "output" if net.outputs == 1 else f"output 1 of {net.outputs}", fontsize="small", fontweight="bold"
    )
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[shown + 1 :]:
        ax.set_visible(False)
    more = hidden.shape[1] - shown
    fig.suptitle(
        "each hidden neuron's heat map, and the output they add up to"
        + (f" ({more} more neurons not drawn)" if more > 0 else ""),
        fontsize="medium",
    )
    return fig


def diagnostics(net, x, y, history) -> Figure:
    """Fit diagnostics as MATLAB's fitting tool gives them: loss curves, error histogram, predicted vs actual."""
    predicted = net.predict(x)
    actual = np.asarray(y, float).reshape(predicted.shape)
    errors = (actual - predicted).ravel()
    fig = Figure(figsize=(15, 4.2), layout="constrained")
    left, middle, right = fig.subplots(1, 3)
    loss_curve(left, history)
    middle.hist(errors, bins=min(40, max(5, len(errors) // 5)), color=VALIDATION_COLOR, alpha=0.8)
    middle.axvline(0, color=TARGET_COLOR, lw=1)
    middle.set_title(f"error histogram (target - output), RMSE {np.sqrt(np.mean(errors**2)):.3g}")
    middle.set_xlabel("error")
    middle.set_ylabel("points")
    right.scatter(actual.ravel(), predicted.ravel(), s=10, color=NETWORK_COLOR, alpha=0.6)
    low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
    right.plot([low, high], [low, high], color=TARGET_COLOR, lw=1)
    right.set_title("predicted vs actual")
    right.set_xlabel("actual")
    right.set_ylabel("predicted")
    right.grid(alpha=0.3)
    return fig


def png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for Jupyter and the web page)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


# ---------------------------------------------------------------- learning, animated

MAX_FRAMES = 120


def _frame_image(fig: Figure):
    """The figure rendered (Agg) as a 64-colour image, one GIF frame."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return Image.fromarray(rgba[..., :3]).quantize(colors=64, method=Image.Quantize.MEDIANCUT)


def _write_gif(path, images: list, fps: int, last_ms: int) -> None:
    """Frames at ``fps``, the last held ``last_ms``, looping; written atomically."""
    durations = [int(1000 / max(1, fps))] * (len(images) - 1) + [last_ms]

    def write(f):
        images[0].save(
            f, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0, optimize=True
        )

    atomic_write(path, write)


def animate_fit(
    net,
    x,
    y,
    path,
    *,
    frames: int = 48,
    fps: int = 12,
    target=None,
    view=None,
    x_view=None,
    size=(9.0, 4.2),
    dpi: int = 80,
    **fit_options,
):
    """Train ``net`` on (x, y) and write a GIF of its output graph tracing the target as it learns.

    Each frame shows the target, the output, the hidden neurons' weighted contributions, and the loss
    curve so far. Frames are taken at epochs spaced geometrically (learning is fastest at first) and
    drawn after training, so drawing does not slow it. Returns ``fit``'s History.

    Args:
        net, x, y: a one-input, one-output network and its training data; ``fit_options`` go to ``nl.fit``.
        path: the GIF file (written atomically).
        frames: at most 120; with ``fps`` it sets the GIF's length.
        target: a callable drawn as the target curve (default: the training points).
        view: ``view(snapshot)`` gives the network to draw on ``x_view`` (e.g. one with data scaling folded
            in, when ``x`` and ``y`` were scaled for training); it receives a copy of the network as it was
            at that frame's epoch.
    """
    from neuronlab.training.train import fit, planned_epochs

    if net.inputs != 1 or net.outputs != 1:
        raise ValueError("animate_fit draws one-input, one-output networks")
    frames = int(min(max(frames, 2), MAX_FRAMES))
    x = np.asarray(x, dtype=float).reshape(-1)
    x_view = np.asarray(x if x_view is None else x_view, dtype=float).reshape(-1)
    grid = np.linspace(x_view.min(), x_view.max(), 400)
    view = view or (lambda n: n)
    planned = fit_options.get("epochs")
    snapshots = []  # (epoch, network to draw, losses so far)

    def record(epoch_index, history):  # a copy: training goes on changing ``net`` after this epoch
        snapshots.append((epoch_index + 1, view(net.copy()), list(history.loss)))

    def callback(epoch_index, history):
        if (epoch_index + 1) in wanted:
            record(epoch_index, history)
        user = fit_options.get("callback")
        return None if user is None else user(epoch_index, history)

    options = {k: v for k, v in fit_options.items() if k != "callback"}
    if planned is None:
        planned = planned_epochs(net, len(x), **options)
    wanted = set(np.unique(np.geomspace(1, planned, frames).round().astype(int)).tolist())
    snapshots.append((0, view(net.copy()), []))
    history = fit(net, x, y, callback=callback, **options)
    if not snapshots or snapshots[-1][0] != history.epochs:
        record(history.epochs - 1, history)

    target_y = None if target is None else np.asarray(target(grid), dtype=float)
    final = snapshots[-1][1]
    low = min(float(np.min(final.predict(grid))), float(np.min(target_y)) if target_y is not None else np.inf)
    high = max(float(np.max(final.predict(grid))), float(np.max(target_y)) if target_y is not None else -np.inf)
    pad = 0.15 * (high - low or 1.0)
    all_losses = np.asarray(history.loss) if history.loss else np.ones(1)
    loss_range = (float(all_losses.min()) * 0.8, float(all_losses.max()) * 1.25)
    images = []
    for epoch, shown, losses in snapshots:
        fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=[1.6, 1])
        parts = shown.contributions(grid) if len(shown.layers) > 1 else None
        if parts is not None:
            for i in range(min(parts.shape[1], 24)):
                left.plot(grid, parts[:, i], lw=0.7, alpha=0.45)
        if target_y is not None:
            left.plot(grid, target_y, color=TARGET_COLOR, lw=3, alpha=0.4, label="target")
        left.plot(grid, shown.predict(grid)[:, 0], color=NETWORK_COLOR, lw=2, label="network")
        left.set_ylim(low - pad, high + pad)
        left.set_title(f"epoch {epoch}: output (red) = sum of weighted neurons (thin)", fontsize="medium")
        left.legend(fontsize="small", loc="upper left")
        left.grid(alpha=0.3)
        if losses:
            right.plot(np.arange(1, len(losses) + 1), losses, color=NETWORK_COLOR)
        if loss_range[0] > 0:
            right.set_yscale("log")
        right.set_ylim(*loss_range)
        right.set_xlim(1, max(history.epochs, 2))
        right.set_title(f"loss {losses[-1]:.3g}" if losses else "loss", fontsize="medium")
        right.set_xlabel("epoch")
        right.grid(alpha=0.3)
        images.append(_frame_image(fig))
    _write_gif(path, images, fps, last_ms=2000)  # linger on the final fit
    return history


# ---------------------------------------------------------------- universal approximation

MAX_DRAWN_CONTRIBUTIONS = 40


def approximation(net, target, domain=None, points: int = 2001) -> Figure:
    """A constructed network over its target, with the error band ±eps and each neuron's contribution.

    Top: the target, the network, and the band target ± eps from ``net.certificate``; bottom: the weighted
    contributions w_i·h_i(x) of the hidden neurons (the first 40, ordered by where they act), whose sum
    plus the output bias is the network.
    """
    certificate = getattr(net, "certificate", None)
    if domain is None:
        if certificate is None:
            raise ValueError("give the domain (this network has no certificate to take it from)")
        domain = certificate.domain
    a, b = domain
    x = np.linspace(a, b, points)
    y = np.asarray(target(x), dtype=float)
    out = net.predict(x)[:, 0]
    fig = Figure(figsize=(10, 7), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.3, 1])
    if certificate is not None:
        top.fill_between(
            x,
            y - certificate.eps,
            y + certificate.eps,
            color=TARGET_COLOR,
            alpha=0.15,
            label=f"target ± eps ({certificate.eps:g})",
        )
    top.plot(x, y, color=TARGET_COLOR, lw=2, label=f"target: {getattr(target, 'text', 'target')}")
    top.plot(
        x,
        out,
        color=NETWORK_COLOR,
        lw=1.2,
        label=f"network: {net.layers[0].neurons} {net.layers[0].activation.name} neurons",
    )
    title = f"max |error| {np.abs(out - y).max():.3g}"
    if certificate is not None:
        title = f"{certificate.activation} construction, {certificate.neurons} neurons: " + title
    top.set_title(title)
    top.legend(fontsize="small")
    top.grid(alpha=0.3)
    parts = net.contributions(x)
    order = np.argsort(net.layers[0].thresholds())[:MAX_DRAWN_CONTRIBUTIONS]
    colors = _palette(len(order))
    for color, i in zip(colors, order):
        bottom.plot(x, parts[:, i], lw=0.9, color=color)
    more = parts.shape[1] - len(order)
    bottom.set_title(
        "each neuron's weighted contribution w_i·h_i(x)"
        + (f" (the first {len(order)} of {parts.shape[1]})" if more > 0 else "")
        + f"; they add up, with the bias {net.layers[-1].b.data[0]:+.3g}, to the network"
    )
    bottom.set_xlabel("x")
    bottom.grid(alpha=0.3)
    return fig


def animate_construction(net: Network, target, path, domain=None, frames: int = 60, fps: int = 8, dpi: int = 80) -> int:
    """A GIF of the network's neurons added one by one (left to right) until the error is under eps.

    Frame k draws the output bias plus the contributions of the first k neurons, with the target and the
    current max error. With more neurons than frames, several are added per frame. Returns the frame count.
    ``domain`` defaults to the certificate's (a network ``nl.approximate`` built); other networks need it.
    """
    certificate = net.certificate
    if domain is None:
        if certificate is None:
            raise ValueError(
                "animate_construction needs domain=(a, b): this network has no certificate "
                "(nl.approximate gives its networks one)"
            )
        domain = certificate.domain
    a, b = domain
    x = np.linspace(a, b, 1001)
    y = np.asarray(target(x), dtype=float)
    parts = net.contributions(x)
    thresholds = net.layers[0].thresholds()
    order = np.argsort(thresholds)
    bias = net.layers[-1].b.data[0]
    counts = np.unique(np.linspace(0, len(order), min(int(frames), MAX_FRAMES)).round().astype(int))
    cumulative = np.cumsum(parts[:, order], axis=1)
    low, high = float(y.min()), float(y.max())  # partial sums may leave the picture; the target stays in it
    pad = 0.5 * (high - low or 1.0)
    images = []
    for k in counts:
        out = bias + (cumulative[:, k - 1] if k else 0.0)
        error = np.abs(out - y).max()
        fig = Figure(figsize=(8, 4), dpi=dpi, layout="constrained")
        ax = fig.subplots()
        if certificate is not None:
            ax.fill_between(x, y - certificate.eps, y + certificate.eps, color=TARGET_COLOR, alpha=0.15)
        ax.plot(x, y, color=TARGET_COLOR, lw=2, label="target")
        ax.plot(x, np.broadcast_to(out, x.shape), color=NETWORK_COLOR, lw=1.5, label=f"first {k} neurons")
        if k:
            ax.axvline(np.clip(thresholds[order[k - 1]], a, b), color=VALIDATION_COLOR, ls=":", lw=1)
        ax.set_ylim(low - pad, high + pad)
        done = certificate is not None and k == len(order) and error <= certificate.eps
        ax.set_title(f"{k} of {len(order)} neurons: max |error| {error:.3g}" + ("  (within eps)" if done else ""))
        ax.legend(fontsize="small", loc="upper left")
        ax.grid(alpha=0.3)
        images.append(_frame_image(fig))
    _write_gif(path, images, fps, last_ms=2500)
    return len(images)


def approximation_2d(net, target) -> Figure:
    """Target, network and error heat maps for a 2-D construction (its certificate gives the rectangle)."""
    (a, b), (c, d) = net.certificate.domain
    xs, ys = np.linspace(a, b, 201), np.linspace(c, d, 201)
    gx, gy = np.meshgrid(xs, ys)
    truth = np.asarray(target(gx, gy), dtype=float)
    out = net.predict(np.column_stack([gx.ravel(), gy.ravel()]))[:, 0].reshape(gx.shape)
    fig = Figure(figsize=(13, 4), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, values, title, cmap in (
        (axes[0], truth, f"target: {getattr(target, 'text', 'f')}", "viridis"),
        (axes[1], out, f"network: {net.certificate.neurons} step neurons", "viridis"),
        (
            axes[2],
            out - truth,
            f"error (|max| {np.abs(out - truth).max():.3g} <= eps {net.certificate.eps:g})",
            "RdBu_r",
        ),
    ):
        image = ax.imshow(values, origin="lower", extent=(a, b, c, d), cmap=cmap, aspect="auto")
        fig.colorbar(image, ax=ax)
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    return fig
