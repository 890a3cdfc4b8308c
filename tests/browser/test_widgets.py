"""The notebook widgets' front end (static/widgets.js) in Chromium, given the anywidget model interface
(get, set, on, save_changes, send) by a fake model; the test plays the kernel with the real widgets'
state (Python computes, the page draws)."""

import json
from importlib import resources

import numpy as np
import pytest

from conftest import _require

from .conftest import shot

_require("anywidget", "the notebook widgets (the notebook extra)")
import neuronlab as nl  # noqa: E402
from neuronlab import widgets  # noqa: E402
from neuronlab.views.colours import ROLES  # noqa: E402

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')

ORIGIN = "http://widgets.test"
RED = (214, 39, 40)  # draw.js's COLORS.network, the output curve
HARNESS = (
    """<!doctype html><meta charset="utf-8"><body><div id="host"></div><script type="module">
window.mount = async (state, models = {}) => {
  const listeners = {}, sets = [], sent = [];
  let saves = 0;
  const model = {
    get: (key) => state[key],
    set: (key, value) => { state[key] = value; sets.push([key, value]); (listeners[`change:${key}`] || []).forEach((f) => f()); },
    on: (event, f) => { (listeners[event] ||= []).push(f); },
    off: (event, f) => { listeners[event] = (listeners[event] || []).filter((g) => g !== f); },
    save_changes: () => { saves += 1; },
    send: (message) => { sent.push(message); },
    // the kernel's other models (the shared drawing code), by id
    widget_manager: { get_model: async (id) => { if (!models[id]) throw new Error(`no model ${id}`); return { get: (key) => models[id][key] }; } },
  };
  window.kernel = {  // what the test reads and does as the kernel
    sets, sent, saves: () => saves, state,
    update(changes) { Object.assign(state, changes); for (const key of Object.keys(changes)) (listeners[`change:${key}`] || []).forEach((f) => f()); },
    message(content) { (listeners["msg:custom"] || []).forEach((f) => f(content)); },
  };
  const module = await import("/widgets.js");
  await module.default.render({ model, el: document.getElementById("host") });
};
window.reds = (testid) => {  // pixels of the output curve's colour in a canvas
  const canvas = document.querySelector(`[data-testid=${testid}]`);
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - %d) < 40 && Math.abs(data[i + 1] - %d) < 40 && Math.abs(data[i + 2] - %d) < 40 && data[i + 3] > 200) n++;
  }
  return n;
};
window.frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
</script>"""
    % RED
)


@pytest.fixture
def widget_page(browser):
    static = resources.files("neuronlab.apps.playground") / "static"
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    def serve(route):
        path = route.request.url[len(ORIGIN) :]
        if path == "/":
            route.fulfill(body=HARNESS, content_type="text/html")
        elif path == "/widgets.js":
            route.fulfill(body=(static / "widgets.js").read_text(encoding="utf-8"), content_type="text/javascript")
        else:
            route.fulfill(status=404, body="")

    page.route(ORIGIN + "/**", serve)
    page.goto(ORIGIN + "/")
    yield page
    context.close()
    assert not problems, f"console errors: {problems}"


def shared_models(widget, modules=None):
    """The models the widget's front end may ask the widget manager for: the kernel's shared drawing code."""
    reference = widget.get_state()["_drawing"]
    assert reference.startswith("anywidget:")
    return {reference[len("anywidget:") :]: {"modules": modules or widgets._drawing().modules}}


def mount(page, widget, modules=None, **override):
    state = {**widget.get_state(), **override}
    page.evaluate(
        "([state, models]) => window.mount(state, models)",
        json.loads(json.dumps([state, shared_models(widget, modules)])),
    )
    page.evaluate("window.frame()")


def kernel_update(page, widget):
    """What the kernel sends after Python changed: the widget's whole state."""
    page.evaluate("state => window.kernel.update(state)", json.loads(json.dumps(widget.get_state())))
    page.evaluate("window.frame()")


