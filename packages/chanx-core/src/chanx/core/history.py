"""Topic history for missed-message recovery: the store interface and its in-memory backend.

A topic with ``recovery = True`` appends every publish to a history store, which gives it the
next ``seq`` of the topic's stream (1, 2, 3...) and the stream's ``epoch``. A reconnecting
client names the last ``(epoch, seq)`` it saw; :meth:`HistoryStore.read` returns what followed
and whether that is complete. The epoch identifies one unbroken stream: when a store loses a
topic's history (a restart of the in-memory store, a Redis flush or key expiry) the next
publish starts a new epoch at ``seq`` 1, and a client of the old epoch is told it cannot
recover instead of being given frames of a different stream.

History is bounded per topic by ``size`` (entries kept) and ``ttl`` (seconds an entry is
kept; a stream idle that long is forgotten).

Backends: :class:`InMemoryHistoryStore` (one process) and
:class:`chanx.core.history_redis.RedisHistoryStore` (shared by processes; ``chanx-core[redis]``).
"""

from __future__ import annotations

import abc
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

__all__ = ["HistoryRead", "HistoryStore", "InMemoryHistoryStore", "Position", "new_epoch"]


def new_epoch() -> str:
    """A fresh, unguessable epoch identifier."""
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a topic's stream is: the epoch and the seq of its latest entry (0: none yet)."""

    epoch: str
    seq: int


@dataclass(frozen=True, slots=True)
class HistoryRead:
    """The answer to :meth:`HistoryStore.read`.

    ``entries`` are ``(seq, data)`` pairs after the asked ``seq``, in order. ``complete`` is
    True when they are exactly every entry between the asked position and ``position`` (same
    epoch, nothing trimmed).
    """

    position: Position
    entries: tuple[tuple[int, str], ...]
    complete: bool


def is_complete(
    after: int, asked_epoch: str | None, position: Position, entries: tuple[tuple[int, str], ...]
) -> bool:
    """Whether ``entries`` (read after ``after``) cover everything up to ``position``."""
    if asked_epoch != position.epoch or after > position.seq:
        return False
    expected = range(after + 1, position.seq + 1)
    return len(entries) == len(expected) and all(
        s == e for (s, _), e in zip(entries, expected, strict=True)
    )


class HistoryStore(abc.ABC):
    """Where topics with recovery keep their recent publishes. Implementations are async."""

    @abc.abstractmethod
    async def append(self, topic: str, data: str, *, size: int, ttl: float) -> Position:
        """Record ``data`` (an event as JSON) as the topic's next entry; return its position.

        One call is one atomic step: concurrent appends get distinct, increasing seqs.
        """

    @abc.abstractmethod
    async def read(
        self, topic: str, after: int, epoch: str | None, *, size: int, ttl: float
    ) -> HistoryRead:
        """The entries after ``after`` of stream ``epoch``, and the current position.

        A topic never published gets an epoch here, so a first subscriber learns one. With an
        ``epoch`` other than the current one, no entries are returned.
        """


@dataclass(slots=True)
class _Stream:
    epoch: str
    seq: int = 0
    last: float = 0.0
    entries: deque[tuple[int, float, str]] = field(default_factory=deque)


class InMemoryHistoryStore(HistoryStore):
    """History kept in this process: for one server process, tests and development.

    A restart loses it (clients are then told they cannot recover). Memory is bounded by
    ``size`` entries per topic; a topic idle for ``ttl`` is forgotten when next touched.
    """

    def __init__(self) -> None:
        self._streams: dict[str, _Stream] = {}

    def _stream(self, topic: str, ttl: float, now: float) -> _Stream:
        stream = self._streams.get(topic)
        if stream is None or (stream.last and now - stream.last > ttl):
            stream = self._streams[topic] = _Stream(epoch=new_epoch(), last=now)
        entries = stream.entries
        while entries and now - entries[0][1] > ttl:
            entries.popleft()
        return stream

    async def append(self, topic: str, data: str, *, size: int, ttl: float) -> Position:
        now = time.monotonic()
        stream = self._stream(topic, ttl, now)
        stream.seq += 1
        stream.last = now
        stream.entries.append((stream.seq, now, data))
        while len(stream.entries) > size:
            stream.entries.popleft()
        return Position(stream.epoch, stream.seq)

    async def read(
        self, topic: str, after: int, epoch: str | None, *, size: int, ttl: float
    ) -> HistoryRead:
        stream = self._stream(topic, ttl, time.monotonic())
        position = Position(stream.epoch, stream.seq)
        entries: tuple[tuple[int, str], ...] = ()
        if epoch == stream.epoch:
            entries = tuple((s, d) for s, _, d in stream.entries if s > after)
        return HistoryRead(position, entries, is_complete(after, epoch, position, entries))

    def forget(self, topic: str | None = None) -> None:
        """Drop one topic's history (all when None), as a restart would; for tests."""
        if topic is None:
            self._streams.clear()
        else:
            self._streams.pop(topic, None)
