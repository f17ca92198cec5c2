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

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from chanx.core.decorators import ws_handler
from chanx.mixins._settings import check_settings, non_negative, optional_positive, positive
from chanx.mixins.messages import (
    PresenceConnection,
    PresenceDiffMessage,
    PresenceDiffPayload,
    PresenceListMessage,
    PresenceStateMessage,
    PresenceStatePayload,
    PresenceUser,
)
from chanx.mixins.room import RoomMixin, spawn
from chanx.mixins.stores.base import MixinStore, PresenceChange, PresenceRecord

if TYPE_CHECKING:
    from chanx.core.types import ASGIReceive, ASGISend, Scope

__all__ = ["PresenceMixin", "presence_state"]

logger = logging.getLogger("chanx.mixins.presence")


def _state(room: str, records: Iterable[PresenceRecord]) -> PresenceStatePayload:
    users: dict[str, PresenceUser] = {}
    connections = 0
    for record in records:
        entry = users.setdefault(record.user, PresenceUser(user=record.user))
        meta = json.loads(record.data) if record.data else {}
        entry.connections.append(
            PresenceConnection(conn=record.conn, meta=meta, online_at=record.joined_at)
        )
        connections += 1
    return PresenceStatePayload(
        room=room, users=list(users.values()), user_count=len(users), connection_count=connections
    )


async def presence_state(
    store: MixinStore, room_key: str, room: str | None = None
) -> PresenceStatePayload:
    """Present users of the store room ``room_key`` with their connections and the two counts.

    ``room_key`` is the namespaced key (``Consumer.namespaced_room(room)``); ``room`` is the
    name reported in the payload (defaults to ``room_key``). Usable from views, tasks, scripts.
    """
    return _state(room or room_key, await store.presence_list(room_key))


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
        check_settings(
            cls,
            {
                "presence_ttl": (positive, "a positive number of seconds"),
                "presence_heartbeat": (optional_positive, "a positive number of seconds or None"),
                "presence_grace": (non_negative, "a number of seconds >= 0"),
            },
        )
        interval = cls.presence_heartbeat or cls.presence_ttl / 3
        if cls.presence_ttl <= 0 or not 0 < interval < cls.presence_ttl:
            raise TypeError(
                f"{cls.__qualname__}: presence_heartbeat ({interval!r}) must be positive and "
                f"shorter than presence_ttl ({cls.presence_ttl!r}), or every connection expires "
                "between its heartbeats"
            )

    _presence_room: str | None = None
    _presence_beat: asyncio.Task[None] | None = None
    _presence_meta: str = "{}"
    _presence_synced: bool = False

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
        await self.join_room_group()
        self._presence_room = room
        self._presence_meta = json.dumps(self.get_presence_meta(), separators=(",", ":"))
        try:
            await self._presence_join(room)
        except Exception:
            # A store outage must not cost the connection: the heartbeat joins it later.
            logger.warning("presence join failed; the heartbeat will retry", exc_info=True)
        self._presence_beat = spawn(self._presence_heartbeat_loop(), "chanx-presence-heartbeat")

    async def _presence_join(self, room: str) -> None:
        change = await self.mixin_store.presence_join(
            self.namespaced_room(room),
            self.connection_key,
            self.get_user_key(),
            self._presence_meta,
            self.presence_ttl,
        )
        state = await self.get_presence(room)
        await self.send_message(PresenceStateMessage(payload=state))
        self._presence_synced = True
        await self._presence_announce(change, state, exclude_current=True)

    async def disconnect(self, code: int) -> None:
        """Leave the room's presence (after the grace period), then the consumer's own work."""
        self._presence_stop()
        room = self._presence_room
        if room is not None:
            self._presence_room = None
            grace = self.presence_grace
            try:
                change = await self.mixin_store.presence_leave(
                    self.namespaced_room(room), self.connection_key, grace
                )
                await self._presence_announce(change, None, room=room)
            except Exception:
                logger.warning("presence leave failed; the entry will expire", exc_info=True)
            if grace > 0:
                spawn(self._presence_after_grace(room, grace), "chanx-presence-grace")
        await super().disconnect(code)

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._presence_stop()  # the connection may end without a disconnect (cancelled)

    # -- tasks -------------------------------------------------------------------------------
    def _presence_stop(self) -> None:
        beat, self._presence_beat = self._presence_beat, None
        if beat is not None:
            beat.cancel()

    def _presence_interval(self) -> float:
        return self.presence_heartbeat or self.presence_ttl / 3

    async def _presence_heartbeat_loop(self) -> None:
        store = self.mixin_store
        while True:
            await store.clock.sleep(self._presence_interval())
            room = self._presence_room
            if room is None:
                return
            key = self.namespaced_room(room)
            try:
                if not self._presence_synced:  # the join failed: this client has no state yet
                    await self._presence_join(room)
                    continue
                change = await store.presence_heartbeat(key, self.connection_key, self.presence_ttl)
                if not change.alive:  # swept while we were stalled: come back as a new join
                    rejoin = await store.presence_join(
                        key,
                        self.connection_key,
                        self.get_user_key(),
                        self._presence_meta,
                        self.presence_ttl,
                    )
                    change = PresenceChange(joined=rejoin.joined, left=change.left + rejoin.left)
                await self._presence_announce(change, None, room=room)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("presence heartbeat failed; retrying", exc_info=True)

    async def _presence_after_grace(self, room: str, grace: float) -> None:
        store = self.mixin_store
        await store.clock.sleep(grace)
        change = await store.presence_sweep(self.namespaced_room(room))
        await self._presence_announce(change, None, room=room)

    async def _presence_announce(
        self,
        change: PresenceChange,
        state: PresenceStatePayload | None,
        *,
        room: str | None = None,
        exclude_current: bool = False,
    ) -> None:
        if not change.joined and not change.left:
            return
        room = room or (state.room if state else self.get_room_key())
        if state is None:
            state = await self.get_presence(room)
        # Diffs from several processes may arrive in any order, so a diff is checked against
        # the state read after the change: a user who is present again (reconnected through
        # another process, or this connection rejoining after a stall) is never announced as
        # left, and a user is never in both lists.
        me = self.get_user_key()
        present = {u.user for u in state.users}
        joins = [u for u in state.users if u.user == me] if change.joined else []
        leaves = [user for user in change.left if user not in present]
        if not joins and not leaves:
            return
        diff = PresenceDiffPayload(
            room=room, joins=joins, leaves=leaves, user_count=state.user_count
        )
        await self.broadcast_message(
            PresenceDiffMessage(payload=diff),
            groups=[self.get_room_group()],
            exclude_current=exclude_current,
        )

    @ws_handler(summary="Ask for the room's presence state")
    async def handle_presence_list(self, message: PresenceListMessage) -> PresenceStateMessage:
        """Answer with the full presence state of this connection's room."""
        return PresenceStateMessage(payload=await self.get_presence(self.get_room_key()))
