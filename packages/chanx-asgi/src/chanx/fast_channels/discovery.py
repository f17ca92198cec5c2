"""Route discovery for FastAPI and Starlette apps: :class:`FastAPIRouteDiscovery`."""

from __future__ import annotations

from typing import Any

from chanx.routing.discovery import DEFAULT_BASE_URL, RouteDiscovery, RouteInfo
from chanx.routing.traversal import find_routes, traverse_middleware_stack

__all__ = ["FastAPIRouteDiscovery"]


class FastAPIRouteDiscovery(RouteDiscovery):
    """The consumers a FastAPI/Starlette app routes, through mounts and included routers.

    Middleware wrapped around the app (``CORSMiddleware(app)``...) is walked through. Each
    ``WebSocketRoute`` whose endpoint came from ``as_asgi()`` gives one
    :class:`~chanx.routing.discovery.RouteInfo`; ``{name}``/``{name:conv}`` parameters are
    typed by their converter (``str`` by default).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def discover_routes(self, base_url: str = DEFAULT_BASE_URL) -> list[RouteInfo]:
        """Every routed chanx consumer of the app, in routing order."""
        routes: list[RouteInfo] = []
        traverse_middleware_stack(self.app, "", routes, base_url, self.extract_routes_from_router)
        return routes

    def extract_routes_from_router(
        self, router: Any, prefix: str, routes: list[RouteInfo], base_url: str
    ) -> None:
        """Append the consumers of ``router`` (anything with ``routes``) under ``prefix``.

        Raises ``AttributeError`` when ``router`` has no ``routes``, so that the middleware
        walk goes one layer deeper.
        """
        routes.extend(find_routes(list(router.routes), base_url, prefix))
