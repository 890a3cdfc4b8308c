"""Network diagrams: neurons as circles, weights as edges (width: size, colour: sign), biases and
activations written on; as SVG text or as an Excalidraw drawing. Also SVG graphs of a single neuron and
of the computation graph behind a Tensor.

    >>> import neuronlab as nl
    >>> svg = diagram(nl.mlp([2, 3, 1], seed=0))
    >>> svg.count("<circle")
    6
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape  # &, <, > and quotes as entities (xml.sax.saxutils would import urllib: 25 ms at start-up)

import numpy as np

from neuronlab.engine.network import Network
from neuronlab.engine.neuron import Neuron
from neuronlab.engine.tensor import Tensor
from neuronlab.views.colours import ROLES, sign

# a weight's sign, as the page draws it (views/colours.py): dark blue +, dark orange − (as in TF Playground)
POSITIVE, NEGATIVE = ROLES["positive"], ROLES["negative"]
INK, NODE = ROLES["ink"], ROLES["node"]
MAX_DRAWN = 12  # neurons drawn per layer; beyond, the first 6 and the last 5 with a "more" mark between
RADIUS, ROW, COLUMN, MARGIN = 16, 46, 190, 70


@dataclass
class _Layout:
    """Where everything goes; both renderers draw exactly this."""

    width: float
    height: float
    neurons: list = field(default_factory=list)  # (id, x, y, label, bias text)
    edges: list = field(default_factory=list)  # (from id, to id, weight)
    headers: list = field(default_factory=list)  # (x, y, text)
    more: list = field(default_factory=list)  # (x, y, text) for summarised layers
    max_weight: float = 1.0
    scaling: str = ""  # the network's input/output standardisation, written under the drawing


def _drawn(n: int) -> list:
    """Indices of the neurons drawn for a layer of n (None marks the 'more' gap)."""
    if n <= MAX_DRAWN:
        return list(range(n))
    return list(range(6)) + [None] + list(range(n - 5, n))


def layout(net: Network, row: float = ROW) -> _Layout:
    """Where each neuron, edge and caption goes; ``row`` is the distance between neurons of a column."""
    sizes = net.sizes
    columns = [_drawn(n) for n in sizes]
    tallest = max(len(c) for c in columns)
    height = 2 * MARGIN + tallest * row
    lay = _Layout(width=2 * MARGIN + (len(sizes) - 1) * COLUMN + 60, height=height + (18 if net.scaling else 0))
    if net.scaling is not None:
        lay.scaling = "scaling (part of the network): " + net.scaling.describe()
    weights = [np.abs(layer.W.data).max() for layer in net.layers]
    lay.max_weight = float(max(max(weights), 1e-12))
    positions = []
    for c, drawn in enumerate(columns):
        x = MARGIN + 30 + c * COLUMN
        top = MARGIN + (tallest - len(drawn)) * row / 2 + row / 2
        where = {}
        for r, index in enumerate(drawn):
            y = top + r * row
            if index is None:
                lay.more.append((x, y, f"⋮ {sizes[c] - MAX_DRAWN + 1} more"))
                continue
            node = f"n{c}_{index}"
            where[index] = node
            if c == 0:
                label = f"x{index + 1}" if sizes[0] > 1 else "x"
                bias = ""
            else:
                layer = net.layers[c - 1]
                last = c == len(sizes) - 1
                label = (f"y{index + 1}" if sizes[-1] > 1 else "y") if last else f"h{index + 1}"
                bias = f"b={layer.b.data[index]:.2g}"
            lay.neurons.append((node, x, y, label, bias))
        positions.append(where)
        if c == 0:
            header = f"input ({sizes[0]})" + (", standardised" if net.scaling is not None else "")
        else:
            layer = net.layers[c - 1]
            header = f"{layer.neurons} {layer.activation.name}"
            if c == len(sizes) - 1 and net.scaling is not None and net.scaling.scales_outputs:
                header += ", then · s + m"
        lay.headers.append((x, MARGIN - 12, header))
    for c, layer in enumerate(net.layers):
        for i, a in positions[c].items():
            for j, b in positions[c + 1].items():
                lay.edges.append((a, b, float(layer.W.data[i, j])))
    return lay


def _edge_style(weight: float, max_weight: float) -> tuple[str, float, float]:
    share = abs(weight) / max_weight
    return sign(weight), 0.5 + 4.5 * share, 0.3 + 0.7 * share


LABEL_SIZE = 12  # px: the weights written on the edges (no text of a diagram is under 12 CSS px)
PLACES = (0.75, 0.25, 0.6, 0.4, 0.85, 0.15, 0.5)  # where along an edge its weight may go, in order of preference


def _weight_labels(lay: _Layout, at: dict) -> tuple[list, int]:
    """Each edge's weight as text on the edge, where it overlaps no neuron and no other weight (the first free
    place of PLACES along it); returns [(x, y, text)] and how many edges had no free place."""
    taken = [(x - RADIUS - 2, y - RADIUS - 2, x + RADIUS + 2, y + RADIUS + 2) for x, y in at.values()]
    taken += [
        (x + RADIUS + 2, y - RADIUS - 9, x + RADIUS + 6 + 7 * len(bias), y - RADIUS + 5)  # the biases' text
        for _, x, y, _, bias in lay.neurons
        if bias
    ]
    column = lambda node: node.split("_")[0]
    drawn: dict[str, int] = {}
    for node in at:
        drawn[column(node)] = drawn.get(column(node), 0) + 1
    labels, unwritten = [], 0
    for a, b, w in lay.edges:
        (x1, y1), (x2, y2) = at[a], at[b]
        text = f"{w:.2g}"
        half_width, half_height = 0.3 * LABEL_SIZE * len(text) + 1, 0.6 * LABEL_SIZE
        # first near the end where the edges fan out (a layer of many feeding one neuron: near the many)
        places = PLACES if drawn[column(a)] <= drawn[column(b)] else tuple(1 - t for t in PLACES)
        for t in places:
            x, y = x1 + RADIUS + t * (x2 - x1 - 2 * RADIUS), y1 + t * (y2 - y1)
            box = (x - half_width, y - half_height, x + half_width, y + half_height)
            if not any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in taken):
                taken.append(box)
                labels.append((x, y, text))
                break
        else:
            unwritten += 1
    return labels, unwritten


def to_svg(net: Network) -> str:
    lay = layout(net)
    at = {node: (x, y) for node, x, y, _, _ in lay.neurons}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" height="{lay.height:.0f}" '
        f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(net.describe())}</title>",
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for a, b, w in lay.edges:
        (x1, y1), (x2, y2) = at[a], at[b]
        color, width, opacity = _edge_style(w, lay.max_weight)
        parts.append(
            f'<line x1="{x1 + RADIUS:.1f}" y1="{y1:.1f}" x2="{x2 - RADIUS:.1f}" y2="{y2:.1f}" '
            f'stroke="{color}" stroke-width="{width:.2f}" stroke-opacity="{opacity:.2f}">'
            f"<title>w = {w:.4g}</title></line>"
        )
    labels, unwritten = _weight_labels(lay, at)
    for x, y, text in labels:  # written, not only in titles: an SVG shown as an <img> (JupyterLab) has no hover
        parts.append(
            f'<text x="{x:.1f}" y="{y + 3:.1f}" text-anchor="middle" font-size="{LABEL_SIZE}" '
            f'fill="{INK}" stroke="white" stroke-width="3" paint-order="stroke" class="weight">'
            f"{escape(text)}</text>"
        )
    for _, x, y, label, bias in lay.neurons:
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{RADIUS}" fill="{NODE}" stroke="{INK}" '
            f'stroke-width="1.5"><title>{escape(label)} {escape(bias)}</title></circle>'
        )
        parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">{escape(label)}</text>')
        if bias:
            parts.append(
                f'<text x="{x + RADIUS + 3:.1f}" y="{y - RADIUS + 2:.1f}" font-size="12" '
                f'fill="#4a5568">{escape(bias)}</text>'
            )
    for x, y, text in lay.headers:
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-weight="bold">{escape(text)}</text>')
    for x, y, text in lay.more:
        parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" fill="#4a5568">{escape(text)}</text>')
    if lay.scaling:
        parts.append(f'<text x="10" y="{lay.height - 28:.0f}" fill="#4a5568">{escape(lay.scaling)}</text>')
    room = (
        ""
        if not unwritten
        else (
            f"; {unwritten} of the {len(lay.edges)} weights drawn have no room to be "
            f"written: net.layers[k].W holds them all"
        )
    )
    parts.append(
        f'<text x="10" y="{lay.height - 10:.0f}" fill="#4a5568">edges: width = |weight|, '
        f"blue positive, orange negative (largest |w| = {lay.max_weight:.3g}){escape(room)}</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _element(kind: str, ident: str, x: float, y: float, width: float, height: float, **extra) -> dict:
    """An Excalidraw element with every field Excalidraw itself writes."""
    seed = int.from_bytes(ident.encode()[:4].ljust(4, b"\0"), "little") % 2**31 + 1
    element = {
        "id": ident,
        "type": kind,
        "x": round(x, 2),
        "y": round(y, 2),
        "width": round(width, 2),
        "height": round(height, 2),
        "angle": 0,
        "strokeColor": "#1e1e1e",
        "backgroundColor": "transparent",
        "fillStyle": "solid",
        "strokeWidth": 1,
        "strokeStyle": "solid",
        "roughness": 0,
        "opacity": 100,
        "groupIds": [],
        "frameId": None,
        "roundness": None,
        "seed": seed,
        "version": 1,
        "versionNonce": seed,
        "isDeleted": False,
        "boundElements": [],
        "updated": 1,
        "link": None,
        "locked": False,
    }
    element.update(extra)
    return element


def _text(ident: str, x: float, y: float, text: str, size: int = 14, align: str = "center", **extra) -> dict:
    width = 0.6 * size * max(len(line) for line in text.split("\n"))
    left = x - width / 2 if align == "center" else x
    fields = dict(
        text=text,
        fontSize=size,
        fontFamily=2,
        textAlign=align,
        verticalAlign="middle",
        containerId=None,
        originalText=text,
        lineHeight=1.25,
        autoResize=True,
    )
    return _element("text", ident, left, y - size * 0.625, width, size * 1.25, **{**fields, **extra})


# In Excalidraw a neuron's name is text inside its ellipse (container text), which Excalidraw fits into the
# ellipse's inscribed rectangle less 5 px of padding: r·√2 - 10 = 21 px for r = 22, room for "h12" at 11 px.
EXCALIDRAW_RADIUS, EXCALIDRAW_ROW, EXCALIDRAW_LABEL_SIZE = 22, 56, 11


def to_excalidraw(net: Network) -> dict:
    """The diagram as an Excalidraw scene that edits well.

    Each neuron is a group: its ellipse, its name (text bound to the ellipse, so it moves and scales with
    it) and its bias; each layer is a group of its neurons and its header. Edges are arrows bound to the
    ellipses at both ends and come first in the element list, so they are drawn beneath neurons and labels.
    """
    lay = layout(net, row=EXCALIDRAW_ROW)
    radius = EXCALIDRAW_RADIUS
    column = {x: c for c, (x, _, _) in enumerate(lay.headers)}
    at = {node: (x, y) for node, x, y, _, _ in lay.neurons}
    arrows: list[dict] = []
    bound: dict[str, list[dict[str, str]]] = {node: [] for node in at}  # neuron -> the arrows bound to it
    for k, (a, b, w) in enumerate(lay.edges):
        (x1, y1), (x2, y2) = at[a], at[b]
        color, width, opacity = _edge_style(w, lay.max_weight)
        start, end = (x1 + radius, y1), (x2 - radius, y2)
        ident = f"e{k}_{a}_{b}"
        arrows.append(
            _element(
                "arrow",
                ident,
                start[0],
                start[1],
                end[0] - start[0],
                abs(end[1] - start[1]),
                strokeColor=color,
                strokeWidth=round(width, 2),
                opacity=round(100 * opacity),
                roundness={"type": 2},
                points=[[0, 0], [round(end[0] - start[0], 2), round(end[1] - start[1], 2)]],
                lastCommittedPoint=None,
                startBinding={"elementId": a, "focus": 0, "gap": 1},
                endBinding={"elementId": b, "focus": 0, "gap": 1},
                startArrowhead=None,
                endArrowhead=None,
                elbowed=False,
                customData={"weight": w},
            )
        )
        bound[a].append({"id": ident, "type": "arrow"})
        bound[b].append({"id": ident, "type": "arrow"})
    shapes = []
    for c, (x, y, text) in enumerate(lay.headers):
        shapes.append(_text(f"header{c}", x, y, text, 14, groupIds=[f"layer{c}"]))
    for node, x, y, label, bias in lay.neurons:
        groups = [f"{node}_group", f"layer{column[x]}"]  # innermost first, as Excalidraw stores them
        label_id = f"{node}_label"
        shapes.append(
            _element(
                "ellipse",
                node,
                x - radius,
                y - radius,
                2 * radius,
                2 * radius,
                backgroundColor=NODE,
                strokeWidth=2,
                groupIds=groups,
                boundElements=[{"id": label_id, "type": "text"}] + bound[node],
            )
        )
        shapes.append(_text(label_id, x, y, label, EXCALIDRAW_LABEL_SIZE, groupIds=groups, containerId=node))
        if bias:
            shapes.append(_text(f"{node}_bias", x + radius + 3, y - radius, bias, 10, align="left", groupIds=groups))
    for k, (x, y, text) in enumerate(lay.more):
        shapes.append(_text(f"more{k}", x, y, text, 12, groupIds=[f"layer{column[x]}"]))
    if lay.scaling:
        shapes.append(_text("scaling", 10, lay.height - 30, lay.scaling, 11, align="left"))
    shapes.append(
        _text("legend", 10, lay.height - 12, "edge width = |weight|; blue positive, orange negative", 11, align="left")
    )
    return {
        "type": "excalidraw",
        "version": 2,
        "source": "neuronlab",
        "elements": arrows + shapes,
        "appState": {"viewBackgroundColor": "#ffffff", "gridSize": None},
        "files": {},
    }


def diagram(net: Network, format: str = "svg") -> str:
    """The network drawn as ``"svg"`` text or as an ``"excalidraw"`` file's JSON text."""
    if not isinstance(net, Network):
        raise TypeError(f"diagram needs a neuronlab Network, got {type(net).__name__}")
    if format == "svg":
        return to_svg(net)
    if format == "excalidraw":
        return json.dumps(to_excalidraw(net), indent=1)
    raise ValueError(f"format must be 'svg' or 'excalidraw', got {format!r}")


