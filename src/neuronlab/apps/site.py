"""The lesson with nothing installed: ``neuronlab site DIR`` writes DIR/index.html, one self-contained page.

It holds the playground page's Lesson tab (every chapter, its texts put in as the server puts them in) and its
Backprop tab's walk-through of the default network, working opened from disk (``file://``) or from any static host,
with no Python and no WebSocket. The page's own modules run unchanged: they are read from the playground's
``static/`` folder as it is when the site is built, following their imports from the page's entry module, and
inlined through an import map of ``data:`` URLs (browsers refuse module scripts from ``file://``, and ``data:``
ones need no request). Only their ``./name.js`` import specifiers are rewritten, to the names the map gives them.
Their server is stood in for by ``static/site.js``, a WebSocket that answers the page's ``lesson`` and ``explain``
messages with the replies the real server code sent while the site was built (recorded here, embedded as JSON).

    >>> from neuronlab.apps.site import imports
    >>> imports('import { plot } from "./draw.js"; import * as pair from "./pair.js";')
    ['draw.js', 'pair.js']
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import json
import mimetypes
import re
import tempfile
from importlib import resources
from pathlib import Path

# a module's relative imports: import ... from "./x.js", export ... from "./x.js", import "./x.js", import("./x.js")
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([\w.-]+\.js)\2""")
_STYLESHEET = re.compile(r"""<link\s+rel=["']stylesheet["']\s+href=["']/static/([\w.-]+\.css)["']\s*/?>""")
_MODULE = re.compile(r"""<script\s+type=["']module["']\s+src=["']/static/([\w.-]+\.js)["']\s*>\s*</script>""")
_STATIC_URL = re.compile(r"""(["'(])/static/([\w.-]+)(["')])""")
SHIM = "site.js"  # the recorded server (runs before the page's modules)
PREFIX = "neuronlab/"  # the import map's name for a module: neuronlab/draw.js


class SiteError(ValueError):
    """The site cannot be written where it was asked to be, or the page cannot be put together (says why)."""


def _static_dir() -> Path:
    return Path(str(resources.files("neuronlab.apps.playground") / "static"))


def imports(text: str) -> list[str]:
    """The modules a module imports by a relative path ("./x.js"), in the order it names them."""
    return [match.group(3) for match in _IMPORT.finditer(text)]


def module_graph(entries, static=None) -> dict:
    """The modules ``entries`` and every module they import, directly or not, by a relative path, as {file name:
    text}, read from the playground's static folder (or ``static``) as it is now."""
    folder = Path(static) if static is not None else _static_dir()
    modules, pending = {}, list(entries)
    while pending:
        name = pending.pop()
        if name in modules:
            continue
        path = folder / name
        if not path.is_file():
            raise SiteError(f"the page's modules import {name}, which is not in {folder}")
        modules[name] = path.read_text(encoding="utf-8")
        pending += imports(modules[name])
    return modules


def _data_url(text: str, mime: str = "text/javascript") -> str:
    return f"data:{mime};base64,{base64.b64encode(text.encode('utf-8')).decode('ascii')}"


def _script_json(value) -> str:
    """JSON safe inside a <script> element (no "</" can end it early)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def recorded_replies() -> dict:
    """The server's replies to the page's ``lesson`` and ``explain`` messages, from the server's own code path
    (a playground ``Connection`` with a fresh session, as a new tab gets): {"lesson": ..., "explanation": ...}."""
    from neuronlab.apps.playground.server import Connection

    class Recorder:  # the part of a WebSocket a Connection uses to answer
        query_params: dict = {}
        application_state = None

        def __init__(self):
            self.sent = []

        async def send_text(self, text):
            self.sent.append(json.loads(text))

        async def send_bytes(self, data):  # pragma: no cover - JSON clients get no binary frames
            raise SiteError("the server sent a binary frame to a JSON client")

    async def ask(connection, recorder, message):
        await connection.handle(message)
        reply = recorder.sent.pop()
        if reply.get("type") == "error":
            raise SiteError(f"the server refused the page's {message['type']} message: {reply['message']}")
        return reply

    async def record():
        recorder = Recorder()
        connection = Connection(recorder)
        try:
            return {
                "lesson": await ask(connection, recorder, {"type": "lesson"}),
                "explanation": await ask(connection, recorder, {"type": "explain"}),
            }
        finally:
            connection.stop()

    # in a thread of its own: the caller may be running an event loop already (a notebook, a test's browser)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, record()).result()


def build(static=None, replies=None) -> str:
    """The self-contained page's HTML: index.html with the lesson texts put in (``lesson.page``, as the server
    serves it), its style sheets inlined, its modules (followed from its entry module) in an import map of data:
    URLs, and the recorded server replies (``recorded_replies()`` unless given) for ``static/site.js``."""
    from neuronlab.apps.lesson import page

    folder = Path(static) if static is not None else _static_dir()
    html = page((folder / "index.html").read_text(encoding="utf-8"))
    entries = _MODULE.findall(html)
    if len(entries) != 1:
        raise SiteError(f"index.html should load one module script from /static/, found {len(entries)}")
    modules = module_graph([SHIM, entries[0]], folder)
    rename = lambda text: _IMPORT.sub(lambda m: f"{m.group(1)}{m.group(2)}{PREFIX}{m.group(3)}{m.group(2)}", text)
    import_map = {"imports": {PREFIX + name: _data_url(rename(text)) for name, text in sorted(modules.items())}}
    placeholder = "<!-- neuronlab site: the modules -->"
    html = _MODULE.sub(lambda m: placeholder, html)

    def style(match):
        css = (folder / match.group(1)).read_text(encoding="utf-8")
        return f"<style>/* {match.group(1)} */\n{css}</style>"

    def inline(match):  # anything else the page takes from /static/ (an image, say), as a data: URL
        path = folder / match.group(2)
        if not path.is_file():
            raise SiteError(f"index.html refers to /static/{match.group(2)}, which is not in {folder}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{match.group(1)}data:{mime};base64,{data}{match.group(3)}"

    html = _STATIC_URL.sub(inline, _STYLESHEET.sub(style, html))
    replies = recorded_replies() if replies is None else replies
    scripts = (
        f'<script type="application/json" id="neuronlab-replay">{_script_json(replies)}</script>\n'
        f'  <script type="importmap">{_script_json(import_map)}</script>\n'
        f'  <script type="module">import "{PREFIX}{SHIM}"; import "{PREFIX}{entries[0]}";</script>'
    )
    return html.replace(placeholder, scripts)


def write(directory, static=None) -> Path:
    """Write the page to ``directory``/index.html (the folder is created if need be), atomically: a temporary file
    beside it, then renamed over it. Returns its path. A path that is a file, or where nothing can be written, is a
    SiteError saying so, before any work."""
    from neuronlab.io import atomic_write

    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise SiteError(f"{folder} is a file; give a folder for the site's index.html")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SiteError(f"cannot create the folder {folder}: {err.strerror or err}") from None
    target = folder / "index.html"
    if target.exists() and not target.is_file():
        raise SiteError(f"{target} is in the way (not a file); remove it or choose another folder")
    try:  # can anything be written there? asked before the work (an unwritable folder, a read-only disk)
        probe = tempfile.NamedTemporaryFile(prefix=".index.html.", suffix=".probe", dir=folder)
        probe.close()
    except OSError as err:
        raise SiteError(f"cannot write in {folder}: {err.strerror or err}") from None
    text = build(static)
    try:
        atomic_write(target, lambda f: f.write(text.encode("utf-8")))
    except OSError as err:
        raise SiteError(f"cannot write {target}: {err.strerror or err}") from None
    return target
