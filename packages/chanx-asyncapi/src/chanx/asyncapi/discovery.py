"""Find the consumers an application actually routes, and at which addresses.

The walk is duck-typed so this package imports neither Starlette nor Django: it follows
``routes`` lists (Starlette/FastAPI routers and mounts, Channels' ``URLRouter``), a
``ProtocolTypeRouter``'s ``"websocket"`` entry and middleware chains (``inner``,
``application``, ``app``), and stops at any ASGI callable that carries ``consumer_class``
(what ``as_asgi()`` returns in every binding). Only chanx consumers are kept; there is no
process-global registry to fall back on, so an unrouted consumer is never documented.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chanx.core.consumer import ChanxConsumer

__all__ = ["RoutedConsumer", "discover", "django_route_to_address", "starlette_path_to_address"]


@dataclass(frozen=True, slots=True)
class RoutedConsumer:
    """A consumer class and the address it is routed at (``{param}`` placeholders)."""

    address: str
    consumer: type[ChanxConsumer[Any]]
    #: Parameter name -> converter/type hint found in the route (``"int"``, ``"str"``...).
    param_types: dict[str, str] = field(default_factory=dict)


_STARLETTE_PARAM = re.compile(r"\{([A-Za-z_]\w*)(?::(\w+))?\}")
_DJANGO_PARAM = re.compile(r"<(?:(\w+):)?([A-Za-z_]\w*)>")


def starlette_path_to_address(path: str) -> tuple[str, dict[str, str]]:
    """``/ws/{room:int}`` -> (``/ws/{room}``, ``{"room": "int"}``)."""
    types: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        types[m.group(1)] = m.group(2) or "str"
        return "{" + m.group(1) + "}"

    return _STARLETTE_PARAM.sub(repl, path), types


def _regex_to_address(regex: str) -> tuple[str, dict[str, str]]:
    text = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    out: list[str] = []
    types: dict[str, str] = {}
    i = 0
    while i < len(text):
        if text.startswith("(?P<", i):
            end = text.index(">", i)
            name = text[i + 4 : end]
            depth, j = 1, end + 1
            while j < len(text) and depth:
                if text[j] == "\\":
                    j += 1
                elif text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                j += 1
            types[name] = "str"
            out.append("{" + name + "}")
            i = j
        elif text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out), types


def django_route_to_address(pattern: Any) -> tuple[str, dict[str, str]]:
    """A Django ``RoutePattern`` (``chat/<str:room>/``) or ``RegexPattern`` as an address part."""
    regex = getattr(pattern, "_regex", None)
    if type(pattern).__name__ == "RegexPattern" and isinstance(regex, str):
        return _regex_to_address(regex)
    route = str(getattr(pattern, "_route", pattern))
    types: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        types[m.group(2)] = m.group(1) or "str"
        return "{" + m.group(2) + "}"

    return _DJANGO_PARAM.sub(repl, route), types


def _join(prefix: str, part: str) -> str:
    if not part:
        return prefix
    return prefix.rstrip("/") + "/" + part.lstrip("/")


class _Walker:
    def __init__(self) -> None:
        self.found: list[RoutedConsumer] = []
        self._active: set[int] = set()

    def node(self, node: Any, prefix: str, types: dict[str, str]) -> None:
        if node is None or id(node) in self._active:
            return
        self._active.add(id(node))
        try:
            self._visit(node, prefix, types)
        finally:
            self._active.discard(id(node))

    def _visit(self, node: Any, prefix: str, types: dict[str, str]) -> None:
        consumer = getattr(node, "consumer_class", None)
        if consumer is not None:
            if isinstance(consumer, type) and issubclass(consumer, ChanxConsumer):
                self.found.append(RoutedConsumer(prefix or "/", consumer, dict(types)))
            return
        if isinstance(node, type):
            return
        mapping = getattr(node, "application_mapping", None)
        if isinstance(mapping, dict):  # Channels' ProtocolTypeRouter
            self.node(mapping.get("websocket"), prefix, types)
            return
        routes = getattr(node, "routes", None)
        if isinstance(routes, list | tuple):
            for route in routes:
                self.route(route, prefix, types)
            return
        for attr in ("inner", "application", "app"):  # middleware chains
            inner = getattr(node, attr, None)
            if inner is not None and inner is not node:
                self.node(inner, prefix, types)
                return

    def route(self, route: Any, prefix: str, types: dict[str, str]) -> None:
        router = getattr(route, "original_router", None)
        if router is not None:  # FastAPI's include_router() keeps the router and its prefix
            context = getattr(route, "include_context", None)
            part, more = starlette_path_to_address(str(getattr(context, "prefix", "") or ""))
            self.node(router, _join(prefix, part), {**types, **more})
            return
        pattern = getattr(route, "pattern", None)
        if pattern is not None and hasattr(route, "callback"):  # Django URLPattern
            part, more = django_route_to_address(pattern)
            self.node(route.callback, _join(prefix, part), {**types, **more})
            return
        path = getattr(route, "path", None)
        if isinstance(path, str):  # Starlette WebSocketRoute / Mount / Route
            part, more = starlette_path_to_address(path)
            address, merged = _join(prefix, part), {**types, **more}
            endpoint = getattr(route, "endpoint", None)
            if getattr(endpoint, "consumer_class", None) is not None:
                self.node(endpoint, address, merged)
            elif hasattr(route, "routes") or getattr(route, "app", None) is not None:
                self.node(getattr(route, "app", None), address, merged)
            return
        self.node(getattr(route, "app", None), prefix, types)  # Host and friends


def _explicit(pairs: Iterable[Any]) -> list[RoutedConsumer] | None:
    items = list(pairs)
    if not all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in items):
        return None
    out: list[RoutedConsumer] = []
    for address, target in items:
        consumer = target if isinstance(target, type) else getattr(target, "consumer_class", None)
        if not (isinstance(consumer, type) and issubclass(consumer, ChanxConsumer)):
            raise TypeError(
                f"route {address!r}: expected a chanx consumer class or its as_asgi() app, "
                f"got {target!r}"
            )
        routed, types = starlette_path_to_address(address)
        out.append(RoutedConsumer(routed, consumer, types))
    return out


def discover(source: Any) -> list[RoutedConsumer]:
    """The chanx consumers ``source`` routes, in routing order.

    ``source`` is a FastAPI/Starlette app or router, a Channels ``ProtocolTypeRouter`` /
    ``URLRouter`` (middleware stacks included), or an explicit list of
    ``(address, consumer class or as_asgi() app)`` pairs.
    """
    if isinstance(source, list | tuple):
        explicit = _explicit(source)
        if explicit is not None:
            return explicit
    walker = _Walker()
    if isinstance(source, list | tuple):  # e.g. Channels' ``websocket_urlpatterns``
        for route in source:
            walker.route(route, "", {})
    else:
        walker.node(source, "", {})
    return walker.found
