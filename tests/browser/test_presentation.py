"""Presentation mode on a projector, the lesson's chapters (a list, a URL each, one a screen), the layout at 1024 px
and the keyboard's paths: each measured in the browser (boxes, font sizes, the URL, history)."""

import json
from urllib.parse import parse_qs, urlparse

import pytest

from neuronlab.apps.playground import session

from .conftest import SCREENSHOTS
from .test_screens import open_page

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')

CHAPTERS = ["hook", "decide", "xor", "neuron", "pair", "bumps", "bend", "descent", "step", "activations", "backprop"]
TEXT_ONLY = {"backprop"}  # chapter 10 is words and a question, no picture: it may scroll

# every visible element's box, and the text containers whose text is wider than their box (clipped); code and
# tables scroll in their own box
MEASURE = """() => {
  const inner = window.innerWidth, visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const wide = [...document.querySelectorAll('header *, main *')].filter(visible)
    .filter((e) => !e.closest('details:not([open])') && !e.closest('option') && !e.closest('pre') && !e.closest('table'))
    .map((e) => [e.tagName + (e.id ? '#' + e.id : '') + (e.dataset.testid ? '[' + e.dataset.testid + ']' : ''), e.getBoundingClientRect()])
    .filter(([, r]) => r.left < -0.5 || r.right > inner + 0.5).map(([name, r]) => [name, Math.round(r.left), Math.round(r.right)]);
  const clipped = [...document.querySelectorAll('main :is(p, h1, h2, h3, li, label, button, figcaption, summary, td, th, legend, pre, select), header :is(h1, button, span)')]
    .filter(visible).filter((e) => getComputedStyle(e).display !== 'inline')
    .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'auto')
    .map((e) => [e.tagName + (e.id ? '#' + e.id : ''), e.textContent.trim().slice(0, 40), e.scrollWidth, e.clientWidth]);
  const tabs = document.querySelector('nav[role=tablist]');
  return { wide, clipped, page: document.documentElement.scrollWidth, inner, tabs: tabs.scrollWidth - tabs.clientWidth };
}"""

CURRENT = """() => {
  const shown = [...document.querySelectorAll('#lesson > .card')].filter((c) => c.getBoundingClientRect().height > 0);
  const card = shown[0], main = card.querySelector('[data-main]');
  const picture = main && (main.matches('canvas, svg') ? main : main.querySelector('canvas, svg'));
  return { shown: shown.map((c) => c.dataset.chapter), bottom: card.getBoundingClientRect().bottom,
    picture: picture ? picture.getBoundingClientRect().toJSON() : null, height: window.innerHeight };
}"""


def fragment(page):
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).fragment).items()}


def font(page, selector):
    return page.evaluate(f"parseFloat(getComputedStyle(document.querySelector({json.dumps(selector)})).fontSize)")


