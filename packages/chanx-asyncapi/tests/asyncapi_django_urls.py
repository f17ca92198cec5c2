"""URLconf and helpers of the Django AsyncAPI tests: the documented include, a discovery."""

from __future__ import annotations

from django.urls import include, path

from chanx.routing import RouteDiscovery, RouteInfo

urlpatterns = [path("asyncapi/", include("chanx.channels.urls"))]


class EmptyDiscovery(RouteDiscovery):
    """Finds nothing (``--discovery-class`` of the command test)."""

    def discover_routes(self, base_url: str = "ws://localhost:8000") -> list[RouteInfo]:
        return []

    def extract_routes_from_router(
        self, router: object, prefix: str, routes: list[RouteInfo], base_url: str
    ) -> None:
        return None
