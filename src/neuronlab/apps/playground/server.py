"""The playground's ASGI app (Starlette): the page, and one WebSocket per browser tab.

Each tab gets a ``Session`` with its own network and training loop. Training runs in a worker thread in
short time slices (1/60 s), so the event loop stays free for every other tab; after each slice the tab receives
a frame (at most 60 a second). Closing the tab stops its loop, its construction, and frees the session.
The page asks for frames as compact binary messages (``/ws?frames=binary``: a JSON header and float32
numbers, see ``session.encode_frame``); other clients get JSON. A client that connects with ``paced=1`` (the
page does) says ``drawn`` after it has drawn a frame, and is sent at most ``IN_FLIGHT`` training frames it has
not yet said it drew: a slow screen (or a hidden tab, which draws nothing) is not sent frames it would only
throw away, and the time goes to training instead.

Messages (JSON objects with a ``type``; any message may carry an ``id``, a number or short text, which its
direct answer repeats; every message gets a direct answer, but ``drawn`` only when it carries an id):
    config {config}          rebuild with these settings (the page sends what changed)      -> frame
    update {config}          change lr, batch, l1, l2, stop_loss or speed while training    -> frame
    train / pause / step / reset                                                           -> frame
    drawn                     the page drew the newest frame (paced clients)   -> drawn, only if it has an id
    edit {layer, neuron, weights, bias}                                                   -> frame
    restore {layer, weights, bias}     a whole layer (the page giving back its weights after a reload) -> frame
    approximate {expr, domain, eps, activation}   -> building (estimate, target), building..., approximation
    cancel                    stop this tab's construction                                  -> cancelled
    adopt                     train from the last approximation                             -> frame
    explain {x, y, lr}        ->  explanation (nl.explain on the current network; no lr: one that lowers the loss)
    lesson                    ->  lesson (the engine's numbers the Lesson tab shows: nl.lesson.facts())
    export {what}             ->  export (model, svg, excalidraw, python)
Anything malformed or too large gets {"type": "error", "message", "field"} and changes nothing; the tab's
session goes on whatever it is sent.

Who may talk to it (``Guard``): HTTP only for the host names it was started for (127.0.0.1, localhost, ::1
and ``--host``), WebSockets only from its own origin, and, when started with a token (``--host`` other than
loopback), only with that token (in the URL once, then a cookie).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from neuronlab.apps.playground import builder
from neuronlab.apps.playground.session import (
    MAX_APPROXIMATION_NEURONS,
    RequestError,
    Session,
    approximation_target,
    estimate_approximation,
)

STATIC = Path(__file__).with_name("static")
MAX_MESSAGE_BYTES = 256_000
MAX_DEPTH = 20  # nesting of lists and objects in one message
MAX_INTEGER_DIGITS = 100  # digits of a whole number in a message (the largest any field takes has 10)
SLICE_SECONDS = 1 / 60  # a screen's refresh: a frame after each slice
FRAME_INTERVAL = 0.012  # (below the slice, so a slice that ends a little early still sends its frame)
IN_FLIGHT = 1  # training frames a paced client may have been sent and not yet drawn
MAX_SESSIONS = 64
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")
# uvicorn's WebSocket limits: a message over WS_MAX_SIZE closes the socket (code 1009) before it is read;
# between MAX_MESSAGE_BYTES and WS_MAX_SIZE it gets an error answer. At most WS_MAX_QUEUE wait unread.
WS_MAX_SIZE = 4 * MAX_MESSAGE_BYTES
WS_MAX_QUEUE = 4
# No per-message compression: frames are mostly float32 numbers, which deflate barely shrinks, and compressing
# them took about 3 ms a frame on the event loop (the largest part of the server's own work while training).
UVICORN_LIMITS = {"ws_max_size": WS_MAX_SIZE, "ws_max_queue": WS_MAX_QUEUE, "ws_per_message_deflate": False}
LARGE_FRAME = 64_000  # characters: encoded off the event loop above this
log = logging.getLogger("neuronlab.apps.playground")

NUMBER = "number"
# every message type, its fields and their types; fields not listed are ignored
FIELDS = {
    "config": {"config": dict},
    "update": {"config": dict},
    "train": {},
    "pause": {},
    "step": {},
    "reset": {},
    "drawn": {},
    "adopt": {},
    "cancel": {},
    "edit": {"layer": int, "neuron": int, "weights": list, "bias": NUMBER},
    "restore": {"layer": int, "weights": list, "bias": list},
    "lesson": {},
    "approximate": {"expr": str, "domain": list, "eps": NUMBER, "activation": str},
    "explain": {"x": list, "y": list, "lr": NUMBER},
    "export": {"what": str},
}
REQUIRED = {
    "config": ["config"],
    "update": ["config"],
    "edit": ["layer", "neuron", "weights", "bias"],
    "restore": ["layer", "weights", "bias"],
    "approximate": ["expr"],
    "export": ["what"],
}
TYPE_NAMES = {dict: "an object", list: "a list", str: "text", int: "a whole number", NUMBER: "a number"}


def _kind_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number"}.get(type(value), "?")


def _depth(value, limit: int) -> int:
    """How deep lists and objects nest in ``value`` (stops counting past ``limit``)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            if level > limit:
                return level
            todo.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def check_message(message) -> str:
    """The message's type, once every field it uses has the right type; else ``RequestError``."""
    if not isinstance(message, dict):
        raise RequestError("a message must be a JSON object")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise RequestError(
            f"unknown message type {kind!r}; one of {', '.join(FIELDS)}"
            if isinstance(kind, str)
            else 'a message needs a "type" (text)'
        )
    if "id" in message and not (
        isinstance(message["id"], (int, str)) and not isinstance(message["id"], bool) and len(str(message["id"])) <= 64
    ):
        raise RequestError("id must be a number or text of at most 64 characters")
    for field in REQUIRED.get(kind, []):
        if field not in message:
            raise RequestError(f"a {kind} message needs {field!r}", field)
    for field, expected in FIELDS[kind].items():
        if field not in message:
            continue
        value = message[field]
        if expected is NUMBER:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            ok = isinstance(value, expected) and not isinstance(value, bool)
        if not ok:
            raise RequestError(
                f"{field!r} of a {kind} message must be {TYPE_NAMES[expected]}, got {_kind_of(value)}", field
            )
    return kind


