"""The app of the mixins' end-to-end tests: a room consumer with all three mixins on Redis.

Environment: ``REDIS_URL`` (required), ``MIXINS_PREFIX`` (key prefix of the store and the
channel layer, one per test), ``PRESENCE_TTL`` (seconds, short so a killed process's
connections expire quickly), ``PRESENCE_GRACE`` (seconds a leave waits for a reconnect; 0).

``/ws/{room}`` is a room per URL; ``/hub`` multiplexes ``room:{room_id}`` topics with the topic
twins of the same three mixins.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.topic import Topic
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.mixins import (
    BucketSpec,
    PresenceMixin,
    RateLimitMixin,
    TopicPresenceMixin,
    TopicRateLimitMixin,
    TopicTypingMixin,
    TypingMixin,
)
from chanx.mixins.stores.redis import RedisStore

REDIS_URL = os.environ["REDIS_URL"]
PREFIX = os.environ.get("MIXINS_PREFIX", "chanx-mixins-e2e")
TTL = float(os.environ.get("PRESENCE_TTL", "1.0"))
GRACE = float(os.environ.get("PRESENCE_GRACE", "0"))

setup_layers(REDIS_URL, prefix=f"{PREFIX}-layer")
store = RedisStore.from_url(REDIS_URL, prefix=f"{PREFIX}:")


class UserFromQuery(BaseAuthenticator):
    """``?user=name`` is the user."""

    async def authenticate(self) -> bool:
        self.user = self.get_query_param("user")
        return bool(self.user)


# misc: mypy compares chanx's and fast-channels' consumer bases once mixins join the MRO
class Room(PresenceMixin, TypingMixin, RateLimitMixin, AsyncJsonWebsocketConsumer):
    """All three mixins, state in Redis, short presence TTL."""

    authenticator_class = UserFromQuery
    mixin_store = store
    mixin_namespace = "e2e-room"
    presence_ttl = TTL
    presence_heartbeat = TTL / 5
    presence_grace = GRACE
    rate_limit = None
    user_rate_limit = BucketSpec(capacity=6, refill_rate=0.001)


class RoomTopic(TopicPresenceMixin, TopicTypingMixin, TopicRateLimitMixin, Topic):
    """A room per topic string: presence, typing and a small bucket per subscription."""

    pattern = "room:{room_id}"
    mixin_store = store
    mixin_namespace = "e2e-topic"
    presence_ttl = TTL
    presence_heartbeat = TTL / 5
    presence_grace = GRACE
    typing_throttle = 0
    rate_limit = BucketSpec(capacity=3, refill_rate=0.001)


class Hub(AsyncJsonWebsocketConsumer):
    """Several rooms on one socket, as topics."""

    authenticator_class = UserFromQuery
    topics = [RoomTopic]


app = FastAPI()
app.add_api_websocket_route("/ws/{room}", Room.as_asgi())
app.add_api_websocket_route("/hub", Hub.as_asgi())


@app.get("/presence/{room}")
async def presence(room: str) -> dict[str, Any]:
    """This process's view of the room's presence (read from the shared store)."""
    return {"pid": os.getpid(), **(await Room.get_presence(room)).model_dump()}
