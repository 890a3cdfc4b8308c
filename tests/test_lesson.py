import numpy as np

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
    assert linked == sorted(linked) and len(linked) == 8
    assert "05b-answer.png" not in linked and "--reveal" in text
    for name in linked:
        non_blank_png(tmp_path / "lesson" / name)
    revealed = lesson.write(tmp_path / "revealed", reveal=True).read_text()
    assert "05b-answer.png" in revealed and lesson.EXERCISE_ANSWER in revealed