def _reply_of(message):
    """The message's ``id`` if it has a valid one (a number or text of at most 64 characters), else None."""
    reply = message.get("id") if isinstance(message, dict) else None
    if isinstance(reply, (int, str)) and not isinstance(reply, bool) and len(str(reply)) <= 64:
        return reply
    return None


def _about_of(message) -> str:
    """The message's type, if it is one (for an error's ``about``), read at the top level only; else ""."""
    kind = message.get("type") if isinstance(message, dict) else None
    return kind if isinstance(kind, str) and kind in FIELDS else ""


class Unreadable(RequestError):
    """A message that cannot be read as one (not JSON, too deep, a number too long); ``reply`` and ``about``
    are its ``id`` and type when they could be read from its top level."""

    def __init__(self, message: str, top=None):
        super().__init__(message)
        self.reply, self.about = _reply_of(top), _about_of(top)


class _LongInteger(ValueError):
    def __init__(self, digits: int):
        super().__init__(digits)
        self.digits = digits


def _whole_number(text: str) -> int:
    """json's parse_int, refusing a number of more than MAX_INTEGER_DIGITS digits before Python converts it
    (over 4,300 digits ``int`` refuses with a ValueError; over 308 no float holds it)."""
    digits = len(text) - text.startswith("-")
    if digits > MAX_INTEGER_DIGITS:
        raise _LongInteger(digits)
    return int(text)


