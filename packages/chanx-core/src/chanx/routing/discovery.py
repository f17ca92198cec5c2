"""The route discovery contract: what a binding reports about each routed consumer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chanx.routing.patterns import to_address

if TYPE_CHECKING:
    from chanx.core.consumer import ChanxConsumer

__all__ = ["DEFAULT_BASE_URL", "RouteDiscovery", "RouteInfo"]

#: Base URL a discovery reports when none is given.
DEFAULT_BASE_URL = "ws://localhost:8000"


@dataclass(frozen=True)
class RouteInfo:
    """One consumer and where it is routed.

    ``path`` is the route as written (``/ws/{room:int}``, ``ws/<int:pk>/``,
    ``^ws/(?P<room>\\w+)/$``, joined with the prefixes of enclosing routers), ``handler`` the
    ASGI app the route calls (what ``as_asgi()`` returned), ``consumer`` its consumer class
    and ``path_params`` each parameter's converter or regex (None without parameters).
    ``topic`` and ``host`` describe a mounted topic route (None otherwise).
    """

    path: str
    handler: Any
    base_url: str
    consumer: type[ChanxConsumer[Any]]
    path_params: dict[str, str] | None = None
    topic: Any = None
    host: Any = None

    @property
    def channel_path(self) -> str:
        """The address with every parameter as ``{name}``, always starting with ``/``."""
        address = to_address(self.path)[0]
        return address if address.startswith("/") else "/" + address

    @property
    def full_url(self) -> str:
        """``base_url`` joined with :attr:`channel_path`."""
        return self.base_url.rstrip("/") + self.channel_path


class RouteDiscovery(ABC):
    """Lists the consumers an application routes; one implementation per framework."""

    @abstractmethod
    def discover_routes(self, base_url: str = DEFAULT_BASE_URL) -> list[RouteInfo]:
        """Every routed consumer, in routing order."""

    @abstractmethod
    def extract_routes_from_router(
        self, router: Any, prefix: str, routes: list[RouteInfo], base_url: str
    ) -> None:
        """Append the consumers ``router`` routes under ``prefix`` to ``routes``."""
