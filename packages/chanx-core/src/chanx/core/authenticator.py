"""Authentication of a WebSocket connection before any frame is routed."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from chanx.core.types import Scope

__all__ = ["BaseAuthenticator"]


class BaseAuthenticator:
    """Decides whether a connection may proceed.

    Subclass it and implement :meth:`authenticate`. The consumer creates one authenticator per
    connection, right after the handshake, and awaits ``authenticate()`` before it reads any
    client frame. On ``True`` the consumer copies :attr:`user` to ``consumer.user`` and calls
    ``post_authentication()``; on ``False`` it sends an ``authentication`` frame carrying
    :attr:`status_code` and :attr:`detail`, then closes with code ``4000 + status_code``.
    """

    #: HTTP-style status reported when authentication fails (401: unauthenticated).
    status_code: int = 401
    #: Human-readable reason sent to the client on failure; keep secrets out of it.
    detail: str | None = None
    #: Credentials this authenticator reads, as AsyncAPI 3.0 security schemes by name, e.g.
    #: ``{"token": {"type": "httpApiKey", "name": "token", "in": "query"}}``; documentation only.
    security_schemes: ClassVar[Mapping[str, Mapping[str, Any]]] = {}

    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer
        self.scope: Scope = consumer.scope
        self.user: Any = None

    async def authenticate(self) -> bool:
        """Return True when the connection may proceed; set :attr:`user` on the way."""
        raise NotImplementedError

    @cached_property
    def query_params(self) -> dict[str, list[str]]:
        """Query string parameters of the handshake URL."""
        raw = self.scope.get("query_string", b"")
        text = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
        return parse_qs(text, keep_blank_values=True)

    @cached_property
    def headers(self) -> dict[str, str]:
        """Handshake headers, lower-cased names, last value wins."""
        return {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in self.scope.get("headers", ())
        }

    @cached_property
    def cookies(self) -> dict[str, str]:
        """Cookies sent with the handshake."""
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except CookieError:
            return {}
        return {key: morsel.value for key, morsel in jar.items()}

    @property
    def path_params(self) -> dict[str, Any]:
        """URL parameters: Starlette's ``path_params`` or Channels' ``url_route`` kwargs."""
        params = self.scope.get("path_params")
        if params is None:
            params = self.scope.get("url_route", {}).get("kwargs", {})
        return dict(params)

    def get_query_param(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter ``name``."""
        values = self.query_params.get(name)
        return values[0] if values else default

    def get_header(self, name: str, default: str | None = None) -> str | None:
        """Value of handshake header ``name`` (case-insensitive)."""
        return self.headers.get(name.lower(), default)

    def get_cookie(self, name: str, default: str | None = None) -> str | None:
        """Value of cookie ``name``."""
        return self.cookies.get(name, default)
