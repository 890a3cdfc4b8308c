"""The pictures stay readable while they change: every addend of the superposition whole through training,
legends off the data, diagram labels apart and at least 12 CSS px, colours told apart under colour-vision
deficiencies."""

import json
import re

import numpy as np
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
        assert abs(s["saidFraction"] - s["fraction"]) < 0.01, s  # (as drawn; a resize redraws it a hair apart)
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    page.wait_for_timeout(200)
    sp = page.evaluate("window.neuronlab.playground.superposition")
    output = page.evaluate("window.neuronlab.playground.frame.output")
    # the thick curve above is the sum of the addends below plus the bias, and it is the network's output
    assert max(abs(a - b) for a, b in zip(sp["sum"], output)) < 1e-4
    print(
        f"superposition: {len(samples)} frames from step {steps[0]} to {steps[-1]}, clipped 0 in all, output fills "
        f"{min(s['fraction'] for s in samples):.2f} to {max(s['fraction'] for s in samples):.2f} of its panel"
    )


SIZES = {
    "1280x800@2": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 2},
    "1024x768": {"viewport": {"width": 1024, "height": 768}, "device_scale_factor": 1},
    "390x844@3": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3},
}


@pytest.fixture(params=list(SIZES))
def sized(request, browser, live_server):
    """A fresh tab on the page at one of the three screens; fails the test if the page logged an error."""
    context = browser.new_context(**SIZES[request.param])
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(live_server + "/")
    page.wait_for_function("window.neuronlab && document.getElementById('connection').textContent === 'connected'")
    page.size = request.param
    yield page
    context.close()
    assert not problems, f"console errors: {problems}"


def set_exercise_weights(page, w11=1.5, w21=-0.5):
    page.evaluate(
        """([w11, w21]) => { for (const [id, v] of [['w11', w11], ['w21', w21]]) {
      const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input', { bubbles: true })); } }""",
        [w11, w21],
    )


def train_for(page, seconds):
    page.click("[data-testid=tab-playground]")
    page.wait_for_function("window.neuronlab.playground.frame")
    page.click("[data-testid=train]")
    page.wait_for_timeout(int(1000 * seconds))
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    page.wait_for_timeout(300)


# every plot on screen: the plotted pixels (curves sampled every 2 px, points) under each panel's legend box
LEGENDS = """async () => {
  const d = await import('/static/draw.js');
  return [...document.querySelectorAll('canvas')].filter((c) => c.getBoundingClientRect().width > 0 && d.plotLayout(c))
    .map((c) => {
      const layout = d.plotLayout(c);
      return { id: c.id || `small multiple ${c.dataset.neuron}`, legends: layout.panels.filter((p) => p.legendBox).length,
        cut: layout.panels.filter((p) => p.legendBox && (p.legendBox.x < 0 || p.legendBox.x + p.legendBox.width > layout.width + 0.5)).length,
        under: layout.panels.flatMap((p) => (p.legendBox ? p.points.filter(([x, y]) => x >= p.legendBox.x
          && x <= p.legendBox.x + p.legendBox.width && y >= p.legendBox.y && y <= p.legendBox.y + p.legendBox.height) : [])) };
    });
}"""


def legends_clear(page, expected):
    drawn = {c["id"]: c for c in page.evaluate(LEGENDS)}
    for canvas_id in expected:
        assert canvas_id in drawn and drawn[canvas_id]["legends"] >= 1, (page.size, canvas_id, list(drawn))
    for canvas in drawn.values():
        assert not canvas["under"], (page.size, canvas["id"], canvas["under"][:5])  # no data under any legend
        assert not canvas["cut"], (page.size, canvas["id"])  # and no legend runs off its canvas
    return drawn


def test_no_legend_lies_on_the_data(sized):
    page = sized
    page.click("[data-testid=tab-lesson]")
    set_exercise_weights(page)
    page.click("[data-testid=reveal]")
    legends_clear(page, ["h1-graph", "h2-graph", "out-graph", "answer-graph", "challenge"])
    train_for(page, 2)
    drawn = legends_clear(page, ["output-view", "contributions-view", "loss-view"])
    assert any(name.startswith("small multiple") for name in drawn)
    page.click("[data-testid=tab-approximate]")
    page.wait_for_function("window.neuronlab.approximate.frame !== null")
    legends_clear(page, ["ap-graph"])


