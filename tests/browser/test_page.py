"""The playground in a real browser: lesson, training, errors, tabs, URLs."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import neuronlab as nl

from .conftest import shot

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')


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
    page.wait_for_function(
        "Number(document.querySelector('[data-testid=step-count]').textContent) > 3000", timeout=20000
    )
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
    page.wait_for_function("decodeURIComponent(location.hash).includes('\"lr\":0.03')")  # the link follows it
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
    page.wait_for_function(
        "(f => f.points && f.test_points && f.points.length > 10 && "
        "f.points.length + f.test_points.length < 100)(window.neuronlab.playground.frame)"
    )
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
    runner = (
        "import runpy, sys, json; ns = runpy.run_path(sys.argv[1]); "
        "print(json.dumps([p.data.tolist() for p in ns['net'].parameters()]))"
    )
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
    page.wait_for_function(
        "window.neuronlab.backprop.explanation && window.neuronlab.backprop.explanation.x.length === 2"
    )
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


def test_page_is_guarded_against_other_origins(browser, live_server):
    """A page served from a second local port cannot drive the playground; the playground itself runs
    under its Content Security Policy without a violation."""
    import http.server
    import socket
    import threading

    playground_ws = live_server.replace("http", "ws") + "/ws"
    evil = f"""<!doctype html><script>
      window.result = "pending";
      const ws = new WebSocket("{playground_ws}");
      ws.onopen = () => {{ window.result = "opened"; ws.send(JSON.stringify({{type: "train"}})); }};
      ws.onmessage = () => {{ window.result = "received"; }};
      ws.onclose = () => {{ if (window.result === "pending") window.result = "refused"; }};
    </script>"""

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(evil.encode())

        def log_message(self, *args):
            pass

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = http.server.HTTPServer(("127.0.0.1", port), Evil)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(bypass_csp=False)
    try:
        other = context.new_page()
        other.goto(f"http://127.0.0.1:{port}/")
        for _ in range(100):
            if other.evaluate("window.result") != "pending":
                break
            other.wait_for_timeout(50)
        assert other.evaluate("window.result") == "refused"
        # the playground's own page, its policy enforced: it connects, and logs no violation
        problems = []
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(live_server + "/#tab=playground")
        for _ in range(200):
            if page.inner_text("#connection") == "connected":
                break
            page.wait_for_timeout(50)
        assert page.inner_text("#connection") == "connected"
        page.click("[data-testid=tab-approximate]")
        page.locator("[data-testid=ap-summary]").filter(has_text="hidden neurons").wait_for()
        assert not problems, problems
    finally:
        context.close()
        server.shutdown()


def test_approximate_tab_shows_progress_and_cancels(page):
    page.click("[data-testid=tab-approximate]")
    page.wait_for_function("window.neuronlab.approximate.frame !== null")
    page.fill("[data-testid=ap-expr]", "sin(3*x)")
    page.fill("#ap-a", "-3")
    page.fill("#ap-b", "3")
    page.select_option("[data-testid=ap-activation]", "step")
    page.evaluate("document.getElementById('ap-eps').value = -2")
    page.click("[data-testid=ap-build]")
    building = page.locator("[data-testid=ap-building]")
    building.filter(has_text="building…").wait_for()
    text = building.inner_text()  # what the build is doing, whichever stage it has reached
    assert any(word in text for word in ("about", "neurons", "points", "sampling the target")), text
    shot(page, "approximate-building")
    page.click("[data-testid=ap-cancel]")
    building.filter(has_text="cancelled").wait_for()
    assert page.locator("[data-testid=ap-cancel]").is_hidden()
    page.fill("#ap-a", "-1")  # a change builds again, and this one finishes
    page.fill("#ap-b", "1")
    page.evaluate("document.getElementById('ap-eps').value = -1")
    page.click("[data-testid=ap-build]")
    page.wait_for_function(
        "window.neuronlab.approximate.frame.eps === 0.1 && window.neuronlab.approximate.building === null"
    )
    assert building.is_hidden()


def test_one_feature_classes_and_the_task_control(page, tmp_path):
    rows = "".join(f"{v:.2f},{'big' if v > 5 else 'small'}\n" for v in [i / 4 for i in range(41)])
    (tmp_path / "sizes.csv").write_text("size,label\n" + rows)
    page.click("[data-testid=tab-playground]")
    page.select_option("#mode", "csv")
    page.set_input_files("#csv-file", str(tmp_path / "sizes.csv"))
    page.wait_for_function("window.neuronlab.playground.frame.probabilities !== undefined")
    assert "text labels" in page.inner_text("[data-testid=csv-note]")
    page.click("[data-testid=train]")
    page.wait_for_function("Number(document.querySelector('[data-testid=step-count]').textContent) > 200")
    shot(page, "playground-one-feature-classes")
    (tmp_path / "levels.csv").write_text("x,level\n" + "".join(f"{i},{i % 3}.0\n" for i in range(30)))
    page.set_input_files("#csv-file", str(tmp_path / "levels.csv"))
    page.locator("[data-testid=csv-note]").filter(has_text="whole numbers with 3 distinct values").wait_for()
    page.select_option("[data-testid=csv-task]", "regression")
    page.locator("[data-testid=csv-note]").filter(has_text="regression, as asked").wait_for()
    assert page.evaluate("window.neuronlab.playground.frame.task") == "regression"


def test_with_a_token_the_printed_url_opens_a_working_page(browser):
    """Off loopback the server needs its token: the URL with it gives a connected page (the cookie carries
    the token to the WebSocket); without it, 403."""
    import socket
    import threading
    import time

    import uvicorn

    from neuronlab.apps.playground.server import UVICORN_LIMITS, create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(token="t0ken"), host="127.0.0.1", port=port, log_level="warning", **UVICORN_LIMITS)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    context = browser.new_context()
    try:
        page = context.new_page()
        assert page.goto(f"http://127.0.0.1:{port}/").status == 403
        page.goto(f"http://127.0.0.1:{port}/?token=t0ken#tab=playground")
        page.wait_for_function("document.getElementById('connection').textContent === 'connected'")
        page.wait_for_function("window.neuronlab.playground.frame")  # the session's first frame (slow when busy)
        page.click("[data-testid=step]")
        page.wait_for_function("window.neuronlab.playground.frame.step === 1")
    finally:
        context.close()
        server.should_exit = True
        thread.join(timeout=10)
