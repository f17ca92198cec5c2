"""Layer sends made while the channel layer is unreachable: kept in order, retried when it is back.

Every ``send``/``group_send`` chanx makes (``broadcast_message``, ``send_event``,
``broadcast_event`` and their ``*_sync`` twins) goes through :func:`send_buffered`. When the
layer answers, that is one plain call. When it cannot be reached (Redis down), the message is
queued in the layer's :class:`OutageBuffer` and the call returns; later sends of the process
queue behind it, so order is kept per sender (per process, in fact). A background thread
retries the queue, oldest first, once the layer answers again.

The guarantees, and where they stop:

* **Bounded.** A message waits at most ``max_age`` seconds (default 10) and the buffer holds at
  most ``max_items`` messages (default 10,000). Past either bound the message is dropped
  loudly: an ERROR log on ``chanx.layer`` and the observers' ``layer_send_dropped`` hook
  (``chanx_layer_send_dropped_total`` in Prometheus). A send refused because the buffer is
  full raises :class:`OutageBufferFull` to its caller.
* **No duplicates.** A layer call is at most once per attempt, so a retry must only follow a
  failure where Redis did not apply the command. A failure to connect (or an exhausted pool)
  proves it; it is retried. A failure after the command was written (the connection died
  while waiting for the reply, a read timeout) is checked at once with a probe on a new
  connection: when Redis refuses connections, the command died with the server (or never
  reached it: a pooled connection to a dead server fails this way) and it is retried; when
  Redis answers, it may have applied the command, so it is not retried: it is reported like
  a drop (reason ``unconfirmed``) and raised to the caller. What remains: a command Redis
  applied in the instant before it crashed, if a receiver read it before the crash (or
  Redis persisted it), is delivered twice.
* **Receivers first.** A restarted Redis has forgotten every group membership; chanx's layer
  readers re-join within ``0.5`` s of Redis answering. The buffer waits ``settle`` seconds
  (default 1) after Redis answers before it retries, so the retried messages find their
  receivers. Messages that were inside Redis when it died (sent, not yet read) are gone with
  it unless Redis persists its data.
* **Process lifetime.** The buffer lives in the sending process. At interpreter exit, a
  non-empty buffer is drained for up to ``max_age`` seconds, then whatever is left is dropped
  loudly (a script or task calling ``*_sync`` during an outage waits for that at exit).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
import time
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chanx.core.telemetry import Observer
    from chanx.core.types import ChannelLayer, LayerMessage

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_SETTLE",
    "OutageBuffer",
    "OutageBufferFull",
    "configure_outage_buffer",
    "is_outage_error",
    "outage_buffer",
    "send_buffered",
]

logger = logging.getLogger("chanx.layer")

#: Seconds a message may wait in the buffer before it is dropped.
DEFAULT_MAX_AGE = 10.0
#: Messages the buffer of one layer holds at most.
DEFAULT_MAX_ITEMS = 10_000
#: Seconds between Redis answering again and the first retry (receivers re-join first).
DEFAULT_SETTLE = 1.0

_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 0.5
# The group and channel of the probe (see _probe); nobody joins or reads them.
_PROBE_NAME = "chanx.outage-probe"


class OutageBufferFull(RuntimeError):
    """A layer send was refused: its layer's outage buffer already holds ``max_items``."""


