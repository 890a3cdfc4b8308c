import importlib
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import neuronlab as nl

dg = importlib.import_module("neuronlab.views.diagram")  # nl.diagram is the function

SVG = "{http://www.w3.org/2000/svg}"
BASE_FIELDS = {
    "id",
    "type",
    "x",
    "y",
    "width",
    "height",
    "angle",
    "strokeColor",
    "backgroundColor",
    "fillStyle",
    "strokeWidth",
    "strokeStyle",
    "roughness",
    "opacity",
    "groupIds",
    "frameId",
    "roundness",
    "seed",
    "version",
    "versionNonce",
    "isDeleted",
    "boundElements",
    "updated",
    "link",
    "locked",
}
TEXT_FIELDS = {
    "text",
    "fontSize",
    "fontFamily",
    "textAlign",
    "verticalAlign",
    "containerId",
    "originalText",
    "lineHeight",
}
ARROW_FIELDS = {"points", "lastCommittedPoint", "startBinding", "endBinding", "startArrowhead", "endArrowhead"}


@pytest.mark.parametrize("sizes, drawn", [([2, 3, 1], 6), ([1, 30, 4, 2], 1 + 11 + 4 + 2)])
def test_svg_is_xml_with_one_circle_per_drawn_neuron(sizes, drawn):
    net = nl.mlp(sizes, seed=0)
    root = ET.fromstring(nl.diagram(net, format="svg"))
    assert root.tag == SVG + "svg"
    circles = root.findall(f".//{SVG}circle")
    assert len(circles) == drawn
    texts = [t.text for t in root.iter(SVG + "text")]
    assert f"{sizes[1]} tanh" in texts and f"{sizes[-1]} linear" in texts  # activation per layer
    if sizes[1] > dg.MAX_DRAWN:
        assert f"⋮ {sizes[1] - 11} more" in texts


def test_svg_edges_show_weight_sign_and_size():
    net = nl.Network(
        [
            nl.Dense(1, 2, "step", weights=[[2.0, -0.5]], bias=[0.0, 1.0]),
            nl.Dense(2, 1, weights=[[1.0], [-1.0]], bias=[0.25]),
        ]
    )
    root = ET.fromstring(nl.diagram(net))
    lines = root.findall(f".//{SVG}line")
    assert len(lines) == 4
    by_title = {line.find(SVG + "title").text: line for line in lines}
    strong, weak = by_title["w = 2"], by_title["w = -0.5"]
    assert strong.get("stroke") == dg.POSITIVE and weak.get("stroke") == dg.NEGATIVE
    assert float(strong.get("stroke-width")) > float(weak.get("stroke-width"))
    assert "b=0.25" in [t.text for t in root.iter(SVG + "text")]  # biases shown


def test_excalidraw_file_is_valid_and_edges_bind_to_neurons():
    net = nl.mlp([3, 14, 2], activation="relu", seed=1)
    doc = json.loads(nl.diagram(net, format="excalidraw"))
    assert doc["type"] == "excalidraw" and doc["version"] == 2 and isinstance(doc["appState"], dict)
    elements = doc["elements"]
    ids = [e["id"] for e in elements]
    assert len(ids) == len(set(ids))
    by_id = {e["id"]: e for e in elements}
    neurons = [e for e in elements if e["type"] == "ellipse"]
    arrows = [e for e in elements if e["type"] == "arrow"]
    assert len(neurons) == 3 + 12 + 2 - 1  # 14 neurons summarised as 11 drawn
    assert len(arrows) == 3 * 11 + 11 * 2
    for e in elements:
        assert BASE_FIELDS <= set(e), e["id"]
        if e["type"] == "text":
            assert TEXT_FIELDS <= set(e) and e["text"]
        if e["type"] == "arrow":
            assert ARROW_FIELDS <= set(e)
            for end in ("startBinding", "endBinding"):
                target = by_id[e[end]["elementId"]]
                assert target["type"] == "ellipse"
                assert {"id": e["id"], "type": "arrow"} in target["boundElements"]
            (x0, y0), (x1, y1) = e["points"]
            start, end = by_id[e["startBinding"]["elementId"]], by_id[e["endBinding"]["elementId"]]
            assert abs(e["x"] - (start["x"] + start["width"])) < 1e-6  # leaves the source's right edge
            assert abs(e["x"] + x1 - end["x"]) < 1e-6  # and reaches the target's left edge


