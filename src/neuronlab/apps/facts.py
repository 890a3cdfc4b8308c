"""The definitions the page and the notebook widgets draw with, written once by Python.

The activations (names, what each is, its slope as a formula, whether it trains), the playground's starting
settings and bounds (``playground.session``), the colours and their meanings (``views/colours.py``) and the lesson's fixed numbers (the gates, the decision plane, XOR, the exercise's weights, the thresholds) live in Python
(``activations.py``, ``lesson.py``). ``python -m neuronlab.apps.facts`` writes them into ``static/facts.js``, a
JavaScript module holding one JSON object, which the page imports, the widgets ship with the drawing code, and
a static copy of the lesson can inline. A test holds the file to these definitions, so the two cannot drift.

    >>> definitions()["lesson"]["exercise"]
    [1.5, -0.5]
"""

from __future__ import annotations

import json
from pathlib import Path

from neuronlab.engine import activations
from neuronlab.apps import lesson
from neuronlab.views import colours

FILE = Path(__file__).with_name("playground") / "static" / "facts.js"
HEADER = (
    "// Written by `python -m neuronlab.apps.facts` from neuronlab's Python definitions (facts.py): do not edit.\n"
    "// The activations and the lesson's fixed numbers, for the page, the notebook widgets and the static lesson.\n"
)


NOT_CONTROLS = ("csv",)  # settings of session.DEFAULTS no control of the page shows (a CSV file is chosen, not typed)


def _activation(act, engine: bool) -> dict:
    return {
        "name": act.name,
        "description": act.description,
        "slope": act.slope,
        "learnable": act.learnable,
        "engine": engine,
    }


def definitions() -> dict:
    """{"activations": [...], "lesson": {...}}: every activation ``nl.activations`` knows (``engine``: true) and
    the lesson's gallery-only gaussian, then the lesson's fixed numbers."""
    engine = [_activation(activations.get(name), True) for name in activations.names()]
    extra = [_activation(lesson.activation(name), False) for name in lesson.GALLERY if name not in activations.names()]
    xor_output = lesson.xor_network().layers[1]  # the output neuron that combines OR and AND into XOR
    from neuronlab.apps.playground.session import (
        DEFAULTS,
        limits,
    )  # the playground's starting settings and bounds: the server's

    return {
        "activations": engine + extra,
        # every starting value of the playground's controls (the page puts them in: index.html holds none)
        "playground": {
            "defaults": {key: value for key, value in DEFAULTS.items() if key not in NOT_CONTROLS},
            "limits": limits(),
        },
        # one meaning per colour (views/colours.py): draw.js's COLORS and PALETTE, the Python figures' colours
        "colours": {
            "roles": {**colours.ROLES, "classes": colours.CLASSES},
            "palette": colours.PALETTE,
            "names": colours.NAMES,
        },
        "lesson": {
            "gates": {name: [list(w), b] for name, (w, b) in lesson.GATES.items()},
            "corners": lesson.CORNERS.tolist(),
            "xor_target": lesson.XOR_TARGET.tolist(),
            "xor_output": [xor_output.W.data[:, 0].tolist(), float(xor_output.b.data[0])],
            "plane": list(lesson.PLANE),
            "thresholds": list(lesson.THRESHOLDS),
            "domain": list(lesson.DOMAIN),
            "exercise": list(lesson.EXERCISE),
        },
    }


def module_text() -> str:
    """The text of ``static/facts.js``: the definitions as one JSON object, the module's default export."""
    facts = definitions()
    entries = ",\n".join("  " + json.dumps(entry, ensure_ascii=False) for entry in facts["activations"])
    return (
        HEADER
        + 'export default {\n "activations": [\n'
        + entries
        + '\n ],\n "playground": '
        + json.dumps(facts["playground"], ensure_ascii=False)
        + ',\n "colours": '
        + json.dumps(facts["colours"], ensure_ascii=False)
        + ',\n "lesson": '
        + json.dumps(facts["lesson"], ensure_ascii=False)
        + "\n};\n"
    )


def main() -> None:
    FILE.write_text(module_text(), encoding="utf-8")
    print(f"wrote {FILE}")


if __name__ == "__main__":
    main()