def test_the_exercise_addend_is_seen_over_the_output(sized):
    """With w11 = 1.5 and w21 = -0.5, 1.5·h1 equals the output between the thresholds: its dashed blue must show
    there, drawn over the red output (not under it)."""
    page = sized
    page.click("[data-testid=tab-lesson]")
    set_exercise_weights(page)
    found = page.evaluate("""async () => {
      const canvas = document.getElementById('out-graph'), box = canvas.getBoundingClientRect();
      canvas.scrollIntoView();
      const context = canvas.getContext('2d'), scale = canvas.width / box.width;
      const layout = (await import('/static/draw.js')).plotLayout(canvas), area = layout.panels[0].area;
      // the flat part of the output between the thresholds s1 = -1 and s2 = 1, at y = 1.5: find its row
      let blue = 0, red = 0;
      for (let x = area.left + area.width * 0.40; x < area.left + area.width * 0.60; x += 1) {
        const column = context.getImageData(Math.round(x * scale), Math.round(area.top * scale), 1, Math.round(area.height * scale)).data;
        for (let k = 0; k < column.length; k += 4) {
          const [r, g, b] = [column[k], column[k + 1], column[k + 2]];
          if (b > 150 && r < 90) blue++;   // #1f77b4
          if (r > 180 && g < 90 && b < 90) red++;  // #d62728
        }
      }
      return { blue, red };
    }""")
    assert found["blue"] > 0.2 * found["red"] > 0, found


# every label of a diagram: its box on screen, its font size as rendered (CSS px), and every node's box
LABELS = """(id) => {
  const svg = document.getElementById(id), scale = svg.getScreenCTM().a;
  const texts = [...svg.querySelectorAll('text')].filter((t) => t.textContent.trim() && t.getBoundingClientRect().width > 0);
  const box = (e) => { const b = e.getBoundingClientRect(); return { x: b.left, y: b.top, w: b.width, h: b.height }; };
  return { svg: box(svg), labels: texts.map((t) => ({ text: t.textContent, font: parseFloat(getComputedStyle(t).fontSize) * scale, ...box(t) })),
           nodes: [...svg.querySelectorAll('circle')].map((c) => ({ text: `node ${c.dataset.layer},${c.dataset.neuron}`, ...box(c) })) };
}"""


def labels_apart(page, svg_id, where):
    drawn = page.evaluate(LABELS, svg_id)
    labels, nodes = drawn["labels"], drawn["nodes"]
    assert labels, (page.size, where)

    def hit(a, b):
        return (
            a["x"] < b["x"] + b["w"] - 0.5
            and b["x"] < a["x"] + a["w"] - 0.5
            and a["y"] < b["y"] + b["h"] - 0.5
            and b["y"] < a["y"] + a["h"] - 0.5
        )

    for i, a in enumerate(labels):
        assert a["font"] >= 12 - 1e-6, (page.size, where, a)
        for b in labels[i + 1 :] + nodes:
            assert not hit(a, b), (page.size, where, a["text"], b["text"])
        s = drawn["svg"]
        assert s["x"] <= a["x"] + 0.5 and a["x"] + a["w"] <= s["x"] + s["w"] + 0.5, (page.size, where, a)
        assert s["y"] <= a["y"] + 0.5 and a["y"] + a["h"] <= s["y"] + s["h"] + 0.5, (page.size, where, a)
    return labels


