"""Reconnect policy: exponential backoff with jitter, capped, with a retry limit."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = [
    "Backoff",
]


@dataclass(frozen=True)
class Backoff:
    """How long to wait before reconnect attempt ``n`` (1-based), and when to stop.

    The delay is ``min(max_delay, initial * factor ** (n - 1))`` scaled by a random factor in
    ``[1 - jitter, 1]``, so a server restart is not met by every client at the same instant.
    ``max_retries=None`` retries forever; ``0`` never reconnects.
    """

    initial: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.5
    max_retries: int | None = 10
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.initial < 0 or self.max_delay < 0:
            raise ValueError(f"delays must not be negative, got {self.initial}, {self.max_delay}")
        if self.factor < 1:
            raise ValueError(f"factor must be >= 1, got {self.factor}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be within [0, 1], got {self.jitter}")
        if self.max_retries is not None and self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0 or None, got {self.max_retries}")

    def exhausted(self, attempt: int) -> bool:
        """True once ``attempt`` (1-based) is past the retry limit."""
        return self.max_retries is not None and attempt > self.max_retries

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (1-based)."""
        base = min(self.max_delay, self.initial * self.factor ** max(attempt - 1, 0))
        return base * (1 - self.jitter * self.rng.random())