# ---------------------------------------------------------------- a neuron's graph, drawn without matplotlib


def neuron_svg(neuron: Neuron, width: int = 360, height: int = 220) -> str:
    """A one-input neuron's graph as a small SVG plot (its threshold dotted); two inputs: a shaded grid."""
    pad = 30
    if neuron.inputs == 2:
        cells = 30
        grid = np.linspace(-3, 3, cells)
        x1, x2 = np.meshgrid(grid, grid[::-1])
        values = neuron(np.stack([x1, x2], axis=-1))
        low, high = float(values.min()), float(values.max())
        span = high - low or 1.0
        size = (min(width, height) - 2 * pad) / cells
        rects = []
        for r in range(cells):
            for c in range(cells):
                shade = (values[r, c] - low) / span
                red, blue = int(255 * shade), int(255 * (1 - shade))
                rects.append(
                    f'<rect x="{pad + c * size:.1f}" y="{pad + r * size:.1f}" width="{size + 0.3:.1f}" '
                    f'height="{size + 0.3:.1f}" fill="rgb({red},90,{blue})"/>'
                )
        body = "".join(rects)
        caption = f"{neuron.formula()} on [-3, 3]², red high"
    elif neuron.inputs == 1:
        a, b = neuron.graph_range()
        x = np.linspace(a, b, 241)
        y = neuron(x)
        low, high = float(min(y.min(), 0.0)), float(max(y.max(), 1.0))
        span = (high - low) or 1.0

        def sx(v):
            return pad + (v - a) / (b - a) * (width - 2 * pad)

        def sy(v):
            return height - pad - (v - low) / span * (height - 2 * pad)

        points = " ".join(f"{sx(u):.1f},{sy(v):.1f}" for u, v in zip(x, y))
        body = (
            f'<line x1="{pad}" y1="{sy(0):.1f}" x2="{width - pad}" y2="{sy(0):.1f}" stroke="#999"/>'
            f'<polyline points="{points}" fill="none" stroke="{ROLES["network"]}" stroke-width="2"/>'
        )
        if neuron.weights[0] != 0:
            s = neuron.threshold
            body += (
                f'<line x1="{sx(s):.1f}" y1="{pad}" x2="{sx(s):.1f}" y2="{height - pad}" stroke="#444" '
                f'stroke-dasharray="3,3"/><text x="{sx(s) + 4:.1f}" y="{pad + 10}" font-size="12">'
                f"s = {s:.3g}</text>"
            )
        body += (
            f'<text x="{pad}" y="{height - 8}" font-size="12">{a:.3g}</text>'
            f'<text x="{width - pad}" y="{height - 8}" font-size="12" text-anchor="end">{b:.3g}</text>'
        )
        caption = neuron.formula()
    else:
        raise ValueError(f"a neuron's graph can be drawn for 1 or 2 inputs; this one has {neuron.inputs}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">'
        f'<rect width="100%" height="100%" fill="white"/>{body}'
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="12">{escape(caption)}</text></svg>'
    )


