"""Build a Django ``HttpRequest`` from a WebSocket handshake scope (sync code only).

Django's ``ASGIRequest`` already knows how to turn an ASGI scope into ``META``, ``COOKIES``
and ``GET``; the handshake is presented to it as the ``GET`` it started as. The user and
session come from ``AuthMiddlewareStack`` when the app uses it; otherwise they are loaded
from the session cookie, so DRF's ``SessionAuthentication`` works either way.
"""

from __future__ import annotations

from importlib import import_module
from io import BytesIO
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.utils.functional import SimpleLazyObject

if TYPE_CHECKING:
    from django.http import HttpRequest

    from chanx.core.types import Scope

__all__ = ["request_from_scope"]


def request_from_scope(scope: Scope, method: str = "GET") -> HttpRequest:
    """An ``HttpRequest`` carrying the handshake's path, query, headers, cookies and user.

    ``method`` is the HTTP verb the request pretends to be (the handshake is a ``GET``).
    """
    http_scope: dict[str, Any] = {**scope, "type": "http", "method": method.upper()}
    http_scope.setdefault("path", "/")
    request = ASGIRequest(http_scope, BytesIO())
    session = scope.get("session")
    if session is None:
        session = _session_from_cookie(request)
    if session is not None:
        request.session = session
    user = scope.get("user")
    if user is not None:
        request.user = user
    elif session is not None and _installed("django.contrib.auth"):
        from django.contrib.auth import get_user

        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
    return request


def _installed(app: str) -> bool:
    from django.apps import apps

    return apps.is_installed(app)


def _session_from_cookie(request: HttpRequest) -> Any:
    if not _installed("django.contrib.sessions"):
        return None
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
