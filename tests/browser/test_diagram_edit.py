"""The playground's network diagram edited in place: a keyboard path to the neuron editor, and the diagram's own
buttons for the network's shape (the panel's code path)."""

import pytest

from neuronlab.apps.playground.session import MAX_LAYERS

pytestmark = pytest.mark.slow  # minutes in a browser: not in the quick tier (-m 'not slow')

FOCUSED = "document.activeElement && document.activeElement.getAttribute('aria-label')"


def open_playground(page):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame !== null")


def test_tab_enter_edit_apply_and_escape_back_to_the_node(page):
    open_playground(page)
    node = page.locator("[data-testid=diagram] circle[data-layer='1'][data-neuron='0']")
    assert node.get_attribute("tabindex") == "0" and node.get_attribute("role") == "button"
    assert node.get_attribute("aria-label") == "layer 1, neuron 1: edit its weights"
    inputs = page.locator("[data-testid=diagram] circle[data-layer='0']").first
    assert inputs.get_attribute("tabindex") is None  # the inputs have no editor
    # Tab from the element before the diagram's first node reaches that node
    page.locator("[data-testid=diagram] circle[data-layer='1'][data-neuron='0']").evaluate(
        "(c) => { const b = document.createElement('button'); b.id = 'before'; c.closest('figure').before(b); b.focus(); }"
    )
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "layer 1, neuron 1: edit its weights"
    # the arrows: down the layer, right to the output, left back to the nearest row
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED) == "layer 1, neuron 3: edit its weights"
    page.keyboard.press("ArrowUp")
    assert page.evaluate(FOCUSED) == "layer 1, neuron 2: edit its weights"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED) == "output, neuron 1: edit its weights"
    page.keyboard.press("ArrowRight")  # nothing further right: it stays
    assert page.evaluate(FOCUSED) == "output, neuron 1: edit its weights"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(FOCUSED) == "layer 1, neuron 1: edit its weights"
    page.keyboard.press("ArrowLeft")  # the inputs are not focusable
    assert page.evaluate(FOCUSED) == "layer 1, neuron 1: edit its weights"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    editor = page.locator("[data-testid=editor]")
    assert editor.is_visible() and "layer 1, neuron 3" in editor.inner_text()
    # the focus is in the editor's first input (w1); Tab to the bias, type it, Tab to apply, Enter
    assert page.evaluate("document.activeElement.dataset.w") == "0"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-b')")
    page.keyboard.press("Control+a")
    page.keyboard.type("-1.25")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "editor-apply"
    page.keyboard.press("Enter")
    page.wait_for_function("window.neuronlab.playground.frame.biases[0][2] === -1.25")
    assert editor.is_visible()
    page.keyboard.press("Escape")
    assert editor.is_hidden()
    assert page.evaluate(FOCUSED) == "layer 1, neuron 3: edit its weights"
    # Space opens it too, and Enter in a number applies it
    page.keyboard.press("Space")
    assert editor.is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type("0.5")
    page.keyboard.press("Enter")
    page.wait_for_function("window.neuronlab.playground.frame.biases[0][2] === 0.5")
    page.click("[data-testid=editor-close]")  # the close button also gives the focus back
    assert page.evaluate(FOCUSED) == "layer 1, neuron 3: edit its weights"


def sizes(page):
    return page.evaluate("window.neuronlab.playground.frame.sizes")


