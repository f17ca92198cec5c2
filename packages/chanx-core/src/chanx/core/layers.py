"""An in-memory channel layer without the costs of the usual one.

Channels' and fast-channels' in-memory layers scan every channel and group member on each
``receive`` and ``group_send`` to expire old messages, and deep-copy the message for every
recipient: a broadcast to N members costs O(N²). This layer keeps one bounded queue per
channel and a dict of members per group, so every operation is O(1) or O(members), and it
hands the same message object to every recipient: messages are treated as read-only (chanx
never mutates them; do not mutate them in your own layer handlers).

It is per process, like any in-memory layer: use Redis to reach other processes. Calls made
from another thread (``*_sync`` from a worker thread) are forwarded to the loop that owns
the queues, so sync callers are safe too.

Direct delivery: a chanx consumer does not read its channel with a task of its own; it
attaches a mailbox (:mod:`chanx.core._mailbox`) with :meth:`InMemoryChannelLayer.attach`, and
``send``/``group_send`` hand messages straight to it. A broadcast to an idle connection is
then forwarded inside the ``group_send`` call, with no queue, task or wake-up per recipient,
and each connection's backlog is bounded by ``capacity``. Channels nobody attached to (plain
Channels-style consumers, tests calling ``receive``) keep the queue.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections import deque
from typing import Any

from chanx.core.types import LayerMessage

__all__ = ["ChannelFull", "InMemoryChannelLayer"]

logger = logging.getLogger("chanx.layer")


class ChannelFull(Exception):
    """Raised by :meth:`InMemoryChannelLayer.send` when the target channel is at capacity."""


class _Channel:
    __slots__ = ("messages", "waiter")

    def __init__(self) -> None:
        self.messages: deque[LayerMessage] = deque()
        self.waiter: asyncio.Future[None] | None = None


class InMemoryChannelLayer:
    """Process-local channel layer with O(1) sends and bounded per-channel buffers.

    Args:
        capacity: messages buffered per channel; a direct ``send`` beyond it raises
            :class:`ChannelFull`, a ``group_send`` skips that member (and logs it).
    Extra keyword arguments of other layers (``expiry``, ``group_expiry``...) are accepted and
    ignored, so the class is a drop-in ``BACKEND`` for Channels and fast-channels settings.
    """

    extensions = ("groups", "flush")
    #: Consumers attach a mailbox instead of reading with a task (see the module docstring).
    #: A subclass that simulates a remote layer (failing ``receive``) sets it to False.
    direct_delivery: bool = True

    def __init__(self, capacity: int = 100, **_ignored: Any) -> None:
        self.capacity = capacity
        self._channels: dict[str, _Channel] = {}
        self._groups: dict[str, dict[str, None]] = {}
        self._attached: dict[str, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        # Channel names only need to be unique within this layer: a random stem per layer
        # and a counter (a uuid4 per connection costs more than the rest of the name).
        self._stem = uuid.uuid4().hex[:12]
        self._serial = itertools.count(1)

    # Calls from a thread whose loop is not ours are forwarded to the owning loop.
    async def _on_home_loop(self, coro: Any) -> Any:
        running = asyncio.get_running_loop()
        if self._loop is None or self._loop is running or self._loop.is_closed():
            self._loop = running
            return await coro
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return await asyncio.wrap_future(future)

    def _channel(self, name: str) -> _Channel:
        channel = self._channels.get(name)
        if channel is None:
            channel = self._channels[name] = _Channel()
        return channel

    async def new_channel(self, prefix: str = "specific.") -> str:
        """Create a unique channel name."""
        name = f"{prefix}inmemory!{self._stem}{next(self._serial)}"
        self._channel(name)
        return name

    def attach(self, channel: str, mailbox: Any) -> None:
        """Deliver ``channel``'s messages to ``mailbox.deliver(message) -> bool`` from now on.

        Messages already queued on the channel are handed over first, in order.
        """
        # A mailbox runs its delivery on the loop of its connection, which is where attach
        # is called: that loop is home, so calls from other threads' loops are forwarded to it.
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.get_running_loop()
        box = self._channels.get(channel)
        self._attached[channel] = mailbox
        if box is not None:
            while box.messages:
                mailbox.deliver(box.messages.popleft())

    def detach(self, channel: str) -> None:
        """Stop delivering ``channel``'s messages to its mailbox."""
        self._attached.pop(channel, None)

    def _put(self, name: str, message: LayerMessage) -> bool:
        mailbox = self._attached.get(name)
        if mailbox is not None:
            return bool(mailbox.deliver(message))
        channel = self._channel(name)
        if len(channel.messages) >= self.capacity:
            return False
        channel.messages.append(message)
        waiter = channel.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return True

    async def send(self, channel: str, message: LayerMessage) -> None:
        """Queue ``message`` on ``channel``."""
        await self._on_home_loop(self._send(channel, message))

    async def _send(self, channel: str, message: LayerMessage) -> None:
        if not self._put(channel, message):
            raise ChannelFull(channel)

    async def receive(self, channel: str) -> LayerMessage:
        """Wait for the next message of ``channel``."""
        self._loop = self._loop or asyncio.get_running_loop()
        box = self._channel(channel)
        while not box.messages:
            box.waiter = asyncio.get_running_loop().create_future()
            try:
                await box.waiter
            finally:
                box.waiter = None
        return box.messages.popleft()

    async def group_add(self, group: str, channel: str) -> None:
        """Add ``channel`` to ``group``."""
        self._groups.setdefault(group, {})[channel] = None

    async def group_discard(self, group: str, channel: str) -> None:
        """Remove ``channel`` from ``group``."""
        members = self._groups.get(group)
        if members is not None:
            members.pop(channel, None)
            if not members:
                del self._groups[group]

    async def group_send(self, group: str, message: LayerMessage) -> None:
        """Queue ``message`` for every member of ``group``."""
        await self._on_home_loop(self._group_send(group, message))

    async def _group_send(self, group: str, message: LayerMessage) -> None:
        attached = self._attached
        for name in tuple(self._groups.get(group, ())):
            mailbox = attached.get(name)  # the hot path: a connection of this process
            if mailbox is not None:
                delivered: bool = mailbox.deliver(message)
            elif name not in self._channels:
                continue  # the connection ended; its group entry is about to be discarded
            else:
                delivered = self._put(name, message)
            if not delivered:
                logger.warning("channel %s is full; dropped a message for group %s", name, group)

    def group_members(self, group: str) -> list[str]:
        """Channels currently in ``group`` (a testing and introspection aid)."""
        return list(self._groups.get(group, ()))

    async def flush(self) -> None:
        """Forget every channel, message and group."""
        self._channels.clear()
        self._groups.clear()
        self._attached.clear()

    async def close(self) -> None:
        """Nothing to release; present for layer API compatibility."""

    def forget_channel(self, channel: str) -> None:
        """Drop a channel's buffer and mailbox (called when its connection ends)."""
        self._channels.pop(channel, None)
        self._attached.pop(channel, None)