def decode(text: str):
    """The message in ``text``, parsed and no deeper than MAX_DEPTH; else ``Unreadable`` saying why."""
    try:
        message = json.loads(text, parse_int=_whole_number)
    except _LongInteger as err:
        try:  # again, without the number, for the id and the type to answer with
            top = json.loads(
                text, parse_int=lambda t: int(t) if len(t) - t.startswith("-") <= MAX_INTEGER_DIGITS else None
            )
        except (ValueError, RecursionError):
            top = None
        raise Unreadable(
            f"a number in the message is too long ({err.digits:,} digits; at most "
            f"{MAX_INTEGER_DIGITS}): send numbers as ordinary decimals",
            top,
        ) from None
    except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        raise Unreadable("not JSON (or nested too deeply)") from None
    if _depth(message, MAX_DEPTH) > MAX_DEPTH:  # the id and the type, read at the top level: no recursion
        raise Unreadable(f"the message nests lists or objects more than {MAX_DEPTH} deep", message)
    return message


class Gone(Exception):
    """The tab closed while its message was being answered: there is nobody to answer, and nothing to log."""


def _reason(err: Exception) -> str | None:
    """The message of neuronlab's own errors (they say what is wrong with the input); None for any other."""
    if isinstance(err, ValueError) and type(err).__module__.startswith("neuronlab"):
        return str(err)
    return None


