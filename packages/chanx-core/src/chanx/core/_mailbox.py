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
  busy connection, waits in the connection's backlog, drained in order by the connection's
  delivery task. The backlog holds at most ``capacity`` messages: beyond that, messages for
  this connection are dropped and logged, so a client that stops reading costs bounded memory
  and never holds up the sender or other connections.

The delivery task is started by the first message that needs it and then lives as long as the
connection, waiting on a future while the backlog is empty. Waking a waiting task costs a
future and one loop step; starting a task per delivery (what an earlier version did) also
built the task and its coroutine and registered and unregistered it, which was about a quarter
of a ``broadcast_event`` to 1,000 connections (``bench/bench_fanout.py``). Connections that only
ever forward broadcasts never start one.

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
        "_waiter",
        "capacity",
        "consumer",
        "dispatch",
    )

    def __init__(
        self,
        consumer: LayerConsumer,
        capacity: int,
        dispatch: Callable[[LayerMessage], Awaitable[None]],
        forward: Callable[[LayerMessage], Coroutine[Any, Any, None]] | None,
    ) -> None:
        self.consumer = consumer
        self.capacity = capacity
        #: ``async dispatch(message)``: runs the consumer method named by the message type.
        self.dispatch = dispatch
        #: Layer messages, and at most one forward that had to wait (always first).
        self._backlog: deque[LayerMessage | _Pending] = deque()
        #: True while the delivery task works or a forward waits: new messages queue up.
        self._busy = False
        self._task: asyncio.Task[None] | None = None
        #: The future the idle delivery task waits on; None while it works (or before it).
        self._waiter: asyncio.Future[None] | None = None
        self._context = contextvars.copy_context()
        #: ``async forward(broadcast)``, started in the sender's task; None when a subclass
        #: overrides ``chanx_broadcast`` (its code is a user handler then, run by the delivery
        #: task through ``dispatch``).
        self._forward = forward

    def deliver(self, message: LayerMessage) -> bool:
        """Take ``message``; False when it was dropped because the backlog is full."""
        if self._busy:
            if len(self._backlog) >= self.capacity:
                report_message_dropped(self.consumer)
                return False
            self._backlog.append(message)
            return True
        self._busy = True  # a message sent by what runs now is queued, not nested
        forward = self._forward
        if forward is not None and is_broadcast(message):
            coro = forward(message)
            try:
                yielded = self._context.run(coro.send, None)
            except StopIteration:
                yielded = _DONE
            except Exception:
                logger.warning("could not forward a broadcast", exc_info=True)
                yielded = _DONE
            if yielded is not _DONE:
                self._backlog.appendleft(_Pending(coro, yielded))
            elif not self._backlog:
                self._busy = False
                return True
        else:
            self._backlog.append(message)
        self._wake()
        return True

    def _wake(self) -> None:
        """Have the delivery task drain the backlog: wake it, or start it the first time."""
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter.set_result(None)
        elif self._task is None:
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), context=self._context)

    async def _run(self) -> None:
        """The delivery task: drain the backlog in order, then wait until woken."""
        loop = asyncio.get_running_loop()
        backlog = self._backlog
        while True:
            while backlog:
                item = backlog.popleft()
                if isinstance(item, _Pending):  # drive on a forward that had to wait
                    try:
                        await _resume(item.coro, item.yielded)
                    except Exception:
                        logger.warning("could not forward a broadcast", exc_info=True)
                    continue
                try:
                    await self.dispatch(item)
                except Exception:  # the task must live on, or delivery would stall
                    logger.warning("could not deliver a layer message", exc_info=True)
            self._busy = False
            waiter = self._waiter = loop.create_future()
            await waiter

    async def close(self) -> None:
        """Stop delivering: cancel a send or drain in progress and forget the backlog."""
        self._busy = True  # refuse anything that still arrives
        self._backlog.clear()
        self._waiter = None
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class _Pending:
    """A forward whose first step ran in the sender's task and suspended on ``yielded``."""

    __slots__ = ("coro", "yielded")

    def __init__(self, coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
        self.coro = coro
        self.yielded = yielded


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