# ---------------------------------------------------------------- the computation graph behind a Tensor


def computation_graph(output: Tensor, names: dict[Tensor, str] | None = None) -> str:
    """SVG of the operations that produced ``output``: leaves on the left, the output on the right.

    Each box shows the operation (or the leaf's name from ``names``, a dict Tensor -> str), the shape, and
    for single numbers the value and, after ``backward()``, the gradient.
    """
    names = names or {}
    order = output._topological_order(only_requiring_grad=False)  # constants too, parents first
    depth: dict[int, int] = {}  # id(tensor) -> its column
    columns: dict[int, list[Tensor]] = {}  # column -> its tensors, top to bottom
    for node in order:  # a node's column: one right of its deepest parent
        depth[id(node)] = 1 + max((depth[id(p)] for p in node._parents), default=-1)
        columns.setdefault(depth[id(node)], []).append(node)
    box_w, box_h, gap_x, gap_y = 130, 44, 40, 14
    height = max(len(c) for c in columns.values()) * (box_h + gap_y) + 40
    width = len(columns) * (box_w + gap_x) + 20
    at = {}
    parts = []
    for d, nodes in sorted(columns.items()):
        for r, node in enumerate(nodes):
            at[id(node)] = (20 + d * (box_w + gap_x), 20 + r * (box_h + gap_y))
    for node in order:
        for p in node._parents:
            (x1, y1), (x2, y2) = at[id(p)], at[id(node)]
            parts.append(
                f'<line x1="{x1 + box_w}" y1="{y1 + box_h / 2}" x2="{x2}" y2="{y2 + box_h / 2}" '
                f'stroke="#718096" marker-end="url(#arrow)"/>'
            )
    for node in order:
        x, y = at[id(node)]
        label = names.get(node) or node.op or ("parameter" if node.requires_grad else "constant")
        detail = f"shape {node.shape}" if node.data.size != 1 else f"value {node.data.item():.4g}"
        grad = ""
        if node.grad is not None:
            grad = f"grad {node.grad.item():.4g}" if node.grad.size == 1 else "grad ✓"
        fill = "#ebf8ff" if not node._parents else NODE
        parts.append(
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="{fill}" stroke="{INK}"/>'
            f'<text x="{x + box_w / 2}" y="{y + 14}" text-anchor="middle" font-weight="bold">'
            f'{escape(label)}</text><text x="{x + box_w / 2}" y="{y + 27}" text-anchor="middle">'
            f'{escape(detail)}</text><text x="{x + box_w / 2}" y="{y + 39}" text-anchor="middle" '
            f'fill="#c05621">{escape(grad)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        f'font-size="12"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        f'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#718096"/></marker></defs>'
        f'<rect width="100%" height="100%" fill="white"/>{"".join(parts)}</svg>'
    )