def test_the_diagrams_buttons_change_the_shape_as_the_panels_do(page):
    open_playground(page)
    assert sizes(page) == [1, 8, 1]
    page.click("[data-testid=diagram-plus-0]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes[1] === 9")
    assert page.inner_text("[data-testid=neurons-0]") == "9"  # the panel shows it: one state for both
    page.click("[data-testid=neurons-plus-0]")  # the panel's +: the same step
    page.wait_for_function("window.neuronlab.playground.frame.sizes[1] === 10")
    page.click("[data-testid=diagram-minus-0]")
    page.click("[data-testid=diagram-minus-0]")
    page.click("[data-testid=diagram-minus-0]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes[1] === 7")
    page.click("[data-testid=diagram-add-layer]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes.length === 4")
    assert sizes(page) == [1, 7, 4, 1]
    assert page.inner_text("[data-testid=neurons-1]") == "4"
    page.click("[data-testid=diagram-minus-1]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes[2] === 3")
    # the panel's lower limit: one neuron a layer
    for _ in range(4):
        page.click("[data-testid=diagram-minus-1]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes[2] === 1")
    page.wait_for_timeout(300)
    assert sizes(page) == [1, 7, 1, 1]
    # the panel's upper limit on layers: eight clicks from two layers stop at the server's limit
    for _ in range(8):
        page.click("[data-testid=diagram-add-layer]")
    page.wait_for_function(f"window.neuronlab.playground.frame.sizes.length === {MAX_LAYERS + 2}")
    page.wait_for_timeout(500)
    assert len(sizes(page)) - 2 == MAX_LAYERS == 8
    assert page.locator("[data-testid=layers] .layer-row").count() == MAX_LAYERS
    assert page.locator("[data-testid=error]").is_hidden()
    # "− layer" on the diagram takes the last hidden layer away, down to none (then it is gone too)
    page.click("[data-testid=diagram-remove-layer]")
    page.wait_for_function(f"window.neuronlab.playground.frame.sizes.length === {MAX_LAYERS + 1}")
    assert sizes(page)[:3] == [1, 7, 1] and page.locator("[data-testid=layers] .layer-row").count() == MAX_LAYERS - 1
    for _ in range(MAX_LAYERS - 1):
        page.click("[data-testid=diagram-remove-layer]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes.length === 2")
    assert sizes(page) == [1, 1] and page.locator("[data-testid=diagram-remove-layer]").count() == 0
    page.click("[data-testid=diagram-add-layer]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes.length === 3")
    assert sizes(page) == [1, 4, 1]


def boxes(page):
    return page.evaluate("""() => {
      const svg = document.getElementById('diagram').getBoundingClientRect();
      const buttons = [...document.querySelectorAll('[data-testid=diagram-shape] button')].map((b) => {
        const r = b.getBoundingClientRect();
        return { id: b.dataset.testid, x: r.left, y: r.top, w: r.width, h: r.height, label: b.getAttribute('aria-label') };
      });
      const columns = [...new Set([...document.querySelectorAll('#diagram circle')].map((c) => c.dataset.layer))]
        .map((l) => document.querySelector(`#diagram circle[data-layer="${l}"]`).getBoundingClientRect())
        .map((r) => r.left + r.width / 2);
      return { svg: { x: svg.left, y: svg.top, w: svg.width, h: svg.height }, buttons, columns };
    }""")


@pytest.mark.parametrize("viewport", [(1280, 800), (1024, 768), (390, 844)])
def test_the_diagrams_buttons_are_big_apart_and_under_their_columns(browser, live_server, viewport):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    try:
        page.goto(live_server + "/")
        page.wait_for_function("window.neuronlab && document.getElementById('connection').textContent === 'connected'")
        open_playground(page)
        for n in (3, 8):  # 1-8-4-4-1, then 8 hidden layers
            while len(sizes(page)) - 2 < n:
                page.click("[data-testid=add-layer]")
                page.wait_for_timeout(50)
            page.wait_for_function(f"window.neuronlab.playground.frame.sizes.length === {n + 2}")
            page.wait_for_timeout(200)
            found = boxes(page)
            buttons, svg = found["buttons"], found["svg"]
            assert len(buttons) == 2 * n + 2, (viewport, buttons)  # − and + a layer, "+ layer" and "− layer"
            for i, a in enumerate(buttons):
                assert a["w"] >= 24 and a["h"] >= 24, (viewport, a)
                assert a["label"], a
                assert a["y"] >= svg["y"] + svg["h"] - 0.5, (viewport, a)  # under the diagram, never on its labels
                assert svg["x"] - 0.5 <= a["x"] and a["x"] + a["w"] <= svg["x"] + svg["w"] + 0.5, (viewport, a)
                for b in buttons[i + 1 :]:
                    apart = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                    apart = apart or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
                    assert apart, (viewport, a, b)
            for layer in range(n):  # each layer's pair: its centre within a button's width of its column
                pair = [b for b in buttons if b["id"] in (f"diagram-minus-{layer}", f"diagram-plus-{layer}")]
                middle = (min(b["x"] for b in pair) + max(b["x"] + b["w"] for b in pair)) / 2
                assert abs(middle - found["columns"][layer + 1]) <= 1, (viewport, layer, middle, found["columns"])
    finally:
        context.close()
