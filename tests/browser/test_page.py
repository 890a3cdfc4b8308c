"""The playground in a real browser: lesson, training, errors, tabs, URLs."""

import json
import subprocess
import sys

import numpy as np
from PIL import Image

import neuronlab as nl

from .conftest import shot


def output_data(page):
    return page.evaluate("window.neuronlab.lesson.output")


def test_lesson_sliders_change_the_output_graph(page, tmp_path):
    page.click("[data-testid=tab-lesson]")
    x = np.array(page.evaluate("window.neuronlab.lesson.x"))
    before = np.array(output_data(page))
    assert sorted(set(before.round(12))) == [0.0, 1.0, 2.0]  # (1, 1): a staircase 0, 1, 2
    page.locator("[data-testid=output-graph]").screenshot(path=str(tmp_path / "before.png"))
    page.fill("[data-testid=w21]", "-1")  # (1, -1): a bump between the thresholds
    after = np.array(output_data(page))
    assert np.all(after[(x >= -1) & (x < 1)] == 1) and np.all(after[(x < -1) | (x >= 1)] == 0)
    page.locator("[data-testid=output-graph]").screenshot(path=str(tmp_path / "after.png"))
    a = np.asarray(Image.open(tmp_path / "before.png").convert("L"), float)
    b = np.asarray(Image.open(tmp_path / "after.png").convert("L"), float)
    assert a.shape == b.shape and np.abs(a - b).mean() > 1.0  # the picture changed too
    page.fill("[data-testid=w11]", "1.5")
    page.fill("[data-testid=w21]", "-0.5")
    assert sorted(set(np.round(output_data(page), 12))) == [0.0, 1.0, 1.5]
    page.check("[data-testid=lesson-sigmoid]")
    smooth = np.array(output_data(page))
    assert 20 < len(set(smooth.round(6))) and smooth.max() < 1.5
    shot(page, "lesson")


def test_reveal_shows_the_answer_only_after_the_click(page):
    page.click("[data-testid=tab-lesson]")
    assert page.locator("[data-testid=answer]").is_hidden()
    page.click("[data-testid=reveal]")
    answer = page.locator("[data-testid=answer]")
    assert answer.is_visible() and "1.5 − 0.5 = 1.0" in answer.inner_text()


def test_bump_challenge_scores_the_drawing(page):
    page.click("[data-testid=tab-lesson]")
    page.fill("[data-testid=bump-count]", "16")
    flat = page.evaluate("window.neuronlab.lesson.challenge")
    assert not flat["solved"]
    heights = [0.8 * np.sin(2 * m) for m in (np.linspace(-3, 3, 17)[:-1] + 3 / 16)]
    page.evaluate(f"window.neuronlab.lesson.setHeights({json.dumps(heights)})")
    solved = page.evaluate("window.neuronlab.lesson.challenge")
    assert solved["solved"] and solved["mean"] < flat["mean"]
    assert "✓" in page.inner_text("[data-testid=challenge-score]")
    box = page.locator("[data-testid=challenge]").bounding_box()  # drawing with the mouse moves the bumps
    page.mouse.move(box["x"] + 60, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 40, steps=10)
    page.mouse.up()
    assert page.evaluate("window.neuronlab.lesson.challenge")["heights"] != heights


def test_typed_target_trains_and_the_loss_falls(page):
    page.click("[data-testid=tab-playground]")
    page.fill("[data-testid=target-expr]", "sin(3*x)")
    page.press("[data-testid=target-expr]", "Enter")
    page.wait_for_timeout(300)
    first = float(page.inner_text("[data-testid=loss]"))
    page.click("[data-testid=train]")
    page.wait_for_function("Number(document.querySelector('[data-testid=step-count]').textContent) > 3000",
                           timeout=20000)
    page.click("[data-testid=pause]")
    later = float(page.inner_text("[data-testid=loss]"))
    assert later < first / 3
    frame = page.evaluate("window.neuronlab.playground.frame")
    assert len(frame["hidden"]) == 8 and len(frame["contributions"]) == 8
    assert page.locator("[data-testid=hidden-views] canvas").count() == 8
    assert page.locator("[data-testid=diagram] circle").count() == 1 + 8 + 1
    shot(page, "playground")


