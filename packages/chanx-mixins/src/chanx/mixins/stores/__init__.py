"""Stores: where the mixins keep state shared across connections and server processes.

``MemoryStore`` (the default) serves one process; ``RedisStore`` (the ``redis`` extra) shares
presence, typists and per-user token buckets between every process using the same Redis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chanx.mixins.stores.base import (
    BucketSpec,
    MixinStore,
    PresenceChange,
    PresenceRecord,
    StoreUnavailable,
    TypingChange,
)
from chanx.mixins.stores.memory import MemoryStore

if TYPE_CHECKING:
    from chanx.mixins.stores.redis import RedisStore

__all__ = [
    "BucketSpec",
    "MemoryStore",
    "MixinStore",
    "PresenceChange",
    "PresenceRecord",
    "RedisStore",
    "StoreUnavailable",
    "TypingChange",
]


def __getattr__(name: str) -> Any:
    # RedisStore is imported on first use so that redis stays an optional dependency.
    if name == "RedisStore":
        from chanx.mixins.stores.redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
