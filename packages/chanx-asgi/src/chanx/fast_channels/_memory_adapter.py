"""Making fast-channels' own ``InMemoryChannelLayer`` cheap for chanx consumers, in place.

fast-channels' docs tell users to register ``fast_channels.layers.InMemoryChannelLayer``. As
written it scans every channel and group member on every ``receive`` and ``group_send`` (to
expire old messages), starts a task per recipient in ``group_send`` and deep-copies the
message for each: a broadcast to N connections costs O(N²) (124-195x a loop over the sockets
at 1,000 connections in process; opening 10,000 connections ran at a sixth of the rate of
chanx's own layer).

:func:`adapt` turns such a layer, the very object the user registered, into an
:class:`AdaptedInMemoryChannelLayer` (a subclass; its state stays fast-channels' own, so code
holding the object keeps working and nothing queued is lost):

* chanx consumers attach a mailbox to their channel (direct delivery, as on chanx's own
  layer, :mod:`chanx.core._mailbox`); ``send`` and ``group_send`` from *any* caller hand
  messages for an attached channel straight to it, messages queued before are handed over;
* channels nobody attached to (plain fast-channels consumers, tests calling ``receive``) keep
  fast-channels' queues, copies and capacity;
* ``group_send`` loops over the members instead of a task per member;
* chanx's own envelopes (broadcasts, topic publishes, events:
  :mod:`chanx.core.layer_messages`) reach every chanx consumer as the one message object, as
  on chanx's own layer: chanx only reads them, and no handler sees them as a dict (a
  broadcast's text is forwarded, an event is validated into each handler's own model). Any
  other message gets a copy per recipient as before, a cheap one (``dict(message)``) when
  every value is an immutable scalar, a ``deepcopy`` otherwise;
* the expiry scan runs at most once per ``min(1 s, expiry / 10)`` instead of on every call,
  so expiry may be up to that much late;
* calls from another thread's event loop are forwarded to the loop the consumers run on.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections.abc import Mapping
from typing import Any

from chanx.core.layer_messages import BROADCAST, EVENT
from fast_channels.exceptions import ChannelFull
from fast_channels.layers import InMemoryChannelLayer

__all__ = ["AdaptedInMemoryChannelLayer", "adapt"]

logger = logging.getLogger("chanx.layer")

_SCALARS = (str, int, float, bool, bytes, type(None))


#: The layer message types chanx reads and never hands to a handler as a dict.
_READ_ONLY = frozenset({BROADCAST, EVENT})


def _copy(message: dict[str, Any]) -> dict[str, Any]:
    """What one chanx consumer gets: chanx's envelopes as they are, else a private copy."""
    if message.get("type") in _READ_ONLY:
        return message
    for value in message.values():
        if not isinstance(value, _SCALARS):
            return copy.deepcopy(dict(message))
    return dict(message)


class AdaptedInMemoryChannelLayer(InMemoryChannelLayer):
    """fast-channels' in-memory layer with direct delivery to chanx consumers (see module)."""

    #: chanx consumers attach a mailbox instead of reading with a task.
    direct_delivery: bool = True
    _attached: dict[str, Any]
    _home: asyncio.AbstractEventLoop | None
    _cleaned: float

    def _adapt(self) -> None:
        self._attached = {}
        self._home = None
        self._cleaned = 0.0

    # -- direct delivery (chanx.core.types.DirectDeliveryLayer) ----------------------------
    def attach(self, channel: str, mailbox: Any) -> None:
        """Deliver ``channel``'s messages to ``mailbox.deliver(message)``; queued ones first."""
        self._home = asyncio.get_running_loop()
        self._attached[channel] = mailbox
        queue = self.channels.pop(channel, None)
        now = time.time()
        while queue is not None and not queue.empty():
            expires, message = queue.get_nowait()
            if expires >= now:
                mailbox.deliver(message)

    def detach(self, channel: str) -> None:
        """Stop delivering ``channel``'s messages to its mailbox."""
        self._attached.pop(channel, None)

    def forget_channel(self, channel: str) -> None:
        """Drop a channel's mailbox and queue (its connection ended)."""
        self._attached.pop(channel, None)
        self.channels.pop(channel, None)

    # -- the channel layer API ----------------------------------------------------------------
    async def _home_loop(self, coro: Any) -> Any:
        home = self._home
        if home is None or home.is_closed() or home is asyncio.get_running_loop():
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, home))

    async def send(self, channel: str, message: Mapping[str, Any]) -> None:
        """Send ``message`` to ``channel``: to its mailbox if attached, else queued."""
        if not self._attached:
            await super().send(channel, message)
            return
        await self._home_loop(self._send(channel, message))

    async def _send(self, channel: str, message: Mapping[str, Any]) -> None:
        mailbox = self._attached.get(channel)
        if mailbox is None:
            await super().send(channel, message)
            return
        assert isinstance(message, dict), "message is not a dict"
        if not mailbox.deliver(_copy(message)):
            raise ChannelFull(channel)

    async def group_send(self, group: str, message: Mapping[str, Any]) -> None:
        """Send ``message`` to every member of ``group``, without a task per member."""
        await self._home_loop(self._group_send(group, message))

    async def _group_send(self, group: str, message: Mapping[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        members = self.groups.get(group)
        if not members:
            return
        attached = self._attached
        shared = message.get("type") in _READ_ONLY  # decided once, not per member
        for channel in list(members):
            mailbox = attached.get(channel)
            if mailbox is None:
                with contextlib.suppress(ChannelFull):  # as fast-channels: skip a full member
                    await InMemoryChannelLayer.send(self, channel, message)
            elif not mailbox.deliver(message if shared else _copy(message)):
                logger.warning("channel %s is full; dropped a message for group %s", channel, group)

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned < min(1.0, self.expiry / 10):
            return
        self._cleaned = now
        super()._clean_expired()

    async def flush(self) -> None:
        """Forget every channel, message, group and mailbox."""
        await super().flush()
        self._attached.clear()


def adapt(layer: Any) -> bool:
    """Adapt ``layer`` in place if it is exactly fast-channels' ``InMemoryChannelLayer``.

    True when it is (now) adapted. Subclasses are left alone: they may change what is adapted.
    """
    if type(layer) is AdaptedInMemoryChannelLayer:
        return True
    if type(layer) is not InMemoryChannelLayer:
        return False
    layer.__class__ = AdaptedInMemoryChannelLayer
    adapted: Any = layer
    adapted._adapt()
    return True