def test_diagram_labels_never_overlap_and_are_at_least_12_px(sized):
    page = sized
    page.click("[data-testid=tab-lesson]")
    for w11, w21 in [(1.0, 1.0), (1.5, -0.5), (-2.0, 2.0)]:
        set_exercise_weights(page, w11, w21)
        texts = [
            label["text"].replace("\u2212", "-")
            for label in labels_apart(page, "pair-diagram", f"lesson pair {w11}, {w21}")
        ]
        assert f"w11 = {w11:.1f}" in texts and "out" in texts and "h1" in texts
    train_for(page, 2)
    texts = [label["text"] for label in labels_apart(page, "diagram", "playground 1-8-1")]
    assert sum(t.startswith("×") for t in texts) == 8  # each neuron's weight beside its picture
    page.click("[data-testid=add-layer]")
    page.click("[data-testid=add-layer]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes.length === 5")
    train_for(page, 1)
    labels_apart(page, "diagram", "playground 1-8-4-4-1")
    for _ in range(5):  # eight hidden layers: on a phone the column headers take two lines
        page.click("[data-testid=add-layer]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes.length === 10")
    train_for(page, 1)
    labels_apart(page, "diagram", "playground, 8 hidden layers")
    page.click("[data-testid=tab-backprop]")
    page.click("[data-testid=bp-explain]")
    for stage in range(8):
        page.wait_for_timeout(500)  # (the diagram's transitions)
        labels_apart(page, "bp-diagram", f"backprop stage {stage}")
        page.click("[data-testid=bp-next]")


def test_the_two_input_heat_map_is_a_light_tint_under_points_in_their_class_colours(page):
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "dataset")
    page.select_option("[data-testid=dataset]", "spiral")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    train_for(page, 2)
    found = page.evaluate("""() => {
      const p = window.neuronlab.playground, canvas = document.getElementById('output-view'), t = p.outputTransform;
      const context = canvas.getContext('2d'), scale = canvas.width / canvas.getBoundingClientRect().width;
      const pixel = (x, y) => Array.from(context.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data).slice(0, 3);
      const points = p.points, predicted = p.frame.predicted, [e0, e1] = p.frame.extent;
      const at = points.map(([x, y]) => [t.px(x), t.py(y)]), line = t.py(p.frame.slice_line);
      // the heat map where no point, cross or dashed line is: a grid of samples over the data area
      const heat = [];
      for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
        const x = t.px(e0 + (i / 40) * (e1 - e0)), y = t.py(e0 + (j / 40) * (e1 - e0));
        if (Math.abs(y - line) < 4 || at.some(([a, b]) => Math.hypot(a - x, b - y) < 12)) continue;
        heat.push(pixel(x, y));
      }
      // the points: the centre of each point alone (no other within 8 px), rightly classified (no cross)
      const centres = points.map(([x, y, c], i) => ({ i, c, xy: at[i] })).filter(({ i, xy }) => predicted[i] === points[i][2]
        && at.every((other, k) => k === i || Math.hypot(other[0] - xy[0], other[1] - xy[1]) > 8))
        .map(({ c, xy }) => ({ c, rgb: pixel(...xy), want: p.classColors[c % 4] }));
      return { heat, centres, caption: document.getElementById('output-caption').textContent };
    }""")
    assert len(found["heat"]) > 200
    darkest = min(min(rgb) for rgb in found["heat"])
    classes = page.evaluate("window.neuronlab.playground.classColors")[:2]
    floor = min(255 - 0.42 * (255 - int(colour[k : k + 2], 16)) for colour in classes for k in (1, 3, 5))
    assert darkest >= floor > 140, (darkest, floor)  # a light tint: no channel past 40 % of the way to its class colour
    assert len(found["centres"]) >= 5, found["centres"]
    for point in found["centres"]:
        want = [int(point["want"][k : k + 2], 16) for k in (1, 3, 5)]
        assert max(abs(a - b) for a, b in zip(point["rgb"], want)) <= 12, point  # filled with its class colour
    assert "test points (held out) with a thick outline" in found["caption"]


def test_the_playground_reads_left_to_right_data_network_output(sized):
    """As in TensorFlow Playground: the data and its features (the panel), then the network (inputs, hidden
    layers, outputs), then what it computes, in one row from left to right; on a phone, one above the next."""
    page = sized
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "dataset")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    box = {
        name: page.locator(f"[data-testid={testid}]").bounding_box()
        for name, testid in (("data", "dataset-thumbnails"), ("network", "diagram"), ("output", "output-view"))
    }
    if page.viewport_size["width"] > 760:
        assert box["data"]["x"] + box["data"]["width"] <= box["network"]["x"], box
        assert box["network"]["x"] + box["network"]["width"] <= box["output"]["x"], box
        assert abs(box["network"]["y"] - box["output"]["y"]) < 10, box  # on one row
    else:  # one column: the pictures above the settings, the network above what it computes
        assert box["network"]["y"] + box["network"]["height"] <= box["output"]["y"], box
    # the diagram's columns run from the inputs to the outputs, left to right
    headers = page.evaluate(
        """() => [...document.querySelectorAll('#diagram text')].filter((t) => / (in|tanh|linear)$/.test(t.textContent))
          .map((t) => [t.textContent, t.getBoundingClientRect().left])"""
    )
    assert [text for text, _ in sorted(headers, key=lambda h: h[1])][0].endswith(" in")
    assert [text for text, _ in sorted(headers, key=lambda h: h[1])][-1].endswith(" linear")


