"""The in-memory store: the default, for one process (tests, development, a single worker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chanx.mixins.clock import SystemClock
from chanx.mixins.stores.base import (
    BucketSpec,
    MixinStore,
    PresenceChange,
    PresenceRecord,
    TypingChange,
)

if TYPE_CHECKING:
    from chanx.mixins.clock import Clock

__all__ = ["MemoryStore"]

#: Full buckets are forgotten every this many ``take_token`` calls (a full bucket is the default).
_PRUNE_EVERY = 1024


@dataclass(slots=True)
class _Conn:
    user: str
    data: str
    joined_at: float
    expires_at: float


class MemoryStore(MixinStore):
    """Process-local store; operations never await, so each is atomic on the event loop.

    Args:
        clock: time source (a :class:`~chanx.mixins.clock.ManualClock` in tests).
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self._rooms: dict[str, dict[str, _Conn]] = {}
        self._typists: dict[str, dict[str, float]] = {}
        self._buckets: dict[str, tuple[float, float, float]] = {}
        self._takes = 0

    # -- presence ----------------------------------------------------------------------------
    def _sweep(self, room: str, now: float) -> tuple[str, ...]:
        conns = self._rooms.get(room)
        if not conns:
            return ()
        dead = [c for c, e in conns.items() if e.expires_at <= now]
        touched = {conns.pop(c).user for c in dead}
        alive_users = {e.user for e in conns.values()}
        if not conns:
            del self._rooms[room]
        return tuple(sorted(touched - alive_users))

    async def presence_join(
        self, room: str, conn: str, user: str, data: str, ttl: float
    ) -> PresenceChange:
        """Add a connection (sweeping expired ones first); ``joined`` if the user was absent."""
        now = self.clock.time()
        left = self._sweep(room, now)
        conns = self._rooms.setdefault(room, {})
        old = conns.get(conn)
        joined = old is None and not any(e.user == user for e in conns.values())
        conns[conn] = _Conn(user, data, now if old is None else old.joined_at, now + ttl)
        return PresenceChange(joined=joined, left=left)

    async def presence_heartbeat(self, room: str, conn: str, ttl: float) -> PresenceChange:
        """Extend a connection's life by ``ttl`` and sweep; ``alive`` is false if it was gone."""
        now = self.clock.time()
        left = self._sweep(room, now)
        entry = self._rooms.get(room, {}).get(conn)
        if entry is not None:
            entry.expires_at = now + ttl
        return PresenceChange(left=left, alive=entry is not None)

    async def presence_leave(self, room: str, conn: str, grace: float) -> PresenceChange:
        """End a connection now (``grace <= 0``) or let it expire after ``grace`` seconds."""
        now = self.clock.time()
        conns = self._rooms.get(room, {})
        entry = conns.get(conn)
        if entry is not None:
            entry.expires_at = now + grace if grace > 0 else now
        return PresenceChange(left=self._sweep(room, now))

    async def presence_sweep(self, room: str) -> PresenceChange:
        """Remove expired connections; ``left`` lists users with no live connection left."""
        return PresenceChange(left=self._sweep(room, self.clock.time()))

    async def presence_list(self, room: str) -> list[PresenceRecord]:
        """Live connections of a room, in the order they joined."""
        now = self.clock.time()
        return [  # dicts keep insertion order: oldest join first
            PresenceRecord(c, e.user, e.data, e.joined_at, e.expires_at)
            for c, e in self._rooms.get(room, {}).items()
            if e.expires_at > now
        ]

    # -- typing ------------------------------------------------------------------------------
    def _typing(self, room: str, now: float) -> tuple[dict[str, float], bool]:
        typists = self._typists.setdefault(room, {})
        dead = [u for u, e in typists.items() if e <= now]
        for user in dead:
            del typists[user]
        return typists, bool(dead)

    def _typing_result(self, room: str, typists: dict[str, float], changed: bool) -> TypingChange:
        if not typists:
            self._typists.pop(room, None)
        return TypingChange(changed=changed, typists=tuple(sorted(typists)))

    async def typing_start(self, room: str, user: str, ttl: float) -> TypingChange:
        """Mark ``user`` typing for ``ttl`` seconds (sweeping expired typists)."""
        now = self.clock.time()
        typists, changed = self._typing(room, now)
        changed = changed or user not in typists
        typists[user] = now + ttl
        return self._typing_result(room, typists, changed)

    async def typing_stop(self, room: str, user: str) -> TypingChange:
        """``user`` stopped typing (sweeping expired typists)."""
        typists, changed = self._typing(room, self.clock.time())
        changed = typists.pop(user, None) is not None or changed
        return self._typing_result(room, typists, changed)

    async def typing_sweep(self, room: str) -> TypingChange:
        """Remove typists whose time ran out."""
        typists, changed = self._typing(room, self.clock.time())
        return self._typing_result(room, typists, changed)

    # -- rate limiting -----------------------------------------------------------------------
    async def take_token(self, key: str, spec: BucketSpec, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens of bucket ``key``: 0.0 if allowed, else seconds to wait."""
        now = self.clock.time()
        self._takes += 1
        if self._takes % _PRUNE_EVERY == 0:
            self._buckets = {k: v for k, v in self._buckets.items() if v[2] > now}
        tokens, stamp, _ = self._buckets.get(key, (spec.capacity, now, 0.0))
        tokens = min(spec.capacity, tokens + max(0.0, now - stamp) * spec.refill_rate)
        retry = 0.0
        if tokens >= cost:
            tokens -= cost
        else:
            retry = (cost - tokens) / spec.refill_rate
        full_at = now + (spec.capacity - tokens) / spec.refill_rate
        self._buckets[key] = (tokens, now, full_at)
        return retry
