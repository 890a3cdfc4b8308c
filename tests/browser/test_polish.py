"""Defects a newcomer found in the playground page, each pinned by what the browser shows."""

import pytest

from .test_screens import open_page

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')


def test_backprop_diagram_is_whole_on_a_phone(browser, live_server):
    context, page, problems = open_page(browser, live_server, 2, 390, 844)
    try:
        page.click("[data-testid=tab-backprop]")
        page.wait_for_function("window.neuronlab.backprop.explanation !== null")
        for _ in range(3):
            page.click("[data-testid=bp-next]")
        page.wait_for_timeout(100)
        box = page.locator("[data-testid=bp-diagram]").bounding_box()
        width = page.evaluate("window.innerWidth")
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
        # the drawing scales with the box (its viewBox), so its right-most column is inside the box too
        right = page.evaluate("""() => Math.max(...[...document.querySelectorAll('#bp-diagram circle')]
          .map((c) => c.getBoundingClientRect().right))""")
        assert right <= box["x"] + box["width"] + 0.5, (right, box)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
    assert not problems, problems


def test_approximate_controls_stay_on_a_phone(browser, live_server):
    context, page, problems = open_page(browser, live_server, 2, 390, 844)
    try:
        page.click("[data-testid=tab-approximate]")
        page.wait_for_function("window.neuronlab.approximate.frame !== null")
        width = page.evaluate("window.innerWidth")
        for selector in ["#ap-a", "#ap-b", "#ap-expr", "#ap-activation", "#ap-eps"]:
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box, width)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
    assert not problems, problems


def test_backprop_diagram_stays_put_while_the_stage_text_changes(browser, live_server):
    context, page, problems = open_page(browser, live_server, 1, 1280, 800)
    try:
        page.click("[data-testid=tab-backprop]")
        page.wait_for_function("window.neuronlab.backprop.explanation !== null")
        first = page.locator("[data-testid=bp-diagram]").bounding_box()
        for _ in range(3):
            page.click("[data-testid=bp-next]")
        assert "stage 4 of" in page.inner_text("[data-testid=bp-stage]")
        fourth = page.locator("[data-testid=bp-diagram]").bounding_box()
        assert (fourth["x"], fourth["y"]) == (first["x"], first["y"]), (first, fourth)
        assert first["x"] > page.locator("#backprop .controls").bounding_box()["x"] + 100  # beside the controls
        # an error message does not push the approximate graph below the controls either
        page.click("[data-testid=tab-approximate]")
        page.wait_for_function("window.neuronlab.approximate.frame !== null")
        before = page.locator("[data-testid=ap-graph]").bounding_box()
        page.fill("[data-testid=ap-expr]", "sin(5*x) + " + "x*" * 60 + "x +")
        page.click("[data-testid=ap-build]")
        page.wait_for_selector("[data-testid=ap-error]:not([hidden])")
        after = page.locator("[data-testid=ap-graph]").bounding_box()
        assert (after["x"], after["y"]) == (before["x"], before["y"]), (before, after)
    finally:
        context.close()
    assert not problems, problems


def test_the_neuron_editor_closes_when_the_network_changes(page):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame !== null")
    editor = page.locator("[data-testid=editor]")
    page.select_option("[data-testid=mode]", "dataset")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    page.click("[data-testid=diagram] circle[data-layer='1'][data-neuron='0']")
    assert editor.is_visible()
    page.wait_for_timeout(300)  # frames of the same network leave it open
    assert editor.is_visible()
    page.select_option("[data-testid=dataset]", "spiral")
    page.wait_for_function("window.neuronlab.playground.frame.config.dataset === 'spiral'")
    assert editor.is_hidden()
    page.click("[data-testid=diagram] circle[data-layer='1'][data-neuron='0']")
    assert editor.is_visible()
    page.click("[data-testid=reset]")
    assert editor.is_hidden()


PLOT = """async () => {
  const { plot } = await import('/static/draw.js');
  const canvas = document.createElement('canvas');
  canvas.width = 400; canvas.height = 240;
  document.querySelector('main').prepend(canvas);
  const x = Array.from({ length: 61 }, (_, i) => -3 + i / 10);
  // as in lesson chapter 2: a vertical near the left edge, where the legend is
  const t = plot(canvas, [{ x, y: x.map((v) => 1 / (1 + Math.exp(-3 * v))), color: '#1f77b4', width: 2, dash: [5, 4],
    label: 'dashed series' }, { x, y: x.map((v) => 0.5), color: '#ff7f0e', width: 2, label: 'solid series' }],
    { xRange: [-3, 3], yRange: [-0.1, 1.1], verticals: [{ x: -2.7, label: 's1' }, { x: 2.95, label: 'best b' }] });
  const scale = canvas.width / canvas.getBoundingClientRect().width;
  const row = (y) => {  // the legend swatch's row: is each pixel the series' colour, or the legend's white?
    const data = canvas.getContext('2d').getImageData(Math.round((t.legendBox.x + 4) * scale), Math.round(y * scale),
      Math.round(1.6 * 12 * scale), 1).data;
    const kinds = [];
    for (let i = 0; i < data.length; i += 4) kinds.push(data[i] + data[i + 1] + data[i + 2] > 3 * 235 ? 'white' : 'ink');
    return kinds;
  };
  const line = Math.round(12 * 1.25), top = t.legendBox.y + 2 + 6;
  const result = { legendBox: t.legendBox, labelBoxes: t.labelBoxes, height: canvas.getBoundingClientRect().height,
    dashed: row(top), solid: row(top + line) };
  canvas.remove();
  return result;
}"""


