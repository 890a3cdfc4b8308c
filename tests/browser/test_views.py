"""What the playground's pictures show: nice ticks, the live superposition, highlighting, the neuron editor."""

import json
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')


def test_ticks_are_nice_numbers_with_one_label_each(page):
    result = page.evaluate("""async () => {
      const d = await import('/static/draw.js');
      const cases = [[-3, 3], [-1.08, 1.08], [0, 1e-4], [-0.4000000000000001, 2.3], [1234, 98765], [0.3, 0.30001],
                     [-2e154, 3e154], [7, 7.5]];
      return { seven: d.tickLabels(d.niceTicks(-3, 3, 7)), linear: cases.map(([a, b]) => { const t = d.niceTicks(a, b); return { a, b, ticks: t, labels: d.tickLabels(t) }; }),
               log: [[-2.7, 0.4], [-1.3, -1.1], [-12, 3]].map(([a, b]) => ({ a, b, ticks: d.logTicks(a, b) })) };
    }""")
    for case in result["linear"]:
        ticks, labels = case["ticks"], case["labels"]
        assert 2 <= len(ticks) <= 8, case
        assert all(case["a"] - 1e-12 <= t <= case["b"] + 1e-12 for t in ticks), case
        assert len(set(labels)) == len(labels), case  # never two equal labels
        steps = np.diff(ticks)
        assert np.allclose(steps, steps[0], rtol=1e-9), case
        mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
        assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6, case  # 1, 2 or 5 x 10^k
        assert all(len(label) <= 8 and "0000000" not in label for label in labels), case
    assert result["linear"][0]["labels"] == ["-2", "0", "2"]
    assert result["seven"] == ["-3", "-2", "-1", "0", "1", "2", "3"]
    assert result["linear"][1]["labels"] == ["-1.0", "-0.5", "0.0", "0.5", "1.0"]
    for case in result["log"]:
        labels = [t["label"] for t in case["ticks"]]
        assert len(case["ticks"]) >= 2 and len(set(labels)) == len(labels), case
    assert [t["label"] for t in result["log"][0]["ticks"]] == ["0.01", "0.1", "1"]


def train_a_little(page, steps=400):
    page.click("[data-testid=tab-playground]")
    page.click("[data-testid=train]")
    page.wait_for_function(f"window.neuronlab.playground.frame.step > {steps}")
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status !== 'training'")


def test_the_superposition_curves_add_up_to_the_output(page):
    train_a_little(page)
    frame = page.evaluate("window.neuronlab.playground.frame")
    sp = page.evaluate("window.neuronlab.playground.superposition")
    curves = np.array([c["y"] for c in sp["curves"]])
    assert curves.shape == (8, len(frame["grid"]))
    np.testing.assert_allclose(
        curves.sum(0) + sp["bias"], frame["output"], atol=1e-5
    )  # the data behind the plot (float32)
    np.testing.assert_allclose(sp["sum"], frame["output"], atol=1e-5)
    # each curve is the neuron's graph times its outgoing weight, in the order in which the neurons switch
    w = np.array(frame["weights"][-1])[:, 0]
    for c in sp["curves"]:
        np.testing.assert_allclose(c["y"], w[c["neuron"]] * np.array(frame["hidden"][c["neuron"]]), atol=1e-5)
    thresholds = [np.array(frame["grid"])[np.argmax(np.abs(np.diff(c["y"])))] for c in sp["curves"]]
    assert thresholds == sorted(thresholds)
    # the scale fits the output, not the largest curve
    low, high = sp["yRange"]
    out = np.array(frame["output"])
    assert low <= out.min() and out.max() <= high and high - low < 2 * (out.max() - out.min()) + 1
    # the small graphs show w*h on one scale, with the weight written on them, in the same order
    titles = page.eval_on_selector_all(
        "[data-testid=hidden-views] canvas", "cs => cs.map((c) => Number(c.dataset.neuron))"
    )
    assert titles == sp["order"]


def test_pointing_at_a_neuron_lights_it_up_everywhere(page):
    train_a_little(page)
    node = page.locator("[data-testid=diagram] circle[data-layer='1'][data-neuron='3']")
    node.hover()
    page.wait_for_function("window.neuronlab.playground.highlight === 3")
    assert page.locator("[data-testid=diagram] circle.highlight").count() == 1
    assert page.locator("[data-testid=diagram] circle.highlight").get_attribute("data-neuron") == "3"
    assert page.locator("[data-testid=hidden-views] canvas.highlight").get_attribute("data-neuron") == "3"
    page.mouse.move(0, 0)
    page.wait_for_function("window.neuronlab.playground.highlight === null")
    assert page.locator("[data-testid=hidden-views] canvas.highlight").count() == 0
    page.locator("[data-testid=hidden-views] canvas[data-neuron='5']").hover()  # the small graph
    page.wait_for_function("window.neuronlab.playground.highlight === 5")
    assert page.locator("[data-testid=diagram] circle.highlight").get_attribute("data-neuron") == "5"
    # a curve of the superposition: hover where neuron 5's curve is
    sp = page.evaluate("window.neuronlab.playground.superposition")
    k = len(sp["x"]) // 3
    point = page.evaluate(f"""() => {{
      const sp = window.neuronlab.playground.superposition, c = sp.curves.find((c) => c.neuron === 0);
      const box = document.querySelector('[data-testid=contributions-view]').getBoundingClientRect();
      const t = window.neuronlab.playground.superpositionTransform;
      return [box.left + t.sx(sp.x[{k}]), box.top + t.sy(c.y[{k}])];
    }}""")
    others = [c for c in sp["curves"] if c["neuron"] != 0]
    page.mouse.move(*point)
    page.wait_for_timeout(100)
    lit = page.evaluate("window.neuronlab.playground.highlight")
    mine = next(c for c in sp["curves"] if c["neuron"] == 0)["y"][k]
    # unless another curve passes within the 8 px that count as pointing at it (on the addends' scale)
    pixels = page.evaluate(
        "(ys) => ys.map((y) => window.neuronlab.playground.superpositionTransform.sy(y))",
        [mine] + [c["y"][k] for c in others],
    )
    assert lit == 0 or any(abs(p - pixels[0]) < 8 for p in pixels[1:])
    assert page.locator("[data-testid=diagram] circle.highlight").get_attribute("data-neuron") == str(lit)


