"""`neuronlab site DIR` in Chromium from a file:// URL, with no server running: the chapters render, the sliders
move the graphs, the backprop walk-through steps through the engine's numbers, no console error, no request."""

import numpy as np
import pytest

import neuronlab as nl
from neuronlab import lesson
from neuronlab.apps.cli import main
from neuronlab.apps.playground.session import Session

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    assert main(["site", str(folder)]) == 0
    return (folder / "index.html").as_uri()


@pytest.fixture
def offline(browser, site_url):
    """The site in a fresh context; after the test: no console error, and no request but the page's own file."""

    def open_page(width=1280, height=800, ratio=2, mobile=False, fragment=""):
        context = browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=ratio, is_mobile=mobile, has_touch=mobile
        )
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("data:") else None)
        page.goto(site_url + fragment)
        page.wait_for_function("window.neuronlab && window.neuronlab.lesson.bend.gallery !== null")
        return page

    contexts, problems, requests = [], [], []
    yield open_page
    for context in contexts:
        context.close()
    assert not problems, f"console errors: {problems}"
    assert requests and all(url.split("#")[0] == site_url for url in requests), f"requests beyond the page: {requests}"


def _pixels(page, testid):
    return page.evaluate(f"document.querySelector('[data-testid={testid}]').toDataURL()")


def test_every_chapter_renders_and_the_sliders_move_the_graphs(offline):
    page = offline()
    assert page.inner_text("[data-testid=connection]").startswith("a saved copy: the Lesson and the Backprop")
    chapters = page.locator("#lesson .lesson-text[data-chapter]")
    assert chapters.count() >= 10
    for i in range(chapters.count()):
        assert len(chapters.nth(i).inner_text().strip()) > 100, chapters.nth(i).get_attribute("data-chapter")
    # the tabs that need the server are gone; the two left are numbered 1 and 2
    assert page.locator("[data-testid=tab-playground]").is_hidden()
    assert page.locator("[data-testid=tab-approximate]").is_hidden()
    assert page.inner_text("[data-testid=tab-backprop]") == "2 · Backprop"
    # the two neurons: between the thresholds only h1 is on, so the output there is w11
    x = np.array(page.evaluate("window.neuronlab.lesson.x"))
    middle = int(np.argmin(np.abs(x - 0.0)))
    assert page.evaluate("window.neuronlab.lesson.output")[middle] == 1
    before = _pixels(page, "output-graph")
    page.fill("[data-testid=w11]", "2")
    page.fill("[data-testid=w21]", "-1")
    assert page.evaluate("window.neuronlab.lesson.output")[middle] == 2
    assert page.inner_text("#pair-formula") == "output = 2.0·h1 − 1.0·h2"
    assert _pixels(page, "output-graph") != before
    # the engine's numbers, recorded from the server: the gallery's neuron counts, the descent chapter's path
    gallery = page.evaluate("window.neuronlab.lesson.bend.gallery")
    needed = lesson.neurons_needed()
    assert {name: shown["neurons"] for name, shown in gallery["activations"].items()} == {
        name: needed[name] for name in gallery["activations"]
    }
    lr = float(page.input_value("[data-testid=descent-lr]"))
    for _ in range(5):
        page.click("[data-testid=descent-step]")
    path = page.evaluate("window.neuronlab.lesson.descent.path")
    np.testing.assert_allclose([p["loss"] for p in path], lesson.descend(lr=lr, steps=5)[:, 2], rtol=1e-9)
    # a check-yourself question answers
    box = page.locator("#lesson .check").first
    box.locator(".check-choices button").first.click()
    assert box.locator(".check-feedback").inner_text().startswith(("✓ Right.", "✗ Not quite."))
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("[data-testid=lesson-decide]").screenshot(path=str(SCREENSHOTS / "site-lesson-decide.png"))


def test_the_backprop_walk_through_steps_through_the_engines_numbers(offline):
    page = offline()
    page.click("[data-testid=tab-backprop]")
    page.wait_for_function("window.neuronlab.backprop.explanation !== null")
    session = Session()
    x, y = session.x_train[0].tolist(), session._target_row(0)
    engine = nl.explain(session.net, x, y, None, 1e-6, np.linspace(*session._x_range(), 200))
    count = 2 * len(session.net.layers) + 2
    assert page.inner_text("[data-testid=bp-stage]").startswith(f"stage 1 of {count}: forward, layer 1")
    assert page.locator("[data-testid=bp-prev]").is_disabled()
    note = page.inner_text("[data-testid=site-backprop-note]")
    assert f"default network ({'-'.join(map(str, session.net.sizes))}, tanh then linear)" in note
    assert f"x = {float(f'{x[0]:.4g}'):g}" in note
    for _ in range(count - 1):
        page.click("[data-testid=bp-next]")
    view = page.evaluate("window.neuronlab.backprop.view")
    assert view["kind"] == "step" and page.locator("[data-testid=bp-next]").is_disabled()
    for edge in view["edges"]:
        new = engine.new_parameters[f"W{edge['layer'] + 1}"][edge["from"], edge["to"]]
        assert edge["weight"] == pytest.approx(new, rel=1e-9, abs=1e-12)
    stage = page.inner_text("[data-testid=bp-stage]")
    assert stage.startswith(f"stage {count} of {count}: one step")
    assert f"loss {float(f'{engine.loss:.4g}'):.4g}"[:10] in stage
    # the typed fields show the recorded point and cannot be changed into a question the copy cannot answer
    assert page.locator("[data-testid=bp-x]").get_attribute("readonly") is not None
    page.click("[data-testid=bp-play]")
    page.wait_for_function("window.neuronlab.backprop.stage === 1", timeout=5000)
    page.wait_for_timeout(900)
    page.locator("#backprop").screenshot(path=str(SCREENSHOTS / "site-backprop.png"))


def test_a_link_to_a_server_tab_opens_the_lesson_and_the_page_fits_a_phone(offline):
    page = offline(390, 844, 3, mobile=True, fragment="#tab=playground")
    assert page.locator("#lesson").is_visible() and page.locator("#playground").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "site-phone.png"))
    small = offline(1024, 768, 1)
    small.click("[data-testid=tab-backprop]")
    small.wait_for_function("window.neuronlab.backprop.explanation !== null")
    small.screenshot(path=str(SCREENSHOTS / "site-1024.png"))


def test_the_same_file_works_from_a_static_web_host(browser, site_url):
    """Put on any static host (here Python's http.server on 127.0.0.1): the same page, nothing else fetched."""
    import functools
    import http.server
    import threading
    from pathlib import Path
    from urllib.parse import urlparse

    folder = Path(urlparse(site_url).path).parent
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        problems, requests = [], []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("data:") else None)
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        page.goto(url + "#tab=backprop")
        page.wait_for_function("window.neuronlab && window.neuronlab.backprop.explanation !== null")
        assert page.inner_text("[data-testid=bp-stage]").startswith("stage 1 of ")
        assert page.locator("#lesson .lesson-text[data-chapter]").count() >= 10
        assert not problems, problems
        assert [r.split("#")[0] for r in requests] == [url], requests
    finally:
        context.close()
        server.shutdown()
        server.server_close()
