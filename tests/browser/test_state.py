"""The page keeps its state in step: panel, URL, history, presentation mode, touch."""

import json
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')


def fragment(page):
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).fragment).items()}


def test_presentation_mode_by_button_and_key_is_kept_in_the_url(page, browser):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame !== null")
    normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
    page.click("[data-testid=presentation]")
    assert page.evaluate("document.body.classList.contains('presentation')")
    assert fragment(page)["present"] == "1"
    assert page.locator(".panel").is_hidden() and page.locator("[data-testid=output-view]").is_visible()
    big = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
    assert big >= 1.4 * normal
    graph_text = page.evaluate(
        "getComputedStyle(document.querySelector('#output-view')).getPropertyValue('--graph-text')"
    )
    assert graph_text.strip() == "18px"  # 12 px x the scale (1.5 on this 1400 x 1000 screen)
    copy = browser.new_page()
    copy.goto(page.url)
    copy.wait_for_function("document.getElementById('connection').textContent === 'connected'")
    assert copy.evaluate("document.body.classList.contains('presentation')")
    copy.close()
    page.keyboard.press("p")
    assert not page.evaluate("document.body.classList.contains('presentation')")
    assert "present" not in fragment(page)
    page.focus("[data-testid=target-expr]")  # typing a p in a text box does not toggle it
    page.keyboard.press("p")
    assert not page.evaluate("document.body.classList.contains('presentation')")


def test_back_returns_to_the_previous_tab(page):
    page.click("[data-testid=tab-playground]")
    page.click("[data-testid=tab-approximate]")
    assert page.locator("#approximate").is_visible()
    page.go_back()
    page.wait_for_function("!document.getElementById('playground').hidden")
    assert page.locator("#approximate").is_hidden()
    page.go_back()
    page.wait_for_function("!document.getElementById('lesson').hidden")


def test_the_lesson_sliders_and_bumps_are_in_the_link(page, browser):
    page.click("[data-testid=tab-lesson]")
    page.fill("[data-testid=w21]", "-0.7")
    page.check("[data-testid=lesson-sigmoid]")
    page.locator("[data-testid=challenge]").scroll_into_view_if_needed()
    box = page.locator("[data-testid=challenge]").bounding_box()
    page.mouse.move(box["x"] + 80, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 300, box["y"] + 60, steps=8)
    page.mouse.up()
    heights = page.evaluate("window.neuronlab.lesson.challenge.heights")
    assert sum(h != 0 for h in heights) >= 4
    copy = browser.new_page()
    copy.goto(page.url)
    copy.wait_for_function("window.neuronlab && window.neuronlab.lesson.challenge")
    assert copy.input_value("[data-testid=w21]") == "-0.7"
    assert copy.is_checked("[data-testid=lesson-sigmoid]")
    assert np.allclose(copy.evaluate("window.neuronlab.lesson.challenge.heights"), heights, atol=0.006)
    copy.close()


def test_drawn_points_are_in_the_link(page, browser):
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "points")
    page.click("[data-testid=clear-points]")
    box = page.locator("[data-testid=output-view]").bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 200)
    page.mouse.down()
    for k in range(1, 20):
        page.mouse.move(box["x"] + 60 + 15 * k, box["y"] + 200 - 5 * k)
    page.mouse.up()
    page.wait_for_function(
        "window.neuronlab.playground.frame.points && window.neuronlab.playground.frame.points.length > 5"
    )
    drawn = json.loads(fragment(page)["p"])["drawn"]
    assert len(drawn) >= 10
    copy = browser.new_page()
    copy.goto(page.url)
    copy.wait_for_function(
        "window.neuronlab.playground.frame && window.neuronlab.playground.frame.config.mode === 'points'"
    )
    copy.wait_for_function(
        "window.neuronlab.playground.frame.points && window.neuronlab.playground.frame.points.length > 5"
    )
    mine = page.evaluate("window.neuronlab.playground.frame")
    theirs = copy.evaluate("window.neuronlab.playground.frame")
    assert sorted(mine["points"] + mine["test_points"]) == sorted(theirs["points"] + theirs["test_points"])
    copy.close()


def test_train_from_here_updates_the_panel_and_the_url(page):
    page.click("[data-testid=tab-approximate]")
    page.wait_for_function("window.neuronlab.approximate.frame !== null")
    frame = page.evaluate("window.neuronlab.approximate.frame")
    page.click("[data-testid=ap-adopt]")
    page.wait_for_function(f"window.neuronlab.playground.frame.sizes[1] === {frame['neurons']}")
    assert page.inner_text("[data-testid=neurons-0]") == str(frame["neurons"])
    assert page.locator("[data-testid=layers] .layer-row").count() == 1
    assert page.input_value("[data-testid=activation]") == frame["activation"]
    assert page.input_value("[data-testid=target-expr]") == page.input_value("[data-testid=ap-expr]")
    config = json.loads(fragment(page)["p"])
    assert config["layers"] == [frame["neurons"]] and config["activation"] == frame["activation"]


