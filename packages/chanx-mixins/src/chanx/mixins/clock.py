"""Time for the mixins: a real clock in production, a manual one in tests.

Grace periods, typing expiry, heartbeats and token buckets all read the time and sleep through
one ``Clock`` object owned by the store. Tests swap in :class:`ManualClock` and move time
forward explicitly, so TTL and grace logic is tested without waiting on the wall clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """Source of time and of timed waits."""

    def time(self) -> float:
        """Seconds since the epoch (shared across processes, so wall time, not monotonic)."""
        ...

    async def sleep(self, delay: float) -> None:
        """Wait ``delay`` seconds of this clock's time."""
        ...


class SystemClock:
    """The wall clock and ``asyncio.sleep``."""

    def time(self) -> float:
        """Current wall time."""
        return time.time()

    async def sleep(self, delay: float) -> None:
        """Sleep on the event loop."""
        await asyncio.sleep(max(delay, 0.0))


class ManualClock:
    """A clock that only moves when told to; sleepers wake when :meth:`advance` passes them.

    Args:
        start: initial time (defaults to the current wall time, so Redis keys stay sensible).
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def time(self) -> float:
        """The manual time."""
        return self._now

    async def sleep(self, delay: float) -> None:
        """Wait until the clock has been advanced by ``delay``."""
        if delay <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + delay, next(self._seq), future))
        await future

    @property
    def sleepers(self) -> int:
        """Number of tasks currently waiting on this clock."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def wait_for_sleepers(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait (in real time, up to ``timeout``) until ``count`` tasks sleep on this clock.

        Background work that does I/O (a Redis store) goes back to sleep only after its round
        trips; call this before :meth:`advance` so that no timer misses a step.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.sleepers < count:
            if loop.time() > deadline:
                raise TimeoutError(f"{self.sleepers} sleepers on the clock, expected {count}")
            await asyncio.sleep(0.001)

    async def advance(self, seconds: float) -> None:
        """Move time forward and let every sleeper whose deadline passed run."""
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        # Give the woken tasks a few loop turns to do their (store) work.
        for _ in range(5):
            await asyncio.sleep(0)