def test_unknown_format_and_wrong_object():
    with pytest.raises(ValueError, match="'svg' or 'excalidraw'"):
        nl.diagram(nl.mlp([1, 1]), format="png")
    with pytest.raises(TypeError):
        nl.diagram("not a network")


def test_jupyter_shows_networks_as_diagrams_and_neurons_as_graphs():
    assert nl.mlp([1, 2, 1])._repr_svg_().startswith("<svg")
    svg = nl.Neuron(2.0, -1.0, "step")._repr_svg_()
    root = ET.fromstring(svg)
    assert root.find(f".//{SVG}polyline") is not None
    assert "s = 0.5" in [t.text for t in root.iter(SVG + "text")]
    assert ET.fromstring(nl.Neuron([1.0, 2.0], 0.0, "tanh")._repr_svg_()).findall(f".//{SVG}rect")


def test_computation_graph_shows_every_operation():
    w = nl.Tensor([[0.5]], requires_grad=True)
    b = nl.Tensor([0.1], requires_grad=True)
    x = nl.Tensor([[2.0]])
    loss = ((x @ w + b).activation("tanh") - 1.0) ** 2
    loss = loss.sum()
    loss.backward()
    root = ET.fromstring(nl.computation_graph(loss, {w: "w", b: "b", x: "x"}))
    texts = [t.text for t in root.iter(SVG + "text")]
    for label in ("w", "b", "x", "@", "+", "tanh", "sum"):
        assert label in texts
    assert f"grad {w.grad.item():.4g}" in texts


def test_excalidraw_neurons_carry_their_labels_and_edges_lie_beneath():
    """Edits well in Excalidraw: a neuron's name is text bound to its ellipse, its bias is grouped with it,
    each layer is a group, and every arrow comes before (beneath) every neuron and text."""
    net = nl.mlp([2, 14, 1], activation="tanh", seed=0)
    elements = json.loads(nl.diagram(net, format="excalidraw"))["elements"]
    by_id = {e["id"]: e for e in elements}
    kinds = [e["type"] for e in elements]
    assert kinds.index("ellipse") > max(i for i, kind in enumerate(kinds) if kind == "arrow")
    assert min(i for i, kind in enumerate(kinds) if kind == "text") > kinds.index("arrow")
    ellipses = [e for e in elements if e["type"] == "ellipse"]
    assert len(ellipses) == 2 + 12 + 1 - 1
    for ellipse in ellipses:
        label = by_id[ellipse["id"] + "_label"]
        assert label["containerId"] == ellipse["id"]
        assert {"id": label["id"], "type": "text"} in ellipse["boundElements"]
        assert elements.index(label) == elements.index(ellipse) + 1  # Excalidraw keeps bound text after it
        # centred in the ellipse, and narrow enough for Excalidraw's box: r·√2 less 5 px padding each side
        assert abs(label["x"] + label["width"] / 2 - (ellipse["x"] + ellipse["width"] / 2)) < 0.01
        assert abs(label["y"] + label["height"] / 2 - (ellipse["y"] + ellipse["height"] / 2)) < 0.01
        assert label["width"] <= ellipse["width"] / 2 * np.sqrt(2) - 10
        neuron_group, layer_group = ellipse["groupIds"]
        assert label["groupIds"] == ellipse["groupIds"]
        layer = int(ellipse["id"][1:].split("_")[0])
        assert layer_group == f"layer{layer}" and neuron_group == f"{ellipse['id']}_group"
        bias = by_id.get(ellipse["id"] + "_bias")
        assert (bias is None) == (layer == 0)
        if bias:
            assert bias["groupIds"] == ellipse["groupIds"] and bias["containerId"] is None
    assert by_id["header1"]["groupIds"] == ["layer1"] and by_id["more0"]["groupIds"] == ["layer1"]
    members = [e for e in elements if "layer1" in e["groupIds"]]
    assert len(members) == 1 + 11 * 3 + 1  # header, 11 neurons with name and bias, the "more" mark
    assert all(not e["groupIds"] for e in elements if e["type"] == "arrow")


