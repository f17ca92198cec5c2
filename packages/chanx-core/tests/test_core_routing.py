"""chanx.routing: route patterns as addresses, RouteInfo, and the middleware walk."""

from __future__ import annotations

from typing import Any

import pytest
from core_consumers import ChatConsumer

from chanx.routing import (
    RouteDiscovery,
    RouteInfo,
    extract_path_parameters,
    find_routes,
    get_pattern_string_and_params,
    traverse_middleware_stack,
)
from chanx.routing.patterns import to_address


@pytest.mark.parametrize(
    ("pattern", "address", "params"),
    [
        ("/a/{x:int}/{y}", "/a/{x}/{y}", {"x": "int", "y": "str"}),
        ("ws/<int:pk>/<slug>/", "ws/{pk}/{slug}/", {"pk": "int", "slug": "str"}),
        (
            r"^ws/chat/(?P<room_name>[\w-]+)/(?P<n>(\d)+)\.json$",
            "ws/chat/{room_name}/{n}.json",
            {"room_name": r"[\w-]+", "n": r"(\d)+"},
        ),
        ("/plain", "/plain", {}),
    ],
)
def test_patterns_become_addresses(pattern: str, address: str, params: dict[str, str]) -> None:
    assert to_address(pattern) == (address, params)
    assert extract_path_parameters(pattern) == params


def test_first_spelling_of_a_parameter_wins() -> None:
    assert extract_path_parameters("<int:pk>/{pk:str}") == {"pk": "int"}


def test_unbalanced_regex_group_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unbalanced parentheses"):
        to_address("^(?P<x>[a-z]+$")


def test_pattern_of_django_and_starlette_route_objects() -> None:
    class RoutePattern:
        def __str__(self) -> str:
            return "^ws/<int:pk>/$"

    class DjangoRoute:
        pattern = RoutePattern()

    class StarletteRoute:
        path = "/ws/{room}"

    assert get_pattern_string_and_params(DjangoRoute()) == ("ws/<int:pk>/", {"pk": "int"})
    assert get_pattern_string_and_params(StarletteRoute()) == ("/ws/{room}", {"room": "str"})

    class Bare:
        path = "/ws"

    assert get_pattern_string_and_params(Bare()) == ("/ws", None)


def test_route_info_channel_path_and_url() -> None:
    route = RouteInfo("ws/<int:pk>/", None, "wss://chat.example.com/", ChatConsumer, {"pk": "int"})
    assert route.channel_path == "/ws/{pk}/"
    assert route.full_url == "wss://chat.example.com/ws/{pk}/"
    with pytest.raises(AttributeError):
        route.path = "x"  # type: ignore[misc]


def test_explicit_pairs_and_prefix() -> None:
    app = ChatConsumer.as_asgi()
    found = find_routes([("/ws/{room:int}", app), ("/plain", ChatConsumer)], prefix="/v1")
    assert [(r.path, r.channel_path, r.path_params, r.handler) for r in found] == [
        ("/v1/ws/{room:int}", "/v1/ws/{room}", {"room": "int"}, app),
        ("/v1/plain", "/v1/plain", None, ChatConsumer),
    ]
    assert {r.consumer for r in found} == {ChatConsumer}
    with pytest.raises(TypeError, match="route '/x': expected a chanx consumer class"):
        find_routes([("/x", object())])


class _Middleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner


class _Router:
    def __init__(self, *routes: Any) -> None:
        self.routes = list(routes)


class _Route:
    def __init__(self, path: str, endpoint: Any) -> None:
        self.path = path
        self.endpoint = endpoint


def test_find_routes_walks_middleware_and_ignores_other_apps() -> None:
    not_chanx = type("NotChanx", (), {"consumer_class": object})()
    app = _Middleware(
        _Router(_Route("/ws/{room}", ChatConsumer.as_asgi()), _Route("/x", not_chanx))
    )
    (route,) = find_routes(app, base_url="ws://h")
    assert (route.path, route.base_url, route.consumer) == ("/ws/{room}", "ws://h", ChatConsumer)


def test_traverse_middleware_stack_descends_until_the_extractor_accepts() -> None:
    router = _Router(_Route("/ws", ChatConsumer.as_asgi()))
    seen: list[Any] = []

    def extract(node: Any, prefix: str, routes: list[RouteInfo], base_url: str) -> None:
        seen.append(node)
        routes.extend(find_routes(list(node.routes), base_url, prefix))

    routes: list[RouteInfo] = []
    outer = _Middleware(type("App", (), {"app": router})())
    traverse_middleware_stack(outer, "/p", routes, "ws://x", extract)
    assert [r.path for r in routes] == ["/p/ws"]
    assert seen[-1] is router
    assert len(seen) == 3
    loop = _Middleware(None)
    loop.inner = loop
    traverse_middleware_stack(loop, "", routes, "ws://x", extract)  # a cycle ends quietly
    assert len(routes) == 1


def test_route_discovery_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        RouteDiscovery()  # type: ignore[abstract]
