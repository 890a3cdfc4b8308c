import numpy as np
import pytest
from PIL import Image

import neuronlab as nl
from neuronlab import plot


def non_blank_png(path_or_bytes, min_size=(300, 200)):
    import io

    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    image = np.asarray(Image.open(source).convert("L"), dtype=float)
    assert image.shape[1] >= min_size[0] and image.shape[0] >= min_size[1]
    assert image.std() > 10  # not a blank canvas
    return image


def test_neuron_graph_marks_the_threshold(tmp_path):
    fig = plot.neuron(nl.Neuron(2.0, -1.0, "step"))
    ax = fig.axes[0]
    curve, threshold = ax.lines[0], ax.lines[1]
    assert threshold.get_xdata()[0] == 0.5  # s = -b/w
    x, y = curve.get_xdata(), curve.get_ydata()
    assert set(np.unique(y)) == {0.0, 1.0} and np.all(y[x < 0.5] == 0) and np.all(y[x >= 0.5] == 1)
    plot.save(fig, tmp_path / "neuron.png")
    non_blank_png(tmp_path / "neuron.png")
    heat = plot.neuron(nl.Neuron([1.0, -1.0], 0.0, "sigmoid"))
    assert heat.axes[0].images[0].get_array().shape == (161, 161)
    with pytest.raises(ValueError, match="1 or 2 inputs"):
        plot.neuron(nl.Neuron([1.0, 1.0, 1.0]))


