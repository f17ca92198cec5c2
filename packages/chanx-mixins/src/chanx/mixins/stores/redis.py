"""The Redis store: state shared by every server process, with atomic Lua scripts.

Requires the ``redis`` extra (``pip install chanx-mixins[redis]``). Entries carry their expiry
as a sorted-set score, so readers ignore a crashed process's connections as soon as their TTL
has passed; every key also gets a Redis TTL (at least ``min_key_ttl``) that is refreshed on each
write, so a room nobody touches any more is deleted by Redis itself.

Outages: a script whose connection fails is run once more on a new connection (after a Redis
restart the pool's first connection is a dead one), then the store raises
:class:`~chanx.mixins.stores.base.StoreUnavailable`. Running a script twice is harmless:
presence and typing scripts are idempotent, and a token bucket may at worst spend one extra
token (it errs on the strict side).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chanx.mixins.clock import SystemClock
from chanx.mixins.stores import _lua
from chanx.mixins.stores.base import (
    BucketSpec,
    MixinStore,
    PresenceChange,
    PresenceRecord,
    StoreUnavailable,
    TypingChange,
)

if TYPE_CHECKING:
    from redis.commands.core import AsyncScript

    from chanx.mixins.clock import Clock

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

__all__ = ["RedisStore"]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStore(MixinStore):
    """Store backed by a Redis server (redis-py asyncio client).

    Args:
        client: a ``redis.asyncio.Redis`` client; it is not closed by :meth:`close` unless the
            store created it (:meth:`from_url`).
        prefix: prepended to every key; give each application (and each test) its own.
        clock: time source; every process must agree on wall time (NTP is enough).
        min_key_ttl: seconds an idle key survives in Redis after its last write.
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "chanx:",
        clock: Clock | None = None,
        min_key_ttl: float = 300.0,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.clock = clock or SystemClock()
        self.min_key_ttl = min_key_ttl
        self._owns_client = False
        register = client.register_script
        self._join = register(_lua.PRESENCE_JOIN)
        self._heartbeat = register(_lua.PRESENCE_HEARTBEAT)
        self._leave = register(_lua.PRESENCE_LEAVE)
        self._sweep = register(_lua.PRESENCE_SWEEP)
        self._list = register(_lua.PRESENCE_LIST)
        self._typing = register(_lua.TYPING)
        self._take = register(_lua.TAKE_TOKEN)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisStore:
        """A store with its own client for ``url`` (closed by :meth:`close`)."""
        store = cls(Redis.from_url(url), **kwargs)
        store._owns_client = True
        return store

    async def close(self) -> None:
        """Close the client if this store created it."""
        if self._owns_client:
            await self.client.aclose()

    async def _run(self, script: AsyncScript, keys: list[str], args: list[Any]) -> Any:
        """Run ``script``; once more if the connection failed; then :class:`StoreUnavailable`."""
        try:
            return await script(keys=keys, args=args)
        except _UNREACHABLE:
            pass  # most often a pooled connection to a Redis that restarted: try a new one
        try:
            return await script(keys=keys, args=args)
        except _UNREACHABLE as exc:
            raise StoreUnavailable(
                f"the mixin store's Redis is unreachable ({type(exc).__name__}: {exc})"
            ) from exc

    def _key_ttl_ms(self, seconds: float) -> int:
        return math.ceil(max(seconds, self.min_key_ttl) * 1000)

    def _presence_keys(self, room: str) -> list[str]:
        base = f"{self.prefix}presence:{{{room}}}"
        return [f"{base}:conns", f"{base}:exp", f"{base}:counts", f"{base}:seq"]

    @staticmethod
    def _users(raw: Any) -> tuple[str, ...]:
        return tuple(sorted(_text(u) for u in raw or ()))

    # -- presence ----------------------------------------------------------------------------
    async def presence_join(
        self, room: str, conn: str, user: str, data: str, ttl: float
    ) -> PresenceChange:
        """Add a connection (sweeping expired ones first); ``joined`` if the user was absent."""
        now = self.clock.time()
        args: list[str | int] = [
            repr(now),
            self._key_ttl_ms(ttl),
            conn,
            user,
            data,
            repr(now + ttl),
        ]
        joined, left = await self._run(self._join, self._presence_keys(room), args)
        return PresenceChange(joined=bool(joined), left=self._users(left))

    async def presence_heartbeat(self, room: str, conn: str, ttl: float) -> PresenceChange:
        """Extend a connection's life by ``ttl`` and sweep; ``alive`` is false if it was gone."""
        now = self.clock.time()
        args: list[str | int] = [repr(now), self._key_ttl_ms(ttl), conn, repr(now + ttl)]
        alive, left = await self._run(self._heartbeat, self._presence_keys(room), args)
        return PresenceChange(left=self._users(left), alive=bool(alive))

    async def presence_leave(self, room: str, conn: str, grace: float) -> PresenceChange:
        """End a connection now (``grace <= 0``) or let it expire after ``grace`` seconds."""
        now = self.clock.time()
        until = now + grace if grace > 0 else now
        args: list[str | int] = [repr(now), self._key_ttl_ms(grace), conn, repr(until)]
        left = await self._run(self._leave, self._presence_keys(room), args)
        return PresenceChange(left=self._users(left))

    async def presence_sweep(self, room: str) -> PresenceChange:
        """Remove expired connections; ``left`` lists users with no live connection left."""
        left = await self._run(self._sweep, self._presence_keys(room), [repr(self.clock.time())])
        return PresenceChange(left=self._users(left))

    async def presence_list(self, room: str) -> list[PresenceRecord]:
        """Live connections of a room, in the order they joined."""
        flat = await self._run(self._list, self._presence_keys(room), [repr(self.clock.time())])
        rows = []
        for i in range(0, len(flat), 3):
            user, data, joined_at, seq = json.loads(flat[i + 1])
            expires_at = float(_text(flat[i + 2]))
            rows.append(
                (seq, PresenceRecord(_text(flat[i]), user, data, float(joined_at), expires_at))
            )
        rows.sort(key=lambda row: row[0])
        return [record for _, record in rows]

    # -- typing ------------------------------------------------------------------------------
    async def _typing_op(self, mode: str, room: str, user: str, ttl: float) -> TypingChange:
        now = self.clock.time()
        args: list[str | int] = [mode, repr(now), user, repr(now + ttl), self._key_ttl_ms(ttl)]
        out = await self._run(self._typing, [f"{self.prefix}typing:{{{room}}}"], args)
        return TypingChange(changed=bool(out[0]), typists=self._users(out[1:]))

    async def typing_start(self, room: str, user: str, ttl: float) -> TypingChange:
        """Mark ``user`` typing for ``ttl`` seconds (sweeping expired typists)."""
        return await self._typing_op("start", room, user, ttl)

    async def typing_stop(self, room: str, user: str) -> TypingChange:
        """``user`` stopped typing (sweeping expired typists)."""
        return await self._typing_op("stop", room, user, 0.0)

    async def typing_sweep(self, room: str) -> TypingChange:
        """Remove typists whose time ran out."""
        return await self._typing_op("sweep", room, "", 0.0)

    # -- rate limiting -----------------------------------------------------------------------
    async def take_token(self, key: str, spec: BucketSpec, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens of bucket ``key``: 0.0 if allowed, else seconds to wait."""
        args = [repr(spec.capacity), repr(spec.refill_rate), repr(cost), repr(self.clock.time())]
        retry = await self._run(self._take, [f"{self.prefix}bucket:{{{key}}}"], args)
        return float(_text(retry))
