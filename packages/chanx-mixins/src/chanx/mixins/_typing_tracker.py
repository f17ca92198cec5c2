"""Typing indicators of one connection in one room: throttled starts, stops and expiry.

Shared by the room mixin and the topic mixin, like the presence tracker: one tracker per
membership, the mixins only say how a message reaches the rest of the room.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from chanx.mixins.messages import TypingUsersMessage, TypingUsersPayload
from chanx.mixins.room import spawn
from chanx.mixins.stores.base import StoreUnavailable

if TYPE_CHECKING:
    from chanx.mixins.stores.base import MixinStore, TypingChange

__all__ = ["TypingTracker"]

#: Sends a message to the room except this connection.
SendOthers = Callable[[TypingUsersMessage], Awaitable[None]]


class TypingTracker:
    """Whether one connection's user types in one room, and telling the room when that changes."""

    def __init__(
        self,
        store: MixinStore,
        *,
        room: str,
        key: str,
        user: str,
        timeout: float,
        throttle: float,
        send_others: SendOthers,
    ) -> None:
        self.store = store
        self.room = room
        self.key = key
        self.user = user
        self.timeout = timeout
        self.throttle = throttle
        self.send_others = send_others
        #: Clock time of the last start that was processed; None while not typing.
        self.last: float | None = None
        self._timer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """A start frame: dropped within ``throttle`` of the previous one, else recorded."""
        store = self.store
        now = store.clock.time()
        if self.last is not None and now - self.last < self.throttle:
            return
        self.last = now
        try:
            change = await store.typing_start(self.key, self.user, self.timeout)
        except StoreUnavailable:
            self.last = None  # not recorded: the next start frame tries again at once
            raise
        self._cancel_timer()
        self._timer = spawn(self._expire(), "chanx-typing-expiry")
        await self._announce(change)

    async def stop(self) -> None:
        """A stop frame, or the end of the membership: the user no longer types."""
        self.last = None
        self._cancel_timer()
        await self._announce(await self.store.typing_stop(self.key, self.user))

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()

    async def _expire(self) -> None:
        await self.store.clock.sleep(self.timeout)
        self._timer = None
        self.last = None
        await self._announce(await self.store.typing_sweep(self.key))

    async def _announce(self, change: TypingChange) -> None:
        if change.changed:
            payload = TypingUsersPayload(room=self.room, typists=list(change.typists))
            await self.send_others(TypingUsersMessage(payload=payload))
