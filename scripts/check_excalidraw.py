"""Open a neuronlab .excalidraw diagram in Excalidraw's own code and check that it edits well.

A by-hand check, not run by the tests (it installs about 250 MB from npm): in a temporary folder, npm installs
@excalidraw/excalidraw, React and esbuild, esbuild bundles them, and headless Chromium (Debian's) loads the
diagram through Excalidraw's ``restore`` and its React component, then drags a neuron with the mouse.
Nothing of Excalidraw is kept.

Run: python scripts/check_excalidraw.py      (needs node, npm, playwright and /usr/bin/chromium)
"""

import json
import mimetypes
import subprocess
import tempfile
from pathlib import Path

from chromium import ARGS, CHROMIUM  # scripts/chromium.py

import neuronlab as nl

ENTRY = """
import React from "react";
import { createRoot } from "react-dom/client";
import { Excalidraw, restore } from "@excalidraw/excalidraw";
import "./node_modules/@excalidraw/excalidraw/dist/prod/index.css";
window.excalidraw = {
  restore,
  mount: (data) => new Promise((done) => createRoot(document.getElementById("app")).render(
    React.createElement(Excalidraw, { initialData: data, excalidrawAPI: (api) => { window.api = api; done(); } }))),
};
"""
PAGE = """<!doctype html><meta charset=utf-8><link rel=stylesheet href="/entry.css"><body style="margin:0">
<div id=app style="width:1200px;height:900px"></div><script type=module src="/entry.js"></script>"""


def build(folder: Path) -> Path:
    (folder / "entry.jsx").write_text(ENTRY)
    subprocess.run(["npm", "init", "-y"], cwd=folder, check=True, capture_output=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "@excalidraw/excalidraw", "react@19", "react-dom@19", "esbuild"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "npx",
            "esbuild",
            "entry.jsx",
            "--bundle",
            "--format=esm",
            "--splitting",
            "--outdir=out",
            '--define:process.env.NODE_ENV="production"',
            "--loader:.woff2=file",
            "--loader:.ttf=file",
            "--minify",
            "--log-level=warning",
        ],
        cwd=folder,
        check=True,
    )
    return folder / "out"


def check(out: Path, doc: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def serve(route):
            path = route.request.url.split("http://excalidraw.test", 1)[1].split("?")[0]
            file = out / path.lstrip("/")
            if path == "/":
                route.fulfill(body=PAGE, content_type="text/html")
            elif file.is_file():
                route.fulfill(body=file.read_bytes(), content_type=mimetypes.guess_type(file.name)[0] or "text/plain")
            else:
                route.fulfill(status=404, body="")

        page.route("http://excalidraw.test/**", serve)
        page.goto("http://excalidraw.test/")
        page.wait_for_function("window.excalidraw")
        restored = page.evaluate("d => window.excalidraw.restore(d, null, null).elements", doc)
        assert len(restored) == len(doc["elements"]), "restore dropped elements"
        labels = [e for e in restored if e["id"].endswith("_label")]
        assert labels and all(e["containerId"] == e["id"][: -len("_label")] for e in labels), "labels unbound"
        arrows = [e for e in restored if e["type"] == "arrow"]
        assert all(a["startBinding"] and a["endBinding"] for a in arrows), "arrows unbound"
        print(
            f"restore: {len(restored)} of {len(doc['elements'])} elements kept, {len(labels)} names bound to "
            f"their ellipses, {len(arrows)} arrows bound at both ends"
        )

        page.evaluate("d => window.excalidraw.mount(d)", {**doc, "scrollToContent": True})
        page.wait_for_timeout(1000)
        view = page.evaluate(
            "(() => { const a = window.api.getAppState(); "
            "return {sx: a.scrollX, sy: a.scrollY, z: a.zoom.value, ox: a.offsetLeft, oy: a.offsetTop}; })()"
        )
        before = {e["id"]: e for e in page.evaluate("window.api.getSceneElements()")}
        neuron = before["n1_0"]
        x = (neuron["x"] + neuron["width"] / 2 + 8 + view["sx"]) * view["z"] + view["ox"]
        y = (neuron["y"] + neuron["height"] / 2 + view["sy"]) * view["z"] + view["oy"]
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y + 40, steps=10)
        page.mouse.up()
        page.wait_for_timeout(300)
        after = {e["id"]: e for e in page.evaluate("window.api.getSceneElements()")}
        moved = {
            k: (round(after[k]["x"] - before[k]["x"]), round(after[k]["y"] - before[k]["y"]))
            for k in ("n1_0", "n1_0_label", "n1_0_bias", "header1", "n0_0")
        }
        print("dragging neuron h1 by the mouse moved (dx, dy):", moved)
        assert moved["n1_0"] != (0, 0) and moved["n1_0_label"] == moved["n1_0"] == moved["n1_0_bias"]
        assert moved["n0_0"] == (0, 0)  # another layer stays
        edge = next(k for k in after if k.endswith("_n0_0_n1_0"))
        assert after[edge]["points"][-1] != before[edge]["points"][-1], "the arrow did not follow"
        page.screenshot(path="excalidraw-dragged.png")
        assert not errors, errors
        browser.close()


if __name__ == "__main__":
    doc = json.loads(nl.diagram(nl.mlp([2, 14, 1], activation="tanh", seed=0), format="excalidraw"))
    with tempfile.TemporaryDirectory() as folder:
        check(build(Path(folder)), doc)
    print("Excalidraw opened, restored and edited the diagram as expected (screenshot: excalidraw-dragged.png)")
