"""Reusable chanx consumer mixins: presence, typing indicators and rate limiting.

Compose them by inheritance, before the consumer base class::

    class Room(PresenceMixin, TypingMixin, RateLimitMixin, AsyncJsonWebsocketConsumer): ...

Their handlers and passthrough events merge into the consumer's routing table (and so into its
AsyncAPI document); their hooks call ``super()``, so they stack in any order. Shared state lives
in a store: :class:`MemoryStore` by default, :class:`RedisStore` across processes. The
``Topic*`` twins do the same per topic string, on :class:`~chanx.core.topic.Topic` classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chanx.mixins.clock import Clock, ManualClock, SystemClock
from chanx.mixins.presence import PresenceMixin, presence_state
from chanx.mixins.rate_limit import RATE_LIMIT_CLOSE_CODE, RateLimitMixin, extract_action
from chanx.mixins.room import DEFAULT_STORE, RoomMixin
from chanx.mixins.stores import BucketSpec, MemoryStore, MixinStore
from chanx.mixins.topics import (
    TopicPresenceMixin,
    TopicRateLimitMixin,
    TopicRoomMixin,
    TopicTypingMixin,
)
from chanx.mixins.typing_indicator import TypingMixin

if TYPE_CHECKING:
    from chanx.mixins.stores.redis import RedisStore

__all__ = [
    "DEFAULT_STORE",
    "RATE_LIMIT_CLOSE_CODE",
    "BucketSpec",
    "Clock",
    "ManualClock",
    "MemoryStore",
    "MixinStore",
    "PresenceMixin",
    "RateLimitMixin",
    "RedisStore",
    "RoomMixin",
    "SystemClock",
    "TopicPresenceMixin",
    "TopicRateLimitMixin",
    "TopicRoomMixin",
    "TopicTypingMixin",
    "TypingMixin",
    "extract_action",
    "presence_state",
]


def __getattr__(name: str) -> Any:
    # RedisStore needs the optional redis extra; import it only when asked for.
    if name == "RedisStore":
        from chanx.mixins.stores.redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
