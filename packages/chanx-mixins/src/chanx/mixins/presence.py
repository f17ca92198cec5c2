"""Presence with the semantics of Phoenix Presence: who is in a room, across processes.

Every connection is tracked separately, with its own metadata, but users join and leave once:
a user becomes present with their first live connection and leaves when their last one ends.
A joining client receives the full state (``presence_state``); everyone else receives diffs
(``presence_diff``). A disconnect only becomes a leave after ``presence_grace`` seconds, so a
quick reconnect (a page reload, a network blip) produces no leave/join pair.

Connections are kept alive by a heartbeat every ``presence_heartbeat`` seconds; an entry that
is not refreshed for ``presence_ttl`` seconds (its process crashed) expires, and the next
heartbeat of any other connection in the room announces the leave.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from chanx.core.decorators import ws_handler
from chanx.mixins._presence_tracker import PresenceTracker, read_state
from chanx.mixins._settings import check_settings, non_negative, optional_positive, positive
from chanx.mixins.messages import (
    PresenceDiffMessage,
    PresenceListMessage,
    PresenceStateMessage,
    PresenceStatePayload,
)
from chanx.mixins.room import RoomMixin

if TYPE_CHECKING:
    from pydantic import BaseModel

    from chanx.core.types import ASGIReceive, ASGISend, Scope
    from chanx.mixins.stores.base import MixinStore

__all__ = ["PresenceMixin", "check_presence_settings", "presence_state"]


async def presence_state(
    store: MixinStore, room_key: str, room: str | None = None
) -> PresenceStatePayload:
    """Present users of the store room ``room_key`` with their connections and the two counts.

    ``room_key`` is the namespaced key (``Consumer.namespaced_room(room)``); ``room`` is the
    name reported in the payload (defaults to ``room_key``). Usable from views, tasks, scripts.
    """
    return await read_state(store, room_key, room)


def check_presence_settings(cls: type) -> None:
    """Refuse ``presence_*`` settings of ``cls`` that are mistyped or inconsistent."""
    check_settings(
        cls,
        {
            "presence_ttl": (positive, "a positive number of seconds"),
            "presence_heartbeat": (optional_positive, "a positive number of seconds or None"),
            "presence_grace": (non_negative, "a number of seconds >= 0"),
        },
    )
    ttl, beat = (getattr(cls, name) for name in ("presence_ttl", "presence_heartbeat"))
    interval = beat or ttl / 3
    if not 0 < interval < ttl:
        raise TypeError(
            f"{cls.__qualname__}: presence_heartbeat ({interval!r}) must be positive and "
            f"shorter than presence_ttl ({ttl!r}), or every connection expires "
            "between its heartbeats"
        )


class PresenceMixin(RoomMixin):
    """Track who is in the room of each connection; stack it before the consumer base class."""

    passthrough_events = [PresenceStateMessage, PresenceDiffMessage]

    #: Seconds a connection stays listed without a heartbeat (a crashed process's entries).
    presence_ttl: ClassVar[float] = 30.0
    #: Seconds between heartbeats; default a third of ``presence_ttl``.
    presence_heartbeat: ClassVar[float | None] = None
    #: Seconds a disconnected connection keeps its user present (0: leave at once).
    presence_grace: ClassVar[float] = 0.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_presence_settings(cls)

    _presence: PresenceTracker | None = None

    # -- application API ---------------------------------------------------------------------
    @classmethod
    async def get_presence(cls, room: str) -> PresenceStatePayload:
        """Present users of ``room`` and the counts (users vs connections), from anywhere."""
        return await presence_state(cls.mixin_store, cls.namespaced_room(room), room)

    def get_presence_meta(self) -> dict[str, Any]:
        """Metadata of this connection shown to the room (JSON-serializable); override it."""
        return {}

    # -- hooks -------------------------------------------------------------------------------
    async def post_authentication(self) -> None:
        """Join the room's presence after the consumer's own post-authentication work."""
        await super().post_authentication()
        if self.mixin_is_closed():
            return
        room = self.get_room_key()
        group = await self.join_room_group()

        async def send_room(message: BaseModel, exclude_current: bool) -> None:
            await self.broadcast_message(message, groups=[group], exclude_current=exclude_current)

        self._presence = PresenceTracker(
            self.mixin_store,
            room=room,
            key=self.namespaced_room(room),
            conn=self.connection_key,
            user=self.get_user_key(),
            meta=self.get_presence_meta(),
            ttl=self.presence_ttl,
            interval=self.presence_heartbeat or self.presence_ttl / 3,
            grace=self.presence_grace,
            send_own=self.send_message,
            send_room=send_room,
        )
        await self._presence.start()

    async def disconnect(self, code: int) -> None:
        """Leave the room's presence (after the grace period), then the consumer's own work."""
        tracker, self._presence = self._presence, None
        if tracker is not None:
            await tracker.leave()
        await super().disconnect(code)

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            tracker = self._presence
            if tracker is not None:
                tracker.stop()  # the connection may end without a disconnect (cancelled)

    @ws_handler(summary="Ask for the room's presence state")
    async def handle_presence_list(self, message: PresenceListMessage) -> PresenceStateMessage:
        """Answer with the full presence state of this connection's room."""
        return PresenceStateMessage(payload=await self.get_presence(self.get_room_key()))
