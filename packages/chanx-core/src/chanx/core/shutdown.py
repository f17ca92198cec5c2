"""Graceful shutdown: on SIGTERM, finish in-flight handlers and close every connection with 1012.

Servers stop differently and neither waits for a WebSocket handler: uvicorn, on SIGTERM,
closes its listening sockets, then closes every WebSocket at once with 1012 and only then
runs the lifespan shutdown (too late to finish anything); daphne stops the Twisted reactor
and cancels every application. chanx therefore runs first: the first connection a process
opens (in the main thread, with ``graceful_shutdown`` on) installs a SIGTERM handler that
chains to the one already installed (the server's). On SIGTERM it

1. marks the process as draining: a handshake arriving now is accepted and closed with 1012
   at once (the client reconnects elsewhere), no authentication or handler runs;
2. lets each live connection finish the frame it is handling (and its concurrent handlers),
   at most ``shutdown_timeout`` seconds, routes no frame after it, and closes it with
   :data:`~chanx.constants.CLOSE_SERVICE_RESTART` (1012);
3. waits (briefly) for the clients' close handshakes, then hands the signal to the previous
   handler, so the server shuts down as it always does, now without open connections.

A second SIGTERM during the drain goes to the server's handler at once. :func:`drain` runs
steps 1-2 on demand (a lifespan hook, a custom signal handler, a test).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import weakref
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from chanx.constants import CLOSE_SERVICE_RESTART

if TYPE_CHECKING:
    import chanx.core.connection  # spelled out: Sphinx knows two classes named Connection

__all__ = ["drain", "draining", "install_signal_handler", "live_connections"]

logger = logging.getLogger("chanx.shutdown")

_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class _State:
    """Process-wide: the live connections and the installed handler (one per process)."""

    def __init__(self) -> None:
        self.live: weakref.WeakSet[chanx.core.connection.Connection] = weakref.WeakSet()
        self.draining = False
        self.installed = False
        self.previous: _Handler = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None


_state = _State()


def draining() -> bool:
    """True while this process is shutting down gracefully (new handshakes get 1012)."""
    return _state.draining


def live_connections() -> list[chanx.core.connection.Connection]:
    """The connections of this process whose handshake arrived and that did not end yet."""
    return list(_state.live)


def track(connection: chanx.core.connection.Connection) -> None:
    """Record a connection until it ends; install the SIGTERM handler once, if allowed."""
    _state.live.add(connection)
    loop = _state.loop
    if connection.graceful_shutdown and (loop is None or loop.is_closed()):
        install_signal_handler()


def untrack(connection: chanx.core.connection.Connection) -> None:
    """Forget a connection that ended."""
    _state.live.discard(connection)


def install_signal_handler() -> bool:
    """Install the SIGTERM handler (chained to the current one); False outside the main thread.

    Called by the first connection of a process; call it yourself to install it earlier. It
    must run in the thread of the event loop serving the connections (the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    _state.loop = loop  # a process that runs several loops in turn drains the current one
    if not _state.installed:
        _state.previous = signal.signal(signal.SIGTERM, _on_signal)
        _state.installed = True
    return True


def _on_signal(signum: int, frame: FrameType | None) -> None:
    loop = _state.loop
    if _state.draining or loop is None or loop.is_closed():
        _forward(signum, frame)  # a second signal, or nothing to drain: the server's turn
        return
    _state.draining = True
    logger.info("SIGTERM: closing %d connection(s) with 1012", len(_state.live))
    loop.call_soon_threadsafe(_start, loop, signum, frame)


def _start(loop: asyncio.AbstractEventLoop, signum: int, frame: FrameType | None) -> None:
    _state.task = loop.create_task(_drain_then_forward(signum, frame))


async def _drain_then_forward(signum: int, frame: FrameType | None) -> None:
    try:
        await drain()
    finally:
        if _state.installed:  # not handed over yet by a second signal
            _forward(signum, frame)
        else:
            # a second signal handed over during the drain, and drain() then restored the
            # flag it found; the server's handler has run, so stop sending handshakes away
            _state.draining = False


def _forward(signum: int, frame: FrameType | None) -> None:
    """Give the signal to the handler that was installed before ours, and step aside."""
    previous = _state.previous
    if not _state.installed:
        return
    _state.installed = False
    _state.previous = None
    signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
    elif previous in (signal.SIG_DFL, None):
        signal.raise_signal(signum)
    # after the server's handler the process stops accepting; connections opened in the
    # meantime are closed by the server itself
    _state.draining = False


async def drain(code: int = CLOSE_SERVICE_RESTART) -> None:
    """Close every live connection of the running event loop gracefully with ``code``.

    Each connection finishes the frame it is handling (within its ``shutdown_timeout``),
    then closes; handshakes that arrive meanwhile are closed with ``code`` too. Returns
    when every connection ended or its bounds passed.
    """
    before, _state.draining = _state.draining, True
    loop = asyncio.get_running_loop()
    mine = [c for c in _state.live if c._chanx_loop is loop]
    try:
        results = await asyncio.gather(
            *(c.close_gracefully(code) for c in mine), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                logger.error("a graceful close failed", exc_info=result)
    finally:
        _state.draining = before  # the signal path keeps it until the server took over