def test_presentation_scales_text_headings_buttons_tables_and_pictures_together(browser, live_server):
    context, page, problems = open_page(browser, live_server, 2, 1280, 800, "#tab=lesson&chapter=decide")
    try:
        parts = {
            "text": "#lesson-decide .lesson-text p",
            "heading": "#lesson-decide h2",
            "button": "[data-testid=gate-and]",
            "formula": "[data-testid=decide-formula]",
            "table": "[data-testid=decide-table] td",
            "tab": "[data-testid=tab-lesson]",
            "chapter bar": "[data-testid=chapter-next]",
        }
        normal = {name: font(page, selector) for name, selector in parts.items()}
        plane = page.locator("[data-testid=decide-plane]").bounding_box()
        page.click("[data-testid=presentation]")
        page.wait_for_timeout(200)
        big = {name: font(page, selector) for name, selector in parts.items()}
        for name in parts:  # one scale for all: 1.5 on this screen
            assert big[name] == pytest.approx(1.5 * normal[name], rel=0.02), (name, normal[name], big[name])
        assert big["heading"] > big["text"]  # headings stay larger than the text
        graph_text = page.evaluate(
            "getComputedStyle(document.querySelector('#d-plane')).getPropertyValue('--graph-text')"
        )
        assert graph_text.strip() == "18px"  # 12 px x 1.5, the size draw.js writes the pictures' labels in
        grown = page.locator("[data-testid=decide-plane]").bounding_box()
        assert grown["width"] >= 1.3 * plane["width"], (plane, grown)
        # the diagrams' heights follow (draw.js lays them out in their height attribute)
        page.select_option("[data-testid=chapter-select]", "pair")
        assert page.get_attribute("[data-testid=pair-diagram]", "height") == "225"
        page.click("[data-testid=presentation]")
        assert page.get_attribute("[data-testid=pair-diagram]", "height") == "150"
        assert font(page, parts["heading"]) == pytest.approx(normal["heading"])
    finally:
        context.close()
    assert not problems, problems


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 720)])
def test_presentation_shows_one_chapter_a_screen_and_cuts_nothing(browser, live_server, width, height):
    context, page, problems = open_page(browser, live_server, 1, width, height, "#tab=lesson&present=1")
    try:
        page.wait_for_function("window.neuronlab.lesson.descent.facts !== null", timeout=20000)
        assert page.locator("[data-testid=chapter-prev]").is_disabled()
        for index, name in enumerate(CHAPTERS):
            if index:
                page.click("[data-testid=chapter-next]")
            page.wait_for_function(f"location.hash.includes('chapter={name}')", timeout=5000)
            page.wait_for_timeout(150)  # the chapter's pictures settle
            assert fragment(page)["chapter"] == name
            assert page.input_value("[data-testid=chapter-select]") == name
            state = page.evaluate(CURRENT)
            assert state["shown"] == [name], state
            measured = page.evaluate(MEASURE)
            assert measured["page"] <= measured["inner"], (name, measured)
            assert not measured["wide"], (name, measured["wide"])
            assert not measured["clipped"], (name, measured["clipped"])
            fits = state["bottom"] <= height
            if state["picture"]:  # the chapter fits the screen, or its main picture is whole above the fold
                assert fits or (state["picture"]["bottom"] <= height and state["picture"]["top"] >= 0), (name, state)
            elif name not in TEXT_ONLY:
                assert fits, (name, state)
            page.screenshot(path=str(SCREENSHOTS / f"presentation-{width}x{height}-{index:02d}-{name}.png"))
        assert page.locator("[data-testid=chapter-next]").is_disabled()
        page.keyboard.press("ArrowLeft")  # the arrow keys turn the pages too (the URL follows a moment later)
        page.wait_for_function("location.hash.includes('chapter=activations')", timeout=5000)
        assert fragment(page)["chapter"] == "activations"
        page.keyboard.press("ArrowRight")
        page.wait_for_function("location.hash.includes('chapter=backprop')", timeout=5000)
        assert fragment(page)["chapter"] == "backprop"
        # the Backprop tab: its diagram beside the controls and above the fold, its long text folded
        page.click("[data-testid=tab-backprop]")
        page.wait_for_function("window.neuronlab.backprop.explanation !== null")
        page.wait_for_timeout(150)
        diagram = page.locator("[data-testid=bp-diagram]").bounding_box()
        controls = page.locator("#backprop .controls").bounding_box()
        assert diagram["x"] >= controls["x"] + controls["width"] and diagram["y"] + diagram["height"] <= height, diagram
        assert not page.locator("#backprop details.fold p").is_visible()
        measured = page.evaluate(MEASURE)
        assert not measured["wide"] and not measured["clipped"], measured
        page.screenshot(path=str(SCREENSHOTS / f"presentation-{width}x{height}-backprop.png"))
    finally:
        context.close()
    assert not problems, problems


def test_each_chapter_has_a_url_and_back_and_forward_follow_it(browser, live_server):
    context, page, problems = open_page(browser, live_server, 1, 1280, 800, "#tab=lesson&chapter=descent")
    bar = "document.querySelector('[data-testid=chapter-bar]').getBoundingClientRect().bottom"
    top = lambda name: page.evaluate(
        f"document.querySelector('#lesson > .card[data-chapter={name}]').getBoundingClientRect().top"
    )
    try:
        page.wait_for_timeout(300)
        # opening the URL shows that chapter: scrolled to, just under the header and the chapter bar
        assert page.input_value("[data-testid=chapter-select]") == "descent"
        assert 0 <= top("descent") - page.evaluate(bar) <= 8
        page.click("[data-testid=chapter-next]")
        assert fragment(page)["chapter"] == "step" and 0 <= top("step") - page.evaluate(bar) <= 8
        page.select_option("[data-testid=chapter-select]", "xor")
        assert fragment(page)["chapter"] == "xor" and 0 <= top("xor") - page.evaluate(bar) <= 8
        page.go_back()
        page.wait_for_function("new URLSearchParams(location.hash.slice(1)).get('chapter') === 'step'")
        assert 0 <= top("step") - page.evaluate(bar) <= 8
        page.go_back()
        page.wait_for_function("new URLSearchParams(location.hash.slice(1)).get('chapter') === 'descent'")
        assert page.input_value("[data-testid=chapter-select]") == "descent"
        page.go_forward()
        page.wait_for_function("new URLSearchParams(location.hash.slice(1)).get('chapter') === 'step'")
        # scrolling by hand moves the bar and the URL along (without a history entry)
        length = page.evaluate("history.length")
        page.evaluate("window.scrollTo(0, document.querySelector('[data-chapter=bumps]').offsetTop + 100)")
        page.wait_for_function("new URLSearchParams(location.hash.slice(1)).get('chapter') === 'bumps'")
        assert page.input_value("[data-testid=chapter-select]") == "bumps" and page.evaluate("history.length") == length
        # the chapter list on the first chapter
        page.click("[data-testid=chapter-prev]")
        assert fragment(page)["chapter"] == "pair"
        page.fill("[data-testid=w21]", "-0.7")  # (a setting of chapter 4, for the link below)
        page.dispatch_event("[data-testid=w21]", "change")
        page.select_option("[data-testid=chapter-select]", "hook")
        links = page.locator("[data-testid=chapter-list] a")
        assert links.count() == len(CHAPTERS) - 1
        assert page.locator("[data-testid=chapter-list] a[aria-current]").count() == 0  # the opening is no list item
        links.nth(6).click()  # the 7th chapter: going downhill
        assert fragment(page)["chapter"] == "descent" and 0 <= top("descent") - page.evaluate(bar) <= 8
        assert page.locator("[data-testid=chapter-list] a[aria-current]").inner_text() == "Learning by going downhill"
        # the same URL in presentation mode shows that chapter alone, and keeps the other settings
        copy = context.new_page()
        copy.goto(page.url.replace("tab=lesson", "present=1&tab=lesson"))
        copy.wait_for_function("window.neuronlab && window.neuronlab.lesson.chapter === 'descent'")
        shown = copy.evaluate(CURRENT)["shown"]
        assert shown == ["descent"] and copy.input_value("[data-testid=w21]") == "-0.7"
        copy.close()
    finally:
        context.close()
    assert not problems, problems


