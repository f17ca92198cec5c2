"""WebSocket routing helpers: ``path``, ``re_path`` and ``include`` for Channels' ``URLRouter``.

.. code-block:: python

    from chanx.channels.routing import include, path

    router = URLRouter([path("rooms/<int:pk>/", RoomConsumer.as_asgi())])  # in proj/chat/routing.py
    application = ProtocolTypeRouter(
        {"websocket": AuthMiddlewareStack(URLRouter([path("ws/", include("proj.chat.routing"))]))}
    )

``path`` and ``re_path`` are Django's, typed for ASGI applications (a consumer's
``as_asgi()``, a nested ``URLRouter``, any ASGI app); ``include`` finds a module's ``router``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.urls import path as django_path
from django.urls import re_path as django_re_path

if TYPE_CHECKING:
    # the stubs' name for a route whose view is an ASGI app (what URLRouter accepts)
    from channels.routing import URLRouter
    from channels.routing import _ExtendedURLPattern as RoutePattern
    from chanx.core.types import ASGIApp

__all__ = ["include", "path", "re_path"]


def path(
    route: str, view: ASGIApp | URLRouter, kwargs: dict[str, Any] | None = None, name: str = ""
) -> RoutePattern:
    """A route for ``URLRouter``, as ``django.urls.path`` (``<int:pk>`` converters and all)."""
    return cast("RoutePattern", django_path(route, cast("Any", view), kwargs, name))


def re_path(
    route: str, view: ASGIApp | URLRouter, kwargs: dict[str, Any] | None = None, name: str = ""
) -> RoutePattern:
    """A regular-expression route for ``URLRouter``, as ``django.urls.re_path``."""
    return cast("RoutePattern", django_re_path(route, cast("Any", view), kwargs, name))


def include(arg: URLRouter | ModuleType | str) -> URLRouter:
    """The ``URLRouter`` to mount: given as is, or the ``router`` attribute of a module.

    Raises:
        ImproperlyConfigured: the module has no ``router``, or it is not a ``URLRouter``.
    """
    from channels.routing import URLRouter

    if isinstance(arg, URLRouter):
        return arg
    module = importlib.import_module(arg) if isinstance(arg, str) else arg
    router = getattr(module, "router", None)
    if not isinstance(router, URLRouter):
        raise ImproperlyConfigured(
            f"include({module.__name__!r}): the module must define `router = URLRouter([...])`"
            + ("" if router is None else f", got {type(router).__name__}")
        )
    return router
