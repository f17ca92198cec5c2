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

import logging
from typing import Any, ClassVar

from chanx.core.decorators import ws_handler
from chanx.core.errors import error_entry
from chanx.mixins._settings import check_settings, non_negative, positive
from chanx.mixins._typing_tracker import TypingTracker
from chanx.mixins.messages import TypingStartMessage, TypingStopMessage, TypingUsersMessage
from chanx.mixins.room import RoomMixin
from chanx.mixins.stores.base import StoreUnavailable

__all__ = ["TypingMixin", "check_typing_settings", "typing_unavailable"]

logger = logging.getLogger("chanx.mixins.typing")

#: The error frame entry of a typing frame while the store is unreachable (Redis down).
_UNAVAILABLE = error_entry(
    "store_unavailable", "Typing indicators are unavailable right now; try again later"
)


async def typing_unavailable(consumer: Any) -> None:
    """Answer a typing frame that found the store unreachable: log it, one error frame."""
    logger.warning("typing indicator store unavailable", exc_info=True)
    await consumer.send_error([_UNAVAILABLE])


def check_typing_settings(cls: type) -> None:
    """Refuse ``typing_*`` settings of ``cls`` that are mistyped or inconsistent."""
    check_settings(
        cls,
        {
            "typing_timeout": (positive, "a positive number of seconds"),
            "typing_throttle": (non_negative, "a number of seconds >= 0"),
        },
    )
    timeout, throttle = (getattr(cls, name) for name in ("typing_timeout", "typing_throttle"))
    if not 0 <= throttle < timeout:
        raise TypeError(
            f"{cls.__qualname__}: typing_throttle ({throttle!r}) must be shorter "
            f"than typing_timeout ({timeout!r}), or a typist expires between the "
            "start frames that are processed"
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
        check_typing_settings(cls)

    _typing: TypingTracker | None = None

    async def post_authentication(self) -> None:
        """Join the room group so that this connection hears about typists."""
        await super().post_authentication()
        if not self.mixin_is_closed():
            await self.join_room_group()

    def _typing_tracker(self) -> TypingTracker:
        tracker = self._typing
        if tracker is None:
            room = self.get_room_key()

            async def send_others(message: TypingUsersMessage) -> None:
                await self.broadcast_message(
                    message, groups=[self.get_room_group()], exclude_current=True
                )

            tracker = self._typing = TypingTracker(
                self.mixin_store,
                room=room,
                key=self.namespaced_room(room),
                user=self.get_user_key(),
                timeout=self.typing_timeout,
                throttle=self.typing_throttle,
                send_others=send_others,
            )
        return tracker

    @ws_handler(summary="The user is typing")
    async def handle_typing_start(self, message: TypingStartMessage) -> None:
        """Add the user to the room's typists (throttled) and tell the room if that changed."""
        try:
            await self._typing_tracker().start()
        except StoreUnavailable:
            await self._typing_unavailable()  # the next start frame tries again at once

    @ws_handler(summary="The user stopped typing")
    async def handle_typing_stop(self, message: TypingStopMessage) -> None:
        """Remove the user from the room's typists and tell the room if that changed."""
        try:
            await self._typing_tracker().stop()
        except StoreUnavailable:
            await self._typing_unavailable()  # the typist expires after typing_timeout

    async def _typing_unavailable(self) -> None:
        await typing_unavailable(self)

    async def disconnect(self, code: int) -> None:
        """A closed connection stops typing at once."""
        tracker = self._typing
        if tracker is not None and tracker.last is not None:
            try:
                await tracker.stop()
            except Exception:
                logger.warning("typing stop failed; the typist will expire", exc_info=True)
        await super().disconnect(code)