def test_at_1024_pictures_stay_beside_their_controls_and_the_toolbar_stays_put(browser, live_server):
    context, page, problems = open_page(browser, live_server, 1, 1024, 768, "#tab=lesson&chapter=bumps")
    try:
        page.wait_for_timeout(200)
        canvas = page.locator("[data-testid=challenge]").bounding_box()
        controls = page.locator("#lesson-bumps .controls").bounding_box()
        assert canvas["x"] >= controls["x"] + controls["width"] and canvas["y"] < controls["y"] + controls["height"], (
            canvas,
            controls,
        )
        for button in ["#bumps-reset", "[data-testid=linear-shuffle]"]:
            assert page.locator(button).bounding_box()["width"] < 250, button
        # chapters 2 (XOR) and 4 (the two neurons) each whole under the header and the chapter bar
        for chapter in ["xor", "pair"]:
            page.select_option("[data-testid=chapter-select]", chapter)
            card = page.locator(f"[data-testid=lesson-{chapter}]").bounding_box()
            bar = page.locator("[data-testid=chapter-bar]").bounding_box()
            assert card["y"] >= bar["y"] + bar["height"] and card["y"] + card["height"] <= 768, (chapter, card, bar)
        # the Backprop tab on one screen: the diagram beside the controls, the output graph under them
        page.click("[data-testid=tab-backprop]")
        page.wait_for_function("window.neuronlab.backprop.explanation !== null")
        page.evaluate("window.scrollTo(0, 0)")
        diagram = page.locator("[data-testid=bp-diagram]").bounding_box()
        controls = page.locator("#backprop .controls").bounding_box()
        output = page.locator("[data-testid=bp-output]").bounding_box()
        whole = page.locator("#backprop .card").bounding_box()
        assert diagram["x"] >= controls["x"] + controls["width"] and diagram["y"] < controls["y"] + controls["height"]
        assert output["y"] >= controls["y"] + controls["height"] and whole["y"] + whole["height"] <= 768, (
            output,
            whole,
        )
        # the toolbar keeps its height and its status one line while training
        page.click("[data-testid=tab-playground]")
        page.wait_for_function("window.neuronlab.playground.frame !== null")
        toolbar = "document.querySelector('#playground .toolbar').getBoundingClientRect().height"
        status = "document.querySelector('[data-testid=status]').getBoundingClientRect()"
        heights, positions = {page.evaluate(toolbar)}, set()
        page.click("[data-testid=train]")
        for _ in range(12):
            page.wait_for_timeout(120)
            heights.add(page.evaluate(toolbar))
            box = page.evaluate(status)
            positions.add(round(box["x"]))
            assert box["height"] < 1.6 * font(page, "[data-testid=status]"), box  # one line
        page.click("[data-testid=pause]")
        page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
        heights.add(page.evaluate(toolbar))
        positions.add(round(page.evaluate(status)["x"]))
        assert len(heights) == 1, heights
        assert len(positions) == 1, positions  # the status word does not move as the numbers change
    finally:
        context.close()
    assert not problems, problems