class Connection:
    """One tab: its session, its training task, its construction, and the messages it sends."""

    def __init__(self, websocket: WebSocket):
        self.websocket, self.session = websocket, Session()
        self.task: asyncio.Task | None = None
        self.build_task: asyncio.Task | None = None
        self.approximation = None
        self.lock = asyncio.Lock()
        # the page asks for frames as compact binary messages (/ws?frames=binary); other clients get JSON
        self.binary = websocket.query_params.get("frames") == "binary"
        # a paced client says "drawn" after drawing a frame: at most IN_FLIGHT training frames wait for that
        self.paced = websocket.query_params.get("paced") == "1"
        self.in_flight = 0
        # set by "drawn": a run of training ends early (wanted) or the wait after it (drawn), for the next frame
        self.drawn, self.wanted = asyncio.Event(), threading.Event()
        self.framed = (-1, 0.0)  # the step and the time of the last training frame sent

    async def send(self, message: dict, reply=None) -> None:
        """Send ``message`` (with ``id`` = ``reply`` when it answers a message that had one)."""
        if reply is not None:
            message = {**message, "id": reply}
        if message.get("type") in ("frame", "approximation", "export", "explanation"):
            text = await asyncio.to_thread(encode, message)  # large: off the event loop
        else:
            text = encode(message)
        await self._transmit(text)

    async def _transmit(self, data: str | bytes) -> None:
        """Send text or bytes; ``Gone`` if the tab has closed (a send to a closed socket fails in several ways,
        depending on the server and when it closed)."""
        try:
            if isinstance(data, bytes):
                await self.websocket.send_bytes(data)
            else:
                await self.websocket.send_text(data)
        except (WebSocketDisconnect, OSError):
            raise Gone from None
        except RuntimeError:  # starlette: 'Cannot call "send" once a close message has been sent'
            if self.websocket.application_state == WebSocketState.CONNECTED:
                raise
            raise Gone from None

    async def error(self, message: str, field: str = "", reply=None, about: str = "") -> None:
        """An ``error`` answer; ``about`` names the message type it answers (the page routes it by that)."""
        await self.send({"type": "error", "message": message, "field": field, "about": about}, reply)

    async def frame(self, full: bool = False, reply=None) -> None:
        if self.binary:  # built and encoded in a worker thread, off the event loop
            extra = None if reply is None else {"id": reply}
            async with self.lock:
                data = await asyncio.to_thread(self.session.frame_bytes, full, extra)
            await self._transmit(data)
            return
        async with self.lock:
            frame = await asyncio.to_thread(self.session.frame, full)
        await self.send(frame, reply)

    async def _frame_if_due(self) -> None:
        """A training frame, if there are new steps to show, the last frame is FRAME_INTERVAL old, and a paced
        page has drawn all but IN_FLIGHT - 1 of those it was sent."""
        step, at = self.framed
        now = time.perf_counter()
        if self.session.steps == step or now - at < FRAME_INTERVAL or (self.paced and self.in_flight >= IN_FLIGHT):
            return
        self.framed = (self.session.steps, now)
        self.in_flight += 1
        await self.frame()

    async def train_loop(self) -> None:
        """Slices of training off the event loop, a frame after each (rate-limited, and paced by the page)."""
        session = self.session
        try:
            while session.status == "training":
                started, budget = time.perf_counter(), session.budget(SLICE_SECONDS)
                while session.status == "training" and (left := SLICE_SECONDS - (time.perf_counter() - started)) > 0:
                    if budget > 0:  # train; a page that says "drawn" meanwhile ends the run early for its frame
                        self.wanted.clear()
                        async with self.lock:
                            budget -= await asyncio.to_thread(session.train_for, left, budget, self.wanted)
                        if session.status == "training":
                            await self._frame_if_due()
                        continue
                    # the slice's steps are spent (the speed caps steps per second): wait out the slice; a page
                    # that says "drawn" meanwhile is sent the newest steps at once
                    self.drawn.clear()
                    try:
                        await asyncio.wait_for(self.drawn.wait(), left)
                    except TimeoutError:
                        break
                    await self._frame_if_due()
                if session.status != "training":
                    await self.frame()  # the last one (stopped, diverged, stop-at-loss): always sent
        except (WebSocketDisconnect, Gone, asyncio.CancelledError):  # the tab went away: nobody to tell
            self.session.status = "paused"
        except Exception:
            if self.websocket.client_state != WebSocketState.CONNECTED:  # sending to a closed tab fails too
                self.session.status = "paused"
                return
            # never leave a tab silently paused: say that training stopped, in the page (details in the log)
            log.exception("training loop failed")
            self.session.status = "stopped"
            self.session.message = (
                "Training stopped by an internal error (details in the server's log), not by "
                "your settings; the weights are kept. Press train to carry on, or reset."
            )
            await self.frame()

    def stop(self) -> None:
        self.session.status = "paused" if self.session.status == "training" else self.session.status
        if self.task is not None:
            self.task.cancel()
        self.cancel_build()

    def cancel_build(self) -> bool:
        running = self.build_task is not None and not self.build_task.done()
        if running:
            self.build_task.cancel()
        self.build_task = None
        return running

    async def handle(self, message) -> None:
        """Carry out one message; whatever goes wrong is answered with an ``error`` and the session goes on."""
        reply = _reply_of(message)  # only a valid id is repeated
        kind = "?"
        try:
            kind = check_message(message)
            await self._handle(kind, message, reply)
        except Gone:  # the tab closed before its answer: nobody to answer (the endpoint ends the session)
            raise
        except RequestError as err:
            await self.error(str(err), err.field, reply, kind)
        except Exception as err:  # noqa: BLE001 - one bad message must not end the tab's session
            reason = _reason(err)
            if reason is None:
                log.exception("a %s message failed", kind)
                reason = f"the server could not carry out this {kind} message; nothing was changed"
            await self.error(reason, "", reply, kind)

    async def _handle(self, kind: str, message: dict, reply) -> None:
        session = self.session
        if kind == "config":
            was_training = session.status == "training"
            async with self.lock:
                await asyncio.to_thread(session.update, message["config"])
                if was_training and session.trainable:
                    session.status = "training"
            await self.frame(full=True, reply=reply)
            self._ensure_loop()
        elif kind == "update":
            async with self.lock:
                await asyncio.to_thread(session.update, message["config"])
            await self.frame(reply=reply)
        elif kind == "train":
            session.status, session.message = "training", ""
            await self.frame(reply=reply)
            self._ensure_loop()
        elif kind == "drawn":  # the page has drawn the newest frame it had: the next ones may come
            self.in_flight = 0
            self.drawn.set()
            self.wanted.set()
            if reply is not None:  # (the page sends none: sixty answers a second would only cost it time)
                await self.send({"type": "drawn"}, reply)
        elif kind == "pause":
            session.status = session.idle
            await self.frame(reply=reply)
        elif kind == "step":
            session.status = "paused"
            async with self.lock:
                await asyncio.to_thread(session.train_for_steps, 1)
            await self.frame(reply=reply)
        elif kind == "reset":
            async with self.lock:
                session.configure(session.config)
            await self.frame(full=True, reply=reply)
        elif kind == "edit":
            async with self.lock:
                session.edit(message["layer"], message["neuron"], message["weights"], message["bias"])
            await self.frame(reply=reply)
        elif kind == "restore":  # a reloaded page gives back its trained weights, a layer a message
            async with self.lock:
                session.set_layer(message["layer"], message["weights"], message["bias"])
            await self.frame(reply=reply)
        elif kind == "approximate":
            await self.approximate(message, reply)
        elif kind == "cancel":
            cancelled = self.cancel_build()
            await self.send({"type": "cancelled", "building": cancelled}, reply)
        elif kind == "adopt":
            if self.approximation is None:
                raise RequestError("build an approximation first")
            request, net = self.approximation
            config = {
                **session.config,
                "mode": "function",
                "expr": request["expr"],
                "domain": [float(v) for v in request["domain"]],
                "layers": [net.layers[0].neurons],
                "activation": net.layers[0].activation.name,
            }
            origin = {
                "expr": request["expr"],
                "domain": config["domain"],
                "eps": float(request["eps"]),
                "activation": request["activation"],
            }  # so the exported script can build it again
            async with self.lock:
                session.adopt_network(net.copy(), config, origin)
            await self.frame(full=True, reply=reply)
        elif kind == "explain":
            await self.explain(message, reply)
        elif kind == "lesson":
            from neuronlab.apps.lesson import facts

            await self.send({"type": "lesson", **await asyncio.to_thread(facts)}, reply)
        elif kind == "export":
            await self.send(await asyncio.to_thread(session.export, message["what"]), reply)

    async def approximate(self, message: dict, reply) -> None:
        """Estimate first (too many neurons: refused at once), then build in a child process, reporting."""
        request = {
            "expr": message["expr"],
            "domain": message.get("domain", [-3, 3]),
            "eps": message.get("eps", 0.05),
            "activation": message.get("activation", "relu"),
        }
        self.cancel_build()
        arguments = (request["expr"], request["domain"], request["eps"], request["activation"])
        estimate = await asyncio.to_thread(estimate_approximation, *arguments)
        # the target (and its eps band) to draw at once: a build can take seconds
        target = await asyncio.to_thread(approximation_target, *arguments)
        await self.send(
            {
                "type": "building",
                "stage": "estimated",
                "neurons": 0,
                "estimate": estimate,
                "seconds": 0.0,
                "budget": builder.BUDGET_SECONDS,
                **target,
            },
            reply,
        )

        async def report(stage, count, seconds):
            await self.send(
                {
                    "type": "building",
                    "stage": stage,
                    "neurons": count,
                    "estimate": estimate,
                    "seconds": round(seconds, 2),
                    "budget": builder.BUDGET_SECONDS,
                }
            )

        async def run():
            try:
                frame, net = await builder.build(
                    request,
                    self.websocket.app.state.build_slots,
                    report,
                    MAX_APPROXIMATION_NEURONS,
                    builder.BUDGET_SECONDS,
                )
            except (RequestError, builder.BuildError) as err:
                await self.error(str(err), err.field, about="approximate")
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("a construction failed")
                await self.error("the construction failed; nothing was changed", about="approximate")
                return
            self.approximation = (request, net)
            await self.send(frame)

        async def run_quietly():
            try:
                await run()
            except Gone:  # the tab closed as its construction ended
                pass

        self.build_task = asyncio.create_task(run_quietly())

    async def explain(self, message: dict, reply) -> None:
        from neuronlab.apps.explain import explain

        session = self.session
        net = session.net
        if net.n_parameters() > 200:
            raise RequestError(
                f"the backprop view is for networks of at most 200 parameters; this one has "
                f"{net.n_parameters()}: remove some neurons"
            )
        x = message.get("x", session.x_train[0].tolist())
        y = message.get("y", session._target_row(0))
        lr = message.get("lr")  # None: explain picks a learning rate that lowers the loss
        for name, values, size in (("x", x, net.sizes[0]), ("y", y, net.sizes[-1])):
            if not (
                len(values) == size
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) < 1e6 for v in values)
            ):
                raise RequestError(f"{name} must be {size} number(s) within ±1e6", name)
        if lr is not None and not 0 < lr <= 100:
            raise RequestError("lr must be between 0 and 100", "lr")
        grid = np.linspace(*session._x_range(), 200) if session.dims == 1 else None  # the output graph
        result = await asyncio.to_thread(explain, net, x, y, None if lr is None else float(lr), 1e-6, grid)
        await self.send(
            {
                "type": "explanation",
                **result.to_dict(),
                "sizes": net.sizes,
                "activations": [l.activation.name for l in net.layers],
                "weights": [l.W.data.tolist() for l in net.layers],
            },
            reply,
        )

    def _ensure_loop(self) -> None:
        if self.session.status == "training" and (self.task is None or self.task.done()):
            self.task = asyncio.create_task(self.train_loop())