def test_bad_expression_shows_an_inline_error_while_another_tab_trains(page, browser):
    other = browser.new_page()
    other.goto(page.base_url + "/#tab=playground")
    other.wait_for_function("document.getElementById('connection').textContent === 'connected'")
    other.click("[data-testid=train]")
    other.wait_for_function("Number(document.querySelector('[data-testid=step-count]').textContent) > 100")
    page.click("[data-testid=tab-playground]")
    page.fill("[data-testid=target-expr]", "sin(3*x")
    page.press("[data-testid=target-expr]", "Enter")
    error = page.locator("[data-testid=error]")
    error.wait_for(state="visible")
    assert "never closed" in error.inner_text()
    steps = int(other.inner_text("[data-testid=step-count]"))
    other.wait_for_function(f"Number(document.querySelector('[data-testid=step-count]').textContent) > {steps + 200}")
    page.fill("[data-testid=target-expr]", "x^2")
    page.press("[data-testid=target-expr]", "Enter")
    error.wait_for(state="hidden")
    other.close()


def test_two_tabs_train_independently(page, browser):
    other = browser.new_page()
    other.goto(page.base_url + "/#tab=playground")
    other.wait_for_function("document.getElementById('connection').textContent === 'connected'")
    page.click("[data-testid=tab-playground]")
    other.fill("[data-testid=target-expr]", "abs(x)")
    other.press("[data-testid=target-expr]", "Enter")
    page.click("[data-testid=train]")
    page.wait_for_function("Number(document.querySelector('[data-testid=step-count]').textContent) > 500")
    assert other.inner_text("[data-testid=step-count]") == "0"  # training one tab does not train the other
    page_target = page.evaluate("window.neuronlab.playground.frame.sizes")
    other_frame = other.evaluate("window.neuronlab.playground.frame")
    assert other_frame["step"] == 0 and page_target == other_frame["sizes"]
    other.close()


def test_a_url_restores_its_setup(page, browser):
    page.click("[data-testid=tab-playground]")
    page.fill("[data-testid=target-expr]", "x*sin(2*x)")
    page.press("[data-testid=target-expr]", "Enter")
    page.click("[data-testid=add-layer]")
    page.fill("[data-testid=lr]", "0.03")
    page.dispatch_event("[data-testid=lr]", "change")
    page.wait_for_timeout(300)
    url = page.url
    copy = browser.new_page()
    copy.goto(url)
    copy.wait_for_function("window.neuronlab.playground.frame && window.neuronlab.playground.frame.sizes.length === 4")
    assert copy.input_value("[data-testid=target-expr]") == "x*sin(2*x)"
    assert copy.input_value("[data-testid=lr]") == "0.03"
    assert copy.locator("#playground").is_visible()
    assert copy.evaluate("window.neuronlab.playground.frame.sizes") == [1, 8, 4, 1]
    copy.close()


def test_classroom_link_hides_chosen_controls(page, browser):
    hidden = browser.new_page()
    hidden.goto(page.base_url + "/#tab=playground&hide=lr,optimizer,tab-backprop")
    hidden.wait_for_function("document.getElementById('connection').textContent === 'connected'")
    assert hidden.locator("[data-testid=lr]").is_hidden() and hidden.locator("[data-testid=tab-backprop]").is_hidden()
    assert hidden.locator("[data-testid=target-expr]").is_visible()
    hidden.close()


def test_two_dimensional_sets_hover_and_edit(page):
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "dataset")
    page.select_option("[data-testid=dataset]", "xor")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    page.click("[data-testid=train]")
    page.wait_for_function("window.neuronlab.playground.frame.metrics.test_accuracy > 0.9", timeout=30000)
    page.click("[data-testid=pause]")
    assert "accuracy" in page.inner_text("[data-testid=metrics]")
    assert page.locator("[data-testid=confusion] td").count() == 4
    neuron = page.locator("[data-testid=diagram] circle[data-layer='1'][data-neuron='0']")
    neuron.hover()
    assert page.inner_text("[data-testid=tooltip]").startswith("tanh(")
    neuron.click()
    page.fill("[data-testid=editor] [data-b]", "2.5")
    page.click("[data-testid=editor-apply]")
    page.wait_for_function("Math.abs(window.neuronlab.playground.frame.biases[0][0] - 2.5) < 1e-9")
    shot(page, "playground-2d")


def test_approximate_tab_builds_and_hands_over(page):
    page.click("[data-testid=tab-approximate]")
    page.wait_for_function("window.neuronlab.approximate.frame !== null")
    frame = page.evaluate("window.neuronlab.approximate.frame")
    assert frame["sup_error"] <= frame["eps"] and "hidden neurons" in page.inner_text("[data-testid=ap-summary]")
    page.fill("[data-testid=ap-shown]", "3")
    assert page.evaluate("window.neuronlab.approximate.shown")["count"] == frame["counts"][2]
    shot(page, "approximate")
    page.click("[data-testid=ap-adopt]")
    page.wait_for_function(f"window.neuronlab.playground.frame.sizes[1] === {frame['neurons']}")
    assert page.locator("#playground").is_visible()