def test_the_editor_is_hidden_until_a_neuron_is_clicked_and_close_hides_it(page):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame !== null")
    editor = page.locator("[data-testid=editor]")
    assert editor.is_hidden()
    page.click("[data-testid=diagram] circle[data-layer='1'][data-neuron='0']")
    assert editor.is_visible()
    page.click("[data-testid=editor-close]")
    assert editor.is_hidden()


def test_the_formula_goes_away_when_the_network_changes(page):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame !== null")
    page.hover("[data-testid=diagram] circle[data-layer='1'][data-neuron='7']")
    tooltip = page.locator("[data-testid=tooltip]")
    assert tooltip.is_visible()
    page.click("[data-testid=neurons-minus-0]")  # neuron 8 of layer 1 no longer exists
    page.wait_for_function("window.neuronlab.playground.frame.sizes[1] === 7")
    assert tooltip.is_hidden()


def test_two_inputs_superposition_along_a_line_the_user_moves(page):
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "dataset")
    page.select_option("[data-testid=dataset]", "xor")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    train_a_little(page, 200)
    line = page.locator("[data-testid=superposition-line]")
    assert line.is_visible()
    line.fill("0.5")
    line.dispatch_event("input")
    page.wait_for_function("window.neuronlab.playground.frame.slice_line === 0.5")
    page.wait_for_function("window.neuronlab.playground.superposition.x.length > 0")
    frame = page.evaluate("window.neuronlab.playground.frame")
    sp = page.evaluate("window.neuronlab.playground.superposition")
    # the network by hand (tanh hidden layer, features x1 and x2): its score along x2 = 0.5
    x = np.column_stack([sp["x"], np.full(len(sp["x"]), 0.5)])
    (W1, W2), (b1, b2) = [np.array(w) for w in frame["weights"]], [np.array(b) for b in frame["biases"]]
    logits = np.tanh(x @ W1 + b1) @ W2 + b2
    np.testing.assert_allclose(sp["sum"], logits[:, 1] - logits[:, 0], atol=1e-4)
    assert "x2 = 0.50" in page.evaluate("window.neuronlab.playground.superposition.label")
    # wrongly classified points are marked: as many as the accuracy says
    m = frame["metrics"]
    n_test = sum(page.evaluate("window.neuronlab.playground.testMask"))
    assert n_test > 0
    n = len(page.evaluate("window.neuronlab.playground.frame.predicted"))
    expected = round((1 - m["train_accuracy"]) * (n - n_test) + (1 - m["test_accuracy"]) * n_test)
    assert page.evaluate("window.neuronlab.playground.wrongPoints") == expected
    # each input's and each neuron's heat map at its node
    assert page.locator("[data-testid=diagram] image").count() == 2 + 8


def test_a_deeper_network_shows_the_superposition_of_the_hidden_layer_chosen(page):
    page.click("[data-testid=tab-playground]")
    page.click("[data-testid=add-layer]")  # 1-8-4-1
    page.wait_for_function("window.neuronlab.playground.frame.sizes.length === 4")
    train_a_little(page, 300)
    choice = page.locator("[data-testid=superposition-layer]")
    assert choice.is_visible() and choice.input_value() == "0"
    sp = page.evaluate("window.neuronlab.playground.superposition")
    assert len(sp["curves"]) == 4  # the last hidden layer, into the output
    choice.select_option("1")
    page.wait_for_function("window.neuronlab.playground.frame.shown_layer === 1")
    page.wait_for_function("window.neuronlab.playground.superposition.curves.length === 8")
    frame = page.evaluate("window.neuronlab.playground.frame")
    sp = page.evaluate("window.neuronlab.playground.superposition")
    W1, W2 = (np.array(w) for w in frame["weights"][:2])
    b1, b2 = (np.array(b) for b in frame["biases"][:2])
    x = np.array(sp["x"]).reshape(-1, 1)
    z = np.tanh(x @ W1 + b1) @ W2[:, 0] + b2[0]  # neuron 1 of layer 2, before its activation
    np.testing.assert_allclose(sp["sum"], z, atol=1e-4)
    assert "layer 2" in sp["label"]
    # the diagram pictures and highlights follow the chosen layer
    page.hover("[data-testid=diagram] circle[data-layer='1'][data-neuron='2']")
    page.wait_for_function("window.neuronlab.playground.highlight === 2")
    assert "layer_shown" in page.url and json.loads(parse_qs(urlparse(page.url).fragment)["p"][0])["layer_shown"] == 1
