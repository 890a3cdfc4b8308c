"""The page on the screens it is used on: laptops at 125-200 % scaling, a projector, a phone."""

import pytest

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')

SCREENS = [
    (1, 1024, 768),
    (1.25, 1024, 768),
    (2, 1024, 768),
    (1, 390, 844),
    (1.25, 390, 844),
    (2, 390, 844),
    (1.5, 1280, 720),
    (3, 1920, 1080),
]

CANVASES = """() => [...document.querySelectorAll('canvas')].filter((c) => c.getBoundingClientRect().width > 0)
  .map((c) => {
    const box = c.getBoundingClientRect(), style = getComputedStyle(c);
    const border = (a, b) => parseFloat(style[a]) + parseFloat(style[b]);
    const inked = (x0, y0, w, h) => {  // pixels with ink in that part of the backing store
      const data = c.getContext('2d').getImageData(x0, y0, w, h).data;
      let count = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count++;
      return count;
    };
    const right = Math.floor(0.85 * c.width), bottom = Math.floor(0.85 * c.height);
    return { id: c.id || c.title, cssWidth: box.width - border('borderLeftWidth', 'borderRightWidth'),
      cssHeight: box.height - border('borderTopWidth', 'borderBottomWidth'), width: c.width, height: c.height,
      inkRight: inked(right, 0, c.width - right, c.height), inkBottom: inked(0, bottom, c.width, c.height - bottom) };
  })"""


def open_page(browser, live_server, ratio, width, height, fragment=""):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=ratio)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(live_server + "/" + fragment)
    page.wait_for_function("window.neuronlab && document.getElementById('connection').textContent === 'connected'")
    return context, page, problems


def check_canvases(page, ratio, where):
    canvases = page.evaluate(CANVASES)
    assert canvases, f"no canvas visible on {where}"
    for c in canvases:
        # the backing store is the CSS size times the ratio (to the device pixel), so nothing is cut off or blurred
        assert abs(c["width"] - c["cssWidth"] * ratio) <= 1 and abs(c["height"] - c["cssHeight"] * ratio) <= 1, (
            where,
            c,
        )
        # and what is drawn reaches the right and bottom edges (ticks, grid lines, heat map cells)
        assert c["inkRight"] > 0 and c["inkBottom"] > 0, (where, c)
    return canvases


@pytest.mark.parametrize("ratio, width, height", SCREENS)
def test_every_canvas_is_sharp_and_whole(browser, live_server, ratio, width, height):
    context, page, problems = open_page(browser, live_server, ratio, width, height)
    size = f"{width}x{height}@{ratio}"
    SCREENSHOTS.mkdir(exist_ok=True)
    try:
        for tab in ["lesson", "playground", "approximate", "backprop"]:
            page.click(f"[data-testid=tab-{tab}]")
            if tab == "playground":
                page.click("[data-testid=train]")
                page.wait_for_function(
                    "window.neuronlab.playground.frame && window.neuronlab.playground.frame.step >= 1500", timeout=20000
                )
                page.click("[data-testid=pause]")
                page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
            elif tab == "lesson":  # the gallery and the descent chapter draw once the server's numbers are in
                page.wait_for_function("window.neuronlab.lesson.descent.facts !== null", timeout=20000)
            elif tab == "approximate":
                page.wait_for_function("window.neuronlab.approximate.frame !== null")
            elif tab == "backprop":
                page.wait_for_function("window.neuronlab.backprop.explanation !== null")
            page.wait_for_timeout(100)  # a frame for the resize observer
            # nothing scrolls sideways
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{tab} {size}"
            if tab != "backprop":
                check_canvases(page, ratio, f"{tab} {size}")
            page.screenshot(path=str(SCREENSHOTS / f"{tab}-{width}x{height}-dpr{ratio}.png"), full_page=True)
        page.click("[data-testid=tab-playground]")  # presentation mode, and a 2-D set
        page.click("[data-testid=presentation]")
        page.wait_for_timeout(150)
        check_canvases(page, ratio, f"presentation {size}")
        page.screenshot(path=str(SCREENSHOTS / f"presentation-{width}x{height}-dpr{ratio}.png"), full_page=True)
        page.click("[data-testid=presentation]")
        page.select_option("[data-testid=mode]", "dataset")
        page.select_option("[data-testid=dataset]", "spiral")
        page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
        page.click("[data-testid=train]")
        page.wait_for_function("window.neuronlab.playground.frame.step >= 1500", timeout=20000)
        page.click("[data-testid=pause]")
        page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
        page.wait_for_timeout(100)
        check_canvases(page, ratio, f"2-D set {size}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"2-D {size}"
        page.screenshot(path=str(SCREENSHOTS / f"playground-2d-{width}x{height}-dpr{ratio}.png"), full_page=True)
        page.set_viewport_size({"width": width + 200, "height": height})  # a resize redraws at the new size
        page.click("[data-testid=tab-lesson]")
        page.wait_for_timeout(100)
        check_canvases(page, ratio, f"lesson after resize {size}")
    finally:
        context.close()
    assert not problems, problems