def test_the_bump_challenge_answers_the_arrow_keys(page):
    page.goto(page.base_url + "/#tab=lesson&chapter=bumps")
    page.wait_for_function("window.neuronlab && window.neuronlab.lesson.challenge")
    page.focus("[data-testid=challenge]")
    outline = page.evaluate("getComputedStyle(document.querySelector('[data-testid=challenge]')).outlineStyle")
    assert outline == "solid"  # a visible focus
    for key in ["ArrowRight", "ArrowRight", "ArrowUp", "ArrowUp", "ArrowUp", "ArrowRight", "Shift+ArrowDown"]:
        page.keyboard.press(key)
    challenge = page.evaluate("window.neuronlab.lesson.challenge")
    assert challenge["selected"] == 3
    assert challenge["heights"][:5] == [0, 0, 0.3, -0.4, 0]
    assert fragment(page)["chapter"] == "bumps"  # the arrows moved the bump, not the chapter
    assert json.loads(fragment(page)["l"])["heights"][:5] == [0, 0, 0.3, -0.4, 0]  # and the link keeps them
    page.keyboard.press("End")
    for _ in range(40):
        page.keyboard.press("ArrowUp")
    assert page.evaluate("window.neuronlab.lesson.challenge.heights")[-1] == 1.6  # the graph's top
    page.focus("[data-testid=chapter-next]")
    page.keyboard.press("ArrowRight")  # elsewhere the arrow keys turn the page
    assert fragment(page)["chapter"] == "bend"


def test_numbers_in_the_lessons_text_have_a_real_minus_sign(page):
    page.click("[data-testid=tab-lesson]")
    question = page.inner_text("#lesson-pair .lesson-text")
    assert "w21 = −0.5" in question and "-0.5" not in question
    page.fill("[data-testid=w21]", "-0.7")
    assert page.inner_text("#w21-out") == "−0.7"
    assert "−0.7·h2" not in page.inner_text("[data-testid=pair-formula]")  # the operator carries the sign
    assert page.inner_text("[data-testid=pair-formula]") == "output = 1.0·h1 − 0.7·h2"
    labels = page.evaluate("[...document.querySelectorAll('#pair-diagram text')].map((t) => t.textContent)")
    assert "w21 = −0.7" in labels
    page.fill("[data-testid=neuron-b]", "1")
    assert "threshold s = −0.50" in page.inner_text("[data-testid=neuron-formula]")


def test_the_playgrounds_controls_start_at_the_servers_defaults(page):
    page.click("[data-testid=tab-playground]")
    shown = page.evaluate("""() => ({ expr: document.getElementById('target-expr').value,
      domain: [Number(document.getElementById('domain-a').value), Number(document.getElementById('domain-b').value)],
      points: Number(document.getElementById('points').value), noise: Number(document.getElementById('noise').value),
      test_ratio: Number(document.getElementById('test-ratio').value), lr: Number(document.getElementById('lr').value),
      batch: Number(document.getElementById('batch').value), l1: Number(document.getElementById('l1').value),
      l2: Number(document.getElementById('l2').value), stop_loss: Number(document.getElementById('stop-loss').value),
      seed: Number(document.getElementById('seed').value), speed: Number(document.getElementById('speed').value),
      line: Number(document.getElementById('superposition-line').value), mode: document.getElementById('mode').value,
      dataset: document.getElementById('dataset').value, optimizer: document.getElementById('optimizer').value,
      activation: document.getElementById('activation').value, task: document.getElementById('csv-task').value })""")
    for key, value in shown.items():  # index.html holds none of these: facts.js brings session.DEFAULTS
        assert value == session.DEFAULTS[key], key
    page.wait_for_function("window.neuronlab.playground.frame !== null")
    read = page.evaluate("window.neuronlab.playground.frame.config")
    for key in ["layers", "features", "activation", "lr", "batch", "expr", "domain"]:  # what the server runs
        assert read[key] == session.DEFAULTS[key], key


@pytest.mark.parametrize("present", [False, True])
def test_on_a_phone_every_chapter_stays_inside_the_screen(browser, live_server, present):
    context, page, problems = open_page(
        browser, live_server, 3, 390, 844, "#tab=lesson" + ("&present=1" if present else "")
    )
    try:
        page.wait_for_function("window.neuronlab.lesson.descent.facts !== null", timeout=20000)
        for name in CHAPTERS:
            page.select_option("[data-testid=chapter-select]", name)
            page.wait_for_timeout(100)
            measured = page.evaluate(MEASURE)
            assert measured["page"] <= measured["inner"] and measured["tabs"] <= 0, (
                name,
                measured,
            )  # the tabs: one line
            assert not measured["wide"], (name, measured["wide"])
            assert not measured["clipped"], (name, measured["clipped"])
        page.screenshot(path=str(SCREENSHOTS / f"lesson-390x844-{'presentation' if present else 'scroll'}.png"))
    finally:
        context.close()
    assert not problems, problems