def is_outage_error(exc: BaseException) -> bool:
    """True when ``exc`` says the layer could not be reached (not a full channel, not a bug)."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    return any(
        k.__module__.startswith("redis") and k.__name__ in ("ConnectionError", "TimeoutError")
        for k in type(exc).__mro__
    )


def _never_sent(exc: BaseException) -> bool:
    """True when ``exc`` proves the command never reached the layer (safe to retry)."""
    if isinstance(exc, ConnectionRefusedError):
        return True
    names = {k.__name__ for k in type(exc).__mro__}
    if "MaxConnectionsError" in names:
        return True
    # redis-py's message for a failed connect: "Error 111 connecting to host:port. ..."
    return "ConnectionError" in names and " connecting to " in str(exc)


class _Item:
    __slots__ = ("message", "observer", "operation", "sender", "since", "target")

    def __init__(
        self,
        operation: str,
        target: str,
        message: LayerMessage,
        sender: type | None,
        observer: Observer | None,
    ) -> None:
        self.operation = operation
        self.target = target
        self.message = message
        self.sender = sender
        self.observer = observer
        self.since = time.monotonic()


async def _probe(layer: ChannelLayer) -> None:
    """A harmless call that needs Redis to answer; raises what the layer raises when it is down.

    Removing a channel nobody added from a group is a Redis ``ZREM`` on the sorted-set layers;
    pub/sub layers keep groups in process, so they publish to a channel nobody reads instead.
    """
    if "PubSub" in type(layer).__name__:
        await layer.send(_PROBE_NAME, {"type": "chanx.outage_probe"})
    else:
        await layer.group_discard(_PROBE_NAME, _PROBE_NAME)


async def _layer_down(layer: ChannelLayer) -> bool:
    """After an ambiguous failure: True when Redis refuses connections now (safe to retry)."""
    try:
        await _probe(layer)
    except Exception as exc:
        return is_outage_error(exc)
    return False


async def _call(layer: ChannelLayer, item: _Item) -> None:
    if item.operation == "send":
        await layer.send(item.target, item.message)
    else:
        await layer.group_send(item.target, item.message)


class _Drainer:
    """One daemon thread with its own event loop, shared by every buffer of the process.

    A thread, not a task of the sender's loop: ``*_sync`` callers run on short-lived loops
    (``async_to_sync`` in a plain thread) that are gone before the layer is back.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = self._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="chanx-outage-buffer", daemon=True
                ).start()
            return self._loop


_drainer = _Drainer()
_buffers: weakref.WeakKeyDictionary[Any, OutageBuffer] = weakref.WeakKeyDictionary()
_buffers_lock = threading.Lock()


class OutageBuffer:
    """The queue of one layer's sends that wait for the layer to come back.

    Args:
        layer: the channel layer (held weakly).
        max_age: seconds a message may wait; ``0`` turns buffering off (sends fail at once).
        max_items: messages held at most; a send beyond it raises :class:`OutageBufferFull`.
        settle: seconds between the layer answering again and the first retry.
    """

    def __init__(
        self,
        layer: ChannelLayer,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        max_items: int = DEFAULT_MAX_ITEMS,
        settle: float = DEFAULT_SETTLE,
    ) -> None:
        if max_age < 0 or max_items < 1 or settle < 0:
            raise ValueError(
                "outage buffer needs max_age >= 0, max_items >= 1 and settle >= 0, got "
                f"max_age={max_age!r}, max_items={max_items!r}, settle={settle!r}"
            )
        self.max_age = max_age
        self.max_items = max_items
        self.settle = settle
        self._layer = weakref.ref(layer)
        self._queue: deque[_Item] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._empty = threading.Condition(self._lock)

    def __len__(self) -> int:
        return len(self._queue)

    def wait_empty(self, timeout: float) -> bool:
        """Block until nothing is buffered (True) or ``timeout`` seconds passed (False)."""
        with self._empty:
            return self._empty.wait_for(lambda: not self._queue, timeout)

    async def send(
        self,
        operation: str,
        target: str,
        message: LayerMessage,
        sender: type | None = None,
        observer: Observer | None = None,
    ) -> None:
        """``layer.send`` (``operation="send"``) or ``layer.group_send``, buffered in an outage."""
        layer = self._layer()
        if self._queue and self._enqueue(  # an outage is on: queue behind it
            _Item(operation, target, message, sender, observer), None
        ):
            return
        if layer is None:
            return
        try:  # the usual case: one plain call, nothing allocated
            if operation == "send":
                await layer.send(target, message)
            else:
                await layer.group_send(target, message)
        except Exception as exc:
            if observer is not None and sender is not None:
                observer.layer_send_failed(sender, operation, exc)
            if self.max_age == 0 or not is_outage_error(exc):
                raise
            item = _Item(operation, target, message, sender, observer)
            if not _never_sent(exc) and not await _layer_down(layer):
                self._drop([item], "unconfirmed", exc)
                raise
            self._enqueue(item, exc)

    def _enqueue(self, item: _Item, error: BaseException | None) -> bool:
        """Queue ``item``; False when the queue emptied meanwhile (then send it directly)."""
        with self._lock:
            if error is None and not self._queue:
                return False
            if len(self._queue) >= self.max_items:
                full = True
            else:
                full = False
                if not self._queue and error is not None:
                    logger.warning(
                        "channel layer unreachable (%s: %s); buffering sends for up to %.1fs",
                        type(error).__name__,
                        error,
                        self.max_age,
                    )
                self._queue.append(item)
                if not self._draining:
                    self._draining = True
                    asyncio.run_coroutine_threadsafe(self._drain(), _drainer.loop())
        if full:
            self._drop([item], "full")
            raise OutageBufferFull(
                f"the channel layer outage buffer holds {self.max_items} messages (max_items); "
                "this send was dropped"
            )
        return True

    def _drop(self, items: list[_Item], reason: str, error: BaseException | None = None) -> None:
        first = items[0]
        detail = "" if error is None else f" ({type(error).__name__}: {error})"
        logger.error(
            "channel layer send dropped: %d message(s), reason %s%s; first: %s to %r, %.1fs old",
            len(items),
            reason,
            detail,
            first.operation,
            first.target,
            time.monotonic() - first.since,
        )
        for item in items:
            if item.observer is not None and item.sender is not None:
                item.observer.layer_send_dropped(item.sender, item.operation, reason)

    def _take_expired(self, horizon: float) -> list[_Item]:
        expired: list[_Item] = []
        queue = self._queue
        while queue and queue[0].since < horizon:
            expired.append(queue.popleft())
        return expired

    async def _drain(self) -> None:
        backoff = 0.0
        healthy = False
        while True:
            with self._lock:
                expired = self._take_expired(time.monotonic() - self.max_age)
                head = self._queue[0] if self._queue else None
                if head is None and not expired:
                    self._draining = False
                    self._empty.notify_all()
            if expired:
                # reported before wait_empty() wakes: a caller waiting for the buffer to
                # empty then also sees every drop logged and observed
                self._drop(expired, "expired")
                continue
            layer = self._layer()
            if head is None or layer is None:
                return
            if not healthy:
                try:
                    await _probe(layer)
                except Exception as exc:
                    if is_outage_error(exc):
                        backoff = min(max(backoff * 2, _FIRST_BACKOFF), _MAX_BACKOFF)
                        await asyncio.sleep(backoff)
                        continue
                    # a layer that cannot be probed this way: the retry itself is the probe
                healthy, backoff = True, 0.0
                logger.warning(
                    "channel layer answers again; retrying %d buffered send(s) in %.1fs",
                    len(self._queue),
                    self.settle,
                )
                await asyncio.sleep(self.settle)  # receivers re-join their groups first
                continue
            try:
                await _call(layer, head)
            except Exception as exc:
                if is_outage_error(exc) and (_never_sent(exc) or await _layer_down(layer)):
                    healthy = False
                    continue
                with self._lock:
                    if self._queue and self._queue[0] is head:
                        self._queue.popleft()
                self._drop([head], "unconfirmed" if is_outage_error(exc) else "error", exc)
                continue
            with self._lock:
                if self._queue and self._queue[0] is head:
                    self._queue.popleft()
                if not self._queue:
                    logger.warning("channel layer outage buffer drained")