def test_lesson_widget_draws_and_its_sliders_talk_to_the_kernel(widget_page):
    page = widget_page
    lesson = widgets.Lesson()
    mount(page, lesson)
    for testid in ("widget-h1", "widget-h2", "widget-output"):
        assert page.locator(f"[data-testid={testid}]").is_visible()
    assert page.evaluate("reds('widget-output')") > 200  # the output curve is drawn
    assert page.locator("[data-testid=widget-formula]").text_content() == "output = 1.0·h1 \u2212 1.0·h2"
    assert page.locator("[data-testid=widget-answer]").is_hidden()
    before = page.locator("[data-testid=widget-output]").screenshot()
    page.fill("[data-testid=widget-w21]", "0.5")  # a slider move is sent to the kernel
    assert page.evaluate("window.kernel.sets") == [["w21", 0.5]] and page.evaluate("window.kernel.saves()") == 1
    lesson.w21 = 0.5  # the kernel recomputes and answers with the new graphs
    kernel_update(page, lesson)
    assert page.locator("[data-testid=widget-formula]").text_content() == "output = 1.0·h1 + 0.5·h2"
    assert page.locator("[data-testid=widget-output]").screenshot() != before
    # the page's own pair renderer (pair.js) draws the network too: its output edges follow the kernel's weights
    edges = page.eval_on_selector_all(
        "[data-testid=widget-diagram] line[data-layer='1']",
        "ls => ls.map((l) => Number(l.getAttribute('data-weight')))",
    )
    assert edges == [1.0, 0.5]
    page.click("[data-testid=widget-reveal]")
    assert page.evaluate("window.kernel.sets")[-1] == ["revealed", True]
    lesson.revealed = True
    kernel_update(page, lesson)
    assert page.locator("[data-testid=widget-answer]").is_visible()
    assert page.locator("[data-testid=widget-reveal]").is_hidden()
    assert page.evaluate("reds('widget-answer')") > 200
    assert page.locator("[data-testid=widget-answer-text]").text_content().startswith("Answer: 0 left of s1")
    shot(page, "widget-lesson")


def test_trainer_widget_draws_the_curves_and_sends_its_buttons(widget_page):
    page = widget_page
    x = np.linspace(-1, 1, 40)
    trainer = widgets.Trainer(nl.mlp([1, 6, 1], seed=0), x, np.sin(3 * x), epochs=40, validation=0)
    mount(page, trainer)
    assert page.locator("[data-testid=widget-status]").text_content() == "ready: epoch 0 of 40, loss -"
    for action in ("start", "pause", "step"):
        page.click(f"[data-testid=widget-{action}]")
    assert page.evaluate("window.kernel.sent") == [{"action": "start"}, {"action": "pause"}, {"action": "step"}]
    trainer.train()
    kernel_update(page, trainer)
    status = page.locator("[data-testid=widget-status]").text_content()
    assert status.startswith("done: epoch 40 of 40, loss ")
    assert float(status.rsplit(" ", 1)[1]) == pytest.approx(trainer.loss[-1][1], rel=1e-3)
    assert page.evaluate("reds('widget-fit')") > 200 and page.evaluate("reds('widget-loss')") > 50
    shot(page, "widget-trainer")


PURPLE = tuple(
    int(ROLES["test"][k : k + 2], 16) for k in (1, 3, 5)
)  # COLORS.test (views/colours.py): the held-out points and the validation curve


def colour_pixels(page, testid, rgb):
    return page.evaluate(
        """([testid, [r, g, b]]) => {
      const canvas = document.querySelector(`[data-testid=${testid}]`);
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - r) < 30 && Math.abs(data[i + 1] - g) < 30 && Math.abs(data[i + 2] - b) < 30 && data[i + 3] > 200) n++;
      }
      return n;
    }""",
        [testid, list(rgb)],
    )