POINT_PIXELS = """() => {
  const p = window.neuronlab.playground, canvas = document.getElementById('output-view'), t = p.outputTransform;
  const context = canvas.getContext('2d'), scale = canvas.width / canvas.getBoundingClientRect().width;
  const pixel = ([x, y]) => Array.from(context.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data).slice(0, 3);
  const at = p.points.map(([x, y]) => [t.px(x), t.py(y)]);
  const alone = (xy, i, others) => others.every((o, k) => k === i || Math.hypot(o[0] - xy[0], o[1] - xy[1]) > 10);
  return { at, colours: p.points.map(([, , c]) => p.classColors[c % 4]),
           centres: at.map((xy, i) => alone(xy, i, at) && p.frame.predicted[i] === p.points[i][2] ? pixel(xy) : null) };
}"""


def test_the_points_follow_a_new_data_set(page):
    """The points are rastered once and copied onto each frame's map (draw.js, pointsKey): a new data set (new
    points) must show its own points, and none of the old ones may stay behind."""
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "dataset")
    page.select_option("[data-testid=dataset]", "spiral")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    train_for(page, 1)
    before = page.evaluate(POINT_PIXELS)
    first = page.evaluate("window.neuronlab.playground.points[0][0]")
    page.select_option("[data-testid=dataset]", "xor")
    page.wait_for_function("(first) => window.neuronlab.playground.points[0][0] !== first", arg=first)
    train_for(page, 1)
    after = page.evaluate(POINT_PIXELS)
    rgb = lambda colour: [int(colour[k : k + 2], 16) for k in (1, 3, 5)]  # noqa: E731
    shown = [(pixel, rgb(colour)) for pixel, colour in zip(after["centres"], after["colours"]) if pixel]
    assert len(shown) >= 5 and all(max(abs(a - b) for a, b in zip(pixel, want)) <= 12 for pixel, want in shown)
    # where a spiral point was and no xor point is near, the map's light tint shows, not a point's full colour
    canvas_pixels = page.evaluate(
        """(spots) => { const canvas = document.getElementById('output-view'), context = canvas.getContext('2d');
          const scale = canvas.width / canvas.getBoundingClientRect().width;
          return spots.map(([x, y]) => Array.from(context.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data).slice(0, 3)); }""",
        [xy for xy in before["at"] if all(abs(xy[0] - o[0]) + abs(xy[1] - o[1]) > 16 for o in after["at"])][:40],
    )
    assert len(canvas_pixels) >= 10
    full = [rgb(colour) for colour in set(before["colours"])]
    for pixel in canvas_pixels:
        assert all(max(abs(a - b) for a, b in zip(pixel, want)) > 40 for want in full), pixel


# ---------------------------------------------------------------- colours under colour-vision deficiencies

# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
# deficiency", severity 1.0 matrices, applied to linear RGB
CVD = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
TOLD_APART = 20.0  # CIELAB ΔE*76 between colours that must be told apart, under every simulation
NOT_CONFUSED = 15.0  # ΔE*76 (normal vision) between colours of two meanings drawn side by side


def lab(hex_colour, deficiency="normal"):
    """CIELAB (D65) of an sRGB colour as seen with the deficiency."""
    srgb = np.array([int(hex_colour[k : k + 2], 16) for k in (1, 3, 5)]) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(CVD[deficiency] @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a, b, deficiency="normal"):
    return float(np.linalg.norm(lab(a, deficiency) - lab(b, deficiency)))


