"""Docs routes for FastAPI and Starlette: the HTML page, ``asyncapi.json`` and ``asyncapi.yaml``.

``app.mount("/asyncapi", asyncapi_router())`` serves ``/asyncapi/`` (the page),
``/asyncapi/asyncapi.json`` and ``/asyncapi/asyncapi.yaml``, documenting the app they are
mounted on (read from the request at first use) unless ``source`` names another one.
Requires Starlette, which FastAPI users have already; chanx-asyncapi itself does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route, Router

from chanx.asyncapi._cache import DocsCache

if TYPE_CHECKING:
    from starlette.requests import Request

    from chanx.asyncapi.docs_page import WebComponent

__all__ = ["asyncapi_router", "asyncapi_routes"]


def asyncapi_routes(
    source: Any = None, *, component: WebComponent | None = None, **options: Any
) -> list[BaseRoute]:
    """Three routes: ``/`` (docs page), ``/asyncapi.json`` and ``/asyncapi.yaml``.

    ``options`` are :func:`~chanx.asyncapi.generator.generate`'s (``title``, ``version``,
    ``servers``, ``server_url``...); ``component`` switches the page to the official renderer.
    """
    cache = DocsCache(source, options, component)

    def _text(request: Request, kind: str) -> str:
        return cache.get(kind, lambda: request.scope.get("app"))

    async def page(request: Request) -> Response:
        return HTMLResponse(_text(request, "html"))

    async def spec_json(request: Request) -> Response:
        return Response(_text(request, "json"), media_type="application/json")

    async def spec_yaml(request: Request) -> Response:
        return Response(_text(request, "yaml"), media_type="application/yaml")

    return [
        Route("/", page, methods=["GET"], name="asyncapi_docs"),
        Route("/asyncapi.json", spec_json, methods=["GET"], name="asyncapi_json"),
        Route("/asyncapi.yaml", spec_yaml, methods=["GET"], name="asyncapi_yaml"),
    ]


def asyncapi_router(
    source: Any = None, *, component: WebComponent | None = None, **options: Any
) -> Router:
    """:func:`asyncapi_routes` as a router to ``app.mount(prefix, ...)``."""
    return Router(routes=asyncapi_routes(source, component=component, **options))
