"""The playground's ASGI app (Starlette): the page, and one WebSocket per browser tab.

Each tab gets a ``Session`` with its own network and training loop. Training runs in a worker thread in
short time slices, so the event loop stays free for every other tab; after each slice the tab receives a
frame (at most about 33 a second). Closing the tab stops its loop and frees the session.

Messages (JSON objects with a ``type``):
    config {config}          rebuild with these settings (the page sends what changed)
    update {config}          change lr, batch, l1, l2, stop_loss or speed while training
    train / pause / step / reset
    edit {layer, neuron, weights, bias}
    restore {layer, weights, bias}     set a whole layer (the page restoring its weights after a reload)
    approximate {expr, domain, eps, activation}   ->  approximation
    adopt                     train from the last approximation
    explain {x, y, lr}        ->  explanation (nl.explain on the current network)
    lesson                    ->  lesson (the engine's numbers the Lesson tab shows: nl.lesson.facts())
    export {what}             ->  export (model, svg, excalidraw, python)
Anything malformed or too large gets {"type": "error", "message", "field"} and changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import numpy as np
from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .session import RequestError, Session, approximation_frame

STATIC = Path(__file__).with_name("static")
MAX_MESSAGE_BYTES = 256_000
SLICE_SECONDS = 0.03
FRAME_INTERVAL = 0.03
MAX_SESSIONS = 64


class Connection:
    """One tab: its session, its training task, and the messages it sends."""

    def __init__(self, websocket: WebSocket):
        self.websocket, self.session = websocket, Session()
        # the page asks for frames as compact binary messages (/ws?frames=binary); other clients get JSON
        self.binary = websocket.query_params.get("frames") == "binary"
        self.task: asyncio.Task | None = None
        self.approximation = None
        self.lock = asyncio.Lock()

    async def send(self, message: dict) -> None:
        try:
            text = json.dumps(message, allow_nan=False, default=_plain)
        except ValueError:  # a NaN or infinity somewhere: JSON has no word for them, the page gets null
            text = json.dumps(_finite(message), allow_nan=False, default=_plain)
        await self.websocket.send_text(text)

    async def error(self, message: str, field: str = "") -> None:
        await self.send({"type": "error", "message": message, "field": field})

    async def frame(self, full: bool = False) -> None:
        async with self.lock:  # built (and encoded) in a worker thread, off the event loop
            frame = await asyncio.to_thread(self.session.frame_bytes if self.binary else self.session.frame, full)
        if self.binary:
            await self.websocket.send_bytes(frame)
        else:
            await self.send(frame)

    async def train_loop(self) -> None:
        """Slices of training off the event loop, a frame after each (rate-limited)."""
        last_frame = 0.0
        try:
            while self.session.status == "training":
                started = time.perf_counter()
                async with self.lock:
                    await asyncio.to_thread(self.session.train_for, SLICE_SECONDS)
                now = time.perf_counter()
                if now - last_frame >= FRAME_INTERVAL or self.session.status != "training":
                    await self.frame()
                    last_frame = now
                # the slice's step budget may be spent early: wait out the slice, so steps per second stay capped
                await asyncio.sleep(max(0.0, SLICE_SECONDS - (time.perf_counter() - started)))
        except (WebSocketDisconnect, asyncio.CancelledError):  # the tab went away: nobody to tell
            self.session.status = "paused"
        except Exception as err:
            if self.websocket.client_state != WebSocketState.CONNECTED:  # sending to a closed tab fails too
                self.session.status = "paused"
                return
            # never leave a tab silently paused: say that training stopped, and why, in the page
            self.session.status = "stopped"
            self.session.message = (f"Training stopped by an internal error ({type(err).__name__}), not by your "
                                    "settings; the weights are kept. Press train to carry on, or reset.")
            await self.frame()

    def stop(self) -> None:
        self.session.status = "paused" if self.session.status == "training" else self.session.status
        if self.task is not None:
            self.task.cancel()

    async def handle(self, message: dict) -> None:
        kind = message.get("type")
        session = self.session
        if kind == "config":
            was_training = session.status == "training"
            async with self.lock:
                session.update(message.get("config", {}))
                if was_training and session.trainable:
                    session.status = "training"
            await self.frame(full=True)
            self._ensure_loop()
        elif kind == "update":
            async with self.lock:
                session.update(message.get("config", {}))
            await self.frame()
        elif kind == "train":
            session.status, session.message = "training", ""
            self._ensure_loop()
        elif kind == "pause":
            session.status = "paused"
            await self.frame()
        elif kind == "step":
            session.status = "paused"
            async with self.lock:
                await asyncio.to_thread(session.train_for_steps, 1)
            await self.frame()
        elif kind == "reset":
            async with self.lock:
                session.configure(session.config)
            await self.frame(full=True)
        elif kind == "edit":
            async with self.lock:
                session.edit(message.get("layer"), message.get("neuron"), message.get("weights"), message.get("bias"))
            await self.frame()
        elif kind == "restore":  # a reloaded page gives back its trained weights, a layer a message
            async with self.lock:
                session.set_layer(message.get("layer"), message.get("weights"), message.get("bias"))
            await self.frame()
        elif kind == "approximate":
            frame, net = await asyncio.to_thread(approximation_frame, message.get("expr", ""),
                                                 message.get("domain", [-3, 3]), message.get("eps", 0.05),
                                                 message.get("activation", "relu"))
            self.approximation = (message, net)
            await self.send(frame)
        elif kind == "adopt":
            if self.approximation is None:
                raise RequestError("build an approximation first")
            request, net = self.approximation
            config = {**session.config, "mode": "function", "expr": request["expr"],
                      "domain": [float(v) for v in request["domain"]], "layers": [net.layers[0].neurons],
                      "activation": net.layers[0].activation.name}
            origin = {"expr": request.get("expr", ""), "domain": config["domain"], "eps": float(request.get("eps", 0.05)),
                      "activation": request.get("activation", "relu")}
            async with self.lock:
                session.adopt_network(net.copy(), config, origin)
            await self.frame(full=True)
        elif kind == "explain":
            from ..explain import explain

            net = session.net
            if net.n_parameters() > 200:
                raise RequestError(f"the backprop view is for networks of at most 200 parameters; this one has "
                                   f"{net.n_parameters()}: remove some neurons")
            x = message.get("x", session.x_train[0].tolist())
            y = message.get("y", session._target_row(0))
            try:
                lr = message.get("lr")  # None: explain picks a learning rate that lowers the loss
                grid = np.linspace(*session._x_range(), 200) if session.dims == 1 else None  # the output graph
                result = await asyncio.to_thread(explain, net, x, y, None if lr is None else float(lr), 1e-6, grid)
            except (TypeError, ValueError) as err:
                raise RequestError(str(err)) from None
            await self.send({"type": "explanation", **result.to_dict(), "sizes": net.sizes,
                             "activations": [l.activation.name for l in net.layers],
                             "weights": [l.W.data.tolist() for l in net.layers]})
        elif kind == "lesson":
            from ..lesson import facts

            await self.send({"type": "lesson", **await asyncio.to_thread(facts)})
        elif kind == "export":
            await self.send(await asyncio.to_thread(session.export, message.get("what")))
        else:
            raise RequestError(f"unknown message type {kind!r}")

    def _ensure_loop(self) -> None:
        if self.session.status == "training" and (self.task is None or self.task.done()):
            self.task = asyncio.create_task(self.train_loop())


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
            text = await websocket.receive_text()
            if len(text) > MAX_MESSAGE_BYTES:
                await connection.error(f"message too large ({len(text):,} bytes; at most {MAX_MESSAGE_BYTES:,})")
                continue
            try:
                message = json.loads(text)
                if not isinstance(message, dict):
                    raise RequestError("a message must be a JSON object")
                await connection.handle(message)
            except json.JSONDecodeError:
                await connection.error("not JSON")
            except RequestError as err:
                await connection.error(str(err), err.field)
            except ValueError as err:  # neuronlab's own errors say what is wrong
                await connection.error(str(err))
    except WebSocketDisconnect:
        pass
    finally:
        connection.stop()
        app_state.connections.discard(connection)


async def index(request):
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


def create_app() -> Starlette:
    app = Starlette(routes=[Route("/", index), WebSocketRoute("/ws", websocket_endpoint),
                            Mount("/static", StaticFiles(directory=STATIC), name="static")])
    app.state.connections = set()
    return app


app = create_app()
