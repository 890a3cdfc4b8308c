"""`neuronlab site DIR`: the Lesson and the Backprop walk-through as one self-contained page (browser: browser/test_site.py)."""

import base64
import json
import os
import re
import shutil

import numpy as np
import pytest

from neuronlab import site
from neuronlab.apps.cli import main
from neuronlab.apps.playground.session import Session

STATIC = site._static_dir()


@pytest.fixture(scope="module")
def replies():
    return site.recorded_replies()


def _import_map(html: str) -> dict:
    return json.loads(re.search(r'<script type="importmap">(.*?)</script>', html, re.S).group(1))["imports"]


def _decoded(url: str) -> str:
    assert url.startswith("data:text/javascript;base64,")
    return base64.b64decode(url.split(",", 1)[1]).decode("utf-8")


def test_the_modules_are_followed_from_the_pages_entry_not_listed():
    graph = site.module_graph(["app.js"])
    # everything app.js reaches, and nothing it does not (the notebook's widgets.js, the site's own shim)
    assert {"app.js", "lesson.js", "backprop.js", "draw.js", "pair.js", "facts.js"} <= set(graph)
    assert "widgets.js" not in graph and "site.js" not in graph
    for name, text in graph.items():
        assert text == (STATIC / name).read_text(encoding="utf-8")
        assert set(site.imports(text)) <= set(graph)
    assert site.imports(
        'import a from "./a.js";\nexport { b } from \'./b.js\';\nimport "./c.js"; import("./d.js")'
    ) == ["a.js", "b.js", "c.js", "d.js"]


def test_the_page_is_built_from_what_is_in_static_at_build_time(tmp_path, replies):
    static = tmp_path / "static"
    shutil.copytree(STATIC, static)
    # a new module, imported by a page module the way they import each other: it is in the site
    (static / "extra.js").write_text('export const EXTRA = "found";\n')
    lesson = (static / "lesson.js").read_text()
    (static / "lesson.js").write_text('import { EXTRA } from "./extra.js";\nwindow.extra = EXTRA;\n' + lesson)
    modules = _import_map(site.build(static, replies))
    assert _decoded(modules["neuronlab/extra.js"]) == 'export const EXTRA = "found";\n'
    assert _decoded(modules["neuronlab/lesson.js"]).startswith('import { EXTRA } from "neuronlab/extra.js";')
    (static / "backprop.js").write_text('import "./missing.js";\n')
    with pytest.raises(site.SiteError, match="missing.js, which is not in"):
        site.build(static, replies)


def test_the_page_is_self_contained(replies):
    html = site.build(replies=replies)
    assert "/static/" not in html and '<link rel="stylesheet"' not in html
    assert "ws://" not in html.split('<script type="application/json"')[0]
    for css in ("style.css", "drawing.css"):
        assert (STATIC / css).read_text(encoding="utf-8") in html
    modules = _import_map(html)
    expected = site.module_graph(["app.js", "site.js"])
    assert set(modules) == {f"neuronlab/{name}" for name in expected}
    for name, text in expected.items():  # each module unchanged but for its import specifiers
        assert _decoded(modules[f"neuronlab/{name}"]) == re.sub(r'(from\s*|import\s*)"\./', r'\1"neuronlab/', text)
    assert '<script type="module">import "neuronlab/site.js"; import "neuronlab/app.js";</script>' in html
    # the chapter texts, put in as the server puts them in: every placeholder of index.html filled
    index = (STATIC / "index.html").read_text(encoding="utf-8")
    chapters = re.findall(r"<!-- lesson:([a-z]+) -->", index)
    assert len(chapters) >= 10
    assert re.findall(r'data-chapter="([a-z]+)"', html) == chapters
    assert "<!-- lesson:" not in html and "<!-- check:" not in html


def test_the_recorded_replies_are_the_servers_for_a_new_tab(replies):
    from neuronlab.apps.explain import explain
    from neuronlab.apps.lesson import facts

    lesson = replies["lesson"]
    assert lesson["type"] == "lesson"
    assert lesson["descent"]["critical_lr"] == pytest.approx(facts()["descent"]["critical_lr"], rel=1e-12)
    assert lesson["neurons_needed"] == json.loads(json.dumps(facts()["neurons_needed"]))
    explanation, session = replies["explanation"], Session()
    assert explanation["type"] == "explanation" and explanation["sizes"] == session.net.sizes
    x, y = session.x_train[0].tolist(), session._target_row(0)
    assert explanation["x"] == pytest.approx(x) and explanation["y"] == pytest.approx(y)
    direct = explain(session.net, x, y, None, 1e-6, np.linspace(*session._x_range(), 200))
    assert explanation["loss"] == pytest.approx(direct.loss, rel=1e-12)
    assert (
        explanation["new_loss"] == pytest.approx(direct.new_loss, rel=1e-12) and explanation["new_loss"] < direct.loss
    )


def test_site_command_writes_one_file_atomically(tmp_path, capsys, monkeypatch):
    out = tmp_path / "new" / "folder"
    assert main(["site", str(out)]) == 0
    assert f"wrote {out / 'index.html'}" in capsys.readouterr().out
    first = (out / "index.html").read_text(encoding="utf-8")
    assert first.startswith("<!doctype html>") and os.listdir(out) == ["index.html"]
    # a failure while building leaves the old page as it was, and no temporary file beside it
    monkeypatch.setattr(site, "build", lambda static=None: (_ for _ in ()).throw(site.SiteError("no page")))
    assert main(["site", str(out)]) == 2
    assert capsys.readouterr().err == "neuronlab site: error: no page\n"
    assert (out / "index.html").read_text(encoding="utf-8") == first and os.listdir(out) == ["index.html"]


@pytest.mark.parametrize(
    "where, message",
    [
        ("file", "is a file; give a folder"),
        ("file/below", "cannot create the folder"),
        ("/proc", "cannot write in /proc"),  # (root may write anywhere else: /proc refuses even root)
    ],
)
def test_site_command_refuses_a_bad_folder_in_one_line(where, message, tmp_path, capsys, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    built = []
    monkeypatch.setattr(site, "build", lambda static=None: built.append(1) or "")
    path = where if where.startswith("/") else str(tmp_path / where)
    assert main(["site", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neuronlab site: error: ") and message in err and err.count("\n") == 1
    assert not built  # refused before the work
    assert (tmp_path / "file").read_text() == "not a folder"
