"""The store interface shared by the mixins, and the records it returns.

Everything the mixins must agree on across server processes goes through one ``MixinStore``:
presence entries (one per connection, grouped by user), typists and token buckets. Each
operation that reads and then writes is atomic in every backend (a Lua script in Redis), so two
processes can never both announce the same join or leave, or both spend the last token.

Expiry is explicit: every entry carries the time it expires at, taken from the store's
:class:`~chanx.mixins.clock.Clock`. Readers ignore expired entries and sweeps remove them, so a
crashed process's entries disappear once their TTL passes even though nobody said goodbye.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chanx.mixins.clock import Clock

__all__ = [
    "BucketSpec",
    "MixinStore",
    "PresenceChange",
    "PresenceRecord",
    "StoreUnavailable",
    "TypingChange",
]


class StoreUnavailable(RuntimeError):
    """The store could not be reached (Redis down); the operation did not happen.

    The mixins turn it into their documented outage outcome: the rate limiter fails open,
    presence retries at the next heartbeat, a typing frame gets a ``store_unavailable`` error
    frame.
    """


@dataclass(frozen=True, slots=True)
class PresenceRecord:
    """One live connection in a room."""

    conn: str
    user: str
    #: JSON text of the connection's metadata, as given to ``presence_join``.
    data: str
    joined_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class PresenceChange:
    """User-level outcome of a presence operation.

    ``joined`` is true when the operation made the user present (their first live connection);
    ``left`` lists users who stopped being present (their last connection ended or expired).
    ``alive`` is false when a heartbeat found its entry already gone.
    """

    joined: bool = False
    left: tuple[str, ...] = ()
    alive: bool = True


@dataclass(frozen=True, slots=True)
class TypingChange:
    """Outcome of a typing operation: did the set of typists change, and what is it now."""

    changed: bool
    typists: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class BucketSpec:
    """A token bucket: ``capacity`` tokens, refilled at ``refill_rate`` tokens per second."""

    capacity: float
    refill_rate: float

    def __post_init__(self) -> None:
        if self.capacity <= 0 or self.refill_rate <= 0:
            raise ValueError(
                f"a bucket needs capacity > 0 and refill_rate > 0, got {self.capacity!r} "
                f"and {self.refill_rate!r}"
            )


class MixinStore(ABC):
    """Shared state of the presence, typing and rate limiting mixins."""

    clock: Clock

    # -- presence ----------------------------------------------------------------------------
    @abstractmethod
    async def presence_join(
        self, room: str, conn: str, user: str, data: str, ttl: float
    ) -> PresenceChange:
        """Add a connection (sweeping expired ones first); ``joined`` if the user was absent."""

    @abstractmethod
    async def presence_heartbeat(self, room: str, conn: str, ttl: float) -> PresenceChange:
        """Extend a connection's life by ``ttl`` and sweep; ``alive`` is false if it was gone."""

    @abstractmethod
    async def presence_leave(self, room: str, conn: str, grace: float) -> PresenceChange:
        """End a connection now (``grace <= 0``) or let it expire after ``grace`` seconds."""

    @abstractmethod
    async def presence_sweep(self, room: str) -> PresenceChange:
        """Remove expired connections; ``left`` lists users with no live connection left."""

    @abstractmethod
    async def presence_list(self, room: str) -> list[PresenceRecord]:
        """Live connections of a room, in the order they joined."""

    # -- typing ------------------------------------------------------------------------------
    @abstractmethod
    async def typing_start(self, room: str, user: str, ttl: float) -> TypingChange:
        """Mark ``user`` typing for ``ttl`` seconds (sweeping expired typists)."""

    @abstractmethod
    async def typing_stop(self, room: str, user: str) -> TypingChange:
        """``user`` stopped typing (sweeping expired typists)."""

    @abstractmethod
    async def typing_sweep(self, room: str) -> TypingChange:
        """Remove typists whose time ran out."""

    # -- rate limiting -----------------------------------------------------------------------
    @abstractmethod
    async def take_token(self, key: str, spec: BucketSpec, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens of bucket ``key``: 0.0 if allowed, else seconds to wait."""

    # -- lifecycle ---------------------------------------------------------------------------
    async def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections; the store is not used afterwards."""
