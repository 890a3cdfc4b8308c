"""The Lesson tab's chapters in a real browser: the page's numbers against the engine's, and a screenshot of each."""

import numpy as np
import pytest

import neuronlab as nl
from neuronlab import lesson

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')


def chapter_shot(page, testid: str):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator(f"[data-testid={testid}]").screenshot(path=str(SCREENSHOTS / f"{testid}.png"))


def lesson_data(page, path: str):
    return page.evaluate(f"window.neuronlab.lesson.{path}")


def test_a_neuron_decides_and_makes_the_gates(page):
    page.click("[data-testid=tab-lesson]")
    start = lesson_data(page, "decide.decide")  # sunny, no time: 0.6·1 + 0.8·0 - 1 = -0.4 -> no
    assert start["z"] == pytest.approx(-0.4) and start["output"] == 0
    assert "no (0)" in page.inner_text("[data-testid=decide-formula]")
    page.fill("[data-testid=decide-x2]", "1")
    assert lesson_data(page, "decide.decide")["output"] == 1
    for name, testid in (("AND", "gate-and"), ("OR", "gate-or"), ("NOT", "gate-not")):
        page.click(f"[data-testid={testid}]")
        shown = lesson_data(page, "decide.decide")
        assert shown["gate"] == name
        neuron = lesson.gate(name)
        inputs = lesson.CORNERS if neuron.inputs == 2 else lesson.CORNERS[:, 0]  # NOT x1 ignores x2
        assert shown["table"] == neuron(inputs).astype(int).tolist()
    chapter_shot(page, "lesson-decide")


def test_xor_one_neuron_gets_three_two_neurons_get_four(page):
    page.click("[data-testid=tab-lesson]")
    best = 0
    for w1, w2, b in ((1, 1, -0.5), (1, 1, -1.5), (-1, 1, 0), (2, -2, -1), (1.5, 1.5, -0.2), (-1, -1, 1.5)):
        page.fill("[data-testid=xor-w1]", str(w1))
        page.fill("[data-testid=xor-w2]", str(w2))
        page.fill("[data-testid=xor-b]", str(b))
        shown = lesson_data(page, "decide.xor")
        fires = (lesson.CORNERS @ np.array([w1, w2]) + b >= 0).astype(int)
        assert shown["outputs"] == fires.tolist()
        best = max(best, shown["correct"])
    assert best == 3 and "3 of 4" in page.inner_text("[data-testid=xor-score]") or best == 3
    assert page.locator("[data-testid=xor-hidden]").is_hidden()
    page.click("[data-testid=xor-two]")
    network = lesson_data(page, "decide.xor")["network"]
    engine = lesson.xor_network()
    assert [n["output"] for n in network] == engine.predict(lesson.CORNERS)[:, 0].astype(int).tolist() == [0, 1, 1, 0]
    assert [n["hidden"] for n in network] == engine.layer_values(lesson.CORNERS)[0][1].astype(int).tolist()
    assert "Why one neuron cannot" in page.inner_text("[data-testid=xor-why]")
    chapter_shot(page, "lesson-xor")


def test_the_pair_network_diagram_follows_w11_and_w21(page):
    page.click("[data-testid=tab-lesson]")
    page.fill("[data-testid=w11]", "1.5")
    page.fill("[data-testid=w21]", "-0.5")
    edges = lesson_data(page, "pairEdges")
    assert [e["weight"] for e in edges] == [1.5, -0.5]
    assert edges[0]["color"] != edges[1]["color"] and edges[0]["width"] > edges[1]["width"]
    page.fill("[data-testid=w21]", "2")
    edges = lesson_data(page, "pairEdges")
    assert edges[0]["color"] == edges[1]["color"] and edges[1]["width"] > edges[0]["width"]


def test_a_network_of_linear_neurons_stays_a_line(page):
    page.click("[data-testid=tab-lesson]")
    for layers, neurons in (("1", "1"), ("2", "8"), ("4", "32")):
        page.fill("[data-testid=linear-layers]", layers)
        page.fill("[data-testid=linear-neurons]", neurons)
        shown = lesson_data(page, "bend.linear")
        x, y = np.array(shown["x"]), np.array(shown["y"])
        np.testing.assert_allclose(y, shown["slope"] * x + shown["intercept"], rtol=1e-9, atol=1e-9)
        assert shown["bend"] < 1e-9 and shown["layers"] == int(layers)
    page.click("[data-testid=linear-shuffle]")
    assert "still one line" in page.inner_text("[data-testid=linear-text]")
    page.check("[data-testid=linear-tanh]")
    assert lesson_data(page, "bend.linear")["bend"] > 1e-3  # the same network with tanh bends
    page.check("[data-testid=linear-linear]")
    chapter_shot(page, "lesson-linear")