def encode(message: dict) -> str:
    """JSON text of a message; NaN and infinity (JSON has no word for them) become null."""
    try:
        return json.dumps(message, allow_nan=False, default=_plain)
    except ValueError:
        return json.dumps(_finite(message), allow_nan=False, default=_plain)


def _finite(value):
    """A copy of a message with every NaN or infinity replaced by None."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _plain(value):
    """JSON for NumPy scalars; NaN and infinity become null."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return value if value == value and abs(value) != float("inf") else None


async def websocket_endpoint(websocket: WebSocket) -> None:
    app_state = websocket.app.state
    if len(app_state.connections) >= MAX_SESSIONS:
        await websocket.close(code=1013, reason="too many open tabs")
        return
    await websocket.accept()
    connection = Connection(websocket)
    app_state.connections.add(connection)
    try:
        await connection.frame(full=True)
        while True:
            event = await websocket.receive()
            if event["type"] == "websocket.disconnect":
                break
            text = event.get("text")
            if text is None:
                await connection.error("binary messages are not accepted: send JSON text")
                continue
            if len(text) > MAX_MESSAGE_BYTES:
                await connection.error(f"message too large ({len(text):,} characters; at most {MAX_MESSAGE_BYTES:,})")
                continue
            try:
                message = decode(text)
            except Unreadable as err:
                await connection.error(str(err), reply=err.reply, about=err.about)
                continue
            await connection.handle(message)
    except (WebSocketDisconnect, Gone):  # the tab closed (while idle, or while its message was answered)
        pass
    finally:
        connection.stop()
        app_state.connections.discard(connection)


