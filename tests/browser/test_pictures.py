"""The pictures stay readable while they change: every addend of the superposition whole through training,
legends off the data, diagram labels apart and at least 12 CSS px, colours told apart under colour-vision
deficiencies."""

import pytest

pytestmark = pytest.mark.slow  # minutes in a browser: not in the quick tier (-m 'not slow')

# Samples the superposition on every drawn frame for `ms` milliseconds while training: what the canvas says
# (data-clipped, data-output-fraction) and what the test measures itself from the drawn curves and panels.
SAMPLE = """async (ms) => {
  const p = window.neuronlab.playground, canvas = document.querySelector('[data-testid=contributions-view]');
  const samples = [], t0 = performance.now();
  let last = null;
  while (performance.now() - t0 < ms) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const sp = p.superposition;
    if (!sp || sp === last || !p.superpositionPanels) continue;
    last = sp;
    const [above, below] = p.superpositionPanels;
    // an addend is whole when every value lies inside its panel's data area
    const top = below.area.top, bottom = below.area.top + below.area.height;
    const clipped = sp.curves.filter((c) => c.y.some((v) => !(below.sy(v) >= top - 0.5 && below.sy(v) <= bottom + 0.5))).length;
    let low = Infinity, high = -Infinity;
    for (const v of sp.sum) { low = Math.min(low, v); high = Math.max(high, v); }
    const px = above.sy(low) - above.sy(high);
    const insideAbove = above.sy(low) <= above.area.top + above.area.height + 0.5 && above.sy(high) >= above.area.top - 0.5;
    samples.push({ step: p.frame.step, said: Number(canvas.dataset.clipped), saidFraction: Number(canvas.dataset.outputFraction),
                   clipped, fraction: px / above.panel.height, insideAbove, curves: sp.curves.length });
  }
  return samples;
}"""


def test_every_addend_stays_whole_and_the_output_fills_its_panel_while_training(page):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame && window.neuronlab.playground.superposition")
    frame = page.evaluate("window.neuronlab.playground.frame")
    assert frame["config"]["expr"] == "sin(3*x)" and frame["sizes"] == [1, 8, 1]
    page.click("[data-testid=train]")
    samples = page.evaluate(SAMPLE, 7000)
    page.click("[data-testid=pause]")
    steps = [s["step"] for s in samples]
    assert len(samples) >= 20 and steps[-1] - steps[0] > 1000, steps  # seconds of real training, many frames drawn
    for s in samples:
        assert s["curves"] == 8, s
        assert s["clipped"] == 0 and s["said"] == 0, s  # every addend wholly visible, and the canvas says so
        assert s["insideAbove"] and s["fraction"] >= 0.4, s  # the output fills at least 40 % of its own panel
        assert abs(s["saidFraction"] - s["fraction"]) < 0.002, s
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    page.wait_for_timeout(200)
    sp = page.evaluate("window.neuronlab.playground.superposition")
    output = page.evaluate("window.neuronlab.playground.frame.output")
    # the thick curve above is the sum of the addends below plus the bias, and it is the network's output
    assert max(abs(a - b) for a, b in zip(sp["sum"], output)) < 1e-4
    print(f"superposition: {len(samples)} frames from step {steps[0]} to {steps[-1]}, clipped 0 in all, output fills "
          f"{min(s['fraction'] for s in samples):.2f} to {max(s['fraction'] for s in samples):.2f} of its panel")