def test_network_figure_shows_each_contribution_and_their_sum():
    net = nl.mlp([1, 5, 1], activation="tanh", output_activation="sigmoid", seed=0)
    fig = plot.network(net, (-2, 2), points=101)
    top, bottom = fig.axes
    assert len(top.lines) == 5  # one graph per hidden neuron
    contributions = bottom.lines[:5]
    total = bottom.lines[5]
    x = np.linspace(-2, 2, 101)
    np.testing.assert_allclose(
        np.sum([line.get_ydata() for line in contributions], axis=0) + net.layers[-1].b.data[0],
        total.get_ydata(),
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(bottom.lines[6].get_ydata(), net.predict(x)[:, 0], rtol=1e-12)
    labels = [t.get_text() for t in bottom.get_legend().get_texts()]
    assert any(f"{net.layers[-1].W.data[0, 0]:+.3g} · h1" == label for label in labels)  # weights in the legend
    non_blank_png(plot.png(fig))


def test_two_input_network_gets_one_heat_map_per_hidden_neuron():
    net = nl.mlp([2, 4, 1], seed=0)
    fig = plot.network(net, (-1, 1))
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 5  # 4 hidden + output
    assert maps[-1].get_title() == "output"


def test_contributions_identity_on_random_networks():
    rng = np.random.default_rng(0)
    for trial in range(20):
        sizes = [1] + list(rng.integers(1, 9, rng.integers(1, 4))) + [1]
        net = nl.mlp(sizes, activation=rng.choice(nl.activations.names()[1:]), seed=trial)
        x = rng.normal(size=(30, 1)) * 3
        z_out = net.layer_values(x)[-1][0][:, 0]
        np.testing.assert_allclose(
            net.contributions(x).sum(1) + net.layers[-1].b.data[0], z_out, rtol=1e-12, atol=1e-12
        )


def test_diagnostics_mark_the_best_validation_epoch():
    x = np.linspace(-1, 1, 80)
    y = np.sin(3 * x) + np.random.default_rng(0).normal(0, 0.1, 80)
    net = nl.mlp([1, 8, 1], seed=0)
    history = nl.fit(net, x, y, validation=0.25, epochs=300, progress=False)
    fig = plot.diagnostics(net, x, y, history)
    loss_ax, hist_ax, scatter_ax = fig.axes
    best = [line for line in loss_ax.lines if line.get_label().startswith("best")][0]
    assert best.get_xdata()[0] == history.best_epoch
    assert best.get_ydata()[0] == min(history.val_loss)
    assert sum(patch.get_height() for patch in hist_ax.patches) == 80
    assert len(scatter_ax.collections[0].get_offsets()) == 80
    non_blank_png(plot.png(fig))


@pytest.mark.slow
def test_animate_fit_writes_a_bounded_gif(tmp_path):
    x = np.linspace(-1, 1, 60)
    net = nl.mlp([1, 6, 1], seed=0)
    history = plot.animate_fit(
        net,
        x,
        np.sin(3 * x),
        tmp_path / "fit.gif",
        frames=500,
        epochs=150,
        target=lambda v: np.sin(3 * v),
        progress=False,
        size=(6, 3),
        dpi=60,
    )
    gif = Image.open(tmp_path / "fit.gif")
    assert gif.format == "GIF" and 10 <= gif.n_frames <= plot.MAX_FRAMES
    assert gif.size == (360, 180)
    assert (tmp_path / "fit.gif").stat().st_size < 3_000_000
    assert history.epochs == 150
    first, last = np.asarray(gif.convert("L"), float), None
    gif.seek(gif.n_frames - 1)
    last = np.asarray(gif.convert("L"), float)
    assert np.abs(first - last).mean() > 1  # the picture changes as the network learns
    with pytest.raises(ValueError, match="one-input, one-output"):
        plot.animate_fit(nl.mlp([2, 3, 1]), np.zeros((3, 2)), np.zeros(3), tmp_path / "x.gif")


def test_animate_construction_needs_a_domain_without_a_certificate(tmp_path):
    net = nl.mlp([1, 3, 1], activation="relu", seed=0)
    with pytest.raises(ValueError, match="needs domain=\\(a, b\\): this network has no certificate"):
        plot.animate_construction(net, np.sin, tmp_path / "x.gif")  # once an AttributeError on None.domain
    assert not (tmp_path / "x.gif").exists()
    assert plot.animate_construction(net, np.sin, tmp_path / "y.gif", domain=(-1, 1), frames=4, dpi=30) == 4
    assert Image.open(tmp_path / "y.gif").n_frames == 4


@pytest.mark.slow
def test_animate_fit_frames_show_the_network_as_it_was_at_their_epoch(tmp_path):
    """Each frame draws a snapshot, not the live network (which would make every frame the last one)."""
    x = np.linspace(-1, 1, 60)
    y = np.sin(3 * x)
    drawn = []
    options = dict(frames=11, epochs=300, optimizer="adam", lr=0.01, progress=False, size=(5, 3), dpi=50)
    plot.animate_fit(
        nl.mlp([1, 6, 1], seed=0), x, y, tmp_path / "a.gif", view=lambda n: drawn.append(n) or n, **options
    )
    losses = [float(np.mean((n.predict(x)[:, 0] - y) ** 2)) for n in drawn]
    assert len(drawn) >= 8 and len({id(n) for n in drawn}) == len(drawn)
    # learning, frame by frame: Adam may wobble a little between two frames, never back to the start
    assert all(later < 1.1 * earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] < losses[0] / 10 and losses[len(losses) // 2] < losses[0]
    # without a view: the middle frames differ from each other and from the last
    plot.animate_fit(nl.mlp([1, 6, 1], seed=0), x, y, tmp_path / "b.gif", **options)
    gif = Image.open(tmp_path / "b.gif")
    images = []
    for k in range(gif.n_frames):
        gif.seek(k)
        images.append(np.asarray(gif.convert("L"), float))
    middle, last = images[1:-1], images[-1]
    assert len(middle) >= 6
    assert all(np.abs(a - last).mean() > 0.5 for a in middle)
    assert all(np.abs(a - b).mean() > 0.1 for a, b in zip(middle, middle[1:]))


# Every function of nl.plot and nl.lesson that returns a figure, with arguments that draw it.
FIGURE_SCRIPT = r"""
import sys, numpy as np, neuronlab as nl
from neuronlab import plot
x = np.linspace(-1, 1, 40); net = nl.mlp([1, 4, 1], seed=0)
history = nl.fit(net, x, np.sin(3 * x), epochs=20, progress=False)
approx = nl.approximate("sin(3*x)", domain=(-1, 1), eps=0.2, activation="relu")
approx2d = nl.approximate("x*y", domain=((0, 1), (0, 1)), eps=0.3, activation="step")
figures = {
    "neuron": plot.neuron(nl.Neuron(2.0, -1.0, "step")),
    "network": plot.network(net),
    "network_2d": plot.network(nl.mlp([2, 3, 1], seed=0)),
    "function_fit": plot.function_fit(net, nl.expr("sin(3*x)"), (-1, 1), history),
    "predicted_vs_actual": plot.predicted_vs_actual(np.sin(3 * x), net.predict(x), history),
    "confusion": plot.confusion([0, 1, 1], [0, 1, 0], ["a", "b"]),
    "diagnostics": plot.diagnostics(net, x, np.sin(3 * x), history),
    "approximation": plot.approximation(approx, nl.expr("sin(3*x)")),
    "approximation_2d": plot.approximation_2d(approx2d, nl.expr("x*y")),
    "lesson.figure": nl.lesson.figure(1.0, -1.0),
    "lesson.why_not_step": nl.lesson.why_not_step(),
    "lesson.steep_sigmoid": nl.lesson.steep_sigmoid(),
    "lesson.bumps": nl.lesson.bumps(),
}
for name, fig in figures.items():
    image = fig._repr_png_()[0]
    assert isinstance(fig, plot.Figure), name
    assert image[:8] == b"\x89PNG\r\n\x1a\n", name
    fig.savefig(sys.argv[1] + "/" + name + ".svg")
print(len(figures), "matplotlib.pyplot" in sys.modules)
"""


@pytest.mark.slow
def test_every_figure_displays_in_a_notebook_and_touches_no_pyplot(tmp_path):
    """Jupyter shows an object through its _repr_png_; a figure that has one needs no %matplotlib magic.
    Run in a fresh interpreter: importing pyplot there would start a GUI backend and keep figures alive."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FIGURE_SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["13", "False"]
    assert len(list(tmp_path.glob("*.svg"))) == 13  # and each still saves as a matplotlib figure


def test_repr_png_is_shown_at_the_inline_size_with_twice_its_pixels():
    """Sharp on a ratio-2 screen: the PNG has 2 x 2 pixels per CSS pixel it is shown on (IPython metadata)."""
    fig = plot.neuron(nl.Neuron(1.0, 0.0, "sigmoid"))
    data, shown = fig._repr_png_()
    image = non_blank_png(data)
    width, height = fig.get_size_inches() * plot.REPR_DPI
    assert shown == {"width": round(width), "height": round(height)}
    assert image.shape == (round(2 * height), round(2 * width))
