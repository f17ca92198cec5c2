"""Finding routed consumers in explicit lists, Starlette/FastAPI apps and Channels routers."""

from __future__ import annotations

from typing import Any

import asyncapi_kitchen as kitchen
import pytest
from fastapi import APIRouter, FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Host, Mount, Route, WebSocketRoute

from chanx.asyncapi import NoConsumersError, discover, generate
from chanx.asyncapi.discovery import django_route_to_address, starlette_path_to_address


def _found(source: Any) -> list[tuple[str, str]]:
    return [(r.address, r.consumer.__name__) for r in discover(source)]


def test_explicit_pairs_accept_classes_and_asgi_apps() -> None:
    assert _found(kitchen.routes) == [
        ("/ws/kitchen/{room}", "KitchenConsumer"),
        ("/ws/camel/{room}/{user_id}", "CamelConsumer"),
        ("/ws/plain", "PlainConsumer"),
    ]


def test_explicit_pairs_refuse_other_objects() -> None:
    with pytest.raises(TypeError, match="route '/x': expected a chanx consumer class"):
        discover([("/x", object())])


def test_starlette_routes_mounts_and_converters() -> None:
    assert _found(kitchen.app) == [
        ("/ws/kitchen/{room}", "KitchenConsumer"),
        ("/ws/camel/{room}/{user_id}", "CamelConsumer"),
        ("/ws/plain", "PlainConsumer"),
    ]
    camel = discover(kitchen.app)[1]
    assert camel.param_types == {"room": "str", "user_id": "int"}


def test_nested_mounts_hosts_middleware_and_http_routes() -> None:
    async def home(request: Any) -> Any:
        raise NotImplementedError

    inner = Starlette(routes=[WebSocketRoute("/ws/{room}", kitchen.PlainConsumer.as_asgi())])
    app = Starlette(
        routes=[
            Route("/", home),
            Mount("/api", routes=[Mount("/v1", app=inner)]),
            Host("chat.example.com", app=Starlette(routes=[
                WebSocketRoute("/h", kitchen.KitchenConsumer.as_asgi())
            ])),
        ],
        middleware=[Middleware(GZipMiddleware)],
    )  # fmt: skip
    assert _found(app) == [
        ("/api/v1/ws/{room}", "PlainConsumer"),
        ("/h", "KitchenConsumer"),
    ]


def test_fastapi_websocket_routes_and_routers() -> None:
    app = FastAPI(title="Chat", version="3.0.0")
    app.add_api_websocket_route("/ws/kitchen/{room}", kitchen.KitchenConsumer.as_asgi())
    router = APIRouter(prefix="/v2")
    router.add_api_websocket_route("/plain", kitchen.PlainConsumer.as_asgi())
    inner = APIRouter(prefix="/rooms")
    inner.add_api_websocket_route("/{room}", kitchen.CamelConsumer.as_asgi())
    router.include_router(inner)
    app.include_router(router)
    assert _found(app) == [
        ("/ws/kitchen/{room}", "KitchenConsumer"),
        ("/v2/plain", "PlainConsumer"),
        ("/v2/rooms/{room}", "CamelConsumer"),
    ]
    info = generate(app).to_dict()["info"]
    assert info == {"title": "Chat", "version": "3.0.0"}  # FastAPI's own metadata


def test_an_app_without_consumers_is_an_error() -> None:
    assert discover(Starlette()) == []
    with pytest.raises(NoConsumersError, match="no chanx consumer is routed"):
        generate(Starlette())


def test_path_conversions() -> None:
    assert starlette_path_to_address("/a/{x:int}/{y}") == ("/a/{x}/{y}", {"x": "int", "y": "str"})

    class RoutePattern:
        _route = "ws/<int:pk>/<slug>/"

    class RegexPattern:
        _regex = r"^ws/chat/(?P<room_name>[\w-]+)/(?P<n>\d+)\.json$"

    assert django_route_to_address(RoutePattern()) == (
        "ws/{pk}/{slug}/",
        {"pk": "int", "slug": "str"},
    )
    assert django_route_to_address(RegexPattern()) == (
        "ws/chat/{room_name}/{n}.json",
        {"room_name": "str", "n": "str"},
    )
