import numpy as np
import pytest

import neuronlab as nl
from neuronlab import lesson

from test_plot import non_blank_png


def output_line(fig):
    return [line for line in fig.axes[2].lines if line.get_label() == "output = sum"][0]


def plotted_levels(fig):
    """The distinct heights drawn in the output panel (the weighted graphs and their sum)."""
    return sorted({round(float(v), 12) for line in fig.axes[2].lines for v in line.get_ydata()})


def test_the_seed_cases_draw_the_hand_worked_heights():
    fig = lesson.figure(1, 1)
    assert sorted(set(output_line(fig).get_ydata())) == [0.0, 1.0, 2.0]
    assert plotted_levels(fig) == [0.0, 1.0, 2.0]
    fig = lesson.figure(1, -1)
    y = output_line(fig).get_ydata()
    x = output_line(fig).get_xdata()
    assert plotted_levels(fig) == [-1.0, 0.0, 1.0]
    assert np.all(y[(x >= -1) & (x < 1)] == 1) and np.all(y[(x < -1) | (x >= 1)] == 0)  # the bump
    assert plotted_levels(lesson.figure(-1, 1)) == [-1.0, 0.0, 1.0]
    assert sorted(set(output_line(lesson.figure(-1, 1)).get_ydata())) == [-1.0, 0.0]


def test_the_exercise_is_a_question_until_revealed():
    question = lesson.exercise()
    assert not [line for line in question.axes[2].lines]
    assert "?" in question.axes[2].get_title()
    answer = lesson.answer()
    y = output_line(answer).get_ydata()
    assert sorted(set(y)) == [0.0, 1.0, 1.5]
    assert lesson.network(*lesson.EXERCISE).predict([-2.0, 0.0, 2.0])[:, 0].tolist() == [0.0, 1.5, 1.0]


def test_steep_sigmoid_network_approaches_the_step_network():
    x = np.array([-2.5, -0.5, 0.5, 2.5])
    step = lesson.network(1, -1).predict(x)
    steep = lesson.network(1, -1, activation="sigmoid", steepness=200).predict(x)
    np.testing.assert_allclose(steep, step, atol=1e-12)


def test_more_bumps_less_error():
    f = nl.expr("sin(2*x) + 0.3*x")
    x = np.linspace(-3, 3, 2001)
    errors = [np.abs(lesson.bump_network(f, (-3, 3), n).predict(x)[:, 0] - f(x)).max() for n in (6, 12, 24, 48)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    net = lesson.bump_network(f, (-3, 3), 24)
    assert net.layers[0].neurons == 48 and net.layers[0].activation.name == "step"


def test_write_produces_the_page_and_its_figures_in_order(tmp_path):
    page = lesson.write(tmp_path / "lesson")
    text = page.read_text()
    linked = [line.split("(")[1].rstrip(")") for line in text.splitlines() if line.startswith("![")]
    assert linked == sorted(linked) and len(linked) == 14
    assert linked[:2] == ["00a-decide.png", "00b-xor.png"] and linked[-1] == "12-backprop.png"
    assert "05b-answer.png" not in linked and "--reveal" in text
    for name in linked:
        non_blank_png(tmp_path / "lesson" / name)
    revealed = lesson.write(tmp_path / "revealed", reveal=True).read_text()
    assert "05b-answer.png" in revealed and lesson.EXERCISE_ANSWER in revealed
    names = [line.split("(")[1].rstrip(")") for line in revealed.splitlines() if line.startswith("![")]
    assert names.index("05b-answer.png") == names.index("05-exercise.png") + 1


# ---------------------------------------------------------------- chapter 0: a neuron decides

def test_gates_have_their_truth_tables():
    assert lesson.truth_table(lesson.gate("AND")) == [((0, 0), 0), ((0, 1), 0), ((1, 0), 0), ((1, 1), 1)]
    assert lesson.truth_table(lesson.gate("OR")) == [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 1)]
    assert lesson.truth_table(lesson.gate("NOT")) == [((0,), 1), ((1,), 0)]
    assert lesson.gate("AND").w0 == -1.5  # the bias is the weight of the constant input 1
    (w1, w2), b = lesson.DECIDE_NEURON  # go out only when it is sunny and I have time
    decide = nl.Neuron(weights=[w1, w2], bias=b)
    assert decide(lesson.CORNERS).tolist() == [0.0, 0.0, 0.0, 1.0]
    try:
        lesson.gate("NAND")
    except ValueError as err:
        assert "AND, OR, NOT" in str(err)
    else:
        raise AssertionError("an unknown gate must be refused")


def test_xor_is_impossible_for_one_neuron_and_solved_by_two():
    weights, bias, correct = lesson.best_single_neuron_on_xor(np.linspace(-3, 3, 31))
    assert correct == 3  # never 4: one line cannot separate XOR's corners
    rng = np.random.default_rng(0)  # nor does any random neuron
    w = rng.normal(size=(20000, 2)) * 3
    b = rng.normal(size=20000) * 3
    fires = (lesson.CORNERS @ w.T + b) >= 0
    assert ((fires == (lesson.XOR_TARGET[:, None] == 1)).sum(axis=0) <= 3).all()
    net = lesson.xor_network()
    assert net.predict(lesson.CORNERS)[:, 0].tolist() == [0.0, 1.0, 1.0, 0.0]
    hidden = net.layer_values(lesson.CORNERS)[0][1]
    assert hidden[:, 0].tolist() == [0, 1, 1, 1] and hidden[:, 1].tolist() == [0, 0, 0, 1]  # OR and AND
    assert net.sizes == [2, 2, 1]


