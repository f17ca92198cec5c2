"""Authentication of a WebSocket connection before any frame is routed."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from pydantic import BaseModel

    from chanx.core.types import Scope

__all__ = ["CLOSE_UNAUTHENTICATED", "BaseAuthenticator", "Credential", "status_text"]

#: Close code of a refused connection whose status is not an HTTP error status.
CLOSE_UNAUTHENTICATED = 4401


@dataclass(frozen=True)
class Credential:
    """One credential an authenticator reads from the handshake (AsyncAPI documentation only).

    ``Credential("token", "query")`` documents ``?token=...``; ``location`` is ``"query"``,
    ``"header"`` or ``"cookie"``.
    """

    name: str
    location: Literal["query", "header", "cookie"]
    description: str | None = None

    def security_scheme(self) -> dict[str, Any]:
        """The AsyncAPI 3.0 security scheme (``httpApiKey``) of this credential."""
        scheme: dict[str, Any] = {"type": "httpApiKey", "name": self.name, "in": self.location}
        if self.description:
            scheme["description"] = self.description
        return scheme


def status_text(status: int) -> str:
    """The reason phrase of an HTTP status (``""`` for a code without one)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class _CredentialSchemes:
    """Class-level default of ``security_schemes``: one scheme per entry of ``credentials``."""

    def __get__(self, instance: object, owner: type) -> Mapping[str, Mapping[str, Any]]:
        credentials: Sequence[Credential] = getattr(owner, "credentials", ())
        return {c.name: c.security_scheme() for c in credentials}


def _check_signature(func: Any, where: str) -> None:
    """Refuse, at class creation, an ``authenticate`` the consumer could not call.

    chanx's guides write ``authenticate(self)``; chanx 2.13 calls ``authenticate(self, scope)``.
    Both are accepted (the consumer passes the scope when the method takes it).
    """
    params = list(inspect.signature(func).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    if not inspect.iscoroutinefunction(func) or len(positional) > 2 or len(required) not in (1, 2):
        raise TypeError(
            f"{where} must be `async def authenticate(self) -> bool` or "
            "`async def authenticate(self, scope) -> bool`"
        )


class BaseAuthenticator:
    """Decides whether a connection may proceed.

    Subclass it and implement :meth:`authenticate`, as ``async def authenticate(self)`` or
    ``async def authenticate(self, scope)`` (both work; any other signature is refused when
    the class is created). The consumer creates one
    authenticator per connection, right after the handshake, and awaits ``authenticate()``
    before it reads any client frame. On ``True`` the consumer copies :attr:`user` to
    ``consumer.user`` and calls ``post_authentication()``; on ``False`` it sends an
    ``authentication`` frame carrying :attr:`status_code` and ``{"detail": detail}``, then
    closes with :attr:`close_code` (``4000 + status_code``).
    """

    #: HTTP-style status reported when authentication fails (401: unauthenticated).
    status_code: int = 401
    #: Human-readable reason sent to the client on failure; keep secrets out of it.
    detail: str | None = None
    #: When the authentication stops being valid: a UNIX timestamp (``time.time()`` seconds)
    #: or an aware ``datetime``, set by :meth:`authenticate` (e.g. from a token's ``exp``).
    #: ``None``: never. At that moment the consumer sends an ``authentication`` frame (401)
    #: and closes with :data:`chanx.constants.CLOSE_AUTH_EXPIRED`, unless the client sent an
    #: ``auth_refresh`` frame that authenticated again (which sets the next expiry).
    expires_at: float | datetime | None = None
    #: Credentials this authenticator reads (documentation only): the default of
    #: :attr:`security_schemes` is one ``httpApiKey`` scheme per credential.
    credentials: ClassVar[Sequence[Credential]] = ()
    #: Credentials this authenticator reads, as AsyncAPI 3.0 security schemes by name, e.g.
    #: ``{"token": {"type": "httpApiKey", "name": "token", "in": "query"}}``; documentation only.
    security_schemes: ClassVar[Mapping[str, Mapping[str, Any]]] = _CredentialSchemes()  # type: ignore[assignment]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("authenticate")
        if own is not None:
            _check_signature(own, f"{cls.__qualname__}.authenticate")

    def __init__(self, consumer: Any) -> None:
        # chanx 2.x passed ``consumer.send_message``; its owner is the consumer
        consumer = getattr(consumer, "__self__", consumer)
        self.consumer = consumer
        self.scope: Scope = consumer.scope
        self.user: Any = None

    if TYPE_CHECKING:
        # Declared loosely so that both documented forms type-check as overrides.
        authenticate: Callable[..., Awaitable[bool]]
    else:

        async def authenticate(self, scope=None):
            """Return True when the connection may proceed; set :attr:`user` on the way.

            Override as ``async def authenticate(self)`` or ``async def authenticate(self,
            scope)``; ``scope`` is the handshake's ASGI scope (also :attr:`scope`).
            """
            raise NotImplementedError

    def same_identity(self, current: Any, refreshed: Any) -> bool:
        """Whether a refresh authenticated the connection's user (``current``) again.

        A refresh that authenticates somebody else is refused (403): a connection keeps its
        identity for life. The default compares with ``==`` (Django users compare by primary
        key); override it when your user objects do not compare by value.
        """
        return bool(current == refreshed)

    async def send_message(self, message: BaseModel) -> None:
        """Send a frame to the client (the handshake is accepted first if needed)."""
        await self.consumer.send_message(message)

    @property
    def close_code(self) -> int:
        """The close code of a refusal: ``4000 + status_code`` for 400-599, else 4401."""
        status = self.status_code
        return (
            4000 + status
            if isinstance(status, int) and 400 <= status <= 599
            else CLOSE_UNAUTHENTICATED
        )

    def authentication_message(self, authenticated: bool) -> BaseModel | None:
        """The frame the consumer sends once :meth:`authenticate` returned, or ``None``.

        The default sends nothing on success and, on failure, an ``authentication`` frame with
        the status and ``{"detail": detail}`` (the reason phrase when there is no detail).
        Subclasses may report success too (``DjangoAuthenticator`` does) or stay silent.
        """
        if authenticated:
            return None
        from chanx.messages.outgoing import AuthenticationMessage, AuthenticationPayload

        status = self.close_code - 4000
        phrase = status_text(status)
        payload = AuthenticationPayload(
            status_code=status, status_text=phrase, data={"detail": self.detail or phrase}
        )
        return AuthenticationMessage(payload=payload)

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
