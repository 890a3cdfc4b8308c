import numpy as np
import pytest

import neuronlab as nl
from neuronlab import lesson, lesson_text

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


@pytest.mark.slow
def test_write_produces_the_page_and_its_figures_in_order(tmp_path):
    page = lesson.write(tmp_path / "lesson")
    text = page.read_text()
    linked = [line.split("(")[1].rstrip(")") for line in text.splitlines() if line.startswith("![")]
    assert linked == sorted(linked) and len(linked) == 15
    assert linked[:2] == ["01-decide.png", "02-xor.png"] and linked[-1] == "10-backprop.png"
    assert "04f-answer.png" not in linked and "--reveal" in text
    for name in linked:
        non_blank_png(tmp_path / "lesson" / name)
    revealed = lesson.write(tmp_path / "revealed", reveal=True).read_text()
    assert "04f-answer.png" in revealed and lesson.EXERCISE_ANSWER in lesson_text.plain(revealed)
    names = [line.split("(")[1].rstrip(")") for line in revealed.splitlines() if line.startswith("![")]
    assert names.index("04f-answer.png") == names.index("04e-exercise.png") + 1


@pytest.fixture(scope="module")
def lesson_md():
    return lesson.markdown()[0]


def test_lesson_md_states_the_theorem_with_its_conditions_and_limits(lesson_md):
    box = "\n".join(line[1:].strip() for line in lesson_md.splitlines() if line.startswith(">"))  # the quoted box
    for condition in (
        "one hidden layer",
        "continuous function",
        "closed, bounded interval",
        "not a polynomial",
        "within ε of f at every x in [a, b]",
        "anything outside [a, b]",
        "how many neurons",
        "training will find those weights",
        "exist",
    ):
        assert condition in lesson_text.plain(box), condition
    assert "two-dimensional domain" in lesson_md and "towers" in lesson_md  # several inputs: the towers


FALSE_SENTENCES = [  # what lesson.md used to say, and is not true
    "With step neurons the landscape over their weights is flat",  # over w11, w21 it is a bowl
    "Backpropagation moves each weight along the slope",  # it computes the slope; descent moves against it
    "Adding neurons changes only the slope",  # the intercept changes too
    "above 1.27",  # the critical rate is 1.268: 1.27 already diverges
    "A non-linear activation is what lets the sum bend",  # polynomials bend and still fail
    "the output follows any continuous curve",  # only on a closed, bounded interval
    "keep a gradient to learn with",  # a steep sigmoid saturates
    "neurons for sin(2*x) within 0.05 |",  # a count with no word on how it was got (trained or constructed)
]


def test_lesson_md_says_nothing_false(lesson_md):
    for sentence in FALSE_SENTENCES:
        assert sentence not in lesson_md, sentence
    # the true versions, with the engine's numbers
    numbers = lesson.numbers()
    assert "over a step neuron's own weight and bias, which set its threshold, the loss is flat" in lesson_md
    assert "Over the output weights w11 and w21 the loss is still a bowl" in lesson_md
    assert "It only computes the slopes; gradient descent then moves each weight against its own" in lesson_md
    assert "The slope changed, and so did the intercept" in lesson_md
    assert (
        f"Above lr = {lesson.critical_learning_rate():.3f}" in lesson_md and "lr = 1.27 already climbs out" in lesson_md
    )
    big = lesson.descend(lr=1.27, steps=200)
    assert big[-1, 2] > big[0, 2]  # 1.27 does climb out
    assert "**not a polynomial**" in lesson_md and "closed, bounded interval" in lesson_md
    assert numbers["critical_lr"] == "1.268" and numbers["critical_lr_up"] == "1.27"


def test_words_are_defined_before_they_are_used(lesson_md):
    first = lambda word: lesson_md.index(word)
    assert first("**loss**") < first("dL/dw") and first("**loss**") < first("loss is")
    assert first("**Nudge**") < first("dL/dw11") < first("**Gradient descent**")
    assert first("**weight**") < first("w11") and first("**activation**") < first("sigmoid")
    assert lesson_md.count("import neuronlab as nl") == 1 and first("import neuronlab as nl") < first("nl.")
    assert "the output neuron only adds" in lesson_md.lower() and "**superposition**" in lesson_md
    assert "The weight from h1 to out is **w11**" in lesson_md and "An input weight instead moves the step" in lesson_md
    assert "04a-network.png" in lesson_md
    assert lesson_md.count("**In one line:**") == len(lesson_text.CHAPTERS) - 1  # every chapter but the opening
    assert lesson_md.count("**Check yourself") == len(lesson_text.CHAPTERS) - 1


