"""Reading the ASGI scope the same way under Django Channels and under Starlette/FastAPI.

Channels keeps URL captures in ``scope["url_route"]["kwargs"]``, Starlette in
``scope["path_params"]``; code reading one of them directly works on one framework only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

__all__ = ["path_param", "path_params", "query_params", "scope_user"]

_REQUIRED: Any = object()


def path_params(scope: Mapping[str, Any]) -> Mapping[str, Any]:
    """The URL captures of the route that matched, whichever framework routed it."""
    route = scope.get("url_route")
    if route is not None and route.get("kwargs") is not None:
        kwargs: Mapping[str, Any] = route["kwargs"]
        return kwargs
    params: Mapping[str, Any] | None = scope.get("path_params")
    return {} if params is None else params


def path_param(scope: Mapping[str, Any], name: str, default: Any = _REQUIRED) -> Any:
    """One URL capture; ``KeyError`` naming it when absent and no ``default`` is given.

    A missing capture means the route and the consumer disagree, so it is an error unless
    the caller says what to use instead.
    """
    params = path_params(scope)
    if name in params:
        return params[name]
    if default is _REQUIRED:
        raise KeyError(f"the route has no path parameter {name!r}; got {sorted(params)!r}")
    return default


def query_params(scope: Mapping[str, Any]) -> dict[str, list[str]]:
    """The query string as ``{name: [values...]}`` (undecodable bytes replaced)."""
    raw = scope.get("query_string") or b""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    return parse_qs(text)


def scope_user(scope: Mapping[str, Any]) -> Any | None:
    """The user an authentication middleware put on the scope; None when anonymous.

    An object whose ``is_authenticated`` is False (Django's ``AnonymousUser``) counts as
    anonymous.
    """
    user = scope.get("user")
    if user is None or getattr(user, "is_authenticated", True) is False:
        return None
    return user