def test_a_rejected_value_is_put_back_and_the_error_goes_when_fixed(page):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame !== null")
    page.fill("[data-testid=lr]", "100")
    page.dispatch_event("[data-testid=lr]", "change")
    error = page.locator("[data-testid=error]")
    error.wait_for(state="visible")
    assert "lr" in error.inner_text()
    assert page.input_value("[data-testid=lr]") == "0.01"  # the value in use, not the rejected one
    assert json.loads(fragment(page)["p"])["lr"] == 0.01
    page.fill("[data-testid=lr]", "0.02")
    page.dispatch_event("[data-testid=lr]", "change")
    error.wait_for(state="hidden")
    page.wait_for_function("window.neuronlab.playground.frame.config.lr === 0.02")


def test_a_finger_dragged_across_the_bump_challenge_sets_every_bump_it_crosses(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(live_server + "/#tab=lesson")
    page.wait_for_function("window.neuronlab && window.neuronlab.lesson.challenge")
    page.fill("[data-testid=bump-count]", "16")
    canvas = page.locator("[data-testid=challenge]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert page.evaluate("getComputedStyle(document.querySelector('[data-testid=challenge]')).touchAction") == "none"
    cdp = context.new_cdp_session(page)
    y = box["y"] + box["height"] * 0.3
    xs = np.linspace(
        box["x"] + 2, box["x"] + box["width"] - 2, 6
    )  # six touch events for 16 bumps: it must fill the gaps
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": xs[0], "y": y}]})
    for x in xs[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(100)
    heights = page.evaluate("window.neuronlab.lesson.challenge.heights")
    assert len(heights) == 16 and all(h > 0.3 for h in heights), heights
    assert max(heights) - min(heights) < 0.05  # one level: the finger moved straight across
    context.close()


def test_a_reload_keeps_the_trained_weights(page):
    page.click("[data-testid=tab-playground]")
    page.click("[data-testid=train]")
    page.wait_for_function("window.neuronlab.playground.frame.step > 500")
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    trained = page.evaluate("window.neuronlab.playground.frame")
    page.reload()
    page.wait_for_function("window.neuronlab && window.neuronlab.playground.restoredStep > 0")
    page.wait_for_function(
        """(w) => { const f = window.neuronlab.playground.frame;
      return f && Math.abs(f.weights[1][0][0] - w) < 1e-5; }""",
        arg=trained["weights"][1][0][0],
    )
    again = page.evaluate("window.neuronlab.playground.frame")
    for got, want in zip(again["weights"] + again["biases"], trained["weights"] + trained["biases"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(again["output"], trained["output"], atol=1e-4)


def test_a_reload_with_another_setup_in_the_link_leaves_the_saved_weights(page):
    """Weights trained on one setup, then a link to another opened in the same tab: the link's network is built
    and nothing complains (the saved 1-8-1 weights were once sent to the new network: "layer 2 needs ...")."""
    page.click("[data-testid=tab-playground]")
    page.click("[data-testid=train]")
    page.wait_for_function("window.neuronlab.playground.frame.step > 300")
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    setup = {"mode": "dataset", "dataset": "spiral", "layers": [8, 6]}
    page.goto(page.base_url + "/#tab=playground&p=" + json.dumps(setup))
    page.reload()
    page.wait_for_function("window.neuronlab?.playground.frame?.sizes.join() === '2,8,6,2'")
    page.wait_for_timeout(1000)  # the restore messages, were any sent, are answered by now
    assert page.locator("[data-testid=error]").is_hidden(), page.inner_text("[data-testid=error]")
    assert page.evaluate("window.neuronlab.playground.frame.step") == 0


def test_a_link_pasted_into_an_open_tab_is_used_without_a_reload(page):
    """Only the #... of the URL changes (no reload): the page uses the link's settings as at start-up. A
    fragment with the settings in use (Back to another tab) rebuilds nothing: the trained steps stay."""
    page.click("[data-testid=tab-playground]")
    page.click("[data-testid=train]")
    page.wait_for_function("window.neuronlab.playground.frame.step > 200")
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    steps = page.evaluate("window.neuronlab.playground.frame.step")
    page.click("[data-testid=tab-lesson]")
    page.go_back()  # the playground's entry: the same settings, so the network stays as it was
    page.wait_for_function("!document.getElementById('playground').hidden")
    page.wait_for_timeout(500)
    assert page.evaluate("window.neuronlab.playground.frame.step") == steps
    setup = {"mode": "dataset", "dataset": "spiral", "layers": [8, 6]}
    page.evaluate("(p) => { location.hash = 'tab=playground&p=' + encodeURIComponent(p); }", json.dumps(setup))
    page.wait_for_function("window.neuronlab.playground.frame.sizes.join() === '2,8,6,2'")
    assert page.input_value("[data-testid=dataset]") == "spiral" and page.input_value("[data-testid=mode]") == "dataset"
    assert page.locator("[data-testid=error]").is_hidden()