def test_lab_and_the_simulation_are_the_published_ones():
    np.testing.assert_allclose(lab("#ffffff"), [100, 0, 0], atol=0.05)
    np.testing.assert_allclose(lab("#ff0000"), [53.24, 80.09, 67.20], atol=0.05)  # sRGB red in CIELAB
    # protanopia and deuteranopia take red and green to nearly the same colour, tritanopia keeps them apart
    assert delta_e("#d62728", "#2ca02c", "protanopia") < 0.5 * delta_e("#d62728", "#2ca02c")
    assert delta_e("#d62728", "#2ca02c", "tritanopia") > 0.7 * delta_e("#d62728", "#2ca02c")


def test_each_meaning_has_its_own_colours_told_apart_under_colour_vision_deficiencies(page):
    colours = page.evaluate("""async () => {
      const d = await import('/static/draw.js'), pair = await import('/static/pair.js');
      return { COLORS: d.COLORS, palette: d.PALETTE, neurons: pair.NEURON_COLORS,
               classes: window.neuronlab.playground.classColors };
    }""")
    c = colours["COLORS"]
    assert colours["classes"] == c["classes"]  # the playground's classes are draw.js's
    assert colours["neurons"] == colours["palette"][:2]  # the lesson's h1 and h2 are neurons 1 and 2 everywhere
    meanings = {
        "weight sign": [c["positive"], c["negative"]],
        "class": c["classes"],
        "yes / no": [c["yes"], c["no"]],
        "neuron 1 / 2": colours["palette"][:2],
        "output / target": [c["network"], c["target"]],
        "training / test": [c["network"], c["test"]],
    }
    for meaning, group in meanings.items():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                for deficiency in CVD:
                    assert delta_e(a, b, deficiency) >= TOLD_APART, (
                        meaning,
                        a,
                        b,
                        deficiency,
                        delta_e(a, b, deficiency),
                    )
    # no colour means two things, and the meanings drawn together are not confused with each other
    own = {
        "weight sign": meanings["weight sign"],
        "class": c["classes"],
        "yes / no": meanings["yes / no"],
        "neurons": colours["palette"],
        "output": [c["network"]],
        "target": [c["target"]],
        "test": [c["test"]],
    }
    for first, a_group in own.items():
        for second, b_group in own.items():
            if first < second:
                assert not set(a_group) & set(b_group), (first, second)
    side_by_side = [
        ("weight sign", "neurons"),
        ("weight sign", "class"),
        ("class", "neurons"),
        ("yes / no", "neurons"),
        ("test", "output"),
        ("class", "test"),
    ]
    for first, second in side_by_side:
        group_b = own[second] if second != "neurons" else colours["palette"][:2]
        for a in own[first]:
            for b in group_b:
                assert delta_e(a, b) >= NOT_CONFUSED, (first, second, a, b, delta_e(a, b))