_LESSON_NUMBERS = threading.Lock()  # the first page waits for the start-up's computation rather than repeat it


def _index_html() -> str:
    from neuronlab.apps.lesson import page

    with _LESSON_NUMBERS:
        return page((STATIC / "index.html").read_text(encoding="utf-8"))


@contextlib.asynccontextmanager
async def _lifespan(app):
    # the lesson's engine numbers (about a second, once per process) are worked out as the server starts, so
    # the first visitor does not wait for them (with twenty tabs training, the first page took 2.4 s)
    threading.Thread(target=_index_html, name="lesson numbers", daemon=True).start()
    yield


async def index(request):
    # the Lesson tab's chapter texts come from lesson_text/*.md, as lesson.md's do: put in here, never fetched
    return HTMLResponse(await asyncio.to_thread(_index_html), headers={"Cache-Control": "no-store"})


_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")


def _hostname(host: str) -> str | None:
    """The name in a Host header ("[::1]:8765" -> "::1"), or None if it is not a plain host[:port]."""
    match = _HOST.match(host)
    return match.group(1).strip("[]").lower() if match else None


class Guard:
    """ASGI middleware: answers only its own host names, WebSockets only from its own origin, the token when
    one is set; adds the security headers (CSP, nosniff, frame-ancestors) to every HTTP answer."""

    def __init__(self, app, hosts=(), token: str | None = None):
        self.app, self.token = app, token
        names = {h.strip("[]").lower() for h in hosts}
        self.any_host = bool(names & set(WILDCARD))  # 0.0.0.0: every name this machine has (the token guards it)
        self.hosts = set(LOOPBACK) | (names - set(WILDCARD))

    def _refusal(self, scope, headers: dict) -> tuple[int, str] | None:
        host = headers.get("host", "")
        name = _hostname(host)
        if name is None or not (self.any_host or name in self.hosts):
            return 400, f"this playground answers only for {', '.join(sorted(self.hosts))}, not {host[:100]!r}"
        if scope["type"] == "websocket" and "origin" in headers:
            origin = urlsplit(headers["origin"])
            if origin.scheme not in ("http", "https") or origin.netloc.lower() != host.lower():
                return 403, "WebSocket from another origin refused"
        if self.token is not None and not self._has_token(scope, headers):
            return 403, "this playground needs its token: open the URL `neuronlab play` printed"
        return None

    def _query_token(self, scope) -> str | None:
        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        return values[0] if values else None

    def _cookie_name(self, scope) -> str:
        return f"neuronlab-token-{(scope.get('server') or ('', 0))[1]}"

    def _has_token(self, scope, headers) -> bool:
        given = self._query_token(scope)
        if given is None:
            cookie = SimpleCookie()
            try:
                cookie.load(headers.get("cookie", ""))
            except Exception:  # noqa: BLE001 - a malformed cookie is no token
                return False
            morsel = cookie.get(self._cookie_name(scope))
            given = morsel.value if morsel else None
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {}
        for key, value in scope.get("headers", []):
            headers[key.decode("latin-1").lower()] = value.decode("latin-1")
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            if scope["type"] == "websocket":
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1008, "reason": refusal[1][:120]})
                return
            response = PlainTextResponse(refusal[1] + "\n", status_code=refusal[0], headers=_security_headers(""))
            return await response(scope, receive, send)
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        extra = _security_headers(headers.get("host", ""))
        if self.token is not None and self._query_token(scope) is not None:
            extra["set-cookie"] = f"{self._cookie_name(scope)}={self.token}; HttpOnly; SameSite=Strict; Path=/"

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                event = {
                    **event,
                    "headers": [*event.get("headers", []), *((k.encode(), v.encode()) for k, v in extra.items())],
                }
            await send(event)

        return await self.app(scope, receive, send_with_headers)


def _security_headers(host: str) -> dict:
    connect = f" ws://{host} wss://{host}" if host else ""
    return {
        "content-security-policy": (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; connect-src 'self'" + connect + "; object-src 'none'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
        ),
        "x-content-type-options": "nosniff",
        "x-frame-options": "SAMEORIGIN",
        "referrer-policy": "no-referrer",
    }


def create_app(hosts=(), token: str | None = None):
    """The playground app: answers for the loopback names and ``hosts``; with ``token``, only with it."""
    app = Starlette(
        routes=[
            Route("/", index),
            WebSocketRoute("/ws", websocket_endpoint),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=_lifespan,
    )
    app.state.connections = set()
    app.state.build_slots = asyncio.Semaphore(builder.MAX_BUILDS)
    guarded = Guard(app, hosts, token)
    guarded.state = app.state
    return guarded


app = create_app()