def test_backprop_tab_steps_through_the_pass(page):
    page.click("[data-testid=tab-backprop]")
    page.wait_for_function("window.neuronlab.backprop.explanation !== null")
    e = page.evaluate("window.neuronlab.backprop.explanation")
    assert all(abs(c["backprop"] - c["central_difference"]) < 1e-6 for c in e["checks"])
    assert "stage 1 of" in page.inner_text("[data-testid=bp-stage]")
    for _ in range(3):
        page.click("[data-testid=bp-next]")
    assert "backward" in page.inner_text("[data-testid=bp-stage]")
    assert page.locator("[data-testid=bp-table] tr.active").count() > 0
    shot(page, "backprop")


def test_points_drawn_with_the_mouse_become_the_training_set(page, tmp_path):
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "points")
    page.click("[data-testid=clear-points]")
    box = page.locator("[data-testid=output-view]").bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 250)
    page.mouse.down()
    for k in range(1, 30):  # a rising stroke from left to right
        page.mouse.move(box["x"] + 60 + 14 * k, box["y"] + 250 - 6 * k)
    page.mouse.up()
    # wait for the drawn points themselves (the 200 points of the function set from before would pass "> 10")
    page.wait_for_function("(f => f.points && f.test_points && f.points.length > 10 && "
                           "f.points.length + f.test_points.length < 100)(window.neuronlab.playground.frame)")
    frame = page.evaluate("window.neuronlab.playground.frame")
    xs = [p[0] for p in frame["points"] + frame["test_points"]]
    ys = [p[1] for p in frame["points"] + frame["test_points"]]
    assert len(xs) >= 15 and np.corrcoef(xs, ys)[0, 1] > 0.9  # the stroke rises, and so do the points
    first, held_out = float(page.inner_text("[data-testid=loss]")), len(frame["test_points"])
    page.click("[data-testid=train]")
    page.wait_for_function("Number(document.querySelector('[data-testid=step-count]').textContent) > 300")
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    frame = page.evaluate("window.neuronlab.playground.frame")
    assert float(page.inner_text("[data-testid=loss]")) < first / 2  # what the user sees: the loss fell
    # the downloaded script replays this very run from the drawn points: same split, weights and metrics
    with page.expect_download() as download:
        page.click("[data-testid=export-python]")
    script = tmp_path / download.value.suggested_filename
    download.value.save_as(script)
    runner = ("import runpy, sys, json; ns = runpy.run_path(sys.argv[1]); "
              "print(json.dumps([p.data.tolist() for p in ns['net'].parameters()]))")
    result = subprocess.run([sys.executable, "-c", runner, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    weights = json.loads(result.stdout.strip().splitlines()[-1])
    # the page's frames carry float32; its model export carries the session's exact weights
    with page.expect_download() as model_download:
        page.click("[data-testid=export-model]")
    model_download.value.save_as(tmp_path / "model.npz")
    model = nl.load(tmp_path / "model.npz")
    assert model.sizes == frame["sizes"]
    for mine, theirs in zip(weights, model.parameters()):
        np.testing.assert_allclose(mine, theirs.data, rtol=0, atol=1e-9)
    assert "test loss" in result.stdout and f"order[:{held_out}]" in script.read_text()


def test_backprop_takes_the_current_data_and_its_default_step_lowers_the_loss(page):
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "dataset")
    page.select_option("[data-testid=dataset]", "xor")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    page.click("[data-testid=tab-backprop]")
    page.wait_for_function("window.neuronlab.backprop.explanation && window.neuronlab.backprop.explanation.x.length === 2")
    assert page.locator("[data-testid=bp-error]").is_hidden()
    e = page.evaluate("window.neuronlab.backprop.explanation")
    assert e["lr_auto"] and e["new_loss"] < e["loss"]
    assert len(page.input_value("[data-testid=bp-x]").split(",")) == 2
    page.fill("[data-testid=bp-lr]", "100")  # too large: the page says the loss rose, and why
    page.click("[data-testid=bp-explain]")
    page.wait_for_function("window.neuronlab.backprop.explanation.lr === 100")
    e = page.evaluate("window.neuronlab.backprop.explanation")
    assert e["new_loss"] > e["loss"]
    while "one step" not in page.inner_text("[data-testid=bp-stage]"):
        page.click("[data-testid=bp-next]")
    assert "the loss rose" in page.inner_text("[data-testid=bp-stage]")