def test_plot_labels_avoid_the_legend_and_swatches_show_the_dash(page):
    drawn = page.evaluate(PLOT)
    legend, labels = drawn["legendBox"], drawn["labelBoxes"]
    assert len(labels) == 2
    for box in labels:  # no vertical's label inside the legend box, and all at the bottom half
        apart = (
            box["x"] >= legend["x"] + legend["width"]
            or box["x"] + box["width"] <= legend["x"]
            or box["y"] >= legend["y"] + legend["height"]
            or box["y"] + box["height"] <= legend["y"]
        )
        assert apart, (box, legend)
        assert box["y"] > drawn["height"] / 2, box
    # the dashed series' swatch has gaps, the solid one has none
    assert "white" in drawn["dashed"] and "ink" in drawn["dashed"], drawn["dashed"]
    assert "white" not in drawn["solid"], drawn["solid"]


def test_settings_a_mode_ignores_are_hidden(page):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame !== null")
    shown = {
        "function": {"#points": True, "#noise": True, "#test-ratio": False},
        "points": {"#points": False, "#noise": False, "#test-ratio": True},
        "dataset": {"#points": True, "#noise": True, "#test-ratio": True},
        "csv": {"#points": False, "#noise": False, "#test-ratio": True},
    }
    for mode, controls in shown.items():
        page.select_option("[data-testid=mode]", mode)
        for selector, visible in controls.items():
            assert page.locator(selector).is_visible() == visible, (mode, selector)


def test_backprop_stages_stop_at_the_first_and_the_last(page):
    page.click("[data-testid=tab-backprop]")
    page.wait_for_function("window.neuronlab.backprop.explanation !== null")
    e = page.evaluate("window.neuronlab.backprop.explanation")
    count = 2 * len(e["layers"]) + 2
    assert page.locator("[data-testid=bp-prev]").is_disabled() and page.locator("[data-testid=bp-next]").is_enabled()
    for _ in range(count - 1):
        page.click("[data-testid=bp-next]")
    assert f"stage {count} of {count}" in page.inner_text("[data-testid=bp-stage]")
    assert page.locator("[data-testid=bp-next]").is_disabled()
    page.locator("[data-testid=bp-next]").dispatch_event("click")  # even a click that gets through stays there
    assert f"stage {count} of {count}" in page.inner_text("[data-testid=bp-stage]")
    for _ in range(count - 1):
        page.click("[data-testid=bp-prev]")
    assert f"stage 1 of {count}" in page.inner_text("[data-testid=bp-stage]")
    assert page.locator("[data-testid=bp-prev]").is_disabled()
    page.locator("[data-testid=bp-prev]").dispatch_event("click")
    assert f"stage 1 of {count}" in page.inner_text("[data-testid=bp-stage]")


def test_the_steepness_slider_is_off_for_step_neurons(page):
    page.click("[data-testid=tab-lesson]")
    assert page.locator("[data-testid=steepness]").is_disabled()  # step is the lesson's start
    page.check("input[name=lesson-act][value=sigmoid]")
    assert page.locator("[data-testid=steepness]").is_enabled()
    page.check("input[name=lesson-act][value=step]")
    assert page.locator("[data-testid=steepness]").is_disabled()


def test_the_loss_caption_says_when_no_points_are_held_out(page):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame")
    assert "no points are held out" in page.inner_text("#loss-caption")  # before any step too
    page.click("[data-testid=step]")
    page.wait_for_function("window.neuronlab.playground.frame.step >= 1")
    page.click("[data-testid=step]")
    page.wait_for_function("window.neuronlab.playground.frame.step >= 2")
    assert "no points are held out" in page.inner_text("#loss-caption")  # a function: every point trains
    page.select_option("[data-testid=mode]", "dataset")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    page.click("[data-testid=train]")
    page.locator("#loss-caption").filter(has_text="test (purple)").wait_for()
    page.click("[data-testid=pause]")


def test_the_pair_diagram_keeps_its_weight_labels_when_redrawn(page):
    """Presentation mode redraws every picture: the lesson's pair diagram comes back with its w11/w21 labels
    and edges sized by |w|, not as a plain diagram."""
    page.click("[data-testid=tab-lesson]")
    labels = "[...document.querySelectorAll('#pair-diagram text')].map((t) => t.textContent).filter((t) => t.startsWith('w'))"
    assert len(page.evaluate(labels)) == 2
    for _ in range(2):  # on and off: each redraws everything
        page.click("[data-testid=presentation]")
        page.wait_for_timeout(100)
    assert len(page.evaluate(labels)) == 2
    widths = page.evaluate(
        "[...document.querySelectorAll('#pair-diagram line')].slice(2).map((l) => Number(l.getAttribute('stroke-width')))"
    )
    weights = page.evaluate(
        "[...document.querySelectorAll('#pair-diagram line')].slice(2).map((l) => Number(l.getAttribute('data-weight')))"
    )
    assert widths == [round(0.5 + 3 * abs(w), 2) for w in weights]


def test_numbers_are_written_with_a_real_minus_and_no_negative_zero(page):
    written = page.evaluate("""async () => { const { signed } = await import('/static/draw.js');
      return [signed(-1.5), signed(-0.001), signed(0.004), signed(2), signed(-0.0049, 2), signed(-12.345, 1)]; }""")
    assert written == ["\u22121.50", "0.00", "0.00", "2.00", "0.00", "\u221212.3"]
