"""The ASGI binding mounts on FastAPI and Starlette and keeps the core's receive loop."""

from __future__ import annotations

import inspect
from typing import Any, Literal

import pytest
from fast_channels.consumer.websocket import AsyncJsonWebsocketConsumer as FastChannelsConsumer
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import ws_handler
from chanx.core.layers import InMemoryChannelLayer
from chanx.fast_channels import ConsumerApp, LayerUnavailableError
from chanx.fast_channels.testing import WebsocketCommunicator
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

pytestmark = pytest.mark.asgi


class RoomEvent(BaseMessage):
    action: Literal["room_event"] = "room_event"
    payload: str


class WhereMessage(BaseMessage):
    action: Literal["where"] = "where"


class RoomMessage(BaseMessage):
    action: Literal["room"] = "room"
    payload: str


class RoomConsumer(AsyncJsonWebsocketConsumer[RoomEvent]):
    """Answers pings and tells the client which room it joined."""

    async def post_authentication(self) -> None:
        self.room = self.scope["path_params"]["room"]

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_where(self, message: WhereMessage) -> RoomMessage:
        return RoomMessage(payload=self.room)


def test_core_loop_wins_in_the_mro() -> None:
    mro = AsyncJsonWebsocketConsumer.__mro__
    assert mro.index(ChanxConsumer) < mro.index(FastChannelsConsumer)
    assert AsyncJsonWebsocketConsumer.__call__ is ChanxConsumer.__call__
    assert AsyncJsonWebsocketConsumer.receive is ChanxConsumer.receive


def test_as_asgi_exposes_the_consumer_for_asyncapi() -> None:
    app = RoomConsumer.as_asgi(extra=1)
    assert isinstance(app, ConsumerApp)
    assert app.consumer_class is RoomConsumer
    assert app.consumer_initkwargs == {"extra": 1}
    assert app.__name__ == "RoomConsumer"
    # Starlette passes non-functions through as raw ASGI apps.
    endpoint: object = app
    assert not inspect.isfunction(endpoint)
    assert not inspect.ismethod(endpoint)
    assert WebSocketRoute("/ws", app).app is app


def _starlette() -> Starlette:
    return Starlette(routes=[WebSocketRoute("/ws/{room}", RoomConsumer.as_asgi())])


def _fastapi_api_route() -> FastAPI:
    app = FastAPI()
    app.add_api_websocket_route("/ws/{room}", RoomConsumer.as_asgi())
    return app


def _fastapi_router_route() -> FastAPI:
    app = FastAPI()
    app.router.add_websocket_route("/ws/{room}", RoomConsumer.as_asgi())
    return app


def _fastapi_routes() -> FastAPI:
    return FastAPI(routes=[WebSocketRoute("/ws/{room}", RoomConsumer.as_asgi())])


@pytest.mark.parametrize(
    "make_app", [_starlette, _fastapi_api_route, _fastapi_router_route, _fastapi_routes]
)
async def test_mounted_consumer_routes_frames_and_sees_path_params(
    make_app: object, chanx_layer: InMemoryChannelLayer
) -> None:
    app = make_app()  # type: ignore[operator]
    async with WebsocketCommunicator(app, "/ws/lobby") as ws:
        await ws.send_message(PingMessage())
        assert await ws.receive_message(PongMessage) == PongMessage()
        await ws.send_message(WhereMessage())
        assert (await ws.receive_message(RoomMessage)).payload == "lobby"


async def test_consumer_class_served_directly_with_path_params(
    chanx_layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketCommunicator(RoomConsumer, "/ws/x", path_params={"room": "x"}) as ws:
        await ws.send_message(WhereMessage())
        assert (await ws.receive_message(RoomMessage)).payload == "x"


async def test_consumer_app_rejects_http_scopes() -> None:
    async def receive() -> dict[str, object]:
        return {}

    async def send(message: dict[str, object]) -> None:
        return None

    with pytest.raises(ValueError, match="serves WebSocket connections"):
        await RoomConsumer.as_asgi()({"type": "http"}, receive, send)
    with pytest.raises(TypeError, match="ASGI app"):
        await RoomConsumer.as_asgi()()


async def test_unknown_alias_fails_loudly(chanx_layer: InMemoryChannelLayer) -> None:
    class Elsewhere(RoomConsumer):
        channel_layer_alias = "nowhere"

    with pytest.raises(LayerUnavailableError, match="'nowhere'"):
        await Elsewhere.broadcast_event(RoomEvent(payload="x"), groups=["g"])


async def test_alias_none_runs_without_a_layer() -> None:
    class Layerless(RoomConsumer):
        channel_layer_alias = None

    async with WebsocketCommunicator(Layerless, "/ws/x", path_params={"room": "x"}) as ws:
        await ws.send_message(PingMessage())
        assert await ws.receive_message(PongMessage) == PongMessage()
    with pytest.raises(RuntimeError, match="has no channel layer"):
        await Layerless.broadcast_event(RoomEvent(payload="x"), groups=["g"])


async def test_consumer_app_accepts_a_starlette_websocket(
    chanx_layer: InMemoryChannelLayer,
) -> None:
    """A framework that hands over its ``WebSocket`` object positionally is served too."""
    from starlette.websockets import WebSocket

    app = RoomConsumer.as_asgi()
    assert repr(app) == "<ConsumerApp RoomConsumer>"

    async def endpoint(scope: Any, receive: Any, send: Any) -> None:
        await app(WebSocket(scope, receive, send))

    async with WebsocketCommunicator(endpoint, "/ws/x", path_params={"room": "x"}) as ws:
        await ws.send_message(WhereMessage())
        assert (await ws.receive_message(RoomMessage)).payload == "x"
