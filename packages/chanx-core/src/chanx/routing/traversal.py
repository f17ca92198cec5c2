"""Walk an ASGI application down to its routed consumers, without importing any framework.

The walk is duck-typed: it follows ``routes`` lists (Starlette/FastAPI routers and mounts,
Channels' ``URLRouter``), FastAPI's included routers, a ``ProtocolTypeRouter``'s
``"websocket"`` entry and middleware chains (``inner``, ``app``, ``application``), and stops at
any ASGI callable carrying ``consumer_class`` (what ``as_asgi()`` returns in every binding).
Only chanx consumers are reported, so an unrouted consumer is never documented. The
framework discoveries (``DjangoRouteDiscovery``, ``FastAPIRouteDiscovery``) are built on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from chanx.core.consumer import ChanxConsumer
from chanx.routing.discovery import DEFAULT_BASE_URL, RouteInfo
from chanx.routing.patterns import extract_path_parameters, get_pattern_string_and_params

__all__ = ["MIDDLEWARE_ATTRS", "RouteExtractor", "find_routes", "traverse_middleware_stack"]

#: Attributes through which middleware reach the application they wrap, in lookup order.
MIDDLEWARE_ATTRS = ("inner", "app", "application")

RouteExtractor = Callable[[Any, str, list[RouteInfo], str], None]


def traverse_middleware_stack(
    app: Any,
    prefix: str,
    routes: list[RouteInfo],
    base_url: str,
    extract_routes_fn: RouteExtractor,
) -> None:
    """Run ``extract_routes_fn`` on ``app``, or on the first layer below it that accepts it.

    An extractor signals "not a router" with ``AttributeError`` or ``TypeError``; the walk
    then descends through :data:`MIDDLEWARE_ATTRS`. Stops silently at the bottom (or a
    cycle).
    """
    seen: set[int] = set()
    node = app
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        try:
            extract_routes_fn(node, prefix, routes, base_url)
            return
        except (AttributeError, TypeError):
            node = _wrapped(node)


def _wrapped(node: Any) -> Any:
    for attr in MIDDLEWARE_ATTRS:
        inner = getattr(node, attr, None)
        if inner is not None and inner is not node:
            return inner
    return None


def _join(prefix: str, part: str) -> str:
    if not part:
        return prefix
    if not prefix:
        return part
    return prefix.rstrip("/") + "/" + part.lstrip("/")


def _consumer_of(target: Any) -> type[ChanxConsumer[Any]] | None:
    consumer = target if isinstance(target, type) else getattr(target, "consumer_class", None)
    if isinstance(consumer, type) and issubclass(consumer, ChanxConsumer):
        return consumer
    return None


class _Walker:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.found: list[RouteInfo] = []
        self._active: set[int] = set()

    def node(self, node: Any, prefix: str) -> None:
        if node is None or id(node) in self._active:
            return
        self._active.add(id(node))
        try:
            self._visit(node, prefix)
        finally:
            self._active.discard(id(node))

    def _visit(self, node: Any, prefix: str) -> None:
        if getattr(node, "consumer_class", None) is not None:
            consumer = _consumer_of(node)
            if consumer is not None:
                path = prefix or "/"
                params = extract_path_parameters(path) or None
                self.found.append(RouteInfo(path, node, self.base_url, consumer, params))
            return
        if isinstance(node, type):
            return
        mapping = getattr(node, "application_mapping", None)
        if isinstance(mapping, dict):  # Channels' ProtocolTypeRouter
            self.node(mapping.get("websocket"), prefix)
            return
        routes = getattr(node, "routes", None)
        if isinstance(routes, list | tuple):
            self.routes(routes, prefix)
            return
        inner = _wrapped(node)
        if inner is not None:
            self.node(inner, prefix)

    def routes(self, routes: Iterable[Any], prefix: str) -> None:
        for route in routes:
            self.route(route, prefix)

    def route(self, route: Any, prefix: str) -> None:
        router = getattr(route, "original_router", None)
        if router is not None:  # FastAPI's include_router() keeps the router and its prefix
            context = getattr(route, "include_context", None)
            self.node(router, _join(prefix, str(getattr(context, "prefix", "") or "")))
            return
        if getattr(route, "pattern", None) is not None and hasattr(route, "callback"):
            part, _ = get_pattern_string_and_params(route)  # Django URLPattern
            self.node(route.callback, _join(prefix, part))
            return
        path = getattr(route, "path", None)
        if isinstance(path, str):  # Starlette WebSocketRoute / Mount / Route
            address = _join(prefix, path)
            endpoint = getattr(route, "endpoint", None)
            if getattr(endpoint, "consumer_class", None) is not None:
                self.node(endpoint, address)
            elif hasattr(route, "routes") or getattr(route, "app", None) is not None:
                self.node(getattr(route, "app", None), address)
            return
        self.node(getattr(route, "app", None), prefix)  # Host and friends


def _is_pair(item: Any) -> bool:
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)


def _explicit(pairs: list[tuple[str, Any]], base_url: str) -> list[RouteInfo]:
    out: list[RouteInfo] = []
    for address, target in pairs:
        consumer = _consumer_of(target)
        if consumer is None:
            raise TypeError(
                f"route {address!r}: expected a chanx consumer class or its as_asgi() app, "
                f"got {target!r}"
            )
        params = extract_path_parameters(address) or None
        out.append(RouteInfo(address, target, base_url, consumer, params))
    return out


def find_routes(source: Any, base_url: str = DEFAULT_BASE_URL, prefix: str = "") -> list[RouteInfo]:
    """The chanx consumers ``source`` routes, in routing order.

    ``source`` is an ASGI application or router (FastAPI/Starlette apps, Channels'
    ``ProtocolTypeRouter``/``URLRouter``, middleware stacks), a list of routes (such as
    Channels' ``websocket_urlpatterns``), or a list of ``(address, consumer class or
    as_asgi() app)`` pairs. ``prefix`` is prepended to every path. Raises ``TypeError`` when
    such a pair names no chanx consumer.
    """
    if isinstance(source, list | tuple) and all(_is_pair(item) for item in source):
        return _explicit([(_join(prefix, a), t) for a, t in source], base_url)
    walker = _Walker(base_url)
    if isinstance(source, list | tuple):
        walker.routes(source, prefix)
    else:
        walker.node(source, prefix)
    return walker.found