def configure_outage_buffer(
    layer: ChannelLayer,
    *,
    max_age: float = DEFAULT_MAX_AGE,
    max_items: int = DEFAULT_MAX_ITEMS,
    settle: float = DEFAULT_SETTLE,
) -> OutageBuffer:
    """Set the outage bounds of ``layer`` (see :class:`OutageBuffer`); returns its buffer.

    Call it at start-up, before the first send. ``max_age=0`` turns buffering off.
    """
    buffer = OutageBuffer(layer, max_age=max_age, max_items=max_items, settle=settle)
    with _buffers_lock:
        _buffers[layer] = buffer
    return buffer


def outage_buffer(layer: ChannelLayer) -> OutageBuffer:
    """The outage buffer of ``layer``, created with the default bounds on first use."""
    buffer = _buffers.get(layer)
    if buffer is None:
        with _buffers_lock:
            buffer = _buffers.get(layer)
            if buffer is None:
                buffer = _buffers[layer] = OutageBuffer(layer)
    return buffer


async def send_buffered(
    layer: ChannelLayer,
    operation: str,
    target: str,
    message: LayerMessage,
    sender: type | None = None,
    observer: Observer | None = None,
) -> None:
    """Send through ``layer``'s :class:`OutageBuffer` (``operation``: ``send``/``group_send``).

    ``sender`` (the consumer class) and ``observer`` receive ``layer_send_failed`` for a
    failed attempt and ``layer_send_dropped`` for a message given up.
    """
    await outage_buffer(layer).send(operation, target, message, sender, observer)


@atexit.register
def _drain_at_exit() -> None:
    for buffer in list(_buffers.values()):
        if len(buffer) and not buffer.wait_empty(buffer.max_age):
            with buffer._lock:
                left = list(buffer._queue)
                buffer._queue.clear()
            if left:
                buffer._drop(left, "exit")
