"""Events from anywhere: an HTTP endpoint, a background thread, another process (Redis)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx
import pytest
from fast_channels.layers import InMemoryChannelLayer as FastChannelsInMemoryLayer
from fastapi import FastAPI

from chanx.core.decorators import event_handler, ws_handler
from chanx.fast_channels.layers import register_layer, setup_layers, unregister_layer
from chanx.fast_channels.testing import WebsocketCommunicator, isolated_layer
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage

pytestmark = pytest.mark.asgi


class NewsEvent(BaseMessage):
    action: Literal["news"] = "news"
    payload: str


class NewsMessage(BaseMessage):
    action: Literal["news_item"] = "news_item"
    payload: str


class WhoAmIMessage(BaseMessage):
    action: Literal["whoami"] = "whoami"


class ChannelNameMessage(BaseMessage):
    action: Literal["channel_name"] = "channel_name"
    payload: str


class NewsConsumer(AsyncJsonWebsocketConsumer[NewsEvent]):
    """Joins ``news``; turns each NewsEvent into a news_item frame."""

    groups = ["news"]

    @ws_handler
    async def handle_whoami(self, message: WhoAmIMessage) -> ChannelNameMessage:
        return ChannelNameMessage(payload=self.channel_name)

    @event_handler
    async def handle_news(self, event: NewsEvent) -> NewsMessage:
        return NewsMessage(payload=event.payload)


def make_app() -> FastAPI:
    app = FastAPI()
    app.add_api_websocket_route("/ws/news", NewsConsumer.as_asgi())

    @app.post("/news")
    async def publish(text: str) -> dict[str, str]:
        await NewsConsumer.broadcast_event(NewsEvent(payload=text))
        return {"status": "sent"}

    @app.post("/direct")
    async def direct(text: str, channel: str) -> dict[str, str]:
        await NewsConsumer.send_event(NewsEvent(payload=text), channel)
        return {"status": "sent"}

    @app.post("/news-sync")
    def publish_sync(text: str) -> dict[str, str]:  # a sync endpoint: runs in a worker thread
        NewsConsumer.broadcast_event_sync(NewsEvent(payload=text))
        return {"status": "sent"}

    @app.post("/direct-sync")
    def direct_sync(text: str, channel: str) -> dict[str, str]:
        NewsConsumer.send_event_sync(NewsEvent(payload=text), channel)
        return {"status": "sent"}

    return app


@pytest.fixture(params=["memory", "fast-channels-memory", "redis-core", "redis-pubsub"])
async def layer_kind(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Run the test on both in-memory layers and on both Redis layers."""
    kind: str = request.param
    if kind == "memory":
        with isolated_layer():
            yield kind
        return
    if kind == "fast-channels-memory":  # the layer fast-channels' docs register
        with isolated_layer():
            register_layer("default", FastChannelsInMemoryLayer())
            yield kind
        return
    redis_url = request.getfixturevalue("redis_url")  # skips (fails in CI) without Redis
    prefix = request.getfixturevalue("layer_prefix")
    layer = setup_layers(redis_url, kind=kind.removeprefix("redis-"), prefix=prefix)  # type: ignore[arg-type]
    yield kind
    unregister_layer("default")
    await layer.flush()  # type: ignore[attr-defined]


async def _channel_of(ws: WebsocketCommunicator) -> str:
    await ws.send_message(WhoAmIMessage())
    return (await ws.receive_message(ChannelNameMessage)).payload


async def test_events_from_http_endpoints(layer_kind: str) -> None:
    app = make_app()
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
        WebsocketCommunicator(app, "/ws/news", timeout=5) as a,
        WebsocketCommunicator(app, "/ws/news", timeout=5) as b,
    ):
        channel_b = await _channel_of(b)
        for path in ("/news", "/news-sync"):
            response = await http.post(path, params={"text": path})
            assert response.json() == {"status": "sent"}
            for ws in (a, b):
                assert await ws.receive_message(NewsMessage) == NewsMessage(payload=path)
        for path in ("/direct", "/direct-sync"):
            await http.post(path, params={"text": path, "channel": channel_b})
            assert await b.receive_message(NewsMessage) == NewsMessage(payload=path)
        assert await a.receive_nothing(0.2)


async def test_events_from_a_background_thread(layer_kind: str) -> None:
    app = make_app()
    async with (
        WebsocketCommunicator(app, "/ws/news", timeout=5) as a,
        WebsocketCommunicator(app, "/ws/news", timeout=5) as b,
    ):
        channel_a = await _channel_of(a)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                NewsConsumer.broadcast_event_sync(NewsEvent(payload="all"))
                NewsConsumer.send_event_sync(NewsEvent(payload="only a"), channel_a)
            except BaseException as exc:  # reported by the test below
                errors.append(exc)

        thread = threading.Thread(target=work)
        thread.start()
        await asyncio.to_thread(thread.join, 10)
        assert not errors
        assert await a.receive_message(NewsMessage) == NewsMessage(payload="all")
        assert await a.receive_message(NewsMessage) == NewsMessage(payload="only a")
        assert await b.receive_message(NewsMessage) == NewsMessage(payload="all")
        assert await b.receive_nothing(0.2)


SCRIPT = textwrap.dedent(
    """
    import sys
    from typing import Literal

    from chanx.fast_channels.layers import setup_layers
    from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
    from chanx.messages.base import BaseMessage

    class NewsEvent(BaseMessage):
        action: Literal["news"] = "news"
        payload: str

    class Publisher(AsyncJsonWebsocketConsumer[NewsEvent]):
        groups = ["news"]

    url, kind, prefix, channel = sys.argv[1:5]
    setup_layers(url, kind=kind, prefix=prefix)
    Publisher.broadcast_event_sync(NewsEvent(payload="from a script"))
    Publisher.send_event_sync(NewsEvent(payload="direct from a script"), channel)
    print("sent")
    """
)


@pytest.mark.redis
@pytest.mark.parametrize("kind", ["core", "pubsub"])
async def test_events_from_another_process(
    kind: str, redis_url: str, layer_prefix: str, redis_layer: Any
) -> None:
    redis_layer(kind=kind)
    app = make_app()
    async with (
        WebsocketCommunicator(app, "/ws/news", timeout=10) as a,
        WebsocketCommunicator(app, "/ws/news", timeout=10) as b,
    ):
        channel_a = await _channel_of(a)
        await _channel_of(b)  # both joined the group before the script runs
        args = [sys.executable, "-c", SCRIPT, redis_url, kind, layer_prefix, channel_a]
        done = await asyncio.to_thread(
            subprocess.run, args, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "sent"
        assert await a.receive_message(NewsMessage) == NewsMessage(payload="from a script")
        assert await a.receive_message(NewsMessage) == NewsMessage(payload="direct from a script")
        assert await b.receive_message(NewsMessage) == NewsMessage(payload="from a script")
        assert await b.receive_nothing(0.2)