def test_approximate_draws_the_neuron_added_last_and_says_the_certificate_in_plain_words(page):
    page.click("[data-testid=tab-approximate]")
    page.wait_for_function("window.neuronlab.approximate.frame !== null")
    frame = page.evaluate("window.neuronlab.approximate.frame")
    assert frame["counts"] == list(range(1, frame["neurons"] + 1))  # (under 200 neurons: every count is shown)
    for k in (1, 2, frame["neurons"] // 2, frame["neurons"]):
        page.fill("[data-testid=ap-shown]", str(k))
        own = page.evaluate("window.neuronlab.approximate.shown.own")
        before = np.array(frame["cumulative"][k - 2]) if k > 1 else np.full(len(frame["grid"]), frame["bias"])
        # the neuron drawn alone is exactly what adding it changed in the partial sum
        np.testing.assert_allclose(own, np.array(frame["cumulative"][k - 1]) - before, atol=1e-9)
        assert np.ptp(own) > 0  # a ramp or step, not a flat line
    text = page.inner_text("[data-testid=ap-summary]")
    plain = text.split("\n")[0]
    checked, sampled = (
        int(n.replace(",", "")) for n in re.search(r"checked at ([\d,]+) points .*the ([\d,]+) points", plain).groups()
    )
    assert checked == 10 * (sampled - 1) + 1  # the samples and 9 more in each of their gaps: as the engine checks
    within = float(re.search(r"within ([\d.e-]+) of", plain).group(1))
    assert frame["sup_error"] <= within <= frame["eps"] and within <= 1.01 * frame["sup_error"]
    assert f"inside eps = {frame['eps']:g}" in plain and "hidden neurons" in text  # the details follow


PICTURES_SAID = """() => [...document.querySelectorAll('canvas, svg')].filter((e) => e.getBoundingClientRect().width > 0
  && !e.closest('[hidden]')).map((e) => ({ id: e.id || e.dataset.testid || e.dataset.neuron || e.tagName,
  role: e.getAttribute('role'), label: e.getAttribute('aria-label') || '' }))"""


def test_every_picture_says_what_it_shows_and_keeps_it_current(page):
    said = {}
    for tab in ("lesson", "playground", "approximate"):
        page.click(f"[data-testid=tab-{tab}]")
        if tab == "approximate":
            page.wait_for_function("window.neuronlab.approximate.frame !== null")
        page.wait_for_timeout(500)
        for picture in page.evaluate(PICTURES_SAID):
            assert picture["role"] == "img" and len(picture["label"]) > 20, (tab, picture)
            said[picture["id"]] = picture["label"]
    assert {"output-view", "contributions-view", "loss-view", "diagram", "ap-graph", "desc-map", "d-plane"} <= set(said)
    # the playground's pictures say the numbers of the moment, and follow training
    train_for(page, 1.5)
    first = page.evaluate(PICTURES_SAID)
    step = page.inner_text("[data-testid=step-count]")
    metrics = page.inner_text("[data-testid=metrics]").split(" · ")[0]  # "RMSE 0.123"
    output = next(p["label"] for p in first if p["id"] == "output-view")
    assert f"after {step} steps" in output and metrics in output, (output, step, metrics)
    assert "each whole" in next(p["label"] for p in first if p["id"] == "contributions-view")
    page.click("[data-testid=train]")
    page.wait_for_function(f"window.neuronlab.playground.frame.step > {int(step) + 500}")
    page.click("[data-testid=pause]")
    page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    page.wait_for_timeout(300)
    later = next(p["label"] for p in page.evaluate(PICTURES_SAID) if p["id"] == "output-view")
    assert f"after {page.inner_text('[data-testid=step-count]')} steps" in later and later != output


def test_the_descent_map_start_point_moves_with_the_arrow_keys(page):
    page.click("[data-testid=tab-lesson]")
    page.wait_for_function("window.neuronlab.lesson.descent.path.length > 0")
    start = page.evaluate("window.neuronlab.lesson.descent.path[0].w")
    page.focus("[data-testid=descent-map]")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowUp")
    moved = page.evaluate("window.neuronlab.lesson.descent.path")
    assert len(moved) == 1  # a new start: the walk begins again there
    np.testing.assert_allclose(moved[0]["w"], [start[0] + 0.2, start[1] + 0.5], atol=1e-9)
    label = page.get_attribute("[data-testid=descent-map]", "aria-label")
    assert f"from ({moved[0]['w'][0]:.2f}, {moved[0]['w'][1]:.2f})" in label and "Arrow keys" in label
    page.click("[data-testid=descent-step]")  # and the walk goes on from there
    assert len(page.evaluate("window.neuronlab.lesson.descent.path")) == 2


def test_every_node_of_every_layer_up_to_16_wide_has_its_picture(page):
    page.click("[data-testid=tab-playground]")
    page.click("[data-testid=add-layer]")  # 1-8-4-1
    page.wait_for_function("window.neuronlab.playground.frame.sizes.length === 4")
    page.click("[data-testid=neurons-plus-1]")
    page.wait_for_function("window.neuronlab.playground.frame.sizes[2] === 5")
    train_for(page, 1)
    frame = page.evaluate("window.neuronlab.playground.frame")
    assert frame["sizes"] == [1, 8, 5, 1]
    pictures = page.evaluate("""() => [...document.querySelectorAll('[data-testid=diagram] g.picture')].map((g) => {
      const box = g.getBoundingClientRect(); return { x: box.left, y: box.top, w: box.width, h: box.height }; })""")
    assert len(pictures) == 1 + 8 + 5  # the input, both hidden layers; the output is the output view itself
    # each node's own values: the input is x itself, a hidden neuron its activation along x (25 points)
    node = frame["node_pictures"]
    assert [len(layer) for layer in node] == [1, 8, 5]
    np.testing.assert_allclose(node[0][0], np.array(frame["grid"])[::8], atol=1e-6)
    W1, b1 = np.array(frame["weights"][0]), np.array(frame["biases"][0])
    np.testing.assert_allclose(node[1], np.tanh(np.array(frame["grid"])[::8, None] @ W1 + b1).T, atol=1e-5)
    # no two pictures overlap
    for i, a in enumerate(pictures):
        for b in pictures[i + 1 :]:
            assert not (
                a["x"] < b["x"] + b["w"] - 0.5
                and b["x"] < a["x"] + a["w"] - 0.5
                and a["y"] < b["y"] + b["h"] - 0.5
                and b["y"] < a["y"] + a["h"] - 0.5
            ), (a, b)


def test_a_data_set_is_chosen_from_its_thumbnail(page):
    page.click("[data-testid=tab-playground]")
    page.select_option("[data-testid=mode]", "dataset")
    page.wait_for_function("window.neuronlab.playground.frame.task === 'classification'")
    thumbnails = page.locator("[data-testid=dataset-thumbnails] button")
    names = [
        o.strip() for o in page.eval_on_selector_all("[data-testid=dataset] option", "os => os.map((o) => o.value)")
    ]
    assert thumbnails.count() == len(names) == 5
    assert page.get_attribute("[data-testid=thumbnail-circle]", "aria-pressed") == "true"
    assert "120 points of 2 classes" in page.get_attribute("[data-testid=thumbnail-circle] canvas", "aria-label")
    page.click("[data-testid=thumbnail-xor]")
    page.wait_for_function("window.neuronlab.playground.frame.config.dataset === 'xor'")
    assert page.input_value("[data-testid=dataset]") == "xor"
    page.wait_for_function(
        "document.querySelector('[data-testid=thumbnail-xor]').getAttribute('aria-pressed') === 'true'"
    )
    assert page.get_attribute("[data-testid=thumbnail-circle]", "aria-pressed") == "false"
    page.focus("[data-testid=thumbnail-three-gaussians]")  # buttons: the keyboard chooses too
    page.keyboard.press("Enter")
    page.wait_for_function("window.neuronlab.playground.frame.config.dataset === 'three gaussians'")
    assert "of 3 classes" in page.get_attribute("[data-testid=thumbnail-three-gaussians] canvas", "aria-label")


SMALL_HASH = """() => { const c = document.querySelector('#hidden-views canvas'), d = c.getContext('2d')
  .getImageData(0, 0, c.width, c.height).data; let h = 0; for (let i = 0; i < d.length; i += 3) h = (h * 31 + d[i]) | 0;
  return h; }"""


def test_small_graphs_below_the_fold_wait_while_training_and_follow_once_seen(browser, live_server):
    """Every redrawn canvas costs the compositor a copy: while training, the small graphs are redrawn only when
    they are on the screen; scrolled into view, the next frames draw them."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    try:
        setup = {"mode": "dataset", "dataset": "spiral", "layers": [8]}
        page.goto(live_server + "/#tab=playground&p=" + json.dumps(setup))
        page.wait_for_function("window.neuronlab && window.neuronlab.playground.frame?.task === 'classification'")
        page.evaluate("window.scrollTo(0, 0)")
        assert page.evaluate("document.getElementById('hidden-views').getBoundingClientRect().top > window.innerHeight")
        page.click("[data-testid=train]")
        page.wait_for_function("window.neuronlab.playground.frame.step > 300")
        first = page.evaluate(SMALL_HASH)
        page.wait_for_timeout(700)
        assert page.evaluate(SMALL_HASH) == first  # off the screen: not redrawn while training
        page.locator("#hidden-views").scroll_into_view_if_needed()
        page.wait_for_function(f"({SMALL_HASH})() !== {first}")  # in view: the frames draw it again
        page.click("[data-testid=pause]")
        page.wait_for_function("window.neuronlab.playground.frame.status === 'paused'")
    finally:
        context.close()
