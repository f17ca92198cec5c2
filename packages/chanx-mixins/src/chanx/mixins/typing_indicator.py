"""Typing indicators: who is typing in a room, expiring on silence, throttled.

Clients send ``typing_start`` while their user types (e.g. on key presses) and ``typing_stop``
when they are done. Whenever the set of typists of a room changes, the room (except the
connection that caused the change) receives ``typing_users`` with the whole set. A typist who
goes quiet for ``typing_timeout`` seconds, or whose connection closes, is removed without a
stop frame. Start frames arriving less than ``typing_throttle`` seconds after the previous one
of the same connection are dropped without touching the store, and a start that does not
change the set (the user already types) refreshes the expiry without broadcasting.

While the store is unreachable (Redis down), a typing frame is answered with one error frame
``{"type": "store_unavailable", ...}``; the connection stays open and the next start frame
tries again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from chanx.core.decorators import ws_handler
from chanx.core.errors import error_entry
from chanx.mixins._settings import check_settings, non_negative, positive
from chanx.mixins.messages import (
    TypingStartMessage,
    TypingStopMessage,
    TypingUsersMessage,
    TypingUsersPayload,
)
from chanx.mixins.room import RoomMixin, spawn
from chanx.mixins.stores.base import StoreUnavailable, TypingChange

__all__ = ["TypingMixin"]

logger = logging.getLogger("chanx.mixins.typing")

#: The error frame entry of a typing frame while the store is unreachable (Redis down).
_UNAVAILABLE = error_entry(
    "store_unavailable", "Typing indicators are unavailable right now; try again later"
)


class TypingMixin(RoomMixin):
    """Relay typing indicators within the room of each connection."""

    passthrough_events = [TypingUsersMessage]

    #: Seconds of silence after which a typist is dropped.
    typing_timeout: ClassVar[float] = 5.0
    #: Minimum seconds between two start frames of one connection that are processed.
    typing_throttle: ClassVar[float] = 1.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_settings(
            cls,
            {
                "typing_timeout": (positive, "a positive number of seconds"),
                "typing_throttle": (non_negative, "a number of seconds >= 0"),
            },
        )
        if not 0 <= cls.typing_throttle < cls.typing_timeout:
            raise TypeError(
                f"{cls.__qualname__}: typing_throttle ({cls.typing_throttle!r}) must be shorter "
                f"than typing_timeout ({cls.typing_timeout!r}), or a typist expires between the "
                "start frames that are processed"
            )

    _typing_last: float | None = None
    _typing_timer: asyncio.Task[None] | None = None

    async def post_authentication(self) -> None:
        """Join the room group so that this connection hears about typists."""
        await super().post_authentication()
        if not self.mixin_is_closed():
            await self.join_room_group()

    @ws_handler(summary="The user is typing")
    async def handle_typing_start(self, message: TypingStartMessage) -> None:
        """Add the user to the room's typists (throttled) and tell the room if that changed."""
        store = self.mixin_store
        now = store.clock.time()
        if self._typing_last is not None and now - self._typing_last < self.typing_throttle:
            return
        self._typing_last = now
        try:
            change = await store.typing_start(
                self.namespaced_room(self.get_room_key()), self.get_user_key(), self.typing_timeout
            )
        except StoreUnavailable:
            self._typing_last = None  # the next start frame tries again at once
            await self._typing_unavailable()
            return
        self._typing_cancel_timer()
        self._typing_timer = spawn(self._typing_expire(), "chanx-typing-expiry")
        await self._typing_announce(change)

    @ws_handler(summary="The user stopped typing")
    async def handle_typing_stop(self, message: TypingStopMessage) -> None:
        """Remove the user from the room's typists and tell the room if that changed."""
        try:
            await self._typing_stop()
        except StoreUnavailable:
            await self._typing_unavailable()  # the typist expires after typing_timeout

    async def _typing_unavailable(self) -> None:
        logger.warning("typing indicator store unavailable", exc_info=True)
        await self.send_error([_UNAVAILABLE])

    async def disconnect(self, code: int) -> None:
        """A closed connection stops typing at once."""
        if self._typing_last is not None:
            try:
                await self._typing_stop()
            except Exception:
                logger.warning("typing stop failed; the typist will expire", exc_info=True)
        await super().disconnect(code)

    async def _typing_stop(self) -> None:
        self._typing_last = None
        self._typing_cancel_timer()
        change = await self.mixin_store.typing_stop(
            self.namespaced_room(self.get_room_key()), self.get_user_key()
        )
        await self._typing_announce(change)

    def _typing_cancel_timer(self) -> None:
        timer, self._typing_timer = self._typing_timer, None
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()

    async def _typing_expire(self) -> None:
        store = self.mixin_store
        await store.clock.sleep(self.typing_timeout)
        self._typing_timer = None
        self._typing_last = None
        change = await store.typing_sweep(self.namespaced_room(self.get_room_key()))
        await self._typing_announce(change)

    async def _typing_announce(self, change: TypingChange) -> None:
        if not change.changed:
            return
        payload = TypingUsersPayload(room=self.get_room_key(), typists=list(change.typists))
        await self.broadcast_message(
            TypingUsersMessage(payload=payload),
            groups=[self.get_room_group()],
            exclude_current=True,
        )
