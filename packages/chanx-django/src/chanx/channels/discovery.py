"""Route discovery for Django Channels: :class:`DjangoRouteDiscovery`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chanx.channels.settings import chanx_settings
from chanx.channels.utils import get_websocket_application
from chanx.routing.discovery import DEFAULT_BASE_URL, RouteDiscovery, RouteInfo
from chanx.routing.traversal import find_routes, traverse_middleware_stack

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["DjangoRouteDiscovery"]


class DjangoRouteDiscovery(RouteDiscovery):
    """The consumers the project's WebSocket application routes.

    Starts from the ``"websocket"`` entry of ``ASGI_APPLICATION``
    (:func:`~chanx.channels.utils.get_websocket_application`), or from ``application`` when
    one is given, and walks middleware (``inner``, ``app``, ``application``) down to nested
    ``URLRouter``\\ s. Django converters (``<int:pk>``) and regex groups (``(?P<room>...)``)
    become ``{pk}``/``{room}`` in :attr:`~chanx.routing.discovery.RouteInfo.channel_path`.
    """

    def __init__(self, application: Any = None) -> None:
        self.application = application

    def discover_routes(self, base_url: str = DEFAULT_BASE_URL) -> list[RouteInfo]:
        """Every routed chanx consumer, in routing order."""
        app = self.application if self.application is not None else get_websocket_application()
        routes: list[RouteInfo] = []
        traverse_middleware_stack(app, "", routes, base_url, self.extract_routes_from_router)
        return routes

    def extract_routes_from_router(
        self, router: Any, prefix: str, routes: list[RouteInfo], base_url: str
    ) -> None:
        """Append the consumers of a ``URLRouter`` (nested routers included) under ``prefix``.

        Raises ``AttributeError`` for anything without ``routes`` (a middleware), so that the
        walk goes one layer deeper.
        """
        routes.extend(find_routes(list(router.routes), base_url, prefix))

    def get_base_url(self, request: HttpRequest) -> str:
        """``WEBSOCKET_BASE_URL``, else ``ws(s)://<host>`` of ``request``."""
        configured: str | None = chanx_settings.WEBSOCKET_BASE_URL
        if configured:
            return configured
        return f"{'wss' if request.is_secure() else 'ws'}://{request.get_host()}"

    def get_websocket_routes(self, request: HttpRequest) -> list[RouteInfo]:
        """:meth:`discover_routes` with the base URL of ``request``."""
        return self.discover_routes(self.get_base_url(request))