def test_the_activation_gallery_draws_the_engines_functions_and_counts(page):
    page.click("[data-testid=tab-lesson]")
    page.wait_for_function("window.neuronlab.lesson.bend.gallery !== null")
    gallery = lesson_data(page, "bend.gallery")
    x = np.array(gallery["x"])
    needed = lesson.neurons_needed()
    assert list(gallery["activations"]) == list(lesson.GALLERY)
    for name, shown in gallery["activations"].items():
        g = lesson.activation(name)
        np.testing.assert_allclose(shown["g"], g.value(x), rtol=1e-12, atol=1e-12)
        slope = np.zeros_like(x) if name == "step" else g.derivative(x)
        np.testing.assert_allclose(shown["slope"], slope, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(shown["shape"], lesson.shape(name, x), rtol=1e-9, atol=1e-12)
        assert shown["neurons"] == needed[name]
    assert page.locator("[data-testid=activation-gallery] figure").count() == len(lesson.GALLERY)
    assert f"{needed['relu']} neurons" in page.inner_text("[data-activation=relu]")
    assert "dead" in page.inner_text("[data-activation=relu]")
    # a caption names only what its picture shows: where one neuron's shape is its own graph (the red curve
    # hidden under the blue), it says so rather than "1 makes the red shape"
    for name in lesson.GALLERY:
        text = page.inner_text(f"[data-activation='{name}']")
        alone = np.allclose(gallery["activations"][name]["shape"], gallery["activations"][name]["g"], atol=1e-9)
        assert ("one alone is the shape: its own graph" in text) == alone, (name, text)
        assert ("1 makes the red shape" in text) is False, (name, text)
    chapter_shot(page, "lesson-activations")


def test_descent_steps_follow_the_engine_and_too_large_a_rate_diverges(page):
    page.click("[data-testid=tab-lesson]")
    page.wait_for_function("window.neuronlab.lesson.descent.path.length === 1")
    lr = float(page.input_value("[data-testid=descent-lr]"))
    assert lr == pytest.approx(lesson.best_learning_rate(), abs=0.005)
    for _ in range(12):
        page.click("[data-testid=descent-step]")
    path = lesson_data(page, "descent.path")
    engine = lesson.descend(lr=lr, steps=12)
    np.testing.assert_allclose([p["w"] for p in path], engine[:, :2], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([p["loss"] for p in path], engine[:, 2], rtol=1e-9)
    assert path[-1]["loss"] < path[0]["loss"] / 5
    assert f"step 12: loss {path[-1]['loss']:.4f}" in page.inner_text("[data-testid=descent-loss]")
    chapter_shot(page, "lesson-descent")
    page.click("[data-testid=descent-reset]")
    page.fill("[data-testid=descent-lr]", "1.5")  # above the critical rate: each step overshoots further
    assert 1.5 > lesson.critical_learning_rate()
    for _ in range(8):
        page.click("[data-testid=descent-step]")
    path = lesson_data(page, "descent.path")
    assert path[-1]["loss"] > 3 * path[0]["loss"]
    assert "The loss rose" in page.inner_text("[data-testid=descent-note]")
    page.locator("[data-testid=lesson-descent]").screenshot(path=str(SCREENSHOTS / "lesson-descent-diverging.png"))


def test_backprop_animation_lights_each_stage_with_nl_explains_gradients(page):
    page.click("[data-testid=tab-backprop]")
    page.wait_for_function("window.neuronlab.backprop.explanation !== null")
    e = page.evaluate("window.neuronlab.backprop.explanation")
    # the same network and point, explained by the engine here
    layers = []
    for l, name in enumerate(e["activations"]):
        W = np.array(e["weights"][l])
        b = np.array(e["new_parameters"][f"b{l + 1}"]) + e["lr"] * np.array(e["layers"][l]["dL_db"])
        layers.append(nl.Dense(W.shape[0], W.shape[1], name, weights=W, bias=b))
    engine = nl.explain(nl.Network(layers), e["x"], e["y"], lr=e["lr"])
    count = 2 * len(e["layers"]) + 2
    assert f"stage 1 of {count}" in page.inner_text("[data-testid=bp-stage]")
    for index in range(count):
        view = page.evaluate("window.neuronlab.backprop.view")
        if view["kind"] == "backward":
            for edge in view["edges"]:  # computed: this layer and the ones after it; the rest not yet
                expected = engine.layers[edge["layer"]]["dL_dW"][edge["from"], edge["to"]]
                if edge["layer"] >= view["layer"]:
                    assert edge["gradient"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
                else:
                    assert edge["gradient"] is None
                assert edge["lit"] == (edge["layer"] == view["layer"])
            for node in view["nodes"]:
                if node["layer"] > view["layer"]:
                    expected = engine.layers[node["layer"] - 1]["dL_da"][node["neuron"]]
                    assert node["dL_da"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
            assert "dL/dz(" in page.inner_text("[data-testid=bp-product]")
            if view["layer"] == 0:
                page.locator("[data-testid=bp-diagram]").screenshot(path=str(SCREENSHOTS / "backprop-backward.png"))
        if view["kind"] == "step":
            for edge in view["edges"]:
                new = engine.new_parameters[f"W{edge['layer'] + 1}"][edge["from"], edge["to"]]
                assert edge["weight"] == pytest.approx(new, rel=1e-9, abs=1e-12)
            assert "loss" in page.inner_text("[data-testid=bp-product]") and engine.new_loss < engine.loss
            curve = e["curve"]
            assert np.abs(np.array(curve["after"]) - np.array(curve["before"])).max() > 1e-6  # the graph moved
        if index < count - 1:
            page.click("[data-testid=bp-next]")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.wait_for_timeout(900)  # the weights slide to their new values in 0.8 s
    page.locator("#backprop").screenshot(path=str(SCREENSHOTS / "backprop-step.png"))
    assert page.locator("[data-testid=bp-table]").is_hidden()  # the full table is folded
    page.click("[data-testid=bp-details] summary")
    assert page.locator("[data-testid=bp-table]").is_visible()
    page.locator("[data-testid=bp-diagram] circle[data-layer='1'][data-neuron='0']").hover()
    assert page.inner_text("[data-testid=bp-product]").startswith("dL/dz(h1) = dL/dh1")


def test_why_not_step_in_the_descent_chapter_is_the_engines_curve(page):
    page.click("[data-testid=tab-lesson]")
    shown = lesson_data(page, "descent.whyNotStep")
    fig = lesson.why_not_step()
    for ax, name in zip(fig.axes, ("step", "sigmoid")):
        line = ax.lines[0]
        np.testing.assert_allclose(shown["biases"], line.get_xdata(), atol=1e-12)
        np.testing.assert_allclose(shown[name], line.get_ydata(), rtol=1e-9, atol=1e-12)
    step = np.array(shown["step"])
    assert np.mean(np.diff(step) == 0) > 0.9  # flat almost everywhere: no direction to go


# ---------------------------------------------------------------- the words, the theorem and check yourself


def _choices(name: str):
    from neuronlab import lesson_text

    check = next(b for b in lesson_text.blocks(name, lesson.numbers()) if b["kind"] == "check")
    return check


def test_each_chapter_has_its_text_the_theorem_and_a_check_answered_right_and_wrong(page):
    from neuronlab import lesson_text

    page.click("[data-testid=tab-lesson]")
    theorem = page.inner_text("[data-testid=theorem]")
    for condition in ("one hidden layer", "closed, bounded interval", "not a polynomial", "exist"):
        assert condition in theorem
    chapters = [name for name in lesson_text.CHAPTERS if name != "hook"]
    for name in chapters:
        check = _choices(name)
        box = page.locator(f"[data-testid=check-{name}]")
        feedback = box.locator(".check-feedback")
        box.scroll_into_view_if_needed()
        if check["options"]:
            buttons = box.locator(".check-choices button")
            assert buttons.count() == len(check["options"])
            wrong = next(k for k, o in enumerate(check["options"]) if not o["right"])
            right = next(k for k, o in enumerate(check["options"]) if o["right"])
            buttons.nth(wrong).focus()
            page.keyboard.press("Enter")  # keyboard: a focused choice answers
            assert "Not quite" in feedback.inner_text(), name
            assert lesson_text.plain(check["options"][wrong]["why"]).split(": ", 1)[-1][:30] in feedback.inner_text(), (
                name
            )
            assert lesson_data(page, "checks")[name] == {
                "answered": True,
                "right": False,
                "answer": buttons.nth(wrong).inner_text(),
            }
            buttons.nth(right).click()
            assert "✓ Right." in feedback.inner_text(), name
            assert lesson_data(page, "checks")[name]["right"] is True
        else:
            number = check["number"]
            field = box.locator("input")
            field.fill("banana")
            field.press("Enter")
            assert "Type a number" in feedback.inner_text() and not lesson_data(page, "checks")[name]["answered"]
            field.fill(str(number["answer"] + 10 * number["tolerance"] + 1))
            field.press("Enter")  # Enter answers, as the button does
            assert "Not quite" in feedback.inner_text(), name
            assert lesson_data(page, "checks")[name]["right"] is False
            field.fill(f"{number['answer']:g}".replace("-", "−"))  # a real minus sign is a number too
            box.locator("button").click()
            assert "✓ Right." in feedback.inner_text(), name
            assert lesson_data(page, "checks")[name]["right"] is True
    shown = page.locator("#lesson .check").count()
    assert shown == len(chapters)
    chapter_shot(page, "lesson-bumps")


def test_the_two_neuron_chapter_fits_one_projector_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto(live_server + "/")
    page.wait_for_function("window.neuronlab && document.getElementById('connection').textContent === 'connected'")
    page.click("[data-testid=tab-lesson]")
    card = page.locator("[data-testid=lesson-pair]")
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    header = page.locator("header").bounding_box()
    assert box["height"] <= 768 - header["height"], box  # the whole chapter under the sticky header
    assert box["width"] <= 1024
    page.evaluate(
        "window.scrollTo(0, document.querySelector('[data-testid=lesson-pair]').offsetTop - "
        "document.querySelector('header').offsetHeight)"
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lesson-pair-1024x768.png"))
    context.close()


def test_backprop_diagram_keeps_its_elements_so_its_transitions_run(page):
    """draw.js's diagram updates its elements in place: a neuron marked at stage 1 is the same element at the
    step, and a stage change starts CSS transitions (a diagram rebuilt each frame would never run them)."""
    page.click("[data-testid=tab-backprop]")
    page.wait_for_function("window.neuronlab.backprop.explanation !== null")
    count = page.evaluate("2 * window.neuronlab.backprop.explanation.layers.length + 2")
    page.evaluate("""() => {
      const svg = document.getElementById('bp-diagram');
      svg.querySelector("circle[data-layer='1'][data-neuron='0']").dataset.marked = 'node';
      svg.querySelector("line[data-layer='0'][data-from='0'][data-to='0']").dataset.marked = 'edge';
      window.elementCount = svg.querySelectorAll('*').length;
    }""")
    running = []
    for _ in range(count - 1):
        page.click("[data-testid=bp-next]")
        running.append(page.evaluate("document.getElementById('bp-diagram').getAnimations({ subtree: true }).length"))
    page.wait_for_timeout(900)  # the step's two transitions
    assert "one step" in page.inner_text("[data-testid=bp-stage]")
    kept = page.evaluate("""() => {
      const svg = document.getElementById('bp-diagram');
      return { node: svg.querySelector("circle[data-layer='1'][data-neuron='0']").dataset.marked,
               edge: svg.querySelector("line[data-layer='0'][data-from='0'][data-to='0']").dataset.marked,
               same: svg.querySelectorAll('*').length === window.elementCount };
    }""")
    assert kept == {"node": "node", "edge": "edge", "same": True}
    assert all(n > 0 for n in running), running  # every stage change animates
    # the step moved the edges to the new weights
    e = page.evaluate("window.neuronlab.backprop.explanation")
    weight = float(page.get_attribute("#bp-diagram line[data-layer='0'][data-from='0'][data-to='0']", "data-weight"))
    assert weight == pytest.approx(e["new_parameters"]["W1"][0][0], rel=1e-12)


def test_the_lessons_planes_and_loss_map_are_drawn_by_draw_js_heatmap(page):
    """decide.js and descent.js paint no cells of their own: every redraw of their pictures goes through heatmap(),
    which marks the canvas (data-drawn-by) each time it draws it."""
    page.click("[data-testid=tab-lesson]")
    page.wait_for_function("window.neuronlab.lesson.descent.path.length === 1")
    unmark = "ids => ids.forEach((id) => delete document.getElementById(id).dataset.drawnBy)"
    drawn_by = "ids => ids.map((id) => document.getElementById(id).dataset.drawnBy || null)"
    page.evaluate(unmark, ["d-plane", "x-one", "desc-map"])
    page.fill("[data-testid=decide-w1]", "0.2")
    page.fill("[data-testid=xor-w1]", "0.5")
    page.click("[data-testid=descent-step]")
    page.click("[data-testid=xor-two]")
    pictures = ["d-plane", "x-one", "desc-map", "x-hidden", "x-output"]
    assert page.evaluate(drawn_by, pictures) == ["heatmap"] * len(pictures)
    # the map's transform comes from heatmap() too: a click on the map puts the ball there, inside the range
    box = page.locator("[data-testid=descent-map]").bounding_box()
    page.locator("[data-testid=descent-map]").click(position={"x": 0.3 * box["width"], "y": 0.3 * box["height"]})
    path = lesson_data(page, "descent.path")
    assert len(path) == 1 and -3 < path[0]["w"][0] < 0 < path[0]["w"][1] < 3, path