def test_the_activations_chapter_labels_trained_and_constructed_counts(lesson_md):
    trained, needed = lesson.neurons_trained(), lesson.neurons_needed()
    assert trained["tanh"]["neurons"] <= 4 and trained["tanh"]["error"] <= lesson.APPROXIMATE_EPS
    assert needed["tanh"] > 10 * trained["tanh"]["neurons"]  # the construction's fake steps cost many neurons
    f, x = nl.expr(lesson.APPROXIMATE_TARGET), np.linspace(-3, 3, lesson.TRAIN_POINTS)
    errors = []
    for seed in lesson.TRAIN_SEEDS:
        net = nl.mlp([1, trained["tanh"]["neurons"], 1], activation="tanh", seed=seed, dtype="float64")
        nl.fit(net, x, f(x), progress=False, seed=seed)
        dense = np.linspace(-3, 3, 2001)
        errors.append(np.abs(net.predict(dense)[:, 0] - f(dense)).max())
    assert min(errors) == pytest.approx(trained["tanh"]["error"], rel=1e-6)
    assert "| trained (`nl.fit`) | constructed (`nl.approximate`) |" in lesson_md
    row = next(line for line in lesson_md.splitlines() if line.startswith("| tanh |"))
    assert f"| {trained['tanh']['neurons']} | {needed['tanh']} |" in row
    low, high = lesson.construction_steepness()
    assert 1000 < low < high and f"{low:,.0f}" in lesson_md  # the construction's sigmoids are near-steps


def test_chapter_texts_parse_and_every_field_comes_from_the_engine():
    numbers = lesson.numbers()
    for name in lesson_text.CHAPTERS + lesson_text.EXTRAS:
        assert lesson_text.fields(lesson_text.source(name)) <= set(numbers), name
        chapter = lesson_text.blocks(name, numbers)
        checks = [b for b in chapter if b["kind"] == "check"]
        assert len(checks) == (0 if name in ("hook", "answer") else 1), name
    bp = nl.explain()
    assert numbers["bp_dw11_value"] == pytest.approx(bp.layers[1]["dL_dW"][0, 0], abs=5e-4)
    path = lesson.descend(lr=1.0, steps=1)  # one step of lr 1 moves w11 by -dL/dw11
    assert numbers["nudge_ratio_value"] == pytest.approx(path[0, 0] - path[1, 0], abs=0.02)  # the nudge ~ the slope
    with pytest.raises(ValueError, match="exactly one right"):
        lesson_text.parse(":::check\nQ?\n* a | yes\n* b | also\n:::")
    with pytest.raises(ValueError, match="why a wrong number"):
        lesson_text.parse(":::check\nQ?\n= 1 ± 0.1 | yes\n:::")


def test_the_page_gets_the_same_words_as_lesson_md():
    from neuronlab.apps.playground.server import STATIC

    page = lesson.page((STATIC / "index.html").read_text())
    assert "<!-- lesson:" not in page and "<!-- check:" not in page  # every placeholder filled
    assert 'data-testid="theorem"' in page and "<script>" not in page  # no inline script: the CSP stays
    numbers = lesson.numbers()
    for name in lesson_text.CHAPTERS:
        for block in lesson_text.blocks(name, numbers):
            if block["kind"] in ("paragraph", "recap"):
                assert lesson_text.inline(block["text"]) in page, (name, block["text"][:60])
        assert f'data-testid="check-{name}"' in page or name == "hook"
    assert lesson_text.html(lesson_text.blocks("answer", numbers)) in page
    with pytest.raises(ValueError, match="does not exist"):
        lesson_text.embed("<!-- lesson:nochapter -->", numbers)


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
    assert (
        "0.0066" in lesson.NOTES["sigmoid"] and round(float(lesson.activation("sigmoid").derivative(5.0)), 4) == 0.0066
    )
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
    numeric = [
        (lesson.descent_loss(w11 + h, w21) - lesson.descent_loss(w11 - h, w21)) / (2 * h),
        (lesson.descent_loss(w11, w21 + h) - lesson.descent_loss(w11, w21 - h)) / (2 * h),
    ]
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
