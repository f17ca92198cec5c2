"""FastAPIRouteDiscovery: the consumers a FastAPI/Starlette app routes, at their addresses."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from fastapi import APIRouter, FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Host, Mount, Route, WebSocketRoute

from chanx.core.decorators import ws_handler
from chanx.fast_channels.discovery import FastAPIRouteDiscovery
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.routing import RouteInfo

pytestmark = pytest.mark.asgi


class Note(BaseMessage):
    action: Literal["note"] = "note"
    payload: str


class RoomConsumer(AsyncJsonWebsocketConsumer):
    @ws_handler
    async def handle_note(self, message: Note) -> Note:
        return message


class PlainConsumer(RoomConsumer):
    pass


def _found(app: Any) -> list[tuple[str, str, str]]:
    routes = FastAPIRouteDiscovery(app).discover_routes()
    assert all(isinstance(r, RouteInfo) and r.base_url == "ws://localhost:8000" for r in routes)
    return [(r.path, r.channel_path, r.consumer.__name__) for r in routes]


def test_routes_mounts_converters_hosts_and_http_routes() -> None:
    async def home(request: Any) -> Any:
        raise NotImplementedError

    inner = Starlette(routes=[WebSocketRoute("/ws/{room:int}", PlainConsumer.as_asgi())])
    app = Starlette(
        routes=[
            Route("/", home),
            WebSocketRoute("/ws/rooms/{room}", RoomConsumer.as_asgi()),
            Mount("/api", routes=[Mount("/v1", app=inner)]),
            Host("chat.example.com", app=Starlette(routes=[
                WebSocketRoute("/h", RoomConsumer.as_asgi())
            ])),
        ],
        middleware=[Middleware(GZipMiddleware)],
    )  # fmt: skip
    assert _found(app) == [
        ("/ws/rooms/{room}", "/ws/rooms/{room}", "RoomConsumer"),
        ("/api/v1/ws/{room:int}", "/api/v1/ws/{room}", "PlainConsumer"),
        ("/h", "/h", "RoomConsumer"),
    ]
    routes = FastAPIRouteDiscovery(app).discover_routes("wss://chat.example.com")
    assert routes[1].path_params == {"room": "int"}
    assert routes[0].base_url == "wss://chat.example.com"


def test_fastapi_websocket_routes_and_included_routers() -> None:
    app = FastAPI(title="Chat", version="3.0.0")
    app.add_api_websocket_route("/ws/rooms/{room}", RoomConsumer.as_asgi())
    router = APIRouter(prefix="/v2")
    router.add_api_websocket_route("/plain", PlainConsumer.as_asgi())
    inner = APIRouter(prefix="/rooms")
    inner.add_api_websocket_route("/{room}", RoomConsumer.as_asgi())
    router.include_router(inner)
    app.include_router(router)
    assert [f[0] for f in _found(app)] == ["/ws/rooms/{room}", "/v2/plain", "/v2/rooms/{room}"]


def test_middleware_wrapped_around_the_app_is_walked_through() -> None:
    app = Starlette(routes=[WebSocketRoute("/ws", PlainConsumer.as_asgi())])
    wrapped = CORSMiddleware(app, allow_origins=["*"])
    assert _found(wrapped) == [("/ws", "/ws", "PlainConsumer")]


def test_an_app_without_consumers_has_no_routes() -> None:
    assert FastAPIRouteDiscovery(Starlette()).discover_routes() == []
    assert FastAPIRouteDiscovery(object()).discover_routes() == []
