"""The topic app of the client tests (uvicorn ``client_topic_app:app``): ``/ws/topics``
multiplexes ``TickerTopic`` (with recovery) on ``HubConsumer``, which also answers ping.

The history lives in the shared Redis (``CLIENT_TOPICS_REDIS``, default 127.0.0.1:6379) under
the prefix ``CLIENT_TOPICS_PREFIX`` (one per test session, set by ``conftest.py``), so it
survives a server restart: a client that reconnects resubscribes with its last ``seq``/``epoch``
and gets what was published meanwhile. ``POST /tick`` publishes from a view; the tests also
publish with ``TickerTopic.broadcast`` from their own process while the server is down.
"""

from __future__ import annotations

import os
from typing import Literal

from fastapi import FastAPI

from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.core.history_redis import RedisHistoryStore
from chanx.core.topic import Topic
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

REDIS_URL = os.environ.get("CLIENT_TOPICS_REDIS", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("CLIENT_TOPICS_PREFIX", "chanx-client-tests")

setup_layers(None)  # one server process: live delivery in memory, the history in Redis


class Tick(BaseMessage):
    """One price tick."""

    action: Literal["tick"] = "tick"
    payload: int


class LastRequest(BaseMessage):
    """Ask for the latest tick this subscription received."""

    action: Literal["last"] = "last"
    payload: None = None


class LastReply(BaseMessage):
    """The latest tick this subscription received (null before the first)."""

    action: Literal["last_reply"] = "last_reply"
    payload: int | None = None


class TickerTopic(Topic[Tick]):
    """Price ticks of one symbol."""

    pattern = "ticker:{symbol}"
    recovery = True
    history = RedisHistoryStore(REDIS_URL, prefix=f"{PREFIX}:history")

    #: Per subscription: the latest tick it received (replayed ones included).
    latest: int | None = None

    @ws_handler(summary="The latest tick")
    async def last(self, message: LastRequest) -> LastReply:
        return LastReply(payload=self.latest)

    @event_handler
    async def on_tick(self, event: Tick) -> Tick:
        self.latest = event.payload
        return event


@channel(name="hub")
class HubConsumer(AsyncJsonWebsocketConsumer):
    """Carries topic subscriptions; answers ping."""

    topics = [TickerTopic]

    @ws_handler
    async def ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


app = FastAPI(title="Client topic test API", version="1.0.0")
app.add_api_websocket_route("/ws/topics", HubConsumer.as_asgi())


@app.post("/tick")
async def tick(topic: str, value: int) -> dict[str, str]:
    """Publish one tick to ``topic``."""
    await TickerTopic.broadcast(topic, Tick(payload=value))
    return {"published": topic}
