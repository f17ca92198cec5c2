"""Presence of one connection in one room: join, heartbeat, leave with grace, and the diffs.

The room mixin (a room per connection, from the URL) and the topic mixin (a room per topic
subscription) both drive one tracker per membership, so the semantics cannot drift apart:
they differ only in how a message reaches the connection and the rest of the room.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from chanx.mixins.messages import (
    PresenceConnection,
    PresenceDiffMessage,
    PresenceDiffPayload,
    PresenceStateMessage,
    PresenceStatePayload,
    PresenceUser,
)
from chanx.mixins.room import spawn
from chanx.mixins.stores.base import MixinStore, PresenceChange, PresenceRecord

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["PresenceTracker", "read_state"]

logger = logging.getLogger("chanx.mixins.presence")

#: Sends a message to this connection's client.
SendOwn = Callable[["BaseModel"], Awaitable[None]]
#: Sends a message to the room; True: except this connection.
SendRoom = Callable[["BaseModel", bool], Awaitable[None]]


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


async def read_state(
    store: MixinStore, room_key: str, room: str | None = None
) -> PresenceStatePayload:
    """The presence state of ``room_key`` (public as :func:`chanx.mixins.presence_state`)."""
    return _state(room or room_key, await store.presence_list(room_key))


class PresenceTracker:
    """One connection's presence in one room, from its join to its leave."""

    def __init__(
        self,
        store: MixinStore,
        *,
        room: str,
        key: str,
        conn: str,
        user: str,
        meta: dict[str, Any],
        ttl: float,
        interval: float,
        grace: float,
        send_own: SendOwn,
        send_room: SendRoom,
    ) -> None:
        self.store = store
        self.room = room
        self.key = key
        self.conn = conn
        self.user = user
        self.meta = json.dumps(meta, separators=(",", ":"))
        self.ttl = ttl
        self.interval = interval
        self.grace = grace
        self.send_own = send_own
        self.send_room = send_room
        self.synced = False
        self.active = False
        self._beat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Join (the client gets the state, the room a diff) and start the heartbeat.

        A store outage does not fail: the heartbeat joins later.
        """
        self.active = True
        try:
            await self._join()
        except Exception:
            logger.warning("presence join failed; the heartbeat will retry", exc_info=True)
        self._beat = spawn(self._heartbeat_loop(), "chanx-presence-heartbeat")

    async def _join(self) -> None:
        change = await self.store.presence_join(self.key, self.conn, self.user, self.meta, self.ttl)
        state = await read_state(self.store, self.key, self.room)
        await self.send_own(PresenceStateMessage(payload=state))
        self.synced = True
        await self._announce(change, state, exclude_current=True)

    async def leave(self) -> None:
        """Leave now, or after ``grace`` seconds: a user back by then is neither left nor joined."""
        self.stop()
        if not self.active:
            return
        self.active = False
        try:
            change = await self.store.presence_leave(self.key, self.conn, self.grace)
            # not to this connection: a topic it leaves may still deliver to it
            await self._announce(change, None, exclude_current=True)
        except Exception:
            logger.warning("presence leave failed; the entry will expire", exc_info=True)
        if self.grace > 0:
            spawn(self._after_grace(), "chanx-presence-grace")

    def stop(self) -> None:
        """Stop the heartbeat (the entry then expires after its TTL unless :meth:`leave` ran)."""
        beat, self._beat = self._beat, None
        if beat is not None:
            beat.cancel()

    async def _heartbeat_loop(self) -> None:
        store = self.store
        while True:
            await store.clock.sleep(self.interval)
            if not self.active:
                return
            try:
                if not self.synced:  # the join failed: this client has no state yet
                    await self._join()
                    continue
                change = await store.presence_heartbeat(self.key, self.conn, self.ttl)
                if not change.alive:  # swept while we were stalled: come back as a new join
                    rejoin = await store.presence_join(
                        self.key, self.conn, self.user, self.meta, self.ttl
                    )
                    change = PresenceChange(joined=rejoin.joined, left=change.left + rejoin.left)
                await self._announce(change, None)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("presence heartbeat failed; retrying", exc_info=True)

    async def _after_grace(self) -> None:
        await self.store.clock.sleep(self.grace)
        change = await self.store.presence_sweep(self.key)
        await self._announce(change, None)

    async def _announce(
        self,
        change: PresenceChange,
        state: PresenceStatePayload | None,
        *,
        exclude_current: bool = False,
    ) -> None:
        if not change.joined and not change.left:
            return
        if state is None:
            state = await read_state(self.store, self.key, self.room)
        # Diffs from several processes may arrive in any order, so a diff is checked against
        # the state read after the change: a user who is present again (reconnected through
        # another process, or this connection rejoining after a stall) is never announced as
        # left, and a user is never in both lists.
        present = {u.user for u in state.users}
        joins = [u for u in state.users if u.user == self.user] if change.joined else []
        leaves = [user for user in change.left if user not in present]
        if not joins and not leaves:
            return
        diff = PresenceDiffPayload(
            room=self.room, joins=joins, leaves=leaves, user_count=state.user_count
        )
        await self.send_room(PresenceDiffMessage(payload=diff), exclude_current)