def test_trainer_settings_talk_to_the_kernel_and_it_says_why_it_stopped(widget_page):
    page = widget_page
    x = np.linspace(-1, 1, 60)
    trainer = widgets.Trainer(
        nl.mlp([1, 32, 1], seed=0), x, np.sin(3 * x), noise=0.4, lr=0.05, epochs=3000, patience=40
    )
    mount(page, trainer)
    assert page.input_value("[data-testid=widget-hidden-activation]") == "tanh"
    assert page.text_content("[data-testid=widget-lr-value]") == "0.05"
    assert page.text_content("[data-testid=widget-width-value]") == "32"
    assert page.text_content("[data-testid=widget-noise-value]") == "0.4"
    assert page.input_value("[data-testid=widget-speed]") == "0"
    assert colour_pixels(page, "widget-fit", PURPLE) > 30  # the 12 held-out points, drawn purple
    page.fill("[data-testid=widget-lr]", "-1")  # the slider is log10 of the rate
    page.select_option("[data-testid=widget-hidden-activation]", "relu")
    page.fill("[data-testid=widget-width]", "12")
    page.fill("[data-testid=widget-noise]", "0.5")
    page.select_option("[data-testid=widget-speed]", "10")
    assert page.evaluate("window.kernel.sets") == [
        ["lr", 0.1],
        ["activation", "relu"],
        ["width", 12],
        ["noise", 0.5],
        ["speed", 10],
    ]
    page.click("[data-testid=widget-reinitialise]")
    assert page.evaluate("window.kernel.sent") == [{"action": "reinitialise"}]
    # the kernel takes them, trains to early stopping, and the widget says why it stopped
    trainer.lr, trainer.noise = 0.05, 0.4
    trainer.train()
    assert trainer.stop_reason.startswith("stopped early at epoch")
    kernel_update(page, trainer)
    assert page.text_content("[data-testid=widget-stop-reason]") == trainer.stop_reason
    assert colour_pixels(page, "widget-loss", PURPLE) > 50  # the validation curve
    assert page.evaluate("reds('widget-loss')") > 50  # the training curve
    shot(page, "widget-trainer-settings")
    lbfgs = widgets.Trainer(nl.mlp([1, 4, 1], seed=0), x, np.sin(3 * x), optimizer="lbfgs")
    kernel_update(page, lbfgs)
    assert page.locator("[data-testid=widget-lr]").is_disabled()


def test_approximation_widget_steps_through_the_neurons(widget_page):
    page = widget_page
    shown = widgets.Approximation("sin(3*x)", (-1, 1), eps=0.05, activation="relu")
    n = shown.neurons
    mount(page, shown)
    caption = page.locator("[data-testid=widget-caption]")
    assert caption.text_content() == f"{n} of {n} neurons: max |error| {shown.max_error:.3g} ≤ eps 0.05 ✓"
    page.fill("[data-testid=widget-shown]", "2")
    assert page.evaluate("window.kernel.sets") == [["shown", 2]]
    shown.shown = 2
    kernel_update(page, shown)
    assert caption.text_content().startswith(f"2 of {n} neurons: max |error| ")
    assert caption.text_content().endswith("(eps 0.05)")
    assert page.evaluate("reds('widget-construction')") > 100
    shot(page, "widget-approximation")


def test_drawing_modules_that_import_each_other_load_from_the_kernels_text(widget_page):
    lesson = widgets.Lesson()
    modules = dict(widgets._drawing().modules)
    modules["draw.js"] += '\nexport { marker } from "./marker.js";\n'
    modules["marker.js"] = 'import { COLORS } from "./colors.js";\nexport const marker = COLORS.red;\n'
    modules["colors.js"] = 'export const COLORS = { red: "#f00" };\n'
    mount(widget_page, lesson, modules=modules)
    assert widget_page.evaluate("reds('widget-output')") > 200


def test_a_host_without_the_shared_model_asks_the_kernel_for_the_drawing_code(widget_page):
    """(marimo, say): the widget asks in a message, and draws once the kernel answers."""
    page, lesson = widget_page, widgets.Lesson()
    page.evaluate("state => { window.mounted = window.mount(state, {}); }", json.loads(json.dumps(lesson.get_state())))
    page.wait_for_function("window.kernel && window.kernel.sent.length === 1")
    assert page.evaluate("window.kernel.sent") == [{"action": "modules"}]
    answers = []
    lesson.send = answers.append  # what the kernel sends back
    lesson._send_drawing(lesson, {"action": "modules"}, [])
    assert answers == [{"modules": widgets._drawing().modules}]
    page.evaluate("message => window.kernel.message(message)", answers[0])
    page.evaluate("window.mounted.then(() => window.frame())")
    assert page.evaluate("reds('widget-output')") > 200
