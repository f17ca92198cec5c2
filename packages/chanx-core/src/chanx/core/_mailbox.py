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
* Everything else (events, Channels-style ``{"type": "a.b"}`` messages) is handled by the
  connection's delivery task; for an idle connection its first step runs at once, as that
  task (below). Anything for a busy connection waits in the connection's backlog, drained in
  order by the delivery task. The backlog holds at most ``capacity`` messages: beyond that,
  messages for this connection are dropped and logged, so a client that stops reading costs
  bounded memory and never holds up the sender or other connections.

The delivery task is started by the first message that needs it and then lives as long as the
connection, waiting on a future while the backlog is empty (a handler that cancels it ends
only what it was handling: the next message gets a new task). Starting a task per delivery
(what an earlier version did) built the task and its coroutine and registered and
unregistered it, about a quarter of a ``broadcast_event`` to 1,000 connections
(``bench/bench_fanout.py``). Connections that only ever forward broadcasts never start one.

Messages for one connection are handled in the order they were sent, each in a copy of the
connection's context (so the sender's context variables, e.g. its frame's ``ref``, never leak
into another connection's frames).

A message for an idle connection whose delivery task waits runs its first step at once, on
the sender's stack but *as the delivery task*: for that step the loop's current task is the
connection's delivery task, so a handler's ``current_task()``, ``asyncio.timeout`` or
``cancel()`` acts on its own connection's task, never the sender's, as if the delivery task
had run it. A handler that completes without waiting (the usual case: it returns a message
and the server's socket buffer has room) then costs no wake-up of the task; one that waits
hands the rest of its run to the delivery task, and the sender moves on. Waking the task per
receiver was about a fifth of a ``broadcast_event`` to 1,000 connections. This is what Python
3.12's eager tasks do, without building a task per message; the current task is switched
with asyncio's ``_enter_task``/``_leave_task`` (what asyncio's own task steps call), and where
an interpreter lacks them every message goes through the woken delivery task. First steps
nest at most :data:`_MAX_NESTED` deep (a handler sending an event to another idle connection
starts that one's first step inside its own); deeper ones are left to their delivery task, so
a chain of relays never exhausts the stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, cast

from chanx.core.layer_messages import EVENT, is_broadcast
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
        "_eager",
        "_event",
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
        event: Callable[[LayerMessage], Coroutine[Any, Any, object] | None] | None = None,
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
        #: Whether a message's first step may run as the delivery task (module docstring):
        #: needs asyncio's task switch and a ``dispatch`` that returns a coroutine.
        self._eager = _switch is not None and inspect.iscoroutinefunction(dispatch)
        #: ``event(envelope)``: what handling an event envelope awaits (None: nothing to
        #: do), what ``dispatch`` would reach through its ``chanx_event``; None when the
        #: consumer overrides either, which then handle every message.
        self._event = event

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
                self._backlog.appendleft(_Pending(coro, yielded, _FORWARD_FAILED))
            elif not self._backlog:
                self._busy = False
                return True
        elif (
            self._eager
            and (waiter := self._waiter) is not None
            and not waiter.done()
            and self._first_step(message)
        ):
            if not self._backlog:
                self._busy = False
                return True
        else:
            self._backlog.append(message)
        self._wake()
        return True

    def _first_step(self, message: LayerMessage) -> bool:
        """Run ``message``'s first step now, as the waiting delivery task (module docstring);
        False, with nothing run, when first steps are nested too deeply already.

        A handling that has to wait goes first in the backlog, for the task to drive on.
        """
        task = self._task
        switch = _switch
        if task is None or switch is None:  # only called with both (``_eager``, a waiter)
            return False
        loop = task.get_loop()
        sender = asyncio.current_task(loop)
        depth = 1 if sender is None else _depth.get(sender, 0) + 1
        if depth > _MAX_NESTED:
            return False
        event = self._event
        try:
            if event is not None and message.get("type") == EVENT:
                coro = event(message)
                if coro is None:
                    return True
            else:
                coro = cast("Coroutine[Any, Any, object]", self.dispatch(message))
        except Exception:
            logger.warning("could not deliver a layer message", exc_info=True)
            return True
        enter, leave = switch
        if sender is not None:
            leave(loop, sender)
        enter(loop, task)
        _depth[task] = depth
        try:
            yielded = self._context.run(coro.send, None)
        except StopIteration:
            return True
        except (Exception, asyncio.CancelledError):
            logger.warning("could not deliver a layer message", exc_info=True)
            return True
        finally:
            del _depth[task]
            leave(loop, task)
            if sender is not None:
                enter(loop, sender)
        self._backlog.appendleft(_Pending(coro, yielded, _DELIVERY_FAILED))
        return True

    def _wake(self) -> None:
        """Have the delivery task drain the backlog: wake it, or start it the first time
        (or again, if a handler cancelled it for good)."""
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
            return
        task = self._task
        if task is None or task.done():
            self._start_task()

    def _start_task(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), context=self._context)

    async def _run(self) -> None:
        """The delivery task: drain the backlog in order, then wait until woken."""
        try:
            await self._drain()
        except asyncio.CancelledError:
            if self._task is asyncio.current_task():  # not close(): a handler's or the loop's
                # what this task was handling ends here; what still waits gets a new task (if
                # the loop is stopping, the connection's own close() cancels that one)
                self._waiter = None
                if self._backlog:
                    self._start_task()
                else:
                    self._busy = False
            raise

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        backlog = self._backlog
        while True:
            while backlog:
                item = backlog.popleft()
                if isinstance(item, _Pending):  # drive on a first step that had to wait
                    try:
                        await _resume(item.coro, item.yielded)
                    except Exception:
                        logger.warning(item.failure, exc_info=True)
                    continue
                try:
                    await self.dispatch(item)
                except Exception:  # the task must live on, or delivery would stall
                    logger.warning("could not deliver a layer message", exc_info=True)
            self._busy = False
            waiter = self._waiter = loop.create_future()
            try:
                await waiter
            except asyncio.CancelledError as exc:
                # a cancellation between a first step run as this task and this task taking
                # the rest over (an ``asyncio.timeout`` that expired at once, a handler that
                # cancelled its own task) is the handler's, as it would have been in a task
                pending = backlog[0] if backlog else None
                if not isinstance(pending, _Pending):
                    raise
                backlog.popleft()
                try:
                    pending.yielded = pending.coro.throw(exc)
                except StopIteration:
                    continue
                except Exception:
                    logger.warning(pending.failure, exc_info=True)
                    continue
                backlog.appendleft(pending)

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
    """A forward or handling whose first step ran in the sender's task and suspended on
    ``yielded``; ``failure`` is what is logged if the rest of it raises."""

    __slots__ = ("coro", "failure", "yielded")

    def __init__(self, coro: Coroutine[Any, Any, Any], yielded: Any, failure: str) -> None:
        self.coro = coro
        self.yielded = yielded
        self.failure = failure


_DONE = object()
_FORWARD_FAILED = "could not forward a broadcast"
_DELIVERY_FAILED = "could not deliver a layer message"

#: How deep first steps run as their delivery task may nest (see the module docstring).
_MAX_NESTED = 8


#: The delivery tasks whose first steps run now, and how deeply each is nested (keyed by
#: task, as each loop's tasks are its own, so threads with loops of their own do not mix).
_depth: dict[asyncio.Task[None], int] = {}


def _task_switch() -> tuple[Callable[..., None], Callable[..., None]] | None:
    """asyncio's functions that make a task the loop's current one and undo it, or None."""
    enter = getattr(asyncio.tasks, "_enter_task", None)
    leave = getattr(asyncio.tasks, "_leave_task", None)
    return (enter, leave) if callable(enter) and callable(leave) else None


_switch = _task_switch()


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