def test_decide_and_xor_figures_draw_the_dividing_lines():
    fig = lesson.xor()
    assert "3 of 4" in fig.axes[0].get_title() and "4 of 4" in fig.axes[2].get_title()
    assert len(fig.axes[1].lines) == 2  # two hidden neurons, two lines
    fig = lesson.decide()
    assert "AND" in fig.axes[0].get_title() and "NOT" in fig.axes[2].get_title()


# ---------------------------------------------------------------- chapter 4: why non-linear

def test_a_linear_network_is_exactly_affine_whatever_its_size():
    x = np.linspace(-3, 3, 101)
    for hidden in ((1,), (8, 8), (32, 32, 32)):
        net = lesson.linear_network(hidden, seed=3)
        W, b = lesson.collapse(net)
        out = net.predict(x)[:, 0]
        np.testing.assert_allclose(out, x * W[0, 0] + b[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.diff(out, 2), 0, atol=1e-11)  # no bend anywhere
    bent = nl.mlp([1, 8, 8, 1], activation="tanh", seed=3, dtype="float64").predict(x)[:, 0]
    assert np.abs(np.diff(bent, 2)).max() > 1e-4
    try:
        lesson.collapse(nl.mlp([1, 4, 1], activation="tanh"))
    except ValueError as err:
        assert "tanh" in str(err)
    else:
        raise AssertionError("a tanh network does not collapse")


def test_gallery_shapes_slopes_and_neurons_needed():
    x = np.linspace(-3, 3, 601)
    for name in ("step", "sigmoid", "tanh"):  # two neurons: a bump, high in the middle, low outside
        y = lesson.shape(name, x)
        assert y[300] > 0.8 and abs(y[0]) < 0.05 and abs(y[-1]) < 0.05
    for name, top in (("relu", 1.0), ("leaky_relu", 0.99)):  # three make a hat, exactly 0 beyond +-1
        y = lesson.shape(name, x)  # leaky: relu(1) - 2·relu(0) + 0.01·(-1) at 0
        assert y[300] == pytest.approx(top, abs=1e-15) and np.all(np.abs(y[np.abs(x) >= 1]) < 1e-12)
    g = lesson.activation("gaussian")  # the lesson's gaussian: derivative by central difference
    z = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(g.derivative(z), (g.value(z + 1e-6) - g.value(z - 1e-6)) / 2e-6, atol=1e-8)
    assert "0.0066" in lesson.NOTES["sigmoid"] and round(float(lesson.activation("sigmoid").derivative(5.0)), 4) == 0.0066
    needed = lesson.neurons_needed()
    for name, count in needed.items():
        if count is not None:
            net = nl.approximate(lesson.APPROXIMATE_TARGET, lesson.APPROXIMATE_DOMAIN, lesson.APPROXIMATE_EPS, name)
            assert net.layers[0].neurons == count
    assert needed["relu"] < needed["step"] and needed["gaussian"] is None


# ---------------------------------------------------------------- chapter 5: going downhill

def test_gradient_descent_goes_down_the_landscape_and_too_large_a_step_diverges():
    good = lesson.descend(lr=lesson.best_learning_rate(), steps=30)
    assert good[-1, 2] < good[0, 2] / 10
    small = lesson.descend(lr=0.2 * lesson.critical_learning_rate(), steps=30)
    assert np.all(np.diff(small[:, 2]) < 0)  # a small step lowers the loss every time
    for w11, w21, loss in good[::7]:  # the path's losses are the landscape's heights
        assert loss == pytest.approx(lesson.descent_loss(w11, w21), rel=1e-12)
    big = lesson.descend(lr=1.05 * lesson.critical_learning_rate(), steps=60)
    assert big[-1, 2] > 10 * big[0, 2]  # overshoots further each step: diverges
    # the gradient the engine's backward() gives matches a central difference of the landscape
    w11, w21 = lesson.DESCENT_START
    lr = 1e-3
    step = lesson.descend(lr=lr, steps=1)
    gradient = (step[0, :2] - step[1, :2]) / lr
    h = 1e-6
    numeric = [(lesson.descent_loss(w11 + h, w21) - lesson.descent_loss(w11 - h, w21)) / (2 * h),
               (lesson.descent_loss(w11, w21 + h) - lesson.descent_loss(w11, w21 - h)) / (2 * h)]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6)


def test_backprop_figure_draws_nl_explains_gradients():
    fig = lesson.backprop()
    e = nl.explain(lesson.network(1.0, -1.0, activation="sigmoid"), 0.5, 1.0)  # explain's default step
    texts = [t.get_text() for t in fig.axes[0].texts]
    for layer in e.layers:
        for g in layer["dL_dW"].ravel():
            assert any(f"= {g:.4g}" in t for t in texts)
    assert f"loss {e.loss:.4g} -> {e.new_loss:.4g}" in fig.axes[1].get_title() and e.new_loss < e.loss


def test_every_chapter_figure_shows_itself_in_a_notebook():
    from neuronlab import lesson, plot

    for make in (lesson.decide, lesson.xor, lesson.linear_collapse):
        fig = make()
        assert isinstance(fig, plot.Figure) and fig._repr_png_()[0][:8] == b"\x89PNG\r\n\x1a\n", make.__name__
