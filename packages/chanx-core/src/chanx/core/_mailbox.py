"""Direct delivery of layer messages to a connection of this process, with a bounded backlog.

A consumer on :class:`~chanx.core.layers.InMemoryChannelLayer` attaches a ``Mailbox`` to its
channel instead of running a reader task. The layer hands every message for that channel to
:meth:`Mailbox.deliver`, in the sender's task:

* A broadcast (``chanx.broadcast``: ready text to forward) to an idle connection is sent at
  once: the send is started in the sender's task and, when it finishes without waiting (the
  usual case: the server's socket buffer has room), no task, queue or wake-up is involved. A
  broadcast to 1,000 connections then costs about what a hand-written loop over the sockets
  costs (``bench/bench_fanout.py``). When the send has to wait (the client does not read and
  its socket buffer is full) the rest of it continues in a task of its own and the
  connection counts as busy; the sender moves on.
* Everything else (events, Channels-style ``{"type": "a.b"}`` messages), and anything for a
  busy connection, waits in the connection's backlog, drained in order by one task. The
  backlog holds at most ``capacity`` messages: beyond that, messages for this connection are
  dropped and logged, so a client that stops reading costs bounded memory and never holds up
  the sender or other connections.

Messages for one connection are handled in the order they were sent. User handlers never run
in the sender's task (a handler's ``asyncio.timeout`` or ``current_task()`` would otherwise see
the sender); only chanx's own forwarding of broadcast text is started there, in a copy of the
connection's context (so the sender's context variables, e.g. its frame's ``ref``, never leak
into another connection's frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from chanx.core.layer_messages import is_broadcast
from chanx.core.telemetry import report_message_dropped

if TYPE_CHECKING:
    from chanx.core.types import LayerConsumer, LayerMessage

__all__ = ["Mailbox"]

logger = logging.getLogger("chanx.layer")


class Mailbox:
    """Delivers layer messages to ``consumer``; at most ``capacity`` wait while it is busy."""

    __slots__ = (
        "_backlog",
        "_busy",
        "_context",
        "_forward",
        "_task",
        "capacity",
        "consumer",
        "dispatch",
        "eager",
    )

    def __init__(
        self,
        consumer: LayerConsumer,
        capacity: int,
        dispatch: Callable[[LayerMessage], Awaitable[None]],
        eager: bool = True,
    ) -> None:
        self.consumer = consumer
        #: Forward broadcasts in the sender's task; False when a subclass overrides
        #: ``chanx_broadcast`` (its code is a user handler then, run by the backlog task).
        self.eager = eager
        self.capacity = capacity
        #: ``async dispatch(message)``: runs the consumer method named by the message type.
        self.dispatch = dispatch
        self._backlog: deque[LayerMessage] = deque()
        self._busy = False
        self._task: asyncio.Task[None] | None = None
        self._context = contextvars.copy_context()
        self._forward = consumer.chanx_broadcast

    def deliver(self, message: LayerMessage) -> bool:
        """Take ``message``; False when it was dropped because the backlog is full."""
        if self._busy:
            if len(self._backlog) >= self.capacity:
                report_message_dropped(self.consumer)
                return False
            self._backlog.append(message)
            return True
        if self.eager and is_broadcast(message):
            self._busy = True  # a broadcast sent by this very send is queued, not nested
            coro = self._forward(message)
            try:
                yielded = self._context.run(coro.send, None)
            except StopIteration:
                yielded = _DONE
            except Exception:
                logger.warning("could not forward a broadcast", exc_info=True)
                yielded = _DONE
            if yielded is _DONE:
                if self._backlog:
                    self._start(self._drain())
                else:
                    self._busy = False
                return True
            self._start(self._finish(coro, yielded))
            return True
        self._busy = True
        self._backlog.append(message)
        self._start(self._drain())
        return True

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(coro, context=self._context)

    async def _finish(self, coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
        """Drive on a send that had to wait, then drain the backlog."""
        try:
            await _resume(coro, yielded)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("could not forward a broadcast", exc_info=True)
        await self._drain()

    async def _drain(self) -> None:
        try:
            while self._backlog:
                await self.dispatch(self._backlog.popleft())
        finally:
            self._busy = False
            self._task = None

    async def close(self) -> None:
        """Stop delivering: cancel a send or drain in progress and forget the backlog."""
        self._busy = True  # refuse anything that still arrives
        self._backlog.clear()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


_DONE = object()


async def _resume(coro: Coroutine[Any, Any, Any], yielded: Any) -> Any:
    """Continue ``coro``, whose first step ran elsewhere and suspended on ``yielded``.

    An asyncio coroutine suspends by yielding the future it waits for (or ``None`` for a bare
    yield). Awaiting that future here and then resuming the coroutine is what a task would
    have done; the coroutine itself collects the future's result or exception.
    """
    while True:
        try:
            if yielded is None:
                await asyncio.sleep(0)
            else:
                # the coroutine flagged the future as awaited; a task would reset the flag
                # before waiting on it, and so do we (else awaiting it again is refused)
                yielded._asyncio_future_blocking = False
                await yielded
        except asyncio.CancelledError as exc:
            if yielded is None or not yielded.cancelled():
                # this task was cancelled between steps: pass the cancellation on
                try:
                    yielded = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
                continue
        except BaseException:
            pass
        try:
            yielded = coro.send(None)
        except StopIteration as stop:
            return stop.value
