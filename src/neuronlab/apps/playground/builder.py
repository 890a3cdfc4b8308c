"""The approximate tab's constructions, each built in a child process: timed, cancellable, capped in memory.

A construction can take many seconds of CPU and hundreds of MB. Built in the server's own threads it would
hold the thread pool the training tabs share, and go on after its tab closed. Here each build is a child
process of a fork server that has neuronlab already imported (so one starts in milliseconds): at most
``MAX_BUILDS`` run at a time over all tabs, a tab has at most one (a new request or a ``cancel`` stops the
last), each gets ``BUDGET_SECONDS`` and ``MEMORY_BYTES`` of address space, runs at a lower priority than
training, and is killed when its tab closes. It reports its progress ("building: N neurons so far").
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import time
import traceback

BUDGET_SECONDS = 20.0
MAX_BUILDS = 2
MEMORY_BYTES = 2 * 1024**3
PROGRESS_INTERVAL = 0.25  # seconds between progress reports

_context = None
# threads that wait on the children's pipes: their own, so the pool the training tabs share stays free
_WAITERS = concurrent.futures.ThreadPoolExecutor(max_workers=2 * MAX_BUILDS, thread_name_prefix="neuronlab-build")


class BuildError(ValueError):
    """A construction that could not be finished: over its time or memory budget, too large, or failed."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _mp():
    global _context
    if _context is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(["neuronlab.playground.session", "neuronlab.approximate"])
        else:  # Windows: a fresh interpreter per build (slower to start, the same limits otherwise)
            _context = multiprocessing.get_context("spawn")
    return _context


def _ready() -> None:
    """Start the fork server once (it imports neuronlab: about half a second), so later starts are quick."""
    from multiprocessing import forkserver

    if _mp().get_start_method() == "forkserver":
        forkserver.ensure_running()


def _child(connection, request: dict, cap: int) -> None:
    """In the child: build, sending ("progress", stage, count) now and then, then ("done", frame, network)
    or ("error", message, field)."""
    from neuronlab.apps.playground.session import RequestError, approximation_frame

    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        os.nice(10)  # training tabs first
    except (ImportError, AttributeError, OSError, ValueError):  # not on this system: the time budget still holds
        pass
    last = {"stage": None, "time": 0.0}

    def tell(item) -> None:
        try:
            connection.send(item)
        except OSError:  # the tab is gone (cancelled, closed): stop quietly
            raise SystemExit(0) from None

    def progress(stage: str, count: int) -> None:
        if stage == "building" and count > cap:
            raise RequestError(
                f"the construction passed {cap:,} neurons and was stopped: choose a larger eps or a smaller domain",
                "eps",
            )
        now = time.monotonic()
        if stage != last["stage"] or now - last["time"] >= PROGRESS_INTERVAL:
            last.update(stage=stage, time=now)
            tell(("progress", stage, int(count)))

    try:
        frame, net = approximation_frame(
            request["expr"], request["domain"], request["eps"], request["activation"], progress=progress
        )
        layers = [(layer.activation.name, layer.W.data, layer.b.data) for layer in net.layers]
        tell(("done", frame, layers))  # arrays, not the Network (its activations hold lambdas)
    except RequestError as err:
        tell(("error", str(err), err.field))
    except MemoryError:
        tell(
            (
                "error",
                f"the construction needs more than the {MEMORY_BYTES // 1024**2:,} MB the page "
                "allows: choose a larger eps or a smaller domain",
                "eps",
            )
        )
    except Exception:  # the server's log gets the details; the page gets a plain sentence
        traceback.print_exc()
        tell(("error", "the construction failed on this target; try another eps or domain", "expr"))
    finally:
        connection.close()


def _network(layers):
    from neuronlab.engine.network import Dense, Network

    return Network([Dense(W.shape[0], W.shape[1], name, weights=W, bias=b) for name, W, b in layers])


async def build(request: dict, slots: asyncio.Semaphore, report, cap: int, budget: float = BUDGET_SECONDS):
    """Build in a child process; ``await report(stage, count, seconds)`` on progress; returns (frame, net).

    Raises ``BuildError`` (over budget, failed) or ``RequestError`` (the construction refused the request);
    cancelling the task kills the child.
    """
    from neuronlab.apps.playground.session import RequestError

    loop = asyncio.get_running_loop()
    if slots.locked():
        await report("waiting for a free builder", 0, 0.0)
    async with slots:
        started = loop.time()  # the budget is for building: waiting for a free builder does not spend it
        await asyncio.to_thread(_ready)
        receiver, sender = _mp().Pipe(duplex=False)
        process = _mp().Process(target=_child, args=(sender, request, cap), daemon=True)
        try:
            process.start()  # a fork of the fork server: milliseconds, and nothing to leak if cancelled
            sender.close()
            while True:
                remaining = started + budget - loop.time()
                if remaining <= 0:
                    raise BuildError(
                        f"the construction took more than {budget:g} s and was stopped: choose a "
                        "larger eps or a smaller domain",
                        "eps",
                    )
                if not await loop.run_in_executor(_WAITERS, receiver.poll, min(remaining, 0.25)):
                    continue
                try:
                    item = await loop.run_in_executor(_WAITERS, receiver.recv)
                except (EOFError, OSError):
                    raise BuildError(
                        "the construction stopped unexpectedly (out of memory?): choose a larger "
                        "eps or a smaller domain",
                        "eps",
                    ) from None
                if item[0] == "progress":
                    await report(item[1], item[2], loop.time() - started)
                elif item[0] == "done":
                    return item[1], _network(item[2])
                else:
                    raise RequestError(item[1], item[2])
        finally:
            receiver.close()
            sender.close()
            if process.pid is not None and process.is_alive():
                process.kill()  # multiprocessing reaps it when the next build starts
