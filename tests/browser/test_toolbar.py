"""Honest numbers on the page: the toolbar's loss and status, implicit products, the approximate tab's target
while it builds, a CSV in its own units."""

import json
from urllib.parse import quote

import numpy as np
import pytest

from .conftest import shot

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')


def frame(page):
    return page.evaluate("window.neuronlab.playground.frame")


def test_the_status_is_ready_and_the_loss_is_the_training_sets_squared_rmse(page):
    page.click("[data-testid=tab-playground]")
    status = page.locator("[data-testid=status]")
    assert status.inner_text() == "ready"  # nothing has been trained, so nothing is paused
    label = page.locator("[data-testid=loss-label]")
    assert label.inner_text().startswith("training loss")
    meaning = label.get_attribute("title")
    assert "all 200 training points" in meaning and "no ½" in meaning and "RMSE squared" in meaning
    page.click("[data-testid=train]")
    page.wait_for_function("Number(document.querySelector('[data-testid=step-count]').textContent) > 500")
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    f = frame(page)
    # the loss and the RMSE beside it are of the same weights (float32 frames: 7 digits)
    assert f["measured_step"] == f["step"]
    assert abs(f["loss"] - f["metrics"]["train_rmse"] ** 2) <= 1e-6 * f["loss"]
    assert page.inner_text("[data-testid=loss]") == page.evaluate(
        "window.neuronlab.playground.frame.loss.toPrecision(4)"
    )
    rmse = float(page.inner_text("[data-testid=metrics]").split("RMSE ")[1].split(" ")[0])
    assert abs(float(page.inner_text("[data-testid=loss]")) - rmse**2) <= 2 * rmse * 0.0005 + 1e-6
    assert status.inner_text() == "paused"
    page.click("[data-testid=reset]")
    status.filter(has_text="ready").wait_for()


def test_a_number_before_a_name_says_where_the_star_goes(page):
    page.click("[data-testid=tab-playground]")
    page.fill("[data-testid=target-expr]", "sin(3x)")
    page.press("[data-testid=target-expr]", "Enter")
    error = page.locator("[data-testid=error]")
    error.wait_for(state="visible")
    assert error.inner_text().startswith("write 3*x for 3 times x at column 5")
    shot(page, "playground-implicit-product")
    page.fill("[data-testid=target-expr]", "sin(3*x)")
    page.press("[data-testid=target-expr]", "Enter")
    error.wait_for(state="hidden")


def blank(page) -> bool:
    """Whether the approximate tab's canvas has no drawn pixel (all transparent or white)."""
    return page.evaluate("""() => {
      const c = document.querySelector('[data-testid=ap-graph]');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250)) return false;
      return true;
    }""")


def test_the_approximate_tab_draws_the_target_while_a_slow_build_runs(browser, live_server):
    """A build of hundreds of step neurons takes seconds: the target and its band are drawn at once, before it
    ends (on the first visit there is no earlier network on the canvas)."""
    setup = {"expr": "sin(3*x)", "domain": [-3, 3], "activation": "step", "eps": 0.01}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/#tab=approximate&a={quote(json.dumps(setup))}")
        page.wait_for_selector("[data-testid=ap-graph][data-shows=target]", timeout=10_000)
        building = page.evaluate("window.neuronlab.approximate.building")
        assert building is not None and page.evaluate("window.neuronlab.approximate.frame") is None
        assert not blank(page)
        assert page.locator("[data-testid=ap-adopt]").is_disabled()
        shot(page, "approximate-target-while-building")
        page.click("[data-testid=ap-cancel]")
        page.locator("[data-testid=ap-building]").filter(has_text="cancelled").wait_for()
        assert page.locator("[data-testid=ap-summary]").is_hidden()  # no certificate without a network
        page.fill("#ap-b", "-2")  # a quick one: the target first, then the network over it
        page.evaluate("document.getElementById('ap-eps').value = -1")
        page.select_option("[data-testid=ap-activation]", "relu")  # (a change builds; step networks can't train)
        page.wait_for_selector("[data-testid=ap-graph][data-shows=network]")
        assert page.evaluate("window.neuronlab.approximate.frame.eps") == 0.1
        assert not page.locator("[data-testid=ap-adopt]").is_disabled()
        assert "hidden neurons" in page.inner_text("[data-testid=ap-summary]")
        page.fill("#ap-b", "3")  # while the next (slow) one builds, the last one's certificate is put away
        page.evaluate("document.getElementById('ap-eps').value = -2")
        page.select_option("[data-testid=ap-activation]", "step")
        page.wait_for_selector("[data-testid=ap-graph][data-shows=target]")
        assert page.locator("[data-testid=ap-summary]").is_hidden()
        page.click("[data-testid=ap-cancel]")  # cancelled: the last network and its certificate are back
        page.wait_for_selector("[data-testid=ap-graph][data-shows=network]")
        assert page.locator("[data-testid=ap-summary]").is_visible()
        assert page.evaluate("window.neuronlab.approximate.frame.activation") == "relu"
    finally:
        context.close()


def test_a_csv_of_very_different_scales_is_shown_in_its_own_units(page, tmp_path):
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(0, 5000, 200), rng.uniform(0, 0.002, 200)
    y = 300 * np.sin(x1 / 800) + 2e5 * x2 + 1000
    (tmp_path / "wide.csv").write_text(
        "distance,dose,price\n" + "".join(f"{a:.3f},{b:.7f},{c:.4f}\n" for a, b, c in zip(x1, x2, y))
    )
    page.click("[data-testid=tab-playground]")
    page.select_option("#mode", "csv")
    page.set_input_files("#csv-file", str(tmp_path / "wide.csv"))
    note = page.locator("[data-testid=csv-note]")
    note.filter(has_text="Inputs and target standardised on the training rows, as nl.fit does").wait_for()
    assert "in the CSV's own units" in page.get_attribute("[data-testid=loss-label]", "title")
    page.click("[data-testid=train]")
    page.wait_for_function(
        "Number(document.querySelector('[data-testid=step-count]').textContent) > 2000", timeout=30_000
    )
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    f = frame(page)
    assert f["scaled"] and f["metrics"]["train_rmse"] < 0.2 * np.std(y)  # unscaled it stayed above std(y)
    assert abs(f["loss"] - f["metrics"]["train_rmse"] ** 2) <= 1e-6 * f["loss"]
    shot(page, "playground-wide-csv")
