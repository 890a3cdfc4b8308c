"""The facts the page draws with are Python's: static/facts.js is what neuronlab.facts writes."""

import json

import neuronlab as nl
from neuronlab import facts


def test_the_shipped_facts_file_is_what_python_writes():
    """Edit activations.py or lesson.py, and this fails until `python -m neuronlab.apps.facts` is run again."""
    assert facts.FILE.read_text(encoding="utf-8") == facts.module_text()


def test_the_facts_are_the_engines_definitions():
    written = facts.FILE.read_text(encoding="utf-8")
    data = json.loads(written[written.index("{") : written.rindex("}") + 1])
    engine = [a for a in data["activations"] if a["engine"]]
    assert [a["name"] for a in engine] == nl.activations.names()
    for entry in engine:
        act = nl.activations.get(entry["name"])
        assert (entry["description"], entry["slope"], entry["learnable"]) == (act.description, act.slope, act.learnable)
    assert [a["name"] for a in data["activations"] if not a["engine"]] == ["gaussian"]  # the lesson's own bump
    from neuronlab.apps.playground import session

    assert data["playground"]["limits"] == json.loads(json.dumps(session.limits()))  # the page's link check
    assert data["playground"]["limits"]["ranges"]["lr"] == [1e-6, 10.0, False]
    lesson = data["lesson"]
    assert lesson["exercise"] == [1.5, -0.5] == list(nl.lesson.EXERCISE)
    assert lesson["gates"]["NOT"] == [[-1.0], 0.5] and lesson["plane"] == [-0.5, 1.5]
    out = nl.lesson.xor_network().layers[1]
    assert lesson["xor_output"] == [[1.0, -1.0], -0.5] == [out.W.data[:, 0].tolist(), float(out.b.data[0])]


def test_explain_writes_each_activations_own_slope():
    net = nl.mlp([1, 2, 1], activation="tanh", seed=0)
    formulas = [text for layer in nl.explain(net, x=0.3, y=0.1).layers for _, text in layer["formulas"]]
    assert any("[1-a^2]" in text for text in formulas)


def test_the_playgrounds_starting_values_are_written_once_in_python():
    """facts.js carries every starting setting of session.DEFAULTS that a control shows; index.html holds none of
    them (app.js puts them in), so the page cannot start from other numbers than the server's."""
    import re

    from neuronlab.apps.playground import session

    written = facts.FILE.read_text(encoding="utf-8")
    data = json.loads(written[written.index("{") : written.rindex("}") + 1])
    assert data["playground"]["defaults"] == {k: v for k, v in session.DEFAULTS.items() if k != "csv"}
    page = (facts.FILE.parent / "index.html").read_text(encoding="utf-8")
    controls = [
        "target-expr",
        "domain-a",
        "domain-b",
        "points",
        "noise",
        "test-ratio",
        "lr",
        "batch",
        "l1",
        "l2",
        "stop-loss",
        "seed",
        "speed",
        "superposition-line",
    ]
    for control in controls:
        tag = re.search(rf'<input id="{control}"[^>]*>', page).group(0)
        assert " value=" not in tag, tag


def test_the_colours_are_pythons_and_the_css_keys_match_them():
    """views/colours.py is the one place the colours live: facts.js carries them to draw.js, and the lesson's
    little legend keys drawn in CSS (style.css .key) are the curves' colours (bend.js: neuron 1 blue for the
    activation and its slope, the network's red for the shape)."""
    import re

    from neuronlab.views import colours

    written = facts.FILE.read_text(encoding="utf-8")
    roles = {**colours.ROLES, "classes": colours.CLASSES}
    assert json.dumps(roles, ensure_ascii=False) in written and json.dumps(colours.PALETTE) in written
    draw = (facts.FILE.parent / "draw.js").read_text(encoding="utf-8")
    assert (
        "export const COLORS = FACTS.colours.roles;" in draw and "export const PALETTE = FACTS.colours.palette;" in draw
    )
    css = (facts.FILE.parent / "style.css").read_text(encoding="utf-8")
    key = re.search(r"\.key \{[^}]*border-top: 2px solid (#[0-9a-f]{6})", css).group(1)
    shape = re.search(r"\.key\.shape \{[^}]*border-top: 3px solid (#[0-9a-f]{6})", css).group(1)
    assert (key, shape) == (colours.PALETTE[0], colours.ROLES["network"])