def test_a_scaled_network_shows_its_scaling():
    import xml.etree.ElementTree as ET

    net = nl.Network(
        [nl.Dense(2, 3, "tanh", seed=0), nl.Dense(3, 1, seed=1)],
        scaling=nl.Scaling([10.0, -1.0], [2.0, 0.5], [100.0], [4.0]),
    )
    svg = nl.diagram(net)
    texts = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "input (2), standardised" in texts and "1 linear, then · s + m" in texts
    assert any(
        t.startswith(
            "scaling (part of the network): inputs standardised: (x - [10, -1]) / [2, 0.5]; outputs: z * [4] + [100]"
        )
        for t in texts
    )
    drawing = json.loads(nl.diagram(net, format="excalidraw"))
    assert any(e.get("id") == "scaling" and "z * [4] + [100]" in e["text"] for e in drawing["elements"])
    assert "scaling" not in nl.diagram(nl.mlp([2, 3, 1], seed=0))


def _font_sizes(svg: str) -> list[float]:
    """The font size of every text of an SVG (its own font-size, else its parents', else the root's)."""
    root = ET.fromstring(svg)
    sizes = []

    def walk(element, inherited):
        size = float(element.get("font-size", inherited))
        if element.tag == SVG + "text":
            sizes.append(size)
        for child in element:
            walk(child, size)

    walk(root, 16.0)  # (the SVG default, were none given)
    return sizes


def test_no_text_of_a_python_diagram_is_under_12_px():
    """The SVGs are drawn at 1 unit = 1 CSS px (their width and height are their viewBox): every text, the
    weights on the edges and the biases included, is at least 12 px, as the page's diagrams are."""
    net = nl.mlp([2, 3, 1], seed=0)
    w = nl.Tensor([[0.5]], requires_grad=True)
    loss = ((nl.Tensor([[2.0]]) @ w).activation("tanh") ** 2).sum()
    loss.backward()
    for svg in (
        nl.diagram(net),
        nl.Neuron(2.0, -1.0, "step")._repr_svg_(),
        nl.Neuron([1.0, 2.0], 0.0, "tanh")._repr_svg_(),
        nl.computation_graph(loss, {w: "w"}),
    ):
        sizes = _font_sizes(svg)
        assert sizes and min(sizes) >= 12, sorted(set(sizes))
    root = ET.fromstring(nl.diagram(net))
    assert any(t.get("class") == "weight" for t in root.iter(SVG + "text"))  # the weights are written, at 12 px


def test_python_figures_use_the_pages_colours():
    """One meaning per colour (views/colours.py): the SVG diagram's signs, the matplotlib figures' network,
    target and held-out colours are the page's (facts.js carries the same, tests/test_facts.py)."""
    from neuronlab.views import colours, plot

    assert (
        (dg.POSITIVE, dg.NEGATIVE) == (colours.ROLES["positive"], colours.ROLES["negative"]) == ("#153e75", "#b35806")
    )
    assert (plot.NETWORK_COLOR, plot.TARGET_COLOR, plot.VALIDATION_COLOR) == tuple(
        colours.ROLES[k] for k in ("network", "target", "test")
    )
    fig = nl.lesson.figure(1.5, -0.5)
    drawn = {line.get_color() for ax in fig.axes for line in ax.get_lines()}
    assert {colours.PALETTE[0], colours.PALETTE[1], colours.ROLES["network"]} <= drawn
